"""The statutory annual reports' contents on hand-built data: every expected figure is
worked out by hand in the comments (working days counted on the calendar; the summer
bank holiday of 29 Aug 2022 named where it falls).

Children's (SI 2006/1738 reg 13(3)): compliance with the time limits per stage, Stage 3's
three clocks and extensions; who complained; advocacy. Adults (SI 2009/309 reg 18): the
number received, decided well-founded, referred to the LGSCO or the Health Service
Ombudsman, acknowledged within 3 working days, answered within the period agreed. Each
procedure: comments, complaints not accepted (by reason) and people under the
unreasonable-behaviour policy.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from crm_desktop.db.database import Database
from crm_desktop.db.models import Case, CaseParty, LgscoDetail, Person
from crm_desktop.domain.enums import (
    ComplainantType,
    Kind,
    NotAcceptedReason,
    Ombudsman,
    PartyRole,
    Procedure,
    StageCode,
)
from crm_desktop.reports.figures import annual_report
from crm_desktop.reports.model import AnnualReport
from tests.core.test_figures import Builder

D = dt.date
Y = "2022/23"


def _build(session: Session) -> None:
    b = Builder(session)

    def child(who: ComplainantType | None, advocacy: bool | None) -> Case:
        case = b.case(Procedure.CHILDREN, D(2022, 7, 4), team="Through Care", area="Through Care")
        case.complainant_type = who
        case.advocacy_provided = advocacy
        return case

    # Stage 1 from Mon 4 Jul 2022: the 10th working day after is Mon 18 Jul, the 20th
    # Mon 1 Aug.
    c1 = child(ComplainantType.PARENT, True)
    b.stage(c1, StageCode.STAGE_1, D(2022, 7, 4), D(2022, 7, 18), "upheld")  # 10 days
    c2 = child(ComplainantType.CHILD, False)
    extended = b.stage(c2, StageCode.STAGE_1, D(2022, 7, 4), D(2022, 7, 19), "upheld")  # 11
    extended.extended_days = 10
    c3 = child(None, None)
    b.stage(c3, StageCode.STAGE_1, D(2022, 7, 4), D(2022, 8, 1), "not upheld")  # 20 days
    # Stage 2 from Wed 10 Aug 2022 to Wed 14 Sep: 24 working days (29 Aug skipped).
    two = b.stage(c3, StageCode.STAGE_2, D(2022, 8, 10), D(2022, 9, 14), "not upheld")
    two.requested_on = D(2022, 8, 3)
    # Stage 3 asked for on Mon 3 Oct 2022; the panel met on Wed 16 Nov, the 32nd working
    # day after (late: 30); its report came on Wed 23 Nov, the 5th working day after the
    # panel (in time); the council answered on Thu 15 Dec, the 16th after (late: 15).
    three = b.stage(c3, StageCode.STAGE_3, D(2022, 10, 3))
    three.requested_on = D(2022, 10, 3)
    three.panel_on = D(2022, 11, 16)
    three.panel_report_on = D(2022, 11, 23)
    three.council_response_on = D(2022, 12, 15)
    # A Stage 3 as an import leaves it: the council's answer (Thu 20 Oct 2022, 13 working
    # days after the request) but no panel or report date. Without the report's date it
    # counts in none of the panel's lines (the case was received in 2021/22).
    c4 = b.case(Procedure.CHILDREN, D(2021, 6, 1), team="Through Care", area="Through Care")
    imported = b.stage(c4, StageCode.STAGE_3, D(2022, 10, 3))
    imported.requested_on = D(2022, 10, 3)
    imported.council_response_on = D(2022, 10, 20)

    def adult(well_founded: bool | None) -> Case:
        case = b.case(Procedure.ADULT, D(2022, 9, 5), area="Urgent Care")
        case.well_founded = well_founded
        return case

    # Received Mon 5 Sep 2022: acknowledged Thu 8 Sep (3 working days) or Fri 9 Sep (4).
    a1 = adult(True)
    s1 = b.stage(a1, StageCode.LOW, D(2022, 9, 5), D(2022, 10, 20), "upheld")
    s1.acknowledged_on, s1.due_on = D(2022, 9, 8), D(2022, 10, 24)
    a2 = adult(False)
    s2 = b.stage(a2, StageCode.LOW, D(2022, 9, 5), D(2022, 11, 1), "not upheld")
    s2.acknowledged_on, s2.due_on = D(2022, 9, 9), D(2022, 10, 24)  # answered after it
    lgsco = b.stage(a2, StageCode.LGSCO, D(2022, 12, 1))
    session.add(LgscoDetail(stage_id=lgsco.id, enquiry_received_on=D(2022, 12, 1)))
    a3 = adult(None)
    s3 = b.stage(a3, StageCode.MODERATE_HIGH, D(2022, 9, 5), D(2022, 12, 1), "upheld")
    s3.due_on = D(2022, 12, 2)
    hso = b.stage(a3, StageCode.LGSCO, D(2023, 1, 10))
    session.add(
        LgscoDetail(
            stage_id=hso.id,
            enquiry_received_on=D(2023, 1, 10),
            ombudsman=Ombudsman.HEALTH_SERVICE,
        )
    )
    refused = b.case(Procedure.ADULT, D(2022, 9, 5), area="Urgent Care")
    refused.not_accepted_reason = NotAcceptedReason.TOO_LATE
    refused.not_accepted_on = D(2022, 9, 6)
    b.case(Procedure.ADULT, D(2022, 10, 1), kind=Kind.COMMENT, area="Urgent Care")
    # The unreasonable-behaviour policy: applied on 1 Nov 2022 to A2's complainant, and
    # on 1 Mar 2022 (2021/22) to A1's.
    for case, since in ((a2, D(2022, 11, 1)), (a1, D(2022, 3, 1))):
        person = Person(full_name=f"Complainant {case.reference}", vexatious=True)
        person.vexatious_since = since
        session.add(person)
        session.flush()
        session.add(CaseParty(case_id=case.id, person_id=person.id, role=PartyRole.COMPLAINANT))


def _report(database: Database) -> AnnualReport:
    database.write(_build)
    with database.session() as session:
        return annual_report(session, 2022)


def test_childrens_time_limits_who_complained_and_advocacy(database: Database) -> None:
    report = _report(database)
    limits = report.table("children_time_limits")

    def figures(row: str) -> tuple[object, object]:
        return limits.value(row, f"{Y} number"), limits.value(row, f"{Y} out of")

    assert figures("Stage 1 responses within 10 working days") == (1, 3)
    assert figures("Stage 1 responses within 20 working days (extended)") == (3, 3)
    assert figures("Stage 1 responses after an extension") == (1, 3)
    assert limits.value("Stage 1 responses after an extension", f"{Y} share") == 100 / 3
    assert figures("Stage 2 responses within 25 working days") == (1, 1)
    assert figures("Stage 2 responses after an extension") == (0, 1)
    assert figures("Stage 3 panels held within 30 working days of the request") == (0, 1)
    assert figures("Stage 3 panel reports within 5 working days of the panel") == (1, 1)
    assert figures("Stage 3 council responses within 15 working days of the report") == (0, 1)

    who = report.table("children_who_complained")
    assert who.value("Parent", Y) == 1
    assert who.value("Child or young person", Y) == 1
    assert who.value("Carer", Y) == 0
    assert who.value("Not recorded", Y) == 1
    assert who.value("Total", Y) == 3
    advocacy = report.table("children_advocacy")
    assert advocacy.value("Advocacy provided", Y) == 1
    assert advocacy.value("No advocacy", Y) == 1


def test_adults_statutory_figures(any_database: Database) -> None:
    report = _report(any_database)
    table = report.table("adult_statutory")

    def figures(row: str) -> tuple[object, object]:
        return table.value(row, f"{Y} number"), table.value(row, f"{Y} out of")

    # Four received on 5 Sep 2022, one not accepted (made too late).
    assert figures("Complaints received") == (3, None)
    # A1 recorded as well-founded; A2 recorded as not (and not upheld); A3 not recorded,
    # its response upheld it: well-founded by its response.
    assert figures("Decided well-founded") == (2, 3)
    assert figures("Referred to the Local Government and Social Care Ombudsman") == (1, None)
    assert figures("Referred to the Health Service Ombudsman") == (1, None)
    assert figures("Acknowledged within 3 working days") == (1, 3)
    # A1 answered 20 Oct (due 24 Oct), A3 on 1 Dec (due 2 Dec); A2 on 1 Nov (due 24 Oct).
    assert figures("Responses within the period agreed") == (2, 3)

    other = report.table("adult_other_representations")
    assert other.value("Comments received", Y) == 1
    assert other.value("Not accepted: Made too late", Y) == 1
    assert other.value("Not accepted: Other", Y) == 0
    assert other.value("People treated under the unreasonable-behaviour policy", Y) == 1
    assert other.value("People treated under the unreasonable-behaviour policy", "2021/22") == 1


def test_a_stage_2_started_on_a_weekend_counts_to_the_next_working_day(
    database: Database,
) -> None:
    """Children's Stage 2 started "within 10 working days of the request": asked for on
    Fri 2 Sep 2022, the 10th working day after is Fri 16 Sep. A statement agreed on Fri
    16 Sep is in time; one agreed on Sat 17 Sep counts to the next working day, Tue 20
    Sep (Mon 19 Sep 2022 was the bank holiday for the Queen's funeral): late."""
    from crm_desktop.reports.figures import annual_kpis

    def build(session: Session) -> None:
        b = Builder(session)
        for agreed in (D(2022, 9, 16), D(2022, 9, 17)):
            case = b.case(
                Procedure.CHILDREN, D(2022, 8, 1), team="Through Care", area="Through Care"
            )
            b.stage(case, StageCode.STAGE_1, D(2022, 8, 1), D(2022, 8, 12), "not upheld")
            two = b.stage(case, StageCode.STAGE_2, agreed)
            two.requested_on = D(2022, 9, 2)
            two.statement_agreed_on = agreed

    database.write(build)
    with database.session() as session:
        table = annual_kpis(session, 2022)
    row = next(r for r in table.rows if "Stage 2 investigations started within" in str(r[0].value))
    assert row[-1].value == 50.0  # 1 of 2
