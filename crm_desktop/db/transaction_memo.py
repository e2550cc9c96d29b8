"""What one transaction has already read or done, so it need not ask the database again.

A save reads the same rules several times: the timescales of the stage it moves are read
by the workflow's guards, by the clock and by the letter it writes. Within one
transaction they cannot change unless the transaction changes them itself, so each is
read once and remembered until the transaction ends (and what is read only of the reference data and
the clock's rules is shared between transactions until it changes:
:mod:`crm_desktop.db.rules_cache`). A change, in the same transaction,
to a table a remembered answer was read from (a flush of its rows, or an insert, update
or delete run through the session) forgets every answer read from that table.

The memo belongs to the session's transaction: a session that commits and goes on
starts again with nothing remembered, and so does one whose savepoint ends. A session
with no transaction under way remembers nothing (the first read begins one; the next is
remembered). A change made past the session (a statement run on its connection
directly, a bulk save) is not seen: the rules' tables are changed only through the
session, by the services that keep them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, UOWTransaction

from crm_desktop.db import rules_cache

__all__ = ["remembered", "transaction_state"]

T = TypeVar("T")

_KEY = "transaction memo"


class _Memo:
    def __init__(self, transaction: object) -> None:
        self.transaction = transaction
        self.values: dict[Hashable, Any] = {}
        self.tables: dict[str, set[Hashable]] = {}  # table -> keys read from it

    def forget(self, table: str) -> None:
        for key in self.tables.pop(table, ()):
            self.values.pop(key, None)


def _memo(session: Session) -> _Memo | None:
    transaction = session.get_transaction()
    if transaction is None:
        return None
    memo: _Memo | None = session.info.get(_KEY)
    if memo is None or memo.transaction is not transaction:
        memo = _Memo(transaction)
        session.info[_KEY] = memo
    return memo


def transaction_state(session: Session, name: str, factory: Callable[[], T]) -> T | None:
    """This transaction's own ``name`` (made by ``factory`` on first use); None when no
    transaction is under way."""
    memo = _memo(session)
    if memo is None:
        return None
    key = ("state", name)
    if key not in memo.values:
        memo.values[key] = factory()
    value: T = memo.values[key]
    return value


def remembered(
    session: Session, key: Hashable, tables: tuple[str, ...], read: Callable[[], T]
) -> T:
    """``read()``'s answer, read once per transaction for ``key``; ``tables``: those it
    reads, whose change in this transaction makes it read again."""
    memo = _memo(session)
    if memo is None:
        return read()
    if key in memo.values and not rules_cache.pending_change(session, tables):
        value: T = memo.values[key]
        return value
    value = (
        rules_cache.shared(session, key, read)
        if rules_cache.TRACKED_TABLES.issuperset(tables)
        else read()
    )
    memo = _memo(session)  # the read may have begun the transaction
    if memo is not None:
        memo.values[key] = value
        for table in tables:
            memo.tables.setdefault(table, set()).add(key)
    return value


def _forget(session: Session, tables: set[str]) -> None:
    memo: _Memo | None = session.info.get(_KEY)
    if memo is None:
        return
    for table in tables & memo.tables.keys():
        memo.forget(table)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: UOWTransaction) -> None:
    if session.info.get(_KEY) is None:
        return
    changed = itertools.chain(session.new, session.dirty, session.deleted)
    _forget(session, {getattr(o, "__tablename__", "") for o in changed})


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    if state.session.info.get(_KEY) is None:
        return
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        name = getattr(table, "name", None)
        if isinstance(name, str):
            _forget(state.session, {name})


@event.listens_for(Session, "after_transaction_end")
def _after_savepoint(session: Session, transaction: SessionTransaction) -> None:
    # A savepoint rolled back takes its changes (and the row locks taken in it) with it:
    # remember nothing from before it ended. (A savepoint released is forgotten too; it
    # only costs a read.)
    if transaction.nested:
        session.info.pop(_KEY, None)
