"""Choosing files and folders: the dialogs every screen uses, replaceable in tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QStandardPaths, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QWidget

__all__ = [
    "AskPath",
    "ask_open_path",
    "ask_save_path",
    "documents_folder",
    "letter_file_name",
    "open_with_system",
]

# Ask for a file: (parent, title, suggested path, filter) -> the chosen path, or "" when
# cancelled. Screens keep one as an attribute, so tests answer without a dialog.
AskPath = Callable[[QWidget, str, str, str], str]


def open_with_system(path: Path) -> None:
    """Open a file in the program the system uses for it (the PDF reader)."""
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def ask_save_path(parent: QWidget, title: str, suggested: str, filters: str) -> str:
    return QFileDialog.getSaveFileName(parent, title, suggested, filters)[0]


def ask_open_path(parent: QWidget, title: str, suggested: str, filters: str) -> str:
    return QFileDialog.getOpenFileName(parent, title, suggested, filters)[0]


def documents_folder(create: bool = False) -> Path:
    """The user's documents folder; with ``create`` (about to save there), made if a new
    profile has none yet (the home folder if it cannot be made)."""
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    if not folder:
        return Path.home()
    path = Path(folder)
    if not create:
        return path
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return Path.home()
    return path


def letter_file_name(reference: str, day: dt.date) -> str:
    """``COR-2024-00017-letter-2026-12-06.pdf``: the case it is about, and the day."""
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in reference) or "case"
    return f"{safe}-letter-{day.isoformat()}.pdf"
