"""The case list tells the truth at a glance: overdue and due soon as the queues say,
suspended cases as suspended with the day the clock stopped (and the day it is expected
to restart, when given), sorted by what the Due column shows, blank due dates (closed
cases) last whichever way the list is sorted, and the owner's name."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from crm_desktop.db.database import Database
from crm_desktop.db.models import Case, Stage, StageSuspension
from crm_desktop.domain.access import Actor
from crm_desktop.domain.enums import StageStatus, SuspensionReason, UserRole
from crm_desktop.operations import cases
from crm_desktop.operations.core import run_operation
from crm_desktop.services.case_list import COLUMN_BY_KEY, CaseListQuery, fetch_case_page
from crm_desktop.services.users import add_user
from tests.factories import add_case

TODAY = dt.date(2025, 6, 2)  # a Monday


def _build(session: Session) -> None:
    owner = add_user(
        session,
        "mhughes",
        UserRole.OFFICER,
        display_name="Megan Hughes",
        password="correct horse battery staple",
    )
    late = add_case(session, reference="COR-2025-00001", due_on=dt.date(2025, 5, 30))
    late.owner_id = owner.id
    add_case(session, reference="COR-2025-00002", due_on=dt.date(2025, 6, 4))
    add_case(session, reference="COR-2025-00003", due_on=dt.date(2025, 7, 30))
    stopped = add_case(session, reference="COR-2025-00004", due_on=dt.date(2025, 5, 1))
    stage = session.get(Stage, stopped.current_stage_id)
    assert stage is not None
    stage.status = StageStatus.SUSPENDED
    session.add(
        StageSuspension(
            stage_id=stage.id,
            starts_on=dt.date(2025, 4, 7),
            reason=SuspensionReason.COURT_PROCEEDINGS,
        )
    )
    expected = add_case(session, reference="COR-2025-00005", due_on=dt.date(2025, 5, 1))
    stage = session.get(Stage, expected.current_stage_id)
    assert stage is not None
    stage.status = StageStatus.SUSPENDED
    session.add(
        StageSuspension(
            stage_id=stage.id,
            starts_on=dt.date(2025, 5, 12),
            expected_resume_on=dt.date(2025, 6, 16),
            reason=SuspensionReason.AWAITING_INFORMATION,
        )
    )
    add_case(
        session,
        reference="COR-2024-00009",
        due_on=dt.date(2024, 1, 2),  # long past, but the case is closed
        closed_on=dt.date(2024, 1, 2),
    )
    session.flush()


def _rows(database: Database, query: CaseListQuery) -> list:  # type: ignore[type-arg]
    manager = Actor("boss", UserRole.MANAGER, display_name="Boss")
    _total, rows = run_operation(database, manager, TODAY, cases.case_page, query, 0, 50).value
    return rows


def test_tones_owner_and_suspension(database: Database) -> None:
    database.write(_build, actor="system")
    rows = {r.reference: r for r in _rows(database, CaseListQuery(sort="reference"))}
    assert rows["COR-2025-00001"].tone == "overdue"
    assert rows["COR-2025-00001"].owner == "Megan Hughes"  # the name, not the username
    assert rows["COR-2025-00002"].tone == "due soon"
    assert rows["COR-2025-00003"].tone is None
    stopped = rows["COR-2025-00004"]
    assert stopped.tone == "suspended" and stopped.suspended_since == dt.date(2025, 4, 7)
    assert stopped.suspended_until is None  # no day was given for it to restart
    expected = rows["COR-2025-00005"]
    assert expected.tone == "suspended"
    assert expected.suspended_since == dt.date(2025, 5, 12)
    assert expected.suspended_until == dt.date(2025, 6, 16)
    assert rows["COR-2024-00009"].tone is None  # closed: its old due date means nothing


def test_blank_due_dates_sort_last_both_ways(database: Database) -> None:
    database.write(_build, actor="system")
    for descending in (False, True):
        rows = _rows(database, CaseListQuery(sort="due", descending=descending))
        assert rows[-1].reference == "COR-2024-00009", descending
        shown = [r.due_on for r in rows if r.status == "open" and r.stage_status == "open"]
        assert shown == sorted(shown, reverse=descending)


def test_the_due_order_is_the_order_shown(any_database: Database) -> None:
    """A suspended clock sorts by the day it is expected to restart (the day its cell
    shows), not by its old due date; one with no such day after every dated row; blanks
    last; in both directions."""

    def build(session: Session) -> None:
        _build(session)
        add_case(session, reference="COR-2025-00006", due_on=None)  # open, no due date

    any_database.write(build, actor="system")
    up = [r.reference for r in _rows(any_database, CaseListQuery(sort="due", descending=False))]
    assert up == [
        "COR-2025-00001",  # due 30 May 2025
        "COR-2025-00002",  # due 4 Jun 2025
        "COR-2025-00005",  # Suspended until 16 Jun 2025 (its old due date: 1 May 2025)
        "COR-2025-00003",  # due 30 Jul 2025
        "COR-2025-00004",  # Suspended since 7 Apr 2025: no day given to restart
        "COR-2024-00009",  # blank: closed (blanks in the order they were added)
        "COR-2025-00006",  # blank: no due date
    ]
    down = [r.reference for r in _rows(any_database, CaseListQuery(sort="due", descending=True))]
    assert down == [
        "COR-2025-00003",
        "COR-2025-00005",
        "COR-2025-00002",
        "COR-2025-00001",
        "COR-2025-00004",
        "COR-2025-00006",  # blanks last, the later added first as ties are
        "COR-2024-00009",
    ]


def test_sorting_by_owner(database: Database) -> None:
    database.write(_build, actor="system")
    assert COLUMN_BY_KEY["owner"].title == "Owner"
    with database.session() as session:
        rows = fetch_case_page(session, CaseListQuery(sort="owner", descending=False))
        assert rows[0].owner == "Megan Hughes"  # the only owner; blanks after it
        assert all(r.owner is None for r in rows[1:])
        assert session.get(Case, rows[0].id) is not None
