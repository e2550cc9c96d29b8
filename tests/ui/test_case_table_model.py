"""The case table model: a Qt model over SQL pages, checked with qtmodeltester."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QModelIndex, Qt
from sqlalchemy.orm import Session

from crm_desktop.db.database import Database
from crm_desktop.errors import PermissionRefused
from tests.factories import add_case
from ui.case_table_model import CASE_ID_ROLE, CaseTableModel
from ui.context import AppContext
from ui.runner import Runner


def add_many_cases(session: Session) -> None:
    for i in range(450):
        add_case(
            session,
            reference=f"COR-2024-{i + 1:05d}",
            received_on=dt.date(2024, 1, 1) + dt.timedelta(days=i % 200),
            complainant=f"Person {i:03d}",
            due_on=dt.date(2024, 9, 1) if i % 3 else None,
        )


@pytest.fixture
def database(filled_database) -> Database:  # type: ignore[no-untyped-def]
    """In this module the test's database holds 450 cases (written once per test
    process and copied for each test); everything else made for the test goes on top."""
    db, _ = filled_database(add_many_cases)
    return db


@pytest.fixture
def many_cases(database: Database) -> Database:
    return database


def test_empty_filled_and_reset_models_pass_the_model_tester(
    qtmodeltester,
    context: AppContext,
    many_cases: Database,  # type: ignore[no-untyped-def]
) -> None:
    empty = CaseTableModel(context)
    qtmodeltester.check(empty)
    model = CaseTableModel(context, None)
    model.set_database(many_cases)
    qtmodeltester.check(model)
    model.refresh()
    qtmodeltester.check(model)


def test_first_page_then_more_on_demand(context: AppContext, many_cases: Database) -> None:
    model = CaseTableModel(context)
    model.set_database(many_cases)
    assert model.total == 450
    assert model.rowCount() == CaseTableModel.PAGE_SIZE
    assert model.canFetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    assert model.rowCount() == 450
    assert not model.canFetchMore(QModelIndex())
    ids = [model.data(model.index(r, 0), CASE_ID_ROLE) for r in range(model.rowCount())]
    assert len(set(ids)) == 450


def test_sorting_goes_to_sql(context: AppContext, many_cases: Database) -> None:
    model = CaseTableModel(context)
    model.set_database(many_cases)
    model.sort(0, Qt.SortOrder.AscendingOrder)
    assert model.data(model.index(0, 0)) == "COR-2024-00001"
    model.sort(0, Qt.SortOrder.DescendingOrder)
    assert model.data(model.index(0, 0)) == "COR-2024-00450"
    assert model.rowCount() == CaseTableModel.PAGE_SIZE  # still only one page loaded


def test_cells_are_plain_english(context: AppContext, many_cases: Database) -> None:
    model = CaseTableModel(context)
    model.set_database(many_cases)
    model.set_search("COR-2024-00002")
    assert model.total == 1
    cells = [model.data(model.index(0, c)) for c in range(model.columnCount())]
    assert cells == [
        "COR-2024-00002",
        "Complaint",
        "Corporate",
        "2 Jan 2024",
        "Person 001",
        "Contact Centre",
        "Stage 1",
        "Open",
        "1 Sep 2024",
        "",
    ]
    # Due before today: coloured as overdue, and the tooltip says so in words.
    due = model.index(0, 8)
    assert model.data(due, Qt.ItemDataRole.ToolTipRole) == "1 Sep 2024 (overdue)"
    assert model.data(due, Qt.ItemDataRole.BackgroundRole) is not None
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(9)]
    assert headers[0] == "Reference" and headers[3] == "Received"
    # The Due heading says how the column sorts: by what it shows.
    tip = model.headerData(8, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("Due: sorted by the date shown") and "restart" in tip
    assert model.headerData(0, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole) == (
        "Reference"
    )


def test_a_failing_load_is_reported_not_raised(context: AppContext, many_cases: Database) -> None:
    """Nobody signed in: the page operation is refused, and the model says so."""
    context.actor = None
    model = CaseTableModel(context)
    failures: list[BaseException] = []
    model.failed.connect(failures.append)
    model.set_database(many_cases)
    assert failures and isinstance(failures[-1], PermissionRefused)
    assert model.loading is False
    assert model.rowCount() == 0


def test_pages_load_off_the_gui_thread(qtbot, context: AppContext, many_cases: Database) -> None:  # type: ignore[no-untyped-def]
    context.runner = Runner()  # a real worker thread
    model = CaseTableModel(context)
    with qtbot.waitSignal(model.total_changed, timeout=10000):
        model.set_database(many_cases)
    qtbot.waitUntil(lambda: model.rowCount() == CaseTableModel.PAGE_SIZE, timeout=10000)
    assert model.total == 450
    context.runner.wait()
