"""Small dialogs of the stage panel: one per workflow action, and the due-date explanation.

An action dialog asks for what its action needs, as the workflow's table of inputs says
(:data:`crm_desktop.domain.workflow.ACTION_FORMS`: the date, defaulting to today, and the
inputs, some required), sends it through ``workflow.perform`` with the case's version,
and stays open showing the refusal in plain words, beside the field it concerns, if the
workflow says no. Nothing the officer typed is lost: on a conflict the case is reloaded
and the dialog keeps its values.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
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
from crm_desktop.domain.workflow import ADULT_GRADES, FINDING_OUTCOMES, Action, action_form
from crm_desktop.errors import ConflictError, ValidationError
from crm_desktop.operations import workflow
from crm_desktop.operations.policy import Permission
from crm_desktop.services.workflow import ActionInput, TransitionResult
from ui.context import AppContext
from ui.discard import KeepsTypedWork
from ui.widgets import (
    date_edit,
    enabled_by,
    error_label,
    error_text,
    from_qdate,
    show_error,
    with_mnemonic,
)


def _enum(cls: Any, value: object) -> Any:
    """Item data comes back from Qt as a plain string: make it the enum again."""
    return None if value in (None, "") else cls(value)


# Dates an action may ask for besides its own: optional ones (a box says they are given)
# and required ones.
_OPTIONAL_DATES = {
    "response_received_on": "The complainant received it on another day than the next",
    "lgsco_response_due_on": "The Ombudsman gave a date for the response",
    "expected_resume_on": "It is known when the clock should restart",
}
_DATES = frozenset({"agreed_until"})


class ActionDialog(KeepsTypedWork):
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
        *,
        label: str | None = None,
    ) -> None:
        """``label`` names the action on this case ("Open Stage 2"); its general name
        ("Open the next stage") when not given."""
        super().__init__(parent)
        self.context = context
        self.case_id = case_id
        self._version = version
        self.action = action
        self.label = label or action.label
        self.setWindowTitle(self.label)
        self.setObjectName("ActionDialog")
        self.setModal(True)
        form_spec = action_form(action)
        layout = QVBoxLayout(self)
        intro = QLabel(form_spec.explanation, self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.error = error_label("ActionError", self)
        layout.addWidget(self.error)
        form = QFormLayout()
        # A label too long to sit beside its field goes above it (never cut off).
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        layout.addLayout(form)
        self.fields: dict[str, QWidget] = {}
        self.field_errors: dict[str, QLabel] = {}
        # Alt-keys: the action's own button first (Alt+A acknowledges), then each field's
        # label in turn; the window's watcher gives the other buttons letters left over.
        keys: set[str] = set()
        ok_text = with_mnemonic(self.label, keys)

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
            caption = QLabel(with_mnemonic(label, keys), self)
            focusable = [
                w
                for w in (widget, *widget.findChildren(QWidget))
                if w.focusPolicy() != Qt.FocusPolicy.NoFocus
            ]
            caption.setBuddy(focusable[0] if focusable else widget)
            form.addRow(caption, holder)

        today = context.today()
        self.on = date_edit(today, form_spec.date_label, self)
        self.on.setMaximumDate(self.on.date())  # nothing is recorded in the future
        add("on", form_spec.date_label, self.on)

        self.suspension_reason: QComboBox | None = None
        self.working_days: QSpinBox | None = None
        self.agreed: QCheckBox | None = None
        self.grade: QComboBox | None = None
        self.outcome: QComboBox | None = None
        self.panel_report: QCheckBox | None = None
        self.panel_report_on: QDateEdit | None = None
        self.lgsco_reference: QLineEdit | None = None
        self.decision: QComboBox | None = None
        self.reply: QPlainTextEdit | None = None
        self.override_window: QCheckBox | None = None
        self.reason: QPlainTextEdit | None = None
        self.note: QLineEdit | None = None
        self.beyond_limit: QPlainTextEdit | None = None
        # Other dates an action asks for: the widget, and for an optional one the box
        # that says it is given.
        self.dates: dict[str, tuple[QCheckBox | None, QDateEdit]] = {}
        self.asked = tuple(
            item
            for item in form_spec.asks(StageCode(stage_code) if stage_code else None)
            if not item.manager_decision or context.allows(Permission.MANAGER_DECISIONS)
        )
        for item in self.asked:
            self._add_input(item.name, item.label, stage_code, add)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(ok_text)
        self.ok_button.setObjectName("PerformButton")
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("M") * 34)
        self.result_value: TransitionResult | None = None

    def _add_input(
        self,
        name: str,
        label: str,
        stage_code: str | None,
        add: Callable[[str, str, QWidget], None],
    ) -> None:
        """The widget for one input of the table, by the kind of value it takes."""
        if name == "suspension_reason":
            combo = QComboBox(self)
            for reason in SuspensionReason:
                combo.addItem(reason.value.capitalize(), reason)
            self.suspension_reason = combo
            add(name, label, combo)
        elif name == "working_days":
            spin = QSpinBox(self)
            spin.setRange(1, 250)
            spin.setValue(5)
            spin.setSuffix(" working days")
            self.working_days = spin
            add(name, label, spin)
        elif name == "agreed_with_complainant":
            self.agreed = QCheckBox(label, self)
            add(name, "", self.agreed)
        elif name == "grade":
            combo = QComboBox(self)
            for grade in sorted(ADULT_GRADES):
                if grade.value != stage_code:
                    combo.addItem(grade.label, grade)
            self.grade = combo
            add(name, label, combo)
        elif name == "outcome_override":
            combo = QComboBox(self)
            combo.addItem("As the complaint points give", None)
            for outcome in Outcome:
                if outcome in FINDING_OUTCOMES:
                    combo.addItem(outcome.label, outcome)
            self.outcome = combo
            add(name, label, combo)
        elif name == "panel_report_on":
            self.panel_report = QCheckBox("The panel's report was received", self)
            add("panel_report", "", self.panel_report)
            self.panel_report_on = date_edit(self.context.today(), label, self)
            enabled_by(self.panel_report, self.panel_report_on)
            add(name, label, self.panel_report_on)
        elif name == "lgsco_reference":
            self.lgsco_reference = QLineEdit(self)
            self.lgsco_reference.setPlaceholderText("e.g. 23 012 345")
            add(name, label, self.lgsco_reference)
        elif name == "lgsco_decision":
            combo = QComboBox(self)
            combo.addItem("Choose the decision…", None)
            for decision in LgscoDecision:
                combo.addItem(decision.label, decision)
            self.decision = combo
            add(name, label, combo)
        elif name in ("reason", "reply_text", "beyond_limit_reason"):
            text = QPlainTextEdit(self)
            text.setTabChangesFocus(True)
            lines = text.fontMetrics().lineSpacing()
            text.setMinimumHeight(lines * 3)
            text.setMaximumHeight(lines * 6)
            if name == "reason":
                self.reason = text
            elif name == "reply_text":
                self.reply = text
            else:
                self.beyond_limit = text
            add(name, label, text)
        elif name == "override_window":
            self.override_window = QCheckBox(label, self)
            add(name, "Late request", self.override_window)
        elif name == "note":
            self.note = QLineEdit(self)
            add(name, label, self.note)
        elif name in _OPTIONAL_DATES:
            given = QCheckBox(_OPTIONAL_DATES[name], self)
            add(f"{name}_given", "", given)
            day = date_edit(self.context.today(), label, self)
            enabled_by(given, day)
            add(name, label, day)
            self.dates[name] = (given, day)
        elif name in _DATES:
            day = date_edit(self.context.today(), label, self)
            add(name, label, day)
            self.dates[name] = (None, day)
        else:  # pragma: no cover - every input of the table has a widget above
            raise AssertionError(f"no widget for the input {name}")

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
        if self.beyond_limit is not None and self.beyond_limit.toPlainText().strip():
            values["beyond_limit_reason"] = self.beyond_limit.toPlainText().strip()
        for name, (given, day) in self.dates.items():
            if given is None or given.isChecked():
                values[name] = from_qdate(day.date())
        return ActionInput(**values)  # type: ignore[arg-type]

    def _check(self) -> bool:
        """What can be said before asking the database: the required inputs, as the
        workflow's table has them (the service checks them again)."""
        values = self.action_input()
        for item in self.asked:
            if item.missing is None:
                continue
            value = getattr(values, item.name)
            if value is None or (isinstance(value, str) and not value.strip()):
                self._field_error(item.name, item.missing)
                return False
        return True

    def _field_error(self, key: str, message: str) -> None:
        label = self.field_errors.get(key)
        if label is None:
            show_error(self.error, message)
        else:
            show_error(label, message)
            self.fields[key].setFocus()
        self._fit_height()

    def _fit_height(self) -> None:
        """Grow to show a message's every line (a wrapped label's height is not passed up
        to the window by itself)."""
        layout = self.layout()
        if layout is None:
            return
        layout.activate()
        needed = (
            layout.totalHeightForWidth(self.width())
            if layout.hasHeightForWidth()
            else layout.totalSizeHint().height()
        )
        if needed > self.height():
            self.resize(self.width(), needed)

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
        self.context.op(workflow.perform, self.case_id, self._version(), self.action, data).on_done(
            self._done
        ).on_error(self._failed).run()

    def _done(self, result: TransitionResult) -> None:
        self.ok_button.setEnabled(True)
        self.result_value = result
        if result.warnings:
            self.context.notifier.warning(self.label, "\n\n".join(result.warnings))
        self.performed.emit(result)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.ok_button.setEnabled(True)
        if isinstance(exc, ConflictError):
            show_error(
                self.error, exc.message + " The case has been reloaded: press the button again."
            )
            self._fit_height()
            self.conflicted.emit(exc.message)
            return
        if isinstance(exc, ValidationError) and exc.field:
            key = {"on": "on", "note": "note"}.get(exc.field, exc.field)
            if key in self.field_errors:
                self._field_error(key, exc.message)
                return
        show_error(self.error, error_text(exc, f"doing '{self.label}'"))
        self._fit_height()


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

        context.op(workflow.explain_due_date, stage_id).on_done(self._show).on_error(failed).run()

    def _show(self, lines: list[str]) -> None:
        self.lines = lines
        self.text.setText("\n".join(f"• {line}" for line in lines))
