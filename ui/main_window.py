"""The main window: for now, the case list over the whole database."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QTableView,
    QToolBar,
    QWidget,
)

from crm_desktop import __version__
from crm_desktop.db.database import Database
from crm_desktop.errors import UserFacingError
from ui.case_table_model import CaseTableModel
from ui.notifier import Notifier
from ui.runner import Runner


class MainWindow(QMainWindow):
    def __init__(self, runner: Runner, notifier: Notifier, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.notifier = notifier
        self.database: Database | None = None
        self.setWindowTitle("CRM Desktop")
        self.setObjectName("MainWindow")

        self.case_model = CaseTableModel(runner)
        self.case_table = QTableView(self)
        self.case_table.setObjectName("CaseTable")
        self.case_table.setAccessibleName("Cases")
        self.case_table.setModel(self.case_model)
        self.case_table.setSortingEnabled(True)
        self.case_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.case_table.setAlternatingRowColors(True)
        self.case_table.verticalHeader().setVisible(False)
        self.case_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.case_table.horizontalHeader().setStretchLastSection(True)
        self.case_table.horizontalHeader().setSortIndicator(3, Qt.SortOrder.DescendingOrder)
        self.setCentralWidget(self.case_table)

        toolbar = QToolBar("Search", self)
        toolbar.setObjectName("SearchToolbar")
        toolbar.setMovable(False)
        self.search_box = QLineEdit(toolbar)
        self.search_box.setObjectName("QuickSearch")
        self.search_box.setPlaceholderText("Search by reference, name or text  (Ctrl+F)")
        self.search_box.setAccessibleName("Quick search")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.setMinimumWidth(360)
        self.search_box.returnPressed.connect(self._search)
        self.search_box.textChanged.connect(self._search_cleared)
        toolbar.addWidget(QLabel("  Cases  ", toolbar))
        toolbar.addWidget(self.search_box)
        self.addToolBar(toolbar)
        QShortcut(QKeySequence.StandardKey.Find, self, self._focus_search)

        self.count_label = QLabel("Opening the database…", self)
        self.statusBar().addWidget(self.count_label, 1)
        self.database_label = QLabel("", self)
        self.statusBar().addPermanentWidget(self.database_label)

        self.case_model.total_changed.connect(self._show_total)
        self.case_model.loading_changed.connect(self._show_loading)
        self.case_model.failed.connect(self._show_failure)
        runner.changed.connect(self._data_changed)
        self._restore_layout()

    # -- database --------------------------------------------------------------------

    def set_database(self, database: Database) -> None:
        self.database = database
        self.database_label.setText(f"{database.display_url}  ·  version {__version__}")
        for warning in database.warnings:
            self.notifier.warning("Shared database", warning)
        self.case_model.set_database(database)

    def _data_changed(self, what: str) -> None:
        if what == "cases":
            self.case_model.refresh()

    # -- search ----------------------------------------------------------------------

    def _focus_search(self) -> None:
        self.search_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_box.selectAll()

    def _search(self) -> None:
        self.case_model.set_search(self.search_box.text())

    def _search_cleared(self, text: str) -> None:
        if not text:
            self.case_model.set_search("")

    # -- status ----------------------------------------------------------------------

    def _show_total(self, total: int) -> None:
        noun = "case" if total == 1 else "cases"
        searched = " found" if self.case_model.query.search else ""
        self.count_label.setText(f"{total:,} {noun}{searched}")

    def _show_loading(self, loading: bool) -> None:
        if loading and not self.case_model.rowCount():
            self.count_label.setText("Loading cases…")

    def _show_failure(self, exc: BaseException) -> None:
        if isinstance(exc, UserFacingError):
            self.notifier.error("Cannot load the cases", exc.message)
        else:
            self.notifier.error(
                "Cannot load the cases",
                f"Something went wrong loading the case list ({exc.__class__.__name__}). "
                "Try again; if it keeps happening, tell IT.",
            )
        self.count_label.setText("The case list could not be loaded.")

    # -- layout ----------------------------------------------------------------------

    def _restore_layout(self) -> None:
        settings = QSettings()
        geometry = settings.value("main_window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1200, 760)
        header_state = settings.value("main_window/case_table_header")
        if header_state is not None:
            self.case_table.horizontalHeader().restoreState(header_state)

    def closeEvent(self, event: QCloseEvent) -> None:
        settings = QSettings()
        settings.setValue("main_window/geometry", self.saveGeometry())
        settings.setValue(
            "main_window/case_table_header", self.case_table.horizontalHeader().saveState()
        )
        super().closeEvent(event)
