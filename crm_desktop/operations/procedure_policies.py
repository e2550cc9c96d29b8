"""Procedure policies (each procedure's rules as dated versions), the Stage 2 responder,
and acknowledgements measured against each case's policy."""

from __future__ import annotations

import datetime as dt

from crm_desktop.domain.enums import Procedure
from crm_desktop.domain.procedure_policy import PolicyRules
from crm_desktop.operations.core import Change, OpContext, operation
from crm_desktop.operations.policy import CaseId, CaseVersion, Permission
from crm_desktop.services import code_compliance
from crm_desktop.services import procedure_policies as policies
from crm_desktop.services import workflow as flow

__all__ = [
    "acknowledgement_records",
    "add_procedure_policy",
    "preview_procedure_policy",
    "procedure_policies",
    "procedure_policy",
    "responder_choices",
    "set_stage_responder",
    "update_procedure_policy",
]


@operation(Permission.SEE_CASES)
def procedure_policies(
    ctx: OpContext, procedure: Procedure | str | None = None
) -> list[policies.PolicyView]:
    """Every version of every procedure's policy (of one procedure, if given), with the
    cases that follow each."""
    return policies.list_policies(ctx.session, procedure)


@operation(Permission.SEE_CASES)
def procedure_policy(ctx: OpContext, policy_id: int) -> policies.PolicyView:
    """One version of a procedure's policy."""
    return policies.get_policy(ctx.session, policy_id)


@operation(Permission.MANAGE_REFERENCE_DATA)
def preview_procedure_policy(
    ctx: OpContext, procedure: Procedure | str, effective_from: dt.date
) -> policies.PolicyPreview:
    """How many existing cases a new version from that date would apply to (none, when it
    may be added)."""
    return policies.preview_policy(ctx.session, procedure, effective_from, ctx.today)


@operation(Permission.MANAGE_REFERENCE_DATA, changes=(Change.REFERENCE_DATA,))
def add_procedure_policy(
    ctx: OpContext,
    procedure: Procedure | str,
    name: str,
    effective_from: dt.date,
    rules: PolicyRules | str,
    note: str = "",
) -> policies.PolicyView:
    """A new version of a procedure's policy, for cases received from its date."""
    return policies.add_policy(
        ctx.session, ctx.actor, procedure, name, effective_from, rules, ctx.today, note
    )


@operation(Permission.MANAGE_REFERENCE_DATA, changes=(Change.REFERENCE_DATA,))
def update_procedure_policy(
    ctx: OpContext,
    policy_id: int,
    version: int,
    name: str | None = None,
    effective_from: dt.date | None = None,
    rules: PolicyRules | str | None = None,
    note: str | None = None,
) -> policies.PolicyView:
    """Correct a version no case follows yet (a version in use is refused)."""
    return policies.update_policy(
        ctx.session,
        ctx.actor,
        policy_id,
        version,
        today=ctx.today,
        name=name,
        effective_from=effective_from,
        rules=rules,
        note=note,
    )


@operation(Permission.SEE_CASES)
def responder_choices(ctx: OpContext, case_id: CaseId) -> list[flow.ResponderChoice]:
    """Who could respond at the case's current stage, and any rule each would break."""
    return flow.responder_choices(ctx.session, case_id)


@operation(Permission.WORK_CASES, changes=(Change.CASES,))
def set_stage_responder(
    ctx: OpContext,
    case_id: CaseId,
    version: CaseVersion,
    responder_id: int,
    override_reason: str = "",
) -> flow.ResponderResult:
    """Choose who responds at the case's current stage; allowing the previous stage's
    responder where the policy forbids it is a manager's decision, with a reason."""
    if override_reason.strip():
        ctx.authoriser.require(Permission.MANAGER_DECISIONS)
    return flow.set_responder(
        ctx.session, case_id, version, responder_id, ctx.actor, ctx.today, override_reason
    )


@operation(Permission.RUN_REPORTS)
def acknowledgement_records(
    ctx: OpContext,
    start: dt.date,
    end: dt.date,
    procedure: Procedure | str = Procedure.CORPORATE,
) -> list[code_compliance.AcknowledgementRecord]:
    """Every stage asked for from ``start`` to ``end``: its acknowledgement and response
    against its case's procedure policy (a late acknowledgement under the Complaint
    Handling Code is a breach of 6.2)."""
    return code_compliance.acknowledgement_records(ctx.session, start, end, ctx.today, procedure)
