"""Retention: the review list, anonymising and deleting with a reason, legal hold, purge."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from crm_desktop.db import migrate
from crm_desktop.db.audit import verify_chain
from crm_desktop.db.database import Database
from crm_desktop.db.models import AuditEvent, Case, CaseParty, Person
from crm_desktop.db.models_privacy import (
    EqualityMonitoring,
    RecordType,
    RetentionEvent,
    RetentionEventKind,
    RetentionMethod,
)
from crm_desktop.domain.enums import CaseStatus, Procedure
from crm_desktop.errors import IllegalTransition, PermissionRefused, ValidationError
from crm_desktop.operations import privacy as ops
from crm_desktop.operations import run_operation
from crm_desktop.privacy import retention
from crm_desktop.privacy.access_log import access_log, record_case_opened
from crm_desktop.privacy.equality import EqualityAnswers, record_equality
from crm_desktop.reports.figures import annual_report
from crm_desktop.services import personal_data as pd
from tests.core.test_privacy_support import (
    INVESTIGATOR,
    MANAGER,
    NOW,
    OFFICER,
    add_closed_case,
    add_person,
    attach,
    holding,
    someone,
)

AS_OF = dt.date(2030, 1, 15)  # more than 6 years after every case below closed


def _tables(database: Database, year: int = 2017) -> list[tuple[object, ...]]:
    """Every table of the annual report but equality monitoring: anonymising deletes a
    person's (special category) equality answers by design, so those tables change."""
    with database.session() as session:
        report = annual_report(session, year, now=dt.datetime(2030, 1, 1))
    return [
        (t.key, t.columns, t.rows, t.notes)
        for t in report.tables
        if not t.key.startswith("equality")
    ]


def test_an_anonymised_case_keeps_its_figures_but_no_personal_data(
    database: Database, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    who, other = someone("A"), someone("B")

    def build(session: sa.orm.Session) -> tuple[int, int, int]:
        person, behalf = add_person(session, who), add_person(session, other)
        case = add_closed_case(session, person, other=behalf)
        return case.id, person.id, behalf.id

    case_id, person_id, other_id = database.write(build, actor="officer1")
    stored = attach(database, store, case_id, f"Letter from {who.name}".encode(), f"{who.name}.pdf")
    database.write(
        lambda s: record_equality(s, MANAGER, person_id, EqualityAnswers(sex="Female")),
        actor="manager1",
    )
    database.write(lambda s: record_case_opened(s, OFFICER, case_id), actor="officer1")
    before = _tables(database)
    with database.session() as session:
        trail_before = [(e.id, e.hash) for e in session.scalars(sa.select(AuditEvent))]
        for needle in who.identifiers + other.identifiers:
            assert holding(session, needle), needle  # the test data really holds them

    result = database.write(
        lambda s: retention.anonymise_case(s, MANAGER, case_id, "Retention period ended", now=NOW),
        actor="manager1",
    )
    assert result.files_to_remove == (stored,)
    assert retention.remove_stored_files(store, result.files_to_remove) == [stored]
    assert not (store / stored).exists()

    assert _tables(database) == before
    with database.session() as session:
        for needle in who.identifiers + other.identifiers:
            assert holding(session, needle) == [], needle
        case = session.get(Case, case_id)
        assert case is not None and case.anonymised_at == NOW
        assert case.summary == "" and case.complainant_name is None
        for pid in (person_id, other_id):
            person = session.get(Person, pid)
            assert person is not None
            assert person.full_name == pd.ANONYMISED_NAME and person.anonymised_at == NOW
            assert person.email is None and person.phone is None and person.address is None
        assert session.get(EqualityMonitoring, person_id) is None
        assert session.scalar(sa.select(sa.func.count()).select_from(CaseParty)) == 2
        # The learning and the investigator (a role, not a party) stay.
        assert (
            session.scalar(sa.select(Person.full_name).where(Person.is_investigator.is_(True)))
            == "Ivor Investigator"
        )
        # The trail is untouched and still verifies; one event says what was done.
        trail_after = [(e.id, e.hash) for e in session.scalars(sa.select(AuditEvent))]
        assert trail_after[: len(trail_before)] == trail_before
        assert verify_chain(session) == []
        event = session.scalars(sa.select(AuditEvent).where(AuditEvent.entity == "retention")).one()
        assert event.username == "manager1" and event.case_id == case_id
        details = json.loads(event.after or "{}")
        assert details["reason"] == "Retention period ended"
        assert details["rows_cleared"]["representation"] == 1
        # The history as staff see it is masked; the raw trail still holds the name.
        history = pd.masked_history(session, case_id)
        shown = json.dumps([(h.before, h.after) for h in history], ensure_ascii=False)
        assert who.name not in shown and who.email not in shown
        assert holding(session, who.name, skip=()) == [("audit_event", "after")]
        logged = session.scalars(sa.select(RetentionEvent)).one()
        assert (logged.kind, logged.actor, logged.case_id) == (
            RetentionEventKind.ANONYMISED,
            "manager1",
            case_id,
        )
        # The access log still shows who opened it, not who it was about.
        assert [e.username for e in access_log(session, case_id=case_id)] == ["officer1"]


def test_the_files_go_only_once_the_change_is_saved(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store"
    monkeypatch.setenv("CRM_ATTACHMENTS", str(store))

    def build(session: sa.orm.Session) -> tuple[int, str, int, str]:
        first = add_closed_case(session, add_person(session, someone("P")))
        second = add_closed_case(session, add_person(session, someone("Q")))
        return first.id, first.reference, second.id, second.reference

    first_id, first, second_id, second = database.write(build)
    kept = attach(database, store, first_id, b"letter", "letter.pdf")
    gone = attach(database, store, second_id, b"photo", "photo.jpg")
    run_operation(database, MANAGER, AS_OF, ops.place_legal_hold, first, "Claim")
    with pytest.raises(IllegalTransition):
        run_operation(database, MANAGER, AS_OF, ops.anonymise_case, first, "Due")
    with pytest.raises(IllegalTransition):
        run_operation(database, MANAGER, AS_OF, ops.delete_case, first, "Due")
    assert (store / kept).read_bytes() == b"letter"  # refused: the file stays
    result = run_operation(database, MANAGER, AS_OF, ops.delete_case, second, "Due").value
    assert result.files_to_remove == (gone,) and result.files_removed == 1
    assert not (store / gone).exists() and (store / kept).exists()
    purged = run_operation(database, MANAGER, AS_OF, ops.purge, "Annual").value
    assert purged.done == () and [i.case_id for i in purged.held] == [first_id]
    assert purged.files_removed == 0 and (store / kept).exists()


def test_learning_is_kept_with_the_peoples_identifiers_removed(database: Database) -> None:
    who = someone("L")

    def build(session: sa.orm.Session) -> int:
        person = add_person(session, who)
        return add_closed_case(
            session, person, learning=f"Call {who.name} back within a day ({who.email})"
        ).id

    case_id = database.write(build)
    database.write(lambda s: retention.anonymise_case(s, MANAGER, case_id, "Due", now=NOW))
    with database.session() as session:
        from crm_desktop.db.models import ActionItem

        action = session.scalars(sa.select(ActionItem.action)).one()
    assert action == f"Call {pd.REMOVED} back within a day ({pd.REMOVED})"


def test_a_person_with_another_live_case_is_unlinked_not_anonymised(database: Database) -> None:
    who = someone("C")

    def build(session: sa.orm.Session) -> tuple[int, int, int]:
        person = add_person(session, who)
        old = add_closed_case(session, person)
        live = add_closed_case(
            session, person, received=dt.date(2029, 5, 1), status=CaseStatus.OPEN
        )
        return old.id, live.id, person.id

    old_id, live_id, person_id = database.write(build)
    result = database.write(lambda s: retention.anonymise_case(s, MANAGER, old_id, "Due", now=NOW))
    assert (result.persons_anonymised, result.links_removed) == (0, 1)
    with database.session() as session:
        person = session.get(Person, person_id)
        assert person is not None and person.full_name == who.name
        links = session.scalars(
            sa.select(CaseParty.case_id).where(CaseParty.person_id == person_id)
        ).all()
        assert links == [live_id]


def test_review_lists_what_is_due_on_the_day_and_not_before(database: Database) -> None:
    def build(session: sa.orm.Session) -> dict[str, int]:
        leap = add_closed_case(
            session, add_person(session, someone("D")), closed=dt.date(2016, 2, 29)
        )
        plain = add_closed_case(session, add_person(session, someone("E")))
        add_closed_case(session, add_person(session, someone("F")), status=CaseStatus.OPEN)
        return {"leap": leap.id, "plain": plain.id}

    ids = database.write(build)
    with database.session() as session:

        def due(on: dt.date) -> list[int]:
            return [i.case_id for i in retention.retention_review(session, on)]

        assert due(dt.date(2022, 2, 27)) == []
        assert due(dt.date(2022, 2, 28)) == [ids["leap"]]  # 29 Feb + 6 years
        assert due(dt.date(2023, 6, 19)) == [ids["leap"]]
        assert due(dt.date(2023, 6, 20)) == [ids["leap"], ids["plain"]]
        item = retention.retention_review(session, dt.date(2023, 6, 20))[1]
        assert (item.due_on, item.method, item.years) == (
            dt.date(2023, 6, 20),
            RetentionMethod.ANONYMISE,
            6,
        )
    for actor in (OFFICER, INVESTIGATOR):
        with pytest.raises(PermissionRefused):
            run_operation(database, actor, AS_OF, ops.retention_review)
    assert [
        i.case_id for i in run_operation(database, MANAGER, AS_OF, ops.retention_review).value
    ] == [
        ids["leap"],
        ids["plain"],
    ]


def test_the_schedule_is_reference_data_with_per_procedure_rules(database: Database) -> None:
    case_id = database.write(lambda s: add_closed_case(s, add_person(s, someone("G"))).id)
    database.write(
        lambda s: retention.set_rule(
            s, MANAGER, RecordType.COMPLAINT, 10, RetentionMethod.DELETE, Procedure.CORPORATE
        )
    )
    with database.session() as session:
        assert retention.retention_review(session, dt.date(2027, 6, 19)) == []
        item = retention.retention_review(session, dt.date(2027, 6, 20))[0]
        assert (item.case_id, item.method, item.years) == (case_id, RetentionMethod.DELETE, 10)
        schedule = retention.rules(session)
        general = retention.rule_for(schedule, RecordType.COMPLAINT, Procedure.ADULT)
        assert (general.years, general.method) == (6, RetentionMethod.ANONYMISE)
    with pytest.raises(PermissionRefused):
        run_operation(
            database,
            OFFICER,
            AS_OF,
            ops.set_retention_rule,
            RecordType.COMPLAINT,
            1,
            RetentionMethod.DELETE,
        )
    with database.session() as session:
        assert retention.rules(session) == schedule  # unchanged


def test_a_case_on_legal_hold_survives_a_purge(database: Database) -> None:
    held_person, due_person = someone("H"), someone("I")

    def build(session: sa.orm.Session) -> tuple[int, int]:
        held = add_closed_case(session, add_person(session, held_person))
        due = add_closed_case(session, add_person(session, due_person))
        return held.id, due.id

    held_id, due_id = database.write(build)
    database.write(
        lambda s: retention.place_legal_hold(
            s, MANAGER, held_id, "Claim issued in the county court"
        )
    )
    with pytest.raises(IllegalTransition):
        database.write(lambda s: retention.anonymise_case(s, MANAGER, held_id, "Due"))
    with pytest.raises(IllegalTransition):
        database.write(lambda s: retention.delete_case(s, MANAGER, held_id, "Due"))
    with pytest.raises(IllegalTransition):  # held already
        database.write(lambda s: retention.place_legal_hold(s, MANAGER, held_id, "Again"))

    result = database.write(lambda s: retention.purge(s, MANAGER, AS_OF, "Annual purge", now=NOW))
    assert [r.case_id for r in result.done] == [due_id]
    assert [(i.case_id, i.hold_reason) for i in result.held] == [
        (held_id, "Claim issued in the county court")
    ]
    with database.session() as session:
        held = session.get(Case, held_id)
        assert held is not None and held.anonymised_at is None and held.legal_hold
        assert held_person.name in held.summary
        assert holding(session, held_person.email)
        assert holding(session, due_person.email) == []

    database.write(lambda s: retention.release_legal_hold(s, MANAGER, held_id, "Claim settled"))
    again = database.write(lambda s: retention.purge(s, MANAGER, AS_OF, "Annual purge", now=NOW))
    assert [r.case_id for r in again.done] == [held_id] and again.held == ()
    with database.session() as session:
        kinds = [e.kind for e in retention.retention_events(session, case_id=held_id)]
        assert kinds == [
            RetentionEventKind.ANONYMISED,
            RetentionEventKind.HOLD_RELEASED,
            RetentionEventKind.HOLD_PLACED,
        ]
        hold_event = session.scalars(
            sa.select(AuditEvent).where(
                AuditEvent.entity == "representation",
                AuditEvent.action == "update",
                AuditEvent.after.contains('"legal_hold"'),
            )
        ).first()
        assert hold_event is not None and hold_event.username == "manager1"


def test_deleting_a_case_removes_it_and_the_people_only_it_held(database: Database) -> None:
    who = someone("J")

    def build(session: sa.orm.Session) -> tuple[int, int, str]:
        person = add_person(session, who)
        case = add_closed_case(session, person)
        return case.id, person.id, case.reference

    case_id, person_id, reference = database.write(build)
    before = _tables(database)
    result = database.write(
        lambda s: retention.delete_case(s, MANAGER, case_id, "Duplicate record", now=NOW)
    )
    assert result.persons_deleted == 1
    assert _tables(database) != before  # a deleted case no longer counts
    with database.session() as session:
        assert session.get(Case, case_id) is None and session.get(Person, person_id) is None
        for needle in who.identifiers:
            assert holding(session, needle) == []
        event = session.scalars(sa.select(RetentionEvent)).one()
        assert (event.case_reference, event.reason) == (reference, "Duplicate record")
        assert verify_chain(session) == []
        shown = json.dumps([(h.before, h.after) for h in pd.masked_history(session, case_id)])
        assert who.name not in shown


def test_only_managers_with_a_reason_may_anonymise_and_open_cases_are_refused(
    database: Database,
) -> None:
    def build(session: sa.orm.Session) -> tuple[int, int]:
        closed = add_closed_case(session, add_person(session, someone("K")))
        live = add_closed_case(session, add_person(session, someone("M")), status=CaseStatus.OPEN)
        return closed.id, live.id

    closed_id, open_id = database.write(build)
    with database.session() as session:
        closed, still_open = (
            session.scalars(sa.select(Case.reference).where(Case.id == i)).one()
            for i in (closed_id, open_id)
        )

    def state() -> list[tuple[object, ...]]:
        with database.session() as session:
            return [
                tuple(row)
                for row in session.execute(
                    sa.select(Case.id, Case.anonymised_at, Case.legal_hold, Case.summary)
                )
            ] + [(session.scalar(sa.select(sa.func.count()).select_from(RetentionEvent)),)]

    before = state()
    for actor in (OFFICER, INVESTIGATOR):
        for op in (ops.anonymise_case, ops.delete_case, ops.place_legal_hold):
            with pytest.raises(PermissionRefused):
                run_operation(database, actor, AS_OF, op, closed, "Due")
        with pytest.raises(PermissionRefused):
            run_operation(database, actor, AS_OF, ops.purge, "Due")
    assert state() == before
    with pytest.raises(ValidationError) as no_reason:
        run_operation(database, MANAGER, AS_OF, ops.anonymise_case, closed, "  ")
    assert no_reason.value.field == "reason"
    with pytest.raises(IllegalTransition):
        run_operation(database, MANAGER, AS_OF, ops.anonymise_case, still_open, "Due")
    with pytest.raises(IllegalTransition):
        run_operation(database, MANAGER, AS_OF, ops.release_legal_hold, closed, "Not held")
    assert state() == before
    run_operation(database, MANAGER, AS_OF, ops.anonymise_case, closed.lower(), "Due")
    with pytest.raises(IllegalTransition):
        run_operation(database, MANAGER, AS_OF, ops.anonymise_case, closed, "Again")


def test_the_access_log_is_for_managers_and_is_purged_on_schedule(any_database: Database) -> None:
    """(On PostgreSQL the database's own purge deletes the entries, counted back from the
    day given or today, whichever is earlier: 2030's six years back reach 2020 either way.)"""
    database = any_database
    case_id = database.write(lambda s: add_closed_case(s, add_person(s, someone("N"))).id)
    database.write(
        lambda s: record_case_opened(s, OFFICER, case_id, now=dt.datetime(2020, 1, 2, 9, 0))
    )
    database.write(
        lambda s: record_case_opened(s, MANAGER, case_id, now=dt.datetime(2029, 1, 2, 9, 0))
    )
    with database.session() as session:
        entries = access_log(session, case_id=case_id)
        assert [(e.username, e.role) for e in entries] == [
            ("manager1", "manager"),
            ("officer1", "officer"),
        ]
        assert entries[0].reference is not None
    for actor in (OFFICER, INVESTIGATOR):
        with pytest.raises(PermissionRefused):
            run_operation(database, actor, AS_OF, ops.access_log)
    database.write(lambda s: retention.place_legal_hold(s, MANAGER, case_id, "Claim"))
    result = database.write(lambda s: retention.purge(s, MANAGER, AS_OF, "Annual", now=NOW))
    assert result.access_entries_deleted == 1
    with database.session() as session:
        assert [e.username for e in access_log(session)] == ["manager1"]


def test_every_text_column_of_the_case_tables_is_classified() -> None:
    """A new text column on a case table is a decision: keep it, scrub it or clear it."""
    unclassified = {
        table.name: sorted({c.name for c in pd.text_columns(table)} - pd.classified(table))
        for table in pd.case_tables()
    }
    assert {k: v for k, v in unclassified.items() if v} == {}


def test_migration_0003_round_trips(any_database: Database) -> None:
    engine = any_database.engine
    migrate.downgrade(engine, "0002")
    assert "retention_event" not in sa.inspect(engine).get_table_names()
    migrate.upgrade(engine)
    migrate.downgrade(engine, "0002")
    migrate.upgrade(engine)
    inspector = sa.inspect(engine)
    for table in (
        "retention_rule",
        "retention_event",
        "case_access",
        "equality_category",
        "equality_monitoring",
        "subject_access_request",
        "redaction_log",
    ):
        assert table in inspector.get_table_names()
    with any_database.session() as session:
        assert retention.rule_for(retention.rules(session), RecordType.COMPLAINT).description
        assert len(retention.rules(session)) == 4


def test_the_access_log_names_who_opened_the_case(database: Database) -> None:
    from crm_desktop.domain.access import Actor
    from crm_desktop.domain.enums import UserRole
    from crm_desktop.services.users import add_user
    from tests.factories import add_case

    def build(session: sa.orm.Session) -> int:
        add_user(
            session,
            "officer1",
            UserRole.OFFICER,
            display_name="Priya Raman",
            password="a long password",
        )
        return add_case(session).id

    case_id = database.write(build)
    database.write(lambda s: record_case_opened(s, OFFICER, case_id))
    database.write(lambda s: record_case_opened(s, Actor("gone", UserRole.OFFICER), case_id))
    with database.session() as session:
        entries = access_log(session, case_id=case_id)
    assert sorted((e.username, e.name) for e in entries) == [
        ("gone", None),  # no such account (any more): the username alone
        ("officer1", "Priya Raman"),
    ]
