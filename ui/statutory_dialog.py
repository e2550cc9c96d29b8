"""A complaint's facts for the statutory annual report.

Children's complaints: who complained (a child or young person, a parent, a carer,
someone else) and whether advocacy was provided. Adult complaints: whether the council
decided the complaint was well-founded. Any complaint: not accepted, why and when; and,
once it has gone to an Ombudsman, which one (an adult complaint can go to the Health
Service Ombudsman). Read and saved by the operations ``cases.statutory_facts`` and
``cases.record_statutory_facts``, off the GUI thread; a refusal shows its message and
changes nothing.
"""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import Signal
from PySide6.QtGui import QStandardItemModel
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

from crm_desktop.domain.enums import (
    ComplainantType,
    Kind,
    NotAcceptedReason,
    Ombudsman,
    Procedure,
)
from crm_desktop.errors import ConflictError
from crm_desktop.operations import cases
from crm_desktop.services.statutory import CaseStatutoryFacts, StatutoryFacts
from ui.context import AppContext
from ui.widgets import (
    compact_combo,
    date_edit,
    error_label,
    error_text,
    from_qdate,
    show_error,
    to_qdate,
)

NOT_RECORDED = "Not recorded"


def _choices(combo: QComboBox, values: list[tuple[str, object]]) -> None:
    combo.clear()
    combo.addItem(NOT_RECORDED, None)
    for label, value in values:
        combo.addItem(label, value)


def _choose(combo: QComboBox, value: object) -> None:
    combo.setCurrentIndex(max(combo.findData(value), 0) if value is not None else 0)


def _yes_no(combo: QComboBox) -> None:
    _choices(combo, [("Yes", True), ("No", False)])


class StatutoryDialog(QDialog):
    saved = Signal()

    def __init__(
        self, context: AppContext, case_id: int, reference: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.case_id = case_id
        self.current: CaseStatutoryFacts | None = None
        self.setObjectName("StatutoryDialog")
        self.setWindowTitle(f"For the statutory annual report – {reference}")
        layout = QVBoxLayout(self)
        note = QLabel(
            "The statutory annual reports count these. Leave a question as "
            f'"{NOT_RECORDED}" when it is not known.',
            self,
        )
        note.setWordWrap(True)
        layout.addWidget(note)
        form = QFormLayout()
        self.who = compact_combo(QComboBox(self), 22)
        self.who.setObjectName("StatutoryWho")
        self.who.setAccessibleName("Who complained")
        _choices(self.who, [(t.label, t) for t in ComplainantType])
        form.addRow("Who complained", self.who)
        self.advocacy = compact_combo(QComboBox(self), 14)
        self.advocacy.setObjectName("StatutoryAdvocacy")
        self.advocacy.setAccessibleName("Advocacy provided")
        _yes_no(self.advocacy)
        form.addRow("Advocacy provided", self.advocacy)
        self.well_founded = compact_combo(QComboBox(self), 14)
        self.well_founded.setObjectName("StatutoryWellFounded")
        self.well_founded.setAccessibleName("Decided well-founded")
        _yes_no(self.well_founded)
        form.addRow("Decided well-founded", self.well_founded)
        self.not_accepted = compact_combo(QComboBox(self), 26)
        self.not_accepted.setObjectName("StatutoryNotAccepted")
        self.not_accepted.setAccessibleName("Accepted as a complaint")
        self.not_accepted.clear()
        self.not_accepted.addItem("Yes", None)
        for reason in NotAcceptedReason:
            why = "another reason" if reason == NotAcceptedReason.OTHER else reason.label.lower()
            self.not_accepted.addItem(f"No: {why}", reason)
        form.addRow("Accepted as a complaint", self.not_accepted)
        self.not_accepted_on = date_edit(self.context.today(), "Decided not to accept on", self)
        form.addRow("Decided not to accept on", self.not_accepted_on)
        self.ombudsman = compact_combo(QComboBox(self), 30)
        self.ombudsman.setObjectName("StatutoryOmbudsman")
        self.ombudsman.setAccessibleName("Which Ombudsman")
        for body in Ombudsman:
            self.ombudsman.addItem(body.label, body)
        form.addRow("Which Ombudsman", self.ombudsman)
        self.rows: dict[str, QWidget] = {
            "complainant_type": self.who,
            "advocacy_provided": self.advocacy,
            "well_founded": self.well_founded,
            "not_accepted_reason": self.not_accepted,
            "not_accepted_on": self.not_accepted_on,
            "ombudsman": self.ombudsman,
        }
        self.form = form
        layout.addLayout(form)
        self.error = error_label("StatutoryError", self)
        layout.addWidget(self.error)
        self.status = QLabel("", self)
        self.status.setObjectName("StatutoryStatus")
        layout.addWidget(self.status)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.save_button = QPushButton("Save", self)
        self.save_button.setObjectName("StatutorySave")
        self.save_button.setEnabled(False)
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.save_button.clicked.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.not_accepted.currentIndexChanged.connect(self._not_accepted_changed)
        self.load()

    def _show_row(self, key: str, visible: bool) -> None:
        widget = self.rows[key]
        widget.setVisible(visible)
        label = self.form.labelForField(widget)
        if label is not None:
            label.setVisible(visible)

    def _not_accepted_changed(self) -> None:
        self.not_accepted_on.setEnabled(self.not_accepted.currentData() is not None)

    def load(self) -> None:
        def failed(exc: BaseException) -> None:
            show_error(self.error, error_text(exc, "loading the case"))

        self.context.op(cases.statutory_facts, self.case_id).on_done(self.fill).on_error(
            failed
        ).run()

    def fill(self, current: CaseStatutoryFacts) -> None:
        self.current = current
        facts = current.facts
        children = current.procedure == Procedure.CHILDREN
        self._show_row("complainant_type", children)
        self._show_row("advocacy_provided", children)
        self._show_row("well_founded", current.procedure == Procedure.ADULT)
        self._show_row("ombudsman", current.has_ombudsman_stage)
        index = self.ombudsman.findData(Ombudsman.HEALTH_SERVICE)
        model = self.ombudsman.model()
        if isinstance(model, QStandardItemModel) and index >= 0:
            model.item(index).setEnabled(current.procedure == Procedure.ADULT)
        _choose(self.who, facts.complainant_type)
        _choose(self.advocacy, facts.advocacy_provided)
        _choose(self.well_founded, facts.well_founded)
        self.not_accepted.setCurrentIndex(
            max(self.not_accepted.findData(facts.not_accepted_reason), 0)
            if facts.not_accepted_reason
            else 0
        )
        self.not_accepted_on.setDate(to_qdate(facts.not_accepted_on or self.context.today()))
        self._not_accepted_changed()
        self.ombudsman.setCurrentIndex(max(self.ombudsman.findData(facts.ombudsman), 0))
        complaint = current.kind == Kind.COMPLAINT
        self.save_button.setEnabled(complaint)
        if not complaint:
            show_error(self.error, "Only complaints have these details.")

    def chosen(self) -> StatutoryFacts:
        assert self.current is not None
        children = self.current.procedure == Procedure.CHILDREN
        reason = self.not_accepted.currentData()
        ombudsman = self.ombudsman.currentData() if self.current.has_ombudsman_stage else None
        return StatutoryFacts(
            complainant_type=self.who.currentData() if children else None,
            advocacy_provided=self.advocacy.currentData() if children else None,
            well_founded=self.well_founded.currentData()
            if self.current.procedure == Procedure.ADULT
            else None,
            not_accepted_reason=reason,
            not_accepted_on=from_qdate(self.not_accepted_on.date()) if reason else None,
            ombudsman=Ombudsman(ombudsman) if isinstance(ombudsman, StrEnum) else None,
        )

    def save(self) -> None:
        if self.current is None:
            return
        show_error(self.error, "")
        self.status.setText("")

        def done(_version: int) -> None:
            self.status.setText("Saved.")
            self.saved.emit()
            self.load()

        def failed(exc: BaseException) -> None:
            if isinstance(exc, ConflictError):
                show_error(self.error, exc.message + " Close this and open the case again.")
                return
            show_error(self.error, error_text(exc, "saving the statutory report details"))

        self.context.op(
            cases.record_statutory_facts, self.case_id, self.current.version, self.chosen()
        ).on_done(done).on_error(failed).run()
