"""What happens to each case over time, up to the end date.

Compliments are passed on and closed; comments get the directorate's reply (or none)
and close. A complaint runs through the stages of its procedure as the workflow's
transition tables (:mod:`crm_desktop.domain.workflow`) lay them out: its first stage
(adult complaints are graded), then, for a share of the stages that ended with a
finding, a request for the next stage and the next stage itself, and for a share of the
last stages the Ombudsman. The tables decide which stage follows which, which outcomes
let a complaint go further, which stages wait for an agreed statement before their clock
starts and which hold a review panel; :mod:`.data` decides how often and how long.

Stages are generated a level at a time (every first stage, then every Stage 2 of one
procedure, ...) as numpy arrays, so 100,000 cases take a second or two. Every draw
comes from the run's :class:`~.draws.Draws` in a fixed order: changing the order of the
calls here changes the data of every seed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Final

import numpy as np

from crm_desktop.domain import workflow
from crm_desktop.domain.enums import (
    Kind,
    Procedure,
    StageCode,
    StageStatus,
    SuspensionReason,
    TimescaleRule,
)
from crm_desktop.domain.procedure_policy import ClockFrom
from crm_desktop.domain.workflow import Action, StageFacts, State
from crm_desktop.services.demo import data
from crm_desktop.services.demo.cases import Cases
from crm_desktop.services.demo.draws import (
    I64,
    NONE,
    Bools,
    Draws,
    Period,
    date,
    day,
    months_beginning_with,
)
from crm_desktop.services.demo.reference import Reference

STATUS_OPEN, STATUS_SUSPENDED, STATUS_CLOSED = 0, 1, 2
STAGE_STATUSES: Final = (StageStatus.OPEN, StageStatus.SUSPENDED, StageStatus.CLOSED)
LGSCO_CODE: Final = data.STAGE_CODES.index(StageCode.LGSCO)

# ------------------------------------------------------------------ the workflow's say


def first_stage_keys() -> list[tuple[Procedure, StageCode]]:
    """Every (procedure, stage) a complaint can start at, in the order grades are drawn."""
    keys: list[tuple[Procedure, StageCode]] = []
    for procedure in data.PROCEDURES:
        firsts = workflow.FIRST_STAGES[procedure]
        if len(firsts) == 1:
            keys.extend((procedure, stage) for stage in firsts)
        elif procedure is Procedure.ADULT and set(data.ADULT_GRADES) == firsts:
            # Graded: the grades in the order of their weights in the data.
            keys.extend((procedure, grade) for grade in data.ADULT_GRADES)
        else:
            raise ValueError(f"the demo data has no weights for the first stages of {procedure}")
    return keys


@cache
def goes_further(procedure: Procedure, stage: StageCode, action: Action) -> tuple[bool, ...]:
    """Per outcome (in :data:`data.OUTCOMES` order): may a stage closed with it take
    ``action`` (ask for the next stage, go to the Ombudsman), as the table says?"""
    table = workflow.table_for(Kind.COMPLAINT, procedure, stage)
    allowed = []
    for outcome in data.OUTCOMES:
        facts = StageFacts(
            kind=Kind.COMPLAINT, case_closed=False, stage=stage, closed=True, outcome=outcome
        )
        allowed.append(action in table.get(workflow.stage_state(facts), {}))
    return tuple(allowed)


def _may(outcome: I64, allowed: tuple[bool, ...]) -> Bools:
    """``allowed`` looked up by outcome index; False where there is no outcome."""
    lookup = np.asarray(allowed, dtype=np.bool_)
    result: Bools = (outcome >= 0) & lookup[np.maximum(outcome, 0)]
    return result


# ------------------------------------------------------------------ compliments and comments


@dataclass
class Replies:
    """Compliments and comments: when closed, and the directorate's reply to a comment."""

    closed: I64
    reply_on: I64
    reply_pick: I64  # index into data.COMMENT_REPLIES


def close_compliments_and_comments(draws: Draws, period: Period, cases: Cases) -> Replies:
    """Compliments are passed on within days; comments are closed when the directorate's
    reply arrives (most get one), the rest once passed on."""
    rng, n, received, kind = draws.rng, cases.n, cases.received, cases.kind
    compliment = kind == data.KINDS.index(Kind.COMPLIMENT)
    a, b, scale = data.COMPLIMENT_PASSED_ON
    passed_on = draws.add(received, (rng.beta(a, b, n) * scale).astype(np.int64))
    closed = np.where(compliment & (passed_on <= period.end), passed_on, NONE)
    comment = kind == data.KINDS.index(Kind.COMMENT)
    reply = draws.add(received, rng.integers(*data.COMMENT_REPLY_DAYS, n))
    gets_reply = rng.random(n) < data.COMMENT_REPLIED
    replied = comment & gets_reply & (reply <= period.end)
    reply_on = np.where(replied, reply, NONE)
    passed = draws.add(received, data.COMMENT_PASSED_ON_DAYS)
    unanswered = comment & ~gets_reply & (passed <= period.end)
    closed = np.where(replied, reply, closed)
    closed = np.where(unanswered, passed, closed)
    reply_pick = rng.integers(0, len(data.COMMENT_REPLIES), n)
    return Replies(closed=closed, reply_on=reply_on, reply_pick=reply_pick)


# ------------------------------------------------------------------ stages


@dataclass
class Level:
    """One stage of many cases: the arrays a stage row is built from."""

    case: I64
    seq: I64
    code: I64  # index into data.STAGE_CODES
    prev: I64  # global position of the previous stage, or NONE
    requested: I64
    started: I64
    timescale: I64
    due: I64
    closed: I64
    status: I64
    outcome: I64
    ext: I64
    susp_days: I64
    susp_start: I64
    susp_end: I64  # NONE while the suspension is open
    has_susp: Bools
    ext_first: I64  # an extension of ext days may be recorded as two
    acked: I64
    ack_due: I64
    statement: I64
    outer: I64
    panel_on: I64
    panel_report_on: I64
    council_on: I64
    # What the level holds: the stage codes of each procedure.
    holds: dict[Procedure, frozenset[StageCode]] = field(default_factory=dict)
    # Stages whose case's procedure policy counts the response from the acknowledgement
    # (the Complaint Handling Code): its response and acknowledgement days and extension
    # cap, and the day each was acknowledged (NONE elsewhere; None: no such stage).
    policy_days: I64 | None = None
    policy_ack: I64 | None = None
    policy_cap: I64 | None = None
    fixed_ack: I64 | None = None
    # False where the stage's policy lets no clock stop (the Code); None: no such stage.
    policy_pause: Bools | None = None

    @staticmethod
    def empty(case: I64, seq: int, code: I64, prev: I64) -> Level:
        n = len(case)

        def none() -> I64:
            return np.full(n, NONE, dtype=np.int64)

        def zero() -> I64:
            return np.zeros(n, dtype=np.int64)

        return Level(
            case=case,
            seq=np.full(n, seq, dtype=np.int64),
            code=code,
            prev=prev,
            requested=none(),
            started=none(),
            timescale=none(),
            due=none(),
            closed=none(),
            status=np.full(n, STATUS_OPEN, dtype=np.int64),
            outcome=none(),
            ext=zero(),
            susp_days=zero(),
            susp_start=none(),
            susp_end=none(),
            has_susp=np.zeros(n, dtype=np.bool_),
            ext_first=zero(),
            acked=none(),
            ack_due=none(),
            statement=none(),
            outer=none(),
            panel_on=none(),
            panel_report_on=none(),
            council_on=none(),
        )


# The per-stage arrays of every level, concatenated (in level order) by make_stages.
STAGE_FIELDS: Final = (
    "case",
    "seq",
    "code",
    "prev",
    "requested",
    "started",
    "timescale",
    "due",
    "closed",
    "status",
    "outcome",
    "ext",
    "susp_days",
    "susp_start",
    "susp_end",
    "ext_first",
    "acked",
    "ack_due",
    "statement",
    "outer",
    "panel_on",
    "panel_report_on",
    "council_on",
)


@dataclass
class Stages:
    """Every stage of the run and what it means for the cases.

    ``st`` holds one array per field of :class:`Level` (plus ``has_susp``,
    ``next_requested``, ``next_override``), each entry a stage in generation order
    (level by level); ``order`` sorts them by case then seq (the order of their ids) and
    ``rank`` is each stage's place in that order.
    """

    st: dict[str, Any]
    count: int
    last_stage: I64  # per case: position of its current stage, or NONE
    case_closed: I64  # per case
    case_open: Bools  # per case
    regraded: Bools  # per case: an adult complaint first graded low, then moderate-high
    lgsco: dict[str, I64]  # per Ombudsman stage, in generation order


def make_stages(
    draws: Draws, ref: Reference, period: Period, cases: Cases, replies: Replies
) -> Stages:
    return _Stager(draws, ref, period, cases).run(replies)


class _Stager:
    def __init__(self, draws: Draws, ref: Reference, period: Period, cases: Cases) -> None:
        self.draws = draws
        self.rng = draws.rng
        self.ref = ref
        self.end = period.end
        self.cases = cases
        self.levels: list[Level] = []
        self.last_stage = np.full(cases.n, NONE, dtype=np.int64)
        # Per level: when the next stage was asked for, and whether outside the window.
        self.next_requested: dict[int, I64] = {}
        self.next_override: dict[int, Bools] = {}

    def run(self, replies: Replies) -> Stages:
        self._first_stages()
        # Each stage that has a next one in the workflow escalates, level by level.
        pending = [0]
        while pending:
            source = pending.pop(0)
            holds = self.levels[source].holds
            for procedure in data.PROCEDURES:
                for from_stage, to_stage in workflow.NEXT_STAGE[procedure].items():
                    if from_stage in holds.get(procedure, ()):
                        self._next_level(source, procedure, from_stage, to_stage)
                        pending.append(len(self.levels) - 1)
        lgsco = self._lgsco_stages()
        return self._finish(replies, lgsco)

    # ------------------------------------------------------------------ clocks

    def _clock(
        self,
        level: Level,
        keys: list[tuple[Procedure, StageCode]],
        spec: I64,
        used_days: I64 | None = None,
    ) -> None:
        """Run the clocks of the started stages of ``level``.

        ``spec`` indexes ``keys`` per entry (NONE: the clock has not started). Draws how
        many working days each response took (unless ``used_days`` says), extensions
        and suspensions, then decides which stages are still open on the end date.
        """
        n = len(level.case)
        rng, end, draws, ref = self.rng, self.end, self.draws, self.ref
        started = level.started
        run = spec != NONE
        used = np.zeros(n, dtype=np.int64)
        timescale = np.zeros(n, dtype=np.int64)
        cap = np.zeros(n, dtype=np.int64)
        step = np.ones(n, dtype=np.int64)
        p_ext = np.zeros(n)
        p_susp = np.zeros(n)
        stuck_suspended = np.zeros(n)
        may_suspend = np.zeros(n, dtype=bool)
        for k, key in enumerate(keys):
            mask = spec == k
            count = int(mask.sum())
            if not count:
                continue
            t = ref.timescale(*key)
            timescale[mask] = t
            cap[mask] = ref.extension_cap(key[0], key[1], t)
            step[mask] = data.EXTENSION_STEP[key]
            p_ext[mask] = data.EXTENSION_CHANCE[key[0]]
            p_susp[mask] = data.SUSPENSION_CHANCE.get(key, 0.0)
            stuck_suspended[mask] = data.STUCK_SUSPENDED[key[0]]
            may_suspend[mask] = data.may_suspend(*key)
            if key in data.RESPONSE_BUCKETS:
                scale = t / data.DEFAULT_TIMESCALE[key]
                used[mask] = draws.bucketed(count, data.RESPONSE_BUCKETS[key], scale)
        if used_days is not None:
            used = used_days
        if level.policy_days is not None and level.policy_cap is not None:
            # The Code's clock: its own response time (the draws scaled to it) and cap.
            own = level.policy_days != NONE
            if used_days is None:
                scaled = np.rint(used * level.policy_days / np.maximum(timescale, 1))
                used = np.where(own, np.maximum(scaled.astype(np.int64), 1), used)
            timescale = np.where(own, level.policy_days, timescale)
            cap = np.where(own, level.policy_cap, cap)
        if level.policy_pause is not None:
            # No suspension where the policy has none (the Code's stages).
            p_susp = np.where(level.policy_pause, p_susp, 0.0)
            may_suspend &= level.policy_pause
        level.timescale = np.where(run, timescale, NONE)

        over = used - timescale
        wanted = np.ceil(np.maximum(over, 0) / step).astype(np.int64) * step
        ext = np.where((over > 0) & (cap > 0) & (rng.random(n) < p_ext), np.minimum(wanted, cap), 0)
        has_susp = run & (used >= data.SUSPENSION_MIN_USED) & (rng.random(n) < p_susp)
        susp_len = np.where(has_susp, rng.integers(*data.SUSPENSION_DAYS, n), 0)
        offset = 1 + (rng.random(n) * np.maximum(used - 2, 1)).astype(np.int64)
        natural_close = draws.add_where(run, started, used + susp_len)
        due = draws.add_where(run, started, timescale + ext + susp_len)

        is_open = run & (natural_close > end)
        recent = run & (started >= end - data.RECENT_DAYS)
        u = rng.random(n)
        hold = recent & ~is_open & (u < np.where(due > end, data.HOLD_IN_TIME, data.HOLD_OVERDUE))
        stuck = run & ~recent & (started >= end - 365) & ~is_open & (u < data.STUCK)
        is_open |= hold | stuck

        susp_start = draws.add_where(has_susp, started, offset)
        susp_end = draws.add_where(has_susp, susp_start, susp_len)
        gone = is_open & has_susp & (susp_start > end)
        has_susp &= ~gone
        susp_open = is_open & has_susp & (susp_end > end)
        elapsed = np.zeros(n, dtype=np.int64)
        if run.any():
            elapsed[run] = draws.between(started[run], np.maximum(started[run], end))
        # Some open clocks are stopped (many of the long-running ones: court proceedings,
        # an advocate, information awaited), stopped while the stage was still in time.
        fresh_chance = np.where(stuck, stuck_suspended, data.OPEN_SUSPENDED)
        fresh = (
            is_open & ~has_susp & (elapsed >= 2) & (timescale >= 2) & (rng.random(n) < fresh_chance)
        ) & may_suspend
        latest = np.maximum(np.minimum(elapsed, timescale) - 1, 1)
        fresh_offset = 1 + (rng.random(n) * latest).astype(np.int64)
        susp_start = np.where(fresh, draws.add_where(fresh, started, fresh_offset), susp_start)
        has_susp |= fresh
        susp_open |= fresh
        susp_end = np.where(susp_open | ~has_susp, NONE, susp_end)
        susp_start = np.where(has_susp, susp_start, NONE)
        # Working days the clock has stopped, as the stage clock stores them: a finished
        # suspension in full; an open one not yet (the stored due date moves when the
        # clock resumes, see services.clock).
        counted = np.where(has_susp & ~susp_open, susp_len, 0)

        # Open stages: no extension yet, unless an overdue one has been given one.
        ext = np.where(is_open, 0, ext)
        due = draws.add_where(run, started, timescale + ext + counted)
        late_open = (
            is_open & ~susp_open & (due <= end) & (cap > 0) & (rng.random(n) < data.EXTEND_OPEN)
        )
        needed = elapsed - (timescale + counted) + 1
        extra = np.minimum(np.ceil(np.maximum(needed, 1) / step).astype(np.int64) * step, cap)
        ext = np.where(late_open, extra, ext)
        due = draws.add_where(run, started, timescale + ext + counted)

        level.ext = ext
        level.ext_first = np.where(
            (ext > data.EXTENSION_SPLIT_OVER) & (rng.random(n) < data.EXTENSION_SPLIT),
            (ext // 2 // step) * step,
            ext,
        )
        level.ext_first = np.where(level.ext_first <= 0, ext, level.ext_first)
        level.susp_days = counted
        level.has_susp = has_susp
        level.susp_start = susp_start
        level.susp_end = susp_end
        level.due = np.where(run, due, NONE)
        level.closed = np.where(run & ~is_open, natural_close, NONE)
        level.status = np.where(
            run & ~is_open, STATUS_CLOSED, np.where(susp_open, STATUS_SUSPENDED, STATUS_OPEN)
        )

    def _acknowledge(self, level: Level, days: I64) -> None:
        n = len(level.case)
        has = level.requested != NONE
        if level.policy_ack is not None:
            days = np.where(level.policy_ack != NONE, level.policy_ack, days)
        level.ack_due = self.draws.add_where(has, level.requested, days)
        lag = self.draws.choice(n, data.ACKNOWLEDGE_LAG_WEIGHTS)
        acked = self.draws.add_where(has, level.requested, lag)
        # Only an acknowledged stage's clock can be stopped, or its investigation started
        # (the tables allow neither while it awaits acknowledgement): acknowledged by then.
        for before in (level.susp_start, level.statement):
            acked = np.where(has & (before != NONE), np.minimum(acked, before), acked)
        acked = np.where((level.closed != NONE) & (acked > level.closed), level.closed, acked)
        if level.fixed_ack is not None and level.policy_days is not None:
            # The Code's clock started on the acknowledgement (or, with none, provisionally).
            acked = np.where(level.policy_days != NONE, level.fixed_ack, acked)
        level.acked = np.where(has & (acked <= self.end) & (acked != NONE), acked, NONE)

    def _from_acknowledgement(
        self, level: Level, keys: list[tuple[Procedure, StageCode]], spec: I64
    ) -> None:
        """Stages whose case follows a policy that counts the response from the
        acknowledgement (the Complaint Handling Code, cases received from 1 Apr 2026):
        acknowledged some working days after the request, the clock starting then; one
        not acknowledged by the end date counts provisionally from the acknowledgement's
        last day. Drawn from a stream of their own, so the stages of other cases are the
        same as before policies."""
        n = len(level.case)
        days = np.full(n, NONE, dtype=np.int64)
        ack = np.full(n, NONE, dtype=np.int64)
        cap = np.full(n, NONE, dtype=np.int64)
        pause = np.ones(n, dtype=bool)
        received = self.cases.received[level.case]
        for k, (procedure, code) in enumerate(keys):
            versions = self.ref.policies.versions(procedure)
            if not versions:
                continue
            starts = np.asarray(
                [np.datetime64(v.effective_from, "D").astype(np.int64) for v in versions]
            )
            chosen = np.searchsorted(starts, received, side="right") - 1
            for index, version in enumerate(versions):
                rules = version.rules.stage(code)
                if (
                    rules is None
                    or rules.clock_from != ClockFrom.ACKNOWLEDGEMENT
                    or rules.acknowledge_days is None
                    or rules.response_days is None
                ):
                    continue
                rows = (spec == k) & (chosen == index) & (level.requested != NONE)
                days[rows] = rules.response_days
                ack[rows] = rules.acknowledge_days
                cap[rows] = rules.extension_days or 0
                pause[rows] = rules.suspension
        own = days != NONE
        if not own.any():
            return
        rng = np.random.default_rng([int(own.sum()), int(level.seq[0]), len(level.case)])
        weights = np.asarray(data.ACKNOWLEDGE_LAG_WEIGHTS, dtype=np.float64)
        lag = rng.choice(len(weights), size=n, p=weights / weights.sum()).astype(np.int64)
        ack_at = self.draws.add_where(own, level.requested, lag)
        ack_due = self.draws.add_where(own, level.requested, ack)
        acked = own & (ack_at <= self.end)
        level.fixed_ack = np.where(acked, ack_at, NONE)
        level.started = np.where(own, np.where(acked, ack_at, ack_due), level.started)
        level.policy_days, level.policy_ack, level.policy_cap = days, ack, cap
        level.policy_pause = pause

    def _outcomes(self, level: Level, keys: list[tuple[Procedure, StageCode]], spec: I64) -> None:
        closed = level.status == STATUS_CLOSED
        outcome = np.full(len(level.case), NONE, dtype=np.int64)
        for k, key in enumerate(keys):
            mask = closed & (spec == k)
            if mask.any():
                outcome[mask] = self.draws.choice(int(mask.sum()), data.OUTCOME_WEIGHTS[key])
                filled = np.flatnonzero(mask)
                values = outcome[filled]
                weights = data.OUTCOME_WEIGHTS[key]
                possible = [c for c in range(len(data.OUTCOMES)) if weights[c] > 0]
                # Only categories that can occur here are forced in.
                self.draws.cover_subset(values, possible)
                outcome[filled] = values
        level.outcome = outcome

    def _add_level(self, level: Level) -> None:
        offset = sum(len(lv.case) for lv in self.levels)
        self.levels.append(level)
        positions = offset + np.arange(len(level.case), dtype=np.int64)
        self.last_stage[level.case] = positions

    # ------------------------------------------------------------------ levels

    def _first_stages(self) -> None:
        cases = np.flatnonzero(self.cases.complaint).astype(np.int64)
        m = len(cases)
        rng = self.rng
        procedure = self.cases.procedure[cases]
        grade = self.draws.choice(m, data.ADULT_GRADE_WEIGHTS)
        adult = procedure == data.PROCEDURES.index(Procedure.ADULT)
        self.draws.cover(grade, len(data.ADULT_GRADES), adult)
        keys = first_stage_keys()
        first_key = np.asarray(
            [next(k for k, key in enumerate(keys) if key[0] is p) for p in data.PROCEDURES]
        )
        spec = first_key[procedure] + np.where(adult, grade, 0)
        code = np.asarray([data.STAGE_CODES.index(key[1]) for key in keys])[spec]
        level = Level.empty(cases, 1, code, np.full(m, NONE, dtype=np.int64))
        level.holds = {p: frozenset(s for q, s in keys if q is p) for p in data.PROCEDURES}
        received = self.cases.received[cases]
        level.requested = received.copy()
        lag = self.draws.choice(m, data.START_LAG_WEIGHTS)
        started = self.draws.add(received, lag)
        level.started = np.where(started > self.end, received, started)
        self._from_acknowledgement(level, keys, spec)
        self._clock(level, keys, spec)
        ack = np.asarray([self.ref.acknowledge_days(*key) for key in keys])[spec]
        self._acknowledge(level, ack)
        self._outcomes(level, keys, spec)
        months = np.asarray(
            [
                self.ref.rule(*key, TimescaleRule.OUTER_LIMIT_MONTHS, data.OUTER_LIMIT_MONTHS)
                for key in keys
            ]
        )[spec]
        outer = np.full(m, NONE, dtype=np.int64)
        for value in sorted(set(months[adult].tolist())):
            chosen = adult & (months == value)
            # "Six months beginning on the day on which the complaint was received"
            # (SI 2009/309 reg. 14(4)), as the clock service counts it.
            outer[chosen] = months_beginning_with(received[chosen], value)
        level.outer = outer
        self.regraded = adult & (grade == 1) & (rng.random(m) < data.REGRADED)
        self._add_level(level)

    def _next_level(
        self,
        source: int,
        procedure: Procedure,
        from_stage: StageCode,
        to_stage: StageCode,
    ) -> None:
        """Escalate some closed stages of level ``source`` to ``to_stage``."""
        prev = self.levels[source]
        rng, end, draws = self.rng, self.end, self.draws
        offset = sum(len(lv.case) for lv in self.levels[:source])
        from_code = data.STAGE_CODES.index(from_stage)
        may_ask = goes_further(procedure, from_stage, Action.REQUEST_NEXT_STAGE)
        candidates = (
            (self.cases.procedure[prev.case] == data.PROCEDURES.index(procedure))
            & (prev.code == from_code)
            & (prev.status == STATUS_CLOSED)
            & _may(prev.outcome, may_ask)
        )
        chance = data.NEXT_STAGE_CHANCE[(procedure, from_stage)]
        chosen = np.flatnonzero(candidates & (rng.random(len(prev.case)) < chance))
        window = self.ref.window(procedure, from_stage)
        late = rng.random(len(chosen)) < data.LATE_NEXT_STAGE_REQUEST
        lag = np.where(
            late,
            rng.integers(window + 1, window + data.LATE_NEXT_STAGE_DAYS, len(chosen)),
            1 + (rng.beta(*data.NEXT_STAGE_REQUEST_BETA, len(chosen)) * window).astype(np.int64),
        )
        requested = draws.add(prev.closed[chosen], lag)
        keep = requested <= end
        chosen, requested, late = chosen[keep], requested[keep], late[keep]
        m = len(chosen)
        cases = prev.case[chosen]
        code = np.full(m, data.STAGE_CODES.index(to_stage), dtype=np.int64)
        seq = int(prev.seq[0]) + 1 if len(prev.seq) else 1  # a level's stages share a seq
        level = Level.empty(cases, seq, code, offset + chosen)
        level.holds = {procedure: frozenset({to_stage})}
        level.requested = requested
        marks = self.next_requested.setdefault(source, np.full(len(prev.case), NONE, np.int64))
        marks[chosen] = requested
        flags = self.next_override.setdefault(source, np.zeros(len(prev.case), dtype=np.bool_))
        flags[chosen] = late

        key = (procedure, to_stage)
        spec = np.zeros(m, dtype=np.int64)
        table = workflow.table_for(Kind.COMPLAINT, procedure, to_stage)
        if State.AWAITING_START in table:
            # The clock starts when the statement of complaint is agreed.
            statement = draws.add(requested, rng.integers(*data.STATEMENT_DAYS, m))
            agreed = statement <= end
            level.statement = np.where(agreed, statement, NONE)
            level.started = level.statement.copy()
            spec = np.where(agreed, 0, NONE)
            self._clock(level, [key], spec)
            # Not yet agreed: the clock has not started, so no due date.
            level.timescale = np.where(agreed, level.timescale, self.ref.timescale(*key))
        elif State.PANEL_HELD in table:
            # A review panel: it meets, reports, and the council responds.
            level.started = requested.copy()
            panel_rule = self.ref.rule(*key, TimescaleRule.PANEL_MEETING, data.PANEL_MEETING)
            report_rule = self.ref.rule(*key, TimescaleRule.PANEL_REPORT, data.PANEL_REPORT)
            response_rule = self.ref.rule(
                *key, TimescaleRule.COUNCIL_RESPONSE, data.COUNCIL_RESPONSE
            )
            panel = np.where(
                rng.random(m) < data.PANEL_IN_TIME,
                rng.integers(max(1, panel_rule // 2), panel_rule + 1, m),
                rng.integers(panel_rule + 1, panel_rule + data.PANEL_LATE_DAYS, m),
            )
            report = np.where(
                rng.random(m) < data.PANEL_REPORT_IN_TIME,
                rng.integers(data.PANEL_REPORT_FIRST_DAY, report_rule + 1, m),
                rng.integers(report_rule + 1, report_rule + data.PANEL_REPORT_LATE_DAYS, m),
            )
            response = np.where(
                rng.random(m) < data.COUNCIL_RESPONSE_IN_TIME,
                rng.integers(data.COUNCIL_RESPONSE_FIRST_DAY, response_rule + 1, m),
                rng.integers(response_rule + 1, response_rule + data.COUNCIL_RESPONSE_LATE_DAYS, m),
            )
            self._clock(level, [key], spec, panel + report + response)
            panel_on = draws.add(level.started, panel)
            report_on = draws.add(panel_on, report)
            council_on = draws.add(report_on, response)
            # A panel cannot meet while the stage's clock is stopped (nor the clock stop
            # once it has met): a stage suspended on the end date is still waiting.
            waiting = level.status == STATUS_SUSPENDED
            level.panel_on = np.where((panel_on <= end) & ~waiting, panel_on, NONE)
            level.panel_report_on = np.where((report_on <= end) & ~waiting, report_on, NONE)
            level.council_on = np.where(level.status == STATUS_CLOSED, council_on, NONE)
        else:
            started = draws.add(requested, rng.integers(*data.NEXT_STAGE_START_DAYS, m))
            level.started = np.where(started > end, requested, started)
            self._from_acknowledgement(level, [key], spec)
            self._clock(level, [key], spec)
        self._acknowledge(level, np.full(m, self.ref.acknowledge_days(*key), dtype=np.int64))
        self._outcomes(level, [key], np.zeros(m, dtype=np.int64))
        self._add_level(level)

    def _lgsco_stages(self) -> dict[str, I64]:
        """The Ombudsman: from the last stage of some complaints that may go there."""
        rng, end, draws = self.rng, self.end, self.draws
        all_levels = self._concat()
        last = self.last_stage
        has = last != NONE
        positions = last[has]
        cases = np.flatnonzero(has).astype(np.int64)
        code = all_levels["code"][positions]
        status = all_levels["status"][positions]
        outcome = all_levels["outcome"][positions]
        chance = np.zeros(len(cases))
        may = np.zeros(len(cases), dtype=np.bool_)
        for (procedure, stage), p in data.TO_LGSCO.items():
            mask = (self.cases.procedure[cases] == data.PROCEDURES.index(procedure)) & (
                code == data.STAGE_CODES.index(stage)
            )
            chance[mask] = p
            allowed = goes_further(procedure, stage, Action.ESCALATE_TO_LGSCO)
            may[mask] = _may(outcome[mask], allowed)
        chosen = (status == STATUS_CLOSED) & may & (rng.random(len(cases)) < chance)
        prev_closed = all_levels["closed"][positions]
        enquiry = draws.add_where(
            chosen, prev_closed, rng.integers(*data.LGSCO_ENQUIRY_DAYS, len(cases))
        )
        chosen &= enquiry <= end
        cases, positions, enquiry = cases[chosen], positions[chosen], enquiry[chosen]
        m = len(cases)
        level = Level.empty(cases, 0, np.full(m, LGSCO_CODE, dtype=np.int64), positions)
        level.seq = all_levels["seq"][positions] + 1
        level.requested = enquiry
        level.started = enquiry.copy()
        enquiry_days = np.asarray(
            [
                self.ref.rule(
                    data.PROCEDURES[int(p)],
                    StageCode.LGSCO,
                    TimescaleRule.LGSCO_ENQUIRY_RESPONSE,
                    data.LGSCO_ENQUIRY_RESPONSE,
                )
                for p in self.cases.procedure[cases]
            ],
            dtype=np.int64,
        )
        enquiry_due = draws.add(enquiry, enquiry_days)
        responded = draws.add(
            enquiry,
            np.where(
                rng.random(m) < data.LGSCO_RESPONSE_IN_TIME,
                rng.integers(*data.LGSCO_RESPONSE_DAYS, m),
                rng.integers(*data.LGSCO_RESPONSE_LATE_DAYS, m),
            ),
        )
        responded = np.where(responded <= end, responded, NONE)
        decision = draws.choice(m, data.LGSCO_DECISION_WEIGHTS)
        initial = decision < data.LGSCO_INITIAL_DECISIONS  # after initial enquiries: quicker
        lag = np.where(
            initial,
            rng.integers(*data.LGSCO_INITIAL_DECISION_DAYS, m),
            rng.integers(*data.LGSCO_DECISION_DAYS, m),
        )
        decided = draws.add_where(responded != NONE, responded, lag)
        is_decided = (decided != NONE) & (decided <= end)
        draws.cover(decision, len(data.LGSCO_DECISIONS), is_decided)
        level.closed = np.where(is_decided, decided, NONE)
        level.status = np.where(is_decided, STATUS_CLOSED, STATUS_OPEN)
        # The Ombudsman's stage has a decision (lgsco_detail), not an outcome.
        level.outcome = np.full(m, NONE, dtype=np.int64)
        self._add_level(level)
        return {
            "enquiry_due": enquiry_due,
            "responded": responded,
            "decision": np.where(is_decided, decision, NONE),
            "number": rng.integers(0, 1_000_000, m),
        }

    def _concat(self) -> dict[str, I64]:
        names = ["case", "seq", "code", "prev", "status", "outcome", "closed", "started"]
        return {
            name: np.concatenate([getattr(lv, name) for lv in self.levels]).astype(np.int64)
            for name in names
        }

    def _finish(self, replies: Replies, lgsco: dict[str, I64]) -> Stages:
        """Stage order and ids (by case, then seq), case status from the last stage."""
        st: dict[str, Any] = {}
        for name in STAGE_FIELDS:
            st[name] = np.concatenate([getattr(lv, name) for lv in self.levels]).astype(np.int64)
        st["has_susp"] = np.concatenate([lv.has_susp for lv in self.levels]).astype(np.bool_)
        total = len(st["case"])
        next_requested = np.full(total, NONE, dtype=np.int64)
        next_override = np.zeros(total, dtype=np.bool_)
        offset = 0
        for k, lv in enumerate(self.levels):
            size = len(lv.case)
            marks = self.next_requested.get(k)
            if marks is not None:
                next_requested[offset : offset + size] = marks
            flags = self.next_override.get(k)
            if flags is not None:
                next_override[offset : offset + size] = flags
            offset += size
        st["next_requested"] = next_requested
        st["next_override"] = next_override
        order = np.lexsort((st["seq"], st["case"]))
        rank = np.empty(total, dtype=np.int64)
        rank[order] = np.arange(total, dtype=np.int64)
        st["order"] = order
        st["rank"] = rank

        # Case status: a complaint is closed when its last stage is closed.
        last = self.last_stage
        has = last != NONE
        case_closed = np.where(has, st["closed"][np.where(has, last, 0)], replies.closed)
        case_open = np.where(
            has,
            case_closed == NONE,
            (self.cases.kind != 0) & (case_closed == NONE),
        )
        regraded = np.zeros(self.cases.n, dtype=np.bool_)
        regraded[self.levels[0].case[self.regraded]] = True
        return Stages(
            st=st,
            count=total,
            last_stage=last,
            case_closed=case_closed,
            case_open=case_open,
            regraded=regraded,
            lgsco=lgsco,
        )


# ------------------------------------------------------------------ the record of each stage


@dataclass
class History:
    """What the stages' records show happened: gradings, suspensions, extensions and
    every move of a due date. ``stage`` entries are places in ``Stages.st["order"]``."""

    grading: dict[str, list[Any]]
    suspensions: dict[str, list[Any]]
    extensions: dict[str, list[Any]]
    changes: dict[str, list[Any]]


def stage_history(draws: Draws, period: Period, cases: Cases, stages: Stages) -> History:
    st, n_stages = stages.st, stages.count
    order = st["order"]

    def col(name: str) -> I64:
        values: I64 = st[name][order]
        return values

    grading: dict[str, list[Any]] = {k: [] for k in ("stage", "from", "to", "reason", "by", "at")}
    suspensions: dict[str, list[Any]] = {
        k: [] for k in ("stage", "starts_on", "ends_on", "reason", "note", "by", "at")
    }
    extensions: dict[str, list[Any]] = {
        k: [] for k in ("stage", "days", "reason", "agreed", "by", "at")
    }
    changes: dict[str, list[Any]] = {
        k: [] for k in ("stage", "cause", "before", "after", "reason", "by", "at")
    }
    adult_codes = {data.STAGE_CODES.index(g) for g in data.ADULT_GRADES}
    mh = data.STAGE_CODES.index(StageCode.MODERATE_HIGH)
    low = data.STAGE_CODES.index(StageCode.LOW)
    regraded_cases = set(np.flatnonzero(stages.regraded).tolist())
    codes = col("code").tolist()
    started_l = col("started").tolist()
    timescale_l = col("timescale").tolist()
    ext_l = col("ext").tolist()
    ext_first_l = col("ext_first").tolist()
    susp_days_l = col("susp_days").tolist()
    has_susp_l = col("has_susp").astype(np.bool_).tolist()
    susp_start_l = col("susp_start").tolist()
    susp_end_l = col("susp_end").tolist()
    closed_l = col("closed").tolist()
    cases_l = col("case").tolist()
    owner_name = [cases.owner_name[c] for c in cases_l]
    reasons = draws.rng.integers(0, 1000, n_stages).tolist()
    cal, end = draws.cal, period.end

    def at(number: int, hour: int) -> dt.datetime:
        return dt.datetime.combine(date(number), dt.time(hour, (number * 7) % 60))

    for i in range(n_stages):
        code, who = codes[i], owner_name[i]
        start = started_l[i]
        if code in adult_codes and start != NONE:
            first_grade = low if (code == mh and cases_l[i] in regraded_cases) else code
            grading["stage"].append(i)
            grading["from"].append(None)
            grading["to"].append(data.STAGE_CODES[first_grade].value)
            grading["reason"].append("Initial grading")
            grading["by"].append(who)
            grading["at"].append(at(start, 10))
            if first_grade != code:
                grading["stage"].append(i)
                grading["from"].append(data.STAGE_CODES[first_grade].value)
                grading["to"].append(data.STAGE_CODES[code].value)
                grading["reason"].append("More issues and teams involved than first thought")
                grading["by"].append(who)
                grading["at"].append(at(day(cal.add_working_days(date(start), 2)), 11))
        if start == NONE or timescale_l[i] == NONE:
            continue
        start_date = date(start)
        t = timescale_l[i]
        due = cal.add_working_days(start_date, t)
        changes["stage"].append(i)
        changes["cause"].append("start")
        changes["before"].append(None)
        changes["after"].append(due)
        changes["reason"].append("Clock started")
        changes["by"].append(who)
        changes["at"].append(at(start, 9))
        days = t
        if has_susp_l[i]:
            s_start, s_end = susp_start_l[i], susp_end_l[i]
            reason = _suspension_reason(int(cases.procedure[cases_l[i]]), reasons[i])
            suspensions["stage"].append(i)
            suspensions["starts_on"].append(date(s_start))
            suspensions["ends_on"].append(None if s_end == NONE else date(s_end))
            suspensions["reason"].append(reason.value)
            suspensions["note"].append(data.SUSPENSION_NOTES[reason])
            suspensions["by"].append(who)
            suspensions["at"].append(at(s_start, 14))
            days += susp_days_l[i]
            after = cal.add_working_days(start_date, days)
            changes["stage"].append(i)
            changes["before"].append(due)
            changes["after"].append(after)
            changes["by"].append(who)
            if s_end != NONE:
                changes["cause"].append("resume")
                changes["reason"].append(f"Clock restarted after suspension ({reason.value})")
                changes["at"].append(at(s_end, 9))
            else:
                changes["cause"].append("suspend")
                changes["reason"].append(
                    f"Clock stopped ({reason.value}); suspended days counted to "
                    f"{date(end).isoformat()}"
                )
                changes["at"].append(at(end, 8))
            due = after
        total = ext_l[i]
        if total > 0:
            parts = [ext_first_l[i], total - ext_first_l[i]] if ext_first_l[i] < total else [total]
            for k, part in enumerate(parts):
                if part <= 0:
                    continue
                # Agreed a couple of working days before the current due date.
                when = day(cal.add_working_days(start_date, max(0, days - 2)))
                limit = closed_l[i] if closed_l[i] != NONE else end
                when = max(min(when, limit), start)
                text = data.EXTENSION_REASONS[(reasons[i] + k) % len(data.EXTENSION_REASONS)]
                extensions["stage"].append(i)
                extensions["days"].append(part)
                extensions["reason"].append(text)
                extensions["agreed"].append(True)
                extensions["by"].append(who)
                extensions["at"].append(at(when, 15))
                days += part
                after = cal.add_working_days(start_date, days)
                changes["stage"].append(i)
                changes["cause"].append("extend")
                changes["before"].append(due)
                changes["after"].append(after)
                changes["reason"].append(f"Extended by {part} working days: {text}")
                changes["by"].append(who)
                changes["at"].append(at(when, 15))
                due = after
    return History(grading, suspensions, extensions, changes)


def _suspension_reason(procedure: int, draw: int) -> SuspensionReason:
    """Why a clock stopped, from a draw 0-999 and the shares in the data."""
    shares = data.SUSPENSION_REASONS[data.PROCEDURES[procedure]]
    for reason, below in shares:
        if draw < below:
            return reason
    return SuspensionReason.OTHER
