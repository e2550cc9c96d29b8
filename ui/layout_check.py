"""Open every page and dialog on an emulated screen and say what does not fit.

    python -m ui.layout_check --screen 1366x768 --scale 1.5 [--database demo.db] [--shots DIR]

Runs offscreen on a screen of the given size (Qt's offscreen platform with a screen
configuration) at the given scaling (``QT_SCALE_FACTOR``), fills a throwaway copy of a
demo database, and opens each page of the main window, each tab of the case window and
each dialog the way a user would. For each it reports:

- a button (push, tool, check or radio) outside the screen, unless it sits in a scroll
  area whose visible part is on the screen (it can be scrolled to);
- a label whose text is cut (narrower or shorter than its text needs) without a tooltip
  showing the whole;
- a table heading narrower than its title without a tooltip;
- a dialog whose contents, put in a scroll area for their height, scroll sideways too;
- a main window that opens, on first start, on less than 80% of the screen;
- tabs that promise to fit (``ui.widgets.PageTabs``, the case window's) shortened to fit;
- any other tab bar whose tabs do not all fit (some behind its scroll arrows);
- a list of sections (``ui.widgets.SectionList``, the Admin page's) with a name scrolled
  out of view.

Prints one line per problem and exits 1 if there are any (``tests/ui/test_layouts.py``
runs it at 100%, 150% and 200% on 1366×768 and 1920×1080). ``--shots`` also saves each
window as a PNG.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

DEFAULT_CASES = 300
DEMO_END = dt.date(2026, 11, 30)  # the demo data ends here; "today" in the windows


def _screen_config(folder: Path, width: int, height: int) -> Path:
    config = folder / "screen.json"
    config.write_text(
        json.dumps(
            {
                "windowFrameMargins": True,
                "screens": [{"name": "screen", "x": 0, "y": 0, "width": width, "height": height}],
            }
        )
    )
    return config


# The narrowest screen (in the program's own pixels) whose pages must not scroll sideways.
PAGE_FITS_FROM = 900


def _problems(window: Any, name: str) -> list[str]:
    from PySide6.QtCore import QPoint, QRect
    from PySide6.QtWidgets import (
        QAbstractButton,
        QAbstractItemView,
        QAbstractScrollArea,
        QHeaderView,
        QLabel,
        QWidget,
    )

    screen = window.screen().availableGeometry()
    found: list[str] = []

    def global_rect(widget: QWidget) -> QRect:
        return QRect(widget.mapToGlobal(QPoint(0, 0)), widget.size())

    def scroll_parent(widget: QWidget) -> QAbstractScrollArea | None:
        """The outermost scroll area holding ``widget``: scrolling it brings it in view."""
        found = None
        parent = widget.parentWidget()
        while parent is not None and parent is not window:
            if isinstance(parent, QAbstractScrollArea) and not isinstance(
                parent, QAbstractItemView
            ):
                found = parent
            parent = parent.parentWidget()
        return found

    def label_of(widget: QWidget) -> str:
        text = getattr(widget, "text", lambda: "")()
        return (widget.accessibleName() or text or widget.objectName() or type(widget).__name__)[
            :60
        ]

    for button in window.findChildren(QAbstractButton):
        if not button.isVisibleTo(window) or isinstance(button.parentWidget(), QHeaderView):
            continue
        if button.parentWidget() is not None and isinstance(
            button.parentWidget().parentWidget(), QAbstractItemView
        ):
            continue
        area = scroll_parent(button)
        rect = global_rect(area.viewport()) if area is not None else global_rect(button)
        if not screen.contains(rect):
            found.append(f"{name}: button '{label_of(button)}' is outside the screen")
    for label in window.findChildren(QLabel):
        if not label.isVisibleTo(window) or not label.text() or label.toolTip():
            continue
        if label.pixmap() is not None and not label.pixmap().isNull():
            continue
        if label.wordWrap():
            needed = label.heightForWidth(label.width())
            if needed > label.height() + 1:
                found.append(f"{name}: label '{label.text()[:50]}' is cut at the bottom")
        elif label.sizeHint().width() > label.width() + 1:
            found.append(f"{name}: label '{label.text()[:50]}' is cut")
    from PySide6.QtWidgets import QScrollArea

    from ui.fit import SCROLLS

    # A dialog whose contents scroll does so up and down only: cutting the right of every
    # field and sending the reader sideways is a form that does not fit. So does a
    # page's, on a screen at least 900 pixels wide as the program lays it out (1366×768
    # at 150%; narrower, 1366×768 at 200%, some pages still scroll sideways).
    wide = screen.width() >= PAGE_FITS_FROM
    for area in window.findChildren(QScrollArea):
        dialog_scroll = area.objectName() == "DialogScroll" and window.property(SCROLLS)
        bar = area.horizontalScrollBar()
        if (
            (dialog_scroll or (wide and area.widgetResizable()))
            and area.isVisibleTo(window)
            and bar.maximum() > 0
        ):
            found.append(f"{name}: its contents scroll sideways")
    from ui.widgets import PageTabs

    for tabs in window.findChildren(PageTabs):
        # Tabs that promise to fit: every name whole, none shortened or scrolled away.
        bar = tabs.tabBar()
        if not bar.isVisibleTo(window):
            continue
        needed = sum(bar.tabSizeHint(i).width() for i in range(bar.count()) if bar.isTabVisible(i))
        if needed > bar.width() + 1:
            found.append(f"{name}: the tabs of '{tabs.accessibleName()}' are shortened to fit")
    from PySide6.QtWidgets import QTabWidget, QToolButton

    for tabs in window.findChildren(QTabWidget):
        # Every tab's name in view: none hidden behind the tab bar's scroll arrows.
        bar = tabs.tabBar()
        if not bar.isVisibleTo(window) or isinstance(tabs, PageTabs):
            continue
        arrows = any(b.isVisibleTo(bar) for b in bar.findChildren(QToolButton))
        outside = any(
            bar.isTabVisible(i) and not bar.rect().contains(bar.tabRect(i))
            for i in range(bar.count())
        )
        if arrows or outside:
            found.append(
                f"{name}: the tabs of '{tabs.accessibleName() or tabs.objectName()}' "
                "do not all fit (some are behind scroll arrows)"
            )
    from ui.widgets import SectionList

    for sections in window.findChildren(SectionList):
        # A list of sections shows every name without scrolling or cutting it.
        view = sections.list
        if not view.isVisibleTo(window):
            continue
        room = view.viewport().rect()
        for row in range(view.count()):
            rect = view.visualRect(view.model().index(row, 0))
            if not room.contains(rect) or rect.height() < view.fontMetrics().height():
                found.append(
                    f"{name}: section '{view.item(row).text()}' of "
                    f"'{view.accessibleName()}' is out of view"
                )
    for header in window.findChildren(QHeaderView):
        if header.orientation().value != 1 or not header.isVisibleTo(window):  # horizontal
            continue
        model = header.model()
        if model is None:
            continue
        metrics = header.fontMetrics()
        from PySide6.QtCore import Qt

        for section in range(header.count()):
            if header.isSectionHidden(section):
                continue
            title = model.headerData(section, Qt.Orientation.Horizontal)
            tip = model.headerData(section, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
            if not title or tip:
                continue
            if metrics.horizontalAdvance(str(title)) + 8 > header.sectionSize(section):
                found.append(f"{name}: heading '{title}' is cut")
    return found


def _accessibility_problems(window: Any, name: str) -> list[str]:
    """Every control a user can reach has a name a screen reader reads (its own, or its
    label's); Tab reaches every such control and no control keeps Tab to itself."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QAccessible
    from PySide6.QtWidgets import (
        QAbstractItemView,
        QAbstractSpinBox,
        QComboBox,
        QPlainTextEdit,
        QRadioButton,
        QTabBar,
        QTextEdit,
        QWidget,
    )

    found: list[str] = []

    def reachable(widget: QWidget) -> bool:
        return (
            widget.isVisibleTo(window)
            and widget.isEnabled()
            and bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus)
            and widget.window() is window
        )

    def inner(widget: QWidget) -> bool:
        """A part of another control (a combo box's line edit, a spin box's editor)."""
        parent = widget.parentWidget()
        return isinstance(parent, QComboBox | QAbstractSpinBox) or (
            parent is not None and isinstance(parent.parentWidget(), QAbstractItemView)
        )

    controls = [w for w in window.findChildren(QWidget) if reachable(w) and not inner(w)]
    for widget in controls:
        interface = QAccessible.queryAccessibleInterface(widget)
        spoken = interface.text(QAccessible.Text.Name) if interface is not None else ""
        if not spoken.strip() and not isinstance(widget, QTabBar):
            found.append(
                f"{name}: {type(widget).__name__} '{widget.objectName()}' has no accessible name"
            )
        if (
            isinstance(widget, QPlainTextEdit | QTextEdit)
            and not widget.isReadOnly()
            and not widget.tabChangesFocus()
        ):
            found.append(f"{name}: text box '{widget.accessibleName()}' keeps Tab")
        if isinstance(widget, QAbstractItemView) and widget.tabKeyNavigation():
            found.append(f"{name}: table '{widget.accessibleName()}' keeps Tab")
    # Walk the tab order from the first control round to where it started.
    if controls:
        controls[0].setFocus(Qt.FocusReason.TabFocusReason)
        start = window.focusWidget()
        seen: set[int] = set()
        for _ in range(len(controls) * 3 + 10):
            window.focusNextPrevChild(True)
            current = window.focusWidget()
            if current is None:
                break
            seen.add(id(current))
            if current is start:
                break
        for widget in controls:
            proxy = widget.focusProxy() or widget
            if isinstance(widget, QRadioButton) and not widget.isChecked():
                continue  # in a group Tab stops at the chosen one; arrows move between them
            if id(widget) not in seen and id(proxy) not in seen and not isinstance(widget, QTabBar):
                found.append(
                    f"{name}: Tab never reaches {type(widget).__name__} "
                    f"'{widget.accessibleName() or widget.objectName()}'"
                )
    return found


def run(
    screen: tuple[int, int],
    scale: float,
    database_file: Path | None,
    shots: Path | None,
    accessibility: bool = False,
) -> list[str]:
    work = Path(tempfile.mkdtemp(prefix="crm-layout-"))
    config = _screen_config(work, *screen)
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"
    os.environ["QT_SCALE_FACTOR"] = f"{scale:g}"
    os.environ["XDG_CONFIG_HOME"] = str(work / "settings")

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QDialog, QWidget

    from crm_desktop.db.database import open_database
    from crm_desktop.domain.access import Actor
    from crm_desktop.domain.enums import UserRole
    from crm_desktop.domain.workflow import Action
    from crm_desktop.logs import BugReport
    from crm_desktop.operations import cases, run_operation
    from crm_desktop.services.case_list import CaseListQuery
    from crm_desktop.services.demo import generate_demo
    from ui.action_dialog import ActionDialog
    from ui.app import create_application
    from ui.context import AppContext
    from ui.crash import CrashDialog
    from ui.help import AboutDialog, GuideDialog, ShortcutsDialog
    from ui.main_window import MainWindow
    from ui.notifier import RecordingNotifier
    from ui.runner import Runner
    from ui.sign_in import SignInDialog

    path = work / "demo.db"
    if database_file is not None:
        shutil.copyfile(database_file, path)
        database = open_database(f"sqlite:///{path}")
    else:
        database = open_database(f"sqlite:///{path}")
        generate_demo(database, DEFAULT_CASES, 1, DEMO_END)
    app = create_application()
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(work))
    today = DEMO_END
    notifier = RecordingNotifier()
    # The demo's team manager, an administrator: every page and section is shown.
    manager = Actor("manager", UserRole.ADMIN, display_name="Morag Ellison")
    context = AppContext(
        Runner(synchronous=True), notifier, database=database, actor=manager, today=lambda: today
    )
    problems: list[str] = []
    count = 0

    def settle() -> None:
        for _ in range(4):
            app.processEvents()

    def check(window: QWidget, name: str, prepare: Callable[[], object] | None = None) -> None:
        nonlocal count
        if prepare is not None:
            prepare()
        if not window.isVisible():
            window.show()
        settle()
        count += 1
        problems.extend(_problems(window, name))
        if accessibility:
            problems.extend(_accessibility_problems(window, name))
        if shots is not None:
            shots.mkdir(parents=True, exist_ok=True)
            window.grab().save(str(shots / f"{count:02d}-{name}.png"))

    def dialogs(opened: object, name: str) -> Iterator[QDialog]:
        if isinstance(opened, QDialog):
            check(opened, name)
            yield opened
            opened.reject()
            opened.close()

    sign_in = SignInDialog(AppContext(Runner(synchronous=True), notifier, database=database))
    check(sign_in, "sign-in")
    sign_in.close()

    window = MainWindow(context=context)
    window.show()
    window.set_database(database)
    settle()
    # On first start the window takes most of the screen: at 1,000 pixels on a 1920-wide
    # screen the case list's Due and Owner columns and half the Admin tabs were out of view.
    room, frame = window.screen().availableGeometry(), window.frameGeometry()
    if frame.width() < room.width() * 8 // 10 or frame.height() < room.height() * 8 // 10:
        problems.append(
            f"main window: opens at {frame.width()}×{frame.height()} on a screen whose free "
            f"area is {room.width()}×{room.height()}"
        )
    for page in list(window.pages):
        check(
            window,
            f"page-{page.lower().replace(' ', '-')}",
            functools.partial(window.show_page, page),
        )
        tabs = getattr(window.page(page), "tabs", None)
        if tabs is not None:
            for index in range(1, tabs.count()):
                check(
                    window,
                    f"page-{page.lower().replace(' ', '-')}-tab{index + 1}",
                    functools.partial(tabs.setCurrentIndex, index),
                )
            for index in range(tabs.count()):
                # A section whose editor fills in for the selected row (the Admin
                # page's): again with its first row chosen.
                section = tabs.widget(index)
                view = getattr(section, "view", None)
                if view is None or view.model() is None or not view.model().rowCount():
                    continue
                tabs.setCurrentIndex(index)
                check(
                    window,
                    f"page-{page.lower().replace(' ', '-')}-tab{index + 1}-row1",
                    functools.partial(view.selectRow, 0),
                )
    for opened, name in (
        (window.show_about(), "about"),
        (window.show_shortcuts(), "shortcuts"),
        (window.show_guide(), "guide"),
        (window.new_case(), "new-case"),
        (window.notifications.show_list(), "notifications"),
        (window.reports.open_import_wizard(), "import-wizard"),
        (window.investigators.add_member(), "investigator-add"),
        (
            CrashDialog(BugReport("A1B2", "ValueError: example", "details", work / "crm.log")),
            "crash",
        ),
    ):
        for _ in dialogs(opened, name):
            pass
    # The pool member's own dialogs: edit, availability, fees.
    pool = window.investigators
    window.show_page("Investigators")
    settle()
    if pool.pool_model.rowCount():
        pool.pool_view.selectRow(0)
        for opened, name in (
            (pool.edit_member(), "investigator-edit"),
            (pool.edit_availability(), "investigator-availability"),
            (pool.edit_fees(), "investigator-fees"),
        ):
            for _ in dialogs(opened, name):
                pass

    _total, rows = run_operation(
        database,
        manager,
        today,
        cases.case_page,
        CaseListQuery(sort="due", descending=False, filters={"stage": "2", "status": "open"}),
        0,
        20,
    ).value
    chosen = next((r for r in rows if r.due_on is not None), rows[0] if rows else None)
    if chosen is not None:
        case = window.open_case(chosen.id)
        assert case is not None
        for index in range(case.tabs.count()):
            if case.tabs.isTabVisible(index):
                check(
                    case,
                    f"case-tab{index + 1}",
                    functools.partial(case.tabs.setCurrentIndex, index),
                )
        for action in list(case.stage_tab.action_buttons):
            for _ in dialogs(
                case.stage_tab.open_action(action), f"action-{action.value.replace(' ', '-')}"
            ):
                pass
        # Every other action's dialog, as it would open on this case's stage: each asks
        # for different things (Respond, Suspend, Escalate to the Ombudsman, ...).
        stage_code = case.detail.stage.code if case.detail and case.detail.stage else None
        for action in Action:
            if action in case.stage_tab.action_buttons:
                continue
            for _ in dialogs(
                ActionDialog(context, chosen.id, lambda: 0, action, stage_code, case),
                f"action-{action.value.replace(' ', '-')}",
            ):
                pass
        for opened, name in (
            (case.stage_tab.choose_responder(), "responder"),
            (case.people_tab.statutory_report(), "statutory-report"),
            (case.stage_tab.explain_due_date(), "explain-due-date"),
            (case.people_tab.appoint(), "appoint"),
            (case.people_tab.equality_monitoring(), "equality"),
            (case.correspondence_tab.write_letter(), "letter"),
            (case.correspondence_tab.record_entry(), "record-correspondence"),
        ):
            for _ in dialogs(opened, name):
                pass
        case.dirty = False
        case.close()
    del Action, AboutDialog, GuideDialog, ShortcutsDialog
    window.close()
    # An investigator's own window: their workspace, the first of their cases chosen.
    investigator = _investigator(database)
    if investigator is not None:
        context.actor = investigator
        own = MainWindow(context=context)
        own.show()
        own.set_database(database)
        settle()
        check(own, "investigator-workspace")
        own.close()
    database.dispose()
    print(f"{count} windows checked", file=sys.stderr)
    return problems


def _investigator(database: Any) -> Any:
    """A user signed in as an investigator of the demo's pool who holds an accepted
    appointment (made for the check); None when the demo has no such appointment."""
    import sqlalchemy as sa

    from crm_desktop.db.models import Assignment, Person
    from crm_desktop.domain.access import Actor
    from crm_desktop.domain.enums import AssignmentStatus, UserRole
    from crm_desktop.services.users import add_user

    def work(session: Any) -> Any:
        person = session.scalar(
            sa.select(Person)
            .join(Assignment, Assignment.person_id == Person.id)
            .where(Assignment.status == AssignmentStatus.ACCEPTED.value)
            .order_by(Assignment.id)
            .limit(1)
        )
        if person is None:
            return None
        user = add_user(
            session,
            "layout.investigator",
            UserRole.INVESTIGATOR,
            password="layout check password 1",
            person_id=person.id,
        )
        return Actor(user.username, UserRole.INVESTIGATOR, user.id, person.full_name)

    return database.write(work, actor="manager")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ui.layout_check", description=__doc__)
    parser.add_argument("--screen", default="1366x768", help="WIDTHxHEIGHT in pixels")
    parser.add_argument("--scale", type=float, default=1.0, help="display scaling, e.g. 1.5")
    parser.add_argument("--database", type=Path, help="a demo database to copy (else one made)")
    parser.add_argument("--shots", type=Path, help="save each window as a PNG here")
    parser.add_argument(
        "--accessibility",
        action="store_true",
        help="also check accessible names and the tab order of every window",
    )
    args = parser.parse_args(argv)
    width, height = (int(part) for part in args.screen.lower().split("x"))
    problems = run((width, height), args.scale, args.database, args.shots, args.accessibility)
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
