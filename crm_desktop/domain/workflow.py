"""The workflow of each procedure as explicit transition tables.

Every action an officer can take on a case is looked up here: for the procedure, the
stage the case is at and the state of that stage, the table says which actions are
allowed and the state each one leads to. Nothing else in the program decides whether
an action is allowed in a state; the services add only the guards that need data the
table cannot see (points without outcomes, investigators, panel members, windows).

States are derived from a stage's recorded facts by :func:`stage_state`, so the table
and the data can never drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from crm_desktop.domain.enums import Kind, Outcome, Procedure, StageCode


class Action(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    SUSPEND = "suspend"
    RESUME = "resume"
    EXTEND = "extend"
    START_INVESTIGATION = "start investigation"  # children's Stage 2: statement agreed
    HOLD_PANEL = "hold panel"  # children's Stage 3 review panel
    RECORD_PANEL_REPORT = "record panel report"  # children's Stage 3: the report arrived
    RECORD_RESPONSE_RECEIVED = "record response received"  # the next stage's window
    AGREE_PERIOD = "agree period"  # adult: a longer period agreed (SI 2009/309 reg. 14)
    RESPOND = "respond"
    WITHDRAW = "withdraw"
    DISCONTINUE = "discontinue"
    REDIRECT = "redirect"
    REGRADE = "regrade"  # adult: Low / Moderate-High / Informal
    REQUEST_NEXT_STAGE = "request next stage"
    ESCALATE = "escalate"  # open the next stage of the procedure
    ESCALATE_TO_LGSCO = "escalate to lgsco"
    RECORD_LGSCO_DECISION = "record lgsco decision"
    RECORD_REPLY = "record reply"  # comments: the directorate's reply
    CLOSE_CASE = "close case"
    REOPEN = "reopen"

    @property
    def label(self) -> str:
        return {
            Action.ESCALATE_TO_LGSCO: "Escalate to the Ombudsman",
            Action.RECORD_LGSCO_DECISION: "Record the Ombudsman's decision",
            Action.REQUEST_NEXT_STAGE: "Record a request for the next stage",
            Action.RECORD_PANEL_REPORT: "Record the panel's report",
            Action.RECORD_RESPONSE_RECEIVED: "Record when the complainant received the response",
            Action.AGREE_PERIOD: "Record a longer period agreed with the complainant",
            Action.ESCALATE: "Open the next stage",
        }.get(self, self.value.capitalize())


class State(StrEnum):
    """Where a case stands, from the facts recorded on its current stage."""

    AWAITING_ACKNOWLEDGEMENT = "awaiting acknowledgement"
    AWAITING_START = "awaiting start"  # children's Stage 2: statement not yet agreed
    IN_PROGRESS = "in progress"
    SUSPENDED = "suspended"
    PANEL_HELD = "panel held"  # children's Stage 3
    RESPONDED = "responded"
    ENDED = "ended"  # withdrawn, discontinued or redirected: cannot escalate
    NEXT_STAGE_REQUESTED = "next stage requested"
    LGSCO_OPEN = "with the Ombudsman"
    LGSCO_DECIDED = "Ombudsman decided"
    RECEIVED = "received"  # compliments and comments
    REPLIED = "replied"  # comments
    CLOSED = "closed"  # the case is closed
    # A target only: after reopening, the stage runs again in whichever running state
    # its recorded facts give (one of RUNNING_STATES).
    REOPENED = "reopened"


RUNNING_STATES = frozenset(
    {
        State.AWAITING_ACKNOWLEDGEMENT,
        State.AWAITING_START,
        State.IN_PROGRESS,
        State.PANEL_HELD,
        State.LGSCO_OPEN,
        State.LGSCO_DECIDED,
        State.RECEIVED,
        State.REPLIED,
    }
)


ENDING_OUTCOMES: Mapping[Action, Outcome] = {
    Action.WITHDRAW: Outcome.WITHDRAWN,
    Action.DISCONTINUE: Outcome.DISCONTINUED,
    Action.REDIRECT: Outcome.REDIRECTED,
}
ENDED_OUTCOMES = frozenset(ENDING_OUTCOMES.values())
FINDING_OUTCOMES = frozenset(
    {Outcome.UPHELD, Outcome.PARTIALLY_UPHELD, Outcome.NOT_UPHELD, Outcome.NO_FINDING}
)
# A stage ended with these was not answered: withdrawn by the complainant, or not taken
# into the procedure (redirected). A discontinued stage was answered with the decision.
NOT_RESPONSES = frozenset({Outcome.WITHDRAWN, Outcome.REDIRECTED})
# Upheld in full or in part: the complaint was well-founded (and may carry an action plan).
UPHELD_OUTCOMES = frozenset({Outcome.UPHELD, Outcome.PARTIALLY_UPHELD})

# The next stage of each stage that has one.
NEXT_STAGE: Mapping[Procedure, Mapping[StageCode, StageCode]] = {
    Procedure.CHILDREN: {
        StageCode.STAGE_1: StageCode.STAGE_2,
        StageCode.STAGE_2: StageCode.STAGE_3,
    },
    Procedure.CORPORATE: {StageCode.STAGE_1: StageCode.STAGE_2},
    Procedure.ADULT: {},
}
FIRST_STAGES: Mapping[Procedure, frozenset[StageCode]] = {
    Procedure.CHILDREN: frozenset({StageCode.STAGE_1}),
    Procedure.CORPORATE: frozenset({StageCode.STAGE_1}),
    Procedure.ADULT: frozenset({StageCode.LOW, StageCode.MODERATE_HIGH, StageCode.INFORMAL}),
}
ADULT_GRADES = FIRST_STAGES[Procedure.ADULT]

Table = Mapping[State, Mapping[Action, State]]

A, S = Action, State

# The running part of a stage, shared by every complaint stage of every procedure.
_RUNNING: Mapping[Action, State] = {
    A.SUSPEND: S.SUSPENDED,
    A.EXTEND: S.IN_PROGRESS,
    A.RESPOND: S.RESPONDED,
    A.WITHDRAW: S.ENDED,
    A.DISCONTINUE: S.ENDED,
    A.REDIRECT: S.ENDED,
}
_SUSPENDED: Mapping[Action, State] = {
    A.RESUME: S.IN_PROGRESS,
    A.EXTEND: S.SUSPENDED,
    A.WITHDRAW: S.ENDED,
    A.DISCONTINUE: S.ENDED,
    A.REDIRECT: S.ENDED,
}
_AWAITING_ACK: Mapping[Action, State] = {
    A.ACKNOWLEDGE: S.IN_PROGRESS,
    A.WITHDRAW: S.ENDED,
    A.DISCONTINUE: S.ENDED,
    A.REDIRECT: S.ENDED,
}
_CLOSED_CASE: Mapping[Action, State] = {A.REOPEN: S.REOPENED}


def _responded(*, has_next: bool) -> Mapping[Action, State]:
    table: dict[Action, State] = {
        A.RECORD_RESPONSE_RECEIVED: S.RESPONDED,
        A.ESCALATE_TO_LGSCO: S.LGSCO_OPEN,
        A.CLOSE_CASE: S.CLOSED,
        A.REOPEN: S.REOPENED,
    }
    if has_next:
        table[A.REQUEST_NEXT_STAGE] = S.NEXT_STAGE_REQUESTED
    return table


_ENDED: Mapping[Action, State] = {A.CLOSE_CASE: S.CLOSED, A.REOPEN: S.REOPENED}
_NEXT_REQUESTED: Mapping[Action, State] = {
    A.ESCALATE: S.AWAITING_ACKNOWLEDGEMENT,
    A.CLOSE_CASE: S.CLOSED,
}

# ---------------------------------------------------------------------------- tables

CHILDREN: Mapping[StageCode, Table] = {
    StageCode.STAGE_1: {
        S.AWAITING_ACKNOWLEDGEMENT: {**_AWAITING_ACK, A.RESPOND: S.RESPONDED},
        S.IN_PROGRESS: _RUNNING,
        S.SUSPENDED: _SUSPENDED,
        S.RESPONDED: _responded(has_next=True),
        S.NEXT_STAGE_REQUESTED: _NEXT_REQUESTED,
        S.ENDED: _ENDED,
        S.CLOSED: _CLOSED_CASE,
    },
    StageCode.STAGE_2: {
        S.AWAITING_ACKNOWLEDGEMENT: {**_AWAITING_ACK, A.ACKNOWLEDGE: S.AWAITING_START},
        S.AWAITING_START: {
            A.START_INVESTIGATION: S.IN_PROGRESS,
            A.WITHDRAW: S.ENDED,
            A.DISCONTINUE: S.ENDED,
            A.REDIRECT: S.ENDED,
        },
        S.IN_PROGRESS: _RUNNING,
        S.SUSPENDED: _SUSPENDED,
        S.RESPONDED: _responded(has_next=True),
        S.NEXT_STAGE_REQUESTED: _NEXT_REQUESTED,
        S.ENDED: _ENDED,
        S.CLOSED: _CLOSED_CASE,
    },
    StageCode.STAGE_3: {
        S.AWAITING_ACKNOWLEDGEMENT: _AWAITING_ACK,
        # The review panel's three clocks are the regulations' (regs. 19-21): no
        # extension or suspension moves them. (A stage suspended by an earlier version
        # can still be resumed.)
        S.IN_PROGRESS: {
            A.HOLD_PANEL: S.PANEL_HELD,
            A.WITHDRAW: S.ENDED,
            A.DISCONTINUE: S.ENDED,
        },
        S.SUSPENDED: {k: v for k, v in _SUSPENDED.items() if k != A.EXTEND},
        S.PANEL_HELD: {
            A.RECORD_PANEL_REPORT: S.PANEL_HELD,
            A.RESPOND: S.RESPONDED,
            A.WITHDRAW: S.ENDED,
            A.DISCONTINUE: S.ENDED,
        },
        S.RESPONDED: _responded(has_next=False),
        S.ENDED: _ENDED,
        S.CLOSED: _CLOSED_CASE,
    },
}

_ADULT_STAGE: Table = {
    S.AWAITING_ACKNOWLEDGEMENT: {
        **_AWAITING_ACK,
        A.RESPOND: S.RESPONDED,
        A.REGRADE: S.AWAITING_ACKNOWLEDGEMENT,
        A.AGREE_PERIOD: S.AWAITING_ACKNOWLEDGEMENT,
    },
    # No suspension (PRODUCT.md; the 2009 regulations know none): the response is due
    # within six months beginning with the day received, or a longer period agreed.
    # A stage suspended by an earlier version can still be resumed.
    S.IN_PROGRESS: {
        **{a: s for a, s in _RUNNING.items() if a != A.SUSPEND},
        A.REGRADE: S.IN_PROGRESS,
        A.AGREE_PERIOD: S.IN_PROGRESS,
    },
    S.SUSPENDED: {**_SUSPENDED, A.REGRADE: S.SUSPENDED, A.AGREE_PERIOD: S.SUSPENDED},
    S.RESPONDED: _responded(has_next=False),
    S.ENDED: _ENDED,
    S.CLOSED: _CLOSED_CASE,
}
ADULT: Mapping[StageCode, Table] = {grade: _ADULT_STAGE for grade in ADULT_GRADES}

CORPORATE: Mapping[StageCode, Table] = {
    StageCode.STAGE_1: {
        S.AWAITING_ACKNOWLEDGEMENT: {**_AWAITING_ACK, A.RESPOND: S.RESPONDED},
        S.IN_PROGRESS: _RUNNING,
        S.SUSPENDED: _SUSPENDED,
        S.RESPONDED: _responded(has_next=True),
        S.NEXT_STAGE_REQUESTED: _NEXT_REQUESTED,
        S.ENDED: _ENDED,
        S.CLOSED: _CLOSED_CASE,
    },
    StageCode.STAGE_2: {
        S.AWAITING_ACKNOWLEDGEMENT: {**_AWAITING_ACK, A.RESPOND: S.RESPONDED},
        S.IN_PROGRESS: _RUNNING,
        S.SUSPENDED: _SUSPENDED,
        S.RESPONDED: _responded(has_next=False),
        S.ENDED: _ENDED,
        S.CLOSED: _CLOSED_CASE,
    },
}

LGSCO: Table = {
    S.LGSCO_OPEN: {A.RECORD_LGSCO_DECISION: S.LGSCO_DECIDED},
    S.LGSCO_DECIDED: {A.CLOSE_CASE: S.CLOSED},
    S.CLOSED: {A.REOPEN: S.REOPENED},
}

COMPLAINTS: Mapping[Procedure, Mapping[StageCode, Table]] = {
    Procedure.CHILDREN: {**CHILDREN, StageCode.LGSCO: LGSCO},
    Procedure.ADULT: {**ADULT, StageCode.LGSCO: LGSCO},
    Procedure.CORPORATE: {**CORPORATE, StageCode.LGSCO: LGSCO},
}

COMPLIMENT: Table = {
    S.RECEIVED: {A.CLOSE_CASE: S.CLOSED},
    S.CLOSED: {A.REOPEN: S.REOPENED},
}
COMMENT: Table = {
    S.RECEIVED: {A.RECORD_REPLY: S.REPLIED, A.CLOSE_CASE: S.CLOSED},
    S.REPLIED: {A.RECORD_REPLY: S.REPLIED, A.CLOSE_CASE: S.CLOSED},
    S.CLOSED: {A.REOPEN: S.REOPENED},
}

# ------------------------------------------------------------------ what actions ask


@dataclass(frozen=True)
class Input:
    """One thing an action asks the officer for: the name of its field of the service's
    ``ActionInput``, its label, and, when it is required, what to say if it is missing.

    ``only_at``: asked only at that stage. ``manager_decision``: offered only to whoever
    may take decisions reserved to a manager (the access policy says who)."""

    name: str
    label: str
    missing: str | None = None  # None: optional
    only_at: StageCode | None = None
    manager_decision: bool = False

    @property
    def required(self) -> bool:
        return self.missing is not None


@dataclass(frozen=True)
class ActionForm:
    """What an action asks for, besides the date it happened (always asked, labelled
    ``date_label``); ``explanation`` says in a sentence or two what the action does (the
    action dialog opens with it)."""

    date_label: str
    inputs: tuple[Input, ...] = ()
    explanation: str = ""

    def asks(self, stage: StageCode | None) -> tuple[Input, ...]:
        """The inputs asked for at ``stage``."""
        return tuple(i for i in self.inputs if i.only_at is None or i.only_at == stage)

    @property
    def required(self) -> tuple[Input, ...]:
        return tuple(i for i in self.inputs if i.required)

    @property
    def inputs_by_name(self) -> Mapping[str, Input]:
        return {i.name: i for i in self.inputs}


def _why(what: str) -> Input:
    return Input("reason", "Reason", f"Say why {what}.")


_NOTE = Input("note", "Note (optional)")

ACTION_FORMS: Mapping[Action, ActionForm] = {
    A.ACKNOWLEDGE: ActionForm(
        "Acknowledged on",
        (_NOTE,),
        "Record that the complainant was told the complaint was received.",
    ),
    A.SUSPEND: ActionForm(
        "Clock suspended from",
        (
            Input(
                "suspension_reason",
                "Why the clock stops",
                "Say why the clock is suspended: awaiting information, court proceedings, an "
                "advocate being appointed, or other.",
            ),
            Input("note", "Note"),
            Input("expected_resume_on", "Expected to restart on"),
        ),
        "Stop the clock. The due date moves by the working days it is stopped.",
    ),
    A.RESUME: ActionForm(
        "Clock resumed on",
        explanation="Start the clock again; the due date moves later by the days it was stopped.",
    ),
    A.EXTEND: ActionForm(
        "Extension agreed on",
        (
            Input("working_days", "Extend by", "Enter how many working days to extend by."),
            Input("agreed_with_complainant", "Agreed with the complainant"),
            _why("the stage is extended"),
            Input(
                "beyond_limit_reason",
                "Why it may go beyond the council's limit (a manager's decision)",
                manager_decision=True,
            ),
        ),
        "Give the stage more working days, within the procedure's limit.",
    ),
    A.START_INVESTIGATION: ActionForm(
        "Statement of complaint agreed on",
        explanation="The Stage 2 clock starts when the statement is agreed.",
    ),
    A.HOLD_PANEL: ActionForm(
        "Review panel met on",
        explanation="The panel must meet within 30 working days of the request (reg. 19(4)); "
        "its report is then due within 5 working days.",
    ),
    A.RECORD_PANEL_REPORT: ActionForm(
        "Panel report received on",
        explanation="The council must respond within 15 working days of receiving the "
        "panel's report (reg. 20(3)).",
    ),
    A.RESPOND: ActionForm(
        "Response sent on",
        (
            Input("outcome_override", "Stage outcome"),
            Input(
                "panel_report_on",
                "Panel report received on (if not recorded already)",
                only_at=StageCode.STAGE_3,
            ),
            Input("reason", "Reason (only if you change the outcome)"),
            Input(
                "response_received_on",
                "Complainant received it on (default: the day after it was sent)",
            ),
            _NOTE,
        ),
        "The stage's outcome follows from the complaint points' outcomes.",
    ),
    A.RECORD_RESPONSE_RECEIVED: ActionForm(
        "Complainant received the response on",
        explanation="The window to ask for the next stage counts from this day.",
    ),
    A.AGREE_PERIOD: ActionForm(
        "Agreed with the complainant on",
        (
            Input(
                "agreed_until",
                "The agreed period ends on",
                "Enter the last day of the period agreed with the complainant.",
            ),
            _NOTE,
        ),
        "The regulations allow a period longer than six months if it is agreed with the "
        "complainant before the six months expire (SI 2009/309 reg. 14).",
    ),
    A.WITHDRAW: ActionForm(
        "Withdrawn on",
        (_why("the complaint is withdrawn"),),
        "The complainant has withdrawn the complaint. The stage ends here and cannot go "
        "on to a further stage.",
    ),
    A.DISCONTINUE: ActionForm(
        "Discontinued on",
        (_why("the complaint is discontinued"),),
        "The council stops dealing with the complaint (for example, it was referred to "
        "safeguarding). The stage ends here and cannot go on to a further stage.",
    ),
    A.REDIRECT: ActionForm(
        "Redirected on",
        (_why("the complaint is redirected"),),
        "The complaint is for another procedure or organisation and has been passed on. "
        "The stage ends here and cannot go on to a further stage.",
    ),
    A.REGRADE: ActionForm(
        "Regraded on",
        (
            Input(
                "grade",
                "New grade",
                "Choose the new grade: Low risk, Moderate/High risk or Informal.",
            ),
            _why("the complaint is regraded"),
        ),
        "Change the complaint's grade. The earlier grade and the reason are kept in its history.",
    ),
    A.REQUEST_NEXT_STAGE: ActionForm(
        "Request received on",
        (
            Input(
                "override_window",
                "Accept it even if it came after the window",
                manager_decision=True,
            ),
            Input("reason", "Reason (only if you accept a late request)", manager_decision=True),
        ),
        "The complainant asked for the next stage of the procedure.",
    ),
    A.ESCALATE: ActionForm(
        "Next stage opened on",
        explanation="Open the next stage; the earlier stage and its history are kept.",
    ),
    A.ESCALATE_TO_LGSCO: ActionForm(
        "Ombudsman's enquiry received on",
        (
            Input("lgsco_reference", "Ombudsman's reference"),
            Input(
                "lgsco_response_due_on",
                "The Ombudsman's response date (if given; else 20 working days)",
            ),
        ),
        "Open an Ombudsman stage for this case.",
    ),
    A.RECORD_LGSCO_DECISION: ActionForm(
        "Decision dated",
        (Input("lgsco_decision", "The Ombudsman's decision", "Choose the Ombudsman's decision."),),
        "Record the decision the Ombudsman made on this complaint, as its decision letter "
        "gives it.",
    ),
    A.RECORD_REPLY: ActionForm(
        "Reply received on",
        (Input("reply_text", "The directorate's reply", "Enter the directorate's reply."),),
        "Record the reply the directorate sent about this comment.",
    ),
    A.CLOSE_CASE: ActionForm(
        "Case closed on",
        explanation="Close the case: nothing more is to be done on it. Only a manager can "
        "reopen it.",
    ),
    A.REOPEN: ActionForm(
        "Reopened on",
        (_why("the case is reopened"),),
        "Only a manager can reopen a case.",
    ),
}
"""What each action asks for: the one table the service checks required inputs against
and the action dialog builds its form from."""


def action_form(action: Action) -> ActionForm:
    return ACTION_FORMS[action]


def action_label(action: Action, procedure: str, stage: str | None) -> str:
    """The action's name on a case of ``procedure`` at ``stage``, naming the next stage
    where it has one: "Record a request for Stage 2", "Open Stage 2"."""
    following = NEXT_STAGE[Procedure(procedure)].get(StageCode(stage)) if stage else None
    if following is not None and action == Action.REQUEST_NEXT_STAGE:
        return f"Record a request for {following.label}"
    if following is not None and action == Action.ESCALATE:
        return f"Open {following.label}"
    return action.label


def table_for(kind: Kind, procedure: Procedure, stage: StageCode | None) -> Table:
    if kind == Kind.COMPLIMENT:
        return COMPLIMENT
    if kind == Kind.COMMENT:
        return COMMENT
    if stage is None:
        raise ValueError("a complaint always has a stage")
    try:
        return COMPLAINTS[procedure][stage]
    except KeyError:
        raise ValueError(f"{procedure.label} complaints have no {stage.label}") from None


def allowed_actions(
    kind: Kind, procedure: Procedure, stage: StageCode | None, state: State
) -> Mapping[Action, State]:
    return table_for(kind, procedure, stage).get(state, {})


# ---------------------------------------------------------------------- state facts


@dataclass(frozen=True)
class StageFacts:
    """What :func:`stage_state` needs to know about a case and its current stage."""

    kind: Kind
    case_closed: bool
    stage: StageCode | None = None
    acknowledged: bool = False
    started: bool = False
    suspended: bool = False
    closed: bool = False
    outcome: Outcome | None = None
    next_stage_requested: bool = False
    panel_held: bool = False
    lgsco_decided: bool = False
    replied: bool = False


def stage_state(facts: StageFacts) -> State:
    if facts.case_closed:
        return State.CLOSED
    if facts.kind == Kind.COMPLIMENT:
        return State.RECEIVED
    if facts.kind == Kind.COMMENT:
        return State.REPLIED if facts.replied else State.RECEIVED
    if facts.stage == StageCode.LGSCO:
        return State.LGSCO_DECIDED if facts.lgsco_decided else State.LGSCO_OPEN
    if facts.closed:
        if facts.outcome in ENDED_OUTCOMES:
            return State.ENDED
        return State.NEXT_STAGE_REQUESTED if facts.next_stage_requested else State.RESPONDED
    if facts.suspended:
        return State.SUSPENDED
    if not facts.acknowledged:
        return State.AWAITING_ACKNOWLEDGEMENT
    if facts.stage == StageCode.STAGE_2 and not facts.started:
        return State.AWAITING_START
    if facts.stage == StageCode.STAGE_3 and facts.panel_held:
        return State.PANEL_HELD
    return State.IN_PROGRESS


# ----------------------------------------------------------------------- outcomes


def outcome_from_points(point_outcomes: list[Outcome]) -> Outcome:
    """The stage outcome that follows from its points' outcomes.

    All upheld: upheld. Any upheld or partially upheld (but not all upheld): partially
    upheld. All "no finding": no finding. Otherwise (none upheld): not upheld.
    """
    if not point_outcomes:
        raise ValueError("a stage outcome needs at least one point outcome")
    if all(o == Outcome.UPHELD for o in point_outcomes):
        return Outcome.UPHELD
    if any(o in UPHELD_OUTCOMES for o in point_outcomes):
        return Outcome.PARTIALLY_UPHELD
    if all(o == Outcome.NO_FINDING for o in point_outcomes):
        return Outcome.NO_FINDING
    return Outcome.NOT_UPHELD
