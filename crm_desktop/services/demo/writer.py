"""Writing a run to the database: ids, bulk inserts, reference counters, the audit event.

Rows are written with bulk Core inserts in chunks, primary keys assigned here, so
100,000 cases take seconds rather than minutes. Ids continue after the rows already
there; on PostgreSQL they are drawn from each table's id sequence (``nextval``), so
ordinary inserts, meanwhile or after, never meet them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db.audit import record_events
from crm_desktop.db.base import utcnow
from crm_desktop.db.errors import BUSY_MESSAGE
from crm_desktop.db.models import Case, ReferenceCounter
from crm_desktop.errors import DatabaseBusyError

CHUNK_ROWS: Final = 5000
# How many times to draw a block of consecutive ids while others draw from the same sequence.
_CONSECUTIVE_ATTEMPTS: Final = 5

Progress = Callable[[int, int], None]


def table_of(model: type[Any]) -> sa.Table:
    """A model's table (typed as such for mypy)."""
    table = model.__table__
    assert isinstance(table, sa.Table)
    return table


@dataclass
class Table:
    """Rows of one table as columns: equal-length lists, or one value for every row."""

    table: sa.Table
    n: int
    columns: dict[str, Any] = field(default_factory=dict)

    def rows(self, lo: int, hi: int) -> list[dict[str, Any]]:
        keys = list(self.columns)
        cols: list[Sequence[Any]] = []
        for key in keys:
            value = self.columns[key]
            if isinstance(value, list):
                cols.append(value[lo:hi])
            else:
                cols.append([value] * (hi - lo))
        return [dict(zip(keys, values, strict=True)) for values in zip(*cols, strict=True)]


class Writer:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.is_postgres = session.get_bind().dialect.name == "postgresql"

    def reserve_ids(self, table: sa.Table, count: int) -> Sequence[int]:
        """``count`` ids for new rows of ``table``, in increasing order, after every row
        already there: on SQLite the ones after the largest id (the write transaction
        holds the file). On PostgreSQL they are drawn from the table's id sequence
        (``nextval``, which a login allowed to add the rows may call: nobody's login
        needs the right to set a sequence), so no other session is ever handed one of
        them, however it adds its rows meanwhile. They are one run (a ``range``) unless
        another session drew from the same sequence at that very moment."""
        column = table.c.id
        current = int(self.session.scalar(sa.select(sa.func.max(column))) or 0)
        if count <= 0 or not self.is_postgres:
            return range(current + 1, current + 1 + max(count, 0))
        sequence = self.session.scalar(sa.select(sa.func.pg_get_serial_sequence(table.name, "id")))
        if sequence is None:
            return range(current + 1, current + 1 + count)
        ids = self._draw(sequence, count)
        if ids[0] <= current:
            # The sequence is behind the rows (rows written with ids of their own): it is
            # moved on past them, forward only, and the ids drawn again.
            self._draw(sequence, max(0, current - ids[-1]))
            ids = self._draw(sequence, count)
        return ids

    def _draw(self, sequence: str, count: int) -> Sequence[int]:
        """``count`` values of ``sequence`` (none when ``count`` is 0), returned by the
        server as runs of consecutive values, so only a few numbers come back."""
        if count <= 0:
            return range(0)
        runs = self.session.execute(
            sa.text(
                "SELECT min(v), max(v), count(*) FROM ("
                "SELECT n.i, nextval(CAST(:sequence AS regclass)) AS v "
                "FROM generate_series(1, :count) AS n(i)) AS drawn "
                "GROUP BY v - i ORDER BY 1"
            ),
            {"sequence": sequence, "count": count},
        ).all()
        # Each run is whole when it holds as many values as it spans (a sequence never
        # repeats a value); the runs are ordered, so together they are increasing.
        if sum(int(c) for _, _, c in runs) == count and all(
            int(hi) - int(lo) + 1 == int(c) for lo, hi, c in runs
        ):
            if len(runs) == 1:
                return range(int(runs[0][0]), int(runs[0][1]) + 1)
            return [v for lo, hi, _ in runs for v in range(int(lo), int(hi) + 1)]
        return sorted(
            int(v)
            for v in self.session.scalars(
                sa.text(
                    "SELECT nextval(CAST(:sequence AS regclass)) FROM generate_series(1, :count)"
                ),
                {"sequence": sequence, "count": count},
            )
        )

    def reserve(self, table: sa.Table, count: int) -> int:
        """Room for ``count`` new rows with consecutive ids: returns the id before the
        first of them (the ids of :meth:`reserve_ids`, drawn again, a few times at most,
        while another session's rows split them; the ids left unused are gaps)."""
        for _ in range(_CONSECUTIVE_ATTEMPTS):
            ids = self.reserve_ids(table, count)
            if isinstance(ids, range):
                return ids.start - 1
        raise DatabaseBusyError(BUSY_MESSAGE)

    def used_reference_numbers(self) -> dict[tuple[str, int], int]:
        """The highest number used per (prefix, year), by the counters or by cases."""
        pattern = re.compile(r"^([A-Z]+)-(\d{4})-(\d+)$")
        used: dict[tuple[str, int], int] = {}
        for prefix, counter_year, last in self.session.execute(
            sa.select(ReferenceCounter.prefix, ReferenceCounter.year, ReferenceCounter.last_number)
        ).all():
            counter_key = (str(prefix), int(counter_year))
            used[counter_key] = max(used.get(counter_key, 0), int(last))
        for (reference,) in self.session.execute(sa.select(Case.reference)).all():
            match = pattern.match(reference)
            if match:
                key = (match.group(1), int(match.group(2)))
                used[key] = max(used.get(key, 0), int(match.group(3)))
        return used

    def insert(self, tables: list[Table], cases: int, progress: Progress | None) -> int:
        """Insert every row, in chunks; ``progress(done, cases)`` in proportion. Returns
        the number of rows written."""
        total = sum(t.n for t in tables)
        done = 0
        if progress is not None:
            progress(0, cases)
        for table in tables:
            statement = sa.insert(table.table)
            for lo in range(0, table.n, CHUNK_ROWS):
                hi = min(table.n, lo + CHUNK_ROWS)
                self.session.execute(statement, table.rows(lo, hi))
                done += hi - lo
                if progress is not None:
                    progress(min(cases, cases * done // max(total, 1)), cases)
        if progress is not None:
            progress(cases, cases)
        return total

    def update_counters(self, counters: dict[tuple[str, int], int]) -> None:
        for (prefix, year), last in sorted(counters.items()):
            counter = self.session.get(ReferenceCounter, (prefix, year))
            if counter is None:
                self.session.add(ReferenceCounter(prefix=prefix, year=year, last_number=last))
            else:
                counter.last_number = max(counter.last_number, last)
        self.session.flush()

    def record_audit_event(self, actor: str, details: dict[str, Any]) -> None:
        """One event in the audit trail for the whole batch (the rows themselves are
        written in bulk, not one by one through the ORM, so they have no events of their
        own). Its time is when the data was made: the trail's own clock, not demo data."""
        record_events(
            self.session,
            [
                {
                    "occurred_at": utcnow(),
                    "username": actor,
                    "action": "generate demo data",
                    "entity": table_of(Case).name,
                    "entity_id": None,
                    "case_id": None,
                    "before": None,
                    "after": json.dumps(details, sort_keys=True),
                }
            ],
        )
