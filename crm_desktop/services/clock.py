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
stage without one but with the review panel rules (children's Stage 3) the first of the
panel's three clocks.

Children's Stage 3 runs three clocks one after another (SI 2006/1738 regs. 19-21): the
panel meets within 30 working days of the request (``panel_due_on``, the stage's clock
from its start), reports within 5 working days of meeting (``panel_report_due_on``, set
by :func:`record_panel`), and the council responds within 15 working days of receiving
the report (``council_response_due_on``, set by :func:`record_panel_report`). The stage's
``due_on`` is always the running clock's, so the queues and reminders follow it. None of
the three may be extended.

Each clock counts in its procedure's calendar (closure days are working days for the
children's and adult's clocks).
"""

from __future__ import annotations

import operator
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload

from crm_desktop.db.models import (
    FIELD_ACKNOWLEDGE_DUE,
    FIELD_AGREED_PERIOD,
    FIELD_DUE,
    FIELD_OUTER_LIMIT,
    Case,
    DueDateChange,
    Stage,
    StageExtension,
    StageSuspension,
)
from crm_desktop.domain.calendar import CalendarError, WorkingCalendar
from crm_desktop.domain.deadlines import (
    ClockStatus,
    DeadlineError,
    Extension,
    Suspension,
    check_extension,
    clock_from_acknowledgement,
    clock_status,
    compute_due_date,
    explain_due_date,
    suspended_working_days,
)
from crm_desktop.domain.enums import Procedure, StageCode, StageStatus, SuspensionReason
from crm_desktop.domain.formatting import format_date, working_days_text
from crm_desktop.domain.procedure_policy import (
    late_acknowledgement_text,
)
from crm_desktop.domain.statutory import (
    COUNCIL_RESPONSE_DAYS,
    PANEL_REPORT_DAYS,
    six_months_beginning_with,
)
from crm_desktop.errors import ValidationError
from crm_desktop.services.calendar_service import StageTimescales, timescales, working_calendar
from crm_desktop.services.extension_limits import extension_limit

__all__ = [
    "AcknowledgementCheck",
    "ClockView",
    "ExtensionView",
    "SuspensionView",
    "acknowledge_clock",
    "acknowledgement_check",
    "agree_period",
    "base_timescale",
    "close_clock",
    "explain_stage_due_date",
    "extend_clock",
    "get_clock",
    "record_panel",
    "record_panel_report",
    "resume_clock",
    "retime_for_closure_day",
    "stage_clock_status",
    "start_clock",
    "suspend_clock",
]


# --------------------------------------------------------------------------- views


@dataclass(frozen=True, slots=True)
class SuspensionView:
    id: int
    starts_on: date
    ends_on: date | None  # None: the clock is still stopped
    reason: str  # a SuspensionReason value
    note: str | None
    created_by: str | None
    expected_resume_on: date | None = None  # the day it is expected to restart, if given


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


# How an extension's reason notes a manager's good reason for passing the policy's limit
# (the Complaint Handling Code, 6.4: "without good reason"; the extension is marked
# ``beyond_limit`` too).
BEYOND_LIMIT = " (beyond the limit of"


def reason_for_the_complainant(reason: str) -> str:
    """An extension's reason as a letter gives it: a manager's good reason for passing
    the limit follows the officer's, without the program's note of the limit."""
    given, marked, rest = reason.partition(BEYOND_LIMIT)
    if not marked:
        return reason
    good = rest.split(": ", 1)[1] if ": " in rest else ""
    good = good.removesuffix(")").strip()
    given = given.strip().rstrip(".")
    return f"{given}; {good}" if given and good else (given or good)


def _suspension_view(row: StageSuspension) -> SuspensionView:
    return SuspensionView(
        id=row.id,
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        reason=str(row.reason),
        note=row.note,
        created_by=row.created_by,
        expected_resume_on=row.expected_resume_on,
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
    if rules.panel_meeting is not None:  # the review panel: its first clock
        return rules.panel_meeting
    raise ValidationError(
        f"There is no response timescale for {stage_label(rules.procedure, rules.stage)} in "
        "the reference data, so its clock cannot be started. A manager can add one in the "
        "timescale settings."
    )


def is_review_panel(procedure: Procedure, code: StageCode | str) -> bool:
    return procedure == Procedure.CHILDREN and StageCode(code) == StageCode.STAGE_3


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


def _recompute_own_due(cal: WorkingCalendar, stage: Stage) -> tuple[date, int]:
    """:func:`_recompute_due` with the stage's own suspensions and extensions."""
    return _recompute_due(
        cal, stage, _domain_suspensions(_suspensions(stage)), _domain_extensions(_extensions(stage))
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
    undated = stage.undated_suspended_days
    with _domain_errors():
        due = compute_due_date(
            cal, start, stage.timescale_days, closed, extensions, undated_suspended=undated
        )
        return due, undated + suspended_working_days(cal, closed)


def _from_acknowledgement_text(
    stage: Stage, received: date, ack_due: date | None, day0: date, base: int
) -> str:
    if stage.acknowledged_on is not None:
        return (
            f"Acknowledged on {format_date(stage.acknowledged_on)}: the response is due "
            f"{working_days_text(base)} after it."
        )
    return (
        f"Received on {format_date(received)}; acknowledgement due by "
        f"{format_date(ack_due) if ack_due else 'its limit'}. Until it is acknowledged the "
        f"response is provisionally due {working_days_text(base)} after "
        f"{format_date(day0)}, the last day the acknowledgement is allowed."
    )


def _close_before_acknowledgement(
    session: Session, stage: Stage, procedure: Procedure, closed_on: date
) -> date | None:
    """A stage whose clock counts from its acknowledgement and that ends before it was
    acknowledged (and before the provisional start): its clock counts from the day it
    ended. Returns the due date it had (None: nothing moved)."""
    if (
        stage.acknowledged_on is not None
        or stage.started_on is None
        or stage.timescale_days is None
        or closed_on >= stage.started_on
        or stage.suspensions
    ):
        return None
    rules = timescales(session, procedure, stage.stage, stage.case.received_on)
    if not rules.from_acknowledgement:
        return None
    ask_from = stage.requested_on or stage.case.received_on
    if closed_on < ask_from:
        return None  # refused by the caller: before the clock could start
    cal = working_calendar(session, procedure)
    before = stage.due_on
    with _domain_errors():
        stage.due_on = compute_due_date(
            cal,
            closed_on,
            stage.timescale_days,
            (),
            _domain_extensions(_extensions(stage)),
            undated_suspended=stage.undated_suspended_days,
        )
    stage.started_on = closed_on
    return before


@dataclass(frozen=True, slots=True)
class AcknowledgementCheck:
    """Whether a stage was (or is being) acknowledged in time, as the case screen and
    the Complaint Handling Code report show it."""

    stage_id: int
    due: date
    acknowledged_on: date | None
    late: bool  # acknowledged after ``due``, or still not acknowledged after it
    provision: str | None  # the rule it breaches when late ("paragraph 6.2 of ...")
    text: str


def acknowledgement_check(
    session: Session, stage_id: int, as_of: date
) -> AcknowledgementCheck | None:
    """The stage's acknowledgement against its due date on ``as_of`` (None: the stage has
    no acknowledgement due date). Under the Complaint Handling Code a late one is a
    breach of 6.2 (Stage 1)."""
    stage, procedure = _load(session, stage_id)
    due = stage.acknowledge_due_on
    if due is None:
        return None
    rules = timescales(session, procedure, stage.stage, stage.case.received_on)
    acknowledged, ended = stage.acknowledged_on, stage.closed_on
    # Never acknowledged: a stage that ended by the day it was due needed none (its
    # response stood for it); one that ended later, or not yet, after it, is late.
    late = acknowledged > due if acknowledged is not None else (ended or as_of) > due
    provision = rules.policy_stage.provision("acknowledge") if rules.policy_stage else None
    if late:
        if rules.policy_stage is not None:
            text = late_acknowledgement_text(rules.policy_stage, due, acknowledged)
        elif acknowledged is not None:
            text = (
                f"Acknowledged on {format_date(acknowledged)}, after it was due on "
                f"{format_date(due)}."
            )
        else:
            text = f"Not acknowledged by {format_date(due)}."
    elif acknowledged is not None:
        text = f"Acknowledged on {format_date(acknowledged)}, in time (due {format_date(due)})."
    elif ended is not None:
        text = (
            f"Ended on {format_date(ended)}, by the day the acknowledgement was due "
            f"({format_date(due)}): no separate acknowledgement was needed."
        )
    else:
        text = f"Acknowledgement due by {format_date(due)}."
    return AcknowledgementCheck(
        stage.id, due, acknowledged, late, provision if late else None, text
    )


# --------------------------------------------------------------------------- operations


def get_clock(session: Session, stage_id: int) -> ClockView:
    """The stage's clock as stored."""
    stage, procedure = _load(session, stage_id)
    return _view(stage, procedure)


def start_clock(
    session: Session,
    stage_id: int,
    started_on: date,
    actor: str,
    reason: str = "",
    *,
    read_ahead: tuple[StageTimescales, WorkingCalendar] | None = None,
) -> ClockView:
    """Start the stage's clock on ``started_on`` (day 0) with its reference timescale.

    Sets the base timescale (rule ``duration``), the acknowledgement due date (rule
    ``acknowledge``, counted from the date the stage was requested, else from the start),
    the adult statutory outer limit (rule ``outer limit months``, calendar months from the
    start) and the due date. Starting a clock that has already started changes its start
    date (a correction): that needs a reason and keeps the stage's timescale, extensions
    and suspensions.

    ``read_ahead``: the stage's timescales and calendar, read by a caller that must read
    them before it takes a lock (recording a new case reads them before it takes the
    next reference number, so other officers' new cases wait at the counter for less).
    """
    actor = _actor(actor)
    stage, procedure = _load(session, stage_id)
    _require_not_closed(stage, "started")
    rules = (
        read_ahead[0]
        if read_ahead is not None
        else timescales(session, procedure, stage.stage, stage.case.received_on)
    )
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
    cal = read_ahead[1] if read_ahead is not None else working_calendar(session, procedure)
    _require_known(cal, started_on, "start date")
    suspensions = _domain_suspensions(_suspensions(stage))
    extensions = _domain_extensions(_extensions(stage))
    ack_from = stage.requested_on if stage.requested_on is not None else started_on
    received = started_on
    with _domain_errors():
        ack_due = (
            cal.add_working_days(ack_from, rules.acknowledge)
            if rules.acknowledge is not None
            else stage.acknowledge_due_on
        )
        if rules.from_acknowledgement:
            # The response clock counts from the acknowledgement; until there is one,
            # provisionally from the last day the acknowledgement is allowed.
            assert ack_due is not None  # a policy counting from it says when it is due
            started_on = stage.acknowledged_on or ack_due
            earliest = min((s.starts_on for s in stage.suspensions), default=None)
            if earliest is not None and started_on > earliest:
                raise ValidationError(
                    f"The clock cannot count from {format_date(started_on)}: it was "
                    f"suspended on {format_date(earliest)}, before that."
                )
        closed = [s for s in suspensions if s.ends_on is not None]
        undated = stage.undated_suspended_days
        due = compute_due_date(cal, started_on, base, closed, extensions, undated_suspended=undated)
        suspended = undated + suspended_working_days(cal, closed)
        # "the period of six months beginning on the day on which the complaint was
        # received" (SI 2009/309 reg. 14(4)): it ends the day before the same date six
        # months later, and nothing (no suspension) moves it.
        outer = (
            six_months_beginning_with(stage.case.received_on, rules.outer_limit_months)
            if rules.outer_limit_months is not None
            else None
        )

    cause = "restart" if restarting else "start"
    if not why:
        why = f"Clock started on {format_date(started_on)} with {working_days_text(base)}."
        if rules.from_acknowledgement:
            why = _from_acknowledgement_text(stage, received, ack_due, started_on, base)
    before = (stage.due_on, stage.acknowledge_due_on, stage.outer_limit_on)
    stage.started_on = started_on
    stage.timescale_days = base
    stage.suspended_days = suspended
    stage.due_on = due
    stage.acknowledge_due_on = ack_due
    stage.outer_limit_on = outer
    if is_review_panel(procedure, stage.stage):
        stage.panel_due_on = due
    stage.updated_by = actor
    _record(session, stage, FIELD_DUE, cause, before[0], due, why, actor)
    _record(session, stage, FIELD_ACKNOWLEDGE_DUE, cause, before[1], ack_due, why, actor)
    _record(session, stage, FIELD_OUTER_LIMIT, cause, before[2], outer, why, actor)
    session.flush()
    return _view(stage, procedure)


def acknowledge_clock(
    session: Session, stage_id: int, acknowledged_on: date, actor: str
) -> tuple[ClockView, str | None]:
    """Record the stage's acknowledgement on ``acknowledged_on``; returns the clock and,
    when it came after it was due, the line saying so (under the Complaint Handling Code
    a breach of 6.2).

    Where the case's procedure policy counts the response from the acknowledgement (the
    Code: 10 working days, Stage 2: 20), the provisional start (the last day the
    acknowledgement was allowed) becomes the acknowledgement date and the due date moves
    with it, recorded as a due date change.
    """
    actor = _actor(actor)
    stage, procedure = _load(session, stage_id)
    rules = timescales(session, procedure, stage.stage, stage.case.received_on)
    warning: str | None = None
    due_by = stage.acknowledge_due_on
    if due_by is not None and acknowledged_on > due_by:
        warning = (
            late_acknowledgement_text(rules.policy_stage, due_by, acknowledged_on)
            if rules.policy_stage is not None
            else f"Acknowledged after it was due ({format_date(due_by)})."
        )
    stage.acknowledged_on = acknowledged_on
    stage.updated_by = actor
    if (
        rules.from_acknowledgement
        and stage.started_on is not None
        and stage.timescale_days is not None
        and stage.closed_on is None
        and stage.started_on != acknowledged_on
    ):
        earliest = min((s.starts_on for s in stage.suspensions), default=None)
        if earliest is not None and earliest < acknowledged_on:
            raise ValidationError(
                f"The clock was suspended on {format_date(earliest)}, before this "
                f"acknowledgement ({format_date(acknowledged_on)}); the response clock counts "
                "from the acknowledgement, so record it on or before that day."
            )
        cal = working_calendar(session, procedure)
        _require_known(cal, acknowledged_on, "acknowledgement date")
        stage.started_on = acknowledged_on
        due, suspended = _recompute_own_due(cal, stage)
        before = stage.due_on
        stage.due_on = due
        stage.suspended_days = suspended
        why = (
            f"Acknowledged on {format_date(acknowledged_on)}: the response is due "
            f"{working_days_text(stage.timescale_days)} after it"
            + (
                f" ({rules.policy_stage.provision('response')})."
                if rules.policy_stage and rules.policy_stage.provision("response")
                else "."
            )
        )
        _record(session, stage, FIELD_DUE, "acknowledge", before, due, why, actor)
    session.flush()
    return _view(stage, procedure), warning


def suspend_clock(
    session: Session,
    stage_id: int,
    starts_on: date,
    reason: SuspensionReason | str,
    note: str | None,
    actor: str,
    expected_resume_on: date | None = None,
) -> ClockView:
    """Stop the stage's clock from ``starts_on``; the due date moves when it is resumed.
    ``expected_resume_on``, when known, is the day it is expected to restart (on or
    after ``starts_on``): lists show the stage as suspended until then."""
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
    if expected_resume_on is not None and expected_resume_on < starts_on:
        raise ValidationError(
            f"The clock cannot be expected to restart on {format_date(expected_resume_on)}, "
            f"before it stops on {format_date(starts_on)}: give a day on or after "
            f"{format_date(starts_on)}, or leave it out.",
            "expected_resume_on",
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
    cal = working_calendar(session, procedure)
    _require_known(cal, starts_on, "suspension date")

    row = StageSuspension(
        stage_id=stage.id,
        starts_on=starts_on,
        ends_on=None,
        expected_resume_on=expected_resume_on,
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
    cal = working_calendar(session, procedure)
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
    beyond_limit_reason: str | None = None,
) -> ClockView:
    """Add ``working_days`` to the stage's timescale, with a reason.

    Refused past the stage's extension limit (:func:`~crm_desktop.services
    .extension_limits.extension_limit`: the most working days the stage may run to). A
    statutory limit nobody may pass; the council's policy limit (the Complaint Handling
    Code, 6.4: no more than 10 working days of extension without good reason, Stage 2: 20)
    a manager may pass with a recorded reason, kept with the extension's reason. A stage
    without a limit but with a statutory outer limit (adult social care) may be extended
    up to the outer limit date. A stage with neither may be extended by agreement without
    limit.
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
    limit = extension_limit(session, procedure, stage.stage, stage.case.received_on)
    if not limit.extendable:
        raise ValidationError(
            "The review panel's time limits are set by the regulations (SI 2006/1738 "
            "regs. 19-21: the panel meets within 30 working days of the request, reports "
            "within 5 of meeting, and the council responds within 15 of the report); none "
            "of them can be extended."
        )
    assert stage.timescale_days is not None
    existing = _extensions(stage)
    already = sum(e.working_days for e in existing)
    label = stage_label(procedure, stage.stage)
    beyond = (beyond_limit_reason or "").strip()
    passed_limit = False
    if limit.days is not None:
        try:
            check_extension(stage.timescale_days, already, days, limit.days, label)
        except DeadlineError as exc:
            if limit.statutory:
                if limit.source.startswith("SI "):
                    raise ValidationError(f"{exc} The regulations set that limit.") from None
                raise ValidationError(
                    f"{exc} The limit is set by {limit.source}; no one can go beyond it."
                ) from None
            if not beyond:
                raise ValidationError(
                    f"{exc} That limit is set by {limit.source}. A manager can extend beyond "
                    "it, recording why.",
                    "beyond_limit_reason",
                ) from None
            why = f"{why}{BEYOND_LIMIT} {working_days_text(limit.days)}: {beyond})"
            passed_limit = True
    cal = working_calendar(session, procedure)
    extensions = [*_domain_extensions(existing), Extension(days, why)]
    due, _ = _recompute_due(cal, stage, _domain_suspensions(_suspensions(stage)), extensions)
    limit_on = stage.agreed_period_ends_on or stage.outer_limit_on
    if limit.days is None and limit_on is not None and due > limit_on:
        what = (
            "the period agreed with the complainant, which ends on"
            if stage.agreed_period_ends_on
            else "its statutory outer limit of"
        )
        raise ValidationError(
            f"An extension of {working_days_text(days)} would make this stage due on "
            f"{format_date(due)}, after {what} {format_date(limit_on)}."
        )

    before = stage.due_on
    stage.extensions.append(
        StageExtension(
            stage_id=stage.id,
            working_days=days,
            reason=why,
            beyond_limit=passed_limit,
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


def agree_period(
    session: Session, stage_id: int, agreed_on: date, until: date, actor: str, note: str = ""
) -> ClockView:
    """Record a response period longer than the six months, agreed with the complainant on
    ``agreed_on`` and ending on ``until``: allowed only when agreed before the six months
    expired (SI 2009/309 reg. 14(4)(b)). The six months themselves do not move; the
    agreed period is what the response is measured against."""
    actor = _actor(actor)
    stage, procedure = _load(session, stage_id)
    _require_not_closed(stage, "given a longer period")
    outer = stage.outer_limit_on
    if outer is None:
        raise ValidationError(
            "Only an adult social care complaint has a six-month period to agree a longer one for.",
        )
    if agreed_on > outer:
        raise ValidationError(
            f"A longer period must be agreed before the six months expire (on "
            f"{format_date(outer)}); {format_date(agreed_on)} is after that.",
            "on",
        )
    if until <= outer:
        raise ValidationError(
            f"The agreed period must end after the six months do ({format_date(outer)}).",
            "agreed_until",
        )
    before = stage.agreed_period_ends_on
    stage.agreed_period_ends_on = until
    stage.agreed_period_on = agreed_on
    stage.updated_by = actor
    text = (note or "").strip()
    why = f"Longer period agreed with the complainant on {format_date(agreed_on)}" + (
        f": {text}" if text else "."
    )
    _record(session, stage, FIELD_AGREED_PERIOD, "agreed", before, until, why, actor)
    session.flush()
    return _view(stage, procedure)


@dataclass(frozen=True, slots=True)
class PanelStep:
    """A review panel step recorded: when it was due, when it happened, and the next
    clock's due date."""

    due: date | None  # when the step was due (None: not counted)
    happened: date
    late_by: int  # working days after the due date (0: in time)
    next_due: date


def _panel_stage(session: Session, stage_id: int, doing: str) -> tuple[Stage, Procedure]:
    stage, procedure = _load(session, stage_id)
    if not is_review_panel(procedure, stage.stage):
        raise ValidationError(f"Only a children's Stage 3 review can have {doing}.")
    _require_not_closed(stage, "changed")
    return stage, procedure


def record_panel(session: Session, stage_id: int, panel_on: date, actor: str) -> PanelStep:
    """The review panel met on ``panel_on``: checked against its 30 working days from the
    request (reg. 19(4)); the panel's report is now due 5 working days after the meeting
    (reg. 20(2)), and that is the stage's due date."""
    actor = _actor(actor)
    stage, procedure = _panel_stage(session, stage_id, "a panel meeting")
    if _open_suspension(stage) is not None:
        raise ValidationError("This stage's clock is suspended; resume it first.")
    start = stage.requested_on or stage.started_on
    if start is not None and panel_on < start:
        raise ValidationError("The panel cannot meet before the review was asked for.", "on")
    cal = working_calendar(session, procedure)
    _require_known(cal, panel_on, "panel date")
    rules = timescales(session, procedure, stage.stage, stage.case.received_on)
    days = rules.panel_report if rules.panel_report is not None else PANEL_REPORT_DAYS
    due = stage.panel_due_on or stage.due_on
    with _domain_errors():
        report_due = cal.add_working_days(panel_on, days)
        late = cal.working_days_between(due, panel_on) if due and panel_on > due else 0
    before = stage.due_on
    stage.panel_on = panel_on
    stage.panel_report_due_on = report_due
    stage.due_on = report_due
    stage.updated_by = actor
    why = (
        f"The review panel met on {format_date(panel_on)}; its report is due within "
        f"{working_days_text(days)} (reg. 20(2))."
    )
    _record(session, stage, FIELD_DUE, "panel held", before, report_due, why, actor)
    session.flush()
    return PanelStep(due, panel_on, late, report_due)


def record_panel_report(session: Session, stage_id: int, report_on: date, actor: str) -> PanelStep:
    """The council received the panel's report on ``report_on``: checked against its 5
    working days from the meeting (reg. 20(2)); the council's response is now due 15
    working days after it (reg. 20(3)), and that is the stage's due date."""
    actor = _actor(actor)
    stage, procedure = _panel_stage(session, stage_id, "a panel report")
    if stage.panel_on is None:
        raise ValidationError("Record the panel's meeting before its report.", "on")
    if report_on < stage.panel_on:
        raise ValidationError("The panel report cannot be before the panel met.", "on")
    cal = working_calendar(session, procedure)
    _require_known(cal, report_on, "report date")
    rules = timescales(session, procedure, stage.stage, stage.case.received_on)
    days = rules.council_response if rules.council_response is not None else COUNCIL_RESPONSE_DAYS
    due = stage.panel_report_due_on
    with _domain_errors():
        response_due = cal.add_working_days(report_on, days)
        late = cal.working_days_between(due, report_on) if due and report_on > due else 0
    before = stage.due_on
    stage.panel_report_on = report_on
    stage.council_response_due_on = response_due
    stage.due_on = response_due
    stage.updated_by = actor
    why = (
        f"The panel's report was received on {format_date(report_on)}; the council's "
        f"response is due within {working_days_text(days)} (reg. 20(3))."
    )
    _record(session, stage, FIELD_DUE, "panel report", before, response_due, why, actor)
    session.flush()
    return PanelStep(due, report_on, late, response_due)


def set_acknowledgement_due(
    session: Session, stage: Stage, due: date | None, reason: str, actor: str
) -> None:
    """Set the stage's acknowledgement due date before its clock starts (a children's
    Stage 2, whose clock waits for the statement of complaint), recorded as every change
    of a due date is."""
    before = stage.acknowledge_due_on
    stage.acknowledge_due_on = due
    _record(session, stage, FIELD_ACKNOWLEDGE_DUE, "start", before, due, reason, _actor(actor))


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
    moved_start = _close_before_acknowledgement(session, stage, procedure, closed_on)
    if stage.started_on is not None and closed_on < stage.started_on:
        raise ValidationError(
            f"A stage cannot close on {format_date(closed_on)}, before its clock started on "
            f"{format_date(stage.started_on)}."
        )
    restarts = [(s.ends_on, s.starts_on) for s in _suspensions(stage) if s.ends_on is not None]
    restarted, stopped = max(restarts, default=(None, None))
    if restarted is not None and closed_on < restarted:
        assert stopped is not None
        raise ValidationError(
            f"A stage cannot close on {format_date(closed_on)}: its clock was suspended from "
            f"{format_date(stopped)} and restarted on {format_date(restarted)}. Enter the "
            "day it ended, on or after the restart.",
            "on",
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
        cal = working_calendar(session, procedure)
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
    if moved_start is not None:
        before, why = (
            moved_start,
            (
                f"Stage closed on {format_date(closed_on)}, before it was acknowledged: the "
                "response clock counts from that day."
            ),
        )
    _record(session, stage, FIELD_DUE, "close", before, due, why, actor)
    # Not flushed here, though reading the view may write the stage: the caller records
    # the stage's outcome before closing it (below a manager, a closed stage's outcome
    # is not changed; on PostgreSQL the database refuses it).
    return _view(stage, procedure)


# --------------------------------------------------------------------------- reading


def _running_panel_clock(
    session: Session, stage: Stage, procedure: Procedure
) -> tuple[date, int, str] | None:
    """For a review panel that has met: the running clock's start, working days and name
    (the panel's report from the meeting; the council's response from the report). None
    for any other stage, and for a panel not yet held (its clock is the stage's own)."""
    if not is_review_panel(procedure, stage.stage) or stage.panel_on is None:
        return None
    rules = timescales(session, procedure, stage.stage, stage.case.received_on)
    if stage.panel_report_on is None:
        days = rules.panel_report if rules.panel_report is not None else PANEL_REPORT_DAYS
        return stage.panel_on, days, "The review panel met"
    days = rules.council_response if rules.council_response is not None else COUNCIL_RESPONSE_DAYS
    return stage.panel_report_on, days, "The panel's report was received"


def _current_due(
    cal: WorkingCalendar, stage: Stage, as_of: date
) -> tuple[date, list[Suspension], list[Extension]]:
    start = _require_started(stage, "counted")
    assert stage.timescale_days is not None
    suspensions = _domain_suspensions(_suspensions(stage))
    extensions = _domain_extensions(_extensions(stage))
    with _domain_errors():
        due = compute_due_date(
            cal,
            start,
            stage.timescale_days,
            suspensions,
            extensions,
            as_of,
            undated_suspended=stage.undated_suspended_days,
        )
    return due, suspensions, extensions


def _policy_lines(session: Session, stage: Stage, procedure: Procedure) -> list[str]:
    """What the case's procedure policy says about this clock, when it counts from the
    acknowledgement (the Complaint Handling Code)."""
    rules = timescales(session, procedure, stage.stage, stage.case.received_on)
    if rules.policy is None or rules.policy_stage is None or not rules.from_acknowledgement:
        return []
    where = rules.policy_stage.provision("response")
    cited = f" ({where})" if where else ""
    lines = [
        f"The case follows '{rules.policy.name}' (received on "
        f"{format_date(stage.case.received_on)}): the response is due "
        f"{working_days_text(stage.timescale_days or 0)} after the acknowledgement{cited}."
    ]
    if stage.acknowledged_on is not None:
        lines.append(f"Acknowledged on {format_date(stage.acknowledged_on)}.")
    elif stage.closed_on is not None and stage.started_on == stage.closed_on:
        lines.append("It ended before it was acknowledged: counted from the day it ended.")
    elif stage.acknowledge_due_on is not None:
        lines.append(
            "Not acknowledged yet: counted provisionally from "
            f"{format_date(stage.acknowledge_due_on)}, the last day the acknowledgement "
            "is allowed; the due date moves when the acknowledgement is recorded."
        )
    return lines


def explain_stage_due_date(session: Session, stage_id: int, as_of: date) -> list[str]:
    """The stage's due date in plain English, one line per step (see
    :func:`crm_desktop.domain.deadlines.explain_due_date`); an open suspension counts up to
    ``as_of``."""
    stage, procedure = _load(session, stage_id)
    if stage.started_on is None or stage.timescale_days is None:
        return ["The clock of this stage has not started, so it has no due date yet."]
    cal = working_calendar(session, procedure)
    panel = _running_panel_clock(session, stage, procedure)
    if panel is not None:
        start, days, what = panel
        with _domain_errors():
            due = cal.add_working_days(start, days)
            lines = [
                f"The review panel was due to meet by {format_date(stage.panel_due_on)}."
                if stage.panel_due_on
                else "The review panel met.",
                f"{what} on {format_date(start)}.",
                *explain_due_date(cal, start, days)[1:],
            ]
    else:
        due, suspensions, extensions = _current_due(cal, stage, as_of)
        with _domain_errors():
            lines = explain_due_date(
                cal,
                stage.started_on,
                stage.timescale_days,
                suspensions,
                extensions,
                as_of,
                undated_suspended=stage.undated_suspended_days,
            )
    lines[:0] = _policy_lines(session, stage, procedure)
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
    stage, procedure = _load(session, stage_id)
    start = _require_started(stage, "measured")
    cal = working_calendar(session, procedure)
    panel = _running_panel_clock(session, stage, procedure)
    if panel is not None:  # the review panel's report, then the council's response
        start, days, _ = panel
        with _domain_errors():
            due = cal.add_working_days(start, days)
    else:
        due, _, _ = _current_due(cal, stage, as_of)
    with _domain_errors():
        return clock_status(cal, start, due, as_of)


# --------------------------------------------------------------------- closure days


def retime_for_closure_day(session: Session, day: date, name: str, added: bool, actor: str) -> int:
    """Work out again the dates of every open corporate stage whose count the council
    closure day on ``day`` falls in, now that it was ``added`` (or removed); the
    number of stages whose dates moved. Each moved date is recorded with the reason.

    Corporate clocks skip closure days (the statutory children's and adult's do not), so
    a running clock counts one more working day when a closure day is added inside it,
    one fewer when it is removed: the acknowledgement due date of a stage not yet
    acknowledged (and, under the Complaint Handling Code, the provisional start of its
    response clock) and the response due date. A clock already answered, or that counts
    only days before the closure day, keeps its dates.
    """
    actor = _actor(actor)
    cal = working_calendar(session, Procedure.CORPORATE)
    stages = session.scalars(
        sa.select(Stage)
        .join(Case, Case.id == Stage.case_id)
        .where(
            Case.procedure == Procedure.CORPORATE,
            Stage.status != StageStatus.CLOSED,
            Stage.closed_on.is_(None),
            Stage.stage != StageCode.LGSCO,
            Stage.started_on.is_not(None),
            Stage.timescale_days.is_not(None),
            sa.or_(
                Stage.due_on >= day,
                sa.and_(Stage.acknowledged_on.is_(None), Stage.acknowledge_due_on >= day),
            ),
        )
        .options(
            joinedload(Stage.case),
            selectinload(Stage.suspensions),
            selectinload(Stage.extensions),
        )
        .order_by(Stage.id)
    ).all()
    what = "added" if added else "removed"
    why = (
        f"The council closure day on {format_date(day)} ({name}) was {what}: corporate "
        "clocks do not count closure days, so this date was worked out again."
    )
    moved = 0
    for stage in stages:
        before = (stage.acknowledge_due_on, stage.started_on, stage.due_on)
        rules = timescales(session, Procedure.CORPORATE, stage.stage, stage.case.received_on)
        if stage.acknowledged_on is None and rules.acknowledge is not None:
            asked = stage.requested_on or stage.case.received_on
            with _domain_errors():
                if rules.from_acknowledgement:
                    ack_due, start = clock_from_acknowledgement(
                        cal, asked, rules.acknowledge, None, None
                    )
                    if not any(s.starts_on < start for s in stage.suspensions):
                        stage.started_on = start
                else:
                    ack_due = cal.add_working_days(asked, rules.acknowledge)
            stage.acknowledge_due_on = ack_due
        due, suspended = _recompute_own_due(cal, stage)
        stage.due_on, stage.suspended_days = due, suspended
        if (stage.acknowledge_due_on, stage.started_on, stage.due_on) == before:
            continue
        stage.updated_by = actor
        _record(
            session,
            stage,
            FIELD_ACKNOWLEDGE_DUE,
            "calendar",
            before[0],
            stage.acknowledge_due_on,
            why,
            actor,
        )
        _record(session, stage, FIELD_DUE, "calendar", before[2], due, why, actor)
        moved += 1
    session.flush()
    return moved
