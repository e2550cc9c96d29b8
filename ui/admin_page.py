"""Admin: reference data, users (administrators only), the letterhead, letter templates
and mail settings.

Each section is a list (a Qt model over the rows an ``operations.admin`` operation
returns) and an editor for the selected row; every load and change is an operation, so
the access policy decides who may use each section. Saving sends the row's version: if
someone else saved it meanwhile, the section says who and when and offers to reload
the list while keeping what was typed in the editor.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.correspondence.settings import CorrespondenceSettings
from crm_desktop.domain.enums import Procedure, StageCode, UserRole
from crm_desktop.domain.procedure_policy import PolicyRules, StageRules
from crm_desktop.errors import ConflictError
from crm_desktop.operations import admin
from crm_desktop.operations import correspondence as letters_ops
from crm_desktop.operations import procedure_policies as policy_ops
from crm_desktop.operations.core import Change, Operation
from crm_desktop.operations.policy import Permission, role_title
from crm_desktop.services import reference_admin as ra
from crm_desktop.services.procedure_policies import PolicyView
from ui.context import AppContext
from ui.letters_setup import LetterheadSection, MailSection, TemplatesSection
from ui.ops import PendingOp
from ui.pages import Page
from ui.widgets import (
    Column,
    RowsModel,
    SectionList,
    date_edit,
    date_text,
    error_text,
    from_qdate,
    table_view,
    tone_style,
    with_mnemonic,
)


def _yes(value: bool) -> str:
    return "Yes" if value else "No"


def _procedure(code: str) -> str:
    return Procedure(code).label


def _stage(code: str | None) -> str:
    return StageCode(code).label if code else ""


def _layout_of(widget: QWidget) -> QLayout:
    layout = widget.layout()
    assert layout is not None, widget
    return layout


class Section(QWidget):
    """A list of one kind of reference data with an editor for the selected row."""

    name = "Section"
    lister: Operation[..., list[Any]]  # the operation that lists the rows
    LIST_ROWS = 6  # rows the list always has room for

    def __init__(self, context: AppContext, columns: list[Column], parent: QWidget) -> None:
        super().__init__(parent)
        self.context = context
        self.current_id: Any = None
        self.keep_typing = False
        self.keys = {"s"}  # Alt-keys the section's buttons hold: S, Save changes
        self.setObjectName(self.name.title().replace(" ", "") + "Section")
        layout = QVBoxLayout(self)
        self.model = RowsModel(columns, self)
        self.view = table_view(self.model, self.name, self)
        self.view.selectionModel().currentRowChanged.connect(self._row_chosen)
        # The list keeps room for several rows (the tab scrolls instead): squeezed by the
        # editor and the add form below it, Users and roles showed two and a half.
        header = self.view.horizontalHeader().sizeHint().height()
        rows = self.view.verticalHeader().defaultSectionSize() * self.LIST_ROWS
        bar = self.view.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)  # sideways
        self.view.setMinimumHeight(header + rows + bar + 2 * self.view.frameWidth())
        layout.addWidget(self.view, 1)
        self._message_labels: list[QLabel] = []
        self.message = self.message_label(self, "AdminMessage")
        layout.addWidget(self.message)
        self.reload_button = QPushButton("Reload the list, keeping what I typed", self)
        self.reload_button.setObjectName("AdminReloadButton")
        self.reload_button.setVisible(False)
        self.reload_button.clicked.connect(lambda: self.reload(keep_typing=True))
        layout.addWidget(self.reload_button)
        self.editor = QGroupBox("Change the selected row", self)
        self.editor_form = QFormLayout(self.editor)
        layout.addWidget(self.editor)
        self.build_editor(self.editor_form)
        self.save_button = QPushButton("&Save changes", self.editor)
        self.save_button.setObjectName("AdminSaveButton")
        self.save_button.clicked.connect(self.save)
        self.editor_form.addRow("", self.save_button)
        self.editor.setEnabled(False)

    # -- what sections fill in ---------------------------------------------------------

    def build_editor(self, form: QFormLayout) -> None:
        raise NotImplementedError

    def fill_editor(self, row: Any) -> None:
        raise NotImplementedError

    def change(self, row: Any) -> PendingOp[Any]:
        raise NotImplementedError

    # -- plumbing ----------------------------------------------------------------------

    def message_label(self, parent: QWidget, name: str) -> QLabel:
        """A place for what an action says, hidden until it says something: the one at
        the top of the section, and one in each "Add" box (below the fold on a small or
        scaled screen, so a message at the top would go unseen)."""
        label = QLabel("", parent)
        label.setObjectName(name)
        label.setWordWrap(True)
        label.setVisible(False)
        self._message_labels.append(label)
        return label

    def add_box(self, title: str) -> tuple[QGroupBox, QLabel]:
        """An "Add" box and the label inside it that says how adding went."""
        box = QGroupBox(title, self)
        self.add_message = self.message_label(box, "AdminAddMessage")
        return box, self.add_message

    def say(self, text: str, tone: str | None = None, where: QLabel | None = None) -> None:
        """Show ``text`` in ``where`` (the message at the top unless said), and only
        there: a message left elsewhere from an earlier action is cleared."""
        where = where if where is not None else self.message
        for label in self._message_labels:
            if label is not where:
                label.setText("")
                label.setVisible(False)
        where.setText(text)
        where.setStyleSheet(tone_style(tone) if tone else "")
        where.setVisible(bool(text))

    def reload(self, keep_typing: bool = False) -> None:
        self.keep_typing = keep_typing
        self.reload_button.setVisible(False)
        self.context.op(self.lister).on_done(self._loaded).on_error(
            lambda exc: self.say(error_text(exc, "loading the list"), "red")
        ).run()

    def _loaded(self, rows: list[Any]) -> None:
        keep = self.current_id
        self.model.set_rows(rows)
        ids = [getattr(r, "id", None) for r in rows]
        if keep in ids:
            self.view.selectRow(ids.index(keep))
        self.keep_typing = False

    def _row_chosen(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row = self.model.row_at(current.row())
        if row is None:
            return
        same = getattr(row, "id", None) == self.current_id
        self.current_id = getattr(row, "id", None)
        self.editor.setEnabled(True)
        if not (self.keep_typing and same):
            self.fill_editor(row)

    def current_row(self) -> Any:
        for row in self.model.rows:
            if getattr(row, "id", None) == self.current_id:
                return row
        return None

    def save(self) -> None:
        row = self.current_row()
        if row is None:
            self.say("Select a row to change.")
            return
        self.run(self.change(row), "Saved.")

    def run(
        self,
        change: PendingOp[Any],
        done_text: str | Callable[[Any], str],
        where: QLabel | None = None,
        then: Callable[[], None] | None = None,
    ) -> None:
        """Run a change, then show the list again (the runner announces the change to
        the other screens); ``done_text``: what to say, or how to say it from the
        change's result; ``where``: the label to say it in (the top one unless said);
        ``then``: what to do once the change is made (never when it fails, so what was
        typed stays to be put right)."""

        def done(result: Any) -> None:
            if then is not None:
                then()
            self.say(done_text(result) if callable(done_text) else done_text, where=where)
            self.reload()

        def failed(exc: BaseException) -> None:
            if isinstance(exc, ConflictError):
                self.say(exc.message, "amber", where)
                self.reload_button.setVisible(True)
                return
            self.say(error_text(exc, "saving"), "red", where)

        self.say("", where=where)
        change.on_done(done).on_error(failed).run()


# ------------------------------------------------------------------------------ natures


class NaturesSection(Section):
    name = "Natures of complaint"
    lister = admin.natures

    def __init__(self, context: AppContext, parent: QWidget) -> None:
        super().__init__(
            context,
            [
                Column("Procedure", lambda r: _procedure(r.procedure)),
                Column("Nature", lambda r: r.name),
                Column("In use", lambda r: _yes(r.active)),
            ],
            parent,
        )
        adder, said = self.add_box("Add a nature")
        outer = QVBoxLayout(adder)
        form = QHBoxLayout()
        outer.addLayout(form)
        outer.addWidget(said)
        self.new_procedure = QComboBox(adder)
        self.new_procedure.setAccessibleName("Procedure of the new nature")
        for procedure in Procedure:
            self.new_procedure.addItem(procedure.label, procedure.value)
        form.addWidget(self.new_procedure)
        self.new_name = QLineEdit(adder)
        self.new_name.setAccessibleName("New nature")
        self.new_name.setPlaceholderText("The new nature's name, e.g. Communication")
        self.new_name.setObjectName("NewNatureName")
        form.addWidget(self.new_name, 1)
        add = QPushButton("Add", adder)
        add.setObjectName("AddNatureButton")
        add.clicked.connect(self.add)
        form.addWidget(add)
        _layout_of(self).addWidget(adder)

    def build_editor(self, form: QFormLayout) -> None:
        self.edit_name = QLineEdit(self)
        self.edit_name.setAccessibleName("Nature name")
        self.edit_name.setObjectName("NatureName")
        form.addRow("Name", self.edit_name)
        self.edit_active = QCheckBox("Offer it on new complaint points", self)
        form.addRow("In use", self.edit_active)

    def fill_editor(self, row: ra.NatureRow) -> None:
        self.edit_name.setText(row.name)
        self.edit_active.setChecked(row.active)

    def change(self, row: ra.NatureRow) -> PendingOp[Any]:
        name, active = self.edit_name.text(), self.edit_active.isChecked()
        return self.context.op(admin.update_nature, row.id, row.version, name, active)

    def add(self) -> None:
        procedure, name = self.new_procedure.currentData(), self.new_name.text()
        self.run(
            self.context.op(admin.add_nature, procedure, name),
            f"Added '{name.strip()}'.",
            self.add_message,
            self.new_name.clear,
        )


# ------------------------------------------------------------------------ service areas


class AreasSection(Section):
    name = "Service areas"
    lister = admin.service_areas

    def __init__(self, context: AppContext, parent: QWidget) -> None:
        super().__init__(
            context,
            [
                Column("Procedure", lambda r: _procedure(r.procedure)),
                Column("Directorate", lambda r: r.directorate or ""),
                Column("Service area", lambda r: r.name),
                Column("Complaints", lambda r: _yes(r.for_complaints)),
                Column("Compliments", lambda r: _yes(r.for_compliments)),
                Column("In use", lambda r: _yes(r.active)),
            ],
            parent,
        )

    def build_editor(self, form: QFormLayout) -> None:
        self.edit_name = QLineEdit(self)
        self.edit_name.setAccessibleName("Service area name")
        form.addRow("Name", self.edit_name)
        self.edit_complaints = QCheckBox("Complaints are recorded against it", self)
        form.addRow("", self.edit_complaints)
        self.edit_compliments = QCheckBox("Compliments are recorded against it", self)
        form.addRow("", self.edit_compliments)
        self.edit_active = QCheckBox("Offer it on new cases", self)
        form.addRow("In use", self.edit_active)

    def fill_editor(self, row: ra.ServiceAreaRow) -> None:
        self.edit_name.setText(row.name)
        self.edit_complaints.setChecked(row.for_complaints)
        self.edit_compliments.setChecked(row.for_compliments)
        self.edit_active.setChecked(row.active)

    def change(self, row: ra.ServiceAreaRow) -> PendingOp[Any]:
        return self.context.op(
            admin.update_service_area,
            row.id,
            row.version,
            self.edit_name.text(),
            self.edit_active.isChecked(),
            self.edit_complaints.isChecked(),
            self.edit_compliments.isChecked(),
        )


# --------------------------------------------------------------------------- timescales


class TimescalesSection(Section):
    name = "Timescales and extension limits"
    lister = admin.timescales

    def __init__(self, context: AppContext, parent: QWidget) -> None:
        super().__init__(
            context,
            [
                Column("Procedure", lambda r: _procedure(r.procedure)),
                Column("Stage", lambda r: _stage(r.stage)),
                Column("Rule", lambda r: r.rule.capitalize()),
                Column("Value", lambda r: f"{r.value} {r.unit}", True),
                Column("What it means", lambda r: r.description),
            ],
            parent,
        )
        note = QLabel(
            "A change applies to clocks started from now on; clocks already running keep "
            "their due dates.",
            self,
        )
        note.setWordWrap(True)
        _layout_of(self).addWidget(note)

    def build_editor(self, form: QFormLayout) -> None:
        self.edit_value = QSpinBox(self)
        self.edit_value.setRange(0, 1000)
        self.edit_value.setAccessibleName("Timescale value")
        self.edit_value.setObjectName("TimescaleValue")
        form.addRow("Value", self.edit_value)

    def fill_editor(self, row: ra.TimescaleRow) -> None:
        self.edit_value.setValue(row.value)
        self.edit_value.setSuffix(f" {row.unit}")

    def change(self, row: ra.TimescaleRow) -> PendingOp[Any]:
        return self.context.op(admin.set_timescale, row.id, row.version, self.edit_value.value())


# --------------------------------------------------------------------------------- KPIs


class KpisSection(Section):
    name = "KPI targets"
    lister = admin.kpis

    def __init__(self, context: AppContext, parent: QWidget) -> None:
        super().__init__(
            context,
            [
                Column("KPI", lambda r: r.label),
                Column("Target", lambda r: f"{r.target_percent:g}%", True),
                Column("Better when", lambda r: r.direction),
                Column("In the report", lambda r: _yes(r.active)),
            ],
            parent,
        )

    def build_editor(self, form: QFormLayout) -> None:
        self.edit_target = QDoubleSpinBox(self)
        self.edit_target.setRange(0, 100)
        self.edit_target.setDecimals(1)
        self.edit_target.setSuffix("%")
        self.edit_target.setAccessibleName("KPI target")
        form.addRow("Target", self.edit_target)
        self.edit_active = QCheckBox("Show it in the annual report and dashboard", self)
        form.addRow("In use", self.edit_active)
        # A KPI counted in working days (such as a children's Stage 2 started within N
        # working days of the request): the N a manager sets.
        self.edit_within = QSpinBox(self)
        self.edit_within.setRange(0, 250)
        self.edit_within.setSuffix(" working days")
        self.edit_within.setAccessibleName("KPI working days")
        self.edit_within.setObjectName("KpiWithin")
        form.addRow("Within", self.edit_within)

    def fill_editor(self, row: ra.KpiRow) -> None:
        self.edit_target.setValue(row.target_percent)
        self.edit_active.setChecked(row.active)
        self.edit_within.setEnabled(row.in_working_days)
        self.edit_within.setValue(row.threshold_days or 0)

    def change(self, row: ra.KpiRow) -> PendingOp[Any]:
        target, active = self.edit_target.value(), self.edit_active.isChecked()
        within = self.edit_within.value() if row.in_working_days else None
        return self.context.op(admin.set_kpi_target, row.id, row.version, target, active, within)


# ------------------------------------------------------------------------ closure days


class ClosureDaysSection(Section):
    name = "Closure days"
    lister = admin.closure_days

    def __init__(self, context: AppContext, parent: QWidget) -> None:
        super().__init__(
            context,
            [Column("Day", lambda r: date_text(r.day)), Column("Why", lambda r: r.name)],
            parent,
        )
        self.editor.setTitle("Remove the selected closure day")
        self.save_button.setText("&Remove it")
        adder, said = self.add_box("Add a council closure day")
        outer = QVBoxLayout(adder)
        form = QHBoxLayout()
        outer.addLayout(form)
        outer.addWidget(said)
        self.new_day = date_edit(context.today(), "Closure day", adder)
        form.addWidget(self.new_day)
        self.new_name = QLineEdit(adder)
        self.new_name.setAccessibleName("Why the council is closed")
        self.new_name.setPlaceholderText("Why the council is closed")
        form.addWidget(self.new_name, 1)
        add = QPushButton("Add", adder)
        add.setObjectName("AddClosureDayButton")
        add.clicked.connect(self.add)
        form.addWidget(add)
        _layout_of(self).addWidget(adder)

    def build_editor(self, form: QFormLayout) -> None:
        self.chosen = QLabel("", self)
        form.addRow("Day", self.chosen)

    def fill_editor(self, row: ra.ClosureDayRow) -> None:
        self.chosen.setText(f"{date_text(row.day)}: {row.name}")

    def change(self, row: ra.ClosureDayRow) -> PendingOp[Any]:
        return self.context.op(admin.remove_closure_day, row.id, row.version)

    def save(self) -> None:
        row = self.current_row()
        if row is None:
            self.say("Select the closure day to remove.")
            return
        self.current_id = None
        self.run(
            self.change(row),
            lambda moved: f"Removed {date_text(row.day)}. {ra.stages_moved_text(moved)}".strip(),
        )

    def add(self) -> None:
        day, name = from_qdate(self.new_day.date()), self.new_name.text()
        self.run(
            self.context.op(admin.add_closure_day, day, name),
            lambda added: (
                f"Added {date_text(day)}. {ra.stages_moved_text(added.stages_moved)}".strip()
            ),
            self.add_message,
        )


# ---------------------------------------------------------------------- procedure policies


def _days_box(parent: QWidget, name: str) -> QSpinBox:
    """Working days, or "not set" (shown for -1: the rule is absent)."""
    box = QSpinBox(parent)
    box.setRange(-1, 400)
    box.setSpecialValueText("not set")
    box.setSuffix(" working days")
    box.setAccessibleName(name)
    return box


def _days_value(box: QSpinBox) -> int | None:
    return None if box.value() < 0 else box.value()


class PoliciesSection(Section):
    """Each procedure's rules as versions with the date each takes effect. A case follows
    the version in force on the day it was received; a version that cases follow cannot
    be changed (the operation refuses, saying why), only superseded by a new version from
    a later date, and the preview says how many existing cases a new one would apply to."""

    name = "Procedure policies"
    lister = policy_ops.procedure_policies

    def __init__(self, context: AppContext, parent: QWidget) -> None:
        self._stage_rows: list[tuple[StageRules, QSpinBox, QSpinBox, QSpinBox, QCheckBox]] = []
        super().__init__(
            context,
            [
                Column("Procedure", lambda r: _procedure(r.procedure)),
                Column("Version", lambda r: r.name),
                Column("For", lambda r: r.period),
                Column("Cases", lambda r: f"{r.cases} ({r.open_cases} open)", True),
                Column("In use", lambda r: _yes(r.in_use)),
            ],
            parent,
        )
        self.editor.setTitle("The selected version's rules")
        note = QLabel(
            "A case keeps the version in force on the day it was received for its whole "
            "life. A version that cases follow cannot be changed: change the numbers above "
            "and add them as a new version from a later date instead.",
            self,
        )
        note.setWordWrap(True)
        _layout_of(self).addWidget(note)
        adder, said = self.add_box("Add these rules as a new version")
        form = QFormLayout(adder)
        self.new_name = QLineEdit(adder)
        self.new_name.setObjectName("NewPolicyName")
        self.new_name.setAccessibleName("Name of the new version")
        form.addRow("Name", self.new_name)
        self.new_from = date_edit(context.today(), "Takes effect for cases received from", adder)
        self.new_from.setObjectName("NewPolicyFrom")
        form.addRow("For cases received from", self.new_from)
        buttons = QHBoxLayout()
        preview = QPushButton("Preview", adder)
        preview.setObjectName("PreviewPolicyButton")
        preview.clicked.connect(self.preview)
        buttons.addWidget(preview)
        add = QPushButton("Add the new version", adder)
        add.setObjectName("AddPolicyButton")
        add.clicked.connect(self.add)
        buttons.addWidget(add)
        form.addRow("", buttons)
        self.preview_text = QLabel("", adder)
        self.preview_text.setObjectName("PolicyPreview")
        self.preview_text.setWordWrap(True)
        form.addRow("", self.preview_text)
        form.addRow("", said)
        _layout_of(self).addWidget(adder)

    def build_editor(self, form: QFormLayout) -> None:
        self.rules_text = QLabel("", self)
        self.rules_text.setObjectName("PolicyRules")
        self.rules_text.setWordWrap(True)
        form.addRow("Rules", self.rules_text)
        self.stage_form = QFormLayout()
        form.addRow(self.stage_form)

    def fill_editor(self, row: PolicyView) -> None:
        self.rules_text.setText("\n".join(row.rules.describe()))
        while self.stage_form.rowCount():
            self.stage_form.removeRow(0)
        self._stage_rows = []
        for rules in row.rules.stages:
            label = StageCode(rules.stage).label
            # One number a row, not one long line a stage: the section fits a laptop's
            # screen at 150% and 200%.
            heading = QLabel(label, self)
            bold = heading.font()
            bold.setBold(True)
            heading.setFont(bold)
            self.stage_form.addRow(heading)
            ack = _days_box(self, f"{label}: working days to acknowledge")
            respond = _days_box(self, f"{label}: working days to respond")
            extend = _days_box(self, f"{label}: working days extensions may add")
            good = QCheckBox("More with a recorded good reason", self)
            good.setAccessibleName(f"{label}: more with a recorded good reason")
            for widget, value in (
                (ack, rules.acknowledge_days),
                (respond, rules.response_days),
                (extend, rules.extension_days),
            ):
                widget.setValue(-1 if value is None else value)
            good.setChecked(rules.beyond_needs_good_reason)
            self.stage_form.addRow("Acknowledge within", ack)
            self.stage_form.addRow("Respond within", respond)
            counted = QLabel(f"counted from {rules.clock_from.label}", self)
            counted.setWordWrap(True)
            self.stage_form.addRow("", counted)
            self.stage_form.addRow("Extensions may add", extend)
            self.stage_form.addRow("", good)
            self._stage_rows.append((rules, ack, respond, extend, good))
        self.new_name.setText("")
        self.preview_text.setText("")

    def _edited_rules(self, row: PolicyView) -> PolicyRules:
        rules = row.rules
        for original, ack, respond, extend, good in self._stage_rows:
            rules = rules.with_stage(
                replace(
                    original,
                    acknowledge_days=_days_value(ack),
                    response_days=_days_value(respond),
                    extension_days=_days_value(extend),
                    beyond_needs_good_reason=good.isChecked(),
                )
            )
        return rules

    def change(self, row: PolicyView) -> PendingOp[Any]:
        return self.context.op(
            policy_ops.update_procedure_policy, row.id, row.version, rules=self._edited_rules(row)
        )

    def preview(self) -> None:
        row = self.current_row()
        if row is None:
            self.say("Select the version the new one starts from.", where=self.add_message)
            return
        day = from_qdate(self.new_from.date())
        self.context.op(policy_ops.preview_procedure_policy, row.procedure, day).on_done(
            lambda result: self.preview_text.setText(result.message)
        ).on_error(lambda exc: self.preview_text.setText(error_text(exc, "previewing"))).run()

    def add(self) -> None:
        row = self.current_row()
        if row is None:
            self.say("Select the version the new one starts from.", where=self.add_message)
            return
        day = from_qdate(self.new_from.date())
        name = self.new_name.text()
        self.run(
            self.context.op(
                policy_ops.add_procedure_policy,
                row.procedure,
                name,
                day,
                self._edited_rules(row),
            ),
            f"Added '{name.strip()}' for cases received from {date_text(day)}.",
            self.add_message,
        )


# -------------------------------------------------------------------------------- users


class LinkChooser(QWidget):
    """The record an account is linked to, chosen by name: an investigator's pool record
    or a service responder's service area (hidden for the other roles)."""

    def __init__(self, role: QComboBox, name: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.role = role
        self.choices = ra.AccountChoices([], [])
        # The account's own link (role, id, name), kept as a choice even when it is no
        # longer offered (taken out of the pool, a service area retired): a save that
        # changes something else must not link the account to whoever is listed first.
        self._kept: tuple[str, int, str] | None = None
        self._shown_role: str | None = None
        box = QHBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel("", self)
        self.combo = QComboBox(self)
        self.combo.setObjectName(name)
        self.combo.setAccessibleName("Linked to")
        self.combo.setMinimumContentsLength(24)
        self.combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        box.addWidget(self.label)
        box.addWidget(self.combo, 1)
        role.currentIndexChanged.connect(lambda _i: self.refill())
        self.refill()

    def set_choices(self, choices: ra.AccountChoices) -> None:
        self.choices = choices
        self.refill()

    def keep_link(self, row: ra.UserRow | None) -> None:
        """Show ``row``'s own link (none for a new account or another role)."""
        linked = None
        if row is not None:
            linked = (
                row.person_id if row.role == UserRole.INVESTIGATOR.value else row.service_area_id
            )
        self._kept = (row.role, linked, row.linked_to) if row and linked is not None else None
        self.refill(keep=linked)

    def refill(self, keep: int | None = None) -> None:
        role = self.role.currentData()
        # An id is a pool record's or a service area's: it is carried only within a role.
        if keep is not None:
            current: object = keep
        elif self._shown_role == role:
            current = self.combo.currentData()
        else:
            current = self._kept[1] if self._kept and self._kept[0] == role else None
        self._shown_role = role
        self.combo.clear()
        if role == UserRole.INVESTIGATOR.value:
            self.label.setText("Their record in the pool")
            self.combo.setAccessibleName("Investigator's record in the pool")
            for choice in self.choices.people:
                text = choice.name + (f" ({choice.detail})" if choice.detail else "")
                self.combo.addItem(text, choice.id)
            if not self.choices.people:
                self.combo.addItem(
                    "Nobody in the pool yet: add them on the Investigators page", None
                )
        elif role == UserRole.SERVICE_RESPONDER.value:
            self.label.setText("Answers the cases of")
            self.combo.setAccessibleName("Responder's service area")
            for choice in self.choices.service_areas:
                self.combo.addItem(f"{choice.name} ({choice.detail})", choice.id)
        if (
            self._kept is not None
            and self._kept[0] == role
            and self.combo.findData(self._kept[1]) < 0
        ):
            gone = (
                "no longer in the pool"
                if role == UserRole.INVESTIGATOR.value
                else "no longer in use"
            )
            self.combo.insertItem(0, f"{self._kept[2] or 'Unnamed'} ({gone})", self._kept[1])
        index = self.combo.findData(current) if current is not None else -1
        if index >= 0:
            self.combo.setCurrentIndex(index)
        self.setVisible(role in (UserRole.INVESTIGATOR.value, UserRole.SERVICE_RESPONDER.value))

    def chosen(self) -> int | None:
        value = self.combo.currentData()
        return int(value) if isinstance(value, int) else None

    def person_id(self) -> int | None:
        return self.chosen() if self.role.currentData() == UserRole.INVESTIGATOR.value else None

    def service_area_id(self) -> int | None:
        if self.role.currentData() == UserRole.SERVICE_RESPONDER.value:
            return self.chosen()
        return None


class UsersSection(Section):
    name = "Users and roles"
    lister = admin.user_accounts

    def __init__(self, context: AppContext, parent: QWidget) -> None:
        super().__init__(
            context,
            [
                Column("Username", lambda r: r.username),
                Column("Name", lambda r: r.display_name),
                Column("Role", lambda r: role_title(r.role)),
                Column("Linked to", lambda r: r.linked_to),
                Column("Can sign in", lambda r: _yes(r.active) + (" (locked)" if r.locked else "")),
                Column("Windows account", lambda r: r.windows_account or ""),
            ],
            parent,
        )
        adder, said = self.add_box("Add a user")
        form = QFormLayout(adder)
        self.new_username = QLineEdit(adder)
        self.new_username.setObjectName("NewUsername")
        self.new_username.setAccessibleName("New user's username")
        form.addRow("Username", self.new_username)
        self.new_name = QLineEdit(adder)
        self.new_name.setObjectName("NewUserName")
        self.new_name.setAccessibleName("New user's name")
        form.addRow("Name", self.new_name)
        self.new_role = self._roles(adder)
        self.new_role.setObjectName("NewUserRole")
        form.addRow("Role", self.new_role)
        self.new_link = LinkChooser(self.new_role, "NewUserLink", adder)
        self.new_role.currentIndexChanged.connect(self._pool_person_chosen)
        self.new_link.combo.currentIndexChanged.connect(self._pool_person_chosen)
        form.addRow("", self.new_link)
        self.new_password = QLineEdit(adder)
        self.new_password.setObjectName("NewUserPassword")
        self.new_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.new_password.setAccessibleName("New user's password")
        form.addRow("Password", self.new_password)
        self.new_confirm = QLineEdit(adder)
        self.new_confirm.setObjectName("NewUserConfirm")
        self.new_confirm.setEchoMode(QLineEdit.EchoMode.Password)
        self.new_confirm.setAccessibleName("New user's password again")
        form.addRow("Password again", self.new_confirm)
        self.new_windows = QLineEdit(adder)
        self.new_windows.setAccessibleName("New user's Windows account")
        self.new_windows.setPlaceholderText("DOMAIN\\username (optional)")
        form.addRow("Windows account", self.new_windows)
        add = QPushButton(with_mnemonic("Add user", self.keys), adder)
        add.setObjectName("AddUserButton")
        add.clicked.connect(self.add)
        form.addRow("", add)
        form.addRow("", said)
        _layout_of(self).addWidget(adder)

    def _roles(self, parent: QWidget) -> QComboBox:
        combo = QComboBox(parent)
        combo.setAccessibleName("Role")
        for role in (
            UserRole.OFFICER,
            UserRole.SERVICE_RESPONDER,
            UserRole.INVESTIGATOR,
            UserRole.MANAGER,
            UserRole.ADMIN,
        ):
            combo.addItem(role_title(role.value), role.value)
        return combo

    def _pool_person_chosen(self, *_args: object) -> None:
        """An investigator's name is their name in the pool, unless one was typed."""
        if self.new_link.person_id() is None or self.new_name.text().strip():
            return
        for choice in self.new_link.choices.people:
            if choice.id == self.new_link.person_id():
                self.new_name.setText(choice.name)

    def reload(self, keep_typing: bool = False) -> None:
        super().reload(keep_typing)
        self.context.op(admin.account_choices).on_done(self._choices_loaded).on_error(
            lambda exc: self.say(error_text(exc, "loading the pool and service areas"), "red")
        ).run()

    def _choices_loaded(self, choices: ra.AccountChoices) -> None:
        self.new_link.set_choices(choices)
        row = self.current_row()
        self.edit_link.choices = choices
        self.edit_link.keep_link(row)

    def build_editor(self, form: QFormLayout) -> None:
        self.edit_name = QLineEdit(self)
        self.edit_name.setAccessibleName("User's name")
        form.addRow("Name", self.edit_name)
        self.edit_role = self._roles(self)
        self.edit_role.setObjectName("EditUserRole")
        form.addRow("Role", self.edit_role)
        self.edit_link = LinkChooser(self.edit_role, "EditUserLink", self)
        form.addRow("", self.edit_link)
        self.edit_active = QCheckBox("Can sign in", self)
        form.addRow("", self.edit_active)
        self.edit_windows = QLineEdit(self)
        self.edit_windows.setAccessibleName("User's Windows account")
        form.addRow("Windows account", self.edit_windows)
        password = QWidget(self)
        box = QHBoxLayout(password)
        box.setContentsMargins(0, 0, 0, 0)
        self.edit_password = QLineEdit(password)
        self.edit_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.edit_password.setAccessibleName("New password")
        self.edit_password.setPlaceholderText("New password")
        self.edit_confirm = QLineEdit(password)
        self.edit_confirm.setEchoMode(QLineEdit.EchoMode.Password)
        self.edit_confirm.setAccessibleName("New password again")
        self.edit_confirm.setPlaceholderText("Again")
        set_password = QPushButton(with_mnemonic("Set password", self.keys), password)
        set_password.clicked.connect(self.set_password)
        box.addWidget(self.edit_password, 1)
        box.addWidget(self.edit_confirm, 1)
        box.addWidget(set_password)
        form.addRow("Password", password)

    def fill_editor(self, row: ra.UserRow) -> None:
        self.edit_name.setText(row.display_name)
        self.edit_role.setCurrentIndex(max(0, self.edit_role.findData(row.role)))
        self.edit_link.keep_link(row)
        self.edit_active.setChecked(row.active)
        self.edit_windows.setText(row.windows_account or "")

    def change(self, row: ra.UserRow) -> PendingOp[Any]:
        return self.context.op(
            admin.update_user,
            row.id,
            row.version,
            self.edit_name.text(),
            self.edit_role.currentData(),
            self.edit_active.isChecked(),
            self.edit_windows.text(),
            person_id=self.edit_link.person_id(),
            service_area_id=self.edit_link.service_area_id(),
        )

    def set_password(self) -> None:
        row = self.current_row()
        if row is None:
            self.say("Select the user first.")
            return
        password, confirm = self.edit_password.text(), self.edit_confirm.text()
        self.edit_password.clear()
        self.edit_confirm.clear()
        self.run(
            self.context.op(admin.reset_password, row.id, row.version, password, confirm),
            f"Password set for {row.display_name}.",
        )

    def add(self) -> None:
        username, role = self.new_username.text(), self.new_role.currentData()
        change = self.context.op(
            admin.add_user,
            username,
            role,
            self.new_name.text(),
            password=self.new_password.text() or None,
            confirm=self.new_confirm.text(),
            windows_account=self.new_windows.text(),
            person_id=self.new_link.person_id(),
            service_area_id=self.new_link.service_area_id(),
        )

        def added() -> None:
            self.new_password.clear()
            self.new_confirm.clear()

        self.run(
            change,
            f"Added {username.strip().lower()} ({role_title(role).lower()}).",
            self.add_message,
            added,
        )


class AdminPage(Page):
    title = "Admin"
    cares_about = frozenset(
        {Change.REFERENCE_DATA, Change.USERS, Change.CALENDAR, Change.TEMPLATES}
    )

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.setObjectName("AdminPage")
        layout = QVBoxLayout(self)
        # Sections named in a list beside the chosen one: ten tabs did not fit a 1366-wide
        # screen, two (more when scaled) hidden behind the tab bar's scroll arrows.
        self.tabs = SectionList("Admin sections", self)
        self.tabs.setObjectName("AdminTabs")
        layout.addWidget(self.tabs)
        self.sections: list[Section] = [
            NaturesSection(context, self),
            AreasSection(context, self),
            TimescalesSection(context, self),
            KpisSection(context, self),
            PoliciesSection(context, self),
            ClosureDaysSection(context, self),
        ]
        # Only an administrator changes users and roles.
        if context.allows(Permission.MANAGE_USERS):
            self.sections.append(UsersSection(context, self))
        self.letterhead = LetterheadSection(context, self)
        self.templates = TemplatesSection(context, self)
        self.mail = MailSection(context, self)
        pages: list[QWidget] = [*self.sections, self.letterhead, self.templates, self.mail]
        for section in pages:
            self.tabs.add_page(section, getattr(section, "name", ""))

    def reload(self) -> None:
        for section in self.sections:
            section.reload()
        self.templates.reload()
        # The letterhead and mail tabs edit the same settings: read once for both.
        letterhead, mail = self.letterhead, self.mail

        def loaded(settings: CorrespondenceSettings) -> None:
            letterhead.apply_settings(settings)
            mail.apply_settings(settings)

        self.context.op(letters_ops.mail_settings).on_done(loaded).on_error(
            letterhead.failed("loading the settings")
        ).run()
