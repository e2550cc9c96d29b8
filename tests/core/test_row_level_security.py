"""PostgreSQL keeps every role to its own rights, whatever SQL a user's own login runs.

For each application role a login of its own tries everything its role must not do
(reads, updates, deletes, SET ROLE, switching row-level security off, writing the audit
trail, the UPDATE without WHERE that walks an investigator through every stage,
re-pointing and re-activating rows) and is refused, leaving the database exactly as it
was. A disabled user's login cannot connect; a login of one database cannot reach
another on the same server.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from crm_desktop.db.base import Base
from crm_desktop.db.database import Database, open_database
from crm_desktop.db.models import (
    Assignment,
    Case,
    Correspondence,
    Person,
    ServiceArea,
    Setting,
    Stage,
)
from crm_desktop.db.models_correspondence import CorrespondenceTemplate
from crm_desktop.db.pg_security import GROUPS, group_name, role_prefix
from crm_desktop.db.scratch import scratch_postgres_database
from crm_desktop.domain.enums import (
    AssignmentRole,
    AssignmentStatus,
    CorrespondenceChannel,
    CorrespondenceDirection,
    UserRole,
)
from crm_desktop.domain.formatting import format_date
from crm_desktop.errors import DatabaseError, ValidationError
from crm_desktop.services.db_roles import grant_login
from crm_desktop.services.users import add_user, set_active
from tests.conftest import require_postgres
from tests.factories import add_case

pytestmark = pytest.mark.postgres

PASSWORD = "a long password"
DAY = dt.date(2025, 6, 2)
ROLES = tuple(GROUPS)


@dataclasses.dataclass
class World:
    db: Database
    url: str
    logins: dict[UserRole, str]
    usernames: dict[UserRole, str]
    mine: int  # in the responder's service area; the investigator holds an appointment
    other: int  # another area; nobody restricted may see it
    closed: int  # closed, in another area
    my_assignment: int
    declined: int  # the investigator's declined offer on the other case
    other_stage: int
    colleague_assignment: int


def build(db: Database) -> World:
    def work(session: sa.orm.Session) -> dict[str, object]:
        area = session.scalar(sa.select(ServiceArea).where(ServiceArea.name == "Contact Centre"))
        assert area is not None
        mine = add_case(session, summary="Mine", area="Contact Centre")
        other = add_case(session, summary="Other", area="Network Control")
        closed = add_case(
            session, summary="Closed", area="Network Control", closed_on=dt.date(2025, 1, 6)
        )
        me = Person(full_name="Ivy Investigator", is_investigator=True, hourly_fee_pence=5000)
        them = Person(full_name="Colin Colleague", is_investigator=True, hourly_fee_pence=9000)
        session.add_all([me, them])
        session.flush()
        mine_stage = session.scalar(sa.select(Stage.id).where(Stage.case_id == mine.id))
        other_stage = session.scalar(sa.select(Stage.id).where(Stage.case_id == other.id))
        assert mine_stage is not None and other_stage is not None
        rows = {
            "my": Assignment(
                stage_id=mine_stage,
                person_id=me.id,
                role=AssignmentRole.INVESTIGATING_OFFICER,
                status=AssignmentStatus.ACCEPTED,
                offered_on=DAY,
                hours=2.0,
                fee_pence=10000,
                progress_note="Mine to write",
            ),
            "colleague": Assignment(
                stage_id=mine_stage,
                person_id=them.id,
                role=AssignmentRole.INDEPENDENT_PERSON,
                status=AssignmentStatus.ACCEPTED,
                offered_on=DAY,
                progress_note="Colleague's private note",
            ),
            "declined": Assignment(
                stage_id=other_stage,
                person_id=me.id,
                role=AssignmentRole.INDEPENDENT_PERSON,
                status=AssignmentStatus.DECLINED,
                offered_on=DAY,
                end_reason="Too far",
            ),
        }
        session.add_all(rows.values())
        session.add(Setting(key="smtp.password", value="mail server secret"))
        session.add(
            Correspondence(
                case_id=mine.id,
                direction=CorrespondenceDirection.OUTGOING,
                channel=CorrespondenceChannel.LETTER,
                subject="Acknowledgement",
            )
        )
        session.flush()
        names: dict[UserRole, str] = {}
        for role in ROLES:
            name = f"{role.value.replace(' ', '')}1"
            add_user(
                session,
                name,
                role,
                password=PASSWORD,
                person_id=me.id if role == UserRole.INVESTIGATOR else None,
            )
            names[role] = name
        responder = session.scalar(
            sa.select(sa.text("id"))
            .select_from(sa.text("app_user"))
            .where(sa.text("username = :u")),
            {"u": names[UserRole.SERVICE_RESPONDER]},
        )
        session.execute(
            sa.text("UPDATE app_user SET service_area_id = :a WHERE id = :u"),
            {"a": area.id, "u": responder},
        )
        return {
            "mine": mine.id,
            "other": other.id,
            "closed": closed.id,
            "my": rows["my"].id,
            "declined": rows["declined"].id,
            "other_stage": other_stage,
            "colleague": rows["colleague"].id,
            "names": names,
        }

    made = db.write(work, actor="builder")
    names = made["names"]
    assert isinstance(names, dict)
    logins = {
        role: db.write(lambda s, n=name: grant_login(s, n, None)) for role, name in names.items()
    }
    return World(
        db,
        db.url,
        logins,
        names,
        int(made["mine"]),  # type: ignore[call-overload]
        int(made["other"]),  # type: ignore[call-overload]
        int(made["closed"]),  # type: ignore[call-overload]
        int(made["my"]),  # type: ignore[call-overload]
        int(made["declined"]),  # type: ignore[call-overload]
        int(made["other_stage"]),  # type: ignore[call-overload]
        int(made["colleague"]),  # type: ignore[call-overload]
    )


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    require_postgres()
    with scratch_postgres_database(prefix="crm_test_rls") as url:
        db = open_database(url)
        try:
            yield build(db)
        finally:
            db.dispose()


def login_url(world: World, role: UserRole) -> str:
    return (
        make_url(world.url)
        .set(username=world.logins[role], password=None)
        .render_as_string(hide_password=False)
    )


def engine_for(world: World, role: UserRole) -> sa.Engine:
    return sa.create_engine(login_url(world, role))


def fingerprint(db: Database) -> dict[str, str]:
    """Every row of every table, and every login's state, as the owner sees them."""
    db.seal_audit()
    found: dict[str, str] = {}
    with db.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            found[table.name] = connection.exec_driver_sql(
                f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
                f'FROM "{table.name}" t'
            ).scalar_one()
        found["logins"] = connection.exec_driver_sql(
            "SELECT string_agg(rolname || ':' || rolcanlogin::text, ',' ORDER BY rolname) "
            "FROM pg_roles WHERE rolname LIKE %s",
            (role_prefix(db.engine.url.database or "") + "%",),
        ).scalar_one()
    return found


INSUFFICIENT_PRIVILEGE = "42501"  # also a row that breaks a policy's WITH CHECK


def refused(engine: sa.Engine, statement: str, parameters: dict[str, object] | None = None) -> str:
    """Run ``statement`` in its own transaction; it must be refused for want of the right
    (not fail for any other reason). Returns the server's message."""
    with engine.connect() as connection:
        try:
            connection.execute(sa.text(statement), parameters or {})
            connection.commit()
        except sa.exc.DBAPIError as exc:
            connection.rollback()
            state = getattr(exc.orig, "sqlstate", None)
            assert state == INSUFFICIENT_PRIVILEGE, f"{statement}: {exc.orig}"
            return str(exc.orig)
    pytest.fail(f"allowed: {statement}")


def rows(engine: sa.Engine, statement: str) -> list[tuple[object, ...]]:
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(sa.text(statement))]


# ------------------------------------------------------------------------ what everyone
# of them must not do

EVERYONE_REFUSED = [
    "SELECT password_hash FROM app_user",
    "SELECT * FROM app_user",
    "INSERT INTO audit_event (occurred_at, username, action, entity) "
    "VALUES (now(), 'manager1', 'update', 'representation')",
    "UPDATE audit_event SET username = 'someone'",
    "DELETE FROM audit_event",
    "TRUNCATE audit_event",
    "DELETE FROM representation",
    "ALTER TABLE representation DISABLE ROW LEVEL SECURITY",
    "ALTER TABLE audit_event DISABLE TRIGGER ALL",
    "DROP POLICY IF EXISTS crm_officer_1 ON representation",
    "SET ROLE postgres",
    "SET SESSION AUTHORIZATION postgres",
    "CREATE TABLE sneaky (id integer)",
    "UPDATE app_user SET db_role = 'someone_else'",
    "SELECT crm_audit_row()",
    "SELECT crm_apply_login('x', 'admin', true)",
    "SELECT crm_login_sync()",
]
# Only an administrator changes users and roles: a manager's login included, nobody
# else adds an account, gives a role (their own included) or turns one on or off.
NOT_AN_ADMINISTRATOR_REFUSED = [
    "UPDATE app_user SET role = 'admin'",
    "UPDATE app_user SET role = 'admin' WHERE db_role = session_user",
    "UPDATE app_user SET active = true",
    "UPDATE app_user SET active = false WHERE role = 'officer'",
    "UPDATE app_user SET display_name = 'Someone else'",
    "INSERT INTO app_user (username, display_name, role, active, failed_sign_ins, version, "
    "updated_at, created_at) VALUES ('mole', 'Mole', 'admin', true, 0, 1, now(), now())",
    "DELETE FROM app_user WHERE role = 'officer'",
    "SELECT crm_has_password('officer1')",
    # Nor draws ids for accounts (only administrators add them).
    "SELECT nextval(pg_get_serial_sequence('app_user', 'id'))",
]
NOT_A_MANAGER_REFUSED = [
    "SELECT * FROM equality_monitoring",
    "INSERT INTO equality_monitoring (person_id, updated_at) VALUES (1, now())",
    "UPDATE correspondence_template SET body = 'Pay to account 1234'",
    "INSERT INTO correspondence_template (key, name, subject, body, version, updated_at) "
    "VALUES ('evil', 'Evil', 's', 'b', 1, now())",
    "UPDATE setting SET value = 'x'",
    "INSERT INTO closure_day (day, name, version, updated_at) VALUES ('2025-12-29', 'x', 1, now())",
    "DELETE FROM calendar_day",
    "UPDATE representation SET legal_hold = false",
    "SELECT * FROM retention_event",
    "SELECT * FROM case_access",
    "SELECT crm_delete_case(1, 'tidying up')",
    # Re-pointing another user's notifications at oneself.
    "UPDATE notification SET user_id = crm_own_user_id()",
]
RESTRICTED_REFUSED = [
    # Investigators and service responders: no case work, no letters to others' cases.
    "UPDATE representation SET summary = 'changed'",
    "INSERT INTO representation (reference, kind, procedure, received_on, summary, status, "
    "legal_hold, imported, version, updated_at, created_at) VALUES ('X-1', 'complaint', "
    "'corporate', '2025-01-01', '', 'open', false, false, 1, now(), now())",
    "UPDATE stage SET due_on = '2030-01-01'",
    "INSERT INTO assignment (stage_id, person_id, role, status, offered_on, version, "
    "updated_at) VALUES (1, 1, 'investigating officer', 'accepted', '2025-01-01', 1, now())",
    "UPDATE person SET full_name = 'x'",
    "SELECT crm_audit_note('[]'::jsonb)",
]


@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
def test_each_role_is_refused_what_it_must_not_do(world: World, role: UserRole) -> None:
    before = fingerprint(world.db)
    engine = engine_for(world, role)
    try:
        attempts = list(EVERYONE_REFUSED)
        if role != UserRole.ADMIN:
            attempts += NOT_AN_ADMINISTRATOR_REFUSED
        if role not in (UserRole.MANAGER, UserRole.ADMIN):
            attempts += NOT_A_MANAGER_REFUSED
        if role in (UserRole.INVESTIGATOR, UserRole.SERVICE_RESPONDER):
            attempts += RESTRICTED_REFUSED
        if role == UserRole.SERVICE_RESPONDER:
            # Re-pointing a letter of their own area's case at another area's case.
            attempts.append(
                f"UPDATE correspondence SET case_id = {world.other} WHERE case_id = {world.mine}"
            )
        if role == UserRole.INVESTIGATOR:
            attempts += [
                "SELECT * FROM audit_event",
                "SELECT * FROM correspondence",
                "SELECT * FROM outbox_message",
                "INSERT INTO correspondence (case_id, direction, channel, subject, body, "
                f"version, updated_at, created_at) VALUES ({world.mine}, 'outgoing', 'letter',"
                " '', '', 1, now(), now())",
            ]
        # Taking another group's rights: every group but their own (and, for managers
        # and administrators, the groups theirs already includes).
        prefix = role_prefix(world.db.engine.url.database or "")
        own = {
            UserRole.MANAGER: {"manager", "officer"},
            UserRole.ADMIN: {"admin", "manager", "officer"},
        }
        for group in GROUPS.values():
            if group != GROUPS[role] and group not in own.get(role, set()):
                attempts.append(f'SET ROLE "{group_name(prefix, group)}"')
        for statement in attempts:
            refused(engine, statement)
    finally:
        engine.dispose()
    assert fingerprint(world.db) == before


def test_nobody_but_the_owner_reads_a_password_hash(world: World) -> None:
    for role in ROLES:
        engine = engine_for(world, role)
        try:
            assert "permission denied" in refused(engine, "SELECT password_hash FROM app_user")
            # The sign-in function answers a login about its own account only.
            others = [n for r, n in world.usernames.items() if r != role]
            for name in others:
                found = rows(engine, f"SELECT * FROM crm_sign_in_account('{name}')")
                assert found == []
            (own,) = rows(engine, f"SELECT * FROM crm_sign_in_account('{world.usernames[role]}')")
            assert str(own[1]).startswith("$argon2id$")
        finally:
            engine.dispose()


def test_an_investigator_sees_only_their_own(world: World) -> None:
    engine = engine_for(world, UserRole.INVESTIGATOR)
    try:
        assert rows(engine, "SELECT id FROM representation") == [(world.mine,)]
        assert {r[0] for r in rows(engine, "SELECT case_id FROM stage")} == {world.mine}
        assert rows(engine, "SELECT full_name FROM person") == [("Ivy Investigator",)]
        # Their own appointments only: not the colleague's note on the same case.
        notes = {r[0] for r in rows(engine, "SELECT progress_note FROM assignment")}
        assert "Colleague's private note" not in notes and "Mine to write" in notes
        assert rows(engine, "SELECT value FROM setting WHERE key = 'smtp.password'") == []
        assert [r[0] for r in rows(engine, "SELECT username FROM app_user")] == [
            world.usernames[UserRole.INVESTIGATOR]
        ]
    finally:
        engine.dispose()


def test_the_update_without_where_walks_nowhere(world: World) -> None:
    """The walk from the issue: move one's own appointment to every stage in turn and
    read each case. The move itself is refused, so nothing more is seen."""
    before = fingerprint(world.db)
    engine = engine_for(world, UserRole.INVESTIGATOR)
    try:
        with world.db.engine.connect() as connection:
            stages = connection.exec_driver_sql("SELECT id FROM stage ORDER BY id").scalars().all()
        for stage in stages:
            with engine.connect() as connection:
                with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
                    connection.exec_driver_sql(f"UPDATE assignment SET stage_id = {stage}")
                connection.rollback()
                seen = connection.exec_driver_sql("SELECT id FROM representation").scalars()
                assert list(seen) == [world.mine]
                connection.rollback()
        for statement in (
            f"UPDATE assignment SET fee_pence = 999999 WHERE id = {world.my_assignment}",
            f"UPDATE assignment SET hours = 3, fee_pence = 1 WHERE id = {world.my_assignment}",
            f"UPDATE assignment SET status = 'accepted' WHERE id = {world.declined}",
            f"UPDATE assignment SET status = 'offered' WHERE id = {world.my_assignment}",
            f"UPDATE assignment SET person_id = person_id + 1 WHERE id = {world.my_assignment}",
            f"UPDATE assignment SET role = 'panel chair' WHERE id = {world.my_assignment}",
            f"UPDATE assignment SET progress_note = 'mine now' "
            f"WHERE id = {world.colleague_assignment}",
            f"INSERT INTO attachment (case_id, original_name, stored_name, content_type, "
            f"size_bytes, sha256, uploaded_at) VALUES ({world.other}, 'x', '{'9' * 32}', 'x', "
            "1, 'x', now())",
            f"INSERT INTO case_access (case_id, username, user_id, role, opened_at) VALUES "
            f"({world.other}, 'investigator1', NULL, 'investigator', now())",
        ):
            with engine.connect() as connection:
                try:
                    result = connection.exec_driver_sql(statement)
                    changed = result.rowcount
                    connection.commit()
                except sa.exc.DBAPIError:
                    connection.rollback()
                    continue
            # A row another login's policy hides is not touched at all.
            assert changed == 0, statement
    finally:
        engine.dispose()
    assert fingerprint(world.db) == before


def test_an_investigator_may_do_their_own_work_and_no_more(world: World) -> None:
    engine = engine_for(world, UserRole.INVESTIGATOR)
    me = world.usernames[UserRole.INVESTIGATOR]
    try:
        with engine.begin() as connection:
            # Their hours: the fee is the hours at their own rate, and nothing else; a
            # note added under their own name, as the program adds it.
            connection.execute(
                sa.text(
                    "UPDATE assignment SET hours = 3.5, fee_pence = 17500, updated_by = :me, "
                    "progress_note = progress_note || :line WHERE id = :a"
                ),
                {
                    "me": me,
                    "line": f"\n{format_date(dt.date.today())} ({me}): Interviewed the manager",
                    "a": world.my_assignment,
                },
            )
        with world.db.engine.connect() as connection:
            hours, fee = connection.exec_driver_sql(
                f"SELECT hours, fee_pence FROM assignment WHERE id = {world.my_assignment}"
            ).one()
            event = connection.exec_driver_sql(
                "SELECT username, entity FROM audit_event ORDER BY id DESC LIMIT 1"
            ).one()
        assert (hours, fee) == (3.5, 17500)
        assert tuple(event) == (world.usernames[UserRole.INVESTIGATOR], "assignment")
    finally:
        engine.dispose()
        with world.db.engine.begin() as connection:
            connection.exec_driver_sql(
                "UPDATE assignment SET hours = 2, fee_pence = 10000, "
                f"progress_note = 'Mine to write' WHERE id = {world.my_assignment}"
            )


def test_a_service_responder_sees_their_own_area_only(world: World) -> None:
    engine = engine_for(world, UserRole.SERVICE_RESPONDER)
    try:
        assert rows(engine, "SELECT id FROM representation") == [(world.mine,)]
        cases = {r[0] for r in rows(engine, "SELECT DISTINCT case_id FROM audit_event")}
        assert cases == {world.mine}
        before = fingerprint(world.db)
        assert refused(
            engine,
            "INSERT INTO correspondence (case_id, direction, channel, subject, body, version, "
            f"updated_at, created_at) VALUES ({world.other}, 'outgoing', 'letter', '', '', 1, "
            "now(), now())",
        )
        assert fingerprint(world.db) == before
    finally:
        engine.dispose()


def test_officers_see_every_case_but_not_user_events_nor_equality(world: World) -> None:
    engine = engine_for(world, UserRole.OFFICER)
    try:
        seen = {r[0] for r in rows(engine, "SELECT id FROM representation")}
        assert {world.mine, world.other, world.closed} <= seen
        entities = {r[0] for r in rows(engine, "SELECT DISTINCT entity FROM audit_event")}
        assert "app_user" not in entities and "representation" in entities
    finally:
        engine.dispose()


def test_an_event_in_someone_elses_name_cannot_be_forged(world: World) -> None:
    """An officer's login may add a note to the trail (the workflow does), but it is
    written in the officer's own name, whatever name it asks for."""
    engine = engine_for(world, UserRole.OFFICER)
    try:
        note = json.dumps(
            [
                {
                    "action": "hold panel",
                    "entity": "workflow",
                    "case_id": world.mine,
                    "username": "manager1",
                    "after": "{}",
                }
            ]
        )
        with engine.begin() as connection:
            connection.execute(sa.text("SELECT crm_audit_note(CAST(:n AS jsonb))"), {"n": note})
        with world.db.engine.connect() as connection:
            who = connection.exec_driver_sql(
                "SELECT username FROM audit_event WHERE action = 'hold panel' ORDER BY id DESC"
            ).scalar()
        assert who == world.usernames[UserRole.OFFICER]
    finally:
        engine.dispose()


def last_event(world: World, entity: str, entity_id: int) -> tuple[str, str]:
    """Who wrote the last event about a row, and its values after, as the owner reads."""
    with world.db.engine.connect() as connection:
        row = connection.exec_driver_sql(
            "SELECT username, after FROM audit_event WHERE entity = %s AND entity_id = %s "
            "ORDER BY id DESC LIMIT 1",
            (entity, str(entity_id)),
        ).one()
    return str(row[0]), str(row[1])


def test_the_trails_names_and_notes_hold_whatever_a_login_does(world: World) -> None:
    """A manager cannot take a colleague's username (and write events under it); the
    program's notes cannot pass for the database's own row events or a deletion; the
    access log takes a row only in the opener's own name; and a session that prints
    decimals short does not change what the trail records."""
    manager = engine_for(world, UserRole.MANAGER)
    officer = engine_for(world, UserRole.OFFICER)
    investigator = engine_for(world, UserRole.INVESTIGATOR)
    try:
        before = fingerprint(world.db)
        assert "permission denied" in refused(
            manager,
            "UPDATE app_user SET username = :name WHERE db_role = session_user",
            {"name": world.usernames[UserRole.OFFICER]},
        )
        for action in ("delete case", "update", "create", "delete", "", " Delete Case "):
            note = json.dumps(
                [
                    {
                        "action": action,
                        "entity": "representation",
                        "entity_id": str(world.mine),
                        "case_id": world.mine,
                        "after": "{}",
                    }
                ]
            )
            assert "the database records those itself" in refused(
                officer, "SELECT crm_audit_note(CAST(:n AS jsonb))", {"n": note}
            )
        refused(
            investigator,
            "INSERT INTO case_access (case_id, username, user_id, role, opened_at) VALUES "
            f"({world.mine}, 'someone else', crm_own_user_id(), 'manager', now())",
        )
        assert fingerprint(world.db) == before
        # Reference numbers: an officer takes the next one only.
        with world.db.engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO reference_counter (prefix, year, last_number) VALUES ('TST', 2025, 5)"
            )
        before = fingerprint(world.db)
        assert "no gaps" in refused(
            officer,
            "UPDATE reference_counter SET last_number = last_number + 1000 "
            "WHERE prefix = 'TST' AND year = 2025",
        )
        assert "no gaps" in refused(
            officer, "INSERT INTO reference_counter VALUES ('ZZZ', 2025, 41)"
        )
        assert fingerprint(world.db) == before
        # ... and none with no case recorded under it, nor a later year's
        # (tests/core/test_own_login_attacks.py).
        refused(
            officer,
            "UPDATE reference_counter SET last_number = last_number + 1 "
            "WHERE prefix = 'TST' AND year = 2025",
        )
        assert fingerprint(world.db) == before
        # Naming another user as the last to change a case: the case and the trail
        # both name the login's own user (tests/core/test_own_login_attacks.py).
        with officer.begin() as connection:
            connection.execute(
                sa.text("UPDATE representation SET updated_by = :who WHERE id = :case"),
                {"who": world.usernames[UserRole.MANAGER], "case": world.mine},
            )
        who, after = last_event(world, "representation", world.mine)
        assert who == world.usernames[UserRole.OFFICER]
        assert json.loads(after) == {"updated_by": world.usernames[UserRole.OFFICER]}
        # The seal's lock cannot be taken by a login and held: the seal goes on.
        refused(investigator, "SELECT 1 FROM alembic_version FOR UPDATE")
        with investigator.connect() as holder:
            holder.exec_driver_sql("SELECT pg_advisory_lock(727275), pg_advisory_lock(1)")
            with world.db.engine.begin() as connection:
                assert connection.exec_driver_sql("SELECT crm_audit_seal(false)").scalar() >= 0

        with world.db.engine.connect() as connection:
            hours = connection.exec_driver_sql(
                f"SELECT hours FROM assignment WHERE id = {world.my_assignment}"
            ).scalar()
        try:
            with officer.begin() as connection:
                connection.exec_driver_sql("SET extra_float_digits = -15")
                connection.exec_driver_sql(
                    f"UPDATE assignment SET hours = 2.49 WHERE id = {world.my_assignment}"
                )
            _who, after = last_event(world, "assignment", world.my_assignment)
            assert json.loads(after)["hours"] == 2.49
        finally:
            with world.db.engine.begin() as connection:
                connection.execute(
                    sa.text("UPDATE assignment SET hours = :h WHERE id = :a"),
                    {"h": hours, "a": world.my_assignment},
                )
    finally:
        for engine in (manager, officer, investigator):
            engine.dispose()


def test_deleting_a_case_goes_through_the_deletion_path_only(world: World) -> None:
    manager = engine_for(world, UserRole.MANAGER)
    try:
        before = fingerprint(world.db)
        assert "permission denied" in refused(
            manager, f"DELETE FROM representation WHERE id = {world.closed}"
        )
        assert "still open" in refused(manager, f"SELECT crm_delete_case({world.mine}, 'x')")
        with manager.connect() as connection, pytest.raises(sa.exc.DBAPIError, match="reason"):
            connection.exec_driver_sql(f"SELECT crm_delete_case({world.closed}, '')")
        assert fingerprint(world.db) == before
    finally:
        manager.dispose()


# ------------------------------------------------------------------ logins and databases


def test_a_disabled_users_login_cannot_connect_and_is_signed_out(world: World) -> None:
    name = world.usernames[UserRole.OFFICER]
    engine = engine_for(world, UserRole.OFFICER)
    try:
        with engine.connect() as open_session:
            open_session.exec_driver_sql("SELECT 1")
            world.db.write(lambda s: set_active(s, name, False))
            with pytest.raises(sa.exc.OperationalError):
                open_session.exec_driver_sql("SELECT 1")  # its session was ended
        engine.dispose()
        with pytest.raises(sa.exc.OperationalError, match="not permitted to log in"):
            engine.connect()
        # The program says why, in its own words, and what to do.
        with pytest.raises(DatabaseError) as refused:
            open_database(login_url(world, UserRole.OFFICER))
        assert "account has been disabled. Ask an administrator to enable it." in (
            refused.value.message
        )
        assert "FATAL" not in refused.value.message and "\n" not in refused.value.message
        world.db.write(lambda s: set_active(s, name, True))
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT 1").scalar() == 1
    finally:
        engine.dispose()


def test_a_login_of_one_database_reaches_nothing_in_another(world: World) -> None:
    with scratch_postgres_database(prefix="crm_test_other") as other_url:
        other = open_database(other_url)
        try:
            other.write(lambda s: add_case(s, summary="Someone else's"))
            for role in ROLES:
                url = make_url(other_url).set(username=world.logins[role])
                engine = sa.create_engine(url)
                try:
                    with pytest.raises(sa.exc.OperationalError, match="permission denied"):
                        engine.connect()
                finally:
                    engine.dispose()
        finally:
            other.dispose()


def test_login_names_are_one_per_user_and_collisions_are_refused(
    postgres_database: Database,
) -> None:
    db = postgres_database
    db.write(lambda s: add_user(s, "j.smith", UserRole.OFFICER, password=PASSWORD))
    db.write(lambda s: add_user(s, "j_smith", UserRole.OFFICER, password=PASSWORD))
    dotted = db.write(lambda s: grant_login(s, "j.smith", None))
    underscored = db.write(lambda s: grant_login(s, "j_smith", None))
    assert dotted != underscored and dotted.endswith("_u_j.smith")
    # A role of that name made by someone else is not taken over.
    db.write(lambda s: add_user(s, "k.jones", UserRole.OFFICER, password=PASSWORD))
    prefix = role_prefix(db.engine.url.database or "")
    with db.engine.begin() as connection:
        connection.exec_driver_sql(f'CREATE ROLE "{prefix}_u_k.jones" NOLOGIN')
    try:
        with pytest.raises(ValidationError, match="already a database role called"):
            db.write(lambda s: grant_login(s, "k.jones", None))
        # Nor one another user already has.
        with db.engine.begin() as connection:
            connection.exec_driver_sql(
                f"UPDATE app_user SET db_role = '{prefix}_u_k.jones' WHERE username = 'j_smith'"
            )
        with pytest.raises(ValidationError, match="already belongs to the user j_smith"):
            db.write(lambda s: grant_login(s, "k.jones", None))
    finally:
        with db.engine.begin() as connection:
            connection.exec_driver_sql(f'DROP ROLE IF EXISTS "{prefix}_u_k.jones"')


def test_the_user_command_refuses_a_collision_in_one_line(
    postgres_database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    from crm_desktop.cli import main

    db = postgres_database
    db.write(lambda s: add_user(s, "a.b", UserRole.OFFICER, password=PASSWORD))
    taken = f'"{role_prefix(db.engine.url.database or "")}_u_a.b"'
    with db.engine.begin() as connection:
        connection.exec_driver_sql(f"CREATE ROLE {taken} NOLOGIN")
    try:
        assert main(["--database", db.url, "user", "db-login", "a.b"]) == 2
        err = capsys.readouterr().err
        assert err.startswith("crm-desktop: There is already a database role called")
        assert err.count("\n") == 1
    finally:
        with db.engine.begin() as connection:
            connection.exec_driver_sql(f"DROP ROLE IF EXISTS {taken}")


def test_logins_are_for_postgresql_only(database: Database) -> None:
    database.write(lambda s: add_user(s, "someone", UserRole.OFFICER, password=PASSWORD))
    with pytest.raises(ValidationError, match="for PostgreSQL"):
        database.write(lambda s: grant_login(s, "someone", None))


def test_changing_a_users_role_moves_their_login(postgres_database: Database) -> None:
    db = postgres_database
    db.write(lambda s: add_user(s, "mover", UserRole.OFFICER, password=PASSWORD))
    login = db.write(lambda s: grant_login(s, "mover", None))
    prefix = role_prefix(db.engine.url.database or "")

    def groups() -> set[str]:
        with db.engine.connect() as connection:
            return set(
                connection.exec_driver_sql(
                    "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
                    "JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = %s",
                    (login,),
                ).scalars()
            )

    assert groups() == {group_name(prefix, "officer")}
    own = sa.create_engine(
        make_url(db.url).set(username=login, password=None).render_as_string(hide_password=False)
    )
    try:
        with own.connect() as open_session:
            # A session that took the officers' rights with SET ROLE would keep them after
            # the move: it is ended.
            open_session.exec_driver_sql(f'SET ROLE "{group_name(prefix, "officer")}"')
            with db.engine.begin() as connection:
                connection.exec_driver_sql(
                    "UPDATE app_user SET role = 'investigator' WHERE username = 'mover'"
                )
            with pytest.raises(sa.exc.OperationalError):
                open_session.exec_driver_sql("SELECT count(*) FROM representation")
    finally:
        own.dispose()
    assert groups() == {group_name(prefix, "investigator")}
    # Disabled, the login keeps no group; enabled, it has its role's again.
    db.write(lambda s: set_active(s, "mover", False))
    assert groups() == set()
    db.write(lambda s: set_active(s, "mover", True))
    assert groups() == {group_name(prefix, "investigator")}


def test_the_calendar_copy_is_kept_by_managers_and_read_by_everyone(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    from crm_desktop.db.calendar_table import first_wrong_day
    from crm_desktop.db.models import CalendarDay

    db = world.db
    table = CalendarDay.__table__
    day = dt.date(2030, 1, 2)
    db.write(
        lambda s: s.execute(sa.update(table).where(table.c.day == day).values(is_working=False))
    )
    own = open_database(login_url(world, UserRole.INVESTIGATOR))
    try:
        assert "this login may not update it" in caplog.text
        with own.session() as session:
            assert first_wrong_day(session) == day
    finally:
        own.dispose()
    manager = open_database(login_url(world, UserRole.MANAGER))
    try:
        with manager.session() as session:
            assert first_wrong_day(session) is None
    finally:
        manager.dispose()


def test_templates_settings_and_users_are_managers_work(world: World) -> None:
    """What the officers' login may not do, the managers' may: the two agree with the
    permission table."""
    manager = engine_for(world, UserRole.MANAGER)
    try:
        with manager.begin() as connection:
            connection.execute(
                sa.insert(CorrespondenceTemplate).values(
                    key="rls-test",
                    name="Test",
                    subject="s",
                    body="b",
                    version=1,
                    updated_at=dt.datetime(2025, 1, 1),
                )
            )
            connection.execute(
                sa.delete(CorrespondenceTemplate).where(CorrespondenceTemplate.key == "rls-test")
            )
            assert (
                connection.exec_driver_sql("SELECT count(*) FROM equality_monitoring").scalar() == 0
            )
        assert rows(manager, f"SELECT count(*) FROM representation WHERE id = {world.other}") == [
            (1,)
        ]
    finally:
        manager.dispose()
    with world.db.session() as session:
        assert session.get(Case, world.other) is not None


def test_the_codes_yearly_records_are_kept_by_managers_and_read_by_officers(
    world: World,
) -> None:
    """The self-assessment and the year's Code report inputs: managers write them; the
    history of answers is append-only even for them; officers read; investigators and
    responders read nothing of them."""
    insert = (
        "INSERT INTO code_self_assessment (financial_year, provision, complies, evidence, "
        "explanation, action, owner, version, updated_at) VALUES (2026, '{p}', 'yes', '', "
        "'', '', '', 1, now())"
    )
    officer = engine_for(world, UserRole.OFFICER)
    manager = engine_for(world, UserRole.MANAGER)
    try:
        assert "permission denied" in refused(officer, insert.format(p="1.4"))
        assert "permission denied" in refused(
            officer,
            "INSERT INTO code_year (financial_year, governing_body, governing_body_response, "
            "letter_text, other_reports, version, updated_at) VALUES (2026, '', '', '', '', 1, "
            "now())",
        )
        with manager.begin() as connection:
            connection.execute(sa.text(insert.format(p="2.1")))
            connection.execute(
                sa.text(
                    "INSERT INTO code_self_assessment_change (financial_year, provision, "
                    "complies, evidence, explanation, action, owner, changed_at) VALUES "
                    "(2026, '2.1', 'yes', '', '', '', '', now())"
                )
            )
        assert "permission denied" in refused(
            manager, "UPDATE code_self_assessment_change SET complies = 'no'"
        )
        assert "permission denied" in refused(manager, "DELETE FROM code_self_assessment_change")
        assert rows(officer, "SELECT provision FROM code_self_assessment") == [("2.1",)]
        for role in (UserRole.INVESTIGATOR, UserRole.SERVICE_RESPONDER):
            other = engine_for(world, role)
            try:
                assert "permission denied" in refused(other, "SELECT * FROM code_self_assessment")
                assert "permission denied" in refused(other, "SELECT * FROM code_year")
            finally:
                other.dispose()
    finally:
        with manager.begin() as connection:
            connection.execute(sa.text("DELETE FROM code_self_assessment"))
        officer.dispose()
        manager.dispose()


def test_one_function_says_who_may_make_a_managers_decision(world: World) -> None:
    """``crm_is_manager()`` is true for the owner and the managers' and administrators'
    logins only, and it is the only one of the database's functions that asks whether a
    login is in the managers' group: every rule that leaves a decision to a manager
    asks it."""
    expected = {role: role in (UserRole.MANAGER, UserRole.ADMIN) for role in ROLES}
    for role in ROLES:
        engine = engine_for(world, role)
        try:
            assert rows(engine, "SELECT crm_is_manager()") == [(expected[role],)], role
        finally:
            engine.dispose()
    prefix = role_prefix(world.db.engine.url.database or "")
    managers = group_name(prefix, GROUPS[UserRole.MANAGER])
    with world.db.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT crm_is_manager()").scalar() is True
        naming = connection.exec_driver_sql(
            "SELECT proname FROM pg_proc WHERE proname LIKE 'crm%%' "
            "AND prosrc LIKE '%%pg_has_role%%' AND prosrc LIKE %s",
            (f"%{managers}%",),
        ).scalars()
        assert sorted(naming) == ["crm_is_manager"]
        asking = set(
            connection.exec_driver_sql(
                "SELECT proname FROM pg_proc WHERE prosrc LIKE '%%crm_is_manager()%%'"
            ).scalars()
        )
    assert {
        "crm_counter_guard",
        "crm_counter_used",
        "crm_reminders_lock",
        "crm_manager_decisions",
        "crm_decided_outcome",
        "crm_manager_columns_guard",
    } <= asking
