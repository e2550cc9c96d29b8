"""Shared fixtures: every test gets its own database; Qt runs offscreen."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# Before anything imports Qt: no screen, and settings kept away from the user's own.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_settings_home = tempfile.mkdtemp(prefix="crm-test-settings-")
os.environ["XDG_CONFIG_HOME"] = _settings_home
os.environ["XDG_DATA_HOME"] = os.path.join(_settings_home, "data")
os.environ.pop("CRM_DATABASE_URL", None)

from crm_desktop.db.database import Database, open_database  # noqa: E402
from crm_desktop.db.scratch import postgres_admin_url, scratch_postgres_database  # noqa: E402


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'crm.db'}"


@pytest.fixture
def database(sqlite_url: str) -> Iterator[Database]:
    db = open_database(sqlite_url)
    try:
        yield db
    finally:
        db.dispose()


def _postgres_reachable() -> str | None:
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
    """Fail (not skip) when the PostgreSQL server is missing, unless told to skip."""
    problem = _postgres_reachable()
    if problem is not None:
        if os.environ.get("CRM_SKIP_POSTGRES") == "1":
            pytest.skip(f"PostgreSQL not reachable and CRM_SKIP_POSTGRES=1: {problem}")
        pytest.fail(
            f"PostgreSQL at {postgres_admin_url()} is not reachable ({problem}). Start it "
            "(.ci/run does), point CRM_TEST_POSTGRES_URL at one, or set CRM_SKIP_POSTGRES=1."
        )


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL database; fails (not skips) when the server is missing."""
    require_postgres()
    with scratch_postgres_database(prefix="crm_test") as url:
        yield url


@pytest.fixture
def postgres_database(postgres_url: str) -> Iterator[Database]:
    db = open_database(postgres_url)
    try:
        yield db
    finally:
        db.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """The same test on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        db = open_database(f"sqlite:///{tmp_path / 'crm.db'}")
        try:
            yield db
        finally:
            db.dispose()
    else:
        url = request.getfixturevalue("postgres_url")
        db = open_database(url)
        try:
            yield db
        finally:
            db.dispose()
