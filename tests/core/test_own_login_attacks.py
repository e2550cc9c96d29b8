"""What an ordinary user's own PostgreSQL login tried, and the database refused.

Each test connects with a role's own login, makes the attempt, and expects a refusal
and the database as it was: holding a lock that stops everyone else, setting a
manager's decision, writing a note that passes for the database's own event, taking
reference numbers with no case, and linking its rows to another case's.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from crm_desktop.db.base import Base
from crm_desktop.db.database import open_database
from crm_desktop.db.scratch import scratch_postgres_database
from crm_desktop.domain.enums import UserRole
from tests.conftest import require_postgres
from tests.core.test_row_level_security import World, build, engine_for, fingerprint, refused

pytestmark = pytest.mark.postgres

# The case tables an officer may delete rows of (a removed party, point, outcome,
# suspension or extension): DELETE lets a login LOCK the table too (README).
OFFICERS_DELETE = {
    "case_party",
    "case_service_category",
    "complaint_point",
    "point_outcome",
    "stage_extension",
    "stage_suspension",
}


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    require_postgres()
    with scratch_postgres_database(prefix="crm_test_attacks") as url:
        db = open_database(url)
        try:
            yield build(db)
        finally:
            db.dispose()


def test_no_login_below_a_manager_can_lock_a_table_against_everyone(world: World) -> None:
    before = fingerprint(world.db)
    for role in (UserRole.OFFICER, UserRole.SERVICE_RESPONDER, UserRole.INVESTIGATOR):
        engine = engine_for(world, role)
        try:
            for table in Base.metadata.sorted_tables:
                if role == UserRole.OFFICER and table.name in OFFICERS_DELETE:
                    continue
                for mode in ("ACCESS EXCLUSIVE", "EXCLUSIVE", "SHARE"):
                    refused(engine, f'LOCK TABLE "{table.name}" IN {mode} MODE NOWAIT')
        finally:
            engine.dispose()
    with world.db.engine.connect() as connection:
        deleters = {
            table.name
            for table in Base.metadata.sorted_tables
            if connection.exec_driver_sql(
                "SELECT has_table_privilege(%s, %s, 'DELETE')",
                (world.logins[UserRole.OFFICER], table.name),
            ).scalar()
        }
    assert deleters == OFFICERS_DELETE
    assert fingerprint(world.db) == before
