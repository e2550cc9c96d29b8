"""``crm-desktop policy ...``: procedure policies, each procedure's rules as dated versions.

    crm-desktop policy list [--procedure corporate]
    crm-desktop policy show ID [--json]
    crm-desktop policy preview corporate 2027-01-01
    crm-desktop policy add corporate "Corporate procedure 2027" 2027-01-01 RULES.json [--note TEXT]

A case follows the version in force on the day it was received, for its whole life. A
new version must take effect after today and after every case of its procedure already
received; a version that cases follow cannot be changed, only superseded. ``RULES.json``
is the form ``policy show ID --json`` prints (copy a version, change what is new, add it
with a later date). Each command runs one operation
(:mod:`crm_desktop.operations.procedure_policies`) as the command's user.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from crm_desktop.cli import parse_date
from crm_desktop.cli_deadlines import _run
from crm_desktop.domain.enums import Procedure
from crm_desktop.domain.formatting import format_date
from crm_desktop.domain.procedure_policy import rules_to_json
from crm_desktop.errors import ValidationError
from crm_desktop.operations import procedure_policies as ops
from crm_desktop.services.procedure_policies import PolicyView

__all__ = ["register"]


def register(subparsers: Any) -> None:
    policy = subparsers.add_parser(
        "policy",
        help="procedure policies: each procedure's rules as versions with their dates",
        description="A case follows the policy version in force on the day it was received.",
    )
    actions = policy.add_subparsers(dest="policy_command", metavar="ACTION", required=True)

    listing = actions.add_parser("list", help="every version, with the cases that follow it")
    listing.add_argument("--procedure", choices=[p.value for p in Procedure])
    listing.set_defaults(handler=cmd_policy_list)

    show = actions.add_parser("show", help="one version's rules")
    show.add_argument("policy_id", type=int, metavar="ID")
    show.add_argument("--json", action="store_true", help="print the rules as JSON")
    show.set_defaults(handler=cmd_policy_show)

    preview = actions.add_parser(
        "preview", help="how many existing cases a version from DATE would apply to"
    )
    preview.add_argument("procedure", choices=[p.value for p in Procedure])
    preview.add_argument("effective_from", type=parse_date, metavar="DATE")
    preview.set_defaults(handler=cmd_policy_preview)

    add = actions.add_parser(
        "add",
        help="add a version for cases received from DATE",
        description="Add a version of a procedure's policy, for cases received from DATE "
        "(after today and after every case already received).",
    )
    add.add_argument("procedure", choices=[p.value for p in Procedure])
    add.add_argument("name")
    add.add_argument("effective_from", type=parse_date, metavar="DATE")
    add.add_argument("rules", type=Path, metavar="RULES.json", help="as 'policy show --json'")
    add.add_argument("--note", default="")
    add.set_defaults(handler=cmd_policy_add)


def _summary(view: PolicyView) -> str:
    use = f"{view.cases} case{'s' if view.cases != 1 else ''} ({view.open_cases} open)"
    return f"{view.id:>4}  {view.procedure:<9}  {view.name} -- {view.period}; {use}"


def cmd_policy_list(args: argparse.Namespace) -> int:
    for view in _run(args, ops.procedure_policies, args.procedure):
        print(_summary(view))
    return 0


def cmd_policy_show(args: argparse.Namespace) -> int:
    view: PolicyView = _run(args, ops.procedure_policy, args.policy_id)
    if args.json:
        print(rules_to_json(view.rules))
        return 0
    print(f"{view.name} ({Procedure(view.procedure).label})")
    print(f"In force for {view.period}.")
    print(
        f"Followed by {view.cases} case{'s' if view.cases != 1 else ''} "
        f"({view.open_cases} open): "
        + ("in use, so it cannot be changed." if view.in_use else "not in use yet.")
    )
    for line in view.rules.describe():
        print(f"  {line}")
    if view.rules.source:
        print(f"Source: {view.rules.source}")
    if view.note:
        print(f"Note: {view.note}")
    return 0


def cmd_policy_preview(args: argparse.Namespace) -> int:
    result = _run(args, ops.preview_procedure_policy, args.procedure, args.effective_from)
    print(result.message)
    return 0 if result.message.startswith("Applies to no existing case") else 1


def cmd_policy_add(args: argparse.Namespace) -> int:
    try:
        rules = args.rules.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValidationError(f"Cannot read {args.rules}: {exc.strerror}.") from None
    view = _run(
        args,
        ops.add_procedure_policy,
        args.procedure,
        args.name,
        args.effective_from,
        rules,
        args.note,
    )
    print(
        f"Added {view.name} (id {view.id}) for cases received from "
        f"{format_date(view.effective_from)}.",
        file=sys.stdout,
    )
    return 0
