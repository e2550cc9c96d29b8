"""PostgreSQL: a manager's or an administrator's own login can edit a user.

Saving a user with no Windows account checks that they have a password to sign in
with; the check read the password hash, which only the owner's login may read, so over
a manager's or an administrator's own login every such edit was refused. The database
now answers whether a user has a password (``crm_has_password``, for managers' and
administrators' logins) without showing the hash.

SQLite is unchanged.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from crm_desktop.db import pg_security

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pg_security.install_in_migration()


def downgrade() -> None:
    """The function stays until the earlier revision's rules are installed again."""
