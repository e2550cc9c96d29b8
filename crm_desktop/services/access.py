"""What an investigator sees of their own work: their appointments and, of each case,
only what they need.

An investigator (IO, IP or panel member with a user account of role ``investigator``,
linked to their pool record by ``User.person_id``) works on the cases they are assigned
to: a case is assigned to them while they hold an appointment on any stage of it whose
status is offered, accepted or report received; a declined offer or a replaced
appointment no longer opens the case. Who may open which case, and which pool record
the signed-in user is, are the access policy's
(:class:`crm_desktop.operations.policy.Authoriser`); the functions here only read, for
the pool record (``person_id``) they are given.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db.models import (
    Assignment,
    Case,
    ComplaintPoint,
    Nature,
    Person,
    ServiceArea,
    Stage,
)
from crm_desktop.domain.eligibility import LIVE_STATUSES, role_label
from crm_desktop.domain.enums import (
    AssignmentRole,
    AssignmentStatus,
    Kind,
    Procedure,
    StageCode,
)
from crm_desktop.errors import NotFound

__all__ = [
    "InvestigatorAssignment",
    "InvestigatorCase",
    "InvestigatorCaseDetail",
    "InvestigatorPoint",
    "investigator_case_detail",
    "investigator_cases",
]

# ----------------------------------------------------------------------- what they see


@dataclass(frozen=True)
class InvestigatorCase:
    """One appointment in an investigator's list: only what they need to plan their work."""

    case_id: int
    assignment_id: int
    reference: str
    procedure: Procedure
    stage: StageCode
    stage_label: str
    role: AssignmentRole
    role_label: str
    status: AssignmentStatus
    offered_on: dt.date
    report_due_on: dt.date | None
    report_received_on: dt.date | None


@dataclass(frozen=True)
class InvestigatorPoint:
    seq: int
    nature: str
    description: str


@dataclass(frozen=True)
class InvestigatorAssignment:
    """The investigator's own appointment on the case (their own notes and hours only)."""

    id: int
    stage: StageCode
    role: AssignmentRole
    status: AssignmentStatus
    offered_on: dt.date
    responded_on: dt.date | None
    report_due_on: dt.date | None
    report_received_on: dt.date | None
    hours: float | None
    progress_note: str | None


@dataclass(frozen=True)
class InvestigatorCaseDetail:
    """What an investigator sees of a case: no complainant or contact details, no other
    people's notes, no correspondence, no history."""

    case_id: int
    reference: str
    kind: Kind
    procedure: Procedure
    received_on: dt.date
    service_area: str | None
    summary: str
    desired_outcome: str | None
    points: tuple[InvestigatorPoint, ...]
    stage: StageCode | None  # the case's current stage
    assignment: InvestigatorAssignment | None  # None only for staff with no appointment
    colleagues: tuple[tuple[str, str], ...]  # (name, role) of the others appointed


def investigator_cases(session: Session, person_id: int | None) -> list[InvestigatorCase]:
    """The actor's own appointments (offered, accepted, report received), soonest report
    due first; empty when the account is not linked to the pool."""
    if person_id is None:
        return []
    rows = session.execute(
        sa.select(Assignment, Case.id, Case.reference, Case.procedure, Stage.stage)
        .join(Stage, Stage.id == Assignment.stage_id)
        .join(Case, Case.id == Stage.case_id)
        .where(Assignment.person_id == person_id, Assignment.status.in_(LIVE_STATUSES))
        .order_by(Assignment.report_due_on.is_(None), Assignment.report_due_on, Case.reference)
    ).all()
    result = []
    for assignment, case_id, reference, procedure, code in rows:
        role = AssignmentRole(assignment.role)
        result.append(
            InvestigatorCase(
                case_id=case_id,
                assignment_id=assignment.id,
                reference=reference,
                procedure=Procedure(procedure),
                stage=StageCode(code),
                stage_label=StageCode(code).label,
                role=role,
                role_label=role_label(role),
                status=AssignmentStatus(assignment.status),
                offered_on=assignment.offered_on,
                report_due_on=assignment.report_due_on,
                report_received_on=assignment.report_received_on,
            )
        )
    return result


def _own_assignment(
    session: Session, person_id: int | None, case_id: int
) -> tuple[Assignment, StageCode] | None:
    if person_id is None:
        return None
    row = session.execute(
        sa.select(Assignment, Stage.stage)
        .join(Stage, Stage.id == Assignment.stage_id)
        .where(
            Stage.case_id == case_id,
            Assignment.person_id == person_id,
            Assignment.status.in_(LIVE_STATUSES),
        )
        .order_by(Stage.seq.desc(), Assignment.id.desc())
        .limit(1)
    ).first()
    return None if row is None else (row[0], StageCode(row[1]))


def investigator_case_detail(
    session: Session, person_id: int | None, case_id: int
) -> InvestigatorCaseDetail:
    """The case as the investigator needs it: summary, points and their natures, the
    current stage and their own appointment (whether they may open it is the access
    policy's question, asked first)."""
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("That case no longer exists; it may have been deleted.")
    area = session.get(ServiceArea, case.service_area_id) if case.service_area_id else None
    points = tuple(
        InvestigatorPoint(seq, nature or "", description or "")
        for seq, nature, description in session.execute(
            sa.select(ComplaintPoint.seq, Nature.name, ComplaintPoint.description)
            .outerjoin(Nature, Nature.id == ComplaintPoint.nature_id)
            .where(ComplaintPoint.case_id == case.id)
            .order_by(ComplaintPoint.seq)
        )
    )
    current = session.get(Stage, case.current_stage_id) if case.current_stage_id else None
    own = _own_assignment(session, person_id, case.id)
    mine = None
    if own is not None:
        row, code = own
        mine = InvestigatorAssignment(
            id=row.id,
            stage=code,
            role=AssignmentRole(row.role),
            status=AssignmentStatus(row.status),
            offered_on=row.offered_on,
            responded_on=row.responded_on,
            report_due_on=row.report_due_on,
            report_received_on=row.report_received_on,
            hours=row.hours,
            progress_note=row.progress_note,
        )
    others = (
        sa.select(Person.full_name, Assignment.role)
        .join(Assignment, Assignment.person_id == Person.id)
        .join(Stage, Stage.id == Assignment.stage_id)
        .where(Stage.case_id == case.id, Assignment.status.in_(LIVE_STATUSES))
        .order_by(Stage.seq, Assignment.id)
    )
    if person_id is not None:
        others = others.where(Assignment.person_id != person_id)
    colleagues = tuple(
        (name, role_label(AssignmentRole(role))) for name, role in session.execute(others)
    )
    return InvestigatorCaseDetail(
        case_id=case.id,
        reference=case.reference,
        kind=Kind(case.kind),
        procedure=Procedure(case.procedure),
        received_on=case.received_on,
        service_area=area.name if area else None,
        summary=case.summary,
        desired_outcome=case.desired_outcome,
        points=points,
        stage=StageCode(current.stage) if current else None,
        assignment=mine,
        colleagues=colleagues,
    )
