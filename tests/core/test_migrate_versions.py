"""Opening a database reads its schema revision and the shipped revisions without
Alembic; both answers must be Alembic's own."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from crm_desktop.db import migrate


def test_the_shipped_revisions_are_alembics() -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config())
    assert migrate.head_revision() == script.get_current_head()
    assert migrate.known_revisions() == {rev.revision for rev in script.walk_revisions()}
    assert migrate.revision_order() == [
        rev.revision for rev in reversed(list(script.walk_revisions()))
    ]


def test_the_current_revision_is_alembics(migrated_sqlite_url: str, tmp_path: Path) -> None:
    for url in (migrated_sqlite_url, f"sqlite:///{tmp_path / 'empty.db'}"):
        engine = sa.create_engine(url)
        try:
            with engine.connect() as connection:
                expected = MigrationContext.configure(connection).get_current_revision()
                assert migrate.current_revision(connection) == expected
        finally:
            engine.dispose()
    assert expected is None  # the new, empty database


def test_opening_an_up_to_date_database_does_not_load_alembic(migrated_sqlite_url: str) -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from crm_desktop.db.database import open_database\n"
        f"open_database({migrated_sqlite_url!r}).dispose()\n"
        "print('alembic' in sys.modules, 'mako' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.split() == ["False", "False"]
