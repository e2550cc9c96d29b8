"""How the core shows dates and counts to people.

One place for this so that every message, letter and explanation reads the same way:
dates as ``14 Mar 2024`` (day without a leading zero), counts as ``1 working day`` /
``3 working days``.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal

__all__ = ["format_date", "format_decimal", "suspended_text", "working_days_text"]

# The same text as f"{d.day} {d:%b %Y}" in the C or an English locale, but fixed: %b follows
# the process locale, and Qt sets that from the user's environment at start-up, so a PC set
# to another language would otherwise put "14 mars 2024" in an English letter.
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def normalised(text: str) -> str:
    """Text as names and words are compared: spaces collapsed, case folded
    (" Through  care" and "through care" are the same name)."""
    return " ".join(text.split()).casefold()


def format_date(d: date) -> str:
    """Show a date the way the council writes it: ``14 Mar 2024``, ``3 Jan 2023``."""
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def format_local_time(moment: datetime) -> str:
    """A moment the database keeps in UTC (naive, or aware) as this computer's local date
    and time: "4 Mar 2024 09:30", the month in English whatever the PC's language."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    local = aware.astimezone()
    return f"{format_date(local.date())} {local:%H:%M}"


def format_decimal(value: float, places: int) -> str:
    """A figure to ``places`` decimal places, halves rounded up as people round them:
    6.25 → ``6.3`` (Python's own formatting gives ``6.2``), 93.75 → ``93.8``. The value
    is rounded as it reads (``repr``), so 33.35 is 33.4 although the float is a little
    under it."""
    step = Decimal(1).scaleb(-places)
    return f"{Decimal(repr(float(value))).quantize(step, rounding=ROUND_HALF_UP):,}"


def counted(n: int, one: str, many: str | None = None) -> str:
    """``n`` things, the word agreeing: "1 case", "3 cases", "1,250 people"."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def working_days_text(n: int) -> str:
    """``1 working day``, ``0 working days``, ``25 working days``."""
    return f"{n} working day" if n == 1 else f"{n} working days"


def suspended_text(since: date | None, until: date | None) -> str:
    """A suspended clock in a list: ``Suspended until 14 Mar 2025`` when the day it is
    expected to restart is known, else ``Suspended since 3 Mar 2025``."""
    if until is not None:
        return f"Suspended until {format_date(until)}"
    if since is not None:
        return f"Suspended since {format_date(since)}"
    return "Suspended"


# Month names as typed (the short ones format_date writes, the full ones, "sept").
_FULL_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_MONTH_NUMBERS = {
    **{name.lower(): number for number, name in enumerate(_MONTHS, start=1)},
    **{name: number for number, name in enumerate(_FULL_MONTHS, start=1)},
    "sept": 9,
}
_NUMERIC_DATE = re.compile(r"(\d{1,2})\s*[/.\- ]\s*(\d{1,2})\s*[/.\- ]\s*(\d{4}|\d{2})")
_WORDED_DATE = re.compile(r"(\d{1,2})\s*[.\- ]?\s*([a-z]+)\.?\s*[.\- ]?\s*(\d{4}|\d{2})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def typed_date(text: str) -> date | None:
    """A date as an officer types one, day first: ``14/03/2024``, ``14-3-24``,
    ``14.03.2024``, ``14 3 2024``, ``14 Mar 2024``, ``14 March 2024``, or ``2024-03-14``
    (a two-digit year is this century's). None for anything else, or no such day."""
    cleaned = " ".join(text.replace(",", " ").split()).lower()
    if found := _ISO_DATE.fullmatch(cleaned):
        year, month, day = (int(found[i]) for i in (1, 2, 3))
    elif found := _NUMERIC_DATE.fullmatch(cleaned):
        day, month, year = (int(found[i]) for i in (1, 2, 3))
    elif (found := _WORDED_DATE.fullmatch(cleaned)) and found[2] in _MONTH_NUMBERS:
        day, month, year = int(found[1]), _MONTH_NUMBERS[found[2]], int(found[3])
    else:
        return None
    if len(found[3 if found.re is not _ISO_DATE else 1]) == 2:
        year += 2000
    try:
        return date(year, month, day)
    except ValueError:
        return None
