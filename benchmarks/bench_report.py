"""The annual report: figures, PDF and XLSX, at the source document's scale and at 100,000 cases.

    python benchmarks/bench_report.py

Targets (issue 7):

- a year of about 1,100 complaints (the source document's 1,082 in 2022/23) to PDF in at
  most 3 s. The demo database of 6,600 cases spreads them over five financial years
  with the growth the demo builds in; 2025/26 is the fullest complete year and holds
  about 1,100 complaints (the count is measured and printed). Timed: the figures
  (``annual_report``) plus the PDF, as the one-click report runs them; the PDF alone is
  shown beside.
- the 100,000-case demo database, all procedures, figures + PDF + XLSX in at most 20 s
  with peak memory at most 500 MB. Run in a fresh Python process so that the peak is the
  report's and not this script's: the peak is that process's own maximum resident set
  size (``peak_rss_kib`` from common.py, read by the child at its end), which counts the
  interpreter, pandas, numpy and reportlab as well as the report itself.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time
from pathlib import Path

from common import PEAK_RSS_SOURCE, ROOT, Row, best_of, demo_sqlite_file, print_table

YEAR = 2025  # 2025/26 beside 2024/25: the demo data (ending 26 Nov 2026) covers both
SMALL_CASES = 6_600
BIG_CASES = 100_000
NOW = dt.datetime(2026, 11, 26, 9, 0)

_CHILD = r"""
import datetime as dt, io, json, resource, sys, time
from crm_desktop.db.database import open_database
from crm_desktop.reports.figures import annual_report
from crm_desktop.reports.pdf import render_pdf
from crm_desktop.reports.xlsx import render_xlsx

url, year, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
database = open_database(url)
started = time.perf_counter()
with database.session() as session:
    report = annual_report(session, year, now=dt.datetime(2026, 11, 26, 9, 0))
figures = time.perf_counter()
render_pdf(report, out + ".pdf")
pdf = time.perf_counter()
render_xlsx(report, out + ".xlsx")
done = time.perf_counter()
database.dispose()
peak = peak_rss_kib()
scale = 1024
print(json.dumps({
    "figures": figures - started, "pdf": pdf - figures, "xlsx": done - pdf,
    "total": done - started, "peak_mb": peak * scale / 1e6,
}))
"""


def _complaints_in_year(path: Path, year: int) -> int:
    import sqlite3

    connection = sqlite3.connect(path)
    try:
        row = connection.execute(
            "SELECT count(*) FROM representation WHERE kind = 'complaint' "
            "AND received_on BETWEEN ? AND ?",
            (f"{year}-04-01", f"{year + 1}-03-31"),
        ).fetchone()
    finally:
        connection.close()
    return int(row[0])


def bench_year_to_pdf() -> list[Row]:
    from crm_desktop.db.database import open_database
    from crm_desktop.domain.financial_year import FinancialYear
    from crm_desktop.reports.figures import annual_report
    from crm_desktop.reports.pdf import render_pdf

    path = demo_sqlite_file(SMALL_CASES)
    complaints = _complaints_in_year(path, YEAR)
    database = open_database(f"sqlite:///{path}")
    out = ROOT / "benchmarks" / "out" / "bench-report-year.pdf"
    pdf_only = {"best": 0.0}
    try:

        def figures_and_pdf() -> None:
            with database.session() as session:
                report = annual_report(session, YEAR, now=NOW)
            started = time.perf_counter()
            render_pdf(report, out)
            pdf_only["best"] = min(pdf_only["best"] or float("inf"), time.perf_counter() - started)

        seconds = best_of(figures_and_pdf, repeats=3)
    finally:
        database.dispose()
    return [
        {
            "benchmark": f"report: {complaints:,} complaints in {FinancialYear(YEAR).label} "
            f"({SMALL_CASES:,}-case demo), figures + PDF",
            "result": f"{seconds:.2f} s (PDF alone {pdf_only['best']:.2f} s)",
            "target": "<= 3 s",
        }
    ]


def bench_big_database() -> list[Row]:
    path = demo_sqlite_file(BIG_CASES)
    out = ROOT / "benchmarks" / "out" / "bench-report-100k"
    result = subprocess.run(
        [sys.executable, "-c", PEAK_RSS_SOURCE + _CHILD, f"sqlite:///{path}", str(YEAR), str(out)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    return [
        {
            "benchmark": f"report: {BIG_CASES:,}-case demo, all procedures, figures + PDF + XLSX "
            "(fresh process; peak = its max RSS)",
            "result": f"{figures['total']:.1f} s (figures {figures['figures']:.1f}, "
            f"PDF {figures['pdf']:.1f}, XLSX {figures['xlsx']:.1f}), "
            f"peak {figures['peak_mb']:.0f} MB",
            "target": "<= 20 s, peak memory <= 500 MB",
        }
    ]


def benchmark() -> list[Row]:
    return bench_year_to_pdf() + bench_big_database()


if __name__ == "__main__":
    print_table(benchmark())
