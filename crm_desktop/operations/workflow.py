"""Moving cases through their procedure, the Ombudsman's details, and action plans."""

from __future__ import annotations

import datetime as dt

from crm_desktop.domain.workflow import Action
from crm_desktop.operations.core import Change, OpContext, operation
from crm_desktop.operations.policy import (
    ActionItemId,
    CaseId,
    CaseVersion,
    Permission,
    RemedyId,
    StageId,
    action_permission,
    permitted_actions,
)
from crm_desktop.services import clock
from crm_desktop.services import workflow as flow

__all__ = [
    "add_action_item",
    "add_payment",
    "add_remedy",
    "available_actions",
    "complete_action_item",
    "complete_remedy",
    "explain_due_date",
    "perform",
    "record_enquiry_response",
]


@operation(Permission.SEE_CASES)
def available_actions(ctx: OpContext, case_id: CaseId) -> list[Action]:
    """What the signed-in user may do to the case now: the procedure's table, less what
    their role may not do."""
    return permitted_actions(ctx.actor, flow.available_actions(ctx.session, case_id))


@operation(Permission.WORK_CASES, changes=(Change.CASES,))
def perform(
    ctx: OpContext, case_id: CaseId, version: CaseVersion, action: Action, data: flow.ActionInput
) -> flow.TransitionResult:
    """Take one step of the case's procedure (acknowledge, suspend, respond, ...)."""
    ctx.authoriser.require(action_permission(action))
    if data.override_window or (data.beyond_limit_reason or "").strip():
        ctx.authoriser.require(Permission.MANAGER_DECISIONS)
    return flow.perform(ctx.session, case_id, version, action, data, ctx.actor, ctx.today)


@operation(Permission.SEE_CASES)
def explain_due_date(ctx: OpContext, stage_id: StageId) -> list[str]:
    """How a stage's due date was worked out, step by step."""
    return clock.explain_stage_due_date(ctx.session, stage_id, ctx.today)


@operation(Permission.WORK_CASES, changes=(Change.CASES,))
def record_enquiry_response(ctx: OpContext, stage_id: StageId, responded_on: dt.date) -> None:
    """The date the council answered the Ombudsman's enquiry."""
    flow.record_enquiry_response(ctx.session, stage_id, responded_on, ctx.actor, ctx.today)


@operation(Permission.WORK_CASES, changes=(Change.CASES,))
def add_remedy(
    ctx: OpContext, stage_id: StageId, description: str, agreed_on: dt.date, deadline_on: dt.date
) -> int:
    """A remedy agreed with the Ombudsman, with its deadline; the remedy's id."""
    return flow.add_remedy(
        ctx.session, stage_id, description, agreed_on, deadline_on, ctx.actor, ctx.today
    )


@operation(Permission.WORK_CASES, changes=(Change.CASES,))
def complete_remedy(
    ctx: OpContext,
    remedy_id: RemedyId,
    completed_on: dt.date,
    evidence_sent_on: dt.date | None = None,
) -> bool:
    """Record a remedy done (and its evidence sent); whether it was late."""
    return flow.complete_remedy(
        ctx.session, remedy_id, completed_on, evidence_sent_on, ctx.actor, ctx.today
    )


@operation(Permission.WORK_CASES, changes=(Change.CASES,))
def add_payment(
    ctx: OpContext,
    stage_id: StageId,
    amount_pence: int,
    paid_on: dt.date | None,
    payee: str | None = None,
    remedy_id: RemedyId | None = None,
) -> int:
    """A payment the council made as an Ombudsman remedy; the payment's id."""
    return flow.add_payment(
        ctx.session, stage_id, amount_pence, paid_on, ctx.actor, ctx.today, payee, remedy_id
    )


@operation(Permission.WORK_CASES, changes=(Change.CASES,))
def add_action_item(
    ctx: OpContext,
    case_id: CaseId,
    action: str,
    owner: str,
    agreed_with: str | None = None,
    due_on: dt.date | None = None,
) -> int:
    """An action-plan item on an upheld complaint; the item's id."""
    return flow.add_action_item(ctx.session, case_id, action, owner, ctx.actor, agreed_with, due_on)


@operation(Permission.WORK_CASES, changes=(Change.CASES,))
def complete_action_item(
    ctx: OpContext,
    item_id: ActionItemId,
    done_on: dt.date,
    evidence: str,
    learning_example: bool = False,
) -> None:
    """Record an action-plan item done, with its evidence."""
    flow.complete_action_item(
        ctx.session, item_id, done_on, evidence, ctx.actor, ctx.today, learning_example
    )
