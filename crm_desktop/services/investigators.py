"""Investigating Officers, Independent Persons and review panels: the pool, eligibility,
suggestions, the appointment lifecycle and the costs.

Every function takes the session of the caller's write (or read) transaction, checks its
input completely and raises a typed error (:class:`ValidationError` for bad input,
:class:`NotFound`, :class:`IllegalTransition` for a step the lifecycle does not allow)
with a plain message *before* it changes anything, and returns plain data.
``Database.write`` records every change in the audit trail.

**Who may do what** is the access policy's (:mod:`crm_desktop.operations.investigators`
applies it): officers and managers manage the pool and make, record and replace
appointments; overriding an eligibility warning is a manager's decision, with a reason
recorded here; an investigator works only on their own appointments.

**Lifecycle** (the table :data:`crm_desktop.domain.appointments.LIFECYCLE` allows or
refuses each step). :func:`offer` creates an appointment (status ``offered``); the person
:func:`accept`\\ s or :func:`decline`\\ s it; :func:`record_progress` keeps a dated progress
note and the hours worked so far; :func:`record_report` closes it (``report received``).
:func:`replace` ends an offered or accepted appointment (status ``replaced``, the reason
in ``end_reason``, ``replaced_by_id`` pointing at the new one) and offers the role to
someone else, keeping the history: the investigator who stopped at 80% (para. 37) keeps
their row, hours and fee.

**Report due date** (:func:`default_report_due`), when the officer gives none:

- IO and IP: the stage's due date, when its clock is running (adult Moderate/High risk,
  corporate Stage 2, children's Stage 2 once the statement of complaint is agreed);
  otherwise (children's Stage 2 before the statement is agreed) the stage's timescale
  from the reference data (25 working days by default) after the day of the offer.
- Review panel: the panel meeting and panel report timescales added (30 + 5 working days
  by default) after the day Stage 3 was requested (the panel report is due then).
- Anything without a timescale: :data:`DEFAULT_REPORT_WORKING_DAYS` working days after
  the offer.

**Fees** (:func:`fee_for`): hours worked × the hourly fee, when the person has one;
otherwise days worked × the daily fee, a day being :data:`HOURS_PER_DAY` hours and part
days paid pro rata; rounded to the nearest penny (half a penny up). No fee recorded: no
cost (an employee's time). The fee is worked out and stored on the appointment
(``fee_pence``) when its hours are recorded, at the rates of that day; :func:`costs` uses
the stored fee, and works one out from the current rates only for appointments that have
hours but no stored fee (imported ones).

**Financial year of a cost:** 1 April to 31 March (``2023`` is 2023/24), of the day the
work ended: the report received date; for a replaced person the day their replacement
was offered; for work still going on, the day of the offer.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from crm_desktop.contact import check_email
from crm_desktop.db.models import (
    Assignment,
    Case,
    CaseParty,
    Person,
    ServiceArea,
    Stage,
    User,
)
from crm_desktop.domain import eligibility as rules
from crm_desktop.domain.access import Actor
from crm_desktop.domain.appointments import (
    HOURS_PER_DAY,
    LIFECYCLE,
    MAX_HOURS,
    Step,
    names_another_writer,
    next_status,
    note_lines,
)
from crm_desktop.domain.eligibility import (
    HELD_STATUSES,
    PANEL_ROLES,
    CandidateFacts,
    CaseFacts,
    Eligibility,
    HeldRole,
    Verdict,
    role_label,
)
from crm_desktop.domain.enums import (
    AssignmentRole,
    AssignmentStatus,
    CaseStatus,
    PartyRole,
    Procedure,
    StageCode,
    StageStatus,
    UserRole,
)
from crm_desktop.domain.financial_year import FinancialYear
from crm_desktop.domain.formatting import format_date
from crm_desktop.domain.money import format_money
from crm_desktop.errors import IllegalTransition, NotFound, ValidationError
from crm_desktop.services.calendar_service import timescales, working_calendar
from crm_desktop.services.reference_admin import ServiceAreaRow, list_service_areas

__all__ = [
    "DEFAULT_REPORT_WORKING_DAYS",
    "HOURS_PER_DAY",
    "AppointmentChoices",
    "AssignmentView",
    "Candidate",
    "CaseCost",
    "CostLine",
    "CostReport",
    "PoolMember",
    "PoolMemberInput",
    "Replacement",
    "Suggestion",
    "YearCost",
    "accept",
    "add_to_pool",
    "appointment_choices",
    "appointment_status",
    "appointment_verdict",
    "case_assignments",
    "case_of_appointment",
    "costs",
    "current_load",
    "decline",
    "default_report_due",
    "edit_pool_member",
    "eligibility",
    "fee_for",
    "get_pool_member",
    "list_pool",
    "offer",
    "pool_areas",
    "record_progress",
    "record_report",
    "remove_from_pool",
    "replace",
    "replacement_verdict",
    "set_availability",
    "set_fees",
    "suggestions",
]

DEFAULT_REPORT_WORKING_DAYS = 25
OPEN_STATUSES = (AssignmentStatus.OFFERED, AssignmentStatus.ACCEPTED)


# --------------------------------------------------------------------------- views


@dataclass(frozen=True)
class PoolMemberInput:
    """A pool member's details as entered; fees in pence (None: no fee)."""

    full_name: str
    title: str | None = None
    email: str | None = None
    phone: str | None = None
    address: str | None = None
    postcode: str | None = None
    is_employee: bool = False
    home_service_area_id: int | None = None
    left_employment_on: dt.date | None = None
    is_elected_member: bool = False
    is_partner_of_member_or_officer: bool = False
    available: bool = True
    unavailable_until: dt.date | None = None
    daily_fee_pence: int | None = None
    hourly_fee_pence: int | None = None
    notes: str | None = None
    # The spouse or civil partner of a former employee: the day that partner left.
    partner_left_employment_on: dt.date | None = None
    # Their place in a service's management line (an IO may not investigate it).
    manages_directorate_id: int | None = None
    manages_service_area_id: int | None = None


@dataclass(frozen=True)
class PoolMember:
    id: int
    version: int
    full_name: str
    title: str | None
    email: str | None
    phone: str | None
    address: str | None
    postcode: str | None
    is_employee: bool
    home_service_area_id: int | None
    home_service_area: str | None
    left_employment_on: dt.date | None
    is_elected_member: bool
    is_partner_of_member_or_officer: bool
    available: bool
    unavailable_until: dt.date | None
    daily_fee_pence: int | None
    hourly_fee_pence: int | None
    notes: str | None
    open_assignments: int  # offered or accepted: their current load
    reports_on_time: int = 0  # reports received by their due date ...
    reports_completed: int = 0  # ... of all their reports received with a due date
    partner_left_employment_on: dt.date | None = None
    manages_directorate_id: int | None = None
    manages_service_area_id: int | None = None


@dataclass(frozen=True)
class AssignmentView:
    id: int
    version: int
    case_id: int
    reference: str
    stage_id: int
    stage: StageCode
    person_id: int
    person_name: str
    role: AssignmentRole
    status: AssignmentStatus
    offered_on: dt.date
    responded_on: dt.date | None
    report_due_on: dt.date | None
    report_received_on: dt.date | None
    replaced_by_id: int | None
    end_reason: str | None
    override_reason: str | None
    overridden_by: str | None
    hours: float | None
    fee_pence: int | None
    progress_note: str | None

    @property
    def role_label(self) -> str:
        return role_label(self.role)


@dataclass(frozen=True)
class Replacement:
    old: AssignmentView  # status replaced, with end_reason and replaced_by_id
    new: AssignmentView  # offered to the new person


@dataclass(frozen=True)
class Suggestion:
    """An eligible person for a role, with why they rank where they do."""

    person_id: int
    name: str
    verdict: Verdict
    open_assignments: int
    available: bool
    reports_on_time: int
    reports_completed: int
    reasons: tuple[str, ...]

    @property
    def on_time_rate(self) -> float | None:
        """Share of their reports received on or before the due date (None: no history)."""
        if self.reports_completed == 0:
            return None
        return self.reports_on_time / self.reports_completed


@dataclass(frozen=True)
class CostLine:
    assignment_id: int
    case_id: int
    reference: str
    person_id: int
    person_name: str
    role: AssignmentRole
    status: AssignmentStatus
    hours: float | None
    fee_pence: int  # 0 when there is no fee
    basis: str  # how the fee was worked out, in words
    financial_year: int  # 2023 means 2023/24
    charged_on: dt.date


@dataclass(frozen=True)
class CaseCost:
    case_id: int
    reference: str
    hours: float
    fee_pence: int


@dataclass(frozen=True)
class YearCost:
    financial_year: int
    hours: float
    fee_pence: int

    @property
    def label(self) -> str:
        return f"{self.financial_year}/{(self.financial_year + 1) % 100:02d}"


@dataclass(frozen=True)
class CostReport:
    lines: tuple[CostLine, ...]
    by_case: tuple[CaseCost, ...]
    by_year: tuple[YearCost, ...]
    total_pence: int
    total_hours: float


# --------------------------------------------------------------------------- helpers


def _text(value: str | None) -> str | None:
    return (value or "").strip() or None


def _person(session: Session, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound("That person is no longer recorded; they may have been removed.")
    return person


def _pool_person(session: Session, person_id: int) -> Person:
    person = _person(session, person_id)
    if not person.is_investigator:
        raise ValidationError(f"{person.full_name} is not in the investigator pool.", "person")
    return person


def _check_version(person: Person, expected_version: int | None) -> None:
    person.check_version(expected_version, f"{person.full_name}'s pool record")


def _check_not_future(on: dt.date, today: dt.date, what: str, field: str) -> None:
    if on > today:
        raise ValidationError(
            f"The {what} ({format_date(on)}) is in the future. Enter the date it happened.",
            field,
        )


def _area_names(session: Session) -> dict[int, str]:
    return {i: n for i, n in session.execute(sa.select(ServiceArea.id, ServiceArea.name))}


def current_load(session: Session) -> dict[int, int]:
    """Open appointments (offered or accepted, on a stage still open) per person id;
    people with none are absent. An appointment on a stage that has ended (answered,
    withdrawn, discontinued) is no longer work in hand, report received or not."""
    rows = session.execute(
        sa.select(Assignment.person_id, sa.func.count())
        .join(Stage, Stage.id == Assignment.stage_id)
        .where(Assignment.status.in_(OPEN_STATUSES), Stage.status != StageStatus.CLOSED)
        .group_by(Assignment.person_id)
    )
    return {person_id: int(count) for person_id, count in rows}


def _member(
    person: Person,
    areas: dict[int, str],
    load: dict[int, int],
    on_time: dict[int, tuple[int, int]],
) -> PoolMember:
    good, total = on_time.get(person.id, (0, 0))
    return PoolMember(
        id=person.id,
        version=person.version,
        full_name=person.full_name,
        title=person.title,
        email=person.email,
        phone=person.phone,
        address=person.address,
        postcode=person.postcode,
        is_employee=person.is_employee,
        home_service_area_id=person.home_service_area_id,
        home_service_area=(
            areas.get(person.home_service_area_id) if person.home_service_area_id else None
        ),
        left_employment_on=person.left_employment_on,
        is_elected_member=person.is_elected_member,
        is_partner_of_member_or_officer=person.is_partner_of_member_or_officer,
        available=person.available,
        unavailable_until=person.unavailable_until,
        daily_fee_pence=person.daily_fee_pence,
        hourly_fee_pence=person.hourly_fee_pence,
        notes=person.notes,
        open_assignments=load.get(person.id, 0),
        reports_on_time=good,
        reports_completed=total,
        partner_left_employment_on=person.partner_left_employment_on,
        manages_directorate_id=person.manages_directorate_id,
        manages_service_area_id=person.manages_service_area_id,
    )


def _member_view(session: Session, person: Person) -> PoolMember:
    session.flush()
    return _member(person, _area_names(session), current_load(session), _on_time(session))


# --------------------------------------------------------------------------- the pool


# A fee an hour or a day no investigator charges (and far inside what the database's
# columns hold).
MAX_FEE_PENCE = 100_000_000


def _check_fee(value: int | None, what: str, field: str) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"The {what} must be a whole number of pence.", field)
    if value < 0:
        raise ValidationError(f"The {what} cannot be less than £0.00.", field)
    if value > MAX_FEE_PENCE:
        raise ValidationError(
            f"The {what} cannot be more than {format_money(MAX_FEE_PENCE)}. Check the amount.",
            field,
        )


def _check_input(session: Session, data: PoolMemberInput, today: dt.date) -> None:
    if not data.full_name.strip():
        raise ValidationError("Enter the person's name.", "full_name")
    email = _text(data.email)
    if email is not None:
        check_email(email, "email")
    if data.home_service_area_id is not None and (
        session.get(ServiceArea, data.home_service_area_id) is None
    ):
        raise ValidationError(
            f"There is no service area with id {data.home_service_area_id}.",
            "home_service_area_id",
        )
    left = data.left_employment_on
    if data.is_employee and left is not None and left <= today:
        raise ValidationError(
            f"{data.full_name.strip()} left the council on {format_date(left)}: untick "
            "'employee', or correct the leaving date.",
            "left_employment_on",
        )
    if not data.is_employee and left is not None and left > today:
        raise ValidationError(
            f"The leaving date ({format_date(left)}) is still to come, so "
            f"{data.full_name.strip()} is still an employee: tick 'employee'.",
            "is_employee",
        )
    _check_availability(data.available, data.unavailable_until, today)
    _check_fee(data.daily_fee_pence, "daily fee", "daily_fee_pence")
    _check_fee(data.hourly_fee_pence, "hourly fee", "hourly_fee_pence")


def _check_availability(available: bool, until: dt.date | None, today: dt.date) -> None:
    """Available, or unavailable until a day to come: not both."""
    if available and until is not None and until > today:
        raise ValidationError(
            f"Marked available but unavailable until {format_date(until)}: "
            "untick 'available' or clear the date.",
            "unavailable_until",
        )


def _apply(person: Person, data: PoolMemberInput, actor: Actor) -> None:
    person.full_name = data.full_name.strip()
    person.title = _text(data.title)
    person.email = _text(data.email)
    person.phone = _text(data.phone)
    person.address = _text(data.address)
    person.postcode = (_text(data.postcode) or "").upper() or None
    person.is_investigator = True
    person.is_employee = data.is_employee
    person.home_service_area_id = data.home_service_area_id
    person.left_employment_on = data.left_employment_on
    person.is_elected_member = data.is_elected_member
    person.is_partner_of_member_or_officer = data.is_partner_of_member_or_officer
    person.partner_left_employment_on = data.partner_left_employment_on
    person.manages_directorate_id = data.manages_directorate_id
    person.manages_service_area_id = data.manages_service_area_id
    person.available = data.available
    person.unavailable_until = data.unavailable_until
    person.daily_fee_pence = data.daily_fee_pence
    person.hourly_fee_pence = data.hourly_fee_pence
    person.notes = _text(data.notes)
    person.updated_by = actor.username


def add_to_pool(
    session: Session,
    data: PoolMemberInput,
    actor: Actor,
    today: dt.date,
    person_id: int | None = None,
) -> PoolMember:
    """Add someone to the pool: a new person, or (``person_id``) one already recorded,
    for example a member of staff, whose details are then replaced by ``data``."""
    _check_input(session, data, today)
    if person_id is not None:
        person = _person(session, person_id)
        if person.anonymised_at is not None:
            raise ValidationError("This person's record has been anonymised.", "person")
        if person.is_investigator:
            raise ValidationError(f"{person.full_name} is already in the pool.", "person")
    else:
        person = Person(full_name=data.full_name.strip())
        session.add(person)
    _apply(person, data, actor)
    return _member_view(session, person)


def edit_pool_member(
    session: Session,
    person_id: int,
    expected_version: int,
    data: PoolMemberInput,
    actor: Actor,
    today: dt.date,
) -> PoolMember:
    """Change a pool member's details (all of them, as on the form)."""
    person = _pool_person(session, person_id)
    _check_version(person, expected_version)
    _check_input(session, data, today)
    _apply(person, data, actor)
    return _member_view(session, person)


def remove_from_pool(session: Session, person_id: int, actor: Actor) -> None:
    """Take someone out of the pool; refused while they have open appointments.

    Their record and past appointments stay (the history and the costs need them).
    """
    person = _pool_person(session, person_id)
    open_count = current_load(session).get(person.id, 0)
    if open_count:
        noun = "appointment" if open_count == 1 else "appointments"
        raise ValidationError(
            f"{person.full_name} has {open_count} open {noun}: replace them there first."
        )
    person.is_investigator = False
    person.updated_by = actor.username
    session.flush()


def set_availability(
    session: Session,
    person_id: int,
    available: bool,
    unavailable_until: dt.date | None,
    actor: Actor,
    today: dt.date,
) -> PoolMember:
    """Mark someone available or not. ``unavailable_until`` is the day they are back
    (no warning from that day); with ``available`` off and no date, until further notice."""
    person = _pool_person(session, person_id)
    _check_availability(available, unavailable_until, today)
    person.available = available
    person.unavailable_until = unavailable_until
    person.updated_by = actor.username
    return _member_view(session, person)


def set_fees(
    session: Session,
    person_id: int,
    hourly_fee_pence: int | None,
    daily_fee_pence: int | None,
    actor: Actor,
) -> PoolMember:
    """Set someone's fees (pence; None: no fee). Fees already worked out stay as they were."""
    _check_fee(hourly_fee_pence, "hourly fee", "hourly_fee_pence")
    _check_fee(daily_fee_pence, "daily fee", "daily_fee_pence")
    person = _pool_person(session, person_id)
    person.hourly_fee_pence = hourly_fee_pence
    person.daily_fee_pence = daily_fee_pence
    person.updated_by = actor.username
    return _member_view(session, person)


def list_pool(session: Session, *, available_on: dt.date | None = None) -> list[PoolMember]:
    """Everyone in the pool, by name, with their current load; with ``available_on``,
    only those free for new appointments that day (:func:`rules.is_available`)."""
    query = sa.select(Person).where(
        Person.is_investigator.is_(True), Person.anonymised_at.is_(None)
    )
    if available_on is not None:
        query = query.where(
            sa.or_(
                Person.unavailable_until <= available_on,
                sa.and_(Person.unavailable_until.is_(None), Person.available.is_(True)),
            )
        )
    areas, load, on_time = _area_names(session), current_load(session), _on_time(session)
    people = session.scalars(query.order_by(Person.full_name, Person.id))
    return [_member(p, areas, load, on_time) for p in people]


def get_pool_member(session: Session, person_id: int) -> PoolMember:
    return _member_view(session, _pool_person(session, person_id))


def pool_areas(session: Session) -> list[ServiceAreaRow]:
    """The service areas a pool member's home service area is chosen from."""
    return list_service_areas(session)


# --------------------------------------------------------------------------- facts


def _service_directorate(session: Session, case: Case) -> int | None:
    """The directorate whose management line the service complained about sits in: its
    service area's directorate, else the case's own."""
    if case.service_area_id is not None:
        found = session.scalar(
            sa.select(ServiceArea.directorate_id).where(ServiceArea.id == case.service_area_id)
        )
        if found is not None:
            return int(found)
    return case.directorate_id


def _staff_people(session: Session) -> dict[int, int | None]:
    """People with an active staff account (officer, service responder, manager or
    administrator), with the service area a responder answers for: officers of the
    council, whether or not "employee" is ticked."""
    rows = session.execute(
        sa.select(User.person_id, User.service_area_id).where(
            User.person_id.is_not(None),
            User.active.is_(True),
            User.role != UserRole.INVESTIGATOR,
        )
    )
    staff: dict[int, int | None] = {}
    for person_id, area_id in rows:
        if person_id is not None:
            staff[person_id] = staff.get(person_id) or area_id
    return staff


def _candidate(
    person: Person, areas: dict[int, str], staff: Mapping[int, int | None]
) -> CandidateFacts:
    # A service responder works in the area they answer for, where the pool has none.
    home = person.home_service_area_id or staff.get(person.id)
    return CandidateFacts(
        person_id=person.id,
        name=person.full_name,
        email=person.email,
        in_pool=person.is_investigator and person.anonymised_at is None,
        is_employee=person.is_employee or person.id in staff,
        on_staff=person.id in staff,
        home_service_area_id=home,
        home_service_area_name=areas.get(home) if home else None,
        answers_for_service_area_id=staff.get(person.id),
        left_employment_on=person.left_employment_on,
        is_elected_member=person.is_elected_member,
        is_partner_of_member_or_officer=person.is_partner_of_member_or_officer,
        partner_left_employment_on=person.partner_left_employment_on,
        manages_directorate_id=person.manages_directorate_id,
        manages_service_area_id=person.manages_service_area_id,
        available=person.available,
        unavailable_until=person.unavailable_until,
    )


def _case_facts(
    session: Session,
    case: Case,
    stage: Stage,
    areas: dict[int, str],
    ending: int | None = None,
) -> CaseFacts:
    """The complaint's facts for appointing to ``stage``; ``ending`` is an appointment
    about to be replaced, counted as replaced already."""
    rows = session.execute(
        sa.select(
            Assignment.id,
            Assignment.person_id,
            Person.full_name,
            Assignment.role,
            Assignment.status,
            Stage.id,
            Stage.stage,
        )
        .join(Stage, Stage.id == Assignment.stage_id)
        .join(Person, Person.id == Assignment.person_id)
        .where(Stage.case_id == case.id, Assignment.status.in_(HELD_STATUSES))
        .order_by(Stage.seq, Assignment.id)
    ).all()
    held = tuple(
        HeldRole(
            person_id=person_id,
            name=name,
            role=AssignmentRole(role),
            status=AssignmentStatus.REPLACED if row_id == ending else AssignmentStatus(status),
            stage_id=stage_id,
            stage=StageCode(code),
        )
        for row_id, person_id, name, role, status, stage_id, code in rows
    )
    parties = tuple(
        rules.CaseParty(person_id, PartyRole(role), name, email)
        for person_id, role, name, email in session.execute(
            sa.select(CaseParty.person_id, CaseParty.role, Person.full_name, Person.email)
            .join(Person, Person.id == CaseParty.person_id)
            .where(CaseParty.case_id == case.id)
        )
    )
    return CaseFacts(
        procedure=Procedure(case.procedure),
        stage=StageCode(stage.stage),
        stage_id=stage.id,
        reference=case.reference,
        service_area_id=case.service_area_id,
        service_area_name=areas.get(case.service_area_id) if case.service_area_id else None,
        directorate_id=_service_directorate(session, case),
        held=held,
        parties=parties,
        stage_two_ip_ids=frozenset(
            h.person_id
            for h in held
            if h.role == AssignmentRole.INDEPENDENT_PERSON and h.stage == StageCode.STAGE_2
        ),
    )


def _case_and_stage(session: Session, case_id: int, stage_id: int | None) -> tuple[Case, Stage]:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("That case no longer exists; it may have been deleted.")
    chosen = stage_id if stage_id is not None else case.current_stage_id
    stage = session.get(Stage, chosen) if chosen is not None else None
    if stage is None or stage.case_id != case.id:
        raise ValidationError(f"{case.reference} has no such stage to appoint to.", "stage")
    return case, stage


def _role(role: AssignmentRole | str) -> AssignmentRole:
    try:
        return AssignmentRole(role)
    except ValueError:
        names = ", ".join(r.value for r in AssignmentRole)
        raise ValidationError(f"'{role}' is not a role; use one of: {names}.", "role") from None


def eligibility(
    session: Session,
    person_id: int,
    case_id: int,
    role: AssignmentRole | str,
    today: dt.date,
    stage_id: int | None = None,
) -> Verdict:
    """Whether the person may be appointed as ``role`` on the case's current stage (or
    ``stage_id``), with every reason and the rule it comes from."""
    code = _role(role)
    case, stage = _case_and_stage(session, case_id, stage_id)
    return _verdict(session, case, stage, _person(session, person_id), code, today)


def not_eligible_now(
    session: Session,
    case: Case,
    stage: Stage,
    appointments: Iterable[tuple[int, AssignmentRole]],
    on: dt.date,
) -> list[str]:
    """For appointed (person id, role) pairs on ``stage``, every reason one of them may no
    longer act on ``on`` (their details, or the case's service, may have changed since
    they were appointed): an independent role's independence, an Investigating Officer's
    distance from the service complained about."""
    areas = _area_names(session)
    staff = _staff_people(session)
    facts: CaseFacts | None = None
    reasons: list[str] = []
    for person_id, role in appointments:
        candidate = _candidate(_person(session, person_id), areas, staff)
        if role in rules.INDEPENDENT_ROLES:
            reasons += rules.not_independent(candidate, role, on)
        elif role == AssignmentRole.INVESTIGATING_OFFICER:
            facts = facts or _case_facts(session, case, stage, areas)
            reasons += rules.from_the_service(candidate, facts, on)
    return reasons


def _verdict(
    session: Session,
    case: Case,
    stage: Stage,
    person: Person,
    role: AssignmentRole,
    today: dt.date,
    ending: int | None = None,
) -> Verdict:
    areas = _area_names(session)
    facts = _case_facts(session, case, stage, areas, ending=ending)
    return rules.check(_candidate(person, areas, _staff_people(session)), role, facts, today)


def appointment_verdict(
    session: Session,
    stage_id: int,
    person_id: int,
    role: AssignmentRole | str,
    today: dt.date,
) -> Verdict:
    """The verdict :func:`offer` will act on: whether it needs an override, say."""
    code = _role(role)
    case, stage = _open_stage(session, stage_id)
    return _verdict(session, case, stage, _person(session, person_id), code, today)


def replacement_verdict(
    session: Session, assignment_id: int, new_person_id: int, today: dt.date
) -> Verdict:
    """The verdict :func:`replace` will act on for the person taking over."""
    old = _assignment(session, assignment_id)
    case, stage = _open_stage(session, old.stage_id)
    person = _person(session, new_person_id)
    return _verdict(session, case, stage, person, AssignmentRole(old.role), today, old.id)


# --------------------------------------------------------------------------- suggestions


def _on_time(session: Session) -> dict[int, tuple[int, int]]:
    """Per person: (reports on time, reports with a due date) over every report received."""
    on_time = sa.case((Assignment.report_received_on <= Assignment.report_due_on, 1), else_=0)
    rows = session.execute(
        sa.select(Assignment.person_id, sa.func.sum(on_time), sa.func.count())
        .where(
            Assignment.status == AssignmentStatus.REPORT_RECEIVED,
            Assignment.report_received_on.is_not(None),
            Assignment.report_due_on.is_not(None),
        )
        .group_by(Assignment.person_id)
    )
    return {person_id: (int(good or 0), int(total)) for person_id, good, total in rows}


def _load_text(count: int) -> str:
    if count == 0:
        return "No open appointments."
    return f"{count} open appointment{'s' if count != 1 else ''}."


def _history_text(good: int, total: int) -> str:
    if total == 0:
        return "No reports yet, so no on-time record."
    return f"{good} of {total} reports on time ({round(100 * good / total)}%)."


def suggestions(
    session: Session,
    case_id: int,
    role: AssignmentRole | str,
    today: dt.date,
    limit: int = 10,
    stage_id: int | None = None,
) -> list[Suggestion]:
    """Eligible people for ``role`` on the case's current stage (or ``stage_id``), best
    first, each with the reasons for their place.

    Refused people are left out. Order: allowed before those needing a manager's override
    (an unavailable person needs one, so availability counts here), then fewer open
    appointments, then available before unavailable, then the better on-time record
    (reports received on or before their due date, over all their reports received;
    no record after any record), then name.
    """
    code = _role(role)
    if limit < 1:
        raise ValidationError("Ask for at least one suggestion.", "limit")
    case, stage = _case_and_stage(session, case_id, stage_id)
    areas = _area_names(session)
    staff = _staff_people(session)
    facts = _case_facts(session, case, stage, areas)
    load = current_load(session)
    history = _on_time(session)
    people = session.scalars(
        sa.select(Person).where(Person.is_investigator.is_(True), Person.anonymised_at.is_(None))
    )
    found: list[Suggestion] = []
    for person in people:
        verdict = rules.check(_candidate(person, areas, staff), code, facts, today)
        if verdict.is_refused:
            continue
        good, total = history.get(person.id, (0, 0))
        count = load.get(person.id, 0)
        available = not any(
            f.rule == rules.RULE_AVAILABILITY and f.outcome == Eligibility.WARNING
            for f in verdict.findings
        )
        reasons = (
            *(f.reason for f in verdict.warnings),
            _load_text(count),
            *((f"Available (as of {format_date(today)}).",) if available else ()),
            _history_text(good, total),
        )
        found.append(
            Suggestion(person.id, person.full_name, verdict, count, available, good, total, reasons)
        )

    def rank(s: Suggestion) -> tuple[int, int, int, int, float, str, int]:
        rate = s.on_time_rate
        return (
            s.verdict.outcome.severity,
            s.open_assignments,
            0 if s.available else 1,
            0 if rate is not None else 1,
            -(rate or 0.0),
            s.name.lower(),
            s.person_id,
        )

    found.sort(key=rank)
    return found[:limit]


@dataclass(frozen=True)
class Candidate:
    """A pool member for a role on a stage: their verdict and why they rank where they do
    (``notes``: load, availability, on-time record; none for the refused)."""

    person_id: int
    name: str
    verdict: Verdict
    open_assignments: int
    reports_on_time: int
    reports_completed: int
    notes: tuple[str, ...]

    @property
    def outcome(self) -> Eligibility:
        return self.verdict.outcome

    @property
    def only_place_taken(self) -> bool:
        """Refused only because the role is filled: they may still replace whoever holds it."""
        refusals = self.verdict.refusals
        return bool(refusals) and all("replace them" in f.reason for f in refusals)


@dataclass(frozen=True)
class AppointmentChoices:
    """What the assign dialog shows: everyone in the pool for the role (suggestions
    first, the refused last), and the appointments already made on the case."""

    candidates: tuple[Candidate, ...]
    appointments: tuple[AssignmentView, ...]


def appointment_choices(
    session: Session,
    case_id: int,
    stage_id: int | None,
    role: AssignmentRole | str | None,
    today: dt.date,
) -> AppointmentChoices:
    """Every pool member's verdict for ``role`` on the stage, and the case's appointments
    (no candidates when there is no role or stage to appoint to)."""
    appointments = tuple(case_assignments(session, case_id))
    if role is None or stage_id is None:
        return AppointmentChoices((), appointments)
    code = _role(role)
    candidates = [
        Candidate(
            s.person_id,
            s.name,
            s.verdict,
            s.open_assignments,
            s.reports_on_time,
            s.reports_completed,
            tuple(r for r in s.reasons if r not in s.verdict.reasons),
        )
        for s in suggestions(session, case_id, code, today, 1_000_000, stage_id)
    ]
    seen = {c.person_id for c in candidates}
    case, stage = _case_and_stage(session, case_id, stage_id)
    areas = _area_names(session)
    staff = _staff_people(session)
    facts = _case_facts(session, case, stage, areas)
    for member in list_pool(session):
        if member.id in seen:
            continue
        person = _person(session, member.id)
        candidates.append(
            Candidate(
                member.id,
                member.full_name,
                rules.check(_candidate(person, areas, staff), code, facts, today),
                member.open_assignments,
                member.reports_on_time,
                member.reports_completed,
                (),
            )
        )
    return AppointmentChoices(tuple(candidates), appointments)


# --------------------------------------------------------------------------- lifecycle


def _view_rows(session: Session, where: sa.ColumnElement[bool]) -> list[AssignmentView]:
    rows = session.execute(
        sa.select(Assignment, Stage.case_id, Case.reference, Stage.stage, Person.full_name)
        .join(Stage, Stage.id == Assignment.stage_id)
        .join(Case, Case.id == Stage.case_id)
        .join(Person, Person.id == Assignment.person_id)
        .where(where)
        .order_by(Stage.seq, Assignment.id)
    ).all()
    return [
        _assignment_view(a, case_id, reference, code, name)
        for a, case_id, reference, code, name in rows
    ]


def _assignment_view(
    a: Assignment, case_id: int, reference: str, code: str, name: str
) -> AssignmentView:
    return AssignmentView(
        id=a.id,
        version=a.version,
        case_id=case_id,
        reference=reference,
        stage_id=a.stage_id,
        stage=StageCode(code),
        person_id=a.person_id,
        person_name=name,
        role=AssignmentRole(a.role),
        status=AssignmentStatus(a.status),
        offered_on=a.offered_on,
        responded_on=a.responded_on,
        report_due_on=a.report_due_on,
        report_received_on=a.report_received_on,
        replaced_by_id=a.replaced_by_id,
        end_reason=a.end_reason,
        override_reason=a.override_reason,
        overridden_by=a.overridden_by,
        hours=a.hours,
        fee_pence=a.fee_pence,
        progress_note=a.progress_note,
    )


def _view(session: Session, assignment: Assignment) -> AssignmentView:
    """The appointment as saved. What it belongs to is read before the change is
    written: over an investigator's own login the database shows a case only while they
    hold a live appointment on it, so once they decline their only one it shows neither
    its stage nor its case (reading them after would find nothing)."""
    with session.no_autoflush:
        case_id, reference, code = session.execute(
            sa.select(Stage.case_id, Case.reference, Stage.stage)
            .join(Case, Case.id == Stage.case_id)
            .where(Stage.id == assignment.stage_id)
        ).one()
        name = session.scalar(sa.select(Person.full_name).where(Person.id == assignment.person_id))
    session.flush()
    return _assignment_view(assignment, case_id, reference, code, name or "")


def case_assignments(session: Session, case_id: int) -> list[AssignmentView]:
    """Every appointment on the case, replaced and declined ones included, in order."""
    return _view_rows(session, Stage.case_id == case_id)


def _assignment(session: Session, assignment_id: int) -> Assignment:
    row = session.get(Assignment, assignment_id)
    if row is None:
        raise NotFound("That appointment no longer exists; it may have been removed.")
    return row


def appointment_status(session: Session, assignment_id: int) -> AssignmentStatus:
    return AssignmentStatus(_assignment(session, assignment_id).status)


def case_of_appointment(session: Session, assignment_id: int) -> tuple[int, str]:
    """(case id, reference) of the case the appointment is on."""
    row = session.execute(
        sa.select(Case.id, Case.reference)
        .join(Stage, Stage.case_id == Case.id)
        .join(Assignment, Assignment.stage_id == Stage.id)
        .where(Assignment.id == assignment_id)
    ).first()
    if row is None:
        raise NotFound("That appointment no longer exists; it may have been removed.")
    return int(row[0]), str(row[1])


def _step(a: Assignment, step: Step) -> AssignmentStatus:
    """The status ``step`` takes the appointment to, if the lifecycle allows it now."""
    target = next_status(AssignmentStatus(a.status), step)
    if target is None:
        allowed = " or ".join(s.value for s, steps in LIFECYCLE.items() if step in steps)
        raise IllegalTransition(
            f"This appointment is {AssignmentStatus(a.status).value}, so you cannot "
            f"{step.value} it (only when {allowed})."
        )
    return target


def default_report_due(
    session: Session, stage: Stage, role: AssignmentRole, today: dt.date
) -> dt.date:
    """The report due date an appointment gets when the officer gives none (see the
    module's description)."""
    case = session.get(Case, stage.case_id)
    assert case is not None
    rules_ = timescales(
        session, Procedure(case.procedure), StageCode(stage.stage), case.received_on
    )
    calendar = working_calendar(session, case.procedure)
    if role in PANEL_ROLES:
        days = (rules_.panel_meeting or 0) + (rules_.panel_report or 0)
        start = stage.started_on or stage.requested_on or today
        return calendar.add_working_days(start, days or DEFAULT_REPORT_WORKING_DAYS)
    if stage.started_on is not None and stage.due_on is not None:
        return stage.due_on
    return calendar.add_working_days(today, rules_.duration or DEFAULT_REPORT_WORKING_DAYS)


def _approve(
    verdict: Verdict, actor: Actor, override_reason: str | None
) -> tuple[str | None, str | None]:
    """Refuse a refused verdict; for a warning, need a reason (whoever may override: the
    access policy's question, asked before). Returns (override_reason, overridden_by)."""
    what = f"{verdict.name} as {role_label(verdict.role)}"
    if verdict.is_refused:
        reasons = " ".join(f.text for f in verdict.refusals)
        raise ValidationError(f"{what} is not allowed. {reasons}", "person")
    if not verdict.needs_override:
        return None, None
    reasons = " ".join(f.text for f in verdict.warnings)
    why = _text(override_reason)
    if why is None:
        raise ValidationError(
            f"{what} needs a reason for the override. {reasons} Say why you are making the "
            "appointment all the same.",
            "override_reason",
        )
    return why, actor.username


def _open_stage(session: Session, stage_id: int) -> tuple[Case, Stage]:
    stage = session.get(Stage, stage_id)
    if stage is None:
        raise NotFound("That stage no longer exists; it may have been deleted.")
    case = session.get(Case, stage.case_id)
    assert case is not None
    if case.status == CaseStatus.CLOSED:
        raise IllegalTransition(f"{case.reference} is closed; reopen it first.")
    if stage.status == StageStatus.CLOSED:
        raise IllegalTransition(
            f"{StageCode(stage.stage).label} of {case.reference} has responded; nobody "
            "can be appointed to it now."
        )
    return case, stage


def _report_due(
    session: Session,
    stage: Stage,
    role: AssignmentRole,
    today: dt.date,
    report_due_on: dt.date | None,
) -> dt.date:
    if report_due_on is None:
        return default_report_due(session, stage, role, today)
    if report_due_on < today:
        raise ValidationError(
            f"The report due date ({format_date(report_due_on)}) is before today.",
            "report_due_on",
        )
    return report_due_on


def offer(
    session: Session,
    stage_id: int,
    person_id: int,
    role: AssignmentRole | str,
    actor: Actor,
    today: dt.date,
    report_due_on: dt.date | None = None,
    override_reason: str | None = None,
) -> AssignmentView:
    """Offer the role on the stage to the person (status ``offered``, offered today).

    A refused verdict is a :class:`ValidationError` with its reasons. A warning needs
    ``override_reason``, recorded on the appointment with who overrode it
    (``override_reason``, ``overridden_by``); whether the actor may override is the
    access policy's (:func:`appointment_verdict` tells the caller beforehand).
    ``report_due_on`` defaults to :func:`default_report_due`.
    """
    case, stage = _open_stage(session, stage_id)
    row = _checked_offer(
        session,
        case,
        stage,
        person_id,
        _role(role),
        actor,
        today,
        report_due_on,
        override_reason,
    )
    return _view(session, row)


def _checked_offer(
    session: Session,
    case: Case,
    stage: Stage,
    person_id: int,
    role: AssignmentRole,
    actor: Actor,
    today: dt.date,
    report_due_on: dt.date | None,
    override_reason: str | None,
    ending: int | None = None,
) -> Assignment:
    """A new ``offered`` appointment, once the eligibility verdict allows it (a warning
    with a manager's recorded override); ``ending`` is an appointment being replaced."""
    person = _person(session, person_id)
    verdict = _verdict(session, case, stage, person, role, today, ending)
    why, by = _approve(verdict, actor, override_reason)
    row = Assignment(
        stage_id=stage.id,
        person_id=person.id,
        role=role,
        status=AssignmentStatus.OFFERED,
        offered_on=today,
        report_due_on=_report_due(session, stage, role, today, report_due_on),
        override_reason=why,
        overridden_by=by,
        updated_by=actor.username,
    )
    session.add(row)
    return row


def _response_day(a: Assignment, on: dt.date | None, today: dt.date) -> dt.date:
    day = on or today
    _check_not_future(day, today, "date of the answer", "on")
    if day < a.offered_on:
        raise ValidationError(
            f"The answer ({format_date(day)}) cannot be before the offer "
            f"({format_date(a.offered_on)}).",
            "on",
        )
    return day


def accept(
    session: Session,
    assignment_id: int,
    actor: Actor,
    today: dt.date,
    on: dt.date | None = None,
) -> AssignmentView:
    """Record that the person accepted the offer (on ``on``, default today). An offer on
    a stage that has ended (the complaint was withdrawn, say) cannot be accepted after
    the day it ended: there is nothing left to investigate."""
    row = _assignment(session, assignment_id)
    status = _step(row, Step.ACCEPT)
    day = _response_day(row, on, today)
    stage = session.get(Stage, row.stage_id)
    if (
        stage is not None
        and stage.status == StageStatus.CLOSED
        and stage.closed_on is not None
        and day > stage.closed_on
    ):
        raise IllegalTransition(
            f"The stage this offer is for ended on {format_date(stage.closed_on)}, so it "
            "can no longer be accepted. Record that it was declined, giving that reason."
        )
    row.responded_on = day
    row.status = status
    row.updated_by = actor.username
    return _view(session, row)


def decline(
    session: Session,
    assignment_id: int,
    reason: str,
    actor: Actor,
    today: dt.date,
    on: dt.date | None = None,
) -> AssignmentView:
    """Record that the person declined the offer, and why (kept in ``end_reason``)."""
    row = _assignment(session, assignment_id)
    status = _step(row, Step.DECLINE)
    why = _text(reason)
    if why is None:
        raise ValidationError("Say why the offer was declined.", "reason")
    row.responded_on = _response_day(row, on, today)
    row.status = status
    row.end_reason = why
    row.updated_by = actor.username
    return _view(session, row)


def record_report(
    session: Session,
    assignment_id: int,
    received_on: dt.date,
    actor: Actor,
    today: dt.date,
) -> AssignmentView:
    """Record the report received on ``received_on``: the appointment is done."""
    row = _assignment(session, assignment_id)
    status = _step(row, Step.RECORD_REPORT)
    _check_not_future(received_on, today, "date the report was received", "received_on")
    since = row.responded_on or row.offered_on
    if received_on < since:
        raise ValidationError(
            f"The report ({format_date(received_on)}) cannot be before the appointment was "
            f"accepted ({format_date(since)}).",
            "received_on",
        )
    row.report_received_on = received_on
    row.status = status
    row.updated_by = actor.username
    return _view(session, row)


def record_progress(
    session: Session,
    assignment_id: int,
    note: str,
    hours: float | None,
    actor: Actor,
    today: dt.date,
) -> AssignmentView:
    """Add a dated progress note and/or set the hours worked so far (a running total, not
    an addition), which works out the fee at today's rates (:func:`fee_for`).

    Allowed on an accepted appointment, after the report (the final hours) and on a
    replaced one (the hours of someone who stopped part way).
    """
    row = _assignment(session, assignment_id)
    _step(row, Step.RECORD_PROGRESS)
    text = _text(note)
    text = note_lines(text) if text is not None else None
    if text is None and hours is None:
        raise ValidationError("Write a progress note or enter the hours worked.", "note")
    if hours is not None:
        if isinstance(hours, bool) or not isinstance(hours, int | float) or hours != hours:
            raise ValidationError("Enter the hours as a number.", "hours")
        if hours < 0:
            raise ValidationError("The hours worked cannot be less than 0.", "hours")
        if hours > MAX_HOURS:
            raise ValidationError(f"{hours:g} hours is not believable: check it.", "hours")
    if text is not None and names_another_writer(text, actor.username):
        raise ValidationError(
            "Reword the line that looks like someone else's dated note.",
            "note",
        )
    person = _person(session, row.person_id)
    if text is not None:
        line = f"{format_date(today)} ({actor.username}): {text}"
        row.progress_note = f"{row.progress_note}\n{line}" if row.progress_note else line
    if hours is not None:
        row.hours = float(hours)
        row.fee_pence = fee_for(float(hours), person.hourly_fee_pence, person.daily_fee_pence)
    row.updated_by = actor.username
    return _view(session, row)


def replace(
    session: Session,
    assignment_id: int,
    new_person_id: int,
    reason: str,
    actor: Actor,
    today: dt.date,
    report_due_on: dt.date | None = None,
    override_reason: str | None = None,
) -> Replacement:
    """End an offered or accepted appointment and offer the role to someone else.

    The old row stays: status ``replaced``, ``end_reason`` the reason, ``replaced_by_id``
    the new row; its hours and fee stay (the work done counts in the costs). The new
    person is checked as for :func:`offer` (the person replaced no longer counts towards
    the stage's places, but still holds their role on the complaint).
    """
    old = _assignment(session, assignment_id)
    status = _step(old, Step.REPLACE)
    why = _text(reason)
    if why is None:
        raise ValidationError("Say why the person is being replaced.", "reason")
    if new_person_id == old.person_id:
        raise ValidationError("Choose someone else to replace them.", "person")
    case, stage = _open_stage(session, old.stage_id)
    new = _checked_offer(
        session,
        case,
        stage,
        new_person_id,
        AssignmentRole(old.role),
        actor,
        today,
        report_due_on,
        override_reason,
        ending=old.id,
    )
    session.flush()
    old.status = status
    old.end_reason = why
    old.replaced_by_id = new.id
    old.updated_by = actor.username
    return Replacement(_view(session, old), _view(session, new))


# --------------------------------------------------------------------------- costs


def _pence(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def fee_for(
    hours: float | None, hourly_fee_pence: int | None, daily_fee_pence: int | None
) -> int | None:
    """The fee in pence for ``hours`` worked: hours × the hourly fee when there is one,
    else days (hours / :data:`HOURS_PER_DAY`, part days pro rata) × the daily fee; to the
    nearest penny, half a penny up. None when there are no hours or no fee."""
    if hours is None:
        return None
    worked = Decimal(str(hours))
    if hourly_fee_pence is not None:
        return _pence(worked * hourly_fee_pence)
    if daily_fee_pence is not None:
        return _pence(worked / HOURS_PER_DAY * daily_fee_pence)
    return None


def _basis(hours: float | None, stored: int | None, hourly: int | None, daily: int | None) -> str:
    if stored is not None:
        return "fee recorded with the hours" if hours is not None else "fee recorded"
    if hours is None:
        return "no hours recorded"
    if hourly is not None:
        return f"{hours:g} hours × {format_money(hourly)} an hour"
    if daily is not None:
        return (
            f"{hours:g} hours = {hours / float(HOURS_PER_DAY):g} days × {format_money(daily)} a day"
        )
    return "no fee (no hourly or daily fee in the pool)"


def costs(session: Session, case_id: int | None = None, year: int | None = None) -> CostReport:
    """The cost of investigators and panels: per appointment, per case and per financial
    year, for one case and/or one financial year, or for everything.

    Appointments with neither hours nor a fee are left out (declined offers, work not
    yet recorded). See the module's description for the fee and year rules.
    """
    replacement = aliased(Assignment)
    query = (
        sa.select(
            Assignment,
            Stage.case_id,
            Case.reference,
            Person.full_name,
            Person.hourly_fee_pence,
            Person.daily_fee_pence,
            replacement.offered_on,
        )
        .join(Stage, Stage.id == Assignment.stage_id)
        .join(Case, Case.id == Stage.case_id)
        .join(Person, Person.id == Assignment.person_id)
        .outerjoin(replacement, replacement.id == Assignment.replaced_by_id)
        .where(sa.or_(Assignment.hours.is_not(None), Assignment.fee_pence.is_not(None)))
        .order_by(Case.reference, Stage.seq, Assignment.id)
    )
    if case_id is not None:
        query = query.where(Stage.case_id == case_id)
    lines: list[CostLine] = []
    for a, row_case_id, reference, name, hourly, daily, replaced_on in session.execute(query):
        fee = a.fee_pence if a.fee_pence is not None else fee_for(a.hours, hourly, daily)
        charged_on = a.report_received_on or replaced_on or a.offered_on
        fy = FinancialYear.of(charged_on).start_year
        if year is not None and fy != year:
            continue
        lines.append(
            CostLine(
                assignment_id=a.id,
                case_id=row_case_id,
                reference=reference,
                person_id=a.person_id,
                person_name=name,
                role=AssignmentRole(a.role),
                status=AssignmentStatus(a.status),
                hours=a.hours,
                fee_pence=fee or 0,
                basis=_basis(a.hours, a.fee_pence, hourly, daily),
                financial_year=fy,
                charged_on=charged_on,
            )
        )
    return _summarise(lines)


def _summarise(lines: Sequence[CostLine]) -> CostReport:
    cases: dict[int, list[CostLine]] = defaultdict(list)
    years: dict[int, list[CostLine]] = defaultdict(list)
    for line in lines:
        cases[line.case_id].append(line)
        years[line.financial_year].append(line)
    by_case = tuple(
        CaseCost(
            case_id,
            group[0].reference,
            sum(x.hours or 0.0 for x in group),
            sum(x.fee_pence for x in group),
        )
        for case_id, group in sorted(cases.items(), key=lambda item: item[1][0].reference)
    )
    by_year = tuple(
        YearCost(fy, sum(x.hours or 0.0 for x in group), sum(x.fee_pence for x in group))
        for fy, group in sorted(years.items())
    )
    return CostReport(
        lines=tuple(lines),
        by_case=by_case,
        by_year=by_year,
        total_pence=sum(x.fee_pence for x in lines),
        total_hours=sum(x.hours or 0.0 for x in lines),
    )
