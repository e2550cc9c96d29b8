"""Backups while others write, restores, and `audit verify` on a tampered trail."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from crm_desktop.cli import main
from crm_desktop.db.database import Database, open_database
from crm_desktop.db.models import AuditEvent, Directorate
from crm_desktop.errors import DatabaseError, ValidationError
from crm_desktop.services.backup import backup, restore


def count_directorates(path: Path) -> int:
    connection = sqlite3.connect(path)
    try:
        return int(connection.execute("SELECT count(*) FROM directorate").fetchone()[0])
    finally:
        connection.close()


def test_backup_while_another_user_keeps_writing(
    database: Database, sqlite_url: str, tmp_path: Path
) -> None:
    stop = threading.Event()
    written: list[int] = []

    def keep_writing() -> None:
        i = 0
        while not stop.is_set():
            i += 1
            database.write(lambda s, i=i: s.add(Directorate(name=f"Directorate {i}")))
            written.append(i)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        while len(written) < 5:
            pass
        result = backup(sqlite_url, tmp_path / "copy.db")
    finally:
        stop.set()
        writer.join()
    assert result.path.exists() and result.pages > 0
    copied = count_directorates(result.path)
    assert 6 + 5 <= copied <= 6 + len(written)  # a consistent snapshot mid-stream
    check = open_database(f"sqlite:///{result.path}")
    check.dispose()


def test_backup_refuses_to_overwrite_and_postgres(
    sqlite_url: str, database: Database, tmp_path: Path
) -> None:
    target = tmp_path / "exists.db"
    target.write_text("keep me")
    with pytest.raises(ValidationError, match="already exists"):
        backup(sqlite_url, target)
    assert target.read_text() == "keep me"
    with pytest.raises(ValidationError, match="pg_dump"):
        backup("postgresql+psycopg://postgres@127.0.0.1/test", tmp_path / "pg.db")


def test_restore_puts_the_backup_back_and_keeps_the_replaced_file(
    database: Database, sqlite_url: str, tmp_path: Path
) -> None:
    saved = backup(sqlite_url, tmp_path / "before.db").path
    database.write(lambda s: s.add(Directorate(name="Added after the backup")))
    database.dispose()
    live = Path(sqlite_url.removeprefix("sqlite:///"))
    kept = restore(saved, sqlite_url)
    assert kept is not None and count_directorates(kept) == 7
    assert count_directorates(live) == 6
    not_a_backup = tmp_path / "junk.db"
    not_a_backup.write_text("junk")
    with pytest.raises(DatabaseError):
        restore(not_a_backup, sqlite_url)
    assert count_directorates(live) == 6


def test_backup_and_restore_commands(
    database: Database, sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "nightly.db"
    assert main(["--database", sqlite_url, "backup", str(out)]) == 0
    assert "Backed up" in capsys.readouterr().out
    database.dispose()
    assert main(["--database", sqlite_url, "restore", str(out)]) == 0
    assert "Restored" in capsys.readouterr().out


def test_audit_verify_command_finds_each_kind_of_tampering(
    database: Database, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("One", "Two", "Three"):
        database.write(lambda s, name=name: s.add(Directorate(name=name)), actor="officer1")
    assert main(["--database", sqlite_url, "audit", "verify"]) == 0
    assert "The audit trail is intact" in capsys.readouterr().out
    with database.session() as session:
        last = session.scalar(sa.select(sa.func.max(AuditEvent.id)))
    assert last is not None
    with database.engine.begin() as connection:
        connection.execute(
            sa.update(AuditEvent).where(AuditEvent.id == last - 1).values(action="delete")
        )
    assert main(["--database", sqlite_url, "audit", "verify"]) == 1
    err = capsys.readouterr().err
    assert f"event {last - 1} was changed after it was written" in err
    assert "tampered with" in err
