"""One writer for the load and crash tests: creates, edits and moves cases until told to stop.

    python benchmarks/load_worker.py URL SECONDS WORKER SEED OUT.json [RATE]

RATE (operations a second, default 0) paces the writer: operations are due at random
moments, RATE a second on average (a Poisson stream, as from people working
independently), and each is timed from the moment it was due, so a writer that falls
behind counts its waiting too. RATE 0 saves without a pause, as fast as it can.

Every operation goes through the program's own services in ``Database.write``. A
conflict (someone else moved the case first) and a refusal (the workflow's guards) are
expected and counted; anything else is an unhandled error. Each successful edit appends
a token to the case's summary and reports it, so the parent can check that no update
was lost. SECONDS 0 means run until killed (the crash test).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from crm_desktop.db.database import Database, open_database  # noqa: E402
from crm_desktop.db.models import Case, ComplaintPoint  # noqa: E402
from crm_desktop.domain.access import Actor  # noqa: E402
from crm_desktop.domain.enums import (  # noqa: E402
    Channel,
    Kind,
    LgscoDecision,
    Procedure,
    SuspensionReason,
    UserRole,
)
from crm_desktop.domain.workflow import Action  # noqa: E402
from crm_desktop.errors import (  # noqa: E402
    ConflictError,
    DatabaseBusyError,
    IllegalTransition,
    ValidationError,
)
from crm_desktop.operations import cases as case_ops  # noqa: E402
from crm_desktop.operations import run_operation  # noqa: E402
from crm_desktop.operations import workflow as flow_ops  # noqa: E402
from crm_desktop.services.cases import CaseEdit, NewCase, PersonInput, PointInput  # noqa: E402
from crm_desktop.services.workflow import ActionInput  # noqa: E402

MANAGER = Actor("load-manager", UserRole.MANAGER)
WARM_UP = 10  # a paced writer's operations before its timing starts


def action_input(action: Action, today: dt.date) -> ActionInput:
    extra: dict[str, object] = {}
    if action == Action.SUSPEND:
        extra["suspension_reason"] = SuspensionReason.AWAITING_INFORMATION
    elif action == Action.EXTEND:
        extra.update(working_days=1, reason="Load test extension")
    elif action in (Action.WITHDRAW, Action.DISCONTINUE, Action.REDIRECT, Action.REOPEN):
        extra["reason"] = "Load test"
    elif action == Action.RECORD_LGSCO_DECISION:
        extra["lgsco_decision"] = LgscoDecision.NOT_UPHELD
    return ActionInput(on=today, **extra)  # type: ignore[arg-type]


class Writer:
    """One writer's work: :meth:`step` runs one create, edit or move chosen at random and
    counts what came of it (also used in-process by ``bench_write_cpu.py``)."""

    def __init__(self, database: Database, worker: int, seed: int) -> None:
        self.database = database
        self.worker = worker
        self.rng = random.Random(seed)
        self.today = dt.date.today()
        self.actor = MANAGER
        self.counts = {"ok": 0, "conflict": 0, "refused": 0, "busy": 0, "unhandled": 0}
        self.moves_ok = 0
        self.latencies: list[float] = []
        self.cpu: dict[str, list[float]] = {"create": [], "edit": [], "move": []}
        self.tokens: list[tuple[int, str]] = []
        self.n = 0
        self.timed_from = 0  # operations before this one were not timed (a warm-up)
        # Wall time of each timed operation by what it was ("move:respond" and so on),
        # so a slow tail can be traced to the operations that make it.
        self.by_kind: dict[str, list[float]] = {}
        self.label = ""
        # Each save on its own (one write: a response is three, its points' outcomes and
        # then the response), without the reads that find the case to work on.
        self.save_times: list[float] = []

    def save(self, *args: object) -> object:
        """``run_operation(*args)`` for a write, timed."""
        started = time.perf_counter()
        try:
            return run_operation(*args)  # type: ignore[arg-type]
        finally:
            self.save_times.append(time.perf_counter() - started)

    def pick_open_case(self) -> tuple[int, int] | None:
        with self.database.session() as session:
            row = session.execute(
                sa.select(Case.id, Case.version)
                .where(Case.status == "open", Case.procedure == "corporate")
                .order_by(sa.func.random())
                .limit(1)
            ).first()
        return (row[0], row[1]) if row else None

    def operation(self, n: int, kind: str) -> bool:
        """One create, edit or move; False when there was nothing to do."""
        database, actor, today, worker = self.database, self.actor, self.today, self.worker
        if kind == "create":
            new = NewCase(
                kind=Kind.COMPLAINT,
                procedure=Procedure.CORPORATE,
                received_on=today,
                service_area="Contact Centre",
                directorate="COaCH",
                channel=Channel.EMAIL,
                complainant=PersonInput(f"Load Person {worker}-{n}"),
                points=[PointInput("Communication"), PointInput("Decision Making")],
                summary="",
            )
            self.save(database, actor, today, case_ops.create_case, new)
            return True
        picked = self.pick_open_case()
        if picked is None:
            return False
        case_id, version = picked
        if kind == "edit":
            token = f"[w{worker}:{n}]"
            with database.session() as session:
                summary = session.get(Case, case_id).summary  # type: ignore[union-attr]
            edit = CaseEdit(summary=summary + token)
            self.save(database, actor, today, case_ops.edit_case, case_id, version, edit)
            self.tokens.append((case_id, token))
            return True
        offered = run_operation(database, actor, today, flow_ops.available_actions, case_id)
        actions = [a for a in offered.value if a != Action.REOPEN]
        if not actions:
            return False
        action = self.rng.choice(actions)
        self.label = f"move:{action.value}"
        if action == Action.RESPOND:
            with database.session() as session:
                points = session.scalars(
                    sa.select(ComplaintPoint.id).where(ComplaintPoint.case_id == case_id)
                ).all()

            for point in points:
                self.save(
                    database,
                    actor,
                    today,
                    case_ops.set_point_outcome,
                    case_id,
                    version,
                    point,
                    "upheld",
                )
                with database.session() as session:
                    version = session.get(Case, case_id).version  # type: ignore[union-attr]
        data = action_input(action, today)
        self.save(database, actor, today, flow_ops.perform, case_id, version, action, data)
        return True

    def step(self, due: float | None = None) -> None:
        """One operation, counted (an operation that found nothing to do is not timed).
        ``due`` (a ``time.perf_counter()`` moment) is when a paced operation was due: its
        time then counts from that moment, not from when the writer got to it."""
        self.n += 1
        choice = self.rng.random()
        started, cpu = time.perf_counter(), time.process_time()
        if due is not None:
            started = min(started, due)
        kind = "create" if choice < 0.25 else ("edit" if choice < 0.5 else "move")
        self.label = kind
        try:
            if not self.operation(self.n, kind):
                return
            self.counts["ok"] += 1
            if kind == "move":
                self.moves_ok += 1
        except ConflictError:
            self.counts["conflict"] += 1
        except (ValidationError, IllegalTransition):
            self.counts["refused"] += 1
        except DatabaseBusyError:
            self.counts["busy"] += 1
        except Exception:
            self.counts["unhandled"] += 1
            traceback.print_exc()
        elapsed = time.perf_counter() - started
        self.latencies.append(elapsed)
        self.by_kind.setdefault(self.label, []).append(elapsed)
        self.cpu[kind].append(time.process_time() - cpu)

    def forget_times(self) -> None:
        """Start timing afresh (after a warm-up); what was saved is still counted."""
        self.timed_from = self.n
        self.latencies.clear()
        self.by_kind.clear()
        self.save_times.clear()

    def stats(self) -> dict[str, object]:
        latencies = sorted(self.latencies)
        return {
            **self.counts,
            "ops": self.n - self.timed_from,
            "moves_ok": self.moves_ok,
            "tokens": self.tokens,
            "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))] if latencies else 0.0,
            "save_ms": [round(1000 * t, 2) for t in self.save_times],
            "by_kind": {
                kind: [round(1000 * t, 2) for t in ts] for kind, ts in self.by_kind.items()
            },
        }


def _open(url: str, attempts: int = 5) -> Database:
    """Open the database as a user would: the others are already writing, so opening
    may find it busy (its own write at start-up waits up to the busy timeout); then try
    again in a moment, as the message says. Opening is not part of what is timed."""
    for attempt in range(1, attempts + 1):
        try:
            return open_database(url)
        except DatabaseBusyError:
            if attempt == attempts:
                raise
            time.sleep(0.5 * attempt)
    raise AssertionError("unreachable")


def main(argv: list[str]) -> int:
    url, seconds, worker, seed, out = argv[0], float(argv[1]), int(argv[2]), int(argv[3]), argv[4]
    rate = float(argv[5]) if len(argv) > 5 else 0.0
    database = _open(url)
    writer = Writer(database, worker, seed)
    pacing = random.Random(seed + 1)
    if rate > 0:
        # A paced writer first warms up (its first operations fill the program's caches
        # and open its connections) without being timed, as a person's first save of
        # the day is not what this measures.
        for _ in range(WARM_UP):
            writer.step()
        writer.forget_times()
    due = time.perf_counter()
    deadline = time.perf_counter() + seconds if seconds > 0 else float("inf")
    while True:
        if rate > 0:
            due += pacing.expovariate(rate)
            if due >= deadline:
                break
            time.sleep(max(0.0, due - time.perf_counter()))
        elif time.perf_counter() >= deadline:
            break
        writer.step(due if rate > 0 else None)
        if seconds <= 0:
            # The crash test reads progress as it goes.
            Path(out).write_text(json.dumps({"ops": writer.n}))
    database.dispose()
    Path(out).write_text(json.dumps(writer.stats()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
