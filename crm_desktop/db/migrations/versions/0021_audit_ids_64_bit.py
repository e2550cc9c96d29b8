"""PostgreSQL: the audit trail's ids are 64-bit.

Every audited write draws an id from the trail's sequence, a write rolled back too, and
any login that may write can draw them fast (an officer's note of 200,000 events in a
transaction it then rolls back): at 32 bits, about 2.1 billion, the sequence would run
out within hours and every change to every audited table, by anyone, would fail. At 64
bits it cannot. (SQLite's row ids are 64-bit already.)

The trail's table is rewritten, which takes a moment for every million events.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _sequence_as(kind: str) -> str:
    """The trail's id sequence (by whatever name the table gave it) made ``kind``."""
    return (
        "DO $$ BEGIN EXECUTE format('ALTER SEQUENCE %s AS "
        + kind
        + "', pg_get_serial_sequence('audit_event', 'id')); END $$"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("audit_event", "id", type_=sa.BigInteger(), existing_nullable=False)
        op.execute(_sequence_as("bigint"))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_sequence_as("integer"))
        op.alter_column("audit_event", "id", type_=sa.Integer(), existing_nullable=False)
