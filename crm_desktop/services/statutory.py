"""The facts the statutory annual reports count that the rest of a case does not hold.

Children's (SI 2006/1738 reg 13(3)): who made the complaint (a child or young person, a
parent, a carer, someone else) and whether advocacy was provided. Adults' (SI 2009/309
reg 18): whether the council decided the complaint was well-founded, and which Ombudsman
it went to (the Local Government and Social Care Ombudsman, or the Health Service
Ombudsman for a complaint about health and social care together). Any procedure: a
representation not accepted as a complaint, why and when.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db.models import LgscoDetail, Stage
from crm_desktop.domain.access import Actor
from crm_desktop.domain.enums import (
    ComplainantType,
    Kind,
    NotAcceptedReason,
    Ombudsman,
    Procedure,
    StageCode,
)
from crm_desktop.domain.formatting import format_date
from crm_desktop.errors import ValidationError
from crm_desktop.services.cases import load_case, touch

__all__ = ["StatutoryFacts", "record_statutory_facts", "statutory_facts"]


@dataclass(frozen=True)
class StatutoryFacts:
    """A complaint's facts for the statutory annual report. ``ombudsman`` is None when
    the complaint has not gone to an Ombudsman."""

    complainant_type: ComplainantType | None = None
    advocacy_provided: bool | None = None
    well_founded: bool | None = None
    not_accepted_reason: NotAcceptedReason | None = None
    not_accepted_on: dt.date | None = None
    ombudsman: Ombudsman | None = None


@dataclass(frozen=True)
class CaseStatutoryFacts:
    """What the case holds now, with what the screen needs to offer the right choices."""

    case_id: int
    version: int
    procedure: Procedure
    kind: Kind
    received_on: dt.date
    facts: StatutoryFacts
    has_ombudsman_stage: bool


def _ombudsman_detail(session: Session, case_id: int) -> LgscoDetail | None:
    """The case's latest Ombudsman stage's details."""
    return session.scalar(
        sa.select(LgscoDetail)
        .join(Stage, Stage.id == LgscoDetail.stage_id)
        .where(Stage.case_id == case_id, Stage.stage == StageCode.LGSCO)
        .order_by(Stage.seq.desc())
        .limit(1)
    )


def statutory_facts(session: Session, case_id: int) -> CaseStatutoryFacts:
    case = load_case(session, case_id)
    detail = _ombudsman_detail(session, case_id)
    return CaseStatutoryFacts(
        case_id=case.id,
        version=case.version,
        procedure=Procedure(case.procedure),
        kind=Kind(case.kind),
        received_on=case.received_on,
        facts=StatutoryFacts(
            complainant_type=case.complainant_type,
            advocacy_provided=case.advocacy_provided,
            well_founded=case.well_founded,
            not_accepted_reason=case.not_accepted_reason,
            not_accepted_on=case.not_accepted_on,
            ombudsman=Ombudsman(detail.ombudsman) if detail is not None else None,
        ),
        has_ombudsman_stage=detail is not None,
    )


def record_statutory_facts(
    session: Session,
    case_id: int,
    expected_version: int,
    facts: StatutoryFacts,
    actor: Actor,
    today: dt.date,
) -> int:
    """Record the facts (all of them: an empty one clears what was there); the case's
    new version. Each fact belongs to a procedure; one given for another is refused."""
    case = load_case(session, case_id, expected_version)
    procedure = Procedure(case.procedure)
    if case.kind != Kind.COMPLAINT:
        raise ValidationError(f"Only complaints have these details; this is a {case.kind}.")
    if procedure != Procedure.CHILDREN and (
        facts.complainant_type is not None or facts.advocacy_provided is not None
    ):
        raise ValidationError(
            "Who complained and advocacy are recorded for children's social care complaints "
            "only; leave them empty.",
            "complainant_type",
        )
    if procedure != Procedure.ADULT and facts.well_founded is not None:
        raise ValidationError(
            "Whether a complaint was well-founded is recorded for adult social care "
            "complaints only; leave it empty.",
            "well_founded",
        )
    not_accepted_on = facts.not_accepted_on
    if facts.not_accepted_reason is None and not_accepted_on is not None:
        raise ValidationError(
            "Say why the complaint was not accepted, or clear the date.", "not_accepted_reason"
        )
    if facts.not_accepted_reason is not None:
        not_accepted_on = not_accepted_on or today
        if not_accepted_on < case.received_on:
            raise ValidationError(
                f"The decision not to accept it cannot be before the complaint was received "
                f"({format_date(case.received_on)}).",
                "not_accepted_on",
            )
        if not_accepted_on > today:
            raise ValidationError(
                "The decision not to accept it cannot be in the future.", "not_accepted_on"
            )
    detail = _ombudsman_detail(session, case_id)
    if facts.ombudsman is not None:
        if detail is None:
            raise ValidationError(
                "This complaint has not gone to an Ombudsman; escalate it first.", "ombudsman"
            )
        if facts.ombudsman == Ombudsman.HEALTH_SERVICE and procedure != Procedure.ADULT:
            raise ValidationError(
                "Only an adult social care complaint can go to the Health Service Ombudsman.",
                "ombudsman",
            )
        if detail.ombudsman != facts.ombudsman:
            detail.ombudsman = facts.ombudsman
            detail.updated_by = actor.username
    case.complainant_type = facts.complainant_type
    case.advocacy_provided = facts.advocacy_provided
    case.well_founded = facts.well_founded
    case.not_accepted_reason = facts.not_accepted_reason
    case.not_accepted_on = not_accepted_on if facts.not_accepted_reason is not None else None
    touch(case, actor)
    session.flush()
    return case.version
