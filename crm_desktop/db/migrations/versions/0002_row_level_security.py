"""Users' own database roles; on PostgreSQL, row-level security and an append-only audit.

On PostgreSQL every user can connect with a login role of their own (``crm-desktop db
grant-login``), a member of one of two group roles:

- ``crm_staff`` (officers, service responders, managers, administrators): every row;
- ``crm_investigator``: only the rows of the cases they are assigned to, and their
  own person record, whatever SQL they run.

Neither group may UPDATE or DELETE audit events. The tables' owner (the role that runs
the migrations) is not subject to the policies, so upgrades and backups see everything.
On SQLite only the ``db_role`` column is added: a file has no logins to separate.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STAFF = "crm_staff"
INVESTIGATOR = "crm_investigator"

REFERENCE_TABLES = (
    "directorate",
    "service_area",
    "team",
    "nature",
    "service_category",
    "outcome_code",
    "stage_timescale",
    "report_bucket",
    "kpi_definition",
    "closure_day",
    "baseline_figure",
    "setting",
    "role",
    "reference_counter",
    "alembic_version",
)
# Tables whose rows belong to a case through a case_id column.
BY_CASE = (
    "case_party",
    "case_service_category",
    "complaint_point",
    "stage",
    "action_item",
    "correspondence",
    "attachment",
)
# Tables whose rows belong to a case through their stage.
BY_STAGE = (
    "point_outcome",
    "stage_suspension",
    "stage_extension",
    "due_date_change",
    "stage_grading",
    "assignment",
    "lgsco_detail",
    "lgsco_remedy",
    "lgsco_payment",
)
OTHER = ("representation", "person", "app_user", "audit_event")


def upgrade() -> None:
    # A plain ADD COLUMN and a unique index: no table rebuild, on either database.
    op.add_column("app_user", sa.Column("db_role", sa.String(length=63), nullable=True))
    op.create_index(op.f("ix_app_user_db_role"), "app_user", ["db_role"], unique=True)
    if op.get_bind().dialect.name == "postgresql":
        secure()


def secure() -> None:
    """The groups, functions, grants and policies of this version (PostgreSQL)."""
    for group in (STAFF, INVESTIGATOR):
        op.execute(
            # (Two databases set up at once may both find it missing: the second's
            # CREATE then meets the first's role, which is as good.)
            f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{group}') "
            f"THEN CREATE ROLE {group} NOLOGIN; END IF; "
            "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        )
    # The cases the connected user is assigned to (definer's rights: it reads the tables
    # without the policies, so the policies that call it do not recurse).
    op.execute(
        """
        CREATE OR REPLACE FUNCTION crm_assigned_cases() RETURNS SETOF integer
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
            SELECT DISTINCT s.case_id
            FROM stage s
            JOIN assignment a ON a.stage_id = s.id
            JOIN app_user u ON u.person_id = a.person_id
            WHERE u.db_role = session_user AND u.active
              AND a.status IN ('offered', 'accepted', 'report received')
        $$
        """
    )
    op.execute(
        """
        CREATE OR REPLACE FUNCTION crm_own_person() RETURNS integer
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
            SELECT person_id FROM app_user WHERE db_role = session_user AND active
        $$
        """
    )
    op.execute(
        """
        CREATE OR REPLACE FUNCTION crm_case_of_stage(stage_id integer) RETURNS integer
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
            SELECT case_id FROM stage WHERE id = stage_id
        $$
        """
    )
    for function in ("crm_assigned_cases()", "crm_own_person()", "crm_case_of_stage(integer)"):
        op.execute(f"REVOKE ALL ON FUNCTION {function} FROM PUBLIC")
        op.execute(f"GRANT EXECUTE ON FUNCTION {function} TO {STAFF}, {INVESTIGATOR}")

    op.execute("GRANT USAGE ON SCHEMA public TO crm_staff, crm_investigator")
    op.execute("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO crm_staff")
    for table in REFERENCE_TABLES:
        op.execute(f'GRANT SELECT ON "{table}" TO {STAFF}, {INVESTIGATOR}')
        if table not in ("alembic_version",):
            op.execute(f'GRANT INSERT, UPDATE, DELETE ON "{table}" TO {STAFF}')
    for table in BY_CASE + BY_STAGE + OTHER:
        op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
        op.execute(
            f'CREATE POLICY crm_staff_all ON "{table}" TO {STAFF} USING (true) WITH CHECK (true)'
        )
        if table == "audit_event":
            op.execute(f'GRANT SELECT, INSERT ON "{table}" TO {STAFF}')
            op.execute(f'REVOKE UPDATE, DELETE, TRUNCATE ON "{table}" FROM {STAFF}, {INVESTIGATOR}')
        else:
            op.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON "{table}" TO {STAFF}')
        op.execute(f'GRANT SELECT ON "{table}" TO {INVESTIGATOR}')
        if table == "representation":
            condition = "id IN (SELECT crm_assigned_cases())"
        elif table == "person":
            condition = "id = crm_own_person()"
        elif table == "app_user":
            condition = "db_role = session_user"
        elif table in BY_STAGE:
            condition = "crm_case_of_stage(stage_id) IN (SELECT crm_assigned_cases())"
        else:
            condition = "case_id IN (SELECT crm_assigned_cases())"
        op.execute(
            f'CREATE POLICY crm_investigator_own ON "{table}" FOR SELECT TO {INVESTIGATOR} '
            f"USING ({condition})"
        )
    # An investigator records progress and the report on their own appointment only.
    op.execute(f"GRANT UPDATE ON assignment TO {INVESTIGATOR}")
    op.execute(
        f"CREATE POLICY crm_investigator_update ON assignment FOR UPDATE TO {INVESTIGATOR} "
        "USING (person_id = crm_own_person()) WITH CHECK (person_id = crm_own_person())"
    )
    op.execute(f"GRANT INSERT ON audit_event TO {INVESTIGATOR}")
    op.execute(
        f"CREATE POLICY crm_investigator_audit ON audit_event FOR INSERT TO {INVESTIGATOR} "
        "WITH CHECK (true)"
    )
    op.execute(f"GRANT USAGE, SELECT ON SEQUENCE audit_event_id_seq TO {INVESTIGATOR}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in BY_CASE + BY_STAGE + OTHER:
            for policy in (
                "crm_staff_all",
                "crm_investigator_own",
                "crm_investigator_update",
                "crm_investigator_audit",
            ):
                op.execute(f'DROP POLICY IF EXISTS {policy} ON "{table}"')
            op.execute(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY')
            op.execute(f'REVOKE ALL ON "{table}" FROM {STAFF}, {INVESTIGATOR}')
        for table in REFERENCE_TABLES:
            op.execute(f'REVOKE ALL ON "{table}" FROM {STAFF}, {INVESTIGATOR}')
        op.execute("REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM crm_staff, crm_investigator")
        op.execute("REVOKE ALL ON SCHEMA public FROM crm_staff, crm_investigator")
        for function in ("crm_assigned_cases()", "crm_own_person()", "crm_case_of_stage(integer)"):
            op.execute(f"DROP FUNCTION IF EXISTS {function}")
        # The group roles are cluster-wide and may serve other databases: they stay.
    op.drop_index(op.f("ix_app_user_db_role"), table_name="app_user")
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_column("db_role")
