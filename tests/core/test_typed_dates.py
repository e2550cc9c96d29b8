"""Dates as officers type them into the desktop's date fields (``typed_date``)."""

from __future__ import annotations

import datetime as dt

import pytest

from crm_desktop.domain.formatting import format_date, typed_date

MARCH_14 = dt.date(2024, 3, 14)


@pytest.mark.parametrize(
    "text",
    [
        "14/03/2024",
        "14/3/2024",
        "14-03-2024",
        "14.03.2024",
        "14 3 2024",
        "14/03/24",
        "14 Mar 2024",
        "14 mar 2024",
        "14-Mar-2024",
        "14 March 2024",
        "14 March, 2024",
        "14mar2024",
        "2024-03-14",
        "  14 / 03 / 2024 ",
        format_date(MARCH_14),  # what the field shows, typed back
    ],
)
def test_the_ways_a_date_is_written_day_first(text: str) -> None:
    assert typed_date(text) == MARCH_14


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("3/11/2025", dt.date(2025, 11, 3)),  # day first, as in England: not 11 March
        ("5 Sept 2026", dt.date(2026, 9, 5)),
        ("29/02/2024", dt.date(2024, 2, 29)),
        ("1 may 26", dt.date(2026, 5, 1)),
    ],
)
def test_day_first_and_short_years(text: str, day: dt.date) -> None:
    assert typed_date(text) == day


@pytest.mark.parametrize(
    "text",
    ["", "31/02/2024", "29/02/2023", "14/13/2024", "14 Foo 2024", "14/03/202", "2024/03", "14"],
)
def test_what_is_no_date_is_none(text: str) -> None:
    assert typed_date(text) is None
