"""Dialogs come through a notifier, so tests can record them instead of patching Qt."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from crm_desktop.logs import BugReport


class Notifier:
    """Shows messages to the user with standard dialogs."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self.parent = parent

    def owner(self) -> QWidget | None:
        """The window a message belongs to: the one the user is working in (a case
        window, say), so that it comes back to them when the message is answered;
        else the main window."""
        active = QApplication.activeWindow()
        return active if active is not None and active.isVisible() else self.parent

    def error(self, title: str, message: str) -> None:
        QMessageBox.critical(self.owner(), title, message)

    def warning(self, title: str, message: str) -> None:
        QMessageBox.warning(self.owner(), title, message)

    def info(self, title: str, message: str) -> None:
        QMessageBox.information(self.owner(), title, message)

    def crash(self, report: BugReport) -> None:
        """Show a bug: the log's path and the details to copy for IT."""
        from ui.crash import CrashDialog

        CrashDialog(report, self.owner()).exec()

    def confirm(self, title: str, message: str, yes: str = "Yes", no: str = "No") -> bool:
        """Ask a yes/no question; True for yes ("no" is the default and Esc's)."""
        return self.choose(title, message, (yes, no), safe=1) == 0

    def choose(self, title: str, message: str, options: Sequence[str], *, safe: int) -> int:
        """Ask a question with several answers (each with an Alt-key); the index of the
        one chosen. ``safe``, the answer that changes nothing, is the default and Esc's."""
        from ui.widgets import with_mnemonic

        box = QMessageBox(QMessageBox.Icon.Question, title, message, parent=self.owner())
        taken: set[str] = set()
        buttons = [
            box.addButton(
                with_mnemonic(text, taken),
                QMessageBox.ButtonRole.RejectRole
                if index == safe
                else QMessageBox.ButtonRole.AcceptRole,
            )
            for index, text in enumerate(options)
        ]
        box.setDefaultButton(buttons[safe])
        box.setEscapeButton(buttons[safe])
        box.exec()
        clicked = box.clickedButton()
        return buttons.index(clicked) if clicked in buttons else safe


class RecordingNotifier(Notifier):
    """Keeps messages instead of showing them (tests, offscreen rendering)."""

    def __init__(self, answer: bool = True) -> None:
        super().__init__(None)
        self.messages: list[tuple[str, str, str]] = []
        self.answer = answer  # what confirm() answers
        # What choose() answers: an index; None answers as confirm() would, the first
        # answer for yes and the safe one for no.
        self.choice: int | None = None

    def error(self, title: str, message: str) -> None:
        self.messages.append(("error", title, message))

    def warning(self, title: str, message: str) -> None:
        self.messages.append(("warning", title, message))

    def info(self, title: str, message: str) -> None:
        self.messages.append(("info", title, message))

    def crash(self, report: BugReport) -> None:
        self.messages.append(("crash", report.summary, report.message))

    def confirm(self, title: str, message: str, yes: str = "Yes", no: str = "No") -> bool:
        self.messages.append(("confirm", title, message))
        return self.answer

    def choose(self, title: str, message: str, options: Sequence[str], *, safe: int) -> int:
        self.messages.append(("confirm", title, message))
        if self.choice is not None:
            return self.choice
        return 0 if self.answer else safe
