"""The main buttons have Alt-keys, none held twice in one window, none of the menus'.
With the program's window watcher, every button has one, and no two buttons that can be
seen at the same time share one (Qt would then only move the focus between them)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QPushButton,
    QStackedWidget,
    QToolButton,
    QWidget,
)
from shiboken6 import getCppPointer

from tests.ui.conftest import open_case
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
    buttons = [
        b
        for b in window.findChildren(QAbstractButton)
        if b.text() and not isinstance(b, QToolButton) and b.window() is window
    ]
    problems = [f"no Alt-key: {b.text()!r}" for b in buttons if alt_key(b.text()) is None]
    marked = [(b, alt_key(b.text()), _pages(b)) for b in buttons if alt_key(b.text())]
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
    assert alt_key_problems(window) == ["no Alt-key: 'Close'", "Alt+s: '&Save' and '&Send'"]


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
