"""Stage clocks: due dates with suspensions and extensions, explanations, clock status.

Expected dates were counted by hand (see the notes in test_calendar.py for the holidays).
Main worked example: a clock starting Mon 4 Mar 2024 with 20 working days runs
5-8 Mar (4), 11-15 (9), 18-22 (14), 25-28 (18), skips Good Friday 29 Mar, the weekend
and Easter Monday 1 Apr, then 2 Apr (19), 3 Apr (20): due Wed 3 Apr 2024.
Continuing: 4 Apr (21), 5 Apr (22), 8-12 Apr (23-27), 15-19 Apr (28-32), 22-26 Apr (33-37).
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm_desktop.domain.calendar import CalendarError, england_and_wales_calendar
from crm_desktop.domain.deadlines import (
    ClockStatus,
    DeadlineError,
    Extension,
    Suspension,
    check_extension,
    clock_status,
    compute_due_date,
    explain_due_date,
    responded_in_time,
    suspended_working_days,
)

CAL = england_and_wales_calendar()
START = date(2024, 3, 4)
AWAITING = Suspension(date(2024, 3, 11), date(2024, 3, 15), "awaiting information")  # +4
MORE = Extension(10, "further enquiries needed")

# ----------------------------------------------------------------------------- due dates


@pytest.mark.parametrize(
    ("start", "days", "suspensions", "extensions", "as_of", "expected"),
    [
        (START, 20, (), (), None, date(2024, 4, 3)),
        (START, 0, (), (), None, START),
        (START, 20, (), (MORE,), None, date(2024, 4, 17)),  # 30
        (START, 20, (AWAITING,), (), None, date(2024, 4, 9)),  # 24
        (START, 20, (AWAITING,), (MORE,), None, date(2024, 4, 23)),  # 34
        (START, 20, (), (MORE, Extension(5, "advocate")), None, date(2024, 4, 24)),  # 35
        # Open suspension since Mon 11 Mar, read on Wed 13 Mar: 12 and 13 Mar, +2 -> 22.
        (START, 20, (Suspension(date(2024, 3, 11), None, "court"),), (), date(2024, 3, 13),
         date(2024, 4, 5)),
        # An open suspension read before it starts adds nothing yet.
        (START, 20, (Suspension(date(2024, 3, 11), None, "court"),), (), date(2024, 3, 8),
         date(2024, 4, 3)),
        # A closed suspension ignores as_of.
        (START, 20, (AWAITING,), (), date(2024, 3, 5), date(2024, 4, 9)),
        # Suspended Thu 28 Mar, resumed Tue 2 Apr over Easter: only 2 Apr counts, +1 -> 21.
        (START, 20, (Suspension(date(2024, 3, 28), date(2024, 4, 2), "advocate"),), (), None,
         date(2024, 4, 4)),
        # Suspended and resumed the same day, or over a weekend: nothing added.
        (START, 20, (Suspension(date(2024, 3, 12), date(2024, 3, 12), "phone call"),), (), None,
         date(2024, 4, 3)),
        (START, 20, (Suspension(date(2024, 3, 9), date(2024, 3, 10), "weekend"),), (), None,
         date(2024, 4, 3)),
        # Two suspensions add up: 4 + 2 (Tue 19, Wed 20 Mar) -> 26.
        (START, 20, (AWAITING, Suspension(date(2024, 3, 18), date(2024, 3, 20), "info")), (),
         None, date(2024, 4, 11)),
        # Children's Stage 1 over Christmas 2022, then extended to 20.
        (date(2022, 12, 19), 10, (), (), None, date(2023, 1, 5)),
        (date(2022, 12, 19), 10, (), (Extension(10, "complex"),), None, date(2023, 1, 19)),
        # Corporate Stage 1 over May Day and the Coronation 2023.
        (date(2023, 4, 24), 20, (), (), None, date(2023, 5, 24)),
        # Stage 2 over the State Funeral, 19 Sep 2022.
        (date(2022, 9, 1), 25, (), (), None, date(2022, 10, 7)),
        # Over the Jubilee, 2 and 3 Jun 2022.
        (date(2022, 5, 27), 10, (), (), None, date(2022, 6, 14)),
    ],
)  # fmt: skip
def test_compute_due_date(
    start: date,
    days: int,
    suspensions: tuple[Suspension, ...],
    extensions: tuple[Extension, ...],
    as_of: date | None,
    expected: date,
) -> None:
    assert compute_due_date(CAL, start, days, suspensions, extensions, as_of) == expected


def test_suspension_working_days() -> None:
    assert AWAITING.working_days(CAL) == 4
    open_one = Suspension(date(2024, 3, 28), None, "court")
    assert open_one.working_days(CAL, date(2024, 4, 5)) == 4  # 2, 3, 4, 5 Apr
    assert suspended_working_days(CAL, [AWAITING, open_one], date(2024, 4, 5)) == 8
    assert suspended_working_days(CAL, []) == 0


# ----------------------------------------------------------------------------- responses


@pytest.mark.parametrize(
    ("start", "days", "responded_on", "suspended", "in_time"),
    [
        (date(2022, 12, 19), 10, date(2023, 1, 5), 0, True),  # on the due day
        (date(2022, 12, 19), 10, date(2023, 1, 6), 0, False),  # the day after
        (date(2022, 12, 19), 10, date(2022, 12, 20), 0, True),
        (date(2022, 12, 19), 10, date(2023, 1, 6), 1, True),  # due moves to Fri 6 Jan
        (date(2022, 12, 19), 10, date(2023, 1, 7), 1, False),  # Saturday after
        (date(2022, 12, 19), 10, date(2023, 1, 9), 1, False),
        (date(2023, 4, 24), 20, date(2023, 5, 24), 0, True),
        (date(2023, 4, 24), 20, date(2023, 5, 25), 0, False),
        (START, 20, date(2024, 4, 3), 0, True),
        (START, 20, date(2024, 4, 4), 0, False),
        (START, 20, date(2024, 4, 4), 1, True),
    ],
)
def test_responded_in_time(
    start: date, days: int, responded_on: date, suspended: int, in_time: bool
) -> None:
    assert responded_in_time(CAL, start, days, responded_on, suspended) is in_time


# ----------------------------------------------------------------------------- extensions


def test_extension_within_the_limit_is_allowed() -> None:
    check_extension(10, 0, 10, 20)  # exactly at the limit
    check_extension(25, 20, 20, 65, label="children's Stage 2")
    check_extension(10, 0, 1, 20)


def test_extension_past_the_limit_is_refused_with_the_stage_named() -> None:
    with pytest.raises(DeadlineError) as info:
        check_extension(10, 5, 15, 20, label="children's Stage 1")
    assert str(info.value) == (
        "An extension of 15 working days would take this stage to 30 working days; "
        "the limit for children's Stage 1 is 20."
    )
    with pytest.raises(DeadlineError) as info:
        check_extension(10, 10, 1, 20)
    assert str(info.value) == (
        "An extension of 1 working day would take this stage to 21 working days; "
        "the limit for this stage is 20."
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((10, 0, 0, 20), r"at least 1 working day \(got 0\)"),
        ((10, 0, -5, 20), r"at least 1 working day \(got -5\)"),
        ((10, -1, 5, 20), r"already added .* \(got -1\)"),
        ((-10, 0, 5, 20), r"timescale must be 0 working days or more \(got -10\)"),
    ],
)
def test_check_extension_refuses_nonsense(args: tuple[int, int, int, int], message: str) -> None:
    with pytest.raises(DeadlineError, match=message):
        check_extension(*args)


# ----------------------------------------------------------------------------- refusals


def test_deadline_error_is_a_value_error() -> None:
    assert issubclass(DeadlineError, ValueError)


def test_suspension_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(DeadlineError) as info:
        Suspension(date(2024, 3, 5), date(2024, 3, 3), "awaiting information")
    assert str(info.value) == (
        "A suspension cannot end before it starts: 'awaiting information' ends on "
        "3 Mar 2024 but starts on 5 Mar 2024."
    )


def test_open_suspension_needs_a_date_to_count_to() -> None:
    open_one = Suspension(date(2024, 3, 11), None, "awaiting information")
    with pytest.raises(DeadlineError, match=r"still suspended \(since 11 Mar 2024"):
        compute_due_date(CAL, START, 20, [open_one])
    with pytest.raises(DeadlineError, match="still suspended"):
        explain_due_date(CAL, START, 20, [open_one])


def test_reasons_are_required() -> None:
    with pytest.raises(DeadlineError, match="suspension from 11 Mar 2024 needs a reason"):
        Suspension(date(2024, 3, 11), None, "  ")
    with pytest.raises(DeadlineError, match="extension of 5 working days needs a reason"):
        Extension(5, "")


def test_empty_extension_is_refused() -> None:
    with pytest.raises(DeadlineError, match=r"at least 1 working day \(got 0\)"):
        Extension(0, "nothing")
    with pytest.raises(DeadlineError, match=r"at least 1 working day \(got -3\)"):
        Extension(-3, "backwards")


def test_negative_timescale_is_refused() -> None:
    with pytest.raises(DeadlineError, match=r"\(got -1\)"):
        compute_due_date(CAL, START, -1)
    with pytest.raises(DeadlineError, match=r"\(got -1\)"):
        responded_in_time(CAL, START, -1, START)
    with pytest.raises(DeadlineError, match=r"Suspended working days .* \(got -2\)"):
        responded_in_time(CAL, START, 10, START, suspended_days=-2)


def test_dates_outside_the_calendar_are_refused() -> None:
    with pytest.raises(CalendarError, match=r"^14 Mar 2051 is outside"):
        compute_due_date(CAL, date(2051, 3, 14), 10)
    with pytest.raises(CalendarError, match="falls after 31 Dec 2045"):
        compute_due_date(CAL, date(2045, 12, 1), 25)
    with pytest.raises(CalendarError, match=r"^1 Jan 2051 is outside"):
        compute_due_date(CAL, START, 20, [Suspension(START, date(2051, 1, 1), "court")])
    with pytest.raises(CalendarError, match=r"^1 Jan 2051 is outside"):
        clock_status(CAL, START, date(2024, 4, 3), date(2051, 1, 1))


def test_frozen_records() -> None:
    with pytest.raises(AttributeError):
        MORE.working_days = 99  # type: ignore[misc]


# ----------------------------------------------------------------------------- explanation


def test_explain_plain_due_date_over_easter() -> None:
    assert explain_due_date(CAL, START, 20) == [
        "The clock started on 4 Mar 2024; that day is day 0 and counting begins the day after.",
        "Timescale: 20 working days.",
        "Working days counted: 20.",
        "Weekend days skipped: 8.",
        "Skipped Good Friday, 29 Mar 2024.",
        "Skipped Easter Monday, 1 Apr 2024.",
        "Due date: 3 Apr 2024.",
    ]


def test_explain_with_extensions_and_suspensions() -> None:
    court = Suspension(date(2024, 4, 8), None, "court proceedings")
    lines = explain_due_date(CAL, START, 20, [AWAITING, court], [MORE], as_of=date(2024, 4, 10))
    assert lines == [
        "The clock started on 4 Mar 2024; that day is day 0 and counting begins the day after.",
        "Timescale: 20 working days.",
        "Extension: 10 working days added (further enquiries needed).",
        "Suspended on 11 Mar 2024, resumed on 15 Mar 2024 (awaiting information): "
        "4 working days added.",
        "Suspended on 8 Apr 2024 and still suspended on 10 Apr 2024 (court proceedings): "
        "2 working days added so far.",
        "Working days counted: 36 (20 timescale + 10 extension + 6 suspended).",
        "Weekend days skipped: 14.",
        "Skipped Good Friday, 29 Mar 2024.",
        "Skipped Easter Monday, 1 Apr 2024.",
        "Due date: 25 Apr 2024.",
    ]


def test_explain_over_christmas_names_each_holiday() -> None:
    lines = explain_due_date(CAL, date(2022, 12, 19), 10)
    assert lines[-5:] == [
        "Weekend days skipped: 4.",  # 24, 25, 31 Dec, 1 Jan
        "Skipped Boxing Day, 26 Dec 2022.",
        "Skipped Christmas Day (observed), 27 Dec 2022.",
        "Skipped New Year's Day (observed), 2 Jan 2023.",
        "Due date: 5 Jan 2023.",
    ]


def test_explain_an_ordinary_week() -> None:
    lines = explain_due_date(CAL, date(2024, 1, 8), 5, [], [Extension(1, "agreed")])
    assert lines[-4:] == [
        "Working days counted: 6 (5 timescale + 1 extension).",
        "Weekend days skipped: 2.",
        "No bank holidays or closure days fell in this period.",
        "Due date: 16 Jan 2024.",
    ]
    assert "Extension: 1 working day added (agreed)." in lines


# ----------------------------------------------------------------------------- clock status


@pytest.mark.parametrize(
    ("as_of", "elapsed", "left", "share", "due_soon", "overdue", "past_75"),
    [
        (date(2024, 3, 1), 0, 21, 0.0, False, False, False),  # before the start
        (date(2024, 3, 4), 0, 20, 0.0, False, False, False),
        (date(2024, 3, 22), 14, 6, 0.7, False, False, False),
        (date(2024, 3, 25), 15, 5, 0.75, False, False, True),  # the 75% point
        (date(2024, 3, 26), 16, 4, 0.8, False, False, True),
        (date(2024, 3, 27), 17, 3, 0.85, True, False, True),
        (date(2024, 3, 29), 18, 2, 0.9, True, False, True),  # Good Friday
        (date(2024, 4, 3), 20, 0, 1.0, True, False, True),  # the due day
        (date(2024, 4, 4), 21, -1, 1.05, False, True, True),
        (date(2024, 4, 6), 22, -2, 1.1, False, True, True),  # a Saturday
    ],
)
def test_clock_status(
    as_of: date,
    elapsed: int,
    left: int,
    share: float,
    due_soon: bool,
    overdue: bool,
    past_75: bool,
) -> None:
    status = clock_status(CAL, START, date(2024, 4, 3), as_of)
    assert status == ClockStatus(
        start=START,
        due=date(2024, 4, 3),
        as_of=as_of,
        total_working_days=20,
        working_days_elapsed=elapsed,
        working_days_left=left,
        share_used=pytest.approx(share),  # type: ignore[arg-type]
        due_soon=due_soon,
        overdue=overdue,
        past_75=past_75,
        point_75=date(2024, 3, 25),
    )


def test_due_soon_window_is_configurable() -> None:
    due = date(2024, 4, 3)
    assert not clock_status(CAL, START, due, date(2024, 3, 26)).due_soon  # 4 left
    assert clock_status(CAL, START, due, date(2024, 3, 26), due_soon_days=4).due_soon
    assert clock_status(CAL, START, due, date(2024, 4, 3), due_soon_days=0).due_soon


def test_weekend_after_a_friday_due_date_is_overdue_not_due_soon() -> None:
    status = clock_status(CAL, date(2024, 1, 8), date(2024, 1, 12), date(2024, 1, 13))
    assert status.overdue
    assert status.working_days_left == 0
    assert not status.due_soon


def test_point_75_rounds_up() -> None:
    # 10 working days from Mon 19 Dec 2022 to Thu 5 Jan 2023: 75% is 7.5, so the 8th working
    # day: 20-23 Dec (1-4), 28-30 Dec (5-7), Tue 3 Jan (8).
    due = date(2023, 1, 5)
    status = clock_status(CAL, date(2022, 12, 19), due, date(2022, 12, 30))
    assert status.point_75 == date(2023, 1, 3)
    assert status.working_days_elapsed == 7
    assert not status.past_75
    assert clock_status(CAL, date(2022, 12, 19), due, date(2023, 1, 3)).past_75


def test_zero_day_clock() -> None:
    before = clock_status(CAL, START, START, date(2024, 3, 1))
    on = clock_status(CAL, START, START, START)
    assert (before.share_used, before.past_75, before.overdue) == (0.0, False, False)
    assert (on.share_used, on.past_75, on.overdue, on.due_soon) == (1.0, True, False, True)
    assert on.point_75 == START


def test_clock_status_refusals() -> None:
    with pytest.raises(DeadlineError, match="due date 1 Mar 2024 is before the start 4 Mar 2024"):
        clock_status(CAL, START, date(2024, 3, 1), START)
    with pytest.raises(DeadlineError, match=r"\(got -1\)"):
        clock_status(CAL, START, date(2024, 4, 3), START, due_soon_days=-1)


# ----------------------------------------------------------------------------- properties

starts = st.dates(min_value=date(2000, 3, 1), max_value=date(2043, 12, 31))
timescales = st.integers(min_value=0, max_value=70)


@given(
    start=starts,
    days=timescales,
    offset=st.integers(min_value=-30, max_value=120),
    length=st.integers(min_value=0, max_value=90),
)
def test_a_suspension_never_brings_a_due_date_earlier(
    start: date, days: int, offset: int, length: int
) -> None:
    sus_start = start + timedelta(days=offset)
    suspension = Suspension(sus_start, sus_start + timedelta(days=length), "awaiting information")
    without = compute_due_date(CAL, start, days)
    with_it = compute_due_date(CAL, start, days, [suspension])
    assert with_it >= without
    assert CAL.working_days_between(without, with_it) == suspension.working_days(CAL)


@given(start=starts, days=timescales, as_of_offset=st.integers(min_value=-10, max_value=60))
def test_an_open_suspension_never_brings_a_due_date_earlier(
    start: date, days: int, as_of_offset: int
) -> None:
    open_one = Suspension(start + timedelta(days=3), None, "court")
    as_of = start + timedelta(days=as_of_offset)
    assert compute_due_date(CAL, start, days, [open_one], as_of=as_of) >= compute_due_date(
        CAL, start, days
    )


@given(
    start=starts,
    days=timescales,
    extra=st.lists(st.integers(min_value=1, max_value=40), max_size=3),
)
def test_due_dates_are_monotonic_and_count_back(start: date, days: int, extra: list[int]) -> None:
    extensions = [Extension(e, "agreed") for e in extra]
    due = compute_due_date(CAL, start, days, extensions=extensions)
    assert compute_due_date(CAL, start, days + 1, extensions=extensions) > due
    assert CAL.working_days_between(start, due) == days + sum(extra)


@given(start=starts, days=st.integers(min_value=1, max_value=70))
def test_on_the_due_day_is_in_time_and_the_next_working_day_is_late(start: date, days: int) -> None:
    due = compute_due_date(CAL, start, days)
    assert responded_in_time(CAL, start, days, due)
    assert not responded_in_time(CAL, start, days, due + timedelta(days=1))
    assert not responded_in_time(CAL, start, days, CAL.add_working_days(due, 1))


@given(
    start=starts,
    days=st.integers(min_value=1, max_value=70),
    as_of_offset=st.integers(min_value=0, max_value=150),
)
def test_clock_status_properties(start: date, days: int, as_of_offset: int) -> None:
    due = compute_due_date(CAL, start, days)
    as_of = start + timedelta(days=as_of_offset)
    status = clock_status(CAL, start, due, as_of)
    assert status.total_working_days == days
    assert status.past_75 is (as_of >= status.point_75)
    assert status.past_75 is (status.share_used >= 0.75)
    assert status.overdue is (as_of > due)
    assert start < status.point_75 <= due
    if not status.overdue:
        assert status.working_days_elapsed + status.working_days_left == days
    else:
        assert status.working_days_left <= 0
        assert status.working_days_elapsed - days == -status.working_days_left


# -- working days taken (reports) ----------------------------------------------------


@pytest.mark.parametrize(
    ("start", "responded", "taken"),
    [
        (date(2022, 12, 20), date(2023, 1, 20), 20),  # the 20th working day: in time
        (date(2022, 12, 20), date(2023, 1, 23), 21),  # the next working day
        (date(2022, 7, 1), date(2022, 7, 29), 20),  # Fri to Fri, four weeks
        (date(2022, 7, 1), date(2022, 7, 30), 21),  # a Saturday response counts to Monday
        (date(2022, 7, 1), date(2022, 7, 1), 0),  # the same day
        (date(2022, 7, 2), date(2022, 7, 3), 1),  # Saturday start, Sunday response
        (date(2022, 4, 1), date(2022, 5, 11), 25),  # across Easter and May Day 2022
    ],
)
def test_working_days_taken(start: date, responded: date, taken: int) -> None:
    from crm_desktop.domain.deadlines import working_days_taken, working_days_taken_array

    cal = england_and_wales_calendar()
    assert working_days_taken(cal, start, responded) == taken
    assert working_days_taken_array(
        cal, np.array([start], dtype="datetime64[D]"), np.array([responded], dtype="datetime64[D]")
    ).tolist() == [taken]


@given(
    start=st.dates(date(2010, 1, 1), date(2040, 1, 1)),
    n=st.integers(0, 80),
    extra=st.integers(0, 6),
)
def test_taken_agrees_with_responded_in_time(start: date, n: int, extra: int) -> None:
    from crm_desktop.domain.deadlines import working_days_taken

    cal = england_and_wales_calendar()
    responded = cal.add_working_days(start, n) + timedelta(days=extra)
    taken = working_days_taken(cal, start, responded)
    assert responded_in_time(cal, start, taken, responded)
    if taken:
        assert not responded_in_time(cal, start, taken - 1, responded)
