"""Small dialogs of the stage panel: one per workflow action, and the due-date explanation.

An action dialog asks only for what its action needs (the date, defaulting to today; a
reason; working days; the suspension reason; the new grade; ...), sends it through
``workflow.perform`` with the case's version, and stays open showing the refusal in
plain words, beside the field it concerns, if the workflow says no. Nothing the officer
typed is lost: on a conflict the case is reloaded and the dialog keeps its values.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.domain.enums import LgscoDecision, Outcome, StageCode, SuspensionReason
from crm_desktop.domain.workflow import ADULT_GRADES, FINDING_OUTCOMES, Action
from crm_desktop.errors import ConflictError, ValidationError
from crm_desktop.operations import workflow
from crm_desktop.operations.policy import Permission
from crm_desktop.services.workflow import ActionInput, TransitionResult
from ui.context import AppContext
from ui.widgets import date_edit, error_label, error_text, from_qdate, show_error

DATE_LABELS = {
    Action.ACKNOWLEDGE: "Acknowledged on",
    Action.SUSPEND: "Clock suspended from",
    Action.RESUME: "Clock resumed on",
    Action.EXTEND: "Extension agreed on",
    Action.START_INVESTIGATION: "Statement of complaint agreed on",
    Action.HOLD_PANEL: "Review panel met on",
    Action.RESPOND: "Response sent on",
    Action.WITHDRAW: "Withdrawn on",
    Action.DISCONTINUE: "Discontinued on",
    Action.REDIRECT: "Redirected on",
    Action.REGRADE: "Regraded on",
    Action.REQUEST_NEXT_STAGE: "Request received on",
    Action.ESCALATE: "Next stage opened on",
    Action.ESCALATE_TO_LGSCO: "Ombudsman's enquiry received on",
    Action.RECORD_LGSCO_DECISION: "Decision dated",
    Action.RECORD_REPLY: "Reply received on",
    Action.CLOSE_CASE: "Case closed on",
    Action.REOPEN: "Reopened on",
}
REASON_REQUIRED = {
    Action.EXTEND,
    Action.REOPEN,
    Action.REGRADE,
    Action.WITHDRAW,
    Action.DISCONTINUE,
    Action.REDIRECT,
}
EXPLANATIONS = {
    Action.ACKNOWLEDGE: "Record that the complainant was told the complaint was received.",
    Action.SUSPEND: "Stop the clock. The due date moves by the working days it is stopped.",
    Action.RESUME: "Start the clock again; the due date moves later by the days it was stopped.",
    Action.EXTEND: "Give the stage more working days, within the procedure's limit.",
    Action.START_INVESTIGATION: "The Stage 2 clock starts when the statement is agreed.",
    Action.RESPOND: "The stage's outcome follows from the complaint points' outcomes.",
    Action.ESCALATE_TO_LGSCO: "Open an Ombudsman stage for this case.",
    Action.REQUEST_NEXT_STAGE: "The complainant asked for the next stage of the procedure.",
    Action.ESCALATE: "Open the next stage; the earlier stage and its history are kept.",
    Action.REOPEN: "Only a manager can reopen a case.",
}


def _enum(cls: Any, value: object) -> Any:
    """Item data comes back from Qt as a plain string: make it the enum again."""
    return None if value in (None, "") else cls(value)


class ActionDialog(QDialog):
    """Ask for what one action needs and perform it."""

    performed = Signal(object)  # TransitionResult
    conflicted = Signal(str)  # the conflict message: the case form reloads the case

    def __init__(
        self,
        context: AppContext,
        case_id: int,
        version: Callable[[], int],
        action: Action,
        stage_code: str | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.case_id = case_id
        self._version = version
        self.action = action
        self.setWindowTitle(action.label)
        self.setObjectName("ActionDialog")
        self.setModal(True)
        layout = QVBoxLayout(self)
        intro = QLabel(EXPLANATIONS.get(action, f"{action.label} this case."), self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.error = error_label("ActionError", self)
        layout.addWidget(self.error)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        layout.addLayout(form)
        self.fields: dict[str, QWidget] = {}
        self.field_errors: dict[str, QLabel] = {}

        def add(key: str, label: str, widget: QWidget) -> None:
            widget.setAccessibleName(label)
            self.fields[key] = widget
            holder = QWidget(self)
            box = QVBoxLayout(holder)
            box.setContentsMargins(0, 0, 0, 0)
            box.addWidget(widget)
            message = error_label(f"{key.title().replace('_', '')}Error", holder)
            box.addWidget(message)
            self.field_errors[key] = message
            form.addRow(label, holder)

        today = context.today()
        self.on = date_edit(today, DATE_LABELS.get(action, "Date"), self)
        self.on.setMaximumDate(self.on.date())  # nothing is recorded in the future
        add("on", DATE_LABELS.get(action, "Date"), self.on)

        self.suspension_reason: QComboBox | None = None
        if action == Action.SUSPEND:
            combo = QComboBox(self)
            for reason in SuspensionReason:
                combo.addItem(reason.value.capitalize(), reason)
            self.suspension_reason = combo
            add("suspension_reason", "Why the clock stops", combo)

        self.working_days: QSpinBox | None = None
        self.agreed: QCheckBox | None = None
        if action == Action.EXTEND:
            spin = QSpinBox(self)
            spin.setRange(1, 250)
            spin.setValue(5)
            spin.setSuffix(" working days")
            self.working_days = spin
            add("working_days", "Extend by", spin)
            self.agreed = QCheckBox("Agreed with the complainant", self)
            add("agreed_with_complainant", "", self.agreed)

        self.grade: QComboBox | None = None
        if action == Action.REGRADE:
            combo = QComboBox(self)
            for grade in sorted(ADULT_GRADES):
                if grade.value != stage_code:
                    combo.addItem(grade.label, grade)
            self.grade = combo
            add("grade", "New grade", combo)

        self.outcome: QComboBox | None = None
        self.panel_report: QCheckBox | None = None
        self.panel_report_on = None
        if action == Action.RESPOND:
            combo = QComboBox(self)
            combo.addItem("As the complaint points give", None)
            for outcome in Outcome:
                if outcome in FINDING_OUTCOMES:
                    combo.addItem(outcome.label, outcome)
            self.outcome = combo
            add("outcome_override", "Stage outcome", combo)
            if stage_code == StageCode.STAGE_3.value:
                self.panel_report = QCheckBox("The panel's report was received", self)
                add("panel_report", "", self.panel_report)
                self.panel_report_on = date_edit(today, "Panel report received on", self)
                add("panel_report_on", "Panel report received on", self.panel_report_on)

        self.lgsco_reference: QLineEdit | None = None
        if action == Action.ESCALATE_TO_LGSCO:
            self.lgsco_reference = QLineEdit(self)
            self.lgsco_reference.setPlaceholderText("e.g. 23 012 345")
            add("lgsco_reference", "Ombudsman's reference", self.lgsco_reference)

        self.decision: QComboBox | None = None
        if action == Action.RECORD_LGSCO_DECISION:
            combo = QComboBox(self)
            combo.addItem("Choose the decision…", None)
            for decision in LgscoDecision:
                combo.addItem(decision.label, decision)
            self.decision = combo
            add("lgsco_decision", "The Ombudsman's decision", combo)

        self.reply: QPlainTextEdit | None = None
        if action == Action.RECORD_REPLY:
            self.reply = QPlainTextEdit(self)
            self.reply.setTabChangesFocus(True)
            add("reply_text", "The directorate's reply", self.reply)

        self.override_window: QCheckBox | None = None
        if action == Action.REQUEST_NEXT_STAGE and context.allows(Permission.MANAGER_DECISIONS):
            self.override_window = QCheckBox("Accept it even if it came after the window", self)
            add("override_window", "Late request", self.override_window)

        self.reason: QPlainTextEdit | None = None
        if action in REASON_REQUIRED or action in (Action.RESPOND, Action.REQUEST_NEXT_STAGE):
            self.reason = QPlainTextEdit(self)
            self.reason.setTabChangesFocus(True)
            lines = self.reason.fontMetrics().lineSpacing()
            self.reason.setMinimumHeight(lines * 3)
            self.reason.setMaximumHeight(lines * 6)
            required = action in REASON_REQUIRED
            title = "Reason"
            if action == Action.RESPOND:
                title = "Reason (only if you change the outcome)"
            elif not required:
                title = "Reason (only if you accept a late request)"
            add("reason", title, self.reason)

        self.note: QLineEdit | None = None
        if action in (Action.SUSPEND, Action.RESPOND, Action.ACKNOWLEDGE):
            self.note = QLineEdit(self)
            add("note", "Note (optional)" if action != Action.SUSPEND else "Note", self.note)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(action.label)
        self.ok_button.setObjectName("PerformButton")
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("M") * 34)
        self.result_value: TransitionResult | None = None

    # -- input -------------------------------------------------------------------------

    def action_input(self) -> ActionInput:
        values: dict[str, object] = {"on": from_qdate(self.on.date())}
        if self.reason is not None:
            values["reason"] = self.reason.toPlainText().strip()
        if self.note is not None and self.note.text().strip():
            values["note"] = self.note.text().strip()
        if self.working_days is not None:
            values["working_days"] = self.working_days.value()
        if self.agreed is not None:
            values["agreed_with_complainant"] = self.agreed.isChecked()
        if self.suspension_reason is not None:
            values["suspension_reason"] = SuspensionReason(self.suspension_reason.currentData())
        if self.grade is not None:
            values["grade"] = _enum(StageCode, self.grade.currentData())
        if self.outcome is not None:
            values["outcome_override"] = _enum(Outcome, self.outcome.currentData())
        if self.panel_report is not None and self.panel_report.isChecked():
            assert self.panel_report_on is not None
            values["panel_report_on"] = from_qdate(self.panel_report_on.date())
        if self.lgsco_reference is not None:
            values["lgsco_reference"] = self.lgsco_reference.text().strip() or None
        if self.decision is not None:
            values["lgsco_decision"] = _enum(LgscoDecision, self.decision.currentData())
        if self.reply is not None:
            values["reply_text"] = self.reply.toPlainText().strip()
        if self.override_window is not None:
            values["override_window"] = self.override_window.isChecked()
        return ActionInput(**values)  # type: ignore[arg-type]

    def _check(self) -> bool:
        """What can be said before asking the database: required fields."""
        reason = self.reason
        if (
            self.action in REASON_REQUIRED
            and reason is not None
            and not reason.toPlainText().strip()
        ):
            self._field_error("reason", "Say why: the reason is kept with the case.")
            return False
        if self.decision is not None and self.decision.currentData() is None:
            self._field_error("lgsco_decision", "Choose the Ombudsman's decision.")
            return False
        return True

    def _field_error(self, key: str, message: str) -> None:
        label = self.field_errors.get(key)
        if label is None:
            show_error(self.error, message)
        else:
            show_error(label, message)
            self.fields[key].setFocus()

    def _clear_errors(self) -> None:
        show_error(self.error, "")
        for label in self.field_errors.values():
            show_error(label, "")

    # -- perform -----------------------------------------------------------------------

    def submit(self) -> None:
        self._clear_errors()
        if not self._check():
            return
        data = self.action_input()
        self.ok_button.setEnabled(False)
        self.context.op(
            workflow.perform, self.case_id, self._version(), self.action, data
        ).on_done(self._done).on_error(self._failed).run()

    def _done(self, result: TransitionResult) -> None:
        self.ok_button.setEnabled(True)
        self.result_value = result
        if result.warnings:
            self.context.notifier.warning(self.action.label, "\n\n".join(result.warnings))
        self.performed.emit(result)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.ok_button.setEnabled(True)
        if isinstance(exc, ConflictError):
            show_error(
                self.error, exc.message + " The case has been reloaded: press the button again."
            )
            self.conflicted.emit(exc.message)
            return
        if isinstance(exc, ValidationError) and exc.field:
            key = {"on": "on", "note": "note"}.get(exc.field, exc.field)
            if key in self.field_errors:
                self._field_error(key, exc.message)
                return
        show_error(self.error, error_text(exc, f"doing '{self.action.label}'"))


class ExplainDialog(QDialog):
    """A stage's due date in plain English: working days counted, holidays, suspensions."""

    def __init__(
        self, context: AppContext, stage_id: int, title: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("ExplainDialog")
        self.setWindowTitle(f"How the due date is worked out: {title}")
        layout = QVBoxLayout(self)
        self.text = QLabel("Working it out…", self)
        self.text.setObjectName("Explanation")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text.setAccessibleName("Explanation of the due date")
        layout.addWidget(self.text)
        layout.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("M") * 36)
        self.lines: list[str] = []

        def failed(exc: BaseException) -> None:
            self.text.setText(error_text(exc, "explaining the due date"))

        context.op(workflow.explain_due_date, stage_id).on_done(self._show).on_error(
            failed
        ).run()

    def _show(self, lines: list[str]) -> None:
        self.lines = lines
        self.text.setText("\n".join(f"• {line}" for line in lines))
