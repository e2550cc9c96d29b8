"""The fixed vocabularies of the representations procedures.

Values are stored in the database as the enum *value* strings, which are also the
spellings the historical import file uses (see IMPORT_FORMAT.md), so one list serves
both. Labels are the plain English an officer sees.
"""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    COMPLAINT = "complaint"
    COMPLIMENT = "compliment"
    COMMENT = "comment"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Procedure(StrEnum):
    CHILDREN = "children"
    ADULT = "adult"
    CORPORATE = "corporate"

    @property
    def label(self) -> str:
        return {
            Procedure.CHILDREN: "Children's social care",
            Procedure.ADULT: "Adult social care",
            Procedure.CORPORATE: "Corporate",
        }[self]

    @property
    def reference_prefix(self) -> str:
        return {
            Procedure.CHILDREN: "CSC",
            Procedure.ADULT: "ASC",
            Procedure.CORPORATE: "COR",
        }[self]


class Channel(StrEnum):
    ONLINE_FORM = "online form"
    EMAIL = "email"
    PHONE = "phone"
    LETTER = "letter"
    IN_PERSON = "in person"
    STAFF_SUBMITTED = "staff-submitted"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class StageCode(StrEnum):
    """A stage of a procedure. Children: 1, 2, 3; corporate: 1, 2; adult: one stage
    graded low, moderate-high or informal; any procedure: the Ombudsman (LGSCO)."""

    STAGE_1 = "1"
    STAGE_2 = "2"
    STAGE_3 = "3"
    LOW = "low"
    MODERATE_HIGH = "moderate-high"
    INFORMAL = "informal"
    LGSCO = "lgsco"

    @property
    def label(self) -> str:
        return {
            StageCode.STAGE_1: "Stage 1",
            StageCode.STAGE_2: "Stage 2",
            StageCode.STAGE_3: "Stage 3",
            StageCode.LOW: "Low risk",
            StageCode.MODERATE_HIGH: "Moderate/High risk",
            StageCode.INFORMAL: "Informal",
            StageCode.LGSCO: "Ombudsman (LGSCO)",
        }[self]


STAGES_BY_PROCEDURE: dict[Procedure, tuple[StageCode, ...]] = {
    Procedure.CHILDREN: (StageCode.STAGE_1, StageCode.STAGE_2, StageCode.STAGE_3, StageCode.LGSCO),
    Procedure.ADULT: (StageCode.LOW, StageCode.MODERATE_HIGH, StageCode.INFORMAL, StageCode.LGSCO),
    Procedure.CORPORATE: (StageCode.STAGE_1, StageCode.STAGE_2, StageCode.LGSCO),
}


class StageStatus(StrEnum):
    OPEN = "open"
    SUSPENDED = "suspended"
    CLOSED = "closed"


class CaseStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Outcome(StrEnum):
    UPHELD = "upheld"
    PARTIALLY_UPHELD = "partially upheld"
    NOT_UPHELD = "not upheld"
    NO_FINDING = "no finding"
    DISCONTINUED = "discontinued"
    WITHDRAWN = "withdrawn"
    REDIRECTED = "redirected"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class LgscoDecision(StrEnum):
    OUT_OF_JURISDICTION = "out of jurisdiction"
    CLOSED_NO_FURTHER_ACTION = "closed no further action"
    PREMATURE = "premature"
    NOT_UPHELD = "not upheld"
    UPHELD_NO_FURTHER_ACTION = "upheld no further action"
    UPHELD_MALADMINISTRATION_INJUSTICE = "upheld maladministration and injustice"
    PUBLIC_REPORT = "public report"
    # The Ombudsman's annual review letters also count these.
    UPHELD_REMEDY_PROVIDED = "upheld satisfactory remedy provided by the council"
    UPHELD_FAULT_NO_INJUSTICE = "upheld fault but no injustice"
    ADVICE_GIVEN = "advice given"
    REFERRED_BACK = "referred back for local resolution"

    @property
    def upheld(self) -> bool:
        """The Ombudsman found fault: an upheld detailed investigation."""
        return self in UPHELD_DECISIONS

    @property
    def investigated(self) -> bool:
        """A detailed investigation (upheld or not), as the annual review letter counts
        them; decisions after initial enquiries, advice and referrals back are not."""
        return self in UPHELD_DECISIONS or self == LgscoDecision.NOT_UPHELD

    @property
    def label(self) -> str:
        return {
            LgscoDecision.OUT_OF_JURISDICTION: (
                "Closed after initial enquiries: out of jurisdiction"
            ),
            LgscoDecision.CLOSED_NO_FURTHER_ACTION: (
                "Closed after initial enquiries: no further action"
            ),
            LgscoDecision.PREMATURE: "Closed after initial enquiries: premature",
            LgscoDecision.NOT_UPHELD: "Not upheld",
            LgscoDecision.UPHELD_NO_FURTHER_ACTION: "Upheld: no further action",
            LgscoDecision.UPHELD_MALADMINISTRATION_INJUSTICE: (
                "Upheld: maladministration and injustice"
            ),
            LgscoDecision.PUBLIC_REPORT: "Public report",
            LgscoDecision.UPHELD_REMEDY_PROVIDED: (
                "Upheld: satisfactory remedy provided by the council"
            ),
            LgscoDecision.UPHELD_FAULT_NO_INJUSTICE: "Upheld: fault but no injustice",
            LgscoDecision.ADVICE_GIVEN: "Advice given",
            LgscoDecision.REFERRED_BACK: "Referred back for local resolution",
        }[self]


UPHELD_DECISIONS: frozenset[LgscoDecision] = frozenset(
    {
        LgscoDecision.UPHELD_NO_FURTHER_ACTION,
        LgscoDecision.UPHELD_MALADMINISTRATION_INJUSTICE,
        LgscoDecision.PUBLIC_REPORT,
        LgscoDecision.UPHELD_REMEDY_PROVIDED,
        LgscoDecision.UPHELD_FAULT_NO_INJUSTICE,
    }
)
# The order the report lists the Ombudsman's decisions in.
DECISION_ORDER: tuple[LgscoDecision, ...] = (
    LgscoDecision.OUT_OF_JURISDICTION,
    LgscoDecision.CLOSED_NO_FURTHER_ACTION,
    LgscoDecision.PREMATURE,
    LgscoDecision.ADVICE_GIVEN,
    LgscoDecision.REFERRED_BACK,
    LgscoDecision.NOT_UPHELD,
    LgscoDecision.UPHELD_NO_FURTHER_ACTION,
    LgscoDecision.UPHELD_FAULT_NO_INJUSTICE,
    LgscoDecision.UPHELD_REMEDY_PROVIDED,
    LgscoDecision.UPHELD_MALADMINISTRATION_INJUSTICE,
    LgscoDecision.PUBLIC_REPORT,
)


class ComplainantType(StrEnum):
    """Who made a children's complaint, as the statutory annual report counts them."""

    CHILD = "child or young person"
    PARENT = "parent"
    CARER = "carer"
    OTHER = "other"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class NotAcceptedReason(StrEnum):
    """Why a representation was not accepted as a complaint under the procedure."""

    TOO_LATE = "made too late"
    NOT_ELIGIBLE = "not made by someone who may complain"
    ALREADY_DEALT_WITH = "already dealt with"
    LEGAL_PROCEEDINGS = "legal proceedings"
    OUTSIDE_PROCEDURE = "outside the procedure"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            NotAcceptedReason.TOO_LATE: "Made too late",
            NotAcceptedReason.NOT_ELIGIBLE: "Not made by someone who may complain",
            NotAcceptedReason.ALREADY_DEALT_WITH: "Already dealt with",
            NotAcceptedReason.LEGAL_PROCEEDINGS: "Would prejudice legal proceedings",
            NotAcceptedReason.OUTSIDE_PROCEDURE: "Outside the procedure",
            NotAcceptedReason.OTHER: "Other",
        }[self]


class Ombudsman(StrEnum):
    """Which Ombudsman a complaint went to: adult complaints about health and social care
    together can go to the Health Service Ombudsman."""

    LGSCO = "lgsco"
    HEALTH_SERVICE = "health service ombudsman"

    @property
    def label(self) -> str:
        return {
            Ombudsman.LGSCO: "Local Government and Social Care Ombudsman",
            Ombudsman.HEALTH_SERVICE: "Health Service Ombudsman",
        }[self]


class PartyRole(StrEnum):
    """How a person is connected to a case."""

    COMPLAINANT = "complainant"
    SUBJECT = "subject"  # the person the representation is about
    ON_BEHALF_OF = "on behalf of"
    ADVOCATE = "advocate"
    NAMED_STAFF = "named staff"  # staff named in a compliment or complaint


class AssignmentRole(StrEnum):
    INVESTIGATING_OFFICER = "investigating officer"
    INDEPENDENT_PERSON = "independent person"
    PANEL_MEMBER = "panel member"
    PANEL_CHAIR = "panel chair"

    @property
    def label(self) -> str:
        """As a heading or the start of a sentence: "Investigating Officer", "Review
        panel member"."""
        return {
            "investigating officer": "Investigating Officer",
            "independent person": "Independent Person",
            "panel member": "Review panel member",
            "panel chair": "Review panel chair",
        }[self.value]


class AssignmentStatus(StrEnum):
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    REPLACED = "replaced"
    REPORT_RECEIVED = "report received"

    @property
    def label(self) -> str:
        """ "Offered", "Accepted", "Report received"."""
        return self.value.capitalize()


class UserRole(StrEnum):
    OFFICER = "officer"
    INVESTIGATOR = "investigator"
    SERVICE_RESPONDER = "service responder"
    MANAGER = "manager"
    ADMIN = "admin"


class SuspensionReason(StrEnum):
    AWAITING_INFORMATION = "awaiting information"
    COURT_PROCEEDINGS = "court proceedings"
    ADVOCATE_APPOINTMENT = "advocate being appointed"
    OTHER = "other"


class TimescaleRule(StrEnum):
    """A kind of timescale held in reference data for a procedure and stage."""

    DURATION = "duration"  # working days to respond
    EXTENSION_LIMIT = "extension limit"  # the most working days the stage may run to
    ACKNOWLEDGE = "acknowledge"  # working days to acknowledge
    NEXT_STAGE_WINDOW = "next stage window"  # working days to ask for the next stage
    OUTER_LIMIT_MONTHS = "outer limit months"  # calendar months (adult: 6)
    PANEL_MEETING = "panel meeting"  # Stage 3: panel meets within N of the request
    PANEL_REPORT = "panel report"  # Stage 3: report within N of the panel
    COUNCIL_RESPONSE = "council response"  # Stage 3: council responds within N of the report
    LGSCO_ENQUIRY_RESPONSE = "lgsco enquiry response"  # working days to answer an enquiry
    REMEDY_ESCALATION_PERCENT = "remedy escalation percent"  # share of time before escalation


class TimescaleUnit(StrEnum):
    WORKING_DAYS = "working days"
    CALENDAR_MONTHS = "calendar months"
    PERCENT = "percent"


class KpiDirection(StrEnum):
    HIGHER_IS_BETTER = "higher"
    LOWER_IS_BETTER = "lower"


class CorrespondenceDirection(StrEnum):
    INCOMING = "incoming"
    OUTGOING = "outgoing"


class CorrespondenceChannel(StrEnum):
    LETTER = "letter"
    EMAIL = "email"
    PHONE = "phone"
    MEETING = "meeting"
    NOTE = "note"
