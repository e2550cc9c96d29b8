"""Days as numbers, and every random draw and working-day sum of one run.

While generating, dates are held as int64 days since 1 January 1970 in numpy arrays;
:data:`NONE` marks "no date" (or "no value" in an index array). :class:`Draws` holds the
two random generators and the working-day calendar of a run: every draw goes through
it, in the order the run asks, so the same seed always gives the same data.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, TypeAlias

import numpy as np
import numpy.typing as npt

from crm_desktop.domain.calendar import WorkingCalendar

I64: TypeAlias = npt.NDArray[np.int64]
F64: TypeAlias = npt.NDArray[np.float64]
Bools: TypeAlias = npt.NDArray[np.bool_]

# A (weight, lowest, highest working days used, beta a, beta b) bucket of response times.
Bucket: TypeAlias = tuple[float, int, int, float, float]

NONE: Final = -1
_EPOCH_ORDINAL: Final = dt.date(1970, 1, 1).toordinal()
_NAT: Final = np.iinfo(np.int64).min


def day(d: dt.date) -> int:
    return d.toordinal() - _EPOCH_ORDINAL


def date(number: int) -> dt.date:
    return dt.date.fromordinal(number + _EPOCH_ORDINAL)


def dates(days: I64) -> list[Any]:
    """Python dates (None where NONE) for row dicts."""
    out = days.astype(np.int64, copy=True)
    out[days == NONE] = _NAT
    result: list[Any] = out.view("datetime64[D]").tolist()
    return result


def stamps(days: I64, seconds: I64) -> list[Any]:
    """Naive datetimes: ``days`` plus ``seconds`` into the day."""
    total = days.astype(np.int64) * 86400 + seconds
    result: list[Any] = total.view("datetime64[s]").tolist()
    return result


def year(days: I64) -> I64:
    result: I64 = days.view("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    return result


def add_months(days: I64, months: int) -> I64:
    """:func:`~crm_desktop.domain.calendar.add_calendar_months`, vectorised."""
    d = days.view("datetime64[D]")
    month = d.astype("datetime64[M]")
    day_of_month = (d - month.astype("datetime64[D]")).astype(np.int64)
    target = month + np.timedelta64(months, "M")
    length = (
        (target + np.timedelta64(1, "M")).astype("datetime64[D]") - target.astype("datetime64[D]")
    ).astype(np.int64)
    result: I64 = target.astype("datetime64[D]").view(np.int64) + np.minimum(
        day_of_month, length - 1
    )
    return result


def months_beginning_with(days: I64, months: int) -> I64:
    """:func:`~crm_desktop.domain.statutory.six_months_beginning_with`, vectorised: the
    last day of the period of ``months`` months beginning with each day (the day before
    the same date ``months`` later; the end of that month where it has no such date)."""
    later = add_months(days, months)

    def day_of_month(values: I64) -> I64:
        d = values.view("datetime64[D]")
        result: I64 = (d - d.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64)
        return result

    same_date = day_of_month(later) == day_of_month(days)
    result: I64 = np.where(same_date, later - 1, later)
    return result


def ascii_letters(text: str) -> str:
    """``Siân O'Brien`` -> ``sianobrien``: for made-up email addresses."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z]", "", folded.lower())


def weights(names: Sequence[str], known: dict[str, int], default: float = 1.0) -> F64:
    """Shares for ``names`` from a table of weights by name; unknown names get ``default``."""
    values = np.array([float(known.get(name, default)) for name in names], dtype=np.float64)
    if values.sum() <= 0:
        values = np.ones(len(names), dtype=np.float64)
    result: F64 = values / values.sum()
    return result


@dataclass(frozen=True)
class Period:
    """The days a run covers, as day numbers: ``start`` to ``end`` inclusive."""

    start: int
    end: int


class Draws:
    """The random generators and the working-day calendar of one run."""

    def __init__(self, seed: int, cal: WorkingCalendar) -> None:
        self.rng = np.random.default_rng(seed)
        self.py = random.Random(seed)
        self.cal = cal

    # ------------------------------------------------------------------ working days

    def add(self, start: I64, n: I64 | int) -> I64:
        """The n-th working day after each start (all starts must be dates)."""
        if start.size == 0:
            return start.astype(np.int64, copy=True)
        result: I64 = self.cal.add_working_days_array(start.view("datetime64[D]"), n).view(np.int64)
        return result

    def add_where(self, mask: Bools, start: I64, n: I64 | int) -> I64:
        """:meth:`add` where ``mask``; NONE elsewhere."""
        out = np.full(start.shape, NONE, dtype=np.int64)
        if mask.any():
            count = n[mask] if isinstance(n, np.ndarray) else n
            out[mask] = self.add(start[mask], count)
        return out

    def between(self, a: I64, b: I64) -> I64:
        if a.size == 0:
            return np.zeros(0, dtype=np.int64)
        result: I64 = self.cal.working_days_between_array(
            a.view("datetime64[D]"), b.view("datetime64[D]")
        )
        return result

    # ------------------------------------------------------------------ random draws

    def choice(self, n: int, shares: Sequence[float] | F64) -> I64:
        """``n`` indexes into ``shares``, each drawn with its share."""
        p = np.asarray(shares, dtype=np.float64)
        p = p / p.sum()
        result: I64 = self.rng.choice(len(p), size=n, p=p).astype(np.int64)
        return result

    def bucketed(self, n: int, buckets: Sequence[Bucket], scale: float) -> I64:
        """Working days used: a bucket by weight, then a beta-shaped day within it."""
        which = self.choice(n, [b[0] for b in buckets])
        out = np.zeros(n, dtype=np.int64)
        for k, (_, lo, hi, a, b) in enumerate(buckets):
            mask = which == k
            count = int(mask.sum())
            if not count:
                continue
            low = max(1, round(lo * scale))
            high = max(low, round(hi * scale))
            span = high - low + 1
            drawn = (self.rng.beta(a, b, count) * span).astype(np.int64)
            out[mask] = low + np.minimum(drawn, span - 1)
        return out

    def cover(self, values: I64, categories: int, eligible: Bools) -> None:
        """Make every category appear at least once among ``eligible`` (in place).

        A demo should show every row of every report table; with few cases the rarest
        categories might otherwise never be drawn.
        """
        positions = np.flatnonzero(eligible)
        if len(positions) < categories * 2:
            return
        counts = np.bincount(values[positions], minlength=categories)
        missing = [c for c in range(categories) if counts[c] == 0]
        if not missing:
            return
        order = self.rng.permutation(positions)
        cursor = 0
        for category in missing:
            while cursor < len(order) and counts[values[order[cursor]]] <= 1:
                cursor += 1
            if cursor == len(order):
                return
            position = int(order[cursor])
            counts[values[position]] -= 1
            values[position] = category
            counts[category] += 1
            cursor += 1

    def cover_subset(self, values: I64, possible: list[int]) -> None:
        """:meth:`cover` for the categories in ``possible`` only (in place)."""
        if len(values) < len(possible) * 2:
            return
        mapping = {c: i for i, c in enumerate(possible)}
        local = np.asarray([mapping.get(int(v), 0) for v in values], dtype=np.int64)
        self.cover(local, len(possible), np.ones(len(local), dtype=np.bool_))
        values[:] = np.asarray(possible, dtype=np.int64)[local]

    def seconds(self, n: int, lo_hour: int = 8, hi_hour: int = 17) -> I64:
        """Times of day, as seconds after midnight, in office hours."""
        result: I64 = self.rng.integers(lo_hour * 3600, hi_hour * 3600, n).astype(np.int64)
        return result
