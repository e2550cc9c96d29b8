"""The Complaint Handling Code has no suspension of the clock: ``suspension: false`` on
each stage of the Code's procedure policy. And ``stage_extension.beyond_limit``: an
extension that passed its policy's limit with a manager's good reason (6.4), which the
self-assessment counts as complying; until now only the reason's text said so (and the
text is cleared when a case is anonymised). Extensions whose reason holds the program's
note are marked.

The Code gives 10 (Stage 2: 20) working days from the acknowledgement and an extension
of no more than 10 (20) without good reason, told to the complainant with the
Ombudsman's details (paragraphs 6.3 to 6.5); it has no pause. The program let an officer
suspend a Code stage, which moved its due date and took the days off the working days
the Code's report counted. A policy's rules now say whether a stage may be suspended;
every stored version of the Code (its ``source`` names the Code) is given ``false`` on
each stage, edited or not. Stages suspended already can still be resumed.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As crm_desktop.domain.procedure_policy.CODE_SOURCE says it (kept here: a migration
# does not change when the program does).
CODE_SOURCE = "Local Government and Social Care Ombudsman, Complaint Handling Code, Part 7"


def _set_suspension(allowed: bool) -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, rules FROM procedure_policy")).all()
    for policy_id, text in rows:
        try:
            rules = json.loads(text)
        except (TypeError, ValueError):
            continue
        if not isinstance(rules, dict) or rules.get("source") != CODE_SOURCE:
            continue
        for stage in rules.get("stages", []):
            if isinstance(stage, dict):
                stage["suspension"] = allowed
        bind.execute(
            sa.text("UPDATE procedure_policy SET rules = :rules WHERE id = :id"),
            {"rules": json.dumps(rules, sort_keys=True, ensure_ascii=False), "id": policy_id},
        )


def upgrade() -> None:
    _set_suspension(False)
    with op.batch_alter_table("stage_extension", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("beyond_limit", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    bind = op.get_bind()
    bind.execute(
        sa.text("UPDATE stage_extension SET beyond_limit = :yes WHERE reason LIKE :note"),
        {"yes": True, "note": "% (beyond the limit of %"},
    )
    if bind.dialect.name == "postgresql":
        from crm_desktop.db import pg_security

        pg_security.install(bind)


def downgrade() -> None:
    with op.batch_alter_table("stage_extension", schema=None) as batch_op:
        batch_op.drop_column("beyond_limit")
    _set_suspension(True)
