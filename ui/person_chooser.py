"""Choosing a person by name: type part of a name, an email, a postcode or a case
reference, then pick from the people found (each shown with what tells them apart).
The person's id is kept here and never shown."""

from __future__ import annotations

from typing import Any, Protocol

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from crm_desktop.operations.core import Operation
from ui.context import AppContext
from ui.widgets import error_text

__all__ = ["PersonChooser"]


class _Match(Protocol):
    id: int
    name: str

    @property
    def detail(self) -> str: ...


class PersonChooser(QWidget):
    """A search box and the people it finds; ``chosen`` is emitted with an id or None."""

    chosen = Signal(object)

    def __init__(
        self,
        context: AppContext,
        finder: Operation[..., list[Any]],
        name: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.finder = finder
        self.matches: list[_Match] = []
        self.searched = ""
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        self.search = QLineEdit(self)
        self.search.setObjectName(f"{name}Search")
        self.search.setAccessibleName("Find the person")
        self.search.setPlaceholderText("Part of their name, email, postcode, or a case reference")
        self.search.setClearButtonEnabled(True)
        box.addWidget(self.search)
        self.results = QListWidget(self)
        self.results.setObjectName(f"{name}Results")
        self.results.setAccessibleName("People found")
        self.results.setMaximumHeight(self.fontMetrics().lineSpacing() * 7)
        box.addWidget(self.results)
        self.status = QLabel("", self)
        self.status.setWordWrap(True)
        box.addWidget(self.status)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(250)
        self.timer.timeout.connect(self.look_up)
        self.search.textChanged.connect(lambda _text: self.timer.start())
        self.search.returnPressed.connect(self.look_up)
        self.results.currentRowChanged.connect(self._picked)
        self._say_how()

    def _say_how(self) -> None:
        self.status.setText("Type at least two letters to find someone.")

    def look_up(self) -> None:
        self.timer.stop()
        text = self.search.text().strip()
        if text == self.searched:
            return
        self.searched = text
        if len(text) < 2:
            self._show([])
            self._say_how()
            return
        self.status.setText("Looking…")
        self.context.op(self.finder, text).on_done(self._show).on_error(
            lambda exc: self.status.setText(error_text(exc, "finding the person"))
        ).run()

    def _show(self, matches: list[Any]) -> None:
        self.matches = list(matches)
        self.results.blockSignals(True)
        self.results.clear()
        for match in self.matches:
            item = QListWidgetItem(f"{match.name}: {match.detail}", self.results)
            item.setToolTip(f"{match.name}\n{match.detail}")
        self.results.blockSignals(False)
        count = len(self.matches)
        if self.searched and len(self.searched) >= 2:
            self.status.setText(
                "Nobody found: try part of the name, or a case reference."
                if count == 0
                else f"{count} {'person' if count == 1 else 'people'} found: choose one."
            )
        if count == 1:
            self.results.setCurrentRow(0)
        else:
            self.chosen.emit(None)

    def _picked(self, row: int) -> None:
        if 0 <= row < len(self.matches):
            match = self.matches[row]
            self.status.setText(f"Chosen: {match.name} ({match.detail}).")
            self.chosen.emit(match.id)
        else:
            self.chosen.emit(None)

    def person_id(self) -> int | None:
        row = self.results.currentRow()
        return self.matches[row].id if 0 <= row < len(self.matches) else None

    def person_name(self) -> str:
        row = self.results.currentRow()
        return self.matches[row].name if 0 <= row < len(self.matches) else ""

    def keyPressEvent(self, event: Any) -> None:
        if event.key() == Qt.Key.Key_Down and self.search.hasFocus() and self.matches:
            self.results.setFocus()
            return
        super().keyPressEvent(event)
