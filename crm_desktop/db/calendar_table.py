"""The working-day calendar as the database holds it.

The calendar is England and Wales's (see :mod:`crm_desktop.domain.calendar`) plus the
council closure days a manager has added (the ``closure_day`` table). Building a calendar
takes a moment, so it is built once per distinct set of closure days and shared: a call
of :func:`working_calendar` costs one small query, or none while the closure days are
unchanged (:mod:`crm_desktop.db.rules_cache`).

The database also keeps a copy of the calendar, one row a day (``calendar_day``, see
:class:`~crm_desktop.db.models.CalendarDay`), so that a query can count working days
itself. The copy is derived data: :func:`sync_calendar_table` brings it in line when a
database is opened (new bank holidays come with a new version of the program) and,
through :func:`install`, in the same transaction as any change to the closure days, so
every user's queries see a change as soon as it is saved.

Comparing the copy with the calendar day by day means building the calendar (the bank
holidays package reads every country's rules), so an open skips it when nothing that
decides the copy has changed since the last comparison found it right: the same version
of the program and of the bank holidays package, the same closure days, and the copy
itself the same by its count and checksums read in SQL (:func:`unchanged_since_checked`,
:func:`remember_checked`). ``db check`` and the daily check still compare every day.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import importlib.metadata
import logging
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from crm_desktop import __version__
from crm_desktop.db import rules_cache
from crm_desktop.db.models import CalendarDay, ClosureDay, Setting
from crm_desktop.domain.calendar import CalendarError, WorkingCalendar
from crm_desktop.domain.enums import Procedure
from crm_desktop.domain.statutory import calendar_for, skips_closure_days
from crm_desktop.errors import ValidationError

__all__ = [
    "CHECKED_KEY",
    "CalendarCheck",
    "check_calendar_table",
    "closure_days_statement",
    "first_wrong_day",
    "install",
    "remember_checked",
    "sync_calendar_table",
    "unchanged_since_checked",
    "working_calendar",
]

log = logging.getLogger(__name__)

_CALENDAR_DAY: sa.Table = CalendarDay.__table__  # type: ignore[assignment]
CalendarRow = tuple[dt.date, int, bool, int]  # day, working count, working, statutory count
_INSERT_BATCH = 2000
# The setting that records what the copy was last found right against (see the module).
CHECKED_KEY = "calendar_day.checked"


@functools.cache
def closure_days_statement() -> sa.Select[dt.date, str]:
    """The query for the council closure days, in date order."""
    return sa.select(ClosureDay.day, ClosureDay.name).order_by(ClosureDay.day)


def working_calendar(session: Session, procedure: Procedure | str | None = None) -> WorkingCalendar:
    """The working days ``procedure``'s clocks count in (None: corporate).

    Corporate: England and Wales's working days less this council's closure days, cached
    by the set of closure days (after a manager adds or removes one, the next call builds,
    once, a calendar with the change). Children's and adult's: England and Wales's
    working days alone; the regulations know no closure days (no query is needed).
    """
    if not skips_closure_days(procedure):
        return calendar_for(procedure)
    key = rules_cache.shared(
        session,
        ("closure days",),
        lambda: tuple(
            (day, str(name)) for day, name in session.connection().execute(closure_days_statement())
        ),
    )
    try:
        return calendar_for(procedure, key)
    except CalendarError as exc:
        raise ValidationError(str(exc)) from None


def _expected_rows(cal: WorkingCalendar, start: dt.date | None = None) -> list[CalendarRow]:
    """The calendar table's rows from ``start``: the corporate calendar's count and
    working-day flag, with the statutory calendar's count beside them."""
    statutory = calendar_for(Procedure.CHILDREN)
    return [
        (day, count, working, statutory_count)
        for (day, count, working), (_, statutory_count, _) in zip(
            cal.day_rows(start), statutory.day_rows(start), strict=True
        )
    ]


def _may_write_calendar(connection: sa.Connection) -> bool:
    """False for a PostgreSQL login that may not change the calendar table (anyone but
    a manager's) or whose transactions are read-only (a reporting login): it reads the
    copy managers keep up to date."""
    from crm_desktop.db.pg_security import may_write

    return may_write(connection, "calendar_day") and bool(
        connection.dialect.name != "postgresql"
        or connection.exec_driver_sql(
            "SELECT has_table_privilege('calendar_day', 'DELETE')"
        ).scalar()
    )


def _first_wrong(session: Session, expected: list[CalendarRow]) -> dt.date | None:
    """The first day the table disagrees with ``expected`` on; None when it is right."""
    statement = sa.select(
        CalendarDay.day,
        CalendarDay.working_count,
        CalendarDay.is_working,
        CalendarDay.statutory_count,
    ).order_by(CalendarDay.day)
    stored: list[CalendarRow] = [
        (day, count, working, statutory)
        for day, count, working, statutory in session.connection().execute(statement)
    ]
    for want, have in zip(expected, stored, strict=False):
        if want != have:
            return min(want[0], have[0])
    if len(stored) == len(expected):
        return None
    longer = expected if len(expected) > len(stored) else stored
    return longer[min(len(expected), len(stored))][0]


@dataclass(frozen=True)
class CalendarCheck:
    """The table compared with a calendar: the rows it should hold (built once, and
    used again to rewrite it) and the first day it is wrong on (None: it is right)."""

    calendar: WorkingCalendar
    expected: list[CalendarRow]
    first_wrong_day: dt.date | None


def check_calendar_table(session: Session) -> CalendarCheck:
    cal = working_calendar(session)
    expected = _expected_rows(cal)
    return CalendarCheck(cal, expected, _first_wrong(session, expected))


def first_wrong_day(session: Session) -> dt.date | None:
    """The first day on which the calendar table disagrees with the working calendar
    (a day missing or extra, or a different count or working-day flag); None when the
    two agree on every day."""
    return check_calendar_table(session).first_wrong_day


def _checked_against(session: Session) -> str | None:
    """What decides the copy and what it holds, in one line: the program's and the bank
    holidays package's versions, the closure days, and the copy's count and checksums
    (a day added, removed or changed alters one of them). None when the package's
    version cannot be read: then every open compares day by day."""
    try:
        package = importlib.metadata.version("holidays")
    except importlib.metadata.PackageNotFoundError:
        return None
    connection = session.connection()
    closures = connection.execute(closure_days_statement()).all()
    closure_text = ";".join(f"{day.isoformat()}={name}" for day, name in closures)
    closure_digest = hashlib.sha256(closure_text.encode("utf-8")).hexdigest()[:16]
    t = _CALENDAR_DAY.c
    summary = connection.execute(
        sa.select(
            sa.func.count(),
            sa.func.min(t.day),
            sa.func.max(t.day),
            sa.func.sum(t.working_count),
            sa.func.sum(t.working_count * t.working_count),
            sa.func.sum(t.statutory_count),
            sa.func.sum(t.statutory_count * t.statutory_count),
            sa.func.sum(sa.case((t.is_working, 1), else_=0)),
            sa.func.sum(sa.case((t.is_working, t.working_count), else_=0)),
        )
    ).one()
    table = ",".join("" if value is None else str(value) for value in summary)
    return f"program {__version__}; holidays {package}; closure days {closure_digest}; {table}"


def unchanged_since_checked(session: Session) -> bool:
    """Whether the copy was found right by an earlier comparison and nothing that decides
    it, nor the copy itself, has changed since (a few cheap reads; no calendar built)."""
    stored = session.get(Setting, CHECKED_KEY)
    if stored is None or not stored.value:
        return False
    return stored.value == _checked_against(session)


def remember_checked(session: Session, checked: CalendarCheck | None = None) -> bool:
    """Record that the copy is right as it stands, for :func:`unchanged_since_checked`
    (after comparing it once more, in this transaction, with ``checked``'s rows if the
    calendar is still the same). False, recording nothing, when it is not right or this
    login may not change the settings."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        from crm_desktop.db.pg_security import may_write

        if not may_write(connection, "setting"):
            return False
    value = _checked_against(session)
    if value is None:
        return False
    cal = working_calendar(session)
    if checked is not None and checked.calendar is cal:
        expected = checked.expected
    else:
        expected = _expected_rows(cal)
    if _first_wrong(session, expected) is not None:
        return False
    row = session.get(Setting, CHECKED_KEY)
    if row is None:
        session.add(Setting(key=CHECKED_KEY, value=value))
    elif row.value != value:
        row.value = value
    return True


def sync_calendar_table(session: Session, checked: CalendarCheck | None = None) -> int:
    """Bring the database's copy of the calendar (``calendar_day``) in line with the
    working calendar, rewriting only the days from the first one that differs.

    ``checked``: a comparison made just before (in a read, on opening the database); its
    rows are used again if the calendar is still the same (the closure days unchanged),
    so the day rows are built once. The table itself is compared again here.

    Returns the number of rows written (0 when the copy was already right).
    """
    cal = working_calendar(session)
    if checked is not None and checked.calendar is cal:
        expected = checked.expected
    else:
        expected = _expected_rows(cal)
    start = _first_wrong(session, expected)
    if start is None:
        return 0
    connection = session.connection()
    if not _may_write_calendar(connection):
        log.warning(
            "The calendar table differs from the working calendar from %s, and this "
            "login may not update it; a manager opening the program will.",
            start,
        )
        return 0
    # The rows from ``start`` on (the expected rows run day by day from the first).
    days = expected[max((start - cal.first_day).days, 0) :]
    rows = [
        {"day": day, "working_count": count, "is_working": working, "statutory_count": statutory}
        for day, count, working, statutory in days
    ]
    connection.execute(sa.delete(_CALENDAR_DAY).where(_CALENDAR_DAY.c.day >= start))
    for chunk in range(0, len(rows), _INSERT_BATCH):
        connection.execute(sa.insert(_CALENDAR_DAY), rows[chunk : chunk + _INSERT_BATCH])
    log.info("Calendar table rewritten from %s (%d days)", start, len(rows))
    return len(rows)


def _after_flush(session: Session, _flush_context: Any) -> None:
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(obj, ClosureDay) for obj in changed):
        sync_calendar_table(session)


def install(factory: sessionmaker[Session]) -> None:
    """Keep the calendar table in step with every change to the closure days made
    through sessions from ``factory`` (in the same transaction)."""
    event.listen(factory, "after_flush", _after_flush)
