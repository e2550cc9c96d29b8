"""The Ombudsman's published figures for a year, from its annual review letter.

A small form on the Reports page: for the chosen financial year, each of the letter's
three measures (detailed investigations upheld, compliance with its recommendations,
satisfactory remedies the council had already provided) with the Ombudsman's figure, the
number of cases it is based on and the average for similar authorities. The annual report
shows them beside the council's own figures. The same figures can be loaded as
``lgsco_letter`` rows of a baseline file. Read and saved by the operations
``reports.ombudsman_letter`` and ``reports.save_ombudsman_letter``; a refusal shows its
message and saves nothing.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.domain.financial_year import FinancialYear
from crm_desktop.operations import reports
from crm_desktop.operations.policy import Permission
from crm_desktop.reports.annual import FIRST_YEAR
from crm_desktop.reports.baseline import LETTER_COLUMNS
from crm_desktop.reports.figures import LETTER_MEASURES
from ui.context import AppContext
from ui.widgets import error_label, error_text, show_error

HEADINGS = ("The Ombudsman's figure (%)", "Based on (cases)", "Similar authorities (%)")


def _number(text: str) -> float | None:
    cleaned = text.replace("%", "").replace(",", "").strip()
    return float(cleaned) if cleaned else None


class OmbudsmanLetterBox(QGroupBox):
    def __init__(self, context: AppContext, last_year: int, parent: QWidget | None = None) -> None:
        super().__init__("The Ombudsman's annual review letter", parent)
        self.context = context
        self.setObjectName("OmbudsmanLetterBox")
        layout = QVBoxLayout(self)
        note = QLabel(
            "The figures the Ombudsman published for the council in its annual review "
            "letter. The annual report shows them beside the council's own. Leave a box "
            "empty where the letter gives no figure.",
            self,
        )
        note.setWordWrap(True)
        layout.addWidget(note)
        row = QHBoxLayout()
        self.year = QComboBox(self)
        self.year.setObjectName("LetterYear")
        self.year.setAccessibleName("Year of the letter")
        for year in range(last_year, FIRST_YEAR - 1, -1):
            self.year.addItem(FinancialYear(year).label, year)
        row.addWidget(QLabel("Year", self))
        row.addWidget(self.year)
        row.addStretch(1)
        layout.addLayout(row)
        grid = QGridLayout()
        for column, heading in enumerate(HEADINGS, start=1):
            grid.addWidget(QLabel(heading, self), 0, column)
        self.boxes: dict[tuple[str, str], QLineEdit] = {}
        for line, measure in enumerate(LETTER_MEASURES, start=1):
            label = QLabel(measure, self)
            label.setWordWrap(True)
            grid.addWidget(label, line, 0)
            for column, (which, heading) in enumerate(
                zip(LETTER_COLUMNS, HEADINGS, strict=True), start=1
            ):
                box = QLineEdit(self)
                box.setAccessibleName(f"{measure}: {heading}")
                box.setObjectName(f"Letter_{line}_{column}")
                self.boxes[(measure, which)] = box
                grid.addWidget(box, line, column)
        layout.addLayout(grid)
        buttons = QHBoxLayout()
        self.save_button = QPushButton("Save the letter's figures", self)
        self.save_button.setObjectName("LetterSave")
        may = context.allows(Permission.EDIT_REPORT_INPUTS)
        self.save_button.setEnabled(may)
        if not may:
            self.save_button.setToolTip("Your role cannot change the report's inputs.")
        self.save_button.clicked.connect(self.save)
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.status = QLabel("", self)
        self.status.setObjectName("LetterStatus")
        layout.addWidget(self.status)
        self.error = error_label("LetterError", self)
        layout.addWidget(self.error)
        self.year.currentIndexChanged.connect(self.load)

    @property
    def chosen_year(self) -> int:
        return int(self.year.currentData())

    def load(self) -> None:
        if self.context.database is None or not self.context.allows(Permission.RUN_REPORTS):
            return
        year = self.chosen_year

        def done(figures: dict[tuple[str, str], float]) -> None:
            if year != self.chosen_year:
                return
            for key, box in self.boxes.items():
                value = figures.get(key)
                box.setText("" if value is None else f"{value:g}")

        def failed(exc: BaseException) -> None:
            show_error(self.error, error_text(exc, "loading the letter's figures"))

        self.context.op(reports.ombudsman_letter, year).on_done(done).on_error(failed).run()

    def chosen(self) -> dict[tuple[str, str], float | None] | None:
        """The figures typed in, or None (with the error shown) when one is not a number."""
        figures: dict[tuple[str, str], float | None] = {}
        for key, box in self.boxes.items():
            try:
                figures[key] = _number(box.text())
            except ValueError:
                show_error(self.error, f"{box.accessibleName()}: '{box.text()}' is not a number.")
                box.setFocus()
                return None
        return figures

    def save(self) -> None:
        show_error(self.error, "")
        self.status.setText("")
        figures = self.chosen()
        if figures is None:
            return
        year = self.chosen_year

        def done(count: int) -> None:
            self.status.setText(
                f"Saved {count} figure{'s' * (count != 1)} for {FinancialYear(year).label}."
            )

        def failed(exc: BaseException) -> None:
            show_error(self.error, error_text(exc, "saving the letter's figures"))

        self.context.op(reports.save_ombudsman_letter, year, figures).on_done(done).on_error(
            failed
        ).run()
