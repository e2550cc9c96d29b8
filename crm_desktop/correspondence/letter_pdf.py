"""A letter as a PDF on the council's letterhead (reportlab platypus, A4).

The letterhead (council name, address, telephone, email, logo) comes from the settings.
Fonts and escaping are the annual report's (:mod:`crm_desktop.reports.pdf`): text from
the settings and the recipient's address reach a ``Paragraph`` only through
:func:`~crm_desktop.reports.pdf.markup`; the subject and body arrive already escaped
from the markup rendering path (:data:`crm_desktop.correspondence.rendering.MARKUP`),
in which the template's own text is escaped too. So ``<img src="/etc/passwd"/>`` typed
anywhere is printed as those characters, and nothing is read from disk because of it.
The only file read is the logo the manager configured.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from crm_desktop.correspondence.settings import CorrespondenceSettings
from crm_desktop.reports.pdf import LANGUAGE, Fonts, markup, plain_text, report_fonts

__all__ = ["LetterContent", "render_letter_pdf"]

log = logging.getLogger(__name__)

LOGO_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif")
LOGO_MAX_BYTES = 5 * 1024 * 1024
NAVY = colors.HexColor("#1F3864")
MUTED = colors.HexColor("#595959")
_BLANK_LINES = re.compile(r"\n\s*\n")


@dataclass(frozen=True)
class LetterContent:
    """What goes on the page. ``subject_markup`` and ``body_markup`` are escaped markup
    (from the markup rendering path); everything else is plain text."""

    recipient_name: str
    recipient_address: Sequence[str]
    date_text: str
    reference: str
    subject_markup: str
    body_markup: str


def _logo(path_text: str, warnings: list[str]) -> Image | None:
    if not path_text:
        return None
    path = Path(path_text)
    problem = None
    if path.suffix.lower() not in LOGO_SUFFIXES:
        problem = "is not a PNG, JPEG or GIF file"
    elif not path.is_file():
        problem = "cannot be found"
    elif path.stat().st_size > LOGO_MAX_BYTES:
        problem = "is larger than 5 MB"
    if problem is None:
        try:
            width, height = ImageReader(str(path)).getSize()
            scale = min(5 * cm / width, 2.4 * cm / height)
            return Image(str(path), width=width * scale, height=height * scale)
        except Exception as exc:  # a damaged image: the letter goes without it
            problem = f"cannot be read ({exc.__class__.__name__})"
    warnings.append(f"The letterhead logo {path} {problem}; the letter has no logo.")
    return None


def _paragraphs(body_markup: str, fonts: Fonts) -> list[str]:
    text = plain_text(body_markup, fonts).strip("\n")
    return [
        part.strip("\n").replace("\n", "<br/>") for part in _BLANK_LINES.split(text) if part.strip()
    ]


def render_letter_pdf(
    settings: CorrespondenceSettings, content: LetterContent
) -> tuple[bytes, list[str]]:
    """The letter's PDF bytes, and warnings (a logo that could not be used)."""
    fonts = report_fonts()
    warnings: list[str] = []

    def style(name: str, **kw: Any) -> ParagraphStyle:
        kw.setdefault("fontName", fonts.regular)
        kw.setdefault("fontSize", 10.5)
        kw.setdefault("leading", 14.5)
        return ParagraphStyle(name, **kw)

    council = style("council", fontName=fonts.bold, fontSize=15, leading=19, textColor=NAVY)
    small = style("small", fontSize=8.5, leading=11, textColor=MUTED)
    body = style("body", spaceAfter=8)
    right = style("right", alignment=TA_RIGHT)
    subject = style("subject", fontName=fonts.bold, spaceBefore=6, spaceAfter=10)

    head_lines = [line for line in settings.council_address.splitlines() if line.strip()]
    contact = [
        text
        for text in (
            f"Telephone {settings.council_phone}" if settings.council_phone else "",
            settings.council_email,
        )
        if text
    ]
    head: list[Any] = []
    if settings.council_name:
        head.append(Paragraph(markup(settings.council_name, fonts), council))
    if head_lines or contact:
        head.append(Paragraph(markup("\n".join(head_lines + contact), fonts), small))
    logo = _logo(settings.logo_path, warnings)
    width = A4[0] - 4 * cm
    story: list[Any] = []
    if head or logo:
        table = Table(
            [[head or "", logo or ""]], colWidths=[width - 5.2 * cm, 5.2 * cm], hAlign="LEFT"
        )
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("ALIGN", (1, 0), (1, 0), "RIGHT"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                    ("LINEBELOW", (0, 0), (-1, 0), 0.6, NAVY),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
                ]
            )
        )
        story += [table, Spacer(1, 18)]
    address = "\n".join([content.recipient_name, *content.recipient_address]).strip()
    if address:
        story.append(Paragraph(markup(address, fonts), body))
    story.append(Spacer(1, 10))
    story.append(Paragraph(markup(content.date_text, fonts), right))
    if content.reference:
        story.append(Paragraph(markup(f"Our reference: {content.reference}", fonts), right))
    story.append(Spacer(1, 12))
    if content.subject_markup.strip():
        story.append(Paragraph(plain_text(content.subject_markup.strip(), fonts), subject))
    story += [Paragraph(part, body) for part in _paragraphs(content.body_markup, fonts)]

    footer = plain_text(settings.council_name, fonts)

    def decorate(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(fonts.regular, 8)
        canvas.setFillColor(MUTED)
        if footer:
            canvas.drawString(2 * cm, 1.3 * cm, footer)
        canvas.drawRightString(A4[0] - 2 * cm, 1.3 * cm, f"Page {doc.page}")
        canvas.restoreState()

    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=2 * cm,
        rightMargin=2 * cm,
        topMargin=1.8 * cm,
        bottomMargin=2.2 * cm,
        title=" ".join(
            part
            for part in (
                plain_text(content.subject_markup.strip(), fonts),
                f"({plain_text(content.reference, fonts)})",
            )
            if part and part != "()"
        ),
        author=plain_text(settings.council_name or "CRM Desktop", fonts),
        subject=f"Letter about {plain_text(content.reference, fonts)}",
        creator="CRM Desktop",
        lang=LANGUAGE,  # the catalog's /Lang: screen readers pick the voice from it
        displayDocTitle=True,
    )
    doc.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return out.getvalue(), warnings
