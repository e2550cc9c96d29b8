"""Reference numbers counted out in batches: ``reference_pool``.

A new case took the next number from ``reference_counter`` and held that row until it
committed (numbers have no gaps), so on PostgreSQL officers recording cases at the same
moment queued one behind another. Numbers are now counted out a batch at a time into
``reference_pool``; a new case takes the lowest one no other save holds, and a save that
fails puts its number back. The counter keeps the last number counted out.

On PostgreSQL the table follows its rights (:data:`crm_desktop.db.pg_security.RULES`),
installed again here.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reference_pool",
        sa.Column("prefix", sa.String(length=10), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("prefix", "year", "number", name=op.f("pk_reference_pool")),
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        from crm_desktop.db import pg_security

        pg_security.install(bind)


def downgrade() -> None:
    # The numbers counted out and not used go back to the counter: it is set back to
    # the lowest of them less one (the older program skips a number a case holds).
    bind = op.get_bind()
    bind.execute(
        sa.text(
            """
            UPDATE reference_counter SET last_number = (
                SELECT min(p.number) - 1 FROM reference_pool p
                WHERE p.prefix = reference_counter.prefix AND p.year = reference_counter.year
            )
            WHERE EXISTS (
                SELECT 1 FROM reference_pool p
                WHERE p.prefix = reference_counter.prefix AND p.year = reference_counter.year
            )
            """
        )
    )
    op.drop_table("reference_pool")
