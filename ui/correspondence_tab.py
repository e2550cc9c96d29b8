"""The case form's Correspondence and Attachments tabs.

Correspondence: the letters, emails, calls and notes recorded on the case, newest
first, with the selected one's text below; "Write a letter or email…" opens
:class:`LetterDialog`: choose the template (and, if it asks for one, a sentence of your
own), preview it, edit the filled-in subject and body, then send it as a PDF letter
(saved where you say, and recorded) or as an email (sent, or queued to be retried, and
recorded). "Record received or a note…" opens :class:`RecordDialog` for a letter or
email that came in, a phone call, a meeting or a note. Anything wrong (an unknown merge
field, no email address, email not set up) is said plainly.

Attachments: the files kept with the case; add a file, open a file. Opening checks the
stored file's hash first; a missing or changed file is refused with the reason.

Everything runs as an operation (:mod:`crm_desktop.operations.correspondence`,
:mod:`crm_desktop.operations.attachments`); each tab reloads when an operation changed
what it shows. ``open_file`` and the file choosers are attributes, so tests replace them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.correspondence.case_correspondence import CorrespondenceEntry, CorrespondenceRow
from crm_desktop.correspondence.letters import EmailResult, Letter, LetterResult, Preview
from crm_desktop.correspondence.templates import TEMPLATES, letter_templates
from crm_desktop.domain.enums import CorrespondenceChannel, CorrespondenceDirection
from crm_desktop.domain.formatting import format_local_time
from crm_desktop.operations import attachments as attachment_ops
from crm_desktop.operations import correspondence as ops
from crm_desktop.operations.core import Change, OpChanges
from crm_desktop.operations.policy import Permission
from crm_desktop.services.attachments import AttachmentView
from ui.context import AppContext
from ui.discard import KeepsTypedWork
from ui.files import AskPath, ask_open_path, ask_save_path, documents_folder, letter_file_name
from ui.files import open_with_system as default_open_file
from ui.widgets import (
    Column,
    RowsModel,
    date_edit,
    date_text,
    error_label,
    error_text,
    from_qdate,
    selected_row,
    show_error,
    table_view,
)

CHANNEL_WORDS = {
    "letter": "Letter",
    "email": "Email",
    "phone": "Phone call",
    "meeting": "Meeting",
    "note": "Note",
}


def _size_text(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


class CaseTab(QWidget):
    """A tab of the case window that loads its own rows, and again whenever an
    operation changed a kind of data in ``cares_about``."""

    cares_about: frozenset[Change] = frozenset()

    def __init__(self, context: AppContext, case_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.case_id = case_id
        context.runner.changed.connect(self.data_changed)

    def data_changed(self, changes: OpChanges) -> None:
        if changes.touches(self.cares_about):
            self.load()

    def load(self) -> None:  # pragma: no cover - every tab has its own
        raise NotImplementedError


# ----------------------------------------------------------------------- correspondence


class CorrespondenceTab(CaseTab):
    cares_about = frozenset({Change.CORRESPONDENCE})

    def __init__(self, context: AppContext, case_id: int, parent: QWidget | None = None) -> None:
        super().__init__(context, case_id, parent)
        self.open_file: Callable[[Path], None] = default_open_file
        self.ask_save_path: AskPath = ask_save_path
        self.letter_dialog: LetterDialog | None = None
        self.record_dialog: RecordDialog | None = None
        self.setObjectName("CorrespondenceTab")
        layout = QVBoxLayout(self)
        # The count above its buttons, wrapped: the tab fits a narrow or scaled window.
        self.count_label = QLabel("", self)
        self.count_label.setObjectName("CorrespondenceCount")
        self.count_label.setWordWrap(True)
        layout.addWidget(self.count_label)
        top = QHBoxLayout()
        top.addStretch(1)
        may_send = context.allows(Permission.SEND_CORRESPONDENCE)
        self.record_button = QPushButton("Record &received or a note…", self)
        self.record_button.setObjectName("RecordCorrespondenceButton")
        self.record_button.setToolTip(
            "A letter or email that came in, a phone call, a meeting or a note"
        )
        self.record_button.clicked.connect(self.record_entry)
        self.record_button.setEnabled(may_send)
        top.addWidget(self.record_button)
        self.write_button = QPushButton("&Write a letter or email…", self)
        self.write_button.setObjectName("WriteLetterButton")
        self.write_button.clicked.connect(self.write_letter)
        self.write_button.setEnabled(may_send)
        top.addWidget(self.write_button)
        layout.addLayout(top)
        self.error = error_label("CorrespondenceError", self)
        layout.addWidget(self.error)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.model = RowsModel(
            [
                Column("Recorded", lambda r: format_local_time(r.created_at)),
                Column("Dated", lambda r: date_text(r.sent_at.date()) if r.sent_at else ""),
                Column("How", lambda r: CHANNEL_WORDS.get(r.channel, r.channel)),
                Column("In or out", lambda r: "Received" if r.direction == "incoming" else "Sent"),
                Column("To or from", lambda r: r.recipient),
                Column("Subject", lambda r: r.subject),
                Column("State", lambda r: r.status),
                Column("By", lambda r: r.created_by_name or r.created_by or ""),
            ],
            self,
            tone=lambda r: "red" if r.status.startswith("Not sent") else None,
            tone_column=6,
        )
        self.model.setObjectName("CorrespondenceModel")
        self.view = table_view(self.model, "Correspondence", splitter)
        self.view.clicked.connect(self._show_selected)
        self.view.activated.connect(self._show_selected)
        splitter.addWidget(self.view)
        self.text = QPlainTextEdit(splitter)
        self.text.setObjectName("CorrespondenceText")
        self.text.setAccessibleName("The selected letter or email")
        self.text.setReadOnly(True)
        self.text.setPlaceholderText("Select a letter or email to read it here.")
        splitter.addWidget(self.text)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 1)
        layout.addWidget(splitter, 1)

    def load(self) -> None:
        def failed(exc: BaseException) -> None:
            show_error(self.error, error_text(exc, "loading the correspondence"))

        self.context.op(ops.case_correspondence, self.case_id).on_done(self.apply).on_error(
            failed
        ).run()

    def apply(self, rows: list[CorrespondenceRow]) -> None:
        show_error(self.error, "")
        self.model.set_rows(rows)
        count = len(rows)
        self.count_label.setText(
            "No letters, emails or notes are recorded on this case yet."
            if not rows
            else f"{count:,} recorded: letters, emails, calls and notes"
        )
        self.text.clear()

    def _show_selected(self, *_args: Any) -> None:
        row = selected_row(self.view)
        if row is None:
            self.text.clear()
            return
        self.text.setPlainText(f"{row.subject}\n\n{row.body}")

    def write_letter(self) -> LetterDialog:
        if self.letter_dialog is not None and self.letter_dialog.isVisible():
            self.letter_dialog.raise_()
            return self.letter_dialog
        dialog = LetterDialog(self.context, self.case_id, self)
        dialog.open_file = self.open_file
        dialog.ask_save_path = self.ask_save_path
        self.letter_dialog = dialog
        dialog.open()
        return dialog

    def record_entry(self) -> RecordDialog:
        if self.record_dialog is not None and self.record_dialog.isVisible():
            self.record_dialog.raise_()
            return self.record_dialog
        dialog = RecordDialog(self.context, self.case_id, self)
        self.record_dialog = dialog
        dialog.open()
        return dialog


class LetterDialog(KeepsTypedWork):
    """Choose a template, preview it, edit it, send it as a letter or an email."""

    recorded = Signal()
    # A preview made from a template a manager changed since is made again.
    cares_about = frozenset({Change.TEMPLATES})

    def __init__(self, context: AppContext, case_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.case_id = case_id
        self.open_file: Callable[[Path], None] = default_open_file
        self.ask_save_path: AskPath = ask_save_path
        self.preview_result: Preview | None = None
        # The appointment an appointment letter is about (None: the stage's latest).
        self.assignment_id: int | None = None
        self.outcome: LetterResult | EmailResult | None = None
        self.saved_to: Path | None = None
        self.setObjectName("LetterDialog")
        self.setWindowTitle("Write a letter or email")
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.template = QComboBox(self)
        self.template.setObjectName("LetterTemplate")
        self.template.setAccessibleName("Template")
        for template in letter_templates():
            self.template.addItem(template.name, template.key)
            self.template.setItemData(
                self.template.count() - 1, template.purpose, Qt.ItemDataRole.ToolTipRole
            )
        form.addRow("Template", self.template)
        self.purpose = QLabel("", self)
        self.purpose.setWordWrap(True)
        form.addRow("", self.purpose)
        self.own_text = QPlainTextEdit(self)
        self.own_text.setObjectName("LetterOwnText")
        self.own_text.setAccessibleName("Your own words for the letter")
        self.own_text.setPlaceholderText(
            "Optional: words of your own, for templates that have a place for them"
        )
        self.own_text.setTabChangesFocus(True)
        self.own_text.setMaximumHeight(self.fontMetrics().height() * 4)
        form.addRow("Your words", self.own_text)
        channels = QWidget(self)
        channel_row = QHBoxLayout(channels)
        channel_row.setContentsMargins(0, 0, 0, 0)
        self.as_letter = QRadioButton("&Letter (PDF, to print and post)", channels)
        self.as_letter.setObjectName("SendAsLetter")
        self.as_email = QRadioButton("E&mail", channels)
        self.as_email.setObjectName("SendAsEmail")
        self.as_letter.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.as_letter)
        group.addButton(self.as_email)
        channel_row.addWidget(self.as_letter)
        channel_row.addWidget(self.as_email)
        channel_row.addStretch(1)
        form.addRow("Send as", channels)
        self.email_to = QLineEdit(self)
        self.email_to.setObjectName("EmailTo")
        self.email_to.setAccessibleName("Email to (if not the usual address)")
        self.email_to.setPlaceholderText("The recipient's own address unless you give another")
        form.addRow("Email to", self.email_to)
        self.preview_button = QPushButton("&Preview", self)
        self.preview_button.setObjectName("PreviewLetterButton")
        self.preview_button.clicked.connect(self.make_preview)
        form.addRow("", self.preview_button)
        layout.addLayout(form)

        self.recipient = QLabel("", self)
        self.recipient.setObjectName("LetterRecipient")
        self.recipient.setWordWrap(True)
        self.recipient.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.recipient)
        self.warnings = QLabel("", self)
        self.warnings.setObjectName("LetterWarnings")
        self.warnings.setWordWrap(True)
        self.warnings.setTextFormat(Qt.TextFormat.PlainText)
        self.warnings.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        layout.addWidget(self.warnings)
        self.subject = QLineEdit(self)
        self.subject.setObjectName("LetterSubject")
        self.subject.setAccessibleName("Subject")
        self.subject.setPlaceholderText("Preview to fill in the subject")
        layout.addWidget(self.subject)
        self.body = QPlainTextEdit(self)
        self.body.setObjectName("LetterBody")
        self.body.setAccessibleName("Body")
        self.body.setTabChangesFocus(True)  # Tab goes on to the next field
        self.body.setPlaceholderText("Preview to fill in the letter; then change it as you need")
        layout.addWidget(self.body, 1)
        self.error = error_label("LetterError", self)
        layout.addWidget(self.error)
        self.status = QLabel("", self)
        self.status.setObjectName("LetterStatus")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.status)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.send_button = QPushButton("Send", self)
        self.send_button.setObjectName("SendLetterButton")
        self.send_button.setEnabled(False)
        self.send_button.clicked.connect(self.send)
        buttons.addWidget(self.send_button)
        close = QPushButton("Cl&ose", self)
        close.setObjectName("CloseLetterButton")
        close.clicked.connect(self.reject)
        buttons.addWidget(close)
        layout.addLayout(buttons)

        self.template.currentIndexChanged.connect(self._changed)
        self.own_text.textChanged.connect(self._changed)
        self.as_letter.toggled.connect(self._channel_changed)
        self._channel_changed()
        self._changed()
        metrics = self.fontMetrics()
        self.resize(metrics.horizontalAdvance("M") * 64, metrics.height() * 42)
        context.runner.changed.connect(self.data_changed)

    def data_changed(self, changes: OpChanges) -> None:
        if changes.touches(self.cares_about) and self.preview_result is not None:
            self._changed()
            self.status.setText("The template was changed: preview the letter again.")

    @property
    def channel(self) -> CorrespondenceChannel:
        return (
            CorrespondenceChannel.LETTER
            if self.as_letter.isChecked()
            else (CorrespondenceChannel.EMAIL)
        )

    def _channel_changed(self, *_args: Any) -> None:
        self.email_to.setEnabled(self.as_email.isChecked())
        self.send_button.setText(
            "&Save the PDF and record it…" if self.as_letter.isChecked() else "&Send the email"
        )

    def _changed(self, *_args: Any) -> None:
        """The template or the officer's words changed: the preview must be made again."""
        key = self.template.currentData()
        self.purpose.setText(TEMPLATES[key].purpose if key in TEMPLATES else "")
        self.preview_result = None
        self.send_button.setEnabled(False)

    def letter(self, *, edited: bool) -> Letter:
        return Letter(
            str(self.template.currentData()),
            text=self.own_text.toPlainText(),
            to=self.email_to.text().strip() or None
            if self.channel == CorrespondenceChannel.EMAIL
            else None,
            subject=self.subject.text() if edited else None,
            body=self.body.toPlainText() if edited else None,
        )

    def make_preview(self) -> None:
        show_error(self.error, "")
        self.status.setText("")

        def failed(exc: BaseException) -> None:
            self.preview_result = None
            self.send_button.setEnabled(False)
            show_error(self.error, error_text(exc, "filling in the template"))

        self.context.op(
            ops.preview_letter,
            self.case_id,
            self.letter(edited=False),
            assignment_id=self.assignment_id,
        ).on_done(self._previewed).on_error(failed).run()

    def _previewed(self, result: Preview) -> None:
        self.preview_result = result
        typed = self.has_typed_work()
        self.subject.setText(result.subject)
        self.body.setPlainText(result.body)
        if not typed:
            self.mark_clean()  # the template's text, not the officer's typing
        to = [result.recipient_name or "(no name)"]
        if result.recipient_email:
            to.append(result.recipient_email)
        to += list(result.recipient_address)
        self.recipient.setText("To: " + ", ".join(to))
        self.warnings.setText("\n".join(result.warnings))  # empty merge fields among them
        self.send_button.setEnabled(True)

    def send(self) -> None:
        if self.preview_result is None:
            show_error(self.error, "Preview the letter first.")
            return
        show_error(self.error, "")
        letter = self.letter(edited=True)
        if self.channel == CorrespondenceChannel.LETTER:
            name = letter_file_name(self.preview_result.reference, self.context.today())
            chosen = self.ask_save_path(
                self,
                "Save the letter as",
                str(documents_folder(create=True) / name),
                "PDF files (*.pdf)",
            )
            if not chosen:
                return
            target = Path(chosen).expanduser()
            if target.suffix.lower() != ".pdf":
                target = target.with_name(target.name + ".pdf")
            self.send_button.setEnabled(False)
            self.context.op(
                ops.send_letter, self.case_id, letter, target, assignment_id=self.assignment_id
            ).on_done(self._letter_sent).on_error(self._send_failed).run()
            return
        self.send_button.setEnabled(False)
        self.context.op(
            ops.send_email, self.case_id, letter, assignment_id=self.assignment_id
        ).on_done(self._email_sent).on_error(self._send_failed).run()

    def _letter_sent(self, result: LetterResult) -> None:
        self.outcome, self.saved_to = result, result.saved_to
        text = f"The letter is recorded on the case and saved as {result.saved_to}."
        if result.warnings:
            text += " " + " ".join(result.warnings)
        self.status.setText(text)
        self.mark_clean()  # recorded: nothing left to lose
        self.recorded.emit()
        if result.saved_to is not None:
            self.open_file(result.saved_to)

    def _email_sent(self, result: EmailResult) -> None:
        self.outcome = result
        if result.status == "sent":
            text = f"The email to {result.to} is sent ({result.via}) and recorded on the case."
        elif result.status == "queued":
            text = (
                f"The email to {result.to} is recorded on the case but could not be sent yet"
                + (f" ({result.error})" if result.error else "")
                + ". It will be tried again by the reminders run."
            )
        else:
            text = (
                f"The email to {result.to} is recorded on the case but could not be sent"
                + (f": {result.error}" if result.error else "")
                + "."
            )
            show_error(self.error, text)
        self.status.setText(text)
        self.mark_clean()
        self.recorded.emit()

    def _send_failed(self, exc: BaseException) -> None:
        self.send_button.setEnabled(self.preview_result is not None)
        show_error(self.error, error_text(exc, "sending"))


ENTRY_CHANNELS = (
    (CorrespondenceChannel.LETTER, "Letter"),
    (CorrespondenceChannel.EMAIL, "Email"),
    (CorrespondenceChannel.PHONE, "Phone call"),
    (CorrespondenceChannel.MEETING, "Meeting"),
    (CorrespondenceChannel.NOTE, "Note"),
)


class RecordDialog(KeepsTypedWork):
    """Record a letter or email received, a phone call, a meeting or a note."""

    def __init__(self, context: AppContext, case_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.case_id = case_id
        self.recorded: CorrespondenceRow | None = None
        self.setObjectName("RecordDialog")
        self.setWindowTitle("Record correspondence or a note")
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.channel = QComboBox(self)
        self.channel.setObjectName("RecordChannel")
        self.channel.setAccessibleName("What it was")
        for channel, words in ENTRY_CHANNELS:
            self.channel.addItem(words, channel.value)
        form.addRow("What", self.channel)
        directions = QWidget(self)
        direction_row = QHBoxLayout(directions)
        direction_row.setContentsMargins(0, 0, 0, 0)
        self.received = QRadioButton("Received (from them)", directions)
        self.received.setObjectName("RecordReceived")
        self.received.setChecked(True)
        self.sent_out = QRadioButton("Sent or made (by us)", directions)
        self.sent_out.setObjectName("RecordSent")
        group = QButtonGroup(self)
        group.addButton(self.received)
        group.addButton(self.sent_out)
        direction_row.addWidget(self.received)
        direction_row.addWidget(self.sent_out)
        direction_row.addStretch(1)
        form.addRow("Direction", directions)
        self.on = date_edit(context.today(), "Date", self)
        self.on.setMaximumDate(self.on.date())
        form.addRow("Date", self.on)
        self.who = QLineEdit(self)
        self.who.setObjectName("RecordWho")
        self.who.setAccessibleName("Who from or to")
        self.who.setPlaceholderText("Name, email address or phone number")
        form.addRow("Who", self.who)
        self.subject = QLineEdit(self)
        self.subject.setObjectName("RecordSubject")
        self.subject.setAccessibleName("Subject")
        self.subject.setPlaceholderText("A few words that say what it was about")
        form.addRow("Subject", self.subject)
        layout.addLayout(form)
        self.body = QPlainTextEdit(self)
        self.body.setObjectName("RecordBody")
        self.body.setAccessibleName("What was said or written")
        self.body.setPlaceholderText("What was said or written (optional)")
        self.body.setTabChangesFocus(True)
        layout.addWidget(self.body, 1)
        self.error = error_label("RecordError", self)
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.save_button = QPushButton("&Record", self)
        self.save_button.setObjectName("RecordSaveButton")
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.clicked.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        metrics = self.fontMetrics()
        self.resize(metrics.horizontalAdvance("M") * 56, metrics.height() * 28)

    def entry(self) -> CorrespondenceEntry:
        return CorrespondenceEntry(
            direction=(
                CorrespondenceDirection.INCOMING
                if self.received.isChecked()
                else CorrespondenceDirection.OUTGOING
            ),
            channel=CorrespondenceChannel(str(self.channel.currentData())),
            subject=self.subject.text(),
            body=self.body.toPlainText(),
            who=self.who.text(),
            on=from_qdate(self.on.date()),
        )

    def save(self) -> None:
        show_error(self.error, "")

        def done(row: CorrespondenceRow) -> None:
            self.recorded = row
            self.save_button.setEnabled(True)
            self.accept()

        def failed(exc: BaseException) -> None:
            self.save_button.setEnabled(True)
            show_error(self.error, error_text(exc, "recording it"))
            # The field the message is about takes the focus (subject, text, who, day).
            field = getattr(self, getattr(exc, "field", None) or "", None)
            if isinstance(field, QWidget) and field.isEnabled():
                field.setFocus()

        self.save_button.setEnabled(False)
        self.context.op(ops.record_correspondence, self.case_id, self.entry()).on_done(
            done
        ).on_error(failed).run()


# -------------------------------------------------------------------------- attachments


class AttachmentsTab(CaseTab):
    cares_about = frozenset({Change.ATTACHMENTS})

    def __init__(self, context: AppContext, case_id: int, parent: QWidget | None = None) -> None:
        super().__init__(context, case_id, parent)
        self.open_file: Callable[[Path], None] = default_open_file
        self.ask_open_path: AskPath = ask_open_path
        self.setObjectName("AttachmentsTab")
        layout = QVBoxLayout(self)
        self.count_label = QLabel("", self)
        self.count_label.setObjectName("AttachmentsCount")
        self.count_label.setWordWrap(True)
        layout.addWidget(self.count_label)
        self.model = RowsModel(
            [
                Column("File", lambda a: a.name),
                Column("Size", lambda a: _size_text(a.size_bytes), True),
                Column("Type", lambda a: a.content_type),
                Column("Added by", lambda a: a.uploaded_by_name or a.uploaded_by or ""),
            ],
            self,
        )
        self.model.setObjectName("AttachmentsModel")
        self.view = table_view(self.model, "Attachments", self)
        self.view.doubleClicked.connect(lambda _i: self.open_selected())
        layout.addWidget(self.view, 1)
        self.error = error_label("AttachmentsError", self)
        layout.addWidget(self.error)
        self.status = QLabel("", self)
        self.status.setObjectName("AttachmentsStatus")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.status)
        buttons = QHBoxLayout()
        self.add_button = QPushButton("&Add a file…", self)
        self.add_button.setObjectName("AddAttachmentButton")
        self.add_button.clicked.connect(self.choose_file)
        self.add_button.setEnabled(context.allows(Permission.ADD_ATTACHMENTS))
        buttons.addWidget(self.add_button)
        self.open_button = QPushButton("&Open", self)
        self.open_button.setObjectName("OpenAttachmentButton")
        self.open_button.clicked.connect(self.open_selected)
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)

    def load(self) -> None:
        def failed(exc: BaseException) -> None:
            show_error(self.error, error_text(exc, "loading the attachments"))

        self.context.op(attachment_ops.case_attachments, self.case_id).on_done(self.apply).on_error(
            failed
        ).run()

    def apply(self, rows: list[AttachmentView]) -> None:
        self.model.set_rows(rows)
        count = len(rows)
        self.count_label.setText(
            "No files are kept with this case yet. Add reports, evidence or signed letters."
            if not rows
            else f"{count} file{'s' * (count != 1)} kept with this case. Double-click to open."
        )

    def choose_file(self) -> None:
        chosen = self.ask_open_path(self, "Add a file to the case", "", "All files (*)")
        if chosen:
            self.add_file(Path(chosen))

    def add_file(self, path: Path) -> None:
        show_error(self.error, "")
        self.status.setText("")

        def done(view: AttachmentView) -> None:
            self.status.setText(f"'{view.name}' is kept with the case.")

        def failed(exc: BaseException) -> None:
            show_error(self.error, error_text(exc, "adding the file"))

        self.context.op(attachment_ops.add_attachment, self.case_id, path).on_done(done).on_error(
            failed
        ).run()

    def open_selected(self) -> None:
        row = selected_row(self.view)
        if row is None:
            show_error(self.error, "Select the file to open.")
            return
        show_error(self.error, "")

        def failed(exc: BaseException) -> None:
            show_error(self.error, error_text(exc, "opening the file"))

        self.context.op(attachment_ops.open_attachment, row.id).on_done(self.open_file).on_error(
            failed
        ).run()
