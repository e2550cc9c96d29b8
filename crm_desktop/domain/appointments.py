"""The lifecycle of an appointment (an investigator, Independent Person or panel member
on a stage) as an explicit transition table, like the stages' in
:mod:`crm_desktop.domain.workflow`.

An offer creates an appointment as ``offered``. From there:

    offered          accept -> accepted; decline -> declined; replace -> replaced
    accepted         record a report -> report received; replace -> replaced;
                     record progress (stays accepted)
    report received  record progress (their final hours; stays report received)
    replaced         record progress (the hours of someone who stopped part way, para. 37)
    declined         nothing

Nothing else in the program decides whether a step is allowed in a status: the
services ask :func:`next_status` and refuse what the table does not have.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum

from crm_desktop.domain.enums import AssignmentStatus

__all__ = [
    "HOURS_PER_DAY",
    "LIFECYCLE",
    "MAX_HOURS",
    "NOTE_HEADER",
    "OTHER_LINE_BREAKS",
    "Step",
    "allowed_steps",
    "names_another_writer",
    "next_status",
    "note_lines",
    "statuses_allowing",
]

HOURS_PER_DAY = Decimal(7)
"""A day of an investigator's time, for fees charged by the day."""

MAX_HOURS = 10_000
"""More hours than this on one appointment are not believable (a typing slip)."""

NOTE_HEADER = re.compile(r"^[0-9]{1,2} [A-Z][a-z]{2} [0-9]{4} \(")
"""How a progress note starts: the day and its writer, "7 Dec 2026 (j.smith): ..." (the
pattern reads the same in Python and in PostgreSQL)."""

OTHER_LINE_BREAKS = "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
"""What ends a line besides a new line (``str.splitlines``): a carriage return, the
Unicode line and paragraph separators and the rest. A screen, a viewer or an export
breaks a line at some of them, so a note's lines are broken with new lines only."""


def note_lines(text: str) -> str:
    """``text`` with every line break made a new line (a note pasted from Windows, or
    typed with a line separator, reads as the lines it shows)."""
    return "\n".join(text.splitlines())


class Step(StrEnum):
    """A step of an appointment's lifecycle; the value completes "you cannot ... it"."""

    ACCEPT = "accept"
    DECLINE = "decline"
    RECORD_REPORT = "record a report on"
    REPLACE = "replace"
    RECORD_PROGRESS = "record progress on"


_S, _St = AssignmentStatus, Step

LIFECYCLE: Mapping[AssignmentStatus, Mapping[Step, AssignmentStatus]] = {
    _S.OFFERED: {_St.ACCEPT: _S.ACCEPTED, _St.DECLINE: _S.DECLINED, _St.REPLACE: _S.REPLACED},
    _S.ACCEPTED: {
        _St.RECORD_PROGRESS: _S.ACCEPTED,
        _St.RECORD_REPORT: _S.REPORT_RECEIVED,
        _St.REPLACE: _S.REPLACED,
    },
    _S.REPORT_RECEIVED: {_St.RECORD_PROGRESS: _S.REPORT_RECEIVED},
    _S.REPLACED: {_St.RECORD_PROGRESS: _S.REPLACED},
    _S.DECLINED: {},
}
"""For each status, the steps allowed and the status each leads to."""

assert set(LIFECYCLE) == set(AssignmentStatus), "every status has a row"


def allowed_steps(status: AssignmentStatus) -> Mapping[Step, AssignmentStatus]:
    return LIFECYCLE[AssignmentStatus(status)]


def next_status(status: AssignmentStatus, step: Step) -> AssignmentStatus | None:
    """The status ``step`` leads to from ``status``; None when the table does not allow it."""
    return allowed_steps(status).get(step)


def statuses_allowing(step: Step) -> frozenset[AssignmentStatus]:
    """The statuses in which ``step`` is allowed."""
    return frozenset(status for status, steps in LIFECYCLE.items() if step in steps)


def names_another_writer(text: str, username: str) -> bool:
    """Whether a line of ``text`` starts as a progress note by someone other than
    ``username`` would ("7 Dec 2026 (manager1): ..."), so that it could pass for theirs."""
    return any(
        NOTE_HEADER.match(line) and not line[line.index("(") + 1 :].startswith(f"{username}): ")
        for line in text.splitlines()  # every kind of line break, not only new lines
    )
