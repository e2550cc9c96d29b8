"""Choosing files and folders: the dialogs every screen uses, replaceable in tests."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QStandardPaths, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QWidget

from crm_desktop.services.attachments import runnable_type
from ui.context import AppContext
from ui.user_state import UserState

__all__ = [
    "AskPath",
    "ask_open_path",
    "ask_save_path",
    "documents_folder",
    "letter_file_name",
    "open_with_system",
    "remember_folder",
    "remembered_folder",
]

# Ask for a file: (parent, title, suggested path, filter) -> the chosen path, or "" when
# cancelled. Screens keep one as an attribute, so tests answer without a dialog.
AskPath = Callable[[QWidget, str, str, str], str]
FOLDERS_KEY = "last_folders"
log = logging.getLogger(__name__)  # per user, by the dialog's title


def open_with_system(path: Path) -> None:
    """Open a file in the program the system uses for it (the PDF reader). A program,
    script or shortcut is never handed over (the system would run it): the operations
    refuse those with a message first, so this is only the last guard."""
    if runnable_type(path.name) is not None:
        log.warning("Not opening %s: the system would run it", path.name)
        return
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def _user_state(widget: QWidget | None) -> UserState | None:
    """The signed-in user's remembered state, found through the screen asking."""
    while widget is not None:
        context = getattr(widget, "context", None)
        if isinstance(context, AppContext) and context.actor is not None:
            return UserState.of(context)
        widget = widget.parentWidget()
    return None


def remembered_folder(parent: QWidget | None, title: str) -> Path | None:
    """The folder this user last chose in a dialog with this title (or last saved in by
    the screen that asks it), if it is still there: one setting per title."""
    state = _user_state(parent)
    folder = state.value(f"{FOLDERS_KEY}/{title}") if state is not None else None
    path = Path(str(folder)) if folder else None
    return path if path is not None and path.is_dir() else None


def remembered_start(parent: QWidget | None, title: str, suggested: str) -> str:
    """Where a file dialog opens: the folder this user last chose in a dialog with the
    same title (if it still exists), with the suggested file name."""
    folder = remembered_folder(parent, title)
    if folder is not None:
        name = Path(suggested).name if suggested else ""
        return str(folder / name) if name else str(folder)
    return suggested


def remember_folder(parent: QWidget | None, title: str, chosen: str) -> None:
    """Remember the folder of ``chosen`` (a file's path) for dialogs with this title."""
    state = _user_state(parent)
    if chosen and state is not None:
        state.set_value(f"{FOLDERS_KEY}/{title}", str(Path(chosen).parent))


def ask_save_path(parent: QWidget, title: str, suggested: str, filters: str) -> str:
    start = remembered_start(parent, title, suggested)
    chosen = QFileDialog.getSaveFileName(parent, title, start, filters)[0]
    remember_folder(parent, title, chosen)
    return chosen


def ask_open_path(parent: QWidget, title: str, suggested: str, filters: str) -> str:
    start = remembered_start(parent, title, suggested)
    chosen = QFileDialog.getOpenFileName(parent, title, start, filters)[0]
    remember_folder(parent, title, chosen)
    return chosen


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
