"""The procedure policies that ship, added once to a database that has none.

Kept beside the reference data (:mod:`crm_desktop.db.reference_data`): the program adds
them when it opens a database, after the reference data, so the 2023 procedure takes
the corporate timescales the database held before policies existed.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db.calendar_table import working_calendar
from crm_desktop.db.models import (
    FIELD_ACKNOWLEDGE_DUE,
    FIELD_DUE,
    Case,
    DueDateChange,
    ProcedurePolicy,
    Setting,
    Stage,
    StageTimescale,
)
from crm_desktop.domain.access import SYSTEM
from crm_desktop.domain.calendar import CalendarError
from crm_desktop.domain.deadlines import (
    DeadlineError,
    Extension,
    Suspension,
    clock_from_acknowledgement,
    compute_due_date,
    suspended_working_days,
)
from crm_desktop.domain.enums import Procedure, StageCode, TimescaleRule
from crm_desktop.domain.formatting import format_date
from crm_desktop.domain.procedure_policy import (
    CODE_EFFECTIVE_FROM,
    COMPLAINT_HANDLING_CODE,
    CORPORATE_2023,
    ClockFrom,
    PolicyRules,
    StageRules,
    rules_to_json,
)
from crm_desktop.errors import ValidationError

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
    held) and the Complaint Handling Code from 1 April 2026; a corporate case received
    from that day, timed before the database knew the Code, has its dates worked out
    again by the Code. Returns True when added."""
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
                created_by=SYSTEM.username,
                updated_by=SYSTEM.username,
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
                created_by=SYSTEM.username,
                updated_by=SYSTEM.username,
            )
        )
    session.add(Setting(key=SEEDED_KEY, value="1"))
    session.flush()
    if not has_corporate:
        _retime_cases_under_the_code(session)
    return True


def _retime_cases_under_the_code(session: Session) -> int:
    """Corporate cases received from 1 April 2026 in a database that did not know the
    Code yet were timed by the council's earlier rules, yet they follow the Code (every
    screen, queue and the Code's report judge them by it). Each stage's dates are worked
    out again by the Code, as the workflow and the import set them today: the
    acknowledgement due 5 working days after receipt or the request, the response 10
    (Stage 2: 20) after the acknowledgement, provisionally after its last day (a stage
    closed before then: from the day it closed), keeping its suspensions and extensions.
    Every date that moves is recorded. An imported case's stage was taken as
    acknowledged the day it started (the earlier rules needed an acknowledgement); the
    import now leaves a Code stage unacknowledged, and so does this. A stage whose clock
    was stopped before the day the Code's clock counts from is left as it was. The
    number of stages changed."""
    rows = session.execute(
        sa.select(Stage, Case.imported)
        .join(Case, Case.id == Stage.case_id)
        .where(
            Case.procedure == Procedure.CORPORATE,
            Case.received_on >= CODE_EFFECTIVE_FROM,
            Stage.started_on.is_not(None),
        )
        .order_by(Stage.id)
    ).all()
    if not rows:
        return 0  # a new database: no calendar is built at its first start
    try:
        cal = working_calendar(session, Procedure.CORPORATE)
    except ValidationError:
        return 0  # no calendar to count in: the stages keep their dates
    reason = (
        f"This case was received on or after {format_date(CODE_EFFECTIVE_FROM)}, so it "
        "follows the Complaint Handling Code; its dates had been set by the council's "
        "earlier rules and are worked out again by the Code's."
    )
    changed = 0
    for stage, imported in rows:
        rules = COMPLAINT_HANDLING_CODE.stage(StageCode(stage.stage))
        if rules is None or rules.response_days is None or rules.acknowledge_days is None:
            continue
        assert rules.clock_from == ClockFrom.ACKNOWLEDGEMENT and stage.started_on is not None
        acknowledged = stage.acknowledged_on
        if imported and acknowledged == stage.started_on:
            acknowledged = None  # the import's stand-in, not a date anyone recorded
        # Imported stages hold their suspended days without the suspensions' dates.
        unrecorded = stage.undated_suspended_days
        try:
            ack_due, start = clock_from_acknowledgement(
                cal,
                stage.requested_on or stage.started_on,
                rules.acknowledge_days,
                acknowledged,
                stage.closed_on,
            )
            if any(s.starts_on < start for s in stage.suspensions):
                continue
            closed = [
                Suspension(s.starts_on, s.ends_on, str(s.reason))
                for s in stage.suspensions
                if s.ends_on is not None
            ]
            extensions = [Extension(e.working_days, e.reason) for e in stage.extensions]
            due = compute_due_date(cal, start, rules.response_days + unrecorded, closed, extensions)
            suspended = unrecorded + suspended_working_days(cal, closed)
        except (CalendarError, DeadlineError, ValueError):
            continue  # e.g. beyond the years the calendar knows: left as it was
        for field, before, after in (
            (FIELD_DUE, stage.due_on, due),
            (FIELD_ACKNOWLEDGE_DUE, stage.acknowledge_due_on, ack_due),
        ):
            if before != after:
                session.add(
                    DueDateChange(
                        stage_id=stage.id,
                        field=field,
                        cause="policy",
                        before=before,
                        after=after,
                        reason=reason,
                        changed_by=SYSTEM.username,
                    )
                )
        stage.acknowledged_on = acknowledged
        stage.started_on = start
        stage.timescale_days = rules.response_days
        stage.suspended_days = suspended
        stage.due_on = due
        stage.acknowledge_due_on = ack_due
        stage.updated_by = SYSTEM.username
        changed += 1
    session.flush()
    return changed
