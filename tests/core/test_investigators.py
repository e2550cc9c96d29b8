"""The investigator pool, eligibility over the database, suggestions, the appointment
lifecycle (with replacement keeping the history) and the costs."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import TypeVar

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db.database import Database
from crm_desktop.db.models import (
    Assignment,
    AuditEvent,
    Case,
    Person,
    ServiceArea,
    Stage,
    User,
)
from crm_desktop.domain.access import Actor
from crm_desktop.domain.appointments import LIFECYCLE, Step, next_status
from crm_desktop.domain.calendar import add_calendar_months
from crm_desktop.domain.eligibility import Eligibility
from crm_desktop.domain.enums import (
    AssignmentRole,
    AssignmentStatus,
    Kind,
    Procedure,
    StageCode,
    StageStatus,
    UserRole,
)
from crm_desktop.domain.financial_year import FinancialYear
from crm_desktop.domain.workflow import Action, State
from crm_desktop.errors import (
    ConflictError,
    IllegalTransition,
    NotFound,
    PermissionRefused,
    ValidationError,
)
from crm_desktop.operations import investigators as ops
from crm_desktop.operations import run_operation
from crm_desktop.services import investigators as inv
from crm_desktop.services.calendar_service import working_calendar
from crm_desktop.services.investigators import PoolMemberInput
from crm_desktop.services.users import add_user
from tests import factories
from tests.workflow_driver import MANAGER, OFFICER, Driver, Handle, Start, snapshot

T = TypeVar("T")

IO = AssignmentRole.INVESTIGATING_OFFICER
IP = AssignmentRole.INDEPENDENT_PERSON
MEMBER = AssignmentRole.PANEL_MEMBER
CHAIR = AssignmentRole.PANEL_CHAIR
CHILDREN = Start(Kind.COMPLAINT, Procedure.CHILDREN)
CORPORATE = Start(Kind.COMPLAINT, Procedure.CORPORATE)
ADULT_HIGH = Start(Kind.COMPLAINT, Procedure.ADULT, StageCode.MODERATE_HIGH)
RESPONDER = Actor("responder", UserRole.SERVICE_RESPONDER)
DAY = dt.date(2024, 6, 3)

TO_CHILDREN_STAGE_2 = [
    Action.RESPOND,
    Action.REQUEST_NEXT_STAGE,
    Action.ESCALATE,
    Action.ACKNOWLEDGE,
]


# ------------------------------------------------------------------------- helpers


def write(db: Database, work: Callable[[Session], T], actor: Actor = OFFICER) -> T:
    return db.write(work, actor=actor.username)


def pool(db: Database, name: str, **details: object) -> int:
    data = PoolMemberInput(full_name=name, **details)  # type: ignore[arg-type]
    return write(db, lambda s: inv.add_to_pool(s, data, OFFICER, DAY).id)


def area_id(db: Database, procedure: Procedure, name: str) -> int:
    with db.session() as session:
        return factories.service_area(session, procedure, name).id


def other_area_id(db: Database, procedure: Procedure, not_name: str) -> int:
    with db.session() as session:
        found = session.scalar(
            sa.select(ServiceArea.id)
            .where(ServiceArea.procedure == procedure, ServiceArea.name != not_name)
            .order_by(ServiceArea.id)
            .limit(1)
        )
        assert found is not None
        return found


def stage_of(db: Database, handle: Handle) -> int:
    with db.session() as session:
        case = session.get(Case, handle.case_id)
        assert case is not None and case.current_stage_id is not None
        return case.current_stage_id


def children_stage_two(driver: Driver) -> Handle:
    """A children's complaint at Stage 2, acknowledged, statement not yet agreed."""
    return driver.walk(CHILDREN, TO_CHILDREN_STAGE_2)


def quick_stage(
    db: Database,
    procedure: Procedure = Procedure.CORPORATE,
    stage: StageCode = StageCode.STAGE_2,
    area: str = "Contact Centre",
) -> tuple[int, int]:
    """A case at a stage, built directly (no workflow): (case id, stage id)."""

    def work(session: Session) -> tuple[int, int]:
        case = factories.add_case(
            session, procedure=procedure, stage=stage, area=area, received_on=dt.date(2024, 1, 8)
        )
        assert case.current_stage_id is not None
        return case.id, case.current_stage_id

    return write(db, work)


def add_row(
    db: Database, stage_id: int, person_id: int, role: AssignmentRole, **fields: object
) -> int:
    """An appointment written directly, for history the lifecycle would take long to build."""

    def work(session: Session) -> int:
        values: dict[str, object] = {"status": AssignmentStatus.ACCEPTED, "offered_on": DAY}
        values.update(fields)
        row = Assignment(stage_id=stage_id, person_id=person_id, role=role, **values)
        session.add(row)
        session.flush()
        return row.id

    return write(db, work)


def investigator_actor(db: Database, username: str, person_id: int) -> Actor:
    user = write(
        db,
        lambda s: add_user(
            s,
            username,
            UserRole.INVESTIGATOR,
            windows_account=f"council\\{username}",
            person_id=person_id,
        ),
    )
    return Actor(user.username, UserRole.INVESTIGATOR, user.id)


def rows(db: Database, stage_id: int) -> list[tuple[int, str]]:
    with db.session() as session:
        return [
            (a.person_id, a.status.value)
            for a in session.scalars(
                sa.select(Assignment).where(Assignment.stage_id == stage_id).order_by(Assignment.id)
            )
        ]


# ------------------------------------------------------------------------- the pool


def test_add_edit_and_list_the_pool(database: Database) -> None:
    other = other_area_id(database, Procedure.CHILDREN, "Through Care")
    data = PoolMemberInput(
        full_name="  Alex Reed ",
        email="alex.reed@example.org",
        is_employee=True,
        home_service_area_id=other,
        hourly_fee_pence=None,
        notes="Fostering team manager",
    )
    member = write(database, lambda s: inv.add_to_pool(s, data, OFFICER, DAY))
    assert member.full_name == "Alex Reed" and member.is_employee
    assert member.home_service_area_id == other and member.home_service_area
    assert member.open_assignments == 0

    changed = PoolMemberInput(
        full_name="Alex Reed",
        left_employment_on=DAY - dt.timedelta(days=10),
        hourly_fee_pence=5500,
        daily_fee_pence=38500,
    )
    edited = write(
        database,
        lambda s: inv.edit_pool_member(s, member.id, member.version, changed, OFFICER, DAY),
    )
    assert not edited.is_employee and edited.hourly_fee_pence == 5500
    assert edited.version == member.version + 1
    with pytest.raises(ConflictError):
        write(
            database,
            lambda s: inv.edit_pool_member(s, member.id, member.version, changed, OFFICER, DAY),
        )
    pool(database, "Bea Adams")
    with database.session() as session:
        assert [m.full_name for m in inv.list_pool(session)] == ["Alex Reed", "Bea Adams"]


@pytest.mark.parametrize(
    ("details", "message"),
    [
        ({"full_name": " "}, "Enter the person's name."),
        ({"email": "not an address"}, "is not an email address"),
        ({"hourly_fee_pence": -1}, "cannot be less than £0.00"),
        ({"daily_fee_pence": 12.5}, "whole number of pence"),
        ({"home_service_area_id": 999_999}, "no service area with id 999999"),
        (
            {"is_employee": True, "left_employment_on": DAY},
            "left the council on 3 Jun 2024: untick 'employee'",
        ),
        (
            {"left_employment_on": DAY + dt.timedelta(days=1)},
            "is still to come, so Pat is still an employee",
        ),
    ],
)
def test_pool_details_are_checked_and_nothing_is_added_on_refusal(
    database: Database, details: dict[str, object], message: str
) -> None:
    values: dict[str, object] = {"full_name": "Pat"}
    values.update(details)
    data = PoolMemberInput(**values)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=message):
        write(database, lambda s: inv.add_to_pool(s, data, OFFICER, DAY))
    with database.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Person)) == 0


def test_only_staff_manage_the_pool(database: Database) -> None:
    data = PoolMemberInput(full_name="Pat")
    pid = pool(database, "Pam Pool")
    for actor in (Actor("inv", UserRole.INVESTIGATOR), RESPONDER):
        for op, args in (
            (ops.add_to_pool, (data,)),
            (ops.set_fees, (pid, 1, None)),
            (ops.set_availability, (pid, False, None)),
            (ops.remove_from_pool, (pid,)),
            (ops.pool, ()),
            (ops.costs, ()),
        ):
            with pytest.raises(PermissionRefused):
                run_operation(database, actor, DAY, op, *args)  # type: ignore[arg-type]
    with database.session() as session:
        assert [m.full_name for m in inv.list_pool(session)] == ["Pam Pool"]
        assert inv.get_pool_member(session, pid).hourly_fee_pence is None
    added = run_operation(database, OFFICER, DAY, ops.add_to_pool, data)
    assert added.value.full_name == "Pat" and "investigator pool" in added.changes


def test_availability_and_fees(database: Database) -> None:
    pid = pool(database, "Chris Lowe")
    back = DAY + dt.timedelta(days=14)
    with pytest.raises(ValidationError, match="untick 'available' or clear the date"):
        write(database, lambda s: inv.set_availability(s, pid, True, back, OFFICER, DAY))
    member = write(database, lambda s: inv.set_availability(s, pid, False, back, OFFICER, DAY))
    assert not member.available and member.unavailable_until == back
    away = pool(database, "Dee Away", available=False)
    with database.session() as session:
        # Back on the date given; someone unticked without a date stays away.
        for day, expected in ((back - dt.timedelta(days=1), []), (back, ["Chris Lowe"])):
            free = inv.list_pool(session, available_on=day)
            assert [m.full_name for m in free] == expected
        assert {m.full_name for m in inv.list_pool(session)} == {"Chris Lowe", "Dee Away"}
        assert away not in {m.id for m in inv.list_pool(session, available_on=back)}
    member = write(database, lambda s: inv.set_fees(s, pid, 6000, None, OFFICER))
    assert member.hourly_fee_pence == 6000 and member.daily_fee_pence is None
    with pytest.raises(ValidationError, match="cannot be less than"):
        write(database, lambda s: inv.set_fees(s, pid, -5, None, OFFICER))
    with pytest.raises(ValidationError, match=r"cannot be more than £1,000,000\.00"):
        write(database, lambda s: inv.set_fees(s, pid, 10**30, None, OFFICER))
    with pytest.raises(ValidationError, match="cannot be more than"):
        write(
            database,
            lambda s: inv.add_to_pool(
                s, PoolMemberInput(full_name="Rich", daily_fee_pence=10**12), OFFICER, DAY
            ),
        )
    # Adding or editing someone is checked the same way as marking them.
    both = PoolMemberInput(full_name="Eve Both", available=True, unavailable_until=back)
    with pytest.raises(ValidationError, match="untick 'available' or clear the date") as no:
        write(database, lambda s: inv.add_to_pool(s, both, OFFICER, DAY))
    assert no.value.field == "unavailable_until"
    with database.session() as session:
        version = inv.get_pool_member(session, pid).version
    edit = PoolMemberInput(full_name="Chris Lowe", available=True, unavailable_until=back)
    with pytest.raises(ValidationError, match="untick 'available' or clear the date"):
        write(database, lambda s: inv.edit_pool_member(s, pid, version, edit, OFFICER, DAY))
    with database.session() as session:
        assert "Eve Both" not in {m.full_name for m in inv.list_pool(session)}
        kept = inv.get_pool_member(session, pid)
        assert (kept.available, kept.unavailable_until) == (False, back)


def test_removing_someone_with_open_appointments_is_refused(database: Database) -> None:
    _case_id, stage_id = quick_stage(database)
    pid = pool(database, "Dana Fox")
    write(database, lambda s: inv.offer(s, stage_id, pid, IO, OFFICER, DAY))
    with pytest.raises(ValidationError, match="has 1 open appointment: replace them"):
        write(database, lambda s: inv.remove_from_pool(s, pid, OFFICER))
    other = pool(database, "Eli Moss")
    write(database, lambda s: inv.remove_from_pool(s, other, OFFICER))
    with database.session() as session:
        assert [m.full_name for m in inv.list_pool(session)] == ["Dana Fox"]
        assert inv.current_load(session) == {pid: 1}

    def withdrawn(session: Session) -> None:
        # The complaint was withdrawn before the report came: the offer is not work in
        # hand any more, and does not keep them in the pool.
        stage = session.get(Stage, stage_id)
        assert stage is not None
        stage.status = StageStatus.CLOSED

    write(database, withdrawn)
    with database.session() as session:
        assert inv.current_load(session) == {}
    write(database, lambda s: inv.remove_from_pool(s, pid, OFFICER))


# ------------------------------------------------------------- eligibility and offers


def test_an_io_from_the_service_complained_about_is_refused_and_nothing_is_written(
    database: Database,
) -> None:
    driver = Driver(database)
    handle = children_stage_two(driver)
    stage_id = stage_of(database, handle)
    same = pool(
        database,
        "Fran Hill",
        is_employee=True,
        home_service_area_id=area_id(database, Procedure.CHILDREN, "Through Care"),
    )
    elsewhere = pool(
        database,
        "Gus Hale",
        is_employee=True,
        home_service_area_id=other_area_id(database, Procedure.CHILDREN, "Through Care"),
    )
    with database.session() as session:
        verdict = inv.eligibility(session, same, handle.case_id, IO, DAY)
        assert verdict.outcome == Eligibility.REFUSED
        assert verdict.reasons == (
            "Fran Hill works in Through Care, the service complained about.",
        )
        assert inv.eligibility(session, elsewhere, handle.case_id, IO, DAY).is_allowed
    before = snapshot(database, handle.case_id)
    with pytest.raises(ValidationError, match="Fran Hill as Investigating Officer is not allowed"):
        write(
            database, lambda s: inv.offer(s, stage_id, same, IO, MANAGER, DAY, override_reason="x")
        )
    assert snapshot(database, handle.case_id) == before
    offered = write(database, lambda s: inv.offer(s, stage_id, elsewhere, IO, OFFICER, DAY))
    assert offered.status == AssignmentStatus.OFFERED and offered.override_reason is None


def test_a_members_spouse_is_refused_as_independent_person(database: Database) -> None:
    driver = Driver(database)
    handle = children_stage_two(driver)
    stage_id = stage_of(database, handle)
    spouse = pool(database, "Hana Cole", is_partner_of_member_or_officer=True)
    before = snapshot(database, handle.case_id)
    with pytest.raises(ValidationError, match="spouse or civil partner of a member or officer"):
        write(
            database,
            lambda s: inv.offer(s, stage_id, spouse, IP, MANAGER, DAY, override_reason="x"),
        )
    assert snapshot(database, handle.case_id) == before
    # ... but may be the IO (only the IP must be independent of members and officers).
    assert write(database, lambda s: inv.offer(s, stage_id, spouse, IO, OFFICER, DAY)).id


def test_someone_with_a_staff_account_is_an_officer_whatever_the_pool_says(
    database: Database,
) -> None:
    driver = Driver(database)
    handle = children_stage_two(driver)
    officer = pool(database, "Ida Stone")  # "employee" not ticked in the pool
    investigator = pool(database, "Jo Reyes")

    def accounts(session: Session) -> None:
        for username, name, role, person in (
            ("i.stone", "Ida Stone", UserRole.OFFICER, officer),
            ("j.reyes", "Jo Reyes", UserRole.INVESTIGATOR, investigator),
        ):
            session.add(User(username=username, display_name=name, role=role, person_id=person))

    write(database, accounts)
    with database.session() as session:
        verdict = inv.eligibility(session, officer, handle.case_id, IP, DAY)
        assert verdict.outcome == Eligibility.REFUSED
        assert "Ida Stone is employed by the council" in verdict.summary()
        # An investigator's own login is not a staff account.
        assert inv.eligibility(session, investigator, handle.case_id, IP, DAY).is_allowed

    def disabled(session: Session) -> None:
        user = session.scalar(sa.select(User).where(User.username == "i.stone"))
        assert user is not None
        user.active = False

    write(database, disabled)
    with database.session() as session:
        assert inv.eligibility(session, officer, handle.case_id, IP, DAY).is_allowed


def test_a_service_responder_is_from_the_service_they_answer_for(database: Database) -> None:
    case_id, stage_id = quick_stage(database)  # corporate Stage 2, Contact Centre
    responder = pool(database, "Kim Reply")  # no home area in the pool

    def account(session: Session) -> None:
        area = session.scalar(sa.select(Case.service_area_id).where(Case.id == case_id))
        session.add(
            User(
                username="k.reply",
                display_name="Kim Reply",
                role=UserRole.SERVICE_RESPONDER,
                person_id=responder,
                service_area_id=area,
            )
        )

    write(database, account)
    with database.session() as session:
        verdict = inv.eligibility(session, responder, case_id, IO, DAY)
    answers = (
        "Kim Reply answers complaints for Contact Centre as its service responder, so is "
        "from the service complained about."
    )
    assert verdict.outcome == Eligibility.REFUSED
    assert answers in verdict.reasons

    # The pool says they come from another service: the account they answer for still
    # makes them one of the service complained about.
    def elsewhere(session: Session) -> None:
        person = session.get(Person, responder)
        assert person is not None
        person.home_service_area_id = session.scalar(
            sa.select(ServiceArea.id).where(ServiceArea.name == "Technology")
        )

    write(database, elsewhere)
    with database.session() as session:
        verdict = inv.eligibility(session, responder, case_id, IO, DAY)
    assert verdict.outcome == Eligibility.REFUSED
    assert answers in verdict.reasons
    with pytest.raises(ValidationError, match="answers complaints for Contact Centre"):
        write(database, lambda s: inv.offer(s, stage_id, responder, IO, OFFICER, DAY))


def test_someone_holding_another_role_on_the_complaint_is_refused(database: Database) -> None:
    driver = Driver(database)
    handle = children_stage_two(driver)
    stage_id = stage_of(database, handle)
    pid = pool(database, "Ivy Lane")
    write(database, lambda s: inv.offer(s, stage_id, pid, IO, OFFICER, DAY))
    with pytest.raises(
        ValidationError, match="Ivy Lane has been offered the role of the Investigating"
    ):
        write(database, lambda s: inv.offer(s, stage_id, pid, IP, OFFICER, DAY))
    assert rows(database, stage_id) == [(pid, "offered")]


def test_the_complainant_cannot_be_appointed(database: Database) -> None:
    driver = Driver(database)
    handle = children_stage_two(driver)
    stage_id = stage_of(database, handle)
    with database.session() as session:
        complainant = session.scalar(sa.select(Person).where(Person.full_name == "C. O'Neil"))
        assert complainant is not None
        complainant_id, version = complainant.id, complainant.version
    write(
        database,
        lambda s: inv.add_to_pool(s, PoolMemberInput("C. O'Neil"), OFFICER, DAY, complainant_id),
    )
    assert version >= 1
    with pytest.raises(ValidationError, match=r"C\. O'Neil is the complainant on this case"):
        write(database, lambda s: inv.offer(s, stage_id, complainant_id, IP, OFFICER, DAY))


def test_someone_not_in_the_pool_is_refused(database: Database) -> None:
    _case_id, stage_id = quick_stage(database)
    person_id = write(database, lambda s: _plain_person(s, "Jo Park"))
    with pytest.raises(ValidationError, match="Jo Park is not in the investigator pool"):
        write(database, lambda s: inv.offer(s, stage_id, person_id, IO, OFFICER, DAY))


def _plain_person(session: Session, name: str) -> int:
    person = Person(full_name=name)
    session.add(person)
    session.flush()
    return person.id


def test_a_role_the_stage_does_not_have_is_refused(database: Database) -> None:
    _case_id, stage_id = quick_stage(database, stage=StageCode.STAGE_1)
    pid = pool(database, "Kit Rowe")
    with pytest.raises(ValidationError, match="Corporate Stage 1 has no Investigating Officer"):
        write(database, lambda s: inv.offer(s, stage_id, pid, IO, OFFICER, DAY))


# ----------------------------------------------------------------------- overrides


def test_a_recent_former_employee_as_ip_is_refused_even_for_a_manager(database: Database) -> None:
    # The council's own rule (para. 51): refused, not a warning to override.
    driver = Driver(database)
    handle = children_stage_two(driver)
    stage_id = stage_of(database, handle)
    left = add_calendar_months(DAY, -12)
    pid = pool(database, "Lee Shaw", left_employment_on=left)
    partner = pool(database, "Kit Shaw", partner_left_employment_on=left)
    before = snapshot(database, handle.case_id)
    for who in (pid, partner):
        with pytest.raises(ValidationError, match="is not allowed"):
            run_operation(
                database, MANAGER, DAY, ops.offer, stage_id, who, IP, override_reason="needed"
            )
    assert snapshot(database, handle.case_id) == before
    with database.session() as session:
        verdict = inv.eligibility(session, pid, handle.case_id, IP, DAY)
        assert verdict.is_refused
        assert "left the council's employment on 3 Jun 2023" in verdict.reasons[0]
        assert inv.eligibility(session, partner, handle.case_id, IP, DAY).is_refused


def test_an_unavailable_ip_needs_a_manager_and_a_reason(database: Database) -> None:
    driver = Driver(database)
    handle = children_stage_two(driver)
    stage_id = stage_of(database, handle)
    pid = pool(database, "Lee Shaw", available=False)
    before = snapshot(database, handle.case_id)
    # Overriding the warning is a manager's decision: an officer is refused.
    with pytest.raises(PermissionRefused):
        run_operation(database, OFFICER, DAY, ops.offer, stage_id, pid, IP, override_reason="ok")
    for blank in (None, "", "   "):
        with pytest.raises(ValidationError) as refused:
            run_operation(database, MANAGER, DAY, ops.offer, stage_id, pid, IP, None, blank)
        assert refused.value.field == "override_reason"
    assert "Lee Shaw is marked as unavailable" in refused.value.message
    assert snapshot(database, handle.case_id) == before

    reason = "Left from an unrelated service (highways); no contact with children's services"
    offered = run_operation(
        database, MANAGER, DAY, ops.offer, stage_id, pid, IP, override_reason=f" {reason} "
    ).value
    assert offered.override_reason == reason
    assert offered.overridden_by == "manager"
    with database.session() as session:
        event = session.scalar(
            sa.select(AuditEvent).where(
                AuditEvent.entity == "assignment", AuditEvent.action == "create"
            )
        )
        assert event is not None and event.username == "manager"
        assert event.case_id == handle.case_id
        assert json.loads(event.after or "{}")["override_reason"] == reason


def test_exactly_three_years_after_leaving_they_are_allowed(database: Database) -> None:
    driver = Driver(database)
    handle = children_stage_two(driver)
    stage_id = stage_of(database, handle)
    day_before = pool(database, "Max Dunn", left_employment_on=dt.date(2021, 6, 4))
    on_the_day = pool(database, "Nia Dunn", left_employment_on=dt.date(2021, 6, 3))
    with database.session() as session:
        assert inv.eligibility(session, day_before, handle.case_id, IP, DAY).is_refused
        assert inv.eligibility(session, on_the_day, handle.case_id, IP, DAY).is_allowed
    offered = write(database, lambda s: inv.offer(s, stage_id, on_the_day, IP, OFFICER, DAY))
    assert offered.override_reason is None and offered.overridden_by is None


def test_an_override_reason_on_an_allowed_offer_is_not_recorded(database: Database) -> None:
    _case_id, stage_id = quick_stage(database)
    pid = pool(database, "Ola Kent")
    offered = write(
        database,
        lambda s: inv.offer(s, stage_id, pid, IO, MANAGER, DAY, override_reason="why"),
        MANAGER,
    )
    assert offered.override_reason is None and offered.overridden_by is None


# ----------------------------------------------------------------------- lifecycle


def test_children_stage_two_lifecycle_feeds_the_workflow_and_the_panel(database: Database) -> None:
    driver = Driver(database)
    handle = children_stage_two(driver)
    stage_two = stage_of(database, handle)
    io = pool(database, "Iris Owens", hourly_fee_pence=5000)
    ip = pool(database, "Ian Price", daily_fee_pence=35000)
    day = handle.tick()
    offered_io = write(database, lambda s: inv.offer(s, stage_two, io, IO, OFFICER, day))
    offered_ip = write(database, lambda s: inv.offer(s, stage_two, ip, IP, OFFICER, day))
    with database.session() as session:
        # Before the statement is agreed the stage has no due date: 25 working days.
        expected = working_calendar(session).add_working_days(day, 25)
    assert offered_io.report_due_on == expected == offered_ip.report_due_on
    assert offered_io.offered_on == day and offered_io.reference.startswith("CSC-")

    # The workflow's guard reads accepted appointments: an offer is not enough.
    with pytest.raises(ValidationError, match="Still missing: an Investigating Officer and an"):
        driver.do(handle, Action.START_INVESTIGATION, prepare=False)
    answered = handle.tick()
    accepted = write(database, lambda s: inv.accept(s, offered_io.id, OFFICER, answered))
    assert accepted.status == AssignmentStatus.ACCEPTED and accepted.responded_on == answered
    write(database, lambda s: inv.accept(s, offered_ip.id, OFFICER, answered))
    driver.do(handle, Action.START_INVESTIGATION, prepare=False)
    assert driver.state(handle) == (StageCode.STAGE_2, State.IN_PROGRESS)

    progress_day = handle.tick()
    noted = write(
        database,
        lambda s: inv.record_progress(
            s, offered_io.id, "Interviews arranged", 6, OFFICER, progress_day
        ),
    )
    assert noted.progress_note is not None and noted.progress_note.endswith(
        "(officer1): Interviews arranged"
    )
    assert noted.hours == 6.0 and noted.fee_pence == 30_000
    report_day = handle.tick()
    for aid in (offered_io.id, offered_ip.id):
        done = write(
            database, lambda s, a=aid: inv.record_report(s, a, report_day, OFFICER, report_day)
        )
        assert done.status == AssignmentStatus.REPORT_RECEIVED
        assert done.report_received_on == report_day

    # On to Stage 3: the review panel.
    for action in (Action.RESPOND, Action.REQUEST_NEXT_STAGE, Action.ESCALATE, Action.ACKNOWLEDGE):
        driver.do(handle, action)
    stage_three = stage_of(database, handle)
    day = handle.tick()
    with pytest.raises(ValidationError, match="Ian Price was the Independent Person at Stage 2"):
        write(
            database,
            lambda s: inv.offer(s, stage_three, ip, MEMBER, MANAGER, day, override_reason="x"),
            MANAGER,
        )
    with pytest.raises(ValidationError, match="Iris Owens is the Investigating Officer at Stage 2"):
        write(database, lambda s: inv.offer(s, stage_three, io, CHAIR, OFFICER, day))
    chair = pool(database, "Pam Chair")
    members = [pool(database, f"Panel Member {n}") for n in (1, 2)]
    ids = [write(database, lambda s: inv.offer(s, stage_three, chair, CHAIR, OFFICER, day)).id]
    for member in members:
        ids.append(
            write(
                database, lambda s, m=member: inv.offer(s, stage_three, m, MEMBER, OFFICER, day)
            ).id
        )
    extra = pool(database, "One Too Many")
    with pytest.raises(ValidationError, match="already has 3 members"):
        write(database, lambda s: inv.offer(s, stage_three, extra, MEMBER, OFFICER, day))
    with database.session() as session:
        stage = session.get(Stage, stage_three)
        assert stage is not None and stage.started_on is not None
        panel_due = working_calendar(session).add_working_days(stage.started_on, 30 + 5)
        assert session.get(Assignment, ids[0]).report_due_on == panel_due  # type: ignore[union-attr]
    for aid in ids:
        write(database, lambda s, a=aid: inv.accept(s, a, OFFICER, day))
    driver.do(handle, Action.HOLD_PANEL, prepare=False)
    assert driver.state(handle) == (StageCode.STAGE_3, State.PANEL_HELD)


def test_report_due_defaults_to_the_stage_due_date_when_its_clock_runs(database: Database) -> None:
    driver = Driver(database)
    handle = driver.create(ADULT_HIGH)
    stage_id = stage_of(database, handle)
    pid = pool(database, "Quin Adler")
    day = handle.tick()
    with database.session() as session:
        stage = session.get(Stage, stage_id)
        assert stage is not None and stage.due_on is not None
        due = stage.due_on
    offered = write(database, lambda s: inv.offer(s, stage_id, pid, IO, OFFICER, day))
    assert offered.report_due_on == due


def test_an_explicit_report_due_date_may_not_be_in_the_past(database: Database) -> None:
    _case_id, stage_id = quick_stage(database)
    pid = pool(database, "Sol Vance")
    with pytest.raises(ValidationError, match=r"report due date \(2 Jun 2024\) is before today"):
        write(
            database,
            lambda s: inv.offer(
                s, stage_id, pid, IO, OFFICER, DAY, report_due_on=DAY - dt.timedelta(days=1)
            ),
        )
    chosen = DAY + dt.timedelta(days=30)
    assert (
        write(
            database, lambda s: inv.offer(s, stage_id, pid, IO, OFFICER, DAY, chosen)
        ).report_due_on
        == chosen
    )


def test_a_declined_offer_keeps_its_reason_and_frees_the_place(database: Database) -> None:
    case_id, stage_id = quick_stage(database)
    first, second = pool(database, "Tess Moor"), pool(database, "Uma Reid")
    offered = write(database, lambda s: inv.offer(s, stage_id, first, IO, OFFICER, DAY))
    before = snapshot(database, case_id)
    with pytest.raises(ValidationError, match="Say why the offer was declined"):
        write(database, lambda s: inv.decline(s, offered.id, "  ", OFFICER, DAY))
    with pytest.raises(ValidationError, match="Investigating Officer: Tess Moor has been offered"):
        write(database, lambda s: inv.offer(s, stage_id, second, IO, OFFICER, DAY))
    assert snapshot(database, case_id) == before
    declined = write(
        database, lambda s: inv.decline(s, offered.id, "No capacity until July", OFFICER, DAY)
    )
    assert (
        declined.status == AssignmentStatus.DECLINED
        and declined.end_reason == "No capacity until July"
    )
    with pytest.raises(IllegalTransition):
        write(database, lambda s: inv.accept(s, offered.id, OFFICER, DAY))
    write(database, lambda s: inv.offer(s, stage_id, second, IO, OFFICER, DAY))
    assert rows(database, stage_id) == [(first, "declined"), (second, "offered")]


def test_lifecycle_refusals_change_nothing(database: Database) -> None:
    case_id, stage_id = quick_stage(database)
    pid = pool(database, "Vic Lamb")
    offered = write(database, lambda s: inv.offer(s, stage_id, pid, IO, OFFICER, DAY))
    before = snapshot(database, case_id)
    for step in (
        lambda s: inv.record_report(s, offered.id, DAY, OFFICER, DAY),
        lambda s: inv.record_progress(s, offered.id, "note", None, OFFICER, DAY),
    ):
        with pytest.raises(IllegalTransition):
            write(database, step)
    with pytest.raises(NotFound):
        write(database, lambda s: inv.accept(s, 999_999, OFFICER, DAY))
    attempts: list[tuple[Callable[[Session], object], str]] = [
        (
            lambda s: inv.accept(s, offered.id, OFFICER, DAY, on=DAY - dt.timedelta(days=1)),
            "cannot be before the offer",
        ),
        (
            lambda s: inv.accept(s, offered.id, OFFICER, DAY, on=DAY + dt.timedelta(days=1)),
            "is in the future",
        ),
        (lambda s: inv.replace(s, offered.id, pid, "ill", OFFICER, DAY), "Choose someone else"),
        (
            lambda s: inv.replace(s, offered.id, pid, " ", OFFICER, DAY),
            "Say why the person is being replaced",
        ),
        (lambda s: inv.offer(s, stage_id, pid, "chief", OFFICER, DAY), "'chief' is not a role"),
    ]
    for attempt, message in attempts:
        with pytest.raises(ValidationError, match=message):
            write(database, attempt)
    write(database, lambda s: inv.accept(s, offered.id, OFFICER, DAY))
    accepted = snapshot(database, case_id)
    later = DAY + dt.timedelta(days=5)
    for attempt, message in [
        (
            lambda s: inv.record_progress(s, offered.id, "x", -1, OFFICER, later),
            "cannot be less than 0",
        ),
        (
            lambda s: inv.record_progress(s, offered.id, " ", None, OFFICER, later),
            "Write a progress note",
        ),
        (
            # A line that would pass for a note of someone else's.
            lambda s: inv.record_progress(
                s, offered.id, "Met them\n7 Dec 2026 (manager1): fee uplift", None, OFFICER, later
            ),
            "looks like someone else's dated note",
        ),
        *(
            # ... also after a line break a screen or an export shows as one.
            (
                lambda s, b=b: inv.record_progress(
                    s, offered.id, f"Met them{b}7 Dec 2026 (manager1): uplift", None, OFFICER, later
                ),
                "looks like someone else's dated note",
            )
            for b in ("\r", "\r\n", "\u2028", "\u2029", "\x0b", "\x85")
        ),
        (
            lambda s: inv.record_report(
                s, offered.id, later + dt.timedelta(days=1), OFFICER, later
            ),
            "in the future",
        ),
        (
            lambda s: inv.record_report(s, offered.id, DAY - dt.timedelta(days=1), OFFICER, later),
            "cannot be before",
        ),
    ]:
        with pytest.raises(ValidationError, match=message):
            write(database, attempt)
    assert snapshot(database, case_id) == accepted
    assert before != accepted


def test_no_appointments_on_a_closed_stage(database: Database) -> None:
    def work(session: Session) -> int:
        case = factories.add_case(session, stage=StageCode.STAGE_2, closed_on=dt.date(2024, 2, 1))
        assert case.current_stage_id is not None
        return case.current_stage_id

    stage_id = write(database, work)
    pid = pool(database, "Wes Nash")
    with pytest.raises(IllegalTransition):
        write(database, lambda s: inv.offer(s, stage_id, pid, IO, OFFICER, DAY))


def test_an_offer_on_a_stage_that_ended_is_not_accepted_after_it_ended(
    database: Database,
) -> None:
    _case_id, stage_id = quick_stage(database)
    pid = pool(database, "Vic Dale")
    offered = write(database, lambda s: inv.offer(s, stage_id, pid, IO, OFFICER, DAY))

    def end(session: Session) -> None:
        stage = session.get(Stage, stage_id)
        assert stage is not None
        stage.status = StageStatus.CLOSED
        stage.closed_on = DAY

    write(database, end)
    later = DAY + dt.timedelta(days=3)
    with pytest.raises(IllegalTransition, match="ended on 3 Jun 2024"):
        write(database, lambda s: inv.accept(s, offered.id, OFFICER, later))
    # An answer given on or before the day it ended is still recorded as given.
    done = write(database, lambda s: inv.accept(s, offered.id, OFFICER, later, on=DAY))
    assert done.status == AssignmentStatus.ACCEPTED


def test_who_may_appoint_and_answer(database: Database) -> None:
    case_id, stage_id = quick_stage(database)
    mine, theirs = pool(database, "Xan Ford"), pool(database, "Yas Grey")
    investigator = investigator_actor(database, "xford", mine)
    before = snapshot(database, case_id)
    for actor in (investigator, RESPONDER):
        with pytest.raises(PermissionRefused):
            run_operation(database, actor, DAY, ops.offer, stage_id, mine, IO)
    assert snapshot(database, case_id) == before
    own = run_operation(database, OFFICER, DAY, ops.offer, stage_id, mine, IO).value
    _other_case, other_stage = quick_stage(database)
    other = run_operation(database, OFFICER, DAY, ops.offer, other_stage, theirs, IO).value
    for actor in (investigator, RESPONDER):
        with pytest.raises(PermissionRefused):
            run_operation(database, actor, DAY, ops.accept, other.id)
    accepted = run_operation(database, investigator, DAY, ops.accept, own.id).value
    assert accepted.status == AssignmentStatus.ACCEPTED
    noted = run_operation(
        database, investigator, DAY, ops.record_progress, own.id, "Read the file", 2.5
    ).value
    assert noted.progress_note == "3 Jun 2024 (xford): Read the file"
    with pytest.raises(PermissionRefused):
        run_operation(database, investigator, DAY, ops.replace, own.id, theirs, "x")
    with pytest.raises(PermissionRefused):
        run_operation(database, investigator, DAY, ops.case_appointments, case_id)
    staff_view = run_operation(database, OFFICER, DAY, ops.case_appointments, case_id).value
    assert [a.person_name for a in staff_view] == ["Xan Ford"]


def test_an_investigator_works_on_their_own_appointment_only(database: Database) -> None:
    """On a case assigned to them, a colleague's appointment is still not theirs."""
    case_id, stage_id = quick_stage(database, Procedure.CHILDREN, area="Through Care")
    io, ip = pool(database, "Ida Owen"), pool(database, "Ian Parr")
    investigator = investigator_actor(database, "iowen", io)
    mine = run_operation(database, OFFICER, DAY, ops.offer, stage_id, io, IO).value
    colleague = run_operation(database, OFFICER, DAY, ops.offer, stage_id, ip, IP).value
    before = snapshot(database, case_id)
    for op, args in (
        (ops.accept, (colleague.id,)),
        (ops.decline, (colleague.id, "Too busy")),
        (ops.record_report, (colleague.id, DAY)),
        (ops.record_progress, (colleague.id, "note", 1.0)),
    ):
        with pytest.raises(PermissionRefused):
            run_operation(database, investigator, DAY, op, *args)  # type: ignore[arg-type]
    assert snapshot(database, case_id) == before
    declined = run_operation(database, investigator, DAY, ops.decline, mine.id, "Too far")
    assert declined.value.status == AssignmentStatus.DECLINED
    # Declined: the case is no longer theirs, so the appointment is refused too.
    with pytest.raises(PermissionRefused):
        run_operation(database, investigator, DAY, ops.accept, mine.id)


def test_only_staff_record_the_hours_of_someone_replaced(database: Database) -> None:
    case_id, stage_id = quick_stage(database)
    first, second = pool(database, "Fay First"), pool(database, "Sam Second")
    officer_person = pool(database, "Olly Officer")
    user = write(
        database,
        lambda s: add_user(
            s,
            "oofficer",
            UserRole.OFFICER,
            windows_account="council\\oo",
            person_id=officer_person,
        ),
    )
    officer = Actor(user.username, UserRole.OFFICER, user.id)
    offered = run_operation(database, OFFICER, DAY, ops.offer, stage_id, first, IO).value
    run_operation(database, OFFICER, DAY, ops.accept, offered.id)
    run_operation(database, OFFICER, DAY, ops.replace, offered.id, second, "Unwell")
    done = run_operation(database, officer, DAY, ops.record_progress, offered.id, "Final", 9.0)
    assert done.value.hours == 9.0 and done.value.status == AssignmentStatus.REPLACED
    investigator = investigator_actor(database, "ffirst", first)
    before = snapshot(database, case_id)
    with pytest.raises(PermissionRefused):  # their case is no longer theirs
        run_operation(database, investigator, DAY, ops.record_progress, offered.id, "x", 10.0)
    assert snapshot(database, case_id) == before


# --------------------------------------------------------------------- replacement


def test_replacing_an_io_at_80_percent_keeps_the_history(database: Database) -> None:
    """Para. 37: an external IO stopped with the investigation 80% done; a new one was
    commissioned. The first IO's row, hours and fee stay."""
    driver = Driver(database)
    handle = driver.create(ADULT_HIGH)
    stage_id = stage_of(database, handle)
    first = pool(database, "Zoe Hart", hourly_fee_pence=5000)
    second = pool(database, "Amir Khan", hourly_fee_pence=6000)
    day = handle.tick()
    offered = write(database, lambda s: inv.offer(s, stage_id, first, IO, OFFICER, day))
    write(database, lambda s: inv.accept(s, offered.id, OFFICER, day))
    day = handle.tick()
    write(database, lambda s: inv.record_progress(s, offered.id, "80% complete", 28, OFFICER, day))
    day = handle.tick()
    reason = "Had to stop for health reasons with the investigation 80% complete"
    new_due = day + dt.timedelta(days=42)
    swap = write(
        database,
        lambda s: inv.replace(s, offered.id, second, reason, OFFICER, day, report_due_on=new_due),
    )
    assert swap.old.status == AssignmentStatus.REPLACED
    assert swap.old.end_reason == reason and swap.old.replaced_by_id == swap.new.id
    assert swap.old.hours == 28.0 and swap.old.fee_pence == 140_000
    assert swap.old.progress_note is not None and "80% complete" in swap.old.progress_note
    assert swap.new.status == AssignmentStatus.OFFERED and swap.new.person_id == second
    assert swap.new.report_due_on == new_due and swap.new.offered_on == day
    assert swap.new.role == IO

    with pytest.raises(IllegalTransition):
        write(database, lambda s: inv.replace(s, offered.id, second, reason, OFFICER, day))
    write(database, lambda s: inv.accept(s, swap.new.id, OFFICER, day))
    write(database, lambda s: inv.record_progress(s, swap.new.id, "Finished", 12, OFFICER, day))
    done = write(database, lambda s: inv.record_report(s, swap.new.id, day, OFFICER, day))
    assert done.status == AssignmentStatus.REPORT_RECEIVED
    # The stopped IO may record their final hours (staff do it for them).
    write(database, lambda s: inv.record_progress(s, offered.id, "Final invoice", 30, OFFICER, day))

    with database.session() as session:
        history = inv.case_assignments(session, handle.case_id)
        assert [(a.person_name, a.status) for a in history] == [
            ("Zoe Hart", AssignmentStatus.REPLACED),
            ("Amir Khan", AssignmentStatus.REPORT_RECEIVED),
        ]
        report = inv.costs(session, case_id=handle.case_id)
        assert [line.fee_pence for line in report.lines] == [150_000, 72_000]
        assert report.total_pence == 222_000 and report.total_hours == 42.0
        assert inv.current_load(session) == {}


def test_the_replacement_is_checked_like_an_offer_and_may_need_an_override(
    database: Database,
) -> None:
    driver = Driver(database)
    handle = children_stage_two(driver)
    stage_id = stage_of(database, handle)
    io = pool(database, "Bo Dale")
    ip = pool(database, "Cy Dale")
    recent = pool(database, "Di Dale", available=False)
    write(database, lambda s: inv.offer(s, stage_id, io, IO, OFFICER, DAY))
    ip_offer = write(database, lambda s: inv.offer(s, stage_id, ip, IP, OFFICER, DAY))
    before = snapshot(database, handle.case_id)
    with pytest.raises(
        ValidationError, match="Bo Dale has been offered the role of the Investigating"
    ):
        write(database, lambda s: inv.replace(s, ip_offer.id, io, "unwell", OFFICER, DAY))
    with pytest.raises(PermissionRefused):  # the override is a manager's decision
        run_operation(database, OFFICER, DAY, ops.replace, ip_offer.id, recent, "unwell")
    with pytest.raises(ValidationError) as no_reason:
        run_operation(database, MANAGER, DAY, ops.replace, ip_offer.id, recent, "unwell")
    assert no_reason.value.field == "override_reason"
    assert snapshot(database, handle.case_id) == before
    swap = run_operation(
        database,
        MANAGER,
        DAY,
        ops.replace,
        ip_offer.id,
        recent,
        "unwell",
        override_reason="Only IP free",
    ).value
    assert swap.new.override_reason == "Only IP free" and swap.new.overridden_by == "manager"
    # The replaced IP still held the role on this complaint: they cannot come back as IO.
    with database.session() as session:
        verdict = inv.eligibility(session, ip, handle.case_id, IO, DAY)
        assert verdict.is_refused
        assert "was the Independent Person at Stage 2 (since replaced)" in verdict.reasons[-1]


# --------------------------------------------------------------------- suggestions


def test_suggestions_rank_by_load_availability_and_on_time_record(database: Database) -> None:
    driver = Driver(database)
    handle = children_stage_two(driver)
    _elsewhere, other_stage = quick_stage(database)
    a = pool(database, "Ann Able")
    g = pool(database, "Gil Late")
    b = pool(database, "Ben New")
    c = pool(database, "Cat Busy")
    pool(database, "Fay Former", left_employment_on=add_calendar_months(DAY, -24))
    d = pool(database, "Dev Away", available=False)
    pool(database, "Eve Staff", is_employee=True)
    add_row(database, other_stage, a, IO, status=AssignmentStatus.REPORT_RECEIVED,
            report_due_on=dt.date(2024, 5, 1), report_received_on=dt.date(2024, 5, 1))  # fmt: skip
    add_row(database, other_stage, g, IO, status=AssignmentStatus.REPORT_RECEIVED,
            report_due_on=dt.date(2024, 5, 1), report_received_on=dt.date(2024, 5, 2))  # fmt: skip
    add_row(database, other_stage, c, IO, status=AssignmentStatus.OFFERED)
    add_row(database, other_stage, b, IO, status=AssignmentStatus.DECLINED)

    with database.session() as session:
        found = inv.suggestions(session, handle.case_id, IP, DAY)
        assert [s.name for s in found] == [
            "Ann Able",
            "Gil Late",
            "Ben New",
            "Cat Busy",
            "Dev Away",
        ]
        by_name = {s.name: s for s in found}
        assert by_name["Ann Able"].reasons == (
            "No open appointments.",
            "Available (as of 3 Jun 2024).",
            "1 of 1 reports on time (100%).",
        )
        assert by_name["Ann Able"].on_time_rate == 1.0
        assert by_name["Gil Late"].reasons[-1] == "0 of 1 reports on time (0%)."
        assert by_name["Ben New"].on_time_rate is None
        assert by_name["Ben New"].reasons[-1] == "No reports yet, so no on-time record."
        assert by_name["Cat Busy"].reasons[0] == "1 open appointment."
        # A former employee who left 2 years ago is refused as IP: never suggested.
        assert "Fay Former" not in by_name
        assert by_name["Dev Away"].reasons[0] == "Dev Away is marked as unavailable."
        assert not by_name["Dev Away"].available
        assert [
            s.person_id for s in inv.suggestions(session, handle.case_id, IP, DAY, limit=2)
        ] == [a, g]
        assert {s.person_id for s in found} == {a, g, b, c, d}
        with pytest.raises(ValidationError, match="at least one"):
            inv.suggestions(session, handle.case_id, IP, DAY, limit=0)


def test_suggestions_leave_out_the_refused(database: Database) -> None:
    driver = Driver(database)
    handle = children_stage_two(driver)
    stage_id = stage_of(database, handle)
    ok = pool(database, "Kim Free")
    write(database, lambda s: inv.offer(s, stage_id, ok, IO, OFFICER, DAY))
    with database.session() as session:
        assert inv.suggestions(session, handle.case_id, IO, DAY) == []  # the place is taken
        assert inv.suggestions(session, handle.case_id, IP, DAY) == []  # Kim is the IO


# --------------------------------------------------------------------------- costs


@pytest.mark.parametrize(
    ("hours", "hourly", "daily", "fee"),
    [
        (30, 5000, None, 150_000),
        (30, 5000, 35_000, 150_000),  # the hourly fee wins
        (14, None, 35_000, 70_000),  # 2 days
        (3.5, None, 35_000, 17_500),  # half a day
        (1, None, 1000, 143),  # 142.857... pence
        (1.5, 3333, None, 5000),  # 4999.5 pence: half a penny up
        (0.1, 3, None, 0),
        (None, 5000, None, None),
        (10, None, None, None),
    ],
)
def test_the_fee_rule(
    hours: float | None, hourly: int | None, daily: int | None, fee: int | None
) -> None:
    assert inv.fee_for(hours, hourly, daily) == fee


def test_financial_years_run_april_to_march() -> None:
    assert FinancialYear.of(dt.date(2025, 3, 31)).start_year == 2024
    assert FinancialYear.of(dt.date(2025, 4, 1)).start_year == 2025


def test_costs_per_case_and_per_financial_year(database: Database) -> None:
    case_one, stage_one = quick_stage(database)
    case_two, stage_two = quick_stage(database, Procedure.CHILDREN, area="Through Care")
    hourly = pool(database, "Hal Hourly", hourly_fee_pence=5000)
    older = pool(database, "Old Rate", hourly_fee_pence=4000)
    daily = pool(database, "Day Rate", daily_fee_pence=35_000)
    staff = pool(database, "Stu Staff", is_employee=True)
    declined = pool(database, "Dee Clined", hourly_fee_pence=9000)
    received = AssignmentStatus.REPORT_RECEIVED
    new = add_row(
        database,
        stage_one,
        hourly,
        IO,
        status=received,
        hours=30.0,
        offered_on=dt.date(2025, 2, 3),
        report_received_on=dt.date(2025, 4, 1),
    )
    add_row(
        database,
        stage_one,
        older,
        IO,
        status=AssignmentStatus.REPLACED,
        hours=10.0,
        fee_pence=40_000,
        offered_on=dt.date(2025, 1, 6),
        replaced_by_id=new,
    )
    add_row(database, stage_two, daily, IP, hours=14.0, offered_on=dt.date(2024, 4, 1))
    add_row(database, stage_two, staff, IO, hours=20.0, offered_on=dt.date(2024, 4, 1))
    add_row(database, stage_two, declined, IO, status=AssignmentStatus.DECLINED)

    with database.session() as session:
        everything = inv.costs(session)
        assert everything.total_pence == 260_000
        assert [(c.case_id, c.fee_pence) for c in everything.by_case] == [
            (case_one, 190_000),  # COR-... before CSC-...
            (case_two, 70_000),
        ]
        assert [(y.label, y.fee_pence, y.hours) for y in everything.by_year] == [
            ("2024/25", 110_000, 44.0),
            ("2025/26", 150_000, 30.0),
        ]
        lines = {line.person_name: line for line in everything.lines}
        assert "Dee Clined" not in lines
        assert lines["Old Rate"].charged_on == dt.date(2025, 2, 3)  # the replacement's offer
        assert lines["Old Rate"].basis == "fee recorded with the hours"
        assert lines["Hal Hourly"].basis == "30 hours × £50.00 an hour"
        assert lines["Day Rate"].basis == "14 hours = 2 days × £350.00 a day"
        assert lines["Stu Staff"].fee_pence == 0
        assert lines["Stu Staff"].basis == "no fee (no hourly or daily fee in the pool)"

        one_year = inv.costs(session, year=2025)
        assert [line.person_name for line in one_year.lines] == ["Hal Hourly"]
        one_case = inv.costs(session, case_id=case_two)
        assert one_case.total_pence == 70_000 and one_case.total_hours == 34.0
        assert inv.costs(session, case_id=case_two, year=2025).lines == ()


def test_a_fee_keeps_the_rate_of_the_day_its_hours_were_recorded(database: Database) -> None:
    case_id, stage_id = quick_stage(database)
    pid = pool(database, "Ray Rate", hourly_fee_pence=5000)
    offered = write(database, lambda s: inv.offer(s, stage_id, pid, IO, OFFICER, DAY))
    write(database, lambda s: inv.accept(s, offered.id, OFFICER, DAY))
    write(database, lambda s: inv.record_progress(s, offered.id, "", 3, OFFICER, DAY))
    write(database, lambda s: inv.set_fees(s, pid, 9000, None, OFFICER))
    with database.session() as session:
        assert inv.costs(session, case_id=case_id).total_pence == 15_000


# ------------------------------------------------------------------ on PostgreSQL too


def test_lifecycle_and_costs_on_every_database(any_database: Database) -> None:
    case_id, stage_id = quick_stage(any_database)
    first = pool(any_database, "Pia Post", hourly_fee_pence=4550)
    second = pool(any_database, "Gus Gres", daily_fee_pence=31_500)
    offered = write(any_database, lambda s: inv.offer(s, stage_id, first, IO, OFFICER, DAY))
    write(any_database, lambda s: inv.accept(s, offered.id, OFFICER, DAY))
    write(
        any_database, lambda s: inv.record_progress(s, offered.id, "Half way", 10.5, OFFICER, DAY)
    )
    swap = write(
        any_database, lambda s: inv.replace(s, offered.id, second, "Moved away", OFFICER, DAY)
    )
    write(any_database, lambda s: inv.accept(s, swap.new.id, OFFICER, DAY))
    write(any_database, lambda s: inv.record_progress(s, swap.new.id, "Done", 7, OFFICER, DAY))
    write(any_database, lambda s: inv.record_report(s, swap.new.id, DAY, OFFICER, DAY))
    with any_database.session() as session:
        report = inv.costs(session, case_id=case_id)
        assert [line.fee_pence for line in report.lines] == [47_775, 31_500]
        assert [(y.financial_year, y.fee_pence) for y in report.by_year] == [(2024, 79_275)]
        assert inv.current_load(session) == {}
        found = inv.suggestions(session, case_id, IO, DAY)
        assert found == []  # the stage has its IO (report received)


# ------------------------------------------------------------------ the lifecycle table


def _take(step: Step, assignment_id: int, other: int) -> Callable[[Session], object]:
    return {
        Step.ACCEPT: lambda s: inv.accept(s, assignment_id, OFFICER, DAY),
        Step.DECLINE: lambda s: inv.decline(s, assignment_id, "No time", OFFICER, DAY),
        Step.RECORD_REPORT: lambda s: inv.record_report(s, assignment_id, DAY, OFFICER, DAY),
        Step.REPLACE: lambda s: inv.replace(s, assignment_id, other, "Unwell", OFFICER, DAY),
        Step.RECORD_PROGRESS: lambda s: inv.record_progress(
            s, assignment_id, "Going well", 3.0, OFFICER, DAY
        ),
    }[step]


@pytest.mark.parametrize("status", list(AssignmentStatus), ids=lambda s: s.name.lower())
def test_every_step_in_every_status_is_as_the_lifecycle_table_says(
    database: Database, status: AssignmentStatus
) -> None:
    assert set(LIFECYCLE) == set(AssignmentStatus)
    for step in Step:
        case_id, stage_id = quick_stage(database)
        person, other = pool(database, f"{step.name} One"), pool(database, f"{step.name} Two")
        fields: dict[str, object] = {"status": status, "offered_on": DAY}
        if status == AssignmentStatus.REPORT_RECEIVED:
            fields["report_received_on"] = DAY
        assignment_id = add_row(database, stage_id, person, IO, **fields)
        target = next_status(status, step)
        before = snapshot(database, case_id)
        if target is None:
            with pytest.raises(IllegalTransition):
                write(database, _take(step, assignment_id, other))
            assert snapshot(database, case_id) == before, (status, step)
            continue
        write(database, _take(step, assignment_id, other))
        with database.session() as session:
            row = session.get(Assignment, assignment_id)
            assert row is not None and row.status == target, (status, step)


def test_the_lifecycle_table_is_the_products() -> None:
    """Offered -> accepted or declined; accepted -> report received; offered or accepted
    -> replaced. Progress is recorded without changing the status."""
    S = AssignmentStatus
    moves = {
        (status, step, target)
        for status, steps in LIFECYCLE.items()
        for step, target in steps.items()
        if target != status
    }
    assert moves == {
        (S.OFFERED, Step.ACCEPT, S.ACCEPTED),
        (S.OFFERED, Step.DECLINE, S.DECLINED),
        (S.OFFERED, Step.REPLACE, S.REPLACED),
        (S.ACCEPTED, Step.RECORD_REPORT, S.REPORT_RECEIVED),
        (S.ACCEPTED, Step.REPLACE, S.REPLACED),
    }
    stays = {status for status, steps in LIFECYCLE.items() if Step.RECORD_PROGRESS in steps}
    assert stays == {S.ACCEPTED, S.REPORT_RECEIVED, S.REPLACED}
    assert LIFECYCLE[S.DECLINED] == {}


def test_an_io_in_the_services_management_line_is_refused(any_database: Database) -> None:
    """The Investigating Officer may not be in the line management of the service
    complained about: its service area's manager, or its directorate's (para. 50)."""
    from crm_desktop.db.models import Directorate

    database = any_database
    driver = Driver(database)
    handle = children_stage_two(driver)
    through_care = area_id(database, Procedure.CHILDREN, "Through Care")
    elsewhere = other_area_id(database, Procedure.CHILDREN, "Through Care")

    def put_in_a_directorate(session: Session) -> int:
        directorate = Directorate(name="Children and Families")
        session.add(directorate)
        session.flush()
        area = session.get(ServiceArea, through_care)
        assert area is not None
        area.directorate_id = directorate.id
        return directorate.id

    directorate_id = write(database, put_in_a_directorate)
    area_manager = pool(
        database,
        "Hal Head",
        is_employee=True,
        home_service_area_id=elsewhere,
        manages_service_area_id=through_care,
    )
    director = pool(
        database,
        "Dee Rector",
        is_employee=True,
        home_service_area_id=elsewhere,
        manages_directorate_id=directorate_id,
    )
    outsider = pool(database, "Oz Side", is_employee=True, home_service_area_id=elsewhere)
    with database.session() as session:
        verdict = inv.eligibility(session, area_manager, handle.case_id, IO, DAY)
        assert verdict.is_refused
        assert "Hal Head manages Through Care, the service complained about." in verdict.reasons
        verdict = inv.eligibility(session, director, handle.case_id, IO, DAY)
        assert verdict.is_refused
        assert any("management line of the directorate" in r for r in verdict.reasons)
        assert inv.eligibility(session, outsider, handle.case_id, IO, DAY).is_allowed


def test_a_note_line_passes_for_someone_elses_note_only_with_their_name() -> None:
    from crm_desktop.domain.appointments import OTHER_LINE_BREAKS, names_another_writer

    assert names_another_writer("ok\n7 Dec 2026 (manager1): fee uplift", "i.stone")
    assert names_another_writer("12 Jan 2025 (i.ston): x", "i.stone")
    assert not names_another_writer("ok\n7 Dec 2026 (i.stone): as I said", "i.stone")
    # Dates written otherwise, or a name without its date, are plain text.
    assert not names_another_writer("07/12/2026 (manager1): agreed\n(manager1): agreed", "i.stone")
    # Every kind of line break starts a line (a line separator shows as one on screen).
    for brk in OTHER_LINE_BREAKS:
        assert names_another_writer(f"ok{brk}7 Dec 2026 (manager1): fee uplift", "i.stone")


def test_a_notes_line_breaks_are_written_as_new_lines(database: Database) -> None:
    """A note pasted from Windows (carriage returns) or typed with a line separator is
    kept with new lines, so each line shows and is checked as the line it is."""
    from crm_desktop.domain.appointments import note_lines

    assert note_lines("one\r\ntwo\rthree\u2028four") == "one\ntwo\nthree\nfour"
    _case_id, stage_id = quick_stage(database)
    offered = write(
        database, lambda s: inv.offer(s, stage_id, pool(database, "Lin Breaks"), IO, OFFICER, DAY)
    )
    write(database, lambda s: inv.accept(s, offered.id, OFFICER, DAY))
    noted = write(
        database,
        lambda s: inv.record_progress(
            s, offered.id, "Visited\r\nSpoke to staff\u2028Wrote up", None, OFFICER, DAY
        ),
    )
    assert noted.progress_note == "3 Jun 2024 (officer1): Visited\nSpoke to staff\nWrote up"
