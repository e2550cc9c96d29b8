"""What the benchmarks share: timing, the table they print, demo databases kept between runs."""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python benchmarks/x.py` from a checkout
    sys.path.insert(0, str(ROOT))

OUT = ROOT / "benchmarks" / "out"
Row = dict[str, str]


# Python source for the benchmarks' child processes: ``peak_rss_kib()``, the child's own
# peak resident size in KiB. Linux carries ru_maxrss across execve, so a child started
# from a big parent (fork or vfork, then exec) would report the parent's peak; VmHWM in
# /proc/self/status is the peak of the child's own memory map. Elsewhere, ru_maxrss.
PEAK_RSS_SOURCE = """
def peak_rss_kib():
    import resource, sys
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak
"""


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


def demo_sqlite_file(cases: int, seed: int = 1, open_cases: int | None = None) -> Path:
    """A demo database of ``cases`` cases, built once and kept in benchmarks/out/.

    With ``open_cases``, the most recently received closed complaints are reopened (see
    :func:`top_up_open_cases`) until that many cases are open.
    """

    from crm_desktop.db.database import open_database
    from crm_desktop.services.demo import generate_demo

    OUT.mkdir(parents=True, exist_ok=True)
    suffix = f"-open{open_cases}" if open_cases else ""
    path = OUT / f"demo-{cases}-{seed}{suffix}.db"
    done = path.with_suffix(".done")
    if path.exists() and done.exists():
        return path
    for stale in (path, done, path.with_suffix(".db-wal"), path.with_suffix(".db-shm")):
        stale.unlink(missing_ok=True)
    database = open_database(f"sqlite:///{path}")
    try:
        generate_demo(database, cases, seed, DEMO_END)
        if open_cases:
            top_up_open_cases(database, open_cases)
    finally:
        database.dispose()
    done.write_text("ok\n")
    return path


DEMO_END = dt.date(2026, 11, 26)


def top_up_open_cases(database: Any, target: int) -> int:
    """Reopen the latest closed complaints until ``target`` cases are open.

    The demo data keeps a realistic few per cent of cases open; the queue targets are
    set for a database with 10,000 open cases in 100,000, so the benchmark makes one by
    taking the stage each of the latest closed complaints is at back to open (its
    response, outcome and point outcomes removed), as a reopened case would be.
    Returns how many cases are open afterwards.
    """
    import sqlalchemy as sa

    from crm_desktop.db.models import Case, PointOutcome, Stage

    def work(session: Any) -> int:
        open_now = session.scalar(sa.select(sa.func.count()).where(Case.status == "open"))
        need = target - int(open_now or 0)
        if need <= 0:
            return int(open_now or 0)
        picks = session.execute(
            sa.select(Case.id, Case.current_stage_id)
            .join(Stage, Stage.id == Case.current_stage_id)
            .where(Case.status == "closed", Case.kind == "complaint", Stage.stage != "lgsco")
            .order_by(Case.received_on.desc(), Case.id.desc())
            .limit(need)
        ).all()
        case_ids = [row[0] for row in picks]
        stage_ids = [row[1] for row in picks]
        for chunk in range(0, len(case_ids), 1000):
            cases, stages = case_ids[chunk : chunk + 1000], stage_ids[chunk : chunk + 1000]
            session.execute(sa.delete(PointOutcome).where(PointOutcome.stage_id.in_(stages)))
            session.execute(
                sa.update(Stage)
                .where(Stage.id.in_(stages))
                .values(status="open", closed_on=None, outcome=None, next_stage_requested_on=None)
            )
            session.execute(
                sa.update(Case).where(Case.id.in_(cases)).values(status="open", closed_on=None)
            )
        return int(open_now or 0) + len(case_ids)

    return int(database.write(work, actor="benchmark"))


def print_table(rows: list[Row]) -> None:
    headers = ("benchmark", "result", "target")
    widths = [max(len(h), *(len(r.get(h, "")) for r in rows)) for h in headers]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    print(line)
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(row.get(h, "").ljust(w) for h, w in zip(headers, widths, strict=True)))
