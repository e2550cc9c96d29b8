"""The main window: navigation on the left, one page at a time, open cases in their own
windows. Pages reload themselves when the runner announces a change they care about.
Which pages and actions there are is the access policy's answer for the signed-in user
(``context.allows``), never a test of their role."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import QByteArray, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QProgressBar,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QWidget,
)
from shiboken6 import isValid

from crm_desktop import __version__
from crm_desktop.db.database import Database
from crm_desktop.domain.access import Actor
from crm_desktop.operations.core import OpChanges
from crm_desktop.operations.policy import Permission
from ui import theme
from ui.context import AppContext
from ui.fit import fit_on_screen
from ui.icons import icon
from ui.notifier import Notifier
from ui.pages import Page
from ui.runner import Runner
from ui.user_state import UserState
from ui.widgets import give_alt_keys, names_width, window_alt_keys, wrap_names

if TYPE_CHECKING:  # the pages and dialogs are imported when first shown
    from ui.admin_page import AdminPage
    from ui.case_form import CaseDialog
    from ui.cases_page import CasesPage
    from ui.dashboard_page import DashboardPage
    from ui.investigators_page import InvestigatorsPage
    from ui.new_case import NewCaseDialog
    from ui.notifications import NotificationButton
    from ui.privacy_page import PrivacyPage
    from ui.queues_page import MyWorkPage, OmbudsmanPage, QueuesPage
    from ui.reports_page import ReportsPage
    from ui.workspace import InvestigatorWorkspace

PAGE_KEY = "main_window/page"
# The longest line of a page name in the navigation, in characters ("Data protection").
NAV_LINE_CHARACTERS = 15
FIRST_SHARE = 90  # per cent of the screen the window takes on first start


def _dashboard(context: AppContext, parent: QWidget) -> QWidget:
    from ui.dashboard_page import DashboardPage

    return DashboardPage(context, parent)


def _my_work(context: AppContext, parent: QWidget) -> QWidget:
    from ui.queues_page import MyWorkPage

    return MyWorkPage(context, parent)


def _queues(context: AppContext, parent: QWidget) -> QWidget:
    from ui.queues_page import QueuesPage

    return QueuesPage(context, parent)


def _cases(context: AppContext, parent: QWidget) -> QWidget:
    from ui.cases_page import CasesPage

    return CasesPage(context, parent)


def _investigators(context: AppContext, parent: QWidget) -> QWidget:
    from ui.investigators_page import InvestigatorsPage

    return InvestigatorsPage(context, parent)


def _ombudsman(context: AppContext, parent: QWidget) -> QWidget:
    from ui.queues_page import OmbudsmanPage

    return OmbudsmanPage(context, parent)


def _reports(context: AppContext, parent: QWidget) -> QWidget:
    from ui.reports_page import ReportsPage

    return ReportsPage(context, parent)


def _code(context: AppContext, parent: QWidget) -> QWidget:
    from ui.code_page import CodePage

    return CodePage(context, parent)


def _privacy(context: AppContext, parent: QWidget) -> QWidget:
    from ui.privacy_page import PrivacyPage

    return PrivacyPage(context, parent)


def _admin(context: AppContext, parent: QWidget) -> QWidget:
    from ui.admin_page import AdminPage

    return AdminPage(context, parent)


def _always(_context: AppContext) -> bool:
    return True


@dataclass(frozen=True)
class PageSpec:
    """A page of the main window: built the first time it is shown."""

    name: str
    icon: str
    build: Callable[[AppContext, QWidget], QWidget]
    allowed: Callable[[AppContext], bool] = _always


PAGES: tuple[PageSpec, ...] = (
    PageSpec("Dashboard", "layout-dashboard", _dashboard),
    PageSpec("My work", "briefcase", _my_work),
    PageSpec("Queues", "list-check", _queues),
    PageSpec("Cases", "folders", _cases),
    PageSpec(
        "Investigators",
        "user-search",
        _investigators,
        lambda c: c.allows(Permission.MANAGE_POOL),
    ),
    PageSpec("Ombudsman", "scale", _ombudsman),
    PageSpec("Reports", "report-analytics", _reports, lambda c: c.allows(Permission.RUN_REPORTS)),
    PageSpec(
        "Complaint Handling Code",
        "file-text",
        _code,
        lambda c: c.allows(Permission.RUN_REPORTS),
    ),
    PageSpec(
        "Data protection",
        "shield-lock",
        _privacy,
        lambda c: c.allows(Permission.MANAGE_PRIVACY),
    ),
    PageSpec(
        "Admin",
        "settings",
        _admin,
        lambda c: c.allows(Permission.MANAGE_REFERENCE_DATA) or c.allows(Permission.MANAGE_USERS),
    ),
)


def page_keys(number: int) -> str | None:
    """The keys that show the page in position ``number`` (from 1): Ctrl+1 to Ctrl+9,
    then Ctrl+0 for the tenth, as the number keys run."""
    if number <= 9:
        return f"Ctrl+{number}"
    return "Ctrl+0" if number == 10 else None


class PendingPage(QWidget):
    """Stands in the page stack for a page not built yet."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name.title().replace(" ", "") + "Pending")


class MainWindow(QMainWindow):
    sign_out_requested = Signal()
    switch_user_requested = Signal()
    closed = Signal()  # the window closed (after asking about unsaved work)

    def __init__(
        self,
        runner: Runner | None = None,
        notifier: Notifier | None = None,
        parent: QWidget | None = None,
        *,
        context: AppContext | None = None,
    ) -> None:
        super().__init__(parent)
        if context is None:
            assert runner is not None and notifier is not None
            context = AppContext(runner, notifier)
        self.context = context
        self.runner = context.runner
        self.notifier = context.notifier
        self.state = UserState.of(context)
        self.case_windows: dict[int, CaseDialog] = {}
        self.new_case_dialog: NewCaseDialog | None = None
        self.help_dialog: QWidget | None = None
        self.signing_out = False  # closing to sign out, not to leave the program
        self.replacing = False  # closing because another user signed in
        self.open_failed = False  # the database could not be opened
        self.setObjectName("MainWindow")
        self.workspace: InvestigatorWorkspace | None = None
        self._icons: list[tuple[Any, str]] = []  # (widget, action or item; icon name)
        self.theme = str(self.state.value(theme.THEME_KEY, theme.SYSTEM))
        theme.apply(self.theme)
        if context.actor is not None and not context.allows(Permission.SEE_CASES):
            self._build_workspace()  # an investigator sees their own cases and nothing else
            return

        self.nav = QListWidget(self)
        self.nav.setObjectName("Navigation")
        self.nav.setAccessibleName("Navigation")
        self.stack = QStackedWidget(self)
        self.stack.setObjectName("Pages")
        self.pages: dict[str, QWidget] = {}
        self._specs: dict[str, PageSpec] = {}
        for spec in PAGES:
            if spec.allowed(context):
                self._add_page(spec)

        splitter = QSplitter(self)
        splitter.setObjectName("MainSplitter")
        splitter.addWidget(self.nav)
        splitter.addWidget(self.stack)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        # The navigation as wide as its longest name with its icon, at any scaling; a long
        # name ("Complaint Handling Code") wraps onto two lines rather than widening it.
        wrap_names(self.nav)
        icon_size = self.nav.style().pixelMetric(self.nav.style().PixelMetric.PM_SmallIconSize)
        width = names_width(self.nav, self.pages, NAV_LINE_CHARACTERS, icon_size)
        self.nav.setMinimumWidth(width)
        splitter.setSizes([width, width * 6])
        self.splitter = splitter
        self.setCentralWidget(splitter)
        self.nav.currentRowChanged.connect(self._page_chosen)

        self._build_actions()
        toolbar = QToolBar("Main", self)
        toolbar.setObjectName("MainToolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toolbar.addAction(self.new_case_action)
        toolbar.addAction(self.find_action)
        toolbar.addAction(self.refresh_action)
        from ui.notifications import NotificationButton

        self.notifications: NotificationButton = NotificationButton(context, self)
        self.notifications.open_case.connect(self.open_case)
        self.notifications.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self._remember_icon(self.notifications, "bell")
        toolbar.addWidget(self.notifications)
        self.addToolBar(toolbar)
        self._build_menus()
        self._build_status_bar()
        self._restore_layout()
        self._apply_icons()

    def _build_status_bar(self) -> None:
        """Work in progress, what the window is doing, who is signed in, which database:
        the same for every kind of user."""
        bar = self.statusBar()
        self.busy = QProgressBar(self)
        self.busy.setObjectName("BusyIndicator")
        self.busy.setAccessibleName("Working")
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(self.fontMetrics().horizontalAdvance("M") * 8)
        self.busy.setVisible(False)
        self.busy_label = QLabel("", self)
        bar.addWidget(self.busy_label)
        bar.addWidget(self.busy)
        self.status_text = QLabel("Opening the database…", self)
        bar.addWidget(self.status_text, 1)
        self.user_label = QLabel("", self)
        self.user_label.setObjectName("UserLabel")
        bar.addPermanentWidget(self.user_label)
        self.database_label = QLabel("", self)
        bar.addPermanentWidget(self.database_label)
        self.runner.busy_changed.connect(self._show_busy)
        self.runner.changed.connect(self._data_changed)
        self._show_actor(self.context.actor)

    # -- pages -------------------------------------------------------------------------

    def _add_page(self, spec: PageSpec) -> None:
        placeholder = PendingPage(spec.name, self.stack)
        self.pages[spec.name] = placeholder
        self._specs[spec.name] = spec
        self.stack.addWidget(placeholder)
        item = QListWidgetItem(spec.name, self.nav)
        item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{spec.name} page")
        keys = page_keys(len(self.pages))
        item.setToolTip(f"{spec.name} ({keys})" if keys else spec.name)
        self._remember_icon(item, spec.icon)

    def page(self, name: str) -> QWidget:
        """The named page, built now if it has not been shown before."""
        page = self.pages[name]
        if not isinstance(page, PendingPage):
            return page
        built = self._specs[name].build(self.context, self)
        index = self.stack.indexOf(page)
        current = self.stack.currentWidget() is page
        self.stack.insertWidget(index, built)
        self.stack.removeWidget(page)
        page.deleteLater()
        self.pages[name] = built
        # The window's were given when it was shown, before this page was built.
        give_alt_keys(built, window_alt_keys(self))
        if isinstance(built, Page):
            built.open_case.connect(self.open_case)
        if self.open_failed and name == "Cases":
            self.count_label.setText("No database open.")
        if current:
            self.stack.setCurrentWidget(built)
        return built

    def built_page(self, name: str) -> QWidget | None:
        """The named page if it has been built, else None (nothing is built)."""
        page = self.pages.get(name)
        return None if page is None or isinstance(page, PendingPage) else page

    def _build_workspace(self) -> None:
        """The window of an investigator: their workspace only, no navigation."""
        from ui.workspace import InvestigatorWorkspace

        self.workspace = InvestigatorWorkspace(self.context, self)
        self.pages = {"My cases": self.workspace}
        self._specs = {}
        self.stack = QStackedWidget(self)
        self.stack.setObjectName("Pages")
        self.stack.addWidget(self.workspace)
        self.setCentralWidget(self.stack)
        self.workspace.active = True
        self._build_actions()
        self.refresh_action.setToolTip("Load your cases again (F5)")
        toolbar = QToolBar("Main", self)
        toolbar.setObjectName("MainToolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toolbar.addAction(self.refresh_action)
        self.addToolBar(toolbar)
        self._build_menus()
        self._build_status_bar()
        metrics = self.fontMetrics()
        self.resize(metrics.horizontalAdvance("M") * 100, metrics.height() * 44)
        self._apply_icons()

    # -- actions and menus -------------------------------------------------------------

    def _action(
        self,
        text: str,
        slot: Callable[[], object],
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
        icon_name: str | None = None,
        tip: str | None = None,
    ) -> QAction:
        action = QAction(text, self)
        action.setObjectName(
            text.replace("&", "").replace("…", "").title().replace(" ", "") + "Action"
        )
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        plain = text.replace("&", "").replace("…", "")
        action.setToolTip(f"{tip or plain} ({keys})" if keys else (tip or plain))
        action.setStatusTip(tip or plain)
        action.triggered.connect(lambda _checked=False: slot())
        if icon_name is not None:
            self._remember_icon(action, icon_name)
        return action

    def _build_actions(self) -> None:
        """The commands every window has; then, outside the investigator's workspace, the
        case list's, the pages' and the tools'."""
        self.refresh_action = self._action(
            "&Refresh",
            self.refresh,
            QKeySequence.StandardKey.Refresh,
            "refresh",
            "Load this page again",
        )
        self.sign_out_action = self._action(
            "Sign &out",
            self.sign_out,
            "Ctrl+Shift+Q",
            "logout",
            "Close the window and go back to the sign-in screen",
        )
        self.change_password_action = self._action(
            "Change &password…",
            self.change_password,
            None,
            "shield-lock",
            "Change the password you sign in with",
        )
        self.change_password_action.setVisible(self.context.allows(Permission.OWN_PASSWORD))
        self.switch_user_action = self._action(
            "S&witch user…",
            self.switch_user,
            "Ctrl+Shift+U",
            "users",
            "Sign in as someone else on this computer",
        )
        self.quit_action = self._action(
            "E&xit", self.close, QKeySequence.StandardKey.Quit, "door-exit", "Close CRM Desktop"
        )
        if self.quit_action.shortcut().isEmpty():  # Windows has no standard key for quitting
            self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
            self.quit_action.setToolTip("Close CRM Desktop (Ctrl+Q)")
        self.full_screen_action = self._action(
            "&Full screen", self.toggle_full_screen, QKeySequence.StandardKey.FullScreen
        )
        if self.full_screen_action.shortcut().isEmpty():
            self.full_screen_action.setShortcut(QKeySequence("F11"))
        self.guide_action = self._action(
            "&User guide", self.show_guide, QKeySequence.StandardKey.HelpContents, "book"
        )
        if self.guide_action.shortcut().isEmpty():
            self.guide_action.setShortcut(QKeySequence("F1"))
        self.shortcuts_action = self._action(
            "&Keyboard shortcuts", self.show_shortcuts, "Ctrl+/", "keyboard"
        )
        self.about_action = self._action("&About CRM Desktop", self.show_about, None, "info-circle")
        self.theme_actions: dict[str, QAction] = {}
        group = QActionGroup(self)
        group.setExclusive(True)
        for key, label in theme.THEMES.items():
            action = QAction(label, self)
            action.setObjectName(f"Theme{key.title()}Action")
            action.setCheckable(True)
            action.setChecked(key == self.theme)
            action.triggered.connect(lambda _c=False, k=key: self.set_theme(k))
            group.addAction(action)
            self.theme_actions[key] = action
        self.page_actions: list[QAction] = []
        if self.workspace is not None:
            return

        self.new_case_action = self._action(
            "&New case…",
            self.new_case,
            QKeySequence.StandardKey.New,
            "file-plus",
            "Record a new complaint, compliment or comment",
        )
        self.new_case_action.setEnabled(self.context.allows(Permission.WORK_CASES))
        self.find_action = self._action(
            "&Find cases…",
            self.focus_search,
            QKeySequence.StandardKey.Find,
            "search",
            "Search the case list by reference, name or text",
        )
        self.clear_filters_action = self._action(
            "&Clear search and filters",
            self.clear_filters,
            "Ctrl+Shift+L",
            None,
            "Show every case again",
        )
        self.close_cases_action = self._action(
            "&Close all case windows", self.close_case_windows, "Ctrl+Shift+W", "x"
        )
        self.notifications_action = self._action(
            "&Notifications…", self.show_notifications, "Ctrl+Shift+N", "bell"
        )
        self.report_action = self._action(
            "&Annual report…", lambda: self.show_page("Reports"), None, "file-text"
        )
        self.import_action = self._action(
            "&Import cases from a file…", self.import_cases, None, "file-import"
        )
        self.report_action.setVisible("Reports" in self.pages)
        self.import_action.setVisible(
            "Reports" in self.pages and self.context.allows(Permission.IMPORT_CASES)
        )
        for number, name in enumerate(self.pages, start=1):
            action = self._action(
                name,
                functools.partial(self.show_page, name),
                page_keys(number),
                self._specs[name].icon,
                f"Show the {name} page",
            )
            self.page_actions.append(action)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        bar.setObjectName("MenuBar")
        bar.setAccessibleName("Menu bar")

        def menu(title: str, *items: QAction | QMenu | None) -> QMenu:
            result = QMenu(title, self)
            result.setObjectName(title.replace("&", "") + "Menu")
            for item in items:
                if item is None:
                    result.addSeparator()
                elif isinstance(item, QMenu):
                    result.addMenu(item)
                else:
                    result.addAction(item)
            bar.addMenu(result)
            return result

        cases = self.workspace is None
        self.file_menu = menu(
            "&File",
            self.change_password_action,
            None,
            self.sign_out_action,
            self.switch_user_action,
            None,
            self.quit_action,
        )
        if cases:
            self.edit_menu = menu("&Edit", self.find_action, self.clear_filters_action)
        theme_menu = QMenu("&Theme", self)
        theme_menu.setObjectName("ThemeMenu")
        self._remember_icon(theme_menu.menuAction(), "palette")
        for action in self.theme_actions.values():
            theme_menu.addAction(action)
        self.view_menu = menu(
            "&View",
            *self.page_actions,
            *([None] if self.page_actions else []),
            self.refresh_action,
            self.full_screen_action,
            None,
            theme_menu,
        )
        if cases:
            self.case_menu = menu(
                "&Case", self.new_case_action, self.find_action, None, self.close_cases_action
            )
            self.tools_menu = menu(
                "&Tools", self.notifications_action, self.report_action, self.import_action
            )
        self.help_menu = menu(
            "&Help", self.guide_action, self.shortcuts_action, None, self.about_action
        )

    def shortcut_list(self) -> list[tuple[str, str, str]]:
        """(menu, command, keys) for every menu command that has a shortcut, in menu
        order; then the keys that work inside the lists and the case window."""
        rows: list[tuple[str, str, str]] = []

        def walk(menu: QMenu, path: str) -> None:
            for action in menu.actions():
                if action.menu() is not None:
                    sub = cast(QMenu, action.menu())
                    walk(sub, f"{path} › {sub.title().replace('&', '')}")
                elif not action.isSeparator() and action.isVisible():
                    keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
                    if keys:
                        text = action.text().replace("&", "").replace("…", "")
                        rows.append((path, text, keys))

        for action in self.menuBar().actions():
            sub = action.menu()
            if isinstance(sub, QMenu) and action.isVisible():
                walk(sub, sub.title().replace("&", ""))
        rows += [
            ("Lists", "Open the selected case", "Enter"),
            (
                "Case window",
                "Save the details",
                QKeySequence(QKeySequence.StandardKey.Save).toString(
                    QKeySequence.SequenceFormat.NativeText
                ),
            ),
            ("Case window", "Next / previous tab", "Ctrl+Tab / Ctrl+Shift+Tab"),
            ("Case window", "The first to the ninth tab", "Ctrl+1 to Ctrl+9"),
            ("Forms", "Go to a field", "Alt + the underlined letter of its name"),
            ("Case window", "Close it (asks first if something typed is not saved)", "Ctrl+W"),
            ("Cases list", "From the search box to the results", "Down"),
            ("Windows and dialogs", "Close (asks first if something typed is not saved)", "Esc"),
            ("Windows and dialogs", "Next / previous field", "Tab / Shift+Tab"),
            ("Menus", "Open a menu", "Alt + the underlined letter"),
        ]
        return rows

    # -- icons and theme ---------------------------------------------------------------

    def _remember_icon(self, target: Any, name: str) -> None:
        self._icons.append((target, name))

    def _apply_icons(self) -> None:
        for target, name in self._icons:
            try:
                target.setIcon(icon(name))
            except RuntimeError:  # a deleted widget
                continue

    def set_theme(self, key: str) -> None:
        """Use a light, dark or the system's theme, remembered for this user."""
        self.theme = key
        self.state.set_value(theme.THEME_KEY, key)
        theme.apply(key)
        self._apply_icons()
        action = self.theme_actions.get(key)
        if action is not None:
            action.setChecked(True)

    # -- commands ----------------------------------------------------------------------

    def show_page(self, name: str) -> QWidget:
        names = list(self.pages)
        if self.workspace is None:
            self.nav.setCurrentRow(names.index(name))
        page = self.page(name)
        if self.stack.currentWidget() is not page:
            self.stack.setCurrentWidget(page)
        if isinstance(page, Page):
            page.activate()  # loads it if it has not been (it was chosen before it was built)
        return page

    @property
    def current_page(self) -> QWidget | None:
        self._build_current()
        return self.stack.currentWidget()

    def _page_chosen(self, row: int) -> None:
        if row < 0:
            return
        previous = self.stack.currentWidget()
        if isinstance(previous, Page):
            previous.deactivate()
        name = list(self.pages)[row]
        page = self.page(name)
        self.stack.setCurrentWidget(page)
        if isinstance(page, Page):
            page.activate()
        self.state.set_value(PAGE_KEY, name)

    def refresh(self) -> None:
        page = self.stack.currentWidget()
        if isinstance(page, Page) and self.context.database is not None:
            page.stale = True
            page.activate()

    def focus_search(self) -> None:
        self.show_page("Cases")
        self.cases.focus_search()

    def clear_filters(self) -> None:
        self.show_page("Cases")
        self.cases.clear_filters()

    def close_case_windows(self) -> bool:
        """Close every case window (each asks first if it has unsaved changes)."""
        return all(dialog.close() for dialog in list(self.case_windows.values()))

    def toggle_full_screen(self) -> None:
        self.setWindowState(self.windowState() ^ Qt.WindowState.WindowFullScreen)

    def show_notifications(self) -> None:
        notifications = getattr(self, "notifications", None)
        if notifications is not None and self.context.database is not None:
            notifications.show_list()

    def import_cases(self) -> None:
        reports = cast("ReportsPage", self.show_page("Reports"))
        reports.open_import_wizard()

    def sign_out(self) -> None:
        """Close every window (asking about unsaved work) and go back to signing in."""
        self.signing_out = True
        if self.close():
            self.sign_out_requested.emit()
        else:
            self.signing_out = False

    def change_password(self) -> QWidget:
        """File › Change password…: the signed-in user's own password."""
        from ui.password_dialog import ChangePasswordDialog

        dialog = ChangePasswordDialog(self.context, self)

        def finished(_result: int) -> None:
            if dialog.changed:
                self.statusBar().showMessage("Your password has been changed.", 5000)

        dialog.finished.connect(finished)
        dialog.open()
        return dialog

    def switch_user(self) -> None:
        """Sign in as someone else; this window closes once they have signed in."""
        self.switch_user_requested.emit()

    def show_about(self) -> QWidget:
        from ui.help import AboutDialog

        dialog = AboutDialog(self.context, self)
        self.help_dialog = dialog
        dialog.open()
        return dialog

    def show_shortcuts(self) -> QWidget:
        from ui.help import ShortcutsDialog

        dialog = ShortcutsDialog(self.shortcut_list(), self)
        self.help_dialog = dialog
        dialog.open()
        return dialog

    def show_guide(self) -> QWidget:
        from ui.help import GuideDialog

        dialog = GuideDialog(self)
        self.help_dialog = dialog
        dialog.show()
        return dialog

    # -- the pages by name (built when first asked for) ----------------------------------

    @property
    def dashboard(self) -> DashboardPage:
        return cast("DashboardPage", self.page("Dashboard"))

    @property
    def my_work(self) -> MyWorkPage:
        return cast("MyWorkPage", self.page("My work"))

    @property
    def queues(self) -> QueuesPage:
        return cast("QueuesPage", self.page("Queues"))

    @property
    def cases(self) -> CasesPage:
        return cast("CasesPage", self.page("Cases"))

    @property
    def investigators(self) -> InvestigatorsPage:
        return cast("InvestigatorsPage", self.page("Investigators"))

    @property
    def ombudsman(self) -> OmbudsmanPage:
        return cast("OmbudsmanPage", self.page("Ombudsman"))

    @property
    def reports(self) -> ReportsPage:
        return cast("ReportsPage", self.page("Reports"))

    @property
    def privacy(self) -> PrivacyPage | None:
        return (
            cast("PrivacyPage", self.page("Data protection"))
            if "Data protection" in self.pages
            else None
        )

    @property
    def admin(self) -> AdminPage | None:
        return cast("AdminPage", self.page("Admin")) if "Admin" in self.pages else None

    # -- compatibility: the case list's widgets ----------------------------------------

    @property
    def case_model(self):  # type: ignore[no-untyped-def]
        return self.cases.case_model

    @property
    def case_table(self):  # type: ignore[no-untyped-def]
        return self.cases.case_table

    @property
    def search_box(self):  # type: ignore[no-untyped-def]
        return self.cases.search_box

    @property
    def count_label(self) -> QLabel:
        return self.cases.count_label

    @property
    def database(self) -> Database | None:
        return self.context.database

    # -- database and user -------------------------------------------------------------

    def set_database(self, database: Database) -> None:
        self.context.database = database
        self.database_label.setText(f"{database.plain_name}  ·  version {__version__}")
        self.status_text.setText("")
        for warning in database.warnings:
            self.notifier.warning("Shared database", warning)
        page = self.stack.currentWidget()
        if isinstance(page, Page):
            page.activate()
        notifications = getattr(self, "notifications", None)
        if notifications is not None:
            # The page shown first; the unread count (which loads the correspondence
            # code) once the page's rows are in.
            self.when_idle(notifications.refresh)

    def when_idle(self, work: Callable[[], None]) -> None:
        """Run ``work`` now if the runner has nothing running, else from the event loop
        once it has finished (after the finished work's answer is shown): for what the
        first screen can do without."""
        if not self.runner.busy:
            work()
            return

        def idle(busy: bool) -> None:
            if not busy:
                self.runner.busy_changed.disconnect(idle)
                if isValid(self):  # not if the window has gone in the meantime
                    QTimer.singleShot(0, self, work)

        self.runner.busy_changed.connect(idle)

    def database_failed(self, message: str) -> None:
        self.status_text.setText("No database open.")
        self.open_failed = True
        if self.workspace is None and self.built_page("Cases") is not None:
            self.count_label.setText("No database open.")
        self.notifier.error("Cannot open the database", message)

    def _show_actor(self, actor: Actor | None) -> None:
        if actor is None:
            self.setWindowTitle("CRM Desktop")
            return
        name = actor.display_name or actor.username
        self.setWindowTitle(f"CRM Desktop – {name}")
        self.user_label.setText(f"Signed in as {name} ({actor.role.value})")

    def _data_changed(self, changes: OpChanges) -> None:
        for page in self.pages.values():
            if isinstance(page, Page):
                page.data_changed(changes)

    def _show_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.busy_label.setText("Working…" if busy else "")

    # -- cases -------------------------------------------------------------------------

    def open_case(self, case_id: int) -> CaseDialog | None:
        if self.context.database is None:
            return None
        dialog = self.case_windows.get(case_id)
        if dialog is not None and dialog.isVisible():
            dialog.raise_()
            dialog.activateWindow()
            return dialog
        from ui.case_form import CaseDialog

        dialog = CaseDialog(self.context, case_id, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.destroyed.connect(lambda _=None, c=case_id: self.case_windows.pop(c, None))
        self.case_windows[case_id] = dialog
        dialog.show()
        return dialog

    def new_case(self) -> NewCaseDialog | None:
        if self.context.database is None or not self.context.allows(Permission.WORK_CASES):
            return None
        if self.new_case_dialog is not None and self.new_case_dialog.isVisible():
            self.new_case_dialog.raise_()
            return self.new_case_dialog
        from ui.new_case import NewCaseDialog

        dialog = NewCaseDialog(self.context, self)
        dialog.created.connect(lambda created: self.open_case(created.case_id))
        self.new_case_dialog = dialog
        dialog.open()
        return dialog

    # -- layout ------------------------------------------------------------------------

    def _restore_layout(self) -> None:
        state = self.state
        geometry = state.value("main_window/geometry")
        if isinstance(geometry, QByteArray) and self.restoreGeometry(geometry):
            fit_on_screen(self)
        else:
            # First start: most of the screen (the case list's Due and Owner columns and
            # the Admin page's sections need the room), at least 100 by 48 characters.
            metrics = self.fontMetrics()
            width, height = metrics.horizontalAdvance("M") * 100, metrics.height() * 48
            screen = self.screen() or QGuiApplication.primaryScreen()
            if screen is not None:
                room = screen.availableGeometry()
                width = max(width, room.width() * FIRST_SHARE // 100)
                height = max(height, room.height() * FIRST_SHARE // 100)
                self.move(room.x() + (room.width() - width) // 2, room.y())
            self.resize(width, height)
            fit_on_screen(self)
        window_state = state.value("main_window/state")
        if isinstance(window_state, QByteArray):
            self.restoreState(window_state)
        splitter = state.value("main_window/splitter")
        if isinstance(splitter, QByteArray):
            self.splitter.restoreState(splitter)
        page = str(state.value(PAGE_KEY, "Dashboard"))
        row = list(self.pages).index(page) if page in self.pages else 0
        self.nav.blockSignals(True)
        self.nav.setCurrentRow(row)
        self.nav.blockSignals(False)
        self.stack.setCurrentIndex(row)  # built when the window is shown

    def _build_current(self) -> None:
        """Build the page on show (the restored page, unless another was chosen first)."""
        if self.workspace is not None or self.nav.currentRow() < 0:
            return
        name = list(self.pages)[self.nav.currentRow()]
        if self.built_page(name) is not None:
            return
        current = self.page(name)
        self.stack.setCurrentWidget(current)
        if isinstance(current, Page):
            current.active = True
            if self.context.database is not None:
                current.activate()

    def showEvent(self, event: Any) -> None:
        self._build_current()
        super().showEvent(event)
        fit_on_screen(self)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.workspace is not None:
            super().closeEvent(event)
            self.closed.emit()
            return
        if not self.close_case_windows():
            event.ignore()
            return
        state = self.state
        state.set_value("main_window/geometry", self.saveGeometry())
        state.set_value("main_window/state", self.saveState())
        state.set_value("main_window/splitter", self.splitter.saveState())
        cases = self.built_page("Cases")
        if cases is not None:
            self.cases.save_layout()
        super().closeEvent(event)
        self.closed.emit()
