"""The main window: navigation on the left, one page at a time, open cases in their own
windows. Pages reload themselves when the runner announces a change they care about.
Which pages and actions there are is the access policy's answer for the signed-in user
(``context.allows``), never a test of their role."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QProgressBar,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QWidget,
)

from crm_desktop import __version__
from crm_desktop.db.database import Database
from crm_desktop.domain.access import Actor
from crm_desktop.operations.core import OpChanges
from crm_desktop.operations.policy import Permission
from ui.admin_page import AdminPage
from ui.case_form import CaseDialog
from ui.cases_page import CasesPage
from ui.code_page import CodePage
from ui.context import AppContext
from ui.dashboard_page import DashboardPage
from ui.investigators_page import InvestigatorsPage
from ui.new_case import NewCaseDialog
from ui.notifications import NotificationButton
from ui.notifier import Notifier
from ui.pages import Page
from ui.privacy_page import PrivacyPage
from ui.queues_page import MyWorkPage, OmbudsmanPage, QueuesPage
from ui.reports_page import ReportsPage
from ui.runner import Runner
from ui.workspace import InvestigatorWorkspace

PAGE_KEY = "main_window/page"


class MainWindow(QMainWindow):
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
        self.case_windows: dict[int, CaseDialog] = {}
        self.new_case_dialog: NewCaseDialog | None = None
        self.setObjectName("MainWindow")
        self.workspace: InvestigatorWorkspace | None = None
        if context.actor is not None and not context.allows(Permission.SEE_CASES):
            self._build_workspace()  # an investigator sees their own cases and nothing else
            return

        self.nav = QListWidget(self)
        self.nav.setObjectName("Navigation")
        self.nav.setAccessibleName("Navigation")
        self.stack = QStackedWidget(self)
        self.stack.setObjectName("Pages")
        self.pages: dict[str, QWidget] = {}
        self.dashboard = DashboardPage(context, self)
        self.my_work = MyWorkPage(context, self)
        self.queues = QueuesPage(context, self)
        self.cases = CasesPage(context, self)
        self.ombudsman = OmbudsmanPage(context, self)
        self._add_page("Dashboard", self.dashboard)
        self._add_page("My work", self.my_work)
        self._add_page("Queues", self.queues)
        self._add_page("Cases", self.cases)
        self.investigators = InvestigatorsPage(context, self)
        self._add_page("Investigators", self.investigators)
        self._add_page("Ombudsman", self.ombudsman)
        self.reports = ReportsPage(context, self)
        self._add_page("Reports", self.reports)
        self.code_page = CodePage(context, self)
        self._add_page("Complaint Handling Code", self.code_page)
        self.admin: AdminPage | None = None
        self.privacy: PrivacyPage | None = None
        if context.allows(Permission.MANAGE_PRIVACY):
            self.privacy = PrivacyPage(context, self)
            self._add_page("Data protection", self.privacy)
        if context.allows(Permission.MANAGE_REFERENCE_DATA) or context.allows(
            Permission.MANAGE_USERS
        ):
            self.admin = AdminPage(context, self)
            self._add_page("Admin", self.admin)
        for page in self.pages.values():
            if isinstance(page, Page):
                page.open_case.connect(self.open_case)

        splitter = QSplitter(self)
        splitter.setObjectName("MainSplitter")
        splitter.addWidget(self.nav)
        splitter.addWidget(self.stack)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        width = self.fontMetrics().horizontalAdvance("M") * 11
        splitter.setSizes([width, width * 8])
        self.splitter = splitter
        self.setCentralWidget(splitter)
        self.nav.currentRowChanged.connect(self._page_chosen)

        toolbar = QToolBar("Main", self)
        toolbar.setObjectName("MainToolbar")
        toolbar.setMovable(False)
        self.new_case_action = QAction("New case", self)
        self.new_case_action.setShortcut(QKeySequence.StandardKey.New)
        self.new_case_action.setToolTip("Record a new complaint, compliment or comment (Ctrl+N)")
        self.new_case_action.triggered.connect(self.new_case)
        self.new_case_action.setEnabled(context.allows(Permission.WORK_CASES))
        toolbar.addAction(self.new_case_action)
        self.refresh_action = QAction("Refresh", self)
        self.refresh_action.setShortcut(QKeySequence.StandardKey.Refresh)
        self.refresh_action.setToolTip("Load this page again (F5)")
        self.refresh_action.triggered.connect(self.refresh)
        toolbar.addAction(self.refresh_action)
        self.notifications = NotificationButton(context, self)
        self.notifications.open_case.connect(self.open_case)
        toolbar.addWidget(self.notifications)
        self.addToolBar(toolbar)
        QShortcut(QKeySequence.StandardKey.Find, self, self.focus_search)
        for number, name in enumerate(self.pages, start=1):
            QShortcut(QKeySequence(f"Ctrl+{number}"), self, lambda n=name: self.show_page(n))

        self._build_status_bar()
        self._restore_layout()

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

    def _add_page(self, name: str, page: QWidget) -> None:
        self.pages[name] = page
        self.stack.addWidget(page)
        item = QListWidgetItem(name, self.nav)
        item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{name} page")

    def _build_workspace(self) -> None:
        """The window of an investigator: their workspace only, no navigation."""
        self.workspace = InvestigatorWorkspace(self.context, self)
        self.pages = {"My cases": self.workspace}
        self.stack = QStackedWidget(self)
        self.stack.setObjectName("Pages")
        self.stack.addWidget(self.workspace)
        self.setCentralWidget(self.stack)
        self.workspace.active = True
        toolbar = QToolBar("Main", self)
        toolbar.setObjectName("MainToolbar")
        toolbar.setMovable(False)
        self.refresh_action = QAction("Refresh", self)
        self.refresh_action.setShortcut(QKeySequence.StandardKey.Refresh)
        self.refresh_action.setToolTip("Load your cases again (F5)")
        self.refresh_action.triggered.connect(self.refresh)
        toolbar.addAction(self.refresh_action)
        self.addToolBar(toolbar)
        self._build_status_bar()
        metrics = self.fontMetrics()
        self.resize(metrics.horizontalAdvance("M") * 100, metrics.height() * 44)

    def show_page(self, name: str) -> QWidget:
        names = list(self.pages)
        self.nav.setCurrentRow(names.index(name))
        return self.pages[name]

    @property
    def current_page(self) -> QWidget | None:
        return self.stack.currentWidget()

    def _page_chosen(self, row: int) -> None:
        if row < 0:
            return
        previous = self.stack.currentWidget()
        if isinstance(previous, Page):
            previous.deactivate()
        page = list(self.pages.values())[row]
        self.stack.setCurrentWidget(page)
        if isinstance(page, Page):
            page.activate()
        QSettings().setValue(PAGE_KEY, list(self.pages)[row])

    def refresh(self) -> None:
        page = self.stack.currentWidget()
        if isinstance(page, Page) and self.context.database is not None:
            page.stale = True
            page.activate()

    def focus_search(self) -> None:
        self.show_page("Cases")
        self.cases.focus_search()

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
        self.database_label.setText(f"{database.display_url}  ·  version {__version__}")
        self.status_text.setText("")
        for warning in database.warnings:
            self.notifier.warning("Shared database", warning)
        notifications = getattr(self, "notifications", None)
        if notifications is not None:
            notifications.refresh()
        page = self.stack.currentWidget()
        if isinstance(page, Page):
            page.activate()

    def database_failed(self, message: str) -> None:
        self.status_text.setText("No database open.")
        if self.workspace is None:
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
        dialog = NewCaseDialog(self.context, self)
        dialog.created.connect(lambda created: self.open_case(created.case_id))
        self.new_case_dialog = dialog
        dialog.open()
        return dialog

    # -- layout ------------------------------------------------------------------------

    def _restore_layout(self) -> None:
        settings = QSettings()
        geometry = settings.value("main_window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            metrics = self.fontMetrics()
            self.resize(metrics.horizontalAdvance("M") * 100, metrics.height() * 48)
        state = settings.value("main_window/state")
        if state is not None:
            self.restoreState(state)
        splitter = settings.value("main_window/splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)
        page = str(settings.value(PAGE_KEY, "Dashboard"))
        self.nav.blockSignals(True)
        self.nav.setCurrentRow(list(self.pages).index(page) if page in self.pages else 0)
        self.nav.blockSignals(False)
        self.stack.setCurrentIndex(self.nav.currentRow())
        current = self.stack.currentWidget()
        if isinstance(current, Page):
            current.active = True

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.workspace is not None:
            super().closeEvent(event)
            return
        for dialog in list(self.case_windows.values()):
            if not dialog.close():
                event.ignore()
                return
        settings = QSettings()
        settings.setValue("main_window/geometry", self.saveGeometry())
        settings.setValue("main_window/state", self.saveState())
        settings.setValue("main_window/splitter", self.splitter.saveState())
        self.cases.save_layout()
        super().closeEvent(event)
