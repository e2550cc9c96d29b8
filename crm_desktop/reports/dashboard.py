"""The figures of the desktop program's dashboard and Ombudsman page, as plain data.

Counts come straight from SQL (one grouped query each), so the dashboard opens quickly on
a large database; the overdue, due-soon and awaiting-acknowledgement counts are the
queues' own conditions counted (:func:`crm_desktop.services.queues.count_queue`), so a
tile and its queue can never disagree. The KPIs are the annual report's KPI table for the
current financial year (:func:`crm_desktop.reports.figures.annual_kpis`, computed as the
report computes it), so the dashboard and the report can never disagree either.

``where`` (a condition on ``Case``) limits the figures and lists to the cases the actor
may see; None for an actor who sees every case.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db.models import Case, LgscoDetail, LgscoRemedy, Stage
from crm_desktop.domain.enums import Kind, LgscoDecision, Procedure, StageCode
from crm_desktop.domain.financial_year import FinancialYear
from crm_desktop.domain.formatting import format_date
from crm_desktop.domain.workflow import State
from crm_desktop.services.queues import (
    DEFAULT_WITHIN,
    QueueRow,
    Where,
    count_queue,
    lgsco_remedies,
)
from crm_desktop.services.stage_states import current_stage, in_states

DUE_SOON_WITHIN = DEFAULT_WITHIN  # working days, as the "due soon" queue
OPEN_CASE = set(State) - {State.CLOSED}
MONTHS = ("Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar")


@dataclass(frozen=True)
class Count:
    label: str
    value: int


@dataclass(frozen=True)
class DashboardFigures:
    as_of: dt.date
    year: int  # the financial year: 2024 means 2024/25
    year_label: str
    received_by_month: tuple[Count, ...]  # April to the month of ``as_of``
    received_by_procedure: tuple[Count, ...]  # this financial year, every kind
    received_by_kind: tuple[Count, ...]
    open_by_stage: tuple[Count, ...]  # open cases by the stage they are at
    open_cases: int
    overdue: int  # running clocks past their due date (the "overdue" queue)
    due_soon: int  # running clocks due within DUE_SOON_WITHIN working days
    awaiting_acknowledgement: int


_Q = TypeVar("_Q", bound="sa.Select[*tuple[Any, ...]]")


def _visible(query: _Q, where: Where) -> _Q:
    return query if where is None else query.where(where)


def _received(
    session: Session, start: dt.date, end: dt.date, where: Where
) -> list[tuple[int, int, str, str]]:
    query = (
        sa.select(
            sa.extract("year", Case.received_on),
            sa.extract("month", Case.received_on),
            sa.type_coerce(Case.procedure, sa.String()),
            sa.type_coerce(Case.kind, sa.String()),
            sa.func.count(),
        )
        .where(Case.received_on.between(start, end))
        .group_by(
            sa.extract("year", Case.received_on),
            sa.extract("month", Case.received_on),
            Case.procedure,
            Case.kind,
        )
    )
    rows = session.execute(_visible(query, where)).all()
    # (year * 100 + month, count, procedure, kind)
    return [
        (int(year) * 100 + int(month), int(count), str(procedure), str(kind))
        for year, month, procedure, kind, count in rows
    ]


def dashboard_figures(session: Session, as_of: dt.date, where: Where = None) -> DashboardFigures:
    """This financial year's intake and today's open work, on ``as_of``."""
    year = FinancialYear.of(as_of).start_year
    start = FinancialYear(year).start
    received = _received(session, start, as_of, where)
    by_month: dict[int, int] = {}
    by_procedure: dict[str, int] = {p.value: 0 for p in Procedure}
    by_kind: dict[str, int] = {k.value: 0 for k in Kind}
    for month_key, count, procedure, kind in received:
        by_month[month_key] = by_month.get(month_key, 0) + count
        by_procedure[procedure] = by_procedure.get(procedure, 0) + count
        by_kind[kind] = by_kind.get(kind, 0) + count
    months = []
    y, m = start.year, start.month
    while (y, m) <= (as_of.year, as_of.month):
        months.append(Count(f"{MONTHS[(m - 4) % 12]} {y % 100:02d}", by_month.get(y * 100 + m, 0)))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)

    stage_code = sa.type_coerce(Stage.stage, sa.String())
    open_rows = session.execute(
        _visible(
            sa.select(stage_code, sa.func.count())
            .select_from(Case)
            .outerjoin(Stage, current_stage())
            .where(in_states(OPEN_CASE))
            .group_by(stage_code),
            where,
        )
    ).all()
    open_counts = {code: int(count) for code, count in open_rows}
    order = [
        StageCode.STAGE_1,
        StageCode.STAGE_2,
        StageCode.STAGE_3,
        StageCode.LOW,
        StageCode.MODERATE_HIGH,
        StageCode.INFORMAL,
        StageCode.LGSCO,
    ]
    open_by_stage = [Count(code.label, open_counts.get(code.value, 0)) for code in order]
    no_stage = open_counts.get(None, 0)  # type: ignore[call-overload]
    open_by_stage.append(Count("Compliments and comments", no_stage))

    overdue = count_queue(session, "overdue", as_of, where=where)
    due_soon = count_queue(session, "due-soon", as_of, within=DUE_SOON_WITHIN, where=where)
    awaiting_ack = count_queue(session, "awaiting-acknowledgement", as_of, where=where)
    return DashboardFigures(
        as_of=as_of,
        year=year,
        year_label=FinancialYear(year).label,
        received_by_month=tuple(months),
        received_by_procedure=tuple(
            Count(Procedure(p).label, by_procedure[p]) for p in by_procedure
        ),
        received_by_kind=tuple(Count(Kind(k).label, by_kind[k]) for k in by_kind),
        open_by_stage=tuple(open_by_stage),
        open_cases=sum(open_counts.values()),
        overdue=overdue,
        due_soon=due_soon,
        awaiting_acknowledgement=awaiting_ack,
    )


# ----------------------------------------------------------------------------- KPIs


@dataclass(frozen=True)
class KpiFigure:
    label: str
    target: float
    value: float | None  # None: nothing to measure yet this year
    rag: str | None  # "green", "amber", "red" (see reports.figures.rag)
    previous: float | None  # the year before, for comparison
    previous_rag: str | None


@dataclass(frozen=True)
class KpiSummary:
    year: int
    year_label: str
    previous_label: str
    kpis: tuple[KpiFigure, ...]
    note: str


def dashboard_kpis(
    session: Session, as_of: dt.date, progress: Callable[[int, int, str], None] | None = None
) -> KpiSummary:
    """This financial year's KPIs with RAG against their targets, from the annual report
    (``progress`` hears of each step; it may raise to stop the work)."""
    year = FinancialYear.of(as_of).start_year
    # pandas is loaded when the figures are first worked out, not when the program starts.
    from crm_desktop.reports.figures import annual_kpis

    table = annual_kpis(session, year, progress)
    figures = []
    for row in table.rows:
        label, target, previous, current = row[0], row[1], row[2], row[3]
        figures.append(
            KpiFigure(
                label=str(label.value),
                target=float(target.value or 0),
                value=None if current.value is None else float(current.value),
                rag=current.rag.value if current.rag else None,
                previous=None if previous.value is None else float(previous.value),
                previous_rag=previous.rag.value if previous.rag else None,
            )
        )
    return KpiSummary(
        year=year,
        year_label=FinancialYear(year).label,
        previous_label=FinancialYear(year - 1).label,
        kpis=tuple(figures),
        note=table.notes[0] if table.notes else "",
    )


# ------------------------------------------------------------------------ Ombudsman


@dataclass(frozen=True)
class OmbudsmanRow:
    case_id: int
    stage_id: int
    reference: str
    procedure: str  # label
    lgsco_reference: str | None
    enquiry_received_on: dt.date | None
    response_due_on: dt.date | None
    responded_on: dt.date | None
    decision: str | None  # label
    decision_on: dt.date | None
    open_remedies: int
    status: str  # one line for the officer


def open_ombudsman_stages(
    session: Session, as_of: dt.date, where: Where = None
) -> list[OmbudsmanRow]:
    """Open cases at the Ombudsman, the ones whose enquiry response is due first at the top."""
    open_remedies = (
        sa.select(sa.func.count())
        .where(LgscoRemedy.stage_id == Stage.id, LgscoRemedy.completed_on.is_(None))
        .scalar_subquery()
    )
    query = (
        sa.select(
            Case.id,
            Stage.id,
            Case.reference,
            sa.type_coerce(Case.procedure, sa.String()),
            LgscoDetail.lgsco_reference,
            LgscoDetail.enquiry_received_on,
            LgscoDetail.enquiry_response_due_on,
            LgscoDetail.enquiry_responded_on,
            sa.type_coerce(LgscoDetail.decision, sa.String()),
            LgscoDetail.decision_on,
            open_remedies,
        )
        .select_from(Case)
        .join(Stage, current_stage())
        .outerjoin(LgscoDetail, LgscoDetail.stage_id == Stage.id)
        .where(in_states({State.LGSCO_OPEN, State.LGSCO_DECIDED}))
        .order_by(
            LgscoDetail.decision.is_not(None),
            LgscoDetail.enquiry_responded_on.is_not(None),
            LgscoDetail.enquiry_response_due_on.is_(None),
            LgscoDetail.enquiry_response_due_on,
            Case.received_on,
            Case.id,
        )
    )
    rows = session.execute(_visible(query, where)).all()
    result = []
    for (
        case_id,
        stage_id,
        reference,
        procedure,
        lgsco_ref,
        received,
        due,
        responded,
        decision,
        decided,
        remedies,
    ) in rows:
        if decision:
            status = f"Decision {format_date(decided)}" if decided else "Decided"
            if remedies:
                status += f"; {remedies} remed{'y' if remedies == 1 else 'ies'} open"
        elif responded:
            status = f"Awaiting decision (responded {format_date(responded)})"
        elif due and due < as_of:
            status = f"Enquiry response overdue (due {format_date(due)})"
        elif due:
            status = f"Enquiry response due {format_date(due)}"
        else:
            status = "Awaiting the Ombudsman"
        result.append(
            OmbudsmanRow(
                case_id=case_id,
                stage_id=stage_id,
                reference=reference,
                procedure=Procedure(procedure).label,
                lgsco_reference=lgsco_ref,
                enquiry_received_on=received,
                response_due_on=due,
                responded_on=responded,
                decision=LgscoDecision(decision).label if decision else None,
                decision_on=decided,
                open_remedies=int(remedies or 0),
                status=status,
            )
        )
    return result


@dataclass(frozen=True)
class OmbudsmanWork:
    """The Ombudsman page: open Ombudsman stages and the remedies not yet completed."""

    stages: tuple[OmbudsmanRow, ...]
    remedies: tuple[QueueRow, ...]


def ombudsman_work(session: Session, as_of: dt.date, where: Where = None) -> OmbudsmanWork:
    return OmbudsmanWork(
        tuple(open_ombudsman_stages(session, as_of, where)),
        tuple(lgsco_remedies(session, as_of, where=where)),
    )
