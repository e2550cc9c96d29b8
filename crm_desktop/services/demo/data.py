"""The demo's distributions as plain data: volumes, shares, natures, outcomes, timings,
people and text.

Most figures follow the council's 2023 scrutiny panel report (shared/reference; "para."
numbers are its paragraphs); the rest are plausible guesses, named here so that every
number about the world the demo invents is in one place. Shares are weights (they need
not add up to 1) in the order of the tuple or enum they belong to; ``(lo, hi)`` day
ranges include ``lo`` and exclude ``hi``. Which stage follows which, and which outcomes
let a complaint go further, are not here: they come from the workflow's tables
(:mod:`crm_desktop.domain.workflow`).
"""

from __future__ import annotations

from typing import Final

from crm_desktop.domain.enums import (
    Channel,
    Kind,
    LgscoDecision,
    Outcome,
    Procedure,
    StageCode,
    SuspensionReason,
    UserRole,
)
from crm_desktop.domain.workflow import COMPLAINTS, Action, State
from crm_desktop.services.demo.draws import Bucket

# ------------------------------------------------------------------ volumes and shares
YEARS: Final = 5  # financial years of data: the one holding ``end`` and the four before

# Open cases near the end date (see lifecycle.run_clocks).
RECENT_DAYS: Final = 61  # "the last two months"
HOLD_IN_TIME: Final = 0.95  # a recent stage still in time is left unanswered this often
HOLD_OVERDUE: Final = 0.35  # ... and a recent stage already past its due date
STUCK: Final = 0.04  # a stage started 2 to 12 months ago left open (overdue)
OPEN_SUSPENDED: Final = 0.04  # an open stage whose clock is stopped
STUCK_SUSPENDED: Final = {  # ... of which this share have their clock stopped
    Procedure.CHILDREN: 0.6,  # court proceedings, an advocate being appointed
    Procedure.ADULT: 0.0,  # the adult procedure has no suspension
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
NEXT_STAGE_CHANCE: Final = {
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
# Then the annual review letter's other decisions: upheld with a satisfactory remedy
# already provided by the council, upheld with fault but no injustice, advice given and
# referred back for local resolution.
LGSCO_DECISION_WEIGHTS: Final = (9.0, 21.0, 5.0, 5.0, 3.0, 14.0, 1.5, 1.5, 1.5, 1.0, 1.0)
POINTS_PER_COMPLAINT: Final = {  # 1 to 4; children's are recorded point by point (para. 24)
    Procedure.CHILDREN: (0.2, 0.3, 0.3, 0.2),
    Procedure.ADULT: (0.75, 0.18, 0.05, 0.02),
    Procedure.CORPORATE: (0.72, 0.2, 0.06, 0.02),
}

# Response times: (weight, lowest, highest working days used, beta a, beta b) buckets,
# for the default timescales (scaled when the council's timescale differs).
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
# A closed stage whose clock was stopped on the way. None for the review panel's stage
# (its panel, report and response dates allow for no stopped clock) nor for the adult
# procedure (no suspension). (An open stage whose clock may be stopped may be suspended
# on the end date: OPEN_SUSPENDED and STUCK_SUSPENDED above; see may_suspend.)
SUSPENSION_CHANCE: Final = {
    (Procedure.CHILDREN, StageCode.STAGE_1): 0.03,
    (Procedure.CHILDREN, StageCode.STAGE_2): 0.08,
    (Procedure.CORPORATE, StageCode.STAGE_1): 0.01,
    (Procedure.CORPORATE, StageCode.STAGE_2): 0.03,
}


def may_suspend(procedure: Procedure, stage: StageCode) -> bool:
    """Whether the stage's clock may be stopped: the workflow's own table says."""
    running = COMPLAINTS[procedure].get(stage, {}).get(State.IN_PROGRESS, {})
    return Action.SUSPEND in running


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
    ("manager", "Morag Ellison", UserRole.ADMIN),  # the team manager, who adds users
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


# ------------------------------------------------------------------ by procedure

COMPLAINT_AREA_WEIGHTS: Final = {  # children's complaints are recorded by team
    Procedure.ADULT: ADULT_AREA_WEIGHTS,
    Procedure.CORPORATE: CORPORATE_AREA_WEIGHTS,
}
COMPLIMENT_AREA_WEIGHTS: Final = {
    Procedure.CHILDREN: CHILDREN_COMPLIMENT_WEIGHTS,
    Procedure.ADULT: ADULT_COMPLIMENT_WEIGHTS,
    Procedure.CORPORATE: CORPORATE_COMPLIMENT_WEIGHTS,
}
NEW_COMPLIMENT_AREA_WEIGHT: Final = 2.0  # a service area for compliments not listed above
NATURE_WEIGHTS: Final = {
    Procedure.CHILDREN: CHILDREN_NATURE_WEIGHTS,
    Procedure.ADULT: ADULT_NATURE_WEIGHTS,
    Procedure.CORPORATE: CORPORATE_NATURE_WEIGHTS,
}

# ------------------------------------------------------------------ when cases arrive

WORKING_DAY_WEIGHT: Final = 1.0  # relative number of cases received on a working day
SATURDAY_WEIGHT: Final = 0.18  # ... on a Saturday (online forms, emails)
SUNDAY_WEIGHT: Final = 0.1
HOLIDAY_WEIGHT: Final = 0.15  # ... on a weekday that is a bank holiday or closure day
YEARLY_GROWTH: Final = 0.12  # volumes rise by this share a year
LEAD_OFFICER_SHARE: Final = 0.7  # cases owned by their procedure's lead officer
CORPORATE_LEADS: Final = 2  # corporate complaints have two lead officers
COMMENT_WITH_AREA: Final = 0.5  # comments that name a service area as well

EVENTS_BEFORE_MEAN: Final = 40.0  # days between the events and the complaint (exponential)
EVENTS_BEFORE_MAX: Final = 330
LATE_COMPLAINT: Final = 0.015  # complaints made over 12 months after the events
LATE_COMPLAINT_DAYS: Final = (370, 700)
COMPLIMENT_EVENTS_DAYS: Final = (0, 30)

# ------------------------------------------------------------------ compliments and comments

COMPLIMENT_PASSED_ON: Final = (1.2, 1.5, 40)  # working days: beta(a, b) times the last
COMMENT_REPLIED: Final = 0.88  # comments the directorate replies to
COMMENT_REPLY_DAYS: Final = (5, 56)  # working days to the reply
COMMENT_PASSED_ON_DAYS: Final = 20  # a comment without a reply is closed after

# ------------------------------------------------------------------ stages

ACKNOWLEDGE_DAYS: Final = 3  # default timescales where the reference data has none
NEXT_STAGE_WINDOW: Final = 20
OUTER_LIMIT_MONTHS: Final = 6  # adult: the statutory outer limit
PANEL_MEETING: Final = 30
PANEL_REPORT: Final = 5
COUNCIL_RESPONSE: Final = 15
LGSCO_ENQUIRY_RESPONSE: Final = 20

START_LAG_WEIGHTS: Final = (0.72, 0.18, 0.06, 0.03, 0.01)  # 0, 1, 2... days to start
ACKNOWLEDGE_LAG_WEIGHTS: Final = (0.15, 0.40, 0.22, 0.13, 0.04, 0.03, 0.02, 0.01)
REGRADED: Final = 0.08  # moderate/high risk adult complaints first graded low

# Extensions: granted in steps of this many working days, this often when needed.
EXTENSION_STEP: Final = {
    (Procedure.CHILDREN, StageCode.STAGE_1): 10,
    (Procedure.CHILDREN, StageCode.STAGE_2): 5,
    (Procedure.CHILDREN, StageCode.STAGE_3): 5,
    (Procedure.ADULT, StageCode.LOW): 10,
    (Procedure.ADULT, StageCode.MODERATE_HIGH): 10,
    (Procedure.ADULT, StageCode.INFORMAL): 10,
    (Procedure.CORPORATE, StageCode.STAGE_1): 10,
    (Procedure.CORPORATE, StageCode.STAGE_2): 5,
}
EXTENSION_CHANCE: Final = {
    Procedure.CHILDREN: 0.92,
    Procedure.ADULT: 0.6,
    Procedure.CORPORATE: 0.92,
}
EXTENSION_SPLIT_OVER: Final = 20  # an extension of more days is recorded as two ...
EXTENSION_SPLIT: Final = 0.5  # ... this often
SUSPENSION_MIN_USED: Final = 3  # a clock is stopped only in a stage that took this long
SUSPENSION_DAYS: Final = (3, 26)
# Why a clock stopped: each reason up to a draw (0-999) below its number; then "other".
SUSPENSION_REASONS: Final = {
    Procedure.CHILDREN: (
        (SuspensionReason.AWAITING_INFORMATION, 500),
        (SuspensionReason.COURT_PROCEEDINGS, 800),
        (SuspensionReason.ADVOCATE_APPOINTMENT, 950),
    ),
    Procedure.ADULT: ((SuspensionReason.AWAITING_INFORMATION, 880),),
    Procedure.CORPORATE: ((SuspensionReason.AWAITING_INFORMATION, 880),),
}

LATE_NEXT_STAGE_REQUEST: Final = 0.04  # asked for after the window closed ...
LATE_NEXT_STAGE_DAYS: Final = 11  # ... by up to 10 working days
NEXT_STAGE_REQUEST_BETA: Final = (1.2, 2.0)  # otherwise: beta-shaped within the window
NEXT_STAGE_START_DAYS: Final = (0, 3)  # working days from the request to the start
STATEMENT_DAYS: Final = (3, 16)  # children's Stage 2: working days to agree the statement

# Children's Stage 3 review panel: a share in time, the rest late by up to N - 1 days.
PANEL_IN_TIME: Final = 0.88
PANEL_LATE_DAYS: Final = 16
PANEL_REPORT_IN_TIME: Final = 0.9
PANEL_REPORT_FIRST_DAY: Final = 2
PANEL_REPORT_LATE_DAYS: Final = 4
COUNCIL_RESPONSE_IN_TIME: Final = 0.88
COUNCIL_RESPONSE_FIRST_DAY: Final = 5
COUNCIL_RESPONSE_LATE_DAYS: Final = 11

# The Ombudsman.
LGSCO_ENQUIRY_DAYS: Final = (15, 131)  # working days from the council's last response
LGSCO_RESPONSE_IN_TIME: Final = 0.88
LGSCO_RESPONSE_DAYS: Final = (5, 21)
LGSCO_RESPONSE_LATE_DAYS: Final = (21, 36)
LGSCO_INITIAL_DECISIONS: Final = 3  # the first decisions (in LGSCO_DECISIONS) come quickly:
LGSCO_INITIAL_DECISION_DAYS: Final = (10, 61)
LGSCO_DECISION_DAYS: Final = (60, 231)

# ------------------------------------------------------------------ points

MIXED_POINT_OUTCOME_WEIGHTS: Final = (0.35, 0.25, 0.4)  # further points of a mixed stage
TWO_CATEGORIES: Final = 0.3  # adult complaints counted under two service categories

# ------------------------------------------------------------------ investigators

INVESTIGATED: Final = {  # stages given an investigating officer (or a review panel)
    (Procedure.CHILDREN, StageCode.STAGE_2): 1.0,
    (Procedure.CHILDREN, StageCode.STAGE_3): 1.0,
    (Procedure.ADULT, StageCode.MODERATE_HIGH): 0.4,
    (Procedure.CORPORATE, StageCode.STAGE_2): 0.5,
}
OFFER_DAYS: Final = (0, 5)  # working days from the request to the offer
ANSWER_DAYS: Final = (1, 4)  # ... and from the offer to the answer
RECENTLY_OFFERED_DAYS: Final = 45  # offers this recent skip unavailable people
EMPLOYEE_IO_WEIGHT: Final = 0.6  # an employee is chosen as IO less often than an external
IO_DECLINES: Final = 0.06
REPORT_BEFORE_RESPONSE_DAYS: Final = (1, 9)
REPORT_IN_ON_OPEN_STAGE: Final = 0.2
IO_HOURS: Final = (12, 45)
IP_HOURS: Final = (6, 20)
PANEL_HOURS: Final = (4, 9)

# ------------------------------------------------------------------ remedies and learning

REMEDIES_PER_DECISION: Final = (1, 1, 2, 2, 3)  # drawn from evenly
REMEDY_PAYS: Final = 0.7  # an upheld decision with a payment (a public report always)
PUBLIC_REPORT_PAYMENT_POUNDS: Final = 3000
REMEDY_IN_TIME: Final = 0.78
REMEDY_LATE_DAYS: Final = (1, 31)
REMEDY_NOT_YET_DONE: Final = 0.6  # a remedy whose deadline is still ahead
EVIDENCE_DAYS: Final = (0, 4)

ACTION_PLAN: Final = 0.15  # upheld complaints with an action plan
ACTIONS_PER_PLAN: Final = (1, 1, 2, 3)  # drawn from evenly
ACTION_DUE_DAYS: Final = (20, 61)
ACTION_DONE: Final = 0.85
ACTION_DONE_DAYS: Final = (5, 71)
ACTION_DONE_EARLY: Final = 0.3  # an action not yet due already done
ACTION_DONE_EARLY_DAYS: Final = (1, 20)
LEARNING_EXAMPLE: Final = 0.12

# ------------------------------------------------------------------ people

FEMALE: Final = 0.55
HAS_EMAIL: Final = 0.65
HAS_PHONE: Final = 0.55
MOBILE: Final = 0.7
HAS_ADDRESS: Final = 0.7
SUBJECT_HAS_ADDRESS: Final = 0.3
HOUSE_NUMBERS: Final = (1, 180)
BIRTH_DATE_KNOWN: Final = 0.4
ADULT_AGES: Final = (20, 86)  # years, complainants and investigators
REPEAT_COMPLAINANT: Final = 0.04  # a case from someone who complained before
PERSISTENT_COMPLAINANT: Final = 0.0045  # a complaint from one of the persistent few
SUBJECT_CHANCE_CHILDREN: Final = 0.55  # complaints made about a child by a relative
SUBJECT_CHANCE_ADULT: Final = 0.45  # ... about an adult
SUBJECT_SAME_FAMILY: Final = 0.8  # the subject shares the complainant's surname
CHILD_AGES: Final = (1, 18)
OLDER_ADULT_AGES: Final = (65, 99)
YOUNGER_ADULT: Final = 0.2
YOUNGER_ADULT_AGES: Final = (18, 65)
COMPLIMENT_NAMES_STAFF: Final = 0.4
COMPLIMENT_NAMES_TWO: Final = 0.2
HOURLY_FEE_PENCE: Final = (4000, 6600, 100)  # external investigators: range and step
VEXATIOUS_REVIEW_DAYS: Final = 90
VEXATIOUS_CONTACT_ARRANGEMENTS: Final = (
    "Contact by email only, through the consumer relations manager. "
    "New complaints are still logged and considered."
)
