"""Every demo case is where the workflow's tables could have taken it.

One demo large enough to reach every procedure and stage, open and closed: suspended,
extended, escalated, before the Ombudsman. Each case's state (as the program works it
out, ``services.workflow.case_state``) must be one its table names, and each stage's
recorded history (acknowledged, statement agreed, suspended, resumed, extended,
regraded, panel held, responded or ended, next stage asked for, escalated, closed) must
be a walk through its table, in date order, that ends in that state.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from crm_desktop.db.database import Database, open_database
from crm_desktop.db.models import (
    Case,
    LgscoDetail,
    Stage,
    StageExtension,
    StageGrading,
    StageSuspension,
)
from crm_desktop.domain import workflow
from crm_desktop.domain.enums import (
    STAGES_BY_PROCEDURE,
    CaseStatus,
    Kind,
    Outcome,
    Procedure,
    StageCode,
)
from crm_desktop.domain.workflow import Action, State, table_for
from crm_desktop.services.demo import data, generate_demo
from crm_desktop.services.demo.lifecycle import first_stage_keys
from crm_desktop.services.workflow import case_state

END = dt.date(2025, 6, 30)
# A demo of this size and seed reaches every state the test below asks for. (Seed 11 did
# until adult clocks stopped being suspended: the draws that followed shifted, and its
# demo no longer held a children's Stage 2 waiting for its statement on the end date.)
CASES, SEED = 12_000, 12

# Same-day events happen in this order.
SAME_DAY_ORDER = (
    Action.ACKNOWLEDGE,
    Action.START_INVESTIGATION,
    Action.REGRADE,
    Action.SUSPEND,
    Action.RESUME,
    Action.EXTEND,
    Action.HOLD_PANEL,
    Action.RESPOND,
    Action.WITHDRAW,
    Action.DISCONTINUE,
    Action.REDIRECT,
    Action.RECORD_LGSCO_DECISION,
    Action.REQUEST_NEXT_STAGE,
    Action.ESCALATE,
    Action.ESCALATE_TO_LGSCO,
    Action.CLOSE_CASE,
)
ENDING_ACTIONS = {outcome: action for action, outcome in workflow.ENDING_OUTCOMES.items()}


@dataclass(frozen=True)
class Seen:
    reference: str
    kind: Kind
    procedure: Procedure
    stage: StageCode | None
    seq: int
    state: State
    extended: bool


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    path: Path = tmp_path_factory.mktemp("demo-workflow") / "demo.db"
    db = open_database(f"sqlite:///{path}")
    try:
        generate_demo(db, CASES, SEED, END)
        yield db
    finally:
        db.dispose()


@pytest.fixture(scope="module")
def seen(demo: Database) -> list[Seen]:
    result: list[Seen] = []
    with demo.session() as session:
        # Loaded first so that case_state finds them in the session, not one by one.
        stages = {s.id: s for s in session.scalars(sa.select(Stage))}
        session.scalars(sa.select(LgscoDetail)).all()
        for case in session.scalars(sa.select(Case).order_by(Case.id)):
            stage = stages.get(case.current_stage_id) if case.current_stage_id else None
            result.append(
                Seen(
                    reference=case.reference,
                    kind=Kind(case.kind),
                    procedure=Procedure(case.procedure),
                    stage=StageCode(stage.stage) if stage else None,
                    seq=stage.seq if stage else 0,
                    state=case_state(session, case),
                    extended=bool(stage and stage.extended_days),
                )
            )
    return result


def test_every_case_is_in_a_state_its_workflow_table_names(seen: list[Seen]) -> None:
    assert len(seen) == CASES
    for case in seen:
        table = table_for(case.kind, case.procedure, case.stage)
        assert case.state in table, (
            f"{case.reference} ({case.kind}, {case.procedure}, {case.stage}) is "
            f"{case.state!r}, which its table does not name"
        )

    # The demo is large enough to reach every procedure and stage, open and closed.
    states = {(c.procedure, c.stage, c.state) for c in seen if c.kind is Kind.COMPLAINT}
    for procedure, codes in STAGES_BY_PROCEDURE.items():
        for code in codes:
            assert (procedure, code, State.CLOSED) in states, (procedure, code)
            running = State.LGSCO_OPEN if code is StageCode.LGSCO else State.IN_PROGRESS
            assert (procedure, code, running) in states, (procedure, code)
        if procedure is not Procedure.ADULT:
            assert any(p is procedure and s is State.SUSPENDED for p, _, s in states), procedure
    # No clock stopped where none may be: the adult procedure, the review panel.
    stopped = {(p, c) for p, c, s in states if s is State.SUSPENDED}
    assert stopped and not any(p is Procedure.ADULT for p, _ in stopped), stopped
    assert (Procedure.CHILDREN, StageCode.STAGE_3) not in stopped
    assert all(data.may_suspend(p, c) for p, c in stopped if c is not None), stopped
    assert (Procedure.CHILDREN, StageCode.STAGE_2, State.AWAITING_START) in states
    assert (Procedure.CHILDREN, StageCode.STAGE_3, State.PANEL_HELD) in states
    assert {s for _, _, s in states} >= {State.AWAITING_ACKNOWLEDGEMENT}
    # Open and extended; open at a later stage.
    assert any(c.extended and c.state is State.IN_PROGRESS for c in seen)
    assert any(c.seq > 1 and c.state in workflow.RUNNING_STATES for c in seen)
    for kind in (Kind.COMPLIMENT, Kind.COMMENT):
        assert {c.state for c in seen if c.kind is kind} == {State.RECEIVED, State.CLOSED}


def test_every_stage_got_where_it_is_by_steps_its_table_allows(
    demo: Database, seen: list[Seen]
) -> None:
    with demo.session() as session:
        cases = {c.id: c for c in session.scalars(sa.select(Case))}
        stages = session.scalars(sa.select(Stage).order_by(Stage.case_id, Stage.seq)).all()
        by_case: dict[int, list[Stage]] = defaultdict(list)
        for stage in stages:
            by_case[stage.case_id].append(stage)
        events: dict[int, list[tuple[dt.date, Action]]] = defaultdict(list)
        for s in session.scalars(sa.select(StageSuspension)):
            events[s.stage_id].append((s.starts_on, Action.SUSPEND))
            if s.ends_on is not None:
                events[s.stage_id].append((s.ends_on, Action.RESUME))
        for e in session.scalars(sa.select(StageExtension)):
            events[e.stage_id].append((e.created_at.date(), Action.EXTEND))
        for g in session.scalars(
            sa.select(StageGrading).where(StageGrading.from_grade.isnot(None))
        ):
            events[g.stage_id].append((g.changed_at.date(), Action.REGRADE))
        decided = dict(
            session.execute(sa.select(LgscoDetail.stage_id, LgscoDetail.decision_on)).all()
        )

    states = {c.reference: c.state for c in seen}
    walked = 0
    for case_id, own in by_case.items():
        case = cases[case_id]
        kind, procedure = Kind(case.kind), Procedure(case.procedure)
        for position, stage in enumerate(own):
            code = StageCode(stage.stage)
            table = table_for(kind, procedure, code)
            steps = list(events[stage.id])
            if code is StageCode.LGSCO:
                state = State.LGSCO_OPEN
                if decided.get(stage.id) is not None:
                    steps.append((decided[stage.id], Action.RECORD_LGSCO_DECISION))
            else:
                state = State.AWAITING_ACKNOWLEDGEMENT
                if stage.acknowledged_on is not None:
                    steps.append((stage.acknowledged_on, Action.ACKNOWLEDGE))
                if State.AWAITING_START in table and stage.statement_agreed_on is not None:
                    steps.append((stage.statement_agreed_on, Action.START_INVESTIGATION))
                if stage.panel_on is not None:
                    steps.append((stage.panel_on, Action.HOLD_PANEL))
                if stage.closed_on is not None:
                    assert stage.outcome is not None
                    ending = ENDING_ACTIONS.get(Outcome(stage.outcome), Action.RESPOND)
                    steps.append((stage.closed_on, ending))
            later = own[position + 1] if position + 1 < len(own) else None
            if later is not None:
                assert later.requested_on is not None
                if later.stage == StageCode.LGSCO:
                    steps.append((later.requested_on, Action.ESCALATE_TO_LGSCO))
                else:
                    assert stage.next_stage_requested_on is not None
                    steps.append((stage.next_stage_requested_on, Action.REQUEST_NEXT_STAGE))
                    steps.append((later.requested_on, Action.ESCALATE))
            elif case.status == CaseStatus.CLOSED:
                assert case.closed_on is not None
                steps.append((case.closed_on, Action.CLOSE_CASE))
            steps.sort(key=lambda step: (step[0], SAME_DAY_ORDER.index(step[1])))
            for on, action in steps:
                allowed = table.get(state, {})
                assert action in allowed, (
                    f"{case.reference} {code.label}: {action.value} on {on} from {state.value}"
                    f" (allowed: {', '.join(a.value for a in allowed)})"
                )
                state = allowed[action]
            if later is None:
                assert state == states[case.reference], case.reference
            walked += 1
    assert walked > 8000


def test_the_demo_data_covers_what_the_workflow_allows() -> None:
    """The data has a share for every step the tables allow, and none the tables do not."""
    firsts = {(p, s) for p, stages in workflow.FIRST_STAGES.items() for s in stages}
    assert set(first_stage_keys()) == firsts
    next_steps = {(p, s) for p, steps in workflow.NEXT_STAGE.items() for s in steps}
    assert set(data.NEXT_STAGE_CHANCE) == next_steps
    council_stages = {(p, s) for p, codes in STAGES_BY_PROCEDURE.items() for s in codes}
    council_stages -= {(p, StageCode.LGSCO) for p in Procedure}
    for table in (data.OUTCOME_WEIGHTS, data.TO_LGSCO, data.DEFAULT_TIMESCALE, data.EXTENSION_STEP):
        assert set(table) == council_stages
    # A review panel's stage takes the panel's timings instead of a response time.
    panels = {
        (p, s) for p, s in council_stages if State.PANEL_HELD in table_for(Kind.COMPLAINT, p, s)
    }
    assert panels == {(Procedure.CHILDREN, StageCode.STAGE_3)}
    assert set(data.RESPONSE_BUCKETS) == council_stages - panels
    assert not panels & set(data.SUSPENSION_CHANCE)
    assert all(len(weights) == len(Outcome) for weights in data.OUTCOME_WEIGHTS.values())
