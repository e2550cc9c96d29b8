"""PostgreSQL: what an ordinary user's own login could still do, closed.

- No group holds UPDATE on a whole table, only on a list of its columns (every one,
  where it may change every one): UPDATE on the table let an officer's or a service
  responder's login ``LOCK`` it in ACCESS EXCLUSIVE mode and hold it, so nobody could
  read cases or letters until that login's transaction ended.
- Passing an extension's limit (``stage_extension.beyond_limit``) is a manager's
  decision, as legal hold and anonymisation are: below a manager, a login can neither
  change these columns nor add a row (a case, a person, an extension) with them set.
- The program's notes in the trail (``crm_audit_note``) name their action and entity
  in plain lower-case words, as the program writes them: "delete" with a tab or a
  no-break space after it, or "create" with a Cyrillic "а", passed for the
  database's own events.
- The reminders' planning lock is ``crm_reminders_lock`` (managers only), a lock on a
  table only the owner may lock: the advisory lock's key it used could be taken and
  held by any login, even an investigator's, and then no reminder, escalation or
  email was sent again.
- Below a manager, a reference number is taken only with a case recorded under it
  (checked when the transaction commits; a number an imported case holds already
  counts), and no counter is started for a later year: an officer's login could take
  numbers one at a time with no case, leaving gaps in the year's references.
- A row's links to other rows of a case stay within its own case (``crm_same_case``):
  a service responder's or an investigator's letter, document or email on their own
  case could name another case's stage, letter or appointment, which stopped that
  case being deleted and told which hidden ids exist.
- Only managers, administrators and the owner may seal the trail (``crm_audit_seal``):
  its lock lasts until the caller's transaction ends, and any login could seal and
  leave its transaction open, keeping every other seal, ``audit verify`` and upgrades
  waiting. ``audit verify`` names a session that holds it.
- Nobody but the owner moves a row to another case or stage, or renames a case's
  reference; accepting a late request for the next stage and an eligibility override
  are managers' columns, and an extension a manager let pass its limit is changed only
  by a manager.

SQLite is unchanged.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from crm_desktop.db import pg_security

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pg_security.install_in_migration()


def downgrade() -> None:
    """The earlier functions and grants come back with the earlier version's install."""
