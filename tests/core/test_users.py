"""Users: Argon2id passwords, roles, sign-in with lockout, the user command."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import sqlalchemy as sa

from crm_desktop.cli import main
from crm_desktop.db.database import Database
from crm_desktop.db.models import User
from crm_desktop.domain.enums import UserRole
from crm_desktop.errors import ValidationError
from crm_desktop.services.users import (
    MAX_FAILURES,
    SignInRefused,
    add_user,
    authenticate_windows,
    set_active,
    sign_in,
)

PASSWORD = "correct horse battery"


def test_passwords_are_stored_as_argon2id_hashes(database: Database) -> None:
    database.write(lambda s: add_user(s, "Officer1", UserRole.OFFICER, password=PASSWORD))
    with database.session() as session:
        user = session.scalars(sa.select(User).where(User.username == "officer1")).one()
    assert user.password_hash is not None and user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    actor = sign_in(database, "OFFICER1 ", PASSWORD)
    assert (actor.username, actor.role) == ("officer1", UserRole.OFFICER)


def test_wrong_passwords_lock_the_account_and_the_count_is_kept(database: Database) -> None:
    database.write(lambda s: add_user(s, "officer2", UserRole.OFFICER, password=PASSWORD))
    now = dt.datetime(2024, 3, 14, 9, 0)
    for _ in range(MAX_FAILURES):
        with pytest.raises(SignInRefused, match="username or password is not right"):
            sign_in(database, "officer2", "wrong password!", now)
    with pytest.raises(SignInRefused, match="locked after 5 wrong passwords"):
        sign_in(database, "officer2", PASSWORD, now + dt.timedelta(minutes=1))
    actor = sign_in(database, "officer2", PASSWORD, now + dt.timedelta(minutes=16))
    assert actor.username == "officer2"


def test_unknown_users_and_disabled_accounts(database: Database) -> None:
    with pytest.raises(SignInRefused, match="username or password is not right"):
        sign_in(database, "nobody", PASSWORD)
    database.write(lambda s: add_user(s, "leaver", UserRole.OFFICER, password=PASSWORD))
    database.write(lambda s: set_active(s, "leaver", False))
    with pytest.raises(SignInRefused, match="disabled"):
        sign_in(database, "leaver", PASSWORD)


def test_windows_account_sign_in(database: Database) -> None:
    database.write(
        lambda s: add_user(s, "jbloggs", UserRole.MANAGER, windows_account="COUNCIL\\JBloggs")
    )
    with database.session() as session:
        actor = authenticate_windows(session, "council\\jbloggs")
    assert actor.role == UserRole.MANAGER and actor.is_manager
    with database.session() as session, pytest.raises(SignInRefused, match="No CRM Desktop user"):
        authenticate_windows(session, "COUNCIL\\someone")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"username": "x", "role": "officer", "password": PASSWORD}, "2 to 80"),
        ({"username": "ok1", "role": "wizard", "password": PASSWORD}, "'wizard' is not a role"),
        ({"username": "ok2", "role": "officer", "password": "short"}, "at least 10"),
        ({"username": "ok3", "role": "officer"}, "password or a Windows account"),
        ({"username": "ok4", "role": "investigator", "password": PASSWORD}, "linked to their"),
    ],
)
def test_bad_users_are_refused(database: Database, kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        database.write(lambda s: add_user(s, **kwargs))  # type: ignore[arg-type]


def test_user_command(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert (
        main(
            [
                "--database",
                sqlite_url,
                "user",
                "add",
                "manager1",
                "--role",
                "manager",
                "--name",
                "Team Manager",
                "--password-stdin",
            ]
        )
        == 0
    )
    assert "Added manager1 (manager)." in capsys.readouterr().out
    assert main(["--database", sqlite_url, "user", "list"]) == 0
    assert "manager1\tmanager\tactive\tlast signed in never\tTeam Manager" in (
        capsys.readouterr().out
    )
    assert main(["--database", sqlite_url, "user", "disable", "manager1"]) == 0
    assert "manager1 is now disabled." in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    code = main(
        [
            "--database",
            sqlite_url,
            "user",
            "add",
            "manager1",
            "--role",
            "manager",
            "--password-stdin",
        ]
    )
    assert code == 2
    assert "already a user called manager1" in capsys.readouterr().err
