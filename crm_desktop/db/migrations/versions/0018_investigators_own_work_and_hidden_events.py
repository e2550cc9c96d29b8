"""PostgreSQL: an investigator's own appointment changes only as the program changes it,
and the trail's events about a table are read only by those who may read the table.

- An investigator's login records hours only on an appointment being worked on, from 0
  to 10,000 (a fee of £19.5 million for 390,000 hours, or a negative one, was accepted
  as long as it was hours times their rate, and hours could be wiped); answers an offer
  once, on a day from the offer to today, with a reason when declining; records the
  report's day once, when the report is received, from the day the appointment was
  accepted to today (a day more is allowed for a clock in another time zone); adds
  progress notes under their own name, no line of them starting as another person's
  note would, without changing the earlier ones (a note "fee uplift of 50% approved"
  under a manager's name was accepted); and records each change in their own name.
- The audit trail's events about a table an officer may not read (subject access
  requests, equality answers, the access log, retention events and the program's notes
  of them, redactions) are not
  shown to officers, and a service responder sees their area's cases' events only for
  the tables they may read: an officer's login read who asked for a subject access
  export, and its reference, from the trail.

SQLite is unchanged.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from crm_desktop.db import pg_security

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pg_security.install_in_migration()


def downgrade() -> None:
    """The rules are installed again by the earlier revision's code on its own upgrade;
    nothing to undo in the schema."""
