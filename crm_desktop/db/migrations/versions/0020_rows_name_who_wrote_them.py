"""PostgreSQL: a row names who wrote it and when as the database knows it, and takes
its id from the table's sequence.

Who added a letter, a document, a suspension or an extension, who changed a due date or
a grading (``created_by``, ``uploaded_by``, ``changed_by`` ...), when (``created_at``
...), who approved an appointment against the eligibility rules (``overridden_by``) and
who changed a row last (``updated_by``) were what the login's own SQL sent: a service
responder's login could add a letter in a manager's name, dated last year. On a login's
own writes the database now writes them itself (trigger ``crm_author``): the signed-in
user's name and the server's clock; who added a row and when are kept when it changes.
The owner's program writes what it was given, as before.

A login that may add rows to a table could also give a new row's id itself, ahead of
the sequence: ``INSERT INTO correspondence (id, ...) VALUES (nextval + 1, ...)`` made
the next letter anyone saved fail with a duplicate key. An id the sequence has not yet
given is now refused (trigger ``crm_id_drawn``); the default, and an id drawn with
``nextval`` first (as the historical import draws its ids), are accepted.

The check that a row links only to rows of its own case (``crm_same_case``) looks the
linked row up with the login's own rights: with the owner's, a refusal told a login
which case a row it may not see belongs to (a colleague's appointment on one's own case
was refused by the row's policy, one on another case by the check).

Below a manager, a login can no longer reopen a closed case or stage (the Reopen
action is a manager's), nor let the previous stage's responder answer a stage its
procedure policy says someone else must consider (trigger ``crm_manager_decisions``):
an officer's login did both with one UPDATE.

SQLite is unchanged.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from crm_desktop.db import pg_security

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pg_security.install_in_migration()


def downgrade() -> None:
    """The triggers stay until the earlier revision's rules are installed again; they
    only write what the program writes itself and refuse what it never does."""
