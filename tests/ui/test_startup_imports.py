"""Start-up loads only what the first screen needs: the report libraries (pandas,
reportlab, openpyxl) and the pages not shown are loaded when first used. Checked in a
fresh process, as a user starts the program; never timed here (see benchmarks/bench_ui)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("pandas", "reportlab", "openpyxl")
LATER_SCREENS = (
    "ui.case_form",
    "ui.case_tabs",
    "ui.dashboard_page",
    "ui.reports_page",
    "ui.investigators_page",
    "ui.admin_page",
    "ui.privacy_page",
    "ui.new_case",
    "ui.import_wizard",
)

CHILD = """
import json, sys, time
sys.path.insert(0, {root!r})
from crm_desktop.db.database import open_database
from crm_desktop.domain.access import Actor
from crm_desktop.domain.enums import UserRole
from ui.app import create_application
from ui.context import AppContext
from ui.main_window import MainWindow
from ui.notifier import RecordingNotifier
from ui.runner import Runner

app = create_application()
runner = Runner(app)
context = AppContext(runner, RecordingNotifier(),
                     actor=Actor("manager", UserRole.MANAGER, 1, "Morag Ellison"))
window = MainWindow(context=context)
window.show_page({page!r})
window.show()
runner.submit(lambda: open_database({url!r}), window.set_database)
deadline = time.time() + 60
while context.database is None or runner.busy:
    app.processEvents()
    time.sleep(0.01)
    if time.time() > deadline:
        raise SystemExit("the window did not open the database")
for _ in range(20):
    app.processEvents()
print(json.dumps(sorted(sys.modules)))
runner.wait()
"""


def _modules_after_start(url: str, page: str) -> set[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run(
        [sys.executable, "-c", CHILD.format(root=str(ROOT), url=url, page=page)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=300,
    )
    line = [ln for ln in result.stdout.splitlines() if ln.startswith("[")][-1]
    return set(json.loads(line))


def test_the_case_list_starts_without_the_report_libraries(migrated_sqlite_url: str) -> None:
    loaded = _modules_after_start(migrated_sqlite_url, "Cases")
    assert "ui.cases_page" in loaded  # the check sees what is loaded
    for name in HEAVY + LATER_SCREENS:
        assert name not in loaded, f"{name} is loaded at start-up"


def test_my_work_starts_without_the_report_libraries(
    migrated_sqlite_url: str,
) -> None:
    loaded = _modules_after_start(migrated_sqlite_url, "My work")
    assert "ui.queues_page" in loaded
    for name in HEAVY + LATER_SCREENS:
        assert name not in loaded, f"{name} is loaded at start-up"
