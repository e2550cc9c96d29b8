"""The stage clock over the database: start, suspend, resume, extend, close.

Each operation takes the session of the caller's write transaction (``Database.write``
commits it), the stage's id, its inputs and ``actor`` (the username making the change),
and returns a :class:`ClockView`. Every refusal is a :class:`ValidationError` whose message
names the problem, raised before anything is changed. Every change to a due date (the
response due date, the acknowledgement due date, the adult outer limit) is recorded as a
:class:`DueDateChange` row: which date, the cause, before, after, who, when and why.

The arithmetic is the pure deadline engine's (:mod:`crm_desktop.domain.deadlines`);
this module only reads and writes the rows it works on::

    due = start + (timescale + extensions + suspended working days) working days

The stored ``due_on`` counts closed suspensions only: while a clock is suspended it keeps
the due date it had when it stopped, and resuming moves it later by the working days the
clock was stopped. :func:`stage_clock_status` and :func:`explain_stage_due_date` count an
open suspension up to the date they are asked about.

Timescale of a stage (reference data, ``stage_timescale``): its ``duration`` rule; for a
stage without one but with the three review panel rules (children's Stage 3) the sum of
them, the latest the council's response can be due if each step takes its full time.
"""

from __future__ import annotations

import operator
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from crm_desktop.db.models import Case, DueDateChange, Stage, StageExtension, StageSuspension
from crm_desktop.domain.calendar import CalendarError, WorkingCalendar, add_calendar_months
from crm_desktop.domain.deadlines import (
    ClockStatus,
    DeadlineError,
    Extension,
    Suspension,
    check_extension,
    clock_status,
    compute_due_date,
    explain_due_date,
    suspended_working_days,
)
from crm_desktop.domain.enums import Procedure, StageCode, StageStatus, SuspensionReason
from crm_desktop.domain.formatting import format_date, working_days_text
from crm_desktop.errors import ValidationError
from crm_desktop.services.calendar_service import StageTimescales, timescales, working_calendar

__all__ = [
    "ClockView",
    "ExtensionView",
    "SuspensionView",
    "base_timescale",
    "close_clock",
    "explain_stage_due_date",
    "extend_clock",
    "get_clock",
    "resume_clock",
    "stage_clock_status",
    "start_clock",
    "suspend_clock",
]

FIELD_DUE = "due"
FIELD_ACKNOWLEDGE_DUE = "acknowledge due"
FIELD_OUTER_LIMIT = "outer limit"


# --------------------------------------------------------------------------- views


@dataclass(frozen=True, slots=True)
class SuspensionView:
    id: int
    starts_on: date
    ends_on: date | None  # None: the clock is still stopped
    reason: str  # a SuspensionReason value
    note: str | None
    created_by: str | None


@dataclass(frozen=True, slots=True)
class ExtensionView:
    id: int
    working_days: int
    reason: str
    agreed_with_complainant: bool
    created_by: str | None


@dataclass(frozen=True, slots=True)
class ClockView:
    """A stage's clock as stored after an operation."""

    stage_id: int
    case_id: int
    procedure: str  # a Procedure value
    stage: str  # a StageCode value
    status: str  # a StageStatus value
    started_on: date | None
    timescale_days: int | None  # the base timescale, before extensions and suspensions
    extended_days: int  # working days added by extensions
    suspended_days: int  # working days added by closed suspensions
    due_on: date | None
    acknowledge_due_on: date | None
    acknowledged_on: date | None
    outer_limit_on: date | None
    closed_on: date | None
    open_suspension: SuspensionView | None
    suspensions: tuple[SuspensionView, ...]
    extensions: tuple[ExtensionView, ...]

    @property
    def suspended(self) -> bool:
        return self.open_suspension is not None


def _suspension_view(row: StageSuspension) -> SuspensionView:
    return SuspensionView(
        id=row.id,
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        reason=str(row.reason),
        note=row.note,
        created_by=row.created_by,
    )


def _view(stage: Stage, procedure: Procedure) -> ClockView:
    suspensions = tuple(_suspension_view(s) for s in _suspensions(stage))
    open_suspension = next((s for s in suspensions if s.ends_on is None), None)
    extensions = tuple(
        ExtensionView(
            id=e.id,
            working_days=e.working_days,
            reason=e.reason,
            agreed_with_complainant=e.agreed_with_complainant,
            created_by=e.created_by,
        )
        for e in _extensions(stage)
    )
    return ClockView(
        stage_id=stage.id,
        case_id=stage.case_id,
        procedure=str(procedure),
        stage=str(stage.stage),
        status=str(stage.status),
        started_on=stage.started_on,
        timescale_days=stage.timescale_days,
        extended_days=stage.extended_days,
        suspended_days=stage.suspended_days,
        due_on=stage.due_on,
        acknowledge_due_on=stage.acknowledge_due_on,
        acknowledged_on=stage.acknowledged_on,
        outer_limit_on=stage.outer_limit_on,
        closed_on=stage.closed_on,
        open_suspension=open_suspension,
        suspensions=suspensions,
        extensions=extensions,
    )


# --------------------------------------------------------------------------- helpers


@contextmanager
def _domain_errors() -> Iterator[None]:
    """The calendar's and the deadline engine's refusals, as the user sees them."""
    try:
        yield
    except (CalendarError, DeadlineError) as exc:
        raise ValidationError(str(exc)) from None


def _actor(actor: str) -> str:
    name = actor.strip() if isinstance(actor, str) else ""
    if not name:
        raise ValidationError("Say who is making this change (no user name was given).", "actor")
    return name


def _load(session: Session, stage_id: int) -> tuple[Stage, Procedure]:
    # The stage and its case are usually in the session already (the caller has just
    # read or made them): taken from there, without a query.
    stage = session.get(Stage, stage_id)
    case = session.get(Case, stage.case_id) if stage is not None else None
    if stage is None or case is None:
        raise ValidationError(f"There is no stage with id {stage_id}.", "stage")
    return stage, Procedure(case.procedure)


def _suspensions(stage: Stage) -> list[StageSuspension]:
    return sorted(stage.suspensions, key=lambda s: (s.starts_on, s.id is None, s.id or 0))


def _extensions(stage: Stage) -> list[StageExtension]:
    return sorted(stage.extensions, key=lambda e: (e.id is None, e.id or 0))


def _open_suspension(stage: Stage) -> StageSuspension | None:
    return next((s for s in stage.suspensions if s.ends_on is None), None)


def _suspension_text(row: StageSuspension) -> str:
    note = (row.note or "").strip()
    return f"{row.reason}: {note}" if note else str(row.reason)


def _domain_suspensions(
    rows: Sequence[StageSuspension], *, closed_only: bool = False
) -> list[Suspension]:
    with _domain_errors():
        return [
            Suspension(row.starts_on, row.ends_on, _suspension_text(row))
            for row in rows
            if not (closed_only and row.ends_on is None)
        ]


def _domain_extensions(rows: Sequence[StageExtension]) -> list[Extension]:
    with _domain_errors():
        return [Extension(row.working_days, row.reason) for row in rows]


def stage_label(procedure: Procedure, stage: StageCode | str) -> str:
    """``children's social care Stage 1``, ``adult social care Low risk``, ``corporate Stage 2``."""
    label = Procedure(procedure).label
    return f"{label[0].lower()}{label[1:]} {StageCode(stage).label}"


def base_timescale(rules: StageTimescales) -> int:
    if rules.duration is not None:
        return rules.duration
    panel = (rules.panel_meeting, rules.panel_report, rules.council_response)
    if all(value is not None for value in panel):
        return sum(value for value in panel if value is not None)
    raise ValidationError(
        f"There is no response timescale for {stage_label(rules.procedure, rules.stage)} in "
        "the reference data, so its clock cannot be started. A manager can add one in the "
        "timescale settings."
    )


def _require_started(stage: Stage, doing: str) -> date:
    if stage.started_on is None or stage.timescale_days is None:
        raise ValidationError(f"This stage's clock has not started, so it cannot be {doing}.")
    return stage.started_on


def _require_not_closed(stage: Stage, doing: str) -> None:
    if stage.status == StageStatus.CLOSED or stage.closed_on is not None:
        when = f" on {format_date(stage.closed_on)}" if stage.closed_on else ""
        raise ValidationError(f"This stage was closed{when}, so its clock cannot be {doing}.")


def _require_known(cal: WorkingCalendar, d: date, what: str) -> None:
    if not cal.knows(d):
        raise ValidationError(
            f"The {what} {format_date(d)} is outside the years the calendar knows "
            f"({cal.first_year} to {cal.last_year})."
        )


def _record(
    session: Session,
    stage: Stage,
    field: str,
    cause: str,
    before: date | None,
    after: date | None,
    reason: str,
    actor: str,
) -> None:
    if before == after:
        return
    session.add(
        DueDateChange(
            stage_id=stage.id,
            field=field,
            cause=cause,
            before=before,
            after=after,
            reason=reason,
            changed_by=actor,
        )
    )


def _recompute_due(
    cal: WorkingCalendar,
    stage: Stage,
    suspensions: Sequence[Suspension],
    extensions: Sequence[Extension],
) -> tuple[date, int]:
    """The stored due date and suspended working days from closed suspensions only."""
    start = _require_started(stage, "counted")
    assert stage.timescale_days is not None  # _require_started checked it
    closed = [s for s in suspensions if s.ends_on is not None]
    with _domain_errors():
        due = compute_due_date(cal, start, stage.timescale_days, closed, extensions)
        return due, suspended_working_days(cal, closed)


# --------------------------------------------------------------------------- operations


def get_clock(session: Session, stage_id: int) -> ClockView:
    """The stage's clock as stored."""
    stage, procedure = _load(session, stage_id)
    return _view(stage, procedure)


def start_clock(
    session: Session, stage_id: int, started_on: date, actor: str, reason: str = ""
) -> ClockView:
    """Start the stage's clock on ``started_on`` (day 0) with its reference timescale.

    Sets the base timescale (rule ``duration``), the acknowledgement due date (rule
    ``acknowledge``, counted from the date the stage was requested, else from the start),
    the adult statutory outer limit (rule ``outer limit months``, calendar months from the
    start) and the due date. Starting a clock that has already started changes its start
    date (a correction): that needs a reason and keeps the stage's timescale, extensions
    and suspensions.
    """
    actor = _actor(actor)
    stage, procedure = _load(session, stage_id)
    _require_not_closed(stage, "started")
    rules = timescales(session, procedure, stage.stage)
    restarting = stage.started_on is not None
    why = reason.strip()
    if restarting:
        assert stage.started_on is not None
        if _open_suspension(stage) is not None:
            raise ValidationError(
                "This stage's clock is suspended; resume it before changing its start date."
            )
        if not why:
            raise ValidationError(
                f"This stage's clock already started on {format_date(stage.started_on)}; "
                "give a reason to change its start date.",
                "reason",
            )
        earliest = min((s.starts_on for s in stage.suspensions), default=None)
        if earliest is not None and started_on > earliest:
            raise ValidationError(
                f"The clock cannot start on {format_date(started_on)}: it was suspended on "
                f"{format_date(earliest)}, before that."
            )
    base = (
        stage.timescale_days
        if restarting and stage.timescale_days is not None
        else base_timescale(rules)
    )
    cal = working_calendar(session)
    _require_known(cal, started_on, "start date")
    suspensions = _domain_suspensions(_suspensions(stage))
    extensions = _domain_extensions(_extensions(stage))
    ack_from = stage.requested_on if stage.requested_on is not None else started_on
    with _domain_errors():
        closed = [s for s in suspensions if s.ends_on is not None]
        due = compute_due_date(cal, started_on, base, closed, extensions)
        suspended = suspended_working_days(cal, closed)
        ack_due = (
            cal.add_working_days(ack_from, rules.acknowledge)
            if rules.acknowledge is not None
            else stage.acknowledge_due_on
        )
        outer = (
            add_calendar_months(started_on, rules.outer_limit_months)
            if rules.outer_limit_months is not None
            else None
        )

    cause = "restart" if restarting else "start"
    if not why:
        why = f"Clock started on {format_date(started_on)} with {working_days_text(base)}."
    before = (stage.due_on, stage.acknowledge_due_on, stage.outer_limit_on)
    stage.started_on = started_on
    stage.timescale_days = base
    stage.suspended_days = suspended
    stage.due_on = due
    stage.acknowledge_due_on = ack_due
    stage.outer_limit_on = outer
    stage.updated_by = actor
    _record(session, stage, FIELD_DUE, cause, before[0], due, why, actor)
    _record(session, stage, FIELD_ACKNOWLEDGE_DUE, cause, before[1], ack_due, why, actor)
    _record(session, stage, FIELD_OUTER_LIMIT, cause, before[2], outer, why, actor)
    session.flush()
    return _view(stage, procedure)


def suspend_clock(
    session: Session,
    stage_id: int,
    starts_on: date,
    reason: SuspensionReason | str,
    note: str | None,
    actor: str,
) -> ClockView:
    """Stop the stage's clock from ``starts_on``; the due date moves when it is resumed."""
    actor = _actor(actor)
    try:
        why = SuspensionReason(reason)
    except ValueError:
        names = ", ".join(r.value for r in SuspensionReason)
        raise ValidationError(
            f"'{reason}' is not a reason to suspend a clock; use one of: {names}.", "reason"
        ) from None
    text = (note or "").strip()
    if why == SuspensionReason.OTHER and not text:
        raise ValidationError(
            "Say why the clock is suspended: the reason is 'other', so a note is needed.", "note"
        )
    stage, procedure = _load(session, stage_id)
    _require_not_closed(stage, "suspended")
    start = _require_started(stage, "suspended")
    current = _open_suspension(stage)
    if current is not None:
        raise ValidationError(
            f"This stage's clock is already suspended (since {format_date(current.starts_on)}, "
            f"{current.reason}); resume it before suspending it again."
        )
    if starts_on < start:
        raise ValidationError(
            f"A suspension cannot start on {format_date(starts_on)}, before the clock started "
            f"on {format_date(start)}."
        )
    last_end = max((s.ends_on for s in stage.suspensions if s.ends_on is not None), default=None)
    if last_end is not None and starts_on < last_end:
        raise ValidationError(
            f"A suspension cannot start on {format_date(starts_on)}: the clock was suspended "
            f"until {format_date(last_end)}, and suspensions may not overlap."
        )
    if stage.due_on is not None and starts_on > stage.due_on:
        raise ValidationError(
            f"The clock ran out on {format_date(stage.due_on)} (its due date), so it cannot be "
            f"suspended from {format_date(starts_on)}."
        )
    cal = working_calendar(session)
    _require_known(cal, starts_on, "suspension date")

    row = StageSuspension(
        stage_id=stage.id,
        starts_on=starts_on,
        ends_on=None,
        reason=why,
        note=text or None,
        created_by=actor,
        updated_by=actor,
    )
    stage.suspensions.append(row)
    stage.status = StageStatus.SUSPENDED
    stage.updated_by = actor
    session.flush()
    return _view(stage, procedure)


def resume_clock(session: Session, stage_id: int, ends_on: date, actor: str) -> ClockView:
    """Restart a suspended clock on ``ends_on``; the due date moves later by the working
    days after the suspension started up to and including ``ends_on``."""
    actor = _actor(actor)
    stage, procedure = _load(session, stage_id)
    current = _open_suspension(stage)
    if current is None:
        raise ValidationError("This stage's clock is not suspended, so it cannot be resumed.")
    cal = working_calendar(session)
    _require_known(cal, ends_on, "resume date")
    with _domain_errors():
        ended = Suspension(current.starts_on, ends_on, _suspension_text(current))
    suspensions = [
        ended if row is current else Suspension(row.starts_on, row.ends_on, _suspension_text(row))
        for row in _suspensions(stage)
    ]
    due, suspended = _recompute_due(cal, stage, suspensions, _domain_extensions(_extensions(stage)))
    with _domain_errors():
        added = ended.working_days(cal)

    before = stage.due_on
    current.ends_on = ends_on
    current.updated_by = actor
    stage.suspended_days = suspended
    stage.due_on = due
    stage.status = StageStatus.OPEN
    stage.updated_by = actor
    why = (
        f"Clock resumed on {format_date(ends_on)} after a suspension from "
        f"{format_date(current.starts_on)} ({_suspension_text(current)}): "
        f"{working_days_text(added)} added."
    )
    _record(session, stage, FIELD_DUE, "resume", before, due, why, actor)
    session.flush()
    return _view(stage, procedure)


def extend_clock(
    session: Session,
    stage_id: int,
    working_days: int,
    reason: str,
    actor: str,
    agreed_with_complainant: bool = False,
) -> ClockView:
    """Add ``working_days`` to the stage's timescale, with a reason.

    Refused past the procedure's extension limit (rule ``extension limit``: the most
    working days the stage may run to). A stage without that rule but with a statutory
    outer limit (adult social care) may be extended up to the outer limit date. A stage
    with neither may be extended by agreement without limit.
    """
    actor = _actor(actor)
    try:
        days = operator.index(working_days)
    except TypeError:
        raise ValidationError(
            f"An extension must be a whole number of working days (got {working_days!r}).",
            "working_days",
        ) from None
    why = reason.strip() if isinstance(reason, str) else ""
    with _domain_errors():
        Extension(days, why)  # refuses fewer than 1 day or no reason, with its message
    stage, procedure = _load(session, stage_id)
    _require_not_closed(stage, "extended")
    _require_started(stage, "extended")
    assert stage.timescale_days is not None
    rules = timescales(session, procedure, stage.stage)
    existing = _extensions(stage)
    already = sum(e.working_days for e in existing)
    label = stage_label(procedure, stage.stage)
    if rules.extension_limit is not None:
        with _domain_errors():
            check_extension(stage.timescale_days, already, days, rules.extension_limit, label)
    cal = working_calendar(session)
    extensions = [*_domain_extensions(existing), Extension(days, why)]
    due, _ = _recompute_due(cal, stage, _domain_suspensions(_suspensions(stage)), extensions)
    if (
        rules.extension_limit is None
        and stage.outer_limit_on is not None
        and due > stage.outer_limit_on
    ):
        raise ValidationError(
            f"An extension of {working_days_text(days)} would make this stage due on "
            f"{format_date(due)}, after its statutory outer limit of "
            f"{format_date(stage.outer_limit_on)}."
        )

    before = stage.due_on
    stage.extensions.append(
        StageExtension(
            stage_id=stage.id,
            working_days=days,
            reason=why,
            agreed_with_complainant=bool(agreed_with_complainant),
            created_by=actor,
            updated_by=actor,
        )
    )
    stage.extended_days = already + days
    stage.due_on = due
    stage.updated_by = actor
    agreed = " (agreed with the complainant)" if agreed_with_complainant else ""
    text = f"Extended by {working_days_text(days)}{agreed}: {why}"
    _record(session, stage, FIELD_DUE, "extend", before, due, text, actor)
    session.flush()
    return _view(stage, procedure)


def close_clock(session: Session, stage_id: int, closed_on: date, actor: str) -> ClockView:
    """Stop the clock for good: the stage's response was sent on ``closed_on``.

    A clock closed while suspended has its suspension ended on ``closed_on`` (and its due
    date moved as a resume would). Outcomes are recorded elsewhere.
    """
    actor = _actor(actor)
    stage, procedure = _load(session, stage_id)
    if stage.status == StageStatus.CLOSED or stage.closed_on is not None:
        when = f" on {format_date(stage.closed_on)}" if stage.closed_on else ""
        raise ValidationError(f"This stage was already closed{when}.")
    if stage.started_on is not None and closed_on < stage.started_on:
        raise ValidationError(
            f"A stage cannot close on {format_date(closed_on)}, before its clock started on "
            f"{format_date(stage.started_on)}."
        )
    current = _open_suspension(stage)
    due: date | None = stage.due_on
    suspended = stage.suspended_days
    if current is not None:
        if closed_on < current.starts_on:
            raise ValidationError(
                f"A stage cannot close on {format_date(closed_on)}, before its clock was "
                f"suspended on {format_date(current.starts_on)}."
            )
        cal = working_calendar(session)
        _require_known(cal, closed_on, "closing date")
        suspensions = [
            Suspension(
                row.starts_on, closed_on if row is current else row.ends_on, _suspension_text(row)
            )
            for row in _suspensions(stage)
        ]
        due, suspended = _recompute_due(
            cal, stage, suspensions, _domain_extensions(_extensions(stage))
        )

    before = stage.due_on
    if current is not None:
        current.ends_on = closed_on
        current.updated_by = actor
    stage.suspended_days = suspended
    stage.due_on = due
    stage.closed_on = closed_on
    stage.status = StageStatus.CLOSED
    stage.updated_by = actor
    why = f"Stage closed on {format_date(closed_on)} while its clock was suspended."
    _record(session, stage, FIELD_DUE, "close", before, due, why, actor)
    session.flush()
    return _view(stage, procedure)


# --------------------------------------------------------------------------- reading


def _current_due(
    cal: WorkingCalendar, stage: Stage, as_of: date
) -> tuple[date, list[Suspension], list[Extension]]:
    start = _require_started(stage, "counted")
    assert stage.timescale_days is not None
    suspensions = _domain_suspensions(_suspensions(stage))
    extensions = _domain_extensions(_extensions(stage))
    with _domain_errors():
        due = compute_due_date(cal, start, stage.timescale_days, suspensions, extensions, as_of)
    return due, suspensions, extensions


def explain_stage_due_date(session: Session, stage_id: int, as_of: date) -> list[str]:
    """The stage's due date in plain English, one line per step (see
    :func:`crm_desktop.domain.deadlines.explain_due_date`); an open suspension counts up to
    ``as_of``."""
    stage, _procedure = _load(session, stage_id)
    if stage.started_on is None or stage.timescale_days is None:
        return ["The clock of this stage has not started, so it has no due date yet."]
    cal = working_calendar(session)
    due, suspensions, extensions = _current_due(cal, stage, as_of)
    with _domain_errors():
        lines = explain_due_date(
            cal, stage.started_on, stage.timescale_days, suspensions, extensions, as_of
        )
    if stage.outer_limit_on is not None:
        lines.append(f"Statutory outer limit: {format_date(stage.outer_limit_on)}.")
    if stage.closed_on is not None:
        if stage.closed_on <= due:
            lines.append(f"Closed on {format_date(stage.closed_on)}: in time.")
        else:
            with _domain_errors():
                late = cal.working_days_between(due, stage.closed_on)
            lines.append(
                f"Closed on {format_date(stage.closed_on)}: {working_days_text(late)} late."
            )
    return lines


def stage_clock_status(session: Session, stage_id: int, as_of: date) -> ClockStatus:
    """Working days left, share of the time used, due soon, overdue, and the 75% point, on
    ``as_of``; an open suspension counts up to ``as_of``."""
    stage, _procedure = _load(session, stage_id)
    start = _require_started(stage, "measured")
    cal = working_calendar(session)
    due, _, _ = _current_due(cal, stage, as_of)
    with _domain_errors():
        return clock_status(cal, start, due, as_of)
