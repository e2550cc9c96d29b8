"""Timing of demo data generation into SQLite and PostgreSQL.

Run on demand (not part of the test suite):

    python benchmarks/bench_demo.py

``CRM_BENCH_CASES`` changes the number of cases (default 100,000). The SQLite file goes
in a temporary folder and the PostgreSQL database is a throwaway one on the server named
by ``CRM_TEST_POSTGRES_URL`` (default: postgres@127.0.0.1:5432); both are removed after.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
from pathlib import Path

from common import print_table

CASES_ENV = "CRM_BENCH_CASES"
DEFAULT_CASES = 100_000
SEED = 1
END = dt.date(2025, 3, 31)  # fixed, so every run writes the same data
TARGET_SECONDS = 60.0


def _row(name: str, cases: int, seconds: float | None, note: str = "") -> dict[str, str]:
    if seconds is None:
        result = f"not run: {note}"
    else:
        result = f"{seconds:.1f} s ({cases / seconds:,.0f} cases/s)"
    return {
        "benchmark": f"demo generation, {cases:,} cases, {name}",
        "result": result,
        "target": f"< {TARGET_SECONDS:.0f} s",
    }


def benchmark() -> list[dict[str, str]]:
    # Imported here so that `python benchmarks/bench_demo.py` works from a checkout
    # without installing the package (see the __main__ block).
    import sqlalchemy as sa

    from crm_desktop.db.database import open_database
    from crm_desktop.db.scratch import scratch_postgres_database
    from crm_desktop.errors import DatabaseError
    from crm_desktop.services.demo import generate_demo

    cases = int(os.environ.get(CASES_ENV, DEFAULT_CASES))
    rows: list[dict[str, str]] = []

    with tempfile.TemporaryDirectory(prefix="crm-bench-demo-") as folder:
        database = open_database(f"sqlite:///{Path(folder) / 'demo.db'}")
        try:
            started = time.perf_counter()
            generate_demo(database, cases, SEED, END)
            rows.append(_row("SQLite", cases, time.perf_counter() - started))
        finally:
            database.dispose()

    try:
        with scratch_postgres_database(prefix="crm_bench") as url:
            database = open_database(url)
            try:
                started = time.perf_counter()
                generate_demo(database, cases, SEED, END)
                rows.append(_row("PostgreSQL", cases, time.perf_counter() - started))
            finally:
                database.dispose()
    except (sa.exc.OperationalError, DatabaseError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        rows.append(_row("PostgreSQL", cases, None, f"server not reachable ({reason})"))
    return rows


if __name__ == "__main__":
    print_table(benchmark())
