"""How a SQLite file says it is a CRM Desktop database: ``PRAGMA application_id``.

SQLite keeps a 32-bit application id in the file's header for exactly this
(sqlite.org/pragma.html#pragma_application_id: "Applications that use SQLite as their
application file-format should set the Application ID integer to a unique integer so
that utilities such as file(1) can determine the specific file type"). Opening a database with
this version sets it (on a new file, after an upgrade, and once on an existing file);
a file this version has never opened has 0, and is recognised by its schema's history
and tables instead.
"""

from __future__ import annotations

import sqlite3

__all__ = ["APPLICATION_ID", "LAST_REVISION_WITHOUT_ID", "SQLITE_HEADER", "is_ours"]

# "CRMD" in ASCII.
APPLICATION_ID = 0x43524D44
SQLITE_HEADER = b"SQLite format 3\x00"
# Databases at this revision or before may have no application id yet.
LAST_REVISION_WITHOUT_ID = "0006"
# Tables every CRM Desktop database has had since the first version.
CORE_TABLES = frozenset(
    {"alembic_version", "representation", "stage", "audit_event", "app_user", "setting"}
)


def application_id(connection: sqlite3.Connection) -> int:
    return int(connection.execute("PRAGMA application_id").fetchone()[0])


def is_ours(connection: sqlite3.Connection, known_revisions: set[str], order: list[str]) -> bool:
    """Whether the open SQLite database is a CRM Desktop one: its application id says
    so, or (a file from before the id was set) it has no id, this program's tables and
    a schema version from before the id."""
    found = application_id(connection)
    if found == APPLICATION_ID:
        return True
    if found != 0:
        return False
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    if not tables >= CORE_TABLES:
        return False
    row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    revision = row[0] if row else None
    if revision is None or revision not in known_revisions:
        return revision is not None  # a newer version's file: said so by the caller
    return order.index(revision) <= order.index(LAST_REVISION_WITHOUT_ID)
