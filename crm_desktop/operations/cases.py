"""Recording and looking at cases: the case list, opening a case, its details and points."""

from __future__ import annotations

import dataclasses
import datetime as dt

from crm_desktop.operations.core import Change, OpContext, operation
from crm_desktop.operations.policy import (
    CaseId,
    CaseVersion,
    Permission,
    PointId,
    permitted_actions,
)
from crm_desktop.privacy.access_log import record_case_opened
from crm_desktop.services import case_list, case_view, cases, queues, reference_admin, statutory

__all__ = [
    "add_point",
    "case_detail",
    "case_page",
    "create_case",
    "edit_case",
    "open_case",
    "record_late_decision",
    "record_statutory_facts",
    "reference_choices",
    "remove_point",
    "set_point_outcome",
    "set_vexatious",
    "statutory_facts",
]


@operation(Permission.SEE_CASES)
def reference_choices(ctx: OpContext) -> reference_admin.ReferenceChoices:
    """The lists a case is recorded with (natures, directorates, areas, teams)."""
    return reference_admin.reference_choices(ctx.session)


@operation(Permission.SEE_CASES)
def case_page(
    ctx: OpContext,
    query: case_list.CaseListQuery,
    offset: int = 0,
    limit: int = 200,
    with_count: bool = False,
) -> tuple[int | None, list[case_list.CaseListRow]]:
    """One page of the case list (and the number of cases it holds, when asked)."""
    query = case_list.restrict_to(query, ctx.authoriser.service_area_name())
    total = case_list.count_cases(ctx.session, query) if with_count else None
    rows = case_list.fetch_case_page(ctx.session, query, offset, limit)
    if any(row.status == "open" for row in rows):
        soon_before = queues.due_soon_before(ctx.session, ctx.today)
        rows = case_list.mark_due(rows, ctx.today, soon_before)
    return total, rows


def _detail(ctx: OpContext, case_id: int) -> case_view.CaseDetail:
    detail = case_view.load_case_detail(ctx.session, case_id, ctx.today)
    return dataclasses.replace(detail, actions=tuple(permitted_actions(ctx.actor, detail.actions)))


@operation(Permission.SEE_CASES, changes=(Change.ACCESS_LOG,))
def open_case(ctx: OpContext, case_id: CaseId) -> case_view.CaseDetail:
    """Open a case: its whole record, and who opened it goes in the access log."""
    record_case_opened(ctx.session, ctx.actor, case_id)
    return _detail(ctx, case_id)


@operation(Permission.SEE_CASES)
def case_detail(ctx: OpContext, case_id: CaseId) -> case_view.CaseDetail:
    """A case already open, read again after a change."""
    return _detail(ctx, case_id)


@operation(Permission.WORK_CASES, changes=(Change.CASES,))
def create_case(ctx: OpContext, new: cases.NewCase) -> cases.CreatedCase:
    """Record a new complaint, compliment or comment."""
    return cases.create_case(ctx.session, new, ctx.actor, ctx.today)


@operation(Permission.WORK_CASES, changes=(Change.CASES,))
def edit_case(ctx: OpContext, case_id: CaseId, version: CaseVersion, edit: cases.CaseEdit) -> int:
    """Change a case's details; the case's new version."""
    return cases.edit_case(ctx.session, case_id, version, edit, ctx.actor, ctx.today)


@operation(Permission.WORK_CASES, changes=(Change.CASES,))
def record_late_decision(
    ctx: OpContext, case_id: CaseId, version: CaseVersion, decision: str
) -> int:
    """Record why a complaint made over 12 months after the events is (not) considered."""
    return cases.record_late_complaint_decision(ctx.session, case_id, version, decision, ctx.actor)


@operation(Permission.WORK_CASES, changes=(Change.CASES,))
def add_point(
    ctx: OpContext, case_id: CaseId, version: CaseVersion, point: cases.PointInput
) -> int:
    """Add a complaint point to a case; the new point's id."""
    return cases.add_point(ctx.session, case_id, version, point, ctx.actor)


@operation(Permission.WORK_CASES, changes=(Change.CASES,))
def remove_point(ctx: OpContext, case_id: CaseId, version: CaseVersion, point_id: PointId) -> None:
    """Remove a complaint point that has no outcome yet."""
    cases.remove_point(ctx.session, case_id, version, point_id, ctx.actor)


@operation(Permission.WORK_CASES, changes=(Change.CASES,))
def set_point_outcome(
    ctx: OpContext,
    case_id: CaseId,
    version: CaseVersion,
    point_id: PointId,
    outcome: str,
    note: str | None = None,
) -> None:
    """Record a complaint point's outcome at the case's current stage."""
    cases.set_point_outcome(ctx.session, case_id, version, point_id, outcome, ctx.actor, note)


@operation(Permission.WORK_CASES, changes=(Change.CASES,))
def set_vexatious(
    ctx: OpContext,
    case_id: CaseId,
    person_id: int,
    flagged: bool,
    review_on: dt.date | None = None,
    contact_arrangements: str | None = None,
    since: dt.date | None = None,
) -> None:
    """Flag (or clear) a persistent or vexatious complainant on a case; ``since``: when
    the unreasonable-behaviour policy was applied (for a new flag, today unless said; a
    flag already set keeps its date unless one is given)."""
    cases.set_vexatious(
        ctx.session,
        case_id,
        person_id,
        flagged,
        ctx.actor,
        review_on,
        contact_arrangements,
        since,
        ctx.today,
    )


@operation(Permission.SEE_CASES)
def statutory_facts(ctx: OpContext, case_id: CaseId) -> statutory.CaseStatutoryFacts:
    """A complaint's facts for the statutory annual report (who complained, advocacy,
    well-founded, not accepted, which Ombudsman)."""
    return statutory.statutory_facts(ctx.session, case_id)


@operation(Permission.WORK_CASES, changes=(Change.CASES,))
def record_statutory_facts(
    ctx: OpContext, case_id: CaseId, version: CaseVersion, facts: statutory.StatutoryFacts
) -> int:
    """Record a complaint's facts for the statutory annual report; the case's new version."""
    return statutory.record_statutory_facts(
        ctx.session, case_id, version, facts, ctx.actor, ctx.today
    )
