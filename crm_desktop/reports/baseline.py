"""Baseline figures: last year's published tables, for a year that is not in the system.

The file is CSV (UTF-8, with or without a byte-order mark) with the header
``financial_year,table,row,value``:

- ``financial_year``: the year the figures are for, as ``2021`` or ``2021/22``;
- ``table``: the report table's key, e.g. ``children_received_by_stage`` (the template
  lists every table that takes a baseline, see :func:`baseline_template`);
- ``row``: the row label exactly as the report shows it, e.g. ``Through Care``;
- ``value``: the figure, a number (``Total`` rows are ignored: the report adds up).

The whole file is checked before anything is saved; any error and nothing is saved.
Loading a year's figures for a table replaces that table's figures for that year.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db.models import BaselineFigure
from crm_desktop.domain.enums import Procedure
from crm_desktop.domain.financial_year import FinancialYear
from crm_desktop.files import atomic_write, check_target
from crm_desktop.reports.figures import annual_report
from crm_desktop.reports.safe_cells import csv_writer, read_back

HEADER = ("financial_year", "table", "row", "value")


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


def baseline_tables(session: Session) -> dict[str, tuple[Procedure, list[str]]]:
    """Every table that takes a baseline: its procedure and its row labels."""
    report = annual_report(session, 2000)
    tables: dict[str, tuple[Procedure, list[str]]] = {}
    for section in report.sections:
        for table in section.tables:
            if table.accepts_baseline:
                rows = [str(row[0].value) for row in table.body]
                tables[table.key] = (Procedure(section.key), rows)
    return tables


def baseline_template(session: Session, year: int) -> str:
    """A CSV to fill in: every table and row that takes a baseline, values empty."""
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for key, (_procedure, rows) in baseline_tables(session).items():
        for row in rows:
            writer.writerow((FinancialYear(year).label, key, row, ""))
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
    if not rows or tuple(h.strip().lower() for h in rows[0]) != HEADER:
        result.errors.append(
            BaselineError(1, "header", f"the first row must be {','.join(HEADER)}")
        )
        return result
    known = baseline_tables(session)
    figures: dict[tuple[int, str, str], float] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(HEADER):
            result.errors.append(
                BaselineError(number, "row", f"has {len(row)} values, expected {len(HEADER)}")
            )
            continue
        year_text, table, label, value_text = (read_back(cell) for cell in row)
        year = _year(year_text)
        if year is None:
            result.errors.append(
                BaselineError(number, "financial_year", f"'{year_text}' is not a year like 2021/22")
            )
        if table.strip() not in known:
            result.errors.append(
                BaselineError(number, "table", f"'{table}' is not a table that takes a baseline")
            )
            continue
        if label.strip().lower() == "total":
            continue
        if label.strip() not in known[table.strip()][1]:
            result.errors.append(
                BaselineError(number, "row", f"'{label}' is not a row of {table.strip()}")
            )
        if not value_text.strip():
            continue
        try:
            value = float(value_text.replace(",", "").replace("%", "").strip())
        except ValueError:
            result.errors.append(BaselineError(number, "value", f"'{value_text}' is not a number"))
            continue
        if value < 0:
            result.errors.append(BaselineError(number, "value", "cannot be negative"))
        if year is not None:
            key = (year, table.strip(), label.strip())
            if key in figures:
                result.errors.append(BaselineError(number, "row", "appears twice"))
            figures[key] = value
    if result.errors:
        return result
    for year, table in {(y, t) for y, t, _ in figures}:
        procedure = known[table][0]
        for old in session.scalars(
            sa.select(BaselineFigure).where(
                BaselineFigure.financial_year == year, BaselineFigure.table_key == table
            )
        ):
            session.delete(old)
        session.flush()
        for (y, t, label), value in figures.items():
            if (y, t) == (year, table):
                session.add(
                    BaselineFigure(
                        financial_year=year,
                        procedure=procedure,
                        table_key=table,
                        row_label=label,
                        value=value,
                    )
                )
        result.tables.add((year, table))
    result.loaded = len(figures)
    session.flush()
    return result
