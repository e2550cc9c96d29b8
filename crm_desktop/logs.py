"""The log file, and what happens to a bug.

Every run of the program (window or command) logs to a rotating file in the user's data
folder (``logs/crm-desktop.log`` beside the default database: 1 MB, five old copies
kept), so that a traceback in the windowed build, which has no console, is never lost.
A bug is logged with its traceback and a short report id; the user sees one plain
sentence naming the log file (the command line) or a crash dialog with the same and a
"Copy details" button (the desktop program, :mod:`ui.crash`).
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import platform
import sys
import traceback
import uuid
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from crm_desktop import __version__

__all__ = ["BugReport", "configure_logging", "log_file", "record_bug"]

APP_NAME = "CRM Desktop"
LOG_ENV = "CRM_LOG_DIR"  # tests and IT may point the log elsewhere
MAX_BYTES = 1_000_000
BACKUPS = 5
FORMAT = "%(asctime)s %(levelname)s %(process)d %(threadName)s %(name)s: %(message)s"

_configured: Path | None = None


def log_folder() -> Path:
    override = os.environ.get(LOG_ENV)
    if override:
        return Path(override)
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "logs"


def log_file() -> Path:
    return log_folder() / "crm-desktop.log"


def configure_logging(level: int = logging.INFO) -> Path | None:
    """Send the program's log to the rotating file (once per process); the path, or
    None when the folder cannot be written (the program still runs, logging to stderr
    only for warnings)."""
    global _configured
    path = log_file()
    if _configured == path:
        return path
    root = logging.getLogger()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=True
        )
    except OSError:
        return None
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.setLevel(level)
    for old in [h for h in root.handlers if getattr(h, "crm_log", False)]:
        root.removeHandler(old)
        old.close()
    handler.crm_log = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    if root.level > level or root.level == logging.NOTSET:
        root.setLevel(level)
    _configured = path
    logging.getLogger(__name__).info(
        "CRM Desktop %s started (Python %s, %s)",
        __version__,
        platform.python_version(),
        platform.platform(),
    )
    return path


@dataclass(frozen=True)
class BugReport:
    """A bug as the user is told of it."""

    report_id: str
    summary: str  # "ValueError: ..." (one line)
    details: str  # version, platform and the traceback, for "Copy details"
    log_path: Path | None

    @property
    def message(self) -> str:
        where = f" The details are in {self.log_path}:" if self.log_path else ""
        return (
            f"Something went wrong inside CRM Desktop (report {self.report_id}), so what "
            f"you asked for was not finished.{where} please send them to IT."
        )


def record_bug(exc: BaseException, where: str = "") -> BugReport:
    """Log ``exc`` with its traceback and return what to tell the user."""
    path = configure_logging()
    report_id = uuid.uuid4().hex[:8]
    trace = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    first = (str(exc).strip().splitlines() or [""])[0]
    summary = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
    details = (
        f"CRM Desktop {__version__}, Python {platform.python_version()}, "
        f"{platform.platform()}\nReport {report_id}{' in ' + where if where else ''}\n\n{trace}"
    )
    logging.getLogger("crm_desktop.bug").error(
        "Bug %s%s:\n%s", report_id, f" in {where}" if where else "", trace
    )
    return BugReport(report_id, summary, details, path)


def excepthook_for_command_line(exc: BaseException) -> int:
    """For ``crm-desktop`` commands: log the bug, print one line, exit status 1."""
    report = record_bug(exc, "command line")
    print(f"crm-desktop: {report.message}", file=sys.stderr)
    return 1
