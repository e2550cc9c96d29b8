"""The annual report's figures, computed once with pandas from the cases.

Definitions (IMPORT_FORMAT.md and PRODUCT.md, to the letter):

- A financial year runs 1 April to 31 March; ``year=2022`` is 2022/23, shown beside
  2021/22.
- Received counts go by the case's ``received`` date; outcome and timescale tables go by
  the date the stage closed (its response was sent); the Ombudsman's decisions by the
  date of the decision.
- Complaints are counted once per case; "Nature of complaints" counts complaint points.
- A response sent on R is within N working days of the start D when R is on or before
  the N-th working day after D, with the stage's suspended working days added: the
  working days a response took are :func:`~crm_desktop.domain.deadlines.working_days_taken`
  less the suspended days (none for an adult complaint: that procedure has no
  suspension), and a bucket "within N" holds the responses that took at most N (after
  the bucket before it).
- KPI RAG: green when the target is met, amber when within 10% of the target (relative:
  90% of the target for "higher is better", 110% for "lower is better"), red otherwise.
- Where the previous year has no cases of a procedure, its columns come from baseline
  figures when they were loaded, and are marked as baseline.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db.models import (
    ActionItem,
    BaselineFigure,
    Case,
    CaseParty,
    CaseServiceCategory,
    ComplaintPoint,
    Directorate,
    KpiDefinition,
    LgscoDetail,
    LgscoPayment,
    LgscoRemedy,
    Nature,
    OutcomeCode,
    Person,
    ReportBucket,
    ServiceArea,
    ServiceCategory,
    Setting,
    Stage,
    Team,
)
from crm_desktop.domain.calendar import (
    WorkingCalendar,
)
from crm_desktop.domain.deadlines import working_days_taken_array
from crm_desktop.domain.enums import (
    DECISION_ORDER,
    STAGES_BY_PROCEDURE,
    ComplainantType,
    KpiDirection,
    LgscoDecision,
    NotAcceptedReason,
    Ombudsman,
    Procedure,
    StageCode,
    TimescaleUnit,
)
from crm_desktop.domain.financial_year import FinancialYear
from crm_desktop.domain.statutory import (
    calendar_for,
    six_months_beginning_with,
)
from crm_desktop.domain.workflow import UPHELD_OUTCOMES
from crm_desktop.reports.model import (
    AnnualReport,
    Cell,
    Format,
    Rag,
    Section,
    Table,
)
from crm_desktop.services.calendar_service import StageTimescales, timescales, working_calendar
from crm_desktop.services.personal_data import for_publication
from crm_desktop.services.procedure_policies import PolicyBook, policy_book

COUNCIL_NAME_KEY = "council.name"
COMMENTARY_KEY = "report.commentary.{year}.{section}"
AMBER_BAND = 0.10

AREA_LABELS = {"children": "Children's social care", "adult": "Adult social care"}
CORPORATE_AREA = "Corporate: "
CORPORATE_SUBTOTAL = "Corporate: all directorates"
LETTER_KEY = "lgsco_letter"
LETTER_MEASURES = (
    "Detailed investigations upheld",
    "Compliance with the Ombudsman's recommendations",
    "Upheld cases where the council had already provided a satisfactory remedy",
)
LETTER_SOURCES = ("ours", "the Ombudsman's figure", "similar authorities' average")
LETTER_OMBUDSMAN = "Ombudsman's figure"
LETTER_BASE = "Ombudsman's base"
LETTER_SIMILAR = "similar authorities"

AVERAGE_LABEL = "Average response time (working days)"
RESPONSES_LABEL = "Responses"

NOT_RECORDED = "Not recorded"
COMMENTS_LABEL = "Comments received"
UNREASONABLE_LABEL = "People treated under the unreasonable-behaviour policy"

# The basis of each table, written under it.
BASIS_RECEIVED = "By the date the complaint was received."
BASIS_CLOSED = "By the date the stage's response was sent."
BASIS_BY_STAGE = (
    "Stage 1 by the date the complaint was received; Stage 2 and Stage 3 by the date the "
    "stage was requested; the Ombudsman by the date of its enquiry. A complaint counts once "
    "at each stage it reaches, in the year that stage was asked for."
)
BASIS_BY_LEVEL = (
    "Levels by the date the complaint was received; the Ombudsman by the date of its enquiry."
)
BASIS_KPIS = (
    "Timescale KPIs: responses sent in the year. Progress from Stage 1 to Stage 2: Stage 2 "
    "requests in the year as a share of the Stage 1 complaints received in the year. Progress "
    "to the Ombudsman: the Ombudsman's enquiries in the year as a share of the complaints "
    "received in the year."
)


# --------------------------------------------------------------------------- data

# Baseline figures: financial year -> table key -> (row label, measure) -> value.
Baseline = dict[int, dict[str, dict[tuple[str, str], float]]]


@dataclass
class _Data:
    """Everything the report needs, loaded once for both years."""

    cases: pd.DataFrame  # complaints, compliments and comments received in either year
    stages: pd.DataFrame  # every stage of every case (closed in either year or not)
    points: pd.DataFrame  # complaint points of the cases
    categories: pd.DataFrame  # adult service categories of the cases
    lgsco: pd.DataFrame  # Ombudsman stages with decision, payments and late remedies
    learning: pd.DataFrame  # action items marked as learning examples
    remedies: pd.DataFrame  # the Ombudsman's remedies: stage, deadline, completed
    people: pd.DataFrame  # people under the unreasonable-behaviour policy, by procedure


def _frame(session: Session, statement: sa.Select[*tuple[object, ...]]) -> pd.DataFrame:
    result = session.execute(statement)
    keys = list(result.keys())
    rows = result.all()
    if not rows:
        return pd.DataFrame(columns=keys)
    # Column by column: far quicker than pandas reading a list of row objects.
    return pd.DataFrame(dict(zip(keys, (list(c) for c in zip(*rows, strict=True)), strict=True)))


def _as_dates(frame: pd.DataFrame, *columns: str) -> None:
    for column in columns:
        frame[column] = pd.to_datetime(frame[column], format="ISO8601").to_numpy(
            dtype="datetime64[D]"
        )


def _day(column: sa.orm.InstrumentedAttribute[Any], label: str) -> sa.Label[Any]:
    """A date column read as the database gives it (SQLite: ISO text; PostgreSQL: a
    date), for pandas to convert all at once (:func:`_as_dates`): reading a hundred
    thousand stages' dates one by one into Python dates takes seconds."""
    return sa.type_coerce(column, sa.String()).label(label)


def _load(
    session: Session, start: dt.date, end: dt.date, only_cases_and_stages: bool = False
) -> _Data:
    directorate = sa.orm.aliased(Directorate)

    def within(column: sa.orm.InstrumentedAttribute[Any]) -> sa.ColumnElement[bool]:
        return column.between(start, end)

    # Every case a table of either year counts: received in the years, or with a stage
    # requested, started or closed in them, an Ombudsman enquiry or decision in them, or
    # a remedy that fell due in them (a complaint received years ago can be escalated,
    # decided or remedied now).
    chosen = sa.union(
        sa.select(Case.id).where(within(Case.received_on)),
        sa.select(Stage.case_id).where(
            within(Stage.closed_on)
            | within(Stage.requested_on)
            | within(Stage.started_on)
            | within(Stage.panel_on)
            | within(Stage.panel_report_on)
        ),
        sa.select(Stage.case_id)
        .join(LgscoDetail, LgscoDetail.stage_id == Stage.id)
        .where(within(LgscoDetail.enquiry_received_on) | within(LgscoDetail.decision_on)),
        sa.select(Stage.case_id)
        .join(LgscoRemedy, LgscoRemedy.stage_id == Stage.id)
        .where(within(LgscoRemedy.deadline_on)),
    ).subquery()
    ids = sa.select(chosen.c.id)
    cases = _frame(
        session,
        sa.select(
            Case.id.label("case_id"),
            sa.type_coerce(Case.kind, sa.String()).label("kind"),
            sa.type_coerce(Case.procedure, sa.String()).label("procedure"),
            _day(Case.received_on, "received"),
            directorate.name.label("directorate"),
            ServiceArea.name.label("service_area"),
            Team.name.label("team"),
            sa.type_coerce(Case.complainant_type, sa.String()).label("complainant_type"),
            Case.advocacy_provided,
            Case.well_founded,
            sa.type_coerce(Case.not_accepted_reason, sa.String()).label("not_accepted"),
            _day(Case.not_accepted_on, "not_accepted_on"),
        )
        .join(chosen, chosen.c.id == Case.id)
        .outerjoin(directorate, directorate.id == Case.directorate_id)
        .outerjoin(ServiceArea, ServiceArea.id == Case.service_area_id)
        .outerjoin(Team, Team.id == Case.team_id),
    )
    _as_dates(cases, "received", "not_accepted_on")
    stages = _frame(
        session,
        sa.select(
            Stage.id.label("stage_id"),
            Stage.case_id,
            sa.type_coerce(Stage.stage, sa.String()).label("stage"),
            _day(Stage.requested_on, "requested"),
            _day(Stage.started_on, "started"),
            _day(Stage.statement_agreed_on, "statement"),
            _day(Stage.closed_on, "closed"),
            sa.type_coerce(Stage.outcome, sa.String()).label("outcome"),
            Stage.suspended_days,
            _day(Stage.agreed_period_ends_on, "agreed_until"),
            Stage.extended_days,
            _day(Stage.acknowledged_on, "acknowledged"),
            _day(Stage.due_on, "due"),
            # The statutory clocks' own dates (children's Stage 2 start, Stage 3's three).
            _day(Stage.panel_on, "panel"),
            _day(Stage.panel_due_on, "panel_due"),
            _day(Stage.panel_report_on, "panel_report"),
            _day(Stage.panel_report_due_on, "report_due"),
            _day(Stage.council_response_on, "council_response"),
            _day(Stage.council_response_due_on, "response_due"),
            _day(LgscoDetail.enquiry_received_on, "enquiry"),
            sa.type_coerce(LgscoDetail.ombudsman, sa.String()).label("ombudsman"),
        )
        .join(chosen, chosen.c.id == Stage.case_id)
        .outerjoin(LgscoDetail, LgscoDetail.stage_id == Stage.id),
    )
    _as_dates(
        stages,
        "requested",
        "started",
        "statement",
        "closed",
        "agreed_until",
        "enquiry",
        "acknowledged",
        "due",
        "panel",
        "panel_due",
        "panel_report",
        "report_due",
        "council_response",
        "response_due",
    )
    if only_cases_and_stages:
        # The KPIs need nothing else (the dashboard asks for them often).
        empty = pd.DataFrame()
        return _Data(cases, stages, empty, empty, empty, empty, empty, empty)
    points = _frame(
        session,
        sa.select(ComplaintPoint.case_id, Nature.name.label("nature"))
        .outerjoin(Nature, Nature.id == ComplaintPoint.nature_id)
        .where(ComplaintPoint.case_id.in_(ids)),
    )
    categories = _frame(
        session,
        sa.select(CaseServiceCategory.case_id, ServiceCategory.name.label("category"))
        .join(ServiceCategory, ServiceCategory.id == CaseServiceCategory.service_category_id)
        .where(CaseServiceCategory.case_id.in_(ids)),
    )
    payments = (
        sa.select(sa.func.coalesce(sa.func.sum(LgscoPayment.amount_pence), 0))
        .where(LgscoPayment.stage_id == LgscoDetail.stage_id)
        .scalar_subquery()
    )
    lgsco = _frame(
        session,
        sa.select(
            LgscoDetail.stage_id,
            sa.type_coerce(LgscoDetail.decision, sa.String()).label("decision"),
            LgscoDetail.decision_on,
            (sa.func.coalesce(LgscoDetail.imported_payment_pence, 0) + payments).label("pence"),
        )
        .join(Stage, Stage.id == LgscoDetail.stage_id)
        .where(Stage.case_id.in_(ids)),
    )
    _as_dates(lgsco, "decision_on")
    remedies = _frame(
        session,
        sa.select(
            LgscoRemedy.stage_id,
            LgscoRemedy.deadline_on.label("deadline"),
            LgscoRemedy.completed_on.label("completed"),
            # Recorded late when it was done, or its evidence sent, after the deadline.
            LgscoRemedy.late.label("recorded_late"),
        )
        .join(Stage, Stage.id == LgscoRemedy.stage_id)
        .where(Stage.case_id.in_(ids)),
    )
    _as_dates(remedies, "deadline", "completed")
    learning = _frame(
        session,
        sa.select(
            Case.id.label("case_id"),
            Case.reference,
            sa.type_coerce(Case.procedure, sa.String()).label("procedure"),
            ActionItem.action,
            ActionItem.evidence,
            ActionItem.done_on,
        )
        .join(Case, Case.id == ActionItem.case_id)
        .where(ActionItem.learning_example.is_(True), ActionItem.done_on.between(start, end))
        .order_by(ActionItem.done_on, ActionItem.id),
    )
    if not learning.empty:
        # The report is published: the cases' people are not named in its examples.
        texts = for_publication(
            session,
            [
                (int(case_id), (action, evidence))
                for case_id, action, evidence in zip(
                    learning["case_id"], learning["action"], learning["evidence"], strict=True
                )
            ],
        )
        learning["action"] = [action for action, _ in texts]
        learning["evidence"] = [evidence for _, evidence in texts]
    # People the unreasonable-behaviour policy was applied to in the years, with the
    # procedures of the cases they complained in.
    people = _frame(
        session,
        sa.select(
            Person.id.label("person_id"),
            Person.vexatious_since.label("since"),
            sa.type_coerce(Case.procedure, sa.String()).label("procedure"),
        )
        .join(CaseParty, CaseParty.person_id == Person.id)
        .join(Case, Case.id == CaseParty.case_id)
        .where(Person.vexatious_since.between(start, end))
        .distinct(),
    )
    _as_dates(people, "since")
    return _Data(cases, stages, points, categories, lgsco, learning, remedies, people)


# ------------------------------------------------------------------------- helpers

# KPI measures of the statutory clocks: the column of the step and of its due date.
_STATUTORY_MEASURES: dict[str, tuple[str, str | None]] = {
    "panel_in_time": ("panel", "panel_due"),
    "panel_report_in_time": ("panel_report", "report_due"),
    "council_response_in_time": ("closed", "response_due"),
    "started_within": ("started", None),
}

FIRST_STAGES = frozenset(
    {
        StageCode.STAGE_1.value,
        StageCode.LOW.value,
        StageCode.MODERATE_HIGH.value,
        StageCode.INFORMAL.value,
    }
)


def _counting_dates(stages: pd.DataFrame) -> pd.Series:
    """The date each stage counts by in the "received" tables: Stage 1 (and an adult
    complaint at any level) the date the complaint was received; Stage 2 and Stage 3 the
    date the stage was requested (the date it started, where no request was recorded);
    the Ombudsman the date of its enquiry (else the date the stage was opened). A
    complaint received in March and escalated in May counts in the new year's Stage 2
    figure, and the year before keeps its published figures."""
    requested = stages["requested"].fillna(stages["started"])
    lgsco = stages["enquiry"].fillna(requested)
    first = stages["stage"].isin(FIRST_STAGES)
    return requested.where(stages["stage"] != StageCode.LGSCO.value, lgsco).where(
        ~first, stages["received"]
    )


@dataclass(frozen=True)
class _Year:
    year: int
    start: np.datetime64
    end: np.datetime64

    @classmethod
    def of(cls, year: int) -> _Year:
        start, end = FinancialYear(year).start, FinancialYear(year).end
        return cls(year, np.datetime64(start, "D"), np.datetime64(end, "D"))

    def within(self, dates: pd.Series) -> pd.Series:
        return (dates >= self.start) & (dates <= self.end)


def _count_rows(
    names: Sequence[str],
    counts: Sequence[pd.Series],
    fmt: Format = Format.COUNT,
    total_label: str | None = "Total",
) -> tuple[tuple[Cell, ...], ...]:
    """Rows for ``names`` (reference order) plus any other name counted, and a total."""
    order = list(dict.fromkeys(names))
    extra = sorted({str(n) for c in counts for n in c.index if n not in order and c[n]})
    rows = []
    for name in order + extra:
        rows.append((Cell(name, Format.TEXT), *(Cell(int(c.get(name, 0)), fmt) for c in counts)))
    if total_label is not None:
        rows.append((Cell(total_label, Format.TEXT), *(Cell(int(c.sum()), fmt) for c in counts)))
    return tuple(rows)


def _percent(part: float, whole: float) -> float | None:
    return None if not whole else 100.0 * part / whole


@dataclass
class _Reference:
    natures: dict[str, list[str]]
    teams: dict[str, list[str]]
    complaint_areas: dict[str, list[str]]
    compliment_areas: dict[str, list[str]]
    areas_by_directorate: dict[str, list[str]]
    directorates: list[str]
    categories: list[str]
    outcomes: list[tuple[str, str]]  # code, label
    buckets: dict[str, list[tuple[str, int | None]]]
    kpis: list[KpiDefinition]
    directorate_names: dict[int, str]
    limits: dict[tuple[str, str], StageTimescales]  # (procedure, stage): its timescales
    policies: PolicyBook


def _reference(session: Session) -> _Reference:
    def names(model: type, procedure: Procedure, *where: sa.ColumnElement[bool]) -> list[str]:
        return list(
            session.scalars(
                sa.select(model.name)  # type: ignore[attr-defined]
                .where(model.procedure == procedure, *where)  # type: ignore[attr-defined]
                .order_by(model.sort_order, model.id)  # type: ignore[attr-defined]
            )
        )

    natures = {p.value: names(Nature, p) for p in Procedure}
    teams = {p.value: names(Team, p) for p in Procedure}
    complaint_areas = {
        p.value: names(ServiceArea, p, ServiceArea.for_complaints.is_(True)) for p in Procedure
    }
    compliment_areas = {
        p.value: names(ServiceArea, p, ServiceArea.for_compliments.is_(True)) for p in Procedure
    }
    directorates = list(
        session.scalars(
            sa.select(Directorate.name).order_by(Directorate.sort_order, Directorate.id)
        )
    )
    areas_by_directorate: dict[str, list[str]] = {d: [] for d in directorates}
    for directorate, area in session.execute(
        sa.select(Directorate.name, ServiceArea.name)
        .join(ServiceArea, ServiceArea.directorate_id == Directorate.id)
        .where(ServiceArea.procedure == Procedure.CORPORATE)
        .order_by(ServiceArea.sort_order, ServiceArea.id)
    ):
        areas_by_directorate[directorate].append(area)
    # Corporate areas are numbered within their directorate: listed directorate by
    # directorate, not interleaved (any without one last).
    corporate = compliment_areas[Procedure.CORPORATE.value]
    grouped = [a for d in directorates for a in areas_by_directorate[d] if a in corporate]
    compliment_areas[Procedure.CORPORATE.value] = grouped + [
        a for a in corporate if a not in grouped
    ]
    buckets: dict[str, list[tuple[str, int | None]]] = {}
    for bucket in session.scalars(sa.select(ReportBucket).order_by(ReportBucket.sort_order)):
        buckets.setdefault(bucket.table_key, []).append((bucket.label, bucket.upper_days))
    return _Reference(
        natures=natures,
        teams=teams,
        complaint_areas=complaint_areas,
        compliment_areas=compliment_areas,
        areas_by_directorate=areas_by_directorate,
        directorates=directorates,
        categories=names(ServiceCategory, Procedure.ADULT),
        outcomes=[
            (str(code.value), label)
            for code, label in session.execute(
                sa.select(OutcomeCode.code, OutcomeCode.label).order_by(OutcomeCode.sort_order)
            )
        ],
        buckets=buckets,
        kpis=list(
            session.scalars(
                sa.select(KpiDefinition)
                .where(KpiDefinition.active.is_(True))
                .order_by(KpiDefinition.sort_order, KpiDefinition.id)
            )
        ),
        directorate_names={
            row.id: row.name for row in session.execute(sa.select(Directorate.id, Directorate.name))
        },
        limits={
            (p.value, code.value): timescales(session, p, code, None)
            for p in Procedure
            for code in STAGES_BY_PROCEDURE[p]
        },
        policies=policy_book(session),
    )


# ------------------------------------------------------------------------ builder


def _taken_note(procedure: str) -> str:
    """How a timescale table counts the working days a response took."""
    if procedure == Procedure.ADULT:
        # Its clock is never suspended: days an officer recorded as suspended count.
        return "Working days from the start of the stage to the response."
    return (
        "Working days from the start of the stage to the response, less any time the "
        "clock was suspended."
    )


class _Builder:
    def __init__(
        self,
        data: _Data,
        reference: _Reference,
        calendar: WorkingCalendar,
        year: int,
        baseline: Baseline,
        today: dt.date | None = None,
    ) -> None:
        self.d = data
        # A year not over yet counts only the deadlines that have passed.
        self.today = np.datetime64(today or dt.date.today(), "D")
        self.ref = reference
        self.cal = calendar
        self.statutory_cal = calendar_for(Procedure.CHILDREN)
        self.years = (_Year.of(year - 1), _Year.of(year))
        self.columns = (FinancialYear(year - 1).label, FinancialYear(year).label)
        self.baseline = baseline
        self._previous_cases: dict[str, bool] = {}
        # Selections by year, kept with their frame (so an id reused is never confused).
        self._selections: dict[tuple[int, str, int], tuple[pd.DataFrame, pd.DataFrame]] = {}
        cases = data.cases
        self.complaints = cases[cases["kind"] == "complaint"]
        stages = data.stages.merge(
            cases[["case_id", "kind", "procedure", "received", "directorate", "service_area"]],
            on="case_id",
            how="inner",
        )
        stages = stages[stages["kind"] == "complaint"].copy()
        stages["counted"] = _counting_dates(stages)
        self.stages = stages
        self.closed = self._with_taken(self.stages[self.stages["closed"].notna()])

    # -- working days --------------------------------------------------------------

    def _with_taken(self, stages: pd.DataFrame) -> pd.DataFrame:
        stages = stages[stages["started"].notna()].copy()
        if stages.empty:
            stages["taken"] = pd.Series(dtype="int64")
            stages["policy"] = pd.Series(dtype="int64")
            stages["policy_days"] = pd.Series(dtype="float64")
            return stages
        taken = self._working_days(stages["started"], stages["closed"], stages["procedure"])
        suspended = stages["suspended_days"].fillna(0).to_numpy().astype(np.int64)
        # The adult procedure has "no suspension" (PRODUCT.md): days an earlier version
        # let an officer suspend an adult clock for are not taken off.
        adult = (stages["procedure"] == Procedure.ADULT.value).to_numpy()
        # Never below 0: a file may give more suspended days than the stage took.
        stages["taken"] = np.maximum(taken - np.where(adult, 0, suspended), 0)
        return self._with_policy(stages)

    def _with_policy(self, stages: pd.DataFrame) -> pd.DataFrame:
        """Each stage's procedure policy (the version in force on the day its case was
        received) and that policy's response time for the stage: ``policy`` (its id, -1
        where the procedure has none) and ``policy_days`` (None where it sets none)."""
        book = self.ref.policies
        ids = np.full(len(stages), -1, dtype=np.int64)
        days = np.full(len(stages), np.nan, dtype=np.float64)
        procedures = stages["procedure"].to_numpy()
        codes = stages["stage"].to_numpy()
        received = stages["received"].to_numpy().astype("datetime64[D]")
        for procedure in set(procedures.tolist()):
            versions = book.versions(procedure)
            if not versions:
                continue
            mask = procedures == procedure
            starts = np.array([v.effective_from for v in versions], dtype="datetime64[D]")
            chosen = np.searchsorted(starts, received[mask], side="right") - 1
            where = np.flatnonzero(mask)
            for index, version in enumerate(versions):
                for rules in version.rules.stages:
                    hit = where[(chosen == index) & (codes[mask] == rules.stage.value)]
                    ids[hit] = version.id
                    if rules.response_days is not None:
                        days[hit] = rules.response_days
        stages["policy"] = ids
        stages["policy_days"] = days
        return stages

    # -- per-year selections -------------------------------------------------------

    def _in_year(self, frame: pd.DataFrame, column: str, year: _Year) -> pd.DataFrame:
        """``frame``'s rows whose ``column`` falls in the year; the builder's own frames'
        selections are made once (every table asks for them)."""
        key = (id(frame), column, year.year)
        cached = self._selections.get(key)
        if cached is not None and cached[0] is frame:
            return cached[1]
        chosen = frame[year.within(frame[column])]
        self._selections[key] = (frame, chosen)
        return chosen

    def received(self, frame: pd.DataFrame, year: _Year) -> pd.DataFrame:
        return self._in_year(frame, "received", year)

    def requested_in(self, frame: pd.DataFrame, year: _Year) -> pd.DataFrame:
        """The stages counted in the year: first stages by the date the complaint was
        received, later ones by the date they were requested, the Ombudsman's by its
        enquiry (:func:`_counting_dates`)."""
        return self._in_year(frame, "counted", year)

    def closed_in(self, frame: pd.DataFrame, year: _Year) -> pd.DataFrame:
        return self._in_year(frame, "closed", year)

    def per_year(self, count: Callable[[_Year], pd.Series]) -> list[pd.Series]:
        return [count(year) for year in self.years]

    def previous_has_cases(self, procedure: str) -> bool:
        """Whether the previous year has cases of the procedure (received, or a stage
        asked for or closed in it); without them its figures can come from baseline."""
        if procedure not in self._previous_cases:
            previous = self.years[0]
            self._previous_cases[procedure] = (
                bool((self.received(self.d.cases, previous)["procedure"] == procedure).any())
                or bool((self.closed_in(self.closed, previous)["procedure"] == procedure).any())
                or bool((self.requested_in(self.stages, previous)["procedure"] == procedure).any())
            )
        return self._previous_cases[procedure]

    def fallback(self, key: str, procedure: str) -> dict[tuple[str, str], float] | None:
        """The previous year's baseline figures of a table, (row, measure): value, when
        that year has no cases of the procedure and figures were loaded for it."""
        if self.previous_has_cases(procedure):
            return None
        return self.baseline.get(self.years[0].year, {}).get(key) or None

    def single(self, key: str, procedure: str) -> dict[str, float] | None:
        """:meth:`fallback` for a table with one figure a row and year, by row."""
        figures = self.fallback(key, procedure)
        if figures is None:
            return None
        return {row: value for (row, measure), value in figures.items() if not measure}

    def table(
        self,
        key: str,
        title: str,
        header: str,
        procedure: str,
        names: Sequence[str],
        count: Callable[[_Year], pd.Series],
        *,
        chart: bool = False,
        notes: Iterable[str] = (),
        total: bool = True,
    ) -> Table:
        counts = self.per_year(count)
        baseline = self.single(key, procedure)
        baseline_columns: tuple[str, ...] = ()
        if baseline is not None:
            counts[0] = pd.Series(
                {k: v for k, v in baseline.items() if k != "Total"}, dtype="float64"
            )
            baseline_columns = (self.columns[0],)
        rows = _count_rows(names, counts, total_label="Total" if total else None)
        return Table(
            key=key,
            title=title,
            columns=(header, *self.columns),
            rows=rows,
            chart=chart,
            notes=tuple(notes)
            + (
                (f"{self.columns[0]} figures are baseline figures, not cases.",)
                if baseline_columns
                else ()
            ),
            baseline_columns=baseline_columns,
            baseline_rows=tuple((name, "", procedure) for name in dict.fromkeys(names)),
        )

    def outcome_table(self, key: str, title: str, procedure: str, codes: Sequence[str]) -> Table:
        labels = dict(self.ref.outcomes)

        def count(year: _Year) -> pd.Series:
            stages = self.closed_in(self.closed, year)
            stages = stages[(stages["procedure"] == procedure) & stages["stage"].isin(codes)]
            return stages["outcome"].map(labels).value_counts()

        return self.table(
            key,
            title,
            "Outcome",
            procedure,
            [label for _, label in self.ref.outcomes],
            count,
            notes=(BASIS_CLOSED,),
        )

    def _policy_buckets(
        self, key: str, procedure: str, codes: Sequence[str]
    ) -> list[tuple[int, str, list[tuple[str, int | None]]]] | None:
        """For a procedure with policies: each policy that this table's responses follow
        (in either year), with its own buckets (the reference data's labels where they
        say the same). None: the procedure has no policy, or the table has no response
        under one."""
        if not self.ref.policies.has(procedure) or len(codes) != 1:
            return None
        frame = self.closed[
            (self.closed["procedure"] == procedure) & self.closed["stage"].isin(codes)
        ]
        frame = frame[self.years[0].within(frame["closed"]) | self.years[1].within(frame["closed"])]
        used = set(frame["policy"].tolist()) - {-1}
        if not used:
            return None
        reference = self.ref.buckets.get(key, [])
        result = []
        for policy in self.ref.policies.versions(procedure):
            rules = policy.rules.stage(codes[0])
            if policy.id not in used or rules is None:
                continue
            buckets = rules.bucket_labels()
            if [upper for _, upper in reference] == [upper for _, upper in buckets]:
                buckets = reference
            result.append((policy.id, policy.name, buckets))
        return result

    def timescale_table(
        self, key: str, title: str, procedure: str, codes: Sequence[str], average: bool = False
    ) -> Table:
        by_policy = self._policy_buckets(key, procedure, codes)
        if by_policy is not None and len(by_policy) > 1:
            return self._timescale_table_by_policy(key, title, procedure, codes, by_policy, average)
        buckets = self.ref.buckets.get(key, [])
        if by_policy:
            buckets = by_policy[0][2]
        rows: list[tuple[Cell, ...]] = []
        values: list[list[float | None]] = []
        averages: list[float | None] = []
        totals: list[int] = []
        for year in self.years:
            stages = self.closed_in(self.closed, year)
            stages = stages[(stages["procedure"] == procedure) & stages["stage"].isin(codes)]
            taken = stages["taken"].to_numpy()
            total = len(taken)
            totals.append(total)
            shares: list[float | None] = []
            lower: float = -np.inf
            for _, upper in buckets:
                top = np.inf if upper is None else upper
                shares.append(_percent(int(((taken > lower) & (taken <= top)).sum()), total))
                lower = top
            values.append(shares)
            averages.append(float(taken.mean()) if total else None)
        labels = [label for label, _ in buckets]
        if average:
            labels.append(AVERAGE_LABEL)
        labels.append(RESPONSES_LABEL)
        columns: list[list[float | None]] = [
            [*v, *([a] if average else []), t]
            for v, a, t in zip(values, averages, totals, strict=True)
        ]
        baseline = self.single(key, procedure)
        if baseline is not None:
            columns[0] = [baseline.get(label) for label in labels]
        for index, label in enumerate(labels):
            fmt = (
                Format.DAYS
                if label == AVERAGE_LABEL
                else Format.COUNT
                if label == RESPONSES_LABEL
                else Format.PERCENT
            )
            rows.append((Cell(label, Format.TEXT), *(Cell(c[index], fmt) for c in columns)))
        return Table(
            key=key,
            title=title,
            columns=("Timescale", *self.columns),
            rows=tuple(rows),
            has_total=False,
            notes=(
                BASIS_CLOSED,
                _taken_note(procedure),
            )
            + (
                (
                    f"Every response here follows '{by_policy[0][1]}', the procedure policy in "
                    "force on the day its case was received; its clock starts as that policy "
                    "says.",
                )
                if by_policy
                else ()
            )
            + (
                (f"{self.columns[0]} figures are baseline figures, not cases.",) if baseline else ()
            ),
            baseline_columns=(self.columns[0],) if baseline is not None else (),
            baseline_rows=tuple((label, "", procedure) for label in labels),
        )

    def _timescale_table_by_policy(
        self,
        key: str,
        title: str,
        procedure: str,
        codes: Sequence[str],
        by_policy: list[tuple[int, str, list[tuple[str, int | None]]]],
        average: bool,
    ) -> Table:
        """A year's responses under two or more policies: each policy's responses in its
        own buckets, as shares of that policy's responses."""
        rows: list[tuple[Cell, ...]] = []
        for policy_id, name, buckets in by_policy:
            values: list[list[float | None]] = []
            averages: list[float | None] = []
            totals: list[int] = []
            for year in self.years:
                stages = self.closed_in(self.closed, year)
                stages = stages[
                    (stages["procedure"] == procedure)
                    & stages["stage"].isin(codes)
                    & (stages["policy"] == policy_id)
                ]
                taken = stages["taken"].to_numpy()
                total = len(taken)
                totals.append(total)
                shares: list[float | None] = []
                lower: float = -np.inf
                for _, upper in buckets:
                    top = np.inf if upper is None else upper
                    shares.append(_percent(int(((taken > lower) & (taken <= top)).sum()), total))
                    lower = top
                values.append(shares)
                averages.append(float(taken.mean()) if total else None)
            for index, (label, _) in enumerate(buckets):
                rows.append(
                    (
                        Cell(f"{name}: {label}", Format.TEXT),
                        *(Cell(v[index], Format.PERCENT) for v in values),
                    )
                )
            if average:
                rows.append(
                    (
                        Cell(f"{name}: average response time (working days)", Format.TEXT),
                        *(Cell(a, Format.DAYS) for a in averages),
                    )
                )
            rows.append(
                (Cell(f"{name}: responses", Format.TEXT), *(Cell(t, Format.COUNT) for t in totals))
            )
        return Table(
            key=key,
            title=title,
            columns=("Timescale", *self.columns),
            rows=tuple(rows),
            has_total=False,
            notes=(
                BASIS_CLOSED,
                _taken_note(procedure),
                "These responses follow different procedure policies: each case is measured "
                "against the policy in force on the day it was received, in that policy's "
                "own timescales (shares are of that policy's responses).",
            ),
        )

    # -- the statutory annual reports' contents ---------------------------------------

    def ratio_table(
        self,
        key: str,
        title: str,
        procedure: str,
        lines: Sequence[tuple[str, Callable[[_Year], tuple[int, int | None]]]],
        notes: Sequence[str],
    ) -> Table:
        """A table of figures a year, each with what it is out of (None: a plain count)
        and the share; the previous year from baseline figures where it has no cases."""
        values = [[line(year) for _, line in lines] for year in self.years]
        figures = self.fallback(key, procedure)
        if figures is not None:
            values[0] = [
                (
                    int(figures.get((label, "number"), 0)),
                    None if whole is None else int(figures.get((label, "out of"), 0)),
                )
                for (label, _), (_, whole) in zip(lines, values[1], strict=True)
            ]
        rows = []
        for index, (label, _) in enumerate(lines):
            cells: list[Cell] = [Cell(label, Format.TEXT)]
            for year_values in values:
                part, whole = year_values[index]
                cells += [
                    Cell(part),
                    Cell(whole),
                    Cell(None if whole is None else _percent(part, whole), Format.PERCENT),
                ]
            rows.append(tuple(cells))
        columns = (
            "Measure",
            *(f"{year} {name}" for year in self.columns for name in ("number", "out of", "share")),
        )
        return Table(
            key,
            title,
            columns,
            tuple(rows),
            has_total=False,
            notes=tuple(notes)
            + ((f"{self.columns[0]} figures are baseline figures, not cases.",) if figures else ()),
            baseline_columns=tuple(
                c for c in columns[1:] if figures and c.startswith(self.columns[0])
            ),
            baseline_rows=tuple(
                (label, measure, procedure)
                for (label, _), (_, whole) in zip(lines, values[1], strict=True)
                for measure in (("number",) if whole is None else ("number", "out of"))
            ),
        )

    def _working_days(
        self, starts: pd.Series, ends: pd.Series, procedures: pd.Series | str
    ) -> np.ndarray:
        """Working days from each start to its end (an end before the start: none), on
        the calendar of each row's procedure."""
        begin = starts.to_numpy().astype("datetime64[D]")
        finish = np.maximum(ends.to_numpy().astype("datetime64[D]"), begin)
        if not len(begin):
            return np.zeros(0, dtype=np.int64)
        corporate = (
            np.full(len(begin), procedures == Procedure.CORPORATE.value)
            if isinstance(procedures, str)
            else (procedures == Procedure.CORPORATE.value).to_numpy(dtype=bool)
        )
        taken = np.zeros(len(begin), dtype=np.int64)
        if corporate.any():
            taken[corporate] = working_days_taken_array(
                self.cal, begin[corporate], finish[corporate]
            )
        if (~corporate).any():
            taken[~corporate] = working_days_taken_array(
                self.statutory_cal, begin[~corporate], finish[~corporate]
            )
        return taken

    def children_time_limits(self) -> Table:
        p = Procedure.CHILDREN.value
        one = self.ref.limits[(p, StageCode.STAGE_1.value)]
        two = self.ref.limits[(p, StageCode.STAGE_2.value)]
        three = self.ref.limits[(p, StageCode.STAGE_3.value)]

        def responses(code: str, year: _Year) -> pd.DataFrame:
            stages = self.closed_in(self.closed, year)
            return stages[(stages["procedure"] == p) & (stages["stage"] == code)]

        def within(code: str, days: int | None) -> Callable[[_Year], tuple[int, int | None]]:
            def line(year: _Year) -> tuple[int, int | None]:
                stages = responses(code, year)
                if days is None:
                    return 0, len(stages)
                return int((stages["taken"] <= days).sum()), len(stages)

            return line

        def extended(code: str) -> Callable[[_Year], tuple[int, int | None]]:
            def line(year: _Year) -> tuple[int, int | None]:
                stages = responses(code, year)
                return int((stages["extended_days"].fillna(0) > 0).sum()), len(stages)

            return line

        def panel_clock(
            start: str, end: str, days: int | None
        ) -> Callable[[_Year], tuple[int, int | None]]:
            # Stage 3's clocks, by the date the clock stopped (the panel met, the report
            # came, the council responded) in the year.
            def line(year: _Year) -> tuple[int, int | None]:
                stages = self.stages[
                    (self.stages["procedure"] == p) & (self.stages["stage"] == "3")
                ]
                stages = stages[stages[end].notna() & year.within(stages[end])]
                # The request is the stage's start where it was not recorded apart; a
                # panel or report date unknown (an imported stage) leaves the stage out.
                begun = (
                    stages[start].fillna(stages["started"])
                    if start == "requested"
                    else stages[start]
                )
                stages, begun = stages[begun.notna()], begun[begun.notna()]
                if days is None:
                    return 0, len(stages)
                taken = self._working_days(begun, stages[end], p)
                return int((taken <= days).sum()), len(stages)

            return line

        def days(n: int | None) -> str:
            return f"{n} working days" if n is not None else "the time limit"

        lines: list[tuple[str, Callable[[_Year], tuple[int, int | None]]]] = [
            (f"Stage 1 responses within {days(one.duration)}", within("1", one.duration)),
            (
                f"Stage 1 responses within {days(one.extension_limit)} (extended)",
                within("1", one.extension_limit),
            ),
            ("Stage 1 responses after an extension", extended("1")),
            (f"Stage 2 responses within {days(two.duration)}", within("2", two.duration)),
            (
                f"Stage 2 responses within {days(two.extension_limit)} (extended)",
                within("2", two.extension_limit),
            ),
            ("Stage 2 responses after an extension", extended("2")),
            (
                f"Stage 3 panels held within {days(three.panel_meeting)} of the request",
                panel_clock("requested", "panel", three.panel_meeting),
            ),
            (
                f"Stage 3 panel reports within {days(three.panel_report)} of the panel",
                panel_clock("panel", "panel_report", three.panel_report),
            ),
            (
                f"Stage 3 council responses within {days(three.council_response)} of the report",
                panel_clock("panel_report", "council_response", three.council_response),
            ),
        ]
        return self.ratio_table(
            "children_time_limits",
            "Compliance with the time limits",
            p,
            lines,
            (
                "Stage 1 and Stage 2: responses sent in the year, in working days from the "
                "start of the stage less suspensions. Stage 3: each clock by the date it "
                "stopped (the panel met, its report came, the council responded).",
            ),
        )

    def children_who_complained(self) -> list[Table]:
        p = Procedure.CHILDREN.value

        def complaints(year: _Year) -> pd.DataFrame:
            frame = self.received(self.complaints, year)
            frame = frame[frame["procedure"] == p]
            return frame[frame["not_accepted"].isna()]

        labels = {t.value: t.label for t in ComplainantType}

        def who(year: _Year) -> pd.Series:
            return (
                complaints(year)["complainant_type"].map(labels).fillna(NOT_RECORDED).value_counts()
            )

        def advocacy(year: _Year) -> pd.Series:
            answer = complaints(year)["advocacy_provided"]
            return (
                answer.map({True: "Advocacy provided", False: "No advocacy"})
                .fillna(NOT_RECORDED)
                .value_counts()
            )

        return [
            self.table(
                "children_who_complained",
                "Who complained",
                "Complainant",
                p,
                [*labels.values(), NOT_RECORDED],
                who,
                notes=(BASIS_RECEIVED,),
            ),
            self.table(
                "children_advocacy",
                "Advocacy",
                "Advocacy",
                p,
                ["Advocacy provided", "No advocacy", NOT_RECORDED],
                advocacy,
                notes=(BASIS_RECEIVED,),
            ),
        ]

    def adult_statutory(self) -> Table:
        p = Procedure.ADULT.value
        levels = (StageCode.LOW.value, StageCode.MODERATE_HIGH.value, StageCode.INFORMAL.value)
        acknowledge = self.ref.limits[(p, StageCode.LOW.value)].acknowledge

        def received(year: _Year) -> tuple[int, int | None]:
            frame = self.received(self.complaints, year)
            frame = frame[(frame["procedure"] == p) & frame["not_accepted"].isna()]
            return len(frame), None

        def answered(year: _Year) -> pd.DataFrame:
            stages = self.closed_in(self.stages, year)
            return stages[(stages["procedure"] == p) & stages["stage"].isin(levels)]

        def well_founded(year: _Year) -> tuple[int, int | None]:
            # The council's decision as recorded on the case; where nobody recorded
            # it (an imported case, say), its response's: upheld or partially upheld.
            stages = answered(year).drop_duplicates("case_id")
            cases = self.d.cases.set_index("case_id")["well_founded"]
            recorded = stages["case_id"].map(cases)
            by_outcome = stages["outcome"].isin([o.value for o in UPHELD_OUTCOMES])
            decided = recorded.where(recorded.notna(), by_outcome)
            return int((decided == True).sum()), len(stages)  # noqa: E712

        def referred(body: Ombudsman) -> Callable[[_Year], tuple[int, int | None]]:
            def line(year: _Year) -> tuple[int, int | None]:
                stages = self.requested_in(self.stages, year)
                stages = stages[
                    (stages["procedure"] == p)
                    & (stages["stage"] == StageCode.LGSCO.value)
                    & (stages["ombudsman"].fillna(Ombudsman.LGSCO.value) == body.value)
                ]
                return stages["case_id"].nunique(), None

            return line

        def acknowledged(year: _Year) -> tuple[int, int | None]:
            stages = self.requested_in(self.stages, year)
            stages = stages[(stages["procedure"] == p) & stages["stage"].isin(levels)]
            stages = stages.drop_duplicates("case_id")
            if acknowledge is None:
                return 0, len(stages)
            # Acknowledged apart, or, where no acknowledgement was sent apart, by the
            # response (as the Complaint Handling Code's figures count it): an imported
            # stage without the date was acknowledged in time only if answered in time.
            heard = stages["acknowledged"].fillna(stages["closed"])
            done = stages[heard.notna()]
            taken = self._working_days(done["received"], heard[heard.notna()], p)
            return int((taken <= acknowledge).sum()), len(stages)

        def agreed(year: _Year) -> tuple[int, int | None]:
            stages = answered(year)
            stages = stages[stages["due"].notna()]
            return int((stages["closed"] <= stages["due"]).sum()), len(stages)

        return self.ratio_table(
            "adult_statutory",
            "Complaints received, well-founded and referred to an Ombudsman",
            p,
            (
                ("Complaints received", received),
                ("Decided well-founded", well_founded),
                (
                    "Referred to the Local Government and Social Care Ombudsman",
                    referred(Ombudsman.LGSCO),
                ),
                ("Referred to the Health Service Ombudsman", referred(Ombudsman.HEALTH_SERVICE)),
                (
                    f"Acknowledged within {acknowledge if acknowledge is not None else '?'} "
                    "working days",
                    acknowledged,
                ),
                ("Responses within the period agreed", agreed),
            ),
            (
                "Complaints received and acknowledged: by the date received (not counting "
                "those not accepted); acknowledged in time: an acknowledgement sent within "
                "the working days, or, where none was sent apart, the response. "
                "Well-founded: as recorded on the case, or, where "
                "it was not recorded, a response that upheld it in full or in part. "
                "Well-founded and within the period agreed: responses sent in the year "
                "(the period agreed is the response due date, with the extensions agreed "
                "with the complainant). Referrals: by the date of the Ombudsman's enquiry. "
                "The subject matter is in the nature of complaints and complaints by "
                "service tables.",
            ),
        )

    def other_representations(self, procedure: str) -> Table:
        reasons = {r.value: r.label for r in NotAcceptedReason}

        def count(year: _Year) -> pd.Series:
            cases = self.d.cases[self.d.cases["procedure"] == procedure]
            comments = int((self.received(cases, year)["kind"] == "comment").sum())
            refused = cases[cases["not_accepted"].notna()]
            when = refused["not_accepted_on"].fillna(refused["received"])
            refused = refused[year.within(when)]
            by_reason = refused["not_accepted"].map(reasons).value_counts()
            people = self.d.people
            people = people[(people["procedure"] == procedure) & year.within(people["since"])]
            figures = {COMMENTS_LABEL: comments, UNREASONABLE_LABEL: people["person_id"].nunique()}
            figures |= {f"Not accepted: {label}": int(n) for label, n in by_reason.items()}
            return pd.Series(figures)

        return self.table(
            f"{procedure}_other_representations",
            "Comments, complaints not accepted and unreasonable behaviour",
            "Representations",
            procedure,
            [
                COMMENTS_LABEL,
                *(f"Not accepted: {label}" for label in reasons.values()),
                UNREASONABLE_LABEL,
            ],
            count,
            total=False,
            notes=(
                "Comments by the date received; complaints not accepted by the date of the "
                "decision; people by the date the unreasonable-behaviour policy was applied "
                "to them.",
            ),
        )

    # -- sections --------------------------------------------------------------------

    def children(self) -> Section:
        p = Procedure.CHILDREN.value
        stage_labels = {
            "1": "Local / Stage 1 Complaints",
            "2": "Formal / Stage 2 Complaints",
            "3": "Review Panels / Stage 3's held",
            "lgsco": "Local Government and Social Care Ombudsman",
        }

        def by_stage(year: _Year) -> pd.Series:
            stages = self.requested_in(self.stages, year)
            stages = stages[stages["procedure"] == p]
            return (
                stages.drop_duplicates(["case_id", "stage"])["stage"]
                .map(stage_labels)
                .value_counts()
            )

        def complaints(year: _Year) -> pd.DataFrame:
            frame = self.received(self.complaints, year)
            return frame[frame["procedure"] == p]

        def by_team(year: _Year) -> pd.Series:
            frame = complaints(year)
            return frame["team"].fillna(frame["service_area"]).fillna("Not recorded").value_counts()

        return Section(
            "children",
            "Children's social care",
            (
                self.table(
                    "children_received_by_stage",
                    "Number of complaints received",
                    "Children Services Complaints",
                    p,
                    list(stage_labels.values()),
                    by_stage,
                    chart=True,
                    notes=(BASIS_BY_STAGE,),
                ),
                self.table(
                    "children_by_team",
                    "Complaints by team",
                    "Children Services Team",
                    p,
                    self.ref.teams[p],
                    by_team,
                    notes=(
                        BASIS_RECEIVED,
                        "Complaints that go through more than one stage are counted once.",
                    ),
                ),
                self.nature_table("children_nature", p),
                self.outcome_table("children_stage1_outcomes", "Stage 1 outcomes", p, ["1"]),
                self.timescale_table(
                    "children_stage1_timescales",
                    "Timescales of Stage 1 complaint resolutions",
                    p,
                    ["1"],
                ),
                self.outcome_table("children_stage2_outcomes", "Stage 2 outcomes", p, ["2"]),
                self.timescale_table(
                    "children_stage2_timescales",
                    "Timescales of Stage 2 complaint resolutions",
                    p,
                    ["2"],
                ),
                self.children_time_limits(),
                *self.children_who_complained(),
                self.compliments_table("children_compliments", p),
                self.other_representations(p),
            ),
        )

    def nature_table(self, key: str, procedure: str) -> Table:
        def count(year: _Year) -> pd.Series:
            cases = self.received(self.complaints, year)
            ids = cases[cases["procedure"] == procedure]["case_id"]
            points = self.d.points[self.d.points["case_id"].isin(ids)]
            return points["nature"].fillna("Not recorded").value_counts()

        return self.table(
            key,
            "Nature of complaints",
            "Nature of complaint",
            procedure,
            self.ref.natures[procedure],
            count,
            chart=True,
            notes=(
                BASIS_RECEIVED,
                "Each complaint point is counted, so a complaint may count more than once.",
            ),
        )

    def compliments_table(self, key: str, procedure: str) -> Table:
        def count(year: _Year) -> pd.Series:
            cases = self.received(self.d.cases, year)
            cases = cases[(cases["procedure"] == procedure) & (cases["kind"] == "compliment")]
            return cases["service_area"].fillna("Other").value_counts()

        return self.table(
            key,
            "Compliments",
            "Service area",
            procedure,
            self.ref.compliment_areas[procedure],
            count,
            notes=("By the date the compliment was received.",),
        )

    def adult(self) -> Section:
        p = Procedure.ADULT.value
        level_labels = {
            "low": "Low Risk",
            "moderate-high": "Moderate /High Risk",
            "informal": "Informal",
            "lgsco": "Local Government & Social Care Ombudsman",
        }

        def by_level(year: _Year) -> pd.Series:
            stages = self.requested_in(self.stages, year)
            stages = stages[stages["procedure"] == p]
            return (
                stages.drop_duplicates(["case_id", "stage"])["stage"]
                .map(level_labels)
                .value_counts()
            )

        def complaints(year: _Year) -> pd.DataFrame:
            frame = self.received(self.complaints, year)
            return frame[frame["procedure"] == p]

        def by_area(year: _Year) -> pd.Series:
            return complaints(year)["service_area"].fillna("Not recorded").value_counts()

        def by_category(year: _Year) -> pd.Series:
            ids = complaints(year)["case_id"]
            rows = self.d.categories[self.d.categories["case_id"].isin(ids)]
            return rows["category"].value_counts()

        return Section(
            "adult",
            "Adult social care",
            (
                self.table(
                    "adult_received_by_level",
                    "Number of complaints received",
                    "Level",
                    p,
                    list(level_labels.values()),
                    by_level,
                    chart=True,
                    notes=(BASIS_BY_LEVEL,),
                ),
                self.table(
                    "adult_by_service_area",
                    "Number of complaints by service area",
                    "Service Area",
                    p,
                    self.ref.complaint_areas[p],
                    by_area,
                    notes=(BASIS_RECEIVED,),
                ),
                self.table(
                    "adult_by_service_category",
                    "Number of complaints by service",
                    "Service",
                    p,
                    self.ref.categories,
                    by_category,
                    notes=(BASIS_RECEIVED, "A complaint may concern more than one service."),
                ),
                self.nature_table("adult_nature", p),
                self.outcome_table(
                    "adult_low_outcomes", "Outcomes of low risk complaints", p, ["low"]
                ),
                self.outcome_table(
                    "adult_moderate_high_outcomes",
                    "Moderate / high risk complaints outcomes",
                    p,
                    ["moderate-high"],
                ),
                self.timescale_table(
                    "adult_low_timescales",
                    "Timescales of low-risk complaint resolution",
                    p,
                    ["low"],
                ),
                self.timescale_table(
                    "adult_moderate_high_timescales",
                    "Timescales of moderate/high risk complaint resolution",
                    p,
                    ["moderate-high"],
                ),
                self.adult_statutory(),
                self.compliments_table("adult_compliments", p),
                self.other_representations(p),
            ),
        )

    def corporate(self) -> Section:
        p = Procedure.CORPORATE.value

        def complaints(year: _Year) -> pd.DataFrame:
            frame = self.received(self.complaints, year)
            return frame[frame["procedure"] == p]

        def by_directorate(year: _Year) -> pd.Series:
            return complaints(year)["directorate"].fillna("Not recorded").value_counts()

        tables = [
            self.table(
                "corporate_by_directorate",
                "Number of complaints by directorate",
                "Directorate",
                p,
                self.ref.directorates,
                by_directorate,
                chart=True,
                notes=(BASIS_RECEIVED,),
            ),
        ]
        for directorate in self.ref.directorates:

            def by_area(year: _Year, directorate: str = directorate) -> pd.Series:
                frame = complaints(year)
                frame = frame[frame["directorate"] == directorate]
                return frame["service_area"].fillna("Not recorded").value_counts()

            tables.append(
                self.table(
                    f"corporate_areas_{_slug(directorate)}",
                    f"Complaints by service area: {directorate}",
                    directorate,
                    p,
                    self.ref.areas_by_directorate.get(directorate, []),
                    by_area,
                    notes=(BASIS_RECEIVED,),
                )
            )
        tables += [
            self.nature_table("corporate_nature", p),
            self.outcome_table("corporate_stage1_outcomes", "Stage 1 outcomes", p, ["1"]),
            self.outcome_table("corporate_stage2_outcomes", "Stage 2 outcomes", p, ["2"]),
            self.timescale_table(
                "corporate_stage1_timescales",
                "Timescales of Stage 1 complaint resolution",
                p,
                ["1"],
                average=True,
            ),
            self.timescale_table(
                "corporate_stage2_timescales",
                "Timescales of Stage 2 complaint resolution",
                p,
                ["2"],
                average=True,
            ),
            self.compliments_table("corporate_compliments", p),
            self.other_representations(p),
        ]
        return Section("corporate", "Corporate", tuple(tables))

    # -- KPIs --------------------------------------------------------------------------

    def kpi_value(self, kpi: KpiDefinition, year: _Year) -> float | None:
        procedure = kpi.procedure.value
        directorate = (
            self.ref.directorate_names.get(kpi.directorate_id) if kpi.directorate_id else None
        )
        if kpi.measure == "in_timescale":
            stages = self.closed_in(self.closed, year)
            stages = stages[stages["procedure"] == procedure]
            stages = stages[stages["stage"] != StageCode.LGSCO.value]
            if kpi.stage is not None:
                stages = stages[stages["stage"] == kpi.stage.value]
            if directorate is not None:
                stages = stages[stages["directorate"] == directorate]
            if stages.empty or kpi.threshold_days is None:
                return None
            if kpi.threshold_unit == TimescaleUnit.CALENDAR_MONTHS:
                # The period of N months beginning with the day the complaint was
                # received, or the longer period agreed before it expired (SI 2009/309
                # reg. 14(4)); the adult procedure has no suspension.
                within = [
                    closed <= self._months_due(received, kpi.threshold_days, agreed)
                    for received, closed, agreed in zip(
                        stages["received"].dt.date,
                        stages["closed"].dt.date,
                        stages["agreed_until"],
                        strict=True,
                    )
                ]
                return _percent(sum(within), len(within))
            threshold = np.full(len(stages), float(kpi.threshold_days))
            if self.ref.policies.has(procedure):
                # Each case against its own procedure policy's response time.
                own = stages["policy_days"].to_numpy(dtype="float64")
                threshold = np.where(np.isnan(own), threshold, own)
            in_time = stages["taken"].to_numpy() <= threshold
            return _percent(int(in_time.sum()), len(stages))

        def of_kpi(frame: pd.DataFrame) -> pd.DataFrame:
            frame = frame[frame["procedure"] == procedure]
            if directorate is not None:
                frame = frame[frame["directorate"] == directorate]
            return frame

        if kpi.measure == "progressed_to_next_stage":
            # The "received" table's two rows as a share: Stage 2 requests in the year
            # over the Stage 1 complaints received in it (the published 13.75% is 39
            # Stage 2s over 283 Stage 1s received; over the 248 closed it would be 15.7%).
            assert kpi.stage is not None
            from crm_desktop.domain.workflow import NEXT_STAGE

            following = NEXT_STAGE[kpi.procedure].get(kpi.stage)
            if following is None:
                return None
            counted = of_kpi(self.requested_in(self.stages, year))
            base = counted[counted["stage"] == kpi.stage.value]["case_id"].nunique()
            requests = counted[counted["stage"] == following.value]["case_id"].nunique()
            return _percent(requests, base)
        if kpi.measure == "progressed_to_lgsco":
            # The Ombudsman's enquiries in the year, as a share of complaints received in it.
            received = of_kpi(self.received(self.complaints, year))
            requested = of_kpi(self.requested_in(self.stages, year))
            enquiries = requested[requested["stage"] == StageCode.LGSCO.value]["case_id"].nunique()
            return _percent(enquiries, len(received))
        raise ValueError(f"unknown KPI measure {kpi.measure!r}")

    def statutory_kpi(self, kpi: KpiDefinition, year: _Year) -> float | None:
        """The statutory clocks' own KPIs: the review panel's three clocks (each by the
        year its step happened, against its own due date; SI 2006/1738 regs. 19-21) and
        the children's Stage 2 start (working days from the request to the start, against
        the KPI's threshold, by the year it started)."""
        stages = self.stages[self.stages["procedure"] == kpi.procedure.value]
        if kpi.stage is not None:
            stages = stages[stages["stage"] == kpi.stage.value]
        step, due = _STATUTORY_MEASURES[kpi.measure]
        if kpi.measure == "started_within":
            # Only stages whose statement of complaint was agreed in the program: an
            # imported Stage 2 has no such date, and its start is its request.
            stages = stages[
                year.within(stages["started"])
                & stages["requested"].notna()
                & stages["statement"].notna()
            ]
            if stages.empty or kpi.threshold_days is None:
                return None
            # Started within N working days of the request: on or before the N-th
            # working day after it (a start on a weekend counts to the next working day).
            taken = working_days_taken_array(
                self.statutory_cal,
                stages["requested"].to_numpy().astype("datetime64[D]"),
                np.maximum(
                    stages["started"].to_numpy().astype("datetime64[D]"),
                    stages["requested"].to_numpy().astype("datetime64[D]"),
                ),
            )
            return _percent(int((taken <= kpi.threshold_days).sum()), len(stages))
        assert due is not None
        stages = stages[year.within(stages[step]) & stages[due].notna()]
        if stages.empty:
            return None
        return _percent(int((stages[step] <= stages[due]).sum()), len(stages))

    def _months_due(self, received: dt.date, months: int, agreed: Any) -> dt.date:
        due = six_months_beginning_with(received, months)
        if agreed is not None and not pd.isna(agreed):
            return max(due, pd.Timestamp(agreed).date())
        return due

    def kpis(self) -> Table:
        rows = []
        from_baseline: list[str] = []
        for kpi in self.ref.kpis:
            measure = self.statutory_kpi if kpi.measure in _STATUTORY_MEASURES else self.kpi_value
            values = [measure(kpi, year) for year in self.years]
            baseline = self.single("kpis", kpi.procedure.value)
            if baseline is not None and kpi.label in baseline:
                values[0] = baseline[kpi.label]
                from_baseline.append(kpi.label)
            rows.append(
                (
                    Cell(kpi.label, Format.TEXT),
                    Cell(kpi.target_percent, Format.PERCENT),
                    *(
                        Cell(v, Format.PERCENT, rag(v, kpi.target_percent, kpi.direction))
                        for v in values
                    ),
                )
            )
        return Table(
            key="kpis",
            title=f"{self.columns[1]} KPI performance",
            columns=("KPI", "Target", *self.columns),
            rows=tuple(rows),
            has_total=False,
            notes=(
                "Green: target met or exceeded. Amber: within 10% of meeting the target. "
                "Red: outside 10% of meeting the target.",
                BASIS_KPIS,
                *self._policy_kpi_notes(),
            )
            + (
                (
                    f"{self.columns[0]} figures for {len(from_baseline)} KPIs are baseline "
                    "figures, not cases.",
                )
                if from_baseline
                else ()
            ),
            baseline_columns=(self.columns[0],) if from_baseline else (),
            baseline_rows=tuple((kpi.label, "", kpi.procedure.value) for kpi in self.ref.kpis),
        )

    def _policy_kpi_notes(self) -> tuple[str, ...]:
        """Where a timescale KPI's procedure has policy versions: each case is measured
        against the response time of the version it follows, whatever the KPI's label
        says, and the note names the versions the years' responses followed."""
        notes = []
        for procedure in dict.fromkeys(
            k.procedure.value for k in self.ref.kpis if k.measure == "in_timescale"
        ):
            if not self.ref.policies.has(procedure):
                continue
            used = set(self.closed.loc[self.closed["procedure"] == procedure, "policy"])
            names = [v.name for v in self.ref.policies.versions(procedure) if v.id in used]
            if not names:
                continue
            notes.append(
                f"{Procedure(procedure).label} timescale KPIs measure each response against "
                "the response time of the procedure policy its case follows (the version "
                "in force on the day it was received): " + "; ".join(names) + "."
            )
        return tuple(notes)

    # -- the Ombudsman -------------------------------------------------------------------

    def area_of(self, frame: pd.DataFrame) -> pd.Series:
        corporate = CORPORATE_AREA + frame["directorate"].fillna("Not recorded")
        return frame["procedure"].map(AREA_LABELS).fillna(corporate)

    def lgsco_areas(self, procedures: Sequence[str]) -> list[str]:
        """The areas the Ombudsman tables have a row for (the corporate subtotal and the
        total are added from them)."""
        areas = [AREA_LABELS[p] for p in ("children", "adult") if p in procedures]
        if "corporate" in procedures:
            areas += [CORPORATE_AREA + d for d in self.ref.directorates]
        return areas

    def area_table(
        self,
        key: str,
        title: str,
        procedures: Sequence[str],
        measures: Sequence[tuple[str, Format]],
        values: Callable[[_Year], pd.DataFrame],
        notes: Sequence[str],
        shares: Mapping[str, tuple[str, str]] | None = None,
    ) -> Table:
        """An Ombudsman table: a row per area, the corporate subtotal and the total, and
        for each year the ``measures`` (``values(year)``: a frame indexed by area with a
        column per measure). Where the previous year has no cases of an area's
        procedure, its figures come from baseline figures when loaded. ``shares`` are
        measures worked out from two others (a percentage) on every row."""
        shares = shares or {}
        areas = self.lgsco_areas(procedures)
        counted = [m for m, _ in measures if m not in shares]
        per_year: list[pd.DataFrame] = []
        from_baseline: list[str] = []
        for index, year in enumerate(self.years):
            frame = values(year).reindex(columns=counted).fillna(0)
            keep = np.array([_area_procedure(str(a)) in procedures for a in frame.index], bool)
            frame = frame.loc[keep].copy()
            if index == 0:
                for area in areas:
                    figures = self.fallback(key, _area_procedure(area))
                    if figures is None:
                        continue
                    from_baseline.append(area)
                    frame.loc[area] = [figures.get((area, m), 0.0) for m in counted]
            per_year.append(frame)
        shown = areas + [a for f in per_year for a in f.index if a not in areas and f.loc[a].any()]
        shown = list(dict.fromkeys(shown))
        rows: list[tuple[Cell, ...]] = []

        def sums(frame: pd.DataFrame, which: Callable[[str], bool]) -> pd.Series:
            chosen = frame.loc[np.array([which(str(a)) for a in frame.index], bool)]
            return chosen.sum(axis=0) if not chosen.empty else pd.Series(0.0, index=counted)

        def one(area: str) -> Callable[[str], bool]:
            return lambda name: name == area

        ordered = [a for a in shown if not a.startswith(CORPORATE_AREA)] + [
            a for a in shown if a.startswith(CORPORATE_AREA)
        ]
        labels: list[tuple[str, Callable[[str], bool]]] = [(a, one(a)) for a in ordered]
        if "corporate" in procedures:
            labels.append((CORPORATE_SUBTOTAL, lambda name: name.startswith(CORPORATE_AREA)))
        labels.append(("Total", lambda name: True))
        for label, which in labels:
            cells: list[Cell] = [Cell(label, Format.TEXT)]
            for frame in per_year:
                row = sums(frame, which)
                for measure, fmt in measures:
                    if measure in shares:
                        part, whole = shares[measure]
                        cells.append(Cell(_percent(float(row[part]), float(row[whole])), fmt))
                    elif fmt == Format.MONEY:
                        cells.append(Cell(float(row[measure]), fmt))
                    else:
                        cells.append(Cell(round(float(row[measure])), fmt))
            rows.append(tuple(cells))
        columns = (
            "Area",
            *(f"{year} {measure}" for year in self.columns for measure, _ in measures),
        )
        return Table(
            key,
            title,
            columns,
            tuple(rows),
            notes=tuple(notes) + self.baseline_note(from_baseline),
            baseline_columns=tuple(
                c for c in columns[1:] if from_baseline and c.startswith(self.columns[0])
            ),
            baseline_rows=tuple(
                (area, m, _area_procedure(area)) for area in areas for m in counted
            ),
        )

    def baseline_note(self, areas: Sequence[str]) -> tuple[str, ...]:
        if not areas:
            return ()
        return (
            f"{self.columns[0]} figures for {', '.join(areas)} are baseline figures, not cases.",
        )

    def lgsco_decided(self) -> pd.DataFrame:
        decided = self.d.lgsco.merge(
            self.stages[["stage_id", "case_id", "procedure", "directorate"]],
            on="stage_id",
            how="inner",
        )
        decided["area"] = self.area_of(decided)
        return decided

    def lgsco(self, procedures: Sequence[str]) -> Section:
        areas = self.lgsco_areas(procedures)
        chosen_complaints = self.complaints[self.complaints["procedure"].isin(procedures)]
        chosen_stages = self.stages[self.stages["procedure"].isin(procedures)]

        # Complaints sent to the Ombudsman, by the date of its enquiry.
        def sent(year: _Year) -> pd.DataFrame:
            enquiries = self.requested_in(chosen_stages, year)
            enquiries = enquiries[enquiries["stage"] == StageCode.LGSCO.value]
            enquiries = enquiries.drop_duplicates("case_id")
            received = self.received(chosen_complaints, year)
            return pd.DataFrame(
                {
                    "sent to the LGSCO": self.area_of(enquiries).value_counts(),
                    "complaints": self.area_of(received).value_counts(),
                }
            )

        decided = self.lgsco_decided()
        decided = decided[decided["procedure"].isin(procedures)]
        order = [d.value for d in DECISION_ORDER]
        decision_labels = {d.value: d.label for d in LgscoDecision}

        # Decisions by area, by the date of the decision: a row per area and decision.
        decision_counts: list[dict[str, pd.Series]] = []
        from_baseline: list[str] = []
        for index, year in enumerate(self.years):
            frame = decided[year.within(decided["decision_on"])]
            counts: dict[str, pd.Series] = {
                str(area): group["decision"].value_counts() for area, group in frame.groupby("area")
            }
            if index == 0:
                for area in areas:
                    figures = self.fallback("lgsco_decisions", _area_procedure(area))
                    if figures is None:
                        continue
                    from_baseline.append(area)
                    by_label = {label: value for (label, _), value in figures.items()}
                    counts[area] = pd.Series(
                        {
                            code: by_label.get(f"{area}: {decision_labels[code]}", 0.0)
                            for code in order
                        }
                    )
            decision_counts.append(counts)
        decision_rows: list[tuple[Cell, ...]] = []
        shown = areas + sorted(
            {a for c in decision_counts for a in c if a not in areas and c[a].sum()}
        )

        def block(name: str, series: list[pd.Series]) -> None:
            if not any(int(s.sum()) for s in series):
                return
            for code in order:
                values = [int(s.get(code, 0)) for s in series]
                if any(values):
                    decision_rows.append(
                        (
                            Cell(f"{name}: {decision_labels[code]}", Format.TEXT),
                            *(Cell(v) for v in values),
                        )
                    )
            decision_rows.append(
                (Cell(f"{name}: total", Format.TEXT), *(Cell(int(s.sum())) for s in series))
            )

        empty = pd.Series(dtype="float64")
        for area in shown:
            block(area, [c.get(area, empty) for c in decision_counts])
        if "corporate" in procedures:
            block(
                CORPORATE_SUBTOTAL,
                [
                    pd.concat([s for a, s in c.items() if a.startswith(CORPORATE_AREA)] or [empty])
                    .groupby(level=0)
                    .sum()
                    for c in decision_counts
                ],
            )
        decision_rows.append(
            (
                Cell("All areas", Format.TEXT),
                *(Cell(int(sum(s.sum() for s in c.values()))) for c in decision_counts),
            )
        )

        # Payments, by the date of the decision.
        def payments(year: _Year) -> pd.DataFrame:
            frame = decided[year.within(decided["decision_on"])]
            pence = frame["pence"].fillna(0).astype(int)
            return pd.DataFrame(
                {
                    "paid": (pence / 100).groupby(frame["area"]).sum(),
                    "complainants paid": (pence > 0).groupby(frame["area"]).sum(),
                }
            )

        # Late remedies by case, by the year the remedy fell due.
        remedies = self.d.remedies.merge(
            decided[["stage_id", "case_id", "area"]], on="stage_id", how="inner"
        )

        def late(year: _Year) -> pd.DataFrame:
            deadline = remedies["deadline"]
            due = remedies[(deadline >= year.start) & (deadline <= self._passed_by(year))]
            completed = due["completed"]
            outstanding = completed.isna() | (completed > year.end)
            late_done = completed.notna() & (
                (completed > due["deadline"]) | due["recorded_late"].astype(bool)
            )
            frame = due.assign(late=outstanding | late_done, outstanding=outstanding)
            cases = frame.groupby(["area", "case_id"])[["late", "outstanding"]].any()
            cases["late"] = cases["late"].astype(int)
            cases["outstanding"] = (cases["outstanding"]).astype(int)
            cases["due"] = 1
            return (
                cases.groupby(level=0)
                .sum()
                .rename(
                    columns={
                        "late": "cases with a late remedy",
                        "outstanding": "still outstanding at the year end",
                        "due": "cases with remedies due",
                    }
                )
            )

        tables = [
            self.area_table(
                "lgsco_sent",
                "Complaints sent to the Ombudsman",
                procedures,
                (
                    ("sent to the LGSCO", Format.COUNT),
                    ("complaints", Format.COUNT),
                    ("share", Format.PERCENT),
                ),
                sent,
                (
                    "By the date of the Ombudsman's enquiry; the share is of all complaints "
                    "received in the area in the year.",
                ),
                shares={"share": ("sent to the LGSCO", "complaints")},
            ),
            Table(
                "lgsco_decisions",
                "Ombudsman decisions by area",
                ("Area and decision", *self.columns),
                tuple(decision_rows),
                notes=(
                    "By the date of the Ombudsman's decision.",
                    *self.baseline_note(from_baseline),
                ),
                baseline_columns=(self.columns[0],) if from_baseline else (),
                baseline_rows=tuple(
                    (f"{area}: {decision_labels[code]}", "", _area_procedure(area))
                    for area in areas
                    for code in order
                ),
            ),
            self.area_table(
                "lgsco_payments",
                "Payments after the Ombudsman's findings",
                procedures,
                (("paid", Format.MONEY), ("complainants paid", Format.COUNT)),
                payments,
                ("By the date of the Ombudsman's decision.",),
            ),
            self.area_table(
                "lgsco_remedies_late",
                "Cases with remedies completed late or still outstanding",
                procedures,
                (
                    ("cases with a late remedy", Format.COUNT),
                    ("still outstanding at the year end", Format.COUNT),
                    ("cases with remedies due", Format.COUNT),
                ),
                late,
                (
                    "By the year the remedy fell due: a case counts once when at least one of "
                    "its remedies due in the year was completed after its deadline, or was "
                    "not completed by the end of the year.",
                ),
            ),
            self.letter_table(decided, remedies),
        ]
        return Section("lgsco", "Local Government and Social Care Ombudsman", tuple(tables))

    def letter_table(self, decided: pd.DataFrame, remedies: pd.DataFrame) -> Table:
        """The measures of the Ombudsman's annual review letter: ours from the cases,
        beside the Ombudsman's own published figures and the average for similar
        authorities where they were entered."""
        decision = decided["decision"]
        upheld = decision.isin([d.value for d in LgscoDecision if d.upheld])
        investigated = decision.isin([d.value for d in LgscoDecision if d.investigated])
        remedy_provided = decision == LgscoDecision.UPHELD_REMEDY_PROVIDED.value
        rows: list[list[Cell]] = [
            [Cell(f"{label}: {source}", Format.TEXT)]
            for label in LETTER_MEASURES
            for source in LETTER_SOURCES
        ]
        for year in self.years:
            in_year = year.within(decided["decision_on"])
            ours = [
                (int((in_year & upheld).sum()), int((in_year & investigated).sum())),
                self._compliance(remedies, year),
                (int((in_year & remedy_provided).sum()), int((in_year & upheld).sum())),
            ]
            published = self.baseline.get(year.year, {}).get(LETTER_KEY, {})
            for index, (label, (part, whole)) in enumerate(zip(LETTER_MEASURES, ours, strict=True)):
                mine, theirs, similar = rows[3 * index : 3 * index + 3]
                mine += [Cell(_percent(part, whole), Format.PERCENT), Cell(whole)]
                theirs += [
                    Cell(published.get((label, LETTER_OMBUDSMAN)), Format.PERCENT),
                    Cell(published.get((label, LETTER_BASE))),
                ]
                similar += [
                    Cell(published.get((label, LETTER_SIMILAR)), Format.PERCENT),
                    Cell(None),
                ]
        return Table(
            LETTER_KEY,
            "Annual review letter measures",
            ("Measure", *(c for year in self.columns for c in (year, f"{year} out of"))),
            tuple(tuple(row) for row in rows),
            has_total=False,
            notes=(
                "Ours: detailed investigations are the decisions upheld or not upheld (not "
                "those closed after initial enquiries, advice or referrals back), by the "
                "date of the decision; compliance is the cases whose remedies were all due "
                "in the year (by the last deadline) with every remedy completed by the year "
                "end; remedies provided by the council are a share of upheld decisions.",
                "The Ombudsman's figures and the average for similar authorities are those "
                "published in its annual review letter, where entered; they cover the whole "
                "council.",
            ),
            baseline_rows=tuple(
                (label, measure, "")
                for label in LETTER_MEASURES
                for measure in (LETTER_OMBUDSMAN, LETTER_BASE, LETTER_SIMILAR)
            ),
        )

    def _passed_by(self, year: _Year) -> np.datetime64:
        """The last deadline of ``year`` that has passed: its end, or (a year not over
        yet) yesterday: a remedy due today is not late until tomorrow."""
        return min(year.end, self.today - np.timedelta64(1, "D"))

    def _compliance(self, remedies: pd.DataFrame, year: _Year) -> tuple[int, int]:
        if remedies.empty:
            return 0, 0
        cases = remedies.groupby("case_id").agg(
            last=("deadline", "max"), done=("completed", "max"), open=("completed", _any_na)
        )
        cases = cases[(cases["last"] >= year.start) & (cases["last"] <= self._passed_by(year))]
        complied = ~cases["open"].astype(bool) & (cases["done"] <= year.end)
        return int(complied.sum()), len(cases)

    def learning(self, procedures: Sequence[str]) -> Section:
        current = self.years[1]
        rows = tuple(
            (
                Cell(str(r.reference), Format.TEXT),
                Cell(str(r.action), Format.TEXT),
                Cell(str(r.evidence or ""), Format.TEXT),
            )
            for r in self.d.learning.itertuples()
            if current.start <= np.datetime64(str(r.done_on)[:10], "D") <= current.end
            and r.procedure in procedures
        )
        return Section(
            "learning",
            "Learning from complaints",
            (
                Table(
                    "learning_examples",
                    "Examples of learning",
                    ("Case", "Action", "Evidence"),
                    rows,
                    has_total=False,
                    notes=("Actions completed in the year.",),
                ),
            ),
        )


def _area_procedure(area: str) -> str:
    for procedure, label in AREA_LABELS.items():
        if area == label:
            return procedure
    return "corporate"


def _any_na(values: pd.Series) -> bool:
    return bool(values.isna().any())


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text.lower()).strip("_")


def rag(value: float | None, target: float, direction: KpiDirection) -> Rag | None:
    """Green: target met. Amber: within 10% of the target. Red: worse."""
    if value is None:
        return None
    if direction == KpiDirection.HIGHER_IS_BETTER:
        if value >= target:
            return Rag.GREEN
        return Rag.AMBER if value >= target * (1 - AMBER_BAND) else Rag.RED
    if value <= target:
        return Rag.GREEN
    return Rag.AMBER if value <= target * (1 + AMBER_BAND) else Rag.RED


# --------------------------------------------------------------------------- entry


def load_baseline(session: Session, *years: int) -> Baseline:
    """The baseline figures loaded for the years (the Ombudsman's published figures
    among them)."""
    baseline: Baseline = {}
    for row in session.scalars(
        sa.select(BaselineFigure).where(BaselineFigure.financial_year.in_(years))
    ):
        table = baseline.setdefault(row.financial_year, {}).setdefault(row.table_key, {})
        table[(row.row_label, row.measure)] = row.value
    return baseline


def commentary(session: Session, year: int, section: str) -> str:
    setting = session.get(Setting, COMMENTARY_KEY.format(year=year, section=section))
    return setting.value if setting else ""


KPI_STEPS = 3


def annual_kpis(
    session: Session, year: int, progress: Callable[[int, int, str], None] | None = None
) -> Table:
    """Only the KPI table of the annual report (the dashboard's figures), computed the
    same way but without the data the other tables need. ``progress(done, total, text)``
    hears of each of the :data:`KPI_STEPS` steps (it may raise to stop the work)."""
    step = progress or (lambda _done, _total, _text: None)
    start = FinancialYear(year - 1).start
    end = FinancialYear(year).end
    years = f"{FinancialYear(year - 1).label} and {FinancialYear(year).label}"
    step(0, KPI_STEPS, f"Reading the cases and stages of {years}…")
    data = _load(session, start, end, only_cases_and_stages=True)
    step(1, KPI_STEPS, "Reading the reference data, closure days and targets…")
    builder = _Builder(
        data,
        _reference(session),
        working_calendar(session),
        year,
        load_baseline(session, year - 1, year),
    )
    step(2, KPI_STEPS, f"Working out the KPIs from {len(data.cases):,} cases…")
    return builder.kpis()


def annual_report(
    session: Session,
    year: int,
    procedures: Sequence[Procedure] | None = None,
    now: dt.datetime | None = None,
) -> AnnualReport:
    """Every table of the annual report for the financial year ``year`` (and the one before)."""
    chosen = tuple(procedures or tuple(Procedure))
    start = FinancialYear(year - 1).start
    end = FinancialYear(year).end
    data = _load(session, start, end)
    builder = _Builder(
        data,
        _reference(session),
        working_calendar(session),
        year,
        load_baseline(session, year - 1, year),
        (now or dt.datetime.now()).date(),
    )
    sections: list[Section] = []
    for procedure, make in (
        (Procedure.CHILDREN, builder.children),
        (Procedure.ADULT, builder.adult),
        (Procedure.CORPORATE, builder.corporate),
    ):
        if procedure in chosen:
            sections.append(make())
    kpis = builder.kpis()
    kpi_rows = tuple(
        row for row, kpi in zip(kpis.rows, builder.ref.kpis, strict=True) if kpi.procedure in chosen
    )
    sections.append(
        Section(
            "kpis",
            "Key performance indicators",
            (
                dataclasses.replace(
                    kpis,
                    rows=kpi_rows,
                    baseline_rows=tuple(r for r in kpis.baseline_rows if Procedure(r[2]) in chosen),
                ),
            ),
        )
    )
    sections.append(builder.lgsco([p.value for p in chosen]))
    sections.append(builder.learning([p.value for p in chosen]))
    sections = [
        Section(s.key, s.title, s.tables, commentary(session, year, s.key)) for s in sections
    ]
    # Equality monitoring (optional; small cells suppressed), with its own commentary.
    from crm_desktop.reports.equality import equality_section

    sections.append(equality_section(session, year, chosen))
    council = session.get(Setting, COUNCIL_NAME_KEY)
    from crm_desktop.db.audit import chain_head, describe_head

    return AnnualReport(
        year=year,
        procedures=tuple(p.value for p in chosen),
        generated_at=now or dt.datetime.now(),
        council_name=council.value if council else "",
        sections=tuple(sections),
        # What the figures were made from: `audit verify --witness` can check it later.
        notes=(f"Made from {describe_head(chain_head(session))}.",),
    )
