"""A report or export is never written over a database: not the live one given as the
output by mistake, not a backup, not the files SQLite keeps beside one."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from crm_desktop.cli import main
from crm_desktop.db.database import Database
from crm_desktop.errors import FileProblem
from crm_desktop.files import atomic_write, atomic_writes


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def a_database(path: Path) -> Path:
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE t (x)")
    connection.commit()
    connection.close()
    return path


@pytest.mark.parametrize("name", ["other.db", "report.pdf", "other.db-wal", "other.db-journal"])
def test_atomic_write_refuses_a_database_or_its_companion(tmp_path: Path, name: str) -> None:
    database = a_database(tmp_path / "other.db")
    if name == "report.pdf":  # a database under a report's name is still a database
        database.rename(tmp_path / name)
    target = tmp_path / name
    before = target.read_bytes() if target.exists() else None
    refused = pytest.raises(FileProblem, match=r"is a database, not a report: choose another")
    with refused, atomic_write(target) as temporary:
        temporary.write_bytes(b"%PDF-1.4")
    assert (target.read_bytes() if target.exists() else None) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_atomic_writes_refuses_before_writing_any_target(tmp_path: Path) -> None:
    database = a_database(tmp_path / "live.db")
    report = tmp_path / "report.pdf"
    with pytest.raises(FileProblem), atomic_writes([report, database]) as temporaries:
        for temporary in temporaries:
            temporary.write_bytes(b"x")
    assert not report.exists()


def test_an_earlier_report_or_a_stray_wal_name_may_be_replaced(tmp_path: Path) -> None:
    report = tmp_path / "report.pdf"
    report.write_bytes(b"%PDF last year's")
    with atomic_write(report) as temporary:
        temporary.write_bytes(b"%PDF this year's")
    assert report.read_bytes() == b"%PDF this year's"
    notes = tmp_path / "notes-wal"  # ends like a companion, but beside no database
    with atomic_write(notes) as temporary:
        temporary.write_text("x")
    assert notes.read_text() == "x"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    "command",
    [
        ["report", "annual", "--year", "2023", "--out", "{live}"],
        ["report", "annual", "--year", "2023", "--out", "{tmp}/r.pdf", "--xlsx", "{live}"],
        ["report", "annual", "--year", "2023", "--out", "{tmp}/r.pdf", "--html", "{live}-wal"],
        ["report", "code", "--year", "2026", "--out", "{live}"],
        ["export", "cases", "--out", "{sneaky}"],
        ["baseline", "template", "--year", "2023", "--out", "{live}"],
        ["code", "self-assessment", "--year", "2026", "--xlsx", "{live}"],
        ["report", "annual", "--year", "2023", "--out", "{other}"],
    ],
)
def test_commands_refuse_to_write_over_a_database(
    database: Database,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
) -> None:
    live = Path(database.url.removeprefix("sqlite:///"))
    database.dispose()
    other = a_database(tmp_path / "other-backup.db")
    sneaky = a_database(tmp_path / "cases.xlsx")  # a database under a spreadsheet's name
    before = {live: digest(live), other: digest(other), sneaky: digest(sneaky)}
    argv = [part.format(live=live, tmp=tmp_path, other=other, sneaky=sneaky) for part in command]
    code, _, err = run(["--database", database.url, *argv], capsys)
    assert code == 2, err
    assert "is a database, not a report: choose another file name" in err
    assert len(err.strip().splitlines()) == 1
    assert {path: digest(path) for path in before} == before
    assert not (tmp_path / "r.pdf").exists()
    code, out, _ = run(["--database", database.url, "db", "check"], capsys)
    assert code == 0 and "Database is healthy." in out
