"""How far a stage's clock may be extended: the one place the limit is looked up.

- Children's Stage 3 (the review panel): no extension at all; its three clocks are the
  regulations' (SI 2006/1738 regs. 19-21).
- Children's Stages 1 and 2 and the adult procedure: the regulations' limits, which no
  one can go beyond (children's Stage 2 runs to at most 65 working days, reg. 17; the
  adult's response is due within the six months or the longer period agreed, SI
  2009/309 reg. 14). They are held as the ``extension limit`` timescale rule; the
  adult's limit is its six months (checked by the clock against the stage's dates).
- Corporate: the council's own policy, the procedure policy version the case follows
  (:mod:`crm_desktop.services.procedure_policies`): the stage's response time plus the
  extension its policy allows without good reason (the Complaint Handling Code, 6.4: 10
  working days at Stage 1; 20 at Stage 2). Going beyond it needs a manager's recorded
  reason (the good reason); a policy that allows no more is a hard limit. The 2023
  procedure sets no limit. Without a policy, the ``extension limit`` timescale rule.
"""

from __future__ import annotations

import datetime as dt
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
    session: Session,
    procedure: Procedure | str,
    stage: StageCode | str,
    received_on: dt.date | None = None,
) -> ExtensionLimit:
    """The extension limit of ``procedure``'s ``stage`` for a case received on
    ``received_on`` (see the module's description; None: the reference data's)."""
    proc, code = Procedure(procedure), StageCode(stage)
    if not extendable(proc, code):
        return ExtensionLimit(
            0, extendable=False, statutory=True, source="SI 2006/1738 regs. 19-21"
        )
    rules = timescales(session, proc, code, received_on)
    if rules.policy_stage is not None:
        policy = rules.policy_stage
        days = policy.ceiling_without_good_reason
        source = policy.provision("extension") or (
            rules.policy.name if rules.policy is not None else "the council's complaints policy"
        )
        return ExtensionLimit(
            days,
            statutory=days is not None and not policy.beyond_needs_good_reason,
            source=source,
        )
    if proc in STATUTORY_PROCEDURES:
        source = "SI 2006/1738 reg. 17" if proc == Procedure.CHILDREN else "SI 2009/309 reg. 14"
        return ExtensionLimit(rules.extension_limit, statutory=True, source=source)
    return ExtensionLimit(rules.extension_limit, source="the council's complaints policy")
