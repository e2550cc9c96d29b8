"""The new case dialog (Ctrl+N): a complaint, compliment or comment as it comes in.

The lists (directorates, service areas, teams, natures) come from reference data and
follow the procedure chosen. Checks that need the database (late complaints, flagged
complainants, names that do not match) are the service's: its refusals are shown beside
the field they concern, its warnings to the officer once the case is saved.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.contact import is_email
from crm_desktop.domain.enums import Channel, Kind, Procedure, StageCode
from crm_desktop.errors import ValidationError
from crm_desktop.operations import cases
from crm_desktop.services.cases import CreatedCase, NewCase, PersonInput, PointInput
from crm_desktop.services.reference_admin import ReferenceChoices
from ui.context import AppContext
from ui.discard import KeepsTypedWork
from ui.widgets import (
    LEARNT_TIP,
    compact_combo,
    date_edit,
    error_label,
    error_text,
    field_label,
    from_qdate,
    known_date,
    show_error,
)

GRADES = (StageCode.LOW, StageCode.MODERATE_HIGH, StageCode.INFORMAL)
# Each field's Alt-key, chosen so that as many as can have one (given in the form's
# order, the letters free ran out at the complainant's phone). The buttons hold A (Add a
# complaint point), R (Record the case), C (Cancel) and V (a point's Remove); a date's
# "Known" box is reached by its row's key. The postcode, after the address, has none
# left (every letter of its name is taken).
FIELD_LETTERS = {
    "Kind": "k",
    "Procedure": "p",
    "Received on": "i",
    "How it came in": "w",
    "Directorate": "d",
    "Service area": "s",
    "Team": "t",
    "Adult complaint grade": "g",
    "Events happened on": "h",
    "Complainant learnt of them": "l",
    "Name": "n",
    "Email": "m",
    "Phone": "o",
    "Address": "e",
    "Summary": "y",
    "Desired outcome": "u",
    "Staff named": "f",
}
# The service's field names, mapped to this dialog's fields.
FIELD_KEYS = {
    "received date": "received_on",
    "date of the events": "events_on",
    "natures": "points",
    "person": "complainant",
    "email": "complainant",
}


class PointEditor(QWidget):
    """One complaint point being typed: its nature and what went wrong, each the width
    of the form (the description on a line of its own: beside the nature it was a box
    of 100 pixels, and the nature cut short)."""

    def __init__(self, number: int, natures: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel(f"Point {number}", self)
        layout.addWidget(self.label, 0, 0)
        self.nature = compact_combo(QComboBox(self), 16)
        self.nature.setAccessibleName(f"Point {number} nature")
        self.nature.addItem("Choose the nature…", "")
        for nature in natures:
            self.nature.addItem(nature, nature)
        layout.addWidget(self.nature, 0, 1)
        self.remove = QPushButton("Remo&ve", self)  # the form's fields keep clear of V
        self.remove.setAccessibleName(f"Remove point {number}")
        layout.addWidget(self.remove, 0, 2)
        self.description = QLineEdit(self)
        self.description.setAccessibleName(f"Point {number} description")
        self.description.setPlaceholderText("What went wrong, in the complainant's words")
        layout.addWidget(self.description, 1, 1, 1, 2)
        layout.setColumnStretch(1, 1)
        # Tab goes from the nature to what went wrong, then to Remove.
        QWidget.setTabOrder(self.nature, self.description)
        QWidget.setTabOrder(self.description, self.remove)

    def set_natures(self, natures: list[str]) -> None:
        current = self.nature.currentData()
        self.nature.clear()
        self.nature.addItem("Choose the nature…", "")
        for nature in natures:
            self.nature.addItem(nature, nature)
        self.nature.setCurrentIndex(max(0, self.nature.findData(current)))

    def value(self) -> PointInput | None:
        nature = self.nature.currentData()
        return PointInput(nature, self.description.text().strip()) if nature else None


# What each check of the form is about, as the message at the top names it.
_PROBLEM_NAMES = {
    "service_area": "the service area",
    "complainant": "the person who complained",
    "points": "the complaint points",
}


class NewCaseDialog(KeepsTypedWork):
    created = Signal(object)  # CreatedCase

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.choices: ReferenceChoices | None = None
        self.result_case: CreatedCase | None = None
        self.setObjectName("NewCaseDialog")
        self.setWindowTitle("New case")
        outer = QVBoxLayout(self)
        self.error = error_label("NewCaseError", self)
        outer.addWidget(self.error)
        scroll = QScrollArea(self)
        self.form_scroll = scroll
        scroll.setWidgetResizable(True)
        scroll.setAccessibleName("New case")
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # Tab goes through the form's fields, never to the scroll area holding them.
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        page = QWidget(scroll)
        scroll.setWidget(page)
        outer.addWidget(scroll, 1)
        form = QFormLayout(page)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.field_errors: dict[str, QLabel] = {}
        self.fields: dict[str, QWidget] = {}
        self.rows: dict[str, QWidget] = {}
        self._form = form
        # Each field's name has an Alt-key that puts the focus in it, none the buttons'
        # (FIELD_LETTERS). The main window's menus do not answer in this window, so their
        # letters are free here.
        keys = {"a", "r", "c", "v"}

        def label_for(text: str, field: QWidget) -> QLabel:
            prefer = FIELD_LETTERS.get(text, "")
            return field_label(text, field, keys, page, menus=frozenset(), prefer=prefer)

        def row(key: str, label: str, widget: QWidget) -> None:
            holder = QWidget(page)
            box = QVBoxLayout(holder)
            box.setContentsMargins(0, 0, 0, 0)
            box.addWidget(widget)
            message = error_label(f"{key.title().replace('_', '')}Error", holder)
            box.addWidget(message)
            self.field_errors[key] = message
            self.fields[key] = widget
            self.rows[key] = holder
            if not widget.accessibleName():
                widget.setAccessibleName(label)
            if isinstance(widget, QComboBox):
                compact_combo(widget)
            widget.setObjectName(label.title().replace(" ", "").replace("/", ""))
            form.addRow(label_for(label, widget), holder)

        self.kind = QComboBox(page)
        for kind in Kind:
            self.kind.addItem(kind.label, kind)
        row("kind", "Kind", self.kind)
        self.procedure = QComboBox(page)
        for procedure in (Procedure.CORPORATE, Procedure.CHILDREN, Procedure.ADULT):
            self.procedure.addItem(procedure.label, procedure)
        row("procedure", "Procedure", self.procedure)
        self.received_on = date_edit(context.today(), "Received on", page)
        self.received_on.setMaximumDate(self.received_on.date())
        row("received_on", "Received on", self.received_on)
        self.channel = QComboBox(page)
        self.channel.addItem("Not recorded", None)
        for channel in Channel:
            self.channel.addItem(channel.label, channel)
        row("channel", "How it came in", self.channel)
        self.directorate = QComboBox(page)
        row("directorate", "Directorate", self.directorate)
        self.service_area = QComboBox(page)
        row("service_area", "Service area", self.service_area)
        self.team = QComboBox(page)
        row("team", "Team", self.team)
        self.grade = QComboBox(page)
        self.grade.addItem("Choose the grade…", None)
        for grade in GRADES:
            self.grade.addItem(grade.label, grade)
        row("grade", "Adult complaint grade", self.grade)

        events, self.events_known, self.events_on = known_date(
            context.today(), "Date of the events", page
        )
        row("events_on", "Events happened on", events)
        noticed, self.noticed_known, self.noticed_on = known_date(
            context.today(), "Day the complainant learnt of the events", page, LEARNT_TIP
        )
        row("noticed_on", "Complainant learnt of them", noticed)

        person = QGroupBox("Who made it", page)
        person_form = QFormLayout(person)
        self.person_name = QLineEdit(person)
        self.person_name.setAccessibleName("Complainant's name")
        self.person_email = QLineEdit(person)
        self.person_email.setAccessibleName("Complainant's email")
        self.person_phone = QLineEdit(person)
        self.person_phone.setAccessibleName("Complainant's phone")
        self.person_address = QLineEdit(person)
        self.person_address.setAccessibleName("Complainant's address")
        self.person_postcode = QLineEdit(person)
        self.person_postcode.setAccessibleName("Complainant's postcode")
        self.person_name.setObjectName("ComplainantName")
        row("complainant", "Complainant", person)  # its fields have their own keys
        for text, field in (
            ("Name", self.person_name),
            ("Email", self.person_email),
            ("Phone", self.person_phone),
            ("Address", self.person_address),
            ("Postcode", self.person_postcode),
        ):
            person_form.addRow(label_for(text, field), field)

        self.summary = QPlainTextEdit(page)
        self.summary.setTabChangesFocus(True)
        self.summary.setMinimumHeight(self.summary.fontMetrics().lineSpacing() * 4)
        row("summary", "Summary", self.summary)
        self.desired = QPlainTextEdit(page)
        self.desired.setTabChangesFocus(True)
        self.desired.setMinimumHeight(self.desired.fontMetrics().lineSpacing() * 3)
        row("desired_outcome", "Desired outcome", self.desired)
        self.named_staff = QLineEdit(page)
        self.named_staff.setPlaceholderText("Names separated by commas")
        row("named_staff", "Staff named", self.named_staff)

        points = QWidget(page)
        self.points_layout = QVBoxLayout(points)
        self.points_layout.setContentsMargins(0, 0, 0, 0)
        self.point_editors: list[PointEditor] = []
        self.add_point_button = QPushButton("&Add a complaint point", points)
        self.add_point_button.setObjectName("AddPointButton")
        self.add_point_button.clicked.connect(self._add_point_by_hand)
        self.points_layout.addWidget(self.add_point_button, 0, Qt.AlignmentFlag.AlignLeft)
        row("points", "Complaint points", points)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText("&Record the case")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("&Cancel")
        self.save_button.setObjectName("RecordCaseButton")
        self.save_button.setEnabled(False)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        outer.addWidget(buttons)

        self.kind.currentIndexChanged.connect(self._kind_or_procedure_changed)
        self.procedure.currentIndexChanged.connect(self._kind_or_procedure_changed)
        self.directorate.currentIndexChanged.connect(self._directorate_changed)
        metrics = self.fontMetrics()
        self.resize(metrics.horizontalAdvance("M") * 60, metrics.height() * 50)
        self._load_choices()

    # -- reference lists ---------------------------------------------------------------

    def _load_choices(self) -> None:
        def failed(exc: BaseException) -> None:
            show_error(self.error, error_text(exc, "loading the lists"))

        self.context.op(cases.reference_choices).on_done(self._choices_loaded).on_error(
            failed
        ).run()

    def _choices_loaded(self, choices: ReferenceChoices) -> None:
        self.choices = choices
        self.save_button.setEnabled(True)
        self._kind_or_procedure_changed()
        if not self.point_editors:
            self.add_point()

    @property
    def kind_value(self) -> Kind:
        return Kind(self.kind.currentData())

    @property
    def procedure_value(self) -> Procedure:
        return Procedure(self.procedure.currentData())

    def _kind_or_procedure_changed(self) -> None:
        if self.choices is None:
            return
        kind, procedure = self.kind_value, self.procedure_value
        complaint = kind == Kind.COMPLAINT
        corporate = procedure == Procedure.CORPORATE
        self.directorate.blockSignals(True)
        self.directorate.clear()
        self.directorate.addItem("Choose the directorate…", "")
        for name in self.choices.directorates:
            self.directorate.addItem(name, name)
        self.directorate.blockSignals(False)
        self._set_row_visible("directorate", corporate)
        teams = list(self.choices.teams.get(procedure.value, ()))
        self.team.clear()
        self.team.addItem("(none)", "")
        for name in teams:
            self.team.addItem(name, name)
        self._set_row_visible("team", bool(teams))
        self._set_row_visible("grade", complaint and procedure == Procedure.ADULT)
        self._set_row_visible("points", complaint)
        self._set_row_visible("events_on", complaint)
        self._set_row_visible("noticed_on", complaint)
        self._set_row_visible("named_staff", kind == Kind.COMPLIMENT)
        self._directorate_changed()
        natures = list(self.choices.natures.get(procedure.value, ()))
        for editor in self.point_editors:
            editor.set_natures(natures)

    def _set_row_visible(self, key: str, visible: bool) -> None:
        self._form.setRowVisible(self.rows[key], visible)

    def _directorate_changed(self) -> None:
        if self.choices is None:
            return
        directorate = self.directorate.currentData() or None
        areas = self.choices.areas(
            self.procedure_value,
            directorate if self.procedure_value == Procedure.CORPORATE else None,
            kind=self.kind_value.value,
        )
        current = self.service_area.currentData()
        self.service_area.clear()
        self.service_area.addItem("Choose the service area…", "")
        for name in areas:
            self.service_area.addItem(name, name)
        self.service_area.setCurrentIndex(max(0, self.service_area.findData(current)))

    # -- points ------------------------------------------------------------------------

    def add_point(self) -> PointEditor:
        natures = (
            list(self.choices.natures.get(self.procedure_value.value, ())) if self.choices else []
        )
        editor = PointEditor(len(self.point_editors) + 1, natures, self)
        editor.remove.clicked.connect(lambda: self._remove_point(editor))
        # Made after the buttons, a new point would come after Cancel in the Tab order:
        # it goes after the last point (or Staff named), before "Add a complaint point".
        before = self.point_editors[-1].remove if self.point_editors else self.named_staff
        QWidget.setTabOrder(before, editor.nature)
        QWidget.setTabOrder(editor.nature, editor.description)
        QWidget.setTabOrder(editor.description, editor.remove)
        QWidget.setTabOrder(editor.remove, self.add_point_button)
        self.point_editors.append(editor)
        self.points_layout.insertWidget(self.points_layout.count() - 1, editor)
        return editor

    def _add_point_by_hand(self) -> None:
        """A point added with the button: the typing goes on in it."""
        self.add_point().nature.setFocus(Qt.FocusReason.OtherFocusReason)

    def _remove_point(self, editor: PointEditor) -> None:
        if editor not in self.point_editors:  # pressed twice before it went
            return
        place = self.point_editors.index(editor)
        self.point_editors.remove(editor)
        # Focus goes to the point that takes its place (or the one before it, or the
        # button to add one), not nowhere with the removed point.
        remaining = self.point_editors
        target: QWidget = (
            remaining[min(place, len(remaining) - 1)].nature if remaining else self.add_point_button
        )
        target.setFocus(Qt.FocusReason.OtherFocusReason)
        self.points_layout.removeWidget(editor)
        editor.hide()
        editor.deleteLater()
        for number, other in enumerate(self.point_editors, start=1):
            other.label.setText(f"Point {number}")

    # -- saving ------------------------------------------------------------------------

    def new_case(self) -> NewCase:
        kind, procedure = self.kind_value, self.procedure_value
        complaint = kind == Kind.COMPLAINT
        name = self.person_name.text().strip()
        person = (
            PersonInput(
                name,
                email=self.person_email.text().strip() or None,
                phone=self.person_phone.text().strip() or None,
                address=self.person_address.text().strip() or None,
                postcode=self.person_postcode.text().strip() or None,
            )
            if name
            else None
        )
        points = [p for p in (e.value() for e in self.point_editors) if p is not None]
        return NewCase(
            kind=kind,
            procedure=procedure,
            received_on=from_qdate(self.received_on.date()),
            service_area=self.service_area.currentData() or "",
            summary=self.summary.toPlainText().strip(),
            channel=Channel(self.channel.currentData()) if self.channel.currentData() else None,
            directorate=(self.directorate.currentData() or None)
            if procedure == Procedure.CORPORATE
            else None,
            team=self.team.currentData() or None,
            desired_outcome=self.desired.toPlainText().strip() or None,
            events_on=from_qdate(self.events_on.date())
            if complaint and self.events_known.isChecked()
            else None,
            noticed_on=from_qdate(self.noticed_on.date())
            if complaint and self.noticed_known.isChecked()
            else None,
            complainant=person,
            points=points if complaint else (),
            grade=self.grade.currentData() if complaint and procedure == Procedure.ADULT else None,
            named_staff=[n.strip() for n in self.named_staff.text().split(",") if n.strip()]
            if kind == Kind.COMPLIMENT
            else (),
        )

    def _check(self, new: NewCase) -> bool:
        # In the form's order (the first is where the focus goes).
        problems: dict[str, str] = {}
        if not new.service_area:
            problems["service_area"] = "Choose the service area."
        email = (new.complainant.email or "").strip() if new.complainant else ""
        if new.kind == Kind.COMPLAINT and new.complainant is None:
            problems["complainant"] = "Enter the name of the person who complained."
        elif email and not is_email(email):
            problems["complainant"] = (
                f"'{email}' is not an email address. Give one address, such as "
                "name@example.org, or leave it empty."
            )
        half: list[PointEditor] = []
        if new.kind == Kind.COMPLAINT:
            half = [e for e in self.point_editors if e.value() is None and e.description.text()]
            if half:
                problems["points"] = "Choose the nature of every point you described."
            elif not new.points:
                problems["points"] = "A complaint needs at least one point with its nature."
        for key, message in problems.items():
            show_error(self.field_errors[key], message)
        if problems:
            # Said at the top too: the form is longer than a laptop's screen, and the
            # message beside a field further down is out of sight.
            named = [_PROBLEM_NAMES[key] for key in problems]
            listed = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
            show_error(self.error, f"Nothing was recorded yet: check {listed} (marked below).")
            first = next(iter(problems))
            target: QWidget = (
                self.person_email
                if first == "complainant" and email and not is_email(email)
                else self.fields[first]
            )
            if first == "points":  # the nature to choose, not the points' container
                editors = half or self.point_editors
                target = editors[0].nature if editors else self.add_point_button
            target.setFocus()
            self.form_scroll.ensureWidgetVisible(target)
        return not problems

    def submit(self) -> None:
        for label in (self.error, *self.field_errors.values()):
            show_error(label, "")
        new = self.new_case()
        if not self._check(new):
            return
        self.save_button.setEnabled(False)
        self.context.op(cases.create_case, new).on_done(self._created).on_error(self._failed).run()

    def _created(self, created: CreatedCase) -> None:
        self.save_button.setEnabled(True)
        self.result_case = created
        if created.warnings:
            self.context.notifier.warning(
                f"{created.reference} recorded: please note", "\n\n".join(created.warnings)
            )
        self.created.emit(created)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        if isinstance(exc, ValidationError) and exc.field:
            key = FIELD_KEYS.get(exc.field, exc.field)
            if key in self.field_errors:
                show_error(self.field_errors[key], exc.message)
                self.fields[key].setFocus()
                return
        show_error(self.error, error_text(exc, "recording the case"))
