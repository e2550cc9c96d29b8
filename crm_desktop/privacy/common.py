"""What the privacy services share: the clock, one audit event, finding a case by its
reference. Who may use them is the access policy's business
(:mod:`crm_desktop.operations.privacy`)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db.audit import ACTOR_KEY, record_events
from crm_desktop.db.base import utcnow
from crm_desktop.db.models import Case
from crm_desktop.domain.access import Actor
from crm_desktop.errors import NotFound, ValidationError


def bind_actor(session: Session, actor: Actor) -> None:
    """Changes made through the ORM in this session are audited under ``actor`` when the
    transaction was opened without a name."""
    if not session.info.get(ACTOR_KEY):
        session.info[ACTOR_KEY] = actor.username


def require_reason(reason: str, what: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationError(f"Give the reason for {what}; it is kept with the record.", "reason")
    return text


def execute_count(session: Session, statement: sa.Executable) -> int:
    """Run an INSERT, UPDATE or DELETE; the number of rows it touched."""
    result = cast("sa.CursorResult[Any]", session.execute(statement))
    return int(result.rowcount or 0)


def moment(now: dt.datetime | None) -> dt.datetime:
    """``now`` (naive UTC) when the caller gives it, else the current time."""
    return now if now is not None else utcnow()


def audit(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    *,
    entity_id: object = None,
    case_id: int | None = None,
    details: dict[str, Any] | None = None,
    at: dt.datetime,
) -> None:
    """One event in the hash-chained trail; ``details`` must hold no personal data."""
    bind_actor(session, actor)
    record_events(
        session,
        [
            {
                "occurred_at": at,
                "username": actor.username,
                "action": action,
                "entity": entity,
                "entity_id": None if entity_id is None else str(entity_id),
                "case_id": case_id,
                "before": None,
                "after": json.dumps(details or {}, sort_keys=True, ensure_ascii=False),
            }
        ],
    )


def case_id_for_reference(session: Session, reference: str) -> int:
    """The id of the case with this reference (``CSC-2024-00017``), case-insensitive."""
    text = reference.strip()
    case_id: int | None = session.scalar(
        sa.select(Case.id).where(sa.func.upper(Case.reference) == text.upper())
    )
    if case_id is None:
        raise NotFound(f"There is no case with the reference {text.upper()}.")
    return case_id
