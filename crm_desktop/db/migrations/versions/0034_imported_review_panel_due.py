"""An imported children's Stage 3 keeps the day its review panel was due to meet.

The import gave such a stage its due date (the panel within 30 working days of the
request, SI 2006/1738 reg. 19) but not the panel's own due date, which a stage recorded
in the program keeps apart: once the panel met, the stage's due date moved on to the
panel's report and the council's response, and the queues as they stood on a day before
the panel met, and the panel's measure in the annual report, had no panel date to go
by. Each such stage now gets it: the first due date its history records (the one the
import worked out), or, with no history, its due date while the panel has not met.

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

from crm_desktop.db import audit
from crm_desktop.db.base import utcnow

revision: str = "0034"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

stage = sa.table(
    "stage",
    sa.column("id", sa.Integer),
    sa.column("case_id", sa.Integer),
    sa.column("stage", sa.String),
    sa.column("started_on", sa.Date),
    sa.column("due_on", sa.Date),
    sa.column("panel_on", sa.Date),
    sa.column("panel_due_on", sa.Date),
)
case = sa.table("representation", sa.column("id", sa.Integer), sa.column("procedure", sa.String))
change = sa.table(
    "due_date_change",
    sa.column("id", sa.Integer),
    sa.column("stage_id", sa.Integer),
    sa.column("field", sa.String),
    sa.column("after", sa.Date),
)


def upgrade() -> None:
    bind = op.get_bind()
    first_due = (
        sa.select(change.c.after)
        .where(change.c.stage_id == stage.c.id, change.c.field == "due")
        .order_by(change.c.id)
        .limit(1)
        .scalar_subquery()
    )
    rows = bind.execute(
        sa.select(stage.c.id, stage.c.case_id, first_due, stage.c.due_on, stage.c.panel_on)
        .join(case, case.c.id == stage.c.case_id)
        .where(
            case.c.procedure == "children",
            stage.c.stage == "3",
            stage.c.started_on.is_not(None),
            stage.c.panel_due_on.is_(None),
        )
        .order_by(stage.c.id)
    ).all()
    events = []
    for stage_id, case_id, recorded, due_on, panel_on in rows:
        panel_due = recorded if recorded is not None else None if panel_on else due_on
        if panel_due is None:
            continue
        bind.execute(sa.update(stage).where(stage.c.id == stage_id).values(panel_due_on=panel_due))
        events.append(
            {
                "occurred_at": utcnow(),
                "username": "system",
                "action": "update",
                "entity": "stage",
                "entity_id": str(stage_id),
                "case_id": case_id,
                "before": audit.dump({"panel_due_on": None}),
                "after": audit.dump({"panel_due_on": panel_due.isoformat()}),
            }
        )
    if events and bind.dialect.name == "sqlite":
        # On PostgreSQL the database records the changes itself.
        with Session(bind=bind) as session:
            audit.record_events(session, events)


def downgrade() -> None:
    """The panel's due date stays: the earlier revision has the column and reads it."""
