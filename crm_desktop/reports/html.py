"""The annual reports as one self-contained, accessible web page (HTML), for the
council's website.

Councils must publish accessible documents (the Public Sector Bodies Accessibility
Regulations 2018: WCAG 2.2 AA). The page is one file with nothing to fetch: its style is
inline, its charts are inline SVG. What makes it accessible:

- the language is set (``<html lang="en-GB">``) and the page has a title;
- landmarks (header, navigation, main, footer) and real headings in order: the report
  ``h1``, each section ``h2``, each table ``h3``, with a contents list linking to them;
- every table has a ``<caption>`` (holding its ``h3``, so its name is said once),
  column headings ``<th scope="col">`` (grouped year
  headings ``scope="colgroup"`` over their ``<colgroup>``), and each row's label is a
  ``<th scope="row">``;
- a chart is an ``<svg role="img">`` named by its ``<title>`` and described by its
  ``<desc>``, which states every bar's figures in words, and it sits after the table
  that holds the same figures; the two years' bars differ by pattern as well as colour;
- no meaning by colour alone: a RAG rating is a coloured cell *and* the word (Green,
  Amber, Red); baseline columns say "(baseline)" in their heading;
- text and its background have at least 4.5:1 contrast; the layout reflows to a narrow
  window (WCAG 1.4.10) and keeps working at 200% text size.

Every piece of text from the data is escaped (:func:`html.escape`), so a label such as
``<script>`` is shown as typed and never runs. The same :class:`AnnualReport` feeds the
PDF and the workbook, so the figures are identical in all three.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from crm_desktop.domain.enums import Procedure
from crm_desktop.domain.financial_year import FinancialYear
from crm_desktop.domain.formatting import format_date
from crm_desktop.reports.model import (
    CHART_ROWS,
    AnnualReport,
    Cell,
    Format,
    Rag,
    Section,
    Table,
    chart_points,
    is_subtotal,
)

__all__ = ["LANGUAGE", "RAG_WORDS", "render_html", "report_html"]

Progress = Callable[[int, int], None]

LANGUAGE = "en-GB"
RAG_WORDS = {Rag.GREEN: "Green", Rag.AMBER: "Amber", Rag.RED: "Red"}

_STYLE = """
:root { --navy: #1f3864; --accent: #2e75b6; --band: #f2f5fa; --grid: #bfc7d5;
  --muted: #595959; --total: #dce3ee; --baseline: #ededed; }
* { box-sizing: border-box; }
body { margin: 0; font-family: "Segoe UI", Arial, "DejaVu Sans", sans-serif;
  font-size: 1rem; line-height: 1.5; color: #111; background: #fff; }
a { color: #0b4f8a; }
a:focus, a:hover { outline: 3px solid #ffbf47; outline-offset: 1px; }
.skip { position: absolute; left: -999px; top: 0; background: #fff; padding: .5rem; }
.skip:focus { left: .5rem; }
header.cover { background: var(--navy); color: #fff; padding: 1.5rem 1rem; }
header.cover p { margin: .2rem 0; }
header.cover h1 { margin: .2rem 0 .6rem; font-size: 2rem; line-height: 1.2; }
.wrap { max-width: 60rem; margin: 0 auto; padding: 0 1rem; }
nav { border-bottom: 1px solid var(--grid); padding: .5rem 0 1rem; }
nav ol { padding-left: 1.4rem; }
main h2 { color: var(--navy); border-bottom: 3px solid var(--accent);
  padding-bottom: .2rem; margin-top: 2.5rem; }
main h3 { color: var(--navy); margin: 1.8rem 0 .4rem; }
table { border-collapse: collapse; margin: .4rem 0 .3rem; max-width: 100%; }
caption { text-align: left; padding: .2rem 0; }
caption h3 { margin: 1.8rem 0 .3rem; }
th, td { border: 1px solid var(--grid); padding: .25rem .5rem; vertical-align: top; }
thead th { background: var(--navy); color: #fff; text-align: left; }
thead th.num { text-align: right; }
tbody th { text-align: left; font-weight: normal; }
tbody tr:nth-child(even) { background: var(--band); }
td.num { text-align: right; white-space: nowrap; }
tr.total th, tr.total td { background: var(--total); font-weight: bold; }
td.baseline { background: var(--baseline); }
td.rag-green { background: #c6efce; color: #006100; font-weight: bold; }
td.rag-amber { background: #ffeb9c; color: #6b4100; font-weight: bold; }
td.rag-red { background: #ffc7ce; color: #9c0006; font-weight: bold; }
.note { color: var(--muted); font-size: .9rem; margin: .2rem 0; }
figure { margin: 1rem 0 1.5rem; }
figcaption { font-weight: bold; color: var(--muted); }
svg { max-width: 100%; height: auto; }
footer { border-top: 1px solid var(--grid); margin-top: 3rem; padding: 1rem 0 2rem;
  color: var(--muted); font-size: .9rem; }
@media print { .skip, nav { display: none; } h2 { page-break-before: always; } }
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def _is_text(cell: Cell) -> bool:
    return cell.format == Format.TEXT or isinstance(cell.value, str)


def _paragraphs(text: str, css: str = "") -> str:
    attr = f' class="{css}"' if css else ""
    parts = [p.strip() for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    return "".join(f"<p{attr}>{_e(p).replace(chr(10), '<br>')}</p>\n" for p in parts)


_YEAR_PREFIX = re.compile(r"^(\d{4}/\d{2}) (.+)$")


def _year_groups(columns: Sequence[str]) -> list[tuple[str, int, int]] | None:
    """``[(year, first, last), ...]`` when the columns after the first are "YEAR what"
    with more than one column per year (the Ombudsman tables), else None."""
    groups: list[tuple[str, int, int]] = []
    for index, column in enumerate(columns[1:], start=1):
        match = _YEAR_PREFIX.match(column)
        if match is None:
            return None
        year = match.group(1)
        if groups and groups[-1][0] == year:
            groups[-1] = (year, groups[-1][1], index)
        else:
            groups.append((year, index, index))
    return None if len(groups) == len(columns) - 1 else groups


def _numeric_column(table: Table, index: int) -> bool:
    cells = [row[index] for row in table.rows if index < len(row)]
    return index > 0 and any(not _is_text(c) for c in cells)


def _heading_text(table: Table, column: str) -> str:
    return column + (" (baseline)" if column in table.baseline_columns else "")


def _table(table: Table, ident: str) -> str:
    """The table, its caption the table's heading (one name, said once)."""
    count = len(table.columns)
    numeric = [_numeric_column(table, i) for i in range(count)]
    groups = _year_groups(table.columns)
    out = [f'<table>\n<caption><h3 id="{ident}">{_e(table.title)}</h3></caption>\n']
    if groups is None:
        headings = "".join(
            f'<th scope="col"{" class=num" if numeric[i] else ""}>'
            f"{_e(_heading_text(table, c))}</th>"
            for i, c in enumerate(table.columns)
        )
        out.append(f"<thead><tr>{headings}</tr></thead>\n")
    else:
        out.append("<colgroup></colgroup>")
        out += [f'<colgroup span="{last - first + 1}"></colgroup>' for _, first, last in groups]
        top = f'<th scope="col" rowspan="2">{_e(table.columns[0])}</th>' + "".join(
            f'<th scope="colgroup" colspan="{last - first + 1}">{_e(year)}</th>'
            for year, first, last in groups
        )
        below = "".join(
            f'<th scope="col" class="num">'
            f"{_e(_heading_text(table, table.columns[i])[len(year) + 1 :])}</th>"
            for year, first, last in groups
            for i in range(first, last + 1)
        )
        out.append(f"\n<thead><tr>{top}</tr>\n<tr>{below}</tr></thead>\n")
    out.append("<tbody>\n")
    last_row = len(table.rows) - 1
    for r, row in enumerate(table.rows):
        total = (table.has_total and r == last_row) or is_subtotal(row)
        cells = [f'<th scope="row">{_e(row[0].text)}</th>']
        for c, cell in enumerate(row[1:count], start=1):
            classes = []
            text = _e(cell.text)
            if numeric[c] and not (_is_text(cell) and len(cell.text) > 12):
                classes.append("num")
            if table.columns[c] in table.baseline_columns:
                classes.append("baseline")
            if cell.rag is not None:
                classes = [*(x for x in classes if x != "baseline"), f"rag-{cell.rag.value}"]
                text += f" {RAG_WORDS[cell.rag]}"
            attr = f' class="{" ".join(classes)}"' if classes else ""
            cells.append(f"<td{attr}>{text.replace(chr(10), '<br>')}</td>")
        cells += ["<td></td>"] * (count - len(row))
        attr = ' class="total"' if total else ""
        out.append(f"<tr{attr}>{''.join(cells)}</tr>\n")
    out.append("</tbody>\n</table>\n")
    return "".join(out)


def _number_text(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _chart(table: Table, ident: str) -> str:
    """The year-on-year bars as inline SVG, described in words, or "" for none."""
    points = chart_points(table)
    if not points:
        return ""
    previous, current = table.columns[-2], table.columns[-1]
    names = [_heading_text(table, previous), _heading_text(table, current)]
    largest = max(max(p[1], p[2]) for p in points) or 1.0
    label_width, bar_area, bar, gap = 230, 380, 12, 10
    row_height = 2 * bar + gap
    top = 34
    height = top + row_height * len(points) + 8
    width = label_width + bar_area + 60
    title = f"{table.title}: {previous} and {current}"
    if len(table.body) > len(points):
        title += f" (the {CHART_ROWS} largest in {current})"
    description = "; ".join(
        f"{label}: {_number_text(before)} in {previous}, {_number_text(now)} in {current}"
        for label, before, now in points
    )
    parts = [
        f'<figure>\n<svg role="img" aria-labelledby="{ident}-t {ident}-d" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg">\n'
        f'<title id="{ident}-t">{_e(title)}</title>\n'
        f'<desc id="{ident}-d">{_e(description)}.</desc>\n'
        f'<defs><pattern id="{ident}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#9db3d1"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="#1f3864" stroke-width="2"/></pattern></defs>\n'
        # The legend: a hatched swatch for the previous year, a solid one for this year.
        f'<rect x="{label_width}" y="6" width="14" height="12" fill="url(#{ident}-hatch)" '
        f'stroke="#1f3864"/>\n'
        f'<text x="{label_width + 20}" y="16" font-size="12" fill="#111">{_e(names[0])}</text>\n'
        f'<rect x="{label_width + 190}" y="6" width="14" height="12" fill="#1f3864"/>\n'
        f'<text x="{label_width + 210}" y="16" font-size="12" fill="#111">{_e(names[1])}</text>\n'
    ]
    for index, (label, before, now) in enumerate(points):
        y = top + index * row_height
        shown = label if len(label) <= 36 else label[:35].rstrip() + "…"
        parts.append(
            f'<text x="{label_width - 6}" y="{y + bar + 4}" font-size="12" '
            f'text-anchor="end" fill="#111">{_e(shown)}</text>\n'
        )
        for offset, value, fill in (
            (0, before, f"url(#{ident}-hatch)"),
            (bar, now, "#1f3864"),
        ):
            length = bar_area * value / largest
            parts.append(
                f'<rect x="{label_width}" y="{y + offset}" width="{length:.1f}" '
                f'height="{bar - 1}" fill="{fill}"/>\n'
                f'<text x="{label_width + length + 4:.1f}" y="{y + offset + bar - 2}" '
                f'font-size="11" fill="#111">{_e(_number_text(value))}</text>\n'
            )
    parts.append(
        "</svg>\n<figcaption>Chart: "
        f"{_e(title)}. The figures are in the table above.</figcaption>\n</figure>\n"
    )
    return "".join(parts)


def _procedure_names(codes: Sequence[str]) -> str:
    names = []
    for code in codes:
        try:
            names.append(Procedure(code).label)
        except ValueError:
            names.append(code)
    return ", ".join(names) if names else "None"


def _section(section: Section, index: int, number: list[int]) -> str:
    ident = f"s{index}-{_slug(section.key)}"
    out = [f'<section aria-labelledby="{ident}">\n<h2 id="{ident}">{_e(section.title)}</h2>\n']
    out.append(_paragraphs(section.commentary))
    for table in section.tables:
        number[0] += 1
        tid = f"t{number[0]}"
        if not table.rows:
            out.append(f'<h3 id="{tid}">{_e(table.title)}</h3>\n')
            out.append("<p>Nothing to show for this year.</p>\n")
            continue
        out.append(_table(table, tid))
        out += [f'<p class="note">{_e(note)}</p>\n' for note in table.notes]
        if table.chart:
            out.append(_chart(table, f"{tid}-chart"))
    out.append("</section>\n")
    return "".join(out)


def report_html(report: AnnualReport) -> str:
    """The whole report as one HTML document (a string)."""
    label = FinancialYear(report.year).label
    generated = format_date(report.generated_at.date())
    contents = "".join(
        f'<li><a href="#s{i}-{_slug(s.key)}">{_e(s.title)}</a></li>'
        for i, s in enumerate(report.sections)
    )
    number = [0]
    sections = "".join(_section(s, i, number) for i, s in enumerate(report.sections))
    council = f"<p>{_e(report.council_name)}</p>\n" if report.council_name.strip() else ""
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{LANGUAGE}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(report.title)}</title>\n"
        '<meta name="generator" content="CRM Desktop">\n'
        f"<style>{_STYLE}</style>\n</head>\n<body>\n"
        '<a class="skip" href="#main">Skip to the report</a>\n'
        '<header class="cover">\n<div class="wrap">\n'
        f"{council}"
        f"<h1>{_e(' '.join(report.cover_lines))} {_e(label)}</h1>\n"
        f"<p>{_e(report.period)}</p>\n"
        f"<p>Procedures covered: {_e(_procedure_names(report.procedures))}.</p>\n"
        f"<p>Generated {_e(generated)}.</p>\n"
        "</div>\n</header>\n"
        '<div class="wrap">\n'
        f'<nav aria-labelledby="contents"><h2 id="contents">Contents</h2>\n<ol>'
        '<li><a href="#about">About these figures</a></li>'
        f"{contents}</ol></nav>\n"
        '<main id="main">\n'
        '<section aria-labelledby="about">\n<h2 id="about">About these figures</h2>\n'
        f"{_paragraphs(report.about)}"
        + "".join(f"<p>{_e(note)}</p>\n" for note in report.notes)
        + "</section>\n"
        f"{sections}"
        "</main>\n"
        f"<footer><p>{_e(report.title)}. Generated {_e(generated)} by CRM Desktop.</p>"
        "</footer>\n</div>\n</body>\n</html>\n"
    )


def render_html(report: AnnualReport, out: Path | TextIO, progress: Progress | None = None) -> None:
    """Write ``report`` as one HTML page to ``out`` (a path or a text file)."""
    text = report_html(report)
    if isinstance(out, Path):
        out.write_text(text, encoding="utf-8", newline="\n")
    else:
        out.write(text)
    if progress is not None:
        progress(1, 1)
