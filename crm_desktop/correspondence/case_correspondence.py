"""A case's correspondence as the case form lists it: letters, emails and notes, newest first.

Plain rows for the desktop program (no ORM object leaves the session). An email shows
the state of its message in the outbox (sent, waiting to be retried, failed), so an
officer can see at a glance that an email has not gone yet.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db.models import Correspondence
from crm_desktop.db.models_correspondence import OutboxMessage
from crm_desktop.domain.access import Actor
from crm_desktop.domain.enums import CorrespondenceChannel
from crm_desktop.services.access import require_case_access

__all__ = ["CorrespondenceRow", "list_correspondence"]

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
    status: str  # "Sent", "Recorded", "Waiting to be sent", ...
    created_by: str | None


def list_correspondence(session: Session, case_id: int, actor: Actor) -> list[CorrespondenceRow]:
    """The case's correspondence, newest first (refused for a case the actor may not see)."""
    require_case_access(session, actor, case_id)
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
    rows: list[CorrespondenceRow] = []
    for letter, outbox_status in session.execute(query):
        if outbox_status is not None:
            status = _OUTBOX_STATES.get(outbox_status, outbox_status)
        elif letter.sent_at is not None:
            status = "Sent" if letter.channel == CorrespondenceChannel.EMAIL else "Recorded"
        else:
            status = "Recorded"
        rows.append(
            CorrespondenceRow(
                id=letter.id,
                created_at=letter.created_at,
                direction=letter.direction.value,
                channel=letter.channel.value,
                template_key=letter.template_key,
                recipient=letter.recipient or "",
                subject=letter.subject,
                body=letter.body,
                status=status,
                created_by=letter.created_by,
            )
        )
    return rows
