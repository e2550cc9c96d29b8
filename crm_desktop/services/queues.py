"""Deadline queues: the lists an officer works from, most at risk of a breach first.

Each queue is ``fn(session, as_of, ..., limit=None) -> list[QueueRow]``. The rows are
chosen and ordered in SQL from stored dates (``stage.due_on``, ``stage.acknowledge_due_on``,
``lgsco_remedy.deadline_on``, ``action_item.due_on``), using their indexes; only the
rows returned are counted in working days, in one vectorised call of the calendar.

Order ("risk of breach"): the earliest date first (working days left never decrease as a
date gets later, so this is fewest working days left first, most overdue at the top),
then the oldest case (received first), then the case id, so the order is stable.

Which stages count:
- a clock that is suspended is not running: it is in "my open cases" (marked
  suspended) and awaiting acknowledgement or an investigator, but never due soon or
  overdue;
- "awaiting investigator" is children's Stage 2, which must have an Investigating
  Officer and an Independent Person (PRODUCT.md); corporate Stage 2 and adult
  Moderate/High risk complaints *may* have an IO, so they are never waiting for one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from crm_desktop.db.models import (
    ActionItem,
    Assignment,
    Case,
    LgscoRemedy,
    Stage,
    StageSuspension,
    StageTimescale,
    User,
)
from crm_desktop.domain.calendar import CalendarError, WorkingCalendar
from crm_desktop.domain.deadlines import DeadlineError, clock_status
from crm_desktop.domain.enums import (
    AssignmentRole,
    AssignmentStatus,
    CaseStatus,
    Procedure,
    StageCode,
    StageStatus,
    TimescaleRule,
)
from crm_desktop.domain.formatting import format_date, working_days_text
from crm_desktop.errors import ValidationError
from crm_desktop.services.calendar_service import working_calendar

__all__ = [
    "DEFAULT_ESCALATION_PERCENT",
    "DEFAULT_WITHIN",
    "QUEUES",
    "QueueRow",
    "QueueSpec",
    "action_items_due",
    "awaiting_acknowledgement",
    "awaiting_investigator",
    "due_within",
    "lgsco_remedies",
    "my_open_cases",
    "overdue",
    "queue_names",
    "queue_statement",
    "run_queue",
]

DEFAULT_WITHIN = 5  # working days, for "due soon" and action items
DEFAULT_ESCALATION_PERCENT = 75

Statement = sa.Select[*tuple[Any, ...]]

_owner = aliased(User, name="owner_user")
_remedy_owner = aliased(User, name="remedy_owner_user")
_action_stage = aliased(Stage, name="action_stage")

_HELD = (AssignmentStatus.ACCEPTED, AssignmentStatus.REPORT_RECEIVED)


@dataclass(frozen=True, slots=True)
class QueueRow:
    """One line of a queue. ``procedure`` and ``stage`` are the stored codes ("children",
    "2"); ``working_days_left`` is negative when overdue and None when it cannot be counted
    (no date, or a clock that is suspended)."""

    case_id: int
    reference: str
    procedure: str
    stage: str
    due: dt.date | None
    working_days_left: int | None
    owner: str | None
    detail: str


# --------------------------------------------------------------------------- helpers


def _check_limit(limit: int | None) -> None:
    if limit is not None and limit < 1:
        raise ValidationError(f"A queue's limit must be 1 or more (got {limit}).", "limit")


def _check_within(within: int) -> None:
    if within < 0:
        raise ValidationError(
            f"'Due within' must be 0 working days or more (got {within}).", "within"
        )


def _with_limit(statement: Statement, limit: int | None) -> Statement:
    return statement if limit is None else statement.limit(limit)


def _cutoff(cal: WorkingCalendar, as_of: dt.date, within: int) -> dt.date:
    """The first date with more than ``within`` working days left on ``as_of``.

    A date ``d`` has at most ``within`` working days left exactly when it is before the
    (within + 1)-th working day after ``as_of`` (weekend days straight after the last
    counted day are included, as they add no working day).
    """
    try:
        return cal.add_working_days(as_of, within + 1)
    except CalendarError as exc:
        raise ValidationError(str(exc)) from None


def _calendar(session: Session, as_of: dt.date) -> WorkingCalendar:
    cal = working_calendar(session)
    if not cal.knows(as_of):
        raise ValidationError(
            f"{format_date(as_of)} is outside the years the calendar knows "
            f"({cal.first_year} to {cal.last_year})."
        )
    return cal


def working_days_left(
    cal: WorkingCalendar, as_of: dt.date, dates: Sequence[dt.date | None]
) -> list[int | None]:
    """Working days from ``as_of`` to each date, negative for a date already past, in one
    vectorised pass. None for a missing date or one outside the calendar's years."""
    if not dates:
        return []
    first, last = cal.first_day, cal.last_day
    known = [d is not None and first <= d <= last for d in dates]
    marker = np.datetime64(as_of, "D")
    days = np.array(
        [d if ok else as_of for d, ok in zip(dates, known, strict=True)], dtype="datetime64[D]"
    )
    lo = np.minimum(days, marker)
    hi = np.maximum(days, marker)
    counts = cal.working_days_between_array(lo, hi)
    signed = np.where(days >= marker, counts, -counts).tolist()
    return [int(n) if ok else None for n, ok in zip(signed, known, strict=True)]


def _label(code: object) -> str:
    try:
        return StageCode(str(code)).label
    except ValueError:
        return str(code)


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _user_id(session: Session, user: str) -> int:
    name = user.strip() if isinstance(user, str) else ""
    if not name:
        raise ValidationError("Say whose cases to show: give a user name.", "user")
    user_id = session.scalar(sa.select(User.id).where(User.username == name))
    if user_id is None:
        raise ValidationError(f"There is no user called '{name}'.", "user")
    return int(user_id)


# --------------------------------------------------------------------------- statements


def _stage_columns() -> tuple[Any, ...]:
    return (
        Case.id,
        Case.reference,
        Case.procedure,
        Stage.stage,
        Stage.due_on,
        _owner.display_name,
    )


def _running_stages(where: sa.ColumnElement[bool]) -> Statement:
    return (
        sa.select(*_stage_columns(), Stage.extended_days)
        .select_from(Stage)
        .join(Case, Case.id == Stage.case_id)
        .outerjoin(_owner, _owner.id == Case.owner_id)
        .where(Stage.status == StageStatus.OPEN, where)
        .order_by(Stage.due_on, Case.received_on, Case.id)
    )


def my_open_cases_statement(user_id: int, limit: int | None = None) -> Statement:
    current = aliased(Stage, name="current_stage")
    running = current.status != StageStatus.CLOSED
    due = sa.case((running, current.due_on), else_=None)
    statement = (
        sa.select(
            Case.id,
            Case.reference,
            Case.procedure,
            current.stage,
            due.label("due"),
            _owner.display_name,
            current.status,
            current.closed_on,
            current.id,
        )
        .select_from(Case)
        .outerjoin(current, current.id == Case.current_stage_id)
        .outerjoin(_owner, _owner.id == Case.owner_id)
        .where(Case.status == CaseStatus.OPEN, Case.owner_id == user_id)
        .order_by(due.is_(None), due, Case.received_on, Case.id)
    )
    return _with_limit(statement, limit)


def due_within_statement(as_of: dt.date, cutoff: dt.date, limit: int | None = None) -> Statement:
    statement = _running_stages(sa.and_(Stage.due_on >= as_of, Stage.due_on < cutoff))
    return _with_limit(statement, limit)


def overdue_statement(as_of: dt.date, limit: int | None = None) -> Statement:
    return _with_limit(_running_stages(Stage.due_on < as_of), limit)


def awaiting_acknowledgement_statement(limit: int | None = None) -> Statement:
    statement = (
        sa.select(
            Case.id,
            Case.reference,
            Case.procedure,
            Stage.stage,
            Stage.acknowledge_due_on,
            _owner.display_name,
            Case.received_on,
        )
        .select_from(Stage)
        .join(Case, Case.id == Stage.case_id)
        .outerjoin(_owner, _owner.id == Case.owner_id)
        .where(
            Stage.status.in_((StageStatus.OPEN, StageStatus.SUSPENDED)),
            Stage.acknowledged_on.is_(None),
            Stage.acknowledge_due_on.is_not(None),
        )
        .order_by(Stage.acknowledge_due_on, Case.received_on, Case.id)
    )
    return _with_limit(statement, limit)


def _holds(role: AssignmentRole, statuses: Sequence[AssignmentStatus]) -> sa.Exists:
    return (
        sa.select(Assignment.id)
        .where(
            Assignment.stage_id == Stage.id,
            Assignment.role == role,
            Assignment.status.in_(statuses),
        )
        .exists()
    )


def awaiting_investigator_statement(limit: int | None = None) -> Statement:
    has_io = _holds(AssignmentRole.INVESTIGATING_OFFICER, _HELD)
    has_ip = _holds(AssignmentRole.INDEPENDENT_PERSON, _HELD)
    io_offered = _holds(AssignmentRole.INVESTIGATING_OFFICER, (AssignmentStatus.OFFERED,))
    ip_offered = _holds(AssignmentRole.INDEPENDENT_PERSON, (AssignmentStatus.OFFERED,))
    statement = (
        sa.select(
            *_stage_columns(),
            has_io.label("has_io"),
            has_ip.label("has_ip"),
            io_offered.label("io_offered"),
            ip_offered.label("ip_offered"),
        )
        .select_from(Stage)
        .join(Case, Case.id == Stage.case_id)
        .outerjoin(_owner, _owner.id == Case.owner_id)
        .where(
            Stage.stage == StageCode.STAGE_2,
            Stage.closed_on.is_(None),
            Stage.status != StageStatus.CLOSED,
            Case.procedure == Procedure.CHILDREN,
            sa.not_(sa.and_(has_io, has_ip)),
        )
        .order_by(
            Stage.due_on.is_(None),
            Stage.due_on,
            sa.func.coalesce(Stage.requested_on, Case.received_on),
            Case.received_on,
            Case.id,
        )
    )
    return _with_limit(statement, limit)


def lgsco_remedies_statement(limit: int | None = None) -> Statement:
    percent = (
        sa.select(StageTimescale.value)
        .where(
            StageTimescale.procedure == Case.procedure,
            StageTimescale.stage == StageCode.LGSCO,
            StageTimescale.rule == TimescaleRule.REMEDY_ESCALATION_PERCENT,
        )
        .scalar_subquery()
    )
    statement = (
        sa.select(
            Case.id,
            Case.reference,
            Case.procedure,
            Stage.stage,
            LgscoRemedy.deadline_on,
            sa.func.coalesce(_remedy_owner.display_name, _owner.display_name),
            LgscoRemedy.agreed_on,
            LgscoRemedy.description,
            LgscoRemedy.escalation_level,
            percent.label("escalation_percent"),
        )
        .select_from(LgscoRemedy)
        .join(Stage, Stage.id == LgscoRemedy.stage_id)
        .join(Case, Case.id == Stage.case_id)
        .outerjoin(_remedy_owner, _remedy_owner.id == LgscoRemedy.owner_id)
        .outerjoin(_owner, _owner.id == Case.owner_id)
        .where(LgscoRemedy.completed_on.is_(None))
        .order_by(LgscoRemedy.deadline_on, LgscoRemedy.agreed_on, LgscoRemedy.id)
    )
    return _with_limit(statement, limit)


def action_items_due_statement(cutoff: dt.date, limit: int | None = None) -> Statement:
    statement = (
        sa.select(
            Case.id,
            Case.reference,
            Case.procedure,
            _action_stage.stage,
            ActionItem.due_on,
            ActionItem.owner,
            ActionItem.action,
        )
        .select_from(ActionItem)
        .join(Case, Case.id == ActionItem.case_id)
        .outerjoin(_action_stage, _action_stage.id == ActionItem.stage_id)
        .where(ActionItem.done_on.is_(None), ActionItem.due_on < cutoff)
        .order_by(ActionItem.due_on, Case.received_on, ActionItem.id)
    )
    return _with_limit(statement, limit)


# --------------------------------------------------------------------------- queues


def my_open_cases(
    session: Session, as_of: dt.date, user: str, limit: int | None = None
) -> list[QueueRow]:
    """Open cases owned by ``user`` (a username), soonest due first; cases whose current
    stage has no running clock come last."""
    _check_limit(limit)
    cal = _calendar(session, as_of)
    user_id = _user_id(session, user)
    rows = session.execute(my_open_cases_statement(user_id, limit)).all()
    suspended_ids = [row[8] for row in rows if row[6] == StageStatus.SUSPENDED]
    since: dict[int, tuple[dt.date, str]] = {}
    if suspended_ids:
        for stage_id, starts_on, reason in session.execute(
            sa.select(
                StageSuspension.stage_id, StageSuspension.starts_on, StageSuspension.reason
            ).where(StageSuspension.stage_id.in_(suspended_ids), StageSuspension.ends_on.is_(None))
        ):
            since[stage_id] = (starts_on, str(reason))
    running = [row[4] if row[6] == StageStatus.OPEN else None for row in rows]
    left = working_days_left(cal, as_of, running)
    result: list[QueueRow] = []
    for row, days in zip(rows, left, strict=True):
        status = row[6]
        if status is None:
            detail = "No stage yet"
        elif status == StageStatus.CLOSED:
            closed = f" on {format_date(row[7])}" if row[7] else ""
            detail = f"{_label(row[3])} closed{closed}"
        elif status == StageStatus.SUSPENDED:
            started = since.get(row[8])
            detail = (
                f"Clock suspended since {format_date(started[0])} ({started[1]})"
                if started
                else "Clock suspended"
            )
        else:
            detail = _left_text(days)
        result.append(
            QueueRow(row[0], row[1], str(row[2]), _text(row[3]), row[4], days, row[5], detail)
        )
    return result


def _left_text(days: int | None) -> str:
    if days is None:
        return ""
    if days < 0:
        return f"{working_days_text(-days)} overdue"
    if days == 0:
        return "Due today"
    return f"{working_days_text(days)} left"


def _stage_rows(
    cal: WorkingCalendar, as_of: dt.date, rows: Sequence[sa.Row[*tuple[Any, ...]]], *, overdue: bool
) -> list[QueueRow]:
    left = working_days_left(cal, as_of, [row[4] for row in rows])
    result: list[QueueRow] = []
    for row, days in zip(rows, left, strict=True):
        detail = _left_text(days)
        if overdue and days == 0:
            detail = "Overdue (due on the last working day)"
        if row[6]:
            detail += f"; extended by {working_days_text(row[6])}"
        result.append(
            QueueRow(row[0], row[1], str(row[2]), _text(row[3]), row[4], days, row[5], detail)
        )
    return result


def due_within(
    session: Session, as_of: dt.date, within: int = DEFAULT_WITHIN, limit: int | None = None
) -> list[QueueRow]:
    """Running clocks due from ``as_of`` to ``within`` working days after it (not overdue)."""
    _check_limit(limit)
    _check_within(within)
    cal = _calendar(session, as_of)
    cutoff = _cutoff(cal, as_of, within)
    rows = session.execute(due_within_statement(as_of, cutoff, limit)).all()
    return _stage_rows(cal, as_of, rows, overdue=False)


def overdue(session: Session, as_of: dt.date, limit: int | None = None) -> list[QueueRow]:
    """Running clocks whose due date is before ``as_of``, most overdue first."""
    _check_limit(limit)
    cal = _calendar(session, as_of)
    rows = session.execute(overdue_statement(as_of, limit)).all()
    return _stage_rows(cal, as_of, rows, overdue=True)


def awaiting_acknowledgement(
    session: Session, as_of: dt.date, limit: int | None = None
) -> list[QueueRow]:
    """Stages not closed and not yet acknowledged, by acknowledgement due date."""
    _check_limit(limit)
    cal = _calendar(session, as_of)
    rows = session.execute(awaiting_acknowledgement_statement(limit)).all()
    left = working_days_left(cal, as_of, [row[4] for row in rows])
    return [
        QueueRow(
            row[0],
            row[1],
            str(row[2]),
            _text(row[3]),
            row[4],
            days,
            row[5],
            f"Acknowledgement {_left_text(days).lower()}" if days is not None else "",
        )
        for row, days in zip(rows, left, strict=True)
    ]


def _investigator_detail(has_io: bool, has_ip: bool, io_offered: bool, ip_offered: bool) -> str:
    parts = []
    if not has_io:
        parts.append("IO offered, no reply yet" if io_offered else "Needs an IO")
    if not has_ip:
        parts.append("IP offered, no reply yet" if ip_offered else "Needs an IP")
    return "; ".join(parts)


def awaiting_investigator(
    session: Session, as_of: dt.date, limit: int | None = None
) -> list[QueueRow]:
    """Children's Stage 2 investigations still without an accepted Investigating Officer
    and an accepted Independent Person; soonest due first, then those whose clock has not
    started (longest waiting first)."""
    _check_limit(limit)
    cal = _calendar(session, as_of)
    rows = session.execute(awaiting_investigator_statement(limit)).all()
    left = working_days_left(cal, as_of, [row[4] for row in rows])
    return [
        QueueRow(
            row[0],
            row[1],
            str(row[2]),
            _text(row[3]),
            row[4],
            days,
            row[5],
            _investigator_detail(bool(row[6]), bool(row[7]), bool(row[8]), bool(row[9])),
        )
        for row, days in zip(rows, left, strict=True)
    ]


def _remedy_detail(
    cal: WorkingCalendar,
    as_of: dt.date,
    agreed_on: dt.date,
    deadline_on: dt.date,
    percent: int,
    escalation_level: int,
) -> str:
    if not (cal.knows(agreed_on) and cal.knows(deadline_on) and agreed_on <= deadline_on):
        return "Deadline cannot be counted"
    try:
        status = clock_status(cal, agreed_on, deadline_on, as_of)
    except (CalendarError, DeadlineError):
        return "Deadline cannot be counted"
    total, elapsed = status.total_working_days, status.working_days_elapsed
    if percent == DEFAULT_ESCALATION_PERCENT:
        past, point = status.past_75, status.point_75
    else:
        past = 100 * elapsed >= percent * total if total else as_of >= deadline_on
        point = cal.add_working_days(agreed_on, (percent * total + 99) // 100)
    if status.overdue:
        text = "Deadline passed: late"
    elif past:
        text = f"{percent}% of the time passed on {format_date(point)}: escalate"
    else:
        text = f"Escalate on {format_date(point)} ({percent}% of the time)"
    if escalation_level:
        text += f"; escalated (level {escalation_level})"
    return text


def lgsco_remedies(session: Session, as_of: dt.date, limit: int | None = None) -> list[QueueRow]:
    """Ombudsman remedies not yet completed, earliest deadline first, each marked when the
    escalation share (reference data, default 75%) of the time from agreement to deadline
    has passed."""
    _check_limit(limit)
    cal = _calendar(session, as_of)
    rows = session.execute(lgsco_remedies_statement(limit)).all()
    left = working_days_left(cal, as_of, [row[4] for row in rows])
    result: list[QueueRow] = []
    for row, days in zip(rows, left, strict=True):
        percent = DEFAULT_ESCALATION_PERCENT if row[9] is None else int(row[9])
        detail = _remedy_detail(cal, as_of, row[6], row[4], percent, row[8] or 0)
        result.append(
            QueueRow(
                row[0],
                row[1],
                str(row[2]),
                _text(row[3]),
                row[4],
                days,
                row[5],
                f"{detail}. {row[7]}",
            )
        )
    return result


def action_items_due(
    session: Session, as_of: dt.date, within: int = DEFAULT_WITHIN, limit: int | None = None
) -> list[QueueRow]:
    """Action-plan items not done and due within ``within`` working days or overdue."""
    _check_limit(limit)
    _check_within(within)
    cal = _calendar(session, as_of)
    cutoff = _cutoff(cal, as_of, within)
    rows = session.execute(action_items_due_statement(cutoff, limit)).all()
    left = working_days_left(cal, as_of, [row[4] for row in rows])
    return [
        QueueRow(
            row[0],
            row[1],
            str(row[2]),
            _text(row[3]),
            row[4],
            days,
            row[5] or None,
            f"{_left_text(days)}. {row[6]}",
        )
        for row, days in zip(rows, left, strict=True)
    ]


# --------------------------------------------------------------------------- registry


@dataclass(frozen=True, slots=True)
class QueueSpec:
    """A queue as the command line and the desktop program offer it."""

    name: str
    title: str
    function: Callable[..., list[QueueRow]]
    needs_user: bool = False
    takes_within: bool = False


QUEUES: dict[str, QueueSpec] = {
    spec.name: spec
    for spec in (
        QueueSpec("my-open", "My open cases", my_open_cases, needs_user=True),
        QueueSpec("due-soon", "Due within N working days", due_within, takes_within=True),
        QueueSpec("overdue", "Overdue", overdue),
        QueueSpec("awaiting-acknowledgement", "Awaiting acknowledgement", awaiting_acknowledgement),
        QueueSpec(
            "awaiting-investigator",
            "Awaiting Investigating Officer / Independent Person",
            awaiting_investigator,
        ),
        QueueSpec("lgsco-remedies", "Ombudsman (LGSCO) remedies due", lgsco_remedies),
        QueueSpec("action-items", "Action-plan items due", action_items_due, takes_within=True),
    )
}


def queue_names() -> list[str]:
    return list(QUEUES)


def _spec(name: str) -> QueueSpec:
    spec = QUEUES.get(name)
    if spec is None:
        raise ValidationError(
            f"There is no queue called '{name}'. The queues are: {', '.join(QUEUES)}.", "queue"
        )
    return spec


def run_queue(
    session: Session,
    name: str,
    as_of: dt.date,
    *,
    user: str | None = None,
    within: int | None = None,
    limit: int | None = None,
) -> list[QueueRow]:
    """Run the queue called ``name`` (see :data:`QUEUES`) with the options it takes."""
    spec = _spec(name)
    if spec.needs_user:
        if not user:
            raise ValidationError(f"The '{name}' queue needs a user name (--user).", "user")
        return spec.function(session, as_of, user, limit=limit)
    if spec.takes_within:
        return spec.function(
            session, as_of, DEFAULT_WITHIN if within is None else within, limit=limit
        )
    return spec.function(session, as_of, limit=limit)


def queue_statement(
    session: Session,
    name: str,
    as_of: dt.date,
    *,
    user: str | None = None,
    within: int | None = None,
    limit: int | None = None,
) -> Statement:
    """The SQL a queue runs, for benchmarks that time it without the service around it."""
    spec = _spec(name)
    days = DEFAULT_WITHIN if within is None else within
    if name == "my-open":
        return my_open_cases_statement(_user_id(session, user or ""), limit)
    if name == "due-soon":
        return due_within_statement(as_of, _cutoff(_calendar(session, as_of), as_of, days), limit)
    if name == "overdue":
        return overdue_statement(as_of, limit)
    if name == "awaiting-acknowledgement":
        return awaiting_acknowledgement_statement(limit)
    if name == "awaiting-investigator":
        return awaiting_investigator_statement(limit)
    if name == "lgsco-remedies":
        return lgsco_remedies_statement(limit)
    if name == "action-items":
        return action_items_due_statement(_cutoff(_calendar(session, as_of), as_of, days), limit)
    raise AssertionError(f"no statement for {spec.name}")  # pragma: no cover
