"""The annual report's counting dates, the Ombudsman's tables and baseline figures, on
hand-built data whose figures are worked out by hand in the comments.

- Stage 2, Stage 3 and the Ombudsman count by the date the stage was asked for (the
  Ombudsman by its enquiry); Stage 1 and adult levels by the date received; a year's
  figures never change when a complaint of that year is escalated later.
- Late remedies are counted by case, by the year the remedy fell due, outstanding ones
  included; every Ombudsman table has a corporate subtotal; the annual review letter's
  measures are worked out from the decisions and shown beside the Ombudsman's own.
- A first year shows the previous year's published figures in every table.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db.database import Database
from crm_desktop.db.models import Case, LgscoDetail, LgscoPayment, LgscoRemedy, Stage
from crm_desktop.domain.enums import Kind, LgscoDecision, Procedure, StageCode
from crm_desktop.reports.baseline import load_baseline_csv
from crm_desktop.reports.figures import annual_report
from crm_desktop.reports.model import AnnualReport, Table
from tests.core.test_figures import Builder

D = dt.date
STAGE_1 = "Local / Stage 1 Complaints"
STAGE_2 = "Formal / Stage 2 Complaints"
OMBUDSMAN = "Local Government and Social Care Ombudsman"
CHILDREN_PROGRESS = "Children’s Social Care complaints that progress from Stage 1 to Stage 2"
ADULT_PROGRESS = (
    "Adult Social Care complaints that progress to the Local Government and Social Care Ombudsman"
)
EI = "Corporate: Economy & Infrastructure"
COACH = "Corporate: COaCH"
CORPORATE = "Corporate: all directorates"


def _report(database: Database, year: int, *procedures: Procedure) -> AnnualReport:
    with database.session() as session:
        return annual_report(session, year, list(procedures) or None)


def _rows(table: Table) -> list[tuple[object, ...]]:
    return [tuple(cell.value for cell in row) for row in table.rows]


def _lgsco(
    b: Builder, case: Case, enquiry: D, decision: LgscoDecision | None = None, on: D | None = None
) -> Stage:
    stage = b.stage(case, StageCode.LGSCO, enquiry)
    stage.requested_on = enquiry
    b.s.add(
        LgscoDetail(
            stage_id=stage.id, enquiry_received_on=enquiry, decision=decision, decision_on=on
        )
    )
    b.s.flush()
    return stage


# ----------------------------------------------------------------- counting dates


def _before_the_escalation(session: Session) -> None:
    b = Builder(session)
    # Children's: received Fri 10 Mar 2023 (2022/23), Stage 1 answered 20 Mar 2023.
    march = b.case(Procedure.CHILDREN, D(2023, 3, 10), team="Through Care", area="Through Care")
    b.stage(march, StageCode.STAGE_1, D(2023, 3, 10), D(2023, 3, 20), "not upheld")
    # Children's: received 3 Apr 2023 (2023/24), Stage 1 answered 14 Apr 2023.
    april = b.case(Procedure.CHILDREN, D(2023, 4, 3), team="Through Care", area="Through Care")
    b.stage(april, StageCode.STAGE_1, D(2023, 4, 3), D(2023, 4, 14), "upheld")
    # Adult: received 1 Mar 2023, answered 31 Mar 2023; the Ombudsman's enquiry came on
    # 5 Apr 2023 (2023/24). Another adult complaint received 10 Apr 2023.
    adult = b.case(Procedure.ADULT, D(2023, 3, 1), area="Urgent Care")
    b.stage(adult, StageCode.LOW, D(2023, 3, 1), D(2023, 3, 31), "not upheld")
    _lgsco(b, adult, D(2023, 4, 5))
    b.case(Procedure.ADULT, D(2023, 4, 10), area="Urgent Care")


def _escalate(session: Session) -> None:
    case = session.query(Case).filter(Case.received_on == D(2023, 3, 10)).one()
    first = session.query(Stage).filter(Stage.case_id == case.id).one()
    # Asked for Stage 2 on Mon 15 May 2023; its clock started on 1 Jun 2023, when the
    # statement was agreed.
    first.next_stage_requested_on = D(2023, 5, 15)
    session.add(
        Stage(
            case_id=case.id,
            seq=2,
            stage=StageCode.STAGE_2,
            previous_stage_id=first.id,
            requested_on=D(2023, 5, 15),
            started_on=D(2023, 6, 1),
        )
    )


def test_a_complaint_received_in_march_and_escalated_in_may_counts_in_the_new_year(
    any_database: Database,
) -> None:
    any_database.write(_before_the_escalation)
    before = _report(any_database, 2022)
    stages = before.table("children_received_by_stage")
    # 2022/23: the complaint of 10 Mar 2023 at Stage 1; nothing at Stage 2.
    assert stages.value(STAGE_1, "2022/23") == 1
    assert stages.value(STAGE_2, "2022/23") == 0
    # Stage 1s closed in 2022/23: one (20 Mar 2023); Stage 2 requests: none.
    assert before.table("kpis").value(CHILDREN_PROGRESS, "2022/23") == 0

    any_database.write(_escalate)
    after = _report(any_database, 2022)
    # Last year's published figures do not change.
    for key in ("children_received_by_stage", "kpis", "lgsco_sent", "adult_received_by_level"):
        assert _rows(after.table(key)) == _rows(before.table(key)), key

    new_year = _report(any_database, 2023)
    stages = new_year.table("children_received_by_stage")
    # 2023/24: the April complaint at Stage 1; the March complaint's Stage 2, asked for
    # on 15 May 2023 (not counted by its 1 Jun start, nor by its March receipt).
    assert stages.value(STAGE_1, "2023/24") == 1
    assert stages.value(STAGE_2, "2023/24") == 1
    assert stages.value("Total", "2023/24") == 2
    assert stages.value(STAGE_1, "2022/23") == 1
    assert stages.value(STAGE_2, "2022/23") == 0
    kpis = new_year.table("kpis")
    # One Stage 2 request in 2023/24 over one Stage 1 closed in it (14 Apr 2023).
    assert kpis.value(CHILDREN_PROGRESS, "2023/24") == 100
    assert kpis.value(CHILDREN_PROGRESS, "2022/23") == 0
    # The Ombudsman's enquiry of 5 Apr 2023 over the one adult complaint received in
    # 2023/24 (10 Apr); in 2022/23 no enquiry over one complaint received.
    assert kpis.value(ADULT_PROGRESS, "2023/24") == 100
    assert kpis.value(ADULT_PROGRESS, "2022/23") == 0
    levels = new_year.table("adult_received_by_level")
    assert levels.value("Low Risk", "2022/23") == 1
    assert levels.value("Low Risk", "2023/24") == 0
    assert levels.value("Local Government & Social Care Ombudsman", "2023/24") == 1
    assert levels.value("Local Government & Social Care Ombudsman", "2022/23") == 0
    sent = new_year.table("lgsco_sent")
    assert sent.value("Adult social care", "2023/24 sent to the LGSCO") == 1
    assert sent.value("Adult social care", "2023/24 complaints") == 1
    assert sent.value("Adult social care", "2023/24 share") == 100
    assert sent.value("Adult social care", "2022/23 sent to the LGSCO") == 0
    # The basis is written under every table.
    for table in new_year.tables:
        assert table.notes, f"{table.key} says nothing of its basis"


def test_stage_3_counts_by_its_request(database: Database) -> None:
    def build(session: Session) -> None:
        b = Builder(session)
        case = b.case(Procedure.CHILDREN, D(2022, 1, 10), team="Through Care", area="Through Care")
        b.stage(case, StageCode.STAGE_1, D(2022, 1, 10), D(2022, 1, 20), "not upheld")
        b.stage(case, StageCode.STAGE_2, D(2022, 2, 1), D(2022, 3, 30), "not upheld")
        # The review panel asked for on Mon 3 Apr 2023 (2023/24), a year after Stage 2.
        three = b.stage(case, StageCode.STAGE_3, D(2023, 4, 3))
        three.requested_on = D(2023, 4, 3)

    database.write(build)
    table = _report(database, 2023, Procedure.CHILDREN).table("children_received_by_stage")
    assert table.value("Review Panels / Stage 3's held", "2023/24") == 1
    assert table.value(STAGE_1, "2023/24") == 0


def test_progress_to_stage_2_is_over_the_stage_1_complaints_received(database: Database) -> None:
    """The KPI is the "received" table's Stage 2 row over its Stage 1 row, as the source
    report's 13.75% is 39 over 283 received (over the 248 closed it would be 15.7%)."""

    def build(session: Session) -> None:
        b = Builder(session)
        area = {"team": "Through Care", "area": "Through Care"}
        # Received in 2022/23, answered in 2023/24 (11 Apr 2023); Stage 2 asked for on
        # 2 May 2023: one Stage 2 request of 2023/24.
        old = b.case(Procedure.CHILDREN, D(2023, 3, 20), **area)
        first = b.stage(old, StageCode.STAGE_1, D(2023, 3, 20), D(2023, 4, 11), "not upheld")
        second = b.stage(old, StageCode.STAGE_2, D(2023, 5, 2))
        second.requested_on = D(2023, 5, 2)
        first.next_stage_requested_on = D(2023, 5, 2)
        # Received in 2023/24: three Stage 1s, two still open on 31 Mar 2024, one
        # answered on 20 Apr 2023.
        for received, closed in ((D(2023, 4, 3), D(2023, 4, 20)), (D(2024, 3, 4), None)):
            case = b.case(Procedure.CHILDREN, received, **area)
            b.stage(case, StageCode.STAGE_1, received, closed, "upheld" if closed else None)
        late = b.case(Procedure.CHILDREN, D(2024, 3, 28), **area)
        b.stage(late, StageCode.STAGE_1, D(2024, 3, 28))

    database.write(build)
    report = _report(database, 2023, Procedure.CHILDREN)
    received = report.table("children_received_by_stage")
    assert (received.value(STAGE_1, "2023/24"), received.value(STAGE_2, "2023/24")) == (3, 1)
    # One request over three received: 33.3%; not over the two Stage 1s closed in
    # 2023/24 (11 and 20 Apr 2023), which would be 50%.
    kpis = report.table("kpis")
    assert kpis.value(CHILDREN_PROGRESS, "2023/24") == pytest.approx(100 / 3)
    # 2022/23: one Stage 1 received (20 Mar 2023), no Stage 2 asked for.
    assert kpis.value(CHILDREN_PROGRESS, "2022/23") == 0


# ------------------------------------------------------------------- the Ombudsman


def _ombudsman_cases(session: Session) -> None:
    b = Builder(session)

    def corporate(directorate: str, area: str) -> Case:
        return b.case(Procedure.CORPORATE, D(2022, 4, 20), area=area, directorate=directorate)

    def remedy(stage: Stage, deadline: D, completed: D | None) -> None:
        b.s.add(
            LgscoRemedy(
                stage_id=stage.id,
                description="Remedy",
                agreed_on=deadline - dt.timedelta(days=30),
                deadline_on=deadline,
                completed_on=completed,
                late=completed is not None and completed > deadline,
            )
        )

    # E&I: upheld, maladministration and injustice (1 Sep 2022); one remedy on time
    # (due 1 Oct 2022, done 30 Sep), one late (due 1 Nov 2022, done 10 Nov); £300 paid.
    ei = _lgsco(
        b,
        corporate("Economy & Infrastructure", "Network Control"),
        D(2022, 6, 1),
        LgscoDecision.UPHELD_MALADMINISTRATION_INJUSTICE,
        D(2022, 9, 1),
    )
    remedy(ei, D(2022, 10, 1), D(2022, 9, 30))
    remedy(ei, D(2022, 11, 1), D(2022, 11, 10))
    b.s.add(LgscoPayment(stage_id=ei.id, amount_pence=30000))
    # COaCH: upheld, the council had already provided a satisfactory remedy (1 Dec 2022).
    _lgsco(
        b,
        corporate("COaCH", "Contact Centre"),
        D(2022, 7, 1),
        LgscoDecision.UPHELD_REMEDY_PROVIDED,
        D(2022, 12, 1),
    )
    # COaCH: upheld (5 Jan 2023), £1,250 paid; a remedy due 1 Mar 2023 never done, and
    # one due 10 Apr 2023 (2023/24) done 20 Apr 2023.
    coach = _lgsco(
        b,
        corporate("COaCH", "Contact Centre"),
        D(2022, 8, 1),
        LgscoDecision.UPHELD_MALADMINISTRATION_INJUSTICE,
        D(2023, 1, 5),
    )
    coach_detail = b.s.get(LgscoDetail, coach.id)
    assert coach_detail is not None
    coach_detail.imported_payment_pence = 125000
    remedy(coach, D(2023, 3, 1), None)
    remedy(coach, D(2023, 4, 10), D(2023, 4, 20))
    # Children's: not upheld; closed after initial enquiries, no further action.
    for decision in (LgscoDecision.NOT_UPHELD, LgscoDecision.CLOSED_NO_FURTHER_ACTION):
        case = b.case(Procedure.CHILDREN, D(2022, 5, 2), team="Through Care", area="Through Care")
        _lgsco(b, case, D(2022, 9, 1), decision, D(2023, 2, 1))
    # Adult: upheld, fault but no injustice, one remedy on time (15 Mar 2023); advice given.
    adult = b.case(Procedure.ADULT, D(2022, 5, 2), area="Urgent Care")
    fault = _lgsco(b, adult, D(2022, 9, 1), LgscoDecision.UPHELD_FAULT_NO_INJUSTICE, D(2023, 3, 1))
    remedy(fault, D(2023, 3, 15), D(2023, 3, 15))
    advised = b.case(Procedure.ADULT, D(2022, 5, 2), area="Urgent Care")
    _lgsco(b, advised, D(2022, 9, 1), LgscoDecision.ADVICE_GIVEN, D(2023, 3, 2))


def test_ombudsman_tables_late_remedies_subtotals_and_letter(
    any_database: Database, tmp_path: Path
) -> None:
    any_database.write(_ombudsman_cases)
    letter = tmp_path / "letter.csv"
    letter.write_text(
        "financial_year,table,row,measure,value\n"
        "2022/23,lgsco_letter,Detailed investigations upheld,Ombudsman's figure,92%\n"
        "2022/23,lgsco_letter,Detailed investigations upheld,Ombudsman's base,24\n"
        "2022/23,lgsco_letter,Detailed investigations upheld,similar authorities,80\n",
        encoding="utf-8",
    )
    loaded = any_database.write(lambda s: load_baseline_csv(s, letter))
    assert loaded.errors == [] and loaded.loaded == 3
    report = _report(any_database, 2022)
    y = "2022/23"

    decisions = report.table("lgsco_decisions")
    assert decisions.value(f"{EI}: Upheld: maladministration and injustice", y) == 1
    assert decisions.value(f"{EI}: total", y) == 1
    assert decisions.value(f"{COACH}: Upheld: satisfactory remedy provided by the council", y) == 1
    assert decisions.value(f"{COACH}: total", y) == 2
    # The corporate subtotal: 1 + 2 determinations.
    assert decisions.value(f"{CORPORATE}: Upheld: maladministration and injustice", y) == 2
    assert (
        decisions.value(f"{CORPORATE}: Upheld: satisfactory remedy provided by the council", y) == 1
    )
    assert decisions.value(f"{CORPORATE}: total", y) == 3
    assert decisions.value("Adult social care: Upheld: fault but no injustice", y) == 1
    assert decisions.value("Adult social care: Advice given", y) == 1
    assert decisions.value("Children's social care: total", y) == 2
    assert decisions.value("All areas", y) == 7

    payments = report.table("lgsco_payments")
    assert payments.value(EI, f"{y} paid") == 300.0
    assert payments.value(COACH, f"{y} paid") == 1250.0
    assert payments.value(CORPORATE, f"{y} paid") == 1550.0
    assert payments.value(CORPORATE, f"{y} complainants paid") == 2
    assert payments.value("Total", f"{y} paid") == 1550.0

    late = report.table("lgsco_remedies_late")
    # Due in 2022/23: E&I's two (one late), COaCH's of 1 Mar 2023 (outstanding at 31 Mar
    # 2023), the adult one (on time). By case: E&I late; COaCH late and outstanding.
    assert late.value(EI, f"{y} cases with a late remedy") == 1
    assert late.value(EI, f"{y} still outstanding at the year end") == 0
    assert late.value(COACH, f"{y} cases with a late remedy") == 1
    assert late.value(COACH, f"{y} still outstanding at the year end") == 1
    assert late.value(CORPORATE, f"{y} cases with a late remedy") == 2
    assert late.value(CORPORATE, f"{y} cases with remedies due") == 2
    assert late.value("Adult social care", f"{y} cases with a late remedy") == 0
    assert late.value("Adult social care", f"{y} cases with remedies due") == 1
    assert late.value("Total", f"{y} cases with a late remedy") == 2
    assert late.value("Total", f"{y} still outstanding at the year end") == 1
    assert late.value("Total", f"{y} cases with remedies due") == 3

    sent = report.table("lgsco_sent")
    # Enquiries in 2022/23: three corporate (1 Jun, 1 Jul, 1 Aug 2022), out of three
    # corporate complaints received; two children's, two adult.
    assert sent.value(CORPORATE, f"{y} sent to the LGSCO") == 3
    assert sent.value(CORPORATE, f"{y} share") == 100
    assert sent.value("Total", f"{y} sent to the LGSCO") == 7

    measures = report.table("lgsco_letter")
    upheld = "Detailed investigations upheld"
    # Detailed investigations in 2022/23: four upheld (E&I, both COaCH, adult fault)
    # and one not upheld; advice and closure after initial enquiries are not counted.
    assert measures.value(f"{upheld}: ours", y) == 80
    assert measures.value(f"{upheld}: ours", f"{y} out of") == 5
    assert measures.value(f"{upheld}: the Ombudsman's figure", y) == 92
    assert measures.value(f"{upheld}: the Ombudsman's figure", f"{y} out of") == 24
    assert measures.value(f"{upheld}: similar authorities' average", y) == 80
    remedied = "Upheld cases where the council had already provided a satisfactory remedy"
    assert measures.value(f"{remedied}: ours", y) == 25  # 1 of 4 upheld
    compliance = "Compliance with the Ombudsman's recommendations"
    # Cases whose last remedy fell due in 2022/23: E&I (1 Nov 2022) and the adult one
    # (15 Mar 2023), both done by 31 Mar 2023. COaCH's last falls due in 2023/24.
    assert measures.value(f"{compliance}: ours", y) == 100
    assert measures.value(f"{compliance}: ours", f"{y} out of") == 2
    assert measures.value(f"{compliance}: the Ombudsman's figure", y) is None

    following = _report(any_database, 2023)
    late = following.table("lgsco_remedies_late")
    # Due in 2023/24: COaCH's of 10 Apr 2023, done 20 Apr 2023: late.
    assert late.value(COACH, "2023/24 cases with a late remedy") == 1
    assert late.value(COACH, "2023/24 still outstanding at the year end") == 0
    # COaCH's case: one remedy never done, so not complied with.
    assert following.table("lgsco_letter").value(f"{compliance}: ours", "2023/24") == 0
    # 2022/23 as the previous year: the same figures as in its own report.
    assert [(r[0], *r[1:4]) for r in _rows(late)] == [
        (r[0], *r[4:7]) for r in _rows(report.table("lgsco_remedies_late"))
    ]


# ------------------------------------------------------------------------ baseline


def test_a_first_year_shows_last_years_published_figures_in_every_table(
    database: Database, tmp_path: Path
) -> None:
    def build(session: Session) -> None:
        b = Builder(session)
        case = b.case(
            Procedure.CORPORATE,
            D(2022, 7, 1),
            area="Network Control",
            directorate="Economy & Infrastructure",
        )
        # 1 Jul 2022 to 15 Jul 2022: 10 working days.
        b.stage(case, StageCode.STAGE_1, D(2022, 7, 1), D(2022, 7, 15), "upheld")
        b.case(
            Procedure.CORPORATE,
            D(2022, 7, 1),
            kind=Kind.COMPLIMENT,
            area="Contact Centre",
            directorate="COaCH",
        )

    database.write(build)
    kpi = "Corporate Stage 1 complaints completed in timescale (within 20 days)"
    path = tmp_path / "baseline.csv"
    path.write_text(
        "financial_year,table,row,measure,value\n"
        "2021/22,corporate_stage1_timescales,Within 20 days,,73.13\n"
        "2021/22,corporate_stage1_timescales,After 20 days,,26.87\n"
        "2021/22,corporate_stage1_timescales,Average response time (working days),,15\n"
        "2021/22,corporate_stage1_timescales,Responses,,404\n"
        "2021/22,corporate_stage1_outcomes,Upheld,,64\n"
        f"2021/22,kpis,{kpi},,73.13\n"
        f"2021/22,lgsco_sent,{EI},sent to the LGSCO,8\n"
        f"2021/22,lgsco_sent,{EI},complaints,334\n"
        f"2021/22,lgsco_sent,{COACH},sent to the LGSCO,1\n"
        f"2021/22,lgsco_sent,{COACH},complaints,23\n"
        f"2021/22,lgsco_decisions,{EI}: Upheld: maladministration and injustice,,3\n"
        f"2021/22,lgsco_decisions,{EI}: Closed after initial enquiries: premature,,2\n"
        f'2021/22,lgsco_payments,{EI},paid,"2,500.00"\n'
        f"2021/22,lgsco_payments,{EI},complainants paid,2\n"
        f"2021/22,lgsco_remedies_late,{EI},cases with a late remedy,1\n",
        encoding="utf-8",
    )
    loaded = database.write(lambda s: load_baseline_csv(s, path))
    assert loaded.errors == []
    report = _report(database, 2022, Procedure.CORPORATE)
    prev = "2021/22"

    timescales = report.table("corporate_stage1_timescales")
    assert timescales.baseline_columns == (prev,)
    assert timescales.value("Within 20 days", prev) == 73.13
    assert timescales.value("Responses", prev) == 404
    assert timescales.value("Within 20 days", "2022/23") == 100
    assert report.table("corporate_stage1_outcomes").value("Upheld", prev) == 64

    kpis = report.table("kpis")
    assert kpis.value(kpi, prev) == 73.13
    assert kpis.baseline_columns == (prev,)

    sent = report.table("lgsco_sent")
    assert sent.value(EI, f"{prev} sent to the LGSCO") == 8
    assert sent.value(EI, f"{prev} share") == pytest.approx(100 * 8 / 334)
    # The subtotal and total add the baseline rows up: 8 + 1 of 334 + 23.
    assert sent.value(CORPORATE, f"{prev} sent to the LGSCO") == 9
    assert sent.value("Total", f"{prev} complaints") == 357
    assert sent.value(CORPORATE, f"{prev} share") == pytest.approx(100 * 9 / 357)
    assert any("baseline" in note for note in sent.notes)

    decisions = report.table("lgsco_decisions")
    assert decisions.value(f"{EI}: Upheld: maladministration and injustice", prev) == 3
    assert decisions.value(f"{EI}: total", prev) == 5
    assert decisions.value(f"{CORPORATE}: total", prev) == 5
    assert decisions.value("All areas", prev) == 5

    payments = report.table("lgsco_payments")
    assert payments.value(EI, f"{prev} paid") == 2500.0
    assert payments.value(CORPORATE, f"{prev} complainants paid") == 2
    late = report.table("lgsco_remedies_late")
    assert late.value(CORPORATE, f"{prev} cases with a late remedy") == 1


def test_a_closure_day_counts_for_the_statutory_clocks_not_the_corporate(
    any_database: Database,
) -> None:
    """Closed on Thu 29 Dec 2022. From Tue 20 Dec 2022 to Mon 23 Jan 2023 are 21 working
    days on the statutory calendar (26 and 27 Dec and 2 Jan are bank holidays) and 20 on
    the council's, which skips the closure day too."""

    def build(session: Session) -> None:
        from crm_desktop.db.models import ClosureDay

        session.add(ClosureDay(day=D(2022, 12, 29), name="Council closure"))
        b = Builder(session)
        child = b.case(
            Procedure.CHILDREN, D(2022, 12, 20), team="Through Care", area="Through Care"
        )
        b.stage(child, StageCode.STAGE_1, D(2022, 12, 20), D(2023, 1, 23), "upheld")
        corporate = b.case(
            Procedure.CORPORATE, D(2022, 12, 20), area="Contact Centre", directorate="COaCH"
        )
        b.stage(corporate, StageCode.STAGE_1, D(2022, 12, 20), D(2023, 1, 23), "upheld")

    any_database.write(build)
    report = _report(any_database, 2022)
    children = report.table("children_stage1_timescales")
    assert children.value("Within 20 working days", "2022/23") == 0
    assert children.value("Within 40 working days", "2022/23") == 100
    corporate = report.table("corporate_stage1_timescales")
    assert corporate.value("Within 20 days", "2022/23") == 100
    assert corporate.value("Average response time (working days)", "2022/23") == 20
    limits = report.table("children_time_limits")
    assert (
        limits.value("Stage 1 responses within 20 working days (extended)", "2022/23 number") == 0
    )


def test_a_remedy_recorded_late_and_a_deadline_still_to_come(database: Database) -> None:
    """A remedy done by its deadline whose evidence went late is late, as the case
    records it; in a year not over yet, a deadline still to come is not counted as due,
    late or outstanding."""
    database.write(_ombudsman_cases)

    def evidence_late(session: Session) -> None:
        adult = session.scalars(
            sa.select(LgscoRemedy).where(LgscoRemedy.deadline_on == D(2023, 3, 15))
        ).one()
        adult.evidence_sent_on, adult.late = D(2023, 3, 20), True

    database.write(evidence_late)
    adult = "Adult social care"
    with database.session() as session:
        report = annual_report(session, 2022)
        late = report.table("lgsco_remedies_late")
        assert late.value(adult, "2022/23 cases with a late remedy") == 1
        assert late.value("Total", "2022/23 cases with a late remedy") == 3
        # Run on 1 Mar 2023: COaCH's remedy due that day is not late yet, and none of
        # the later deadlines count.
        early = annual_report(session, 2022, now=dt.datetime(2023, 3, 1, 9, 0))
        late = early.table("lgsco_remedies_late")
        assert late.value(COACH, "2022/23 cases with remedies due") == 0
        assert late.value(COACH, "2022/23 still outstanding at the year end") == 0
        assert late.value(adult, "2022/23 cases with remedies due") == 0
        assert late.value(EI, "2022/23 cases with a late remedy") == 1
        assert late.value("Total", "2022/23 cases with remedies due") == 1
        compliance = "Compliance with the Ombudsman's recommendations"
        assert early.table("lgsco_letter").value(f"{compliance}: ours", "2022/23 out of") == 1
