"""``crm-desktop code ...``: the self-assessment, the Ombudsman's letter, the governing
body's response and findings from the command line, through the same operations."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from crm_desktop.cli import main
from crm_desktop.db.database import Database
from crm_desktop.domain.code_provisions import PROVISIONS
from tests.code_cases import build_code_cases


@pytest.fixture
def cases(database: Database) -> Database:
    database.write(build_code_cases)
    return database


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def test_show_answer_history_and_export(
    cases: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["--database", cases.url, "code"]
    status, out, err = run(
        [*base, "self-assessment", "--year", "2026", "--as-of", "2026-07-31"], capsys
    )
    assert status == 0, err
    assert f"0 of {len(PROVISIONS)} provisions answered" in out
    assert "6.2\tpartly (suggested)\t" in out
    assert (
        "\tmeasured: 2 of 4 acknowledged within 5 working days (50.0%); "
        "late: COR-2026-B, COR-2026-C" in out
    )
    status, out, err = run(
        [*base, "answer", "--year", "2026", "6.2", "--complies", "no", "--owner", "Head of CX",
         "--as-of", "2026-07-31"],
        capsys,
    )  # fmt: skip
    assert status == 0, err
    assert out.strip() == "6.2: no (saved for 2026/27)"
    status, out, _ = run([*base, "history", "--year", "2026"], capsys)
    line = out.strip().split("\t")
    assert line[2:4] == ["6.2", "no"]
    # The pre-filled evidence was kept when only complies and owner were given.
    assert line[4].startswith("2 of 4 acknowledged")
    status, out, err = run(
        [*base, "answer", "--year", "2026", "6.2", "--complies", "maybe"], capsys
    )
    assert status == 2 and "yes, partly or no" in err and len(err.strip().splitlines()) == 1
    status, out, err = run([*base, "answer", "--year", "2026", "77"], capsys)
    assert status == 2 and "not a provision" in err
    xlsx = tmp_path / "sa.xlsx"
    status, out, err = run(
        [*base, "self-assessment", "--year", "2026", "--xlsx", str(xlsx)], capsys
    )
    assert status == 0, err
    rows = {
        r[1]: r
        for r in openpyxl.load_workbook(xlsx)["Self-assessment"].iter_rows(
            min_row=5, values_only=True
        )
    }
    assert rows["6.2"][3] == "No" and rows["6.2"][8] == "Head of CX"


def test_letter_response_and_finding(
    cases: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["--database", cases.url, "code"]
    figures = tmp_path / "letter.csv"
    figures.write_text(
        "figure,value\nletter_decisions,12\nUpheld, of those investigated,75%\n", encoding="utf-8"
    )
    status, _, err = run([*base, "letter", "--year", "2026", "--figures", str(figures)], capsys)
    assert status == 2 and "Line 3" in err  # the label has a comma: two fields expected
    figures.write_text(
        "figure,value\nletter_decisions,12\nletter_upheld_percent,75%\nreceived,2027-07-20\n",
        encoding="utf-8",
    )
    text = tmp_path / "letter.txt"
    text.write_text("Dear Chief Executive,\n\nOur annual review.", encoding="utf-8")
    status, out, err = run(
        [*base, "letter", "--year", "2026", "--figures", str(figures), "--text", str(text)], capsys
    )
    assert status == 0, err
    assert "Complaints and enquiries the Ombudsman decided\t12" in out
    assert "Upheld, of those investigated\t75.0%" in out
    assert "Text: 41 characters" in out
    response = tmp_path / "response.txt"
    response.write_text("The committee noted the report.\n", encoding="utf-8")
    status, out, err = run(
        [*base, "response", "--year", "2026", "--body", "Audit Committee", "--text-file",
         str(response)],
        capsys,
    )  # fmt: skip
    assert status == 0, err
    assert "Governing body: Audit Committee" in out
    assert "Response: The committee noted the report." in out
    status, out, err = run([*base, "finding", "COR-2026-A", "--text", "6.2 not met"], capsys)
    assert status == 0, err
    assert out.strip() == "Finding of non-compliance with the Code recorded on COR-2026-A"
    pdf = tmp_path / "code.pdf"
    status, out, err = run(
        ["--database", cases.url, "report", "code", "--year", "2026", "--out", str(pdf)], capsys
    )
    assert status == 0, err
    status, _, err = run(
        ["--database", cases.url, "report", "code", "--year", "2025", "--out", str(pdf)], capsys
    )
    assert status == 2 and "choose 2026/27 or a later year" in err
