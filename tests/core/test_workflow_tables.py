"""Every transition of every procedure, generated from the tables.

For every state the table can reach: each allowed action succeeds and lands where the
table says; each action that is not allowed is refused and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from crm_desktop.db.database import Database, open_database
from crm_desktop.domain.workflow import (
    ADULT_GRADES,
    RUNNING_STATES,
    Action,
    State,
    action_label,
    allowed_actions,
)
from crm_desktop.errors import IllegalTransition
from tests.workflow_driver import STARTS, Driver, Start, next_code, paths, snapshot

CASES = [
    pytest.param(start, node, path, id=f"{start.name}:{node[0] or '-'}:{node[1].value}")
    for start in STARTS
    for node, path in paths(start).items()
]


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Driver]:
    path: Path = tmp_path_factory.mktemp("tables") / "crm.db"
    database: Database = open_database(f"sqlite:///{path}")
    try:
        yield Driver(database)
    finally:
        database.dispose()


def test_the_tables_reach_every_state_they_name() -> None:
    from crm_desktop.domain.enums import StageCode

    for start in STARTS:
        named = {
            target
            for table in [
                allowed_actions(start.kind, start.procedure, c, s) for c, s in paths(start)
            ]
            for target in table.values()
        } - {State.REOPENED}
        reached = {state for _, state in paths(start)}
        assert named <= reached, (start.name, named - reached)
    children = paths(STARTS[0])
    for node in [
        (StageCode.STAGE_2, State.AWAITING_START),
        (StageCode.STAGE_3, State.PANEL_HELD),
        (StageCode.LGSCO, State.LGSCO_DECIDED),
        (StageCode.STAGE_1, State.ENDED),
        (StageCode.STAGE_3, State.CLOSED),
    ]:
        assert node in children, node


@pytest.mark.parametrize(("start", "node", "path"), CASES)
def test_each_state_allows_exactly_what_its_table_says(
    driver: Driver, start: Start, node: tuple[object, State], path: list[Action]
) -> None:
    code, state = node
    handle = driver.walk(start, path)
    assert driver.state(handle) == node
    allowed = allowed_actions(start.kind, start.procedure, code, state)  # type: ignore[arg-type]

    before = snapshot(driver.db, handle.case_id)
    for action in Action:
        if action in allowed:
            continue
        with pytest.raises(IllegalTransition):
            driver.do(handle, action, prepare=False)
        assert snapshot(driver.db, handle.case_id) == before, action

    for action, target in allowed.items():
        fresh = driver.walk(start, path)
        driver.do(fresh, action)
        new_code, new_state = driver.state(fresh)
        if target == State.REOPENED:
            assert new_state in RUNNING_STATES
        else:
            assert new_state == target, action
            assert new_code == next_code(start.procedure, code, action) or action == Action.REGRADE  # type: ignore[arg-type]


def test_the_tables_follow_the_procedures() -> None:
    """The rules of PRODUCT.md, stated independently of the tables."""
    from crm_desktop.domain.enums import Kind, Procedure, StageCode

    escalations = {Action.REQUEST_NEXT_STAGE, Action.ESCALATE, Action.ESCALATE_TO_LGSCO}
    for start in STARTS:
        for code, state in paths(start):
            table = allowed_actions(start.kind, start.procedure, code, state)
            if state == State.ENDED:  # withdrawn, discontinued or redirected
                assert not escalations & set(table), (start.name, code)
            if state == State.RESPONDED:
                assert Action.ESCALATE_TO_LGSCO in table, (start.name, code)
            if Action.REOPEN in table:
                assert state in (State.RESPONDED, State.ENDED, State.CLOSED)
    next_stage = {
        (p, c)
        for start in STARTS
        for (c, s) in paths(start)
        for p in [start.procedure]
        if Action.REQUEST_NEXT_STAGE in allowed_actions(start.kind, p, c, s)
    }
    assert next_stage == {
        (Procedure.CHILDREN, StageCode.STAGE_1),
        (Procedure.CHILDREN, StageCode.STAGE_2),
        (Procedure.CORPORATE, StageCode.STAGE_1),
    }
    # Children's Stage 1, written out in full.
    A, S = Action, State
    assert {
        state: set(allowed_actions(Kind.COMPLAINT, Procedure.CHILDREN, StageCode.STAGE_1, state))
        for state in (
            S.AWAITING_ACKNOWLEDGEMENT,
            S.IN_PROGRESS,
            S.SUSPENDED,
            S.RESPONDED,
            S.NEXT_STAGE_REQUESTED,
            S.ENDED,
            S.CLOSED,
        )
    } == {
        S.AWAITING_ACKNOWLEDGEMENT: {
            A.ACKNOWLEDGE,
            A.RESPOND,
            A.WITHDRAW,
            A.DISCONTINUE,
            A.REDIRECT,
        },
        S.IN_PROGRESS: {A.SUSPEND, A.EXTEND, A.RESPOND, A.WITHDRAW, A.DISCONTINUE, A.REDIRECT},
        S.SUSPENDED: {A.RESUME, A.EXTEND, A.WITHDRAW, A.DISCONTINUE, A.REDIRECT},
        S.RESPONDED: {
            A.RECORD_RESPONSE_RECEIVED,
            A.REQUEST_NEXT_STAGE,
            A.ESCALATE_TO_LGSCO,
            A.CLOSE_CASE,
            A.REOPEN,
        },
        S.NEXT_STAGE_REQUESTED: {A.ESCALATE, A.CLOSE_CASE},
        S.ENDED: {A.CLOSE_CASE, A.REOPEN},
        S.CLOSED: {A.REOPEN},
    }
    # Children's Stage 2 investigation cannot respond before it starts; Stage 3 needs a panel.
    assert A.RESPOND not in allowed_actions(
        Kind.COMPLAINT, Procedure.CHILDREN, StageCode.STAGE_2, S.AWAITING_START
    )
    assert A.RESPOND not in allowed_actions(
        Kind.COMPLAINT, Procedure.CHILDREN, StageCode.STAGE_3, S.IN_PROGRESS
    )
    # A clock is stopped nowhere the rules allow none: the adult procedure ("no
    # suspension": six months beginning with the day received, or a longer period
    # agreed) and the review panel (regs. 19-21: panel, report and response dates).
    # A stage an earlier version suspended can still be resumed.
    no_suspension = [(Procedure.ADULT, grade) for grade in ADULT_GRADES]
    no_suspension.append((Procedure.CHILDREN, StageCode.STAGE_3))
    for procedure, code in no_suspension:
        for state in (S.AWAITING_ACKNOWLEDGEMENT, S.IN_PROGRESS, S.PANEL_HELD):
            assert A.SUSPEND not in allowed_actions(Kind.COMPLAINT, procedure, code, state)
        assert A.RESUME in allowed_actions(Kind.COMPLAINT, procedure, code, S.SUSPENDED)
    for procedure, code in (
        (Procedure.CHILDREN, StageCode.STAGE_2),
        (Procedure.CORPORATE, StageCode.STAGE_1),
        (Procedure.CORPORATE, StageCode.STAGE_2),
    ):
        assert A.SUSPEND in allowed_actions(Kind.COMPLAINT, procedure, code, S.IN_PROGRESS)


def test_going_to_the_next_stage_names_it() -> None:
    assert action_label(Action.REQUEST_NEXT_STAGE, "corporate", "1") == (
        "Record a request for Stage 2"
    )
    assert action_label(Action.ESCALATE, "corporate", "1") == "Open Stage 2"
    assert action_label(Action.ESCALATE, "children", "2") == "Open Stage 3"
    # Where there is no next stage, or no stage, the action's own name.
    assert action_label(Action.ESCALATE, "corporate", "2") == "Open the next stage"
    assert action_label(Action.ESCALATE, "adult", "low") == "Open the next stage"
    assert action_label(Action.RESPOND, "corporate", "1") == "Respond"
    assert action_label(Action.REQUEST_NEXT_STAGE, "children", None) == (
        "Record a request for the next stage"
    )
