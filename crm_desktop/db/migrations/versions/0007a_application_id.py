"""SQLite: the file says it is a CRM Desktop database (``PRAGMA application_id``).

Restore and open refuse a SQLite file that is not this program's by this mark (see
:mod:`crm_desktop.db.identity`). PostgreSQL: nothing changes.

Revision ID: 0007a
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from crm_desktop.db.identity import APPLICATION_ID

revision: str = "0007a"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"PRAGMA application_id = {APPLICATION_ID}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("PRAGMA application_id = 0")
