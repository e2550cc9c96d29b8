"""A save reads each rule once and its case once; a change in the same transaction is
read again; a new transaction reads afresh; a new case reads its rules before it takes
its reference number."""

from __future__ import annotations

import datetime as dt
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db import rules_cache
from crm_desktop.db.database import Database
from crm_desktop.db.models import ProcedurePolicy, StageTimescale
from crm_desktop.domain.enums import Procedure, StageCode, TimescaleRule
from crm_desktop.domain.workflow import Action
from crm_desktop.operations import cases as case_ops
from crm_desktop.operations import run_operation
from crm_desktop.services.calendar_service import timescales
from crm_desktop.services.cases import CaseEdit
from crm_desktop.services.workflow import ActionInput
from tests.workflow_driver import OFFICER, RECEIVED, STARTS, TODAY, Driver

CORPORATE = STARTS[1]
CHILDREN = STARTS[0]


@contextmanager
def statements(database: Database) -> Iterator[list[str]]:
    """Every statement sent, and "COMMIT" at each commit, while the block runs."""
    sent: list[str] = []

    def executed(*args: object) -> None:
        sent.append(" ".join(str(args[2]).split()))

    def committed(*_: object) -> None:
        sent.append("COMMIT")

    sa.event.listen(database.engine, "before_cursor_execute", executed)
    sa.event.listen(database.engine, "commit", committed)
    try:
        yield sent
    finally:
        sa.event.remove(database.engine, "before_cursor_execute", executed)
        sa.event.remove(database.engine, "commit", committed)


def transactions(sent: list[str]) -> list[list[str]]:
    found: list[list[str]] = [[]]
    for statement in sent:
        if statement == "COMMIT":
            found.append([])
        else:
            found[-1].append(statement)
    return [t for t in found if t]


def reads_of(transaction: list[str], table: str) -> int:
    return sum(1 for s in transaction if s.startswith("SELECT") and f"FROM {table}" in s)


def test_a_move_reads_its_stage_rules_once(
    any_database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With nothing shared between transactions (test_rules_cache.py: a move after
    # another then reads them not at all).
    monkeypatch.setattr(rules_cache, "_STORES", weakref.WeakKeyDictionary())
    driver = Driver(any_database)
    handle = driver.create(CORPORATE)
    driver.do(handle, Action.ACKNOWLEDGE)
    driver.give_point_outcomes(handle)
    with statements(any_database) as sent:
        driver.do(handle, Action.RESPOND, prepare=False)
    (save,) = [t for t in transactions(sent) if any(s.startswith("UPDATE stage") for s in t)]
    # The guards, the clock and the response each ask for the stage's rules.
    assert reads_of(save, "stage_timescale") == 1
    assert reads_of(save, "procedure_policy") == 1


def duration(session: Session, procedure: Procedure, stage: StageCode) -> int | None:
    return timescales(session, procedure, stage, None).duration


def duration_rule(procedure: Procedure, stage: StageCode) -> sa.ColumnElement[bool]:
    """The stage's duration row of the reference data."""
    return sa.and_(
        StageTimescale.procedure == procedure,
        StageTimescale.stage == stage,
        StageTimescale.rule == TimescaleRule.DURATION,
    )


def test_a_rule_changed_in_the_same_transaction_is_read_again(any_database: Database) -> None:
    def work(session: Session) -> list[int | None]:
        session.execute(sa.select(1))  # the transaction is under way: reads are remembered
        seen = [duration(session, Procedure.CHILDREN, StageCode.STAGE_1)]
        with statements(any_database) as sent:
            duration(session, Procedure.CHILDREN, StageCode.STAGE_1)
        assert sent == []  # remembered
        row = session.scalars(
            sa.select(StageTimescale).where(duration_rule(Procedure.CHILDREN, StageCode.STAGE_1))
        ).one()
        row.value = 12  # changed in the session, not yet sent
        seen.append(duration(session, Procedure.CHILDREN, StageCode.STAGE_1))
        session.execute(  # changed by a statement run through the session
            sa.update(StageTimescale)
            .where(StageTimescale.id == row.id)
            .values(value=14)
            .execution_options(synchronize_session=False)
        )
        seen.append(duration(session, Procedure.CHILDREN, StageCode.STAGE_1))
        # Read again without a change: the same answer.
        seen.append(duration(session, Procedure.CHILDREN, StageCode.STAGE_1))
        return seen

    assert any_database.write(work) == [10, 12, 14, 14]


def test_a_policy_added_in_the_same_transaction_is_read_again(any_database: Database) -> None:
    received = dt.date(2026, 6, 1)

    def work(session: Session) -> tuple[object, object]:
        session.execute(sa.select(1))
        before = timescales(session, Procedure.CORPORATE, StageCode.STAGE_1, received).policy
        existing = session.scalars(
            sa.select(ProcedurePolicy).where(ProcedurePolicy.procedure == Procedure.CORPORATE)
        ).all()
        newest = max(existing, key=lambda p: p.effective_from)
        session.add(
            ProcedurePolicy(
                procedure=Procedure.CORPORATE,
                name="Amended",
                effective_from=dt.date(2026, 5, 1),
                rules=newest.rules,
            )
        )
        after = timescales(session, Procedure.CORPORATE, StageCode.STAGE_1, received).policy
        return before, after

    before, after = any_database.write(work)
    assert before is not None and after is not None
    assert before.name != "Amended" and after.name == "Amended"  # type: ignore[attr-defined]


def test_a_new_transaction_reads_the_rules_afresh(any_database: Database) -> None:
    with any_database.session() as session:
        session.execute(sa.select(1))
        first = duration(session, Procedure.ADULT, StageCode.LOW)  # remembered, then
        session.commit()  # forgotten with its transaction

        def change(other: Session) -> None:
            other.execute(
                sa.update(StageTimescale)
                .where(duration_rule(Procedure.ADULT, StageCode.LOW))
                .values(value=30)
            )

        any_database.write(change)
        session.execute(sa.select(1))
        second = duration(session, Procedure.ADULT, StageCode.LOW)
    assert (first, second) == (35, 30)


def test_a_savepoint_rolled_back_takes_its_change_with_it(any_database: Database) -> None:
    def work(session: Session) -> list[int | None]:
        session.execute(sa.select(1))
        seen = [duration(session, Procedure.CHILDREN, StageCode.STAGE_2)]
        savepoint = session.begin_nested()
        session.execute(
            sa.update(StageTimescale)
            .where(duration_rule(Procedure.CHILDREN, StageCode.STAGE_2))
            .values(value=40)
        )
        seen.append(duration(session, Procedure.CHILDREN, StageCode.STAGE_2))
        savepoint.rollback()
        seen.append(duration(session, Procedure.CHILDREN, StageCode.STAGE_2))
        return seen

    assert any_database.write(work) == [25, 40, 25]


@pytest.mark.postgres
def test_opening_a_case_does_not_wait_for_a_save_of_it(postgres_database: Database) -> None:
    """Only a save of the case locks it: opening it (a write, for the access log) reads
    it as it was last committed while another officer's save is under way."""
    handle = Driver(postgres_database).create(CORPORATE)
    opened: list[object] = []
    with postgres_database.engine.connect() as other:
        other.execute(
            sa.text("SELECT id FROM representation WHERE id = :id FOR NO KEY UPDATE"),
            {"id": handle.case_id},
        )
        thread = threading.Thread(
            target=lambda: opened.append(
                run_operation(postgres_database, OFFICER, TODAY, case_ops.open_case, handle.case_id)
            )
        )
        thread.start()
        thread.join(timeout=10)
        waited = thread.is_alive()
        other.rollback()  # let a waiting open finish before the test ends
    thread.join()
    assert not waited and len(opened) == 1


@pytest.mark.postgres
def test_a_staff_save_reads_its_case_once_and_locked(postgres_database: Database) -> None:
    driver = Driver(postgres_database)
    handle = driver.create(CORPORATE)
    with statements(postgres_database) as sent:
        run_operation(
            postgres_database,
            OFFICER,
            TODAY,
            case_ops.edit_case,
            handle.case_id,
            handle.version,
            CaseEdit(summary="Edited"),
        )
        driver.refresh(handle)
        driver.do(handle, Action.ACKNOWLEDGE, ActionInput(on=RECEIVED), prepare=False)
    saves = [t for t in transactions(sent) if any(s.startswith("UPDATE") for s in t)]
    assert len(saves) == 2
    for save in saves:
        case_reads = [s for s in save if s.startswith("SELECT representation.id,")]
        assert len(case_reads) == 1, case_reads
        assert case_reads[0].endswith("FOR NO KEY UPDATE")


def test_a_new_case_reads_its_rules_before_taking_its_reference(
    any_database: Database,
) -> None:
    with statements(any_database) as sent:
        Driver(any_database).create(CHILDREN)
    (save,) = [t for t in transactions(sent) if any("reference_counter" in s for s in t)]
    taken = next(i for i, s in enumerate(save) if s.startswith("INSERT INTO reference_counter"))
    reads_after = [s for s in save[taken:] if s.startswith("SELECT")]
    # Only the check that the number is free: the rules, the calendar and the people
    # are read (and written) before the counter's row is locked.
    assert len(reads_after) == 1 and "representation.reference" in reads_after[0]
    assert any(s.startswith("INSERT INTO person") for s in save[:taken])
    assert reads_of(save[:taken], "stage_timescale") == 1
