"""The stage clock over the database: start, suspend, resume, extend, close, and refusals.

Dates counted by hand (2024 has Good Friday 29 Mar and Easter Monday 1 Apr):
a clock starting Mon 4 Mar 2024 with 20 working days runs 5-8 Mar (4), 11-15 (9),
18-22 (14), 25-28 (18), skips 29 Mar to 1 Apr, 2 Apr (19), 3 Apr (20): due Wed 3 Apr.
Continuing: 4 Apr (21), 5 Apr (22), 8 Apr (23), 9 Apr (24), 10 Apr (25).
Acknowledgement within 3 working days of 4 Mar: Thu 7 Mar.
Children's Stage 1 (10 working days) from 4 Mar: 5-8 (4), 11-15 (9), 18 Mar (10).
Adult (35 working days, outer limit the six months beginning with the day received,
SI 2009/309 reg. 14(4)): received 4 Mar, the six months end the day before 4 Sep: Tue 3 Sep
2024, which is 126 working days after 4 Mar (checked against the calendar below).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date
from typing import TypeVar

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db.database import Database
from crm_desktop.db.models import (
    Case,
    ClosureDay,
    DueDateChange,
    Stage,
    StageExtension,
    StageSuspension,
)
from crm_desktop.domain.calendar import england_and_wales_calendar
from crm_desktop.domain.enums import (
    CaseStatus,
    Kind,
    Procedure,
    StageCode,
    StageStatus,
    SuspensionReason,
)
from crm_desktop.errors import ValidationError
from crm_desktop.services.calendar_service import timescales, working_calendar
from crm_desktop.services.clock import (
    ClockView,
    close_clock,
    explain_stage_due_date,
    extend_clock,
    get_clock,
    resume_clock,
    stage_clock_status,
    start_clock,
    suspend_clock,
)

T = TypeVar("T")
START = date(2024, 3, 4)
AWAITING = SuspensionReason.AWAITING_INFORMATION
_numbers = itertools.count(1)


@pytest.fixture
def db(database: Database) -> Database:
    return database


def make_stage(
    db: Database,
    procedure: Procedure = Procedure.CORPORATE,
    stage: StageCode = StageCode.STAGE_1,
    requested_on: date | None = None,
) -> int:
    def work(session: Session) -> int:
        number = next(_numbers)
        case = Case(
            reference=f"{procedure.reference_prefix}-2024-{number:05d}",
            kind=Kind.COMPLAINT,
            procedure=procedure,
            received_on=START,
            status=CaseStatus.OPEN,
        )
        session.add(case)
        session.flush()
        row = Stage(case_id=case.id, seq=1, stage=stage, requested_on=requested_on)
        session.add(row)
        session.flush()
        case.current_stage_id = row.id
        return row.id

    return db.write(work)


def started(db: Database, **kwargs: object) -> int:
    stage_id = make_stage(db, **kwargs)  # type: ignore[arg-type]
    db.write(lambda s: start_clock(s, stage_id, START, "alice"))
    return stage_id


def changes(db: Database, stage_id: int) -> list[tuple[str, str, date | None, date | None]]:
    with db.session() as session:
        rows = session.execute(
            sa.select(
                DueDateChange.field, DueDateChange.cause, DueDateChange.before, DueDateChange.after
            )
            .where(DueDateChange.stage_id == stage_id)
            .order_by(DueDateChange.id)
        ).all()
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def snapshot(db: Database, stage_id: int) -> tuple[object, ...]:
    with db.session() as session:
        stage = session.get_one(Stage, stage_id)
        counts = tuple(
            session.scalar(sa.select(sa.func.count()).select_from(model)) or 0
            for model in (StageSuspension, StageExtension, DueDateChange)
        )
        return (
            stage.status,
            stage.started_on,
            stage.timescale_days,
            stage.extended_days,
            stage.suspended_days,
            stage.due_on,
            stage.acknowledge_due_on,
            stage.outer_limit_on,
            stage.closed_on,
            stage.version,
            counts,
            tuple((s.starts_on, s.ends_on) for s in stage.suspensions),
        )


def refused(db: Database, stage_id: int, work: Callable[[Session], object], match: str) -> str:
    """``work`` is refused with a message matching ``match``, and nothing is changed: not
    in the database, and not even pending in the session that ran it."""
    before = snapshot(db, stage_id)
    session = db.write_sessions()
    try:
        with pytest.raises(ValidationError, match=match) as info:
            work(session)
        assert not session.new
        assert not session.dirty
        assert not session.deleted
    finally:
        session.rollback()
        session.close()
    assert snapshot(db, stage_id) == before
    return info.value.message


# ----------------------------------------------------------------------------- calendar


def test_working_calendar_includes_closure_days_and_is_cached(db: Database) -> None:
    with db.session() as session:
        first = working_calendar(session)
        assert working_calendar(session) is first
        assert first.is_working_day(date(2024, 3, 5))
    db.write(lambda s: s.add(ClosureDay(day=date(2024, 3, 5), name="Staff training day")))
    with db.session() as session:
        cal = working_calendar(session)
        assert cal is not first
        assert not cal.is_working_day(date(2024, 3, 5))
        assert cal.non_working_reason(date(2024, 3, 5)) == "Council closure: Staff training day"
        assert working_calendar(session) is cal


def test_timescales_come_from_reference_data(db: Database) -> None:
    with db.session() as session:
        children_1 = timescales(session, Procedure.CHILDREN, StageCode.STAGE_1, None)
        assert (children_1.duration, children_1.extension_limit, children_1.acknowledge) == (
            10,
            20,
            3,
        )
        assert children_1.next_stage_window == 20
        assert children_1.outer_limit_months is None
        adult = timescales(session, "adult", "low", None)
        assert (adult.duration, adult.extension_limit, adult.outer_limit_months) == (35, None, 6)
        stage_3 = timescales(session, Procedure.CHILDREN, StageCode.STAGE_3, None)
        assert (stage_3.panel_meeting, stage_3.panel_report, stage_3.council_response) == (
            30,
            5,
            15,
        )
        assert stage_3.duration is None
        lgsco = timescales(session, Procedure.CORPORATE, StageCode.LGSCO, None)
        assert lgsco.lgsco_enquiry_response == 20
        assert lgsco.remedy_escalation_percent == 75
        with pytest.raises(ValidationError, match="'housing' is not a procedure"):
            timescales(session, "housing", "1", None)


# ----------------------------------------------------------------------------- start


def test_start_sets_timescale_acknowledgement_and_due_date(db: Database) -> None:
    stage_id = make_stage(db)
    view = db.write(lambda s: start_clock(s, stage_id, START, "alice"))
    assert isinstance(view, ClockView)
    assert view.started_on == START
    assert view.timescale_days == 20
    assert view.due_on == date(2024, 4, 3)
    assert view.acknowledge_due_on == date(2024, 3, 7)
    assert view.outer_limit_on is None
    assert view.status == StageStatus.OPEN
    assert (view.extended_days, view.suspended_days, view.open_suspension) == (0, 0, None)
    assert changes(db, stage_id) == [
        ("due", "start", None, date(2024, 4, 3)),
        ("acknowledge due", "start", None, date(2024, 3, 7)),
    ]
    with db.session() as session:
        row = session.scalars(sa.select(DueDateChange).where(DueDateChange.field == "due")).one()
        assert row.changed_by == "alice"
        assert row.changed_at is not None
        assert "4 Mar 2024" in row.reason
        assert "20 working days" in row.reason


def test_acknowledgement_counts_from_the_request(db: Database) -> None:
    stage_id = make_stage(db, requested_on=date(2024, 2, 26))
    view = db.write(lambda s: start_clock(s, stage_id, START, "alice"))
    assert view.acknowledge_due_on == date(2024, 2, 29)
    assert view.due_on == date(2024, 4, 3)


def test_start_adult_sets_the_outer_limit(db: Database) -> None:
    stage_id = make_stage(db, Procedure.ADULT, StageCode.LOW)
    view = db.write(lambda s: start_clock(s, stage_id, START, "alice"))
    assert view.timescale_days == 35
    assert view.due_on == date(2024, 4, 24)
    assert view.outer_limit_on == date(2024, 9, 3)
    assert ("outer limit", "start", None, date(2024, 9, 3)) in changes(db, stage_id)


def test_start_children_stage_3_runs_the_panel_clock_first(db: Database) -> None:
    # SI 2006/1738 reg. 19(4): the panel meets within 30 working days of the request; the
    # report's and the council's response clocks start later (test_review_panel_clocks).
    stage_id = make_stage(db, Procedure.CHILDREN, StageCode.STAGE_3)
    view = db.write(lambda s: start_clock(s, stage_id, START, "alice"))
    assert view.timescale_days == 30
    assert view.due_on == england_and_wales_calendar().add_working_days(START, 30)


def test_start_includes_council_closure_days(db: Database) -> None:
    db.write(lambda s: s.add(ClosureDay(day=date(2024, 3, 20), name="Office move")))
    stage_id = make_stage(db)
    view = db.write(lambda s: start_clock(s, stage_id, START, "alice"))
    assert view.due_on == date(2024, 4, 4)  # one working day fewer on the way
    with db.session() as session:
        lines = explain_stage_due_date(session, stage_id, START)
    assert "Skipped Council closure: Office move, 20 Mar 2024." in lines


def test_restart_needs_a_reason_and_is_recorded(db: Database) -> None:
    stage_id = started(db)
    message = refused(
        db,
        stage_id,
        lambda s: start_clock(s, stage_id, date(2024, 3, 5), "bob"),
        "already started on 4 Mar 2024",
    )
    assert "give a reason" in message
    view = db.write(
        lambda s: start_clock(s, stage_id, date(2024, 3, 5), "bob", "Received date keyed wrongly")
    )
    assert view.due_on == date(2024, 4, 4)
    assert changes(db, stage_id)[-2:] == [
        ("due", "restart", date(2024, 4, 3), date(2024, 4, 4)),
        ("acknowledge due", "restart", date(2024, 3, 7), date(2024, 3, 8)),
    ]


def test_start_refusals(db: Database) -> None:
    lgsco = make_stage(db, Procedure.CORPORATE, StageCode.LGSCO)
    refused(
        db,
        lgsco,
        lambda s: start_clock(s, lgsco, START, "alice"),
        "no response timescale for corporate Ombudsman",
    )
    stage_id = make_stage(db)
    refused(db, stage_id, lambda s: start_clock(s, stage_id, START, " "), "Say who")
    refused(db, stage_id, lambda s: start_clock(s, stage_id, date(2099, 1, 4), "alice"), "outside")
    with db.session() as session, pytest.raises(ValidationError, match="no stage with id 999"):
        start_clock(session, 999, START, "alice")


# ----------------------------------------------------------------------------- suspend, resume


def test_suspend_then_resume_moves_due_date_by_working_days_across_easter(
    db: Database,
) -> None:
    stage_id = started(db)
    view = db.write(
        lambda s: suspend_clock(
            s, stage_id, date(2024, 3, 25), AWAITING, "Asked for GP notes", "bob"
        )
    )
    assert view.status == StageStatus.SUSPENDED
    assert view.open_suspension is not None
    assert view.open_suspension.starts_on == date(2024, 3, 25)
    assert view.open_suspension.reason == "awaiting information"
    assert view.open_suspension.note == "Asked for GP notes"
    assert view.due_on == date(2024, 4, 3)  # unchanged until the clock restarts

    # 26, 27, 28 Mar and 2 Apr: 4 working days (Good Friday, the weekend and Easter Monday
    # are not counted), so 3 Apr moves to 9 Apr.
    view = db.write(lambda s: resume_clock(s, stage_id, date(2024, 4, 2), "carol"))
    assert view.status == StageStatus.OPEN
    assert view.open_suspension is None
    assert view.suspended_days == 4
    assert view.due_on == date(2024, 4, 9)
    assert view.suspensions[0].ends_on == date(2024, 4, 2)
    assert changes(db, stage_id)[-1] == ("due", "resume", date(2024, 4, 3), date(2024, 4, 9))
    with db.session() as session:
        row = session.scalars(sa.select(DueDateChange).where(DueDateChange.cause == "resume")).one()
        assert row.changed_by == "carol"
        assert "4 working days added" in row.reason
        assert "awaiting information" in row.reason


def test_a_suspension_keeps_the_day_it_is_expected_to_restart(db: Database) -> None:
    stage_id = started(db)
    view = db.write(
        lambda s: suspend_clock(
            s,
            stage_id,
            date(2024, 3, 11),
            AWAITING,
            None,
            "bob",
            expected_resume_on=date(2024, 3, 22),
        )
    )
    assert view.open_suspension is not None
    assert view.open_suspension.expected_resume_on == date(2024, 3, 22)
    # Only expected: the due date moves by the days actually stopped, when it restarts.
    view = db.write(lambda s: resume_clock(s, stage_id, date(2024, 3, 13), "bob"))
    assert view.suspended_days == 2
    assert view.suspensions[0].expected_resume_on == date(2024, 3, 22)
    # Without one it is None; and the same day as the stop is allowed.
    view = db.write(lambda s: suspend_clock(s, stage_id, date(2024, 3, 14), AWAITING, None, "bob"))
    assert view.open_suspension is not None and view.open_suspension.expected_resume_on is None


def test_an_expected_restart_before_the_stop_is_refused(db: Database) -> None:
    stage_id = started(db)
    message = refused(
        db,
        stage_id,
        lambda s: suspend_clock(
            s,
            stage_id,
            date(2024, 3, 11),
            AWAITING,
            None,
            "bob",
            expected_resume_on=date(2024, 3, 8),
        ),
        "cannot be expected to restart on 8 Mar 2024, before it stops on 11 Mar 2024",
    )
    assert "on or after 11 Mar 2024, or leave it out" in message
    with pytest.raises(ValidationError) as info:
        db.write(
            lambda s: suspend_clock(
                s, stage_id, date(2024, 3, 11), AWAITING, None, "bob", date(2024, 3, 8)
            )
        )
    assert info.value.field == "expected_resume_on"
    view = db.write(
        lambda s: suspend_clock(
            s,
            stage_id,
            date(2024, 3, 11),
            AWAITING,
            None,
            "bob",
            expected_resume_on=date(2024, 3, 11),
        )
    )
    assert view.open_suspension is not None
    assert view.open_suspension.expected_resume_on == date(2024, 3, 11)


def test_suspension_over_the_bank_holiday_alone_adds_one_day(db: Database) -> None:
    stage_id = started(db)
    db.write(lambda s: suspend_clock(s, stage_id, date(2024, 3, 28), AWAITING, None, "bob"))
    view = db.write(lambda s: resume_clock(s, stage_id, date(2024, 4, 2), "bob"))
    assert view.suspended_days == 1  # only Tue 2 Apr
    assert view.due_on == date(2024, 4, 4)


def test_suspend_and_resume_any_number_of_times(db: Database) -> None:
    stage_id = started(db)
    db.write(lambda s: suspend_clock(s, stage_id, date(2024, 3, 11), AWAITING, None, "bob"))
    db.write(lambda s: resume_clock(s, stage_id, date(2024, 3, 13), "bob"))  # +2
    db.write(
        lambda s: suspend_clock(
            s, stage_id, date(2024, 3, 13), SuspensionReason.COURT_PROCEEDINGS, "", "bob"
        )
    )
    view = db.write(lambda s: resume_clock(s, stage_id, date(2024, 3, 15), "bob"))  # +2
    assert view.suspended_days == 4
    assert view.due_on == date(2024, 4, 9)
    assert [s.reason for s in view.suspensions] == ["awaiting information", "court proceedings"]


def test_explanation_names_holidays_suspensions_and_extensions(db: Database) -> None:
    stage_id = started(db)
    db.write(lambda s: suspend_clock(s, stage_id, date(2024, 3, 25), AWAITING, "GP notes", "bob"))
    with db.session() as session:
        # Still suspended on 27 Mar: 26 and 27 Mar count so far.
        lines = explain_stage_due_date(session, stage_id, date(2024, 3, 27))
        assert any("still suspended on 27 Mar 2024" in line for line in lines)
        assert lines[-1] == "Due date: 5 Apr 2024."
        status = stage_clock_status(session, stage_id, date(2024, 3, 27))
        assert status.due == date(2024, 4, 5)
    db.write(lambda s: resume_clock(s, stage_id, date(2024, 4, 2), "bob"))
    db.write(lambda s: extend_clock(s, stage_id, 1, "Interview a witness", "bob"))
    with db.session() as session:
        lines = explain_stage_due_date(session, stage_id, date(2024, 4, 2))
    text = "\n".join(lines)
    assert "The clock started on 4 Mar 2024" in text
    assert "Timescale: 20 working days." in text
    assert "Extension: 1 working day added (Interview a witness)." in text
    assert "Suspended on 25 Mar 2024, resumed on 2 Apr 2024" in text
    assert "Skipped Good Friday, 29 Mar 2024." in text
    assert "Skipped Easter Monday, 1 Apr 2024." in text
    assert "Working days counted: 25 (20 timescale + 1 extension + 4 suspended)." in text
    assert lines[-1] == "Due date: 10 Apr 2024."


def test_suspend_refusals(db: Database) -> None:
    not_started = make_stage(db)
    refused(
        db,
        not_started,
        lambda s: suspend_clock(s, not_started, START, AWAITING, None, "bob"),
        "has not started, so it cannot be suspended",
    )
    stage_id = started(db)
    refused(
        db,
        stage_id,
        lambda s: suspend_clock(s, stage_id, date(2024, 3, 1), AWAITING, None, "bob"),
        "before the clock started on 4 Mar 2024",
    )
    refused(
        db,
        stage_id,
        lambda s: suspend_clock(s, stage_id, date(2024, 3, 6), SuspensionReason.OTHER, " ", "bob"),
        "a note is needed",
    )
    refused(
        db,
        stage_id,
        lambda s: suspend_clock(s, stage_id, date(2024, 3, 6), "holiday", None, "bob"),
        "'holiday' is not a reason",
    )
    refused(
        db,
        stage_id,
        lambda s: suspend_clock(s, stage_id, date(2024, 4, 4), AWAITING, None, "bob"),
        "ran out on 3 Apr 2024",
    )
    db.write(lambda s: suspend_clock(s, stage_id, date(2024, 3, 11), AWAITING, None, "bob"))
    refused(
        db,
        stage_id,
        lambda s: suspend_clock(s, stage_id, date(2024, 3, 12), AWAITING, None, "bob"),
        r"already suspended \(since 11 Mar 2024, awaiting information\)",
    )
    db.write(lambda s: resume_clock(s, stage_id, date(2024, 3, 14), "bob"))
    refused(
        db,
        stage_id,
        lambda s: suspend_clock(s, stage_id, date(2024, 3, 13), AWAITING, None, "bob"),
        "suspended until 14 Mar 2024",
    )
    db.write(lambda s: close_clock(s, stage_id, date(2024, 3, 20), "bob"))
    refused(
        db,
        stage_id,
        lambda s: suspend_clock(s, stage_id, date(2024, 3, 21), AWAITING, None, "bob"),
        "closed on 20 Mar 2024, so its clock cannot be suspended",
    )


def test_resume_refusals(db: Database) -> None:
    stage_id = started(db)
    message = refused(
        db,
        stage_id,
        lambda s: resume_clock(s, stage_id, date(2024, 3, 12), "bob"),
        "not suspended",
    )
    assert message == "This stage's clock is not suspended, so it cannot be resumed."
    db.write(lambda s: suspend_clock(s, stage_id, date(2024, 3, 11), AWAITING, None, "bob"))
    message = refused(
        db,
        stage_id,
        lambda s: resume_clock(s, stage_id, date(2024, 3, 8), "bob"),
        "cannot end before it starts",
    )
    assert "8 Mar 2024" in message
    assert "11 Mar 2024" in message


# ----------------------------------------------------------------------------- extend


def test_extend_within_the_limit_and_refused_past_it(db: Database) -> None:
    stage_id = started(db, procedure=Procedure.CHILDREN)
    assert get_clock_due(db, stage_id) == date(2024, 3, 18)
    view = db.write(
        lambda s: extend_clock(s, stage_id, 6, "Complex case", "bob", agreed_with_complainant=True)
    )
    assert view.extended_days == 6
    assert view.due_on == date(2024, 3, 26)  # 16 working days
    view = db.write(lambda s: extend_clock(s, stage_id, 4, "Witness on leave", "carol"))
    assert view.extended_days == 10
    assert view.due_on == date(2024, 4, 3)  # 20 working days: exactly the limit
    assert [(e.working_days, e.agreed_with_complainant) for e in view.extensions] == [
        (6, True),
        (4, False),
    ]
    message = refused(
        db,
        stage_id,
        lambda s: extend_clock(s, stage_id, 1, "More time", "bob"),
        "would take this stage to 21 working days",
    )
    assert message == (
        "An extension of 1 working day would take this stage to 21 working days; "
        "the limit for children's social care Stage 1 is 20. The regulations set that limit."
    )
    assert changes(db, stage_id)[-2:] == [
        ("due", "extend", date(2024, 3, 18), date(2024, 3, 26)),
        ("due", "extend", date(2024, 3, 26), date(2024, 4, 3)),
    ]
    with db.session() as session:
        reasons = session.scalars(
            sa.select(DueDateChange.reason)
            .where(DueDateChange.cause == "extend")
            .order_by(DueDateChange.id)
        ).all()
        who = session.scalars(
            sa.select(DueDateChange.changed_by)
            .where(DueDateChange.cause == "extend")
            .order_by(DueDateChange.id)
        ).all()
    assert reasons == [
        "Extended by 6 working days (agreed with the complainant): Complex case",
        "Extended by 4 working days: Witness on leave",
    ]
    assert who == ["bob", "carol"]


def get_clock_due(db: Database, stage_id: int) -> date | None:
    with db.session() as session:
        return get_clock(session, stage_id).due_on


def test_adult_extension_stops_at_the_outer_limit(db: Database) -> None:
    assert england_and_wales_calendar().working_days_between(START, date(2024, 9, 3)) == 126
    stage_id = started(db, procedure=Procedure.ADULT, stage=StageCode.MODERATE_HIGH)
    message = refused(
        db,
        stage_id,
        lambda s: extend_clock(s, stage_id, 92, "Awaiting health partner", "bob"),
        "statutory outer limit",
    )
    assert message == (
        "An extension of 92 working days would make this stage due on 4 Sep 2024, after "
        "its statutory outer limit of 3 Sep 2024."
    )
    view = db.write(lambda s: extend_clock(s, stage_id, 91, "Awaiting health partner", "bob"))
    assert view.due_on == date(2024, 9, 3)


def test_extension_without_any_limit_is_allowed(db: Database) -> None:
    stage_id = started(db, stage=StageCode.STAGE_2)  # corporate Stage 2: no limit rule
    view = db.write(lambda s: extend_clock(s, stage_id, 200, "Agreed long pause", "bob"))
    assert view.extended_days == 200


def test_extend_refusals(db: Database) -> None:
    not_started = make_stage(db)
    refused(
        db,
        not_started,
        lambda s: extend_clock(s, not_started, 5, "Reason", "bob"),
        "has not started, so it cannot be extended",
    )
    stage_id = started(db, procedure=Procedure.CHILDREN)
    refused(db, stage_id, lambda s: extend_clock(s, stage_id, 5, "  ", "bob"), "needs a reason")
    refused(db, stage_id, lambda s: extend_clock(s, stage_id, 0, "Reason", "bob"), "at least 1")
    refused(db, stage_id, lambda s: extend_clock(s, stage_id, 5, "Reason", ""), "Say who")
    db.write(lambda s: close_clock(s, stage_id, date(2024, 3, 15), "bob"))
    refused(
        db,
        stage_id,
        lambda s: extend_clock(s, stage_id, 5, "Reason", "bob"),
        "closed on 15 Mar 2024, so its clock cannot be extended",
    )


# ----------------------------------------------------------------------------- close, status


def test_close_and_its_refusals(db: Database) -> None:
    stage_id = started(db)
    refused(
        db,
        stage_id,
        lambda s: close_clock(s, stage_id, date(2024, 3, 1), "bob"),
        "before its clock started on 4 Mar 2024",
    )
    view = db.write(lambda s: close_clock(s, stage_id, date(2024, 4, 4), "bob"))
    assert view.status == StageStatus.CLOSED
    assert view.closed_on == date(2024, 4, 4)
    assert view.due_on == date(2024, 4, 3)
    refused(
        db,
        stage_id,
        lambda s: close_clock(s, stage_id, date(2024, 4, 5), "bob"),
        "already closed on 4 Apr 2024",
    )
    with db.session() as session:
        lines = explain_stage_due_date(session, stage_id, date(2024, 4, 10))
    assert lines[-1] == "Closed on 4 Apr 2024: 1 working day late."


def test_close_while_suspended_ends_the_suspension(db: Database) -> None:
    stage_id = started(db)
    db.write(lambda s: suspend_clock(s, stage_id, date(2024, 3, 11), AWAITING, None, "bob"))
    refused(
        db,
        stage_id,
        lambda s: close_clock(s, stage_id, date(2024, 3, 8), "bob"),
        "before its clock was suspended on 11 Mar 2024",
    )
    view = db.write(lambda s: close_clock(s, stage_id, date(2024, 3, 13), "bob"))
    assert view.status == StageStatus.CLOSED
    assert view.suspensions[0].ends_on == date(2024, 3, 13)
    assert view.suspended_days == 2
    assert view.due_on == date(2024, 4, 5)
    assert changes(db, stage_id)[-1] == ("due", "close", date(2024, 4, 3), date(2024, 4, 5))


def test_clock_status(db: Database) -> None:
    stage_id = started(db)
    with db.session() as session:
        status = stage_clock_status(session, stage_id, date(2024, 3, 28))
        assert status.due == date(2024, 4, 3)
        assert status.working_days_left == 2
        assert status.due_soon
        assert not status.overdue
        assert status.past_75
        assert status.point_75 == date(2024, 3, 25)  # the 15th working day
        late = stage_clock_status(session, stage_id, date(2024, 4, 5))
        assert late.overdue
        assert late.working_days_left == -2
    not_started = make_stage(db)
    with db.session() as session:
        with pytest.raises(ValidationError, match="has not started"):
            stage_clock_status(session, not_started, START)
        assert explain_stage_due_date(session, not_started, START) == [
            "The clock of this stage has not started, so it has no due date yet."
        ]
