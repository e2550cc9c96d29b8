"""PostgreSQL login roles for users, so row-level security can tell them apart.

``grant_login`` creates (or updates) a login role for one user, named ``crm_u_`` and the
username, in the group that fits their role: investigators in ``crm_investigator``
(their connection sees only their assigned cases, whatever SQL it runs), everyone else
in ``crm_staff``. It needs a connection allowed to create roles (the database owner or
an administrator); the user then connects with their own role in the database URL.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db.models import User
from crm_desktop.domain.enums import UserRole
from crm_desktop.errors import NotFound, ValidationError

STAFF_GROUP = "crm_staff"
INVESTIGATOR_GROUP = "crm_investigator"
ROLE_PREFIX = "crm_u_"


def role_name(username: str) -> str:
    name = ROLE_PREFIX + re.sub(r"[^a-z0-9_]", "_", username.lower())
    if len(name) > 63:
        raise ValidationError("That username is too long for a database role.", "username")
    return name


def group_for(role: UserRole) -> str:
    return INVESTIGATOR_GROUP if role == UserRole.INVESTIGATOR else STAFF_GROUP


def grant_login(session: Session, username: str, password: str | None) -> str:
    """Create or update ``username``'s login role; returns the role's name."""
    if session.get_bind().dialect.name != "postgresql":
        raise ValidationError(
            "Database logins are for PostgreSQL. A SQLite file has no logins of its own."
        )
    user = session.scalar(sa.select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise NotFound(f"There is no user called {username}.")
    role = role_name(user.username)
    group = group_for(UserRole(user.role))
    other = STAFF_GROUP if group == INVESTIGATOR_GROUP else INVESTIGATOR_GROUP
    exists = session.scalar(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role})
    secret = ""
    if password:
        literal = session.scalar(sa.text("SELECT quote_literal(:p)"), {"p": password})
        secret = f" PASSWORD {literal}"
    if exists:
        session.execute(sa.text(f'ALTER ROLE "{role}" LOGIN{secret}'))
        session.execute(sa.text(f'REVOKE {other} FROM "{role}"'))
    else:
        session.execute(sa.text(f'CREATE ROLE "{role}" LOGIN{secret}'))
    session.execute(sa.text(f'GRANT {group} TO "{role}"'))
    user.db_role = role
    session.flush()
    return role
