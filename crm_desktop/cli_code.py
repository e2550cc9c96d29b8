"""``crm-desktop code ...``: the Complaint Handling Code's yearly work on the command line.

    crm-desktop code self-assessment --year 2026 [--as-of DATE] [--xlsx FILE.xlsx]
    crm-desktop code answer --year 2026 6.2 --complies partly --evidence "..." \\
        [--explanation ...] [--action ...] [--owner ...]
    crm-desktop code history --year 2026
    crm-desktop code letter --year 2026 [--figures FILE.csv] [--text FILE.txt]
    crm-desktop code response --year 2026 [--body NAME] [--text-file FILE.txt]
    crm-desktop code finding COR-2026-00012 --text "..."

The Code's annual report itself is ``report code --year 2026 --out FILE.pdf``. Each
command runs one operation (:mod:`crm_desktop.operations.code`) as the command's user:
reading is for officers and managers, answering and the year's inputs for managers,
recording a finding for officers.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import Any

from crm_desktop.cli import open_for_command, parse_date, run_command
from crm_desktop.cli_reports import parse_year
from crm_desktop.domain.code_provisions import COMPLIES
from crm_desktop.domain.financial_year import FinancialYear
from crm_desktop.domain.formatting import format_date, format_decimal
from crm_desktop.errors import ValidationError

__all__ = ["register"]


def register(subparsers: Any) -> None:
    code = subparsers.add_parser(
        "code",
        help="the Complaint Handling Code: self-assessment, the Ombudsman's letter, findings",
        description="The Complaint Handling Code's yearly work: the self-assessment against "
        "the Code, the Ombudsman's annual letter and the governing body's response for the "
        "Code's annual report, and findings of non-compliance from the Ombudsman's decisions.",
    )
    actions = code.add_subparsers(dest="code_command", metavar="ACTION", required=True)

    def year_argument(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--year", required=True, metavar="YYYY", help="2026 means the financial year 2026/27"
        )

    show = actions.add_parser(
        "self-assessment",
        help="the year's self-assessment, pre-filled with what the cases show",
        description="Print the year's self-assessment against the Code (or, with --xlsx, "
        "save it and its history as a workbook).",
    )
    year_argument(show)
    show.add_argument("--as-of", type=parse_date, default=None, metavar="DATE")
    show.add_argument("--xlsx", type=Path, default=None, metavar="FILE.xlsx")
    show.set_defaults(handler=cmd_show)

    answer = actions.add_parser(
        "answer",
        help="answer one provision of the year's self-assessment (managers)",
        description="Set the council's answer for one provision; fields not given keep "
        "their saved (or pre-filled) value.",
    )
    year_argument(answer)
    answer.add_argument("provision", metavar="PROVISION", help="6.2, 4, 6.S2-respond, ...")
    answer.add_argument("--complies", metavar="|".join(COMPLIES), default=None)
    for name in ("evidence", "explanation", "action", "owner"):
        answer.add_argument(f"--{name}", default=None, metavar="TEXT")
    answer.add_argument("--as-of", type=parse_date, default=None, metavar="DATE")
    answer.set_defaults(handler=cmd_answer)

    history = actions.add_parser("history", help="every saved change of the year's answers")
    year_argument(history)
    history.set_defaults(handler=cmd_history)

    letter = actions.add_parser(
        "letter",
        help="the Ombudsman's annual letter: load its figures and its text (managers)",
        description="Load the annual letter's figures from a CSV file of 'figure,value' rows "
        "and its text from a UTF-8 text file; without either, print what is saved.",
    )
    year_argument(letter)
    letter.add_argument("--figures", type=Path, default=None, metavar="FILE.csv")
    letter.add_argument("--text", type=Path, default=None, metavar="FILE.txt")
    letter.set_defaults(handler=cmd_letter)

    response = actions.add_parser(
        "response",
        help="who the report goes to and their response, published alongside (managers)",
    )
    year_argument(response)
    response.add_argument("--body", default=None, metavar="NAME")
    response.add_argument("--text-file", type=Path, default=None, metavar="FILE.txt")
    response.set_defaults(handler=cmd_response)

    finding = actions.add_parser(
        "finding",
        help="record the Ombudsman's finding of non-compliance with the Code on a case",
    )
    finding.add_argument("reference", metavar="REFERENCE")
    finding.add_argument("--text", required=True, metavar="TEXT", help="empty: no finding")
    finding.set_defaults(handler=cmd_finding)


def _year(args: argparse.Namespace) -> int:
    return parse_year(str(args.year))


def cmd_show(args: argparse.Namespace) -> int:
    from crm_desktop.operations import code

    year = _year(args)
    database = open_for_command(args, must_exist=True)
    try:
        if args.xlsx is not None:
            out = run_command(database, args, code.export_self_assessment, year, args.xlsx)
            print(f"Self-assessment {FinancialYear(year).label} written to {out}")
            return 0
        assessment = run_command(database, args, code.self_assessment_for, year)
    finally:
        database.dispose()
    label = FinancialYear(year).label
    print(
        f"Self-assessment against the Complaint Handling Code {label}: "
        f"{assessment.answered} of {len(assessment.rows)} provisions answered"
    )
    for row in assessment.rows:
        complies = row.answer.complies or "-"
        if row.answer.complies and not row.saved:
            complies += " (suggested)"
        print(f"{row.provision.key}\t{complies}\t{row.provision.asks}")
        if row.measured is not None:
            print(f"\tmeasured: {row.measured.text}")
    return 0


def cmd_answer(args: argparse.Namespace) -> int:
    from crm_desktop.operations import code

    year = _year(args)
    database = open_for_command(args, must_exist=True)
    try:
        assessment = run_command(database, args, code.self_assessment_for, year)
        try:
            row = assessment.row(args.provision)
        except KeyError:
            raise ValidationError(
                f"'{args.provision}' is not a provision of the Code's checklist; "
                "`code self-assessment` lists them.",
                "provision",
            ) from None
        changes = {
            name: getattr(args, name)
            for name in ("complies", "evidence", "explanation", "action", "owner")
            if getattr(args, name) is not None
        }
        saved = run_command(
            database, args, code.save_self_assessment, year, [replace(row.answer, **changes)]
        )
    finally:
        database.dispose()
    answer = saved.row(args.provision).answer
    print(f"{args.provision}: {answer.complies or '-'} (saved for {FinancialYear(year).label})")
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    from crm_desktop.operations import code

    year = _year(args)
    database = open_for_command(args, must_exist=True)
    try:
        changes = run_command(database, args, code.self_assessment_history, year)
    finally:
        database.dispose()
    for change in changes:
        print(
            f"{format_date(change.changed_at.date())}\t{change.changed_by or '-'}\t"
            f"{change.provision}\t{change.complies or '-'}\t{change.evidence}"
        )
    if not changes:
        print(f"No answer of {FinancialYear(year).label} has been saved.")
    return 0


def cmd_letter(args: argparse.Namespace) -> int:
    from crm_desktop.operations import code
    from crm_desktop.reports.code_inputs import LETTER_FIGURES, with_letter_text

    year = _year(args)
    database = open_for_command(args, must_exist=True)
    try:
        if args.figures is not None:
            inputs = run_command(database, args, code.load_letter_figures, year, args.figures)
        else:
            inputs = run_command(database, args, code.code_year_inputs, year)
        if args.text is not None:
            inputs = run_command(
                database, args, code.save_code_year_inputs, with_letter_text(inputs, args.text)
            )
    finally:
        database.dispose()
    print(f"The Ombudsman's annual letter, {FinancialYear(year).label}:")
    for name, label, kind in LETTER_FIGURES:
        value = getattr(inputs, name)
        shown = (
            "-"
            if value is None
            else (f"{format_decimal(value, 1)}%" if kind == "percent" else f"{value}")
        )
        print(f"{label}\t{shown}")
    print(f"Text: {len(inputs.letter_text):,} characters")
    return 0


def cmd_response(args: argparse.Namespace) -> int:
    from crm_desktop.operations import code

    year = _year(args)
    database = open_for_command(args, must_exist=True)
    try:
        inputs = run_command(database, args, code.code_year_inputs, year)
        changed = inputs
        if args.body is not None:
            changed = replace(changed, governing_body=args.body)
        if args.text_file is not None:
            try:
                text = args.text_file.read_text(encoding="utf-8-sig").strip()
            except (OSError, UnicodeDecodeError) as exc:
                raise ValidationError(f"Cannot read {args.text_file}: {exc}.", "file") from exc
            changed = replace(changed, governing_body_response=text)
        if changed != inputs:
            inputs = run_command(database, args, code.save_code_year_inputs, changed)
    finally:
        database.dispose()
    print(f"Governing body: {inputs.governing_body or '-'}")
    print(f"Response: {inputs.governing_body_response or '(none yet)'}")
    return 0


def cmd_finding(args: argparse.Namespace) -> int:
    from crm_desktop.operations import code

    database = open_for_command(args, must_exist=True)
    try:
        run_command(database, args, code.record_code_finding, args.reference, args.text)
    finally:
        database.dispose()
    what = "recorded" if args.text.strip() else "cleared"
    print(f"Finding of non-compliance with the Code {what} on {args.reference.strip()}")
    return 0
