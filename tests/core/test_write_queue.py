"""SQLite: the program's writers take their turn in the writers' queue beside the file
(crm_desktop/db/write_queue.py); the audit witness is kept at most once a second and
always by the time the database is closed or checked."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from crm_desktop.db import witness, write_queue
from crm_desktop.db.database import Database, open_database
from crm_desktop.db.models import Directorate
from crm_desktop.urls import sqlite_file


def _path(database: Database) -> Path:
    path = sqlite_file(database.engine.url)
    assert path is not None
    return path


def _count(database: Database, name: str) -> int:
    with database.session() as session:
        return int(session.scalar(sa.select(sa.func.count()).where(Directorate.name == name)) or 0)


def test_a_writer_waits_for_the_writer_before_it_then_saves(database: Database) -> None:
    events: list[str] = []
    errors: list[BaseException] = []

    def work(session: sa.orm.Session) -> None:
        events.append("second writer saving")
        session.add(Directorate(name="Queued"))

    def save() -> None:
        try:
            database.write(work)
        except BaseException as exc:  # pragma: no cover - the assertion reports it
            errors.append(exc)

    second = threading.Thread(target=save)
    with write_queue.turn(_path(database), timeout=30):
        second.start()
        time.sleep(0.3)  # its turn has not come: it must not have begun
        events.append("first writer done")
    second.join(timeout=60)
    assert not second.is_alive() and errors == []
    assert events == ["first writer done", "second writer saving"]
    assert _count(database, "Queued") == 1


def test_a_turn_that_does_not_come_leaves_the_wait_to_sqlite(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Someone holds the queue far longer than a writer waits for it (a hung program):
    # the writer goes on to SQLite's own lock, which is free, and saves.
    monkeypatch.setattr("crm_desktop.db.database.BUSY_TIMEOUT_MS", 100)
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with write_queue.turn(_path(database), timeout=30):
            holding.set()
            release.wait(60)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holding.wait(60)
        writer = threading.Thread(
            target=database.write,
            args=(lambda session: session.add(Directorate(name="Not held up")),),
        )
        writer.start()
        writer.join(timeout=60)  # were it waiting for the turn still, it would never end
        assert not writer.is_alive()
        assert holder.is_alive()  # still holding its turn
    finally:
        release.set()
        holder.join(timeout=60)
    assert _count(database, "Not held up") == 1
    # The wait given up took nothing with it: the queue is free again.
    database.write(lambda session: session.add(Directorate(name="Afterwards")))
    assert _count(database, "Afterwards") == 1


def test_a_write_inside_a_write_does_not_queue_behind_itself(tmp_path: Path) -> None:
    path = tmp_path / "crm.db"
    order: list[str] = []
    with write_queue.turn(path, timeout=30):
        with write_queue.turn(path, timeout=30):
            order.append("inner")
        order.append("outer")
    assert order == ["inner", "outer"]
    assert write_queue.queue_file(path).exists()


def test_the_witness_has_the_last_event_once_the_database_is_closed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(witness, "witness_folder", lambda: tmp_path / "witnesses")
    monkeypatch.setattr(witness, "HEAD_INTERVAL_SECONDS", 3600.0)
    path = tmp_path / "crm.db"
    db = open_database(f"sqlite:///{path}")
    try:
        for n in range(5):
            db.write(lambda s, n=n: s.add(Directorate(name=f"Witnessed {n}")), actor="officer1")
    finally:
        db.dispose()
    record = json.loads(witness._record_paths(path)[0].read_text(encoding="utf-8"))
    connection = sqlite3.connect(path)
    try:
        last = connection.execute("SELECT max(chain_seq) FROM audit_event").fetchone()[0]
    finally:
        connection.close()
    assert record["head"]["seq"] == last


def test_a_restore_forgets_the_heads_not_yet_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(witness, "witness_folder", lambda: tmp_path / "witnesses")
    monkeypatch.setattr(witness, "HEAD_INTERVAL_SECONDS", 3600.0)
    path = tmp_path / "crm.db"
    db = open_database(f"sqlite:///{path}")
    try:
        db.write(lambda s: s.add(Directorate(name="Kept at once")), actor="officer1")
        kept = json.loads(witness._record_paths(path)[0].read_text(encoding="utf-8"))["head"]
        db.write(lambda s: s.add(Directorate(name="Waiting")), actor="officer1")
        witness.note_restored(path, witness.ChainHead(kept["seq"], kept["hash"]), path)
        witness.keep_written()
        after = json.loads(witness._record_paths(path)[0].read_text(encoding="utf-8"))["head"]
        assert after["seq"] == kept["seq"]  # the later head went with the restore
    finally:
        db.dispose()
