"""Reference data and clock rules read once and shared between transactions, until
they change.

Every save that moves a clock reads the procedure's policy, the stage's timescales and
the council's closure days, and every new case the reference data's names: the same
few rows, changed a few times a year. The database draws a new number, at random, in
the same transaction as any change to those tables (``rules_version``, kept by
triggers on :data:`TRACKED_TABLES`, on SQLite and on PostgreSQL alike, whoever makes
the change and however). A program keeps what it read under the number it read it at,
and a transaction that finds the same number uses it without asking the database again.
Drawn, not counted: a count would give its numbers again after a change rolled back,
or after the database was put back from a backup, and a program could then take rules
it kept under a number for the rules that number now stands for.

The number is read once per transaction: on PostgreSQL with the statement that names
the writer (:func:`version_with_actor`), elsewhere by the first lookup. What a
transaction reads after it has itself written to one of those tables (or run a
statement whose tables cannot be told, such as raw SQL that changes data) is neither
taken from nor kept in the shared store: its own changes are not yet anyone else's,
and may be rolled back. Reading data newer than the number (another user's change
committed in between, on PostgreSQL) only means it is read again by the next
transaction that sees the new number.
"""

from __future__ import annotations

import itertools
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, ExecutionContext
from sqlalchemy.orm import Session
from sqlalchemy.pool import Pool

__all__ = [
    "TRACKED_TABLES",
    "VERSION_TABLE",
    "install",
    "installed",
    "note_version",
    "pending_change",
    "shared",
    "version_with_actor",
]

T = TypeVar("T")

VERSION_TABLE = "rules_version"
# The tables whose change draws a new number: the clock's rules (policies,
# timescales, closure days) and the reference data's names.
TRACKED_TABLES = frozenset(
    {
        "closure_day",
        "directorate",
        "nature",
        "procedure_policy",
        "service_area",
        "service_category",
        "stage_timescale",
        "team",
    }
)
# Entries kept for each database (timescales are kept by procedure, stage and received
# date, so the store is bounded).
MAX_ENTRIES = 2048
# Statements run as text that change no data.
_READING = ("select", "begin", "savepoint", "release", "rollback", "commit", "pragma", "set ")
_STATE = "rules version"


@dataclass
class _Transaction:
    """What one connection's current transaction knows of the number."""

    version: int | None = None
    unknown: bool = False  # the table is missing (a database not yet upgraded)
    wrote: bool = False  # this transaction changed a tracked table (or may have)


class _Store:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: OrderedDict[Hashable, tuple[int, Any]] = OrderedDict()

    def get(self, key: Hashable, version: int) -> tuple[bool, Any]:
        with self.lock:
            found = self.entries.get(key)
            if found is None or found[0] != version:
                return False, None
            self.entries.move_to_end(key)
            return True, found[1]

    def put(self, key: Hashable, version: int, value: Any) -> None:
        with self.lock:
            self.entries[key] = (version, value)
            self.entries.move_to_end(key)
            while len(self.entries) > MAX_ENTRIES:
                self.entries.popitem(last=False)


# Each database's store, by its connection pool (which an engine shares with the engines
# made from it, such as the one whose transactions begin IMMEDIATE on SQLite).
_STORES: weakref.WeakKeyDictionary[Pool, _Store] = weakref.WeakKeyDictionary()


def _state(connection: Connection) -> _Transaction:
    found: _Transaction | None = connection.info.get(_STATE)
    if found is None:
        found = _Transaction()
        connection.info[_STATE] = found
    return found


def _reset(connection: Connection) -> None:
    if connection.invalidated or connection.closed:
        return  # (its database connection is gone, and what it knew with it)
    connection.info.pop(_STATE, None)


def _writes_tracked(context: ExecutionContext, statement: str) -> bool:
    """Whether a statement may have changed a tracked table: an insert, update or
    delete of one, or SQL given as text that does more than read."""
    compiled = getattr(context, "compiled", None)
    built = getattr(compiled, "statement", None)
    if isinstance(built, sa.Insert | sa.Update | sa.Delete):
        return getattr(built.table, "name", None) in TRACKED_TABLES
    if isinstance(built, sa.Select):
        return False
    return not statement.lstrip().lower().startswith(_READING)


def install(engine: Engine) -> None:
    """Share what is read of the tracked tables between ``engine``'s transactions, once
    its database has the number (after it is upgraded)."""
    if engine.pool in _STORES or not sa.inspect(engine).has_table(VERSION_TABLE):
        return
    _STORES[engine.pool] = _Store()
    event.listen(engine, "begin", _reset)
    event.listen(engine, "commit", _reset)
    event.listen(engine, "rollback", _reset)

    @event.listens_for(engine, "after_cursor_execute")
    def _after(
        connection: Connection,
        _cursor: object,
        statement: str,
        _parameters: object,
        context: ExecutionContext,
        _many: bool,
    ) -> None:
        if _writes_tracked(context, statement):
            _state(connection).wrote = True


def installed(engine: Engine) -> bool:
    """Whether ``engine``'s transactions share what they read of the tracked tables."""
    return engine.pool in _STORES


def version_with_actor() -> sa.TextClause:
    """PostgreSQL: name the writer (``crm.actor``) and read the number in one statement;
    pass its second column to :func:`note_version`."""
    return sa.text(
        "SELECT set_config('crm.actor', :actor, true), "
        f"(SELECT version FROM {VERSION_TABLE} WHERE id = 1)"
    )


def note_version(session: Session, version: int | None) -> None:
    """The number this transaction read (None: the table has no row)."""
    state = _state(session.connection())
    state.version = version
    state.unknown = version is None


def _version(connection: Connection, state: _Transaction) -> int | None:
    if state.version is None and not state.unknown:
        state.version = connection.execute(
            sa.text(f"SELECT version FROM {VERSION_TABLE} WHERE id = 1")
        ).scalar()
        state.unknown = state.version is None
    return state.version


def pending_change(session: Session, tables: Iterable[str]) -> bool:
    """Whether ``session`` holds a change to one of ``tables`` not yet sent (a read sends
    it, as any query does, and then reads afresh)."""
    names = frozenset(tables)
    changed = itertools.chain(session.new, session.dirty, session.deleted)
    return any(getattr(o, "__tablename__", None) in names for o in changed)


def shared(session: Session, key: Hashable, read: Callable[[], T]) -> T:
    """``read()``'s answer, kept between transactions while the number stays the same;
    ``read`` must read only :data:`TRACKED_TABLES` and return a value nobody changes."""
    connection = session.connection()
    store = _STORES.get(connection.engine.pool)
    if store is None:
        return read()
    state = _state(connection)
    if state.wrote or pending_change(session, TRACKED_TABLES):
        return read()
    version = _version(connection, state)
    if version is None:
        return read()
    hit, value = store.get(key, version)
    if hit:
        found: T = value
        return found
    result = read()
    if not _state(connection).wrote:
        store.put(key, version, result)
    return result
