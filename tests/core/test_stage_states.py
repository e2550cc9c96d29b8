"""The workflow's states in SQL select exactly the cases the Python state function puts in
each state, for every state the workflow walks reach, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from crm_desktop.db.database import Database
from crm_desktop.db.models import Case, Stage
from crm_desktop.domain.workflow import ADULT_GRADES, Action, State
from crm_desktop.services.stage_states import current_stage, in_states, stage_current_on
from crm_desktop.services.workflow import case_state
from tests.workflow_driver import STARTS, TODAY, Driver, Handle, Start, paths


def sql_states(
    database: Database, case_id: int | None = None, on: dt.date | None = None
) -> dict[int, set[State]]:
    """For every case (or one), the states whose SQL condition selects it (one query);
    ``on``: asked as things stood that day, of the stage current then."""
    day = None if on is None else sa.literal(on, sa.Date)
    columns = [
        sa.case((in_states(state, on=day), True), else_=False).label(state.name) for state in State
    ]
    joined = current_stage() if day is None else stage_current_on(day)
    query = sa.select(Case.id, *columns).select_from(Case).outerjoin(Stage, joined)
    if case_id is not None:
        query = query.where(Case.id == case_id)
    with database.session() as session:
        rows = session.execute(query).all()
    return {
        found: {state for state, flag in zip(State, flags, strict=True) if flag}
        for found, *flags in rows
    }


def python_states(database: Database) -> dict[int, State]:
    with database.session() as session:
        return {case.id: case_state(session, case) for case in session.scalars(sa.select(Case))}


def longest_paths(start: Start) -> list[tuple[Action, ...]]:
    """Paths that together visit every node the table reaches (each shortest path that
    is not the beginning of another)."""
    found = [tuple(p) for p in paths(start).values()]
    return [p for p in found if not any(len(o) > len(p) and o[: len(p)] == p for o in found)]


def walks() -> list[tuple[Start, tuple[Action, ...]]]:
    """Walks that pass through every node of every table, reopening and regrading too."""
    chosen = [(start, path) for start in STARTS for path in longest_paths(start)]
    for start in STARTS:
        to_closed = next(p for (_code, state), p in paths(start).items() if state == State.CLOSED)
        chosen.append((start, (*to_closed, Action.REOPEN)))
    adult = next(s for s in STARTS if s.grade in ADULT_GRADES)
    chosen.append((adult, (Action.REGRADE, Action.ACKNOWLEDGE, Action.REGRADE)))
    return chosen


def test_every_state_in_sql_selects_what_stage_state_says(any_database: Database) -> None:
    driver = Driver(any_database)
    seen: list[tuple[State, set[State]]] = []

    def check(handle: Handle) -> None:
        in_python = driver.state(handle)[1]
        seen.append((in_python, sql_states(any_database, handle.case_id)[handle.case_id]))
        # Asked as things stood on the day every date of the walk had come (the queues'
        # --as-of), by the dates alone: the same state.
        then = sql_states(any_database, handle.case_id, on=TODAY)[handle.case_id]
        seen.append((in_python, then))

    for start, path in walks():
        handle = driver.create(start)
        check(handle)
        for action in path:
            driver.do(handle, action)
            check(handle)
    assert {state for state, _ in seen} == set(State) - {State.REOPENED}  # every state reached
    assert [(state, found) for state, found in seen if found != {state}] == []

    # Every case at the end of its walk, in one query; and a set of states is one
    # condition selecting the cases in any of them.
    in_python = python_states(any_database)
    assert sql_states(any_database) == {case_id: {s} for case_id, s in in_python.items()}
    wanted = {State.AWAITING_ACKNOWLEDGEMENT, State.RESPONDED, State.LGSCO_DECIDED, State.CLOSED}
    with any_database.session() as session:
        selected = set(
            session.scalars(
                sa.select(Case.id)
                .select_from(Case)
                .outerjoin(Stage, current_stage())
                .where(in_states(wanted))
            )
        )
    assert selected == {case_id for case_id, state in in_python.items() if state in wanted}
    assert selected
