"""Deadline queues: the lists an officer works from, most at risk of a breach first.

Each queue is ``fn(session, as_of, ..., limit=None) -> list[QueueRow]``. The rows are
chosen and ordered in SQL from stored dates (``stage.due_on``, ``stage.acknowledge_due_on``,
``lgsco_remedy.deadline_on``, ``action_item.due_on``), using their indexes; only the
rows returned are counted in working days (see "Counting" below).

Order ("risk of breach"): the earliest date first (working days left never decrease as a
date gets later, so this is fewest working days left first, most overdue at the top),
then the oldest case (received first), then the case id, so the order is stable.

Which stages count (by the workflow's states, written in SQL once in
:mod:`crm_desktop.services.stage_states`; only a case's current stage):
- a clock that is suspended is not running: it is in "my open cases" (marked
  suspended) and awaiting acknowledgement or an investigator, but never due soon or
  overdue;
- "awaiting investigator" is a stage whose investigation needs roles it has not all
  got accepted (:data:`crm_desktop.domain.eligibility.REQUIRED_ROLES`: children's
  Stage 2 needs an Investigating Officer and an Independent Person); corporate Stage 2
  and adult Moderate/High risk complaints *may* have an IO, so they never wait for one.

Who sees what: every queue takes ``where``, a condition on ``Case`` that the operation
adds for an actor who may see only some cases (a service responder: their service
area's); None for everyone else.

Counting: the working days left are counted by the query itself, from the database's
copy of the calendar (:mod:`crm_desktop.db.calendar_table`): the day's count of working
days at the due date less the count at ``as_of``, in the calendar of the case's
procedure (``statutory_count`` for the children's and adult's clocks, which count
closure days as working days; ``working_count`` for corporate ones). That is exactly
:func:`working_days_left_by_procedure`, the vectorised count the reminders use, and the
tests hold the two to the same answers. "Due within N working days" has a cut-off per
calendar (the statutory one is never later than the corporate one).

Speed: a queue runs one query (plus, for the two "due within N working days" queues,
the small closure-day query of the calendar that finds the cut-off day, and the user
look-up for "my open cases"). Statements are built once with bound parameters, run on
the session's connection without the ORM's row loading, and codes are read as plain
strings; the work per row is one small named tuple.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from crm_desktop.db.models import (
    ActionItem,
    Assignment,
    CalendarDay,
    Case,
    LgscoRemedy,
    Stage,
    StageSuspension,
    StageTimescale,
    User,
)
from crm_desktop.domain.calendar import (
    DEFAULT_FIRST_YEAR,
    DEFAULT_LAST_YEAR,
    CalendarError,
    WorkingCalendar,
)
from crm_desktop.domain.eligibility import (
    ACCEPTED_STATUSES,
    REQUIRED_ROLES,
    required_roles,
    role_short_label,
    with_article,
)
from crm_desktop.domain.enums import (
    AssignmentRole,
    AssignmentStatus,
    Procedure,
    StageCode,
    StageStatus,
    TimescaleRule,
)
from crm_desktop.domain.formatting import format_date, working_days_text
from crm_desktop.domain.statutory import (
    STATUTORY_PROCEDURES,
    review_panel_step,
    skips_closure_days,
)
from crm_desktop.domain.workflow import State
from crm_desktop.errors import NotFound, ValidationError
from crm_desktop.services.calendar_service import working_calendar
from crm_desktop.services.procedure_policies import PolicyBook, policy_book
from crm_desktop.services.stage_states import (
    RUNNING_CLOCK,
    UNANSWERED,
    acknowledgement_owed,
    const,
    current_stage,
    in_states,
    one_of,
    running_clock,
    stage_current_on,
)

__all__ = [
    "DEFAULT_ESCALATION_PERCENT",
    "DEFAULT_WITHIN",
    "QUEUES",
    "EscalationPoint",
    "QueueRow",
    "QueueSpec",
    "action_items_due",
    "awaiting_acknowledgement",
    "awaiting_investigator",
    "count_queue",
    "due_soon_before",
    "due_within",
    "escalation_points",
    "lgsco_remedies",
    "my_open_cases",
    "overdue",
    "queue_names",
    "queue_statement",
    "run_queue",
    "user_exists",
    "working_days_left",
    "working_days_left_by_procedure",
]

DEFAULT_WITHIN = 5  # working days, for "due soon" and action items
DEFAULT_ESCALATION_PERCENT = 75

Statement = sa.Select[*tuple[Any, ...]]
Rows = Sequence[sa.Row[*tuple[Any, ...]]]
Where = sa.ColumnElement[bool] | None  # which cases the actor may see (None: every case)

_owner = aliased(User, name="owner_user")
_remedy_owner = aliased(User, name="remedy_owner_user")
_action_stage = aliased(Stage, name="action_stage")
_current = aliased(Stage, name="current_stage")

_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()

# Bound parameters shared by the cached statements.
_AS_OF = sa.bindparam("as_of", type_=sa.Date)
_CUTOFF = sa.bindparam("cutoff", type_=sa.Date)
# The statutory clocks' cut-off: never after the corporate one (closure days are working
# days for them, so the N-th working day comes no later).
_CUTOFF_STATUTORY = sa.bindparam("cutoff_statutory", type_=sa.Date)
_USER_ID = sa.bindparam("user_id", type_=sa.Integer)
_LIMIT = sa.bindparam("limit", type_=sa.Integer)


class QueueRow(NamedTuple):
    """One line of a queue. ``procedure`` and ``stage`` are the stored codes ("children",
    "2"); ``working_days_left`` is negative when overdue and None when it cannot be counted
    (no date, or a clock that is suspended).

    Immutable plain data like the other services' frozen dataclasses, but a named tuple:
    a queue can return thousands of rows, and a named tuple is made about three times
    faster than a frozen dataclass (which sets each field through ``object.__setattr__``).
    """

    case_id: int
    reference: str
    procedure: str
    stage: str
    due: dt.date | None
    working_days_left: int | None
    owner: str | None
    detail: str
    # A suspended clock: the day it stopped and the day it is expected to restart (if given).
    suspended_since: dt.date | None = None
    suspended_until: dt.date | None = None


# --------------------------------------------------------------------------- helpers


def _check_limit(limit: int | None) -> None:
    if limit is not None and limit < 1:
        raise ValidationError(f"A queue's limit must be 1 or more (got {limit}).", "limit")


def _check_within(within: int) -> None:
    if within < 0:
        raise ValidationError(
            f"'Due within' must be 0 working days or more (got {within}).", "within"
        )


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


def _check_known(as_of: dt.date) -> None:
    """Refuse a day outside the calendar's years (the shared calendar always spans the
    default years) without building the calendar."""
    if not DEFAULT_FIRST_YEAR <= as_of.year <= DEFAULT_LAST_YEAR:
        raise ValidationError(
            f"{format_date(as_of)} is outside the years the calendar knows "
            f"({DEFAULT_FIRST_YEAR} to {DEFAULT_LAST_YEAR})."
        )


def _calendar(
    session: Session, as_of: dt.date, procedure: Procedure | None = None
) -> WorkingCalendar:
    _check_known(as_of)
    return working_calendar(session, procedure)


def working_days_left(
    cal: WorkingCalendar, as_of: dt.date, dates: Sequence[dt.date | None]
) -> list[int | None]:
    """Working days from ``as_of`` to each date, negative for a date already past, in one
    vectorised pass. None for a missing date or one outside the calendar's years."""
    import numpy as np  # loaded with the first queue counted, not at start-up

    if not dates:
        return []
    first, last = cal.first_day.toordinal(), cal.last_day.toordinal()
    base = as_of.toordinal()
    ordinals = [base if d is None else d.toordinal() for d in dates]
    known = [d is not None and first <= o <= last for d, o in zip(dates, ordinals, strict=True)]
    if not all(known):
        ordinals = [o if ok else base for o, ok in zip(ordinals, known, strict=True)]
    days = np.array(ordinals, dtype=np.int64) - _EPOCH_ORDINAL
    marker = base - _EPOCH_ORDINAL
    lo = np.minimum(days, marker).view("datetime64[D]")
    hi = np.maximum(days, marker).view("datetime64[D]")
    counts = cal.working_days_between_array(lo, hi)
    signed: list[int] = np.where(days >= marker, counts, -counts).tolist()
    if all(known):
        return list(signed)
    return [n if ok else None for n, ok in zip(signed, known, strict=True)]


def working_days_left_by_procedure(
    session: Session,
    as_of: dt.date,
    dates: Sequence[dt.date | None],
    procedures: Sequence[Procedure | str],
) -> list[int | None]:
    """:func:`working_days_left`, each date counted in the calendar of its procedure
    (the statutory procedures' calendar has no closure days): one vectorised pass per
    calendar."""
    result: list[int | None] = [None] * len(dates)
    groups: dict[bool, list[int]] = {}
    for index, procedure in enumerate(procedures):
        groups.setdefault(skips_closure_days(procedure), []).append(index)
    for skips, indexes in groups.items():
        cal = working_calendar(session, None if skips else Procedure.CHILDREN)
        left = working_days_left(cal, as_of, [dates[i] for i in indexes])
        for i, days in zip(indexes, left, strict=True):
            result[i] = days
    return result


def _label(code: object) -> str:
    try:
        return StageCode(str(code)).label
    except ValueError:
        return str(code)


@functools.lru_cache(maxsize=1024)
def _left_text(days: int | None) -> str:
    if days is None:
        return ""
    if days < 0:
        return f"{working_days_text(-days)} overdue"
    if days == 0:
        return "Due today"
    return f"{working_days_text(days)} left"


@functools.cache
def _user_statement() -> Statement:
    return sa.select(User.id).where(User.username == sa.bindparam("username", type_=sa.String))


def _user_id(session: Session, user: str) -> int:
    name = user.strip() if isinstance(user, str) else ""
    if not name:
        raise ValidationError("Say whose cases to show: give a user name.", "user")
    user_id = session.connection().execute(_user_statement(), {"username": name}).scalar()
    if user_id is None:
        raise NotFound(f"There is no user called '{name}'.")
    return int(user_id)


def user_exists(session: Session, user: str) -> bool:
    """Whether there is a user account called ``user`` (whose open cases can be listed)."""
    found = session.connection().execute(_user_statement(), {"username": user.strip()})
    return found.scalar() is not None


def _run(
    session: Session,
    statement: Statement,
    params: Mapping[str, Any],
    limit: int | None,
    where: Where = None,
) -> Rows:
    values = dict(params)
    if limit is not None:
        values["limit"] = limit
    if where is not None:
        statement = statement.where(where)
    return session.connection().execute(statement, values).all()


def _statutory(case: Any = Case) -> sa.ColumnElement[bool]:
    """The case's clocks are statutory ones: they count closure days as working days."""
    statutory: sa.ColumnElement[bool] = case.procedure.in_(
        [const(p) for p in sorted(STATUTORY_PROCEDURES)]
    )
    return statutory


def _count(day: Any, case: Any = Case) -> Any:
    """The calendar table's count of working days at ``day`` in the calendar of the
    case's procedure (statutory clocks do not skip closure days)."""
    return sa.case((_statutory(case), day.statutory_count), else_=day.working_count)


def _before_cutoff(date: Any) -> sa.ColumnElement[bool]:
    """``date`` is before the cut-off of its case's procedure."""
    return sa.and_(date < _CUTOFF, sa.or_(sa.not_(_statutory()), date < _CUTOFF_STATUTORY))


def _code(column: Any) -> Any:
    """A code column read as its stored string (no enum conversion per row)."""
    return sa.type_coerce(column, sa.String())


# --------------------------------------------------------------------------- statements
# Each is built once per (with a limit, without one) and reused with new parameters.


def _limited(statement: Statement, limited: bool) -> Statement:
    return statement.limit(_LIMIT) if limited else statement


def _stage_columns(due: Any = Stage.due_on) -> tuple[Any, ...]:
    return (
        Case.id,
        Case.reference,
        _code(Case.procedure),
        _code(Stage.stage),
        due,
        _owner.display_name,
    )


def _counted(
    statement: Statement, date: Any, only_if: sa.ColumnElement[bool] | None = None
) -> Statement:
    """``statement`` with one more column, last: the working days from ``as_of`` to
    ``date``, counted in SQL from the database's copy of the calendar (negative for a
    date already past; NULL for no date, a date outside the calendar's years, or a row
    where ``only_if`` is false)."""
    day = aliased(CalendarDay, name="counted_day")
    as_of_day = aliased(CalendarDay, name="as_of_day")
    left: Any = _count(day) - _count(as_of_day)
    if only_if is not None:
        left = sa.case((only_if, left), else_=sa.null())
    return (
        statement.add_columns(left)
        .outerjoin(day, day.day == date)
        .outerjoin(as_of_day, as_of_day.day == _AS_OF)
    )


def _stages(then: bool = False) -> sa.FromClause:
    """Stages joined to their case, where the stage is the case's current one (``then``:
    the one current on ``as_of``, of a case received by then)."""
    return sa.join(Stage, Case, stage_current_on(_AS_OF) if then else current_stage())


def _running(then: bool) -> sa.ColumnElement[bool]:
    """A clock running (on ``as_of``, ``then``): a stage awaiting its start has no due
    date now, so the queues of now never list one; asked on a day, its date is the one
    it got later, so it is left out by its state."""
    if not then:
        return running_clock()
    return in_states(RUNNING_CLOCK - {State.AWAITING_START}, on=_AS_OF)


def _acknowledged_later() -> sa.ColumnElement[bool]:
    """A stage whose response clock counts from its acknowledgement (the Complaint
    Handling Code: it started that day), acknowledged after ``as_of``: on ``as_of`` its
    due date was the provisional one."""
    return sa.and_(
        Stage.acknowledged_on > _AS_OF,
        Stage.started_on == Stage.acknowledged_on,
        Stage.acknowledge_due_on.is_not(None),
    )


def _working_days_after(start: Any, days: Any) -> Any:
    """The ``days``-th working day after ``start`` (corporate clocks: closure days are not
    working days), from the database's copy of the calendar."""
    day, start_day = aliased(CalendarDay), aliased(CalendarDay)
    count = (
        sa.select(start_day.working_count)
        .where(start_day.day == start)
        .correlate_except(start_day)
        .scalar_subquery()
    )
    return (
        sa.select(sa.func.min(day.day))
        .where(day.working_count == count + days)
        .correlate_except(day)
        .scalar_subquery()
    )


def _due(then: bool) -> Any:
    """The due date of a stage's running clock: the stored one; asked on ``as_of``
    (``then``), the one it had that day: a review panel's by the step it had reached (the
    panel, its report, the council's response), a Code stage acknowledged later its
    provisional one (from the last day the acknowledgement was allowed)."""
    if not then:
        return Stage.due_on
    panel = sa.and_(
        Case.procedure == const(Procedure.CHILDREN), Stage.stage == const(StageCode.STAGE_3)
    )
    days = Stage.timescale_days + sa.func.coalesce(Stage.undated_suspended_days, 0)
    return sa.case(
        (
            sa.and_(panel, Stage.panel_report_on <= _AS_OF),
            sa.func.coalesce(Stage.council_response_due_on, Stage.due_on),
        ),
        (
            sa.and_(panel, Stage.panel_on <= _AS_OF),
            sa.func.coalesce(Stage.panel_report_due_on, Stage.due_on),
        ),
        (panel, sa.func.coalesce(Stage.panel_due_on, Stage.due_on)),
        (
            sa.and_(_acknowledged_later(), Stage.timescale_days.is_not(None)),
            _working_days_after(Stage.acknowledge_due_on, days),
        ),
        else_=Stage.due_on,
    )


def _dated(column: Any, then: bool) -> Any:
    """``column``'s date, or (``then``) NULL where it came after ``as_of``."""
    return sa.case((column <= _AS_OF, column), else_=sa.null()) if then else column


def _due_within_where(then: bool = False) -> sa.ColumnElement[bool]:
    due = _due(then)
    return sa.and_(_running(then), due >= _AS_OF, _before_cutoff(due))


def _overdue_where(then: bool = False) -> sa.ColumnElement[bool]:
    return sa.and_(_running(then), _due(then) < _AS_OF)


def _acknowledgement_owed_where(then: bool = False) -> sa.ColumnElement[bool]:
    return acknowledgement_owed(on=_AS_OF if then else None)


_STAGE_QUEUES: Mapping[str, Callable[[bool], sa.ColumnElement[bool]]] = {
    "due-soon": _due_within_where,
    "overdue": _overdue_where,
    "awaiting-acknowledgement": _acknowledgement_owed_where,
}
"""The queues of stages by a condition alone: their rows, and the dashboard's counts.
Each can be asked as things stood on ``as_of`` (``then``): see :func:`run_queue`."""


def _provisional(then: bool = False) -> sa.ColumnElement[bool]:
    """The stage's response clock counts from its acknowledgement (the Complaint Handling
    Code) and, with none recorded yet (on ``as_of``, ``then``), provisionally from the
    last day it is allowed: the due date moves when the acknowledgement is recorded."""
    now = sa.and_(
        Stage.acknowledged_on.is_(None),
        Stage.acknowledge_due_on.is_not(None),
        Stage.started_on == Stage.acknowledge_due_on,
    )
    return sa.or_(now, _acknowledged_later()) if then else now


def _running_stages(where: sa.ColumnElement[bool], then: bool) -> Statement:
    due = _due(then)
    statement = (
        sa.select(
            *_stage_columns(due),
            Stage.extended_days,
            _dated(Stage.panel_on, then),
            _dated(Stage.panel_report_on, then),
            _provisional(then),
        )
        .select_from(_stages(then))
        .outerjoin(_owner, _owner.id == Case.owner_id)
        .where(where)
        .order_by(due, Case.received_on, Case.id)
    )
    return _counted(statement, due)


@functools.cache
def _my_open_statement(limited: bool) -> Statement:
    running = _current.status != const(StageStatus.CLOSED)
    due = sa.case((running, _current.due_on), else_=None)
    statement = (
        sa.select(
            Case.id,
            Case.reference,
            _code(Case.procedure),
            _code(_current.stage),
            due.label("due"),
            _owner.display_name,
            _code(_current.status),
            _current.closed_on,
            _current.id,
        )
        .select_from(Case)
        .outerjoin(_current, _current.id == Case.current_stage_id)
        .outerjoin(_owner, _owner.id == Case.owner_id)
        .where(
            in_states(set(State) - {State.CLOSED}, Case, _current),
            # Mine: cases I own, and those whose current stage I am to answer (a service
            # responder owns none).
            sa.or_(Case.owner_id == _USER_ID, _current.responder_id == _USER_ID),
        )
        .order_by(due.is_(None), due, Case.received_on, Case.id)
    )
    counted = _counted(statement, _current.due_on, _current.status == const(StageStatus.OPEN))
    return _limited(counted, limited)


@functools.cache
def _open_suspensions_statement() -> Statement:
    return sa.select(
        StageSuspension.stage_id,
        StageSuspension.starts_on,
        _code(StageSuspension.reason),
        StageSuspension.expected_resume_on,
    ).where(
        StageSuspension.stage_id.in_(sa.bindparam("stage_ids", expanding=True)),
        StageSuspension.ends_on.is_(None),
    )


@functools.cache
def _due_within_statement(limited: bool, then: bool = False) -> Statement:
    return _limited(_running_stages(_due_within_where(then), then), limited)


@functools.cache
def _overdue_statement(limited: bool, then: bool = False) -> Statement:
    return _limited(_running_stages(_overdue_where(then), then), limited)


@functools.cache
def _awaiting_acknowledgement_statement(limited: bool, then: bool = False) -> Statement:
    statement = (
        sa.select(
            Case.id,
            Case.reference,
            _code(Case.procedure),
            _code(Stage.stage),
            Stage.acknowledge_due_on,
            _owner.display_name,
            Case.received_on,
            _due(then),
            _provisional(then),
        )
        .select_from(_stages(then))
        .outerjoin(_owner, _owner.id == Case.owner_id)
        .where(_acknowledgement_owed_where(then))
        .order_by(Stage.acknowledge_due_on, Case.received_on, Case.id)
    )
    return _limited(_counted(statement, Stage.acknowledge_due_on), limited)


def _holds(role: AssignmentRole, statuses: Iterable[AssignmentStatus]) -> sa.Exists:
    return (
        sa.select(Assignment.id)
        .where(
            Assignment.stage_id == Stage.id,
            Assignment.role == const(role),
            one_of(Assignment.status, statuses),
        )
        .exists()
    )


# Every role some stage's investigation needs, in the enum's order (IO, IP, ...).
_NEEDED_ROLES = tuple(
    role for role in AssignmentRole if any(role in roles for roles in REQUIRED_ROLES.values())
)


@functools.cache
def _awaiting_investigator_statement(limited: bool) -> Statement:
    held = {role: _holds(role, ACCEPTED_STATUSES) for role in _NEEDED_ROLES}
    offered = {role: _holds(role, (AssignmentStatus.OFFERED,)) for role in _NEEDED_ROLES}
    short_of_roles = sa.or_(
        *(
            sa.and_(
                Case.procedure == const(procedure),
                Stage.stage == const(code),
                sa.not_(sa.and_(*(held[role] for role in roles))),
            )
            for (procedure, code), roles in REQUIRED_ROLES.items()
        )
    )
    statement = (
        sa.select(
            *_stage_columns(),
            *(held[role].label(f"holds_{i}") for i, role in enumerate(_NEEDED_ROLES)),
            *(offered[role].label(f"offered_{i}") for i, role in enumerate(_NEEDED_ROLES)),
        )
        .select_from(_stages())
        .outerjoin(_owner, _owner.id == Case.owner_id)
        .where(in_states(UNANSWERED), short_of_roles)
        .order_by(
            Stage.due_on.is_(None),
            Stage.due_on,
            sa.func.coalesce(Stage.requested_on, Case.received_on),
            Case.received_on,
            Case.id,
        )
    )
    return _limited(_counted(statement, Stage.due_on), limited)


@functools.cache
def _lgsco_remedies_statement(limited: bool) -> Statement:
    """Open remedies with their working days counted in SQL from the calendar table:
    working days left to the deadline, whether the escalation share of the time has
    passed on ``as_of`` and the day it is reached (both NULL where the remedy cannot be
    counted), as :func:`escalation_points` defines them."""
    deadline_day = aliased(CalendarDay, name="deadline_day")
    agreed_day = aliased(CalendarDay, name="agreed_day")
    as_of_day = aliased(CalendarDay, name="as_of_day")
    point_day = aliased(CalendarDay, name="point_day")
    rule = aliased(StageTimescale, name="escalation_rule")
    percent = sa.func.coalesce(rule.value, DEFAULT_ESCALATION_PERCENT)
    total = _count(deadline_day) - _count(agreed_day)
    elapsed = sa.case(
        (LgscoRemedy.agreed_on < _AS_OF, _count(as_of_day) - _count(agreed_day)),
        else_=0,
    )
    share = (percent * total + 99) // 100  # ceil(percent * total / 100)
    countable = sa.and_(
        agreed_day.day.is_not(None),
        deadline_day.day.is_not(None),
        LgscoRemedy.agreed_on <= LgscoRemedy.deadline_on,
    )
    past = sa.case(
        (sa.not_(countable), sa.null()),
        (total > 0, 100 * elapsed >= percent * total),
        else_=LgscoRemedy.deadline_on <= _AS_OF,
    )
    # The day the share is reached: looked up in the count column of the case's own
    # calendar (one indexed lookup each, not a count worked out for every day).
    point = sa.case(
        (sa.not_(countable), sa.null()),
        (share == 0, LgscoRemedy.agreed_on),
        (
            _statutory(),
            sa.select(sa.func.min(point_day.day))
            .where(point_day.statutory_count == agreed_day.statutory_count + share)
            .scalar_subquery(),
        ),
        else_=(
            sa.select(sa.func.min(point_day.day))
            .where(point_day.working_count == agreed_day.working_count + share)
            .scalar_subquery()
        ),
    )
    statement = (
        sa.select(
            Case.id,
            Case.reference,
            _code(Case.procedure),
            _code(Stage.stage),
            LgscoRemedy.deadline_on,
            sa.func.coalesce(_remedy_owner.display_name, _owner.display_name),
            _count(deadline_day) - _count(as_of_day),
            LgscoRemedy.description,
            LgscoRemedy.escalation_level,
            percent,
            sa.type_coerce(past, sa.Boolean()),
            sa.type_coerce(point, sa.Date()),
        )
        .select_from(LgscoRemedy)
        .join(Stage, Stage.id == LgscoRemedy.stage_id)
        .join(Case, Case.id == Stage.case_id)
        .outerjoin(_remedy_owner, _remedy_owner.id == LgscoRemedy.owner_id)
        .outerjoin(_owner, _owner.id == Case.owner_id)
        .outerjoin(
            rule,
            sa.and_(
                rule.procedure == Case.procedure,
                rule.stage == const(StageCode.LGSCO),
                rule.rule == const(TimescaleRule.REMEDY_ESCALATION_PERCENT),
            ),
        )
        .outerjoin(deadline_day, deadline_day.day == LgscoRemedy.deadline_on)
        .outerjoin(agreed_day, agreed_day.day == LgscoRemedy.agreed_on)
        .outerjoin(as_of_day, as_of_day.day == _AS_OF)
        .where(LgscoRemedy.completed_on.is_(None))
        .order_by(LgscoRemedy.deadline_on, LgscoRemedy.agreed_on, LgscoRemedy.id)
    )
    return _limited(statement, limited)


@functools.cache
def _action_items_statement(limited: bool) -> Statement:
    statement = (
        sa.select(
            Case.id,
            Case.reference,
            _code(Case.procedure),
            _code(_action_stage.stage),
            ActionItem.due_on,
            ActionItem.owner,
            ActionItem.action,
        )
        .select_from(ActionItem)
        .join(Case, Case.id == ActionItem.case_id)
        .outerjoin(_action_stage, _action_stage.id == ActionItem.stage_id)
        .where(ActionItem.done_on.is_(None), _before_cutoff(ActionItem.due_on))
        .order_by(ActionItem.due_on, Case.received_on, ActionItem.id)
    )
    return _limited(_counted(statement, ActionItem.due_on), limited)


# --------------------------------------------------------------------------- queues


def my_open_cases(
    session: Session, as_of: dt.date, user: str, limit: int | None = None, where: Where = None
) -> list[QueueRow]:
    """Open cases owned by ``user`` (a username), or whose current stage ``user`` is to
    answer as its responder, soonest due first; cases whose current stage has no running
    clock come last."""
    _check_limit(limit)
    _check_known(as_of)
    user_id = _user_id(session, user)
    params = {"user_id": user_id, "as_of": as_of}
    rows = _run(session, _my_open_statement(limit is not None), params, limit, where)
    suspended, closed = StageStatus.SUSPENDED, StageStatus.CLOSED
    suspended_ids = [row[8] for row in rows if row[6] == suspended]
    since: dict[int, tuple[dt.date, str, dt.date | None]] = {}
    if suspended_ids:
        found = session.connection().execute(
            _open_suspensions_statement(), {"stage_ids": suspended_ids}
        )
        since = {row[0]: (row[1], row[2], row[3]) for row in found}
    result: list[QueueRow] = []
    for case_id, reference, procedure, code, due, owner, status, closed_on, stage_id, days in rows:
        stopped_on: dt.date | None = None
        until: dt.date | None = None
        if status is None:
            detail = "No stage yet"
        elif status == closed:
            detail = f"{_label(code)} closed" + (
                f" on {format_date(closed_on)}" if closed_on else ""
            )
        elif status == suspended:
            started = since.get(stage_id)
            detail = "Clock suspended"
            if started:
                stopped_on, reason, until = started
                detail = f"Clock suspended since {format_date(stopped_on)} ({reason})"
                if until is not None:
                    detail += f", expected to restart on {format_date(until)}"
        else:
            detail = _left_text(days)
        line = QueueRow(case_id, reference, procedure, code or "", due, days, owner, detail)
        if stopped_on is not None:
            line = line._replace(suspended_since=stopped_on, suspended_until=until)
        result.append(line)
    return result


def _stage_rows(rows: Rows, *, overdue: bool) -> list[QueueRow]:
    result: list[QueueRow] = []
    append = result.append
    # Looked up once: an enum member's value is a descriptor call each time.
    children, stage_3 = Procedure.CHILDREN.value, StageCode.STAGE_3.value
    for (
        case_id,
        reference,
        procedure,
        code,
        due,
        owner,
        extended,
        panel,
        report,
        provisional,
        days,
    ) in rows:
        detail = (
            "Overdue (due on the last working day)" if overdue and days == 0 else _left_text(days)
        )
        if extended:
            detail = f"{detail}; extended by {working_days_text(extended)}"
        if procedure == children and code == stage_3:
            # The review panel's clock that is running (SI 2006/1738 regs. 19-21).
            detail = f"{review_panel_step(panel, report)}: {detail}"
        if provisional:
            detail = f"{detail}; provisional until acknowledged"
        append(QueueRow(case_id, reference, procedure, code, due, days, owner, detail))
    return result


@functools.cache
def _cutoff_statement() -> sa.Select[dt.date]:
    """The (n)-th working day after ``as_of`` from the database's copy of the calendar:
    the first day whose count of working days is ``as_of``'s count plus n."""
    table: sa.Table = CalendarDay.__table__  # type: ignore[assignment]
    start = (
        sa.select(table.c.working_count)
        .where(table.c.day == sa.bindparam("as_of"))
        .scalar_subquery()
    )
    return sa.select(sa.func.min(table.c.day)).where(
        table.c.working_count == start + sa.bindparam("n")
    )


def due_soon_before(session: Session, as_of: dt.date, within: int = DEFAULT_WITHIN) -> dt.date:
    """The first date more than ``within`` working days after ``as_of``: a clock due
    before it (and not before ``as_of``) is "due soon", as in the due-soon queue.

    Read from the database's copy of the calendar (one indexed query), so a page of the
    case list needs no calendar built; the calendar answers (or says why it cannot) when
    the copy has no answer, for a day near the end of its years."""
    _check_known(as_of)
    # A Core statement on the connection: this runs with every page of the case list.
    found = (
        session.connection()
        .execute(_cutoff_statement(), {"as_of": as_of, "n": within + 1})
        .scalar()
    )
    if isinstance(found, dt.date):
        return found
    return _cutoff(_calendar(session, as_of), as_of, within)


def _cutoff_params(session: Session, as_of: dt.date, within: int) -> dict[str, Any]:
    _check_within(within)
    return {
        "as_of": as_of,
        "cutoff": _cutoff(_calendar(session, as_of), as_of, within),
        "cutoff_statutory": _cutoff(_calendar(session, as_of, Procedure.CHILDREN), as_of, within),
    }


def due_within(
    session: Session,
    as_of: dt.date,
    within: int = DEFAULT_WITHIN,
    limit: int | None = None,
    where: Where = None,
    then: bool = False,
) -> list[QueueRow]:
    """Running clocks due from ``as_of`` to ``within`` working days after it (not overdue)."""
    _check_limit(limit)
    params = _cutoff_params(session, as_of, within)
    rows = _run(session, _due_within_statement(limit is not None, then), params, limit, where)
    return _stage_rows(rows, overdue=False)


def overdue(
    session: Session,
    as_of: dt.date,
    limit: int | None = None,
    where: Where = None,
    then: bool = False,
) -> list[QueueRow]:
    """Running clocks whose due date is before ``as_of``, most overdue first."""
    _check_limit(limit)
    _check_known(as_of)
    statement = _overdue_statement(limit is not None, then)
    rows = _run(session, statement, {"as_of": as_of}, limit, where)
    return _stage_rows(rows, overdue=True)


def awaiting_acknowledgement(
    session: Session,
    as_of: dt.date,
    limit: int | None = None,
    where: Where = None,
    then: bool = False,
) -> list[QueueRow]:
    """Stages whose acknowledgement is still owed, by acknowledgement due date.

    Under a policy whose response clock counts from the acknowledgement (the Complaint
    Handling Code) the row also gives the response's provisional due date (counted from
    the last day the acknowledgement is allowed), and an acknowledgement overdue names
    the provision it breaches (6.2 at Stage 1)."""
    _check_limit(limit)
    _check_known(as_of)
    params = {"as_of": as_of}
    statement = _awaiting_acknowledgement_statement(limit is not None, then)
    rows = _run(session, statement, params, limit, where)
    book: PolicyBook | None = None
    result: list[QueueRow] = []
    for (
        case_id,
        reference,
        procedure,
        code,
        due,
        owner,
        received,
        response,
        provisional,
        days,
    ) in rows:
        detail = (
            "Acknowledgement due" if days is None else f"Acknowledgement {_left_text(days).lower()}"
        )
        if provisional:
            if book is None:
                book = policy_book(session)
            rules = book.stage_rules(procedure, code, received)
            where_ = rules.provision("acknowledge") if rules is not None else None
            if days is not None and days < 0 and where_:
                detail = f"{detail}: a breach of {where_}"
            if response is not None:
                detail = f"{detail}; response provisionally due {format_date(response)}"
        result.append(QueueRow(case_id, reference, procedure, code, due, days, owner, detail))
    return result


def _investigator_detail(
    procedure: str, code: str, held: Sequence[Any], offered: Sequence[Any]
) -> str:
    """What the stage still needs, role by role (the roles in :data:`_NEEDED_ROLES`'s
    order, as the query's columns)."""
    needed = required_roles(Procedure(procedure), StageCode(code))
    parts = []
    for role, has, asked in zip(_NEEDED_ROLES, held, offered, strict=True):
        if role in needed and not has:
            short = role_short_label(role)
            parts.append(
                f"{short} offered, no reply yet" if asked else f"Needs {with_article(short)}"
            )
    return "; ".join(parts)


def awaiting_investigator(
    session: Session, as_of: dt.date, limit: int | None = None, where: Where = None
) -> list[QueueRow]:
    """Investigations still short of a role they need accepted (children's Stage 2: an
    Investigating Officer and an Independent Person); soonest due first, then those
    whose clock has not started (longest waiting first)."""
    _check_limit(limit)
    _check_known(as_of)
    params = {"as_of": as_of}
    statement = _awaiting_investigator_statement(limit is not None)
    rows = _run(session, statement, params, limit, where)
    n = len(_NEEDED_ROLES)
    return [
        QueueRow(
            row[0],
            row[1],
            row[2],
            row[3],
            row[4],
            row[-1],
            row[5],
            _investigator_detail(row[2], row[3], row[6 : 6 + n], row[6 + n : 6 + 2 * n]),
        )
        for row in rows
    ]


@dataclass(frozen=True, slots=True)
class EscalationPoint:
    """When a remedy's escalation share of time is reached, and whether it has been."""

    point: dt.date  # the working day the share is reached
    past: bool  # on ``as_of``, the share has been reached


def escalation_points(
    cal: WorkingCalendar,
    as_of: dt.date,
    starts: Sequence[dt.date],
    deadlines: Sequence[dt.date],
    percents: Sequence[int],
) -> list[EscalationPoint | None]:
    """:func:`~crm_desktop.domain.deadlines.clock_status`'s 75% point (``point_75``,
    ``past_75``) for many clocks at once, at any percentage.

    With ``total`` working days from start to deadline and ``elapsed`` from the start to
    ``as_of``: the point is the ceil(percent * total / 100)-th working day after the start,
    and it has passed when 100 * elapsed >= percent * total (for a zero-day clock, when
    ``as_of`` is on or after the deadline); at 75% these are exactly ``clock_status``'s
    answers. None for a clock that cannot be counted (a date outside the calendar, or a
    deadline before its start).
    """
    import numpy as np  # loaded with the first queue counted, not at start-up

    n = len(starts)
    if not n:
        return []
    first, last = cal.first_day, cal.last_day
    ok = [first <= a <= d <= last for a, d in zip(starts, deadlines, strict=True)]
    a_ord = np.array(
        [a.toordinal() if good else as_of.toordinal() for a, good in zip(starts, ok, strict=True)],
        dtype=np.int64,
    )
    d_ord = np.array(
        [
            d.toordinal() if good else as_of.toordinal()
            for d, good in zip(deadlines, ok, strict=True)
        ],
        dtype=np.int64,
    )
    pct = np.asarray(percents, dtype=np.int64)
    base = as_of.toordinal()
    start = (a_ord - _EPOCH_ORDINAL).view("datetime64[D]")
    total = cal.working_days_between_array(start, (d_ord - _EPOCH_ORDINAL).view("datetime64[D]"))
    upto = (np.maximum(a_ord, base) - _EPOCH_ORDINAL).view("datetime64[D]")
    elapsed = cal.working_days_between_array(start, upto)
    past = np.where(total > 0, 100 * elapsed >= pct * total, base >= d_ord).tolist()
    points = cal.add_working_days_array(start, (pct * total + 99) // 100)
    point_ords = (points.view(np.int64) + _EPOCH_ORDINAL).tolist()
    return [
        EscalationPoint(dt.date.fromordinal(o), bool(p)) if good else None
        for o, p, good in zip(point_ords, past, ok, strict=True)
    ]


def _remedy_detail(
    as_of: dt.date,
    deadline_on: dt.date,
    percent: int,
    past: bool | None,
    point: dt.date | None,
    escalation_level: int | None,
    description: str,
) -> str:
    """The queue's words for a remedy; ``past`` and ``point`` as :class:`EscalationPoint`
    has them, None when the remedy cannot be counted."""
    if past is None or point is None:
        text = "Deadline cannot be counted"
    elif as_of > deadline_on:
        text = "Deadline passed: late"
    elif past:
        text = f"{percent}% of the time passed on {format_date(point)}: escalate"
    else:
        text = f"Escalate on {format_date(point)} ({percent}% of the time)"
    if escalation_level:
        return f"{text}; escalated (level {escalation_level}). {description}"
    return f"{text}. {description}"


def lgsco_remedies(
    session: Session, as_of: dt.date, limit: int | None = None, where: Where = None
) -> list[QueueRow]:
    """Ombudsman remedies not yet completed, earliest deadline first, each marked when the
    escalation share (reference data, default 75%) of the time from agreement to deadline
    has passed (see :func:`escalation_points`).

    The working days are counted by the query itself, from the database's copy of the
    calendar (:mod:`crm_desktop.db.calendar_table`), so the rows need no counting here."""
    _check_limit(limit)
    _check_known(as_of)
    statement = _lgsco_remedies_statement(limit is not None)
    rows = _run(session, statement, {"as_of": as_of}, limit, where)
    return [
        QueueRow(
            case_id,
            reference,
            procedure,
            stage,
            deadline,
            left,
            owner,
            _remedy_detail(as_of, deadline, percent, past, point, level, description),
        )
        for (
            case_id,
            reference,
            procedure,
            stage,
            deadline,
            owner,
            left,
            description,
            level,
            percent,
            past,
            point,
        ) in rows
    ]


def action_items_due(
    session: Session,
    as_of: dt.date,
    within: int = DEFAULT_WITHIN,
    limit: int | None = None,
    where: Where = None,
) -> list[QueueRow]:
    """Action-plan items not done and due within ``within`` working days or overdue."""
    _check_limit(limit)
    params = _cutoff_params(session, as_of, within)
    rows = _run(session, _action_items_statement(limit is not None), params, limit, where)
    return [
        QueueRow(
            case_id,
            reference,
            procedure,
            code or "",
            due,
            days,
            owner or None,
            f"{_left_text(days)}. {action}",
        )
        for case_id, reference, procedure, code, due, owner, action, days in rows
    ]


# --------------------------------------------------------------------------- registry


@dataclass(frozen=True, slots=True)
class QueueSpec:
    """A queue as the command line and the desktop program offer it: its rows
    (``function``) and its cached SQL (``statement(limited)``)."""

    name: str
    title: str
    function: Callable[..., list[QueueRow]]
    statement: Callable[[bool], Statement]
    needs_user: bool = False
    takes_within: bool = False

    def heading(self, within: int | None = None) -> str:
        """The title as people read it, with the working days of a queue that takes them."""
        if not self.takes_within:
            return self.title
        days = working_days_text(DEFAULT_WITHIN if within is None else within)
        if "N working days" in self.title:
            return self.title.replace("N working days", days)
        return f"{self.title} within {days} or overdue"


QUEUES: dict[str, QueueSpec] = {
    spec.name: spec
    for spec in (
        QueueSpec("my-open", "My open cases", my_open_cases, _my_open_statement, needs_user=True),
        QueueSpec(
            "due-soon",
            "Due within N working days",
            due_within,
            _due_within_statement,
            takes_within=True,
        ),
        QueueSpec("overdue", "Overdue", overdue, _overdue_statement),
        QueueSpec(
            "awaiting-acknowledgement",
            "Awaiting acknowledgement",
            awaiting_acknowledgement,
            _awaiting_acknowledgement_statement,
        ),
        QueueSpec(
            "awaiting-investigator",
            "Awaiting Investigating Officer / Independent Person",
            awaiting_investigator,
            _awaiting_investigator_statement,
        ),
        QueueSpec(
            "lgsco-remedies",
            "Ombudsman (LGSCO) remedies due",
            lgsco_remedies,
            _lgsco_remedies_statement,
        ),
        QueueSpec(
            "action-items",
            "Action-plan items due",
            action_items_due,
            _action_items_statement,
            takes_within=True,
        ),
    )
}


def queue_names() -> list[str]:
    return list(QUEUES)


def queue_spec(name: str) -> QueueSpec:
    """The queue called ``name``; refused, listing the queues, when there is none."""
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
    where: Where = None,
    then: bool = False,
) -> list[QueueRow]:
    """Run the queue called ``name`` (see :data:`QUEUES`) with the options it takes;
    ``where`` limits it to the cases the actor may see.

    ``then``: the queues of stages (due soon, overdue, awaiting acknowledgement) as
    things stood on ``as_of``, by the dates recorded: only cases received by then, each
    at the stage it was at then (the last one asked for by then); a stage answered,
    acknowledged, closed or started after ``as_of`` was not yet, and a clock suspended
    on ``as_of`` by a suspension with dates (one started by then and not ended) was not
    running. Due dates are the ones stored now (an extension agreed later included).
    The other queues are as things stand now. Without ``then`` all are as things stand
    now, counted from ``as_of``."""
    spec = queue_spec(name)
    kwargs: dict[str, Any] = {"limit": limit, "where": where}
    if name in _STAGE_QUEUES:
        kwargs["then"] = then
    if spec.needs_user:
        if not user:
            raise ValidationError(f"The '{name}' queue needs a user name (--user).", "user")
        return spec.function(session, as_of, user, **kwargs)
    if spec.takes_within:
        days = DEFAULT_WITHIN if within is None else within
        return spec.function(session, as_of, days, **kwargs)
    return spec.function(session, as_of, **kwargs)


def count_queue(
    session: Session,
    name: str,
    as_of: dt.date,
    *,
    within: int | None = None,
    where: Where = None,
) -> int:
    """How many stages the queue of stages called ``name`` (due soon, overdue, awaiting
    acknowledgement) holds, by the same condition as its rows, counted in SQL."""
    condition = _STAGE_QUEUES[name](False)
    if where is not None:
        condition = sa.and_(condition, where)
    params: dict[str, Any] = {"as_of": as_of}
    if queue_spec(name).takes_within:
        params = _cutoff_params(session, as_of, DEFAULT_WITHIN if within is None else within)
    else:
        _check_known(as_of)
    statement = sa.select(sa.func.count()).select_from(_stages()).where(condition)
    return int(session.connection().execute(statement, params).scalar() or 0)


def queue_statement(
    session: Session,
    name: str,
    as_of: dt.date,
    *,
    user: str | None = None,
    within: int | None = None,
    limit: int | None = None,
    where: Where = None,
) -> Statement:
    """The SQL a queue runs, with its parameters bound, for benchmarks that time it
    without the service around it (compile it with ``literal_binds``)."""
    spec = queue_spec(name)
    _check_known(as_of)
    params: dict[str, Any] = {"as_of": as_of}
    if spec.takes_within:
        params = _cutoff_params(session, as_of, DEFAULT_WITHIN if within is None else within)
    if spec.needs_user:
        params["user_id"] = _user_id(session, user or "")
    if limit is not None:
        params["limit"] = limit
    statement = spec.statement(limit is not None)
    if where is not None:
        statement = statement.where(where)
    return statement.params(params)
