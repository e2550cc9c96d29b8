"""PostgreSQL logins and the new tables: an officer's own login sends letters and runs
the reminders; an investigator's sees only their own notifications and no outbox."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from crm_desktop.correspondence.letters import About, Letter, send_email
from crm_desktop.correspondence.notifications import notify
from crm_desktop.correspondence.reminders import run_reminders
from crm_desktop.db.database import Database, open_database
from crm_desktop.db.models import Person, User
from crm_desktop.domain.access import Actor
from crm_desktop.domain.enums import UserRole
from crm_desktop.services.db_roles import grant_login
from crm_desktop.services.users import add_user
from tests.core.test_correspondence_support import (
    SmtpSink,
    build_case,
    configure,
    smtp_server,
)

pytestmark = pytest.mark.postgres


@pytest.fixture
def logins(postgres_database: Database) -> Iterator[tuple[Database, dict[str, Any]]]:
    db = postgres_database
    suffix = uuid.uuid4().hex[:8]

    def people(session: sa.orm.Session) -> dict[str, Any]:
        built = build_case(session, due_on=dt.date(2024, 4, 3))
        person = Person(full_name="Ivy Investigator", is_investigator=True)
        session.add(person)
        session.flush()
        io = add_user(
            session,
            f"io{suffix}",
            UserRole.INVESTIGATOR,
            password="a long password",
            person_id=person.id,
        )
        officer = add_user(session, f"off{suffix}", UserRole.OFFICER, password="a long password")
        add_user(session, f"mgr{suffix}", UserRole.MANAGER, password="a long password")
        notify(session, io.id, "for the investigator")
        notify(session, built.officer_id, "for alice")
        return {
            "case": built.case_id,
            "io": io.username,
            "officer": officer.username,
            "manager": f"mgr{suffix}",
            "officer_id": session.scalar(
                sa.select(User.id).where(User.username == officer.username)
            ),
        }

    ids = db.write(people)
    roles = [
        db.write(lambda s: grant_login(s, str(ids["io"]), None)),
        db.write(lambda s: grant_login(s, str(ids["officer"]), None)),
        db.write(lambda s: grant_login(s, str(ids["manager"]), None)),
    ]
    ids["roles"] = roles
    try:
        yield db, ids
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


def as_role(db: Database, role: str) -> str:
    return make_url(db.url).set(username=role, password=None).render_as_string(False)


def test_an_investigators_login_sees_only_their_notifications(
    logins: tuple[Database, dict[str, Any]],
) -> None:
    db, ids = logins
    investigator_role = ids["roles"][0]
    engine = sa.create_engine(as_role(db, investigator_role))
    try:
        with engine.connect() as connection:
            texts = connection.exec_driver_sql("SELECT text FROM notification").scalars().all()
            assert texts == ["for the investigator"]
            changed = connection.exec_driver_sql("UPDATE notification SET read_at = now()").rowcount
            assert changed == 1
            for table in ("outbox_message", "correspondence_template"):
                with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
                    connection.exec_driver_sql(f"SELECT count(*) FROM {table}")
                connection.rollback()
    finally:
        engine.dispose()


def test_an_officers_login_sends_email_and_a_managers_runs_reminders(
    logins: tuple[Database, dict[str, Any]],
) -> None:
    db, ids = logins
    sink = SmtpSink()
    with smtp_server(sink) as port:
        configure(db, port)
        own = open_database(as_role(db, ids["roles"][1]))
        try:
            actor = Actor(str(ids["officer"]), UserRole.OFFICER, int(ids["officer_id"]))
            result = send_email(
                own,
                About(int(ids["case"])),
                Letter("acknowledgement"),
                actor,
                dt.date(2024, 3, 28),
            )
            assert result.status == "sent"
        finally:
            own.dispose()
        manager = open_database(as_role(db, ids["roles"][2]))
        try:
            report = run_reminders(manager, dt.date(2024, 3, 28))
            assert report.plan.emails >= 1 and report.delivery.sent == report.plan.emails
        finally:
            manager.dispose()
    assert len(sink.received()) == 1 + report.plan.emails


def test_a_held_planning_lock_makes_a_run_give_up_not_wait_for_ever(
    postgres_database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run that holds the planning lock and keeps it (only a manager's or the owner's
    login can take it): the next run gives up."""
    import datetime as dt

    import sqlalchemy as sa

    from crm_desktop.correspondence import reminders

    monkeypatch.setattr(reminders, "PLANNING_LOCK_WAIT", "200ms")
    with postgres_database.engine.connect() as holder:
        holder.execute(sa.text("SELECT crm_reminders_lock()"))
        with (
            postgres_database.session() as session,
            pytest.raises(sa.exc.OperationalError, match="lock timeout"),
        ):
            reminders.plan_reminders(session, dt.date(2025, 6, 2), dt.datetime(2025, 6, 2, 9, 0))
