"""How far a stage's clock may be extended: the one place the limit is looked up.

- Children's Stage 3 (the review panel): no extension at all; its three clocks are the
  regulations' (SI 2006/1738 regs. 19-21).
- Children's Stages 1 and 2 and the adult procedure: the regulations' limits, which no
  one can go beyond (children's Stage 2 runs to at most 65 working days, reg. 17; the
  adult's response is due within the six months or the longer period agreed, SI
  2009/309 reg. 14). They are held as the ``extension limit`` timescale rule; the
  adult's limit is its six months (checked by the clock against the stage's dates).
- Corporate: the council's own policy. Going beyond its limit needs a manager's
  recorded reason. Today the limit is the ``extension limit`` timescale rule (none in
  the default reference data); the versioned procedure policy of the Complaint Handling
  Code will answer here instead (:func:`extension_limit` is the only caller's door).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from crm_desktop.domain.enums import Procedure, StageCode
from crm_desktop.domain.statutory import STATUTORY_PROCEDURES, extendable
from crm_desktop.services.calendar_service import timescales

__all__ = ["ExtensionLimit", "extension_limit"]


@dataclass(frozen=True, slots=True)
class ExtensionLimit:
    """The most working days a stage may run to with its extensions (None: no limit in
    working days), whether any extension is allowed, and whether the limit is the
    regulations' (nobody may go beyond it) or the council's policy (a manager may, with
    a recorded reason)."""

    days: int | None
    extendable: bool = True
    statutory: bool = False
    source: str = ""


def extension_limit(
    session: Session, procedure: Procedure | str, stage: StageCode | str
) -> ExtensionLimit:
    """The extension limit of ``procedure``'s ``stage`` (see the module's description)."""
    proc, code = Procedure(procedure), StageCode(stage)
    if not extendable(proc, code):
        return ExtensionLimit(
            0, extendable=False, statutory=True, source="SI 2006/1738 regs. 19-21"
        )
    rules = timescales(session, proc, code)
    if proc in STATUTORY_PROCEDURES:
        source = (
            "SI 2006/1738 reg. 17" if proc == Procedure.CHILDREN else "SI 2009/309 reg. 14"
        )
        return ExtensionLimit(rules.extension_limit, statutory=True, source=source)
    return ExtensionLimit(rules.extension_limit, source="the council's complaints policy")
