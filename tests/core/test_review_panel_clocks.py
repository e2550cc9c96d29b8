"""Children's Stage 3: three clocks, each the regulations' (issue 18, item 2).

SI 2006/1738 reg. 19(4): "The panel shall meet within 30 working days of the local
authority receiving a request"; reg. 20(2): the panel sends its report "within 5
working days of the meeting"; reg. 20(3): the council responds "within 15 working days
of receiving the panel's report". None may be extended.

The request arrives on Wednesday 4 Dec 2024; Christmas Day, Boxing Day and New Year's
Day fall in the count, and Friday 27 Dec 2024 is a council closure day, which the
statutory clock counts as a working day.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from crm_desktop.db.database import Database
from crm_desktop.db.models import Case, ClosureDay, DueDateChange, Stage
from crm_desktop.domain.enums import AssignmentRole, Procedure
from crm_desktop.domain.statutory import calendar_for
from crm_desktop.domain.workflow import Action, State, allowed_actions
from crm_desktop.errors import IllegalTransition, ValidationError
from crm_desktop.services import queues
from crm_desktop.services.workflow import ActionInput
from tests.workflow_driver import STARTS, Driver, Handle

CHILDREN = next(s for s in STARTS if s.procedure == Procedure.CHILDREN)
REQUEST = dt.date(2024, 12, 4)
STATUTORY = calendar_for(Procedure.CHILDREN)


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


def _to_stage_3(driver: Driver) -> Handle:
    """A children's complaint at Stage 3, the review asked for on Wed 4 Dec 2024."""
    handle = driver.create(CHILDREN, received=dt.date(2024, 9, 2))
    steps = [
        (Action.ACKNOWLEDGE, dt.date(2024, 9, 3)),
        (Action.RESPOND, dt.date(2024, 9, 10)),
        (Action.REQUEST_NEXT_STAGE, dt.date(2024, 9, 12)),
        (Action.ESCALATE, dt.date(2024, 9, 12)),
        (Action.ACKNOWLEDGE, dt.date(2024, 9, 13)),
        (Action.START_INVESTIGATION, dt.date(2024, 9, 16)),
        (Action.RESPOND, dt.date(2024, 11, 20)),
        (Action.REQUEST_NEXT_STAGE, REQUEST),
        (Action.ESCALATE, REQUEST),
        (Action.ACKNOWLEDGE, dt.date(2024, 12, 5)),
    ]
    for action, on in steps:
        driver.prepare(handle, action, driver.state(handle)[0])
        handle.day = on
        driver.do(handle, action, ActionInput(on=on), prepare=False)
    driver.appoint(handle, AssignmentRole.PANEL_MEMBER, 3)
    return handle


def test_the_panel_is_due_30_statutory_working_days_after_the_request(driver: Driver) -> None:
    handle = _to_stage_3(driver)
    stage = _stage(driver, handle)
    # Dec: 5, 6, 9-13, 16-20, 23, 24, 27 (closure day: counted), 30, 31 = 17;
    # Jan 2025: 2, 3, 6-10, 13-17, 20 = 13 (1 Jan New Year's Day): 30 on Mon 20 Jan.
    assert STATUTORY.add_working_days(REQUEST, 30) == dt.date(2025, 1, 20)
    assert stage.panel_due_on == dt.date(2025, 1, 20)
    assert stage.due_on == dt.date(2025, 1, 20)
    assert stage.timescale_days == 30
    assert stage.panel_report_due_on is None and stage.council_response_due_on is None


def test_three_clocks_one_after_another(driver: Driver) -> None:
    handle = _to_stage_3(driver)
    result = driver.do(
        handle, Action.HOLD_PANEL, ActionInput(on=dt.date(2025, 1, 20)), prepare=False
    )
    assert result.warnings == ()  # on the 30th working day: in time
    stage = _stage(driver, handle)
    # Report within 5 working days of the meeting: Mon 27 Jan.
    assert stage.panel_report_due_on == dt.date(2025, 1, 27)
    assert stage.due_on == dt.date(2025, 1, 27)
    result = driver.do(
        handle, Action.RECORD_PANEL_REPORT, ActionInput(on=dt.date(2025, 1, 28)), prepare=False
    )
    assert result.state == State.PANEL_HELD
    assert "1 working day after it was due (27 Jan 2025)" in result.warnings[0]
    stage = _stage(driver, handle)
    # The council's response within 15 working days of receiving the report: 18 Feb.
    assert stage.council_response_due_on == dt.date(2025, 2, 18)
    assert stage.due_on == dt.date(2025, 2, 18)
    driver.give_point_outcomes(handle)
    result = driver.do(handle, Action.RESPOND, ActionInput(on=dt.date(2025, 2, 18)), prepare=False)
    assert result.state == State.RESPONDED
    stage = _stage(driver, handle)
    assert stage.council_response_on == dt.date(2025, 2, 18)
    # Every move of the due date is on record.
    with driver.db.session() as session:
        causes = session.scalars(
            sa.select(DueDateChange.cause)
            .where(DueDateChange.stage_id == stage.id)
            .order_by(DueDateChange.id)
        ).all()
    assert [c for c in causes if c in ("panel held", "panel report")] == [
        "panel held",
        "panel report",
    ]


@pytest.mark.parametrize(
    ("panel_on", "late_by"),
    [(dt.date(2025, 1, 21), 1), (dt.date(2025, 1, 24), 4), (dt.date(2025, 1, 27), 5)],
)
def test_a_panel_after_30_working_days_is_late(
    driver: Driver, panel_on: dt.date, late_by: int
) -> None:
    # Panels held 31 and 34 working days after the request used to show "in time".
    handle = _to_stage_3(driver)
    result = driver.do(handle, Action.HOLD_PANEL, ActionInput(on=panel_on), prepare=False)
    assert len(result.warnings) == 1
    assert f"{late_by} working day" in result.warnings[0]
    assert "30 working days from the request (reg. 19(4))" in result.warnings[0]


def test_no_extension_at_stage_3(driver: Driver) -> None:
    handle = _to_stage_3(driver)
    assert Action.EXTEND not in allowed_actions(
        CHILDREN.kind, Procedure.CHILDREN, _stage(driver, handle).stage, State.IN_PROGRESS
    )
    with pytest.raises(IllegalTransition):
        driver.do(
            handle,
            Action.EXTEND,
            ActionInput(on=dt.date(2024, 12, 9), working_days=5, reason="Panel availability"),
            prepare=False,
        )
    from crm_desktop.services import clock

    stage_id = _stage(driver, handle).id
    with pytest.raises(ValidationError, match="none of them can be extended"):
        driver.db.write(lambda s: clock.extend_clock(s, stage_id, 5, "Availability", "officer1"))


def test_the_response_needs_the_report_date(driver: Driver) -> None:
    handle = _to_stage_3(driver)
    driver.do(handle, Action.HOLD_PANEL, ActionInput(on=dt.date(2025, 1, 10)), prepare=False)
    driver.give_point_outcomes(handle)
    with pytest.raises(ValidationError, match="the panel's report was received"):
        driver.do(handle, Action.RESPOND, ActionInput(on=dt.date(2025, 1, 20)), prepare=False)
    result = driver.do(
        handle,
        Action.RESPOND,
        ActionInput(on=dt.date(2025, 1, 20), panel_report_on=dt.date(2025, 1, 16)),
        prepare=False,
    )
    assert result.state == State.RESPONDED
    stage = _stage(driver, handle)
    assert stage.panel_report_on == dt.date(2025, 1, 16)
    assert stage.council_response_due_on == STATUTORY.add_working_days(dt.date(2025, 1, 16), 15)


def test_each_clock_in_turn_is_the_queue_entry(driver: Driver) -> None:
    handle = _to_stage_3(driver)
    rows = driver.db.session
    with driver.db.session() as session:
        due = {r.reference: r.due for r in queues.due_within(session, dt.date(2025, 1, 14), 5)}
    assert dt.date(2025, 1, 20) in due.values()
    driver.do(handle, Action.HOLD_PANEL, ActionInput(on=dt.date(2025, 1, 20)), prepare=False)
    with driver.db.session() as session:
        overdue = queues.overdue(session, dt.date(2025, 1, 28))
    assert [r.due for r in overdue] == [dt.date(2025, 1, 27)]
    assert overdue[0].detail.startswith("Review panel's report: ")
    assert rows is not None


def test_each_clock_has_its_kpi(driver: Driver) -> None:
    from crm_desktop.reports.figures import annual_kpis

    handle = _to_stage_3(driver)
    driver.do(handle, Action.HOLD_PANEL, ActionInput(on=dt.date(2025, 1, 20)), prepare=False)
    driver.do(
        handle, Action.RECORD_PANEL_REPORT, ActionInput(on=dt.date(2025, 1, 28)), prepare=False
    )
    driver.give_point_outcomes(handle)
    driver.do(handle, Action.RESPOND, ActionInput(on=dt.date(2025, 2, 18)), prepare=False)
    with driver.db.session() as session:
        table = annual_kpis(session, 2024)  # 2024/25
    values = {str(row[0].value): row[-1].value for row in table.rows}
    # The panel on its 30th working day: in time; the report a day late; the response on
    # its 15th working day: in time. Stage 2 started 2 working days after the request.
    assert (
        values["Children’s Social Care review panels held within 30 working days of the request"]
        == 100
    )
    assert (
        values["Children’s Social Care review panel reports within 5 working days of the panel"]
        == 0
    )
    assert (
        values["Children’s Social Care responses within 15 working days of the panel’s report"]
        == 100
    )
    assert (
        values[
            "Children’s Social Care Stage 2 investigations started within 10 working days of "
            "the request"
        ]
        == 100
    )


def test_a_manager_sets_the_stage_2_start_target(driver: Driver) -> None:
    from crm_desktop.db.models import KpiDefinition
    from crm_desktop.operations import admin, run_operation
    from crm_desktop.reports.figures import annual_kpis
    from tests.workflow_driver import MANAGER, OFFICER

    _to_stage_3(driver)  # Stage 2 asked for on 12 Sep 2024, started on 16 Sep: 2 days
    with driver.db.session() as session:
        kpi = session.scalar(
            sa.select(KpiDefinition).where(KpiDefinition.code == "children_stage2_started_within")
        )
        assert kpi is not None
        kpi_id, version, label = kpi.id, kpi.version, kpi.label
    from crm_desktop.errors import PermissionRefused

    with pytest.raises(PermissionRefused):
        run_operation(
            driver.db, OFFICER, REQUEST, admin.set_kpi_target, kpi_id, version, 80, None, 1
        )
    with pytest.raises(ValidationError, match="whole number from 0 to 250"):
        run_operation(
            driver.db, MANAGER, REQUEST, admin.set_kpi_target, kpi_id, version, 80, None, -1
        )
    run_operation(driver.db, MANAGER, REQUEST, admin.set_kpi_target, kpi_id, version, 80, None, 1)
    with driver.db.session() as session:
        table = annual_kpis(session, 2024)
    row = next(r for r in table.rows if r[0].value == label)
    assert row[1].value == 80  # the target
    assert row[-1].value == 0  # 2 working days is more than 1


def test_the_explanation_and_status_follow_the_running_clock(driver: Driver) -> None:
    from crm_desktop.services import clock

    handle = _to_stage_3(driver)
    driver.do(handle, Action.HOLD_PANEL, ActionInput(on=dt.date(2025, 1, 20)), prepare=False)
    stage_id = _stage(driver, handle).id
    with driver.db.session() as session:
        lines = clock.explain_stage_due_date(session, stage_id, dt.date(2025, 1, 22))
        status = clock.stage_clock_status(session, stage_id, dt.date(2025, 1, 22))
    assert lines[0] == "The review panel was due to meet by 20 Jan 2025."
    assert lines[1] == "The review panel met on 20 Jan 2025."
    assert lines[-1] == "Due date: 27 Jan 2025."
    assert status.due == dt.date(2025, 1, 27)
    assert status.working_days_left == 3  # 23, 24, 27 Jan
