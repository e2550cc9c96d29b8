"""The day a suspended clock is expected to restart: ``stage_suspension.expected_resume_on``
(optional), so that lists can say "Suspended until 14 Mar 2025".

On PostgreSQL the column follows its table's rights
(:data:`crm_desktop.db.pg_security.RULES`), installed again here.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("stage_suspension", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expected_resume_on", sa.Date(), nullable=True))
    if bind.dialect.name == "postgresql":
        from crm_desktop.db import pg_security

        pg_security.install(bind)


def downgrade() -> None:
    with op.batch_alter_table("stage_suspension", schema=None) as batch_op:
        batch_op.drop_column("expected_resume_on")
