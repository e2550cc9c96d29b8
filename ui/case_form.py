"""The case form: one window per open case.

Tabs: details (edited and saved with Ctrl+S, messages beside the field), complaint
points (nature, description, outcome at the current stage), the stage panel (stage,
state, due date with its explanation one click away, the clock, and only the actions
the workflow allows now), people and appointments, action items, the timeline and the
change history (one class each in ``ui.case_tabs``), correspondence (letters and emails,
``ui.correspondence_tab``) and attachments. The window holds the heading, the conflict
banner, loading, saving the details and closing; the tabs run their own changes through
:meth:`CaseDialog.write`.

Every read and write goes through the runner. A save that meets someone else's change
shows who changed the case and when, and offers to reload: the reload refreshes
everything but the fields being typed in, and keeps the new version so the next save
goes through.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QByteArray, Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.correspondence.templates import TEMPLATES
from crm_desktop.errors import ConflictError
from crm_desktop.operations import cases
from crm_desktop.operations.core import Change, OpChanges
from crm_desktop.operations.policy import Permission
from crm_desktop.services.case_view import CaseDetail
from crm_desktop.services.reference_admin import ReferenceChoices
from ui.case_tabs import (
    ActionItemsTab,
    DetailsTab,
    HistoryTab,
    PeopleTab,
    PointsTab,
    StageTab,
    TimelineTab,
)
from ui.context import AppContext
from ui.correspondence_tab import AttachmentsTab, CorrespondenceTab, LetterDialog
from ui.ops import PendingOp
from ui.user_state import UserState
from ui.widgets import (
    PageTabs,
    date_text,
    error_label,
    error_text,
    first_field,
    show_error,
    tone_style,
)

GEOMETRY_KEY = "case_dialog/geometry"


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
        self._close_when_saved = False  # "Save and close" asked for
        self._opened = False
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

        # The pages scroll on a small or highly scaled screen; the tabs stay in view and
        # fit the window (a name too long is shortened, whole in its tooltip).
        self.tabs = PageTabs(self)
        self.tabs.setObjectName("CaseTabs")
        self.tabs.setAccessibleName("Case sections")
        layout.addWidget(self.tabs, 1)
        self.details_tab = DetailsTab(self, self)
        self.details_tab.edited.connect(self._typed)
        self.tabs.add_page(self.details_tab, "Details")
        self.points_tab = PointsTab(self, self)
        self.tabs.add_page(self.points_tab, "Points", "the complaint's points and their outcomes")
        self.stage_tab = StageTab(self, self)
        self.tabs.add_page(self.stage_tab, "Stage", "the current stage, its clock and actions")
        self.people_tab = PeopleTab(self, self)
        self.tabs.add_page(self.people_tab, "People", "people on the case and appointments")
        self.items_tab = ActionItemsTab(self, self)
        self.tabs.add_page(self.items_tab, "Action items", "the action plan of an upheld complaint")
        self.timeline_tab = TimelineTab(self)
        self.tabs.add_page(self.timeline_tab, "Timeline")
        self.history_tab = HistoryTab(self)
        self.tabs.add_page(self.history_tab, "History", "every change made to the case")
        self.correspondence_tab = CorrespondenceTab(context, case_id, self)
        # Short names, so that all nine fit at 200% on a 1366×768 screen.
        self.tabs.add_page(
            self.correspondence_tab,
            "Letters",
            "letters and emails sent and received, calls, meetings and notes",
        )
        self.attachments_tab = AttachmentsTab(context, case_id, self)
        self.tabs.add_page(self.attachments_tab, "Files", "documents attached to the case")
        self.tabs.add_number_keys()  # Ctrl+1 to Ctrl+9
        self.correspondence_tab.load()
        self.attachments_tab.load()

        buttons = QHBoxLayout()
        self.status = QLabel("", self)
        self.status.setObjectName("CaseStatusLine")
        buttons.addWidget(self.status, 1)
        self.save_button = QPushButton("&Save details", self)
        self.save_button.setObjectName("SaveButton")
        self.save_button.setToolTip("Save the details (Ctrl+S)")
        self.save_button.clicked.connect(self.save)
        self.save_button.setEnabled(False)
        buttons.addWidget(self.save_button)
        # Its own Alt-key, which the Stage tab's actions keep clear of (Alt+L).
        close = QPushButton("C&lose", self)
        close.setObjectName("CloseButton")
        close.clicked.connect(self.close)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        QShortcut(QKeySequence.StandardKey.Save, self, self.save)
        QShortcut(QKeySequence("Ctrl+W"), self, self.close)  # asks first if unsaved

        geometry = UserState.of(context).value(GEOMETRY_KEY)
        if not isinstance(geometry, QByteArray) or not self.restoreGeometry(geometry):
            metrics = self.fontMetrics()
            self.resize(metrics.horizontalAdvance("M") * 84, metrics.height() * 46)
        context.runner.changed.connect(self.data_changed)
        self.load()

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
            self.points_tab.set_natures(natures)

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
        if detail.status == "open" and detail.stage is not None and detail.stage.suspended_label:
            status = detail.stage.suspended_label
        self.subheading.setText(
            f"{status} · received {date_text(detail.received_on)}"
            + (f" · {detail.service_area}" if detail.service_area else "")
            + (f" · owner {detail.owner}" if detail.owner else "")
        )
        self._fill_details(detail, keep_typing)
        self.points_tab.fill(detail)
        complaint = detail.is_complaint
        self.tabs.setTabVisible(self.tabs.indexOf(self.points_tab), complaint)
        self.stage_tab.fill(detail)
        self.people_tab.fill(detail)
        self.items_tab.fill(detail)
        self.timeline_tab.fill(detail)
        self.history_tab.fill(detail)
        # Who changed it last, as colleagues know them (the version number is the
        # program's own business: it stays out of sight).
        self.status.setText(f"Last changed by {detail.updated_by}" if detail.updated_by else "")
        if not keep_typing:
            self.conflict.setVisible(False)

    def reload_keeping_typing(self) -> None:
        self.conflict.setVisible(False)
        self.load(keep_typing=True)

    # ----------------------------------------------------------------------- saving

    def _typed(self) -> None:
        self.dirty = True
        self.save_button.setEnabled(True)

    def _fill_details(self, detail: CaseDetail, keep_typing: bool) -> None:
        """Fill the details tab; after a conflict, keep what the officer typed."""
        details = self.details_tab
        assert self.choices is not None
        changes = details.typed_changes() if keep_typing and self.dirty else {}
        details.fill(detail, self.choices)
        if changes:
            details.restore(changes)
        self.dirty = bool(changes)
        self.save_button.setEnabled(bool(changes))

    def save(self) -> None:
        if self.detail is None or not self.dirty:
            return
        self.details_tab.clear_errors()
        show_error(self.error, "")
        if not self.details_tab.check():
            self._close_when_saved = False  # stays open, the problem shown
            return
        edit = self.details_tab.case_edit()
        self.save_button.setEnabled(False)

        def done(_version: int) -> None:
            self.dirty = False
            self.changed.emit()
            if self._close_when_saved:
                self._close_when_saved = False
                self.close()

        self.context.op(cases.edit_case, self.case_id, self.detail.version, edit).on_done(
            done
        ).on_error(self._save_failed).run()

    def _save_failed(self, exc: BaseException) -> None:
        self._close_when_saved = False
        self.save_button.setEnabled(True)
        if isinstance(exc, ConflictError):
            self.show_conflict(exc.message)
            return
        if self.details_tab.show_field_error(exc):
            return
        show_error(self.error, error_text(exc, "saving the case"))

    def show_conflict(self, message: str) -> None:
        self.conflict_text.setText(message)
        self.conflict.setVisible(True)

    def write(
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

    def write_letter(
        self, template_key: str | None = None, assignment_id: int | None = None
    ) -> LetterDialog:
        """Open the letter window on the Letters tab (with ``template_key``
        chosen and previewed, when given; an appointment letter about ``assignment_id``).
        Closed without a letter sent, the window goes back to the tab it was on."""
        was_on = self.tabs.currentWidget()
        self.tabs.setCurrentWidget(self.correspondence_tab)
        dialog = self.correspondence_tab.write_letter()
        if was_on is not None and was_on is not self.correspondence_tab:
            # Closed with no letter sent (sent, the window stays open to show it, and
            # closing it then is a rejection too).
            dialog.rejected.connect(lambda: self._back_to(was_on, dialog))
        dialog.assignment_id = assignment_id
        index = dialog.template.findData(template_key) if template_key else -1
        if index >= 0:
            dialog.template.setCurrentIndex(index)
            dialog.make_preview()
        return dialog

    def _back_to(self, page: QWidget, letter: LetterDialog) -> None:
        """Show ``page`` again (if no letter was sent and the Letters tab is still the
        one shown), the focus at its entry (:func:`first_field`: the Stage tab's first
        action)."""
        if letter.outcome is not None or self.tabs.currentWidget() is not self.correspondence_tab:
            return
        self.tabs.setCurrentWidget(page)
        first = first_field(page)
        if first is not None:
            first.setFocus(Qt.FocusReason.OtherFocusReason)

    def offer_letter(self, done: str, template_key: str, assignment_id: int | None = None) -> bool:
        """After something that has a letter (Acknowledge, Respond, an appointment, ...),
        offer to write it: ``done`` says what was recorded. True when the letter window
        was opened."""
        if self.detail is None or not self.context.allows(Permission.SEND_CORRESPONDENCE):
            return False
        if not self.context.notifier.confirm(
            "Send the letter?",
            f"{done} Write the letter that goes with it ({TEMPLATES[template_key].name}) now?",
            yes="Write the letter",
            no="Not now",
        ):
            return False
        self.write_letter(template_key, assignment_id)
        return True

    # ---------------------------------------------------------------------- closing

    def _may_close(self) -> bool:
        if self.dirty:
            answer = self.context.notifier.choose(
                "Unsaved changes",
                "You have changed the details of this case without saving. Save them and "
                "close it, close it and lose them, or keep editing?",
                ("Close without saving", "Save and close", "Keep editing"),
                safe=2,
            )
            if answer == 1:
                # Saved in the background: the window closes once the save is done (a
                # refusal is shown in it, and it stays open).
                self._close_when_saved = True
                self.save()
                return False
            if answer != 0:
                return False
        self.dirty = False
        UserState.of(self.context).set_value(GEOMETRY_KEY, self.saveGeometry())
        return True

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._may_close():
            event.ignore()
            return
        super().closeEvent(event)

    def reject(self) -> None:  # Esc
        if self._may_close():
            super().reject()
