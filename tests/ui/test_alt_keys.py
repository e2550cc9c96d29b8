"""The main buttons have Alt-keys, none held twice in one window, none of the menus'."""

from __future__ import annotations

from collections import Counter

from PySide6.QtWidgets import QAbstractButton, QWidget

from tests.ui.conftest import open_case
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
