"""Desktop conventions: the menu bar with every command and its keys, Help (About, the
shortcuts, the guide), themes and the other things remembered per user, icons, a window
brought back on screen, signing out and switching user, Enter on the first-run screen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray, QRect, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QPalette
from PySide6.QtWidgets import QApplication, QMenu, QWidget

from crm_desktop import __version__
from crm_desktop.db.database import Database
from crm_desktop.domain.access import Actor
from tests.ui.conftest import PASSWORD
from ui import theme
from ui.app import SignInFlow
from ui.context import AppContext
from ui.files import remember_folder, remembered_start
from ui.fit import on_screen
from ui.help import AboutDialog, GuideDialog, ShortcutsDialog
from ui.icons import icon, icon_names
from ui.main_window import PAGES, MainWindow
from ui.notifier import RecordingNotifier
from ui.runner import Runner
from ui.sign_in import SignInDialog
from ui.user_state import UserState


@pytest.fixture(autouse=True)
def _light_afterwards() -> Iterator[None]:
    yield
    theme.apply(theme.LIGHT)


def _window(qtbot, context: AppContext) -> MainWindow:  # type: ignore[no-untyped-def]
    window = MainWindow(context=context)
    qtbot.addWidget(window)
    window.show()
    window.set_database(context.require_database())
    return window


def _menu_actions(window: MainWindow) -> list[tuple[str, QAction]]:
    found: list[tuple[str, QAction]] = []

    def walk(menu: QMenu) -> None:
        for action in menu.actions():
            sub = action.menu()
            if isinstance(sub, QMenu):
                walk(sub)
            elif not action.isSeparator():
                found.append((menu.title(), action))

    for action in window.menuBar().actions():
        sub = action.menu()
        if isinstance(sub, QMenu) and action.isVisible():
            walk(sub)
    return found


def test_the_menu_bar_has_every_command_with_its_keys(
    qtbot,  # type: ignore[no-untyped-def]
    manager_context: AppContext,
) -> None:
    window = _window(qtbot, manager_context)
    titles = [a.text().replace("&", "") for a in window.menuBar().actions() if a.isVisible()]
    assert titles == ["File", "Edit", "View", "Case", "Tools", "Help"]
    actions = {id(a): a for _menu, a in _menu_actions(window)}.values()
    texts = {a.text().replace("&", "").replace("…", "") for a in actions}
    for wanted in (
        "New case",
        "Find cases",
        "Refresh",
        "Sign out",
        "Switch user",
        "Exit",
        "User guide",
        "Keyboard shortcuts",
        "About CRM Desktop",
        "Import cases from a file",
        *window.pages,
    ):
        assert wanted in texts, wanted
    # Every page has Ctrl+number; no two commands share keys.
    keys = [a.shortcut().toString() for a in actions if not a.shortcut().isEmpty()]
    assert len(keys) == len(set(keys)), keys
    for number, name in enumerate(window.pages, start=1):
        action = next(a for a in actions if a.text() == name)
        assert action.shortcut() == QKeySequence(f"Ctrl+{number % 10}")
        assert not action.icon().isNull()
    # The shortcuts list names every command that has keys, with those keys.
    listed = {(command, keys) for _where, command, keys in window.shortcut_list()}
    for action in actions:
        if not action.shortcut().isEmpty() and action.isVisible():
            text = action.text().replace("&", "").replace("…", "")
            shown = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            assert (text, shown) in listed
    # A command's tooltip carries its keys.
    assert "Ctrl+N" in window.new_case_action.toolTip()


def test_menu_commands_work_from_the_keyboard(qtbot, manager_context: AppContext) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, manager_context)
    with qtbot.waitActive(window):
        window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    assert window.current_page is window.cases
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert window.current_page is window.dashboard
    window.shortcuts_action.trigger()
    assert isinstance(window.help_dialog, ShortcutsDialog)
    assert window.help_dialog.table.rowCount() == len(window.shortcut_list())
    window.help_dialog.close()


def test_navigation_and_toolbar_have_icons_from_the_bundled_set(
    qtbot,  # type: ignore[no-untyped-def]
    manager_context: AppContext,
) -> None:
    window = _window(qtbot, manager_context)
    names = set(icon_names())
    assert {spec.icon for spec in PAGES} <= names
    for row in range(window.nav.count()):
        assert not window.nav.item(row).icon().isNull()
    for action in (window.new_case_action, window.refresh_action, window.find_action):
        assert not action.icon().isNull()
    assert not window.notifications.icon().isNull()
    for name in names:
        assert not icon(name).pixmap(24, 24).isNull()


def test_about_names_the_version_the_database_and_the_licences(
    qtbot,  # type: ignore[no-untyped-def]
    manager_context: AppContext,
) -> None:
    window = _window(qtbot, manager_context)
    window.about_action.trigger()
    about = window.help_dialog
    assert isinstance(about, AboutDialog)
    text = about.summary.text()
    assert __version__ in text
    assert manager_context.require_database().display_url in text
    parts = {
        about.licences.item(r, 0).text(): about.licences.item(r, 2).text()
        for r in range(about.licences.rowCount())
    }
    assert parts["Tabler Icons"] == "MIT"
    assert "LGPL" in parts["PySide6-Essentials"]
    assert parts["SQLAlchemy"] == "MIT"
    about.close()
    window.guide_action.trigger()
    guide = window.help_dialog
    assert isinstance(guide, GuideDialog)
    assert "Signing in" in guide.browser.toPlainText()
    guide.close()


def test_the_theme_is_chosen_and_remembered_per_user(
    qtbot,  # type: ignore[no-untyped-def]
    manager_context: AppContext,
    people: dict[str, Actor],
) -> None:
    window = _window(qtbot, manager_context)
    window.theme_actions[theme.DARK].trigger()
    window_colour = QApplication.palette().color(QPalette.ColorRole.Window)
    assert window_colour.name() == theme.COLOURS[theme.DARK][QPalette.ColorRole.Window]
    assert UserState("boss").value(theme.THEME_KEY) == theme.DARK
    window.close()
    theme.apply(theme.LIGHT)
    again = _window(qtbot, manager_context)
    assert again.theme == theme.DARK and again.theme_actions[theme.DARK].isChecked()
    again.close()
    manager_context.actor = people["officer"]
    other = _window(qtbot, manager_context)
    assert other.theme == theme.SYSTEM


def test_the_case_list_filter_and_search_are_remembered_per_user(
    qtbot,  # type: ignore[no-untyped-def]
    manager_context: AppContext,
    people: dict[str, Actor],
) -> None:
    window = _window(qtbot, manager_context)
    page = window.cases
    page.filter_boxes["status"].setCurrentIndex(page.filter_boxes["status"].findData("open"))
    page.search_box.setText("COR")
    page.search_box.returnPressed.emit()
    window.close()
    again = _window(qtbot, manager_context)
    assert again.cases.case_model.query.filters == {"status": "open"}
    assert again.cases.search_box.text() == "COR"
    assert again.cases.case_model.query.search == "COR"
    again.close()
    manager_context.actor = people["officer"]
    other = _window(qtbot, manager_context)
    assert other.cases.case_model.query.filters == {}


def test_a_window_saved_off_screen_is_brought_back(qtbot, manager_context: AppContext) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, manager_context)
    screen = QGuiApplication.primaryScreen().availableGeometry()
    window.move(screen.right() + 3000, screen.bottom() + 2000)
    state = UserState("boss")
    state.set_value("main_window/geometry", window.saveGeometry())
    saved = state.value("main_window/geometry")
    assert isinstance(saved, QByteArray)
    window.close()
    again = _window(qtbot, manager_context)
    assert on_screen(again.frameGeometry())
    assert screen.contains(again.frameGeometry())
    assert not on_screen(QRect(screen.right() + 3000, 0, 800, 600))


def test_first_run_screen_answers_enter(qtbot, new_database) -> None:  # type: ignore[no-untyped-def]
    database = new_database("first.db")
    context = AppContext(Runner(synchronous=True), RecordingNotifier(), database=database)
    dialog = SignInDialog(context)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.first_run
    assert dialog.create_button.isDefault() and not dialog.sign_in_button.isDefault()
    # Each field has its Alt-key, as on the sign-in page (Alt+A: "Password again").
    from PySide6.QtWidgets import QLabel

    from ui.widgets import alt_key

    buddies = {
        label.buddy(): alt_key(label.text())
        for label in dialog.findChildren(QLabel)
        if label.buddy()
        in (dialog.new_username, dialog.new_name, dialog.new_password, dialog.new_confirm)
    }
    assert len(buddies) == 4 and all(buddies.values()), buddies
    assert buddies[dialog.new_confirm] == "a"
    qtbot.keyClicks(dialog.new_username, "first")
    qtbot.keyClicks(dialog.new_name, "First Manager")
    qtbot.keyClicks(dialog.new_password, PASSWORD)
    qtbot.keyClicks(dialog.new_confirm, PASSWORD)
    qtbot.keyClick(dialog.new_confirm, Qt.Key.Key_Return)
    assert dialog.actor is not None, dialog.error.text()
    assert dialog.actor.username == "first"


def _sign_in(qtbot, dialog: SignInDialog, username: str) -> None:  # type: ignore[no-untyped-def]
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.username, username)
    qtbot.keyClicks(dialog.password, PASSWORD)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)


def test_sign_out_and_switch_user(qtbot, database: Database, people: dict[str, Actor]) -> None:  # type: ignore[no-untyped-def]
    quits: list[bool] = []
    flow = SignInFlow(
        Runner(synchronous=True), RecordingNotifier(), None, lambda: quits.append(True)
    )
    flow.database_opened(database)
    _sign_in(qtbot, flow.ask(), "officer1")
    first = flow.window
    assert first is not None and first.context.username == "officer1"
    qtbot.addWidget(first)
    # Switching: the first window stays until the other person has signed in.
    first.switch_user_action.trigger()
    assert flow.dialog is not None and first.isVisible()
    _sign_in(qtbot, flow.dialog, "boss")
    second = flow.window
    assert second is not None and second is not first
    qtbot.addWidget(second)
    assert second.context.username == "boss" and first.context.username == "officer1"
    assert not first.isVisible() and quits == []
    # Signing out goes back to the sign-in screen, not out of the program.
    second.sign_out_action.trigger()
    assert not second.isVisible() and quits == []
    assert flow.dialog is not None and flow.dialog.isVisible()
    flow.dialog.reject()
    assert quits == [True]


def test_the_last_folder_is_remembered_per_user_and_dialog(
    qtbot,  # type: ignore[no-untyped-def]
    manager_context: AppContext,
    people: dict[str, Actor],
    tmp_path: Path,
) -> None:
    screen = QWidget()
    qtbot.addWidget(screen)
    screen.context = manager_context  # type: ignore[attr-defined]
    chosen = tmp_path / "letters" / "COR-2025-00001-letter-2025-06-02.pdf"
    chosen.parent.mkdir()
    assert remembered_start(screen, "Save the letter", "x.pdf") == "x.pdf"
    remember_folder(screen, "Save the letter", str(chosen))
    assert remembered_start(screen, "Save the letter", "y.pdf") == str(chosen.parent / "y.pdf")
    assert remembered_start(screen, "Export", "y.xlsx") == "y.xlsx"  # another dialog
    manager_context.actor = people["officer"]
    assert remembered_start(screen, "Save the letter", "y.pdf") == "y.pdf"  # another user


def test_a_page_built_late_still_loads(qtbot, manager_context: AppContext) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(context=manager_context)
    qtbot.addWidget(window)
    window.set_database(manager_context.require_database())  # before the window is shown
    assert window.built_page("Dashboard") is None  # nothing built yet
    page = window.show_page("Dashboard")  # the page it was already on
    assert not page.stale  # type: ignore[attr-defined]
    window.show()
    assert window.show_page("Cases") is window.cases and not window.cases.stale


def test_the_user_guide_tells_a_manager_where_each_setting_is(
    qtbot, manager_context: AppContext
) -> None:  # type: ignore[no-untyped-def]
    from crm_desktop.paths import resource_path
    from ui.admin_page import AdminPage

    guide = resource_path("guide", "user-guide.md").read_text(encoding="utf-8")
    page = AdminPage(manager_context)
    qtbot.addWidget(page)
    tabs = [page.tabs.tabText(i) for i in range(page.tabs.count())]
    assert len(tabs) >= 10
    for name in tabs:
        assert f"**{name}**" in guide, name
    assert "**Add person…**" in guide and "**Send a test email**" in guide


def test_a_queues_case_opens_from_the_keyboard_alone(  # type: ignore[no-untyped-def]
    qtbot, manager_context: AppContext, case_id: int
) -> None:
    """Ctrl+3 to the queues, Down to a queue that holds the case, Tab to its cases,
    Enter: the case opens in its window."""
    window = _window(qtbot, manager_context)
    with qtbot.waitActive(window):
        window.activateWindow()

    def press(key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
        focused = QApplication.focusWidget()
        assert focused is not None
        qtbot.keyClick(focused, key, modifier)

    press(Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    page = window.current_page
    assert page is window.page("Queues")
    qtbot.waitUntil(lambda: bool(page.results))
    holding = [
        name for name, rows in page.results.items() if any(r.case_id == case_id for r in rows)
    ]
    assert holding, "the open complaint is in no queue"
    page.counts_view.setFocus()
    qtbot.waitUntil(page.counts_view.hasFocus)
    names = [page.counts_model.row_at(i).name for i in range(page.counts_model.rowCount())]
    while page.current_queue != holding[0]:
        before = page.current_queue
        up = names.index(holding[0]) < names.index(before)
        press(Qt.Key.Key_Up if up else Qt.Key.Key_Down)
        assert page.current_queue != before, "the arrow keys did not move to another queue"
    while not page.rows_view.hasFocus():
        press(Qt.Key.Key_Tab)
    at = next(i for i, r in enumerate(page.results[holding[0]]) if r.case_id == case_id)
    for _ in range(at):
        press(Qt.Key.Key_Down)
    press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: case_id in window.case_windows)
    assert window.case_windows[case_id].detail is not None
