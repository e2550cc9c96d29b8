"""``crm-desktop calendar`` and ``crm-desktop queue`` on the command line."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.cli import main
from crm_desktop.db.database import open_database
from crm_desktop.db.models import Case, ClosureDay, Stage, User
from crm_desktop.domain.enums import CaseStatus, Kind, Procedure, StageCode, UserRole
from tests.factories import restricted_accounts, service_area


@pytest.fixture
def url(migrated_sqlite_url: str) -> str:
    return migrated_sqlite_url


def run(url: str, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["--database", url, *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        ("2022-09-16", "1", "2022-09-20 (Tue 20 Sep 2022)"),  # state funeral on Mon 19 Sep
        ("16/09/2022", "1", "2022-09-20 (Tue 20 Sep 2022)"),
        ("2024-03-14", "10", "2024-03-28 (Thu 28 Mar 2024)"),
        ("2024-03-28", "1", "2024-04-02 (Tue 2 Apr 2024)"),  # Good Friday, Easter Monday
        ("2023-05-05", "1", "2023-05-09 (Tue 9 May 2023)"),  # the Coronation, 8 May
        ("2022-06-01", "1", "2022-06-06 (Mon 6 Jun 2022)"),  # the Platinum Jubilee
        ("2022-12-23", "1", "2022-12-28 (Wed 28 Dec 2022)"),  # Christmas on a Sunday
        ("2024-03-16", "0", "2024-03-16 (Sat 16 Mar 2024)"),
    ],
)
def test_calendar_add(
    url: str, capsys: pytest.CaptureFixture[str], start: str, n: str, expected: str
) -> None:
    # Only the date, as YYYY-MM-DD, so scripts can read it.
    assert run(url, capsys, "calendar", "add", start, n) == (0, expected.split()[0] + "\n", "")


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("2024-03-14", "2024-03-28", "10"),
        ("2024-03-28", "2024-04-02", "1"),
        ("2022-09-16", "2022-09-19", "0"),
        ("2024-03-14", "2024-03-14", "0"),
        ("22/12/2023", "02/01/2024", "4"),  # 27, 28, 29 Dec and 2 Jan
    ],
)
def test_calendar_between(
    url: str, capsys: pytest.CaptureFixture[str], a: str, b: str, expected: str
) -> None:
    assert run(url, capsys, "calendar", "between", a, b) == (0, expected + "\n", "")


def test_calendar_holidays(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(url, capsys, "calendar", "holidays", "2022")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "2022-01-03 (Mon 3 Jan 2022)  New Year's Day (observed)"
    assert "2022-06-03 (Fri 3 Jun 2022)  Platinum Jubilee of Elizabeth II" in lines
    assert "2022-09-19 (Mon 19 Sep 2022)  State Funeral of Queen Elizabeth II" in lines
    assert lines[-1] == "2022-12-27 (Tue 27 Dec 2022)  Christmas Day (observed)"
    assert len(lines) == 10


def test_calendar_includes_closure_days(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    database = open_database(url)
    try:
        database.write(lambda s: s.add(ClosureDay(day=date(2024, 3, 15), name="Staff training")))
    finally:
        database.dispose()
    assert run(url, capsys, "calendar", "add", "2024-03-14", "1")[1] == "2024-03-18\n"
    assert run(url, capsys, "calendar", "between", "2024-03-14", "2024-03-18")[1] == "1\n"
    _, out, _ = run(url, capsys, "calendar", "holidays", "2024")
    assert "2024-03-15 (Fri 15 Mar 2024)  Council closure: Staff training" in out.splitlines()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("calendar", "add", "2024-03-14", "-1"), "must be 0 or more (got -1)"),
        (("calendar", "between", "2024-03-28", "2024-03-14"), "end date is before the start"),
        (("calendar", "holidays", "2099"), "2099 is outside the years the calendar knows"),
        (("calendar", "add", "2045-12-20", "10"), "falls after 31 Dec 2045"),
        (("queue", "latest"), "The queues are: my-open, due-soon, overdue"),
        (("queue", "my-open"), "needs --user"),
        (("queue", "my-open", "--user", "zoe"), "There is no user called 'zoe'"),
        (("queue", "due-soon", "--within", "-2"), "--within must be 0"),
    ],
)
def test_errors_are_one_line_on_stderr(
    url: str, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], message: str
) -> None:
    code, out, err = run(url, capsys, *argv)
    assert code != 0
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("crm-desktop: ")
    assert message in err


def test_a_bad_date_is_refused(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--database", url, "calendar", "add", "31/02/2024", "1"])
    assert info.value.code != 0
    assert "'31/02/2024' is not a date" in capsys.readouterr().err


def fill(session: Session) -> None:
    user = User(username="alice", display_name="Alice Able", role=UserRole.OFFICER)
    session.add(user)
    session.flush()
    for reference, procedure, code, due in (
        ("COR-2024-00002", Procedure.CORPORATE, StageCode.STAGE_1, date(2024, 4, 2)),
        ("CSC-2024-00001", Procedure.CHILDREN, StageCode.STAGE_2, date(2024, 3, 25)),
        ("ASC-2024-00003", Procedure.ADULT, StageCode.LOW, date(2024, 3, 28)),
    ):
        case = Case(
            reference=reference,
            kind=Kind.COMPLAINT,
            procedure=procedure,
            received_on=date(2024, 3, 1),
            status=CaseStatus.OPEN,
            owner_id=user.id,
        )
        session.add(case)
        session.flush()
        stage = Stage(case_id=case.id, seq=1, stage=code, started_on=date(2024, 3, 1), due_on=due)
        session.add(stage)
        session.flush()
        case.current_stage_id = stage.id


def test_queue_csv(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    database = open_database(url)
    try:
        database.write(fill)
    finally:
        database.dispose()
    code, out, err = run(
        url,
        capsys,
        "queue",
        "my-open",
        "--user",
        "alice",
        "--as-of",
        "28/03/2024",
        "--format",
        "csv",
    )
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "reference,procedure,stage,due,working_days_left",
        "CSC-2024-00001,children,2,2024-03-25,-3",
        "ASC-2024-00003,adult,low,2024-03-28,0",
        "COR-2024-00002,corporate,1,2024-04-02,1",
    ]
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[0]["working_days_left"] == "-3"

    code, out, _ = run(url, capsys, "queue", "overdue", "--as-of", "2024-03-28", "--format", "csv")
    assert out.splitlines() == [
        "reference,procedure,stage,due,working_days_left",
        "CSC-2024-00001,children,2,2024-03-25,-3",
    ]
    code, out, _ = run(
        url,
        capsys,
        "queue",
        "due-soon",
        "--as-of",
        "2024-03-28",
        "--within",
        "0",
        "--format",
        "csv",
    )
    assert out.splitlines()[1:] == ["ASC-2024-00003,adult,low,2024-03-28,0"]
    code, out, _ = run(url, capsys, "queue", "lgsco-remedies", "--format", "csv")
    assert out == "reference,procedure,stage,due,working_days_left\n"


def test_queue_table(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    database = open_database(url)
    try:
        database.write(fill)
    finally:
        database.dispose()
    code, out, _ = run(url, capsys, "queue", "due-soon", "--as-of", "2024-03-28", "--within", "3")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Due within 3 working days, as of 28 Mar 2024: 2 rows"
    assert lines[2].split() == [
        "Reference",
        "Procedure",
        "Stage",
        "Due",
        "Days",
        "left",
        "Owner",
        "Detail",
    ]
    assert "28 Mar 2024" in lines[4]
    assert "Adult social care" in lines[4]
    assert "Low risk" in lines[4]
    assert "2 Apr 2024" in lines[5]
    assert "Alice Able" in lines[5]
    code, out, _ = run(url, capsys, "queue", "awaiting-investigator", "--as-of", "2024-03-28")
    assert out.splitlines() == [
        "Awaiting Investigating Officer / Independent Person, as of 28 Mar 2024: 1 row",
        "",
        out.splitlines()[2],
        out.splitlines()[3],
        out.splitlines()[4],
    ]
    assert "CSC-2024-00001" in out
    assert "Needs an IO; Needs an IP" in out


def _fill_with_roles(session: Session) -> None:
    fill(session)
    through_care = service_area(session, Procedure.CHILDREN, "Through Care")
    child = session.scalars(sa.select(Case).where(Case.reference == "CSC-2024-00001")).one()
    child.service_area_id = through_care.id
    restricted_accounts(session, through_care)


def test_queue_as_a_user(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """``--as``: my-open lists the user's own cases without --user; a service responder
    sees their own service area's cases only; an investigator has no queues."""
    database = open_database(url)
    try:
        database.write(_fill_with_roles)
    finally:
        database.dispose()
    csv_args = ("--as-of", "2024-03-28", "--format", "csv")
    code, out, err = run(url, capsys, "--as", "alice", "queue", "my-open", *csv_args)
    assert (code, err) == (0, "")
    assert [line.split(",")[0] for line in out.splitlines()[1:]] == [
        "CSC-2024-00001",
        "ASC-2024-00003",
        "COR-2024-00002",
    ]
    code, out, _ = run(url, capsys, "--as", "responder", "queue", "overdue", *csv_args)
    assert out.splitlines()[1:] == ["CSC-2024-00001,children,2,2024-03-25,-3"]
    code, out, _ = run(url, capsys, "--as", "noarea", "queue", "overdue", *csv_args)
    assert (code, out.splitlines()[1:]) == (0, [])
    # Someone else's open cases, as far as the responder may see them.
    code, out, _ = run(
        url, capsys, "--as", "responder", "queue", "my-open", "--user", "alice", *csv_args
    )
    assert [line.split(",")[0] for line in out.splitlines()[1:]] == ["CSC-2024-00001"]
    code, out, err = run(url, capsys, "--as", "investigator", "queue", "overdue", *csv_args)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "you cannot see cases" in err
