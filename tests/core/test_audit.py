"""Every change is an append-only, hash-chained audit event, written with the change."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db.audit import verify_chain
from crm_desktop.db.database import Database
from crm_desktop.db.models import AuditEvent, Directorate, StageSuspension
from crm_desktop.domain.enums import SuspensionReason
from tests.factories import add_case


def events(db: Database, **where: object) -> list[AuditEvent]:
    with db.session() as session:
        query = sa.select(AuditEvent).order_by(AuditEvent.id)
        for key, value in where.items():
            query = query.where(getattr(AuditEvent, key) == value)
        return list(session.scalars(query))


def test_create_update_delete_are_recorded_with_who_before_and_after(
    any_database: Database,
) -> None:
    directorate_id = any_database.write(
        lambda s: _add(s, Directorate(name="Resources")), actor="manager"
    )

    def rename(session: Session) -> None:
        row = session.get(Directorate, directorate_id)
        assert row is not None
        row.name = "Resources and Finance"

    any_database.write(rename, actor="officer1")
    any_database.write(
        lambda s: s.execute(sa.delete(Directorate).where(Directorate.id == -1)), actor="x"
    )

    def remove(session: Session) -> None:
        row = session.get(Directorate, directorate_id)
        session.delete(row)

    any_database.write(remove, actor="admin")
    trail = events(any_database, entity="directorate", entity_id=str(directorate_id))
    assert [(e.action, e.username) for e in trail] == [
        ("create", "manager"),
        ("update", "officer1"),
        ("delete", "admin"),
    ]
    assert json.loads(trail[0].after or "")["name"] == "Resources"
    assert json.loads(trail[1].before or "") == {"name": "Resources", "version": 1}
    assert json.loads(trail[1].after or "") == {"name": "Resources and Finance", "version": 2}
    assert json.loads(trail[2].before or "")["name"] == "Resources and Finance"
    assert trail[2].after is None
    with any_database.session() as session:
        assert verify_chain(session) == []


def _add(session: Session, row: Directorate) -> int:
    session.add(row)
    session.flush()
    return row.id


def test_events_carry_the_case_even_for_stage_records(database: Database) -> None:
    def build(session: Session) -> tuple[int, int]:
        case = add_case(session)
        assert case.current_stage_id is not None
        import datetime as dt

        session.add(
            StageSuspension(
                stage_id=case.current_stage_id,
                starts_on=dt.date(2024, 3, 20),
                reason=SuspensionReason.AWAITING_INFORMATION,
            )
        )
        return case.id, case.current_stage_id

    case_id, _ = database.write(build, actor="officer1")
    entities = {e.entity for e in events(database, case_id=case_id)}
    assert {"representation", "stage", "stage_suspension"} <= entities


def test_a_failed_change_leaves_no_event(database: Database) -> None:
    before = len(events(database))

    def fails(session: Session) -> None:
        session.add(Directorate(name="Half done"))
        session.flush()
        raise RuntimeError("the user's change broke half-way")

    with pytest.raises(RuntimeError):
        database.write(fails, actor="officer1")
    assert len(events(database)) == before


def test_events_after_a_savepoint_rolled_back_still_chain(database: Database) -> None:
    """Several flushes in one transaction extend the chain one after another; events a
    rolled-back savepoint took back leave no gap, and the next transaction follows on."""

    def work(session: Session) -> None:
        _add(session, Directorate(name="Kept first"))
        _add(session, Directorate(name="Kept second"))
        savepoint = session.begin_nested()
        _add(session, Directorate(name="Taken back"))
        savepoint.rollback()
        _add(session, Directorate(name="Kept third"))

    database.write(work, actor="officer1")
    database.write(lambda s: _add(s, Directorate(name="Next transaction")), actor="officer1")
    names = [
        json.loads(e.after or "{}").get("name")
        for e in events(database, entity="directorate", action="create")
    ]
    assert names[-4:] == ["Kept first", "Kept second", "Kept third", "Next transaction"]
    with database.session() as session:
        assert verify_chain(session) == []
        seqs = session.scalars(sa.select(AuditEvent.chain_seq).order_by(AuditEvent.id)).all()
    assert seqs == list(range(1, len(seqs) + 1))


@pytest.mark.parametrize("tamper", ["edit", "delete", "reorder"])
def test_tampering_is_found_and_named(database: Database, tamper: str) -> None:
    for name in ("One", "Two", "Three"):
        database.write(lambda s, name=name: s.add(Directorate(name=name)), actor="officer1")
    trail = events(database, entity="directorate")[-3:]
    first, second, third = (e.id for e in trail)
    with database.engine.begin() as connection:
        if tamper == "edit":
            connection.execute(
                sa.update(AuditEvent).where(AuditEvent.id == second).values(username="someone")
            )
        elif tamper == "delete":
            connection.execute(sa.delete(AuditEvent).where(AuditEvent.id == second))
        else:
            table = AuditEvent.__table__
            rows = {
                r.id: dict(r._mapping)
                for r in connection.execute(sa.select(table).where(table.c.id.in_([second, third])))
            }
            for event_id, other in ((second, third), (third, second)):
                # Each event's content moved to the other's place in the trail.
                values = {k: v for k, v in rows[other].items() if k not in ("id", "chain_seq")}
                connection.execute(sa.update(table).where(table.c.id == event_id).values(**values))
    with database.session() as session:
        problems = verify_chain(session)
    assert problems, "tampering went unnoticed"
    expected = {"edit": second, "delete": third, "reorder": second}[tamper]
    assert problems[0].event_id == expected
    assert first not in {p.event_id for p in problems}


def test_an_event_added_outside_the_program_is_found_wherever_it_stands(
    database: Database,
) -> None:
    """Two ways an event written straight into a SQLite file went unchecked: with no
    place in the chain (the walk read only the placed ones), and sharing a place with
    the event that holds it, at the end of a page the walk reads (it read each page from
    the place after the last one read). Each is now named, and the events around it are
    not blamed."""
    from crm_desktop.db.audit import NO_PLACE_PROBLEM, SHARED_PLACE_PROBLEM, event_hash

    for name in ("One", "Two", "Three", "Four"):
        database.write(lambda s, name=name: s.add(Directorate(name=name)), actor="officer1")
    table = AuditEvent.__table__
    with database.engine.begin() as connection:
        last = connection.execute(sa.select(sa.func.max(table.c.id))).scalar_one()
        head = dict(
            connection.execute(sa.select(table).order_by(table.c.chain_seq.desc()).limit(1))
            .mappings()
            .one()
        )
        # Forged events with no place at all, or one the program never gives ...
        for offset, place in ((1, None), (3, 0), (4, -1)):
            unplaced = {**head, "id": last + offset, "chain_seq": place, "username": "manager1"}
            connection.execute(sa.insert(table).values(**unplaced))
        # ... and one correctly chained to the event before the third-last, in its place
        # (the program's unique index on the place dropped first).
        connection.exec_driver_sql("DROP INDEX IF EXISTS ix_audit_event_chain_seq")
        held = dict(
            connection.execute(sa.select(table).where(table.c.chain_seq == head["chain_seq"] - 2))
            .mappings()
            .one()
        )
        forged = {**held, "id": last + 2, "username": "manager1", "after": '{"name": "X"}'}
        forged["hash"] = event_hash(forged["prev_hash"], forged)
        connection.execute(sa.insert(table).values(**forged))
    for batch in (5000, int(held["chain_seq"]), 2):  # the shared place ends a page, or not
        with database.session() as session:
            problems = verify_chain(session, batch=batch)
        assert [(p.event_id, p.problem) for p in problems] == [
            (last + 1, NO_PLACE_PROBLEM),
            (last + 2, SHARED_PLACE_PROBLEM),
            (last + 3, NO_PLACE_PROBLEM),
            (last + 4, NO_PLACE_PROBLEM),
        ], batch


def test_a_copy_of_the_first_event_under_an_id_below_1_is_found(database: Database) -> None:
    """SQLite takes ids of 0 and below: a forged copy of the first event under one, with
    the place's unique index dropped, was skipped by the walk's first page."""
    from crm_desktop.db.audit import SHARED_PLACE_PROBLEM, event_hash

    database.write(lambda s: s.add(Directorate(name="One")), actor="officer1")
    table = AuditEvent.__table__
    with database.engine.begin() as connection:
        connection.exec_driver_sql("DROP INDEX IF EXISTS ix_audit_event_chain_seq")
        first = dict(
            connection.execute(sa.select(table).where(table.c.chain_seq == 1)).mappings().one()
        )
        for forged_id in (0, -7):
            forged = {**first, "id": forged_id, "username": "manager1"}
            forged["hash"] = event_hash(forged["prev_hash"], forged)
            connection.execute(sa.insert(table).values(**forged))
    for batch in (5000, 1, 2):
        with database.session() as session:
            problems = verify_chain(session, batch=batch)
        # The walk takes the lowest id at a place as the one that holds it; each other
        # event there is named, and the trail does not read as intact.
        shared = {p.event_id for p in problems if p.problem == SHARED_PLACE_PROBLEM}
        assert shared == {0, first["id"]}, (batch, problems)
