"""Annual report figures on hand-built data with known answers.

Every expected number here is worked out by hand from the dates below (working days
counted on the calendar, holidays named), not taken from the program.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db.database import Database
from crm_desktop.db.models import (
    ActionItem,
    BaselineFigure,
    Case,
    CaseServiceCategory,
    ComplaintPoint,
    LgscoDetail,
    LgscoPayment,
    LgscoRemedy,
    Setting,
    Stage,
)
from crm_desktop.domain.enums import (
    CaseStatus,
    Kind,
    KpiDirection,
    LgscoDecision,
    Procedure,
    StageCode,
    StageStatus,
)
from crm_desktop.domain.financial_year import FinancialYear
from crm_desktop.reports.figures import annual_report, rag
from crm_desktop.reports.model import AnnualReport, Rag
from crm_desktop.services import reference_lookup as ref

_numbers = itertools.count(1)


class Builder:
    def __init__(self, session: Session) -> None:
        self.s = session
        self.index = ref.load_index(session)

    def case(
        self,
        procedure: Procedure,
        received: dt.date,
        *,
        kind: Kind = Kind.COMPLAINT,
        area: str | None = None,
        directorate: str | None = None,
        team: str | None = None,
        natures: tuple[str, ...] = (),
        categories: tuple[str, ...] = (),
    ) -> Case:
        directorate_id = ref.directorate_id(self.index, directorate) if directorate else None
        case = Case(
            reference=f"T-{next(_numbers):05d}",
            kind=kind,
            procedure=procedure,
            received_on=received,
            directorate_id=directorate_id,
            service_area_id=ref.service_area_id(self.index, procedure, area, directorate_id)
            if area
            else None,
            team_id=ref.team_id(self.index, procedure, team) if team else None,
            status=CaseStatus.OPEN,
        )
        self.s.add(case)
        self.s.flush()
        for seq, nature in enumerate(natures, start=1):
            self.s.add(
                ComplaintPoint(
                    case_id=case.id, seq=seq, nature_id=ref.nature_id(self.index, procedure, nature)
                )
            )
        for category in categories:
            self.s.add(
                CaseServiceCategory(
                    case_id=case.id,
                    service_category_id=ref.service_category_id(self.index, procedure, category),
                )
            )
        return case

    def stage(
        self,
        case: Case,
        code: StageCode,
        started: dt.date,
        closed: dt.date | None = None,
        outcome: str | None = None,
        suspended: int = 0,
    ) -> Stage:
        seq = len([s for s in self.s.new if isinstance(s, Stage) and s.case_id == case.id])
        seq += self.s.scalar(sa.select(sa.func.count()).where(Stage.case_id == case.id)) or 0
        stage = Stage(
            case_id=case.id,
            seq=seq + 1,
            stage=code,
            started_on=started,
            closed_on=closed,
            outcome=outcome,
            suspended_days=suspended,
            status=StageStatus.CLOSED if closed else StageStatus.OPEN,
        )
        self.s.add(stage)
        self.s.flush()
        case.current_stage_id = stage.id
        return stage


FY21 = dt.date(2021, 6, 1)  # a day in 2021/22
FY22 = dt.date(2022, 6, 1)  # a day in 2022/23


@pytest.fixture
def report(database: Database) -> AnnualReport:
    def build(session: Session) -> None:
        b = Builder(session)
        # -- children's: three complaints in 2022/23, one in 2021/22 ------------------
        # Stage 1 started Tue 20 Dec 2022: the 20th working day after is Fri 20 Jan 2023
        # (skipping Boxing Day, 27 Dec (Christmas observed) and 2 Jan (New Year observed)).
        on_due_day = b.case(
            Procedure.CHILDREN,
            dt.date(2022, 12, 20),
            team="Through Care",
            area="Through Care",
            natures=("Decision Making", "Staff Attitude / Behaviour"),
        )
        b.stage(
            on_due_day, StageCode.STAGE_1, dt.date(2022, 12, 20), dt.date(2023, 1, 20), "upheld"
        )
        day_after = b.case(
            Procedure.CHILDREN,
            dt.date(2022, 12, 20),
            team="Family Front Door",
            area="Family Front Door",
            natures=("Decision Making",),
        )
        b.stage(
            day_after, StageCode.STAGE_1, dt.date(2022, 12, 20), dt.date(2023, 1, 23), "not upheld"
        )
        # The Ombudsman decided on day_after in 2022/23: £500 imported plus a £250 payment,
        # one of two remedies late.
        lgsco = b.stage(day_after, StageCode.LGSCO, dt.date(2023, 2, 1), dt.date(2023, 3, 15))
        b.s.add(
            LgscoDetail(
                stage_id=lgsco.id,
                decision=LgscoDecision.UPHELD_MALADMINISTRATION_INJUSTICE,
                decision_on=dt.date(2023, 3, 15),
                imported_payment_pence=50000,
            )
        )
        b.s.flush()
        b.s.add(LgscoPayment(stage_id=lgsco.id, amount_pence=25000))
        b.s.add(
            LgscoRemedy(
                stage_id=lgsco.id,
                description="Apologise",
                agreed_on=dt.date(2023, 3, 15),
                deadline_on=dt.date(2023, 3, 20),
                completed_on=dt.date(2023, 3, 24),
                late=True,
            )
        )
        b.s.add(
            LgscoRemedy(
                stage_id=lgsco.id,
                description="Pay",
                agreed_on=dt.date(2023, 3, 15),
                deadline_on=dt.date(2023, 3, 20),
                completed_on=dt.date(2023, 3, 17),
                late=False,
            )
        )
        withdrawn = b.case(
            Procedure.CHILDREN,
            dt.date(2022, 4, 4),
            team="Through Care",
            area="Through Care",
            natures=("Decision Making",),
        )
        b.stage(withdrawn, StageCode.STAGE_1, dt.date(2022, 4, 4), dt.date(2022, 4, 8), "withdrawn")
        # Received in 2021/22; their Stage 2s ran across Easter 2022. From Fri 1 Apr 2022,
        # skipping Good Friday 15 Apr, Easter Monday 18 Apr and May Day 2 May, the 25th
        # working day is Wed 11 May 2022.
        for received, closed, outcome, nature in (
            (
                dt.date(2022, 2, 1),
                dt.date(2022, 5, 11),
                "partially upheld",
                "Practice Non-Compliant",
            ),
            (
                dt.date(2022, 3, 1),
                dt.date(2022, 5, 12),
                "not upheld",
                "Lack or delay in providing assessed service",
            ),
        ):
            case = b.case(
                Procedure.CHILDREN,
                received,
                team="Through Care",
                area="Through Care",
                natures=(nature,),
            )
            b.stage(
                case, StageCode.STAGE_1, received, received + dt.timedelta(days=13), "not upheld"
            )
            b.stage(case, StageCode.STAGE_2, dt.date(2022, 4, 1), closed, outcome)
        last_year = b.case(
            Procedure.CHILDREN,
            FY21,
            team="Through Care",
            area="Through Care",
            natures=("Discrimination",),
        )
        b.stage(last_year, StageCode.STAGE_1, FY21, dt.date(2021, 6, 10), "upheld")
        b.case(Procedure.CHILDREN, FY22, kind=Kind.COMPLIMENT, area="Safeguarding Area")
        b.case(Procedure.CHILDREN, FY22, kind=Kind.COMPLIMENT, area="Safeguarding Area")

        # -- corporate: Fri 1 Jul 2022 + 20 working days is Fri 29 Jul 2022 -------------
        for closed, outcome, suspended in (
            (dt.date(2022, 7, 29), "upheld", 0),  # on the due day: within 20 (20 days)
            (dt.date(2022, 7, 30), "not upheld", 0),  # Saturday after it: after 20 (21)
            (dt.date(2022, 8, 3), "not upheld", 3),  # 23 days less 3 suspended: within 20
        ):
            case = b.case(
                Procedure.CORPORATE,
                dt.date(2022, 7, 1),
                area="Contact Centre",
                directorate="COaCH",
                natures=("Communication",),
            )
            b.stage(case, StageCode.STAGE_1, dt.date(2022, 7, 1), closed, outcome, suspended)
        highways = b.case(
            Procedure.CORPORATE,
            dt.date(2022, 7, 1),
            area="Network Control",
            directorate="Economy & Infrastructure",
            natures=("Transport", "Communication"),
        )
        b.stage(
            highways,
            StageCode.STAGE_1,
            dt.date(2022, 7, 1),
            dt.date(2022, 7, 15),
            "partially upheld",
        )
        b.stage(highways, StageCode.STAGE_2, dt.date(2022, 8, 1))  # still open
        # -- adult: one low risk in each year; the six months from 1 Sep 2022 end 28 Feb 2023
        adult = b.case(
            Procedure.ADULT,
            dt.date(2022, 9, 1),
            area="Urgent Care",
            natures=("Direct Payments",),
            categories=("Finance", "Decision Making"),
        )
        b.stage(adult, StageCode.LOW, dt.date(2022, 9, 1), dt.date(2023, 3, 2), "upheld")
        adult_ok = b.case(
            Procedure.ADULT,
            dt.date(2022, 9, 1),
            area="Urgent Care",
            natures=("Direct Payments",),
            categories=("Finance",),
        )
        b.stage(
            adult_ok,
            StageCode.MODERATE_HIGH,
            dt.date(2022, 9, 1),
            dt.date(2023, 3, 1),
            "not upheld",
        )
        # Low risk from Mon 3 Oct 2022: the 35th working day after is Mon 21 Nov 2022.
        for closed, outcome in (
            (dt.date(2022, 11, 21), "partially upheld"),
            (dt.date(2022, 11, 22), "withdrawn"),
        ):
            low = b.case(
                Procedure.ADULT,
                dt.date(2022, 10, 3),
                area="Mental Health",
                natures=("Lack of Service",),
            )
            b.stage(low, StageCode.LOW, dt.date(2022, 10, 3), closed, outcome)
        b.case(Procedure.ADULT, FY22, kind=Kind.COMPLIMENT, area="Urgent Care")
        b.case(
            Procedure.CORPORATE,
            FY22,
            kind=Kind.COMPLIMENT,
            area="Contact Centre",
            directorate="COaCH",
        )
        learnt = b.case(
            Procedure.CORPORATE,
            dt.date(2022, 6, 1),
            area="Contact Centre",
            directorate="COaCH",
            natures=("Communication",),
        )
        b.stage(learnt, StageCode.STAGE_1, dt.date(2022, 6, 1), dt.date(2022, 6, 10), "upheld")
        b.s.add(
            ActionItem(
                case_id=learnt.id,
                action="Call back <within> 2 days & log it",
                owner="Team leader",
                due_on=dt.date(2022, 7, 1),
                done_on=dt.date(2022, 7, 1),
                evidence="New procedure",
                learning_example=True,
            )
        )
        b.s.add(
            Setting(
                key="report.commentary.2022.children",
                value="More complaints about <b>delay</b> & contact.",
            )
        )

    database.write(build)
    with database.session() as session:
        return annual_report(session, 2022)


def test_financial_year() -> None:
    fy = FinancialYear(2022)
    assert (fy.start, fy.end, fy.label) == (dt.date(2022, 4, 1), dt.date(2023, 3, 31), "2022/23")


def test_children_received_by_stage_counts_each_stage_by_the_date_it_was_asked_for(
    report: AnnualReport,
) -> None:
    table = report.table("children_received_by_stage")
    assert table.columns == ("Children Services Complaints", "2021/22", "2022/23")
    # 2022/23: three complaints received (20 Dec x2, 4 Apr), one went to the Ombudsman
    # (enquiry 1 Feb 2023). The two received in Feb and Mar 2022 count at Stage 1 in
    # 2021/22, and at Stage 2 in 2022/23, when their Stage 2s started (1 Apr 2022).
    assert table.value("Local / Stage 1 Complaints", "2022/23") == 3
    assert table.value("Formal / Stage 2 Complaints", "2022/23") == 2
    assert table.value("Local Government and Social Care Ombudsman", "2022/23") == 1
    assert table.value("Total", "2022/23") == 6
    assert table.value("Local / Stage 1 Complaints", "2021/22") == 3
    assert table.value("Formal / Stage 2 Complaints", "2021/22") == 0
    assert table.value("Total", "2021/22") == 3
    assert any("requested" in note for note in table.notes)


def test_children_team_nature_and_compliments(report: AnnualReport) -> None:
    team = report.table("children_by_team")
    assert team.value("Through Care", "2022/23") == 2
    assert team.value("Family Front Door", "2022/23") == 1
    assert team.value("Total", "2022/23") == 3
    nature = report.table("children_nature")
    # Points, not cases: 2 + 1 + 1 points in 2022/23.
    assert nature.value("Decision Making", "2022/23") == 3
    assert nature.value("Staff Attitude / Behaviour", "2022/23") == 1
    assert nature.value("Discrimination", "2021/22") == 1
    assert nature.value("Total", "2022/23") == 4
    compliments = report.table("children_compliments")
    assert compliments.value("Safeguarding Area", "2022/23") == 2


def test_outcomes_go_by_the_date_the_stage_closed(report: AnnualReport) -> None:
    stage1 = report.table("children_stage1_outcomes")
    # Closed in 2022/23: 20 Jan 2023 upheld, 23 Jan 2023 not upheld, 8 Apr 2022 withdrawn.
    assert stage1.value("Upheld", "2022/23") == 1
    assert stage1.value("Not upheld", "2022/23") == 1
    assert stage1.value("Withdrawn", "2022/23") == 1
    assert stage1.value("Total", "2022/23") == 3
    # Closed in 2021/22: 10 Jun 2021 upheld, 14 Feb and 14 Mar 2022 not upheld.
    assert stage1.value("Total", "2021/22") == 3
    assert stage1.value("Not upheld", "2021/22") == 2
    stage2 = report.table("children_stage2_outcomes")
    assert stage2.value("Partially upheld", "2022/23") == 1
    assert stage2.value("Not upheld", "2022/23") == 1


def test_a_response_on_the_due_day_is_in_time_and_the_day_after_is_not(
    report: AnnualReport,
) -> None:
    stage1 = report.table("children_stage1_timescales")
    # 20 Jan 2023 (20th working day after 20 Dec 2022): within 20. 23 Jan: 21 days.
    # 8 Apr 2022 (4 days after 4 Apr): within 20.
    assert stage1.value("Within 20 working days", "2022/23") == pytest.approx(200 / 3)
    assert stage1.value("Within 40 working days", "2022/23") == pytest.approx(100 / 3)
    assert stage1.value("After 40 working days", "2022/23") == 0
    assert stage1.value("Responses", "2022/23") == 3
    stage2 = report.table("children_stage2_timescales")
    # Across Easter 2022: 11 May is the 25th working day after 1 Apr, 12 May the 26th.
    assert stage2.value("Within 25 working days", "2022/23") == 50
    assert stage2.value("Within 65 working days", "2022/23") == 50


def test_corporate_timescales_weekend_response_and_suspension(report: AnnualReport) -> None:
    table = report.table("corporate_stage1_timescales")
    # 29 Jul (20 days) in time; Sat 30 Jul after 20; 3 Aug is 23 days less 3 suspended;
    # 15 Jul is 10 days; 1 to 10 Jun 2022 is 5 (2 and 3 Jun, the Jubilee holidays, skipped).
    assert table.value("Within 20 days", "2022/23") == 80
    assert table.value("After 20 days", "2022/23") == 20
    assert table.value("Average response time (working days)", "2022/23") == pytest.approx(
        (20 + 21 + 20 + 10 + 5) / 5
    )
    directorate = report.table("corporate_by_directorate")
    assert directorate.value("COaCH", "2022/23") == 4
    assert directorate.value("Economy & Infrastructure", "2022/23") == 1
    areas = report.table("corporate_areas_coach")
    assert areas.value("Contact Centre", "2022/23") == 4
    nature = report.table("corporate_nature")
    assert nature.value("Communication", "2022/23") == 5


def test_adult_tables_and_the_six_month_kpi(report: AnnualReport) -> None:
    level = report.table("adult_received_by_level")
    assert level.value("Low Risk", "2022/23") == 3
    assert level.value("Moderate /High Risk", "2022/23") == 1
    categories = report.table("adult_by_service_category")
    assert categories.value("Finance", "2022/23") == 2
    assert categories.value("Decision Making", "2022/23") == 1
    assert categories.value("Total", "2022/23") == 3
    kpis = report.table("kpis")
    # The six months beginning with 1 Sep 2022 end on 28 Feb 2023 (SI 2009/309 reg. 14):
    # the responses on 1 and 2 Mar 2023 are both late; the two started on 3 Oct 2022
    # took seven weeks.
    label = "Adult Social Care complaints completed in timescale (within 6 months)"
    assert kpis.value(label, "2022/23") == 50
    assert kpis.value(label, "Target") == 100


def test_kpis_progression_and_rag(report: AnnualReport) -> None:
    kpis = report.table("kpis")
    corporate = "Corporate Stage 1 complaints completed in timescale (within 20 days)"
    assert kpis.value(corporate, "2022/23") == pytest.approx(80)
    row = next(r for r in kpis.rows if r[0].value == corporate)
    assert row[3].rag == Rag.RED  # 80% against 90%: more than 10% short
    progression = "Corporate complaints that progress from Stage 1 to Stage 2"
    assert kpis.value(progression, "2022/23") == 20  # 1 of 5 corporate complaints
    row = next(r for r in kpis.rows if r[0].value == progression)
    assert row[3].rag == Rag.GREEN  # lower is better: 20% meets a 25% target
    # Stage 2 requests in the year over Stage 1 complaints closed in it: in 2022/23 the
    # two Stage 2s of 1 Apr 2022 over three Stage 1s closed (8 Apr 2022, 20 and 23 Jan
    # 2023); in 2021/22 no Stage 2 was asked for, and three Stage 1s closed.
    children = "Children’s Social Care complaints that progress from Stage 1 to Stage 2"
    assert kpis.value(children, "2022/23") == pytest.approx(200 / 3)
    assert kpis.value(children, "2021/22") == 0
    stage2 = "Children’s Social Care Stage 2 complaints completed in 65 days"
    assert kpis.value(stage2, "2022/23") == 100
    # E&I: one stage 1 response, in 10 working days.
    assert (
        kpis.value("E&I Stage 1 complaints completed in timescale (within 20 days)", "2022/23")
        == 100
    )


def test_rag_respects_each_kpis_direction() -> None:
    higher, lower = KpiDirection.HIGHER_IS_BETTER, KpiDirection.LOWER_IS_BETTER
    assert rag(90, 90, higher) == Rag.GREEN
    assert rag(81, 90, higher) == Rag.AMBER
    assert rag(80.9, 90, higher) == Rag.RED
    assert rag(25, 25, lower) == Rag.GREEN
    assert rag(27.5, 25, lower) == Rag.AMBER
    assert rag(27.6, 25, lower) == Rag.RED
    assert rag(None, 90, higher) is None


def test_ombudsman_section(report: AnnualReport) -> None:
    sent = report.table("lgsco_sent")
    assert sent.value("Children's social care", "2022/23 sent to the LGSCO") == 1
    assert sent.value("Children's social care", "2022/23 complaints") == 3
    assert sent.value("Children's social care", "2022/23 share") == pytest.approx(100 / 3)
    assert sent.value("Total", "2022/23 complaints") == 12
    decisions = report.table("lgsco_decisions")
    assert (
        decisions.value(
            "Children's social care: Upheld: maladministration and injustice", "2022/23"
        )
        == 1
    )
    payments = report.table("lgsco_payments")
    assert payments.value("Children's social care", "2022/23 paid") == 750.0
    assert payments.value("Total", "2022/23 complainants paid") == 1
    late = report.table("lgsco_remedies_late")
    # Both remedies were due on 20 Mar 2023; one was done on 24 Mar: one case, late.
    assert late.value("Children's social care", "2022/23 cases with a late remedy") == 1
    assert late.value("Children's social care", "2022/23 still outstanding at the year end") == 0
    assert late.value("Children's social care", "2022/23 cases with remedies due") == 1


def test_commentary_is_kept_as_written(report: AnnualReport) -> None:
    section = next(s for s in report.sections if s.key == "children")
    assert section.commentary == "More complaints about <b>delay</b> & contact."


def test_baseline_figures_fill_a_previous_year_without_cases(database: Database) -> None:
    def build(session: Session) -> None:
        b = Builder(session)
        case = b.case(
            Procedure.CORPORATE,
            FY22,
            area="Contact Centre",
            directorate="COaCH",
            natures=("Communication",),
        )
        b.stage(case, StageCode.STAGE_1, FY22, FY22 + dt.timedelta(days=7), "upheld")
        for label, value in (("COaCH", 23.0), ("People", 32.0)):
            session.add(
                BaselineFigure(
                    financial_year=2021,
                    procedure=Procedure.CORPORATE,
                    table_key="corporate_by_directorate",
                    row_label=label,
                    value=value,
                )
            )

    database.write(build)
    with database.session() as session:
        report = annual_report(session, 2022, [Procedure.CORPORATE])
    table = report.table("corporate_by_directorate")
    assert table.baseline_columns == ("2021/22",)
    assert table.value("COaCH", "2021/22") == 23
    assert table.value("People", "2021/22") == 32
    assert table.value("Total", "2021/22") == 55
    assert table.value("COaCH", "2022/23") == 1
    assert any("baseline" in note for note in table.notes)
    assert [s.key for s in report.sections] == [
        "corporate",
        "kpis",
        "lgsco",
        "learning",
        "equality",
    ]


def test_adult_outcomes_and_timescales_by_level(report: AnnualReport) -> None:
    low = report.table("adult_low_outcomes")
    assert low.value("Upheld", "2022/23") == 1
    assert low.value("Partially upheld", "2022/23") == 1
    assert low.value("Withdrawn", "2022/23") == 1
    assert low.value("Total", "2022/23") == 3
    high = report.table("adult_moderate_high_outcomes")
    assert high.value("Not upheld", "2022/23") == 1 and high.value("Total", "2022/23") == 1
    timescales = report.table("adult_low_timescales")
    # 21 Nov 2022 is the 35th working day after 3 Oct: within 35; 22 Nov is the 36th:
    # within 45; 1 Sep 2022 to 2 Mar 2023 is over 65.
    assert timescales.value("Within 35 days", "2022/23") == pytest.approx(100 / 3)
    assert timescales.value("Within 45 days", "2022/23") == pytest.approx(100 / 3)
    assert timescales.value("Within 55 days", "2022/23") == 0
    assert timescales.value("Within 65 days", "2022/23") == 0
    assert timescales.value("Over 65 days", "2022/23") == pytest.approx(100 / 3)
    assert report.table("adult_moderate_high_timescales").value("Over 65 days", "2022/23") == 100
    areas = report.table("adult_by_service_area")
    assert areas.value("Mental Health", "2022/23") == 2
    assert areas.value("Urgent Care", "2022/23") == 2
    assert report.table("adult_compliments").value("Urgent Care", "2022/23") == 1
    assert report.table("corporate_compliments").value("Contact Centre", "2022/23") == 1


def test_corporate_compliments_are_listed_directorate_by_directorate(
    report: AnnualReport, database: Database
) -> None:
    """Corporate service areas are numbered within their directorate: the compliments
    table lists them directorate by directorate, not interleaved."""
    from crm_desktop.db.models import Directorate, ServiceArea

    with database.session() as session:
        directorate_of = dict(
            session.execute(
                sa.select(ServiceArea.name, Directorate.sort_order)
                .join(Directorate, Directorate.id == ServiceArea.directorate_id)
                .where(
                    ServiceArea.procedure == Procedure.CORPORATE,
                    ServiceArea.for_compliments.is_(True),
                )
            ).all()
        )
    labels = [str(row[0].value) for row in report.table("corporate_compliments").body]
    orders = [directorate_of[label] for label in labels if label in directorate_of]
    assert len(orders) > 10 and orders == sorted(orders)


def test_learning_examples_are_listed_as_written(report: AnnualReport) -> None:
    table = report.table("learning_examples")
    assert [(row[1].value, row[2].value) for row in table.rows] == [
        ("Call back <within> 2 days & log it", "New procedure")
    ]


def test_the_dashboards_kpis_are_the_reports(database: Database, report: AnnualReport) -> None:
    from crm_desktop.reports.figures import annual_kpis

    with database.session() as session:
        kpis = annual_kpis(session, 2022)
    assert kpis.rows == report.table("kpis").rows
    assert kpis.columns == report.table("kpis").columns


def test_only_timescale_tables_whose_clocks_can_stop_say_suspended_time_is_left_out(
    report: AnnualReport,
) -> None:
    """The adult procedure has no suspension: days recorded as suspended count there."""
    for key in ("adult_low_timescales", "adult_moderate_high_timescales"):
        notes = report.table(key).notes
        assert any("Working days from the start of the stage" in note for note in notes)
        assert not any("suspended" in note for note in notes), key
    for key in ("children_stage1_timescales", "corporate_stage2_timescales"):
        assert any("less any time the clock was suspended" in n for n in report.table(key).notes)
