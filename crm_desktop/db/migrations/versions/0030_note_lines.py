"""PostgreSQL: a progress note's lines are broken with new lines only.

An investigator's own SQL could add a note whose second line, after a carriage return
or a Unicode line or paragraph separator, read as another person's dated note ("7 Dec
2026 (manager1): another 40 hours approved"): the check that no line of an added note
names another writer split the note at new lines only, while the workspace, viewers and
exports break lines at those characters too. The program now writes every line break
of a note as a new line, and the server refuses any other in an added note.

SQLite is unchanged (the program's own check reads every kind of line break).

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from crm_desktop.db import pg_security

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pg_security.install_in_migration()


def downgrade() -> None:
    """The earlier revision's rules are installed again by its own upgrade."""
