"""The annual report's commentary: one paragraph per section, written per financial year.

Kept as settings (``report.commentary.{year}.{section}``), the key the figures read
(:data:`~crm_desktop.reports.figures.COMMENTARY_KEY`), so the PDF shows what was saved
here. Who may read and write it is the access policy's to say
(:mod:`crm_desktop.operations.reports`). The text is stored exactly as typed: the PDF
escapes it (``reports.pdf.markup``).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from crm_desktop.db.models import Setting
from crm_desktop.domain.access import Actor
from crm_desktop.errors import ValidationError
from crm_desktop.reports.figures import COMMENTARY_KEY

__all__ = ["MAX_COMMENTARY", "SECTIONS", "load_commentary", "save_commentary"]

MAX_COMMENTARY = 10_000

# The sections whose commentary a manager writes (equality monitoring writes its own).
SECTIONS: dict[str, str] = {
    "children": "Children's social care",
    "adult": "Adult social care",
    "corporate": "Corporate",
    "kpis": "Key performance indicators",
    "lgsco": "Local Government and Social Care Ombudsman",
    "learning": "Learning from complaints",
}


def _key(year: int, section: str) -> str:
    if section not in SECTIONS:
        raise ValidationError(
            f"'{section}' is not a section of the annual report; sections: {', '.join(SECTIONS)}.",
            "section",
        )
    return COMMENTARY_KEY.format(year=year, section=section)


def load_commentary(session: Session, year: int) -> dict[str, str]:
    """Every section's commentary for the financial year ``year`` ("" where none)."""
    texts: dict[str, str] = {}
    for section in SECTIONS:
        row = session.get(Setting, _key(year, section))
        texts[section] = row.value if row is not None else ""
    return texts


def save_commentary(
    session: Session, year: int, texts: Mapping[str, str], actor: Actor
) -> dict[str, str]:
    """Save the commentary of the sections in ``texts`` for ``year``, as ``actor``.

    A section left out of ``texts`` is left as it is; empty text clears a section.
    Everything is checked before anything is changed. Returns every section's text.
    """
    keys = {section: _key(year, section) for section in texts}
    for section, text in texts.items():
        if len(text) > MAX_COMMENTARY:
            raise ValidationError(
                f"The commentary for {SECTIONS[section]} is longer than {MAX_COMMENTARY:,} "
                "characters.",
                section,
            )
    for section, text in texts.items():
        row = session.get(Setting, keys[section])
        if row is None:
            if text:
                session.add(Setting(key=keys[section], value=text, updated_by=actor.username))
        elif row.value != text:
            row.value = text
            row.updated_by = actor.username
    session.flush()
    return load_commentary(session, year)
