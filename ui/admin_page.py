"""Admin: reference data and users.

Each section is a list (a Qt model over the rows an ``operations.admin`` operation
returns) and an editor for the selected row; every load and change is an operation, so
the access policy decides who may use each section. Saving sends the row's version: if
another manager saved it meanwhile, the section says who and when and offers to reload
the list while keeping what was typed in the editor.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.domain.enums import Procedure, StageCode, UserRole
from crm_desktop.errors import ConflictError
from crm_desktop.operations import admin
from crm_desktop.operations.core import Change, Operation
from crm_desktop.services import reference_admin as ra
from ui.context import AppContext
from ui.ops import PendingOp
from ui.pages import Page
from ui.widgets import (
    Column,
    RowsModel,
    date_edit,
    date_text,
    error_text,
    from_qdate,
    table_view,
    tone_style,
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

    def __init__(self, context: AppContext, columns: list[Column], parent: QWidget) -> None:
        super().__init__(parent)
        self.context = context
        self.current_id: Any = None
        self.keep_typing = False
        self.setObjectName(self.name.title().replace(" ", "") + "Section")
        layout = QVBoxLayout(self)
        self.model = RowsModel(columns, self)
        self.view = table_view(self.model, self.name, self)
        self.view.selectionModel().currentRowChanged.connect(self._row_chosen)
        layout.addWidget(self.view, 1)
        self.message = QLabel("", self)
        self.message.setObjectName("AdminMessage")
        self.message.setWordWrap(True)
        self.message.setVisible(False)
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
        self.save_button = QPushButton("Save changes", self.editor)
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

    def say(self, text: str, tone: str | None = None) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(tone_style(tone) if tone else "")
        self.message.setVisible(bool(text))

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

    def run(self, change: PendingOp[Any], done_text: str) -> None:
        """Run a change, then show the list again (the runner announces the change to
        the other screens)."""

        def done(_result: Any) -> None:
            self.say(done_text)
            self.reload()

        def failed(exc: BaseException) -> None:
            if isinstance(exc, ConflictError):
                self.say(exc.message, "amber")
                self.reload_button.setVisible(True)
                return
            self.say(error_text(exc, "saving"), "red")

        self.say("")
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
        adder = QGroupBox("Add a nature", self)
        form = QHBoxLayout(adder)
        self.new_procedure = QComboBox(adder)
        self.new_procedure.setAccessibleName("Procedure of the new nature")
        for procedure in Procedure:
            self.new_procedure.addItem(procedure.label, procedure.value)
        form.addWidget(self.new_procedure)
        self.new_name = QLineEdit(adder)
        self.new_name.setAccessibleName("New nature")
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
        self.new_name.clear() if name.strip() else None
        self.run(self.context.op(admin.add_nature, procedure, name), f"Added '{name.strip()}'.")


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

    def fill_editor(self, row: ra.KpiRow) -> None:
        self.edit_target.setValue(row.target_percent)
        self.edit_active.setChecked(row.active)

    def change(self, row: ra.KpiRow) -> PendingOp[Any]:
        target, active = self.edit_target.value(), self.edit_active.isChecked()
        return self.context.op(admin.set_kpi_target, row.id, row.version, target, active)


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
        self.save_button.setText("Remove it")
        adder = QGroupBox("Add a council closure day", self)
        form = QHBoxLayout(adder)
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
        self.run(self.change(row), f"Removed {date_text(row.day)}.")

    def add(self) -> None:
        day, name = from_qdate(self.new_day.date()), self.new_name.text()
        self.run(self.context.op(admin.add_closure_day, day, name), f"Added {date_text(day)}.")


# -------------------------------------------------------------------------------- users


class UsersSection(Section):
    name = "Users and roles"
    lister = admin.user_accounts

    def __init__(self, context: AppContext, parent: QWidget) -> None:
        super().__init__(
            context,
            [
                Column("Username", lambda r: r.username),
                Column("Name", lambda r: r.display_name),
                Column("Role", lambda r: r.role.capitalize()),
                Column("Can sign in", lambda r: _yes(r.active) + (" (locked)" if r.locked else "")),
                Column("Windows account", lambda r: r.windows_account or ""),
            ],
            parent,
        )
        adder = QGroupBox("Add a user", self)
        form = QFormLayout(adder)
        self.new_username = QLineEdit(adder)
        self.new_username.setAccessibleName("New user's username")
        form.addRow("Username", self.new_username)
        self.new_name = QLineEdit(adder)
        self.new_name.setAccessibleName("New user's name")
        form.addRow("Name", self.new_name)
        self.new_role = self._roles(adder)
        form.addRow("Role", self.new_role)
        self.new_password = QLineEdit(adder)
        self.new_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.new_password.setAccessibleName("New user's password")
        form.addRow("Password", self.new_password)
        self.new_confirm = QLineEdit(adder)
        self.new_confirm.setEchoMode(QLineEdit.EchoMode.Password)
        self.new_confirm.setAccessibleName("New user's password again")
        form.addRow("Password again", self.new_confirm)
        self.new_windows = QLineEdit(adder)
        self.new_windows.setAccessibleName("New user's Windows account")
        self.new_windows.setPlaceholderText("DOMAIN\\username (optional)")
        form.addRow("Windows account", self.new_windows)
        add = QPushButton("Add user", adder)
        add.setObjectName("AddUserButton")
        add.clicked.connect(self.add)
        form.addRow("", add)
        _layout_of(self).addWidget(adder)

    def _roles(self, parent: QWidget) -> QComboBox:
        combo = QComboBox(parent)
        combo.setAccessibleName("Role")
        for role in (
            UserRole.OFFICER,
            UserRole.SERVICE_RESPONDER,
            UserRole.MANAGER,
            UserRole.ADMIN,
        ):
            combo.addItem(role.value.capitalize(), role.value)
        return combo

    def build_editor(self, form: QFormLayout) -> None:
        self.edit_name = QLineEdit(self)
        self.edit_name.setAccessibleName("User's name")
        form.addRow("Name", self.edit_name)
        self.edit_role = self._roles(self)
        self.edit_role.addItem("Investigator", UserRole.INVESTIGATOR.value)
        form.addRow("Role", self.edit_role)
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
        set_password = QPushButton("Set password", password)
        set_password.clicked.connect(self.set_password)
        box.addWidget(self.edit_password, 1)
        box.addWidget(self.edit_confirm, 1)
        box.addWidget(set_password)
        form.addRow("Password", password)

    def fill_editor(self, row: ra.UserRow) -> None:
        self.edit_name.setText(row.display_name)
        self.edit_role.setCurrentIndex(max(0, self.edit_role.findData(row.role)))
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
            f"Password set for {row.username}.",
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
        )
        self.new_password.clear()
        self.new_confirm.clear()
        self.run(change, f"Added {username.strip().lower()}.")


class AdminPage(Page):
    title = "Admin"
    cares_about = frozenset(
        {Change.REFERENCE_DATA, Change.USERS, Change.CALENDAR, Change.TEMPLATES}
    )

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.setObjectName("AdminPage")
        layout = QVBoxLayout(self)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("AdminTabs")
        layout.addWidget(self.tabs)
        self.sections: list[Section] = [
            NaturesSection(context, self),
            AreasSection(context, self),
            TimescalesSection(context, self),
            KpisSection(context, self),
            ClosureDaysSection(context, self),
            UsersSection(context, self),
        ]
        for section in self.sections:
            scroll = QScrollArea(self)
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QFrame.Shape.NoFrame)
            scroll.setWidget(section)
            self.tabs.addTab(scroll, section.name)

    def reload(self) -> None:
        for section in self.sections:
            section.reload()
