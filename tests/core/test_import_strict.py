"""A strict importer: a CSV whose quoting or number of values is wrong, an XLSX whose
stored dimension is stale or which unpacks to far more than it looks, too many errors,
and amounts the database cannot hold, are each refused naming the row, with nothing
written."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from crm_desktop.cli import main
from crm_desktop.db.database import Database
from crm_desktop.services import importer
from crm_desktop.services.importer import COLUMNS, ImportFileError, read_rows
from tests.core.test_importer import CHILDREN, do_import, row, table_counts, write_csv


def ten_rows() -> list[dict[str, str]]:
    return [row(reference=f"S-{n:02d}", summary=f"Case {n}") for n in range(1, 11)]


def _lines(rows: list[dict[str, str]], tmp_path: Path) -> list[str]:
    path = write_csv(tmp_path / "base.csv", rows)
    return path.read_text(encoding="utf-8").splitlines()


def _write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_an_unclosed_quote_in_row_3_refuses_the_file_naming_the_row(
    database: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = _lines(ten_rows(), tmp_path)
    lines[3] = lines[3].replace("Case 3", '"Case 3')  # row 4 of the sheet: the third case
    path = _write(tmp_path, "unclosed.csv", lines)
    before = table_counts(database)
    with pytest.raises(ImportFileError, match=r"row 4 \(line 4\) opens a quote"):
        read_rows(path)
    assert main(["--database", str(database.engine.url), "import", "cases", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "row 4" in err and "never closed" in err
    assert table_counts(database) == before


def test_a_quote_closed_rows_later_is_caught_as_swallowed_rows(
    database: Database, tmp_path: Path
) -> None:
    lines = _lines(ten_rows(), tmp_path)
    lines[3] = lines[3].replace("Case 3", '"Case 3')
    lines[6] = lines[6].replace("Case 6", 'Case 6"')
    result = do_import(database, _write(tmp_path, "late.csv", lines))
    assert not result.ok and result.cases == 0
    assert [(e.row, e.column) for e in result.errors] == [(4, "quotes")]
    assert "look like rows of their own" in result.errors[0].reason


@pytest.mark.parametrize(
    "columns", [["reference", "kind", "procedure", "received", "service_area", "summary"], None]
)
def test_a_quoted_summary_over_lines_with_many_commas_is_imported_as_written(
    database: Database, tmp_path: Path, columns: list[str] | None
) -> None:
    """Quoted as Excel writes it, a summary may run over lines that hold as many commas
    as a row has: it is one value, not rows a missing quote swallowed (a short header
    made a line of five names look like a row of six values)."""
    summary = "Thanks to the team:\nAnn, Bob, Cat, Dan, Eve, Fay, Gus, Hal, Ivy, Jo, Kit, Lu, " + (
        "Max, Ned, Oli, Pam, Que, Rob, Sam, Tom and everyone else"
    )
    compliment = row(
        CHILDREN,
        reference="T-NAMES",
        kind="compliment",
        stage="",
        stage_started="",
        stage_closed="",
        outcome="",
        natures="",
        summary=summary,
    )
    header = columns or list(COLUMNS)
    path = write_csv(tmp_path / "names.csv", [compliment], header)
    result = do_import(database, path)
    assert result.ok, [str(e) for e in result.errors]
    with database.engine.connect() as connection:
        stored = connection.exec_driver_sql(
            "SELECT summary FROM representation WHERE reference = 'T-NAMES'"
        ).scalar_one()
    assert stored == summary


@pytest.mark.parametrize(
    ("change", "column", "words"),
    [
        (lambda line: line.replace("Case 5", 'Case "5'), "quotes", "inside a value"),
        (lambda line: line.replace(",Case 5", ',"Case" 5'), "quotes", "followed by more text"),
        (
            lambda line: line.rsplit(",", 1)[0],
            "columns",
            f"has {len(importer.COLUMNS) - 1} values but the header row has "
            f"{len(importer.COLUMNS)}",
        ),
        (lambda line: line + ",extra", "columns", f"has {len(importer.COLUMNS) + 1} values"),
        (lambda line: line.replace(",Case 5", ",Case\n5"), "columns", "has 1 values"),
    ],
)
def test_a_row_whose_quotes_or_values_are_wrong_is_an_error_naming_it(
    database: Database, tmp_path: Path, change: object, column: str, words: str
) -> None:
    lines = _lines(ten_rows(), tmp_path)
    assert callable(change)
    lines[5] = change(lines[5])
    before = table_counts(database)
    result = do_import(database, _write(tmp_path, "bad.csv", lines))
    assert not result.ok and result.cases == 0
    first = result.errors[0]
    expected_row = 7 if words == "has 1 values" else 6  # the line break makes a row 7
    assert (first.row, first.column) == (expected_row, column), str(first)
    assert words in first.reason, str(first)
    assert table_counts(database) == before
    dry = do_import(database, _write(tmp_path, "bad.csv", lines), dry_run=True)
    assert dry.errors == result.errors


def test_quoted_values_as_excel_writes_them_still_import(
    database: Database, tmp_path: Path
) -> None:
    rows = ten_rows()
    rows[2]["summary"] = 'He said "no", twice,\nthen left.'
    result = do_import(database, write_csv(tmp_path / "fine.csv", rows))
    assert result.ok and result.cases == 10, result.errors


def _stale_dimension(path: Path, ref: str) -> None:
    """Rewrite the sheet's <dimension> to ``ref``, as a tool that does not update it."""
    staged = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(staged, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(rb'<dimension ref="[^"]*"', f'<dimension ref="{ref}"'.encode(), data)
            target.writestr(item, data)
    shutil.move(staged, path)


def _xlsx(path: Path, rows: list[dict[str, str]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "cases"
    sheet.append(list(COLUMNS))
    for r in rows:
        sheet.append([r.get(c, "") for c in COLUMNS])
    book.save(path)
    return path


def test_an_xlsx_with_a_stale_dimension_imports_every_row_it_holds(
    database: Database, tmp_path: Path
) -> None:
    path = _xlsx(tmp_path / "stale.xlsx", ten_rows())
    _stale_dimension(path, "A1:S3")
    result = do_import(database, path)
    assert result.ok and result.cases == 10 and result.rows == 10


def _bomb(path: Path, padding: int) -> Path:
    """A small XLSX whose sheet unpacks to ``padding`` more bytes than it looks."""
    _xlsx(path, ten_rows())
    staged = path.with_suffix(".tmp")
    with (
        zipfile.ZipFile(path) as source,
        zipfile.ZipFile(staged, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = data.replace(b"</sheetData>", b"</sheetData>" + b" " * padding)
            target.writestr(item.filename, data, zipfile.ZIP_DEFLATED)
    shutil.move(staged, path)
    return path


def test_an_xlsx_that_unpacks_to_too_much_is_refused_before_it_is_read(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "MAX_FILE_BYTES", 2_000_000)
    path = _bomb(tmp_path / "bomb.xlsx", 5_000_000)
    assert path.stat().st_size < 100_000
    opened: list[object] = []
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: opened.append(a))
    with pytest.raises(ImportFileError, match="too large to import"):
        read_rows(path)
    assert opened == []  # refused from the zip's own directory, before openpyxl


def test_a_workbook_whose_zip_lies_about_its_sizes_is_stopped_while_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _bomb(tmp_path / "liar.xlsx", 5_000_000)
    data = bytearray(path.read_bytes())
    # Make every declared uncompressed size small, in both the local and central headers.
    with zipfile.ZipFile(path) as archive:
        sizes = {item.file_size for item in archive.infolist()}
    big = max(sizes).to_bytes(4, "little")
    data = bytearray(bytes(data).replace(big, (100).to_bytes(4, "little")))
    path.write_bytes(bytes(data))
    monkeypatch.setattr(importer, "MAX_FILE_BYTES", 2_000_000)
    with pytest.raises(ImportFileError):
        read_rows(path)


def test_too_many_cells_are_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _xlsx(tmp_path / "cells.xlsx", ten_rows())
    monkeypatch.setattr(importer, "MAX_CELLS", 100)
    with pytest.raises(ImportFileError, match="more than 100 cells"):
        read_rows(path)
    monkeypatch.setattr(importer, "MAX_CELLS", 1000)
    assert len(read_rows(path)) == 10


def test_every_error_is_listed(
    database: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [row(reference=f"E-{n:04d}", received="never") for n in range(1, 201)]
    path = write_csv(tmp_path / "many.csv", rows)
    assert main(["--database", str(database.engine.url), "import", "cases", str(path)]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 201
    assert [line.split(",")[0] for line in lines[:200]] == [f"row {n}" for n in range(2, 202)]
    assert all(", received: " in line for line in lines[:200])
    assert "200 errors" in lines[200]


@pytest.mark.parametrize(
    ("amount", "ok"),
    [
        ("21474836.47", True),
        ("21,474,836.47", True),
        ("21474836.48", False),
        ("99999999999999999999999.99", False),
    ],
)
def test_amounts_are_checked_against_what_both_databases_hold_in_the_dry_run_too(
    any_database: Database, tmp_path: Path, amount: str, ok: bool
) -> None:
    rows = [
        row(reference="P-1"),
        row(
            reference="P-1",
            stage="lgsco",
            stage_started="2024-04-01",
            stage_closed="2024-05-01",
            outcome="",
            natures="",
            lgsco_decision="upheld maladministration and injustice",
            lgsco_payment=amount,
        ),
    ]
    path = write_csv(tmp_path / "money.csv", rows)
    before = table_counts(any_database)
    dry = do_import(any_database, path, dry_run=True)
    assert dry.ok is ok
    if not ok:
        assert [(e.row, e.column) for e in dry.errors] == [(3, "lgsco_payment")]
        assert "largest amount" in dry.errors[0].reason
    result = do_import(any_database, path)
    assert result.ok is ok and result.errors == dry.errors
    if ok:
        assert result.lgsco_payments_pence == 2_147_483_647
    else:
        assert table_counts(any_database) == before


def test_a_payment_on_a_closed_ombudsman_stage_without_its_decision_is_a_row_error(
    database: Database, tmp_path: Path
) -> None:
    """Payments are counted by the date of the decision they follow: one on a closed
    Ombudsman stage with no decision would be imported and then counted in no year. On a
    stage still with the Ombudsman it is taken, and counted once the decision is
    recorded (as a payment recorded in the program before the decision is)."""

    def lgsco(reference: str, closed: str) -> list[dict[str, str]]:
        return [
            row(reference=reference),
            row(
                reference=reference,
                stage="lgsco",
                stage_started="2024-04-01",
                stage_closed=closed,
                outcome="",
                natures="",
                lgsco_payment="500.00",
            ),
        ]

    path = write_csv(tmp_path / "payment.csv", lgsco("P-2", "2024-05-01"))
    before = table_counts(database)
    dry = do_import(database, path, dry_run=True)
    result = do_import(database, path)
    assert not dry.ok and not result.ok and result.errors == dry.errors
    assert [(e.row, e.column) for e in dry.errors] == [(3, "lgsco_payment")]
    assert "lgsco_decision" in dry.errors[0].reason
    assert table_counts(database) == before
    still_open = do_import(database, write_csv(tmp_path / "open.csv", lgsco("P-3", "")))
    assert still_open.ok and still_open.lgsco_payments_pence == 50_000


def test_suspended_days_beyond_any_clock_are_a_row_error(
    database: Database, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "days.csv", [row(suspended_working_days="99999999999")])
    result = do_import(database, path, dry_run=True)
    assert [(e.row, e.column) for e in result.errors] == [(2, "suspended_working_days")]


@pytest.mark.parametrize("missing", ["stage", "stage_started"])
def test_a_complaint_file_without_a_stage_column_lists_the_error(
    database: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str], missing: str
) -> None:
    header = [c for c in COLUMNS if c != missing]
    path = write_csv(tmp_path / "no-stage.csv", [row(reference="NS-1")], header)
    before = table_counts(database)
    for dry_run in ([], ["--dry-run"]):
        command = ["--database", str(database.engine.url), "import", "cases", str(path)]
        assert main([*command, *dry_run]) == 2
        lines = capsys.readouterr().err.splitlines()
        assert lines[0].startswith(f"row 1, {missing}: the column is missing; it is required")
        assert lines[-1].startswith("Nothing was imported: 1 error in")
    assert table_counts(database) == before
