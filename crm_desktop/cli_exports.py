"""``crm-desktop export`` and ``crm-desktop baseline``: data out, last year's figures in."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from crm_desktop.cli import open_for_command, parse_date, run_command


def register(commands: Any) -> None:
    export = commands.add_parser(
        "export", help="export cases, complaint points or stages to CSV or XLSX"
    )
    export.add_argument("what", choices=("cases", "points", "stages"))
    export.add_argument("--out", required=True, type=Path, help="FILE.csv or FILE.xlsx")
    export.add_argument("--from", dest="start", type=parse_date, help="received on or after")
    export.add_argument("--to", dest="end", type=parse_date, help="received on or before")
    export.set_defaults(handler=cmd_export)

    baseline = commands.add_parser(
        "baseline", help="previous years' published figures, for years without cases"
    )
    actions = baseline.add_subparsers(dest="baseline_command", metavar="ACTION", required=True)
    template = actions.add_parser("template", help="write a CSV of every table's rows to fill in")
    template.add_argument("--year", type=int, required=True, help="2021 means 2021/22")
    template.add_argument("--out", type=Path, required=True)
    template.set_defaults(handler=cmd_baseline_template)
    load = actions.add_parser("load", help="load a filled-in baseline CSV (all or nothing)")
    load.add_argument("file", type=Path)
    load.set_defaults(handler=cmd_baseline_load)


def cmd_export(args: argparse.Namespace) -> int:
    from crm_desktop.operations import reports

    database = open_for_command(args, must_exist=True)
    try:
        count = run_command(
            database, args, reports.export_data, args.what, args.out, args.start, args.end
        )
    finally:
        database.dispose()
    print(f"Exported {count:,} {args.what} to {args.out}")
    return 0


def cmd_baseline_template(args: argparse.Namespace) -> int:
    from crm_desktop.operations import reports

    database = open_for_command(args)
    try:
        written = run_command(database, args, reports.save_baseline_template, args.year, args.out)
    finally:
        database.dispose()
    print(f"Wrote the baseline template for {args.year} to {written}")
    return 0


def cmd_baseline_load(args: argparse.Namespace) -> int:
    from crm_desktop.operations import reports

    database = open_for_command(args)
    try:
        result = run_command(database, args, reports.load_baseline, args.file)
    finally:
        database.dispose()
    if result.errors:
        for error in result.errors:
            print(str(error), file=sys.stderr)
        print("Nothing was loaded. Correct the file and load it again.", file=sys.stderr)
        return 2
    print(f"Loaded {result.loaded:,} baseline figures for {len(result.tables)} tables.")
    return 0
