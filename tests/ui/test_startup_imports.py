"""Start-up loads only what the first screen needs: the report libraries (pandas,
reportlab, openpyxl), the letter and mail code (jinja2, the correspondence operations),
the sign-in screen and the pages not shown are loaded when first used. Checked in a
fresh process, as a user starts the program; never timed here (see benchmarks/bench_ui)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

from crm_desktop.db.database import open_database
from tests.factories import add_case

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
# Not needed by a signed-in user's window: the sign-in screen and the daily check (with
# the PostgreSQL security rules it checks).
NOT_FOR_THE_WINDOW = ("ui.sign_in", "crm_desktop.services.maintenance")
# The notification count's operations live with the letters, templates and mail: loaded
# once the first page's rows are in, not before.
CORRESPONDENCE = (
    "crm_desktop.operations.correspondence",
    "crm_desktop.correspondence.letters",
    "crm_desktop.correspondence.reminders",
    "jinja2",
    "smtplib",
)
# The bank holidays (every country's rules) and numpy are loaded only to build a
# working calendar or count with one: opening a database whose calendar table was found
# right before builds none, and the case list counts "due soon" from that table.
CALENDAR = ("holidays", "numpy")

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
app.processEvents()
found = {{"window": sorted(sys.modules)}}
runner.submit(lambda: open_database({url!r}), window.set_database)
deadline = time.time() + 60
def wait(done):
    while not done():
        app.processEvents()
        time.sleep(0.001)
        if time.time() > deadline:
            raise SystemExit("the window did not open the database")
if {page!r} == "Cases":
    counted = []  # the first page's answer (with the count) is in the model
    window.case_model.total_changed.connect(counted.append)
    wait(lambda: bool(counted))
    found["rows"] = sorted(sys.modules)
wait(lambda: context.database is not None and not runner.busy)
for _ in range(20):
    app.processEvents()
wait(lambda: not runner.busy)
found["idle"] = sorted(sys.modules)
found["unread"] = window.notifications.text()
found["rows_shown"] = window.case_model.rowCount()
print(json.dumps(found))
runner.wait()
"""


def _modules_after_start(url: str, page: str) -> dict[str, set[str]]:
    """The modules loaded once the window is shown (no database yet), once the case
    list's first rows are in (Cases only), and once the window has nothing left to do."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run(
        [sys.executable, "-c", CHILD.format(root=str(ROOT), url=url, page=page)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=300,
    )
    line = [ln for ln in result.stdout.splitlines() if ln.startswith("{")][-1]
    found = json.loads(line)
    assert found["unread"].startswith("Notifications")  # the button is there
    if page == "Cases":
        assert found["rows_shown"] == 1  # the open case is on the first page
    return {key: set(value) for key, value in found.items() if isinstance(value, list)}


def _not_loaded(loaded: set[str], names: tuple[str, ...], when: str) -> None:
    for name in names:
        assert name not in loaded, f"{name} is loaded {when}"


def test_the_case_list_starts_without_the_report_libraries(migrated_sqlite_url: str) -> None:
    database = open_database(migrated_sqlite_url)
    try:  # an open case, due in a fortnight: the first page marks whether it is due soon
        today = dt.date.today()
        database.write(lambda s: add_case(s, received_on=today, due_on=today + dt.timedelta(14)))
    finally:
        database.dispose()
    loaded = _modules_after_start(migrated_sqlite_url, "Cases")
    assert "ui.cases_page" in loaded["window"]  # the check sees what is loaded
    _not_loaded(loaded["window"], CORRESPONDENCE, "before the database opens")
    _not_loaded(loaded["rows"], CORRESPONDENCE, "before the case list's rows are in")
    for snapshot in loaded.values():
        _not_loaded(snapshot, HEAVY + LATER_SCREENS + NOT_FOR_THE_WINDOW + CALENDAR, "at start-up")
    # The unread count is read once the page has its rows: its operations come then.
    assert "crm_desktop.operations.correspondence" in loaded["idle"]


def test_my_work_starts_without_the_report_libraries(
    migrated_sqlite_url: str,
) -> None:
    loaded = _modules_after_start(migrated_sqlite_url, "My work")
    assert "ui.queues_page" in loaded["window"]
    _not_loaded(loaded["window"], CORRESPONDENCE, "before the database opens")
    for snapshot in loaded.values():
        _not_loaded(snapshot, HEAVY + LATER_SCREENS + NOT_FOR_THE_WINDOW + CALENDAR, "at start-up")
