"""PostgreSQL: one answer to "is this login a manager's".

The rules that leave a decision to a manager (the reference counter's two checks, the
reminders' lock, reopening and the other managers' decisions, a closed stage's outcomes,
the managers' own columns) each asked PostgreSQL whether the login is a member of the
managers' group, written out again in each. They now ask ``crm_is_manager()``, one plain
SQL function (the owner or a member of the managers' group) that PostgreSQL writes into
the expression that asks. What is allowed and refused is unchanged.

SQLite is unchanged.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from crm_desktop.db import pg_security

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pg_security.install_in_migration()


def downgrade() -> None:
    """The function stays until the earlier revision's rules are installed again; they
    answer as the earlier ones did."""
