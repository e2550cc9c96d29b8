"""PostgreSQL: no index on a person's or a complainant's name, so a restricted login
cannot learn a name it may not see.

A service responder's or an investigator's own login could tell whether a case it may
not see has a complainant of a name it guessed, and recover the name letter by letter:
``EXPLAIN ANALYZE SELECT 1 FROM person WHERE full_name > 'C' AND full_name < 'D'``
found the hidden row through ``ix_person_full_name`` before row-level security filtered
it out, and the plan counted it ("Rows Removed by Filter: 1"). Without the index the
row's policy is applied first, to every row, and the plan counts the same whatever
name was asked for. The case list sorts by name without it (about 20 ms for 100,000
cases); nothing else used these indexes.

SQLite keeps both indexes: whoever has the file reads every row anyway.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME_INDEXES = (
    ("ix_person_full_name", "person", "full_name"),
    ("ix_representation_complainant_name", "representation", "complainant_name"),
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for index, table, _column in NAME_INDEXES:
            op.drop_index(index, table_name=table, if_exists=True)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for index, table, column in NAME_INDEXES:
            op.create_index(index, table, [column], unique=False)
