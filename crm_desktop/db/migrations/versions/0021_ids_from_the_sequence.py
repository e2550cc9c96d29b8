"""PostgreSQL: a login adds a row only with an id its table's sequence has given.

A login that may add rows to a table could give a new row's id itself, ahead of the
sequence: ``INSERT INTO correspondence (id, ...) VALUES (nextval + 1, ...)`` made the
next letter anyone saved fail with a duplicate key. An id the sequence has not yet
given is now refused (trigger ``crm_id_drawn``); the default, and an id drawn with
``nextval`` first (as the historical import draws its ids), are accepted.

SQLite is unchanged.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        from crm_desktop.db import pg_security

        pg_security.install(bind)


def downgrade() -> None:
    """The trigger stays until the earlier revision's rules are installed again; it
    refuses only what the program never does."""
