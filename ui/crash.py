"""Bugs in the desktop program: logged with their traceback, shown in a crash dialog.

:func:`install` points Python's ``sys.excepthook`` and ``threading.excepthook`` and
Qt's message handler at the log (the windowed build has no console, so nothing may go
only to standard error). A bug in a slot or in background work is shown once in a
:class:`CrashDialog`: what happened in a sentence, the log file's path, and "Copy
details" for the report to IT.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from types import TracebackType

from PySide6.QtCore import QtMsgType, qInstallMessageHandler
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.logs import BugReport, record_bug

log = logging.getLogger("ui.qt")

__all__ = ["CrashDialog", "install", "report_bug"]

Presenter = Callable[[BugReport], None]
_presenter: Presenter | None = None


def report_bug(exc: BaseException, where: str = "") -> BugReport:
    """Log a bug and show it (once a presenter is installed)."""
    report = record_bug(exc, where)
    if _presenter is not None:
        _presenter(report)
    return report


def install(presenter: Presenter) -> None:
    """Route every uncaught exception and Qt warning to the log and ``presenter``."""
    global _presenter
    _presenter = presenter

    def excepthook(
        kind: type[BaseException], exc: BaseException, trace: TracebackType | None
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, trace)
            return
        report_bug(exc.with_traceback(trace), "the desktop program")

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            record_bug(args.exc_value, f"thread {getattr(args.thread, 'name', '?')}")

    sys.excepthook = excepthook
    threading.excepthook = thread_hook
    qInstallMessageHandler(_qt_message)


_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def _qt_message(kind: QtMsgType, _context: object, message: str) -> None:
    log.log(_LEVELS.get(kind, logging.WARNING), "%s", message)


class CrashDialog(QDialog):
    """What went wrong, where the log is, and the details to copy for IT."""

    def __init__(self, report: BugReport, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.report = report
        self.setWindowTitle("CRM Desktop: something went wrong")
        layout = QVBoxLayout(self)
        message = QLabel(report.message, self)
        message.setWordWrap(True)
        message.setObjectName("crashMessage")
        layout.addWidget(message)
        details = QPlainTextEdit(report.details, self)
        details.setReadOnly(True)
        details.setObjectName("crashDetails")
        details.setAccessibleName("Details for IT")
        layout.addWidget(details)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.copy_button = QPushButton("&Copy details", self)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy_details)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(640, 420)

    def copy_details(self) -> None:
        clipboard = QGuiApplication.clipboard()
        clipboard.setText(self.report.details)
        self.copy_button.setText("Copied")
