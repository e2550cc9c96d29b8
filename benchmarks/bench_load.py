"""Ten writers on one database for a minute (SQLite, then PostgreSQL), and 50 writers
killed with SIGKILL in the middle of their work. Issue 8's load and crash figures, and
issue 16's targets: PostgreSQL saves at least as many a second as SQLite, and both keep
the 95th percentile of an operation at 50 ms or less.

    python benchmarks/bench_load.py       (CRM_LOAD_SECONDS, CRM_LOAD_WORKERS, CRM_CRASH_KILLS)
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from common import Row, print_table
from load_harness import crash_run, run_load


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[int(0.95 * (len(ordered) - 1))] if ordered else 0.0


def by_kind(times: dict[str, list[float]]) -> str:
    """The 95th percentile (ms) of creates, edits and moves, and of the moves that are
    a response (every point's outcome, then the response: three saves)."""
    moves = [t for kind, ts in times.items() if kind.startswith("move") for t in ts]
    parts = [
        f"create {p95(times.get('create', [])):.0f} ms",
        f"edit {p95(times.get('edit', [])):.0f} ms",
        f"move {p95(moves):.0f} ms",
        f"of which respond {p95(times.get('move:respond', [])):.0f} ms",
    ]
    return ", ".join(parts)


def benchmark() -> list[Row]:
    from crm_desktop.db.scratch import scratch_postgres_database

    seconds = float(os.environ.get("CRM_LOAD_SECONDS", 60))
    workers = int(os.environ.get("CRM_LOAD_WORKERS", 10))
    kills = int(os.environ.get("CRM_CRASH_KILLS", 50))
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as folder:
        results = [("SQLite", run_load(f"sqlite:///{Path(folder) / 'load.db'}", workers, seconds))]
        with scratch_postgres_database(prefix="crm_bench_load") as url:
            results.append(("PostgreSQL", run_load(url, workers, seconds)))
        for name, result in results:
            t = result.totals
            rows.append(
                {
                    "benchmark": f"load: {workers} processes for {seconds:.0f} s, {name}",
                    "result": f"{result.ops_per_second:.1f} ops/s "
                    f"({t['ok'] / seconds:.1f} saves/s), p95 {result.p95_ms:.0f} ms; "
                    f"{t['ok']} saved, {t['conflict']} conflicts reported, {t['refused']} "
                    f"refused by guards, {t['busy']} busy, {t['unhandled']} unhandled; "
                    + ("no lost update" if not result.problems else "; ".join(result.problems)),
                    "target": "0 lost updates, 0 unhandled errors; p95 <= 50 ms",
                }
            )
            rows.append(
                {
                    "benchmark": f"load: {name}, p95 by operation",
                    "result": by_kind(result.by_kind),
                    "target": "–",
                }
            )
            rows.append(
                {
                    "benchmark": f"load: {name}, each save on its own (a response is three)",
                    "result": f"p95 {p95(result.save_times):.0f} ms, median "
                    f"{sorted(result.save_times)[len(result.save_times) // 2]:.0f} ms, "
                    f"{len(result.save_times)} saves",
                    "target": "– (the target above is an operation's p95)",
                }
            )
        sqlite, postgres = results[0][1], results[1][1]
        rows.append(
            {
                "benchmark": "load: PostgreSQL against SQLite, saves a second",
                "result": f"{postgres.totals['ok'] / seconds:.1f} vs "
                f"{sqlite.totals['ok'] / seconds:.1f} (ratio "
                f"{postgres.totals['ok'] / max(sqlite.totals['ok'], 1):.2f})",
                "target": "PostgreSQL >= SQLite",
            }
        )
        problems = crash_run(f"sqlite:///{Path(folder) / 'crash.db'}", kills)
        rows.append(
            {
                "benchmark": f"crash: kill -9 a writer mid-transition, {kills} times, SQLite",
                "result": "db check passes, nothing half-moved"
                if not problems
                else "; ".join(problems[:5]),
                "target": "db check passes, no case half-moved",
            }
        )
    return rows


if __name__ == "__main__":
    print_table(benchmark())
