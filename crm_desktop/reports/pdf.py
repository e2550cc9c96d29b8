"""The annual report as a PDF (reportlab platypus): cover, contents, tables, charts.

A4 portrait. A cover page; a table of contents (two passes or more, reportlab's
``multiBuild``); each section on a new page with its commentary, then each table with
its header row repeated when it runs over a page, its total row in bold, numbers right
aligned, RAG cells coloured *and* labelled in words (the colour is lost on a greyscale
printer, the word is not), baseline columns marked; a year-on-year bar chart for the
tables that ask for one; "Page N of M" in every footer.

Every value is shown through :func:`~crm_desktop.reports.model.format_value`, the same
text the XLSX workbook's number formats give.

Safety: text from the data (labels, column headings, commentary, the council's name,
learning examples) reaches a ``Paragraph`` only through :func:`markup`, which escapes
it, so ``<img src=...>``, ``<font>``, ``<a href>``, unbalanced tags and ``&`` are shown
as typed and nothing is read from disk or fetched because of them. Chart labels and the
running header are drawn as plain strings, which reportlab never parses.

Fonts: DejaVu Sans (or Arial on Windows) when the system has it, for its wide Unicode
coverage (Greek, Cyrillic, Arabic, Hebrew...); else Helvetica. A character the font
cannot draw is shown by its Unicode name in brackets (``[thumbs up sign]``) rather than
as an empty box. Arabic and Hebrew are drawn with their glyphs but left to right and
unjoined: reportlab shapes and reorders them only when the optional ``rlbidi`` and
``uharfbuzz`` packages are installed, which this program does not require.
"""

from __future__ import annotations

import functools
import os
import re
import textwrap
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Frame,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Table as RLTable
from reportlab.platypus.tableofcontents import TableOfContents

from crm_desktop.domain.enums import Procedure
from crm_desktop.domain.financial_year import FinancialYear
from crm_desktop.domain.formatting import format_date
from crm_desktop.reports.model import (
    CHART_ROWS,
    AnnualReport,
    Cell,
    Format,
    Rag,
    Table,
    chart_points,
    is_subtotal,
)

__all__ = ["LANGUAGE", "RAG_WORDS", "markup", "plain_text", "render_pdf"]

Progress = Callable[[int, int], None]

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_X = 2.0 * cm
MARGIN_TOP = 2.4 * cm
MARGIN_BOTTOM = 2.2 * cm

NAVY = colors.HexColor("#1F3864")
ACCENT = colors.HexColor("#2E75B6")
LIGHT_BAND = colors.HexColor("#F2F5FA")
TOTAL_FILL = colors.HexColor("#DCE3EE")
BASELINE_FILL = colors.HexColor("#EDEDED")
GRID = colors.HexColor("#BFC7D5")
MUTED = colors.HexColor("#595959")
PREVIOUS_BAR = colors.HexColor("#9DB3D1")

RAG_WORDS = {Rag.GREEN: "Green", Rag.AMBER: "Amber", Rag.RED: "Red"}
_RAG_COLOURS = {  # (fill, text): the fills stay light so the word reads in greyscale
    Rag.GREEN: (colors.HexColor("#C6EFCE"), colors.HexColor("#006100")),
    Rag.AMBER: (colors.HexColor("#FFEB9C"), colors.HexColor("#7A4A00")),
    Rag.RED: (colors.HexColor("#FFC7CE"), colors.HexColor("#9C0006")),
}

LANGUAGE = "en-GB"
KEEP_TOGETHER_ROWS = 30  # shorter tables move whole to the next page rather than split
# A row is split across pages only when it cannot move whole (it is taller than a page,
# such as a long learning example) and at least this much of it (points) fits on each.
IN_ROW_SPLIT_MIN = 72

# --------------------------------------------------------------------------- fonts


def _font_candidates() -> list[tuple[Path, Path]]:
    windows = Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"
    return [
        (
            Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
            Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
        ),
        (
            Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
            Path("/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"),
        ),
        (
            Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),
            Path("/usr/share/fonts/TTF/DejaVuSans-Bold.ttf"),
        ),
        (windows / "DejaVuSans.ttf", windows / "DejaVuSans-Bold.ttf"),
        (windows / "arial.ttf", windows / "arialbd.ttf"),
        (
            Path("/System/Library/Fonts/Supplemental/Arial.ttf"),
            Path("/System/Library/Fonts/Supplemental/Arial Bold.ttf"),
        ),
    ]


@dataclass(frozen=True)
class Fonts:
    regular: str
    bold: str
    covered: frozenset[int] | None  # code points both faces can draw; None: Helvetica

    def can_draw(self, char: str) -> bool:
        if self.covered is not None:
            return ord(char) in self.covered
        try:
            char.encode("cp1252")  # what the standard Type 1 fonts can show
        except UnicodeEncodeError:
            return False
        return True


@functools.cache
def report_fonts() -> Fonts:
    """Register the report's fonts once per process (nothing is installed or fetched)."""
    for regular_path, bold_path in _font_candidates():
        if not (regular_path.is_file() and bold_path.is_file()):
            continue
        try:
            regular = ttfonts.TTFont("CRMSans", str(regular_path))
            bold = ttfonts.TTFont("CRMSans-Bold", str(bold_path))
        except Exception:  # a damaged or unreadable font file: try the next one
            continue
        pdfmetrics.registerFont(regular)
        pdfmetrics.registerFont(bold)
        pdfmetrics.registerFontFamily(
            "CRMSans",
            normal="CRMSans",
            bold="CRMSans-Bold",
            italic="CRMSans",
            boldItalic="CRMSans-Bold",
        )
        _fix_to_unicode_cmap()
        covered = frozenset(regular.face.charToGlyph) & frozenset(bold.face.charToGlyph)
        return Fonts("CRMSans", "CRMSans-Bold", covered)
    return Fonts("Helvetica", "Helvetica-Bold", None)


def _fix_to_unicode_cmap() -> None:
    """Make characters beyond U+FFFF (😀) searchable and copyable in the PDF.

    reportlab writes each font subset's ToUnicode map entry as ``<%04X>`` of the code
    point, which for U+1F600 gives ``<1F600>``: an odd number of hex digits, so PDF
    readers drop the character from extracted text. The PDF specification wants UTF-16BE
    there (``<D83DDE00>``). This swaps in a builder that writes UTF-16BE, identical to
    the original for every other character, and only while the original has the fault.
    """
    original = ttfonts.makeToUnicodeCMap
    if getattr(original, "_crm_fixed", False) or "<1F600>" not in original("F", [0x1F600]):
        return

    def make_to_unicode_cmap(fontname: str, subset: Sequence[int]) -> str:
        lines: list[str] = original(fontname, [0] * len(subset)).split("\n")
        start = lines.index(f"{len(subset)} beginbfchar") + 1
        lines[start : start + len(subset)] = [
            f"<{i:02X}> <{chr(v).encode('utf-16-be', 'surrogatepass').hex().upper()}>"
            for i, v in enumerate(subset)
        ]
        return "\n".join(lines)

    make_to_unicode_cmap._crm_fixed = True  # type: ignore[attr-defined]
    ttfonts.makeToUnicodeCMap = make_to_unicode_cmap


# ---------------------------------------------------------------------------- text

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_INVISIBLE = ("Mn", "Me", "Cf")  # combining marks, joiners, variation selectors


def plain_text(text: str, fonts: Fonts | None = None) -> str:
    """``text`` as the report's font can draw it, for strings reportlab never parses.

    Control characters go; a character the font lacks is written as its Unicode name
    in brackets, or dropped if it is invisible on its own (a variation selector, an
    emoji skin-tone modifier).
    """
    fonts = fonts or report_fonts()
    text = _CONTROL.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))
    if all(c == "\n" or fonts.can_draw(c) for c in text):
        return text
    out: list[str] = []
    for char in text:
        if char == "\n" or fonts.can_draw(char):
            out.append(char)
        elif unicodedata.category(char) in _INVISIBLE or 0x1F3FB <= ord(char) <= 0x1F3FF:
            continue
        else:
            name = unicodedata.name(char, f"U+{ord(char):04X}")
            out.append(f"[{name.lower()}]")
    return "".join(out)


def markup(text: str, fonts: Fonts | None = None) -> str:
    """``text`` as Paragraph markup that shows exactly ``text`` and does nothing else.

    Escaped with :func:`xml.sax.saxutils.escape` (``&``, ``<``, ``>``), so no tag in
    the text is ever interpreted; line breaks become ``<br/>``.
    """
    return escape(plain_text(text, fonts)).replace("\n", "<br/>")


# -------------------------------------------------------------------------- styles


@dataclass(frozen=True)
class _Styles:
    fonts: Fonts
    cover_council: ParagraphStyle
    cover_title: ParagraphStyle
    cover_year: ParagraphStyle
    cover_detail: ParagraphStyle
    h1: ParagraphStyle
    h2: ParagraphStyle
    h2_loose: ParagraphStyle
    chart_title: ParagraphStyle
    body: ParagraphStyle
    note: ParagraphStyle
    th: ParagraphStyle
    th_right: ParagraphStyle
    th_centre: ParagraphStyle
    th_small: ParagraphStyle
    td: ParagraphStyle
    td_bold: ParagraphStyle
    toc0: ParagraphStyle
    toc1: ParagraphStyle


def _styles(fonts: Fonts) -> _Styles:
    r, b = fonts.regular, fonts.bold

    def style(name: str, **kw: Any) -> ParagraphStyle:
        kw.setdefault("fontName", r)
        return ParagraphStyle(name, **kw)

    th = style("th", fontName=b, fontSize=8.5, leading=10.5, textColor=colors.white)
    return _Styles(
        fonts=fonts,
        cover_council=style("council", fontName=b, fontSize=18, leading=23, textColor=NAVY),
        cover_title=style("cover", fontName=b, fontSize=26, leading=32, textColor=NAVY),
        cover_year=style("year", fontName=b, fontSize=40, leading=46, textColor=ACCENT),
        cover_detail=style("detail", fontSize=11, leading=16, textColor=colors.black),
        h1=style(
            "h1",
            fontName=b,
            fontSize=18,
            leading=22,
            textColor=NAVY,
            spaceAfter=10,
            keepWithNext=1,
        ),
        h2=style(
            "h2",
            fontName=b,
            fontSize=11.5,
            leading=14,
            textColor=NAVY,
            spaceBefore=6,
            spaceAfter=5,
            keepWithNext=1,
        ),
        h2_loose=style(
            "h2_loose",
            fontName=b,
            fontSize=11.5,
            leading=14,
            textColor=NAVY,
            spaceBefore=6,
            spaceAfter=5,
        ),
        chart_title=style(
            "chart_title", fontName=b, fontSize=8.5, leading=11, textColor=MUTED, spaceAfter=2
        ),
        body=style("body", fontSize=10, leading=14, spaceAfter=6),
        note=style("note", fontSize=7.5, leading=9.5, textColor=MUTED, spaceBefore=2),
        th=th,
        th_right=ParagraphStyle("th_right", parent=th, alignment=TA_RIGHT),
        th_centre=ParagraphStyle("th_centre", parent=th, alignment=TA_CENTER),
        th_small=ParagraphStyle("th_small", parent=th, fontSize=7.5, leading=9, alignment=TA_RIGHT),
        td=style("td", fontSize=9, leading=11),
        td_bold=style("td_bold", fontName=b, fontSize=9, leading=11),
        toc0=style("toc0", fontName=b, fontSize=10.5, leading=14, spaceBefore=7),
        toc1=style("toc1", fontSize=9, leading=12, leftIndent=14),
    )


# -------------------------------------------------------------------------- tables


def _is_text(cell: Cell) -> bool:
    return cell.format == Format.TEXT or isinstance(cell.value, str)


def _column_is_text(table: Table, index: int) -> bool:
    cells = [row[index] for row in table.rows if index < len(row)]
    return index == 0 or (bool(cells) and all(_is_text(c) for c in cells))


def _column_widths(table: Table, fonts: Fonts, width: float) -> list[float]:
    count = len(table.columns)
    text_columns = [i for i in range(count) if _column_is_text(table, i)]
    if len(text_columns) == count:  # all text (learning examples)
        return _at_least_a_word(table, fonts, width, _text_column_widths(table, fonts, width))
    numbers = count - len(text_columns)
    number_width = min(82.0, max(56.0, width * 0.66 / numbers))
    text_width = (width - numbers * number_width) / len(text_columns)
    widths = [text_width if i in text_columns else number_width for i in range(count)]
    return _at_least_a_word(table, fonts, width, widths)


_PADDING = 12.0  # a cell's padding, left and right


def _widest_word(table: Table, index: int, fonts: Fonts) -> float:
    """The widest word of a column's heading (bold) and cells: a column narrower than it
    breaks the word in the middle ("Provisi/on")."""
    heading = plain_text(table.columns[index], fonts).split()
    words = [pdfmetrics.stringWidth(w, fonts.bold, 8.5) for w in heading]
    for row in table.rows:
        if index < len(row):
            text = plain_text(row[index].text, fonts)
            words += [pdfmetrics.stringWidth(w, fonts.regular, 9) for w in text.split()]
    return max(words, default=0.0) + _PADDING


def _at_least_a_word(table: Table, fonts: Fonts, width: float, widths: list[float]) -> list[float]:
    """``widths`` with each column at least as wide as its widest word, the room taken
    from the columns with most to spare; as they were when the words cannot all fit."""
    least = [_widest_word(table, i, fonts) for i in range(len(widths))]
    if sum(least) > width:
        return widths
    short = sum(max(0.0, m - w) for m, w in zip(least, widths, strict=True))
    if short <= 0:
        return widths
    spare = [max(0.0, w - m) for m, w in zip(least, widths, strict=True)]
    if sum(spare) < short:
        return widths
    return [
        max(w, m) - (s * short / sum(spare)) for w, m, s in zip(widths, least, spare, strict=True)
    ]


def _text_column_widths(table: Table, fonts: Fonts, width: float) -> list[float]:
    """Short columns (a case reference) as wide as their longest cell; the rest share."""
    padding = 12.0
    natural = [
        max(
            (
                pdfmetrics.stringWidth(plain_text(r[i].text, fonts), fonts.regular, 9)
                for r in table.rows
            ),
            default=0.0,
        )
        + padding
        for i in range(len(table.columns))
    ]
    header = [
        pdfmetrics.stringWidth(plain_text(c, fonts), fonts.bold, 8.5) + padding
        for c in table.columns
    ]
    natural = [max(n, h) for n, h in zip(natural, header, strict=True)]
    if sum(natural) <= width:
        spare = width - sum(natural)
        return [n + spare * n / sum(natural) for n in natural]
    fixed = {i: n for i, n in enumerate(natural) if n <= width * 0.22}
    rest = width - sum(fixed.values())
    flexible = [i for i in range(len(natural)) if i not in fixed]
    weights = {i: min(natural[i], width) for i in flexible}
    return [
        fixed[i] if i in fixed else rest * weights[i] / sum(weights.values())
        for i in range(len(natural))
    ]


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
    if len(groups) == len(columns) - 1:
        return None
    return groups


def _pdf_table(table: Table, st: _Styles, width: float) -> RLTable:
    fonts = st.fonts
    count = len(table.columns)
    text_columns = {i for i in range(count) if _column_is_text(table, i)}
    groups = _year_groups(table.columns)
    data: list[list[Any]] = []

    def heading(i: int, text: str) -> Paragraph:
        label = markup(text, fonts)
        if table.columns[i] in table.baseline_columns:
            label += "<br/>(baseline)"
        if groups is not None and i > 0:
            return Paragraph(label, st.th_small)
        return Paragraph(label, st.th if i in text_columns else st.th_right)

    commands: list[tuple[Any, ...]] = []
    if groups is None:
        head = 1
        data.append([heading(i, column) for i, column in enumerate(table.columns)])
    else:
        head = 2
        top: list[Any] = [Paragraph(markup(table.columns[0], fonts), st.th)] + [""] * (count - 1)
        below: list[Any] = [""] * count
        for year, first, last in groups:
            top[first] = Paragraph(markup(year, fonts), st.th_centre)
            commands += [
                ("SPAN", (first, 0), (last, 0)),
                ("LINEBELOW", (first, 0), (last, 0), 0.5, colors.white),
            ]
            for i in range(first, last + 1):
                below[i] = heading(i, table.columns[i][len(year) + 1 :])
        commands += [
            ("SPAN", (0, 0), (0, 1)),
            ("LEFTPADDING", (1, 1), (-1, 1), 3),
            ("RIGHTPADDING", (1, 1), (-1, 1), 4),
        ]
        data += [top, below]
    all_text = len(text_columns) == count
    commands += [
        ("BACKGROUND", (0, 0), (-1, head - 1), NAVY),
        ("VALIGN", (0, 0), (-1, head - 1), "BOTTOM"),
        ("VALIGN", (0, head), (-1, -1), "TOP" if all_text else "MIDDLE"),
        ("FONTNAME", (0, head), (-1, -1), fonts.regular),
        ("FONTSIZE", (0, head), (-1, -1), 9),
        ("LEADING", (0, head), (-1, -1), 11),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LINEBELOW", (0, head), (-1, -1), 0.25, GRID),
        ("BOX", (0, 0), (-1, -1), 0.6, NAVY),
    ]
    if len(table.rows) > 1:
        commands.append(("ROWBACKGROUNDS", (0, head), (-1, -1), [colors.white, LIGHT_BAND]))
    for i in range(count):
        if i not in text_columns:
            commands.append(("ALIGN", (i, head), (i, -1), "RIGHT"))
        if table.columns[i] in table.baseline_columns and table.rows:
            commands.append(("BACKGROUND", (i, head), (i, -1), BASELINE_FILL))
    last = len(table.rows) - 1 + head
    for r, row in enumerate(table.rows, start=head):
        bold = (table.has_total and r == last) or is_subtotal(row)
        if bold:
            commands.append(("FONTNAME", (0, r), (-1, r), fonts.bold))
        cells: list[Any] = []
        for c, cell in enumerate(row[:count]):
            if c in text_columns or _is_text(cell):
                cells.append(Paragraph(markup(cell.text, fonts), st.td_bold if bold else st.td))
                continue
            text = cell.text
            if cell.rag is not None:
                fill, ink = _RAG_COLOURS[cell.rag]
                text = f"{text}  {RAG_WORDS[cell.rag]}"
                commands += [
                    ("BACKGROUND", (c, r), (c, r), fill),
                    ("TEXTCOLOR", (c, r), (c, r), ink),
                    ("FONTNAME", (c, r), (c, r), fonts.bold),
                ]
            cells.append(text)
        cells += [""] * (count - len(cells))
        data.append(cells)
    if table.has_total and table.rows:
        commands += [
            ("BACKGROUND", (0, last), (-1, last), TOTAL_FILL),
            ("LINEABOVE", (0, last), (-1, last), 0.9, NAVY),
        ]
    return RLTable(
        data,
        colWidths=_column_widths(table, fonts, width),
        repeatRows=head,
        splitInRow=IN_ROW_SPLIT_MIN,  # a row taller than a page (long learning text) runs on
        hAlign="LEFT",
        style=TableStyle(commands),
    )


# -------------------------------------------------------------------------- charts


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _two_lines(text: str, limit: int) -> str:
    """``text`` on at most two lines of ``limit`` characters (a chart's category label),
    cut short with "…" only when two are not enough."""
    lines = textwrap.wrap(text, limit) or [""]
    if len(lines) <= 2:
        return "\n".join(lines)
    return lines[0] + "\n" + _short(" ".join(lines[1:]), limit)


def year_on_year_chart(table: Table, fonts: Fonts, width: float) -> Drawing | None:
    """Bars for the previous and the current year, the top rows by the current year."""
    chosen = chart_points(table)
    if not chosen:
        return None
    previous, current = len(table.columns) - 2, len(table.columns) - 1
    # A horizontal chart draws its first category lowest.
    top = [(plain_text(label, fonts), before, now) for label, before, now in chosen][::-1]
    label_width = 185.0
    bars_height = 24.0 * len(top)
    height = bars_height + 52.0
    drawing = Drawing(width, height)
    chart = HorizontalBarChart()
    chart.x, chart.y = label_width, 22
    chart.width, chart.height = width - label_width - 34, bars_height
    chart.data = [[p[1] for p in top], [p[2] for p in top]]
    chart.bars[0].fillColor = PREVIOUS_BAR
    chart.bars[1].fillColor = NAVY
    chart.bars.strokeColor = None
    chart.barSpacing = 1
    chart.groupSpacing = 6
    axis = chart.categoryAxis
    axis.categoryNames = [_two_lines(p[0], 42) for p in top]
    axis.labels.fontName = fonts.regular
    axis.labels.fontSize = 7.5
    axis.labels.leading = 8.5
    axis.labels.textAnchor = "end"  # both lines of a long label end at the axis
    axis.labels.boxAnchor = "e"
    axis.labels.dx = -4
    axis.strokeColor = GRID
    axis.tickLeft = 0
    values = chart.valueAxis
    values.valueMin = 0
    values.rangeRound = "ceiling"  # the axis runs on to the tick past the longest bar
    values.labels.fontName = fonts.regular
    values.labels.fontSize = 7
    values.labelTextFormat = lambda v: f"{v:,.0f}"
    values.visibleGrid = 1
    values.gridStrokeColor = colors.HexColor("#E3E7EE")
    values.strokeColor = GRID
    chart.barLabelFormat = lambda v: f"{v:,.0f}"
    chart.barLabels.fontName = fonts.regular
    chart.barLabels.fontSize = 6.5
    chart.barLabels.fillColor = MUTED
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 3
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = label_width, height - 6
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.deltax = 80
    legend.dxTextSpace = 5
    legend.fontName = fonts.regular
    legend.fontSize = 8
    names = [
        plain_text(c, fonts) + (" (baseline)" if c in table.baseline_columns else "")
        for c in (table.columns[previous], table.columns[current])
    ]
    legend.colorNamePairs = [(PREVIOUS_BAR, names[0]), (NAVY, names[1])]
    drawing.add(legend)
    return drawing


# ------------------------------------------------------------------------ document


def _heading(text: str, style: ParagraphStyle, level: int, key: str, fonts: Fonts) -> Paragraph:
    """A heading that puts itself in the contents and the PDF outline."""
    heading = Paragraph(markup(text, fonts), style)
    heading._crm_toc = (level, markup(text, fonts), plain_text(text, fonts), key)
    return heading


class _ReportDocument(BaseDocTemplate):  # type: ignore[misc]
    def __init__(self, out: Any, report: AnnualReport, on_table: Callable[[], None]) -> None:
        super().__init__(
            out,
            pagesize=A4,
            leftMargin=MARGIN_X,
            rightMargin=MARGIN_X,
            topMargin=MARGIN_TOP,
            bottomMargin=MARGIN_BOTTOM,
            title=report.title,
            author=report.council_name or "CRM Desktop",
            subject=f"Financial year {FinancialYear(report.year).label}",
            creator="CRM Desktop",
            lang=LANGUAGE,  # the catalog's /Lang: screen readers pick the voice from it
        )
        self._on_table = on_table
        frame = Frame(
            self.leftMargin,
            self.bottomMargin,
            self.width,
            self.height,
            id="body",
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        self.addPageTemplates(
            [
                PageTemplate(id="cover", frames=[frame], onPage=_draw_cover_band),
                PageTemplate(id="body", frames=[frame]),
            ]
        )

    def afterFlowable(self, flowable: Any) -> None:
        entry = getattr(flowable, "_crm_toc", None)
        if entry is None:
            return
        level, text, outline, key = entry
        self.canv.bookmarkPage(key)
        self.canv.addOutlineEntry(outline, key, level=level, closed=level == 0)
        self.notify("TOCEntry", (level, text, self.page, key))
        if level == 1:
            self._on_table()


def _draw_cover_band(canvas: Canvas, doc: Any) -> None:
    canvas.saveState()
    canvas.setFillColor(NAVY)
    canvas.rect(0, PAGE_HEIGHT - 3.2 * cm, PAGE_WIDTH, 3.2 * cm, stroke=0, fill=1)
    canvas.setFillColor(ACCENT)
    canvas.rect(0, PAGE_HEIGHT - 3.45 * cm, PAGE_WIDTH, 0.25 * cm, stroke=0, fill=1)
    canvas.rect(0, 0, PAGE_WIDTH, 0.6 * cm, stroke=0, fill=1)
    canvas.restoreState()


def _canvas_class(running_head: str, generated: str, fonts: Fonts) -> type[Canvas]:
    """A canvas that holds its pages until the end, to write "Page N of M" on each."""

    class NumberedCanvas(Canvas):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._held: list[dict[str, Any]] = []
            # A reader shows the document's title (not the file name) and opens the
            # bookmarks (the outline of sections and tables) beside the pages.
            self.setViewerPreference("DisplayDocTitle", "true")
            self.showOutline()

        def bookmarkPage(self, key: str, **kwargs: Any) -> Any:  # reportlab's name
            # The pages are held back until save(), so the document has not counted
            # them yet: point the bookmark at the page being drawn, not at page 1.
            counter = self._doc.pageCounter
            self._doc.pageCounter = len(self._held) + 1
            try:
                return super().bookmarkPage(key, **kwargs)
            finally:
                self._doc.pageCounter = counter

        def showPage(self) -> None:  # reportlab's name
            self._held.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._held)
            for state in self._held:
                self.__dict__.update(state)
                if self._pageNumber > 1:
                    self._decorate(total)
                super().showPage()
            self._held = []
            super().save()

        def _decorate(self, total: int) -> None:
            self.saveState()
            top = PAGE_HEIGHT - MARGIN_TOP + 14
            self.setFont(fonts.regular, 8)
            self.setFillColor(MUTED)
            self.drawString(MARGIN_X, top, running_head)
            self.setStrokeColor(NAVY)
            self.setLineWidth(0.6)
            self.line(MARGIN_X, top - 5, PAGE_WIDTH - MARGIN_X, top - 5)
            bottom = MARGIN_BOTTOM - 24
            self.setStrokeColor(GRID)
            self.line(MARGIN_X, bottom + 11, PAGE_WIDTH - MARGIN_X, bottom + 11)
            self.drawString(MARGIN_X, bottom, generated)
            self.drawRightString(
                PAGE_WIDTH - MARGIN_X, bottom, f"Page {self._pageNumber} of {total}"
            )
            self.restoreState()

    return NumberedCanvas


def _procedure_names(codes: Sequence[str]) -> str:
    names = []
    for code in codes:
        try:
            names.append(Procedure(code).label)
        except ValueError:
            names.append(code)
    return ", ".join(names) if names else "None"


def _cover(report: AnnualReport, st: _Styles) -> list[Any]:
    fonts = st.fonts
    year = report.year
    story: list[Any] = [Spacer(1, 3.2 * cm)]
    if report.council_name:
        story += [Paragraph(markup(report.council_name, fonts), st.cover_council), Spacer(1, 14)]
    story += [
        *(Paragraph(escape(line), st.cover_title) for line in report.cover_lines),
        Spacer(1, 18),
        Paragraph(escape(FinancialYear(year).label), st.cover_year),
        Spacer(1, 30),
        Paragraph(escape(report.period), st.cover_detail),
        Paragraph(
            "<b>Procedures covered:</b> " + markup(_procedure_names(report.procedures), fonts),
            st.cover_detail,
        ),
        Paragraph(
            "<b>Generated:</b> " + escape(format_date(report.generated_at.date())),
            st.cover_detail,
        ),
    ]
    return story


def _about(report: AnnualReport, st: _Styles) -> list[Any]:
    story: list[Any] = [
        Spacer(1, 14),
        Paragraph("About these figures", st.h2),
        *_commentary(report.about, st),
    ]
    story += [Paragraph(markup(note, st.fonts), st.body) for note in report.notes]
    return story


def _commentary(text: str, st: _Styles) -> list[Any]:
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    return [Paragraph(markup(p, st.fonts), st.body) for p in paragraphs]


def _table_story(table: Table, key: str, st: _Styles, width: float) -> list[Any]:
    fonts = st.fonts
    if not table.rows:
        empty = Paragraph("Nothing to show for this year.", st.body)
        return [KeepTogether([_heading(table.title, st.h2, 1, key, fonts), empty]), Spacer(1, 12)]
    notes = [Paragraph(markup(note, fonts), st.note) for note in table.notes]
    story: list[Any]
    drawn = _pdf_table(table, st, width)
    _, height = drawn.wrap(width, PAGE_HEIGHT)
    # A short table moves whole to the next page if need be; one whose rows are tall
    # enough to fill most of a page starts where it is, or its heading would be left
    # alone at the foot of a nearly blank page.
    if len(table.rows) <= KEEP_TOGETHER_ROWS and height <= PAGE_HEIGHT * 0.55:
        heading = _heading(table.title, st.h2, 1, key, fonts)
        story = [KeepTogether([heading, drawn, *notes])]
    else:  # starts where it is, with its heading and a few rows, and runs on
        heading = _heading(table.title, st.h2_loose, 1, key, fonts)
        story = [CondPageBreak(5 * cm), heading, drawn, *notes]
    if table.chart:
        chart = year_on_year_chart(table, fonts, width)
        if chart is not None:
            previous, current = (markup(c, fonts) for c in table.columns[-2:])
            largest = f" (the {CHART_ROWS} largest in {current})"
            caption = Paragraph(
                f"{markup(table.title, fonts)}: {previous} and {current}"
                + (largest if len(table.body) > CHART_ROWS else ""),
                st.chart_title,
            )
            story.append(KeepTogether([Spacer(1, 10), caption, chart]))
    story.append(Spacer(1, 14))
    return story


def render_pdf(
    report: AnnualReport,
    out: Path | BinaryIO,
    progress: Progress | None = None,
) -> None:
    """Write ``report`` as a PDF to ``out`` (a path or a binary file open for writing).

    ``progress(done, total)`` is called as the tables are laid out (reportlab lays the
    document out more than once, to number the contents; the count allows for three
    passes) and with ``done == total`` at the end. The file is written once, at the end.
    """
    fonts = report_fonts()
    st = _styles(fonts)
    tables = report.tables
    total = max(1, 3 * len(tables))
    done = 0

    def step() -> None:
        nonlocal done
        done = min(done + 1, total - 1)
        if progress is not None:
            progress(done, total)

    target: Any = str(out) if isinstance(out, Path) else out
    doc = _ReportDocument(target, report, step)
    width = doc.width

    toc = TableOfContents(dotsMinLevel=0)
    toc.levelStyles = [st.toc0, st.toc1]

    story: list[Any] = _cover(report, st)
    story += [NextPageTemplate("body"), PageBreak()]
    story += [Paragraph("Contents", st.h1), toc]
    story += _about(report, st)
    number = 0
    for index, section in enumerate(report.sections):
        story.append(PageBreak())
        story.append(_heading(section.title, st.h1, 0, f"s{index}", fonts))
        story += _commentary(section.commentary, st)
        for table in section.tables:
            number += 1
            story += _table_story(table, f"t{number}", st, width)

    running_head = " ".join(
        plain_text(
            " · ".join(p for p in (report.council_name.strip(), report.title) if p), fonts
        ).split()
    )
    room = PAGE_WIDTH - 2 * MARGIN_X
    while running_head and pdfmetrics.stringWidth(running_head, fonts.regular, 8) > room:
        running_head = running_head[:-2] + "…"
    generated = f"Generated {format_date(report.generated_at.date())}"
    doc.multiBuild(story, canvasmaker=_canvas_class(running_head, generated, fonts))
    if progress is not None:
        progress(total, total)
