"""The clock rules the regulations set, as opposed to the council's own policy.

Which calendar a clock counts in
    The Children Act 1989 Representations Procedure (England) Regulations 2006
    (SI 2006/1738) reg. 2 defines a working day as "a day which is not a Saturday,
    Sunday, Christmas Day, Boxing Day, Good Friday or a bank holiday"; the Local
    Authority Social Services and National Health Service Complaints (England)
    Regulations 2009 (SI 2009/309) count in months and working days the same way. Neither
    knows council closure days, so the children's and adult's clocks count a closure day
    as a working day. The corporate procedure is the council's own policy: its clocks
    skip closure days. The calendar a clock uses comes from its procedure.

The adult response period (SI 2009/309 reg. 14(2), (4))
    "the period of six months beginning on the day on which the complaint was received"
    (or a longer period agreed with the complainant before it expires). A period of
    months *beginning with* a day ends on the day before the same date six months later:
    received 1 Jan, the six months end on 30 Jun. When the later month has no such date
    (received 31 Aug; there is no 31 Feb) the period runs to the end of that month.
    See :func:`six_months_beginning_with` for the one rule used.

The review panel's three clocks (SI 2006/1738 regs. 19(4), 20(2), 20(3))
    The panel meets within 30 working days of the council receiving the request; it
    sends its report within 5 working days of meeting; the council responds within 15
    working days of receiving the report. None of the three may be extended.

Pure: no database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Final

from crm_desktop.domain.calendar import (
    WorkingCalendar,
    add_calendar_months,
    england_and_wales_calendar,
)
from crm_desktop.domain.enums import Procedure, StageCode

__all__ = [
    "ADULT_PERIOD_MONTHS",
    "COUNCIL_RESPONSE_DAYS",
    "NOT_EXTENDABLE",
    "PANEL_MEETING_DAYS",
    "PANEL_REPORT_DAYS",
    "STAGE_3_CLOCKS",
    "STATUTORY_PROCEDURES",
    "calendar_for",
    "extendable",
    "response_received_on",
    "review_panel_step",
    "six_months_beginning_with",
    "skips_closure_days",
]

STATUTORY_PROCEDURES: Final = frozenset({Procedure.CHILDREN, Procedure.ADULT})

ADULT_PERIOD_MONTHS: Final = 6
PANEL_MEETING_DAYS: Final = 30  # SI 2006/1738 reg. 19(4)
PANEL_REPORT_DAYS: Final = 5  # reg. 20(2)
COUNCIL_RESPONSE_DAYS: Final = 15  # reg. 20(3)

STAGE_3_CLOCKS: Final[Mapping[str, str]] = {
    "panel": "The review panel meets (reg. 19(4): within 30 working days of the request)",
    "panel report": "The panel's report (reg. 20(2): within 5 working days of the meeting)",
    "council response": (
        "The council's response (reg. 20(3): within 15 working days of receiving the report)"
    ),
}

NOT_EXTENDABLE: Final = frozenset({(Procedure.CHILDREN, StageCode.STAGE_3)})
"""Stages whose clocks no extension may move: the review panel's three statutory clocks."""


def _procedure(procedure: Procedure | str | None) -> Procedure:
    return Procedure.CORPORATE if procedure is None else Procedure(procedure)


def skips_closure_days(procedure: Procedure | str | None) -> bool:
    """Whether this procedure's clocks skip council closure days (corporate: yes; the
    statutory children's and adult's procedures: no). None means corporate."""
    return _procedure(procedure) not in STATUTORY_PROCEDURES


def calendar_for(
    procedure: Procedure | str | None, closure_days: tuple[tuple[dt.date, str], ...] = ()
) -> WorkingCalendar:
    """The calendar this procedure's clocks count in: with the council's closure days
    for corporate clocks, without them for the statutory ones (shared, built once)."""
    if skips_closure_days(procedure):
        return england_and_wales_calendar(closure_days)
    return england_and_wales_calendar(())


def extendable(procedure: Procedure | str, stage: StageCode | str) -> bool:
    """Whether an extension may move this stage's clock (not children's Stage 3)."""
    return (Procedure(procedure), StageCode(stage)) not in NOT_EXTENDABLE


def review_panel_step(panel_on: dt.date | None, report_on: dt.date | None) -> str:
    """Which of the review panel's clocks is running, in plain English."""
    if panel_on is None:
        return "Review panel meeting"
    if report_on is None:
        return "Review panel's report"
    return "Response to the review panel"


def response_received_on(sent_on: dt.date, received_on: dt.date | None) -> dt.date:
    """The day the complainant received a response: as recorded, else the day after it
    was sent. The window to ask for the next stage counts from it."""
    return received_on if received_on is not None else sent_on + dt.timedelta(days=1)


def six_months_beginning_with(received: dt.date, months: int = ADULT_PERIOD_MONTHS) -> dt.date:
    """The last day of the period of ``months`` months beginning with ``received``.

    The day before the same date ``months`` later: received 1 Jan 2024 → 30 Jun 2024;
    received 15 Mar 2024 → 14 Sep 2024. Where the later month has no such date the
    period runs to the end of that month: received 31 Aug 2023 → 29 Feb 2024 (the
    corresponding date would be "31 Feb", so the period is every day before 1 Mar 2024).
    """
    later = add_calendar_months(received, months)
    if later.day < received.day:  # the later month is too short: no corresponding date
        return later
    return later - dt.timedelta(days=1)
