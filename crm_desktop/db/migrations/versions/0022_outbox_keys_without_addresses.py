"""An emailed letter's outbox key no longer holds the recipient's address.

The outbox's ``dedupe_key`` is unique, and an emailed letter's was
``letter:<letter id>:<address>``. On PostgreSQL a service responder's login, which may
add outbox rows for its own area's cases, could try keys with a guessed address for
the letters of cases it may not see: the one the unique index refused was the hidden
letter emailed to that address. The letter's id alone is unique (an email is one
letter to one address), so the keys become ``letter:<letter id>``, the rows already
queued or sent included.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

outbox = sa.table("outbox_message", sa.column("id", sa.Integer), sa.column("dedupe_key"))


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(outbox.c.id, outbox.c.dedupe_key).where(outbox.c.dedupe_key.like("letter:%:%"))
    ).all()
    for row_id, key in rows:
        kind, letter = key.split(":")[:2]
        bind.execute(
            sa.update(outbox).where(outbox.c.id == row_id).values(dedupe_key=f"{kind}:{letter}")
        )


def downgrade() -> None:
    """The addresses are not put back: the keys only stop a letter being queued twice,
    and a letter's id does that alone."""
