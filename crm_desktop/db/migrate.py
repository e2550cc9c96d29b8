"""Schema versions through Alembic, driven from code (no alembic.ini to find at run time).

Opening a database only needs to know which revision it is at and which revisions this
program ships: both are read without loading Alembic (a plain query of the version
table, and the ``revision``/``down_revision`` lines of the migration files), so a
start-up on an up-to-date database does not pay for Alembic and Mako. Alembic is
loaded to upgrade or downgrade; ``tests/core/test_database.py`` checks that both ways
agree with Alembic's own answer.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Engine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "alembic_version"
_LINE = re.compile(
    r"^(down_revision|revision)\s*(?::[^=]+)?=\s*(None|[\"']([^\"']+)[\"'])\s*$", re.M
)


def alembic_config(connection: sa.Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _revisions() -> dict[str, str | None]:
    return _revisions_in(MIGRATIONS_DIR)


@functools.cache
def _revisions_in(directory: Path) -> dict[str, str | None]:
    """revision -> down_revision, read from the migration files' own lines."""
    found: dict[str, str | None] = {}
    for path in sorted((directory / "versions").glob("*.py")):
        values: dict[str, str | None] = {}
        for match in _LINE.finditer(path.read_text(encoding="utf-8")):
            values[match.group(1)] = match.group(3)
        if values.get("revision"):
            found[str(values["revision"])] = values.get("down_revision")
    return found


def head_revision() -> str:
    revisions = _revisions()
    parents = {down for down in revisions.values() if down is not None}
    heads = [revision for revision in revisions if revision not in parents]
    assert len(heads) == 1, f"the migrations must have one head, not {heads}"
    return heads[0]


def known_revisions() -> set[str]:
    return set(_revisions())


def current_revision(connection: sa.Connection) -> str | None:
    if not sa.inspect(connection).has_table(VERSION_TABLE):
        return None
    row = connection.exec_driver_sql(f"SELECT version_num FROM {VERSION_TABLE}").first()
    return None if row is None else str(row[0])


def upgrade(engine: Engine, target: str = "head") -> None:
    from alembic import command

    _run(engine, lambda config: command.upgrade(config, target))


def downgrade(engine: Engine, target: str) -> None:
    from alembic import command

    _run(engine, lambda config: command.downgrade(config, target))


def _run(engine: Engine, step: Callable[[Config], None]) -> None:
    """Run migration steps in one transaction.

    On SQLite, batch mode rebuilds a table by copying it and dropping the old one, which
    foreign keys would refuse while other tables point at it. As sqlite.org advises for
    schema changes, foreign keys are switched off for the migration (outside the
    transaction, where the pragma takes effect), checked afterwards, and switched on.
    """
    with engine.connect() as connection:
        raw = connection.connection.driver_connection if engine.dialect.name == "sqlite" else None
        if raw is not None:
            raw.execute("PRAGMA foreign_keys = OFF")
        try:
            with connection.begin():
                if engine.dialect.name == "postgresql":
                    from crm_desktop.db import pg_security

                    # The rules' reinstalls, once at the end (their locks add up).
                    with pg_security.installs_deferred(connection):
                        step(alembic_config(connection))
                else:
                    step(alembic_config(connection))
                if raw is not None:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"a migration broke links between tables: {broken[:5]}")
        finally:
            if raw is not None:
                raw.execute("PRAGMA foreign_keys = ON")


def revision_order() -> list[str]:
    """Every revision this program knows, oldest first (from the head back along
    ``down_revision``, read from the files as :func:`head_revision` does)."""
    revisions = _revisions()
    order: list[str] = []
    revision: str | None = head_revision()
    while revision is not None:
        order.append(revision)
        revision = revisions.get(revision)
    return order[::-1]
