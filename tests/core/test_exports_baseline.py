"""Exports for Power BI, and baseline figures for years without cases."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from crm_desktop.cli import main
from crm_desktop.db.database import Database
from crm_desktop.db.models import BaselineFigure, Case
from crm_desktop.domain.enums import Kind, Procedure
from crm_desktop.errors import ValidationError
from crm_desktop.reports.baseline import load_baseline_csv
from crm_desktop.reports.exports import export
from crm_desktop.reports.figures import annual_report
from tests.factories import add_case

HOSTILE = [
    '=HYPERLINK("http://example.invalid")',
    "+44 1905 000000",
    "-1",
    "@SUM(A1)",
    "\tTabbed",
    "\rReturn",
    "Plain text",
]


@pytest.fixture
def filled(database: Database) -> Database:
    def build(session: Session) -> None:
        for i, text in enumerate(HOSTILE):
            add_case(
                session,
                reference=f"COR-2024-{i + 1:05d}",
                summary=text,
                complainant=text,
                received_on=dt.date(2024, 3, 1) + dt.timedelta(days=i),
            )

    database.write(build)
    return database


def test_csv_export_neutralises_formulas(filled: Database, tmp_path: Path) -> None:
    out = tmp_path / "cases.csv"
    with filled.session() as session:
        assert export(session, "cases", out) == len(HOSTILE)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 by its byte-order mark
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines(keepends=True)))
    summaries = [row["summary"] for row in rows]
    for text in summaries[:-1]:
        assert text.startswith("'")
    assert summaries[-1] == "Plain text"
    assert summaries[0] == "'" + HOSTILE[0]
    assert rows[0]["received"] == "2024-03-01"
    assert not list(tmp_path.glob(".*partial"))


def test_xlsx_export_cells_are_text_not_formulas(filled: Database, tmp_path: Path) -> None:
    out = tmp_path / "cases.xlsx"
    with filled.session() as session:
        export(session, "cases", out)
    sheet = load_workbook(out).active
    assert sheet is not None
    header = [cell.value for cell in sheet[1]]
    column = header.index("summary") + 1
    first = sheet.cell(row=2, column=column)
    assert first.data_type == "s"
    assert first.value == "'" + HOSTILE[0]


def test_points_and_stages_exports(database: Database, tmp_path: Path) -> None:
    from crm_desktop.domain.workflow import Action
    from tests.workflow_driver import STARTS, Driver

    driver = Driver(database)
    handle = driver.create(STARTS[1])
    driver.do(handle, Action.ACKNOWLEDGE)
    driver.do(handle, Action.RESPOND)
    with database.session() as session:
        assert export(session, "points", tmp_path / "points.csv") == 2
        assert export(session, "stages", tmp_path / "stages.csv") == 1
    points = list(csv.DictReader((tmp_path / "points.csv").read_text("utf-8-sig").splitlines()))
    assert [p["latest_outcome"] for p in points] == ["upheld", "not upheld"]
    stages = list(csv.DictReader((tmp_path / "stages.csv").read_text("utf-8-sig").splitlines()))
    assert stages[0]["outcome"] == "partially upheld" and stages[0]["status"] == "closed"


def test_export_refuses_bad_targets(database: Database, tmp_path: Path) -> None:
    with database.session() as session:
        with pytest.raises(ValidationError, match=r"\.csv or \.xlsx"):
            export(session, "cases", tmp_path / "cases.pdf")
        with pytest.raises(ValidationError, match="does not exist"):
            export(session, "cases", tmp_path / "missing" / "cases.csv")
        with pytest.raises(ValidationError, match="cannot be exported"):
            export(session, "people", tmp_path / "x.csv")


def test_export_by_received_dates_on_the_command_line(
    filled: Database, sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "march.csv"
    code = main(
        [
            "--database",
            sqlite_url,
            "export",
            "cases",
            "--out",
            str(out),
            "--from",
            "2024-03-02",
            "--to",
            "03/03/2024",
        ]
    )
    assert code == 0
    assert "Exported 2 cases" in capsys.readouterr().out


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_baseline_loads_and_fills_the_previous_year(database: Database, tmp_path: Path) -> None:
    path = _write(
        tmp_path / "baseline.csv",
        "\ufefffinancial_year,table,row,value\n"
        "2021/22,children_by_team,Through Care,40\n"
        "2021,children_by_team,Family Front Door,51\n"
        "2021/22,children_by_team,Total,91\n",
    )
    result = database.write(lambda s: load_baseline_csv(s, path))
    assert result.errors == [] and result.loaded == 2

    def one_case(session: Session) -> None:
        add_case(
            session,
            procedure=Procedure.CHILDREN,
            area="Through Care",
            received_on=dt.date(2022, 5, 1),
            kind=Kind.COMPLAINT,
        )

    database.write(one_case)
    with database.session() as session:
        report = annual_report(session, 2022, [Procedure.CHILDREN])
    table = report.table("children_by_team")
    assert table.baseline_columns == ("2021/22",)
    assert table.value("Through Care", "2021/22") == 40
    assert table.value("Total", "2021/22") == 91
    # Tables without loaded figures keep the cases' (empty) previous year.
    assert report.table("children_nature").baseline_columns == ()


def test_a_bad_baseline_file_loads_nothing(database: Database, tmp_path: Path) -> None:
    path = _write(
        tmp_path / "bad.csv",
        "financial_year,table,row,value\n"
        "2021/22,children_by_team,Through Care,40\n"
        "2021/23,children_by_team,Through Care,1\n"
        "2021/22,no_such_table,Anything,1\n"
        "2021/22,children_by_team,Narnia,3\n"
        "2021/22,children_by_team,Family Front Door,lots\n",
    )
    result = database.write(lambda s: load_baseline_csv(s, path))
    assert [str(e) for e in result.errors] == [
        "row 3, financial_year: '2021/23' is not a year like 2021/22",
        "row 4, table: 'no_such_table' is not a table that takes a baseline",
        "row 5, row: 'Narnia' is not a row of children_by_team",
        "row 6, value: 'lots' is not a number",
    ]
    with database.session() as session:
        assert session.query(BaselineFigure).count() == 0
        assert session.query(Case).count() == 0


def test_baseline_template_and_load_on_the_command_line(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = tmp_path / "template.csv"
    assert (
        main(
            [
                "--database",
                sqlite_url,
                "baseline",
                "template",
                "--year",
                "2021",
                "--out",
                str(template),
            ]
        )
        == 0
    )
    lines = template.read_text().splitlines()
    assert lines[0] == "financial_year,table,row,measure,value"
    assert "2021/22,corporate_by_directorate,COaCH,," in lines
    # Every table takes a baseline: timescales, KPIs and the Ombudsman's tables too.
    assert "2021/22,corporate_stage1_timescales,Within 20 days,," in lines
    assert "2021/22,lgsco_sent,Adult social care,complaints," in lines
    assert "2021/22,lgsco_letter,Detailed investigations upheld,similar authorities," in lines
    filled = [
        line + "5" if line.startswith("2021/22,corporate_by_directorate,") else line
        for line in lines
    ]
    template.write_text("\n".join(filled) + "\n")
    capsys.readouterr()
    assert main(["--database", sqlite_url, "baseline", "load", str(template)]) == 0
    assert "Loaded 6 baseline figures for 1 tables." in capsys.readouterr().out
    bad = _write(tmp_path / "bad.csv", "year,table\n")
    assert main(["--database", sqlite_url, "baseline", "load", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "row 1, header" in err and "Nothing was loaded" in err
