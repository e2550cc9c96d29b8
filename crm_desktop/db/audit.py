"""One mechanism records every change: who, when, what, before and after.

A session event turns each flushed insert, update and delete of a mapped record into an
append-only ``audit_event`` row, written in the same transaction as the change itself,
so the trail can never disagree with the data. Events are hash-chained: each one's
``hash`` covers its content and the previous event's hash, so an edited, deleted or
reordered event breaks the chain (see :func:`verify_chain`).

The user is taken from ``session.info["actor"]`` (``Database.write(work, actor=...)``).
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session, UOWTransaction, sessionmaker
from sqlalchemy.orm.attributes import get_history

from crm_desktop.db.base import Base, utcnow
from crm_desktop.db.models import AuditEvent, Stage

ACTOR_KEY = "actor"
# PostgreSQL advisory lock taken by every write transaction (see Database.write).
WRITE_LOCK_KEY = 727274
# Bookkeeping columns that change on every update and say nothing of their own.
SKIPPED_COLUMNS = frozenset({"updated_at", "updated_by"})
NOT_AUDITED: frozenset[type[Base]] = frozenset({AuditEvent})
AUDIT_TABLE: sa.Table = Base.metadata.tables["audit_event"]


def _jsonable(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return value


def _columns(obj: Base) -> list[str]:
    return [
        attr.key for attr in sa.inspect(type(obj)).column_attrs if attr.key not in SKIPPED_COLUMNS
    ]


def _snapshot(obj: Base) -> dict[str, Any]:
    return {key: _jsonable(getattr(obj, key)) for key in _columns(obj)}


def _changes(obj: Base) -> tuple[dict[str, Any], dict[str, Any]]:
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for key in _columns(obj):
        history = get_history(obj, key)
        if history.has_changes():
            before[key] = _jsonable(history.deleted[0]) if history.deleted else None
            after[key] = _jsonable(history.added[0]) if history.added else None
    version = getattr(obj, "version", None)
    if isinstance(version, int):
        # The optimistic-lock counter is bumped by the flush itself, outside the history;
        # an update that touched only the bookkeeping columns still bumped it.
        before["version"], after["version"] = version - 1, version
    return before, after


def _entity_id(obj: Base) -> str:
    identity = sa.inspect(obj).identity
    if identity is None:
        mapper = sa.inspect(type(obj))
        identity = tuple(getattr(obj, str(col.key)) for col in mapper.primary_key)
    return ":".join(str(_jsonable(part)) for part in identity)


def _case_id(session: Session, obj: Base) -> int | None:
    from crm_desktop.db.models import Case

    if isinstance(obj, Case):
        return obj.id
    case_id = getattr(obj, "case_id", None)
    if isinstance(case_id, int):
        return case_id
    stage_id = getattr(obj, "stage_id", None)
    if isinstance(stage_id, int):
        with session.no_autoflush:
            stage = session.get(Stage, stage_id)
        return stage.case_id if stage is not None else None
    return None


def event_hash(prev_hash: str | None, row: dict[str, Any]) -> str:
    """The hash of one event: its content and the hash of the event before it."""
    content = {
        "prev": prev_hash,
        "occurred_at": _jsonable(row["occurred_at"]),
        "username": row["username"],
        "action": row["action"],
        "entity": row["entity"],
        "entity_id": row["entity_id"],
        "case_id": row["case_id"],
        "before": row["before"],
        "after": row["after"],
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _dump(values: dict[str, Any] | None) -> str | None:
    if values is None:
        return None
    return json.dumps(values, sort_keys=True, ensure_ascii=False, default=str)


def record_events(session: Session, rows: list[dict[str, Any]]) -> None:
    """Append events (dicts of AuditEvent columns without hashes) to the chain."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # One writer at a time extends the chain (SQLite's BEGIN IMMEDIATE does this).
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK_KEY})
    table = AUDIT_TABLE
    prev_hash = connection.execute(
        sa.select(table.c.hash).order_by(table.c.id.desc()).limit(1)
    ).scalar()
    for row in rows:
        row["prev_hash"] = prev_hash
        row["hash"] = prev_hash = event_hash(prev_hash, row)
    connection.execute(sa.insert(table), rows)


def _after_flush(session: Session, _flush_context: UOWTransaction) -> None:
    actor = session.info.get(ACTOR_KEY)
    now = utcnow()
    rows: list[dict[str, Any]] = []

    def add(
        action: str, obj: Base, before: dict[str, Any] | None, after: dict[str, Any] | None
    ) -> None:
        rows.append(
            {
                "occurred_at": now,
                "username": actor,
                "action": action,
                "entity": type(obj).__tablename__,
                "entity_id": _entity_id(obj),
                "case_id": _case_id(session, obj),
                "before": _dump(before),
                "after": _dump(after),
            }
        )

    for obj in _audited(session.new):
        add("create", obj, None, _snapshot(obj))
    for obj in _audited(session.dirty):
        if session.is_modified(obj, include_collections=False):
            before, after = _changes(obj)
            if after or before:
                add("update", obj, before, after)
    for obj in _audited(session.deleted):
        add("delete", obj, _snapshot(obj), None)
    record_events(session, rows)


def _audited(objects: Iterable[object]) -> list[Base]:
    return [obj for obj in objects if isinstance(obj, Base) and type(obj) not in NOT_AUDITED]


def install(factory: sessionmaker[Session]) -> None:
    """Record every change made through sessions from ``factory``."""
    event.listen(factory, "after_flush", _after_flush)


# -- reading and checking the trail ----------------------------------------------------


@dataclass(frozen=True)
class ChainProblem:
    event_id: int
    problem: str


def verify_chain(session: Session, batch: int = 5000) -> list[ChainProblem]:
    """Walk the trail in order; report each event whose hash or link does not hold."""
    table = AUDIT_TABLE
    problems: list[ChainProblem] = []
    expected_prev: str | None = None
    last_id = 0
    while True:
        rows = (
            session.execute(
                sa.select(table).where(table.c.id > last_id).order_by(table.c.id).limit(batch)
            )
            .mappings()
            .all()
        )
        if not rows:
            break
        for row in rows:
            data = dict(row)
            if data["prev_hash"] != expected_prev:
                problems.append(
                    ChainProblem(
                        data["id"],
                        "does not follow the event before it (an event was deleted or reordered)",
                    )
                )
            if event_hash(data["prev_hash"], data) != data["hash"]:
                problems.append(ChainProblem(data["id"], "was changed after it was written"))
            expected_prev = data["hash"]
            last_id = data["id"]
    return problems
