"""Ten writers working at a set pace (SQLite, then PostgreSQL): how long an operation
takes when the program is busy but not saturated.

``bench_load`` has every writer save again the moment its last save ends, so it measures
the most the program can save a second, and an operation's time there is mostly waiting
for the other nine (issue 16's p95 target is set on that run, and is not met). Here each
writer's operations fall due at random moments, a set number a second on average, as
they would from people working independently; each is timed from the moment it fell
due, so a writer that falls behind counts its waiting too. A team of ten officers saves
a few times a minute between them; these rates are well above that.

    python benchmarks/bench_load_paced.py     (CRM_PACED_RATES, operations a second per
    writer, default 1,2,5; CRM_PACED_SECONDS, default 30; CRM_LOAD_WORKERS, default 10)
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from bench_load import by_kind, p95
from common import Row, print_table
from load_harness import run_load


def benchmark() -> list[Row]:
    from crm_desktop.db.scratch import scratch_postgres_database

    rates = [float(r) for r in os.environ.get("CRM_PACED_RATES", "1,2,5").split(",")]
    seconds = float(os.environ.get("CRM_PACED_SECONDS", 30))
    workers = int(os.environ.get("CRM_LOAD_WORKERS", 10))
    rows: list[Row] = []
    for name in ("SQLite", "PostgreSQL"):
        for rate in rates:
            with tempfile.TemporaryDirectory() as folder:
                if name == "SQLite":
                    result = run_load(
                        f"sqlite:///{Path(folder) / 'paced.db'}", workers, seconds, rate=rate
                    )
                else:
                    with scratch_postgres_database(prefix="crm_bench_paced") as url:
                        result = run_load(url, workers, seconds, rate=rate)
            times = [t for ts in result.by_kind.values() for t in ts]
            t = result.totals
            rows.append(
                {
                    "benchmark": f"paced load: {workers} writers, {rate:g} "
                    f"operation{'' if rate == 1 else 's'} a second each ({workers * rate:g} "
                    f"offered), {seconds:.0f} s, {name}",
                    "result": f"{result.ops_per_second:.1f} ops/s, p95 {p95(times):.0f} ms, "
                    f"median {sorted(times)[len(times) // 2] if times else 0:.0f} ms ("
                    + by_kind(result.by_kind)
                    + f"); {t['unhandled']} unhandled; "
                    + ("no lost update" if not result.problems else "; ".join(result.problems)),
                    "target": "– (issue 16's p95 <= 50 ms is bench_load's, without a pause)",
                }
            )
    return rows


if __name__ == "__main__":
    print_table(benchmark())
