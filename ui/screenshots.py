"""Render every main screen, filled with demo data, to PNG files (for review).

    python -m ui.screenshots --out DIR [--cases N] [--scale 1.5]

Makes a throwaway SQLite database in a temporary folder, fills it with demo data ending
today, signs in as the demo manager (the demo's own password) and renders each
screen offscreen with ``QWidget.grab()``. Nothing touches the user's own database or
settings.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path


def _settle(app: object) -> None:
    from PySide6.QtWidgets import QApplication

    for _ in range(5):
        QApplication.processEvents()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ui.screenshots", description=__doc__)
    parser.add_argument("--out", required=True, type=Path, help="folder for the PNG files")
    parser.add_argument("--cases", type=int, default=3000, help="demo cases (default 3000)")
    parser.add_argument("--scale", type=float, default=1.0, help="display scale, e.g. 2")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if args.scale != 1.0:
        os.environ["QT_SCALE_FACTOR"] = str(args.scale)
    work = Path(tempfile.mkdtemp(prefix="crm-screenshots-"))
    os.environ["XDG_CONFIG_HOME"] = str(work / "settings")

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QWidget

    from crm_desktop.db.database import open_database
    from crm_desktop.domain.access import Actor
    from crm_desktop.domain.enums import UserRole
    from crm_desktop.domain.workflow import Action
    from crm_desktop.operations import cases, run_operation
    from crm_desktop.services.case_list import CaseListQuery
    from crm_desktop.services.demo import DEMO_PASSWORD, generate_demo
    from ui.app import create_application
    from ui.context import AppContext
    from ui.main_window import MainWindow
    from ui.notifier import RecordingNotifier
    from ui.queues_page import MyWorkPage
    from ui.runner import Runner
    from ui.sign_in import SignInDialog

    today = dt.date.today()
    database = open_database(f"sqlite:///{work / 'demo.db'}")
    print(f"Making {args.cases:,} demo cases in {work} …", file=sys.stderr)
    generate_demo(database, args.cases, args.seed, today)

    app = create_application()
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(work))
    runner = Runner(synchronous=True)
    notifier = RecordingNotifier()
    context = AppContext(runner, notifier, database=database, today=lambda: today)
    written: list[Path] = []

    def shot(widget: QWidget, name: str, prepare: Callable[[], object] | None = None) -> None:
        if prepare is not None:
            prepare()
        widget.show()
        _settle(app)
        path = args.out / f"{len(written) + 1:02d}-{name}.png"
        widget.grab().save(str(path))
        written.append(path)
        print(path)

    sign_in = SignInDialog(context, account="council\\mellison")
    sign_in.username.setText("manager")
    sign_in.password.setText(DEMO_PASSWORD)
    shot(sign_in, "sign-in")
    sign_in.sign_in()
    assert context.actor is not None, notifier.messages
    sign_in.close()

    window = MainWindow(context=context)
    metrics = window.fontMetrics()
    window.resize(metrics.horizontalAdvance("M") * 110, metrics.height() * 52)
    window.set_database(database)
    for name, file in (
        ("Dashboard", "dashboard"),
        ("My work", "my-work-manager"),
        ("Queues", "queues"),
        ("Cases", "cases"),
        ("Ombudsman", "ombudsman"),
        ("Investigators", "investigators"),
        ("Reports", "reports"),
        ("Admin", "admin"),
    ):
        shot(window, file, functools.partial(window.show_page, name))
    # My work of an officer who owns cases (the demo manager owns none).
    officer = AppContext(
        runner,
        notifier,
        database=database,
        actor=Actor("officer1", UserRole.OFFICER, display_name="Priya Raman"),
        today=lambda: today,
    )
    my_work = MyWorkPage(officer)
    my_work.resize(window.size())
    shot(my_work, "my-work-officer", my_work.activate)
    my_work.close()
    if window.admin is not None:
        from ui.admin_page import TimescalesSection, UsersSection

        for kind, file in ((TimescalesSection, "admin-timescales"), (UsersSection, "admin-users")):
            section = next(s for s in window.admin.sections if isinstance(s, kind))
            window.admin.tabs.setCurrentWidget(section)
            shot(window, file)

    _total, rows = run_operation(
        database,
        context.actor,
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
        case.resize(metrics.horizontalAdvance("M") * 80, metrics.height() * 46)
        # Record an extension through the stage panel, as an officer would, so the
        # timeline and history have something to show.
        if Action.EXTEND in case.stage_tab.action_buttons:
            extend = case.stage_tab.open_action(Action.EXTEND)
            assert extend.reason is not None and extend.working_days is not None
            extend.working_days.setValue(10)
            extend.reason.setPlainText("Waiting for the school's records; agreed by phone.")
            shot(extend, "action-extend-filled")
            extend.submit()
        shot(case, "case-stage-2-details", lambda: case.tabs.setCurrentIndex(0))
        shot(case, "case-stage-2-points", lambda: case.tabs.setCurrentIndex(1))
        shot(case, "case-stage-2-stage-panel", lambda: case.tabs.setCurrentIndex(2))
        shot(case, "case-stage-2-timeline", lambda: case.tabs.setCurrentIndex(5))
        shot(case, "case-stage-2-history", lambda: case.tabs.setCurrentIndex(6))
        explain = case.stage_tab.explain_due_date()
        if explain is not None:
            shot(explain, "explain-due-date")
            explain.close()
        for action in (Action.SUSPEND, Action.RESPOND):
            if action in case.stage_tab.action_buttons:
                dialog = case.stage_tab.open_action(action)
                shot(dialog, f"action-{action.value.replace(' ', '-')}")
                dialog.reject()
        case.dirty = False
        case.close()

    new_case = window.new_case()
    assert new_case is not None
    new_case.person_name.setText("Jordan Example")
    shot(new_case, "new-case")
    new_case.reject()
    window.cases.search_box.setText("smith")
    window.cases.search_box.returnPressed.emit()
    shot(window, "cases-search", lambda: window.show_page("Cases"))
    window.close()
    database.dispose()
    print(f"{len(written)} screenshots in {args.out}", file=sys.stderr)
    problems = [m for m in notifier.messages if m[0] == "error"]
    for problem in problems:
        print("error shown:", problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
