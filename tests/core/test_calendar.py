"""Working days in England and Wales: known dates worked out by hand, refusals, properties.

Every expected date in the tables below was counted by hand on a paper calendar, not
taken from the implementation. Reminders used:

    Christmas 2020: Fri 25 Christmas, Sat 26 Boxing Day, Mon 28 Boxing Day (observed)
    Christmas 2021: Sat 25, Sun 26, Mon 27 Christmas (observed), Tue 28 Boxing (observed);
                    Sat 1 Jan 2022, Mon 3 Jan 2022 New Year (observed)
    Christmas 2022: Sun 25, Mon 26 Boxing Day, Tue 27 Christmas (observed);
                    Sun 1 Jan 2023, Mon 2 Jan 2023 New Year (observed)
    Easter 2023: Good Friday 7 Apr, Easter Monday 10 Apr
    Easter 2024: Good Friday 29 Mar, Easter Monday 1 Apr
    2022: Thu 2 Jun Spring bank holiday, Fri 3 Jun Platinum Jubilee, Mon 19 Sep State Funeral
    2023: Mon 1 May May Day, Mon 8 May Coronation, Mon 29 May Spring bank holiday
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import holidays
import numpy as np
import pytest
from dateutil.easter import easter
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_desktop.domain.calendar import (
    CalendarError,
    WorkingCalendar,
    add_calendar_months,
    england_and_wales_calendar,
)
from crm_desktop.domain.formatting import counted, format_date, working_days_text

CAL = england_and_wales_calendar()

# ----------------------------------------------------------------------------- oracle
# An independent, slow definition of a working day, used only by the property tests to
# check the fast tables: the holidays package, the weekday, and Christmas Day and Good
# Friday (dateutil's Easter) added by hand.
_BANK_HOLIDAYS = holidays.country_holidays("GB", subdiv="ENG", years=range(2000, 2046))


def _oracle_is_working(d: date) -> bool:
    if d.weekday() >= 5 or d in _BANK_HOLIDAYS:
        return False
    return not (d == date(d.year, 12, 25) or d == easter(d.year) - timedelta(days=2))


def _oracle_count(a: date, b: date) -> int:
    return sum(_oracle_is_working(a + timedelta(days=i)) for i in range(1, (b - a).days + 1))


# ----------------------------------------------------------------------------- formatting


@pytest.mark.parametrize(
    ("d", "text"),
    [
        (date(2024, 3, 14), "14 Mar 2024"),
        (date(2023, 1, 3), "3 Jan 2023"),
        (date(2022, 12, 25), "25 Dec 2022"),
        (date(2051, 9, 1), "1 Sep 2051"),
    ],
)
def test_format_date(d: date, text: str) -> None:
    assert format_date(d) == text


def test_counted_agrees_with_its_number() -> None:
    assert counted(1, "case") == "1 case"
    assert counted(0, "case") == "0 cases"
    assert counted(1250, "person", "people") == "1,250 people"


def test_working_days_text_singular_and_plural() -> None:
    assert working_days_text(1) == "1 working day"
    assert working_days_text(0) == "0 working days"
    assert working_days_text(25) == "25 working days"


# ----------------------------------------------------------------------------- is a working day

WORKING_DAY_TABLE = [
    # Christmas and New Year 2022/23 with substitute days
    (date(2022, 12, 23), True),  # Friday
    (date(2022, 12, 24), False),  # Saturday
    (date(2022, 12, 25), False),  # Christmas Day, a Sunday
    (date(2022, 12, 26), False),  # Boxing Day
    (date(2022, 12, 27), False),  # Christmas Day (observed)
    (date(2022, 12, 28), True),
    (date(2023, 1, 2), False),  # New Year's Day (observed)
    (date(2023, 1, 3), True),
    # Christmas 2021: both substitute days
    (date(2021, 12, 27), False),
    (date(2021, 12, 28), False),
    (date(2021, 12, 29), True),
    (date(2022, 1, 3), False),
    # Christmas 2020: Boxing Day on a Saturday, observed Monday 28th
    (date(2020, 12, 25), False),
    (date(2020, 12, 28), False),
    (date(2020, 12, 29), True),
    # Easter
    (date(2023, 4, 6), True),
    (date(2023, 4, 7), False),
    (date(2023, 4, 10), False),
    (date(2023, 4, 11), True),
    (date(2024, 3, 28), True),
    (date(2024, 3, 29), False),
    (date(2024, 4, 1), False),
    (date(2024, 4, 2), True),
    # One-off bank holidays
    (date(2022, 6, 1), True),
    (date(2022, 6, 2), False),
    (date(2022, 6, 3), False),
    (date(2022, 9, 16), True),
    (date(2022, 9, 19), False),
    (date(2022, 9, 20), True),
    (date(2023, 5, 8), False),
    (date(2023, 5, 9), True),
    # Ordinary weeks, and both ends of the calendar
    (date(2024, 1, 6), False),  # Saturday
    (date(2024, 1, 7), False),  # Sunday
    (date(2024, 1, 8), True),  # Monday
    (date(2000, 1, 1), False),  # Saturday
    (date(2000, 1, 3), False),  # New Year's Day (observed)
    (date(2000, 1, 4), True),
    (date(2045, 12, 25), False),  # Monday, Christmas Day
    (date(2045, 12, 29), True),  # Friday
    (date(2045, 12, 31), False),  # Sunday
]


@pytest.mark.parametrize(("d", "working"), WORKING_DAY_TABLE)
def test_is_working_day(d: date, working: bool) -> None:
    assert CAL.is_working_day(d) is working


@pytest.mark.parametrize(
    ("d", "reason"),
    [
        (date(2024, 3, 29), "Good Friday"),
        (date(2024, 4, 1), "Easter Monday"),
        (date(2023, 5, 8), "Coronation of Charles III"),
        (date(2022, 6, 3), "Platinum Jubilee of Elizabeth II"),
        (date(2022, 9, 19), "State Funeral of Queen Elizabeth II"),
        (date(2022, 12, 26), "Boxing Day"),
        (date(2022, 12, 27), "Christmas Day (observed)"),
        (date(2023, 1, 2), "New Year's Day (observed)"),
        (date(2023, 12, 25), "Christmas Day"),
        (date(2024, 1, 6), "Saturday"),
        (date(2024, 1, 7), "Sunday"),
        (date(2022, 12, 25), "Sunday"),  # Christmas on a Sunday is a weekend day
        (date(2024, 1, 8), None),
        (date(2022, 12, 28), None),
    ],
)
def test_non_working_reason(d: date, reason: str | None) -> None:
    assert CAL.non_working_reason(d) == reason


# ----------------------------------------------------------------------------- adding

ADD_TABLE = [
    # start, n, expected
    (date(2022, 12, 23), 0, date(2022, 12, 23)),
    (date(2022, 12, 25), 0, date(2022, 12, 25)),  # day 0 is the start, working or not
    (date(2022, 12, 23), 1, date(2022, 12, 28)),
    (date(2022, 12, 23), 3, date(2022, 12, 30)),
    (date(2022, 12, 23), 4, date(2023, 1, 3)),
    (date(2022, 12, 23), 10, date(2023, 1, 11)),
    (date(2022, 12, 24), 1, date(2022, 12, 28)),  # from a Saturday
    (date(2022, 12, 26), 1, date(2022, 12, 28)),  # from a bank holiday
    (date(2021, 12, 24), 1, date(2021, 12, 29)),
    (date(2021, 12, 24), 4, date(2022, 1, 4)),
    (date(2020, 12, 24), 1, date(2020, 12, 29)),
    (date(2024, 3, 28), 1, date(2024, 4, 2)),
    (date(2023, 4, 6), 1, date(2023, 4, 11)),
    (date(2024, 3, 4), 20, date(2024, 4, 3)),
    (date(2022, 6, 1), 1, date(2022, 6, 6)),
    (date(2022, 5, 31), 2, date(2022, 6, 6)),
    (date(2022, 9, 16), 1, date(2022, 9, 20)),
    (date(2023, 5, 5), 1, date(2023, 5, 9)),
    (date(2023, 4, 28), 5, date(2023, 5, 9)),
    (date(2024, 1, 8), 5, date(2024, 1, 15)),  # an ordinary week
    (date(2024, 1, 5), 1, date(2024, 1, 8)),  # Friday to Monday
    (date(2045, 12, 28), 1, date(2045, 12, 29)),  # the last working day the calendar knows
    (date(2045, 12, 31), 0, date(2045, 12, 31)),
    (date(2000, 1, 1), 1, date(2000, 1, 4)),
]


@pytest.mark.parametrize(("start", "n", "expected"), ADD_TABLE)
def test_add_working_days(start: date, n: int, expected: date) -> None:
    assert CAL.add_working_days(start, n) == expected


@pytest.mark.parametrize(("start", "n", "expected"), ADD_TABLE)
def test_working_days_between_counts_back_the_table(start: date, n: int, expected: date) -> None:
    assert CAL.working_days_between(start, expected) == n


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (date(2024, 3, 4), date(2024, 3, 4), 0),
        (date(2024, 1, 6), date(2024, 1, 7), 0),  # a weekend
        (date(2022, 12, 23), date(2022, 12, 27), 0),  # Christmas 2022
        (date(2022, 12, 23), date(2023, 1, 3), 4),
        (date(2021, 12, 24), date(2022, 1, 4), 4),
        (date(2024, 3, 28), date(2024, 4, 2), 1),
        (date(2024, 3, 4), date(2024, 3, 28), 18),
        (date(2024, 3, 4), date(2024, 3, 31), 18),  # Easter weekend adds nothing
        (date(2022, 5, 30), date(2022, 6, 6), 3),  # Tue, Wed, Mon: jubilee week
        (date(2023, 4, 30), date(2023, 5, 31), 20),  # May 2023: 23 weekdays, 3 bank holidays
        (date(2022, 12, 31), date(2023, 12, 31), 251),  # 260 weekdays, 9 bank holidays
        (date(2023, 12, 31), date(2024, 12, 31), 254),  # 262 weekdays, 8 bank holidays
    ],
)
def test_working_days_between(a: date, b: date, expected: int) -> None:
    assert CAL.working_days_between(a, b) == expected


def test_response_on_the_due_day_is_in_time_and_the_next_day_is_not() -> None:
    # 10 working days from Mon 19 Dec 2022, over Christmas: due Thu 5 Jan 2023.
    due = CAL.add_working_days(date(2022, 12, 19), 10)
    assert due == date(2023, 1, 5)
    assert date(2023, 1, 5) <= due
    assert not date(2023, 1, 6) <= due


# ----------------------------------------------------------------------------- listings


def test_non_working_days_2022_lists_weekday_holidays_in_order() -> None:
    assert CAL.non_working_days(2022) == [
        (date(2022, 1, 3), "New Year's Day (observed)"),
        (date(2022, 4, 15), "Good Friday"),
        (date(2022, 4, 18), "Easter Monday"),
        (date(2022, 5, 2), "May Day"),
        (date(2022, 6, 2), "Spring Bank Holiday"),
        (date(2022, 6, 3), "Platinum Jubilee of Elizabeth II"),
        (date(2022, 8, 29), "Late Summer Bank Holiday"),
        (date(2022, 9, 19), "State Funeral of Queen Elizabeth II"),
        (date(2022, 12, 26), "Boxing Day"),
        (date(2022, 12, 27), "Christmas Day (observed)"),
    ]


def test_non_working_days_2023() -> None:
    assert [d for d, _ in CAL.non_working_days(2023)] == [
        date(2023, 1, 2),
        date(2023, 4, 7),
        date(2023, 4, 10),
        date(2023, 5, 1),
        date(2023, 5, 8),
        date(2023, 5, 29),
        date(2023, 8, 28),
        date(2023, 12, 25),
        date(2023, 12, 26),
    ]


def test_skipped_days_over_christmas_2022() -> None:
    assert CAL.skipped_days(date(2022, 12, 23), date(2023, 1, 3)) == [
        (date(2022, 12, 24), "Saturday"),
        (date(2022, 12, 25), "Sunday"),
        (date(2022, 12, 26), "Boxing Day"),
        (date(2022, 12, 27), "Christmas Day (observed)"),
        (date(2022, 12, 31), "Saturday"),
        (date(2023, 1, 1), "Sunday"),
        (date(2023, 1, 2), "New Year's Day (observed)"),
    ]


def test_skipped_days_excludes_the_start_and_includes_the_end() -> None:
    assert CAL.skipped_days(date(2024, 1, 6), date(2024, 1, 7)) == [(date(2024, 1, 7), "Sunday")]
    assert CAL.skipped_days(date(2024, 1, 5), date(2024, 1, 6)) == [(date(2024, 1, 6), "Saturday")]
    assert CAL.skipped_days(date(2024, 1, 8), date(2024, 1, 12)) == []


def test_first_and_last_day() -> None:
    assert CAL.first_day == date(2000, 1, 1)
    assert CAL.last_day == date(2045, 12, 31)
    small = WorkingCalendar(2023, 2024)
    assert (small.first_day, small.last_day) == (date(2023, 1, 1), date(2024, 12, 31))


# ----------------------------------------------------------------------------- closure days

CLOSED = WorkingCalendar(
    2023, 2025, {date(2024, 12, 27): "Staff training day", date(2024, 12, 28): "Saturday shut"}
)


def test_closure_day_is_not_a_working_day() -> None:
    assert CAL.is_working_day(date(2024, 12, 27))
    assert not CLOSED.is_working_day(date(2024, 12, 27))
    assert CLOSED.non_working_reason(date(2024, 12, 27)) == "Council closure: Staff training day"


def test_closure_day_moves_due_dates() -> None:
    # Tue 24 Dec 2024; Wed 25 and Thu 26 are bank holidays.
    assert CAL.add_working_days(date(2024, 12, 24), 1) == date(2024, 12, 27)
    assert CLOSED.add_working_days(date(2024, 12, 24), 1) == date(2024, 12, 30)
    assert CLOSED.working_days_between(date(2024, 12, 20), date(2024, 12, 31)) == 4
    assert CAL.working_days_between(date(2024, 12, 20), date(2024, 12, 31)) == 5


def test_closure_days_listed_with_holidays() -> None:
    days = CLOSED.non_working_days(2024)
    assert (date(2024, 12, 27), "Council closure: Staff training day") in days
    assert [d for d, _ in days][-3:] == [date(2024, 12, 25), date(2024, 12, 26), date(2024, 12, 27)]
    # A closure day set on a Saturday is still just a Saturday.
    assert date(2024, 12, 28) not in [d for d, _ in days]
    assert CLOSED.non_working_reason(date(2024, 12, 28)) == "Saturday"


def test_closure_day_on_a_bank_holiday_keeps_the_bank_holiday_name() -> None:
    cal = WorkingCalendar(2024, 2024, {date(2024, 12, 25): "Closed"})
    assert cal.non_working_reason(date(2024, 12, 25)) == "Christmas Day"
    assert cal.non_working_days(2024) == CAL.non_working_days(2024)


def test_england_and_wales_calendar_is_cached_per_closure_set() -> None:
    closures = ((date(2024, 12, 27), "Staff training day"),)
    assert england_and_wales_calendar() is CAL
    with_closure = england_and_wales_calendar(closures)
    assert with_closure is england_and_wales_calendar(closures)
    assert with_closure is not CAL
    assert not with_closure.is_working_day(date(2024, 12, 27))
    assert dict(with_closure.closure_days) == {date(2024, 12, 27): "Staff training day"}


def test_christmas_boxing_day_and_good_friday_even_if_the_package_leaves_them_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """SI 2006/1738 reg. 2: a working day is "a day which is not a Saturday, Sunday,
    Christmas Day, Boxing Day, Good Friday or a bank holiday"."""
    import holidays  # the calendar module loads it when it builds a calendar

    monkeypatch.setattr(holidays, "country_holidays", lambda *a, **k: {})
    cal = WorkingCalendar(2023, 2025)
    assert cal.non_working_reason(date(2023, 12, 25)) == "Christmas Day"  # a Monday
    assert cal.non_working_reason(date(2023, 12, 26)) == "Boxing Day"  # a Tuesday
    assert cal.non_working_reason(date(2024, 3, 29)) == "Good Friday"
    assert cal.non_working_reason(date(2025, 4, 18)) == "Good Friday"
    assert cal.non_working_reason(date(2024, 12, 25)) == "Christmas Day"  # a Wednesday
    # Only those three: Easter Monday came from the package.
    assert cal.is_working_day(date(2024, 4, 1))
    assert cal.non_working_days(2023) == [
        (date(2023, 4, 7), "Good Friday"),
        (date(2023, 12, 25), "Christmas Day"),
        (date(2023, 12, 26), "Boxing Day"),
    ]


# ----------------------------------------------------------------------------- calendar months


@pytest.mark.parametrize(
    ("d", "months", "expected"),
    [
        (date(2023, 8, 31), 6, date(2024, 2, 29)),  # leap year
        (date(2022, 8, 31), 6, date(2023, 2, 28)),
        (date(2024, 1, 15), 6, date(2024, 7, 15)),
        (date(2023, 10, 31), 6, date(2024, 4, 30)),
        (date(2023, 9, 30), 6, date(2024, 3, 30)),  # no clamp needed: stays the 30th
        (date(2023, 12, 31), 2, date(2024, 2, 29)),
        (date(2023, 7, 1), 6, date(2024, 1, 1)),  # across the year end
        (date(2024, 3, 31), -1, date(2024, 2, 29)),
        (date(2024, 5, 5), 0, date(2024, 5, 5)),
        (date(2099, 8, 31), 6, date(2100, 2, 28)),  # 2100 is not a leap year
        (date(2399, 8, 31), 6, date(2400, 2, 29)),  # 2400 is
    ],
)
def test_add_calendar_months(d: date, months: int, expected: date) -> None:
    assert add_calendar_months(d, months) == expected


def test_add_calendar_months_beyond_year_9999_is_refused() -> None:
    with pytest.raises(CalendarError, match="outside the years a date can hold"):
        add_calendar_months(date(9999, 12, 1), 1)


# ----------------------------------------------------------------------------- refusals


def test_negative_n_is_refused_with_a_plain_message() -> None:
    with pytest.raises(CalendarError) as info:
        CAL.add_working_days(date(2024, 3, 14), -3)
    assert str(info.value) == (
        "Cannot count back: the number of working days must be 0 or more (got -3)."
    )


def test_calendar_error_is_a_value_error() -> None:
    assert issubclass(CalendarError, ValueError)


def test_end_before_start_is_refused() -> None:
    with pytest.raises(CalendarError) as info:
        CAL.working_days_between(date(2024, 3, 14), date(2024, 3, 10))
    assert str(info.value) == (
        "Cannot count working days from 14 Mar 2024 to 10 Mar 2024: "
        "the end date is before the start date."
    )
    with pytest.raises(CalendarError, match="end date is before the start date"):
        CAL.skipped_days(date(2024, 3, 14), date(2024, 3, 13))


@pytest.mark.parametrize(
    "call",
    [
        lambda: CAL.is_working_day(date(2051, 3, 14)),
        lambda: CAL.non_working_reason(date(2051, 3, 14)),
        lambda: CAL.add_working_days(date(2051, 3, 14), 1),
        lambda: CAL.add_working_days(date(2051, 3, 14), 0),
        lambda: CAL.working_days_between(date(2024, 3, 14), date(2051, 3, 14)),
        lambda: CAL.working_days_between(date(2051, 3, 14), date(2051, 3, 20)),
        lambda: CAL.skipped_days(date(2024, 3, 14), date(2051, 3, 14)),
    ],
)
def test_date_after_the_known_years_is_refused(call: Callable[[], object]) -> None:
    with pytest.raises(CalendarError) as info:
        call()
    assert str(info.value) == "14 Mar 2051 is outside the years the calendar knows (2000 to 2045)."


def test_date_before_the_known_years_is_refused() -> None:
    with pytest.raises(CalendarError, match=r"^31 Dec 1999 is outside the years"):
        CAL.add_working_days(date(1999, 12, 31), 1)
    with pytest.raises(CalendarError, match=r"^31 Dec 1999 is outside"):
        CAL.working_days_between(date(1999, 12, 31), date(2000, 1, 5))


def test_answer_after_the_last_day_is_refused_not_guessed() -> None:
    # Fri 29 Dec 2045 is the last working day the calendar knows.
    assert CAL.add_working_days(date(2045, 12, 20), 5) == date(2045, 12, 29)
    with pytest.raises(CalendarError) as info:
        CAL.add_working_days(date(2045, 12, 29), 1)
    assert str(info.value) == (
        "Cannot count 1 working day after 29 Dec 2045: the answer falls after 31 Dec 2045, "
        "the last day the calendar knows (2000 to 2045)."
    )
    with pytest.raises(CalendarError, match="falls after 31 Dec 2045"):
        CAL.add_working_days(date(2045, 12, 20), 6)


def test_non_working_days_for_an_unknown_year_is_refused() -> None:
    with pytest.raises(CalendarError, match=r"^2051 is outside the years the calendar knows"):
        CAL.non_working_days(2051)
    with pytest.raises(CalendarError, match=r"^1999 is outside"):
        CAL.non_working_days(1999)


def test_bad_calendar_construction_is_refused() -> None:
    with pytest.raises(CalendarError, match=r"first year \(2046\) is after its last year"):
        WorkingCalendar(2046, 2045)
    with pytest.raises(CalendarError, match="between 1 and 9999"):
        WorkingCalendar(0, 2045)
    with pytest.raises(CalendarError, match=r"'Staff day' on 2 Jan 2030 is outside the years"):
        WorkingCalendar(2023, 2025, {date(2030, 1, 2): "Staff day"})


def test_a_small_calendar_knows_only_its_own_years() -> None:
    cal = WorkingCalendar(2023, 2023)
    assert cal.add_working_days(date(2023, 12, 28), 1) == date(2023, 12, 29)
    with pytest.raises(CalendarError, match=r"\(2023 to 2023\)"):
        cal.add_working_days(date(2023, 12, 29), 1)
    with pytest.raises(CalendarError, match=r"^1 Jan 2024 is outside"):
        cal.is_working_day(date(2024, 1, 1))


# ----------------------------------------------------------------------------- vectorised


def _dates(*ds: date) -> np.ndarray:
    return np.array(ds, dtype="datetime64[D]")


def test_add_working_days_array_matches_the_table() -> None:
    starts = _dates(*(s for s, _, _ in ADD_TABLE))
    counts = np.array([n for _, n, _ in ADD_TABLE])
    result = CAL.add_working_days_array(starts, counts)
    assert result.dtype == np.dtype("datetime64[D]")
    assert result.tolist() == [e for _, _, e in ADD_TABLE]


def test_add_working_days_array_with_one_count_for_all() -> None:
    starts = _dates(date(2022, 12, 23), date(2024, 3, 28), date(2023, 5, 5))
    assert CAL.add_working_days_array(starts, 1).tolist() == [
        date(2022, 12, 28),
        date(2024, 4, 2),
        date(2023, 5, 9),
    ]
    assert CAL.add_working_days_array(starts, 0).tolist() == starts.tolist()


def test_add_working_days_array_accepts_other_units_and_date_lists() -> None:
    starts_ns = np.array(["2022-12-23T15:30"], dtype="datetime64[ns]")
    assert CAL.add_working_days_array(starts_ns, 4).tolist() == [date(2023, 1, 3)]
    assert CAL.add_working_days_array([date(2024, 3, 28)], 1).tolist() == [date(2024, 4, 2)]


def test_add_working_days_array_keeps_the_shape() -> None:
    starts = _dates(date(2024, 1, 5), date(2024, 1, 8), date(2024, 1, 9), date(2024, 1, 10))
    result = CAL.add_working_days_array(starts.reshape(2, 2), np.array([[1], [5]]))
    assert result.shape == (2, 2)
    assert result.tolist() == [
        [date(2024, 1, 8), date(2024, 1, 9)],
        [date(2024, 1, 16), date(2024, 1, 17)],
    ]


def test_working_days_between_array() -> None:
    a = _dates(date(2022, 12, 23), date(2024, 3, 4), date(2024, 1, 6))
    b = _dates(date(2023, 1, 3), date(2024, 4, 3), date(2024, 1, 7))
    result = CAL.working_days_between_array(a, b)
    assert result.dtype == np.int64
    assert result.tolist() == [4, 20, 0]


def test_vectorised_refusals() -> None:
    good = _dates(date(2024, 3, 4), date(2024, 3, 5))
    with pytest.raises(CalendarError, match=r"^Cannot count back.*\(got -2\)"):
        CAL.add_working_days_array(good, np.array([3, -2]))
    with pytest.raises(CalendarError, match="whole numbers"):
        CAL.add_working_days_array(good, np.array([1.5, 2.0]))
    with pytest.raises(CalendarError) as info:
        CAL.add_working_days_array(_dates(date(2024, 3, 4), date(2051, 3, 14), date(1990, 1, 1)), 1)
    assert str(info.value) == (
        "14 Mar 2051 is outside the years the calendar knows (2000 to 2045). "
        "1 other date cannot be counted either."
    )
    with pytest.raises(CalendarError, match="missing date"):
        CAL.add_working_days_array(np.array(["2024-03-04", "NaT"], dtype="datetime64[D]"), 1)
    with pytest.raises(CalendarError, match=r"^Cannot count 1 working day after 29 Dec 2045"):
        CAL.add_working_days_array(_dates(date(2045, 12, 1), date(2045, 12, 29)), 1)
    with pytest.raises(CalendarError, match=r"^Cannot count working days from 5 Mar 2024 to 4 Mar"):
        CAL.working_days_between_array(good, good[::-1])
    with pytest.raises(CalendarError, match="array of dates"):
        CAL.add_working_days_array(np.array([1, 2]), 1)


# ----------------------------------------------------------------------------- properties

in_range = st.dates(min_value=date(2000, 1, 1), max_value=date(2044, 6, 30))
counts = st.integers(min_value=0, max_value=300)


@given(d=in_range, n=counts)
def test_add_then_count_round_trips(d: date, n: int) -> None:
    assert CAL.working_days_between(d, CAL.add_working_days(d, n)) == n


@given(d=in_range, n=counts)
def test_due_dates_are_monotonic_in_n(d: date, n: int) -> None:
    assert CAL.add_working_days(d, n + 1) > CAL.add_working_days(d, n)


@given(d=in_range, n=st.integers(min_value=1, max_value=300))
def test_the_answer_is_a_working_day_with_n_working_days_up_to_it(d: date, n: int) -> None:
    answer = CAL.add_working_days(d, n)
    assert _oracle_is_working(answer)
    assert _oracle_count(d, answer) == n


@given(d=st.dates(min_value=date(2000, 1, 1), max_value=date(2045, 12, 31)))
def test_is_working_day_agrees_with_the_slow_definition(d: date) -> None:
    assert CAL.is_working_day(d) is _oracle_is_working(d)
    assert (CAL.non_working_reason(d) is None) is _oracle_is_working(d)


@given(a=in_range, days=st.integers(min_value=0, max_value=120))
def test_count_agrees_with_the_slow_definition(a: date, days: int) -> None:
    b = a + timedelta(days=days)
    assert CAL.working_days_between(a, b) == _oracle_count(a, b)
    skipped = CAL.skipped_days(a, b)
    assert len(skipped) == days - _oracle_count(a, b)
    assert all(not _oracle_is_working(s) for s, _ in skipped)


@settings(max_examples=50)
@given(
    pairs=st.lists(st.tuples(in_range, counts), min_size=1, max_size=50),
)
def test_vectorised_equals_scalar(pairs: list[tuple[date, int]]) -> None:
    starts = _dates(*(d for d, _ in pairs))
    ns = np.array([n for _, n in pairs], dtype=np.int64)
    added = CAL.add_working_days_array(starts, ns)
    assert added.tolist() == [CAL.add_working_days(d, n) for d, n in pairs]
    ends = _dates(*(d + timedelta(days=n) for d, n in pairs))
    assert CAL.working_days_between_array(starts, ends).tolist() == [
        CAL.working_days_between(d, d + timedelta(days=n)) for d, n in pairs
    ]


@given(d=in_range, months=st.integers(min_value=-120, max_value=120))
def test_calendar_months_stay_in_the_target_month(d: date, months: int) -> None:
    result = add_calendar_months(d, months)
    assert (result.year * 12 + result.month) - (d.year * 12 + d.month) == months
    assert result.day == d.day or (result.day < d.day and (result + timedelta(days=1)).day == 1)
