"""Realistic made-up data for demonstrations, training and load tests.

``generate_demo`` fills a database with about five financial years of complaints,
compliments and comments ending on a given day, shaped after the council's 2023 scrutiny
panel report (shared/reference): the mix of procedures, service areas, natures and
outcomes; how many complaints go on to Stage 2, Stage 3 and the Ombudsman; how long
responses take and how many are late; a backlog of open cases near the end date.

The same ``(cases, seed, end)`` always gives the same rows: every random draw comes from
``numpy.random.default_rng(seed)`` or ``random.Random(seed)`` in a fixed order, and no
timestamp comes from the wall clock (created/updated times are derived from the case
dates). Rows are written with bulk Core inserts in chunks, primary keys assigned here, so
100,000 cases take seconds rather than minutes.

No Qt here: the CLI (``crm-desktop demo``) and the desktop program both call it.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, TypeAlias

import numpy as np
import numpy.typing as npt
import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db.audit import record_events, rows_not_audited
from crm_desktop.db.base import utcnow
from crm_desktop.db.database import Database
from crm_desktop.db.models import (
    ActionItem,
    Assignment,
    Case,
    CaseParty,
    CaseServiceCategory,
    ClosureDay,
    ComplaintPoint,
    Directorate,
    DueDateChange,
    LgscoDetail,
    LgscoPayment,
    LgscoRemedy,
    Nature,
    Person,
    PointOutcome,
    ReferenceCounter,
    ServiceArea,
    ServiceCategory,
    Stage,
    StageExtension,
    StageGrading,
    StageSuspension,
    StageTimescale,
    Team,
    User,
)
from crm_desktop.domain.calendar import WorkingCalendar, england_and_wales_calendar
from crm_desktop.domain.enums import (
    AssignmentRole,
    AssignmentStatus,
    CaseStatus,
    Channel,
    Kind,
    LgscoDecision,
    Outcome,
    PartyRole,
    Procedure,
    StageCode,
    StageStatus,
    SuspensionReason,
    TimescaleRule,
    UserRole,
)
from crm_desktop.errors import ValidationError

__all__ = ["DemoSummary", "generate_demo"]

I64: TypeAlias = npt.NDArray[np.int64]
F64: TypeAlias = npt.NDArray[np.float64]
Bools: TypeAlias = npt.NDArray[np.bool_]
Progress: TypeAlias = Callable[[int, int], None]

# Dates are held as int64 days since 1970-01-01 while generating; NONE marks "no date".
NONE: Final = -1
_EPOCH_ORDINAL: Final = dt.date(1970, 1, 1).toordinal()
_NAT: Final = np.iinfo(np.int64).min
CHUNK_ROWS: Final = 5000
DEMO_ACTOR: Final = "demo"
YEARS: Final = 5  # financial years of data: the one holding ``end`` and the four before

# Open cases near the end date (see _Generator._clock).
RECENT_DAYS: Final = 61  # "the last two months"
HOLD_IN_TIME: Final = 0.95  # a recent stage still in time is left unanswered this often
HOLD_OVERDUE: Final = 0.35  # ... and a recent stage already past its due date
STUCK: Final = 0.04  # a stage started 2 to 12 months ago left open (overdue)
OPEN_SUSPENDED: Final = 0.04  # an open stage whose clock is stopped
STUCK_SUSPENDED: Final = {  # ... of which this share have their clock stopped
    Procedure.CHILDREN: 0.6,  # court proceedings, an advocate being appointed
    Procedure.ADULT: 0.4,
    Procedure.CORPORATE: 0.15,
}
EXTEND_OPEN: Final = 0.7  # an overdue open stage that has been given an extension

KINDS: Final = (Kind.COMPLAINT, Kind.COMPLIMENT, Kind.COMMENT)
KIND_WEIGHTS: Final = (0.70, 0.25, 0.05)
PROCEDURES: Final = (Procedure.CHILDREN, Procedure.ADULT, Procedure.CORPORATE)
PROCEDURE_WEIGHTS: Final = {  # by kind; complaints as in the report (283 / 279 / 576)
    Kind.COMPLAINT: (0.26, 0.25, 0.49),
    Kind.COMPLIMENT: (0.20, 0.45, 0.35),
    Kind.COMMENT: (0.15, 0.25, 0.60),
}
CHANNELS: Final = tuple(Channel)
CHANNEL_WEIGHTS: Final = {
    Kind.COMPLAINT: (0.38, 0.32, 0.15, 0.08, 0.02, 0.05),
    Kind.COMPLIMENT: (0.25, 0.35, 0.08, 0.12, 0.02, 0.18),
    Kind.COMMENT: (0.45, 0.35, 0.08, 0.08, 0.02, 0.02),
}
MONTH_WEIGHTS: Final = (1.1, 1.0, 1.05, 0.95, 1.0, 0.95, 1.0, 0.85, 1.1, 1.1, 1.05, 0.75)
ADULT_GRADES: Final = (StageCode.LOW, StageCode.MODERATE_HIGH, StageCode.INFORMAL)
ADULT_GRADE_WEIGHTS: Final = (393.0, 90.0, 28.0)  # report: 203 / 47 / 14 and 190 / 43 / 14

STAGE_CODES: Final = tuple(StageCode)
OUTCOMES: Final = tuple(Outcome)
ESCALATABLE: Final = 4  # outcome index below this can go further (not withdrawn etc.)
STATUS_OPEN, STATUS_SUSPENDED, STATUS_CLOSED = 0, 1, 2
STAGE_STATUSES: Final = (StageStatus.OPEN, StageStatus.SUSPENDED, StageStatus.CLOSED)

# Stage outcomes, in Outcome order: upheld, partially upheld, not upheld, no finding,
# discontinued, withdrawn, redirected (two years of the report added together).
OUTCOME_WEIGHTS: Final = {
    (Procedure.CHILDREN, StageCode.STAGE_1): (40, 107, 222, 8, 30, 24, 5),
    (Procedure.CHILDREN, StageCode.STAGE_2): (7, 20, 34, 1, 2, 1, 0),
    (Procedure.CHILDREN, StageCode.STAGE_3): (3, 5, 10, 1, 0, 1, 0),
    (Procedure.ADULT, StageCode.LOW): (45, 54, 84, 3, 40, 6, 5),
    (Procedure.ADULT, StageCode.MODERATE_HIGH): (3, 19, 11, 1, 12, 2, 4),
    (Procedure.ADULT, StageCode.INFORMAL): (10, 15, 20, 10, 2, 3, 3),
    (Procedure.CORPORATE, StageCode.STAGE_1): (161, 303, 286, 5, 59, 11, 73),
    (Procedure.CORPORATE, StageCode.STAGE_2): (14, 20, 28, 0, 1, 1, 0),
}
# Chance that a stage closed with an outcome that may go further does go further.
NEXT_STAGE: Final = {
    (Procedure.CHILDREN, StageCode.STAGE_1): 0.14,  # ~12% of Stage 1 (KPI 11.75%, 13.75%)
    (Procedure.CHILDREN, StageCode.STAGE_2): 0.35,  # ~30% of Stage 2 (12 of 39)
    (Procedure.CORPORATE, StageCode.STAGE_1): 0.05,  # ~4% of Stage 1
}
TO_LGSCO: Final = {  # from the last stage of a complaint; ~5% of complaints overall
    (Procedure.CHILDREN, StageCode.STAGE_1): 0.04,
    (Procedure.CHILDREN, StageCode.STAGE_2): 0.15,
    (Procedure.CHILDREN, StageCode.STAGE_3): 0.35,
    (Procedure.ADULT, StageCode.LOW): 0.08,
    (Procedure.ADULT, StageCode.MODERATE_HIGH): 0.1,
    (Procedure.ADULT, StageCode.INFORMAL): 0.03,
    (Procedure.CORPORATE, StageCode.STAGE_1): 0.06,
    (Procedure.CORPORATE, StageCode.STAGE_2): 0.2,
}
LGSCO_DECISIONS: Final = tuple(LgscoDecision)
# Paragraphs 11-13: 9 out of jurisdiction, 21 no further action, 5 premature, 2 upheld
# no further action, 13 maladministration and injustice, 1 public report (plus not upheld).
LGSCO_DECISION_WEIGHTS: Final = (9.0, 21.0, 5.0, 5.0, 3.0, 14.0, 1.5)
POINTS_PER_COMPLAINT: Final = {  # 1 to 4; children's are recorded point by point (para. 24)
    Procedure.CHILDREN: (0.2, 0.3, 0.3, 0.2),
    Procedure.ADULT: (0.75, 0.18, 0.05, 0.02),
    Procedure.CORPORATE: (0.72, 0.2, 0.06, 0.02),
}

# Bucket = (weight, lowest, highest working days used, beta a, beta b), for the defaults.
Bucket: TypeAlias = tuple[float, int, int, float, float]
RESPONSE_BUCKETS: Final[dict[tuple[Procedure, StageCode], tuple[Bucket, ...]]] = {
    # 97.5% within 20 working days (10, extendable to 20), the rest within 40.
    (Procedure.CHILDREN, StageCode.STAGE_1): (
        (0.55, 2, 10, 2.5, 1.5),
        (0.425, 11, 20, 1.5, 1.5),
        (0.025, 21, 26, 1.0, 1.0),
    ),
    # Hardly any within 25; 83% within 65; 17% beyond.
    (Procedure.CHILDREN, StageCode.STAGE_2): (
        (0.08, 12, 25, 3.0, 1.5),
        (0.75, 26, 65, 1.5, 1.5),
        (0.17, 66, 110, 1.0, 2.0),
    ),
    # 64-78% within 35 days, 9-25% over 65 (low risk); moderate/high risk are slower.
    (Procedure.ADULT, StageCode.LOW): (
        (0.70, 3, 35, 2.2, 1.4),
        (0.09, 36, 45, 1.0, 1.0),
        (0.04, 46, 55, 1.0, 1.0),
        (0.04, 56, 65, 1.0, 1.0),
        (0.13, 66, 140, 1.0, 2.5),
    ),
    (Procedure.ADULT, StageCode.MODERATE_HIGH): (
        (0.50, 8, 35, 2.5, 1.2),
        (0.14, 36, 45, 1.0, 1.0),
        (0.07, 46, 55, 1.0, 1.0),
        (0.07, 56, 65, 1.0, 1.0),
        (0.22, 66, 150, 1.0, 2.0),
    ),
    (Procedure.ADULT, StageCode.INFORMAL): ((0.9, 1, 35, 1.5, 2.5), (0.1, 36, 45, 1.0, 1.0)),
    # 73-83% within 20 days, average 13.4; Stage 2 83-90% within 25.
    (Procedure.CORPORATE, StageCode.STAGE_1): ((0.80, 1, 20, 3.0, 1.5), (0.20, 21, 40, 1.0, 2.0)),
    (Procedure.CORPORATE, StageCode.STAGE_2): ((0.88, 5, 25, 3.0, 1.5), (0.12, 26, 45, 1.0, 2.0)),
}
DEFAULT_TIMESCALE: Final = {
    (Procedure.CHILDREN, StageCode.STAGE_1): 10,
    (Procedure.CHILDREN, StageCode.STAGE_2): 25,
    (Procedure.CHILDREN, StageCode.STAGE_3): 50,
    (Procedure.ADULT, StageCode.LOW): 35,
    (Procedure.ADULT, StageCode.MODERATE_HIGH): 35,
    (Procedure.ADULT, StageCode.INFORMAL): 35,
    (Procedure.CORPORATE, StageCode.STAGE_1): 20,
    (Procedure.CORPORATE, StageCode.STAGE_2): 25,
}
SUSPENSION_CHANCE: Final = {
    (Procedure.CHILDREN, StageCode.STAGE_1): 0.03,
    (Procedure.CHILDREN, StageCode.STAGE_2): 0.08,
    (Procedure.ADULT, StageCode.LOW): 0.03,
    (Procedure.ADULT, StageCode.MODERATE_HIGH): 0.06,
    (Procedure.CORPORATE, StageCode.STAGE_1): 0.01,
    (Procedure.CORPORATE, StageCode.STAGE_2): 0.03,
}
ADULT_EXTENSION_CAP: Final = 90  # "extendable by agreement": no limit in reference data

# ------------------------------------------------------------------ report-shaped weights
# Service areas, teams, natures and categories by name (both years of the report added);
# a name not listed (a manager's addition) gets a small weight.
CHILDREN_TEAM_WEIGHTS: Final = {
    "Family Front Door": 114,
    "Adoption (now ACE)": 6,
    "Children with Disabilities": 39,
    "Fostering & Kinship": 12,
    "Safeguarding Teams": 186,
    "Safeguarding and Quality Assurance": 9,
    "Support Services (including Supervised Contact)": 1,
    "Targeted Early Help / Targeted Family Support": 29,
    "Through Care": 100,
}
CHILDREN_COMPLIMENT_WEIGHTS: Final = {
    "Children with Disabilities": 5,
    "Fostering & Kinship": 4,
    "QA and Independent Review": 21,
    "Safeguarding Area": 82,
    "Family Front Door": 26,
    "Supporting Families First/Targeted Early Help": 16,
    "Through Care": 18,
    "Child Protection Chairs and Local Authority Designated Officer": 1,
    "Care Leaver and Outreach": 1,
    "Other": 2,
}
CHILDREN_NATURE_WEIGHTS: Final = {
    "General lack of Communication": 314,
    "Staff Attitude / Behaviour": 248,
    "Decision Making": 283,
    "Discrimination": 4,
    "Lack or delay in providing assessed service": 379,
    "Quality and Timeliness of social worker assessment": 102,
    "Practice Non-Compliant": 92,
}
ADULT_AREA_WEIGHTS: Final = {
    "Central Services": 118,
    "Commissioning": 10,
    "Mental Health": 41,
    "Learning Disabilities": 34,
    "Area Social Work Teams": 157,
    "Provider Services": 152,
    "Safeguarding, Deprivation of Liberty & Prisons": 32,
    "Urgent Care": 23,
    "Young Adults Team": 6,
}
ADULT_COMPLIMENT_WEIGHTS: Final = {
    "Central Services": 20,
    "Commissioning": 2,
    "Mental Health & Learning Disabilities": 79,
    "Operations & Intergration": 165,
    "Provider Services": 155,
    "Quality, Safeguarding, Deprivation of Liberty & Prisons": 8,
    "Urgent Care": 30,
}
ADULT_CATEGORY_WEIGHTS: Final = {
    "Brokerage Process": 2,
    "Continuing Health Care": 4,
    "Complaint Process not followed": 1,
    "Contracted out (Day Care)": 4,
    "Decision Making": 102,
    "Discrimination": 1,
    "Duty, Care and Support Planning": 76,
    "Financial Assessment/Direct Payment": 50,
    "Finance": 55,
    "Externally Commissioned Home Care": 58,
    "Externally Commissioned Respite": 1,
    "Externally Commissioned Res/Nursing": 15,
    "Lack of Service": 2,
    "Supported Living": 4,
    "Other": 5,
    "Learning Disability": 3,
    "Mental Capacity Assessment": 5,
    "Process": 5,
    "Promoting Independence": 17,
    "Safeguarding Processes": 15,
    "Staff Attitude/Behaviour": 22,
    "Standard of Service": 321,
}
ADULT_NATURE_WEIGHTS: Final = {
    "Adult Safeguarding": 5,
    "Breach of Confidentiality": 8,
    "Care Plan Assessment": 1,
    "Changes to call Times": 3,
    "Continuing Health Care": 1,
    "Decision Making": 3,
    "Delay in Providing Service": 8,
    "Delay/Failure to Keep Informed": 2,
    "Direct Payments": 16,
    "Discrimination": 1,
    "Deprivation of Liberty": 2,
    "Deferred Payment Agreement Process": 1,
    "Financial": 16,
    "General lack of Communication": 73,
    "Health/Personal Care": 1,
    "Hospital Discharge": 2,
    "Inaccurate Information": 10,
    "Info from Provider": 2,
    "Lack of or delay in providing assessment": 1,
    "Lack of Service": 8,
    "Late Calls": 1,
    "Medication": 3,
    "Mental Capacity Assessment": 3,
    "Missed Calls": 1,
    "No return of telephone calls": 18,
    "Other": 2,
    "Outcome of Decision/Assessment": 6,
    "Practice non-compliant with leg/process": 2,
    "Process dec/Res Alloc": 7,
    "Provider Management Admin": 1,
    "Purchase Services": 1,
    "Staff Attitude/Behaviour": 23,
    "Staff/Training/Qualifications": 1,
    "Standard of Service Delivery": 392,
    "Support Planning": 8,
    "Unavailability of Staff to take calls": 1,
}
CORPORATE_AREA_WEIGHTS: Final = {
    "Transport Operations": 122,
    "Strategic Planning": 1,
    "Strategic Infrastructure & Economy": 42,
    "Planning Development Control": 13,
    "Network Control": 16,
    "Highways Transport Operations": 101,
    "Highways & Right of Way Operations": 17,
    "Highways Maintenance Operations – Routine & Cyclic": 310,
    "Highways Maintenance Operations – Design & Build": 2,
    "Flood Risk & Highways Drainage": 6,
    "Economy, Major Projects & Waste": 57,
    "Human Resources, Organisational Development & Engagement": 2,
    "Finance": 11,
    "Corporate Legal Services": 1,
    "Content & Communications": 3,
    "Accountancy & Treasury": 2,
    "Through Care": 1,
    "Sufficiency & Place Planning": 3,
    "SEND & Vulnerable Learners": 176,
    "Operational Safeguarding": 1,
    "North East": 1,
    "Management Information": 2,
    "Fostering": 2,
    "Children with Disabilities (CWD), Short Breaks & Residential Care": 3,
    "Business Systems": 1,
    "Early Help Partnership": 1,
    "Assessment Teams": 7,
    "Child Protection & Local Authority Designated Officer (LADO)": 2,
    "Adoption Services": 3,
    "Registrars": 15,
    "Delivery Lead & The Hive": 21,
    "Countryside Sites North": 5,
    "Contact Centre": 14,
    "Consumer Relations": 16,
    "Commercial & Change": 16,
    "Legal & Democratic": 4,
    "Public Health Consultants": 8,
}
CORPORATE_COMPLIMENT_WEIGHTS: Final = {
    "Registrars": 40,
    "Contact Centre": 30,
    "Highways Maintenance Operations – Routine & Cyclic": 30,
    "Delivery Lead & The Hive": 20,
    "Countryside Sites North": 12,
    "Countryside Sites South": 12,
    "Community Greenspace": 10,
    "Transport Operations": 10,
    "Highways Transport Operations": 10,
    "SEND & Vulnerable Learners": 8,
    "Road Safety Education & Skills": 8,
}
CORPORATE_NATURE_WEIGHTS: Final = {
    "Transport": 4,
    "Standard of Service": 460,
    "Staff Attitude / Behaviour": 83,
    "Requests": 71,
    "Race": 4,
    "Publications": 1,
    "Policy Decision/Resource Allocation": 1,
    "Other Service Users": 1,
    "Miscellaneous": 16,
    "Lack of Service": 76,
    "Information Communication Technology (ICT)": 6,
    "Gender": 1,
    "Freedom of Information Request": 49,
    "Facilities": 1,
    "Disability": 3,
    "Decision Making": 218,
    "Damage to property or persons": 24,
    "Contractors": 28,
    "Communication": 169,
}
COMMENT_DIRECTORATE_WEIGHTS: Final = {
    "Economy & Infrastructure": 50,
    "Worcestershire Children First": 12,
    "People": 15,
    "COaCH": 10,
    "Chief Executive Unit": 6,
    "Public Health": 7,
}
PROCEDURE_DIRECTORATE: Final = {
    Procedure.CHILDREN: "Worcestershire Children First",
    Procedure.ADULT: "People",
}

# ------------------------------------------------------------------ made-up people and text
FEMALE_NAMES: Final = (
    "Olivia", "Amelia", "Isla", "Ava", "Emily", "Sophie", "Grace", "Chloé", "Zoë", "Siân",
    "Niamh", "Aoife", "Saoirse", "Renée", "Hannah", "Charlotte", "Jessica", "Lucy", "Megan",
    "Rebecca", "Sarah", "Emma", "Laura", "Claire", "Karen", "Susan", "Margaret", "Patricia",
    "Janet", "Helen", "Priya", "Aisha", "Fatima", "Amira", "Małgorzata", "Agnieszka",
    "Joanna", "Bethany", "Kelly", "Nicola", "Dawn", "Tracey", "Ellie", "Freya", "Maisie",
    "Rosie", "Yasmin", "Nia", "Ffion", "Catrin",
)  # fmt: skip
MALE_NAMES: Final = (
    "Oliver", "George", "Harry", "Jack", "Noah", "Leo", "Oscar", "Charlie", "Thomas", "James",
    "William", "Daniel", "Matthew", "David", "Michael", "Paul", "Mark", "Andrew", "Richard",
    "Stephen", "Peter", "Gareth", "Rhys", "Dafydd", "Seán", "Ciarán", "Eóin", "José",
    "Mohammed", "Ahmed", "Imran", "Arjun", "Rahul", "Tomasz", "Piotr", "Kwame", "Chinedu",
    "Liam", "Connor", "Kieran", "Lee", "Craig", "Darren", "Wayne", "Graham", "Keith", "Colin",
    "Barry", "Nigel", "Raj",
)  # fmt: skip
SURNAMES: Final = (
    "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas",
    "Johnson", "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards",
    "Hughes", "Green", "Hall", "Lewis", "Harris", "Clarke", "Patel", "Jackson", "Wood",
    "Turner", "Martin", "Cooper", "Hill", "Ward", "Morris", "Moore", "Clark", "King", "Baker",
    "Harrison", "Morgan", "Allen", "Scott", "Phillips", "Watson", "Parker", "Price", "Bennett",
    "Young", "Griffiths", "Mitchell", "Kelly", "Cook", "Carter", "Bailey", "Collins", "Bell",
    "Shaw", "Murphy", "Cox", "Khan", "Marshall", "Simpson", "Ellis", "Singh", "Begum",
    "Hussain", "Ahmed", "Kowalski", "Nowak", "Okafor", "Mensah", "O'Brien", "O'Neill",
    "O'Connor", "D'Souza", "D'Arcy", "Müller", "Núñez", "Fernández", "Brontë", "Łukasik",
    "Ó Briain",
)  # fmt: skip
FEMALE_TITLES: Final = (("Mrs", 0.4), ("Ms", 0.3), ("Miss", 0.2), ("Dr", 0.04), (None, 0.06))
MALE_TITLES: Final = (("Mr", 0.88), ("Dr", 0.04), ("Mx", 0.02), (None, 0.06))
STREETS: Final = (
    "High Street", "Church Road", "Station Road", "Mill Lane", "Victoria Road", "Park Avenue",
    "London Road", "Worcester Road", "Bromsgrove Road", "Green Lane", "Orchard Way",
    "The Crescent", "Severn Terrace", "Malvern View", "Elgar Drive", "Foregate Street",
    "Bath Road", "St John's Road", "Queen's Drive", "Kingfisher Close",
)  # fmt: skip
TOWNS: Final = (
    ("Worcester", "WR1"), ("Worcester", "WR2"), ("Worcester", "WR3"), ("Worcester", "WR4"),
    ("Worcester", "WR5"), ("Malvern", "WR14"), ("Evesham", "WR11"), ("Pershore", "WR10"),
    ("Droitwich Spa", "WR9"), ("Upton-upon-Severn", "WR8"), ("Tenbury Wells", "WR15"),
    ("Redditch", "B97"), ("Redditch", "B98"), ("Bromsgrove", "B60"), ("Bromsgrove", "B61"),
    ("Kidderminster", "DY10"), ("Kidderminster", "DY11"), ("Stourport-on-Severn", "DY13"),
    ("Bewdley", "DY12"),
)  # fmt: skip
POSTCODE_LETTERS: Final = "ABDEFGHJLNPQRSTUWXYZ"

COMPLAINT_SUMMARIES: Final = {
    Procedure.CHILDREN: (
        "Parent unhappy with the outcome of the child and family assessment",
        "Concerns about contact arrangements with the children",
        "Social worker changed several times without notice",
        "Delay in arranging a child protection conference",
        "Disagreement with information recorded on the child's file",
        "Care leaver says promised help with accommodation was not given",
        "Foster carer unhappy with support from the fostering team",
        "Family feels their views were left out of the court report",
        "Short breaks package reduced without explanation",
        "Calls to the Family Front Door were not returned",
    ),
    Procedure.ADULT: (
        "Home care visits were late or missed",
        "Delay in completing a care needs assessment",
        "Disagreement with the financial assessment and care charges",
        "Direct payment not set up despite meeting the conditions",
        "Concerns about the standard of care at a residential home",
        "Poor communication during hospital discharge",
        "Social worker did not return calls",
        "Respite placement cancelled at short notice",
        "Care and support plan does not reflect needs",
        "Invoice received for care that was not provided",
    ),
    Procedure.CORPORATE: (
        "Pothole reported several times but not repaired",
        "School transport did not arrive on time",
        "Delay in the EHCP annual review",
        "Street lights not working for several weeks",
        "Roadworks causing long delays with no notice",
        "Freedom of Information request answered late",
        "Blue badge application delayed",
        "Problems booking a household recycling centre visit",
        "Flooding from a blocked highway drain",
        "Grass verges not cut this summer",
        "Registrar appointment cancelled at short notice",
        "Member of staff was rude on the phone",
        "Footpath closed without diversion signs",
        "Gritting route does not cover the street",
    ),
}
COMPLIMENT_SUMMARIES: Final = {
    Procedure.CHILDREN: (
        "Thank you for the support given to our family",
        "Our social worker went above and beyond",
        "The foster care team made a real difference",
        "Thanks to the care leaver adviser for help finding a flat",
        "The review chair listened to our son",
    ),
    Procedure.ADULT: (
        "The carers were kind and respectful",
        "Excellent care from the reablement team",
        "Thank you for arranging Mum's care so quickly",
        "The day centre staff are wonderful",
        "Thanks to the social worker for keeping us informed",
    ),
    Procedure.CORPORATE: (
        "Pothole repaired quickly after reporting",
        "Very helpful and patient call handler",
        "The registrar made our wedding day special",
        "Fantastic work by the highways crew",
        "Thanks for sorting out the school bus so quickly",
        "The country park rangers were very helpful",
    ),
}
COMMENT_SUMMARIES: Final = (
    "Suggestion to add a crossing near the school",
    "Comment on the consultation about library opening hours",
    "Feedback on the new online form",
    "Suggestion to extend recycling centre opening hours",
    "Comment on the proposed bus route changes",
    "Views on 20 mph limits in villages",
    "Comment about the council tax leaflet",
    "Suggestion for more benches in the country park",
    "Comment on Covid-19 guidance for care homes",
    "Feedback about the waiting area at the hub",
)
COMMENT_REPLIES: Final = (
    "Thank you for your comment. It has been passed to the service manager, who will "
    "consider it when the service is next reviewed.",
    "Thank you for your suggestion. The team has looked into it and will include it in "
    "the next round of improvements.",
    "Thank you for taking the time to comment. Your views have been shared with the project team.",
    "Thank you. The directorate has explained the reasons for the current arrangements.",
)
DESIRED_OUTCOMES: Final = (
    "An apology",
    "A review of the decision",
    "An explanation of what went wrong",
    "The work to be carried out",
    "Reimbursement of costs",
    "Better communication in future",
    "A change of social worker",
    "The assessment to be done again",
    "Staff to be trained",
    "A meeting with the manager",
)
POINT_PHRASES: Final = (
    "not kept informed of progress",
    "the decision was not explained",
    "the reply was late",
    "staff were dismissive",
    "information recorded is wrong",
    "promised action did not happen",
    "the service was not provided as agreed",
)
ACTIONS: Final = {
    Procedure.CHILDREN: (
        "Add a reflective learning section to the supervision recording template",
        "Share the complaint outcome with the team and group manager",
        "Use the case as a learning scenario in team meetings",
        "Confirm any change of social worker to the family in writing",
        "Review the guidance on contact arrangements",
    ),
    Procedure.ADULT: (
        "Address the issues with front-line staff in supervision",
        "Agree a communication strategy with the provider",
        "Train staff who monitor alerts to act on them straight away",
        "Review the information pack left with people",
        "Share the learning with the acute hospitals trust",
    ),
    Procedure.CORPORATE: (
        "Staff to join meetings 10 minutes early and confirm the format the day before",
        "Ask for missing information straight away when a preference cannot meet need",
        "Make letters to service users explanatory and complete",
        "Remind staff to answer enquiries within 5 working days",
        "Build a tracker to monitor annual reviews",
        "Review the inspection schedule for the route",
    ),
}
ASSISTANT_DIRECTORS: Final = {
    Procedure.CHILDREN: "Assistant Director for Safeguarding",
    Procedure.ADULT: "Assistant Director for Adult Social Care",
    Procedure.CORPORATE: "Assistant Director for Highways and Transport",
}
REMEDIES: Final = (
    "Apologise to the complainant in writing",
    "Review the procedure and tell the Ombudsman what has changed",
    "Remind staff of the relevant guidance and send evidence",
    "Complete the outstanding assessment",
    "Identify and review other cases affected in the same way",
)
PAYMENTS_POUNDS: Final = (100, 150, 200, 250, 300, 350, 500, 750, 1000, 1500, 2000, 3000)
PAYMENT_WEIGHTS: Final = (8, 6, 10, 8, 10, 5, 12, 6, 8, 4, 3, 2)
SUSPENSION_NOTES: Final = {
    SuspensionReason.AWAITING_INFORMATION: "Waiting for the complainant to send documents",
    SuspensionReason.COURT_PROCEEDINGS: "Care proceedings under way",
    SuspensionReason.ADVOCATE_APPOINTMENT: "Advocate being appointed for the young person",
    SuspensionReason.OTHER: "Complainant in hospital",
}
EXTENSION_REASONS: Final = (
    "Interviews with staff who were on leave",
    "Complex case: several teams involved",
    "Waiting for records from a partner agency",
    "Complainant asked for a meeting first",
)
DEMO_USERS: Final = (
    ("manager", "Morag Ellison", UserRole.MANAGER),
    ("officer1", "Priya Raman", UserRole.OFFICER),
    ("officer2", "Tom Hadley", UserRole.OFFICER),
    ("officer3", "Grace Okonjo", UserRole.OFFICER),
    ("officer4", "Dafydd Rees", UserRole.OFFICER),
)
# The officer who mostly handles each procedure (index into the four officers).
PROCEDURE_OFFICER: Final = {Procedure.CHILDREN: 0, Procedure.ADULT: 1, Procedure.CORPORATE: 2}
POOL_EMPLOYEES: Final = 12
POOL_EXTERNALS: Final = 23
STAFF_POOL: Final = 60
PERSISTENT: Final = 3  # complainants with many complaints; the first is flagged vexatious


@dataclass(frozen=True)
class DemoSummary:
    """What :func:`generate_demo` created."""

    cases: int
    by_kind: dict[str, int]
    by_procedure: dict[str, int]
    open_cases: int
    stages: int
    stages_by_code: dict[str, int]  # "children 1", "adult low", "corporate lgsco", ...
    open_stages: int
    suspended_stages: int
    overdue_stages: int
    points: int
    lgsco_escalations: int
    people: int
    assignments: int
    action_items: int
    users_created: int
    first_received: dt.date
    last_received: dt.date
    rows: int


def generate_demo(
    database: Database,
    cases: int,
    seed: int,
    end: dt.date,
    progress: Progress | None = None,
) -> DemoSummary:
    """Add ``cases`` made-up representations received up to ``end`` (see module doc).

    Runs in one write transaction: all of it is saved or none. Existing cases are left
    alone; references continue after the numbers already used. ``progress(done, total)``
    is called as rows are written, in cases.
    """
    if cases < 1:
        raise ValidationError("Ask for at least one demo case.", "cases")
    if not 2006 <= end.year <= 2044:
        raise ValidationError(
            "The demo data must end between 2006 and 2044 (the working-day calendar "
            "covers 2000 to 2045).",
            "end",
        )

    def work(session: Session) -> DemoSummary:
        # Written in bulk with one event for the batch (on PostgreSQL, honoured for the
        # database owner's login only: anyone else's rows are each recorded).
        with rows_not_audited(session):
            return _Generator(session, cases, seed, end, progress).run()

    return database.write(work, actor=DEMO_ACTOR)


# --------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------


def _day(d: dt.date) -> int:
    return d.toordinal() - _EPOCH_ORDINAL


def _date(day: int) -> dt.date:
    return dt.date.fromordinal(day + _EPOCH_ORDINAL)


def _dates(days: I64) -> list[Any]:
    """Python dates (None where NONE) for row dicts."""
    out = days.astype(np.int64, copy=True)
    out[days == NONE] = _NAT
    result: list[Any] = out.view("datetime64[D]").tolist()
    return result


def _stamps(days: I64, seconds: I64) -> list[Any]:
    """Naive datetimes: ``days`` plus ``seconds`` into the day."""
    total = days.astype(np.int64) * 86400 + seconds
    result: list[Any] = total.view("datetime64[s]").tolist()
    return result


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z]", "", folded.lower())


def _weights(names: Sequence[str], known: dict[str, int], default: float = 1.0) -> F64:
    values = np.array([float(known.get(name, default)) for name in names], dtype=np.float64)
    if values.sum() <= 0:
        values = np.ones(len(names), dtype=np.float64)
    result: F64 = values / values.sum()
    return result


def _year(days: I64) -> I64:
    result: I64 = days.view("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    return result


def _add_months(days: I64, months: int) -> I64:
    """:func:`~crm_desktop.domain.calendar.add_calendar_months`, vectorised."""
    d = days.view("datetime64[D]")
    month = d.astype("datetime64[M]")
    day_of_month = (d - month.astype("datetime64[D]")).astype(np.int64)
    target = month + np.timedelta64(months, "M")
    length = (
        (target + np.timedelta64(1, "M")).astype("datetime64[D]") - target.astype("datetime64[D]")
    ).astype(np.int64)
    result: I64 = target.astype("datetime64[D]").view(np.int64) + np.minimum(
        day_of_month, length - 1
    )
    return result


@dataclass
class _Area:
    id: int
    procedure: Procedure
    directorate_id: int | None
    name: str
    for_complaints: bool
    for_compliments: bool


@dataclass
class _Option:
    """Where a case is recorded: service area, team, directorate."""

    area_id: int | None
    team_id: int | None
    directorate_id: int | None
    name: str


@dataclass
class _Table:
    """Rows of one table as columns: equal-length lists, or one value for every row."""

    table: sa.Table
    n: int
    columns: dict[str, Any] = field(default_factory=dict)

    def rows(self, lo: int, hi: int) -> list[dict[str, Any]]:
        keys = list(self.columns)
        cols: list[Sequence[Any]] = []
        for key in keys:
            value = self.columns[key]
            if isinstance(value, list):
                cols.append(value[lo:hi])
            else:
                cols.append([value] * (hi - lo))
        return [dict(zip(keys, values, strict=True)) for values in zip(*cols, strict=True)]


@dataclass
class _Level:
    """One stage of many cases: the arrays a stage row is built from."""

    case: I64
    seq: I64
    code: I64  # index into STAGE_CODES
    prev: I64  # global position of the previous stage, or NONE
    requested: I64
    started: I64
    timescale: I64
    due: I64
    closed: I64
    status: I64
    outcome: I64
    ext: I64
    susp_days: I64
    susp_start: I64
    susp_end: I64  # NONE while the suspension is open
    has_susp: Bools
    ext_first: I64  # an extension of ext days may be recorded as two
    acked: I64
    ack_due: I64
    statement: I64
    outer: I64
    panel_on: I64
    panel_report_on: I64
    council_on: I64

    @staticmethod
    def empty(case: I64, seq: int, code: I64, prev: I64) -> _Level:
        n = len(case)

        def none() -> I64:
            return np.full(n, NONE, dtype=np.int64)

        def zero() -> I64:
            return np.zeros(n, dtype=np.int64)

        return _Level(
            case=case,
            seq=np.full(n, seq, dtype=np.int64),
            code=code,
            prev=prev,
            requested=none(),
            started=none(),
            timescale=none(),
            due=none(),
            closed=none(),
            status=np.full(n, STATUS_OPEN, dtype=np.int64),
            outcome=none(),
            ext=zero(),
            susp_days=zero(),
            susp_start=none(),
            susp_end=none(),
            has_susp=np.zeros(n, dtype=np.bool_),
            ext_first=zero(),
            acked=none(),
            ack_due=none(),
            statement=none(),
            outer=none(),
            panel_on=none(),
            panel_report_on=none(),
            council_on=none(),
        )


@dataclass
class _Investigator:
    local: int  # index into the person rows
    employee: bool
    home_area_id: int | None
    left_recently: bool
    elected: bool
    partner: bool
    available: bool
    hourly_pence: int | None


# --------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------


class _Generator:
    def __init__(
        self,
        session: Session,
        cases: int,
        seed: int,
        end: dt.date,
        progress: Progress | None,
    ) -> None:
        self.session = session
        self.n = cases
        self.seed = seed
        self.end_date = end
        self.end = _day(end)
        fy_start = end.year if end.month >= 4 else end.year - 1
        self.start = _day(dt.date(fy_start - (YEARS - 1), 4, 1))
        self.progress = progress
        self.rng = np.random.default_rng(seed)
        self.py = random.Random(seed)
        self.is_postgres = session.get_bind().dialect.name == "postgresql"
        closures = session.execute(sa.select(ClosureDay.day, ClosureDay.name)).all()
        self.cal: WorkingCalendar = england_and_wales_calendar(
            tuple(sorted((row[0], row[1]) for row in closures))
        )
        self.tables: list[_Table] = []

    # ------------------------------------------------------------------ calendar helpers

    def _add(self, start: I64, n: I64 | int) -> I64:
        """The n-th working day after each start (all starts must be dates)."""
        if start.size == 0:
            return start.astype(np.int64, copy=True)
        result: I64 = self.cal.add_working_days_array(start.view("datetime64[D]"), n).view(np.int64)
        return result

    def _add_where(self, mask: Bools, start: I64, n: I64 | int) -> I64:
        out = np.full(start.shape, NONE, dtype=np.int64)
        if mask.any():
            count = n[mask] if isinstance(n, np.ndarray) else n
            out[mask] = self._add(start[mask], count)
        return out

    def _between(self, a: I64, b: I64) -> I64:
        if a.size == 0:
            return np.zeros(0, dtype=np.int64)
        result: I64 = self.cal.working_days_between_array(
            a.view("datetime64[D]"), b.view("datetime64[D]")
        )
        return result

    def _choice(self, n: int, weights: Sequence[float] | F64) -> I64:
        p = np.asarray(weights, dtype=np.float64)
        p = p / p.sum()
        result: I64 = self.rng.choice(len(p), size=n, p=p).astype(np.int64)
        return result

    def _bucketed(self, n: int, buckets: Sequence[Bucket], scale: float) -> I64:
        which = self._choice(n, [b[0] for b in buckets])
        out = np.zeros(n, dtype=np.int64)
        for k, (_, lo, hi, a, b) in enumerate(buckets):
            mask = which == k
            count = int(mask.sum())
            if not count:
                continue
            low = max(1, round(lo * scale))
            high = max(low, round(hi * scale))
            span = high - low + 1
            drawn = (self.rng.beta(a, b, count) * span).astype(np.int64)
            out[mask] = low + np.minimum(drawn, span - 1)
        return out

    def _cover(self, values: I64, categories: int, eligible: Bools) -> None:
        """Make every category appear at least once among ``eligible`` (in place).

        A demo should show every row of every report table; with few cases the rarest
        categories might otherwise never be drawn.
        """
        positions = np.flatnonzero(eligible)
        if len(positions) < categories * 2:
            return
        counts = np.bincount(values[positions], minlength=categories)
        missing = [c for c in range(categories) if counts[c] == 0]
        if not missing:
            return
        order = self.rng.permutation(positions)
        cursor = 0
        for category in missing:
            while cursor < len(order) and counts[values[order[cursor]]] <= 1:
                cursor += 1
            if cursor == len(order):
                return
            position = int(order[cursor])
            counts[values[position]] -= 1
            values[position] = category
            counts[category] += 1
            cursor += 1

    def _seconds(self, n: int, lo_hour: int = 8, hi_hour: int = 17) -> I64:
        result: I64 = self.rng.integers(lo_hour * 3600, hi_hour * 3600, n).astype(np.int64)
        return result

    # ------------------------------------------------------------------ the run

    def run(self) -> DemoSummary:
        self._load_reference_data()
        self._make_cases()
        self._make_first_stages()
        self._make_later_stages()
        self._make_lgsco_stages()
        self._finish_stages()
        self._make_points()
        self._make_people()
        self._make_assignments()
        self._make_lgsco_details()
        self._make_action_items()
        self._reserve_ids()
        self._build_tables()
        rows = self._insert()
        self._update_counters()
        self._record_audit_event(rows)
        return self._summary(rows)

    # ------------------------------------------------------------------ reference data

    def _load_reference_data(self) -> None:
        s = self.session
        self.areas = [
            _Area(r.id, r.procedure, r.directorate_id, r.name, r.for_complaints, r.for_compliments)
            for r in s.scalars(
                sa.select(ServiceArea).where(ServiceArea.active).order_by(ServiceArea.id)
            )
        ]
        self.area_by_id = {a.id: a for a in self.areas}
        self.teams = [
            (t.id, t.service_area_id, t.name)
            for t in s.scalars(
                sa.select(Team)
                .where(Team.active, Team.procedure == Procedure.CHILDREN)
                .order_by(Team.id)
            )
        ]
        self.natures: dict[Procedure, list[tuple[int, str]]] = {p: [] for p in PROCEDURES}
        for nature in s.scalars(sa.select(Nature).where(Nature.active).order_by(Nature.id)):
            self.natures[nature.procedure].append((nature.id, nature.name))
        self.categories = [
            (c.id, c.name)
            for c in s.scalars(
                sa.select(ServiceCategory)
                .where(ServiceCategory.active, ServiceCategory.procedure == Procedure.ADULT)
                .order_by(ServiceCategory.id)
            )
        ]
        self.directorates = [
            (d.id, d.name, d.short_name)
            for d in s.scalars(
                sa.select(Directorate).where(Directorate.active).order_by(Directorate.id)
            )
        ]
        self.timescales: dict[tuple[Procedure, StageCode, TimescaleRule], int] = {}
        for t in s.scalars(sa.select(StageTimescale).order_by(StageTimescale.id)):
            self.timescales[(t.procedure, t.stage, t.rule)] = t.value
        self.existing_users = {
            row[0]: row[1] for row in s.execute(sa.select(User.username, User.id)).all()
        }

    def _timescale(self, procedure: Procedure, stage: StageCode) -> int:
        duration = self.timescales.get((procedure, stage, TimescaleRule.DURATION))
        if duration is not None:
            return duration
        if procedure is Procedure.CHILDREN and stage is StageCode.STAGE_3:
            rules = (
                TimescaleRule.PANEL_MEETING,
                TimescaleRule.PANEL_REPORT,
                TimescaleRule.COUNCIL_RESPONSE,
            )
            parts = [self.timescales.get((procedure, stage, rule)) for rule in rules]
            if all(p is not None for p in parts):
                return sum(p for p in parts if p is not None)
        return DEFAULT_TIMESCALE[(procedure, stage)]

    def _extension_cap(self, procedure: Procedure, stage: StageCode, timescale: int) -> int:
        limit = self.timescales.get((procedure, stage, TimescaleRule.EXTENSION_LIMIT))
        if limit is not None:
            return max(0, limit - timescale)
        return ADULT_EXTENSION_CAP if procedure is Procedure.ADULT else 0

    def _acknowledge_days(self, procedure: Procedure, stage: StageCode) -> int:
        return self.timescales.get((procedure, stage, TimescaleRule.ACKNOWLEDGE), 3)

    def _window(self, procedure: Procedure, stage: StageCode) -> int:
        return self.timescales.get((procedure, stage, TimescaleRule.NEXT_STAGE_WINDOW), 20)

    # ------------------------------------------------------------------ cases

    def _options(self, procedure: Procedure, kind: Kind) -> tuple[list[_Option], F64]:
        """Where cases of this procedure and kind are recorded, and how often."""
        directorate_by_name = {d[1]: d[0] for d in self.directorates}
        own_directorate = directorate_by_name.get(PROCEDURE_DIRECTORATE.get(procedure, ""))
        areas = [a for a in self.areas if a.procedure is procedure]
        options: list[_Option] = []
        if procedure is Procedure.CHILDREN and kind is not Kind.COMPLIMENT and self.teams:
            options = [_Option(t[1], t[0], own_directorate, t[2]) for t in self.teams]
            return options, _weights([o.name for o in options], CHILDREN_TEAM_WEIGHTS)
        if kind is Kind.COMPLIMENT:
            chosen = [a for a in areas if a.for_compliments] or areas
            known = {
                Procedure.CHILDREN: CHILDREN_COMPLIMENT_WEIGHTS,
                Procedure.ADULT: ADULT_COMPLIMENT_WEIGHTS,
                Procedure.CORPORATE: CORPORATE_COMPLIMENT_WEIGHTS,
            }[procedure]
        else:
            chosen = [a for a in areas if a.for_complaints] or areas
            known = ADULT_AREA_WEIGHTS if procedure is Procedure.ADULT else CORPORATE_AREA_WEIGHTS
        team_by_area = {t[1]: t[0] for t in self.teams}
        for a in chosen:
            directorate = a.directorate_id if a.directorate_id is not None else own_directorate
            options.append(_Option(a.id, team_by_area.get(a.id), directorate, a.name))
        if not options:
            options = [_Option(None, None, own_directorate, "")]
        default = 2.0 if kind is Kind.COMPLIMENT else 1.0
        return options, _weights([o.name for o in options], known, default)

    def _make_cases(self) -> None:
        n, rng = self.n, self.rng
        days = np.arange(self.start, self.end + 1, dtype=np.int64)
        weekday = (days + 3) % 7  # 1 January 1970 was a Thursday
        working = self._between(days - 1, days) == 1
        weight = np.where(weekday < 5, 1.0, np.where(weekday == 5, 0.18, 0.1))
        weight = np.where((weekday < 5) & ~working, 0.15, weight)
        month = days.view("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12
        weight = weight * np.asarray(MONTH_WEIGHTS)[month]
        weight = weight * (1.0 + 0.12 * (days - self.start) / 365.25)  # volumes rise
        received = np.sort(rng.choice(days, size=n, p=weight / weight.sum())).astype(np.int64)
        self.received = received

        kind = self._choice(n, KIND_WEIGHTS)
        self._cover(kind, len(KINDS), np.ones(n, dtype=np.bool_))
        procedure = np.zeros(n, dtype=np.int64)
        for k, kind_value in enumerate(KINDS):
            mask = kind == k
            procedure[mask] = self._choice(int(mask.sum()), PROCEDURE_WEIGHTS[kind_value])
        for k in range(len(KINDS)):
            self._cover(procedure, len(PROCEDURES), kind == k)
        self.kind = kind
        self.procedure = procedure
        self.complaint = kind == 0

        channel = np.zeros(n, dtype=np.int64)
        for k, kind_value in enumerate(KINDS):
            mask = kind == k
            channel[mask] = self._choice(int(mask.sum()), CHANNEL_WEIGHTS[kind_value])
        self.channel = channel

        # Where each case is recorded.
        self.area_id: list[int | None] = [None] * n
        self.team_id: list[int | None] = [None] * n
        self.directorate_id: list[int | None] = [None] * n
        self.area_name: list[str] = [""] * n
        for k, kind_value in enumerate(KINDS):
            for p, procedure_value in enumerate(PROCEDURES):
                idx = np.flatnonzero((kind == k) & (procedure == p))
                if not len(idx):
                    continue
                options, weights = self._options(procedure_value, kind_value)
                picks = self._choice(len(idx), weights)
                if kind_value is Kind.COMMENT:
                    self._comment_directorates(idx, procedure_value, options, picks)
                    continue
                for i, pick in zip(idx.tolist(), picks.tolist(), strict=True):
                    option = options[pick]
                    self.area_id[i] = option.area_id
                    self.team_id[i] = option.team_id
                    self.directorate_id[i] = option.directorate_id
                    self.area_name[i] = option.name

        # Owners: each procedure has a lead officer; the others help out.
        self.users = self._users()
        officers = self.users[1:]
        lead = np.asarray([PROCEDURE_OFFICER[p] for p in PROCEDURES])[procedure]
        other = rng.integers(0, len(officers), n)
        corporate = procedure == 2
        lead = np.where(corporate, 2 + rng.integers(0, 2, n), lead)
        owner = np.where(rng.random(n) < 0.7, lead, other)
        self.owner = owner  # index into officers
        self.owner_id = [officers[i][0] for i in owner.tolist()]
        self.owner_name = [officers[i][1] for i in owner.tolist()]

        # When the events happened (complaints over 12 months later are flagged).
        back = np.minimum(rng.exponential(40.0, n).astype(np.int64), 330)
        late = self.complaint & (rng.random(n) < 0.015)
        back = np.where(late, rng.integers(370, 700, n), back)
        back = np.where(kind == 1, rng.integers(0, 30, n), back)
        self.events_on = np.where(kind == 2, NONE, received - back)
        self.late_complaint = late

        # Summaries.
        self.summary: list[str] = []
        self.desired: list[str | None] = []
        picks_a = rng.integers(0, 1000, n).tolist()
        picks_b = rng.integers(0, 1000, n).tolist()
        for i in range(n):
            procedure_value = PROCEDURES[int(procedure[i])]
            kind_index = int(kind[i])
            if kind_index == 0:
                texts = COMPLAINT_SUMMARIES[procedure_value]
                self.summary.append(texts[picks_a[i] % len(texts)])
                self.desired.append(DESIRED_OUTCOMES[picks_b[i] % len(DESIRED_OUTCOMES)])
            elif kind_index == 1:
                texts = COMPLIMENT_SUMMARIES[procedure_value]
                self.summary.append(texts[picks_a[i] % len(texts)])
                self.desired.append(None)
            else:
                self.summary.append(COMMENT_SUMMARIES[picks_a[i] % len(COMMENT_SUMMARIES)])
                self.desired.append(None)

        # Compliments are acknowledged and passed on within days; comments are closed
        # when the directorate's reply arrives (most get one).
        self.case_closed = np.full(n, NONE, dtype=np.int64)
        self.reply_on = np.full(n, NONE, dtype=np.int64)
        compliment = kind == 1
        passed_on = self._add(received, (rng.beta(1.2, 1.5, n) * 40).astype(np.int64))
        self.case_closed = np.where(compliment & (passed_on <= self.end), passed_on, NONE)
        comment = kind == 2
        reply = self._add(received, rng.integers(5, 56, n))
        gets_reply = rng.random(n) < 0.88
        replied = comment & gets_reply & (reply <= self.end)
        self.reply_on = np.where(replied, reply, NONE)
        # The rest need no reply: closed once passed on (20 working days).
        passed = self._add(received, 20)
        unanswered = comment & ~gets_reply & (passed <= self.end)
        self.case_closed = np.where(replied, reply, self.case_closed)
        self.case_closed = np.where(unanswered, passed, self.case_closed)
        self.reply_pick = rng.integers(0, len(COMMENT_REPLIES), n)

    def _comment_directorates(
        self, idx: I64, procedure: Procedure, options: list[_Option], picks: I64
    ) -> None:
        """Comments are passed to a directorate; half name a service area too."""
        names = [d[1] for d in self.directorates]
        if procedure is Procedure.CORPORATE and names:
            directorate_picks = self._choice(
                len(idx), _weights(names, COMMENT_DIRECTORATE_WEIGHTS)
            ).tolist()
        else:
            directorate_picks = [-1] * len(idx)
        with_area = (self.rng.random(len(idx)) < 0.5).tolist()
        for j, i in enumerate(idx.tolist()):
            option = options[int(picks[j])]
            if directorate_picks[j] >= 0:
                directorate_id = self.directorates[directorate_picks[j]][0]
                area = next(
                    (
                        o
                        for o in options
                        if o.directorate_id == directorate_id and o.area_id is not None
                    ),
                    None,
                )
                option = area or _Option(None, None, directorate_id, "")
            self.directorate_id[i] = option.directorate_id
            if with_area[j]:
                self.area_id[i] = option.area_id
                self.team_id[i] = option.team_id
                self.area_name[i] = option.name

    def _users(self) -> list[tuple[int, str]]:
        """The demo users (created unless they exist), as (id, username): manager first."""
        missing = sum(1 for user in DEMO_USERS if user[0] not in self.existing_users)
        max_id = self._reserve(_t(User), missing) if missing else 0
        self.new_users: list[dict[str, Any]] = []
        result: list[tuple[int, str]] = []
        stamp = dt.datetime.combine(_date(self.start), dt.time(9, 0))
        for username, display_name, role in DEMO_USERS:
            user_id = self.existing_users.get(username)
            if user_id is None:
                max_id += 1
                user_id = max_id
                self.new_users.append(
                    {
                        "id": user_id,
                        "username": username,
                        "display_name": display_name,
                        "email": f"{username}@council.example",
                        "role": role.value,
                        "password_hash": None,
                        "windows_account": None,
                        "person_id": None,
                        "service_area_id": None,
                        "active": True,
                        "failed_sign_ins": 0,
                        "locked_until": None,
                        "last_sign_in_at": None,
                        "created_at": stamp,
                        "version": 1,
                        "updated_at": stamp,
                        "updated_by": "demo",
                    }
                )
            result.append((user_id, username))
        return result

    # ------------------------------------------------------------------ stage clocks

    def _clock(
        self,
        level: _Level,
        keys: list[tuple[Procedure, StageCode]],
        spec: I64,
        used_days: I64 | None = None,
    ) -> None:
        """Run the clocks of the started stages of ``level``.

        ``spec`` indexes ``keys`` per entry (NONE: the clock has not started). Draws how
        many working days each response took (unless ``used_days`` says), extensions
        and suspensions, then decides which stages are still open on the end date.
        """
        n = len(level.case)
        rng, end = self.rng, self.end
        started = level.started
        run = spec != NONE
        used = np.zeros(n, dtype=np.int64)
        timescale = np.zeros(n, dtype=np.int64)
        cap = np.zeros(n, dtype=np.int64)
        step = np.ones(n, dtype=np.int64)
        p_ext = np.zeros(n)
        p_susp = np.zeros(n)
        stuck_suspended = np.zeros(n)
        for k, key in enumerate(keys):
            mask = spec == k
            count = int(mask.sum())
            if not count:
                continue
            t = self._timescale(*key)
            timescale[mask] = t
            cap[mask] = self._extension_cap(key[0], key[1], t)
            step[mask] = 10 if key[0] is Procedure.ADULT or key[1] is StageCode.STAGE_1 else 5
            p_ext[mask] = 0.6 if key[0] is Procedure.ADULT else 0.92
            p_susp[mask] = SUSPENSION_CHANCE.get(key, 0.0)
            stuck_suspended[mask] = STUCK_SUSPENDED[key[0]]
            if key in RESPONSE_BUCKETS:
                scale = t / DEFAULT_TIMESCALE[key]
                used[mask] = self._bucketed(count, RESPONSE_BUCKETS[key], scale)
        if used_days is not None:
            used = used_days
        level.timescale = np.where(run, timescale, NONE)

        over = used - timescale
        wanted = np.ceil(np.maximum(over, 0) / step).astype(np.int64) * step
        ext = np.where((over > 0) & (cap > 0) & (rng.random(n) < p_ext), np.minimum(wanted, cap), 0)
        has_susp = run & (used >= 3) & (rng.random(n) < p_susp)
        susp_len = np.where(has_susp, rng.integers(3, 26, n), 0)
        offset = 1 + (rng.random(n) * np.maximum(used - 2, 1)).astype(np.int64)
        natural_close = self._add_where(run, started, used + susp_len)
        due = self._add_where(run, started, timescale + ext + susp_len)

        is_open = run & (natural_close > end)
        recent = run & (started >= end - RECENT_DAYS)
        u = rng.random(n)
        hold = recent & ~is_open & (u < np.where(due > end, HOLD_IN_TIME, HOLD_OVERDUE))
        stuck = run & ~recent & (started >= end - 365) & ~is_open & (u < STUCK)
        is_open |= hold | stuck

        susp_start = self._add_where(has_susp, started, offset)
        susp_end = self._add_where(has_susp, susp_start, susp_len)
        gone = is_open & has_susp & (susp_start > end)
        has_susp &= ~gone
        susp_open = is_open & has_susp & (susp_end > end)
        elapsed = np.zeros(n, dtype=np.int64)
        if run.any():
            elapsed[run] = self._between(started[run], np.maximum(started[run], end))
        # Some open clocks are stopped (many of the long-running ones: court proceedings,
        # an advocate, information awaited), stopped while the stage was still in time.
        fresh_chance = np.where(stuck, stuck_suspended, OPEN_SUSPENDED)
        fresh = (
            is_open & ~has_susp & (elapsed >= 2) & (timescale >= 2) & (rng.random(n) < fresh_chance)
        )
        latest = np.maximum(np.minimum(elapsed, timescale) - 1, 1)
        fresh_offset = 1 + (rng.random(n) * latest).astype(np.int64)
        susp_start = np.where(fresh, self._add_where(fresh, started, fresh_offset), susp_start)
        has_susp |= fresh
        susp_open |= fresh
        susp_end = np.where(susp_open | ~has_susp, NONE, susp_end)
        susp_start = np.where(has_susp, susp_start, NONE)
        # Working days the clock has stopped, as the stage clock stores them: a finished
        # suspension in full; an open one not yet (the stored due date moves when the
        # clock resumes, see services.clock).
        counted = np.where(has_susp & ~susp_open, susp_len, 0)

        # Open stages: no extension yet, unless an overdue one has been given one.
        ext = np.where(is_open, 0, ext)
        due = self._add_where(run, started, timescale + ext + counted)
        late_open = is_open & ~susp_open & (due <= end) & (cap > 0) & (rng.random(n) < EXTEND_OPEN)
        needed = elapsed - (timescale + counted) + 1
        extra = np.minimum(np.ceil(np.maximum(needed, 1) / step).astype(np.int64) * step, cap)
        ext = np.where(late_open, extra, ext)
        due = self._add_where(run, started, timescale + ext + counted)

        level.ext = ext
        level.ext_first = np.where(
            (ext > 20) & (rng.random(n) < 0.5), (ext // 2 // step) * step, ext
        )
        level.ext_first = np.where(level.ext_first <= 0, ext, level.ext_first)
        level.susp_days = counted
        level.has_susp = has_susp
        level.susp_start = susp_start
        level.susp_end = susp_end
        level.due = np.where(run, due, NONE)
        level.closed = np.where(run & ~is_open, natural_close, NONE)
        level.status = np.where(
            run & ~is_open, STATUS_CLOSED, np.where(susp_open, STATUS_SUSPENDED, STATUS_OPEN)
        )

    def _acknowledge(self, level: _Level, days: I64) -> None:
        n = len(level.case)
        has = level.requested != NONE
        level.ack_due = self._add_where(has, level.requested, days)
        lag = self._choice(n, (0.15, 0.40, 0.22, 0.13, 0.04, 0.03, 0.02, 0.01))
        acked = self._add_where(has, level.requested, lag)
        acked = np.where((level.closed != NONE) & (acked > level.closed), level.closed, acked)
        level.acked = np.where(has & (acked <= self.end), acked, NONE)

    def _outcomes(self, level: _Level, keys: list[tuple[Procedure, StageCode]], spec: I64) -> None:
        closed = level.status == STATUS_CLOSED
        outcome = np.full(len(level.case), NONE, dtype=np.int64)
        for k, key in enumerate(keys):
            mask = closed & (spec == k)
            if mask.any():
                outcome[mask] = self._choice(int(mask.sum()), OUTCOME_WEIGHTS[key])
                filled = np.flatnonzero(mask)
                values = outcome[filled]
                weights = OUTCOME_WEIGHTS[key]
                possible = [c for c in range(len(OUTCOMES)) if weights[c] > 0]
                # Only categories that can occur here are forced in.
                self._cover_subset(values, possible)
                outcome[filled] = values
        level.outcome = outcome

    def _cover_subset(self, values: I64, possible: list[int]) -> None:
        if len(values) < len(possible) * 2:
            return
        mapping = {c: i for i, c in enumerate(possible)}
        local = np.asarray([mapping.get(int(v), 0) for v in values], dtype=np.int64)
        self._cover(local, len(possible), np.ones(len(local), dtype=np.bool_))
        values[:] = np.asarray(possible, dtype=np.int64)[local]

    def _add_level(self, level: _Level) -> None:
        offset = sum(len(lv.case) for lv in self.levels)
        self.levels.append(level)
        positions = offset + np.arange(len(level.case), dtype=np.int64)
        self.last_stage[level.case] = positions

    # ------------------------------------------------------------------ stages

    def _make_first_stages(self) -> None:
        self.levels: list[_Level] = []
        self.last_stage = np.full(self.n, NONE, dtype=np.int64)
        # Per level: when the next stage was asked for, and whether outside the window.
        self.next_requested: dict[int, I64] = {}
        self.next_override: dict[int, Bools] = {}
        cases = np.flatnonzero(self.complaint).astype(np.int64)
        m = len(cases)
        rng = self.rng
        procedure = self.procedure[cases]
        grade = self._choice(m, ADULT_GRADE_WEIGHTS)
        adult = procedure == 1
        self._cover(grade, len(ADULT_GRADES), adult)
        code = np.where(
            adult,
            np.asarray([STAGE_CODES.index(g) for g in ADULT_GRADES])[grade],
            STAGE_CODES.index(StageCode.STAGE_1),
        )
        level = _Level.empty(cases, 1, code, np.full(m, NONE, dtype=np.int64))
        received = self.received[cases]
        level.requested = received.copy()
        lag = self._choice(m, (0.72, 0.18, 0.06, 0.03, 0.01))
        started = self._add(received, lag)
        level.started = np.where(started > self.end, received, started)
        keys = [
            (Procedure.CHILDREN, StageCode.STAGE_1),
            (Procedure.ADULT, StageCode.LOW),
            (Procedure.ADULT, StageCode.MODERATE_HIGH),
            (Procedure.ADULT, StageCode.INFORMAL),
            (Procedure.CORPORATE, StageCode.STAGE_1),
        ]
        spec = np.where(procedure == 0, 0, np.where(procedure == 2, 4, 1 + grade))
        self._clock(level, keys, spec)
        ack = np.asarray([self._acknowledge_days(*key) for key in keys])[spec]
        self._acknowledge(level, ack)
        self._outcomes(level, keys, spec)
        level.outer = np.where(adult, _add_months(level.started, 6), NONE)
        self.regraded = adult & (grade == 1) & (rng.random(m) < 0.08)
        self._add_level(level)

    def _next_level(
        self,
        source: int,
        procedure: Procedure,
        from_stage: StageCode,
        to_stage: StageCode,
        seq: int,
    ) -> None:
        """Escalate some closed stages of level ``source`` to ``to_stage``."""
        prev = self.levels[source]
        rng, end = self.rng, self.end
        offset = sum(len(lv.case) for lv in self.levels[:source])
        from_code = STAGE_CODES.index(from_stage)
        candidates = (
            (self.procedure[prev.case] == PROCEDURES.index(procedure))
            & (prev.code == from_code)
            & (prev.status == STATUS_CLOSED)
            & (prev.outcome >= 0)
            & (prev.outcome < ESCALATABLE)
        )
        chance = NEXT_STAGE[(procedure, from_stage)]
        chosen = np.flatnonzero(candidates & (rng.random(len(prev.case)) < chance))
        window = self._window(procedure, from_stage)
        late = rng.random(len(chosen)) < 0.04
        lag = np.where(
            late,
            rng.integers(window + 1, window + 11, len(chosen)),
            1 + (rng.beta(1.2, 2.0, len(chosen)) * window).astype(np.int64),
        )
        requested = self._add(prev.closed[chosen], lag)
        keep = requested <= end
        chosen, requested, late = chosen[keep], requested[keep], late[keep]
        m = len(chosen)
        cases = prev.case[chosen]
        code = np.full(m, STAGE_CODES.index(to_stage), dtype=np.int64)
        level = _Level.empty(cases, seq, code, offset + chosen)
        level.requested = requested
        marks = self.next_requested.setdefault(source, np.full(len(prev.case), NONE, np.int64))
        marks[chosen] = requested
        flags = self.next_override.setdefault(source, np.zeros(len(prev.case), dtype=np.bool_))
        flags[chosen] = late

        key = (procedure, to_stage)
        spec = np.zeros(m, dtype=np.int64)
        if to_stage is StageCode.STAGE_2 and procedure is Procedure.CHILDREN:
            statement = self._add(requested, rng.integers(3, 16, m))
            agreed = statement <= end
            level.statement = np.where(agreed, statement, NONE)
            level.started = level.statement.copy()
            spec = np.where(agreed, 0, NONE)
            self._clock(level, [key], spec)
            # Not yet agreed: the clock has not started, so no due date.
            level.timescale = np.where(agreed, level.timescale, self._timescale(*key))
        elif to_stage is StageCode.STAGE_3:
            level.started = requested.copy()
            panel_rule = self.timescales.get((procedure, to_stage, TimescaleRule.PANEL_MEETING), 30)
            report_rule = self.timescales.get((procedure, to_stage, TimescaleRule.PANEL_REPORT), 5)
            response_rule = self.timescales.get(
                (procedure, to_stage, TimescaleRule.COUNCIL_RESPONSE), 15
            )
            panel = np.where(
                rng.random(m) < 0.88,
                rng.integers(max(1, panel_rule // 2), panel_rule + 1, m),
                rng.integers(panel_rule + 1, panel_rule + 16, m),
            )
            report = np.where(
                rng.random(m) < 0.9,
                rng.integers(2, report_rule + 1, m),
                rng.integers(report_rule + 1, report_rule + 4, m),
            )
            response = np.where(
                rng.random(m) < 0.88,
                rng.integers(5, response_rule + 1, m),
                rng.integers(response_rule + 1, response_rule + 11, m),
            )
            self._clock(level, [key], spec, panel + report + response)
            panel_on = self._add(level.started, panel)
            report_on = self._add(panel_on, report)
            council_on = self._add(report_on, response)
            level.panel_on = np.where(panel_on <= end, panel_on, NONE)
            level.panel_report_on = np.where(report_on <= end, report_on, NONE)
            level.council_on = np.where(level.status == STATUS_CLOSED, council_on, NONE)
        else:
            started = self._add(requested, rng.integers(0, 3, m))
            level.started = np.where(started > end, requested, started)
            self._clock(level, [key], spec)
        self._acknowledge(level, np.full(m, self._acknowledge_days(*key), dtype=np.int64))
        self._outcomes(level, [key], np.zeros(m, dtype=np.int64))
        self._add_level(level)

    def _make_later_stages(self) -> None:
        self._next_level(0, Procedure.CHILDREN, StageCode.STAGE_1, StageCode.STAGE_2, 2)
        children_2 = len(self.levels) - 1
        self._next_level(0, Procedure.CORPORATE, StageCode.STAGE_1, StageCode.STAGE_2, 2)
        self._next_level(children_2, Procedure.CHILDREN, StageCode.STAGE_2, StageCode.STAGE_3, 3)

    def _make_lgsco_stages(self) -> None:
        rng, end = self.rng, self.end
        all_levels = self._concat()
        last = self.last_stage
        has = last != NONE
        positions = last[has]
        cases = np.flatnonzero(has).astype(np.int64)
        code = all_levels["code"][positions]
        status = all_levels["status"][positions]
        outcome = all_levels["outcome"][positions]
        chance = np.zeros(len(cases))
        for (procedure, stage), p in TO_LGSCO.items():
            mask = (self.procedure[cases] == PROCEDURES.index(procedure)) & (
                code == STAGE_CODES.index(stage)
            )
            chance[mask] = p
        chosen = (
            (status == STATUS_CLOSED)
            & (outcome >= 0)
            & (outcome < ESCALATABLE)
            & (rng.random(len(cases)) < chance)
        )
        prev_closed = all_levels["closed"][positions]
        enquiry = self._add_where(chosen, prev_closed, rng.integers(15, 131, len(cases)))
        chosen &= enquiry <= end
        cases, positions, enquiry = cases[chosen], positions[chosen], enquiry[chosen]
        m = len(cases)
        seq = all_levels["seq"][positions] + 1
        level = _Level.empty(
            cases, 0, np.full(m, STAGE_CODES.index(StageCode.LGSCO), dtype=np.int64), positions
        )
        level.seq = seq
        level.requested = enquiry
        level.started = enquiry.copy()
        enquiry_days = np.asarray(
            [
                self.timescales.get(
                    (PROCEDURES[int(p)], StageCode.LGSCO, TimescaleRule.LGSCO_ENQUIRY_RESPONSE), 20
                )
                for p in self.procedure[cases]
            ],
            dtype=np.int64,
        )
        enquiry_due = self._add(enquiry, enquiry_days)
        responded = self._add(
            enquiry,
            np.where(rng.random(m) < 0.88, rng.integers(5, 21, m), rng.integers(21, 36, m)),
        )
        responded = np.where(responded <= end, responded, NONE)
        decision = self._choice(m, LGSCO_DECISION_WEIGHTS)
        initial = decision < 3  # closed after initial enquiries: quicker
        lag = np.where(initial, rng.integers(10, 61, m), rng.integers(60, 231, m))
        decided = self._add_where(responded != NONE, responded, lag)
        is_decided = (decided != NONE) & (decided <= end)
        self._cover(decision, len(LGSCO_DECISIONS), is_decided)
        level.closed = np.where(is_decided, decided, NONE)
        level.status = np.where(is_decided, STATUS_CLOSED, STATUS_OPEN)
        # The Ombudsman's stage has a decision (lgsco_detail), not an outcome.
        level.outcome = np.full(m, NONE, dtype=np.int64)
        self.lgsco = {
            "enquiry_due": enquiry_due,
            "responded": responded,
            "decision": np.where(is_decided, decision, NONE),
            "number": rng.integers(0, 1_000_000, m),
        }
        self._add_level(level)

    def _concat(self) -> dict[str, I64]:
        names = [
            "case",
            "seq",
            "code",
            "prev",
            "status",
            "outcome",
            "closed",
            "started",
        ]
        return {
            name: np.concatenate([getattr(lv, name) for lv in self.levels]).astype(np.int64)
            for name in names
        }

    def _finish_stages(self) -> None:
        """Stage order and ids (by case, then seq), case status from the last stage."""
        st: dict[str, Any] = {}
        int_fields = [
            "case",
            "seq",
            "code",
            "prev",
            "requested",
            "started",
            "timescale",
            "due",
            "closed",
            "status",
            "outcome",
            "ext",
            "susp_days",
            "susp_start",
            "susp_end",
            "ext_first",
            "acked",
            "ack_due",
            "statement",
            "outer",
            "panel_on",
            "panel_report_on",
            "council_on",
        ]
        for name in int_fields:
            st[name] = np.concatenate([getattr(lv, name) for lv in self.levels]).astype(np.int64)
        st["has_susp"] = np.concatenate([lv.has_susp for lv in self.levels]).astype(np.bool_)
        total = len(st["case"])
        next_requested = np.full(total, NONE, dtype=np.int64)
        next_override = np.zeros(total, dtype=np.bool_)
        offset = 0
        for k, lv in enumerate(self.levels):
            size = len(lv.case)
            marks = self.next_requested.get(k)
            if marks is not None:
                next_requested[offset : offset + size] = marks
            flags = self.next_override.get(k)
            if flags is not None:
                next_override[offset : offset + size] = flags
            offset += size
        st["next_requested"] = next_requested
        st["next_override"] = next_override
        order = np.lexsort((st["seq"], st["case"]))
        rank = np.empty(total, dtype=np.int64)
        rank[order] = np.arange(total, dtype=np.int64)
        st["order"] = order
        st["rank"] = rank
        self.st = st
        self.stage_count = total

        # Case status: a complaint is closed when its last stage is closed.
        last = self.last_stage
        has = last != NONE
        self.case_closed = np.where(has, st["closed"][np.where(has, last, 0)], self.case_closed)
        self.case_open = np.where(
            has,
            self.case_closed == NONE,
            (self.kind != 0) & (self.case_closed == NONE),
        )

    # ------------------------------------------------------------------ points

    def _make_points(self) -> None:
        rng = self.rng
        cases = np.flatnonzero(self.complaint).astype(np.int64)
        procedure = self.procedure[cases]
        count = np.zeros(len(cases), dtype=np.int64)
        for p, procedure_value in enumerate(PROCEDURES):
            mask = procedure == p
            count[mask] = 1 + self._choice(int(mask.sum()), POINTS_PER_COMPLAINT[procedure_value])
        point_case = np.repeat(cases, count)
        starts = np.concatenate([[0], np.cumsum(count)[:-1]]).astype(np.int64)
        seq = np.arange(len(point_case), dtype=np.int64) - np.repeat(starts, count) + 1
        nature = np.full(len(point_case), NONE, dtype=np.int64)
        point_procedure = self.procedure[point_case]
        for p, procedure_value in enumerate(PROCEDURES):
            mask = point_procedure == p
            natures = self.natures[procedure_value]
            if not natures or not mask.any():
                continue
            known = {
                Procedure.CHILDREN: CHILDREN_NATURE_WEIGHTS,
                Procedure.ADULT: ADULT_NATURE_WEIGHTS,
                Procedure.CORPORATE: CORPORATE_NATURE_WEIGHTS,
            }[procedure_value]
            picks = self._choice(int(mask.sum()), _weights([x[1] for x in natures], known))
            self._cover(picks, len(natures), np.ones(len(picks), dtype=np.bool_))
            nature[mask] = np.asarray([x[0] for x in natures], dtype=np.int64)[picks]
        self.point_case = point_case
        self.point_seq = seq
        self.point_nature = nature
        self.point_phrase = rng.integers(0, len(POINT_PHRASES), len(point_case))
        first_point = np.full(self.n, NONE, dtype=np.int64)
        first_point[cases] = starts
        points_of = np.zeros(self.n, dtype=np.int64)
        points_of[cases] = count

        # Outcomes per point for every closed stage except the Ombudsman's.
        st = self.st
        lgsco_code = STAGE_CODES.index(StageCode.LGSCO)
        stages = np.flatnonzero((st["status"] == STATUS_CLOSED) & (st["code"] != lgsco_code))
        per_stage = points_of[st["case"][stages]]
        pair_stage = np.repeat(stages, per_stage)
        pair_first = np.repeat(first_point[st["case"][stages]], per_stage)
        pair_starts = np.concatenate([[0], np.cumsum(per_stage)[:-1]]).astype(np.int64)
        within = np.arange(len(pair_stage), dtype=np.int64) - np.repeat(pair_starts, per_stage)
        pair_point = pair_first + within
        stage_outcome = st["outcome"][pair_stage]
        pair_outcome = stage_outcome.copy()
        partial = OUTCOMES.index(Outcome.PARTIALLY_UPHELD)
        several = np.repeat(per_stage, per_stage) > 1
        mixed = (stage_outcome == partial) & several
        flip = np.repeat(rng.random(len(stages)) < 0.5, per_stage)
        first_two = np.where(
            flip,
            np.where(within == 0, OUTCOMES.index(Outcome.NOT_UPHELD), 0),
            np.where(within == 0, 0, OUTCOMES.index(Outcome.NOT_UPHELD)),
        )
        others = self._choice(len(pair_stage), (0.35, 0.25, 0.4))
        pair_outcome = np.where(mixed & (within < 2), first_two, pair_outcome)
        pair_outcome = np.where(mixed & (within >= 2), others, pair_outcome)
        self.pair_stage = pair_stage
        self.pair_point = pair_point
        self.pair_outcome = pair_outcome

        # Adult complaints count under one or two service categories.
        adult = cases[procedure == 1]
        if self.categories and len(adult):
            weights = _weights([c[1] for c in self.categories], ADULT_CATEGORY_WEIGHTS)
            first = self._choice(len(adult), weights)
            second = self._choice(len(adult), weights)
            two = (rng.random(len(adult)) < 0.3) & (second != first)
            ids = np.asarray([c[0] for c in self.categories], dtype=np.int64)
            self.category_case = np.concatenate([adult, adult[two]])
            self.category_id = np.concatenate([ids[first], ids[second[two]]])
        else:
            self.category_case = np.zeros(0, dtype=np.int64)
            self.category_id = np.zeros(0, dtype=np.int64)

    # ------------------------------------------------------------------ people

    def _names(self, n: int) -> tuple[list[str | None], list[str], list[str]]:
        """Titles, first names and surnames for ``n`` made-up people."""
        rng = self.rng
        female = rng.random(n) < 0.55
        first_f = rng.integers(0, len(FEMALE_NAMES), n).tolist()
        first_m = rng.integers(0, len(MALE_NAMES), n).tolist()
        last = rng.integers(0, len(SURNAMES), n).tolist()
        title_f = self._choice(n, [w for _, w in FEMALE_TITLES]).tolist()
        title_m = self._choice(n, [w for _, w in MALE_TITLES]).tolist()
        titles: list[str | None] = []
        firsts: list[str] = []
        for i, is_female in enumerate(female.tolist()):
            if is_female:
                titles.append(FEMALE_TITLES[title_f[i]][0])
                firsts.append(FEMALE_NAMES[first_f[i]])
            else:
                titles.append(MALE_TITLES[title_m[i]][0])
                firsts.append(MALE_NAMES[first_m[i]])
        return titles, firsts, [SURNAMES[i] for i in last]

    def _make_people(self) -> None:
        rng, n = self.rng, self.n
        self.people: dict[str, list[Any]] = {
            key: []
            for key in (
                "title",
                "full_name",
                "email",
                "phone",
                "address",
                "postcode",
                "date_of_birth",
                "vexatious",
                "vexatious_review_on",
                "contact_arrangements",
                "is_investigator",
                "is_employee",
                "home_service_area_id",
                "left_employment_on",
                "is_elected_member",
                "is_partner_of_member_or_officer",
                "available",
                "unavailable_until",
                "daily_fee_pence",
                "hourly_fee_pence",
                "notes",
                "created_day",
            )
        }
        self._make_pool()
        self._make_staff()

        # Complainants: mostly new people; some complain again; a few persistently.
        persistent_first = len(self.people["full_name"])
        self._add_people(PERSISTENT, kind="persistent")
        repeat = (rng.random(n) < 0.04) & (np.arange(n) > 0)
        persistent = self.complaint & (rng.random(n) < 0.0045) & ~repeat
        new = ~repeat & ~persistent
        new_count = int(new.sum())
        first_new = len(self.people["full_name"])
        self._add_people(new_count, kind="complainant")
        person = np.full(n, NONE, dtype=np.int64)
        person[new] = first_new + np.arange(new_count, dtype=np.int64)
        person[persistent] = persistent_first + rng.integers(0, PERSISTENT, int(persistent.sum()))
        earlier = (rng.random(n) * np.arange(n)).astype(np.int64)
        for i in np.flatnonzero(repeat).tolist():  # in case order: earlier ones are set
            person[i] = person[int(earlier[i])]
        self.complainant = person
        full_names = self.people["full_name"]
        self.complainant_name = [full_names[i] for i in person.tolist()]
        created = self.people["created_day"]
        for i, p in enumerate(person.tolist()):
            if created[p] is None:
                created[p] = int(self.received[i])

        # Subjects: the child or adult a relative complains about.
        social = self.complaint & (self.procedure != 2)
        chance = np.where(self.procedure == 0, 0.55, 0.45)
        with_subject = np.flatnonzero(social & (rng.random(n) < chance)).astype(np.int64)
        first_subject = len(self.people["full_name"])
        self._add_people(len(with_subject), kind="subject", cases=with_subject)
        self.subject_case = with_subject
        self.subject_person = first_subject + np.arange(len(with_subject), dtype=np.int64)

        # Compliments naming staff.
        compliments = np.flatnonzero((self.kind == 1) & (rng.random(n) < 0.4)).astype(np.int64)
        staff_a = rng.integers(0, STAFF_POOL, len(compliments))
        staff_b = rng.integers(0, STAFF_POOL, len(compliments))
        two = (rng.random(len(compliments)) < 0.2) & (staff_a != staff_b)
        self.named_case = np.concatenate([compliments, compliments[two]])
        self.named_person = self.staff_first + np.concatenate([staff_a, staff_b[two]])

    def _add_people(self, count: int, *, kind: str, cases: I64 | None = None) -> None:
        if count == 0:
            return
        rng = self.rng
        titles, firsts, lasts = self._names(count)
        if kind == "subject" and cases is not None:
            same_family = (rng.random(count) < 0.8).tolist()
            complainant_names = [self.complainant_name[int(c)] for c in cases]
            for j in range(count):
                if same_family[j]:
                    lasts[j] = complainant_names[j].split(" ", 1)[1]
            titles = [None] * count
        email = rng.random(count) < (0.65 if kind != "subject" else 0.0)
        phone = rng.random(count) < (0.55 if kind != "subject" else 0.0)
        address = rng.random(count) < (0.7 if kind != "subject" else 0.3)
        numbers = rng.integers(1, 180, count).tolist()
        streets = rng.integers(0, len(STREETS), count).tolist()
        towns = rng.integers(0, len(TOWNS), count).tolist()
        inward = rng.integers(0, 10, count).tolist()
        letters = rng.integers(0, len(POSTCODE_LETTERS), (count, 2)).tolist()
        tails = rng.integers(0, 1000, count).tolist()
        mobile = (rng.random(count) < 0.7).tolist()
        if kind == "subject" and cases is not None:
            child = self.procedure[cases] == 0
            age_years = np.where(child, rng.integers(1, 18, count), rng.integers(65, 99, count))
            age_years = np.where(
                ~child & (rng.random(count) < 0.2), rng.integers(18, 65, count), age_years
            )
            born = self.received[cases] - age_years * 365 - rng.integers(0, 365, count)
            dob = _dates(born.astype(np.int64))
            created = self.received[cases].tolist()
        else:
            known = rng.random(count) < (0.4 if kind != "staff" else 0.0)
            born = self.end - rng.integers(20 * 365, 86 * 365, count)
            dob = _dates(np.where(known, born, NONE).astype(np.int64))
            created = [None] * count
        p = self.people
        for j in range(count):
            full = f"{firsts[j]} {lasts[j]}"
            p["title"].append(titles[j])
            p["full_name"].append(full)
            if kind == "staff":
                mail = f"{_ascii(firsts[j])}.{_ascii(lasts[j])}@council.example"
            elif email[j]:
                mail = f"{_ascii(firsts[j])}.{_ascii(lasts[j])}{tails[j] % 100}@example.com"
            else:
                mail = None
            p["email"].append(mail)
            if phone[j]:
                p["phone"].append(
                    f"07700 900{tails[j]:03d}" if mobile[j] else f"01632 960{tails[j]:03d}"
                )
            else:
                p["phone"].append(None)
            if address[j] and kind not in ("staff", "pool"):
                town, district = TOWNS[towns[j]]
                p["address"].append(f"{numbers[j]} {STREETS[streets[j]]}\n{town}")
                a, b = letters[j]
                p["postcode"].append(
                    f"{district} {inward[j]}{POSTCODE_LETTERS[a]}{POSTCODE_LETTERS[b]}"
                )
            else:
                p["address"].append(None)
                p["postcode"].append(None)
            p["date_of_birth"].append(dob[j])
            p["created_day"].append(created[j])
            for key, value in (
                ("vexatious", False),
                ("vexatious_review_on", None),
                ("contact_arrangements", None),
                ("is_investigator", False),
                ("is_employee", kind == "staff"),
                ("home_service_area_id", None),
                ("left_employment_on", None),
                ("is_elected_member", False),
                ("is_partner_of_member_or_officer", False),
                ("available", True),
                ("unavailable_until", None),
                ("daily_fee_pence", None),
                ("hourly_fee_pence", None),
                ("notes", None),
            ):
                p[key].append(value)
        if kind == "persistent":
            first = len(p["full_name"]) - count
            p["vexatious"][first] = True
            p["vexatious_review_on"][first] = _date(self.end + 90)
            p["contact_arrangements"][first] = (
                "Contact by email only, through the consumer relations manager. "
                "New complaints are still logged and considered."
            )
            for j in range(first, first + count):
                p["created_day"][j] = None
        if kind == "staff":
            first = len(p["full_name"]) - count
            areas = [a.id for a in self.areas]
            for j in range(first, first + count):
                p["home_service_area_id"][j] = (
                    areas[self.py.randrange(len(areas))] if areas else None
                )
                p["created_day"][j] = self.start

    def _make_pool(self) -> None:
        """About 40 investigators and independent persons, with a few awkward cases."""
        p = self.people
        first = len(p["full_name"])
        count = POOL_EMPLOYEES + POOL_EXTERNALS + 5
        self._add_people(count, kind="pool")
        py = self.py
        complaint_areas = [a.id for a in self.areas if a.for_complaints]
        self.pool: list[_Investigator] = []
        for j in range(count):
            local = first + j
            p["is_investigator"][local] = True
            p["created_day"][local] = self.start
            p["title"][local] = py.choice(["Dr", None, None, None]) or p["title"][local]
            base = p["full_name"][local].split(" ")
            p["email"][local] = f"{_ascii(base[0])}.{_ascii(base[-1])}@investigations.example"
            employee = j < POOL_EMPLOYEES
            home = py.choice(complaint_areas) if employee and complaint_areas else None
            hourly = None if employee else py.randrange(4000, 6600, 100)
            investigator = _Investigator(local, employee, home, False, False, False, True, hourly)
            notes = "Council employee: investigating officer only" if employee else None
            special = j - POOL_EMPLOYEES - POOL_EXTERNALS
            if special == 0:  # left the council recently: IP needs a manager's override
                investigator.left_recently = True
                investigator.home_area_id = py.choice(complaint_areas) if complaint_areas else None
                p["left_employment_on"][local] = _date(self.end - 400)
                notes = "Former employee (left less than 3 years ago)"
            elif special == 1:  # partner of an officer: may be an IO, never an IP
                investigator.partner = True
                p["is_partner_of_member_or_officer"][local] = True
                notes = "Civil partner of a council officer: not eligible as IP"
            elif special == 2:  # an elected member: in the pool but never eligible as IP
                investigator.elected = True
                p["is_elected_member"][local] = True
                notes = "Elected member: not eligible as IP or panel member"
            elif special == 3:  # unavailable for now
                investigator.available = False
                p["available"][local] = False
                p["unavailable_until"][local] = _date(self.end + 45)
                notes = "On leave until further notice"
            elif special == 4:  # left long ago: no longer a concern
                p["left_employment_on"][local] = _date(self.end - 5 * 365)
                notes = "Former employee (left over 3 years ago)"
            p["is_employee"][local] = employee
            p["home_service_area_id"][local] = investigator.home_area_id
            p["hourly_fee_pence"][local] = hourly
            p["daily_fee_pence"][local] = None if hourly is None else hourly * 7
            p["notes"][local] = notes
            self.pool.append(investigator)

    def _make_staff(self) -> None:
        self.staff_first = len(self.people["full_name"])
        self._add_people(STAFF_POOL, kind="staff")

    # ------------------------------------------------------------------ investigators

    def _make_assignments(self) -> None:
        st, py, cal, end = self.st, self.py, self.cal, self.end
        rows: dict[str, list[Any]] = {
            key: []
            for key in (
                "stage",
                "person",
                "role",
                "status",
                "offered_on",
                "responded_on",
                "report_due_on",
                "report_received_on",
                "end_reason",
                "override_reason",
                "overridden_by",
                "hours",
                "fee_pence",
                "progress_note",
            )
        }
        self.assignment_rows = rows
        code = st["code"]
        proc = self.procedure[st["case"]]
        c2 = STAGE_CODES.index(StageCode.STAGE_2)
        c3 = STAGE_CODES.index(StageCode.STAGE_3)
        mh = STAGE_CODES.index(StageCode.MODERATE_HIGH)
        draws = self.rng.random(len(code))
        wanted = (
            ((proc == 0) & ((code == c2) | (code == c3)))
            | ((proc == 1) & (code == mh) & (draws < 0.4))
            | ((proc == 2) & (code == c2) & (draws < 0.5))
        )
        io_pool = [i for i in self.pool if not i.elected]
        ip_pool = [i for i in self.pool if not (i.employee or i.elected or i.partner)]
        stage2_people: dict[int, set[int]] = {}  # case -> IO and IP of its Stage 2

        for pos in np.flatnonzero(wanted).tolist():
            case = int(st["case"][pos])
            requested = int(st["requested"][pos])
            started = int(st["started"][pos])
            closed = int(st["closed"][pos])
            due = int(st["due"][pos])
            offered = cal.add_working_days(_date(requested), py.randrange(0, 5))
            if _day(offered) > end:
                continue  # awaiting an IO/IP
            recent = _day(offered) > end - 45
            area = self.area_id[case]
            if code[pos] == c3:
                exclude = stage2_people.get(case, set())
                eligible = [i for i in ip_pool if i.local not in exclude and not i.left_recently]
                eligible = [i for i in eligible if i.available or not recent]
                members = py.sample(eligible, min(3, len(eligible)))
                roles = [AssignmentRole.PANEL_CHAIR] + [AssignmentRole.PANEL_MEMBER] * 2
                panel_rule = 30 + 5
                report_due = cal.add_working_days(_date(started), panel_rule)
                for member, role in zip(members, roles, strict=False):
                    received = st["panel_report_on"][pos]
                    self._assign(
                        pos, member, role, offered, report_due,
                        None if received == NONE else _date(int(received)),
                        closed != NONE, hours=(4, 9),
                    )  # fmt: skip
                continue
            io_choices = [
                i
                for i in io_pool
                if (i.home_area_id != area or not i.employee) and (i.available or not recent)
            ]
            if not io_choices:
                continue
            weights = [0.6 if i.employee else 1.0 for i in io_choices]
            io = py.choices(io_choices, weights)[0]
            if started != NONE and due != NONE:
                total = cal.working_days_between(_date(started), _date(due))
                report_due = cal.add_working_days(_date(started), max(5, total - 5))
            else:
                report_due = cal.add_working_days(offered, 45)
            report_on: dt.date | None = None
            if closed != NONE:
                span = cal.working_days_between(_date(started), _date(closed))
                report_on = cal.add_working_days(_date(started), max(1, span - py.randrange(1, 9)))
            elif py.random() < 0.2 and _day(report_due) <= end:
                report_on = report_due
            if py.random() < 0.06 and len(io_choices) > 1:
                declined = py.choice([i for i in io_choices if i is not io])
                self._assign(pos, declined, AssignmentRole.INVESTIGATING_OFFICER, offered,
                             report_due, None, False, declined=True)  # fmt: skip
                offered = cal.add_working_days(offered, 2)
                if _day(offered) > end:
                    continue
            self._assign(pos, io, AssignmentRole.INVESTIGATING_OFFICER, offered, report_due,
                         report_on, closed != NONE, hours=(12, 45))  # fmt: skip
            people = {io.local}
            if proc[pos] == 0 and code[pos] == c2:
                ip_choices = [
                    i for i in ip_pool if i is not io and (not i.left_recently or py.random() < 0.3)
                ]
                ip_choices = [i for i in ip_choices if i.available or not recent]
                if ip_choices:
                    ip = py.choice(ip_choices)
                    self._assign(pos, ip, AssignmentRole.INDEPENDENT_PERSON, offered,
                                 report_due, report_on, closed != NONE, hours=(6, 20))  # fmt: skip
                    people.add(ip.local)
                stage2_people[case] = people

    def _assign(
        self,
        pos: int,
        person: _Investigator,
        role: AssignmentRole,
        offered: dt.date,
        report_due: dt.date,
        report_on: dt.date | None,
        stage_closed: bool,
        *,
        hours: tuple[int, int] = (10, 30),
        declined: bool = False,
    ) -> None:
        rows, py, cal, end = self.assignment_rows, self.py, self.cal, self.end
        responded: dt.date | None = cal.add_working_days(offered, py.randrange(1, 4))
        if responded is not None and _day(responded) > end:
            responded = None
        if declined:
            status = AssignmentStatus.DECLINED
            report_on = None
        elif report_on is not None and responded is not None:
            status = AssignmentStatus.REPORT_RECEIVED
            report_on = max(report_on, responded)
        elif responded is not None:
            status = AssignmentStatus.ACCEPTED
            report_on = None
        else:
            status = AssignmentStatus.OFFERED
            report_on = None
        override = None
        if person.left_recently and role is AssignmentRole.INDEPENDENT_PERSON and not declined:
            override = (
                "Left the council over a year ago from an unrelated service; no conflict "
                "of interest"
            )
        worked = status is AssignmentStatus.REPORT_RECEIVED
        spent = py.randrange(hours[0], hours[1] + 1) if worked else None
        rows["stage"].append(pos)
        rows["person"].append(person.local)
        rows["role"].append(role.value)
        rows["status"].append(status.value)
        rows["offered_on"].append(offered)
        rows["responded_on"].append(responded)
        rows["report_due_on"].append(report_due)
        rows["report_received_on"].append(report_on)
        rows["end_reason"].append("Not available in the timescale" if declined else None)
        rows["override_reason"].append(override)
        rows["overridden_by"].append("manager" if override else None)
        rows["hours"].append(float(spent) if spent is not None else None)
        rows["fee_pence"].append(
            spent * person.hourly_pence if spent is not None and person.hourly_pence else None
        )
        rows["progress_note"].append(
            "Interviews arranged" if status is AssignmentStatus.ACCEPTED else None
        )

    # ------------------------------------------------------------------ the Ombudsman

    def _make_lgsco_details(self) -> None:
        st, py, cal, end = self.st, self.py, self.cal, self.end
        lgsco_code = STAGE_CODES.index(StageCode.LGSCO)
        positions = np.flatnonzero(st["code"] == lgsco_code)
        info = self.lgsco
        self.lgsco_rows: list[dict[str, Any]] = []
        self.remedy_rows: list[dict[str, Any]] = []
        self.payment_rows: list[dict[str, Any]] = []
        upheld = {
            LGSCO_DECISIONS.index(LgscoDecision.UPHELD_MALADMINISTRATION_INJUSTICE),
            LGSCO_DECISIONS.index(LgscoDecision.PUBLIC_REPORT),
        }
        public = LGSCO_DECISIONS.index(LgscoDecision.PUBLIC_REPORT)
        for j, pos in enumerate(positions.tolist()):
            case = int(st["case"][pos])
            started = _date(int(st["started"][pos]))
            decision = int(info["decision"][j])
            decided = None if decision == NONE else _date(int(st["closed"][pos]))
            responded = int(info["responded"][j])
            number = int(info["number"][j])
            self.lgsco_rows.append(
                {
                    "stage": pos,
                    "lgsco_reference": f"{started.year % 100:02d} {number // 1000:03d} "
                    f"{number % 1000:03d}",
                    "enquiry_received_on": started,
                    "enquiry_response_due_on": _date(int(info["enquiry_due"][j])),
                    "enquiry_responded_on": None if responded == NONE else _date(responded),
                    "decision": None if decision == NONE else LGSCO_DECISIONS[decision].value,
                    "decision_on": decided,
                    "public_report": decision == public,
                    "imported_payment_pence": None,
                    "case": case,
                }
            )
            if decided is None or decision not in upheld:
                continue
            count = py.choice([1, 1, 2, 2, 3])
            pays = decision == public or py.random() < 0.7
            for r in range(count):
                payment = pays and r == 0
                pounds = 0
                if payment:
                    pounds = (
                        3000
                        if decision == public
                        else py.choices(PAYMENTS_POUNDS, PAYMENT_WEIGHTS)[0]
                    )
                    text = f"Pay £{pounds:,} to acknowledge the distress and uncertainty caused"
                    months = 1
                else:
                    text = REMEDIES[(r + number) % len(REMEDIES)]
                    months = 1 if text.startswith("Apologise") else 3
                deadline = cal.add_working_days(decided, 20 * months)
                span = cal.working_days_between(decided, deadline)
                completed: dt.date | None
                if _day(deadline) <= end:
                    if py.random() < 0.78:
                        completed = cal.add_working_days(decided, py.randrange(1, span + 1))
                    else:
                        completed = cal.add_working_days(deadline, py.randrange(1, 31))
                else:
                    completed = cal.add_working_days(decided, py.randrange(1, span + 1))
                    if py.random() < 0.6:
                        completed = None
                if completed is not None and _day(completed) > end:
                    completed = None
                late = (completed is not None and completed > deadline) or (
                    completed is None and _day(deadline) < end
                )
                point_75 = cal.add_working_days(decided, math.ceil(span * 0.75))
                reached = completed or _date(end)
                level = 2 if reached > deadline else (1 if reached >= point_75 else 0)
                evidence = None
                if completed is not None:
                    evidence = cal.add_working_days(completed, py.randrange(0, 4))
                    if _day(evidence) > end:
                        evidence = None
                remedy_index = len(self.remedy_rows)
                self.remedy_rows.append(
                    {
                        "stage": pos,
                        "description": text,
                        "agreed_on": decided,
                        "deadline_on": deadline,
                        "completed_on": completed,
                        "evidence_sent_on": evidence,
                        "late": late,
                        "escalation_level": level,
                        "owner_id": self.owner_id[case],
                        "case": case,
                    }
                )
                if payment:
                    self.payment_rows.append(
                        {
                            "stage": pos,
                            "remedy": remedy_index,
                            "amount_pence": pounds * 100,
                            "paid_on": completed,
                            "payee": self.complainant_name[case],
                            "case": case,
                        }
                    )

    # ------------------------------------------------------------------ learning

    def _make_action_items(self) -> None:
        st, py, cal, end = self.st, self.py, self.cal, self.end
        upheld = (st["outcome"] == OUTCOMES.index(Outcome.UPHELD)) | (
            st["outcome"] == OUTCOMES.index(Outcome.PARTIALLY_UPHELD)
        )
        lgsco_code = STAGE_CODES.index(StageCode.LGSCO)
        candidates = upheld & (st["code"] != lgsco_code) & (st["status"] == STATUS_CLOSED)
        # One action plan per case at most: its latest upheld stage.
        latest: dict[int, int] = {}
        for pos in np.flatnonzero(candidates).tolist():
            case = int(st["case"][pos])
            if case not in latest or st["seq"][pos] > st["seq"][latest[case]]:
                latest[case] = pos
        self.action_rows: list[dict[str, Any]] = []
        for case in sorted(latest):
            if py.random() >= 0.15:
                continue
            pos = latest[case]
            procedure = PROCEDURES[int(self.procedure[case])]
            closed = _date(int(st["closed"][pos]))
            actions = py.sample(ACTIONS[procedure], py.choice([1, 1, 2, 3]))
            for action in actions:
                due = cal.add_working_days(closed, py.randrange(20, 61))
                done: dt.date | None = None
                if _day(due) <= end:
                    if py.random() < 0.85:
                        done = cal.add_working_days(closed, py.randrange(5, 71))
                elif py.random() < 0.3:
                    done = cal.add_working_days(closed, py.randrange(1, 20))
                if done is not None and _day(done) > end:
                    done = None
                area = self.area_name[case] or procedure.label
                self.action_rows.append(
                    {
                        "case": case,
                        "stage": pos,
                        "action": action,
                        "owner": f"Service manager, {area}",
                        "agreed_with": ASSISTANT_DIRECTORS[procedure],
                        "due_on": due,
                        "done_on": done,
                        "evidence": "Evidence filed with the action plan" if done else None,
                        "learning_example": done is not None and py.random() < 0.12,
                    }
                )

    # ------------------------------------------------------------------ ids and rows

    def _reserve_ids(self) -> None:
        """The first id of each table's new rows (after what is there, and on PostgreSQL
        after what its sequence has handed out; the sequence is moved past our rows)."""
        self.base: dict[str, int] = {}
        counts = {
            _t(Person).name: len(self.people["full_name"]),
            _t(Case).name: self.n,
            _t(CaseParty).name: self.n + len(self.subject_case) + len(self.named_case),
            _t(ComplaintPoint).name: len(self.point_case),
            _t(Stage).name: self.stage_count,
            _t(PointOutcome).name: len(self.pair_stage),
            _t(StageGrading).name: 0,  # set below, reserved generously
            _t(StageSuspension).name: int(self.st["has_susp"].sum()),
            _t(StageExtension).name: 2 * int((self.st["ext"] > 0).sum()),
            _t(DueDateChange).name: 4 * self.stage_count,
            _t(Assignment).name: len(self.assignment_rows["stage"]),
            _t(LgscoRemedy).name: len(self.remedy_rows),
            _t(LgscoPayment).name: len(self.payment_rows),
            _t(ActionItem).name: len(self.action_rows),
        }
        counts[_t(StageGrading).name] = 2 * self.stage_count
        tables = {t.name: t for t in _tables()}
        for name, count in counts.items():
            self.base[name] = self._reserve(tables[name], count)

    def _reserve(self, table: sa.Table, count: int) -> int:
        column = table.c.id
        current = int(self.session.scalar(sa.select(sa.func.max(column))) or 0)
        if not self.is_postgres:
            return current
        sequence = self.session.scalar(sa.select(sa.func.pg_get_serial_sequence(table.name, "id")))
        if sequence is None:
            return current
        last = self.session.execute(sa.text(f"SELECT last_value, is_called FROM {sequence}")).one()
        used = int(last[0]) if last[1] else int(last[0]) - 1
        base = max(current, used)
        self.session.execute(sa.select(sa.func.setval(sequence, base + max(count, 1))))
        return base

    def _stage_id(self, positions: I64) -> list[int]:
        ids: I64 = self.base["stage"] + 1 + self.st["rank"][positions]
        result: list[int] = ids.tolist()
        return result

    def _build_tables(self) -> None:
        n, st = self.n, self.st
        tables = self.tables
        if self.new_users:
            users = _Table(_t(User), len(self.new_users))
            for key in self.new_users[0]:
                users.columns[key] = [u[key] for u in self.new_users]
            tables.append(users)

        # People.
        p = self.people
        people_count = len(p["full_name"])
        person_ids = list(range(self.base["person"] + 1, self.base["person"] + 1 + people_count))
        created_day = np.asarray(
            [d if d is not None else self.start for d in p["created_day"]], dtype=np.int64
        )
        person_stamp = _stamps(created_day, self._seconds(people_count))
        person = _Table(_t(Person), people_count)
        person.columns["id"] = person_ids
        for key, values in p.items():
            if key != "created_day":
                person.columns[key] = values
        person.columns["anonymised_at"] = None
        person.columns["created_at"] = person_stamp
        person.columns["version"] = 1
        person.columns["updated_at"] = person_stamp
        person.columns["updated_by"] = "demo"
        tables.append(person)

        def person_id(local: I64) -> list[int]:
            ids: list[int] = (local + self.base["person"] + 1).tolist()
            return ids

        # Cases.
        case_ids = np.arange(n, dtype=np.int64) + self.base["representation"] + 1
        self.case_ids = case_ids
        references = self._references()
        received_stamp = _stamps(self.received, self._seconds(n))
        last_touch = np.where(self.case_closed != NONE, self.case_closed, self.received)
        last_stage = self.last_stage
        touched = np.where(
            last_stage != NONE, st["started"][np.where(last_stage != NONE, last_stage, 0)], NONE
        )
        last_touch = np.where(
            (self.case_closed == NONE) & (touched != NONE), np.maximum(touched, self.received),
            last_touch,
        )  # fmt: skip
        updated_stamp = _stamps(last_touch, self._seconds(n, 9, 18))
        current_stage: list[int | None] = [None] * n
        has_stage = np.flatnonzero(last_stage != NONE)
        for i, sid in zip(has_stage.tolist(), self._stage_id(last_stage[has_stage]), strict=True):
            current_stage[i] = sid
        status = [CaseStatus.OPEN.value if o else CaseStatus.CLOSED.value for o in self.case_open]
        reply_text = [
            COMMENT_REPLIES[int(k)] if r != NONE else None
            for k, r in zip(self.reply_pick.tolist(), self.reply_on.tolist(), strict=True)
        ]
        cases = _Table(_t(Case), n)
        cases.columns.update(
            {
                "id": case_ids.tolist(),
                "reference": references,
                "kind": [KINDS[k].value for k in self.kind.tolist()],
                "procedure": [PROCEDURES[k].value for k in self.procedure.tolist()],
                "channel": [CHANNELS[k].value for k in self.channel.tolist()],
                "received_on": _dates(self.received),
                "events_on": _dates(self.events_on),
                "late_complaint_decision": [
                    "Accepted after 12 months: good reason for the delay" if late else None
                    for late in self.late_complaint.tolist()
                ],
                "directorate_id": self.directorate_id,
                "service_area_id": self.area_id,
                "team_id": self.team_id,
                "summary": self.summary,
                "desired_outcome": self.desired,
                "status": status,
                "closed_on": _dates(np.where(self.case_open, NONE, self.case_closed)),
                "owner_id": self.owner_id,
                "current_stage_id": current_stage,
                "complainant_name": self.complainant_name,
                "reply_text": reply_text,
                "reply_received_on": _dates(self.reply_on),
                "legal_hold": False,
                "anonymised_at": None,
                "imported": False,
                "created_at": received_stamp,
                "created_by": self.owner_name,
                "version": 1,
                "updated_at": updated_stamp,
                "updated_by": self.owner_name,
            }
        )
        tables.append(cases)

        # Parties: complainant of every case, subjects, named staff.
        party_case = np.concatenate([np.arange(n), self.subject_case, self.named_case])
        party_person = np.concatenate([self.complainant, self.subject_person, self.named_person])
        roles = (
            [PartyRole.COMPLAINANT.value] * n
            + [PartyRole.SUBJECT.value] * len(self.subject_case)
            + [PartyRole.NAMED_STAFF.value] * len(self.named_case)
        )
        party_stamp = _stamps(self.received[party_case], self._seconds(len(party_case)))
        parties = _Table(_t(CaseParty), len(party_case))
        parties.columns.update(
            {
                "id": list(
                    range(self.base["case_party"] + 1, self.base["case_party"] + 1 + len(roles))
                ),
                "case_id": case_ids[party_case].tolist(),
                "person_id": person_id(party_person),
                "role": roles,
                "version": 1,
                "updated_at": party_stamp,
                "updated_by": [self.owner_name[i] for i in party_case.tolist()],
            }
        )
        tables.append(parties)

        categories = _Table(_t(CaseServiceCategory), len(self.category_case))
        categories.columns["case_id"] = case_ids[self.category_case].tolist()
        categories.columns["service_category_id"] = self.category_id.tolist()
        tables.append(categories)

        # Complaint points.
        names = {nid: name for procedure in PROCEDURES for nid, name in self.natures[procedure]}
        point_stamp = _stamps(self.received[self.point_case], self._seconds(len(self.point_case)))
        points = _Table(_t(ComplaintPoint), len(self.point_case))
        points.columns.update(
            {
                "id": list(
                    range(
                        self.base["complaint_point"] + 1,
                        self.base["complaint_point"] + 1 + len(self.point_case),
                    )
                ),
                "case_id": case_ids[self.point_case].tolist(),
                "seq": self.point_seq.tolist(),
                "nature_id": [None if x == NONE else x for x in self.point_nature.tolist()],
                "description": [
                    f"{names.get(nid, 'Complaint')}: {POINT_PHRASES[k]}"
                    for nid, k in zip(
                        self.point_nature.tolist(), self.point_phrase.tolist(), strict=True
                    )
                ],
                "version": 1,
                "updated_at": point_stamp,
                "updated_by": [self.owner_name[i] for i in self.point_case.tolist()],
            }
        )
        tables.append(points)

        self._build_stage_tables()

        # Point outcomes.
        pairs = len(self.pair_stage)
        pair_stamp = _stamps(st["closed"][self.pair_stage], self._seconds(pairs, 12, 18))
        outcomes = _Table(_t(PointOutcome), pairs)
        outcomes.columns.update(
            {
                "id": list(
                    range(self.base["point_outcome"] + 1, self.base["point_outcome"] + 1 + pairs)
                ),
                "point_id": (self.pair_point + self.base["complaint_point"] + 1).tolist(),
                "stage_id": self._stage_id(self.pair_stage),
                "outcome": [OUTCOMES[k].value for k in self.pair_outcome.tolist()],
                "note": None,
                "version": 1,
                "updated_at": pair_stamp,
                "updated_by": [self.owner_name[i] for i in st["case"][self.pair_stage].tolist()],
            }
        )
        tables.append(outcomes)
        self._build_investigator_tables()
        self._build_lgsco_tables()
        self._build_action_tables()

    def _build_stage_tables(self) -> None:
        st, n_stages = self.st, self.stage_count
        order = st["order"]
        cases = st["case"][order]

        def col(name: str) -> I64:
            values: I64 = st[name][order]
            return values

        started = col("started")
        closed = col("closed")
        touched = np.where(
            closed != NONE, closed, np.where(started != NONE, started, col("requested"))
        )
        stamp = _stamps(touched, self._seconds(n_stages, 9, 18))
        prev = col("prev")
        prev_ids: list[int | None] = [None] * n_stages
        has_prev = np.flatnonzero(prev != NONE)
        for i, sid in zip(has_prev.tolist(), self._stage_id(prev[has_prev]), strict=True):
            prev_ids[i] = sid
        owner = [self.owner_id[c] for c in cases.tolist()]
        owner_name = [self.owner_name[c] for c in cases.tolist()]
        outcome = col("outcome")
        override = col("next_override")
        stages = _Table(_t(Stage), n_stages)
        stages.columns.update(
            {
                "id": list(range(self.base["stage"] + 1, self.base["stage"] + 1 + n_stages)),
                "case_id": self.case_ids[cases].tolist(),
                "seq": col("seq").tolist(),
                "stage": [STAGE_CODES[k].value for k in col("code").tolist()],
                "previous_stage_id": prev_ids,
                "status": [STAGE_STATUSES[k].value for k in col("status").tolist()],
                "requested_on": _dates(col("requested")),
                "acknowledged_on": _dates(col("acked")),
                "acknowledge_due_on": _dates(col("ack_due")),
                "statement_agreed_on": _dates(col("statement")),
                "started_on": _dates(started),
                "timescale_days": [None if t == NONE else t for t in col("timescale").tolist()],
                "extended_days": col("ext").tolist(),
                "suspended_days": col("susp_days").tolist(),
                "due_on": _dates(col("due")),
                "outer_limit_on": _dates(col("outer")),
                "closed_on": _dates(closed),
                "outcome": [None if k == NONE else OUTCOMES[k].value for k in outcome.tolist()],
                "outcome_override_reason": None,
                "next_stage_requested_on": _dates(col("next_requested")),
                "next_stage_window_override": [
                    "Accepted outside the window: the complainant was in hospital" if flag else None
                    for flag in override.tolist()
                ],
                "panel_on": _dates(col("panel_on")),
                "panel_report_on": _dates(col("panel_report_on")),
                "council_response_on": _dates(col("council_on")),
                "handler_id": owner,
                "responder_id": None,
                "notes": None,
                "version": 1,
                "updated_at": stamp,
                "updated_by": owner_name,
            }
        )
        self.tables.append(stages)

        # Gradings (adult stages), suspensions, extensions and due date history.
        grading: dict[str, list[Any]] = {
            k: [] for k in ("stage_id", "from", "to", "reason", "by", "at")
        }
        suspensions: dict[str, list[Any]] = {
            k: [] for k in ("stage_id", "starts_on", "ends_on", "reason", "note", "by", "at")
        }
        extensions: dict[str, list[Any]] = {
            k: [] for k in ("stage_id", "days", "reason", "agreed", "by", "at")
        }
        changes: dict[str, list[Any]] = {
            k: [] for k in ("stage_id", "cause", "before", "after", "reason", "by", "at")
        }
        adult_codes = {STAGE_CODES.index(g) for g in ADULT_GRADES}
        mh = STAGE_CODES.index(StageCode.MODERATE_HIGH)
        low = STAGE_CODES.index(StageCode.LOW)
        regraded_cases = set(np.flatnonzero(self._regraded_by_case()).tolist())
        stage_ids = list(range(self.base["stage"] + 1, self.base["stage"] + 1 + n_stages))
        codes = col("code").tolist()
        started_l = started.tolist()
        timescale_l = col("timescale").tolist()
        ext_l = col("ext").tolist()
        ext_first_l = col("ext_first").tolist()
        susp_days_l = col("susp_days").tolist()
        has_susp_l = col("has_susp").astype(np.bool_).tolist()
        susp_start_l = col("susp_start").tolist()
        susp_end_l = col("susp_end").tolist()
        closed_l = closed.tolist()
        cases_l = cases.tolist()
        reasons = self.rng.integers(0, 1000, n_stages).tolist()
        cal, end = self.cal, self.end

        def at(day: int, hour: int) -> dt.datetime:
            return dt.datetime.combine(_date(day), dt.time(hour, (day * 7) % 60))

        for i in range(n_stages):
            sid, code, who = stage_ids[i], codes[i], owner_name[i]
            start = started_l[i]
            if code in adult_codes and start != NONE:
                first_grade = low if (code == mh and cases_l[i] in regraded_cases) else code
                grading["stage_id"].append(sid)
                grading["from"].append(None)
                grading["to"].append(STAGE_CODES[first_grade].value)
                grading["reason"].append("Initial grading")
                grading["by"].append(who)
                grading["at"].append(at(start, 10))
                if first_grade != code:
                    grading["stage_id"].append(sid)
                    grading["from"].append(STAGE_CODES[first_grade].value)
                    grading["to"].append(STAGE_CODES[code].value)
                    grading["reason"].append("More issues and teams involved than first thought")
                    grading["by"].append(who)
                    grading["at"].append(at(_day(cal.add_working_days(_date(start), 2)), 11))
            if start == NONE or timescale_l[i] == NONE:
                continue
            start_date = _date(start)
            t = timescale_l[i]
            due = cal.add_working_days(start_date, t)
            changes["stage_id"].append(sid)
            changes["cause"].append("start")
            changes["before"].append(None)
            changes["after"].append(due)
            changes["reason"].append("Clock started")
            changes["by"].append(who)
            changes["at"].append(at(start, 9))
            days = t
            if has_susp_l[i]:
                s_start, s_end = susp_start_l[i], susp_end_l[i]
                reason = _suspension_reason(int(self.procedure[cases_l[i]]), reasons[i])
                suspensions["stage_id"].append(sid)
                suspensions["starts_on"].append(_date(s_start))
                suspensions["ends_on"].append(None if s_end == NONE else _date(s_end))
                suspensions["reason"].append(reason.value)
                suspensions["note"].append(SUSPENSION_NOTES[reason])
                suspensions["by"].append(who)
                suspensions["at"].append(at(s_start, 14))
                days += susp_days_l[i]
                after = cal.add_working_days(start_date, days)
                changes["stage_id"].append(sid)
                changes["before"].append(due)
                changes["after"].append(after)
                changes["by"].append(who)
                if s_end != NONE:
                    changes["cause"].append("resume")
                    changes["reason"].append(f"Clock restarted after suspension ({reason.value})")
                    changes["at"].append(at(s_end, 9))
                else:
                    changes["cause"].append("suspend")
                    changes["reason"].append(
                        f"Clock stopped ({reason.value}); suspended days counted to "
                        f"{_date(end).isoformat()}"
                    )
                    changes["at"].append(at(end, 8))
                due = after
            total = ext_l[i]
            if total > 0:
                parts = (
                    [ext_first_l[i], total - ext_first_l[i]] if ext_first_l[i] < total else [total]
                )
                for k, part in enumerate(parts):
                    if part <= 0:
                        continue
                    # Agreed a couple of working days before the current due date.
                    when = _day(cal.add_working_days(start_date, max(0, days - 2)))
                    limit = closed_l[i] if closed_l[i] != NONE else end
                    when = max(min(when, limit), start)
                    text = EXTENSION_REASONS[(reasons[i] + k) % len(EXTENSION_REASONS)]
                    extensions["stage_id"].append(sid)
                    extensions["days"].append(part)
                    extensions["reason"].append(text)
                    extensions["agreed"].append(True)
                    extensions["by"].append(who)
                    extensions["at"].append(at(when, 15))
                    days += part
                    after = cal.add_working_days(start_date, days)
                    changes["stage_id"].append(sid)
                    changes["cause"].append("extend")
                    changes["before"].append(due)
                    changes["after"].append(after)
                    changes["reason"].append(f"Extended by {part} working days: {text}")
                    changes["by"].append(who)
                    changes["at"].append(at(when, 15))
                    due = after

        def ids(table: str, count: int) -> list[int]:
            return list(range(self.base[table] + 1, self.base[table] + 1 + count))

        g = _Table(_t(StageGrading), len(grading["stage_id"]))
        g.columns.update(
            {
                "id": ids("stage_grading", g.n),
                "stage_id": grading["stage_id"],
                "from_grade": grading["from"],
                "to_grade": grading["to"],
                "reason": grading["reason"],
                "changed_by": grading["by"],
                "changed_at": grading["at"],
            }
        )
        s = _Table(_t(StageSuspension), len(suspensions["stage_id"]))
        s.columns.update(
            {
                "id": ids("stage_suspension", s.n),
                "stage_id": suspensions["stage_id"],
                "starts_on": suspensions["starts_on"],
                "ends_on": suspensions["ends_on"],
                "reason": suspensions["reason"],
                "note": suspensions["note"],
                "created_by": suspensions["by"],
                "created_at": suspensions["at"],
                "version": 1,
                "updated_at": suspensions["at"],
                "updated_by": suspensions["by"],
            }
        )
        e = _Table(_t(StageExtension), len(extensions["stage_id"]))
        e.columns.update(
            {
                "id": ids("stage_extension", e.n),
                "stage_id": extensions["stage_id"],
                "working_days": extensions["days"],
                "reason": extensions["reason"],
                "agreed_with_complainant": extensions["agreed"],
                "created_by": extensions["by"],
                "created_at": extensions["at"],
                "version": 1,
                "updated_at": extensions["at"],
                "updated_by": extensions["by"],
            }
        )
        c = _Table(_t(DueDateChange), len(changes["stage_id"]))
        c.columns.update(
            {
                "id": ids("due_date_change", c.n),
                "stage_id": changes["stage_id"],
                "field": "due",
                "cause": changes["cause"],
                "before": changes["before"],
                "after": changes["after"],
                "reason": changes["reason"],
                "changed_by": changes["by"],
                "changed_at": changes["at"],
            }
        )
        self.tables.extend([g, s, e, c])

    def _regraded_by_case(self) -> Bools:
        flags = np.zeros(self.n, dtype=np.bool_)
        first = self.levels[0]
        flags[first.case[self.regraded]] = True
        return flags

    def _build_investigator_tables(self) -> None:
        rows = self.assignment_rows
        count = len(rows["stage"])
        table = _Table(_t(Assignment), count)
        positions = np.asarray(rows["stage"], dtype=np.int64)
        stamp_days = np.asarray([_day(d) for d in rows["offered_on"]], dtype=np.int64)
        stamp = _stamps(stamp_days, self._seconds(count))
        base = self.base["assignment"]
        table.columns.update(
            {
                "id": list(range(base + 1, base + 1 + count)),
                "stage_id": self._stage_id(positions),
                "person_id": [self.base["person"] + 1 + p for p in rows["person"]],
                "role": rows["role"],
                "status": rows["status"],
                "offered_on": rows["offered_on"],
                "responded_on": rows["responded_on"],
                "report_due_on": rows["report_due_on"],
                "report_received_on": rows["report_received_on"],
                "replaced_by_id": None,
                "end_reason": rows["end_reason"],
                "override_reason": rows["override_reason"],
                "overridden_by": rows["overridden_by"],
                "hours": rows["hours"],
                "fee_pence": rows["fee_pence"],
                "progress_note": rows["progress_note"],
                "version": 1,
                "updated_at": stamp,
                "updated_by": "demo",
            }
        )
        self.tables.append(table)

    def _build_lgsco_tables(self) -> None:
        def stamp_of(row: dict[str, Any], *keys: str) -> dt.datetime:
            dates = [row[k] for k in keys if row.get(k) is not None]
            return dt.datetime.combine(max(dates), dt.time(16, 0))

        detail = _Table(_t(LgscoDetail), len(self.lgsco_rows))
        stage_ids = self._stage_id(
            np.asarray([r["stage"] for r in self.lgsco_rows], dtype=np.int64)
        )
        detail.columns["stage_id"] = stage_ids
        for key in (
            "lgsco_reference",
            "enquiry_received_on",
            "enquiry_response_due_on",
            "enquiry_responded_on",
            "decision",
            "decision_on",
            "public_report",
            "imported_payment_pence",
        ):
            detail.columns[key] = [r[key] for r in self.lgsco_rows]
        detail.columns["version"] = 1
        detail.columns["updated_at"] = [
            stamp_of(r, "enquiry_received_on", "enquiry_responded_on", "decision_on")
            for r in self.lgsco_rows
        ]
        detail.columns["updated_by"] = [self.owner_name[r["case"]] for r in self.lgsco_rows]
        remedies = _Table(_t(LgscoRemedy), len(self.remedy_rows))
        base = self.base["lgsco_remedy"]
        remedies.columns["id"] = list(range(base + 1, base + 1 + remedies.n))
        remedies.columns["stage_id"] = self._stage_id(
            np.asarray([r["stage"] for r in self.remedy_rows], dtype=np.int64)
        )
        for key in (
            "description",
            "agreed_on",
            "deadline_on",
            "completed_on",
            "evidence_sent_on",
            "late",
            "escalation_level",
            "owner_id",
        ):
            remedies.columns[key] = [r[key] for r in self.remedy_rows]
        remedies.columns["version"] = 1
        remedies.columns["updated_at"] = [
            stamp_of(r, "agreed_on", "completed_on", "evidence_sent_on") for r in self.remedy_rows
        ]
        remedies.columns["updated_by"] = [self.owner_name[r["case"]] for r in self.remedy_rows]
        payments = _Table(_t(LgscoPayment), len(self.payment_rows))
        base = self.base["lgsco_payment"]
        payments.columns["id"] = list(range(base + 1, base + 1 + payments.n))
        payments.columns["stage_id"] = self._stage_id(
            np.asarray([r["stage"] for r in self.payment_rows], dtype=np.int64)
        )
        payments.columns["remedy_id"] = [
            self.base["lgsco_remedy"] + 1 + r["remedy"] for r in self.payment_rows
        ]
        for key in ("amount_pence", "paid_on", "payee"):
            payments.columns[key] = [r[key] for r in self.payment_rows]
        payments.columns["version"] = 1
        payments.columns["updated_at"] = [
            stamp_of(self.remedy_rows[r["remedy"]], "agreed_on", "completed_on")
            for r in self.payment_rows
        ]
        payments.columns["updated_by"] = [self.owner_name[r["case"]] for r in self.payment_rows]
        self.tables.extend([detail, remedies, payments])

    def _build_action_tables(self) -> None:
        rows = self.action_rows
        table = _Table(_t(ActionItem), len(rows))
        base = self.base["action_item"]
        table.columns["id"] = list(range(base + 1, base + 1 + len(rows)))
        table.columns["case_id"] = [int(self.case_ids[r["case"]]) for r in rows]
        table.columns["stage_id"] = self._stage_id(
            np.asarray([r["stage"] for r in rows], dtype=np.int64)
        )
        for key in (
            "action",
            "owner",
            "agreed_with",
            "due_on",
            "done_on",
            "evidence",
            "learning_example",
        ):
            table.columns[key] = [r[key] for r in rows]
        table.columns["version"] = 1
        table.columns["updated_at"] = [
            dt.datetime.combine(r["done_on"] or r["due_on"], dt.time(12, 0)) for r in rows
        ]
        table.columns["updated_by"] = [self.owner_name[r["case"]] for r in rows]
        self.tables.append(table)

    # ------------------------------------------------------------------ references

    def _references(self) -> list[str]:
        """``CSC-2024-00017``: numbered by received date within prefix and year, after the
        numbers already used (by the counters or by existing cases)."""
        pattern = re.compile(r"^([A-Z]+)-(\d{4})-(\d+)$")
        used: dict[tuple[str, int], int] = {}
        for prefix, counter_year, last in self.session.execute(
            sa.select(ReferenceCounter.prefix, ReferenceCounter.year, ReferenceCounter.last_number)
        ).all():
            counter_key = (str(prefix), int(counter_year))
            used[counter_key] = max(used.get(counter_key, 0), int(last))
        for (reference,) in self.session.execute(sa.select(Case.reference)).all():
            match = pattern.match(reference)
            if match:
                key = (match.group(1), int(match.group(2)))
                used[key] = max(used.get(key, 0), int(match.group(3)))
        year = _year(self.received)
        references: list[str] = [""] * self.n
        counters: dict[tuple[str, int], int] = {}
        for i, (p, y) in enumerate(zip(self.procedure.tolist(), year.tolist(), strict=True)):
            key = (PROCEDURES[p].reference_prefix, y)
            number = counters.get(key, used.get(key, 0)) + 1
            counters[key] = number
            references[i] = f"{key[0]}-{y}-{number:05d}"
        self.counters = counters
        return references

    def _update_counters(self) -> None:
        for (prefix, year), last in sorted(self.counters.items()):
            counter = self.session.get(ReferenceCounter, (prefix, year))
            if counter is None:
                self.session.add(ReferenceCounter(prefix=prefix, year=year, last_number=last))
            else:
                counter.last_number = max(counter.last_number, last)
        self.session.flush()

    # ------------------------------------------------------------------ writing

    def _insert(self) -> int:
        total = sum(t.n for t in self.tables)
        done = 0
        report = self.progress
        if report is not None:
            report(0, self.n)
        for table in self.tables:
            statement = sa.insert(table.table)
            for lo in range(0, table.n, CHUNK_ROWS):
                hi = min(table.n, lo + CHUNK_ROWS)
                self.session.execute(statement, table.rows(lo, hi))
                done += hi - lo
                if report is not None:
                    report(min(self.n, self.n * done // max(total, 1)), self.n)
        if report is not None:
            report(self.n, self.n)
        return total

    def _record_audit_event(self, rows: int) -> None:
        """One event in the audit trail for the whole batch (the rows themselves are
        written in bulk, not one by one through the ORM, so they have no events of their
        own). Its time is when the data was made: the trail's own clock, not demo data."""
        first, last = int(self.case_ids[0]), int(self.case_ids[-1])
        details = {
            "cases": self.n,
            "seed": self.seed,
            "end": self.end_date.isoformat(),
            "case_ids": f"{first} to {last}",
            "rows": rows,
        }
        record_events(
            self.session,
            [
                {
                    "occurred_at": utcnow(),
                    "username": DEMO_ACTOR,
                    "action": "generate demo data",
                    "entity": _t(Case).name,
                    "entity_id": None,
                    "case_id": None,
                    "before": None,
                    "after": json.dumps(details, sort_keys=True),
                }
            ],
        )

    # ------------------------------------------------------------------ summary

    def _summary(self, rows: int) -> DemoSummary:
        st = self.st
        by_code: dict[str, int] = {}
        codes = st["code"].tolist()
        procs = self.procedure[st["case"]].tolist()
        for code, proc in zip(codes, procs, strict=True):
            key = f"{PROCEDURES[proc].value} {STAGE_CODES[code].value}"
            by_code[key] = by_code.get(key, 0) + 1
        is_open = st["status"] != STATUS_CLOSED
        overdue = (st["status"] == STATUS_OPEN) & (st["due"] != NONE) & (st["due"] < self.end)
        return DemoSummary(
            cases=self.n,
            by_kind={k.value: int((self.kind == i).sum()) for i, k in enumerate(KINDS)},
            by_procedure={
                p.value: int((self.procedure == i).sum()) for i, p in enumerate(PROCEDURES)
            },
            open_cases=int(self.case_open.sum()),
            stages=self.stage_count,
            stages_by_code=dict(sorted(by_code.items())),
            open_stages=int(is_open.sum()),
            suspended_stages=int((st["status"] == STATUS_SUSPENDED).sum()),
            overdue_stages=int(overdue.sum()),
            points=len(self.point_case),
            lgsco_escalations=len(self.lgsco_rows),
            people=len(self.people["full_name"]),
            assignments=len(self.assignment_rows["stage"]),
            action_items=len(self.action_rows),
            users_created=len(self.new_users),
            first_received=_date(int(self.received.min())),
            last_received=_date(int(self.received.max())),
            rows=rows,
        )


def _t(model: type[Any]) -> sa.Table:
    """A model's table (typed as such for mypy)."""
    table = model.__table__
    assert isinstance(table, sa.Table)
    return table


def _suspension_reason(procedure: int, draw: int) -> SuspensionReason:
    """Children's clocks stop for court proceedings and advocates too; ``draw`` 0-999."""
    if procedure == 0:
        if draw < 500:
            return SuspensionReason.AWAITING_INFORMATION
        if draw < 800:
            return SuspensionReason.COURT_PROCEEDINGS
        if draw < 950:
            return SuspensionReason.ADVOCATE_APPOINTMENT
        return SuspensionReason.OTHER
    return SuspensionReason.AWAITING_INFORMATION if draw < 880 else SuspensionReason.OTHER


def _tables() -> list[sa.Table]:
    models: list[Any] = [
        Person,
        Case,
        CaseParty,
        ComplaintPoint,
        Stage,
        PointOutcome,
        StageGrading,
        StageSuspension,
        StageExtension,
        DueDateChange,
        Assignment,
        LgscoRemedy,
        LgscoPayment,
        ActionItem,
    ]
    return [_t(model) for model in models]
