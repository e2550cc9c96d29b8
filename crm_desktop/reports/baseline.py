"""Baseline figures: last year's published tables, for a year that is not in the system.

The file is CSV (UTF-8, with or without a byte-order mark) with the header
``financial_year,table,row,measure,value`` (files made before measures, with the header
``financial_year,table,row,value``, are read as they were):

- ``financial_year``: the year the figures are for, as ``2021`` or ``2021/22``;
- ``table``: the report table's key, e.g. ``children_received_by_stage`` (the template
  lists every table that takes a baseline, see :func:`baseline_template`): every count,
  outcome, timescale, KPI and Ombudsman table, and ``lgsco_letter``, the Ombudsman's own
  published figures from its annual review letter;
- ``row``: the row label exactly as the report shows it, e.g. ``Through Care``;
- ``measure``: empty for a table with one figure a year; else which of the row's
  figures, as the column is headed after the year (``complaints`` for "2021/22
  complaints"; for ``lgsco_letter``: ``Ombudsman's figure``, ``Ombudsman's base`` or
  ``similar authorities``);
- ``value``: the figure, a number; a percentage as ``92`` or ``92%`` (``Total`` rows are
  ignored: the report adds up).

The whole file is checked before anything is saved; any error and nothing is saved.
Loading a year's figures for a table replaces that table's figures for that year.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db.models import BaselineFigure
from crm_desktop.domain.enums import Procedure
from crm_desktop.domain.financial_year import FinancialYear
from crm_desktop.errors import ValidationError
from crm_desktop.files import atomic_write, check_target
from crm_desktop.reports.figures import (
    LETTER_BASE,
    LETTER_KEY,
    LETTER_MEASURES,
    LETTER_OMBUDSMAN,
    LETTER_SIMILAR,
    annual_report,
)
from crm_desktop.reports.safe_cells import csv_writer, read_back

HEADER = ("financial_year", "table", "row", "measure", "value")
OLD_HEADER = ("financial_year", "table", "row", "value")


@dataclass(frozen=True)
class BaselineError:
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}, {self.column}: {self.reason}"


@dataclass
class BaselineResult:
    loaded: int = 0
    tables: set[tuple[int, str]] = field(default_factory=set)
    errors: list[BaselineError] = field(default_factory=list)


# Each table that takes a baseline: (row, measure) -> the procedure whose cases it counts
# (None: figures not counted from cases).
BaselineTables = dict[str, dict[tuple[str, str], Procedure | None]]


def baseline_tables(session: Session) -> BaselineTables:
    """Every table that takes a baseline, with the figures it takes."""
    report = annual_report(session, 2000)
    tables: BaselineTables = {}
    for table in report.tables:
        if table.accepts_baseline:
            tables[table.key] = {
                (row, measure): Procedure(procedure) if procedure else None
                for row, measure, procedure in table.baseline_rows
            }
    return tables


def baseline_template(session: Session, year: int) -> str:
    """A CSV to fill in: every table and figure that takes a baseline, values empty."""
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for key, figures in baseline_tables(session).items():
        for row, measure in figures:
            writer.writerow((FinancialYear(year).label, key, row, measure, ""))
    return out.getvalue()


def write_baseline_template(session: Session, year: int, out: Path) -> Path:
    """Save :func:`baseline_template` for ``year`` as the CSV file ``out`` (written beside
    it and renamed into place); the path written."""
    target = check_target(out, "the template")
    text = baseline_template(session, year)
    with atomic_write(target) as temporary:
        temporary.write_text(text, encoding="utf-8")
    return target


def _year(text: str) -> int | None:
    match = re.fullmatch(r"\s*(\d{4})(?:\s*/\s*(\d{2}))?\s*", text)
    if not match:
        return None
    year = int(match.group(1))
    if match.group(2) and int(match.group(2)) != (year + 1) % 100:
        return None
    return year


def load_baseline_csv(session: Session, path: Path) -> BaselineResult:
    """Check the whole file, then save it (or nothing, if anything is wrong)."""
    result = BaselineResult()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        result.errors.append(BaselineError(0, "file", f"cannot be read ({exc})"))
        return result
    rows = list(csv.reader(io.StringIO(text)))
    header = tuple(h.strip().lower() for h in rows[0]) if rows else ()
    if header not in (HEADER, OLD_HEADER):
        result.errors.append(
            BaselineError(1, "header", f"the first row must be {','.join(HEADER)}")
        )
        return result
    known = baseline_tables(session)
    figures: dict[tuple[int, str, str, str], float] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            result.errors.append(
                BaselineError(number, "row", f"has {len(row)} values, expected {len(header)}")
            )
            continue
        if header == OLD_HEADER:
            year_text, table, label, value_text = (read_back(cell) for cell in row)
            measure = ""
        else:
            year_text, table, label, measure, value_text = (read_back(cell) for cell in row)
        table, label, measure = table.strip(), label.strip(), measure.strip()
        year = _year(year_text)
        if year is None:
            result.errors.append(
                BaselineError(number, "financial_year", f"'{year_text}' is not a year like 2021/22")
            )
        if table not in known:
            result.errors.append(
                BaselineError(number, "table", f"'{table}' is not a table that takes a baseline")
            )
            continue
        if label.lower() == "total" or label.lower().endswith(": total"):
            continue
        if (label, measure) not in known[table]:
            measures = sorted(m for r, m in known[table] if r == label)
            if not measures:
                reason = f"'{label}' is not a row of {table}"
            elif measures == [""]:
                reason = f"{table} has one figure a year: leave the measure empty"
            else:
                reason = f"the measure must be one of {', '.join(measures)}"
            result.errors.append(
                BaselineError(number, "row" if not measures else "measure", reason)
            )
        if not value_text.strip():
            continue
        try:
            value = float(value_text.replace(",", "").replace("%", "").replace("£", "").strip())
        except ValueError:
            result.errors.append(BaselineError(number, "value", f"'{value_text}' is not a number"))
            continue
        if value < 0:
            result.errors.append(BaselineError(number, "value", "cannot be negative"))
        if year is not None:
            key = (year, table, label, measure)
            if key in figures:
                result.errors.append(BaselineError(number, "row", "appears twice"))
            figures[key] = value
    if result.errors:
        return result
    save_figures(session, known, figures)
    result.tables = {(y, t) for y, t, _, _ in figures}
    result.loaded = len(figures)
    return result


def save_figures(
    session: Session, known: BaselineTables, figures: dict[tuple[int, str, str, str], float]
) -> None:
    """Replace each (year, table)'s figures with those given."""
    for year, table in {(y, t) for y, t, _, _ in figures}:
        for old in session.scalars(
            sa.select(BaselineFigure).where(
                BaselineFigure.financial_year == year, BaselineFigure.table_key == table
            )
        ):
            session.delete(old)
        session.flush()
        for (y, t, label, measure), value in figures.items():
            if (y, t) == (year, table):
                session.add(
                    BaselineFigure(
                        financial_year=year,
                        procedure=known[table].get((label, measure)),
                        table_key=table,
                        row_label=label,
                        measure=measure,
                        value=value,
                    )
                )
    session.flush()


# ------------------------------------------------ the Ombudsman's annual review letter

LETTER_COLUMNS = (LETTER_OMBUDSMAN, LETTER_BASE, LETTER_SIMILAR)


def letter_figures(session: Session, year: int) -> dict[tuple[str, str], float]:
    """The Ombudsman's published figures entered for a financial year: (measure, one of
    :data:`LETTER_COLUMNS`): value."""
    return {
        (row.row_label, row.measure): row.value
        for row in session.scalars(
            sa.select(BaselineFigure).where(
                BaselineFigure.financial_year == year, BaselineFigure.table_key == LETTER_KEY
            )
        )
    }


def save_letter_figures(
    session: Session, year: int, figures: Mapping[tuple[str, str], float | None]
) -> int:
    """Replace the Ombudsman's published figures for a financial year with ``figures``
    (an empty one is left out); how many were saved. Percentages are 0 to 100, bases
    whole numbers."""
    FinancialYear(year)  # a year the report can show
    saved: dict[tuple[int, str, str, str], float] = {}
    for (measure, column), value in figures.items():
        if measure not in LETTER_MEASURES or column not in LETTER_COLUMNS:
            raise ValidationError(f"'{measure}: {column}' is not a figure of the letter.")
        if value is None:
            continue
        field = f"{measure}: {column}"
        if value < 0:
            raise ValidationError(f"{field} cannot be negative.", field)
        if column == LETTER_BASE and value != int(value):
            raise ValidationError(f"{field} is a number of cases: a whole number.", field)
        if column != LETTER_BASE and value > 100:
            raise ValidationError(f"{field} is a percentage: at most 100.", field)
        saved[(year, LETTER_KEY, measure, column)] = float(value)
    for old in session.scalars(
        sa.select(BaselineFigure).where(
            BaselineFigure.financial_year == year, BaselineFigure.table_key == LETTER_KEY
        )
    ):
        session.delete(old)
    session.flush()
    if saved:
        save_figures(session, {LETTER_KEY: {}}, saved)
    return len(saved)
