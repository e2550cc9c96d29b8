"""The self-assessment against the Complaint Handling Code: the checklist, pre-filled
with the figures the cases show (hand-worked in tests/code_cases.py), kept per year with
every change, exported as XLSX; and the figures it is built on."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from crm_desktop.db.database import Database
from crm_desktop.db.models_code import CodeSelfAssessment, CodeSelfAssessmentChange
from crm_desktop.domain.access import Actor
from crm_desktop.domain.code_provisions import PROVISIONS, SECTIONS
from crm_desktop.domain.enums import StageCode, UserRole
from crm_desktop.domain.financial_year import FinancialYear
from crm_desktop.errors import ConflictError, PermissionRefused, ValidationError
from crm_desktop.operations import code, run_operation
from crm_desktop.reports.code_figures import (
    code_keys,
    corporate_procedures,
    measure,
    stage_facts,
)
from crm_desktop.reports.self_assessment import Answer
from tests.code_cases import AS_OF, YEAR, build_code_cases

MANAGER = Actor("boss", UserRole.MANAGER)
OFFICER = Actor("officer1", UserRole.OFFICER)


@pytest.fixture
def cases(database: Database) -> Database:
    database.write(build_code_cases)
    return database


def test_the_stage_figures_are_the_hand_worked_ones(cases: Database) -> None:
    fy = FinancialYear(YEAR)
    with cases.session() as session:
        facts = stage_facts(session, fy.start, fy.end)
        council, the_code = corporate_procedures(session)
    assert (council.is_code, the_code.is_code) == (False, True)
    assert council.ends == dt.date(2026, 3, 31) and the_code.starts == dt.date(2026, 4, 1)
    s1 = measure(facts, YEAR, the_code.key, "1", AS_OF)
    assert s1 is not None
    assert (s1.acknowledgements_due, s1.acknowledged_in_time) == (4, 2)
    assert s1.acknowledged_late == ("COR-2026-B", "COR-2026-C")
    assert s1.average_days_to_acknowledge == pytest.approx(3.0)
    assert (s1.responses, s1.responded_in_time, s1.within_extension) == (3, 2, 3)
    assert s1.responded_late == ("COR-2026-B",)
    assert (s1.extended, s1.extended_beyond_limit) == (2, ("COR-2026-C",))
    assert s1.average_days_to_respond == pytest.approx(10.0)
    s2 = measure(facts, YEAR, the_code.key, "2", AS_OF)
    assert s2 is not None
    assert (s2.acknowledgements_due, s2.acknowledged_in_time, s2.responses) == (1, 1, 1)
    assert (s2.responded_in_time, s2.average_days_to_respond, s2.limit) == (1, 19.0, 20)
    # The 2023 procedure's case, by its own rules: 21 working days against 20.
    old = measure(facts, YEAR, council.key, "1", AS_OF)
    assert old is not None
    assert (old.responses, old.responded_in_time, old.limit) == (1, 0, 20)
    assert old.acknowledgements_due == 0 and old.average_days_to_respond == 21.0
    assert measure(facts, YEAR, council.key, "2", AS_OF) is None


def test_before_it_is_due_an_acknowledgement_is_not_counted(cases: Database) -> None:
    fy = FinancialYear(YEAR)
    with cases.session() as session:
        facts = stage_facts(session, fy.start, fy.end)
        keys = code_keys(corporate_procedures(session))
    # On 5 June C's acknowledgement (due 8 June) is not yet late, and not yet counted.
    early = measure(facts, YEAR, keys, "1", dt.date(2026, 6, 5))
    assert early is not None and early.acknowledgements_due == 3


def test_an_acknowledgement_counts_in_the_year_it_was_due(cases: Database) -> None:
    """Received Thu 25 Mar 2027 and acknowledged that day, answered Wed 31 Mar: the
    acknowledgement was due on the 5th working day after receipt, Mon 5 Apr 2027 (Good
    Friday 26 Mar and Easter Monday 29 Mar are not working days), so it counts in
    2027/28, though the stage closed in 2026/27, where its response counts."""
    from tests.code_cases import _case, _stage

    def late_march(session: sa.orm.Session) -> None:
        case = _case(session, "COR-2027-E", dt.date(2027, 3, 25))
        _stage(session, case, 1, StageCode.STAGE_1, started=dt.date(2027, 3, 25),
               acknowledged=dt.date(2027, 3, 25), closed=dt.date(2027, 3, 31))  # fmt: skip

    cases.write(late_march)
    with cases.session() as session:
        keys = code_keys(corporate_procedures(session))
        facts = {
            year: stage_facts(session, FinancialYear(year).start, FinancialYear(year).end)
            for year in (2026, 2027)
        }
    next_year = measure(facts[2027], 2027, keys, "1", dt.date(2027, 4, 30))
    assert next_year is not None
    assert (next_year.acknowledgements_due, next_year.acknowledged_in_time) == (1, 1)
    assert next_year.responses == 0
    this_year = measure(facts[2026], 2026, keys, "1", dt.date(2027, 4, 30))
    assert this_year is not None
    assert this_year.acknowledgements_due == 4  # A, B, C, D: not E
    assert "COR-2027-E" not in this_year.responded_late and this_year.responses == 4


def test_the_checklist_lists_every_provision_pre_filled_with_the_figures(
    cases: Database,
) -> None:
    assessment = run_operation(cases, OFFICER, AS_OF, code.self_assessment_for, YEAR).value
    assert [r.provision.key for r in assessment.rows] == [p.key for p in PROVISIONS]
    # Section 6's Stage 1 paragraphs 6.1 to 6.8, each a row of its own.
    assert [p.key for p in PROVISIONS if p.key.startswith("6.") and "S2" not in p.key] == [
        f"6.{n}" for n in range(1, 9)
    ]
    assert {r.provision.section for r in assessment.rows} == set(SECTIONS)
    assert assessment.answered == 0
    assert assessment.procedure_changes == (
        "Complaint Handling Code (Local Government and Social Care Ombudsman) from 1 Apr 2026",
    )
    assert "asks for a self-assessment after a change in procedures" in assessment.change_note
    ack = assessment.row("6.2")
    assert ack.measured is not None and not ack.saved
    assert ack.measured.text == (
        "2 of 4 acknowledged within 5 working days (50.0%); late: COR-2026-B, COR-2026-C"
    )
    assert ack.answer.complies == "partly" and ack.answer.evidence == ack.measured.text
    respond = assessment.row("6.3")
    assert respond.measured is not None
    assert respond.measured.text == (
        "2 of 3 responses within 10 working days of the acknowledgement (66.7%); later, "
        "within an extension (6.4): COR-2026-B"
    )
    extend = assessment.row("6.4")
    assert extend.measured is not None
    assert extend.measured.text == (
        "1 of 2 extensions within 10 working days (50.0%); longer without a good reason "
        "recorded: COR-2026-C"
    )
    assert extend.answer.complies == "partly"
    stage2 = assessment.row("6.S2-acknowledge")
    assert stage2.answer.complies == "yes"
    assert stage2.measured is not None and stage2.measured.text.startswith("1 of 1")
    # A provision the cases cannot show is left for the council to answer.
    assert assessment.row("3.1").measured is None and assessment.row("3.1").answer.complies is None


def test_answers_are_kept_per_year_with_their_history(cases: Database) -> None:
    first = Answer("6.2", "partly", "Audit of 4 cases", "Two late", "Daily triage", "Head of CX")
    saved = run_operation(cases, MANAGER, AS_OF, code.save_self_assessment, YEAR, [first]).value
    row = saved.row("6.2")
    assert row.saved and row.answer.owner == "Head of CX" and row.updated_by == "boss"
    assert row.measured is not None and row.measured.cases == 4  # the figures stay beside it
    # A second save from that version changes it; the same answer again changes nothing.
    second = Answer("6.2", "yes", "Audit of 4 cases", "Fixed", "", "", row.answer.version)
    again = run_operation(cases, MANAGER, AS_OF, code.save_self_assessment, YEAR, [second])
    version = again.value.row("6.2").answer.version
    same = Answer("6.2", "yes", "Audit of 4 cases", "Fixed", "", "", version)
    run_operation(cases, MANAGER, AS_OF, code.save_self_assessment, YEAR, [same])
    history = run_operation(cases, OFFICER, AS_OF, code.self_assessment_history, YEAR).value
    assert [(h.complies, h.explanation, h.changed_by) for h in history] == [
        ("partly", "Two late", "boss"),
        ("yes", "Fixed", "boss"),
    ]
    # Another year is its own checklist.
    other = run_operation(cases, OFFICER, AS_OF, code.self_assessment_for, YEAR + 1).value
    assert other.answered == 0
    assert run_operation(cases, OFFICER, AS_OF, code.self_assessment_history, YEAR + 1).value == []


def test_a_stale_or_wrong_answer_changes_nothing(cases: Database) -> None:
    saved = run_operation(
        cases, MANAGER, AS_OF, code.save_self_assessment, YEAR, [Answer("1.4", "yes")]
    ).value
    version = saved.row("1.4").answer.version
    run_operation(
        cases, MANAGER, AS_OF, code.save_self_assessment, YEAR,
        [Answer("1.4", "no", version=version)],
    )  # fmt: skip
    with pytest.raises(ConflictError):
        run_operation(
            cases, MANAGER, AS_OF, code.save_self_assessment, YEAR,
            [Answer("2.1", "yes"), Answer("1.4", "partly", version=version)],
        )  # fmt: skip
    with pytest.raises(ValidationError, match="yes, partly or no"):
        run_operation(
            cases, MANAGER, AS_OF, code.save_self_assessment, YEAR,
            [Answer("2.1", "yes"), Answer("2.2", "maybe")],
        )  # fmt: skip
    with pytest.raises(ValidationError, match="not a provision"):
        run_operation(
            cases, MANAGER, AS_OF, code.save_self_assessment, YEAR, [Answer("99.9", "yes")]
        )
    with cases.session() as session:
        rows = session.scalars(sa.select(CodeSelfAssessment)).all()
        assert [(r.provision, r.complies) for r in rows] == [("1.4", "no")]
        assert session.scalar(sa.select(sa.func.count()).select_from(CodeSelfAssessmentChange)) == 2


def test_only_managers_answer_it(cases: Database) -> None:
    with pytest.raises(PermissionRefused):
        run_operation(
            cases, OFFICER, AS_OF, code.save_self_assessment, YEAR, [Answer("1.4", "yes")]
        )


def test_the_xlsx_holds_the_checklist_and_its_history_safely(
    cases: Database, tmp_path: Path
) -> None:
    formula = '=HYPERLINK("http://example.invalid","x")'
    run_operation(
        cases, MANAGER, AS_OF, code.save_self_assessment, YEAR,
        [Answer("6.3", "partly", formula, "", "+cmd", "@owner")],
    )  # fmt: skip
    out = tmp_path / "self-assessment.xlsx"
    assert run_operation(cases, OFFICER, AS_OF, code.export_self_assessment, YEAR, out).value == out
    book = openpyxl.load_workbook(out)
    sheet = book["Self-assessment"]
    assert sheet["A1"].value == "Self-assessment against the Complaint Handling Code 2026/27"
    header = [c.value for c in sheet[4]]
    assert header[:5] == [
        "Section",
        "Provision",
        "What it asks",
        "Complies",
        "Measured from the cases",
    ]
    rows = {r[1]: r for r in sheet.iter_rows(min_row=5, values_only=True)}
    assert len(rows) == len(PROVISIONS)
    assert rows["6.3"][3] == "Partly" and rows["6.3"][5] == "'" + formula
    assert rows["6.3"][7] == "'+cmd" and rows["6.3"][8] == "'@owner"
    assert rows["6.2"][3] == "Partly (suggested)"
    assert rows["6.2"][4].startswith("2 of 4 acknowledged")
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    history = list(book["History"].iter_rows(min_row=2, values_only=True))
    assert [(h[0], h[1], h[6]) for h in history] == [("6.3", "partly", "boss")]


def test_an_extension_past_the_limit_with_a_managers_good_reason_complies_with_6_4(
    cases: Database,
) -> None:
    """6.4: "no more than 10 working days without good reason". The program lets a manager
    pass the limit only with a recorded reason: such an extension complies."""
    from crm_desktop.db.models import StageExtension

    def with_a_good_reason(session: sa.orm.Session) -> None:
        extension = session.scalars(
            sa.select(StageExtension).where(StageExtension.working_days == 12)
        ).one()
        # As the program records one (the reason's text may be anonymised later).
        extension.beyond_limit = True
        extension.reason = ""

    cases.write(with_a_good_reason)
    assessment = run_operation(cases, OFFICER, AS_OF, code.self_assessment_for, YEAR).value
    extend = assessment.row("6.4")
    assert extend.measured is not None
    assert extend.measured.text == (
        "1 of 2 extensions within 10 working days (50.0%); longer with a good reason recorded "
        "(6.4 allows it): COR-2026-C"
    )
    assert extend.answer.complies == "yes"


def test_a_code_stage_is_measured_net_of_the_days_it_held_suspended(cases: Database) -> None:
    """Days a Code stage holds as suspended (from an import file, or from before its
    policy let nobody stop the clock) moved its due date (PRODUCT.md: "the due date
    moves by the suspended working days"), so they are taken off the working days its
    response took, as on every other stage."""
    from crm_desktop.db.models import Case, Stage

    def suspended_for_a_day(session: sa.orm.Session) -> None:
        stage = session.scalars(
            sa.select(Stage)
            .join(Case, Case.id == Stage.case_id)
            .where(Case.reference == "COR-2026-B", Stage.seq == 1)
        ).one()
        stage.suspended_days = 1

    cases.write(suspended_for_a_day)
    fy = FinancialYear(YEAR)
    with cases.session() as session:
        facts = stage_facts(session, fy.start, fy.end)
        _council, the_code = corporate_procedures(session)
    s1 = measure(facts, YEAR, the_code.key, "1", AS_OF)
    assert s1 is not None
    # Acknowledged Tue 9 Jun 2026, answered Wed 24 Jun: 11 working days, less the one
    # suspended: 10, in time (it was the one late response).
    assert s1.responded_late == ()
    assert (s1.responses, s1.responded_in_time) == (3, 3)
    assert s1.average_days_to_respond == pytest.approx(10.0 - 1 / 3)
