"""The Cases page: every case, a page of rows at a time, sorted, filtered and searched in SQL,
with named filters kept in the user's settings."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QByteArray, QModelIndex, QSettings, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.domain.enums import CaseStatus, Kind, Procedure, StageCode
from crm_desktop.services.case_list import COLUMNS
from ui.case_table_model import CASE_ID_ROLE, CaseTableModel
from ui.context import AppContext
from ui.pages import Page
from ui.user_state import UserState
from ui.widgets import compact_combo, error_text

SAVED_FILTERS_KEY = "case_list/saved_filters"
HEADER_KEY = "case_list/header"  # column widths and order, the sort
CURRENT_KEY = "case_list/current"  # the search and filters in use when last changed
FILTERS: tuple[tuple[str, str, list[tuple[str, str]]], ...] = (
    ("procedure", "Procedure", [(p.label, p.value) for p in Procedure]),
    ("kind", "Kind", [(k.label, k.value) for k in Kind]),
    ("status", "Status", [("Open", CaseStatus.OPEN.value), ("Closed", CaseStatus.CLOSED.value)]),
    ("stage", "Stage", [(s.label, s.value) for s in StageCode]),
)


# What each column can hold, to size it on first start: the longest label of a list of
# choices, a sample of a fixed-format value, or a number of characters for free text (a
# longer value is elided, and its tooltip shows it whole).
COLUMN_SAMPLES: dict[str, list[str] | int] = {
    "reference": ["COR-2025-00001"],
    "kind": [k.label for k in Kind],
    "procedure": [p.label for p in Procedure],
    "received": ["30 Sep 2025"],
    "complainant": 16,
    "service_area": 18,
    "stage": [s.label for s in StageCode],
    "status": ["Suspended", "Closed", "Open"],
    "due": ["Suspended since 30 Sep 2025", "Suspended until 30 Sep 2025"],
    "owner": 14,
}


WIDEST = 30  # characters a free-text column widens to on first start, at most

# The columns' order on first start: what an officer works from (whose case, when it is
# due, where it stands) comes first, so that on a small laptop screen it is in view
# without scrolling sideways; kind and procedure, which the reference's prefix already
# tells, come last. Columns can be dragged into another order, which is kept.
FIRST_START_ORDER = (
    "reference",
    "complainant",
    "due",
    "status",
    "stage",
    "service_area",
    "received",
    "owner",
    "kind",
    "procedure",
)


def default_widths(view: QTableView) -> list[int]:
    metrics = view.fontMetrics()
    em = metrics.horizontalAdvance("M")
    header = view.horizontalHeader().fontMetrics()
    widths = []
    for column in COLUMNS:
        sample = COLUMN_SAMPLES.get(column.key, 10)
        if isinstance(sample, int):
            content = metrics.horizontalAdvance("n") * sample
        else:
            content = max(metrics.horizontalAdvance(text) for text in sample)
        title = header.horizontalAdvance(column.title) + em * 2  # room for the sort arrow
        widths.append(max(content + em, title))
    return widths


class CaseTable(QTableView):
    """The case table; Enter opens the selected case."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.activated.emit(self.currentIndex())
            return
        super().keyPressEvent(event)


def load_saved_filters(state: UserState | None = None) -> dict[str, dict[str, Any]]:
    """The user's saved filters (everyone's shared list when no user is given)."""
    raw = state.value(SAVED_FILTERS_KEY, "") if state else QSettings().value(SAVED_FILTERS_KEY, "")
    try:
        loaded = json.loads(str(raw)) if raw else {}
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def store_saved_filters(filters: dict[str, dict[str, Any]], state: UserState | None = None) -> None:
    text = json.dumps(filters, sort_keys=True)
    if state is not None:
        state.set_value(SAVED_FILTERS_KEY, text)
    else:
        QSettings().setValue(SAVED_FILTERS_KEY, text)


class SearchBox(QLineEdit):
    """The quick search; Down goes to the results (their first row), as in a browser's
    address bar, so an officer never Tabs through the filters to reach them."""

    to_results = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Down:
            self.to_results.emit()
            return
        super().keyPressEvent(event)


class CasesPage(Page):
    title = "Cases"

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.setObjectName("CasesPage")
        self.state = UserState.of(context)
        layout = QVBoxLayout(self)

        self.search_box = SearchBox(self)
        self.search_box.to_results.connect(self.focus_results)
        self.search_box.setObjectName("QuickSearch")
        self.search_box.setPlaceholderText(
            "Search by reference, name or text  (Ctrl+F; Down goes to the results)"
        )
        self.search_box.setAccessibleName("Quick search")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.returnPressed.connect(self._search)
        self.search_box.textChanged.connect(self._search_cleared)
        layout.addWidget(self.search_box)

        # Filters in a grid that stays narrow (two per row), so the page fits a small or
        # highly scaled screen.
        filters = QGridLayout()
        self.filter_boxes: dict[str, QComboBox] = {}
        for i, (key, title, options) in enumerate(FILTERS):
            label = QLabel(title, self)
            combo = compact_combo(QComboBox(self), 12)
            combo.setObjectName(f"{title}Filter")
            combo.setAccessibleName(f"{title} filter")
            combo.addItem(f"Any {title.lower()}", "")
            for text, value in options:
                combo.addItem(text, value)
            combo.currentIndexChanged.connect(self._filters_changed)
            label.setBuddy(combo)
            filters.addWidget(label, i // 2, (i % 2) * 2)
            filters.addWidget(combo, i // 2, (i % 2) * 2 + 1)
            self.filter_boxes[key] = combo
        filters.setColumnStretch(1, 1)
        filters.setColumnStretch(3, 1)
        clear = QPushButton("Clear filters", self)
        clear.setObjectName("ClearFiltersButton")
        clear.clicked.connect(self.clear_filters)
        filters.addWidget(clear, 0, 4)
        layout.addLayout(filters)

        saved_row = QHBoxLayout()
        self.saved = compact_combo(QComboBox(self), 12)
        self.saved.setObjectName("SavedFilters")
        self.saved.setAccessibleName("Saved filters")
        self.saved.activated.connect(self._apply_saved)
        saved_row.addWidget(self.saved, 1)
        self.filter_name = QLineEdit(self)
        self.filter_name.setObjectName("FilterName")
        self.filter_name.setAccessibleName("Name for this filter")
        self.filter_name.setPlaceholderText("Name this filter")
        saved_row.addWidget(self.filter_name, 1)
        self.save_filter_button = QPushButton("Save filter", self)
        self.save_filter_button.setObjectName("SaveFilterButton")
        self.save_filter_button.clicked.connect(self.save_filter)
        saved_row.addWidget(self.save_filter_button)
        self.delete_filter_button = QPushButton("Delete", self)
        self.delete_filter_button.setObjectName("DeleteFilterButton")
        self.delete_filter_button.setAccessibleName("Delete the saved filter")
        self.delete_filter_button.clicked.connect(self.delete_filter)
        saved_row.addWidget(self.delete_filter_button)
        layout.addLayout(saved_row)

        self.case_model = CaseTableModel(context)
        table = CaseTable(self)
        self.case_table = table
        table.setObjectName("CaseTable")
        table.setAccessibleName("Cases")
        table.setModel(self.case_model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSortingEnabled(True)
        table.setAlternatingRowColors(True)
        table.setTabKeyNavigation(False)
        table.setWordWrap(False)
        table.verticalHeader().setVisible(False)
        table.horizontalHeader().setStretchLastSection(True)
        table.horizontalHeader().setSectionsMovable(True)
        table.horizontalHeader().setSortIndicator(3, Qt.SortOrder.DescendingOrder)
        table.activated.connect(self._open)
        table.doubleClicked.connect(self._open)
        layout.addWidget(table, 1)

        self.count_label = QLabel("Opening the database…", self)
        self.count_label.setObjectName("CaseCount")
        layout.addWidget(self.count_label)

        self.case_model.total_changed.connect(self._show_total)
        self.case_model.loading_changed.connect(self._show_loading)
        self.case_model.failed.connect(self._show_failure)
        self._refresh_saved()
        header = self.state.value(HEADER_KEY)
        if isinstance(header, QByteArray) and table.horizontalHeader().restoreState(header):
            section = table.horizontalHeader().sortIndicatorSection()
            order = table.horizontalHeader().sortIndicatorOrder()
            self.case_model.sort(section, order)
        else:  # first start: widths from what the columns hold, at any display scaling
            for column, width in enumerate(default_widths(table)):
                table.setColumnWidth(column, width)
            keys = [column.key for column in COLUMNS]
            for place, key in enumerate(FIRST_START_ORDER):
                moving = table.horizontalHeader()
                moving.moveSection(moving.visualIndex(keys.index(key)), place)
            self.case_model.rowsInserted.connect(self._widen_to_content)
        self._restore_current()

    def _widen_to_content(self) -> None:
        """First start, once the first rows are in: the free-text columns (name, service
        area) widen to hold what those rows hold, up to WIDEST characters; longer text is
        elided, its tooltip whole. Once only: after that the widths are the user's."""
        self.case_model.rowsInserted.disconnect(self._widen_to_content)
        table = self.case_table
        widest = table.fontMetrics().horizontalAdvance("n") * WIDEST
        keys = [column.key for column in COLUMNS]
        for key in ("complainant", "service_area"):
            column = keys.index(key)
            wanted = min(table.sizeHintForColumn(column), widest)
            if wanted > table.columnWidth(column):
                table.setColumnWidth(column, wanted)

    # -- loading -----------------------------------------------------------------------

    def reload(self) -> None:
        if self.case_model._database is not self.context.database:
            self.case_model.set_database(self.context.database)
        else:
            self.case_model.refresh()

    def save_layout(self) -> None:
        self.state.set_value(HEADER_KEY, self.case_table.horizontalHeader().saveState())

    # -- search and filters ------------------------------------------------------------

    def focus_search(self) -> None:
        self.search_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_box.selectAll()

    def focus_results(self) -> None:
        """Into the list, on its first row unless one is already chosen."""
        table = self.case_table
        if self.case_model.rowCount() and not table.currentIndex().isValid():
            table.setCurrentIndex(self.case_model.index(0, 0))
        table.setFocus(Qt.FocusReason.OtherFocusReason)

    def _search(self) -> None:
        self.case_model.set_search(self.search_box.text())
        self._remember_current()

    def _search_cleared(self, text: str) -> None:
        if not text:
            self.case_model.set_search("")
            self._remember_current()

    def _remember_current(self) -> None:
        """Keep the search and filters for this user's next start."""
        current = {"search": self.case_model.query.search, "filters": self.current_filters()}
        self.state.set_value(CURRENT_KEY, json.dumps(current, sort_keys=True))

    def _restore_current(self) -> None:
        try:
            current = json.loads(str(self.state.value(CURRENT_KEY, "") or "{}"))
        except ValueError:
            return
        if not isinstance(current, dict):
            return
        filters = current.get("filters", {})
        for key, combo in self.filter_boxes.items():
            combo.blockSignals(True)
            combo.setCurrentIndex(max(0, combo.findData(filters.get(key, ""))))
            combo.blockSignals(False)
        search = str(current.get("search", ""))
        self.search_box.blockSignals(True)
        self.search_box.setText(search)
        self.search_box.blockSignals(False)
        self.case_model.set_search(search)
        self.case_model.set_filters(self.current_filters())

    def current_filters(self) -> dict[str, str]:
        return {
            key: str(combo.currentData())
            for key, combo in self.filter_boxes.items()
            if combo.currentData()
        }

    def _filters_changed(self) -> None:
        if self.context.database is not None:
            self.case_model.set_filters(self.current_filters())
        self._remember_current()

    def set_filters(self, filters: dict[str, str]) -> None:
        for key, combo in self.filter_boxes.items():
            combo.blockSignals(True)
            combo.setCurrentIndex(max(0, combo.findData(filters.get(key, ""))))
            combo.blockSignals(False)
        self._filters_changed()

    def clear_filters(self) -> None:
        self.search_box.clear()
        self.set_filters({})

    # -- saved filters -----------------------------------------------------------------

    def _refresh_saved(self) -> None:
        self.saved.blockSignals(True)
        self.saved.clear()
        self.saved.addItem("Saved filters…", "")
        for name in sorted(load_saved_filters(self.state), key=str.casefold):
            self.saved.addItem(name, name)
        self.saved.blockSignals(False)

    def save_filter(self) -> None:
        name = self.filter_name.text().strip() or self.saved.currentData()
        if not name:
            self.count_label.setText("Type a name for the filter first.")
            self.filter_name.setFocus()
            return
        filters = load_saved_filters(self.state)
        query = self.case_model.query
        filters[name] = {
            "search": self.search_box.text().strip(),
            "filters": self.current_filters(),
            "sort": query.sort,
            "descending": query.descending,
        }
        store_saved_filters(filters, self.state)
        self.filter_name.clear()
        self._refresh_saved()
        self.saved.setCurrentIndex(self.saved.findData(name))
        self.count_label.setText(f"Filter '{name}' saved.")

    def delete_filter(self) -> None:
        name = self.saved.currentData()
        if not name:
            return
        filters = load_saved_filters(self.state)
        filters.pop(name, None)
        store_saved_filters(filters, self.state)
        self._refresh_saved()

    def apply_saved(self, name: str) -> None:
        saved = load_saved_filters(self.state).get(name)
        if not saved:
            return
        self.search_box.blockSignals(True)
        self.search_box.setText(str(saved.get("search", "")))
        self.search_box.blockSignals(False)
        self.case_model.set_search(self.search_box.text())
        sort, descending = saved.get("sort"), bool(saved.get("descending", True))
        for column in range(self.case_model.columnCount()):
            if COLUMNS[column].key == sort:
                order = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
                self.case_table.horizontalHeader().setSortIndicator(column, order)
        self.set_filters(dict(saved.get("filters", {})))

    def _apply_saved(self, index: int) -> None:
        name = self.saved.itemData(index)
        if name:
            self.apply_saved(name)

    # -- opening -----------------------------------------------------------------------

    def _open(self, index: QModelIndex) -> None:
        case_id = self.case_model.data(self.case_model.index(index.row(), 0), CASE_ID_ROLE)
        if case_id is not None:
            self.open_case.emit(int(case_id))

    # -- status ------------------------------------------------------------------------

    def _show_total(self, total: int) -> None:
        noun = "case" if total == 1 else "cases"
        query = self.case_model.query
        searched = " found" if query.search or query.filters else ""
        self.count_label.setText(f"{total:,} {noun}{searched}")

    def _show_loading(self, loading: bool) -> None:
        if loading and not self.case_model.rowCount():
            self.count_label.setText("Loading cases…")

    def _show_failure(self, exc: BaseException) -> None:
        self.context.notifier.error("Cannot load the cases", error_text(exc, "loading the cases"))
        self.count_label.setText("The case list could not be loaded.")
