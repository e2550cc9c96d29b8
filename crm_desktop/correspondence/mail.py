"""Email messages and the two ways they leave: an SMTP server, or an ``.eml`` file.

With SMTP settings (host, port, STARTTLS, user, password) messages go through
:mod:`smtplib`; without them, each message is written as an ``.eml`` file (marked
``X-Unsent: 1``, so Outlook opens it as a message ready to send) in the configured
folder. The file's name comes from the message's Message-ID, so writing the same
message twice leaves one file.

A transport raises :class:`SendError` saying whether trying again later could help
(``permanent``) and whether the server could not be reached at all (``unreachable``:
the rest of a run's messages wait for the next run rather than each waiting for a
timeout).
"""

from __future__ import annotations

import datetime as dt
import email.policy
import hashlib
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Protocol

from crm_desktop.correspondence.settings import CorrespondenceSettings
from crm_desktop.errors import EnvironmentProblem
from crm_desktop.files import atomic_write

# CRLF line ends (as SMTP and .eml files want) and headers folded only past 998
# characters: a folded Subject comes back with a leading space from some readers.
POLICY = email.policy.SMTP.clone(max_line_length=998)

__all__ = [
    "EmlFolderTransport",
    "SendError",
    "SmtpTransport",
    "Transport",
    "build_message",
    "new_message_id",
    "transport_for",
]


class SendError(Exception):
    """A message was not sent."""

    def __init__(self, message: str, *, permanent: bool = False, unreachable: bool = False):
        super().__init__(message)
        self.permanent = permanent
        self.unreachable = unreachable


class Transport(Protocol):
    def send(self, message: EmailMessage) -> str:
        """Send ``message``; return where it went (for the outbox record)."""
        ...


def new_message_id(sender: str) -> str:
    domain = sender.rpartition("@")[2] or "crm-desktop.invalid"
    return make_msgid(domain=domain)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def build_message(
    *, sender: str, to: str, subject: str, body: str, message_id: str, created: dt.datetime
) -> EmailMessage:
    """A plain-text UTF-8 message; header values are single lines (no header injection)."""
    message = EmailMessage(policy=POLICY)
    message["From"] = _one_line(sender)
    message["To"] = _one_line(to)
    message["Subject"] = _one_line(subject)
    message["Date"] = format_datetime(created.replace(tzinfo=dt.UTC))
    message["Message-ID"] = _one_line(message_id)
    message.set_content(body)
    return message


@dataclass(frozen=True)
class SmtpTransport:
    host: str
    port: int
    starttls: bool = True
    user: str = ""
    password: str = ""
    timeout: float = 30.0

    def send(self, message: EmailMessage) -> str:
        try:
            if self.port == 465:
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
                )
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        except (OSError, smtplib.SMTPException) as exc:
            raise SendError(
                f"Cannot reach the mail server {self.host}:{self.port} ({exc}).", unreachable=True
            ) from None
        try:
            with client:
                if self.starttls and self.port != 465:
                    client.starttls(context=ssl.create_default_context())
                if self.user:
                    client.login(self.user, self.password)
                client.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise SendError(
                f"The mail server refused the recipient: {_describe(exc.recipients)}",
                permanent=all(500 <= code < 600 for code in codes),
            ) from None
        except smtplib.SMTPDataError as exc:
            raise SendError(
                f"The mail server refused the message: {exc.smtp_code} {_text(exc.smtp_error)}",
                permanent=500 <= exc.smtp_code < 600,
            ) from None
        except smtplib.SMTPResponseException as exc:
            # Sender refused, login refused, STARTTLS refused...: the setup, not this
            # message, so it is kept and tried again.
            raise SendError(
                f"The mail server said {exc.smtp_code} {_text(exc.smtp_error)}."
            ) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise SendError(
                f"The connection to the mail server failed ({exc.__class__.__name__}: {exc}).",
                unreachable=True,
            ) from None
        return f"smtp {self.host}:{self.port}"


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _describe(refused: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(f"{addr}: {code} {_text(text)}" for addr, (code, text) in refused.items())


@dataclass(frozen=True)
class EmlFolderTransport:
    folder: Path

    def send(self, message: EmailMessage) -> str:
        message_id = str(message["Message-ID"] or "")
        name = hashlib.sha256(message_id.encode("utf-8")).hexdigest()[:24]
        target = self.folder / f"{name}.eml"
        if "X-Unsent" not in message:
            message["X-Unsent"] = "1"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with atomic_write(target) as temporary:
                temporary.write_bytes(message.as_bytes())
        except OSError as exc:
            raise SendError(
                f"Cannot write the email to {self.folder} ({exc.strerror or exc}).",
                unreachable=True,
            ) from None
        except EnvironmentProblem as exc:
            raise SendError(exc.message, unreachable=True) from None
        return str(target)


def transport_for(settings: CorrespondenceSettings) -> Transport | None:
    """SMTP when a host is set, else the .eml folder when one is set, else None."""
    if settings.smtp_host:
        return SmtpTransport(
            settings.smtp_host,
            settings.port,
            settings.smtp_starttls,
            settings.smtp_user,
            settings.smtp_password,
            float(settings.smtp_timeout_seconds),
        )
    if settings.eml_path is not None:
        return EmlFolderTransport(settings.eml_path)
    return None
