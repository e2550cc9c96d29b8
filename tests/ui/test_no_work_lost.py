"""No work lost: dialogs ask before throwing typed work away; letters are saved as
``REFERENCE-letter-DATE.pdf`` in the documents folder, made on a new profile."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import QStandardPaths, Qt

from crm_desktop.db.database import Database
from crm_desktop.domain.access import Actor
from crm_desktop.domain.enums import Outcome
from crm_desktop.domain.workflow import Action
from tests.ui.conftest import bins_case
from ui.case_form import CaseDialog
from ui.context import AppContext
from ui.files import documents_folder, letter_file_name
from ui.investigators_page import InvestigatorsPage
from ui.new_case import NewCaseDialog
from ui.notifier import RecordingNotifier
from ui.widgets import to_qdate


def _confirms(context: AppContext) -> list[str]:
    notifier = context.notifier
    assert isinstance(notifier, RecordingNotifier)
    return [title for kind, title, _ in notifier.messages if kind == "confirm"]


def test_esc_in_new_case_asks_before_discarding_what_was_typed(qtbot, context: AppContext) -> None:  # type: ignore[no-untyped-def]
    notifier = context.notifier
    assert isinstance(notifier, RecordingNotifier)
    dialog = NewCaseDialog(context)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # nothing typed: closes at once
    assert not dialog.isVisible() and _confirms(context) == []

    dialog = NewCaseDialog(context)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.summary, "Bins missed three weeks running")
    notifier.answer = False  # "Keep editing"
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.isVisible() and _confirms(context) == ["Discard what you typed?"]
    assert dialog.summary.toPlainText() == "Bins missed three weeks running"
    notifier.answer = True  # "Discard"
    dialog.close()  # the window's close button asks too
    assert not dialog.isVisible() and len(_confirms(context)) == 2


def test_the_pool_member_dialog_asks_before_cancel_loses_typing(qtbot, context: AppContext) -> None:  # type: ignore[no-untyped-def]
    notifier = context.notifier
    assert isinstance(notifier, RecordingNotifier)
    notifier.answer = False
    page = InvestigatorsPage(context)
    qtbot.addWidget(page)
    page.activate()
    dialog = page.add_member()
    assert dialog is not None and dialog.isVisible()
    qtbot.keyClicks(dialog.full_name, "Ada Lovell")
    dialog.buttons.rejected.emit()  # Cancel
    assert dialog.isVisible() and _confirms(context) == ["Discard what you typed?"]


@pytest.fixture
def case_id(database: Database, people: dict[str, Actor]) -> int:
    return bins_case(database, people, email="ann@example.org")


def test_a_letter_is_offered_as_reference_letter_date_in_the_documents_folder(
    qtbot, context: AppContext, case_id: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    home = tmp_path / "new profile"
    monkeypatch.setattr(
        QStandardPaths, "writableLocation", staticmethod(lambda _which: str(home / "Documents"))
    )
    dialog = CaseDialog(context, case_id)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.detail is not None
    reference = dialog.detail.reference
    tab = dialog.correspondence_tab
    suggested: list[str] = []

    def save_path(_parent: object, _title: str, proposed: str, _filters: str) -> str:
        suggested.append(proposed)
        return proposed

    tab.ask_save_path = save_path
    tab.open_file = lambda _path: None
    letter = tab.write_letter()
    qtbot.addWidget(letter)
    letter.template.setCurrentIndex(letter.template.findData("acknowledgement"))
    letter.make_preview()
    assert not letter.has_typed_work()  # the template's text is nobody's typing
    letter.send()
    expected = home / "Documents" / f"{reference}-letter-2025-06-02.pdf"
    assert suggested == [str(expected)]
    assert expected.read_bytes().startswith(b"%PDF")  # the folder was made for it
    assert documents_folder() == home / "Documents"


def test_letter_file_names_are_safe() -> None:
    assert letter_file_name("COR-2024-00017", dt.date(2026, 12, 6)) == (
        "COR-2024-00017-letter-2026-12-06.pdf"
    )
    assert letter_file_name("A/B 1", dt.date(2026, 1, 2)) == "A-B-1-letter-2026-01-02.pdf"
    assert letter_file_name("", dt.date(2026, 1, 2)) == "case-letter-2026-01-02.pdf"


def test_after_acknowledge_and_respond_the_letter_is_offered(
    qtbot, context: AppContext, case_id: int, database: Database
) -> None:  # type: ignore[no-untyped-def]
    notifier = context.notifier
    assert isinstance(notifier, RecordingNotifier)
    case = CaseDialog(context, case_id)
    qtbot.addWidget(case)
    case.show()
    notifier.answer = False  # "Not now": nothing opens
    case.stage_tab.action_buttons[Action.ACKNOWLEDGE].click()
    dialog = case.stage_tab.action_dialog
    assert dialog is not None
    dialog.on.setDate(to_qdate(dt.date(2025, 5, 2)))
    dialog.ok_button.click()
    assert dialog.result_value is not None, dialog.error.text()
    offered = [m for m in notifier.messages if m[:2] == ("confirm", "Send the letter?")]
    assert len(offered) == 1 and "(Acknowledgement)" in offered[0][2]
    assert case.correspondence_tab.letter_dialog is None

    # Responding, with "Write the letter": the letter window opens on the response,
    # already filled in for this case.
    case.points_tab.select_point(0)
    case.points_tab.point_outcome.setCurrentIndex(
        case.points_tab.point_outcome.findData(Outcome.UPHELD.value)
    )
    case.points_tab.record_outcome_button.click()
    notifier.answer = True
    case.stage_tab.action_buttons[Action.RESPOND].click()
    dialog = case.stage_tab.action_dialog
    assert dialog is not None
    dialog.on.setDate(to_qdate(dt.date(2025, 5, 20)))
    dialog.ok_button.click()
    assert dialog.result_value is not None, dialog.error.text()
    letter = case.correspondence_tab.letter_dialog
    assert letter is not None and letter.isVisible()
    assert letter.template.currentData() == "stage_response"
    assert letter.preview_result is not None and "Ann Other" in letter.recipient.text()
    assert case.tabs.currentWidget() is case.correspondence_tab


def test_an_action_without_a_letter_offers_none(qtbot, context: AppContext, case_id: int) -> None:  # type: ignore[no-untyped-def]
    case = CaseDialog(context, case_id)
    qtbot.addWidget(case)
    case.show()
    assert not case.stage_tab.offer_letter(Action.WITHDRAW)
    assert not [m for m in context.notifier.messages if m[0] == "confirm"]  # type: ignore[attr-defined]


def test_started_is_said_only_of_work_still_running(qtbot, context: AppContext) -> None:  # type: ignore[no-untyped-def]
    """One way for every screen to know its long work is still under way (to show its
    progress and Cancel): ``run(started=...)``, never called for work already finished."""
    from crm_desktop.operations import cases as case_ops
    from ui.queues_page import ProgressStrip
    from ui.runner import Runner

    done: list[object] = []
    started: list[object] = []
    # The tests' runner finishes the work inside run(): nothing is under way after it.
    context.op(case_ops.reference_choices).on_done(done.append).run(started=started.append)
    assert len(done) == 1 and started == []
    strip = ProgressStrip("Test")
    qtbot.addWidget(strip)
    strip.run(context.op(case_ops.reference_choices).on_done(done.append), "Working…")
    assert strip.job is None and strip.isHidden()

    # A real worker thread: the work is under way when run() returns.
    context.runner = Runner()
    job = strip.run(
        context.op(case_ops.reference_choices).on_done(lambda v: (done.append(v), strip.finish())),
        "Working…",
    )
    assert strip.job is job and strip.label.text() == "Working…"
    qtbot.waitUntil(lambda: len(done) == 3, timeout=10000)
    assert strip.job is None
    context.runner.wait()
