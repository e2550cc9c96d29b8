"""``crm-desktop letterhead``, ``mail`` and ``template``: what letters are printed under,
how emails are sent, and the text of every letter and email template.

Each runs the operation the Admin page runs (managers and administrators), as the
command's user. ``show`` prints the settings (never the mail server's password);
``set`` changes only the settings given; ``mail test`` sends a test email with the
settings as saved.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from crm_desktop.cli import command_database, read_password, run_command

# Option -> setting, for ``letterhead set`` and ``mail set``.
_LETTERHEAD: dict[str, str] = {
    "council_name": "council name",
    "council_address": "address (one line each; \\n between lines on the command line)",
    "council_phone": "telephone",
    "council_email": "team email address",
    "logo_path": "logo file (PNG or JPEG; empty for none)",
}
_MAIL: dict[str, str] = {
    "smtp_host": "mail server (empty: emails are saved as files in --eml-folder)",
    "smtp_port": "port (0: the usual one)",
    "smtp_user": "user, if the server asks",
    "smtp_from": "From address",
    "smtp_timeout_seconds": "seconds before giving up",
    "eml_folder": "folder for emails when there is no mail server",
    "lead_working_days": "working days before a deadline that reminders go",
    "digest_time": "time of day the daily digest is due (HH:MM)",
    "senior_officers": "first escalation emails, comma separated",
    "directors": "second escalation: directors' emails",
    "chief_executive": "second escalation: chief executive's email",
    "second_after_working_days": "working days after the deadline for the second escalation",
}
_OPTION = {
    "council_name": "--council-name",
    "council_address": "--address",
    "council_phone": "--phone",
    "council_email": "--email",
    "logo_path": "--logo",
    "smtp_host": "--host",
    "smtp_port": "--port",
    "smtp_user": "--user",
    "smtp_from": "--from",
    "smtp_timeout_seconds": "--timeout",
    "eml_folder": "--eml-folder",
    "lead_working_days": "--reminder-days",
    "digest_time": "--digest-time",
    "senior_officers": "--senior-officers",
    "directors": "--directors",
    "chief_executive": "--chief-executive",
    "second_after_working_days": "--second-after",
}
_INTS = ("smtp_port", "smtp_timeout_seconds", "lead_working_days", "second_after_working_days")
_ADDRESSES = ("senior_officers", "directors", "chief_executive")


def register(commands: Any) -> None:
    letterhead = commands.add_parser(
        "letterhead", help="the council's name, address and logo on letters and the report"
    )
    actions = letterhead.add_subparsers(dest="letterhead_command", metavar="ACTION", required=True)
    actions.add_parser("show", help="print the letterhead").set_defaults(
        handler=cmd_show, names=tuple(_LETTERHEAD)
    )
    change = actions.add_parser("set", help="change the settings given, keep the others")
    for name, what in _LETTERHEAD.items():
        change.add_argument(_OPTION[name], dest=name, help=what)
    change.set_defaults(handler=cmd_set, names=tuple(_LETTERHEAD))

    mail = commands.add_parser("mail", help="how emails are sent; reminders and escalations")
    actions = mail.add_subparsers(dest="mail_command", metavar="ACTION", required=True)
    actions.add_parser("show", help="print the mail settings (not the password)").set_defaults(
        handler=cmd_show, names=("smtp_starttls", *_MAIL)
    )
    change = actions.add_parser("set", help="change the settings given, keep the others")
    for name, what in _MAIL.items():
        change.add_argument(_OPTION[name], dest=name, help=what)
    change.add_argument(
        "--starttls", dest="smtp_starttls", action=argparse.BooleanOptionalAction, default=None
    )
    change.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the mail server's password from standard input",
    )
    change.set_defaults(handler=cmd_set, names=("smtp_starttls", *_MAIL))
    test = actions.add_parser("test", help="send a test email with the saved settings")
    test.add_argument("to", help="the address to send it to")
    test.set_defaults(handler=cmd_mail_test)

    template = commands.add_parser("template", help="letter and email templates")
    actions = template.add_subparsers(dest="template_command", metavar="ACTION", required=True)
    actions.add_parser("list", help="every template, and whether it was changed").set_defaults(
        handler=cmd_template_list
    )
    for name, helptext, handler in (
        ("show", "print a template's text and the fields it can use", cmd_template_show),
        ("preview", "print a template filled in with example values", cmd_template_preview),
        ("reset", "put a template's original text back", cmd_template_reset),
    ):
        parser = actions.add_parser(name, help=helptext)
        parser.add_argument("key", help="the template (see template list)")
        parser.set_defaults(handler=handler)
    change = actions.add_parser("set", help="change a template's subject or text")
    change.add_argument("key")
    change.add_argument("--subject")
    change.add_argument("--body-file", type=Path, help="a UTF-8 text file with the new text")
    change.set_defaults(handler=cmd_template_set)


def _value(name: str, text: str) -> object:
    if name in _INTS:
        try:
            number = int(text)
        except ValueError:
            from crm_desktop.errors import ValidationError

            raise ValidationError(f"{_OPTION[name]} takes a whole number, not '{text}'.") from None
        return None if name == "smtp_port" and number == 0 else number
    if name in _ADDRESSES:
        from crm_desktop.correspondence.settings import parse_addresses

        return parse_addresses(text)
    if name == "digest_time":
        try:
            return dt.time.fromisoformat(text)
        except ValueError:
            from crm_desktop.errors import ValidationError

            raise ValidationError(f"--digest-time is a time such as 07:00, not '{text}'.") from None
    if name == "council_address":
        return text.replace("\\n", "\n")
    return text


def _show(settings: Any, names: tuple[str, ...]) -> None:
    for name in names:
        value = getattr(settings, name)
        if isinstance(value, tuple):
            value = ", ".join(value)
        elif isinstance(value, bool):
            value = "yes" if value else "no"
        elif isinstance(value, dt.time):
            value = value.strftime("%H:%M")
        elif value is None:
            value = ""
        label = name.replace("_", " ")
        text = str(value).replace("\n", " / ")
        print(f"{label}: {text}" if text else f"{label}: (not set)")


def cmd_show(args: argparse.Namespace) -> int:
    from crm_desktop.operations import correspondence

    with command_database(args, must_exist=True) as database:
        settings = run_command(database, args, correspondence.mail_settings)
    _show(settings, args.names)
    return 0


def cmd_set(args: argparse.Namespace) -> int:
    from crm_desktop.errors import ValidationError
    from crm_desktop.operations import correspondence

    changes: dict[str, object] = {}
    for name in args.names:
        given = getattr(args, name, None)
        if given is None:
            continue
        changes[name] = given if isinstance(given, bool) else _value(name, given)
    if getattr(args, "password_stdin", False):
        changes["smtp_password"] = read_password(True)
    if not changes:
        raise ValidationError("Give at least one setting to change (see --help).")
    with command_database(args) as database:
        settings = run_command(database, args, correspondence.change_settings, changes)
    print(f"Saved {len(changes)} setting{'s' if len(changes) != 1 else ''}.")
    _show(settings, tuple(n for n in args.names if n in changes))
    return 0


def cmd_mail_test(args: argparse.Namespace) -> int:
    from crm_desktop.operations import correspondence

    with command_database(args, must_exist=True) as database:
        result = run_command(database, args, correspondence.send_test_email, args.to)
    print(f"A test email to {result.to} went to {result.where}.")
    return 0


def _template(views: list[Any], key: str) -> Any:
    from crm_desktop.errors import NotFound

    for view in views:
        if view.text.key == key:
            return view
    keys = ", ".join(v.text.key for v in views)
    raise NotFound(f"There is no template '{key}'. Templates: {keys}.")


def cmd_template_list(args: argparse.Namespace) -> int:
    from crm_desktop.operations import correspondence

    with command_database(args, must_exist=True) as database:
        views = run_command(database, args, correspondence.templates_for_editing)
    width = max(len(v.text.key) for v in views)
    for view in views:
        changed = "changed" if view.text.customised else "original"
        print(f"{view.text.key:<{width}}  {changed:<8}  {view.spec.name}: {view.spec.purpose}")
    return 0


def cmd_template_show(args: argparse.Namespace) -> int:
    from crm_desktop.operations import correspondence

    with command_database(args, must_exist=True) as database:
        view = _template(
            run_command(database, args, correspondence.templates_for_editing), args.key
        )
    print(f"Subject: {view.text.subject}\n")
    print(view.text.body)
    print("\nFields it can use:")
    for field in view.fields:
        print(f"  {field.placeholder:<34} {field.description}")
    return 0


def cmd_template_preview(args: argparse.Namespace) -> int:
    from crm_desktop.operations import correspondence

    with command_database(args, must_exist=True) as database:
        view = _template(
            run_command(database, args, correspondence.templates_for_editing), args.key
        )
        rendered = run_command(
            database,
            args,
            correspondence.preview_template,
            view.text.key,
            view.text.subject,
            view.text.body,
        )
    print(f"Subject: {rendered.subject}\n")
    print(rendered.body)
    return 0


def cmd_template_set(args: argparse.Namespace) -> int:
    from crm_desktop.errors import ValidationError
    from crm_desktop.operations import correspondence

    if args.subject is None and args.body_file is None:
        raise ValidationError("Give --subject, --body-file or both.")
    body = None
    if args.body_file is not None:
        try:
            body = args.body_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ValidationError(f"Cannot read {args.body_file}: {exc}.") from None
    with command_database(args) as database:
        view = _template(
            run_command(database, args, correspondence.templates_for_editing), args.key
        )
        saved = run_command(
            database,
            args,
            correspondence.save_template,
            view.text.key,
            view.text.subject if args.subject is None else args.subject,
            view.text.body if body is None else body,
            view.text.version,
        )
    print(f"Saved the template '{saved.name}'.")
    return 0


def cmd_template_reset(args: argparse.Namespace) -> int:
    from crm_desktop.operations import correspondence

    with command_database(args) as database:
        view = _template(
            run_command(database, args, correspondence.templates_for_editing), args.key
        )
        saved = run_command(
            database, args, correspondence.reset_template, view.text.key, view.text.version
        )
    print(f"Put back the original text of '{saved.name}'.")
    return 0
