"""``crm-desktop letterhead``, ``mail`` and ``template`` on a SQLite file."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from crm_desktop.cli import main
from crm_desktop.correspondence.settings import load_settings
from crm_desktop.correspondence.templates import load_template
from crm_desktop.db.database import Database
from crm_desktop.domain.enums import UserRole
from crm_desktop.services.users import add_user


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def accounts(database: Database) -> None:
    def build(session):  # type: ignore[no-untyped-def]
        add_user(session, "boss", UserRole.MANAGER, password="a long password")
        add_user(session, "clerk", UserRole.OFFICER, password="a long password")

    database.write(build)


def test_letterhead_set_and_show(
    database: Database, sqlite_url: str, accounts: None, capsys: pytest.CaptureFixture[str]
) -> None:
    boss = ["--as", "boss", "--database", sqlite_url, "letterhead"]
    code, out, _ = run(
        [
            *boss,
            "set",
            "--council-name",
            "Malvern Hills Council",
            "--address",
            "Council House\\nMalvern",
        ],
        capsys,
    )
    assert code == 0 and "Saved 2 settings." in out
    with database.session() as session:
        settings = load_settings(session)
    assert settings.council_name == "Malvern Hills Council"
    assert settings.council_address == "Council House\nMalvern"
    code, out, _ = run([*boss, "show"], capsys)
    assert "council name: Malvern Hills Council" in out and "logo path: (not set)" in out
    code, _, err = run([*boss, "set", "--logo", "/no/such/logo.png"], capsys)
    assert code == 2 and "There is no file /no/such/logo.png" in err
    clerk = ["--as", "clerk", "--database", sqlite_url, "letterhead"]
    code, _, err = run([*clerk, "set", "--council-name", "Clerk's"], capsys)
    assert code == 2 and "cannot change letter templates" in err
    with database.session() as session:
        assert load_settings(session).council_name == "Malvern Hills Council"


def test_mail_set_test_and_show_never_prints_the_password(
    database: Database,
    sqlite_url: str,
    accounts: None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    boss = ["--as", "boss", "--database", sqlite_url, "mail"]
    folder = tmp_path / "mail"
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret-pass\n"))
    code, out, _ = run(
        [
            *boss,
            "set",
            "--eml-folder",
            str(folder),
            "--from",
            "complaints@council.example",
            "--reminder-days",
            "4",
            "--directors",
            "d1@council.example, d2@council.example",
            "--password-stdin",
        ],
        capsys,
    )
    assert code == 0, out
    with database.session() as session:
        settings = load_settings(session)
    assert settings.lead_working_days == 4 and settings.smtp_password == "s3cret-pass"
    assert settings.directors == ("d1@council.example", "d2@council.example")
    code, out, _ = run([*boss, "show"], capsys)
    assert code == 0 and "s3cret" not in out and "lead working days: 4" in out
    code, out, _ = run([*boss, "test", "me@council.example"], capsys)
    assert code == 0 and "A test email to me@council.example went to" in out
    assert len(list(folder.glob("*.eml"))) == 1
    code, _, err = run([*boss, "set", "--reminder-days", "many"], capsys)
    assert code == 2 and "whole number" in err


def test_template_list_show_preview_set_and_reset(
    database: Database,
    sqlite_url: str,
    accounts: None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    boss = ["--as", "boss", "--database", sqlite_url, "template"]
    code, out, _ = run([*boss, "list"], capsys)
    assert code == 0 and "acknowledgement" in out and "original" in out
    code, out, _ = run([*boss, "preview", "acknowledgement"], capsys)
    assert code == 0 and "{{" not in out and "COR-2024-00017" in out
    body = tmp_path / "body.txt"
    body.write_text("Dear {{ complainant.salutation }},\n\nWe have your complaint.\n")
    code, out, _ = run([*boss, "set", "acknowledgement", "--body-file", str(body)], capsys)
    assert code == 0 and "Saved the template 'Acknowledgement'." in out
    with database.session() as session:
        assert load_template(session, "acknowledgement").body.endswith("We have your complaint.\n")
    body.write_text("Dear {{ complainant.shoe_size }}\n")
    code, _, err = run([*boss, "set", "acknowledgement", "--body-file", str(body)], capsys)
    assert code == 2 and "shoe_size" in err
    code, out, _ = run([*boss, "reset", "acknowledgement"], capsys)
    assert code == 0
    with database.session() as session:
        assert not load_template(session, "acknowledgement").customised
    code, _, err = run([*boss, "show", "nonesuch"], capsys)
    assert code == 2 and "There is no template 'nonesuch'" in err
