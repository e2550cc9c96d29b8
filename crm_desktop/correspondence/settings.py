"""The settings letters, emails and reminders read (the ``setting`` table).

A manager edits them through :func:`save_settings` (the desktop program's settings page)
or any tool that writes the table. Every key and its meaning:

==============================  =====================================================
``council.name``                council name on the letterhead (shared with reports)
``letter.address``              council address on the letterhead, one line each
``letter.phone``                team telephone number
``letter.email``                team email address (also the sender, if no smtp.from)
``letter.logo_path``            path of a PNG or JPEG logo for the letterhead
``smtp.host``                   SMTP server; empty: emails are written as .eml files
``smtp.port``                   default 587 with STARTTLS, else 25 (465: SMTP over TLS)
``smtp.starttls``               true / false (default true)
``smtp.user``                   login user, if the server wants one
``smtp.password``               its password (``CRM_SMTP_PASSWORD`` overrides it)
``smtp.from``                   the From address
``smtp.timeout_seconds``        default 30
``email.eml_folder``            folder for .eml files when there is no SMTP server
``reminders.lead_working_days`` reminders go this many working days ahead (default 3)
``reminders.digest_time``       local time of day the daily digest is due (default 07:00)
``escalation.senior_officers``  emails for the first escalation (75%), comma separated
``escalation.directors``        emails of the director(s) for the second escalation
``escalation.chief_executive``  emails of the chief executive for the second escalation
``escalation.second_after_working_days``  working days after the deadline (default 0:
                                on the deadline day) for the second escalation
==============================  =====================================================
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, fields, replace
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.contact import check_email
from crm_desktop.db.models import Setting
from crm_desktop.domain.access import Actor
from crm_desktop.errors import ValidationError

__all__ = [
    "PASSWORD_ENV",
    "CorrespondenceSettings",
    "load_settings",
    "parse_addresses",
    "save_settings",
]

PASSWORD_ENV = "CRM_SMTP_PASSWORD"
DEFAULT_LEAD = 3
DEFAULT_TIMEOUT = 30

# Field name -> setting key.
_KEYS: dict[str, str] = {
    "council_name": "council.name",
    "council_address": "letter.address",
    "council_phone": "letter.phone",
    "council_email": "letter.email",
    "logo_path": "letter.logo_path",
    "smtp_host": "smtp.host",
    "smtp_port": "smtp.port",
    "smtp_starttls": "smtp.starttls",
    "smtp_user": "smtp.user",
    "smtp_password": "smtp.password",
    "smtp_from": "smtp.from",
    "smtp_timeout_seconds": "smtp.timeout_seconds",
    "eml_folder": "email.eml_folder",
    "lead_working_days": "reminders.lead_working_days",
    "digest_time": "reminders.digest_time",
    "senior_officers": "escalation.senior_officers",
    "directors": "escalation.directors",
    "chief_executive": "escalation.chief_executive",
    "second_after_working_days": "escalation.second_after_working_days",
}


def parse_addresses(text: str) -> tuple[str, ...]:
    """Email addresses separated by commas, semicolons or new lines."""
    return tuple(part.strip() for part in re.split(r"[,;\n]", text or "") if part.strip())


@dataclass(frozen=True, slots=True)
class CorrespondenceSettings:
    council_name: str = ""
    council_address: str = ""
    council_phone: str = ""
    council_email: str = ""
    logo_path: str = ""
    smtp_host: str = ""
    smtp_port: int | None = None
    smtp_starttls: bool = True
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = ""
    smtp_timeout_seconds: int = DEFAULT_TIMEOUT
    eml_folder: str = ""
    lead_working_days: int = DEFAULT_LEAD
    digest_time: dt.time = dt.time(7, 0)
    senior_officers: tuple[str, ...] = ()
    directors: tuple[str, ...] = ()
    chief_executive: tuple[str, ...] = ()
    second_after_working_days: int = 0
    # The settings IT fixed on this computer (the site settings' ``[smtp]``, and
    # ``CRM_SMTP_PASSWORD``), read with the rest and never stored: what is saved in the
    # database for them has no effect here, so a screen shows them as set by IT.
    set_by_it: frozenset[str] = frozenset()

    @property
    def sender(self) -> str:
        return self.smtp_from or self.council_email

    @property
    def port(self) -> int:
        if self.smtp_port:
            return self.smtp_port
        return 587 if self.smtp_starttls else 25

    @property
    def email_configured(self) -> bool:
        return bool(self.smtp_host or self.eml_folder)

    @property
    def eml_path(self) -> Path | None:
        return Path(self.eml_folder) if self.eml_folder else None


def _int(value: str, default: int | None) -> int | None:
    try:
        return int(value.strip())
    except ValueError:
        return default


def _bool(value: str, default: bool) -> bool:
    text = value.strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    return default


def _time(value: str, default: dt.time) -> dt.time:
    try:
        return dt.time.fromisoformat(value.strip())
    except ValueError:
        return default


def load_settings(session: Session) -> CorrespondenceSettings:
    """The settings as stored; a value that cannot be read keeps its default."""
    rows = dict(
        session.execute(
            sa.select(Setting.key, Setting.value).where(Setting.key.in_(list(_KEYS.values())))
        ).all()
    )
    base = CorrespondenceSettings()
    values: dict[str, object] = {}
    for name, key in _KEYS.items():
        raw = rows.get(key)
        if raw is None:
            continue
        default = getattr(base, name)
        if name in ("senior_officers", "directors", "chief_executive"):
            values[name] = parse_addresses(raw)
        elif name == "smtp_starttls":
            values[name] = _bool(raw, default)
        elif name == "digest_time":
            values[name] = _time(raw, default)
        elif name in ("smtp_port", "smtp_timeout_seconds", "lead_working_days"):
            values[name] = _int(raw, default) if raw.strip() else default
        elif name == "second_after_working_days":
            values[name] = _int(raw, default)
        else:
            values[name] = raw.strip() if name != "council_address" else raw.strip("\n")
    # The mail server IT set in the machine-wide site settings (``[smtp]``) and the
    # password in the environment win over what is saved: IT, not the team, decides how
    # the council sends mail.
    site = _site_smtp()
    values.update(site)
    password = os.environ.get(PASSWORD_ENV)
    if password:
        values["smtp_password"] = password
    fixed = frozenset(site) | ({"smtp_password"} if password else set())
    return replace(base, **values, set_by_it=fixed)  # type: ignore[arg-type]


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    return "" if value is None else str(value)


def _check(settings: CorrespondenceSettings) -> None:
    for name in ("senior_officers", "directors", "chief_executive"):
        for address in getattr(settings, name):
            check_email(address, name)
    for name in ("smtp_from", "council_email"):
        value = getattr(settings, name)
        if value:
            check_email(value, name)
    if settings.smtp_port is not None and not 0 < settings.smtp_port < 65536:
        raise ValidationError("The SMTP port is a number from 1 to 65535.", "smtp_port")
    if not 0 <= settings.lead_working_days <= 60:
        raise ValidationError(
            "Reminders go from 0 to 60 working days before a deadline.", "lead_working_days"
        )
    if not 0 <= settings.second_after_working_days <= 60:
        raise ValidationError(
            "The second escalation is from 0 to 60 working days after the deadline.",
            "second_after_working_days",
        )
    if not 1 <= settings.smtp_timeout_seconds <= 600:
        raise ValidationError("The SMTP timeout is 1 to 600 seconds.", "smtp_timeout_seconds")
    if settings.smtp_host and not settings.sender:
        raise ValidationError(
            "Give the From address (or the team's email address) for emails.", "smtp_from"
        )


def save_settings(
    session: Session, settings: CorrespondenceSettings, actor: Actor
) -> CorrespondenceSettings:
    """Store every setting, checked first."""
    _check(settings)
    from_env = os.environ.get(PASSWORD_ENV)
    for field in fields(settings):
        if field.name not in _KEYS:
            continue  # read, not stored
        key = _KEYS[field.name]
        value = _text(getattr(settings, field.name))
        if field.name == "smtp_password" and from_env and value == from_env:
            continue  # the password from the environment is never written to the database
        row = session.get(Setting, key)
        if row is None:
            session.add(Setting(key=key, value=value, updated_by=actor.username))
        elif row.value != value:
            row.value = value
            row.updated_by = actor.username
    session.flush()
    return load_settings(session)


def _site_smtp() -> dict[str, object]:
    """The mail server settings IT set in the machine-wide site settings (``[smtp]``)."""
    from crm_desktop.site_config import load_site_config

    smtp = load_site_config().smtp
    return {
        name: value
        for name, value in (
            ("smtp_host", smtp.host),
            ("smtp_port", smtp.port),
            ("smtp_starttls", smtp.starttls),
            ("smtp_user", smtp.user),
            ("smtp_from", smtp.sender),
            ("smtp_timeout_seconds", smtp.timeout_seconds),
        )
        if value is not None
    }
