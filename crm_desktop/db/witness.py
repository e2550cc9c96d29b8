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
import datetime as dt
import hashlib
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any, cast

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
CHECKED = "audit verify"  # a head entry's "by": seen by a check, not written
MAX_KEPT = 50  # backups and reports remembered per database
# Witnesses held because the trail no longer had the event they saw: evidence, never
# dropped to make room. When this many are held the witness stops moving on (it stays
# on the event the file no longer has), so ``audit verify`` still reports it.
MAX_HELD = 1000

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
    # Seen by an earlier ``audit verify`` from this account, not by its own writes: it
    # shows nothing was cut or rewritten since that check, not before it.
    from_check: bool = False


def witness_folder() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / FOLDER_NAME


def _record_paths(database: Path) -> list[Path]:
    """The records kept of ``database``: one under the path as the program names it and,
    when a link leads elsewhere, one under the file it leads to. Keeping both means that
    moving the file and leaving a link in its place does not hide the witness."""
    keys: list[Path] = []
    for where in (Path(os.path.abspath(database)), database.resolve()):
        key = hashlib.sha256(str(where).encode("utf-8")).hexdigest()[:20]
        record = witness_folder() / f"{key}.json"
        if record not in keys:
            keys.append(record)
    return keys


class Unreadable(Exception):
    """A witness record that exists but cannot be read as this program writes it."""


_HEX = frozenset("0123456789abcdef")


def _entry_ok(item: object) -> bool:
    if not isinstance(item, dict):
        return False
    seq, digest = item.get("seq"), item.get("hash")
    return (
        type(seq) is int
        and seq > 0
        and isinstance(digest, str)
        and len(digest) == 64
        and set(digest) <= _HEX
        and all(isinstance(item.get(k, ""), str) for k in ("at", "file", "superseded", "by"))
    )


def _well_formed(data: object) -> bool:
    if not isinstance(data, dict):
        return False
    head = data.get("head")
    if head is not None and not _entry_ok(head):
        return False
    kinds = ("superseded_heads", "held_heads", "backups", "reports")
    lists = [data.get(kind, []) for kind in kinds]
    return all(isinstance(items, list) and all(map(_entry_ok, items)) for items in lists)


def _read(record: Path, database: Path) -> dict[str, Any]:
    """The record's witnesses (a new record when there is none). A record that exists
    but cannot be read is :class:`Unreadable`: it is never written over, since a record
    damaged or emptied by someone else must not become a clean one."""
    try:
        text = record.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {"database": str(database.resolve())}
    except (OSError, ValueError) as exc:
        raise Unreadable(f"cannot be read ({exc})") from None
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise Unreadable("is not the JSON this program writes") from None
    try:
        well_formed = _well_formed(data)
    except (TypeError, ValueError, RecursionError):
        well_formed = False
    if not well_formed:
        raise Unreadable("does not hold witnesses in the form this program writes them")
    return cast("dict[str, Any]", data)


def _save(database: Path, data: dict[str, Any], record: Path) -> None:
    """Write the record (a temporary file renamed over it); a witness that cannot be
    written is logged, never a reason to refuse the user's work."""
    try:
        record.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(record) as temporary:
            temporary.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
    except (OSError, UserFacingError) as exc:
        log.warning("The audit witness for %s could not be written: %s", database, exc)


def _update(
    database: Path,
    change: Callable[[dict[str, Any]], bool],
    records: list[Path] | None = None,
) -> None:
    """Apply ``change`` to each record of ``database`` and save those it changed (it
    returns True). A record that cannot be read is left as it is, and logged. One
    change at a time in this program (a save's and the timer's), so neither writes
    over what the other added."""
    with _record_lock:
        for record in records or _record_paths(database):
            try:
                data = _read(record, database)
            except Unreadable as exc:
                log.warning("The audit witness %s of %s was left alone: %s", record, database, exc)
                continue
            if change(data):
                _save(database, data, record)


_record_lock = threading.RLock()  # before _state_lock, when both are held


class _NotRead(Exception):
    """The file could not be read (locked, gone, not a database): nothing is known."""


def _file_uri(path: PurePath) -> str:
    """A read-only ``file:`` URI for the absolute ``path``; a Windows network path
    (``\\\\server\\share\\...``) gets four slashes, as SQLite reads one (``file://server/``
    would name a host, which SQLite refuses)."""
    uri = path.as_uri()
    if uri.startswith("file://") and not uri.startswith("file:///"):
        uri = "file:////" + uri[len("file://") :]
    return f"{uri}?mode=ro"


def _query_file(path: Path, sql: str, *params: object) -> tuple[Any, ...] | None:
    """The first row ``sql`` gives in the SQLite file at ``path``, opened read-only
    (None: no row); :class:`_NotRead` when the file cannot be read."""
    try:
        connection = sqlite3.connect(_file_uri(path.resolve()), uri=True, timeout=1.0)
    except sqlite3.Error as exc:
        raise _NotRead(str(exc)) from None
    try:
        row = connection.execute(sql, params).fetchone()
    except sqlite3.Error as exc:
        raise _NotRead(str(exc)) from None
    finally:
        connection.close()
    return tuple(row) if row is not None else None


def _event_hash_in_file(database: Path, seq: int) -> str | None:
    """The hash of the event at ``seq`` in the file as it is now (None: no such event);
    :class:`_NotRead` when the file cannot be read."""
    row = _query_file(database, "SELECT hash FROM audit_event WHERE chain_seq = ?", seq)
    return str(row[0]) if row is not None else None


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
_pending: dict[Path, tuple[list[Path], ChainHead]] = {}  # database -> (records, head)
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
            records = waiting[0] if waiting is not None else _record_paths(database)
            _pending[database] = (records, head)
            _schedule(wait)
            return
        _pending.pop(database, None)
        _last_kept[database] = now
    _keep_head(database, _record_paths(database), head)


def keep_written(database: Path | None = None) -> None:
    """Keep now the heads written but not yet kept (of ``database``, or of all). The
    records stay locked from taking the heads to writing them, so a reader waits for a
    keep under way (the timer's) rather than reading the record before it."""
    with _record_lock:
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
        for path, (records, head) in due:
            _keep_head(path, records, head)


def forget(database: Path) -> None:
    """Keep no witness of ``database``, a scratch file about to be deleted (the dry run of
    an import into a file that does not exist yet checks against one)."""
    with _record_lock:
        with _state_lock:
            _pending.pop(database, None)
            _last_kept.pop(database, None)
        for record in _record_paths(database):
            record.unlink(missing_ok=True)


def _schedule(wait: float) -> None:
    global _timer
    if _timer is not None and _timer.is_alive():
        return
    _timer = threading.Timer(wait, keep_written)
    _timer.daemon = True
    _timer.start()


def _keep_head(database: Path, records: list[Path], head: ChainHead) -> None:
    """:func:`_move_head`, which never raises: it runs after the save was committed (or
    on a timer), and a witness that cannot be kept is logged, never the user's error."""
    try:
        _move_head(database, records, head)
    except Exception:
        log.exception("The audit witness of %s could not be kept", database)


def _move_head(database: Path, records: list[Path], head: ChainHead) -> None:
    """Move the witness on to ``head``. If the event the record last kept is gone from
    the file or different, the trail was changed behind this program's back: that
    witness is held (``held_heads``) for ``audit verify`` to report, so a save on a
    tampered file does not make the trail look whole."""

    looked: dict[int, str | None] = {}  # the records usually keep the same head

    def change(data: dict[str, Any]) -> bool:
        kept = data.get("head")
        if isinstance(kept, dict):
            if kept["seq"] >= head.seq:
                return False
            try:
                if kept["seq"] not in looked:
                    looked[kept["seq"]] = _event_hash_in_file(database, kept["seq"])
                present = looked[kept["seq"]]
            except _NotRead as exc:
                # Nothing is known: the witness stays where it is until a save can look.
                log.warning("The audit witness of %s was not moved on: %s", database, exc)
                return False
            if present != kept["hash"]:
                held = list(data.get("held_heads", []))
                if len(held) >= MAX_HELD:
                    # Room for no more: the witness stays where it is, still held.
                    log.warning(
                        "The audit trail of %s no longer has event %s as this account last "
                        "saw it; the witness stays on it for audit verify.",
                        database,
                        kept["seq"],
                    )
                    return False
                log.warning(
                    "The audit trail of %s no longer has event %s as this account last saw "
                    "it; that witness is held for audit verify.",
                    database,
                    kept["seq"],
                )
                data["held_heads"] = [*held, kept]
        data["head"] = _entry(head)
        return True

    _update(database, change, records)


atexit.register(keep_written)


def note_verified(database: Path, head: ChainHead | None) -> None:
    """``audit verify`` found the trail whole up to ``head``: the witness moves there,
    marked as a check's (:attr:`Witness.from_check`), unless this account's own writes
    already reached it."""
    if head is None:
        return

    def change(data: dict[str, Any]) -> bool:
        kept = data.get("head")
        if isinstance(kept, dict) and kept["seq"] >= head.seq:
            return False
        # An account that has written keeps its standing as a writer's witness: the
        # check found the trail whole up to what its own writes saw.
        if isinstance(kept, dict) and kept.get("by") != CHECKED:
            data["head"] = _entry(head)
        else:
            data["head"] = _entry(head, by=CHECKED)
        return True

    _update(database, change)


def _remember(
    database: Path, kind: str, head: ChainHead, file: Path, at: dt.datetime | None = None
) -> None:
    def change(data: dict[str, Any]) -> bool:
        entries = list(data.get(kind, []))
        entry = _entry(head, file=str(file.resolve()))
        if at is not None:
            entry["at"] = at.isoformat()
        entries.append(entry)
        data[kind] = entries[-MAX_KEPT:]
        return True

    _update(database, change)


def note_backup(
    database: Path, head: ChainHead, file: Path, started: dt.datetime | None = None
) -> None:
    """A backup reached ``head``; ``started`` is when its copy began (UTC, naive)."""
    _remember(database, "backups", head, file, started)


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
    stamp = utcnow().isoformat()
    reason = f"the database was restored from {backup} on {stamp[:10]}"

    def change(data: dict[str, Any]) -> bool:
        # When the backup was made: as this account recorded a backup that reached the
        # very event the restored file ends with (wherever the file was copied since).
        # A witness of a later event recorded before then is not an event the restore
        # lost: the trail was already short of it when the backup was made (cut, or
        # rewritten, behind the program's back), and it stays. A backup this account
        # has no record of is taken as made now: its witnesses of later events stay,
        # and report the events as gone (as a colleague's do).
        made = [
            str(b.get("at", ""))
            for b in data.get("backups", [])
            if head is not None and (b.get("seq"), b.get("hash")) == (head.seq, head.hash)
        ]
        made_at = max(made, default=stamp)
        for kind in ("head", "held_heads", "backups", "reports"):
            entries = data.get(kind)
            items = [entries] if isinstance(entries, dict) else list(entries or [])
            for item in items:
                later = head is None or item["seq"] > head.seq
                if later and str(item.get("at", "")) >= made_at:
                    item.setdefault("superseded", reason)
        if head is not None:
            old = data.get("head")
            if isinstance(old, dict):
                data.setdefault("superseded_heads", []).append(old)
            data["head"] = _entry(head)
        return True

    _update(database, change)


def file_head(path: Path) -> ChainHead | None:
    """The head of the trail in another SQLite file (a backup), read-only."""
    try:
        row = _query_file(
            path,
            "SELECT chain_seq, hash FROM audit_event WHERE chain_seq IS NOT NULL "
            "ORDER BY chain_seq DESC LIMIT 1",
        )
    except _NotRead:
        return None
    return ChainHead(int(row[0]), str(row[1])) if row is not None else None


def witnesses(database: Path) -> tuple[list[Witness], list[ChainProblem]]:
    """Every witness this user's data folder has of ``database``, and a problem for each
    of its records that exists but cannot be read (what a tamperer might do to hide a
    witness)."""
    keep_written(database)
    found: list[Witness] = []
    problems: list[ChainProblem] = []
    seen: dict[tuple[int, str], int] = {}  # where in ``found``

    def add(item: dict[str, Any], source: str) -> None:
        key = (item["seq"], item["hash"])
        checked = item.get("by") == CHECKED
        if key not in seen:
            seen[key] = len(found)
            found.append(
                Witness(item["seq"], item["hash"], source, item.get("superseded"), checked)
            )
        elif not checked and found[seen[key]].from_check:
            # The same event seen by a write, a backup or a report: not a check's only.
            found[seen[key]] = Witness(item["seq"], item["hash"], source, item.get("superseded"))

    for record in _record_paths(database):
        try:
            with _record_lock:
                data = _read(record, database)
        except Unreadable as exc:
            problems.append(
                ChainProblem(
                    None,
                    f"the witness record {record} {exc}, so what it saw cannot be checked. "
                    "It has been left as it is: keep it and this database as evidence, and "
                    "ask IT to look at both",
                )
            )
            continue
        head = data.get("head")
        if isinstance(head, dict):
            add(
                head,
                f"this account's audit verify of {str(head.get('at', ''))[:10]} ({record})"
                if head.get("by") == CHECKED
                else f"the last event written or checked from this account ({record})",
            )
        for old in data.get("superseded_heads", []):
            add(old, f"an earlier event written from this account ({record})")
        for held in data.get("held_heads", []):
            add(held, f"an earlier event written or checked from this account ({record})")
        for entry in data.get("backups", []):
            name = entry.get("file", "?")
            add(entry, f"the backup made to {name} on {str(entry.get('at', ''))[:10]}")
            copy = Path(str(name))
            if copy.exists():
                # The backup file's own event at the place the backup reached (saves
                # made in the copy since add later events, which say nothing of this
                # database's).
                try:
                    hashed = _event_hash_in_file(copy, int(entry["seq"]))
                except _NotRead:
                    hashed = None
                if hashed is not None:
                    add({**entry, "hash": hashed}, f"the backup file {name}")
        for entry in data.get("reports", []):
            add(entry, f"the report {entry.get('file', '?')}")
    return found, problems


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
        if present is None and head is not None and head.seq >= one.seq:
            text = f"event {one.seq:,} of the trail is missing (deleted): {one.source} saw it"
        elif present is None:
            reached = f"{one.source} says the trail reached event {one.seq:,}"
            if head is None:
                text = f"all {one.seq:,} events of the trail are missing: {reached}"
            else:
                lost = one.seq - head.seq
                text = (
                    f"the trail now ends at event {head.seq:,}, but {reached}: {lost:,} "
                    f"{'event is' if lost == 1 else 'events are'} gone"
                )
                if not one.superseded:
                    text += (
                        " (deleted: cut from the end, or taken from anywhere before there "
                        "and the rest renumbered)"
                    )
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
    digest = digest.strip().lower()
    # A fingerprint is 64 of 0-9 and a-f, and events are numbered from 1: anything else
    # is a slip in copying it, not a trail that fails to match.
    if (
        not seq.strip().isascii()
        or not seq.strip().isdigit()
        or int(seq) < 1
        or len(digest) != 64
        or digest.strip("0123456789abcdef")
    ):
        raise ValueError(text)
    return Witness(int(seq), digest, f"the head given on the command line ({seq})")
