"""Admin: the letterhead, the letter and email templates, and the mail settings.

Each is a tab of the Admin page. Every load and save is an operation
(:mod:`crm_desktop.operations.correspondence`), so only a role that may change
templates and settings can use them. The letterhead and the mail settings each save
only their own settings (``change_settings``), so two managers editing the two tabs do
not undo each other's work. A template's preview shows it filled in with example
values, never its field codes; "Send a test email" tries the mail settings as typed,
before they are saved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTime, QTimer
from PySide6.QtGui import QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.correspondence.settings import (
    CorrespondenceSettings,
    parse_addresses,
)
from crm_desktop.correspondence.templates import RenderedText, TemplateText, TemplateView
from crm_desktop.errors import ValidationError
from crm_desktop.operations import correspondence as letters_ops
from ui.context import AppContext
from ui.discard import KeepsTypedWork
from ui.files import AskPath, ask_open_path
from ui.widgets import error_text, tone_style

__all__ = ["LetterheadSection", "MailSection", "TemplatesSection"]

AskFolder = Callable[[QWidget, str, str], str]


def ask_folder(parent: QWidget, title: str, suggested: str) -> str:
    return QFileDialog.getExistingDirectory(parent, title, suggested)


class _SetupTab(QWidget):
    """A tab of settings with a message line."""

    name = "Settings"

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setObjectName(self.name.title().replace(" ", "") + "Section")
        self.layout_ = QVBoxLayout(self)
        self.message = QLabel("", self)
        self.message.setObjectName("SetupMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setVisible(False)

    def say(self, text: str, tone: str | None = None) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(tone_style(tone) if tone else "")
        self.message.setVisible(bool(text))

    def failed(self, doing: str) -> Callable[[BaseException], None]:
        def show(exc: BaseException) -> None:
            self.say(error_text(exc, doing), "red")

        return show

    def reload(self) -> None:  # pragma: no cover - each tab has its own
        raise NotImplementedError


# ------------------------------------------------------------------------ settings


class _SettingsTab(_SetupTab):
    """A tab editing some of the letter and mail settings."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.settings: CorrespondenceSettings | None = None
        self.save_button = QPushButton("Save", self)
        self.save_button.setObjectName("SaveSettingsButton")
        self.save_button.clicked.connect(self.save)

    def reload(self) -> None:
        self.context.op(letters_ops.mail_settings).on_done(self.apply_settings).on_error(
            self.failed("loading the settings")
        ).run()

    def apply_settings(self, settings: CorrespondenceSettings) -> None:
        """Show ``settings`` (read or just saved)."""
        self.settings = settings
        self.fill(settings)

    def fill(self, settings: CorrespondenceSettings) -> None:
        raise NotImplementedError

    def changes(self) -> dict[str, object]:
        raise NotImplementedError

    def save(self) -> None:
        self.say("")
        self.save_button.setEnabled(False)

        def done(settings: CorrespondenceSettings) -> None:
            self.save_button.setEnabled(True)
            self.apply_settings(settings)
            self.say(f"Saved {dt.datetime.now():%H:%M}.")

        def failed(exc: BaseException) -> None:
            self.save_button.setEnabled(True)
            self.failed("saving the settings")(exc)

        self.context.op(letters_ops.change_settings, self.changes()).on_done(done).on_error(
            failed
        ).run()


def _line(parent: QWidget, name: str, accessible: str, placeholder: str = "") -> QLineEdit:
    edit = QLineEdit(parent)
    edit.setObjectName(name)
    edit.setAccessibleName(accessible)
    if placeholder:
        edit.setPlaceholderText(placeholder)
    return edit


def _spin(parent: QWidget, name: str, accessible: str, low: int, high: int) -> QSpinBox:
    spin = QSpinBox(parent)
    spin.setObjectName(name)
    spin.setAccessibleName(accessible)
    spin.setRange(low, high)
    return spin


class LetterheadSection(_SettingsTab):
    """The council's name, address, telephone, email and logo on every letter; the
    name heads the annual report's cover too."""

    name = "Letterhead"

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.ask_open: AskPath = ask_open_path
        intro = QLabel(
            "What every letter is printed under. The council's name also heads the annual "
            "report's cover and every page of it.",
            self,
        )
        intro.setWordWrap(True)
        self.layout_.addWidget(intro)
        form = QFormLayout()
        self.council_name = _line(self, "CouncilName", "Council name", "Malvern Hills Council")
        form.addRow("Council name", self.council_name)
        self.council_address = QPlainTextEdit(self)
        self.council_address.setObjectName("CouncilAddress")
        self.council_address.setAccessibleName("Council address")
        self.council_address.setPlaceholderText("One line each: building, street, town, postcode")
        self.council_address.setTabChangesFocus(True)
        self.council_address.setFixedHeight(self.fontMetrics().lineSpacing() * 5 + 12)
        form.addRow("Address", self.council_address)
        self.council_phone = _line(self, "CouncilPhone", "Team telephone number")
        form.addRow("Telephone", self.council_phone)
        self.council_email = _line(self, "CouncilEmail", "Team email address")
        form.addRow("Email", self.council_email)
        logo_row = QWidget(self)
        box = QHBoxLayout(logo_row)
        box.setContentsMargins(0, 0, 0, 0)
        self.logo_path = _line(
            logo_row, "LogoPath", "Logo file", "A PNG or JPEG every user can open"
        )
        self.logo_path.textChanged.connect(self._show_logo)
        choose = QPushButton("Choose…", logo_row)
        choose.setObjectName("ChooseLogoButton")
        choose.clicked.connect(self.choose_logo)
        clear = QPushButton("No logo", logo_row)
        clear.clicked.connect(self.logo_path.clear)
        box.addWidget(self.logo_path, 1)
        box.addWidget(choose)
        box.addWidget(clear)
        form.addRow("Logo", logo_row)
        self.logo = QLabel("", self)
        self.logo.setObjectName("LogoPreview")
        self.logo.setAccessibleName("Logo as it will be printed")
        form.addRow("", self.logo)
        self.layout_.addLayout(form)
        self.layout_.addWidget(self.message)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        self.save_button.setText("Save the letterhead")
        self.layout_.addLayout(buttons)
        self.layout_.addStretch(1)

    def fill(self, settings: CorrespondenceSettings) -> None:
        self.council_name.setText(settings.council_name)
        self.council_address.setPlainText(settings.council_address)
        self.council_phone.setText(settings.council_phone)
        self.council_email.setText(settings.council_email)
        self.logo_path.setText(settings.logo_path)

    def changes(self) -> dict[str, object]:
        return {
            "council_name": self.council_name.text().strip(),
            "council_address": self.council_address.toPlainText().strip("\n"),
            "council_phone": self.council_phone.text().strip(),
            "council_email": self.council_email.text().strip(),
            "logo_path": self.logo_path.text().strip(),
        }

    def choose_logo(self) -> None:
        chosen = self.ask_open(
            self,
            "Choose the letterhead logo",
            self.logo_path.text(),
            "Pictures (*.png *.jpg *.jpeg)",
        )
        if chosen:
            self.logo_path.setText(chosen)

    def _show_logo(self, path: str) -> None:
        path = path.strip()
        if not path:
            self.logo.clear()
            self.logo.setText("No logo: letters have the council's name at the top.")
            return
        picture = QPixmap(path) if Path(path).is_file() else QPixmap()
        if picture.isNull():
            self.logo.clear()
            self.logo.setText("This file cannot be shown as a picture.")
            return
        height = self.fontMetrics().lineSpacing() * 4
        self.logo.setPixmap(
            picture.scaledToHeight(height, Qt.TransformationMode.SmoothTransformation)
        )


class MailSection(_SettingsTab):
    """How emails are sent, when reminders go, and who escalations go to."""

    name = "Mail settings"

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.ask_folder: AskFolder = ask_folder
        sending = QGroupBox("Sending emails", self)
        form = QFormLayout(sending)
        self.smtp_host = _line(
            sending, "SmtpHost", "Mail server", "smtp.council.gov.uk (blank: save emails as files)"
        )
        form.addRow("Mail server", self.smtp_host)
        self.smtp_port = _spin(sending, "SmtpPort", "Mail server port", 0, 65535)
        self.smtp_port.setSpecialValueText("Usual (587, or 25 without STARTTLS)")
        form.addRow("Port", self.smtp_port)
        self.smtp_starttls = QCheckBox("Use STARTTLS (encrypt the connection)", sending)
        self.smtp_starttls.setObjectName("SmtpStartTls")
        form.addRow("", self.smtp_starttls)
        self.smtp_user = _line(sending, "SmtpUser", "Mail server user", "If the server asks")
        form.addRow("User", self.smtp_user)
        self.smtp_password = _line(sending, "SmtpPassword", "Mail server password")
        self.smtp_password.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("Password", self.smtp_password)
        self.smtp_from = _line(
            sending, "SmtpFrom", "From address", "complaints@council.gov.uk (blank: the team's)"
        )
        form.addRow("From", self.smtp_from)
        self.smtp_timeout = _spin(sending, "SmtpTimeout", "Mail server timeout", 1, 600)
        self.smtp_timeout.setSuffix(" seconds")
        form.addRow("Give up after", self.smtp_timeout)
        folder_row = QWidget(sending)
        box = QHBoxLayout(folder_row)
        box.setContentsMargins(0, 0, 0, 0)
        self.eml_folder = _line(
            folder_row, "EmlFolder", "Folder for emails", "Without a mail server: saved here"
        )
        choose = QPushButton("Choose…", folder_row)
        choose.clicked.connect(self.choose_folder)
        box.addWidget(self.eml_folder, 1)
        box.addWidget(choose)
        form.addRow("Save emails in", folder_row)
        test_row = QWidget(sending)
        box = QHBoxLayout(test_row)
        box.setContentsMargins(0, 0, 0, 0)
        self.test_to = _line(
            test_row, "TestTo", "Send the test email to", "your.name@council.gov.uk"
        )
        self.test_button = QPushButton("Send a test email", test_row)
        self.test_button.setObjectName("SendTestEmailButton")
        self.test_button.clicked.connect(self.send_test)
        box.addWidget(self.test_to, 1)
        box.addWidget(self.test_button)
        form.addRow("Test to", test_row)
        self.set_by_it = QLabel("", sending)
        self.set_by_it.setObjectName("SetByIt")
        self.set_by_it.setWordWrap(True)
        self.set_by_it.setVisible(False)
        form.addRow(self.set_by_it)
        self.layout_.addWidget(sending)

        reminders = QGroupBox("Reminders", self)
        form = QFormLayout(reminders)
        self.lead = _spin(reminders, "ReminderLead", "Remind this many working days ahead", 0, 60)
        self.lead.setSuffix(" working days before a deadline")
        form.addRow("Remind", self.lead)
        self.digest_time = QTimeEdit(reminders)
        self.digest_time.setObjectName("DigestTime")
        self.digest_time.setAccessibleName("Daily digest time")
        self.digest_time.setDisplayFormat("HH:mm")
        form.addRow("Daily digest at", self.digest_time)
        self.layout_.addWidget(reminders)

        escalation = QGroupBox("Ombudsman remedy escalations", self)
        form = QFormLayout(escalation)
        self.senior_officers = _line(
            escalation, "SeniorOfficers", "Senior officers' emails", "Emails, separated by commas"
        )
        form.addRow("First (at 75% of the time)", self.senior_officers)
        self.directors = _line(escalation, "Directors", "Directors' emails", "Emails")
        form.addRow("Second: directors", self.directors)
        self.chief_executive = _line(
            escalation, "ChiefExecutive", "Chief executive's email", "Email"
        )
        form.addRow("Second: chief executive", self.chief_executive)
        self.second_after = _spin(escalation, "SecondAfter", "Second escalation after", 0, 60)
        self.second_after.setSuffix(" working days after the deadline")
        form.addRow("Second escalation", self.second_after)
        self.layout_.addWidget(escalation)
        self.layout_.addWidget(self.message)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.save_button.setText("Save the mail settings")
        buttons.addWidget(self.save_button)
        self.layout_.addLayout(buttons)
        self.layout_.addStretch(1)

    def fill(self, settings: CorrespondenceSettings) -> None:
        self.smtp_host.setText(settings.smtp_host)
        self.smtp_port.setValue(settings.smtp_port or 0)
        self.smtp_starttls.setChecked(settings.smtp_starttls)
        self.smtp_user.setText(settings.smtp_user)
        self.smtp_password.setText(settings.smtp_password)
        self.smtp_from.setText(settings.smtp_from)
        self.smtp_timeout.setValue(settings.smtp_timeout_seconds)
        self.eml_folder.setText(settings.eml_folder)
        self.lead.setValue(settings.lead_working_days)
        time = settings.digest_time
        self.digest_time.setTime(QTime(time.hour, time.minute))
        self.senior_officers.setText(", ".join(settings.senior_officers))
        self.directors.setText(", ".join(settings.directors))
        self.chief_executive.setText(", ".join(settings.chief_executive))
        self.second_after.setValue(settings.second_after_working_days)
        self._show_set_by_it(settings.set_by_it)

    def _show_set_by_it(self, fixed: frozenset[str]) -> None:
        """Settings IT fixed on this computer cannot be changed here: a change would be
        saved and have no effect, so they are shown greyed, and the note says why."""
        widgets: dict[str, tuple[str, QWidget]] = {
            "smtp_host": ("mail server", self.smtp_host),
            "smtp_port": ("port", self.smtp_port),
            "smtp_starttls": ("STARTTLS", self.smtp_starttls),
            "smtp_user": ("user", self.smtp_user),
            "smtp_password": ("password", self.smtp_password),
            "smtp_from": ("from address", self.smtp_from),
            "smtp_timeout_seconds": ("time to give up", self.smtp_timeout),
        }
        for name, (_what, widget) in widgets.items():
            widget.setEnabled(name not in fixed)
            widget.setToolTip("Set by IT on this computer." if name in fixed else "")
        named = [what for name, (what, _widget) in widgets.items() if name in fixed]
        self.set_by_it.setVisible(bool(named))
        if named:
            listed = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
            self.set_by_it.setText(
                f"The {listed} {'is' if len(named) == 1 else 'are'} set by IT on this "
                f"computer, so {'it' if len(named) == 1 else 'they'} cannot be changed here. "
                "Ask IT if a change is needed."
            )

    def changes(self) -> dict[str, object]:
        time = self.digest_time.time()
        return {
            "smtp_host": self.smtp_host.text().strip(),
            "smtp_port": self.smtp_port.value() or None,
            "smtp_starttls": self.smtp_starttls.isChecked(),
            "smtp_user": self.smtp_user.text().strip(),
            "smtp_password": self.smtp_password.text(),
            "smtp_from": self.smtp_from.text().strip(),
            "smtp_timeout_seconds": self.smtp_timeout.value(),
            "eml_folder": self.eml_folder.text().strip(),
            "lead_working_days": self.lead.value(),
            "digest_time": dt.time(time.hour(), time.minute()),
            "senior_officers": parse_addresses(self.senior_officers.text()),
            "directors": parse_addresses(self.directors.text()),
            "chief_executive": parse_addresses(self.chief_executive.text()),
            "second_after_working_days": self.second_after.value(),
        }

    def choose_folder(self) -> None:
        chosen = self.ask_folder(self, "Folder for emails", self.eml_folder.text())
        if chosen:
            self.eml_folder.setText(chosen)

    def send_test(self) -> None:
        self.say("Sending a test email…")
        self.test_button.setEnabled(False)

        def done(result: letters_ops.MailCheck) -> None:
            self.test_button.setEnabled(True)
            self.say(f"A test email to {result.to} went to {result.where}.", "green")

        def failed(exc: BaseException) -> None:
            self.test_button.setEnabled(True)
            self.failed("sending the test email")(exc)

        self.context.op(letters_ops.send_test_email, self.test_to.text(), self.changes()).titled(
            "Sending a test email"
        ).on_done(done).on_error(failed).run()


# ----------------------------------------------------------------------- templates


def _wrapping(view: QListWidget) -> None:
    """Long names wrap onto a second line rather than being cut off."""
    view.setWordWrap(True)
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    view.setResizeMode(QListWidget.ResizeMode.Adjust)


class TemplatesSection(_SetupTab):
    """Every letter and email template: its text, the fields it may use, and a preview
    filled in with example values."""

    name = "Letter templates"

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.views: list[TemplateView] = []
        self.current: TemplateText | None = None
        self.shown_row = -1  # the row of the template in the editor
        self.loading = False
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.setChildrenCollapsible(False)
        self.list = QListWidget(splitter)
        self.list.setObjectName("TemplateList")
        self.list.setAccessibleName("Templates")
        self.list.currentRowChanged.connect(self._chosen)
        _wrapping(self.list)
        self.list.setMinimumWidth(self.fontMetrics().horizontalAdvance("M") * 14)
        splitter.addWidget(self.list)

        # The editor and the preview side by side, or one above the other when the tab is
        # narrow (a laptop at 150%): see resizeEvent.
        self.text_and_preview = QSplitter(Qt.Orientation.Horizontal, splitter)
        self.text_and_preview.setObjectName("TemplateTextAndPreview")
        self.text_and_preview.setChildrenCollapsible(False)
        editor = QWidget(self.text_and_preview)
        box = QVBoxLayout(editor)
        box.setContentsMargins(0, 0, 0, 0)
        self.purpose = QLabel("", editor)
        self.purpose.setWordWrap(True)
        box.addWidget(self.purpose)
        form = QFormLayout()
        self.subject = _line(editor, "TemplateSubject", "Template subject")
        form.addRow("Subject", self.subject)
        box.addLayout(form)
        self.body = QPlainTextEdit(editor)
        self.body.setObjectName("TemplateBody")
        self.body.setAccessibleName("Template text")
        self.body.setTabChangesFocus(True)
        box.addWidget(self.body, 3)
        box.addWidget(QLabel("Fields it can use (double-click to put one in the text):", editor))
        self.fields = QListWidget(editor)
        self.fields.setObjectName("TemplateFields")
        self.fields.setAccessibleName("Fields the template can use")
        self.fields.itemDoubleClicked.connect(self._insert_field)
        _wrapping(self.fields)
        box.addWidget(self.fields, 2)
        buttons = QHBoxLayout()
        self.reset_button = QPushButton("Put the original text back", editor)
        self.reset_button.setObjectName("ResetTemplateButton")
        self.reset_button.clicked.connect(self.reset)
        self.save_button = QPushButton("Save the template", editor)
        self.save_button.setObjectName("SaveTemplateButton")
        self.save_button.clicked.connect(self.save)
        buttons.addWidget(self.reset_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        box.addLayout(buttons)
        self.text_and_preview.addWidget(editor)

        preview = QWidget(self.text_and_preview)
        box = QVBoxLayout(preview)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(QLabel("Preview, with example values", preview))
        self.preview = QPlainTextEdit(preview)
        self.preview.setObjectName("TemplatePreview")
        self.preview.setAccessibleName("Preview with example values")
        self.preview.setReadOnly(True)
        box.addWidget(self.preview, 1)
        self.text_and_preview.addWidget(preview)
        splitter.addWidget(self.text_and_preview)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 6)
        self.layout_.addWidget(splitter, 1)
        self.layout_.addWidget(self.message)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(300)
        self.timer.timeout.connect(self.update_preview)
        self.subject.textChanged.connect(self._typed)
        self.body.textChanged.connect(self._typed)
        self._enable(False)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Side by side where both have room (about 110 characters), else stacked."""
        wide = event.size().width() >= self.fontMetrics().horizontalAdvance("M") * 110
        self.text_and_preview.setOrientation(
            Qt.Orientation.Horizontal if wide else Qt.Orientation.Vertical
        )
        super().resizeEvent(event)

    def _enable(self, on: bool) -> None:
        for widget in (self.subject, self.body, self.save_button, self.reset_button):
            widget.setEnabled(on)

    def reload(self) -> None:
        self.context.op(letters_ops.templates_for_editing).on_done(self._loaded).on_error(
            self.failed("loading the templates")
        ).run()

    def _loaded(self, views: list[TemplateView]) -> None:
        key = self.current.key if self.current else None
        self.views = views
        self.list.blockSignals(True)
        self.list.clear()
        for view in views:
            text = view.spec.name + (" (changed)" if view.text.customised else "")
            item = QListWidgetItem(text, self.list)
            item.setToolTip(view.spec.purpose)
        self.list.blockSignals(False)
        keys = [v.text.key for v in views]
        self.list.setCurrentRow(keys.index(key) if key in keys else 0)

    def has_typed_work(self) -> bool:
        """The subject or text differ from the template as last read or saved."""
        current = self.current
        if current is None:
            return False
        return (self.subject.text(), self.body.toPlainText()) != (current.subject, current.body)

    def _chosen(self, row: int) -> None:
        if not 0 <= row < len(self.views):
            return
        view = self.views[row]
        current = self.current
        if current is not None and self.has_typed_work():
            if view.text.key == current.key:
                # The list was read again (a save elsewhere): what is being typed stays,
                # with the version it was opened at (saving over a newer one is refused).
                self.shown_row = row
                return
            # Another template chosen: asked first, as every window with typing is.
            if not self.context.notifier.confirm(
                KeepsTypedWork.discard_title,
                f"You have changed the template '{current.name}' without saving. Show "
                f"'{view.spec.name}' and lose those changes?",
                yes="Discard",
                no="Keep editing",
            ):
                self.list.blockSignals(True)
                self.list.setCurrentRow(self.shown_row)
                self.list.blockSignals(False)
                return
        self.shown_row = row
        self.current = view.text
        self.loading = True
        self.purpose.setText(view.spec.purpose)
        self.subject.setText(view.text.subject)
        self.body.setPlainText(view.text.body)
        self.fields.clear()
        for field in view.fields:
            example = field.example.replace("\n", ", ")
            item = QListWidgetItem(f"{field.description} (for example: {example})")
            item.setToolTip(f"{field.description}\nFor example: {example}")
            item.setData(Qt.ItemDataRole.UserRole, field.placeholder)
            self.fields.addItem(item)
        self.loading = False
        self._enable(True)
        self.reset_button.setEnabled(view.text.customised)
        self.update_preview()

    def _insert_field(self, item: QListWidgetItem) -> None:
        self.body.insertPlainText(str(item.data(Qt.ItemDataRole.UserRole)))
        self.body.setFocus()

    def _typed(self) -> None:
        if not self.loading:
            self.timer.start()

    def update_preview(self) -> None:
        if self.current is None:
            return

        def done(rendered: RenderedText) -> None:
            self.preview.setPlainText(f"Subject: {rendered.subject}\n\n{rendered.body}")

        def failed(exc: BaseException) -> None:
            text = exc.message if isinstance(exc, ValidationError) else str(exc)
            self.preview.setPlainText(f"The template cannot be filled in yet: {text}")

        self.context.op(
            letters_ops.preview_template,
            self.current.key,
            self.subject.text(),
            self.body.toPlainText(),
        ).on_done(done).on_error(failed).run()

    def _run(self, pending: Any, done_text: str) -> None:
        self.say("")

        def done(text: TemplateText) -> None:
            self.current = text
            # The editor holds what is now saved (the original text, after a reset).
            self.loading = True
            self.subject.setText(text.subject)
            self.body.setPlainText(text.body)
            self.loading = False
            self.say(done_text)
            self.reload()

        pending.on_done(done).on_error(self.failed("saving the template")).run()

    def save(self) -> None:
        if self.current is None:
            return
        current = self.current
        self._run(
            self.context.op(
                letters_ops.save_template,
                current.key,
                self.subject.text(),
                self.body.toPlainText(),
                current.version,
            ),
            f"Saved the template '{current.name}'.",
        )

    def reset(self) -> None:
        if self.current is None:
            return
        current = self.current
        self._run(
            self.context.op(letters_ops.reset_template, current.key, current.version),
            f"Put back the original text of '{current.name}'.",
        )
