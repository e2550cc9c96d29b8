"""Attachments: files kept in a store beside the database, under generated names.

The name a user gives a file is kept only as a label: the file itself is stored as a
random name inside the store folder, so no name a user gives can reach outside it
(``../../etc/passwd``, an absolute path, a device name). Each file has a size limit and
its SHA-256 is recorded when it is stored and checked when it is opened.

Where the store is: ``CRM_ATTACHMENTS`` if set, else the machine-wide site settings
``[attachments] folder``, else the ``attachments.folder`` setting,
else a folder beside a SQLite file (``crm.db`` -> ``crm.attachments/``), else (for
PostgreSQL without a setting) the user's data folder.

Files are written with :func:`crm_desktop.files.atomic_write`: under a temporary name no
other writer shares, renamed into place once whole. Who may add or open what is the
access policy's business (:mod:`crm_desktop.operations.attachments`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import secrets
import tempfile
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import BinaryIO

import platformdirs
import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.db import pg_security
from crm_desktop.db.engine import APP_NAME
from crm_desktop.db.models import Attachment, Case, Setting
from crm_desktop.domain.access import Actor
from crm_desktop.errors import NotFound, PermissionRefused, UserFacingError, ValidationError
from crm_desktop.files import STORED_NAME, TEMPORARY_SUFFIX, atomic_write, file_problem
from crm_desktop.services.audit_words import AuditWords
from crm_desktop.urls import parse_url, sqlite_file

STORE_ENV = "CRM_ATTACHMENTS"
FOLDER_SETTING = "attachments.folder"
LIMIT_SETTING = "attachments.max_bytes"
DEFAULT_LIMIT = 25 * 1024 * 1024
CHUNK = 1024 * 1024


class AttachmentDamaged(UserFacingError):
    """The stored file is missing or no longer matches what was stored."""


@dataclass(frozen=True)
class AttachmentView:
    id: int
    case_id: int
    name: str
    size_bytes: int
    sha256: str
    content_type: str
    uploaded_by: str | None  # the username
    uploaded_by_name: str = ""  # the name colleagues know them by, where listed


def store_folder(session: Session, database_url: str) -> Path:
    from_env = os.environ.get(STORE_ENV)
    if from_env:
        return Path(from_env)
    from crm_desktop.site_config import load_site_config

    site_folder = load_site_config().attachments_folder
    if site_folder is not None:
        return site_folder
    setting = session.get(Setting, FOLDER_SETTING)
    if setting is not None and setting.value.strip():
        return Path(setting.value.strip())
    path = sqlite_file(parse_url(database_url))
    if path is not None:
        return path.with_name(f"{path.stem}.attachments")
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "attachments"


def size_limit(session: Session) -> int:
    setting = session.get(Setting, LIMIT_SETTING)
    try:
        return int(setting.value) if setting is not None else DEFAULT_LIMIT
    except ValueError:
        return DEFAULT_LIMIT


# The most a name may take (in UTF-8, as file systems count): well under the 255 bytes
# a file name may have, so the copy made for viewing can always be written.
NAME_BYTES = 150
# Longer endings are not file types; a name ending in one is cut like any other.
_SUFFIX_BYTES = 16
# Characters Windows does not allow in a file name (":" would also name a hidden stream).
_NOT_IN_NAMES = str.maketrans({c: "_" for c in '<>:"|?*'})
_RESERVED_NAMES = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{device}{n}" for device in ("COM", "LPT") for n in "123456789\u00b9\u00b2\u00b3"}
)

# Programs, scripts, shortcuts and installers: what the system would run rather than
# show, so never kept with a case and never handed to the system to open.
RUNNABLE_TYPES = frozenset(
    {
        # programs and libraries
        "exe", "com", "scr", "pif", "dll", "cpl", "sys", "drv", "ocx", "msc", "gadget",
        # scripts
        "bat", "cmd", "ps1", "ps1xml", "ps2", "ps2xml", "psc1", "psc2", "psd1", "psm1",
        "msh", "msh1", "msh2", "mshxml", "msh1xml", "msh2xml", "vb", "vbs", "vbe", "js",
        "jse", "ws", "wsf", "wsh", "wsc", "hta", "sct", "sh", "bash", "command", "py",
        "pyw", "pyz", "pyc", "pl", "rb",
        # shortcuts and settings that run or fetch something
        "lnk", "url", "website", "scf", "inf", "reg", "ins", "isp", "its", "shs", "shb",
        "settingcontent-ms", "library-ms", "search-ms", "desktop", "chm", "hlp",
        # installers and packages
        "msi", "msp", "mst", "msix", "msixbundle", "appx", "appxbundle", "application",
        "appref-ms", "xbap", "jar", "jnlp", "diagcab", "app", "pkg", "deb", "rpm",
        # Access databases and add-ins, which run their own code
        "mde", "ade", "adp", "accde", "xll",
        # disk images, which open as a drive whose programs run without a warning
        "iso", "img", "vhd", "vhdx",
    }
)  # fmt: skip


def display_name(name: str) -> str:
    """The last part of whatever path the user's file had, with control characters and
    characters Windows does not allow in names gone, and no trailing dots or spaces
    (which Windows drops): a label for people to read, never used to find the file.

    A long name is shortened to :data:`NAME_BYTES` (in UTF-8) by cutting its stem, so it
    keeps its ending (``.pdf``) and the file can be opened again under it."""
    base = PureWindowsPath(PurePosixPath(name).name).name
    cleaned = "".join(c for c in base if unicodedata.category(c)[0] != "C")
    cleaned = cleaned.translate(_NOT_IN_NAMES).strip().rstrip(". ")
    return _shortened(cleaned) or "attachment"


def _shortened(name: str) -> str:
    if len(name.encode()) <= NAME_BYTES:
        return name
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem or len(suffix.encode()) > _SUFFIX_BYTES or " " in suffix:
        stem, suffix = name, ""
    ending = f".{suffix}" if suffix else ""
    room = NAME_BYTES - len(ending.encode())
    cut = stem.encode()[:room].decode(errors="ignore").rstrip(". ")
    return f"{cut or 'attachment'}{ending}"


def file_type(name: str) -> str:
    """A file's type as the system sees it: its last ending, in lower case, once the
    dots and spaces Windows drops from the end of a name are gone (``"report.exe. ."``
    is an ``exe``); ``""`` when it has none."""
    base = PureWindowsPath(PurePosixPath(name).name).name
    cleaned = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip()
    cleaned = cleaned.rstrip(". ")
    stem, dot, suffix = cleaned.rpartition(".")
    return suffix.strip().lower() if dot and stem else ""


def runnable_type(name: str) -> str | None:
    """The type of a file of this name if the system would run it (a program, script or
    shortcut) rather than show it, judged by its name as given and by its display name;
    ``None`` for anything else."""
    for kind in (file_type(name), file_type(display_name(name))):
        if kind in RUNNABLE_TYPES:
            return kind
    return None


def refuse_runnable(name: str) -> None:
    """Refuse to keep a program, script or shortcut with a case."""
    kind = runnable_type(name)
    if kind is not None:
        raise ValidationError(
            f"Files of type .{kind} cannot be kept with a case: they are programs or "
            "scripts that could run on this computer. Save it as a PDF or a document and "
            "attach that.",
            "file",
        )


def stored_file(store: Path, stored_name: str) -> Path | None:
    """The file a record's stored name stands for, or None when the name is not one the
    program gives (:data:`STORED_NAME`: 32 lower-case hex digits, nothing else).

    Only that one spelling is taken: ``./name``, ``name/.`` or ``../name`` would reach
    a file another record names (the database's unique name compares the text), so a
    login that may add a record to one case could have another case's document opened,
    or deleted with the first case."""
    if not STORED_NAME.fullmatch(stored_name):
        return None
    folder = store.resolve()
    path = (folder / stored_name).resolve()
    return path if path.parent == folder else None  # (not a link to elsewhere)


def _inside(store: Path, stored_name: str) -> Path:
    path = stored_file(store, stored_name)
    if path is None:
        raise AttachmentDamaged(
            "That attachment's record does not name a file of the attachment store, so it "
            "cannot be opened. Ask an administrator to check the record."
        )
    return path


def add_attachment(
    session: Session,
    store: Path,
    case_id: int,
    source: BinaryIO,
    original_name: str,
    actor: Actor,
    content_type: str = "application/octet-stream",
) -> AttachmentView:
    """Copy ``source`` into the store and record it on the case.

    The file is written under a new random name, hashed as it is copied, and refused
    (nothing kept) when it is over the size limit. If the database write fails, the
    caller's rollback leaves a file nobody points at; :func:`remove_orphans` removes such
    files (neither the program nor its command line offers it yet: such a file costs
    only its disk space).
    """
    refuse_runnable(original_name)
    if session.get(Case, case_id) is None:
        raise NotFound("That case no longer exists; it may have been deleted.")
    limit = size_limit(session)
    try:
        store.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise file_problem(exc, store) from None
    stored_name = secrets.token_hex(16)
    target = _inside(store, stored_name)
    digest = hashlib.sha256()
    size = 0
    with atomic_write(target) as temporary, temporary.open("wb") as out:
        while chunk := source.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise ValidationError(
                    f"The file is larger than the limit of {limit / 1024 / 1024:.0f} MB. "
                    "Make it smaller (a PDF of the pages that matter) and add it again.",
                    "file",
                )
            digest.update(chunk)
            out.write(chunk)
    row = Attachment(
        case_id=case_id,
        original_name=display_name(original_name),
        stored_name=stored_name,
        content_type=content_type,
        size_bytes=size,
        sha256=digest.hexdigest(),
        uploaded_by=actor.username,
    )
    session.add(row)
    session.flush()
    return _view(row)


def _view(row: Attachment) -> AttachmentView:
    return AttachmentView(
        row.id,
        row.case_id,
        row.original_name,
        row.size_bytes,
        row.sha256,
        row.content_type,
        row.uploaded_by,
    )


def list_attachments(session: Session, case_id: int) -> list[AttachmentView]:
    """The files kept with the case, in the order they were added."""
    rows = session.scalars(
        sa.select(Attachment).where(Attachment.case_id == case_id).order_by(Attachment.id)
    )
    words = AuditWords(session)
    return [
        dataclasses.replace(view, uploaded_by_name=words.who(view.uploaded_by))
        for view in map(_view, rows)
    ]


def attachment(session: Session, attachment_id: int) -> AttachmentView:
    row = session.get(Attachment, attachment_id)
    if row is None:
        raise NotFound("That attachment no longer exists; it may have been deleted.")
    return _view(row)


def open_attachment(session: Session, store: Path, attachment_id: int) -> Path:
    """The stored file, after checking its hash; refused if it changed or is missing."""
    row = session.get(Attachment, attachment_id)
    if row is None:
        raise NotFound("That attachment no longer exists; it may have been deleted.")
    path = _inside(store, row.stored_name)
    if not path.is_file():
        raise AttachmentDamaged(
            f"The file for '{row.original_name}' is missing from the store. Restore the "
            "attachment store from a backup."
        )
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    if digest.hexdigest() != row.sha256:
        raise AttachmentDamaged(
            f"The file for '{row.original_name}' has changed since it was stored. Restore "
            "the attachment store from a backup."
        )
    return path


def _viewing_name(name: str) -> str:
    """The display name, made safe to write on Windows too (``CON.txt`` is a device)."""
    shown = display_name(name)
    if shown.split(".", 1)[0].strip().upper() in _RESERVED_NAMES:
        shown = f"_{shown}"
    return shown


def viewing_copy(stored: Path, attachment_id: int, name: str) -> Path:
    """A copy of a checked attachment under its own name, for the system to open.

    The store keeps files under random names without an ending, which no program knows
    how to open; the copy (in the user's temporary folder) is what the viewer gets, so
    nothing it does can change the stored file. It is written under a short random name
    in the attachment's own folder and renamed once whole, so any name the attachment
    has fits the file system. A program, script or shortcut (kept before such files were
    refused) is never copied out for the system to open.
    """
    kind = runnable_type(name)
    if kind is not None:
        raise ValidationError(
            f"'{display_name(name)}' is a file of type .{kind}, a program or script, so it "
            "is not opened from here: it could run on this computer. Ask the person who "
            "sent it for a PDF or a document instead.",
            "file",
        )
    folder = Path(tempfile.gettempdir()) / "crm-desktop-attachments" / str(attachment_id)
    copy = folder / _viewing_name(name)  # a label only: no folders can come through it
    temporary = folder / f".{secrets.token_hex(8)}{TEMPORARY_SUFFIX}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        try:
            with stored.open("rb") as source, temporary.open("xb") as out:
                while chunk := source.read(CHUNK):
                    out.write(chunk)
            os.replace(temporary, copy)
        finally:
            temporary.unlink(missing_ok=True)
    except OSError as exc:
        raise file_problem(exc, copy) from None
    return copy


ORPHAN_AGE_SECONDS = 24 * 60 * 60
"""A file no record points at is left this long before it counts as an orphan: one a
save is writing now has no committed record yet."""


def remove_orphans(session: Session, store: Path, now: float | None = None) -> list[str]:
    """Delete files in the store that no attachment record points at (left by a save
    that failed) and that were last changed a day or more before ``now`` (the clock's
    time by default). On PostgreSQL only the database owner's login may: a user's own
    login reads only the attachments its rules let it, and would take every other
    case's files for orphans."""
    if session.get_bind().dialect.name == "postgresql" and not pg_security.is_owner(
        session.connection()
    ):
        raise PermissionRefused(
            "Only the database owner's login may tidy the attachment store: a user's own "
            "login does not see every case's files, and would take theirs for strays."
        )
    if not store.is_dir():
        return []
    known = set(session.scalars(sa.select(Attachment.stored_name)))
    cutoff = (time.time() if now is None else now) - ORPHAN_AGE_SECONDS
    removed = []
    for path in store.iterdir():
        if (
            path.is_file()
            and path.name not in known
            and not path.name.startswith(".")
            and path.stat().st_mtime <= cutoff
        ):
            path.unlink()
            removed.append(path.name)
    return removed
