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
  less the suspended days, and a bucket "within N" holds the responses that took at
  most N (after the bucket before it).
- KPI RAG: green when the target is met, amber when within 10% of the target (relative:
  90% of the target for "higher is better", 110% for "lower is better"), red otherwise.
- Where the previous year has no cases of a procedure, its columns come from baseline
  figures when they were loaded, and are marked as baseline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
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
    CaseServiceCategory,
    ComplaintPoint,
    Directorate,
    KpiDefinition,
    LgscoDetail,
    LgscoPayment,
    LgscoRemedy,
    Nature,
    OutcomeCode,
    ReportBucket,
    ServiceArea,
    ServiceCategory,
    Setting,
    Stage,
    Team,
)
from crm_desktop.domain.calendar import WorkingCalendar
from crm_desktop.domain.deadlines import working_days_taken_array
from crm_desktop.domain.enums import (
    KpiDirection,
    LgscoDecision,
    Procedure,
    StageCode,
    TimescaleUnit,
)
from crm_desktop.domain.financial_year import FinancialYear
from crm_desktop.domain.statutory import (
    STATUTORY_PROCEDURES,
    calendar_for,
    six_months_beginning_with,
)
from crm_desktop.reports.model import (
    AnnualReport,
    Cell,
    Format,
    Rag,
    Section,
    Table,
)
from crm_desktop.services.calendar_service import working_calendar
from crm_desktop.services.procedure_policies import PolicyBook, policy_book

COUNCIL_NAME_KEY = "council.name"
COMMENTARY_KEY = "report.commentary.{year}.{section}"
AMBER_BAND = 0.10


# --------------------------------------------------------------------------- data


@dataclass
class _Data:
    """Everything the report needs, loaded once for both years."""

    cases: pd.DataFrame  # complaints, compliments and comments received in either year
    stages: pd.DataFrame  # every stage of every case (closed in either year or not)
    points: pd.DataFrame  # complaint points of the cases
    categories: pd.DataFrame  # adult service categories of the cases
    lgsco: pd.DataFrame  # Ombudsman stages with decision, payments and late remedies
    learning: pd.DataFrame  # action items marked as learning examples


def _frame(session: Session, statement: sa.Select[*tuple[object, ...]]) -> pd.DataFrame:
    result = session.execute(statement)
    return pd.DataFrame(result.all(), columns=list(result.keys()))


def _as_dates(frame: pd.DataFrame, *columns: str) -> None:
    for column in columns:
        frame[column] = pd.to_datetime(frame[column]).to_numpy(dtype="datetime64[D]")


def _load(
    session: Session, start: dt.date, end: dt.date, only_cases_and_stages: bool = False
) -> _Data:
    directorate = sa.orm.aliased(Directorate)
    cases = _frame(
        session,
        sa.select(
            Case.id.label("case_id"),
            sa.type_coerce(Case.kind, sa.String()).label("kind"),
            sa.type_coerce(Case.procedure, sa.String()).label("procedure"),
            Case.received_on.label("received"),
            directorate.name.label("directorate"),
            ServiceArea.name.label("service_area"),
            Team.name.label("team"),
        )
        .outerjoin(directorate, directorate.id == Case.directorate_id)
        .outerjoin(ServiceArea, ServiceArea.id == Case.service_area_id)
        .outerjoin(Team, Team.id == Case.team_id)
        .where(
            Case.received_on.between(start, end)
            | Case.id.in_(sa.select(Stage.case_id).where(Stage.closed_on.between(start, end)))
        ),
    )
    _as_dates(cases, "received")
    ids = sa.select(Case.id).where(
        Case.received_on.between(start, end)
        | Case.id.in_(sa.select(Stage.case_id).where(Stage.closed_on.between(start, end)))
    )
    stages = _frame(
        session,
        sa.select(
            Stage.id.label("stage_id"),
            Stage.case_id,
            sa.type_coerce(Stage.stage, sa.String()).label("stage"),
            Stage.started_on.label("started"),
            Stage.closed_on.label("closed"),
            sa.type_coerce(Stage.outcome, sa.String()).label("outcome"),
            Stage.suspended_days,
            Stage.agreed_period_ends_on.label("agreed_until"),
        ).where(Stage.case_id.in_(ids)),
    )
    _as_dates(stages, "started", "closed", "agreed_until")
    if only_cases_and_stages:
        # The KPIs need nothing else (the dashboard asks for them often).
        empty = pd.DataFrame()
        return _Data(cases, stages, empty, empty, empty, empty)
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
    late = (
        sa.select(sa.func.count())
        .where(LgscoRemedy.stage_id == LgscoDetail.stage_id, LgscoRemedy.late.is_(True))
        .scalar_subquery()
    )
    remedies = (
        sa.select(sa.func.count()).where(LgscoRemedy.stage_id == LgscoDetail.stage_id)
    ).scalar_subquery()
    lgsco = _frame(
        session,
        sa.select(
            LgscoDetail.stage_id,
            sa.type_coerce(LgscoDetail.decision, sa.String()).label("decision"),
            LgscoDetail.decision_on,
            (sa.func.coalesce(LgscoDetail.imported_payment_pence, 0) + payments).label("pence"),
            late.label("late_remedies"),
            remedies.label("remedies"),
        )
        .join(Stage, Stage.id == LgscoDetail.stage_id)
        .where(Stage.case_id.in_(ids)),
    )
    _as_dates(lgsco, "decision_on")
    learning = _frame(
        session,
        sa.select(
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
    return _Data(cases, stages, points, categories, lgsco, learning)


# ------------------------------------------------------------------------- helpers


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
        policies=policy_book(session),
    )


# ------------------------------------------------------------------------ builder


class _Builder:
    def __init__(
        self,
        data: _Data,
        reference: _Reference,
        calendar: WorkingCalendar,
        year: int,
        baseline: dict[tuple[str, str], dict[str, float]],
    ) -> None:
        self.d = data
        self.ref = reference
        self.cal = calendar
        self.statutory_cal = calendar_for(Procedure.CHILDREN)
        self.years = (_Year.of(year - 1), _Year.of(year))
        self.columns = (FinancialYear(year - 1).label, FinancialYear(year).label)
        self.baseline = baseline
        cases = data.cases
        self.complaints = cases[cases["kind"] == "complaint"]
        stages = data.stages.merge(
            cases[["case_id", "kind", "procedure", "received", "directorate", "service_area"]],
            on="case_id",
            how="inner",
        )
        self.stages = stages[stages["kind"] == "complaint"]
        self.closed = self._with_taken(self.stages[self.stages["closed"].notna()])

    # -- working days --------------------------------------------------------------

    def _with_taken(self, stages: pd.DataFrame) -> pd.DataFrame:
        stages = stages[stages["started"].notna()].copy()
        if stages.empty:
            stages["taken"] = pd.Series(dtype="int64")
            stages["policy"] = pd.Series(dtype="int64")
            stages["policy_days"] = pd.Series(dtype="float64")
            return stages
        starts = stages["started"].to_numpy().astype("datetime64[D]")
        closed = stages["closed"].to_numpy().astype("datetime64[D]")
        ends = np.maximum(closed, starts)
        # Each procedure's clocks count in its own calendar: the statutory ones count
        # closure days as working days (domain.statutory).
        statutory = stages["procedure"].isin([p.value for p in STATUTORY_PROCEDURES]).to_numpy()
        taken = np.zeros(len(stages), dtype=np.int64)
        for mask, cal in ((~statutory, self.cal), (statutory, self.statutory_cal)):
            if mask.any():
                taken[mask] = working_days_taken_array(cal, starts[mask], ends[mask])
        stages["taken"] = taken - stages["suspended_days"].fillna(0).to_numpy().astype(np.int64)
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

    def received(self, frame: pd.DataFrame, year: _Year) -> pd.DataFrame:
        return frame[year.within(frame["received"])]

    def closed_in(self, frame: pd.DataFrame, year: _Year) -> pd.DataFrame:
        return frame[year.within(frame["closed"])]

    def per_year(self, count: Callable[[_Year], pd.Series]) -> list[pd.Series]:
        return [count(year) for year in self.years]

    def baseline_for(self, procedure: str, key: str) -> dict[str, float] | None:
        """Baseline figures for the previous year, when it has no cases of the procedure."""
        previous = self.years[0]
        has_cases = bool(
            (self.received(self.d.cases, previous)["procedure"] == procedure).any()
        ) or bool((self.closed_in(self.closed, previous)["procedure"] == procedure).any())
        if has_cases:
            return None
        return self.baseline.get((procedure, key))

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
        baseline = self.baseline_for(procedure, key)
        baseline_columns: tuple[str, ...] = ()
        if baseline is not None:
            counts[0] = pd.Series(
                {k: v for k, v in baseline.items() if k != "Total"}, dtype="float64"
            )
            baseline_columns = (self.columns[0],)
        return Table(
            key=key,
            title=title,
            columns=(header, *self.columns),
            rows=_count_rows(names, counts, total_label="Total" if total else None),
            chart=chart,
            accepts_baseline=True,
            notes=tuple(notes)
            + (
                (f"{self.columns[0]} figures are baseline figures, not cases.",)
                if baseline_columns
                else ()
            ),
            baseline_columns=baseline_columns,
        )

    def outcome_table(self, key: str, title: str, procedure: str, codes: Sequence[str]) -> Table:
        labels = dict(self.ref.outcomes)

        def count(year: _Year) -> pd.Series:
            stages = self.closed_in(self.closed, year)
            stages = stages[(stages["procedure"] == procedure) & stages["stage"].isin(codes)]
            return stages["outcome"].map(labels).value_counts()

        return self.table(
            key, title, "Outcome", procedure, [label for _, label in self.ref.outcomes], count
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
        for index, (label, _) in enumerate(buckets):
            rows.append(
                (Cell(label, Format.TEXT), *(Cell(v[index], Format.PERCENT) for v in values))
            )
        if average:
            rows.append(
                (
                    Cell("Average response time (working days)", Format.TEXT),
                    *(Cell(a, Format.DAYS) for a in averages),
                )
            )
        rows.append((Cell("Responses", Format.TEXT), *(Cell(t, Format.COUNT) for t in totals)))
        return Table(
            key=key,
            title=title,
            columns=("Timescale", *self.columns),
            rows=tuple(rows),
            has_total=False,
            notes=(
                "Working days from the start of the stage to the response, less any "
                "time the clock was suspended.",
                *(
                    (
                        f"Every response here follows '{by_policy[0][1]}', the procedure "
                        "policy in force on the day its case was received; its clock starts "
                        "as that policy says.",
                    )
                    if by_policy
                    else ()
                ),
            ),
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
                "Working days from the start of the stage to the response, less any "
                "time the clock was suspended.",
                "These responses follow different procedure policies: each case is measured "
                "against the policy in force on the day it was received, in that policy's "
                "own timescales (shares are of that policy's responses).",
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
            stages = self.received(self.stages, year)
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
                ),
                self.table(
                    "children_by_team",
                    "Complaints by team",
                    "Children Services Team",
                    p,
                    self.ref.teams[p],
                    by_team,
                    notes=("Complaints that go through more than one stage are counted once.",),
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
                self.compliments_table("children_compliments", p),
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
            notes=("Each complaint point is counted, so a complaint may count more than once.",),
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
            stages = self.received(self.stages, year)
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
                ),
                self.table(
                    "adult_by_service_area",
                    "Number of complaints by service area",
                    "Service Area",
                    p,
                    self.ref.complaint_areas[p],
                    by_area,
                ),
                self.table(
                    "adult_by_service_category",
                    "Number of complaints by service",
                    "Service",
                    p,
                    self.ref.categories,
                    by_category,
                    notes=("A complaint may concern more than one service.",),
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
                self.compliments_table("adult_compliments", p),
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
                    closed <= self._months_due(started, kpi.threshold_days, agreed)
                    for started, closed, agreed in zip(
                        stages["started"].dt.date,
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
        cases = self.received(self.stages, year)
        cases = cases[cases["procedure"] == procedure]
        if directorate is not None:
            cases = cases[cases["directorate"] == directorate]
        has = cases.groupby("case_id")["stage"].agg(set)
        if kpi.measure == "progressed_to_next_stage":
            assert kpi.stage is not None
            from crm_desktop.domain.workflow import NEXT_STAGE

            following = NEXT_STAGE[kpi.procedure].get(kpi.stage)
            first, then = kpi.stage.value, following.value if following else None
            base = has[[first in stages for stages in has]]
            if then is None or base.empty:
                return None
            return _percent(sum(then in stages for stages in base), len(base))
        if kpi.measure == "progressed_to_lgsco":
            if has.empty:
                return None
            return _percent(sum("lgsco" in stages for stages in has), len(has))
        raise ValueError(f"unknown KPI measure {kpi.measure!r}")

    def _months_due(self, started: dt.date, months: int, agreed: Any) -> dt.date:
        due = six_months_beginning_with(started, months)
        if agreed is not None and not pd.isna(agreed):
            return max(due, pd.Timestamp(agreed).date())
        return due

    def kpis(self) -> Table:
        rows = []
        for kpi in self.ref.kpis:
            values = [self.kpi_value(kpi, year) for year in self.years]
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
                *self._policy_kpi_notes(),
            ),
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
        labels = {
            "children": "Children's social care",
            "adult": "Adult social care",
        }
        corporate = "Corporate: " + frame["directorate"].fillna("Not recorded")
        return frame["procedure"].map(labels).fillna(corporate)

    def lgsco(self, procedures: Sequence[str]) -> Section:
        areas = [
            label
            for procedure, label in (
                ("children", "Children's social care"),
                ("adult", "Adult social care"),
            )
            if procedure in procedures
        ]
        if "corporate" in procedures:
            areas += [f"Corporate: {d}" for d in self.ref.directorates]

        def pair_columns(*names: str) -> tuple[str, ...]:
            return ("Area", *(f"{year} {name}" for year in self.columns for name in names))

        # Complaints sent to the Ombudsman, by the date each complaint was received.
        sent_rows = []
        per_year: list[tuple[pd.Series, pd.Series]] = []
        for year in self.years:
            complaints = self.received(self.complaints, year)
            lgsco_cases = self.received(self.stages, year)
            lgsco_cases = lgsco_cases[lgsco_cases["stage"] == "lgsco"].drop_duplicates("case_id")
            per_year.append(
                (self.area_of(lgsco_cases).value_counts(), self.area_of(complaints).value_counts())
            )
        for area in [*areas, "Total"]:
            cells: list[Cell] = [Cell(area, Format.TEXT)]
            for sent, received in per_year:
                n = int(sent.sum()) if area == "Total" else int(sent.get(area, 0))
                whole = int(received.sum()) if area == "Total" else int(received.get(area, 0))
                cells += [Cell(n), Cell(whole), Cell(_percent(n, whole), Format.PERCENT)]
            sent_rows.append(tuple(cells))

        # Decisions, payments and late remedies, by the date of the decision.
        decided = self.d.lgsco.merge(
            self.stages[["stage_id", "procedure", "directorate"]], on="stage_id", how="inner"
        )
        decided["area"] = self.area_of(decided)
        decision_labels = {d.value: d.label for d in LgscoDecision}
        decision_rows: list[tuple[Cell, ...]] = []
        year_totals = [0, 0]
        for area in areas:
            counts = [
                decided[year.within(decided["decision_on"]) & (decided["area"] == area)]["decision"]
                .map(decision_labels)
                .value_counts()
                for year in self.years
            ]
            if not any(int(c.sum()) for c in counts):
                continue
            for label in decision_labels.values():
                values = [int(c.get(label, 0)) for c in counts]
                if any(values):
                    decision_rows.append(
                        (Cell(f"{area}: {label}", Format.TEXT), *(Cell(v) for v in values))
                    )
            totals = [int(c.sum()) for c in counts]
            decision_rows.append((Cell(f"{area}: total", Format.TEXT), *(Cell(v) for v in totals)))
            year_totals = [a + b for a, b in zip(year_totals, totals, strict=True)]
        decision_rows.append((Cell("All areas", Format.TEXT), *(Cell(v) for v in year_totals)))

        pay_rows = []
        late_rows = []
        for area in [*areas, "Total"]:
            pay: list[Cell] = [Cell(area, Format.TEXT)]
            late: list[Cell] = [Cell(area, Format.TEXT)]
            for year in self.years:
                frame = decided[year.within(decided["decision_on"])]
                if area != "Total":
                    frame = frame[frame["area"] == area]
                pence = frame["pence"].fillna(0).astype(int)
                pay += [Cell(int(pence.sum()) / 100, Format.MONEY), Cell(int((pence > 0).sum()))]
                late += [
                    Cell(int(frame["late_remedies"].sum())),
                    Cell(int(frame["remedies"].sum())),
                ]
            pay_rows.append(tuple(pay))
            late_rows.append(tuple(late))
        return Section(
            "lgsco",
            "Local Government and Social Care Ombudsman",
            (
                Table(
                    "lgsco_sent",
                    "Complaints sent to the Ombudsman",
                    pair_columns("sent to the LGSCO", "complaints", "share"),
                    tuple(sent_rows),
                    notes=(
                        "By the date the complaint was received; the share is of all "
                        "complaints received in the area.",
                    ),
                ),
                Table(
                    "lgsco_decisions",
                    "Ombudsman decisions by area",
                    ("Area and decision", *self.columns),
                    tuple(decision_rows),
                    notes=("By the date of the Ombudsman's decision.",),
                ),
                Table(
                    "lgsco_payments",
                    "Payments after the Ombudsman's findings",
                    pair_columns("paid", "complainants paid"),
                    tuple(pay_rows),
                ),
                Table(
                    "lgsco_remedies_late",
                    "Remedies completed late",
                    pair_columns("late", "remedies"),
                    tuple(late_rows),
                    notes=("Remedies agreed after the decisions made in the year.",),
                ),
            ),
        )

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
                ),
            ),
        )


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


def load_baseline(session: Session, year: int) -> dict[tuple[str, str], dict[str, float]]:
    baseline: dict[tuple[str, str], dict[str, float]] = {}
    for row in session.scalars(
        sa.select(BaselineFigure).where(BaselineFigure.financial_year == year)
    ):
        baseline.setdefault((row.procedure.value, row.table_key), {})[row.row_label] = row.value
    return baseline


def commentary(session: Session, year: int, section: str) -> str:
    setting = session.get(Setting, COMMENTARY_KEY.format(year=year, section=section))
    return setting.value if setting else ""


def annual_kpis(session: Session, year: int) -> Table:
    """Only the KPI table of the annual report (the dashboard's figures), computed the
    same way but without the data the other tables need."""
    start = FinancialYear(year - 1).start
    end = FinancialYear(year).end
    data = _load(session, start, end, only_cases_and_stages=True)
    builder = _Builder(
        data, _reference(session), working_calendar(session), year, load_baseline(session, year - 1)
    )
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
        data, _reference(session), working_calendar(session), year, load_baseline(session, year - 1)
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
            (Table(kpis.key, kpis.title, kpis.columns, kpi_rows, False, kpis.notes),),
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
