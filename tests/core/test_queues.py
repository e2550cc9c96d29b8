"""Deadline queues: exact membership and order on a small database built by hand.

All counts are on Thu 28 Mar 2024, the day before Good Friday (29 Mar), with Easter
Monday on 1 Apr. Working days left from 28 Mar:
  28 Mar 0 · 29 Mar (Good Friday) 0 · 2 Apr 1 · 3 Apr 2 · 4 Apr 3 · 5 Apr 4 · 10 Apr 7
  27 Mar -1 · 26 Mar -2 · 25 Mar -3 · 20 Mar -6 · 1 Mar -19 (4-8, 11-15, 18-22, 25-28 Mar)
"Due within 3 working days" is 28 Mar up to 4 Apr, and the holidays in between.

LGSCO remedies (escalate at 75% of the working days from agreement to deadline):
- agreed 1 Mar, deadline 2 Apr: 20 working days; the 15th (75%) is 22 Mar, passed.
- agreed 20 Mar, deadline 30 Apr: 21-22 Mar (2), 25-28 (6), 2-5 Apr (10), 8-12 (15),
  15-19 (20), 22-26 (25), 29-30 (27): 27 working days; ceil(0.75 * 27) = 21st is
  Mon 22 Apr, not yet; 21 working days left (4 + 5 + 5 + 5 + 2).
- agreed 1 Mar, deadline 26 Mar: late, -2.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db.database import Database
from crm_desktop.db.models import (
    ActionItem,
    Assignment,
    Case,
    LgscoDetail,
    LgscoRemedy,
    Person,
    Stage,
    StageSuspension,
    StageTimescale,
    User,
)
from crm_desktop.domain.access import Actor
from crm_desktop.domain.calendar import england_and_wales_calendar
from crm_desktop.domain.deadlines import clock_status
from crm_desktop.domain.enums import (
    AssignmentRole,
    AssignmentStatus,
    CaseStatus,
    Kind,
    Procedure,
    StageCode,
    StageStatus,
    SuspensionReason,
    TimescaleRule,
    UserRole,
)
from crm_desktop.errors import NotFound, PermissionRefused, ValidationError
from crm_desktop.operations import Operation, deadlines, run_operation
from crm_desktop.services.queues import (
    QUEUES,
    QueueRow,
    action_items_due,
    awaiting_acknowledgement,
    awaiting_investigator,
    due_within,
    escalation_points,
    lgsco_remedies,
    my_open_cases,
    overdue,
    run_queue,
    working_days_left,
)
from tests.factories import restricted_accounts, service_area

AS_OF = date(2024, 3, 28)
_numbers = itertools.count(1)


@pytest.fixture
def db(database: Database) -> Database:
    database.write(build)
    return database


@dataclass
class Users:
    alice: int
    bob: int


def add_user(session: Session, username: str, name: str) -> int:
    user = User(username=username, display_name=name, role=UserRole.OFFICER)
    session.add(user)
    session.flush()
    return user.id


def add_case(
    session: Session,
    reference: str,
    *,
    procedure: Procedure = Procedure.CORPORATE,
    stage: StageCode = StageCode.STAGE_1,
    received_on: date = date(2024, 3, 1),
    owner_id: int | None = None,
    due_on: date | None = None,
    status: StageStatus = StageStatus.OPEN,
    acknowledge_due_on: date | None = None,
    acknowledged_on: date | None = None,
    requested_on: date | None = None,
    closed_on: date | None = None,
    case_closed: bool = False,
) -> Stage:
    case = Case(
        reference=reference,
        kind=Kind.COMPLAINT,
        procedure=procedure,
        received_on=received_on,
        owner_id=owner_id,
        status=CaseStatus.CLOSED if case_closed else CaseStatus.OPEN,
        closed_on=closed_on if case_closed else None,
    )
    session.add(case)
    session.flush()
    row = Stage(
        case_id=case.id,
        seq=1,
        stage=stage,
        status=status,
        started_on=received_on if due_on else None,
        timescale_days=20 if due_on else None,
        due_on=due_on,
        acknowledge_due_on=acknowledge_due_on,
        acknowledged_on=acknowledged_on,
        requested_on=requested_on,
        closed_on=closed_on,
    )
    session.add(row)
    session.flush()
    case.current_stage_id = row.id
    return row


def add_person(session: Session, name: str) -> int:
    person = Person(full_name=name, is_investigator=True)
    session.add(person)
    session.flush()
    return person.id


def appoint(
    session: Session, stage: Stage, person_id: int, role: AssignmentRole, status: AssignmentStatus
) -> None:
    session.add(
        Assignment(
            stage_id=stage.id,
            person_id=person_id,
            role=role,
            status=status,
            offered_on=date(2024, 3, 1),
        )
    )


def build(session: Session) -> Users:
    alice = add_user(session, "alice", "Alice Able")
    bob = add_user(session, "bob", "Bob Baker")
    # Running clocks (due soon, overdue) and acknowledgements.
    a = add_case(
        session,
        "A",
        owner_id=alice,
        due_on=date(2024, 4, 2),
        acknowledge_due_on=date(2024, 3, 6),
        acknowledged_on=date(2024, 3, 5),
    )
    add_case(
        session,
        "B",
        procedure=Procedure.CHILDREN,
        received_on=date(2024, 2, 28),
        owner_id=bob,
        due_on=date(2024, 4, 2),
        acknowledge_due_on=date(2024, 3, 4),
    )
    add_case(session, "C", owner_id=alice, due_on=AS_OF, acknowledge_due_on=date(2024, 4, 2))
    add_case(session, "D", procedure=Procedure.ADULT, stage=StageCode.LOW, due_on=date(2024, 4, 4))
    add_case(session, "E", stage=StageCode.STAGE_2, due_on=date(2024, 4, 5))
    f = add_case(session, "F", owner_id=alice, due_on=date(2024, 3, 25))
    f.extended_days = 5
    h = add_case(
        session,
        "H",
        owner_id=alice,
        due_on=date(2024, 3, 20),
        status=StageStatus.SUSPENDED,
        acknowledge_due_on=date(2024, 3, 10),
    )
    session.add(
        StageSuspension(
            stage_id=h.id, starts_on=date(2024, 3, 18), reason=SuspensionReason.COURT_PROCEEDINGS
        )
    )
    add_case(
        session,
        "I",
        owner_id=alice,
        due_on=date(2024, 3, 20),
        status=StageStatus.CLOSED,
        closed_on=date(2024, 3, 19),
        case_closed=True,
        acknowledge_due_on=date(2024, 3, 1),
    )
    add_case(session, "J", due_on=date(2024, 3, 29))  # due on Good Friday (imported)
    add_case(
        session,
        "Q",
        owner_id=alice,
        received_on=date(2024, 1, 5),
        due_on=date(2024, 2, 2),
        status=StageStatus.CLOSED,
        closed_on=date(2024, 3, 20),
    )
    # Children's Stage 2 and investigators.
    io, ip, other = (add_person(session, n) for n in ("Ida Owens", "Ian Parr", "Olive Other"))
    g = add_case(
        session,
        "G",
        procedure=Procedure.CHILDREN,
        stage=StageCode.STAGE_2,
        due_on=date(2024, 3, 27),
    )
    appoint(session, g, io, AssignmentRole.INVESTIGATING_OFFICER, AssignmentStatus.ACCEPTED)
    appoint(session, g, ip, AssignmentRole.INDEPENDENT_PERSON, AssignmentStatus.OFFERED)
    add_case(
        session,
        "K",
        procedure=Procedure.CHILDREN,
        stage=StageCode.STAGE_2,
        requested_on=date(2024, 3, 10),
    )
    k2 = add_case(
        session,
        "K2",
        procedure=Procedure.CHILDREN,
        stage=StageCode.STAGE_2,
        received_on=date(2024, 3, 20),
        requested_on=date(2024, 3, 5),
    )
    appoint(session, k2, other, AssignmentRole.INVESTIGATING_OFFICER, AssignmentStatus.DECLINED)
    appoint(session, k2, ip, AssignmentRole.INDEPENDENT_PERSON, AssignmentStatus.REPLACED)
    done = add_case(
        session,
        "L",
        procedure=Procedure.CHILDREN,
        stage=StageCode.STAGE_2,
        due_on=date(2024, 4, 10),
    )
    appoint(session, done, io, AssignmentRole.INVESTIGATING_OFFICER, AssignmentStatus.ACCEPTED)
    appoint(session, done, ip, AssignmentRole.INDEPENDENT_PERSON, AssignmentStatus.REPORT_RECEIVED)
    add_case(
        session,
        "N",
        procedure=Procedure.CHILDREN,
        stage=StageCode.STAGE_2,
        status=StageStatus.CLOSED,
        closed_on=date(2024, 3, 1),
    )
    add_case(session, "M", procedure=Procedure.ADULT, stage=StageCode.MODERATE_HIGH)
    # The Ombudsman.
    p = add_case(
        session,
        "P",
        stage=StageCode.LGSCO,
        owner_id=alice,
        received_on=date(2023, 6, 1),
    )
    session.add(LgscoDetail(stage_id=p.id))
    session.flush()
    for description, agreed, deadline, completed, owner in (
        ("Apologise in writing", date(2024, 3, 1), date(2024, 4, 2), None, bob),
        ("Pay £250", date(2024, 3, 1), date(2024, 3, 26), None, None),
        ("Review the policy", date(2024, 3, 20), date(2024, 4, 30), None, None),
        ("Train staff", date(2024, 3, 1), date(2024, 3, 20), date(2024, 3, 18), None),
    ):
        session.add(
            LgscoRemedy(
                stage_id=p.id,
                description=description,
                agreed_on=agreed,
                deadline_on=deadline,
                completed_on=completed,
                owner_id=owner,
            )
        )
    # Action-plan items.
    for case_stage, action, due, done_on in (
        (a, "Update the leaflet", date(2024, 4, 3), None),
        (f, "Remind the team", date(2024, 3, 1), None),
        (f, "Audit files", date(2024, 4, 10), None),
        (f, "Share the learning", date(2024, 3, 1), date(2024, 3, 2)),
        (f, "Some day", None, None),
    ):
        session.add(
            ActionItem(
                case_id=case_stage.case_id,
                stage_id=case_stage.id,
                action=action,
                owner="Service manager",
                due_on=due,
                done_on=done_on,
            )
        )
    session.flush()
    return Users(alice, bob)


def brief(rows: list[QueueRow]) -> list[tuple[str, date | None, int | None]]:
    return [(row.reference, row.due, row.working_days_left) for row in rows]


EXPECTED: dict[str, list[tuple[str, date | None, int | None]]] = {
    "due-soon": [
        ("C", date(2024, 3, 28), 0),
        ("J", date(2024, 3, 29), 0),
        ("B", date(2024, 4, 2), 1),  # older than A, same day
        ("A", date(2024, 4, 2), 1),
        ("D", date(2024, 4, 4), 3),
    ],
    "overdue": [
        ("F", date(2024, 3, 25), -3),
        ("G", date(2024, 3, 27), -1),
    ],
    "awaiting-acknowledgement": [
        ("B", date(2024, 3, 4), -18),
        ("H", date(2024, 3, 10), -14),  # a Sunday: counted from Fri 8 Mar
        ("C", date(2024, 4, 2), 1),
    ],
    "awaiting-investigator": [
        ("G", date(2024, 3, 27), -1),
        ("K2", None, None),  # asked for on 5 Mar
        ("K", None, None),  # asked for on 10 Mar
    ],
    "lgsco-remedies": [
        ("P", date(2024, 3, 26), -2),
        ("P", date(2024, 4, 2), 1),
        ("P", date(2024, 4, 30), 21),
    ],
    "action-items": [
        ("F", date(2024, 3, 1), -19),
        ("A", date(2024, 4, 3), 2),
    ],
    "my-open": [
        ("H", date(2024, 3, 20), None),  # suspended: the clock is not running
        ("F", date(2024, 3, 25), -3),
        ("C", date(2024, 3, 28), 0),
        ("A", date(2024, 4, 2), 1),
        ("P", None, None),  # received 2023: the oldest of those without a running clock
        ("Q", None, None),
    ],
}


def run_all(database: Database) -> dict[str, list[QueueRow]]:
    with database.session() as session:
        return {name: run_queue(session, name, AS_OF, user="alice", within=3) for name in QUEUES}


def test_working_days_left_is_signed_and_skips_holidays(db: Database) -> None:
    from crm_desktop.services.calendar_service import working_calendar

    with db.session() as session:
        cal = working_calendar(session)
    dates = [AS_OF, date(2024, 3, 29), date(2024, 4, 2), date(2024, 3, 25), None, date(2099, 1, 1)]
    assert working_days_left(cal, AS_OF, dates) == [0, 0, 1, -3, None, None]
    assert working_days_left(cal, AS_OF, []) == []


def test_due_within(db: Database) -> None:
    with db.session() as session:
        rows = due_within(session, AS_OF, 3)
        assert brief(rows) == EXPECTED["due-soon"]
        assert [r.owner for r in rows] == ["Alice Able", None, "Bob Baker", "Alice Able", None]
        assert rows[2].procedure == "children"
        assert rows[2].stage == "1"
        assert rows[0].detail == "Due today"
        assert rows[2].detail == "1 working day left"
        # 4 working days ahead reaches Fri 5 Apr (E); 0 ahead is today and Good Friday.
        assert [r.reference for r in due_within(session, AS_OF, 4)][-1] == "E"
        assert [r.reference for r in due_within(session, AS_OF, 0)] == ["C", "J"]
        assert brief(due_within(session, AS_OF, 3, limit=2)) == EXPECTED["due-soon"][:2]
        with pytest.raises(ValidationError, match="0 working days or more"):
            due_within(session, AS_OF, -1)


def test_overdue(db: Database) -> None:
    with db.session() as session:
        rows = overdue(session, AS_OF)
        assert brief(rows) == EXPECTED["overdue"]
        assert rows[0].detail == "3 working days overdue; extended by 5 working days"
        assert brief(overdue(session, AS_OF, limit=1)) == EXPECTED["overdue"][:1]
        # On Easter Saturday C (due Thu 28 Mar) is overdue though no working day has passed.
        saturday = overdue(session, date(2024, 3, 30))
        c_row = next(r for r in saturday if r.reference == "C")
        assert c_row.working_days_left == 0
        assert c_row.detail == "Overdue (due on the last working day)"
        with pytest.raises(ValidationError, match="limit must be 1 or more"):
            overdue(session, AS_OF, limit=0)
        with pytest.raises(ValidationError, match="outside the years the calendar knows"):
            overdue(session, date(2099, 1, 1))


def test_awaiting_acknowledgement(db: Database) -> None:
    with db.session() as session:
        rows = awaiting_acknowledgement(session, AS_OF)
    assert brief(rows) == EXPECTED["awaiting-acknowledgement"]
    assert rows[0].detail == "Acknowledgement 18 working days overdue"


def test_awaiting_investigator(db: Database) -> None:
    with db.session() as session:
        rows = awaiting_investigator(session, AS_OF)
    assert brief(rows) == EXPECTED["awaiting-investigator"]
    assert [r.detail for r in rows] == [
        "IP offered, no reply yet",
        "Needs an IO; Needs an IP",
        "Needs an IO; Needs an IP",
    ]


def test_lgsco_remedies(db: Database) -> None:
    with db.session() as session:
        rows = lgsco_remedies(session, AS_OF)
    assert brief(rows) == EXPECTED["lgsco-remedies"]
    assert [r.detail for r in rows] == [
        "Deadline passed: late. Pay £250",
        "75% of the time passed on 22 Mar 2024: escalate. Apologise in writing",
        "Escalate on 22 Apr 2024 (75% of the time). Review the policy",
    ]
    assert [r.owner for r in rows] == ["Alice Able", "Bob Baker", "Alice Able"]
    assert {r.stage for r in rows} == {"lgsco"}


def test_escalation_percent_comes_from_reference_data(db: Database) -> None:
    def halve(session: Session) -> None:
        rule = session.scalars(
            sa.select(StageTimescale).where(
                StageTimescale.procedure == Procedure.CORPORATE,
                StageTimescale.stage == StageCode.LGSCO,
                StageTimescale.rule == TimescaleRule.REMEDY_ESCALATION_PERCENT,
            )
        ).one()
        rule.value = 50

    db.write(halve)
    with db.session() as session:
        rows = lgsco_remedies(session, AS_OF)
    # 50% of 27 working days from 20 Mar: the 14th working day, Thu 11 Apr.
    assert rows[2].detail == "Escalate on 11 Apr 2024 (50% of the time). Review the policy"
    # 50% of 20 working days from 1 Mar: the 10th working day, Fri 15 Mar.
    assert rows[1].detail.startswith("50% of the time passed on 15 Mar 2024: escalate")


def test_escalation_points_agree_with_clock_status() -> None:
    cal = england_and_wales_calendar()
    starts, deadlines, expected = [], [], []
    as_of = date(2024, 4, 2)
    for start_offset in range(0, 40, 3):
        start = date(2024, 3, 1) + timedelta(days=start_offset)
        for length in (0, 1, 2, 3, 4, 5, 9, 20, 33):
            deadline = start + timedelta(days=length)
            status = clock_status(cal, start, deadline, as_of)
            starts.append(start)
            deadlines.append(deadline)
            expected.append((status.point_75, status.past_75))
    points = escalation_points(cal, as_of, starts, deadlines, [75] * len(starts))
    assert [(p.point, p.past) for p in points if p is not None] == expected
    assert escalation_points(cal, as_of, [date(2024, 3, 5)], [date(2024, 3, 1)], [75]) == [None]
    assert escalation_points(cal, as_of, [], [], []) == []


def test_action_items_due(db: Database) -> None:
    with db.session() as session:
        rows = action_items_due(session, AS_OF, 3)
        assert brief(rows) == EXPECTED["action-items"]
        assert rows[0].owner == "Service manager"
        assert rows[0].detail == "19 working days overdue. Remind the team"
        assert [r.reference for r in action_items_due(session, AS_OF, 10)] == ["F", "A", "F"]


def test_my_open_cases(db: Database) -> None:
    with db.session() as session:
        rows = my_open_cases(session, AS_OF, "alice")
        assert brief(rows) == EXPECTED["my-open"]
        details = {r.reference: r.detail for r in rows}
        assert details["H"] == "Clock suspended since 18 Mar 2024 (court proceedings)"
        assert details["Q"] == "Stage 1 closed on 20 Mar 2024"
        assert details["F"] == "3 working days overdue"
        assert [r.reference for r in my_open_cases(session, AS_OF, "bob")] == ["B"]
        with pytest.raises(NotFound):
            my_open_cases(session, AS_OF, "zoe")
    suspended = next(r for r in rows if r.reference == "H")
    assert (suspended.suspended_since, suspended.suspended_until) == (date(2024, 3, 18), None)
    assert all(r.suspended_since is None for r in rows if r.reference != "H")


def test_my_open_cases_hold_the_stages_i_am_to_answer(db: Database) -> None:
    """A service responder owns no case: their open work is the stages they answer."""
    from crm_desktop.domain.enums import UserRole
    from crm_desktop.services.users import add_user

    def appoint(session: Session) -> None:
        user = add_user(session, "sam", UserRole.SERVICE_RESPONDER, password="quiet orange kettle")
        case = session.scalars(sa.select(Case).where(Case.reference == "B")).one()
        stage = session.get(Stage, case.current_stage_id)
        assert stage is not None
        stage.responder_id = user.id

    db.write(appoint)
    with db.session() as session:
        assert [r.reference for r in my_open_cases(session, AS_OF, "sam")] == ["B"]
        # The owner still has it, and nobody else gains it.
        assert [r.reference for r in my_open_cases(session, AS_OF, "bob")] == ["B"]
        assert brief(my_open_cases(session, AS_OF, "alice")) == EXPECTED["my-open"]


def test_my_open_cases_say_when_a_suspended_clock_should_restart(db: Database) -> None:
    def expect(session: Session) -> None:
        row = session.scalars(
            sa.select(StageSuspension).where(StageSuspension.ends_on.is_(None))
        ).one()
        row.expected_resume_on = date(2024, 4, 12)

    db.write(expect)
    with db.session() as session:
        rows = my_open_cases(session, AS_OF, "alice")
    suspended = next(r for r in rows if r.reference == "H")
    assert suspended.suspended_since == date(2024, 3, 18)
    assert suspended.suspended_until == date(2024, 4, 12)
    assert suspended.detail == (
        "Clock suspended since 18 Mar 2024 (court proceedings), expected to restart on 12 Apr 2024"
    )


def test_registry_runs_every_queue(db: Database) -> None:
    results = run_all(db)
    assert {name: brief(rows) for name, rows in results.items()} == EXPECTED
    with db.session() as session:
        with pytest.raises(ValidationError, match="The queues are: my-open, due-soon"):
            run_queue(session, "late", AS_OF)
        with pytest.raises(ValidationError, match="needs a user name"):
            run_queue(session, "my-open", AS_OF)


@pytest.mark.postgres
def test_every_queue_on_postgresql(postgres_database: Database) -> None:
    """The same database on PostgreSQL gives the same queues (``postgres_database`` is a
    throwaway database, see tests/conftest.py)."""
    postgres_database.write(build)
    results = run_all(postgres_database)
    assert {name: brief(rows) for name, rows in results.items()} == EXPECTED


# ------------------------------------------------------------ through the operations


@dataclass
class Roles:
    alice: Actor  # an officer, who owns cases
    carer: Actor  # a service responder of Through Care (case B)
    nobody: Actor  # a service responder whose account has no service area
    investigator: Actor


def _roles(db: Database) -> Roles:
    def work(session: Session) -> Roles:
        through_care = service_area(session, Procedure.CHILDREN, "Through Care")
        case_b = session.scalars(sa.select(Case).where(Case.reference == "B")).one()
        case_b.service_area_id = through_care.id
        alice = session.scalars(sa.select(User).where(User.username == "alice")).one()
        made = restricted_accounts(session, through_care)
        return Roles(
            Actor("alice", UserRole.OFFICER, alice.id),
            made["responder"],
            made["no-area"],
            made["investigator"],
        )

    return db.write(work)


def test_queues_through_operations_show_only_the_cases_the_actor_may_see(db: Database) -> None:
    roles = _roles(db)
    everything = run_operation(db, roles.alice, AS_OF, deadlines.all_queues, within=3).value
    assert {name: brief(rows) for name, rows in everything.items()} == EXPECTED  # my-open: own
    mine = run_operation(db, roles.alice, AS_OF, deadlines.queue, "my-open").value
    assert brief(mine) == EXPECTED["my-open"]

    # A service responder: their own service area's cases only, in every queue.
    theirs = run_operation(db, roles.carer, AS_OF, deadlines.all_queues, within=3).value
    assert {name: [r.reference for r in rows] for name, rows in theirs.items()} == {
        "my-open": [],
        "due-soon": ["B"],
        "overdue": [],
        "awaiting-acknowledgement": ["B"],
        "awaiting-investigator": [],
        "lgsco-remedies": [],
        "action-items": [],
    }
    bobs = run_operation(db, roles.carer, AS_OF, deadlines.queue, "my-open", user="bob")
    assert [r.reference for r in bobs.value] == ["B"]
    alices = run_operation(db, roles.carer, AS_OF, deadlines.queue, "my-open", user="alice")
    assert alices.value == []
    stray = run_operation(db, roles.nobody, AS_OF, deadlines.all_queues, within=3).value
    assert all(rows == [] for rows in stray.values())
    figures = run_operation(db, roles.carer, AS_OF, deadlines.dashboard_figures).value
    assert (figures.open_cases, figures.due_soon, figures.awaiting_acknowledgement) == (1, 1, 1)
    ombudsman = run_operation(db, roles.carer, AS_OF, deadlines.ombudsman_work).value
    assert ombudsman.stages == () and ombudsman.remedies == ()
    everyone = run_operation(db, roles.alice, AS_OF, deadlines.ombudsman_work).value
    assert [r.reference for r in everyone.stages] == ["P"] and len(everyone.remedies) == 3


@pytest.mark.parametrize(
    "op",
    [
        deadlines.all_queues,
        deadlines.dashboard_figures,
        deadlines.dashboard_kpis,
        deadlines.ombudsman_work,
    ],
    ids=lambda op: op.name,
)
def test_an_investigator_has_no_queues(db: Database, op: Operation[..., object]) -> None:
    roles = _roles(db)
    with pytest.raises(PermissionRefused):
        run_operation(db, roles.investigator, AS_OF, op)
    for name in QUEUES:
        with pytest.raises(PermissionRefused):
            run_operation(db, roles.investigator, AS_OF, deadlines.queue, name)


def test_the_kpis_are_for_those_who_run_reports(db: Database) -> None:
    roles = _roles(db)
    with pytest.raises(PermissionRefused):
        run_operation(db, roles.carer, AS_OF, deadlines.dashboard_kpis)
    assert run_operation(db, roles.alice, AS_OF, deadlines.dashboard_kpis).value.kpis


def test_working_days_through_operations(db: Database) -> None:
    roles = _roles(db)
    assert run_operation(
        db, roles.alice, AS_OF, deadlines.add_working_days, date(2024, 3, 28), 1
    ).value == date(2024, 4, 2)
    between = run_operation(
        db, roles.carer, AS_OF, deadlines.working_days_between, date(2024, 3, 28), date(2024, 4, 2)
    )
    assert between.value == 1
    holidays = run_operation(db, roles.alice, AS_OF, deadlines.non_working_days, 2024).value
    assert (date(2024, 3, 29), "Good Friday") in holidays
    with pytest.raises(ValidationError) as refused:
        run_operation(db, roles.alice, AS_OF, deadlines.add_working_days, AS_OF, -1)
    assert refused.value.field is None
    with pytest.raises(PermissionRefused):
        run_operation(db, roles.investigator, AS_OF, deadlines.non_working_days, 2024)
