"""Many writers on one database, and writers killed mid-transition: then check everything.

Used by ``bench_load.py`` (10 processes for 60 s, 50 kills) and by the shorter test in
the suite (``tests/core/test_load_and_crash.py``).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

WORKER = Path(__file__).resolve().parent / "load_worker.py"


@dataclass
class LoadResult:
    workers: int
    seconds: float
    totals: dict[str, int] = field(default_factory=dict)
    p95_ms: float = 0.0
    problems: list[str] = field(default_factory=list)
    stderr: str = ""
    # Every timed operation's wall time (ms) by what it was: "create", "edit",
    # "move:respond" and so on.
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    # Every save's wall time (ms) on its own: one write, without the reads around it.
    save_times: list[float] = field(default_factory=list)

    @property
    def ops_per_second(self) -> float:
        return self.totals.get("ops", 0) / self.seconds if self.seconds else 0.0


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def run_load(
    url: str, workers: int, seconds: float, seed: int = 1, rate: float = 0.0
) -> LoadResult:
    """``workers`` processes writing for ``seconds``; then every check. ``rate`` paces
    each writer (operations a second, on average; 0: without a pause)."""
    from crm_desktop.db.database import open_database

    open_database(url).dispose()  # create and migrate before the writers start
    result = LoadResult(workers, seconds)
    with tempfile.TemporaryDirectory() as folder:
        outs = [Path(folder) / f"worker-{i}.json" for i in range(workers)]
        processes = [
            subprocess.Popen(
                [
                    sys.executable,
                    str(WORKER),
                    url,
                    str(seconds),
                    str(i),
                    str(seed * 1000 + i),
                    str(out),
                    str(rate),
                ],
                stderr=subprocess.PIPE,
                text=True,
                env=_env(),
            )
            for i, out in enumerate(outs)
        ]
        errors = [p.communicate(timeout=seconds + 120)[1] for p in processes]
        result.stderr = "".join(errors)
        for out, error in zip(outs, errors, strict=True):
            if not out.exists():
                raise RuntimeError(f"{out.stem} stopped without its figures:\n{error[-3000:]}")
        stats = [json.loads(out.read_text()) for out in outs]
    for key in ("ops", "ok", "conflict", "refused", "busy", "unhandled", "moves_ok"):
        result.totals[key] = sum(int(s[key]) for s in stats)
    result.p95_ms = max(float(s["p95_ms"]) for s in stats)
    for s in stats:
        for kind, times in s.get("by_kind", {}).items():
            result.by_kind.setdefault(kind, []).extend(times)
        result.save_times.extend(s.get("save_ms", []))
    tokens = [(int(case), str(token)) for s in stats for case, token in s["tokens"]]
    result.problems = verify(url, tokens=tokens, moves=result.totals["moves_ok"])
    if result.totals["unhandled"]:
        result.problems.append(f"{result.totals['unhandled']} unhandled errors")
    return result


def crash_run(url: str, kills: int, seed: int = 1) -> list[str]:
    """Start a writer, kill -9 it in the middle of its work, ``kills`` times; then check."""
    from crm_desktop.db.database import open_database

    open_database(url).dispose()
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as folder:
        progress = Path(folder) / "progress.json"
        for i in range(kills):
            progress.unlink(missing_ok=True)
            process = subprocess.Popen(
                [
                    sys.executable,
                    str(WORKER),
                    url,
                    "0",
                    str(i),
                    str(seed * 7919 + i),
                    str(progress),
                ],
                stderr=subprocess.DEVNULL,
                env=_env(),
            )
            wanted = rng.randint(2, 25)
            started = time.monotonic()
            while time.monotonic() - started < 60:
                try:
                    done = json.loads(progress.read_text())["ops"]
                except (OSError, ValueError, KeyError):
                    done = 0
                if done >= wanted:
                    break
                time.sleep(0.005)
            # Somewhere inside the next operation.
            time.sleep(rng.random() * 0.02)
            process.send_signal(signal.SIGKILL)
            process.wait()
    return verify(url)


def verify(
    url: str, tokens: list[tuple[int, str]] | None = None, moves: int | None = None
) -> list[str]:
    """Integrity, invariants, no lost update, every move recorded once."""
    from crm_desktop.db.database import open_database
    from crm_desktop.db.models import AuditEvent, Case, ComplaintPoint, PointOutcome, Stage
    from crm_desktop.services.maintenance import check_database

    problems: list[str] = []
    database = open_database(url)
    try:
        report = check_database(database)
        problems += report.problems
        with database.session() as session:
            stages: dict[int, list[Any]] = {}
            for stage in session.scalars(sa.select(Stage).order_by(Stage.case_id, Stage.seq)):
                stages.setdefault(stage.case_id, []).append(stage)
            points: dict[int, set[int]] = {}
            for case_id, point_id in session.execute(
                sa.select(ComplaintPoint.case_id, ComplaintPoint.id)
            ):
                points.setdefault(case_id, set()).add(point_id)
            answered: dict[int, set[int]] = {}
            for stage_id, point_id in session.execute(
                sa.select(PointOutcome.stage_id, PointOutcome.point_id)
            ):
                answered.setdefault(stage_id, set()).add(point_id)
            for case in session.scalars(sa.select(Case)):
                own = stages.get(case.id, [])
                if case.kind == "complaint" and own and case.current_stage_id != own[-1].id:
                    problems.append(f"{case.reference}: current stage is not its latest stage")
                if sum(1 for s in own if s.status != "closed") > 1:
                    problems.append(f"{case.reference}: more than one open stage")
                for s in own:
                    if s.status == "closed" and s.stage != "lgsco":
                        if s.outcome is None:
                            problems.append(f"{case.reference}: closed stage without outcome")
                        elif answered.get(s.id, set()) != points.get(case.id, set()):
                            problems.append(f"{case.reference}: closed stage, point unanswered")
                if case.status == "closed" and own and own[-1].status != "closed":
                    problems.append(f"{case.reference}: case closed with an open stage")
            if tokens is not None:
                summaries = dict(session.execute(sa.select(Case.id, Case.summary)).all())
                lost = [t for case_id, t in tokens if t not in summaries.get(case_id, "")]
                if lost:
                    problems.append(f"{len(lost)} lost updates, e.g. {lost[:3]}")
            if moves is not None:
                recorded = session.scalar(
                    sa.select(sa.func.count()).where(AuditEvent.entity == "workflow")
                )
                if recorded != moves:
                    problems.append(f"{moves} moves succeeded but {recorded} were recorded")
    finally:
        database.dispose()
    return problems
