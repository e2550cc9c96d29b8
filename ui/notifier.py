"""Dialogs come through a notifier, so tests can record them instead of patching Qt."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget


class Notifier:
    """Shows messages to the user with standard dialogs."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self.parent = parent

    def error(self, title: str, message: str) -> None:
        QMessageBox.critical(self.parent, title, message)

    def warning(self, title: str, message: str) -> None:
        QMessageBox.warning(self.parent, title, message)

    def info(self, title: str, message: str) -> None:
        QMessageBox.information(self.parent, title, message)


class RecordingNotifier(Notifier):
    """Keeps messages instead of showing them (tests, offscreen rendering)."""

    def __init__(self) -> None:
        super().__init__(None)
        self.messages: list[tuple[str, str, str]] = []

    def error(self, title: str, message: str) -> None:
        self.messages.append(("error", title, message))

    def warning(self, title: str, message: str) -> None:
        self.messages.append(("warning", title, message))

    def info(self, title: str, message: str) -> None:
        self.messages.append(("info", title, message))
