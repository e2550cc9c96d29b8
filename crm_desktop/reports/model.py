"""The annual report as data: computed once, rendered to PDF and to XLSX.

Both renderings read the same :class:`AnnualReport`, so the numbers are identical in
both. Values are plain numbers; how each is shown (a count, a percentage, money, working
days) is carried with it, and the renderers format them the same way through
:func:`format_value`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from crm_desktop.domain.financial_year import FinancialYear


class Format(StrEnum):
    COUNT = "count"
    PERCENT = "percent"  # a value of 12.5 is shown as 12.5%
    MONEY = "money"  # pounds: 1250.0 is shown as £1,250.00
    DAYS = "days"  # an average in working days: 13.37
    TEXT = "text"


class Rag(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"


@dataclass(frozen=True)
class Cell:
    value: float | int | str | None
    format: Format = Format.COUNT
    rag: Rag | None = None

    @property
    def text(self) -> str:
        return format_value(self.value, self.format)


@dataclass(frozen=True)
class Table:
    """One table of the report: a header row, body rows, and usually a total row.

    ``columns[0]`` heads the row labels; the remaining columns are the years (previous,
    then current) or, for the KPI table, target and years. ``baseline_columns`` names
    the columns whose figures come from loaded baseline figures, not from cases.
    """

    key: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    has_total: bool = True
    notes: tuple[str, ...] = ()
    chart: bool = False  # draw the year-on-year comparison as a bar chart
    baseline_columns: tuple[str, ...] = ()
    accepts_baseline: bool = False  # a previous year without cases can come from baseline

    def value(self, row_label: str, column: str) -> float | int | str | None:
        """The value in a row (by its label) and a column (by its heading)."""
        index = self.columns.index(column)
        for row in self.rows:
            if row[0].value == row_label:
                return row[index].value
        raise KeyError(row_label)

    @property
    def body(self) -> tuple[tuple[Cell, ...], ...]:
        return self.rows[:-1] if self.has_total else self.rows


@dataclass(frozen=True)
class Section:
    key: str  # "children", "adult", "corporate", "kpis", "lgsco", "learning"
    title: str
    tables: tuple[Table, ...]
    commentary: str = ""


@dataclass(frozen=True)
class AnnualReport:
    year: int  # 2022 means the financial year 2022/23
    procedures: tuple[str, ...]  # Procedure values covered
    generated_at: dt.datetime
    council_name: str
    sections: tuple[Section, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def title(self) -> str:
        label = FinancialYear(self.year).label
        return f"Comments, compliments and complaints: annual report {label}"

    def table(self, key: str) -> Table:
        for section in self.sections:
            for table in section.tables:
                if table.key == key:
                    return table
        raise KeyError(key)

    @property
    def tables(self) -> list[Table]:
        return [table for section in self.sections for table in section.tables]


def format_value(value: float | int | str | None, fmt: Format) -> str:
    if value is None:
        return "–"
    if fmt == Format.TEXT or isinstance(value, str):
        return str(value)
    if fmt == Format.COUNT:
        return f"{int(value):,}"
    if fmt == Format.PERCENT:
        return f"{value:.1f}%"
    if fmt == Format.MONEY:
        return f"£{value:,.2f}"
    return f"{value:.2f}"
