"""Opening databases: creation, migration, reference data, and every kind of bad database."""

from __future__ import annotations

import hashlib
import re
import shutil
import sqlite3
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

from crm_desktop.db import engine as engine_module
from crm_desktop.db import migrate
from crm_desktop.db.base import Base, in_schema_of
from crm_desktop.db.database import WRITE_ATTEMPTS, Database, open_database
from crm_desktop.db.models import Directorate, KpiDefinition, Nature, Setting
from crm_desktop.domain.enums import Procedure
from crm_desktop.errors import ConflictError, DatabaseBusyError, DatabaseError


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- creation and migration ---------------------------------------------------------


def test_new_sqlite_file_is_created_and_migrated(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    db = open_database(f"sqlite:///{path}")
    try:
        assert path.exists()
        with db.engine.connect() as connection:
            assert migrate.current_revision(connection) == migrate.head_revision()
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        db.dispose()


def _schema_differences(db: Database) -> list[object]:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "include_object": in_schema_of(connection.dialect.name),
            },
        )
        return list(compare_metadata(context, Base.metadata))


def test_migrated_schema_matches_the_models(any_database: Database) -> None:
    assert _schema_differences(any_database) == []


def test_downgrade_then_upgrade_round_trip(any_database: Database) -> None:
    migrate.downgrade(any_database.engine, "base")
    inspector = sa.inspect(any_database.engine)
    assert set(inspector.get_table_names()) <= {"alembic_version"}
    migrate.upgrade(any_database.engine)
    assert _schema_differences(any_database) == []


def test_reference_data_loaded_once_and_edits_survive_restart(sqlite_url: str) -> None:
    db = open_database(sqlite_url)
    with db.session() as session:
        names = set(session.scalars(sa.select(Directorate.name)))
        assert {"Economy & Infrastructure", "People", "COaCH", "Public Health"} <= names
        children = set(
            session.scalars(sa.select(Nature.name).where(Nature.procedure == Procedure.CHILDREN))
        )
        assert "Practice Non-Compliant" in children
        kpis = session.scalars(sa.select(KpiDefinition)).all()
        assert len(kpis) == 14  # 10 from the report, 4 of the statutory clocks
        assert {k.direction.value for k in kpis} == {"higher", "lower"}

    def rename_transport(session: sa.orm.Session) -> None:
        session.execute(
            sa.update(Nature).where(Nature.name == "Transport").values(name="Transport and travel")
        )

    db.write(rename_transport)
    db.dispose()
    db = open_database(sqlite_url)
    try:
        with db.session() as session:
            names = set(session.scalars(sa.select(Nature.name)))
            assert "Transport and travel" in names
            assert "Transport" not in names
            assert session.get(Setting, "reference_data.loaded_version") is not None
    finally:
        db.dispose()


def test_older_schema_is_upgraded_on_start_with_a_backup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "old.db"
    open_database(f"sqlite:///{path}").dispose()  # made by "this" release
    this_release = migrate.head_revision()
    # The next release adds a migration step (in a copy of the migrations, so the
    # program's own folder is never touched); opening the old file must apply it.
    migrations = tmp_path / "migrations"
    shutil.copytree(
        migrate.MIGRATIONS_DIR, migrations, ignore=shutil.ignore_patterns("__pycache__")
    )
    (migrations / "versions" / "9001_next_release.py").write_text(
        'import sqlalchemy as sa\nfrom alembic import op\n\nrevision = "9001"\n'
        f'down_revision = "{this_release}"\nbranch_labels = None\n'
        "depends_on = None\n\n\ndef upgrade() -> None:\n"
        '    op.create_table("release_marker", sa.Column("id", sa.Integer, primary_key=True))\n'
        '\n\ndef downgrade() -> None:\n    op.drop_table("release_marker")\n'
    )
    monkeypatch.setattr(migrate, "MIGRATIONS_DIR", migrations)
    db = open_database(f"sqlite:///{path}")
    try:
        assert "release_marker" in sa.inspect(db.engine).get_table_names()
        with db.engine.connect() as connection:
            assert migrate.current_revision(connection) == "9001"
    finally:
        db.dispose()
    backup = tmp_path / f"old.before-upgrade-{this_release}.db"
    assert backup.exists()
    check = sqlite3.connect(backup)
    try:
        assert check.execute("SELECT version_num FROM alembic_version").fetchone() == (
            this_release,
        )
    finally:
        check.close()


# -- bad databases: one message, the file untouched ----------------------------------


def test_a_file_that_is_not_sqlite_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("These are my meeting notes, not a database.\n" * 20)
    before = digest(path)
    with pytest.raises(DatabaseError, match="not a CRM Desktop database"):
        open_database(f"sqlite:///{path}")
    assert digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.db"]


def test_another_programs_sqlite_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE accounts (id INTEGER)")
    connection.commit()
    connection.close()
    before = digest(path)
    with pytest.raises(DatabaseError, match="not a CRM Desktop one"):
        open_database(f"sqlite:///{path}")
    assert digest(path) == before


def test_a_newer_schema_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "newer.db"
    db = open_database(f"sqlite:///{path}")
    with db.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '9999_future'")
    db.dispose()
    before = digest(path)
    with pytest.raises(DatabaseError, match="newer version of CRM Desktop"):
        open_database(f"sqlite:///{path}")
    assert digest(path) == before


def test_a_newer_schema_on_postgres_is_refused(postgres_url: str) -> None:
    db = open_database(postgres_url)
    with db.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '9999_future'")
    db.dispose()
    with pytest.raises(DatabaseError, match="newer version of CRM Desktop"):
        open_database(postgres_url)


@pytest.mark.postgres
def test_a_server_connection_lost_while_idle_is_replaced(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pool checks a connection that has been idle before handing it out, and
    replaces one the server has dropped; one used a moment ago is not checked."""
    engine = engine_module.make_engine(postgres_url)
    try:
        with engine.connect() as connection:
            first = connection.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        with engine.connect() as connection:  # used a moment ago: the same connection
            assert connection.execute(sa.text("SELECT pg_backend_pid()")).scalar_one() == first
        admin = sa.create_engine(postgres_url)
        with admin.connect() as connection:
            connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        admin.dispose()
        monkeypatch.setattr(engine_module, "PING_AFTER_IDLE_SECONDS", 0.0)
        with engine.connect() as connection:
            second = connection.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        assert second != first
    finally:
        engine.dispose()


def test_a_read_only_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    open_database(f"sqlite:///{path}").dispose()
    before = digest(path)
    with pytest.raises(DatabaseError, match="read-only"):
        open_database(f"sqlite:///file:{path}?mode=ro&uri=true")
    assert digest(path) == before


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"username": "crm_no_such_login"}, "there is no such login"),
        ({"database": "crm_no_such_database"}, "there is no database of that name"),
    ],
)
def test_a_server_that_refuses_the_login_says_why(
    migrated_postgres_url: str, change: dict[str, str], expected: str
) -> None:
    url = make_url(migrated_postgres_url).set(**change).render_as_string(hide_password=False)
    with pytest.raises(DatabaseError) as caught:
        open_database(url)
    message = caught.value.message
    assert "refused this login" in message and expected in message
    assert "FATAL" not in message and "\n" not in message


def test_an_unreachable_server_gets_one_line(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError) as caught:
        open_database("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=3")
    message = caught.value.message
    assert "Cannot connect to the database" in message
    assert "\n" not in message


def test_a_missing_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="does not exist"):
        open_database(f"sqlite:///{tmp_path / 'no' / 'such' / 'folder' / 'crm.db'}")


def test_an_unsupported_url_is_explained() -> None:
    with pytest.raises(DatabaseError, match="SQLite or PostgreSQL"):
        open_database("mysql://root@localhost/test")
    with pytest.raises(DatabaseError, match="not a database address"):
        open_database("just some words")


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("sqlite://tmp/x.db", "sqlite:////tmp/x.db for an absolute path"),
        ("sqlite://me:pw@server/x.db", "is not a SQLite file's address"),
        ("sqlite://C:/x.db", "sqlite:////absolute/path/to/file.db"),  # a port that is no number
        ("sqlite://:memory:", "sqlite:///relative/path.db"),
    ],
)
def test_a_sqlite_address_with_two_slashes_gives_the_right_form(
    url: str, words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from crm_desktop.cli import main

    with pytest.raises(DatabaseError, match=re.escape(words)):
        open_database(url)
    assert main(["--database", url, "db", "check"]) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1 and "went wrong" not in err


# -- SQLite done right ---------------------------------------------------------------


def test_network_path_uses_rollback_journal_and_warns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "_filesystem_type", lambda path: "cifs")
    db = open_database(f"sqlite:///{tmp_path / 'net.db'}")
    try:
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "delete"
        assert any("PostgreSQL" in warning for warning in db.warnings)
    finally:
        db.dispose()


def test_unc_paths_count_as_network() -> None:
    assert engine_module.is_network_path(Path("//fileserver/share/crm.db"))
    assert not engine_module.is_network_path(Path("/tmp/crm.db"))


def test_default_database_is_in_the_user_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home-data"))
    monkeypatch.delenv("CRM_DATABASE_URL", raising=False)
    url = engine_module.resolve_database_url(None)
    assert url == f"sqlite:///{tmp_path / 'home-data' / 'CRM Desktop' / 'crm-desktop.db'}"
    db = open_database(url)
    db.dispose()
    assert (tmp_path / "home-data" / "CRM Desktop" / "crm-desktop.db").exists()
    monkeypatch.setenv("CRM_DATABASE_URL", "sqlite:///elsewhere.db")
    assert engine_module.resolve_database_url(None) == "sqlite:///elsewhere.db"
    assert engine_module.resolve_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_writes_begin_immediate_and_reads_do_not(database: Database) -> None:
    statements: list[str] = []

    @sa.event.listens_for(database.engine, "before_cursor_execute")
    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    with database.session() as session:
        session.execute(sa.select(Directorate.id)).all()
    database.write(lambda session: session.execute(sa.select(Directorate.id)).all())
    begins = [s for s in statements if s.startswith("BEGIN")]
    assert begins == ["BEGIN", "BEGIN IMMEDIATE"]


def test_a_write_blocked_by_another_writer_is_retried_then_reported(
    database: Database, monkeypatch: pytest.MonkeyPatch, sqlite_url: str
) -> None:
    monkeypatch.setattr("crm_desktop.db.engine.BUSY_TIMEOUT_MS", 50)
    path = sqlite_url.removeprefix("sqlite:///")
    short = open_database(sqlite_url)  # waits at most 50 ms per attempt
    blocker = sqlite3.connect(path, isolation_level=None, timeout=0.1)
    blocker.execute("BEGIN IMMEDIATE")
    attempts: list[int] = []

    def work(session: sa.orm.Session) -> None:
        attempts.append(1)
        session.add(Directorate(name="Should not be saved"))

    try:
        with pytest.raises(DatabaseBusyError, match="Nothing was saved"):
            short.write(work)
    finally:
        short.dispose()
        blocker.execute("ROLLBACK")
        blocker.close()
    assert len(attempts) == WRITE_ATTEMPTS  # bounded retry, each from a clean rollback
    with database.session() as session:
        assert (
            session.scalar(
                sa.select(sa.func.count()).where(Directorate.name == "Should not be saved")
            )
            == 0
        )


def test_two_writers_queue_instead_of_failing(database: Database) -> None:
    errors: list[BaseException] = []

    def add_many(prefix: str) -> None:
        try:
            for i in range(20):
                database.write(lambda session, i=i: session.add(Directorate(name=f"{prefix} {i}")))
        except BaseException as exc:  # pragma: no cover - the assertion reports it
            errors.append(exc)

    threads = [threading.Thread(target=add_many, args=(p,)) for p in ("North", "South")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with database.session() as session:
        count = session.scalar(
            sa.select(sa.func.count()).where(
                sa.or_(Directorate.name.like("North %"), Directorate.name.like("South %"))
            )
        )
    assert count == 40


def test_stale_edit_is_a_conflict_not_an_overwrite(any_database: Database) -> None:
    # Two officers open the same record; each holds the copy their form was filled from.
    with any_database.session() as session:
        first = session.scalars(sa.select(Directorate).where(Directorate.name == "People")).one()
    with any_database.session() as session:
        second = session.scalars(sa.select(Directorate).where(Directorate.name == "People")).one()
    opened_at = first.version

    def save(copy: Directorate, new_name: str) -> None:
        def work(session: sa.orm.Session) -> None:
            row = session.merge(copy, load=False)
            row.name = new_name

        any_database.write(work)

    save(first, "People Directorate")
    with pytest.raises(ConflictError):
        save(second, "People (second officer)")
    with any_database.session() as session:
        row = session.get(Directorate, first.id)
        assert row is not None
        assert row.name == "People Directorate"
        assert row.version == opened_at + 1


def test_each_migration_runs_on_a_database_full_of_cases(any_database: Database) -> None:
    """Every step down and back up again, with cases, users and links in place."""
    from crm_desktop.services.users import add_user
    from tests.factories import add_case

    def fill(session: sa.orm.Session) -> None:
        user = add_user(session, "officer1", "officer", password="a long password")
        for _ in range(3):
            add_case(session).owner_id = user.id

    any_database.write(fill)
    revisions = [r for r in sorted(migrate.known_revisions()) if r != migrate.head_revision()]
    for revision in reversed(revisions):
        migrate.downgrade(any_database.engine, revision)
    migrate.upgrade(any_database.engine)
    assert _schema_differences(any_database) == []
    with any_database.engine.connect() as connection:
        owners = connection.exec_driver_sql(
            "SELECT count(*) FROM representation WHERE owner_id IS NOT NULL"
        ).scalar()
    assert owners == 3


def test_the_desktop_names_a_database_without_its_address_syntax(database: Database) -> None:
    name = database.plain_name
    assert name == database.where and name.endswith(".db") and "sqlite:" not in name
    for url, expected in (
        ("postgresql+psycopg://crm:secret@dbserver/crm", "crm on dbserver"),
        ("postgresql+psycopg://crm@dbserver:5432/crm", "crm on dbserver"),
        (
            "postgresql+psycopg://u@db.council.local:6432/complaints",
            "complaints on db.council.local:6432",
        ),
    ):
        engine = sa.create_engine(url)  # not connected
        server = Database(url, engine, sessionmaker(engine), sessionmaker(engine))
        assert server.plain_name == expected


def test_an_emailed_letters_outbox_key_loses_its_address_on_upgrade(
    any_database: Database,
) -> None:
    """Migration 0022: a letter queued or sent before it keeps its row, under the key
    ``letter:<id>`` (the address was in the unique key, to be probed for); other keys
    are left as they were."""
    from tests.factories import add_case

    case_id = any_database.write(lambda session: add_case(session).id)
    migrate.downgrade(any_database.engine, "0021")
    insert = (
        "INSERT INTO outbox_message (dedupe_key, kind, case_id, to_address, subject, body, "
        "message_id, status, attempts, next_attempt_at, created_at) VALUES "
        "(:key, 'letter', :case, 'jane@example.org', 's', 'b', :mid, 'sent', 1, "
        "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
    )
    with any_database.engine.begin() as connection:
        for n, key in enumerate(("letter:41:jane@example.org", "reminder:x:email:a@b.example")):
            connection.execute(sa.text(insert), {"key": key, "case": case_id, "mid": f"<{n}@x>"})
    migrate.upgrade(any_database.engine)
    with any_database.engine.connect() as connection:
        keys = (
            connection.exec_driver_sql("SELECT dedupe_key FROM outbox_message ORDER BY id")
            .scalars()
            .all()
        )
    assert keys == ["letter:41", "reminder:x:email:a@b.example"]


@pytest.mark.parametrize(
    ("server_said", "advice"),
    [
        (
            'FATAL:  role "crm_x_u_j.smith" is not permitted to log in',
            "ask an administrator to enable",
        ),
        ('FATAL:  password authentication failed for user "crm_x_u_j.smith"', "ask it to set"),
        ('FATAL:  role "nobody" does not exist', "no such login"),
        ('FATAL:  database "crm" does not exist', "no database of that name"),
        ('FATAL:  permission denied for database "crm"', "give it access"),
        ("connection refused", None),
        ("timeout expired", None),
    ],
)
def test_each_refusal_of_a_login_has_its_advice(server_said: str, advice: str | None) -> None:
    from crm_desktop.db.database import _login_refusal

    said = _login_refusal(f'connection to server at "127.0.0.1", port 5432 failed: {server_said}')
    if advice is None:
        assert said is None
    else:
        assert said is not None and advice in said.lower()
