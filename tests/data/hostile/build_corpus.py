# ruff: noqa: E501
"""Build the hostile import corpus: files a tester (or an unlucky user) might hand the
importer, each with the one error it must give.

    python tests/data/hostile/build_corpus.py OUT_FOLDER

writes every file into OUT_FOLDER and prints what each must give. The files are made
here, not committed: a few are large once unpacked (the point of them), and all are
quicker to make than to store. ``tests/core/test_hostile_corpus.py`` builds them in a
temporary folder and imports each one into a database, expecting its error and an
unchanged database.

Each entry says ``expect``: a piece of text that must be on standard error, and
``kind``: ``file`` (the file is refused as a whole, one line) or ``rows`` (its rows'
errors are listed, then the line saying nothing was imported).
"""

from __future__ import annotations

import csv
import io
import re
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

COLUMNS = (
    "reference",
    "kind",
    "procedure",
    "received",
    "directorate",
    "service_area",
    "team",
    "stage",
    "stage_started",
    "stage_closed",
    "outcome",
    "suspended_working_days",
    "natures",
    "service_categories",
    "lgsco_decision",
    "lgsco_payment",
    "complainant_name",
    "complainant_email",
    "summary",
)
GOOD = {
    "kind": "complaint",
    "procedure": "corporate",
    "received": "2024-03-01",
    "directorate": "COaCH",
    "service_area": "Contact Centre",
    "stage": "1",
    "stage_started": "2024-03-01",
    "stage_closed": "2024-03-20",
    "outcome": "upheld",
    "natures": "Communication",
    "complainant_name": "A. Example",
}
UNPACKED_LIMIT = 256 * 1024 * 1024  # the importer's MAX_FILE_BYTES
CELL_LIMIT = 10_000_000  # the importer's MAX_CELLS


@dataclass(frozen=True)
class Hostile:
    name: str
    kind: str  # "file" or "rows"
    expect: str
    make: Callable[[Path], None]


def rows(n: int = 10, **changes: str) -> list[dict[str, str]]:
    made = [{**GOOD, "reference": f"H-{i:03d}", "summary": f"Case {i}"} for i in range(1, n + 1)]
    for row in made:
        row.update(changes)
    return made


def csv_lines(data: list[dict[str, str]]) -> list[str]:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in data:
        writer.writerow([row.get(c, "") for c in COLUMNS])
    return out.getvalue().splitlines()


def write_lines(lines: list[str]) -> Callable[[Path], None]:
    return lambda path: path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def edited(line_no: int, edit: Callable[[str], str], n: int = 10) -> Callable[[Path], None]:
    lines = csv_lines(rows(n))
    lines[line_no] = edit(lines[line_no])
    return write_lines(lines)


def with_payment(amount: str) -> Callable[[Path], None]:
    data = rows(2)
    data.append(
        {
            **GOOD,
            "reference": "H-002",
            "stage": "lgsco",
            "stage_started": "2024-04-01",
            "stage_closed": "2024-05-01",
            "outcome": "",
            "natures": "",
            "lgsco_decision": "upheld maladministration and injustice",
            "lgsco_payment": amount,
            "summary": "Case 2",
        }
    )
    return write_lines(csv_lines(data))


# ------------------------------------------------------------------------------ XLSX


def _xlsx_parts(sheet_rows: list[list[str]], dimension: str | None = None) -> dict[str, bytes]:
    """A minimal workbook by hand (inline strings), so its XML is exactly as written."""

    def cell(ref: str, value: str) -> str:
        text = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'

    def letter(i: int) -> str:
        out = ""
        i += 1
        while i:
            i, rem = divmod(i - 1, 26)
            out = chr(65 + rem) + out
        return out

    body = "".join(
        f'<row r="{r}">'
        + "".join(cell(f"{letter(c)}{r}", v) for c, v in enumerate(row) if v)
        + "</row>"
        for r, row in enumerate(sheet_rows, start=1)
    )
    dim = dimension or f"A1:{letter(len(COLUMNS) - 1)}{len(sheet_rows)}"
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="{dim}"/><sheetData>{body}</sheetData></worksheet>'
    )
    return {
        "[Content_Types].xml": (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            b'<Default Extension="xml" ContentType="application/xml"/>'
            b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            b"</Types>"
        ),
        "_rels/.rels": (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            b"</Relationships>"
        ),
        "xl/workbook.xml": (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            b'<sheets><sheet name="cases" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            b"</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": sheet.encode(),
    }


def _grid(data: list[dict[str, str]]) -> list[list[str]]:
    return [list(COLUMNS)] + [[row.get(c, "") for c in COLUMNS] for row in data]


def xlsx(
    data: list[dict[str, str]],
    dimension: str | None = None,
    padding: int = 0,
    extra_cells: int = 0,
) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        parts = _xlsx_parts(_grid(data), dimension)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, content in parts.items():
                if name != "xl/worksheets/sheet1.xml" or not (padding or extra_cells):
                    archive.writestr(name, content)
                    continue
                head, tail = content.split(b"</sheetData>")
                with archive.open(name, "w", force_zip64=True) as part:
                    part.write(head)
                    chunk = 1 << 20
                    if extra_cells:
                        row = b'<row r="999999">' + b"<c/>" * 100_000 + b"</row>"
                        for _ in range(extra_cells // 100_000 + 1):
                            part.write(row)
                    written = 0
                    while written < padding:
                        step = min(chunk, padding - written)
                        part.write(b" " * step)
                        written += step
                    part.write(b"</sheetData>" + tail)

    return make


def _bad_row_beyond_dimension() -> list[dict[str, str]]:
    data = rows(10)
    data[7]["received"] = "never"  # row 9 of the sheet, past the stale A1:S3
    return data


def not_a_zip(path: Path) -> None:
    path.write_bytes(b"this is not a workbook at all\n" * 20)


def truncated_zip(path: Path) -> None:
    xlsx(rows(3))(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def old_excel(path: Path) -> None:
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2000)


CORPUS: list[Hostile] = [
    # CSV quoting: the row 3 of 10, and its neighbours
    Hostile(
        "unclosed-quote-row3.csv",
        "file",
        "row 4 (line 4) opens a quote",
        edited(3, lambda s: s.replace("Case 3", '"Case 3')),
    ),
    Hostile(
        "unclosed-quote-last-row.csv",
        "file",
        "row 11 (line 11) opens a quote",
        edited(10, lambda s: s.replace("Case 10", '"Case 10')),
    ),
    Hostile(
        "unclosed-quote-header.csv",
        "file",
        "row 1 (line 1) opens a quote",
        write_lines(['"reference,kind', *csv_lines(rows(3))[1:]]),
    ),
    Hostile(
        "quote-closed-rows-later.csv",
        "rows",
        "row 4, quotes: a quoted value runs over",
        write_lines(
            [
                line.replace("Case 3", '"Case 3').replace("Case 6", 'Case 6"')
                for line in csv_lines(rows(10))
            ]
        ),
    ),
    Hostile(
        "quote-inside-unquoted.csv",
        "rows",
        "row 6, quotes: a quote",
        edited(5, lambda s: s.replace("Case 5", 'Case "5')),
    ),
    Hostile(
        "text-after-quoted.csv",
        "rows",
        "row 6, quotes: a quoted value is followed",
        edited(5, lambda s: s.replace(",Case 5", ',"Case" 5')),
    ),
    Hostile(
        "too-few-values.csv",
        "rows",
        "row 6, columns: the row has 18 values",
        edited(5, lambda s: s.rsplit(",", 1)[0]),
    ),
    Hostile(
        "too-many-values.csv",
        "rows",
        "row 6, columns: the row has 20 values",
        edited(5, lambda s: s + ",surplus"),
    ),
    Hostile(
        "bare-line-break.csv",
        "rows",
        "row 7, columns: the row has 1 values",
        edited(5, lambda s: s.replace(",Case 5", ",Case\n5")),
    ),
    # encodings and content
    Hostile(
        "latin-1.csv",
        "file",
        "is not UTF-8 text",
        lambda p: p.write_bytes("\n".join(csv_lines(rows(3, summary="café"))).encode("latin-1")),
    ),
    Hostile(
        "utf-16.csv",
        "file",
        "is not UTF-8 text",
        lambda p: p.write_bytes("\n".join(csv_lines(rows(3))).encode("utf-16")),
    ),
    Hostile(
        "nul-byte.csv",
        "rows",
        "row 3, summary: contains a NUL character",
        edited(2, lambda s: s.replace("Case 2", "Case\x002")),
    ),
    Hostile(
        "huge-field.csv",
        "rows",
        "row 2, complainant_name: is 2000000 characters long",
        edited(1, lambda s: s.replace("A. Example", "x" * 2_000_000)),
    ),
    Hostile("empty.csv", "file", "is empty", lambda p: p.write_bytes(b"")),
    Hostile(
        "pdf-named-csv.csv",
        "file",
        "is not a CSV file",
        lambda p: p.write_bytes(b"%PDF-1.7\n" + b"\0" * 100),
    ),
    Hostile(
        "semicolons.csv",
        "rows",
        "seems to use ';'",
        write_lines([line.replace(",", ";") for line in csv_lines(rows(2))]),
    ),
    # amounts and numbers the databases cannot hold
    Hostile(
        "payment-overflow.csv",
        "rows",
        "row 4, lgsco_payment: 99999999999999999999999.99 is more",
        with_payment("99999999999999999999999.99"),
    ),
    Hostile(
        "payment-above-int4.csv",
        "rows",
        "row 4, lgsco_payment: 21474836.48 is more",
        with_payment("21474836.48"),
    ),
    Hostile(
        "payment-negative.csv",
        "rows",
        "row 4, lgsco_payment: -5 is not an amount",
        with_payment("-5"),
    ),
    Hostile(
        "suspended-days-overflow.csv",
        "rows",
        "row 3, suspended_working_days",
        edited(
            2,
            lambda s: s.replace("Case 2", "Case 2").replace(",upheld,,", ",upheld,99999999999999,"),
        ),
    ),
    # XLSX
    Hostile(
        "stale-dimension.xlsx",
        "rows",
        "row 9, received",
        xlsx(_bad_row_beyond_dimension(), dimension="A1:S3"),
    ),
    Hostile(
        "zip-bomb.xlsx",
        "file",
        "too large to import",
        xlsx(rows(3), padding=UNPACKED_LIMIT + (1 << 20)),
    ),
    Hostile(
        "cell-bomb.xlsx",
        "file",
        "more than 10,000,000 cells",
        xlsx(rows(3), extra_cells=CELL_LIMIT + 1),
    ),
    Hostile("not-a-zip.xlsx", "file", "is not an XLSX workbook", not_a_zip),
    Hostile("truncated.xlsx", "file", "cannot be read as an XLSX workbook", truncated_zip),
    Hostile("old-excel.xls", "file", "old Excel 97-2003 workbook", old_excel),
]


def build(folder: Path) -> list[Hostile]:
    folder.mkdir(parents=True, exist_ok=True)
    for entry in CORPUS:
        entry.make(folder / entry.name)
    return CORPUS


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: build_corpus.py OUT_FOLDER")
    for entry in build(Path(sys.argv[1])):
        print(f"{entry.name}: {entry.kind}: {entry.expect}")
    assert all(re.fullmatch(r"[\w.-]+", e.name) for e in CORPUS)
