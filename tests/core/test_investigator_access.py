"""Investigators see only the cases assigned to them, and only what they need of each."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
import sqlalchemy as sa

from crm_desktop.db.database import Database
from crm_desktop.db.models import Assignment, Case
from crm_desktop.domain.access import Actor
from crm_desktop.domain.enums import AssignmentStatus, StageCode, UserRole
from crm_desktop.errors import PermissionRefused
from crm_desktop.operations import investigators as ops
from crm_desktop.operations import run_operation
from crm_desktop.operations.policy import Authoriser
from crm_desktop.services import investigators as inv
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


def _assigned(database: Database, actor: Actor) -> frozenset[int]:
    with database.session() as session:
        return Authoriser(session, actor).assigned_case_ids()


def _refused(database: Database, actor: Actor, op, *args) -> PermissionRefused:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionRefused) as refused:
        run_operation(database, actor, DAY, op, *args)
    return refused.value


def test_an_investigator_opens_their_own_case_and_no_other(
    database: Database, world: World
) -> None:
    assert _assigned(database, world.me) == {world.mine}
    assert run_operation(database, world.me, DAY, ops.my_case, world.mine).value.case_id == (
        world.mine
    )
    # Someone else's case and one that does not exist: refused alike, telling nothing.
    theirs = _refused(database, world.me, ops.my_case, world.theirs)
    missing = _refused(database, world.me, ops.my_case, 999_999)
    assert theirs.message == missing.message


def test_staff_roles_see_any_case_and_investigators_only_theirs(
    database: Database, world: World
) -> None:
    for actor in STAFF:
        with database.session() as session:
            authoriser = Authoriser(session, actor)
            assert authoriser.visible([world.theirs, world.mine]) == (
                [world.theirs, world.mine]
                if actor.role != UserRole.SERVICE_RESPONDER
                else []  # their account names no service area
            )
        assert _assigned(database, actor) == frozenset()
    with database.session() as session:
        assert Authoriser(session, world.me).visible([world.theirs, world.mine]) == [world.mine]
    for actor in (OFFICER, MANAGER, Actor("admin", UserRole.ADMIN)):
        detail = run_operation(database, actor, DAY, ops.my_case, world.theirs).value
        assert detail.assignment is None  # staff with no appointment of their own
    _refused(database, RESPONDER, ops.my_case, world.mine)  # no appointments of their own


def test_the_investigators_list_holds_only_what_they_need(database: Database, world: World) -> None:
    cases = run_operation(database, world.me, DAY, ops.my_cases).value
    with database.session() as session:
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
    detail = run_operation(database, world.me, DAY, ops.my_case, world.mine).value
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
    theirs = run_operation(database, world.colleague, DAY, ops.my_case, world.mine).value
    assert theirs.assignment is not None
    assert theirs.assignment.progress_note is not None
    assert theirs.assignment.progress_note.endswith("Private IP note")


def test_an_investigator_records_their_own_report_only(database: Database, world: World) -> None:
    before = snapshot(database, world.theirs)
    _refused(database, world.me, ops.record_report, world.their_assignment, DAY)
    _refused(database, world.me, ops.record_progress, world.their_assignment, "x", 1.0)
    assert snapshot(database, world.theirs) == before
    later = DAY + dt.timedelta(days=20)
    done = run_operation(database, world.me, later, ops.record_report, world.my_assignment, later)
    assert done.value.status == AssignmentStatus.REPORT_RECEIVED
    assert done.value.report_received_on == later
    # A report received still opens the case.
    assert run_operation(database, world.me, later, ops.my_case, world.mine).value.assignment


def test_replaced_and_declined_investigators_lose_access(database: Database, world: World) -> None:
    newcomer = pool(database, "Nat New")
    run_operation(
        database, OFFICER, DAY, ops.replace, world.my_assignment, newcomer, "Stopped at 80%"
    )
    assert _assigned(database, world.me) == frozenset()
    assert run_operation(database, world.me, DAY, ops.my_cases).value == []
    _refused(database, world.me, ops.my_case, world.mine)

    with database.session() as session:
        theirs_stage = session.scalar(
            sa.select(Assignment.stage_id).where(Assignment.id == world.their_assignment)
        )
        person_id = Authoriser(session, world.me).person_id
    assert theirs_stage is not None and person_id is not None
    # Offered a new case: they may open it to decide; declining closes it again.
    offer = run_operation(database, OFFICER, DAY, ops.offer, theirs_stage, person_id, IP).value
    assert run_operation(database, world.me, DAY, ops.my_case, world.theirs).value.assignment
    run_operation(database, world.me, DAY, ops.decline, offer.id, "Too far to travel")
    _refused(database, world.me, ops.my_case, world.theirs)


def test_an_investigator_account_without_a_pool_record_sees_nothing(database: Database) -> None:
    driver = Driver(database)
    handle = driver.create(CHILDREN)
    stray = Actor("stray", UserRole.INVESTIGATOR)  # no user row at all
    assert _assigned(database, stray) == frozenset()
    assert run_operation(database, stray, DAY, ops.my_cases).value == []
    _refused(database, stray, ops.my_case, handle.case_id)


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
    # An officer cannot be an Independent Person (reg. 2) but may be the IO: they take
    # over from the IO offered the role (a manager decides, their service not recorded).
    manager = Actor("manager", UserRole.MANAGER)
    run_operation(
        database,
        manager,
        DAY,
        ops.replace,
        world.their_assignment,
        officer_person,
        "Moved",
        override_reason="Works in another service",
    )
    assert _assigned(database, officer) == {world.theirs}
    mine = run_operation(database, officer, DAY, ops.my_cases).value
    assert [c.case_id for c in mine] == [world.theirs]
    detail = run_operation(database, officer, DAY, ops.my_case, world.mine).value  # staff: passes
    assert detail.assignment is None


def test_access_is_the_same_on_every_database(any_database: Database) -> None:
    world = build(any_database)
    assert _assigned(any_database, world.me) == {world.mine}
    run_operation(any_database, world.me, DAY, ops.my_case, world.mine)
    _refused(any_database, world.me, ops.my_case, world.theirs)
    mine = run_operation(any_database, world.me, DAY, ops.my_cases).value
    assert [c.case_id for c in mine] == [world.mine]
