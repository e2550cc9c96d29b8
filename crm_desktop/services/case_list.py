"""The case list: one page of cases at a time, sorted, filtered and searched in SQL.

The desktop program's case table asks for a count and then for pages as the user
scrolls; nothing here loads the whole table. Every ORDER BY ends with the primary key,
so pages are stable when many cases share a received date.

This is the hottest query in the program, so it is built once per shape of request
(sort, order, whether there is a search, which filters) from plain table columns, with
everything that varies (search text, filter values, offset, limit) as bound parameters,
and rows are read as plain values: the cost over the bare SQL stays small.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db.base import Base
from crm_desktop.errors import ValidationError

_case = Base.metadata.tables["representation"]
_area = Base.metadata.tables["service_area"]
_stage = Base.metadata.tables["stage"].alias("current_stage")
_owner = Base.metadata.tables["app_user"].alias("owner_user")
_suspension = Base.metadata.tables["stage_suspension"]

Page = sa.Select[*tuple[Any, ...]]


def _plain(column: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    """The column read as its stored value (no enum or date conversion per row)."""
    return sa.type_coerce(column, sa.String())


@dataclass(frozen=True)
class CaseListColumn:
    """A column of the list. ``rank``, when given, sorts before ``expression`` and always
    ascending: groups of rows that keep their place whichever way the column is sorted
    (the Due column's dated rows, then suspended clocks with no restart day, then
    blanks)."""

    key: str
    title: str
    expression: sa.ColumnElement[Any]
    nullable: bool = False
    rank: sa.ColumnElement[Any] | None = None


def _open_suspension(column: sa.ColumnElement[Any]) -> sa.ScalarSelect[Any]:
    """One value of the current stage's open suspension (a stage has at most one)."""
    return (
        sa.select(sa.func.min(column))
        .where(_suspension.c.stage_id == _stage.c.id, _suspension.c.ends_on.is_(None))
        .scalar_subquery()
    )


_OPEN_CASE = _plain(_case.c.status) == "open"
_SUSPENDED = _plain(_stage.c.status) == "suspended"
_RESUMES_ON = _open_suspension(_suspension.c.expected_resume_on)
# The Due column sorts by what it shows. An open stage by its due date; a suspended one
# ("Suspended until 16 Jun 2025") by the day its clock is expected to restart, among the
# dated rows; one with no such day ("Suspended since 7 Apr 2025") after every dated row,
# by the day it stopped; blanks (a closed case, whose last due date is not shown, or a
# case with no due date) last. Both groups stay after the dated rows either way.
_DUE_SHOWN = sa.case(
    (
        _OPEN_CASE & _SUSPENDED,
        sa.func.coalesce(_RESUMES_ON, _open_suspension(_suspension.c.starts_on)),
    ),
    (_OPEN_CASE, _stage.c.due_on),
    else_=None,
)
_DUE_RANK = sa.case(
    (~_OPEN_CASE, 2),
    (_SUSPENDED, sa.case((_RESUMES_ON.is_(None), 1), else_=0)),
    (_stage.c.due_on.is_(None), 2),
    else_=0,
)


COLUMNS: tuple[CaseListColumn, ...] = (
    CaseListColumn("reference", "Reference", _case.c.reference),
    CaseListColumn("kind", "Kind", _case.c.kind),
    CaseListColumn("procedure", "Procedure", _case.c.procedure),
    CaseListColumn("received", "Received", _case.c.received_on),
    CaseListColumn("complainant", "Name", _case.c.complainant_name, nullable=True),
    CaseListColumn("service_area", "Service area", _area.c.name, nullable=True),
    CaseListColumn("stage", "Stage", _stage.c.stage, nullable=True),
    CaseListColumn("status", "Status", _case.c.status),
    CaseListColumn("due", "Due", _DUE_SHOWN, nullable=True, rank=_DUE_RANK),
    CaseListColumn(
        "owner",
        "Owner",
        sa.func.coalesce(_owner.c.display_name, _owner.c.username),
        nullable=True,
    ),
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

    @property
    def search_text(self) -> str:
        return self.search.strip()

    @property
    def shape(self) -> tuple[str, bool, bool, tuple[str, ...]]:
        return (self.sort, self.descending, bool(self.search_text), tuple(sorted(self.filters)))

    def parameters(self) -> dict[str, Any]:
        params: dict[str, Any] = {f"filter_{key}": value for key, value in self.filters.items()}
        text = self.search_text
        if text:
            escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            params["pattern"] = f"%{escaped}%"
        return params


class CaseListRow(NamedTuple):
    """One row of the list (a named tuple: pages are built often and must be cheap).

    ``stage_status`` is the current stage's ("open", "suspended", "closed");
    ``suspended_since`` the day an open suspension began; ``tone`` is set by
    :func:`mark_due`: "overdue", "due soon", "suspended" or None; ``suspended_until``
    the day the open suspension is expected to end, when it was given.
    """

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
    owner: str | None = None
    stage_status: str | None = None
    suspended_since: dt.date | None = None
    tone: str | None = None
    suspended_until: dt.date | None = None


def _where(
    select: Page, has_search: bool, filters: tuple[str, ...], sort: str | None = None
) -> Page:
    """The joins, search and filters of a request; a join only where a column of the
    joined table is filtered or sorted on (every case row would otherwise pay for it)."""
    used = {*filters, sort}
    source: sa.FromClause = _case
    if "service_area" in used:
        source = source.outerjoin(_area, _area.c.id == _case.c.service_area_id)
    if "owner" in used:
        source = source.outerjoin(_owner, _owner.c.id == _case.c.owner_id)
    if used & {"stage", "due"}:
        source = source.outerjoin(_stage, _stage.c.id == _case.c.current_stage_id)
    select = select.select_from(source)
    if has_search:
        pattern = sa.bindparam("pattern", type_=sa.String())
        select = select.where(
            sa.or_(
                _case.c.reference.ilike(pattern, escape="\\"),
                _case.c.complainant_name.ilike(pattern, escape="\\"),
                _case.c.summary.ilike(pattern, escape="\\"),
            )
        )
    for key in filters:
        select = select.where(
            _plain(COLUMN_BY_KEY[key].expression)
            == sa.bindparam(f"filter_{key}", type_=sa.String())
        )
    return select


@functools.lru_cache(maxsize=64)
def _count_statement(has_search: bool, filters: tuple[str, ...]) -> Page:
    return _where(sa.select(sa.func.count()), has_search, filters)


@functools.lru_cache(maxsize=256)
def _page_statement(shape: tuple[str, bool, bool, tuple[str, ...]]) -> Page:
    """One page, as a "deferred join": the page's case ids are chosen first, sorting only
    the sort key and the id (cheap even when every row must be sorted), then only those
    200 rows are read in full. Sorting whole rows of 100,000 cases by, say, due date took
    several times longer."""
    sort, descending, has_search, filters = shape
    column = COLUMN_BY_KEY[sort]
    order = column.expression.desc() if descending else column.expression.asc()
    if column.nullable:
        order = order.nulls_last()
    tiebreak = _case.c.id.desc() if descending else _case.c.id.asc()
    orders = [order, tiebreak] if column.rank is None else [column.rank.asc(), order, tiebreak]
    page = (
        _where(sa.select(_case.c.id.label("id")), has_search, filters, sort)
        .order_by(*orders)
        .offset(sa.bindparam("offset", type_=sa.Integer()))
        .limit(sa.bindparam("limit", type_=sa.Integer()))
        .subquery("page")
    )
    return (
        sa.select(
            _case.c.id,
            _case.c.reference,
            _plain(_case.c.kind),
            _plain(_case.c.procedure),
            _plain(_case.c.received_on),
            _case.c.complainant_name,
            _area.c.name,
            _plain(_stage.c.stage),
            _plain(_case.c.status),
            _plain(_stage.c.due_on),
            sa.func.coalesce(_owner.c.display_name, _owner.c.username),
            _plain(_stage.c.status),
            _plain(_open_suspension(_suspension.c.starts_on)),
            _plain(_open_suspension(_suspension.c.expected_resume_on)),
        )
        .select_from(
            page.join(_case, _case.c.id == page.c.id)
            .outerjoin(_area, _area.c.id == _case.c.service_area_id)
            .outerjoin(_stage, _stage.c.id == _case.c.current_stage_id)
            .outerjoin(_owner, _owner.c.id == _case.c.owner_id)
        )
        .order_by(*orders)
    )


def restrict_to(query: CaseListQuery, service_area: str | None) -> CaseListQuery:
    """The query limited to one service area's cases (a service responder's list);
    unchanged when ``service_area`` is None (staff see every case)."""
    if service_area is None:
        return query
    return dataclasses.replace(query, filters={**query.filters, "service_area": service_area})


def count_cases(session: Session, query: CaseListQuery) -> int:
    statement = _count_statement(bool(query.search_text), query.shape[3])
    return int(session.connection().execute(statement, query.parameters()).scalar() or 0)


def case_page_statement(query: CaseListQuery, offset: int, limit: int) -> Page:
    """The SQL for one page, with its parameters bound (the benchmark times it raw)."""
    return _page_statement(query.shape).params(offset=offset, limit=limit, **query.parameters())


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def fetch_case_page(
    session: Session, query: CaseListQuery, offset: int = 0, limit: int = 200
) -> list[CaseListRow]:
    if offset < 0 or limit <= 0:
        raise ValidationError("A page needs an offset of 0 or more and a positive size.")
    params = query.parameters()
    params["offset"], params["limit"] = offset, limit
    # .all() fetches the page in one call of the driver; iterating the result would fetch
    # it a row at a time, which costs about as much again as the query.
    connection = session.connection()
    rows = connection.execute(_page_statement(query.shape), params).all()
    # SQLite hands dates over as ISO text; other drivers as dates (or text: _date).
    day = dt.date.fromisoformat if connection.dialect.name == "sqlite" else _date
    make = CaseListRow._make
    return [
        make(
            (
                id,
                reference,
                kind,
                procedure,
                day(received),
                complainant,
                area,
                stage,
                status,
                None if due is None else day(due),
                owner,
                stage_status,
                None if since is None else day(since),
                None,
                None if until is None else day(until),
            )
        )
        for (
            id,
            reference,
            kind,
            procedure,
            received,
            complainant,
            area,
            stage,
            status,
            due,
            owner,
            stage_status,
            since,
            until,
        ) in rows
    ]


def mark_due(rows: list[CaseListRow], as_of: dt.date, soon_before: dt.date) -> list[CaseListRow]:
    """Each open case's tone as the queues give it: "overdue" (due before ``as_of``),
    "due soon" (due before ``soon_before``, the first day more than the "due soon"
    number of working days away), "suspended" (its clock is stopped)."""
    marked = []
    for row in rows:
        tone = None
        if row.status == "open":
            if row.stage_status == "suspended":
                tone = "suspended"
            elif row.due_on is not None and row.stage_status == "open":
                if row.due_on < as_of:
                    tone = "overdue"
                elif row.due_on < soon_before:
                    tone = "due soon"
        marked.append(row._replace(tone=tone) if tone else row)
    return marked
