"""Acknowledgements and responses measured against each case's procedure policy.

The Complaint Handling Code's annual report and self-assessment ask how many complaints
were acknowledged within 5 working days (6.2) and answered within 10 working days of
the acknowledgement (6.3; Stage 2: 20). :func:`acknowledgement_records` gives, for every
council stage asked for in a period, its acknowledgement and response against the rules
of the policy its case follows, one plain row a stage, with the provision a late one
breaches; :func:`summarise` counts them per policy and stage.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db.models import Case, Stage
from crm_desktop.domain.enums import Procedure, StageCode
from crm_desktop.domain.workflow import NOT_RESPONSES
from crm_desktop.services.procedure_policies import policy_book

__all__ = ["AcknowledgementRecord", "PolicyStageSummary", "acknowledgement_records", "summarise"]


@dataclass(frozen=True, slots=True)
class AcknowledgementRecord:
    """One stage's acknowledgement and response against its case's policy."""

    case_id: int
    reference: str
    procedure: str
    stage: str  # a StageCode value
    policy_id: int
    policy: str  # the policy's name
    requested_on: dt.date  # Stage 1: received
    acknowledge_due_on: dt.date | None
    acknowledged_on: dt.date | None
    acknowledged_late: bool  # after it was due, or still not done after it was due
    acknowledge_provision: str | None  # the provision a late acknowledgement breaches
    response_due_on: dt.date | None  # the current due date (provisional until acknowledged)
    responded_on: dt.date | None
    responded_late: bool | None  # None: not answered yet and not yet late
    response_provision: str | None

    @property
    def acknowledgement_breach(self) -> str | None:
        """ "Late acknowledgement: a breach of paragraph 6.2 ..." (None: not late, or the
        policy names no provision)."""
        if not self.acknowledged_late or not self.acknowledge_provision:
            return None
        return f"Late acknowledgement: a breach of {self.acknowledge_provision}."


@dataclass(frozen=True, slots=True)
class PolicyStageSummary:
    policy: str
    stage: str
    stages: int
    acknowledged_in_time: int
    acknowledged_late: int  # late or still owed after the due date
    responded: int
    responded_in_time: int

    @property
    def acknowledged_in_time_percent(self) -> float | None:
        return 100.0 * self.acknowledged_in_time / self.stages if self.stages else None

    @property
    def responded_in_time_percent(self) -> float | None:
        return 100.0 * self.responded_in_time / self.responded if self.responded else None


def acknowledgement_records(
    session: Session,
    start: dt.date,
    end: dt.date,
    as_of: dt.date,
    procedure: Procedure | str = Procedure.CORPORATE,
) -> list[AcknowledgementRecord]:
    """Every stage of ``procedure`` requested (Stage 1: received) from ``start`` to
    ``end`` whose case follows a procedure policy covering it, measured on ``as_of``."""
    proc = Procedure(procedure)
    book = policy_book(session)
    if not book.has(proc):
        return []
    requested = sa.func.coalesce(Stage.requested_on, Case.received_on)
    rows = session.execute(
        sa.select(
            Case.id,
            Case.reference,
            Case.received_on,
            Stage.stage,
            requested,
            Stage.acknowledge_due_on,
            Stage.acknowledged_on,
            Stage.due_on,
            Stage.closed_on,
            sa.type_coerce(Stage.outcome, sa.String()),
        )
        .join(Case, Case.id == Stage.case_id)
        .where(
            Case.procedure == proc,
            Stage.stage != StageCode.LGSCO,
            requested.between(start, end),
        )
        .order_by(requested, Case.id, Stage.seq)
    ).all()
    result: list[AcknowledgementRecord] = []
    for case_id, reference, received, code, asked, ack_due, acked, due, ended, outcome in rows:
        # Withdrawn or redirected: ended, but not answered (as the Code's report counts).
        closed = None if outcome in NOT_RESPONSES else ended
        policy = book.policy_for(proc, received)
        rules = policy.rules.stage(code) if policy is not None else None
        if policy is None or rules is None:
            continue
        if ack_due is None:
            ack_late = False
        elif acked is not None:
            ack_late = acked > ack_due
        else:
            # Never acknowledged: a response by the due date stood for it; a response
            # after it, or none yet after it, is late (as the Code's report and the case
            # screen count it).
            ack_late = (ended if ended is not None else as_of) > ack_due
        responded_late: bool | None
        if due is None:
            responded_late = None
        elif closed is not None:
            responded_late = closed > due
        elif ended is not None:
            responded_late = None  # ended without a response: nothing was late
        else:
            responded_late = True if as_of > due else None
        result.append(
            AcknowledgementRecord(
                case_id=case_id,
                reference=reference,
                procedure=proc.value,
                stage=StageCode(code).value,
                policy_id=policy.id,
                policy=policy.name,
                requested_on=asked,
                acknowledge_due_on=ack_due,
                acknowledged_on=acked,
                acknowledged_late=ack_late,
                acknowledge_provision=rules.provision("acknowledge"),
                response_due_on=due,
                responded_on=closed,
                responded_late=responded_late,
                response_provision=rules.provision("response"),
            )
        )
    return result


def summarise(records: Iterable[AcknowledgementRecord]) -> list[PolicyStageSummary]:
    """Counts per policy and stage, in the order they first appear."""
    groups: dict[tuple[str, str], list[AcknowledgementRecord]] = {}
    for record in records:
        groups.setdefault((record.policy, record.stage), []).append(record)
    return [
        PolicyStageSummary(
            policy=policy,
            stage=stage,
            stages=len(rows),
            # In time: acknowledged by the due date, or answered by then without one.
            acknowledged_in_time=sum(
                1
                for r in rows
                if not r.acknowledged_late
                and (r.acknowledged_on is not None or r.responded_on is not None)
            ),
            acknowledged_late=sum(1 for r in rows if r.acknowledged_late),
            responded=sum(1 for r in rows if r.responded_on is not None),
            responded_in_time=sum(
                1 for r in rows if r.responded_on is not None and r.responded_late is False
            ),
        )
        for (policy, stage), rows in groups.items()
    ]
