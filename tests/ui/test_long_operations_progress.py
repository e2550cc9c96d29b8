"""Every operation the desktop program starts that can take long takes a ``progress``
(and so reports its steps and stops at Cancel), and the screens start each of them with
their progress strip: found by reading the screens' source, so a new long operation
started without progress, or progress handed to an operation that cannot take it, fails
here."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

from crm_desktop.operations import REGISTRY, load_all
from crm_desktop.operations.core import NO_PROGRESS

UI = Path(__file__).resolve().parents[2] / "ui"

# The operations the screens start that can take long on a large council's data:
# counting a year's figures, reading or writing a file of many rows, walking every case.
LONG = {
    "code.export_self_assessment",
    "code.load_letter_figures",
    "code.self_assessment_for",
    "deadlines.all_queues",
    "deadlines.dashboard_kpis",
    "imports.check_file",
    "imports.import_rows",
    "privacy.retention_review",
    "privacy.subject_access_export",
    "reports.export_data",
    "reports.write_annual_report",
}

# Calls that hand the operation built inside them its progress: ``.with_progress(...)``
# and the Code page's ``_run_long(...)``, which adds it.
WITH_PROGRESS = {"with_progress", "_run_long"}


def _operations_module(module: ast.Module) -> dict[str, str]:
    """The ui module's names for operation modules: alias -> module (its registry prefix)."""
    names: dict[str, str] = {}
    for node in module.body:
        if isinstance(node, ast.ImportFrom) and node.module == "crm_desktop.operations":
            for alias in node.names:
                names[alias.asname or alias.name] = f"{alias.name}"
    return names


def _started_with_progress() -> dict[str, set[str]]:
    """Each operation a screen starts with progress: its registry name -> the ui files."""
    found: dict[str, set[str]] = {}
    for path in sorted(UI.glob("*.py")):
        module = ast.parse(path.read_text(encoding="utf-8"))
        modules = _operations_module(module)
        for node in ast.walk(module):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in WITH_PROGRESS
            ):
                continue
            for inner in ast.walk(node):
                if (
                    isinstance(inner, ast.Call)
                    and isinstance(inner.func, ast.Attribute)
                    and inner.func.attr == "op"
                    and inner.args
                ):
                    op = inner.args[0]
                    assert isinstance(op, ast.Attribute) and isinstance(op.value, ast.Name), (
                        f"{path.name}:{inner.lineno}: name the operation as module.function"
                    )
                    name = f"{modules[op.value.id]}.{op.attr}"
                    found.setdefault(name, set()).add(path.name)
    return found


def _takes_progress(name: str) -> bool:
    parameter = inspect.signature(REGISTRY[name].function).parameters.get("progress")
    return parameter is not None and parameter.default is NO_PROGRESS


def test_every_long_operation_takes_progress() -> None:
    load_all()
    assert sorted(LONG - REGISTRY.keys()) == []
    assert sorted(name for name in LONG if not _takes_progress(name)) == []


def test_the_screens_start_every_long_operation_with_progress() -> None:
    load_all()
    started = _started_with_progress()
    assert sorted(LONG - started.keys()) == []  # each is started with its progress strip
    # and progress is handed only to operations that take it (and are listed as long)
    assert sorted(started.keys() - LONG) == []
