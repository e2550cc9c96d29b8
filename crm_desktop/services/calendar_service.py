"""The working-day calendar and the timescale rules, as the database holds them.

The calendar is England and Wales's (see :mod:`crm_desktop.domain.calendar`); corporate
clocks also skip the council closure days a manager has added (the ``closure_day``
table), the statutory children's and adult's clocks do not
(:mod:`crm_desktop.domain.statutory`). Building a calendar
takes a moment, so it is built once per distinct set of closure days and shared: a call
costs one small query.

The database also holds a copy of the calendar, one row a day, so that a query can
count working days itself (see :mod:`crm_desktop.db.calendar_table`).

The timescale rules of a case's stage come from the procedure policy in force on the
day the case was received (:mod:`crm_desktop.services.procedure_policies`), and, for a
procedure or stage no policy covers, from the ``stage_timescale`` reference data
(defaults from PRODUCT.md, editable by a manager).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db.calendar_table import closure_days_statement, working_calendar
from crm_desktop.db.models import ProcedurePolicy, StageTimescale
from crm_desktop.db.transaction_memo import remembered
from crm_desktop.domain.calendar import CalendarError, WorkingCalendar
from crm_desktop.domain.enums import Procedure, StageCode, TimescaleRule
from crm_desktop.domain.procedure_policy import ClockFrom, StageRules
from crm_desktop.errors import ValidationError
from crm_desktop.services.procedure_policies import StoredPolicy, policy_for

__all__ = [
    "StageTimescales",
    "add_working_days",
    "closure_days_statement",
    "non_working_days",
    "timescales",
    "working_calendar",
    "working_days_between",
]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class StageTimescales:
    """Every timescale rule of one procedure's stage; None where the stage has no such rule.

    All are working days except ``outer_limit_months`` (calendar months) and
    ``remedy_escalation_percent`` (a percentage).
    """

    procedure: Procedure
    stage: StageCode
    duration: int | None = None
    extension_limit: int | None = None
    acknowledge: int | None = None
    next_stage_window: int | None = None
    outer_limit_months: int | None = None
    panel_meeting: int | None = None
    panel_report: int | None = None
    council_response: int | None = None
    lgsco_enquiry_response: int | None = None
    remedy_escalation_percent: int | None = None
    # The case's procedure policy, when one covers the stage.
    policy: StoredPolicy | None = None

    @property
    def policy_stage(self) -> StageRules | None:
        """The policy's rules for this stage (None without a policy that covers it)."""
        return self.policy.rules.stage(self.stage) if self.policy is not None else None

    @property
    def clock_from(self) -> ClockFrom:
        """What the response clock counts from (receipt, unless the policy says otherwise)."""
        return self.policy_stage.clock_from if self.policy_stage else ClockFrom.RECEIPT

    @property
    def from_acknowledgement(self) -> bool:
        return self.clock_from == ClockFrom.ACKNOWLEDGEMENT

    @property
    def not_suspended_because(self) -> str:
        """Why suspended days never move this stage's due date nor count in its
        timescales (empty when they do): the adult procedure has "no suspension". A
        policy that lets nobody stop a clock now (the Complaint Handling Code's) still
        counts days a stage holds from an import file or from before it said so, as
        PRODUCT.md's "the due date moves by the suspended working days"."""
        if self.procedure == Procedure.ADULT:
            return "an adult social care complaint's clock cannot be suspended"
        return ""


def _procedure(value: Procedure | str) -> Procedure:
    try:
        return Procedure(value)
    except ValueError:
        names = ", ".join(p.value for p in Procedure)
        raise ValidationError(
            f"'{value}' is not a procedure; use one of: {names}.", "procedure"
        ) from None


def _stage(value: StageCode | str) -> StageCode:
    try:
        return StageCode(value)
    except ValueError:
        names = ", ".join(s.value for s in StageCode)
        raise ValidationError(f"'{value}' is not a stage; use one of: {names}.", "stage") from None


def timescales(
    session: Session,
    procedure: Procedure | str,
    stage: StageCode | str,
    received_on: dt.date | None,
) -> StageTimescales:
    """The timescale rules of ``procedure``'s ``stage`` for a case received on
    ``received_on``: its procedure policy's where one covers the stage, the reference
    data's otherwise (and for rules a policy does not hold, such as the Ombudsman's).
    ``received_on`` None: the reference data's only. Read once per transaction
    (:mod:`crm_desktop.db.transaction_memo`)."""
    proc = _procedure(procedure)
    code = _stage(stage)
    return remembered(
        session,
        ("timescales", proc, code, received_on),
        (ProcedurePolicy.__tablename__, StageTimescale.__tablename__),
        lambda: _read_timescales(session, proc, code, received_on),
    )


def _read_timescales(
    session: Session, proc: Procedure, code: StageCode, received_on: dt.date | None
) -> StageTimescales:
    policy = policy_for(session, proc, received_on) if received_on is not None else None
    rules = policy.rules.stage(code) if policy is not None else None
    rows = session.execute(
        sa.select(StageTimescale.rule, StageTimescale.value).where(
            StageTimescale.procedure == proc, StageTimescale.stage == code
        )
    ).all()
    values: dict[TimescaleRule, int] = {TimescaleRule(rule): int(value) for rule, value in rows}
    if rules is not None:
        for rule in (
            TimescaleRule.DURATION,
            TimescaleRule.ACKNOWLEDGE,
            TimescaleRule.EXTENSION_LIMIT,
            TimescaleRule.NEXT_STAGE_WINDOW,
        ):
            values.pop(rule, None)
        if rules.response_days is not None:
            values[TimescaleRule.DURATION] = rules.response_days
        if rules.acknowledge_days is not None:
            values[TimescaleRule.ACKNOWLEDGE] = rules.acknowledge_days
        if rules.next_stage_window_days is not None:
            values[TimescaleRule.NEXT_STAGE_WINDOW] = rules.next_stage_window_days
    return StageTimescales(
        procedure=proc,
        stage=code,
        duration=values.get(TimescaleRule.DURATION),
        extension_limit=values.get(TimescaleRule.EXTENSION_LIMIT),
        acknowledge=values.get(TimescaleRule.ACKNOWLEDGE),
        next_stage_window=values.get(TimescaleRule.NEXT_STAGE_WINDOW),
        outer_limit_months=values.get(TimescaleRule.OUTER_LIMIT_MONTHS),
        panel_meeting=values.get(TimescaleRule.PANEL_MEETING),
        panel_report=values.get(TimescaleRule.PANEL_REPORT),
        council_response=values.get(TimescaleRule.COUNCIL_RESPONSE),
        lgsco_enquiry_response=values.get(TimescaleRule.LGSCO_ENQUIRY_RESPONSE),
        remedy_escalation_percent=values.get(TimescaleRule.REMEDY_ESCALATION_PERCENT),
        policy=policy if rules is not None else None,
    )


# ----------------------------------------------------------------- working-day arithmetic


def _asked(
    question: Callable[[WorkingCalendar], T],
    session: Session,
    procedure: Procedure | str | None = None,
) -> T:
    """Ask the calendar of ``procedure``'s clocks (None: corporate); a question it refuses
    is the user's to correct."""
    proc = _procedure(procedure) if procedure is not None else None
    try:
        return question(working_calendar(session, proc))
    except CalendarError as exc:
        raise ValidationError(str(exc)) from None


def add_working_days(
    session: Session, start: dt.date, n: int, procedure: Procedure | str | None = None
) -> dt.date:
    """The ``n``-th working day after ``start`` (``start`` itself is day 0), in the
    calendar of ``procedure``'s clocks (default corporate: closure days skipped)."""
    return _asked(lambda cal: cal.add_working_days(start, n), session, procedure)


def working_days_between(
    session: Session, start: dt.date, end: dt.date, procedure: Procedure | str | None = None
) -> int:
    """The working days after ``start`` up to and including ``end``, in the calendar of
    ``procedure``'s clocks (default corporate)."""
    return _asked(lambda cal: cal.working_days_between(start, end), session, procedure)


def non_working_days(
    session: Session, year: int, procedure: Procedure | str | None = None
) -> list[tuple[dt.date, str]]:
    """The weekdays of ``year`` that are not working days (bank holidays, Christmas Day,
    Boxing Day, Good Friday and, for corporate clocks, council closure days), with their
    names."""
    return _asked(lambda cal: cal.non_working_days(year), session, procedure)
