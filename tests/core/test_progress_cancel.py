"""Long operations the desktop program starts report their progress and stop when
cancelled, leaving the data as it was: the Code's self-assessment (and its export), the
Ombudsman's letter figures loaded from a file, and the retention review."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from crm_desktop.db.database import Database
from crm_desktop.db.models import Case
from crm_desktop.db.models_code import CodeYear
from crm_desktop.domain.access import Actor
from crm_desktop.domain.enums import UserRole
from crm_desktop.operations import code, deadlines, run_operation
from crm_desktop.operations import privacy as privacy_ops
from crm_desktop.operations.core import Cancelled
from crm_desktop.privacy import retention
from tests.code_cases import AS_OF, YEAR, build_code_cases
from tests.core.test_operations_reports_admin import CancelAt
from tests.core.test_privacy_support import add_closed_case, add_person, someone

MANAGER = Actor("boss", UserRole.MANAGER)


@pytest.fixture
def code_cases(database: Database) -> Database:
    database.write(build_code_cases)
    return database


# ------------------------------------------------------------------ self-assessment


def test_the_self_assessment_reports_its_steps(code_cases: Database) -> None:
    progress = CancelAt()
    whole = run_operation(code_cases, MANAGER, AS_OF, code.self_assessment_for, YEAR).value
    shown = run_operation(
        code_cases, MANAGER, AS_OF, code.self_assessment_for, YEAR, progress=progress
    ).value
    assert shown == whole
    texts = [text for _done, _total, text in progress.reports]
    assert texts[0] == "Reading the saved answers…"
    assert any("against Stage 1's rules" in t for t in texts)
    assert any("against Stage 2's rules" in t for t in texts)
    dones = [done for done, _total, _text in progress.reports]
    assert dones == sorted(dones) and progress.reports[-1][:2] == (4, 4)


@pytest.mark.parametrize("at", [1, 2, 3, 4])
def test_a_cancelled_self_assessment_stops(code_cases: Database, at: int) -> None:
    progress = CancelAt(at)
    with pytest.raises(Cancelled):
        run_operation(code_cases, MANAGER, AS_OF, code.self_assessment_for, YEAR, progress=progress)
    assert len(progress.reports) == at  # stopped at the first check after Cancel


@pytest.mark.parametrize("at", [1, 3, 5, 6])
def test_a_cancelled_self_assessment_export_saves_no_file(
    code_cases: Database, tmp_path: Path, at: int
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "assessment.xlsx"
    progress = CancelAt(at)
    with pytest.raises(Cancelled):
        run_operation(
            code_cases, MANAGER, AS_OF, code.export_self_assessment, YEAR, out, progress=progress
        )
    assert list(folder.iterdir()) == []  # no workbook, no half-written file
    finished = CancelAt()
    run_operation(
        code_cases, MANAGER, AS_OF, code.export_self_assessment, YEAR, out, progress=finished
    )
    assert out.exists() and finished.reports[-1][2] == "Writing the spreadsheet…"


# ------------------------------------------------------------- the letter's figures


def _letter_csv(tmp_path: Path) -> Path:
    path = tmp_path / "letter.csv"
    path.write_text("figure,value\nletter_decisions,12\nletter_upheld,5\n", encoding="utf-8")
    return path


def _code_years(database: Database) -> list[tuple[int, int | None, int | None]]:
    with database.session() as session:
        return [
            (row.financial_year, row.letter_decisions, row.letter_upheld)
            for row in session.scalars(sa.select(CodeYear))
        ]


@pytest.mark.parametrize("at", [1, 2, 3])  # 3: cancelled once the figures were saved
def test_cancelled_letter_figures_save_nothing(database: Database, tmp_path: Path, at: int) -> None:
    path = _letter_csv(tmp_path)
    progress = CancelAt(at)
    with pytest.raises(Cancelled):
        run_operation(
            database, MANAGER, AS_OF, code.load_letter_figures, YEAR, path, progress=progress
        )
    assert _code_years(database) == []  # the save, when reached, is rolled back
    finished = CancelAt()
    run_operation(database, MANAGER, AS_OF, code.load_letter_figures, YEAR, path, progress=finished)
    assert _code_years(database) == [(YEAR, 12, 5)]
    assert [t for _d, _n, t in finished.reports] == [
        "Reading the year's saved inputs…",
        "Reading the figures from letter.csv…",
        "Saving the figures…",
        "Saved.",
    ]


# ----------------------------------------------------------------- retention review


@pytest.fixture
def closed_cases(database: Database) -> Database:
    def build(session: sa.orm.Session) -> None:
        for letter in "ABCDE":
            add_closed_case(session, add_person(session, someone(letter)))

    database.write(build, actor="officer1")
    return database


CASES = sa.select(Case.id, Case.status, Case.legal_hold, Case.anonymised_at).order_by(Case.id)
RETENTION_DAY = dt.date(2030, 1, 15)  # more than six years after the cases closed


def test_the_retention_review_counts_its_cases(
    closed_cases: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retention, "REVIEW_STEP", 2)
    progress = CancelAt()
    items = run_operation(
        closed_cases, MANAGER, RETENTION_DAY, privacy_ops.retention_review, progress=progress
    ).value
    assert len(items) == 5
    assert progress.reports == [
        (0, 0, "Reading the closed cases…"),
        (0, 5, "Checking closed cases 0 of 5…"),
        (2, 5, "Checking closed cases 2 of 5…"),
        (4, 5, "Checking closed cases 4 of 5…"),
        (5, 5, "Reading the legal holds…"),
    ]


@pytest.mark.parametrize("at", [1, 2, 3, 4])
def test_a_cancelled_retention_review_stops_and_changes_nothing(
    closed_cases: Database, monkeypatch: pytest.MonkeyPatch, at: int
) -> None:
    monkeypatch.setattr(retention, "REVIEW_STEP", 2)
    with closed_cases.session() as session:
        before = session.execute(CASES).all()
    progress = CancelAt(at)
    with pytest.raises(Cancelled):
        run_operation(
            closed_cases, MANAGER, RETENTION_DAY, privacy_ops.retention_review, progress=progress
        )
    assert len(progress.reports) == at
    with closed_cases.session() as session:
        assert session.execute(CASES).all() == before


# ------------------------------------------------------------------- dashboard KPIs


def test_the_dashboard_kpis_report_their_steps_and_stop_when_cancelled(
    code_cases: Database,
) -> None:
    progress = CancelAt()
    whole = run_operation(code_cases, MANAGER, AS_OF, deadlines.dashboard_kpis).value
    assert (
        run_operation(code_cases, MANAGER, AS_OF, deadlines.dashboard_kpis, progress=progress).value
        == whole
    )
    assert [done for done, _total, _text in progress.reports] == [0, 1, 2]
    assert progress.reports[0][2] == "Reading the cases and stages of 2025/26 and 2026/27…"
    assert progress.reports[2][2].startswith("Working out the KPIs from ")
    for at in (1, 2):
        cancelling = CancelAt(at)
        with pytest.raises(Cancelled):
            run_operation(code_cases, MANAGER, AS_OF, deadlines.dashboard_kpis, progress=cancelling)
        assert len(cancelling.reports) == at
