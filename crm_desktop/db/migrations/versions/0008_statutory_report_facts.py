"""The statutory annual reports' facts, the Ombudsman's other decisions, and baseline
figures for every table.

- ``representation`` gains who made a children's complaint (``complainant_type``),
  whether advocacy was provided, whether the council decided an adult complaint was
  well-founded, and why and when a representation was not accepted as a complaint.
- ``person`` gains ``vexatious_since``: when the unreasonable-behaviour policy was
  applied.
- ``lgsco_detail`` gains ``ombudsman`` (the LGSCO, or the Health Service Ombudsman for
  an adult complaint); its ``decision`` holds up to 60 characters, for "upheld
  satisfactory remedy provided by the council".
- ``baseline_figure`` gains ``measure`` (which of a row's figures, for tables with more
  than one a year); its procedure may be empty (the Ombudsman's own published figures);
  a row is unique by year, table, row and measure.

On PostgreSQL the rights are brought up to date (:func:`crm_desktop.db.pg_security.install`).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNIQUE = "uq_baseline_figure_financial_year"


def upgrade() -> None:
    with op.batch_alter_table("representation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("complainant_type", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("advocacy_provided", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("well_founded", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("not_accepted_reason", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("not_accepted_on", sa.Date(), nullable=True))
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("vexatious_since", sa.Date(), nullable=True))
    with op.batch_alter_table("lgsco_detail", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("ombudsman", sa.String(length=40), nullable=False, server_default="lgsco")
        )
        batch_op.alter_column(
            "decision",
            existing_type=sa.String(length=40),
            type_=sa.String(length=60),
            existing_nullable=True,
        )
    with op.batch_alter_table("baseline_figure", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("measure", sa.String(length=120), nullable=False, server_default="")
        )
        batch_op.alter_column("procedure", existing_type=sa.String(length=40), nullable=True)
        batch_op.drop_constraint(UNIQUE, type_="unique")
        batch_op.create_unique_constraint(
            UNIQUE, ["financial_year", "table_key", "row_label", "measure"]
        )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        from crm_desktop.db import pg_security

        pg_security.install(bind)


def downgrade() -> None:
    # Figures of more than one measure a row, and the Ombudsman's own figures, have no
    # place in the earlier table.
    op.execute("DELETE FROM baseline_figure WHERE measure <> '' OR procedure IS NULL")
    with op.batch_alter_table("baseline_figure", schema=None) as batch_op:
        batch_op.drop_constraint(UNIQUE, type_="unique")
        batch_op.create_unique_constraint(
            UNIQUE, ["financial_year", "procedure", "table_key", "row_label"]
        )
        batch_op.alter_column("procedure", existing_type=sa.String(length=40), nullable=False)
        batch_op.drop_column("measure")
    # The decisions the earlier version does not know are forgotten (the stage stays).
    op.execute(
        "UPDATE lgsco_detail SET decision = NULL WHERE decision IN ("
        "'upheld satisfactory remedy provided by the council', "
        "'upheld fault but no injustice', 'advice given', "
        "'referred back for local resolution')"
    )
    with op.batch_alter_table("lgsco_detail", schema=None) as batch_op:
        batch_op.alter_column(
            "decision",
            existing_type=sa.String(length=60),
            type_=sa.String(length=40),
            existing_nullable=True,
        )
        batch_op.drop_column("ombudsman")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("vexatious_since")
    with op.batch_alter_table("representation", schema=None) as batch_op:
        batch_op.drop_column("not_accepted_on")
        batch_op.drop_column("not_accepted_reason")
        batch_op.drop_column("well_founded")
        batch_op.drop_column("advocacy_provided")
        batch_op.drop_column("complainant_type")
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        from crm_desktop.db import pg_security

        pg_security.install(bind)
