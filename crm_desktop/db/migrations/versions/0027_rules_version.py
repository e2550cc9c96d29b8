"""A number drawn afresh whenever the reference data or the clock's rules change.

Every save that moves a clock read the procedure's policy, the stage's timescales and
the council's closure days, and every new case the reference data's names, from the
database: the same few rows, changed a few times a year. ``rules_version`` holds one
row whose number the database draws afresh at random, in the same transaction, on any
change to those tables (triggers: one per table and change on SQLite, one per table on
PostgreSQL, written by ``crm_rules_changed`` with the owner's rights, so that no login
needs the right to write it and none can set it back). A program keeps what it read
under the number it read it at (:mod:`crm_desktop.db.rules_cache`). Drawn at random, not
counted: a database put back from a backup, whose count would run again over numbers
it had already given, gives none a program could have kept different rules under.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from crm_desktop.db import pg_security

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The tables as they are at this revision (a later one that tracks another adds its
# triggers itself).
TRACKED = (
    "closure_day",
    "directorate",
    "nature",
    "procedure_policy",
    "service_area",
    "service_category",
    "stage_timescale",
    "team",
)
CHANGES = ("insert", "update", "delete")


def upgrade() -> None:
    op.create_table(
        "rules_version",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rules_version")),
    )
    op.execute("INSERT INTO rules_version (id, version) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        pg_security.install_in_migration()
        return
    for table in TRACKED:
        for change in CHANGES:
            op.execute(
                f"CREATE TRIGGER rules_changed_{table}_{change} AFTER {change.upper()} "
                f"ON {table} BEGIN UPDATE rules_version SET version = random() "
                "WHERE id = 1; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        for table in TRACKED:
            for change in CHANGES:
                op.execute(f"DROP TRIGGER IF EXISTS rules_changed_{table}_{change}")
    else:
        for table in TRACKED:
            op.execute(f"DROP TRIGGER IF EXISTS crm_rules_changed ON {table}")
    op.drop_table("rules_version")
