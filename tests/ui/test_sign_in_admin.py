"""Signing in (password, Windows account, the first manager) and the Admin page."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from crm_desktop.db.database import Database
from crm_desktop.domain.access import Actor
from crm_desktop.domain.enums import UserRole
from crm_desktop.errors import PermissionRefused
from crm_desktop.operations import admin, run_operation
from crm_desktop.services import reference_admin as ra
from crm_desktop.services.users import add_user
from tests.ui.conftest import PASSWORD, TODAY
from ui.admin_page import AdminPage, NaturesSection, TimescalesSection, UsersSection
from ui.context import AppContext
from ui.main_window import MainWindow
from ui.notifier import RecordingNotifier
from ui.runner import Cancelled, Runner
from ui.sign_in import SignInDialog


def test_first_run_creates_the_first_administrator(
    qtbot, database: Database, runner: Runner
) -> None:  # type: ignore[no-untyped-def]
    context = AppContext(runner, RecordingNotifier(), database=database)
    dialog = SignInDialog(context)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.first_run
    dialog.new_username.setText("Morag")
    dialog.new_name.setText("Morag Ellison")
    dialog.new_password.setText("long enough 1")
    dialog.new_confirm.setText("long enough 2")
    dialog.create_button.click()
    assert "not the same" in dialog.error.text() and dialog.actor is None
    dialog.new_confirm.setText("long enough 1")
    dialog.create_button.click()
    assert dialog.actor is not None and dialog.actor.role == UserRole.ADMIN
    assert context.actor == dialog.actor
    second = SignInDialog(AppContext(runner, RecordingNotifier(), database=database))
    qtbot.addWidget(second)
    assert not second.first_run


def test_sign_in_errors_show_in_the_dialog(
    qtbot, database: Database, runner: Runner, people
) -> None:  # type: ignore[no-untyped-def]
    context = AppContext(runner, RecordingNotifier(), database=database)
    dialog = SignInDialog(context)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.first_run
    assert not dialog.windows_button.isVisible()  # no Windows account offered here
    dialog.sign_in_button.click()
    assert dialog.error.text() == "Enter your username and password."
    dialog.username.setText("officer1")
    dialog.password.setText("wrong password")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert "not right" in dialog.error.text() and dialog.isVisible()
    # The wrong password is selected, so the right one typed next replaces it.
    assert dialog.password.selectedText() == "wrong password"
    dialog.password.setText(PASSWORD)
    dialog.sign_in_button.click()
    assert dialog.actor is not None and dialog.actor.username == "officer1"
    assert not dialog.isVisible()


def test_windows_account_sign_in(qtbot, database: Database, runner: Runner, people) -> None:  # type: ignore[no-untyped-def]
    account = "council\\praman"
    unknown = SignInDialog(AppContext(runner, RecordingNotifier(), database=database), account)
    qtbot.addWidget(unknown)
    unknown.show()
    assert unknown.windows_button.isVisible() and account in unknown.windows_button.text()
    unknown.windows_button.click()
    assert "No CRM Desktop user is set up for the Windows account" in unknown.error.text()
    manager: Actor = people["manager"]
    with database.session() as session:
        officer = next(u for u in ra.list_user_rows(session) if u.username == "officer1")
    database.write(
        lambda s: ra.update_user(
            s,
            manager,
            officer.id,
            officer.version,
            display_name=officer.display_name,
            role="officer",
            active=True,
            windows_account=account,
        ),
        actor="boss",
    )
    unknown.windows_button.click()
    assert unknown.actor is not None and unknown.actor.username == "officer1"


def test_a_database_that_cannot_open_is_explained(qtbot, runner: Runner) -> None:  # type: ignore[no-untyped-def]
    dialog = SignInDialog(AppContext(runner, RecordingNotifier()))
    qtbot.addWidget(dialog)
    assert not dialog.sign_in_button.isEnabled()
    dialog.database_failed("The file is not a CRM Desktop database.")
    assert dialog.error.text() == "The file is not a CRM Desktop database."


def _section(page: AdminPage, kind: type) -> object:
    return next((s for s in page.sections if isinstance(s, kind)), None)


def test_admin_edits_reference_data_with_conflicts(
    qtbot,  # type: ignore[no-untyped-def]
    manager_context: AppContext,
    database: Database,
    people: dict[str, Actor],
) -> None:
    page = AdminPage(manager_context)
    qtbot.addWidget(page)
    page.show()
    page.activate()
    natures = _section(page, NaturesSection)
    assert isinstance(natures, NaturesSection)
    assert natures.model.rowCount() > 20
    natures.view.selectRow(0)
    first = natures.current_row()
    assert natures.edit_name.text() == first.name
    # Another manager renames it meanwhile.
    database.write(
        lambda s: ra.update_nature(
            s, people["manager"], first.id, first.version, name="Renamed", active=True
        ),
        actor="other",
    )
    natures.edit_name.setText("My wording")
    natures.save()
    assert "changed by boss" in natures.message.text()
    assert natures.reload_button.isVisible()
    natures.reload_button.click()
    assert natures.edit_name.text() == "My wording"  # kept
    natures.save()
    assert natures.message.text() == "Saved."
    with database.session() as session:
        assert any(n.name == "My wording" for n in ra.list_natures(session))
    natures.new_name.setText("Noise")
    natures.add()
    assert any(r.name == "Noise" for r in natures.model.rows)

    timescales = _section(page, TimescalesSection)
    assert isinstance(timescales, TimescalesSection)
    row = next(
        i
        for i, r in enumerate(timescales.model.rows)
        if (r.procedure, r.stage, r.rule) == ("children", "1", "duration")
    )
    timescales.view.selectRow(row)
    timescales.edit_value.setValue(25)
    timescales.save()
    assert "cannot be longer than its extension limit" in timescales.message.text()


def test_admin_users(qtbot, manager_context: AppContext, database: Database) -> None:  # type: ignore[no-untyped-def]
    page = AdminPage(manager_context)
    qtbot.addWidget(page)
    page.activate()
    users = _section(page, UsersSection)
    assert isinstance(users, UsersSection)
    assert [r.username for r in users.model.rows] == ["boss", "officer1"]
    users.new_username.setText("tom")
    users.new_name.setText("Tom Hadley")
    users.new_password.setText("long enough 1")
    users.new_confirm.setText("long enough 1")
    users.add()
    assert users.add_message.text() == "Added tom (consumer relations officer)."
    users.view.selectRow(0)  # boss, the only administrator
    users.edit_role.setCurrentIndex(users.edit_role.findData("officer"))
    users.save()
    assert "last active administrator" in users.message.text()


def test_a_manager_has_no_users_and_roles_section(  # type: ignore[no-untyped-def]
    qtbot, context: AppContext, database: Database
) -> None:
    """Only an administrator changes users and roles: a manager's Admin page has every
    other section, and the operations refuse them even so."""
    manager = database.write(
        lambda s: add_user(s, "mgr1", UserRole.MANAGER, password="quiet orange kettle")
    )
    context.actor = Actor(manager.username, manager.role, manager.id, "A Manager")
    page = AdminPage(context)
    qtbot.addWidget(page)
    page.activate()
    assert _section(page, UsersSection) is None
    assert isinstance(_section(page, NaturesSection), NaturesSection)
    with pytest.raises(PermissionRefused):
        run_operation(database, context.actor, TODAY, admin.set_user_active, "officer1", False)


def test_each_admin_list_keeps_room_for_six_rows_on_a_small_window(  # type: ignore[no-untyped-def]
    qtbot, manager_context: AppContext
) -> None:
    page = AdminPage(manager_context)
    qtbot.addWidget(page)
    page.resize(800, 400)  # the editor and the add form would squeeze the list
    page.show()
    page.activate()
    for section in page.sections:
        page.tabs.setCurrentWidget(section.parentWidget().parentWidget())
        qtbot.wait(1)
        view = section.view
        rows_seen = view.viewport().height() // view.verticalHeader().defaultSectionSize()
        assert rows_seen >= 6, section.name


def test_an_officer_cannot_change_reference_data(database: Database, people) -> None:  # type: ignore[no-untyped-def]
    with database.session() as session:
        before = ra.list_natures(session)
    with pytest.raises(PermissionRefused):
        run_operation(database, people["officer"], TODAY, admin.add_nature, "adult", "X")
    with database.session() as session:
        assert ra.list_natures(session) == before


def test_an_officer_has_no_admin_page_and_its_sections_refuse_them(  # type: ignore[no-untyped-def]
    qtbot, context: AppContext, database: Database
) -> None:
    window = MainWindow(context=context)
    qtbot.addWidget(window)
    assert window.admin is None and "Admin" not in window.pages
    page = AdminPage(context)  # even built by hand, every list is refused by the policy
    qtbot.addWidget(page)
    page.activate()
    natures = _section(page, NaturesSection)
    assert isinstance(natures, NaturesSection)
    assert natures.model.rowCount() == 0 and natures.message.isVisibleTo(page)
    natures.new_name.setText("Officer's nature")
    natures.add()
    with database.session() as session:
        assert all(n.name != "Officer's nature" for n in ra.list_natures(session))


def test_jobs_run_off_the_gui_thread_report_progress_and_cancel(qtbot) -> None:  # type: ignore[no-untyped-def]
    runner = Runner()
    gui = threading.get_ident()
    seen: dict[str, object] = {}
    progress: list[tuple[int, int, str]] = []
    release = threading.Event()

    def work(job) -> int:  # type: ignore[no-untyped-def]
        seen["thread"] = threading.get_ident()
        job.report(1, 2, "half way")
        release.wait(5)
        job.check()
        return 42

    with qtbot.waitSignal(runner.busy_changed, timeout=5000):
        job = runner.submit_job(
            work, lambda r: seen.setdefault("result", r), None, lambda *a: progress.append(a)
        )
    assert runner.busy
    qtbot.waitUntil(lambda: progress == [(1, 2, "half way")], timeout=5000)
    release.set()
    qtbot.waitUntil(lambda: "result" in seen, timeout=5000)
    assert seen["result"] == 42 and seen["thread"] != gui and job is not None
    # A cancelled job's result is never delivered.
    release.clear()
    delivered: list[object] = []
    cancelled = runner.submit_job(work, delivered.append, delivered.append)
    cancelled.cancel()
    release.set()
    runner.wait()
    qtbot.waitUntil(lambda: not runner.busy, timeout=5000)
    assert delivered == []
    sync = Runner(synchronous=True)
    stopped = sync.submit_job(
        lambda job: (job.cancel(), job.check()), delivered.append, delivered.append
    )
    assert stopped.cancelled and delivered == []
    assert issubclass(Cancelled, Exception)


def test_a_manager_sets_a_kpis_working_days(
    qtbot,  # type: ignore[no-untyped-def]
    manager_context: AppContext,
    database: Database,
) -> None:
    """The children's Stage 2 start KPI counts within N working days a manager sets; a
    KPI not counted in working days has no such field."""
    from ui.admin_page import KpisSection

    page = AdminPage(manager_context)
    qtbot.addWidget(page)
    page.show()
    page.activate()
    kpis = _section(page, KpisSection)
    assert isinstance(kpis, KpisSection)
    rows = kpis.model.rows
    start = next(i for i, r in enumerate(rows) if r.code == "children_stage2_started_within")
    kpis.view.selectRow(start)
    assert kpis.edit_within.isEnabled() and kpis.edit_within.value() == 10
    kpis.edit_within.setValue(15)
    kpis.edit_target.setValue(85)
    kpis.save()
    assert kpis.message.text() == "Saved."
    with database.session() as session:
        saved = next(r for r in ra.list_kpis(session) if r.code == "children_stage2_started_within")
    assert (saved.threshold_days, saved.target_percent) == (15, 85)
    lgsco = next(i for i, r in enumerate(kpis.model.rows) if r.code == "adult_to_lgsco")
    kpis.view.selectRow(lgsco)
    assert not kpis.edit_within.isEnabled()


def test_every_admin_section_is_named_in_view_and_chosen_from_the_keyboard(  # type: ignore[no-untyped-def]
    qtbot, manager_context: AppContext
) -> None:
    from PySide6.QtGui import QAccessible

    page = AdminPage(manager_context)
    qtbot.addWidget(page)
    page.resize(900, 600)
    page.show()
    page.activate()
    listed = page.tabs.list
    names = [listed.item(row).text() for row in range(listed.count())]
    assert names == [
        "Natures of complaint",
        "Service areas",
        "Timescales and extension limits",
        "KPI targets",
        "Procedure policies",
        "Closure days",
        "Users and roles",
        "Letterhead",
        "Letter templates",
        "Mail settings",
    ]
    assert page.tabs.count() == len(names)
    # Every name whole and in view: none behind scroll arrows, none wider than the list.
    room = listed.viewport().rect()
    for row in range(listed.count()):
        assert room.contains(listed.visualRect(listed.model().index(row, 0))), names[row]
    interface = QAccessible.queryAccessibleInterface(listed)
    assert interface is not None and interface.text(QAccessible.Text.Name) == "Admin sections"
    # Down and Up move between sections; the one shown follows.
    listed.setFocus()
    assert page.tabs.currentIndex() == 0
    assert page.tabs.currentWidget() is page.sections[0]
    qtbot.keyClick(listed, Qt.Key.Key_Down)
    qtbot.keyClick(listed, Qt.Key.Key_Down)
    assert page.tabs.currentIndex() == 2
    assert isinstance(page.tabs.currentWidget(), TimescalesSection)
    assert page.tabs.currentWidget().isVisible()
    assert not page.sections[0].isVisible()
    qtbot.keyClick(listed, Qt.Key.Key_Up)
    assert page.tabs.currentWidget() is page.sections[1]
    # Chosen by the section itself, as the screenshots do.
    page.tabs.setCurrentWidget(page.mail)
    assert listed.currentRow() == names.index("Mail settings")
    assert page.mail.isVisible()


def test_adding_a_user_says_how_it_went_in_the_add_box_on_a_small_screen(  # type: ignore[no-untyped-def]
    qtbot, manager_context: AppContext, database: Database
) -> None:
    """At 1366x768 and 150% the Add box is below the fold: what adding says is shown in
    it, beside the button, and a refused add keeps the passwords to put right."""
    page = AdminPage(manager_context)
    qtbot.addWidget(page)
    page.resize(911, 512)
    page.show()
    page.activate()
    users = _section(page, UsersSection)
    assert isinstance(users, UsersSection)
    page.tabs.setCurrentWidget(users)
    users.new_username.setText("tom")
    users.new_name.setText("Tom Hadley")
    users.new_password.setText("long enough 1")
    users.new_confirm.setText("not the same 1")
    users.add_message.parentWidget().findChild(QPushButton, "AddUserButton").click()
    said = users.add_message.text()
    assert said and users.add_message.isVisible() and not users.message.isVisible()
    # Beside the Add button, so in view wherever the officer scrolled to press it.
    assert users.add_message.parentWidget().title() == "Add a user"
    assert users.new_password.text() == "long enough 1"
    assert users.new_confirm.text() == "not the same 1"
    users.new_confirm.setText("long enough 1")
    users.add()
    assert users.add_message.text() == "Added tom (consumer relations officer)."
    assert users.new_password.text() == "" and users.new_confirm.text() == ""
    # Saving a row speaks at the top again, and the Add box's message goes.
    users.view.selectRow(0)
    users.save()
    assert users.message.isVisible() and not users.add_message.isVisible()


def test_a_refused_nature_keeps_its_name_and_says_why_in_the_add_box(  # type: ignore[no-untyped-def]
    qtbot, manager_context: AppContext
) -> None:
    page = AdminPage(manager_context)
    qtbot.addWidget(page)
    page.activate()
    natures = _section(page, NaturesSection)
    assert isinstance(natures, NaturesSection)
    existing = natures.model.rows[0]
    natures.new_procedure.setCurrentIndex(natures.new_procedure.findData(existing.procedure))
    natures.new_name.setText(existing.name)
    natures.add()
    assert natures.add_message.text() and not natures.message.text()
    assert natures.new_name.text() == existing.name


def test_an_officer_changes_their_own_password_from_the_file_menu(  # type: ignore[no-untyped-def]
    qtbot, context: AppContext, database: Database
) -> None:
    from crm_desktop.services.users import sign_in
    from ui.password_dialog import ChangePasswordDialog

    window = MainWindow(context=context)
    qtbot.addWidget(window)
    assert window.change_password_action in window.file_menu.actions()
    dialog = window.change_password()
    assert isinstance(dialog, ChangePasswordDialog)
    dialog.current.setText("not it at all")
    dialog.new.setText("quiet orange kettle")
    dialog.confirm.setText("quiet orange kettle")
    dialog.ok_button.click()
    assert "current password is not right" in dialog.error.text() and dialog.isVisible()
    assert dialog.ok_button.isEnabled()
    dialog.current.setText(PASSWORD)
    dialog.ok_button.click()
    assert dialog.changed and not dialog.isVisible()
    assert "password has been changed" in window.statusBar().currentMessage()
    assert sign_in(database, "officer1", "quiet orange kettle").username == "officer1"
