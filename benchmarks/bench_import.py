"""Timing of the historical case import: a generated 10,000-row CSV into a fresh SQLite file.

    python benchmarks/bench_import.py

Three figures: the dry run (reading and checking the whole file against the database,
nothing written), the real import (check and write in one transaction, every row
recorded in the audit trail), and reading the file alone. Each import goes into a new
SQLite file in a temporary folder. ``CRM_BENCH_IMPORT_ROWS`` changes the row count.

The file is made deterministically from the default reference data: every procedure,
later stages, Ombudsman rows with decisions and payments, suspensions, compliments and
comments, several natures per complaint.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from common import Row, best_of, print_table

ROWS_ENV = "CRM_BENCH_IMPORT_ROWS"
DEFAULT_ROWS = 10_000
SEED = 1
TODAY = dt.date(2025, 3, 31)
FIRST_DAY = dt.date(2019, 4, 1)
TARGET = "no target set (measured)"


def _working_day_after(day: dt.date, days: int) -> dt.date:
    """Roughly ``days`` working days later (weekends skipped; holidays do not matter here)."""
    while days > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def generate_rows(count: int, seed: int = SEED) -> list[dict[str, str]]:
    """``count`` import rows (whole cases, so it may be one or two over)."""
    from crm_desktop.db.reference_data import default_reference_data
    from crm_desktop.domain.enums import LgscoDecision

    data = default_reference_data()
    rng = random.Random(seed)
    corporate_areas = [(d["name"], a) for d in data["directorates"] for a in d["service_areas"]]
    children_areas = list(data["children"]["teams"])
    adult_areas = list(data["adult"]["service_areas"])
    natures = {
        "children": list(data["children"]["natures"]),
        "adult": list(data["adult"]["natures"]),
        "corporate": list(data["corporate"]["natures"]),
    }
    categories = list(data["adult"]["service_categories"])
    findings = ["upheld", "partially upheld", "not upheld", "no finding"]
    endings = ["withdrawn", "discontinued", "redirected"]
    decisions = [d.value for d in LgscoDecision]
    summaries = [
        "Bin not collected again",
        '=HYPERLINK("http://example.invalid")',
        "<b>Late</b> visit 😠",
        "شكوى بخصوص الطريق",
        'He said "no", twice',
    ]
    rows: list[dict[str, str]] = []
    number = 0
    span = (TODAY - FIRST_DAY).days - 400
    while len(rows) < count:
        number += 1
        procedure = rng.choice(("children", "adult", "corporate", "corporate"))
        kind = rng.choices(("complaint", "compliment", "comment"), (8, 2, 1))[0]
        received = FIRST_DAY + dt.timedelta(days=rng.randrange(span))
        while received.weekday() >= 5:
            received += dt.timedelta(days=1)
        if procedure == "corporate":
            directorate, area = rng.choice(corporate_areas)
        else:
            directorate = ""
            area = rng.choice(children_areas if procedure == "children" else adult_areas)
        base = {
            "reference": f"HIST-{number:06d}",
            "kind": kind,
            "procedure": procedure,
            "received": received.isoformat() if number % 2 else received.strftime("%d/%m/%Y"),
            "directorate": directorate,
            "service_area": area,
            "team": area if procedure == "children" and rng.random() < 0.5 else "",
            "complainant_name": f"Person {number}",
            "complainant_email": f"person{number}@example.org" if number % 3 == 0 else "",
            "summary": rng.choice(summaries),
        }
        if kind != "complaint":
            rows.append(base)
            continue
        if procedure == "children":
            ladder = ["1", "2", "3"][: rng.choices((1, 2, 3), (6, 3, 1))[0]]
        elif procedure == "corporate":
            ladder = ["1", "2"][: rng.choices((1, 2), (3, 1))[0]]
        else:
            ladder = [rng.choice(("low", "moderate-high", "informal"))]
        escalate = rng.random() < 0.1
        start = received
        stages: list[dict[str, str]] = []
        for i, code in enumerate(ladder):
            last = i == len(ladder) - 1
            open_stage = last and not escalate and rng.random() < 0.05
            closed = _working_day_after(start, rng.randint(5, 40))
            outcome = rng.choice(findings)
            if last and not escalate and rng.random() < 0.1:
                outcome = rng.choice(endings)
            stage = {
                **base,
                "stage": code,
                "stage_started": start.isoformat(),
                "stage_closed": "" if open_stage else closed.isoformat(),
                "outcome": "" if open_stage else outcome,
                "suspended_working_days": str(rng.randint(1, 10)) if rng.random() < 0.1 else "",
            }
            if i == 0:
                stage["natures"] = ";".join(rng.sample(natures[procedure], rng.randint(1, 3)))
                if procedure == "adult":
                    stage["service_categories"] = ";".join(
                        rng.sample(categories, rng.randint(1, 2))
                    )
            stages.append(stage)
            start = _working_day_after(closed, rng.randint(1, 15))
        if escalate:
            decided = rng.random() < 0.9
            stages.append(
                {
                    **base,
                    "stage": "lgsco",
                    "stage_started": start.isoformat(),
                    "stage_closed": _working_day_after(start, 30).isoformat() if decided else "",
                    "lgsco_decision": rng.choice(decisions) if decided else "",
                    "lgsco_payment": f"{rng.randint(1, 40) * 50}.00" if rng.random() < 0.3 else "",
                }
            )
        rows.extend(stages)
    return rows


def write_rows(path: Path, rows: list[dict[str, str]]) -> Path:
    from crm_desktop.services.importer import COLUMNS

    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for r in rows:
            writer.writerow([r.get(c, "") for c in COLUMNS])
    return path


def time_import(folder: Path, csv_path: Path, *, dry_run: bool, tag: str) -> tuple[float, Any]:
    """Seconds ``run_import`` takes on a new SQLite file (opening it is not counted)."""
    from crm_desktop.db.database import open_database
    from crm_desktop.services.importer import run_import

    database = open_database(f"sqlite:///{folder / f'import-{tag}.db'}")
    try:
        started = time.perf_counter()
        result = run_import(
            database,
            csv_path,
            dry_run=dry_run,
            skip_existing=False,
            add_missing_reference_data=False,
            actor="benchmark",
            today=TODAY,
        )
        elapsed = time.perf_counter() - started
    finally:
        database.dispose()
    if not result.ok:
        raise AssertionError("\n".join(str(e) for e in result.errors[:20]))
    return elapsed, result


def benchmark() -> list[Row]:
    from crm_desktop.services.importer import read_rows

    count = int(os.environ.get(ROWS_ENV, DEFAULT_ROWS))
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="crm-bench-import-") as name:
        folder = Path(name)
        data = generate_rows(count)
        csv_path = write_rows(folder / "cases.csv", data)
        cases = len({r["reference"] for r in data})
        label = f"{len(data):,} rows ({cases:,} cases)"

        read = best_of(lambda: read_rows(csv_path), repeats=3)
        rows.append(
            {"benchmark": f"import: read CSV, {label}", "result": f"{read:.2f} s", "target": TARGET}
        )
        for dry_run, what, repeats in (
            (True, "dry run (check only)", 3),
            (False, "import into a new SQLite file", 2),
        ):
            timed = [
                time_import(folder, csv_path, dry_run=dry_run, tag=f"{dry_run}-{n}")
                for n in range(repeats)
            ]
            best, result = min(timed, key=lambda t: t[0])
            detail = (
                f"{best:.1f} s ({len(data) / best:,.0f} rows/s; {result.cases:,} cases, "
                f"{result.stages:,} stages, {result.points:,} points)"
            )
            rows.append(
                {"benchmark": f"import: {what}, {label}", "result": detail, "target": TARGET}
            )
    return rows


if __name__ == "__main__":
    print_table(benchmark())
