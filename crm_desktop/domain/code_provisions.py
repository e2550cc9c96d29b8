"""The provisions of the Local Government and Social Care Ombudsman's Complaint Handling
Code that a council assesses itself against each year (Code paragraph 8.1), as a
checklist.

Each provision is listed by its paragraph number in the Code, with what it asks in
short, in this program's words (read the Code itself, lgo.org.uk, for its wording).
Where the Ombudsman's own self-assessment form asks about a whole section at once (the
complaint handling staff of section 4), the section is one row. Stage 2 of section 6 is
listed by what it asks (acknowledge within 5 working days of the escalation request,
respond within 20 working days of the acknowledgement, an extension of no more than 20
working days without good reason, a different person from Stage 1), under keys of its
own, "6.S2-...".

``measure`` names what this program can count for a provision from the cases (the
self-assessment is pre-filled with it): acknowledgements in time, responses in time,
extensions within the limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["COMPLIES", "PROVISIONS", "SECTIONS", "Complies", "Measure", "Provision", "provision"]


class Complies(StrEnum):
    YES = "yes"
    PARTLY = "partly"
    NO = "no"

    @property
    def label(self) -> str:
        return self.value.capitalize()


COMPLIES = tuple(c.value for c in Complies)


class Measure(StrEnum):
    STAGE1_ACKNOWLEDGED = "stage 1 acknowledged in time"
    STAGE1_RESPONDED = "stage 1 responded in time"
    STAGE1_EXTENSIONS = "stage 1 extensions within the limit"
    STAGE2_ACKNOWLEDGED = "stage 2 acknowledged in time"
    STAGE2_RESPONDED = "stage 2 responded in time"
    STAGE2_EXTENSIONS = "stage 2 extensions within the limit"


@dataclass(frozen=True)
class Provision:
    key: str  # "6.2", "4", "6.S2-acknowledge"
    section: str  # "6. Complaints stages: Stage 1"
    label: str  # how the provision is named in a table: "6.2", "Stage 2: acknowledge"
    asks: str  # what it asks, in short
    measure: Measure | None = None


SECTIONS = (
    "1. Definition of a service request and complaint",
    "2. Exclusions",
    "3. Accessibility and awareness",
    "4. Complaint handling staff",
    "5. The complaint handling process",
    "6. Complaints stages: Stage 1",
    "6. Complaints stages: Stage 2",
    "7. Putting things right",
    "8. Performance reporting and self-assessment",
    "9. Scrutiny and oversight: continuous learning and improvement",
)
S1, S2, S3, S4, S5, S6, S6B, S7, S8, S9 = SECTIONS


def _p(key: str, section: str, asks: str, measure: Measure | None = None) -> Provision:
    return Provision(key, section, key, asks, measure)


def _stage2(key: str, label: str, asks: str, measure: Measure | None = None) -> Provision:
    return Provision(f"6.S2-{key}", S6B, f"Stage 2: {label}", asks, measure)


PROVISIONS: tuple[Provision, ...] = (
    _p("1.4", S1, "Complaints are defined as the Code defines them."),
    _p(
        "1.5",
        S1,
        "Dissatisfaction is treated as a complaint without the word 'complaint' being "
        "used; complaints made through a representative follow the policy.",
    ),
    _p("1.6", S1, "The policy sets out the difference between a service request and a complaint."),
    _p(
        "1.7",
        S1,
        "A service request can be dealt with first; dissatisfaction with its handling can "
        "be a complaint, and the request is still dealt with.",
    ),
    _p("1.8", S1, "Service requests are recorded, monitored and reviewed regularly."),
    _p(
        "2.1",
        S2,
        "A complaint is accepted unless there is a valid reason not to, and a refusal's "
        "reasons can be evidenced.",
    ),
    _p(
        "2.2",
        S2,
        "Complaints are accepted within 12 months of the issue (or of becoming aware of it), "
        "with discretion beyond that for good reason.",
    ),
    _p(
        "2.3",
        S2,
        "The policy sets out reasonable circumstances in which a matter is not considered or "
        "escalated.",
    ),
    _p(
        "2.4",
        S2,
        "A complaint not accepted is explained to the individual, with their right to take "
        "the decision to the Ombudsman.",
    ),
    _p("2.5", S2, "No blanket exclusions: each complaint's circumstances are considered."),
    _p(
        "3.1",
        S3,
        "Different channels to complain; Equality Act duties considered and reasonable "
        "adjustments anticipated.",
    ),
    _p("3.2", S3, "Complaints can be made in any way, to any member of staff, who pass them on."),
    _p("3.3", S3, "High volumes of complaints are not seen as a negative."),
    _p(
        "3.4",
        S3,
        "The policy is clear, accessible and published on the website, with each stage and "
        "its timescales.",
    ),
    _p("3.5", S3, "The policy says how it is publicised, with the Ombudsman and the Code."),
    _p("3.6", S3, "Individuals may be represented or accompanied."),
    _p("3.7", S3, "Individuals are told of their right to go to the Ombudsman and how."),
    _p("3.8", S3, "Satisfaction surveys say how to complain."),
    _p(
        "4",
        S4,
        "A person or team is responsible for complaint handling, with access to staff at all "
        "levels, the authority to resolve complaints and suitable training.",
    ),
    _p("5.1", S5, "A single policy for the complaints the Code covers."),
    _p("5.2", S5, "No extra named stages (such as 'stage 0' or 'informal complaint')."),
    _p("5.3", S5, "Someone who expresses dissatisfaction is given the chance to complain."),
    _p(
        "5.4",
        S5,
        "The responder clarifies the complaint, keeps an open mind, hears the individual, "
        "deals with conflicts of interest and considers all the evidence.",
    ),
    _p(
        "5.5",
        S5,
        "A response that will be late: the individual is told when it will come and why.",
    ),
    _p(
        "5.6",
        S5,
        "Reasonable adjustments are made, recorded and kept under review.",
    ),
    _p(
        "5.7",
        S5,
        "Escalation through every stage is refused only for valid reasons, set out clearly.",
    ),
    _p(
        "6.1", S6, "Complaints that can be answered early are identified; vulnerability considered."
    ),
    _p(
        "6.2",
        S6,
        "Stage 1 complaints are acknowledged and logged within 5 working days of receipt.",
        Measure.STAGE1_ACKNOWLEDGED,
    ),
    _p(
        "6.3",
        S6,
        "A full Stage 1 response within 10 working days of the acknowledgement.",
        Measure.STAGE1_RESPONDED,
    ),
    _p(
        "6.4",
        S6,
        "An extension of no more than 10 working days without good reason, explained to "
        "the individual.",
        Measure.STAGE1_EXTENSIONS,
    ),
    _p("6.5", S6, "An extension letter gives the Ombudsman's details."),
    _p(
        "6.6",
        S6,
        "The response is sent when the answer is known; outstanding actions are tracked.",
    ),
    _p(
        "6.7",
        S6,
        "Every point is answered with reasons, citing policy, law and good practice.",
    ),
    _p(
        "6.8",
        S6,
        "The Stage 1 response gives the decision and the reasons for it, any remedy and "
        "outstanding actions, and how to escalate to Stage 2.",
    ),
    _stage2(
        "acknowledge",
        "acknowledge",
        "A request to escalate is acknowledged within 5 working days.",
        Measure.STAGE2_ACKNOWLEDGED,
    ),
    _stage2(
        "respond",
        "respond",
        "A final response within 20 working days of the acknowledgement.",
        Measure.STAGE2_RESPONDED,
    ),
    _stage2(
        "extend",
        "extension",
        "An extension of no more than 20 working days without good reason, explained to "
        "the individual.",
        Measure.STAGE2_EXTENSIONS,
    ),
    _stage2(
        "responder",
        "a different person",
        "Stage 2 is considered by someone other than the Stage 1 responder.",
    ),
    _p(
        "7.1",
        S7,
        "Where something went wrong it is acknowledged, with the actions taken or to be "
        "taken to put it right.",
    ),
    _p("7.2", S7, "A remedy reflects the impact on the individual of the fault found."),
    _p("7.3", S7, "A remedy says what will happen and by when, and is followed through."),
    _p(
        "7.4",
        S7,
        "A remedy that cannot be delivered: the reasons, any alternative and the right to "
        "go to the Ombudsman.",
    ),
    _p("7.5", S7, "The Ombudsman's good practice guides are used for remedies."),
    _p(
        "8.1",
        S8,
        "An annual complaints performance and service improvement report, with this "
        "self-assessment, performance, refusals, findings of non-compliance, service "
        "improvements and the Ombudsman's annual letter.",
    ),
    _p(
        "8.2",
        S8,
        "The report goes through governance and is published on the complaints pages, "
        "with the governing body's response alongside.",
    ),
    _p(
        "8.3",
        S8,
        "A self-assessment after a significant restructure, merger or change in procedures.",
    ),
    _p("9.1", S9, "Service improvements from the learning of each complaint are considered."),
    _p("9.2", S9, "Complaints are used as intelligence to improve services."),
    _p("9.3", S9, "Wider learning is reported back to stakeholders."),
    _p("9.4", S9, "A suitably senior person oversees complaint handling performance."),
    _p("9.5", S9, "Lead responsibility for complaints is assigned in governance (the Member)."),
    _p(
        "9.6",
        S9,
        "The Member receives regular information on complaint handling performance.",
    ),
    _p(
        "9.7",
        S9,
        "At least: regular updates on volumes, categories and outcomes, reviews of issues "
        "and trends, and the annual report.",
    ),
)

_BY_KEY = {p.key: p for p in PROVISIONS}


def provision(key: str) -> Provision:
    """The provision with this key; KeyError for one the Code has not."""
    return _BY_KEY[key]
