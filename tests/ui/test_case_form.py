"""The case form: details with messages beside the field, conflicts that keep what was typed,
closing with unsaved changes, points, action items, correspondence and attachments tabs."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt

from crm_desktop.db.database import Database
from crm_desktop.db.models import Case
from crm_desktop.domain.access import Actor
from crm_desktop.domain.workflow import Action
from crm_desktop.services.case_list import CaseListQuery, fetch_case_page
from crm_desktop.services.cases import (
    CaseEdit,
    edit_case,
)
from crm_desktop.services.queues import my_open_cases
from crm_desktop.services.workflow import ActionInput, perform
from tests.ui.conftest import TODAY, open_case
from ui.case_table_model import display_value
from ui.context import AppContext
from ui.notifier import RecordingNotifier
from ui.queues_page import queue_columns
from ui.widgets import to_qdate


def _version(database: Database, case_id: int) -> int:
    with database.session() as session:
        case = session.get(Case, case_id)
        assert case is not None
        return case.version


def test_the_form_says_who_changed_the_case_last_in_plain_words(  # type: ignore[no-untyped-def]
    qtbot, context: AppContext, case_id: int
) -> None:
    dialog = open_case(qtbot, context, case_id)
    assert dialog.status.text() == "Last changed by Priya Raman"
    timeline = dialog.timeline_tab.timeline_empty.text()
    assert "demo data" not in timeline and "database" not in timeline


def test_the_form_shows_the_case(qtbot, context: AppContext, case_id: int) -> None:  # type: ignore[no-untyped-def]
    dialog = open_case(qtbot, context, case_id)
    assert dialog.heading.text().startswith("COR-2025-")
    assert dialog.details_tab.summary.toPlainText() == "Bins not collected"
    assert dialog.details_tab.service_area.currentData() == "Contact Centre"
    assert dialog.details_tab.directorate.currentData() == "COaCH"
    assert not dialog.save_button.isEnabled()
    assert dialog.stage_tab.stage_values["stage"].text() == "Stage 1"
    assert dialog.stage_tab.stage_values["state"].text() == "Awaiting acknowledgement"
    # 20 working days after 1 May 2025, skipping the two May bank holidays.
    assert dialog.stage_tab.stage_values["due"].text() == "2 Jun 2025"
    assert dialog.stage_tab.stage_values["clock"].text() == "Due today"
    assert dialog.stage_tab.stage_values["clock"].accessibleName() == "Clock: Due today (due soon)"
    assert dialog.points_tab.points_model.rowCount() == 1
    assert (
        dialog.people_tab.parties_model.data(dialog.people_tab.parties_model.index(0, 1))
        == "Ann Other"
    )
    tabs = [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())]
    assert tabs[-2:] == ["Letters", "Files"]
    letters = tabs.index("Letters")
    assert dialog.tabs.widget(letters) is dialog.correspondence_tab
    assert dialog.tabs.indexOf(dialog.correspondence_tab) == letters
    # A short name says the whole in its tooltip.
    assert dialog.tabs.tabToolTip(letters).startswith("Letters: letters and emails")
    dialog.tabs.setCurrentWidget(dialog.attachments_tab)
    assert dialog.tabs.currentWidget() is dialog.attachments_tab
    for widget in (
        dialog.details_tab.summary,
        dialog.details_tab.service_area,
        dialog.details_tab.channel,
        dialog.stage_tab.explain_button,
    ):
        assert widget.accessibleName()


def test_saving_details_and_messages_beside_the_field(
    qtbot,  # type: ignore[no-untyped-def]
    context: AppContext,
    case_id: int,
    database: Database,
) -> None:
    dialog = open_case(qtbot, context, case_id)
    dialog.details_tab.summary.setPlainText("Bins not collected for three weeks")
    assert dialog.save_button.isEnabled()
    dialog.details_tab.events_known.setChecked(True)
    dialog.details_tab.events_on.setDate(to_qdate(dt.date(2025, 4, 1)))
    dialog.details_tab.service_area.setCurrentIndex(0)  # "Choose…"
    with qtbot.waitActive(dialog):
        dialog.activateWindow()
    qtbot.keyClick(dialog.details_tab.summary, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert dialog.details_tab.field_errors["service_area"].text() == "Choose the service area."
    dialog.details_tab.service_area.setCurrentIndex(
        dialog.details_tab.service_area.findData("Contact Centre")
    )
    dialog.save()
    assert dialog.details_tab.field_errors["service_area"].text() == ""
    with database.session() as session:
        case = session.get(Case, case_id)
        assert case is not None
        assert case.summary == "Bins not collected for three weeks"
        assert case.events_on == dt.date(2025, 4, 1)
    assert not dialog.dirty and dialog.detail is not None
    assert dialog.detail.version == _version(database, case_id)
    # Events after the day the case was received (1 May 2025) are refused beside the field.
    dialog.details_tab.events_on.setDate(to_qdate(dt.date(2025, 6, 1)))
    dialog.save()
    assert "cannot be after the date it was received" in (
        dialog.details_tab.field_errors["events_on"].text()
    )
    assert dialog.dirty
    # The day the complainant learnt of the events is saved too.
    dialog.details_tab.events_on.setDate(to_qdate(dt.date(2025, 4, 1)))
    dialog.details_tab.noticed_known.setChecked(True)
    dialog.details_tab.noticed_on.setDate(to_qdate(dt.date(2025, 4, 20)))
    dialog.save()
    with database.session() as session:
        case = session.get(Case, case_id)
        assert case is not None and case.noticed_on == dt.date(2025, 4, 20)
    # Unticking its "Known" alone is a change, and clears that date.
    dialog.details_tab.noticed_known.setChecked(False)
    assert dialog.dirty
    dialog.save()
    with database.session() as session:
        case = session.get(Case, case_id)
        assert case is not None and case.noticed_on is None
        assert case.events_on == dt.date(2025, 4, 1)
    # Unticking "Known" clears the date, and "Not recorded" the channel: neither is left
    # as it was.
    dialog.details_tab.events_known.setChecked(False)
    channel = dialog.details_tab.channel
    channel.setCurrentIndex(channel.findData("Phone"))
    dialog.save()
    with database.session() as session:
        case = session.get(Case, case_id)
        assert case is not None and case.events_on is None and case.channel == "phone"
    assert not dialog.dirty
    channel.setCurrentIndex(channel.findText("Not recorded"))
    dialog.save()
    with database.session() as session:
        case = session.get(Case, case_id)
        assert case is not None and case.channel is None
    assert channel.currentText() == "Not recorded" and not dialog.dirty


def test_a_conflicting_save_keeps_what_was_typed(
    qtbot,  # type: ignore[no-untyped-def]
    context: AppContext,
    case_id: int,
    database: Database,
    people: dict[str, Actor],
) -> None:
    dialog = open_case(qtbot, context, case_id)
    opened = _version(database, case_id)
    # Someone else changes the case after it was opened.
    database.write(
        lambda s: edit_case(
            s, case_id, opened, CaseEdit(desired_outcome="An apology"), people["manager"], TODAY
        ),
        actor="boss",
    )
    dialog.details_tab.summary.setPlainText("My own careful wording")
    dialog.save()
    assert dialog.conflict.isVisible()
    message = dialog.conflict_text.text()
    assert "was changed by boss at" in message and "what you typed is kept" in message
    dialog.reload_button.click()
    assert not dialog.conflict.isVisible()
    assert dialog.details_tab.summary.toPlainText() == "My own careful wording"  # kept
    assert dialog.detail is not None and dialog.detail.version == opened + 1  # refreshed
    dialog.save()
    with database.session() as session:
        case = session.get(Case, case_id)
        assert case is not None
        assert (case.summary, case.desired_outcome) == ("My own careful wording", "An apology")


def test_a_conflicting_action_is_reloaded_and_can_be_sent_again(
    qtbot,  # type: ignore[no-untyped-def]
    context: AppContext,
    case_id: int,
    database: Database,
    people: dict[str, Actor],
) -> None:
    dialog = open_case(qtbot, context, case_id)
    opened = _version(database, case_id)
    database.write(
        lambda s: edit_case(
            s, case_id, opened, CaseEdit(summary="Changed"), people["manager"], TODAY
        ),
        actor="boss",
    )
    action = dialog.stage_tab.open_action(Action.ACKNOWLEDGE)
    action.on.setDate(to_qdate(dt.date(2025, 5, 2)))
    action.ok_button.click()
    assert action.result_value is None
    assert "changed by boss" in action.error.text()
    assert dialog.detail is not None and dialog.detail.version == opened + 1
    action.ok_button.click()  # the same input, now with the fresh version
    assert action.result_value is not None
    assert dialog.stage_tab.stage_values["acknowledged"].text() == "2 May 2025"


def test_closing_with_unsaved_changes_asks(qtbot, context: AppContext, case_id: int) -> None:  # type: ignore[no-untyped-def]
    notifier = context.notifier
    assert isinstance(notifier, RecordingNotifier)
    dialog = open_case(qtbot, context, case_id)
    dialog.details_tab.summary.setPlainText("Half typed")
    notifier.answer = False
    dialog.reject()  # Esc
    assert dialog.isVisible()
    assert notifier.messages[-1][1] == "Unsaved changes"
    notifier.answer = True
    dialog.reject()
    assert not dialog.isVisible()


def test_closing_with_unsaved_changes_can_save_them(  # type: ignore[no-untyped-def]
    qtbot, context: AppContext, case_id: int, database: Database
) -> None:
    """ "Save and close": the details are saved, then the window closes; a change the
    service refuses keeps it open with the message."""
    notifier = context.notifier
    assert isinstance(notifier, RecordingNotifier)
    dialog = open_case(qtbot, context, case_id)
    dialog.details_tab.summary.setPlainText("Bins not collected for three weeks")
    notifier.choice = 1  # Save and close
    dialog.reject()
    qtbot.waitUntil(lambda: not dialog.isVisible())
    with database.session() as session:
        case = session.get(Case, case_id)
        assert case is not None and case.summary == "Bins not collected for three weeks"
    again = open_case(qtbot, context, case_id)
    again.details_tab.summary.setPlainText("Half typed")
    again.details_tab.service_area.setCurrentIndex(0)  # "Choose…": refused on the form
    again.reject()
    assert again.isVisible()
    assert again.details_tab.field_errors["service_area"].text() == "Choose the service area."
    notifier.choice = None


def test_points_outcomes_and_action_items(
    qtbot,  # type: ignore[no-untyped-def]
    context: AppContext,
    case_id: int,
    database: Database,
    people: dict[str, Actor],
) -> None:
    dialog = open_case(qtbot, context, case_id)
    dialog.points_tab.new_point_nature.setCurrentIndex(
        dialog.points_tab.new_point_nature.findData("Decision Making")
    )
    dialog.points_tab.new_point_text.setText("Wrong decision on the assisted collection")
    dialog.points_tab.add_point()
    assert dialog.points_tab.points_model.rowCount() == 2
    dialog.points_tab.select_point(1)
    dialog.points_tab.remove_point()
    assert dialog.points_tab.points_model.rowCount() == 1
    dialog.points_tab.select_point(0)
    dialog.points_tab.remove_point()  # the last point cannot go
    assert "at least one complaint point" in dialog.points_tab.points_error.text()
    # Action items belong to upheld complaints.
    dialog.items_tab.item_action.setText("Retrain the crew")
    dialog.items_tab.item_owner.setText("Waste manager")
    dialog.items_tab.add_item()
    assert "upheld" in dialog.items_tab.items_error.text()
    dialog.points_tab.select_point(0)
    dialog.points_tab.point_outcome.setCurrentIndex(
        dialog.points_tab.point_outcome.findData("upheld")
    )
    dialog.points_tab.record_point_outcome()
    version = dialog.detail.version if dialog.detail else 0
    database.write(
        lambda s: perform(
            s,
            case_id,
            version,
            Action.RESPOND,
            ActionInput(on=dt.date(2025, 5, 20)),
            people["officer"],
            TODAY,
        ),
        actor="officer1",
    )
    dialog.load()
    dialog.items_tab.add_item()
    assert dialog.items_tab.items_error.text() == ""
    assert dialog.items_tab.items_model.rowCount() == 1
    dialog.items_tab.items_view.selectRow(0)
    dialog.items_tab.item_evidence.setText("Training record 12")
    dialog.items_tab.item_learning.setChecked(True)
    dialog.items_tab.complete_item()
    assert dialog.items_tab.items_model.row_at(0).done_on == TODAY


def test_a_suspension_says_until_when(
    qtbot,  # type: ignore[no-untyped-def]
    context: AppContext,
    case_id: int,
    database: Database,
) -> None:
    dialog = open_case(qtbot, context, case_id)
    ack = dialog.stage_tab.open_action(Action.ACKNOWLEDGE)
    ack.on.setDate(to_qdate(dt.date(2025, 5, 2)))
    ack.ok_button.click()
    assert ack.result_value is not None
    suspend = dialog.stage_tab.open_action(Action.SUSPEND)
    suspend.on.setDate(to_qdate(dt.date(2025, 5, 12)))
    given, day = suspend.dates["expected_resume_on"]
    assert given is not None and not given.isChecked()  # optional: asked for only if known
    given.setChecked(True)
    day.setDate(to_qdate(dt.date(2025, 5, 9)))
    suspend.ok_button.click()
    assert suspend.result_value is None
    message = suspend.field_errors["expected_resume_on"].text()
    assert "before it stops on 12 May 2025" in message, message
    label = suspend.field_errors["expected_resume_on"]
    qtbot.waitUntil(lambda: label.height() >= label.heightForWidth(label.width()))  # every line
    assert dialog.detail is not None and dialog.detail.stage is not None
    assert dialog.detail.stage.status == "open"  # refused: nothing changed
    day.setDate(to_qdate(dt.date(2025, 6, 16)))
    suspend.ok_button.click()
    assert suspend.result_value is not None, suspend.error.text()

    # The case window: the heading line, the stage's due date and clock, the stages table.
    assert dialog.subheading.text().startswith("Suspended until 16 Jun 2025 · received")
    values = dialog.stage_tab.stage_values
    assert values["due"].text().startswith("Suspended until 16 Jun 2025")
    assert "2 Jun 2025" not in values["due"].text()  # not the old due date
    assert values["clock"].text().endswith("expected to restart on 16 Jun 2025")
    stages = dialog.stage_tab.stages_model
    due_column = next(
        i
        for i in range(stages.columnCount())
        if stages.headerData(i, Qt.Orientation.Horizontal) == "Due"
    )
    assert stages.data(stages.index(0, due_column)) == "Suspended until 16 Jun 2025"

    texts = [entry.text for entry in dialog.detail.timeline]
    assert any("expected to restart on: 16 Jun 2025" in t for t in texts), texts

    # The case list and the queues say the same.
    with database.session() as session:
        rows = fetch_case_page(session, CaseListQuery(sort="reference"))
        queue = my_open_cases(session, TODAY, "officer1")
    row = next(r for r in rows if r.id == case_id)
    assert display_value(row, "status") == "Suspended"
    assert display_value(row, "due") == "Suspended until 16 Jun 2025"
    queued = next(r for r in queue if r.case_id == case_id)
    shown = {c.title: c.text(queued) for c in queue_columns("my-open")}
    assert shown["Status"] == "Suspended"
    assert shown["Due"] == "Suspended until 16 Jun 2025"

    # Resumed: the due date again, moved on by the days stopped.
    resume = dialog.stage_tab.open_action(Action.RESUME)
    resume.on.setDate(to_qdate(dt.date(2025, 5, 14)))
    resume.ok_button.click()
    assert resume.result_value is not None
    assert dialog.subheading.text().startswith("Open · received")
    assert values["due"].text() == "4 Jun 2025"

    # The History tab says the stage's status by its label, with its capital.
    model = dialog.history_tab.history_model
    shown = [str(model.data(model.index(row, 3))) for row in range(model.rowCount())]
    assert any("Status: Open → Suspended" in text for text in shown), shown
    assert any("Status: Suspended → Open" in text for text in shown), shown
    assert not [text for text in shown if ": open" in text or "→ open" in text], shown


def test_a_suspension_with_no_restart_day_says_since_when(
    qtbot,  # type: ignore[no-untyped-def]
    context: AppContext,
    case_id: int,
    database: Database,
) -> None:
    dialog = open_case(qtbot, context, case_id)
    ack = dialog.stage_tab.open_action(Action.ACKNOWLEDGE)
    ack.on.setDate(to_qdate(dt.date(2025, 5, 2)))
    ack.ok_button.click()
    suspend = dialog.stage_tab.open_action(Action.SUSPEND)
    suspend.on.setDate(to_qdate(dt.date(2025, 5, 12)))
    suspend.ok_button.click()
    assert suspend.result_value is not None, suspend.error.text()
    assert dialog.subheading.text().startswith("Suspended since 12 May 2025 · received")
    assert dialog.stage_tab.stage_values["due"].text().startswith("Suspended since 12 May 2025")
    with database.session() as session:
        rows = fetch_case_page(session, CaseListQuery(sort="reference"))
    row = next(r for r in rows if r.id == case_id)
    assert display_value(row, "due") == "Suspended since 12 May 2025"
