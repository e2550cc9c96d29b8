"""A stage's suspended working days that an import file gave without dates:
``stage.undated_suspended_days``.

The import stores a file's suspended days on the stage without suspension rows (the file
gives only their number). Each time the clock works a due date out again (an
acknowledgement, an extension, a suspension resumed) it counted the suspension rows
only, so those days were lost; and the case screen's explanation left them out while the
stored due date kept them. The new column keeps them apart. Stages of imported cases
that hold suspended days and no ended suspension are given them here (a suspension
still running has not added its days yet; one that ended has replaced the file's).

On PostgreSQL the column follows its table's rights
(:data:`crm_desktop.db.pg_security.RULES`), installed again here.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("stage", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("undated_suspended_days", sa.Integer(), server_default="0", nullable=False)
        )
    bind.execute(
        sa.text(
            """
            UPDATE stage SET undated_suspended_days = suspended_days
            WHERE suspended_days > 0
              AND case_id IN (SELECT id FROM representation WHERE imported)
              AND NOT EXISTS (
                  SELECT 1 FROM stage_suspension s
                  WHERE s.stage_id = stage.id AND s.ends_on IS NOT NULL
              )
            """
        )
    )
    if bind.dialect.name == "postgresql":
        from crm_desktop.db import pg_security

        pg_security.install(bind)


def downgrade() -> None:
    with op.batch_alter_table("stage", schema=None) as batch_op:
        batch_op.drop_column("undated_suspended_days")
