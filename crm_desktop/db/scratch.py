"""Throwaway PostgreSQL databases, for tests, benchmarks and self-checks.

Each call creates a database with a unique name on the server of ``admin_url`` and drops
it afterwards, so two runs on one server never collide.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import make_url

ADMIN_URL_ENV = "CRM_TEST_POSTGRES_URL"
DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
# CREATE DATABASE ... TEMPLATE refuses while anyone is connected to the template; a
# backend that a client has just left may still be on its way out for a moment.
OBJECT_IN_USE = "55006"
TEMPLATE_ATTEMPTS = 50


def postgres_admin_url() -> str:
    return os.environ.get(ADMIN_URL_ENV, DEFAULT_ADMIN_URL)


@contextmanager
def scratch_postgres_database(
    admin_url: str | None = None, prefix: str = "crm_scratch", template: str | None = None
) -> Iterator[str]:
    """Create a database, yield its URL, drop it (and its connections) afterwards, with
    the server-wide roles CRM Desktop made for it.

    The database is empty, or, given ``template`` (the name of a database on the same
    server that nobody is connected to), a copy of that database.
    """
    admin = make_url(admin_url or postgres_admin_url())
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            _create_database(connection, name, template)
        try:
            yield admin.set(database=name).render_as_string(hide_password=False)
        finally:
            with engine.connect() as connection:
                connection.exec_driver_sql(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()",
                    (name,),
                )
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
                from crm_desktop.db.pg_security import drop_database_roles

                drop_database_roles(connection, name)
    finally:
        engine.dispose()


def _create_database(connection: sa.Connection, name: str, template: str | None) -> None:
    if template is None:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        return
    for attempt in range(1, TEMPLATE_ATTEMPTS + 1):
        try:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            return
        except sa.exc.OperationalError as exc:
            in_use = getattr(exc.orig, "sqlstate", None) == OBJECT_IN_USE
            if not in_use or attempt == TEMPLATE_ATTEMPTS:
                raise
            time.sleep(0.02 * attempt)
