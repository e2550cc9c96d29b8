"""Backups while others keep working, and restores that cannot corrupt the database.

SQLite: the online backup API copies a consistent snapshot page by page while other
users go on writing (sqlite.org: "Using the SQLite Online Backup API"); the copy is
checked (``PRAGMA integrity_check``) before it is kept. PostgreSQL: use ``pg_dump``
(see README); this module refuses rather than pretend.

A restore writes the backup *into* the live database through the same backup API, in
one write transaction of the database's own: everyone else still connected sees the
database as it was or as the backup has it, never a mix, and no journal is deleted
from under them. Before that, the backup is checked as ``db check`` checks a database
(storage, links between tables), and refused, in one line, when it is the live file
itself, not a CRM Desktop database (SQLite's application id, see
:mod:`crm_desktop.db.identity`), or made by a newer version. The database it replaces
is kept beside it, copied under the restore's own write lock, so a save another program
commits while the restore runs is in the kept copy or waits and goes into the restored
database; never in neither. Only a live file too damaged for SQLite to write into is replaced
as a file, and only when no other program has it open.

Temporary files are named after the machine and process that write them, so an
interrupted backup or restore leaves nothing the next run does not remove
(:func:`crm_desktop.files.remove_leftovers`).

Both are recorded as witnesses of the audit trail (:mod:`crm_desktop.db.witness`): a
backup keeps the head of the trail it copied, so ``audit verify`` can later tell if
events it held went missing; a restore says which later events it put aside.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import sqlite3
import sys
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

from crm_desktop.db import identity, migrate, witness, write_queue
from crm_desktop.db.audit import ChainHead
from crm_desktop.db.base import utcnow
from crm_desktop.db.engine import describe_url, is_network_path
from crm_desktop.db.errors import classify, read_only_problem, unreadable_file
from crm_desktop.errors import (
    DamagedDatabase,
    DatabaseBusyError,
    DatabaseError,
    FileProblem,
    UserFacingError,
    ValidationError,
)
from crm_desktop.files import atomic_write, file_problem, remove_leftovers
from crm_desktop.urls import parse_url, sqlite_file

PAGES_PER_STEP = 1024
# A restore writes the backup into the live database this many pages at a time, all in
# one write transaction; the first step is small enough to stay in SQLite's page cache,
# so others can still read the database while the replaced content is kept.
RESTORE_PAGES_PER_STEP = 16
SQLITE_OK, SQLITE_BUSY, SQLITE_LOCKED = 0, 5, 6
# How long a restore waits for another user's write to finish before giving up.
RESTORE_WAIT_SECONDS = 30.0


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


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)


def check_backup_file(path: Path) -> str | None:
    """Refuse, in one line, a file that must not be restored; its schema revision.

    The file must exist, be a SQLite file, be this program's (application id, or a
    file from before the id with this program's tables), be of a schema this version
    knows, and pass ``db check``'s storage checks: ``PRAGMA integrity_check`` and
    ``PRAGMA foreign_key_check``.
    """
    if not path.is_file():
        raise FileProblem(f"There is no file at {path}. Give the path of a backup.")
    try:
        with path.open("rb") as handle:
            header = handle.read(len(identity.SQLITE_HEADER))
    except OSError as exc:
        raise FileProblem(f"Cannot read {path}: {exc.strerror or exc}.") from None
    if header != identity.SQLITE_HEADER:
        raise DatabaseError(
            f"{path} is not a CRM Desktop backup (it is not a SQLite file). Nothing was "
            "restored; choose a file the backup command made."
        )
    try:
        connection = _read_only(path)
    except sqlite3.Error as exc:
        raise DatabaseError(f"Cannot open {path}: {exc}. Nothing was restored.") from None
    try:
        if not identity.is_ours(connection, migrate.known_revisions(), migrate.revision_order()):
            raise DatabaseError(
                f"{path} is a SQLite database but not a CRM Desktop backup. Nothing was "
                "restored; choose a file the backup command made."
            )
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        revision = str(row[0]) if row and row[0] is not None else None
        if revision is not None and revision not in migrate.known_revisions():
            raise DatabaseError(
                f"{path} was made by a newer version of CRM Desktop (schema {revision}). "
                "Nothing was restored; install that version to restore it."
            )
        problems = [
            line
            for r in connection.execute("PRAGMA integrity_check")
            for line in str(r[0]).splitlines()
            if line.strip() and not line.startswith("***")
        ]
        if problems != ["ok"]:
            raise DamagedDatabase(
                f"{path} fails the database check (storage damaged: {problems[0]}). Nothing "
                "was restored; restore an earlier backup."
            )
        broken = connection.execute("PRAGMA foreign_key_check").fetchone()
        if broken is not None:
            raise DamagedDatabase(
                f"{path} fails the database check ({broken[0]} row {broken[1]} refers to a "
                f"missing {broken[2]} record). Nothing was restored; restore an earlier backup."
            )
    except sqlite3.DatabaseError as exc:
        raise DamagedDatabase(
            f"{path} cannot be read as a database ({exc}). Nothing was restored; restore "
            "an earlier backup."
        ) from None
    finally:
        connection.close()
    return revision


def _check(path: Path) -> None:
    """A copy just made is a whole, usable database (or the work is refused)."""
    check_backup_file(path)


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
    remove_leftovers(out.parent)
    # When the copy starts, as its witness records it: events saved while it runs are
    # not in it, and a restore of it counts only events witnessed after this as lost.
    started = utcnow()
    try:
        source = _read_only(source_path)
        source.execute("PRAGMA schema_version").fetchone()
    except sqlite3.Error as exc:
        raise unreadable_file(source_path, exc) from None
    try:
        with atomic_write(out) as temporary:
            target = sqlite3.connect(temporary)
            try:

                def step(status: int, remaining: int, total: int) -> None:
                    if progress is not None:
                        progress(total - remaining, total)

                _copy(source, target, step, out, source_path)
                pages = target.execute("PRAGMA page_count").fetchone()[0]
                # A backup is one self-contained file: no WAL beside it.
                target.execute("PRAGMA journal_mode = DELETE")
            finally:
                target.close()
            try:
                _check(temporary)
            except DamagedDatabase as exc:
                raise DamagedDatabase(
                    f"The database at {source_path} is damaged (its copy fails the storage "
                    "check). Nothing was backed up. Run 'crm-desktop db check' on it, and "
                    "restore the latest good backup if it confirms damage."
                ) from exc
    finally:
        source.close()
    head = witness.file_head(out)
    if head is not None:
        witness.note_backup(source_path, head, out, started)
    return BackupResult(out, out.stat().st_size, int(pages), head)


def _copy(
    source: sqlite3.Connection,
    target: sqlite3.Connection,
    step: Callable[[int, int, int], None],
    out: Path,
    database: Path,
) -> None:
    try:
        source.backup(target, pages=PAGES_PER_STEP, progress=step)
    except sqlite3.Error as exc:
        # A full disk or a read-only folder is about the copy; damage is about the source.
        found = classify(exc, str(out))
        if found is not None and not isinstance(found, DamagedDatabase):
            raise found from exc
        found = classify(exc, str(database))
        if found is not None:
            raise found from exc
        raise
    except OSError as exc:
        raise file_problem(exc, out) from exc


# --------------------------------------------------------------------------- restoring


def holders(path: Path) -> list[str]:
    """The other programs on this computer that have the database (or its journal) open,
    as "process 1234 (crm-desktop, user alice)"; empty where that cannot be told."""
    if not sys.platform.startswith("linux"):
        return []
    wanted = {str(path.resolve()), *(f"{path.resolve()}{side}" for side in ("-wal", "-journal"))}
    found: list[str] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            links = {os.readlink(fd) for fd in (entry / "fd").iterdir()}
        except OSError:
            continue
        if links & wanted:
            try:
                command = (entry / "comm").read_text().strip()
                user = _user_name(entry.stat().st_uid)
            except OSError:
                command, user = "?", "?"
            found.append(f"process {entry.name} ({command}, user {user})")
    return found


def _user_name(uid: int) -> str:
    try:
        import pwd

        return pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):
        return str(uid)


def _in_use(target: Path) -> DatabaseBusyError:
    who = holders(target)
    named = f" ({'; '.join(who)})" if who else ""
    return DatabaseBusyError(
        f"{target} is in use{named}. Nothing was restored: ask everyone to close CRM "
        "Desktop, then restore again."
    )


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def restore(backup_file: Path, url: str) -> Path | None:
    """Put ``backup_file`` in place of the database; returns where the old one was kept.

    Nothing is changed until the backup has passed every check. The backup goes into
    the live database through SQLite's backup API in one write transaction (waiting up
    to :data:`RESTORE_WAIT_SECONDS` for another user's write to end), so a program still
    connected sees the old database or the restored one, never a mix; once that
    transaction holds the lock, the database it replaces is copied beside it (its
    consistent content; a damaged file byte for byte) under a name no earlier kept copy
    has. A restore refused on the way keeps no copy.
    """
    target = sqlite_file(parse_url(url))
    if target is None:
        raise ValidationError("Restore works on a SQLite file; restore PostgreSQL with pg_restore.")
    if _same_file(backup_file, target) or backup_file.resolve() == target.resolve():
        raise ValidationError(
            f"{backup_file} is the database itself, not a backup of it. Nothing was "
            "restored; give the path of a backup file."
        )
    if not target.parent.is_dir():
        raise FileProblem(f"The folder {target.parent} does not exist. Nothing was restored.")
    check_backup_file(backup_file)
    read_only = read_only_problem(target)
    if read_only is not None:
        raise read_only
    remove_leftovers(target.parent)
    if not target.exists():
        _copy_new(backup_file, target)
        witness.note_restored(target, witness.file_head(target), backup_file)
        return None
    kept = _reserve_kept(target)
    restored = False
    try:
        live = sqlite3.connect(target, timeout=RESTORE_WAIT_SECONDS, isolation_level=None)
        try:
            try:
                live.execute("PRAGMA schema_version").fetchone()
                damaged = False
            except sqlite3.DatabaseError as exc:
                found = classify(exc, str(target))
                if not isinstance(found, DamagedDatabase):
                    raise found or exc from exc
                damaged = True
            if damaged:
                live.close()
                _replace_damaged(backup_file, target, kept)
            else:
                _keep_and_write_into(backup_file, live, target, kept)
            restored = True
        finally:
            live.close()
    finally:
        if not restored:  # nothing was replaced: nothing to keep
            kept.unlink(missing_ok=True)
            Path(f"{kept}-wal").unlink(missing_ok=True)
    witness.note_restored(target, witness.file_head(target), backup_file)
    return kept


def _reserve_kept(target: Path) -> Path:
    """A new, empty file beside ``target`` for the database a restore replaces, named
    after the time (``crm.replaced-20240314-093000.db``, then ``…-093000-2.db`` for a
    second restore in the same second): created exclusively, so no kept copy is ever
    written over."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    for number in range(1, 1000):
        extra = "" if number == 1 else f"-{number}"
        kept = target.with_name(f"{target.stem}.replaced-{stamp}{extra}{target.suffix}")
        try:
            os.close(os.open(kept, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        except OSError as exc:
            raise file_problem(exc, kept) from exc
        return kept
    raise FileProblem(  # pragma: no cover - a thousand restores in one second
        f"Cannot find a free name beside {target} to keep the database in. Nothing was "
        "restored; move the old .replaced- files elsewhere, then restore again."
    )


@dataclass(frozen=True)
class UndoneRemoval:
    """A case anonymised or deleted in the database a restore replaced, of which the
    restored backup has no record: the restore brought its personal data back."""

    reference: str
    kind: str  # "anonymised" or "deleted"
    occurred_at: str
    reason: str


def removals_undone(kept: Path, restored: Path) -> list[UndoneRemoval]:
    """The anonymisations and deletions (retention events) in ``kept``, the database a
    restore replaced, that ``restored`` has no record of, of cases ``restored`` holds,
    oldest first; empty when either cannot be read (the kept copy of a damaged file)."""

    def read(path: Path, sql: str) -> list[tuple[object, ...]]:
        try:
            connection = _read_only(path)
        except sqlite3.Error:
            return []
        try:
            return [tuple(row) for row in connection.execute(sql)]
        except sqlite3.Error:
            return []
        finally:
            connection.close()

    events = (
        "SELECT id, occurred_at, coalesce(case_reference, ''), kind, reason "
        "FROM retention_event WHERE kind IN ('anonymised', 'deleted')"
    )
    held = {str(r[0]) for r in read(restored, "SELECT reference FROM representation")}
    before = set(read(restored, events))
    return [
        UndoneRemoval(str(reference), str(kind), str(occurred_at), str(reason))
        for _id, occurred_at, reference, kind, reason in sorted(
            (e for e in read(kept, events) if e not in before),
            key=lambda e: (str(e[1]), int(str(e[0]))),
        )
        if str(reference) in held
    ]


def _copy_new(backup_file: Path, target: Path) -> None:
    """No database there yet: the backup copied beside it, checked, renamed into place."""
    try:
        with atomic_write(target) as temporary:
            shutil.copyfile(backup_file, temporary)
            _check(temporary)
    except OSError as exc:
        raise file_problem(exc, target) from exc


def _keep_copy(target: Path, kept: Path) -> None:
    """The live database's committed content, copied beside it before it is replaced
    (read through a connection of its own: the restore's holds the write lock)."""
    live = sqlite3.connect(target, timeout=RESTORE_WAIT_SECONDS, isolation_level=None)
    try:
        with atomic_write(kept) as temporary:
            copy = sqlite3.connect(temporary)
            try:
                _with_deadline(lambda step: live.backup(copy, progress=step), target)
                copy.execute("PRAGMA journal_mode = DELETE")
            except sqlite3.Error as exc:
                found = classify(exc, str(kept))
                raise (found or exc) from exc
            finally:
                copy.close()
    finally:
        live.close()
    with contextlib.suppress(OSError):
        shutil.copymode(target, kept)


def _with_deadline(run: Callable[[Callable[[int, int, int], None]], None], target: Path) -> None:
    """Run a backup-API copy, giving up when another user holds the lock too long."""
    deadline = time.monotonic() + RESTORE_WAIT_SECONDS

    def step(status: int, remaining: int, total: int) -> None:
        if status in (SQLITE_BUSY, SQLITE_LOCKED) and time.monotonic() > deadline:
            raise _in_use(target)

    run(step)


def _keep_and_write_into(
    backup_file: Path, live: sqlite3.Connection, target: Path, kept: Path
) -> None:
    """Keep the live database's content and write the backup's pages into it, as one
    step under its write lock: no save another program commits meanwhile is in neither.

    This program's writers are held in their queue (:mod:`crm_desktop.db.write_queue`)
    for the whole of it. The backup API holds a write transaction on the live database
    from its first step until its last (sqlite.org/c3ref/backup_finish.html), and other
    connections go on reading what was last committed: so the copy is taken, through a
    connection of its own, just after the first step has taken the lock, and every save
    committed before then is in it; a save that comes later waits for the restore (or,
    after its own wait, is refused as busy) and goes into the restored database.
    """
    source = _read_only(backup_file)
    try:
        # The first step must not be the last (which commits): at least two steps.
        pages = int(source.execute("PRAGMA page_count").fetchone()[0])
        if pages < 2:
            raise DatabaseError(
                f"{backup_file} is too small to be a CRM Desktop backup. Nothing was "
                "restored; choose a file the backup command made."
            )
        per_step = min(RESTORE_PAGES_PER_STEP, pages - 1)
        deadline = time.monotonic() + RESTORE_WAIT_SECONDS
        kept_already = False
        if str(live.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
            # The rollback journal (a file on a network drive): the restore's first step
            # locks the file against readers too, so the copy is taken just before it.
            # A save another program commits between the two is in neither: the README
            # says to close the program everywhere before restoring.
            _keep_copy(target, kept)
            kept_already = True

        def step(status: int, remaining: int, total: int) -> None:
            nonlocal kept_already
            if status in (SQLITE_BUSY, SQLITE_LOCKED):
                if time.monotonic() > deadline:
                    raise _in_use(target)
                return
            if not kept_already:
                if status != SQLITE_OK:  # pragma: no cover - ruled out by the size above
                    raise DatabaseError(f"{target} was replaced before it could be kept.")
                _keep_copy(target, kept)
                kept_already = True

        queue = (
            nullcontext()
            if is_network_path(target)
            else write_queue.turn(target, RESTORE_WAIT_SECONDS)
        )
        with queue:
            source.backup(live, pages=per_step, progress=step)
    except UserFacingError:
        raise
    except sqlite3.Error as exc:
        text = str(exc).lower()
        if "page size" in text or ("readonly" in text and "wal" in text):
            raise DatabaseError(
                f"{backup_file} has a different page size from {target}, so it cannot be "
                "restored while the database is open. Ask everyone to close CRM Desktop, "
                "then restore again."
            ) from None
        found = classify(exc, str(target))
        if found is not None:
            raise (_in_use(target) if isinstance(found, DatabaseBusyError) else found) from exc
        raise
    finally:
        source.close()
    with contextlib.suppress(sqlite3.Error):  # a reader at work: the log is folded in later
        live.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _replace_damaged(backup_file: Path, target: Path, kept: Path) -> None:
    """The live file is too damaged to write into: kept byte for byte (with its write-
    ahead log), then replaced as a file, only when no other program has it open."""
    who = holders(target)
    if who:
        raise DatabaseBusyError(
            f"{target} is damaged and still open ({'; '.join(who)}). Nothing was restored: "
            "ask everyone to close CRM Desktop, then restore again."
        )
    try:
        shutil.copy2(target, kept)
        wal = Path(f"{target}-wal")
        if wal.exists():
            shutil.copy2(wal, Path(f"{kept}-wal"))
        with atomic_write(target, replacing_database=True) as temporary:
            shutil.copyfile(backup_file, temporary)
            _check(temporary)
            for side in ("-wal", "-shm", "-journal"):
                Path(f"{target}{side}").unlink(missing_ok=True)
    except OSError as exc:
        raise file_problem(exc, target) from exc
