"""The Data protection page (managers): the retention review, subject access exports and
the access log.

- The retention review lists the closed cases whose retention period has ended today,
  those on legal hold included and marked. Anonymise…, Delete…, Legal hold… and Release
  hold… each ask for a reason; a refusal (a hold, an open case) is shown as the
  operation words it, and the page reloads when an operation changed what it shows.
  Attachment files of an anonymised or deleted case are removed only once the change is
  saved.
- A subject access export: the person, found by name, email, postcode or case reference,
  then where to save the ZIP; it is written off the GUI thread.
- The access log: who opened which case and when, optionally for one case reference.

Everything is an operation of :mod:`crm_desktop.operations.privacy`.
``ask_reason`` and ``ask_save_path`` are attributes so tests can replace the dialogs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.domain.formatting import format_local_time
from crm_desktop.operations import privacy as ops
from crm_desktop.operations.core import Change, Operation
from crm_desktop.operations.policy import role_title
from crm_desktop.privacy.access_log import AccessLogEntry
from crm_desktop.privacy.retention import ReviewItem
from crm_desktop.privacy.subject_access import SubjectAccessResult
from ui.context import AppContext
from ui.files import AskPath, ask_save_path, documents_folder
from ui.pages import Page
from ui.person_chooser import PersonChooser
from ui.queues_page import ProgressStrip
from ui.widgets import (
    Column,
    RowsModel,
    date_text,
    error_label,
    error_text,
    scrolled,
    selected_row,
    show_error,
    table_view,
)

# Ask for a reason: (parent, title, prompt) -> the reason typed, or None when cancelled.
AskReason = Callable[[QWidget, str, str], str | None]


def ask_reason(parent: QWidget, title: str, prompt: str) -> str | None:
    text, ok = QInputDialog.getText(parent, title, prompt)
    return text if ok else None


def _heading(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 1.4)
    font.setBold(True)
    label.setFont(font)
    return label


def _note(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setWordWrap(True)
    return label


def _hold_text(item: ReviewItem) -> str:
    if not item.legal_hold:
        return "No"
    return f"Yes: {item.hold_reason}" if item.hold_reason else "Yes"


def _who(entry: AccessLogEntry) -> str:
    """ "Priya Raman (officer1)": the name, with the account it was opened under."""
    if entry.name and entry.name != entry.username:
        return f"{entry.name} ({entry.username})"
    return entry.username


def _opened_text(when: dt.datetime) -> str:
    return format_local_time(when)


# Each retention action: (button label, what the reason is for, the operation, done text).
_ACTIONS: dict[str, tuple[str, str, Operation[Any, Any], str]] = {
    "anonymise": ("Anonymise…", "Anonymise {ref}", ops.anonymise_case, "{ref} was anonymised."),
    "delete": ("Delete…", "Delete {ref} permanently", ops.delete_case, "{ref} was deleted."),
    "hold": (
        "Legal hold…",
        "Place {ref} on legal hold",
        ops.place_legal_hold,
        "{ref} is on hold.",
    ),
    "release": (
        "Release hold…",
        "Release the legal hold on {ref}",
        ops.release_legal_hold,
        "The legal hold on {ref} was released.",
    ),
}


class PrivacyPage(Page):
    title = "Data protection"
    # Closed and anonymised cases, holds and the purge, and every opening of a case.
    cares_about = frozenset({Change.CASES, Change.PRIVACY, Change.ACCESS_LOG})

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.setObjectName("PrivacyPage")
        self.ask_reason: AskReason = ask_reason
        self.ask_save_path: AskPath = ask_save_path
        self.last_export: SubjectAccessResult | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        body = QWidget(self)
        outer.addWidget(scrolled(body, "Data protection", self))
        column = QVBoxLayout(body)
        column.addWidget(_heading("Data protection", body))
        column.addWidget(self._build_retention(body), 2)
        column.addWidget(self._build_subject_access(body))
        column.addWidget(self._build_access_log(body), 1)

    # ------------------------------------------------------------------- retention

    def _build_retention(self, parent: QWidget) -> QGroupBox:
        box = QGroupBox("Retention review", parent)
        box.setObjectName("RetentionBox")
        layout = QVBoxLayout(box)
        self.review_note = _note("", box)
        layout.addWidget(self.review_note)
        self.review_model = RowsModel(
            [
                Column("Case", lambda r: r.reference),
                Column("Kind", lambda r: r.kind.value.capitalize()),
                Column("Closed", lambda r: date_text(r.closed_on)),
                Column("Due since", lambda r: date_text(r.due_on)),
                Column("Then", lambda r: r.method.value),
                Column("On hold", _hold_text),
            ],
            box,
            tone=lambda r: "suspended" if r.legal_hold else None,
        )
        self.review_table = table_view(self.review_model, "Cases due for review", box)
        layout.addWidget(self.review_table, 1)
        self.review_progress = ProgressStrip("Retention review", box, "Cancel the review")
        self.review_progress.cancel_button.clicked.connect(self._review_cancelled)
        layout.addWidget(self.review_progress)
        buttons = QHBoxLayout()
        self.action_buttons: dict[str, QPushButton] = {}
        for key, (label, *_rest) in _ACTIONS.items():
            button = QPushButton(label, box)
            button.setObjectName(f"{key.title()}Button")
            button.clicked.connect(lambda _=False, k=key: self.act(k))
            buttons.addWidget(button)
            self.action_buttons[key] = button
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.review_error = error_label("RetentionError", box)
        layout.addWidget(self.review_error)
        self.review_status = _note("", box)
        self.review_status.setObjectName("RetentionStatus")
        layout.addWidget(self.review_status)
        return box

    def reload(self) -> None:
        self.load_review()
        self.load_access_log()

    def load_review(self) -> None:
        if self.context.database is None:
            return
        today = self.context.today()

        def done(rows: list[ReviewItem]) -> None:
            self.review_model.set_rows(rows)
            due = len(rows)
            held = sum(1 for r in rows if r.legal_hold)
            self.review_note.setText(
                f"As of {date_text(today)}: {due} closed case{'s' if due != 1 else ''} past "
                f"{'their' if due != 1 else 'its'} retention period"
                + (f", {held} on legal hold." if held else ".")
            )

        def failed(exc: BaseException) -> None:
            self._review_stopped()
            show_error(self.review_error, error_text(exc, "loading the retention review"))

        def shown(rows: list[ReviewItem]) -> None:
            self._review_stopped()
            done(rows)

        if self.review_progress.job is not None:  # a review still running: this one replaces it
            self.review_progress.job.cancel()
            self.review_progress.finish()
        self._set_reviewing(True)
        self.review_progress.run(
            self.context.op(ops.retention_review)
            .with_progress(self.review_progress.progress)
            .on_done(shown)
            .on_error(failed),
            "Checking the closed cases…",
        )

    def _set_reviewing(self, reviewing: bool) -> None:
        """The review's buttons wait while the review runs."""
        for button in self.action_buttons.values():
            button.setEnabled(not reviewing)

    def _review_stopped(self) -> None:
        self.review_progress.finish()
        self._set_reviewing(False)

    def _review_cancelled(self) -> None:
        self._set_reviewing(False)
        self.review_note.setText(
            "Cancelled: the review was not finished, so the list may be out of date. It "
            "runs again when you next open this page."
        )
        self.stale = True

    def act(self, key: str) -> None:
        """Anonymise, delete, place or release a hold on the chosen case, with a reason."""
        if self.context.database is None:
            return
        show_error(self.review_error, "")
        self.review_status.setText("")
        item: ReviewItem | None = selected_row(self.review_table)
        if item is None:
            show_error(self.review_error, "Choose a case in the list first.")
            return
        _label, title, op, done_text = _ACTIONS[key]
        reason = self.ask_reason(
            self, title.format(ref=item.reference), "Why? (recorded with the change)"
        )
        if reason is None:
            return

        def done(_result: Any) -> None:
            # The runner then announces the change: this page reloads with every other
            # screen that shows the case.
            self.review_status.setText(done_text.format(ref=item.reference))

        def failed(exc: BaseException) -> None:
            show_error(self.review_error, error_text(exc, "changing the case"))
            self.load_review()

        self.context.op(op, item.reference, reason).on_done(done).on_error(failed).run()

    # --------------------------------------------------------------- subject access

    def _build_subject_access(self, parent: QWidget) -> QGroupBox:
        box = QGroupBox("Subject access request", parent)
        box.setObjectName("SubjectAccessBox")
        form = QFormLayout(box)
        form.addRow(
            _note(
                "Everything held about one person (cases, points, correspondence, notes, "
                "attachments, history) as a ZIP with a PDF index; other people's details "
                "are redacted and the redactions recorded.",
                box,
            )
        )
        self.person = PersonChooser(self.context, ops.find_people, "SarPerson", box)
        form.addRow("Whose data", self.person)
        self.sar_reference = QLineEdit(box)
        self.sar_reference.setObjectName("SarReference")
        self.sar_reference.setAccessibleName("Request reference")
        self.sar_reference.setPlaceholderText("Optional: your reference for the request")
        form.addRow("Request reference", self.sar_reference)
        self.sar_button = QPushButton("Export to a ZIP…", box)
        self.sar_button.setObjectName("SarButton")
        self.sar_button.clicked.connect(self.choose_sar_path)
        form.addRow("", self.sar_button)
        self.sar_progress = ProgressStrip("Subject access export", box, "Cancel the export")
        self.sar_progress.cancel_button.clicked.connect(self._sar_cancelled)
        form.addRow(self.sar_progress)
        self.sar_error = error_label("SarError", box)
        form.addRow(self.sar_error)
        self.sar_status = _note("", box)
        self.sar_status.setObjectName("SarStatus")
        form.addRow(self.sar_status)
        return box

    def _person(self) -> int | None:
        person_id = self.person.person_id()
        if person_id is None:
            show_error(
                self.sar_error,
                "Find the person first: type part of their name (or a case reference) and "
                "choose them from the list.",
            )
        return person_id

    def choose_sar_path(self) -> None:
        show_error(self.sar_error, "")
        person_id = self._person()
        if person_id is None:
            return
        name = "-".join(self.person.person_name().lower().split()) or "person"
        safe = "".join(c for c in name if c.isalnum() or c == "-")
        suggested = str(documents_folder(create=True) / f"subject-access-{safe}.zip")
        path = self.ask_save_path(self, "Save the subject access export", suggested, "ZIP (*.zip)")
        if path:
            self.export_subject_access(Path(path))

    def export_subject_access(self, path: Path) -> None:
        if self.context.database is None:
            return
        show_error(self.sar_error, "")
        person_id = self._person()
        if person_id is None:
            return
        if path.suffix.lower() != ".zip":
            path = path.with_name(path.name + ".zip")
        reference = self.sar_reference.text().strip() or None

        def done(result: SubjectAccessResult) -> None:
            self.sar_progress.finish()
            self.sar_button.setEnabled(True)
            self.last_export = result
            cases = len(result.cases)
            text = (
                f"Saved as {result.path}: {cases} case{'s' if cases != 1 else ''}, "
                f"{result.redactions} redaction{'s' if result.redactions != 1 else ''}."
            )
            if result.attachments_not_included:
                text += f" {len(result.attachments_not_included)} attachment(s) not included."
            if result.mentioned_in:
                text += (
                    " Other cases name this person in their text (not included: read them "
                    f"and decide what to release): {', '.join(result.mentioned_in)}."
                )
            self.sar_status.setText(text)

        def failed(exc: BaseException) -> None:
            self.sar_progress.finish()
            self.sar_button.setEnabled(True)
            show_error(self.sar_error, error_text(exc, "writing the subject access export"))

        self.sar_button.setEnabled(False)
        self.sar_status.setText("")
        self.sar_progress.run(
            self.context.op(ops.subject_access_export, person_id, path, reference)
            .with_progress(self.sar_progress.progress)
            .on_done(done)
            .on_error(failed),
            "Writing the export…",
        )

    def _sar_cancelled(self) -> None:
        self.sar_button.setEnabled(True)
        self.sar_status.setText("Cancelled: no export was saved and nothing was logged.")

    # ------------------------------------------------------------------- access log

    def _build_access_log(self, parent: QWidget) -> QGroupBox:
        box = QGroupBox("Access log: who opened which case", parent)
        box.setObjectName("AccessLogBox")
        layout = QVBoxLayout(box)
        row = QHBoxLayout()
        row.addWidget(QLabel("Case reference", box))
        self.log_reference = QLineEdit(box)
        self.log_reference.setObjectName("AccessLogReference")
        self.log_reference.setAccessibleName("Case reference")
        self.log_reference.setPlaceholderText("All cases")
        self.log_reference.returnPressed.connect(self.load_access_log)
        row.addWidget(self.log_reference, 1)
        self.log_button = QPushButton("Show", box)
        self.log_button.setObjectName("AccessLogShow")
        self.log_button.clicked.connect(self.load_access_log)
        row.addWidget(self.log_button)
        layout.addLayout(row)
        self.log_model = RowsModel(
            [
                Column("Opened", lambda e: _opened_text(e.opened_at)),
                Column("Case", lambda e: e.reference or f"(deleted, id {e.case_id})"),
                Column("Who", _who),
                Column("Role", lambda e: role_title(e.role)),
            ],
            box,
        )
        self.log_table = table_view(self.log_model, "Access log", box)
        layout.addWidget(self.log_table, 1)
        self.log_error = error_label("AccessLogError", box)
        layout.addWidget(self.log_error)
        return box

    def load_access_log(self) -> None:
        if self.context.database is None:
            return
        show_error(self.log_error, "")
        reference = self.log_reference.text().strip() or None

        def done(entries: list[AccessLogEntry]) -> None:
            self.log_model.set_rows(entries)

        def failed(exc: BaseException) -> None:
            self.log_model.set_rows([])
            show_error(self.log_error, error_text(exc, "loading the access log"))

        self.context.op(ops.access_log, reference).on_done(done).on_error(failed).run()
