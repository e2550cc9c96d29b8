"""PostgreSQL: a chain of migrations installs the server's rules once at its end, not
once for every migration that only reinstalls them, and ends with the same rules.

Each install replaces every trigger and policy and holds a lock on each until the
chain commits: run twenty times, a new database's first start held over 5,000 locks,
most of a default server's lock table, and could fail "out of shared memory".
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from crm_desktop.db import migrate, pg_security
from crm_desktop.db.scratch import scratch_postgres_database
from tests.conftest import require_postgres

pytestmark = pytest.mark.postgres


def _rules(url: str) -> dict[str, list[tuple[str, ...]]]:
    """The database's policies, triggers, functions and the groups' table rights, with
    the database's own name taken out of role names and function bodies."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            database = str(connection.exec_driver_sql("SELECT current_database()").scalar())
            prefix = pg_security.role_prefix(database)

            def rows(sql: str) -> list[tuple[str, ...]]:
                return sorted(
                    tuple(str(v).replace(prefix, "DB").replace(database, "DB") for v in row)
                    for row in connection.exec_driver_sql(sql)
                )

            return {
                "policies": rows(
                    "SELECT tablename, policyname, cmd, roles::text, coalesce(qual, ''), "
                    "coalesce(with_check, '') FROM pg_policies WHERE schemaname = 'public'"
                ),
                "triggers": rows(
                    "SELECT tgrelid::regclass::text, tgname, pg_get_triggerdef(oid) "
                    "FROM pg_trigger WHERE NOT tgisinternal"
                ),
                "functions": rows(
                    "SELECT proname, prosrc, coalesce(array_to_string(proacl, ','), '') "
                    "FROM pg_proc WHERE pronamespace = 'public'::regnamespace"
                ),
                "grants": rows(
                    "SELECT grantee, table_name, privilege_type FROM "
                    "information_schema.role_table_grants WHERE table_schema = 'public'"
                ),
                "columns": rows(
                    "SELECT grantee, table_name, column_name, privilege_type FROM "
                    "information_schema.column_privileges WHERE table_schema = 'public'"
                ),
            }
    finally:
        engine.dispose()


def _dropping_setter(connection: sa.Connection) -> object:
    """The installer's triggers as they were set: each dropped and created again."""
    run = pg_security.runner(connection)

    def put(name: str, table: str, rest: str | None) -> None:
        run(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        if rest is not None:
            run(f"CREATE TRIGGER {name} {rest}")

    return put


def _migrate(url: str) -> None:
    engine = sa.create_engine(url)
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()


def test_a_new_databases_migrations_install_the_rules_once_at_the_end(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    require_postgres()
    calls: list[bool] = []
    held: list[int] = []
    install, deferring = pg_security.install, pg_security.installs_deferred

    def counted(connection: sa.Connection) -> None:
        calls.append(True)
        install(connection)

    @contextmanager
    def measured(connection: sa.Connection) -> Iterator[None]:
        with deferring(connection):
            yield
        held.append(
            int(
                connection.exec_driver_sql(
                    "SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid()"
                ).scalar_one()
            )
        )

    @contextmanager
    def at_once(connection: sa.Connection) -> Iterator[None]:
        yield

    monkeypatch.setattr(pg_security, "install", counted)
    found = {}
    for way in ("deferred", "at once", "dropping triggers"):
        # As before: each reinstalling migration installs at once; and, besides, each
        # trigger dropped and created again rather than replaced.
        monkeypatch.setattr(
            pg_security, "installs_deferred", measured if way == "deferred" else at_once
        )
        if way == "dropping triggers":
            monkeypatch.setattr(pg_security, "_trigger_setter", _dropping_setter)
        calls.clear()
        with scratch_postgres_database(prefix="crm_test_installs") as url:
            _migrate(url)
            found[way] = (len(calls), _rules(url))
    (once, rules), (every, rules_before) = found["deferred"], found["at once"]
    # Each migration that only reinstalls the rules left it to the end: one install
    # instead of theirs, and the same rules result, as when every trigger was dropped.
    reinstalls = sum(
        "install_in_migration()" in path.read_text(encoding="utf-8")
        for path in (migrate.MIGRATIONS_DIR / "versions").glob("*.py")
    )
    assert reinstalls >= 10 and every - once == reinstalls - 1
    assert rules == rules_before == found["dropping triggers"][1]
    # The chain's locks, held to its end, stay within half a default server's lock
    # table (64 a connection times 100 connections); they were 5,394.
    assert len(held) == 1 and held[0] < 64 * 100 // 2, held


def test_a_count_of_wrong_passwords_set_out_of_range_starts_again_on_upgrading() -> None:
    """Before migration 0032 a login could set its own count of wrong passwords to -1000
    (the lockout never came); the new rule then refuses the program's next count. The
    upgrade starts such a count again from none and leaves the others as they were."""
    require_postgres()
    with scratch_postgres_database(prefix="crm_test_counts") as url:
        engine = sa.create_engine(url)
        try:
            migrate.upgrade(engine, "0031")
            with engine.begin() as connection:
                connection.exec_driver_sql(
                    "INSERT INTO role (code, label, description, version, updated_at) "
                    "VALUES ('officer', 'Officer', '', 1, now())"
                )
                for name, count in (("planted", -1000), ("over", 99), ("counted", 3)):
                    connection.exec_driver_sql(
                        "INSERT INTO app_user (username, display_name, role, active, "
                        "failed_sign_ins, version, updated_at, created_at) VALUES "
                        f"('{name}', '{name}', 'officer', true, {count}, 1, now(), now())"
                    )
            migrate.upgrade(engine)
            with engine.connect() as connection:
                counts = {
                    str(name): int(count)
                    for name, count in connection.exec_driver_sql(
                        "SELECT username, failed_sign_ins FROM app_user"
                    )
                }
        finally:
            engine.dispose()
    assert counts == {"planted": 0, "over": 0, "counted": 3}
