"""PostgreSQL: below a manager, a council stage that has responded stays as it was
decided.

Migration 0020 kept a closed stage's response date and outcome from an officer's own
SQL; the other dates its timeliness is counted from were still open to it: moving a
closed stage's due date (or its start, its timescale or its suspended days) made a late
response count as in time in the annual report, without reopening the stage. Now every
column of a closed council stage stays as it was below a manager except what the program
records after a response (when the complainant received it, when they asked for the
next stage) and who changed the row when; the points' outcomes at such a stage are not
added, changed or removed (trigger ``crm_decided_outcome``); and no stage is added to a
closed case. Reopening stays the way to correct them, and is a manager's.

SQLite is unchanged.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from crm_desktop.db import pg_security

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pg_security.install_in_migration()


def downgrade() -> None:
    """The checks stay until the earlier revision's rules are installed again; they only
    refuse what the program never does below a manager."""
