"""The crm-desktop command: database upkeep and every kind of bad database."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from crm_desktop import __version__
from crm_desktop.cli import main

ROOT = Path(__file__).resolve().parents[2]


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_version_from_python_dash_m() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "crm_desktop", "--version"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    assert result.stdout.strip() == f"crm-desktop {__version__}"


def test_db_upgrade_creates_and_check_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    code, out, _ = run(["--database", url, "db", "upgrade"], capsys)
    assert code == 0 and "current schema" in out
    code, out, _ = run(["--database", url, "db", "check"], capsys)
    assert code == 0
    assert "Database is healthy." in out


def test_db_check_finds_damage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "damaged.db"
    url = f"sqlite:///{path}"
    assert run(["--database", url, "db", "upgrade"], capsys)[0] == 0
    import sqlite3

    connection = sqlite3.connect(path)
    connection.execute("PRAGMA foreign_keys = OFF")
    connection.execute(
        "INSERT INTO service_area (procedure, directorate_id, name, for_complaints, "
        "for_compliments, active, sort_order, version, updated_at) "
        "VALUES ('corporate', 999, 'Orphan', 1, 0, 1, 0, 1, '2024-01-01')"
    )
    connection.commit()
    connection.close()
    code, _, err = run(["--database", url, "db", "check"], capsys)
    assert code == 1
    assert "missing directorate record" in err


def test_db_check_finds_a_case_pointing_at_another_cases_stage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'links.db'}"
    from crm_desktop.db.database import open_database
    from tests.factories import add_case

    db = open_database(url)

    def build(session):  # type: ignore[no-untyped-def]
        first = add_case(session)
        second = add_case(session)
        second.current_stage_id = first.current_stage_id

    db.write(build)
    db.dispose()
    code, _, err = run(["--database", url, "db", "check"], capsys)
    assert code == 1
    assert "1 cases point at a current stage that is not theirs" in err


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ("text", "not a CRM Desktop database"),
        ("folder", "does not exist"),
    ],
)
def test_bad_databases_get_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], setup: str, expected: str
) -> None:
    path = tmp_path / "x.db"
    if setup == "text":
        path.write_text("not a database at all\n" * 10)
    else:
        path = tmp_path / "missing" / "x.db"
    before = hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None
    code, out, err = run(["--database", f"sqlite:///{path}", "db", "check"], capsys)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and expected in err and err.startswith("crm-desktop: ")
    if before is not None:
        assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_unreachable_server_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        ["--database", "postgresql+psycopg://x@127.0.0.1:1/db?connect_timeout=3", "db", "upgrade"],
        capsys,
    )
    assert code == 2
    assert err.count("\n") == 1 and "Cannot connect to the database" in err


def test_database_from_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'env.db'}"
    monkeypatch.setenv("CRM_DATABASE_URL", url)
    code, out, _ = run(["db", "where"], capsys)
    assert code == 0 and out.strip() == url
    assert run(["db", "upgrade"], capsys)[0] == 0
    assert (tmp_path / "env.db").exists()


def test_db_upgrade_on_postgres(postgres_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--database", postgres_url, "db", "upgrade"], capsys)[0] == 0
    code, out, _ = run(["--database", postgres_url, "db", "check"], capsys)
    assert code == 0 and "Database is healthy." in out


def test_the_periodic_check_runs_once_a_day(tmp_path: Path) -> None:
    import datetime as dt

    from crm_desktop.db.database import open_database
    from crm_desktop.services.maintenance import periodic_check

    db = open_database(f"sqlite:///{tmp_path / 'daily.db'}")
    try:
        morning = dt.datetime(2024, 3, 14, 9, 0)
        first = periodic_check(db, morning)
        assert first is not None and first.ok
        assert periodic_check(db, morning + dt.timedelta(hours=5)) is None
        assert periodic_check(db, morning + dt.timedelta(days=1, minutes=1)) is not None
    finally:
        db.dispose()


def test_output_cut_short_by_its_reader_ends_quietly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`crm-desktop calendar holidays 2024 | head -0`: the reader has gone, so writing
    fails with a broken pipe; the command stops with status 1 and no traceback."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    with open(write_end, "w", buffering=1) as cut_short:
        monkeypatch.setattr(sys, "stdout", cut_short)
        url = f"sqlite:///{tmp_path / 'crm.db'}"
        from crm_desktop.db.database import open_database

        open_database(url).dispose()  # made first: a command on a missing file refuses
        assert main(["--database", url, "calendar", "holidays", "2024"]) == 1
        monkeypatch.undo()


READ_ONLY_COMMANDS = [
    ["db", "check"],
    ["report", "annual", "--year", "2023", "--out", "{tmp}/r.pdf"],
    ["report", "code", "--year", "2026", "--out", "{tmp}/r.pdf"],
    ["export", "cases", "--out", "{tmp}/cases.csv"],
    ["queue", "overdue"],
    ["privacy", "review"],
    ["privacy", "people", "Smith"],
    ["privacy", "sar", "1", "--out", "{tmp}/sar.zip"],
    ["privacy", "access-log"],
    ["privacy", "purge", "--reason", "Annual"],
    ["user", "list"],
    ["audit", "verify"],
    ["code", "self-assessment", "--year", "2026"],
    ["code", "history", "--year", "2026"],
    # ... and those that act on what a database already holds.
    ["calendar", "holidays", "2024"],
    ["code", "answer", "--year", "2026", "6.2", "--complies", "yes"],
    ["privacy", "anonymise", "COR-2024-00001", "--reason", "Retention"],
    ["privacy", "hold", "COR-2024-00001", "--reason", "Claim"],
    ["privacy", "population"],
    ["reminders", "status"],
    ["template", "list"],
    ["user", "disable", "boss"],
]


@pytest.mark.parametrize("command", READ_ONLY_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_a_command_that_only_reads_refuses_a_database_that_is_not_there(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    missing = tmp_path / "mistyped.db"
    argv = [part.format(tmp=tmp_path) for part in command]
    code, out, err = run(["--database", f"sqlite:///{missing}", *argv], capsys)
    assert code == 2 and out == ""
    assert err == (
        f"crm-desktop: There is no database at {missing}. Check the path, or start the "
        "program once to create it.\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing made, no file


def test_an_empty_file_or_a_database_in_memory_has_nothing_to_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    code, _, err = run(["--database", f"sqlite:///{empty}", "db", "check"], capsys)
    assert code == 2 and "There is no database at" in err
    assert empty.stat().st_size == 0
    code, _, err = run(["--database", "sqlite:///:memory:", "db", "check"], capsys)
    assert code == 2 and "in memory: there is nothing in it to read" in err
    assert err.count("\n") == 1


def test_the_commands_that_set_a_database_up_still_create_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    path = tmp_path / "new.db"
    monkeypatch.setattr("sys.stdin", io.StringIO("a long password\n"))
    code, _, err = run(
        ["--database", f"sqlite:///{path}", "user", "add", "boss", "--role", "manager",
         "--password-stdin"],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    assert path.exists()
    code, out, _ = run(["--database", f"sqlite:///{path}", "user", "list"], capsys)
    assert code == 0 and "boss" in out
