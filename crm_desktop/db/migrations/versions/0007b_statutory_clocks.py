"""Statutory clocks: the calendar without closure days, the review panel's three
clocks, the adult's agreed period, the day the complainant received a response, the
Ombudsman's own response date and the facts the appointment rules need.

- ``calendar_day.statutory_count``: working days counted as the children's and adult's
  regulations count them, closure days included (the program fills it when it opens
  the database, as it does the rest of the table).
- ``stage``: ``panel_due_on``, ``panel_report_due_on`` and ``council_response_due_on``
  (children's Stage 3, SI 2006/1738 regs. 19-21); ``response_received_on`` (the next
  stage's window counts from it); ``agreed_period_ends_on`` and ``agreed_period_on``
  (adult: a longer period agreed before the six months expire, SI 2009/309 reg. 14).
- ``lgsco_detail.enquiry_due_from_ombudsman``: the enquiry's response date is the
  Ombudsman's own.
- ``person``: ``partner_left_employment_on`` (the spouse or civil partner of a former
  employee), ``manages_directorate_id`` and ``manages_service_area_id`` (the person's
  place in a service's management line).

On PostgreSQL the rights are installed again so the new columns get theirs.

Revision ID: 0007b
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007b"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STAGE_DATES = (
    "panel_due_on",
    "panel_report_due_on",
    "council_response_due_on",
    "response_received_on",
    "agreed_period_ends_on",
    "agreed_period_on",
)


def upgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("calendar_day", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("statutory_count", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("stage", schema=None) as batch_op:
        for name in _STAGE_DATES:
            batch_op.add_column(sa.Column(name, sa.Date(), nullable=True))
    with op.batch_alter_table("lgsco_detail", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "enquiry_due_from_ombudsman",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
            )
        )
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("partner_left_employment_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("manages_directorate_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("manages_service_area_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_person_manages_directorate_id_directorate"),
            "directorate",
            ["manages_directorate_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            op.f("fk_person_manages_service_area_id_service_area"),
            "service_area",
            ["manages_service_area_id"],
            ["id"],
        )
    # Stage 3 clocks already running: the panel is due 30 working days after the
    # request; the program recounts the dates as the stages move (the calendar table is
    # refilled when the program opens the database, so no count is made here).
    if bind.dialect.name == "postgresql":
        from crm_desktop.db import pg_security

        pg_security.install(bind)


def downgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_constraint(
            op.f("fk_person_manages_service_area_id_service_area"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            op.f("fk_person_manages_directorate_id_directorate"), type_="foreignkey"
        )
        batch_op.drop_column("manages_service_area_id")
        batch_op.drop_column("manages_directorate_id")
        batch_op.drop_column("partner_left_employment_on")
    with op.batch_alter_table("lgsco_detail", schema=None) as batch_op:
        batch_op.drop_column("enquiry_due_from_ombudsman")
    with op.batch_alter_table("stage", schema=None) as batch_op:
        for name in reversed(_STAGE_DATES):
            batch_op.drop_column(name)
    with op.batch_alter_table("calendar_day", schema=None) as batch_op:
        batch_op.drop_column("statutory_count")
    if bind.dialect.name == "postgresql":
        from crm_desktop.db import pg_security

        pg_security.install(bind)
