"""One mechanism records every change: who, when, what, before and after.

Every insert, update and delete of an audited record becomes an append-only
``audit_event`` row, written in the same transaction as the change itself, so the trail
can never disagree with the data. Events are hash-chained: each one's ``hash`` covers
its content, its place in the chain (``chain_seq``) and the previous event's hash, so an
edited, deleted, moved or reordered event breaks the chain (see :func:`verify_chain`).

Who writes the events depends on the database:

- **PostgreSQL**: the database itself. A trigger on every audited table
  (:mod:`crm_desktop.db.pg_security`) writes the event, taking the user from the
  session's own login, so no login can write, change or delete an event, nor put an
  event in someone else's name. Events are written unchained and numbered by a
  sequence, so writers never wait for one another; :func:`seal` (a database function)
  then links them into the chain in one short step, a moment later.
- **SQLite**: this module, from the ORM's flush (``session.info["actor"]``, set by
  ``Database.write(work, actor=...)``). SQLite lets one writer in at a time, so the chain
  is extended as the events are written. Whoever holds the file can rewrite it, so the
  chain is also checked against witnesses kept elsewhere (:mod:`crm_desktop.db.witness`).

Secrets never reach the trail: a password hash, the mail server's password and the
equality monitoring answers are recorded as changed, with the value withheld.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session, UOWTransaction, sessionmaker
from sqlalchemy.orm.attributes import get_history

from crm_desktop.db.base import Base, utcnow
from crm_desktop.db.models import Stage

ACTOR_KEY = "actor"
HEAD_KEY = "audit_head"  # (chain_seq, hash) of the last event this session wrote (SQLite)
# Bookkeeping columns that change on every update and say nothing of their own.
SKIPPED_COLUMNS = frozenset({"updated_at", "updated_by"})
# Tables whose rows are not audited one by one: the trail itself, derived data, the
# program's own bookkeeping, and logs that are records of their own.
NOT_AUDITED_TABLES = frozenset(
    {
        "audit_event",
        "calendar_day",
        "case_access",
        "notification",
        "outbox_message",
        "redaction_log",
        "reference_counter",
        "retention_event",
        "rules_version",
        "subject_access_request",
    }
)
# Values never copied into the trail: the event says the column changed, not to what.
WITHHELD = "[withheld]"
SECRET_COLUMNS: Mapping[str, frozenset[str]] = {
    "app_user": frozenset({"password_hash"}),
    "equality_monitoring": frozenset(
        {
            "age_band",
            "sex",
            "gender_identity",
            "ethnicity",
            "disability",
            "religion",
            "sexual_orientation",
        }
    ),
}
# Settings whose value is a credential (the ``setting`` row's ``value`` is withheld).
SECRET_SETTINGS = frozenset({"smtp.password"})
# Columns whose values stay even when a privacy change withholds the rest (ids, version).
KEPT_WHEN_WITHHELD = frozenset({"id", "version", "case_id", "stage_id", "person_id"})
HASH_VERSION = 2
AUDIT_TABLE: sa.Table = Base.metadata.tables["audit_event"]
# The last event of the chain (SQLite; PostgreSQL asks crm_audit_head()).
_HEAD = (
    sa.select(AUDIT_TABLE.c.chain_seq, AUDIT_TABLE.c.hash)
    .where(AUDIT_TABLE.c.chain_seq.is_not(None))
    .order_by(AUDIT_TABLE.c.chain_seq.desc())
    .limit(1)
)
# SQLite: the last event of the chain and the highest event id, in one statement.
_TAIL = sa.select(
    sa.func.coalesce(_HEAD.with_only_columns(AUDIT_TABLE.c.chain_seq).scalar_subquery(), 0),
    _HEAD.with_only_columns(AUDIT_TABLE.c.hash).scalar_subquery(),
    sa.select(sa.func.coalesce(sa.func.max(AUDIT_TABLE.c.id), 0)).scalar_subquery(),
)
# (transaction, chain_seq, hash, id) of the last event a session's transaction wrote.
_TAIL_KEY = "audit_tail"


def _jsonable(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return value


def secret_columns(table: str, row: Mapping[str, Any]) -> frozenset[str]:
    """The columns of this row whose values the trail never holds."""
    secret = SECRET_COLUMNS.get(table, frozenset())
    if table == "setting" and row.get("key") in SECRET_SETTINGS:
        secret = secret | {"value"}
    return secret


def _masked(values: dict[str, Any], secret: Iterable[str]) -> dict[str, Any]:
    hidden = set(secret)
    return {key: WITHHELD if key in hidden else value for key, value in values.items()}


_COLUMNS: dict[type, tuple[str, ...]] = {}


def _columns(obj: Base) -> tuple[str, ...]:
    """The audited columns of the record's class (worked out once per class)."""
    kind = type(obj)
    found = _COLUMNS.get(kind)
    if found is None:
        found = _COLUMNS[kind] = tuple(
            attr.key for attr in sa.inspect(kind).column_attrs if attr.key not in SKIPPED_COLUMNS
        )
    return found


def _snapshot(obj: Base) -> dict[str, Any]:
    return {key: _jsonable(getattr(obj, key)) for key in _columns(obj)}


def _changes(obj: Base) -> tuple[dict[str, Any], dict[str, Any]]:
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    # A column changed since it was loaded has its loaded value kept here: only those
    # can have a history to record.
    changed = sa.inspect(obj).committed_state
    for key in _columns(obj):
        if key not in changed:
            continue
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


# -- the chain ---------------------------------------------------------------------------


def _legacy_hash(prev_hash: str | None, row: Mapping[str, Any]) -> str:
    """The hash of an event written before version 2 (kept to check old events)."""
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


def _field(value: str | None) -> str:
    return "~," if value is None else f"{len(value)}:{value},"


def moment_text(moment: dt.datetime) -> str:
    """An event's time as the hash covers it (PostgreSQL's ``to_char`` gives the same)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")


def event_hash(prev_hash: str | None, row: Mapping[str, Any]) -> str:
    """The hash of one event: its id, place in the chain and content, and the hash of
    the event before it. PostgreSQL's ``crm_event_hash`` computes exactly the same."""
    if (row.get("hash_version") or 1) < HASH_VERSION:
        return _legacy_hash(prev_hash, row)
    case_id = row["case_id"]
    fields = (
        str(row["chain_seq"]),
        str(row["id"]),
        moment_text(row["occurred_at"]),
        row["username"],
        row["action"],
        row["entity"],
        row["entity_id"],
        None if case_id is None else str(case_id),
        row["before"],
        row["after"],
    )
    text = f"crm-audit-{HASH_VERSION}\n{prev_hash or ''}\n" + "".join(_field(f) for f in fields)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def dump(values: dict[str, Any] | None) -> str | None:
    """An event's before or after, as the trail keeps it."""
    if values is None:
        return None
    return json.dumps(values, sort_keys=True, ensure_ascii=False, default=str)


def event_values(text: str | None) -> dict[str, Any]:
    """An event's before or after as the program wrote it, a mapping: empty when there
    is none, or when it is not an object (a note written from outside the program, where
    an older database still holds one, must not stop a case's history being shown)."""
    if not text:
        return {}
    try:
        loaded = json.loads(text)
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def record_events(session: Session, rows: list[dict[str, Any]]) -> None:
    """Append events (dicts of AuditEvent columns without ids or hashes) to the chain.

    On PostgreSQL the database writes them (``crm_audit_note``), in the name of the
    session's own login and at the server's time, whatever ``username`` and
    ``occurred_at`` say; on SQLite they are chained here.
    """
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        notes = [
            {key: row.get(key) for key in ("action", "entity", "entity_id", "case_id")}
            | {"before": row.get("before"), "after": row.get("after")}
            for row in rows
        ]
        connection.execute(
            sa.text("SELECT crm_audit_note(CAST(:events AS jsonb))"),
            {"events": json.dumps(notes, ensure_ascii=False)},
        )
        return
    transaction = session.get_transaction()
    tail = session.info.get(_TAIL_KEY)
    if tail is not None and tail[0] is transaction:
        # This transaction wrote the last events, and nobody else can write until it
        # ends (SQLite lets one writer in at a time): the chain ends where it left it.
        _, seq, prev_hash, next_id = tail
    else:
        last_seq, last_hash, last_id = connection.execute(_TAIL).one()
        seq, prev_hash, next_id = int(last_seq), last_hash, int(last_id)
    for row in rows:
        seq += 1
        next_id += 1
        row.update(id=next_id, chain_seq=seq, prev_hash=prev_hash, hash_version=HASH_VERSION)
        row["hash"] = prev_hash = event_hash(prev_hash, row)
    connection.execute(sa.insert(AUDIT_TABLE), rows)
    session.info[HEAD_KEY] = (seq, prev_hash)
    session.info[_TAIL_KEY] = (transaction, seq, prev_hash, next_id)


@event.listens_for(Session, "after_soft_rollback")
def _forget_tail(session: Session, _previous: object) -> None:
    """A rollback (of the transaction or of a savepoint) may have taken events back: the
    next event asks the database where the chain ends."""
    session.info.pop(_TAIL_KEY, None)


def _after_flush(session: Session, _flush_context: UOWTransaction) -> None:
    actor = session.info.get(ACTOR_KEY)
    now = utcnow()
    rows: list[dict[str, Any]] = []

    def add(
        action: str, obj: Base, before: dict[str, Any] | None, after: dict[str, Any] | None
    ) -> None:
        table = type(obj).__tablename__
        secret = secret_columns(table, {"key": getattr(obj, "key", None)})
        rows.append(
            {
                "occurred_at": now,
                "username": actor,
                "action": action,
                "entity": table,
                "entity_id": _entity_id(obj),
                "case_id": _case_id(session, obj),
                "before": dump(None if before is None else _masked(before, secret)),
                "after": dump(None if after is None else _masked(after, secret)),
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
    return [
        obj
        for obj in objects
        if isinstance(obj, Base) and type(obj).__tablename__ not in NOT_AUDITED_TABLES
    ]


def install(factory: sessionmaker[Session]) -> None:
    """Record every change made through sessions from ``factory`` (SQLite: on
    PostgreSQL the database's own triggers do it)."""
    event.listen(factory, "after_flush", _after_flush)


@contextmanager
def _transaction_setting(session: Session, name: str, value: str) -> Iterator[None]:
    """PostgreSQL: ``name`` is ``value`` for what runs inside (this transaction only);
    nothing on SQLite."""
    if not _is_postgres(session):
        yield
        return
    statement = sa.text("SELECT set_config(:name, :value, true)")
    session.execute(statement, {"name": name, "value": value})
    yield  # on an error the transaction is rolled back, and the setting with it
    session.execute(statement, {"name": name, "value": ""})


@contextmanager
def values_withheld(session: Session) -> Iterator[None]:
    """Changes made inside are recorded (who, when, which record and columns) without
    their values: anonymising or deleting personal data must not copy it into the trail.

    On PostgreSQL the triggers honour this only for managers, administrators and the
    database owner; on SQLite the changes made with Core statements inside are not
    seen by the ORM's audit at all, and the caller records one event of its own.
    """
    with _transaction_setting(session, "crm.audit_values", "withheld"):
        yield


@contextmanager
def rows_not_audited(session: Session) -> Iterator[None]:
    """A bulk load by the database owner (demo data): the rows get no events of their
    own; the caller records one event for the whole batch. PostgreSQL honours it for the
    owner only (whose login can switch the triggers off anyway); on SQLite, bulk Core
    statements are never seen by the ORM's audit."""
    with _transaction_setting(session, "crm.audit_rows", "off"):
        yield


def seal(session: Session, *, wait: bool = True) -> int:
    """PostgreSQL: link the events written since the last seal into the chain; the
    number linked (-1 when another session was sealing and ``wait`` is false). SQLite
    chains as it writes: 0."""
    if not _is_postgres(session):
        return 0
    return int(
        session.execute(sa.text("SELECT crm_audit_seal(:wait)"), {"wait": wait}).scalar_one()
    )


def seal_holders(connection: sa.Connection) -> list[str]:
    """PostgreSQL, the owner's login: the other sessions holding the seal's lock (the
    schema version's row, locked by a seal or an upgrade until their transaction ends),
    each as "login (process N, state, transaction open since HH:MM:SS UTC)"."""
    rows = connection.exec_driver_sql(
        "SELECT a.usename, a.pid, a.state, "
        "to_char(a.xact_start AT TIME ZONE 'UTC', 'HH24:MI:SS') "
        "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'relation' AND l.granted "
        "AND l.relation = 'public.alembic_version'::regclass "
        "AND l.mode IN ('RowShareLock', 'RowExclusiveLock') "
        "AND l.pid <> pg_backend_pid() ORDER BY a.xact_start, a.pid"
    ).all()
    return [
        f"{login} (process {pid}, {state or 'state unknown'}, transaction open since "
        f"{since or '?'} UTC)"
        for login, pid, state, since in rows
    ]


# -- reading and checking the trail ----------------------------------------------------


@dataclass(frozen=True)
class ChainHead:
    """The last event of the chain: its place and hash (what a witness keeps)."""

    seq: int
    hash: str


@dataclass(frozen=True)
class ChainProblem:
    event_id: int | None
    problem: str

    def describe(self) -> str:
        return self.problem if self.event_id is None else f"event {self.event_id} {self.problem}"


def chain_head(session: Session) -> ChainHead | None:
    """The last event of the chain (on PostgreSQL, of what is sealed so far, whichever
    events the login may read)."""
    if _is_postgres(session):
        row = session.execute(sa.text("SELECT seq, hash FROM crm_audit_head()")).first()
    else:
        row = session.execute(_HEAD).first()
    return ChainHead(int(row[0]), str(row[1])) if row is not None else None


def describe_head(head: ChainHead | None) -> str:
    """A head as reports and backups print it, and ``audit verify --witness`` reads it
    back (``SEQ:HASH``)."""
    if head is None:
        return "the audit trail had no events yet"
    return f"the audit trail up to event {head.seq:,} ({head.seq}:{head.hash})"


def event_at(session: Session, seq: int) -> tuple[int, str | None] | None:
    """(id, hash) of the event at place ``seq`` of the chain, if there is one."""
    table = AUDIT_TABLE
    row = session.execute(
        sa.select(table.c.id, table.c.hash).where(table.c.chain_seq == seq)
    ).first()
    return (int(row[0]), row[1]) if row is not None else None


def unsealed_count(session: Session) -> int:
    table = AUDIT_TABLE
    return int(
        session.scalar(
            sa.select(sa.func.count()).select_from(table).where(table.c.chain_seq.is_(None))
        )
        or 0
    )


def verify_chain(session: Session, batch: int = 5000) -> list[ChainProblem]:
    """Walk the chain in order; report each event whose hash, link or place does not
    hold, in the order of the events' ids. On PostgreSQL the events written since the
    last seal are sealed first (the owner's login may; others check what is sealed)."""
    if _is_postgres(session):
        seal(session)
    table = AUDIT_TABLE
    problems: list[ChainProblem] = []
    expected_prev: str | None = None
    expected_seq = 1
    # Read in pages by place and id, so two events given one place (which the program
    # never does) are both read, wherever the page ends; from place 1 (an event placed
    # below it is named after the walk). The condition keeps a range on the place's
    # index: a page costs the same wherever it is in a long trail.
    last_seq, last_id = 1, None
    while True:
        after = (
            table.c.chain_seq >= 1
            if last_id is None  # the first page: every event from place 1, whatever its id
            else sa.and_(
                table.c.chain_seq >= last_seq,
                sa.or_(table.c.chain_seq > last_seq, table.c.id > last_id),
            )
        )
        try:
            rows = (
                session.execute(
                    sa.select(table)
                    .where(after)
                    .order_by(table.c.chain_seq, table.c.id)
                    .limit(batch)
                )
                .mappings()
                .all()
            )
        except sa.exc.OperationalError as exc:
            if _is_postgres(session) or "decode" not in str(exc):
                raise
            # SQLite keeps bytes that are not text if it is given them; the program
            # never writes any. The walk cannot go on past them.
            session.rollback()
            return sorted(
                problems + [ChainProblem(i, NOT_TEXT_PROBLEM) for i in _not_text(session)],
                key=lambda p: p.event_id or 0,
            )
        if not rows:
            break
        for row in rows:
            data = dict(row)
            seq = int(data["chain_seq"])
            if seq < expected_seq:
                # Not part of the chain the events around it make: reported, and the
                # walk goes on from the event that holds the place.
                problems.append(ChainProblem(data["id"], SHARED_PLACE_PROBLEM))
                last_seq, last_id = seq, int(data["id"])
                continue
            if seq != expected_seq:
                missing = (
                    f"event {expected_seq} of the trail is"
                    if seq == expected_seq + 1
                    else f"events {expected_seq} to {seq - 1} of the trail are"
                )
                problems.append(
                    ChainProblem(data["id"], f"comes after a gap: {missing} missing (deleted)")
                )
            elif data["prev_hash"] != expected_prev:
                problems.append(
                    ChainProblem(
                        data["id"],
                        "does not follow the event before it (an event was deleted or reordered)",
                    )
                )
            if event_hash(data["prev_hash"], data) != data["hash"]:
                problems.append(ChainProblem(data["id"], "was changed after it was written"))
            expected_prev = data["hash"]
            expected_seq = seq + 1
            last_seq, last_id = seq, int(data["id"])
    if not _is_postgres(session):
        problems += [
            ChainProblem(int(event_id), STORED_FORM_PROBLEM)
            for (event_id,) in session.execute(_STORED_FORM_CHECK)
        ]
        # On SQLite the program gives every event its place as it writes it (on
        # PostgreSQL the seal does, later): an event without one was added outside it.
        problems += [
            ChainProblem(int(event_id), NO_PLACE_PROBLEM)
            for (event_id,) in session.execute(
                sa.select(table.c.id).where(
                    sa.or_(table.c.chain_seq.is_(None), table.c.chain_seq < 1)
                )
            )
        ]
    return sorted(problems, key=lambda p: p.event_id or 0)


SHARED_PLACE_PROBLEM = (
    "has the same place in the trail as the event before it, which the program never "
    "gives two events: it was added outside the program"
)
NO_PLACE_PROBLEM = (
    "has no place in the trail (the program numbers every event it writes from 1): it "
    "was added outside the program"
)
NOT_TEXT_PROBLEM = (
    "holds bytes that are not text, which the program never writes: it was changed outside "
    "the program (the check of the events after it could not be finished)"
)


def _not_text(session: Session) -> list[int]:
    """SQLite: the events with a text column whose bytes are not UTF-8."""
    columns = [c.name for c in AUDIT_TABLE.columns if isinstance(c.type, sa.String)]
    raw = session.connection().connection.driver_connection
    assert isinstance(raw, sqlite3.Connection)
    factory = raw.text_factory
    raw.text_factory = bytes
    try:
        rows = raw.execute(
            f"SELECT id, {', '.join(columns)} FROM audit_event ORDER BY id"
        ).fetchall()
    finally:
        raw.text_factory = factory
    bad: list[int] = []
    for event_id, *values in rows:
        for value in values:
            try:
                if isinstance(value, bytes):
                    value.decode("utf-8")
            except UnicodeDecodeError:
                bad.append(int(event_id))
                break
    return bad


# SQLite keeps whatever it is given: a case number stored as the text '7', or a time
# with a zone added, hashes as the program wrote it but is no longer found (or shown)
# as it was. The program never writes either, so either is a change from outside.
_STORED_FORM_CHECK = sa.text(
    "SELECT id FROM audit_event WHERE typeof(chain_seq) NOT IN ('integer', 'null') "
    "OR typeof(case_id) NOT IN ('integer', 'null') "
    "OR typeof(entity_id) NOT IN ('text', 'null') "
    "OR typeof(occurred_at) <> 'text' "
    "OR occurred_at NOT GLOB "
    "'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]*' "
    "OR substr(occurred_at, 20) GLOB '*[^0-9.]*' "
    "ORDER BY id"
)
STORED_FORM_PROBLEM = (
    "is stored in a form the program never writes (a number kept as text, or a time "
    "given a time zone): it was changed outside the program"
)
