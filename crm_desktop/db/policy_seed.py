"""The procedure policies that ship, added once to a database that has none.

Kept beside the reference data (:mod:`crm_desktop.db.reference_data`): the program adds
them when it opens a database, after the reference data, so the 2023 procedure takes
the corporate timescales the database held before policies existed.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db.models import Case, ProcedurePolicy, Setting, Stage, StageTimescale
from crm_desktop.domain.enums import Procedure, StageCode, TimescaleRule
from crm_desktop.domain.formatting import format_date
from crm_desktop.domain.procedure_policy import (
    CODE_EFFECTIVE_FROM,
    COMPLAINT_HANDLING_CODE,
    CORPORATE_2023,
    PolicyRules,
    StageRules,
    rules_to_json,
)

__all__ = [
    "CODE_NAME",
    "CORPORATE_2023_NAME",
    "EARLIEST",
    "ensure_procedure_policies",
    "procedure_policies_seeded",
]

SEEDED_KEY = "procedure_policies.seeded"
CORPORATE_2023_NAME = "Corporate complaints procedure 2023"
CODE_NAME = "Complaint Handling Code (Local Government and Social Care Ombudsman)"
# The 2023 procedure's first day: earlier than any case the program can hold.
EARLIEST = dt.date(1990, 1, 1)


def _corporate_2023_from_reference(session: Session) -> PolicyRules:
    """The 2023 procedure with the corporate timescales the database held before
    policies (a manager may have changed the defaults)."""
    values = {
        (StageCode(stage), TimescaleRule(rule)): int(value)
        for stage, rule, value in session.execute(
            sa.select(StageTimescale.stage, StageTimescale.rule, StageTimescale.value).where(
                StageTimescale.procedure == Procedure.CORPORATE
            )
        )
    }
    rules = CORPORATE_2023
    for stage in rules.stages:
        duration = values.get((stage.stage, TimescaleRule.DURATION), stage.response_days)
        acknowledge = values.get((stage.stage, TimescaleRule.ACKNOWLEDGE), stage.acknowledge_days)
        limit = values.get((stage.stage, TimescaleRule.EXTENSION_LIMIT))
        window = values.get(
            (stage.stage, TimescaleRule.NEXT_STAGE_WINDOW), stage.next_stage_window_days
        )
        rules = rules.with_stage(
            StageRules(
                stage=stage.stage,
                acknowledge_days=acknowledge,
                response_days=duration,
                clock_from=stage.clock_from,
                extension_days=(limit - duration) if limit is not None and duration else None,
                beyond_needs_good_reason=False,
                next_stage_window_days=window,
                buckets=(duration,) if duration else stage.buckets,
                provisions=stage.provisions,
            )
        )
    return rules


def procedure_policies_seeded(session: Session) -> bool:
    """Whether the shipped versions were added already (a read: an ordinary open of the
    database does not wait for the write lock)."""
    return session.get(Setting, SEEDED_KEY) is not None


def ensure_procedure_policies(session: Session) -> bool:
    """Add the corporate versions that ship, once, to a database that has none: the
    council's 2023 procedure (its numbers from the corporate timescales the database
    held) and the Complaint Handling Code from 1 April 2026; an open corporate case
    received from that day, timed before the database knew the Code, has its dates worked
    out again by the Code. Returns True when added."""
    if session.get(Setting, SEEDED_KEY) is not None:
        return False
    has_corporate = session.scalar(
        sa.select(sa.func.count()).where(ProcedurePolicy.procedure == Procedure.CORPORATE)
    )
    if not has_corporate:
        session.add(
            ProcedurePolicy(
                procedure=Procedure.CORPORATE,
                name=CORPORATE_2023_NAME,
                effective_from=EARLIEST,
                rules=rules_to_json(_corporate_2023_from_reference(session)),
                note="Cases received up to 31 Mar 2026.",
                created_by="system",
                updated_by="system",
            )
        )
        session.add(
            ProcedurePolicy(
                procedure=Procedure.CORPORATE,
                name=CODE_NAME,
                effective_from=CODE_EFFECTIVE_FROM,
                rules=rules_to_json(COMPLAINT_HANDLING_CODE),
                note=(
                    "Cases received from 1 Apr 2026. lgo.org.uk, Complaint Handling Code, "
                    "Part 7: 6.2 acknowledge within 5 working days of receipt; 6.3 respond "
                    "within 10 working days of the acknowledgement; 6.4 an extension of no "
                    "more than 10 working days without good reason. Stage 2: acknowledge "
                    "within 5 working days of the request, respond within 20 working days "
                    "of the acknowledgement, by someone other than the Stage 1 responder."
                ),
                created_by="system",
                updated_by="system",
            )
        )
    session.add(Setting(key=SEEDED_KEY, value="1"))
    session.flush()
    if not has_corporate:
        _retime_open_cases_under_the_code(session)
    return True


def _retime_open_cases_under_the_code(session: Session) -> int:
    """Open corporate cases received from 1 April 2026 in a database that did not know
    the Code yet were timed by the council's earlier rules; they follow the Code, so
    their open stages' dates are worked out again (each change recorded). The number of
    stages changed."""
    from crm_desktop.services.clock import retime_under_policy

    stage_ids = session.scalars(
        sa.select(Stage.id)
        .join(Case, Case.id == Stage.case_id)
        .where(
            Case.procedure == Procedure.CORPORATE,
            Case.received_on >= CODE_EFFECTIVE_FROM,
            Stage.closed_on.is_(None),
            Stage.started_on.is_not(None),
        )
        .order_by(Stage.id)
    ).all()
    reason = (
        f"This case was received on or after {format_date(CODE_EFFECTIVE_FROM)}, so it "
        "follows the Complaint Handling Code; its dates had been set by the council's "
        "earlier rules and are worked out again by the Code's."
    )
    return sum(retime_under_policy(session, stage_id, "system", reason) for stage_id in stage_ids)
