"""Each screen of the main window on demo data: it loads, shows real figures, opens cases,
and every model behind it passes the model tester (empty, filled and reset)."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QApplication, QLabel, QPushButton

from crm_desktop.db.database import Database
from crm_desktop.domain.access import Actor
from crm_desktop.domain.enums import Kind, Procedure
from crm_desktop.operations import cases, run_operation
from crm_desktop.reports.dashboard import dashboard_figures, open_ombudsman_stages
from crm_desktop.services import queues
from crm_desktop.services.cases import NewCase, PersonInput, PointInput, create_case
from crm_desktop.services.demo import generate_demo
from tests.ui.conftest import open_new_case
from ui.cases_page import load_saved_filters
from ui.context import AppContext
from ui.main_window import MainWindow
from ui.notifier import RecordingNotifier
from ui.queues_page import queue_tone
from ui.widgets import ROW_ROLE, BarChart, Column, RowsModel, from_qdate

DEMO_END = dt.date(2025, 6, 2)


@pytest.fixture
def demo(database: Database, people: dict[str, Actor]) -> Database:
    generate_demo(database, 400, 7, DEMO_END)
    return database


@pytest.fixture
def window(qtbot, context: AppContext, demo: Database) -> MainWindow:  # type: ignore[no-untyped-def]
    window = MainWindow(context=context)
    qtbot.addWidget(window)
    window.show()
    window.set_database(demo)
    return window


def _texts(window: MainWindow) -> list[str]:
    return [label.text() for label in window.current_page.findChildren(QLabel)]


def test_navigation_has_every_page_and_admin_only_for_managers(
    qtbot,  # type: ignore[no-untyped-def]
    window: MainWindow,
    context: AppContext,
    people: dict[str, Actor],
) -> None:
    names = [window.nav.item(i).text() for i in range(window.nav.count())]
    assert names == [
        "Dashboard",
        "My work",
        "Queues",
        "Cases",
        "Investigators",
        "Ombudsman",
        "Reports",
        "Complaint Handling Code",
    ]
    context.actor = people["manager"]
    manager_window = MainWindow(context=context)
    qtbot.addWidget(manager_window)
    assert manager_window.nav.item(manager_window.nav.count() - 1).text() == "Admin"
    assert "Morag Ellison" in manager_window.windowTitle()


def test_a_role_sees_only_the_pages_it_can_use(
    qtbot,  # type: ignore[no-untyped-def]
    context: AppContext,
    database: Database,
) -> None:
    """A service responder reads their area's cases and writes letters: the pool, the
    reports and the Code's report would each be a page of refusals, so they are not
    offered (as Admin is not offered to an officer). An officer runs reports but does
    not import cases, so the Tools menu does not offer the import."""
    from crm_desktop.domain.enums import UserRole
    from crm_desktop.services.users import add_user

    made = database.write(
        lambda s: add_user(
            s, "resp.one", UserRole.SERVICE_RESPONDER, password="quiet orange kettle"
        ),
        actor="system",
    )
    officer_window = MainWindow(context=context)
    qtbot.addWidget(officer_window)
    assert officer_window.report_action.isVisible()
    assert not officer_window.import_action.isVisible()
    officer_mine = officer_window.page("My work").mine_model  # type: ignore[attr-defined]

    context.actor = Actor(made.username, made.role, made.id, made.display_name)
    window = MainWindow(context=context)
    qtbot.addWidget(window)
    names = [window.nav.item(i).text() for i in range(window.nav.count())]
    assert names == ["Dashboard", "My work", "Queues", "Cases", "Ombudsman"]
    assert not window.report_action.isVisible()
    assert not window.import_action.isVisible()
    assert [a.text() for a in window.page_actions] == names
    # Their work is the stages they answer, owned by the officers they work with.
    mine = window.page("My work").mine_model  # type: ignore[attr-defined]
    headers = [mine.headerData(i, Qt.Orientation.Horizontal) for i in range(mine.columnCount())]
    assert "Owner" in headers
    assert "Owner" not in [
        officer_mine.headerData(i, Qt.Orientation.Horizontal)
        for i in range(officer_mine.columnCount())
    ]


def test_no_page_says_it_is_not_built(window: MainWindow) -> None:
    for name in window.pages:
        window.show_page(name)
        assert "not built yet" not in " ".join(_texts(window))


def test_dashboard(window: MainWindow, demo: Database, context: AppContext) -> None:
    page = window.show_page("Dashboard")
    assert page is window.dashboard
    with demo.session() as session:
        expected = dashboard_figures(session, context.today())
    assert window.dashboard.figures == expected
    assert window.dashboard.overdue_tile.number.text() == f"{expected.overdue:,}"
    assert window.dashboard.by_month.bars == [
        (c.label, c.value) for c in expected.received_by_month
    ]
    assert window.dashboard.by_month.accessibleDescription().startswith("Apr 25:")
    assert window.dashboard.kpis is not None
    assert window.dashboard.kpi_model.rowCount() == len(window.dashboard.kpis.kpis) > 0
    rag = window.dashboard.kpi_model.data(window.dashboard.kpi_model.index(0, 3))
    assert rag in ("Green: met", "Amber: within 10%", "Red: missed", "No cases yet")
    assert not window.dashboard.kpi_progress.isVisible()


def test_queues_counts_colours_and_opening(window: MainWindow, demo: Database) -> None:
    window.show_page("Queues")
    page = window.queues
    counts = {row.name: row.count for row in page.counts_model.rows}
    with demo.session() as session:
        assert counts["overdue"] == len(queues.overdue(session, DEMO_END))
        assert counts["due-soon"] == len(queues.due_within(session, DEMO_END))
    assert set(counts) == set(queues.QUEUES)
    page.counts_view.selectRow(list(queues.QUEUES).index("overdue"))
    assert page.current_queue == "overdue"
    assert page.rows_model.rowCount() == counts["overdue"] > 0
    first = page.rows_model.index(0, 1)
    assert page.rows_model.data(first) == "Overdue"
    assert page.rows_model.data(first, Qt.ItemDataRole.BackgroundRole) is not None
    assert page.rows_model.data(first, Qt.ItemDataRole.AccessibleTextRole) == "Status: Overdue"
    row = page.rows_model.data(first, ROW_ROLE)
    page.rows_view.setCurrentIndex(first)
    page.rows_view.doubleClicked.emit(first)
    assert row.case_id in window.case_windows
    window.case_windows[row.case_id].close()


def test_my_work_is_the_signed_in_users(window: MainWindow, demo: Database) -> None:
    window.show_page("My work")
    with demo.session() as session:
        mine = queues.my_open_cases(session, DEMO_END, "officer1")
    assert window.my_work.mine_model.rows == mine
    assert all(queue_tone(r) in ("overdue", "due soon") for r in window.my_work.urgent_model.rows)
    assert "Priya Raman" in window.my_work.heading.text()
    # Every case here is theirs: no Owner column. A case due later reads "In time".
    model = window.my_work.mine_model
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert "Owner" not in headers and headers[1] == "Status"
    later = [i for i, r in enumerate(model.rows) if r.working_days_left and r.working_days_left > 5]
    assert later and model.data(model.index(later[0], 1)) == "In time"


def test_cases_filters_search_and_saved_filters(window: MainWindow, demo: Database) -> None:
    window.show_page("Cases")
    page = window.cases
    total = page.case_model.total
    assert total == 400 and page.count_label.text() == "400 cases"
    page.filter_boxes["procedure"].setCurrentIndex(
        page.filter_boxes["procedure"].findData("children")
    )
    page.filter_boxes["status"].setCurrentIndex(page.filter_boxes["status"].findData("open"))
    assert page.case_model.query.filters == {"procedure": "children", "status": "open"}
    children_open = page.case_model.total
    assert 0 < children_open < total
    for row in range(page.case_model.rowCount()):
        assert page.case_model.data(page.case_model.index(row, 2)) == "Children's social care"
        assert page.case_model.data(page.case_model.index(row, 7)) == "Open"
    page.filter_name.setText("Children open")
    page.save_filter()
    assert load_saved_filters(page.state)["Children open"]["filters"] == {
        "procedure": "children",
        "status": "open",
    }
    page.clear_filters()
    assert page.case_model.total == total
    page.saved.setCurrentIndex(page.saved.findData("Children open"))
    page.apply_saved("Children open")
    assert page.case_model.total == children_open
    assert page.filter_boxes["procedure"].currentData() == "children"
    page.delete_filter()
    assert "Children open" not in load_saved_filters(page.state)
    page.clear_filters()
    page.filter_boxes["stage"].setCurrentIndex(page.filter_boxes["stage"].findData("2"))
    assert all(
        page.case_model.data(page.case_model.index(r, 6)) == "Stage 2"
        for r in range(page.case_model.rowCount())
    )
    # Enter on a row opens the case.
    page.case_table.setFocus()
    page.case_table.setCurrentIndex(page.case_model.index(0, 0))
    case_id = page.case_model.case_id(0)
    page.case_table.activated.emit(page.case_model.index(0, 0))
    assert case_id in window.case_windows
    window.case_windows[case_id].close()


def test_keyboard_shortcuts(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitActive(window):
        window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    QApplication.processEvents()
    assert window.current_page is window.cases and window.search_box.hasFocus()
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert window.new_case_dialog is not None and window.new_case_dialog.isVisible()
    qtbot.keyClick(window.new_case_dialog, Qt.Key.Key_Escape)
    assert not window.new_case_dialog.isVisible()
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert window.current_page is window.dashboard


def test_ombudsman_page(window: MainWindow, demo: Database) -> None:
    window.show_page("Ombudsman")
    page = window.ombudsman
    with demo.session() as session:
        assert page.stages_model.rows == open_ombudsman_stages(session, DEMO_END)
        assert page.remedies_model.rows == queues.lgsco_remedies(session, DEMO_END)
    assert page.message.text().endswith("remedies not yet completed.")


def test_window_layout_is_remembered(qtbot, context: AppContext, demo: Database) -> None:  # type: ignore[no-untyped-def]
    first = MainWindow(context=context)
    qtbot.addWidget(first)
    first.show()
    first.set_database(demo)
    first.show_page("Queues")
    first.resize(700, 500)
    first.close()
    second = MainWindow(context=context)
    qtbot.addWidget(second)
    assert second.current_page is second.queues
    assert (second.width(), second.height()) == (700, 500)


def test_new_case_checks_beside_the_field_and_warns(
    qtbot,  # type: ignore[no-untyped-def]
    window: MainWindow,
    demo: Database,
    people: dict[str, Actor],
) -> None:
    dialog = window.new_case()
    assert dialog is not None
    dialog.save_button.click()
    assert dialog.field_errors["service_area"].text() == "Choose the service area."
    assert "name" in dialog.field_errors["complainant"].text()
    assert "at least one point" in dialog.field_errors["points"].text()
    # Said at the top as well, where it is in sight whatever the form's scroll.
    assert dialog.error.text() == (
        "Nothing was recorded yet: check the service area, the person who complained and "
        "the complaint points (marked below)."
    )
    assert dialog.result_case is None
    # A flagged complainant and a late complaint: recorded, with warnings shown.
    created = demo.write(
        lambda s: create_case(
            s,
            NewCase(
                Kind.COMPLAINT,
                Procedure.CORPORATE,
                dt.date(2025, 5, 1),
                "Contact Centre",
                directorate="COaCH",
                complainant=PersonInput("Vic Persistent"),
                points=[PointInput("Communication")],
            ),
            people["officer"],
            DEMO_END,
        ),
        actor="officer1",
    )
    with demo.session() as session:
        from crm_desktop.db.models import CaseParty

        person_id = session.query(CaseParty.person_id).filter_by(case_id=created.case_id).scalar()
    run_operation(
        demo,
        people["manager"],
        DEMO_END,
        cases.set_vexatious,
        created.case_id,
        person_id,
        True,
        dt.date(2025, 12, 1),
    )
    dialog.directorate.setCurrentIndex(dialog.directorate.findData("COaCH"))
    dialog.service_area.setCurrentIndex(dialog.service_area.findData("Contact Centre"))
    dialog.person_name.setText("Vic Persistent")
    dialog.events_known.setChecked(True)
    dialog.events_on.setDate(dialog.events_on.date().addYears(-2))
    editor = dialog.point_editors[0]
    # A point described with no nature: the focus goes to its nature, the field to fill.
    dialog.show()
    editor.description.setText("Nobody called back")
    dialog.save_button.click()
    assert dialog.result_case is None and dialog.focusWidget() is editor.nature
    editor.nature.setCurrentIndex(editor.nature.findData("Communication"))
    # The day the complainant learnt of them is sent only when "Known" is ticked.
    assert dialog.new_case().noticed_on is None
    dialog.noticed_known.setChecked(True)
    dialog.noticed_on.setDate(dialog.events_on.date().addDays(7))
    assert dialog.new_case().noticed_on == from_qdate(dialog.events_on.date().addDays(7))
    dialog.noticed_known.setChecked(False)
    # A list of addresses is refused beside the complainant, with the email box in focus.
    dialog.show()
    dialog.person_email.setText("vic@example.org; other@example.org")
    dialog.save_button.click()
    assert dialog.result_case is None
    assert "is not an email address" in dialog.field_errors["complainant"].text()
    assert "check the person who complained (marked below)" in dialog.error.text()
    assert dialog.focusWidget() is dialog.person_email
    dialog.person_email.setText("vic@example.org")
    dialog.save_button.click()
    assert dialog.result_case is not None, dialog.error.text()
    notifier = window.notifier
    assert isinstance(notifier, RecordingNotifier)
    kind, title, message = notifier.messages[-1]
    assert kind == "warning" and title.endswith("please note")
    assert "persistent or vexatious" in message and "more than 12 months" in message
    assert dialog.result_case.case_id in window.case_windows
    window.case_windows[dialog.result_case.case_id].close()


def test_every_custom_model_passes_the_model_tester(qtmodeltester, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    columns = [Column("A", lambda r: r[0]), Column("B", lambda r: r[1], align_right=True)]
    empty = RowsModel(columns, tone=lambda r: "overdue" if r[1] < 0 else None)
    qtmodeltester.check(empty)
    empty.set_rows([("x", 1), ("y", -2)])
    qtmodeltester.check(empty)
    empty.set_rows([])
    qtmodeltester.check(empty)
    for name in ("Dashboard", "My work", "Queues", "Cases", "Ombudsman"):
        window.show_page(name)
    models = [
        window.dashboard.kpi_model,
        window.my_work.mine_model,
        window.my_work.urgent_model,
        window.queues.counts_model,
        window.queues.rows_model,
        window.ombudsman.stages_model,
        window.ombudsman.remedies_model,
        window.case_model,
    ]
    for model in models:
        qtmodeltester.check(model)  # filled
    window.queues.reload()
    window.case_model.refresh()
    for model in models:
        qtmodeltester.check(model)  # reset
    case = window.open_case(window.case_model.case_id(0) or 0)
    assert case is not None
    for model in (
        case.points_tab.points_model,
        case.stage_tab.stages_model,
        case.people_tab.parties_model,
        case.people_tab.assignments_model,
        case.items_tab.items_model,
        case.timeline_tab.timeline_model,
        case.history_tab.history_model,
    ):
        qtmodeltester.check(model)
    case.close()


def test_bar_chart_paints_with_and_without_bars(qtbot) -> None:  # type: ignore[no-untyped-def]
    for horizontal in (False, True):
        chart = BarChart("Test", horizontal=horizontal)
        qtbot.addWidget(chart)
        chart.resize(400, 300)
        assert not chart.grab().isNull()
        chart.set_bars([("A very long label indeed", 3), ("B", 0), ("C", 12)])
        assert chart.grab().width() > 0
        assert chart.accessibleDescription() == "A very long label indeed: 3; B: 0; C: 12"


def test_a_row_without_an_index_has_no_data() -> None:
    model = RowsModel([Column("A", lambda r: r)])
    assert model.data(QModelIndex()) is None
    assert model.row_at(5) is None


def test_on_first_start_the_name_and_service_area_columns_hold_what_they_show(
    window: MainWindow,
) -> None:
    """Not "Highways Maintenanc…" beside a wide empty Owner column: the free-text
    columns widen to their first rows' text (up to 30 characters; beyond, the tooltip)."""
    from ui.cases_page import WIDEST, CasesPage

    window.show_page("Cases")
    page = window.page("Cases")
    assert isinstance(page, CasesPage)
    table, model = page.case_table, page.case_model
    assert model.rowCount() > 0
    metrics = table.fontMetrics()
    widest = metrics.horizontalAdvance("n") * WIDEST
    for column in (4, 5):  # Name, Service area
        texts = [str(model.index(r, column).data() or "") for r in range(model.rowCount())]
        longest = max(metrics.horizontalAdvance(text) for text in texts)
        assert table.columnWidth(column) >= min(longest, widest - metrics.horizontalAdvance("M"))


def test_on_first_start_the_due_date_and_status_are_in_view_on_a_small_screen(
    qtbot, window: MainWindow
) -> None:  # type: ignore[no-untyped-def]
    """A 1366x768 laptop at 150% gives the window about 911x512: the case list starts with
    whose case it is, when it is due and where it stands, without scrolling sideways."""
    from crm_desktop.services.case_list import COLUMNS
    from ui.cases_page import CasesPage

    window.resize(911, 480)
    window.show()
    window.show_page("Cases")
    page = window.page("Cases")
    assert isinstance(page, CasesPage)
    table = page.case_table
    header = table.horizontalHeader()
    keys = [column.key for column in COLUMNS]
    shown = [keys[header.logicalIndex(place)] for place in range(len(keys))]
    assert shown[:4] == ["reference", "complainant", "due", "status"]
    qtbot.waitUntil(lambda: table.viewport().width() > 0)
    for key in ("reference", "due", "status"):
        column = keys.index(key)
        right = header.sectionViewportPosition(column) + header.sectionSize(column)
        assert right <= table.viewport().width(), key
    # Sorting still goes by the column clicked, wherever it stands.
    table.sortByColumn(keys.index("due"), Qt.SortOrder.AscendingOrder)
    assert page.case_model.query.sort == "due"


def test_new_case_points_have_room_for_their_nature_and_description(
    qtbot, context: AppContext, demo: Database
) -> None:  # type: ignore[no-untyped-def]
    dialog = open_new_case(qtbot, context)
    editor = dialog.add_point()
    longest = max(
        (editor.nature.itemText(i) for i in range(editor.nature.count())),
        key=editor.nature.fontMetrics().horizontalAdvance,
    )
    editor.nature.setCurrentIndex(editor.nature.findText(longest))
    editor.description.setText("The service did not call back after three promises")
    qtbot.wait(1)
    metrics = editor.description.fontMetrics()
    # What went wrong is a sentence: its box is wider than the nature's and holds one.
    assert editor.description.width() >= editor.nature.width()
    assert editor.description.width() > metrics.horizontalAdvance(editor.description.text())
    assert editor.nature.width() >= editor.nature.sizeHint().width()
    # Tab goes from the nature to what went wrong, then to Remove.
    assert editor.nature.nextInFocusChain() is editor.description
    assert editor.description.nextInFocusChain() is editor.remove
    dialog.reject()


def test_new_case_tab_goes_through_the_points_before_the_buttons(
    qtbot, context: AppContext, demo: Database
) -> None:  # type: ignore[no-untyped-def]
    """From Desired outcome, Tab goes to each point's nature, description and Remove
    (points added later too), then "Add a complaint point", then the dialog's buttons:
    never to the scroll area holding the form."""
    dialog = open_new_case(qtbot, context)
    dialog.add_point()
    dialog.add_point()
    editors = dialog.point_editors
    assert len(editors) >= 2
    dialog.activateWindow()
    qtbot.waitActive(dialog)
    dialog.desired.setFocus()
    qtbot.waitUntil(lambda: dialog.desired.hasFocus())
    expected = [dialog.named_staff] if dialog.named_staff.isVisible() else []
    for editor in editors:
        expected += [editor.nature, editor.description, editor.remove]
    expected.append(dialog.add_point_button)
    visited = []
    for _ in range(len(expected) + 1):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        visited.append(QApplication.focusWidget())
    assert visited[:-1] == expected
    last = visited[-1]
    assert isinstance(last, QPushButton)
    assert last.parentWidget() is dialog.save_button.parentWidget()  # Record, or Cancel
    dialog.reject()


def test_down_in_the_search_box_goes_to_the_first_result(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    """Not ten Tabs through the filters: Down goes into the results, on the first row."""
    from ui.cases_page import CasesPage

    window.show()
    window.show_page("Cases")
    page = window.page("Cases")
    assert isinstance(page, CasesPage)
    assert page.case_model.rowCount() > 0
    page.focus_search()
    qtbot.keyClick(page.search_box, Qt.Key.Key_Down)
    assert page.focusWidget() is page.case_table
    assert page.case_table.currentIndex().row() == 0


def test_new_case_points_keep_the_focus_where_the_typing_goes_on(  # type: ignore[no-untyped-def]
    qtbot, context: AppContext, demo: Database
) -> None:
    dialog = open_new_case(qtbot, context)
    first = dialog.point_editors[0]
    dialog.add_point_button.click()
    second = dialog.point_editors[1]
    assert dialog.focusWidget() is second.nature  # typing goes on in the new point
    second.remove.click()
    assert dialog.point_editors == [first]
    assert dialog.focusWidget() is first.nature  # not nowhere with the removed point
    first.remove.click()
    first.remove.click()  # pressed twice before it went: nothing more happens
    assert dialog.point_editors == []
    assert dialog.focusWidget() is dialog.add_point_button
    dialog.reject()
