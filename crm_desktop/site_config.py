"""Machine-wide settings that IT deploys: one INI file for every user of a machine.

Where the file is looked for, first found wins:

1. the file named by the ``CRM_DESKTOP_SITE_CONFIG`` environment variable;
2. ``%PROGRAMDATA%\\CRM Desktop\\site.ini`` on Windows;
3. ``/etc/crm-desktop/site.ini`` elsewhere.

No file is fine: every setting has a default. The file is read with :mod:`configparser`
(no ``%(name)s`` interpolation, so a ``%`` in a password or a path is kept as typed).
Every section and key is optional; one the program does not know is refused, so that a
typing mistake is reported rather than silently ignored::

    [database]
    # The shared database every user on this machine opens (unless they give
    # --database or set CRM_DATABASE_URL).
    url = postgresql+psycopg://dbserver.council.local/crm

    [attachments]
    folder = \\\\fileserver\\crm\\attachments

    [smtp]
    host = smtp.council.local
    port = 587
    starttls = true
    from = complaints@council.gov.uk

A file that cannot be used stops the program with one line that names the file and the
line to fix (:class:`SiteConfigError`). Per-user settings (window layout, saved filters)
are not here: they stay in each user's own settings (QSettings).
"""

from __future__ import annotations

import configparser
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path, PureWindowsPath
from typing import NoReturn

from crm_desktop.errors import UserFacingError

__all__ = [
    "KNOWN_KEYS",
    "SITE_CONFIG_ENV",
    "SiteConfig",
    "SiteConfigError",
    "default_site_config_path",
    "load_site_config",
    "site_config_path",
]

SITE_CONFIG_ENV = "CRM_DESKTOP_SITE_CONFIG"
SITE_FOLDER = "CRM Desktop"  # the folder under %PROGRAMDATA% (same name as the data folder)
SITE_FILE = "site.ini"
UNIX_SITE_PATH = Path("/etc/crm-desktop") / SITE_FILE

# Every section and key the program reads; anything else in the file is a mistake.
KNOWN_KEYS: dict[str, frozenset[str]] = {
    "database": frozenset({"url"}),
    "attachments": frozenset({"folder"}),
    "smtp": frozenset({"host", "port", "starttls", "user", "from", "timeout_seconds"}),
}
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


class SiteConfigError(UserFacingError):
    """The machine-wide settings file cannot be used; the message names file and line."""


@dataclass(frozen=True)
class SmtpSettings:
    """The ``[smtp]`` section as written; ``None`` where the file leaves a key out."""

    host: str | None = None
    port: int | None = None
    starttls: bool | None = None
    user: str | None = None
    sender: str | None = None  # the ``from`` key
    timeout_seconds: int | None = None


@dataclass(frozen=True)
class SiteConfig:
    """What the machine-wide file says; ``path`` is None when there is no file."""

    path: Path | None = None
    database_url: str | None = None
    attachments_folder: Path | None = None
    smtp: SmtpSettings = field(default_factory=SmtpSettings)


def default_site_config_path() -> Path:
    """Where IT puts the file on this kind of machine (ignoring the environment variable)."""
    if sys.platform == "win32":
        program_data = os.environ.get("PROGRAMDATA") or r"C:\ProgramData"
        return Path(program_data) / SITE_FOLDER / SITE_FILE
    return UNIX_SITE_PATH


def site_config_path() -> Path:
    """The file this process reads: ``$CRM_DESKTOP_SITE_CONFIG``, else the default place."""
    named = os.environ.get(SITE_CONFIG_ENV, "").strip()
    return Path(named) if named else default_site_config_path()


def load_site_config(path: Path | None = None) -> SiteConfig:
    """Read and check the machine-wide settings (an empty :class:`SiteConfig` if none).

    A file named by ``CRM_DESKTOP_SITE_CONFIG`` must exist: naming a missing file is
    a mistake worth reporting. The default place may simply have no file.
    """
    explicit = path is not None or bool(os.environ.get(SITE_CONFIG_ENV, "").strip())
    target = path if path is not None else site_config_path()
    try:
        text = target.read_text(encoding="utf-8-sig")  # Notepad may add a BOM
    except FileNotFoundError:
        if explicit:
            raise SiteConfigError(
                f"Site settings file {target} (named by {SITE_CONFIG_ENV}) does not exist. "
                "Deploy the file or unset the variable."
            ) from None
        return SiteConfig()
    except IsADirectoryError:
        raise SiteConfigError(
            f"Site settings {target} is a folder, not a file. Deploy site.ini as a file."
        ) from None
    except UnicodeDecodeError as exc:
        line = text_line_of_offset(target, exc.start)
        raise SiteConfigError(
            f"{target}, line {line}: not UTF-8 text. Save the site settings file as UTF-8."
        ) from None
    except OSError as exc:
        raise SiteConfigError(
            f"Cannot read site settings {target}: {exc.strerror}. Check the file's permissions "
            "(every user needs read access)."
        ) from None
    return parse_site_config(text, target)


def text_line_of_offset(path: Path, offset: int) -> int:
    """The 1-based line holding byte ``offset`` of ``path``."""
    try:
        return path.read_bytes()[:offset].count(b"\n") + 1
    except OSError:
        return 1


def parse_site_config(text: str, path: Path) -> SiteConfig:
    """Check ``text`` (the contents of ``path``) and turn it into a :class:`SiteConfig`."""
    parser = configparser.ConfigParser(
        interpolation=None, strict=True, empty_lines_in_values=False, default_section="\x00"
    )
    try:
        parser.read_string(text, source=str(path))
    except configparser.MissingSectionHeaderError as exc:
        _fail(path, exc.lineno, "a setting before any [section] heading; start with [database]")
    except (configparser.DuplicateSectionError, configparser.DuplicateOptionError) as exc:
        what = (
            f"[{exc.section}] appears twice"
            if isinstance(exc, configparser.DuplicateSectionError)
            else f"'{exc.option}' appears twice in [{exc.section}]"
        )
        _fail(path, exc.lineno or 1, what)
    except configparser.ParsingError as exc:
        lineno = int(exc.errors[0][0])
        bad = text.splitlines()[lineno - 1].strip() if lineno <= len(text.splitlines()) else ""
        _fail(path, lineno, f"cannot read '{bad}'; write settings as: name = value")
    except configparser.Error as exc:
        first = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
        _fail(path, 1, first)

    lines = text.splitlines()
    for section in parser.sections():
        known = KNOWN_KEYS.get(section)
        if known is None:
            _fail(
                path,
                _section_line(lines, section),
                f"unknown section [{section}]; the sections are "
                + ", ".join(f"[{name}]" for name in KNOWN_KEYS),
            )
        for key in parser.options(section):
            if key not in known:
                _fail(
                    path,
                    _key_line(lines, section, key),
                    f"unknown setting '{key}' in [{section}]; it takes " + ", ".join(sorted(known)),
                )

    def value(section: str, key: str) -> tuple[str, int] | None:
        if not parser.has_option(section, key):
            return None
        text_value = parser.get(section, key).strip()
        if not text_value:
            return None
        return text_value, _key_line(lines, section, key)

    database_url = None
    found = value("database", "url")
    if found is not None:
        database_url = _check_database_url(path, *found)

    attachments_folder = None
    found = value("attachments", "folder")
    if found is not None:
        attachments_folder = Path(found[0])
        if not _is_absolute(found[0]):
            _fail(path, found[1], f"the attachments folder '{found[0]}' must be a full path")

    smtp = SmtpSettings(
        host=_text(value("smtp", "host")),
        port=_number(path, value("smtp", "port"), "port", 1, 65535),
        starttls=_flag(path, value("smtp", "starttls"), "starttls"),
        user=_text(value("smtp", "user")),
        sender=_text(value("smtp", "from")),
        timeout_seconds=_number(path, value("smtp", "timeout_seconds"), "timeout_seconds", 1, 600),
    )
    return SiteConfig(path, database_url, attachments_folder, smtp)


def _fail(path: Path, line: int, what: str) -> NoReturn:
    raise SiteConfigError(
        f"Site settings {path}, line {line}: {what}. Fix the file, or ask IT to."
    ) from None


def _section_line(lines: list[str], section: str) -> int:
    pattern = re.compile(r"^\s*\[\s*" + re.escape(section) + r"\s*\]")
    for number, line in enumerate(lines, start=1):
        if pattern.match(line):
            return number
    return 1


def _key_line(lines: list[str], section: str, key: str) -> int:
    """The line of ``key`` inside ``[section]`` (configparser keeps no line numbers)."""
    start = _section_line(lines, section)
    pattern = re.compile(r"^\s*" + re.escape(key) + r"\s*[=:]", re.IGNORECASE)
    for number in range(start + 1, len(lines) + 1):
        line = lines[number - 1]
        if re.match(r"^\s*\[", line):
            break
        if pattern.match(line):
            return number
    return start


def _is_absolute(text: str) -> bool:
    """A full path on this machine, or a Windows drive/UNC path (the file may be shared)."""
    return Path(text).is_absolute() or PureWindowsPath(text).is_absolute()


def _check_database_url(path: Path, url: str, line: int) -> str:
    from crm_desktop.errors import DatabaseError
    from crm_desktop.urls import parse_url, sqlite_file

    try:
        parsed = parse_url(url)
    except DatabaseError as exc:
        _fail(path, line, exc.message.rstrip("."))
    database_file = sqlite_file(parsed)
    if parsed.get_backend_name() == "sqlite" and database_file is None:
        _fail(path, line, "an in-memory SQLite database cannot be shared; name a file")
    if database_file is not None and not _is_absolute(str(database_file)):
        _fail(
            path,
            line,
            f"the SQLite file '{database_file}' must be a full path "
            "(sqlite:///C:/Data/crm.db or sqlite:////srv/crm/crm.db)",
        )
    return url


def _text(found: tuple[str, int] | None) -> str | None:
    return found[0] if found is not None else None


def _number(path: Path, found: tuple[str, int] | None, key: str, low: int, high: int) -> int | None:
    if found is None:
        return None
    text, line = found
    try:
        number = int(text)
    except ValueError:
        number = None
    if number is None or not low <= number <= high:
        _fail(path, line, f"{key} must be a whole number from {low} to {high}, not '{text}'")
    return number


def _flag(path: Path, found: tuple[str, int] | None, key: str) -> bool | None:
    if found is None:
        return None
    text, line = found
    if text.lower() in _TRUE:
        return True
    if text.lower() in _FALSE:
        return False
    _fail(path, line, f"{key} must be true or false, not '{text}'")
