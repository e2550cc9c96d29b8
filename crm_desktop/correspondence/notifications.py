"""The in-app notification centre: what the reminders (and anything else) tell a user.

Rows are written with Core statements (bookkeeping, not audited; see
:mod:`crm_desktop.db.models_correspondence`). A notification made by a reminder has a
``dedupe_key``, so however often the reminders run, it is made once.

Each user reads and marks only their own: every function here works on the actor's own
user account's rows. An actor without an account (the command-line administrator) has
none.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.correspondence.outbox import changed, insert_new
from crm_desktop.db.base import utcnow
from crm_desktop.db.models import Case
from crm_desktop.db.models_correspondence import Notification
from crm_desktop.domain.access import Actor

__all__ = [
    "NotificationView",
    "add_notifications",
    "list_notifications",
    "mark_all_read",
    "mark_read",
    "notify",
    "unread_count",
]

TABLE: sa.Table = Notification.__table__  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class NotificationView:
    id: int
    case_id: int | None
    reference: str | None
    kind: str
    text: str
    due_on: dt.date | None
    created_at: dt.datetime
    read: bool


def _mine(actor: Actor) -> sa.ColumnElement[bool]:
    """The actor's own notifications (none for an actor without a user account)."""
    if actor.user_id is None:
        return sa.false()
    return TABLE.c.user_id == actor.user_id


def add_notifications(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    """Insert notifications (dicts of column values with a ``dedupe_key``) not yet made."""
    now = utcnow()
    full = [
        {"created_at": now, "read_at": None, "due_on": None, "case_id": None, **r} for r in rows
    ]
    return insert_new(session, TABLE, full)


def notify(
    session: Session,
    user_id: int,
    text: str,
    *,
    case_id: int | None = None,
    kind: str = "note",
    due_on: dt.date | None = None,
) -> None:
    """One notification for ``user_id`` (not deduplicated)."""
    session.execute(
        sa.insert(TABLE).values(
            user_id=user_id,
            case_id=case_id,
            kind=kind,
            text=text,
            due_on=due_on,
            created_at=utcnow(),
        )
    )


def list_notifications(
    session: Session, actor: Actor, *, unread_only: bool = False, limit: int = 100
) -> list[NotificationView]:
    """The actor's notifications, newest first."""
    t = TABLE.c
    query = (
        sa.select(
            t.id, t.case_id, Case.reference, t.kind, t.text, t.due_on, t.created_at, t.read_at
        )
        .outerjoin(Case, Case.id == t.case_id)
        .where(_mine(actor))
        .order_by(t.created_at.desc(), t.id.desc())
        .limit(limit)
    )
    if unread_only:
        query = query.where(t.read_at.is_(None))
    return [
        NotificationView(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7] is not None)
        for row in session.execute(query)
    ]


def unread_count(session: Session, actor: Actor) -> int:
    t = TABLE.c
    count = session.scalar(sa.select(sa.func.count()).where(_mine(actor), t.read_at.is_(None)))
    return int(count or 0)


def mark_read(session: Session, actor: Actor, ids: Sequence[int]) -> int:
    """Mark the actor's own notifications ``ids`` read (others' are left alone)."""
    if not ids:
        return 0
    t = TABLE.c
    result = session.execute(
        sa.update(TABLE)
        .where(_mine(actor), t.id.in_(list(ids)), t.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return changed(result)


def mark_all_read(session: Session, actor: Actor) -> int:
    t = TABLE.c
    result = session.execute(
        sa.update(TABLE).where(_mine(actor), t.read_at.is_(None)).values(read_at=utcnow())
    )
    return changed(result)
