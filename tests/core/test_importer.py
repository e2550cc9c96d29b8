"""Historical case import (IMPORT_FORMAT.md): reading, every rule, writing, the command."""

from __future__ import annotations

import csv
import datetime as dt
import os
import shutil
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa

from crm_desktop.cli import main
from crm_desktop.db.audit import verify_chain
from crm_desktop.db.base import Base
from crm_desktop.db.database import Database, open_database
from crm_desktop.db.models import (
    AuditEvent,
    Case,
    CaseParty,
    CaseServiceCategory,
    ComplaintPoint,
    Directorate,
    DueDateChange,
    LgscoDetail,
    Nature,
    Person,
    PointOutcome,
    ServiceArea,
    ServiceCategory,
    Stage,
    Team,
)
from crm_desktop.domain.access import Actor
from crm_desktop.domain.deadlines import compute_due_date
from crm_desktop.domain.enums import (
    CaseStatus,
    Kind,
    LgscoDecision,
    Outcome,
    PartyRole,
    Procedure,
    StageCode,
    StageStatus,
    UserRole,
)
from crm_desktop.domain.formatting import format_date
from crm_desktop.domain.workflow import (
    ENDED_OUTCOMES,
    FINDING_OUTCOMES,
    Action,
    State,
    outcome_from_points,
)
from crm_desktop.services.calendar_service import working_calendar
from crm_desktop.services.cases import set_point_outcome
from crm_desktop.services.importer import (
    COLUMNS,
    ImportFileError,
    ImportResult,
    read_rows,
    run_import,
    summary,
)
from crm_desktop.services.timeline import case_timeline
from crm_desktop.services.workflow import ActionInput, available_actions, case_state, perform

# The design's example file (shared/design/examples), kept with the tests.
EXAMPLE = Path(
    os.environ.get(
        "CRM_IMPORT_EXAMPLE",
        str(Path(__file__).resolve().parents[1] / "data" / "cases-example.csv"),
    )
)
TODAY = dt.date(2026, 1, 15)
ACTOR = "importer-test"
OFFICER = Actor("officer1", UserRole.OFFICER)

# A good corporate Stage 1 row; tests change what they need.
BASE: dict[str, str] = {
    "reference": "T-0001",
    "kind": "complaint",
    "procedure": "corporate",
    "received": "2024-03-01",
    "directorate": "COaCH",
    "service_area": "Contact Centre",
    "stage": "1",
    "stage_started": "2024-03-01",
    "stage_closed": "2024-03-20",
    "outcome": "upheld",
    "natures": "Communication",
    "complainant_name": "A. Example",
}


# A compliment's or comment's row: no stage.
NO_STAGE = {"stage": "", "stage_started": "", "stage_closed": "", "outcome": ""}


# ----------------------------------------------------------------------------- helpers


def row(*bases: Mapping[str, str], **changes: str) -> dict[str, str]:
    merged = dict(BASE)
    for base in bases:
        merged.update(base)
    merged.update(changes)
    return merged


def write_csv(
    path: Path,
    rows: Sequence[Mapping[str, str]],
    header: Sequence[str] = COLUMNS,
    *,
    bom: bool = False,
) -> Path:
    keys = [h.strip().lower().replace(" ", "_").replace("-", "_") for h in header]
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for r in rows:
            writer.writerow([r.get(k, "") for k in keys])
    return path


def example_rows() -> list[dict[str, str]]:
    with EXAMPLE.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def do_import(database: Database, path: Path, **options: Any) -> ImportResult:
    settings: dict[str, Any] = {
        "dry_run": False,
        "skip_existing": False,
        "add_missing_reference_data": False,
        "actor": ACTOR,
        "today": TODAY,
    }
    settings.update(options)
    return run_import(database, path, **settings)


def table_counts(database: Database) -> dict[str, int]:
    with database.session() as session:
        return {
            table.name: int(
                session.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            )
            for table in Base.metadata.sorted_tables
        }


def errors_of(result: ImportResult) -> set[tuple[int, str]]:
    return {(e.row, e.column) for e in result.errors}


def snapshot(database: Database) -> list[tuple[Any, ...]]:
    """Every imported case with its stages, points and Ombudsman details, by reference."""
    out = []
    with database.session() as session:
        for case in session.scalars(sa.select(Case).order_by(Case.reference)):
            stages = session.scalars(
                sa.select(Stage).where(Stage.case_id == case.id).order_by(Stage.seq)
            ).all()
            points = session.execute(
                sa.select(ComplaintPoint.seq, Nature.name)
                .join(Nature, Nature.id == ComplaintPoint.nature_id)
                .where(ComplaintPoint.case_id == case.id)
                .order_by(ComplaintPoint.seq)
            ).all()
            details = [session.get(LgscoDetail, s.id) for s in stages]
            out.append(
                (
                    case.reference,
                    case.kind,
                    case.procedure,
                    case.received_on,
                    case.directorate_id,
                    case.service_area_id,
                    case.team_id,
                    case.summary,
                    case.status,
                    case.closed_on,
                    case.complainant_name,
                    [
                        (
                            s.seq,
                            s.stage,
                            s.started_on,
                            s.closed_on,
                            s.outcome,
                            s.suspended_days,
                            s.timescale_days,
                            s.due_on,
                            s.statement_agreed_on,
                            s.next_stage_requested_on,
                        )
                        for s in stages
                    ],
                    [tuple(p) for p in points],
                    [
                        (d.decision, d.decision_on, d.imported_payment_pence)
                        for d in details
                        if d is not None
                    ],
                )
            )
    return out


# ----------------------------------------------------------------------------- the example


def test_example_file_imports_cleanly(any_database: Database) -> None:
    result = do_import(any_database, EXAMPLE)
    assert result.ok, [str(e) for e in result.errors]
    assert result.cases_by_type == {
        (Kind.COMPLAINT, Procedure.CORPORATE): 5,
        (Kind.COMPLAINT, Procedure.ADULT): 4,
        (Kind.COMPLAINT, Procedure.CHILDREN): 4,
        (Kind.COMPLIMENT, Procedure.CHILDREN): 2,
    }
    assert (result.cases, result.stages, result.rows) == (15, 20, 22)
    assert result.lgsco_decisions == 3
    assert result.lgsco_payments_pence == 75_000
    assert result.skipped == () and result.added_reference_data == ()

    with any_database.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Case)) == 15
        assert session.scalar(sa.select(sa.func.count()).select_from(Stage)) == 20
        assert session.scalar(sa.select(sa.func.count()).select_from(ComplaintPoint)) == 28
        assert result.points == 28
        decisions = session.execute(
            sa.select(LgscoDetail.decision, LgscoDetail.imported_payment_pence)
        ).all()
        assert sorted(decisions) == [(LgscoDecision.CLOSED_NO_FURTHER_ACTION, 25_000)] * 3
        assert session.scalar(sa.select(sa.func.count()).where(Case.imported.is_(False))) == 0
        summaries = dict(session.execute(sa.select(Case.reference, Case.summary)).all())
    # Text kept exactly as written: no markup interpreted, nothing stripped.
    assert summaries["EXCO-00027"] == '=HYPERLINK("http://example.invalid")'
    assert summaries["EXCH-00597"] == '<img src="/etc/passwd"/> see attached'
    assert summaries["EXAD-00929"] == "Delay 😠 again"
    assert summaries["EXCO-00001"] == "شكوى بخصوص الطريق"
    assert summaries["EXCH-00701"] == "Thank you <b>so</b> much"


def test_example_cases_are_recorded_as_the_workflow_would(database: Database) -> None:
    assert do_import(database, EXAMPLE).ok
    with database.session() as session:
        cal = working_calendar(session)
        case = session.scalar(sa.select(Case).where(Case.reference == "EXCH-00597"))
        assert case is not None
        stages = session.scalars(
            sa.select(Stage).where(Stage.case_id == case.id).order_by(Stage.seq)
        ).all()
        assert [(s.seq, s.stage) for s in stages] == [
            (1, StageCode.STAGE_1),
            (2, StageCode.STAGE_2),
            (3, StageCode.STAGE_3),
        ]
        one, two, three = stages
        assert (one.previous_stage_id, two.previous_stage_id, three.previous_stage_id) == (
            None,
            one.id,
            two.id,
        )
        assert case.current_stage_id == three.id
        assert case.status == CaseStatus.CLOSED and case.closed_on == dt.date(2021, 12, 10)
        assert one.next_stage_requested_on == two.started_on == dt.date(2021, 9, 20)
        assert two.next_stage_requested_on == three.started_on
        assert three.next_stage_requested_on is None
        # The file gives no date for the statement of complaint: none is made up.
        assert (one.statement_agreed_on, two.statement_agreed_on, three.statement_agreed_on) == (
            None,
            None,
            None,
        )
        assert two.requested_on == two.started_on
        assert (one.timescale_days, two.timescale_days, three.timescale_days) == (10, 25, 30)
        assert three.council_response_on == three.closed_on
        # The panel was due to meet 30 working days after the request (SI 2006/1738 reg.
        # 19): the first of Stage 3's clocks, kept apart from the stage's due date.
        assert three.panel_due_on == three.due_on and one.panel_due_on is two.panel_due_on is None
        for s in stages:
            assert s.status == StageStatus.CLOSED and s.outcome is not None
            assert s.timescale_days is not None and s.started_on is not None
            assert s.due_on == compute_due_date(cal, s.started_on, s.timescale_days)
        assert case.complainant_name == "C. O'Neil"
        party = session.execute(
            sa.select(Person.full_name, CaseParty.role)
            .join(CaseParty, CaseParty.person_id == Person.id)
            .where(CaseParty.case_id == case.id)
        ).one()
        assert tuple(party) == ("C. O'Neil", PartyRole.COMPLAINANT)
        changes = session.scalars(
            sa.select(DueDateChange).where(DueDateChange.stage_id == one.id)
        ).all()
        assert {(c.field, c.cause, c.after) for c in changes} >= {("due", "import", one.due_on)}

        # Suspended working days move the due date as the clock would.
        suspended = session.scalar(
            sa.select(Stage)
            .join(Case, Case.id == Stage.case_id)
            .where(Case.reference == "EXCO-00015", Stage.seq == 1)
        )
        assert suspended is not None and suspended.started_on is not None
        assert suspended.suspended_days == 3
        assert suspended.due_on == compute_due_date(cal, suspended.started_on, 20 + 3)

        # The Ombudsman's stage.
        lgsco = session.scalar(
            sa.select(Stage)
            .join(Case, Case.id == Stage.case_id)
            .where(Case.reference == "EXCO-00027", Stage.stage == StageCode.LGSCO)
        )
        assert lgsco is not None and lgsco.seq == 2 and lgsco.outcome is None
        detail = session.get(LgscoDetail, lgsco.id)
        assert detail is not None
        assert detail.enquiry_received_on == lgsco.started_on == dt.date(2021, 4, 20)
        assert detail.decision == LgscoDecision.CLOSED_NO_FURTHER_ACTION
        assert detail.decision_on == lgsco.closed_on == dt.date(2021, 5, 5)
        assert detail.public_report is False
        first = session.get(Stage, lgsco.previous_stage_id)
        assert first is not None and first.next_stage_requested_on is None

        # Adult cases: service categories, the statutory outer limit.
        adult = session.scalar(sa.select(Case).where(Case.reference == "EXAD-00934"))
        assert adult is not None
        categories = session.scalars(
            sa.select(ServiceCategory.name)
            .join(CaseServiceCategory)
            .where(CaseServiceCategory.case_id == adult.id)
        ).all()
        assert sorted(categories) == ["Decision Making", "Finance"]
        adult_stage = session.get(Stage, adult.current_stage_id)
        assert adult_stage is not None and adult_stage.stage == StageCode.MODERATE_HIGH
        # The six months beginning with the day received, 26 Apr, end on 25 Oct.
        assert adult_stage.outer_limit_on == dt.date(2021, 10, 25)

        # Compliments: no stage, closed on the day received.
        compliment = session.scalar(sa.select(Case).where(Case.reference == "EXCH-00701"))
        assert compliment is not None
        assert compliment.current_stage_id is None
        assert compliment.status == CaseStatus.CLOSED
        assert compliment.closed_on == compliment.received_on

        # Every case is where the workflow says a closed case is; the trail is intact.
        for each in session.scalars(sa.select(Case)):
            assert case_state(session, each) == State.CLOSED
        assert verify_chain(session) == []
        assert case_timeline(session, case.id)
        users = set(session.scalars(sa.select(AuditEvent.username).distinct()))
        assert ACTOR in users


def test_an_adult_stage_started_later_keeps_six_months_from_the_day_received(
    tmp_path: Path, database: Database
) -> None:
    """SI 2009/309 reg. 14(4): "the period of six months beginning on the day on which
    the complaint was received", whenever the stage's clock started."""
    adult = row(
        reference="T-AD-1",
        procedure="adult",
        directorate="",
        service_area="Central Services",
        stage="moderate-high",
        received="2021-04-26",
        stage_started="2021-04-28",
        stage_closed="2021-07-06",
        natures="General lack of Communication",
    )
    result = do_import(database, write_csv(tmp_path / "adult.csv", [adult]))
    assert not result.errors, result.errors
    with database.session() as session:
        stage = session.scalars(
            sa.select(Stage).join(Case, Case.id == Stage.case_id).where(Case.reference == "T-AD-1")
        ).one()
    # A first stage starts on the day received (IMPORT_FORMAT.md: stage_started is "the
    # date this stage was requested (Stage 1: received)"), as one recorded in the program
    # does; the file's day is kept in the due date's history.
    assert (stage.requested_on, stage.started_on) == (dt.date(2021, 4, 26), dt.date(2021, 4, 26))
    assert result.started_when_received == ("T-AD-1",)
    # Beginning with 26 Apr 2021: the last day is 25 Oct 2021 (not 27 Oct).
    assert stage.outer_limit_on == dt.date(2021, 10, 25)
    # Acknowledged "not later than 3 working days after the day on which it receives
    # the complaint" (reg. 13(2)): Mon 26 Apr -> Thu 29 Apr, not Tue 4 May as counted
    # from the 28th; the 35 working days from the 26th too, the bank holidays of 3 May
    # and 31 May 2021 skipped: Wed 16 Jun (not Fri 18 Jun).
    assert stage.acknowledge_due_on == dt.date(2021, 4, 29)
    assert stage.due_on == dt.date(2021, 6, 16)


CHILDREN_S1 = {
    "procedure": "children",
    "directorate": "",
    "service_area": "Through Care",
    "natures": "Decision Making",
}
CODE_S1 = {"received": "2026-05-01", "stage_started": "2026-05-11"}


@pytest.mark.parametrize(
    ("given", "due", "acknowledge_due"),
    [
        # Children's Stage 1, 10 working days from Tue 1 Jul 2025: Tue 15 Jul (from the
        # file's 8 Jul, 22 Jul); acknowledged within 3: Fri 4 Jul (not Fri 11 Jul).
        (
            {**CHILDREN_S1, "received": "2025-07-01", "stage_started": "2025-07-08",
             "stage_closed": "2025-07-18"},
            dt.date(2025, 7, 15),
            dt.date(2025, 7, 4),
        ),
        # Corporate Stage 1 under the council's 2023 procedure, 20 working days from
        # Tue 1 Jul 2025: Tue 29 Jul (from 3 Jul: Thu 31 Jul), acknowledged within 3:
        # Fri 4 Jul. Answered on the 21st working day.
        (
            {"received": "2025-07-01", "stage_started": "2025-07-03",
             "stage_closed": "2025-07-30"},
            dt.date(2025, 7, 29),
            dt.date(2025, 7, 4),
        ),
        # Answered before the file's stage_started, after the day received: not refused.
        (
            {"received": "2025-07-01", "stage_started": "2025-07-10",
             "stage_closed": "2025-07-08"},
            dt.date(2025, 7, 29),
            dt.date(2025, 7, 4),
        ),
        # The Complaint Handling Code: acknowledged "within 5 working days of receipt"
        # (Fri 1 May 2026; Mon 4 May a bank holiday: Mon 11 May), here on Wed 6 May,
        # before the file's stage_started: the response is due 10 working days after
        # the acknowledgement, Wed 20 May.
        (
            {**CODE_S1, "acknowledged": "2026-05-06", "stage_closed": "2026-05-20"},
            dt.date(2026, 5, 20),
            dt.date(2026, 5, 11),
        ),
        # Not acknowledged and still open: the response clock counts from the last day
        # to acknowledge, Mon 11 May, so Tue 26 May (Mon 25 May a bank holiday); from
        # the file's 11 May it would have been 18 May and 2 Jun.
        (
            {**CODE_S1, "stage_closed": "", "outcome": ""},
            dt.date(2026, 5, 26),
            dt.date(2026, 5, 11),
        ),
    ],
)  # fmt: skip
def test_a_first_stage_counts_from_the_day_received_whatever_stage_started_says(
    tmp_path: Path,
    any_database: Database,
    given: dict[str, str],
    due: dt.date,
    acknowledge_due: dt.date | None,
) -> None:
    """IMPORT_FORMAT.md: stage_started is "the date this stage was requested (Stage 1:
    received)". A file that gives a later day for Stage 1 does not move its clock: the
    due date, the acknowledgement's and the report's timescale count from the day
    received (as for a case recorded in the program), an acknowledgement or response
    between the two days is not refused, the import says which cases, and the due
    date's history keeps the file's day."""
    from crm_desktop.db.models import DueDateChange
    from crm_desktop.reports.figures import annual_report

    first = row(reference="T-S1-LATE", **{"outcome": "upheld", **given})
    result = do_import(
        any_database, write_csv(tmp_path / "late.csv", [first]), today=dt.date(2026, 5, 22)
    )
    assert not result.errors, result.errors
    assert result.started_when_received == ("T-S1-LATE",)
    assert "T-S1-LATE" in summary(result)
    with any_database.session() as session:
        stage = session.scalars(
            sa.select(Stage)
            .join(Case, Case.id == Stage.case_id)
            .where(Case.reference == "T-S1-LATE")
        ).one()
        received = dt.date.fromisoformat(given["received"])
        assert stage.requested_on == received
        assert (stage.due_on, stage.acknowledge_due_on) == (due, acknowledge_due)
        reasons = session.scalars(
            sa.select(DueDateChange.reason).where(DueDateChange.stage_id == stage.id)
        ).all()
        shown = format_date(dt.date.fromisoformat(given["stage_started"]))
        assert reasons and all(f"The file gave {shown} as the day" in r for r in reasons)
        report = annual_report(session, 2025)
    if given.get("procedure", "corporate") == "corporate" and received.year == 2025:
        # The report's timescale counts from the day received too.
        section = next(s for s in report.sections if s.key == "corporate")
        (table,) = [t for t in section.tables if t.key == "corporate_stage1_timescales"]
        shares = {str(r[0].value): r[-1].value for r in table.rows}
        late = given["stage_closed"] > "2025-07-29"
        assert shares["Within 20 days"] == pytest.approx(0.0 if late else 100.0), shares


def test_an_imported_code_stage_says_when_its_response_clock_started(
    tmp_path: Path, database: Database
) -> None:
    """The due date's history names the acknowledgement, or says there is none yet."""
    from crm_desktop.db.models import DueDateChange

    rows = [
        row(reference="T-ACK", received="2026-05-01", stage_started="2026-05-01",
            acknowledged="2026-05-06", stage_closed="2026-05-20", outcome="upheld"),
        row(reference="T-NOACK", received="2026-05-01", stage_started="2026-05-01",
            stage_closed="", outcome=""),
    ]  # fmt: skip
    result = do_import(database, write_csv(tmp_path / "code.csv", rows), today=dt.date(2026, 5, 22))
    assert not result.errors, result.errors
    with database.session() as session:
        reasons = dict(
            session.execute(
                sa.select(Case.reference, DueDateChange.reason)
                .join(Stage, Stage.case_id == Case.id)
                .join(DueDateChange, DueDateChange.stage_id == Stage.id)
                .where(DueDateChange.field == "due")
            ).all()  # type: ignore[arg-type]
        )
    assert "the response clock started with the acknowledgement on 6 May 2026" in reasons["T-ACK"]
    assert (
        "no acknowledgement is recorded, so the response clock counts from 11 May 2026"
        in (reasons["T-NOACK"])
    )


def test_an_adult_stage_s_suspended_days_move_nothing(
    tmp_path: Path, any_database: Database
) -> None:
    """PRODUCT.md, adult social care: "no suspension". Suspended days a file gives on an
    adult row neither move its due date nor come off the working days its response took;
    the due date's recorded reason says the file gave them. A corporate row's still do."""
    from crm_desktop.db.models import DueDateChange
    from crm_desktop.reports.figures import annual_report

    adult = row(
        ADULT,
        reference="T-AD-S",
        received="2023-09-01",
        stage_started="2023-09-01",
        stage_closed="2023-10-27",  # the 40th working day after Fri 1 Sep 2023
        suspended_working_days="5",
    )
    corporate = row(reference="T-CO-S", suspended_working_days="5")
    result = do_import(any_database, write_csv(tmp_path / "s.csv", [adult, corporate]))
    assert not result.errors, result.errors
    # Said where the import reports, too (the command line and the wizard).
    assert result.suspension_not_counted == ("T-AD-S",)
    assert (
        "The suspended working days the file gives for 1 adult complaint were not counted, "
        "as the adult procedure has no suspension: T-AD-S."
    ) in summary(result)
    with any_database.session() as session:
        stages = {
            reference: stage
            for reference, stage in session.execute(
                sa.select(Case.reference, Stage).join(Case, Case.id == Stage.case_id)
            )
        }
        reasons = session.scalars(
            sa.select(DueDateChange.reason).where(
                DueDateChange.stage_id == stages["T-AD-S"].id, DueDateChange.field == "due"
            )
        ).all()
        section = next(s for s in annual_report(session, 2023).sections if s.key == "adult")
    # 35 working days after Fri 1 Sep 2023 (no bank holiday until Christmas): Fri 20 Oct.
    assert (stages["T-AD-S"].due_on, stages["T-AD-S"].suspended_days) == (
        dt.date(2023, 10, 20),
        0,
    )
    assert len(reasons) == 1 and "The file gave 5 working days suspended" in reasons[0]
    assert "cannot be suspended" in reasons[0]
    # Corporate 2023 procedure: 20 working days after Fri 1 Mar 2024 plus 5 suspended,
    # 25, over Good Friday (29 Mar) and Easter Monday (1 Apr): Tue 9 Apr.
    assert (stages["T-CO-S"].due_on, stages["T-CO-S"].suspended_days) == (
        dt.date(2024, 4, 9),
        5,
    )
    (table,) = [t for t in section.tables if t.key == "adult_low_timescales"]
    shares = {str(r[0].value): r[-1].value for r in table.rows}
    assert shares["Within 35 days"] == 0 and shares["Within 45 days"] == pytest.approx(100.0)

    # Days an earlier version let an officer suspend an adult clock for are not taken
    # off the time its response took either.
    def suspended_by_an_earlier_version(session: sa.orm.Session) -> None:
        session.execute(
            sa.update(Stage).where(Stage.id == stages["T-AD-S"].id).values(suspended_days=5)
        )

    any_database.write(suspended_by_an_earlier_version)
    with any_database.session() as session:
        section = next(s for s in annual_report(session, 2023).sections if s.key == "adult")
    (table,) = [t for t in section.tables if t.key == "adult_low_timescales"]
    assert {str(r[0].value): r[-1].value for r in table.rows} == shares


def test_a_code_stage_s_suspended_days_move_its_due_date(
    tmp_path: Path, database: Database
) -> None:
    """PRODUCT.md: "the due date moves by the suspended working days", on every stage but
    an adult one ("no suspension"). A corporate stage received from 1 Apr 2026 (the
    Complaint Handling Code) keeps the days the file gives, though nobody can stop its
    clock in the program."""
    from crm_desktop.db.models import DueDateChange

    code = row(
        reference="T-CODE-S",
        received="2026-06-01",
        stage_started="2026-06-01",
        acknowledged="2026-06-08",
        stage_closed="2026-06-29",
        suspended_working_days="5",
    )
    result = do_import(database, write_csv(tmp_path / "c.csv", [code]), today=dt.date(2026, 12, 7))
    assert not result.errors, result.errors
    with database.session() as session:
        stage = session.scalars(sa.select(Stage)).one()
        reasons = session.scalars(
            sa.select(DueDateChange.reason).where(
                DueDateChange.stage_id == stage.id, DueDateChange.field == "due"
            )
        ).all()
    # 10 working days after the acknowledgement on Mon 8 Jun 2026 (6.3) is Mon 22 Jun;
    # 5 suspended more: Mon 29 Jun, the day it was answered.
    assert (stage.due_on, stage.suspended_days, stage.undated_suspended_days) == (
        dt.date(2026, 6, 29),
        5,
        5,
    )
    assert len(reasons) == 1 and "was suspended for 5 working days" in reasons[0]
    assert "do not move the due date" not in reasons[0]


def test_imported_adult_complaints_are_well_founded_by_their_response(
    tmp_path: Path, any_database: Database
) -> None:
    """The file cannot say whether the council decided a complaint was well-founded (SI
    2009/309 reg. 18): a response upholding it in full or in part did; a decision
    recorded on the case afterwards counts instead."""
    from crm_desktop.reports.figures import annual_report

    adult = {
        **ADULT,
        "received": "2023-06-01",
        "stage_started": "2023-06-01",
        "stage_closed": "2023-07-03",
    }
    rows = [
        row(adult, reference="T-WF-1", outcome="upheld"),
        row(adult, reference="T-WF-2", outcome="partially upheld"),
        row(adult, reference="T-WF-3", outcome="not upheld"),
    ]
    assert do_import(any_database, write_csv(tmp_path / "wf.csv", rows)).ok

    def well_founded() -> tuple[object, object]:
        with any_database.session() as session:
            table = annual_report(session, 2023).table("adult_statutory")
        return (
            table.value("Decided well-founded", "2023/24 number"),
            table.value("Decided well-founded", "2023/24 out of"),
        )

    assert well_founded() == (2, 3)

    def decided_not(session: sa.orm.Session) -> None:
        session.execute(
            sa.update(Case).where(Case.reference == "T-WF-1").values(well_founded=False)
        )

    any_database.write(decided_not)
    assert well_founded() == (1, 3)


def test_the_adult_kpi_counts_six_months_from_the_day_received(
    tmp_path: Path, database: Database
) -> None:
    """Received 1 May 2024, its stage started 3 May: the six months end on 31 Oct
    2024 (not 2 Nov), so a response on 1 Nov is late and one on 31 Oct in time."""
    from crm_desktop.reports.figures import annual_kpis

    adult = {
        "procedure": "adult",
        "directorate": "",
        "service_area": "Central Services",
        "stage": "moderate-high",
        "received": "2024-05-01",
        "stage_started": "2024-05-03",
        "natures": "General lack of Communication",
    }
    rows = [
        row(adult, reference="T-AD-IN", stage_closed="2024-10-31"),
        row(adult, reference="T-AD-LATE", stage_closed="2024-11-01"),
    ]
    result = do_import(database, write_csv(tmp_path / "adult.csv", rows))
    assert not result.errors, result.errors
    with database.session() as session:
        table = annual_kpis(session, 2024)
    kpi = next(r for r in table.rows if "Adult Social Care complaints completed" in str(r[0].value))
    assert kpi[-1].value == pytest.approx(50.0)  # 1 of 2


def test_imported_point_outcomes_agree_with_outcome_from_points(database: Database) -> None:
    assert do_import(database, EXAMPLE).ok
    with database.session() as session:
        stages = session.scalars(
            sa.select(Stage).where(Stage.stage != StageCode.LGSCO, Stage.closed_on.is_not(None))
        ).all()
        assert stages
        for stage in stages:
            outcomes = [
                Outcome(o)
                for o in session.scalars(
                    sa.select(PointOutcome.outcome).where(PointOutcome.stage_id == stage.id)
                )
            ]
            points = session.scalar(
                sa.select(sa.func.count()).where(ComplaintPoint.case_id == stage.case_id)
            )
            assert len(outcomes) == points and points
            assert stage.outcome is not None
            if stage.outcome in FINDING_OUTCOMES:
                assert outcome_from_points(outcomes) == stage.outcome
            else:
                assert stage.outcome in ENDED_OUTCOMES
                assert set(outcomes) == {stage.outcome}
        # No point outcome at the Ombudsman's stage.
        assert (
            session.scalar(
                sa.select(sa.func.count())
                .select_from(PointOutcome)
                .join(Stage, Stage.id == PointOutcome.stage_id)
                .where(Stage.stage == StageCode.LGSCO)
            )
            == 0
        )


def test_imported_case_state_is_consistent(tmp_path: Path, database: Database) -> None:
    rows = [
        *example_rows(),
        row(reference="OPEN-1", stage_closed="", outcome=""),
        row(
            reference="OPEN-2",
            procedure="children",
            directorate="",
            service_area="Through Care",
            natures="Decision Making",
        ),
        row(
            reference="OPEN-2",
            procedure="children",
            directorate="",
            service_area="Through Care",
            stage="2",
            stage_started="2024-04-02",
            stage_closed="",
            outcome="",
            natures="",
        ),
        row(reference="OPEN-3", stage="1"),
        row(
            reference="OPEN-3",
            stage="lgsco",
            stage_started="2024-04-10",
            stage_closed="",
            outcome="",
            natures="",
        ),
    ]
    assert do_import(database, write_csv(tmp_path / "f.csv", rows)).ok
    with database.session() as session:
        for case in session.scalars(sa.select(Case)):
            stages = session.scalars(
                sa.select(Stage).where(Stage.case_id == case.id).order_by(Stage.seq)
            ).all()
            for stage in stages:
                assert (stage.status == StageStatus.CLOSED) == (stage.closed_on is not None)
                if stage.closed_on is not None and stage.stage != StageCode.LGSCO:
                    assert stage.outcome is not None
                if stage.closed_on is None:
                    assert stage.outcome is None
            for earlier in stages[:-1]:
                assert earlier.closed_on is not None
            if stages:
                last = stages[-1]
                assert case.current_stage_id == last.id
                assert (case.status == CaseStatus.CLOSED) == (last.closed_on is not None)
                assert case.closed_on == last.closed_on
            else:
                assert case.status == CaseStatus.CLOSED and case.closed_on == case.received_on
        states = {
            c.reference: case_state(session, c)
            for c in session.scalars(sa.select(Case).where(Case.reference.like("OPEN-%")))
        }
    # An open stage the file gives no acknowledgement date for is awaiting one (it is in
    # the "awaiting acknowledgement" queue), an open children's Stage 2 too: no date is
    # made up, though its clock is taken as started on its request.
    assert states == {
        "OPEN-1": State.AWAITING_ACKNOWLEDGEMENT,
        "OPEN-2": State.AWAITING_ACKNOWLEDGEMENT,
        "OPEN-3": State.LGSCO_OPEN,
    }
    for reference in ("OPEN-1", "OPEN-2"):
        with database.session() as session:
            case = session.scalars(sa.select(Case).where(Case.reference == reference)).one()
            stage = session.get(Stage, case.current_stage_id)
            assert stage is not None and stage.acknowledged_on is None
            offered = available_actions(session, case.id)
            case_id, version, due = case.id, case.version, stage.due_on
        assert Action.ACKNOWLEDGE in offered, (reference, offered)
    # Acknowledged, the Stage 2 is in progress, due as before (25 working days from its
    # request on Tue 2 Apr 2024: Wed 8 May, over the early May bank holiday).
    database.write(
        lambda s: perform(
            s, case_id, version, Action.ACKNOWLEDGE, ActionInput(on=dt.date(2024, 4, 3)),
            OFFICER, TODAY,
        )
    )  # fmt: skip
    with database.session() as session:
        case = session.get(Case, case_id)
        assert case is not None and case_state(session, case) == State.IN_PROGRESS
        stage = session.get(Stage, case.current_stage_id)
        assert stage is not None and stage.due_on == due == dt.date(2024, 5, 8)
        assert Action.RESPOND in available_actions(session, case_id)


def test_an_open_stage_without_an_acknowledgement_date_awaits_one(
    tmp_path: Path, any_database: Database
) -> None:
    """The file's ``acknowledged`` is optional: an open stage without one has not been
    acknowledged, so it is in the "awaiting acknowledgement" queue (acknowledgement due
    3 working days after it was received); one with the date is not, and a stage that
    was answered keeps no made-up acknowledgement date."""
    from crm_desktop.services.queues import awaiting_acknowledgement

    adult = {
        **ADULT,
        "received": "2025-10-31",  # a Friday
        "stage_started": "2025-10-31",
        "stage_closed": "",
        "outcome": "",
    }
    rows = [
        row(adult, reference="T-ACK-OWED"),
        row(adult, reference="T-ACK-DONE", acknowledged="2025-11-03"),
        row(adult, reference="T-ACK-ANSWERED", stage_closed="2025-11-20", outcome="upheld"),
    ]
    result = do_import(any_database, write_csv(tmp_path / "ack.csv", rows))
    assert result.ok, [str(e) for e in result.errors]
    with any_database.session() as session:
        owed = awaiting_acknowledgement(session, dt.date(2025, 11, 10))
        answered = session.scalars(
            sa.select(Stage.acknowledged_on)
            .join(Case, Case.id == Stage.case_id)
            .where(Case.reference == "T-ACK-ANSWERED")
        ).one()
    # 3 working days after Fri 31 Oct 2025: Wed 5 Nov; on Mon 10 Nov, 3 days late.
    assert [(r.reference, r.due, r.working_days_left) for r in owed] == [
        ("T-ACK-OWED", dt.date(2025, 11, 5), -3)
    ]
    assert answered is None


def test_adult_complaints_imported_without_an_acknowledgement_date_are_not_made_up(
    tmp_path: Path, database: Database
) -> None:
    """No acknowledgement date is invented for an answered stage: the annual report's
    "acknowledged within 3 working days" counts a recorded acknowledgement, or a
    response sent within the 3 working days (SI 2009/309 reg. 13(2)), and nothing else."""
    from crm_desktop.reports.figures import annual_report

    adult = {**ADULT, "received": "2025-10-31", "stage_started": "2025-10-31"}  # a Friday
    rows = [
        # Answered on Wed 5 Nov 2025, the third working day: acknowledged by its response.
        row(adult, reference="T-QUICK", stage_closed="2025-11-05", outcome="upheld"),
        # Answered on Thu 6 Nov, the fourth, with no acknowledgement recorded: not in time.
        row(adult, reference="T-SLOW", stage_closed="2025-11-06", outcome="not upheld"),
        # Acknowledged on Mon 3 Nov, answered three weeks later: in time.
        row(
            adult,
            reference="T-ACKED",
            acknowledged="2025-11-03",
            stage_closed="2025-11-21",
            outcome="not upheld",
        ),
    ]
    assert do_import(database, write_csv(tmp_path / "ack.csv", rows)).ok
    with database.session() as session:
        report = annual_report(session, 2025, [Procedure.ADULT])
    table = report.table("adult_statutory")
    row_name = "Acknowledged within 3 working days"
    assert (table.value(row_name, "2025/26 number"), table.value(row_name, "2025/26 out of")) == (
        2,
        3,
    )


def test_an_imported_stage_2_gives_no_figure_for_its_start(
    tmp_path: Path, database: Database
) -> None:
    """The file has no date for the statement of complaint: the KPI of Stage 2 starts
    (SI 2006/1738 reg. 17) shows no figure for imported stages rather than 100%."""
    from crm_desktop.reports.figures import annual_kpis

    children = {**CHILDREN, "received": "2025-05-01", "reference": "T-CH"}
    rows = [
        row(children, stage="1", stage_started="2025-05-01", stage_closed="2025-05-14"),
        row(
            children,
            stage="2",
            stage_started="2025-06-02",
            stage_closed="2025-07-04",
            outcome="not upheld",
        ),
    ]
    assert do_import(database, write_csv(tmp_path / "two.csv", rows)).ok
    with database.session() as session:
        table = annual_kpis(session, 2025)
    values = {str(r[0].value): r[-1].value for r in table.rows}
    started = next(label for label in values if "Stage 2 investigations started within" in label)
    assert values[started] is None
    # The Stage 2 itself is counted where its dates are known: answered in 24 working
    # days, within 65.
    assert values["Children’s Social Care Stage 2 complaints completed in 65 days"] == 100


def test_a_case_s_rows_may_come_in_any_order(tmp_path: Path, database: Database) -> None:
    """The format sets no order of a case's rows in the file: Stage 2's row before Stage
    1's, the Ombudsman's first, are taken in the order of the stages."""
    rows = [
        row(
            reference="T-ORDER",
            stage="lgsco",
            stage_started="2024-06-03",
            stage_closed="",
            outcome="",
            lgsco_decision="",
        ),
        row(
            reference="T-ORDER",
            stage="2",
            stage_started="2024-04-02",
            stage_closed="2024-05-01",
            outcome="not upheld",
        ),
        row(reference="T-ORDER"),  # Stage 1, received 1 Mar 2024, closed 20 Mar
    ]
    result = do_import(database, write_csv(tmp_path / "order.csv", rows))
    assert result.ok, [str(e) for e in result.errors]
    with database.session() as session:
        case = session.scalars(sa.select(Case).where(Case.reference == "T-ORDER")).one()
        stages = session.scalars(
            sa.select(Stage).where(Stage.case_id == case.id).order_by(Stage.seq)
        ).all()
        assert [(s.seq, s.stage, s.started_on) for s in stages] == [
            (1, StageCode.STAGE_1, dt.date(2024, 3, 1)),
            (2, StageCode.STAGE_2, dt.date(2024, 4, 2)),
            (3, StageCode.LGSCO, dt.date(2024, 6, 3)),
        ]
        assert case.current_stage_id == stages[-1].id


@pytest.mark.parametrize("procedure", ["children", "corporate"])
def test_a_reopened_imported_stage_is_answered_again_without_a_new_acknowledgement(
    tmp_path: Path, database: Database, procedure: str
) -> None:
    """An imported answered stage has no acknowledgement date on record; reopened, its
    response stands for it: the stage is in progress (not awaiting an acknowledgement
    long overdue) and can be answered again. A children's Stage 2 is reopened too."""
    base = CHILDREN if procedure == "children" else {}
    rows = [
        row(
            base, reference="T-RE", stage="1", stage_started="2024-03-01", stage_closed="2024-03-14"
        ),
        row(
            base,
            reference="T-RE",
            stage="2",
            stage_started="2024-03-25",
            stage_closed="2024-04-26",
            outcome="not upheld",
        ),
    ]
    assert do_import(database, write_csv(tmp_path / "re.csv", rows)).ok
    with database.session() as session:
        case = session.scalars(sa.select(Case).where(Case.reference == "T-RE")).one()
        case_id, version = case.id, case.version
    manager = Actor("boss", UserRole.MANAGER)
    reopen = ActionInput(on=dt.date(2024, 8, 1), reason="New evidence")
    result = database.write(
        lambda s: perform(s, case_id, version, Action.REOPEN, reopen, manager, TODAY),
        actor="boss",
    )
    assert result.state == State.IN_PROGRESS
    with database.session() as session:
        stage = session.get(Stage, result.stage_id)
        assert stage is not None and stage.acknowledged_on == dt.date(2024, 4, 26)
        assert Action.RESPOND in available_actions(session, case_id)
        assert Action.ACKNOWLEDGE not in available_actions(session, case_id)


def test_an_imported_open_case_moves_on_through_the_workflow(
    tmp_path: Path, database: Database
) -> None:
    rows = [row(reference="OPEN-1", stage_closed="", outcome="", natures="Communication;Requests")]
    assert do_import(database, write_csv(tmp_path / "f.csv", rows)).ok
    with database.session() as session:
        case = session.scalar(sa.select(Case).where(Case.reference == "OPEN-1"))
        assert case is not None
        case_id, version = case.id, case.version
        points = session.scalars(
            sa.select(ComplaintPoint.id).where(ComplaintPoint.case_id == case_id)
        ).all()
        assert Action.RESPOND in available_actions(session, case_id)
    for point, outcome in zip(points, ("upheld", "not upheld"), strict=True):
        database.write(
            lambda s, p=point, o=outcome, v=version: set_point_outcome(
                s, case_id, v, p, o, OFFICER
            ),
            actor="officer1",
        )
        with database.session() as session:
            found = session.get(Case, case_id)
            assert found is not None
            version = found.version
    result = database.write(
        lambda s: perform(
            s,
            case_id,
            version,
            Action.RESPOND,
            ActionInput(on=dt.date(2024, 3, 20)),
            OFFICER,
            TODAY,
        ),
        actor="officer1",
    )
    assert result.state == State.RESPONDED
    with database.session() as session:
        stage = session.get(Stage, result.stage_id)
        assert stage is not None and stage.outcome == Outcome.PARTIALLY_UPHELD


# ----------------------------------------------------------------------------- reading


def _xlsx_value(column: str, text: str) -> Any:
    """The value a spreadsheet would hold: real dates and numbers where the format has them."""
    if not text:
        return None
    if column in ("received", "stage_started", "stage_closed"):
        return dt.date.fromisoformat(text)
    if column == "suspended_working_days":
        return float(text)  # Excel holds 3 as 3.0
    if column == "lgsco_payment":
        return float(text)
    return text


def write_xlsx(path: Path, rows: Sequence[Mapping[str, str]], sheet: str = "Cases") -> Path:
    book = openpyxl.Workbook()
    notes = book.active
    assert notes is not None
    notes.title = "Notes"
    notes["A1"] = "Not the data: the importer reads the sheet named cases."
    data = book.create_sheet(sheet)
    book.create_sheet("Summary")["A1"] = "totals"
    data.append(list(COLUMNS))
    for n, r in enumerate(rows, start=2):
        for c, column in enumerate(COLUMNS, start=1):
            value = _xlsx_value(column, r.get(column, ""))
            if value is None:
                continue
            cell = data.cell(row=n, column=c, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # text, even when it starts with '=' (not a formula)
            elif isinstance(value, dt.date):
                cell.number_format = "DD/MM/YYYY"
    book.save(path)
    return path


def test_xlsx_round_trip_gives_the_same_cases(
    tmp_path: Path, database: Database, new_database: Callable[[str], Database]
) -> None:
    from_csv = new_database("csv.db")
    csv_result = do_import(from_csv, EXAMPLE)
    expected = snapshot(from_csv)
    path = write_xlsx(tmp_path / "cases.xlsx", example_rows())
    xlsx_result = do_import(database, path)
    assert xlsx_result.ok, [str(e) for e in xlsx_result.errors]
    assert xlsx_result.cases_by_type == csv_result.cases_by_type
    assert (xlsx_result.stages, xlsx_result.points, xlsx_result.lgsco_payments_pence) == (
        csv_result.stages,
        csv_result.points,
        csv_result.lgsco_payments_pence,
    )
    assert snapshot(database) == expected


def test_xlsx_cells_are_converted_sensibly(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Data"  # no sheet called cases: the first sheet is read
    sheet.append(["Reference", "Received", "Suspended Working Days", "LGSCO Payment", "Stage"])
    sheet.append(["X-1", dt.datetime(2024, 3, 14), 3.0, 1250, 2])
    sheet.append([None, None, None, None, None])
    sheet.append(["X-2", dt.date(2024, 3, 15), 0, 12.5, "lgsco"])
    sheet.append([None, None, None, None, None])  # empty trailing rows are ignored
    book.save(tmp_path / "x.xlsx")
    rows = read_rows(tmp_path / "x.xlsx")
    assert [r.row for r in rows] == [2, 4]
    first, second = rows
    assert first.values["received"] == dt.date(2024, 3, 14)
    assert not isinstance(first.values["received"], dt.datetime)
    assert first.values["suspended_working_days"] == "3"
    assert first.values["lgsco_payment"] == "1250"
    assert first.values["stage"] == "2"
    assert second.values["lgsco_payment"] == "12.5"


def test_xlsx_formula_without_a_saved_value_is_refused(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "cases"
    sheet.append(list(COLUMNS))
    sheet.append([*(BASE.get(c, "") for c in COLUMNS[:-1]), "=CONCAT(A2, B2)"])
    book.save(tmp_path / "f.xlsx")
    with pytest.raises(ImportFileError, match="formula"):
        read_rows(tmp_path / "f.xlsx")


def test_header_names_are_case_insensitive_with_spaces_hyphens_underscores(
    tmp_path: Path, database: Database
) -> None:
    header = [
        " Reference ",
        "KIND",
        "Procedure",
        "Received",
        "Directorate",
        "Service Area",
        "stage",
        "Stage-Started",
        "STAGE_CLOSED",
        "Outcome",
        "Natures",
        "Complainant  Name",
    ]
    path = write_csv(tmp_path / "h.csv", [row()], header)
    result = do_import(database, path)
    assert result.ok, [str(e) for e in result.errors]
    assert result.cases == 1 and result.stages == 1 and result.points == 1


def test_byte_order_mark_is_accepted(tmp_path: Path, database: Database) -> None:
    path = write_csv(tmp_path / "bom.csv", [row()], bom=True)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    result = do_import(database, path)
    assert result.ok, [str(e) for e in result.errors]
    assert result.cases == 1


def test_blank_rows_are_skipped_and_row_numbers_stay_the_spreadsheets(
    tmp_path: Path, database: Database
) -> None:
    path = tmp_path / "blank.csv"
    lines = [
        ",".join(COLUMNS),
        ",".join(row().get(c, "") for c in COLUMNS),
        "",
        "," * (len(COLUMNS) - 1),
        ",".join(row(reference="T-2", received="14/13/2024").get(c, "") for c in COLUMNS),
        "",
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
    result = do_import(database, path)
    assert [str(e) for e in result.errors] == [
        "row 5, received: 14/13/2024 is not a date; use 2024-03-14 or 14/03/2024"
    ]


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("missing.csv", None, "There is no file"),
        ("notes.pdf", b"%PDF-1.4 something", "not a CSV or XLSX file"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old Excel"),
        ("fake.xlsx", b"reference,kind\n", "not an XLSX workbook"),
        ("broken.xlsx", b"PK\x03\x04 not really a zip", "cannot be read as an XLSX"),
        ("latin1.csv", "reference,summary\nX-1,caf\xe9\n".encode("latin-1"), "not UTF-8"),
        ("empty.csv", b"", "is empty"),
    ],
)
def test_unreadable_files_are_one_clear_error(
    tmp_path: Path, name: str, content: bytes | None, match: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ImportFileError, match=match):
        read_rows(path)


# ----------------------------------------------------------------------------- the rules


def _lgsco(**changes: str) -> dict[str, str]:
    lgsco = {
        "stage": "lgsco",
        "stage_started": "2024-04-01",
        "stage_closed": "2024-05-01",
        "outcome": "",
        "natures": "",
        "complainant_name": "",
        "lgsco_decision": "upheld no further action",
    }
    return row(**{**lgsco, **changes})


CHILDREN = {
    "procedure": "children",
    "directorate": "",
    "service_area": "Through Care",
    "natures": "Decision Making",
}
ADULT = {
    "procedure": "adult",
    "directorate": "",
    "service_area": "Urgent Care",
    "stage": "low",
    "natures": "Direct Payments",
}

# name, rows, expected errors {(row, column): fragment of the reason}
RULES: list[tuple[str, list[dict[str, str]], dict[tuple[int, str], str]]] = [
    ("reference missing", [row(reference="")], {(2, "reference"): "required"}),
    ("reference too long", [row(reference="X" * 41)], {(2, "reference"): "at most 40"}),
    ("kind unknown", [row(kind="complain")], {(2, "kind"): "'complain' is not a kind"}),
    ("kind missing", [row(kind="")], {(2, "kind"): "required on every row"}),
    ("procedure unknown", [row(procedure="housing")], {(2, "procedure"): "not a procedure"}),
    (
        "received not a date",
        [row(received="14/13/2024")],
        {(2, "received"): "14/13/2024 is not a date; use 2024-03-14 or 14/03/2024"},
    ),
    (
        "received in the future",
        [row(received="2030-01-01", stage_started="2030-01-01", stage_closed="", outcome="")],
        {(2, "received"): "in the future", (2, "stage_started"): "in the future"},
    ),
    ("service area missing", [row(service_area="")], {(2, "service_area"): "required"}),
    (
        "directorate missing for corporate",
        [row(directorate="")],
        {(2, "directorate"): "required for corporate cases"},
    ),
    ("stage missing", [row(stage="")], {(2, "stage"): "required for complaints"}),
    (
        "stage_started missing",
        [row(stage_started="")],
        {(2, "stage_started"): "required for complaints"},
    ),
    (
        "stage not of the procedure",
        [row(stage="3")],
        {(2, "stage"): "not a stage of a corporate complaint; use 1, 2 or lgsco"},
    ),
    (
        "adult grade for children",
        [row(CHILDREN, stage="low")],
        {(2, "stage"): "use 1, 2, 3 or lgsco"},
    ),
    ("stage unknown", [row(stage="4")], {(2, "stage"): "'4' is not a stage"}),
    (
        "outcome missing when closed",
        [row(outcome="")],
        {(2, "outcome"): "required when stage_closed is set"},
    ),
    (
        "outcome without stage_closed",
        [row(stage_closed="")],
        {(2, "outcome"): "without stage_closed"},
    ),
    ("outcome unknown", [row(outcome="partly upheld")], {(2, "outcome"): "not an outcome"}),
    (
        "closed before started",
        [row(stage_closed="2024-02-28")],
        {(2, "stage_closed"): "before the stage started"},
    ),
    (
        "closed not a date",
        [row(stage_closed="20/20/2024")],
        {(2, "stage_closed"): "20/20/2024 is not a date"},
    ),
    (
        "started before received",
        [row(stage_started="2024-02-01")],
        {(2, "stage_started"): "before the case was received"},
    ),
    (
        "suspended negative",
        [row(suspended_working_days="-1")],
        {(2, "suspended_working_days"): "not a whole number"},
    ),
    (
        "suspended fraction",
        [row(suspended_working_days="2.5")],
        {(2, "suspended_working_days"): "not a whole number"},
    ),
    (
        "service categories on corporate",
        [row(service_categories="Finance")],
        {(2, "service_categories"): "adult social care cases only"},
    ),
    (
        "lgsco decision on a council stage",
        [row(lgsco_decision="premature")],
        {(2, "lgsco_decision"): "only an lgsco row"},
    ),
    (
        "lgsco payment on a council stage",
        [row(lgsco_payment="10.00")],
        {(2, "lgsco_payment"): "only an lgsco row"},
    ),
    (
        "lgsco decision unknown",
        [row(), _lgsco(lgsco_decision="maladministration")],
        {(3, "lgsco_decision"): "not an Ombudsman decision"},
    ),
    ("lgsco outcome", [row(), _lgsco(outcome="upheld")], {(3, "outcome"): "no outcome"}),
    (
        "lgsco decision without date",
        [row(), _lgsco(stage_closed="")],
        {(3, "lgsco_decision"): "needs the date"},
    ),
    (
        "payment negative",
        [row(), _lgsco(lgsco_payment="-5")],
        {(3, "lgsco_payment"): "not an amount"},
    ),
    (
        "payment three decimals",
        [row(), _lgsco(lgsco_payment="1.234")],
        {(3, "lgsco_payment"): "at most 2 decimals"},
    ),
    (
        "payment text",
        [row(), _lgsco(lgsco_payment="lots")],
        {(3, "lgsco_payment"): "not an amount"},
    ),
    (
        "lgsco suspended",
        [row(), _lgsco(suspended_working_days="2")],
        {(3, "suspended_working_days"): "no clock"},
    ),
    (
        "compliment with stage columns",
        [row(kind="compliment", natures="", outcome="", stage_closed="")],
        {(2, "stage"): "has no stages", (2, "stage_started"): "has no stages"},
    ),
    (
        "compliment with suspended days",
        [row(NO_STAGE, kind="compliment", natures="", suspended_working_days="2")],
        {(2, "suspended_working_days"): "has no stages"},
    ),
    (
        "comment with a payment",
        [row(NO_STAGE, kind="comment", natures="", lgsco_payment="5.00")],
        {(2, "lgsco_payment"): "has no stages"},
    ),
    (
        "comment with natures",
        [row(kind="comment", stage="", stage_started="", stage_closed="", outcome="")],
        {(2, "natures"): "has no stages or complaint points"},
    ),
    (
        "compliment on two rows",
        [
            row(
                kind="compliment",
                stage="",
                stage_started="",
                stage_closed="",
                outcome="",
                natures="",
            ),
            row(
                kind="compliment",
                stage="",
                stage_started="",
                stage_closed="",
                outcome="",
                natures="",
            ),
        ],
        {(3, "reference"): "exactly one row"},
    ),
    (
        "kinds differ",
        [
            row(stage_closed="2024-03-05"),
            row(
                kind="comment", stage="", stage_started="", stage_closed="", outcome="", natures=""
            ),
        ],
        {(3, "kind"): "same kind"},
    ),
    (
        "procedures differ",
        [row(), row(procedure="adult", stage="low", directorate="")],
        {(3, "procedure"): "same procedure"},
    ),
    (
        "received differs",
        [
            row(),
            row(
                received="2024-03-02",
                stage="2",
                stage_started="2024-03-25",
                stage_closed="",
                outcome="",
            ),
        ],
        {(3, "received"): "same received"},
    ),
    (
        "stage gap",
        [
            row(CHILDREN),
            row(CHILDREN, stage="3", stage_started="2024-04-01", stage_closed="", outcome=""),
        ],
        {(3, "stage"): "after stage 1 (row 2) comes stage 2, not stage 3"},
    ),
    (
        "stage repeated",
        [row(), row(stage_started="2024-04-01", stage_closed="", outcome="")],
        {(3, "stage"): "comes stage 2, not stage 1"},
    ),
    ("starts at stage 2", [row(stage="2")], {(2, "stage"): "starts at 1"}),
    (
        "two adult grades",
        [
            row(ADULT),
            row(ADULT, stage="informal", stage_started="2024-04-01", stage_closed="", outcome=""),
        ],
        {(3, "stage"): "last council stage of an adult complaint"},
    ),
    ("lgsco first", [_lgsco()], {(2, "stage"): "starts with the lgsco stage"}),
    (
        # Rows are taken in the order of their stages: the Ombudsman's after Stage 2,
        # which is still open.
        "lgsco row before an open stage 2",
        [row(), _lgsco(), row(stage="2", stage_started="2024-05-02", stage_closed="", outcome="")],
        {(4, "stage_closed"): "followed by the lgsco stage (row 3), so it must have closed"},
    ),
    (
        "two lgsco rows",
        [row(), _lgsco(), _lgsco(stage_started="2024-05-02", stage_closed="2024-05-20")],
        {(4, "stage"): "must be the last row"},
    ),
    (
        "earlier stage open",
        [
            row(stage_closed="", outcome=""),
            row(stage="2", stage_started="2024-04-01", stage_closed="", outcome=""),
        ],
        {(2, "stage_closed"): "must have closed"},
    ),
    (
        "next starts before previous closed",
        [row(), row(stage="2", stage_started="2024-03-10", stage_closed="2024-03-25")],
        {(3, "stage_started"): "before stage 1 closed (2024-03-20, row 2)"},
    ),
    (
        # Every error is listed at once: the gap, and the Ombudsman's enquiry before the
        # stage 3 it follows had closed.
        "a gap and a later stage starting early",
        [
            row(CHILDREN, stage="1"),
            row(CHILDREN, stage="3", stage_started="2024-04-01", stage_closed="2024-04-20"),
            _lgsco(
                **{
                    **CHILDREN,
                    "stage_started": "2024-04-10",
                    "stage_closed": "",
                    "lgsco_decision": "",
                }
            ),
        ],
        {
            (3, "stage"): "comes stage 2, not stage 3",
            (4, "stage_started"): "before stage 3 closed (2024-04-20, row 3)",
        },
    ),
    (
        "withdrawn stage escalated",
        [
            row(outcome="withdrawn"),
            row(stage="2", stage_started="2024-04-01", stage_closed="", outcome=""),
        ],
        {(2, "outcome"): "withdrawn stage cannot be escalated"},
    ),
    (
        "discontinued stage to the Ombudsman",
        [row(outcome="discontinued"), _lgsco()],
        {(2, "outcome"): "discontinued stage cannot be escalated"},
    ),
    (
        "unknown service area",
        [row(service_area="Parking")],
        {(2, "service_area"): "no corporate service area called 'Parking'"},
    ),
    (
        "service area of another directorate",
        [row(directorate="People")],
        {(2, "service_area"): "not part of that directorate"},
    ),
    (
        "unknown directorate",
        [row(directorate="Parks")],
        {(2, "directorate"): "no directorate called 'Parks'"},
    ),
    ("unknown team", [row(team="Night Shift")], {(2, "team"): "no corporate team"}),
    (
        "unknown nature",
        [row(natures="Communication; Potholes")],
        {(2, "natures"): "'Potholes' is not a nature"},
    ),
    (
        "unknown service category",
        [row(ADULT, service_categories="Gardening")],
        {(2, "service_categories"): "not a service category"},
    ),
    (
        "service areas differ",
        [
            row(),
            row(
                service_area="Technology",
                stage="2",
                stage_started="2024-04-01",
                stage_closed="",
                outcome="",
            ),
        ],
        {(3, "service_area"): "differs from 'Contact Centre' on row 2"},
    ),
    (
        "email not an email",
        [row(complainant_email="nobody")],
        {(2, "complainant_email"): "not an email address"},
    ),
    (
        # One address each: a list would send the complainant's letters to all of them.
        "two emails in one",
        [row(complainant_email="jane@example.org,spy@evil.example")],
        {(2, "complainant_email"): "not an email address"},
    ),
    (
        "email without a name",
        [row(complainant_name="", complainant_email="a@example.org")],
        {(2, "complainant_email"): "without complainant_name"},
    ),
]


@pytest.mark.parametrize(
    ("rows", "expected"), [(r, e) for _, r, e in RULES], ids=[name for name, _, _ in RULES]
)
def test_each_rule_is_reported_with_row_and_column(
    tmp_path: Path,
    database: Database,
    rows: list[dict[str, str]],
    expected: dict[tuple[int, str], str],
) -> None:
    before = table_counts(database)
    result = do_import(database, write_csv(tmp_path / "bad.csv", rows))
    assert errors_of(result) == set(expected), [str(e) for e in result.errors]
    for error in result.errors:
        assert expected[(error.row, error.column)] in error.reason, str(error)
        assert str(error) == f"row {error.row}, {error.column}: {error.reason}"
    assert result.cases == 0 and result.stages == 0
    assert table_counts(database) == before


def test_a_good_rule_file_is_good(tmp_path: Path, database: Database) -> None:
    """The base rows the rule tests change are themselves valid; and a redirected stage
    may be followed by another (PRODUCT.md bars only a withdrawn or discontinued stage
    from escalating: the file is history as it was recorded)."""
    rows = [
        row(),
        row(stage="2", stage_started="2024-03-20", stage_closed="", outcome=""),
        row(CHILDREN, reference="T-2"),
        row(ADULT, reference="T-3", service_categories="Finance"),
        row(reference="T-4"),
        _lgsco(reference="T-4", lgsco_payment="£1,250.50"),
        row(reference="T-5", outcome="redirected"),
        _lgsco(reference="T-5"),
        row(CHILDREN, reference="T-6", outcome="redirected"),
        row(
            CHILDREN,
            reference="T-6",
            stage="2",
            stage_started="2024-03-25",
            stage_closed="",
            outcome="",
        ),
    ]
    result = do_import(database, write_csv(tmp_path / "good.csv", rows))
    assert result.ok, [str(e) for e in result.errors]
    assert result.lgsco_payments_pence == 125_050


@pytest.mark.parametrize("write", [write_csv, write_xlsx], ids=["csv", "xlsx"])
def test_a_file_that_fills_the_number_columns_on_every_row_imports(
    tmp_path: Path, database: Database, write: Callable[..., Path]
) -> None:
    """0 suspended working days is the column's default and a payment of 0.00 is none:
    a file that writes them on every row, compliments and council stages included, is
    imported as if those cells were empty."""
    zeros = {"suspended_working_days": "0", "lgsco_payment": "0.00"}
    rows = [
        row(zeros),
        row(zeros, NO_STAGE, reference="T-2", kind="compliment", natures=""),
        row(zeros, NO_STAGE, reference="T-3", kind="comment", natures=""),
        _lgsco(**zeros),
    ]
    suffix = "csv" if write is write_csv else "xlsx"
    result = do_import(database, write(tmp_path / f"zeros.{suffix}", rows))
    assert result.ok, [str(e) for e in result.errors]
    assert (result.cases, result.stages, result.lgsco_payments_pence) == (3, 2, 0)


def test_stage_numbers_and_dates_as_a_table_of_numbers_writes_them(
    tmp_path: Path, database: Database
) -> None:
    """A stage written 2.0 (a column of numbers with gaps, as pandas writes it) is Stage 2,
    and a date at midnight ("2024-03-14 00:00:00", as a date cell becomes text) is that
    date; another time of day is still refused, as is a stage 2.5."""
    rows = [
        row(stage="1.0", received="2024-03-01 00:00:00", stage_started="2024-03-01T00:00:00"),
        row(stage="2.0", stage_started="2024-03-22", stage_closed="", outcome=""),
    ]
    result = do_import(database, write_csv(tmp_path / "numbers.csv", rows))
    assert result.ok, [str(e) for e in result.errors]
    with database.session() as session:
        stages = session.execute(
            sa.select(Stage.stage, Stage.requested_on).order_by(Stage.seq)
        ).all()
    assert [tuple(s) for s in stages] == [
        (StageCode.STAGE_1, dt.date(2024, 3, 1)),
        (StageCode.STAGE_2, dt.date(2024, 3, 22)),
    ]
    bad = [row(reference="T-2", stage="2.5", received="2024-03-01 09:30:00")]
    result = do_import(database, write_csv(tmp_path / "bad.csv", bad))
    assert errors_of(result) == {(2, "stage"), (2, "received")}


def test_header_problems_are_reported_at_row_1(tmp_path: Path, database: Database) -> None:
    header = [c for c in COLUMNS if c not in ("service_area", "stage")] + ["colour", "Kind"]
    path = write_csv(tmp_path / "h.csv", [row(), row(reference="T-2")], header)
    result = do_import(database, path)
    assert errors_of(result) == {
        (1, "service_area"),
        (1, "stage"),
        (1, "colour"),
        (1, "kind"),
    }
    reasons = {e.column: e.reason for e in result.errors}
    assert "every file needs it" in reasons["service_area"]
    assert "required for complaints (first needed at row 2)" in reasons["stage"]
    assert "'colour' is not a column" in reasons["colour"]
    assert "appears twice" in reasons["kind"]


def test_a_column_without_a_name_but_with_values_is_an_error(
    tmp_path: Path, database: Database
) -> None:
    path = tmp_path / "extra.csv"
    path.write_text(
        ",".join(COLUMNS) + "\n" + ",".join(row().get(c, "") for c in COLUMNS) + ",surprise\n",
        encoding="utf-8",
    )
    result = do_import(database, path)
    # A CSV row with more values than the header is a row whose commas are wrong.
    assert [str(e) for e in result.errors] == [
        f"row 2, columns: the row has {len(COLUMNS) + 1} values but the header row has "
        f"{len(COLUMNS)} columns (column {chr(ord('A') + len(COLUMNS))} onwards has no name); "
        "check for a missing or extra comma (or a line break inside a value that is not in "
        "quotes)"
    ]


def test_every_error_in_a_file_is_reported(tmp_path: Path, database: Database) -> None:
    rows = [
        row(reference="A-1"),
        row(reference="A-2", received="14/13/2024", outcome="maybe"),
        row(reference="A-3", stage="9", natures="Potholes"),
        row(reference="A-1", stage="2", stage_started="2024-03-01", stage_closed="", outcome=""),
        row(reference="A-4", suspended_working_days="x", complainant_email="bad"),
    ]
    result = do_import(database, write_csv(tmp_path / "many.csv", rows))
    assert errors_of(result) == {
        (3, "received"),
        (3, "outcome"),
        (4, "stage"),
        (4, "natures"),
        (5, "stage_started"),
        (6, "suspended_working_days"),
        (6, "complainant_email"),
    }
    assert [e.row for e in result.errors] == sorted(e.row for e in result.errors)


# ----------------------------------------------------------------------------- all or nothing


def test_one_bad_row_among_good_ones_writes_nothing(tmp_path: Path, database: Database) -> None:
    rows = [*example_rows(), row(reference="BAD-1", stage_closed="31/02/2024")]
    before = table_counts(database)
    result = do_import(database, write_csv(tmp_path / "f.csv", rows))
    assert [str(e) for e in result.errors] == [
        "row 24, stage_closed: 31/02/2024 is not a date; use 2024-03-14 or 14/03/2024"
    ]
    assert result.cases == 0 and result.stages == 0 and result.points == 0
    assert table_counts(database) == before


def test_dry_run_writes_nothing_and_reports_what_a_real_run_does(
    tmp_path: Path, database: Database
) -> None:
    before = table_counts(database)
    dry = do_import(database, EXAMPLE, dry_run=True)
    assert table_counts(database) == before
    real = do_import(database, EXAMPLE)
    assert dry.dry_run and not real.dry_run
    assert dry.ok and real.ok
    for name in (
        "cases_by_type",
        "stages",
        "points",
        "lgsco_decisions",
        "lgsco_payments_pence",
        "skipped",
        "errors",
        "rows",
    ):
        assert getattr(dry, name) == getattr(real, name), name

    bad = write_csv(tmp_path / "bad.csv", [*example_rows(), row(reference="X", kind="")])
    after = table_counts(database)
    dry_bad = do_import(database, bad, dry_run=True, skip_existing=True)
    real_bad = do_import(database, bad, skip_existing=True)
    assert dry_bad.errors == real_bad.errors and dry_bad.errors
    assert dry_bad.skipped == real_bad.skipped
    assert table_counts(database) == after


def test_a_dry_run_into_a_file_not_there_yet_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """ "A dry run reports the same without writing": not even the new database a real
    run would create; nor a witness of the scratch database it checked against."""
    from crm_desktop.db.witness import witness_folder

    target = tmp_path / "new.db"
    records = set(witness_folder().glob("*.json")) if witness_folder().exists() else set()
    assert (
        main(["--database", f"sqlite:///{target}", "import", "cases", str(EXAMPLE), "--dry-run"])
        == 0
    )
    out, err = capsys.readouterr()
    assert out.startswith("Would import 15 cases") and "nothing was written" in out
    assert err == ""  # the contract: standard error holds errors only
    assert not target.exists()
    after = set(witness_folder().glob("*.json")) if witness_folder().exists() else set()
    assert after == records
    # A real run creates it, with the same cases.
    assert main(["--database", f"sqlite:///{target}", "import", "cases", str(EXAMPLE)]) == 0
    assert target.exists() and capsys.readouterr().out.startswith("Imported 15 cases")


def test_skip_existing_never_duplicates_a_case(tmp_path: Path, database: Database) -> None:
    assert do_import(database, EXAMPLE).ok
    after_first = table_counts(database)

    again = do_import(database, EXAMPLE)
    assert not again.ok
    assert {e.column for e in again.errors} == {"reference"}
    assert len(again.errors) == 15

    skipped = do_import(database, EXAMPLE, skip_existing=True)
    assert skipped.ok and skipped.cases == 0
    assert len(skipped.skipped) == 15 and skipped.skipped[0] == "EXCO-00027"
    assert table_counts(database) == after_first

    # New cases in the same file are imported; the existing ones are left alone.
    path = write_csv(tmp_path / "more.csv", [*example_rows(), row(reference="NEW-1")])
    more = do_import(database, path, skip_existing=True)
    assert more.ok and more.cases == 1 and len(more.skipped) == 15
    with database.session() as session:
        references = session.scalars(sa.select(Case.reference)).all()
    assert len(references) == len(set(references)) == 16

    # The cases skipped are still checked: the whole file is, and any error stops it.
    rows = example_rows()
    rows[0] = {**rows[0], "received": "31/02/2022"}
    broken = write_csv(tmp_path / "broken.csv", [*rows, row(reference="NEW-2")])
    refused = do_import(database, broken, skip_existing=True)
    assert not refused.ok
    assert [(e.row, e.column) for e in refused.errors] == [(2, "received")]
    with database.session() as session:
        assert session.scalar(sa.select(Case.id).where(Case.reference == "NEW-2")) is None


def test_add_missing_reference_data_creates_the_names(tmp_path: Path, database: Database) -> None:
    rows = [
        row(
            reference="N-1",
            directorate="Parks and Open Spaces",
            service_area="Play Areas",
            team="Rangers",
            natures="Broken swings; communication",
        ),
        row(
            reference="N-2",
            directorate="parks and open spaces ",
            service_area=" PLAY AREAS",
            natures="broken swings",
        ),
        row(ADULT, reference="N-3", service_categories="Gardening;Finance"),
        row(
            reference="N-4",
            kind="compliment",
            directorate="COaCH",
            service_area="Reception Desk",
            stage="",
            stage_started="",
            stage_closed="",
            outcome="",
            natures="",
        ),
    ]
    path = write_csv(tmp_path / "new.csv", rows)
    refused = do_import(database, path)
    assert errors_of(refused) == {
        (2, "directorate"),
        (2, "service_area"),  # in no directorate at all
        (2, "team"),
        (2, "natures"),
        (3, "directorate"),
        (3, "service_area"),
        (3, "natures"),
        (4, "service_categories"),
        (5, "service_area"),
    }
    dry = do_import(database, path, add_missing_reference_data=True, dry_run=True)
    assert dry.ok, [str(e) for e in dry.errors]
    result = do_import(database, path, add_missing_reference_data=True)
    assert result.ok and result.cases == 4
    assert result.added_reference_data == dry.added_reference_data
    assert sorted(result.added_reference_data) == sorted(
        [
            "directorate 'Parks and Open Spaces'",
            "service area 'Play Areas' (corporate) in directorate 'Parks and Open Spaces'",
            "service area 'Reception Desk' (corporate)",
            "team 'Rangers' (corporate) in service area 'Play Areas'",
            "nature 'Broken swings' (corporate)",
            "service category 'Gardening' (adult)",
        ]
    )
    with database.session() as session:
        directorate = session.scalar(
            sa.select(Directorate).where(Directorate.name == "Parks and Open Spaces")
        )
        assert directorate is not None
        area = session.scalar(sa.select(ServiceArea).where(ServiceArea.name == "Play Areas"))
        assert area is not None and area.directorate_id == directorate.id
        assert area.procedure == Procedure.CORPORATE
        assert (area.for_complaints, area.for_compliments) == (True, False)
        reception = session.scalar(
            sa.select(ServiceArea).where(ServiceArea.name == "Reception Desk")
        )
        assert reception is not None and (reception.for_complaints, reception.for_compliments) == (
            False,
            True,
        )
        coach = session.scalar(sa.select(Directorate.id).where(Directorate.name == "COaCH"))
        assert reception.directorate_id == coach
        team = session.scalar(sa.select(Team).where(Team.name == "Rangers"))
        assert team is not None and team.service_area_id == area.id
        nature = session.scalar(sa.select(Nature).where(Nature.name == "Broken swings"))
        assert nature is not None
        case_one = session.scalar(sa.select(Case).where(Case.reference == "N-1"))
        case_two = session.scalar(sa.select(Case).where(Case.reference == "N-2"))
        assert case_one is not None and case_two is not None
        assert case_one.service_area_id == case_two.service_area_id == area.id
        assert case_one.team_id == team.id
        natures = session.scalars(
            sa.select(ComplaintPoint.nature_id)
            .where(ComplaintPoint.case_id == case_one.id)
            .order_by(ComplaintPoint.seq)
        ).all()
        communication = session.scalar(
            sa.select(Nature.id).where(
                Nature.name == "Communication", Nature.procedure == Procedure.CORPORATE
            )
        )
        assert natures == [nature.id, communication]
        assert (
            session.scalar(sa.select(sa.func.count()).where(ServiceCategory.name == "Gardening"))
            == 1
        )

    # A second file with the same names adds nothing more.
    counts = table_counts(database)
    second = write_csv(
        tmp_path / "again.csv",
        [
            row(
                reference="N-5",
                **{
                    "directorate": "Parks and Open Spaces",
                    "service_area": "Play Areas",
                    "natures": "Broken Swings",
                },
            )
        ],
    )
    again = do_import(database, second, add_missing_reference_data=True)
    assert again.ok and again.added_reference_data == ()
    assert table_counts(database)["nature"] == counts["nature"]


def test_a_name_another_procedure_has_is_added_for_this_one(
    tmp_path: Path, database: Database
) -> None:
    """ "Communication" is a corporate nature: an adult complaint naming it, with the
    option that adds missing names, gets an adult nature of that name (the write's last
    check looked for the name in every procedure, and refused the file as if someone
    had added it meanwhile)."""
    with database.session() as session:
        corporate = session.scalar(
            sa.select(sa.func.count()).where(
                Nature.name == "Communication", Nature.procedure == Procedure.CORPORATE
            )
        )
        adult = session.scalar(
            sa.select(sa.func.count()).where(
                Nature.name == "Communication", Nature.procedure == Procedure.ADULT
            )
        )
    assert (corporate, adult) == (1, 0)
    path = write_csv(tmp_path / "n.csv", [row(ADULT, reference="N-9", natures="Communication")])
    result = do_import(database, path, add_missing_reference_data=True)
    assert result.ok, [str(e) for e in result.errors]
    assert result.added_reference_data == ("nature 'Communication' (adult)",)
    with database.session() as session:
        nature = session.scalar(
            sa.select(Nature.procedure)
            .join(ComplaintPoint, ComplaintPoint.nature_id == Nature.id)
            .join(Case, Case.id == ComplaintPoint.case_id)
            .where(Case.reference == "N-9")
        )
    assert nature == Procedure.ADULT


def _point_natures(tmp_path: Path, database: Database, first: str, second: str) -> list[str]:
    """The natures of the points a two-stage case gets from its rows' natures."""
    rows = [
        row(natures=first),
        row(stage="2", stage_started="2024-03-25", stage_closed="", outcome="", natures=second),
    ]
    result = do_import(database, write_csv(tmp_path / "n.csv", rows))
    assert result.ok, result.errors
    with database.session() as session:
        names = session.scalars(
            sa.select(Nature.name)
            .join(ComplaintPoint, ComplaintPoint.nature_id == Nature.id)
            .order_by(ComplaintPoint.seq)
        ).all()
    assert result.points == len(names)
    return list(names)


def test_natures_from_every_row_become_points_once_each(tmp_path: Path, database: Database) -> None:
    natures = _point_natures(
        tmp_path, database, "Communication;Requests", "requests; Decision Making"
    )
    assert natures == ["Communication", "Requests", "Decision Making"]


def test_a_nature_named_twice_in_a_row_is_two_points(tmp_path: Path, database: Database) -> None:
    """IMPORT_FORMAT.md: "each becomes a complaint point": two points of one nature are
    two points (and two in the report's "Nature of complaints", which counts points); the
    same natures repeated on the case's next row add none."""
    from crm_desktop.reports.figures import annual_report

    twice = "Decision Making; Communication;decision making"
    natures = _point_natures(tmp_path, database, twice, twice)
    assert natures == ["Decision Making", "Decision Making", "Communication"]
    with database.session() as session:
        report = annual_report(session, 2023)
    (table,) = [t for s in report.sections for t in s.tables if t.key == "corporate_nature"]
    counts = {str(r[0].value): r[-1].value for r in table.rows}
    assert (counts["Decision Making"], counts["Communication"]) == (2, 1)


# ----------------------------------------------------------------------------- command line


def run_cli(capsys: pytest.CaptureFixture[str], url: str, *argv: str) -> tuple[int, str, str]:
    code = main(["--database", url, "import", "cases", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_imports_and_summarises(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    path = tmp_path / "cases.csv"
    shutil.copy(EXAMPLE, path)
    code, out, err = run_cli(capsys, url, str(path), "--dry-run")
    assert code == 0 and err == ""
    assert out.startswith("Would import 15 cases from ")
    assert "with 20 stages and 28 complaint points" in out
    assert out.count("\n") == 1  # one paragraph
    assert "dry run" in out

    code, out, err = run_cli(capsys, url, str(path))
    assert code == 0 and err == ""
    assert out.startswith("Imported 15 cases from ")
    assert "13 complaints" in out and "2 compliments" in out
    assert "No cases were skipped." in out

    code, out, err = run_cli(capsys, url, str(path), "--skip-existing")
    assert code == 0 and err == ""
    assert out.startswith("Imported 0 cases")
    assert "15 cases already in the database were skipped: EXCO-00027" in out


def test_cli_lists_every_error_and_imports_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    path = write_csv(
        tmp_path / "bad.csv",
        [row(), row(reference="T-2", received="14/13/2024"), row(reference="T-3", kind="x")],
    )
    code, out, err = run_cli(capsys, url, str(path))
    assert code == 2 and out == ""
    lines = err.splitlines()
    assert lines[:-1] == [
        "row 3, received: 14/13/2024 is not a date; use 2024-03-14 or 14/03/2024",
        "row 4, kind: 'x' is not a kind; use complaint, compliment or comment",
    ]
    assert lines[-1].startswith("Nothing was imported")
    code, out, err = run_cli(capsys, url, str(path), "--dry-run")
    assert code == 2 and err.splitlines() == lines
    database = open_database(url)
    try:
        with database.session() as session:
            assert session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0
    finally:
        database.dispose()


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("nowhere.csv", None, "There is no file"),
        ("picture.png", b"\x89PNG\r\n", "not a CSV or XLSX file"),
        ("broken.xlsx", b"PK\x03\x04 nope", "cannot be read as an XLSX"),
    ],
)
def test_cli_refuses_a_file_it_cannot_read_in_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    content: bytes | None,
    match: str,
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    db_file = tmp_path / "never.db"
    code, out, err = run_cli(capsys, f"sqlite:///{db_file}", str(path))
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and match in err
    assert not db_file.exists()  # the database was not even opened


# ----------------------------------------------------------------------------- PostgreSQL


def test_all_or_nothing_and_skip_existing_on_every_database(
    tmp_path: Path, any_database: Database
) -> None:
    before = table_counts(any_database)
    bad = write_csv(tmp_path / "bad.csv", [*example_rows(), row(reference="B", outcome="nope")])
    assert not do_import(any_database, bad).ok
    assert table_counts(any_database) == before
    assert do_import(any_database, EXAMPLE).ok
    after = table_counts(any_database)
    assert do_import(any_database, EXAMPLE, skip_existing=True).skipped
    assert table_counts(any_database) == after
    with any_database.session() as session:
        assert verify_chain(session) == []


def test_a_code_stage_answered_before_its_acknowledgement_was_due_is_in_time(
    tmp_path: Path, any_database: Database
) -> None:
    """Complaint Handling Code 6.2: acknowledge within 5 working days of receipt. A
    complaint answered in full within them, never acknowledged apart, was acknowledged by
    its response: the Code's report, its summary and the case screen agree."""
    from crm_desktop.domain.financial_year import FinancialYear
    from crm_desktop.reports.code_figures import stage_facts
    from crm_desktop.services.clock import acknowledgement_check
    from crm_desktop.services.code_compliance import acknowledgement_records, summarise

    code = {"received": "2026-06-01", "stage_started": "2026-06-01"}  # a Monday
    rows = [
        row(code, reference="T-ANSWERED", stage_closed="2026-06-05", outcome="upheld"),
        row(code, reference="T-LATE-ANSWER", stage_closed="2026-06-09", outcome="upheld"),
    ]
    today = dt.date(2026, 12, 1)
    assert do_import(any_database, write_csv(tmp_path / "code.csv", rows), today=today).ok
    year = FinancialYear(2026)
    with any_database.session() as session:
        facts = {f.reference: f for f in stage_facts(session, year.start, year.end)}
        records = {
            r.reference: r for r in acknowledgement_records(session, year.start, year.end, today)
        }
    # Acknowledgement due 5 working days after Mon 1 Jun 2026: Mon 8 Jun.
    assert facts["T-ANSWERED"].acknowledge_due == dt.date(2026, 6, 8)
    assert facts["T-ANSWERED"].acknowledged_in_time(today) is True
    assert facts["T-LATE-ANSWER"].acknowledged_in_time(today) is False
    assert not records["T-ANSWERED"].acknowledged_late
    assert records["T-LATE-ANSWER"].acknowledged_late
    (summary,) = summarise(records.values())
    assert (summary.acknowledged_in_time, summary.acknowledged_late) == (1, 1)
    # The case screen says the same.
    with any_database.session() as session:
        checks = {
            reference: acknowledgement_check(session, stage_id, today)
            for reference, stage_id in session.execute(
                sa.select(Case.reference, Stage.id).join(Stage, Stage.case_id == Case.id)
            )
        }
    answered, late = checks["T-ANSWERED"], checks["T-LATE-ANSWER"]
    assert answered is not None and late is not None
    assert not answered.late and answered.text == (
        "Ended on 5 Jun 2026, by the day the acknowledgement was due (8 Jun 2026): no "
        "separate acknowledgement was needed."
    )
    assert late.late and "6.2" in (late.provision or "")


def test_a_summary_of_spaces_is_kept_and_one_skipped_case_reads_well(
    tmp_path: Path, database: Database
) -> None:
    path = write_csv(tmp_path / "spaces.csv", [row(reference="SP-1", summary="   ")])
    assert do_import(database, path).ok
    with database.session() as session:
        assert session.scalar(sa.select(Case.summary).where(Case.reference == "SP-1")) == "   "
    again = do_import(database, path, skip_existing=True)
    assert "1 case already in the database was skipped: SP-1." in summary(again)


def test_each_rows_summary_is_kept_when_a_cases_rows_say_different_things(
    tmp_path: Path, database: Database
) -> None:
    """The format asks a case's rows for one kind, procedure and received day, not one
    summary: a later stage's row may say what that stage was about. Each is kept as
    written, in the file's order; one that repeats an earlier row's, spaces aside, once."""
    later = {"stage": "2", "stage_started": "2024-04-01", "stage_closed": "", "outcome": ""}
    path = write_csv(
        tmp_path / "summaries.csv",
        [
            row(reference="SU-1", summary="Bins missed  "),
            row(later, reference="SU-1", summary="Stage 2: <b>still</b> missed"),
            row(reference="SU-2", summary="Noise"),
            row(later, reference="SU-2", summary="  Noise"),
            row(reference="SU-3", summary=""),
            row(later, reference="SU-3", summary="Only the second row says"),
        ],
    )
    result = do_import(database, path)
    assert result.ok, result.errors
    with database.session() as session:
        kept = dict(session.execute(sa.select(Case.reference, Case.summary)).all())
    assert kept["SU-1"] == "Bins missed  \n\nStage 2: <b>still</b> missed"
    assert kept["SU-2"] == "Noise"
    assert kept["SU-3"] == "Only the second row says"


def test_db_check_names_a_stage_1_an_earlier_import_started_late(
    tmp_path: Path, any_database: Database
) -> None:
    """A database an earlier version imported into may hold Stage 1s started on a file's
    later stage_started (their clocks count from it): ``db check`` names them, and a
    case the program or this import recorded is never named."""
    from crm_desktop.services.maintenance import check_database

    rows = [
        row(reference="T-FINE"),
        row(
            reference="T-LATER",
            received="2025-07-01",
            stage_started="2025-07-08",
            stage_closed="2025-07-20",
        ),
    ]
    result = do_import(any_database, write_csv(tmp_path / "c.csv", rows))
    assert not result.errors, result.errors
    assert not [p for p in check_database(any_database).problems if "Stage 1" in p]

    def as_an_earlier_import_left_it(session: sa.orm.Session) -> None:
        stage = session.scalars(
            sa.select(Stage).join(Case, Case.id == Stage.case_id).where(Case.reference == "T-LATER")
        ).one()
        stage.requested_on = stage.started_on = dt.date(2025, 7, 8)

    any_database.write(as_an_earlier_import_left_it)
    problems = [p for p in check_database(any_database).problems if "Stage 1" in p]
    assert len(problems) == 1 and ": T-LATER. Ask IT" in problems[0]
