"""Shared pieces of the correspondence and reminders tests (no tests of its own).

- :class:`SmtpSink` / :func:`smtp_server`: a real SMTP server (aiosmtpd) on loopback at
  a free port, which keeps what it receives and can refuse the first N messages with
  ``451`` (try again later);
- builders for a case with a complainant, users, a stage, an appointment, a remedy;
- :func:`configure`: the settings that point the program at the server.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy.orm import Session

from crm_desktop.db.database import Database
from crm_desktop.db.models import (
    Assignment,
    Case,
    CaseParty,
    LgscoDetail,
    LgscoRemedy,
    Person,
    ServiceArea,
    Setting,
    Stage,
    User,
)
from crm_desktop.domain.access import Actor
from crm_desktop.domain.enums import (
    AssignmentRole,
    AssignmentStatus,
    CaseStatus,
    Kind,
    PartyRole,
    Procedure,
    StageCode,
    StageStatus,
    UserRole,
)

__test__ = False  # nothing to collect here


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class SmtpSink:
    """An aiosmtpd handler: keeps each accepted message; refuses the first N with 451."""

    refuse_first: int = 0
    refused: int = 0
    messages: list[EmailMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            if self.refused < self.refuse_first:
                self.refused += 1
                return "451 4.3.0 Mailbox busy, try again later"
            parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
            assert isinstance(parsed, EmailMessage)
            self.messages.append(parsed)
        return "250 OK"

    def received(self) -> list[EmailMessage]:
        with self.lock:
            return list(self.messages)

    def message_ids(self) -> list[str]:
        return [str(m["Message-ID"]) for m in self.received()]


@contextmanager
def smtp_server(sink: SmtpSink) -> Iterator[int]:
    """Run an SMTP server on 127.0.0.1 at a free port; yields the port."""
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def set_settings(session: Session, values: dict[str, str]) -> None:
    for key, value in values.items():
        row = session.get(Setting, key)
        if row is None:
            session.add(Setting(key=key, value=value))
        else:
            row.value = value
    session.flush()


def configure(database: Database, port: int | None, **extra: str) -> None:
    """Point the program at the test server (or, with ``port`` None, at no server)."""
    values = {
        "council.name": "Worcestershire County Council",
        "letter.address": "County Hall\nSpetchley Road\nWorcester WR5 2NP",
        "letter.email": "complaints@council.example",
        "escalation.senior_officers": "head.it@council.example, ad.legal@council.example",
        "escalation.directors": "director@council.example",
        "escalation.chief_executive": "ceo@council.example",
    }
    if port is not None:
        values |= {"smtp.host": "127.0.0.1", "smtp.port": str(port), "smtp.starttls": "false"}
    values |= {key.replace("__", "."): value for key, value in extra.items()}
    database.write(lambda s: set_settings(s, values))


@dataclass(frozen=True)
class Built:
    case_id: int
    stage_id: int
    officer_id: int
    manager_id: int
    reference: str


def add_user(
    session: Session, username: str, name: str, email_address: str | None, role: UserRole
) -> int:
    user = User(username=username, display_name=name, email=email_address, role=role)
    session.add(user)
    session.flush()
    return user.id


def build_case(
    session: Session,
    *,
    reference: str = "COR-2024-00017",
    received_on: dt.date = dt.date(2024, 3, 14),
    due_on: dt.date | None = dt.date(2024, 4, 12),
    acknowledge_due_on: dt.date | None = None,
    summary: str = "Bins not collected for three weeks.",
    complainant_email: str | None = "jane.smith@example.org",
    officer_email: str | None = "alice@council.example",
    kind: Kind = Kind.COMPLAINT,
) -> Built:
    officer = add_user(session, "alice", "Alice Officer", officer_email, UserRole.OFFICER)
    manager = add_user(session, "mary", "Mary Manager", "mary@council.example", UserRole.MANAGER)
    area = session.query(ServiceArea).filter_by(procedure=Procedure.CORPORATE).first()
    case = Case(
        reference=reference,
        kind=kind,
        procedure=Procedure.CORPORATE,
        received_on=received_on,
        complainant_name="Jane Smith",
        summary=summary,
        service_area_id=area.id if area else None,
        status=CaseStatus.OPEN,
        owner_id=officer,
    )
    session.add(case)
    session.flush()
    person = Person(
        title="Ms",
        full_name="Jane Smith",
        email=complainant_email,
        address="1 High Street\nWorcester",
        postcode="WR1 1AA",
    )
    session.add(person)
    session.flush()
    session.add(CaseParty(case_id=case.id, person_id=person.id, role=PartyRole.COMPLAINANT))
    stage = Stage(
        case_id=case.id,
        seq=1,
        stage=StageCode.STAGE_1,
        started_on=received_on,
        timescale_days=20,
        due_on=due_on,
        acknowledge_due_on=acknowledge_due_on,
        status=StageStatus.OPEN,
    )
    session.add(stage)
    session.flush()
    case.current_stage_id = stage.id
    session.flush()
    return Built(case.id, stage.id, officer, manager, reference)


def appoint(
    session: Session,
    stage_id: int,
    name: str,
    email_address: str | None,
    report_due_on: dt.date = dt.date(2024, 5, 3),
) -> int:
    person = Person(full_name=name, email=email_address, is_investigator=True)
    session.add(person)
    session.flush()
    assignment = Assignment(
        stage_id=stage_id,
        person_id=person.id,
        role=AssignmentRole.INVESTIGATING_OFFICER,
        status=AssignmentStatus.ACCEPTED,
        offered_on=dt.date(2024, 4, 1),
        report_due_on=report_due_on,
    )
    session.add(assignment)
    session.flush()
    return assignment.id


def add_remedy(
    session: Session,
    case_id: int,
    *,
    agreed_on: dt.date,
    deadline_on: dt.date,
    owner_id: int | None,
    description: str = "Apologise in writing and pay £300.",
    seq: int = 9,
) -> int:
    stage = Stage(
        case_id=case_id,
        seq=seq,
        stage=StageCode.LGSCO,
        started_on=agreed_on,
        status=StageStatus.OPEN,
    )
    session.add(stage)
    session.flush()
    session.add(LgscoDetail(stage_id=stage.id, lgsco_reference="23 001 234"))
    session.flush()
    remedy = LgscoRemedy(
        stage_id=stage.id,
        description=description,
        agreed_on=agreed_on,
        deadline_on=deadline_on,
        owner_id=owner_id,
    )
    session.add(remedy)
    session.flush()
    return remedy.id


def officer(built: Built) -> Actor:
    return Actor("alice", UserRole.OFFICER, built.officer_id, "Alice Officer")


def manager(built: Built) -> Actor:
    return Actor("mary", UserRole.MANAGER, built.manager_id, "Mary Manager")
