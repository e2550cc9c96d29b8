"""What the program remembers for each user on this computer: the window's size and
layout, the page last shown, the case list's columns, sort, filter and search, the theme
and the folders last used. Kept in Qt's settings under ``users/<username>/``, so two
people sharing a computer each find the program as they left it."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSettings

from ui.context import AppContext


def _group(username: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "-_." else "_" for c in username.lower())
    return f"users/{cleaned or '_nobody'}"


class UserState:
    """Read and write one user's remembered settings."""

    def __init__(self, username: str) -> None:
        self.username = username

    @classmethod
    def of(cls, context: AppContext) -> UserState:
        return cls(context.username)

    def value(self, key: str, default: Any = None) -> Any:
        settings = QSettings()
        settings.beginGroup(_group(self.username))
        try:
            return settings.value(key, default)
        finally:
            settings.endGroup()

    def set_value(self, key: str, value: Any) -> None:
        settings = QSettings()
        settings.beginGroup(_group(self.username))
        settings.setValue(key, value)
        settings.endGroup()

    def remove(self, key: str) -> None:
        settings = QSettings()
        settings.beginGroup(_group(self.username))
        settings.remove(key)
        settings.endGroup()
