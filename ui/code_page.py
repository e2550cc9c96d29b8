"""The Complaint Handling Code page: the year's self-assessment against the Code, and the
year's inputs to the Code's annual report (the Ombudsman's annual letter, the governing
body's response).

The checklist lists every provision with the council's answer (or the one pre-filled
from the cases) and what the cases show; choosing a provision opens its answer below to
edit (managers). Every read and save is an operation (``operations.code``) run off the
GUI thread; officers see the page read-only. The report itself is made on the Reports
page ("Complaint Handling Code report").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.domain.code_provisions import Complies
from crm_desktop.domain.financial_year import FinancialYear
from crm_desktop.domain.formatting import format_date
from crm_desktop.operations import code
from crm_desktop.operations.core import Change
from crm_desktop.operations.policy import Permission
from crm_desktop.reports.code_inputs import LETTER_FIGURES, CodeYearInputs
from crm_desktop.reports.code_report import FIRST_CODE_YEAR
from crm_desktop.reports.self_assessment import Answer, Row, SelfAssessment
from ui.context import AppContext
from ui.files import AskPath, ask_open_path, ask_save_path, documents_folder
from ui.ops import PendingOp
from ui.pages import Page
from ui.queues_page import ProgressStrip
from ui.widgets import (
    Column,
    DateEdit,
    RowsModel,
    error_label,
    error_text,
    scrolled,
    show_error,
    table_view,
)

NOT_ANSWERED = "Not answered"


def _complies_text(row: Row) -> str:
    if not row.answer.complies:
        return ""
    text = Complies(row.answer.complies).label
    return text if row.saved else f"{text} (suggested)"


class CodePage(Page):
    title = "Complaint Handling Code"
    cares_about = frozenset({Change.REPORT_INPUTS, Change.CASES})

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.setObjectName("CodePage")
        self.ask_save_path: AskPath = ask_save_path
        self.ask_open_path: AskPath = ask_open_path
        self.assessment: SelfAssessment | None = None
        self.inputs: CodeYearInputs | None = None
        self._filling = False
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel("Financial year", self))
        self.year = QComboBox(self)
        self.year.setObjectName("CodeYear")
        self.year.setAccessibleName("Financial year")
        today = context.today()
        newest = max(today.year if today.month >= 4 else today.year - 1, FIRST_CODE_YEAR)
        for year in range(newest, FIRST_CODE_YEAR - 1, -1):
            self.year.addItem(FinancialYear(year).label, year)
        self.year.currentIndexChanged.connect(self.reload)
        top.addWidget(self.year)
        top.addStretch(1)
        self.export_button = QPushButton("Save as a spreadsheet (XLSX)…", self)
        self.export_button.setObjectName("ExportSelfAssessment")
        self.export_button.clicked.connect(self.choose_export)
        top.addWidget(self.export_button)
        layout.addLayout(top)
        self.error = error_label("CodeError", self)
        layout.addWidget(self.error)
        self.status = QLabel("", self)
        self.status.setObjectName("CodeStatus")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        # The long work (counting the figures, the export, loading the letter's figures)
        # shows its progress here, with Cancel; the page's buttons wait for it.
        self.progress = ProgressStrip("Code figures", self)
        self.progress.cancel_button.clicked.connect(self._cancelled)
        self._cancel_text = ""
        self._counting = False
        layout.addWidget(self.progress)
        tabs = QTabWidget(self)
        tabs.setAccessibleName("Complaint Handling Code")
        tabs.setUsesScrollButtons(True)
        # Short tab names, so every tab is in view at 200% on a 1366x768 screen; each
        # tab's tooltip and its page's accessible name say it in full.
        for page, name, full in (
            (self._build_checklist(tabs), "Self-assessment", "Self-assessment"),
            (self._build_inputs(tabs), "Report inputs", "Report inputs"),
            (self._build_findings(tabs), "Findings", "Findings of non-compliance"),
            (self._build_history(tabs), "History", "History of answers"),
        ):
            index = tabs.addTab(scrolled(page, full), name)
            tabs.setTabToolTip(index, full)
        layout.addWidget(tabs, 1)
        self._set_editable(self.may_edit)

    # ------------------------------------------------------------------ long work

    def _run_long(
        self,
        pending: PendingOp[Any],
        text: str,
        cancelled: str,
        failed_doing: str,
        counting: bool = False,
    ) -> None:
        """Run ``pending`` with the progress strip and Cancel, the buttons disabled until
        it finishes, fails or is cancelled (then ``cancelled`` is shown). One at a time:
        a new one cancels one still running (the buttons wait, so only a recount started
        by a change elsewhere can come while another runs; see :meth:`reload`)."""
        if self.progress.job is not None:
            self.progress.job.cancel()
            self.progress.finish()
        self._cancel_text = cancelled
        self._counting = counting

        def failed(exc: BaseException) -> None:
            self._stopped()
            show_error(self.error, error_text(exc, failed_doing))

        self._set_running(True)
        self.progress.run(pending.with_progress(self.progress.progress).on_error(failed), text)

    def _stopped(self) -> None:
        self.progress.finish()
        self._set_running(False)

    def _cancelled(self) -> None:
        self._set_running(False)
        self.status.setText(self._cancel_text)
        if self.assessment is None or self.assessment.year != self.chosen_year:
            self.stale = True  # the figures shown are not the year's: count them next time

    def _set_running(self, running: bool) -> None:
        """The page's buttons, disabled while long work runs (then as the role allows)."""
        self.year.setEnabled(not running)
        self.export_button.setEnabled(not running)
        for button in (self.save_answer_button, self.save_inputs_button, self.load_figures_button):
            button.setEnabled(not running and self.may_edit)
        self.record_finding_button.setEnabled(
            not running and self.context.allows(Permission.WORK_CASES)
        )

    @property
    def may_edit(self) -> bool:
        return self.context.allows(Permission.EDIT_REPORT_INPUTS)

    @property
    def chosen_year(self) -> int:
        return int(self.year.currentData())

    # ------------------------------------------------------------------ the checklist

    def _build_checklist(self, parent: QWidget) -> QWidget:
        page = QWidget(parent)
        column = QVBoxLayout(page)
        self.rows = RowsModel(
            [
                Column("Provision", lambda r: r.provision.label),
                Column("What it asks", lambda r: r.provision.asks),
                Column("Complies", _complies_text),
                Column("Measured from the cases", lambda r: r.measured.text if r.measured else ""),
                Column("Owner", lambda r: r.answer.owner),
            ],
            page,
        )
        self.table = table_view(self.rows, "Self-assessment checklist", page)
        self.table.selectionModel().currentRowChanged.connect(self._row_chosen)
        column.addWidget(self.table, 3)
        box = QGroupBox("Answer", page)
        form = QFormLayout(box)
        self.provision_label = QLabel("Choose a provision above.", box)
        self.provision_label.setWordWrap(True)
        form.addRow(self.provision_label)
        self.complies = QComboBox(box)
        self.complies.setObjectName("Complies")
        self.complies.setAccessibleName("Complies")
        self.complies.addItem(NOT_ANSWERED, "")
        for value in Complies:
            self.complies.addItem(value.label, value.value)
        form.addRow("Complies", self.complies)
        self.evidence = self._text(box, "Evidence")
        form.addRow("Evidence", self.evidence)
        self.explanation = self._text(box, "Explanation")
        form.addRow("Explanation", self.explanation)
        self.action = self._text(box, "Action")
        form.addRow("Action", self.action)
        self.owner = QLineEdit(box)
        self.owner.setObjectName("Owner")
        self.owner.setAccessibleName("Owner of the action")
        form.addRow("Owner", self.owner)
        self.save_answer_button = QPushButton("Save the answer", box)
        self.save_answer_button.setObjectName("SaveAnswer")
        self.save_answer_button.clicked.connect(self.save_answer)
        form.addRow(self.save_answer_button)
        column.addWidget(box, 2)
        return page

    @staticmethod
    def _text(parent: QWidget, name: str) -> QPlainTextEdit:
        edit = QPlainTextEdit(parent)
        edit.setObjectName(name)
        edit.setAccessibleName(name)
        edit.setTabChangesFocus(True)
        edit.setFixedHeight(60)
        return edit

    def _set_editable(self, editable: bool) -> None:
        for widget in (
            self.complies,
            self.evidence,
            self.explanation,
            self.action,
            self.owner,
            self.save_answer_button,
            self.save_inputs_button,
            self.load_figures_button,
            self.body,
            self.response,
            self.letter_text,
            self.other_reports,
            self.received,
            *self.figures.values(),
        ):
            widget.setEnabled(editable)

    def reload(self) -> None:
        if self.context.database is None:
            return
        year = self.chosen_year
        show_error(self.error, "")

        def failed(exc: BaseException) -> None:
            show_error(self.error, error_text(exc, "reading the self-assessment"))

        def counted(assessment: SelfAssessment) -> None:
            self._stopped()
            self._show(assessment)

        if self.progress.job is not None and not self._counting:
            # An export or the letter's figures still running are not cancelled by a
            # change made elsewhere: the figures are counted when the page is next shown
            # (or at once, when the letter's figures are saved and announced).
            self.stale = True
        else:
            self._run_long(
                self.context.op(code.self_assessment_for, year).on_done(counted),
                f"Counting the figures for {FinancialYear(year).label}…",
                "Cancelled: the figures were not counted. They are counted when you next "
                "open this page or choose a year.",
                "reading the self-assessment",
                counting=True,
            )
        self.context.op(code.code_year_inputs, year).on_done(self._show_inputs).on_error(
            failed
        ).run()
        self.context.op(code.code_findings_for, year).on_done(self.findings.set_rows).on_error(
            failed
        ).run()
        self.context.op(code.self_assessment_history, year).on_done(self.history.set_rows).on_error(
            failed
        ).run()

    def _show(self, assessment: SelfAssessment) -> None:
        chosen = self.current_row()
        self.assessment = assessment
        self.rows.set_rows(assessment.rows)
        note = f" {assessment.change_note}" if assessment.change_note else ""
        self.status.setText(
            f"{assessment.answered} of {len(assessment.rows)} provisions answered for "
            f"{FinancialYear(assessment.year).label}. The figures are counted from the cases "
            f"as of today; a suggested answer is not saved until you save it.{note}"
        )
        keys = [r.provision.key for r in assessment.rows]
        index = keys.index(chosen.provision.key) if chosen is not None else 0
        self.table.selectRow(index)
        self._fill(assessment.rows[index])

    def current_row(self) -> Row | None:
        row = self.rows.row_at(self.table.currentIndex().row())
        return row if isinstance(row, Row) else None

    def _row_chosen(self, *_args: object) -> None:
        row = self.current_row()
        if row is not None:
            self._fill(row)

    def _fill(self, row: Row) -> None:
        self._filling = True
        measured = f"\nMeasured: {row.measured.text}" if row.measured else ""
        self.provision_label.setText(f"{row.provision.label}: {row.provision.asks}{measured}")
        self.complies.setCurrentIndex(max(0, self.complies.findData(row.answer.complies or "")))
        self.evidence.setPlainText(row.answer.evidence)
        self.explanation.setPlainText(row.answer.explanation)
        self.action.setPlainText(row.answer.action)
        self.owner.setText(row.answer.owner)
        self._filling = False

    def answer_typed(self) -> Answer | None:
        row = self.current_row()
        if row is None:
            return None
        return replace(
            row.answer,
            complies=self.complies.currentData() or None,
            evidence=self.evidence.toPlainText(),
            explanation=self.explanation.toPlainText(),
            action=self.action.toPlainText(),
            owner=self.owner.text(),
        )

    def save_answer(self) -> None:
        answer = self.answer_typed()
        if answer is None or not self.may_edit:
            return
        show_error(self.error, "")

        def failed(exc: BaseException) -> None:
            show_error(self.error, error_text(exc, "saving the answer"))

        def done(assessment: SelfAssessment) -> None:
            self._show(assessment)
            self.context.op(code.self_assessment_history, assessment.year).on_done(
                self.history.set_rows
            ).on_error(failed).run()

        self.context.op(code.save_self_assessment, self.chosen_year, [answer]).on_done(
            done
        ).on_error(failed).run()

    # ---------------------------------------------------------------- export

    def choose_export(self) -> None:
        label = FinancialYear(self.chosen_year).label.replace("/", "-")
        suggested = str(documents_folder() / f"code-self-assessment-{label}.xlsx")
        chosen = self.ask_save_path(
            self, "Save the self-assessment as", suggested, "Excel workbooks (*.xlsx)"
        )
        if chosen:
            self.export_to(Path(chosen if chosen.lower().endswith(".xlsx") else chosen + ".xlsx"))

    def export_to(self, path: Path) -> None:
        show_error(self.error, "")

        def done(out: Path) -> None:
            self._stopped()
            self.status.setText(f"The self-assessment is saved as {out}.")

        self.status.setText("")
        self._run_long(
            self.context.op(code.export_self_assessment, self.chosen_year, path).on_done(done),
            "Counting the figures for the spreadsheet…",
            "Cancelled: no spreadsheet was saved.",
            "saving the spreadsheet",
        )

    # ------------------------------------------------------------ the year's inputs

    def _build_inputs(self, parent: QWidget) -> QWidget:
        page = QWidget(parent)
        form = QFormLayout(page)
        self.body = QLineEdit(page)
        self.body.setObjectName("GoverningBody")
        self.body.setAccessibleName("Governing body the report goes to")
        form.addRow("Governing body", self.body)
        self.response = self._text(page, "Governing body's response")
        form.addRow("Their response", self.response)
        self.received = DateEdit(page)
        self.received.setObjectName("LetterReceived")
        self.received.setAccessibleName("Annual letter received on")
        self.received.setCalendarPopup(True)
        self.received.setDisplayFormat("d MMM yyyy")
        self.received.setSpecialValueText("Not received")
        self.received.setMinimumDate(QDate(2000, 1, 1))
        form.addRow("Letter received on", self.received)
        self.figures: dict[str, QSpinBox | QDoubleSpinBox] = {}
        for name, label, kind in LETTER_FIGURES:
            box: QSpinBox | QDoubleSpinBox
            if kind == "percent":
                box = QDoubleSpinBox(page)
                box.setRange(-1, 100)
                box.setDecimals(1)
                box.setSuffix("%")
            else:
                box = QSpinBox(page)
                box.setRange(-1, 1_000_000)
            box.setSpecialValueText("Not given")  # the minimum, -1, means no figure
            box.setObjectName(name)
            box.setAccessibleName(label)
            self.figures[name] = box
            form.addRow(label, box)
        self.letter_text = self._text(page, "The annual letter's text")
        self.letter_text.setFixedHeight(120)
        form.addRow("Letter's text", self.letter_text)
        self.other_reports = self._text(page, "Other reports of the Ombudsman")
        form.addRow("Other Ombudsman reports", self.other_reports)
        buttons = QHBoxLayout()
        self.load_figures_button = QPushButton("Load the figures from a CSV file…", page)
        self.load_figures_button.setObjectName("LoadLetterFigures")
        self.load_figures_button.clicked.connect(self.choose_figures)
        buttons.addWidget(self.load_figures_button)
        self.save_inputs_button = QPushButton("Save the year's inputs", page)
        self.save_inputs_button.setObjectName("SaveCodeInputs")
        self.save_inputs_button.clicked.connect(self.save_inputs)
        buttons.addWidget(self.save_inputs_button)
        buttons.addStretch(1)
        form.addRow(buttons)
        return page

    def _show_inputs(self, inputs: CodeYearInputs) -> None:
        self.inputs = inputs
        self.body.setText(inputs.governing_body)
        self.response.setPlainText(inputs.governing_body_response)
        if inputs.letter_received_on is not None:
            day = inputs.letter_received_on
            self.received.setDate(QDate(day.year, day.month, day.day))
        else:
            self.received.setDate(self.received.minimumDate())
        for name, box in self.figures.items():
            value = getattr(inputs, name)
            box.setValue(-1 if value is None else value)
        self.letter_text.setPlainText(inputs.letter_text)
        self.other_reports.setPlainText(inputs.other_reports)

    def inputs_typed(self) -> CodeYearInputs:
        inputs = self.inputs or CodeYearInputs(self.chosen_year)
        chosen = self.received.date()
        received: dt.date | None = (
            None
            if chosen == self.received.minimumDate()
            else dt.date(chosen.year(), chosen.month(), chosen.day())
        )
        values: dict[str, object] = {}
        for name, box in self.figures.items():
            value = box.value()
            values[name] = None if value < 0 else value
        return replace(
            inputs,
            governing_body=self.body.text(),
            governing_body_response=self.response.toPlainText(),
            letter_received_on=received,
            letter_text=self.letter_text.toPlainText(),
            other_reports=self.other_reports.toPlainText(),
            **values,  # type: ignore[arg-type]
        )

    def save_inputs(self, then: Callable[[], None] | None = None) -> None:
        if not self.may_edit:
            return
        show_error(self.error, "")

        def failed(exc: BaseException) -> None:
            show_error(self.error, error_text(exc, "saving the year's inputs"))

        def done(saved: CodeYearInputs) -> None:
            self._show_inputs(saved)
            self.status.setText("The year's inputs are saved.")

        self.context.op(code.save_code_year_inputs, self.inputs_typed()).on_done(done).on_error(
            failed
        ).run()

    def choose_figures(self) -> None:
        chosen = self.ask_open_path(
            self, "The annual letter's figures", str(documents_folder()), "CSV files (*.csv)"
        )
        if chosen:
            self.load_figures(Path(chosen))

    def load_figures(self, path: Path) -> None:
        if not self.may_edit:
            return
        show_error(self.error, "")

        def done(inputs: CodeYearInputs) -> None:
            self._stopped()
            self._show_inputs(inputs)
            self.status.setText(f"The letter's figures are loaded from {path.name} and saved.")

        self.status.setText("")
        self._run_long(
            self.context.op(code.load_letter_figures, self.chosen_year, path).on_done(done),
            f"Loading the letter's figures from {path.name}…",
            "Cancelled: the letter's figures were not loaded; nothing was saved.",
            "loading the letter's figures",
        )

    # ------------------------------------------------------- findings and history

    def _build_findings(self, parent: QWidget) -> QWidget:
        page = QWidget(parent)
        column = QVBoxLayout(page)
        intro = QLabel(
            "What the Ombudsman found the council did not comply with in the Code, as each "
            "decision of the year says. Record it on the case's Ombudsman decision.",
            page,
        )
        intro.setWordWrap(True)
        column.addWidget(intro)
        self.findings = RowsModel(
            [
                Column("Case", lambda f: f.reference),
                Column("Ombudsman reference", lambda f: f.lgsco_reference),
                Column("Decision", lambda f: f.decision),
                Column("Decided on", lambda f: format_date(f.decided_on)),
                Column("Finding", lambda f: f.finding),
            ],
            page,
        )
        column.addWidget(table_view(self.findings, "Findings of non-compliance", page), 1)
        form = QFormLayout()
        self.finding_case = QLineEdit(page)
        self.finding_case.setObjectName("FindingCase")
        self.finding_case.setAccessibleName("Case reference")
        form.addRow("Case reference", self.finding_case)
        self.finding_text = self._text(page, "Finding")
        form.addRow("Finding (empty: none)", self.finding_text)
        self.record_finding_button = QPushButton("Record the finding", page)
        self.record_finding_button.setObjectName("RecordFinding")
        self.record_finding_button.clicked.connect(self.record_finding)
        self.record_finding_button.setEnabled(self.context.allows(Permission.WORK_CASES))
        form.addRow(self.record_finding_button)
        column.addLayout(form)
        return page

    def record_finding(self) -> None:
        reference = self.finding_case.text().strip()
        if not reference:
            show_error(self.error, "Type the case's reference.")
            return
        show_error(self.error, "")

        def failed(exc: BaseException) -> None:
            show_error(self.error, error_text(exc, "recording the finding"))

        def done(_version: int) -> None:
            self.status.setText(f"The finding on {reference} is recorded.")
            self.finding_text.setPlainText("")
            self.context.op(code.code_findings_for, self.chosen_year).on_done(
                self.findings.set_rows
            ).on_error(failed).run()

        self.context.op(
            code.record_code_finding, reference, self.finding_text.toPlainText()
        ).on_done(done).on_error(failed).run()

    def _build_history(self, parent: QWidget) -> QWidget:
        page = QWidget(parent)
        column = QVBoxLayout(page)
        self.history = RowsModel(
            [
                Column("On", lambda c: format_date(c.changed_at.date())),
                Column("By", lambda c: c.changed_by or ""),
                Column("Provision", lambda c: c.provision),
                Column("Complies", lambda c: (c.complies or "").capitalize()),
                Column("Evidence", lambda c: c.evidence),
                Column("Explanation", lambda c: c.explanation),
                Column("Action", lambda c: c.action),
                Column("Owner", lambda c: c.owner),
            ],
            page,
        )
        column.addWidget(table_view(self.history, "History of answers", page), 1)
        return page
