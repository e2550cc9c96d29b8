"""Whose fault is a database error: decided once, here, at the database boundary.

Like qutebrowser's ``misc/sql.py``, errors the user's environment causes (another user's
long write, a full disk, a read-only file, a lost server, damaged pages, a login without
the right) become typed :mod:`crm_desktop.errors` with a message that says what to do;
anything else is a bug and goes on up unchanged, to be logged with its traceback.

:func:`classify` looks at SQLite's result codes (Python 3.11 gives them as
``sqlite_errorcode``), PostgreSQL's SQLSTATE (psycopg's ``sqlstate``), SQLAlchemy's
"connection invalidated" flag and the operating system's ``errno``.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from crm_desktop.errors import (
    DamagedDatabase,
    DatabaseBusyError,
    DatabaseError,
    DiskFull,
    PermissionRefused,
    ReadOnlyError,
    ServerGone,
    UserFacingError,
)

__all__ = [
    "BUSY_MESSAGE",
    "classified",
    "classify",
    "is_race",
    "is_retryable",
    "read_only_problem",
    "unreadable_file",
]

# SQLite primary result codes (sqlite.org/rescode.html).
SQLITE_PERM = 3
SQLITE_BUSY = 5
SQLITE_LOCKED = 6
SQLITE_NOMEM = 7
SQLITE_READONLY = 8
SQLITE_IOERR = 10
SQLITE_CORRUPT = 11
SQLITE_FULL = 13
SQLITE_CANTOPEN = 14
SQLITE_PROTOCOL = 15
SQLITE_NOTADB = 26

# PostgreSQL SQLSTATEs (postgresql.org/docs/current/errcodes-appendix.html).
PG_RETRYABLE = frozenset({"40001", "40P01", "55P03"})  # serialization, deadlock, lock
# Two writers added the same key at once (both looked, neither found it): PostgreSQL lets
# writers run side by side, so the one that lost tries again and finds the other's row.
PG_RACE = frozenset({"23505"})  # unique violation
PG_DISK_FULL = frozenset({"53100"})
PG_READ_ONLY = frozenset({"25006"})
PG_NO_PRIVILEGE = frozenset({"42501"})
PG_SERVER_GONE = frozenset({"57P01", "57P02", "57P03", "53300"})
PG_DAMAGED = frozenset({"XX001", "XX002"})

BUSY_MESSAGE = (
    "The database is busy with another user's change. Nothing was saved; try again in a moment."
)


def _sqlite_code(error: BaseException) -> int | None:
    code = getattr(error, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF
    text = str(error).lower()
    for needle, primary in (
        ("database is locked", SQLITE_BUSY),
        ("database table is locked", SQLITE_LOCKED),
        ("readonly", SQLITE_READONLY),
        ("read-only", SQLITE_READONLY),
        ("disk i/o error", SQLITE_IOERR),
        ("malformed", SQLITE_CORRUPT),
        ("database or disk is full", SQLITE_FULL),
        ("unable to open database", SQLITE_CANTOPEN),
        ("file is not a database", SQLITE_NOTADB),
    ):
        if needle in text:
            return primary
    return None


def is_retryable(exc: BaseException) -> bool:
    """Another writer was in the way: worth a clean retry from the start."""
    orig = exc.orig if isinstance(exc, sa.exc.DBAPIError) else exc
    if isinstance(orig, sqlite3.Error):
        return _sqlite_code(orig) in (SQLITE_BUSY, SQLITE_LOCKED)
    return getattr(orig, "sqlstate", None) in PG_RETRYABLE | PG_RACE


def is_race(exc: BaseException) -> bool:
    """A key two writers added at once (PostgreSQL): retried, but if it persists it is
    no race, and is reported as what it is rather than as a busy database."""
    orig = exc.orig if isinstance(exc, sa.exc.DBAPIError) else exc
    return getattr(orig, "sqlstate", None) in PG_RACE


def classify(exc: BaseException, where: str) -> UserFacingError | None:
    """The user-facing error ``exc`` stands for, or None when it is a bug.

    ``where`` names the database in messages (a file path or a URL without password).
    """
    if isinstance(exc, UserFacingError):
        return exc
    if isinstance(exc, OSError) and not isinstance(exc, sa.exc.SQLAlchemyError):
        return _classify_os_error(exc, where)
    orig: BaseException | None = exc.orig if isinstance(exc, sa.exc.DBAPIError) else exc
    if orig is None:
        return None
    if isinstance(orig, sqlite3.Error):
        return _classify_sqlite(orig, where)
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate is not None or _is_psycopg(orig):
        found = _classify_postgres(orig, sqlstate, where)
        if found is not None:
            return found
    if isinstance(exc, sa.exc.DBAPIError) and exc.connection_invalidated:
        return _server_gone(where)
    return None


def _is_psycopg(error: BaseException) -> bool:
    return type(error).__module__.startswith("psycopg")


def _classify_os_error(exc: OSError, where: str) -> UserFacingError | None:
    if exc.errno == errno.ENOSPC:
        return _disk_full(where)
    if exc.errno == errno.EROFS:
        return _read_only(where)
    return None


def _classify_sqlite(error: sqlite3.Error, where: str) -> UserFacingError | None:
    code = _sqlite_code(error)
    if code in (SQLITE_BUSY, SQLITE_LOCKED, SQLITE_PROTOCOL):
        return DatabaseBusyError(BUSY_MESSAGE)
    if code == SQLITE_FULL:
        return _disk_full(where)
    if code in (SQLITE_READONLY, SQLITE_PERM):
        return _read_only(where)
    if code in (SQLITE_CORRUPT, SQLITE_NOTADB):
        return _damaged(where)
    if code == SQLITE_IOERR:
        return DatabaseError(
            f"The disk holding {where} could not be read or written. Nothing was saved: "
            "check the drive is connected and has room, then try again."
        )
    if code == SQLITE_CANTOPEN:
        return DatabaseError(
            f"Cannot open {where}. Check the folder exists and you can write to it."
        )
    if code == SQLITE_NOMEM:
        return DatabaseError(
            "The computer ran out of memory. Nothing was saved: close other programs and try again."
        )
    return None


def _classify_postgres(
    error: BaseException, sqlstate: str | None, where: str
) -> UserFacingError | None:
    if sqlstate in PG_RETRYABLE:
        return DatabaseBusyError(BUSY_MESSAGE)
    if sqlstate in PG_DISK_FULL:
        return _disk_full(f"the database server for {where}")
    if sqlstate in PG_READ_ONLY:
        return ReadOnlyError(
            f"The database server for {where} accepts no changes just now (it is read-only). "
            "Nothing was saved; ask IT when it will accept changes again."
        )
    if sqlstate in PG_NO_PRIVILEGE:
        return PermissionRefused(
            "Your database login is not allowed to do this. Nothing was changed; ask your "
            "administrator if you need it."
        )
    if sqlstate in PG_DAMAGED:
        return _damaged(where)
    if sqlstate in PG_SERVER_GONE or (sqlstate is not None and sqlstate.startswith("08")):
        return _server_gone(where)
    if sqlstate is None and type(error).__name__ in ("OperationalError", "InterfaceError"):
        # psycopg raises these without a SQLSTATE when the connection itself breaks.
        return _server_gone(where)
    return None


def _disk_full(where: str) -> DiskFull:
    return DiskFull(
        f"The disk holding {where} is full. Nothing was saved: free some space (or ask "
        "IT to), then try again."
    )


def read_only_problem(path: Path) -> ReadOnlyError | None:
    """A :class:`ReadOnlyError` naming what is read-only (the drive, the folder or the
    file) and who can change it, or None when the file and its folder can be written.

    SQLite writes beside a database even to read it (its ``-wal``/``-shm`` or journal),
    so a read-only folder stops the file opening at all: that must be told as what it
    is, never as damage (a restore over a good file would be the wrong cure).
    """
    folder = path.parent
    try:
        flags = os.statvfs(folder).f_flag if hasattr(os, "statvfs") else 0
    except OSError:
        flags = 0
    if flags & getattr(os, "ST_RDONLY", 1):
        what = f"the drive holding {folder} is read-only"
    elif not os.access(folder, os.W_OK | os.X_OK):
        what = f"you cannot create files in its folder {folder}"
    elif path.exists() and not os.access(path, os.W_OK):
        what = "the file itself is read-only"
    else:
        return None
    return ReadOnlyError(
        f"{path} cannot be used: {what}, and CRM Desktop must write to the file and beside "
        "it. Nothing was changed. Ask IT (whoever manages that drive or folder) for write "
        "access to the file and its folder, or copy the file to a folder you can write."
    )


def unreadable_file(path: Path, exc: BaseException) -> UserFacingError:
    """What to say when SQLite cannot open or read ``path`` at all: read-only (said as
    such), damaged, or not reachable."""
    read_only = read_only_problem(path)
    if read_only is not None:
        return read_only
    found = classify(exc, str(path))
    if isinstance(found, DamagedDatabase):
        return found
    if isinstance(found, DatabaseBusyError):
        return found
    return DatabaseError(
        f"Cannot open {path} ({exc}). Check the drive is connected and you have access "
        "to the file and its folder."
    )


def _read_only(where: str) -> ReadOnlyError:
    return ReadOnlyError(
        f"{where} is read-only, so nothing can be saved. Ask IT for write access to the "
        "file and its folder, or open a copy you can write."
    )


def _damaged(where: str) -> DamagedDatabase:
    return DamagedDatabase(
        f"The database at {where} is damaged. Nothing was changed. Ask IT to run "
        "'crm-desktop db check' on it and restore the latest backup if it confirms damage."
    )


def _server_gone(where: str) -> ServerGone:
    return ServerGone(
        f"The connection to the database server for {where} was lost. Nothing was saved: "
        "check the network connection, then try again."
    )


@contextmanager
def classified(where: str) -> Iterator[None]:
    """Re-raise a database or file error the environment caused as its typed error."""
    try:
        yield
    except UserFacingError:
        raise
    except (sa.exc.DBAPIError, sqlite3.Error, OSError) as exc:
        found = classify(exc, where)
        if found is None:
            raise
        raise found from exc
