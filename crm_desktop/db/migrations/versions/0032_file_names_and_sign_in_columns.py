"""PostgreSQL: a document's record names its file as the program does; a login writes
an account's password and sign-in columns only as the program would.

- An attachment's stored name is 32 lower-case hex digits, in that one spelling: a
  login that could add a record naming ``./<another record's name>`` (the unique name
  compares the text) had that other case's document opened under its own case, and
  deleted from the store when its own case was deleted or anonymised.
- A login's own account could be given a password "hash" the program never makes (an
  empty one, a plain password), a negative count of wrong passwords (so the lockout
  never came) or a sign-in in the future (so an unused account did not look unused). A
  count already out of range starts again from none; a sign-in later than the server's
  clock is written as the server's time.

SQLite is unchanged: the program opens and deletes only files named the program's way.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from crm_desktop.db import pg_security
from crm_desktop.domain.access import MAX_FAILURES

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pg_security.install_in_migration()
    if op.get_bind().dialect.name == "postgresql":
        # A count set out of range before this upgrade would stop the program counting
        # that account's next wrong password (and any manager's change to the account):
        # it starts again from none.
        op.execute(
            "UPDATE app_user SET failed_sign_ins = 0 "
            f"WHERE failed_sign_ins NOT BETWEEN 0 AND {MAX_FAILURES}"
        )


def downgrade() -> None:
    """The earlier revision's rules are installed again by its own upgrade."""
