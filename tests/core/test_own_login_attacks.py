"""What an ordinary user's own PostgreSQL login tried, and the database refused.

Each test connects with a role's own login, makes the attempt, and expects a refusal
and the database as it was: holding a lock that stops everyone else, setting a
manager's decision, writing a note that passes for the database's own event, taking
reference numbers with no case, and linking its rows to another case's.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from crm_desktop.db.base import Base
from crm_desktop.db.database import open_database
from crm_desktop.db.scratch import scratch_postgres_database
from crm_desktop.domain.enums import UserRole
from crm_desktop.domain.formatting import format_date
from tests.conftest import require_postgres
from tests.core.test_row_level_security import (
    World,
    build,
    engine_for,
    fingerprint,
    login_url,
    refused,
    rows,
)

pytestmark = pytest.mark.postgres

# The case tables an officer may delete rows of (a removed party, point or outcome):
# DELETE lets a login LOCK the table too (README). A stage's suspensions and extensions
# go only with their case (migration 0029).
OFFICERS_DELETE = {
    "case_party",
    "case_service_category",
    "complaint_point",
    "point_outcome",
}


def first_row(connection: sa.Connection, table: str, case_id: int) -> int:
    """The id of the first row of ``table`` on the case ``case_id``, as the owner sees it."""
    return int(
        connection.exec_driver_sql(
            f"SELECT id FROM {table} WHERE case_id = {case_id} ORDER BY id LIMIT 1"
        ).scalar_one()
    )


def user_id(session: sa.orm.Session, world: World, role: UserRole) -> int:
    """The id of the CRM Desktop user whose own login plays ``role``."""
    from crm_desktop.db.models import User

    found = session.scalar(sa.select(User.id).where(User.username == world.usernames[role]))
    assert found is not None
    return int(found)


def code_case(session: sa.orm.Session) -> tuple[Any, Any]:
    """A corporate case received on 4 May 2026 (the Complaint Handling Code's: its Stage
    2 is considered by someone other than Stage 1's responder), and its Stage 1."""
    from crm_desktop.db.models import Stage
    from tests.factories import add_case

    case = add_case(session, received_on=dt.date(2026, 5, 4))
    first = session.get(Stage, case.current_stage_id)
    assert first is not None
    return case, first


def stage_two(case: Any, first: Any) -> Any:
    """An open Stage 2 after ``first`` on ``case``, asked for on 20 May 2026 (not added)."""
    from crm_desktop.db.models import Stage
    from crm_desktop.domain.enums import StageCode, StageStatus

    return Stage(
        case_id=case.id,
        seq=2,
        stage=StageCode.STAGE_2,
        previous_stage_id=first.id,
        status=StageStatus.OPEN,
        requested_on=dt.date(2026, 5, 20),
    )


@contextmanager
def logins(world: World, *roles: UserRole) -> Iterator[tuple[sa.Engine, ...]]:
    """An engine on each role's own login, disposed of afterwards."""
    engines = tuple(engine_for(world, role) for role in roles)
    try:
        yield engines
    finally:
        for engine in engines:
            engine.dispose()


@contextmanager
def owners_attachment(world: World, stored_name: str) -> Iterator[int]:
    """A document's record on the other case, written by the owner (its file named
    ``stored_name``), removed afterwards."""
    with world.db.engine.begin() as connection:
        attachment = connection.exec_driver_sql(
            "INSERT INTO attachment (case_id, original_name, stored_name, content_type, "
            "size_bytes, sha256, uploaded_by, uploaded_at) VALUES "
            f"({world.other}, 'letter.pdf', '{stored_name}', 'application/pdf', 10, "
            f"'{'0' * 64}', 'officer1', now()) RETURNING id"
        ).scalar_one()
    try:
        yield int(attachment)
    finally:
        with world.db.engine.begin() as connection:
            connection.exec_driver_sql(f"DELETE FROM attachment WHERE id = {attachment}")


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


def test_only_a_manager_passes_an_extensions_limit_or_holds_a_case(world: World) -> None:
    """An officer may record an extension, not decide that it passes the policy's limit
    (the Code report counts that as a good reason); nor add a case already on legal
    hold or anonymised, nor a person anonymised."""
    with world.db.engine.connect() as connection:
        stage = first_row(connection, "stage", world.mine)
    extension = (
        "INSERT INTO stage_extension (stage_id, working_days, reason, agreed_with_complainant, "
        f"created_at, version, updated_at, beyond_limit) VALUES ({stage}, 30, 'officer says so', "
        "false, now(), 1, now(), {beyond})"
    )
    officer = engine_for(world, UserRole.OFFICER)
    manager = engine_for(world, UserRole.MANAGER)
    try:
        before = fingerprint(world.db)
        refused(officer, extension.format(beyond="true"))
        case = (
            "INSERT INTO representation (reference, kind, procedure, received_on, summary, "
            "status, legal_hold, imported, version, updated_at, created_at, anonymised_at) "
            "VALUES ('ZZ-2025-99999', 'complaint', 'corporate', '2025-01-01', '', 'open', "
            "{hold}, false, 1, now(), now(), {anonymised})"
        )
        refused(officer, case.format(hold="true", anonymised="NULL"))
        refused(officer, case.format(hold="false", anonymised="now()"))
        refused(
            officer,
            "INSERT INTO person (full_name, is_investigator, version, updated_at, anonymised_at)"
            " VALUES ('Nobody', false, 1, now(), now())",
        )
        assert fingerprint(world.db) == before
        # Recorded within the limit, it cannot be moved past it afterwards.
        with officer.begin() as connection:
            added = connection.exec_driver_sql(
                extension.format(beyond="false") + " RETURNING id"
            ).scalar_one()
        before = fingerprint(world.db)
        refused(officer, f"UPDATE stage_extension SET beyond_limit = true WHERE id = {added}")
        assert fingerprint(world.db) == before
        # A manager decides it.
        with manager.begin() as connection:
            connection.exec_driver_sql(
                f"UPDATE stage_extension SET beyond_limit = true WHERE id = {added}"
            )
    finally:
        officer.dispose()
        manager.dispose()
        with world.db.engine.begin() as connection:
            connection.exec_driver_sql(
                "DELETE FROM stage_extension WHERE reason = 'officer says so'"
            )


def test_a_note_cannot_pass_for_the_databases_own_event(world: World) -> None:
    """The trail's own actions ("create", "update", "delete", "delete case") with a tab
    or a no-break space, or a letter from another alphabet, are refused like the words
    themselves; the program's own notes still go in."""
    officer = engine_for(world, UserRole.OFFICER)

    def note(action: str, entity: str = "representation") -> str:
        return json.dumps(
            [
                {
                    "action": action,
                    "entity": entity,
                    "entity_id": str(world.mine),
                    "case_id": world.mine,
                    "after": "{}",
                }
            ]
        )

    try:
        before = fingerprint(world.db)
        for action in (
            "delete\t",
            "delete\u00a0case",
            "cre\u0430te",  # a Cyrillic a
            "delete\u200b",
            "update\n",
            "Update",
            "delete  case",
            "d\u00e9lete",
        ):
            assert "the database records those itself" in refused(
                officer, "SELECT crm_audit_note(CAST(:n AS jsonb))", {"n": note(action)}
            ), action
        for entity in ("representation\t", "repr\u0435sentation", "Workflow"):
            refused(
                officer,
                "SELECT crm_audit_note(CAST(:n AS jsonb))",
                {"n": note("close case", entity)},
            )
        refused(officer, "SELECT crm_audit_note(CAST(:n AS jsonb))", {"n": '{"action": "x"}'})
        assert fingerprint(world.db) == before
        # Officers note the workflow's steps; managers the rest of the program's notes.
        manager = engine_for(world, UserRole.MANAGER)
        for engine, action, entity in (
            (officer, "close case", "workflow"),
            (officer, "escalate to lgsco", "workflow"),
            (manager, "legal hold placed", "retention"),
            (manager, "erase", "equality_monitoring"),
            (manager, "import", "representation"),
        ):
            with engine.begin() as connection:
                written = connection.execute(
                    sa.text("SELECT crm_audit_note(CAST(:n AS jsonb))"),
                    {"n": note(action, entity)},
                ).scalar()
            assert written == 1
        manager.dispose()
    finally:
        officer.dispose()


def test_no_login_below_a_manager_can_stop_the_reminders(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reminders' planning lock was an advisory lock's key, which any login could
    take and hold (the run then waited and failed). Now only managers and the owner
    can take it; the run goes on while an investigator holds that old key."""
    import datetime as dt

    from crm_desktop.correspondence import reminders

    monkeypatch.setattr(reminders, "PLANNING_LOCK_WAIT", "2s")
    holders = [
        engine_for(world, role)
        for role in (UserRole.INVESTIGATOR, UserRole.OFFICER, UserRole.SERVICE_RESPONDER)
    ]
    manager = open_database(login_url(world, UserRole.MANAGER))
    try:
        with holders[0].connect() as investigator:
            investigator.exec_driver_sql("SELECT pg_advisory_lock(1129467218)")
            for engine in holders:
                refused(engine, "SELECT crm_reminders_lock()")
                refused(engine, "LOCK TABLE role IN SHARE ROW EXCLUSIVE MODE NOWAIT")
                refused(engine, "SELECT 1 FROM role FOR UPDATE NOWAIT")
            manager.write(
                lambda s: reminders.plan_reminders(
                    s, dt.date(2025, 6, 2), dt.datetime(2025, 6, 2, 9, 0)
                )
            )
    finally:
        manager.dispose()
        for engine in holders:
            engine.dispose()


def test_an_officer_takes_a_reference_number_only_with_its_case(world: World) -> None:
    """Numbers taken with no case recorded under them (a gap in the year's references),
    or a later year's counter started early, are refused; the program's own way, which
    skips a number an imported case holds already, goes on."""
    import datetime as dt

    from crm_desktop.domain.enums import Procedure
    from crm_desktop.services.cases import next_reference
    from tests.factories import add_case

    year = dt.date.today().year
    prefix = Procedure.CORPORATE.reference_prefix
    with world.db.engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO reference_counter (prefix, year, last_number) VALUES (%s, %s, 40) "
            "ON CONFLICT (prefix, year) DO UPDATE SET last_number = 40",
            (prefix, year),
        )
    officer = engine_for(world, UserRole.OFFICER)
    before = fingerprint(world.db)
    try:
        step = (
            "UPDATE reference_counter SET last_number = last_number + 1 "
            f"WHERE prefix = '{prefix}' AND year = {year}"
        )
        refused(officer, step)
        refused(officer, f"{step}; {step}; {step}")
        refused(
            officer,
            f"INSERT INTO reference_counter (prefix, year, last_number) "
            f"VALUES ('{prefix}', {year + 1}, 1)",
        )
        refused(
            officer,
            f"INSERT INTO reference_counter (prefix, year, last_number) VALUES ('ZZZ', {year}, 1)",
        )
        assert fingerprint(world.db) == before
    finally:
        officer.dispose()
    # An imported case holds the next number already: the count skips it.
    world.db.write(
        lambda s: add_case(
            s, reference=f"{prefix}-{year}-00041", received_on=dt.date(year, 1, 2), area=None
        ),
        actor="builder",
    )
    own = open_database(login_url(world, UserRole.OFFICER))
    try:

        def record(session: sa.orm.Session) -> str:
            reference = next_reference(session, Procedure.CORPORATE, year)
            add_case(session, reference=reference, received_on=dt.date(year, 1, 2), area=None)
            return reference

        assert own.write(record) == f"{prefix}-{year}-00042"
    finally:
        own.dispose()


def test_a_row_links_only_to_rows_of_its_own_case(world: World) -> None:
    """A service responder's or an investigator's letter, document or email on their own
    case cannot name another case's stage, letter or appointment (which would also stop
    that case being deleted); an id that does not exist is refused alike."""
    with world.db.engine.begin() as connection:
        letter = connection.exec_driver_sql(
            "INSERT INTO correspondence (case_id, stage_id, direction, channel, subject, body, "
            "created_at, version, updated_at) VALUES (%s, %s, 'outgoing', 'letter', 'Other', '', "
            "now(), 1, now()) RETURNING id",
            (world.other, world.other_stage),
        ).scalar_one()
        mine_letter = first_row(connection, "correspondence", world.mine)
    document = (
        "INSERT INTO attachment (case_id, correspondence_id, assignment_id, original_name, "
        "stored_name, content_type, size_bytes, sha256, uploaded_at) VALUES "
        f"({world.mine}, {{letter}}, {{appointment}}, 'planted.pdf', '{'f' * 32}', "
        "'application/pdf', 1, 'x', now())"
    )
    responder = engine_for(world, UserRole.SERVICE_RESPONDER)
    investigator = engine_for(world, UserRole.INVESTIGATOR)
    try:
        before = fingerprint(world.db)
        for engine in (responder, investigator):
            for planted in (
                document.format(letter=letter, appointment="NULL"),
                document.format(letter=12345, appointment="NULL"),
            ):
                assert "its own case" in refused(engine, planted)
        assert "its own case" in refused(
            responder, document.format(letter="NULL", appointment=world.declined)
        )
        assert "its own case" in refused(
            responder,
            "INSERT INTO correspondence (case_id, stage_id, direction, channel, subject, body, "
            f"created_at, version, updated_at) VALUES ({world.mine}, {world.other_stage}, "
            "'outgoing', 'letter', 'x', 'x', now(), 1, now())",
        )
        assert "its own case" in refused(
            responder,
            f"UPDATE correspondence SET stage_id = {world.other_stage} WHERE id = {mine_letter}",
        )
        assert "its own case" in refused(
            responder,
            "INSERT INTO outbox_message (dedupe_key, kind, case_id, correspondence_id, "
            "to_address, subject, body, message_id, status, attempts, next_attempt_at, "
            f"created_at) VALUES ('planted', 'letter', {world.mine}, {letter}, 'a@b.example', "
            "'x', 'x', '<x@y>', 'pending', 0, now(), now())",
        )
        assert fingerprint(world.db) == before
    finally:
        responder.dispose()
        investigator.dispose()
        with world.db.engine.begin() as connection:
            connection.exec_driver_sql(f"DELETE FROM correspondence WHERE id = {letter}")


def test_only_trusted_logins_seal_and_verify_names_a_held_seal(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """A seal's lock lasts until its caller's transaction ends, so a login that sealed
    and left its transaction open kept every other seal, ``audit verify`` and upgrades
    waiting. Below a manager no login may seal (a manager's program or ``audit verify``
    seals everyone's events); a manager's held seal is named by ``audit verify``."""
    from crm_desktop.cli import main
    from crm_desktop.db import pg_security

    # A database set up by an earlier version, where every group might seal: setting
    # it up again takes the right away.
    prefix = pg_security.role_prefix(world.db.engine.url.database or "")
    with world.db.engine.begin() as connection:
        for group in ("officer", "responder", "investigator"):
            connection.exec_driver_sql(
                "GRANT EXECUTE ON FUNCTION crm_audit_seal(boolean) TO "
                f'"{pg_security.group_name(prefix, group)}"'
            )
        pg_security.install(connection)
    before = fingerprint(world.db)
    for role in (UserRole.OFFICER, UserRole.SERVICE_RESPONDER, UserRole.INVESTIGATOR):
        engine = engine_for(world, role)
        try:
            refused(engine, "SELECT crm_audit_seal(false)")
            refused(engine, "SELECT crm_audit_seal(true)")
        finally:
            engine.dispose()
    assert fingerprint(world.db) == before
    # An officer's program writes without sealing, and says nothing about it.
    own = open_database(login_url(world, UserRole.OFFICER))
    try:
        own.write(
            lambda s: s.execute(
                sa.text("UPDATE representation SET summary = summary || '.' WHERE id = :c"),
                {"c": world.mine},
            )
        )
        assert own._may_seal is False
    finally:
        own.dispose()
    manager = engine_for(world, UserRole.MANAGER)
    try:
        with manager.connect() as holder:
            assert holder.exec_driver_sql("SELECT crm_audit_seal(false)").scalar_one() >= 0
            capsys.readouterr()
            assert main(["--database", world.url, "audit", "verify"]) != 0
            err = capsys.readouterr().err
            assert world.logins[UserRole.MANAGER] in err and "pg_terminate_backend" in err
            holder.rollback()
        assert main(["--database", world.url, "audit", "verify"]) == 0
        assert "The audit trail is intact" in capsys.readouterr().out
    finally:
        manager.dispose()


def test_a_row_stays_with_its_case_and_a_managers_decisions_stay_theirs(world: World) -> None:
    """Below a manager, no login moves a letter, a stage or an extension to another case
    (the rows linking to it would then name another case's row, and stop that case being
    deleted), renames a case's reference (leaving its number unused), accepts a late
    request or an appointment the rules warn about, or changes an extension a manager let
    pass its limit; nor links an appointment to another case's."""
    with world.db.engine.begin() as connection:
        stage = first_row(connection, "stage", world.mine)
        approved = connection.exec_driver_sql(
            "INSERT INTO stage_extension (stage_id, working_days, reason, "
            "agreed_with_complainant, created_at, version, updated_at, beyond_limit) VALUES "
            f"({stage}, 30, 'manager approved', false, now(), 1, now(), true) RETURNING id"
        ).scalar_one()
    officer = engine_for(world, UserRole.OFFICER)
    responder = engine_for(world, UserRole.SERVICE_RESPONDER)
    try:
        before = fingerprint(world.db)
        for statement in (
            f"UPDATE correspondence SET case_id = {world.other} WHERE case_id = {world.mine}",
            f"UPDATE stage SET case_id = {world.other} WHERE id = {stage}",
            f"UPDATE representation SET reference = 'COR-2099-00001' WHERE id = {world.mine}",
            f"UPDATE stage SET next_stage_window_override = 'late, let in' WHERE id = {stage}",
            f"UPDATE stage_extension SET working_days = 400 WHERE id = {approved}",
            f"UPDATE stage_extension SET stage_id = {world.other_stage} WHERE id = {approved}",
            "UPDATE assignment SET override_reason = 'Manager agreed', overridden_by = "
            f"'manager.one' WHERE id = {world.my_assignment}",
            f"UPDATE assignment SET replaced_by_id = {world.declined} "
            f"WHERE id = {world.my_assignment}",
        ):
            refused(officer, statement)
        refused(
            responder,
            f"UPDATE correspondence SET case_id = {world.mine} WHERE case_id = {world.mine}",
        )
        assert fingerprint(world.db) == before
    finally:
        officer.dispose()
        responder.dispose()
        with world.db.engine.begin() as connection:
            connection.exec_driver_sql(f"DELETE FROM stage_extension WHERE id = {approved}")


def test_an_investigator_changes_their_appointment_only_as_the_program_does(
    world: World,
) -> None:
    """Hours on an appointment being worked on, from 0 to 10,000 (the fee follows them);
    an offer answered once, a report's day recorded once, neither before the offer nor
    after today; progress notes added under their own name, the earlier ones kept; each
    change in their own name. Tried on their own accepted appointment and their declined
    offer, each refused, and nothing changed."""
    me = world.usernames[UserRole.INVESTIGATOR]
    mine, declined = world.my_assignment, world.declined
    today = dt.date.today()
    line = f"{format_date(today)} ({me}): "
    investigator = engine_for(world, UserRole.INVESTIGATOR)

    def tried(assignment: int, changes: str, values: dict[str, object] | None = None) -> None:
        refused(
            investigator,
            f"UPDATE assignment SET {changes}, updated_by = :me WHERE id = :a",
            {**(values or {}), "me": me, "a": assignment},
        )

    try:
        before = fingerprint(world.db)
        for statement, values in (
            # A believable fee for unbelievable hours, a negative one.
            ("hours = 390000, fee_pence = 1950000000", {}),
            ("hours = -100, fee_pence = -500000", {}),
            # Dates the program never writes.
            ("report_received_on = '1990-01-01'", {}),
            ("status = 'report received', report_received_on = '2099-01-01'", {}),
            ("responded_on = '1970-01-01'", {}),
            ("end_reason = 'Withdrawn by manager'", {}),
            # The notes: rewritten, or added in someone else's name.
            ("progress_note = :note", {"note": f"{line}Nothing to see"}),
            (
                "progress_note = progress_note || :note",
                {"note": f"\n{format_date(today)} (manager1): fee uplift of 50% approved"},
            ),
            ("progress_note = progress_note || :note", {"note": "\nfee uplift approved"}),
            # ... or on a later line of a note of their own.
            (
                "progress_note = progress_note || :note",
                {"note": f"\n{line}ok\n{format_date(today)} (manager1): fee uplift approved"},
            ),
            # ... after a line break that shows as one but is not a new line.
            *(
                (
                    "progress_note = progress_note || :note",
                    {"note": f"\n{line}ok{brk}{format_date(today)} (manager1): 40 hours approved"},
                )
                for brk in ("\r", "\u2028", "\u2029", "\x85", "\x0b")
            ),
            # Hours wiped; an answer or a report with no day.
            ("hours = NULL, fee_pence = NULL", {}),
            ("status = 'report received'", {}),
        ):
            tried(mine, statement, values)
        # In someone else's name.
        refused(
            investigator,
            "UPDATE assignment SET progress_note = progress_note || :note, updated_by = "
            "'manager1' WHERE id = :a",
            {"note": f"\n{line}Interviewed the manager", "a": mine},
        )
        # Hours, or a changed answer, on an offer they declined.
        for statement in (
            "hours = 40, fee_pence = 200000",
            f"end_reason = 'Not available', responded_on = '{today.isoformat()}'",
        ):
            tried(declined, statement)
        assert fingerprint(world.db) == before
        # An offer answered without its day, or declined without a reason.
        with world.db.engine.begin() as connection:
            offer = connection.exec_driver_sql(
                "INSERT INTO assignment (stage_id, person_id, role, status, offered_on, "
                "report_due_on, version, updated_at) SELECT stage_id, person_id, "
                "'investigating officer', 'offered', offered_on, report_due_on, 1, now() "
                f"FROM assignment WHERE id = {mine} RETURNING id"
            ).scalar_one()
        try:
            before = fingerprint(world.db)
            for statement in (
                "status = 'accepted'",
                f"status = 'declined', responded_on = '{today.isoformat()}'",
                f"status = 'declined', responded_on = '{today.isoformat()}', end_reason = ' '",
            ):
                tried(offer, statement)
            assert fingerprint(world.db) == before
        finally:
            with world.db.engine.begin() as connection:
                connection.exec_driver_sql(f"DELETE FROM assignment WHERE id = {offer}")
    finally:
        investigator.dispose()


def test_the_trail_shows_no_events_of_a_table_the_login_may_not_read(world: World) -> None:
    """Who asked for a subject access export, and its reference, are the managers'
    (an officer cannot read the requests themselves), as are the retention steps and
    their reasons: not read through the trail by an officer's or a service responder's
    login either."""
    from crm_desktop.db.audit import record_events

    def exported(session: sa.orm.Session) -> None:
        # As a subject access export records itself (privacy.subject_access).
        record_events(
            session,
            [
                {
                    "action": "export",
                    "entity": "subject_access_request",
                    "entity_id": "1",
                    "after": json.dumps({"request_reference": "SAR-2026-7 solicitor's letter"}),
                },
                # As a retention step records itself (privacy.retention), on a case the
                # service responder's area holds.
                {
                    "action": "legal hold placed",
                    "entity": "retention",
                    "entity_id": "COR-1",
                    "case_id": world.mine,
                    "after": json.dumps({"reason": "Solicitor's letter of claim"}),
                },
            ],
        )

    world.db.write(exported, actor="manager1")
    query = (
        "SELECT count(DISTINCT entity) FROM audit_event "
        "WHERE entity IN ('subject_access_request', 'retention')"
    )
    with world.db.engine.connect() as connection:
        assert connection.exec_driver_sql(query).scalar_one() == 2
    for role in (UserRole.OFFICER, UserRole.SERVICE_RESPONDER, UserRole.MANAGER):
        engine = engine_for(world, role)
        try:
            with engine.connect() as connection:
                seen = connection.exec_driver_sql(query).scalar_one()
            assert seen == (2 if role == UserRole.MANAGER else 0), role
        finally:
            engine.dispose()


# The names a restricted login may not read on the rows it may not see.
NAMES = (("person", "full_name"), ("representation", "complainant_name"))
NOBODY = "Nobody Of This Name"


def plan_counts(engine: sa.Engine, query: str, value: str) -> list[tuple[object, ...]]:
    """What ``EXPLAIN ANALYZE`` of ``query`` with ``:v`` as ``value`` tells: each step's
    kind, index and rows found, and the rows it read and threw away (with any index
    preferred to reading the whole table)."""
    with engine.connect() as connection:
        connection.exec_driver_sql("SET enable_seqscan = off")
        plan = connection.execute(
            sa.text("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, FORMAT JSON) " + query),
            {"v": value},
        ).scalar_one()
        found = connection.execute(sa.text(query), {"v": value}).all()
    assert found == [], f"{query} found a row the login may see"
    steps: list[tuple[object, ...]] = []

    def walk(node: dict[str, Any]) -> None:
        steps.append(
            (
                node["Node Type"],
                node.get("Index Name"),
                node.get("Actual Rows"),
                node.get("Rows Removed by Filter", 0),
                node.get("Rows Removed by Index Recheck", 0),
            )
        )
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    return steps


@pytest.mark.parametrize("role", [UserRole.SERVICE_RESPONDER, UserRole.INVESTIGATOR])
def test_explain_tells_nothing_of_a_name_the_login_may_not_see(
    world: World, role: UserRole
) -> None:
    """A name on a row the login may not see, asked of EXPLAIN ANALYZE (equal to it, or
    in a range of names, as one would recover it letter by letter) and of the planner's
    statistics: the plan counts exactly as for a name nobody has, and no statistics."""
    with world.db.engine.begin() as connection:
        connection.exec_driver_sql(
            "UPDATE representation SET complainant_name = 'Harriet Hidden' WHERE id = %s",
            (world.other,),
        )
    engine = engine_for(world, role)
    try:
        for table, column in NAMES:
            with world.db.engine.connect() as connection:
                connection.exec_driver_sql(f"ANALYZE {table}")
                every = dict(
                    connection.exec_driver_sql(
                        f"SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL"
                    ).all()
                )
                statistics = connection.exec_driver_sql(
                    "SELECT count(*) FROM pg_stats WHERE tablename = %s AND attname = %s",
                    (table, column),
                ).scalar_one()
            assert statistics == 1, "the owner's statistics are there to be asked for"
            seen = {row[0] for row in rows(engine, f"SELECT id FROM {table}")}
            shown = {name for key, name in every.items() if key in seen}
            hidden = sorted({name for key, name in every.items() if key not in seen} - shown)
            assert hidden, f"the {role.value} sees every {table}: nothing to guess"
            for query in (
                f"SELECT id FROM {table} WHERE {column} = :v",
                f"SELECT id FROM {table} WHERE {column} >= :v AND {column} < :v || 'zzz'",
            ):
                assert plan_counts(engine, query, hidden[0]) == plan_counts(
                    engine, query, NOBODY
                ), f"{role.value}: {query} tells a hidden {column}"
            leaked = rows(
                engine,
                f"SELECT attname FROM pg_stats WHERE tablename = '{table}' "
                f"AND attname = '{column}'",
            )
            assert leaked == [], f"{role.value} reads the statistics of {table}.{column}"
    finally:
        engine.dispose()


def test_a_row_names_who_wrote_it_and_when(world: World) -> None:
    """Who wrote a row and when are not what a login's own SQL says: a letter added in
    a manager's name and dated 2020, a document uploaded as an officer, a case changed
    in a manager's name and given another author and day, are kept in the name of the
    login's own user and dated by the server; who added a row, and when, stay as they
    were."""
    manager = world.usernames[UserRole.MANAGER]
    forged = {"manager": manager, "old": "2020-01-01 09:00:00"}
    with world.db.engine.connect() as connection:
        started = connection.exec_driver_sql(
            "SELECT clock_timestamp() AT TIME ZONE 'UTC'"
        ).scalar_one()
        author, added = connection.exec_driver_sql(
            f"SELECT created_by, created_at FROM representation WHERE id = {world.mine}"
        ).one()
    responder = engine_for(world, UserRole.SERVICE_RESPONDER)
    investigator = engine_for(world, UserRole.INVESTIGATOR)
    officer = engine_for(world, UserRole.OFFICER)
    try:
        with responder.begin() as connection:
            letter = connection.execute(
                sa.text(
                    "INSERT INTO correspondence (case_id, direction, channel, subject, body, "
                    "created_at, created_by, version, updated_at, updated_by) VALUES "
                    "(:case, 'outgoing', 'letter', 'In a manager''s name', '', :old, "
                    ":manager, 1, now(), :manager) RETURNING id"
                ),
                {"case": world.mine, **forged},
            ).scalar_one()
        with investigator.begin() as connection:
            document = connection.execute(
                sa.text(
                    "INSERT INTO attachment (case_id, assignment_id, original_name, "
                    "stored_name, content_type, size_bytes, sha256, uploaded_at, uploaded_by) "
                    "VALUES (:case, :mine, 'report.pdf', 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee', "
                    "'application/pdf', 1, repeat('0', 64), :old, :officer) RETURNING id"
                ),
                {
                    "case": world.mine,
                    "mine": world.my_assignment,
                    "officer": world.usernames[UserRole.OFFICER],
                    **forged,
                },
            ).scalar_one()
        with officer.begin() as connection:
            connection.execute(
                sa.text(
                    "UPDATE representation SET summary = summary || ' (changed)', "
                    "created_by = :manager, created_at = :old, updated_by = :manager "
                    "WHERE id = :case"
                ),
                {"case": world.mine, **forged},
            )
    finally:
        for engine in (responder, investigator, officer):
            engine.dispose()
    with world.db.engine.connect() as connection:
        letter_row = connection.exec_driver_sql(
            f"SELECT created_by, updated_by, created_at FROM correspondence WHERE id = {letter}"
        ).one()
        document_row = connection.exec_driver_sql(
            f"SELECT uploaded_by, uploaded_at FROM attachment WHERE id = {document}"
        ).one()
        case_row = connection.exec_driver_sql(
            f"SELECT created_by, created_at, updated_by FROM representation WHERE id = {world.mine}"
        ).one()
    # A manager who lets an appointment pass the eligibility rules is the one named.
    manager_engine = engine_for(world, UserRole.MANAGER)
    try:
        with manager_engine.begin() as connection:
            connection.execute(
                sa.text(
                    "UPDATE assignment SET override_reason = 'Agreed', overridden_by = :officer "
                    "WHERE id = :appointment"
                ),
                {"officer": world.usernames[UserRole.OFFICER], "appointment": world.declined},
            )
    finally:
        manager_engine.dispose()
    with world.db.engine.connect() as connection:
        approver = connection.exec_driver_sql(
            f"SELECT overridden_by FROM assignment WHERE id = {world.declined}"
        ).scalar_one()
    assert approver == manager
    responder_name = world.usernames[UserRole.SERVICE_RESPONDER]
    assert letter_row[:2] == (responder_name, responder_name)
    assert letter_row[2] >= started
    assert document_row[0] == world.usernames[UserRole.INVESTIGATOR]
    assert document_row[1] >= started
    assert case_row == (author, added, world.usernames[UserRole.OFFICER])


def test_a_new_row_takes_its_id_from_the_sequence_only(world: World) -> None:
    """A row added with an id ahead of its table's sequence (so that the next save of
    that table by anyone would fail) is refused, for each login that may add rows; a
    row given the next id by the database is added."""

    def ahead(table: str) -> int:
        with world.db.engine.connect() as connection:
            last = connection.exec_driver_sql(
                f"SELECT pg_sequence_last_value(pg_get_serial_sequence('{table}', 'id'))"
            ).scalar()
        return int(last or 0) + 1

    attempts = {
        UserRole.OFFICER: (
            "person",
            "INSERT INTO person (id, full_name, vexatious, is_investigator, is_employee, "
            "is_elected_member, is_partner_of_member_or_officer, available, created_at, "
            "version, updated_at) VALUES ({id}, 'Squatter', false, false, false, false, "
            "false, true, now(), 1, now())",
        ),
        UserRole.SERVICE_RESPONDER: (
            "correspondence",
            "INSERT INTO correspondence (id, case_id, direction, channel, subject, body, "
            "created_at, version, updated_at) VALUES ({id}, "
            f"{world.mine}, 'incoming', 'note', 'Squatter', '', now(), 1, now())",
        ),
        UserRole.INVESTIGATOR: (
            "case_access",
            "INSERT INTO case_access (id, case_id, username, user_id, role, opened_at) "
            f"VALUES ({{id}}, {world.mine}, '{world.usernames[UserRole.INVESTIGATOR]}', "
            "crm_own_user_id(), 'investigator', now())",
        ),
    }
    before = fingerprint(world.db)
    for role, (table, insert) in attempts.items():
        engine = engine_for(world, role)
        try:
            for step in (1, 2, 1000):
                message = refused(engine, insert.format(id=ahead(table) + step - 1))
                assert "given by the database" in message, (role, message)
        finally:
            engine.dispose()
    assert fingerprint(world.db) == before
    # Without an id of its own, the same row is added.
    engine = engine_for(world, UserRole.OFFICER)
    try:
        with engine.begin() as connection:
            added = connection.exec_driver_sql(
                attempts[UserRole.OFFICER][1].replace("(id, ", "(").replace("{id}, ", "")
                + " RETURNING id"
            ).scalar_one()
        assert added < ahead("person")
    finally:
        engine.dispose()


def test_the_trails_ids_cannot_be_used_up(world: World) -> None:
    """Every audited write draws an id from the trail's sequence, one rolled back too, so
    a login drawing them on purpose could use 32-bit ids up and stop every change for
    everyone. Past 2,147,483,647 an officer's save is still recorded."""
    with world.db.engine.begin() as connection:
        connection.exec_driver_sql(
            "SELECT setval(pg_get_serial_sequence('audit_event', 'id'), 2147483657)"
        )
    officer = engine_for(world, UserRole.OFFICER)
    try:
        with officer.begin() as connection:
            connection.execute(
                sa.text("UPDATE representation SET summary = summary || '.' WHERE id = :case"),
                {"case": world.mine},
            )
    finally:
        officer.dispose()
    with world.db.engine.connect() as connection:
        last = connection.exec_driver_sql(
            "SELECT max(id) FROM audit_event WHERE entity = 'representation'"
        ).scalar_one()
    assert last > 2147483647


def test_a_refused_link_tells_nothing_of_where_a_hidden_row_is(world: World) -> None:
    """A row linked to a row the login may not see is refused with the same words
    whichever case the hidden row is on: an investigator could tell a colleague's
    appointment on their own case from one on another, and a service responder which
    stage belongs to a case of another area, by which refusal came back."""
    with world.db.engine.begin() as connection:
        elsewhere = connection.exec_driver_sql(
            "INSERT INTO assignment (stage_id, person_id, role, status, offered_on, version, "
            "updated_at) SELECT %s, person_id, role, 'offered', offered_on, 1, now() "
            "FROM assignment WHERE id = %s RETURNING id",
            (world.other_stage, world.colleague_assignment),
        ).scalar_one()
        mine_stage = first_row(connection, "stage", world.mine)
    document = (
        "INSERT INTO attachment (case_id, assignment_id, original_name, stored_name, "
        f"content_type, size_bytes, sha256, uploaded_at) VALUES ({world.mine}, {{appointment}}, "
        "'probe.pdf', repeat('a', 32), 'application/pdf', 1, repeat('0', 64), now())"
    )
    letter = (
        "INSERT INTO correspondence (case_id, stage_id, direction, channel, subject, body, "
        f"created_at, version, updated_at) VALUES ({world.other}, {{stage}}, 'incoming', "
        "'note', 'probe', '', now(), 1, now())"
    )
    investigator = engine_for(world, UserRole.INVESTIGATOR)
    responder = engine_for(world, UserRole.SERVICE_RESPONDER)
    try:
        before = fingerprint(world.db)
        on_my_case = refused(investigator, document.format(appointment=world.colleague_assignment))
        on_another = refused(investigator, document.format(appointment=elsewhere))
        assert on_my_case == on_another
        its_stage = refused(responder, letter.format(stage=world.other_stage))
        another_stage = refused(responder, letter.format(stage=mine_stage))
        assert its_stage == another_stage
        assert fingerprint(world.db) == before
    finally:
        investigator.dispose()
        responder.dispose()
        with world.db.engine.begin() as connection:
            connection.exec_driver_sql(f"DELETE FROM assignment WHERE id = {elsewhere}")


def test_reopening_and_the_same_responder_stay_a_managers_decisions(world: World) -> None:
    """An officer's login cannot reopen a closed case or stage (the Reopen action is a
    manager's), nor let the previous stage's responder answer a stage the procedure
    policy says someone else must consider (the Complaint Handling Code's Stage 2, for
    a case received from 1 Apr 2026); a stage whose policy allows it, and another
    responder, are the officer's to choose. A manager's login may do both."""
    from crm_desktop.db.models import Stage, User
    from crm_desktop.domain.enums import StageCode, StageStatus
    from tests.factories import add_case

    def build(session: sa.orm.Session) -> dict[str, int]:
        officer_id = session.scalar(
            sa.select(User.id).where(User.username == world.usernames[UserRole.OFFICER])
        )
        made: dict[str, int] = {}
        for name, received in (("code", dt.date(2026, 5, 4)), ("older", dt.date(2025, 5, 6))):
            case = add_case(session, received_on=received)
            first = session.get(Stage, case.current_stage_id)
            assert first is not None and officer_id is not None
            first.responder_id = officer_id
            first.closed_on = received + dt.timedelta(days=7)
            first.status = StageStatus.CLOSED
            second = Stage(
                case_id=case.id,
                seq=2,
                stage=StageCode.STAGE_2,
                previous_stage_id=first.id,
                started_on=received + dt.timedelta(days=14),
                status=StageStatus.OPEN,
            )
            session.add(second)
            session.flush()
            case.current_stage_id = second.id
            made[name] = second.id
            made[f"{name} first"] = first.id
        made["officer"] = officer_id or 0
        return made

    made = world.db.write(build, actor="builder")
    with world.db.engine.connect() as connection:
        closed_stage = first_row(connection, "stage", world.closed)
        manager_id = connection.exec_driver_sql(
            "SELECT id FROM app_user WHERE username = %s",
            (world.usernames[UserRole.MANAGER],),
        ).scalar_one()
    same = "UPDATE stage SET responder_id = {who} WHERE id = {stage}"
    officer = engine_for(world, UserRole.OFFICER)
    manager = engine_for(world, UserRole.MANAGER)
    try:
        before = fingerprint(world.db)
        assert "Only a manager can reopen a closed case" in refused(
            officer,
            "UPDATE representation SET status = 'open', closed_on = NULL "
            f"WHERE id = {world.closed}",
        )
        assert "Only a manager can reopen a closed stage" in refused(
            officer, f"UPDATE stage SET status = 'open', closed_on = NULL WHERE id = {closed_stage}"
        )
        # Nor rewrite its response while it stays closed: the day it was sent (a late
        # response made to look in time) or its outcome.
        for change in ("closed_on = closed_on - 30", "closed_on = NULL", "outcome = 'upheld'"):
            assert "reopen it first" in refused(
                officer, f"UPDATE stage SET {change} WHERE id = {closed_stage}"
            )
        assert "previous stage's responder" in refused(
            officer, same.format(who=made["officer"], stage=made["code"])
        )
        assert fingerprint(world.db) == before
        with officer.begin() as connection:
            connection.exec_driver_sql(same.format(who=made["officer"], stage=made["older"]))
            connection.exec_driver_sql(same.format(who=manager_id, stage=made["code"]))
        before = fingerprint(world.db)
        # Nor the other way round: Stage 1 given Stage 2's responder afterwards (Stage 1
        # has responded, so nothing of it changes below a manager: migration 0024) ...
        assert "closed stage's dates or details" in refused(
            officer, same.format(who=manager_id, stage=made["code first"])
        )
        # ... nor Stage 2 taken off Stage 1, given its responder and put back after it.
        refused(
            officer,
            f"UPDATE stage SET previous_stage_id = NULL, responder_id = {made['officer']} "
            f"WHERE id = {made['code']}",
        )
        assert fingerprint(world.db) == before
        with manager.begin() as connection:
            connection.exec_driver_sql(same.format(who=made["officer"], stage=made["code"]))
            connection.exec_driver_sql(
                f"UPDATE representation SET status = 'open', closed_on = NULL "
                f"WHERE id = {world.closed}"
            )
            connection.exec_driver_sql(
                f"UPDATE representation SET status = 'closed', closed_on = '2025-01-06' "
                f"WHERE id = {world.closed}"
            )
    finally:
        officer.dispose()
        manager.dispose()


def test_no_login_can_take_every_connection_of_the_server(world: World) -> None:
    """Each user's login holds at most LOGIN_CONNECTION_LIMIT connections at once (the
    program needs 15 a window at most): without a limit one login could open every
    connection the server allows, and nobody in any database on it could connect."""
    from crm_desktop.db.pg_security import LOGIN_CONNECTION_LIMIT

    with world.db.engine.connect() as connection:
        limits = dict(
            connection.exec_driver_sql(
                "SELECT rolname, rolconnlimit FROM pg_roles WHERE rolname = ANY(%s)",
                (list(world.logins.values()),),
            ).all()
        )
        allowed = connection.exec_driver_sql("SHOW max_connections").scalar_one()
    assert limits == {login: LOGIN_CONNECTION_LIMIT for login in world.logins.values()}
    assert 15 < LOGIN_CONNECTION_LIMIT < int(allowed)


def test_the_programs_own_names_stand_under_a_users_login(world: World) -> None:
    """Who wrote a row is the database's to say on a user's own login, but the program's
    own names for work no one person did stand: a shipped template copied in under a
    manager's login stays the shipped default (so a later release can bring it up to
    date), and a letter the reminders run changed says so."""
    from crm_desktop.correspondence.templates import TEMPLATES, ensure_templates, load_template
    from crm_desktop.domain.access import REMINDERS_RUNNER, SYSTEM

    key = next(iter(TEMPLATES))
    with world.db.engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM correspondence_template WHERE key = %s", (key,))
    manager = open_database(login_url(world, UserRole.MANAGER))
    try:
        manager.write(ensure_templates, actor=world.usernames[UserRole.MANAGER])
        with manager.session() as session:
            copied = load_template(session, key)
    finally:
        manager.dispose()
    assert (copied.version, copied.updated_by, copied.customised) == (1, SYSTEM.username, False)
    officer = engine_for(world, UserRole.OFFICER)
    try:
        with officer.begin() as connection:
            letter = (
                connection.exec_driver_sql(
                    "UPDATE correspondence SET updated_by = %s WHERE case_id = %s RETURNING id",
                    (REMINDERS_RUNNER, world.mine),
                )
                .scalars()
                .first()
            )
    finally:
        officer.dispose()
    with world.db.engine.connect() as connection:
        assert (
            connection.exec_driver_sql(
                f"SELECT updated_by FROM correspondence WHERE id = {letter}"
            ).scalar_one()
            == REMINDERS_RUNNER
        )


def test_only_a_manager_draws_ids_of_their_own(world: World) -> None:
    """A new row's id is drawn by the database (identity columns, migration 0023): an
    officer's, a service responder's or an investigator's login cannot draw numbers
    from any table's sequence on their own (a million at a time, they would run out and
    nobody could add to that table), yet still adds rows; a manager's draws them (the
    historical import and the demo data write rows with ids drawn first)."""
    with world.db.engine.connect() as connection:
        sequences = (
            connection.execute(
                sa.text(
                    "SELECT pg_get_serial_sequence(quote_ident(c.relname), a.attname) "
                    "FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid "
                    "AND a.attnum > 0 WHERE c.relnamespace = 'public'::regnamespace "
                    "AND c.relkind = 'r' AND pg_get_serial_sequence(quote_ident(c.relname), "
                    "a.attname) IS NOT NULL ORDER BY 1"
                )
            )
            .scalars()
            .all()
        )
        identities = connection.exec_driver_sql(
            "SELECT count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
            "WHERE c.relnamespace = 'public'::regnamespace AND a.attidentity = 'd'"
        ).scalar_one()
    assert len(sequences) == identities > 30
    for role in (UserRole.OFFICER, UserRole.SERVICE_RESPONDER, UserRole.INVESTIGATOR):
        engine = engine_for(world, role)
        try:
            for sequence in sequences:
                refused(engine, f"SELECT nextval('{sequence}')")
                refused(engine, f"SELECT setval('{sequence}', 2147483000)")
        finally:
            engine.dispose()
    manager = engine_for(world, UserRole.MANAGER)
    try:
        with manager.begin() as connection:
            drawn = connection.exec_driver_sql(
                "SELECT nextval(pg_get_serial_sequence('representation', 'id'))"
            ).scalar_one()
        assert drawn > world.closed
    finally:
        manager.dispose()


def test_a_rows_id_and_its_stage_stay_as_they_were_added(world: World) -> None:
    """No login below the owner changes a row's id (moved ahead of the sequence, the
    next save of that table fails; given up, a new row could take it and inherit the old
    one's history in the trail), nor moves an Ombudsman decision, a due date's change
    or a regrading to another stage."""
    with world.db.engine.connect() as connection:
        letter = first_row(connection, "correspondence", world.mine)
        tables = [
            t.name
            for t in Base.metadata.sorted_tables
            if "id" in t.c
            and connection.exec_driver_sql(
                "SELECT bool_or(has_column_privilege(r, %s, 'id', 'UPDATE')) "
                "FROM unnest(%s::text[]) AS r",
                (t.name, list(world.logins.values())),
            ).scalar_one()
        ]
    assert tables == []
    responder = engine_for(world, UserRole.SERVICE_RESPONDER)
    officer = engine_for(world, UserRole.OFFICER)
    manager = engine_for(world, UserRole.MANAGER)
    try:
        before = fingerprint(world.db)
        refused(responder, f"UPDATE correspondence SET id = id + 1000 WHERE id = {letter}")
        refused(officer, f"UPDATE representation SET id = id + 1000 WHERE id = {world.mine}")
        for table in ("lgsco_detail", "due_date_change", "stage_grading"):
            refused(manager, f"UPDATE {table} SET stage_id = {world.other_stage}")
        assert fingerprint(world.db) == before
    finally:
        for engine in (responder, officer, manager):
            engine.dispose()


def test_a_closed_stage_and_its_outcomes_stay_as_decided_below_a_manager(world: World) -> None:
    """An officer's login cannot make a late response count as in time by moving a closed
    stage's other dates (its due date, start, timescale, suspended days), change the
    points' outcomes at it, nor add a stage to a closed case; what the program records
    after a response (when the complainant received it, when they asked for the next
    stage) stays the officer's. A manager's login may correct any of it."""
    with world.db.engine.begin() as connection:
        stage = first_row(connection, "stage", world.closed)
        # Two points: the first with its outcome at the closed stage, the second without.
        point, _ = connection.exec_driver_sql(
            "INSERT INTO complaint_point (case_id, seq, nature_id, description, version, "
            f"updated_at, updated_by) SELECT {world.closed}, seq, (SELECT min(id) FROM "
            "nature), '', 1, now(), 'builder' FROM generate_series(1, 2) AS seq RETURNING id"
        ).scalars()
        connection.exec_driver_sql(
            "INSERT INTO point_outcome (point_id, stage_id, outcome, version, updated_at, "
            f"updated_by) VALUES ({point}, {stage}, 'upheld', 1, now(), 'builder')"
        )
        outcome = connection.exec_driver_sql(
            f"SELECT id FROM point_outcome WHERE stage_id = {stage} ORDER BY id LIMIT 1"
        ).scalar_one()
        assert connection.exec_driver_sql(
            f"SELECT status, stage <> 'lgsco' FROM stage WHERE id = {stage}"
        ).one() == ("closed", True)
    officer = engine_for(world, UserRole.OFFICER)
    manager = engine_for(world, UserRole.MANAGER)
    try:
        before = fingerprint(world.db)
        for change in (
            "due_on = closed_on + 30",
            "started_on = closed_on - 1",
            "requested_on = closed_on - 1",
            "acknowledged_on = closed_on - 3",
            "timescale_days = 400",
            "extended_days = 60",
            "suspended_days = 90",
            "outer_limit_on = closed_on + 100",
            "responder_id = (SELECT min(id) FROM app_user)",
            "notes = 'rewritten'",
        ):
            assert "closed stage's dates or details" in refused(
                officer, f"UPDATE stage SET {change} WHERE id = {stage}"
            )
        for statement in (
            f"UPDATE point_outcome SET outcome = 'not upheld' WHERE id = {outcome}",
            f"DELETE FROM point_outcome WHERE id = {outcome}",
            "INSERT INTO point_outcome (point_id, stage_id, outcome, version, updated_at, "
            f"updated_by) SELECT id, {stage}, 'upheld', 1, now(), 'x' FROM complaint_point "
            f"WHERE case_id = {world.closed} AND id NOT IN "
            f"(SELECT point_id FROM point_outcome WHERE stage_id = {stage})",
        ):
            assert "reopen the stage first" in refused(officer, statement)
        assert "add a stage to a closed case" in refused(
            officer,
            "INSERT INTO stage (case_id, seq, stage, status, requested_on, version, "
            f"updated_at, updated_by) VALUES ({world.closed}, 9, '2', 'open', "
            "'2025-02-03', 1, now(), 'x')",
        )
        assert fingerprint(world.db) == before
        # What the program records after the response stays the officer's.
        with officer.begin() as connection:
            connection.exec_driver_sql(
                "UPDATE stage SET response_received_on = closed_on + 2, "
                f"next_stage_requested_on = closed_on + 5 WHERE id = {stage}"
            )
        with manager.begin() as connection:
            connection.exec_driver_sql(f"UPDATE stage SET due_on = due_on + 1 WHERE id = {stage}")
            connection.exec_driver_sql(
                f"UPDATE point_outcome SET outcome = 'not upheld' WHERE id = {outcome}"
            )
        with world.db.engine.connect() as connection:
            assert (
                connection.exec_driver_sql(
                    f"SELECT outcome FROM point_outcome WHERE id = {outcome}"
                ).scalar_one()
                == "not upheld"
            )
    finally:
        officer.dispose()
        manager.dispose()


def test_a_closed_stages_history_and_a_cases_facts_stay_below_a_manager(world: World) -> None:
    """Found trying an officer's and a service responder's own logins (migration 0029):
    an extension added to or deleted from a closed stage (one a manager let pass its
    limit among them: the Code report's good reason), a suspension deleted, a closed
    case moved to another year or procedure, a point to another nature, a case's current
    stage pointed at another case's, the Code's Stage 2 given Stage 1's responder by
    leaving it unlinked or numbered before it, and an email queued under a key of the
    responder's choosing (which stopped a reminder of a case it may not see, and told by
    the refusal that the reminder was due). Each is refused and leaves the database as
    it was; a manager may still correct a closed stage's history."""
    from crm_desktop.domain.enums import StageStatus

    def build(session: sa.orm.Session) -> dict[str, int]:
        officer_id = user_id(session, world, UserRole.OFFICER)
        # A Code case (received 4 May 2026) whose Stage 1 the officer answered.
        case, first = code_case(session)
        first.responder_id = officer_id
        first.closed_on = dt.date(2026, 5, 11)
        first.status = StageStatus.CLOSED
        session.flush()
        return {"case": case.id, "first": first.id, "officer": officer_id}

    made = world.db.write(build, actor="builder")
    with world.db.engine.begin() as connection:
        stage = first_row(connection, "stage", world.closed)
        connection.exec_driver_sql(
            "INSERT INTO stage_extension (stage_id, working_days, reason, "
            "agreed_with_complainant, created_at, version, updated_at, beyond_limit) "
            f"VALUES ({stage}, 30, 'manager agreed', true, now(), 1, now(), true)"
        )
        connection.exec_driver_sql(
            "INSERT INTO stage_suspension (stage_id, starts_on, ends_on, reason, created_at, "
            f"version, updated_at) VALUES ({stage}, '2024-12-02', '2024-12-06', "
            "'awaiting information', now(), 1, now())"
        )
        nature = connection.exec_driver_sql(
            "SELECT max(id) FROM nature WHERE procedure = 'corporate'"
        ).scalar_one()
        connection.exec_driver_sql(
            "INSERT INTO complaint_point (case_id, seq, nature_id, description, version, "
            f"updated_at, updated_by) VALUES ({world.closed}, 7, (SELECT min(id) FROM "
            "nature), '', 1, now(), 'builder')"
        )
        open_stage = first_row(connection, "stage", world.mine)
        correspondence = connection.exec_driver_sql(
            "INSERT INTO correspondence (case_id, direction, channel, subject, body, "
            "created_at, version, updated_at) VALUES "
            f"({world.mine}, 'outgoing', 'email', 'Letter', '', now(), 1, now()) "
            "RETURNING id"
        ).scalar_one()
    with logins(world, UserRole.OFFICER, UserRole.SERVICE_RESPONDER, UserRole.MANAGER) as (
        officer,
        responder,
        manager,
    ):
        before = fingerprint(world.db)
        assert "closed stage's suspensions or extensions" in refused(
            officer,
            "INSERT INTO stage_extension (stage_id, working_days, reason, "
            "agreed_with_complainant, created_at, version, updated_at) "
            f"VALUES ({stage}, 5, 'x', true, now(), 1, now())",
        )
        for statement in (
            f"UPDATE stage_suspension SET ends_on = starts_on WHERE stage_id = {stage}",
            f"UPDATE stage_extension SET working_days = 1 WHERE stage_id = {stage}",
            f"UPDATE stage_extension SET reason = 'x' WHERE stage_id = {stage}",
        ):
            assert "reopen it first" in refused(officer, statement)
        for table in ("stage_extension", "stage_suspension"):
            refused(officer, f"DELETE FROM {table} WHERE stage_id = {stage}")
            refused(
                officer,
                f"DELETE FROM {table} WHERE beyond_limit"
                if table == "stage_extension"
                else f"DELETE FROM {table}",
            )
        for change in (
            "received_on = '2019-01-01'",
            "procedure = 'adult'",
            "kind = 'comment'",
        ):
            refused(officer, f"UPDATE representation SET {change} WHERE id = {world.closed}")
        refused(
            officer,
            f"UPDATE complaint_point SET nature_id = {nature} WHERE case_id = {world.closed}",
        )
        assert "links only to rows of its own case" in refused(
            officer,
            f"UPDATE representation SET current_stage_id = {world.other_stage} "
            f"WHERE id = {world.mine}",
        )
        # The Code's Stage 2 with Stage 1's responder: linked, unlinked, numbered first.
        stage_2 = (
            "INSERT INTO stage (case_id, seq, stage, status, requested_on, responder_id, "
            "previous_stage_id, version, updated_at) VALUES ({case}, {seq}, '2', 'open', "
            "'2026-06-01', {who}, {previous}, 1, now())"
        )
        for seq, previous in ((2, made["first"]), (2, "NULL")):
            assert "previous stage's responder" in refused(
                officer,
                stage_2.format(case=made["case"], seq=seq, who=made["officer"], previous=previous),
            )
        # Numbered before Stage 1 (so that no stage came before it): a new stage comes
        # after the case's others.
        assert "comes after the case's other stages" in refused(
            officer, stage_2.format(case=made["case"], seq=0, who=made["officer"], previous="NULL")
        )
        outbox = (
            "INSERT INTO outbox_message (case_id, correspondence_id, kind, to_address, "
            "subject, body, status, dedupe_key, attempts, created_at, next_attempt_at, "
            "message_id) VALUES ({case}, {letter}, 'email', 'x@example.org', 's', 'b', "
            "'sent', '{key}', 0, now(), now(), '<{key}@example.org>')"
        )
        for letter, key in (
            ("NULL", f"reminder-stage-due-{world.other_stage}"),
            (correspondence, f"reminder-stage-due-{world.other_stage}"),
            (correspondence, f"letter-{correspondence + 1}"),
        ):
            refused(
                responder,
                outbox.format(case=world.mine, letter=letter, key=key.replace("-", ":", 1)),
            )
        assert fingerprint(world.db) == before
        # The program's own writes still pass: the responder's letter's email under its
        # key, and a manager's correction of a closed stage's history.
        with responder.begin() as connection:
            connection.exec_driver_sql(
                outbox.format(
                    case=world.mine, letter=correspondence, key=f"letter:{correspondence}"
                )
            )
        with manager.begin() as connection:
            connection.exec_driver_sql(
                f"UPDATE stage_extension SET working_days = 20 WHERE stage_id = {stage}"
            )
            connection.exec_driver_sql(
                f"UPDATE stage SET responder_id = NULL WHERE id = {open_stage}"
            )


def test_a_stage_that_has_responded_keeps_what_it_is_and_two_sessions_meet(
    world: World,
) -> None:
    """Found in a second round over an officer's own login: a closed Ombudsman stage
    made a council stage with an outcome and a response date of the officer's choosing
    (the annual report then counted it); a stage given a response date but left open,
    which stayed open to change after its case closed; and two sessions giving the
    Code's Stage 1 and Stage 2 one responder at once (each found the other's stage as it
    was). Each is refused, or made to wait for the other and then refused."""
    from crm_desktop.db.models import Stage
    from crm_desktop.domain.enums import StageCode, StageStatus

    def build(session: sa.orm.Session) -> dict[str, int]:
        officer_id = user_id(session, world, UserRole.OFFICER)
        manager_id = user_id(session, world, UserRole.MANAGER)
        case, first = code_case(session)
        first.responder_id = manager_id
        second = stage_two(case, first)
        ombudsman = Stage(
            case_id=case.id,
            seq=3,
            stage=StageCode.LGSCO,
            status=StageStatus.CLOSED,
            requested_on=dt.date(2026, 6, 1),
            closed_on=dt.date(2026, 7, 1),
        )
        session.add_all([second, ombudsman])
        session.flush()
        return {
            "first": first.id,
            "second": second.id,
            "ombudsman": ombudsman.id,
            "officer": officer_id,
        }

    made = world.db.write(build, actor="builder")
    with logins(world, UserRole.OFFICER) as (officer,):
        before = fingerprint(world.db)
        assert "which stage a stage is" in refused(
            officer,
            "UPDATE stage SET stage = '2', outcome = 'upheld', closed_on = '2026-06-20' "
            f"WHERE id = {made['ombudsman']}",
        )
        assert fingerprint(world.db) == before
        # A response date recorded on a stage left open is a response all the same.
        with officer.begin() as connection:
            connection.exec_driver_sql(
                "UPDATE stage SET closed_on = '2026-06-10', outcome = 'not upheld' "
                f"WHERE id = {made['second']}"
            )
        for change in ("closed_on = '2026-05-25'", "outcome = 'upheld'", "due_on = '2026-09-01'"):
            assert "reopen it first" in refused(
                officer, f"UPDATE stage SET {change} WHERE id = {made['second']}"
            )
        assert "reopen it first" in refused(
            officer,
            "INSERT INTO stage_extension (stage_id, working_days, reason, "
            "agreed_with_complainant, created_at, version, updated_at) "
            f"VALUES ({made['second']}, 5, 'x', true, now(), 1, now())",
        )
        with world.db.engine.begin() as connection:  # as it was: open, no response
            connection.exec_driver_sql(
                "UPDATE stage SET closed_on = NULL, outcome = NULL, responder_id = NULL "
                f"WHERE id = {made['second']}"
            )
            connection.exec_driver_sql(
                f"UPDATE stage SET responder_id = NULL WHERE id = {made['first']}"
            )
        # Two sessions at once: the second waits for the first, then is refused.
        with officer.connect() as first, officer.connect() as second:
            first.exec_driver_sql(
                f"UPDATE stage SET responder_id = {made['officer']} WHERE id = {made['first']}"
            )
            second.exec_driver_sql("SET lock_timeout = '300ms'")
            with pytest.raises(sa.exc.OperationalError, match="lock timeout"):
                second.exec_driver_sql(
                    f"UPDATE stage SET responder_id = {made['officer']} WHERE id = {made['second']}"
                )
            second.rollback()
            first.commit()
        assert "previous stage's responder" in refused(
            officer,
            f"UPDATE stage SET responder_id = {made['officer']} WHERE id = {made['second']}",
        )


def test_a_stages_kind_and_a_stricter_isolation_level_give_no_way_round(
    world: World,
) -> None:
    """Found in a third round: an open Ombudsman stage made a council Stage 2 and closed
    with an outcome in one statement (and an open council stage made the Ombudsman's,
    taking a late response out of the council's figures); and a session at REPEATABLE
    READ, whose snapshot missed another session's committed change, giving the Code's
    Stage 2 its Stage 1 responder or adding a stage to a case just closed. Each is
    refused; an adult complaint is still regraded while open."""
    from crm_desktop.db.models import Stage
    from crm_desktop.domain.enums import Procedure, StageCode, StageStatus
    from tests.factories import add_case

    def build(session: sa.orm.Session) -> dict[str, int]:
        officer_id = user_id(session, world, UserRole.OFFICER)
        code, first = code_case(session)
        second = stage_two(code, first)
        ombudsman_case = add_case(session, received_on=dt.date(2025, 5, 6))
        ombudsman = Stage(
            case_id=ombudsman_case.id,
            seq=2,
            stage=StageCode.LGSCO,
            status=StageStatus.OPEN,
            requested_on=dt.date(2025, 9, 1),
        )
        adult = add_case(
            session,
            procedure=Procedure.ADULT,
            stage=StageCode.LOW,
            area=None,
            received_on=dt.date(2025, 5, 6),
        )
        closing = add_case(session, received_on=dt.date(2025, 5, 7))
        session.add_all([second, ombudsman])
        session.flush()
        return {
            "first": first.id,
            "second": second.id,
            "ombudsman": ombudsman.id,
            "adult": int(adult.current_stage_id or 0),
            "closing": closing.id,
            "officer": officer_id,
        }

    made = world.db.write(build, actor="builder")
    with logins(world, UserRole.OFFICER) as (officer,):
        before = fingerprint(world.db)
        for change, stage in (
            (
                "stage = '2', status = 'closed', closed_on = '2025-10-01', outcome = 'upheld'",
                "ombudsman",
            ),
            ("stage = 'lgsco'", "second"),
        ):
            assert "which stage a stage is" in refused(
                officer, f"UPDATE stage SET {change} WHERE id = {made[stage]}"
            )
        assert fingerprint(world.db) == before
        with officer.begin() as connection:  # a regrading, as the program makes it
            connection.exec_driver_sql(
                f"UPDATE stage SET stage = 'moderate-high' WHERE id = {made['adult']}"
            )
        # A session whose snapshot is older than another's committed change.
        for setup, statement in (
            (
                f"UPDATE stage SET responder_id = {made['officer']} WHERE id = {made['first']}",
                f"UPDATE stage SET responder_id = {made['officer']} WHERE id = {made['second']}",
            ),
            (
                "UPDATE representation SET status = 'closed', closed_on = '2025-06-02' "
                f"WHERE id = {made['closing']}",
                "INSERT INTO stage (case_id, seq, stage, status, requested_on, version, "
                f"updated_at) VALUES ({made['closing']}, 2, '2', 'open', '2025-06-01', 1, now())",
            ),
        ):
            with officer.connect() as late, officer.connect() as first:
                late.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                late.exec_driver_sql("SELECT count(*) FROM stage").scalar()
                first.exec_driver_sql(setup)
                first.commit()
                with pytest.raises(sa.exc.DBAPIError) as caught:
                    late.exec_driver_sql(statement)
                assert getattr(caught.value.orig, "sqlstate", None) in (
                    "40001",  # could not serialize: the change it missed
                    "42501",  # refused outright
                ), caught.value
                late.rollback()


def test_an_approval_stays_with_its_appointment_and_a_letter_with_its_text(
    world: World,
) -> None:
    """Found in a fourth round: an officer could move an appointment a manager approved
    against the eligibility rules to another person or role (the approval went with
    it), and a service responder or officer could rewrite a letter's text, subject or
    recipient after it was written and sent (its author still named). Each is refused;
    the day a letter was sent stays anyone's to enter, and a manager may correct both."""
    with world.db.engine.begin() as connection:
        stage = first_row(connection, "stage", world.mine)
        other_person = connection.exec_driver_sql(
            "SELECT id FROM person WHERE is_investigator ORDER BY id DESC LIMIT 1"
        ).scalar_one()
        approved = connection.exec_driver_sql(
            "INSERT INTO assignment (stage_id, person_id, role, status, offered_on, "
            "override_reason, overridden_by, version, updated_at) SELECT "
            f"{stage}, id, 'ip', 'offered', '2025-01-06', 'The only one free', 'manager', 1, "
            "now() FROM person WHERE is_investigator ORDER BY id LIMIT 1 RETURNING id"
        ).scalar_one()
        letter = connection.exec_driver_sql(
            "INSERT INTO correspondence (case_id, direction, channel, subject, body, "
            "recipient, created_by, created_at, sent_at, version, updated_at) VALUES "
            f"({world.mine}, 'outgoing', 'email', 'Your complaint', 'We have received it.', "
            "'a@example.org', 'officer1', now(), now(), 1, now()) RETURNING id"
        ).scalar_one()
    with logins(world, UserRole.OFFICER, UserRole.SERVICE_RESPONDER, UserRole.MANAGER) as (
        officer,
        responder,
        manager,
    ):
        before = fingerprint(world.db)
        for change in (f"person_id = {other_person}", "role = 'io'"):
            refused(officer, f"UPDATE assignment SET {change} WHERE id = {approved}")
        for login in (officer, responder):
            for change in (
                "body = 'Rewritten'",
                "subject = 'Something else'",
                "recipient = 'b@example.org'",
            ):
                assert "once it is written" in refused(
                    login, f"UPDATE correspondence SET {change} WHERE id = {letter}"
                )
        assert fingerprint(world.db) == before
        with responder.begin() as connection:  # the day it was sent stays anyone's
            connection.exec_driver_sql(
                f"UPDATE correspondence SET sent_at = now() WHERE id = {letter}"
            )
        with manager.begin() as connection:
            connection.exec_driver_sql(
                f"UPDATE correspondence SET body = 'Corrected' WHERE id = {letter}"
            )


def test_only_the_owners_login_tidies_the_attachment_store(world: World, tmp_path: Path) -> None:
    """A service responder's login sees only its own area's attachments: tidying the
    store under it would take every other case's files for orphans and delete them. It
    is refused, and the owner's tidying keeps every file a record points at."""
    from crm_desktop.errors import PermissionRefused
    from crm_desktop.services.attachments import ORPHAN_AGE_SECONDS, remove_orphans

    store = tmp_path / "store"
    store.mkdir()
    kept, stray = store / ("a" * 32), store / ("b" * 32)
    for path in (kept, stray):
        path.write_bytes(b"a document")
    a_day_on = max(p.stat().st_mtime for p in (kept, stray)) + ORPHAN_AGE_SECONDS
    with owners_attachment(world, kept.name):
        with (
            logins(world, UserRole.SERVICE_RESPONDER) as (responder,),
            sa.orm.Session(responder) as session,
            pytest.raises(PermissionRefused, match="database owner's login"),
        ):
            remove_orphans(session, store, now=a_day_on)
        assert kept.exists() and stray.exists()
        with world.db.session() as session:
            assert remove_orphans(session, store, now=a_day_on) == [stray.name]
        assert kept.exists() and not stray.exists()


def test_two_sessions_adding_stages_to_one_case_take_turns(world: World) -> None:
    """Found in a sixth round over an officer's own login, two sessions at once: each
    added a stage to one case, and a stage added later came out numbered before the one
    added first; at REPEATABLE READ a Stage 2 added by one session was not seen by the
    other, which gave the Code's Stage 1 the same responder. A second session adding a
    stage now waits for the first and is then refused; a stricter isolation level is
    refused for adding a stage or giving one its responder."""

    def build(session: sa.orm.Session) -> dict[str, int]:
        case, first = code_case(session)
        first.responder_id = user_id(session, world, UserRole.MANAGER)
        session.flush()
        return {
            "case": case.id,
            "first": first.id,
            "officer": user_id(session, world, UserRole.OFFICER),
        }

    made = world.db.write(build, actor="builder")

    def add_stage(seq: int, responder: str = "NULL") -> str:
        return (
            "INSERT INTO stage (case_id, seq, stage, previous_stage_id, status, requested_on, "
            "responder_id, extended_days, suspended_days, version, updated_at) VALUES "
            f"({made['case']}, {seq}, '2', {made['first']}, 'open', '2026-05-20', "
            f"{responder}, 0, 0, 1, now())"
        )

    with logins(world, UserRole.OFFICER) as (officer,):
        before = fingerprint(world.db)
        # Numbered before a stage another session is adding: waits for it, then refused.
        with officer.connect() as first, officer.connect() as second:
            first.exec_driver_sql(add_stage(3))
            second.exec_driver_sql("SET lock_timeout = '300ms'")
            with pytest.raises(sa.exc.OperationalError, match="lock timeout"):
                second.exec_driver_sql(add_stage(2))
            second.rollback()
            first.rollback()
        # At REPEATABLE READ (or SERIALIZABLE) neither a stage nor a responder is given.
        for level in ("REPEATABLE READ", "SERIALIZABLE"):
            for statement in (
                add_stage(2, str(made["officer"])),
                add_stage(2),
                f"UPDATE stage SET responder_id = {made['officer']} WHERE id = {made['first']}",
            ):
                with officer.connect() as connection:
                    connection.exec_driver_sql(f"SET TRANSACTION ISOLATION LEVEL {level}")
                    with pytest.raises(sa.exc.DBAPIError, match="READ COMMITTED"):
                        connection.exec_driver_sql(statement)
                    connection.rollback()
        # The interleaving that got through: a session at REPEATABLE READ takes its
        # snapshot, another adds a Stage 2 answered by X, the first gives Stage 1 to X.
        with officer.connect() as late, officer.connect() as adding:
            late.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            late.exec_driver_sql("SELECT 1")
            adding.exec_driver_sql(add_stage(2, str(made["officer"])))
            adding.rollback()  # (committed, the one-session check below refuses it too)
            with pytest.raises(sa.exc.DBAPIError, match="READ COMMITTED"):
                late.exec_driver_sql(
                    f"UPDATE stage SET responder_id = {made['officer']} WHERE id = {made['first']}"
                )
            late.rollback()
        assert fingerprint(world.db) == before
        # At READ COMMITTED, the program's way, one session adds the stage as before.
        with officer.begin() as connection:
            connection.exec_driver_sql(add_stage(2))
        with world.db.engine.begin() as connection:
            connection.exec_driver_sql(
                f"DELETE FROM stage WHERE case_id = {made['case']} AND seq = 2"
            )


def test_a_logins_own_time_zone_gives_no_more_than_the_days_grace(world: World) -> None:
    """The day's grace a report's day is allowed (a computer whose clock is in another
    time zone) is counted from England's day: a login that set its sessions' time zone
    fourteen hours ahead recorded a report two days ahead. (The two days differ from
    about ten in the morning to midnight in England, when the test tells them apart.)"""
    import zoneinfo

    me = world.usernames[UserRole.INVESTIGATOR]
    london = dt.datetime.now(zoneinfo.ZoneInfo("Europe/London")).date()
    with logins(world, UserRole.INVESTIGATOR) as (investigator,):
        before = fingerprint(world.db)
        with investigator.connect() as connection:
            connection.exec_driver_sql("SET TimeZone = 'Etc/GMT-14'")
            with pytest.raises(sa.exc.DBAPIError, match="report's day is recorded once"):
                connection.execute(
                    sa.text(
                        "UPDATE assignment SET status = 'report received', "
                        "report_received_on = :day, updated_by = :me WHERE id = :a"
                    ),
                    {"day": london + dt.timedelta(days=2), "me": me, "a": world.my_assignment},
                )
            connection.rollback()
        assert fingerprint(world.db) == before


def test_a_document_record_names_its_file_only_as_the_program_does(world: World) -> None:
    """A login that may add a document's record names its file as the program does, in
    its one spelling: "./<name>" or "<name>/." would go in beside the record of that
    name (the unique name compares the text) and reach the other case's file, to open
    it under a case the login may read, or to delete it with the login's case."""
    theirs = "c" * 32
    plant = (
        "INSERT INTO attachment (case_id, assignment_id, original_name, stored_name, "
        "content_type, size_bytes, sha256, uploaded_at) VALUES (:case, :appointment, "
        "'mine.pdf', :name, 'application/pdf', 10, :hash, now())"
    )
    spellings = [f"./{theirs}", f"{theirs}/.", f"../store/{theirs}", theirs.upper(), "../../x"]
    with owners_attachment(world, theirs):
        before = fingerprint(world.db)
        with logins(
            world, UserRole.OFFICER, UserRole.SERVICE_RESPONDER, UserRole.INVESTIGATOR
        ) as engines:
            # Each on a case it may add documents to: the officer's any, the
            # responder's in their area, the investigator's on their appointment.
            appointments = (None, None, world.my_assignment)
            for engine, appointment in zip(engines, appointments, strict=True):
                for name in spellings:
                    message = refused(
                        engine,
                        plant,
                        {
                            "case": world.mine,
                            "appointment": appointment,
                            "name": name,
                            "hash": "0" * 64,
                        },
                    )
                    assert "named by the program" in message
            # The program's own name for a new file still goes in.
            with engines[0].connect() as connection:
                connection.execute(
                    sa.text(plant),
                    {"case": world.mine, "appointment": None, "name": "d" * 32, "hash": "0" * 64},
                )
                connection.rollback()
        assert fingerprint(world.db) == before


def test_a_login_writes_its_accounts_password_and_sign_ins_only_as_the_program_does(
    world: World,
) -> None:
    """A login may change its own account's password and sign-in columns (the program
    signs in and changes passwords under it), but only to what the program writes: a
    password as its Argon2id hash, not an empty, missing or plain one; a count of wrong
    passwords from 0 up to the lockout, not a negative one that never reaches it; no
    sign-in in the future, which would hide an account nobody uses."""
    from crm_desktop.domain.access import MAX_FAILURES
    from crm_desktop.services.users import hash_password

    hash_refused = "only as the program's hash"
    count_refused = "count of wrong passwords is kept by the program"
    changes = {
        "password_hash = ''": hash_refused,
        "password_hash = NULL": hash_refused,
        "password_hash = 'correct horse battery staple'": hash_refused,
        "password_hash = '$argon2id$'": hash_refused,
        "password_hash = '$argon2i$v=19$m=16,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo'": hash_refused,
        "failed_sign_ins = -1000": count_refused,
        f"failed_sign_ins = {MAX_FAILURES + 1}": count_refused,
    }
    before = fingerprint(world.db)
    with logins(world, *world.logins) as engines:
        for engine in engines:
            for change, why in changes.items():
                message = refused(
                    engine, f"UPDATE app_user SET {change} WHERE db_role = session_user"
                )
                assert why in message, change
    assert fingerprint(world.db) == before
    # What the program writes still goes: a new password's hash, a wrong password
    # counted, a sign-in; one in the future (a computer's clock running fast, or 2099
    # to make an unused account look used) is written as the server's time.
    new_hash = hash_password("four random words together")
    with logins(world, UserRole.OFFICER) as (officer,), officer.connect() as connection:
        changed = connection.execute(
            sa.text(
                "UPDATE app_user SET password_hash = :hash, failed_sign_ins = 1, "
                "last_sign_in_at = '2099-01-01' WHERE db_role = session_user "
                "RETURNING last_sign_in_at <= now() AT TIME ZONE 'UTC', failed_sign_ins"
            ),
            {"hash": new_hash},
        ).one()
        assert changed == (True, 1)
        connection.rollback()


def _note(**fields: object) -> dict[str, str]:
    """``crm_audit_note``'s argument: one note of these fields."""
    return {"n": json.dumps([fields])}


NOTE = "SELECT crm_audit_note(CAST(:n AS jsonb))"


def test_a_note_is_one_the_program_writes_on_a_case_its_writer_may_open(world: World) -> None:
    """A note that was not JSON stopped its case's history from being shown for good (the
    trail is never edited), and notes on case numbers still to come did the same to cases
    recorded later; a note could also claim an import, a role change or a retention step
    no one took. Only the program's own notes go in now: a step on a case the writer may
    open (officers), a manager's import, retention, export or equality note."""
    with world.db.engine.connect() as connection:
        to_come = (
            int(connection.exec_driver_sql("SELECT max(id) FROM representation").scalar_one()) + 1
        )
    mine, closed = world.mine, world.closed
    step = {"action": "close case", "entity": "workflow", "entity_id": None}
    officer, manager = engine_for(world, UserRole.OFFICER), engine_for(world, UserRole.MANAGER)
    try:
        before = fingerprint(world.db)
        for engine, fields, says in (
            (officer, {**step, "case_id": mine, "after": "not json at all"}, "JSON objects"),
            (officer, {**step, "case_id": mine, "after": "[1, 2]"}, "JSON objects"),
            # JSON that PostgreSQL's jsonb cannot hold is refused too, not a server error.
            (officer, {**step, "case_id": mine, "after": '{"a": "\\u0000"}'}, "JSON objects"),
            (officer, {**step, "case_id": mine, "before": "7", "after": "{}"}, "JSON objects"),
            (officer, {**step, "case_id": to_come, "after": "{}"}, "may open"),
            (officer, {**step, "case_id": to_come + 5000, "after": "{}"}, "may open"),
            (manager, {**step, "case_id": to_come, "after": "{}"}, "may open"),
            (officer, {**step, "case_id": str(mine), "after": "{}"}, "by its number"),
            (officer, {**step, "case_id": 1.5, "after": "{}"}, "by its number"),
            (officer, {**step, "after": "{}"}, "noted on its case"),
            (officer, {**step, "action": "rename", "case_id": mine}, "own notes"),
            (officer, {"action": "change role", "entity": "app_user", "entity_id": "5"}, "own"),
            (officer, {"action": "import", "entity": "representation", "after": "{}"}, "own"),
            (officer, {"action": "anonymised", "entity": "retention", "case_id": mine}, "own"),
            (officer, {"action": "record", "entity": "equality_monitoring"}, "own notes"),
            (manager, {"action": "change role", "entity": "app_user", "entity_id": "5"}, "own"),
            (
                manager,
                {"action": "deleted", "entity": "retention", "case_id": closed, "after": "{}"},
                "may open",
            ),
        ):
            message = refused(engine, NOTE, _note(**fields))
            assert says in message, (fields, message)
        assert fingerprint(world.db) == before
        # The program's own notes still go in.
        for engine, fields in (
            (officer, {**step, "case_id": mine, "after": json.dumps({"on": "2026-12-08"})}),
            (manager, {"action": "import", "entity": "representation", "after": "{}"}),
            (manager, {"action": "export", "entity": "subject_access_request", "after": "{}"}),
        ):
            with engine.begin() as connection:
                assert connection.execute(sa.text(NOTE), _note(**fields)).scalar() == 1
    finally:
        officer.dispose()
        manager.dispose()


def test_a_deleted_cases_number_is_not_given_again_below_a_manager(world: World) -> None:
    """A new case with the id of a deleted one took back that case's history, values and
    all, and showed it to whoever could open the new case (a service responder of its
    area included). Below a manager a new row has the id its default has just drawn."""
    from tests.factories import add_case

    def make(session: sa.orm.Session) -> int:
        case = add_case(
            session, summary="To go", area="Network Control", closed_on=dt.date(2025, 2, 3)
        )
        return int(case.id)

    gone = world.db.write(make)
    manager = engine_for(world, UserRole.MANAGER)
    officer = engine_for(world, UserRole.OFFICER)
    try:
        with manager.begin() as connection:
            connection.execute(
                sa.text("SELECT crm_delete_case(:c, 'Retention period over')"), {"c": gone}
            )
        before = fingerprint(world.db)
        message = refused(
            officer,
            "INSERT INTO representation (id, reference, kind, procedure, received_on, "
            "summary, status, legal_hold, imported, version, updated_at) VALUES "
            f"({gone}, 'COR-2099-00001', 'complaint', 'corporate', '2026-12-01', "
            "'Squatter', 'open', false, false, 1, now())",
        )
        assert "given by the database" in message
        # Drawing a number first in the same session does not make an older one new.
        person = (
            "INSERT INTO person ({id}full_name, vexatious, is_investigator, is_employee, "
            "is_elected_member, is_partner_of_member_or_officer, available, created_at, "
            "version, updated_at) VALUES ({value}'Squatter', false, false, false, false, "
            "false, true, now(), 1, now()) RETURNING id"
        )
        with officer.connect() as connection:
            drawn = connection.exec_driver_sql(person.format(id="", value="")).scalar_one()
            with pytest.raises(sa.exc.DBAPIError) as caught:
                connection.exec_driver_sql(person.format(id="id, ", value=f"{drawn - 1}, "))
            connection.rollback()
        assert "given by the database" in str(caught.value.orig)
        assert fingerprint(world.db) == before
    finally:
        manager.dispose()
        officer.dispose()


def test_the_access_log_loses_only_entries_past_their_period(world: World) -> None:
    """A manager's login deleted any access-log entry and left no trace; entries now go
    only through the database's purge, only those opened before the schedule's period
    (at least a year, whatever the schedule says), counted back from the day given or
    today, whichever is earlier, and the purge is in the retention log and the trail."""
    with world.db.engine.begin() as connection:
        old, recent = (
            connection.execute(
                sa.text(
                    "INSERT INTO case_access (case_id, username, role, opened_at) VALUES "
                    "(:case, 'officer1', 'officer', :at) RETURNING id"
                ),
                {"case": world.mine, "at": at},
            ).scalar_one()
            for at in (dt.datetime(2010, 1, 4, 9), dt.datetime.now() - dt.timedelta(days=3))
        )
    manager, officer = engine_for(world, UserRole.MANAGER), engine_for(world, UserRole.OFFICER)
    purge = "SELECT crm_purge_access_log('2100-01-01', 'Annual review')"
    try:
        before = fingerprint(world.db)
        refused(manager, f"DELETE FROM case_access WHERE id = {recent}")
        refused(officer, purge)
        refused(
            manager,
            "INSERT INTO retention_event (kind, reason, actor, occurred_at, details) VALUES "
            "('access log purged', 'forged', 'admin1', now(), '{}')",
        )
        assert fingerprint(world.db) == before
        with manager.connect() as connection:
            # A schedule that keeps entries for no time at all still keeps them a year.
            connection.exec_driver_sql(
                "INSERT INTO retention_rule (record_type, years, method, description, "
                "version, updated_at) VALUES ('access log', -5, 'delete', 'none', 1, now())"
            )
            removed = connection.exec_driver_sql(purge).scalar_one()
            connection.rollback()
        with manager.begin() as connection:
            assert connection.exec_driver_sql(purge).scalar_one() == removed >= 1
        with world.db.engine.connect() as connection:
            left = set(
                connection.exec_driver_sql(
                    f"SELECT id FROM case_access WHERE id IN ({old}, {recent})"
                ).scalars()
            )
            logged = connection.exec_driver_sql(
                "SELECT actor, reason, details FROM retention_event "
                "WHERE kind = 'access log purged' ORDER BY id DESC LIMIT 1"
            ).one()
            noted = connection.exec_driver_sql(
                "SELECT username FROM audit_event WHERE action = 'access log purged' "
                "ORDER BY id DESC LIMIT 1"
            ).scalar_one()
        assert left == {recent}
        assert tuple(logged[:2]) == (world.usernames[UserRole.MANAGER], "Annual review")
        assert json.loads(logged[2])["entries_deleted"] == removed
        assert noted == world.usernames[UserRole.MANAGER]
    finally:
        manager.dispose()
        officer.dispose()


def test_the_retention_log_records_only_what_was_just_done_in_its_writers_name(
    world: World,
) -> None:
    """A manager's login added a retention entry in anyone's name, at any date, for a case
    nothing was done to (after a restore, a live case listed as deleted is deleted
    again). An entry now records what the same transaction did to the case, and the
    database writes who and when."""
    manager = engine_for(world, UserRole.MANAGER)
    insert = (
        "INSERT INTO retention_event (case_id, case_reference, kind, reason, actor, "
        "occurred_at, details) SELECT id, reference, :kind, 'forged', 'system', "
        "'2020-01-01', '{}' FROM representation WHERE id = :case"
    )
    hold = "UPDATE representation SET legal_hold = :on, version = version + 1 WHERE id = :case"
    try:
        before = fingerprint(world.db)
        for kind in ("deleted", "anonymised", "legal hold placed", "legal hold released", "x"):
            message = refused(manager, insert, {"kind": kind, "case": world.mine})
            assert "only what was just done" in message, kind
        assert fingerprint(world.db) == before
        # A hold placed in an earlier transaction is not placed again by a later entry.
        with manager.connect() as connection:
            connection.execute(sa.text(hold), {"on": True, "case": world.mine})
            connection.commit()
            with pytest.raises(sa.exc.DBAPIError, match="only what was just done"):
                connection.execute(
                    sa.text(insert), {"kind": "legal hold placed", "case": world.mine}
                )
            connection.rollback()
            connection.execute(sa.text(hold), {"on": False, "case": world.mine})
            connection.commit()
        # Under another case's reference, refused too.
        with manager.connect() as connection:
            connection.execute(sa.text(hold), {"on": True, "case": world.mine})
            with pytest.raises(sa.exc.DBAPIError, match="only what was just done"):
                connection.execute(
                    sa.text(insert.replace("SELECT id, reference", "SELECT id, 'COR-1999-1'")),
                    {"kind": "legal hold placed", "case": world.mine},
                )
            connection.rollback()
        # The hold placed and its entry in one transaction: in the writer's name, now.
        for on, kind in ((True, "legal hold placed"), (False, "legal hold released")):
            with manager.begin() as connection:
                connection.execute(sa.text(hold), {"on": on, "case": world.mine})
                connection.execute(sa.text(insert), {"kind": kind, "case": world.mine})
        with world.db.engine.connect() as connection:
            written = connection.exec_driver_sql(
                "SELECT actor, occurred_at FROM retention_event ORDER BY id DESC LIMIT 2"
            ).all()
        assert len(written) == 2
        for actor, when in written:
            assert actor == world.usernames[UserRole.MANAGER]
            assert abs(when - dt.datetime.utcnow()) < dt.timedelta(minutes=5)
    finally:
        manager.dispose()


def test_a_manager_places_and_releases_a_hold_and_purges_over_their_own_login(
    world: World,
) -> None:
    """The program's own retention work passes the database's checks of the retention
    and access logs under a manager's own login."""
    from crm_desktop.domain.access import Actor
    from crm_desktop.operations import privacy as privacy_ops
    from crm_desktop.operations import run_operation

    manager_db = open_database(login_url(world, UserRole.MANAGER))
    try:
        manager = Actor(world.usernames[UserRole.MANAGER], UserRole.MANAGER)
        with manager_db.session() as session:
            reference = session.execute(
                sa.text("SELECT reference FROM representation WHERE id = :c"), {"c": world.mine}
            ).scalar_one()
        today = dt.date.today()
        run_operation(manager_db, manager, today, privacy_ops.place_legal_hold, reference, "Claim")
        run_operation(manager_db, manager, today, privacy_ops.release_legal_hold, reference, "Done")
        run_operation(manager_db, manager, today, privacy_ops.purge, "Annual review")
        with world.db.engine.connect() as connection:
            kinds = connection.exec_driver_sql(
                "SELECT kind, actor FROM retention_event WHERE case_reference = %s "
                "ORDER BY id DESC LIMIT 2",
                (reference,),
            ).all()
        assert [tuple(k) for k in kinds] == [
            ("legal hold released", world.usernames[UserRole.MANAGER]),
            ("legal hold placed", world.usernames[UserRole.MANAGER]),
        ]
    finally:
        manager_db.dispose()
