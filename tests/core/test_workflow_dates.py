"""Dates a record cannot have: each refused with a message saying what to enter, and the
case left as it was. Cases are received on Fri 1 Mar 2024 (``RECEIVED``).

- A response is not dated before the acknowledgement; no stage ends (responded,
  withdrawn…) while, or before, a suspension it had: its clock was stopped then.
- Any step of a stage is on or after the day that stage was asked for.
- Remedies and payments follow the Ombudsman's enquiry (which may come before the
  council's response), and a payment for a remedy follows the remedy.
- A case is reopened after it was closed; a comment closes after its reply.
- An action-plan item is due and done after the complaint was received.
- The day the complainant received a response is not in the future.
- A children's Stage 2 acknowledgement due date is recorded as every due date is, and
  its Independent Person must still be independent when the investigation starts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from crm_desktop.db.models import Case, DueDateChange, Person, Stage
from crm_desktop.domain.enums import (
    AssignmentRole,
    Kind,
    LgscoDecision,
    Procedure,
    StageCode,
    SuspensionReason,
)
from crm_desktop.domain.workflow import Action
from crm_desktop.errors import ValidationError
from crm_desktop.operations import run_operation
from crm_desktop.operations import workflow as ops
from crm_desktop.services.workflow import ActionInput
from tests.workflow_driver import MANAGER, OFFICER, STARTS, TODAY, Driver, Handle, snapshot

D = dt.date
CHILDREN = next(s for s in STARTS if s.procedure == Procedure.CHILDREN and s.kind == Kind.COMPLAINT)
CORPORATE = next(
    s for s in STARTS if s.procedure == Procedure.CORPORATE and s.kind == Kind.COMPLAINT
)
COMMENT = next(s for s in STARTS if s.kind == Kind.COMMENT)
WAITING = SuspensionReason.AWAITING_INFORMATION


@pytest.fixture
def driver(any_database: Any) -> Driver:
    return Driver(any_database)


def do(driver: Driver, handle: Handle, action: Action, on: dt.date, **extra: Any) -> None:
    """``action`` on ``on``, without the driver's own preparation (outcomes, people)."""
    driver.do(handle, action, ActionInput(on=on, **extra), prepare=False)


def refused(
    driver: Driver, handle: Handle, attempt: Callable[[], object], message: str
) -> ValidationError:
    """``attempt`` is refused with ``message`` and the case is left exactly as it was."""
    before = snapshot(driver.db, handle.case_id)
    with pytest.raises(ValidationError, match=message) as no:
        attempt()
    assert snapshot(driver.db, handle.case_id) == before
    return no.value


def responded(driver: Driver) -> Handle:
    """A corporate complaint acknowledged on 4 Mar 2024 and upheld on 20 Mar."""
    handle = driver.create(CORPORATE)
    do(driver, handle, Action.ACKNOWLEDGE, D(2024, 3, 4))
    driver.give_point_outcomes(handle, ["upheld"])
    do(driver, handle, Action.RESPOND, D(2024, 3, 20))
    return handle


def current_stage(driver: Driver, handle: Handle) -> Stage:
    with driver.db.session() as session:
        stage = session.scalars(
            sa.select(Stage).where(Stage.case_id == handle.case_id).order_by(Stage.seq.desc())
        ).first()
        assert stage is not None
        session.expunge(stage)
        return stage


# ------------------------------------------------------------------ ending a stage


@pytest.mark.parametrize("on", [D(2024, 3, 6), D(2024, 3, 14), D(2024, 3, 18)])
def test_a_stage_does_not_end_before_or_during_a_suspension_it_had(
    driver: Driver, on: dt.date
) -> None:
    """Suspended Mon 11 Mar, restarted Tue 19 Mar: a response dated before the
    suspension, inside it, or on the day before the restart is refused."""
    handle = driver.create(CHILDREN)
    do(driver, handle, Action.ACKNOWLEDGE, D(2024, 3, 4))
    do(driver, handle, Action.SUSPEND, D(2024, 3, 11), suspension_reason=WAITING)
    do(driver, handle, Action.RESUME, D(2024, 3, 19))
    driver.give_point_outcomes(handle)
    error = refused(
        driver,
        handle,
        lambda: do(driver, handle, Action.RESPOND, on),
        "suspended from 11 Mar 2024 and restarted on 19 Mar 2024",
    )
    assert error.field == "on"
    do(driver, handle, Action.RESPOND, D(2024, 3, 19))  # the day it restarted: fine
    assert current_stage(driver, handle).closed_on == D(2024, 3, 19)


def test_a_response_is_not_dated_before_the_acknowledgement(driver: Driver) -> None:
    """The council answers after it acknowledged; a complainant's withdrawal may cross
    the acknowledgement in the post, so it keeps its own date."""
    handle = driver.create(CHILDREN)
    do(driver, handle, Action.ACKNOWLEDGE, D(2024, 3, 12))
    driver.give_point_outcomes(handle)
    refused(
        driver,
        handle,
        lambda: do(driver, handle, Action.RESPOND, D(2024, 3, 5)),
        "before the acknowledgement \\(12 Mar 2024\\)",
    )
    do(driver, handle, Action.WITHDRAW, D(2024, 3, 5), reason="Phoned to withdraw")
    assert current_stage(driver, handle).closed_on == D(2024, 3, 5)


def test_a_step_of_stage_2_is_not_dated_in_stage_1(driver: Driver) -> None:
    """Stage 2 asked for on Tue 2 Apr: an extension "agreed" on 5 Mar is refused."""
    handle = responded(driver)
    do(driver, handle, Action.REQUEST_NEXT_STAGE, D(2024, 4, 2))
    do(driver, handle, Action.ESCALATE, D(2024, 4, 3))
    refused(
        driver,
        handle,
        lambda: do(driver, handle, Action.ACKNOWLEDGE, D(2024, 3, 5)),
        "before Stage 2 was asked for \\(2 Apr 2024\\)",
    )
    do(driver, handle, Action.ACKNOWLEDGE, D(2024, 4, 4))
    refused(
        driver,
        handle,
        lambda: do(driver, handle, Action.EXTEND, D(2024, 3, 5), working_days=5, reason="Complex"),
        "before Stage 2 was asked for",
    )


# ------------------------------------------------------------ the Ombudsman's stage


def test_a_premature_enquiry_keeps_its_date(driver: Driver) -> None:
    """The Ombudsman may enquire before the council has answered (and decide the
    complaint premature); recorded once the stage was answered, it keeps its real date."""
    handle = responded(driver)
    do(driver, handle, Action.ESCALATE_TO_LGSCO, D(2024, 3, 15))
    stage = current_stage(driver, handle)
    assert (stage.stage, stage.started_on) == (StageCode.LGSCO, D(2024, 3, 15))


def test_remedies_and_payments_follow_the_enquiry(driver: Driver) -> None:
    handle = responded(driver)
    do(driver, handle, Action.ESCALATE_TO_LGSCO, D(2024, 5, 1))
    do(
        driver,
        handle,
        Action.RECORD_LGSCO_DECISION,
        D(2024, 6, 3),
        lgsco_decision=LgscoDecision.UPHELD_MALADMINISTRATION_INJUSTICE,
    )
    stage_id = current_stage(driver, handle).id

    def run(fn: Any, *args: Any) -> Any:
        return run_operation(driver.db, OFFICER, TODAY, fn, *args).value

    refused(
        driver,
        handle,
        lambda: run(ops.add_remedy, stage_id, "Apologise", D(2024, 4, 1), D(2024, 7, 1)),
        "A remedy cannot be agreed on 1 Apr 2024, before the Ombudsman's enquiry \\(1 May",
    )
    refused(
        driver,
        handle,
        lambda: run(ops.add_payment, stage_id, 10_000, D(2024, 4, 30)),
        "A payment cannot be made on 30 Apr 2024, before the Ombudsman's enquiry",
    )
    remedy = run(ops.add_remedy, stage_id, "Pay £100", D(2024, 6, 3), D(2024, 7, 1))
    refused(
        driver,
        handle,
        lambda: run(ops.add_payment, stage_id, 10_000, D(2024, 5, 15), None, remedy),
        "before the remedy was agreed \\(3 Jun 2024\\)",
    )
    run(ops.add_payment, stage_id, 10_000, D(2024, 6, 10), None, remedy)


# ------------------------------------------------------- closing, reopening, learning


def test_a_case_is_reopened_after_it_was_closed(driver: Driver) -> None:
    handle = responded(driver)
    do(driver, handle, Action.CLOSE_CASE, D(2024, 4, 10))
    for on in (D(2024, 3, 2), D(2024, 4, 9)):
        refused(
            driver,
            handle,
            lambda on=on: driver.do(  # type: ignore[misc]
                handle, Action.REOPEN, ActionInput(on=on, reason="Mistake"), actor=MANAGER
            ),
            "cannot be reopened before it was closed \\(10 Apr 2024\\)",
        )


def test_a_comment_closes_after_its_reply(driver: Driver) -> None:
    handle = driver.create(COMMENT)
    do(driver, handle, Action.RECORD_REPLY, D(2024, 3, 20), reply_text="Passed on.")
    refused(
        driver,
        handle,
        lambda: do(driver, handle, Action.CLOSE_CASE, D(2024, 3, 5)),
        "cannot close before its reply was received \\(20 Mar 2024\\)",
    )


def test_action_items_are_due_and_done_after_the_complaint_came(driver: Driver) -> None:
    handle = responded(driver)

    def run(fn: Any, *args: Any) -> Any:
        return run_operation(driver.db, OFFICER, TODAY, fn, *args).value

    refused(
        driver,
        handle,
        lambda: run(
            ops.add_action_item, handle.case_id, "Train staff", "Team manager", "AD", D(2020, 1, 1)
        ),
        "cannot be due \\(1 Jan 2020\\) before the complaint was received \\(1 Mar 2024\\)",
    )
    item = run(
        ops.add_action_item, handle.case_id, "Train staff", "Team manager", "AD", D(2024, 5, 1)
    )
    refused(
        driver,
        handle,
        lambda: run(ops.complete_action_item, item, D(2023, 1, 1), "Training log"),
        "cannot be done \\(1 Jan 2023\\) before the complaint was received",
    )


def test_the_day_a_response_was_received_is_not_in_the_future(driver: Driver) -> None:
    handle = driver.create(CORPORATE)
    do(driver, handle, Action.ACKNOWLEDGE, D(2024, 3, 4))
    driver.give_point_outcomes(handle)
    refused(
        driver,
        handle,
        lambda: do(
            driver,
            handle,
            Action.RESPOND,
            D(2024, 3, 20),
            response_received_on=TODAY + dt.timedelta(days=30),
        ),
        "is in the future",
    )


# ------------------------------------------------------- children's Stage 2


def stage_2(driver: Driver) -> Handle:
    handle = driver.create(CHILDREN)
    do(driver, handle, Action.ACKNOWLEDGE, D(2024, 3, 4))
    driver.give_point_outcomes(handle)
    do(driver, handle, Action.RESPOND, D(2024, 3, 8))
    do(driver, handle, Action.REQUEST_NEXT_STAGE, D(2024, 3, 12))
    do(driver, handle, Action.ESCALATE, D(2024, 3, 12))
    return handle


def test_the_stage_2_acknowledgement_due_date_is_recorded(driver: Driver) -> None:
    handle = stage_2(driver)
    stage = current_stage(driver, handle)
    # Asked for on Tue 12 Mar 2024; 3 working days later: Fri 15 Mar.
    assert stage.acknowledge_due_on == D(2024, 3, 15)
    with driver.db.session() as session:
        changes = session.scalars(
            sa.select(DueDateChange).where(DueDateChange.stage_id == stage.id)
        ).all()
        assert [(c.field, c.before, c.after, c.changed_by) for c in changes] == [
            ("acknowledge due", None, D(2024, 3, 15), "officer1")
        ]
        assert "Asked for on 12 Mar 2024" in (changes[0].reason or "")


def test_the_independent_person_is_still_independent_when_stage_2_starts(
    driver: Driver,
) -> None:
    handle = stage_2(driver)
    do(driver, handle, Action.ACKNOWLEDGE, D(2024, 3, 13))
    driver.appoint(handle, AssignmentRole.INVESTIGATING_OFFICER)
    [person] = driver.appoint(handle, AssignmentRole.INDEPENDENT_PERSON)

    def employed(session: Any) -> None:
        found = session.get(Person, person)
        assert found is not None
        found.is_employee = True

    driver.db.write(employed)
    refused(
        driver,
        handle,
        lambda: driver.do(
            handle, Action.START_INVESTIGATION, ActionInput(on=D(2024, 3, 15)), prepare=False
        ),
        "must be eligible when the investigation starts",
    )
    assert current_stage(driver, handle).stage == StageCode.STAGE_2


def test_the_investigating_officer_is_not_from_the_service_when_stage_2_starts(
    driver: Driver,
) -> None:
    """Appointed while the case was another service's; the case then moved to the IO's
    own service: starting the investigation is refused, as appointing them would be."""
    handle = stage_2(driver)
    do(driver, handle, Action.ACKNOWLEDGE, D(2024, 3, 13))
    [officer] = driver.appoint(handle, AssignmentRole.INVESTIGATING_OFFICER)
    driver.appoint(handle, AssignmentRole.INDEPENDENT_PERSON)

    def moved(session: Any) -> None:
        case = session.get(Case, handle.case_id)
        found = session.get(Person, officer)
        assert case is not None and found is not None
        found.is_employee = True
        found.home_service_area_id = case.service_area_id

    driver.db.write(moved)
    refused(
        driver,
        handle,
        lambda: driver.do(
            handle, Action.START_INVESTIGATION, ActionInput(on=D(2024, 3, 15)), prepare=False
        ),
        "the service complained about",
    )


def test_published_examples_of_learning_do_not_name_the_complainant(driver: Driver) -> None:
    """The annual report and the Code's report are published: an action item that names
    the complainant ("C. O'Neil", c.oneil@example.org) is shown without them."""
    from crm_desktop.reports.code_report import code_report
    from crm_desktop.reports.figures import annual_report

    def run(fn: Any, *args: Any) -> Any:
        return run_operation(driver.db, OFFICER, TODAY, fn, *args).value

    def learnt(handle: Handle, done: dt.date) -> None:
        item = run(
            ops.add_action_item,
            handle.case_id,
            "Call C. O'Neil back within 2 days (c.oneil@example.org)",
            "Team manager",
            "AD Highways",
            done,
        )
        run(ops.complete_action_item, item, done, "Rang C. O'Neil", True)

    learnt(responded(driver), D(2024, 3, 27))  # corporate, upheld on 20 Mar 2024
    # A corporate complaint under the Complaint Handling Code (received from 1 Apr 2026).
    code_case = driver.create(CORPORATE, received=D(2026, 5, 1))
    do(driver, code_case, Action.ACKNOWLEDGE, D(2026, 5, 5))
    driver.give_point_outcomes(code_case, ["upheld"])
    do(driver, code_case, Action.RESPOND, D(2026, 5, 12))
    learnt(code_case, D(2026, 6, 1))
    with driver.db.session() as session:
        report = annual_report(session, 2023)
        code = code_report(session, 2026)
    [(action, evidence)] = [
        (row[1].value, row[2].value) for row in report.table("learning_examples").rows
    ]
    assert action == "Call [removed] back within 2 days ([removed])"
    assert evidence == "Rang [removed]"
    [shown] = [[c.text for c in r] for r in code.table("code_improvements").rows]
    assert (shown[1], shown[2], shown[4]) == (action, "Team manager", evidence)
