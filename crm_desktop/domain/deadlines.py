"""Stage clocks: due dates, suspensions, extensions, and how far along a clock is.

A stage's clock starts on a date (day 0) and runs for a number of working days. An
extension adds working days (with a reason, up to the procedure's limit). A suspension
stops the clock on ``starts_on`` and restarts it on ``ends_on``; the due date moves later
by the working days in between (after ``starts_on`` up to and including ``ends_on``).

    due = start + (timescale + extensions + suspended working days) working days

Pure: no database. Refusals are :class:`DeadlineError`; a date outside the calendar's
years is the calendar's :class:`~crm_desktop.domain.calendar.CalendarError`. Both are
``ValueError``, so a caller that only shows the message can catch that.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from crm_desktop.domain.calendar import DateArray, IntArray, WorkingCalendar
from crm_desktop.domain.formatting import format_date, working_days_text

__all__ = [
    "ClockStatus",
    "DeadlineError",
    "Extension",
    "Suspension",
    "check_extension",
    "clock_from_acknowledgement",
    "clock_status",
    "compute_due_date",
    "explain_due_date",
    "responded_in_time",
    "suspended_working_days",
]


class DeadlineError(ValueError):
    """A stage clock rule refuses a request, with a message a user can read."""


@dataclass(frozen=True, slots=True)
class Suspension:
    """The clock stopped on ``starts_on`` and restarted on ``ends_on`` (None: still stopped)."""

    starts_on: date
    ends_on: date | None
    reason: str

    def __post_init__(self) -> None:
        if not self.reason.strip():
            raise DeadlineError(
                f"The suspension from {format_date(self.starts_on)} needs a reason."
            )
        if self.ends_on is not None and self.ends_on < self.starts_on:
            raise DeadlineError(
                f"A suspension cannot end before it starts: {self.reason!r} ends on "
                f"{format_date(self.ends_on)} but starts on {format_date(self.starts_on)}."
            )

    def working_days(self, cal: WorkingCalendar, as_of: date | None = None) -> int:
        """Working days this suspension adds to the due date.

        ``working_days_between(starts_on, ends_on)``. An open suspension counts up to
        ``as_of`` (required then); if ``as_of`` is not after ``starts_on`` it adds nothing
        yet. A closed suspension ignores ``as_of``.
        """
        end = self.ends_on
        if end is None:
            if as_of is None:
                raise DeadlineError(
                    f"The clock is still suspended (since {format_date(self.starts_on)}, "
                    f"{self.reason}): give the date to count the suspension up to."
                )
            end = max(as_of, self.starts_on)
        return cal.working_days_between(self.starts_on, end)


@dataclass(frozen=True, slots=True)
class Extension:
    """Extra working days agreed for a stage, with the reason."""

    working_days: int
    reason: str

    def __post_init__(self) -> None:
        days = operator.index(self.working_days)
        if days < 1:
            raise DeadlineError(f"An extension must add at least 1 working day (got {days}).")
        if not self.reason.strip():
            raise DeadlineError(f"An extension of {working_days_text(days)} needs a reason.")


def _check_timescale(working_days: int) -> int:
    working_days = operator.index(working_days)
    if working_days < 0:
        raise DeadlineError(
            f"A stage's timescale must be 0 working days or more (got {working_days})."
        )
    return working_days


def suspended_working_days(
    cal: WorkingCalendar, suspensions: Sequence[Suspension], as_of: date | None = None
) -> int:
    """Total working days the suspensions add (see :meth:`Suspension.working_days`)."""
    return sum(s.working_days(cal, as_of) for s in suspensions)


def compute_due_date(
    cal: WorkingCalendar,
    start: date,
    working_days: int,
    suspensions: Sequence[Suspension] = (),
    extensions: Sequence[Extension] = (),
    as_of: date | None = None,
    undated_suspended: int = 0,
) -> date:
    """The stage's due date: ``start`` + (timescale + extensions + suspended days);
    ``undated_suspended``: suspended days known only by their number (an import)."""
    base = _check_timescale(working_days)
    total = (
        base
        + sum(e.working_days for e in extensions)
        + suspended_working_days(cal, suspensions, as_of)
        + _check_suspended(undated_suspended)
    )
    return cal.add_working_days(start, total)


def _check_suspended(days: int) -> int:
    days = operator.index(days)
    if days < 0:
        raise DeadlineError(f"Suspended working days must be 0 or more (got {days}).")
    return days


def clock_from_acknowledgement(
    cal: WorkingCalendar,
    requested: date,
    acknowledge_days: int,
    acknowledged: date | None,
    closed: date | None,
) -> tuple[date, date]:
    """For a stage whose response clock counts from its acknowledgement (the Complaint
    Handling Code): the day the acknowledgement is due, ``acknowledge_days`` working days
    after the request, and the day the response clock starts: the acknowledgement, else
    (provisionally) the last day it was allowed; a stage that ended before then, the day
    it ended. As the import and an upgraded database's re-timing set them."""
    acknowledge_due = cal.add_working_days(requested, acknowledge_days)
    start = acknowledged or acknowledge_due
    if closed is not None and closed < start:
        start = closed
    return acknowledge_due, start


def check_extension(
    base_days: int,
    already_extended: int,
    requested: int,
    limit_days: int,
    label: str = "this stage",
) -> None:
    """Refuse an extension that would take the stage past its procedure's limit.

    ``label`` names the stage in the message ("children's Stage 1"). Reaching the limit
    exactly is allowed.
    """
    base_days = _check_timescale(base_days)
    if already_extended < 0:
        raise DeadlineError(
            f"The working days already added by extensions must be 0 or more "
            f"(got {already_extended})."
        )
    if requested < 1:
        raise DeadlineError(f"An extension must add at least 1 working day (got {requested}).")
    total = base_days + already_extended + requested
    if total > limit_days:
        raise DeadlineError(
            f"An extension of {working_days_text(requested)} would take this stage to "
            f"{working_days_text(total)}; the limit for {label} is {limit_days}."
        )


def explain_due_date(
    cal: WorkingCalendar,
    start: date,
    working_days: int,
    suspensions: Sequence[Suspension] = (),
    extensions: Sequence[Extension] = (),
    as_of: date | None = None,
    undated_suspended: int = 0,
) -> list[str]:
    """The due date in plain English, one line per step, for the case screen and letters."""
    base = _check_timescale(working_days)
    due = compute_due_date(cal, start, base, suspensions, extensions, as_of, undated_suspended)
    lines = [
        f"The clock started on {format_date(start)}; that day is day 0 and counting "
        "begins the day after.",
        f"Timescale: {working_days_text(base)}.",
    ]
    extended = 0
    for ext in extensions:
        extended += ext.working_days
        lines.append(f"Extension: {working_days_text(ext.working_days)} added ({ext.reason}).")
    suspended = undated_suspended
    if undated_suspended:
        lines.append(
            f"Suspended for {working_days_text(undated_suspended)} before the case was "
            "imported (the file gives no dates): added."
        )
    for sus in suspensions:
        days = sus.working_days(cal, as_of)
        suspended += days
        if sus.ends_on is None:
            # Suspension.working_days has already refused an open one without as_of.
            on = format_date(as_of) if as_of is not None else "today"
            lines.append(
                f"Suspended on {format_date(sus.starts_on)} and still suspended on {on} "
                f"({sus.reason}): {working_days_text(days)} added so far."
            )
        else:
            lines.append(
                f"Suspended on {format_date(sus.starts_on)}, resumed on "
                f"{format_date(sus.ends_on)} ({sus.reason}): {working_days_text(days)} added."
            )
    total = base + extended + suspended
    if extended or suspended:
        parts = [f"{base} timescale"]
        if extended:
            parts.append(f"{extended} extension")
        if suspended:
            parts.append(f"{suspended} suspended")
        lines.append(f"Working days counted: {total} ({' + '.join(parts)}).")
    else:
        lines.append(f"Working days counted: {total}.")

    skipped = cal.skipped_days(start, due)
    weekend_days = sum(1 for _, reason in skipped if reason in ("Saturday", "Sunday"))
    named = [(d, reason) for d, reason in skipped if reason not in ("Saturday", "Sunday")]
    lines.append(f"Weekend days skipped: {weekend_days}.")
    if named:
        lines.extend(f"Skipped {reason}, {format_date(d)}." for d, reason in named)
    else:
        lines.append("No bank holidays or closure days fell in this period.")
    lines.append(f"Due date: {format_date(due)}.")
    return lines


@dataclass(frozen=True, slots=True)
class ClockStatus:
    """How far along a stage clock is on ``as_of``.

    ``working_days_left`` is negative when overdue (minus the working days after ``due``
    up to ``as_of``). ``share_used`` is working days elapsed / working days from start to
    due, not capped (above 1 when overdue). ``point_75`` is the day 75% of the working days
    have passed (the ceil(0.75 * total)-th working day after ``start``).
    """

    start: date
    due: date
    as_of: date
    total_working_days: int
    working_days_elapsed: int
    working_days_left: int
    share_used: float
    due_soon: bool
    overdue: bool
    past_75: bool
    point_75: date


def clock_status(
    cal: WorkingCalendar,
    start: date,
    due: date,
    as_of: date,
    due_soon_days: int = 3,
) -> ClockStatus:
    """Where the clock from ``start`` to ``due`` stands on ``as_of``.

    ``due_soon``: not overdue and 0 to ``due_soon_days`` working days left (on the due
    day itself, 0 are left). ``overdue``: ``as_of`` is after ``due``; that includes a
    weekend straight after a Friday due date, when no working day has passed yet
    (``working_days_left`` is then 0, and the case is overdue, not due soon).
    """
    if due < start:
        raise DeadlineError(
            f"The due date {format_date(due)} is before the start {format_date(start)}."
        )
    if due_soon_days < 0:
        raise DeadlineError(
            f"'Due soon' must be 0 working days or more ahead (got {due_soon_days})."
        )
    total = cal.working_days_between(start, due)
    overdue = as_of > due
    if overdue:
        left = -cal.working_days_between(due, as_of)
    else:
        left = cal.working_days_between(as_of, due)
    elapsed = cal.working_days_between(start, as_of) if as_of >= start else 0
    if total:
        share = elapsed / total
        past_75 = 4 * elapsed >= 3 * total  # exact, no float rounding at the boundary
    else:  # a zero-day clock: all used up once its (only) day has come
        share = 1.0 if as_of >= due else 0.0
        past_75 = as_of >= due
    return ClockStatus(
        start=start,
        due=due,
        as_of=as_of,
        total_working_days=total,
        working_days_elapsed=elapsed,
        working_days_left=left,
        share_used=share,
        due_soon=not overdue and 0 <= left <= due_soon_days,
        overdue=overdue,
        past_75=past_75,
        point_75=cal.add_working_days(start, (3 * total + 3) // 4),
    )


def responded_in_time(
    cal: WorkingCalendar,
    start: date,
    working_days: int,
    responded_on: date,
    suspended_days: int = 0,
) -> bool:
    """Whether a response on ``responded_on`` is on or before the due day."""
    base = _check_timescale(working_days)
    return responded_on <= cal.add_working_days(start, base + _check_suspended(suspended_days))


def working_days_taken(cal: WorkingCalendar, start: date, responded_on: date) -> int:
    """The fewest working days N for which a response on ``responded_on`` is "within N
    working days" of ``start``: the smallest N with ``responded_on`` on or before the
    N-th working day after ``start``.

    A response on a working day counts the working days after the start up to and
    including it; one sent on a weekend or holiday counts up to the next working day.
    So ``working_days_taken(...) <= N`` exactly when :func:`responded_in_time` is true.
    """
    if responded_on < start:
        raise DeadlineError(
            f"The response ({format_date(responded_on)}) is before the start "
            f"({format_date(start)})."
        )
    counted = cal.working_days_between(start, responded_on)
    if responded_on > start and not cal.is_working_day(responded_on):
        counted += 1
    return counted


def working_days_taken_array(
    cal: WorkingCalendar, starts: DateArray, responded: DateArray
) -> IntArray:
    """:func:`working_days_taken` for many stages at once (reports)."""
    import numpy as np  # loaded with the first calendar, not at start-up

    counted = cal.working_days_between_array(starts, responded)
    one_day = np.timedelta64(1, "D")
    # A day is a working day when the count from the day before to it is one.
    on_working_day = cal.working_days_between_array(responded - one_day, responded) == 1
    taken: IntArray = counted + ((responded > starts) & ~on_working_day).astype(np.int64)
    return taken
