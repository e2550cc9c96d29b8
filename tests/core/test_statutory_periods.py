"""The adult's six months, the next stage's window and the Ombudsman's own date
(issue 18, items 4 and 5).

SI 2009/309 reg. 14(4): the response is due within "the period of six months beginning on
the day on which the complaint was received" or "such longer period as may be agreed
before the expiry of that period". A period beginning with 1 Jan ends on 30 Jun.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from crm_desktop.db.database import Database
from crm_desktop.db.models import Case, ClosureDay, LgscoDetail, Stage
from crm_desktop.domain.enums import Procedure, StageCode
from crm_desktop.domain.statutory import (
    calendar_for,
    response_received_on,
    six_months_beginning_with,
)
from crm_desktop.domain.workflow import Action, State
from crm_desktop.errors import ValidationError
from crm_desktop.reports.figures import annual_kpis
from crm_desktop.services.workflow import ActionInput
from tests.workflow_driver import STARTS, Driver, Handle

ADULT = next(s for s in STARTS if s.procedure == Procedure.ADULT and s.grade == StageCode.LOW)
CHILDREN = next(s for s in STARTS if s.procedure == Procedure.CHILDREN)


@pytest.mark.parametrize(
    ("received", "last_day"),
    [
        (dt.date(2024, 1, 1), dt.date(2024, 6, 30)),
        (dt.date(2024, 3, 15), dt.date(2024, 9, 14)),
        (dt.date(2023, 8, 31), dt.date(2024, 2, 29)),  # no 31 Feb: to the end of February
        (dt.date(2023, 12, 25), dt.date(2024, 6, 24)),  # Christmas Day counts: calendar days
    ],
)
def test_six_months_beginning_with_the_day(received: dt.date, last_day: dt.date) -> None:
    assert six_months_beginning_with(received) == last_day


def test_the_response_is_received_the_day_after_it_was_sent_unless_recorded() -> None:
    assert response_received_on(dt.date(2024, 12, 13), None) == dt.date(2024, 12, 14)
    assert response_received_on(dt.date(2024, 12, 13), dt.date(2024, 12, 20)) == dt.date(
        2024, 12, 20
    )


@pytest.fixture
def driver(any_database: Database) -> Driver:
    any_database.write(lambda s: s.add(ClosureDay(day=dt.date(2024, 12, 27), name="Closure")))
    return Driver(any_database)


def _stage(driver: Driver, handle: Handle) -> Stage:
    with driver.db.session() as session:
        case = session.get(Case, handle.case_id)
        assert case is not None
        stage = session.get(Stage, case.current_stage_id)
        assert stage is not None
        session.expunge(stage)
        return stage


def _do(driver: Driver, handle: Handle, action: Action, **data: object) -> object:
    on = data.pop("on")
    assert isinstance(on, dt.date)
    handle.day = on
    driver.prepare(handle, action, driver.state(handle)[0])
    return driver.do(handle, action, ActionInput(on=on, **data), prepare=False)  # type: ignore[arg-type]


def test_adult_six_months_end_the_day_before(driver: Driver) -> None:
    handle = driver.create(ADULT, received=dt.date(2024, 1, 1))
    stage = _stage(driver, handle)
    assert stage.outer_limit_on == dt.date(2024, 6, 30)


def test_a_longer_period_agreed_before_the_six_months_expire(driver: Driver) -> None:
    handle = driver.create(ADULT, received=dt.date(2024, 1, 1))
    # After the six months have expired: refused.
    with pytest.raises(ValidationError, match="before the six months expire"):
        _do(
            driver,
            handle,
            Action.AGREE_PERIOD,
            on=dt.date(2024, 7, 1),
            agreed_until=dt.date(2024, 8, 30),
        )
    # Not longer: refused.
    with pytest.raises(ValidationError, match="must end after the six months"):
        _do(
            driver,
            handle,
            Action.AGREE_PERIOD,
            on=dt.date(2024, 6, 28),
            agreed_until=dt.date(2024, 6, 30),
        )
    _do(
        driver,
        handle,
        Action.AGREE_PERIOD,
        on=dt.date(2024, 6, 28),
        agreed_until=dt.date(2024, 7, 31),
    )
    stage = _stage(driver, handle)
    assert stage.agreed_period_ends_on == dt.date(2024, 7, 31)
    assert stage.agreed_period_on == dt.date(2024, 6, 28)
    assert stage.outer_limit_on == dt.date(2024, 6, 30)  # the six months do not move


def _adult_answered(
    driver: Driver, received: dt.date, answered: dt.date, agreed: dt.date | None
) -> None:
    handle = driver.create(ADULT, received=received)
    _do(driver, handle, Action.ACKNOWLEDGE, on=received + dt.timedelta(days=1))
    if agreed is not None:
        _do(
            driver,
            handle,
            Action.AGREE_PERIOD,
            on=received + dt.timedelta(days=30),
            agreed_until=agreed,
        )
    _do(driver, handle, Action.RESPOND, on=answered)


def test_the_adult_kpi_counts_the_six_months_and_agreed_periods(driver: Driver) -> None:
    # Received 1 May 2024: the six months end on 31 Oct 2024.
    _adult_answered(driver, dt.date(2024, 5, 1), dt.date(2024, 10, 31), None)  # in time
    _adult_answered(driver, dt.date(2024, 5, 1), dt.date(2024, 11, 1), None)  # one day late
    _adult_answered(driver, dt.date(2024, 5, 1), dt.date(2024, 11, 20), dt.date(2024, 11, 30))
    _adult_answered(driver, dt.date(2024, 5, 1), dt.date(2024, 12, 2), dt.date(2024, 11, 30))
    with driver.db.session() as session:
        table = annual_kpis(session, 2024)
    row = next(r for r in table.rows if "Adult Social Care complaints completed" in str(r[0].value))
    assert row[-1].value == pytest.approx(50.0)  # 2 of 4


@pytest.mark.parametrize(
    ("start", "last_day"),
    [
        # Sent Fri 13 Dec 2024, received (by default) Sat 14 Dec. 20 working days from it:
        # 16-20, 23, 24, 27 (the closure day counts), 30, 31 Dec, 2, 3, 6-10, 13-15 Jan.
        (CHILDREN, dt.date(2025, 1, 15)),
    ],
)
def test_the_next_stage_window_counts_from_receipt(
    driver: Driver, start: object, last_day: dt.date
) -> None:
    handle = driver.create(start, received=dt.date(2024, 12, 2))  # type: ignore[arg-type]
    _do(driver, handle, Action.ACKNOWLEDGE, on=dt.date(2024, 12, 3))
    _do(driver, handle, Action.RESPOND, on=dt.date(2024, 12, 13))
    assert _stage(driver, handle).response_received_on == dt.date(2024, 12, 14)
    with pytest.raises(ValidationError, match="after the window closed"):
        _do(driver, handle, Action.REQUEST_NEXT_STAGE, on=last_day + dt.timedelta(days=1))
    result = _do(driver, handle, Action.REQUEST_NEXT_STAGE, on=last_day)
    assert result.state == State.NEXT_STAGE_REQUESTED  # type: ignore[attr-defined]
    # A corporate window (the council's policy) would skip the closure day: 16 Jan. The
    # corporate procedure's windows come from its policy; the reference data has none.
    closures = ((dt.date(2024, 12, 27), "Closure"),)
    corporate = calendar_for(Procedure.CORPORATE, closures)
    assert corporate.add_working_days(dt.date(2024, 12, 14), 20) == dt.date(2025, 1, 16)


def test_the_received_date_can_be_recorded_and_moves_the_window(driver: Driver) -> None:
    handle = driver.create(CHILDREN, received=dt.date(2024, 12, 2))
    _do(driver, handle, Action.ACKNOWLEDGE, on=dt.date(2024, 12, 3))
    _do(
        driver,
        handle,
        Action.RESPOND,
        on=dt.date(2024, 12, 13),
        response_received_on=dt.date(2024, 12, 12 + 4),
    )
    assert _stage(driver, handle).response_received_on == dt.date(2024, 12, 16)
    with pytest.raises(ValidationError, match="before it was sent"):
        _do(driver, handle, Action.RECORD_RESPONSE_RECEIVED, on=dt.date(2024, 12, 12))
    _do(driver, handle, Action.RECORD_RESPONSE_RECEIVED, on=dt.date(2024, 12, 20))
    # 20 working days from Fri 20 Dec (Christmas Day, Boxing Day and New Year's Day are
    # not working days): 23, 24, 27, 30, 31 Dec, 2, 3, 6-10, 13-17, 20, 21, 22 Jan. The
    # 22nd is the last day; the 23rd is after the window.
    with pytest.raises(ValidationError, match="after the window closed"):
        _do(driver, handle, Action.REQUEST_NEXT_STAGE, on=dt.date(2025, 1, 23))
    result = _do(driver, handle, Action.REQUEST_NEXT_STAGE, on=dt.date(2025, 1, 22))
    assert result.state == State.NEXT_STAGE_REQUESTED  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("given", "due"),
    [
        (dt.date(2025, 2, 28), dt.date(2025, 2, 28)),  # the Ombudsman's own date wins
        (None, dt.date(2025, 1, 21)),  # else 20 working days (closure day counted)
    ],
)
def test_the_ombudsman_enquiry_date(driver: Driver, given: dt.date | None, due: dt.date) -> None:
    handle = driver.create(CHILDREN, received=dt.date(2024, 12, 2))
    _do(driver, handle, Action.ACKNOWLEDGE, on=dt.date(2024, 12, 3))
    _do(driver, handle, Action.RESPOND, on=dt.date(2024, 12, 13))
    _do(
        driver,
        handle,
        Action.ESCALATE_TO_LGSCO,
        on=dt.date(2024, 12, 19),
        lgsco_reference="24 001 234",
        lgsco_response_due_on=given,
    )
    with driver.db.session() as session:
        case = session.get(Case, handle.case_id)
        assert case is not None
        detail = session.get(LgscoDetail, case.current_stage_id)
        assert detail is not None
        assert detail.enquiry_response_due_on == due
        assert detail.enquiry_due_from_ombudsman is (given is not None)


# ------------------------------------------------------------- extension limits (item 3)


def test_extension_limits_statutory_hard_corporate_a_managers_decision(driver: Driver) -> None:
    from dataclasses import replace

    from crm_desktop.db.models import ProcedurePolicy, StageExtension
    from crm_desktop.domain.procedure_policy import rules_from_json, rules_to_json
    from crm_desktop.errors import PermissionRefused
    from crm_desktop.operations import run_operation
    from crm_desktop.operations import workflow as ops
    from crm_desktop.services.extension_limits import extension_limit
    from tests.workflow_driver import MANAGER, OFFICER, STARTS, TODAY

    corporate = next(
        s for s in STARTS if s.procedure == Procedure.CORPORATE and s.kind.value == "complaint"
    )

    # The council's policy (its procedure policy version for cases received before 1 Apr
    # 2026): corporate Stage 1 may run to 30 working days, more with a manager's reason.
    def limit_30(session: sa.orm.Session) -> None:
        row = session.scalars(
            sa.select(ProcedurePolicy).where(ProcedurePolicy.procedure == Procedure.CORPORATE)
        ).first()
        assert row is not None
        rules = rules_from_json(row.rules)
        stage_1 = rules.stage(StageCode.STAGE_1)
        assert stage_1 is not None and stage_1.response_days == 20
        stage_1 = replace(stage_1, extension_days=10, beyond_needs_good_reason=True)
        row.rules = rules_to_json(rules.with_stage(stage_1))

    driver.db.write(limit_30)
    received = dt.date(2024, 12, 2)
    with driver.db.session() as session:
        corporate_limit = extension_limit(session, Procedure.CORPORATE, StageCode.STAGE_1, received)
        assert corporate_limit.days == 30 and not corporate_limit.statutory
        assert extension_limit(session, Procedure.CHILDREN, StageCode.STAGE_1).statutory
        assert not extension_limit(session, Procedure.CHILDREN, StageCode.STAGE_3).extendable

    handle = driver.create(corporate, received=dt.date(2024, 12, 2))
    _do(driver, handle, Action.ACKNOWLEDGE, on=dt.date(2024, 12, 3))

    def extend(who: object, days: int, beyond: str | None) -> object:
        data = ActionInput(
            on=dt.date(2024, 12, 4), working_days=days, reason="Complex", beyond_limit_reason=beyond
        )
        result = run_operation(
            driver.db, who, TODAY, ops.perform, handle.case_id, handle.version, Action.EXTEND, data
        ).value
        handle.version = result.version
        return result

    with pytest.raises(ValidationError) as refused:
        extend(OFFICER, 11, None)  # 20 + 11 = 31 > 30
    assert refused.value.field == "beyond_limit_reason"
    assert "A manager can extend beyond it" in refused.value.message
    with pytest.raises(PermissionRefused):
        extend(OFFICER, 11, "Officer wants it")
    extend(MANAGER, 11, "Awaiting a contractor's records, agreed with the complainant")
    with driver.db.session() as session:
        reasons = session.execute(
            sa.select(StageExtension.reason, StageExtension.beyond_limit)
        ).all()
    assert [tuple(r) for r in reasons] == [
        (
            "Complex (beyond the limit of 30 working days: Awaiting a contractor's records, "
            "agreed with the complainant)",
            True,
        )
    ]

    # Children's Stage 1: the regulations' limit (20 working days); nobody goes beyond.
    children = driver.create(CHILDREN, received=dt.date(2024, 12, 2))
    _do(driver, children, Action.ACKNOWLEDGE, on=dt.date(2024, 12, 3))
    handle = children
    with pytest.raises(ValidationError, match="The regulations set that limit"):
        extend(MANAGER, 11, "Manager's reason")
