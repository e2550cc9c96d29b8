"""Investigators see only the cases assigned to them, and only what they need of each."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db.database import Database
from crm_desktop.db.models import Assignment, Case
from crm_desktop.domain.access import Actor
from crm_desktop.domain.enums import AssignmentStatus, StageCode, UserRole
from crm_desktop.errors import UserFacingError
from crm_desktop.services import access
from crm_desktop.services import investigators as inv
from crm_desktop.services.access import NOT_ASSIGNED, AccessRefused
from crm_desktop.services.users import add_user
from tests.core.test_investigators import (
    CHILDREN,
    DAY,
    IO,
    IP,
    RESPONDER,
    TO_CHILDREN_STAGE_2,
    investigator_actor,
    pool,
    stage_of,
    write,
)
from tests.workflow_driver import MANAGER, OFFICER, Driver, snapshot

STAFF = (OFFICER, MANAGER, RESPONDER, Actor("admin", UserRole.ADMIN))


@dataclasses.dataclass
class World:
    mine: int  # case assigned to the investigator (as IO)
    theirs: int  # case assigned to someone else
    me: Actor
    colleague: Actor
    my_assignment: int
    their_assignment: int


def build(db: Database) -> World:
    driver = Driver(db)
    mine = driver.walk(CHILDREN, TO_CHILDREN_STAGE_2)
    theirs = driver.walk(CHILDREN, TO_CHILDREN_STAGE_2)
    me_id = pool(db, "Ira Vance", hourly_fee_pence=5000)
    ip_id = pool(db, "Pru Dent")
    other_id = pool(db, "Oli Other")
    me = investigator_actor(db, "ivance", me_id)
    colleague = investigator_actor(db, "pdent", ip_id)
    stage_mine, stage_theirs = stage_of(db, mine), stage_of(db, theirs)
    my_offer = write(db, lambda s: inv.offer(s, stage_mine, me_id, IO, OFFICER, DAY))
    ip_offer = write(db, lambda s: inv.offer(s, stage_mine, ip_id, IP, OFFICER, DAY))
    their_offer = write(db, lambda s: inv.offer(s, stage_theirs, other_id, IO, OFFICER, DAY))
    write(db, lambda s: inv.accept(s, my_offer.id, me, DAY), me)
    write(db, lambda s: inv.accept(s, ip_offer.id, colleague, DAY), colleague)
    write(
        db,
        lambda s: inv.record_progress(s, ip_offer.id, "Private IP note", 3, colleague, DAY),
        colleague,
    )
    return World(mine.case_id, theirs.case_id, me, colleague, my_offer.id, their_offer.id)


@pytest.fixture
def world(database: Database) -> World:
    return build(database)


def test_an_investigator_opens_their_own_case_and_no_other(
    database: Database, world: World
) -> None:
    with database.session() as session:
        assert access.assigned_case_ids(session, world.me) == {world.mine}
        access.require_case_access(session, world.me, world.mine)
        for other in (world.theirs, 999_999):  # someone else's, and one that does not exist
            with pytest.raises(AccessRefused) as refused:
                access.require_case_access(session, world.me, other)
            assert refused.value.message == "You can only open the cases assigned to you."
            assert isinstance(refused.value, UserFacingError)
            with pytest.raises(AccessRefused, match=NOT_ASSIGNED):
                access.investigator_case_detail(session, world.me, other)


def test_staff_roles_pass(database: Database, world: World) -> None:
    with database.session() as session:
        for actor in STAFF:
            for case_id in (world.mine, world.theirs):
                access.require_case_access(session, actor, case_id)
            access.require_staff(actor)
            assert access.assigned_case_ids(session, actor) == frozenset()
        assert access.filter_assigned(session, OFFICER, [world.theirs, world.mine]) == [
            world.theirs,
            world.mine,
        ]
        assert access.filter_assigned(session, world.me, [world.theirs, world.mine]) == [world.mine]
        with pytest.raises(AccessRefused, match="own cases in their workspace only"):
            access.require_staff(world.me)


def test_the_investigators_list_holds_only_what_they_need(database: Database, world: World) -> None:
    with database.session() as session:
        cases = access.investigator_cases(session, world.me)
        reference = session.get(Case, world.mine).reference  # type: ignore[union-attr]
    assert len(cases) == 1
    (row,) = cases
    assert row.case_id == world.mine and row.reference == reference
    assert row.stage == StageCode.STAGE_2 and row.stage_label == "Stage 2"
    assert row.role == IO and row.role_label == "Investigating Officer"
    assert row.status == AssignmentStatus.ACCEPTED
    assert row.report_due_on is not None and row.report_due_on > DAY
    fields = {f.name for f in dataclasses.fields(row)}
    assert not fields & {"complainant_name", "email", "phone", "address", "summary", "notes"}


def test_the_case_detail_has_no_complainant_details_nor_other_peoples_notes(
    database: Database, world: World
) -> None:
    with database.session() as session:
        detail = access.investigator_case_detail(session, world.me, world.mine)
    assert detail.summary == "Test case"
    assert [(p.seq, p.nature) for p in detail.points] == [
        (1, "Decision Making"),
        (2, "Staff Attitude / Behaviour"),
    ]
    assert detail.service_area == "Through Care" and detail.stage == StageCode.STAGE_2
    assert detail.assignment is not None and detail.assignment.id == world.my_assignment
    assert detail.assignment.role == IO and detail.assignment.status == AssignmentStatus.ACCEPTED
    assert detail.colleagues == (("Pru Dent", "Independent Person"),)
    shown = repr(detail)
    for secret in ("O'Neil", "example.org", "Private IP note"):
        assert secret not in shown
    # The colleague sees their own note.
    with database.session() as session:
        theirs = access.investigator_case_detail(session, world.colleague, world.mine)
    assert theirs.assignment is not None
    assert theirs.assignment.progress_note is not None
    assert theirs.assignment.progress_note.endswith("Private IP note")


def test_an_investigator_records_their_own_report_only(database: Database, world: World) -> None:
    before = snapshot(database, world.theirs)
    with pytest.raises(AccessRefused, match="only work on your own appointments"):
        write(
            database,
            lambda s: access.record_report(s, world.me, world.their_assignment, DAY, DAY),
            world.me,
        )
    with pytest.raises(AccessRefused):
        write(
            database,
            lambda s: inv.record_progress(s, world.their_assignment, "x", 1, world.me, DAY),
            world.me,
        )
    assert snapshot(database, world.theirs) == before
    later = DAY + dt.timedelta(days=20)
    done = write(
        database,
        lambda s: access.record_report(s, world.me, world.my_assignment, later, later),
        world.me,
    )
    assert done.status == AssignmentStatus.REPORT_RECEIVED and done.report_received_on == later
    with database.session() as session:  # a report received still opens the case
        access.require_case_access(session, world.me, world.mine)


def test_replaced_and_declined_investigators_lose_access(database: Database, world: World) -> None:
    newcomer = pool(database, "Nat New")
    write(
        database,
        lambda s: inv.replace(s, world.my_assignment, newcomer, "Stopped at 80%", OFFICER, DAY),
    )
    with database.session() as session:
        assert access.assigned_case_ids(session, world.me) == frozenset()
        assert access.investigator_cases(session, world.me) == []
        with pytest.raises(AccessRefused):
            access.require_case_access(session, world.me, world.mine)

    def stage_id(session: Session) -> int:
        found = session.scalar(
            sa.select(Assignment.stage_id).where(Assignment.id == world.their_assignment)
        )
        assert found is not None
        return found

    with database.session() as session:
        theirs_stage = stage_id(session)
    # Offered a new case: they may open it to decide; declining closes it again.
    offer = write(
        database, lambda s: inv.offer(s, theirs_stage, _pid(s, world.me), IP, OFFICER, DAY)
    )
    with database.session() as session:
        access.require_case_access(session, world.me, world.theirs)
    write(
        database, lambda s: inv.decline(s, offer.id, "Too far to travel", world.me, DAY), world.me
    )
    with database.session() as session, pytest.raises(AccessRefused):
        access.require_case_access(session, world.me, world.theirs)


def _pid(session: Session, actor: Actor) -> int:
    found = access.actor_person_id(session, actor)
    assert found is not None
    return found


def test_an_investigator_account_without_a_pool_record_sees_nothing(database: Database) -> None:
    driver = Driver(database)
    handle = driver.create(CHILDREN)
    stray = Actor("stray", UserRole.INVESTIGATOR)  # no user row at all
    with database.session() as session:
        assert access.assigned_case_ids(session, stray) == frozenset()
        assert access.investigator_cases(session, stray) == []
        with pytest.raises(AccessRefused):
            access.require_case_access(session, stray, handle.case_id)


def test_staff_who_also_investigate_see_their_appointments(
    database: Database, world: World
) -> None:
    officer_person = pool(database, "Owen Officer")
    user = write(
        database,
        lambda s: add_user(
            s, "oofficer", UserRole.OFFICER, windows_account="council\\oo", person_id=officer_person
        ),
    )
    officer = Actor("oofficer", UserRole.OFFICER, user.id)
    with database.session() as session:
        stage = session.scalar(
            sa.select(Assignment.stage_id).where(Assignment.id == world.their_assignment)
        )
        assert stage is not None
    write(database, lambda s: inv.offer(s, stage, officer_person, IP, OFFICER, DAY))
    with database.session() as session:
        assert access.assigned_case_ids(session, officer) == {world.theirs}
        assert [c.case_id for c in access.investigator_cases(session, officer)] == [world.theirs]
        detail = access.investigator_case_detail(session, officer, world.mine)  # staff: passes
        assert detail.assignment is None


def test_access_is_the_same_on_every_database(any_database: Database) -> None:
    world = build(any_database)
    with any_database.session() as session:
        assert access.assigned_case_ids(session, world.me) == {world.mine}
        access.require_case_access(session, world.me, world.mine)
        with pytest.raises(AccessRefused, match=NOT_ASSIGNED):
            access.require_case_access(session, world.me, world.theirs)
        assert [c.case_id for c in access.investigator_cases(session, world.me)] == [world.mine]
        with pytest.raises(AccessRefused):
            access.investigator_case_detail(session, world.me, world.theirs)
