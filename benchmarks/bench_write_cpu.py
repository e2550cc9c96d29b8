"""CPU time per save: one writer doing the load benchmark's mix of creates, edits and
moves, in this process, on SQLite and on PostgreSQL.

With ten writers on two cores the writers' own work is what limits the load benchmark,
so the CPU an operation costs is the figure to bring down; unlike the wall clock, it
hardly changes with other work on the machine. On PostgreSQL the server's own CPU for
this writer's connections is measured too (read from /proc, so only for a server on this
machine).

    python benchmarks/bench_write_cpu.py     (CRM_CPU_OPS, default 400;
    CRM_CPU_BACKENDS=sqlite,postgres; CRM_CPU_PROFILE=file.prof)
"""

from __future__ import annotations

import cProfile
import os
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
from common import Row, print_table
from load_worker import Writer

WARM_UP = 60


def _server_ticks(database: object) -> int | None:
    """CPU ticks used so far by every server process connected to this database."""
    engine = database.engine  # type: ignore[attr-defined]
    with engine.connect() as connection:
        pids = connection.execute(
            sa.text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        ).scalars()
        total = 0
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                return None
            total += int(fields[11]) + int(fields[12])  # utime + stime
        return total


def measure(url: str, ops: int) -> dict[str, float]:
    from crm_desktop.db.database import open_database

    database = open_database(url)
    try:
        writer = Writer(database, 0, 1)
        for _ in range(WARM_UP):
            writer.step()
        postgres = not database.is_sqlite
        profile_to = os.environ.get("CRM_CPU_PROFILE")
        profiler = cProfile.Profile() if profile_to else None
        server_before = _server_ticks(database) if postgres else None
        saves_before, timed_before = writer.counts["ok"], len(writer.latencies)
        statements = [0]

        def count(*_: object) -> None:
            statements[0] += 1

        sa.event.listen(database.engine, "before_cursor_execute", count)
        for samples in writer.cpu.values():
            samples.clear()
        cpu, wall = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        for _ in range(ops):
            writer.step()
        if profiler:
            profiler.disable()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        sa.event.remove(database.engine, "before_cursor_execute", count)
        server_after = _server_ticks(database) if postgres else None
        if profiler and profile_to:
            suffix = "pg" if postgres else "sqlite"
            profiler.dump_stats(f"{profile_to}.{suffix}")
        saves = writer.counts["ok"] - saves_before
        server = (
            (server_after - server_before) / os.sysconf("SC_CLK_TCK")
            if server_before is not None and server_after is not None
            else 0.0
        )
        return {
            "ops": len(writer.latencies) - timed_before,
            "saves": saves,
            "cpu_ms": 1000 * cpu / max(saves, 1),
            "server_ms": 1000 * server / max(saves, 1),
            "wall_ms": 1000 * wall / max(saves, 1),
            "unhandled": writer.counts["unhandled"],
            "statements": statements[0] / max(saves, 1),
            **{
                f"{kind}_ms": 1000 * sum(samples) / max(len(samples), 1)
                for kind, samples in writer.cpu.items()
            },
        }
    finally:
        database.dispose()


def benchmark() -> list[Row]:
    from crm_desktop.db.scratch import scratch_postgres_database

    ops = int(os.environ.get("CRM_CPU_OPS", 400))
    rows: list[Row] = []
    backends = os.environ.get("CRM_CPU_BACKENDS", "sqlite,postgres").split(",")
    results = []
    if "sqlite" in backends:
        with tempfile.TemporaryDirectory() as folder:
            results.append(("SQLite", measure(f"sqlite:///{Path(folder) / 'cpu.db'}", ops)))
    if "postgres" in backends:
        with scratch_postgres_database(prefix="crm_bench_cpu") as url:
            results.append(("PostgreSQL", measure(url, ops)))
    for name, r in results:
        server = f" + server {r['server_ms']:.1f} ms" if name == "PostgreSQL" else ""
        rows.append(
            {
                "benchmark": f"one writer, CPU per save, {name}",
                "result": f"{r['cpu_ms']:.1f} ms in the program{server}, "
                f"{r['statements']:.1f} SQL statements a save "
                f"({r['saves']:.0f} saves of {r['ops']:.0f} operations; wall "
                f"{r['wall_ms']:.1f} ms a save; {r['unhandled']:.0f} unhandled). In the "
                f"program: create {r['create_ms']:.1f} ms, edit {r['edit_ms']:.1f} ms, "
                f"move {r['move_ms']:.1f} ms",
                "target": "–",
            }
        )
    return rows


if __name__ == "__main__":
    print_table(benchmark())
