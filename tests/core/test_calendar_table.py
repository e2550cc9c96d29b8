"""The database's copy of the working-day calendar (``calendar_day``) and the LGSCO
remedies queue that counts working days from it in SQL.

The copy must agree with the Python calendar on every day, on SQLite and PostgreSQL:
after the database is created, after a closure day is added or removed (in the same
transaction), and after the copy is damaged (the next open rewrites it). An open compares
the copy day by day only when something that decides it may have changed since the last
comparison found it right. The queue's
SQL counting must give exactly :func:`escalation_points` and :func:`working_days_left`.
"""

from __future__ import annotations

import importlib.metadata
import itertools
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db import calendar_table
from crm_desktop.db.calendar_table import first_wrong_day, sync_calendar_table
from crm_desktop.db.database import Database, open_database
from crm_desktop.db.models import (
    ActionItem,
    CalendarDay,
    Case,
    ClosureDay,
    LgscoDetail,
    LgscoRemedy,
    Setting,
    Stage,
    StageTimescale,
)
from crm_desktop.domain.access import Actor
from crm_desktop.domain.calendar import (
    DEFAULT_FIRST_YEAR,
    DEFAULT_LAST_YEAR,
    england_and_wales_calendar,
)
from crm_desktop.domain.enums import (
    CaseStatus,
    Kind,
    Procedure,
    StageCode,
    StageStatus,
    TimescaleRule,
    UserRole,
)
from crm_desktop.errors import ValidationError
from crm_desktop.services.calendar_service import working_calendar
from crm_desktop.services.maintenance import check_database
from crm_desktop.services.queues import (
    QUEUES,
    due_soon_before,
    escalation_points,
    lgsco_remedies,
    queue_statement,
    run_queue,
    working_days_left,
)
from crm_desktop.services.reference_admin import add_closure_day, remove_closure_day

MANAGER = Actor(username="manager", role=UserRole.MANAGER)


def _stored(database: Database) -> list[tuple[date, int, bool]]:
    with database.session() as session:
        rows = session.execute(
            sa.select(CalendarDay.day, CalendarDay.working_count, CalendarDay.is_working).order_by(
                CalendarDay.day
            )
        ).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def test_a_new_database_holds_every_day_of_the_calendar(created_any_database: Database) -> None:
    stored = _stored(created_any_database)
    assert stored == england_and_wales_calendar().day_rows()
    assert stored[0][0] == date(DEFAULT_FIRST_YEAR, 1, 1)
    assert stored[-1][0] == date(DEFAULT_LAST_YEAR, 12, 31)
    by_day = {day: (count, working) for day, count, working in stored}
    # The Coronation bank holiday (Mon 8 May 2023) is not a working day; Tue 9 May is
    # the first working day after Fri 5 May.
    assert by_day[date(2023, 5, 8)][1] is False
    assert by_day[date(2023, 5, 9)][0] == by_day[date(2023, 5, 5)][0] + 1
    with created_any_database.session() as session:
        assert first_wrong_day(session) is None
        assert sync_calendar_table(session) == 0  # already right: nothing written


def test_a_closure_day_reaches_the_table_in_the_same_save(any_database: Database) -> None:
    closure = date(2024, 3, 5)  # a Tuesday

    def count_on(day: date) -> tuple[int, bool]:
        return next((c, w) for d, c, w in _stored(any_database) if d == day)

    before = count_on(date(2024, 3, 29))
    added = any_database.write(
        lambda s: add_closure_day(s, MANAGER, closure, "Staff training"), actor="manager"
    )
    assert count_on(closure) == (count_on(date(2024, 3, 4))[0], False)
    assert count_on(date(2024, 3, 29))[0] == before[0] - 1
    with any_database.session() as session:
        assert first_wrong_day(session) is None
    any_database.write(
        lambda s: remove_closure_day(s, MANAGER, added.id, added.version), actor="manager"
    )
    assert count_on(closure)[1] is True
    assert count_on(date(2024, 3, 29)) == before
    with any_database.session() as session:
        assert first_wrong_day(session) is None


def test_a_rewrite_builds_the_calendar_rows_once(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crm_desktop.db import calendar_table

    built: list[date | None] = []
    build = calendar_table._expected_rows

    def counted(cal, start=None):  # type: ignore[no-untyped-def]
        built.append(start)
        return build(cal, start)

    monkeypatch.setattr(calendar_table, "_expected_rows", counted)
    database.write(
        lambda s: add_closure_day(s, MANAGER, date(2024, 3, 5), "Staff training"),
        actor="manager",
    )
    assert built == [None]  # compared and rewritten from the same rows
    monkeypatch.undo()
    with database.session() as session:
        assert first_wrong_day(session) is None


def test_a_failed_save_leaves_the_table_as_it_was(database: Database) -> None:
    before = _stored(database)

    def add_then_fail(session: Session) -> None:
        session.add(ClosureDay(day=date(2024, 3, 5), name="Staff training"))
        session.flush()
        raise RuntimeError("the save went wrong")

    with pytest.raises(RuntimeError):
        database.write(add_then_fail)
    assert _stored(database) == before


@pytest.mark.parametrize("damage", ["count", "flag", "missing", "extra"])
def test_a_damaged_table_is_reported_and_rewritten_on_the_next_open(
    sqlite_url: str, damage: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crm_desktop.db import calendar_table

    database = open_database(sqlite_url)
    table = CalendarDay.__table__
    day = date(2031, 7, 15)
    try:
        expected = _stored(database)

        def spoil(session: Session) -> None:
            if damage == "count":
                session.execute(sa.update(table).where(table.c.day == day).values(working_count=1))
            elif damage == "flag":
                session.execute(sa.update(table).where(table.c.day == day).values(is_working=False))
            elif damage == "missing":
                session.execute(sa.delete(table).where(table.c.day >= day))
            else:
                session.execute(
                    sa.insert(table).values(day=date(2046, 1, 1), working_count=1, is_working=True)
                )

        database.write(spoil)
        with database.session() as session:
            wrong = first_wrong_day(session)
        assert wrong == (date(2046, 1, 1) if damage == "extra" else day)
        report = check_database(database)
        assert any("working-day calendar is wrong from" in p for p in report.problems)
    finally:
        database.dispose()
    built: list[object] = []
    build = calendar_table._expected_rows
    monkeypatch.setattr(
        calendar_table, "_expected_rows", lambda *args: built.append(args) or build(*args)
    )
    reopened = open_database(sqlite_url)
    monkeypatch.undo()
    assert len(built) == 1  # compared (a read) and rewritten (a write) from the same rows
    try:
        assert _stored(reopened) == expected
        assert not check_database(reopened).problems
    finally:
        reopened.dispose()


def test_due_soon_is_counted_from_the_table_as_the_calendar_counts_it(
    any_database: Database,
) -> None:
    """The case list marks "due soon" from the table (no calendar built): the same
    answer as the calendar's, over bank holidays, weekends and a closure day."""
    any_database.write(
        lambda s: add_closure_day(s, MANAGER, date(2024, 3, 5), "Staff training"),
        actor="manager",
    )
    with any_database.session() as session:
        cal = working_calendar(session)
        for offset in range(0, 800):
            day = date(2023, 12, 1) + timedelta(days=offset)
            for within in (0, 5, 10):
                assert due_soon_before(session, day, within) == cal.add_working_days(
                    day, within + 1
                ), (day, within)
        # Past the end of the table the calendar says why it cannot answer.
        with pytest.raises(ValidationError, match="last day the calendar knows"):
            due_soon_before(session, date(DEFAULT_LAST_YEAR, 12, 28))
        with pytest.raises(ValidationError, match="outside the years"):
            due_soon_before(session, date(DEFAULT_FIRST_YEAR - 1, 12, 28))


def _comparisons(monkeypatch: pytest.MonkeyPatch) -> list[date | None]:
    """What each day-by-day comparison of the table found, from now on."""
    found: list[date | None] = []
    compare = calendar_table._first_wrong

    def counted(session: Session, expected: list[calendar_table.CalendarRow]) -> date | None:
        found.append(compare(session, expected))
        return found[-1]

    monkeypatch.setattr(calendar_table, "_first_wrong", counted)
    return found


def _reopen(url: str) -> Database:
    database = open_database(url)
    database.dispose()
    return database


def test_an_open_after_one_that_found_the_table_right_compares_nothing(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = open_database(sqlite_url)
    try:
        with created.session() as session:
            recorded = session.get(Setting, calendar_table.CHECKED_KEY)
            assert recorded is not None and recorded.value.startswith("program ")
            assert calendar_table.unchanged_since_checked(session)
    finally:
        created.dispose()
    comparisons = _comparisons(monkeypatch)
    _reopen(sqlite_url)
    _reopen(sqlite_url)
    assert comparisons == []


def test_a_closure_day_put_in_by_hand_makes_the_next_open_compare_and_rewrite(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Added without the program (so the table was not rewritten with it): the closure
    days are part of what the last comparison is checked against."""
    database = open_database(sqlite_url)
    day = date(2031, 7, 15)  # a Tuesday
    try:
        database.write(
            lambda s: s.execute(
                sa.insert(ClosureDay.__table__).values(
                    day=day, name="Staff training", version=1, updated_at=datetime(2026, 1, 1)
                )
            )
        )
        assert dict((d, w) for d, _, w in _stored(database))[day] is True
    finally:
        database.dispose()
    comparisons = _comparisons(monkeypatch)
    reopened = open_database(sqlite_url)
    try:
        # Found wrong from that day (on reading, and again in the write that rewrites
        # it); found right in the same transaction as the record of it.
        assert comparisons == [day, day, None]
        assert dict((d, w) for d, _, w in _stored(reopened))[day] is False
        with reopened.session() as session:
            assert calendar_table.unchanged_since_checked(session)
    finally:
        reopened.dispose()
    _reopen(sqlite_url)
    assert comparisons == [day, day, None]  # found right and recorded: not compared again


def test_another_version_of_the_bank_holidays_makes_the_next_open_compare(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _reopen(sqlite_url)
    comparisons = _comparisons(monkeypatch)
    version = importlib.metadata.version

    def other_holidays(name: str) -> str:
        return "0.0.1" if name == "holidays" else version(name)

    monkeypatch.setattr(importlib.metadata, "version", other_holidays)
    _reopen(sqlite_url)
    assert comparisons == [None, None]  # compared, then again as it was recorded
    _reopen(sqlite_url)
    assert comparisons == [None, None]  # recorded against that version


def test_without_the_bank_holidays_version_every_open_compares(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build that leaves out the package's metadata cannot tell a new version of the
    bank holidays: it compares day by day at every open, as it always did."""

    def unknown(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", unknown)
    _reopen(sqlite_url)
    comparisons = _comparisons(monkeypatch)
    _reopen(sqlite_url)
    _reopen(sqlite_url)
    assert comparisons == [None, None]


def _add_remedies(
    session: Session, pairs: list[tuple[date, date]], percent: int | None = None
) -> None:
    case = Case(
        reference="COR-1",
        kind=Kind.COMPLAINT,
        procedure=Procedure.CORPORATE,
        received_on=date(2023, 1, 3),
        status=CaseStatus.OPEN,
    )
    session.add(case)
    session.flush()
    stage = Stage(case_id=case.id, seq=1, stage=StageCode.LGSCO, status=StageStatus.OPEN)
    session.add(stage)
    session.flush()
    case.current_stage_id = stage.id
    session.add(LgscoDetail(stage_id=stage.id))
    session.flush()
    for n, (agreed, deadline) in enumerate(pairs):
        session.add(
            LgscoRemedy(
                stage_id=stage.id,
                description=f"Remedy {n}",
                agreed_on=agreed,
                deadline_on=deadline,
                escalation_level=n % 3,
            )
        )
    if percent is not None:
        session.execute(
            sa.update(StageTimescale)
            .where(
                StageTimescale.procedure == Procedure.CORPORATE,
                StageTimescale.stage == StageCode.LGSCO,
                StageTimescale.rule == TimescaleRule.REMEDY_ESCALATION_PERCENT,
            )
            .values(value=percent)
        )


def _pairs() -> list[tuple[date, date]]:
    """Remedies over Easter, Christmas and the 2022-23 one-off holidays, of every length
    from none to two months, a deadline before its agreement, and dates the calendar
    does not know."""
    starts = [
        date(2022, 9, 16),  # before the Queen's state funeral (Mon 19 Sep 2022)
        date(2023, 4, 6),  # before Good Friday and Easter Monday 2023
        date(2023, 5, 5),  # before the Coronation (Mon 8 May 2023)
        date(2023, 12, 22),  # before Christmas
        date(2024, 3, 28),
        date(2024, 6, 8),  # a Saturday
    ]
    lengths = [0, 1, 2, 3, 4, 7, 13, 20, 33, 61]
    pairs = [(s, s + timedelta(days=n)) for s, n in itertools.product(starts, lengths)]
    pairs += [
        (date(2024, 3, 5), date(2024, 3, 1)),  # deadline before agreement
        (date(1999, 12, 1), date(2000, 1, 31)),  # agreed before the calendar's years
        (date(2045, 12, 1), date(2046, 1, 31)),  # deadline after them
    ]
    return pairs


@pytest.mark.parametrize("percent", [None, 50, 100])
def test_the_queue_counts_in_sql_as_the_calendar_does(
    any_database: Database, percent: int | None
) -> None:
    pairs = _pairs()
    any_database.write(lambda s: _add_remedies(s, pairs, percent))
    any_database.write(
        lambda s: s.add(ClosureDay(day=date(2023, 12, 27), name="Council closure")),
        actor="manager",
    )
    share = 75 if percent is None else percent
    for as_of in (date(2022, 9, 20), date(2023, 5, 9), date(2023, 12, 29), date(2024, 4, 30)):
        with any_database.session() as session:
            rows = lgsco_remedies(session, as_of)
            cal = working_calendar(session)
        assert date(2023, 12, 27) in cal.closure_days
        order = sorted(range(len(pairs)), key=lambda i: (pairs[i][1], pairs[i][0], i))
        agreed = [pairs[i][0] for i in order]
        deadlines = [pairs[i][1] for i in order]
        points = escalation_points(cal, as_of, agreed, deadlines, [share] * len(order))
        assert [r.due for r in rows] == deadlines
        assert [r.working_days_left for r in rows] == working_days_left(cal, as_of, deadlines)
        for row, i, point in zip(rows, order, points, strict=True):
            level = i % 3
            if point is None:
                words = "Deadline cannot be counted"
            elif as_of > pairs[i][1]:
                words = "Deadline passed: late"
            elif point.past:
                words = f"{share}% of the time passed on {point.point:%-d %b %Y}: escalate"
            else:
                words = f"Escalate on {point.point:%-d %b %Y} ({share}% of the time)"
            if level:
                words += f"; escalated (level {level})"
            assert row.detail == f"{words}. Remedy {i}"


def test_the_queue_refuses_a_day_the_calendar_does_not_know(database: Database) -> None:
    with database.session() as session:
        for as_of in (date(1999, 12, 31), date(2046, 1, 1)):
            with pytest.raises(ValidationError, match="outside the years the calendar knows"):
                lgsco_remedies(session, as_of)
            with pytest.raises(ValidationError, match="outside the years the calendar knows"):
                queue_statement(session, "lgsco-remedies", as_of)


def test_every_queue_counts_working_days_left_as_the_calendar_does(
    any_database: Database,
) -> None:
    """A clock due on every day from 1 Mar to 31 May 2024 (Easter, the May bank
    holidays and a council closure day on Wed 10 Apr), for a children's and a corporate
    case: each queue's working days left, counted in SQL, equal :func:`working_days_left`
    on the Python calendar of the case's procedure (the children's clock counts the
    closure day as a working day, the corporate one skips it)."""
    from tests.core.test_queues import add_case, add_user

    def build(session: Session) -> None:
        alice = add_user(session, "alice", "Alice Able")
        day = date(2024, 3, 1)
        while day <= date(2024, 5, 31):
            for prefix, procedure, code in (
                ("R", Procedure.CHILDREN, StageCode.STAGE_2),
                ("C", Procedure.CORPORATE, StageCode.STAGE_1),
            ):
                stage = add_case(
                    session,
                    f"{prefix}{day:%m%d}",
                    procedure=procedure,
                    stage=code,
                    owner_id=alice,
                    due_on=day,
                    acknowledge_due_on=day,
                )
                session.add(
                    ActionItem(case_id=stage.case_id, stage_id=stage.id, action="Act", due_on=day)
                )
            day += timedelta(days=1)
        session.add(ClosureDay(day=date(2024, 4, 10), name="Office move"))

    any_database.write(build)
    for as_of in (date(2024, 3, 29), date(2024, 4, 6), date(2024, 4, 10), date(2024, 5, 7)):
        with any_database.session() as session:
            calendars = {p.value: working_calendar(session, p) for p in Procedure}
            results = {
                name: run_queue(session, name, as_of, user="alice", within=10)
                for name in QUEUES
                if name != "lgsco-remedies"
            }
        assert calendars["children"].is_working_day(date(2024, 4, 10))
        assert not calendars["corporate"].is_working_day(date(2024, 4, 10))
        for name, rows in results.items():
            assert rows, name
            expected = [working_days_left(calendars[r.procedure], as_of, [r.due])[0] for r in rows]
            assert [r.working_days_left for r in rows] == expected, (name, as_of)
            both = {r.procedure for r in rows}
            assert both == (
                {"children"} if name == "awaiting-investigator" else {"children", "corporate"}
            )
    assert len(results["my-open"]) == 2 * 92
    assert len(results["awaiting-investigator"]) == 92


def test_a_closure_day_outside_the_calendar_does_not_stop_the_database_opening(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Put in by hand (the program refuses such a day): the database still opens,
    `db check` names the problem, and a manager can remove the day."""
    database = open_database(sqlite_url)
    table = ClosureDay.__table__
    try:
        database.write(
            lambda s: s.execute(
                sa.insert(table).values(
                    day=date(2050, 1, 3),
                    name="Far away",
                    version=1,
                    updated_at=datetime(2026, 1, 1),
                )
            )
        )
    finally:
        database.dispose()
    reopened = open_database(sqlite_url)
    try:
        assert "The calendar table was not brought up to date" in caplog.text
        problems = check_database(reopened).problems
        assert any("calendar cannot be built" in p and "3 Jan 2050" in p for p in problems)
        with reopened.session() as session:
            closure_id, version = session.execute(sa.select(table.c.id, table.c.version)).one()
        reopened.write(
            lambda s: remove_closure_day(s, MANAGER, closure_id, version), actor="manager"
        )
        assert not check_database(reopened).problems
    finally:
        reopened.dispose()


@pytest.mark.postgres
def test_a_read_only_login_opens_a_database_whose_copy_is_out_of_date(
    postgres_database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    from sqlalchemy.engine import make_url

    table = CalendarDay.__table__
    postgres_database.write(
        lambda s: s.execute(
            sa.update(table).where(table.c.day == date(2030, 1, 2)).values(is_working=False)
        )
    )
    url = make_url(postgres_database.url)
    read_only = url.set(query={**url.query, "options": "-c default_transaction_read_only=on"})
    own = open_database(read_only.render_as_string(hide_password=False))
    try:
        assert "this login may not update it" in caplog.text
        with own.session() as session:
            assert first_wrong_day(session) == date(2030, 1, 2)
    finally:
        own.dispose()
