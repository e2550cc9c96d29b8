"""Exports of cases, complaint points and stages for Power BI and other tools.

One row per case, per point or per stage, as CSV (UTF-8 with a byte-order mark, which
Excel needs to read it right) or XLSX. Rows are read from the database in batches and
written as they come, so a 100,000-case export never holds the whole table. Any text
cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
neutralised so a spreadsheet never runs it as a formula.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from crm_desktop.db.models import (
    Case,
    ComplaintPoint,
    Directorate,
    LgscoDetail,
    Nature,
    PointOutcome,
    ServiceArea,
    Stage,
    Team,
)
from crm_desktop.errors import ValidationError
from crm_desktop.files import atomic_write
from crm_desktop.reports.safe_cells import csv_writer, new_workbook, rows_sheet, save_workbook

BATCH = 5000


@dataclass(frozen=True)
class ExportSpec:
    name: str
    columns: tuple[str, ...]
    statement: Callable[[dt.date | None, dt.date | None], sa.Select[Any]]


def _received_between(
    statement: sa.Select[Any], start: dt.date | None, end: dt.date | None
) -> sa.Select[Any]:
    if start is not None:
        statement = statement.where(Case.received_on >= start)
    if end is not None:
        statement = statement.where(Case.received_on <= end)
    return statement


def _text(column: Any) -> sa.ColumnElement[Any]:
    return sa.type_coerce(column, sa.String())


def _cases(start: dt.date | None, end: dt.date | None) -> sa.Select[Any]:
    directorate = aliased(Directorate)
    current = aliased(Stage)
    statement = (
        sa.select(
            Case.reference,
            _text(Case.kind),
            _text(Case.procedure),
            _text(Case.channel),
            Case.received_on,
            directorate.name,
            ServiceArea.name,
            Team.name,
            _text(Case.status),
            Case.closed_on,
            _text(current.stage),
            current.due_on,
            Case.complainant_name,
            Case.summary,
        )
        .outerjoin(directorate, directorate.id == Case.directorate_id)
        .outerjoin(ServiceArea, ServiceArea.id == Case.service_area_id)
        .outerjoin(Team, Team.id == Case.team_id)
        .outerjoin(current, current.id == Case.current_stage_id)
        .order_by(Case.id)
    )
    return _received_between(statement, start, end)


def _points(start: dt.date | None, end: dt.date | None) -> sa.Select[Any]:
    latest = (
        sa.select(_text(PointOutcome.outcome))
        .join(Stage, Stage.id == PointOutcome.stage_id)
        .where(PointOutcome.point_id == ComplaintPoint.id)
        .order_by(Stage.seq.desc())
        .limit(1)
        .scalar_subquery()
    )
    statement = (
        sa.select(
            Case.reference,
            _text(Case.procedure),
            Case.received_on,
            ComplaintPoint.seq,
            Nature.name,
            latest,
            ComplaintPoint.description,
        )
        .join(Case, Case.id == ComplaintPoint.case_id)
        .outerjoin(Nature, Nature.id == ComplaintPoint.nature_id)
        .order_by(Case.id, ComplaintPoint.seq)
    )
    return _received_between(statement, start, end)


def _stages(start: dt.date | None, end: dt.date | None) -> sa.Select[Any]:
    statement = (
        sa.select(
            Case.reference,
            _text(Case.procedure),
            Stage.seq,
            _text(Stage.stage),
            _text(Stage.status),
            Stage.requested_on,
            Stage.acknowledged_on,
            Stage.started_on,
            Stage.timescale_days,
            Stage.extended_days,
            Stage.suspended_days,
            Stage.due_on,
            Stage.closed_on,
            _text(Stage.outcome),
            _text(LgscoDetail.decision),
        )
        .join(Case, Case.id == Stage.case_id)
        .outerjoin(LgscoDetail, LgscoDetail.stage_id == Stage.id)
        .order_by(Case.id, Stage.seq)
    )
    return _received_between(statement, start, end)


EXPORTS: dict[str, ExportSpec] = {
    "cases": ExportSpec(
        "cases",
        (
            "reference",
            "kind",
            "procedure",
            "channel",
            "received",
            "directorate",
            "service_area",
            "team",
            "status",
            "closed",
            "current_stage",
            "due",
            "complainant_name",
            "summary",
        ),
        _cases,
    ),
    "points": ExportSpec(
        "points",
        ("reference", "procedure", "received", "point", "nature", "latest_outcome", "description"),
        _points,
    ),
    "stages": ExportSpec(
        "stages",
        (
            "reference",
            "procedure",
            "seq",
            "stage",
            "status",
            "requested",
            "acknowledged",
            "started",
            "timescale_working_days",
            "extended_working_days",
            "suspended_working_days",
            "due",
            "closed",
            "outcome",
            "lgsco_decision",
        ),
        _stages,
    ),
}


def _rows(
    session: Session, spec: ExportSpec, start: dt.date | None, end: dt.date | None
) -> Iterator[Sequence[Any]]:
    result = session.execute(spec.statement(start, end), execution_options={"yield_per": BATCH})
    for row in result:
        yield tuple(row)


def export(
    session: Session,
    what: str,
    out: Path,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the ``what`` export ("cases", "points", "stages") to ``out``; returns rows.

    The format follows the file's ending: ``.csv`` or ``.xlsx``. The file is written
    beside ``out`` and renamed at the end, so a failure never leaves half a file.
    ``progress(rows)`` is called every few thousand rows; it may raise to stop the
    export, and then nothing is saved.
    """
    spec = EXPORTS.get(what)
    if spec is None:
        raise ValidationError(
            f"'{what}' cannot be exported; choose one of {', '.join(EXPORTS)}.", "what"
        )
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ValidationError("Export to a file ending in .csv or .xlsx.", "out")
    if not out.parent.is_dir():
        raise ValidationError(f"The folder {out.parent} does not exist.", "out")
    count = 0
    with atomic_write(out) as temporary:
        if suffix == ".csv":
            with temporary.open("w", encoding="utf-8-sig", newline="") as handle:
                writer = csv_writer(handle)
                writer.writerow(spec.columns)
                for row in _rows(session, spec, start, end):
                    writer.writerow([_csv_value(v) for v in row])
                    count += 1
                    if progress and count % BATCH == 0:
                        progress(count)
        else:
            book = new_workbook(write_only=True)
            sheet = rows_sheet(book, spec.name)
            try:
                sheet.append(list(spec.columns))
                for row in _rows(session, spec, start, end):
                    sheet.append(row)
                    count += 1
                    if progress and count % BATCH == 0:
                        progress(count)
            except BaseException:
                sheet.close()  # end openpyxl's own file for the sheet; the export is dropped
                raise
            save_workbook(book, temporary)
    return count


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
