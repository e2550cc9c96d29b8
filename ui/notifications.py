"""The notification centre: a toolbar button with the unread count, and the list.

What the reminders tell a user (deadlines coming, overdue work, Ombudsman remedies
escalated) and anything else the program notifies. The count is read when the database
opens, when an operation changed notifications (or the cases and appointments they are
about), and every few minutes (the reminders run on a schedule, outside this program).
The list marks one, several or all read; opening a notification about a case opens the
case and marks it read. Each user sees and marks only their own (the operations in
:mod:`crm_desktop.operations.correspondence` work on the signed-in user's rows only).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.domain.formatting import format_date, format_local_time
from crm_desktop.operations.core import Change, OpChanges
from crm_desktop.operations.policy import Permission
from ui.context import AppContext
from ui.widgets import ROW_ROLE, Column, RowsModel, error_label, error_text, show_error, table_view

if TYPE_CHECKING:
    from crm_desktop.correspondence.notifications import NotificationView

# The notification operations live with the correspondence operations, which bring the
# letters, templates and mail code: each method imports them when it first runs, so the
# window opens without them.

POLL_MS = 3 * 60 * 1000
KIND_WORDS = {
    "reminder": "Reminder",
    "deadline": "Deadline",
    "overdue": "Overdue",
    "escalation": "Escalation",
    "note": "Note",
}


def _kind(kind: str) -> str:
    return KIND_WORDS.get(kind, kind.replace("_", " ").capitalize())


class NotificationButton(QToolButton):
    """ "Notifications (3)" in the toolbar; opens the list."""

    open_case = Signal(int)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.unread = 0
        self.dialog: NotificationsDialog | None = None
        self.setObjectName("NotificationsButton")
        self.setText("Notifications")
        self.setToolTip("Reminders and messages for you")
        self.setAccessibleName("Notifications")
        self.clicked.connect(self.show_list)
        self.setEnabled(context.allows(Permission.SEE_NOTIFICATIONS))
        context.runner.changed.connect(self._changed)
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.refresh)

    cares_about = frozenset({Change.NOTIFICATIONS, Change.CASES, Change.APPOINTMENTS})

    def _changed(self, changes: OpChanges) -> None:
        if changes.touches(self.cares_about):
            self.refresh()

    def refresh(self) -> None:
        if self.context.database is None or not self.context.allows(Permission.SEE_NOTIFICATIONS):
            return
        if not self.timer.isActive():
            self.timer.start()

        def failed(_exc: BaseException) -> None:
            self.setToolTip("The notifications could not be read just now.")

        from crm_desktop.operations import correspondence as ops

        self.context.op(ops.unread_notifications).on_done(self.show_count).on_error(failed).run()

    def show_count(self, count: int) -> None:
        self.unread = count
        self.setText(f"Notifications ({count:,})" if count else "Notifications")
        self.setAccessibleName(
            f"Notifications: {count:,} unread" if count else "Notifications: none unread"
        )
        font = self.font()
        font.setBold(count > 0)
        self.setFont(font)

    def show_list(self) -> NotificationsDialog:
        if self.dialog is None:
            self.dialog = NotificationsDialog(self.context, self.window())
            self.dialog.open_case.connect(self.open_case)
            self.dialog.count_changed.connect(self.show_count)
        self.dialog.load()
        self.dialog.show()
        self.dialog.raise_()
        return self.dialog


class NotificationsDialog(QDialog):
    open_case = Signal(int)
    count_changed = Signal(int)
    cares_about = frozenset({Change.NOTIFICATIONS})

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        context.runner.changed.connect(self.data_changed)
        self.setObjectName("NotificationsDialog")
        self.setWindowTitle("Notifications")
        self.setModal(False)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.summary = QLabel("", self)
        self.summary.setObjectName("NotificationsSummary")
        top.addWidget(self.summary, 1)
        self.unread_only = QCheckBox("Unread only", self)
        self.unread_only.setObjectName("UnreadOnly")
        self.unread_only.toggled.connect(lambda _on: self.load())
        top.addWidget(self.unread_only)
        layout.addLayout(top)
        self.model = RowsModel(
            [
                Column("State", lambda n: "Read" if n.read else "New"),
                Column("When", lambda n: format_local_time(n.created_at)),
                Column("What", lambda n: _kind(n.kind)),
                Column("Case", lambda n: n.reference or ""),
                Column("Due", lambda n: format_date(n.due_on) if n.due_on else ""),
                Column("Message", lambda n: n.text),
            ],
            self,
            tone=lambda n: None if n.read else "amber",
            tone_column=0,
        )
        self.model.setObjectName("NotificationsModel")
        self.view = table_view(self.model, "Notifications", self)
        self.view.setSelectionMode(self.view.SelectionMode.ExtendedSelection)
        self.view.doubleClicked.connect(self.open_row)
        self.view.selectionModel().selectionChanged.connect(self._selection_changed)
        layout.addWidget(self.view, 1)
        self.error = error_label("NotificationsError", self)
        layout.addWidget(self.error)
        buttons = QHBoxLayout()
        self.open_button = QPushButton("&Open the case", self)
        self.open_button.setObjectName("OpenNotificationCase")
        self.open_button.clicked.connect(lambda: self.open_row(self.view.currentIndex()))
        buttons.addWidget(self.open_button)
        self.read_button = QPushButton("&Mark read", self)
        self.read_button.setObjectName("MarkReadButton")
        self.read_button.clicked.connect(self.mark_selected_read)
        buttons.addWidget(self.read_button)
        self.all_read_button = QPushButton("Mark all read", self)
        self.all_read_button.setObjectName("MarkAllReadButton")
        self.all_read_button.clicked.connect(self.mark_everything_read)
        buttons.addWidget(self.all_read_button)
        buttons.addStretch(1)
        close = QPushButton("Close", self)
        close.clicked.connect(self.close)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        metrics = self.fontMetrics()
        self.resize(metrics.horizontalAdvance("M") * 70, metrics.height() * 26)

    def load(self) -> None:
        if self.context.database is None:
            return

        def failed(exc: BaseException) -> None:
            show_error(self.error, error_text(exc, "loading the notifications"))

        from crm_desktop.operations import correspondence as ops

        self.context.op(ops.my_notifications, self.unread_only.isChecked()).on_done(
            lambda found: self.apply(found.rows, found.unread)
        ).on_error(failed).run()

    def data_changed(self, changes: OpChanges) -> None:
        if changes.touches(self.cares_about) and self.isVisible():
            self.load()

    def apply(self, rows: list[NotificationView], unread: int) -> None:
        show_error(self.error, "")
        self.model.set_rows(rows)
        self.summary.setText(
            f"{unread:,} unread"
            if unread
            else "Nothing unread."
            if rows
            else "No notifications. Reminders of deadlines appear here."
        )
        self.all_read_button.setEnabled(unread > 0)
        self._selection_changed()
        self.count_changed.emit(unread)

    def _selection_changed(self) -> None:
        """Open and Mark read act on the chosen notifications: offered only with one."""
        chosen = self.selected()
        self.open_button.setEnabled(len(chosen) == 1 and chosen[0].case_id is not None)
        self.read_button.setEnabled(any(not row.read for row in chosen))

    def selected(self) -> list[NotificationView]:
        rows = []
        for index in self.view.selectionModel().selectedRows():
            row = self.model.data(self.model.index(index.row(), 0), ROW_ROLE)
            if row is not None:
                rows.append(row)
        return rows

    def _failed(self, doing: str) -> Any:
        def failed(exc: BaseException) -> None:
            show_error(self.error, error_text(exc, doing))

        return failed

    def mark_read(self, ids: list[int], doing: str) -> None:
        # The runner announces the change: the button and this list reload.
        from crm_desktop.operations import correspondence as ops

        self.context.op(ops.mark_notifications_read, ids).on_error(self._failed(doing)).run()

    def mark_selected_read(self) -> None:
        ids = [row.id for row in self.selected() if not row.read]
        if not ids:
            show_error(self.error, "Select the notifications to mark read.")
            return
        self.mark_read(ids, "marking them read")

    def mark_everything_read(self) -> None:
        from crm_desktop.operations import correspondence as ops

        self.context.op(ops.mark_all_notifications_read).on_error(
            self._failed("marking them all read")
        ).run()

    def open_row(self, index: Any) -> None:
        if not index.isValid():
            show_error(self.error, "Select a notification about a case.")
            return
        row: NotificationView | None = self.model.data(self.model.index(index.row(), 0), ROW_ROLE)
        if row is None:
            return
        if row.case_id is None:
            show_error(self.error, "This notification is not about a case.")
            return
        if not row.read:
            self.mark_read([row.id], "marking it read")
        self.open_case.emit(row.case_id)
