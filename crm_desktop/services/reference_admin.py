"""Reference data (a manager's) and users (an administrator's), as they are edited (and
as the forms list them).

Every change takes the session of the caller's write transaction, the acting user (whom
the change is recorded under) and the values typed; it checks them completely before it
changes anything, refuses with a plain message, and returns the row as plain data. Who
may make these changes is the access policy's to say (``operations.admin``), not this
module's.
Each change of an existing row names the version the user saw: if someone else saved
the row since, the change is refused with who changed it and when (optimistic locking),
never silently overwritten.

Reading (``list_*``, :func:`reference_choices`) needs no particular role: the case forms
use the same lists.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db.models import (
    ClosureDay,
    Directorate,
    KpiDefinition,
    Nature,
    Person,
    ServiceArea,
    ServiceCategory,
    StageTimescale,
    Team,
    User,
)
from crm_desktop.domain.access import Actor
from crm_desktop.domain.enums import (
    KpiDirection,
    Procedure,
    StageCode,
    TimescaleRule,
    TimescaleUnit,
    UserRole,
)
from crm_desktop.domain.formatting import format_date
from crm_desktop.errors import NotFound, ValidationError
from crm_desktop.services import clock
from crm_desktop.services import users as user_service
from crm_desktop.services.calendar_service import working_calendar
from crm_desktop.services.procedure_policies import all_versions as policy_book_versions

_T = TypeVar("_T")

MAX_NAME = 200
MAX_WORKING_DAYS = 500
MAX_MONTHS = 60


# --------------------------------------------------------------------------- helpers


class _Versioned(Protocol):
    version: int
    updated_by: str | None
    updated_at: dt.datetime

    def check_version(self, expected: int | None, what: str) -> None: ...


def _name(value: str, what: str, field: str = "name") -> str:
    text = " ".join((value or "").split())
    if not text:
        raise ValidationError(f"Enter the {what}'s name.", field)
    if len(text) > MAX_NAME:
        raise ValidationError(
            f"The {what}'s name is {len(text)} characters; the most is {MAX_NAME}.", field
        )
    return text


def _procedure(value: Procedure | str) -> Procedure:
    try:
        return Procedure(value)
    except ValueError:
        raise ValidationError(f"'{value}' is not a procedure.", "procedure") from None


def _get(session: Session, model: type[_T], row_id: object, what: str) -> _T:
    row = session.get(model, row_id)
    if row is None:
        raise NotFound(f"That {what} no longer exists. Reload the list.")
    return row


def _touch(row: _Versioned, actor: Actor) -> None:
    row.updated_by = actor.username


# --------------------------------------------------------------------------- choices


@dataclass(frozen=True)
class AreaChoice:
    name: str
    directorate: str | None
    for_complaints: bool
    for_compliments: bool


@dataclass(frozen=True)
class ReferenceChoices:
    """The active names a case form offers, per procedure value, in reference order."""

    directorates: tuple[str, ...]
    service_areas: dict[str, tuple[AreaChoice, ...]]
    teams: dict[str, tuple[str, ...]]
    natures: dict[str, tuple[str, ...]]
    service_categories: dict[str, tuple[str, ...]]

    def areas(
        self, procedure: Procedure | str, directorate: str | None = None, kind: str = "complaint"
    ) -> list[str]:
        """Service area names of a procedure (within a directorate, if given)."""
        wanted = []
        for area in self.service_areas.get(str(Procedure(procedure).value), ()):
            if directorate and area.directorate and area.directorate != directorate:
                continue
            if kind == "compliment" and not area.for_compliments:
                continue
            if kind != "compliment" and not area.for_complaints:
                continue
            wanted.append(area.name)
        return list(dict.fromkeys(wanted))


def reference_choices(session: Session) -> ReferenceChoices:
    directorates = tuple(
        session.scalars(
            sa.select(Directorate.name)
            .where(Directorate.active.is_(True))
            .order_by(Directorate.sort_order, Directorate.id)
        )
    )
    areas: dict[str, list[AreaChoice]] = {p.value: [] for p in Procedure}
    for row in session.execute(
        sa.select(
            ServiceArea.procedure,
            ServiceArea.name,
            Directorate.name,
            ServiceArea.for_complaints,
            ServiceArea.for_compliments,
        )
        .outerjoin(Directorate, Directorate.id == ServiceArea.directorate_id)
        .where(ServiceArea.active.is_(True))
        .order_by(ServiceArea.procedure, Directorate.sort_order, ServiceArea.sort_order)
    ):
        areas[Procedure(row[0]).value].append(AreaChoice(row[1], row[2], row[3], row[4]))

    def names(
        model: type[Team] | type[Nature] | type[ServiceCategory],
    ) -> dict[str, tuple[str, ...]]:
        found: dict[str, list[str]] = {p.value: [] for p in Procedure}
        for procedure, name in session.execute(
            sa.select(model.procedure, model.name)
            .where(model.active.is_(True))
            .order_by(model.sort_order, model.id)
        ):
            found[Procedure(procedure).value].append(name)
        return {k: tuple(v) for k, v in found.items()}

    return ReferenceChoices(
        directorates=directorates,
        service_areas={k: tuple(v) for k, v in areas.items()},
        teams=names(Team),
        natures=names(Nature),
        service_categories=names(ServiceCategory),
    )


# --------------------------------------------------------------------------- natures


@dataclass(frozen=True)
class NatureRow:
    id: int
    procedure: str
    name: str
    active: bool
    sort_order: int
    version: int


def _nature_row(n: Nature) -> NatureRow:
    return NatureRow(n.id, Procedure(n.procedure).value, n.name, n.active, n.sort_order, n.version)


def list_natures(session: Session, procedure: Procedure | str | None = None) -> list[NatureRow]:
    query = sa.select(Nature).order_by(Nature.procedure, Nature.sort_order, Nature.id)
    if procedure is not None:
        query = query.where(Nature.procedure == _procedure(procedure))
    return [_nature_row(n) for n in session.scalars(query)]


def _unique_nature(session: Session, procedure: Procedure, name: str, own_id: int | None) -> None:
    clash = session.scalar(
        sa.select(Nature.id).where(
            Nature.procedure == procedure, sa.func.lower(Nature.name) == name.lower()
        )
    )
    if clash is not None and clash != own_id:
        raise ValidationError(f"{procedure.label} already has a nature called '{name}'.", "name")


def add_nature(session: Session, actor: Actor, procedure: Procedure | str, name: str) -> NatureRow:
    proc = _procedure(procedure)
    text = _name(name, "nature")
    _unique_nature(session, proc, text, None)
    last = session.scalar(sa.select(sa.func.max(Nature.sort_order)).where(Nature.procedure == proc))
    row = Nature(procedure=proc, name=text, sort_order=(last or 0) + 1, updated_by=actor.username)
    session.add(row)
    session.flush()
    return _nature_row(row)


def update_nature(
    session: Session, actor: Actor, nature_id: int, version: int, *, name: str, active: bool
) -> NatureRow:
    """Rename a nature or retire it (retired natures stay on old cases and in reports)."""
    row = _get(session, Nature, nature_id, "nature")
    row.check_version(version, f"The nature '{row.name}'")
    text = _name(name, "nature")
    _unique_nature(session, Procedure(row.procedure), text, row.id)
    row.name, row.active = text, bool(active)
    _touch(row, actor)
    session.flush()
    return _nature_row(row)


# ---------------------------------------------------------------------- service areas


@dataclass(frozen=True)
class ServiceAreaRow:
    id: int
    procedure: str
    directorate: str | None
    name: str
    for_complaints: bool
    for_compliments: bool
    active: bool
    version: int
    directorate_id: int | None = None


def list_service_areas(
    session: Session, procedure: Procedure | str | None = None
) -> list[ServiceAreaRow]:
    query = (
        sa.select(ServiceArea, Directorate.name)
        .outerjoin(Directorate, Directorate.id == ServiceArea.directorate_id)
        .order_by(ServiceArea.procedure, Directorate.sort_order, ServiceArea.sort_order)
    )
    if procedure is not None:
        query = query.where(ServiceArea.procedure == _procedure(procedure))
    return [
        ServiceAreaRow(
            a.id,
            Procedure(a.procedure).value,
            directorate,
            a.name,
            a.for_complaints,
            a.for_compliments,
            a.active,
            a.version,
            a.directorate_id,
        )
        for a, directorate in session.execute(query)
    ]


def _area_row(session: Session, area: ServiceArea) -> ServiceAreaRow:
    directorate = (
        session.scalar(sa.select(Directorate.name).where(Directorate.id == area.directorate_id))
        if area.directorate_id
        else None
    )
    return ServiceAreaRow(
        area.id,
        Procedure(area.procedure).value,
        directorate,
        area.name,
        area.for_complaints,
        area.for_compliments,
        area.active,
        area.version,
        area.directorate_id,
    )


def _check_area(
    session: Session,
    procedure: Procedure,
    directorate_id: int | None,
    name: str,
    own_id: int | None,
    for_complaints: bool,
    for_compliments: bool,
) -> None:
    if not (for_complaints or for_compliments):
        raise ValidationError(
            "A service area is used for complaints, for compliments or both: tick at least one.",
            "for_complaints",
        )
    query = sa.select(ServiceArea.id).where(
        ServiceArea.procedure == procedure, sa.func.lower(ServiceArea.name) == name.lower()
    )
    query = query.where(
        ServiceArea.directorate_id.is_(None)
        if directorate_id is None
        else ServiceArea.directorate_id == directorate_id
    )
    clash = session.scalar(query)
    if clash is not None and clash != own_id:
        raise ValidationError(f"There is already a service area called '{name}' there.", "name")


def add_service_area(
    session: Session,
    actor: Actor,
    procedure: Procedure | str,
    name: str,
    *,
    directorate: str | None = None,
    for_complaints: bool = True,
    for_compliments: bool = False,
) -> ServiceAreaRow:
    proc = _procedure(procedure)
    text = _name(name, "service area")
    directorate_id = None
    if proc == Procedure.CORPORATE:
        if not directorate:
            raise ValidationError("Choose the directorate the service area is in.", "directorate")
        directorate_id = session.scalar(
            sa.select(Directorate.id).where(Directorate.name == directorate)
        )
        if directorate_id is None:
            raise ValidationError(f"There is no directorate called '{directorate}'.", "directorate")
    elif directorate:
        raise ValidationError(
            "Only corporate service areas belong to a directorate.", "directorate"
        )
    _check_area(session, proc, directorate_id, text, None, for_complaints, for_compliments)
    last = session.scalar(
        sa.select(sa.func.max(ServiceArea.sort_order)).where(ServiceArea.procedure == proc)
    )
    area = ServiceArea(
        procedure=proc,
        directorate_id=directorate_id,
        name=text,
        for_complaints=for_complaints,
        for_compliments=for_compliments,
        sort_order=(last or 0) + 1,
        updated_by=actor.username,
    )
    session.add(area)
    session.flush()
    return _area_row(session, area)


def update_service_area(
    session: Session,
    actor: Actor,
    area_id: int,
    version: int,
    *,
    name: str,
    active: bool,
    for_complaints: bool,
    for_compliments: bool,
) -> ServiceAreaRow:
    area = _get(session, ServiceArea, area_id, "service area")
    area.check_version(version, f"The service area '{area.name}'")
    text = _name(name, "service area")
    _check_area(
        session,
        Procedure(area.procedure),
        area.directorate_id,
        text,
        area.id,
        for_complaints,
        for_compliments,
    )
    area.name, area.active = text, bool(active)
    area.for_complaints, area.for_compliments = bool(for_complaints), bool(for_compliments)
    _touch(area, actor)
    session.flush()
    return _area_row(session, area)


# ------------------------------------------------------------------------ timescales


@dataclass(frozen=True)
class TimescaleRow:
    """One timescale of a procedure's stage; extension limits are the ``extension limit``
    rows."""

    id: int
    procedure: str
    stage: str
    rule: str
    value: int
    unit: str
    description: str
    version: int


def _timescale_row(t: StageTimescale) -> TimescaleRow:
    return TimescaleRow(
        t.id,
        Procedure(t.procedure).value,
        StageCode(t.stage).value,
        TimescaleRule(t.rule).value,
        t.value,
        TimescaleUnit(t.unit).value,
        t.description,
        t.version,
    )


# The rules a procedure policy holds for the stages it covers (the other rules of those
# stages, such as the Ombudsman's, stay reference data).
_POLICY_RULES = frozenset(
    {
        TimescaleRule.DURATION,
        TimescaleRule.ACKNOWLEDGE,
        TimescaleRule.EXTENSION_LIMIT,
        TimescaleRule.NEXT_STAGE_WINDOW,
    }
)


def _covered_by_policy(session: Session) -> set[tuple[Procedure, StageCode]]:
    return {
        (policy.procedure, stage.stage)
        for policy in policy_book_versions(session)
        for stage in policy.rules.stages
    }


def _is_covered(t: StageTimescale, covered: set[tuple[Procedure, StageCode]]) -> bool:
    return (
        TimescaleRule(t.rule) in _POLICY_RULES
        and (Procedure(t.procedure), StageCode(t.stage)) in covered
    )


def list_timescales(session: Session) -> list[TimescaleRow]:
    """The timescales kept as reference data; those of stages a procedure policy covers
    (corporate Stages 1 and 2) are the policy's, so they are not listed."""
    covered = _covered_by_policy(session)
    return [
        _timescale_row(t)
        for t in session.scalars(sa.select(StageTimescale).order_by(StageTimescale.id))
        if not _is_covered(t, covered)
    ]


def set_timescale(
    session: Session, actor: Actor, timescale_id: int, version: int, value: int
) -> TimescaleRow:
    """Change one timescale. New clocks use it; clocks already running keep their dates."""
    row = _get(session, StageTimescale, timescale_id, "timescale")
    what = f"The timescale '{row.description or row.rule}'"
    row.check_version(version, what)
    if _is_covered(row, _covered_by_policy(session)):
        raise ValidationError(
            f"{Procedure(row.procedure).label} {StageCode(row.stage).label} timescales are "
            "set by the procedure's policy versions, each for the cases received from its "
            "date: add a new version under Procedure policies instead.",
            "value",
        )
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError("Enter a whole number.", "value")
    unit = TimescaleUnit(row.unit)
    if unit == TimescaleUnit.PERCENT:
        if not 1 <= value <= 100:
            raise ValidationError("A percentage is from 1 to 100.", "value")
    elif unit == TimescaleUnit.CALENDAR_MONTHS:
        if not 1 <= value <= MAX_MONTHS:
            raise ValidationError(f"Enter from 1 to {MAX_MONTHS} calendar months.", "value")
    elif not 1 <= value <= MAX_WORKING_DAYS:
        raise ValidationError(f"Enter from 1 to {MAX_WORKING_DAYS} working days.", "value")
    rule = TimescaleRule(row.rule)
    siblings = {
        TimescaleRule(r.rule): r.value
        for r in session.scalars(
            sa.select(StageTimescale).where(
                StageTimescale.procedure == row.procedure,
                StageTimescale.stage == row.stage,
                StageTimescale.id != row.id,
            )
        )
    }
    stage_label = f"{Procedure(row.procedure).label} {StageCode(row.stage).label}"
    if rule == TimescaleRule.EXTENSION_LIMIT and TimescaleRule.DURATION in siblings:
        duration = siblings[TimescaleRule.DURATION]
        if value < duration:
            raise ValidationError(
                f"The extension limit ({value} working days) cannot be shorter than the "
                f"{stage_label} timescale ({duration} working days).",
                "value",
            )
    if rule == TimescaleRule.DURATION and TimescaleRule.EXTENSION_LIMIT in siblings:
        limit = siblings[TimescaleRule.EXTENSION_LIMIT]
        if value > limit:
            raise ValidationError(
                f"The {stage_label} timescale ({value} working days) cannot be longer than "
                f"its extension limit ({limit} working days). Raise the limit first.",
                "value",
            )
    row.value = value
    _touch(row, actor)
    session.flush()
    return _timescale_row(row)


# ---------------------------------------------------------------------------- KPIs


@dataclass(frozen=True)
class KpiRow:
    id: int
    code: str
    label: str
    procedure: str
    stage: str | None
    target_percent: float
    direction: str
    active: bool
    version: int
    threshold_days: int | None = None  # for a KPI counted in working days: within how many
    in_working_days: bool = False


def _kpi_row(k: KpiDefinition) -> KpiRow:
    return KpiRow(
        k.id,
        k.code,
        k.label,
        Procedure(k.procedure).value,
        StageCode(k.stage).value if k.stage else None,
        float(k.target_percent),
        KpiDirection(k.direction).value,
        k.active,
        k.version,
        k.threshold_days,
        k.threshold_unit == TimescaleUnit.WORKING_DAYS,
    )


def list_kpis(session: Session) -> list[KpiRow]:
    return [
        _kpi_row(k)
        for k in session.scalars(
            sa.select(KpiDefinition).order_by(KpiDefinition.sort_order, KpiDefinition.id)
        )
    ]


def set_kpi_target(
    session: Session,
    actor: Actor,
    kpi_id: int,
    version: int,
    target_percent: float,
    active: bool | None = None,
    threshold_days: int | None = None,
) -> KpiRow:
    """A KPI's target (a percentage), whether it is shown, and for a KPI measured in
    working days (such as the days from a children's Stage 2 request to its start) the
    number of working days it counts within."""
    row = _get(session, KpiDefinition, kpi_id, "KPI")
    row.check_version(version, f"The KPI '{row.label}'")
    try:
        target = float(target_percent)
    except (TypeError, ValueError):
        raise ValidationError("Enter the target as a percentage, e.g. 90.", "target") from None
    if not 0 <= target <= 100:
        raise ValidationError("A target is a percentage from 0 to 100.", "target")
    row.target_percent = round(target, 1)
    if active is not None:
        row.active = bool(active)
    if threshold_days is not None:
        if row.threshold_unit != TimescaleUnit.WORKING_DAYS:
            raise ValidationError(
                f"The KPI '{row.label}' is not counted in working days.", "threshold_days"
            )
        if isinstance(threshold_days, bool) or not 0 <= int(threshold_days) <= 250:
            raise ValidationError(
                "Enter the working days as a whole number from 0 to 250.", "threshold_days"
            )
        row.threshold_days = int(threshold_days)
    _touch(row, actor)
    session.flush()
    return _kpi_row(row)


# ---------------------------------------------------------------------- closure days


@dataclass(frozen=True)
class ClosureDayRow:
    id: int
    day: dt.date
    name: str
    version: int
    # Adding or removing it: the open corporate stages whose dates moved.
    stages_moved: int = 0


def stages_moved_text(stages_moved: int) -> str:
    """What adding or removing a closure day did to running clocks, in words ("" for
    nothing)."""
    if not stages_moved:
        return ""
    cases = "case" if stages_moved == 1 else "cases"
    return f"Due dates worked out again for {stages_moved} open corporate {cases}."


def list_closure_days(session: Session) -> list[ClosureDayRow]:
    return [
        ClosureDayRow(c.id, c.day, c.name, c.version)
        for c in session.scalars(sa.select(ClosureDay).order_by(ClosureDay.day))
    ]


def add_closure_day(session: Session, actor: Actor, day: dt.date, name: str) -> ClosureDayRow:
    """A council closure day: not a working day for corporate deadlines, also those of
    clocks already running (their dates are worked out again and the change recorded:
    :func:`~crm_desktop.services.clock.retime_for_closure_day`). The statutory
    children's and adult's clocks count it as a working day (the regulations know no
    closure days)."""
    text = _name(name, "closure day")
    existing = session.scalar(sa.select(ClosureDay).where(ClosureDay.day == day))
    if existing is not None:
        raise ValidationError(
            f"{format_date(day)} is already a closure day ({existing.name}).", "day"
        )
    if day.weekday() >= 5:
        raise ValidationError(
            f"{format_date(day)} is a {day:%A}: it is not a working day already.", "day"
        )
    cal = working_calendar(session)
    if not cal.knows(day):
        raise ValidationError(
            f"{format_date(day)} is outside the years the calendar knows "
            f"({cal.first_year} to {cal.last_year}).",
            "day",
        )
    if not cal.is_working_day(day):
        raise ValidationError(
            f"{format_date(day)} is a bank holiday: it is not a working day already.", "day"
        )
    row = ClosureDay(day=day, name=text, updated_by=actor.username)
    session.add(row)
    session.flush()
    moved = clock.retime_for_closure_day(session, day, text, True, actor.username)
    return ClosureDayRow(row.id, row.day, row.name, row.version, moved)


def remove_closure_day(session: Session, actor: Actor, closure_id: int, version: int) -> int:
    """Remove a closure day; the number of open corporate stages whose dates moved."""
    row = _get(session, ClosureDay, closure_id, "closure day")
    row.check_version(version, f"The closure day {format_date(row.day)}")
    day, name = row.day, row.name
    session.delete(row)
    session.flush()
    return clock.retime_for_closure_day(session, day, name, False, actor.username)


def remove_closure_day_on(session: Session, actor: Actor, day: dt.date) -> ClosureDayRow:
    """Remove the closure day on ``day``; returns what was removed."""
    row = session.scalar(sa.select(ClosureDay).where(ClosureDay.day == day))
    if row is None:
        raise ValidationError(
            f"{format_date(day)} is not a closure day; 'calendar closure list' shows them.",
            "day",
        )
    row.updated_by = actor.username
    session.delete(row)
    session.flush()
    moved = clock.retime_for_closure_day(session, row.day, row.name, False, actor.username)
    return ClosureDayRow(row.id, row.day, row.name, row.version, moved)


# ---------------------------------------------------------------------------- users


@dataclass(frozen=True)
class UserRow:
    id: int
    username: str
    display_name: str
    role: str
    active: bool
    windows_account: str | None
    last_sign_in_at: dt.datetime | None
    locked: bool
    version: int
    person_id: int | None = None  # an investigator's record in the pool
    person_name: str = ""
    service_area_id: int | None = None  # a service responder's service area
    service_area_name: str = ""

    @property
    def linked_to(self) -> str:
        """Whose pool record or which service area the account answers for, if any."""
        return self.person_name or self.service_area_name


def _user_row(u: User, now: dt.datetime | None = None) -> UserRow:
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    session = sa.inspect(u).session
    person = session.get(Person, u.person_id) if session and u.person_id else None
    area = session.get(ServiceArea, u.service_area_id) if session and u.service_area_id else None
    return UserRow(
        u.id,
        u.username,
        u.display_name,
        UserRole(u.role).value,
        u.active,
        u.windows_account,
        u.last_sign_in_at,
        u.locked_until is not None and u.locked_until > now,
        u.version,
        u.person_id,
        person.full_name if person else "",
        u.service_area_id,
        area.name if area else "",
    )


def list_user_rows(session: Session) -> list[UserRow]:
    return [_user_row(u) for u in session.scalars(sa.select(User).order_by(User.username))]


def _check_links(
    session: Session, role: UserRole, person_id: int | None, service_area_id: int | None
) -> None:
    """An investigator's account is linked to their pool record; a service responder's to
    the service area whose cases they answer."""
    if role == UserRole.INVESTIGATOR:
        if person_id is None:
            raise ValidationError(
                "Choose the investigator's record in the pool: their account is linked to it.",
                "person",
            )
        person = session.get(Person, person_id)
        if person is None or not person.is_investigator:
            raise ValidationError(
                "That person is not in the investigator pool. Add them on the Investigators "
                "page first.",
                "person",
            )
        clash = session.scalar(
            sa.select(User.username).where(
                User.person_id == person_id, User.role == UserRole.INVESTIGATOR
            )
        )
        if clash is not None:
            raise ValidationError(f"{person.full_name} already signs in as {clash}.", "person")
    if role == UserRole.SERVICE_RESPONDER:
        if service_area_id is None:
            raise ValidationError(
                "Choose the service area whose cases this responder answers.", "service_area"
            )
        if session.get(ServiceArea, service_area_id) is None:
            raise NotFound("That service area no longer exists. Reload the list.")


def _free_windows_account(
    session: Session, windows_account: str | None, user_id: int | None
) -> str | None:
    """The Windows account as stored (lower case; None if blank), refused if another
    user already signs in with it."""
    account = (windows_account or "").strip().lower() or None
    if account is not None:
        others = sa.select(User.username).where(User.windows_account == account)
        if user_id is not None:
            others = others.where(User.id != user_id)
        clash = session.scalar(others)
        if clash is not None:
            raise ValidationError(
                f"The Windows account {account} is already used by {clash}.", "windows_account"
            )
    return account


@dataclass(frozen=True)
class Choice:
    """A record chosen by name (an id the screens keep, never show)."""

    id: int
    name: str
    detail: str = ""


@dataclass(frozen=True)
class AccountChoices:
    """What a user account can be linked to: the investigator pool (for an investigator's
    sign-in; those who already have one say so) and the service areas in use (for a
    service responder)."""

    people: list[Choice]
    service_areas: list[Choice]


def account_choices(session: Session) -> AccountChoices:
    signed_in = dict(
        session.execute(
            sa.select(User.person_id, User.username).where(
                User.person_id.is_not(None), User.role == UserRole.INVESTIGATOR
            )
        ).all()
    )
    people = [
        Choice(p.id, p.full_name, f"signs in as {signed_in[p.id]}" if p.id in signed_in else "")
        for p in session.scalars(
            sa.select(Person)
            .where(Person.is_investigator.is_(True), Person.anonymised_at.is_(None))
            .order_by(Person.full_name)
        )
    ]
    areas = [
        # The procedure, and the directorate where there is one: two directorates may
        # each have an area of one name.
        Choice(a.id, a.name, ", ".join(x for x in (Procedure(a.procedure).label, within) if x))
        for a, within in session.execute(
            sa.select(ServiceArea, Directorate.name)
            .outerjoin(Directorate, Directorate.id == ServiceArea.directorate_id)
            .where(ServiceArea.active.is_(True))
            .order_by(ServiceArea.name, ServiceArea.procedure, Directorate.name)
        ).all()
    ]
    return AccountChoices(people, areas)


def responder_area(choices: AccountChoices, given: str) -> int:
    """The service area a responder's account is for, named as people name it: "Contact
    Centre", or "Contact Centre (Corporate, Adults)" where several areas share a name."""
    wanted = " ".join(given.split()).casefold()
    found = [
        a
        for a in choices.service_areas
        if wanted in (a.name.casefold(), f"{a.name} ({a.detail})".casefold())
    ]
    if len(found) == 1:
        return found[0].id
    if found:
        named = "; ".join(f"{a.name} ({a.detail})" for a in found)
        raise ValidationError(
            f"More than one service area is called {given.strip()}: give one as {named}.",
            "service_area",
        )
    names = sorted({a.name for a in choices.service_areas}, key=str.casefold)
    if not names:
        raise ValidationError(
            "There are no service areas in use yet: add one on the Admin page (Service "
            "areas) first.",
            "service_area",
        )
    raise ValidationError(
        f"There is no service area called {given.strip()}. Give one of: " + "; ".join(names) + ".",
        "service_area",
    )


def has_users(session: Session) -> bool:
    return session.scalar(sa.select(sa.func.count(User.id))) != 0


def _role(value: UserRole | str) -> UserRole:
    try:
        return UserRole(value)
    except ValueError:
        roles = ", ".join(r.value for r in UserRole)
        raise ValidationError(f"'{value}' is not a role. Roles: {roles}.", "role") from None


def create_first_administrator(
    session: Session, username: str, display_name: str, password: str, confirm: str
) -> UserRow:
    """The first account of a new database: an administrator (a manager who also adds
    the team's accounts and gives their roles). Refused once any user exists."""
    if has_users(session):
        raise ValidationError(
            "This database already has users: sign in, or ask an administrator for an account."
        )
    if password != confirm:
        raise ValidationError("The two passwords are not the same. Type them again.", "confirm")
    if not display_name.strip():
        raise ValidationError("Enter your name as colleagues should see it.", "display_name")
    view = user_service.add_user(
        session, username, UserRole.ADMIN, display_name=display_name, password=password
    )
    user = session.get(User, view.id)
    assert user is not None
    return _user_row(user)


def add_user_account(
    session: Session,
    actor: Actor,
    username: str,
    role: UserRole | str,
    *,
    display_name: str,
    password: str | None = None,
    confirm: str | None = None,
    windows_account: str | None = None,
    email: str | None = None,
    person_id: int | None = None,
    service_area_id: int | None = None,
) -> UserRow:
    """Add a user account (an investigator's is linked to their record in the pool, a
    service responder's to their service area)."""
    if not display_name.strip():
        raise ValidationError("Enter the user's name as colleagues should see it.", "display_name")
    password = password or None
    if password is not None and password != (confirm or ""):
        raise ValidationError("The two passwords are not the same. Type them again.", "confirm")
    new_role = _role(role)
    _check_links(
        session,
        new_role,
        person_id if new_role == UserRole.INVESTIGATOR else None,
        service_area_id if new_role == UserRole.SERVICE_RESPONDER else None,
    )
    _free_windows_account(session, windows_account, None)
    view = user_service.add_user(
        session,
        username,
        _role(role),
        display_name=display_name,
        password=password,
        windows_account=(windows_account or "").strip() or None,
        email=(email or "").strip() or None,
        person_id=person_id if new_role == UserRole.INVESTIGATOR else None,
    )
    user = session.get(User, view.id)
    assert user is not None
    if new_role == UserRole.SERVICE_RESPONDER:
        user.service_area_id = service_area_id
    user.updated_by = actor.username
    session.flush()
    return _user_row(user)


def update_user(
    session: Session,
    actor: Actor,
    user_id: int,
    version: int,
    *,
    display_name: str,
    role: UserRole | str,
    active: bool,
    windows_account: str | None = None,
    person_id: int | None = None,
    service_area_id: int | None = None,
) -> UserRow:
    """Change a user's name, role, Windows account or whether they can sign in (and, for
    an investigator or a service responder, their pool record or service area; None
    keeps the one they have)."""
    user = _get(session, User, user_id, "user")
    user.check_version(version, f"The user {user.username}")
    new_role = _role(role)
    if not display_name.strip():
        raise ValidationError("Enter the user's name as colleagues should see it.", "display_name")
    user_service.check_keeps_a_manager(session, user, new_role, active, actor)
    person = person_id if person_id is not None else user.person_id
    area = service_area_id if service_area_id is not None else user.service_area_id
    if new_role == UserRole.INVESTIGATOR and (
        person != user.person_id or UserRole(user.role) != UserRole.INVESTIGATOR
    ):
        _check_links(session, new_role, person, None)
    if new_role == UserRole.SERVICE_RESPONDER:
        _check_links(session, new_role, None, area)
    account = _free_windows_account(session, windows_account, user.id)
    if account is None and not user_service.has_password(session, user):
        raise ValidationError(
            "This user has no password, so they need a Windows account to sign in.",
            "windows_account",
        )
    user.display_name = display_name.strip()
    user.role = new_role
    user.windows_account = account
    if new_role == UserRole.INVESTIGATOR:
        user.person_id = person
    if new_role == UserRole.SERVICE_RESPONDER:
        user.service_area_id = area
    if active and not user.active:
        user.failed_sign_ins = 0
        user.locked_until = None
    user.active = bool(active)
    _touch(user, actor)
    session.flush()
    return _user_row(user)


def reset_password(
    session: Session, actor: Actor, user_id: int, version: int, password: str, confirm: str
) -> UserRow:
    """Set a user's password (and unlock the account)."""
    user = _get(session, User, user_id, "user")
    user.check_version(version, f"The user {user.username}")
    if password != confirm:
        raise ValidationError("The two passwords are not the same. Type them again.", "confirm")
    user_service.set_password(session, user.username, password)
    _touch(user, actor)
    session.flush()
    return _user_row(user)


__all__: Sequence[str] = (
    "AccountChoices",
    "AreaChoice",
    "Choice",
    "ClosureDayRow",
    "KpiRow",
    "NatureRow",
    "ReferenceChoices",
    "ServiceAreaRow",
    "TimescaleRow",
    "UserRow",
    "account_choices",
    "add_closure_day",
    "add_nature",
    "add_service_area",
    "add_user_account",
    "create_first_administrator",
    "has_users",
    "list_closure_days",
    "list_kpis",
    "list_natures",
    "list_service_areas",
    "list_timescales",
    "list_user_rows",
    "reference_choices",
    "remove_closure_day",
    "reset_password",
    "set_kpi_target",
    "set_timescale",
    "update_nature",
    "update_service_area",
    "update_user",
)
