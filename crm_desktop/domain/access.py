"""Who is acting, and what their role lets them do. Enforced in the services."""

from __future__ import annotations

from dataclasses import dataclass

from crm_desktop.domain.enums import UserRole

# Wrong passwords in a row that lock an account (for ``services.users.LOCKOUT``).
MAX_FAILURES = 5
# A password as the program keeps it: its Argon2id hash, in the PHC string format
# (``$argon2id$v=19$m=65536,t=3,p=4$salt$hash``). PostgreSQL refuses anything else from
# a login (``crm_account_columns``).
PASSWORD_HASH = (
    r"^\$argon2id\$v=[0-9]+\$m=[0-9]+,t=[0-9]+,p=[0-9]+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$"
)

# The roles that hold a manager's powers (an administrator is a manager too).
MANAGER_ROLES = (UserRole.MANAGER, UserRole.ADMIN)


@dataclass(frozen=True)
class Actor:
    """The signed-in user a service acts for."""

    username: str
    role: UserRole
    user_id: int | None = None
    display_name: str = ""

    @property
    def is_manager(self) -> bool:
        return self.role in MANAGER_ROLES

    @property
    def can_work_cases(self) -> bool:
        """Officers and managers record and move any case."""
        return self.role in (UserRole.OFFICER, UserRole.MANAGER, UserRole.ADMIN)


SYSTEM = Actor("system", UserRole.ADMIN)
# Who the reminders run writes as having done its work (its letters, the outbox).
REMINDERS_RUNNER = "reminders"
# The program's own names for work no one person did: what it ships (templates,
# policies) and the reminders run. Written as who did it, they stand on PostgreSQL
# whoever's login wrote them (the trail names the login).
PROGRAM_NAMES = (SYSTEM.username, REMINDERS_RUNNER)
