"""The Complaint Handling Code's annual report for 2026/27, against the hand-worked cases
of tests/code_cases.py: each procedure's cases measured by its own rules, refusals,
improvements, findings, the Ombudsman's letter, the self-assessment and the governing
body's response; as a PDF, a workbook and an accessible web page, by the one operation
the Reports page and ``report code`` use."""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import replace
from pathlib import Path

import openpyxl
import pypdf
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.cli import main
from crm_desktop.db.database import Database
from crm_desktop.db.models import ActionItem, Case
from crm_desktop.domain.access import Actor
from crm_desktop.domain.enums import UserRole
from crm_desktop.errors import NotFound, ValidationError
from crm_desktop.operations import code, reports, run_operation
from crm_desktop.reports.code_inputs import CodeYearInputs
from crm_desktop.reports.code_report import code_report
from crm_desktop.reports.html import render_html
from crm_desktop.reports.self_assessment import Answer
from tests.accessibility import axe_violations, describe
from tests.code_cases import AS_OF, YEAR, build_code_cases

MANAGER = Actor("boss", UserRole.MANAGER)
OFFICER = Actor("officer1", UserRole.OFFICER)
NOW = dt.datetime(2027, 6, 1, 9, 0)
LETTER = "Dear Chief Executive,\n\nThis letter summarises the complaints we decided. <b>"


def _improvement(session: Session) -> None:
    case_id = session.scalar(sa.select(Case.id).where(Case.reference == "COR-2026-B"))
    assert case_id is not None
    session.add(
        ActionItem(
            case_id=case_id,
            action="Contractor records requested on the day a complaint arrives",
            owner="Head of Highways",
            done_on=dt.date(2026, 9, 30),
            evidence="New procedure note HW-12",
        )
    )


@pytest.fixture
def cases(database: Database) -> Database:
    database.write(build_code_cases)
    database.write(_improvement)
    run_operation(
        database, OFFICER, AS_OF, code.record_code_finding, "COR-2026-A",
        "Stage 1 acknowledgement delayed beyond the Code's 5 working days (6.2)",
    )  # fmt: skip
    run_operation(
        database, MANAGER, AS_OF, code.save_code_year_inputs,
        CodeYearInputs(YEAR, governing_body="Audit and Governance Committee",
                       letter_decisions=12, letter_investigations=4, letter_upheld=3,
                       letter_upheld_percent=75.0, letter_similar_upheld_percent=80.0,
                       letter_compliance_percent=100.0, letter_text=LETTER),
    )  # fmt: skip
    run_operation(
        database, MANAGER, AS_OF, code.save_self_assessment, YEAR,
        [Answer("1.4", "yes", "Complaints policy, section 2", owner="Complaints manager")],
    )  # fmt: skip
    return database


def _rows(report_table: object) -> dict[str, list[str]]:
    return {row[0].text: [c.text for c in row[1:]] for row in report_table.rows}  # type: ignore[attr-defined]


def test_each_procedure_is_measured_by_its_own_rules_and_the_report_says_so(
    cases: Database,
) -> None:
    with cases.session() as session:
        report = code_report(session, YEAR, NOW, AS_OF)
    performance = report.sections[0]
    assert "more than one procedure" in performance.commentary
    assert "never added together" in performance.commentary
    old, new = performance.tables
    assert old.title == "Corporate complaints procedure 2023 (cases received up to 31 Mar 2026)"
    assert _rows(old)["Responded within 20 / 25 working days of the start"] == ["0", "–"]
    assert _rows(old)["Average working days to respond"] == ["21.00", "–"]
    # Its own acknowledgement rule (3 working days at Stage 1): F's was due in 2025/26.
    assert _rows(old)["Acknowledged within 3 working days"] == ["0", "–"]
    assert _rows(old)["Acknowledgements due"] == ["0", "–"]
    assert "Stage 1 responded late: COR-2026-F." in old.notes
    # B answered after 10 working days, but within the extension it was given (6.4):
    # not listed as late.
    assert (
        "Stage 1 responded after 10 working days: COR-2026-B (within an extension: "
        "COR-2026-B)." in new.notes
    )
    assert not any("responded late" in note for note in new.notes)
    rows = _rows(new)
    assert new.title == (
        "Complaint Handling Code (Local Government and Social Care Ombudsman) "
        "(cases received from 1 Apr 2026)"
    )
    assert rows["Complaints received (Stage 2: escalation requests)"] == ["4", "1"]
    assert rows["Acknowledgements due"] == ["4", "1"]
    assert rows["Acknowledged within 5 working days"] == ["2", "1"]
    assert rows["Acknowledged in time (share)"] == ["50.0%", "100.0%"]
    assert rows["Average working days to acknowledge"] == ["3.00", "1.00"]
    assert rows["Responses sent"] == ["3", "1"]
    assert rows["Responded within 10 / 20 working days of the acknowledgement"] == ["2", "1"]
    assert rows["Responded in time (share)"] == ["66.7%", "100.0%"]
    assert rows["Responded within the time as extended"] == ["3", "1"]
    assert rows["Responses extended"] == ["2", "0"]
    assert rows["Extended by more than 10 / 20 working days"] == ["1", "0"]
    assert rows["Average working days to respond"] == ["10.00", "19.00"]


def test_extensions_refusals_improvements_findings_letter_and_response(cases: Database) -> None:
    with cases.session() as session:
        report = code_report(session, YEAR, NOW, AS_OF)
    extensions = {s.key: s for s in report.sections}["code_extensions"]
    assert [t.title for t in extensions.tables] == [
        "Extensions and their reasons: Corporate complaints procedure 2023",
        "Extensions and their reasons: Complaint Handling Code (Local Government and Social "
        "Care Ombudsman)",
    ]
    assert extensions.tables[0].rows == ()
    reasons = extensions.tables[1]
    assert [[c.text for c in r] for r in reasons.rows] == [
        ["Complex: three services involved", "Stage 1", "1", "12"],
        ["Waiting for the contractor's records", "Stage 1", "1", "5"],
    ]
    assert _rows(report.table("code_refused_reasons")) == {
        "Insurance claim: sent to the insurers": ["1"],
        "Total": ["1"],
    }
    assert [c.text for c in report.table("code_refused_cases").rows[0]] == [
        "COR-2026-D", "Stage 1", "5 Jun 2026", "Insurance claim: sent to the insurers"
    ]  # fmt: skip
    improvements = report.table("code_improvements")
    assert [c.text for c in improvements.rows[0]] == [
        "COR-2026-B",
        "Contractor records requested on the day a complaint arrives",
        "Head of Highways",
        "30 Sep 2026",
        "New procedure note HW-12",
    ]
    findings = report.table("code_findings")
    assert [c.text for c in findings.rows[0]] == [
        "COR-2026-A",
        "26 001 234",
        "Upheld: maladministration and injustice",
        "1 Sep 2026",
        "Stage 1 acknowledgement delayed beyond the Code's 5 working days (6.2)",
    ]
    letter = _rows(report.table("code_letter"))
    assert letter["Complaints and enquiries the Ombudsman decided"] == ["12"]
    assert letter["Upheld, of those investigated"] == ["75.0%"]
    assert letter["Upheld cases remedied before reaching the Ombudsman"] == ["–"]
    section = {s.key: s for s in report.sections}
    assert LETTER.strip() in section["code_letter"].commentary
    # 8.1's "any other relevant reports or publications": said even when there are none.
    assert section["code_letter"].commentary.endswith(
        "No other report or publication of the Ombudsman about the council has been added "
        "for this year."
    )
    assessment = _rows(report.table("code_self_assessment"))
    assert assessment["1.4"][1] == "Yes"
    assert assessment["6.2"][1] == "Partly (suggested from the figures)"
    assert "late: COR-2026-B, COR-2026-C" in assessment["6.2"][2]
    summary = section["code_self_assessment"].commentary
    assert "answered 1 of the 53 provisions on the checklist" in summary
    response = section["code_response"]
    assert response.title == "The response of Audit and Governance Committee"
    assert response.commentary == (
        "The response of Audit and Governance Committee to this report will be published "
        "alongside it."
    )


def test_the_governing_bodys_response_is_printed_once_given(cases: Database) -> None:
    inputs = run_operation(cases, OFFICER, AS_OF, code.code_year_inputs, YEAR).value
    run_operation(
        cases, MANAGER, AS_OF, code.save_code_year_inputs,
        replace(inputs, governing_body_response="The committee noted the report."),
    )  # fmt: skip
    with cases.session() as session:
        report = code_report(session, YEAR, NOW, AS_OF)
    assert report.sections[-1].commentary == "The committee noted the report."


def test_a_year_before_the_code_is_refused(cases: Database, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(ValidationError, match="received from 1 Apr 2026: choose 2026/27"):
        run_operation(
            cases, OFFICER, AS_OF, reports.write_annual_report, 2025, None,
            out / "r.pdf", kind="code",
        )  # fmt: skip
    assert list(out.iterdir()) == []


def test_a_finding_needs_a_recorded_decision(cases: Database) -> None:
    with pytest.raises(NotFound):
        run_operation(cases, OFFICER, AS_OF, code.record_code_finding, "COR-9999", "x")
    with pytest.raises(ValidationError, match="has not gone to the Ombudsman"):
        run_operation(cases, OFFICER, AS_OF, code.record_code_finding, "COR-2026-B", "x")


def test_one_click_writes_the_pdf_workbook_and_web_page(
    cases: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pdf, xlsx, web = tmp_path / "code.pdf", tmp_path / "code.xlsx", tmp_path / "code.html"
    status = main(
        ["--database", cases.url, "report", "code", "--year", "2026", "--out", str(pdf),
         "--xlsx", str(xlsx), "--html", str(web)]
    )  # fmt: skip
    out, err = capsys.readouterr()
    assert status == 0, err
    assert "The Complaint Handling Code report 2026/27 written to" in out
    reader = pypdf.PdfReader(pdf)
    assert reader.metadata is not None
    assert reader.metadata.title == "Complaints performance and service improvement report 2026/27"
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    for expected in (
        "Complaint handling performance",
        "Complaints refused",
        "Learning and service improvements",
        "Findings of non-compliance with the Code",
        "The Ombudsman's annual letter",
        "Self-assessment against the Code",
        "The response of Audit and Governance Committee",
        "Acknowledged within 5 working days",
    ):
        assert expected in text
    assert next(o.title for o in reader.outline if not isinstance(o, list)) == (
        "Complaint handling performance"
    )
    book = openpyxl.load_workbook(xlsx)
    assert "Contents" in book.sheetnames and len(book.sheetnames) > 5
    page = web.read_text(encoding="utf-8")
    assert html.escape(LETTER.splitlines()[-1]) in page and "<b>" not in page


def test_the_code_reports_web_page_has_no_accessibility_violations(
    cases: Database, tmp_path: Path
) -> None:
    with cases.session() as session:
        report = code_report(session, YEAR, NOW, AS_OF)
    page = tmp_path / "code.html"
    render_html(report, page)
    violations = axe_violations(page, tmp_path / "axe")
    assert violations == [], describe(violations)
