"""Deadline queues on a big database: each queue's service against the same SQL run
through the database driver's own cursor, on SQLite and on PostgreSQL.

    python benchmarks/bench_queues.py         (CRM_BENCH_CASES=100000 by default)

Targets (issue 3): every queue at most 200 ms on 100,000 cases, and at most 2x the raw
SQL fetching the same rows. "Ours" is the whole operation as the program runs it
(``run_operation(..., deadlines.queue, name)`` for the officer with the most open cases):
the access policy's check, a read session (``Database.session()``), the calendar's
closure-day query, the queue's query with its working days counted in SQL, and the rows
made. "Raw" is the same SQL (parameters written in) executed on an open DB-API
connection (sqlite3; psycopg in autocommit).

The SQLite database is the shared demo file (benchmarks/out/, built once by
``generate_demo``); the PostgreSQL one is a throwaway database filled the same way.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from common import (
    Row,
    bench_cases,
    best_of,
    demo_sqlite_file,
    print_table,
    top_up_open_cases,
)

TARGET_MS = 200.0
TARGET_RATIO = 2.0
END = dt.date(2026, 11, 26)  # the demo data's last day (as in common.py): the queues' as-of
SEED = 1
REPEATS = 25
WITHIN = 5


def open_target(cases: int) -> int:
    """The issue's shape: 10,000 open cases in 100,000."""
    return cases // 10


@contextmanager
def _postgres_demo(cases: int) -> Iterator[str]:
    from crm_desktop.db.database import open_database
    from crm_desktop.db.scratch import scratch_postgres_database
    from crm_desktop.services.demo import generate_demo

    with scratch_postgres_database(prefix="crm_bench_queues") as url:
        database = open_database(url)
        try:
            generate_demo(database, cases, SEED, END)
            top_up_open_cases(database, open_target(cases))
            with database.engine.connect() as connection:
                connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                    "VACUUM ANALYZE"
                )
        finally:
            database.dispose()
        yield url


def _busiest_user(database: Any) -> tuple[Any, int]:
    """The user with the most open cases (who runs the queues, and whose "my open cases"
    they are), and how many cases are open in all."""
    import sqlalchemy as sa

    from crm_desktop.db.models import Case, User
    from crm_desktop.domain.access import Actor

    with database.session() as session:
        row = session.execute(
            sa.select(User.username, User.role, User.id)
            .join(Case, Case.owner_id == User.id)
            .where(Case.status == "open")
            .group_by(User.username, User.role, User.id)
            .order_by(sa.func.count().desc(), User.username)
            .limit(1)
        ).first()
        open_cases = session.scalar(
            sa.select(sa.func.count()).select_from(Case).where(Case.status == "open")
        )
    if row is None:
        raise RuntimeError("The benchmark database has no open case with an owner.")
    return Actor(row[0], row[1], row[2]), int(open_cases or 0)


def _time_queues(
    database: Any, backend: str, cases: int, raw_connect: Callable[[], Any]
) -> list[Row]:
    from crm_desktop.operations import deadlines, run_operation
    from crm_desktop.services.queues import QUEUES, queue_statement

    actor, open_cases = _busiest_user(database)
    user = actor.username
    rows: list[Row] = []
    raw = raw_connect()
    try:
        for name in QUEUES:
            with database.session() as session:
                statement = queue_statement(session, name, END, user=user, within=WITHIN)
            sql = str(
                statement.compile(
                    dialect=database.engine.dialect, compile_kwargs={"literal_binds": True}
                )
            )

            def ours(name: str = name) -> int:
                found = run_operation(database, actor, END, deadlines.queue, name, within=WITHIN)
                return len(found.value)

            def fetch(sql: str = sql) -> int:
                cursor = raw.cursor()
                try:
                    cursor.execute(sql)
                    return len(cursor.fetchall())
                finally:
                    cursor.close()

            count = ours()
            if fetch() != count:
                raise AssertionError(f"{name}: the raw SQL fetched a different number of rows")
            ours_s = best_of(ours, REPEATS)
            raw_s = best_of(fetch, REPEATS)
            ratio = ours_s / raw_s if raw_s else float("inf")
            met = ours_s * 1000 <= TARGET_MS and ratio <= TARGET_RATIO
            rows.append(
                {
                    "benchmark": f"queue {name} ({count:,} rows), {backend}, {cases:,} cases "
                    f"({open_cases:,} open)",
                    "result": f"{ours_s * 1000:.2f} ms vs raw {raw_s * 1000:.2f} ms: "
                    f"ratio {ratio:.2f}",
                    "target": f"<= {TARGET_MS:g} ms, ratio <= {TARGET_RATIO:g}"
                    + (" (met)" if met else " (MISSED)"),
                }
            )
    finally:
        raw.close()
    return rows


def benchmark() -> list[Row]:
    import psycopg
    from sqlalchemy.engine import make_url

    from crm_desktop.db.database import open_database

    cases = bench_cases()
    rows: list[Row] = []

    path = demo_sqlite_file(cases, SEED, open_target(cases))
    database = open_database(f"sqlite:///{path}")
    try:
        rows.extend(_time_queues(database, "SQLite", cases, lambda: sqlite3.connect(path)))
    finally:
        database.dispose()

    with _postgres_demo(cases) as url:
        database = open_database(url)
        plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        try:
            rows.extend(
                _time_queues(
                    database,
                    "PostgreSQL",
                    cases,
                    lambda: psycopg.connect(plain, autocommit=True),
                )
            )
        finally:
            database.dispose()
    return rows


if __name__ == "__main__":
    print_table(benchmark())
