"""What the reports, import, admin and maintenance operations change reaches the screens
that show it: every kind of change they report is listened for by a screen."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import ui
from crm_desktop.operations.core import Change, operations

MODULES = ("reports", "imports", "admin", "maintenance")
# A restore replaces the whole database while everyone has the program closed (it is a
# command only): it changes every kind of data, and no screen is open to hear it.
UNHEARD_BY_DESIGN = {"maintenance.restore_backup"}


def _listeners() -> dict[str, frozenset[Change]]:
    """Every screen class that declares the kinds of change it reloads on."""
    found: dict[str, frozenset[Change]] = {}
    for info in pkgutil.iter_modules(ui.__path__, "ui."):
        module = importlib.import_module(info.name)
        for name, value in inspect.getmembers(module, inspect.isclass):
            cares = getattr(value, "cares_about", None)
            if value.__module__ == module.__name__ and isinstance(cares, frozenset):
                found[f"{module.__name__}.{name}"] = cares
    return found


def test_every_change_these_operations_report_is_listened_for() -> None:
    listeners = _listeners()
    heard = frozenset().union(*listeners.values())
    unheard = sorted(
        f"{name}: {kind.name}"
        for name, op in operations().items()
        if name.split(".", 1)[0] in MODULES and name not in UNHEARD_BY_DESIGN
        for kind in op.changes.kinds
        if kind not in heard
    )
    assert unheard == []
    # What the screens named in the issue must reload on.
    assert Change.REPORT_INPUTS in listeners["ui.dashboard_page.DashboardPage"]
    assert {Change.REPORT_INPUTS, Change.CASES} <= listeners["ui.reports_page.ReportsPage"]
    assert {Change.REFERENCE_DATA, Change.USERS, Change.CALENDAR} <= listeners[
        "ui.admin_page.AdminPage"
    ]
