"""Writing files so that a reader never sees half of one.

Every file the program writes for the user (reports, exports, backups, subject access
ZIPs, letters, e-mails saved for Outlook, stored attachments) is written to a temporary
file beside its target, under a name no other writer can share (two officers exporting
to the same name each get their own), then renamed into place in one step. If anything
fails, the temporary file is removed and the target is left as it was. A failure the
machine causes becomes a :class:`~crm_desktop.errors.FileProblem` (or
:class:`~crm_desktop.errors.DiskFull`) that says what to do.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import socket
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from crm_desktop.errors import DiskFull, FileProblem, UserFacingError

# The name the attachment store gives a file (``secrets.token_hex(16)``); a record
# naming a file any other way is refused (PostgreSQL's ``crm_stored_name``) and never
# opened or deleted.
STORED_NAME = re.compile(r"[0-9a-f]{32}")

__all__ = [
    "STORED_NAME",
    "TEMPORARY_SUFFIX",
    "atomic_write",
    "atomic_writes",
    "check_target",
    "file_problem",
    "refuse_database",
    "remove_leftovers",
]

TEMPORARY_SUFFIX = ".partial"
# The first 16 bytes of every SQLite database file.
SQLITE_HEADER = b"SQLite format 3\x00"
# The files SQLite keeps beside a database while it is in use.
DATABASE_COMPANIONS = ("-wal", "-shm", "-journal")


def _owner_tag() -> str:
    """This machine and process, as a temporary file's name carries them: a later run
    on the same machine can tell a killed writer's leftovers from a live writer's."""
    host = re.sub(r"[^A-Za-z0-9]", "", socket.gethostname())[:24] or "host"
    return f"{host}-{os.getpid()}"


def temporary_beside(target: Path) -> Path:
    """A new, unique, empty file beside ``target`` (created with O_EXCL, with the user's
    usual permissions rather than mkstemp's owner-only ones), named after this machine
    and process so that :func:`remove_leftovers` knows whose it is."""
    for _ in range(8):
        candidate = target.with_name(
            f".{target.name}.{_owner_tag()}-{secrets.token_hex(6)}{TEMPORARY_SUFFIX}"
        )
        try:
            os.close(os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        return candidate
    raise FileProblem(f"Cannot find a free temporary name beside {target}.")  # pragma: no cover


def file_problem(exc: OSError, target: Path) -> UserFacingError:
    """What to tell the user when the machine refused to write ``target``."""
    if exc.errno == errno.ENOSPC or exc.errno == getattr(errno, "EDQUOT", None):
        return DiskFull(
            f"There is no room left on the disk for {target}. Nothing was saved: free some "
            "space (or choose another drive), then try again."
        )
    if exc.errno == errno.EROFS:
        return FileProblem(
            f"{target.parent} is on a read-only drive. Choose another folder, or ask IT to "
            "make it writable."
        )
    if isinstance(exc, PermissionError):
        return FileProblem(
            f"Cannot write {target}: you do not have permission, or the file is open in "
            "another program. Close it or choose another folder, then try again."
        )
    return FileProblem(f"Cannot write {target}: {exc.strerror or exc}. Nothing was saved.")


def _is_database(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:  # not there, a folder, unreadable: not known to be a database
        return False


def refuse_database(target: Path) -> None:
    """Refuse ``target`` when it is a SQLite database (the live database, a backup, any
    other) or one of the files SQLite keeps beside one: a report or export written
    there would replace the data. An earlier report of the same name may be replaced."""
    database = target
    for side in DATABASE_COMPANIONS:
        if target.name.endswith(side) and len(target.name) > len(side):
            database = target.with_name(target.name[: -len(side)])
            break
    if _is_database(target) or (database != target and _is_database(database)):
        raise FileProblem(
            f"{target} is a database, not a report: choose another file name. Nothing was written."
        )


def check_target(path: Path, what: str = "the file") -> Path:
    """Refuse, before any work, a file that cannot be written; the path to write."""
    path = path.expanduser()
    refuse_database(path)
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise FileProblem(f"{path} is a folder; give a file name for {what}.")
    if not folder.is_dir():
        raise FileProblem(
            f"The folder {folder} does not exist. Create it first or choose another place."
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise FileProblem(
            f"Cannot write to the folder {folder}: permission denied. Choose a folder you "
            "can write to."
        )
    return path


@contextmanager
def atomic_writes(
    targets: Sequence[Path], *, replacing_database: bool = False
) -> Iterator[list[Path]]:
    """Yield one temporary path per target; when the block ends without an error each is
    renamed onto its target, otherwise all are removed and no target is touched.

    A target that is a SQLite database (or a file SQLite keeps beside one) is refused
    before anything is written (:func:`refuse_database`), unless ``replacing_database``
    (a restore putting a backup in place of a damaged database)."""
    temporaries: list[Path] = []
    if not replacing_database:
        for target in targets:
            refuse_database(target)
    try:
        try:
            for target in targets:
                if not target.parent.is_dir():
                    raise FileProblem(
                        f"The folder {target.parent} does not exist. Choose another folder."
                    )
                temporaries.append(temporary_beside(target))
            yield temporaries
            for temporary, target in zip(temporaries, targets, strict=True):
                os.replace(temporary, target)
        except OSError as exc:
            raise file_problem(exc, Path(exc.filename or targets[0])) from exc
    finally:
        for temporary in temporaries:
            temporary.unlink(missing_ok=True)


@contextmanager
def atomic_write(target: Path, *, replacing_database: bool = False) -> Iterator[Path]:
    """:func:`atomic_writes` for one file."""
    with atomic_writes([target], replacing_database=replacing_database) as (temporary,):
        yield temporary


_LEFTOVER = re.compile(
    r"^\..+\.(?P<host>[A-Za-z0-9]+)-(?P<pid>\d+)-[0-9a-f]{12}"
    + re.escape(TEMPORARY_SUFFIX)
    + r"(-journal|-wal|-shm)?$"
)


def _process_gone(pid: int) -> bool:
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OSError):
        return False  # someone else's process, still running (or cannot tell)
    return False


def remove_leftovers(folder: Path, older_than_seconds: float = 3600.0) -> int:
    """Remove temporary files (and SQLite's journals beside them) that a killed writer
    left in ``folder``: those of a process of this machine that is no longer running,
    and any older than ``older_than_seconds`` (a writer on another machine sharing the
    folder keeps its own while it works); how many."""
    removed = 0
    cutoff = time.time() - older_than_seconds
    here = re.sub(r"[^A-Za-z0-9]", "", socket.gethostname())[:24] or "host"
    try:
        candidates = list(folder.glob(f".*{TEMPORARY_SUFFIX}*"))
    except OSError:
        return 0
    for path in candidates:
        match = _LEFTOVER.match(path.name)
        try:
            if not path.is_file():
                continue
            dead = (
                match is not None
                and match.group("host") == here
                and _process_gone(int(match.group("pid")))
            )
            if dead or path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except OSError:
            continue
    return removed
