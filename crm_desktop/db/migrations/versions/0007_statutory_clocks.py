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

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
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
        batch_op.create_index(
            "ix_calendar_day_statutory_count", ["statutory_count", "day"], unique=False
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
    _review_panel_dates(bind)
    _statutory_kpis(bind)
    if bind.dialect.name == "postgresql":
        from crm_desktop.db import pg_security

        pg_security.install(bind)


def _review_panel_dates(bind: sa.Connection) -> None:
    """Children's Stage 3 stages already started: their three clocks' due dates (regs.
    19-21), counted in the statutory calendar (closure days are working days), and the
    running clock's as the stage's due date while it is open."""
    from crm_desktop.domain.calendar import CalendarError
    from crm_desktop.domain.enums import Procedure
    from crm_desktop.domain.statutory import (
        COUNCIL_RESPONSE_DAYS,
        PANEL_MEETING_DAYS,
        PANEL_REPORT_DAYS,
        calendar_for,
    )

    cal = calendar_for(Procedure.CHILDREN)
    stage = sa.table(
        "stage",
        sa.column("id", sa.Integer),
        sa.column("case_id", sa.Integer),
        sa.column("stage", sa.String),
        sa.column("status", sa.String),
        sa.column("requested_on", sa.Date),
        sa.column("started_on", sa.Date),
        sa.column("panel_on", sa.Date),
        sa.column("panel_report_on", sa.Date),
        sa.column("due_on", sa.Date),
        sa.column("timescale_days", sa.Integer),
        sa.column("panel_due_on", sa.Date),
        sa.column("panel_report_due_on", sa.Date),
        sa.column("council_response_due_on", sa.Date),
    )
    case = sa.table("representation", sa.column("id", sa.Integer), sa.column("procedure"))
    rows = bind.execute(
        sa.select(
            stage.c.id,
            stage.c.status,
            stage.c.requested_on,
            stage.c.started_on,
            stage.c.panel_on,
            stage.c.panel_report_on,
        )
        .join(case, case.c.id == stage.c.case_id)
        .where(case.c.procedure == "children", stage.c.stage == "3")
        .where(stage.c.started_on.is_not(None))
    ).all()
    for stage_id, status, requested, started, panel, report in rows:
        try:
            panel_due = cal.add_working_days(requested or started, PANEL_MEETING_DAYS)
            report_due = cal.add_working_days(panel, PANEL_REPORT_DAYS) if panel else None
            response_due = cal.add_working_days(report, COUNCIL_RESPONSE_DAYS) if report else None
        except CalendarError:
            continue
        values: dict[str, object] = {
            "panel_due_on": panel_due,
            "panel_report_due_on": report_due,
            "council_response_due_on": response_due,
            "timescale_days": PANEL_MEETING_DAYS,
        }
        if status != "closed":
            values["due_on"] = response_due or report_due or panel_due
        bind.execute(sa.update(stage).where(stage.c.id == stage_id).values(**values))


_KPIS = (
    (
        "children_stage2_started_within",
        "Children’s Social Care Stage 2 investigations started within 10 working days of "
        "the request",
        "started_within",
        "2",
        10,
        90.0,
    ),
    (
        "children_stage3_panel_in_time",
        "Children’s Social Care review panels held within 30 working days of the request",
        "panel_in_time",
        "3",
        30,
        100.0,
    ),
    (
        "children_stage3_report_in_time",
        "Children’s Social Care review panel reports within 5 working days of the panel",
        "panel_report_in_time",
        "3",
        5,
        100.0,
    ),
    (
        "children_stage3_response_in_time",
        "Children’s Social Care responses within 15 working days of the panel’s report",
        "council_response_in_time",
        "3",
        15,
        100.0,
    ),
)


def _statutory_kpis(bind: sa.Connection) -> None:
    """The statutory clocks' KPIs for a database whose reference data is loaded already (a
    new one gets them with the rest of its reference data)."""
    kpi = sa.table(
        "kpi_definition",
        sa.column("code", sa.String),
        sa.column("label", sa.String),
        sa.column("measure", sa.String),
        sa.column("procedure", sa.String),
        sa.column("stage", sa.String),
        sa.column("threshold_days", sa.Integer),
        sa.column("threshold_unit", sa.String),
        sa.column("target_percent", sa.Float),
        sa.column("direction", sa.String),
        sa.column("active", sa.Boolean),
        sa.column("sort_order", sa.Integer),
        sa.column("version", sa.Integer),
        sa.column("updated_at", sa.DateTime),
        sa.column("updated_by", sa.String),
    )
    existing = set(bind.execute(sa.select(kpi.c.code)).scalars())
    if not existing:
        return
    order = bind.execute(sa.select(sa.func.max(kpi.c.sort_order))).scalar() or 0
    for code, label, measure, stage, days, target in _KPIS:
        if code in existing:
            continue
        order += 1
        bind.execute(
            sa.insert(kpi).values(
                code=code,
                label=label,
                measure=measure,
                procedure="children",
                stage=stage,
                threshold_days=days,
                threshold_unit="working days",
                target_percent=target,
                direction="higher",
                active=True,
                sort_order=order,
                version=1,
                updated_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
                updated_by="migration 0007",
            )
        )


def downgrade() -> None:
    bind = op.get_bind()
    kpi = sa.table("kpi_definition", sa.column("code", sa.String))
    bind.execute(sa.delete(kpi).where(kpi.c.code.in_([row[0] for row in _KPIS])))
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
        batch_op.drop_index("ix_calendar_day_statutory_count")
        batch_op.drop_column("statutory_count")
    if bind.dialect.name == "postgresql":
        from crm_desktop.db import pg_security

        pg_security.install(bind)
