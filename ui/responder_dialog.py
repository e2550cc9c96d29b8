"""Choose who responds at a case's current stage.

Opened from the case form (Stage tab, "Responder…"). Lists the staff who could respond,
each with the rule choosing them would break: under the Complaint Handling Code the
Stage 2 response is by someone other than the Stage 1 responder. Choosing that person
needs a manager's decision with a reason (the reason box shows only for whoever the
access policy lets take it); the operation checks everything again and keeps the
reason with the stage and in the audit trail.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.operations import procedure_policies as ops
from crm_desktop.operations.policy import Permission
from crm_desktop.services.workflow import ResponderChoice, ResponderResult
from ui.context import AppContext
from ui.discard import KeepsTypedWork
from ui.widgets import compact_combo, error_label, error_text, show_error


class ResponderDialog(KeepsTypedWork):
    """Who responds at the stage; a manager's reason typed and not saved is not thrown
    away without asking."""

    def __init__(
        self,
        context: AppContext,
        case_id: int,
        version: Callable[[], int],
        stage_label: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.case_id = case_id
        self.version = version
        self.choices: list[ResponderChoice] = []
        self.setObjectName("ResponderDialog")
        self.setWindowTitle(f"Responder – {stage_label}")
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.combo = compact_combo(QComboBox(self), 30)
        self.combo.setObjectName("ResponderChoice")
        self.combo.setAccessibleName("Who responds at this stage")
        self.combo.currentIndexChanged.connect(self._chosen)
        form.addRow("Responder", self.combo)
        self.problem = QLabel("", self)
        self.problem.setObjectName("ResponderProblem")
        self.problem.setWordWrap(True)
        form.addRow("", self.problem)
        self.reason = QLineEdit(self)
        self.reason.setObjectName("ResponderOverrideReason")
        self.reason.setAccessibleName("The manager's reason for allowing the same responder")
        hint = "Why the same person may respond"
        self.reason.setPlaceholderText(hint)
        # Wide enough to show the whole hint (it was cut at 150%).
        self.reason.setMinimumWidth(self.reason.fontMetrics().horizontalAdvance(hint + "MM"))
        form.addRow("Manager's reason", self.reason)
        # Below a manager neither the box nor its label is shown.
        form.setRowVisible(self.reason, context.allows(Permission.MANAGER_DECISIONS))
        layout.addLayout(form)
        self.error = error_label("ResponderError", self)
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.save_button = QPushButton("Save", self)
        self.save_button.setObjectName("ResponderSave")
        self.save_button.setEnabled(False)
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.save_button.clicked.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.status = QLabel("", self)
        self.status.setObjectName("ResponderStatus")
        layout.addWidget(self.status)
        self.load()

    def load(self) -> None:
        self.context.op(ops.responder_choices, self.case_id).on_done(self._fill).on_error(
            lambda exc: show_error(self.error, error_text(exc, "loading who can respond"))
        ).run()

    def _fill(self, choices: list[ResponderChoice]) -> None:
        self.choices = choices
        self.combo.clear()
        for choice in choices:
            mark = " (needs a manager's reason)" if choice.problem else ""
            self.combo.addItem(f"{choice.name}{mark}", choice.user_id)
        current = next((i for i, c in enumerate(choices) if c.current), 0)
        self.combo.setCurrentIndex(current)
        self.save_button.setEnabled(bool(choices))
        if not choices:
            self.problem.setText("This stage has been answered: its responder cannot change.")

    def _chosen(self, index: int) -> None:
        choice = self.choices[index] if 0 <= index < len(self.choices) else None
        text = choice.problem if choice is not None and choice.problem else ""
        if text and not self.context.allows(Permission.MANAGER_DECISIONS):
            text += " Only a manager can allow it, with a reason."
        self.problem.setText(text)

    def save(self) -> None:
        show_error(self.error, "")
        self.status.setText("")
        user_id = self.combo.currentData()
        if user_id is None:
            show_error(self.error, "Choose who responds.")
            return

        def done(result: ResponderResult) -> None:
            self.status.setText(
                "Saved, with the manager's reason." if result.override else "Saved."
            )
            self.mark_clean()  # the reason is kept with the stage: nothing left to lose
            self.load()

        self.context.op(
            ops.set_stage_responder, self.case_id, self.version(), int(user_id), self.reason.text()
        ).on_done(done).on_error(
            lambda exc: show_error(self.error, error_text(exc, "saving the responder"))
        ).run()
