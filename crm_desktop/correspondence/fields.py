"""The merge fields' values for one case, read from the database.

Every value is a plain string (dates written out in full, counts in words), grouped in
namespaces as :mod:`crm_desktop.correspondence.rendering` describes; an unknown or empty
value is an empty string, never ``None``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.correspondence.dates import format_date_long
from crm_desktop.correspondence.rendering import namespace
from crm_desktop.correspondence.settings import CorrespondenceSettings
from crm_desktop.db.models import (
    Assignment,
    Case,
    CaseParty,
    ComplaintPoint,
    Directorate,
    LgscoDetail,
    LgscoRemedy,
    Nature,
    Person,
    ServiceArea,
    Stage,
    StageExtension,
    StageSuspension,
    Team,
    User,
)
from crm_desktop.domain.calendar import CalendarError
from crm_desktop.domain.eligibility import role_label
from crm_desktop.domain.enums import (
    AssignmentRole,
    AssignmentStatus,
    Kind,
    PartyRole,
    Procedure,
    StageCode,
)
from crm_desktop.domain.formatting import working_days_text
from crm_desktop.domain.statutory import response_received_on
from crm_desktop.domain.workflow import NEXT_STAGE
from crm_desktop.errors import ValidationError
from crm_desktop.services.calendar_service import timescales, working_calendar
from crm_desktop.services.clock import reason_for_the_complainant

__all__ = [
    "CaseContext",
    "Contact",
    "case_context",
    "council_fields",
    "remedy_fields",
    "time_left_text",
]


@dataclass(frozen=True, slots=True)
class Contact:
    """Someone a letter or email can go to."""

    name: str
    email: str | None
    address_lines: tuple[str, ...]


def time_left_text(days: int | None) -> str:
    """``3 working days left``, ``due today``, ``2 working days overdue``."""
    if days is None:
        return ""
    if days < 0:
        return f"{working_days_text(-days)} overdue"
    if days == 0:
        return "due today"
    return f"{working_days_text(days)} left"


def council_fields(settings: CorrespondenceSettings) -> Any:
    return namespace(
        {
            "name": settings.council_name,
            "address": settings.council_address,
            "phone": settings.council_phone,
            "email": settings.council_email,
        }
    )


def _s(value: object) -> str:
    return "" if value is None else str(value)


def _address_lines(person: Person | None) -> tuple[str, ...]:
    if person is None:
        return ()
    lines = [line.strip() for line in (person.address or "").splitlines() if line.strip()]
    if person.postcode and person.postcode.strip() not in lines:
        lines.append(person.postcode.strip())
    return tuple(lines)


def _complainant(session: Session, case: Case) -> tuple[Any, Contact]:
    person = session.scalar(
        sa.select(Person)
        .join(CaseParty, CaseParty.person_id == Person.id)
        .where(CaseParty.case_id == case.id, CaseParty.role == PartyRole.COMPLAINANT)
        .order_by(CaseParty.id)
        .limit(1)
    )
    name = (person.full_name if person else case.complainant_name) or ""
    title = (person.title or "").strip() if person else ""
    surname = name.split()[-1] if name.split() else ""
    salutation = f"{title} {surname}" if title and surname else (name or "Sir or Madam")
    fields = namespace(
        {
            "name": name,
            "title": title,
            "salutation": salutation,
            "email": _s(person.email if person else None),
            "phone": _s(person.phone if person else None),
            "address": _s(person.address if person else None),
            "postcode": _s(person.postcode if person else None),
        }
    )
    return fields, Contact(name, person.email if person else None, _address_lines(person))


def _name_of(session: Session, model: Any, row_id: int | None) -> str:
    if row_id is None:
        return ""
    return _s(session.scalar(sa.select(model.name).where(model.id == row_id)))


def _points(session: Session, case_id: int) -> str:
    rows = session.execute(
        sa.select(ComplaintPoint.seq, ComplaintPoint.description, Nature.name)
        .outerjoin(Nature, Nature.id == ComplaintPoint.nature_id)
        .where(ComplaintPoint.case_id == case_id)
        .order_by(ComplaintPoint.seq)
    ).all()
    lines = []
    for number, (_seq, description, nature) in enumerate(rows, start=1):
        text = (description or "").strip() or (nature or "")
        lines.append(f"{number}. {text}")
    return "\n".join(lines)


def _user(session: Session, user_id: int | None) -> User | None:
    return session.get(User, user_id) if user_id is not None else None


def _case_fields(session: Session, case: Case) -> Any:
    owner = _user(session, case.owner_id)
    return namespace(
        {
            "reference": case.reference,
            "kind": Kind(case.kind).value,
            "procedure": Procedure(case.procedure).label,
            "received_on": format_date_long(case.received_on),
            "summary": case.summary or "",
            "desired_outcome": _s(case.desired_outcome),
            "service_area": _name_of(session, ServiceArea, case.service_area_id),
            "directorate": _name_of(session, Directorate, case.directorate_id),
            "team": _name_of(session, Team, case.team_id),
            "points": _points(session, case.id),
            "owner": owner.display_name if owner else "",
        }
    )


def _stage_fields(session: Session, case: Case, stage: Stage | None, today: dt.date) -> Any:
    if stage is None:
        return namespace({f: "" for f in _STAGE_FIELDS})
    code = StageCode(stage.stage)
    procedure = Procedure(case.procedure)
    suspension = session.scalar(
        sa.select(StageSuspension)
        .where(StageSuspension.stage_id == stage.id)
        .order_by(StageSuspension.starts_on.desc(), StageSuspension.id.desc())
        .limit(1)
    )
    extension = session.scalar(
        sa.select(StageExtension)
        .where(StageExtension.stage_id == stage.id)
        .order_by(StageExtension.id.desc())
        .limit(1)
    )
    next_code = NEXT_STAGE.get(procedure, {}).get(code)
    next_by = ""
    if next_code is not None:
        window = timescales(session, procedure, code, case.received_on).next_stage_window
        if window is not None:
            try:
                next_by = format_date_long(
                    working_calendar(session, procedure).add_working_days(
                        response_received_on(stage.closed_on or today, stage.response_received_on),
                        window,
                    )
                )
            except CalendarError:
                next_by = ""
    open_suspension = suspension if suspension and suspension.ends_on is None else None
    return namespace(
        {
            "name": code.label,
            "requested_on": format_date_long(stage.requested_on),
            "started_on": format_date_long(stage.started_on),
            "timescale": working_days_text(stage.timescale_days) if stage.timescale_days else "",
            "due_on": format_date_long(stage.due_on),
            "acknowledge_due_on": format_date_long(stage.acknowledge_due_on),
            "acknowledged_on": format_date_long(stage.acknowledged_on),
            "extended_by": working_days_text(stage.extended_days) if stage.extended_days else "",
            "extension_reason": reason_for_the_complainant(extension.reason) if extension else "",
            "suspended_on": format_date_long(
                open_suspension.starts_on if open_suspension else None
            ),
            "suspension_reason": str(open_suspension.reason.value) if open_suspension else "",
            "closed_on": format_date_long(stage.closed_on),
            "outcome": stage.outcome.label if stage.outcome else "",
            "next_stage_name": next_code.label if next_code else "",
            "next_stage_by": next_by,
        }
    )


_STAGE_FIELDS = (
    "name",
    "requested_on",
    "started_on",
    "timescale",
    "due_on",
    "acknowledge_due_on",
    "acknowledged_on",
    "extended_by",
    "extension_reason",
    "suspended_on",
    "suspension_reason",
    "closed_on",
    "outcome",
    "next_stage_name",
    "next_stage_by",
)


def _investigator(
    session: Session, stage: Stage | None, assignment_id: int | None
) -> tuple[Any, Contact | None]:
    assignment: Assignment | None
    if assignment_id is not None:
        assignment = session.get(Assignment, assignment_id)
        if assignment is None or (stage is not None and assignment.stage_id != stage.id):
            raise ValidationError("That appointment is not on this case's stage.", "assignment")
    elif stage is not None:
        assignment = session.scalar(
            sa.select(Assignment)
            .where(
                Assignment.stage_id == stage.id,
                Assignment.role.in_(
                    (AssignmentRole.INVESTIGATING_OFFICER, AssignmentRole.INDEPENDENT_PERSON)
                ),
                Assignment.status.in_((AssignmentStatus.OFFERED, AssignmentStatus.ACCEPTED)),
            )
            .order_by(Assignment.id.desc())
            .limit(1)
        )
    else:
        assignment = None
    if assignment is None:
        empty = namespace(
            {"name": "", "role": "", "email": "", "offered_on": "", "report_due_on": ""}
        )
        return empty, None
    person = session.get(Person, assignment.person_id)
    name = person.full_name if person else ""
    fields = namespace(
        {
            "name": name,
            "role": role_label(AssignmentRole(assignment.role)),
            "email": _s(person.email if person else None),
            "offered_on": format_date_long(assignment.offered_on),
            "report_due_on": format_date_long(assignment.report_due_on),
        }
    )
    return fields, Contact(name, person.email if person else None, _address_lines(person))


def remedy_fields(
    session: Session, remedy: LgscoRemedy, today: dt.date, escalation_on: dt.date | None
) -> Any:
    from crm_desktop.services.queues import working_days_left

    detail = session.get(LgscoDetail, remedy.stage_id)
    owner = _user(session, remedy.owner_id)
    stage = session.get(Stage, remedy.stage_id)
    case = session.get(Case, stage.case_id) if stage else None
    if owner is None:
        owner = _user(session, case.owner_id if case else None)
    cal = working_calendar(session, case.procedure if case else None)
    days = working_days_left(cal, today, [remedy.deadline_on])[0] if cal.knows(today) else None
    return namespace(
        {
            "description": remedy.description,
            "lgsco_reference": _s(detail.lgsco_reference if detail else None),
            "agreed_on": format_date_long(remedy.agreed_on),
            "deadline_on": format_date_long(remedy.deadline_on),
            "escalation_on": format_date_long(escalation_on),
            "time_left": time_left_text(days),
            # An escalation says plainly when nobody is responsible, rather than nothing.
            "owner": owner.display_name if owner else "Nobody recorded: assign someone",
        }
    )


@dataclass(frozen=True)
class CaseContext:
    """The merge values of one case, and who a letter about it can go to."""

    values: dict[str, Any]
    complainant: Contact
    investigator: Contact | None
    stage_id: int | None


def case_context(
    session: Session,
    case_id: int,
    *,
    today: dt.date,
    settings: CorrespondenceSettings,
    officer: User | None,
    stage_id: int | None = None,
    assignment_id: int | None = None,
    remedy_id: int | None = None,
    text: str = "",
) -> CaseContext:
    """Every case group's values for ``case_id`` (its current stage unless ``stage_id``)."""
    case = session.get(Case, case_id)
    if case is None:
        raise ValidationError(f"There is no case with id {case_id}.", "case")
    stage: Stage | None = None
    wanted_stage = stage_id if stage_id is not None else case.current_stage_id
    if wanted_stage is not None:
        stage = session.get(Stage, wanted_stage)
        if stage is None or stage.case_id != case.id:
            raise ValidationError("That stage is not one of this case's.", "stage")
    complainant, contact = _complainant(session, case)
    investigator, investigator_contact = _investigator(session, stage, assignment_id)
    if officer is None:
        officer = _user(session, case.owner_id)
    values: dict[str, Any] = {
        "today": format_date_long(today),
        "council": council_fields(settings),
        "case": _case_fields(session, case),
        "complainant": complainant,
        "officer": namespace(
            {
                "name": officer.display_name if officer else "",
                "email": _s(officer.email if officer else None),
            }
        ),
        "stage": _stage_fields(session, case, stage, today),
        "investigator": investigator,
        "letter": namespace({"text": text.strip("\n")}),
    }
    if remedy_id is not None:
        remedy = session.get(LgscoRemedy, remedy_id)
        remedy_stage = session.get(Stage, remedy.stage_id) if remedy else None
        if remedy is None or remedy_stage is None or remedy_stage.case_id != case.id:
            raise ValidationError("That remedy is not one of this case's.", "remedy")
        values["remedy"] = remedy_fields(session, remedy, today, None)
    return CaseContext(values, contact, investigator_contact, stage.id if stage else None)
