"""The workflow's states as SQL: one condition per :class:`~crm_desktop.domain.workflow.State`
over a case and its current stage, for every query that selects by state (the deadline
queues, the dashboard, the reminders).

:func:`crm_desktop.domain.workflow.stage_state` decides a case's state from the facts
recorded on it and its current stage, by a list of questions asked in order (is the
case closed? is it a compliment? ... is the stage acknowledged?). :data:`_TREE` asks the
same questions in the same order, each as a SQL condition and its negation (written so
that a NULL never makes both false), and :func:`in_states` turns the branches that end
in the wanted states into one WHERE clause. The tests hold the two to the same answers
for every state the workflow walks reach.

The conditions name ``Case`` and ``Stage`` (or the aliases given): the query joins the
case to its *current* stage (:func:`current_stage`), an outer join for compliments and
comments, which have none. Codes are written into the SQL as constants (:func:`const`)
so that the planner sees them: ``stage.status = 'open'`` uses the index on (status,
due date), as the queues need.

Asked on a day (``on``, for ``queue --as-of``), the questions read the dates instead of
the stored codes (closed by then, acknowledged by then, a dated suspension running
then), of the stage that was current that day (:func:`stage_current_on`); on a day when
every date recorded has come, they give the same states (the tests hold them to it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from crm_desktop.db.models import Case, LgscoDetail, Stage, StageSuspension
from crm_desktop.domain.enums import CaseStatus, Kind, StageCode, StageStatus
from crm_desktop.domain.workflow import ENDED_OUTCOMES, State

__all__ = [
    "RUNNING_CLOCK",
    "UNANSWERED",
    "acknowledgement_owed",
    "asked_on",
    "const",
    "current_stage",
    "in_states",
    "one_of",
    "running_clock",
    "stage_current_on",
]

UNANSWERED = frozenset(
    {
        State.AWAITING_ACKNOWLEDGEMENT,
        State.AWAITING_START,
        State.IN_PROGRESS,
        State.SUSPENDED,
        State.PANEL_HELD,
    }
)
"""A complaint stage still to be answered (its response not yet sent, nor ended)."""

RUNNING_CLOCK = UNANSWERED - {State.SUSPENDED}
"""A stage whose clock runs (when it has one): unanswered and not suspended."""


def const(value: StrEnum) -> sa.ColumnElement[Any]:
    """A code written into the SQL itself, not bound on every run: fewer parameters to
    process, and the planner sees the value (the codes are our own enum values, which
    hold no quotes)."""
    text = str(value.value)
    if "'" in text:  # pragma: no cover - a guard for a future enum value
        raise ValueError(f"cannot write {text!r} into SQL")
    return sa.literal_column(f"'{text}'")


def one_of(column: Any, values: Iterable[StrEnum]) -> sa.ColumnElement[bool]:
    """``column`` is one of ``values`` (an IN list of constants)."""
    found: sa.ColumnElement[bool] = column.in_([const(value) for value in values])
    return found


def current_stage(case: Any = Case, stage: Any = Stage) -> sa.ColumnElement[bool]:
    """The join condition of a case and its current stage."""
    return sa.and_(stage.id == case.current_stage_id, stage.case_id == case.id)


@dataclass(frozen=True)
class _Question:
    """One question of :func:`stage_state`: its SQL and the SQL of its negation."""

    yes: sa.ColumnElement[bool]
    no: sa.ColumnElement[bool]


_Tree = State | tuple[_Question, "_Tree", "_Tree"]


def _tree(case: Any, stage: Any, on: Any = None) -> _Tree:
    """:func:`~crm_desktop.domain.workflow.stage_state`, question by question; with
    ``on`` (a date in SQL), as things stood that day by the dates recorded: what was
    closed, acknowledged, decided, started or held after it was not yet, and a clock was
    suspended on it when a suspension had started by then and not ended (a stage
    suspended later was running)."""
    closed_outcome = one_of(stage.outcome, ENDED_OUTCOMES)
    decision = sa.and_(LgscoDetail.stage_id == stage.id, LgscoDetail.decision.is_not(None))
    if on is not None:
        decision = sa.and_(
            decision, sa.or_(LgscoDetail.decision_on.is_(None), LgscoDetail.decision_on <= on)
        )
    decided = sa.select(LgscoDetail.stage_id).where(decision).exists()

    def present(column: Any) -> _Question:
        if on is not None:
            yes = sa.and_(column.is_not(None), column <= on)
            return _Question(yes, sa.not_(yes))
        return _Question(column.is_not(None), column.is_(None))

    def by_then(status: Any, value: StrEnum, closed_on: Any) -> _Question | None:
        """``status`` is ``value`` and was on ``on`` (its date not later): None without
        ``on``."""
        if on is None:
            return None
        yes = sa.and_(status == const(value), sa.or_(closed_on.is_(None), closed_on <= on))
        return _Question(yes, sa.not_(yes))

    def code(column: Any, value: StrEnum) -> _Question:
        return _Question(column == const(value), column != const(value))

    case_closed = by_then(case.status, CaseStatus.CLOSED, case.closed_on) or _Question(
        case.status == const(CaseStatus.CLOSED), case.status == const(CaseStatus.OPEN)
    )
    # A stage is open, suspended or closed: "not closed" and "not suspended" are written
    # as the values left, so that the index on (status, due date) serves.
    stage_closed = by_then(stage.status, StageStatus.CLOSED, stage.closed_on) or _Question(
        stage.status == const(StageStatus.CLOSED),
        one_of(stage.status, (StageStatus.OPEN, StageStatus.SUSPENDED)),
    )
    suspended = _Question(
        stage.status == const(StageStatus.SUSPENDED), stage.status == const(StageStatus.OPEN)
    )
    if on is not None:
        stopped = (
            sa.select(StageSuspension.id)
            .where(
                StageSuspension.stage_id == stage.id,
                StageSuspension.starts_on <= on,
                sa.or_(StageSuspension.ends_on.is_(None), StageSuspension.ends_on > on),
            )
            .exists()
        )
        suspended = _Question(stopped, sa.not_(stopped))
    ended = _Question(closed_outcome, sa.or_(stage.outcome.is_(None), sa.not_(closed_outcome)))
    started = present(stage.started_on)
    stage_two_unstarted = _Question(
        sa.and_(stage.stage == const(StageCode.STAGE_2), started.no),
        sa.or_(stage.stage != const(StageCode.STAGE_2), started.yes),
    )
    held = present(stage.panel_on)
    panel_held = _Question(
        sa.and_(stage.stage == const(StageCode.STAGE_3), held.yes),
        sa.or_(stage.stage != const(StageCode.STAGE_3), held.no),
    )
    S = State
    return (
        case_closed,
        S.CLOSED,
        (
            code(case.kind, Kind.COMPLIMENT),
            S.RECEIVED,
            (
                code(case.kind, Kind.COMMENT),
                (present(case.reply_received_on), S.REPLIED, S.RECEIVED),
                (
                    code(stage.stage, StageCode.LGSCO),
                    (_Question(decided, sa.not_(decided)), S.LGSCO_DECIDED, S.LGSCO_OPEN),
                    (
                        stage_closed,
                        (
                            ended,
                            S.ENDED,
                            (
                                present(stage.next_stage_requested_on),
                                S.NEXT_STAGE_REQUESTED,
                                S.RESPONDED,
                            ),
                        ),
                        (
                            suspended,
                            S.SUSPENDED,
                            (
                                present(stage.acknowledged_on),
                                (
                                    stage_two_unstarted,
                                    S.AWAITING_START,
                                    (panel_held, S.PANEL_HELD, S.IN_PROGRESS),
                                ),
                                S.AWAITING_ACKNOWLEDGEMENT,
                            ),
                        ),
                    ),
                ),
            ),
        ),
    )


def _condition(tree: _Tree, wanted: frozenset[State]) -> sa.ColumnElement[bool] | bool:
    """The branches of ``tree`` ending in ``wanted``; True or False when all or none do."""
    if isinstance(tree, State):
        return tree in wanted
    question, yes, no = tree
    when_yes, when_no = _condition(yes, wanted), _condition(no, wanted)
    if isinstance(when_yes, bool) and when_yes is when_no:
        return when_yes
    branches: list[sa.ColumnElement[bool]] = []
    for test, rest in ((question.yes, when_yes), (question.no, when_no)):
        if rest is True:
            branches.append(test)
        elif rest is not False:
            assert not isinstance(rest, bool)
            branches.append(sa.and_(test, rest))
    return branches[0] if len(branches) == 1 else sa.or_(*branches)


def in_states(
    states: State | Iterable[State], case: Any = Case, stage: Any = Stage, on: Any = None
) -> sa.ColumnElement[bool]:
    """A WHERE clause selecting the cases (joined to their current stage) in ``states``:
    exactly those :func:`~crm_desktop.domain.workflow.stage_state` puts there (with
    ``on``, a date in SQL: the states they were in that day, joined to the stage current
    then, :func:`stage_current_on`)."""
    wanted = frozenset((states,) if isinstance(states, State) else states)
    found = _condition(_tree(case, stage, on), wanted)
    if isinstance(found, bool):
        return sa.true() if found else sa.false()
    return found


def running_clock(case: Any = Case, stage: Any = Stage) -> sa.ColumnElement[bool]:
    """A stage whose clock runs: the "due soon" and "overdue" queues count from these."""
    return in_states(RUNNING_CLOCK, case, stage)


def acknowledgement_owed(
    case: Any = Case, stage: Any = Stage, on: Any = None
) -> sa.ColumnElement[bool]:
    """A stage whose acknowledgement is still to be sent: due on a date, not yet sent,
    and the stage unanswered (a suspended clock does not stop it being owed)."""
    not_sent = (
        stage.acknowledged_on.is_(None)
        if on is None
        else sa.or_(stage.acknowledged_on.is_(None), stage.acknowledged_on > on)
    )
    return sa.and_(
        not_sent,
        stage.acknowledge_due_on.is_not(None),
        in_states({State.AWAITING_ACKNOWLEDGEMENT, State.SUSPENDED}, case, stage, on),
    )


def asked_on(stage: Any = Stage, case: Any = Case) -> Any:
    """The day a stage was asked for: its request (the Ombudsman's: the enquiry), else
    the day its clock started, else the day the case was received (a Stage 1)."""
    return sa.func.coalesce(stage.requested_on, stage.started_on, case.received_on)


def _closed_by(stage: Any, on: Any) -> sa.ColumnElement[bool]:
    """``stage`` was closed on ``on`` (a closed stage without a date: on every day)."""
    return sa.and_(
        stage.status == const(StageStatus.CLOSED),
        sa.or_(stage.closed_on.is_(None), stage.closed_on <= on),
    )


def _taken_up(stage: Any, case: Any, on: Any) -> sa.ColumnElement[bool]:
    """``stage`` had become the case's stage by ``on``: asked for by then, and every
    earlier stage closed by then (an Ombudsman's enquiry may be dated before the
    response it follows; the case moved on to it only once that was sent)."""
    earlier = aliased(Stage)
    still_open = (
        sa.select(earlier.id)
        .where(
            earlier.case_id == stage.case_id,
            earlier.seq < stage.seq,
            sa.not_(_closed_by(earlier, on)),
        )
        .exists()
    )
    return sa.and_(asked_on(stage, case) <= on, sa.not_(still_open))


def stage_current_on(on: Any, case: Any = Case, stage: Any = Stage) -> sa.ColumnElement[bool]:
    """The join condition of a case and the stage that was its current one on ``on`` (a
    date in SQL): the last one it had moved on to by then (:func:`_taken_up`), of a case
    received by then."""
    later = aliased(Stage)
    return sa.and_(
        stage.case_id == case.id,
        case.received_on <= on,
        _taken_up(stage, case, on),
        sa.not_(
            sa.select(later.id)
            .where(
                later.case_id == stage.case_id, later.seq > stage.seq, _taken_up(later, case, on)
            )
            .exists()
        ),
    )
