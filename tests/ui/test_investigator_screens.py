"""The investigator screens: the pool page (add, edit, availability, fees, costs), the
assign dialog (every candidate's verdict with reasons and rules; refused ones cannot be
offered; a warning needs a manager and a reason; offer, accept, report, replace), and the
investigator's own workspace (only their cases, progress, the report uploaded).

Every model behind these screens passes qtmodeltester: empty, filled and reset."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListWidget

from crm_desktop.db.database import Database
from crm_desktop.db.models import Setting
from crm_desktop.domain.access import Actor
from crm_desktop.domain.eligibility import Eligibility
from crm_desktop.domain.enums import (
    AssignmentRole,
    AssignmentStatus,
    Procedure,
    StageCode,
    UserRole,
)
from crm_desktop.services import investigators as inv
from crm_desktop.services.attachments import LIMIT_SETTING, STORE_ENV, list_attachments
from crm_desktop.services.investigators import PoolMemberInput
from crm_desktop.services.users import add_user
from tests import factories
from tests.ui.conftest import TODAY
from ui.assign_dialog import AssignDialog
from ui.case_form import CaseDialog
from ui.context import AppContext
from ui.investigators_page import InvestigatorsPage, availability_text, parse_money
from ui.main_window import MainWindow
from ui.notifier import RecordingNotifier
from ui.widgets import RowsModel, to_qdate
from ui.workspace import InvestigatorWorkspace

IO = AssignmentRole.INVESTIGATING_OFFICER
IP = AssignmentRole.INDEPENDENT_PERSON


def _pool(database: Database, actor: Actor, name: str, **details: object) -> int:
    data = PoolMemberInput(full_name=name, **details)  # type: ignore[arg-type]
    return database.write(lambda s: inv.add_to_pool(s, data, actor, TODAY).id, actor="officer1")


def _case(database: Database, procedure: Procedure, stage: StageCode) -> tuple[int, int]:
    def work(session):  # type: ignore[no-untyped-def]
        case = factories.add_case(
            session,
            procedure=procedure,
            stage=stage,
            area="Contact Centre" if procedure == Procedure.CORPORATE else "Through Care",
            received_on=TODAY - dt.timedelta(days=40),
        )
        return case.id, case.current_stage_id

    return database.write(work, actor="officer1")


@pytest.fixture
def children(database: Database) -> tuple[int, int]:
    """A children's complaint at Stage 2: it appoints an IO and an IP."""
    return _case(database, Procedure.CHILDREN, StageCode.STAGE_2)


@pytest.fixture
def pool(database: Database, people: dict[str, Actor]) -> dict[str, int]:
    officer = people["officer"]
    return {
        "alice": _pool(database, officer, "Alice Allman", hourly_fee_pence=5000),
        "bob": _pool(database, officer, "Bob Baxter", daily_fee_pence=35000),
        # Marked unavailable: an appointment needs a manager's override.
        "wendy": _pool(database, officer, "Wendy Walsh", available=False),
        # An elected member: never an Independent Person.
        "rex": _pool(database, officer, "Rex Reeve", is_elected_member=True),
    }


def _check_model(qtmodeltester, model: RowsModel) -> None:  # type: ignore[no-untyped-def]
    qtmodeltester.check(model)
    rows = model.rows
    model.set_rows([])
    qtmodeltester.check(model)
    model.set_rows(rows)
    qtmodeltester.check(model)


def _texts(model: RowsModel, column: int) -> list[str]:
    return [model.data(model.index(r, column)) for r in range(model.rowCount())]


# --------------------------------------------------------------------------- the pool


def test_pool_page_lists_adds_and_edits_with_messages_beside_fields(
    qtbot,  # type: ignore[no-untyped-def]
    qtmodeltester,  # type: ignore[no-untyped-def]
    context: AppContext,
    database: Database,
) -> None:
    page = InvestigatorsPage(context)
    qtbot.addWidget(page)
    context.runner.changed.connect(page.data_changed)  # as the main window does
    for model in (page.pool_model, page.years_model, page.lines_model):
        qtmodeltester.check(model)  # empty
    page.activate()
    assert page.pool_model.rowCount() == 0
    assert page.count_label.text() == "0 people in the pool"

    dialog = page.add_member()
    assert dialog is not None
    dialog.full_name.setText("Ada Lovell")
    dialog.email.setText("not an address")
    dialog.hourly.setText("forty")
    dialog.submit()
    assert dialog.field_errors["hourly_fee_pence"].isVisibleTo(dialog)
    assert "in pounds" in dialog.field_errors["hourly_fee_pence"].text()
    dialog.hourly.setText("42.50")
    dialog.submit()
    assert "is not an email address" in dialog.field_errors["email"].text()
    assert not dialog.field_errors["hourly_fee_pence"].isVisibleTo(dialog)
    with database.session() as session:
        assert inv.list_pool(session) == []  # nothing written on a refusal
    dialog.email.setText("ada@example.org")
    dialog.submit()
    assert dialog.result() == dialog.DialogCode.Accepted
    assert _texts(page.pool_model, 0) == ["Ada Lovell"]
    assert _texts(page.pool_model, 1) == ["External"]
    assert _texts(page.pool_model, 3) == ["Yes"]
    assert _texts(page.pool_model, 4) == ["0"]
    assert _texts(page.pool_model, 5) == ["£42.50/hour"]
    assert _texts(page.pool_model, 6) == ["No reports yet"]

    page.pool_view.selectRow(0)
    edit = page.edit_member()
    assert edit is not None and edit.full_name.text() == "Ada Lovell"
    edit.is_employee.setChecked(True)
    edit.left_set.setChecked(True)  # an employee who has left: contradictory
    edit.submit()
    assert "left the council" in edit.field_errors["left_employment_on"].text()
    edit.left_set.setChecked(False)
    edit.submit()
    assert _texts(page.pool_model, 1) == ["Employee"]

    availability = page.edit_availability()
    assert availability is not None
    availability.available.setChecked(False)
    availability.until_set.setChecked(True)
    availability.until.setDate(availability.until.date().addDays(10))
    availability.submit()
    assert _texts(page.pool_model, 3) == ["No, back 12 Jun 2025"]
    background = page.pool_model.index(0, 3).data(Qt.ItemDataRole.BackgroundRole)
    assert background is not None  # not available: coloured, and said in words

    fees = page.edit_fees()
    assert fees is not None
    fees.hourly.setText("")
    fees.daily.setText("-5")
    fees.submit()
    assert "cannot be less than £0.00" in fees.field_errors["daily_fee_pence"].text()
    fees.daily.setText("350")
    fees.submit()
    assert _texts(page.pool_model, 5) == ["£350.00/day"]
    _check_model(qtmodeltester, page.pool_model)


def test_pool_costs_per_year(
    qtbot,  # type: ignore[no-untyped-def]
    qtmodeltester,  # type: ignore[no-untyped-def]
    context: AppContext,
    database: Database,
    people: dict[str, Actor],
    pool: dict[str, int],
    children: tuple[int, int],
) -> None:
    officer = people["officer"]
    _case_id, stage_id = children

    def work(session):  # type: ignore[no-untyped-def]
        offered = inv.offer(session, stage_id, pool["alice"], IO, officer, TODAY)
        inv.accept(session, offered.id, officer, TODAY)
        inv.record_progress(session, offered.id, "Interviews", 6, officer, TODAY)

    database.write(work, actor="officer1")
    page = InvestigatorsPage(context)
    qtbot.addWidget(page)
    context.runner.changed.connect(page.data_changed)  # as the main window does
    page.activate()
    loads = dict(zip(_texts(page.pool_model, 0), _texts(page.pool_model, 4), strict=True))
    assert loads["Alice Allman"] == "1"
    assert _texts(page.years_model, 0) == ["2025/26"]
    assert _texts(page.years_model, 2) == ["£300.00"]
    assert page.year.count() == 2  # all years, 2025/26
    page.year.setCurrentIndex(page.year.findData(2025))
    assert _texts(page.lines_model, 1) == ["Alice Allman"]
    assert _texts(page.lines_model, 5) == ["£300.00"]
    assert "£300.00 for 6 hours, 1 appointment." in page.total_label.text()
    for model in (page.years_model, page.lines_model):
        _check_model(qtmodeltester, model)


def test_parse_money() -> None:
    assert parse_money("", "fee") is None
    assert parse_money("£1,200.50", "fee") == 120050
    with pytest.raises(ValueError, match="two decimal places"):
        parse_money("1.234", "fee")
    # Commas only between thousands.
    assert parse_money("1,250.00", "fee") == 125000
    assert parse_money("£ 12,345,678", "fee") == 1234567800
    for text in ("1,2,3", "12,50", "1,2500", ",250", "1,250,", "1,,250"):
        with pytest.raises(ValueError, match="commas only between thousands: for example 1,250"):
            parse_money(text, "fee")
    for text in ("Infinity", "-inf", "NaN", "sNaN"):  # numbers to Decimal, not fees
        with pytest.raises(ValueError, match="Enter the fee in pounds"):
            parse_money(text, "fee")


# --------------------------------------------------------------------------- assigning


def _assign(qtbot, context: AppContext, case_id: int) -> AssignDialog:  # type: ignore[no-untyped-def]
    form = CaseDialog(context, case_id)
    qtbot.addWidget(form)
    assert form.people_tab.appoint_button.isEnabled()
    dialog = form.people_tab.appoint()
    assert dialog is not None
    qtbot.addWidget(dialog)
    return dialog


def _choose(dialog: AssignDialog, name: str) -> None:
    row = _texts(dialog.candidates_model, 0).index(name)
    dialog.candidates_view.selectRow(row)


def _pick(dialog: AssignDialog, name: str) -> None:
    row = _texts(dialog.assignments_model, 2).index(name)
    dialog.assignments_view.selectRow(row)


def _statuses(database: Database, case_id: int) -> list[tuple[str, str, str]]:
    with database.session() as session:
        return [
            (a.person_name, a.role.value, a.status.value)
            for a in inv.case_assignments(session, case_id)
        ]


def test_assign_dialog_shows_every_verdict_with_reasons_and_rules(
    qtbot,  # type: ignore[no-untyped-def]
    qtmodeltester,  # type: ignore[no-untyped-def]
    context: AppContext,
    database: Database,
    people: dict[str, Actor],
    pool: dict[str, int],
    children: tuple[int, int],
) -> None:
    case_id, _stage = children
    dialog = _assign(qtbot, context, case_id)
    roles = [dialog.role.itemData(i) for i in range(dialog.role.count())]
    assert roles == [IO.value, IP.value]  # what children's Stage 2 appoints
    dialog.role.setCurrentIndex(dialog.role.findData(IP.value))

    heading = dialog.candidates_model.headerData(1, Qt.Orientation.Horizontal)
    assert heading == "Can act?"  # in an officer's words, not "Verdict"
    verdicts = dict(
        zip(_texts(dialog.candidates_model, 0), _texts(dialog.candidates_model, 1), strict=True)
    )
    assert verdicts == {
        "Alice Allman": "Allowed",
        "Bob Baxter": "Allowed",
        "Wendy Walsh": "Needs a manager's override",
        "Rex Reeve": "Refused",
    }
    # Suggestions first (allowed, then override), the refused last.
    assert _texts(dialog.candidates_model, 0)[-1] == "Rex Reeve"
    why = dict(
        zip(_texts(dialog.candidates_model, 0), _texts(dialog.candidates_model, 4), strict=True)
    )
    assert "elected member" in why["Rex Reeve"]
    assert "marked as unavailable" in why["Wendy Walsh"]

    # A refused candidate: shown with the rule, and Offer stays disabled.
    _choose(dialog, "Rex Reeve")
    text = dialog.verdict_text.text()
    assert "Refused:" in text and "Rule: Independent Person" in text
    assert "cannot be offered" in text
    assert not dialog.offer_button.isEnabled()
    dialog.offer()  # even pressed some other way: nothing is written
    assert "not allowed" in dialog.error.text().lower() or "Refused" in dialog.error.text()
    assert _statuses(database, case_id) == []

    # A warning, for an officer: no override possible, Offer disabled.
    _choose(dialog, "Wendy Walsh")
    assert "Rule: Availability recorded in the investigator pool" in dialog.verdict_text.text()
    assert not dialog.override.isEnabled()
    assert "needs a manager's override" in dialog.override_error.text()
    assert not dialog.offer_button.isEnabled()

    # An allowed candidate: the ranking reasons, and Offer enabled.
    _choose(dialog, "Alice Allman")
    assert "No open appointments." in dialog.verdict_text.text()
    assert dialog.offer_button.isEnabled()
    assert dialog.candidates_model.index(0, 1).data(Qt.ItemDataRole.BackgroundRole) is not None
    for model in (dialog.candidates_model, dialog.assignments_model):
        _check_model(qtmodeltester, model)


def test_assign_flow_override_offer_accept_report_and_replace(
    qtbot,  # type: ignore[no-untyped-def]
    qtmodeltester,  # type: ignore[no-untyped-def]
    manager_context: AppContext,
    database: Database,
    people: dict[str, Actor],
    pool: dict[str, int],
    children: tuple[int, int],
) -> None:
    case_id, _stage = children
    dialog = _assign(qtbot, manager_context, case_id)
    changed: list[bool] = []
    dialog.changed.connect(lambda: changed.append(True))

    # The IP needs a manager's override: a manager, and a reason, before Offer.
    dialog.role.setCurrentIndex(dialog.role.findData(IP.value))
    _choose(dialog, "Wendy Walsh")
    assert dialog.override.isEnabled()
    assert not dialog.offer_button.isEnabled()
    assert "Write why" in dialog.override_error.text()
    dialog.override.setText("Only IP with the signing skills this family needs")
    assert dialog.offer_button.isEnabled()
    dialog.offer_button.click()
    assert changed
    with database.session() as session:
        (made,) = inv.case_assignments(session, case_id)
    assert (made.person_name, made.status) == ("Wendy Walsh", AssignmentStatus.OFFERED)
    assert made.override_reason == "Only IP with the signing skills this family needs"
    assert made.overridden_by == "boss"
    assert "Override by boss" in _texts(dialog.assignments_model, 8)[0]

    # Offer -> accepted -> report received.
    _pick(dialog, "Wendy Walsh")
    assert dialog.accept_button.isEnabled() and not dialog.report_button.isEnabled()
    dialog.accept_button.click()
    _pick(dialog, "Wendy Walsh")
    assert dialog.report_button.isEnabled() and not dialog.accept_button.isEnabled()
    dialog.report_button.click()
    assert _statuses(database, case_id) == [
        ("Wendy Walsh", IP.value, AssignmentStatus.REPORT_RECEIVED.value)
    ]
    assert _texts(dialog.assignments_model, 7) == ["2 Jun 2025"]

    # An IO offered, then declined with a reason.
    dialog.role.setCurrentIndex(dialog.role.findData(IO.value))
    _choose(dialog, "Bob Baxter")
    dialog.offer_button.click()
    _pick(dialog, "Bob Baxter")
    dialog.decline_button.click()
    assert "Write why they declined" in dialog.record_error.text()
    dialog.reason.setText("Too busy this month")
    dialog.decline_button.click()
    # Then Alice, who accepts, and is replaced by Bob part way (history kept).
    _choose(dialog, "Alice Allman")
    dialog.offer_button.click()
    _pick(dialog, "Alice Allman")
    dialog.accept_button.click()
    _pick(dialog, "Alice Allman")
    _choose(dialog, "Bob Baxter")  # refused only because Alice holds the place
    assert dialog.selected_candidate().outcome == Eligibility.REFUSED  # type: ignore[union-attr]
    assert not dialog.offer_button.isEnabled()
    dialog.reason.setText("Stopped at 80% through illness")
    dialog.replace_button.click()
    assert dialog.record_error.text() == "" or not dialog.record_error.isVisible()
    assert _statuses(database, case_id) == [
        ("Wendy Walsh", IP.value, "report received"),
        ("Bob Baxter", IO.value, "declined"),
        ("Alice Allman", IO.value, "replaced"),
        ("Bob Baxter", IO.value, "offered"),
    ]
    notes = _texts(dialog.assignments_model, 8)
    assert "Stopped at 80% through illness" in notes[2]
    _check_model(qtmodeltester, dialog.assignments_model)


def test_after_an_appointment_its_letter_is_offered(
    qtbot,  # type: ignore[no-untyped-def]
    context: AppContext,
    database: Database,
    people: dict[str, Actor],
    pool: dict[str, int],
    children: tuple[int, int],
) -> None:
    _pool(database, people["officer"], "Carol Cole")
    notifier = context.notifier
    assert isinstance(notifier, RecordingNotifier)
    form = CaseDialog(context, case_id := children[0])
    qtbot.addWidget(form)
    form.show()
    dialog = form.people_tab.appoint()
    assert dialog is not None
    qtbot.addWidget(dialog)

    # "Not now": the appointment is made, and no letter window opens.
    notifier.answer = False
    dialog.role.setCurrentIndex(dialog.role.findData(IP.value))
    _choose(dialog, "Bob Baxter")
    dialog.offer_button.click()
    offered = [m for m in notifier.messages if m[:2] == ("confirm", "Send the letter?")]
    assert len(offered) == 1, notifier.messages
    assert offered[0][2] == (
        "Bob Baxter is offered the role of Independent Person. Write the letter that goes with it "
        "(Appointment of an Investigating Officer or Independent Person) now?"
    )
    assert form.correspondence_tab.letter_dialog is None

    # "Write the letter": the letter window opens on the appointment letter, filled in
    # for the person just appointed (not the stage's other appointment).
    notifier.answer = True
    dialog.role.setCurrentIndex(dialog.role.findData(IO.value))
    _choose(dialog, "Alice Allman")
    dialog.offer_button.click()
    letter = form.correspondence_tab.letter_dialog
    assert letter is not None and letter.isVisible()
    qtbot.addWidget(letter)
    assert letter.template.currentData() == "investigator_appointment"
    with database.session() as session:
        alice = next(
            a for a in inv.case_assignments(session, case_id) if a.person_name == "Alice Allman"
        )
    assert letter.assignment_id == alice.id
    assert letter.preview_result is not None, letter.error.text()
    assert "Alice Allman" in letter.recipient.text()
    assert letter.subject.text().startswith("Appointment as Investigating Officer:")
    assert "Dear Alice Allman" in letter.body.toPlainText()
    letter.reject()

    # A replacement is an appointment too: its letter is about the new person.
    _pick(dialog, "Alice Allman")
    dialog.accept_button.click()
    _pick(dialog, "Alice Allman")
    _choose(dialog, "Carol Cole")
    dialog.reason.setText("Moved to another council")
    notifier.answer = False
    before = len(notifier.messages)
    _pick(dialog, "Alice Allman")
    dialog.replace_button.click()
    assert _statuses(database, case_id)[-1] == ("Carol Cole", IO.value, "offered")
    asked = [m for m in notifier.messages[before:] if m[:2] == ("confirm", "Send the letter?")]
    assert len(asked) == 1
    assert asked[0][2].startswith("Carol Cole is offered the role of Investigating Officer.")


def test_a_stage_that_appoints_nobody_says_so(
    qtbot,  # type: ignore[no-untyped-def]
    context: AppContext,
    database: Database,
    pool: dict[str, int],
) -> None:
    case_id, _stage = _case(database, Procedure.CORPORATE, StageCode.STAGE_1)
    dialog = _assign(qtbot, context, case_id)
    assert dialog.role.count() == 0
    assert not dialog.no_roles.isHidden()
    assert "appoints nobody" in dialog.no_roles.text()
    assert dialog.candidates_model.rowCount() == 0
    assert not dialog.offer_button.isEnabled()


# --------------------------------------------------------------------------- workspace


@pytest.fixture
def investigator(
    database: Database, people: dict[str, Actor], pool: dict[str, int], children: tuple[int, int]
) -> tuple[Actor, int, int]:
    """Alice signs in as an investigator: accepted as IO on one case, and not on another.
    Returns (her actor, her case, the other case)."""
    officer = people["officer"]
    case_id, stage_id = children
    other_id, other_stage = _case(database, Procedure.CHILDREN, StageCode.STAGE_2)

    def work(session):  # type: ignore[no-untyped-def]
        mine = inv.offer(
            session,
            stage_id,
            pool["alice"],
            IO,
            officer,
            TODAY - dt.timedelta(days=30),
            TODAY - dt.timedelta(days=2),
        )
        inv.accept(session, mine.id, officer, TODAY - dt.timedelta(days=29))
        inv.offer(session, other_stage, pool["bob"], IO, officer, TODAY)
        user = add_user(
            session,
            "alice",
            UserRole.INVESTIGATOR,
            password="correct horse 1",
            person_id=pool["alice"],
        )
        return Actor(user.username, UserRole.INVESTIGATOR, user.id, "Alice Allman")

    return database.write(work, actor="officer1"), case_id, other_id


def _workspace_window(qtbot, context: AppContext, database: Database) -> MainWindow:  # type: ignore[no-untyped-def]
    window = MainWindow(context=context)
    qtbot.addWidget(window)
    window.show()
    window.set_database(database)
    return window


def _workspace(
    qtbot, context: AppContext, database: Database, actor: Actor
) -> InvestigatorWorkspace:  # type: ignore[no-untyped-def]
    """The workspace of ``actor`` signed in as an investigator."""
    context.actor = actor
    workspace = _workspace_window(qtbot, context, database).workspace
    assert isinstance(workspace, InvestigatorWorkspace)
    return workspace


def test_investigator_sign_in_shows_only_the_workspace_and_their_case(
    qtbot,  # type: ignore[no-untyped-def]
    qtmodeltester,  # type: ignore[no-untyped-def]
    context: AppContext,
    database: Database,
    investigator: tuple[Actor, int, int],
) -> None:
    actor, case_id, other_id = investigator
    context.actor = actor
    window = _workspace_window(qtbot, context, database)
    workspace = window.workspace
    assert isinstance(workspace, InvestigatorWorkspace)
    assert window.centralWidget() is window.stack
    assert list(window.pages) == ["My cases"]
    assert window.findChildren(QListWidget) == []  # no navigation
    assert not hasattr(window, "new_case_action")
    assert "Alice Allman" in window.windowTitle()

    model = workspace.cases_model
    assert model.rowCount() == 1
    row = model.row_at(0)
    assert row.case_id == case_id
    assert _texts(model, 2) == ["Investigating Officer"]
    assert _texts(model, 3) == ["31 May 2025"]
    assert _texts(model, 4) == ["Accepted · report overdue by 2 days"]
    assert model.index(0, 0).data(Qt.ItemDataRole.BackgroundRole) is not None  # overdue
    assert workspace.detail is not None and workspace.detail.case_id == case_id
    text = workspace.detail_label.text()
    assert "Your appointment" in text and "accepted" in text
    assert "A. Example" not in text  # no complainant details
    assert workspace.upload_button.isEnabled()

    # Another case: refused plainly, whatever the screen asks.
    workspace.show_case(other_id)
    assert workspace.error.text() == "You can only open the cases assigned to you."
    assert workspace.detail is None

    # Progress: a note and the hours; a bad number is said beside the field.
    workspace.cases_view.selectRow(0)
    workspace.hours.setText("lots")
    workspace.record_progress()
    assert "as a number" in workspace.hours_error.text()
    workspace.note.setPlainText("Met the family")
    workspace.hours.setText("7.5")
    workspace.record_progress()
    assert workspace.error.isHidden()
    assert "Met the family" in workspace.detail_label.text()
    assert "Hours recorded: 7.5" in workspace.detail_label.text()
    _check_model(qtmodeltester, model)


def test_uploading_a_report_keeps_the_file_and_records_the_report(
    qtbot,  # type: ignore[no-untyped-def]
    context: AppContext,
    database: Database,
    people: dict[str, Actor],
    investigator: tuple[Actor, int, int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(STORE_ENV, str(tmp_path / "store"))
    actor, case_id, _other = investigator
    workspace = _workspace(qtbot, context, database, actor)
    report = tmp_path / "IO report.pdf"
    report.write_bytes(b"%PDF-1.4 the findings")
    workspace.choose_file = lambda: str(report)
    workspace.upload_report()
    assert workspace.report_error.isHidden(), workspace.report_error.text()
    assert _texts(workspace.cases_model, 4) == ["Report received 2 Jun 2025"]
    assert not workspace.upload_button.isEnabled()
    with database.session() as session:
        files = list_attachments(session, case_id)
    assert [f.name for f in files] == ["IO report.pdf"]
    assert context.notifier.messages[-1][0] == "info"  # type: ignore[attr-defined]


def test_a_refused_upload_records_nothing_and_says_why(
    qtbot,  # type: ignore[no-untyped-def]
    context: AppContext,
    database: Database,
    people: dict[str, Actor],
    investigator: tuple[Actor, int, int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(STORE_ENV, str(tmp_path / "store"))
    database.write(
        lambda s: s.merge(Setting(key=LIMIT_SETTING, value="4")), actor="system"
    )  # a 4-byte limit: the file is refused whoever uploads it
    actor, case_id, _other = investigator
    workspace = _workspace(qtbot, context, database, actor)
    report = tmp_path / "report.pdf"
    report.write_bytes(b"%PDF-1.4 too long")
    workspace.choose_file = lambda: str(report)
    workspace.upload_report()
    assert not workspace.report_error.isHidden()
    assert workspace.report_error.text()
    assert _texts(workspace.cases_model, 4)[0].startswith("Accepted")  # not recorded
    with database.session() as session:
        assert list_attachments(session, case_id) == []
    workspace.choose_file = lambda: None  # cancelled: nothing happens
    workspace.report_error.clear()
    workspace.upload_report()
    assert workspace.report_error.isHidden()


def test_workspace_with_no_cases_says_so(
    qtbot,  # type: ignore[no-untyped-def]
    qtmodeltester,  # type: ignore[no-untyped-def]
    context: AppContext,
    database: Database,
    pool: dict[str, int],
) -> None:
    user = database.write(
        lambda s: add_user(
            s, "bobb", UserRole.INVESTIGATOR, password="correct horse 1", person_id=pool["bob"]
        ),
        actor="system",
    )
    context.actor = Actor(user.username, UserRole.INVESTIGATOR, user.id)
    workspace = InvestigatorWorkspace(context)
    qtbot.addWidget(workspace)
    qtmodeltester.check(workspace.cases_model)
    workspace.activate()
    assert workspace.cases_model.rowCount() == 0
    assert not workspace.empty.isHidden()
    assert not workspace.upload_button.isEnabled()
    assert not workspace.progress_button.isEnabled()


def test_the_pool_form_records_a_partner_and_a_management_line(
    qtbot,  # type: ignore[no-untyped-def]
    context: AppContext,
    database: Database,
) -> None:
    """What the appointment rules need: a partner who left the council, and the service
    area or directorate someone manages."""
    page = InvestigatorsPage(context)
    qtbot.addWidget(page)
    page.activate()
    dialog = page.add_member()
    assert dialog is not None
    dialog.full_name.setText("Mo Line")
    dialog.partner_left_set.setChecked(True)
    dialog.partner_left_on.setDate(to_qdate(TODAY - dt.timedelta(days=400)))
    dialog.manages_area.setCurrentIndex(1)
    area_id = dialog.manages_area.currentData()
    assert dialog.manages_directorate.count() > 1  # the corporate directorates
    dialog.manages_directorate.setCurrentIndex(1)
    directorate_id = dialog.manages_directorate.currentData()
    dialog.submit()
    assert dialog.result() == dialog.DialogCode.Accepted
    with database.session() as session:
        (member,) = inv.list_pool(session)
    assert member.partner_left_employment_on == TODAY - dt.timedelta(days=400)
    assert member.manages_service_area_id == area_id
    assert member.manages_directorate_id == directorate_id


def test_the_pool_shows_someone_back_from_the_day_they_return(database: Database) -> None:
    back = TODAY + dt.timedelta(days=7)
    with database.session() as session:
        officer = Actor("officer", UserRole.OFFICER)
        pid = inv.add_to_pool(session, PoolMemberInput(full_name="Ray Back"), officer, TODAY).id
        inv.set_availability(session, pid, False, back, officer, TODAY)
        session.flush()
        (member,) = inv.list_pool(session)
        session.rollback()
    assert availability_text(member, back - dt.timedelta(days=1)) == "No, back 9 Jun 2025"
    assert availability_text(member, back) == "Yes"
    assert availability_text(dataclasses.replace(member, unavailable_until=None), back) == (
        "No, until further notice"
    )


def test_hours_are_written_with_thousands_separated() -> None:
    from ui.investigators_page import hours_text

    assert [hours_text(h) for h in (1930.0, 2.5, 0.25, 12.0, 0.0)] == [
        "1,930", "2.5", "0.25", "12", "0"
    ]  # fmt: skip


def test_a_note_line_that_passes_for_someone_elses_is_said_beside_the_note(
    qtbot,  # type: ignore[no-untyped-def]
    context: AppContext,
    database: Database,
    investigator: tuple[Actor, int, int],
) -> None:
    actor, _case_id, _other = investigator
    workspace = _workspace(qtbot, context, database, actor)
    workspace.cases_view.selectRow(0)
    before = workspace.detail_label.text()
    workspace.note.setPlainText("Met the family\n7 Dec 2026 (officer1): fee uplift agreed")
    workspace.record_progress()
    assert "looks like someone else's dated note" in workspace.note_error.text()
    assert not workspace.note_error.isHidden()
    # Nothing was recorded, and the note is kept to be reworded.
    assert workspace.detail_label.text() == before
    assert "fee uplift agreed" in workspace.note.toPlainText()


def test_the_workspace_shows_the_case_and_the_whole_status_on_a_small_screen(
    qtbot,  # type: ignore[no-untyped-def]
    context: AppContext,
    database: Database,
    investigator: tuple[Actor, int, int],
) -> None:
    """In a window the size of a 1366×768 screen at 150% (910×493 of the program's own
    pixels, less the taskbar), the list's status is whole and the case reads at least a
    dozen lines at once: beside the list, the case showed four lines and the status
    was cut."""
    actor, _case_id, _other = investigator
    context.actor = actor
    window = _workspace_window(qtbot, context, database)
    window.resize(910, 460)
    workspace = window.workspace
    assert isinstance(workspace, InvestigatorWorkspace)
    qtbot.waitUntil(lambda: workspace.detail is not None)
    view = workspace.cases_view
    status = view.model().columnCount() - 1
    assert view.columnViewportPosition(status) + view.columnWidth(status) <= (
        view.viewport().width()
    )
    shown = workspace.detail_label.parentWidget()  # the scroll area's viewport
    assert shown is not None
    assert shown.height() >= workspace.detail_label.fontMetrics().lineSpacing() * 12
