"""The main buttons have Alt-keys, none held twice in one window, none of the menus'.
With the program's window watcher, every button has one, and no two buttons that can be
seen at the same time share one (Qt would then only move the focus between them)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QCheckBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QToolButton,
    QWidget,
)
from shiboken6 import getCppPointer

from tests.ui.conftest import open_case, open_new_case
from ui import fit
from ui.admin_page import AdminPage, UsersSection
from ui.context import AppContext
from ui.investigators_page import InvestigatorsPage
from ui.new_case import NewCaseDialog
from ui.notifications import NotificationsDialog
from ui.reports_page import ReportsPage
from ui.widgets import MENU_KEYS, alt_key


def _check(window: QWidget, buttons: list[QAbstractButton], menus: bool = False) -> None:
    """Each of ``buttons`` has an Alt-key; the buttons ``window`` shows hold each key once
    (and, on a page of the main window, none of its menus')."""
    for button in buttons:
        assert alt_key(button.text()), button.text()
    shown = [
        key
        for b in window.findChildren(QAbstractButton)
        if b.isVisibleTo(window) and (key := alt_key(b.text()))
    ]
    twice = [key for key, n in Counter(shown).items() if n > 1]
    assert not twice, shown
    if menus:
        assert not MENU_KEYS & set(shown), shown


def test_new_case_buttons_have_alt_keys(qtbot, context: AppContext) -> None:  # type: ignore[no-untyped-def]
    dialog = NewCaseDialog(context)
    qtbot.addWidget(dialog)
    dialog.show()
    _check(dialog, [dialog.save_button, dialog.add_point_button])
    assert dialog.save_button.text() == "&Record the case"
    dialog.reject()


def test_admin_user_buttons_have_alt_keys(qtbot, manager_context: AppContext) -> None:  # type: ignore[no-untyped-def]
    page = AdminPage(manager_context)
    qtbot.addWidget(page)
    page.show()
    page.activate()
    users = next(s for s in page.sections if isinstance(s, UsersSection))
    page.tabs.setCurrentWidget(users)
    buttons = {b.text().replace("&", ""): b for b in users.findChildren(QAbstractButton)}
    wanted = [buttons["Save changes"], buttons["Add user"], buttons["Set password"]]
    _check(users, wanted, menus=True)


def test_reports_and_investigators_buttons_have_alt_keys(  # type: ignore[no-untyped-def]
    qtbot, manager_context: AppContext
) -> None:
    reports = ReportsPage(manager_context)
    qtbot.addWidget(reports)
    reports.show()
    _check(reports, [reports.make_button, reports.export_button], menus=True)
    pool = InvestigatorsPage(manager_context)
    qtbot.addWidget(pool)
    pool.show()
    _check(pool, [pool.add_button, pool.edit_button, pool.fees_button], menus=True)


def test_notifications_buttons_have_alt_keys(qtbot, context: AppContext) -> None:  # type: ignore[no-untyped-def]
    dialog = NotificationsDialog(context)
    qtbot.addWidget(dialog)
    dialog.show()
    _check(dialog, [dialog.open_button, dialog.read_button])


def test_case_window_point_and_late_buttons_have_alt_keys(  # type: ignore[no-untyped-def]
    qtbot, context: AppContext, case_id: int
) -> None:
    dialog = open_case(qtbot, context, case_id)
    dialog.tabs.setCurrentWidget(dialog.points_tab)
    _check(dialog, [dialog.points_tab.remove_point_button])
    dialog.tabs.setCurrentWidget(dialog.details_tab)
    dialog.details_tab.late_box.setVisible(True)  # shown for a late complaint
    _check(dialog, [dialog.details_tab.late_button])
    # The letters, the letter window and the files.
    letters = dialog.correspondence_tab
    dialog.tabs.setCurrentWidget(letters)
    _check(dialog, [letters.record_button, letters.write_button])
    letter = letters.write_letter()
    qtbot.addWidget(letter)
    letter.show()
    _check(letter, [letter.preview_button, letter.send_button, letter.as_letter, letter.as_email])
    letter.as_email.setChecked(True)
    _check(letter, [letter.send_button])
    letter.reject()
    files = dialog.attachments_tab
    dialog.tabs.setCurrentWidget(files)
    _check(dialog, [files.add_button, files.open_button])


@pytest.fixture
def fitter(qapp: QApplication) -> Iterator[None]:
    """The program's own window watcher (``ui.app.create_application`` installs it)."""
    installed = fit.install(qapp)
    yield
    qapp.removeEventFilter(installed)


def _pages(widget: QWidget) -> tuple[tuple[int, int], ...]:
    """The stack pages (stack, page) ``widget`` is on, outermost first."""
    path: list[tuple[int, int]] = []
    child, parent = widget, widget.parentWidget()
    while parent is not None and not child.isWindow():
        if isinstance(parent, QStackedWidget):
            path.append((getCppPointer(parent)[0], parent.indexOf(child)))
        child, parent = parent, parent.parentWidget()
    return tuple(reversed(path))


def _seen_together(a: tuple[tuple[int, int], ...], b: tuple[tuple[int, int], ...]) -> bool:
    pages_a, pages_b = dict(a), dict(b)
    return all(pages_a[s] == pages_b[s] for s in pages_a.keys() & pages_b.keys())


def alt_key_problems(window: QWidget) -> list[str]:
    """Buttons without an Alt-key; a field's name whose key goes to nothing that takes
    the focus; two buttons or names seen at the same time with the same key."""
    buttons = [
        b
        for b in window.findChildren(QAbstractButton)
        if b.text() and not isinstance(b, QToolButton) and b.window() is window
    ]
    labels = [
        label
        for label in window.findChildren(QLabel)
        if alt_key(label.text()) and label.window() is window
    ]
    # Reached by a field's name's key (a row's, which hands its focus to a box in it).
    led_to = {
        w
        for label in labels
        if label.buddy() is not None
        for w in (label.buddy(), label.buddy().focusProxy())
    }
    problems = [
        f"no Alt-key: {b.text()!r}"
        for b in buttons
        if alt_key(b.text()) is None and b not in led_to
    ]
    problems += [
        f"Alt-key to nothing: {label.text()!r}"
        for label in labels
        if label.buddy() is None
        or (
            label.buddy().focusPolicy() == Qt.FocusPolicy.NoFocus
            and label.buddy().focusProxy() is None
        )
    ]
    marked = [(b, alt_key(b.text()), _pages(b)) for b in [*buttons, *labels] if alt_key(b.text())]
    for i, (b, key, pages) in enumerate(marked):
        for other, other_key, other_pages in marked[i + 1 :]:
            if key == other_key and _seen_together(pages, other_pages):
                problems.append(f"Alt+{key}: {b.text()!r} and {other.text()!r}")
    return problems


def test_every_page_of_the_main_window(qtbot, manager_context: AppContext, fitter: None) -> None:  # type: ignore[no-untyped-def]
    from ui.main_window import MainWindow

    window = MainWindow(context=manager_context)
    qtbot.addWidget(window)
    window.show()
    for name in list(window.pages):
        window.page(name)
    assert len(window.pages) > 8
    assert alt_key_problems(window) == []


def test_the_case_window_and_its_tabs(
    qtbot, manager_context: AppContext, case_id: int, fitter: None
) -> None:  # type: ignore[no-untyped-def]
    dialog = open_case(qtbot, manager_context, case_id)
    assert dialog.stage_tab.action_buttons
    assert alt_key_problems(dialog) == []


def test_the_check_finds_a_button_without_one_and_two_seen_together() -> None:
    window = QWidget()
    QPushButton("&Save", window)
    QPushButton("Close", window)
    stack = QStackedWidget(window)
    first, second = QWidget(stack), QWidget(stack)
    stack.addWidget(first)
    stack.addWidget(second)
    QPushButton("&Print", first)
    QPushButton("&Preview", second)  # never seen beside Print
    QPushButton("&Send", second)
    QLabel("&Size", second).setBuddy(QLineEdit(second))
    QLabel("&Name", second)  # its key goes nowhere
    assert alt_key_problems(window) == [
        "no Alt-key: 'Close'",
        "Alt-key to nothing: '&Name'",
        "Alt+s: '&Save' and '&Send'",
        "Alt+s: '&Save' and '&Size'",  # a field's name holds a key as a button does
        "Alt+s: '&Send' and '&Size'",
    ]


def test_a_dialog_is_given_them_when_shown(qtbot, context: AppContext, fitter: None) -> None:  # type: ignore[no-untyped-def]
    dialog = NotificationsDialog(context)
    qtbot.addWidget(dialog)
    assert dialog.all_read_button.text() == "Mark all read"
    dialog.show()
    assert alt_key(dialog.all_read_button.text())
    assert alt_key_problems(dialog) == []


def test_the_case_window_as_the_case_moves_on(  # type: ignore[no-untyped-def]
    qtbot, manager_context: AppContext, case_id: int, database, people, fitter: None
) -> None:
    """The Stage tab's actions change as a case moves on; those without a fixed letter
    keep clear of the window's (Close case and Close were both Alt+L), and an adult
    case's Regrade and longer period leave Close its letter."""
    from crm_desktop.domain.enums import Outcome, Procedure, StageCode
    from crm_desktop.domain.workflow import Action
    from crm_desktop.services.cases import PointInput
    from tests.ui.conftest import bins_case
    from tests.ui.test_case_flow import _act, _record_outcomes

    dialog = open_case(qtbot, manager_context, case_id)
    _act(dialog, Action.ACKNOWLEDGE, dt.date(2025, 5, 2))
    _record_outcomes(dialog, [Outcome.UPHELD])
    _act(dialog, Action.RESPOND, dt.date(2025, 5, 9))
    assert Action.CLOSE_CASE in dialog.stage_tab.action_buttons
    assert alt_key_problems(dialog) == []
    adult = bins_case(
        database,
        people,
        procedure=Procedure.ADULT,
        service_area="Urgent Care",
        directorate=None,
        points=[PointInput("Direct Payments", "Late")],
        grade=StageCode.LOW,
    )
    window = open_case(qtbot, manager_context, adult)
    assert alt_key_problems(window) == []


def _activate(qtbot, window: QWidget) -> None:  # type: ignore[no-untyped-def]
    """Keys reach a window's shortcuts only when it is the active window."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)


def _press(qtbot, keys: str, modifier: Qt.KeyboardModifier) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key(ord(keys.upper())), modifier)


def _fields_reached_by_their_keys(qtbot, window: QWidget, away: QWidget) -> list[str]:  # type: ignore[no-untyped-def]
    """Press each shown field name's Alt-key (from ``away``, or from the next field
    when that is the one) and see the focus arrive in its field (one switched off, as
    Team is where a procedure has no teams, takes no focus); the names pressed."""
    pressed = []
    for label in window.findChildren(QLabel):
        key = alt_key(label.text())
        if key is None or not label.isVisibleTo(window):
            continue
        field = label.buddy()
        if not field.isEnabled():
            continue
        start = away if field is not away else away.nextInFocusChain()
        start.setFocus()
        qtbot.waitUntil(start.hasFocus)
        boxes = window.findChildren(QCheckBox)
        ticked = [box.isChecked() for box in boxes]
        _press(qtbot, key, Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(field.hasFocus, timeout=1000)
        qtbot.wait(200)  # a click a key gives a box comes a moment later
        # Going to a field changes nothing (a date's "Known" box was ticked by its key).
        assert [box.isChecked() for box in boxes] == ticked, label.text()
        pressed.append(label.text().replace("&", ""))
    return pressed


def test_every_field_of_the_new_case_form_has_an_alt_key_that_goes_to_it(  # type: ignore[no-untyped-def]
    qtbot, context: AppContext, fitter: None
) -> None:
    dialog = open_new_case(qtbot, context)
    _activate(qtbot, dialog)
    named = [label for label in dialog.findChildren(QLabel) if label.buddy() is not None]
    # Every field's name has one; only the two rows that hold fields of their own
    # (whose fields have keys, or the point's button) have none.
    without = sorted(label.text() for label in named if not alt_key(label.text()))
    assert without == ["Complainant", "Complaint points", "Postcode"]
    pressed = _fields_reached_by_their_keys(qtbot, dialog, dialog.summary)
    assert {"Kind", "Received on", "Service area", "Name", "Phone", "Address"} <= set(pressed)
    # The adult procedure shows its grade; its key goes there too.
    dialog.procedure.setCurrentIndex(dialog.procedure.findText("Adult social care"))
    qtbot.waitUntil(lambda: dialog.grade.isVisibleTo(dialog))
    assert "Adult complaint grade" in _fields_reached_by_their_keys(qtbot, dialog, dialog.summary)
    assert alt_key_problems(dialog) == []


def test_every_field_of_the_case_details_has_an_alt_key_that_goes_to_it(  # type: ignore[no-untyped-def]
    qtbot, context: AppContext, case_id: int, fitter: None
) -> None:
    dialog = open_case(qtbot, context, case_id)
    _activate(qtbot, dialog)
    details = dialog.details_tab
    pressed = _fields_reached_by_their_keys(qtbot, dialog, details.summary)
    assert pressed == [
        "How it came in",
        "Directorate",
        "Service area",
        "Events complained about",
        "Complainant learnt of them",
        "Summary",
        "Desired outcome",
    ]
    assert alt_key_problems(dialog) == []


def test_ctrl_and_a_number_go_to_the_case_windows_tabs(  # type: ignore[no-untyped-def]
    qtbot, context: AppContext, case_id: int, database, people
) -> None:
    from crm_desktop.domain.enums import Kind
    from tests.ui.conftest import bins_case

    dialog = open_case(qtbot, context, case_id)
    _activate(qtbot, dialog)
    dialog.details_tab.summary.setFocus()
    tabs = ((2, dialog.points_tab), (3, dialog.stage_tab), (9, dialog.attachments_tab))
    for number, page in tabs:
        _press(qtbot, str(number), Qt.KeyboardModifier.ControlModifier)
        assert dialog.tabs.currentWidget() is page
        # The focus goes into the page shown (Tab goes on from there).
        qtbot.waitUntil(lambda page=page: page.isAncestorOf(QApplication.focusWidget()))
    # The Stage tab is gone to for its actions: the first offered has the focus.
    _press(qtbot, "3", Qt.KeyboardModifier.ControlModifier)
    first_action = next(iter(dialog.stage_tab.action_buttons.values()))
    qtbot.waitUntil(lambda: QApplication.focusWidget() is first_action)
    _press(qtbot, "1", Qt.KeyboardModifier.ControlModifier)
    assert dialog.tabs.currentWidget() is dialog.details_tab
    assert dialog.tabs.tabToolTip(dialog.tabs.indexOf(dialog.stage_tab)).endswith("(Ctrl+3)")
    # A compliment has no points: its tabs are counted as shown.
    compliment = open_case(
        qtbot, context, bins_case(database, people, kind=Kind.COMPLIMENT, points=[])
    )
    _activate(qtbot, compliment)
    assert not compliment.tabs.isTabVisible(compliment.tabs.indexOf(compliment.points_tab))
    _press(qtbot, "2", Qt.KeyboardModifier.ControlModifier)
    assert compliment.tabs.currentWidget() is compliment.stage_tab
    stage_tip = compliment.tabs.tabToolTip(compliment.tabs.indexOf(compliment.stage_tab))
    assert stage_tip.endswith("(Ctrl+2)")
    _press(qtbot, "9", Qt.KeyboardModifier.ControlModifier)  # eight tabs: nothing happens
    assert compliment.tabs.currentWidget() is compliment.stage_tab
