"""``crm-desktop selfcheck``: prove an installation works, end to end, without a screen.

Each step is printed with ``ok`` or ``FAILED`` and how long it took:

1. the machine-wide site settings can be read (or there are none);
2. a throwaway SQLite database is created in a temporary folder and migrated to the
   newest schema (this needs the migration files shipped beside the program);
3. demo data is loaded into it (a few hundred cases);
4. the annual report is written to PDF (by the operation the Reports page and ``report
   annual`` use), and the file is checked to be a PDF with pages;
5. Qt starts (offscreen unless ``QT_QPA_PLATFORM`` says otherwise) just far enough to
   create the main window and close it.

Nothing outside the temporary folder is touched: not the user's database, not their
window settings (Qt's settings are pointed at the temporary folder too), and the folder
is removed at the end. The installed program runs the same code, so IT can run
``crm-desktop selfcheck`` after deploying it. Qt is imported only inside the window
step (this package never imports it at module level).
"""

from __future__ import annotations

import datetime as dt
import platform
import re
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from crm_desktop import __version__
from crm_desktop.domain.access import Actor

__all__ = ["DEFAULT_CASES", "StepResult", "run_selfcheck"]

DEFAULT_CASES = 300
DEMO_SEED = 1
DEMO_END = dt.date(2024, 3, 31)  # fixed, so every run makes the same data
REPORT_YEAR = 2023  # 2023/24, the last full year of the demo data, beside 2022/23
QT_PLATFORM_ENV = "QT_QPA_PLATFORM"


class SelfCheckFailed(Exception):
    """A step ran but its result was wrong."""


@dataclass(frozen=True)
class StepResult:
    name: str
    ok: bool
    detail: str
    seconds: float


@dataclass
class _State:
    folder: Path
    database: Any = None  # crm_desktop.db.database.Database once created


def _site_settings(_state: _State) -> str:
    from crm_desktop.site_config import load_site_config, site_config_path

    config = load_site_config()
    if config.path is None:
        return f"none at {site_config_path()}"
    parts = [str(config.path)]
    if config.database_url:
        from crm_desktop.db.engine import describe_url

        parts.append(f"database {describe_url(config.database_url)}")
    return ", ".join(parts)


def _database(state: _State) -> str:
    from crm_desktop.db import migrate
    from crm_desktop.db.database import open_database

    path = state.folder / "selfcheck.db"
    state.database = open_database(f"sqlite:///{path.as_posix()}")
    with state.database.engine.connect() as connection:
        current = migrate.current_revision(connection)
    head = migrate.head_revision()
    if current != head:
        raise SelfCheckFailed(f"schema is at {current}, expected {head}")
    return f"SQLite, schema {head}"


def _demo(state: _State, cases: int) -> str:
    from crm_desktop.operations import maintenance, run_operation

    summary = run_operation(
        state.database, _selfcheck_actor(), DEMO_END, maintenance.load_demo_data, cases, DEMO_SEED
    ).value
    if summary.cases != cases:
        raise SelfCheckFailed(f"made {summary.cases} cases, expected {cases}")
    return f"{summary.cases:,} cases, {summary.stages:,} stages"


def _report(state: _State) -> str:
    from crm_desktop.operations import reports, run_operation

    out = state.folder / "annual-report.pdf"
    # The operation the Reports page and `report annual` use.
    run_operation(
        state.database,
        _selfcheck_actor(),
        DEMO_END,
        reports.write_annual_report,
        REPORT_YEAR,
        None,
        out,
    )
    data = out.read_bytes()
    if not data.startswith(b"%PDF-"):
        raise SelfCheckFailed(f"{out.name} does not start with %PDF-")
    if b"%%EOF" not in data[-1024:]:
        raise SelfCheckFailed(f"{out.name} is cut short (no %%EOF at the end)")
    pages = len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", data))
    if pages < 1:
        raise SelfCheckFailed(f"{out.name} has no pages")
    return f"{REPORT_YEAR}/{(REPORT_YEAR + 1) % 100:02d}, {pages} pages, {len(data) // 1024:,} KB"


def _selfcheck_actor() -> Actor:
    from crm_desktop.domain.enums import UserRole

    return Actor("selfcheck", UserRole.ADMIN, display_name="Self-check")


def _window(check: Callable[[Path], str] | None) -> Callable[[_State], str]:
    def step(state: _State) -> str:
        if check is None:
            raise RuntimeError(
                "this installation has no desktop program (start it with crm-desktop)"
            )
        return check(state.folder)

    return step


def run_selfcheck(
    cases: int = DEFAULT_CASES,
    *,
    window: bool = True,
    window_check: Callable[[Path], str] | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> list[StepResult]:
    """Run every step, printing each as it ends; return the results.

    A step that needs an earlier one (the demo data needs the database) is skipped,
    and counted as failed, when that one failed. The temporary folder is removed at the
    end whatever happened. A failure's traceback goes to ``err`` (standard error).
    """
    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr
    frozen = getattr(sys, "frozen", False)
    print(
        f"CRM Desktop {__version__} self-check (Python {platform.python_version()}, "
        f"{sys.platform}, {'installed program' if frozen else 'from source'})",
        file=out,
        flush=True,
    )
    results: list[StepResult] = []
    with tempfile.TemporaryDirectory(prefix="crm-selfcheck-", ignore_cleanup_errors=True) as tmp:
        state = _State(Path(tmp))
        steps: list[tuple[str, Callable[[_State], str], bool]] = [
            ("site settings", _site_settings, False),
            ("create and migrate a database", _database, False),
            ("load demo data", lambda s: _demo(s, cases), True),
            ("annual report to PDF", _report, True),
        ]
        if window:
            steps.append(("desktop window", _window(window_check), False))
        try:
            for name, step, needs_database in steps:
                if needs_database and state.database is None:
                    result = StepResult(name, False, "skipped: no database", 0.0)
                else:
                    result = _run_step(name, step, state, err)
                results.append(result)
                status = "ok    " if result.ok else "FAILED"
                print(
                    f"  {status}  {name}: {result.detail} ({result.seconds:.1f} s)",
                    file=out,
                    flush=True,
                )
        finally:
            if state.database is not None:
                state.database.dispose()  # before the folder goes (Windows locks open files)
    failed = [r.name for r in results if not r.ok]
    total = sum(r.seconds for r in results)
    if failed:
        print(f"Self-check FAILED ({', '.join(failed)}) in {total:.1f} s.", file=out, flush=True)
    else:
        print(f"Self-check passed in {total:.1f} s.", file=out, flush=True)
    return results


def _run_step(name: str, step: Callable[[_State], str], state: _State, err: TextIO) -> StepResult:
    started = time.perf_counter()
    try:
        detail = step(state)
    except Exception as exc:
        seconds = time.perf_counter() - started
        if not isinstance(exc, SelfCheckFailed):
            print(f"crm-desktop selfcheck: {name} failed:", file=err)
            traceback.print_exc(file=err)
        message = getattr(exc, "message", None) or str(exc) or exc.__class__.__name__
        first_line = str(message).strip().splitlines()[0] if str(message).strip() else ""
        return StepResult(name, False, f"{exc.__class__.__name__}: {first_line}", seconds)
    return StepResult(name, True, detail, time.perf_counter() - started)
