"""The data model: everything PRODUCT.md describes, as SQLAlchemy 2 typed mappings.

Conventions:
- Every record a user can edit carries ``version`` (optimistic locking), ``updated_at``
  and ``updated_by`` through :class:`Versioned`.
- Enumerations are stored as their value strings (see ``domain.enums``).
- Money is held in whole pence (``*_pence``), so sums are exact on every database.
- Dates a procedure counts by are ``Date``; moments are naive UTC ``DateTime``.
- Schema changes go through Alembic migrations only (``db/migrations``).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm_desktop.db.base import Base, Versioned, enum_type, sqlite_only_index, utcnow
from crm_desktop.domain.enums import (
    AssignmentRole,
    AssignmentStatus,
    CaseStatus,
    Channel,
    ComplainantType,
    CorrespondenceChannel,
    CorrespondenceDirection,
    Kind,
    KpiDirection,
    LgscoDecision,
    NotAcceptedReason,
    Ombudsman,
    Outcome,
    PartyRole,
    Procedure,
    StageCode,
    StageStatus,
    SuspensionReason,
    TimescaleRule,
    TimescaleUnit,
    UserRole,
)

# --------------------------------------------------------------------------------------
# Reference data
# --------------------------------------------------------------------------------------


class Directorate(Versioned, Base):
    __tablename__ = "directorate"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    short_name: Mapped[str | None] = mapped_column(sa.String(40))
    active: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(default=0)

    service_areas: Mapped[list[ServiceArea]] = relationship(back_populates="directorate")


class ServiceArea(Versioned, Base):
    """A service area of one procedure; corporate ones sit within a directorate.

    ``for_compliments`` marks the areas compliments are reported by, which in the
    source document are a different list from the areas complaints are counted by.
    """

    __tablename__ = "service_area"
    __table_args__ = (sa.UniqueConstraint("procedure", "directorate_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure: Mapped[Procedure] = mapped_column(enum_type(Procedure))
    directorate_id: Mapped[int | None] = mapped_column(sa.ForeignKey("directorate.id"))
    name: Mapped[str] = mapped_column(sa.String(200))
    for_complaints: Mapped[bool] = mapped_column(default=True)
    for_compliments: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(default=0)

    directorate: Mapped[Directorate | None] = relationship(back_populates="service_areas")


class Team(Versioned, Base):
    """A team (children's social care reports complaints by team)."""

    __tablename__ = "team"
    __table_args__ = (sa.UniqueConstraint("procedure", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure: Mapped[Procedure] = mapped_column(enum_type(Procedure))
    service_area_id: Mapped[int | None] = mapped_column(sa.ForeignKey("service_area.id"))
    name: Mapped[str] = mapped_column(sa.String(200))
    active: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(default=0)


class Nature(Versioned, Base):
    """A nature of complaint, per procedure (reports count complaint points by nature)."""

    __tablename__ = "nature"
    __table_args__ = (sa.UniqueConstraint("procedure", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure: Mapped[Procedure] = mapped_column(enum_type(Procedure))
    name: Mapped[str] = mapped_column(sa.String(200))
    active: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(default=0)


class ServiceCategory(Versioned, Base):
    """Adult social care's "Number of complaints by service" categories."""

    __tablename__ = "service_category"
    __table_args__ = (sa.UniqueConstraint("procedure", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure: Mapped[Procedure] = mapped_column(enum_type(Procedure))
    name: Mapped[str] = mapped_column(sa.String(200))
    active: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(default=0)


class OutcomeCode(Versioned, Base):
    """Labels and report grouping for stage and point outcomes."""

    __tablename__ = "outcome_code"

    code: Mapped[Outcome] = mapped_column(enum_type(Outcome), primary_key=True)
    label: Mapped[str] = mapped_column(sa.String(80))
    sort_order: Mapped[int] = mapped_column(default=0)
    # True for upheld and partially upheld: the council was at fault at least in part.
    is_upheld: Mapped[bool] = mapped_column(default=False)


class StageTimescale(Versioned, Base):
    """One timescale of a procedure's stage (defaults from PRODUCT.md)."""

    __tablename__ = "stage_timescale"
    __table_args__ = (sa.UniqueConstraint("procedure", "stage", "rule"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure: Mapped[Procedure] = mapped_column(enum_type(Procedure))
    stage: Mapped[StageCode] = mapped_column(enum_type(StageCode))
    rule: Mapped[TimescaleRule] = mapped_column(enum_type(TimescaleRule))
    value: Mapped[int] = mapped_column()
    unit: Mapped[TimescaleUnit] = mapped_column(enum_type(TimescaleUnit))
    description: Mapped[str] = mapped_column(sa.String(300), default="")


class ReportBucket(Versioned, Base):
    """A timescale bucket of a report table: "within N working days" up to ``upper_days``.

    Buckets of one table are contiguous: each covers (previous upper, upper]; the last
    has ``upper_days`` NULL and covers everything beyond.
    """

    __tablename__ = "report_bucket"
    __table_args__ = (sa.UniqueConstraint("table_key", "sort_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    table_key: Mapped[str] = mapped_column(sa.String(80))
    procedure: Mapped[Procedure] = mapped_column(enum_type(Procedure))
    stage: Mapped[StageCode] = mapped_column(enum_type(StageCode))
    label: Mapped[str] = mapped_column(sa.String(120))
    upper_days: Mapped[int | None] = mapped_column()
    sort_order: Mapped[int] = mapped_column(default=0)


class KpiDefinition(Versioned, Base):
    """A key performance indicator with its target and direction."""

    __tablename__ = "kpi_definition"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(80), unique=True)
    label: Mapped[str] = mapped_column(sa.String(300))
    # What is measured: "in_timescale", "progressed_to_next_stage", "progressed_to_lgsco".
    measure: Mapped[str] = mapped_column(sa.String(60))
    procedure: Mapped[Procedure] = mapped_column(enum_type(Procedure))
    stage: Mapped[StageCode | None] = mapped_column(enum_type(StageCode))
    directorate_id: Mapped[int | None] = mapped_column(sa.ForeignKey("directorate.id"))
    threshold_days: Mapped[int | None] = mapped_column()
    threshold_unit: Mapped[TimescaleUnit | None] = mapped_column(enum_type(TimescaleUnit))
    target_percent: Mapped[float] = mapped_column(sa.Float)
    direction: Mapped[KpiDirection] = mapped_column(enum_type(KpiDirection))
    active: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(default=0)


class ClosureDay(Versioned, Base):
    """A council closure day: not a working day for any deadline."""

    __tablename__ = "closure_day"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(sa.Date, unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))


class ProcedurePolicy(Versioned, Base):
    """One version of a procedure's rules, in force for cases received from
    ``effective_from`` until the next version's date (see
    :mod:`crm_desktop.domain.procedure_policy`; ``rules`` is its JSON form). A version
    that cases follow is never edited, only superseded."""

    __tablename__ = "procedure_policy"
    __table_args__ = (sa.UniqueConstraint("procedure", "effective_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure: Mapped[Procedure] = mapped_column(enum_type(Procedure))
    name: Mapped[str] = mapped_column(sa.String(200))
    effective_from: Mapped[dt.date] = mapped_column(sa.Date)
    rules: Mapped[str] = mapped_column(sa.Text)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(sa.String(80))


class CalendarDay(Base):
    """One day of the working-day calendar, kept in the database so that queries can count
    working days in SQL (see :mod:`crm_desktop.db.calendar_table`).

    Derived data, never edited by hand: rebuilt from England and Wales's bank holidays and
    the ``closure_day`` table whenever a closure day changes or the program's list of
    bank holidays does. ``working_count`` is the number of working days from the
    calendar's first day up to and including this one, so the working days after ``a``
    up to and including ``b`` are ``working_count(b) - working_count(a)``, and the N-th
    working day after ``a`` is the first day whose count is ``working_count(a) + N``.

    ``working_count`` skips council closure days (the corporate clocks' calendar);
    ``statutory_count`` counts them as working days, as the children's and adult's
    regulations do (see :mod:`crm_desktop.domain.statutory`).
    """

    __tablename__ = "calendar_day"
    __table_args__ = (
        sa.Index("ix_calendar_day_working_count", "working_count", "day"),
        sa.Index("ix_calendar_day_statutory_count", "statutory_count", "day"),
    )

    day: Mapped[dt.date] = mapped_column(sa.Date, primary_key=True)
    working_count: Mapped[int] = mapped_column()
    is_working: Mapped[bool] = mapped_column()
    statutory_count: Mapped[int] = mapped_column(default=0)


class BaselineFigure(Versioned, Base):
    """A figure of a year that is not in the system as cases, for the annual report."""

    __tablename__ = "baseline_figure"
    __table_args__ = (sa.UniqueConstraint("financial_year", "table_key", "row_label", "measure"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    financial_year: Mapped[int] = mapped_column()  # 2021 means 2021/22
    # The procedure whose cases the row counts; None for figures not counted from cases
    # (the Ombudsman's own published figures).
    procedure: Mapped[Procedure | None] = mapped_column(enum_type(Procedure))
    table_key: Mapped[str] = mapped_column(sa.String(80))
    row_label: Mapped[str] = mapped_column(sa.String(300))
    # Which of a row's figures, for a table with more than one a year ("complaints");
    # "" for a table with one.
    measure: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    value: Mapped[float] = mapped_column(sa.Float)


class Setting(Versioned, Base):
    """A site setting (escalation contacts, reminder lead times, letterhead, ...)."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(sa.String(120), primary_key=True)
    value: Mapped[str] = mapped_column(sa.Text, default="")


# --------------------------------------------------------------------------------------
# People and users
# --------------------------------------------------------------------------------------


class Person(Versioned, Base):
    """Anyone the system knows: complainants, people cases are about, staff, investigators.

    The investigator eligibility attributes (PRODUCT.md, "Investigators and Independent
    Persons") live here because they are facts about the person, whatever role they hold.
    """

    __tablename__ = "person"
    __table_args__ = (
        # The few flagged people, looked among each time a complaint is recorded.
        sa.Index(
            "ix_person_vexatious",
            "id",
            postgresql_where=sa.text("vexatious"),
            sqlite_where=sa.text("vexatious = 1"),
        ),
        sqlite_only_index("ix_person_full_name", "full_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str | None] = mapped_column(sa.String(20))
    full_name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    address: Mapped[str | None] = mapped_column(sa.Text)
    postcode: Mapped[str | None] = mapped_column(sa.String(12))
    date_of_birth: Mapped[dt.date | None] = mapped_column(sa.Date)
    # Vexatious or persistent complainant (para. 47-48): a warning, never a block.
    vexatious: Mapped[bool] = mapped_column(default=False)
    vexatious_review_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    # When the unreasonable-behaviour policy was applied (the statutory annual report
    # counts the people it was applied to in the year).
    vexatious_since: Mapped[dt.date | None] = mapped_column(sa.Date)
    contact_arrangements: Mapped[str | None] = mapped_column(sa.Text)
    # Investigator and Independent Person attributes.
    is_investigator: Mapped[bool] = mapped_column(default=False, index=True)
    is_employee: Mapped[bool] = mapped_column(default=False)
    home_service_area_id: Mapped[int | None] = mapped_column(sa.ForeignKey("service_area.id"))
    left_employment_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    is_elected_member: Mapped[bool] = mapped_column(default=False)
    is_partner_of_member_or_officer: Mapped[bool] = mapped_column(default=False)
    # The spouse or civil partner of a former employee: the day that partner left.
    partner_left_employment_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    # Where the person sits in a service's management line: heads (or manages within) a
    # directorate, manages a service area.
    manages_directorate_id: Mapped[int | None] = mapped_column(sa.ForeignKey("directorate.id"))
    manages_service_area_id: Mapped[int | None] = mapped_column(sa.ForeignKey("service_area.id"))
    available: Mapped[bool] = mapped_column(default=True)
    unavailable_until: Mapped[dt.date | None] = mapped_column(sa.Date)
    daily_fee_pence: Mapped[int | None] = mapped_column()
    hourly_fee_pence: Mapped[int | None] = mapped_column()
    notes: Mapped[str | None] = mapped_column(sa.Text)
    anonymised_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime, default=utcnow)


class Role(Versioned, Base):
    """A user role and its description; permissions are enforced in the services."""

    __tablename__ = "role"

    code: Mapped[UserRole] = mapped_column(enum_type(UserRole), primary_key=True)
    label: Mapped[str] = mapped_column(sa.String(80))
    description: Mapped[str] = mapped_column(sa.String(300), default="")


class User(Versioned, Base):
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    role: Mapped[UserRole] = mapped_column(enum_type(UserRole), sa.ForeignKey("role.code"))
    # Deferred: loaded only when asked for. On PostgreSQL no login but the owner may read
    # it (sign-in asks the database for the signing-in account's own hash only).
    password_hash: Mapped[str | None] = mapped_column(sa.String(255), deferred=True)
    windows_account: Mapped[str | None] = mapped_column(sa.String(120), unique=True)
    # PostgreSQL: the user's own login role, which row-level security checks. Only the
    # owner sets it (it says which login acts as the user), so a new user's row leaves it
    # out: it starts empty (FetchedValue: the database's own default, no DDL).
    db_role: Mapped[str | None] = mapped_column(
        sa.String(63), sa.FetchedValue(), unique=True, index=True
    )
    # An investigator's user account is linked to their pool record.
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))
    # A service responder answers the cases of their service area.
    service_area_id: Mapped[int | None] = mapped_column(sa.ForeignKey("service_area.id"))
    active: Mapped[bool] = mapped_column(default=True)
    failed_sign_ins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    last_sign_in_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime, default=utcnow)


# --------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------


class ReferenceCounter(Base):
    """The last number issued for a reference prefix and year (CSC-2024-00017).

    Incremented inside the transaction that creates the case, so two officers saving
    at the same moment never get the same number.
    """

    __tablename__ = "reference_counter"

    prefix: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_number: Mapped[int] = mapped_column(default=0)


class RulesVersion(Base):
    """One row: a number the database draws afresh, at random, whenever the reference
    data or the rules a clock counts by change
    (:data:`crm_desktop.db.rules_cache.TRACKED_TABLES`, by triggers), so that a program
    may keep what it read of them until it changes."""

    __tablename__ = "rules_version"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class Case(Versioned, Base):
    """A representation: a complaint, a compliment or a comment."""

    __tablename__ = "representation"
    __table_args__ = (
        sa.Index("ix_representation_received_on_id", "received_on", "id"),
        sa.Index("ix_representation_procedure_received_on", "procedure", "received_on"),
        sa.Index("ix_representation_status_owner", "status", "owner_id"),
        sqlite_only_index("ix_representation_complainant_name", "complainant_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(40), unique=True)
    kind: Mapped[Kind] = mapped_column(enum_type(Kind))
    procedure: Mapped[Procedure] = mapped_column(enum_type(Procedure))
    channel: Mapped[Channel | None] = mapped_column(enum_type(Channel))
    received_on: Mapped[dt.date] = mapped_column(sa.Date)
    # The date of the events complained about, and the day they came to the complainant's
    # notice if later: a complaint made over 12 months after the later of the two is
    # flagged (SI 2009/309 reg. 12(1)).
    events_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    noticed_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    late_complaint_decision: Mapped[str | None] = mapped_column(sa.Text)
    directorate_id: Mapped[int | None] = mapped_column(sa.ForeignKey("directorate.id"))
    service_area_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("service_area.id"), index=True
    )
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("team.id"), index=True)
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    desired_outcome: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[CaseStatus] = mapped_column(enum_type(CaseStatus), default=CaseStatus.OPEN)
    closed_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    # The officer who owns the case ("my open cases").
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    # The stage the case is at now (its latest stage), kept so the case list can show,
    # sort and filter by stage and due date in SQL. No foreign key: stage also refers
    # to this table, and the workflow services keep the two in step.
    current_stage_id: Mapped[int | None] = mapped_column(index=True)
    # Display name of the main complainant, kept for the case list and quick search.
    complainant_name: Mapped[str | None] = mapped_column(sa.String(200))
    # The statutory annual reports' facts: who made a children's complaint and whether
    # advocacy was provided; whether the council decided an adult complaint was
    # well-founded; a representation not accepted as a complaint, why and when.
    complainant_type: Mapped[ComplainantType | None] = mapped_column(enum_type(ComplainantType))
    advocacy_provided: Mapped[bool | None] = mapped_column()
    well_founded: Mapped[bool | None] = mapped_column()
    not_accepted_reason: Mapped[NotAcceptedReason | None] = mapped_column(
        enum_type(NotAcceptedReason)
    )
    not_accepted_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    # Comments: the directorate's reply.
    reply_text: Mapped[str | None] = mapped_column(sa.Text)
    reply_received_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    legal_hold: Mapped[bool] = mapped_column(default=False)
    anonymised_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    imported: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(sa.String(80))

    stages: Mapped[list[Stage]] = relationship(
        back_populates="case", order_by="Stage.seq", cascade="all, delete-orphan"
    )
    points: Mapped[list[ComplaintPoint]] = relationship(
        back_populates="case", order_by="ComplaintPoint.seq", cascade="all, delete-orphan"
    )
    parties: Mapped[list[CaseParty]] = relationship(cascade="all, delete-orphan")


class CaseParty(Versioned, Base):
    """A person's connection to a case: complainant, subject, advocate, named staff."""

    __tablename__ = "case_party"
    __table_args__ = (sa.UniqueConstraint("case_id", "person_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("representation.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    role: Mapped[PartyRole] = mapped_column(enum_type(PartyRole))

    person: Mapped[Person] = relationship()


class CaseServiceCategory(Base):
    """Adult social care cases count under one or more service categories."""

    __tablename__ = "case_service_category"

    case_id: Mapped[int] = mapped_column(
        sa.ForeignKey("representation.id", ondelete="CASCADE"), primary_key=True
    )
    service_category_id: Mapped[int] = mapped_column(
        sa.ForeignKey("service_category.id"), primary_key=True
    )


class ComplaintPoint(Versioned, Base):
    """One point of a complaint, with its nature; outcomes are recorded per stage."""

    __tablename__ = "complaint_point"
    __table_args__ = (sa.UniqueConstraint("case_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("representation.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column()
    nature_id: Mapped[int | None] = mapped_column(sa.ForeignKey("nature.id"), index=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")

    case: Mapped[Case] = relationship(back_populates="points")
    outcomes: Mapped[list[PointOutcome]] = relationship(cascade="all, delete-orphan")


class Stage(Versioned, Base):
    """One stage of a case's procedure, with its clock.

    ``due_on`` is the current due date; it is derived from ``started_on``, the stage's
    timescale, its suspensions and its extensions by the deadline engine, and stored so
    queues can sort by it in SQL. Every change to it is a :class:`DueDateChange`.
    """

    __tablename__ = "stage"
    __table_args__ = (
        sa.UniqueConstraint("case_id", "seq"),
        sa.Index("ix_stage_status_due_on", "status", "due_on"),
        sa.Index("ix_stage_closed_on", "closed_on"),
        sa.Index("ix_stage_code_closed_on", "stage", "closed_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("representation.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column()  # 1, 2, ... in the order the stages happened
    stage: Mapped[StageCode] = mapped_column(enum_type(StageCode))
    previous_stage_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stage.id"))
    status: Mapped[StageStatus] = mapped_column(enum_type(StageStatus), default=StageStatus.OPEN)
    requested_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    acknowledged_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    acknowledge_due_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    # Children's Stage 2: the clock runs from the agreed statement of complaint.
    statement_agreed_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    started_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    timescale_days: Mapped[int | None] = mapped_column()
    extended_days: Mapped[int] = mapped_column(default=0)
    suspended_days: Mapped[int] = mapped_column(default=0)
    # Of those, the days an import file gave without dates (its clock was suspended
    # before the case came into the program): kept whenever the due date is worked out
    # again, and shown as such in its explanation.
    undated_suspended_days: Mapped[int] = mapped_column(default=0, server_default="0")
    due_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    # Adult complaints: the statutory outer limit (6 calendar months).
    outer_limit_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    closed_on: Mapped[dt.date | None] = mapped_column(sa.Date)  # the response was sent
    outcome: Mapped[Outcome | None] = mapped_column(enum_type(Outcome))
    outcome_override_reason: Mapped[str | None] = mapped_column(sa.Text)
    next_stage_requested_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    next_stage_window_override: Mapped[str | None] = mapped_column(sa.Text)
    # Children's Stage 3 review panel.
    panel_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    panel_report_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    council_response_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    # Children's Stage 3, three clocks (SI 2006/1738 regs. 19-21): the panel meets within
    # 30 working days of the request, reports within 5 of meeting, and the council
    # responds within 15 of receiving the report. ``due_on`` is the running one's.
    panel_due_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    panel_report_due_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    council_response_due_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    # The day the complainant received the response (the next stage's window counts
    # from it); None: the day after it was sent.
    response_received_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    # Adult: a longer response period agreed with the complainant before the six months
    # expired (SI 2009/309 reg. 14(4)(b)): its last day and the day it was agreed.
    agreed_period_ends_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    agreed_period_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    handler_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    responder_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    notes: Mapped[str | None] = mapped_column(sa.Text)

    case: Mapped[Case] = relationship(back_populates="stages")
    suspensions: Mapped[list[StageSuspension]] = relationship(
        cascade="all, delete-orphan", order_by="StageSuspension.starts_on"
    )
    extensions: Mapped[list[StageExtension]] = relationship(cascade="all, delete-orphan")
    lgsco: Mapped[LgscoDetail | None] = relationship(cascade="all, delete-orphan")


class PointOutcome(Versioned, Base):
    """The outcome of one complaint point at one stage."""

    __tablename__ = "point_outcome"
    __table_args__ = (sa.UniqueConstraint("point_id", "stage_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    point_id: Mapped[int] = mapped_column(sa.ForeignKey("complaint_point.id", ondelete="CASCADE"))
    stage_id: Mapped[int] = mapped_column(sa.ForeignKey("stage.id", ondelete="CASCADE"), index=True)
    outcome: Mapped[Outcome] = mapped_column(enum_type(Outcome))
    note: Mapped[str | None] = mapped_column(sa.Text)


class StageGrading(Base):
    """An adult complaint's grading and every regrading (append-only)."""

    __tablename__ = "stage_grading"

    id: Mapped[int] = mapped_column(primary_key=True)
    stage_id: Mapped[int] = mapped_column(sa.ForeignKey("stage.id", ondelete="CASCADE"))
    from_grade: Mapped[StageCode | None] = mapped_column(enum_type(StageCode))
    to_grade: Mapped[StageCode] = mapped_column(enum_type(StageCode))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    changed_by: Mapped[str | None] = mapped_column(sa.String(80))
    changed_at: Mapped[dt.datetime] = mapped_column(sa.DateTime, default=utcnow)


class StageSuspension(Versioned, Base):
    """The clock stopped from ``starts_on`` and resumed on ``ends_on`` (open while NULL);
    ``expected_resume_on``, when given, the day it is expected to restart."""

    __tablename__ = "stage_suspension"

    id: Mapped[int] = mapped_column(primary_key=True)
    stage_id: Mapped[int] = mapped_column(sa.ForeignKey("stage.id", ondelete="CASCADE"), index=True)
    starts_on: Mapped[dt.date] = mapped_column(sa.Date)
    ends_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    expected_resume_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    reason: Mapped[SuspensionReason] = mapped_column(enum_type(SuspensionReason))
    note: Mapped[str | None] = mapped_column(sa.Text)
    created_by: Mapped[str | None] = mapped_column(sa.String(80))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime, default=utcnow)


class StageExtension(Versioned, Base):
    __tablename__ = "stage_extension"

    id: Mapped[int] = mapped_column(primary_key=True)
    stage_id: Mapped[int] = mapped_column(sa.ForeignKey("stage.id", ondelete="CASCADE"), index=True)
    working_days: Mapped[int] = mapped_column()
    reason: Mapped[str] = mapped_column(sa.Text)
    agreed_with_complainant: Mapped[bool] = mapped_column(default=False)
    # It took the stage past its policy's limit, with a manager's recorded good reason
    # (the Complaint Handling Code, 6.4); kept when the reason's text is anonymised.
    beyond_limit: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_by: Mapped[str | None] = mapped_column(sa.String(80))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime, default=utcnow)


# Which date a DueDateChange changed (its ``field``).
FIELD_DUE = "due"
FIELD_ACKNOWLEDGE_DUE = "acknowledge due"
FIELD_OUTER_LIMIT = "outer limit"
FIELD_AGREED_PERIOD = "agreed period"


class DueDateChange(Base):
    """Every change to a stage's due date: who, when, why, before and after (append-only)."""

    __tablename__ = "due_date_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    stage_id: Mapped[int] = mapped_column(sa.ForeignKey("stage.id", ondelete="CASCADE"), index=True)
    # Which date changed: "due", "acknowledge due", "outer limit", "remedy deadline", ...
    field: Mapped[str] = mapped_column(sa.String(40), default="due")
    cause: Mapped[str] = mapped_column(sa.String(40))  # start, suspend, resume, extend, ...
    before: Mapped[dt.date | None] = mapped_column(sa.Date)
    after: Mapped[dt.date | None] = mapped_column(sa.Date)
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    changed_by: Mapped[str | None] = mapped_column(sa.String(80))
    changed_at: Mapped[dt.datetime] = mapped_column(sa.DateTime, default=utcnow)


# --------------------------------------------------------------------------------------
# Investigators, panels
# --------------------------------------------------------------------------------------


class Assignment(Versioned, Base):
    """A person appointed to a stage as IO, IP or panel member.

    Replacing someone keeps their row (status ``replaced``) and links the new one.
    """

    __tablename__ = "assignment"
    __table_args__ = (sa.Index("ix_assignment_person_status", "person_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    stage_id: Mapped[int] = mapped_column(sa.ForeignKey("stage.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"))
    role: Mapped[AssignmentRole] = mapped_column(enum_type(AssignmentRole))
    status: Mapped[AssignmentStatus] = mapped_column(
        enum_type(AssignmentStatus), default=AssignmentStatus.OFFERED
    )
    offered_on: Mapped[dt.date] = mapped_column(sa.Date)
    responded_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    report_due_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    report_received_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    replaced_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("assignment.id"))
    end_reason: Mapped[str | None] = mapped_column(sa.Text)
    # A manager's override of an eligibility warning.
    override_reason: Mapped[str | None] = mapped_column(sa.Text)
    overridden_by: Mapped[str | None] = mapped_column(sa.String(80))
    hours: Mapped[float | None] = mapped_column(sa.Float)
    fee_pence: Mapped[int | None] = mapped_column()
    progress_note: Mapped[str | None] = mapped_column(sa.Text)


# --------------------------------------------------------------------------------------
# The Ombudsman
# --------------------------------------------------------------------------------------


class LgscoDetail(Versioned, Base):
    """The Ombudsman's handling of an ``lgsco`` stage."""

    __tablename__ = "lgsco_detail"

    stage_id: Mapped[int] = mapped_column(
        sa.ForeignKey("stage.id", ondelete="CASCADE"), primary_key=True
    )
    lgsco_reference: Mapped[str | None] = mapped_column(sa.String(40))
    enquiry_received_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    enquiry_response_due_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    enquiry_responded_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    # The response date is the Ombudsman's own (else 20 working days after the enquiry).
    enquiry_due_from_ombudsman: Mapped[bool] = mapped_column(default=False)
    decision: Mapped[LgscoDecision | None] = mapped_column(enum_type(LgscoDecision, 60))
    # Which Ombudsman: the LGSCO, or for an adult complaint the Health Service Ombudsman.
    ombudsman: Mapped[Ombudsman] = mapped_column(
        enum_type(Ombudsman), default=Ombudsman.LGSCO, server_default=Ombudsman.LGSCO.value
    )
    decision_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    public_report: Mapped[bool] = mapped_column(default=False)
    # Imported total paid, where individual payments are not known.
    imported_payment_pence: Mapped[int | None] = mapped_column()
    # What the Ombudsman found the council did not comply with in its Complaint
    # Handling Code, as the decision says (empty: no such finding).
    code_finding: Mapped[str | None] = mapped_column(sa.Text)

    remedies: Mapped[list[LgscoRemedy]] = relationship(cascade="all, delete-orphan")
    payments: Mapped[list[LgscoPayment]] = relationship(cascade="all, delete-orphan")


class LgscoRemedy(Versioned, Base):
    __tablename__ = "lgsco_remedy"
    __table_args__ = (sa.Index("ix_lgsco_remedy_open_deadline", "completed_on", "deadline_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    stage_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lgsco_detail.stage_id", ondelete="CASCADE"), index=True
    )
    description: Mapped[str] = mapped_column(sa.Text)
    agreed_on: Mapped[dt.date] = mapped_column(sa.Date)
    deadline_on: Mapped[dt.date] = mapped_column(sa.Date)
    completed_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    evidence_sent_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    late: Mapped[bool] = mapped_column(default=False)
    escalation_level: Mapped[int] = mapped_column(default=0)
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))


class LgscoPayment(Versioned, Base):
    __tablename__ = "lgsco_payment"

    id: Mapped[int] = mapped_column(primary_key=True)
    stage_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lgsco_detail.stage_id", ondelete="CASCADE"), index=True
    )
    remedy_id: Mapped[int | None] = mapped_column(sa.ForeignKey("lgsco_remedy.id"))
    amount_pence: Mapped[int] = mapped_column()
    paid_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    payee: Mapped[str | None] = mapped_column(sa.String(200))


# --------------------------------------------------------------------------------------
# Learning, correspondence, attachments
# --------------------------------------------------------------------------------------


class ActionItem(Versioned, Base):
    """An action-plan item from an upheld complaint (learning from complaints)."""

    __tablename__ = "action_item"
    __table_args__ = (sa.Index("ix_action_item_open_due", "done_on", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        sa.ForeignKey("representation.id", ondelete="CASCADE"), index=True
    )
    stage_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stage.id"))
    action: Mapped[str] = mapped_column(sa.Text)
    owner: Mapped[str] = mapped_column(sa.String(200), default="")
    agreed_with: Mapped[str | None] = mapped_column(sa.String(200))  # Assistant Director
    due_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    done_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    evidence: Mapped[str | None] = mapped_column(sa.Text)
    learning_example: Mapped[bool] = mapped_column(default=False)


class Correspondence(Versioned, Base):
    __tablename__ = "correspondence"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        sa.ForeignKey("representation.id", ondelete="CASCADE"), index=True
    )
    stage_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stage.id"))
    direction: Mapped[CorrespondenceDirection] = mapped_column(enum_type(CorrespondenceDirection))
    channel: Mapped[CorrespondenceChannel] = mapped_column(enum_type(CorrespondenceChannel))
    template_key: Mapped[str | None] = mapped_column(sa.String(80))
    recipient: Mapped[str | None] = mapped_column(sa.String(300))
    subject: Mapped[str] = mapped_column(sa.String(300), default="")
    body: Mapped[str] = mapped_column(sa.Text, default="")
    sent_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    created_by: Mapped[str | None] = mapped_column(sa.String(80))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime, default=utcnow)


class Attachment(Base):
    """A file kept in the attachment store under a generated name."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        sa.ForeignKey("representation.id", ondelete="CASCADE"), index=True
    )
    correspondence_id: Mapped[int | None] = mapped_column(sa.ForeignKey("correspondence.id"))
    assignment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("assignment.id"))
    original_name: Mapped[str] = mapped_column(sa.String(255))
    stored_name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(120), default="application/octet-stream")
    size_bytes: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by: Mapped[str | None] = mapped_column(sa.String(80))
    uploaded_at: Mapped[dt.datetime] = mapped_column(sa.DateTime, default=utcnow)


# --------------------------------------------------------------------------------------
# Audit
# --------------------------------------------------------------------------------------


class AuditEvent(Base):
    """An append-only record of a change: who, when, what, before and after.

    ``hash`` chains each event to the one before it (``prev_hash``), in the order of
    ``chain_seq``, so an edited, deleted or reordered event can be found. On PostgreSQL
    an event is written with ``chain_seq`` empty and linked into the chain a moment
    later (see :mod:`crm_desktop.db.audit`). ``hash_version`` says how the hash was
    computed (empty: the first version, before events were numbered in the chain).
    """

    __tablename__ = "audit_event"
    __table_args__ = (
        sa.Index("ix_audit_event_case_id", "case_id", "id"),
        sa.Index("ix_audit_event_chain_seq", "chain_seq", unique=True),
        sa.Index(
            "ix_audit_event_unsealed",
            "id",
            postgresql_where=sa.text("chain_seq IS NULL"),
            sqlite_where=sa.text("chain_seq IS NULL"),
        ),
    )

    # 64-bit on PostgreSQL (SQLite's row ids always are): every audited write of every
    # login draws an id, a rolled-back one too, so at 32 bits a login drawing them on
    # purpose could use them up and stop every change for everyone.
    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True
    )
    occurred_at: Mapped[dt.datetime] = mapped_column(sa.DateTime, default=utcnow)
    username: Mapped[str | None] = mapped_column(sa.String(80))
    action: Mapped[str] = mapped_column(sa.String(80))
    entity: Mapped[str] = mapped_column(sa.String(80))
    entity_id: Mapped[str | None] = mapped_column(sa.String(80))
    case_id: Mapped[int | None] = mapped_column()
    before: Mapped[str | None] = mapped_column(sa.Text)  # JSON
    after: Mapped[str | None] = mapped_column(sa.Text)  # JSON
    prev_hash: Mapped[str | None] = mapped_column(sa.String(64))
    hash: Mapped[str | None] = mapped_column(sa.String(64))
    chain_seq: Mapped[int | None] = mapped_column(sa.BigInteger)
    hash_version: Mapped[int | None] = mapped_column(sa.SmallInteger)


from crm_desktop.db import models_code as _code  # noqa: E402, F401
from crm_desktop.db import models_correspondence as _correspondence  # noqa: E402, F401
from crm_desktop.db import models_privacy as _privacy  # noqa: E402, F401
