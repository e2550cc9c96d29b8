"""Letter and email templates: the catalogue, the defaults, and a manager's edits.

Each template has a fixed key and purpose (:data:`TEMPLATES`) and a subject and body a
manager can change. The defaults are the files in ``resources/templates/KEY.txt``
(a ``Subject:`` line, a blank line, the body); they are copied into the
``correspondence_template`` table the first time a write needs them
(:func:`ensure_templates`), and until then reading falls back to the file. A manager's
save is checked first (:func:`~crm_desktop.correspondence.rendering.check_template`),
so a template with an unknown merge field never reaches the database, and names the
version the manager opened: a template someone else saved since is a conflict, never
silently overwritten.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm_desktop.correspondence.rendering import (
    MergeField,
    TemplateProblem,
    check_template,
    fields_of,
    namespace,
    render,
    sample_context,
)
from crm_desktop.db.models_correspondence import CorrespondenceTemplate
from crm_desktop.domain.access import SYSTEM, Actor
from crm_desktop.errors import ConflictError, ValidationError, conflict_message
from crm_desktop.paths import resource_path

__all__ = [
    "APPOINTMENT_LETTER",
    "TEMPLATES",
    "Audience",
    "RenderedText",
    "TemplateSpec",
    "TemplateText",
    "TemplateView",
    "default_text",
    "ensure_templates",
    "letter_after",
    "letter_templates",
    "list_templates",
    "load_template",
    "preview_sample",
    "reset_template",
    "save_template",
    "spec",
]

MAX_SUBJECT = 300
MAX_BODY = 20_000


class Audience(StrEnum):
    """Who a template writes to, and so whose address a message goes to."""

    COMPLAINANT = "complainant"
    INVESTIGATOR = "investigator"
    STAFF = "staff"


CASE_GROUPS = ("today", "council", "case", "complainant", "officer", "stage", "letter")


@dataclass(frozen=True, slots=True)
class TemplateSpec:
    key: str
    name: str
    purpose: str
    audience: Audience
    groups: tuple[str, ...]

    @property
    def fields(self) -> list[MergeField]:
        return fields_of(self.groups)


def _spec(key: str, name: str, purpose: str, audience: Audience, *extra: str) -> TemplateSpec:
    groups = (*CASE_GROUPS, *extra) if audience != Audience.STAFF else extra
    return TemplateSpec(key, name, purpose, audience, groups)


TEMPLATES: dict[str, TemplateSpec] = {
    s.key: s
    for s in (
        _spec(
            "acknowledgement",
            "Acknowledgement",
            "Acknowledge a new complaint, compliment or comment.",
            Audience.COMPLAINANT,
        ),
        _spec(
            "extension",
            "Extension",
            "Tell the complainant the response will take longer, and until when.",
            Audience.COMPLAINANT,
        ),
        _spec(
            "suspension",
            "Suspension",
            "Tell the complainant the clock is on hold, and why.",
            Audience.COMPLAINANT,
        ),
        _spec(
            "stage_response",
            "Stage response",
            "The response at the end of a stage, with the right to ask for the next.",
            Audience.COMPLAINANT,
        ),
        _spec(
            "next_stage_acknowledgement",
            "Acknowledgement of a request for Stage 2 or 3",
            "Acknowledge a request for the next stage.",
            Audience.COMPLAINANT,
        ),
        _spec(
            "investigator_appointment",
            "Appointment of an Investigating Officer or Independent Person",
            "Confirm an Investigating Officer's or Independent Person's appointment.",
            Audience.INVESTIGATOR,
            "investigator",
        ),
        _spec(
            "compliment_thanks",
            "Thanks for a compliment",
            "Thank someone for a compliment.",
            Audience.COMPLAINANT,
        ),
        _spec(
            "lgsco_remedy_reminder",
            "LGSCO remedy reminder",
            "Remind the responsible officer of an Ombudsman remedy's deadline.",
            Audience.STAFF,
            "today",
            "council",
            "case",
            "recipient",
            "remedy",
        ),
        _spec(
            "lgsco_remedy_escalation",
            "LGSCO remedy escalation",
            "Escalate an Ombudsman remedy to senior officers, then to the director and chief "
            "executive.",
            Audience.STAFF,
            "today",
            "council",
            "case",
            "recipient",
            "remedy",
            "escalation",
        ),
        _spec(
            "deadline_reminder",
            "Deadline reminder",
            "Remind the person responsible of a deadline a few working days ahead.",
            Audience.STAFF,
            "today",
            "council",
            "case",
            "stage",
            "recipient",
            "deadline",
        ),
        _spec(
            "daily_digest",
            "Daily digest",
            "The daily email of a user's deadlines due soon or overdue.",
            Audience.STAFF,
            "today",
            "council",
            "recipient",
            "digest",
            "items",
        ),
    )
}


# The letter that confirms an Investigating Officer's or Independent Person's appointment:
# offered after Appoint, as the letters after Acknowledge and Respond are.
APPOINTMENT_LETTER = "investigator_appointment"


def spec(key: str) -> TemplateSpec:
    found = TEMPLATES.get(key)
    if found is None:
        raise ValidationError(
            f"There is no template called '{key}'. Templates: {', '.join(TEMPLATES)}.",
            "template",
        )
    return found


# --------------------------------------------------------------------------- defaults


def _read_default(path: Path) -> tuple[str, str]:
    text = path.read_text(encoding="utf-8")
    first, _, rest = text.partition("\n")
    if not first.startswith("Subject:"):
        raise ValueError(f"resources/templates/{path.name} must start with a Subject: line")
    return first.removeprefix("Subject:").strip(), rest.lstrip("\n").rstrip() + "\n"


@functools.cache
def default_text(key: str) -> tuple[str, str]:
    """The subject and body shipped in ``resources/templates/KEY.txt``."""
    spec(key)
    return _read_default(resource_path("templates", f"{key}.txt"))


@functools.cache
def earlier_defaults(key: str) -> frozenset[tuple[str, str]]:
    """The defaults earlier versions of the program shipped for ``key``
    (``resources/templates/earlier/KEY.N.txt``). A database copies a default in the
    first time a write needs it, so it may hold one of these, never edited by anyone:
    it is read as today's default (e.g. the extension letter's Ombudsman paragraph,
    Complaint Handling Code 6.5, reaches councils whose copy predates it)."""
    spec(key)
    folder = resource_path("templates", "earlier")
    return frozenset(_read_default(path) for path in sorted(folder.glob(f"{key}.*.txt")))


def ensure_templates(session: Session) -> None:
    """Copy the default of every template not yet in the database (inside a write).

    On PostgreSQL only a manager's login may add templates: anyone else's reads the
    shipped default of a template not yet copied (see :func:`load_template`)."""
    from crm_desktop.db.pg_security import may_write

    if not may_write(session.connection(), CorrespondenceTemplate.__tablename__):
        return
    have = set(session.scalars(sa.select(CorrespondenceTemplate.key)))
    for key, template in TEMPLATES.items():
        if key in have:
            continue
        subject, body = default_text(key)
        session.add(
            CorrespondenceTemplate(
                key=key, name=template.name, subject=subject, body=body, updated_by=SYSTEM.username
            )
        )
    session.flush()


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True, slots=True)
class TemplateText:
    """A template's current text; ``version`` 0 while only the default file exists."""

    key: str
    name: str
    subject: str
    body: str
    version: int
    customised: bool  # differs from the shipped default
    updated_by: str | None
    updated_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class TemplateView:
    """A template as the manager's editor shows it."""

    text: TemplateText
    spec: TemplateSpec
    fields: tuple[MergeField, ...]


def load_template(session: Session, key: str) -> TemplateText:
    template = spec(key)
    row = session.get(CorrespondenceTemplate, key)
    default_subject, default_body = default_text(key)
    if row is None:
        return TemplateText(key, template.name, default_subject, default_body, 0, False, None, None)
    subject, body = row.subject, row.body
    copied_in = row.version == 1 and row.updated_by == SYSTEM.username  # ensure_templates
    if copied_in and (subject, body) in earlier_defaults(key):
        subject, body = default_subject, default_body
    customised = (subject, body) != (default_subject, default_body)
    return TemplateText(
        key,
        template.name,
        subject,
        body,
        row.version,
        customised,
        row.updated_by,
        row.updated_at,
    )


def list_templates(session: Session) -> list[TemplateView]:
    return [
        TemplateView(load_template(session, key), template, tuple(template.fields))
        for key, template in TEMPLATES.items()
    ]


def letter_after(action: str, kind: str, stage: str | None) -> str | None:
    """The template of the letter that usually follows a workflow action, if one does:
    the acknowledgement after Acknowledge (of a request for Stage 2 or 3 at those
    stages; thanks for a compliment), the extension and suspension letters, the stage
    response after Respond."""
    from crm_desktop.domain.enums import Kind, StageCode
    from crm_desktop.domain.workflow import Action

    if action == Action.ACKNOWLEDGE:
        if kind == Kind.COMPLIMENT:
            return "compliment_thanks"
        if stage in (StageCode.STAGE_2, StageCode.STAGE_3):
            return "next_stage_acknowledgement"
        return "acknowledgement"
    return (
        {
            Action.EXTEND: "extension",
            Action.SUSPEND: "suspension",
            Action.RESPOND: "stage_response",
        }.get(Action(action))
        if action in {a.value for a in Action}
        else None
    )


def letter_templates() -> list[TemplateSpec]:
    """The templates an officer sends about a case (the reminders' own are left out)."""
    return [template for template in TEMPLATES.values() if template.audience != Audience.STAFF]


# --------------------------------------------------------------------------- editing


def _conflict(row: CorrespondenceTemplate) -> ConflictError:
    what = f"The template '{row.name}'"
    return ConflictError(conflict_message(what, row.updated_by, row.updated_at))


def save_template(
    session: Session,
    key: str,
    subject: str,
    body: str,
    actor: Actor,
    expected_version: int,
) -> TemplateText:
    """Save a manager's text, checked first; ``expected_version`` is the version opened
    (0 for a template still at its default file)."""
    template = spec(key)
    subject = subject.strip()
    if len(subject) > MAX_SUBJECT:
        raise TemplateProblem(f"The subject is {len(subject)} characters; the most is 300.")
    if len(body) > MAX_BODY:
        raise TemplateProblem(f"The text is {len(body)} characters; the most is {MAX_BODY}.")
    check_template(subject, body, template.groups)
    ensure_templates(session)
    row = session.get(CorrespondenceTemplate, key)
    assert row is not None
    # Version 1 is the default as copied in, which a manager who opened the file saw too.
    if expected_version != row.version and not (expected_version == 0 and row.version == 1):
        raise _conflict(row)
    row.subject = subject
    row.body = body
    row.updated_by = actor.username
    session.flush()
    return load_template(session, key)


def reset_template(session: Session, key: str, actor: Actor, expected_version: int) -> TemplateText:
    """Put the shipped default text back."""
    subject, body = default_text(key)
    return save_template(session, key, subject, body, actor, expected_version)


# --------------------------------------------------------------------------- preview


@dataclass(frozen=True, slots=True)
class RenderedText:
    subject: str
    body: str


def preview_sample(
    key: str, subject: str, body: str, council: dict[str, str] | None = None
) -> RenderedText:
    """``subject`` and ``body`` (as typed in the editor) filled in with example values,
    for a manager to see before saving; :class:`TemplateProblem` if they cannot be.
    ``council``: the letterhead's own values (name, address, phone, email), used in
    place of the examples where they are set."""
    template = spec(key)
    check_template(subject, body, template.groups)
    context = sample_context(template.groups)
    if council and "council" in context:
        values = dict(vars(context["council"]))
        values.update({k: v for k, v in council.items() if v and k in values})
        context["council"] = namespace(values)
    return RenderedText(render(subject, context).strip(), render(body, context))
