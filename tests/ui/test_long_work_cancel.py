"""Long work started from the Complaint Handling Code and Data protection pages shows a
progress strip with Cancel, keeps the page's buttons waiting, and once cancelled leaves
the page usable and the data as it was."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from crm_desktop.db.database import Database
from crm_desktop.db.models_code import CodeYear
from crm_desktop.operations.core import Cancelled, Change, OpChanges
from tests.code_cases import AS_OF, build_code_cases
from tests.core.test_privacy_support import add_closed_case, add_person, someone
from ui.code_page import CodePage
from ui.context import AppContext
from ui.privacy_page import PrivacyPage
from ui.queues_page import ProgressStrip
from ui.runner import Job, Runner


class Held:
    """Holds back work that reports its progress, as a busy worker thread would: the page
    sees it under way. Other work runs at once."""

    def __init__(self, runner: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
        self.runner = runner
        self.original = runner.submit_job
        self.held: list[tuple[Callable[[Job], Any], Job]] = []
        self.callbacks: dict[
            int, tuple[Callable[[Any], None] | None, Callable[..., None] | None]
        ] = {}
        monkeypatch.setattr(runner, "submit_job", self.submit)

    def submit(
        self,
        work: Callable[[Job], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_progress: Callable[[int, int, str], None] | None = None,
    ) -> Job:
        if on_progress is None:
            return self.original(work, on_done, on_error)
        job = Job()
        job._report = on_progress
        self.held.append((work, job))
        self.callbacks[id(job)] = (on_done, on_error)
        return job

    def run_cancelled_late(self, strip: ProgressStrip) -> Job:
        """Run the held work to its end (its change committed), then the user presses
        Cancel before the answer reaches the page, which then gets it."""
        work, job = self.held.pop()
        on_done, on_error = self.callbacks.pop(id(job))
        result = work(job)
        strip.cancel_button.click()
        self.runner._deliver(job, result, None, on_done, on_error)
        return job

    def run_cancelled(self, strip: ProgressStrip, when: Callable[[str], bool]) -> list[str]:
        """Run the held work; the user presses the strip's Cancel once it shows a step
        ``when`` accepts. The work must then stop. What the strip showed is returned."""
        work, job = self.held.pop()
        shown: list[str] = []
        report = job._report
        assert report is not None

        def reported(done: int, total: int, text: str) -> None:
            report(done, total, text)
            shown.append(strip.label.text())
            if when(text):
                strip.cancel_button.click()

        job._report = reported
        with pytest.raises(Cancelled):
            work(job)
        return shown


# ------------------------------------------------------------ the Code's page


@pytest.fixture
def code_cases(database: Database, manager_context: AppContext) -> Database:
    database.write(build_code_cases)
    manager_context.today = lambda: AS_OF  # type: ignore[method-assign]
    return database


def _code_page(qtbot: Any, context: AppContext) -> CodePage:
    page = CodePage(context)
    qtbot.addWidget(page)
    page.show()
    return page


def _code_buttons_enabled(page: CodePage) -> list[bool]:
    return [
        w.isEnabled()
        for w in (
            page.year,
            page.export_button,
            page.save_answer_button,
            page.save_inputs_button,
            page.load_figures_button,
            page.record_finding_button,
        )
    ]


def test_counting_the_code_figures_shows_progress_and_cancel(
    qtbot: Any,
    manager_context: AppContext,
    code_cases: Database,
    runner: Runner,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    held = Held(runner, monkeypatch)
    page = _code_page(qtbot, manager_context)
    page.activate()
    assert held.held and page.progress.isVisible() and page.progress.cancel_button.isVisible()
    assert page.progress.label.text() == "Counting the figures for 2026/27…"
    assert _code_buttons_enabled(page) == [False] * 6  # waiting for the count
    shown = held.run_cancelled(page.progress, lambda text: "Stage 1's rules" in text)
    assert shown[0] == "Reading the saved answers…"
    assert "against Stage 1's rules" in shown[-1]
    assert not page.progress.isVisible()
    assert _code_buttons_enabled(page) == [True] * 6
    assert page.status.text().startswith("Cancelled: the figures were not counted")
    assert page.assessment is None and page.rows.rows == [] and page.stale
    monkeypatch.setattr(runner, "submit_job", held.original)
    page.activate()  # opened again: counted to the end
    assert page.assessment is not None and len(page.rows.rows) > 0
    assert not page.progress.isVisible() and _code_buttons_enabled(page) == [True] * 6


LETTER_FIGURES = "letter_decisions,7\nletter_upheld_percent,50\n"


def _loading_letter_figures(
    qtbot: Any,
    context: AppContext,
    runner: Runner,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    text: str,
) -> tuple[Any, Held]:
    """The Code page, its figures counted, loading the letter's figures from a file with
    ``text``; the work held, to be run or cancelled by the test."""
    page = _code_page(qtbot, context)
    page.activate()
    assert page.assessment is not None and not page.progress.isVisible()
    figures = tmp_path / "letter.csv"
    figures.write_text(text, encoding="utf-8")
    held = Held(runner, monkeypatch)
    page.load_figures(figures)
    return page, held


def test_cancelled_letter_figures_are_not_saved(
    qtbot: Any,
    manager_context: AppContext,
    code_cases: Database,
    runner: Runner,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    page, held = _loading_letter_figures(
        qtbot, manager_context, runner, monkeypatch, tmp_path, LETTER_FIGURES
    )
    assert page.progress.isVisible() and not page.load_figures_button.isEnabled()
    # Cancelled once the figures were saved, before the change was committed.
    shown = held.run_cancelled(page.progress, lambda text: text.startswith("Saving"))
    assert shown[-1] == "Saving the figures…"
    assert not page.progress.isVisible() and page.load_figures_button.isEnabled()
    assert page.status.text() == (
        "Cancelled: the letter's figures were not loaded; nothing was saved."
    )
    assert page.figures["letter_decisions"].value() == -1  # still "Not given"
    with code_cases.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(CodeYear)) == 0


def test_letter_figures_saved_as_cancel_is_pressed_are_shown_saved(
    qtbot: Any,
    manager_context: AppContext,
    code_cases: Database,
    runner: Runner,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """Cancel pressed while the change is being committed comes too late to stop it: the
    page must say the figures were saved (they were), not that nothing was."""
    heard: list[OpChanges] = []
    runner.changed.connect(heard.append)
    page, held = _loading_letter_figures(
        qtbot, manager_context, runner, monkeypatch, tmp_path, LETTER_FIGURES
    )
    job = held.run_cancelled_late(page.progress)
    assert job.cancelled
    assert page.status.text() == "The letter's figures are loaded from letter.csv and saved."
    assert page.figures["letter_decisions"].value() == 7
    assert heard and heard[-1]
    with code_cases.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(CodeYear)) == 1


def test_a_cancelled_read_is_still_dropped(runner: Runner) -> None:
    """Work that changed nothing, cancelled, is never delivered (a screen that moved on
    must not be handed an old answer)."""
    delivered: list[object] = []
    job = Job()
    job.cancel()
    runner._deliver(job, "old answer", None, delivered.append, delivered.append)
    assert delivered == []
    job.committed = True
    runner._deliver(job, "saved", None, delivered.append, delivered.append)
    assert delivered == ["saved"]


def test_a_cancelled_spreadsheet_is_not_saved(
    qtbot: Any,
    manager_context: AppContext,
    code_cases: Database,
    runner: Runner,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    page = _code_page(qtbot, manager_context)
    page.activate()
    folder = tmp_path / "out"
    folder.mkdir()
    held = Held(runner, monkeypatch)
    page.export_to(folder / "sa.xlsx")
    assert page.progress.isVisible() and not page.export_button.isEnabled()
    held.run_cancelled(page.progress, lambda text: text.startswith("Reading the history"))
    assert list(folder.iterdir()) == []
    assert page.status.text() == "Cancelled: no spreadsheet was saved."
    assert page.export_button.isEnabled() and not page.stale  # the figures shown stand


# ------------------------------------------------------------ the Data protection page


@pytest.fixture
def closed(database: Database) -> None:
    def build(session: Any) -> None:
        for letter in "ABC":
            add_closed_case(session, add_person(session, someone(letter)))

    database.write(build, actor="officer1")


def test_the_retention_review_shows_progress_and_cancel(
    qtbot: Any,
    manager_context: AppContext,
    closed: None,
    runner: Runner,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    page = PrivacyPage(manager_context)
    qtbot.addWidget(page)
    page.show()
    held = Held(runner, monkeypatch)
    page.activate()
    strip = page.review_progress
    assert strip.isVisible() and strip.cancel_button.isVisible()
    assert strip.label.text() == "Checking the closed cases…"
    assert not any(b.isEnabled() for b in page.action_buttons.values())
    shown = held.run_cancelled(strip, lambda text: text.startswith("Checking closed cases"))
    assert shown == ["Reading the closed cases…", "Checking closed cases 0 of 3…"]
    assert not strip.isVisible()
    assert all(b.isEnabled() for b in page.action_buttons.values())
    assert page.review_note.text().startswith("Cancelled: the review was not finished")
    assert page.review_model.rows == [] and page.stale
    monkeypatch.setattr(runner, "submit_job", held.original)
    page.activate()  # opened again: the review runs to the end
    assert len(page.review_model.rows) == 3 and not strip.isVisible()
    assert page.review_note.text().startswith("As of 2 Jun 2025: 3 closed cases")


def test_a_change_elsewhere_does_not_cancel_loading_the_letters_figures(
    qtbot: Any,
    manager_context: AppContext,
    code_cases: Database,
    runner: Runner,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    page, held = _loading_letter_figures(
        qtbot, manager_context, runner, monkeypatch, tmp_path, "letter_decisions,7\n"
    )
    job = page.progress.job
    assert job is not None
    page.data_changed(OpChanges.of(Change.CASES))  # another screen saved a case
    assert page.progress.job is job and not job.cancelled and page.stale
    assert len(held.held) == 1  # no recount started over it
    work, _job = held.held.pop()
    work(job)  # it runs to the end: saved
    with code_cases.session() as session:
        assert session.scalar(sa.select(CodeYear.letter_decisions)) == 7
