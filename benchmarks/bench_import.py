"""Timing of the historical case import: a generated 100,000-row CSV into a new database.

    python benchmarks/bench_import.py

Figures: reading the file alone, then for SQLite and PostgreSQL the dry run (reading
and checking the whole file against the database, nothing written) and the real import
(checked in a read transaction, then written in one write transaction: the table says
how long that transaction held the database, which is how long other users' saves may
wait). Beside each wall-clock time, the CPU time the import's own process used (on a
shared machine it changes far less than the wall clock; PostgreSQL's server work is
not in it). Each import runs in a process of its own, so its peak memory is its own, into a
new SQLite file or a scratch PostgreSQL database. ``CRM_BENCH_IMPORT_ROWS`` changes
the row count; ``CRM_BENCH_IMPORT_DATABASES=sqlite`` leaves PostgreSQL out.

The file is made deterministically from the default reference data: every procedure,
later stages, Ombudsman rows with decisions and payments, suspensions, compliments and
comments, several natures per complaint.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from common import PEAK_RSS_SOURCE, Row, best_of, print_table

ROWS_ENV = "CRM_BENCH_IMPORT_ROWS"
DEFAULT_ROWS = 100_000
SEED = 1
TODAY = dt.date(2025, 3, 31)
FIRST_DAY = dt.date(2019, 4, 1)


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


CHILD = (
    PEAK_RSS_SOURCE
    + """
import datetime, json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[4])
from crm_desktop.db.database import open_database
from crm_desktop.services import importer
url, csv_path, dry_run = sys.argv[1], Path(sys.argv[2]), sys.argv[3] == "dry"
database = open_database(url)
held = []
apply_plan = importer.apply_plan
def timed_apply(*args, **kwargs):
    started, cpu = time.perf_counter(), time.process_time()
    try:
        return apply_plan(*args, **kwargs)
    finally:
        held.append((time.perf_counter() - started, time.process_time() - cpu))
importer.apply_plan = timed_apply
started, cpu = time.perf_counter(), time.process_time()
result = importer.run_import(
    database, csv_path, dry_run=dry_run, skip_existing=False,
    add_missing_reference_data=False, actor="benchmark", today=datetime.date(2025, 3, 31),
)
elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
database.dispose()
if not result.ok:
    raise SystemExit("\\n".join(str(e) for e in result.errors[:20]))
print(json.dumps({"seconds": elapsed, "cpu_seconds": cpu, "peak_kib": peak_rss_kib(),
                  "cases": result.cases, "stages": result.stages, "points": result.points,
                  "write_seconds": held[0][0] if held else 0.0,
                  "write_cpu_seconds": held[0][1] if held else 0.0}))
"""
)
TARGETS = {"sqlite": "≤ 10 s, ≤ 300 MB", "postgresql": "≤ 20 s"}


def time_import(url: str, csv_path: Path, *, dry_run: bool) -> dict[str, Any]:
    """One import of ``csv_path`` into ``url`` (a new database) in a process of its own:
    seconds (reading the file, checking, writing; opening the database not counted),
    the process's peak memory, and how long the write transaction held the database."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            CHILD,
            url,
            str(csv_path),
            "dry" if dry_run else "import",
            str(Path(__file__).resolve().parents[1]),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise AssertionError(done.stderr[-3000:])
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@contextmanager
def _database(kind: str, folder: Path, tag: str) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / f'import-{tag}.db'}"
        return
    from crm_desktop.db.scratch import scratch_postgres_database

    with scratch_postgres_database(prefix="crm_bench_import") as url:
        yield url


def benchmark() -> list[Row]:
    from crm_desktop.services.importer import read_rows

    count = int(os.environ.get(ROWS_ENV, DEFAULT_ROWS))
    kinds = os.environ.get("CRM_BENCH_IMPORT_DATABASES", "sqlite,postgresql").split(",")
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="crm-bench-import-") as name:
        folder = Path(name)
        data = generate_rows(count)
        csv_path = write_rows(folder / "cases.csv", data)
        cases = len({r["reference"] for r in data})
        label = f"{len(data):,} rows ({cases:,} cases)"
        del data

        read = best_of(lambda: read_rows(csv_path), repeats=2)
        rows.append(
            {"benchmark": f"import: read CSV, {label}", "result": f"{read:.2f} s", "target": "–"}
        )
        for kind in kinds:
            for dry_run, what in ((True, "dry run (check only)"), (False, "import")):
                with _database(kind, folder, f"{kind}-{dry_run}") as url:
                    measured = time_import(url, csv_path, dry_run=dry_run)
                seconds = measured["seconds"]
                detail = (
                    f"{seconds:.1f} s ({count / seconds:,.0f} rows/s; this process's CPU "
                    f"{measured['cpu_seconds']:.1f} s), peak {measured['peak_kib'] / 1024:,.0f} MB"
                )
                if not dry_run:
                    detail += (
                        f"; database held for writing {measured['write_seconds']:.1f} s "
                        f"(CPU {measured['write_cpu_seconds']:.1f} s); "
                        f"{measured['cases']:,} cases, {measured['stages']:,} stages, "
                        f"{measured['points']:,} points"
                    )
                rows.append(
                    {
                        "benchmark": f"import: {what}, {label}, {kind}",
                        "result": detail,
                        "target": TARGETS[kind] if not dry_run else "–",
                    }
                )
    return rows


if __name__ == "__main__":
    print_table(benchmark())
