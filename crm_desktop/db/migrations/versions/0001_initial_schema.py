"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=True),
        sa.Column("action", sa.String(length=80), nullable=False),
        sa.Column("entity", sa.String(length=80), nullable=False),
        sa.Column("entity_id", sa.String(length=80), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=True),
        sa.Column("hash", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index("ix_audit_event_case_id", ["case_id", "id"], unique=False)

    op.create_table(
        "baseline_figure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("financial_year", sa.Integer(), nullable=False),
        sa.Column(
            "procedure",
            sa.Enum(
                "children", "adult", "corporate", name="procedure", native_enum=False, length=40
            ),
            nullable=False,
        ),
        sa.Column("table_key", sa.String(length=80), nullable=False),
        sa.Column("row_label", sa.String(length=300), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_baseline_figure")),
        sa.UniqueConstraint(
            "financial_year",
            "procedure",
            "table_key",
            "row_label",
            name=op.f("uq_baseline_figure_financial_year"),
        ),
    )
    op.create_table(
        "closure_day",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_closure_day")),
        sa.UniqueConstraint("day", name=op.f("uq_closure_day_day")),
    )
    op.create_table(
        "directorate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("short_name", sa.String(length=40), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directorate")),
        sa.UniqueConstraint("name", name=op.f("uq_directorate_name")),
    )
    op.create_table(
        "nature",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "procedure",
            sa.Enum(
                "children", "adult", "corporate", name="procedure", native_enum=False, length=40
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nature")),
        sa.UniqueConstraint("procedure", "name", name=op.f("uq_nature_procedure")),
    )
    op.create_table(
        "outcome_code",
        sa.Column(
            "code",
            sa.Enum(
                "upheld",
                "partially upheld",
                "not upheld",
                "no finding",
                "discontinued",
                "withdrawn",
                "redirected",
                name="outcome",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("is_upheld", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_outcome_code")),
    )
    op.create_table(
        "reference_counter",
        sa.Column("prefix", sa.String(length=10), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("prefix", "year", name=op.f("pk_reference_counter")),
    )
    op.create_table(
        "report_bucket",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("table_key", sa.String(length=80), nullable=False),
        sa.Column(
            "procedure",
            sa.Enum(
                "children", "adult", "corporate", name="procedure", native_enum=False, length=40
            ),
            nullable=False,
        ),
        sa.Column(
            "stage",
            sa.Enum(
                "1",
                "2",
                "3",
                "low",
                "moderate-high",
                "informal",
                "lgsco",
                name="stagecode",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("upper_days", sa.Integer(), nullable=True),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_bucket")),
        sa.UniqueConstraint("table_key", "sort_order", name=op.f("uq_report_bucket_table_key")),
    )
    op.create_table(
        "role",
        sa.Column(
            "code",
            sa.Enum(
                "officer",
                "investigator",
                "service responder",
                "manager",
                "admin",
                name="userrole",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_role")),
    )
    op.create_table(
        "service_category",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "procedure",
            sa.Enum(
                "children", "adult", "corporate", name="procedure", native_enum=False, length=40
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_category")),
        sa.UniqueConstraint("procedure", "name", name=op.f("uq_service_category_procedure")),
    )
    op.create_table(
        "setting",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_setting")),
    )
    op.create_table(
        "stage_timescale",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "procedure",
            sa.Enum(
                "children", "adult", "corporate", name="procedure", native_enum=False, length=40
            ),
            nullable=False,
        ),
        sa.Column(
            "stage",
            sa.Enum(
                "1",
                "2",
                "3",
                "low",
                "moderate-high",
                "informal",
                "lgsco",
                name="stagecode",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "rule",
            sa.Enum(
                "duration",
                "extension limit",
                "acknowledge",
                "next stage window",
                "outer limit months",
                "panel meeting",
                "panel report",
                "council response",
                "lgsco enquiry response",
                "remedy escalation percent",
                name="timescalerule",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column(
            "unit",
            sa.Enum(
                "working days",
                "calendar months",
                "percent",
                name="timescaleunit",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stage_timescale")),
        sa.UniqueConstraint(
            "procedure", "stage", "rule", name=op.f("uq_stage_timescale_procedure")
        ),
    )
    op.create_table(
        "kpi_definition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=80), nullable=False),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.Column("measure", sa.String(length=60), nullable=False),
        sa.Column(
            "procedure",
            sa.Enum(
                "children", "adult", "corporate", name="procedure", native_enum=False, length=40
            ),
            nullable=False,
        ),
        sa.Column(
            "stage",
            sa.Enum(
                "1",
                "2",
                "3",
                "low",
                "moderate-high",
                "informal",
                "lgsco",
                name="stagecode",
                native_enum=False,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("directorate_id", sa.Integer(), nullable=True),
        sa.Column("threshold_days", sa.Integer(), nullable=True),
        sa.Column(
            "threshold_unit",
            sa.Enum(
                "working days",
                "calendar months",
                "percent",
                name="timescaleunit",
                native_enum=False,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("target_percent", sa.Float(), nullable=False),
        sa.Column(
            "direction",
            sa.Enum("higher", "lower", name="kpidirection", native_enum=False, length=40),
            nullable=False,
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["directorate_id"],
            ["directorate.id"],
            name=op.f("fk_kpi_definition_directorate_id_directorate"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpi_definition")),
        sa.UniqueConstraint("code", name=op.f("uq_kpi_definition_code")),
    )
    op.create_table(
        "service_area",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "procedure",
            sa.Enum(
                "children", "adult", "corporate", name="procedure", native_enum=False, length=40
            ),
            nullable=False,
        ),
        sa.Column("directorate_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("for_complaints", sa.Boolean(), nullable=False),
        sa.Column("for_compliments", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["directorate_id"],
            ["directorate.id"],
            name=op.f("fk_service_area_directorate_id_directorate"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_area")),
        sa.UniqueConstraint(
            "procedure", "directorate_id", "name", name=op.f("uq_service_area_procedure")
        ),
    )
    op.create_table(
        "person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=20), nullable=True),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("postcode", sa.String(length=12), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("vexatious", sa.Boolean(), nullable=False),
        sa.Column("vexatious_review_on", sa.Date(), nullable=True),
        sa.Column("contact_arrangements", sa.Text(), nullable=True),
        sa.Column("is_investigator", sa.Boolean(), nullable=False),
        sa.Column("is_employee", sa.Boolean(), nullable=False),
        sa.Column("home_service_area_id", sa.Integer(), nullable=True),
        sa.Column("left_employment_on", sa.Date(), nullable=True),
        sa.Column("is_elected_member", sa.Boolean(), nullable=False),
        sa.Column("is_partner_of_member_or_officer", sa.Boolean(), nullable=False),
        sa.Column("available", sa.Boolean(), nullable=False),
        sa.Column("unavailable_until", sa.Date(), nullable=True),
        sa.Column("daily_fee_pence", sa.Integer(), nullable=True),
        sa.Column("hourly_fee_pence", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("anonymised_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["home_service_area_id"],
            ["service_area.id"],
            name=op.f("fk_person_home_service_area_id_service_area"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person")),
    )
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_full_name"), ["full_name"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_person_is_investigator"), ["is_investigator"], unique=False
        )

    op.create_table(
        "team",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "procedure",
            sa.Enum(
                "children", "adult", "corporate", name="procedure", native_enum=False, length=40
            ),
            nullable=False,
        ),
        sa.Column("service_area_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["service_area_id"],
            ["service_area.id"],
            name=op.f("fk_team_service_area_id_service_area"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team")),
        sa.UniqueConstraint("procedure", "name", name=op.f("uq_team_procedure")),
    )
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column(
            "role",
            sa.Enum(
                "officer",
                "investigator",
                "service responder",
                "manager",
                "admin",
                name="userrole",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("windows_account", sa.String(length=120), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("service_area_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_sign_ins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("last_sign_in_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_app_user_person_id_person")
        ),
        sa.ForeignKeyConstraint(["role"], ["role.code"], name=op.f("fk_app_user_role_role")),
        sa.ForeignKeyConstraint(
            ["service_area_id"],
            ["service_area.id"],
            name=op.f("fk_app_user_service_area_id_service_area"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_user")),
        sa.UniqueConstraint("username", name=op.f("uq_app_user_username")),
        sa.UniqueConstraint("windows_account", name=op.f("uq_app_user_windows_account")),
    )
    op.create_table(
        "representation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "complaint", "compliment", "comment", name="kind", native_enum=False, length=40
            ),
            nullable=False,
        ),
        sa.Column(
            "procedure",
            sa.Enum(
                "children", "adult", "corporate", name="procedure", native_enum=False, length=40
            ),
            nullable=False,
        ),
        sa.Column(
            "channel",
            sa.Enum(
                "online form",
                "email",
                "phone",
                "letter",
                "in person",
                "staff-submitted",
                name="channel",
                native_enum=False,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("events_on", sa.Date(), nullable=True),
        sa.Column("late_complaint_decision", sa.Text(), nullable=True),
        sa.Column("directorate_id", sa.Integer(), nullable=True),
        sa.Column("service_area_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("desired_outcome", sa.Text(), nullable=True),
        sa.Column(
            "status",
            sa.Enum("open", "closed", name="casestatus", native_enum=False, length=40),
            nullable=False,
        ),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("current_stage_id", sa.Integer(), nullable=True),
        sa.Column("complainant_name", sa.String(length=200), nullable=True),
        sa.Column("reply_text", sa.Text(), nullable=True),
        sa.Column("reply_received_on", sa.Date(), nullable=True),
        sa.Column("legal_hold", sa.Boolean(), nullable=False),
        sa.Column("anonymised_at", sa.DateTime(), nullable=True),
        sa.Column("imported", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["directorate_id"],
            ["directorate.id"],
            name=op.f("fk_representation_directorate_id_directorate"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["app_user.id"], name=op.f("fk_representation_owner_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["service_area_id"],
            ["service_area.id"],
            name=op.f("fk_representation_service_area_id_service_area"),
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["team.id"], name=op.f("fk_representation_team_id_team")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_representation")),
        sa.UniqueConstraint("reference", name=op.f("uq_representation_reference")),
    )
    with op.batch_alter_table("representation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_representation_complainant_name"), ["complainant_name"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_representation_current_stage_id"), ["current_stage_id"], unique=False
        )
        batch_op.create_index(
            "ix_representation_procedure_received_on", ["procedure", "received_on"], unique=False
        )
        batch_op.create_index(
            "ix_representation_received_on_id", ["received_on", "id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_representation_service_area_id"), ["service_area_id"], unique=False
        )
        batch_op.create_index(
            "ix_representation_status_owner", ["status", "owner_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_representation_team_id"), ["team_id"], unique=False)

    op.create_table(
        "case_party",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "complainant",
                "subject",
                "on behalf of",
                "advocate",
                "named staff",
                name="partyrole",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["representation.id"],
            name=op.f("fk_case_party_case_id_representation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_case_party_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_party")),
        sa.UniqueConstraint("case_id", "person_id", "role", name=op.f("uq_case_party_case_id")),
    )
    with op.batch_alter_table("case_party", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_party_person_id"), ["person_id"], unique=False)

    op.create_table(
        "case_service_category",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("service_category_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["representation.id"],
            name=op.f("fk_case_service_category_case_id_representation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_category_id"],
            ["service_category.id"],
            name=op.f("fk_case_service_category_service_category_id_service_category"),
        ),
        sa.PrimaryKeyConstraint(
            "case_id", "service_category_id", name=op.f("pk_case_service_category")
        ),
    )
    op.create_table(
        "complaint_point",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("nature_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["representation.id"],
            name=op.f("fk_complaint_point_case_id_representation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["nature_id"], ["nature.id"], name=op.f("fk_complaint_point_nature_id_nature")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_point")),
        sa.UniqueConstraint("case_id", "seq", name=op.f("uq_complaint_point_case_id")),
    )
    with op.batch_alter_table("complaint_point", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_complaint_point_nature_id"), ["nature_id"], unique=False
        )

    op.create_table(
        "stage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column(
            "stage",
            sa.Enum(
                "1",
                "2",
                "3",
                "low",
                "moderate-high",
                "informal",
                "lgsco",
                name="stagecode",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("previous_stage_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "open", "suspended", "closed", name="stagestatus", native_enum=False, length=40
            ),
            nullable=False,
        ),
        sa.Column("requested_on", sa.Date(), nullable=True),
        sa.Column("acknowledged_on", sa.Date(), nullable=True),
        sa.Column("acknowledge_due_on", sa.Date(), nullable=True),
        sa.Column("statement_agreed_on", sa.Date(), nullable=True),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("timescale_days", sa.Integer(), nullable=True),
        sa.Column("extended_days", sa.Integer(), nullable=False),
        sa.Column("suspended_days", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("outer_limit_on", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column(
            "outcome",
            sa.Enum(
                "upheld",
                "partially upheld",
                "not upheld",
                "no finding",
                "discontinued",
                "withdrawn",
                "redirected",
                name="outcome",
                native_enum=False,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("outcome_override_reason", sa.Text(), nullable=True),
        sa.Column("next_stage_requested_on", sa.Date(), nullable=True),
        sa.Column("next_stage_window_override", sa.Text(), nullable=True),
        sa.Column("panel_on", sa.Date(), nullable=True),
        sa.Column("panel_report_on", sa.Date(), nullable=True),
        sa.Column("council_response_on", sa.Date(), nullable=True),
        sa.Column("handler_id", sa.Integer(), nullable=True),
        sa.Column("responder_id", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["representation.id"],
            name=op.f("fk_stage_case_id_representation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["handler_id"], ["app_user.id"], name=op.f("fk_stage_handler_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["previous_stage_id"], ["stage.id"], name=op.f("fk_stage_previous_stage_id_stage")
        ),
        sa.ForeignKeyConstraint(
            ["responder_id"], ["app_user.id"], name=op.f("fk_stage_responder_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stage")),
        sa.UniqueConstraint("case_id", "seq", name=op.f("uq_stage_case_id")),
    )
    with op.batch_alter_table("stage", schema=None) as batch_op:
        batch_op.create_index("ix_stage_closed_on", ["closed_on"], unique=False)
        batch_op.create_index("ix_stage_code_closed_on", ["stage", "closed_on"], unique=False)
        batch_op.create_index("ix_stage_status_due_on", ["status", "due_on"], unique=False)

    op.create_table(
        "action_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("agreed_with", sa.String(length=200), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("learning_example", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["representation.id"],
            name=op.f("fk_action_item_case_id_representation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["stage_id"], ["stage.id"], name=op.f("fk_action_item_stage_id_stage")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_item")),
    )
    with op.batch_alter_table("action_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_action_item_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_action_item_open_due", ["done_on", "due_on"], unique=False)

    op.create_table(
        "assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "investigating officer",
                "independent person",
                "panel member",
                "panel chair",
                name="assignmentrole",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "offered",
                "accepted",
                "declined",
                "replaced",
                "report received",
                name="assignmentstatus",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("offered_on", sa.Date(), nullable=False),
        sa.Column("responded_on", sa.Date(), nullable=True),
        sa.Column("report_due_on", sa.Date(), nullable=True),
        sa.Column("report_received_on", sa.Date(), nullable=True),
        sa.Column("replaced_by_id", sa.Integer(), nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=True),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("overridden_by", sa.String(length=80), nullable=True),
        sa.Column("hours", sa.Float(), nullable=True),
        sa.Column("fee_pence", sa.Integer(), nullable=True),
        sa.Column("progress_note", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_assignment_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["replaced_by_id"],
            ["assignment.id"],
            name=op.f("fk_assignment_replaced_by_id_assignment"),
        ),
        sa.ForeignKeyConstraint(
            ["stage_id"],
            ["stage.id"],
            name=op.f("fk_assignment_stage_id_stage"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignment")),
    )
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.create_index("ix_assignment_person_status", ["person_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_assignment_stage_id"), ["stage_id"], unique=False)

    op.create_table(
        "correspondence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=True),
        sa.Column(
            "direction",
            sa.Enum(
                "incoming", "outgoing", name="correspondencedirection", native_enum=False, length=40
            ),
            nullable=False,
        ),
        sa.Column(
            "channel",
            sa.Enum(
                "letter",
                "email",
                "phone",
                "meeting",
                "note",
                name="correspondencechannel",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("template_key", sa.String(length=80), nullable=True),
        sa.Column("recipient", sa.String(length=300), nullable=True),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("created_by", sa.String(length=80), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["representation.id"],
            name=op.f("fk_correspondence_case_id_representation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["stage_id"], ["stage.id"], name=op.f("fk_correspondence_stage_id_stage")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_correspondence")),
    )
    with op.batch_alter_table("correspondence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_correspondence_case_id"), ["case_id"], unique=False)

    op.create_table(
        "due_date_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("cause", sa.String(length=40), nullable=False),
        sa.Column("before", sa.Date(), nullable=True),
        sa.Column("after", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("changed_by", sa.String(length=80), nullable=True),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["stage_id"],
            ["stage.id"],
            name=op.f("fk_due_date_change_stage_id_stage"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_due_date_change")),
    )
    with op.batch_alter_table("due_date_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_due_date_change_stage_id"), ["stage_id"], unique=False)

    op.create_table(
        "lgsco_detail",
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("lgsco_reference", sa.String(length=40), nullable=True),
        sa.Column("enquiry_received_on", sa.Date(), nullable=True),
        sa.Column("enquiry_response_due_on", sa.Date(), nullable=True),
        sa.Column("enquiry_responded_on", sa.Date(), nullable=True),
        sa.Column(
            "decision",
            sa.Enum(
                "out of jurisdiction",
                "closed no further action",
                "premature",
                "not upheld",
                "upheld no further action",
                "upheld maladministration and injustice",
                "public report",
                name="lgscodecision",
                native_enum=False,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("decision_on", sa.Date(), nullable=True),
        sa.Column("public_report", sa.Boolean(), nullable=False),
        sa.Column("imported_payment_pence", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["stage_id"],
            ["stage.id"],
            name=op.f("fk_lgsco_detail_stage_id_stage"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("stage_id", name=op.f("pk_lgsco_detail")),
    )
    op.create_table(
        "point_outcome",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("point_id", sa.Integer(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum(
                "upheld",
                "partially upheld",
                "not upheld",
                "no finding",
                "discontinued",
                "withdrawn",
                "redirected",
                name="outcome",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["point_id"],
            ["complaint_point.id"],
            name=op.f("fk_point_outcome_point_id_complaint_point"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["stage_id"],
            ["stage.id"],
            name=op.f("fk_point_outcome_stage_id_stage"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_point_outcome")),
        sa.UniqueConstraint("point_id", "stage_id", name=op.f("uq_point_outcome_point_id")),
    )
    with op.batch_alter_table("point_outcome", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_point_outcome_stage_id"), ["stage_id"], unique=False)

    op.create_table(
        "stage_extension",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("working_days", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("agreed_with_complainant", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["stage_id"],
            ["stage.id"],
            name=op.f("fk_stage_extension_stage_id_stage"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stage_extension")),
    )
    with op.batch_alter_table("stage_extension", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stage_extension_stage_id"), ["stage_id"], unique=False)

    op.create_table(
        "stage_grading",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column(
            "from_grade",
            sa.Enum(
                "1",
                "2",
                "3",
                "low",
                "moderate-high",
                "informal",
                "lgsco",
                name="stagecode",
                native_enum=False,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_grade",
            sa.Enum(
                "1",
                "2",
                "3",
                "low",
                "moderate-high",
                "informal",
                "lgsco",
                name="stagecode",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("changed_by", sa.String(length=80), nullable=True),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["stage_id"],
            ["stage.id"],
            name=op.f("fk_stage_grading_stage_id_stage"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stage_grading")),
    )
    op.create_table(
        "stage_suspension",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column(
            "reason",
            sa.Enum(
                "awaiting information",
                "court proceedings",
                "advocate being appointed",
                "other",
                name="suspensionreason",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=80), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["stage_id"],
            ["stage.id"],
            name=op.f("fk_stage_suspension_stage_id_stage"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stage_suspension")),
    )
    with op.batch_alter_table("stage_suspension", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_stage_suspension_stage_id"), ["stage_id"], unique=False
        )

    op.create_table(
        "attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("correspondence_id", sa.Integer(), nullable=True),
        sa.Column("assignment_id", sa.Integer(), nullable=True),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("stored_name", sa.String(length=80), nullable=False),
        sa.Column("content_type", sa.String(length=120), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by", sa.String(length=80), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["assignment.id"],
            name=op.f("fk_attachment_assignment_id_assignment"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["representation.id"],
            name=op.f("fk_attachment_case_id_representation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["correspondence_id"],
            ["correspondence.id"],
            name=op.f("fk_attachment_correspondence_id_correspondence"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_attachment_stored_name")),
    )
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attachment_case_id"), ["case_id"], unique=False)

    op.create_table(
        "lgsco_remedy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("agreed_on", sa.Date(), nullable=False),
        sa.Column("deadline_on", sa.Date(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("evidence_sent_on", sa.Date(), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("escalation_level", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["app_user.id"], name=op.f("fk_lgsco_remedy_owner_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["stage_id"],
            ["lgsco_detail.stage_id"],
            name=op.f("fk_lgsco_remedy_stage_id_lgsco_detail"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lgsco_remedy")),
    )
    with op.batch_alter_table("lgsco_remedy", schema=None) as batch_op:
        batch_op.create_index(
            "ix_lgsco_remedy_open_deadline", ["completed_on", "deadline_on"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_lgsco_remedy_stage_id"), ["stage_id"], unique=False)

    op.create_table(
        "lgsco_payment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("remedy_id", sa.Integer(), nullable=True),
        sa.Column("amount_pence", sa.Integer(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("payee", sa.String(length=200), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["remedy_id"], ["lgsco_remedy.id"], name=op.f("fk_lgsco_payment_remedy_id_lgsco_remedy")
        ),
        sa.ForeignKeyConstraint(
            ["stage_id"],
            ["lgsco_detail.stage_id"],
            name=op.f("fk_lgsco_payment_stage_id_lgsco_detail"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lgsco_payment")),
    )
    with op.batch_alter_table("lgsco_payment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lgsco_payment_stage_id"), ["stage_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("lgsco_payment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lgsco_payment_stage_id"))

    op.drop_table("lgsco_payment")
    with op.batch_alter_table("lgsco_remedy", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lgsco_remedy_stage_id"))
        batch_op.drop_index("ix_lgsco_remedy_open_deadline")

    op.drop_table("lgsco_remedy")
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachment_case_id"))

    op.drop_table("attachment")
    with op.batch_alter_table("stage_suspension", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stage_suspension_stage_id"))

    op.drop_table("stage_suspension")
    op.drop_table("stage_grading")
    with op.batch_alter_table("stage_extension", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stage_extension_stage_id"))

    op.drop_table("stage_extension")
    with op.batch_alter_table("point_outcome", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_point_outcome_stage_id"))

    op.drop_table("point_outcome")
    op.drop_table("lgsco_detail")
    with op.batch_alter_table("due_date_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_due_date_change_stage_id"))

    op.drop_table("due_date_change")
    with op.batch_alter_table("correspondence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_correspondence_case_id"))

    op.drop_table("correspondence")
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assignment_stage_id"))
        batch_op.drop_index("ix_assignment_person_status")

    op.drop_table("assignment")
    with op.batch_alter_table("action_item", schema=None) as batch_op:
        batch_op.drop_index("ix_action_item_open_due")
        batch_op.drop_index(batch_op.f("ix_action_item_case_id"))

    op.drop_table("action_item")
    with op.batch_alter_table("stage", schema=None) as batch_op:
        batch_op.drop_index("ix_stage_status_due_on")
        batch_op.drop_index("ix_stage_code_closed_on")
        batch_op.drop_index("ix_stage_closed_on")

    op.drop_table("stage")
    with op.batch_alter_table("complaint_point", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaint_point_nature_id"))

    op.drop_table("complaint_point")
    op.drop_table("case_service_category")
    with op.batch_alter_table("case_party", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_party_person_id"))

    op.drop_table("case_party")
    with op.batch_alter_table("representation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_representation_team_id"))
        batch_op.drop_index("ix_representation_status_owner")
        batch_op.drop_index(batch_op.f("ix_representation_service_area_id"))
        batch_op.drop_index("ix_representation_received_on_id")
        batch_op.drop_index("ix_representation_procedure_received_on")
        batch_op.drop_index(batch_op.f("ix_representation_current_stage_id"))
        batch_op.drop_index(batch_op.f("ix_representation_complainant_name"))

    op.drop_table("representation")
    op.drop_table("app_user")
    op.drop_table("team")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_is_investigator"))
        batch_op.drop_index(batch_op.f("ix_person_full_name"))

    op.drop_table("person")
    op.drop_table("service_area")
    op.drop_table("kpi_definition")
    op.drop_table("stage_timescale")
    op.drop_table("setting")
    op.drop_table("service_category")
    op.drop_table("role")
    op.drop_table("report_bucket")
    op.drop_table("reference_counter")
    op.drop_table("outcome_code")
    op.drop_table("nature")
    op.drop_table("directorate")
    op.drop_table("closure_day")
    op.drop_table("baseline_figure")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_case_id")

    op.drop_table("audit_event")
