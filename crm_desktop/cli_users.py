"""``crm-desktop user``: add, list, disable and enable users, set passwords."""

from __future__ import annotations

import argparse
from typing import Any

from crm_desktop.cli import open_for_command, read_password
from crm_desktop.domain.enums import UserRole
from crm_desktop.domain.formatting import format_date


def register(commands: Any) -> None:
    user = commands.add_parser("user", help="user accounts and roles")
    actions = user.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="add a user")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=[r.value for r in UserRole])
    add.add_argument("--name", default="", help="the name shown in the program")
    add.add_argument("--email")
    add.add_argument("--windows-account", help="sign in as this Windows account, no password")
    add.add_argument("--person-id", type=int, help="an investigator's record in the pool")
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    add.set_defaults(handler=cmd_add)
    actions.add_parser("list", help="list users").set_defaults(handler=cmd_list)
    for name, active in (("disable", False), ("enable", True)):
        parser = actions.add_parser(name, help=f"{name} a user (and clear any lock)")
        parser.add_argument("username")
        parser.set_defaults(handler=cmd_set_active, active=active)
    login = actions.add_parser(
        "db-login",
        help="PostgreSQL: give a user their own login role (row-level security applies to it)",
    )
    login.add_argument("username")
    login.add_argument("--password-stdin", action="store_true")
    login.set_defaults(handler=cmd_db_login)
    password = actions.add_parser("password", help="set a user's password")
    password.add_argument("username")
    password.add_argument("--password-stdin", action="store_true")
    password.set_defaults(handler=cmd_password)


def cmd_add(args: argparse.Namespace) -> int:
    from crm_desktop.services.users import add_user

    password = None
    if args.password_stdin or not args.windows_account:
        password = read_password(args.password_stdin)
    database = open_for_command(args)
    try:
        user = database.write(
            lambda session: add_user(
                session,
                args.username,
                args.role,
                display_name=args.name,
                password=password,
                email=args.email,
                windows_account=args.windows_account,
                person_id=args.person_id,
            ),
            actor="admin",
        )
    finally:
        database.dispose()
    print(f"Added {user.username} ({user.role.value}).")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from crm_desktop.services.users import list_users

    database = open_for_command(args)
    try:
        with database.session() as session:
            users = list_users(session)
    finally:
        database.dispose()
    for user in users:
        state = "active" if user.active else "disabled"
        last = format_date(user.last_sign_in_at.date()) if user.last_sign_in_at else "never"
        print(
            f"{user.username}\t{user.role.value}\t{state}\tlast signed in {last}\t"
            f"{user.display_name}"
        )
    return 0


def cmd_set_active(args: argparse.Namespace) -> int:
    from crm_desktop.services.users import set_active

    database = open_for_command(args)
    try:
        user = database.write(
            lambda session: set_active(session, args.username, args.active), actor="admin"
        )
    finally:
        database.dispose()
    print(f"{user.username} is now {'enabled' if user.active else 'disabled'}.")
    return 0


def cmd_password(args: argparse.Namespace) -> int:
    from crm_desktop.services.users import set_password

    password = read_password(args.password_stdin)
    database = open_for_command(args)
    try:
        database.write(
            lambda session: set_password(session, args.username, password), actor="admin"
        )
    finally:
        database.dispose()
    print(f"The password of {args.username} is changed.")
    return 0


def cmd_db_login(args: argparse.Namespace) -> int:
    from crm_desktop.services.db_roles import grant_login

    password = read_password(args.password_stdin) if args.password_stdin else None
    database = open_for_command(args)
    try:
        role = database.write(
            lambda session: grant_login(session, args.username, password), actor="admin"
        )
    finally:
        database.dispose()
    print(f"{args.username} connects to PostgreSQL as the role {role}.")
    return 0
