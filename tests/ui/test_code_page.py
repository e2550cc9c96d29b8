"""The Complaint Handling Code page (the self-assessment and the year's report inputs)
and the Code's report made from the Reports page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
from pypdf import PdfReader

from crm_desktop.db.database import Database
from crm_desktop.operations import code, run_operation
from tests.code_cases import AS_OF, build_code_cases
from ui.code_page import CodePage
from ui.context import AppContext
from ui.reports_page import ReportsPage


@pytest.fixture
def cases(database: Database, context: AppContext) -> Database:
    database.write(build_code_cases)
    context.today = lambda: AS_OF  # type: ignore[method-assign]  # 31 Jul 2026
    return database


def _page(qtbot: Any, context: AppContext) -> CodePage:
    page = CodePage(context)
    qtbot.addWidget(page)
    page.show()
    page.activate()
    return page


def test_a_manager_answers_a_provision_and_saves_the_years_inputs(
    qtbot: Any, manager_context: AppContext, cases: Database, tmp_path: Path
) -> None:
    page = _page(qtbot, manager_context)
    assert page.chosen_year == 2026
    assert page.assessment is not None and page.assessment.answered == 0
    keys = [r.provision.key for r in page.rows.rows]
    page.table.selectRow(keys.index("6.2"))
    assert "Measured: 2 of 4 acknowledged within 5 working days" in page.provision_label.text()
    assert page.complies.currentData() == "partly"  # suggested from the figures
    page.complies.setCurrentIndex(page.complies.findData("no"))
    page.action.setPlainText("Daily triage of new complaints")
    page.owner.setText("Head of Customer Experience")
    page.save_answer_button.click()
    assert page.error.text() == ""
    assert page.assessment.answered == 1
    row = page.assessment.row("6.2")
    assert row.saved and row.answer.complies == "no" and row.answer.owner.startswith("Head")
    assert "1 of " in page.status.text()
    assert "8.3" in page.status.text()  # the Code took effect in 2026/27
    assert [(c.provision, c.complies) for c in page.history.rows] == [("6.2", "no")]
    # The year's inputs: who the report goes to, a figure of the letter, its text.
    page.body.setText("Audit and Governance Committee")
    page.figures["letter_decisions"].setValue(12)
    page.letter_text.setPlainText("Dear Chief Executive")
    page.save_inputs()
    assert page.error.text() == ""
    saved = run_operation(cases, manager_context.signed_in, manager_context.today(),
                          code.code_year_inputs, 2026).value  # fmt: skip
    assert (saved.governing_body, saved.letter_decisions) == ("Audit and Governance Committee", 12)
    assert saved.letter_upheld is None and saved.letter_text == "Dear Chief Executive"
    # The checklist as a spreadsheet.
    out = tmp_path / "sa.xlsx"
    page.ask_save_path = lambda *_a: str(out)  # type: ignore[assignment]
    page.export_button.click()
    sheet = openpyxl.load_workbook(out)["Self-assessment"]
    rows = {r[1]: r for r in sheet.iter_rows(min_row=5, values_only=True)}
    assert rows["6.2"][3] == "No"


def test_a_finding_is_recorded_and_listed(
    qtbot: Any, manager_context: AppContext, cases: Database
) -> None:
    page = _page(qtbot, manager_context)
    assert page.findings.rows == []
    page.finding_case.setText("COR-2026-B")
    page.finding_text.setPlainText("Late acknowledgement")
    page.record_finding_button.click()
    assert "has not gone to the Ombudsman" in page.error.text()
    page.finding_case.setText("COR-2026-A")
    page.record_finding_button.click()
    assert page.error.text() == ""
    assert [(f.reference, f.finding) for f in page.findings.rows] == [
        ("COR-2026-A", "Late acknowledgement")
    ]


def test_a_wrong_figures_file_is_refused_with_a_message(
    qtbot: Any, manager_context: AppContext, cases: Database, tmp_path: Path
) -> None:
    page = _page(qtbot, manager_context)
    bad = tmp_path / "letter.csv"
    bad.write_text("figure,value\nletter_decisions,many\n", encoding="utf-8")
    page.load_figures(bad)
    assert "must be a number" in page.error.text()
    good = tmp_path / "good.csv"
    good.write_text("letter_decisions,7\nletter_upheld_percent,50\n", encoding="utf-8")
    page.load_figures(good)
    assert page.error.text() == ""
    assert page.figures["letter_decisions"].value() == 7
    assert page.figures["letter_upheld_percent"].value() == 50.0


def test_an_officer_reads_the_checklist_but_cannot_change_it(
    qtbot: Any, context: AppContext, cases: Database
) -> None:
    page = _page(qtbot, context)
    assert page.assessment is not None
    assert not page.save_answer_button.isEnabled() and not page.complies.isEnabled()
    assert not page.save_inputs_button.isEnabled()


def test_the_reports_page_makes_the_codes_report(
    qtbot: Any, manager_context: AppContext, cases: Database, tmp_path: Path
) -> None:
    page = ReportsPage(manager_context)
    qtbot.addWidget(page)
    page.opened = []  # type: ignore[attr-defined]
    page.open_file = page.opened.append  # type: ignore[attr-defined,method-assign]
    page.show()
    page.activate()
    page.kind.setCurrentIndex(page.kind.findData("code"))
    assert not page.procedure.isEnabled()
    page.year.setCurrentIndex(page.year.findData(2026))
    assert page.pdf_path.text().endswith("code-report-2026-27.pdf")
    target = tmp_path / "code.pdf"
    page.pdf_path.setText(str(target))
    page.with_html.setChecked(True)
    page.make_button.click()
    assert page.report_error.text() == ""
    assert page.opened == [target]  # type: ignore[attr-defined]
    text = " ".join(PdfReader(target).pages[0].extract_text().split())
    assert "Complaints performance and service improvement report 2026/27" in text
    assert (tmp_path / "code.html").is_file()
    assert "The Complaint Handling Code report 2026/27 is saved as" in page.report_status.text()
    # A year before the Code: refused with what to do, nothing written.
    page.year.setCurrentIndex(page.year.findData(2025))
    page.pdf_path.setText(str(tmp_path / "early.pdf"))
    page.make_button.click()
    assert "choose 2026/27 or a later year" in page.report_error.text()
    assert not (tmp_path / "early.pdf").exists()
