"""Text that goes into a spreadsheet cell or a CSV field, made safe to open.

A cell whose text starts with ``=``, ``+``, ``-`` or ``@`` is read by Excel, LibreOffice
and Google Sheets as a formula (``=HYPERLINK(...)``, ``=cmd|' /C calc'!A0``), and a leading
tab or carriage return can hide one. :func:`neutralise` puts an apostrophe in front of
such text, so it is shown (and re-read) as the text it is. The apostrophe is part of the
value: it survives a CSV round trip, where a cell style would not.

Every CSV and XLSX export uses these functions; nothing else decides what is safe.
"""

from __future__ import annotations

import re

__all__ = ["FORMULA_TRIGGERS", "neutralise", "spreadsheet_text"]

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

# Characters the XLSX (XML 1.0) format cannot hold: C0 controls other than tab, LF, CR.
# openpyxl refuses them with IllegalCharacterError; they are dropped.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def neutralise(text: str) -> str:
    """``text`` with a leading ``'`` when it would otherwise start a formula.

    >>> neutralise('=HYPERLINK("http://x")')
    '\\'=HYPERLINK("http://x")'
    >>> neutralise("Highways")
    'Highways'
    """
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def spreadsheet_text(text: str) -> str:
    """``text`` for an XLSX cell: characters XML cannot hold dropped, then neutralised.

    Dropping comes first, so a hidden control character cannot shield a leading ``=``.
    """
    return neutralise(_ILLEGAL_XML.sub("", text))
