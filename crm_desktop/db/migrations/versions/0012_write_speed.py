"""The people flagged as persistent or vexatious complainants, indexed on their own:
recording a complaint looks among them for the complainant, and without the index
that meant reading every person the database knows.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_person_vexatious",
        "person",
        ["id"],
        unique=False,
        postgresql_where=sa.text("vexatious"),
        sqlite_where=sa.text("vexatious = 1"),
    )


def downgrade() -> None:
    op.drop_index("ix_person_vexatious", table_name="person")
