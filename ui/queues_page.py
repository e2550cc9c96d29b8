"""Queues (every deadline queue with its count), My work and the Ombudsman page.

Rows are coloured for due soon and overdue, and say so in words too (the Status
column), so the colour is never the only sign. Double-click or Enter opens the case.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.domain.enums import Procedure, StageCode
from crm_desktop.domain.formatting import suspended_text
from crm_desktop.operations import deadlines
from crm_desktop.operations.core import Change
from crm_desktop.operations.policy import Permission
from crm_desktop.reports.dashboard import OmbudsmanRow, OmbudsmanWork
from crm_desktop.services.queues import DEFAULT_WITHIN, QUEUES, QueueRow
from ui.context import AppContext
from ui.ops import PendingOp
from ui.pages import Page
from ui.runner import Job
from ui.widgets import ROW_ROLE, Column, RowsModel, date_text, error_text, table_view


def _procedure(code: str) -> str:
    try:
        return Procedure(code).label
    except ValueError:
        return code


def _stage(code: str) -> str:
    try:
        return StageCode(code).label
    except ValueError:
        return code


def queue_tone(row: QueueRow, queue: str = "") -> str | None:
    """ "overdue", "due soon", "suspended" or None, from the working days left."""
    if row.working_days_left is None:
        return "suspended" if row.detail.startswith("Clock suspended") else None
    if row.working_days_left < 0 or (queue == "overdue" and row.working_days_left == 0):
        return "overdue"
    if row.working_days_left <= DEFAULT_WITHIN:
        return "due soon"
    return None


def _status(row: QueueRow, queue: str = "") -> str:
    tone = queue_tone(row, queue)
    if tone is None:
        # Due, but not within the next few working days; nothing due at all: blank.
        return "In time" if row.working_days_left is not None else ""
    return {"overdue": "Overdue", "due soon": "Due soon", "suspended": "Suspended"}[tone]


def _due(row: QueueRow) -> str:
    """The due date; a suspended clock's old due date is not shown (it moves on when the
    clock restarts): "Suspended until 14 Mar 2025", or "since" the day it stopped."""
    if queue_tone(row) == "suspended":
        return suspended_text(row.suspended_since, row.suspended_until)
    return date_text(row.due)


def queue_columns(queue: str = "", *, owner: bool = True) -> list[Column]:
    """The columns of a queue's table; ``owner`` False for a list of one's own cases."""
    columns = [
        Column("Reference", lambda r: r.reference),
        Column("Status", lambda r: _status(r, queue)),
        Column("Due", _due),
        Column("Detail", lambda r: r.detail),
        Column("Procedure", lambda r: _procedure(r.procedure)),
        Column("Stage", lambda r: _stage(r.stage)),
    ]
    if owner:
        columns.append(Column("Owner", lambda r: r.owner or ""))
    return columns


class OpeningTable(QTableView):
    """A table whose rows open a case (double-click or Enter)."""

    def __init__(self, open_case: Callable[[int], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._open_case = open_case
        self.doubleClicked.connect(self._open)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self._open(self.currentIndex())
            return
        super().keyPressEvent(event)

    def _open(self, index: QModelIndex) -> None:
        row = self.model().data(self.model().index(index.row(), 0), ROW_ROLE)
        case_id = getattr(row, "case_id", None)
        if case_id is not None:
            self._open_case(int(case_id))


def opening_table(model: RowsModel, name: str, page: Page) -> OpeningTable:
    view = OpeningTable(page.open_case.emit, page)
    table_view(model, name, view=view)
    return view


def queue_title(name: str) -> str:
    return QUEUES[name].heading()


# What the deadline pages show: cases, appointments (awaiting an investigator), the
# closure days (working days left) and reference data (the escalation share).
DEADLINES = frozenset({Change.CASES, Change.APPOINTMENTS, Change.CALENDAR, Change.REFERENCE_DATA})


@dataclass(frozen=True)
class QueueCount:
    name: str
    title: str
    count: int


class ProgressStrip(QWidget):
    """Progress of long work, with Cancel (``cancel``: its words where a page shows two
    strips, so that each has an Alt-key of its own)."""

    def __init__(self, name: str, parent: QWidget | None = None, cancel: str = "Cancel") -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel("", self)
        layout.addWidget(self.label)
        self.bar = QProgressBar(self)
        self.bar.setAccessibleName(f"{name} progress")
        self.bar.setRange(0, 0)
        layout.addWidget(self.bar, 1)
        self.cancel_button = QPushButton(cancel, self)
        self.cancel_button.setObjectName(f"Cancel{name.title().replace(' ', '')}")
        layout.addWidget(self.cancel_button)
        self.job: Job | None = None
        self.cancel_button.clicked.connect(self.cancel)
        self.setVisible(False)

    def start(self, job: Job | None, text: str) -> None:
        self.job = job
        self.label.setText(text)
        self.bar.setRange(0, 0)
        self.setVisible(job is not None)

    def run(self, pending: PendingOp[Any], text: str) -> Job:
        """Run ``pending`` with this strip showing ``text`` and Cancel while it works
        (not at all when it finished at once); an operation that reports its progress is
        given ``.with_progress(strip.progress)`` by its caller."""
        return pending.run(started=lambda job: self.start(job, text))

    def progress(self, done: int, total: int, text: str) -> None:
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(done)
        if text:
            self.label.setText(text)

    def finish(self) -> None:
        self.job = None
        self.setVisible(False)

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()
        self.finish()


class QueuesPage(Page):
    title = "Queues"
    cares_about = DEADLINES

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.setObjectName("QueuesPage")
        self.results: dict[str, list[QueueRow]] = {}
        layout = QVBoxLayout(self)
        self.progress = ProgressStrip("Queues", self)
        layout.addWidget(self.progress)
        self.message = QLabel("", self)
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        splitter = QSplitter(self)
        splitter.setObjectName("QueuesSplitter")
        self.counts_model = RowsModel(
            [Column("Queue", lambda q: q.title), Column("Number", lambda q: q.count, True)], self
        )
        self.counts_model.setObjectName("QueueCounts")
        self.counts_view = table_view(self.counts_model, "Queues", self, fit=False)
        counts_header = self.counts_view.horizontalHeader()
        counts_header.setStretchLastSection(False)
        counts_header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        counts_header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.counts_view.setWordWrap(True)
        self.counts_view.verticalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.counts_view.selectionModel().currentRowChanged.connect(self._queue_chosen)
        splitter.addWidget(self.counts_view)
        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        self.queue_title = QLabel("", right)
        font = self.queue_title.font()
        font.setBold(True)
        self.queue_title.setFont(font)
        right_layout.addWidget(self.queue_title)
        self.current_queue = ""
        self.rows_model = RowsModel(
            queue_columns(), self, tone=lambda r: queue_tone(r, self.current_queue)
        )
        self.rows_view = opening_table(self.rows_model, "Queue cases", self)
        right_layout.addWidget(self.rows_view, 1)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 3)
        em = self.fontMetrics().horizontalAdvance("M")
        splitter.setSizes([em * 24, em * 60])
        self.splitter = splitter
        layout.addWidget(splitter, 1)

    def reload(self) -> None:
        def failed(exc: BaseException) -> None:
            self._finished = True
            self.progress.finish()
            self.message.setText(error_text(exc, "loading the queues"))

        self._finished = False
        job = (
            self.context.op(deadlines.all_queues)
            .with_progress(self.progress.progress)
            .on_done(self._loaded)
            .on_error(failed)
            .run()
        )
        if not self._finished:  # still running: show progress, offer Cancel
            self.progress.start(job, "Counting the queues…")

    def _loaded(self, results: dict[str, list[QueueRow]]) -> None:
        self._finished = True
        self.progress.finish()
        self.message.setText("")
        self.results = results
        current = self.current_queue or "overdue"
        self.counts_model.set_rows(
            [QueueCount(name, queue_title(name), len(results.get(name, []))) for name in QUEUES]
        )
        names = list(QUEUES)
        row = names.index(current) if current in names else 0
        self.counts_view.selectRow(row)
        self.show_queue(names[row])

    def _queue_chosen(self, current: QModelIndex, _previous: QModelIndex) -> None:
        count = self.counts_model.row_at(current.row())
        if count is not None:
            self.show_queue(count.name)

    def show_queue(self, name: str) -> None:
        self.current_queue = name
        rows = self.results.get(name, [])
        self.queue_title.setText(f"{queue_title(name)}: {len(rows):,}")
        self.rows_model.set_rows(rows)


class MyWorkPage(Page):
    title = "My work"
    cares_about = DEADLINES

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.setObjectName("MyWorkPage")
        layout = QVBoxLayout(self)
        self.heading = QLabel("", self)
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        self.heading.setFont(font)
        layout.addWidget(self.heading)
        self.message = QLabel("", self)
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        layout.addWidget(QLabel(f"Due within {DEFAULT_WITHIN} working days or overdue", self))
        # An officer's own cases need no Owner column; a service responder's (the stages
        # they answer) are owned by the officer they work with.
        owner = not context.allows(Permission.WORK_CASES)
        self.urgent_model = RowsModel(queue_columns(owner=owner), self, tone=queue_tone)
        self.urgent_view = opening_table(self.urgent_model, "My cases due soon", self)
        layout.addWidget(self.urgent_view, 1)
        layout.addWidget(QLabel("All my open cases, soonest due first", self))
        self.mine_model = RowsModel(queue_columns(owner=owner), self, tone=queue_tone)
        self.mine_view = opening_table(self.mine_model, "My open cases", self)
        layout.addWidget(self.mine_view, 2)

    def reload(self) -> None:
        actor = self.context.actor
        if actor is not None:
            self.heading.setText(f"My work: {actor.display_name or actor.username}")

        def failed(exc: BaseException) -> None:
            self.message.setText(error_text(exc, "loading your cases"))

        self.context.op(deadlines.queue, "my-open").on_done(self._loaded).on_error(failed).run()

    def _loaded(self, rows: list[QueueRow]) -> None:
        self.mine_model.set_rows(rows)
        urgent = [r for r in rows if queue_tone(r) in ("overdue", "due soon")]
        self.urgent_model.set_rows(urgent)
        overdue = sum(1 for r in rows if queue_tone(r) == "overdue")
        self.message.setText(
            f"{len(rows):,} open cases; {len(urgent):,} due soon or overdue ({overdue:,} overdue)."
            if rows
            else "You have no open cases."
        )


def _ombudsman_tone(row: OmbudsmanRow) -> str | None:
    return "overdue" if row.status.startswith("Enquiry response overdue") else None


class OmbudsmanPage(Page):
    title = "Ombudsman"
    cares_about = DEADLINES

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.setObjectName("OmbudsmanPage")
        layout = QVBoxLayout(self)
        self.message = QLabel("", self)
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        layout.addWidget(
            QLabel("Open cases with the Local Government and Social Care Ombudsman", self)
        )
        self.stages_model = RowsModel(
            [
                Column("Reference", lambda r: r.reference),
                Column("Status", lambda r: r.status),
                Column("Procedure", lambda r: r.procedure),
                Column("Ombudsman ref.", lambda r: r.lgsco_reference or ""),
                Column("Enquiry received", lambda r: date_text(r.enquiry_received_on)),
                Column("Response due", lambda r: date_text(r.response_due_on)),
                Column("Decision", lambda r: r.decision or ""),
            ],
            self,
            tone=_ombudsman_tone,
            tone_column=1,
        )
        self.stages_view = opening_table(self.stages_model, "Open Ombudsman cases", self)
        layout.addWidget(self.stages_view, 1)
        layout.addWidget(QLabel("Remedies agreed with the Ombudsman, not yet completed", self))
        self.remedies_model = RowsModel(
            queue_columns("lgsco-remedies"),
            self,
            tone=lambda r: queue_tone(r, "lgsco-remedies"),
        )
        self.remedies_view = opening_table(self.remedies_model, "Ombudsman remedies", self)
        layout.addWidget(self.remedies_view, 1)

    def reload(self) -> None:
        def failed(exc: BaseException) -> None:
            self.message.setText(error_text(exc, "loading the Ombudsman cases"))

        self.context.op(deadlines.ombudsman_work).on_done(self._loaded).on_error(failed).run()

    def _loaded(self, result: OmbudsmanWork) -> None:
        stages, remedies = result.stages, result.remedies
        self.stages_model.set_rows(stages)
        self.remedies_model.set_rows(remedies)
        self.message.setText(
            f"{len(stages):,} open Ombudsman cases; {len(remedies):,} remedies not yet completed."
        )
