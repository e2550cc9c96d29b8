"""Errors the machine causes are one line with exit status 2 and the data untouched:
a full disk (import, backup), damaged pages (``db check`` reports them and exits 1;
other commands say the file is damaged and what to do), a read-only drive (said as
such, with who can fix it, and no advice to restore), a server that went away."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from crm_desktop.db.database import Database, open_database
from crm_desktop.errors import ServerGone
from crm_desktop.operations import imports
from crm_desktop.operations.core import run_operation
from crm_desktop.services.importer import read_rows
from crm_desktop.services.users import command_line_actor
from tests.core.test_importer import row, write_csv


def _cli(url: str, *argv: str, cwd: Path) -> tuple[int, str, str]:
    result = subprocess.run(
        [sys.executable, "-m", "crm_desktop", "--database", url, *argv],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    return result.returncode, result.stdout, result.stderr


def _state(path: Path) -> tuple[int, int, object]:
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        cases = connection.execute("SELECT count(*) FROM representation").fetchone()[0]
        events = connection.execute("SELECT count(*) FROM audit_event").fetchone()[0]
        head = connection.execute("SELECT max(id), max(hash) FROM audit_event").fetchone()
        return int(cases), int(events), tuple(head)
    finally:
        connection.close()


def _mount_tmpfs(where: Path, size: int) -> None:
    if sys.platform != "linux" or os.geteuid() != 0:
        pytest.skip("a small filesystem needs root on Linux to mount (tmpfs)")
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"this machine does not allow mounting a tmpfs: {done.stderr.strip()}")


@pytest.fixture
def small_drive(tmp_path: Path) -> Iterator[Path]:
    where = tmp_path / "small"
    mounted: list[Path] = []

    def mount(size: int) -> Path:
        _mount_tmpfs(where, size)
        mounted.append(where)
        return where

    yield mount  # type: ignore[misc]
    for path in mounted:
        subprocess.run(["umount", "-l", str(path)], check=False)


def _fill(path: Path, leave: int) -> None:
    """Fill the drive holding ``path`` until ``leave`` bytes are free."""
    free = shutil.disk_usage(path).free
    with (path / "filler").open("wb") as handle:
        handle.write(b"\0" * max(free - leave, 0))


def test_disk_full_during_import_is_one_line_and_nothing_is_written(
    sqlite_template: Path, tmp_path: Path, small_drive: object
) -> None:
    drive = small_drive(8 * 1024 * 1024)  # type: ignore[operator]
    live = drive / "crm.db"
    shutil.copyfile(sqlite_template, live)
    url = f"sqlite:///{live}"
    open_database(url).dispose()
    rows = [row(reference=f"D-{n:05d}", summary="x" * 2000) for n in range(3000)]
    source = write_csv(tmp_path / "big.csv", rows)
    before = _state(live)
    _fill(drive, 256 * 1024)
    code, _out, err = _cli(url, "import", "cases", str(source), cwd=tmp_path)
    assert code == 2, err
    assert err.count("\n") == 1 and "full" in err and "Traceback" not in err, err
    (drive / "filler").unlink()
    assert _state(live) == before


def test_disk_full_during_backup_is_one_line_and_leaves_nothing(
    database: Database, sqlite_url: str, tmp_path: Path, small_drive: object
) -> None:
    drive = small_drive(512 * 1024)  # type: ignore[operator]
    database.write(lambda s: None)
    database.dispose()
    code, _out, err = _cli(sqlite_url, "backup", str(drive / "copy.db"), cwd=tmp_path)
    assert code == 2, err
    assert (err.count("\n") == 1 and "no room" in err) or "full" in err, err
    assert list(drive.iterdir()) == []


def _damage(path: Path, pages: list[int]) -> None:
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = connection.execute("PRAGMA page_size").fetchone()[0]
    connection.close()
    data = bytearray(path.read_bytes())
    for page in pages:
        offset = (page - 1) * size
        data[offset : offset + size] = b"\x0d" + b"\xff" * (size - 1)
    path.write_bytes(bytes(data))


def _root_page(path: Path, table: str) -> int:
    connection = sqlite3.connect(path)
    try:
        return int(
            connection.execute(
                "SELECT rootpage FROM sqlite_master WHERE type='table' AND name=?", (table,)
            ).fetchone()[0]
        )
    finally:
        connection.close()


def test_damaged_pages_db_check_reports_and_other_commands_say_damaged(
    database: Database, sqlite_url: str, tmp_path: Path
) -> None:
    database.dispose()
    live = Path(sqlite_url.removeprefix("sqlite:///"))
    _damage(live, [_root_page(live, "calendar_day"), _root_page(live, "app_user")])
    damaged = live.read_bytes()
    code, out, err = _cli(sqlite_url, "db", "check", cwd=tmp_path)
    assert code == 1, err
    assert "Storage damaged" in err and "Traceback" not in err
    assert "checked: storage integrity" in out
    for argv in (
        ("export", "cases", "--out", str(tmp_path / "x.csv")),
        ("report", "annual", "--year", "2023", "--out", str(tmp_path / "r.pdf")),
        ("audit", "verify"),
        ("user", "list"),
        ("backup", str(tmp_path / "copy.db")),
    ):
        code, _out, err = _cli(sqlite_url, *argv, cwd=tmp_path)
        assert code == 2, (argv, err)
        assert err.count("\n") == 1 and "damaged" in err and "db check" in err, (argv, err)
    assert live.read_bytes() == damaged
    assert not (tmp_path / "copy.db").exists() and not (tmp_path / "x.csv").exists()


def test_a_read_only_drive_is_said_to_be_read_only_with_no_advice_to_restore(
    database: Database, sqlite_url: str, tmp_path: Path, small_drive: object
) -> None:
    database.dispose()
    drive = small_drive(16 * 1024 * 1024)  # type: ignore[operator]
    live = drive / "crm.db"
    shutil.copyfile(Path(sqlite_url.removeprefix("sqlite:///")), live)
    good = tmp_path / "good.db"
    shutil.copyfile(live, good)
    subprocess.run(["mount", "-o", "remount,ro", str(drive)], check=True)
    url = f"sqlite:///{live}"
    for argv in (
        ("db", "check"),
        ("user", "list"),
        ("import", "cases", str(write_csv(tmp_path / "one.csv", [row()]))),
        ("backup", str(tmp_path / "copy.db")),
        ("restore", str(good)),
    ):
        code, _out, err = _cli(url, *argv, cwd=tmp_path)
        assert code == 2, (argv, err)
        assert err.count("\n") == 1 and "read-only" in err and "Ask IT" in err, (argv, err)
        assert "restore" not in err.lower() and "damaged" not in err, (argv, err)


def test_a_read_only_file_is_said_to_be_read_only(
    database: Database, sqlite_url: str, tmp_path: Path
) -> None:
    database.dispose()
    live = Path(sqlite_url.removeprefix("sqlite:///"))
    if os.geteuid() == 0:
        done = subprocess.run(["chattr", "+i", str(live)], capture_output=True)
        if done.returncode != 0:
            pytest.skip("root ignores file permissions and chattr is not available here")
    else:
        live.chmod(0o444)
    try:
        code, _out, err = _cli(sqlite_url, "user", "list", cwd=tmp_path)
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(live)], check=False)
        else:
            live.chmod(0o644)
    assert code == 2 and err.count("\n") == 1 and "read-only" in err, err
    assert "restore" not in err.lower()


def test_the_server_going_away_mid_import_is_one_line_and_nothing_is_written(
    postgres_database: Database, tmp_path: Path
) -> None:
    rows = read_rows(write_csv(tmp_path / "some.csv", [row(reference=f"G-{n}") for n in range(50)]))
    with postgres_database.session() as session:
        actor = command_line_actor(session)
        before = session.scalar(sa.text("SELECT count(*) FROM representation"))
    admin = sa.create_engine(str(postgres_database.engine.url), poolclass=sa.pool.NullPool)

    def cut(done: int, total: int, text: str) -> None:
        with admin.begin() as connection:
            connection.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )

    class Cutting:
        def report(self, done: int, total: int, text: str = "") -> None:
            cut(done, total, text)

        def check(self) -> None:
            pass

    try:
        with pytest.raises(ServerGone) as caught:
            run_operation(
                postgres_database,
                actor,
                dt.date(2026, 1, 15),
                imports.import_rows,
                rows,
                "some.csv",
                progress=Cutting(),
            )
        assert "\n" not in caught.value.message and "lost" in caught.value.message
    finally:
        admin.dispose()
    with postgres_database.session() as session:
        assert session.scalar(sa.text("SELECT count(*) FROM representation")) == before
