"""``crm-desktop user``: add, list, disable and enable users, set passwords, logins.

Every change is made as the command's user (``--as``, else the user whose own
PostgreSQL login is connected, else the command-line administrator) and needs the
permission to manage users; on PostgreSQL the database refuses it to any other login.
"""

from __future__ import annotations

import argparse
from typing import Any

from crm_desktop.cli import open_for_command, read_password, run_command
from crm_desktop.domain.enums import UserRole
from crm_desktop.domain.formatting import format_date
from crm_desktop.errors import ValidationError


def register(commands: Any) -> None:
    user = commands.add_parser("user", help="user accounts and roles")
    actions = user.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="add a user")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=[r.value for r in UserRole])
    add.add_argument("--name", default="", help="the name shown in the program")
    add.add_argument("--email")
    add.add_argument("--windows-account", help="sign in as this Windows account, no password")
    add.add_argument(
        "--person-id",
        type=int,
        help="an investigator's record in the pool: the number 'privacy people NAME' shows "
        "first (in the program, Investigators > Add person chooses them by name)",
    )
    add.add_argument(
        "--service-area",
        help="a service responder's service area, by name: the responder answers its cases "
        "(where several areas share a name, as the refusal lists them: 'NAME (Corporate, "
        "DIRECTORATE)')",
    )
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    add.set_defaults(handler=cmd_add)
    actions.add_parser("list", help="list users").set_defaults(handler=cmd_list)
    for name, active in (("disable", False), ("enable", True)):
        parser = actions.add_parser(
            name,
            help=f"{name} a user (and clear any lock); on PostgreSQL their own login is "
            + ("signed out and can no longer connect" if not active else "able to connect again"),
        )
        parser.add_argument("username")
        parser.set_defaults(handler=cmd_set_active, active=active)
    login = actions.add_parser(
        "db-login",
        help="PostgreSQL: give a user their own login role, in their role's group of this "
        "database (the database enforces their rights on it); run with the owner's login",
    )
    login.add_argument("username")
    login.add_argument("--password-stdin", action="store_true")
    login.set_defaults(handler=cmd_db_login)
    password = actions.add_parser("password", help="set a user's password")
    password.add_argument("username")
    password.add_argument("--password-stdin", action="store_true")
    password.set_defaults(handler=cmd_password)


def cmd_add(args: argparse.Namespace) -> int:
    from crm_desktop.operations import admin
    from crm_desktop.services.reference_admin import responder_area

    if args.service_area and args.role != UserRole.SERVICE_RESPONDER.value:
        # Said before the password is asked for.
        raise ValidationError(
            "Only a service responder's account has a service area: leave out "
            "--service-area, or add the account with --role 'service responder'.",
            "service_area",
        )
    password = None
    if args.password_stdin or not args.windows_account:
        password = read_password(args.password_stdin)
    database = open_for_command(args)
    try:
        area = None
        if args.service_area:
            choices = run_command(database, args, admin.account_choices)
            area = responder_area(choices, args.service_area)
        user = run_command(
            database,
            args,
            admin.add_user,
            args.username,
            args.role,
            display_name=args.name or args.username,
            password=password,
            confirm=password,
            windows_account=args.windows_account,
            email=args.email,
            person_id=args.person_id,
            service_area_id=area,
        )
    finally:
        database.dispose()
    print(f"Added {user.username} ({user.role}).")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from crm_desktop.operations import admin

    database = open_for_command(args, must_exist=True)
    try:
        users = run_command(database, args, admin.user_accounts)
    finally:
        database.dispose()
    for user in users:
        state = "active" if user.active else "disabled"
        last = format_date(user.last_sign_in_at.date()) if user.last_sign_in_at else "never"
        print(f"{user.username}\t{user.role}\t{state}\tlast signed in {last}\t{user.display_name}")
    return 0


def cmd_set_active(args: argparse.Namespace) -> int:
    from crm_desktop.operations import admin

    database = open_for_command(args, must_exist=True)
    try:
        user = run_command(database, args, admin.set_user_active, args.username, args.active)
    finally:
        database.dispose()
    print(f"{user.username} is now {'enabled' if user.active else 'disabled'}.")
    return 0


def cmd_password(args: argparse.Namespace) -> int:
    from crm_desktop.operations import admin

    password = read_password(args.password_stdin)
    database = open_for_command(args, must_exist=True)
    try:
        run_command(database, args, admin.set_password, args.username, password)
    finally:
        database.dispose()
    print(f"The password of {args.username} is changed.")
    return 0


def cmd_db_login(args: argparse.Namespace) -> int:
    from crm_desktop.operations import admin

    password = read_password(args.password_stdin) if args.password_stdin else None
    database = open_for_command(args, must_exist=True)
    try:
        role = run_command(database, args, admin.grant_database_login, args.username, password)
    finally:
        database.dispose()
    print(f"{args.username} connects to PostgreSQL as the login {role}.")
    return 0
