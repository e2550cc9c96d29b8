"""Shared fixtures: every test gets its own database; Qt runs offscreen.

Migrating a new database takes far longer than copying one. So each test process (each
pytest-xdist worker) builds one template database per session, SQLite and PostgreSQL,
through the real ``open_database`` path (migrations as they are now, reference data,
calendar table), and each test that asks for ``database``, ``any_database``,
``postgres_database``, ``new_database`` or a ``migrated_*_url`` gets its own copy, which
``open_database`` then only checks. ``sqlite_url`` (no file yet) and ``postgres_url``
(an empty database) stay as they were, for the tests of first start, migrations and
broken files.
"""

from __future__ import annotations

import functools
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

# Before anything imports Qt: no screen, and settings kept away from the user's own
# (a folder per test process, so parallel workers never share Qt settings).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_settings_home = tempfile.mkdtemp(prefix="crm-test-settings-")
os.environ["XDG_CONFIG_HOME"] = _settings_home
os.environ["XDG_DATA_HOME"] = os.path.join(_settings_home, "data")
os.environ.pop("CRM_DATABASE_URL", None)

from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from crm_desktop.db.database import Database, open_database  # noqa: E402
from crm_desktop.db.scratch import postgres_admin_url, scratch_postgres_database  # noqa: E402

T = TypeVar("T")

# -- passwords --------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _quick_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id with its smallest cost: the program's own parameters (64 MiB, three
    passes) take a fifth of a second a hash, and the tests make hundreds of accounts.
    Hashes stay Argon2id, salted, and checked the same way; no test measures the cost."""
    from argon2 import PasswordHasher

    from crm_desktop.services import users

    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


# -- SQLite ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database file made by ``open_database`` once per test process, closed, with
    its write-ahead log folded into the file, so a copy of the file is the database."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    open_database(f"sqlite:///{path}").dispose()
    _checkpoint(path)
    return path


def _checkpoint(path: Path) -> None:
    """Fold a closed database's write-ahead log into its file; check nothing is left."""
    connection = sqlite3.connect(path)
    try:
        busy, _, _ = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        connection.close()
    assert busy == 0, f"{path} is still in use"
    for side in (Path(f"{path}-wal"), Path(f"{path}-journal")):
        assert not side.exists() or side.stat().st_size == 0, f"{side} is not empty"


def copy_sqlite_template(template: Path, target: Path) -> str:
    """Copy the closed template to ``target`` (a new file) and return its URL."""
    assert not target.exists(), f"{target} exists already"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """Where this test's SQLite database lives; no file there yet."""
    return f"sqlite:///{tmp_path / 'crm.db'}"


@pytest.fixture
def migrated_sqlite_url(sqlite_url: str, sqlite_template: Path) -> str:
    """``sqlite_url``, now holding a copy of the template (not opened)."""
    return copy_sqlite_template(sqlite_template, Path(make_url(sqlite_url).database or ""))


@pytest.fixture
def database(migrated_sqlite_url: str) -> Iterator[Database]:
    """A migrated SQLite database with the reference data, at ``sqlite_url``."""
    db = open_database(migrated_sqlite_url)
    try:
        yield db
    finally:
        db.dispose()


@pytest.fixture(scope="session")
def _filled_templates() -> dict[str, tuple[Path, object]]:
    return {}


@pytest.fixture
def filled_database(
    sqlite_url: str,
    sqlite_template: Path,
    _filled_templates: dict[str, tuple[Path, object]],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[[Callable[[Session], T]], tuple[Database, T]]]:
    """``filled_database(build)``: this test's database (at ``sqlite_url``) with the
    rows that ``build(session)`` writes, and what ``build`` returned.

    For data that many tests start from and that takes a while to write: ``build``
    runs once per test process, in a copy of the template that is then kept as a
    template of its own, and each test gets a copy of that. ``build`` must be a
    module-level function whose result depends on nothing else (it is the cache key),
    and what it returns must be plain values (it is shared by the tests). A module
    whose tests all start from such data can override ``database`` with it, so that
    fixtures built on ``database`` (the UI's ``people`` and ``context``) share it.
    """
    opened: list[Database] = []
    target = Path(make_url(sqlite_url).database or "")

    def make(build: Callable[[Session], T]) -> tuple[Database, T]:
        key = f"{build.__module__}.{build.__qualname__}"
        assert "<locals>" not in key, f"{key}: give filled_database a module-level function"
        if key not in _filled_templates:
            path = tmp_path_factory.mktemp("filled") / "template.db"
            db = open_database(copy_sqlite_template(sqlite_template, path))
            try:
                result = db.write(build)
            finally:
                db.dispose()
            _checkpoint(path)
            _filled_templates[key] = (path, result)
        path, result = _filled_templates[key]
        db = open_database(copy_sqlite_template(path, target))
        opened.append(db)
        return db, result  # type: ignore[return-value]

    try:
        yield make
    finally:
        for db in opened:
            db.dispose()


@pytest.fixture
def new_database(sqlite_template: Path, tmp_path: Path) -> Iterator[Callable[[str], Database]]:
    """``new_database("name.db")``: another migrated SQLite database in ``tmp_path``."""
    opened: list[Database] = []

    def make(name: str) -> Database:
        db = open_database(copy_sqlite_template(sqlite_template, tmp_path / name))
        opened.append(db)
        return db

    try:
        yield make
    finally:
        for db in opened:
            db.dispose()


# -- PostgreSQL -----------------------------------------------------------------------


@functools.cache
def _postgres_problem() -> str | None:
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(postgres_admin_url())
        with engine.connect():
            pass
        engine.dispose()
    except sa.exc.OperationalError as exc:
        return str(exc.orig).strip().splitlines()[0]
    return None


def require_postgres() -> None:
    """Fail (not skip) when the server is missing, unless CRM_SKIP_POSTGRES=1."""
    problem = _postgres_problem()
    if problem is None:
        return
    if os.environ.get("CRM_SKIP_POSTGRES") == "1":
        pytest.skip(f"PostgreSQL not reachable and CRM_SKIP_POSTGRES=1: {problem}")
    pytest.fail(
        f"PostgreSQL at {postgres_admin_url()} is not reachable ({problem}). Start it "
        "(.ci/run does), point CRM_TEST_POSTGRES_URL at one, or set CRM_SKIP_POSTGRES=1."
    )


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """The name of a database made by ``open_database`` once per test process, with no
    connections left to it (PostgreSQL copies only such a database); dropped at the end."""
    require_postgres()
    with scratch_postgres_database(prefix="crm_template") as url:
        open_database(url).dispose()
        yield make_url(url).database or ""


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A throwaway, empty PostgreSQL database; fails (not skips) when the server is
    missing."""
    require_postgres()
    with scratch_postgres_database(prefix="crm_test") as url:
        yield url


@pytest.fixture
def migrated_postgres_url(postgres_template: str) -> Iterator[str]:
    """A throwaway PostgreSQL database, a copy of the migrated template (not opened)."""
    with scratch_postgres_database(prefix="crm_test", template=postgres_template) as url:
        yield url


@pytest.fixture
def postgres_database(migrated_postgres_url: str) -> Iterator[Database]:
    db = open_database(migrated_postgres_url)
    try:
        yield db
    finally:
        db.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_database(request: pytest.FixtureRequest) -> Database:
    """The same test on SQLite and on PostgreSQL."""
    fixture = "database" if request.param == "sqlite" else "postgres_database"
    db: Database = request.getfixturevalue(fixture)
    return db


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def created_any_database(request: pytest.FixtureRequest) -> Iterator[Database]:
    """A database that ``open_database`` creates in this test, on SQLite and PostgreSQL
    (not a copy of the template), for the tests of what a new database holds."""
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")
    db = open_database(url)
    try:
        yield db
    finally:
        db.dispose()
