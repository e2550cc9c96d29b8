"""Small builders for test data: real rows through the ORM, with sensible defaults."""

from __future__ import annotations

import datetime as dt
import itertools

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db.models import Case, Person, ServiceArea, Stage, User
from crm_desktop.domain.access import Actor
from crm_desktop.domain.enums import (
    CaseStatus,
    Kind,
    Procedure,
    StageCode,
    StageStatus,
    UserRole,
)

_numbers = itertools.count(1)


def service_area(session: Session, procedure: Procedure, name: str) -> ServiceArea:
    area = session.scalar(
        sa.select(ServiceArea).where(ServiceArea.procedure == procedure, ServiceArea.name == name)
    )
    assert area is not None, f"no service area {name!r} for {procedure}"
    return area


def restricted_accounts(session: Session, area: ServiceArea) -> dict[str, Actor]:
    """The roles that see only some cases: ``responder`` (a service responder of
    ``area``), ``no-area`` (a responder whose account names no area) and
    ``investigator`` (in the pool, appointed to nothing)."""
    person = Person(full_name="Ivy Vance", is_investigator=True)
    session.add(person)
    session.flush()
    made: dict[str, Actor] = {}
    for key, role, area_id, person_id in (
        ("responder", UserRole.SERVICE_RESPONDER, area.id, None),
        ("no-area", UserRole.SERVICE_RESPONDER, None, None),
        ("investigator", UserRole.INVESTIGATOR, None, person.id),
    ):
        user = User(
            username=key.replace("-", ""),
            display_name=key.title(),
            role=role,
            service_area_id=area_id,
            person_id=person_id,
        )
        session.add(user)
        session.flush()
        made[key] = Actor(user.username, role, user.id, user.display_name)
    return made


def add_case(
    session: Session,
    *,
    reference: str | None = None,
    kind: Kind = Kind.COMPLAINT,
    procedure: Procedure = Procedure.CORPORATE,
    received_on: dt.date = dt.date(2024, 3, 14),
    complainant: str | None = "A. Example",
    summary: str = "",
    area: str | None = "Contact Centre",
    stage: StageCode | None = StageCode.STAGE_1,
    due_on: dt.date | None = None,
    closed_on: dt.date | None = None,
) -> Case:
    number = next(_numbers)
    case = Case(
        reference=reference or f"{procedure.reference_prefix}-{received_on.year}-{number:05d}",
        kind=kind,
        procedure=procedure,
        received_on=received_on,
        complainant_name=complainant,
        summary=summary,
        service_area_id=service_area(session, procedure, area).id if area else None,
        status=CaseStatus.CLOSED if closed_on else CaseStatus.OPEN,
        closed_on=closed_on,
    )
    session.add(case)
    session.flush()
    if stage is not None:
        row = Stage(
            case_id=case.id,
            seq=1,
            stage=stage,
            started_on=received_on,
            due_on=due_on,
            closed_on=closed_on,
            status=StageStatus.CLOSED if closed_on else StageStatus.OPEN,
        )
        session.add(row)
        session.flush()
        case.current_stage_id = row.id
        session.flush()
    return case
