"""What every screen needs: the runner, the notifier, the database, who is signed in, today."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from crm_desktop.db.database import Database
from crm_desktop.domain.access import Actor
from crm_desktop.domain.enums import UserRole
from ui.notifier import Notifier
from ui.runner import Runner


@dataclass
class AppContext:
    runner: Runner
    notifier: Notifier
    database: Database | None = None
    actor: Actor | None = None
    # Today's date for deadlines and defaults; tests and screenshots fix it.
    today: Callable[[], dt.date] = field(default=dt.date.today)

    @property
    def signed_in(self) -> Actor:
        if self.actor is None:
            return Actor("nobody", UserRole.OFFICER)
        return self.actor

    @property
    def username(self) -> str:
        return self.signed_in.username

    def require_database(self) -> Database:
        if self.database is None:
            raise RuntimeError("no database is open")
        return self.database
