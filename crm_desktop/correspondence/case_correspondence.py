"""A case's correspondence as the case form lists it: letters, emails, calls and notes.

Plain rows for the desktop program (no ORM object leaves the session), newest first. An
email shows the state of its message in the outbox (sent, waiting to be retried,
failed), so an officer can see at a glance that an email has not gone yet.

Letters and emails made from a template are recorded by
:mod:`crm_desktop.correspondence.letters`; :func:`record_correspondence` records the
rest: a letter or email received, a phone call, a meeting, a note.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db.models import Case, Correspondence, Stage
from crm_desktop.db.models_correspondence import OutboxMessage
from crm_desktop.domain.access import Actor
from crm_desktop.domain.enums import CorrespondenceChannel, CorrespondenceDirection
from crm_desktop.domain.formatting import format_date
from crm_desktop.errors import NotFound, ValidationError
from crm_desktop.services.audit_words import AuditWords

__all__ = [
    "CorrespondenceEntry",
    "CorrespondenceRow",
    "list_correspondence",
    "record_correspondence",
]

MAX_SUBJECT = 300
MAX_BODY = 20_000

_OUTBOX_STATES = {
    "pending": "Waiting to be sent",
    "sending": "Being sent",
    "sent": "Sent",
    "failed": "Not sent: failed",
}


@dataclass(frozen=True)
class CorrespondenceRow:
    id: int
    created_at: dt.datetime
    direction: str
    channel: str
    template_key: str | None
    recipient: str
    subject: str
    body: str
    status: str  # "Sent", "Received", "Recorded", "Waiting to be sent", ...
    created_by: str | None  # the username
    sent_at: dt.datetime | None = None  # sent, or the day it was received or held
    created_by_name: str = ""  # the name colleagues know them by, where listed


def _status(letter: Correspondence, outbox_status: str | None) -> str:
    if outbox_status is not None:
        return _OUTBOX_STATES.get(outbox_status, outbox_status)
    if letter.direction == CorrespondenceDirection.INCOMING:
        return "Received"
    if letter.sent_at is not None and letter.channel == CorrespondenceChannel.EMAIL:
        return "Sent"
    return "Recorded"


def _row(letter: Correspondence, outbox_status: str | None) -> CorrespondenceRow:
    return CorrespondenceRow(
        id=letter.id,
        created_at=letter.created_at,
        direction=letter.direction.value,
        channel=letter.channel.value,
        template_key=letter.template_key,
        recipient=letter.recipient or "",
        subject=letter.subject,
        body=letter.body,
        status=_status(letter, outbox_status),
        created_by=letter.created_by,
        sent_at=letter.sent_at,
    )


def list_correspondence(session: Session, case_id: int) -> list[CorrespondenceRow]:
    """The case's correspondence, newest first."""
    outbox = (
        sa.select(OutboxMessage.status)
        .where(OutboxMessage.correspondence_id == Correspondence.id)
        .order_by(OutboxMessage.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    query = (
        sa.select(Correspondence, outbox)
        .where(Correspondence.case_id == case_id)
        .order_by(Correspondence.created_at.desc(), Correspondence.id.desc())
    )
    words = AuditWords(session)
    return [
        dataclasses.replace(row, created_by_name=words.who(row.created_by))
        for row in (_row(letter, outbox_status) for letter, outbox_status in session.execute(query))
    ]


@dataclass(frozen=True)
class CorrespondenceEntry:
    """A letter or email received, a phone call, a meeting or a note, as typed."""

    direction: CorrespondenceDirection
    channel: CorrespondenceChannel
    subject: str
    body: str = ""
    who: str = ""  # who it came from (or went to)
    on: dt.date | None = None  # the day it was received, sent or held; None: today


def record_correspondence(
    session: Session,
    case_id: int,
    entry: CorrespondenceEntry,
    actor: Actor,
    today: dt.date,
    *,
    stage_id: int | None = None,
) -> CorrespondenceRow:
    """Record ``entry`` on the case (at ``stage_id``, else the case's current stage)."""
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("That case no longer exists; it may have been deleted.")
    subject = " ".join(entry.subject.split())
    if not subject:
        raise ValidationError("Give a subject: a few words that say what it was about.", "subject")
    if len(subject) > MAX_SUBJECT:
        raise ValidationError(f"The subject is longer than {MAX_SUBJECT} characters.", "subject")
    if len(entry.body) > MAX_BODY:
        raise ValidationError(f"The text is longer than {MAX_BODY:,} characters.", "body")
    who = " ".join(entry.who.split())
    if len(who) > 300:
        raise ValidationError("The name or address is longer than 300 characters.", "who")
    on = entry.on or today
    if on > today:
        raise ValidationError(
            f"{format_date(on)} is in the future. Give the day it happened.", "on"
        )
    if stage_id is None:
        stage_id = case.current_stage_id
    elif session.scalar(sa.select(Stage.case_id).where(Stage.id == stage_id)) != case_id:
        raise ValidationError("That stage belongs to another case.", "stage")
    row = Correspondence(
        case_id=case_id,
        stage_id=stage_id,
        direction=entry.direction,
        channel=entry.channel,
        recipient=who or None,
        subject=subject,
        body=entry.body,
        sent_at=dt.datetime.combine(on, dt.time()),
        created_by=actor.username,
        updated_by=actor.username,
    )
    session.add(row)
    session.flush()
    return _row(row, None)
