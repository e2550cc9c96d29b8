"""Procedure policies: a procedure's rules, as one version with the date it takes effect.

A policy holds, for each stage of the procedure: how many working days the council has
to acknowledge it, how many to respond, what the response clock counts from (the day
the stage was received or requested, the acknowledgement, or the agreed statement of
complaint), how many working days extensions may add and whether more needs a recorded
good reason, the window to ask for the next stage, and the report's timescale buckets.
The policy also says which calendar it counts in.

A case follows the policy in force on the day it was received (the latest version whose
``effective_from`` is on or before that day) for its whole life. Versions are never
rewritten once a case follows them: a change is a new version with a later date.

Two corporate policies ship (see :data:`CORPORATE_2023` and :data:`COMPLAINT_HANDLING_CODE`):

- the council's 2023 corporate procedure, for cases received up to 31 March 2026:
  acknowledge within 3 working days, Stage 1 response within 20 working days of receipt,
  Stage 2 within 25 of the request (the numbers the program used before policies);
- the Local Government and Social Care Ombudsman's Complaint Handling Code, for cases
  received from 1 April 2026 (lgo.org.uk, Complaint Handling Code, Part 7, section 6):
  6.2 "Complaints should be acknowledged, and logged at stage 1 of the complaints
  procedure within five working days of the complaint being received"; 6.3 "a full
  response to stage 1 complaints within 10 working days of the complaint being
  acknowledged"; 6.4 "Any extension should be no more than 10 working days without good
  reason"; 6.5 "When an organisation informs an individual about an extension to these
  timescales, they should be provided with the details of the relevant Ombudsman" (the
  extension letter, resources/templates/extension.txt). At Stage 2 the request
  to escalate is acknowledged within 5 working days, the final response is due within
  20 working days of the acknowledgement, an extension of no more than 20 working days
  without good reason, and the Stage 2 response is by someone other than the Stage 1
  responder.

Pure: no database.
"""

from __future__ import annotations

import datetime as dt
import json
import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from crm_desktop.domain.enums import StageCode
from crm_desktop.domain.formatting import format_date, working_days_text

__all__ = [
    "CODE_EFFECTIVE_FROM",
    "COMPLAINT_HANDLING_CODE",
    "CORPORATE_2023",
    "ClockFrom",
    "PolicyCalendar",
    "PolicyError",
    "PolicyRules",
    "StageRules",
    "late_acknowledgement_text",
    "policy_in_force",
    "rules_from_json",
    "rules_to_json",
]

CODE_EFFECTIVE_FROM = dt.date(2026, 4, 1)
CODE_SOURCE = "Local Government and Social Care Ombudsman, Complaint Handling Code, Part 7"


class PolicyError(ValueError):
    """A policy's rules refuse a request, with a message a user can read."""


class ClockFrom(StrEnum):
    """What a stage's response clock counts from."""

    RECEIPT = "receipt"  # the day the stage was received (Stage 1) or requested
    ACKNOWLEDGEMENT = "acknowledgement"  # the day the stage was acknowledged
    AGREEMENT = "agreement"  # the day the statement of complaint was agreed

    @property
    def label(self) -> str:
        return {
            ClockFrom.RECEIPT: "receipt (or the request for the stage)",
            ClockFrom.ACKNOWLEDGEMENT: "the acknowledgement",
            ClockFrom.AGREEMENT: "the agreed statement of complaint",
        }[self]


class PolicyCalendar(StrEnum):
    """Which working days a policy counts: corporate clocks skip the council's closure
    days; the statutory children's and adult clocks do not."""

    CORPORATE = "corporate"
    STATUTORY = "statutory"


def _days(value: Any, what: str, *, allow_none: bool = True) -> int | None:
    if value is None:
        if allow_none:
            return None
        raise PolicyError(f"{what} is needed.")
    if isinstance(value, bool):
        raise PolicyError(f"{what} must be a whole number of working days.")
    try:
        days = operator.index(value)
    except TypeError:
        raise PolicyError(
            f"{what} must be a whole number of working days (got {value!r})."
        ) from None
    if days < 0 or days > 400:
        raise PolicyError(f"{what} must be from 0 to 400 working days (got {days}).")
    return days


@dataclass(frozen=True, slots=True)
class StageRules:
    """The rules of one stage under a policy.

    ``extension_days``: the working days extensions may add in total (None: no limit).
    Past it, ``beyond_needs_good_reason`` says whether more may be added with a
    recorded good reason (True) or is refused (False). ``different_responder``: someone
    other than the previous stage's responder must respond. ``buckets``: the upper ends of
    the report's "within N working days" rows (the last row is "after"). ``provisions``
    names the paragraph of the procedure each rule comes from ("acknowledge": "6.2").
    """

    stage: StageCode
    response_days: int | None
    acknowledge_days: int | None = None
    clock_from: ClockFrom = ClockFrom.RECEIPT
    extension_days: int | None = None
    beyond_needs_good_reason: bool = False
    next_stage_window_days: int | None = None
    buckets: tuple[int, ...] = ()
    provisions: Mapping[str, str] = field(default_factory=dict)
    # The stage's responder must not be whoever responded at the stage before it.
    different_responder: bool = False
    # Whether its clock may be suspended. The Complaint Handling Code has no pause: more
    # time is an extension, told to the complainant with the Ombudsman's details (6.4-6.5).
    suspension: bool = True

    def __post_init__(self) -> None:
        label = StageCode(self.stage).label
        _days(self.response_days, f"The {label} response time")
        _days(self.acknowledge_days, f"The {label} acknowledgement time")
        _days(self.extension_days, f"The {label} extension limit")
        _days(self.next_stage_window_days, f"The window to ask for the stage after {label}")
        if self.clock_from == ClockFrom.ACKNOWLEDGEMENT and self.acknowledge_days is None:
            raise PolicyError(
                f"The {label} clock counts from the acknowledgement, so the policy needs "
                "the working days allowed to acknowledge."
            )
        previous = 0
        for upper in self.buckets:
            _days(upper, f"A {label} report bucket")
            if upper <= previous and previous:
                raise PolicyError(
                    f"The {label} report buckets must grow: {upper} comes after {previous}."
                )
            previous = upper

    @property
    def ceiling_without_good_reason(self) -> int | None:
        """The most working days the stage may run to without a good reason."""
        if self.response_days is None or self.extension_days is None:
            return None
        return self.response_days + self.extension_days

    def provision(self, rule: str) -> str | None:
        return self.provisions.get(rule)

    def bucket_labels(self) -> list[tuple[str, int | None]]:
        """The report's rows: ("Within 10 working days of the acknowledgement", 10), ...,
        ("After 20 working days", None)."""
        counted = "" if self.clock_from == ClockFrom.RECEIPT else f" of {self.clock_from.label}"
        rows: list[tuple[str, int | None]] = [
            (f"Within {working_days_text(upper)}{counted}", upper) for upper in self.buckets
        ]
        if self.buckets:
            rows.append((f"After {working_days_text(self.buckets[-1])}{counted}", None))
        return rows


@dataclass(frozen=True, slots=True)
class PolicyRules:
    """Every stage's rules of one procedure under one policy version."""

    calendar: PolicyCalendar
    stages: tuple[StageRules, ...]
    source: str = ""

    def __post_init__(self) -> None:
        seen: set[StageCode] = set()
        for rules in self.stages:
            if rules.stage in seen:
                raise PolicyError(f"{StageCode(rules.stage).label} appears twice in the policy.")
            seen.add(rules.stage)

    def stage(self, code: StageCode | str) -> StageRules | None:
        code = StageCode(code)
        return next((s for s in self.stages if s.stage == code), None)

    def with_stage(self, rules: StageRules) -> PolicyRules:
        """These rules with one stage's replaced (or added)."""
        others = tuple(s for s in self.stages if s.stage != rules.stage)
        order = [s.stage for s in self.stages]
        stages = sorted(
            (*others, rules),
            key=lambda s: order.index(s.stage) if s.stage in order else len(order),
        )
        return replace(self, stages=tuple(stages))

    def describe(self) -> list[str]:
        """The rules in plain English, one line a stage."""
        lines = []
        for s in self.stages:
            parts = []
            if s.acknowledge_days is not None:
                parts.append(f"acknowledge within {working_days_text(s.acknowledge_days)}")
            if s.response_days is not None:
                parts.append(
                    f"respond within {working_days_text(s.response_days)} of {s.clock_from.label}"
                )
            if s.extension_days is not None:
                more = (
                    "more with a recorded good reason" if s.beyond_needs_good_reason else "no more"
                )
                parts.append(f"extend by up to {working_days_text(s.extension_days)} ({more})")
            else:
                parts.append("extensions without a set limit")
            if s.different_responder:
                parts.append("someone other than the previous stage's responder responds")
            if not s.suspension:
                parts.append("the clock is never suspended")
            if s.next_stage_window_days is not None:
                parts.append(
                    f"ask for the next stage within {working_days_text(s.next_stage_window_days)}"
                )
            lines.append(f"{StageCode(s.stage).label}: " + "; ".join(parts) + ".")
        lines.append(
            "Calendar: "
            + (
                "working days skip the council's closure days."
                if self.calendar == PolicyCalendar.CORPORATE
                else "statutory working days (closure days count as working days)."
            )
        )
        return lines


# ------------------------------------------------------------------------- storage


def rules_to_json(rules: PolicyRules) -> str:
    """The rules as the ``procedure_policy.rules`` column holds them."""
    return json.dumps(
        {
            "calendar": rules.calendar.value,
            "source": rules.source,
            "stages": [
                {
                    "stage": s.stage.value,
                    "acknowledge_days": s.acknowledge_days,
                    "response_days": s.response_days,
                    "clock_from": s.clock_from.value,
                    "extension_days": s.extension_days,
                    "beyond_needs_good_reason": s.beyond_needs_good_reason,
                    "next_stage_window_days": s.next_stage_window_days,
                    "buckets": list(s.buckets),
                    "provisions": dict(s.provisions),
                    "different_responder": s.different_responder,
                    "suspension": s.suspension,
                }
                for s in rules.stages
            ],
        },
        sort_keys=True,
        ensure_ascii=False,
    )


def _enum(kind: type[StrEnum], value: Any, what: str) -> Any:
    try:
        return kind(value)
    except ValueError:
        names = ", ".join(v.value for v in kind)
        raise PolicyError(f"'{value}' is not {what}; use one of: {names}.") from None


def _flag(entry: Mapping[str, Any], key: str, default: bool) -> bool:
    """A yes/no rule: JSON's true or false (a string such as "false" is a mistake)."""
    value = entry.get(key, default)
    if not isinstance(value, bool):
        raise PolicyError(f"'{key}' must be true or false (without quotes), not {value!r}.")
    return value


def rules_from_json(text: str | Mapping[str, Any]) -> PolicyRules:
    """Rules from their stored (or typed-in) JSON form; a mistake is a :class:`PolicyError`."""
    try:
        data = json.loads(text) if isinstance(text, str) else dict(text)
    except json.JSONDecodeError as exc:
        raise PolicyError(f"The policy's rules are not valid JSON: {exc.msg}.") from None
    if not isinstance(data, dict) or not isinstance(data.get("stages"), list):
        raise PolicyError("The policy's rules need a list of stages.")
    stages = []
    for entry in data["stages"]:
        if not isinstance(entry, dict):
            raise PolicyError("Each stage of the policy must be a set of rules.")
        stages.append(
            StageRules(
                stage=_enum(StageCode, entry.get("stage"), "a stage"),
                acknowledge_days=_days(entry.get("acknowledge_days"), "An acknowledgement time"),
                response_days=_days(entry.get("response_days"), "A response time"),
                clock_from=_enum(ClockFrom, entry.get("clock_from", "receipt"), "a clock start"),
                extension_days=_days(entry.get("extension_days"), "An extension limit"),
                beyond_needs_good_reason=_flag(entry, "beyond_needs_good_reason", False),
                next_stage_window_days=_days(
                    entry.get("next_stage_window_days"), "A next stage window"
                ),
                buckets=tuple(
                    int(_days(b, "A report bucket", allow_none=False) or 0)
                    for b in entry.get("buckets", ())
                ),
                provisions={str(k): str(v) for k, v in dict(entry.get("provisions", {})).items()},
                different_responder=_flag(entry, "different_responder", False),
                suspension=_flag(entry, "suspension", True),
            )
        )
    return PolicyRules(
        calendar=_enum(PolicyCalendar, data.get("calendar", "corporate"), "a calendar"),
        stages=tuple(stages),
        source=str(data.get("source", "")),
    )


# --------------------------------------------------------------------------- choosing


def policy_in_force(versions: Sequence[tuple[dt.date, Any]], received_on: dt.date) -> Any | None:
    """Of ``(effective_from, policy)`` pairs, the policy in force on ``received_on``: the
    latest whose date is on or before it (None if it is before them all)."""
    chosen = None
    chosen_from: dt.date | None = None
    for effective_from, policy in versions:
        if effective_from <= received_on and (chosen_from is None or effective_from > chosen_from):
            chosen, chosen_from = policy, effective_from
    return chosen


def _code_stage(
    stage: StageCode,
    response: int,
    extension: int,
    buckets: tuple[int, ...],
    prov: dict[str, str],
    different_responder: bool = False,
) -> StageRules:
    return StageRules(
        stage=stage,
        acknowledge_days=5,
        response_days=response,
        clock_from=ClockFrom.ACKNOWLEDGEMENT,
        extension_days=extension,
        beyond_needs_good_reason=True,
        buckets=buckets,
        provisions=prov,
        different_responder=different_responder,
        suspension=False,
    )


CORPORATE_2023 = PolicyRules(
    calendar=PolicyCalendar.CORPORATE,
    source="The council's corporate complaints procedure (2023)",
    stages=(
        StageRules(
            stage=StageCode.STAGE_1,
            acknowledge_days=3,
            response_days=20,
            clock_from=ClockFrom.RECEIPT,
            buckets=(20,),
        ),
        StageRules(
            stage=StageCode.STAGE_2,
            acknowledge_days=3,
            response_days=25,
            clock_from=ClockFrom.RECEIPT,
            buckets=(25,),
        ),
    ),
)

COMPLAINT_HANDLING_CODE = PolicyRules(
    calendar=PolicyCalendar.CORPORATE,
    source=CODE_SOURCE,
    stages=(
        _code_stage(
            StageCode.STAGE_1,
            10,
            10,
            (10, 20),
            {
                "acknowledge": "paragraph 6.2 of the Complaint Handling Code",
                "response": "paragraph 6.3 of the Complaint Handling Code",
                "extension": "paragraph 6.4 of the Complaint Handling Code",
            },
        ),
        _code_stage(
            StageCode.STAGE_2,
            20,
            20,
            (20, 40),
            {
                "acknowledge": "the Complaint Handling Code (Stage 2)",
                "response": "the Complaint Handling Code (Stage 2)",
                "extension": "the Complaint Handling Code (Stage 2)",
                "responder": "the Complaint Handling Code (Stage 2)",
            },
            different_responder=True,
        ),
    ),
)


def late_acknowledgement_text(rules: StageRules, due: dt.date, acknowledged: dt.date | None) -> str:
    """The line that says an acknowledgement was late (or is still owed after its day),
    naming the provision it breaches when the policy names one."""
    where = rules.provision("acknowledge")
    breach = f": a breach of {where}" if where else ""
    if acknowledged is None:
        return f"Not acknowledged by {format_date(due)}{breach}."
    return (
        f"Acknowledged on {format_date(acknowledged)}, after it was due on "
        f"{format_date(due)}{breach}."
    )
