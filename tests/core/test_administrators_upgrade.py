"""Upgrading to migration 0033, where only an administrator changes users and roles: a
database whose accounts have no active administrator (earlier versions made the first
account a manager's) makes its first active manager one, in the trail, so someone can
still change users; a database with one is left as it was."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from crm_desktop.db import migrate
from crm_desktop.db.database import open_database
from crm_desktop.db.identity import APPLICATION_ID
from crm_desktop.db.scratch import scratch_postgres_database
from crm_desktop.services.maintenance import verify_audit_trail
from tests.conftest import require_postgres

ACCOUNTS = (
    ("officer.first", "officer", True),
    ("left", "manager", False),
    ("morag", "manager", True),
    ("tom", "manager", True),
)


@contextmanager
def database_url(kind: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'old.db'}"
        return
    require_postgres()
    with scratch_postgres_database(prefix="crm_test_admins") as url:
        yield url


def roles_after_upgrading(url: str, accounts: tuple[tuple[str, str, bool], ...]) -> dict[str, str]:
    engine = sa.create_engine(url)
    try:
        migrate.upgrade(engine, "0032")
        with engine.begin() as connection:
            if engine.dialect.name == "sqlite":  # as the program marks a file it makes
                connection.exec_driver_sql(f"PRAGMA application_id = {APPLICATION_ID}")
            for role in ("officer", "investigator", "service responder", "manager", "admin"):
                connection.execute(
                    sa.text(
                        "INSERT INTO role (code, label, description, version, updated_at) "
                        "VALUES (:role, :role, '', 1, CURRENT_TIMESTAMP)"
                    ),
                    {"role": role},
                )
            for name, role, active in accounts:
                connection.execute(
                    sa.text(
                        "INSERT INTO app_user (username, display_name, role, active, "
                        "failed_sign_ins, version, updated_at, created_at) VALUES (:name, "
                        ":name, :role, :active, 0, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                    ),
                    {"name": name, "role": role, "active": active},
                )
        migrate.upgrade(engine)
        with engine.connect() as connection:
            return {
                str(name): str(role)
                for name, role in connection.execute(sa.text("SELECT username, role FROM app_user"))
            }
    finally:
        engine.dispose()


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_the_first_active_manager_becomes_the_administrator(kind: str, tmp_path: Path) -> None:
    with database_url(kind, tmp_path) as url:
        roles = roles_after_upgrading(url, ACCOUNTS)
        assert roles == {
            "officer.first": "officer",
            "left": "manager",
            "morag": "admin",
            "tom": "manager",
        }
        database = open_database(url)
        try:
            with database.session() as session:
                event = session.execute(
                    sa.text(
                        "SELECT username, action, after FROM audit_event "
                        "WHERE entity = 'app_user' ORDER BY id DESC LIMIT 1"
                    )
                ).one()
            assert event.action == "update" and '"role": "admin"' in str(event.after)
            assert not verify_audit_trail(database).problems
        finally:
            database.dispose()


def test_a_database_with_an_administrator_is_left_as_it_was(tmp_path: Path) -> None:
    accounts = (*ACCOUNTS, ("chief", "admin", True))
    roles = roles_after_upgrading(f"sqlite:///{tmp_path / 'old.db'}", accounts)
    assert roles == {name: role for name, role, _ in accounts}
