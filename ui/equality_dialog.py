"""Equality monitoring answers for one person (managers only; special category data).

Each question is a combo of the categories offered, "Prefer not to say" included, and
"Not answered". The answers are kept apart from the case
(:mod:`crm_desktop.privacy.equality`); the operations that read and save them
(:mod:`crm_desktop.operations.privacy`) refuse anyone whose role may not see them.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.db.models_privacy import Characteristic
from crm_desktop.operations import privacy as ops
from crm_desktop.operations.core import Change, OpChanges
from crm_desktop.privacy.equality import PREFER_NOT_TO_SAY, CategoryView, EqualityAnswers
from ui.context import AppContext
from ui.widgets import compact_combo, date_text, error_label, error_text, show_error

NOT_ANSWERED = "Not answered"


def answers_text(answers: EqualityAnswers | None) -> str:
    if answers is None or not answers.answered:
        return "No answers recorded."
    lines = [f"{c.label}: {answers.answer(c)}" for c in answers.answered]
    if answers.recorded_on:
        lines.insert(0, f"Recorded on {date_text(answers.recorded_on)}")
    return "\n".join(lines)


class EqualityDialog(QDialog):
    saved = Signal()
    cares_about = frozenset({Change.EQUALITY})

    def __init__(
        self, context: AppContext, person_id: int, person_name: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.person_id = person_id
        self.answers: EqualityAnswers | None = None
        self.setObjectName("EqualityDialog")
        self.setWindowTitle(f"Equality monitoring – {person_name}")
        layout = QVBoxLayout(self)
        note = QLabel(
            f"Optional answers about {person_name}. Every question may be left unanswered "
            'or answered "Prefer not to say". Only managers can see these answers; they '
            "are kept apart from the case.",
            self,
        )
        note.setWordWrap(True)
        layout.addWidget(note)
        form = QFormLayout()
        self.combos: dict[Characteristic, QComboBox] = {}
        for characteristic in Characteristic:
            combo = compact_combo(QComboBox(self), 24)
            combo.setAccessibleName(characteristic.label)
            combo.setObjectName(f"Equality_{characteristic.value}")
            combo.addItem(NOT_ANSWERED, "")
            self.combos[characteristic] = combo
            form.addRow(characteristic.label, combo)
        layout.addLayout(form)
        layout.addWidget(QLabel("Recorded now", self))
        self.current = QLabel("", self)
        self.current.setObjectName("EqualityCurrent")
        self.current.setWordWrap(True)
        layout.addWidget(self.current)
        self.error = error_label("EqualityError", self)
        layout.addWidget(self.error)
        self.status = QLabel("", self)
        self.status.setObjectName("EqualityStatus")
        layout.addWidget(self.status)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.save_button = QPushButton("Save", self)
        self.save_button.setObjectName("EqualitySave")
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.save_button.clicked.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.save_button.setEnabled(False)
        context.runner.changed.connect(self.data_changed)
        self.load()

    def data_changed(self, changes: OpChanges) -> None:
        """Someone saved answers (this person's, perhaps): show what is recorded now."""
        if changes.touches(self.cares_about):
            self.load()

    def load(self) -> None:
        def failed(exc: BaseException) -> None:
            show_error(self.error, error_text(exc, "loading the equality answers"))

        self.context.op(ops.equality_answers, self.person_id).on_done(
            lambda form: self._fill(form.offered, form.answers)
        ).on_error(failed).run()

    def _fill(
        self,
        offered: dict[Characteristic, list[CategoryView]],
        answers: EqualityAnswers | None,
    ) -> None:
        for characteristic, combo in self.combos.items():
            combo.clear()
            combo.addItem(NOT_ANSWERED, "")
            labels = [c.label for c in offered.get(characteristic, [])]
            if not any(label.casefold() == PREFER_NOT_TO_SAY.casefold() for label in labels):
                labels.append(PREFER_NOT_TO_SAY)
            for label in labels:
                combo.addItem(label, label)
            given = answers.answer(characteristic) if answers else None
            if given and combo.findData(given) < 0:
                combo.addItem(given, given)  # a category since retired
            combo.setCurrentIndex(max(combo.findData(given or ""), 0))
        self._show(answers)
        self.save_button.setEnabled(True)

    def _show(self, answers: EqualityAnswers | None) -> None:
        self.answers = answers if answers and answers.answered else None
        self.current.setText(answers_text(answers))

    def chosen(self) -> EqualityAnswers:
        values: dict[str, Any] = {
            c.value: (combo.currentData() or None) for c, combo in self.combos.items()
        }
        return EqualityAnswers(**values, recorded_on=self.context.today())

    def save(self) -> None:
        show_error(self.error, "")
        self.status.setText("")

        def done(saved: EqualityAnswers) -> None:
            self._show(saved)
            self.status.setText("Saved.")
            self.saved.emit()

        def failed(exc: BaseException) -> None:
            show_error(self.error, error_text(exc, "saving the equality answers"))

        self.context.op(ops.save_equality_answers, self.person_id, self.chosen()).on_done(
            done
        ).on_error(failed).run()
