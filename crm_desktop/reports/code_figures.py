"""What the Complaint Handling Code asks of corporate complaints, counted from the cases:
acknowledgements and responses in time per stage, extensions and their reasons.

A case follows the corporate procedure in force on the day it was received, for its
whole life, and is measured against that procedure's own rules: a year that straddles
two procedures (2025/26 cases still open after 1 April 2026, say) reports each
procedure's cases apart. The rules (:class:`ProcedureRules`) are the corporate procedure policies'
(:mod:`crm_desktop.services.procedure_policies`); as they ship:

- the council's 2023 procedure, for cases received up to 31 March 2026: a response
  within the stage's timescale (Stage 1 20, Stage 2 25 working days) of the stage's
  start;
- the Code, from 1 April 2026: acknowledge within 5 working days of receipt (Stage 2:
  of the escalation request, 6.2); respond within 10 (Stage 2: 20) working days of the
  acknowledgement (6.3), or, until it is acknowledged, of the last day the
  acknowledgement was allowed; an extension of no more than 10 (Stage 2: 20) working
  days without good reason (6.4).

Counting, as the annual report counts: an acknowledgement by the day it was due (a due
date in the year: acknowledged by then is in time, and so is a stage that ended by then
without one, as the case screen and the warnings count it; acknowledged later, or not at
all by the day the figures were made, is late); a response by the date it was sent; the
working days a response took leave out the days its clock was suspended. A stage that ended
without a response (withdrawn, or redirected: not accepted) is not a response; a
redirected one is a complaint refused (:func:`refusals`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db.models import Case, Stage, StageExtension
from crm_desktop.db.policy_seed import EARLIEST
from crm_desktop.domain.calendar import WorkingCalendar
from crm_desktop.domain.deadlines import working_days_taken
from crm_desktop.domain.enums import Kind, Outcome, Procedure, StageCode
from crm_desktop.domain.financial_year import FinancialYear
from crm_desktop.domain.formatting import format_date
from crm_desktop.domain.procedure_policy import CODE_EFFECTIVE_FROM, ClockFrom, PolicyRules
from crm_desktop.domain.workflow import NOT_RESPONSES
from crm_desktop.services.calendar_service import working_calendar
from crm_desktop.services.procedure_policies import policy_book

__all__ = [
    "CODE_STARTS",
    "ProcedureRules",
    "StageFacts",
    "StageMeasures",
    "code_keys",
    "corporate_procedures",
    "measure",
    "refusals",
    "stage_facts",
]

CODE_STARTS = CODE_EFFECTIVE_FROM
STAGES = (StageCode.STAGE_1.value, StageCode.STAGE_2.value)


@dataclass(frozen=True)
class StageRules:
    acknowledge: int | None  # working days after receipt (Stage 2: the request); None: none
    respond: int  # working days
    from_acknowledgement: bool  # the response clock starts at the acknowledgement
    extension: int | None  # working days an extension may add without good reason


@dataclass(frozen=True)
class ProcedureRules:
    """One version of the corporate procedure (a procedure policy), for the cases
    received while it was in force."""

    key: str  # "p<policy id>"
    name: str
    starts: dt.date | None
    ends: dt.date | None  # the last day of receipt it covers
    stages: dict[str, StageRules]
    is_code: bool  # it takes effect on or after the Code's first day: the Code's rules

    def covers(self, received: dt.date) -> bool:
        return (self.starts is None or received >= self.starts) and (
            self.ends is None or received <= self.ends
        )

    @property
    def cases_described(self) -> str:
        if self.starts is None and self.ends is not None:
            return f"cases received up to {format_date(self.ends)}"
        if self.starts is not None and self.ends is None:
            return f"cases received from {format_date(self.starts)}"
        if self.starts is not None and self.ends is not None:
            return f"cases received from {format_date(self.starts)} to {format_date(self.ends)}"
        return "every case"


def _stage_rules(rules: PolicyRules, code: StageCode, fallback: int) -> StageRules:
    stage = rules.stage(code)
    if stage is None:
        return StageRules(None, fallback, False, None)
    return StageRules(
        stage.acknowledge_days,
        stage.response_days if stage.response_days is not None else fallback,
        stage.clock_from == ClockFrom.ACKNOWLEDGEMENT,
        stage.extension_days,
    )


def corporate_procedures(session: Session) -> tuple[ProcedureRules, ...]:
    """The corporate procedure's versions (its procedure policies), oldest first."""
    versions = policy_book(session).versions(Procedure.CORPORATE)
    out = []
    for index, policy in enumerate(versions):
        following = versions[index + 1] if index + 1 < len(versions) else None
        out.append(
            ProcedureRules(
                key=f"p{policy.id}",
                name=policy.name,
                starts=None if policy.effective_from <= EARLIEST else policy.effective_from,
                ends=following.effective_from - dt.timedelta(days=1) if following else None,
                stages={
                    "1": _stage_rules(policy.rules, StageCode.STAGE_1, 20),
                    "2": _stage_rules(policy.rules, StageCode.STAGE_2, 25),
                },
                is_code=policy.is_code,
            )
        )
    return tuple(out)


def code_keys(procedures: Iterable[ProcedureRules]) -> frozenset[str]:
    """The keys of the versions that follow the Code."""
    return frozenset(p.key for p in procedures if p.is_code)


@dataclass(frozen=True)
class StageFacts:
    """One corporate complaint stage, measured against its own procedure's rules."""

    stage_id: int
    case_id: int
    reference: str
    stage: str  # "1" or "2"
    procedure: str  # ProcedureRules.key
    asked_on: dt.date  # received (Stage 1) or the escalation request (Stage 2)
    acknowledge_due: dt.date | None
    acknowledged_on: dt.date | None
    clock_from: dt.date | None  # where the response clock starts
    respond_due: dt.date | None  # without extensions or suspensions
    closed_on: dt.date | None
    outcome: str | None
    extended_days: int
    suspended_days: int
    taken: int | None  # working days the response took (suspensions left out, if allowed)
    # A manager recorded a good reason for extending past the policy's limit (6.4).
    good_reason_recorded: bool
    days_to_acknowledge: int | None
    limit: int  # the response limit, working days
    extension_limit: int | None

    @property
    def responded(self) -> bool:
        return self.closed_on is not None and self.outcome not in NOT_RESPONSES

    def acknowledged_in_time(self, as_of: dt.date) -> bool | None:
        """True or False once it can be told; None while it is not yet due."""
        if self.acknowledge_due is None:
            return None
        if self.acknowledged_on is not None:
            return self.acknowledged_on <= self.acknowledge_due
        if self.closed_on is not None and self.closed_on <= self.acknowledge_due:
            return True  # ended by the day it was due: none was needed
        return False if as_of > self.acknowledge_due else None

    @property
    def responded_in_time(self) -> bool | None:
        if not self.responded or self.taken is None:
            return None
        return self.taken <= self.limit

    @property
    def within_extension(self) -> bool | None:
        if not self.responded or self.taken is None:
            return None
        return self.taken <= self.limit + self.extended_days


# How long before a year's start a stage may have closed and still have had its
# acknowledgement due in the year: far more than any acknowledgement time in working days.
ACKNOWLEDGEMENT_LOOKBACK = dt.timedelta(days=120)


def stage_facts(
    session: Session,
    start: dt.date,
    end: dt.date,
    calendar: WorkingCalendar | None = None,
) -> list[StageFacts]:
    """Every corporate complaint Stage 1 and 2 that was received, due to be acknowledged
    or closed between ``start`` and ``end`` (and the rules it is measured by)."""
    cal = calendar or working_calendar(session)
    procedures = corporate_procedures(session)
    # Generous: a stage asked for before the start can be due or closed within it.
    rows = session.execute(
        sa.select(
            Stage.id,
            Stage.case_id,
            Case.reference,
            Case.received_on,
            sa.type_coerce(Stage.stage, sa.String()).label("stage"),
            Stage.requested_on,
            Stage.started_on,
            Stage.acknowledged_on,
            Stage.closed_on,
            sa.type_coerce(Stage.outcome, sa.String()).label("outcome"),
            Stage.extended_days,
            Stage.suspended_days,
            sa.exists()
            .where(StageExtension.stage_id == Stage.id, StageExtension.beyond_limit.is_(True))
            .label("good_reason"),
        )
        .join(Case, Case.id == Stage.case_id)
        .where(
            Case.procedure == Procedure.CORPORATE,
            Case.kind == Kind.COMPLAINT,
            Stage.stage.in_([StageCode.STAGE_1, StageCode.STAGE_2]),
            # A stage closed shortly before the start can still have its acknowledgement
            # due within it (counted in the year it was due).
            (Stage.closed_on >= start - ACKNOWLEDGEMENT_LOOKBACK) | Stage.closed_on.is_(None),
            Case.received_on <= end,
        )
        .order_by(Case.received_on, Case.id, Stage.seq)
    ).all()
    facts = []
    for row in rows:
        policy = next((p for p in procedures if p.covers(row.received_on)), None)
        if policy is None:  # no corporate policy covers it: nothing to measure it by
            continue
        rules = policy.stages[row.stage]
        asked = row.received_on if row.stage == "1" else (row.requested_on or row.started_on)
        if asked is None:
            continue
        ack_due = cal.add_working_days(asked, rules.acknowledge) if rules.acknowledge else None
        if rules.from_acknowledgement:
            clock_from = row.acknowledged_on or ack_due
        else:
            clock_from = row.started_on or asked
        respond_due = cal.add_working_days(clock_from, rules.respond) if clock_from else None
        taken = None
        if row.closed_on is not None and clock_from is not None:
            closed = max(row.closed_on, clock_from)
            # The days its clock was stopped, as they moved its due date (PRODUCT.md:
            # "the due date moves by the suspended working days"): under the Code none
            # can be stopped now, but a stage may hold days from an import file or from
            # before its policy said so.
            taken = max(working_days_taken(cal, clock_from, closed) - (row.suspended_days or 0), 0)
        acknowledged_days = None
        if ack_due is not None and row.acknowledged_on is not None:
            acknowledged_days = working_days_taken(cal, asked, max(row.acknowledged_on, asked))
        facts.append(
            StageFacts(
                stage_id=row.id,
                case_id=row.case_id,
                reference=row.reference,
                stage=row.stage,
                procedure=policy.key,
                asked_on=asked,
                acknowledge_due=ack_due,
                acknowledged_on=row.acknowledged_on,
                clock_from=clock_from,
                respond_due=respond_due,
                closed_on=row.closed_on,
                outcome=row.outcome,
                extended_days=row.extended_days or 0,
                suspended_days=row.suspended_days or 0,
                taken=taken,
                good_reason_recorded=bool(row.good_reason),
                days_to_acknowledge=acknowledged_days,
                limit=rules.respond,
                extension_limit=rules.extension,
            )
        )
    return facts


@dataclass(frozen=True)
class StageMeasures:
    """One procedure's stage, measured for one year."""

    procedure: str
    stage: str
    acknowledgements_due: int
    acknowledged_in_time: int
    acknowledged_late: tuple[str, ...]  # case references
    responses: int
    responded_in_time: int
    # Responses after the stage's working days (6.3 / the procedure's timescale), and of
    # those the ones after the time as extended too: a response within an extension made
    # under 6.4 is not late against the time the complainant was told.
    responded_late: tuple[str, ...]
    after_extension: tuple[str, ...]
    within_extension: int
    extended: int
    extended_beyond_limit: tuple[str, ...]
    # Of those, the ones extended past the limit without a good reason recorded.
    beyond_without_good_reason: tuple[str, ...]
    average_days_to_acknowledge: float | None
    average_days_to_respond: float | None
    limit: int
    extension_limit: int | None

    @property
    def late_within_extension(self) -> tuple[str, ...]:
        """The responses after the working days but within the time as extended (6.4)."""
        late = set(self.after_extension)
        return tuple(r for r in self.responded_late if r not in late)


def _within(day: dt.date | None, start: dt.date, end: dt.date) -> bool:
    return day is not None and start <= day <= end


def measure(
    facts: Iterable[StageFacts],
    year: int,
    procedure: str | Collection[str],
    stage: str,
    as_of: dt.date,
) -> StageMeasures | None:
    """The stage's figures for the financial year, for the cases of one procedure
    version (or of several, by their keys); None when it has none of them in the year."""
    fy = FinancialYear(year)
    start, end = fy.start, fy.end
    keys = {procedure} if isinstance(procedure, str) else set(procedure)
    mine = [f for f in facts if f.procedure in keys and f.stage == stage]
    due = [f for f in mine if _within(f.acknowledge_due, start, end)]
    told = [(f, f.acknowledged_in_time(as_of)) for f in due]
    told = [(f, ok) for f, ok in told if ok is not None]
    responses = [f for f in mine if f.responded and _within(f.closed_on, start, end)]
    if not told and not responses:
        return None
    ack_days = [f.days_to_acknowledge for f, _ in told if f.days_to_acknowledge is not None]
    taken = [f.taken for f in responses if f.taken is not None]
    extended = [f for f in responses if f.extended_days > 0]
    beyond = [
        f for f in extended if f.extension_limit is not None and f.extended_days > f.extension_limit
    ]
    any_rule = next(iter(mine))
    return StageMeasures(
        procedure=", ".join(sorted(keys)),
        stage=stage,
        acknowledgements_due=len(told),
        acknowledged_in_time=sum(1 for _, ok in told if ok),
        acknowledged_late=tuple(f.reference for f, ok in told if not ok),
        responses=len(responses),
        responded_in_time=sum(1 for f in responses if f.responded_in_time),
        responded_late=tuple(f.reference for f in responses if not f.responded_in_time),
        after_extension=tuple(f.reference for f in responses if not f.within_extension),
        within_extension=sum(1 for f in responses if f.within_extension),
        extended=len(extended),
        extended_beyond_limit=tuple(f.reference for f in beyond),
        beyond_without_good_reason=tuple(f.reference for f in beyond if not f.good_reason_recorded),
        average_days_to_acknowledge=sum(ack_days) / len(ack_days) if ack_days else None,
        average_days_to_respond=sum(taken) / len(taken) if taken else None,
        limit=any_rule.limit,
        extension_limit=any_rule.extension_limit,
    )


def extension_reasons(
    session: Session, facts: Sequence[StageFacts], year: int, procedure: str
) -> list[tuple[str, str, int, int]]:
    """``(reason, stage, extensions, working days)`` of the extensions of the responses
    sent in the year under ``procedure``, most used first."""
    fy = FinancialYear(year)
    stages = {
        f.stage_id: f.stage
        for f in facts
        if f.procedure == procedure and f.responded and _within(f.closed_on, fy.start, fy.end)
    }
    if not stages:
        return []
    counted: dict[tuple[str, str], list[int]] = {}
    for stage_id, reason, days in session.execute(
        sa.select(StageExtension.stage_id, StageExtension.reason, StageExtension.working_days)
        .where(StageExtension.stage_id.in_(stages))
        .order_by(StageExtension.id)
    ):
        key = (" ".join(str(reason).split()) or "No reason recorded", stages[stage_id])
        counted.setdefault(key, []).append(int(days))
    rows = [(reason, stage, len(d), sum(d)) for (reason, stage), d in counted.items()]
    return sorted(rows, key=lambda r: (-r[2], r[1], r[0]))


_REDIRECTED = re.compile(r"Redirected: (.*)$", re.M)


def refusals(session: Session, year: int) -> list[tuple[str, str, dt.date, str]]:
    """``(reference, stage, date, reason)`` for each corporate complaint stage closed in
    the year as redirected: not accepted into the procedure, with the reason recorded."""
    fy = FinancialYear(year)
    rows = session.execute(
        sa.select(
            Case.reference,
            sa.type_coerce(Stage.stage, sa.String()).label("stage"),
            Stage.closed_on,
            Stage.notes,
        )
        .join(Case, Case.id == Stage.case_id)
        .where(
            Case.procedure == Procedure.CORPORATE,
            Case.kind == Kind.COMPLAINT,
            Stage.outcome == Outcome.REDIRECTED,
            Stage.closed_on.between(fy.start, fy.end),
        )
        .order_by(Stage.closed_on, Case.reference)
    ).all()
    out: list[tuple[str, str, dt.date, str]] = []
    for reference, stage, closed_on, notes in rows:
        found = _REDIRECTED.findall(notes or "")
        reason = found[-1].strip() if found else ""
        assert closed_on is not None  # chosen by its closing date
        out.append((reference, stage, closed_on, reason or "No reason recorded"))
    return out
