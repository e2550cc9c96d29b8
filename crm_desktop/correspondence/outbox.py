"""The outbox: every email goes once, survives a killed run, and is retried with back-off.

**Rows.** An email is first a row of ``outbox_message`` with its text already rendered
and a Message-ID, under a ``dedupe_key`` that is unique in the table: one per reminder,
per deadline (its date is part of the key), per recipient. Planning a reminder twice,
or in two runs at once, inserts it once (the second insert finds the key and does
nothing; writers are serialised by SQLite's ``BEGIN IMMEDIATE``, and on PostgreSQL
two runs' planning by the managers' planning lock, see
:func:`crm_desktop.correspondence.reminders.plan_reminders`).

**States.** ``pending`` -> ``sending`` -> ``sent``; or ``failed`` when the server
refused the message for good (a 5xx for the recipient or the content) or after
:data:`MAX_ATTEMPTS` tries. A manager can put failed messages back
(:func:`retry_failed`).

**One message at a time.** :func:`deliver` claims one due row in a short write
transaction (``sending``, ``claimed_at`` = now, ``claimed_by`` = this run,
``attempts`` + 1), commits, talks to the mail server with no transaction open, then
records the result in another short transaction. A due row is ``pending`` with
``next_attempt_at`` reached, or ``sending`` whose claim is older than the lease
(:data:`LEASE`): the run that claimed it was killed, and its message is taken up again.

**Back-off.** A failed try that may succeed later goes back to ``pending`` with
``next_attempt_at`` = now + 1 minute x 2^(attempts - 1), at most 6 hours, and the error
in ``last_error``. When the server cannot be reached at all, the run stops delivering
(the rest wait for the next run, untouched).

**The one gap.** A run killed after the server accepted a message and before the
``sent`` commit sends it again after the lease: SMTP has no way to ask "did you get
it?". The window is one commit wide, and the copy carries the same Message-ID, which
mail systems use to drop duplicates.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from crm_desktop.correspondence.mail import SendError, Transport, build_message
from crm_desktop.db.base import utcnow
from crm_desktop.db.database import Database
from crm_desktop.db.models import Correspondence
from crm_desktop.db.models_correspondence import OutboxMessage
from crm_desktop.domain.access import REMINDERS_RUNNER
from crm_desktop.errors import ConflictError

__all__ = [
    "FAILED",
    "LEASE",
    "MAX_ATTEMPTS",
    "PENDING",
    "SENDING",
    "SENT",
    "Claimed",
    "DeliveryReport",
    "NewMessage",
    "backoff",
    "changed",
    "claim_next",
    "deliver",
    "enqueue",
    "existing_keys",
    "insert_new",
    "mark_failed",
    "mark_sent",
    "outbox_counts",
    "retry_failed",
    "run_token",
]

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
LEASE = dt.timedelta(minutes=10)
MAX_ATTEMPTS = 10
FIRST_DELAY = dt.timedelta(minutes=1)
LONGEST_DELAY = dt.timedelta(hours=6)
RUNNER = REMINDERS_RUNNER
# Recording a message as sent is retried longer than an ordinary write: giving up
# would leave it claimed, and so sent again once the claim expires.
MARK_ATTEMPTS = 12

TABLE: sa.Table = OutboxMessage.__table__  # type: ignore[assignment]


def run_token() -> str:
    """Who claims: host, process and a random part (two runs never share one)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the ``attempts``-th failed try: 1, 2, 4 ... minutes, at most 6 h."""
    delay: dt.timedelta = FIRST_DELAY * 2 ** min(max(attempts - 1, 0), 20)
    return min(delay, LONGEST_DELAY)


def changed(result: sa.Result[Any]) -> int:
    """Rows an UPDATE changed."""
    return int(cast(sa.CursorResult[Any], result).rowcount)


# --------------------------------------------------------------------------- enqueue


@dataclass(frozen=True, slots=True)
class NewMessage:
    dedupe_key: str
    kind: str
    to_address: str
    subject: str
    body: str
    message_id: str
    case_id: int | None = None
    correspondence_id: int | None = None
    recipient_user_id: int | None = None


def existing_keys(session: Session, table: sa.Table, keys: Iterable[str]) -> set[str]:
    """Which of ``keys`` already have a row in ``table`` (``dedupe_key`` column)."""
    wanted = list(dict.fromkeys(keys))
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        found.update(
            session.execute(
                sa.select(table.c.dedupe_key).where(table.c.dedupe_key.in_(chunk))
            ).scalars()
        )
    return found


def insert_new(session: Session, table: sa.Table, rows: Sequence[dict[str, Any]]) -> int:
    """Insert the rows whose ``dedupe_key`` is new; the number inserted.

    Inside a write transaction writers are serialised, so the look-up is exact; the
    insert also says ON CONFLICT DO NOTHING, so a duplicate can never be written.
    """
    if not rows:
        return 0
    have = existing_keys(session, table, (row["dedupe_key"] for row in rows))
    fresh: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row["dedupe_key"] not in have:
            fresh.setdefault(row["dedupe_key"], row)
    if not fresh:
        return 0
    dialect = session.connection().dialect.name
    insert: Any
    if dialect == "postgresql":
        insert = postgresql.insert(table).on_conflict_do_nothing(index_elements=["dedupe_key"])
    elif dialect == "sqlite":
        insert = sqlite.insert(table).on_conflict_do_nothing(index_elements=["dedupe_key"])
    else:  # pragma: no cover - the program runs on these two
        insert = sa.insert(table)
    session.execute(insert, list(fresh.values()))
    return len(fresh)


def enqueue(session: Session, messages: Sequence[NewMessage], now: dt.datetime) -> int:
    """Add messages to the outbox (those whose key is new); the number added."""
    rows = [
        {
            "dedupe_key": m.dedupe_key,
            "kind": m.kind,
            "case_id": m.case_id,
            "correspondence_id": m.correspondence_id,
            "recipient_user_id": m.recipient_user_id,
            "to_address": m.to_address[:300],
            "subject": " ".join(m.subject.split())[:300],
            "body": m.body,
            "message_id": m.message_id,
            "status": PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for m in messages
    ]
    return insert_new(session, TABLE, rows)


# --------------------------------------------------------------------------- claims


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    to_address: str
    subject: str
    body: str
    message_id: str
    created_at: dt.datetime
    attempts: int
    correspondence_id: int | None


def _due(now: dt.datetime, lease: dt.timedelta) -> sa.ColumnElement[bool]:
    t = TABLE.c
    return sa.or_(
        sa.and_(t.status == PENDING, t.next_attempt_at <= now),
        sa.and_(t.status == SENDING, t.claimed_at < now - lease),
    )


def claim_next(
    session: Session,
    now: dt.datetime,
    token: str,
    *,
    lease: dt.timedelta = LEASE,
    only_id: int | None = None,
) -> Claimed | None:
    """Claim the next due message (or message ``only_id``, if due) for ``token``.

    A message that has used up its attempts (its sender kept being killed) is marked
    failed instead of being claimed again.
    """
    t = TABLE.c
    while True:
        query = sa.select(TABLE).where(_due(now, lease))
        if only_id is not None:
            query = query.where(t.id == only_id)
        row = session.execute(query.order_by(t.next_attempt_at, t.id).limit(1)).mappings().first()
        if row is None:
            return None
        if row["attempts"] >= MAX_ATTEMPTS:
            session.execute(
                sa.update(TABLE)
                .where(t.id == row["id"])
                .values(
                    status=FAILED,
                    last_error=(row["last_error"] or "")
                    + " (gave up after a run stopped while sending it)",
                )
            )
            continue
        claimed = session.execute(
            sa.update(TABLE)
            .where(t.id == row["id"], _due(now, lease))
            .values(status=SENDING, claimed_at=now, claimed_by=token, attempts=t.attempts + 1)
        )
        if changed(claimed) != 1:  # pragma: no cover - writers are serialised
            continue
        return Claimed(
            row["id"],
            row["to_address"],
            row["subject"],
            row["body"],
            row["message_id"],
            row["created_at"],
            row["attempts"] + 1,
            row["correspondence_id"],
        )


def mark_sent(session: Session, claimed: Claimed, now: dt.datetime, via: str) -> None:
    t = TABLE.c
    session.execute(
        sa.update(TABLE)
        .where(t.id == claimed.id, t.status != SENT)
        .values(status=SENT, sent_at=now, delivered_via=via[:2000], last_error=None)
    )
    if claimed.correspondence_id is not None:
        letter = session.get(Correspondence, claimed.correspondence_id)
        if letter is not None and letter.sent_at is None:
            letter.sent_at = now
            letter.updated_by = RUNNER
            session.flush()


def _mark_sent(database: Database, claimed: Claimed, now: dt.datetime, via: str) -> None:
    """Record a sent message. Marking is idempotent, so a conflict (another run marked
    the same letter sent a moment ago: a letter to two recipients is two messages) is
    answered by marking again in a fresh transaction, which finds the letter sent."""
    for attempt in range(2):
        try:
            database.write(
                lambda s: mark_sent(s, claimed, now, via), actor=RUNNER, attempts=MARK_ATTEMPTS
            )
            return
        except ConflictError:
            if attempt:
                raise


def mark_failed(
    session: Session, claimed: Claimed, token: str, now: dt.datetime, error: SendError
) -> str:
    """Back to pending with back-off, or failed for good; the new status."""
    t = TABLE.c
    final = error.permanent or claimed.attempts >= MAX_ATTEMPTS
    status = FAILED if final else PENDING
    session.execute(
        sa.update(TABLE)
        .where(t.id == claimed.id, t.status == SENDING, t.claimed_by == token)
        .values(
            status=status,
            last_error=str(error)[:2000],
            next_attempt_at=now if final else now + backoff(claimed.attempts),
            claimed_at=None,
            claimed_by=None,
        )
    )
    return status


# --------------------------------------------------------------------------- delivery


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    stopped_early: bool = False
    errors: list[str] = field(default_factory=list)
    sent_ids: list[int] = field(default_factory=list)
    via: dict[int, str] = field(default_factory=dict)


def deliver(
    database: Database,
    transport: Transport,
    sender: str,
    *,
    clock: Callable[[], dt.datetime] = utcnow,
    lease: dt.timedelta = LEASE,
    limit: int | None = None,
    only_id: int | None = None,
    token: str | None = None,
) -> DeliveryReport:
    """Send due messages one at a time until none is due (or ``limit`` were tried)."""
    token = token or run_token()
    report = DeliveryReport()
    tried = 0
    while limit is None or tried < limit:
        claimed = database.write(
            lambda s: claim_next(s, clock(), token, lease=lease, only_id=only_id), actor=RUNNER
        )
        if claimed is None:
            break
        tried += 1
        message = build_message(
            sender=sender,
            to=claimed.to_address,
            subject=claimed.subject,
            body=claimed.body,
            message_id=claimed.message_id,
            created=claimed.created_at,
        )
        try:
            via = transport.send(message)
        except SendError as exc:
            status = database.write(
                lambda s, c=claimed, e=exc: mark_failed(s, c, token, clock(), e),  # type: ignore[misc]
                actor=RUNNER,
                attempts=MARK_ATTEMPTS,
            )
            report.errors.append(f"{claimed.to_address}: {exc}")
            if status == FAILED:
                report.failed += 1
            else:
                report.retrying += 1
            if exc.unreachable:
                report.stopped_early = True
                break
            continue
        _mark_sent(database, claimed, clock(), via)
        report.sent += 1
        report.sent_ids.append(claimed.id)
        report.via[claimed.id] = via
        if only_id is not None:
            break
    return report


# --------------------------------------------------------------------------- upkeep


def outbox_counts(session: Session) -> dict[str, int]:
    rows = session.execute(
        sa.select(TABLE.c.status, sa.func.count()).group_by(TABLE.c.status)
    ).all()
    counts = {PENDING: 0, SENDING: 0, SENT: 0, FAILED: 0}
    counts.update({str(status): int(n) for status, n in rows})
    return counts


def retry_failed(session: Session, now: dt.datetime) -> int:
    """Put every failed message back in the queue with a fresh set of attempts."""
    t = TABLE.c
    result = session.execute(
        sa.update(TABLE)
        .where(t.status == FAILED)
        .values(status=PENDING, attempts=0, next_attempt_at=now, claimed_at=None, claimed_by=None)
    )
    return changed(result)
