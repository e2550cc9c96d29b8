"""The Complaint Handling Code's yearly records: the self-assessment against the Code
(each year's answers, and every save of them), each year's report inputs (the
Ombudsman's annual letter, the governing body's response), and the Ombudsman's
findings of non-compliance with the Code on a decision.

On PostgreSQL every group reads none of it but officers (and managers, administrators
with them); managers write it; the history is append-only
(:data:`crm_desktop.db.pg_security.RULES`).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _versioned() -> list[sa.Column[object]]:
    return [
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=True),
    ]


def _answer() -> list[sa.Column[object]]:
    return [
        sa.Column("financial_year", sa.Integer(), nullable=False),
        sa.Column("provision", sa.String(length=20), nullable=False),
        sa.Column("complies", sa.String(length=10), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
    ]


def upgrade() -> None:
    bind = op.get_bind()
    op.create_table(
        "code_year",
        sa.Column("financial_year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("governing_body", sa.String(length=200), nullable=False),
        sa.Column("governing_body_response", sa.Text(), nullable=False),
        sa.Column("letter_received_on", sa.Date(), nullable=True),
        sa.Column("letter_decisions", sa.Integer(), nullable=True),
        sa.Column("letter_investigations", sa.Integer(), nullable=True),
        sa.Column("letter_upheld", sa.Integer(), nullable=True),
        sa.Column("letter_upheld_percent", sa.Float(), nullable=True),
        sa.Column("letter_similar_upheld_percent", sa.Float(), nullable=True),
        sa.Column("letter_compliance_percent", sa.Float(), nullable=True),
        sa.Column("letter_remedy_percent", sa.Float(), nullable=True),
        sa.Column("letter_text", sa.Text(), nullable=False),
        sa.Column("other_reports", sa.Text(), nullable=False),
        *_versioned(),
        sa.PrimaryKeyConstraint("financial_year", name=op.f("pk_code_year")),
    )
    op.create_table(
        "code_self_assessment",
        sa.Column("id", sa.Integer(), nullable=False),
        *_answer(),
        *_versioned(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_code_self_assessment")),
        sa.UniqueConstraint(
            "financial_year", "provision", name=op.f("uq_code_self_assessment_financial_year")
        ),
    )
    op.create_table(
        "code_self_assessment_change",
        sa.Column("id", sa.Integer(), nullable=False),
        *_answer(),
        sa.Column("changed_by", sa.String(length=80), nullable=True),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_code_self_assessment_change")),
    )
    with op.batch_alter_table("code_self_assessment_change", schema=None) as batch_op:
        batch_op.create_index(
            "ix_code_self_assessment_change_year", ["financial_year", "id"], unique=False
        )
    with op.batch_alter_table("lgsco_detail", schema=None) as batch_op:
        batch_op.add_column(sa.Column("code_finding", sa.Text(), nullable=True))
    if bind.dialect.name == "postgresql":
        from crm_desktop.db import pg_security

        pg_security.install(bind)


def downgrade() -> None:
    with op.batch_alter_table("lgsco_detail", schema=None) as batch_op:
        batch_op.drop_column("code_finding")
    with op.batch_alter_table("code_self_assessment_change", schema=None) as batch_op:
        batch_op.drop_index("ix_code_self_assessment_change_year")
    op.drop_table("code_self_assessment_change")
    op.drop_table("code_self_assessment")
    op.drop_table("code_year")
    # The other tables' rights are unchanged: the dropped tables' grants went with them.
