"""The eligibility rules on their own: every rule, with its boundary, no database."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from crm_desktop.domain import eligibility as rules
from crm_desktop.domain.eligibility import (
    CandidateFacts,
    CaseFacts,
    CaseParty,
    Eligibility,
    HeldRole,
    check,
    former_employee_clear_on,
    roles_at,
)
from crm_desktop.domain.enums import (
    AssignmentRole,
    AssignmentStatus,
    PartyRole,
    Procedure,
    StageCode,
)

IO = AssignmentRole.INVESTIGATING_OFFICER
IP = AssignmentRole.INDEPENDENT_PERSON
MEMBER = AssignmentRole.PANEL_MEMBER
CHAIR = AssignmentRole.PANEL_CHAIR
TODAY = dt.date(2024, 6, 3)
THROUGH_CARE, FOSTERING = 5, 6
STAGE_2_ID, STAGE_3_ID = 20, 30


def person(**kwargs: object) -> CandidateFacts:
    base = CandidateFacts(person_id=1, name="Pat Jones")
    return dataclasses.replace(base, **kwargs)  # type: ignore[arg-type]


def stage_two(**kwargs: object) -> CaseFacts:
    base = CaseFacts(
        procedure=Procedure.CHILDREN,
        stage=StageCode.STAGE_2,
        stage_id=STAGE_2_ID,
        reference="CSC-2024-00001",
        service_area_id=THROUGH_CARE,
        service_area_name="Through Care",
    )
    return dataclasses.replace(base, **kwargs)  # type: ignore[arg-type]


def held(
    person_id: int,
    role: AssignmentRole,
    status: AssignmentStatus = AssignmentStatus.ACCEPTED,
    stage_id: int = STAGE_2_ID,
    stage: StageCode = StageCode.STAGE_2,
    name: str | None = None,
) -> HeldRole:
    return HeldRole(person_id, name or f"Person {person_id}", role, status, stage_id, stage)


def stage_three(*roles: HeldRole) -> CaseFacts:
    return stage_two(
        stage=StageCode.STAGE_3,
        stage_id=STAGE_3_ID,
        held=roles,
        stage_two_ip_ids=frozenset(
            r.person_id for r in roles if r.role == IP and r.stage == StageCode.STAGE_2
        ),
    )


def rules_of(verdict: rules.Verdict, outcome: Eligibility) -> set[str]:
    return {f.rule for f in verdict.findings if f.outcome == outcome}


# ----------------------------------------------------------------------- basics


def test_an_external_independent_person_is_allowed_with_the_rules_met_listed() -> None:
    verdict = check(person(), IP, stage_two(), TODAY)
    assert verdict.outcome == Eligibility.ALLOWED and verdict.is_allowed
    assert verdict.reasons == ()
    met = rules_of(verdict, Eligibility.ALLOWED)
    assert rules.RULE_IP_INDEPENDENT in met
    assert rules.RULE_IP_NO_OTHER_ROLE in met
    assert rules.RULE_AVAILABILITY in met
    assert verdict.summary() == "Pat Jones as Independent Person: allowed."


def test_every_finding_has_a_plain_reason_and_the_rule_it_comes_from() -> None:
    candidates = [
        person(),
        person(is_employee=True, home_service_area_id=THROUGH_CARE),
        person(is_elected_member=True, available=False),
        person(left_employment_on=dt.date(2023, 1, 1), in_pool=False),
    ]
    for candidate in candidates:
        for role in AssignmentRole:
            for case in (stage_two(), stage_three(held(1, IP))):
                verdict = check(candidate, role, case, TODAY)
                assert verdict.findings
                worst = max(f.outcome.severity for f in verdict.findings)
                assert verdict.outcome.severity == worst
                for finding in verdict.findings:
                    assert finding.reason.endswith(".") and finding.reason[0].isupper()
                    # The rule in words; no reference to a paragraph of a design paper.
                    assert "para." not in finding.rule and ".md" not in finding.rule
                    assert finding.rule in finding.text


def test_the_ip_independence_rule_cites_the_regulations() -> None:
    assert rules.RULE_IP_INDEPENDENT == (
        "Independent Person: not a member or officer of the council, nor the spouse or civil "
        "partner of one (Children Act 1989 Representations Procedure (England) Regulations "
        "2006, reg. 2)"
    )


def test_someone_not_in_the_pool_is_refused() -> None:
    verdict = check(person(in_pool=False), IO, stage_two(), TODAY)
    assert verdict.outcome == Eligibility.REFUSED
    assert verdict.reasons == (
        "Pat Jones is not in the investigator pool. Add them to the pool first.",
    )
    assert verdict.refusals[0].rule == rules.RULE_POOL


# ------------------------------------------------------------------ independence


@pytest.mark.parametrize("role", [IP, MEMBER, CHAIR])
def test_an_elected_member_cannot_be_an_independent_person_or_sit_on_the_panel(
    role: AssignmentRole,
) -> None:
    case = stage_two() if role == IP else stage_three()
    verdict = check(person(is_elected_member=True), role, case, TODAY)
    assert verdict.outcome == Eligibility.REFUSED
    assert any("is an elected member of the council" in r for r in verdict.reasons)


def test_a_council_officer_cannot_be_an_independent_person() -> None:
    verdict = check(
        person(is_employee=True, home_service_area_id=FOSTERING), IP, stage_two(), TODAY
    )
    assert verdict.outcome == Eligibility.REFUSED
    assert verdict.reasons == (
        "Pat Jones is employed by the council, so cannot be an Independent Person.",
    )
    assert verdict.refusals[0].rule == rules.RULE_IP_INDEPENDENT


def test_someone_whose_leaving_date_is_still_to_come_is_still_an_officer() -> None:
    leaving = TODAY + dt.timedelta(days=1)
    verdict = check(person(left_employment_on=leaving), IP, stage_two(), TODAY)
    assert verdict.outcome == Eligibility.REFUSED
    assert "employed by the council (until 4 Jun 2024)" in verdict.reasons[0]


def test_a_members_spouse_cannot_be_an_independent_person() -> None:
    verdict = check(person(is_partner_of_member_or_officer=True), IP, stage_two(), TODAY)
    assert verdict.outcome == Eligibility.REFUSED
    assert verdict.reasons == (
        "Pat Jones is the spouse or civil partner of a member or officer of the council, so "
        "cannot be an Independent Person.",
    )


def test_a_members_spouse_may_be_an_investigating_officer() -> None:
    verdict = check(person(is_partner_of_member_or_officer=True), IO, stage_two(), TODAY)
    assert verdict.outcome == Eligibility.ALLOWED


def test_a_panel_member_must_be_independent_too() -> None:
    verdict = check(person(is_employee=True), MEMBER, stage_three(), TODAY)
    assert verdict.outcome == Eligibility.REFUSED
    assert verdict.refusals[0].rule == rules.RULE_PANEL_INDEPENDENT
    assert "cannot be a review panel member" in verdict.reasons[0]


# ------------------------------------------------------- former employees: 3 years


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (dt.date(2021, 3, 14), Eligibility.REFUSED),  # the day they left
        (dt.date(2022, 6, 1), Eligibility.REFUSED),
        (dt.date(2024, 3, 13), Eligibility.REFUSED),  # the day before 3 years
        (dt.date(2024, 3, 14), Eligibility.ALLOWED),  # exactly 3 years after leaving
        (dt.date(2024, 3, 15), Eligibility.ALLOWED),
    ],
)
def test_a_former_employee_is_refused_until_three_years_after_leaving(
    today: dt.date, expected: Eligibility
) -> None:
    # The council's own rule (para. 51): refused, not a warning a manager can override.
    verdict = check(person(left_employment_on=dt.date(2021, 3, 14)), IP, stage_two(), today)
    assert verdict.outcome == expected
    if expected == Eligibility.REFUSED:
        assert not verdict.needs_override
        assert verdict.reasons == (
            "Pat Jones left the council's employment on 14 Mar 2021, less than 3 years ago, "
            "so cannot be an Independent Person before 14 Mar 2024.",
        )
        assert verdict.refusals[0].rule == rules.RULE_FORMER_EMPLOYEE


def test_leaving_on_29_february_clears_on_28_february_three_years_later() -> None:
    left = dt.date(2020, 2, 29)
    assert former_employee_clear_on(left) == dt.date(2023, 2, 28)
    candidate = person(left_employment_on=left)
    assert check(candidate, IP, stage_two(), dt.date(2023, 2, 27)).outcome == Eligibility.REFUSED
    assert check(candidate, IP, stage_two(), dt.date(2023, 2, 28)).outcome == Eligibility.ALLOWED


def test_the_boundary_uses_calendar_years_not_3_times_365_days() -> None:
    # 2022-03-01 + 3 years crosses 29 Feb 2024: 1096 days, not 1095.
    left = dt.date(2021, 3, 1)
    assert former_employee_clear_on(left) == dt.date(2024, 3, 1)
    candidate = person(left_employment_on=left)
    day_1095 = left + dt.timedelta(days=1095)
    assert day_1095 == dt.date(2024, 2, 29)
    assert check(candidate, IP, stage_two(), day_1095).outcome == Eligibility.REFUSED


def test_an_employee_tick_left_on_after_the_leaving_date_does_not_keep_them_employed() -> None:
    """The record says "employee" with a leaving date of 31 Dec 2024 (saved before it came,
    when the tick had to be on): after it they are a former employee, and clear three
    years later. They are not refused for ever as "employed"."""
    candidate = person(is_employee=True, left_employment_on=dt.date(2024, 12, 31))
    before = check(candidate, IP, stage_two(), dt.date(2024, 12, 30))
    assert before.reasons == (
        "Pat Jones is employed by the council (until 31 Dec 2024), so cannot be an "
        "Independent Person.",
    )
    after = check(candidate, IP, stage_two(), dt.date(2026, 6, 1))
    assert after.reasons == (
        "Pat Jones left the council's employment on 31 Dec 2024, less than 3 years ago, "
        "so cannot be an Independent Person before 31 Dec 2027.",
    )
    assert check(candidate, IP, stage_two(), dt.date(2028, 6, 1)).outcome == Eligibility.ALLOWED
    # Someone who signs in to the program as staff is employed, whatever the record says.
    staff = dataclasses.replace(candidate, on_staff=True)
    assert check(staff, IP, stage_two(), dt.date(2028, 6, 1)).outcome == Eligibility.REFUSED
    # As an Investigating Officer: no longer "from" the service they left.
    former = dataclasses.replace(candidate, home_service_area_id=THROUGH_CARE)
    assert check(former, IO, stage_two(), dt.date(2025, 2, 3)).outcome == Eligibility.ALLOWED


def test_a_recent_former_employee_may_be_an_investigating_officer_without_a_warning() -> None:
    candidate = person(left_employment_on=dt.date(2024, 1, 1), home_service_area_id=THROUGH_CARE)
    assert check(candidate, IO, stage_two(), TODAY).outcome == Eligibility.ALLOWED


def test_a_recent_former_employee_on_the_review_panel_is_refused() -> None:
    verdict = check(person(left_employment_on=dt.date(2023, 1, 1)), MEMBER, stage_three(), TODAY)
    assert verdict.outcome == Eligibility.REFUSED


# ------------------------------------------- spouses and civil partners (reg. 2; para. 51)


@pytest.mark.parametrize(
    ("partner_left", "today", "expected"),
    [
        (dt.date(2022, 9, 30), dt.date(2024, 6, 3), Eligibility.REFUSED),  # left 20 months ago
        (dt.date(2021, 6, 3), dt.date(2024, 6, 2), Eligibility.REFUSED),  # the day before 3 years
        (dt.date(2021, 6, 3), dt.date(2024, 6, 3), Eligibility.ALLOWED),  # 3 years to the day
        (dt.date(2024, 12, 20), dt.date(2024, 6, 3), Eligibility.REFUSED),  # still employed
    ],
)
def test_the_partner_of_a_recent_former_employee_is_refused(
    partner_left: dt.date, today: dt.date, expected: Eligibility
) -> None:
    candidate = person(partner_left_employment_on=partner_left)
    for role in (IP, MEMBER):
        case = stage_two() if role == IP else stage_three()
        verdict = check(candidate, role, case, today)
        assert verdict.outcome == expected
        if expected == Eligibility.REFUSED:
            assert "spouse or civil partner" in verdict.reasons[0]
            assert verdict.refusals[0].rule == rules.RULE_FORMER_EMPLOYEE


def test_the_partner_of_a_member_or_officer_is_refused() -> None:
    verdict = check(person(is_partner_of_member_or_officer=True), IP, stage_two(), TODAY)
    assert verdict.is_refused


# ----------------------------------------- the Investigating Officer's management line


def test_an_io_who_manages_the_service_area_is_refused() -> None:
    candidate = person(
        is_employee=True, home_service_area_id=FOSTERING, manages_service_area_id=THROUGH_CARE
    )
    verdict = check(candidate, IO, stage_two(directorate_id=7), TODAY)
    assert verdict.is_refused
    assert verdict.refusals[0].rule == rules.RULE_IO_LINE
    assert "manages Through Care" in verdict.reasons[0]


def test_an_io_in_the_directorates_management_line_is_refused() -> None:
    candidate = person(is_employee=True, home_service_area_id=FOSTERING, manages_directorate_id=7)
    verdict = check(candidate, IO, stage_two(directorate_id=7), TODAY)
    assert verdict.is_refused
    assert "management line of the directorate" in verdict.reasons[0]
    # Managing another directorate is no bar.
    other = check(candidate, IO, stage_two(directorate_id=8), TODAY)
    assert other.outcome == Eligibility.ALLOWED


# ------------------------------------------------------------- one role per complaint


def test_the_investigating_officer_cannot_also_be_the_independent_person() -> None:
    case = stage_two(held=(held(1, IO, name="Pat Jones"),))
    verdict = check(person(), IP, case, TODAY)
    assert verdict.outcome == Eligibility.REFUSED
    assert verdict.reasons == (
        "Pat Jones is the Investigating Officer at Stage 2 on this complaint, so cannot also "
        "be its Independent Person.",
    )
    assert verdict.refusals[0].rule == rules.RULE_IP_NO_OTHER_ROLE


def test_the_independent_person_cannot_also_be_the_investigating_officer() -> None:
    case = stage_two(held=(held(1, IP, status=AssignmentStatus.OFFERED),))
    verdict = check(person(), IO, case, TODAY)
    assert verdict.outcome == Eligibility.REFUSED
    assert "has been offered the role of the Independent Person" in verdict.reasons[0]


def test_a_replaced_investigating_officer_still_holds_that_role_on_the_complaint() -> None:
    case = stage_two(held=(held(1, IO, status=AssignmentStatus.REPLACED),))
    verdict = check(person(), IP, case, TODAY)
    assert verdict.outcome == Eligibility.REFUSED
    assert "was the Investigating Officer at Stage 2 (since replaced)" in verdict.reasons[0]


def test_a_declined_offer_is_no_role_held() -> None:
    case = stage_two(held=(held(1, IO, status=AssignmentStatus.DECLINED),))
    assert check(person(), IP, case, TODAY).outcome == Eligibility.ALLOWED


@pytest.mark.parametrize(
    ("party", "role", "text"),
    [
        (PartyRole.COMPLAINANT, IP, "the complainant"),
        (PartyRole.ADVOCATE, IP, "the complainant's advocate"),
        (PartyRole.NAMED_STAFF, IO, "a member of staff named in the complaint"),
    ],
)
def test_a_party_to_the_case_cannot_investigate_it(
    party: PartyRole, role: AssignmentRole, text: str
) -> None:
    case = stage_two(parties=(CaseParty(1, party),))
    verdict = check(person(), role, case, TODAY)
    assert verdict.outcome == Eligibility.REFUSED
    assert verdict.reasons == (f"Pat Jones is {text} on this case.",)


@pytest.mark.parametrize(
    ("party", "same"),
    [
        (CaseParty(7, PartyRole.COMPLAINANT, "PAT  JONES", None), "name"),
        (CaseParty(7, PartyRole.COMPLAINANT, "P. Jones", "Pat@Example.org"), "email address"),
    ],
)
def test_a_party_recorded_apart_with_the_same_name_or_email_is_a_warning(
    party: CaseParty, same: str
) -> None:
    # The complainant was typed in when the case was recorded: a person record of their
    # own, not the pool member's, but perhaps the same person.
    verdict = check(person(email="pat@example.org"), IP, stage_two(parties=(party,)), TODAY)
    assert verdict.outcome == Eligibility.WARNING
    assert verdict.reasons == (
        f"Pat Jones has the same {same} as the complainant on this case: check they are not "
        "the same person.",
    )
    other = CaseParty(7, PartyRole.COMPLAINANT, "Sam Lee", "sam@example.org")
    assert check(person(email="pat@example.org"), IP, stage_two(parties=(other,)), TODAY).is_allowed


# ------------------------------------------------------- the service complained about


def test_an_io_from_the_service_complained_about_is_refused() -> None:
    candidate = person(is_employee=True, home_service_area_id=THROUGH_CARE)
    verdict = check(candidate, IO, stage_two(), TODAY)
    assert verdict.outcome == Eligibility.REFUSED
    assert verdict.reasons == ("Pat Jones works in Through Care, the service complained about.",)
    assert verdict.refusals[0].rule == rules.RULE_IO_SERVICE


def test_an_io_employed_in_another_service_is_allowed() -> None:
    candidate = person(
        is_employee=True, home_service_area_id=FOSTERING, home_service_area_name="Fostering"
    )
    verdict = check(candidate, IO, stage_two(), TODAY)
    assert verdict.outcome == Eligibility.ALLOWED
    assert any(
        f.reason == "Pat Jones is an employee from Fostering, not from Through Care."
        for f in verdict.findings
    )


def test_an_io_from_a_service_of_the_same_name_in_another_list_is_a_warning() -> None:
    # "Through Care" is a children's service area and, under Worcestershire Children
    # First, a corporate one too: the same service, in two lists.
    candidate = person(
        is_employee=True, home_service_area_id=999, home_service_area_name=" through  care"
    )
    verdict = check(candidate, IO, stage_two(), TODAY)
    assert verdict.outcome == Eligibility.WARNING
    assert verdict.reasons == (
        "Pat Jones works in another service area also called Through Care (listed apart, "
        "under another procedure or directorate): if it is the same service, they may not "
        "investigate this complaint.",
    )
    assert verdict.warnings[0].rule == rules.RULE_IO_SERVICE


def test_an_external_io_whose_old_service_matches_is_not_from_the_service() -> None:
    candidate = person(home_service_area_id=THROUGH_CARE)  # not an employee
    assert check(candidate, IO, stage_two(), TODAY).outcome == Eligibility.ALLOWED


def test_an_employee_io_with_no_service_recorded_is_a_warning() -> None:
    verdict = check(person(is_employee=True), IO, stage_two(), TODAY)
    assert verdict.outcome == Eligibility.WARNING
    assert "service area is not recorded" in verdict.reasons[0]


def test_a_case_without_a_service_area_is_a_warning_for_an_employee_io() -> None:
    candidate = person(is_employee=True, home_service_area_id=FOSTERING)
    verdict = check(candidate, IO, stage_two(service_area_id=None), TODAY)
    assert verdict.outcome == Eligibility.WARNING


# ------------------------------------------------------------------ the review panel


def test_the_stage_two_ip_proposed_for_the_panel_is_refused_once() -> None:
    case = stage_three(held(1, IP, name="Pat Jones"), held(2, IO))
    verdict = check(person(), MEMBER, case, TODAY)
    assert verdict.outcome == Eligibility.REFUSED
    assert verdict.reasons == (
        "Pat Jones was the Independent Person at Stage 2 of this complaint, so cannot sit on "
        "its review panel.",
    )
    assert verdict.refusals[0].rule == rules.RULE_PANEL_NOT_STAGE_TWO_IP
    assert "reg. 19(3)" in verdict.refusals[0].rule


def test_a_replaced_stage_two_ip_still_cannot_sit_on_the_panel() -> None:
    case = stage_three(held(1, IP, status=AssignmentStatus.REPLACED), held(3, IP))
    assert check(person(), CHAIR, case, TODAY).outcome == Eligibility.REFUSED


def test_the_stage_two_io_cannot_sit_on_the_panel() -> None:
    case = stage_three(held(1, IO), held(2, IP))
    verdict = check(person(), MEMBER, case, TODAY)
    assert verdict.outcome == Eligibility.REFUSED
    assert verdict.refusals[0].rule == rules.RULE_ONE_ROLE


def test_someone_else_may_sit_on_the_panel_beside_the_stage_two_people() -> None:
    case = stage_three(held(2, IO), held(3, IP))
    assert check(person(), CHAIR, case, TODAY).outcome == Eligibility.ALLOWED


def panel(*roles: AssignmentRole) -> tuple[HeldRole, ...]:
    return tuple(
        held(10 + i, role, stage_id=STAGE_3_ID, stage=StageCode.STAGE_3)
        for i, role in enumerate(roles)
    )


def test_the_panel_has_three_members_and_no_more() -> None:
    full = stage_three(*panel(CHAIR, MEMBER, MEMBER))
    verdict = check(person(), MEMBER, full, TODAY)
    assert verdict.outcome == Eligibility.REFUSED
    assert verdict.reasons[0].startswith("The review panel already has 3 members (")


def test_the_third_panel_member_must_be_the_chair_when_there_is_none() -> None:
    two = stage_three(*panel(MEMBER, MEMBER))
    assert check(person(), MEMBER, two, TODAY).outcome == Eligibility.REFUSED
    assert check(person(), CHAIR, two, TODAY).outcome == Eligibility.ALLOWED


def test_the_panel_has_one_chair() -> None:
    verdict = check(person(), CHAIR, stage_three(*panel(CHAIR)), TODAY)
    assert verdict.outcome == Eligibility.REFUSED
    assert verdict.reasons == ("The review panel already has a chair (Person 10).",)


def test_a_replaced_panel_member_leaves_a_place() -> None:
    roles = panel(CHAIR, MEMBER)
    replaced = held(19, MEMBER, AssignmentStatus.REPLACED, STAGE_3_ID, StageCode.STAGE_3)
    assert check(person(), MEMBER, stage_three(*roles, replaced), TODAY).is_allowed


# ------------------------------------------------------------ where roles are used


@pytest.mark.parametrize(
    ("procedure", "stage", "roles"),
    [
        (Procedure.CHILDREN, StageCode.STAGE_1, ()),
        (Procedure.CHILDREN, StageCode.STAGE_2, (IO, IP)),
        (Procedure.CHILDREN, StageCode.STAGE_3, (MEMBER, CHAIR)),
        (Procedure.ADULT, StageCode.LOW, ()),
        (Procedure.ADULT, StageCode.MODERATE_HIGH, (IO,)),
        (Procedure.CORPORATE, StageCode.STAGE_2, (IO,)),
        (Procedure.CORPORATE, StageCode.LGSCO, ()),
    ],
)
def test_each_role_only_where_its_procedure_has_it(
    procedure: Procedure, stage: StageCode, roles: tuple[AssignmentRole, ...]
) -> None:
    assert roles_at(procedure, stage) == roles
    case = stage_two(procedure=procedure, stage=stage)
    for role in AssignmentRole:
        outcome = check(person(), role, case, TODAY).outcome
        assert (outcome == Eligibility.REFUSED) == (role not in roles), role


def test_an_ip_at_corporate_stage_two_is_refused_with_the_roles_it_has() -> None:
    case = stage_two(procedure=Procedure.CORPORATE)
    verdict = check(person(), IP, case, TODAY)
    assert verdict.reasons == (
        "Corporate Stage 2 has no Independent Person (this stage appoints: Investigating Officer).",
    )


def test_a_second_io_on_the_stage_is_refused_but_a_replaced_one_leaves_the_place() -> None:
    taken = stage_two(held=(held(2, IO, name="Sam Lee"),))
    verdict = check(person(), IO, taken, TODAY)
    assert verdict.outcome == Eligibility.REFUSED
    assert verdict.reasons == (
        "Stage 2 already has an Investigating Officer: Sam Lee is the Investigating Officer "
        "at Stage 2. To change them, replace them.",
    )
    freed = stage_two(held=(held(2, IO, status=AssignmentStatus.REPLACED),))
    assert check(person(), IO, freed, TODAY).is_allowed


# --------------------------------------------------------------------- availability


def test_someone_marked_unavailable_is_a_warning() -> None:
    verdict = check(person(available=False), IO, stage_two(), TODAY)
    assert verdict.outcome == Eligibility.WARNING
    assert verdict.reasons == ("Pat Jones is marked as unavailable.",)


@pytest.mark.parametrize(
    ("until", "expected"),
    [
        (TODAY + dt.timedelta(days=1), Eligibility.WARNING),
        (TODAY, Eligibility.ALLOWED),  # the day they are back
        (TODAY - dt.timedelta(days=1), Eligibility.ALLOWED),
    ],
)
@pytest.mark.parametrize("ticked", [True, False])
def test_unavailable_until_is_the_day_they_are_back(
    until: dt.date, expected: Eligibility, ticked: bool
) -> None:
    # The pool screen records a "back on" date with "available" unticked: from that day
    # they are available again without anyone ticking it.
    verdict = check(person(available=ticked, unavailable_until=until), IO, stage_two(), TODAY)
    assert verdict.outcome == expected
    if expected == Eligibility.WARNING:
        assert verdict.reasons == ("Pat Jones is unavailable until 4 Jun 2024.",)


def test_the_worst_finding_decides_and_all_are_listed() -> None:
    candidate = person(is_employee=True, available=False, in_pool=False)
    verdict = check(candidate, IP, stage_two(), TODAY)
    assert verdict.outcome == Eligibility.REFUSED
    assert len(verdict.refusals) == 2 and len(verdict.warnings) == 1
    assert verdict.summary().startswith("Pat Jones as Independent Person: not allowed. ")


def test_someone_already_in_the_role_on_the_stage_is_refused() -> None:
    case = stage_two(held=(held(1, IO, status=AssignmentStatus.OFFERED, name="Pat Jones"),))
    verdict = check(person(), IO, case, TODAY)
    assert verdict.reasons == (
        "Pat Jones has been offered the role of the Investigating Officer at Stage 2 already.",
    )
    on_panel = stage_three(held(1, MEMBER, stage_id=STAGE_3_ID, stage=StageCode.STAGE_3))
    assert check(person(), CHAIR, on_panel, TODAY).is_refused
