"""PostgreSQL: what a closed stage's timeliness and the report count from holds below a
manager, and a few more rows stay within their case.

- A case's kind, procedure and day received, and a complaint point's nature, are given
  once (the program never changes them): a login's own SQL could move a closed case to
  another year or procedure, or a point to another nature, and change the figures.
- A closed council stage's suspensions and extensions are not added or changed below a
  manager until it is reopened, and none is deleted but with its case (an officer could
  delete an extension a manager let pass its limit, the Code report's good reason).
- The check that the Code's Stage 2 is answered by someone other than Stage 1's
  responder looks at every other council stage of the case, not only the one the stage
  names as before it.
- A case's current stage is one of its own stages.
- A service responder's emails go under their letter's key only (a key of its own
  choosing could stop a reminder of a case it may not see).
- Nobody's own SQL disables their own account or leaves no active manager (the
  program refused both; a manager's login could still do them).
- Below a manager a stage changes what it is only by an adult regrading while open,
  keeps its number, and a new one is numbered after the case's others; a stage that has
  responded (closed, or given a response date) keeps its response; the rows these
  checks read are locked (a stricter isolation level cannot get round them).
- An appointment keeps its person and role (a manager's approval against the
  eligibility rules stays with the one approved); a letter's text, subject and
  recipient stay as written below a manager (the day it was sent stays anyone's).

SQLite is unchanged.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from crm_desktop.db import pg_security

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pg_security.install_in_migration()


def downgrade() -> None:
    """The earlier revision's rules are installed again by its own upgrade."""
