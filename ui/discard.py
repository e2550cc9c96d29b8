"""Typed work is never lost without asking: a dialog that keeps :class:`KeepsTypedWork`
asks before Esc, Cancel or its window's close button throw away what was typed in it.

What counts is text typed into its fields (line edits and text boxes, not the text
inside a date or number box). The dialog's fields are read when it is first shown (a
dialog that fills a field later, from the database, calls :meth:`mark_clean` then); a
dialog that was not changed since closes at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QDialog,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

if TYPE_CHECKING:
    from ui.context import AppContext

__all__ = ["KeepsTypedWork", "typed_text"]


def typed_text(widget: QWidget) -> tuple[str, ...]:
    """The text of every field a person types into, in ``widget``."""
    texts: list[str] = []
    for edit in widget.findChildren(QLineEdit):
        owner = edit.parentWidget()
        if isinstance(owner, (QAbstractSpinBox, QComboBox)) or edit.isReadOnly():
            continue
        texts.append(edit.text())
    for box in widget.findChildren(QPlainTextEdit):
        if not box.isReadOnly():
            texts.append(box.toPlainText())
    for rich in widget.findChildren(QTextEdit):
        if not rich.isReadOnly():
            texts.append(rich.toPlainText())
    return tuple(texts)


class KeepsTypedWork(QDialog):
    """A dialog that asks before discarding what was typed in it."""

    context: AppContext
    discard_title = "Discard what you typed?"
    discard_message = "You have typed into this window. Close it and lose what you typed?"

    _clean: tuple[str, ...] | None = None

    def mark_clean(self) -> None:
        """What the fields hold now is nobody's typing (just opened, or just filled)."""
        self._clean = typed_text(self)

    def has_typed_work(self) -> bool:
        return self._clean is not None and typed_text(self) != self._clean

    def showEvent(self, event: QShowEvent) -> None:
        if self._clean is None:
            self.mark_clean()
        super().showEvent(event)

    def may_discard(self) -> bool:
        """True when there is nothing typed, or the user agrees to lose it."""
        if not self.has_typed_work():
            return True
        return self.context.notifier.confirm(
            self.discard_title, self.discard_message, yes="Discard", no="Keep editing"
        )

    def reject(self) -> None:  # Esc, Cancel, and the close button (QDialog calls reject)
        if self.may_discard():
            self._clean = None
            super().reject()
