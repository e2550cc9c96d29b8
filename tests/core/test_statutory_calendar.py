"""Closure days do not stop statutory clocks (issue 18, item 1).

SI 2006/1738 reg. 2: "'working day' means a day which is not a Saturday, Sunday,
Christmas Day, Boxing Day, Good Friday or a bank holiday". No council closure days: the
children's and adult's clocks count a closure day as a working day; corporate clocks
(council policy) skip it.

The dates: Friday 27 Dec 2024 is a council closure day between Christmas and New Year;
Christmas Day and Boxing Day 2024 are Wednesday and Thursday; New Year's Day 2025 a
Wednesday; Good Friday 2025 is 18 Apr and Easter Monday 21 Apr.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import TypeVar

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from crm_desktop.cli import main
from crm_desktop.db.database import Database, open_database
from crm_desktop.db.models import Case, ClosureDay, Stage, User
from crm_desktop.domain.calendar import england_and_wales_calendar
from crm_desktop.domain.enums import CaseStatus, Kind, Procedure, StageCode, UserRole
from crm_desktop.domain.statutory import calendar_for, skips_closure_days
from crm_desktop.services import queues
from crm_desktop.services.calendar_service import working_calendar

T = TypeVar("T")
CLOSURE = date(2024, 12, 27)
CLOSURES = ((CLOSURE, "Council closure between Christmas and New Year"),)


# ----------------------------------------------------------------------------- domain


def test_which_procedures_skip_closure_days() -> None:
    assert skips_closure_days(Procedure.CORPORATE)
    assert skips_closure_days(None)
    assert not skips_closure_days(Procedure.CHILDREN)
    assert not skips_closure_days("adult")


@pytest.mark.parametrize(
    ("procedure", "expected"),
    [
        # 23, 24 Dec; 25 Christmas Day, 26 Boxing Day; 27 the closure day counts; 30, 31.
        (Procedure.CHILDREN, date(2024, 12, 31)),
        (Procedure.ADULT, date(2024, 12, 31)),
        # 23, 24, 30, 31 Dec; 1 Jan New Year's Day; 2 Jan.
        (Procedure.CORPORATE, date(2025, 1, 2)),
    ],
)
def test_five_working_days_across_christmas(procedure: Procedure, expected: date) -> None:
    cal = calendar_for(procedure, CLOSURES)
    assert cal.add_working_days(date(2024, 12, 20), 5) == expected


def test_easter_is_the_same_for_every_procedure() -> None:
    # Thu 17 Apr 2025 + 1: Good Friday and Easter Monday are not working days for anyone.
    for procedure in Procedure:
        assert calendar_for(procedure, CLOSURES).add_working_days(date(2025, 4, 17), 1) == date(
            2025, 4, 22
        )


def test_the_statutory_calendar_is_the_one_without_closure_days() -> None:
    assert calendar_for(Procedure.CHILDREN, CLOSURES) is england_and_wales_calendar(())
    assert calendar_for(Procedure.CORPORATE, CLOSURES) is england_and_wales_calendar(CLOSURES)


_weekdays = st.dates(min_value=date(2023, 1, 1), max_value=date(2026, 12, 31)).filter(
    lambda d: d.weekday() < 5
)


@settings(max_examples=150, deadline=None)
@given(
    start=st.dates(min_value=date(2023, 1, 1), max_value=date(2026, 6, 30)),
    n=st.integers(min_value=0, max_value=70),
    closures=st.sets(_weekdays, max_size=12),
)
def test_a_childrens_due_date_with_closure_days_equals_the_one_without(
    start: date, n: int, closures: set[date]
) -> None:
    plain = england_and_wales_calendar(())
    named = tuple(sorted((d, "Closure") for d in closures if plain.is_working_day(d)))
    for procedure in (Procedure.CHILDREN, Procedure.ADULT):
        with_closures = calendar_for(procedure, named)
        assert with_closures.add_working_days(start, n) == plain.add_working_days(start, n)
    # The corporate clock does move: never earlier, and later whenever a closure day
    # falls in the counted span.
    corporate = calendar_for(Procedure.CORPORATE, named)
    due = corporate.add_working_days(start, n)
    assert due >= plain.add_working_days(start, n)
    if any(start < d <= plain.add_working_days(start, n) for d, _ in named):
        assert due > plain.add_working_days(start, n)


# ----------------------------------------------------------------------------- database


def _read(database: Database, question: Callable[[Session], T]) -> T:
    with database.session() as session:
        return question(session)


def _add_closure(database: Database) -> None:
    database.write(lambda s: s.add(ClosureDay(day=CLOSURE, name=CLOSURES[0][1])))


def test_the_database_gives_each_procedure_its_calendar(any_database: Database) -> None:
    _add_closure(any_database)

    def check(session: Session) -> None:
        corporate = working_calendar(session)
        assert working_calendar(session, Procedure.CORPORATE) is corporate
        assert not corporate.is_working_day(CLOSURE)
        for procedure in (Procedure.CHILDREN, Procedure.ADULT):
            cal = working_calendar(session, procedure)
            assert cal.is_working_day(CLOSURE)
            assert cal.add_working_days(date(2024, 12, 20), 5) == date(2024, 12, 31)

    _read(any_database, check)


def test_the_calendar_table_counts_both_ways(any_database: Database) -> None:
    _add_closure(any_database)
    rows = _read(
        any_database,
        lambda s: s.execute(
            sa.text(
                "SELECT day, working_count, statutory_count FROM calendar_day "
                "WHERE day IN (:a, :b) ORDER BY day"
            ),
            {"a": date(2024, 12, 24), "b": date(2024, 12, 31)},
        ).all(),
    )
    (_, corp_a, stat_a), (_, corp_b, stat_b) = rows
    assert corp_b - corp_a == 2  # 30, 31 Dec
    assert stat_b - stat_a == 3  # 27 (the closure day), 30, 31 Dec


@pytest.fixture
def three_cases(any_database: Database) -> Iterator[Database]:
    """One case of each procedure, every one due on Tue 31 Dec 2024, a closure day on Fri
    27 Dec."""
    _add_closure(any_database)

    def fill(session: Session) -> None:
        user = User(username="alice", display_name="Alice Able", role=UserRole.OFFICER)
        session.add(user)
        session.flush()
        for reference, procedure, code in (
            ("CSC-2024-00001", Procedure.CHILDREN, StageCode.STAGE_1),
            ("ASC-2024-00002", Procedure.ADULT, StageCode.LOW),
            ("COR-2024-00003", Procedure.CORPORATE, StageCode.STAGE_1),
        ):
            case = Case(
                reference=reference,
                kind=Kind.COMPLAINT,
                procedure=procedure,
                received_on=date(2024, 12, 2),
                status=CaseStatus.OPEN,
                owner_id=user.id,
            )
            session.add(case)
            session.flush()
            stage = Stage(
                case_id=case.id,
                seq=1,
                stage=code,
                started_on=date(2024, 12, 2),
                acknowledged_on=date(2024, 12, 3),
                timescale_days=20,
                due_on=date(2024, 12, 31),
            )
            session.add(stage)
            session.flush()
            case.current_stage_id = stage.id

    any_database.write(fill)
    yield any_database


def test_queues_count_each_case_in_its_procedures_calendar(three_cases: Database) -> None:
    rows = _read(three_cases, lambda s: queues.due_within(s, date(2024, 12, 20), within=5))
    left = {row.reference: row.working_days_left for row in rows}
    # From Fri 20 Dec to Tue 31 Dec: 23, 24, 27, 30, 31 for the statutory clocks; the
    # corporate clock skips the closure day.
    assert left == {"CSC-2024-00001": 5, "ASC-2024-00002": 5, "COR-2024-00003": 4}
    # Within 4 working days: the corporate case only (the statutory ones are 5 away).
    rows = _read(three_cases, lambda s: queues.due_within(s, date(2024, 12, 20), within=4))
    assert [row.reference for row in rows] == ["COR-2024-00003"]
    # The vectorised count the reminders use agrees with the query.
    counted = _read(
        three_cases,
        lambda s: queues.working_days_left_by_procedure(
            s,
            date(2024, 12, 20),
            [date(2024, 12, 31)] * 3,
            [Procedure.CHILDREN, Procedure.ADULT, Procedure.CORPORATE],
        ),
    )
    assert counted == [5, 5, 4]


def test_overdue_counts_the_closure_day_for_statutory_clocks(three_cases: Database) -> None:
    rows = _read(three_cases, lambda s: queues.overdue(s, date(2025, 1, 6)))
    left = {row.reference: row.working_days_left for row in rows}
    # After Tue 31 Dec: 2, 3, 6 Jan (1 Jan New Year's Day) for everyone.
    assert left == {"CSC-2024-00001": -3, "ASC-2024-00002": -3, "COR-2024-00003": -3}


# ----------------------------------------------------------------------------- the command line


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_url(request: pytest.FixtureRequest) -> str:
    fixture = "migrated_sqlite_url" if request.param == "sqlite" else "migrated_postgres_url"
    url: str = request.getfixturevalue(fixture)
    return url


def run(url: str, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["--database", url, *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_closure_days_on_the_command_line(any_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    added = run(any_url, capsys, "calendar", "closure", "add", "2024-12-27", "Council closure")
    assert added == (0, "Added closure day 2024-12-27 (Fri 27 Dec 2024)  Council closure\n", "")
    assert run(any_url, capsys, "calendar", "closure", "list") == (
        0,
        "2024-12-27 (Fri 27 Dec 2024)  Council closure\n",
        "",
    )
    # Corporate (the default) skips it; children's and adult's count it.
    assert run(any_url, capsys, "calendar", "add", "2024-12-20", "5")[1] == "2025-01-02\n"
    for procedure in ("children", "adult"):
        out = run(any_url, capsys, "calendar", "add", "2024-12-20", "5", "--procedure", procedure)
        assert out == (0, "2024-12-31\n", "")
        out = run(
            any_url,
            capsys,
            "calendar",
            "between",
            "2024-12-24",
            "2024-12-31",
            "--procedure",
            procedure,
        )
        assert out == (0, "3\n", "")
    assert run(
        any_url,
        capsys,
        "calendar",
        "between",
        "2024-12-24",
        "2024-12-31",
        "--procedure",
        "corporate",
    ) == (0, "2\n", "")
    # Adding it twice is refused, with what to do; nothing changes.
    code, out, err = run(any_url, capsys, "calendar", "closure", "add", "2024-12-27", "Again")
    assert code != 0 and "already a closure day" in err
    removed = run(any_url, capsys, "calendar", "closure", "remove", "2024-12-27")
    assert removed[0] == 0 and "Removed closure day 2024-12-27" in removed[1]
    assert run(any_url, capsys, "calendar", "closure", "list") == (0, "", "")
    assert run(any_url, capsys, "calendar", "add", "2024-12-20", "5")[1] == "2024-12-31\n"
    code, _, err = run(any_url, capsys, "calendar", "closure", "remove", "2024-12-27")
    assert code != 0 and "is not a closure day" in err
    # Both changes are in the audit trail.
    database = open_database(any_url)
    try:
        events = _read(
            database,
            lambda s: (
                s.execute(
                    sa.text(
                        "SELECT action FROM audit_event WHERE entity = 'closure_day' ORDER BY id"
                    )
                )
                .scalars()
                .all()
            ),
        )
    finally:
        database.dispose()
    assert len(events) == 2


def test_the_closure_commands_are_a_managers(
    migrated_sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    database = open_database(migrated_sqlite_url)
    try:
        database.write(
            lambda s: s.add(User(username="olly", display_name="Olly", role=UserRole.OFFICER))
        )
    finally:
        database.dispose()
    code, _, err = run(
        migrated_sqlite_url, capsys, "--as", "olly", "calendar", "closure", "add", "2024-12-27", "X"
    )
    assert code != 0
    assert err.startswith("crm-desktop: ")
