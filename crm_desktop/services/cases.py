"""Recording representations: create and edit complaints, compliments and comments.

Every function takes the session of the caller's write transaction and the acting user,
checks its input completely before it changes anything, and returns plain data.
The case then moves through its procedure with :mod:`crm_desktop.services.workflow`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from crm_desktop.contact import is_email
from crm_desktop.db.base import Base, utcnow
from crm_desktop.db.models import (
    Case,
    CaseParty,
    CaseServiceCategory,
    ComplaintPoint,
    Person,
    PointOutcome,
    ReferenceCounter,
    ServiceArea,
    Stage,
)
from crm_desktop.db.transaction_memo import transaction_state
from crm_desktop.domain.access import Actor
from crm_desktop.domain.calendar import add_calendar_months
from crm_desktop.domain.enums import (
    CaseStatus,
    Channel,
    Kind,
    PartyRole,
    Procedure,
    StageCode,
    StageStatus,
)
from crm_desktop.domain.formatting import format_date
from crm_desktop.domain.workflow import FIRST_STAGES
from crm_desktop.errors import NotFound, ValidationError
from crm_desktop.services import clock
from crm_desktop.services import reference_lookup as ref
from crm_desktop.services.calendar_service import timescales, working_calendar

LATE_COMPLAINT_MONTHS = 12


# ------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class PersonInput:
    full_name: str
    email: str | None = None
    phone: str | None = None
    address: str | None = None
    postcode: str | None = None
    person_id: int | None = None  # an existing person, instead of a new record


@dataclass(frozen=True)
class PointInput:
    nature: str
    description: str = ""


@dataclass(frozen=True)
class NewCase:
    kind: Kind
    procedure: Procedure
    received_on: dt.date
    service_area: str
    summary: str = ""
    channel: Channel | None = None
    directorate: str | None = None
    team: str | None = None
    desired_outcome: str | None = None
    events_on: dt.date | None = None  # when the events complained about happened
    noticed_on: dt.date | None = None  # when they came to the complainant's notice, if later
    complainant: PersonInput | None = None
    on_behalf_of: PersonInput | None = None
    points: Sequence[PointInput] = ()
    grade: StageCode | None = None  # adult complaints: low, moderate-high or informal
    service_categories: Sequence[str] = ()  # adult complaints
    named_staff: Sequence[str] = ()  # compliments (and complaints) naming staff
    owner_id: int | None = None


@dataclass(frozen=True)
class CreatedCase:
    case_id: int
    reference: str
    stage_id: int | None
    version: int
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class CaseEdit:
    """Fields of a case's details; None leaves a field as it is."""

    summary: str | None = None
    desired_outcome: str | None = None
    channel: Channel | None = None
    service_area: str | None = None
    directorate: str | None = None
    team: str | None = None
    events_on: dt.date | None = None
    noticed_on: dt.date | None = None
    owner_id: int | None = None
    # Fields emptied: "events_on", "noticed_on" (the date is not known after all),
    # "channel" (not recorded). None above leaves a field as it is, so emptying one is
    # said here.
    cleared: frozenset[str] = frozenset()


# The details an edit may empty (CaseEdit.cleared).
CLEARABLE = frozenset({"events_on", "noticed_on", "channel"})


# ------------------------------------------------------------------------- checks


def check_not_future(on: dt.date, today: dt.date, what: str) -> None:
    if on > today:
        raise ValidationError(
            f"The {what} ({format_date(on)}) is in the future. Enter the date it happened.",
            what,
        )


def check_events_on(
    events_on: dt.date | None, noticed_on: dt.date | None, received_on: dt.date, today: dt.date
) -> None:
    """The events complained about happened, and came to the complainant's notice, by the
    day the case was received; they came to notice on or after the day they happened."""
    if events_on is not None:
        check_not_future(events_on, today, "date of the events")
        if events_on > received_on:
            raise ValidationError(
                f"The events complained about ({format_date(events_on)}) cannot be after the "
                f"date it was received ({format_date(received_on)}). Enter the date they "
                "happened.",
                "events_on",
            )
    if noticed_on is None:
        return
    if noticed_on > received_on:  # received is never in the future
        raise ValidationError(
            f"The events cannot have come to the complainant's notice "
            f"({format_date(noticed_on)}) after the complaint was received "
            f"({format_date(received_on)}). Enter the day they learnt of them.",
            "noticed_on",
        )
    if events_on is not None and noticed_on < events_on:
        raise ValidationError(
            f"The events came to the complainant's notice ({format_date(noticed_on)}) before "
            f"they happened ({format_date(events_on)}). Correct one of the dates.",
            "noticed_on",
        )


def _locked_here(session: Session) -> set[int]:
    """The cases this session's transaction has locked (none before it begins)."""
    held = transaction_state(session, "locked cases", set[int])
    return held if held is not None else set()


def lock_case(session: Session, case_id: int) -> Case | None:
    """The case as last committed, its row locked until this save commits (PostgreSQL;
    on SQLite the writer already holds the whole file). Read once per save: the policy's
    scope check reads the case this way in a write, so the save itself need not read
    it again."""
    if session.get_bind().dialect.name != "postgresql" or case_id in _locked_here(session):
        return session.get(Case, case_id)
    if session.dirty or session.new:
        session.flush()  # re-reading the row must not lose a change not yet sent
    case = session.get(Case, case_id, with_for_update={"key_share": True}, populate_existing=True)
    if case is not None:
        _locked_here(session).add(case_id)  # (the read may have begun the transaction)
    return case


def load_case(session: Session, case_id: int, expected_version: int | None = None) -> Case:
    """The case, refusing if someone else changed it since the user opened it.

    A save (``expected_version`` given) on PostgreSQL locks the case's row first and
    reads its latest committed state (:func:`lock_case`): under READ COMMITTED a second
    officer's save that started at the same moment then waits for the first to commit
    and is refused as a conflict, instead of judging the case from a mix of its old row
    and the other save's new stages. (SQLite's writer already holds the whole file.)
    """
    if expected_version is not None:
        case = lock_case(session, case_id)
    else:
        case = session.get(Case, case_id)
    if case is None:
        raise NotFound("That case no longer exists; it may have been deleted.")
    case.check_version(expected_version, case.reference)
    return case


def touch(case: Case, actor: Actor) -> None:
    """Mark the case changed by ``actor`` (bumps its version: a concurrent move conflicts)."""
    case.updated_by = actor.username
    case.updated_at = utcnow()


# ---------------------------------------------------------------------- references


def next_reference(session: Session, procedure: Procedure, year: int) -> str:
    """The next free reference for the procedure and year, e.g. ``CSC-2024-00017``.

    The counter is incremented with one atomic upsert inside the caller's transaction,
    so two officers saving at the same moment never get the same number and a case that
    is not saved leaves no gap. On PostgreSQL a second officer recording a case of the
    same procedure and year waits at the counter's row until the first save commits
    (a save is one short transaction). Taking the number in a transaction of its own
    was tried and measured: ten writers saved 100-129 a second against 181-201 with
    the number taken inside the save, so it is taken inside. The check that no case
    (an imported one) already has the number is a statement of its own, once the
    counter's row is locked: made part of the statement that takes the number, it
    would look at the cases as they were before that statement waited for the row,
    and miss one an import committed meanwhile.
    """
    prefix = procedure.reference_prefix
    bind = session.get_bind()
    dialect = bind.dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = Base.metadata.tables[ReferenceCounter.__tablename__]
    while True:
        statement = (
            insert(table)
            .values(prefix=prefix, year=year, last_number=1)
            .on_conflict_do_update(
                index_elements=["prefix", "year"],
                set_={"last_number": table.c.last_number + 1},
            )
            .returning(table.c.last_number)
        )
        number = int(session.execute(statement).scalar_one())
        reference = f"{prefix}-{year}-{number:05d}"
        taken = session.scalar(sa.select(Case.id).where(Case.reference == reference))
        if taken is None:
            return reference


# ---------------------------------------------------------------------- people


def _person(session: Session, given: PersonInput) -> Person:
    if given.person_id is not None:
        person = session.get(Person, given.person_id)
        if person is None:
            raise ValidationError(f"There is no person with id {given.person_id}.", "person")
        return person
    name = given.full_name.strip()
    if not name:
        raise ValidationError("Enter the person's name.", "complainant")
    email = (given.email or "").strip() or None
    if email is not None and not is_email(email):
        raise ValidationError(
            f"'{email}' is not an email address. Give one address, such as "
            "name@example.org, or leave it empty.",
            "email",
        )
    person = Person(
        full_name=name,
        email=email,
        phone=(given.phone or "").strip() or None,
        address=given.address,
        postcode=(given.postcode or "").strip().upper() or None,
    )
    session.add(person)
    return person


def vexatious_warnings(session: Session, given: PersonInput | None) -> list[str]:
    """A warning for each flagged person this input is (or looks like): never a block."""
    if given is None:
        return []
    # "= true", not "IS true": the form the index of flagged people is made for.
    query = sa.select(Person).where(Person.vexatious == sa.true())
    if given.person_id is not None:
        query = query.where(Person.id == given.person_id)
    else:
        conditions = [sa.func.lower(Person.full_name) == given.full_name.strip().lower()]
        if given.email:
            conditions.append(sa.func.lower(Person.email) == given.email.strip().lower())
        query = query.where(sa.or_(*conditions))
    warnings = []
    for person in session.scalars(query):
        review = (
            f" (review due {format_date(person.vexatious_review_on)})"
            if person.vexatious_review_on
            else ""
        )
        arrangements = (
            f" Contact arrangements: {person.contact_arrangements}"
            if person.contact_arrangements
            else ""
        )
        warnings.append(
            f"{person.full_name} is flagged as a persistent or vexatious complainant{review}. "
            f"The complaint is still recorded.{arrangements}"
        )
    return warnings


def late_complaint_start(
    events_on: dt.date | None, noticed_on: dt.date | None, procedure: Procedure | str
) -> dt.date | None:
    """The day the 12 months count from; None when it is not known.

    Children's: the day the grounds for the representations arose, the events (SI
    2006/1738 reg. 9: "within one year of the grounds to make the representations
    arising"). Adult and corporate: the events or, if later, the day they came to the
    complainant's notice (SI 2009/309 reg. 12(1): "not later than 12 months after" the
    matter occurred or, if later, came to the complainant's notice; the Complaint
    Handling Code 2.2 for corporate complaints). The 12 months are counted as those
    words say, the anniversary still in time (:func:`is_late_complaint`); the Local
    Government Act 1974 s. 26B ("12 months beginning with") is the Ombudsman's limit for
    complaints made to the Ombudsman, not to the council, and is not applied here."""
    if Procedure(procedure) == Procedure.CHILDREN:
        return events_on
    known = [d for d in (events_on, noticed_on) if d is not None]
    return max(known) if known else None


def is_late_complaint(
    received_on: dt.date,
    events_on: dt.date | None,
    noticed_on: dt.date | None,
    procedure: Procedure | str,
) -> bool:
    """Made more than 12 months after the day they count from (see
    :func:`late_complaint_start`): flagged for a decision."""
    start = late_complaint_start(events_on, noticed_on, procedure)
    if start is None:
        return False
    return received_on > add_calendar_months(start, LATE_COMPLAINT_MONTHS)


def late_complaint_text(
    events_on: dt.date | None, noticed_on: dt.date | None, procedure: Procedure | str
) -> str:
    """The warning for a late complaint, naming the day the 12 months counted from."""
    start = late_complaint_start(events_on, noticed_on, procedure)
    assert start is not None
    after = (
        f"the events came to the complainant's notice ({format_date(start)})"
        if noticed_on is not None and start == noticed_on and noticed_on != events_on
        else f"the events ({format_date(start)})"
    )
    return (
        f"This complaint was made more than {LATE_COMPLAINT_MONTHS} months after {after}. "
        "Record a decision on whether to consider it."
    )


# ---------------------------------------------------------------------- creating


def create_case(session: Session, new: NewCase, actor: Actor, today: dt.date) -> CreatedCase:
    """Record a new complaint, compliment or comment; a complaint opens its first stage."""
    check_not_future(new.received_on, today, "received date")
    check_events_on(new.events_on, new.noticed_on, new.received_on, today)
    index = ref.load_index(session)
    directorate = ref.directorate_id(index, new.directorate) if new.directorate else None
    if new.procedure == Procedure.CORPORATE and new.kind != Kind.COMPLIMENT and directorate is None:
        raise ValidationError("Choose the directorate for a corporate case.", "directorate")
    area = ref.service_area_id(index, new.procedure, new.service_area, directorate)
    if directorate is None and new.procedure == Procedure.CORPORATE:
        directorate = session.scalar(
            sa.select(ServiceArea.directorate_id).where(ServiceArea.id == area)
        )
    team = ref.team_id(index, new.procedure, new.team) if new.team else None
    natures = [ref.nature_id(index, new.procedure, p.nature) for p in new.points]
    if new.service_categories and new.procedure != Procedure.ADULT:
        raise ValidationError(
            "Service categories are for adult social care cases.", "service_categories"
        )
    categories = [ref.service_category_id(index, new.procedure, c) for c in new.service_categories]
    first_stage: StageCode | None = None
    if new.kind == Kind.COMPLAINT:
        if not new.points:
            raise ValidationError(
                "A complaint needs at least one complaint point with its nature.", "points"
            )
        if new.procedure == Procedure.ADULT:
            if new.grade not in FIRST_STAGES[Procedure.ADULT]:
                raise ValidationError(
                    "Grade the adult complaint: Low risk, Moderate/High risk or Informal.",
                    "grade",
                )
            first_stage = new.grade
        else:
            first_stage = StageCode.STAGE_1
    elif new.points:
        raise ValidationError(f"A {new.kind.value} has no complaint points.", "points")
    if new.kind == Kind.COMPLAINT and new.complainant is None:
        raise ValidationError("Enter who made the complaint.", "complainant")
    warnings = vexatious_warnings(session, new.complainant)
    if is_late_complaint(new.received_on, new.events_on, new.noticed_on, new.procedure):
        warnings.append(late_complaint_text(new.events_on, new.noticed_on, new.procedure))

    # Everything that can be read or written without the case is done before the next
    # reference number is taken: from then until the save commits, another officer's
    # new case of this procedure and year waits at the counter.
    read_ahead = (
        (
            timescales(session, new.procedure, first_stage, new.received_on),
            working_calendar(session, new.procedure),
        )
        if first_stage is not None
        else None
    )
    named = [
        (new.complainant, PartyRole.COMPLAINANT),
        (new.on_behalf_of, PartyRole.ON_BEHALF_OF),
        *(
            (PersonInput(staff), PartyRole.NAMED_STAFF)
            for staff in new.named_staff
            if staff.strip()
        ),
    ]
    parties = [(_person(session, given), role) for given, role in named if given is not None]
    case = Case(
        reference=next_reference(session, new.procedure, new.received_on.year),
        kind=new.kind,
        procedure=new.procedure,
        channel=new.channel,
        received_on=new.received_on,
        events_on=new.events_on,
        noticed_on=new.noticed_on,
        directorate_id=directorate,
        service_area_id=area,
        team_id=team,
        summary=new.summary,
        desired_outcome=new.desired_outcome,
        status=CaseStatus.OPEN,
        owner_id=new.owner_id or actor.user_id,
        complainant_name=new.complainant.full_name.strip() if new.complainant else None,
        created_by=actor.username,
        updated_by=actor.username,
    )
    session.add(case)
    session.flush()
    for person, role in parties:
        if role == PartyRole.COMPLAINANT:
            case.complainant_name = person.full_name
        session.add(CaseParty(case_id=case.id, person=person, role=role))
    for seq, (point, nature) in enumerate(zip(new.points, natures, strict=True), start=1):
        session.add(
            ComplaintPoint(
                case_id=case.id, seq=seq, nature_id=nature, description=point.description
            )
        )
    for category in dict.fromkeys(categories):
        session.add(CaseServiceCategory(case_id=case.id, service_category_id=category))
    stage_id = None
    if first_stage is not None:
        # A new stage has no suspensions or extensions: nothing to read back for them.
        stage = Stage(
            case_id=case.id,
            seq=1,
            stage=first_stage,
            requested_on=new.received_on,
            suspensions=[],
            extensions=[],
        )
        session.add(stage)
        session.flush()
        case.current_stage_id = stage.id
        clock.start_clock(session, stage.id, new.received_on, actor.username, read_ahead=read_ahead)
        stage_id = stage.id
    session.flush()
    return CreatedCase(case.id, case.reference, stage_id, case.version, tuple(warnings))


# ---------------------------------------------------------------------- editing


def _edited(current: dt.date | None, new: dt.date | None, cleared: bool) -> dt.date | None:
    """A date after an edit: emptied, changed, or (None) as it was."""
    if cleared:
        return None
    return new if new is not None else current


def edit_case(
    session: Session,
    case_id: int,
    expected_version: int,
    edit: CaseEdit,
    actor: Actor,
    today: dt.date,
) -> int:
    """Change a case's details; returns its new version."""
    case = load_case(session, case_id, expected_version)
    directorate, area, team = case.directorate_id, case.service_area_id, case.team_id
    if edit.directorate is not None or edit.service_area is not None or edit.team is not None:
        index = ref.load_index(session)
        if edit.directorate is not None:
            directorate = ref.directorate_id(index, edit.directorate) if edit.directorate else None
        if edit.service_area is not None:
            area = ref.service_area_id(
                index, Procedure(case.procedure), edit.service_area, directorate
            )
        if edit.team is not None:
            team = ref.team_id(index, Procedure(case.procedure), edit.team) if edit.team else None
    unknown = edit.cleared - CLEARABLE
    if unknown:
        raise ValueError(f"these fields cannot be emptied: {sorted(unknown)}")
    events_on = _edited(case.events_on, edit.events_on, "events_on" in edit.cleared)
    noticed_on = _edited(case.noticed_on, edit.noticed_on, "noticed_on" in edit.cleared)
    if (events_on, noticed_on) != (case.events_on, case.noticed_on):
        check_events_on(events_on, noticed_on, case.received_on, today)
    if (
        edit.directorate is not None
        and case.procedure == Procedure.CORPORATE
        and case.kind != Kind.COMPLIMENT
        and directorate is None
    ):
        raise ValidationError("Choose the directorate for a corporate case.", "directorate")
    case.directorate_id, case.service_area_id, case.team_id = directorate, area, team
    if edit.summary is not None:
        case.summary = edit.summary
    if edit.desired_outcome is not None:
        case.desired_outcome = edit.desired_outcome
    if "channel" in edit.cleared:
        case.channel = None
    elif edit.channel is not None:
        case.channel = edit.channel
    case.events_on, case.noticed_on = events_on, noticed_on
    if edit.owner_id is not None:
        case.owner_id = edit.owner_id
    touch(case, actor)
    session.flush()
    return case.version


def record_late_complaint_decision(
    session: Session, case_id: int, expected_version: int, decision: str, actor: Actor
) -> int:
    case = load_case(session, case_id, expected_version)
    if not is_late_complaint(case.received_on, case.events_on, case.noticed_on, case.procedure):
        raise ValidationError(
            "This complaint was made within 12 months of the events (or, outside children's "
            "social care, of their coming to the complainant's notice): no decision is "
            "needed."
        )
    if not decision.strip():
        raise ValidationError("Write down the decision and why.", "decision")
    case.late_complaint_decision = decision.strip()
    touch(case, actor)
    session.flush()
    return case.version


# ---------------------------------------------------------------------- points


def add_point(
    session: Session,
    case_id: int,
    expected_version: int,
    point: PointInput,
    actor: Actor,
) -> int:
    """Add a complaint point; returns its id."""
    case = load_case(session, case_id, expected_version)
    if case.kind != Kind.COMPLAINT:
        raise ValidationError(f"A {case.kind.value} has no complaint points.", "points")
    nature = ref.nature_id(ref.load_index(session), Procedure(case.procedure), point.nature)
    seq = (
        session.scalar(
            sa.select(sa.func.max(ComplaintPoint.seq)).where(ComplaintPoint.case_id == case.id)
        )
        or 0
    ) + 1
    row = ComplaintPoint(case_id=case.id, seq=seq, nature_id=nature, description=point.description)
    session.add(row)
    touch(case, actor)
    session.flush()
    return row.id


def remove_point(
    session: Session, case_id: int, expected_version: int, point_id: int, actor: Actor
) -> None:
    case = load_case(session, case_id, expected_version)
    point = session.get(ComplaintPoint, point_id)
    if point is None or point.case_id != case.id:
        raise ValidationError("That complaint point is not part of this case.", "points")
    if point.outcomes:
        raise ValidationError(
            f"Point {point.seq} already has an outcome, so it cannot be removed. "
            "Change its outcome instead."
        )
    remaining = session.scalar(sa.select(sa.func.count()).where(ComplaintPoint.case_id == case.id))
    if remaining == 1:
        raise ValidationError("A complaint needs at least one complaint point.", "points")
    session.delete(point)
    touch(case, actor)
    session.flush()


def set_point_outcome(
    session: Session,
    case_id: int,
    expected_version: int,
    point_id: int,
    outcome: str,
    actor: Actor,
    note: str | None = None,
) -> None:
    """Record a point's outcome at the case's current stage (before the stage responds)."""
    from crm_desktop.domain.enums import Outcome
    from crm_desktop.domain.workflow import FINDING_OUTCOMES

    case = load_case(session, case_id, expected_version)
    point = session.get(ComplaintPoint, point_id)
    if point is None or point.case_id != case.id:
        raise ValidationError("That complaint point is not part of this case.", "points")
    try:
        value = Outcome(outcome)
    except ValueError:
        raise ValidationError(f"'{outcome}' is not an outcome.", "outcome") from None
    if value not in FINDING_OUTCOMES:
        raise ValidationError(
            "A point's finding is upheld, partially upheld, not upheld or no finding. To "
            "withdraw, discontinue or redirect, use that action on the stage.",
            "outcome",
        )
    stage = session.get(Stage, case.current_stage_id) if case.current_stage_id else None
    if stage is None or stage.stage == StageCode.LGSCO:
        raise ValidationError("Point outcomes are recorded at a stage of the council's procedure.")
    if stage.status == StageStatus.CLOSED:
        raise ValidationError(
            f"{stage.stage.label} has already responded; a manager can reopen it first."
        )
    existing = session.scalar(
        sa.select(PointOutcome).where(
            PointOutcome.point_id == point.id, PointOutcome.stage_id == stage.id
        )
    )
    if existing is None:
        session.add(PointOutcome(point_id=point.id, stage_id=stage.id, outcome=value, note=note))
    else:
        existing.outcome = value
        existing.note = note
    touch(case, actor)
    session.flush()


# ---------------------------------------------------------------------- people flags


def set_vexatious(
    session: Session,
    case_id: int,
    person_id: int,
    flagged: bool,
    actor: Actor,
    review_on: dt.date | None = None,
    contact_arrangements: str | None = None,
    since: dt.date | None = None,
    today: dt.date | None = None,
) -> None:
    """Flag (or clear) a persistent or vexatious complainant, one of the people on the
    case; the flag warns, never blocks. ``since`` is when the unreasonable-behaviour
    policy was applied: ``today`` for a new flag unless said; a change to a flag already
    set (its review date, say) keeps it unless a date is given. It is kept when the flag
    is cleared: the annual report counts it by that date."""
    person = session.get(Person, person_id)
    on_case = session.scalar(
        sa.select(CaseParty.id).where(
            CaseParty.case_id == case_id, CaseParty.person_id == person_id
        )
    )
    if person is None or on_case is None:
        raise NotFound("That person is not one of the people on this case.")
    if flagged and review_on is None:
        raise ValidationError("Set a date to review the flag.", "review_on")
    if since is not None:
        check_not_future(since, today or since, "date the policy was applied")
    if flagged and since is not None:
        person.vexatious_since = since
    elif flagged and not person.vexatious:
        person.vexatious_since = today or person.vexatious_since
    person.vexatious = flagged
    person.vexatious_review_on = review_on if flagged else None
    person.contact_arrangements = contact_arrangements if flagged else None
    person.updated_by = actor.username
    session.flush()
