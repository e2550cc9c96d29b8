"""The annual report as data: computed once, rendered to PDF and to XLSX.

Both renderings read the same :class:`AnnualReport`, so the numbers are identical in
both. Values are plain numbers; how each is shown (a count, a percentage, money, working
days) is carried with it, and the renderers format them the same way through
:func:`format_value`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from crm_desktop.domain.financial_year import FinancialYear
from crm_desktop.domain.formatting import format_date, format_decimal

ANNUAL_ABOUT = (
    "Complaints received (Stage 1, adult levels, teams, areas, natures, compliments) are "
    "counted by the date each was received; Stage 2 and Stage 3 by the date the stage was "
    "requested, and the Ombudsman by the date of its enquiry, so a year's published "
    "figures never change when a complaint is escalated later; outcomes and timescales by "
    "the date the stage closed; the Ombudsman's decisions by the date of the decision; "
    "late remedies by the year the remedy fell due. Each table states its basis under it. "
    "Complaints that go through more than one stage are counted once in the tables by "
    "team and area; the nature of complaints counts each complaint point. RAG ratings are "
    "shown as a colour and as a word (Green, Amber, Red)."
)


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
    # The figures a baseline file can give for this table: (row label, measure, procedure).
    # The measure is "" for a table with one figure a year, else the column's name after
    # the year ("2021/22 complaints": "complaints"); the procedure is the one whose cases
    # the row counts ("" for figures that are not counted from cases).
    baseline_rows: tuple[tuple[str, str, str], ...] = ()

    @property
    def accepts_baseline(self) -> bool:
        """A previous year without cases can come from baseline figures."""
        return bool(self.baseline_rows)

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
    # Which report: "annual" (the statutory and corporate report, beside the year
    # before) or "code" (the Complaint Handling Code's annual complaints performance
    # and service improvement report, for the one year).
    kind: str = "annual"
    # "About these figures": how they were counted (empty: the annual report's text).
    about_text: str = ""

    @property
    def about(self) -> str:
        return self.about_text or ANNUAL_ABOUT

    @property
    def cover_lines(self) -> tuple[str, str]:
        """The two lines of the report's name on its cover."""
        if self.kind == "code":
            return ("Complaints performance", "and service improvement report")
        return ("Comments, compliments and complaints", "Annual report")

    @property
    def title(self) -> str:
        label = FinancialYear(self.year).label
        if self.kind == "code":
            return f"Complaints performance and service improvement report {label}"
        return f"Comments, compliments and complaints: annual report {label}"

    @property
    def period(self) -> str:
        """The period the report covers, in a sentence."""
        year = self.year
        if self.kind == "code":
            period = (
                f"Financial year 1 April {year} to 31 March {year + 1}, measured against "
                "the Local Government and Social Care Ombudsman's Complaint Handling Code."
            )
        else:
            period = (
                f"Financial year 1 April {year} to 31 March {year + 1}, "
                f"with {FinancialYear(year - 1).label} beside it for comparison."
            )
        made = self.generated_at.date()
        if made <= FinancialYear(year).end:
            period += (
                f" The year is not over: its figures run to {format_date(made)}, the day "
                "this report was made."
            )
        return period

    def table(self, key: str) -> Table:
        for section in self.sections:
            for table in section.tables:
                if table.key == key:
                    return table
        raise KeyError(key)

    @property
    def tables(self) -> list[Table]:
        return [table for section in self.sections for table in section.tables]


def is_subtotal(row: Sequence[Cell]) -> bool:
    """A subtotal row ("Corporate: total", "Corporate: all directorates"), shown bold in
    every format so that a column is not read as adding up with it."""
    label = row[0].value if row else None
    return isinstance(label, str) and (
        label.endswith(": total") or label.endswith(": all directorates")
    )


def format_value(value: float | int | str | None, fmt: Format) -> str:
    if value is None:
        return "–"
    if fmt == Format.TEXT or isinstance(value, str):
        return str(value)
    if fmt == Format.COUNT:
        return f"{int(value):,}"
    if fmt == Format.PERCENT:
        return f"{format_decimal(value, 1)}%"
    if fmt == Format.MONEY:
        return f"£{value:,.2f}"
    return format_decimal(value, 2)


CHART_ROWS = 10


def chart_points(table: Table) -> list[tuple[str, float, float]]:
    """The bars of a table's year-on-year chart: ``(label, previous, current)`` for the
    rows with a figure in either year, the largest in the current year first (at most
    :data:`CHART_ROWS`; equal values keep the table's order)."""
    if len(table.columns) < 3:
        return []
    previous, current = len(table.columns) - 2, len(table.columns) - 1
    points: list[tuple[str, float, float]] = []
    for row in table.body:
        before, now = _number(row[previous].value), _number(row[current].value)
        if before or now:
            points.append((" ".join(row[0].text.split()), before or 0.0, now or 0.0))
    points.sort(key=lambda p: -p[2])
    return points[:CHART_ROWS]


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)
