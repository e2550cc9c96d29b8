"""The Investigators page (staff): the pool of Investigating Officers, Independent Persons
and panel members, and what they cost.

The pool is a table (name, employee or external, home service area, available, current
load, fees, on-time record) with Add…, Edit…, Availability… and Fees…, each a small
dialog that sends its values through an operation (:mod:`crm_desktop.operations.investigators`)
and shows a refusal beside the field it concerns. Below it, the costs: one row per
financial year, and the appointments charged to the year chosen.

Appointing someone to a case is done from the case (People tab, "Appoint…"): the assign
dialog, ``ui.assign_dialog``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.domain.eligibility import is_available
from crm_desktop.domain.money import MoneyError, format_money, pounds_to_pence
from crm_desktop.errors import ConflictError, ValidationError
from crm_desktop.operations import investigators
from crm_desktop.operations.core import Change, Operation
from crm_desktop.operations.policy import Permission
from crm_desktop.services.investigators import CostReport, PoolMember, PoolMemberInput
from crm_desktop.services.reference_admin import ServiceAreaRow
from ui.context import AppContext
from ui.discard import KeepsTypedWork
from ui.pages import Page
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
    with_mnemonic,
)

# --------------------------------------------------------------------------- money


def money(pence: int | None) -> str:
    return "" if pence is None else format_money(pence)


def parse_money(text: str, what: str) -> int | None:
    """Pounds as typed ("350", "£350.00", "1,200.50") to pence; blank is no fee."""
    try:
        return pounds_to_pence(text)
    except MoneyError as exc:
        if exc.reason == "commas":
            raise ValueError(
                f"Enter the {what} in pounds, with commas only between thousands: "
                "for example 1,250.00 or 1250."
            ) from None
        if exc.reason == "negative":
            raise ValueError(f"The {what} cannot be less than {format_money(0)}.") from None
        if exc.reason == "pence":
            raise ValueError(
                f"The {what} is in pounds and pence: at most two decimal places."
            ) from None
        raise ValueError(f"Enter the {what} in pounds, for example 350 or 42.50.") from None


def fees_text(member: PoolMember) -> str:
    parts = []
    if member.hourly_fee_pence is not None:
        parts.append(f"{money(member.hourly_fee_pence)}/hour")
    if member.daily_fee_pence is not None:
        parts.append(f"{money(member.daily_fee_pence)}/day")
    return ", ".join(parts) or "No fee"


def hours_text(hours: float) -> str:
    """1,930 or 2.5: thousands separated, no decimals a whole number does not need."""
    return f"{hours:,.2f}".rstrip("0").rstrip(".")


def availability_text(member: PoolMember, today: dt.date) -> str:
    if is_available(member.available, member.unavailable_until, today):
        return "Yes"
    if member.unavailable_until is not None:
        return f"No, back {date_text(member.unavailable_until)}"
    return "No, until further notice"


def on_time_text(good: int, total: int) -> str:
    if total == 0:
        return "No reports yet"
    return f"{good} of {total} on time ({round(100 * good / total)}%)"


@dataclass(frozen=True)
class PoolRow:
    """A pool member as the table shows them."""

    member: PoolMember
    available_text: str


# --------------------------------------------------------------------------- dialogs


class FormDialog(KeepsTypedWork):
    """A small form whose refusals show beside the field they concern."""

    saved = Signal(object)  # what the operation returned

    def __init__(self, context: AppContext, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setWindowTitle(title)
        self.setModal(True)
        layout = QVBoxLayout(self)
        self.error = error_label("DialogError", self)
        layout.addWidget(self.error)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        layout.addLayout(self.form)
        self.fields: dict[str, QWidget] = {}
        self.field_errors: dict[str, QLabel] = {}
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setObjectName("SaveButton")
        layout.addWidget(self.buttons)

    def add(self, key: str, label: str, widget: QWidget) -> None:
        if not widget.accessibleName():
            widget.setAccessibleName(label)
        holder = QWidget(self)
        box = QVBoxLayout(holder)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(widget)
        message = error_label(f"{key.title().replace('_', '')}Error", holder)
        box.addWidget(message)
        self.fields[key] = widget
        self.field_errors[key] = message
        self.form.addRow(label, holder)

    def clear_errors(self) -> None:
        show_error(self.error, "")
        for label in self.field_errors.values():
            show_error(label, "")

    def field_error(self, key: str, message: str) -> None:
        label = self.field_errors.get(key)
        if label is None:
            show_error(self.error, message)
            return
        show_error(label, message)
        self.fields[key].setFocus()
        self.fit()

    def fit(self) -> None:
        """Grow to show the messages just shown (a label's height follows its text)."""
        self.resize(self.width(), max(self.height(), self.sizeHint().height()))

    def submit(self) -> None:  # pragma: no cover - each dialog has its own
        raise NotImplementedError

    def run(self, op: Operation[..., Any], *args: Any, doing: str) -> None:
        """Run ``op`` with ``args``; close on success."""
        self.save_button.setEnabled(False)

        def done(result: object) -> None:
            self.saved.emit(result)
            self.accept()

        def failed(exc: BaseException) -> None:
            self.save_button.setEnabled(True)
            if isinstance(exc, ValidationError) and exc.field in self.field_errors:
                self.field_error(exc.field, exc.message)
            elif isinstance(exc, ConflictError):
                show_error(self.error, exc.message)
            else:
                show_error(self.error, error_text(exc, doing))
            self.fit()

        self.context.op(op, *args).on_done(done).on_error(failed).run()


def _optional_date(
    parent: QWidget, name: str, day: dt.date | None, default: dt.date
) -> tuple[QWidget, QCheckBox, Any]:
    holder = QWidget(parent)
    box = QHBoxLayout(holder)
    box.setContentsMargins(0, 0, 0, 0)
    check = QCheckBox("Set", holder)
    check.setAccessibleName(f"{name} is set")
    edit = date_edit(day or default, name, holder)
    check.setChecked(day is not None)
    edit.setEnabled(day is not None)
    check.toggled.connect(edit.setEnabled)
    box.addWidget(check)
    box.addWidget(edit, 1)
    return holder, check, edit


class PoolMemberDialog(FormDialog):
    """Add someone to the pool, or edit a pool member's details."""

    def __init__(
        self,
        context: AppContext,
        areas: list[ServiceAreaRow],
        member: PoolMember | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            context, "Add to the pool" if member is None else f"Edit {member.full_name}", parent
        )
        self.setObjectName("PoolMemberDialog")
        self.member = member
        today = context.today()
        self.full_name = QLineEdit(member.full_name if member else "", self)
        self.full_name.setObjectName("FullName")
        self.add("full_name", "Name", self.full_name)
        self.title_edit = QLineEdit((member.title or "") if member else "", self)
        self.add("title", "Title", self.title_edit)
        self.email = QLineEdit((member.email or "") if member else "", self)
        self.email.setObjectName("Email")
        self.add("email", "Email", self.email)
        self.phone = QLineEdit((member.phone or "") if member else "", self)
        self.add("phone", "Phone", self.phone)
        self.is_employee = QCheckBox("An employee of the council", self)
        self.is_employee.setObjectName("IsEmployee")
        self.is_employee.setChecked(bool(member and member.is_employee))
        self.add("is_employee", "Employee", self.is_employee)
        self.area = compact_combo(QComboBox(self), 24)
        self.area.setObjectName("HomeServiceArea")
        self.area.addItem("(none: external)", None)
        for area in areas:
            if area.active or (member and member.home_service_area_id == area.id):
                self.area.addItem(f"{area.name} ({area.procedure})", area.id)
        if member and member.home_service_area_id is not None:
            self.area.setCurrentIndex(max(self.area.findData(member.home_service_area_id), 0))
        self.add("home_service_area_id", "Home service area", self.area)
        holder, self.left_set, self.left_on = _optional_date(
            self, "Left the council on", member.left_employment_on if member else None, today
        )
        self.add("left_employment_on", "Left the council on", holder)
        self.elected = QCheckBox("An elected member of the council", self)
        self.elected.setChecked(bool(member and member.is_elected_member))
        self.add("is_elected_member", "Member", self.elected)
        self.partner = QCheckBox("Spouse or civil partner of a member or officer", self)
        self.partner.setChecked(bool(member and member.is_partner_of_member_or_officer))
        self.add("is_partner_of_member_or_officer", "Partner", self.partner)
        holder, self.partner_left_set, self.partner_left_on = _optional_date(
            self,
            "Spouse or civil partner of a former employee who left on",
            member.partner_left_employment_on if member else None,
            today,
        )
        self.add("partner_left_employment_on", "Partner left the council on", holder)
        # The management line: an Investigating Officer may not investigate a service
        # they manage, or one in a directorate whose management line they are in.
        self.manages_area = compact_combo(QComboBox(self), 24)
        self.manages_area.setObjectName("ManagesServiceArea")
        self.manages_area.addItem("(none)", None)
        directorates: dict[int, str] = {}
        for area in areas:
            if area.directorate_id is not None and area.directorate:
                directorates[area.directorate_id] = area.directorate
            if area.active or (member and member.manages_service_area_id == area.id):
                self.manages_area.addItem(f"{area.name} ({area.procedure})", area.id)
        if member and member.manages_service_area_id is not None:
            self.manages_area.setCurrentIndex(
                max(self.manages_area.findData(member.manages_service_area_id), 0)
            )
        self.add("manages_service_area_id", "Manages service area", self.manages_area)
        self.manages_directorate = compact_combo(QComboBox(self), 24)
        self.manages_directorate.setObjectName("ManagesDirectorate")
        self.manages_directorate.addItem("(none)", None)
        for directorate_id, name in sorted(directorates.items(), key=lambda item: item[1]):
            self.manages_directorate.addItem(name, directorate_id)
        if member and member.manages_directorate_id is not None:
            self.manages_directorate.setCurrentIndex(
                max(self.manages_directorate.findData(member.manages_directorate_id), 0)
            )
        self.add("manages_directorate_id", "In the management line of", self.manages_directorate)
        self.available = QCheckBox("Available for new appointments", self)
        self.available.setChecked(member.available if member else True)
        self.add("available", "Available", self.available)
        holder, self.until_set, self.until = _optional_date(
            self, "Unavailable until", member.unavailable_until if member else None, today
        )
        self.add("unavailable_until", "Unavailable until", holder)
        self.hourly = QLineEdit(money(member.hourly_fee_pence).lstrip("£") if member else "", self)
        self.hourly.setObjectName("HourlyFee")
        self.hourly.setPlaceholderText("£ an hour; blank for none")
        self.add("hourly_fee_pence", "Hourly fee (£)", self.hourly)
        self.daily = QLineEdit(money(member.daily_fee_pence).lstrip("£") if member else "", self)
        self.daily.setObjectName("DailyFee")
        self.daily.setPlaceholderText("£ a day; blank for none")
        self.add("daily_fee_pence", "Daily fee (£)", self.daily)
        self.notes = QPlainTextEdit((member.notes or "") if member else "", self)
        self.notes.setTabChangesFocus(True)
        self.notes.setMaximumHeight(self.fontMetrics().height() * 4)
        self.add("notes", "Notes", self.notes)
        self.sign_in: QCheckBox | None = None
        if member is None and context.allows(Permission.MANAGE_USERS):
            self._build_sign_in()
        metrics = self.fontMetrics()
        self.resize(metrics.horizontalAdvance("M") * 40, self.sizeHint().height())

    def _build_sign_in(self) -> None:
        """A new investigator's own sign-in, made with their pool record (administrators)."""
        self.sign_in = QCheckBox("Give them their own sign-in to this program", self)
        self.sign_in.setObjectName("GiveSignIn")
        self.add("sign_in", "Sign-in", self.sign_in)
        self.username = QLineEdit(self)
        self.username.setObjectName("SignInUsername")
        self.add("username", "Username", self.username)
        self.password = QLineEdit(self)
        self.password.setObjectName("SignInPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.add("password", "Password", self.password)
        self.confirm = QLineEdit(self)
        self.confirm.setObjectName("SignInConfirm")
        self.confirm.setEchoMode(QLineEdit.EchoMode.Password)
        self.add("confirm", "Password again", self.confirm)
        note = QLabel(
            "They will see only the cases they are appointed to, and only what they need of them.",
            self,
        )
        note.setWordWrap(True)
        self.form.addRow(note)

        def toggled(on: bool) -> None:
            for widget in (self.username, self.password, self.confirm):
                widget.setEnabled(on)

        self.sign_in.toggled.connect(toggled)
        toggled(False)

    def data(self) -> PoolMemberInput | None:
        """The values typed, or None (with the message beside the field) if a fee is not
        a sum of money."""
        fees: dict[str, int | None] = {}
        for key, edit, what in (
            ("hourly_fee_pence", self.hourly, "hourly fee"),
            ("daily_fee_pence", self.daily, "daily fee"),
        ):
            try:
                fees[key] = parse_money(edit.text(), what)
            except ValueError as exc:
                self.field_error(key, str(exc))
                return None
        return PoolMemberInput(
            full_name=self.full_name.text(),
            title=self.title_edit.text(),
            email=self.email.text(),
            phone=self.phone.text(),
            # Not edited here: kept as they are.
            address=self.member.address if self.member else None,
            postcode=self.member.postcode if self.member else None,
            is_employee=self.is_employee.isChecked(),
            home_service_area_id=self.area.currentData(),
            left_employment_on=from_qdate(self.left_on.date())
            if self.left_set.isChecked()
            else None,
            is_elected_member=self.elected.isChecked(),
            is_partner_of_member_or_officer=self.partner.isChecked(),
            partner_left_employment_on=from_qdate(self.partner_left_on.date())
            if self.partner_left_set.isChecked()
            else None,
            manages_service_area_id=self.manages_area.currentData(),
            manages_directorate_id=self.manages_directorate.currentData(),
            available=self.available.isChecked(),
            unavailable_until=from_qdate(self.until.date()) if self.until_set.isChecked() else None,
            daily_fee_pence=fees["daily_fee_pence"],
            hourly_fee_pence=fees["hourly_fee_pence"],
            notes=self.notes.toPlainText(),
        )

    def submit(self) -> None:
        self.clear_errors()
        data = self.data()
        if data is None:
            return
        member = self.member
        if member is None and self.sign_in is not None and self.sign_in.isChecked():
            self.run(
                investigators.add_to_pool_with_sign_in,
                data,
                self.username.text(),
                self.password.text() or None,
                self.confirm.text(),
                doing="adding to the pool",
            )
        elif member is None:
            self.run(investigators.add_to_pool, data, doing="adding to the pool")
        else:
            self.run(
                investigators.edit_pool_member,
                member.id,
                member.version,
                data,
                doing="saving the pool member",
            )


class AvailabilityDialog(FormDialog):
    def __init__(self, context: AppContext, member: PoolMember, parent: QWidget | None = None):
        super().__init__(context, f"Availability of {member.full_name}", parent)
        self.setObjectName("AvailabilityDialog")
        self.member = member
        self.available = QCheckBox("Available for new appointments", self)
        self.available.setObjectName("Available")
        self.available.setChecked(member.available)
        self.add("available", "Available", self.available)
        holder, self.until_set, self.until = _optional_date(
            self, "Unavailable until", member.unavailable_until, context.today()
        )
        self.add("unavailable_until", "Back on", holder)

    def submit(self) -> None:
        self.clear_errors()
        available = self.available.isChecked()
        until = from_qdate(self.until.date()) if self.until_set.isChecked() else None
        self.run(
            investigators.set_availability,
            self.member.id,
            available,
            until,
            doing="saving the availability",
        )


class FeesDialog(FormDialog):
    def __init__(self, context: AppContext, member: PoolMember, parent: QWidget | None = None):
        super().__init__(context, f"Fees of {member.full_name}", parent)
        self.setObjectName("FeesDialog")
        self.member = member
        self.hourly = QLineEdit(money(member.hourly_fee_pence).lstrip("£"), self)
        self.hourly.setObjectName("HourlyFee")
        self.hourly.setPlaceholderText("£ an hour; blank for none")
        self.add("hourly_fee_pence", "Hourly fee (£)", self.hourly)
        self.daily = QLineEdit(money(member.daily_fee_pence).lstrip("£"), self)
        self.daily.setObjectName("DailyFee")
        self.daily.setPlaceholderText("£ a day; blank for none")
        self.add("daily_fee_pence", "Daily fee (£)", self.daily)
        note = QLabel(
            "Fees already worked out for past hours stay as they were; new hours use these.",
            self,
        )
        note.setWordWrap(True)
        self.form.addRow(note)

    def submit(self) -> None:
        self.clear_errors()
        try:
            hourly = parse_money(self.hourly.text(), "hourly fee")
        except ValueError as exc:
            self.field_error("hourly_fee_pence", str(exc))
            return
        try:
            daily = parse_money(self.daily.text(), "daily fee")
        except ValueError as exc:
            self.field_error("daily_fee_pence", str(exc))
            return
        self.run(investigators.set_fees, self.member.id, hourly, daily, doing="saving the fees")


# --------------------------------------------------------------------------- the page


class InvestigatorsPage(Page):
    """The pool and its costs."""

    title = "Investigators"
    cares_about = frozenset({Change.POOL, Change.APPOINTMENTS, Change.CASES, Change.REFERENCE_DATA})

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.setObjectName("InvestigatorsPage")
        self.areas: list[ServiceAreaRow] = []
        self.costs: CostReport | None = None
        self.dialog: FormDialog | None = None
        layout = QVBoxLayout(self)
        heading = QLabel("Investigators, Independent Persons and panel members", self)
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        heading.setFont(font)
        layout.addWidget(heading)
        intro = QLabel(
            "The pool people are appointed from. To appoint someone to a case, open the case "
            "and use Appoint… on its People tab: it checks who may take the role and why.",
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.error = error_label("InvestigatorsError", self)
        layout.addWidget(self.error)

        buttons = QHBoxLayout()
        keys: set[str] = set()
        self.add_button = QPushButton(with_mnemonic("Add person…", keys), self)
        self.add_button.setObjectName("AddPoolMemberButton")
        self.add_button.clicked.connect(self.add_member)
        self.edit_button = QPushButton(with_mnemonic("Edit…", keys), self)
        self.edit_button.setObjectName("EditPoolMemberButton")
        self.edit_button.clicked.connect(self.edit_member)
        self.availability_button = QPushButton("Availability…", self)
        self.availability_button.setObjectName("AvailabilityButton")
        self.availability_button.clicked.connect(self.edit_availability)
        self.fees_button = QPushButton(with_mnemonic("Fees…", keys), self)
        self.fees_button.setObjectName("FeesButton")
        self.fees_button.clicked.connect(self.edit_fees)
        for button in (
            self.add_button,
            self.edit_button,
            self.availability_button,
            self.fees_button,
        ):
            button.setEnabled(context.allows(Permission.MANAGE_POOL))
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.count_label = QLabel("", self)
        buttons.addWidget(self.count_label)
        layout.addLayout(buttons)

        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.setChildrenCollapsible(False)
        self.pool_model = RowsModel(
            [
                Column("Name", lambda r: r.member.full_name),
                Column("Employee or external", lambda r: _kind_text(r.member)),
                Column("Home service area", lambda r: r.member.home_service_area or ""),
                Column("Available", lambda r: r.available_text),
                Column("Current load", lambda r: r.member.open_assignments, align_right=True),
                Column("Fees", lambda r: fees_text(r.member)),
                Column(
                    "On-time record",
                    lambda r: on_time_text(r.member.reports_on_time, r.member.reports_completed),
                ),
            ],
            self,
            tone=lambda r: None if r.available_text == "Yes" else "amber",
            tone_column=3,
        )
        self.pool_view = table_view(self.pool_model, "Investigator pool", self)
        self.pool_view.doubleClicked.connect(lambda _index: self.edit_member())
        splitter.addWidget(self.pool_view)

        costs = QWidget(self)
        costs_layout = QVBoxLayout(costs)
        costs_layout.setContentsMargins(0, 0, 0, 0)
        costs_head = QHBoxLayout()
        costs_head.addWidget(QLabel("Costs by financial year (1 April to 31 March)", costs))
        costs_head.addStretch(1)
        costs_head.addWidget(QLabel("Year", costs))
        self.year = compact_combo(QComboBox(costs), 10)
        self.year.setObjectName("CostYear")
        self.year.setAccessibleName("Financial year")
        self.year.currentIndexChanged.connect(self._year_chosen)
        costs_head.addWidget(self.year)
        costs_layout.addLayout(costs_head)
        self.total_label = QLabel("", costs)
        self.total_label.setObjectName("CostTotal")
        costs_layout.addWidget(self.total_label)
        tables = QHBoxLayout()
        self.years_model = RowsModel(
            [
                Column("Year", lambda y: y.label),
                Column("Hours", lambda y: hours_text(y.hours), align_right=True),
                Column("Fees", lambda y: money(y.fee_pence), align_right=True),
            ],
            costs,
        )
        years_view = table_view(self.years_model, "Costs by year", costs)
        years_view.setMinimumWidth(self.fontMetrics().horizontalAdvance("M") * 20)
        years_view.setMaximumWidth(self.fontMetrics().horizontalAdvance("M") * 30)
        tables.addWidget(years_view)
        self.lines_model = RowsModel(
            [
                Column("Case", lambda c: c.reference),
                Column("Person", lambda c: c.person_name),
                Column("Role", lambda c: c.role.label),
                Column("Status", lambda c: c.status.label),
                Column("Hours", lambda c: "" if c.hours is None else hours_text(c.hours)),
                Column("Fee", lambda c: money(c.fee_pence), align_right=True),
                Column("How worked out", lambda c: c.basis),
            ],
            costs,
        )
        tables.addWidget(table_view(self.lines_model, "Costs of the year", costs), 1)
        costs_layout.addLayout(tables, 1)
        splitter.addWidget(costs)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout.addWidget(splitter, 1)

    # -- loading ---------------------------------------------------------------------

    def reload(self) -> None:
        def failed(doing: str) -> Callable[[BaseException], None]:
            return lambda exc: show_error(self.error, error_text(exc, doing))

        show_error(self.error, "")
        self.context.op(investigators.pool).on_done(self.show_pool).on_error(
            failed("loading the pool")
        ).run()
        self.context.op(investigators.costs).on_done(self.show_costs).on_error(
            failed("loading the costs")
        ).run()
        self.context.op(investigators.pool_areas).on_done(self._areas_loaded).on_error(
            failed("loading the service areas")
        ).run()

    def _areas_loaded(self, areas: list[ServiceAreaRow]) -> None:
        self.areas = areas

    def show_pool(self, members: list[PoolMember]) -> None:
        today = self.context.today()
        rows = [PoolRow(m, availability_text(m, today)) for m in members]
        chosen = selected_row(self.pool_view)
        self.pool_model.set_rows(rows)
        if chosen is not None:
            for row, item in enumerate(rows):
                if item.member.id == chosen.member.id:
                    self.pool_view.selectRow(row)
        count = len(rows)
        self.count_label.setText(f"{count} {'person' if count == 1 else 'people'} in the pool")

    def show_costs(self, costs: CostReport) -> None:
        self.costs = costs
        self.years_model.set_rows(costs.by_year)
        current = self.year.currentData()
        self.year.blockSignals(True)
        self.year.clear()
        self.year.addItem("All years", None)
        for year in reversed(costs.by_year):
            self.year.addItem(year.label, year.financial_year)
        index = self.year.findData(current)
        self.year.setCurrentIndex(max(index, 0))
        self.year.blockSignals(False)
        self._year_chosen()

    def _year_chosen(self, *_args: Any) -> None:
        if self.costs is None:
            return
        year = self.year.currentData()
        lines = [c for c in self.costs.lines if year is None or c.financial_year == year]
        self.lines_model.set_rows(lines)
        total = sum(c.fee_pence for c in lines)
        hours = sum(c.hours or 0.0 for c in lines)
        which = "all years" if year is None else self.year.currentText()
        self.total_label.setText(
            f"Total for {which}: {money(total)} for {hours_text(hours)} hours, "
            f"{len(lines)} appointment{'s' if len(lines) != 1 else ''}."
        )

    # -- actions ---------------------------------------------------------------------

    def selected_member(self) -> PoolMember | None:
        row = selected_row(self.pool_view)
        return None if row is None else row.member

    def _need_member(self) -> PoolMember | None:
        member = self.selected_member()
        if member is None:
            show_error(self.error, "Select someone in the pool first.")
        return member

    def _open(self, dialog: FormDialog) -> FormDialog:
        show_error(self.error, "")
        self.dialog = dialog
        dialog.open()
        return dialog

    def add_member(self) -> FormDialog | None:
        if self.context.database is None:
            return None
        return self._open(PoolMemberDialog(self.context, self.areas, None, self))

    def edit_member(self) -> FormDialog | None:
        member = self._need_member()
        if member is None:
            return None
        return self._open(PoolMemberDialog(self.context, self.areas, member, self))

    def edit_availability(self) -> FormDialog | None:
        member = self._need_member()
        return (
            None if member is None else self._open(AvailabilityDialog(self.context, member, self))
        )

    def edit_fees(self) -> FormDialog | None:
        member = self._need_member()
        return None if member is None else self._open(FeesDialog(self.context, member, self))


def _kind_text(member: PoolMember) -> str:
    if member.is_employee:
        return "Employee"
    if member.left_employment_on is not None:
        return f"External (left the council {date_text(member.left_employment_on)})"
    return "External"


__all__ = [
    "AvailabilityDialog",
    "FeesDialog",
    "InvestigatorsPage",
    "PoolMemberDialog",
    "money",
    "parse_money",
]
