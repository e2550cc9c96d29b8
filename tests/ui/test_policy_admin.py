"""The Admin page's procedure policies: versions in use are refused, new ones previewed."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import QLabel

from crm_desktop.db.database import Database
from crm_desktop.db.models import Case, Stage
from crm_desktop.domain.enums import StageCode, StageStatus
from crm_desktop.services.procedure_policies import list_policies
from tests.factories import add_case
from ui.admin_page import AdminPage, PoliciesSection
from ui.case_form import CaseDialog
from ui.context import AppContext
from ui.notifier import RecordingNotifier
from ui.widgets import to_qdate


def test_a_version_in_use_is_refused_and_a_new_one_is_previewed_and_added(  # type: ignore[no-untyped-def]
    qtbot, manager_context: AppContext, database: Database
) -> None:
    database.write(lambda s: add_case(s, received_on=dt.date(2025, 5, 1)), actor="setup")
    page = AdminPage(manager_context)
    qtbot.addWidget(page)
    page.show()
    page.activate()
    section = next(s for s in page.sections if isinstance(s, PoliciesSection))
    names = [r.name for r in section.model.rows]
    assert names == [
        "Corporate complaints procedure 2023",
        "Complaint Handling Code (Local Government and Social Care Ombudsman)",
    ]
    old = section.model.rows[0]
    assert old.in_use and old.cases == 1

    section.view.selectRow(0)
    assert "Stage 1: acknowledge within 3 working days" in section.rules_text.text()
    _rules, _ack, respond, _extend, _good = section._stage_rows[0]
    respond.setValue(15)
    section.save()
    assert "is in use: 1 case (1 open) follows it, so it cannot be changed" in (
        section.message.text()
    )
    with database.session() as session:
        kept = list_policies(session)[0].rules.stage(StageCode.STAGE_1)
    assert kept is not None and kept.response_days == 20

    section.new_name.setText("Corporate procedure 2027")
    section.new_from.setDate(to_qdate(dt.date(2027, 1, 1)))
    section.preview()
    assert section.preview_text.text().startswith("Applies to no existing case (0 open cases)")
    section.add()
    assert section.add_message.text() == (
        "Added 'Corporate procedure 2027' for cases received from 1 Jan 2027."
    )
    assert [r.name for r in section.model.rows][-1] == "Corporate procedure 2027"
    with database.session() as session:
        added = list_policies(session)[-1]
    stage_1 = added.rules.stage(StageCode.STAGE_1)
    assert stage_1 is not None and stage_1.response_days == 15
    assert not added.in_use


def _stage_2_case(database: Database, stage_1_responder: int) -> int:
    """A Code case (received 1 Apr 2026) at Stage 2, whose Stage 1 someone answered."""

    def build(session) -> int:  # type: ignore[no-untyped-def]
        case = add_case(session, received_on=dt.date(2026, 4, 1), closed_on=None)
        first = session.get(Stage, case.current_stage_id)
        first.closed_on = dt.date(2026, 4, 15)
        first.status = StageStatus.CLOSED
        first.responder_id = stage_1_responder
        second = Stage(
            case_id=case.id,
            seq=2,
            stage=StageCode.STAGE_2,
            previous_stage_id=first.id,
            requested_on=dt.date(2026, 4, 20),
        )
        session.add(second)
        session.flush()
        case.current_stage_id = second.id
        return int(case.id)

    return database.write(build, actor="setup")


def test_the_stage_2_responder_dialog(  # type: ignore[no-untyped-def]
    qtbot, context: AppContext, database: Database, people
) -> None:
    officer, manager = people["officer"], people["manager"]
    case_id = _stage_2_case(database, officer.user_id)
    form = CaseDialog(context, case_id)
    qtbot.addWidget(form)
    assert form.stage_tab.responder_button.isEnabled()
    dialog = form.stage_tab.choose_responder()
    assert dialog is not None
    qtbot.addWidget(dialog)
    names = [dialog.combo.itemText(i) for i in range(dialog.combo.count())]
    assert names == ["Morag Ellison", "Priya Raman (needs a manager's reason)"]
    assert not dialog.reason.isVisibleTo(dialog)  # an officer cannot allow it
    labels = [w for w in dialog.findChildren(QLabel) if w.buddy() is dialog.reason]
    assert labels and not any(w.isVisibleTo(dialog) for w in labels)  # nor its label
    dialog.combo.setCurrentIndex(1)
    assert "Priya Raman responded at Stage 1; Stage 2 must be considered by someone else" in (
        dialog.problem.text()
    )
    dialog.save()
    assert "Stage 2 must be considered by someone else" in dialog.error.text()
    with database.session() as session:
        assert session.get(Stage, _current(session, case_id)).responder_id is None

    context.actor = manager
    managed = CaseDialog(context, case_id)
    qtbot.addWidget(managed)
    dialog = managed.stage_tab.choose_responder()
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert dialog.reason.isVisibleTo(dialog)
    dialog.show()
    hint = dialog.reason.placeholderText()
    assert dialog.reason.width() >= dialog.reason.fontMetrics().horizontalAdvance(hint)
    dialog.combo.setCurrentIndex(1)
    dialog.reason.setText("The only officer who knows this service; checked by the director")
    # A reason typed and not saved: closing asks first.
    notifier = context.notifier
    assert isinstance(notifier, RecordingNotifier)
    notifier.answer = False
    dialog.reject()
    assert dialog.isVisible()
    assert notifier.messages[-1][:2] == ("confirm", "Discard what you typed?")
    dialog.save()
    assert dialog.status.text() == "Saved, with the manager's reason."
    asked = len(notifier.messages)
    dialog.reject()  # saved: nothing to lose, so no question
    assert not dialog.isVisible()
    assert len(notifier.messages) == asked
    with database.session() as session:
        stage = session.get(Stage, _current(session, case_id))
        assert stage.responder_id == officer.user_id
        assert "The only officer who knows this service" in (stage.notes or "")


def _current(session, case_id: int) -> int:  # type: ignore[no-untyped-def]
    case = session.get(Case, case_id)
    assert case is not None and case.current_stage_id is not None
    return int(case.current_stage_id)
