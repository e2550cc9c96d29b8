"""What every screen needs: the runner, the notifier, the database, who is signed in, today."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ParamSpec, TypeVar

from crm_desktop.db.database import Database
from crm_desktop.domain.access import Actor
from crm_desktop.errors import PermissionRefused
from crm_desktop.operations.core import Operation
from crm_desktop.operations.policy import NOT_SIGNED_IN, Permission, allows
from ui.notifier import Notifier
from ui.ops import PendingOp
from ui.runner import Runner

P = ParamSpec("P")
T = TypeVar("T")


@dataclass
class AppContext:
    runner: Runner
    notifier: Notifier
    database: Database | None = None
    actor: Actor | None = None  # None until someone signs in: every operation is refused
    # Today's date for deadlines and defaults; tests and screenshots fix it.
    today: Callable[[], dt.date] = field(default=dt.date.today)

    def op(self, op: Operation[P, T], *args: P.args, **kwargs: P.kwargs) -> PendingOp[T]:
        """An operation to run for the signed-in user (see :mod:`ui.ops`)."""
        return PendingOp(self, op, args, dict(kwargs))

    def allows(self, permission: Permission) -> bool:
        """What the policy lets the signed-in user do: screens ask, never re-derive."""
        return allows(self.actor, permission)

    @property
    def signed_in(self) -> Actor:
        """The signed-in user; refused (never made up) when nobody is signed in."""
        if self.actor is None:
            raise PermissionRefused(NOT_SIGNED_IN)
        return self.actor

    @property
    def username(self) -> str:
        return self.actor.username if self.actor is not None else ""

    def require_database(self) -> Database:
        if self.database is None:
            raise RuntimeError("no database is open")
        return self.database
