"""The core never imports Qt: the CLI, the reports and these tests run without a screen."""

from __future__ import annotations

import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import crm_desktop

ROOT = Path(__file__).resolve().parents[2]


def test_no_module_in_crm_desktop_imports_pyside6() -> None:
    modules = sorted(
        name
        for _, name, _ in pkgutil.walk_packages(crm_desktop.__path__, "crm_desktop.")
        if ".migrations." not in name and name != "crm_desktop.__main__"
    )
    assert "crm_desktop.cli" in modules and "crm_desktop.db.models" in modules
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6'))\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == ""


def test_no_source_file_in_crm_desktop_mentions_pyside6_imports() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "crm_desktop").rglob("*.py")
        if any(
            line.lstrip().startswith(("import PySide6", "from PySide6"))
            for line in path.read_text(encoding="utf-8").splitlines()
        )
    ]
    assert offenders == []


def test_version_is_defined_once() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'dynamic = ["version"]' in pyproject
    assert 'version = { attr = "crm_desktop.__version__" }' in pyproject
    assert crm_desktop.__version__.count(".") == 2


def _imported_modules(path: Path) -> set[str]:
    """Every module a source file imports, at the top or inside a function."""
    import ast

    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _is_command_line_module(name: str) -> bool:
    parts = name.split(".")
    return (
        len(parts) >= 2
        and parts[0] == "crm_desktop"
        and (parts[1] == "cli" or parts[1].startswith("cli_"))
    )


def test_the_screens_never_import_the_command_line() -> None:
    """Helpers the screens and the commands share live in the core, not in ``cli*``."""
    assert _is_command_line_module("crm_desktop.cli_reports.staged")
    assert _is_command_line_module("crm_desktop.cli")
    assert not _is_command_line_module("crm_desktop.client_settings")
    assert not _is_command_line_module("crm_desktop.reports.annual")
    offenders = sorted(
        f"{path.relative_to(ROOT)}: {name}"
        for path in (ROOT / "ui").rglob("*.py")
        for name in _imported_modules(path)
        if _is_command_line_module(name)
    )
    assert offenders == []


def test_the_core_never_imports_the_screens() -> None:
    """Only the launcher (``crm_desktop_launcher.py``) knows both the core and the screens."""
    offenders = sorted(
        f"{path.relative_to(ROOT)}: {name}"
        for path in (ROOT / "crm_desktop").rglob("*.py")
        for name in _imported_modules(path)
        if name == "ui" or name.startswith("ui.")
    )
    assert offenders == []
    # importlib with a module name in a string would escape the check above.
    by_name = sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "crm_desktop").rglob("*.py")
        if re.search(r"""import_module\(\s*["']ui[."']""", path.read_text(encoding="utf-8"))
    )
    assert by_name == []


def _package_of(module: str) -> str | None:
    """``crm_desktop.services.cases`` -> ``services``; a top-level module is its own."""
    parts = module.split(".")
    return parts[1] if parts[0] == "crm_desktop" and len(parts) > 1 else None


def _package_graph() -> dict[str, set[str]]:
    """Which of the core's packages (and top-level modules) import which."""
    units = {p.stem for p in (ROOT / "crm_desktop").iterdir() if not p.name.startswith("_")}
    graph: dict[str, set[str]] = {}
    for path in (ROOT / "crm_desktop").rglob("*.py"):
        relative = path.relative_to(ROOT).with_suffix("")
        if "migrations" in relative.parts or len(relative.parts) < 2:
            continue
        source = relative.parts[1]
        for name in _imported_modules(path):
            target = _package_of(name)
            if target in units and target != source:
                graph.setdefault(source, set()).add(target)
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_no_import_cycle_between_the_cores_packages() -> None:
    graph = _package_graph()
    # The check sees the layering: operations use services, services use the database.
    assert "services" in graph["operations"] and "db" in graph["services"]
    assert _cycle({"a": {"b"}, "b": {"a"}}) == ["a", "b", "a"]
    assert _cycle(graph) is None
