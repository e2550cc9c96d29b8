"""Data protection and equality monitoring: retention schedule and log, access log,
equality answers and categories, subject access requests and their redaction log.

Default reference data: every case kind is kept 6 years after the case closed, then
anonymised; access log entries are kept 6 years, then deleted. The equality categories
are the 2021 Census high-level groups, each question with "Prefer not to say"; the
population shares are left empty for the council to enter its own figures.

On PostgreSQL the new tables are opened to the two group roles as 0002 opened the
others:

- ``crm_staff``: reads every row; the logs (retention events, subject access requests,
  redactions) are append-only (no UPDATE or DELETE); access log entries may be deleted
  (the retention purge) but never changed; equality answers and the reference tables
  are read and written (the services let managers only).
- ``crm_investigator``: reads the retention schedule; records that they opened one of
  their own cases in the access log (INSERT only, checked against their assignments)
  and reads nothing of it; no grant at all on equality answers, their categories,
  retention events, subject access requests or redactions.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STAFF = "crm_staff"
INVESTIGATOR = "crm_investigator"

PREFER_NOT_TO_SAY = "Prefer not to say"
CATEGORIES: dict[str, tuple[str, ...]] = {
    "age_band": (
        "Under 18",
        "18 to 24",
        "25 to 34",
        "35 to 44",
        "45 to 54",
        "55 to 64",
        "65 to 74",
        "75 and over",
    ),
    "sex": ("Female", "Male"),
    "gender_identity": (
        "Same as sex registered at birth",
        "Different from sex registered at birth",
    ),
    "ethnicity": (
        "Asian or Asian British",
        "Black, Black British, Caribbean or African",
        "Mixed or multiple ethnic groups",
        "White",
        "Other ethnic group",
    ),
    "disability": ("Disabled", "Not disabled"),
    "religion": (
        "No religion",
        "Christian",
        "Buddhist",
        "Hindu",
        "Jewish",
        "Muslim",
        "Sikh",
        "Any other religion",
    ),
    "sexual_orientation": (
        "Straight or heterosexual",
        "Gay or lesbian",
        "Bisexual",
        "All other sexual orientations",
    ),
}
RULES = (
    ("complaint", 6, "anonymise", "Complaints: 6 years after the case closed, then anonymised"),
    ("compliment", 6, "anonymise", "Compliments: 6 years after the case closed, then anonymised"),
    ("comment", 6, "anonymise", "Comments: 6 years after the case closed, then anonymised"),
    ("access log", 6, "delete", "Access log entries: 6 years after the case was opened"),
)

# Append-only logs: staff read and add; nobody but the owner changes or deletes.
APPEND_ONLY = ("retention_event", "subject_access_request", "redaction_log")
SEQUENCES = (
    "retention_rule_id_seq",
    "retention_event_id_seq",
    "case_access_id_seq",
    "equality_category_id_seq",
    "subject_access_request_id_seq",
    "redaction_log_id_seq",
)
ROW_SECURED = (*APPEND_ONLY, "case_access", "equality_monitoring")


def _enum(*values: str, name: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=40)


def upgrade() -> None:
    op.create_table(
        "case_access",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_access")),
    )
    with op.batch_alter_table("case_access", schema=None) as batch_op:
        batch_op.create_index("ix_case_access_case_id", ["case_id", "id"], unique=False)
        batch_op.create_index("ix_case_access_opened_at", ["opened_at"], unique=False)

    equality_category = op.create_table(
        "equality_category",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "characteristic",
            _enum(*CATEGORIES, name="characteristic"),
            nullable=False,
        ),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("population_percent", sa.Float(), nullable=True),
        sa.Column("is_prefer_not_to_say", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_equality_category")),
        sa.UniqueConstraint(
            "characteristic", "label", name=op.f("uq_equality_category_characteristic")
        ),
    )
    op.create_table(
        "retention_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("case_reference", sa.String(length=40), nullable=True),
        sa.Column(
            "kind",
            _enum(
                "anonymised",
                "deleted",
                "legal hold placed",
                "legal hold released",
                "access log purged",
                name="retentioneventkind",
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("details", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_event")),
    )
    with op.batch_alter_table("retention_event", schema=None) as batch_op:
        batch_op.create_index("ix_retention_event_case_id", ["case_id", "id"], unique=False)

    retention_rule = op.create_table(
        "retention_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "record_type",
            _enum("complaint", "compliment", "comment", "access log", name="recordtype"),
            nullable=False,
        ),
        sa.Column(
            "procedure", _enum("children", "adult", "corporate", name="procedure"), nullable=True
        ),
        sa.Column("years", sa.Integer(), nullable=False),
        sa.Column("method", _enum("anonymise", "delete", name="retentionmethod"), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_rule")),
        sa.UniqueConstraint("record_type", "procedure", name=op.f("uq_retention_rule_record_type")),
    )
    op.create_table(
        "subject_access_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("request_reference", sa.String(length=80), nullable=True),
        sa.Column("produced_by", sa.String(length=80), nullable=False),
        sa.Column("produced_at", sa.DateTime(), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subject_access_request")),
    )
    with op.batch_alter_table("subject_access_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_subject_access_request_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "redaction_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=80), nullable=False),
        sa.Column("entity_id", sa.String(length=80), nullable=True),
        sa.Column("field", sa.String(length=80), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("third_party_person_id", sa.Integer(), nullable=True),
        sa.Column("occurrences", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("redacted_by", sa.String(length=80), nullable=False),
        sa.Column("redacted_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["subject_access_request.id"],
            name=op.f("fk_redaction_log_request_id_subject_access_request"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_redaction_log")),
    )
    with op.batch_alter_table("redaction_log", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_redaction_log_request_id"), ["request_id"], unique=False
        )

    op.create_table(
        "equality_monitoring",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("age_band", sa.String(length=120), nullable=True),
        sa.Column("sex", sa.String(length=120), nullable=True),
        sa.Column("gender_identity", sa.String(length=120), nullable=True),
        sa.Column("ethnicity", sa.String(length=120), nullable=True),
        sa.Column("disability", sa.String(length=120), nullable=True),
        sa.Column("religion", sa.String(length=120), nullable=True),
        sa.Column("sexual_orientation", sa.String(length=120), nullable=True),
        sa.Column("recorded_on", sa.Date(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_equality_monitoring_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_equality_monitoring")),
    )

    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    op.bulk_insert(
        retention_rule,
        [
            {
                "record_type": record_type,
                "procedure": None,
                "years": years,
                "method": method,
                "description": description,
                "version": 1,
                "updated_at": now,
                "updated_by": "system",
            }
            for record_type, years, method, description in RULES
        ],
    )
    rows = []
    for characteristic, labels in CATEGORIES.items():
        for order, label in enumerate((*labels, PREFER_NOT_TO_SAY), start=1):
            rows.append(
                {
                    "characteristic": characteristic,
                    "label": label,
                    "population_percent": None,
                    "is_prefer_not_to_say": label == PREFER_NOT_TO_SAY,
                    "active": True,
                    "sort_order": order,
                    "version": 1,
                    "updated_at": now,
                    "updated_by": "system",
                }
            )
    op.bulk_insert(equality_category, rows)

    if op.get_bind().dialect.name == "postgresql":
        secure()


def secure() -> None:
    """The grants and policies of this version's tables (PostgreSQL)."""
    op.execute(f"GRANT SELECT ON retention_rule TO {STAFF}, {INVESTIGATOR}")
    op.execute(f"GRANT INSERT, UPDATE, DELETE ON retention_rule TO {STAFF}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON equality_category TO {STAFF}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON equality_monitoring TO {STAFF}")
    for table in APPEND_ONLY:
        op.execute(f'GRANT SELECT, INSERT ON "{table}" TO {STAFF}')
    op.execute(f"GRANT SELECT, INSERT, DELETE ON case_access TO {STAFF}")
    op.execute(f"GRANT INSERT ON case_access TO {INVESTIGATOR}")
    for sequence in SEQUENCES:
        op.execute(f"GRANT USAGE, SELECT ON SEQUENCE {sequence} TO {STAFF}")
    op.execute(f"GRANT USAGE ON SEQUENCE case_access_id_seq TO {INVESTIGATOR}")
    for table in ROW_SECURED:
        op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
        op.execute(
            f'CREATE POLICY crm_staff_all ON "{table}" TO {STAFF} USING (true) WITH CHECK (true)'
        )
    # An investigator may log opening one of their own cases, as themselves, and no more.
    op.execute(
        f"CREATE POLICY crm_investigator_opened ON case_access FOR INSERT TO {INVESTIGATOR} "
        "WITH CHECK (case_id IN (SELECT crm_assigned_cases()) AND user_id IN "
        "(SELECT id FROM app_user WHERE db_role = session_user))"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in ROW_SECURED:
            for policy in ("crm_staff_all", "crm_investigator_opened"):
                op.execute(f'DROP POLICY IF EXISTS {policy} ON "{table}"')
        for table in (*ROW_SECURED, "retention_rule", "equality_category"):
            op.execute(f'REVOKE ALL ON "{table}" FROM {STAFF}, {INVESTIGATOR}')
    op.drop_table("equality_monitoring")
    with op.batch_alter_table("redaction_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_redaction_log_request_id"))
    op.drop_table("redaction_log")
    with op.batch_alter_table("subject_access_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subject_access_request_person_id"))
    op.drop_table("subject_access_request")
    op.drop_table("retention_rule")
    with op.batch_alter_table("retention_event", schema=None) as batch_op:
        batch_op.drop_index("ix_retention_event_case_id")
    op.drop_table("retention_event")
    op.drop_table("equality_category")
    with op.batch_alter_table("case_access", schema=None) as batch_op:
        batch_op.drop_index("ix_case_access_opened_at")
        batch_op.drop_index("ix_case_access_case_id")
    op.drop_table("case_access")
