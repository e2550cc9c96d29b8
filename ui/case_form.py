"""The case form: one window per open case.

Tabs: details (edited and saved with Ctrl+S, messages beside the field), complaint
points (nature, description, outcome at the current stage), the stage panel (stage,
state, due date with its explanation one click away, the clock, and only the actions
the workflow allows now), people and appointments, action items, the timeline and the
change history, correspondence (letters and emails, ``ui.correspondence_tab``) and
attachments.

Every read and write goes through the runner. A save that meets someone else's change
shows who changed the case and when, and offers to reload: the reload refreshes
everything but the fields being typed in, and keeps the new version so the next save
goes through.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.domain.enums import Channel, Outcome, PartyRole, Procedure
from crm_desktop.domain.workflow import FINDING_OUTCOMES, Action
from crm_desktop.errors import ConflictError, ValidationError
from crm_desktop.operations import cases, workflow
from crm_desktop.operations.core import Change, OpChanges
from crm_desktop.operations.policy import Permission
from crm_desktop.services.case_view import CaseDetail, state_label
from crm_desktop.services.cases import CaseEdit, PointInput
from crm_desktop.services.reference_admin import ReferenceChoices
from ui.action_dialog import ActionDialog, ExplainDialog
from ui.assign_dialog import AssignDialog
from ui.context import AppContext
from ui.correspondence_tab import AttachmentsTab, CorrespondenceTab
from ui.equality_dialog import EqualityDialog
from ui.ops import PendingOp
from ui.responder_dialog import ResponderDialog
from ui.widgets import (
    Column,
    RowsModel,
    compact_combo,
    date_edit,
    date_text,
    error_label,
    error_text,
    from_qdate,
    selected_row,
    show_error,
    table_view,
    to_qdate,
    tone_style,
)

NONE = "(none)"


def _combo(name: str, parent: QWidget) -> QComboBox:
    combo = compact_combo(QComboBox(parent))
    combo.setAccessibleName(name)
    combo.setObjectName(name.title().replace(" ", ""))
    return combo


def _fill(
    combo: QComboBox, items: list[str], current: str | None, blank: str | None = None
) -> None:
    combo.blockSignals(True)
    combo.clear()
    if blank is not None:
        combo.addItem(blank, "")
    for item in items:
        combo.addItem(item, item)
    if current and combo.findData(current) < 0:
        combo.addItem(current, current)  # a retired name still on this case
    index = combo.findData(current or "")
    combo.setCurrentIndex(max(index, 0))
    combo.blockSignals(False)


class CaseDialog(QDialog):
    """One open case."""

    changed = Signal()  # the case was saved or moved (the window's lists reload on runner.changed)
    cares_about = frozenset(
        {Change.CASES, Change.APPOINTMENTS, Change.CORRESPONDENCE, Change.ATTACHMENTS}
    )

    def __init__(self, context: AppContext, case_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.case_id = case_id
        self.detail: CaseDetail | None = None
        self.choices: ReferenceChoices | None = None
        self.dirty = False
        self._opened = False
        self._filling = False
        self.action_dialog: ActionDialog | None = None
        self.explain_dialog: ExplainDialog | None = None
        self.assign_dialog: AssignDialog | None = None
        self.responder_dialog: ResponderDialog | None = None
        self.equality_dialog: EqualityDialog | None = None
        self.setObjectName("CaseDialog")
        self.setWindowTitle("Case")
        self.setModal(False)
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)

        layout = QVBoxLayout(self)
        self.heading = QLabel("Loading the case…", self)
        self.heading.setObjectName("CaseHeading")
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.heading.setFont(font)
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.heading)
        self.subheading = QLabel("", self)
        self.subheading.setObjectName("CaseSubheading")
        self.subheading.setWordWrap(True)
        layout.addWidget(self.subheading)

        self.conflict = QFrame(self)
        self.conflict.setObjectName("ConflictBanner")
        self.conflict.setFrameShape(QFrame.Shape.StyledPanel)
        conflict_layout = QHBoxLayout(self.conflict)
        self.conflict_text = QLabel(self.conflict)
        self.conflict_text.setObjectName("ConflictText")
        self.conflict_text.setWordWrap(True)
        self.conflict_text.setStyleSheet(tone_style("amber"))
        conflict_layout.addWidget(self.conflict_text, 1)
        self.reload_button = QPushButton("Reload, keeping what I typed", self.conflict)
        self.reload_button.setObjectName("ReloadKeepingButton")
        self.reload_button.clicked.connect(self.reload_keeping_typing)
        conflict_layout.addWidget(self.reload_button)
        self.conflict.setVisible(False)
        layout.addWidget(self.conflict)

        self.error = error_label("CaseError", self)
        layout.addWidget(self.error)

        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("CaseTabs")
        layout.addWidget(self.tabs, 1)
        self._build_details()
        self._build_points()
        self._build_stage()
        self._build_people()
        self._build_action_items()
        self._build_timeline()
        self._build_history()
        self.correspondence_tab = CorrespondenceTab(context, case_id, self)
        self.tabs.addTab(self.correspondence_tab, "Correspondence")
        self.attachments_tab = AttachmentsTab(context, case_id, self)
        self.tabs.addTab(self.attachments_tab, "Attachments")
        self.correspondence_tab.load()
        self.attachments_tab.load()

        buttons = QHBoxLayout()
        self.status = QLabel("", self)
        self.status.setObjectName("CaseStatusLine")
        buttons.addWidget(self.status, 1)
        self.save_button = QPushButton("Save details", self)
        self.save_button.setObjectName("SaveButton")
        self.save_button.setToolTip("Save the details (Ctrl+S)")
        self.save_button.clicked.connect(self.save)
        self.save_button.setEnabled(False)
        buttons.addWidget(self.save_button)
        close = QPushButton("Close", self)
        close.setObjectName("CloseButton")
        close.clicked.connect(self.close)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        QShortcut(QKeySequence.StandardKey.Save, self, self.save)

        geometry = QSettings().value("case_dialog/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            metrics = self.fontMetrics()
            self.resize(metrics.horizontalAdvance("M") * 84, metrics.height() * 46)
        context.runner.changed.connect(self.data_changed)
        self.load()

    # ----------------------------------------------------------------------- details tab

    def _build_details(self) -> None:
        page = QWidget(self)
        page.setObjectName("DetailsTab")
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(page)
        form = QFormLayout(page)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.field_errors: dict[str, QLabel] = {}
        self.fields: dict[str, QWidget] = {}

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
            form.addRow(label, holder)

        self.received_label = QLabel(page)
        form.addRow("Received", self.received_label)
        self.channel = _combo("Channel", page)
        row("channel", "How it came in", self.channel)
        self.directorate = _combo("Directorate", page)
        row("directorate", "Directorate", self.directorate)
        self.service_area = _combo("Service area", page)
        row("service_area", "Service area", self.service_area)
        self.team = _combo("Team", page)
        row("team", "Team", self.team)
        events = QWidget(page)
        events_box = QHBoxLayout(events)
        events_box.setContentsMargins(0, 0, 0, 0)
        self.events_known = QCheckBox("Known", events)
        self.events_known.setAccessibleName("Date of the events is known")
        self.events_on = date_edit(self.context.today(), "Date of the events", events)
        events_box.addWidget(self.events_known)
        events_box.addWidget(self.events_on, 1)
        row("events_on", "Events complained about", events)
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

        self.late_box = QGroupBox("Made more than 12 months after the events", page)
        late_layout = QHBoxLayout(self.late_box)
        self.late_decision = QLineEdit(self.late_box)
        self.late_decision.setObjectName("LateDecision")
        self.late_decision.setAccessibleName("Decision on the late complaint")
        self.late_decision.setPlaceholderText("Decision on whether to consider it, and why")
        late_layout.addWidget(self.late_decision, 1)
        self.late_button = QPushButton("Record decision", self.late_box)
        self.late_button.clicked.connect(self.record_late_decision)
        late_layout.addWidget(self.late_button)
        form.addRow(self.late_box)
        self.late_box.setVisible(False)

        for widget in (self.channel, self.directorate, self.service_area, self.team):
            assert isinstance(widget, QComboBox)
            widget.currentIndexChanged.connect(self._typed)
        self.directorate.currentIndexChanged.connect(self._directorate_changed)
        self.events_known.toggled.connect(self._typed)
        self.events_known.toggled.connect(self.events_on.setEnabled)
        self.events_on.dateChanged.connect(self._typed)
        self.summary.textChanged.connect(self._typed)
        self.desired.textChanged.connect(self._typed)
        self.tabs.addTab(scroll, "Details")

    def _typed(self, *_args: Any) -> None:
        if not self._filling:
            self.dirty = True
            self.save_button.setEnabled(True)

    def _directorate_changed(self) -> None:
        if self._filling or self.detail is None or self.choices is None:
            return
        current = self.service_area.currentData()
        areas = self.choices.areas(
            self.detail.procedure, self.directorate.currentData() or None, kind=self.detail.kind
        )
        _fill(self.service_area, areas, current if current in areas else None, blank="Choose…")

    def _fill_details(self, detail: CaseDetail) -> None:
        assert self.choices is not None
        self._filling = True
        try:
            _fill(
                self.channel,
                [c.label for c in Channel],
                Channel(detail.channel).label if detail.channel else None,
                blank="Not recorded",
            )
            corporate = detail.procedure == Procedure.CORPORATE.value
            _fill(self.directorate, list(self.choices.directorates), detail.directorate, blank=NONE)
            self.directorate.setEnabled(corporate)
            areas = self.choices.areas(
                detail.procedure, detail.directorate if corporate else None, kind=detail.kind
            )
            _fill(self.service_area, areas, detail.service_area, blank="Choose…")
            teams = list(self.choices.teams.get(detail.procedure, ()))
            _fill(self.team, teams, detail.team, blank=NONE)
            self.team.setEnabled(bool(teams))
            self.events_known.setChecked(detail.events_on is not None)
            self.events_on.setEnabled(detail.events_on is not None)
            if detail.events_on:
                self.events_on.setDate(to_qdate(detail.events_on))
            self.summary.setPlainText(detail.summary)
            self.desired.setPlainText(detail.desired_outcome)
            self.late_decision.setText(detail.late_decision)
        finally:
            self._filling = False
        self.dirty = False
        self.save_button.setEnabled(False)
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
            "summary": self.summary.toPlainText(),
            "desired_outcome": self.desired.toPlainText(),
        }

    def typed_changes(self) -> dict[str, object]:
        baseline = getattr(self, "_baseline", {})
        return {k: v for k, v in self.snapshot().items() if baseline.get(k) != v}

    def _restore(self, changes: dict[str, object]) -> None:
        self._filling = True
        try:
            for key, value in changes.items():
                if key in ("channel", "directorate", "service_area", "team"):
                    combo = {
                        "channel": self.channel,
                        "directorate": self.directorate,
                        "service_area": self.service_area,
                        "team": self.team,
                    }[key]
                    if key == "service_area" and "directorate" in changes:
                        self._filling = False
                        self._directorate_changed()
                        self._filling = True
                    index = combo.findData(value)
                    if index < 0:
                        combo.addItem(str(value), value)
                        index = combo.findData(value)
                    combo.setCurrentIndex(index)
                elif key == "events_on":
                    self.events_known.setChecked(value is not None)
                    if isinstance(value, dt.date):
                        self.events_on.setDate(to_qdate(value))
                elif key == "summary":
                    self.summary.setPlainText(str(value))
                elif key == "desired_outcome":
                    self.desired.setPlainText(str(value))
        finally:
            self._filling = False
        self.dirty = bool(changes)
        self.save_button.setEnabled(bool(changes))

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
            events_on=changes.get("events_on")  # type: ignore[arg-type]
            if isinstance(changes.get("events_on"), dt.date)
            else None,
        )

    # ------------------------------------------------------------------------ points tab

    def _build_points(self) -> None:
        page = QWidget(self)
        page.setObjectName("PointsTab")
        layout = QVBoxLayout(page)
        self.points_model = RowsModel(
            [
                Column("Point", lambda p: p.seq, align_right=True),
                Column("Nature", lambda p: p.nature),
                Column("Description", lambda p: p.description),
                Column("Outcome at this stage", lambda p: p.outcome or "Not recorded yet"),
                Column("Earlier stages", lambda p: p.earlier),
            ],
            page,
        )
        self.points_view = table_view(self.points_model, "Complaint points", page)
        layout.addWidget(self.points_view, 1)
        self.points_error = error_label("PointsError", page)
        layout.addWidget(self.points_error)

        outcome_box = QGroupBox("Outcome of the selected point at the current stage", page)
        outcome_layout = QHBoxLayout(outcome_box)
        self.point_outcome = _combo("Point outcome", outcome_box)
        for outcome in Outcome:
            if outcome in FINDING_OUTCOMES:
                self.point_outcome.addItem(outcome.label, outcome.value)
        outcome_layout.addWidget(self.point_outcome, 1)
        self.point_note = QLineEdit(outcome_box)
        self.point_note.setAccessibleName("Outcome note")
        self.point_note.setPlaceholderText("Note (optional)")
        outcome_layout.addWidget(self.point_note, 2)
        self.record_outcome_button = QPushButton("Record outcome", outcome_box)
        self.record_outcome_button.setObjectName("RecordOutcomeButton")
        self.record_outcome_button.clicked.connect(self.record_point_outcome)
        outcome_layout.addWidget(self.record_outcome_button)
        layout.addWidget(outcome_box)

        add_box = QGroupBox("Add a complaint point", page)
        add_layout = QHBoxLayout(add_box)
        self.new_point_nature = _combo("New point nature", add_box)
        add_layout.addWidget(self.new_point_nature, 1)
        self.new_point_text = QLineEdit(add_box)
        self.new_point_text.setAccessibleName("New point description")
        self.new_point_text.setPlaceholderText("What the complainant says went wrong")
        add_layout.addWidget(self.new_point_text, 2)
        self.add_point_button = QPushButton("Add point", add_box)
        self.add_point_button.setObjectName("AddPointButton")
        self.add_point_button.clicked.connect(self.add_point)
        add_layout.addWidget(self.add_point_button)
        self.remove_point_button = QPushButton("Remove selected point", add_box)
        self.remove_point_button.setObjectName("RemovePointButton")
        self.remove_point_button.clicked.connect(self.remove_point)
        add_layout.addWidget(self.remove_point_button)
        layout.addWidget(add_box)
        self.points_tab = page
        self.tabs.addTab(page, "Points")

    def select_point(self, row: int) -> None:
        self.points_view.selectRow(row)

    def record_point_outcome(self) -> None:
        point = selected_row(self.points_view)
        if point is None:
            show_error(self.points_error, "Select the complaint point first.")
            return
        outcome = self.point_outcome.currentData()
        note = self.point_note.text().strip() or None
        self._write(
            lambda v: self.context.op(
                cases.set_point_outcome, self.case_id, v, point.id, outcome, note
            ),
            self.points_error,
            "recording the outcome",
        )

    def add_point(self) -> None:
        nature = self.new_point_nature.currentData()
        if not nature:
            show_error(self.points_error, "Choose the nature of the new point.")
            return
        point = PointInput(nature, self.new_point_text.text().strip())

        def done() -> None:
            self.new_point_text.clear()

        self._write(
            lambda v: self.context.op(cases.add_point, self.case_id, v, point),
            self.points_error,
            "adding the point",
            then=done,
        )

    def remove_point(self) -> None:
        point = selected_row(self.points_view)
        if point is None:
            show_error(self.points_error, "Select the complaint point to remove.")
            return
        if not self.context.notifier.confirm(
            "Remove complaint point", f"Remove point {point.seq} ({point.nature})?"
        ):
            return
        self._write(
            lambda v: self.context.op(cases.remove_point, self.case_id, v, point.id),
            self.points_error,
            "removing the point",
        )

    # ------------------------------------------------------------------------- stage tab

    def _build_stage(self) -> None:
        page = QWidget(self)
        page.setObjectName("StageTab")
        layout = QVBoxLayout(page)
        panel = QGroupBox("Current stage", page)
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
        self.explain_button = QPushButton("Explain…", panel)
        self.explain_button.setObjectName("ExplainButton")
        self.explain_button.setAccessibleName("Explain the due date")
        self.explain_button.setToolTip("How the due date was worked out")
        self.explain_button.clicked.connect(self.explain_due_date)
        grid.addWidget(self.explain_button, 5, 2)
        self.responder_button = QPushButton("Responder…", panel)
        self.responder_button.setObjectName("ResponderButton")
        self.responder_button.setAccessibleName("Choose who responds at this stage")
        self.responder_button.setEnabled(self.context.allows(Permission.WORK_CASES))
        self.responder_button.clicked.connect(self.choose_responder)
        grid.addWidget(self.responder_button, 15, 2)
        grid.setColumnStretch(1, 1)
        layout.addWidget(panel)

        actions = QGroupBox("What can be done now", page)
        actions.setObjectName("ActionsBox")
        self.actions_layout = QGridLayout(actions)
        self.action_buttons: dict[Action, QPushButton] = {}
        self._action_widgets: list[QWidget] = []
        layout.addWidget(actions)

        self.stages_model = RowsModel(
            [
                Column("Stage", lambda s: s.label),
                Column("Asked for", lambda s: date_text(s.requested_on)),
                Column("Started", lambda s: date_text(s.started_on)),
                Column("Due", lambda s: date_text(s.due_on)),
                Column("Responded", lambda s: date_text(s.closed_on)),
                Column("Outcome", lambda s: s.outcome),
            ],
            page,
        )
        layout.addWidget(QLabel("Every stage of this case", page))
        self.stages_view = table_view(self.stages_model, "Stages of the case", page)
        layout.addWidget(self.stages_view, 1)
        self.stage_tab = page
        self.tabs.addTab(page, "Stage")

    def _fill_stage(self, detail: CaseDetail) -> None:
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
                self.context.allows(Permission.WORK_CASES)
                and stage.code != "lgsco"
                and stage.closed_on is None
            )
        for key, value in values.items():
            shown = bool(value.text()) or key in ("stage", "state", "due")
            value.setVisible(shown)
            self.stage_names[key].setVisible(shown)
        self.stages_model.set_rows(detail.stages)
        for widget in self._action_widgets:
            self.actions_layout.removeWidget(widget)
            widget.hide()
            widget.setParent(None)
            widget.deleteLater()
        self._action_widgets = []
        self.action_buttons = {}
        can_work = self.context.allows(Permission.WORK_CASES)
        for i, action in enumerate(detail.actions):
            button = QPushButton(action.label + "…", self)
            button.setObjectName("Action" + action.value.title().replace(" ", ""))
            button.setAccessibleName(action.label)
            button.setEnabled(can_work)
            button.clicked.connect(lambda _=False, a=action: self.open_action(a))
            self.actions_layout.addWidget(button, i // 3, i % 3)
            self.action_buttons[action] = button
            self._action_widgets.append(button)
        if not detail.actions:
            note = QLabel("Nothing can be done to this case in its state.", self)
            self.actions_layout.addWidget(note, 0, 0)
            self._action_widgets.append(note)

    def open_action(self, action: Action) -> ActionDialog:
        assert self.detail is not None
        dialog = ActionDialog(
            self.context,
            self.case_id,
            lambda: self.detail.version if self.detail else 0,
            action,
            self.detail.stage.code if self.detail.stage else None,
            self,
        )
        dialog.conflicted.connect(lambda _message: self.load(keep_typing=True))
        self.action_dialog = dialog
        dialog.open()
        return dialog

    def choose_responder(self) -> ResponderDialog | None:
        if self.detail is None or self.detail.stage is None:
            return None
        dialog = ResponderDialog(
            self.context,
            self.case_id,
            lambda: self.detail.version if self.detail else 0,
            self.detail.stage.label,
            self,
        )
        self.responder_dialog = dialog
        dialog.open()
        return dialog

    def explain_due_date(self) -> ExplainDialog | None:
        if self.detail is None or self.detail.stage is None:
            return None
        dialog = ExplainDialog(self.context, self.detail.stage.id, self.detail.reference, self)
        self.explain_dialog = dialog
        dialog.open()
        return dialog

    # ------------------------------------------------------------------------ people tab

    def _build_people(self) -> None:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        self.parties_model = RowsModel(
            [
                Column("Role", lambda p: p.role),
                Column("Name", lambda p: p.name),
                Column("Email", lambda p: p.email),
                Column("Phone", lambda p: p.phone),
                Column("Flag", lambda p: p.flag),
            ],
            page,
            tone=lambda p: "amber" if p.flag else None,
            tone_column=4,
        )
        layout.addWidget(QLabel("People on the case", page))
        layout.addWidget(table_view(self.parties_model, "People on the case", page), 1)
        self.assignments_model = RowsModel(
            [
                Column("Stage", lambda a: a.stage),
                Column("Role", lambda a: a.role),
                Column("Person", lambda a: a.person),
                Column("Status", lambda a: a.status),
                Column("Offered", lambda a: date_text(a.offered_on)),
                Column("Report due", lambda a: date_text(a.report_due_on)),
            ],
            page,
        )
        layout.addWidget(QLabel("Investigators, Independent Persons and panel members", page))
        layout.addWidget(table_view(self.assignments_model, "Appointments", page), 1)
        appoint_row = QHBoxLayout()
        note = QLabel(
            "Appoint an Investigating Officer, Independent Person or panel member to the "
            "current stage: Appoint… shows who may take the role and why.",
            page,
        )
        note.setWordWrap(True)
        appoint_row.addWidget(note, 1)
        self.appoint_button = QPushButton("Appoint…", page)
        self.appoint_button.setObjectName("AppointButton")
        self.appoint_button.setEnabled(self.context.allows(Permission.APPOINT_INVESTIGATORS))
        self.appoint_button.clicked.connect(self.appoint)
        appoint_row.addWidget(self.appoint_button)
        self.equality_button = QPushButton("Equality monitoring…", page)
        self.equality_button.setObjectName("EqualityButton")
        self.equality_button.setToolTip("The complainant's optional equality answers (managers)")
        self.equality_button.setVisible(self.context.allows(Permission.SEE_EQUALITY))
        self.equality_button.clicked.connect(self.equality_monitoring)
        appoint_row.addWidget(self.equality_button)
        layout.addLayout(appoint_row)
        self.tabs.addTab(page, "People")

    def equality_monitoring(self) -> EqualityDialog | None:
        """The complainant's equality monitoring answers (managers only)."""
        if self.detail is None or not self.context.allows(Permission.SEE_EQUALITY):
            return None
        complainant = next(
            (p for p in self.detail.parties if p.role == PartyRole.COMPLAINANT.value.capitalize()),
            None,
        )
        if complainant is None:
            show_error(self.error, "This case has no complainant to record answers for.")
            return None
        dialog = EqualityDialog(self.context, complainant.person_id, complainant.name, self)
        self.equality_dialog = dialog
        dialog.open()
        return dialog

    def appoint(self) -> AssignDialog | None:
        if self.detail is None:
            return None
        dialog = AssignDialog(
            self.context,
            self.case_id,
            self.detail.reference,
            self.detail.procedure,
            self.detail.stage,
            self,
        )
        self.assign_dialog = dialog
        dialog.open()
        return dialog

    # ----------------------------------------------------------------- action items tab

    def _build_action_items(self) -> None:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        self.items_model = RowsModel(
            [
                Column("Action", lambda i: i.action),
                Column("Owner", lambda i: i.owner),
                Column("Agreed with", lambda i: i.agreed_with),
                Column("Due", lambda i: date_text(i.due_on)),
                Column("Done", lambda i: date_text(i.done_on)),
                Column("Evidence", lambda i: i.evidence),
            ],
            page,
        )
        self.items_view = table_view(self.items_model, "Action-plan items", page)
        layout.addWidget(self.items_view, 1)
        self.items_error = error_label("ItemsError", page)
        layout.addWidget(self.items_error)
        add_box = QGroupBox("Add an action-plan item (upheld complaints)", page)
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
        self.item_due = date_edit(self.context.today() + dt.timedelta(days=28), "Item due", add_box)
        add_form.addRow("Due", self.item_due)
        add_button = QPushButton("Add item", add_box)
        add_button.setObjectName("AddItemButton")
        add_button.clicked.connect(self.add_item)
        add_form.addRow("", add_button)
        layout.addWidget(add_box)
        done_box = QGroupBox("Mark the selected item done", page)
        done_form = QFormLayout(done_box)
        self.item_done_on = date_edit(self.context.today(), "Done on", done_box)
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
        self.tabs.addTab(page, "Action items")

    def add_item(self) -> None:
        action, owner = self.item_action.text(), self.item_owner.text()
        agreed, due = self.item_agreed.text(), from_qdate(self.item_due.date())

        def done() -> None:
            self.item_action.clear()
            self.item_owner.clear()
            self.item_agreed.clear()

        self._write(
            lambda _v: self.context.op(
                workflow.add_action_item, self.case_id, action, owner, agreed, due
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
        self._write(
            lambda _v: self.context.op(
                workflow.complete_action_item, item.id, done_on, evidence, learning
            ),
            self.items_error,
            "recording the item done",
            versioned=False,
        )

    # ---------------------------------------------------------------- timeline, history

    def _build_timeline(self) -> None:
        self.timeline_model = RowsModel(
            [
                Column("When", lambda e: _local_text(e.at)),
                Column("Who", lambda e: e.who),
                Column("What happened", lambda e: e.text),
            ],
            self,
        )
        page = QWidget(self)
        layout = QVBoxLayout(page)
        self.timeline_empty = QLabel(
            "No events are recorded for this case yet. (Cases made as demo data or loaded "
            "from an old system have no history from before they arrived here.)",
            page,
        )
        self.timeline_empty.setWordWrap(True)
        layout.addWidget(self.timeline_empty)
        view = table_view(self.timeline_model, "Timeline", page)
        layout.addWidget(view, 1)
        self.tabs.addTab(page, "Timeline")

    def _build_history(self) -> None:
        self.history_model = RowsModel(
            [
                Column("When", lambda h: h.at),
                Column("Who", lambda h: h.who),
                Column("Change", lambda h: h.what),
                Column("Details", lambda h: h.details),
            ],
            self,
        )
        page = QWidget(self)
        layout = QVBoxLayout(page)
        self.history_empty = QLabel(
            "No changes are recorded for this case yet: every change made here is kept, "
            "with who made it and when.",
            page,
        )
        self.history_empty.setWordWrap(True)
        layout.addWidget(self.history_empty)
        layout.addWidget(table_view(self.history_model, "Change history", page), 1)
        self.tabs.addTab(page, "History")

    # ---------------------------------------------------------------------- loading

    def load(self, keep_typing: bool = False) -> None:
        """Read the case (the first time: open it, which the access log records)."""

        def failed(exc: BaseException) -> None:
            show_error(self.error, error_text(exc, "loading the case"))

        if self.choices is None:
            self.context.op(cases.reference_choices).on_done(self._choices_loaded).on_error(
                failed
            ).run()
        load = cases.open_case if self.detail is None and not self._opened else cases.case_detail
        self._opened = True
        self.context.op(load, self.case_id).on_done(
            lambda detail: self.apply(detail, None, keep_typing)
        ).on_error(failed).run()

    def _choices_loaded(self, choices: ReferenceChoices) -> None:
        self.choices = choices
        if self.detail is not None:
            natures = list(choices.natures.get(self.detail.procedure, ()))
            _fill(self.new_point_nature, natures, None, blank="Choose the nature…")

    def data_changed(self, changes: OpChanges) -> None:
        """Another operation changed what this window shows: read the case again,
        keeping what is being typed."""
        if self.detail is not None and changes.touches(self.cares_about):
            self.load(keep_typing=True)

    def apply(
        self, detail: CaseDetail, choices: ReferenceChoices | None, keep_typing: bool = False
    ) -> None:
        first = self.detail is None
        self.detail = detail
        if choices is not None:
            self.choices = choices
        if first and self.choices is not None:
            self._choices_loaded(self.choices)
        self.setWindowTitle(f"{detail.reference} – CRM Desktop")
        self.heading.setText(detail.title)
        status = "Open" if detail.status == "open" else f"Closed on {date_text(detail.closed_on)}"
        self.subheading.setText(
            f"{status} · received {date_text(detail.received_on)}"
            + (f" · {detail.service_area}" if detail.service_area else "")
            + (f" · owner {detail.owner}" if detail.owner else "")
        )
        self.received_label.setText(date_text(detail.received_on))
        self.owner_label.setText(detail.owner or "Nobody")
        self.late_box.setVisible(detail.late_complaint)
        if keep_typing and self.dirty:
            changes = self.typed_changes()
            self._fill_details(detail)
            self._restore(changes)
        else:
            self._fill_details(detail)
        self.points_model.set_rows(detail.points)
        complaint = detail.is_complaint
        self.tabs.setTabVisible(self.tabs.indexOf(self.points_tab), complaint)
        self._fill_stage(detail)
        self.parties_model.set_rows(detail.parties)
        self.assignments_model.set_rows(detail.assignments)
        self.items_model.set_rows(detail.action_items)
        self.timeline_model.set_rows(detail.timeline)
        self.timeline_empty.setVisible(not detail.timeline)
        self.history_model.set_rows(detail.history)
        self.history_empty.setVisible(not detail.history)
        self.status.setText(
            f"Version {detail.version}"
            + (f", last changed by {detail.updated_by}" if detail.updated_by else "")
        )
        if not keep_typing:
            self.conflict.setVisible(False)

    def reload_keeping_typing(self) -> None:
        self.conflict.setVisible(False)
        self.load(keep_typing=True)

    # ----------------------------------------------------------------------- saving

    def _clear_field_errors(self) -> None:
        for label in self.field_errors.values():
            show_error(label, "")
        show_error(self.error, "")

    def save(self) -> None:
        if self.detail is None or not self.dirty:
            return
        self._clear_field_errors()
        if self.service_area.isEnabled() and not self.service_area.currentData():
            show_error(self.field_errors["service_area"], "Choose the service area.")
            self.service_area.setFocus()
            return
        edit = self.case_edit()
        self.save_button.setEnabled(False)

        def done(_version: int) -> None:
            self.dirty = False
            self.changed.emit()

        self.context.op(cases.edit_case, self.case_id, self.detail.version, edit).on_done(
            done
        ).on_error(self._save_failed).run()

    def _save_failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        if isinstance(exc, ConflictError):
            self.show_conflict(exc.message)
            return
        if isinstance(exc, ValidationError) and exc.field in self.field_errors:
            show_error(self.field_errors[exc.field], exc.message)
            self.fields[exc.field].setFocus()
            return
        if isinstance(exc, ValidationError) and exc.field == "date of the events":
            show_error(self.field_errors["events_on"], exc.message)
            return
        show_error(self.error, error_text(exc, "saving the case"))

    def show_conflict(self, message: str) -> None:
        self.conflict_text.setText(message)
        self.conflict.setVisible(True)

    def record_late_decision(self) -> None:
        text = self.late_decision.text()
        self._write(
            lambda v: self.context.op(cases.record_late_decision, self.case_id, v, text),
            self.error,
            "recording the decision",
        )

    def _write(
        self,
        change: Callable[[int], PendingOp[Any]],
        error: QLabel,
        doing: str,
        then: Callable[[], None] | None = None,
        versioned: bool = True,
    ) -> None:
        """Run an operation on this case, given the case's version as it was read; the
        window reloads when the runner announces the change."""
        if self.detail is None:
            return
        show_error(error, "")

        def done(_result: object) -> None:
            if then is not None:
                then()
            self.changed.emit()

        def failed(exc: BaseException) -> None:
            if isinstance(exc, ConflictError) and versioned:
                self.show_conflict(exc.message)
                return
            show_error(error, error_text(exc, doing))

        change(self.detail.version).on_done(done).on_error(failed).run()

    # ---------------------------------------------------------------------- closing

    def _may_close(self) -> bool:
        if self.dirty and not self.context.notifier.confirm(
            "Unsaved changes",
            "You have changed the details of this case without saving. Close it and lose "
            "those changes?",
            yes="Close without saving",
            no="Keep editing",
        ):
            return False
        self.dirty = False
        QSettings().setValue("case_dialog/geometry", self.saveGeometry())
        return True

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._may_close():
            event.ignore()
            return
        super().closeEvent(event)

    def reject(self) -> None:  # Esc
        if self._may_close():
            super().reject()


def _local_text(moment: dt.datetime) -> str:
    local = moment.replace(tzinfo=dt.UTC).astimezone()
    return f"{date_text(local.date())} {local:%H:%M}"
