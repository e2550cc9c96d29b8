"""Dates written out in full, as letters write them: ``14 March 2024``.

Fixed English month names, for the reason :mod:`crm_desktop.domain.formatting` gives:
``%B`` follows the process locale, which Qt sets from the user's environment.
"""

from __future__ import annotations

import datetime as dt

__all__ = ["format_date_long", "format_date_long_with_day"]

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def format_date_long(d: dt.date | None) -> str:
    """``14 March 2024``, ``3 January 2023``; an empty string for no date."""
    if d is None:
        return ""
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def format_date_long_with_day(d: dt.date | None) -> str:
    """``Thursday 14 March 2024``; an empty string for no date."""
    if d is None:
        return ""
    return f"{_DAYS[d.weekday()]} {format_date_long(d)}"
