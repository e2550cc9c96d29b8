"""Run every benchmark and print one table.

    .venv/bin/python benchmarks/run.py [NAME ...]     e.g. run.py calendar case_list

Set CRM_BENCH_CASES to change the size of the demo databases (default 100,000).
Demo databases are kept in benchmarks/out/ between runs; delete it to rebuild them.
"""

from __future__ import annotations

import importlib
import sys
import traceback

from common import Row, print_table

BENCHMARKS = (
    "demo",
    "case_list",
    "calendar",
    "queues",
    "import",
    "report",
    "ui",
    "load",
    "load_paced",
    "write_cpu",
)


def main(names: list[str]) -> int:
    rows: list[Row] = []
    failed = False
    for name in names or BENCHMARKS:
        try:
            module = importlib.import_module(f"bench_{name}")
        except ModuleNotFoundError:
            rows.append({"benchmark": name, "result": "no such benchmark", "target": ""})
            continue
        try:
            rows.extend(module.benchmark())
        except Exception:
            failed = True
            traceback.print_exc()
            rows.append({"benchmark": name, "result": "FAILED (see above)", "target": ""})
    print_table(rows)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
