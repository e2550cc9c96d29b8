"""A day's work by keyboard: the keys an officer presses reach what they expect."""

from __future__ import annotations

import datetime as dt
import itertools

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDateEdit, QWidget

from crm_desktop.db.database import Database
from crm_desktop.db.models import ComplaintPoint, PointOutcome
from crm_desktop.domain.access import Actor
from tests.ui.conftest import TODAY, open_case
from ui.context import AppContext
from ui.notifier import Notifier


def test_the_stage_actions_come_before_the_list_of_stages_in_tab_order(  # type: ignore[no-untyped-def]
    qtbot, context: AppContext, case_id: int
) -> None:
    dialog = open_case(qtbot, context, case_id)
    stage = dialog.stage_tab
    buttons = list(stage.action_buttons.values())
    assert buttons
    assert stage.responder_button.nextInFocusChain() is buttons[0]
    for earlier, later in itertools.pairwise(buttons):
        assert earlier.nextInFocusChain() is later


def test_enter_in_an_outcomes_note_records_it(  # type: ignore[no-untyped-def]
    qtbot, context: AppContext, case_id: int, database: Database
) -> None:
    dialog = open_case(qtbot, context, case_id)
    points = dialog.points_tab
    points.select_point(0)
    points.point_outcome.setCurrentIndex(points.point_outcome.findData("upheld"))
    points.point_note.setText("Crew retrained")
    qtbot.keyClick(points.point_note, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _outcomes(database, case_id) == ["upheld"])


def test_the_outcome_box_offers_no_finding_a_point_was_not_given(  # type: ignore[no-untyped-def]
    qtbot, context: AppContext, case_id: int, database: Database
) -> None:
    """A point with no outcome yet shows none chosen (the box used to show "Upheld"
    beside "Not recorded yet", one Record press from a finding nobody made); recording
    with none chosen asks for one and saves nothing; a point with an outcome shows it."""
    dialog = open_case(qtbot, context, case_id)
    points = dialog.points_tab
    points.select_point(0)
    assert points.points_model.rows[0].outcome == ""
    assert points.point_outcome.currentData() is None
    points.record_outcome_button.click()
    assert "Choose the outcome of point 1 first." in points.points_error.text()
    assert _outcomes(database, case_id) == []
    points.point_outcome.setCurrentIndex(points.point_outcome.findData("not upheld"))
    points.point_note.setText("Checked the records")
    points.record_outcome_button.click()
    qtbot.waitUntil(lambda: _outcomes(database, case_id) == ["not upheld"])
    qtbot.waitUntil(lambda: points.points_model.rows[0].outcome != "")
    # The point stays chosen (the next Down goes on from it), its outcome shown, and the
    # note is not carried on to the next point.
    assert points.points_view.selectionModel().selectedRows()[0].row() == 0
    assert points.point_outcome.currentData() == "not upheld"
    assert points.point_note.text() == ""


def _outcomes(database: Database, case_id: int) -> list[str]:
    import sqlalchemy as sa

    with database.session() as session:
        return [
            str(o)
            for o in session.scalars(
                sa.select(PointOutcome.outcome)
                .join(ComplaintPoint, ComplaintPoint.id == PointOutcome.point_id)
                .where(ComplaintPoint.case_id == case_id)
            )
        ]


def test_ctrl_w_closes_the_case_window(qtbot, context: AppContext, case_id: int) -> None:  # type: ignore[no-untyped-def]
    dialog = open_case(qtbot, context, case_id)
    with qtbot.waitActive(dialog):
        dialog.activateWindow()
    qtbot.keyClick(dialog.tabs, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not dialog.isVisible())


def test_a_question_belongs_to_the_window_the_user_is_in(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Asked from a case window, a question comes back to it when answered, not to the
    main window; with no window active, the main window is its owner."""
    main, case = QWidget(), QWidget()
    qtbot.addWidget(main)
    qtbot.addWidget(case)
    notifier = Notifier(main)
    assert notifier.owner() is main
    case.show()
    case.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is case)
    assert notifier.owner() is case


def test_the_letter_question_after_an_action_says_what_was_recorded(  # type: ignore[no-untyped-def]
    qtbot, context: AppContext, case_id: int
) -> None:
    """Not "'Acknowledge' is recorded" (a button's name) but what was recorded."""
    from crm_desktop.domain.workflow import Action
    from ui.notifier import RecordingNotifier

    dialog = open_case(qtbot, context, case_id)
    notifier = context.notifier
    assert isinstance(notifier, RecordingNotifier)
    notifier.answer = False
    assert not dialog.stage_tab.offer_letter(Action.ACKNOWLEDGE)
    asked = [m for m in notifier.messages if m[:2] == ("confirm", "Send the letter?")]
    assert asked[-1][2] == (
        "The acknowledgement is recorded. Write the letter that goes with it (Acknowledgement) now?"
    )


def test_an_action_keeps_its_alt_key_as_the_case_moves_on(  # type: ignore[no-untyped-def]
    qtbot, context: AppContext, case_id: int, database: Database, people: dict[str, Actor]
) -> None:
    """Alt+R was Redirect before the acknowledgement and Respond after it: an officer who
    learnt one pressed the other. Each usual action keeps its own letter."""
    from crm_desktop.domain.workflow import Action
    from crm_desktop.services.workflow import ActionInput, perform
    from ui.widgets import alt_key

    dialog = open_case(qtbot, context, case_id)

    def keys() -> dict[Action, str | None]:
        return {a: alt_key(b.text()) for a, b in dialog.stage_tab.action_buttons.items()}

    before = keys()
    assert before[Action.RESPOND] == "r" and before[Action.REDIRECT] == "i"
    assert before[Action.ACKNOWLEDGE] == "a"
    assert len(set(before.values())) == len(before)
    version = dialog.detail.version if dialog.detail else 0
    database.write(
        lambda s: perform(
            s,
            case_id,
            version,
            Action.ACKNOWLEDGE,
            ActionInput(on=dt.date(2025, 5, 2)),
            people["officer"],
            TODAY,
        ),
        actor="officer1",
    )
    dialog.load()
    qtbot.waitUntil(lambda: Action.ACKNOWLEDGE not in dialog.stage_tab.action_buttons)
    after = keys()
    assert after[Action.RESPOND] == "r" and after[Action.EXTEND] == "n"
    assert after[Action.REDIRECT] == "i"
    assert len(set(after.values())) == len(after)


def test_a_date_is_typed_whole_as_an_officer_writes_it(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Qt's own date field read typing part by part: "14/03/2024" was saved as 14 Dec
    2026, without a word. A date is now read whole in the forms officers write; one that
    is no date, or outside the field's range, is not taken; Tab leaves the field in one
    press; Ctrl+Tab still changes the tabs around it."""
    from PySide6.QtWidgets import QLineEdit, QTabWidget, QVBoxLayout

    from ui.widgets import date_edit, to_qdate

    tabs = QTabWidget()
    qtbot.addWidget(tabs)
    page = QWidget()
    layout = QVBoxLayout(page)
    before = QLineEdit(page)
    day = date_edit(dt.date(2026, 12, 7), "Received on", page)
    after = QLineEdit(page)  # (made in this order: the order Tab takes)
    day.setMaximumDate(to_qdate(dt.date(2026, 12, 7)))
    for widget in (before, day, after):
        layout.addWidget(widget)
    tabs.addTab(page, "Details")
    tabs.addTab(QWidget(), "Points")
    tabs.show()
    tabs.activateWindow()
    qtbot.waitUntil(tabs.isActiveWindow)

    def typed(text: str) -> dt.date:
        day.setDate(to_qdate(dt.date(2026, 12, 7)))
        before.setFocus()
        day.setFocus(Qt.FocusReason.TabFocusReason)  # as Tab brings it: all selected
        qtbot.waitUntil(day.hasFocus)
        assert day.lineEdit().selectedText() == day.text()
        qtbot.keyClicks(day, text)
        qtbot.keyClick(day, Qt.Key.Key_Tab)
        assert after.hasFocus(), (QApplication.focusWidget(), day.text())  # one Tab leaves it
        return day.date().toPython()  # type: ignore[no-any-return]

    for text in ("14/03/2024", "14-3-24", "14.03.2024", "14 Mar 2024", "14 March 2024"):
        assert typed(text) == dt.date(2024, 3, 14), text
    assert typed("2024-03-14") == dt.date(2024, 3, 14)
    assert typed("3/11/2025") == dt.date(2025, 11, 3)
    # No such day, and a day after the latest the field takes: Tab stays in the field
    # and says why; Escape gives it its date back, and Tab then leaves it.
    shown, kept = day.text(), day.date().toPython()
    for text in ("31/02/2024", "14/03/2027"):
        day.setFocus(Qt.FocusReason.TabFocusReason)
        qtbot.waitUntil(day.hasFocus)
        qtbot.keyClicks(day, text)
        qtbot.keyClick(day, Qt.Key.Key_Tab)
        assert day.hasFocus() and day.last_problem, text
        qtbot.keyClick(day, Qt.Key.Key_Escape)
        assert day.text() == shown and not day.last_problem
        qtbot.keyClick(day, Qt.Key.Key_Tab)
        assert after.hasFocus() and day.date().toPython() == kept
    day.setFocus()
    qtbot.waitUntil(day.hasFocus)
    qtbot.keyClick(day, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert tabs.currentIndex() == 1


def test_a_date_typed_into_an_action_dialogs_first_field_is_the_one_saved(  # type: ignore[no-untyped-def]
    qtbot, context: AppContext, case_id: int, database: Database
) -> None:
    """The dialog opens with its date in focus: what is typed replaces it."""
    import sqlalchemy as sa

    from crm_desktop.db.models import Stage
    from crm_desktop.domain.workflow import Action

    dialog = open_case(qtbot, context, case_id)
    action = dialog.stage_tab.open_action(Action.ACKNOWLEDGE)
    qtbot.addWidget(action)
    action.show()
    action.activateWindow()
    qtbot.waitUntil(action.isActiveWindow)
    field = action.fields["on"]
    assert isinstance(field, QDateEdit)
    qtbot.waitUntil(field.hasFocus)  # the dialog opens with its date in focus
    earlier = TODAY - dt.timedelta(days=1)
    qtbot.keyClicks(field, earlier.strftime("%d/%m/%Y"))
    qtbot.keyClick(field, Qt.Key.Key_Tab)
    assert field.date().toPython() == earlier
    action.submit()
    with database.session() as session:
        acknowledged = session.scalars(
            sa.select(Stage.acknowledged_on).where(Stage.case_id == case_id)
        ).all()
    assert earlier in acknowledged


def test_a_date_not_taken_is_said_and_enter_does_not_save_the_old_one(qtbot) -> None:  # type: ignore[no-untyped-def]
    """What is typed and not taken is said beside the field; Enter then stays in the
    field, rather than pressing the dialog's button with the date the field had; a
    date that is taken goes on with Enter to the button."""
    from PySide6.QtWidgets import QDialog, QPushButton, QVBoxLayout

    from ui.widgets import DateEdit, date_edit, to_qdate

    dialog = QDialog()
    qtbot.addWidget(dialog)
    layout = QVBoxLayout(dialog)
    day = date_edit(dt.date(2025, 6, 2), "Suspended from", dialog)
    day.setMaximumDate(to_qdate(dt.date(2025, 6, 2)))
    assert isinstance(day, DateEdit)
    pressed: list[dt.date] = []
    button = QPushButton("Suspend", dialog)
    button.setDefault(True)
    button.clicked.connect(lambda: pressed.append(day.date().toPython()))
    layout.addWidget(day)
    layout.addWidget(button)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    for typed, said in (
        ("31/02/2025", "'31/02/2025' is not a date"),
        ("14/03/2026", "14 Mar 2026 is after 2 Jun 2025, the latest here."),
    ):
        day.setFocus(Qt.FocusReason.TabFocusReason)
        qtbot.waitUntil(day.hasFocus)
        qtbot.keyClicks(day, typed)
        qtbot.keyClick(day, Qt.Key.Key_Return)
        assert said in day.last_problem, typed
        assert pressed == [] and day.hasFocus()
        assert day.date().toPython() == dt.date(2025, 6, 2)
    day.lineEdit().selectAll()
    qtbot.keyClicks(day, "30 May 2025")
    qtbot.keyClick(day, Qt.Key.Key_Return)
    assert pressed == [dt.date(2025, 5, 30)] and day.last_problem == ""


def test_tab_does_not_leave_a_date_not_taken_and_ctrl_a_selects_the_whole_date(qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QLineEdit, QVBoxLayout

    from ui.widgets import DateEdit, date_edit

    page = QWidget()
    qtbot.addWidget(page)
    layout = QVBoxLayout(page)
    day = date_edit(dt.date(2025, 6, 2), "Suspended from", page)
    after = QLineEdit(page)
    layout.addWidget(day)
    layout.addWidget(after)
    assert isinstance(day, DateEdit)
    page.show()
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow)
    day.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(day.hasFocus)
    qtbot.keyClicks(day, "31/02/2025")
    qtbot.keyClick(day, Qt.Key.Key_Tab)
    assert day.hasFocus() and "not a date" in day.last_problem
    # Ctrl+A selects the whole date, so what is typed next replaces it.
    qtbot.keyClick(day, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(day, "5 May 2025")
    qtbot.keyClick(day, Qt.Key.Key_Tab)
    assert after.hasFocus() and day.date().toPython() == dt.date(2025, 5, 5)


def _by_keys(qtbot, case, action) -> None:  # type: ignore[no-untyped-def]
    """Space on the action's button (the focus put there first), Enter in its dialog."""
    case.activateWindow()  # again after a dialog, on a screen with no window manager
    qtbot.waitUntil(lambda: QApplication.activeWindow() is case)
    button = case.stage_tab.action_buttons[action]
    button.setFocus()
    qtbot.waitUntil(button.hasFocus)
    qtbot.keyClick(button, Qt.Key.Key_Space)
    qtbot.waitUntil(
        lambda: (
            case.stage_tab.action_dialog is not None
            and case.stage_tab.action_dialog.action == action
            and QApplication.activeWindow() is case.stage_tab.action_dialog
        )
    )
    dialog = case.stage_tab.action_dialog
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible())


def test_the_focus_stays_among_the_actions_when_the_one_done_is_no_longer_offered(  # type: ignore[no-untyped-def]
    qtbot, context: AppContext, case_id: int
) -> None:
    """Suspend's button goes once the stage is suspended: the focus went with it, to
    the tabs, and Tab started again from the top. It goes to Resume now, and back."""
    from crm_desktop.domain.workflow import Action

    context.notifier.answer = False  # no letter this time
    case = open_case(qtbot, context, case_id)
    case.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is case)
    case.tabs.setCurrentWidget(case.stage_tab)
    _by_keys(qtbot, case, Action.ACKNOWLEDGE)
    qtbot.waitUntil(lambda: Action.SUSPEND in case.stage_tab.action_buttons)
    # Acknowledge is no longer offered: the first action offered now has the focus.
    first = next(iter(case.stage_tab.action_buttons.values()))
    qtbot.waitUntil(lambda: case.focusWidget() is first)
    _by_keys(qtbot, case, Action.SUSPEND)
    qtbot.waitUntil(lambda: Action.RESUME in case.stage_tab.action_buttons)
    qtbot.waitUntil(lambda: case.focusWidget() is case.stage_tab.action_buttons[Action.RESUME])
    _by_keys(qtbot, case, Action.RESUME)
    qtbot.waitUntil(lambda: Action.SUSPEND in case.stage_tab.action_buttons)
    qtbot.waitUntil(lambda: case.focusWidget() is case.stage_tab.action_buttons[Action.SUSPEND])


def test_the_focus_stays_in_the_window_when_no_action_is_left(  # type: ignore[no-untyped-def]
    qtbot, context: AppContext, database: Database, people: dict[str, Actor]
) -> None:
    """A compliment's last action leaves no action and no stage to explain: the focus
    goes to what is left on the Stage tab, not nowhere."""
    from crm_desktop.domain.enums import Kind
    from tests.ui.conftest import bins_case

    context.notifier.answer = False  # no letter
    case = open_case(qtbot, context, bins_case(database, people, kind=Kind.COMPLIMENT, points=[]))
    case.tabs.setCurrentWidget(case.stage_tab)
    while case.stage_tab.action_buttons:
        _by_keys(qtbot, case, next(iter(case.stage_tab.action_buttons)))
        qtbot.wait(100)
    assert not case.stage_tab.action_buttons
    focused = case.focusWidget()
    assert focused is not None and case.stage_tab.isAncestorOf(focused), focused


def test_a_letter_not_written_after_an_action_leaves_the_officer_where_they_were(  # type: ignore[no-untyped-def]
    qtbot, context: AppContext, case_id: int, tmp_path
) -> None:
    """Acknowledge, yes to the letter, then Esc in the letter window: the case window
    was left on the Letters tab; it goes back to the Stage tab, the focus on its
    actions. A letter sent leaves it on the Letters tab, where the letter shows."""
    from crm_desktop.domain.workflow import Action

    case = open_case(qtbot, context, case_id)
    case.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is case)
    case.tabs.setCurrentWidget(case.stage_tab)
    _by_keys(qtbot, case, Action.ACKNOWLEDGE)  # the notifier answers yes: a letter
    letters = case.correspondence_tab
    qtbot.waitUntil(lambda: letters.letter_dialog is not None and letters.letter_dialog.isVisible())
    assert case.tabs.currentWidget() is letters
    letter = letters.letter_dialog
    qtbot.waitUntil(lambda: QApplication.activeWindow() is letter)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not letter.isVisible())
    assert case.tabs.currentWidget() is case.stage_tab
    qtbot.waitUntil(lambda: case.focusWidget() in case.stage_tab.action_buttons.values())
    # A letter sent, then its window closed: the Letters tab stays, the letter on it.
    letters.open_file = lambda _path: None
    letters.ask_save_path = lambda *_args: str(tmp_path / "letter")
    assert case.offer_letter("Acknowledged.", "acknowledgement")
    sent = letters.letter_dialog
    assert sent is not None and sent is not letter
    sent.send()
    assert sent.outcome is not None, sent.error.text()
    sent.reject()  # Close, or Esc
    assert case.tabs.currentWidget() is letters
