"""The reference data and clock rules shared between transactions (db/rules_cache.py):
kept while unchanged, read again by the next transaction after anyone changes them,
however they changed them, and never kept from a transaction that changed them itself."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db import rules_cache
from crm_desktop.db.calendar_table import working_calendar
from crm_desktop.db.database import Database, open_database
from crm_desktop.domain.enums import Procedure, StageCode
from crm_desktop.services.calendar_service import timescales
from crm_desktop.services.reference_lookup import load_index

# A Monday with nothing else on it, in a year every calendar knows.
DAY = dt.date(2025, 3, 10)
OTHER = dt.date(2025, 3, 11)


@pytest.fixture
def two_programs(any_database: Database) -> Iterator[tuple[Database, Database]]:
    """The database as two programs see it: each its own connections and its own store."""
    other = open_database(any_database.url)
    try:
        yield any_database, other
    finally:
        other.dispose()


def statements_of(db: Database) -> list[str]:
    seen: list[str] = []
    sa.event.listen(db.engine, "before_cursor_execute", lambda *a: seen.append(str(a[2])))
    return seen


def closes(db: Database, day: dt.date) -> bool:
    """Whether ``day`` is a closure day to ``db`` (a write transaction, as a save's)."""

    def read(session: Session) -> bool:
        return not working_calendar(session, Procedure.CORPORATE).is_working_day(day)

    return bool(db.write(read, actor="reader"))


def test_a_second_save_reads_the_rules_from_the_store(any_database: Database) -> None:
    def read(session: Session) -> object:
        return (
            working_calendar(session, Procedure.CORPORATE),
            timescales(session, Procedure.CORPORATE, StageCode.STAGE_1, DAY),
            load_index(session),
        )

    first = any_database.write(read, actor="reader")
    seen = statements_of(any_database)
    second = any_database.write(read, actor="reader")
    assert second == first
    reads = re.compile(r"\bFROM (" + "|".join(sorted(rules_cache.TRACKED_TABLES)) + r")\b")
    assert seen and not [s for s in seen if reads.search(s)], seen


def test_another_programs_change_is_seen_by_the_next_transaction(
    two_programs: tuple[Database, Database],
) -> None:
    from crm_desktop.domain.access import Actor
    from crm_desktop.domain.enums import UserRole
    from crm_desktop.operations import admin as admin_ops
    from crm_desktop.operations import run_operation

    mine, theirs = two_programs
    assert not closes(mine, DAY)
    manager = Actor("manager", UserRole.MANAGER)
    run_operation(theirs, manager, DAY, admin_ops.add_closure_day, DAY, "Staff training")
    assert closes(mine, DAY)
    # A change made with SQL of one's own, past the program, is seen too.
    with theirs.engine.begin() as connection:
        connection.exec_driver_sql(f"DELETE FROM closure_day WHERE day = '{DAY.isoformat()}'")
    assert not closes(mine, DAY)


def test_what_a_transaction_read_of_its_own_change_is_not_kept(any_database: Database) -> None:
    """A transaction that adds a closure day sees it, but what it read is not kept for
    others: rolled back, it never happened, though the next change committed takes the
    same number as the one it had."""
    from crm_desktop.db.models import ClosureDay

    class Undone(Exception):
        pass

    assert not closes(any_database, DAY)

    def add_and_undo(session: Session) -> None:
        session.add(ClosureDay(day=DAY, name="Never kept", updated_by="t"))
        session.flush()
        assert not working_calendar(session, Procedure.CORPORATE).is_working_day(DAY)
        raise Undone

    with pytest.raises(Undone):
        any_database.write(add_and_undo, actor="t")
    with any_database.engine.begin() as connection:
        connection.exec_driver_sql(
            f"INSERT INTO closure_day (day, name, version, updated_at, updated_by) "
            f"VALUES ('{OTHER.isoformat()}', 'Kept', 1, CURRENT_TIMESTAMP, 't')"
        )
    assert not closes(any_database, DAY)
    assert closes(any_database, OTHER)


def test_a_database_put_back_as_it_was_is_not_mistaken_for_a_later_one(
    any_database: Database,
) -> None:
    """A database put back from a backup has the number it had then; a change after that
    must not take a number a program kept other rules under (as a count would: put back
    from 5, the next change is 6 again, and a program that kept the names at 6 with a
    team since gone would go on using them)."""
    from crm_desktop.db.models import Team

    def names(session: Session) -> set[str]:
        return {name for (_, name) in load_index(session).teams}

    def version() -> int:
        with any_database.engine.connect() as connection:
            found: int = connection.exec_driver_sql(
                "SELECT version FROM rules_version"
            ).scalar_one()
            return found

    def add_team(name: str) -> None:
        def work(session: Session) -> None:
            session.add(Team(procedure=Procedure.CORPORATE, name=name, updated_by="t"))

        any_database.write(work, actor="t")

    backed_up = version()
    add_team("Gone Since")
    assert "gone since" in any_database.write(names, actor="reader")
    # Put back as it was: the team gone, the number the backup had.
    with any_database.engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM team WHERE name = 'Gone Since'")
        connection.exec_driver_sql(f"UPDATE rules_version SET version = {backed_up}")
    add_team("Added After")
    seen = any_database.write(names, actor="reader")
    assert "added after" in seen and "gone since" not in seen


@pytest.mark.postgres
def test_no_login_sets_the_number_back(postgres_database: Database) -> None:
    """Set back, the number would let programs keep rules that have since changed: no
    login below the owner may write it, a manager's included; a manager's change to the
    rules draws a new one."""
    from tests.core.test_row_level_security import build, engine_for, refused

    world = build(postgres_database)
    from crm_desktop.domain.enums import UserRole

    for role in (UserRole.MANAGER, UserRole.OFFICER):
        login = engine_for(world, role)
        try:
            assert "permission denied" in refused(
                login, "UPDATE rules_version SET version = version - 1"
            )
        finally:
            login.dispose()
    with postgres_database.engine.connect() as connection:
        before = connection.exec_driver_sql("SELECT version FROM rules_version").scalar_one()
    manager = engine_for(world, UserRole.MANAGER)
    try:
        with manager.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO closure_day (day, name, version, updated_at, updated_by) "
                f"VALUES ('{OTHER.isoformat()}', 'Kept', 1, now(), 'm')"
            )
    finally:
        manager.dispose()
    with postgres_database.engine.connect() as connection:
        after = connection.exec_driver_sql("SELECT version FROM rules_version").scalar_one()
    assert after != before
