"""The annual report's counts and timescales against figures worked out here, apart from
the program, for a generated import file.

The file (IMPORT_FORMAT.md) holds children's and corporate complaints over three
financial years, their responses falling on, just before and just after the last day in
time, across bank holidays, some with suspended working days. The figures are counted
here from the file with nothing of the program's: working days are Monday to Friday less
England and Wales's bank holidays (the ``holidays`` package) and Christmas Day (PRODUCT.md,
"Working days"); the days a response took are the fewest N with the N-th working day
after the stage started on or after the day it was sent, less the suspended days;
Stage 1 counts in the year its case was received, Stage 2 in the year it was asked for,
and the timescale tables in the year the stage closed (IMPORT_FORMAT.md).
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path

import holidays
import pytest

from crm_desktop.cli import main
from crm_desktop.db.database import open_database
from crm_desktop.reports.figures import annual_report
from crm_desktop.reports.model import AnnualReport

D = dt.date
FIRST, LAST = D(2022, 4, 1), D(2025, 3, 31)
CLOSED_DAYS = set(holidays.country_holidays("GB", subdiv="ENG", years=range(2021, 2027)))
CLOSED_DAYS |= {D(year, 12, 25) for year in range(2021, 2027)}
COLUMNS = (
    "reference",
    "kind",
    "procedure",
    "received",
    "directorate",
    "service_area",
    "stage",
    "stage_started",
    "stage_closed",
    "outcome",
    "suspended_working_days",
)


def is_working(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in CLOSED_DAYS


def nth_working_day_after(day: dt.date, n: int) -> dt.date:
    while n > 0:
        day += dt.timedelta(days=1)
        n -= is_working(day)
    return day


def days_taken(started: dt.date, sent: dt.date, suspended: int) -> int:
    n = 0
    while nth_working_day_after(started, n) < sent:
        n += 1
    return n - suspended


def financial_year(day: dt.date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def generated_rows(seed: int = 16, cases: int = 200) -> Iterator[dict[str, str]]:
    """Stage rows of complaints, each stage answered around its last day in time."""
    rng = random.Random(seed)
    for n in range(cases):
        procedure = rng.choice(("children", "corporate"))
        received = FIRST + dt.timedelta(days=rng.randrange((LAST - FIRST).days))
        limits = (10, 25) if procedure == "children" else (20, 25)
        case = {
            "reference": f"IND-{n:04d}",
            "kind": "complaint",
            "procedure": procedure,
            "received": received.isoformat(),
            "directorate": "COaCH" if procedure == "corporate" else "",
            "service_area": "Contact Centre" if procedure == "corporate" else "Through Care",
        }
        started, stage = received, 1
        while stage <= 2:
            suspended = rng.choice((0, 0, 0, 2, 5)) if stage == 2 else 0
            # A working day or two before or after the last day in time, or on it; now and
            # then a calendar day later still (a weekend's day included).
            margin = rng.choice((-2, -1, -1, 0, 0, 0, 1, 1, 2, 8, 25))
            sent = nth_working_day_after(started, limits[stage - 1] + suspended + margin)
            if rng.random() < 0.1:
                sent += dt.timedelta(days=1)
            still_open = rng.random() < 0.08 or sent > D(2025, 3, 31)
            yield {
                **case,
                "stage": str(stage),
                "stage_started": started.isoformat(),
                "stage_closed": "" if still_open else sent.isoformat(),
                "outcome": "" if still_open else rng.choice(("upheld", "not upheld")),
                "suspended_working_days": str(suspended),
            }
            if still_open or rng.random() < 0.6:
                break
            started, stage = sent + dt.timedelta(days=rng.randrange(1, 15)), stage + 1


def _row(report: AnnualReport, key: str, label: str) -> object:
    """The current year's figure of ``label`` in table ``key``."""
    for row in report.table(key).rows:
        if row[0].value == label:
            return row[-1].value
    raise KeyError(f"{key}: no row {label!r}")


def _percent(part: int, whole: int) -> float | None:
    return None if not whole else 100.0 * part / whole


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    return list(generated_rows())


@pytest.mark.parametrize("year", [2022, 2023, 2024])
def test_counts_and_timescales_agree_with_figures_worked_out_apart(
    migrated_sqlite_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    rows: list[dict[str, str]],
    year: int,
) -> None:
    path = tmp_path / "cases.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    assert main(["--database", migrated_sqlite_url, "import", "cases", str(path)]) == 0, (
        capsys.readouterr().err
    )
    database = open_database(migrated_sqlite_url)
    try:
        with database.session() as session:
            report = annual_report(session, year)
    finally:
        database.dispose()

    def stages(procedure: str, stage: str) -> list[dict[str, str]]:
        return [r for r in rows if r["procedure"] == procedure and r["stage"] == stage]

    def closed_in_year(procedure: str, stage: str) -> list[int]:
        return [
            days_taken(
                D.fromisoformat(r["stage_started"]),
                D.fromisoformat(r["stage_closed"]),
                int(r["suspended_working_days"]),
            )
            for r in stages(procedure, stage)
            if r["stage_closed"] and financial_year(D.fromisoformat(r["stage_closed"])) == year
        ]

    received = [
        r for r in stages("children", "1") if financial_year(D.fromisoformat(r["received"])) == year
    ]
    asked = [
        r
        for r in stages("children", "2")
        if financial_year(D.fromisoformat(r["stage_started"])) == year
    ]
    expected: dict[tuple[str, str], object] = {
        ("children_received_by_stage", "Local / Stage 1 Complaints"): len(received),
        ("children_received_by_stage", "Formal / Stage 2 Complaints"): len(asked),
    }
    for stage, buckets in (("1", (20, 40)), ("2", (25, 65))):
        taken = closed_in_year("children", stage)
        first, second = buckets
        key = f"children_stage{stage}_timescales"
        expected[(key, f"Within {first} working days")] = _percent(
            sum(t <= first for t in taken), len(taken)
        )
        expected[(key, f"Within {second} working days")] = _percent(
            sum(first < t <= second for t in taken), len(taken)
        )
        expected[(key, "Responses")] = len(taken)
    for stage, limit in (("1", 20), ("2", 25)):
        taken = closed_in_year("corporate", stage)
        key = f"corporate_stage{stage}_timescales"
        expected[(key, f"Within {limit} days")] = _percent(
            sum(t <= limit for t in taken), len(taken)
        )
        expected[(key, f"After {limit} days")] = _percent(sum(t > limit for t in taken), len(taken))
        expected[(key, "Responses")] = len(taken)
    found = {(key, label): _row(report, key, label) for key, label in expected}
    assert found == pytest.approx(expected)


def test_the_file_answers_stages_on_and_either_side_of_their_last_day(
    rows: list[dict[str, str]],
) -> None:
    """What the comparison above rests on: responses on the last day in time, and a
    working day either side of it, in every procedure."""
    limits = {("children", "1"): 10, ("children", "2"): 25, ("corporate", "1"): 20}
    limits[("corporate", "2")] = 25
    for (procedure, stage), limit in limits.items():
        margins = [
            days_taken(
                D.fromisoformat(r["stage_started"]),
                D.fromisoformat(r["stage_closed"]),
                int(r["suspended_working_days"]),
            )
            - limit
            for r in rows
            if (r["procedure"], r["stage"]) == (procedure, stage) and r["stage_closed"]
        ]
        assert {-1, 0, 1} <= set(margins), (procedure, stage)
