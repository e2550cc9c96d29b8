"""The case list as a Qt table model over SQL, fetched a page at a time.

The model holds only the rows the user has scrolled to. Sorting, quick search and
filters go back to SQL (``services.case_list``); nothing is sorted in Python. Each page
is fetched by the runner off the GUI thread; a result that arrives after the query has
changed is dropped.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from crm_desktop.db.database import Database
from crm_desktop.domain.enums import CaseStatus, Kind, Procedure, StageCode
from crm_desktop.domain.formatting import format_date, suspended_text
from crm_desktop.operations import cases
from crm_desktop.services.case_list import COLUMNS, CaseListQuery, CaseListRow
from ui.context import AppContext
from ui.widgets import tone_colours

ModelIndex = QModelIndex | QPersistentModelIndex
CASE_ID_ROLE = Qt.ItemDataRole.UserRole + 1


def _label(enum_cls: Any, value: str | None) -> str:
    if value is None:
        return ""
    try:
        return str(enum_cls(value).label)
    except ValueError:
        return value


def display_value(row: CaseListRow, key: str) -> str:
    """The text an officer sees in one cell."""
    match key:
        case "reference":
            return row.reference
        case "kind":
            return _label(Kind, row.kind)
        case "procedure":
            return _label(Procedure, row.procedure)
        case "received":
            return format_date(row.received_on)
        case "complainant":
            return row.complainant or ""
        case "service_area":
            return row.service_area or ""
        case "stage":
            return _label(StageCode, row.stage)
        case "status":
            if row.status != CaseStatus.OPEN:
                return "Closed"
            return "Suspended" if row.stage_status == "suspended" else "Open"
        case "due":
            if row.status != "open":
                return ""
            if row.stage_status == "suspended":
                return suspended_text(row.suspended_since, row.suspended_until)
            return format_date(row.due_on) if row.due_on else ""
        case "owner":
            return row.owner or ""
    raise KeyError(key)


TONE_WORDS = {"overdue": "overdue", "due soon": "due soon", "suspended": "clock suspended"}


def tooltip(row: CaseListRow, key: str) -> str:
    """The whole cell, with what its colour means (the colour is never the only sign)."""
    text = display_value(row, key)
    if key == "due" and row.tone == "suspended":
        return (
            f"{text}. The due date moves on by the days the clock is stopped, "
            "and is shown again when the clock restarts."
        )
    if key == "due" and row.tone:
        return f"{text} ({TONE_WORDS[row.tone]})"
    return text


# How a column sorts, where it is not plain: the Due column sorts by what it shows.
HEADER_TIPS = {
    "due": "Due: sorted by the date shown. A suspended case sorts by the day its clock is "
    "expected to restart; one with no such day comes after every date; blanks come last.",
}

TONED = frozenset({"due", "status"})  # the cells coloured for overdue, due soon, suspended


class CaseTableModel(QAbstractTableModel):
    PAGE_SIZE = 200

    loading_changed = Signal(bool)
    total_changed = Signal(int)
    failed = Signal(object)  # the exception

    def __init__(self, context: AppContext, database: Database | None = None) -> None:
        super().__init__()
        self._context = context
        self._database = database
        self._query = CaseListQuery()
        self._rows: list[CaseListRow] = []
        self._total = 0
        self._generation = 0
        self._loading = False

    # -- what the view asks ----------------------------------------------------------

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        key = COLUMNS[index.column()].key
        if role == Qt.ItemDataRole.DisplayRole:
            return display_value(row, key)
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip(row, key)
        if role == CASE_ID_ROLE:
            return row.id
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{COLUMNS[index.column()].title}: {tooltip(row, key)}"
        if (
            key in TONED
            and row.tone
            and role
            in (
                Qt.ItemDataRole.BackgroundRole,
                Qt.ItemDataRole.ForegroundRole,
            )
        ):
            colours = tone_colours(row.tone)
            if colours is not None:
                return colours[0] if role == Qt.ItemDataRole.BackgroundRole else colours[1]
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole)
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(COLUMNS)
        ):
            key = COLUMNS[section].key
            if role == Qt.ItemDataRole.ToolTipRole and key in HEADER_TIPS:
                return HEADER_TIPS[key]
            return COLUMNS[section].title
        return None

    def canFetchMore(self, parent: ModelIndex = QModelIndex()) -> bool:  # noqa: B008
        if parent.isValid() or self._database is None:
            return False
        return not self._loading and len(self._rows) < self._total

    def fetchMore(self, parent: ModelIndex = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent):
            return
        self._load(offset=len(self._rows), with_count=False)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS):
            return
        self._query = dataclasses.replace(
            self._query,
            sort=COLUMNS[column].key,
            descending=order == Qt.SortOrder.DescendingOrder,
        )
        self.refresh()

    # -- what the window asks --------------------------------------------------------

    @property
    def query(self) -> CaseListQuery:
        return self._query

    @property
    def total(self) -> int:
        return self._total

    @property
    def loading(self) -> bool:
        return self._loading

    def case_id(self, row: int) -> int | None:
        return self._rows[row].id if 0 <= row < len(self._rows) else None

    def set_database(self, database: Database | None) -> None:
        self._database = database
        self.refresh()

    def set_search(self, text: str) -> None:
        if text != self._query.search:
            self._query = dataclasses.replace(self._query, search=text)
            self.refresh()

    def set_filters(self, filters: dict[str, str]) -> None:
        self._query = dataclasses.replace(self._query, filters=dict(filters))
        self.refresh()

    def refresh(self) -> None:
        """Start again from the first page (after a sort, search or data change)."""
        self._generation += 1
        self.beginResetModel()
        self._rows = []
        self._total = 0
        self._set_loading(False)
        self.endResetModel()
        if self._database is not None:
            self._load(offset=0, with_count=True)

    # -- loading ---------------------------------------------------------------------

    def _load(self, *, offset: int, with_count: bool) -> None:
        if self._database is None:
            return
        query = self._query
        generation = self._generation
        limit = self.PAGE_SIZE

        def done(result: tuple[int | None, list[CaseListRow]]) -> None:
            if generation != self._generation:
                return  # the query changed while this page was loading
            total, rows = result
            if total is not None:
                self._total = total
            if rows:
                first = len(self._rows)
                self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
                self._rows.extend(rows)
                self.endInsertRows()
            # Only now: a view asking for more during the insertion must wait its turn.
            self._set_loading(False)
            if total is not None:
                self.total_changed.emit(total)

        def error(exc: BaseException) -> None:
            if generation == self._generation:
                self._set_loading(False)
                self.failed.emit(exc)

        self._set_loading(True)
        self._context.op(cases.case_page, query, offset, limit, with_count).on_done(done).on_error(
            error
        ).run()

    def _set_loading(self, loading: bool) -> None:
        if loading != self._loading:
            self._loading = loading
            self.loading_changed.emit(loading)
