"""The operations layer as a whole: every operation, every role, one access policy.

These tests walk the registry, so an operation added later is covered without a test
of its own: it is run as an investigator who is not assigned to the case its ids point
at (refused, nothing changed, on SQLite and PostgreSQL), and its policy check is run as
every role and compared with the policy table.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
import typing
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db.base import Base
from crm_desktop.db.database import Database
from crm_desktop.db.models import (
    ActionItem,
    Assignment,
    Attachment,
    AuditEvent,
    ComplaintPoint,
    Correspondence,
    LgscoDetail,
    LgscoPayment,
    LgscoRemedy,
    Person,
    Stage,
    User,
)
from crm_desktop.domain.access import Actor
from crm_desktop.domain.enums import (
    AssignmentRole,
    AssignmentStatus,
    Channel,
    CorrespondenceChannel,
    CorrespondenceDirection,
    Kind,
    Procedure,
    StageCode,
    UserRole,
)
from crm_desktop.errors import PermissionRefused
from crm_desktop.operations import OpContext, Operation, run_operation
from crm_desktop.operations.core import operations
from crm_desktop.operations.policy import ROLE_PERMISSIONS, Scope
from crm_desktop.services.users import add_user
from tests.factories import add_case, service_area

TODAY = dt.date(2025, 6, 2)
ID_FIELDS = {
    "case_id",
    "stage_id",
    "point_id",
    "assignment_id",
    "correspondence_id",
    "attachment_id",
    "remedy_id",
    "payment_id",
    "item_id",
}


@dataclasses.dataclass(frozen=True)
class CaseRecords:
    """One case and a record of every kind that belongs to it."""

    ids: dict[Scope, int | str]


@dataclasses.dataclass(frozen=True)
class World:
    theirs: CaseRecords  # assigned to the investigator; in the responder's service area
    other: CaseRecords  # nobody restricted may see it
    actors: dict[UserRole, Actor]


def _records(session: Session, reference: str, area_id: int, person_id: int | None) -> CaseRecords:
    case = add_case(session, reference=reference, received_on=dt.date(2025, 4, 1))
    case_id = case.id
    case.service_area_id = area_id
    stage = session.scalars(sa.select(Stage).where(Stage.case_id == case_id)).one()
    point = ComplaintPoint(case_id=case_id, seq=1, description="point")
    lgsco = Stage(case_id=case_id, seq=2, stage=StageCode.LGSCO, requested_on=TODAY)
    session.add_all([point, lgsco])
    session.flush()
    session.add(LgscoDetail(stage_id=lgsco.id))
    session.flush()
    remedy = LgscoRemedy(
        stage_id=lgsco.id, description="apology", agreed_on=TODAY, deadline_on=TODAY
    )
    session.add(remedy)
    session.flush()
    payment = LgscoPayment(stage_id=lgsco.id, remedy_id=remedy.id, amount_pence=100)
    letter = Correspondence(
        case_id=case_id,
        direction=CorrespondenceDirection.OUTGOING,
        channel=CorrespondenceChannel.LETTER,
    )
    item = ActionItem(case_id=case_id, action="train the team", owner="Head of Service")
    investigator = person_id
    if investigator is None:
        other = Person(full_name=f"Someone for {reference}", is_investigator=True)
        session.add(other)
        session.flush()
        investigator = other.id
    assignment = Assignment(
        stage_id=stage.id,
        person_id=investigator,
        role=AssignmentRole.INVESTIGATING_OFFICER,
        status=AssignmentStatus.ACCEPTED,
        offered_on=TODAY,
    )
    session.add_all([payment, letter, item, assignment])
    session.flush()
    attachment = Attachment(
        case_id=case_id,
        correspondence_id=letter.id,
        original_name="report.pdf",
        stored_name=f"stored-{reference}",
        size_bytes=1,
        sha256="0" * 64,
    )
    session.add(attachment)
    session.flush()
    return CaseRecords(
        {
            Scope.CASE: case_id,
            Scope.CASE_REFERENCE: reference,
            Scope.STAGE: stage.id,
            Scope.POINT: point.id,
            Scope.ASSIGNMENT: assignment.id,
            Scope.CORRESPONDENCE: letter.id,
            Scope.ATTACHMENT: attachment.id,
            Scope.REMEDY: remedy.id,
            Scope.PAYMENT: payment.id,
            Scope.ACTION_ITEM: item.id,
        }
    )


def build_world(database: Database) -> World:
    def build(session: Session) -> World:
        area = service_area(session, Procedure.CORPORATE, "Contact Centre")
        elsewhere = service_area(session, Procedure.CORPORATE, "Technology")
        person = Person(full_name="Ivy Investigator", is_investigator=True)
        session.add(person)
        session.flush()
        theirs = _records(session, "COR-2025-00001", area.id, person.id)
        other = _records(session, "COR-2025-00002", elsewhere.id, None)
        actors: dict[UserRole, Actor] = {}
        for role in UserRole:
            view = add_user(
                session,
                f"user-{role.name.lower()}",
                role,
                display_name=role.value,
                password="correct horse battery staple",
                person_id=person.id if role == UserRole.INVESTIGATOR else None,
            )
            user = session.get(User, view.id)
            assert user is not None
            if role == UserRole.SERVICE_RESPONDER:
                user.service_area_id = area.id
            actors[role] = Actor(user.username, role, user.id, user.display_name)
        return World(theirs, other, actors)

    return database.write(build, actor="system")


def _arguments(op: Operation[Any, Any], records: CaseRecords) -> dict[str, Any]:
    """Arguments for ``op``: the records' ids where it takes ids, None elsewhere (the
    policy check runs before anything else reads them)."""
    values: dict[str, Any] = {}
    scoped = dict(op.scoped)
    for name, parameter in list(inspect.signature(op.function).parameters.items())[1:]:
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        if name in scoped:
            values[name] = records.ids.get(scoped[name], 1)
        elif parameter.default is inspect.Parameter.empty:
            values[name] = None
    return values


def _state(database: Database) -> tuple[dict[str, int], str | None]:
    """Every table's row count and the head of the audit chain."""
    with database.session() as session:
        counts = {
            table.name: int(session.scalar(sa.select(sa.func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
        }
        head = session.scalar(sa.select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
        return counts, head


def _all_operations() -> list[Operation[Any, Any]]:
    return sorted(operations().values(), key=lambda op: op.name)


def _scoped_operations() -> list[Operation[Any, Any]]:
    return [op for op in _all_operations() if op.scoped]


@pytest.fixture(scope="module")
def scoped_ops() -> list[Operation[Any, Any]]:
    return _scoped_operations()


def test_there_are_operations_that_take_ids_of_every_kind() -> None:
    kinds = {scope for op in _scoped_operations() for _, scope in op.scoped}
    assert {Scope.CASE, Scope.STAGE, Scope.POINT, Scope.REMEDY, Scope.ACTION_ITEM} <= kinds


@pytest.fixture
def world_db(any_database: Database) -> Iterator[tuple[Database, World]]:
    yield any_database, build_world(any_database)


def test_an_investigator_is_refused_every_operation_on_a_case_not_assigned_to_them(
    world_db: tuple[Database, World],
) -> None:
    database, world = world_db
    investigator = world.actors[UserRole.INVESTIGATOR]
    before = _state(database)
    not_refused = []
    for op in _scoped_operations():
        try:
            run_operation(database, investigator, TODAY, op, **_arguments(op, world.other))
        except PermissionRefused:
            continue
        except Exception as exc:  # anything else means the body ran
            not_refused.append(f"{op.name}: {type(exc).__name__}: {exc}")
        else:
            not_refused.append(f"{op.name}: ran")
    assert not_refused == []
    assert _state(database) == before


def test_a_service_responder_is_refused_cases_of_other_service_areas(
    world_db: tuple[Database, World],
) -> None:
    database, world = world_db
    responder = world.actors[UserRole.SERVICE_RESPONDER]
    before = _state(database)
    for op in _scoped_operations():
        with pytest.raises(PermissionRefused):
            run_operation(database, responder, TODAY, op, **_arguments(op, world.other))
    assert _state(database) == before


def test_nobody_signed_in_is_refused_every_operation(database: Database) -> None:
    for op in _all_operations():
        with pytest.raises(PermissionRefused):
            run_operation(database, None, TODAY, op, **_arguments(op, CaseRecords({})))


@pytest.mark.parametrize("role", list(UserRole), ids=lambda r: r.name.lower())
def test_every_operation_checks_the_policy_table_for_every_role(
    database: Database, role: UserRole
) -> None:
    """On records the actor may see, the check refuses exactly what the table refuses."""
    world = build_world(database)
    actor = world.actors[role]
    disagreements = []
    with database.session() as session:
        for op in _all_operations():
            ctx = OpContext(session, actor, TODAY)
            expected = op.permission in ROLE_PERMISSIONS[role]
            try:
                op.check(ctx, **_arguments(op, world.theirs))
                allowed = True
            except PermissionRefused:
                allowed = False
            if allowed != expected:
                disagreements.append(f"{op.name}: table {expected}, check {allowed}")
    assert disagreements == []


def test_a_refusal_names_who_can_do_the_work() -> None:
    """A manager refused an administrator's work is not told to ask a manager."""
    from crm_desktop.domain.access import Actor
    from crm_desktop.operations.policy import Permission, require

    manager = Actor("boss", UserRole.MANAGER, 1, "Boss")
    officer = Actor("o1", UserRole.OFFICER, 2, "Officer")
    with pytest.raises(PermissionRefused, match="Ask an administrator if you need it done"):
        require(manager, Permission.MAINTAIN_DATABASE)
    with pytest.raises(PermissionRefused, match="Ask an administrator if you need it done"):
        require(officer, Permission.MAINTAIN_DATABASE)
    with pytest.raises(PermissionRefused, match="Ask a manager if you need it done"):
        require(officer, Permission.MANAGE_TEMPLATES)
    # Changing users and roles is an administrator's, a manager's refusal says so.
    for actor in (officer, manager):
        with pytest.raises(PermissionRefused, match="Ask an administrator if you need it done"):
            require(actor, Permission.MANAGE_USERS)
    # "As an investigator", not "As a investigator".
    investigator = Actor("io1", UserRole.INVESTIGATOR, 3, "Iona")
    with pytest.raises(PermissionRefused, match=r"^As an investigator you cannot "):
        require(investigator, Permission.MANAGE_USERS)
    with pytest.raises(PermissionRefused, match=r"^As a consumer relations officer you cannot"):
        require(officer, Permission.MANAGE_USERS)


def test_operations_take_record_ids_as_their_own_typed_arguments() -> None:
    """An id hidden inside an input object would escape the policy check."""
    hidden = []
    for op in _all_operations():
        hints = typing.get_type_hints(op.function)
        for name, hint in hints.items():
            if name != "return" and dataclasses.is_dataclass(hint):
                fields = {f.name for f in dataclasses.fields(hint)}
                if fields & ID_FIELDS:
                    hidden.append(f"{op.name}({name}): {sorted(fields & ID_FIELDS)}")
        unscoped = {name for name in inspect.signature(op.function).parameters} & ID_FIELDS
        unscoped -= {name for name, _ in op.scoped}
        if unscoped:
            hidden.append(f"{op.name}: untyped {sorted(unscoped)}")
    assert hidden == []


def test_every_operation_says_what_it_does() -> None:
    undocumented = [op.name for op in _all_operations() if not op.description]
    assert undocumented == []


def test_the_calendars_are_built_before_a_write_that_works_out_clocks_not_inside_it(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Building the working-day calendars takes a few tenths of a second (the bank
    holidays package loads); inside a write it would hold up every other user's saves."""
    from crm_desktop.domain import calendar as calendar_module
    from crm_desktop.operations import cases as case_ops
    from crm_desktop.services.cases import NewCase, PersonInput, PointInput

    writing = [False]
    built_while_writing: list[bool] = []
    real_write = Database._write
    real_init = calendar_module.WorkingCalendar.__init__

    def tracked_write(self: Database, *args: Any, **kwargs: Any) -> Any:
        writing[0] = True
        try:
            return real_write(self, *args, **kwargs)
        finally:
            writing[0] = False

    def tracked_init(self: calendar_module.WorkingCalendar, *args: Any, **kwargs: Any) -> None:
        built_while_writing.append(writing[0])
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(Database, "_write", tracked_write)
    monkeypatch.setattr(calendar_module.WorkingCalendar, "__init__", tracked_init)
    calendar_module.england_and_wales_calendar.cache_clear()  # as in a new program
    new = NewCase(
        kind=Kind.COMPLAINT,
        procedure=Procedure.CORPORATE,
        received_on=dt.date(2026, 12, 7),
        service_area="Contact Centre",
        directorate="COaCH",
        channel=Channel.EMAIL,
        complainant=PersonInput("Ada Example"),
        points=[PointInput("Communication")],
    )
    manager = Actor("boss", UserRole.MANAGER)
    created = run_operation(database, manager, dt.date(2026, 12, 7), case_ops.create_case, new)

    assert created.value.reference
    assert built_while_writing, "the new case's clock needs a calendar"
    assert not any(built_while_writing), "a calendar was built inside the write"
