"""The working-day calendar as a table, so that queries can count working days in SQL.

The rows are derived data: the program fills the table when it opens a database and
rewrites it whenever a council closure day changes (``db/calendar_table.py``). Here the
table is only created; on PostgreSQL staff may rewrite it and everyone may read it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STAFF = "crm_staff"
INVESTIGATOR = "crm_investigator"


def upgrade() -> None:
    op.create_table(
        "calendar_day",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("working_count", sa.Integer(), nullable=False),
        sa.Column("is_working", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_calendar_day")),
    )
    with op.batch_alter_table("calendar_day", schema=None) as batch_op:
        batch_op.create_index(
            "ix_calendar_day_working_count", ["working_count", "day"], unique=False
        )
    if op.get_bind().dialect.name == "postgresql":
        secure()


def secure() -> None:
    """The grants of this version's table (PostgreSQL)."""
    op.execute(f"GRANT SELECT ON calendar_day TO {STAFF}, {INVESTIGATOR}")
    op.execute(f"GRANT INSERT, UPDATE, DELETE ON calendar_day TO {STAFF}")


def downgrade() -> None:
    with op.batch_alter_table("calendar_day", schema=None) as batch_op:
        batch_op.drop_index("ix_calendar_day_working_count")
    op.drop_table("calendar_day")
