"""A database owned by an ordinary login, as a council's database administrator sets one
up: not a superuser, only ``CREATEROLE`` and membership of ``pg_signal_backend`` (what
the README asks of the owner). The test server's own owner is a superuser, so every
other test runs with rights a council's owner does not have.

The owner creates and migrates the database (its roles and rights), adds users and their
own logins, imports a file (the server does not let this owner switch the row triggers
off for the import, so every row goes through them), and disables a user, whose open
session ends and whose login can no longer connect; the audit trail is intact after.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from crm_desktop.cli import main
from crm_desktop.db.database import open_database
from crm_desktop.db.models import AuditEvent, Case
from crm_desktop.db.pg_security import drop_database_roles
from crm_desktop.db.scratch import postgres_admin_url
from crm_desktop.domain.enums import UserRole
from tests.conftest import require_postgres
from tests.core.test_import_own_login import _own_login
from tests.core.test_importer import EXAMPLE, example_rows


@pytest.fixture
def ordinary_owner() -> Iterator[str]:
    """A new database owned by a login that is not a superuser; its URL."""
    require_postgres()
    admin = make_url(postgres_admin_url())
    tag = uuid.uuid4().hex[:10]
    owner, name = f"crm_test_owner_{tag}", f"crm_test_owned_{tag}"
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql(f'CREATE ROLE "{owner}" LOGIN CREATEROLE NOSUPERUSER')
        connection.exec_driver_sql(f'GRANT pg_signal_backend TO "{owner}"')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}" OWNER "{owner}"')
    try:
        yield admin.set(username=owner, password=None, database=name).render_as_string(
            hide_password=False
        )
    finally:
        with engine.connect() as connection:
            connection.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
            drop_database_roles(connection, name)
            connection.exec_driver_sql(f'DROP ROLE IF EXISTS "{owner}"')
        engine.dispose()


@pytest.mark.postgres
def test_an_owner_who_is_not_a_superuser_sets_up_imports_and_disables(
    ordinary_owner: str, capsys: pytest.CaptureFixture[str]
) -> None:
    database = open_database(ordinary_owner)
    try:
        with database.engine.connect() as connection:
            assert connection.exec_driver_sql("SHOW is_superuser").scalar() == "off"
            # The import's fast path is not open to this owner: the triggers stay on.
            with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
                connection.exec_driver_sql("SET session_replication_role = replica")
        _own_login(database, UserRole.MANAGER)
        officer, officer_url = _own_login(database, UserRole.OFFICER)

        references = sorted({r["reference"] for r in example_rows()})
        capsys.readouterr()
        assert main(["--database", ordinary_owner, "import", "cases", str(EXAMPLE)]) == 0
        assert f"Imported {len(references)} cases" in capsys.readouterr().out
        with database.session() as session:
            assert session.scalar(
                sa.select(sa.func.count()).where(Case.reference.in_(references))
            ) == len(references)
            assert session.scalars(
                sa.select(AuditEvent.action).where(AuditEvent.action == "import")
            ).all() == ["import"]

        # The officer works over their own login; disabled, their session ends and the
        # login can no longer connect.
        officer_engine = sa.create_engine(officer_url, poolclass=sa.pool.NullPool)
        try:
            connection = officer_engine.connect()
            assert connection.execute(sa.select(sa.func.count()).select_from(Case)).scalar() == len(
                references
            )
            with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
                connection.execute(sa.text("UPDATE app_user SET role = 'admin'"))
            connection.rollback()
            capsys.readouterr()
            assert main(["--database", ordinary_owner, "user", "disable", officer]) == 0
            with pytest.raises(sa.exc.OperationalError):
                connection.execute(sa.select(1))
            connection.invalidate()
            with pytest.raises(sa.exc.OperationalError, match="not permitted to log in"):
                officer_engine.connect()
            assert main(["--database", ordinary_owner, "user", "enable", officer]) == 0
            with officer_engine.connect() as again:
                assert again.execute(sa.select(1)).scalar() == 1
        finally:
            officer_engine.dispose()

        capsys.readouterr()
        assert main(["--database", ordinary_owner, "audit", "verify"]) == 0
        assert "The audit trail is intact" in capsys.readouterr().out
    finally:
        database.dispose()
