"""Timing of the working-day calendar: scalar calls and a million due dates at once.

Run on demand (not part of the test suite):

    python benchmarks/bench_calendar.py
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import date, timedelta

import numpy as np
from common import print_table

REPEATS = 5
SCALAR_CALLS = 100_000
VECTOR_SIZE = 1_000_000


def _best(run: Callable[[], object], repeats: int = REPEATS) -> float:
    """Best wall-clock time of ``repeats`` runs, in seconds."""
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - t0)
    return best


def benchmark() -> list[dict[str, str]]:
    # Imported here so that `python benchmarks/bench_calendar.py` works from a checkout
    # without installing the package (see the __main__ block).
    from crm_desktop.domain.calendar import england_and_wales_calendar

    cal = england_and_wales_calendar()  # built once (cached), outside the timings
    rng = random.Random(20240314)
    base = date(2005, 1, 1)
    starts = [base + timedelta(days=rng.randrange(0, 365 * 35)) for _ in range(SCALAR_CALLS)]
    counts = [rng.randrange(0, 70) for _ in range(SCALAR_CALLS)]
    ends = [d + timedelta(days=rng.randrange(0, 200)) for d in starts]
    pairs_add = list(zip(starts, counts, strict=True))
    pairs_count = list(zip(starts, ends, strict=True))

    add = cal.add_working_days
    count = cal.working_days_between

    def scalar_add() -> None:
        for d, n in pairs_add:
            add(d, n)

    def scalar_count() -> None:
        for a, b in pairs_count:
            count(a, b)

    np_rng = np.random.default_rng(20240314)
    first = np.datetime64("2005-01-01", "D")
    vec_starts = first + np_rng.integers(0, 365 * 35, VECTOR_SIZE).astype("timedelta64[D]")
    vec_counts = np_rng.choice(np.array([3, 10, 20, 25, 35, 65], dtype=np.int64), VECTOR_SIZE)

    def vector_add() -> None:
        cal.add_working_days_array(vec_starts, vec_counts)

    add_us = _best(scalar_add) / SCALAR_CALLS * 1e6
    count_us = _best(scalar_count) / SCALAR_CALLS * 1e6
    vector_s = _best(vector_add)
    return [
        {
            "benchmark": "scalar add_working_days",
            "result": f"{add_us:.2f} µs per call",
            "target": "<= 5 µs",
        },
        {
            "benchmark": "scalar working_days_between",
            "result": f"{count_us:.2f} µs per call",
            "target": "<= 5 µs",
        },
        {
            "benchmark": "1,000,000 due dates vectorised",
            "result": f"{vector_s:.4f} s",
            "target": "<= 0.2 s",
        },
    ]


if __name__ == "__main__":
    print_table(benchmark())
