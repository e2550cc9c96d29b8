"""Corporate complaints with hand-worked Complaint Handling Code figures, for the tests
of the Code's self-assessment and annual report (financial year 2026/27).

June 2026 has no bank holiday. Received Monday 1 June: the acknowledgement is due on the
5th working day after, Monday 8 June.

- A: acknowledged Wed 3 Jun (2 working days: in time); responded Tue 16 Jun, 9 working
  days after the acknowledgement (in time). Stage 2 asked for Thu 18 Jun, acknowledged
  Fri 19 Jun (due Thu 25 Jun: in time, 1 day), responded Thu 16 Jul: 19 working days.
- B: acknowledged Tue 9 Jun (6 days: late); responded Wed 24 Jun, 11 working days after
  (late), within its 5-day extension ("Waiting for the contractor's records").
- C: never acknowledged (late); its response clock starts Mon 8 Jun, the last day the
  acknowledgement was allowed; responded Mon 22 Jun, 10 working days (in time);
  extended by 12 days ("Complex: three services involved"), more than 6.4's 10.
- D: acknowledged Tue 2 Jun (1 day: in time); redirected on Fri 5 Jun ("Insurance
  claim: sent to the insurers"): refused, not a response.
- F: received Fri 20 Mar 2026, under the council's 2023 procedure (Stage 1: 20 working
  days from the start); responded Wed 22 Apr 2026, 21 working days later (Good Friday
  3 Apr and Easter Monday 6 Apr are not working days): late by that procedure's rules.

So, under the Code, Stage 1 in 2026/27: 4 acknowledgements due, 2 in time (B, C late),
average 3.0 working days to acknowledge (2, 6, 1); 3 responses, 2 within 10 working
days (B late), 3 within their extension, 2 extended, 1 beyond 10 days (C); average
(9 + 11 + 10) / 3 = 10.0 working days. Stage 2: 1 of 1 acknowledged in time, 1 of 1
responded in time, 19.0 days. The 2023 procedure: 1 response, 0 in time, 21.0 days.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from crm_desktop.db.models import Case, LgscoDetail, Stage, StageExtension
from crm_desktop.domain.enums import (
    CaseStatus,
    Kind,
    LgscoDecision,
    Outcome,
    Procedure,
    StageCode,
    StageStatus,
)

YEAR = 2026
AS_OF = dt.date(2026, 7, 31)
D = dt.date


def _case(session: Session, reference: str, received: dt.date) -> Case:
    case = Case(
        reference=reference,
        kind=Kind.COMPLAINT,
        procedure=Procedure.CORPORATE,
        received_on=received,
        status=CaseStatus.OPEN,
    )
    session.add(case)
    session.flush()
    return case


def _stage(
    session: Session,
    case: Case,
    seq: int,
    code: StageCode,
    *,
    started: dt.date,
    acknowledged: dt.date | None,
    closed: dt.date | None,
    outcome: Outcome | None = Outcome.UPHELD,
    requested: dt.date | None = None,
    extended: int = 0,
    notes: str | None = None,
) -> Stage:
    stage = Stage(
        case_id=case.id,
        seq=seq,
        stage=code,
        requested_on=requested,
        started_on=started,
        acknowledged_on=acknowledged,
        closed_on=closed,
        outcome=outcome if closed else None,
        extended_days=extended,
        status=StageStatus.CLOSED if closed else StageStatus.OPEN,
        notes=notes,
    )
    session.add(stage)
    session.flush()
    case.current_stage_id = stage.id
    return stage


def build_code_cases(session: Session) -> dict[str, int]:
    """The cases above; their ids by letter (and "lgsco", the Ombudsman stage of A)."""
    ids: dict[str, int] = {}
    a = _case(session, "COR-2026-A", D(2026, 6, 1))
    _stage(session, a, 1, StageCode.STAGE_1, started=D(2026, 6, 1), acknowledged=D(2026, 6, 3),
           closed=D(2026, 6, 16))  # fmt: skip
    _stage(session, a, 2, StageCode.STAGE_2, started=D(2026, 6, 18), requested=D(2026, 6, 18),
           acknowledged=D(2026, 6, 19), closed=D(2026, 7, 16))  # fmt: skip
    lgsco = _stage(session, a, 3, StageCode.LGSCO, started=D(2026, 7, 20), acknowledged=None,
                   closed=D(2026, 9, 1), outcome=None)  # fmt: skip
    session.add(
        LgscoDetail(
            stage_id=lgsco.id,
            lgsco_reference="26 001 234",
            decision=LgscoDecision.UPHELD_MALADMINISTRATION_INJUSTICE,
            decision_on=D(2026, 9, 1),
        )
    )
    ids["A"], ids["lgsco"] = a.id, lgsco.id
    b = _case(session, "COR-2026-B", D(2026, 6, 1))
    sb = _stage(session, b, 1, StageCode.STAGE_1, started=D(2026, 6, 1),
                acknowledged=D(2026, 6, 9), closed=D(2026, 6, 24), extended=5)  # fmt: skip
    session.add(
        StageExtension(
            stage_id=sb.id, working_days=5, reason="Waiting for the contractor's records"
        )
    )
    ids["B"] = b.id
    c = _case(session, "COR-2026-C", D(2026, 6, 1))
    sc = _stage(session, c, 1, StageCode.STAGE_1, started=D(2026, 6, 1), acknowledged=None,
                closed=D(2026, 6, 22), outcome=Outcome.NOT_UPHELD, extended=12)  # fmt: skip
    session.add(
        StageExtension(stage_id=sc.id, working_days=12, reason="Complex: three services involved")
    )
    ids["C"] = c.id
    d = _case(session, "COR-2026-D", D(2026, 6, 1))
    _stage(session, d, 1, StageCode.STAGE_1, started=D(2026, 6, 1), acknowledged=D(2026, 6, 2),
           closed=D(2026, 6, 5), outcome=Outcome.REDIRECTED,
           notes="05 Jun 2026: Redirected: Insurance claim: sent to the insurers")  # fmt: skip
    ids["D"] = d.id
    f = _case(session, "COR-2026-F", D(2026, 3, 20))
    _stage(session, f, 1, StageCode.STAGE_1, started=D(2026, 3, 20), acknowledged=D(2026, 3, 23),
           closed=D(2026, 4, 22))  # fmt: skip
    ids["F"] = f.id
    return ids
