"""Operations: the one door every use case passes through.

An operation is a function ``op(ctx, ...)`` registered with :func:`operation`, which
declares

- the :class:`~crm_desktop.operations.policy.Permission` it needs,
- whether it writes (a write transaction, audited under the actor), only reads, or
  opens its own write transactions (``own_transactions``: work that must hold no
  transaction open while it talks to a mail server, or that removes files only once a
  change is saved),
- the kinds of data it changes (:class:`Change`), which the desktop program announces
  so that every screen showing that data reloads (Anki's ``OpChanges``),
- and, through the types of its arguments (``CaseId``, ``StageId``, ...), which
  arguments identify records that belong to a case.

:func:`run_operation` opens the session, builds the :class:`OpContext`, refuses an
actor without the permission *before* the database is touched, refuses a record the
actor may not see before the operation reads anything, runs the operation and returns
an :class:`OpResult`: its plain value and what changed. The desktop program's runner
and the command line call operations only through it. An operation may call another
one with ``other(ctx, ...)``: the same checks run, in the same transaction.

An operation whose changes depend on its input (an import that found errors changed
nothing; one that added no reference data did not change it) declares every kind it
may change and says what one run did change with :meth:`OpContext.report_changes`.
An operation that must open its own transactions (demo data written in one large
transaction of its own, a backup, a restore) declares ``own_transactions=True``: it
gets a read session for the policy's checks and works through ``ctx.database``.
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import typing
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Concatenate, Generic, ParamSpec, Protocol, TypeVar

from sqlalchemy.orm import Session

from crm_desktop.domain.access import Actor
from crm_desktop.errors import PermissionRefused
from crm_desktop.operations.policy import (
    NOT_SIGNED_IN,
    Authoriser,
    OpenedVersion,
    Permission,
    Scope,
)

if typing.TYPE_CHECKING:
    from crm_desktop.db.database import Database

__all__ = [
    "NO_PROGRESS",
    "REGISTRY",
    "Cancelled",
    "Change",
    "OpChanges",
    "OpContext",
    "OpResult",
    "Operation",
    "Progress",
    "operation",
    "reporting",
    "run_operation",
]

P = ParamSpec("P")
T = TypeVar("T")


class Cancelled(Exception):
    """The user cancelled long work; nothing of it was kept."""


class Progress(Protocol):
    """How long work tells how far it has got, and learns it was cancelled."""

    def report(self, done: int, total: int, text: str = "") -> None: ...

    def check(self) -> None:
        """Raise :class:`Cancelled` once the user has cancelled."""


class _NoProgress:
    def report(self, done: int, total: int, text: str = "") -> None:
        pass

    def check(self) -> None:
        pass


NO_PROGRESS: Progress = _NoProgress()


def reporting(progress: Progress) -> Callable[[int, int, str], None]:
    """A plain ``step(done, total, text)`` callback for the core's long work (which does
    not know about operations): it stops the work once the user has cancelled, then
    reports how far it has got."""

    def step(done: int, total: int, text: str = "") -> None:
        progress.check()
        progress.report(done, total, text)

    return step


class Change(StrEnum):
    """A kind of data an operation can change; screens reload on the kinds they show."""

    CASES = "cases"  # cases, stages, points, outcomes, action items, the Ombudsman's details
    APPOINTMENTS = "appointments"  # investigators offered, accepted, reports received
    POOL = "investigator pool"
    CORRESPONDENCE = "correspondence"
    ATTACHMENTS = "attachments"
    REFERENCE_DATA = "reference data"  # natures, areas, teams, timescales, KPI targets
    CALENDAR = "closure days"
    USERS = "users"
    TEMPLATES = "letters and mail settings"
    REPORT_INPUTS = "report inputs"  # commentary, baseline and population figures
    PRIVACY = "retention and legal holds"
    EQUALITY = "equality monitoring"
    ACCESS_LOG = "access log"
    NOTIFICATIONS = "notifications"


# Changes that move clocks: an operation making them works out working days in its write
# (the calendars are built before it, see Database.ready_calendars).
WORKS_OUT_CLOCKS = frozenset({Change.CASES, Change.APPOINTMENTS})


@dataclass(frozen=True)
class OpChanges:
    """What an operation changed (empty for one that only reads)."""

    kinds: frozenset[Change] = frozenset()

    def __contains__(self, kind: object) -> bool:
        return kind in self.kinds

    def __bool__(self) -> bool:
        return bool(self.kinds)

    def touches(self, kinds: frozenset[Change]) -> bool:
        """True when any of ``kinds`` changed."""
        return not self.kinds.isdisjoint(kinds)

    @classmethod
    def of(cls, *kinds: Change) -> OpChanges:
        return cls(frozenset(kinds))

    def __or__(self, other: OpChanges) -> OpChanges:
        return OpChanges(self.kinds | other.kinds)


@dataclass(frozen=True)
class OpResult(Generic[T]):
    """An operation's plain result and what it changed."""

    value: T
    changes: OpChanges


@dataclass
class OpContext:
    """What an operation receives: the session, who acts, today, and the authoriser
    that applies the access policy to that actor."""

    session: Session
    actor: Actor
    today: dt.date
    authoriser: Authoriser = field(init=False)
    database: Database | None = None
    own_transactions: bool = False
    reported: frozenset[Change] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.authoriser = Authoriser(self.session, self.actor)

    def require_database(self) -> Database:
        """The database the operation runs on (operations with their own transactions)."""
        if self.database is None:
            raise RuntimeError("this operation needs the database it runs on")
        return self.database

    def write(self, work: Callable[[Session], T]) -> T:
        """For an operation declared with ``own_transactions``: ``work`` in a write
        transaction of its own, audited under the actor. The operation's read session
        is ended first, so the write never waits for it (on SQLite's rollback journal a
        reader holding its lock would keep the writer from committing)."""
        if not self.own_transactions:
            raise RuntimeError("only an operation declared with own_transactions writes itself")
        self.end_reads()
        return self.require_database().write(work, actor=self.actor.username)

    def end_reads(self) -> None:
        """End the read session's transaction (an ``own_transactions`` operation calls
        this before long work, such as talking to a mail server)."""
        if self.own_transactions and self.session.in_transaction():
            self.session.commit()

    def report_changes(self, *kinds: Change) -> None:
        """What this run changed, when it is less than the operation declares (nothing,
        when called with no kinds). Kinds the operation does not declare are ignored."""
        self.reported = frozenset(kinds)


@dataclass(frozen=True)
class Operation(Generic[P, T]):
    """A registered use case. Call it with a context (inside another operation or a
    test) or hand it to :func:`run_operation`."""

    name: str
    function: Callable[Concatenate[OpContext, P], T]
    permission: Permission
    changes: OpChanges
    writes: bool
    scoped: tuple[tuple[str, Scope], ...]
    description: str
    own_transactions: bool = False
    # It saves a case as the user opened it (an argument is a CaseVersion).
    saves_case: bool = False

    def __call__(self, ctx: OpContext, *args: P.args, **kwargs: P.kwargs) -> T:
        self.check(ctx, *args, **kwargs)
        if self.own_transactions:
            ctx.end_reads()  # the checks' reads are over: hold nothing while it works
        return self.function(ctx, *args, **kwargs)

    def check(self, ctx: OpContext, *args: Any, **kwargs: Any) -> None:
        """The policy's checks: the permission first, then every scoped argument."""
        ctx.authoriser.require(self.permission)
        if not self.scoped:
            return
        bound = self._signature.bind(ctx, *args, **kwargs)
        for name, scope in self.scoped:
            value = bound.arguments.get(name)
            if value is None:
                continue
            values = value if isinstance(value, list | tuple | frozenset | set) else (value,)
            for one in values:
                ctx.authoriser.require_scope(
                    scope, one, saving=self.saves_case and self.writes and scope == Scope.CASE
                )

    @functools.cached_property
    def _signature(self) -> inspect.Signature:
        return inspect.signature(self.function)


REGISTRY: dict[str, Operation[Any, Any]] = {}
"""Every operation, by name (module.function): what the tests walk."""


def _scoped_parameters(function: Callable[..., Any]) -> tuple[tuple[str, Scope], ...]:
    hints = typing.get_type_hints(function, include_extras=True)
    found: list[tuple[str, Scope]] = []
    for name in inspect.signature(function).parameters:
        scope = _scope_of(hints.get(name))
        if scope is not None:
            found.append((name, scope))
    return tuple(found)


def _saves_case(function: Callable[..., Any]) -> bool:
    """Whether an argument of ``function`` is the version of the case the user opened."""
    hints = typing.get_type_hints(function, include_extras=True)
    return any(
        typing.get_origin(hint) is typing.Annotated and OpenedVersion in hint.__metadata__
        for hint in hints.values()
    )


def _scope_of(hint: Any) -> Scope | None:
    """The :class:`Scope` in ``Annotated[int, Scope.X]``, also inside ``X | None`` and
    sequences of such ids."""
    if hint is None:
        return None
    if typing.get_origin(hint) is typing.Annotated:
        for extra in hint.__metadata__:
            if isinstance(extra, Scope):
                return extra
        return None
    for argument in typing.get_args(hint):
        scope = _scope_of(argument)
        if scope is not None:
            return scope
    return None


def operation(
    permission: Permission,
    *,
    changes: tuple[Change, ...] = (),
    writes: bool | None = None,
    own_transactions: bool = False,
) -> Callable[[Callable[Concatenate[OpContext, P], T]], Operation[P, T]]:
    """Register ``function`` as an operation needing ``permission``.

    ``writes`` defaults to whether it declares ``changes``: an operation that changes
    nothing runs in a read session.

    ``own_transactions``: the policy's checks run in a read session, then the operation
    writes through :meth:`OpContext.write` (or services given ``ctx.database``), each
    write a transaction of its own. For work that must not hold a transaction open
    while it talks to a mail server, or that removes files only once a change is saved.
    It may declare ``changes`` without running in one write transaction.
    """

    def register(function: Callable[Concatenate[OpContext, P], T]) -> Operation[P, T]:
        name = f"{function.__module__.rsplit('.', 1)[-1]}.{function.__name__}"
        if name in REGISTRY:
            raise RuntimeError(f"operation {name} is registered twice")
        if changes and writes is False and not own_transactions:
            raise RuntimeError(f"operation {name} changes data, so it must write")
        if own_transactions and writes:
            raise RuntimeError(f"operation {name} writes in its own transactions")
        op = Operation(
            name=name,
            function=function,
            permission=permission,
            changes=OpChanges(frozenset(changes)),
            writes=False if own_transactions else bool(changes) if writes is None else writes,
            scoped=_scoped_parameters(function),
            description=(inspect.getdoc(function) or "").split("\n", 1)[0],
            own_transactions=own_transactions,
            saves_case=_saves_case(function),
        )
        REGISTRY[name] = op
        return op

    return register


def run_operation(
    database: Database,
    actor: Actor | None,
    today: dt.date,
    op: Operation[P, T],
    *args: P.args,
    **kwargs: P.kwargs,
) -> OpResult[T]:
    """Run ``op`` for ``actor``: the permission is checked before the database is
    touched; a write runs in one audited transaction (retried while another user's
    write is in the way), a read in a read session."""
    if actor is None:
        raise PermissionRefused(NOT_SIGNED_IN)
    # The role check needs no database: refuse before opening a transaction.
    from crm_desktop.operations.policy import require

    require(actor, op.permission)
    signed_in = actor
    contexts: list[OpContext] = []

    def work(session: Session) -> T:
        ctx = OpContext(
            session, signed_in, today, database=database, own_transactions=op.own_transactions
        )
        contexts[:] = [ctx]  # a retried write starts again with a new context
        return op(ctx, *args, **kwargs)

    if op.writes:
        if op.changes.kinds & WORKS_OUT_CLOCKS:
            database.ready_calendars()
        value = database.write(work, actor=actor.username)
    else:
        with database.session() as session:
            value = work(session)
    reported = contexts[0].reported if contexts else None
    if reported is None:
        return OpResult(value, op.changes)
    return OpResult(value, OpChanges(op.changes.kinds & reported))


def operations() -> Mapping[str, Operation[Any, Any]]:
    """Every registered operation (importing every operations module first)."""
    from crm_desktop.operations import load_all

    load_all()
    return REGISTRY


def by_permission() -> Iterator[tuple[Permission, list[str]]]:
    """For documentation: which operations each permission opens."""
    table: dict[Permission, list[str]] = {}
    for name, op in operations().items():
        table.setdefault(op.permission, []).append(name)
    yield from sorted(table.items())
