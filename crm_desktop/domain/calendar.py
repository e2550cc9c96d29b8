"""Working days in England and Wales, as the complaints procedures count them.

A working day is Monday to Friday that is not a bank holiday in England and Wales,
Christmas Day, Boxing Day or Good Friday, nor (for the clocks that skip them) a council
closure day added by a manager. The statutory procedures' clocks do not skip closure
days: the regulations define a working day without them (SI 2006/1738 reg. 2; SI
2009/309 reg. 2); see :mod:`crm_desktop.domain.statutory` for which clock uses which.

"N working days after D" is the N-th working day strictly after D: D itself is day 0,
whether or not it is a working day. A response sent on R is within N working days of D
when R is on or before that day.

The calendar is built once for a span of whole years and answers every question from
precomputed tables, so one call costs the same whatever the dates: a few list look-ups for
a single date, a few numpy passes for a million. It knows nothing outside its years and
says so (:class:`CalendarError`) rather than guess.

Pure Python and numpy: no database, no Qt.
"""

from __future__ import annotations

import functools
import operator
from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from datetime import date
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, TypeAlias

from crm_desktop.domain.formatting import format_date, working_days_text

__all__ = [
    "DEFAULT_FIRST_YEAR",
    "DEFAULT_LAST_YEAR",
    "CalendarError",
    "DateArray",
    "IntArray",
    "WorkingCalendar",
    "add_calendar_months",
    "england_and_wales_calendar",
]

DEFAULT_FIRST_YEAR: Final = 2000
DEFAULT_LAST_YEAR: Final = 2045

# numpy is loaded when a calendar is first built (``import numpy`` in the methods that
# use it): the program's first screens count no working days in Python.
if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    DateArray: TypeAlias = npt.NDArray[np.datetime64]
    IntArray: TypeAlias = npt.NDArray[np.int64]
else:
    DateArray = IntArray = Any  # numpy arrays (datetime64[D] and int64)

_EPOCH_ORDINAL: Final = date(1970, 1, 1).toordinal()  # numpy datetime64[D] counts from here
_SATURDAY: Final = 5


class CalendarError(ValueError):
    """The calendar refuses a question, with a message a user can read."""


def _weekday(ordinal: int) -> int:
    """Monday 0 ... Sunday 6 (date.fromordinal(1), 1 Jan 0001, was a Monday)."""
    return (ordinal - 1) % 7


def _weekend_name(ordinal: int) -> str:
    return "Saturday" if _weekday(ordinal) == _SATURDAY else "Sunday"


def _easter_sunday(year: int) -> date:
    """Western (Gregorian) Easter Sunday: the anonymous Gregorian algorithm (Meeus)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _days_in_month(year: int, month: int) -> int:
    if month == 2:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return 29 if leap else 28
    return 30 if month in (4, 6, 9, 11) else 31


def add_calendar_months(d: date, months: int) -> date:
    """The same day ``months`` calendar months later (earlier if negative).

    When that month is shorter the answer is its last day: 31 Aug 2023 + 6 months is
    29 Feb 2024, 31 Aug 2022 + 6 months is 28 Feb 2023. Used for the adult social care
    statutory outer limit of 6 calendar months.
    """
    months = operator.index(months)
    total = d.year * 12 + (d.month - 1) + months
    year, month0 = divmod(total, 12)
    if not 1 <= year <= 9999:
        raise CalendarError(
            f"Cannot add {months} months to {format_date(d)}: the answer is outside the "
            "years a date can hold."
        )
    return date(year, month0 + 1, min(d.day, _days_in_month(year, month0 + 1)))


class WorkingCalendar:
    """Working days for the whole years ``first_year`` to ``last_year``.

    ``closure_days`` maps extra council closure days to their names ("Staff training
    day"); they are non-working days like bank holidays.

    Build it once (see :func:`england_and_wales_calendar`) and share it: it never changes
    after construction.
    """

    __slots__ = (
        "_closure_days",
        "_cum",
        "_cum_np",
        "_first_epoch",
        "_first_ord",
        "_first_year",
        "_last_ord",
        "_last_year",
        "_n_days",
        "_n_working",
        "_names",
        "_non_working_ords",
        "_weekday_holiday_ords",
        "_working",
        "_working_epoch_ext",
        "_working_ords",
    )

    def __init__(
        self,
        first_year: int = DEFAULT_FIRST_YEAR,
        last_year: int = DEFAULT_LAST_YEAR,
        closure_days: Mapping[date, str] | None = None,
    ) -> None:
        import numpy as np

        first_year = operator.index(first_year)
        last_year = operator.index(last_year)
        if not (1 <= first_year <= 9999 and 1 <= last_year <= 9999):
            raise CalendarError(
                f"The calendar's years must be between 1 and 9999 (got {first_year} to "
                f"{last_year})."
            )
        if first_year > last_year:
            raise CalendarError(
                f"The calendar's first year ({first_year}) is after its last year ({last_year})."
            )
        self._first_year = first_year
        self._last_year = last_year
        first_ord = date(first_year, 1, 1).toordinal()
        last_ord = date(last_year, 12, 31).toordinal()
        self._first_ord = first_ord
        self._last_ord = last_ord
        self._first_epoch = first_ord - _EPOCH_ORDINAL
        n_days = last_ord - first_ord + 1
        self._n_days = n_days

        # Names of the days that are not working days for a reason other than the weekend.
        names: dict[int, str] = {}
        import holidays  # loads every country's rules: only when a calendar is built

        bank_holidays: Mapping[date, str] = holidays.country_holidays(
            "GB", subdiv="ENG", years=range(first_year, last_year + 1)
        )
        for day, name in bank_holidays.items():
            ordinal = day.toordinal()
            if first_ord <= ordinal <= last_ord:
                names[ordinal] = str(name)
        # Christmas Day, Boxing Day and Good Friday are never working days, whatever the
        # package says (SI 2006/1738 reg. 2 names all three).
        for year in range(first_year, last_year + 1):
            names.setdefault(date(year, 12, 25).toordinal(), "Christmas Day")
            names.setdefault(date(year, 12, 26).toordinal(), "Boxing Day")
            names.setdefault(_easter_sunday(year).toordinal() - 2, "Good Friday")
        closures: dict[date, str] = {}
        for day, name in (closure_days or {}).items():
            label = name.strip()
            if not first_ord <= day.toordinal() <= last_ord:
                raise CalendarError(
                    f"The council closure day {label or '(no name)'!r} on {format_date(day)} "
                    f"is outside the years the calendar knows ({first_year} to {last_year})."
                )
            closures[day] = label
            # A bank holiday keeps its own name if a closure day is also set on it.
            names.setdefault(
                day.toordinal(), f"Council closure: {label}" if label else "Council closure"
            )
        self._closure_days: Mapping[date, str] = MappingProxyType(dict(sorted(closures.items())))
        self._names = names

        ordinals = np.arange(first_ord, last_ord + 1, dtype=np.int64)
        working = (ordinals - 1) % 7 < _SATURDAY
        holiday_offsets = np.fromiter(names, dtype=np.int64, count=len(names)) - first_ord
        working[holiday_offsets] = False

        # cum[i]: working days among the first i + 1 days of the calendar (day 0 to day i).
        cum = np.cumsum(working, dtype=np.int64)
        working_offsets = np.flatnonzero(working).astype(np.int64)
        self._n_working = int(working_offsets.size)
        # Scalar look-ups use plain lists (indexing a list is several times faster than
        # indexing a numpy array from Python); the vectorised forms use the arrays.
        self._working: list[bool] = working.tolist()
        self._cum: list[int] = cum.tolist()
        self._working_ords: list[int] = (working_offsets + first_ord).tolist()
        self._non_working_ords: list[int] = (np.flatnonzero(~working) + first_ord).tolist()
        self._weekday_holiday_ords: list[int] = sorted(o for o in names if _weekday(o) < _SATURDAY)
        # Vectorised tables. working_epoch_ext[k] (k >= 1) is the k-th working day of the
        # calendar in numpy's days-since-1970; slot 0 is never read for an answer.
        self._cum_np: IntArray = cum
        self._working_epoch_ext: IntArray = np.concatenate(
            (np.zeros(1, dtype=np.int64), working_offsets + self._first_epoch)
        )
        for array in (self._cum_np, self._working_epoch_ext):
            array.flags.writeable = False

    # ----------------------------------------------------------------- description

    def __repr__(self) -> str:
        return (
            f"WorkingCalendar(first_year={self._first_year}, last_year={self._last_year}, "
            f"closure_days={len(self._closure_days)})"
        )

    @property
    def first_year(self) -> int:
        return self._first_year

    @property
    def last_year(self) -> int:
        return self._last_year

    @property
    def first_day(self) -> date:
        """1 January of the first year."""
        return date.fromordinal(self._first_ord)

    @property
    def last_day(self) -> date:
        """31 December of the last year."""
        return date.fromordinal(self._last_ord)

    @property
    def closure_days(self) -> Mapping[date, str]:
        """The council closure days this calendar was built with (read-only)."""
        return self._closure_days

    def knows(self, d: date) -> bool:
        """Whether ``d`` is inside the years the calendar covers."""
        return self._first_ord <= d.toordinal() <= self._last_ord

    # ----------------------------------------------------------------- scalar forms

    def _outside(self, d: date) -> CalendarError:
        return CalendarError(
            f"{format_date(d)} is outside the years the calendar knows "
            f"({self._first_year} to {self._last_year})."
        )

    def _offset(self, d: date) -> int:
        offset = d.toordinal() - self._first_ord
        if offset < 0 or offset >= self._n_days:
            raise self._outside(d)
        return offset

    def is_working_day(self, d: date) -> bool:
        return self._working[self._offset(d)]

    def _reason(self, ordinal: int) -> str:
        if _weekday(ordinal) >= _SATURDAY:
            return _weekend_name(ordinal)
        return self._names[ordinal]

    def non_working_reason(self, d: date) -> str | None:
        """Why ``d`` is not a working day, or None when it is one.

        "Saturday" or "Sunday" for a weekend day (also when a holiday falls on it, as
        Christmas Day does on a Sunday: the weekend already made it non-working and the
        bank holiday moves to an "(observed)" weekday); otherwise the holiday's name
        ("Good Friday", "Coronation of Charles III") or "Council closure: <name>".
        """
        if self._working[self._offset(d)]:
            return None
        return self._reason(d.toordinal())

    def add_working_days(self, d: date, n: int) -> date:
        """The ``n``-th working day strictly after ``d`` (``d`` itself when ``n`` is 0)."""
        n = operator.index(n)
        if n < 0:
            raise _negative(n)
        offset = self._offset(d)
        if n == 0:
            return d
        k = self._cum[offset] + n  # the answer is the k-th working day of the calendar
        if k > self._n_working:
            raise self._beyond(d, n)
        return date.fromordinal(self._working_ords[k - 1])

    def working_days_between(self, a: date, b: date) -> int:
        """Working days after ``a`` up to and including ``b`` (``b`` on or after ``a``)."""
        offset_a = self._offset(a)
        offset_b = self._offset(b)
        if offset_b < offset_a:
            raise _end_before_start(a, b)
        return self._cum[offset_b] - self._cum[offset_a]

    def _beyond(self, d: date, n: int) -> CalendarError:
        return CalendarError(
            f"Cannot count {working_days_text(n)} after {format_date(d)}: the answer falls "
            f"after {format_date(self.last_day)}, the last day the calendar knows "
            f"({self._first_year} to {self._last_year})."
        )

    # ----------------------------------------------------------------- listings

    def non_working_days(self, year: int) -> list[tuple[date, str]]:
        """The weekdays of ``year`` that are not working days, with their names, in order.

        Bank holidays (including substitute "(observed)" days), Christmas Day and Good
        Friday when they fall on a weekday, and council closure days. Weekends are left out.
        """
        year = operator.index(year)
        if not self._first_year <= year <= self._last_year:
            raise CalendarError(
                f"{year} is outside the years the calendar knows "
                f"({self._first_year} to {self._last_year})."
            )
        ords = self._weekday_holiday_ords
        lo = bisect_left(ords, date(year, 1, 1).toordinal())
        hi = bisect_right(ords, date(year, 12, 31).toordinal())
        return [(date.fromordinal(o), self._names[o]) for o in ords[lo:hi]]

    def skipped_days(self, a: date, b: date) -> list[tuple[date, str]]:
        """Every non-working day after ``a`` up to and including ``b``, with its reason.

        Weekend days are included ("Saturday", "Sunday"); see :meth:`non_working_reason`.
        """
        offset_a = self._offset(a)
        offset_b = self._offset(b)
        if offset_b < offset_a:
            raise _end_before_start(a, b)
        ords = self._non_working_ords
        lo = bisect_right(ords, a.toordinal())
        hi = bisect_right(ords, b.toordinal())
        return [(date.fromordinal(o), self._reason(o)) for o in ords[lo:hi]]

    def day_rows(self, start: date | None = None) -> list[tuple[date, int, bool]]:
        """Every day from ``start`` (default: the calendar's first day) to its last, as
        ``(day, working_count, is_working)``: ``working_count`` is the number of working
        days from the calendar's first day up to and including ``day``. These are the
        rows of the database's copy of the calendar (the ``calendar_day`` table)."""
        offset = 0 if start is None else self._offset(start)
        first = self._first_ord
        return [
            (date.fromordinal(first + i), self._cum[i], self._working[i])
            for i in range(offset, self._n_days)
        ]

    # ----------------------------------------------------------------- vectorised forms

    def _epoch_to_text(self, days: int) -> str:
        import numpy as np

        if days == np.iinfo(np.int64).min:
            return "A missing date (NaT)"
        ordinal = days + _EPOCH_ORDINAL
        if 1 <= ordinal <= date.max.toordinal():
            return format_date(date.fromordinal(ordinal))
        return str(np.datetime64(days, "D"))

    def _offsets(self, dates: DateArray | Any) -> IntArray:
        """Offsets of ``dates`` from the calendar's first day, checked to be in range."""
        import numpy as np

        arr = np.asarray(dates)
        if arr.dtype.kind == "O":  # e.g. a list of datetime.date
            try:
                arr = arr.astype("datetime64[D]")
            except (TypeError, ValueError) as exc:
                raise CalendarError("Expected dates, but got something else.") from exc
        if arr.dtype.kind != "M":
            raise CalendarError(f"Expected an array of dates, but got {arr.dtype} values.")
        days = arr.astype("datetime64[D]", copy=False).view(np.int64)
        offsets = np.asarray(days - self._first_epoch)
        # One unsigned comparison catches both ends (a negative offset wraps to a huge one);
        # NaT is the most negative int64, so it is caught too.
        bad = offsets.view(np.uint64) >= self._n_days
        if bad.any():
            flat_bad = np.flatnonzero(bad)
            first = self._epoch_to_text(int(days.reshape(-1)[flat_bad[0]]))
            others = flat_bad.size - 1
            tail = ""
            if others:
                tail = f" {others} other date{'s' if others != 1 else ''} cannot be counted either."
            if first.startswith("A missing date"):
                raise CalendarError(f"{first} cannot be counted from.{tail}")
            raise CalendarError(
                f"{first} is outside the years the calendar knows "
                f"({self._first_year} to {self._last_year}).{tail}"
            )
        result: IntArray = offsets
        return result

    def add_working_days_array(self, starts: DateArray | Any, n: int | IntArray | Any) -> DateArray:
        """:meth:`add_working_days` for many dates at once (numpy ``datetime64[D]``).

        ``n`` is one count for every date or an integer array broadcast against ``starts``.
        Refuses the whole call (:class:`CalendarError`) if any date is outside the
        calendar, any count is negative, or any answer would fall after :attr:`last_day`.
        """
        import numpy as np

        offsets = self._offsets(starts)
        n_arr = np.asarray(n)
        if n_arr.dtype.kind not in "iu":
            raise CalendarError(
                f"The numbers of working days must be whole numbers (got {n_arr.dtype} values)."
            )
        counts = n_arr.astype(np.int64, copy=False)
        if counts.size and counts.min() < 0:
            raise _negative(int(counts.min()))
        k = self._cum_np[offsets] + counts  # the answer is the k-th working day
        if k.size and k.max() > self._n_working:
            b_offsets, b_counts, b_k = np.broadcast_arrays(offsets, counts, k)
            i = int(np.flatnonzero(b_k.reshape(-1) > self._n_working)[0])
            start = date.fromordinal(self._first_ord + int(b_offsets.reshape(-1)[i]))
            raise self._beyond(start, int(b_counts.reshape(-1)[i]))
        answer = np.asarray(self._working_epoch_ext[k])
        if counts.ndim == 0:
            if int(counts) == 0:
                answer = offsets + self._first_epoch
        elif counts.size and not counts.all():
            answer = np.where(counts == 0, offsets + self._first_epoch, answer)
        result: DateArray = answer.view("datetime64[D]")
        return result

    def working_days_between_array(self, a: DateArray | Any, b: DateArray | Any) -> IntArray:
        """:meth:`working_days_between` for many pairs at once (broadcast), as int64."""
        import numpy as np

        offsets_a = self._offsets(a)
        offsets_b = self._offsets(b)
        backwards = offsets_b < offsets_a
        if backwards.any():
            b_a, b_b, b_bad = np.broadcast_arrays(offsets_a, offsets_b, backwards)
            i = int(np.flatnonzero(b_bad.reshape(-1))[0])
            raise _end_before_start(
                date.fromordinal(self._first_ord + int(b_a.reshape(-1)[i])),
                date.fromordinal(self._first_ord + int(b_b.reshape(-1)[i])),
            )
        result: IntArray = np.asarray(self._cum_np[offsets_b] - self._cum_np[offsets_a])
        return result


def _negative(n: int) -> CalendarError:
    return CalendarError(
        f"Cannot count back: the number of working days must be 0 or more (got {n})."
    )


def _end_before_start(a: date, b: date) -> CalendarError:
    return CalendarError(
        f"Cannot count working days from {format_date(a)} to {format_date(b)}: "
        "the end date is before the start date."
    )


@functools.lru_cache(maxsize=32)
def england_and_wales_calendar(
    closure_days: tuple[tuple[date, str], ...] = (),
) -> WorkingCalendar:
    """The shared calendar for the default years, with these council closure days.

    Built once per distinct set of closure days (pass them as a tuple so it can be cached:
    ``tuple(sorted(closures.items()))``).
    """
    return WorkingCalendar(closure_days=dict(closure_days))
