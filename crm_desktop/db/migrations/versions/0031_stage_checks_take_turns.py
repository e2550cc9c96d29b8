"""PostgreSQL: two sessions adding stages to one case take turns, at READ COMMITTED.

- Two sessions of one officer's login, each adding a stage to the same case, could both
  commit a stage numbered as if the other's did not exist: a stage added later came out
  numbered before one added first (the case was read with a shared lock, which two
  adding sessions both hold at once). The case is now locked for the check.
- At REPEATABLE READ a session's checks read the stages as they were when its
  transaction began: a Stage 2 added meanwhile by another session was missed, and the
  Complaint Handling Code's Stage 1 and Stage 2 were given one responder with no
  manager's decision. A stage is added, or given its responder, at READ COMMITTED only
  below a manager (the program never uses another level).
- The day's grace the appointment and counter checks allow follows England's day, not
  the time zone a login sets for its own sessions (one set fourteen hours ahead gave
  two days).

SQLite is unchanged.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from crm_desktop.db import pg_security

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pg_security.install_in_migration()


def downgrade() -> None:
    """The earlier revision's rules are installed again by its own upgrade."""
