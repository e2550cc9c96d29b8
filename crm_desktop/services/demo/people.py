"""Made-up people: investigators and independent persons, staff, complainants (some of
whom complain again, a few persistently), the children and adults complained about,
and staff named in compliments."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np

from crm_desktop.domain.eligibility import former_employee_clear_on
from crm_desktop.services.demo import data
from crm_desktop.services.demo.cases import Cases
from crm_desktop.services.demo.draws import (
    I64,
    NONE,
    Draws,
    Period,
    ascii_letters,
    date,
    dates,
)
from crm_desktop.services.demo.reference import Reference

# The columns of a person row the generator fills ("created_day" becomes created_at).
PERSON_FIELDS: Final = (
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


@dataclass
class Investigator:
    local: int  # index into the person rows
    employee: bool
    home_area_id: int | None
    left_on: dt.date | None  # a former employee's leaving date
    elected: bool
    partner: bool
    available: bool
    hourly_pence: int | None

    def independent_on(self, day: dt.date) -> bool:
        """Whether, as far as their employment goes, they may be an Independent Person or
        sit on a review panel on ``day``: not an employee then, nor one who left less than
        three years before (para. 51; the rules in :mod:`crm_desktop.domain.eligibility`)."""
        return self.left_on is None or former_employee_clear_on(self.left_on) <= day


@dataclass
class People:
    rows: dict[str, list[Any]] = field(default_factory=lambda: {key: [] for key in PERSON_FIELDS})
    pool: list[Investigator] = field(default_factory=list)
    staff_first: int = 0
    complainant: I64 = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # per case
    complainant_name: list[str] = field(default_factory=list)  # per case
    subject_case: I64 = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    subject_person: I64 = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    named_case: I64 = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    named_person: I64 = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def count(self) -> int:
        return len(self.rows["full_name"])


def make_people(draws: Draws, ref: Reference, period: Period, cases: Cases) -> People:
    return _Maker(draws, ref, period, cases).run()


class _Maker:
    def __init__(self, draws: Draws, ref: Reference, period: Period, cases: Cases) -> None:
        self.draws = draws
        self.rng = draws.rng
        self.py = draws.py
        self.ref = ref
        self.period = period
        self.cases = cases
        self.people = People()

    def run(self) -> People:
        rng, n, cases, people = self.rng, self.cases.n, self.cases, self.people
        self._pool()
        people.staff_first = people.count
        self._add(data.STAFF_POOL, kind="staff")

        # Complainants: mostly new people; some complain again; a few persistently.
        persistent_first = people.count
        self._add(data.PERSISTENT, kind="persistent")
        repeat = (rng.random(n) < data.REPEAT_COMPLAINANT) & (np.arange(n) > 0)
        persistent = cases.complaint & (rng.random(n) < data.PERSISTENT_COMPLAINANT) & ~repeat
        new = ~repeat & ~persistent
        new_count = int(new.sum())
        first_new = people.count
        self._add(new_count, kind="complainant")
        person = np.full(n, NONE, dtype=np.int64)
        person[new] = first_new + np.arange(new_count, dtype=np.int64)
        person[persistent] = persistent_first + rng.integers(
            0, data.PERSISTENT, int(persistent.sum())
        )
        earlier = (rng.random(n) * np.arange(n)).astype(np.int64)
        for i in np.flatnonzero(repeat).tolist():  # in case order: earlier ones are set
            person[i] = person[int(earlier[i])]
        people.complainant = person
        full_names = people.rows["full_name"]
        people.complainant_name = [full_names[i] for i in person.tolist()]
        created = people.rows["created_day"]
        for i, p in enumerate(person.tolist()):
            if created[p] is None:
                created[p] = int(cases.received[i])

        # Subjects: the child or adult a relative complains about.
        social = cases.complaint & (cases.procedure != 2)
        chance = np.where(
            cases.procedure == 0, data.SUBJECT_CHANCE_CHILDREN, data.SUBJECT_CHANCE_ADULT
        )
        with_subject = np.flatnonzero(social & (rng.random(n) < chance)).astype(np.int64)
        first_subject = people.count
        self._add(len(with_subject), kind="subject", for_cases=with_subject)
        people.subject_case = with_subject
        people.subject_person = first_subject + np.arange(len(with_subject), dtype=np.int64)

        # Compliments naming staff.
        compliments = np.flatnonzero(
            (cases.kind == 1) & (rng.random(n) < data.COMPLIMENT_NAMES_STAFF)
        ).astype(np.int64)
        staff_a = rng.integers(0, data.STAFF_POOL, len(compliments))
        staff_b = rng.integers(0, data.STAFF_POOL, len(compliments))
        two = (rng.random(len(compliments)) < data.COMPLIMENT_NAMES_TWO) & (staff_a != staff_b)
        people.named_case = np.concatenate([compliments, compliments[two]])
        people.named_person = people.staff_first + np.concatenate([staff_a, staff_b[two]])
        return people

    def _names(self, n: int) -> tuple[list[str | None], list[str], list[str]]:
        """Titles, first names and surnames for ``n`` made-up people."""
        rng = self.rng
        female = rng.random(n) < data.FEMALE
        first_f = rng.integers(0, len(data.FEMALE_NAMES), n).tolist()
        first_m = rng.integers(0, len(data.MALE_NAMES), n).tolist()
        last = rng.integers(0, len(data.SURNAMES), n).tolist()
        title_f = self.draws.choice(n, [w for _, w in data.FEMALE_TITLES]).tolist()
        title_m = self.draws.choice(n, [w for _, w in data.MALE_TITLES]).tolist()
        titles: list[str | None] = []
        firsts: list[str] = []
        for i, is_female in enumerate(female.tolist()):
            if is_female:
                titles.append(data.FEMALE_TITLES[title_f[i]][0])
                firsts.append(data.FEMALE_NAMES[first_f[i]])
            else:
                titles.append(data.MALE_TITLES[title_m[i]][0])
                firsts.append(data.MALE_NAMES[first_m[i]])
        return titles, firsts, [data.SURNAMES[i] for i in last]

    def _add(self, count: int, *, kind: str, for_cases: I64 | None = None) -> None:
        if count == 0:
            return
        rng, cases, period = self.rng, self.cases, self.period
        titles, firsts, lasts = self._names(count)
        if kind == "subject" and for_cases is not None:
            same_family = (rng.random(count) < data.SUBJECT_SAME_FAMILY).tolist()
            complainant_names = [self.people.complainant_name[int(c)] for c in for_cases]
            for j in range(count):
                if same_family[j]:
                    lasts[j] = complainant_names[j].split(" ", 1)[1]
            titles = [None] * count
        subject = kind == "subject"
        email = rng.random(count) < (0.0 if subject else data.HAS_EMAIL)
        phone = rng.random(count) < (0.0 if subject else data.HAS_PHONE)
        address = rng.random(count) < (data.SUBJECT_HAS_ADDRESS if subject else data.HAS_ADDRESS)
        numbers = rng.integers(*data.HOUSE_NUMBERS, count).tolist()
        streets = rng.integers(0, len(data.STREETS), count).tolist()
        towns = rng.integers(0, len(data.TOWNS), count).tolist()
        inward = rng.integers(0, 10, count).tolist()
        letters = rng.integers(0, len(data.POSTCODE_LETTERS), (count, 2)).tolist()
        tails = rng.integers(0, 1000, count).tolist()
        mobile = (rng.random(count) < data.MOBILE).tolist()
        if subject and for_cases is not None:
            child = cases.procedure[for_cases] == 0
            age_years = np.where(
                child,
                rng.integers(*data.CHILD_AGES, count),
                rng.integers(*data.OLDER_ADULT_AGES, count),
            )
            age_years = np.where(
                ~child & (rng.random(count) < data.YOUNGER_ADULT),
                rng.integers(*data.YOUNGER_ADULT_AGES, count),
                age_years,
            )
            born = cases.received[for_cases] - age_years * 365 - rng.integers(0, 365, count)
            dob = dates(born.astype(np.int64))
            created = cases.received[for_cases].tolist()
        else:
            known = rng.random(count) < (0.0 if kind == "staff" else data.BIRTH_DATE_KNOWN)
            born = period.end - rng.integers(
                data.ADULT_AGES[0] * 365, data.ADULT_AGES[1] * 365, count
            )
            dob = dates(np.where(known, born, NONE).astype(np.int64))
            created = [None] * count
        p = self.people.rows
        for j in range(count):
            full = f"{firsts[j]} {lasts[j]}"
            p["title"].append(titles[j])
            p["full_name"].append(full)
            if kind == "staff":
                mail = f"{ascii_letters(firsts[j])}.{ascii_letters(lasts[j])}@council.example"
            elif email[j]:
                mail = (
                    f"{ascii_letters(firsts[j])}.{ascii_letters(lasts[j])}"
                    f"{tails[j] % 100}@example.com"
                )
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
                town, district = data.TOWNS[towns[j]]
                p["address"].append(f"{numbers[j]} {data.STREETS[streets[j]]}\n{town}")
                a, b = letters[j]
                p["postcode"].append(
                    f"{district} {inward[j]}{data.POSTCODE_LETTERS[a]}{data.POSTCODE_LETTERS[b]}"
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
            p["vexatious_review_on"][first] = date(period.end + data.VEXATIOUS_REVIEW_DAYS)
            p["contact_arrangements"][first] = data.VEXATIOUS_CONTACT_ARRANGEMENTS
            for j in range(first, first + count):
                p["created_day"][j] = None
        if kind == "staff":
            first = len(p["full_name"]) - count
            areas = [a.id for a in self.ref.areas]
            for j in range(first, first + count):
                p["home_service_area_id"][j] = (
                    areas[self.py.randrange(len(areas))] if areas else None
                )
                p["created_day"][j] = period.start

    def _pool(self) -> None:
        """About 40 investigators and independent persons, with a few awkward cases."""
        p = self.people.rows
        first = len(p["full_name"])
        count = data.POOL_EMPLOYEES + data.POOL_EXTERNALS + 5
        self._add(count, kind="pool")
        py, end = self.py, self.period.end
        complaint_areas = [a.id for a in self.ref.areas if a.for_complaints]
        pool = self.people.pool
        for j in range(count):
            local = first + j
            p["is_investigator"][local] = True
            p["created_day"][local] = self.period.start
            p["title"][local] = py.choice(["Dr", None, None, None]) or p["title"][local]
            base = p["full_name"][local].split(" ")
            p["email"][local] = (
                f"{ascii_letters(base[0])}.{ascii_letters(base[-1])}@investigations.example"
            )
            employee = j < data.POOL_EMPLOYEES
            home = py.choice(complaint_areas) if employee and complaint_areas else None
            hourly = None if employee else py.randrange(*data.HOURLY_FEE_PENCE)
            investigator = Investigator(local, employee, home, None, False, False, True, hourly)
            notes = "Council employee: Investigating Officer only" if employee else None
            special = j - data.POOL_EMPLOYEES - data.POOL_EXTERNALS
            if special == 0:  # left the council recently: not an IP for three years
                investigator.left_on = date(end - 400)
                investigator.home_area_id = py.choice(complaint_areas) if complaint_areas else None
                p["left_employment_on"][local] = investigator.left_on
                notes = "Former employee (left less than 3 years ago)"
            elif special == 1:  # partner of an officer: may be an IO, never an IP
                investigator.partner = True
                p["is_partner_of_member_or_officer"][local] = True
                notes = "Civil partner of a council officer: not eligible as an Independent Person"
            elif special == 2:  # an elected member: in the pool but never eligible as IP
                investigator.elected = True
                p["is_elected_member"][local] = True
                notes = (
                    "Elected member: not eligible as an Independent Person or review panel member"
                )
            elif special == 3:  # unavailable for now
                investigator.available = False
                p["available"][local] = False
                p["unavailable_until"][local] = date(end + 45)
                notes = "On leave for six weeks or so"
            elif special == 4:  # left long ago: an IP once three years have passed
                investigator.left_on = date(end - 5 * 365)
                p["left_employment_on"][local] = investigator.left_on
                notes = "Former employee (left over 3 years ago)"
            p["is_employee"][local] = employee
            p["home_service_area_id"][local] = investigator.home_area_id
            p["hourly_fee_pence"][local] = hourly
            p["daily_fee_pence"][local] = None if hourly is None else hourly * 7
            p["notes"][local] = notes
            pool.append(investigator)
