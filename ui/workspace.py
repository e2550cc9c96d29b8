"""The investigator's workspace: all an investigator sees when they sign in.

Their own appointments (the operation ``investigators.my_cases``) as a list coloured by
the report deadline (overdue, due soon), the case as they need it (``my_case``: summary,
points, their own appointment and notes, who else is appointed; no complainant details,
correspondence or history), and two things to do: record progress (a note and the hours
worked so far) and upload their report (the report is recorded as received and the file
goes into the attachment store, in one transaction).

The operations enforce the limits whatever this screen does; a refusal is shown as it
is worded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.domain.appointments import Step, allowed_steps
from crm_desktop.domain.eligibility import role_label
from crm_desktop.domain.enums import AssignmentStatus
from crm_desktop.errors import ValidationError
from crm_desktop.operations import investigators
from crm_desktop.operations.core import Change, Operation
from crm_desktop.services.access import InvestigatorCase, InvestigatorCaseDetail
from ui.context import AppContext
from ui.pages import Page
from ui.widgets import (
    Column,
    RowsModel,
    date_edit,
    date_text,
    error_label,
    error_text,
    field_label,
    first_capital,
    from_qdate,
    selected_row,
    show_error,
    table_view,
    tone_style,
)

DUE_SOON_DAYS = 7  # calendar days before the report is due that the row turns amber
WAITING = (AssignmentStatus.OFFERED, AssignmentStatus.ACCEPTED)


def report_tone(row: InvestigatorCase, today: dt.date) -> str | None:
    if row.status not in WAITING or row.report_due_on is None:
        return None
    if row.report_due_on < today:
        return "overdue"
    if (row.report_due_on - today).days <= DUE_SOON_DAYS:
        return "due soon"
    return None


def report_state(row: InvestigatorCase, today: dt.date) -> str:
    """The status in words, the deadline included (the colour is never the only sign)."""
    if row.status == AssignmentStatus.REPORT_RECEIVED:
        return f"Report received {date_text(row.report_received_on)}"
    status = "Offered to you" if row.status == AssignmentStatus.OFFERED else "Accepted"
    if row.report_due_on is None:
        return status
    days = (row.report_due_on - today).days
    if days < 0:
        return f"{status} · report overdue by {-days} day{'s' if days != -1 else ''}"
    if days == 0:
        return f"{status} · report due today"
    if days <= DUE_SOON_DAYS:
        return f"{status} · report due in {days} day{'s' if days != 1 else ''}"
    return status


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def detail_text(detail: InvestigatorCaseDetail) -> str:
    lines = [
        f"{detail.reference}",
        f"Received {date_text(detail.received_on)}"
        + (f" · {detail.service_area}" if detail.service_area else ""),
        f"Current stage: {detail.stage.label if detail.stage else 'none'}",
        "",
        "Summary",
        detail.summary or "(no summary recorded)",
    ]
    if detail.desired_outcome:
        lines += ["", "What the complainant wants", detail.desired_outcome]
    if detail.points:
        lines += ["", "Points of complaint"]
        lines += [
            f"{p.seq}. {p.nature + ': ' if p.nature else ''}{p.description}" for p in detail.points
        ]
    mine = detail.assignment
    if mine is not None:
        lines += [
            "",
            "Your appointment",
            f"{_capital(role_label(mine.role))} at {mine.stage.label}, {mine.status.value}",
            f"Offered {date_text(mine.offered_on)}"
            + (f" · answered {date_text(mine.responded_on)}" if mine.responded_on else ""),
            f"Report due {date_text(mine.report_due_on) or 'not set'}"
            + (
                f" · received {date_text(mine.report_received_on)}"
                if mine.report_received_on
                else ""
            ),
            f"Hours recorded: {mine.hours:g}" if mine.hours is not None else "No hours recorded",
        ]
        if mine.progress_note:
            lines += ["", "Your progress notes", mine.progress_note]
    if detail.colleagues:
        lines += ["", "Also appointed"]
        lines += [f"{name} ({role})" for name, role in detail.colleagues]
    return "\n".join(lines)


class InvestigatorWorkspace(Page):
    """An investigator's own cases, and what they record on them."""

    title = "My cases"
    cares_about = frozenset({Change.CASES, Change.APPOINTMENTS, Change.ATTACHMENTS})

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.setObjectName("InvestigatorWorkspace")
        self.detail: InvestigatorCaseDetail | None = None
        # Asks for the report file; tests replace it.
        self.choose_file: Callable[[], str | None] = self._ask_for_file
        layout = QVBoxLayout(self)
        heading = QLabel("Your cases", self)
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        heading.setFont(font)
        layout.addWidget(heading)
        intro = QLabel(
            "The cases you are appointed to, soonest report first. Overdue reports are red, "
            f"reports due within {DUE_SOON_DAYS} days amber.",
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.error = error_label("WorkspaceError", self)
        layout.addWidget(self.error)

        # The list on top (an investigator has a few cases), and below it the case chosen
        # beside what they record on it: side by side with the list, on a 1366×768
        # screen at 150% the case showed four lines and the list cut its status short.
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.setChildrenCollapsible(False)
        self.cases_model = RowsModel(
            [
                Column("Reference", lambda r: r.reference),
                Column("Stage", lambda r: r.stage_label),
                Column("Role", lambda r: first_capital(r.role_label)),
                Column("Report due", lambda r: date_text(r.report_due_on)),
                Column("Status", lambda r: report_state(r, self.context.today())),
            ],
            self,
            tone=lambda r: report_tone(r, self.context.today()),
        )
        self.cases_view = table_view(self.cases_model, "Your cases", self)
        self.cases_view.selectionModel().selectionChanged.connect(lambda *_: self._case_chosen())
        splitter.addWidget(self.cases_view)
        self.empty = QLabel(
            "No cases are assigned to you. When the consumer relations team appoints you, "
            "the case appears here.",
            self,
        )
        self.empty.setObjectName("WorkspaceEmpty")
        self.empty.setWordWrap(True)
        self.empty.setVisible(False)
        layout.addWidget(self.empty)

        below = QSplitter(Qt.Orientation.Horizontal, self)
        below.setChildrenCollapsible(False)
        case_panel = QWidget(below)
        case_layout = QVBoxLayout(case_panel)
        case_layout.setContentsMargins(0, 0, 0, 0)
        self.deadline = QLabel("", case_panel)
        self.deadline.setObjectName("DeadlineLabel")
        self.deadline.setVisible(False)
        case_layout.addWidget(self.deadline)
        scroll = QScrollArea(case_panel)
        scroll.setWidgetResizable(True)
        scroll.setAccessibleName("The selected case")
        self.detail_label = QLabel("Select a case to see it.", scroll)
        self.detail_label.setObjectName("CaseDetailText")
        self.detail_label.setWordWrap(True)
        self.detail_label.setTextFormat(Qt.TextFormat.PlainText)
        self.detail_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.detail_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail_label.setMargin(self.fontMetrics().height() // 2)
        scroll.setWidget(self.detail_label)
        lines = self.fontMetrics().height()
        scroll.setMinimumHeight(lines * 4)
        case_layout.addWidget(scroll, 1)
        below.addWidget(case_panel)

        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        progress = QGroupBox("Record progress", right)
        progress_form = QFormLayout(progress)
        self.note = QPlainTextEdit(progress)
        self.note.setObjectName("ProgressNote")
        self.note.setAccessibleName("Progress note")
        self.note.setTabChangesFocus(True)
        self.note.setMaximumHeight(lines * 4)
        self.note.setMinimumHeight(lines * 3)
        # Alt-keys on the fields' names (the buttons are given theirs around them).
        keys: set[str] = set()
        progress_form.addRow(field_label("Note", self.note, keys, progress, prefer="n"), self.note)
        self.note_error = error_label("NoteError", progress)
        progress_form.addRow("", self.note_error)
        self.hours = QLineEdit(progress)
        self.hours.setObjectName("Hours")
        self.hours.setAccessibleName("Hours worked so far, in total")
        self.hours.setPlaceholderText("Total, e.g. 12.5")
        self.hours.setToolTip(
            "The hours worked so far, in total (not the hours added); leave it blank to "
            "keep the total as it is"
        )
        progress_form.addRow(
            field_label("Hours so far", self.hours, keys, progress, prefer="o"), self.hours
        )
        self.hours_error = error_label("HoursError", progress)
        progress_form.addRow("", self.hours_error)
        self.progress_button = QPushButton("Record progress", progress)
        self.progress_button.setObjectName("RecordProgressButton")
        self.progress_button.clicked.connect(self.record_progress)
        progress_form.addRow("", self.progress_button)
        right_layout.addWidget(progress)

        report = QGroupBox("Your report", right)
        report_layout = QHBoxLayout(report)
        self.report_on = date_edit(context.today(), "Report sent on", report)
        report_layout.addWidget(field_label("Sent on", self.report_on, keys, report, prefer="s"))
        self.report_on.setMaximumDate(self.report_on.date())
        report_layout.addWidget(self.report_on)
        report_layout.addStretch(1)
        self.upload_button = QPushButton("Upload report…", report)
        self.upload_button.setObjectName("UploadReportButton")
        self.upload_button.setToolTip(
            "Choose the report file: it is kept with the case and the report is recorded "
            "as received"
        )
        self.upload_button.clicked.connect(self.upload_report)
        report_layout.addWidget(self.upload_button)
        right_layout.addWidget(report)
        self.report_error = error_label("ReportError", right)
        right_layout.addWidget(self.report_error)
        # On a short screen (768 pixels at 150%) the column scrolls rather than squeeze
        # the note and its messages out of sight.
        column = QScrollArea(self)
        column.setAccessibleName("Your progress and report")
        column.setWidgetResizable(True)
        column.setFrameShape(QFrame.Shape.NoFrame)
        column.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        column.setWidget(right)
        below.addWidget(column)
        below.setStretchFactor(0, 3)
        below.setStretchFactor(1, 2)
        below.setSizes([3000, 2000])  # the case, what is read most, the wider
        splitter.addWidget(below)
        # The list as tall as a few rows; the case and the forms take the rest.
        header = self.cases_view.horizontalHeader().sizeHint().height()
        row_height = self.cases_view.verticalHeader().defaultSectionSize()
        self.cases_view.setMinimumHeight(header + row_height * 2)
        splitter.setSizes([header + row_height * 5, lines * 30])
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 3)
        layout.addWidget(splitter, 1)
        self._update_buttons()

    # -- loading ---------------------------------------------------------------------

    def reload(self) -> None:
        def failed(exc: BaseException) -> None:
            show_error(self.error, error_text(exc, "loading your cases"))

        self.context.op(investigators.my_cases).on_done(self.apply).on_error(failed).run()

    def apply(self, rows: list[InvestigatorCase]) -> None:
        show_error(self.error, "")
        chosen = self.selected_case()
        self.cases_model.set_rows(rows)
        self.empty.setVisible(not rows)
        target = 0
        if chosen is not None:
            for row, item in enumerate(rows):
                if item.assignment_id == chosen.assignment_id:
                    target = row
        if rows:
            self.cases_view.selectRow(target)
        else:
            self._case_chosen()

    def selected_case(self) -> InvestigatorCase | None:
        row = selected_row(self.cases_view)
        return row if isinstance(row, InvestigatorCase) else None

    def _case_chosen(self) -> None:
        row = self.selected_case()
        self.detail = None
        self._update_buttons()
        if row is None:
            self.detail_label.setText("Select a case to see it.")
            self.deadline.setVisible(False)
            return
        tone = report_tone(row, self.context.today())
        self.deadline.setText(report_state(row, self.context.today()))
        self.deadline.setStyleSheet(tone_style(tone) if tone else "")
        self.deadline.setVisible(True)
        self.show_case(row.case_id)

    def show_case(self, case_id: int) -> None:
        """Show the case (refused plainly unless it is assigned to the investigator)."""

        def done(detail: InvestigatorCaseDetail) -> None:
            show_error(self.error, "")
            self.detail = detail
            self.detail_label.setText(detail_text(detail))
            self._update_buttons()

        def failed(exc: BaseException) -> None:
            self.detail = None
            self.detail_label.setText("")
            self._update_buttons()
            show_error(self.error, error_text(exc, "opening the case"))

        self.context.op(investigators.my_case, case_id).on_done(done).on_error(failed).run()

    def _update_buttons(self) -> None:
        row = self.selected_case()
        status = row.status if row is not None else None
        steps = allowed_steps(status) if status is not None else {}
        self.progress_button.setEnabled(Step.RECORD_PROGRESS in steps)
        self.upload_button.setEnabled(Step.RECORD_REPORT in steps)
        if status == AssignmentStatus.OFFERED:
            tip = "Tell the consumer relations team whether you accept the offer first."
        else:
            tip = ""
        self.progress_button.setToolTip(tip)

    # -- recording -------------------------------------------------------------------

    def _write(
        self,
        op: Operation[..., Any],
        args: tuple[Any, ...],
        error: QLabel,
        doing: str,
        then: Callable[[], None],
    ) -> None:
        def done(_result: object) -> None:
            then()  # the runner then announces the change, and the page reloads

        def failed(exc: BaseException) -> None:
            if isinstance(exc, ValidationError) and exc.field == "hours":
                show_error(self.hours_error, exc.message)
            elif isinstance(exc, ValidationError) and exc.field == "note":
                show_error(self.note_error, exc.message)
            else:
                show_error(error, error_text(exc, doing))

        self.context.op(op, *args).on_done(done).on_error(failed).run()

    def record_progress(self) -> None:
        for label in (self.note_error, self.hours_error, self.report_error, self.error):
            show_error(label, "")
        row = self.selected_case()
        if row is None:
            show_error(self.error, "Select the case first.")
            return
        text = self.hours.text().strip().replace(",", ".")
        hours: float | None = None
        if text:
            try:
                hours = float(text)
            except ValueError:
                show_error(self.hours_error, "Enter the hours as a number, for example 12.5.")
                self.hours.setFocus()
                return
        note = self.note.toPlainText()

        def cleared() -> None:
            self.note.clear()
            self.hours.clear()

        self._write(
            investigators.record_progress,
            (row.assignment_id, note, hours),
            self.error,
            "recording your progress",
            cleared,
        )

    def _ask_for_file(self) -> str | None:
        path, _filter = QFileDialog.getOpenFileName(
            self,
            "Choose your report",
            "",
            "Reports (*.pdf *.doc *.docx *.odt *.rtf *.txt *.jpg *.jpeg *.png)",
        )
        return path or None

    def upload_report(self) -> None:
        for label in (self.report_error, self.error):
            show_error(label, "")
        row = self.selected_case()
        if row is None:
            show_error(self.report_error, "Select the case the report is for.")
            return
        chosen = self.choose_file()
        if not chosen:
            return
        path = Path(chosen)
        if not path.is_file():
            show_error(self.report_error, f"{path.name} is not a file that can be read.")
            return
        sent_on = from_qdate(self.report_on.date())

        def done() -> None:
            self.context.notifier.info(
                "Report received", f"{path.name} is kept with {row.reference}; thank you."
            )

        # The file and the report recorded together: a refusal keeps neither.
        self._write(
            investigators.upload_report,
            (row.assignment_id, path, sent_on),
            self.report_error,
            "uploading your report",
            done,
        )
