"""PostgreSQL: the checks the database makes on every row a login writes cost less.

Whether the writer is the tables' owner is asked for every row written (the triggers'
``WHEN``, and inside the audit trail's trigger): it was a function that looked the
owner up in the catalog with a query of its own each time. It is now one call of a
built-in function (``has_table_privilege(session_user, 'audit_event', 'TRUNCATE')``:
only the owner, a role with the owner's rights or a superuser may empty the trail's
table, and no login is granted that), which PostgreSQL writes into each ``WHEN``
itself. The audit trail's trigger finds the columns an update changed with one query
rather than a loop over every column. What is recorded and refused is unchanged.

SQLite is unchanged.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from crm_desktop.db import pg_security

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pg_security.install_in_migration()


def downgrade() -> None:
    """The functions stay until the earlier revision's rules are installed again; they
    answer as the earlier ones did."""
