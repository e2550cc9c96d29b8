"""The historical import as a wizard: choose the file, see what it holds, import, see the
summary.

1. **The file** (CSV or XLSX in IMPORT_FORMAT.md's format).
2. **Check**: the whole file is read and checked off the GUI thread, exactly as the
   import will (a dry run, ``operations.imports.check_file``). The page shows the cases
   it would import by kind and procedure, the reference data it would add and the
   references it would skip, or, when anything is wrong, every error (row, column,
   reason) in a table, and Import stays disabled. The two options (skip cases already
   here, add missing reference data) are on this page, because they change what the
   check finds: ticking one checks the file again.
3. **Import**: the rows that were checked (not the file read again), all or nothing,
   with progress, then the summary.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from crm_desktop.domain.enums import Kind, Procedure
from crm_desktop.operations import imports
from crm_desktop.services.importer import (
    OPTION_FITS,
    ImportResult,
    RawRows,
    first_of,
    not_counted_text,
    started_when_received_text,
    summary,
)
from ui.context import AppContext
from ui.files import AskPath, ask_open_path
from ui.runner import Job
from ui.widgets import Column, RowsModel, error_label, error_text, show_error, table_view


@dataclass(frozen=True)
class CountRow:
    kind: str
    procedure: str
    cases: int


def count_rows(result: ImportResult) -> list[CountRow]:
    """Cases by kind and procedure, in the enums' order, with a total row."""
    rows = [
        CountRow(kind.value.title(), procedure.label, result.cases_of(kind, procedure))
        for kind in Kind
        for procedure in Procedure
        if result.cases_of(kind, procedure)
    ]
    if rows:
        rows.append(CountRow("Total", "", result.cases))
    return rows


def _show(bar: QProgressBar, done: int, total: int) -> None:
    """How far the work has got (a busy bar while the total is not known)."""
    bar.setRange(0, max(total, 0))
    bar.setValue(done)


def _wrap_reasons(view: QTableView) -> None:
    """A list of errors whose Reason wraps onto as many lines as it needs: with rows of
    a fixed height, word wrap alone still cut a long reason short with "…"."""
    view.setWordWrap(True)
    header = view.verticalHeader()
    header.setMinimumSectionSize(header.defaultSectionSize())  # a line keeps its room
    view.model().modelReset.connect(view.resizeRowsToContents)
    # The Reason column takes the width left: rows are measured again when it changes.
    view.horizontalHeader().sectionResized.connect(
        lambda column, _old, _new: view.resizeRowsToContents() if column == 2 else None
    )


def _note(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setWordWrap(True)
    return label


class FilePage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self.setObjectName("ImportFilePage")
        self.setTitle("Choose the file")
        self.setSubTitle(
            "A CSV file or an Excel workbook in the import format: one row per stage of a "
            "case, with a header row. Nothing is imported until you have seen what the file "
            "holds."
        )
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.path = QLineEdit(self)
        self.path.setObjectName("ImportPath")
        self.path.setAccessibleName("The file to import")
        self.path.textChanged.connect(self.completeChanged)
        row.addWidget(self.path, 1)
        choose = QPushButton("Choose…", self)
        choose.setObjectName("ChooseImportFile")
        choose.clicked.connect(self.choose)
        row.addWidget(choose)
        layout.addLayout(row)
        self.message = error_label("ImportFileError", self)
        layout.addWidget(self.message)
        layout.addStretch(1)

    def choose(self) -> None:
        wizard = self.wizard()
        assert isinstance(wizard, ImportWizard)
        chosen = wizard.ask_open_path(
            self, "Import cases from", self.path.text(), "Spreadsheets (*.csv *.xlsx)"
        )
        if chosen:
            self.path.setText(chosen)

    def isComplete(self) -> bool:
        return bool(self.path.text().strip())

    def validatePage(self) -> bool:
        path = Path(self.path.text().strip()).expanduser()
        if not path.is_file():
            show_error(self.message, f"There is no file {path}. Choose the file again.")
            return False
        show_error(self.message, "")
        return True


class CheckPage(QWizardPage):
    """The dry run: what the file holds, or every error; the options."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self.setObjectName("ImportCheckPage")
        self.setTitle("Check the file")
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, "&Import")
        self.result: ImportResult | None = None
        self.rows: RawRows | None = None
        self._checking = False
        self._job: Job | None = None
        layout = QVBoxLayout(self)
        self.skip_existing = QCheckBox(
            "Skip cases whose reference is already in the program (leave them as they are)",
            self,
        )
        self.skip_existing.setObjectName("SkipExisting")
        self.add_missing = QCheckBox(
            "Add directorates, service areas, teams, natures and service categories the file "
            "names but the program does not have yet",
            self,
        )
        self.add_missing.setObjectName("AddMissingReferenceData")
        for box in (self.skip_existing, self.add_missing):
            box.toggled.connect(self.check)
            layout.addWidget(box)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("ImportCheckProgress")
        self.progress.setAccessibleName("Checking the file")
        self.progress.setRange(0, 0)
        self.progress.setVisible(False)
        layout.addWidget(self.progress)
        self.verdict = _note("", self)
        self.verdict.setObjectName("ImportVerdict")
        layout.addWidget(self.verdict)
        self.message = error_label("ImportCheckError", self)
        layout.addWidget(self.message)
        self.counts_model = RowsModel(
            [
                Column("Kind", lambda r: r.kind),
                Column("Procedure", lambda r: r.procedure),
                Column("Cases", lambda r: f"{r.cases:,}", True),
            ],
            self,
        )
        self.counts_model.setObjectName("ImportCounts")
        self.counts_view = table_view(self.counts_model, "Cases to import", self)
        layout.addWidget(self.counts_view, 1)
        self.details = _note("", self)
        self.details.setObjectName("ImportDetails")
        layout.addWidget(self.details)
        self.errors_model = RowsModel(
            [
                Column("Row", lambda e: e.row, True),
                Column("Column", lambda e: e.column),
                Column("Reason", lambda e: e.reason),
            ],
            self,
            tone=lambda _e: "red",
            tone_column=0,
        )
        self.errors_model.setObjectName("ImportErrors")
        self.errors_view = table_view(self.errors_model, "Errors in the file", self)
        _wrap_reasons(self.errors_view)
        layout.addWidget(self.errors_view, 2)
        self.errors_view.setVisible(False)

    def initializePage(self) -> None:
        self.check()

    def check(self) -> None:
        wizard = self.wizard()
        assert isinstance(wizard, ImportWizard)
        if self._job is not None:
            self._job.cancel()  # its answer is for other options: drop it
        self.result = None
        self.rows = None
        self.completeChanged.emit()
        show_error(self.message, "")
        self.verdict.setText("Checking every row of the file…")
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.counts_model.set_rows([])
        self.errors_model.set_rows([])
        self.errors_view.setVisible(False)
        self.details.setText("")
        skip, add = self.skip_existing.isChecked(), self.add_missing.isChecked()
        self._checking = True
        self._job = (
            wizard.context.op(imports.check_file, wizard.path, skip, add)
            .with_progress(lambda done, total, _text: _show(self.progress, done, total))
            .on_done(self.checked)
            .on_error(self.failed)
            .run()
        )

    def checked(self, checked: imports.CheckedFile) -> None:
        self._checking = False
        self._job = None
        self.progress.setVisible(False)
        result = checked.result
        self.result, self.rows = result, checked.rows
        self.counts_model.set_rows(count_rows(result))
        details: list[str] = []
        if result.added_reference_data:
            details.append(
                "To add to the lists of service areas, natures and the like: "
                + "; ".join(result.added_reference_data)
                + "."
            )
        if result.suspension_not_counted:
            details.append(not_counted_text(result.suspension_not_counted, 20))
        if result.started_when_received:
            details.append(started_when_received_text(result.started_when_received, 20))
        if result.skipped:
            details.append(
                f"Already in the program, skipped ({len(result.skipped):,}): "
                f"{first_of(result.skipped, 20)}."
            )
        # Without errors the verdict (the import's own summary) says all of this already.
        self.details.setText("\n".join(details) if result.errors else "")
        if result.errors:
            count = len(result.errors)
            self.errors_model.set_rows(list(result.errors))
            self.errors_view.setVisible(True)
            self.counts_view.setVisible(False)
            # The options above put right only what an error says they would.
            optional = any(OPTION_FITS in e.reason for e in result.errors)
            self.verdict.setText(
                f"{count:,} error{'s' * (count != 1)} in the file "
                f"({result.rows:,} row{'s' * (result.rows != 1)} read). "
                "Nothing can be imported until every one is put right: correct the file and "
                + (
                    "choose it again, or tick an option above where an error says it fits."
                    if optional
                    else "choose it again."
                )
            )
        else:
            self.counts_view.setVisible(True)
            self.verdict.setText(
                summary(result)
                + (" Press Import to import them." if result.cases else " There is nothing new.")
            )
        self.completeChanged.emit()

    def failed(self, exc: BaseException) -> None:
        self._checking = False
        self._job = None
        self.progress.setVisible(False)
        self.verdict.setText("")
        show_error(self.message, error_text(exc, "checking the file"))
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self.result is not None and self.result.ok and self.result.cases > 0

    def validatePage(self) -> bool:
        return self.isComplete()


class ImportPage(QWizardPage):
    """The import itself, then what it did."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self.setObjectName("ImportRunPage")
        self.setTitle("Import")
        self.result: ImportResult | None = None
        self._job: Job | None = None  # while the import runs
        layout = QVBoxLayout(self)
        running = QHBoxLayout()
        self.progress = QProgressBar(self)
        self.progress.setObjectName("ImportProgress")
        self.progress.setAccessibleName("Importing")
        self.progress.setRange(0, 0)
        running.addWidget(self.progress, 1)
        self.cancel_button = QPushButton("Cancel the import", self)
        self.cancel_button.setObjectName("CancelImportButton")
        self.cancel_button.setToolTip("Stop now: nothing is imported")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.setVisible(False)
        running.addWidget(self.cancel_button)
        layout.addLayout(running)
        self.summary = _note("", self)
        self.summary.setObjectName("ImportSummary")
        layout.addWidget(self.summary)
        self.message = error_label("ImportRunError", self)
        layout.addWidget(self.message)
        self.errors_model = RowsModel(
            [
                Column("Row", lambda e: e.row, True),
                Column("Column", lambda e: e.column),
                Column("Reason", lambda e: e.reason),
            ],
            self,
        )
        self.errors_view = table_view(self.errors_model, "Errors found when importing", self)
        _wrap_reasons(self.errors_view)
        self.errors_view.setVisible(False)
        layout.addWidget(self.errors_view, 1)
        layout.addStretch(1)

    def initializePage(self) -> None:
        wizard = self.wizard()
        assert isinstance(wizard, ImportWizard)
        check = wizard.check_page
        rows = check.rows
        assert rows is not None  # the check page is complete only with its rows
        skip, add = check.skip_existing.isChecked(), check.add_missing.isChecked()
        self.summary.setText("Importing the cases in one go: all of them, or none…")
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        wizard.context.op(imports.import_rows, rows, str(wizard.path), skip, add).with_progress(
            self._progress
        ).on_done(self.done).on_error(self.failed).run(started=self._started)

    def _started(self, job: Job) -> None:
        self._job = job
        self.cancel_button.setVisible(True)
        self.completeChanged.emit()

    @property
    def running(self) -> bool:
        return self._job is not None

    def cancel(self) -> None:
        """Stop the import: it is one transaction, so nothing of it is kept."""
        if self._job is not None:
            self._job.cancel()
        self._job = None
        self.cancel_button.setVisible(False)
        self.progress.setVisible(False)
        self.summary.setText("Cancelled: nothing was imported.")
        self.completeChanged.emit()

    def _progress(self, done: int, total: int, text: str) -> None:
        """Checking row N of M, then writing case N of M (the check runs first, while
        everyone else keeps working; the writing is one short step)."""
        _show(self.progress, done, total)
        if text:
            self.summary.setText(text)

    def done(self, result: ImportResult) -> None:
        self._job = None
        self.cancel_button.setVisible(False)
        self.progress.setVisible(False)
        self.result = result
        if result.errors:
            # The database changed since the check (someone added a case): nothing written.
            self.errors_model.set_rows(list(result.errors))
            self.errors_view.setVisible(True)
            show_error(
                self.message,
                "Nothing was imported: someone changed the cases since the file was checked. "
                "Run the import again.",
            )
            self.summary.setText("")
        else:
            self.summary.setText(summary(result))
        self.completeChanged.emit()

    def failed(self, exc: BaseException) -> None:
        self._job = None
        self.cancel_button.setVisible(False)
        self.progress.setVisible(False)
        self.summary.setText("")
        show_error(self.message, error_text(exc, "importing the cases"))
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return not self.running


class ImportWizard(QWizard):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setObjectName("ImportWizard")
        self.setWindowTitle("Import historical cases")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)

        self.ask_open_path: AskPath = ask_open_path
        self.file_page = FilePage(self)
        self.check_page = CheckPage(self)
        self.import_page = ImportPage(self)
        self.addPage(self.file_page)
        self.addPage(self.check_page)
        self.addPage(self.import_page)
        metrics = self.fontMetrics()
        self.resize(metrics.horizontalAdvance("M") * 70, metrics.height() * 34)

    def reject(self) -> None:
        """Closing stops a check or an import still running (an import keeps nothing)."""
        if self.check_page._job is not None:
            self.check_page._job.cancel()
        if self.import_page.running:
            self.import_page.cancel()
        super().reject()

    @property
    def path(self) -> Path:
        return Path(self.file_page.path.text().strip()).expanduser()

    @property
    def today(self) -> dt.date:
        return self.context.today()
