"""The demo's accounts: made with a documented password or one given on standard input,
told to whoever ran the demo, and left alone when they are there already."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from crm_desktop.cli import main
from crm_desktop.db.database import open_database
from crm_desktop.db.models import Case, User
from crm_desktop.domain.enums import UserRole
from crm_desktop.errors import ValidationError
from crm_desktop.services.demo import DEMO_PASSWORD, generate_demo
from crm_desktop.services.users import SignInRefused, check_password_rules, sign_in

ROOT = Path(__file__).resolve().parents[2]
END = dt.date(2024, 3, 31)
ACCOUNTS = [
    ("manager", UserRole.ADMIN),
    ("officer1", UserRole.OFFICER),
    ("officer2", UserRole.OFFICER),
    ("officer3", UserRole.OFFICER),
    ("officer4", UserRole.OFFICER),
]
GIVEN = "a long passphrase of my own"


def _demo_args(url: str, *extra: str) -> list[str]:
    return [
        "--database",
        url,
        "demo",
        "--cases",
        "40",
        "--seed",
        "3",
        "--end",
        "2024-03-31",
        *extra,
    ]


def test_the_documented_password_is_long_and_documented() -> None:
    assert len(DEMO_PASSWORD) >= 12
    check_password_rules(DEMO_PASSWORD)
    assert DEMO_PASSWORD in (ROOT / "README.md").read_text(encoding="utf-8")


def test_demo_accounts_sign_in_with_the_documented_password(tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'demo.db'}")
    try:
        summary = generate_demo(db, 40, 3, END)
        assert [(a.username, a.role, a.created) for a in summary.accounts] == [
            (name, role, True) for name, role in ACCOUNTS
        ]
        assert summary.users_created == 5
        with db.session() as s:
            hashes = s.scalars(sa.select(User.password_hash)).all()
        assert len(hashes) == 5 and all(h and h.startswith("$argon2id$") for h in hashes)
        manager = sign_in(db, "manager", DEMO_PASSWORD)
        assert manager.role is UserRole.ADMIN
        assert sign_in(db, "officer4", DEMO_PASSWORD).role is UserRole.OFFICER
        with pytest.raises(SignInRefused):
            sign_in(db, "officer1", DEMO_PASSWORD + "x")
    finally:
        db.dispose()


def test_a_given_password_is_used_and_a_second_demo_changes_no_password(tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'demo.db'}")
    try:
        generate_demo(db, 40, 3, END, password=GIVEN)
        assert sign_in(db, "officer2", GIVEN).username == "officer2"
        with pytest.raises(SignInRefused):
            sign_in(db, "officer2", DEMO_PASSWORD)
        again = generate_demo(db, 40, 4, END, password="another long passphrase")
        assert [a.created for a in again.accounts] == [False] * 5
        assert again.users_created == 0
        assert sign_in(db, "manager", GIVEN).username == "manager"
    finally:
        db.dispose()


def test_a_password_that_breaks_the_rules_writes_nothing(tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'demo.db'}")
    try:
        with pytest.raises(ValidationError, match="at least"):
            generate_demo(db, 40, 3, END, password="short")
        with db.session() as s:
            assert s.scalar(sa.select(sa.func.count()).select_from(Case)) == 0
            assert s.scalar(sa.select(sa.func.count()).select_from(User)) == 0
    finally:
        db.dispose()


def test_the_demo_command_prints_its_accounts_and_the_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    assert main(_demo_args(url)) == 0
    out = capsys.readouterr().out
    assert f"with the password {DEMO_PASSWORD}:" in out
    for name, role in ACCOUNTS:
        assert any(
            line.split()[:1] == [name] and f"({role.value})" in line for line in out.splitlines()
        )
    db = open_database(url)
    try:
        assert sign_in(db, "officer3", DEMO_PASSWORD).username == "officer3"
    finally:
        db.dispose()

    # A second run says the accounts were there and keeps their password.
    monkeypatch.setattr("sys.stdin", io.StringIO(GIVEN + "\n"))
    assert main([*_demo_args(url), "--password-stdin"]) == 0
    out = capsys.readouterr().out
    assert "were there already; their passwords are as they were: manager, officer1" in out
    assert GIVEN not in out and "Sign in as" not in out


def test_the_demo_command_takes_a_password_on_standard_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    monkeypatch.setattr("sys.stdin", io.StringIO(GIVEN + "\n"))
    assert main([*_demo_args(url), "--password-stdin"]) == 0
    out = capsys.readouterr().out
    assert "with the password you gave:" in out
    assert GIVEN not in out and DEMO_PASSWORD not in out
    assert "manager" in out and "officer4" in out
    db = open_database(url)
    try:
        assert sign_in(db, "manager", GIVEN).role is UserRole.ADMIN
        with pytest.raises(SignInRefused):
            sign_in(db, "manager", DEMO_PASSWORD)
    finally:
        db.dispose()


@pytest.mark.parametrize("typed", ["", "short\n", " padded password \n"])
def test_a_bad_password_on_standard_input_is_one_line_and_no_database(
    typed: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "demo.db"
    monkeypatch.setattr("sys.stdin", io.StringIO(typed))
    assert main([*_demo_args(f"sqlite:///{path}"), "--password-stdin"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("crm-desktop: A password ") and err.count("\n") == 1
    assert not path.exists()
