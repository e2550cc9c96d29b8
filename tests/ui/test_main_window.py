"""The first window: opens the database off the GUI thread and shows the case list."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy.orm import Session

from crm_desktop.db.database import open_database
from crm_desktop.domain.access import Actor
from crm_desktop.domain.enums import UserRole
from tests.factories import add_case
from ui.app import start_main_window
from ui.main_window import PAGE_KEY
from ui.notifier import RecordingNotifier
from ui.runner import Runner
from ui.user_state import UserState

# The command-line administrator: whoever opens the file has everything on SQLite.
MANAGER = Actor("manager", UserRole.MANAGER, display_name="A Manager")


def test_window_shows_the_case_list(qtbot, migrated_sqlite_url: str) -> None:  # type: ignore[no-untyped-def]
    url = migrated_sqlite_url
    db = open_database(url)

    def build(session: Session) -> None:
        for i in range(3):
            add_case(
                session, reference=f"COR-2024-{i + 1:05d}", received_on=dt.date(2024, 5, 1 + i)
            )

    db.write(build)
    db.dispose()
    runner = Runner(synchronous=True)
    notifier = RecordingNotifier()
    window = start_main_window(url, runner, notifier, MANAGER)
    qtbot.addWidget(window)
    try:
        window.show_page("Cases")
        assert window.case_model.rowCount() == 3
        assert window.count_label.text() == "3 cases"
        assert window.case_table.model().data(window.case_table.model().index(0, 0)) == (
            "COR-2024-00003"
        )
        assert notifier.messages == []
        window.search_box.setText("00002")
        window.search_box.returnPressed.emit()
        assert window.count_label.text() == "1 case found"
        window.search_box.clear()
        assert window.case_model.rowCount() == 3
        # Ctrl+F puts the cursor in the search box.
        with qtbot.waitActive(window):
            window.activateWindow()
        window.case_table.setFocus()
        qtbot.keyClick(window.case_table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
        QApplication.processEvents()
        assert window.search_box.hasFocus()
    finally:
        window.close()
        if window.database is not None:
            window.database.dispose()


def test_a_bad_database_is_explained(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "notes.db"
    path.write_text("shopping list\n" * 30)
    notifier = RecordingNotifier()
    failed: list[bool] = []
    url = f"sqlite:///{path}"
    window = start_main_window(
        url, Runner(synchronous=True), notifier, MANAGER, lambda: failed.append(True)
    )
    qtbot.addWidget(window)
    assert failed == [True]
    assert notifier.messages[0][0] == "error"
    assert "not a CRM Desktop database" in notifier.messages[0][2]
    assert window.count_label.text() == "No database open."
    window.close()


def test_the_unread_count_is_read_once_the_first_page_is_in(  # type: ignore[no-untyped-def]
    qtbot, database, people: dict[str, Actor]
) -> None:
    """Work off the GUI thread, as in the program: the case list's first page is asked
    for first; the notification count (and its code) only once that work is done."""
    from crm_desktop.correspondence.notifications import notify

    manager = people["manager"]
    assert manager.user_id is not None
    database.write(lambda s: add_case(s, reference="COR-2024-00001"))
    database.write(lambda s: notify(s, manager.user_id, "Stage 1 response due"))
    runner = Runner()
    window = start_main_window(database.url, runner, RecordingNotifier(), manager)
    qtbot.addWidget(window)
    counted_when_listed: list[str] = []
    window.case_model.total_changed.connect(
        lambda _total: counted_when_listed.append(window.notifications.text())
    )
    try:
        window.show_page("Cases")
        qtbot.waitUntil(lambda: window.notifications.text() == "Notifications (1)", timeout=30000)
        assert counted_when_listed == ["Notifications"]  # the page came first
        assert window.case_model.rowCount() == 1
    finally:
        runner.wait()
        window.close()
        if window.database is not None:
            window.database.dispose()


def test_the_dashboard_asks_for_its_kpis_once_its_figures_are_shown(  # type: ignore[no-untyped-def]
    qtbot, database, people: dict[str, Actor]
) -> None:
    """The KPIs (the annual report's sums) would hold up the figures if both were worked
    out at once: they are asked for when the figures are in."""
    manager = people["manager"]
    database.write(lambda s: add_case(s, reference="COR-2024-00001"))
    UserState(manager.username).set_value(PAGE_KEY, "Cases")  # the dashboard not built yet
    runner = Runner()
    window = start_main_window(database.url, runner, RecordingNotifier(), manager)
    qtbot.addWidget(window)
    try:
        qtbot.waitUntil(lambda: window.context.database is not None, timeout=30000)
        assert window.built_page("Dashboard") is None
        page = window.show_page("Dashboard")  # built and loaded now
        assert window.dashboard is page
        asked_before_figures = window.dashboard.kpi_progress.job is not None
        qtbot.waitUntil(lambda: window.dashboard.kpis is not None, timeout=60000)
        assert not asked_before_figures
        figures = window.dashboard.figures
        assert figures is not None
        assert window.dashboard.open_tile.number.text() == f"{figures.open_cases:,}"
    finally:
        runner.wait()
        window.close()
        if window.database is not None:
            window.database.dispose()
