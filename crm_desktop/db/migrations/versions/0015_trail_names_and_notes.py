"""PostgreSQL: the trail's names and notes hold whatever a login does.

- A username can no longer be changed by anyone but the owner: it is the name the trail
  writes events under, so a manager could rename themselves to a colleague's name,
  change a case, and rename back.
- The audit trigger prints decimal numbers in full whatever the session's
  ``extra_float_digits`` says: with it lowered, a change of hours could be left out of
  the trail or recorded as a different number.
- The program's notes in the trail (``crm_audit_note``) can no longer claim that a row
  was created, changed or deleted, or that a case was deleted: those events are the
  database's own. ``crm_delete_case`` writes its event through ``crm_audit_write``,
  which no login may call.
- The access log takes a row only in the opener's own username and role.
- Below a manager, a login takes only the next reference number (no gaps), and naming
  another user as the last to change a row, with nothing else changed, is recorded.
- The audit seal's lock is the schema version's row, which only the owner may lock:
  the advisory lock it used could be taken and held by any login, and then no event was
  sealed again (and ``audit verify`` waited for ever). Waiting now gives up after 20 s.
- A disabled login keeps no group, and a login moved to another role's group has its
  open sessions ended (one that had taken the old group's rights with SET ROLE kept
  them).

SQLite is unchanged.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

from crm_desktop.db import pg_security

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pg_security.install_in_migration()


def downgrade() -> None:
    """The earlier functions and grants come back with the earlier version's install."""
