"""PostgreSQL row-level security: an investigator's own connection sees only their cases,
even with raw SQL; nobody but the owner can rewrite the audit trail."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from crm_desktop.db.database import Database
from crm_desktop.db.models import Assignment, Case, Person
from crm_desktop.domain.enums import AssignmentRole, AssignmentStatus, UserRole
from crm_desktop.errors import ValidationError
from crm_desktop.services.db_roles import grant_login
from crm_desktop.services.users import add_user
from tests.workflow_driver import STARTS, Driver

pytestmark = pytest.mark.postgres


@pytest.fixture
def setting(postgres_database: Database) -> Iterator[tuple[Database, dict[str, str], list[str]]]:
    db = postgres_database
    driver = Driver(db)
    mine, other = driver.create(STARTS[1]), driver.create(STARTS[1])
    suffix = uuid.uuid4().hex[:8]

    def people(session: sa.orm.Session) -> dict[str, str]:
        person = Person(full_name="Ivy Investigator", is_investigator=True)
        session.add(person)
        session.flush()
        case = session.get(Case, mine.case_id)
        assert case is not None
        session.add(
            Assignment(
                stage_id=case.current_stage_id,
                person_id=person.id,
                role=AssignmentRole.INVESTIGATING_OFFICER,
                status=AssignmentStatus.ACCEPTED,
                offered_on=dt.date(2024, 3, 4),
            )
        )
        add_user(
            session,
            f"io{suffix}",
            UserRole.INVESTIGATOR,
            password="a long password",
            person_id=person.id,
        )
        add_user(session, f"officer{suffix}", UserRole.OFFICER, password="a long password")
        mine_ref = session.get(Case, mine.case_id).reference  # type: ignore[union-attr]
        other_ref = session.get(Case, other.case_id).reference  # type: ignore[union-attr]
        return {"mine": mine_ref, "other": other_ref}

    refs = db.write(people)
    roles = [
        db.write(lambda s: grant_login(s, f"io{suffix}", None)),
        db.write(lambda s: grant_login(s, f"officer{suffix}", None)),
    ]
    try:
        yield db, refs, roles
    finally:
        admin = sa.create_engine(db.engine.url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            for role in roles:
                connection.exec_driver_sql(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    f"WHERE usename = '{role}'"
                )
                connection.exec_driver_sql(f'DROP ROLE IF EXISTS "{role}"')
        admin.dispose()


def connect_as(db: Database, role: str) -> sa.Engine:
    url = make_url(db.url).set(username=role, password=None)
    return sa.create_engine(url)


def test_an_investigator_sees_only_assigned_cases_even_with_raw_sql(setting) -> None:  # type: ignore[no-untyped-def]
    db, refs, (investigator, _officer) = setting
    engine = connect_as(db, investigator)
    try:
        with engine.connect() as connection:
            seen = connection.exec_driver_sql("SELECT reference FROM representation").scalars()
            assert list(seen) == [refs["mine"]]
            stages = connection.exec_driver_sql(
                "SELECT DISTINCT r.reference FROM stage s JOIN representation r ON r.id = s.case_id"
            ).scalars()
            assert list(stages) == [refs["mine"]]
            # Stages of the other case are invisible even by a direct look-up.
            hidden = connection.exec_driver_sql("SELECT count(*) FROM stage").scalar()
            assert hidden == 1
            people = connection.exec_driver_sql("SELECT full_name FROM person").scalars()
            assert list(people) == ["Ivy Investigator"]
            points = connection.exec_driver_sql("SELECT count(*) FROM complaint_point").scalar()
            assert points == 2  # the two points of their own case only
            audit = connection.exec_driver_sql(
                "SELECT count(DISTINCT case_id) FROM audit_event WHERE case_id IS NOT NULL"
            ).scalar()
            assert audit == 1
        with engine.connect() as connection, pytest.raises(sa.exc.ProgrammingError):
            connection.exec_driver_sql("DELETE FROM representation")
    finally:
        engine.dispose()


def test_staff_see_every_case_but_cannot_rewrite_the_audit_trail(setting) -> None:  # type: ignore[no-untyped-def]
    db, refs, (_investigator, officer) = setting
    engine = connect_as(db, officer)
    try:
        with engine.connect() as connection:
            seen = set(connection.exec_driver_sql("SELECT reference FROM representation").scalars())
            assert seen == {refs["mine"], refs["other"]}
        for statement in (
            "UPDATE audit_event SET username = 'someone'",
            "DELETE FROM audit_event",
            "TRUNCATE audit_event",
        ):
            with (
                engine.connect() as connection,
                pytest.raises(sa.exc.ProgrammingError, match="permission denied"),
            ):
                connection.exec_driver_sql(statement)
        with engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO audit_event (occurred_at, username, action, entity) "
                "VALUES (now(), 'officer', 'test', 'test')"
            )
    finally:
        engine.dispose()


def test_the_program_works_on_an_officers_own_login(setting) -> None:  # type: ignore[no-untyped-def]
    from crm_desktop.db.database import open_database

    db, _refs, (_investigator, officer) = setting
    own = open_database(make_url(db.url).set(username=officer).render_as_string(False))
    try:
        Driver(own).create(STARTS[1])
        with own.session() as session:
            assert session.scalar(sa.select(sa.func.count()).select_from(Case)) == 3
    finally:
        own.dispose()


def test_logins_are_for_postgresql_only(database: Database) -> None:
    database.write(lambda s: add_user(s, "someone", UserRole.OFFICER, password="a long password"))
    with pytest.raises(ValidationError, match="for PostgreSQL"):
        database.write(lambda s: grant_login(s, "someone", None))


def test_the_calendar_copy_is_kept_by_staff_and_read_by_investigators(setting, caplog) -> None:  # type: ignore[no-untyped-def]
    from crm_desktop.db.calendar_table import first_wrong_day
    from crm_desktop.db.database import open_database
    from crm_desktop.db.models import CalendarDay
    from crm_desktop.services.queues import lgsco_remedies

    db, _refs, (investigator, officer) = setting
    table = CalendarDay.__table__
    db.write(
        lambda s: s.execute(
            sa.update(table).where(table.c.day == dt.date(2030, 1, 2)).values(is_working=False)
        )
    )
    # An investigator's login may read the copy but not rewrite it: the program opens,
    # says so in the log, and leaves the copy for staff to put right.
    own = open_database(make_url(db.url).set(username=investigator).render_as_string(False))
    try:
        assert "this login may not update it" in caplog.text
        with own.session() as session:
            assert first_wrong_day(session) == dt.date(2030, 1, 2)
            assert lgsco_remedies(session, dt.date(2024, 3, 28)) == []
        with own.engine.connect() as connection, pytest.raises(sa.exc.ProgrammingError):
            connection.exec_driver_sql("DELETE FROM calendar_day")
    finally:
        own.dispose()
    staff = open_database(make_url(db.url).set(username=officer).render_as_string(False))
    try:
        with staff.session() as session:
            assert first_wrong_day(session) is None
    finally:
        staff.dispose()
