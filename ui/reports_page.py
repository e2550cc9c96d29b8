"""The Reports page: the one-click annual report, its commentary, exports, baseline figures
and the historical import.

The annual report: choose the financial year (the last complete one to start with) and
the procedure, press "Make the PDF". The figures are counted and the PDF (and, if asked,
the XLSX workbook) written off the GUI thread with a progress bar and Cancel, by the
operation the command line uses too (``operations.reports.write_annual_report``): the
files are written beside their targets and renamed into place only when complete, then
the PDF opens. What the signed-in user may do here (make reports, write the commentary,
load baseline figures, import) is the access policy's answer. ``open_file`` and the
file choosers are attributes so tests can replace them without patching Qt.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.domain.enums import Procedure
from crm_desktop.domain.financial_year import FinancialYear
from crm_desktop.domain.formatting import format_date
from crm_desktop.operations import reports
from crm_desktop.operations.core import Change
from crm_desktop.operations.policy import Permission
from crm_desktop.reports.annual import FIRST_YEAR, ReportFiles
from crm_desktop.reports.baseline import BaselineResult
from crm_desktop.reports.commentary import SECTIONS
from ui.context import AppContext
from ui.files import (
    AskPath,
    ask_open_path,
    ask_save_path,
    documents_folder,
    open_with_system,
    remember_folder,
    remembered_folder,
)
from ui.ombudsman_letter import OmbudsmanLetterBox
from ui.pages import Page
from ui.queues_page import ProgressStrip
from ui.widgets import (
    Column,
    RowsModel,
    date_edit,
    error_label,
    error_text,
    from_qdate,
    scrolled,
    show_error,
    table_view,
    with_mnemonic,
)

PROCEDURE_CHOICES: tuple[tuple[str, str], ...] = (
    ("all", "All procedures"),
    (Procedure.CHILDREN.value, "Children's social care"),
    (Procedure.ADULT.value, "Adult social care"),
    (Procedure.CORPORATE.value, "Corporate"),
)
SHORT_TITLES = {
    "children": "Children's",
    "adult": "Adult",
    "corporate": "Corporate",
    "kpis": "KPIs",
    "lgsco": "Ombudsman",
    "learning": "Learning",
}
REPORT_CHOICES: tuple[tuple[str, str], ...] = (
    ("annual", "Annual report"),
    ("code", "Complaint Handling Code report (corporate complaints)"),
)
EXPORT_CHOICES = (("cases", "Cases"), ("points", "Complaint points"), ("stages", "Stages"))


def last_complete_year(today: dt.date) -> int:
    """The financial year that ended most recently: on 2 June 2025, 2024 (2024/25)."""
    current = today.year if today >= dt.date(today.year, 4, 1) else today.year - 1
    return current - 1


def _heading(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 1.4)
    font.setBold(True)
    label.setFont(font)
    return label


def _note(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setWordWrap(True)
    return label


class ReportsPage(Page):
    title = "Reports"
    cares_about = frozenset({Change.REPORT_INPUTS, Change.CASES})

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.setObjectName("ReportsPage")
        self.open_file: Callable[[Path], None] = open_with_system
        self.ask_save_path: AskPath = ask_save_path
        self.ask_open_path: AskPath = ask_open_path
        self.import_wizard: Any = None
        self.last_report: Path | None = None
        self.last_workbook: Path | None = None
        self.last_web_page: Path | None = None
        self.commentary_year: int | None = None
        self._commentary_dirty = False
        self._filling = False
        self._chosen_pdf = False  # the user chose the PDF's name: keep it
        self.keys: set[str] = set()  # Alt-keys the page's buttons hold

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        body = QWidget(self)
        outer.addWidget(scrolled(body, "Reports", self))
        column = QVBoxLayout(body)
        column.addWidget(_heading("Reports", body))
        column.addWidget(self._build_annual(body))
        column.addWidget(self._build_commentary(body))
        column.addWidget(self._build_exports(body))
        column.addWidget(self._build_import(body))
        column.addWidget(self._build_baseline(body))
        self.letter = OmbudsmanLetterBox(
            self.context, last_complete_year(self.context.today()), body
        )
        column.addWidget(self.letter)
        column.addStretch(1)
        self._suggest_pdf()

    # ------------------------------------------------------------------ annual report

    def _build_annual(self, parent: QWidget) -> QGroupBox:
        box = QGroupBox("Annual report", parent)
        box.setObjectName("AnnualReportBox")
        form = QFormLayout(box)
        self.kind = QComboBox(box)
        self.kind.setObjectName("ReportKind")
        self.kind.setAccessibleName("Which report")
        for value, label in REPORT_CHOICES:
            self.kind.addItem(label, value)
        form.addRow("Report", self.kind)
        today = self.context.today()
        newest = last_complete_year(today) + 1  # the year in progress, for a look so far
        self.year = QComboBox(box)
        self.year.setObjectName("ReportYear")
        self.year.setAccessibleName("Financial year")
        for year in range(newest, FIRST_YEAR - 1, -1):
            suffix = " (so far)" if year == newest else ""
            self.year.addItem(f"{FinancialYear(year).label}{suffix}", year)
        self.year.setCurrentIndex(self.year.findData(last_complete_year(today)))
        form.addRow("Financial year", self.year)
        self.procedure = QComboBox(box)
        self.procedure.setObjectName("ReportProcedure")
        self.procedure.setAccessibleName("Procedure")
        for value, label in PROCEDURE_CHOICES:
            self.procedure.addItem(label, value)
        form.addRow("Procedure", self.procedure)
        where = QWidget(box)
        where_row = QHBoxLayout(where)
        where_row.setContentsMargins(0, 0, 0, 0)
        self.pdf_path = QLineEdit(where)
        self.pdf_path.setObjectName("ReportPdfPath")
        self.pdf_path.setAccessibleName("Where to save the PDF")
        self.pdf_path.textEdited.connect(self._pdf_named)
        where_row.addWidget(self.pdf_path, 1)
        choose = QPushButton("Choose…", where)
        choose.setObjectName("ChooseReportPath")
        choose.setAccessibleName("Choose where to save the PDF")
        choose.clicked.connect(self.choose_pdf_path)
        where_row.addWidget(choose)
        form.addRow("Save the PDF as", where)
        self.with_xlsx = QCheckBox("Also save the figures as a spreadsheet (XLSX) beside it", box)
        self.with_xlsx.setObjectName("ReportWithXlsx")
        form.addRow("", self.with_xlsx)
        self.with_html = QCheckBox(
            "Also save it as an accessible web page (HTML) for the council's website", box
        )
        self.with_html.setObjectName("ReportWithHtml")
        form.addRow("", self.with_html)
        buttons = QHBoxLayout()
        self.make_button = QPushButton(with_mnemonic("Make the PDF", self.keys), box)
        self.make_button.setObjectName("MakeReportButton")
        self.make_button.setDefault(True)
        self.make_button.setToolTip(
            "Count the figures for the year and the year before, write the PDF and open it"
        )
        self.make_button.clicked.connect(self.make_report)
        self.make_button.setEnabled(self._may_report())
        buttons.addWidget(self.make_button)
        buttons.addStretch(1)
        form.addRow(buttons)
        self.report_progress = ProgressStrip("Annual report", box)
        self.report_progress.cancel_button.clicked.connect(self._report_cancelled)
        form.addRow(self.report_progress)
        self.report_status = _note("", box)
        self.report_status.setObjectName("ReportStatus")
        form.addRow(self.report_status)
        self.report_error = error_label("ReportError", box)
        form.addRow(self.report_error)
        self.year.currentIndexChanged.connect(self._year_changed)
        self.procedure.currentIndexChanged.connect(self._suggest_pdf)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        return box

    @property
    def chosen_kind(self) -> str:
        return str(self.kind.currentData())

    def _kind_changed(self) -> None:
        # The Code's report is of corporate complaints only: no procedure to choose.
        self.procedure.setEnabled(self.chosen_kind == "annual")
        self._suggest_pdf()

    def _may_report(self) -> bool:
        return self.context.allows(Permission.RUN_REPORTS)

    def _may_edit_inputs(self) -> bool:
        return self.context.allows(Permission.EDIT_REPORT_INPUTS)

    @property
    def chosen_year(self) -> int:
        return int(self.year.currentData())

    @property
    def chosen_procedures(self) -> list[Procedure] | None:
        value = self.procedure.currentData()
        return None if value == "all" else [Procedure(value)]

    def _pdf_named(self, _text: str) -> None:
        self._chosen_pdf = True

    # The annual report's file dialog; its folder is remembered under this one title,
    # whether chosen there or used by the one-click report.
    REPORT_TITLE = "Save the annual report as"

    def remembered_folder(self) -> Path | None:
        """The folder this user last saved an annual report in, if it is still there."""
        return remembered_folder(self, self.REPORT_TITLE)

    def _suggest_pdf(self) -> None:
        if self._chosen_pdf and self.pdf_path.text().strip():
            folder = Path(self.pdf_path.text().strip()).parent
        else:
            folder = self.remembered_folder() or documents_folder()
        label = FinancialYear(self.chosen_year).label.replace("/", "-")
        if self.chosen_kind == "code":
            name = f"code-report-{label}"
        else:
            name = f"annual-report-{label}"
            if self.procedure.currentData() != "all":
                name += f"-{self.procedure.currentData()}"
        self.pdf_path.setText(str(folder / f"{name}.pdf"))

    def choose_pdf_path(self) -> None:
        chosen = self.ask_save_path(
            self, self.REPORT_TITLE, self.pdf_path.text(), "PDF files (*.pdf)"
        )
        if chosen:
            if not chosen.lower().endswith(".pdf"):
                chosen += ".pdf"
            self.pdf_path.setText(chosen)
            self._chosen_pdf = True

    def make_report(self) -> None:
        """Count, lay out and write the report off the GUI thread, then open the PDF."""
        show_error(self.report_error, "")
        if self.context.database is None or not self._may_report():
            return
        text = self.pdf_path.text().strip()
        if not text:
            show_error(self.report_error, "Say where to save the PDF.")
            return
        pdf = Path(text).expanduser()
        if pdf.suffix.lower() != ".pdf":
            pdf = pdf.with_name(pdf.name + ".pdf")
        workbook = pdf.with_suffix(".xlsx") if self.with_xlsx.isChecked() else None
        if pdf.parent == documents_folder():
            documents_folder(create=True)  # the default: a new profile may have none yet
        if not pdf.parent.is_dir() and not self._make_folder(pdf.parent):
            return
        web_page = pdf.with_suffix(".html") if self.with_html.isChecked() else None
        year, procedures = self.chosen_year, self.chosen_procedures

        def counted(cases: int) -> None:
            label = FinancialYear(year).label
            if cases == 0 and not self.context.notifier.confirm(
                "No cases in this year",
                f"No case was received or responded to in {label}"
                + ("" if procedures is None else f" ({self.procedure.currentText()})")
                + ", so every table of the report would be empty or zero. Make it anyway?",
                yes="Make it anyway",
                no="Choose another year",
            ):
                self.report_status.setText(f"No report made: {label} has no cases.")
                return
            if self._commentary_dirty and self._may_edit_inputs():
                # What the manager typed belongs in the report: save it first, then make it.
                self.save_commentary(then=lambda: self._make(pdf, workbook, web_page))
                return
            self._make(pdf, workbook, web_page)

        self.context.op(reports.cases_in_year, year, procedures).on_done(counted).on_error(
            lambda exc: show_error(self.report_error, error_text(exc, "counting the cases"))
        ).run()

    def _make_folder(self, folder: Path) -> bool:
        """A folder that does not exist yet: made, if the user agrees."""
        if not self.context.notifier.confirm(
            "Make the folder?",
            f"The folder {folder} does not exist. Make it and save the report there?",
            yes="Make the folder",
            no="Cancel",
        ):
            show_error(
                self.report_error,
                f"The folder {folder} does not exist. Choose another folder, or let the "
                "program make it.",
            )
            return False
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            show_error(
                self.report_error,
                f"The folder {folder} cannot be made ({exc.strerror or exc}). Choose another.",
            )
            return False
        return True

    def _make(self, pdf: Path, workbook: Path | None, web_page: Path | None = None) -> None:
        year, procedures = self.chosen_year, self.chosen_procedures
        self.make_button.setEnabled(False)
        self.report_status.setText("")
        self.report_progress.run(
            self.context.op(
                reports.write_annual_report,
                year,
                procedures,
                pdf,
                workbook,
                web_page=web_page,
                kind=self.chosen_kind,
            )
            .with_progress(self.report_progress.progress)
            .on_done(self._report_made)
            .on_error(self._report_failed),
            f"Counting the figures for {FinancialYear(year).label}…",
        )

    def _report_made(self, files: ReportFiles) -> None:
        self.report_progress.finish()
        self.make_button.setEnabled(True)
        self.last_report, self.last_workbook = files.pdf, files.workbook
        remember_folder(self, self.REPORT_TITLE, str(files.pdf))
        self.last_web_page = files.web_page
        text = f"{files.name} is saved as {files.pdf}"
        if files.workbook is not None:
            text += f", its figures as {files.workbook}"
        if files.web_page is not None:
            text += f", and as a web page as {files.web_page}"
        self.report_status.setText(text + ".")
        self.open_file(files.pdf)

    def _report_failed(self, exc: BaseException) -> None:
        self.report_progress.finish()
        self.make_button.setEnabled(True)
        show_error(self.report_error, error_text(exc, "making the annual report"))

    def _report_cancelled(self) -> None:
        self.make_button.setEnabled(True)
        self.report_status.setText("Cancelled: no report was saved.")

    # --------------------------------------------------------------------- commentary

    def _build_commentary(self, parent: QWidget) -> QGroupBox:
        box = QGroupBox("Commentary", parent)
        box.setObjectName("CommentaryBox")
        layout = QVBoxLayout(box)
        manager = self._may_edit_inputs()
        self.commentary_note = _note(
            "A paragraph at the start of each section of the report, kept for the year chosen "
            "above. It is printed exactly as typed."
            + ("" if manager else " Your role cannot change it."),
            box,
        )
        layout.addWidget(self.commentary_note)
        self.commentary_tabs = QTabWidget(box)
        self.commentary_tabs.setObjectName("CommentaryTabs")
        self.commentary_tabs.setAccessibleName("Commentary sections")
        self.commentary: dict[str, QPlainTextEdit] = {}
        for key, title in SECTIONS.items():
            edit = QPlainTextEdit(self.commentary_tabs)
            edit.setObjectName(f"Commentary_{key}")
            edit.setAccessibleName(f"Commentary: {title}")
            edit.setTabChangesFocus(True)
            edit.setReadOnly(not manager)
            edit.textChanged.connect(self._commentary_typed)
            self.commentary[key] = edit
            self.commentary_tabs.addTab(edit, SHORT_TITLES.get(key, title))
            self.commentary_tabs.setTabToolTip(self.commentary_tabs.count() - 1, title)
        self.commentary_tabs.setMinimumHeight(self.fontMetrics().height() * 12)
        layout.addWidget(self.commentary_tabs, 1)
        row = QHBoxLayout()
        self.commentary_status = QLabel("", box)
        self.commentary_status.setObjectName("CommentaryStatus")
        row.addWidget(self.commentary_status, 1)
        self.save_commentary_button = QPushButton("Save commentary", box)
        self.save_commentary_button.setObjectName("SaveCommentaryButton")
        self.save_commentary_button.setEnabled(False)
        self.save_commentary_button.setVisible(manager)
        self.save_commentary_button.clicked.connect(lambda: self.save_commentary())
        row.addWidget(self.save_commentary_button)
        layout.addLayout(row)
        self.commentary_error = error_label("CommentaryError", box)
        layout.addWidget(self.commentary_error)
        return box

    def _commentary_typed(self) -> None:
        if not self._filling:
            self._commentary_dirty = True
            self.save_commentary_button.setEnabled(True)
            self.commentary_status.setText("Not saved yet")

    def _year_changed(self) -> None:
        self._suggest_pdf()
        if self.commentary_year == self.chosen_year:
            return
        if self._commentary_dirty and not self.context.notifier.confirm(
            "Commentary not saved",
            f"You have changed the commentary for {FinancialYear(self.commentary_year or 0).label} "
            "without saving it. Show another year and lose those changes?",
            yes="Lose the changes",
            no="Keep editing",
        ):
            self.year.blockSignals(True)
            self.year.setCurrentIndex(self.year.findData(self.commentary_year))
            self.year.blockSignals(False)
            self._suggest_pdf()
            return
        self._commentary_dirty = False
        self.reload()

    def reload(self) -> None:
        """Load the chosen year's commentary (and the Ombudsman's figures entered)."""
        if self.context.database is None:
            return
        self.letter.load()
        year = self.chosen_year
        if self._commentary_dirty and year == self.commentary_year:
            return  # never throw away what the manager is typing

        def failed(exc: BaseException) -> None:
            show_error(self.commentary_error, error_text(exc, "loading the commentary"))

        self.context.op(reports.commentary_for, year).on_done(
            lambda texts: self._fill_commentary(year, texts)
        ).on_error(failed).run()

    def _fill_commentary(self, year: int, texts: dict[str, str]) -> None:
        self._filling = True
        try:
            for key, edit in self.commentary.items():
                edit.setPlainText(texts.get(key, ""))
        finally:
            self._filling = False
        self.commentary_year = year
        self._commentary_dirty = False
        self.save_commentary_button.setEnabled(False)
        show_error(self.commentary_error, "")
        self.commentary_status.setText(f"Commentary for {FinancialYear(year).label}")

    def save_commentary(self, then: Callable[[], None] | None = None) -> None:
        if self.context.database is None or self.commentary_year is None:
            return
        year = self.commentary_year
        texts = {key: edit.toPlainText() for key, edit in self.commentary.items()}
        show_error(self.commentary_error, "")

        def done(saved: dict[str, str]) -> None:
            self._fill_commentary(year, saved)
            self.commentary_status.setText(f"Commentary for {FinancialYear(year).label} saved")
            if then is not None:
                then()

        def failed(exc: BaseException) -> None:
            show_error(self.commentary_error, error_text(exc, "saving the commentary"))

        self.context.op(reports.save_commentary, year, texts).on_done(done).on_error(failed).run()

    # ------------------------------------------------------------------------ exports

    def _build_exports(self, parent: QWidget) -> QGroupBox:
        box = QGroupBox("Exports for Power BI and other tools", parent)
        box.setObjectName("ExportsBox")
        form = QFormLayout(box)
        self.export_what = QComboBox(box)
        self.export_what.setObjectName("ExportWhat")
        self.export_what.setAccessibleName("What to export")
        for value, label in EXPORT_CHOICES:
            self.export_what.addItem(label, value)
        form.addRow("Export", self.export_what)
        self.export_format = QComboBox(box)
        self.export_format.setObjectName("ExportFormat")
        self.export_format.setAccessibleName("File type")
        self.export_format.addItem("CSV (UTF-8)", ".csv")
        self.export_format.addItem("Excel workbook (XLSX)", ".xlsx")
        form.addRow("As", self.export_format)
        today = self.context.today()
        self.export_all_dates = QCheckBox("Every case, whenever received", box)
        self.export_all_dates.setObjectName("ExportAllDates")
        form.addRow("Received", self.export_all_dates)
        dates = QWidget(box)
        dates_row = QHBoxLayout(dates)
        dates_row.setContentsMargins(0, 0, 0, 0)
        start = dt.date(last_complete_year(today), 4, 1)
        self.export_from = date_edit(start, "Export from", dates)
        self.export_to = date_edit(dt.date(start.year + 1, 3, 31), "Export to", dates)
        dates_row.addWidget(QLabel("from", dates))
        dates_row.addWidget(self.export_from, 1)
        dates_row.addWidget(QLabel("to", dates))
        dates_row.addWidget(self.export_to, 1)
        form.addRow("", dates)
        self.export_all_dates.toggled.connect(lambda on: dates.setEnabled(not on))
        self.export_button = QPushButton(with_mnemonic("Export…", self.keys), box)
        self.export_button.setObjectName("ExportButton")
        self.export_button.clicked.connect(self.choose_export)
        self.export_button.setEnabled(self._may_report())
        form.addRow("", self.export_button)
        self.export_progress = ProgressStrip("Export", box)
        self.export_progress.cancel_button.clicked.connect(self._export_cancelled)
        form.addRow(self.export_progress)
        self.export_status = _note("", box)
        self.export_status.setObjectName("ExportStatus")
        form.addRow(self.export_status)
        self.export_error = error_label("ExportError", box)
        form.addRow(self.export_error)
        return box

    def _export_dates_problem(self) -> str | None:
        """What is wrong with the export's dates, said as what to do; None when nothing."""
        if self.export_all_dates.isChecked():
            return None
        start, end = from_qdate(self.export_from.date()), from_qdate(self.export_to.date())
        if end < start:
            return (
                f"Set the 'to' date on or after the 'from' date ({format_date(start)}), "
                "or tick 'Every case, whenever received'."
            )
        return None

    def choose_export(self) -> None:
        # The dates are checked before asking where to save: not after a file is chosen.
        show_error(self.export_error, "")
        problem = self._export_dates_problem()
        if problem:
            show_error(self.export_error, problem)
            self.export_to.setFocus()
            return
        what, suffix = self.export_what.currentData(), self.export_format.currentData()
        kind = "CSV files (*.csv)" if suffix == ".csv" else "Excel workbooks (*.xlsx)"
        name = f"{what}-{self.context.today().isoformat()}{suffix}"
        suggested = documents_folder(create=True) / name
        chosen = self.ask_save_path(self, f"Export {what} as", str(suggested), kind)
        if chosen:
            path = Path(chosen)
            if path.suffix.lower() != suffix:
                path = path.with_name(path.name + suffix)
            self.export_to_file(path)

    def export_to_file(self, path: Path) -> None:
        if self.context.database is None:
            return
        show_error(self.export_error, "")
        what = str(self.export_what.currentData())
        problem = self._export_dates_problem()
        if problem:
            show_error(self.export_error, problem)
            return
        start = end = None
        if not self.export_all_dates.isChecked():
            start, end = from_qdate(self.export_from.date()), from_qdate(self.export_to.date())

        def done(count: int) -> None:
            self.export_progress.finish()
            self.export_button.setEnabled(True)
            self.export_status.setText(f"Exported {count:,} {what} to {path}.")

        def failed(exc: BaseException) -> None:
            self.export_progress.finish()
            self.export_button.setEnabled(True)
            show_error(self.export_error, error_text(exc, f"exporting the {what}"))

        self.export_button.setEnabled(False)
        self.export_progress.run(
            self.context.op(reports.export_data, what, path, start, end)
            .with_progress(self.export_progress.progress)
            .on_done(done)
            .on_error(failed),
            f"Exporting the {what}…",
        )

    def _export_cancelled(self) -> None:
        self.export_button.setEnabled(True)
        self.export_status.setText("Cancelled: nothing was exported.")

    # ------------------------------------------------------------------------- import

    def _build_import(self, parent: QWidget) -> QGroupBox:
        box = QGroupBox("Historical cases", parent)
        box.setObjectName("ImportBox")
        layout = QVBoxLayout(box)
        layout.addWidget(
            _note(
                "Bring last years' cases in from a spreadsheet (CSV or XLSX, one row per "
                "stage). The whole file is checked first and you see what it holds; nothing "
                "is imported while anything in it is wrong.",
                box,
            )
        )
        self.import_button = QPushButton("Import cases from a file…", box)
        self.import_button.setObjectName("ImportButton")
        self.import_button.clicked.connect(self.open_import_wizard)
        may_import = self.context.allows(Permission.IMPORT_CASES)
        self.import_button.setEnabled(may_import)
        if not may_import:
            self.import_button.setToolTip("Your role cannot import cases.")
        layout.addWidget(self.import_button)
        return box

    def open_import_wizard(self) -> Any:
        from ui.import_wizard import ImportWizard

        if self.context.database is None or not self.context.allows(Permission.IMPORT_CASES):
            return None
        if self.import_wizard is not None and self.import_wizard.isVisible():
            self.import_wizard.raise_()
            return self.import_wizard
        wizard = ImportWizard(self.context, self)
        wizard.ask_open_path = self.ask_open_path
        self.import_wizard = wizard
        wizard.open()
        return wizard

    # ----------------------------------------------------------------------- baseline

    def _build_baseline(self, parent: QWidget) -> QGroupBox:
        box = QGroupBox("Baseline figures", parent)
        box.setObjectName("BaselineBox")
        layout = QVBoxLayout(box)
        layout.addWidget(
            _note(
                "For a year before the council used CRM Desktop: its published tables, used "
                "in the report's comparison columns and marked as baseline. Save the "
                "template, fill in the values, and load it. Nothing is loaded while the file "
                "has an error.",
                box,
            )
        )
        row = QHBoxLayout()
        self.baseline_year = QComboBox(box)
        self.baseline_year.setObjectName("BaselineYear")
        self.baseline_year.setAccessibleName("Year of the baseline figures")
        for year in range(last_complete_year(self.context.today()), FIRST_YEAR - 1, -1):
            self.baseline_year.addItem(FinancialYear(year).label, year)
        self.baseline_year.setCurrentIndex(1)
        row.addWidget(QLabel("Year", box))
        row.addWidget(self.baseline_year)
        self.template_button = QPushButton("Save the template…", box)
        self.template_button.setObjectName("BaselineTemplateButton")
        self.template_button.clicked.connect(self.choose_template_path)
        row.addWidget(self.template_button)
        self.load_baseline_button = QPushButton("Load a filled-in file…", box)
        self.load_baseline_button.setObjectName("LoadBaselineButton")
        self.load_baseline_button.clicked.connect(self.choose_baseline_file)
        may_load = self._may_edit_inputs()
        for button in (self.template_button, self.load_baseline_button):
            button.setEnabled(may_load)
            if not may_load:
                button.setToolTip("Your role cannot change baseline figures.")
        row.addWidget(self.load_baseline_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.baseline_status = _note("", box)
        self.baseline_status.setObjectName("BaselineStatus")
        layout.addWidget(self.baseline_status)
        self.baseline_error = error_label("BaselineError", box)
        layout.addWidget(self.baseline_error)
        self.baseline_errors_model = RowsModel(
            [
                Column("Row", lambda e: e.row, True),
                Column("Column", lambda e: e.column),
                Column("Reason", lambda e: e.reason),
            ],
            box,
        )
        self.baseline_errors_model.setObjectName("BaselineErrors")
        self.baseline_errors_view: QTableView = table_view(
            self.baseline_errors_model, "Baseline file errors", box
        )
        self.baseline_errors_view.setVisible(False)
        layout.addWidget(self.baseline_errors_view, 1)
        return box

    def choose_template_path(self) -> None:
        year = int(self.baseline_year.currentData())
        label = FinancialYear(year).label.replace("/", "-")
        suggested = documents_folder(create=True) / f"baseline-{label}.csv"
        chosen = self.ask_save_path(
            self, "Save the baseline template as", str(suggested), "CSV files (*.csv)"
        )
        if chosen:
            self.save_template(Path(chosen), year)

    def save_template(self, path: Path, year: int) -> None:
        if self.context.database is None:
            return
        show_error(self.baseline_error, "")

        def done(target: Path) -> None:
            self.baseline_status.setText(
                f"The template for {FinancialYear(year).label} is saved as {target}. Fill "
                "in the values (leave a row empty where there is no figure) and load it."
            )

        def failed(exc: BaseException) -> None:
            show_error(self.baseline_error, error_text(exc, "saving the template"))

        self.context.op(reports.save_baseline_template, year, path).on_done(done).on_error(
            failed
        ).run()

    def choose_baseline_file(self) -> None:
        chosen = self.ask_open_path(
            self, "Load baseline figures", str(documents_folder()), "CSV files (*.csv)"
        )
        if chosen:
            self.load_baseline(Path(chosen))

    def load_baseline(self, path: Path) -> None:
        if self.context.database is None or not self._may_edit_inputs():
            return
        show_error(self.baseline_error, "")

        def done(result: BaselineResult) -> None:
            self.baseline_errors_model.set_rows(result.errors)
            self.baseline_errors_view.setVisible(bool(result.errors))
            if result.errors:
                count = len(result.errors)
                show_error(
                    self.baseline_error,
                    f"Nothing was loaded: {count} error{'s' * (count != 1)} in {path.name}, "
                    "listed below. Correct the file and load it again.",
                )
                self.baseline_status.setText("")
                return
            self.baseline_status.setText(
                f"Loaded {result.loaded:,} baseline figures for {len(result.tables)} "
                f"table{'s' * (len(result.tables) != 1)} from {path.name}."
            )

        def failed(exc: BaseException) -> None:
            show_error(self.baseline_error, error_text(exc, "loading the baseline figures"))

        self.context.op(reports.load_baseline, path).on_done(done).on_error(failed).run()
