"""PostgreSQL logins of their own for users, so the database itself can tell them apart.

``grant_login`` creates (or updates) a user's login role, ``<db>_u_<username>``: the
database's name first, so a login made for one database is no login of another on the
same server, and the username as it is (dots and hyphens kept), so no two usernames
share a login. The login is put in the one group of this database that fits the user's
role (:mod:`crm_desktop.db.pg_security`); from then on the database keeps it in step
with the user: disabled means NOLOGIN and signed out, enabled LOGIN again, a new role
the other group. It needs a connection allowed to create roles (the database owner);
the user then connects with their own login in the database URL (or ``PGUSER``).

The password is sent to the server already hashed (SCRAM-SHA-256, worked out here as
``psql``'s ``\\password`` does), so it never appears in the server's statement log.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db import pg_security
from crm_desktop.db.models import User
from crm_desktop.errors import NotFound, PermissionRefused, ValidationError

__all__ = ["grant_login", "login_of", "role_name"]


def _on_postgres(session: Session) -> None:
    if session.get_bind().dialect.name != "postgresql":
        raise ValidationError(
            "Database logins are for PostgreSQL. A SQLite file has no logins of its own."
        )


def role_name(session: Session, username: str) -> str:
    """The login role a user of this database gets (refused when it would be too long)."""
    prefix = str(session.scalar(sa.text("SELECT crm_login_prefix()")))
    name = pg_security.login_name(prefix, username.strip().lower())
    if name is None:
        raise ValidationError(
            f"The username {username} is too long for a database login here. Give the "
            f"user a username of at most {pg_security.MAX_NAME - len(prefix) - 3} characters.",
            "username",
        )
    return name


def login_of(session: Session, username: str) -> str | None:
    """The login linked to ``username``, if there is one."""
    login: str | None = session.scalar(
        sa.select(User.db_role).where(User.username == username.strip().lower())
    )
    return login


def _role_comment(session: Session, role: str) -> tuple[bool, str | None]:
    row = session.execute(
        sa.text("SELECT shobj_description(oid, 'pg_authid') FROM pg_roles WHERE rolname = :role"),
        {"role": role},
    ).first()
    return (row is not None, row[0] if row is not None else None)


def _encrypted(session: Session, role: str, password: str) -> str:
    """The password as PostgreSQL keeps it (SCRAM-SHA-256), worked out by libpq."""
    raw: Any = session.connection().connection.driver_connection
    pgconn = getattr(raw, "pgconn", None)
    if pgconn is not None:
        digest: bytes = pgconn.encrypt_password(
            password.encode("utf-8"), role.encode("utf-8"), b"scram-sha-256"
        )
        return digest.decode("ascii")
    return password  # pragma: no cover - psycopg always has pgconn


def grant_login(session: Session, username: str, password: str | None) -> str:
    """Create or update ``username``'s own login; returns the login's name.

    Refused with a message, and nothing changed, when the login's name is taken by
    another user or by a role CRM Desktop did not make for this user and database.
    """
    _on_postgres(session)
    if not session.scalar(sa.text("SELECT crm_is_owner()")):
        # Making a role takes the right to make roles, which only the owner's login has.
        raise PermissionRefused(
            "Only the database owner's login can give a user a login of their own. Run "
            "user db-login with it (ask IT)."
        )
    user = session.scalar(sa.select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise NotFound(f"There is no user called {username}.")
    database = str(session.scalar(sa.text("SELECT current_database()")))
    role = user.db_role or role_name(session, user.username)
    holder = session.scalar(
        sa.select(User.username).where(User.db_role == role, User.id != user.id)
    )
    if holder is not None:
        raise ValidationError(
            f"The database login {role} already belongs to the user {holder}, so it cannot "
            f"be {user.username}'s too. Give {user.username} a different username.",
            "username",
        )
    exists, comment = _role_comment(session, role)
    expected = pg_security.tag(database, "login", user.username)
    legacy = exists and comment is None and user.db_role == role
    if exists and comment != expected and not legacy:
        raise ValidationError(
            f"There is already a database role called {role} on this server that is not "
            f"{user.username}'s login in this database (another database's, or made by "
            "hand). Give the user a different username, or ask IT to remove that role.",
            "username",
        )
    quoted = pg_security.identifier(role)
    run = pg_security.runner(session.connection())
    if not exists:
        run(f"CREATE ROLE {quoted} NOLOGIN")
    run(f"COMMENT ON ROLE {quoted} IS {pg_security.literal(expected)}")
    if password:
        secret = pg_security.literal(_encrypted(session, role, password))
        run(f"ALTER ROLE {quoted} PASSWORD {secret}")
    user.db_role = role
    session.flush()
    # Group, LOGIN or NOLOGIN: as the database keeps them for every change of the user.
    session.execute(
        sa.text("SELECT crm_apply_login(:login, :role, :active)"),
        {"login": role, "role": str(user.role), "active": user.active},
    )
    return role
