"""The main flow, end to end through the UI: signing in, logging a complaint with three
points, and taking it through Stage 1, Stage 2 (with an IO and an IP), a suspension, the
response, closing, reopening as a manager and the Ombudsman, by driving the widgets and
dialogs the way an officer would. Only the appointments, which have no screen yet, are
written straight to the database."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QPlainTextEdit
from sqlalchemy.orm import Session

from crm_desktop.db.database import Database
from crm_desktop.db.models import Assignment, Case, ComplaintPoint, Person, Stage
from crm_desktop.domain.access import Actor
from crm_desktop.domain.enums import (
    AssignmentRole,
    AssignmentStatus,
    CaseStatus,
    Outcome,
    Procedure,
    StageCode,
)
from crm_desktop.domain.workflow import ACTION_FORMS, Action
from crm_desktop.services.reference_admin import reference_choices
from tests.ui.conftest import PASSWORD, TODAY
from ui.action_dialog import ActionDialog
from ui.case_form import CaseDialog
from ui.context import AppContext
from ui.main_window import MainWindow
from ui.notifier import RecordingNotifier
from ui.runner import Runner
from ui.sign_in import SignInDialog
from ui.widgets import to_qdate


def _sign_in(qtbot, context: AppContext, username: str) -> Actor:  # type: ignore[no-untyped-def]
    dialog = SignInDialog(context)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.username, username)
    qtbot.keyClicks(dialog.password, PASSWORD)
    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
    assert dialog.actor is not None, dialog.error.text()
    return dialog.actor


def _act(case: CaseDialog, action: Action, on: dt.date, **fill: object) -> ActionDialog:
    assert action in case.stage_tab.action_buttons, (action, list(case.stage_tab.action_buttons))
    case.stage_tab.action_buttons[action].click()
    dialog = case.stage_tab.action_dialog
    assert dialog is not None and dialog.action == action
    dialog.on.setDate(to_qdate(on))
    if "reason" in fill:
        assert dialog.reason is not None
        dialog.reason.setPlainText(str(fill["reason"]))
    if "lgsco_reference" in fill:
        assert dialog.lgsco_reference is not None
        dialog.lgsco_reference.setText(str(fill["lgsco_reference"]))
    dialog.ok_button.click()
    assert dialog.result_value is not None, (
        dialog.error.text(),
        [label.text() for label in dialog.field_errors.values() if label.text()],
    )
    return dialog


def _record_outcomes(case: CaseDialog, outcomes: list[Outcome]) -> None:
    case.tabs.setCurrentWidget(case.points_tab)
    for row, outcome in enumerate(outcomes):
        case.points_tab.select_point(row)
        case.points_tab.point_outcome.setCurrentIndex(
            case.points_tab.point_outcome.findData(outcome.value)
        )
        case.points_tab.record_outcome_button.click()
        assert not case.points_tab.points_error.isVisible(), case.points_tab.points_error.text()


def _stage(database: Database, case_id: int) -> tuple[str, str, str | None]:
    with database.session() as session:
        case = session.get(Case, case_id)
        assert case is not None
        stage = session.get(Stage, case.current_stage_id)
        assert stage is not None
        return (
            str(stage.stage.value),
            str(case.status.value),
            stage.outcome.value if stage.outcome else None,
        )


def test_a_complaint_from_logging_to_the_ombudsman(qtbot, database: Database, people) -> None:  # type: ignore[no-untyped-def]
    notifier = RecordingNotifier()
    context = AppContext(Runner(synchronous=True), notifier, database=database, today=lambda: TODAY)
    context.actor = _sign_in(qtbot, context, "officer1")
    window = MainWindow(context=context)
    qtbot.addWidget(window)
    window.show()
    window.set_database(database)
    with qtbot.waitActive(window):
        window.activateWindow()

    # -- log a complaint with three points (Ctrl+N) --------------------------------------
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    new = window.new_case_dialog
    assert new is not None and new.isVisible()
    new.procedure.setCurrentIndex(new.procedure.findData(Procedure.CHILDREN))
    new.received_on.setDate(to_qdate(dt.date(2025, 3, 3)))
    new.service_area.setCurrentIndex(new.service_area.findData("Through Care"))
    qtbot.keyClicks(new.person_name, "Sam Example")
    qtbot.keyClicks(new.person_email, "sam@example.org")
    qtbot.keyClicks(new.summary, "Three things went wrong with the placement review")
    with database.session() as session:
        natures = reference_choices(session).natures["children"][:3]
    new.add_point_button.click()
    new.add_point_button.click()
    assert len(new.point_editors) == 3
    for editor, nature in zip(new.point_editors, natures, strict=True):
        editor.nature.setCurrentIndex(editor.nature.findData(nature))
        editor.description.setText(f"About {nature.lower()}")
    new.save_button.click()
    assert new.result_case is not None, new.error.text()
    case_id = new.result_case.case_id
    case = window.case_windows[case_id]
    assert case.detail is not None, case.error.text()
    assert len(case.detail.points) == 3
    assert case.detail.reference.startswith("CSC-2025-")
    assert _stage(database, case_id) == ("1", "open", None)
    # Only the actions the workflow allows are offered.
    assert set(case.stage_tab.action_buttons) == {
        Action.ACKNOWLEDGE,
        Action.RESPOND,
        Action.WITHDRAW,
        Action.DISCONTINUE,
        Action.REDIRECT,
    }

    # -- Stage 1 -------------------------------------------------------------------------
    _act(case, Action.ACKNOWLEDGE, dt.date(2025, 3, 4))
    assert case.stage_tab.stage_values["state"].text() == "In progress"
    # Responding before the points have outcomes is refused, in the dialog.
    case.stage_tab.action_buttons[Action.RESPOND].click()
    refused = case.stage_tab.action_dialog
    assert refused is not None
    refused.on.setDate(to_qdate(dt.date(2025, 3, 14)))
    refused.ok_button.click()
    assert refused.result_value is None
    assert "Record an outcome for complaint points 1, 2, 3" in refused.error.text()
    refused.reject()
    _record_outcomes(case, [Outcome.UPHELD, Outcome.NOT_UPHELD, Outcome.NOT_UPHELD])
    assert [p.outcome for p in case.detail.points] == ["Upheld", "Not upheld", "Not upheld"]
    _act(case, Action.RESPOND, dt.date(2025, 3, 14))
    assert _stage(database, case_id) == ("1", "open", "partially upheld")
    # Going to Stage 2 says so, on the buttons and in their dialogs.
    buttons = case.stage_tab.action_buttons
    assert buttons[Action.REQUEST_NEXT_STAGE].text().replace("&", "") == (
        "Record a request for Stage 2…"
    )
    # Each action has an Alt-key of its own, none a menu's, Save details' or Responder's.
    keys = [b.text()[b.text().index("&") + 1].lower() for b in buttons.values()]
    assert len(keys) == len(set(keys)) and not set(keys) & set("fevcthspx")
    asked = _act(case, Action.REQUEST_NEXT_STAGE, dt.date(2025, 3, 20))
    assert asked.windowTitle() == "Record a request for Stage 2"
    assert case.stage_tab.action_buttons[Action.ESCALATE].text().replace("&", "") == (
        "Open Stage 2…"
    )
    opened = _act(case, Action.ESCALATE, dt.date(2025, 3, 21))
    assert opened.ok_button.text() == "&Open Stage 2"  # Alt+O
    assert case.stage_tab.stage_values["stage"].text() == "Stage 2"
    _act(case, Action.ACKNOWLEDGE, dt.date(2025, 3, 24))
    assert case.stage_tab.stage_values["state"].text() == "Awaiting start"

    # -- appoint an IO and an IP (no investigator screen yet: straight to the database) --
    def appoint(session: Session) -> None:
        stage_id = session.scalar(sa.select(Case.current_stage_id).where(Case.id == case_id))
        assert stage_id is not None
        for name, role in (
            ("Ivy Investigator", AssignmentRole.INVESTIGATING_OFFICER),
            ("Ian Independent", AssignmentRole.INDEPENDENT_PERSON),
        ):
            person = Person(full_name=name, is_investigator=True)
            session.add(person)
            session.flush()
            session.add(
                Assignment(
                    stage_id=stage_id,
                    person_id=person.id,
                    role=role,
                    status=AssignmentStatus.ACCEPTED,
                    offered_on=dt.date(2025, 3, 25),
                )
            )

    database.write(appoint, actor="officer1")
    case.load()
    assert {a.person for a in case.detail.assignments} == {"Ivy Investigator", "Ian Independent"}

    # -- Stage 2: investigation, suspension, response ---------------------------------------
    _act(case, Action.START_INVESTIGATION, dt.date(2025, 3, 31))
    due_before = case.detail.stage.due_on if case.detail.stage else None
    assert due_before is not None
    _act(case, Action.SUSPEND, dt.date(2025, 4, 7))
    assert case.stage_tab.stage_values["state"].text() == "Suspended"
    assert (
        case.stage_tab.stage_values["clock"].text().startswith("Clock suspended since 7 Apr 2025")
    )
    _act(case, Action.RESUME, dt.date(2025, 4, 14))
    assert case.detail.stage is not None and case.detail.stage.due_on > due_before
    explain = case.stage_tab.explain_due_date()
    assert explain is not None
    assert any("suspen" in line.lower() for line in explain.lines), explain.lines
    explain.close()
    _record_outcomes(case, [Outcome.UPHELD, Outcome.UPHELD, Outcome.PARTIALLY_UPHELD])
    _act(case, Action.RESPOND, dt.date(2025, 5, 20))
    assert _stage(database, case_id) == ("2", "open", "partially upheld")
    _act(case, Action.CLOSE_CASE, dt.date(2025, 5, 21))
    assert _stage(database, case_id)[1] == "closed"
    assert set(case.stage_tab.action_buttons) == set()  # an officer cannot reopen

    # -- reopen as a manager, respond again, send to the Ombudsman -------------------------
    context.actor = _sign_in(qtbot, context, "boss")
    case.load()
    assert set(case.stage_tab.action_buttons) == {Action.REOPEN}
    _act(case, Action.REOPEN, dt.date(2025, 5, 22), reason="The complainant sent new evidence")
    assert _stage(database, case_id) == ("2", "open", None)
    _act(case, Action.RESPOND, dt.date(2025, 5, 28))
    _act(case, Action.ESCALATE_TO_LGSCO, dt.date(2025, 6, 2), lgsco_reference="25 001 234")
    assert _stage(database, case_id) == (StageCode.LGSCO.value, CaseStatus.OPEN.value, None)
    assert "25 001 234" in case.stage_tab.stage_values["lgsco"].text()
    # The Ombudsman's stage has started, with no deadline of ours: said once, not both.
    values = case.stage_tab.stage_values
    assert values["started"].text() == "2 Jun 2025"
    assert values["clock"].text() == (
        "With the Ombudsman since 2 Jun 2025: the Ombudsman sets the dates"
    )

    # The timeline and the history show what was done, by whom.
    texts = [entry.text for entry in case.detail.timeline]
    assert any(t.startswith("Escalate to the Ombudsman on 2 Jun 2025") for t in texts)
    assert any(t.startswith("Reopen on 22 May 2025") for t in texts)
    assert any(t.startswith("Suspend on 7 Apr 2025") for t in texts)
    # Names, not usernames: who did it as colleagues know them.
    assert {h.who for h in case.detail.history} >= {"Priya Raman", "Morag Ellison"}
    assert not {h.who for h in case.detail.history} & {"officer1", "boss"}
    details = [f"{h.what}: {h.details}" for h in case.detail.history]
    assert not [d for d in details if " id" in d or "_id" in d], details  # no internal ids
    assert any("Current stage: Stage 1 → Stage 2" in d for d in details), details
    assert not [t for t in texts if "_" in t or " id" in t], texts

    # The Ombudsman page lists it; the Cases page finds it.
    window.show_page("Ombudsman")
    assert [r.case_id for r in window.ombudsman.stages_model.rows] == [case_id]
    window.show_page("Cases")
    window.cases.search_box.setText(case.detail.reference)
    window.cases.search_box.returnPressed.emit()
    assert window.case_model.total == 1
    with database.session() as session:
        points = session.scalar(sa.select(sa.func.count()).where(ComplaintPoint.case_id == case_id))
    assert points == 3
    assert [m for m in notifier.messages if m[0] == "error"] == []
    case.close()
    window.close()


def test_each_action_dialog_asks_what_the_workflow_table_says(
    qtbot, manager_context: AppContext, people: dict[str, Actor]
) -> None:  # type: ignore[no-untyped-def]
    """The form is built from the one table the service checks: the date and each input,
    a manager's decision only for a manager, a Stage 3 input only at Stage 3; a required
    input left empty is refused beside its field before anything is sent."""
    officer = AppContext(
        manager_context.runner,
        manager_context.notifier,
        manager_context.database,
        people["officer"],
        manager_context.today,
    )
    for action, form in ACTION_FORMS.items():
        for who, code in ((officer, StageCode.STAGE_1.value), (manager_context, "3")):
            dialog = ActionDialog(who, 1, lambda: 1, action, code)
            qtbot.addWidget(dialog)
            expected = {"on"} | {
                item.name
                for item in form.asks(StageCode(code))
                if not item.manager_decision or who is manager_context
            }
            if "panel_report_on" in expected:
                expected.add("panel_report")
            for optional in ("response_received_on", "lgsco_response_due_on", "expected_resume_on"):
                if optional in expected:  # a box says the date is given
                    expected.add(f"{optional}_given")
            assert set(dialog.fields) == expected, (action, code)
            shown = [label.text() for label in dialog.findChildren(QLabel)]
            assert form.explanation in shown, action
            # Each field's label has an Alt-key to it, none the action button's.
            from ui.widgets import alt_key

            captions = [c for c in dialog.findChildren(QLabel) if c.buddy() and c.text()]
            keys = [alt_key(label.text()) for label in captions]
            assert captions and all(keys), (action, [c.text() for c in captions])
            assert alt_key(dialog.ok_button.text()) not in keys, action
            assert len(set(keys)) == len(keys), action
            for item in form.required:
                widget = dialog.fields[item.name]
                if isinstance(widget, QPlainTextEdit):
                    widget.setPlainText("  ")
                elif isinstance(widget, QComboBox) and widget.findData(None) >= 0:
                    widget.setCurrentIndex(widget.findData(None))
                else:
                    continue  # a spin box or a list without a blank always has a value
                dialog.ok_button.click()
                assert dialog.field_errors[item.name].text() == item.missing
                assert dialog.result_value is None


def test_the_action_dialog_records_the_statutory_dates(qtbot, manager_context: AppContext) -> None:  # type: ignore[no-untyped-def]
    """The received-response date, the agreed period and the Ombudsman's own date are
    entered in the action dialog and reach the operation's input."""
    respond = ActionDialog(manager_context, 1, lambda: 1, Action.RESPOND, "1")
    qtbot.addWidget(respond)
    assert respond.action_input().response_received_on is None  # default: the day after
    given, day = respond.dates["response_received_on"]
    assert given is not None
    # A date typed with its box unticked would be dropped: it cannot be typed until the
    # box is ticked (the same for every optional date, and the panel's report).
    for action, stage, name in (
        (Action.RESPOND, "1", "response_received_on"),
        (Action.SUSPEND, "1", "expected_resume_on"),
        (Action.ESCALATE_TO_LGSCO, "1", "lgsco_response_due_on"),
    ):
        other = ActionDialog(manager_context, 1, lambda: 1, action, stage)
        qtbot.addWidget(other)
        box, edit = other.dates[name]
        assert box is not None and not box.isChecked() and not edit.isEnabled()
        box.setChecked(True)
        assert edit.isEnabled()
        box.setChecked(False)
        assert not edit.isEnabled()
    panel = ActionDialog(manager_context, 1, lambda: 1, Action.RESPOND, "3")
    qtbot.addWidget(panel)
    assert panel.panel_report is not None and panel.panel_report_on is not None
    assert not panel.panel_report_on.isEnabled()
    panel.panel_report.setChecked(True)
    assert panel.panel_report_on.isEnabled()
    given.setChecked(True)
    day.setDate(to_qdate(dt.date(2025, 3, 17)))
    assert respond.action_input().response_received_on == dt.date(2025, 3, 17)

    agree = ActionDialog(manager_context, 1, lambda: 1, Action.AGREE_PERIOD, "low")
    qtbot.addWidget(agree)
    agree.dates["agreed_until"][1].setDate(to_qdate(dt.date(2025, 9, 30)))
    assert agree.action_input().agreed_until == dt.date(2025, 9, 30)

    lgsco = ActionDialog(manager_context, 1, lambda: 1, Action.ESCALATE_TO_LGSCO, "1")
    qtbot.addWidget(lgsco)
    assert lgsco.action_input().lgsco_response_due_on is None
    box, when = lgsco.dates["lgsco_response_due_on"]
    assert box is not None
    box.setChecked(True)
    when.setDate(to_qdate(dt.date(2025, 4, 30)))
    assert lgsco.action_input().lgsco_response_due_on == dt.date(2025, 4, 30)

    panel = ActionDialog(manager_context, 1, lambda: 1, Action.RECORD_PANEL_REPORT, "3")
    qtbot.addWidget(panel)
    assert set(panel.fields) == {"on"}  # the date is all it asks
