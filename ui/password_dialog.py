"""File › Change password…: the signed-in user's own password (the current one, then the
new one twice). The operation (:func:`crm_desktop.operations.admin.change_own_password`)
checks the current password and the rules; a refusal is shown here and nothing changes.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.operations import admin
from crm_desktop.services.users import MIN_PASSWORD_LENGTH
from ui.context import AppContext
from ui.widgets import error_label, error_text, show_error


class ChangePasswordDialog(QDialog):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.changed = False
        self.setObjectName("ChangePasswordDialog")
        self.setWindowTitle("Change your password")
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.current = self._field("CurrentPassword", "Current password")
        form.addRow("&Current password", self.current)
        self.new = self._field("NewPassword", "New password")
        form.addRow("&New password", self.new)
        self.confirm = self._field("ConfirmPassword", "New password again")
        form.addRow("New password &again", self.confirm)
        hint = QLabel(
            f"At least {MIN_PASSWORD_LENGTH} characters; not a common password, nor your "
            "username or name. Three or four random words together make a good one.",
            self,
        )
        hint.setWordWrap(True)
        layout.addLayout(form)
        # Below the fields, the dialog's whole width: a wrapped label in a form row was
        # laid out a line short, its last line cut off.
        layout.addWidget(hint)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("M") * 28)
        self.error = error_label("ChangePasswordError", self)
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Change &password")
        self.ok_button.setObjectName("ChangePasswordButton")
        buttons.accepted.connect(self.change)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.current.setFocus()

    def _field(self, name: str, accessible: str) -> QLineEdit:
        field = QLineEdit(self)
        field.setObjectName(name)
        field.setAccessibleName(accessible)
        field.setEchoMode(QLineEdit.EchoMode.Password)
        return field

    def change(self) -> None:
        show_error(self.error, "")
        self.ok_button.setEnabled(False)

        def failed(exc: BaseException) -> None:
            self.ok_button.setEnabled(True)
            show_error(self.error, error_text(exc, "changing your password"))

        def done(_: object) -> None:
            self.changed = True
            for field in (self.current, self.new, self.confirm):
                field.clear()
            self.accept()

        self.context.op(
            admin.change_own_password, self.current.text(), self.new.text(), self.confirm.text()
        ).on_done(done).on_error(failed).run()
