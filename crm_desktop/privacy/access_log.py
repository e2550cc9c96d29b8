"""The access log: who opened which case, and when.

The operation that opens a case (:func:`crm_desktop.operations.cases.open_case`) calls
:func:`record_case_opened` in its own transaction. Entries are written with a SQL
statement, not through the ORM, so they do not fill the audit trail; on PostgreSQL
nobody but the owner can change one, and staff can delete them only as the retention
purge does. Managers read the log (:func:`access_log`, through
:func:`crm_desktop.operations.privacy.access_log`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db.models import Case, User
from crm_desktop.db.models_privacy import CaseAccess
from crm_desktop.domain.access import Actor
from crm_desktop.privacy.common import moment

__all__ = ["AccessLogEntry", "access_log", "record_case_opened"]

DEFAULT_LIMIT = 1000


ACCESS: sa.Table = CaseAccess.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class AccessLogEntry:
    id: int
    case_id: int
    reference: str | None  # None once the case has been deleted
    username: str
    role: str
    opened_at: dt.datetime  # UTC
    name: str | None = None  # the name colleagues know the user by (None: no such user)


def record_case_opened(
    session: Session, actor: Actor, case_id: int, now: dt.datetime | None = None
) -> None:
    """Log that ``actor`` opened the case (whatever they then did with it)."""
    user_id = actor.user_id
    if user_id is None:
        user_id = session.scalar(
            sa.select(User.id).where(User.username == actor.username.strip().lower())
        )
    # Inline: without RETURNING, which would need the right to read the log (PostgreSQL
    # lets only managers read it; everyone who opens a case writes to it).
    session.execute(
        sa.insert(ACCESS)
        .inline()
        .values(
            case_id=case_id,
            username=actor.username,
            user_id=user_id,
            role=actor.role.value,
            opened_at=moment(now),
        )
    )


def access_log(
    session: Session,
    *,
    case_id: int | None = None,
    username: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: int = DEFAULT_LIMIT,
) -> list[AccessLogEntry]:
    """Who opened which case, newest first."""
    query = (
        sa.select(
            CaseAccess.id,
            CaseAccess.case_id,
            Case.reference,
            CaseAccess.username,
            CaseAccess.role,
            CaseAccess.opened_at,
            User.display_name,
        )
        .outerjoin(Case, Case.id == CaseAccess.case_id)
        .outerjoin(User, User.username == CaseAccess.username)
        .order_by(CaseAccess.opened_at.desc(), CaseAccess.id.desc())
        .limit(limit)
    )
    if case_id is not None:
        query = query.where(CaseAccess.case_id == case_id)
    if username:
        query = query.where(CaseAccess.username == username)
    if since is not None:
        query = query.where(CaseAccess.opened_at >= since)
    if until is not None:
        query = query.where(CaseAccess.opened_at < until)
    return [AccessLogEntry(*row) for row in session.execute(query)]
