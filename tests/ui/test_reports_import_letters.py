"""The Reports page (annual report PDF, commentary, exports, baseline), the import wizard,
the case form's Correspondence and Attachments tabs, and the notification centre."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from pypdf import PdfReader
from PySide6.QtCore import QStandardPaths, Qt
from PySide6.QtWidgets import QWizard

from crm_desktop.correspondence.notifications import notify
from crm_desktop.db.database import Database
from crm_desktop.db.models import Attachment, BaselineFigure, Case, Correspondence, Setting
from crm_desktop.domain.access import Actor
from crm_desktop.domain.enums import Procedure
from crm_desktop.operations.core import Change
from tests.factories import add_case
from tests.ui.conftest import TODAY, bins_case
from ui.case_form import CaseDialog
from ui.context import AppContext
from ui.files import remember_folder, remembered_start
from ui.import_wizard import ImportWizard
from ui.main_window import MainWindow
from ui.notifier import RecordingNotifier
from ui.reports_page import ReportsPage, last_complete_year
from ui.runner import Job, Runner
from ui.user_state import UserState
from ui.widgets import RowsModel

EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "cases-example.csv"


def _count(database: Database, model: type) -> int:
    with database.session() as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


def _pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(path.read_bytes())).pages)


def _check_model(qtmodeltester: Any, model: RowsModel, rows: list[Any]) -> None:
    """Empty, filled and reset, whatever the screen left in it."""
    kept = model.rows
    model.set_rows([])
    qtmodeltester.check(model)
    model.set_rows(rows)
    qtmodeltester.check(model)
    model.set_rows([])
    qtmodeltester.check(model)
    model.set_rows(kept)


@pytest.fixture
def cases(database: Database) -> Database:
    def build(session: Any) -> None:
        for i in range(4):
            add_case(session, received_on=dt.date(2024, 5, 1) + dt.timedelta(days=i * 20))
        add_case(session, received_on=dt.date(2023, 6, 1), procedure=Procedure.CORPORATE)

    database.write(build)
    return database


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """A folder for what the screens write (the test's database is in tmp_path)."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


@pytest.fixture
def page(qtbot, manager_context: AppContext, cases: Database) -> ReportsPage:  # type: ignore[no-untyped-def]
    page = ReportsPage(manager_context)
    qtbot.addWidget(page)
    page.opened = []  # type: ignore[attr-defined]
    page.open_file = page.opened.append  # type: ignore[attr-defined]
    page.show()
    page.activate()
    return page


# ----------------------------------------------------------------------- annual report


def test_the_year_defaults_to_the_last_complete_financial_year() -> None:
    assert last_complete_year(dt.date(2025, 6, 2)) == 2024
    assert last_complete_year(dt.date(2025, 3, 31)) == 2023
    assert last_complete_year(dt.date(2025, 4, 1)) == 2024


def test_make_the_pdf_writes_the_report_with_its_commentary_and_opens_it(
    page: ReportsPage, cases: Database, out: Path
) -> None:
    tmp_path = out
    assert page.chosen_year == 2024
    assert page.pdf_path.text().endswith("annual-report-2024-25.pdf")
    assert page.commentary_year == 2024
    page.commentary["children"].setPlainText("Fewer complaints <img src='x'> than before.")
    assert page.save_commentary_button.isEnabled()
    page.procedure.setCurrentIndex(page.procedure.findData("corporate"))
    target = tmp_path / "report.pdf"
    page.pdf_path.setText(str(target))
    page.with_xlsx.setChecked(True)
    progress: list[tuple[int, int, str]] = []
    page.report_progress.progress = lambda d, t, x: progress.append((d, t, x))  # type: ignore[method-assign]
    page.make_button.click()
    assert page.report_error.text() == ""
    assert page.opened == [target]  # type: ignore[attr-defined]
    assert target.read_bytes().startswith(b"%PDF")
    assert (tmp_path / "report.xlsx").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.pdf", "report.xlsx"]
    assert progress[0][2].startswith("Counting the figures")
    assert progress[-1][0] == progress[-1][1] == 100
    assert "saved as" in page.report_status.text()
    assert page.make_button.isEnabled() and not page.report_progress.isVisible()
    # The unsaved commentary was saved first (a manager's), for that year.
    with cases.session() as session:
        setting = session.get(Setting, "report.commentary.2024.children")
        assert setting is not None and "Fewer complaints" in setting.value
    assert not page.save_commentary_button.isEnabled()
    text = _pdf_text(target)
    assert "2024/25" in text and "Corporate" in text
    # A corporate-only report has no children's section: its commentary is not shown.
    page.procedure.setCurrentIndex(page.procedure.findData("all"))
    page.pdf_path.setText(str(target))
    page.with_xlsx.setChecked(False)
    page.make_report()
    assert "Fewer complaints <img src='x'> than before." in " ".join(_pdf_text(target).split())


def test_the_web_page_is_saved_beside_the_pdf_when_asked(page: ReportsPage, out: Path) -> None:
    target = out / "published.pdf"
    page.pdf_path.setText(str(target))
    page.with_html.setChecked(True)
    page.make_button.click()
    assert page.report_error.text() == ""
    assert sorted(p.name for p in out.iterdir()) == ["published.html", "published.pdf"]
    assert page.last_web_page == out / "published.html"
    assert '<html lang="en-GB">' in (out / "published.html").read_text(encoding="utf-8")
    assert "as a web page as" in page.report_status.text()


def test_cancel_leaves_no_file_and_errors_are_shown(
    page: ReportsPage, runner: Runner, out: Path
) -> None:
    tmp_path = out
    original = runner.submit_job
    jobs: list[Job] = []

    def cancelling(
        work: Callable[[Job], Any], on_done: Any = None, on_error: Any = None, _p: Any = None
    ) -> Job:
        def remember(job: Job) -> Any:
            jobs.append(job)
            return work(job)

        return original(remember, on_done, on_error, lambda *_a: jobs[-1].cancel())

    runner.submit_job = cancelling  # type: ignore[method-assign]
    page.pdf_path.setText(str(tmp_path / "cancelled.pdf"))
    page.make_report()
    runner.submit_job = original  # type: ignore[method-assign]
    assert jobs and jobs[-1].cancelled  # the report's job (the first counts the cases)
    assert list(tmp_path.iterdir()) == []
    assert page.opened == []  # type: ignore[attr-defined]
    page.report_progress.cancel_button.click()
    assert page.make_button.isEnabled()
    assert "Cancelled" in page.report_status.text()

    # A folder that does not exist (a new profile's): asked, then made, or not.
    notifier = page.context.notifier
    assert isinstance(notifier, RecordingNotifier)
    notifier.answer = False
    page.pdf_path.setText(str(tmp_path / "no such folder" / "report.pdf"))
    page.make_report()
    assert page.report_error.isVisibleTo(page)
    assert "does not exist" in page.report_error.text()
    assert notifier.messages[-1][:2] == ("confirm", "Make the folder?")
    assert page.opened == []  # type: ignore[attr-defined]
    assert not (tmp_path / "no such folder").exists()
    notifier.answer = True
    page.make_report()
    made = tmp_path / "no such folder" / "report.pdf"
    assert page.opened == [made] and made.read_bytes().startswith(b"%PDF")  # type: ignore[attr-defined]
    # The folder is remembered for this user: the next report is suggested there.
    assert page.remembered_folder() == made.parent
    page.year.setCurrentIndex(page.year.findData(2023))
    assert Path(page.pdf_path.text()).parent == made.parent
    # One setting: the file dialog opens there too, and a folder chosen in the dialog is
    # the one the next one-click report suggests.
    assert remembered_start(page, page.REPORT_TITLE, "x.pdf") == str(made.parent / "x.pdf")
    assert UserState.of(page.context).value("annual_report_folder") is None  # the old key
    chosen = tmp_path / "chosen"
    chosen.mkdir()
    remember_folder(page, page.REPORT_TITLE, str(chosen / "mine.pdf"))  # as the dialog does
    page.year.setCurrentIndex(page.year.findData(2022))
    assert Path(page.pdf_path.text()).parent == chosen


def test_a_year_without_cases_is_said_before_24_pages_of_zeros(
    page: ReportsPage, out: Path
) -> None:
    notifier = page.context.notifier
    assert isinstance(notifier, RecordingNotifier)
    notifier.answer = False
    page.year.setCurrentIndex(page.year.findData(2010))
    page.pdf_path.setText(str(out / "empty.pdf"))
    page.make_report()
    assert notifier.messages[-1][:2] == ("confirm", "No cases in this year")
    assert "2010/11" in notifier.messages[-1][2]
    assert page.report_status.text() == "No report made: 2010/11 has no cases."
    assert list(out.iterdir()) == [] and page.opened == []  # type: ignore[attr-defined]
    notifier.answer = True  # "Make it anyway"
    page.make_report()
    assert (out / "empty.pdf").read_bytes().startswith(b"%PDF")


def test_an_officer_reads_the_commentary_but_cannot_change_it(
    qtbot,  # type: ignore[no-untyped-def]
    context: AppContext,
    cases: Database,
) -> None:
    page = ReportsPage(context)
    qtbot.addWidget(page)
    page.activate()
    assert page.make_button.isEnabled()
    assert page.commentary["kpis"].isReadOnly()
    assert not page.save_commentary_button.isVisibleTo(page)
    assert not page.import_button.isEnabled() and not page.load_baseline_button.isEnabled()


def test_changing_year_with_unsaved_commentary_asks_first(page: ReportsPage) -> None:
    notifier = page.context.notifier
    assert isinstance(notifier, RecordingNotifier)
    page.commentary["adult"].setPlainText("Draft")
    notifier.answer = False
    page.year.setCurrentIndex(page.year.findData(2023))
    assert page.chosen_year == 2024 and page.commentary["adult"].toPlainText() == "Draft"
    notifier.answer = True
    page.year.setCurrentIndex(page.year.findData(2023))
    assert page.commentary_year == 2023 and page.commentary["adult"].toPlainText() == ""
    assert page.pdf_path.text().endswith("annual-report-2023-24.pdf")


def test_the_report_is_never_saved_over_a_database(
    page: ReportsPage, cases: Database, out: Path
) -> None:
    import sqlite3

    target = out / "report.pdf"  # a database under a report's name (a backup, renamed)
    connection = sqlite3.connect(target)
    connection.execute("CREATE TABLE t (x)")
    connection.commit()
    connection.close()
    before = target.read_bytes()
    page.pdf_path.setText(str(target))
    page.make_report()
    assert "is a database, not a report: choose another file name" in page.report_error.text()
    assert target.read_bytes() == before
    assert page.opened == []  # type: ignore[attr-defined]
    workbook = target.rename(out / "cases.xlsx")
    page.export_to_file(workbook)
    assert "is a database, not a report" in page.export_error.text()
    assert workbook.read_bytes() == before


# ----------------------------------------------------------------------- exports, baseline


def test_exports_with_a_date_range(page: ReportsPage, tmp_path: Path) -> None:
    page.export_from.setDate(page.export_from.date().fromString("2024-04-01", "yyyy-MM-dd"))
    page.export_to.setDate(page.export_to.date().fromString("2025-03-31", "yyyy-MM-dd"))
    page.ask_save_path = lambda *_a: str(tmp_path / "cases")
    page.choose_export()
    out = tmp_path / "cases.csv"
    assert out.is_file()
    assert len(out.read_text(encoding="utf-8-sig").strip().splitlines()) == 1 + 4
    assert page.export_status.text().startswith("Exported 4 cases")
    page.export_all_dates.setChecked(True)
    page.export_what.setCurrentIndex(page.export_what.findData("stages"))
    page.export_format.setCurrentIndex(page.export_format.findData(".xlsx"))
    page.ask_save_path = lambda *_a: str(tmp_path / "stages.xlsx")
    page.choose_export()
    assert (tmp_path / "stages.xlsx").is_file()
    assert page.export_status.text().startswith("Exported 5 stages")
    page.export_all_dates.setChecked(False)
    page.export_to.setDate(page.export_from.date().addDays(-1))
    page.export_to_file(tmp_path / "never.csv")
    assert "Set the 'to' date on or after" in page.export_error.text()
    assert not (tmp_path / "never.csv").exists()


def test_export_dates_are_checked_before_asking_where_to_save(
    page: ReportsPage, tmp_path: Path
) -> None:
    asked: list[object] = []

    def ask(*args: object) -> str:
        asked.append(args)
        return str(tmp_path / "never.csv")

    page.ask_save_path = ask  # type: ignore[assignment]
    page.export_from.setDate(page.export_from.date().fromString("2024-04-01", "yyyy-MM-dd"))
    page.export_to.setDate(page.export_to.date().fromString("2024-03-31", "yyyy-MM-dd"))
    page.choose_export()
    assert asked == []  # no Save dialog for an export that cannot be made
    assert page.export_error.text() == (
        "Set the 'to' date on or after the 'from' date (1 Apr 2024), "
        "or tick 'Every case, whenever received'."
    )
    assert not (tmp_path / "never.csv").exists()
    page.export_to.setDate(page.export_to.date().fromString("2025-03-31", "yyyy-MM-dd"))
    page.choose_export()
    assert len(asked) == 1 and page.export_error.text() == ""


def test_baseline_template_and_load_with_errors_listed(
    qtmodeltester,  # type: ignore[no-untyped-def]
    page: ReportsPage,
    cases: Database,
    tmp_path: Path,
) -> None:
    page.baseline_year.setCurrentIndex(page.baseline_year.findData(2022))
    page.ask_save_path = lambda *_a: str(tmp_path / "baseline.csv")
    page.choose_template_path()
    template = (tmp_path / "baseline.csv").read_text(encoding="utf-8").splitlines()
    assert template[0] == "financial_year,table,row,measure,value"
    assert all(line.startswith("2022/23,") for line in template[1:])
    bad = tmp_path / "bad.csv"
    bad.write_text(
        template[0]
        + "\n"
        + template[1]
        + "12\n2022/23,no_such_table,Row,,3\n"
        + template[2]
        + "lots\n",
        encoding="utf-8",
    )
    page.ask_open_path = lambda *_a: str(bad)
    page.choose_baseline_file()
    assert page.baseline_errors_view.isVisibleTo(page)
    assert [(e.row, e.column) for e in page.baseline_errors_model.rows] == [
        (3, "table"),
        (4, "value"),
    ]
    assert "Nothing was loaded" in page.baseline_error.text()
    assert _count(cases, BaselineFigure) == 0
    _check_model(qtmodeltester, page.baseline_errors_model, page.baseline_errors_model.rows)
    good = tmp_path / "good.csv"
    good.write_text(template[0] + "\n" + template[1] + "12\n", encoding="utf-8")
    page.load_baseline(good)
    assert not page.baseline_errors_view.isVisibleTo(page)
    assert page.baseline_status.text().startswith("Loaded 1 baseline figures for 1 table")
    assert _count(cases, BaselineFigure) == 1


# ------------------------------------------------------------------------ import wizard


def _wizard(qtbot, page: ReportsPage, path: Path) -> ImportWizard:  # type: ignore[no-untyped-def]
    wizard = page.open_import_wizard()
    assert isinstance(wizard, ImportWizard)
    qtbot.addWidget(wizard)
    wizard.ask_open_path = lambda *_a: str(path)
    wizard.file_page.choose()
    assert wizard.file_page.path.text() == str(path)
    wizard.next()
    assert wizard.currentPage() is wizard.check_page
    return wizard


def test_a_bad_file_shows_every_error_and_imports_nothing(
    qtbot,  # type: ignore[no-untyped-def]
    qtmodeltester,
    page: ReportsPage,
    cases: Database,
    tmp_path: Path,
) -> None:
    before = _count(cases, Case)
    bad = tmp_path / "bad.csv"
    lines = EXAMPLE.read_text(encoding="utf-8-sig").splitlines()
    bad.write_text(
        "\n".join([lines[0], lines[1].replace("2021-04-06", "06/13/2021", 1), *lines[2:]]),
        encoding="utf-8",
    )
    wizard = _wizard(qtbot, page, bad)
    check = wizard.check_page
    assert check.errors_view.isVisibleTo(wizard) and not check.counts_view.isVisibleTo(wizard)
    errors = check.errors_model.rows
    assert errors and errors[0].row == 2 and errors[0].column == "received"
    assert "error" in check.verdict.text()
    # A wrong date is put right in the file only: no option above is offered for it.
    assert check.verdict.text().endswith("correct the file and choose it again.")
    assert not check.isComplete()
    assert not wizard.button(QWizard.WizardButton.CommitButton).isEnabled()
    wizard.next()
    assert wizard.currentPage() is check
    assert _count(cases, Case) == before
    _check_model(qtmodeltester, check.errors_model, errors)
    # A file that is not there is refused on the first page.
    wizard.back()
    wizard.file_page.path.setText(str(tmp_path / "missing.csv"))
    wizard.next()
    assert wizard.currentPage() is wizard.file_page
    assert "There is no file" in wizard.file_page.message.text()


def test_an_import_can_be_cancelled_and_keeps_nothing(
    qtbot,  # type: ignore[no-untyped-def]
    page: ReportsPage,
    cases: Database,
    runner: Runner,
) -> None:
    before = _count(cases, Case)
    wizard = _wizard(qtbot, page, EXAMPLE)
    check = wizard.check_page
    check.add_missing.setChecked(True)
    assert check.isComplete(), check.verdict.text()
    original = runner.submit_job
    jobs: list[Job] = []

    def cancelling(
        work: Callable[[Job], Any], on_done: Any = None, on_error: Any = None, _p: Any = None
    ) -> Job:
        def remember(job: Job) -> Any:
            jobs.append(job)
            return work(job)

        return original(remember, on_done, on_error, lambda *_a: jobs[-1].cancel())

    runner.submit_job = cancelling  # type: ignore[method-assign]
    wizard.next()  # the import starts; the user cancels as soon as it reports progress
    runner.submit_job = original  # type: ignore[method-assign]
    run = wizard.import_page
    assert jobs and jobs[-1].cancelled and run.result is None
    assert _count(cases, Case) == before  # one transaction: nothing of it kept
    run.cancel()  # what the Cancel button does while it runs
    assert run.summary.text() == "Cancelled: nothing was imported."
    assert run.isComplete() and not run.cancel_button.isVisible()


def test_a_good_file_is_previewed_then_imported(
    qtbot,  # type: ignore[no-untyped-def]
    qtmodeltester,
    page: ReportsPage,
    cases: Database,
) -> None:
    before = _count(cases, Case)
    changes: list[str] = []
    page.context.runner.changed.connect(changes.append)
    wizard = _wizard(qtbot, page, EXAMPLE)
    check = wizard.check_page
    if not check.isComplete():  # the example names reference data the defaults lack
        check.add_missing.setChecked(True)
    assert check.isComplete(), check.verdict.text()
    assert check.result is not None and check.result.dry_run
    assert _count(cases, Case) == before  # the check wrote nothing
    counts = check.counts_model.rows
    assert counts[-1].kind == "Total" and counts[-1].cases == check.result.cases > 0
    assert check.verdict.text().startswith("Would import")
    _check_model(qtmodeltester, check.counts_model, counts)
    wizard.next()
    run = wizard.import_page
    assert wizard.currentPage() is run
    assert run.result is not None and run.result.ok, run.message.text()
    assert run.summary.text().startswith("Imported")
    assert _count(cases, Case) == before + check.result.cases
    assert any(Change.CASES in change for change in changes)
    assert run.isComplete()
    wizard.accept()  # Finish
    # Importing the same file again: every reference is there already.
    again = _wizard(qtbot, page, EXAMPLE)
    # References already in the program: the option that skips them fits, and is named.
    assert "tick an option above where an error says it fits" in again.check_page.verdict.text()
    again.check_page.add_missing.setChecked(True)
    assert not again.check_page.isComplete()
    again.check_page.skip_existing.setChecked(True)
    assert again.check_page.result is not None and again.check_page.result.cases == 0
    assert "nothing new" in again.check_page.verdict.text()
    assert "skipped" in again.check_page.verdict.text()
    assert again.check_page.details.text() == ""  # said once, in the verdict


# --------------------------------------------------------------- correspondence, files


@pytest.fixture
def case_id(database: Database, people: dict[str, Actor]) -> int:
    return bins_case(database, people, email="ann@example.org")


def _dialog(qtbot, context: AppContext, case_id: int) -> CaseDialog:  # type: ignore[no-untyped-def]
    dialog = CaseDialog(context, case_id)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_a_letter_is_previewed_edited_saved_and_recorded(
    qtbot,  # type: ignore[no-untyped-def]
    qtmodeltester,
    context: AppContext,
    database: Database,
    case_id: int,
    tmp_path: Path,
) -> None:
    dialog = _dialog(qtbot, context, case_id)
    tab = dialog.correspondence_tab
    assert tab.model.rowCount() == 0 and "No letters" in tab.count_label.text()
    opened: list[Path] = []
    tab.open_file = opened.append
    tab.ask_save_path = lambda *_a: str(tmp_path / "letter")
    letter = tab.write_letter()
    qtbot.addWidget(letter)
    letter.template.setCurrentIndex(letter.template.findData("acknowledgement"))
    assert not letter.send_button.isEnabled()  # preview first
    letter.make_preview()
    assert letter.error.text() == ""
    assert letter.subject.text() and "Ann Other" in letter.recipient.text()
    letter.body.setPlainText(letter.body.toPlainText() + "\n\nWe will call you on Friday.")
    letter.send()
    saved = tmp_path / "letter.pdf"
    assert opened == [saved] and saved.read_bytes().startswith(b"%PDF")
    assert "We will call you on Friday." in " ".join(_pdf_text(saved).split())
    assert "recorded" in letter.status.text()
    rows = tab.model.rows
    assert len(rows) == 1 and rows[0].channel == "letter"
    assert rows[0].body.endswith("We will call you on Friday.")
    tab.view.selectRow(0)
    tab._show_selected()
    assert "Friday" in tab.text.toPlainText()
    # Email is not set up here: said plainly, nothing recorded.
    letter.as_email.setChecked(True)
    letter.make_preview()
    letter.send()
    assert "Email is not set up" in letter.error.text()
    assert _count(database, Correspondence) == 1
    # A changed template choice needs a new preview.
    letter.template.setCurrentIndex(letter.template.findData("extension"))
    assert not letter.send_button.isEnabled()
    _check_model(qtmodeltester, tab.model, rows)


def test_a_template_with_an_unknown_field_is_refused_at_preview(
    qtbot,  # type: ignore[no-untyped-def]
    context: AppContext,
    database: Database,
    case_id: int,
) -> None:
    from crm_desktop.db.models_correspondence import CorrespondenceTemplate

    database.write(
        lambda s: s.add(
            CorrespondenceTemplate(
                key="acknowledgement",
                name="Acknowledgement",
                subject="Hello {{ case.nonsense }}",
                body="Body",
            )
        )
    )
    letter = _dialog(qtbot, context, case_id).correspondence_tab.write_letter()
    qtbot.addWidget(letter)
    letter.template.setCurrentIndex(letter.template.findData("acknowledgement"))
    letter.make_preview()
    assert "nonsense" in letter.error.text()
    assert not letter.send_button.isEnabled()


def test_attachments_add_open_and_a_changed_file_is_refused(
    qtbot,  # type: ignore[no-untyped-def]
    qtmodeltester,
    context: AppContext,
    database: Database,
    case_id: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = tmp_path / "store"
    monkeypatch.setenv("CRM_ATTACHMENTS", str(store))
    tab = _dialog(qtbot, context, case_id).attachments_tab
    assert tab.model.rowCount() == 0 and "No files" in tab.count_label.text()
    evidence = tmp_path / "evidence.txt"
    evidence.write_text("Photo of the bins", encoding="utf-8")
    tab.ask_open_path = lambda *_a: str(evidence)
    tab.choose_file()
    assert tab.model.rowCount() == 1 and tab.model.rows[0].name == "evidence.txt"
    assert tab.model.rows[0].content_type == "text/plain"
    opened: list[Path] = []
    tab.open_file = opened.append
    tab.open_selected()
    assert "Select the file" in tab.error.text()
    tab.view.selectRow(0)
    tab.open_selected()
    assert tab.error.text() == ""
    assert opened[0].name == "evidence.txt"
    assert opened[0].read_text(encoding="utf-8") == "Photo of the bins"
    with database.session() as session:
        stored = store / session.scalars(sa.select(Attachment.stored_name)).one()
    stored.write_text("Tampered", encoding="utf-8")
    tab.open_selected()
    assert "has changed since it was stored" in tab.error.text()
    assert len(opened) == 1
    tab.add_file(tmp_path / "gone.txt")
    assert "There is no file" in tab.error.text()
    _check_model(qtmodeltester, tab.model, tab.model.rows)


def test_a_letter_received_is_recorded_and_every_window_of_the_case_shows_it(
    qtbot,  # type: ignore[no-untyped-def]
    context: AppContext,
    database: Database,
    case_id: int,
) -> None:
    first = _dialog(qtbot, context, case_id).correspondence_tab
    second = _dialog(qtbot, context, case_id).correspondence_tab
    assert first.record_button.isEnabled()
    record = first.record_entry()
    qtbot.addWidget(record)
    record.show()
    record.save()  # no subject
    assert record.error.text() and record.isVisible()
    assert record.focusWidget() is record.subject  # the field the message is about
    assert _count(database, Correspondence) == 0
    record.subject.setText("Photos of the bins")
    record.who.setText("Ann Other")
    record.body.setPlainText("Three photos by email.")
    record.channel.setCurrentIndex(record.channel.findData("email"))
    record.save()
    assert record.result() == record.DialogCode.Accepted
    assert record.recorded is not None and record.recorded.status == "Received"
    for tab in (first, second):  # the other window reloaded on the announced change
        [row] = tab.model.rows
        assert (row.channel, row.direction, row.subject) == (
            "email",
            "incoming",
            "Photos of the bins",
        )
        assert tab.model.data(tab.model.index(0, 1)) == "2 Jun 2025"  # dated today


def test_a_file_added_in_one_window_of_a_case_shows_in_the_other(
    qtbot,  # type: ignore[no-untyped-def]
    context: AppContext,
    case_id: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CRM_ATTACHMENTS", str(tmp_path / "store"))
    first = _dialog(qtbot, context, case_id).attachments_tab
    second = _dialog(qtbot, context, case_id).attachments_tab
    report = tmp_path / "report.pdf"
    report.write_bytes(b"%PDF-1.4 report")
    first.add_file(report)
    assert [row.name for row in second.model.rows] == ["report.pdf"]
    assert not list((tmp_path / "store").glob(".*"))  # no temporary file left behind


# ------------------------------------------------------------------------ notifications


def test_notification_centre_counts_marks_read_and_opens_cases(
    qtbot,  # type: ignore[no-untyped-def]
    qtmodeltester,
    context: AppContext,
    database: Database,
    people: dict[str, Actor],
    case_id: int,
) -> None:
    officer_id = people["officer"].user_id
    assert officer_id is not None

    def build(session: Any) -> None:
        notify(
            session,
            officer_id,
            "Stage 1 response due in 3 working days",
            case_id=case_id,
            kind="reminder",
            due_on=TODAY,
        )
        notify(session, officer_id, "Welcome to CRM Desktop")
        notify(session, people["manager"].user_id, "Not for the officer")

    database.write(build)
    window = MainWindow(context=context)
    qtbot.addWidget(window)
    window.set_database(database)
    button = window.notifications
    assert button.text() == "Notifications (2)"
    dialog = button.show_list()
    qtbot.addWidget(dialog)
    rows = dialog.model.rows
    assert [r.text for r in rows] == [
        "Welcome to CRM Desktop",
        "Stage 1 response due in 3 working days",
    ]
    assert dialog.summary.text() == "2 unread"
    assert dialog.model.headerData(0, Qt.Orientation.Horizontal) == "State"
    # Open and Mark read act on a chosen notification: not offered before one is.
    assert not dialog.open_button.isEnabled() and not dialog.read_button.isEnabled()
    dialog.view.selectRow(1)
    assert dialog.open_button.isEnabled() and dialog.read_button.isEnabled()
    dialog.view.selectRow(0)  # not about a case: nothing to open
    assert not dialog.open_button.isEnabled() and dialog.read_button.isEnabled()
    dialog.mark_selected_read()
    assert button.text() == "Notifications (1)"
    assert dialog.model.rows[0].read and not dialog.model.rows[1].read
    dialog.open_row(dialog.model.index(0, 0))
    assert "not about a case" in dialog.error.text()
    dialog.view.doubleClicked.emit(dialog.model.index(1, 0))
    assert case_id in window.case_windows
    assert button.text() == "Notifications"
    assert not dialog.all_read_button.isEnabled()
    dialog.unread_only.setChecked(True)
    assert dialog.model.rowCount() == 0
    dialog.unread_only.setChecked(False)
    _check_model(qtmodeltester, dialog.model, rows)
    window.case_windows[case_id].close()
    window.close()


def test_mark_all_read(
    qtbot,  # type: ignore[no-untyped-def]
    context: AppContext,
    database: Database,
    people: dict[str, Actor],
) -> None:
    officer_id = people["officer"].user_id
    database.write(lambda s: [notify(s, officer_id, f"Note {i}") for i in range(3)])
    window = MainWindow(context=context)
    qtbot.addWidget(window)
    window.set_database(database)
    assert window.notifications.unread == 3
    dialog = window.notifications.show_list()
    qtbot.addWidget(dialog)
    dialog.mark_everything_read()
    assert window.notifications.unread == 0
    assert all(r.read for r in dialog.model.rows)
    window.close()


def test_the_main_window_shows_the_reports_page(
    qtbot,  # type: ignore[no-untyped-def]
    manager_context: AppContext,
    cases: Database,
) -> None:
    window = MainWindow(context=manager_context)
    qtbot.addWidget(window)
    window.set_database(cases)
    assert window.show_page("Reports") is window.reports
    assert window.reports.commentary_year == 2024
    window.close()


def test_the_one_click_report_works_on_a_new_profile_without_a_documents_folder(
    page: ReportsPage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    documents = tmp_path / "new profile" / "Documents"
    monkeypatch.setattr(
        QStandardPaths, "writableLocation", staticmethod(lambda _which: str(documents))
    )
    page._suggest_pdf()
    assert Path(page.pdf_path.text()).parent == documents and not documents.exists()
    page.make_button.click()
    notifier = page.context.notifier
    assert isinstance(notifier, RecordingNotifier)
    assert not [m for m in notifier.messages if m[:2] == ("confirm", "Make the folder?")]
    assert page.report_error.text() == ""
    (made,) = documents.iterdir()
    assert made.name == "annual-report-2024-25.pdf" and page.opened == [made]  # type: ignore[attr-defined]


def test_a_file_of_one_bad_row_shows_the_whole_reason(
    qtbot,  # type: ignore[no-untyped-def]
    page: ReportsPage,
    cases: Database,
    tmp_path: Path,
) -> None:
    """The Reason wraps onto as many lines as it needs, never cut with "…", on a
    window the size of a 1366x768 screen at 150%; one row read is "1 row"."""
    bad = tmp_path / "one.csv"
    lines = EXAMPLE.read_text(encoding="utf-8-sig").splitlines()
    bad.write_text(
        "\n".join([lines[0], lines[1].replace("2021-04-06", "06/13/2021", 1)]), encoding="utf-8"
    )
    wizard = _wizard(qtbot, page, bad)
    wizard.resize(700, 500)
    wizard.show()
    qtbot.wait(1)
    check = wizard.check_page
    assert "(1 row read)" in check.verdict.text()
    view = check.errors_view
    assert check.errors_model.rowCount() >= 1
    # A Reason column narrower than the reason (a longer reason, a smaller window).
    view.horizontalHeader().setStretchLastSection(False)
    view.setColumnWidth(
        2, view.fontMetrics().horizontalAdvance(check.errors_model.rows[0].reason) // 3
    )
    for row in range(check.errors_model.rowCount()):
        assert view.rowHeight(row) >= view.sizeHintForRow(row)
    assert view.rowHeight(0) > view.verticalHeader().defaultSectionSize()


def test_the_check_says_which_first_stages_start_when_received(
    qtbot,  # type: ignore[no-untyped-def]
    page: ReportsPage,
    tmp_path: Path,
) -> None:
    """A file whose Stage 1 gives a later stage_started than the day received: the
    check page names the case and says its clock counts from the day received."""
    from tests.core.test_importer import row, write_csv

    path = write_csv(
        tmp_path / "late.csv",
        [row(reference="T-LATE", received="2024-03-01", stage_started="2024-03-06")],
    )
    wizard = _wizard(qtbot, page, path)
    check = wizard.check_page
    assert check.isComplete(), check.verdict.text()
    said = check.verdict.text()
    assert "a first stage starts on the day received" in said and "T-LATE" in said
    assert check.verdict.wordWrap()
    assert check.details.text() == ""  # said once, not again below the counts
