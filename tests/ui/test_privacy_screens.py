"""The Data protection page (retention review, subject access, access log) and the
equality monitoring dialog of the case form."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from crm_desktop.db.database import Database
from crm_desktop.db.models import Case, Person
from crm_desktop.db.models_privacy import SubjectAccessRequest
from crm_desktop.privacy.equality import EqualityAnswers, equality_of, record_equality
from tests.core.test_privacy_support import MANAGER, add_closed_case, add_person, someone
from ui.case_form import CaseDialog
from ui.context import AppContext
from ui.equality_dialog import NOT_ANSWERED, EqualityDialog
from ui.main_window import MainWindow
from ui.privacy_page import PrivacyPage
from ui.runner import Job, Runner
from ui.widgets import RowsModel


def _check_model(qtmodeltester: Any, model: RowsModel) -> None:
    """Empty, filled and reset, whatever the screen left in it."""
    kept = model.rows
    assert kept, "the screen should have filled the model"
    model.set_rows([])
    qtmodeltester.check(model)
    model.set_rows(kept)
    qtmodeltester.check(model)
    model.set_rows([])
    qtmodeltester.check(model)
    model.set_rows(kept)


@pytest.fixture
def closed(database: Database) -> dict[str, int]:
    """Two cases closed in 2017 (due for review on 2 June 2025), one complainant each."""

    def build(session: Any) -> dict[str, int]:
        first = add_person(session, someone("A"))
        second = add_person(session, someone("B"))
        one = add_closed_case(session, first)
        two = add_closed_case(session, second)
        return {"one": one.id, "two": two.id, "person": first.id, "other": second.id}

    return database.write(build, actor="officer1")


@pytest.fixture
def page(qtbot, manager_context: AppContext, closed: dict[str, int]) -> PrivacyPage:  # type: ignore[no-untyped-def]
    page = PrivacyPage(manager_context)
    qtbot.addWidget(page)
    page.reasons = []  # type: ignore[attr-defined]

    def reason(_parent: Any, title: str, _prompt: str) -> str:
        page.reasons.append(title)  # type: ignore[attr-defined]
        return "Retention period ended"

    page.ask_reason = reason
    # As the main window does: the page hears what each operation changed.
    manager_context.runner.changed.connect(page.data_changed)
    page.show()
    page.activate()
    return page


def _choose(page: PrivacyPage, case_id: int) -> None:
    row = next(i for i, r in enumerate(page.review_model.rows) if r.case_id == case_id)
    page.review_table.selectRow(row)


def _reference(database: Database, case_id: int) -> str:
    with database.session() as session:
        return str(session.scalar(sa.select(Case.reference).where(Case.id == case_id)))


def test_the_page_lists_a_due_case_and_anonymising_removes_it(
    page: PrivacyPage, closed: dict[str, int], database: Database, qtmodeltester: Any
) -> None:
    ids = {r.case_id for r in page.review_model.rows}
    assert {closed["one"], closed["two"]} <= ids
    assert "2 closed cases" in page.review_note.text()
    _check_model(qtmodeltester, page.review_model)
    _choose(page, closed["one"])
    page.action_buttons["anonymise"].click()
    assert page.review_error.text() == ""
    assert page.reasons[0].startswith("Anonymise")  # type: ignore[attr-defined]
    assert "anonymised" in page.review_status.text()
    assert closed["one"] not in {r.case_id for r in page.review_model.rows}
    assert closed["two"] in {r.case_id for r in page.review_model.rows}
    with database.session() as session:
        case = session.get(Case, closed["one"])
        assert case is not None and case.anonymised_at is not None


def test_a_legal_hold_blocks_deletion_and_says_so(
    page: PrivacyPage, closed: dict[str, int], database: Database
) -> None:
    _choose(page, closed["two"])
    page.action_buttons["hold"].click()
    held = next(r for r in page.review_model.rows if r.case_id == closed["two"])
    assert held.legal_hold and "Retention period ended" in held.hold_reason
    _choose(page, closed["two"])
    page.action_buttons["delete"].click()
    assert "legal hold" in page.review_error.text()
    assert page.review_error.isVisible()
    with database.session() as session:
        assert session.get(Case, closed["two"]) is not None
    # Released, it can go.
    _choose(page, closed["two"])
    page.action_buttons["release"].click()
    _choose(page, closed["two"])
    page.action_buttons["delete"].click()
    assert page.review_error.text() == ""
    with database.session() as session:
        assert session.get(Case, closed["two"]) is None


def test_an_action_without_a_chosen_case_or_with_a_cancelled_reason_does_nothing(
    page: PrivacyPage, closed: dict[str, int]
) -> None:
    page.review_table.clearSelection()
    page.review_table.setCurrentIndex(page.review_model.index(-1, -1))
    page.action_buttons["delete"].click()
    assert "Choose a case" in page.review_error.text()
    page.ask_reason = lambda *_: None
    _choose(page, closed["one"])
    page.action_buttons["delete"].click()
    assert closed["one"] in {r.case_id for r in page.review_model.rows}


def test_a_subject_access_export_writes_a_zip(
    page: PrivacyPage, closed: dict[str, int], tmp_path: Path, database: Database
) -> None:
    target = tmp_path / "out" / "sar.zip"
    target.parent.mkdir()
    asked: list[str] = []

    def save_path(_parent: Any, title: str, suggested: str, _filters: str) -> str:
        asked.append(suggested)
        return str(target)

    page.ask_save_path = save_path
    page.sar_button.click()
    assert "Find the person first" in page.sar_error.text()
    assert asked == []
    page.person.search.setText("zelda")  # both people of the fixture, by name
    page.person.look_up()
    found = [page.person.results.item(i).text() for i in range(page.person.results.count())]
    assert len(found) == 2 and all(text.startswith("Zelda") for text in found)
    assert all("1 case: " in text for text in found)  # what tells them apart
    assert not any(str(closed["person"]) == text for text in found)
    page.sar_button.click()
    assert "Find the person first" in page.sar_error.text()  # two found, none chosen
    with database.session() as session:
        first = session.get(Person, closed["person"])
        assert first is not None
        name, postcode = first.full_name, first.postcode
    page.person.search.setText(postcode or "")  # by postcode: one found, chosen at once
    page.person.look_up()
    assert page.person.person_id() == closed["person"] and page.person.person_name() == name
    page.sar_button.click()
    assert page.sar_error.text() == ""
    slug = "-".join(name.lower().split())
    assert asked and asked[0].endswith(f"subject-access-{slug}.zip")
    assert zipfile.is_zipfile(target)
    with zipfile.ZipFile(target) as archive:
        assert any(name.lower().endswith(".pdf") for name in archive.namelist())
    assert page.last_export is not None and page.last_export.path == target
    assert "Saved as" in page.sar_status.text()


def test_the_access_log_lists_who_opened_a_case_and_filters_by_reference(
    qtbot,  # type: ignore[no-untyped-def]
    page: PrivacyPage,
    closed: dict[str, int],
    manager_context: AppContext,
    database: Database,
    qtmodeltester: Any,
) -> None:
    dialog = CaseDialog(manager_context, closed["one"])
    qtbot.addWidget(dialog)
    dialog.show()
    reference = _reference(database, closed["one"])
    page.log_reference.setText(reference.lower())
    page.log_button.click()
    rows = page.log_model.rows
    assert [(r.reference, r.username) for r in rows] == [(reference, "boss")]
    shown = [page.log_model.data(page.log_model.index(0, c)) for c in range(4)]
    assert shown[3] == "Administrator"  # the role as people say it, not its stored value
    _check_model(qtmodeltester, page.log_model)
    page.log_reference.setText("NOPE-1")
    page.log_button.click()
    assert "NOPE-1" in page.log_error.text()
    assert page.log_model.rows == []


def test_the_page_is_in_the_navigation_for_managers_only(
    qtbot,  # type: ignore[no-untyped-def]
    context: AppContext,
    people: dict[str, Any],
) -> None:
    window = MainWindow(context=context)
    qtbot.addWidget(window)
    assert "Data protection" not in window.pages
    context.actor = people["manager"]
    manager_window = MainWindow(context=context)
    qtbot.addWidget(manager_window)
    names = list(manager_window.pages)
    assert names[-2:] == ["Data protection", "Admin"]
    assert isinstance(manager_window.show_page("Data protection"), PrivacyPage)


# ------------------------------------------------------------------- equality dialog


def test_the_equality_dialog_saves_the_complainants_answers(
    qtbot,  # type: ignore[no-untyped-def]
    manager_context: AppContext,
    closed: dict[str, int],
    database: Database,
) -> None:
    case = CaseDialog(manager_context, closed["one"])
    qtbot.addWidget(case)
    case.show()
    assert not case.people_tab.equality_button.isHidden()
    case.people_tab.equality_button.click()
    dialog = case.people_tab.equality_dialog
    assert isinstance(dialog, EqualityDialog) and dialog.person_id == closed["person"]
    assert dialog.current.text() == "No answers recorded."
    sex = dialog.combos[next(c for c in dialog.combos if c.value == "sex")]
    labels = [sex.itemText(i) for i in range(sex.count())]
    assert labels[0] == NOT_ANSWERED and "Prefer not to say" in labels
    sex.setCurrentIndex(sex.findData("Prefer not to say"))
    age = dialog.combos[next(c for c in dialog.combos if c.value == "age_band")]
    age.setCurrentIndex(2)
    chosen_age = age.currentData()
    dialog.save_button.click()
    assert dialog.error.text() == ""
    assert dialog.status.text() == "Saved."
    assert "Sex: Prefer not to say" in dialog.current.text()
    with database.session() as session:
        answers = equality_of(session, closed["person"])
    assert answers is not None
    assert answers.sex == "Prefer not to say" and answers.age_band == chosen_age
    assert answers.ethnicity is None
    # Opened again, it shows what is recorded.
    again = EqualityDialog(manager_context, closed["person"], "A")
    qtbot.addWidget(again)
    assert again.combos[next(c for c in again.combos if c.value == "sex")].currentData() == (
        "Prefer not to say"
    )


def test_a_non_manager_cannot_open_the_equality_dialog(
    qtbot,  # type: ignore[no-untyped-def]
    context: AppContext,
    closed: dict[str, int],
    database: Database,
) -> None:
    case = CaseDialog(context, closed["one"])  # signed in as an officer
    qtbot.addWidget(case)
    case.show()
    assert case.people_tab.equality_button.isHidden()
    assert case.people_tab.equality_monitoring() is None
    # Even built directly, the operation refuses it: nothing shown, nothing saved.
    dialog = EqualityDialog(context, closed["person"], "A")
    qtbot.addWidget(dialog)
    assert dialog.error.text() and not dialog.error.isHidden()
    assert not dialog.save_button.isEnabled()
    dialog.save()  # and saving is refused too
    with database.session() as session:
        assert equality_of(session, closed["person"]) is None
    database.write(
        lambda s: record_equality(s, MANAGER, closed["person"], EqualityAnswers(sex="Female")),
        actor="manager1",
    )
    hidden = EqualityDialog(context, closed["person"], "A")
    qtbot.addWidget(hidden)
    assert "Female" not in hidden.current.text()


def test_a_subject_access_export_shows_progress_and_cancelling_keeps_nothing(
    page: PrivacyPage, closed: dict[str, int], tmp_path: Path, database: Database, runner: Runner
) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    target = folder / "sar.zip"
    page.ask_save_path = lambda *_args: str(target)
    page.person.search.setText("zelda")
    page.person.look_up()
    page.person.results.setCurrentRow(0)
    original = runner.submit_job
    jobs: list[Job] = []
    seen: list[tuple[int, int, str]] = []

    def cancelling(
        work: Callable[[Job], Any], on_done: Any = None, on_error: Any = None, shown: Any = None
    ) -> Job:
        def remember(job: Job) -> Any:
            jobs.append(job)
            return work(job)

        def progress(done: int, total: int, text: str) -> None:
            seen.append((done, total, text))
            if shown is not None:
                shown(done, total, text)
            if done >= 1:
                jobs[-1].cancel()  # the user presses Cancel while it collects

        return original(remember, on_done, on_error, progress)

    runner.submit_job = cancelling  # type: ignore[method-assign]
    page.sar_button.click()
    runner.submit_job = original  # type: ignore[method-assign]
    assert jobs and jobs[-1].cancelled
    assert seen[0][2].startswith("Collecting what is held")
    assert list(folder.iterdir()) == []  # no ZIP, no temporary file left
    with database.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(SubjectAccessRequest)) == 0
    page.sar_progress.cancel_button.click()
    assert page.sar_button.isEnabled()
    assert page.sar_status.text().startswith("Cancelled")
    page.sar_button.click()  # not cancelled: written, with its progress to the end
    assert target.is_file() and page.last_export is not None
    assert not page.sar_progress.isVisible()
