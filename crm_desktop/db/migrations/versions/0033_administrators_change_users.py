"""Only an administrator changes users and roles.

A manager could add, change and disable accounts and give any role, an administrator's
included (their own account's role too, through another account): below an
administrator a login now changes only its own account's password and sign-in columns.
The first account of a new database is an administrator's (the team manager's), and an
active administrator always remains, as an active manager did.

A database with no active administrator (until now the first account was a manager's)
makes its first active manager one: that manager could make themselves an
administrator before, and someone must be able to change users.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

from crm_desktop.db import audit, pg_security
from crm_desktop.db.base import utcnow

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

user = sa.table(
    "app_user",
    sa.column("id", sa.Integer),
    sa.column("role", sa.String),
    sa.column("active", sa.Boolean),
    sa.column("version", sa.Integer),
)


def upgrade() -> None:
    bind = op.get_bind()
    has_admin = bind.execute(
        sa.select(user.c.id).where(user.c.active.is_(True), user.c.role == "admin").limit(1)
    ).first()
    first = bind.execute(
        sa.select(user.c.id, user.c.version)
        .where(user.c.active.is_(True), user.c.role == "manager")
        .order_by(user.c.id)
        .limit(1)
    ).first()
    # (The roles are reference data every database with users has; the check keeps a
    # database without them from failing to upgrade.)
    admin_role = bind.execute(sa.text("SELECT 1 FROM role WHERE code = 'admin'")).first()
    if has_admin is None and first is not None and admin_role is not None:
        user_id, version = int(first[0]), int(first[1])
        bind.execute(
            sa.update(user).where(user.c.id == user_id).values(role="admin", version=version + 1)
        )
        if bind.dialect.name == "sqlite":
            # On PostgreSQL the database records the change itself.
            with Session(bind=bind) as session:
                audit.record_events(
                    session,
                    [
                        {
                            "occurred_at": utcnow(),
                            "username": "system",
                            "action": "update",
                            "entity": "app_user",
                            "entity_id": str(user_id),
                            "case_id": None,
                            "before": audit.dump({"role": "manager", "version": version}),
                            "after": audit.dump({"role": "admin", "version": version + 1}),
                        }
                    ],
                )
    pg_security.install_in_migration()


def downgrade() -> None:
    """The earlier revision's rules are installed again by its own upgrade; an account
    made an administrator stays one."""
