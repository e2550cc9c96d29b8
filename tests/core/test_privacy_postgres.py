"""PostgreSQL grants on the data protection tables: investigators never see equality
answers or the privacy logs; nobody but the owner rewrites a log. Only managers read
the answers and the logs."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from crm_desktop.db.database import Database
from crm_desktop.db.models import Assignment, Case, Person, User
from crm_desktop.domain.enums import AssignmentRole, AssignmentStatus, UserRole
from crm_desktop.errors import PermissionRefused
from crm_desktop.privacy import retention
from crm_desktop.privacy.equality import EqualityAnswers, record_equality
from crm_desktop.services.db_roles import grant_login
from crm_desktop.services.users import add_user
from tests.core.test_privacy_support import MANAGER, add_closed_case, add_person, someone

pytestmark = pytest.mark.postgres


@pytest.fixture
def logins(postgres_database: Database) -> Iterator[tuple[Database, dict[str, int], list[str]]]:
    db = postgres_database
    suffix = uuid.uuid4().hex[:8]

    def build(session: sa.orm.Session) -> dict[str, int]:
        mine = add_closed_case(session, add_person(session, someone("X")))
        other = add_closed_case(session, add_person(session, someone("Y")))
        investigator = Person(full_name="Ida Investigator", is_investigator=True)
        session.add(investigator)
        session.flush()
        stage_id = session.get(Case, mine.id).current_stage_id  # type: ignore[union-attr]
        session.add(
            Assignment(
                stage_id=stage_id,
                person_id=investigator.id,
                role=AssignmentRole.INVESTIGATING_OFFICER,
                status=AssignmentStatus.ACCEPTED,
                offered_on=dt.date(2017, 5, 11),
            )
        )
        add_user(
            session,
            f"io{suffix}",
            UserRole.INVESTIGATOR,
            password="a long password",
            person_id=investigator.id,
        )
        add_user(session, f"officer{suffix}", UserRole.OFFICER, password="a long password")
        add_user(session, f"manager{suffix}", UserRole.MANAGER, password="a long password")
        record_equality(session, MANAGER, investigator.id, EqualityAnswers(sex="Female"))
        session.flush()
        user_id = session.scalars(sa.select(User.id).where(User.username == f"io{suffix}")).one()
        return {"mine": mine.id, "other": other.id, "io_user": user_id}

    ids = db.write(build)
    db.write(lambda s: retention.place_legal_hold(s, MANAGER, ids["other"], "Claim"))
    roles = [
        db.write(lambda s: grant_login(s, f"io{suffix}", None)),
        db.write(lambda s: grant_login(s, f"officer{suffix}", None)),
        db.write(lambda s: grant_login(s, f"manager{suffix}", None)),
    ]
    try:
        yield db, ids, roles
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


def _engine(db: Database, role: str) -> sa.Engine:
    return sa.create_engine(make_url(db.url).set(username=role, password=None))


def test_an_investigator_sees_no_equality_answers_nor_privacy_logs(logins) -> None:  # type: ignore[no-untyped-def]
    db, ids, (investigator, _officer, _manager) = logins
    engine = _engine(db, investigator)
    try:
        for table in (
            "equality_monitoring",
            "equality_category",
            "retention_event",
            "subject_access_request",
            "redaction_log",
            "case_access",
        ):
            with (
                engine.connect() as connection,
                pytest.raises(sa.exc.ProgrammingError, match="permission denied"),
            ):
                connection.exec_driver_sql(f"SELECT * FROM {table}")
        # They may log opening their own case, in their own name, and only their own.
        own_name = f"(SELECT username FROM app_user WHERE id = {ids['io_user']})"
        with engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO case_access (case_id, username, user_id, role, opened_at) "
                f"VALUES ({ids['mine']}, {own_name}, {ids['io_user']}, 'investigator', now())"
            )
        with (
            engine.begin() as connection,
            pytest.raises(sa.exc.ProgrammingError, match="row-level security"),
        ):
            connection.exec_driver_sql(
                "INSERT INTO case_access (case_id, username, user_id, role, opened_at) "
                f"VALUES ({ids['other']}, {own_name}, {ids['io_user']}, 'investigator', now())"
            )
    finally:
        engine.dispose()


def test_managers_read_but_never_rewrite_the_privacy_logs(logins) -> None:  # type: ignore[no-untyped-def]
    db, _ids, (_investigator, officer, manager) = logins
    engine = _engine(db, manager)
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM retention_event").scalar() == 1
            assert (
                connection.exec_driver_sql("SELECT count(*) FROM equality_monitoring").scalar() == 1
            )
        for statement in (
            "UPDATE retention_event SET reason = 'nothing'",
            "DELETE FROM retention_event",
            "UPDATE case_access SET username = 'someone'",
        ):
            with (
                engine.connect() as connection,
                pytest.raises(sa.exc.ProgrammingError, match="permission denied"),
            ):
                connection.exec_driver_sql(statement)
    finally:
        engine.dispose()
    # Officers read neither the equality answers nor the privacy logs.
    engine = _engine(db, officer)
    try:
        for table in ("equality_monitoring", "retention_event", "case_access"):
            with (
                engine.connect() as connection,
                pytest.raises(sa.exc.ProgrammingError, match="permission denied"),
            ):
                connection.exec_driver_sql(f"SELECT count(*) FROM {table}")
    finally:
        engine.dispose()


def test_a_manager_on_their_own_login_can_anonymise(logins) -> None:  # type: ignore[no-untyped-def]
    from crm_desktop.db.database import open_database

    db, ids, (_investigator, officer, manager) = logins
    # An officer's login may not: the database refuses what the services also refuse.
    own = open_database(make_url(db.url).set(username=officer).render_as_string(False))
    try:
        with pytest.raises(PermissionRefused):
            own.write(
                lambda s: retention.anonymise_case(s, MANAGER, ids["mine"], "Retention ended")
            )
    finally:
        own.dispose()
    own = open_database(make_url(db.url).set(username=manager).render_as_string(False))
    try:
        result = own.write(
            lambda s: retention.anonymise_case(s, MANAGER, ids["mine"], "Retention ended")
        )
        assert result.rows_cleared["representation"] == 1
        deleted = own.write(lambda s: retention.release_legal_hold(s, MANAGER, ids["other"], "x"))
        assert deleted is None
        own.write(lambda s: retention.delete_case(s, MANAGER, ids["other"], "Duplicate"))
        with own.session() as session:
            assert session.get(Case, ids["other"]) is None
    finally:
        own.dispose()
