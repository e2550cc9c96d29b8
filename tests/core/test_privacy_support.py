"""Builders for the data protection tests: closed cases whose every record holds the
names and contact details of the people in them (no tests here)."""

from __future__ import annotations

import datetime as dt
import io
import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db.base import Base
from crm_desktop.db.database import Database
from crm_desktop.db.models import (
    ActionItem,
    Assignment,
    Case,
    CaseParty,
    ComplaintPoint,
    Correspondence,
    DueDateChange,
    LgscoDetail,
    LgscoPayment,
    LgscoRemedy,
    Nature,
    Person,
    PointOutcome,
    ServiceArea,
    Stage,
    StageExtension,
    StageGrading,
    StageSuspension,
)
from crm_desktop.domain.access import Actor
from crm_desktop.domain.enums import (
    AssignmentRole,
    AssignmentStatus,
    CaseStatus,
    CorrespondenceChannel,
    CorrespondenceDirection,
    Kind,
    LgscoDecision,
    Outcome,
    PartyRole,
    Procedure,
    StageCode,
    StageStatus,
    SuspensionReason,
    UserRole,
)
from crm_desktop.services.attachments import add_attachment

MANAGER = Actor("manager1", UserRole.MANAGER)
OFFICER = Actor("officer1", UserRole.OFFICER)
INVESTIGATOR = Actor("io1", UserRole.INVESTIGATOR)
NOW = dt.datetime(2030, 1, 15, 10, 0)

_numbers = itertools.count(1)


@dataclass(frozen=True)
class Someone:
    name: str
    email: str
    phone: str
    postcode: str
    address: str

    @property
    def identifiers(self) -> list[str]:
        return [self.name, self.email, self.phone, self.postcode, self.address.split(",")[0]]


def someone(tag: str) -> Someone:
    """A made-up person whose details are unlikely to appear by chance."""
    n = next(_numbers)
    return Someone(
        name=f"Zelda{tag} Quixby{n}",
        email=f"zelda.{tag.lower()}{n}@example.org",
        phone=f"07700 900{n:03d}",
        postcode=f"ZZ{n} 9QX",
        address=f"{n} Quince Lane{tag}, Exampleton",
    )


def add_person(session: Session, who: Someone) -> Person:
    person = Person(
        full_name=who.name,
        email=who.email,
        phone=who.phone,
        postcode=who.postcode,
        address=who.address,
        notes=f"Prefers calls to {who.phone}",
    )
    session.add(person)
    session.flush()
    return person


def _area(session: Session, name: str) -> int:
    return session.scalars(
        sa.select(ServiceArea.id).where(
            ServiceArea.procedure == Procedure.CORPORATE, ServiceArea.name == name
        )
    ).one()


def _nature(session: Session, name: str) -> int:
    return session.scalars(
        sa.select(Nature.id).where(Nature.procedure == Procedure.CORPORATE, Nature.name == name)
    ).one()


def add_closed_case(
    session: Session,
    complainant: Person,
    *,
    received: dt.date = dt.date(2017, 5, 10),
    closed: dt.date = dt.date(2017, 6, 20),
    other: Person | None = None,
    learning: str = "Retrain the contact centre on call-backs",
    kind: Kind = Kind.COMPLAINT,
    status: CaseStatus = CaseStatus.CLOSED,
    role: PartyRole = PartyRole.COMPLAINANT,
) -> Case:
    """A closed corporate complaint with a record in every case table, each naming the
    complainant (and ``other``, the person on whose behalf it was made)."""
    name = complainant.full_name
    number = next(_numbers)
    case = Case(
        reference=f"CORP-{received.year}-{number:05d}",
        kind=kind,
        procedure=Procedure.CORPORATE,
        received_on=received,
        service_area_id=_area(session, "Contact Centre"),
        summary=f"{name} ({complainant.email}) says nobody called back on {complainant.phone}"
        + (f"; writes for {other.full_name}" if other else ""),
        desired_outcome=f"An apology to {name} at {complainant.address}",
        complainant_name=name,
        late_complaint_decision=f"Considered: {name} was in hospital",
        status=status,
        closed_on=closed if status == CaseStatus.CLOSED else None,
        created_by="officer1",
    )
    session.add(case)
    session.flush()
    session.add(CaseParty(case_id=case.id, person_id=complainant.id, role=role))
    if other is not None:
        session.add(CaseParty(case_id=case.id, person_id=other.id, role=PartyRole.ON_BEHALF_OF))
    if kind != Kind.COMPLAINT:
        session.flush()
        return case
    point = ComplaintPoint(
        case_id=case.id,
        seq=1,
        nature_id=_nature(session, "Communication"),
        description=f"No call back to {name}",
    )
    session.add(point)
    stage = Stage(
        case_id=case.id,
        seq=1,
        stage=StageCode.STAGE_1,
        status=StageStatus.CLOSED,
        requested_on=received,
        started_on=received,
        timescale_days=20,
        due_on=received + dt.timedelta(days=28),
        closed_on=closed - dt.timedelta(days=10),
        outcome=Outcome.UPHELD,
        notes=f"Spoke to {name} on {complainant.phone}",
        outcome_override_reason=f"{name} agreed",
    )
    session.add(stage)
    session.flush()
    case.current_stage_id = stage.id
    session.add(
        PointOutcome(
            point_id=point.id, stage_id=stage.id, outcome=Outcome.UPHELD, note=f"{name} was right"
        )
    )
    session.add(
        StageSuspension(
            stage_id=stage.id,
            starts_on=received + dt.timedelta(days=2),
            ends_on=received + dt.timedelta(days=3),
            reason=SuspensionReason.AWAITING_INFORMATION,
            note=f"Waiting for {name}'s letter",
            created_by="officer1",
        )
    )
    session.add(
        StageExtension(
            stage_id=stage.id, working_days=5, reason=f"{name} asked", created_by="officer1"
        )
    )
    session.add(
        DueDateChange(
            stage_id=stage.id, cause="extend", reason=f"Extended for {name}", changed_by="officer1"
        )
    )
    session.add(
        StageGrading(stage_id=stage.id, to_grade=StageCode.STAGE_1, reason=f"Graded for {name}")
    )
    investigator = Person(full_name="Ivor Investigator", is_investigator=True)
    session.add(investigator)
    session.flush()
    session.add(
        Assignment(
            stage_id=stage.id,
            person_id=investigator.id,
            role=AssignmentRole.INVESTIGATING_OFFICER,
            status=AssignmentStatus.REPORT_RECEIVED,
            offered_on=received,
            progress_note=f"Met {name} at {complainant.postcode}",
            end_reason=f"{name} satisfied",
        )
    )
    lgsco = Stage(
        case_id=case.id,
        seq=2,
        stage=StageCode.LGSCO,
        status=StageStatus.CLOSED,
        requested_on=closed - dt.timedelta(days=9),
        previous_stage_id=stage.id,
        closed_on=closed,
    )
    session.add(lgsco)
    session.flush()
    case.current_stage_id = lgsco.id
    session.add(
        LgscoDetail(
            stage_id=lgsco.id,
            lgsco_reference=f"LG/{number}",
            decision=LgscoDecision.UPHELD_MALADMINISTRATION_INJUSTICE,
            decision_on=closed,
        )
    )
    session.flush()
    remedy = LgscoRemedy(
        stage_id=lgsco.id,
        description=f"Pay {name} £100",
        agreed_on=closed,
        deadline_on=closed + dt.timedelta(days=30),
        completed_on=closed + dt.timedelta(days=5),
    )
    session.add(remedy)
    session.flush()
    session.add(
        LgscoPayment(
            stage_id=lgsco.id, remedy_id=remedy.id, amount_pence=10000, paid_on=closed, payee=name
        )
    )
    session.add(  # a payment not tied to a remedy
        LgscoPayment(stage_id=lgsco.id, amount_pence=2500, paid_on=closed, payee=complainant.email)
    )
    session.add(
        ActionItem(
            case_id=case.id,
            stage_id=stage.id,
            action=learning,
            owner="Head of Contact Centre",
            due_on=closed,
            done_on=closed,
            evidence="Training records",
            learning_example=True,
        )
    )
    session.add(
        Correspondence(
            case_id=case.id,
            stage_id=stage.id,
            direction=CorrespondenceDirection.OUTGOING,
            channel=CorrespondenceChannel.EMAIL,
            template_key="acknowledgement",
            recipient=complainant.email,
            subject=f"Your complaint, {name}",
            body=f"Dear {name},\nWe write to {complainant.address}, {complainant.postcode}.",
            created_by="officer1",
        )
    )
    session.flush()
    return case


def attach(database: Database, store: Path, case_id: int, content: bytes, name: str) -> str:
    """Attach a file; its stored name."""
    view = database.write(
        lambda s: add_attachment(s, store, case_id, io.BytesIO(content), name, OFFICER),
        actor="officer1",
    )
    with database.session() as session:
        table = Base.metadata.tables["attachment"]
        stored: str = session.scalars(
            sa.select(table.c.stored_name).where(table.c.id == view.id)
        ).one()
    return stored


def text_values(
    session: Session, *, skip: tuple[str, ...] = ("audit_event",)
) -> list[tuple[str, str, Any]]:
    """Every text value of every table (table, column, value), but the skipped tables."""
    found = []
    for table in Base.metadata.sorted_tables:
        if table.name in skip:
            continue
        columns = [
            c
            for c in table.columns
            if isinstance(c.type, sa.String | sa.Text) and not isinstance(c.type, sa.Enum)
        ]
        if not columns:
            continue
        for row in session.execute(sa.select(*columns)):
            for column, value in zip(columns, row, strict=True):
                if isinstance(value, str) and value:
                    found.append((table.name, column.name, value))
    return found


def holding(session: Session, needle: str, **kwargs: Any) -> list[tuple[str, str]]:
    """The (table, column) pairs whose text holds ``needle`` (case-insensitive)."""
    lowered = needle.lower()
    return sorted({(t, c) for t, c, v in text_values(session, **kwargs) if lowered in v.lower()})
