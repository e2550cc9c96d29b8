"""Set-up done inside the program: accounts of every role, investigators' own sign-ins,
the letterhead, templates, mail settings and closure days, driven as a manager would."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QColor, QPixmap
from PySide6.QtWidgets import QPushButton

from crm_desktop.correspondence.settings import CorrespondenceSettings, load_settings
from crm_desktop.correspondence.templates import load_template
from crm_desktop.db.database import Database
from crm_desktop.db.models import ServiceArea, User
from crm_desktop.domain.access import Actor
from crm_desktop.domain.enums import UserRole
from crm_desktop.services import investigators as inv
from crm_desktop.services import reference_admin as ra
from tests.ui.conftest import PASSWORD, TODAY
from ui.admin_page import AdminPage, ClosureDaysSection, UsersSection
from ui.context import AppContext
from ui.dashboard_page import DashboardPage
from ui.investigators_page import InvestigatorsPage, PoolMemberDialog
from ui.notifier import RecordingNotifier


def _users(page: AdminPage) -> UsersSection:
    section = next(s for s in page.sections if isinstance(s, UsersSection))
    assert isinstance(section, UsersSection)
    return section


def _user(database: Database, username: str) -> User | None:
    with database.session() as session:
        user = session.scalar(sa.select(User).where(User.username == username))
        if user is not None:
            session.expunge(user)
        return user


def _pool_member(database: Database, name: str) -> int:
    manager = Actor("boss", UserRole.MANAGER)
    return int(
        database.write(
            lambda s: inv.add_to_pool(s, inv.PoolMemberInput(full_name=name), manager, TODAY).id,
            actor="boss",
        )
    )


def test_admin_adds_an_investigator_chosen_by_name_and_a_responder_with_their_area(
    qtbot, manager_context: AppContext, database: Database
) -> None:  # type: ignore[no-untyped-def]
    ada = _pool_member(database, "Ada Lovell")
    page = AdminPage(manager_context)
    qtbot.addWidget(page)
    page.activate()
    users = _users(page)
    roles = [users.new_role.itemText(i) for i in range(users.new_role.count())]
    assert "Investigator" in roles and "Service area responder" in roles
    assert users.new_link.isHidden()  # an officer is linked to nothing

    users.new_role.setCurrentIndex(users.new_role.findData("investigator"))
    assert not users.new_link.isHidden()
    names = [users.new_link.combo.itemText(i) for i in range(users.new_link.combo.count())]
    assert names == ["Ada Lovell"]  # by name, never by number
    assert users.new_name.text() == "Ada Lovell"
    users.new_username.setText("alovell")
    users.new_password.setText(PASSWORD)
    users.new_confirm.setText(PASSWORD)
    users.add()
    assert users.add_message.text() == "Added alovell (investigator)."
    made = _user(database, "alovell")
    assert made is not None and made.role == UserRole.INVESTIGATOR and made.person_id == ada
    row = next(r for r in users.model.rows if r.username == "alovell")
    assert row.linked_to == "Ada Lovell"
    # She has a sign-in now, and the list says so; a second one is refused.
    users.new_role.setCurrentIndex(users.new_role.findData("investigator"))
    assert users.new_link.combo.itemText(0) == "Ada Lovell (signs in as alovell)"
    users.new_username.setText("ada2")
    users.new_name.setText("Ada again")
    users.new_password.setText(PASSWORD)
    users.new_confirm.setText(PASSWORD)
    users.add()
    assert "already signs in as alovell" in users.add_message.text()
    assert _user(database, "ada2") is None

    users.new_role.setCurrentIndex(users.new_role.findData("service responder"))
    with database.session() as session:
        area = session.scalars(sa.select(ServiceArea).where(ServiceArea.active)).first()
        assert area is not None
        area_id, area_name = area.id, area.name
    combo = users.new_link.combo
    combo.setCurrentIndex(combo.findData(area_id))
    assert combo.currentText().startswith(area_name)
    users.new_username.setText("resp")
    users.new_name.setText("Rhys Pugh")
    users.new_password.setText(PASSWORD)
    users.new_confirm.setText(PASSWORD)
    users.add()
    responder = _user(database, "resp")
    assert responder is not None and responder.service_area_id == area_id


def test_renaming_an_account_keeps_a_link_no_longer_offered(
    qtbot, manager_context: AppContext, database: Database
) -> None:  # type: ignore[no-untyped-def]
    """A responder's area retired, an investigator taken out of the pool: the account is
    still linked to them, and a save that changes only the name keeps that link (it used
    to link the account to whichever record was listed first)."""
    manager = Actor("boss", UserRole.MANAGER)
    alice, bob = _pool_member(database, "Alice Pool"), _pool_member(database, "Bob Pool")

    def build(session: sa.orm.Session) -> int:
        area = session.scalars(
            sa.select(ServiceArea).where(ServiceArea.active).order_by(ServiceArea.name)
        ).all()[5]
        for username, role, link in (
            ("resp", UserRole.SERVICE_RESPONDER, {"service_area_id": area.id}),
            ("bobio", UserRole.INVESTIGATOR, {"person_id": bob}),
        ):
            ra.add_user_account(
                session,
                manager,
                username,
                role,
                display_name=username,
                password=PASSWORD,
                confirm=PASSWORD,
                **link,
            )
        ra.update_service_area(
            session,
            manager,
            area.id,
            area.version,
            name=area.name,
            active=False,
            for_complaints=area.for_complaints,
            for_compliments=area.for_compliments,
        )
        inv.remove_from_pool(session, bob, manager)
        return area.id

    area_id = database.write(build, actor="boss")
    page = AdminPage(manager_context)
    qtbot.addWidget(page)
    page.activate()
    users = _users(page)
    for username, gone in (("resp", "no longer in use"), ("bobio", "no longer in the pool")):
        users.view.selectRow([r.username for r in users.model.rows].index(username))
        assert users.edit_link.combo.currentText().endswith(f"({gone})"), username
        users.edit_name.setText(f"{username} renamed")
        users.save()
        assert users.message.text() == "Saved.", username
    resp, bobio = _user(database, "resp"), _user(database, "bobio")
    assert resp is not None and (resp.display_name, resp.service_area_id) == (
        "resp renamed",
        area_id,
    )
    assert bobio is not None and (bobio.display_name, bobio.person_id) == ("bobio renamed", bob)
    assert bobio.person_id != alice


def test_an_investigator_account_needs_their_pool_record(
    qtbot, manager_context: AppContext, database: Database
) -> None:  # type: ignore[no-untyped-def]
    page = AdminPage(manager_context)
    qtbot.addWidget(page)
    page.activate()
    users = _users(page)
    users.new_role.setCurrentIndex(users.new_role.findData("investigator"))
    assert "Nobody in the pool yet" in users.new_link.combo.currentText()
    users.new_username.setText("nobody")
    users.new_name.setText("No Body")
    users.new_password.setText(PASSWORD)
    users.new_confirm.setText(PASSWORD)
    users.add()
    assert "record in the pool" in users.add_message.text()
    assert _user(database, "nobody") is None


def test_add_person_on_the_investigators_page_can_create_their_sign_in(
    qtbot, manager_context: AppContext, database: Database
) -> None:  # type: ignore[no-untyped-def]
    page = InvestigatorsPage(manager_context)
    qtbot.addWidget(page)
    page.activate()
    dialog = page.add_member()
    assert isinstance(dialog, PoolMemberDialog) and dialog.sign_in is not None
    assert not dialog.username.isEnabled()
    dialog.full_name.setText("Grace Hopkins")
    dialog.email.setText("grace@example.org")
    dialog.sign_in.setChecked(True)
    dialog.username.setText("ghopkins")
    dialog.password.setText("too short")
    dialog.confirm.setText("too short")
    dialog.submit()
    assert dialog.result() != dialog.DialogCode.Accepted
    with database.session() as session:  # neither the record nor the account was saved
        assert inv.list_pool(session) == []
    assert _user(database, "ghopkins") is None
    dialog.password.setText(PASSWORD)
    dialog.confirm.setText(PASSWORD)
    dialog.submit()
    assert dialog.result() == dialog.DialogCode.Accepted
    user = _user(database, "ghopkins")
    assert user is not None and user.role == UserRole.INVESTIGATOR
    with database.session() as session:
        (member,) = inv.list_pool(session)
    assert user.person_id == member.id and user.display_name == "Grace Hopkins"


def test_an_officer_adds_to_the_pool_without_a_sign_in(
    qtbot, context: AppContext, database: Database
) -> None:  # type: ignore[no-untyped-def]
    page = InvestigatorsPage(context)
    qtbot.addWidget(page)
    page.activate()
    dialog = page.add_member()
    assert isinstance(dialog, PoolMemberDialog)
    assert dialog.sign_in is None  # an officer may not create accounts


# ------------------------------------------------------------------ letters and mail


def _settings(database: Database) -> CorrespondenceSettings:
    with database.session() as session:
        return load_settings(session)


def test_letterhead_saved_from_its_tab_and_a_missing_logo_refused(
    qtbot, manager_context: AppContext, database: Database, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    page = AdminPage(manager_context)
    qtbot.addWidget(page)
    page.activate()
    tab = page.letterhead
    tab.council_name.setText("Malvern Hills Council")
    tab.council_address.setPlainText("Council House\nAvenue Road\nMalvern WR14 3AF")
    tab.council_email.setText("complaints@malvern.example")
    tab.logo_path.setText(str(tmp_path / "missing.png"))
    tab.save_button.click()
    assert "There is no file" in tab.message.text()
    assert _settings(database).council_name == ""  # nothing saved on a refusal
    logo = tmp_path / "logo.png"
    picture = QPixmap(40, 20)
    picture.fill(QColor("navy"))
    assert picture.save(str(logo))
    tab.ask_open = lambda *_args: str(logo)
    tab.choose_logo()
    assert tab.logo.pixmap() is not None and not tab.logo.pixmap().isNull()
    tab.save_button.click()
    assert tab.message.text().startswith("Saved")
    saved = _settings(database)
    assert saved.council_name == "Malvern Hills Council"
    assert saved.council_address == "Council House\nAvenue Road\nMalvern WR14 3AF"
    assert saved.logo_path == str(logo)
    # The mail tab saves only its own settings: the letterhead stays.
    page.mail.lead.setValue(5)
    page.mail.save_button.click()
    saved = _settings(database)
    assert saved.lead_working_days == 5 and saved.council_name == "Malvern Hills Council"


def test_mail_settings_send_a_test_email_as_typed_then_save(
    qtbot, manager_context: AppContext, database: Database, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    page = AdminPage(manager_context)
    qtbot.addWidget(page)
    page.activate()
    mail = page.mail
    mail.test_to.setText("morag@council.example")
    mail.test_button.click()
    assert "mail server, or a folder" in mail.message.text()
    folder = tmp_path / "outbox"
    mail.ask_folder = lambda *_args: str(folder)
    mail.choose_folder()
    mail.smtp_from.setText("complaints@council.example")
    mail.test_to.setText("not an address")
    mail.test_button.click()
    assert "email address to send the test to" in mail.message.text()
    mail.test_to.setText("morag@council.example")
    mail.test_button.click()
    (written,) = folder.glob("*.eml")
    assert "morag@council.example" in mail.message.text() and str(written) in mail.message.text()
    message = written.read_text()
    assert "Subject: Test email from CRM Desktop" in message
    assert "To: morag@council.example" in message
    assert _settings(database).eml_folder == ""  # tried as typed, not saved
    mail.senior_officers.setText("head@council.example, not-an-address")
    mail.save_button.click()
    assert "'not-an-address' is not an email address" in mail.message.text()
    mail.senior_officers.setText("head@council.example; deputy@council.example")
    mail.save_button.click()
    saved = _settings(database)
    assert saved.eml_folder == str(folder)
    assert saved.senior_officers == ("head@council.example", "deputy@council.example")


def test_mail_settings_set_by_it_on_this_computer_are_shown_as_such(
    qtbot, manager_context: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """The site settings' mail server and CRM_SMTP_PASSWORD win over what the team saves:
    those fields are greyed with a note, instead of taking a change that does nothing."""
    page = AdminPage(manager_context)
    qtbot.addWidget(page)
    page.activate()
    mail = page.mail
    assert mail.smtp_host.isEnabled() and mail.set_by_it.isHidden()
    site = tmp_path / "site.ini"
    site.write_text("[smtp]\nhost = smtp.site.example\nport = 25\n", encoding="utf-8")
    monkeypatch.setenv("CRM_DESKTOP_SITE_CONFIG", str(site))
    monkeypatch.setenv("CRM_SMTP_PASSWORD", "from the environment")
    mail.reload()
    assert mail.smtp_host.text() == "smtp.site.example"
    fixed = (mail.smtp_host, mail.smtp_port, mail.smtp_password)
    assert not any(widget.isEnabled() for widget in fixed)
    assert all(w.isEnabled() for w in (mail.smtp_user, mail.smtp_from, mail.smtp_starttls))
    assert not mail.set_by_it.isHidden()
    assert mail.set_by_it.text() == (
        "The mail server, port and password are set by IT on this computer, so they "
        "cannot be changed here. Ask IT if a change is needed."
    )
    # The screen greys them from what the loading worker read, without reading the
    # site settings file on the screen's own thread.
    import crm_desktop.site_config as site_config

    def no_reading() -> None:
        raise AssertionError("the site settings were read on the screen's thread")

    monkeypatch.setattr(site_config, "load_site_config", no_reading)
    assert mail.settings is not None
    mail.fill(mail.settings)
    assert not mail.smtp_host.isEnabled()


def test_template_preview_shows_example_values_and_saving_changes_the_letter(
    qtbot, manager_context: AppContext, database: Database
) -> None:  # type: ignore[no-untyped-def]
    page = AdminPage(manager_context)
    qtbot.addWidget(page)
    page.activate()
    tab = page.templates
    names = [tab.list.item(i).text() for i in range(tab.list.count())]
    assert "Acknowledgement" in names
    tab.list.setCurrentRow(names.index("Acknowledgement"))
    preview = tab.preview.toPlainText()
    assert preview.startswith("Subject: ") and "COR-2024-00017" in preview
    assert "{{" not in preview and "}}" not in preview
    fields = [tab.fields.item(i).text() for i in range(tab.fields.count())]
    assert any(f.startswith("the case reference") for f in fields)
    assert all("{{" not in f for f in fields)  # described in words; the code goes in
    tab.body.setPlainText("Dear {{ complainant.salutation }},\n\nThank you.")
    tab.update_preview()
    assert "Dear Ms Smith," in tab.preview.toPlainText()
    # The letterhead's own name, once set, in place of the example's.
    page.letterhead.council_name.setText("Malvern Hills Council")
    page.letterhead.save_button.click()
    tab.body.setPlainText("{{ council.name }} thanks {{ complainant.salutation }}.")
    tab.update_preview()
    assert "Malvern Hills Council thanks Ms Smith." in tab.preview.toPlainText()
    tab.body.setPlainText("Dear {{ complainant.shoe_size }}")
    tab.update_preview()
    assert tab.preview.toPlainText().startswith("The template cannot be filled in yet")
    tab.save_button.click()
    assert tab.message.text() and not tab.message.text().startswith("Saved")
    with database.session() as session:
        assert "shoe_size" not in load_template(session, "acknowledgement").body
    tab.body.setPlainText("Dear {{ complainant.salutation }},\n\nThank you.")
    tab.save_button.click()
    assert tab.message.text() == "Saved the template 'Acknowledgement'."
    with database.session() as session:
        assert load_template(session, "acknowledgement").body.startswith("Dear {{ complainant")
    assert tab.list.currentItem().text() == "Acknowledgement (changed)"
    assert tab.reset_button.isEnabled()
    tab.reset_button.click()
    with database.session() as session:
        assert not load_template(session, "acknowledgement").customised


def test_choosing_another_template_asks_before_losing_typed_changes(
    qtbot, manager_context: AppContext, database: Database
) -> None:  # type: ignore[no-untyped-def]
    notifier = manager_context.notifier
    assert isinstance(notifier, RecordingNotifier)
    page = AdminPage(manager_context)
    qtbot.addWidget(page)
    page.activate()
    tab = page.templates
    names = [tab.list.item(i).text() for i in range(tab.list.count())]
    first, other = names.index("Acknowledgement"), names.index("Extension")
    tab.list.setCurrentRow(first)
    tab.list.setCurrentRow(other)  # nothing typed: no question
    assert not [m for m in notifier.messages if m[0] == "confirm"]
    tab.list.setCurrentRow(first)
    tab.body.setPlainText("Half a new letter")

    # "Keep editing": the same template stays, with what was typed.
    notifier.answer = False
    tab.list.setCurrentRow(other)
    asked = [m for m in notifier.messages if m[0] == "confirm"]
    assert len(asked) == 1 and asked[0][1] == "Discard what you typed?"
    assert "'Acknowledgement' without saving" in asked[0][2]
    assert tab.list.currentRow() == first
    assert tab.current is not None and tab.current.key == "acknowledgement"
    assert tab.body.toPlainText() == "Half a new letter"

    # Read again (a change saved elsewhere): the typing stays.
    page.letterhead.council_name.setText("Malvern Hills Council")
    page.letterhead.save_button.click()
    tab.reload()
    assert tab.body.toPlainText() == "Half a new letter"

    # "Discard": the other template is shown; nothing was saved.
    notifier.answer = True
    tab.list.setCurrentRow(other)
    assert tab.current is not None and tab.current.key == "extension"
    assert tab.body.toPlainText() != "Half a new letter"
    with database.session() as session:
        assert "Half a new letter" not in load_template(session, "acknowledgement").body

    # After a reset the editor holds the original text again.
    tab.body.setPlainText("Changed {{ case.reference }}")
    tab.save_button.click()
    assert tab.message.text() == "Saved the template 'Extension'."
    tab.reset_button.click()
    with database.session() as session:
        original = load_template(session, "extension")
    assert not original.customised
    assert tab.body.toPlainText() == original.body
    assert not tab.has_typed_work()


def test_an_officer_cannot_change_letters_or_mail_settings(
    qtbot, context: AppContext, database: Database
) -> None:  # type: ignore[no-untyped-def]
    page = AdminPage(context)  # built by hand: an officer's window has no Admin page
    qtbot.addWidget(page)
    page.activate()
    assert "cannot change letter templates" in page.letterhead.message.text()
    page.letterhead.council_name.setText("Officer's council")
    page.letterhead.save_button.click()
    assert "cannot change letter templates" in page.letterhead.message.text()
    page.mail.test_to.setText("x@example.org")
    page.mail.test_button.click()
    assert "cannot change letter templates" in page.mail.message.text()
    assert _settings(database).council_name == ""


# ------------------------------------------------------------------------ closure days


def _add_closure_day(  # type: ignore[no-untyped-def]
    qtbot, context: AppContext, day: QDate, name: str
) -> tuple[AdminPage, ClosureDaysSection]:
    """Open the Admin page's closure days and add one, as a manager would (the page is
    returned to be kept while the test uses its section)."""
    page = AdminPage(context)
    qtbot.addWidget(page)
    page.activate()
    section = next(s for s in page.sections if isinstance(s, ClosureDaysSection))
    assert isinstance(section, ClosureDaysSection)
    section.new_day.setDate(day)
    section.new_name.setText(name)
    qtbot.mouseClick(
        section.findChild(QPushButton, "AddClosureDayButton"), Qt.MouseButton.LeftButton
    )
    return page, section


def test_closure_days_added_and_removed_on_the_admin_page(
    qtbot, manager_context: AppContext, database: Database
) -> None:  # type: ignore[no-untyped-def]
    _page, section = _add_closure_day(qtbot, manager_context, QDate(2025, 6, 4), "Staff training")
    assert section.add_message.text() == "Added 4 Jun 2025."
    with database.session() as session:
        assert [(r.day, r.name) for r in ra.list_closure_days(session)] == [
            (dt.date(2025, 6, 4), "Staff training")
        ]
    assert [section.model.index(0, c).data() for c in (0, 1)] == ["4 Jun 2025", "Staff training"]
    section.view.selectRow(0)
    section.save_button.click()
    assert section.message.text() == "Removed 4 Jun 2025."
    with database.session() as session:
        assert ra.list_closure_days(session) == []


def test_a_closure_day_says_which_running_clocks_it_moved(
    qtbot, manager_context: AppContext, database: Database
) -> None:  # type: ignore[no-untyped-def]
    from tests.workflow_driver import STARTS, Driver

    Driver(database).create(STARTS[1])  # corporate, received Fri 1 Mar 2024, still open
    _page, section = _add_closure_day(qtbot, manager_context, QDate(2024, 3, 5), "Office move")
    assert section.add_message.text() == (
        "Added 5 Mar 2024. Due dates worked out again for 1 open corporate case."
    )
    section.view.selectRow(0)
    section.save_button.click()
    assert section.message.text() == (
        "Removed 5 Mar 2024. Due dates worked out again for 1 open corporate case."
    )


def test_an_officer_cannot_add_closure_days(qtbot, context: AppContext, database: Database) -> None:  # type: ignore[no-untyped-def]
    page = AdminPage(context)
    qtbot.addWidget(page)
    page.activate()
    section = next(s for s in page.sections if isinstance(s, ClosureDaysSection))
    assert isinstance(section, ClosureDaysSection)
    section.new_name.setText("Officer's day off")
    section.add()
    assert "cannot change reference data" in section.add_message.text()
    with database.session() as session:
        assert ra.list_closure_days(session) == []


# -------------------------------------------------------------- a new database's dashboard


def test_kpis_over_no_cases_say_so_and_claim_no_rating(qtbot, manager_context: AppContext) -> None:  # type: ignore[no-untyped-def]
    page = DashboardPage(manager_context)
    qtbot.addWidget(page)
    page.activate()
    model = page.kpi_model
    assert model.rowCount() > 0
    for row in range(model.rowCount()):
        this_year, rating, last_year = (model.index(row, c).data() for c in (2, 3, 4))
        assert (this_year, rating, last_year) == ("–", "No cases yet", "–")
        assert model.index(row, 3).data(Qt.ItemDataRole.BackgroundRole) is None


def test_opening_the_admin_page_reads_each_list_once(qtbot, manager_context: AppContext) -> None:  # type: ignore[no-untyped-def]
    from collections import Counter

    asked: Counter[str] = Counter()
    original = manager_context.op

    def counted(op, *args, **kwargs):  # type: ignore[no-untyped-def]
        asked[op.name] += 1
        return original(op, *args, **kwargs)

    manager_context.op = counted  # type: ignore[method-assign]
    page = AdminPage(manager_context)
    qtbot.addWidget(page)
    page.activate()
    assert asked["correspondence.mail_settings"] == 1  # the letterhead and mail tabs share it
    assert all(n == 1 for n in asked.values()), asked
    assert page.letterhead.settings is page.mail.settings is not None


def test_the_template_editor_and_preview_stack_when_the_tab_is_narrow(
    qtbot,  # type: ignore[no-untyped-def]
    manager_context: AppContext,
) -> None:
    from PySide6.QtCore import Qt

    from ui.letters_setup import TemplatesSection

    section = TemplatesSection(manager_context)
    qtbot.addWidget(section)
    em = section.fontMetrics().horizontalAdvance("M")
    section.resize(em * 140, em * 40)
    section.show()
    qtbot.waitUntil(lambda: section.text_and_preview.orientation() == Qt.Orientation.Horizontal)
    section.resize(em * 70, em * 40)
    qtbot.waitUntil(lambda: section.text_and_preview.orientation() == Qt.Orientation.Vertical)
