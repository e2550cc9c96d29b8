"""Procedure policies: a procedure's rules as versions with the date each takes effect.

One table, ``procedure_policy``: the procedure, the version's name, the date it takes
effect and its rules (JSON, see :mod:`crm_desktop.domain.procedure_policy`). The program
adds the two corporate versions that ship (the council's 2023 procedure and the
Ombudsman's Complaint Handling Code from 1 April 2026) when it opens a database that has
none. On PostgreSQL everyone reads the table and managers add versions; the audit
trigger records every change (:func:`crm_desktop.db.pg_security.install`).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "procedure_policy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "procedure",
            sa.Enum(
                "children", "adult", "corporate", name="procedure", native_enum=False, length=40
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("rules", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_procedure_policy")),
        sa.UniqueConstraint(
            "procedure",
            "effective_from",
            name=op.f("uq_procedure_policy_procedure"),
        ),
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        from crm_desktop.db import pg_security

        pg_security.install(bind)


def downgrade() -> None:
    op.drop_table("procedure_policy")  # its grants, policies and audit trigger go with it
