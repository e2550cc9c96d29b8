"""The case form's tabs, one class each.

Details (the fields edited and saved with Ctrl+S, messages beside the field), Points
(nature, description, outcome at the current stage), Stage (stage, state, due date
with its explanation one click away, the clock, and only the actions the workflow
allows now), People (parties and appointments), Action items, Timeline and History.
Correspondence and Attachments live in :mod:`ui.correspondence_tab`.

Each tab is given the case window as its *host* (:class:`CaseHost`): the tab reads the
case from ``host.detail``, runs its changes through ``host.write`` (which passes the
case's version as it was read and shows a conflict in the window's banner) and shows a
case-wide error in ``host.error``. The window calls each tab's ``fill`` after a load.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.correspondence.templates import APPOINTMENT_LETTER, letter_after
from crm_desktop.domain.enums import Channel, Outcome, PartyRole, Procedure
from crm_desktop.domain.formatting import format_local_time
from crm_desktop.domain.workflow import FINDING_OUTCOMES, Action, action_label
from crm_desktop.errors import ValidationError
from crm_desktop.operations import cases, workflow
from crm_desktop.operations.policy import Permission
from crm_desktop.services.case_view import CaseDetail, state_label
from crm_desktop.services.cases import CaseEdit, PointInput
from crm_desktop.services.investigators import AssignmentView
from crm_desktop.services.reference_admin import ReferenceChoices
from ui.action_dialog import ActionDialog, ExplainDialog
from ui.assign_dialog import AssignDialog
from ui.context import AppContext
from ui.equality_dialog import EqualityDialog
from ui.ops import PendingOp
from ui.responder_dialog import ResponderDialog
from ui.statutory_dialog import StatutoryDialog
from ui.widgets import (
    LEARNT_TIP,
    OWN_ALT_KEYS,
    Column,
    RowsModel,
    alt_key,
    compact_combo,
    date_edit,
    date_text,
    error_label,
    field_label,
    first_field,
    from_qdate,
    known_date,
    selected_row,
    show_error,
    table_view,
    to_qdate,
    tone_style,
    window_alt_keys,
    with_mnemonic,
)

NONE = "(none)"


class CaseHost(Protocol):
    """What a tab needs from the case window."""

    context: AppContext
    case_id: int
    detail: CaseDetail | None
    error: QLabel

    def write(
        self,
        change: Callable[[int], PendingOp[Any]],
        error: QLabel,
        doing: str,
        then: Callable[[], None] | None = None,
        versioned: bool = True,
    ) -> None: ...

    def load(self, keep_typing: bool = False) -> None: ...

    def write_letter(
        self, template_key: str | None = None, assignment_id: int | None = None
    ) -> object: ...

    def offer_letter(
        self, done: str, template_key: str, assignment_id: int | None = None
    ) -> bool: ...


# The Alt-key each of the usual actions keeps on the Stage tab, whatever else is offered
# (not S, Save; X, Explain; P, Responder; nor the menus' letters).
ALT_KEYS = {
    Action.ACKNOWLEDGE: "a",
    Action.RESPOND: "r",
    Action.EXTEND: "n",
    Action.SUSPEND: "u",
    Action.RESUME: "m",
    Action.WITHDRAW: "w",
    Action.DISCONTINUE: "d",
    Action.REDIRECT: "i",
    Action.REQUEST_NEXT_STAGE: "q",
    Action.ESCALATE: "o",
    Action.ESCALATE_TO_LGSCO: "b",
}

# What an action with a letter recorded, in the words of the question that follows it.
RECORDED = {
    Action.ACKNOWLEDGE: "The acknowledgement is recorded.",
    Action.EXTEND: "The extension is recorded.",
    Action.SUSPEND: "The suspension is recorded.",
    Action.RESPOND: "The response is recorded.",
}


def combo(name: str, parent: QWidget) -> QComboBox:
    box = compact_combo(QComboBox(parent))
    box.setAccessibleName(name)
    box.setObjectName(name.title().replace(" ", ""))
    return box


def fill_combo(
    box: QComboBox, items: list[str], current: str | None, blank: str | None = None
) -> None:
    box.blockSignals(True)
    box.clear()
    if blank is not None:
        box.addItem(blank, "")
    for item in items:
        box.addItem(item, item)
    if current and box.findData(current) < 0:
        box.addItem(current, current)  # a retired name still on this case
    index = box.findData(current or "")
    box.setCurrentIndex(max(index, 0))
    box.blockSignals(False)


def _date(value: object) -> dt.date | None:
    return value if isinstance(value, dt.date) else None


# ------------------------------------------------------------------------------ details


class DetailsTab(QScrollArea):
    """The case's own fields. ``edited`` is emitted when the officer types (not when
    the window fills the fields); ``snapshot``/``typed_changes``/``restore`` let the
    window send only what was changed and keep it across a reload."""

    edited = Signal()

    def __init__(self, host: CaseHost, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.host = host
        self.detail: CaseDetail | None = None
        self.choices: ReferenceChoices | None = None
        self._filling = False
        self._baseline: dict[str, object] = {}
        self.setWidgetResizable(True)
        self.setAccessibleName("Case details")
        page = QWidget(self)
        page.setObjectName("DetailsTab")
        self.setWidget(page)
        form = QFormLayout(page)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.field_errors: dict[str, QLabel] = {}
        self.fields: dict[str, QWidget] = {}
        # Each field's name has an Alt-key that puts the focus in it, none the case
        # window's own (Save details, Close) nor this page's button's (Record decision).
        keys = {"s", "l", "r"}

        def row(key: str, label: str, widget: QWidget) -> None:
            holder = QWidget(page)
            box = QVBoxLayout(holder)
            box.setContentsMargins(0, 0, 0, 0)
            box.addWidget(widget)
            message = error_label(f"{key.title().replace('_', '')}Error", holder)
            box.addWidget(message)
            self.field_errors[key] = message
            self.fields[key] = widget
            if not widget.accessibleName():
                widget.setAccessibleName(label)
            form.addRow(field_label(label, widget, keys, page, menus=frozenset()), holder)

        self.received_label = QLabel(page)
        form.addRow("Received", self.received_label)
        self.channel = combo("Channel", page)
        row("channel", "How it came in", self.channel)
        self.directorate = combo("Directorate", page)
        row("directorate", "Directorate", self.directorate)
        self.service_area = combo("Service area", page)
        row("service_area", "Service area", self.service_area)
        self.team = combo("Team", page)
        row("team", "Team", self.team)
        today = host.context.today()
        events, self.events_known, self.events_on = known_date(today, "Date of the events", page)
        row("events_on", "Events complained about", events)
        noticed, self.noticed_known, self.noticed_on = known_date(
            today, "Day the complainant learnt of the events", page, LEARNT_TIP
        )
        row("noticed_on", "Complainant learnt of them", noticed)
        self.summary = QPlainTextEdit(page)
        self.summary.setObjectName("Summary")
        self.summary.setTabChangesFocus(True)
        row("summary", "Summary", self.summary)
        self.desired = QPlainTextEdit(page)
        self.desired.setObjectName("DesiredOutcome")
        self.desired.setTabChangesFocus(True)
        row("desired_outcome", "Desired outcome", self.desired)
        self.owner_label = QLabel(page)
        form.addRow("Owner", self.owner_label)

        self.late_box = QGroupBox(
            "Made more than 12 months after the events (or after the complainant learnt of them)",
            page,
        )
        late_layout = QHBoxLayout(self.late_box)
        self.late_decision = QLineEdit(self.late_box)
        self.late_decision.setObjectName("LateDecision")
        self.late_decision.setAccessibleName("Decision on the late complaint")
        self.late_decision.setPlaceholderText("Decision on whether to consider it, and why")
        late_layout.addWidget(self.late_decision, 1)
        # Alt-key: R, which the fields' names keep clear of.
        self.late_button = QPushButton("&Record decision", self.late_box)
        self.late_button.clicked.connect(self.record_late_decision)
        late_layout.addWidget(self.late_button)
        form.addRow(self.late_box)
        self.late_box.setVisible(False)

        for widget in (self.channel, self.directorate, self.service_area, self.team):
            widget.currentIndexChanged.connect(self._typed)
        self.directorate.currentIndexChanged.connect(self._directorate_changed)
        self.events_known.toggled.connect(self._typed)
        self.events_on.dateChanged.connect(self._typed)
        self.noticed_known.toggled.connect(self._typed)
        self.noticed_on.dateChanged.connect(self._typed)
        self.summary.textChanged.connect(self._typed)
        self.desired.textChanged.connect(self._typed)

    def _typed(self, *_args: Any) -> None:
        if not self._filling:
            self.edited.emit()

    def _directorate_changed(self) -> None:
        if self._filling or self.detail is None or self.choices is None:
            return
        current = self.service_area.currentData()
        areas = self.choices.areas(
            self.detail.procedure, self.directorate.currentData() or None, kind=self.detail.kind
        )
        fill_combo(self.service_area, areas, current if current in areas else None, "Choose…")

    def fill(self, detail: CaseDetail, choices: ReferenceChoices) -> None:
        self.detail = detail
        self.choices = choices
        self.received_label.setText(date_text(detail.received_on))
        self.owner_label.setText(detail.owner or "Nobody")
        self.late_box.setVisible(detail.late_complaint)
        self._filling = True
        try:
            fill_combo(
                self.channel,
                [c.label for c in Channel],
                Channel(detail.channel).label if detail.channel else None,
                blank="Not recorded",
            )
            corporate = detail.procedure == Procedure.CORPORATE.value
            fill_combo(self.directorate, list(choices.directorates), detail.directorate, NONE)
            self.directorate.setEnabled(corporate)
            areas = choices.areas(
                detail.procedure, detail.directorate if corporate else None, kind=detail.kind
            )
            fill_combo(self.service_area, areas, detail.service_area, blank="Choose…")
            teams = list(choices.teams.get(detail.procedure, ()))
            fill_combo(self.team, teams, detail.team, blank=NONE)
            self.team.setEnabled(bool(teams))
            self.events_known.setChecked(detail.events_on is not None)
            self.events_on.setEnabled(detail.events_on is not None)
            if detail.events_on:
                self.events_on.setDate(to_qdate(detail.events_on))
            self.noticed_known.setChecked(detail.noticed_on is not None)
            self.noticed_on.setEnabled(detail.noticed_on is not None)
            if detail.noticed_on:
                self.noticed_on.setDate(to_qdate(detail.noticed_on))
            self.summary.setPlainText(detail.summary)
            self.desired.setPlainText(detail.desired_outcome)
            self.late_decision.setText(detail.late_decision)
        finally:
            self._filling = False
        self._baseline = self.snapshot()

    # What the officer has typed, field by field, compared with what was loaded: a save
    # sends only the fields they changed, and a reload after a conflict refreshes the
    # others while keeping theirs.

    def snapshot(self) -> dict[str, object]:
        return {
            "channel": self.channel.currentData(),
            "directorate": self.directorate.currentData(),
            "service_area": self.service_area.currentData(),
            "team": self.team.currentData(),
            "events_on": from_qdate(self.events_on.date())
            if self.events_known.isChecked()
            else None,
            "noticed_on": from_qdate(self.noticed_on.date())
            if self.noticed_known.isChecked()
            else None,
            "summary": self.summary.toPlainText(),
            "desired_outcome": self.desired.toPlainText(),
        }

    def typed_changes(self) -> dict[str, object]:
        baseline = self._baseline
        return {k: v for k, v in self.snapshot().items() if baseline.get(k) != v}

    def restore(self, changes: dict[str, object]) -> None:
        combos = {
            "channel": self.channel,
            "directorate": self.directorate,
            "service_area": self.service_area,
            "team": self.team,
        }
        self._filling = True
        try:
            for key, value in changes.items():
                if key in combos:
                    box = combos[key]
                    if key == "service_area" and "directorate" in changes:
                        self._filling = False
                        self._directorate_changed()
                        self._filling = True
                    index = box.findData(value)
                    if index < 0:
                        box.addItem(str(value), value)
                        index = box.findData(value)
                    box.setCurrentIndex(index)
                elif key == "events_on":
                    self.events_known.setChecked(value is not None)
                    if isinstance(value, dt.date):
                        self.events_on.setDate(to_qdate(value))
                elif key == "noticed_on":
                    self.noticed_known.setChecked(value is not None)
                    if isinstance(value, dt.date):
                        self.noticed_on.setDate(to_qdate(value))
                elif key == "summary":
                    self.summary.setPlainText(str(value))
                elif key == "desired_outcome":
                    self.desired.setPlainText(str(value))
        finally:
            self._filling = False

    def case_edit(self) -> CaseEdit:
        """The fields the officer changed (None leaves a field as it is in the database)."""
        changes = self.typed_changes()
        channel = next((c for c in Channel if c.label == changes.get("channel")), None)
        area = changes.get("service_area")
        if "directorate" in changes and area is None:
            area = self.service_area.currentData() or None  # re-check it in the new directorate
        return CaseEdit(
            summary=str(changes["summary"]).strip() if "summary" in changes else None,
            desired_outcome=str(changes["desired_outcome"]).strip()
            if "desired_outcome" in changes
            else None,
            channel=channel,
            service_area=str(area) if area else None,
            directorate=str(changes["directorate"] or "") if "directorate" in changes else None,
            team=str(changes["team"] or "") if "team" in changes else None,
            events_on=_date(changes.get("events_on")),
            noticed_on=_date(changes.get("noticed_on")),
            # "Known" unticked on a case that had the date, "Not recorded" chosen for
            # how it came in: emptied.
            cleared=frozenset(
                key
                for key in ("events_on", "noticed_on", "channel")
                if key in changes and not changes[key]
            ),
        )

    def clear_errors(self) -> None:
        for label in self.field_errors.values():
            show_error(label, "")

    def check(self) -> bool:
        """Whether the fields may be sent; if not, the message is beside the field."""
        if self.service_area.isEnabled() and not self.service_area.currentData():
            show_error(self.field_errors["service_area"], "Choose the service area.")
            self.service_area.setFocus()
            return False
        return True

    def show_field_error(self, exc: BaseException) -> bool:
        """Show a refused save beside its field; False if it belongs to no field."""
        if isinstance(exc, ValidationError) and exc.field in self.field_errors:
            show_error(self.field_errors[exc.field], exc.message)
            self.fields[exc.field].setFocus()
            return True
        if isinstance(exc, ValidationError) and exc.field == "date of the events":
            show_error(self.field_errors["events_on"], exc.message)
            return True
        return False

    def record_late_decision(self) -> None:
        text = self.late_decision.text()
        host = self.host
        host.write(
            lambda v: host.context.op(cases.record_late_decision, host.case_id, v, text),
            host.error,
            "recording the decision",
        )


# ------------------------------------------------------------------------------- points


class PointsTab(QWidget):
    """The complaint points, their outcomes at the current stage, adding and removing."""

    def __init__(self, host: CaseHost, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.host = host
        self.setObjectName("PointsTab")
        layout = QVBoxLayout(self)
        self.points_model = RowsModel(
            [
                Column("Point", lambda p: p.seq, align_right=True),
                Column("Nature", lambda p: p.nature),
                Column("Description", lambda p: p.description),
                Column("Outcome at this stage", lambda p: p.outcome or "Not recorded yet"),
                Column("Earlier stages", lambda p: p.earlier),
            ],
            self,
        )
        self.points_view = table_view(self.points_model, "Complaint points", self)
        self.points_view.selectionModel().selectionChanged.connect(self._show_point_outcome)
        self.points_model.modelReset.connect(self._show_point_outcome)
        layout.addWidget(self.points_view, 1)
        self.points_error = error_label("PointsError", self)
        layout.addWidget(self.points_error)

        outcome_box = QGroupBox("Outcome of the selected point at the current stage", self)
        outcome_layout = QHBoxLayout(outcome_box)
        self.point_outcome = combo("Point outcome", outcome_box)
        # Nothing is chosen until the officer chooses: the point's own outcome when it
        # has one (never a finding it was not given).
        self.point_outcome.addItem("Choose the outcome…", None)
        for outcome in Outcome:
            if outcome in FINDING_OUTCOMES:
                self.point_outcome.addItem(outcome.label, outcome.value)
        outcome_layout.addWidget(self.point_outcome, 1)
        self.point_note = QLineEdit(outcome_box)
        self.point_note.setAccessibleName("Outcome note")
        self.point_note.setPlaceholderText("Note (optional)")
        self.point_note.returnPressed.connect(self.record_point_outcome)  # Enter records
        outcome_layout.addWidget(self.point_note, 2)
        self.record_outcome_button = QPushButton("Record &outcome", outcome_box)
        self.record_outcome_button.setObjectName("RecordOutcomeButton")
        self.record_outcome_button.clicked.connect(self.record_point_outcome)
        outcome_layout.addWidget(self.record_outcome_button)
        layout.addWidget(outcome_box)

        add_box = QGroupBox("Add a complaint point", self)
        add_layout = QHBoxLayout(add_box)
        self.new_point_nature = combo("New point nature", add_box)
        add_layout.addWidget(self.new_point_nature, 1)
        self.new_point_text = QLineEdit(add_box)
        self.new_point_text.setAccessibleName("New point description")
        self.new_point_text.setPlaceholderText("What the complainant says went wrong")
        add_layout.addWidget(self.new_point_text, 2)
        self.add_point_button = QPushButton("&Add point", add_box)
        self.add_point_button.setObjectName("AddPointButton")
        self.add_point_button.clicked.connect(self.add_point)
        add_layout.addWidget(self.add_point_button)
        # Alt-keys: not Save details' (S, in the case window) nor this tab's others'.
        taken = {"s", "o", "a"}  # Save details, Record outcome, Add point
        self.remove_point_button = QPushButton(
            with_mnemonic("Remove selected point", taken), add_box
        )
        self.remove_point_button.setObjectName("RemovePointButton")
        self.remove_point_button.clicked.connect(self.remove_point)
        add_layout.addWidget(self.remove_point_button)
        layout.addWidget(add_box)

    def set_natures(self, natures: list[str]) -> None:
        fill_combo(self.new_point_nature, natures, None, blank="Choose the nature…")

    def fill(self, detail: CaseDetail) -> None:
        # The point chosen stays chosen when the case is read again (after an outcome is
        # recorded): the next Down goes on from it, not from the top.
        chosen = selected_row(self.points_view)
        self.points_model.set_rows(detail.points)
        if chosen is not None:
            at = next((i for i, p in enumerate(detail.points) if p.id == chosen.id), None)
            if at is not None:
                self.points_view.selectRow(at)

    def select_point(self, row: int) -> None:
        self.points_view.selectRow(row)

    def _show_point_outcome(self) -> None:
        """The outcome box shows the selected point's outcome at this stage, or asks."""
        point = selected_row(self.points_view)
        found = self.point_outcome.findText(point.outcome) if point and point.outcome else -1
        self.point_outcome.setCurrentIndex(max(found, 0))

    def record_point_outcome(self) -> None:
        point = selected_row(self.points_view)
        if point is None:
            show_error(self.points_error, "Select the complaint point first.")
            return
        outcome = self.point_outcome.currentData()
        if not outcome:
            show_error(self.points_error, f"Choose the outcome of point {point.seq} first.")
            self.point_outcome.setFocus()
            return
        note = self.point_note.text().strip() or None
        host = self.host
        host.write(
            lambda v: host.context.op(
                cases.set_point_outcome, host.case_id, v, point.id, outcome, note
            ),
            self.points_error,
            "recording the outcome",
            then=self.point_note.clear,  # not carried on to the next point
        )

    def add_point(self) -> None:
        nature = self.new_point_nature.currentData()
        if not nature:
            show_error(self.points_error, "Choose the nature of the new point.")
            self.new_point_nature.setFocus()
            return
        point = PointInput(nature, self.new_point_text.text().strip())
        host = self.host

        def done() -> None:
            self.new_point_text.clear()

        host.write(
            lambda v: host.context.op(cases.add_point, host.case_id, v, point),
            self.points_error,
            "adding the point",
            then=done,
        )

    def remove_point(self) -> None:
        point = selected_row(self.points_view)
        if point is None:
            show_error(self.points_error, "Select the complaint point to remove.")
            return
        host = self.host
        if not host.context.notifier.confirm(
            "Remove complaint point", f"Remove point {point.seq} ({point.nature})?"
        ):
            return
        host.write(
            lambda v: host.context.op(cases.remove_point, host.case_id, v, point.id),
            self.points_error,
            "removing the point",
        )


# -------------------------------------------------------------------------------- stage


class StageTab(QWidget):
    """The current stage, the actions the workflow allows now, and every stage."""

    def __init__(self, host: CaseHost, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.host = host
        self.action_dialog: ActionDialog | None = None
        self.explain_dialog: ExplainDialog | None = None
        self.responder_dialog: ResponderDialog | None = None
        self.setObjectName("StageTab")
        # Each action keeps its own Alt-key (ALT_KEYS), given as the case moves on.
        self.setProperty(OWN_ALT_KEYS, "".join(ALT_KEYS.values()) + "xp")
        layout = QVBoxLayout(self)
        panel = QGroupBox("Current stage", self)
        panel.setObjectName("StagePanel")
        grid = QGridLayout(panel)
        self.stage_values: dict[str, QLabel] = {}
        self.stage_names: dict[str, QLabel] = {}
        rows = [
            ("stage", "Stage"),
            ("state", "State"),
            ("requested", "Asked for on"),
            ("acknowledged", "Acknowledged"),
            ("started", "Clock started"),
            ("due", "Due"),
            ("clock", "Clock"),
            ("outer", "Statutory outer limit"),
            ("outcome", "Outcome"),
            ("lgsco", "Ombudsman"),
            ("policy", "Procedure policy"),
            ("responder", "Responder"),
        ]
        for i, (key, title) in enumerate(rows):
            name = QLabel(title, panel)
            value = QLabel("", panel)
            value.setObjectName(f"Stage{key.title()}")
            value.setAccessibleName(title)
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            name.setBuddy(value)
            grid.addWidget(name, i, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(value, i, 1)
            self.stage_values[key] = value
            self.stage_names[key] = name
        self.explain_button = QPushButton("E&xplain…", panel)
        self.explain_button.setObjectName("ExplainButton")
        self.explain_button.setAccessibleName("Explain the due date")
        self.explain_button.setToolTip("How the due date was worked out")
        self.explain_button.clicked.connect(self.explain_due_date)
        grid.addWidget(self.explain_button, 5, 2)
        self.responder_button = QPushButton("Res&ponder…", panel)
        self.responder_button.setObjectName("ResponderButton")
        self.responder_button.setAccessibleName("Choose who responds at this stage")
        self.responder_button.setEnabled(host.context.allows(Permission.WORK_CASES))
        self.responder_button.clicked.connect(self.choose_responder)
        grid.addWidget(self.responder_button, 11, 2)
        grid.setColumnStretch(1, 1)
        layout.addWidget(panel)

        actions = QGroupBox("What can be done now", self)
        actions.setObjectName("ActionsBox")
        self.actions_layout = QGridLayout(actions)
        self.action_buttons: dict[Action, QPushButton] = {}
        self._refocus: Action | None = None  # the action whose button had the focus
        self._action_widgets: list[QWidget] = []
        layout.addWidget(actions)

        self.stages_model = RowsModel(
            [
                Column("Stage", lambda s: s.label),
                Column("Asked for", lambda s: date_text(s.requested_on)),
                Column("Started", lambda s: date_text(s.started_on)),
                Column("Due", lambda s: s.suspended_label or date_text(s.due_on)),
                Column("Responded", lambda s: date_text(s.closed_on)),
                Column("Outcome", lambda s: s.outcome),
            ],
            self,
        )
        layout.addWidget(QLabel("Every stage of this case", self))
        self.stages_view = table_view(self.stages_model, "Stages of the case", self)
        layout.addWidget(self.stages_view, 1)

    def fill(self, detail: CaseDetail) -> None:
        stage = detail.stage
        values = self.stage_values
        if stage is None:
            for label in values.values():
                label.setText("")
            values["stage"].setText("No stage: " + detail.kind_label.lower() + "s have no stages")
            values["state"].setText("Closed" if detail.status == "closed" else "Open")
            self.explain_button.setEnabled(False)
            self.responder_button.setEnabled(False)
        else:
            values["stage"].setText(stage.label)
            values["state"].setText(state_label(stage.state))
            values["requested"].setText(date_text(stage.requested_on))
            ack = date_text(stage.acknowledged_on)
            if not ack and stage.acknowledge_due_on:
                ack = f"Not yet (due {date_text(stage.acknowledge_due_on)})"
            if stage.acknowledgement_late:
                # A late acknowledgement says so in words (a breach of 6.2 under the Code).
                ack = stage.acknowledgement
            values["acknowledged"].setText(ack)
            values["acknowledged"].setStyleSheet(
                tone_style("overdue") if stage.acknowledgement_late else ""
            )
            values["started"].setText(date_text(stage.started_on) or "Not started")
            due = date_text(stage.due_on) or "No due date yet"
            if stage.due_provisional:
                due += (
                    " (provisional: counted from the last day the acknowledgement is allowed "
                    "until it is recorded)"
                )
            if stage.suspended_label:
                # The old due date moves on when the clock restarts: not shown as if it held.
                due = (
                    f"{stage.suspended_label} (the due date moves on by the working days "
                    "the clock is stopped)"
                )
            values["due"].setText(due)
            values["clock"].setText(stage.clock_text)
            values["clock"].setStyleSheet(tone_style(stage.tone) if stage.tone else "")
            clock_name = stage.clock_text
            if stage.tone:
                clock_name = f"{stage.clock_text} ({stage.tone})"
            values["clock"].setAccessibleName(f"Clock: {clock_name}")
            values["outer"].setText(date_text(stage.outer_limit_on))
            values["outcome"].setText(stage.outcome)
            values["lgsco"].setText(stage.lgsco)
            values["policy"].setText(stage.policy)
            values["responder"].setText(stage.responder)
            self.explain_button.setEnabled(stage.started_on is not None)
            self.responder_button.setEnabled(
                self.host.context.allows(Permission.WORK_CASES)
                and stage.code != "lgsco"
                and stage.closed_on is None
            )
        for key, value in values.items():
            shown = bool(value.text()) or key in ("stage", "state", "due")
            value.setVisible(shown)
            self.stage_names[key].setVisible(shown)
        self.stages_model.set_rows(detail.stages)
        # The action whose button had the focus (the one just done, say): its button is
        # made afresh, or is gone (Suspend becomes Resume), and the focus goes with it.
        focused = self.window().focusWidget()
        had_focus = next((a for a, b in self.action_buttons.items() if b is focused), None)
        for widget in self._action_widgets:
            self.actions_layout.removeWidget(widget)
            widget.hide()
            widget.setParent(None)
            widget.deleteLater()
        self._action_widgets = []
        self.action_buttons = {}
        can_work = self.host.context.allows(Permission.WORK_CASES)
        stage_code = detail.stage.code if detail.stage else None
        # Alt-keys: not Save details' (S, in the case window) nor this tab's other buttons'.
        own = (alt_key(b.text()) for b in (self.explain_button, self.responder_button))
        keys = {"s"} | {letter for letter in own if letter} | window_alt_keys(self)
        # Each action keeps its own Alt-key whatever else is offered (Alt+R is always
        # Respond): the usual ones are given theirs first, the rest what is left.
        titles = {a: action_label(a, detail.procedure, stage_code) for a in detail.actions}
        marked: dict[Action, str] = {}
        for action in sorted(detail.actions, key=lambda a: a not in ALT_KEYS):
            marked[action] = with_mnemonic(titles[action], keys, ALT_KEYS.get(action, ""))
        for i, action in enumerate(detail.actions):
            title = titles[action]
            button = QPushButton(marked[action] + "…", self)
            button.setObjectName("Action" + action.value.title().replace(" ", ""))
            button.setAccessibleName(title)
            button.setEnabled(can_work)
            button.clicked.connect(lambda _=False, a=action: self.open_action(a))
            self.actions_layout.addWidget(button, i // 3, i % 3)
            button.show()  # now, not when the layout gets to it: it may take the focus
            self.action_buttons[action] = button
            self._action_widgets.append(button)
        # Made afresh at each change, the buttons would come last in the Tab order, after
        # the stages' table below them: they go straight after the Responder button.
        previous: QWidget = self.responder_button
        for button in self.action_buttons.values():
            QWidget.setTabOrder(previous, button)
            previous = button
        if not detail.actions:
            note = QLabel("Nothing can be done to this case in its state.", self)
            self.actions_layout.addWidget(note, 0, 0)
            self._action_widgets.append(note)
        if had_focus is not None:
            # Never nowhere: a deleted button's focus would fall to the tabs, and Tab
            # would start again from the top. With another tab shown (the letter the
            # action offered), when this one is shown again.
            self._refocus = had_focus
            if self.isVisible():
                self._take_focus()

    def focus_entry(self) -> QWidget | None:
        """Where the focus goes when this tab is gone to (Ctrl+3, or back from a letter
        not written): the first action offered, what an officer comes here to do."""
        return next((b for b in self.action_buttons.values() if b.isEnabled()), None)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._take_focus()

    def _take_focus(self) -> None:
        """The focus back where the action done had it: its button if it is still
        offered, else the first action offered, else the first control here that takes
        the focus (a compliment's last action leaves no action, and no stage to
        explain)."""
        action, self._refocus = self._refocus, None
        if action is None:
            return
        again = self.action_buttons.get(action)
        target = again if again is not None and again.isEnabled() else first_field(self)
        if target is not None:
            target.setFocus(Qt.FocusReason.OtherFocusReason)

    def open_action(self, action: Action) -> ActionDialog:
        host = self.host
        assert host.detail is not None
        dialog = ActionDialog(
            host.context,
            host.case_id,
            lambda: host.detail.version if host.detail else 0,
            action,
            host.detail.stage.code if host.detail.stage else None,
            self,
            label=action_label(
                action,
                host.detail.procedure,
                host.detail.stage.code if host.detail.stage else None,
            ),
        )
        dialog.conflicted.connect(lambda _message: host.load(keep_typing=True))
        dialog.performed.connect(lambda _result: self.offer_letter(action))
        self.action_dialog = dialog
        dialog.open()
        return dialog

    def offer_letter(self, action: Action) -> bool:
        """After an action that has a letter (Acknowledge, Extend, Suspend, Respond), offer
        to write it; True when the letter window was opened."""
        detail = self.host.detail
        if detail is None:
            return False
        key = letter_after(action.value, detail.kind, detail.stage.code if detail.stage else None)
        if key is None:
            return False
        return self.host.offer_letter(RECORDED.get(action, f"'{action.label}' is recorded."), key)

    def choose_responder(self) -> ResponderDialog | None:
        host = self.host
        if host.detail is None or host.detail.stage is None:
            return None
        dialog = ResponderDialog(
            host.context,
            host.case_id,
            lambda: host.detail.version if host.detail else 0,
            host.detail.stage.label,
            self,
        )
        self.responder_dialog = dialog
        dialog.open()
        return dialog

    def explain_due_date(self) -> ExplainDialog | None:
        detail = self.host.detail
        if detail is None or detail.stage is None:
            return None
        dialog = ExplainDialog(self.host.context, detail.stage.id, detail.reference, self)
        self.explain_dialog = dialog
        dialog.open()
        return dialog


# ------------------------------------------------------------------------------- people


class PeopleTab(QWidget):
    """The people on the case and the appointments to its stages."""

    def __init__(self, host: CaseHost, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.host = host
        context = host.context
        self.assign_dialog: AssignDialog | None = None
        self.equality_dialog: EqualityDialog | None = None
        self.statutory_dialog: StatutoryDialog | None = None
        layout = QVBoxLayout(self)
        self.parties_model = RowsModel(
            [
                Column("Role", lambda p: p.role),
                Column("Name", lambda p: p.name),
                Column("Email", lambda p: p.email),
                Column("Phone", lambda p: p.phone),
                Column("Flag", lambda p: p.flag),
            ],
            self,
            tone=lambda p: "amber" if p.flag else None,
            tone_column=4,
        )
        layout.addWidget(QLabel("People on the case", self))
        layout.addWidget(table_view(self.parties_model, "People on the case", self), 1)
        self.assignments_model = RowsModel(
            [
                Column("Stage", lambda a: a.stage),
                Column("Role", lambda a: a.role),
                Column("Person", lambda a: a.person),
                Column("Status", lambda a: a.status),
                Column("Offered", lambda a: date_text(a.offered_on)),
                Column("Report due", lambda a: date_text(a.report_due_on)),
            ],
            self,
        )
        layout.addWidget(QLabel("Investigators, Independent Persons and panel members", self))
        layout.addWidget(table_view(self.assignments_model, "Appointments", self), 1)
        appoint_row = QHBoxLayout()
        note = QLabel(
            "Appoint an Investigating Officer, Independent Person or panel member to the "
            "current stage: Appoint… shows who may take the role and why.",
            self,
        )
        note.setWordWrap(True)
        appoint_row.addWidget(note, 1)
        self.appoint_button = QPushButton("&Appoint…", self)
        self.appoint_button.setObjectName("AppointButton")
        self.appoint_button.setEnabled(context.allows(Permission.APPOINT_INVESTIGATORS))
        self.appoint_button.clicked.connect(self.appoint)
        appoint_row.addWidget(self.appoint_button)
        self.equality_button = QPushButton("Equality monitoring…", self)
        self.equality_button.setObjectName("EqualityButton")
        self.equality_button.setToolTip("The complainant's optional equality answers (managers)")
        self.equality_button.setVisible(context.allows(Permission.SEE_EQUALITY))
        self.equality_button.clicked.connect(self.equality_monitoring)
        appoint_row.addWidget(self.equality_button)
        self.statutory_button = QPushButton("Statutory report…", self)
        self.statutory_button.setObjectName("StatutoryButton")
        self.statutory_button.setToolTip(
            "Who complained, advocacy, well-founded, not accepted, which Ombudsman"
        )
        self.statutory_button.setEnabled(context.allows(Permission.WORK_CASES))
        self.statutory_button.clicked.connect(self.statutory_report)
        appoint_row.addWidget(self.statutory_button)
        layout.addLayout(appoint_row)

    def fill(self, detail: CaseDetail) -> None:
        self.parties_model.set_rows(detail.parties)
        self.assignments_model.set_rows(detail.assignments)

    def equality_monitoring(self) -> EqualityDialog | None:
        """The complainant's equality monitoring answers (managers only)."""
        host = self.host
        if host.detail is None or not host.context.allows(Permission.SEE_EQUALITY):
            return None
        complainant = next(
            (p for p in host.detail.parties if p.role == PartyRole.COMPLAINANT.value.capitalize()),
            None,
        )
        if complainant is None:
            show_error(host.error, "This case has no complainant to record answers for.")
            return None
        dialog = EqualityDialog(host.context, complainant.person_id, complainant.name, self)
        self.equality_dialog = dialog
        dialog.open()
        return dialog

    def statutory_report(self) -> StatutoryDialog | None:
        """The complaint's facts for the statutory annual report."""
        host = self.host
        if host.detail is None:
            return None
        dialog = StatutoryDialog(host.context, host.case_id, host.detail.reference, self)
        dialog.saved.connect(lambda: host.load(keep_typing=True))
        self.statutory_dialog = dialog
        dialog.open()
        return dialog

    def appoint(self) -> AssignDialog | None:
        host = self.host
        if host.detail is None:
            return None
        dialog = AssignDialog(
            host.context,
            host.case_id,
            host.detail.reference,
            host.detail.procedure,
            host.detail.stage,
            self,
        )
        dialog.appointed.connect(self.offer_appointment_letter)
        self.assign_dialog = dialog
        dialog.open()
        return dialog

    def offer_appointment_letter(self, appointment: AssignmentView) -> bool:
        """After a role is offered (or given to someone else in a replacement), offer the
        letter confirming the appointment, about that appointment."""
        return self.host.offer_letter(
            f"{appointment.person_name} is offered the role of {appointment.role_label}.",
            APPOINTMENT_LETTER,
            appointment.id,
        )


# ------------------------------------------------------------------------- action items


class ActionItemsTab(QWidget):
    """The action plan of an upheld complaint: add an item, mark one done."""

    def __init__(self, host: CaseHost, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.host = host
        today = host.context.today()
        layout = QVBoxLayout(self)
        self.items_model = RowsModel(
            [
                Column("Action", lambda i: i.action),
                Column("Owner", lambda i: i.owner),
                Column("Agreed with", lambda i: i.agreed_with),
                Column("Due", lambda i: date_text(i.due_on)),
                Column("Done", lambda i: date_text(i.done_on)),
                Column("Evidence", lambda i: i.evidence),
            ],
            self,
        )
        self.items_view = table_view(self.items_model, "Action-plan items", self)
        layout.addWidget(self.items_view, 1)
        self.items_error = error_label("ItemsError", self)
        layout.addWidget(self.items_error)
        add_box = QGroupBox("Add an action-plan item (upheld complaints)", self)
        add_form = QFormLayout(add_box)
        self.item_action = QLineEdit(add_box)
        self.item_action.setAccessibleName("Action")
        add_form.addRow("Action", self.item_action)
        self.item_owner = QLineEdit(add_box)
        self.item_owner.setAccessibleName("Owner")
        add_form.addRow("Owner", self.item_owner)
        self.item_agreed = QLineEdit(add_box)
        self.item_agreed.setAccessibleName("Agreed with (Assistant Director)")
        add_form.addRow("Agreed with", self.item_agreed)
        self.item_due = date_edit(today + dt.timedelta(days=28), "Item due", add_box)
        add_form.addRow("Due", self.item_due)
        add_button = QPushButton("Add item", add_box)
        add_button.setObjectName("AddItemButton")
        add_button.clicked.connect(self.add_item)
        add_form.addRow("", add_button)
        layout.addWidget(add_box)
        done_box = QGroupBox("Mark the selected item done", self)
        done_form = QFormLayout(done_box)
        self.item_done_on = date_edit(today, "Done on", done_box)
        done_form.addRow("Done on", self.item_done_on)
        self.item_evidence = QLineEdit(done_box)
        self.item_evidence.setAccessibleName("Evidence")
        done_form.addRow("Evidence", self.item_evidence)
        self.item_learning = QCheckBox("Use as a learning example in the annual report", done_box)
        done_form.addRow("", self.item_learning)
        done_button = QPushButton("Mark done", done_box)
        done_button.setObjectName("CompleteItemButton")
        done_button.clicked.connect(self.complete_item)
        done_form.addRow("", done_button)
        layout.addWidget(done_box)

    def fill(self, detail: CaseDetail) -> None:
        self.items_model.set_rows(detail.action_items)

    def add_item(self) -> None:
        action, owner = self.item_action.text(), self.item_owner.text()
        agreed, due = self.item_agreed.text(), from_qdate(self.item_due.date())
        host = self.host

        def done() -> None:
            self.item_action.clear()
            self.item_owner.clear()
            self.item_agreed.clear()

        host.write(
            lambda _v: host.context.op(
                workflow.add_action_item, host.case_id, action, owner, agreed, due
            ),
            self.items_error,
            "adding the item",
            then=done,
            versioned=False,
        )

    def complete_item(self) -> None:
        item = selected_row(self.items_view)
        if item is None:
            show_error(self.items_error, "Select the item that was done.")
            return
        done_on, evidence = from_qdate(self.item_done_on.date()), self.item_evidence.text()
        learning = self.item_learning.isChecked()
        host = self.host
        host.write(
            lambda _v: host.context.op(
                workflow.complete_action_item, item.id, done_on, evidence, learning
            ),
            self.items_error,
            "recording the item done",
            versioned=False,
        )


# -------------------------------------------------------------------- timeline, history


class TimelineTab(QWidget):
    """What happened to the case, in order."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.timeline_model = RowsModel(
            [
                Column("When", lambda e: format_local_time(e.at)),
                Column("Who", lambda e: e.who),
                Column("What happened", lambda e: e.text),
            ],
            self,
        )
        layout = QVBoxLayout(self)
        self.timeline_empty = QLabel(
            "Nothing is recorded on this case's timeline yet. A case brought in from an "
            "earlier system shows only what has happened since it was brought in.",
            self,
        )
        self.timeline_empty.setWordWrap(True)
        layout.addWidget(self.timeline_empty)
        layout.addWidget(table_view(self.timeline_model, "Timeline", self), 1)

    def fill(self, detail: CaseDetail) -> None:
        self.timeline_model.set_rows(detail.timeline)
        self.timeline_empty.setVisible(not detail.timeline)


class HistoryTab(QWidget):
    """Every change made to the case, who made it and when."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.history_model = RowsModel(
            [
                Column("When", lambda h: h.at),
                Column("Who", lambda h: h.who),
                Column("Change", lambda h: h.what),
                Column("Details", lambda h: h.details),
            ],
            self,
        )
        layout = QVBoxLayout(self)
        self.history_empty = QLabel(
            "No changes are recorded for this case yet: every change made here is kept, "
            "with who made it and when.",
            self,
        )
        self.history_empty.setWordWrap(True)
        layout.addWidget(self.history_empty)
        layout.addWidget(table_view(self.history_model, "Change history", self), 1)

    def fill(self, detail: CaseDetail) -> None:
        self.history_model.set_rows(detail.history)
        self.history_empty.setVisible(not detail.history)
