"""The day the events complained about came to the complainant's notice.

A complaint made more than 12 months after the events is flagged for a decision on
whether to consider it; the Regulations count the 12 months from the events or, "if
later, the date on which the matter which is the subject of the complaint came to the
notice of the complainant" (SI 2009/309 reg. 12(1)(b)). Without the later date a
complaint made in time was flagged. ``representation.noticed_on`` holds it (empty:
not recorded, the events' date counts). On PostgreSQL the rights are set again, so
that those who may change a case's details may change this one.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("representation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("noticed_on", sa.Date(), nullable=True))
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        from crm_desktop.db import pg_security

        pg_security.install(bind)


def downgrade() -> None:
    with op.batch_alter_table("representation", schema=None) as batch_op:
        batch_op.drop_column("noticed_on")
