"""The case list: one page of cases at a time, sorted, filtered and searched in SQL.

The desktop program's case table asks for a count and then for pages as the user
scrolls; nothing here loads the whole table. Every ORDER BY ends with the primary key,
so pages are stable when many cases share a received date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import QueryableAttribute, Session, aliased

from crm_desktop.db.models import Case, ServiceArea, Stage
from crm_desktop.errors import ValidationError

current_stage = aliased(Stage, name="current_stage")
Page = sa.Select[*tuple[Any, ...]]


@dataclass(frozen=True)
class CaseListColumn:
    key: str
    title: str
    expression: QueryableAttribute[Any]
    nullable: bool = False


COLUMNS: tuple[CaseListColumn, ...] = (
    CaseListColumn("reference", "Reference", Case.reference),
    CaseListColumn("kind", "Kind", Case.kind),
    CaseListColumn("procedure", "Procedure", Case.procedure),
    CaseListColumn("received", "Received", Case.received_on),
    CaseListColumn("complainant", "Name", Case.complainant_name, nullable=True),
    CaseListColumn("service_area", "Service area", ServiceArea.name, nullable=True),
    CaseListColumn("stage", "Stage", current_stage.stage, nullable=True),
    CaseListColumn("status", "Status", Case.status),
    CaseListColumn("due", "Due", current_stage.due_on, nullable=True),
)
COLUMN_BY_KEY: dict[str, CaseListColumn] = {column.key: column for column in COLUMNS}
FILTERABLE = ("kind", "procedure", "status", "stage", "service_area")


@dataclass(frozen=True)
class CaseListQuery:
    """What the user asked the list for: sort column and order, quick search, filters."""

    sort: str = "received"
    descending: bool = True
    search: str = ""
    filters: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.sort not in COLUMN_BY_KEY:
            raise ValidationError(f"The case list cannot be sorted by '{self.sort}'.", "sort")
        for key in self.filters:
            if key not in FILTERABLE:
                raise ValidationError(f"The case list cannot be filtered by '{key}'.", key)


@dataclass(frozen=True)
class CaseListRow:
    id: int
    reference: str
    kind: str
    procedure: str
    received_on: dt.date
    complainant: str | None
    service_area: str | None
    stage: str | None
    status: str
    due_on: dt.date | None


def _base(select: Page, query: CaseListQuery) -> Page:
    select = (
        select.select_from(Case)
        .outerjoin(ServiceArea, ServiceArea.id == Case.service_area_id)
        .outerjoin(current_stage, current_stage.id == Case.current_stage_id)
    )
    text = query.search.strip()
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        select = select.where(
            sa.or_(
                Case.reference.ilike(pattern, escape="\\"),
                Case.complainant_name.ilike(pattern, escape="\\"),
                Case.summary.ilike(pattern, escape="\\"),
            )
        )
    for key, value in query.filters.items():
        select = select.where(COLUMN_BY_KEY[key].expression == value)
    return select


def count_cases(session: Session, query: CaseListQuery) -> int:
    return int(session.scalar(_base(sa.select(sa.func.count()), query)) or 0)


def case_page_statement(query: CaseListQuery, offset: int, limit: int) -> Page:
    """The SQL for one page (also used by the benchmark to time the raw query)."""
    if offset < 0 or limit <= 0:
        raise ValidationError("A page needs an offset of 0 or more and a positive size.")
    column = COLUMN_BY_KEY[query.sort].expression
    order = column.desc() if query.descending else column.asc()
    if COLUMN_BY_KEY[query.sort].nullable:
        order = order.nulls_last()
    tiebreak = Case.id.desc() if query.descending else Case.id.asc()
    select = sa.select(
        Case.id,
        Case.reference,
        Case.kind,
        Case.procedure,
        Case.received_on,
        Case.complainant_name,
        ServiceArea.name,
        current_stage.stage,
        Case.status,
        current_stage.due_on,
    )
    return _base(select, query).order_by(order, tiebreak).offset(offset).limit(limit)


def fetch_case_page(
    session: Session, query: CaseListQuery, offset: int = 0, limit: int = 200
) -> list[CaseListRow]:
    result = session.execute(case_page_statement(query, offset, limit))
    return [
        CaseListRow(
            id=row[0],
            reference=row[1],
            kind=str(row[2]),
            procedure=str(row[3]),
            received_on=row[4],
            complainant=row[5],
            service_area=row[6],
            stage=None if row[7] is None else str(row[7]),
            status=str(row[8]),
            due_on=row[9],
        )
        for row in result
    ]
