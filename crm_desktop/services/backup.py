"""Backups while others keep working, and restores.

SQLite: the online backup API copies a consistent snapshot page by page while other
users go on writing (sqlite.org: "Using the SQLite Online Backup API"); the copy is
checked (``PRAGMA integrity_check``) before it is kept. PostgreSQL: use ``pg_dump``
(see README); this module refuses rather than pretend.

A restore replaces the database file with a checked backup, keeping the file it
replaces beside it, and only when no one else has it open for writing. Both write
through :mod:`crm_desktop.files`: a temporary file beside the target, renamed into place
once complete and checked.

Both are recorded as witnesses of the audit trail (:mod:`crm_desktop.db.witness`): a
backup keeps the head of the trail it copied, so ``audit verify`` can later tell if
events it held went missing; a restore says which later events it put aside.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from crm_desktop.db import witness
from crm_desktop.db.audit import ChainHead
from crm_desktop.db.engine import describe_url
from crm_desktop.errors import DatabaseError, ValidationError
from crm_desktop.files import atomic_write
from crm_desktop.urls import parse_url, sqlite_file

PAGES_PER_STEP = 1024


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size_bytes: int
    pages: int
    audit_head: ChainHead | None = None


def _source_file(url: str) -> Path:
    path = sqlite_file(parse_url(url))
    if path is None:
        raise ValidationError(
            f"{describe_url(url)} is not a SQLite file. Back up PostgreSQL with pg_dump "
            "(see the README)."
        )
    if not path.exists():
        raise DatabaseError(f"There is no database at {path}.")
    return path


def _check(path: Path) -> None:
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        result = connection.execute("PRAGMA integrity_check").fetchall()
        tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(f"{path} is not a usable backup ({exc}).") from None
    finally:
        connection.close()
    if result != [("ok",)]:
        raise DatabaseError(f"{path} failed its integrity check: {result[0][0]}")
    if "alembic_version" not in tables:
        raise DatabaseError(f"{path} is not a CRM Desktop database.")


def backup(url: str, out: Path, progress: Callable[[int, int], None] | None = None) -> BackupResult:
    """Copy the live database to ``out`` (a new file), then check the copy.

    The copy is made in a temporary file beside ``out`` and renamed into place once
    checked, so ``out`` is never a half-made or unchecked backup. ``progress(done,
    total)`` is told the pages copied; it may raise to stop the backup.
    """
    source_path = _source_file(url)
    if out.exists():
        raise ValidationError(f"{out} already exists. Choose a new file name.", "out")
    if not out.parent.is_dir():
        raise ValidationError(f"The folder {out.parent} does not exist.", "out")
    source = sqlite3.connect(f"{source_path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    try:
        with atomic_write(out) as temporary:
            target = sqlite3.connect(temporary)
            try:

                def step(status: int, remaining: int, total: int) -> None:
                    if progress is not None:
                        progress(total - remaining, total)

                source.backup(target, pages=PAGES_PER_STEP, progress=step)
                pages = target.execute("PRAGMA page_count").fetchone()[0]
                # A backup is one self-contained file: no WAL beside it.
                target.execute("PRAGMA journal_mode = DELETE")
            finally:
                target.close()
            _check(temporary)
    finally:
        source.close()
    head = witness.file_head(out)
    if head is not None:
        witness.note_backup(source_path, head, out)
    return BackupResult(out, out.stat().st_size, int(pages), head)


def restore(backup_file: Path, url: str) -> Path | None:
    """Put ``backup_file`` in place of the database; returns where the old file was kept.

    The database file may be damaged (that is often why it is restored): it is then
    kept as it is, byte for byte. The backup is copied beside the database and renamed
    onto it in one step, so the database is never half a backup.
    """
    target = sqlite_file(parse_url(url))
    if target is None:
        raise ValidationError("Restore works on a SQLite file; restore PostgreSQL with pg_restore.")
    _check(backup_file)
    kept: Path | None = None
    if target.exists():
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        kept = target.with_name(f"{target.stem}.replaced-{stamp}{target.suffix}")
        # Make sure no one is writing: take the write lock for the moment of the copy.
        guard = sqlite3.connect(target, timeout=5, isolation_level=None)
        try:
            try:
                guard.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError:
                raise DatabaseError(
                    f"{target} is in use. Ask everyone to close CRM Desktop, then restore."
                ) from None
            except sqlite3.DatabaseError:
                damaged = True  # not a database any more: nobody can be using it
            else:
                damaged = False
            if damaged:
                shutil.copy2(target, kept)
            else:
                source = sqlite3.connect(target)
                try:
                    keep = sqlite3.connect(kept)
                    try:
                        source.backup(keep)
                    finally:
                        keep.close()
                finally:
                    source.close()
                guard.execute("ROLLBACK")
        finally:
            guard.close()
        for side in ("-wal", "-shm"):
            Path(f"{target}{side}").unlink(missing_ok=True)
    with atomic_write(target) as temporary:
        shutil.copyfile(backup_file, temporary)
        _check(temporary)
    witness.note_restored(target, witness.file_head(target), backup_file)
    return kept
