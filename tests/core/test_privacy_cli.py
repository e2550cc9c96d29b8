"""``crm-desktop privacy ...`` end to end on a SQLite file."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from crm_desktop.cli import main
from crm_desktop.db.database import Database
from crm_desktop.db.models import Case
from crm_desktop.domain.enums import UserRole
from crm_desktop.privacy.access_log import record_case_opened
from crm_desktop.services.users import add_user
from tests.core.test_privacy_support import OFFICER, add_closed_case, add_person, someone


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_review_hold_anonymise_sar_and_access_log(
    database: Database, sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    who = someone("V")

    def build(session: sa.orm.Session) -> tuple[str, str, int]:
        person = add_person(session, who)
        first = add_closed_case(session, person)
        second = add_closed_case(session, add_person(session, someone("W")))
        add_user(session, "boss", UserRole.MANAGER, password="a long password")
        add_user(session, "clerk", UserRole.OFFICER, password="a long password")
        return first.reference, second.reference, person.id

    first, second, person_id = database.write(build)
    with database.session() as session:
        first_id = session.scalars(sa.select(Case.id).where(Case.reference == first)).one()
    database.write(lambda s: record_case_opened(s, OFFICER, first_id))
    db = ["--database", sqlite_url, "privacy"]
    boss = ["--as", "boss", "--database", sqlite_url, "privacy"]
    clerk = ["--as", "clerk", "--database", sqlite_url, "privacy"]

    code, out, _ = run([*db, "review", "--as-of", "2030-01-15"], capsys)
    assert code == 0 and first in out and second in out and "2 due" in out

    code, out, _ = run([*boss, "hold", second, "--reason", "Ombudsman review"], capsys)
    assert code == 0 and "legal hold" in out
    code, out, _ = run([*db, "review", "--as-of", "2030-01-15"], capsys)
    assert "ON HOLD: Ombudsman review" in out

    code, _, err = run([*clerk, "anonymise", first, "--reason", "Due"], capsys)
    assert code == 2 and err.count("\n") == 1  # one line: refused
    with database.session() as session:
        assert session.get(Case, first_id) is not None
        assert session.scalar(sa.select(Case.anonymised_at).where(Case.id == first_id)) is None
    code, _, err = run([*db, "hold", "NOPE-2024-1", "--reason", "x"], capsys)
    assert code == 2 and "NOPE-2024-1" in err

    code, out, _ = run([*boss, "people", who.postcode], capsys)
    assert code == 0 and out.startswith(f"{person_id}\t{who.name}\t") and first in out
    code, out, _ = run([*boss, "people", first.lower()], capsys)  # by case reference
    assert out.splitlines()[0].startswith(f"{person_id}\t")
    code, _, err = run([*clerk, "people", who.name], capsys)
    assert code == 2 and "cannot" in err
    out_zip = tmp_path / "sar.zip"
    code, out, _ = run([*boss, "sar", str(person_id), "--out", str(out_zip)], capsys)
    assert code == 0 and "Wrote" in out
    with zipfile.ZipFile(out_zip) as archive:
        assert "index.pdf" in archive.namelist()
        assert first in archive.read("data/cases.csv").decode("utf-8-sig")

    code, out, _ = run(
        [*db, "purge", "--as-of", "2030-01-15", "--reason", "Annual", "--dry-run"], capsys
    )
    assert code == 0 and f"{second}: kept (legal hold)" in out and "nothing was changed" in out
    code, out, _ = run([*db, "anonymise", first, "--reason", "Retention ended"], capsys)
    assert code == 0 and f"Anonymised {first}" in out
    code, out, _ = run([*db, "purge", "--reason", "Annual"], capsys)  # closed in 2017
    assert code == 0 and "0 cases done, 1 kept on legal hold" in out
    code, out, _ = run([*boss, "release", second, "--reason", "Review closed"], capsys)
    assert code == 0

    code, out, _ = run([*boss, "access-log", "--case", first], capsys)
    assert code == 0 and "officer1" in out and first in out
    code, _, err = run([*clerk, "access-log"], capsys)
    assert code == 2 and err.count("\n") == 1

    code, out, _ = run([*db, "population", "sex", "female", "50.5"], capsys)
    assert code == 0 and "Female: population share 50.5%" in out
    code, _, err = run([*db, "population", "height", "tall", "3"], capsys)
    assert code != 0 and "characteristic" in err
    code, _, err = run([*clerk, "population", "sex", "female", "20"], capsys)
    assert code == 2
    code, out, _ = run([*clerk, "population"], capsys)  # officers read them
    assert code == 0 and "Sex, Female: 50.5%" in out and "Sex, Male: not set" in out
    code, _, err = run([*db, "population", "sex"], capsys)
    assert code == 2 and "percentage" in err


def test_purge_refuses_a_day_after_today_but_a_dry_run_may_look_ahead(
    database: Database, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    import datetime as dt

    closed = dt.date.today() - dt.timedelta(days=365)  # due in about five years
    reference = database.write(
        lambda s: add_closed_case(s, add_person(s, someone("X")), received=closed, closed=closed)
    ).reference
    db = ["--database", sqlite_url, "privacy"]
    later = (dt.date.today() + dt.timedelta(days=365 * 20)).isoformat()
    code, out, _ = run([*db, "purge", "--as-of", later, "--reason", "t", "--dry-run"], capsys)
    assert code == 0 and f"{reference}: would" in out
    code, out, err = run([*db, "purge", "--as-of", later, "--reason", "t"], capsys)
    assert code == 2 and out == ""
    assert f"--as-of {later} is after today" in err and "--dry-run" in err
    assert err.count("\n") == 1
    with database.session() as session:
        case = session.scalars(sa.select(Case).where(Case.reference == reference)).one()
        assert case.anonymised_at is None
    today = dt.date.today().isoformat()
    code, out, _ = run([*db, "purge", "--as-of", today, "--reason", "t"], capsys)
    assert code == 0 and "0 cases done" in out


def test_restore_names_the_cases_anonymised_or_deleted_since_the_backup(
    database: Database, sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def build(session: sa.orm.Session) -> tuple[str, str, str]:
        cases = [add_closed_case(session, add_person(session, someone(c))) for c in "ABC"]
        return cases[0].reference, cases[1].reference, cases[2].reference

    before, gone, changed = database.write(build)
    db = ["--database", sqlite_url]
    assert run([*db, "privacy", "anonymise", before, "--reason", "Early"], capsys)[0] == 0
    saved = tmp_path / "saved.db"
    assert run([*db, "backup", str(saved)], capsys)[0] == 0
    assert run([*db, "privacy", "delete", gone, "--reason", "Retention ended"], capsys)[0] == 0
    assert run([*db, "privacy", "anonymise", changed, "--reason", "Asked"], capsys)[0] == 0
    database.dispose()
    code, out, err = run([*db, "restore", str(saved)], capsys)
    assert code == 0, err
    assert "2 cases were anonymised or deleted after the backup was made" in out
    assert f"  {gone}: deleted at " in out and "(Retention ended)" in out
    assert f"  {changed}: anonymised at " in out and "(Asked)" in out
    assert f"{before}:" not in out  # anonymised in the backup too
    assert out.index(gone) < out.index(changed)  # in the order they were done
    code, out, _ = run([*db, "restore", str(saved)], capsys)  # the same again: none since
    assert code == 0 and "after the backup was made" not in out


def test_user_add_takes_the_investigators_number_privacy_people_shows(
    database: Database,
    sqlite_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import io

    from crm_desktop.db.models import Person, User

    def build(session: sa.orm.Session) -> None:
        session.add(Person(full_name="Ivy Investigator", is_investigator=True))
        add_user(session, "boss", UserRole.MANAGER, password="a long password")

    database.write(build)
    with pytest.raises(SystemExit):
        main(["--database", sqlite_url, "user", "add", "--help"])
    assert "'privacy people NAME'" in " ".join(capsys.readouterr().out.split())
    code, out, _ = run(
        ["--as", "boss", "--database", sqlite_url, "privacy", "people", "Ivy"], capsys
    )
    number = out.split("\t")[0]
    monkeypatch.setattr("sys.stdin", io.StringIO("a long password\n"))
    code, out, err = run(
        [
            "--database",
            sqlite_url,
            "user",
            "add",
            "ivy",
            "--role",
            "investigator",
            "--person-id",
            number,
            "--password-stdin",
        ],
        capsys,
    )
    assert code == 0, err
    with database.session() as session:
        ivy = session.scalars(sa.select(User).where(User.username == "ivy")).one()
        person = session.get(Person, ivy.person_id)
        assert person is not None and person.full_name == "Ivy Investigator"
