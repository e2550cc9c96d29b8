"""What the benchmarks share: timing, the table they print, demo databases kept between runs."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python benchmarks/x.py` from a checkout
    sys.path.insert(0, str(ROOT))

OUT = ROOT / "benchmarks" / "out"
Row = dict[str, str]


def bench_cases(default: int = 100_000) -> int:
    return int(os.environ.get("CRM_BENCH_CASES", default))


def best_of(run: Callable[[], object], repeats: int = 7) -> float:
    """Best wall-clock time of ``repeats`` runs, in seconds."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best


def demo_sqlite_file(cases: int, seed: int = 1) -> Path:
    """A demo database of ``cases`` cases, built once and kept in benchmarks/out/."""
    import datetime as dt

    from crm_desktop.db.database import open_database
    from crm_desktop.services.demo import generate_demo

    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"demo-{cases}-{seed}.db"
    done = path.with_suffix(".done")
    if path.exists() and done.exists():
        return path
    for stale in (path, done, path.with_suffix(".db-wal"), path.with_suffix(".db-shm")):
        stale.unlink(missing_ok=True)
    database = open_database(f"sqlite:///{path}")
    try:
        generate_demo(database, cases, seed, dt.date(2026, 11, 26))
    finally:
        database.dispose()
    done.write_text("ok\n")
    return path


def print_table(rows: list[Row]) -> None:
    headers = ("benchmark", "result", "target")
    widths = [max(len(h), *(len(r.get(h, "")) for r in rows)) for h in headers]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    print(line)
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(row.get(h, "").ljust(w) for h, w in zip(headers, widths, strict=True)))
