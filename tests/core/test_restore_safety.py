"""Restores that cannot corrupt the database, and backups that leave nothing behind.

A restore writes the backup into the live database through SQLite's backup API, in one
transaction: another process writing all the while sees the old database or the
restored one, never a mix, and the file passes ``db check`` afterwards. A file that is
the live database itself, another program's, from a newer version or damaged is refused
in one line, with the database untouched.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from crm_desktop.cli import main
from crm_desktop.db.database import Database
from crm_desktop.db.identity import APPLICATION_ID
from crm_desktop.db.models import Directorate
from crm_desktop.errors import (
    DamagedDatabase,
    DatabaseBusyError,
    DatabaseError,
    FileProblem,
    ValidationError,
)
from crm_desktop.services.backup import backup, holders, restore


def _names(path: Path) -> list[str]:
    connection = sqlite3.connect(path, timeout=30)
    try:
        return [r[0] for r in connection.execute("SELECT name FROM directorate ORDER BY id")]
    finally:
        connection.close()


def _healthy(path: Path) -> bool:
    connection = sqlite3.connect(path, timeout=30)
    try:
        return (
            connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            and connection.execute("PRAGMA foreign_key_check").fetchall() == []
        )
    finally:
        connection.close()


def _fingerprint(path: Path) -> tuple[list[str], int, list[object]]:
    connection = sqlite3.connect(path, timeout=30)
    try:
        head = connection.execute(
            "SELECT id, hash FROM audit_event ORDER BY id DESC LIMIT 1"
        ).fetchall()
        count = connection.execute("SELECT count(*) FROM representation").fetchone()[0]
        return _names(path), int(count), list(head)
    finally:
        connection.close()


@pytest.fixture
def live(database: Database, sqlite_url: str) -> Path:
    return Path(sqlite_url.removeprefix("sqlite:///"))


def _cli(url: str, *argv: str) -> tuple[int, str, str]:
    result = subprocess.run(
        [sys.executable, "-m", "crm_desktop", "--database", url, *argv],
        capture_output=True,
        text=True,
        timeout=300,
    )
    return result.returncode, result.stdout, result.stderr


def test_the_database_carries_this_programs_application_id(live: Path) -> None:
    connection = sqlite3.connect(live)
    try:
        assert connection.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    finally:
        connection.close()


def test_restoring_the_live_file_onto_itself_is_refused_untouched(
    database: Database, sqlite_url: str, live: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database.write(lambda s: s.add(Directorate(name="Still here")))
    before = _fingerprint(live)
    with pytest.raises(ValidationError, match="is the database itself"):
        restore(live, sqlite_url)
    database.dispose()
    assert main(["--database", sqlite_url, "restore", str(live)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is the database itself" in err
    assert _fingerprint(live) == before and _healthy(live)


def _foreign_with_alembic(path: Path) -> None:
    connection = sqlite3.connect(path)
    connection.executescript(
        "CREATE TABLE alembic_version (version_num TEXT);"
        "INSERT INTO alembic_version VALUES ('0006');"
        "CREATE TABLE things (id INTEGER PRIMARY KEY);"
    )
    connection.close()


def _newer(live: Path, path: Path) -> None:
    backup(f"sqlite:///{live}", path)
    connection = sqlite3.connect(path)
    connection.execute("UPDATE alembic_version SET version_num = '9999'")
    connection.commit()
    connection.close()


def _other_application(live: Path, path: Path) -> None:
    backup(f"sqlite:///{live}", path)
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA application_id = 12345")
    connection.commit()
    connection.close()


def _broken_link(live: Path, path: Path) -> None:
    backup(f"sqlite:///{live}", path)
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA foreign_keys = OFF")
    connection.execute("UPDATE service_area SET directorate_id = 99999")
    connection.commit()
    connection.close()


def _damaged_pages(live: Path, path: Path) -> None:
    backup(f"sqlite:///{live}", path)
    data = bytearray(path.read_bytes())
    page = 4096
    for offset in range(3 * page, min(len(data), 12 * page), page):
        data[offset : offset + 64] = b"\xff" * 64  # b-tree page headers overwritten
    path.write_bytes(bytes(data))


REFUSED = {
    "foreign": (lambda live, p: _foreign_with_alembic(p), DatabaseError, "not a CRM Desktop"),
    "other application": (_other_application, DatabaseError, "not a CRM Desktop"),
    "not sqlite": (lambda live, p: p.write_bytes(b"junk" * 100), DatabaseError, "not a SQLite"),
    "newer": (_newer, DatabaseError, "newer version"),
    "broken link": (_broken_link, DamagedDatabase, "fails the database check"),
    "damaged": (_damaged_pages, DamagedDatabase, "Nothing was restored"),
    "missing": (lambda live, p: None, FileProblem, "no file"),
}


@pytest.mark.parametrize("kind", list(REFUSED))
def test_a_file_that_must_not_be_restored_is_refused_in_one_line(
    database: Database, sqlite_url: str, live: Path, tmp_path: Path, kind: str
) -> None:
    make, error, words = REFUSED[kind]
    candidate = tmp_path / f"{kind.replace(' ', '-')}.db"
    make(live, candidate)
    database.write(lambda s: s.add(Directorate(name="Live only")))
    before = _fingerprint(live)
    with pytest.raises(error, match=words):
        restore(candidate, sqlite_url)
    database.dispose()
    code, _out, err = _cli(sqlite_url, "restore", str(candidate))
    assert code == 2, err
    assert err.count("\n") == 1 and words in err and "Traceback" not in err
    assert _fingerprint(live) == before and _healthy(live)
    assert not list(live.parent.glob(f"{live.stem}.replaced-*"))


def test_restore_keeps_the_replaced_database_and_the_result_passes_db_check(
    database: Database, sqlite_url: str, live: Path, tmp_path: Path
) -> None:
    database.write(lambda s: s.add(Directorate(name="In the backup")))
    saved = backup(sqlite_url, tmp_path / "saved.db").path
    database.write(lambda s: s.add(Directorate(name="After the backup")))
    kept = restore(saved, sqlite_url)  # the program's own connection is still open
    assert kept is not None and "After the backup" in _names(kept) and _healthy(kept)
    assert "In the backup" in _names(live) and "After the backup" not in _names(live)
    database.dispose()
    code, _out, err = _cli(sqlite_url, "db", "check")
    assert code == 0, err


def test_restore_works_on_a_database_in_rollback_journal_mode(
    database: Database, sqlite_url: str, live: Path, tmp_path: Path
) -> None:
    """A file on a network drive uses the rollback journal, not WAL: the restore's first
    step then locks readers out too, so the replaced database is kept just before it.
    It restored before the restore was made one step; it must still."""
    database.write(lambda s: s.add(Directorate(name="In the backup")))
    saved = backup(sqlite_url, tmp_path / "saved.db").path
    database.write(lambda s: s.add(Directorate(name="After the backup")))
    database.dispose()
    connection = sqlite3.connect(live)
    try:
        assert connection.execute("PRAGMA journal_mode = DELETE").fetchone()[0] == "delete"
    finally:
        connection.close()
    kept = restore(saved, sqlite_url)
    assert kept is not None and "After the backup" in _names(kept) and _healthy(kept)
    assert "In the backup" in _names(live) and "After the backup" not in _names(live)
    assert _healthy(live)


WRITER = textwrap.dedent(
    """
    import sqlite3, sys, time
    path, ready = sys.argv[1], sys.argv[2]
    i = 0
    connection = sqlite3.connect(path, timeout=60, isolation_level=None)
    while True:
        i += 1
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute(
                "INSERT INTO directorate (name, active, sort_order, version, updated_at) "
                "VALUES (?, 1, 0, 1, '2024-01-01 00:00:00')",
                (f"W {i:06d}",),
            )
            connection.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            print(exc, file=sys.stderr, flush=True)
            continue
        if i == 20:
            open(ready, "w").close()
    """
)


LOGGING_WRITER = textwrap.dedent(
    """
    import sqlite3, sys
    path, log = sys.argv[1], sys.argv[2]
    connection = sqlite3.connect(path, timeout=60, isolation_level=None)
    with open(log, "a") as out:
        for i in range(1, 1_000_000):
            connection.execute("BEGIN IMMEDIATE")
            connection.execute(
                "INSERT INTO directorate (name, active, sort_order, version, updated_at) "
                "VALUES (?, 1, 0, 1, '2024-01-01 00:00:00')",
                (f"W {i:06d}",),
            )
            connection.execute("COMMIT")
            out.write(f"{i}\\n")
            out.flush()
    """
)


def _written(path: Path) -> set[int]:
    return {int(name.split()[1]) for name in _names(path) if name.startswith("W ")}


def test_every_save_committed_during_a_restore_is_kept_or_restored_over(
    database: Database,
    sqlite_url: str,
    live: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from crm_desktop.services import backup as backup_module

    saved = backup(sqlite_url, tmp_path / "saved.db").path
    database.dispose()
    keep_copy = backup_module._keep_copy

    def slow_keep_copy(*args: object, **kwargs: object) -> None:
        keep_copy(*args, **kwargs)  # type: ignore[arg-type]
        time.sleep(0.5)  # the other program saves many times a second meanwhile

    monkeypatch.setattr(backup_module, "_keep_copy", slow_keep_copy)
    log = tmp_path / "committed.log"
    writer = subprocess.Popen(
        [sys.executable, "-c", LOGGING_WRITER, str(live), str(log)], stderr=subprocess.PIPE
    )
    try:
        while not log.exists() or len(log.read_text().split()) < 20:
            assert writer.poll() is None, writer.stderr.read() if writer.stderr else ""
            time.sleep(0.01)
        kept = restore(saved, sqlite_url)
        time.sleep(0.3)  # the writer carries on after the restore
    finally:
        writer.kill()
        writer.wait()
        if writer.stderr is not None:
            writer.stderr.close()
    assert kept is not None
    committed = {int(line) for line in log.read_text().split()}
    in_kept, in_live = _written(kept), _written(live)
    assert committed - in_kept - in_live == set(), "saves lost by the restore"
    assert in_live and min(in_live) == max(in_kept) + 1  # the writer went on, after the lock
    assert _healthy(kept) and _healthy(live)


def test_two_restores_in_one_second_keep_both_replaced_databases(
    database: Database,
    sqlite_url: str,
    live: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import datetime as dt
    import types

    from crm_desktop.services import backup as backup_module

    class OneSecond(dt.datetime):
        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> OneSecond:
            return cls(2024, 3, 14, 9, 30, 0)

    monkeypatch.setattr(backup_module, "dt", types.SimpleNamespace(datetime=OneSecond))
    saved = backup(sqlite_url, tmp_path / "saved.db").path
    database.write(lambda s: s.add(Directorate(name="Only in the original")))
    database.dispose()
    first = restore(saved, sqlite_url)  # the wrong backup, say
    second = restore(saved, sqlite_url)  # and straight away the right one
    assert first is not None and second is not None and first != second
    assert first.name == "crm.replaced-20240314-093000.db"
    assert second.name == "crm.replaced-20240314-093000-2.db"
    assert "Only in the original" in _names(first)
    assert "Only in the original" not in _names(second)


def _directorate_columns_ok(live: Path) -> None:
    connection = sqlite3.connect(live)
    try:
        columns = {r[1] for r in connection.execute("PRAGMA table_info(directorate)")}
    finally:
        connection.close()
    assert {"id", "name", "short_name", "active", "sort_order", "version"} | {
        "updated_at",
        "updated_by",
    } == columns


def test_restore_while_another_process_keeps_writing_is_old_or_restored_never_a_mix(
    database: Database, sqlite_url: str, live: Path, tmp_path: Path
) -> None:
    _directorate_columns_ok(live)
    database.write(lambda s: s.add(Directorate(name="Backup marker")))
    saved = backup(sqlite_url, tmp_path / "saved.db").path
    restored_names = _names(saved)
    database.write(lambda s: s.add(Directorate(name="Old only")))
    database.dispose()
    for attempt in range(3):
        ready = tmp_path / f"ready-{attempt}"
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(live), str(ready)],
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            while not ready.exists():
                assert writer.poll() is None, writer.stderr.read() if writer.stderr else ""
                time.sleep(0.01)
            restore(saved, sqlite_url)
            time.sleep(0.2)  # the writer carries on after the restore
        finally:
            writer.kill()
            writer.wait()
            if writer.stderr is not None:
                writer.stderr.close()
        assert _healthy(live)
        names = _names(live)
        assert names[: len(restored_names)] == restored_names  # the backup, whole
        assert "Old only" not in names
        written = [int(n.split()[1]) for n in names[len(restored_names) :]]
        # only what the writer wrote after the restore, in order and without a gap
        assert all(n.startswith("W ") for n in names[len(restored_names) :])
        assert written == list(range(written[0], written[0] + len(written))) if written else True
    code, _out, err = _cli(sqlite_url, "db", "check")
    assert code == 0, err


def test_a_long_write_by_someone_else_makes_restore_refuse_naming_who(
    database: Database, sqlite_url: str, live: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crm_desktop.services import backup as backup_module

    saved = backup(sqlite_url, tmp_path / "saved.db").path
    database.dispose()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3,sys,time; c=sqlite3.connect(sys.argv[1], isolation_level=None); "
            "c.execute('BEGIN IMMEDIATE'); print('held', flush=True); time.sleep(60)",
            str(live),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        before = _fingerprint(live)
        monkeypatch.setattr(backup_module, "RESTORE_WAIT_SECONDS", 0.5)
        with pytest.raises(DatabaseBusyError, match="in use") as caught:
            restore(saved, sqlite_url)
        if sys.platform.startswith("linux"):
            assert f"process {holder.pid}" in caught.value.message
            assert holders(live)
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()
    assert _fingerprint(live) == before and _healthy(live)
    assert not list(live.parent.glob("*.replaced-*")), "nothing restored, nothing kept"


def test_a_damaged_live_file_is_replaced_only_when_no_one_has_it_open(
    database: Database, sqlite_url: str, live: Path, tmp_path: Path
) -> None:
    saved = backup(sqlite_url, tmp_path / "saved.db").path
    database.dispose()
    live.write_bytes(b"\x00" * 100 + live.read_bytes()[100:])  # header gone: not a database
    damaged = live.read_bytes()
    kept = restore(saved, sqlite_url)
    assert kept is not None and kept.read_bytes() == damaged
    assert _healthy(live) and _names(live) == _names(saved)


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_the_next_backup_or_restore_removes_what_an_interrupted_one_left(
    database: Database, sqlite_url: str, live: Path, tmp_path: Path
) -> None:
    host = "".join(c for c in socket.gethostname() if c.isalnum())[:24] or "host"
    pid = _dead_pid()
    out_dir = tmp_path / "backups"
    out_dir.mkdir()
    left = [
        out_dir / f".nightly.db.{host}-{pid}-0123456789ab.partial",
        out_dir / f".nightly.db.{host}-{pid}-0123456789ab.partial-journal",
        live.parent / f".{live.name}.{host}-{pid}-ba9876543210.partial",
    ]
    mine = out_dir / f".other.db.{host}-{os.getpid()}-aaaaaaaaaaaa.partial"  # a live writer's
    for path in [*left, mine]:
        path.write_bytes(b"x" * 1000)
    saved = backup(sqlite_url, out_dir / "nightly.db").path
    assert not left[0].exists() and not left[1].exists() and mine.exists()
    restore(saved, sqlite_url)
    assert not left[2].exists()
    assert not list(out_dir.glob(".nightly*"))


def test_a_backup_killed_half_way_leaves_nothing_the_next_one_keeps(
    database: Database, sqlite_url: str, tmp_path: Path
) -> None:
    out_dir = tmp_path / "killed"
    out_dir.mkdir()
    script = textwrap.dedent(
        """
        import sys, time
        from pathlib import Path
        from crm_desktop.services.backup import backup
        def slow(done, total):
            print(done, flush=True)
            time.sleep(60)
        backup(sys.argv[1], Path(sys.argv[2]), slow)
        """
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script, sqlite_url, str(out_dir / "a.db")],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdout.readline()
    assert list(out_dir.glob(".a.db.*.partial*"))  # the copy under way
    process.kill()
    process.wait()
    process.stdout.close()
    backup(sqlite_url, out_dir / "b.db")
    assert sorted(p.name for p in out_dir.iterdir()) == ["b.db"]
