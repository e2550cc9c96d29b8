"""PostgreSQL: the trail takes only the program's own notes, a new row's id is never an
old one, and the retention and access logs say only what was done.

Tried with each role's own login:

- ``crm_audit_note`` took any action on any table, on any case number (one that did not
  exist yet included), with any text as what it said: an officer's note that was not
  JSON stopped a case's history from being shown, for good (the trail is never edited),
  and notes planted on numbers to come did the same to cases recorded later. A note is
  now one the program writes (a step on a case the writer may open; a manager's import,
  retention, export or equality note), what it says is a JSON object, and its case
  exists and is one its writer may open.
- Below a manager a row could be added with any id its sequence had given, a deleted
  row's included: a new case with a deleted case's number took that case's history
  back, values and all. Such a login's new row now has the id its default has just
  drawn.
- A manager's login could delete any access-log entry, leaving no trace: entries past
  their retention period now go only through ``crm_purge_access_log``.
- A manager's login could add a retention-log entry in anyone's name, at any date, for
  anything: the database now writes who and when, and the case must bear the entry out.

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

from crm_desktop.db import pg_security

revision: str = "0035"
down_revision: str | None = "0034"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pg_security.install_in_migration()


def downgrade() -> None:
    """The earlier revision's rules are installed again by its own upgrade."""
