"""What every page of the main window shares: reloading when its data changed."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from crm_desktop.operations.core import Change, OpChanges
from ui.context import AppContext


class Page(QWidget):
    """A page of the main window. It loads when first shown, and again when an
    operation changed a kind of data in ``cares_about`` (at once if it is showing, else
    when next shown)."""

    open_case = Signal(int)
    title = "Page"
    cares_about: frozenset[Change] = frozenset({Change.CASES})

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.stale = True
        self.active = False

    def activate(self) -> None:
        self.active = True
        if self.stale and self.context.database is not None:
            self.stale = False
            self.reload()

    def deactivate(self) -> None:
        self.active = False

    def data_changed(self, changes: OpChanges) -> None:
        if changes.touches(self.cares_about):
            self.stale = True
            if self.active:
                self.activate()

    def reload(self) -> None:  # pragma: no cover - every page has its own
        raise NotImplementedError
