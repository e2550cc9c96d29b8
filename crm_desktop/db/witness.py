"""Witnesses of a SQLite audit trail, kept where whoever holds the file cannot reach them.

Whoever can write a SQLite file can delete its last events, all of them, or rewrite the
whole trail and compute its chain again: the file alone cannot show it. So every
program that writes to a SQLite database keeps, in the user's own data folder, the
place and hash of the last event it wrote (the chain's *head*); every backup records
the head it copied; and the annual report prints the head it was made from. Each is a
witness: the event at that place must still be there, with that hash.

``audit verify`` (:func:`check`) compares the trail with every witness it can find: the
heads kept in this user's data folder for this file, the backups recorded there (and
the backup files themselves, when they are still where they were written), and any
head given on the command line (from a printed report). A trail cut short shows as the
events missing after its last event; a rewritten one as an event whose hash differs
from the one the witness saw.

What this cannot catch: a change made before any witness saw the trail, or by someone
who can also change every witness (the data folders of everyone who wrote, the backups
and the printed reports). See README "The audit trail".
"""

from __future__ import annotations

import atexit
import hashlib
import json
import logging
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session

from crm_desktop.db.audit import ChainHead, ChainProblem, chain_head, event_at
from crm_desktop.db.base import utcnow
from crm_desktop.db.engine import APP_NAME
from crm_desktop.errors import UserFacingError
from crm_desktop.files import atomic_write
from crm_desktop.urls import sqlite_file

log = logging.getLogger(__name__)

FOLDER_NAME = "audit witnesses"
MAX_KEPT = 50  # backups and reports remembered per database

__all__ = [
    "Witness",
    "check",
    "file_head",
    "keep_written",
    "note_backup",
    "note_report",
    "note_restored",
    "note_verified",
    "note_written",
    "witnesses",
]


@dataclass(frozen=True)
class Witness:
    """One place and hash the trail must still have, and where that was seen."""

    seq: int
    hash: str
    source: str
    superseded: str | None = None  # why it no longer has to hold (a restore)


def witness_folder() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / FOLDER_NAME


def _record_path(database: Path) -> Path:
    key = hashlib.sha256(str(database.resolve()).encode("utf-8")).hexdigest()[:20]
    return witness_folder() / f"{key}.json"


def _load(database: Path, record: Path | None = None) -> dict[str, Any]:
    try:
        data = json.loads((record or _record_path(database)).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"database": str(database.resolve())}
    return data if isinstance(data, dict) else {"database": str(database.resolve())}


def _save(database: Path, data: dict[str, Any], record: Path | None = None) -> None:
    """Write the record (a temporary file renamed over it); a witness that cannot be
    written is logged, never a reason to refuse the user's work."""
    path = record or _record_path(database)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(path) as temporary:
            temporary.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
    except (OSError, UserFacingError) as exc:
        log.warning("The audit witness for %s could not be written: %s", database, exc)


def _entry(head: ChainHead, **extra: str) -> dict[str, Any]:
    return {"seq": head.seq, "hash": head.hash, "at": utcnow().isoformat(), **extra}


# The head this process last wrote to each database (lower heads need no witness).
_written: dict[Path, int] = {}
# A program saving steadily keeps its witness at most once a second: rewriting the
# record (a new file renamed over the old one, which the file system flushes to disk)
# after every save cost more than the save. The head seen since is kept a moment later
# (a timer), when the database is closed, when the program ends, and before this
# program reads the witnesses (``audit verify``).
HEAD_INTERVAL_SECONDS = 1.0
_state_lock = threading.Lock()
_pending: dict[Path, tuple[Path, ChainHead]] = {}  # database -> (record file, head)
_last_kept: dict[Path, float] = {}
_timer: threading.Timer | None = None


def note_written(url: URL, head: ChainHead) -> None:
    """A program wrote events up to ``head``: keep it as this user's witness (at once,
    or within :data:`HEAD_INTERVAL_SECONDS` when the last was kept less than that ago)."""
    database = sqlite_file(url)
    if database is None:
        return
    with _state_lock:
        if _written.get(database, -1) >= head.seq:
            return
        _written[database] = head.seq
        now = time.monotonic()
        wait = _last_kept.get(database, -HEAD_INTERVAL_SECONDS) + HEAD_INTERVAL_SECONDS - now
        if wait > 0:
            waiting = _pending.get(database)
            record = waiting[0] if waiting is not None else _record_path(database)
            _pending[database] = (record, head)
            _schedule(wait)
            return
        _pending.pop(database, None)
        _last_kept[database] = now
    _keep_head(database, _record_path(database), head)


def keep_written(database: Path | None = None) -> None:
    """Keep now the heads written but not yet kept (of ``database``, or of all)."""
    with _state_lock:
        if database is None:
            due = list(_pending.items())
            _pending.clear()
        else:
            one = _pending.pop(database, None)
            due = [(database, one)] if one is not None else []
        now = time.monotonic()
        for path, _ in due:
            _last_kept[path] = now
    for path, (record, head) in due:
        _keep_head(path, record, head)


def _schedule(wait: float) -> None:
    global _timer
    if _timer is not None and _timer.is_alive():
        return
    _timer = threading.Timer(wait, keep_written)
    _timer.daemon = True
    _timer.start()


def _keep_head(database: Path, record: Path, head: ChainHead) -> None:
    data = _load(database, record)
    kept = data.get("head")
    if isinstance(kept, dict) and int(kept.get("seq", 0)) >= head.seq:
        return
    data["head"] = _entry(head)
    _save(database, data, record)


atexit.register(keep_written)


def note_verified(database: Path, head: ChainHead | None) -> None:
    """``audit verify`` found the trail whole up to ``head``: the witness moves there."""
    if head is None:
        return
    data = _load(database)
    kept = data.get("head")
    if isinstance(kept, dict) and int(kept.get("seq", 0)) > head.seq:
        return
    data["head"] = _entry(head)
    _save(database, data)


def _remember(database: Path, kind: str, head: ChainHead, file: Path) -> None:
    data = _load(database)
    entries = [e for e in data.get(kind, []) if isinstance(e, dict)]
    entries.append(_entry(head, file=str(file.resolve())))
    data[kind] = entries[-MAX_KEPT:]
    _save(database, data)


def note_backup(database: Path, head: ChainHead, file: Path) -> None:
    _remember(database, "backups", head, file)


def note_report(database: Path, head: ChainHead, file: Path) -> None:
    _remember(database, "reports", head, file)


def note_restored(database: Path, head: ChainHead | None, backup: Path) -> None:
    """The file was replaced by a backup: events after the backup's head are gone, and
    this user's witnesses of later events no longer have to hold (they are kept, marked,
    so ``audit verify`` can say which events the restore lost)."""
    with _state_lock:
        # What this program wrote before the restore is gone with it.
        _pending.pop(database, None)
        _written.pop(database, None)
    data = _load(database)
    stamp = utcnow().isoformat()
    reason = f"the database was restored from {backup} on {stamp[:10]}"
    for kind in ("head", "backups", "reports"):
        entries = data.get(kind)
        items = [entries] if isinstance(entries, dict) else list(entries or [])
        for item in items:
            if isinstance(item, dict) and (head is None or int(item.get("seq", 0)) > head.seq):
                item.setdefault("superseded", reason)
    if head is not None:
        old = data.get("head")
        if isinstance(old, dict):
            data.setdefault("superseded_heads", []).append(old)
        data["head"] = _entry(head)
    _save(database, data)


def file_head(path: Path) -> ChainHead | None:
    """The head of the trail in another SQLite file (a backup), read-only."""
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        row = connection.execute(
            "SELECT chain_seq, hash FROM audit_event WHERE chain_seq IS NOT NULL "
            "ORDER BY chain_seq DESC LIMIT 1"
        ).fetchone()
    except sqlite3.Error:
        return None
    finally:
        connection.close()
    return ChainHead(int(row[0]), str(row[1])) if row is not None else None


def witnesses(database: Path) -> list[Witness]:
    """Every witness this user's data folder has of ``database``."""
    keep_written(database)
    data = _load(database)
    found: list[Witness] = []

    def add(item: Any, source: str) -> None:
        if isinstance(item, dict) and "seq" in item and "hash" in item:
            found.append(
                Witness(int(item["seq"]), str(item["hash"]), source, item.get("superseded"))
            )

    where = str(_record_path(database))
    add(data.get("head"), f"the last event written or checked from this account ({where})")
    for old in data.get("superseded_heads", []):
        add(old, f"an earlier event written from this account ({where})")
    for entry in data.get("backups", []):
        if not isinstance(entry, dict):
            continue
        name = entry.get("file", "?")
        add(entry, f"the backup made to {name} on {str(entry.get('at', ''))[:10]}")
        copy = Path(str(name))
        if copy.exists():
            head = file_head(copy)
            if head is not None:
                add({**entry, "seq": head.seq, "hash": head.hash}, f"the backup file {name}")
    for entry in data.get("reports", []):
        if isinstance(entry, dict):
            add(entry, f"the report {entry.get('file', '?')}")
    return found


def check(session: Session, found: list[Witness]) -> tuple[list[ChainProblem], list[str]]:
    """Compare the trail with each witness: (problems, notes). A witness superseded by
    a restore gives a note about the events the restore lost, not a problem."""
    problems: list[ChainProblem] = []
    notes: list[str] = []
    head = chain_head(session)
    for one in found:
        present = event_at(session, one.seq)
        if present is not None and present[1] == one.hash:
            continue
        if present is None:
            if head is None:
                what = f"all {one.seq:,} events of the trail are missing"
            elif head.seq + 1 == one.seq:
                what = f"event {one.seq:,} of the trail is missing"
            else:
                what = f"events {head.seq + 1:,} to {one.seq:,} of the trail are missing"
            text = f"{what}: {one.source} says the trail reached event {one.seq:,}"
        else:
            text = (
                f"event {one.seq:,} of the trail is not the one {one.source} saw: the trail "
                "has been rewritten up to there"
            )
        if one.superseded:
            notes.append(f"{text} ({one.superseded}; those events were lost with it)")
        else:
            problems.append(ChainProblem(None, text))
    return problems, notes


def parse_witness(text: str) -> Witness:
    """``SEQ:HASH`` as given to ``audit verify --witness``."""
    seq, _, digest = text.strip().partition(":")
    if not seq.strip().isdigit() or len(digest.strip()) != 64:
        raise ValueError(text)
    return Witness(int(seq), digest.strip().lower(), f"the head given on the command line ({seq})")
