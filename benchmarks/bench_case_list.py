"""Case list, first page: our service against the same SQL through raw sqlite3.

python benchmarks/bench_case_list.py      (CRM_BENCH_CASES=100000 by default)
"""

from __future__ import annotations

import sqlite3

from common import Row, bench_cases, best_of, demo_sqlite_file, print_table

TARGET_RATIO = 2.0


def benchmark() -> list[Row]:
    from crm_desktop.db.database import open_database
    from crm_desktop.services.case_list import CaseListQuery, case_page_statement, fetch_case_page

    cases = bench_cases()
    path = demo_sqlite_file(cases)
    database = open_database(f"sqlite:///{path}")
    rows: list[Row] = []
    try:
        for label, query in (
            ("received date, newest first", CaseListQuery(sort="received", descending=True)),
            ("due date", CaseListQuery(sort="due", descending=False)),
            ("quick search 'smith'", CaseListQuery(search="smith")),
        ):
            statement = case_page_statement(query, 0, 200)
            sql = str(
                statement.compile(
                    dialect=database.engine.dialect, compile_kwargs={"literal_binds": True}
                )
            )

            def ours(query: CaseListQuery = query) -> None:
                with database.session() as session:
                    page = fetch_case_page(session, query, 0, 200)
                    assert len(page) == 200

            raw_connection = sqlite3.connect(path)

            def raw(sql: str = sql, connection: sqlite3.Connection = raw_connection) -> None:
                assert len(connection.execute(sql).fetchall()) == 200

            ours()
            raw()
            ours_s, raw_s = best_of(ours, 50), best_of(raw, 50)
            raw_connection.close()
            ratio = ours_s / raw_s
            rows.append(
                {
                    "benchmark": f"case list first page (200 rows), {label}, {cases:,} cases",
                    "result": f"{ours_s * 1000:.2f} ms vs raw sqlite3 {raw_s * 1000:.2f} ms: "
                    f"ratio {ratio:.2f}",
                    "target": f"ratio <= {TARGET_RATIO:g}"
                    + (" (met)" if ratio <= TARGET_RATIO else " (MISSED)"),
                }
            )
    finally:
        database.dispose()
    return rows


if __name__ == "__main__":
    print_table(benchmark())
