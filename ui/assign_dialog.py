"""The assign dialog: appoint an Investigating Officer, Independent Person or review panel
member to the case's current stage, and record what happens to each appointment.

Opened from the case form (People tab, "Appoint…"). The roles offered are those the
stage appoints (``eligibility.roles_at``). For the role chosen it lists everyone in the
pool with their verdict (the operation ``investigators.appointment_choices``): the
suggestions (allowed first, then those needing a manager's override, by load,
availability and on-time record), and below them the people who are refused, each with
the plain reasons and the rules they come from.

- Allowed: Offer is enabled.
- Needs a manager's override (a warning): Offer is enabled only for whoever the access
  policy lets take a manager's decisions, once they have written the reason for the
  override (recorded on the appointment).
- Refused: shown, with why, but Offer stays disabled.

The operations check everything again: the dialog only saves a round trip. The
appointments already made are listed with Accepted, Declined…, Report received and
Replace… (the replaced appointment stays, with its reason, hours and fee).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.domain.appointments import Step, allowed_steps
from crm_desktop.domain.eligibility import Eligibility, role_label, roles_at
from crm_desktop.domain.enums import AssignmentRole, Procedure, StageCode
from crm_desktop.errors import ConflictError
from crm_desktop.operations import investigators
from crm_desktop.operations.core import Change, OpChanges, Operation
from crm_desktop.operations.policy import Permission
from crm_desktop.services.case_view import StageView
from crm_desktop.services.investigators import AppointmentChoices, AssignmentView, Candidate
from ui.context import AppContext
from ui.discard import KeepsTypedWork
from ui.investigators_page import _optional_date, on_time_text
from ui.widgets import (
    Column,
    RowsModel,
    compact_combo,
    date_edit,
    date_text,
    error_label,
    error_text,
    first_capital,
    from_qdate,
    selected_row,
    show_error,
    table_view,
)

VERDICT_TONES = {
    Eligibility.ALLOWED: "green",
    Eligibility.WARNING: "amber",
    Eligibility.REFUSED: "red",
}
VERDICT_TEXT = {
    Eligibility.ALLOWED: "Allowed",
    Eligibility.WARNING: "Needs a manager's override",
    Eligibility.REFUSED: "Refused",
}


def on_time(candidate: Candidate) -> str:
    return on_time_text(candidate.reports_on_time, candidate.reports_completed)


def why(candidate: Candidate) -> str:
    """The reasons behind the verdict, in one line (the table's last column)."""
    return " ".join(candidate.verdict.reasons) or "No objection under any rule."


def candidate_text(candidate: Candidate) -> str:
    """The full verdict for the detail panel: outcome, each reason with its rule."""
    lines = [f"{candidate.name}: {candidate.outcome.label}."]
    for finding in candidate.verdict.refusals + candidate.verdict.warnings:
        kind = "Refused" if finding.outcome == Eligibility.REFUSED else "Warning"
        lines.append(f"• {kind}: {finding.reason}\n   Rule: {finding.rule}.")
    for note in candidate.notes:
        lines.append(f"• {note}")
    if candidate.outcome == Eligibility.REFUSED:
        lines.append("Nobody can override a refusal: this person cannot be offered the role.")
    elif candidate.outcome == Eligibility.WARNING:
        lines.append(
            "A manager may still offer the role, writing down why; the reason is kept "
            "with the appointment."
        )
    return "\n".join(lines)


def _assignment_notes(a: AssignmentView) -> str:
    parts = []
    if a.override_reason:
        parts.append(f"Override by {a.overridden_by}: {a.override_reason}")
    if a.end_reason:
        parts.append(a.end_reason)
    if a.hours is not None:
        parts.append(f"{a.hours:g} hours")
    return "; ".join(parts)


class AssignDialog(KeepsTypedWork):
    """Appointments on one case's current stage."""

    changed = Signal()  # an appointment was made or recorded
    appointed = Signal(object)  # the AssignmentView of a role just offered to someone
    cares_about = frozenset({Change.APPOINTMENTS, Change.POOL, Change.CASES})

    def __init__(
        self,
        context: AppContext,
        case_id: int,
        reference: str,
        procedure: str,
        stage: StageView | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.case_id = case_id
        self.stage = stage
        self.roles: tuple[AssignmentRole, ...] = (
            roles_at(Procedure(procedure), StageCode(stage.code)) if stage is not None else ()
        )
        self.candidates: list[Candidate] = []
        self.setObjectName("AssignDialog")
        self.setWindowTitle(f"Appointments – {reference}")
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        layout = QVBoxLayout(self)
        stage_name = stage.label if stage is not None else "no stage"
        heading = QLabel(f"{reference}: appointments at {stage_name}", self)
        font = heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        heading.setFont(font)
        layout.addWidget(heading)
        self.error = error_label("AssignError", self)
        layout.addWidget(self.error)

        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.setChildrenCollapsible(False)
        layout.addWidget(splitter, 1)

        # -- candidates ------------------------------------------------------------------
        choose = QWidget(self)
        choose_layout = QVBoxLayout(choose)
        choose_layout.setContentsMargins(0, 0, 0, 0)
        role_row = QHBoxLayout()
        role_row.addWidget(QLabel("Appoint as", choose))
        self.role = compact_combo(QComboBox(choose), 20)
        self.role.setObjectName("AssignRole")
        self.role.setAccessibleName("Role to appoint")
        for role in self.roles:
            self.role.addItem(role_label(role)[:1].upper() + role_label(role)[1:], role.value)
        self.role.currentIndexChanged.connect(lambda _i: self.reload())
        role_row.addWidget(self.role)
        role_row.addStretch(1)
        choose_layout.addLayout(role_row)
        self.no_roles = QLabel(
            f"{stage_name} of this case appoints nobody: Investigating Officers serve "
            "children's Stage 2, adult Moderate/High risk and corporate Stage 2; an "
            "Independent Person children's Stage 2; a review panel children's Stage 3.",
            choose,
        )
        self.no_roles.setObjectName("NoRolesText")
        self.no_roles.setWordWrap(True)
        self.no_roles.setVisible(not self.roles)
        choose_layout.addWidget(self.no_roles)
        self.candidates_model = RowsModel(
            [
                Column("Name", lambda c: c.name),
                Column("Can act?", lambda c: VERDICT_TEXT[c.outcome]),
                Column("Open appointments", lambda c: c.open_assignments, align_right=True),
                Column("On-time record", on_time),
                Column("Why", why),
            ],
            choose,
            tone=lambda c: VERDICT_TONES[c.outcome],
            tone_column=1,
        )
        self.candidates_view = table_view(self.candidates_model, "Candidates", choose)
        self.candidates_view.selectionModel().selectionChanged.connect(self._candidate_chosen)
        choose_layout.addWidget(self.candidates_view, 1)
        self.verdict_text = QLabel("Select someone to see every reason and rule.", choose)
        self.verdict_text.setObjectName("VerdictText")
        self.verdict_text.setWordWrap(True)
        self.verdict_text.setTextFormat(Qt.TextFormat.PlainText)
        self.verdict_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        choose_layout.addWidget(self.verdict_text)
        offer_form = QFormLayout()
        self.override = QLineEdit(choose)
        self.override.setObjectName("OverrideReason")
        self.override.setAccessibleName("Reason for the manager's override")
        self.override.setPlaceholderText("Only for someone who needs a manager's override")
        self.override.textChanged.connect(lambda _t: self._update_buttons())
        offer_form.addRow("Override reason", self.override)
        self.override_error = error_label("OverrideReasonError", choose)
        offer_form.addRow("", self.override_error)
        due_holder, self.due_set, self.due = _optional_date(
            choose, "Report due", None, context.today() + dt.timedelta(days=35)
        )
        due_holder.setToolTip(
            "Leave unset for the usual date: the stage's due date when its clock runs, "
            "otherwise the stage's timescale from the day of the offer."
        )
        choose_layout.addLayout(offer_form)
        # The report's due date beside the button that offers: one row, so the list of
        # candidates keeps the room on a small screen.
        offer_row = QHBoxLayout()
        due_label = QLabel("Report due", choose)
        due_label.setBuddy(self.due_set)
        offer_row.addWidget(due_label)
        offer_row.addWidget(due_holder, 1)
        self.offer_button = QPushButton("&Offer the role", choose)
        self.offer_button.setObjectName("OfferButton")
        self.offer_button.clicked.connect(self.offer)
        offer_row.addWidget(self.offer_button)
        choose_layout.addLayout(offer_row)
        splitter.addWidget(choose)

        # -- appointments already made ----------------------------------------------------
        made = QGroupBox("Appointments on this case (replaced and declined ones are kept)", self)
        made_layout = QVBoxLayout(made)
        self.assignments_model = RowsModel(
            [
                Column("Stage", lambda a: a.stage.label),
                Column("Role", lambda a: first_capital(a.role_label)),
                Column("Person", lambda a: a.person_name),
                Column("Status", lambda a: a.status.label),
                Column("Offered", lambda a: date_text(a.offered_on)),
                Column("Answered", lambda a: date_text(a.responded_on)),
                Column("Report due", lambda a: date_text(a.report_due_on)),
                Column("Report received", lambda a: date_text(a.report_received_on)),
                Column("Notes", lambda a: _assignment_notes(a)),
            ],
            made,
        )
        self.assignments_view = table_view(self.assignments_model, "Appointments made", made)
        self.assignments_view.selectionModel().selectionChanged.connect(
            lambda *_: self._update_buttons()
        )
        made_layout.addWidget(self.assignments_view, 1)
        record_form = QHBoxLayout()
        self.on = date_edit(context.today(), "Answer or report date", made)
        self.on.setMaximumDate(self.on.date())
        on_label = QLabel("O&n", made)
        on_label.setBuddy(self.on)
        record_form.addWidget(on_label)
        record_form.addWidget(self.on)
        self.reason = QLineEdit(made)
        self.reason.setObjectName("EndReason")
        self.reason.setAccessibleName("Why declined, or why replaced")
        self.reason.setPlaceholderText("Why they declined, or why they are being replaced")
        reason_label = QLabel("Rea&son", made)
        reason_label.setBuddy(self.reason)
        record_form.addWidget(reason_label)
        record_form.addWidget(self.reason, 1)
        made_layout.addLayout(record_form)
        self.record_error = error_label("RecordError", made)
        made_layout.addWidget(self.record_error)
        record_row = QHBoxLayout()
        self.accept_button = QPushButton("&Accepted", made)
        self.accept_button.setObjectName("AcceptedButton")
        self.accept_button.setToolTip("Record that the selected person accepted the offer")
        self.accept_button.clicked.connect(self.record_accepted)
        self.decline_button = QPushButton("&Declined…", made)
        self.decline_button.setObjectName("DeclinedButton")
        self.decline_button.setToolTip("Record that they declined, with the reason given")
        self.decline_button.clicked.connect(self.record_declined)
        self.report_button = QPushButton("Report &received", made)
        self.report_button.setObjectName("ReportReceivedButton")
        self.report_button.clicked.connect(self.record_report)
        self.replace_button = QPushButton("Re&place…", made)
        self.replace_button.setObjectName("ReplaceButton")
        self.replace_button.setToolTip(
            "End the selected appointment (it is kept, with the reason) and offer the role "
            "to the candidate selected above"
        )
        self.replace_button.clicked.connect(self.replace)
        for button in (
            self.accept_button,
            self.decline_button,
            self.report_button,
            self.replace_button,
        ):
            record_row.addWidget(button)
        record_row.addStretch(1)
        close = QPushButton("Close", made)
        close.setObjectName("CloseButton")
        close.clicked.connect(self.close)
        record_row.addWidget(close)
        made_layout.addLayout(record_row)
        splitter.addWidget(made)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 1)

        metrics = self.fontMetrics()
        self.resize(metrics.horizontalAdvance("M") * 90, metrics.height() * 44)
        self._update_buttons()
        context.runner.changed.connect(self.data_changed)
        self.reload()

    def data_changed(self, changes: OpChanges) -> None:
        """An operation (here or in another window) changed appointments or the pool:
        read them again."""
        if changes.touches(self.cares_about):
            self.reload()

    # -- loading ---------------------------------------------------------------------

    @property
    def current_role(self) -> AssignmentRole | None:
        value = self.role.currentData()
        return AssignmentRole(value) if value else None

    def reload(self) -> None:
        def failed(exc: BaseException) -> None:
            show_error(self.error, error_text(exc, "loading the candidates"))

        stage_id = self.stage.id if self.stage is not None else None
        self.context.op(
            investigators.appointment_choices, self.case_id, stage_id, self.current_role
        ).on_done(self.apply).on_error(failed).run()

    def apply(self, data: AppointmentChoices) -> None:
        chosen = self.selected_candidate()
        self.candidates = list(data.candidates)
        self.candidates_model.set_rows(self.candidates)
        picked = selected_row(self.assignments_view)
        self.assignments_model.set_rows(list(data.appointments))
        if picked is not None:
            for row, a in enumerate(data.appointments):
                if a.id == picked.id:
                    self.assignments_view.selectRow(row)
        if chosen is not None:
            self.select_candidate(chosen.person_id)
        self._candidate_chosen()

    # -- choosing --------------------------------------------------------------------

    def selected_candidate(self) -> Candidate | None:
        row = selected_row(self.candidates_view)
        return row if isinstance(row, Candidate) else None

    def select_candidate(self, person_id: int) -> bool:
        for row, candidate in enumerate(self.candidates):
            if candidate.person_id == person_id:
                self.candidates_view.selectRow(row)
                return True
        return False

    def _candidate_chosen(self, *_args: Any) -> None:
        candidate = self.selected_candidate()
        if candidate is None:
            self.verdict_text.setText(
                "Select someone to see every reason and rule."
                if self.candidates or not self.roles
                else "Nobody is in the pool yet: add people on the Investigators page."
            )
        else:
            self.verdict_text.setText(candidate_text(candidate))
        self._update_buttons()

    def _update_buttons(self) -> None:
        candidate = self.selected_candidate()
        staff = self.context.allows(Permission.APPOINT_INVESTIGATORS)
        may_override = self.context.allows(Permission.MANAGER_DECISIONS)
        needs_override = candidate is not None and candidate.outcome == Eligibility.WARNING
        self.override.setEnabled(needs_override and may_override)
        if needs_override and not may_override:
            show_error(
                self.override_error,
                f"{candidate.name if candidate else ''} needs a manager's override: ask a "
                "manager to make this appointment, with the reason.",
            )
        elif needs_override and not self.override.text().strip():
            show_error(self.override_error, "Write why you are making this appointment anyway.")
        else:
            show_error(self.override_error, "")
        can_offer = staff and candidate is not None
        if candidate is not None and candidate.outcome == Eligibility.REFUSED:
            can_offer = False
        if needs_override:
            can_offer = can_offer and may_override and bool(self.override.text().strip())
        self.offer_button.setEnabled(can_offer)
        picked = selected_row(self.assignments_view)
        steps = allowed_steps(picked.status) if picked is not None and staff else {}
        self.accept_button.setEnabled(Step.ACCEPT in steps)
        self.decline_button.setEnabled(Step.DECLINE in steps)
        self.report_button.setEnabled(Step.RECORD_REPORT in steps)
        self.replace_button.setEnabled(Step.REPLACE in steps)

    # -- writing ---------------------------------------------------------------------

    def _write(
        self,
        op: Operation[..., Any],
        args: tuple[Any, ...],
        error: QLabel,
        doing: str,
        then: Callable[[], None] | None = None,
        made: Callable[[Any], AssignmentView] | None = None,
    ) -> None:
        """Run ``op``; ``made`` picks the appointment it made out of its result (an offer,
        a replacement), announced by ``appointed`` for its letter to be offered."""
        show_error(self.error, "")
        show_error(self.record_error, "")

        def done(result: object) -> None:
            if then is not None:
                then()
            self.changed.emit()  # the runner then announces the change: data_changed
            if made is not None:
                self.appointed.emit(made(result))

        def failed(exc: BaseException) -> None:
            if isinstance(exc, ConflictError):
                show_error(error, exc.message)
                self.reload()
                return
            show_error(error, error_text(exc, doing))

        self.context.op(op, *args).on_done(done).on_error(failed).run()

    def _override_reason(self, candidate: Candidate) -> str | None:
        if not candidate.verdict.needs_override:
            return None
        return self.override.text().strip() or None

    def offer(self) -> None:
        candidate = self.selected_candidate()
        role, stage = self.current_role, self.stage
        if candidate is None or role is None or stage is None:
            show_error(self.error, "Choose the role and the person to offer it to.")
            return
        if candidate.outcome == Eligibility.REFUSED:
            show_error(self.error, candidate_text(candidate))
            return
        reason = self._override_reason(candidate)
        due = from_qdate(self.due.date()) if self.due_set.isChecked() else None
        self._write(
            investigators.offer,
            (stage.id, candidate.person_id, role, due, reason),
            self.error,
            "offering the role",
            then=self.override.clear,
            made=lambda view: view,
        )

    def _picked(self) -> AssignmentView | None:
        picked: AssignmentView | None = selected_row(self.assignments_view)
        if picked is None:
            show_error(self.record_error, "Select the appointment in the list first.")
        return picked

    def record_accepted(self) -> None:
        picked = self._picked()
        if picked is None:
            return
        self._write(
            investigators.accept,
            (picked.id, from_qdate(self.on.date())),
            self.record_error,
            "recording the acceptance",
        )

    def record_declined(self) -> None:
        picked = self._picked()
        if picked is None:
            return
        reason = self.reason.text()
        if not reason.strip():
            show_error(self.record_error, "Write why they declined in Reason first.")
            self.reason.setFocus()
            return
        self._write(
            investigators.decline,
            (picked.id, reason, from_qdate(self.on.date())),
            self.record_error,
            "recording the refusal",
            then=self.reason.clear,
        )

    def record_report(self) -> None:
        picked = self._picked()
        if picked is None:
            return
        self._write(
            investigators.record_report,
            (picked.id, from_qdate(self.on.date())),
            self.record_error,
            "recording the report",
        )

    def replace(self) -> None:
        picked = self._picked()
        if picked is None:
            return
        if picked.role != self.current_role:
            # The replacement is for the same role: show that role's candidates.
            self.role.setCurrentIndex(max(self.role.findData(picked.role.value), 0))
            show_error(
                self.record_error,
                f"Now showing the candidates for {picked.role_label}: select who takes over, "
                "then press Replace… again.",
            )
            return
        candidate = self.selected_candidate()
        if candidate is None:
            show_error(
                self.record_error,
                "Select the person to take over in the candidates list above (with the "
                f"role {picked.role_label}).",
            )
            return
        if candidate.outcome == Eligibility.REFUSED and not candidate.only_place_taken:
            show_error(self.record_error, candidate_text(candidate))
            return
        reason = self.reason.text()
        if not reason.strip():
            show_error(self.record_error, "Write why they are being replaced in Reason first.")
            self.reason.setFocus()
            return
        override = self._override_reason(candidate)
        due = from_qdate(self.due.date()) if self.due_set.isChecked() else None

        def cleared() -> None:
            self.reason.clear()
            self.override.clear()

        self._write(
            investigators.replace,
            (picked.id, candidate.person_id, reason, due, override),
            self.record_error,
            "replacing them",
            then=cleared,
            made=lambda replacement: replacement.new,
        )
