"""Merge fields and the sandbox templates are rendered in.

Templates are Jinja2 text rendered in Jinja2's :class:`~jinja2.sandbox.SandboxedEnvironment`
with :class:`~jinja2.StrictUndefined`: a template can read the merge fields below and
nothing else (no attribute starting with ``_``, no Python internals, no globals such as
``range``). Every template is checked *before* anything is rendered or sent, and when a
manager saves it (:func:`check_template`):

- a field that is not in the catalogue is refused with the fields that can be used,
  and the nearest one if it looks like a typing slip
  ("The template uses {{ case.refrence }}, which is not a merge field (did you mean
  {{ case.reference }}?). Fields you can use: ...");
- a field of a group this template does not have (``{{ remedy.deadline_on }}`` in an
  acknowledgement) is refused the same way;
- syntax errors are reported with their line.

Two environments share the rules: :data:`PLAIN` (autoescape off) renders the text of an
email and the text recorded in the case's correspondence; :data:`MARKUP` (autoescape
on) renders the same template for the PDF letter, where both the merged values *and*
the template's own text are escaped (see :class:`_EscapeTemplateText`), so nothing a
user typed, in a case or in a template, is ever read as reportlab markup (whose
``<img src>`` reads local files).

Values reach templates as plain strings (dates already written out in full, see
:mod:`crm_desktop.correspondence.dates`) in :class:`types.SimpleNamespace` groups, which
have no methods a template could call.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError, meta, nodes
from jinja2.exceptions import SecurityError
from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import escape

from crm_desktop.errors import ValidationError

__all__ = [
    "FIELDS",
    "LIST_FIELDS",
    "MARKUP",
    "PLAIN",
    "MergeField",
    "TemplateProblem",
    "check_template",
    "fields_of",
    "namespace",
    "render",
    "sample_context",
    "used_fields",
]


class TemplateProblem(ValidationError):
    """A template that cannot be rendered: an unknown field, bad syntax, a refused name."""


@dataclass(frozen=True, slots=True)
class MergeField:
    """A field a template can use, with what it holds and an example for previews."""

    path: str  # "case.reference"
    description: str
    example: str

    @property
    def group(self) -> str:
        return self.path.split(".", 1)[0]

    @property
    def placeholder(self) -> str:
        return "{{ " + self.path + " }}"


def _f(path: str, description: str, example: str) -> MergeField:
    return MergeField(path, description, example)


# The catalogue: every field any template can use. Which groups a template has is
# said by its spec (crm_desktop.correspondence.templates).
FIELDS: tuple[MergeField, ...] = (
    _f("today", "today's date, written out in full", "14 March 2024"),
    _f("council.name", "the council's name (letterhead setting)", "Worcestershire County Council"),
    _f("council.address", "the council's address (letterhead setting)", "County Hall\nWorcester"),
    _f("council.phone", "the team's telephone number", "01905 000000"),
    _f("council.email", "the team's email address", "complaints@example.gov.uk"),
    _f("case.reference", "the case reference", "COR-2024-00017"),
    _f("case.kind", "complaint, compliment or comment", "complaint"),
    _f("case.procedure", "the procedure it follows", "Corporate"),
    _f("case.received_on", "the date it was received, in full", "14 March 2024"),
    _f("case.summary", "the summary", "Missed bin collections in March."),
    _f("case.desired_outcome", "what the complainant wants", "Collections to resume."),
    _f("case.service_area", "the service area", "Waste Management"),
    _f("case.directorate", "the directorate", "Economy & Infrastructure"),
    _f("case.team", "the team", ""),
    _f("case.points", "the complaint points, one a line", "1. Missed collection"),
    _f("case.owner", "the officer who owns the case", "Alice Officer"),
    _f("complainant.name", "the complainant's full name", "Jane Smith"),
    _f("complainant.title", "their title (Mr, Ms, Dr...), if known", "Ms"),
    _f(
        "complainant.salutation",
        "title and surname when the title is known, else the full name",
        "Ms Smith",
    ),
    _f("complainant.email", "their email address", "jane.smith@example.org"),
    _f("complainant.phone", "their telephone number", "07700 900000"),
    _f("complainant.address", "their postal address", "1 High Street\nWorcester"),
    _f("complainant.postcode", "their postcode", "WR1 1AA"),
    _f("officer.name", "the officer sending the letter", "Alice Officer"),
    _f("officer.email", "the sending officer's email address", "alice@example.gov.uk"),
    _f("stage.name", "the stage (Stage 1, Stage 2, Low risk...)", "Stage 1"),
    _f("stage.requested_on", "when this stage was asked for, in full", "14 March 2024"),
    _f("stage.started_on", "when its clock started, in full", "14 March 2024"),
    _f("stage.timescale", "its timescale", "20 working days"),
    _f("stage.due_on", "its response due date, in full", "12 April 2024"),
    _f("stage.acknowledge_due_on", "when it must be acknowledged by, in full", "19 March 2024"),
    _f("stage.acknowledged_on", "when it was acknowledged, in full", "15 March 2024"),
    _f("stage.extended_by", "the working days it has been extended by", "10 working days"),
    _f("stage.extension_reason", "the reason for the latest extension", "Awaiting records."),
    _f("stage.suspended_on", "when its clock was suspended, in full", "20 March 2024"),
    _f("stage.suspension_reason", "why its clock is suspended", "awaiting information"),
    _f("stage.closed_on", "when the response was sent, in full", "10 April 2024"),
    _f("stage.outcome", "the outcome (Upheld, Not upheld...)", "Upheld"),
    _f("stage.next_stage_name", "the stage that may follow", "Stage 2"),
    _f(
        "stage.next_stage_by",
        "the last day to ask for the next stage, in full",
        "9 May 2024",
    ),
    _f("investigator.name", "the person appointed", "Sam Investigator"),
    _f(
        "investigator.role", "Investigating Officer, Independent Person...", "Investigating Officer"
    ),
    _f("investigator.email", "their email address", "sam@example.org"),
    _f("investigator.offered_on", "when the appointment was offered, in full", "1 April 2024"),
    _f("investigator.report_due_on", "when their report is due, in full", "3 May 2024"),
    _f("remedy.description", "what the council agreed to do", "Apologise and pay £300."),
    _f("remedy.lgsco_reference", "the Ombudsman's reference", "23 001 234"),
    _f("remedy.agreed_on", "when it was agreed, in full", "1 March 2024"),
    _f("remedy.deadline_on", "its deadline, in full", "2 April 2024"),
    _f("remedy.escalation_on", "when the escalation share of the time is reached", "22 March 2024"),
    _f("remedy.time_left", "working days to the deadline", "3 working days left"),
    _f("remedy.owner", "who is responsible for it", "Alice Officer"),
    _f("escalation.level", "1: senior officers; 2: director and chief executive", "1"),
    _f("escalation.percent", "the share of the time that has passed", "75%"),
    _f("escalation.audience", "who this escalation goes to", "senior officers"),
    _f("deadline.what", "what is due", "Stage 1 response"),
    _f("deadline.due_on", "the date it is due, in full", "12 April 2024"),
    _f("deadline.time_left", "working days left, or overdue", "3 working days left"),
    _f("recipient.name", "the person this message is to", "Alice Officer"),
    _f("letter.text", "text the officer types when sending", "We have now completed..."),
    _f("digest.count", "how many deadlines the digest lists", "2"),
    _f("digest.unread", "unread notifications in the notification centre", "4"),
)

# Lists a template can loop over, with the fields of each item.
LIST_FIELDS: dict[str, tuple[MergeField, ...]] = {
    "items": (
        _f("item.reference", "the case reference", "COR-2024-00017"),
        _f("item.what", "what is due", "Stage 1 response"),
        _f("item.due_on", "the date it is due, in full", "12 April 2024"),
        _f("item.time_left", "working days left, or overdue", "2 working days left"),
    ),
}

_BY_PATH: dict[str, MergeField] = {f.path: f for f in FIELDS}
_ALWAYS = frozenset({"loop"})  # Jinja's own loop variable


def describe_field(path: str) -> str:
    """What a merge field holds, in words ("the sending officer's email address"), for
    messages to users, who never see the field's code."""
    field = _BY_PATH.get(path)
    return field.description if field else path.replace("_", " ").replace(".", " ")


def fields_of(groups: Sequence[str]) -> list[MergeField]:
    """The fields of ``groups`` (``"today"`` is a group of one), in catalogue order."""
    wanted = set(groups)
    return [f for f in FIELDS if f.group in wanted]


# --------------------------------------------------------------------------- sandbox


def _finalize(value: object) -> object:
    return "" if value is None else value


class _EscapeTemplateText(Extension):
    """Escape the template's own text (not only the merged values) for the markup path."""

    def filter_stream(self, stream: TokenStream) -> Iterator[Token]:
        for token in stream:
            if token.type == "data":
                yield Token(token.lineno, "data", str(escape(token.value)))
            else:
                yield token


def _environment(markup: bool) -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        undefined=StrictUndefined,
        autoescape=markup,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        extensions=[_EscapeTemplateText] if markup else [],
    )
    env.globals.clear()  # no range(), dict(), namespace(), lipsum()...
    return env


PLAIN = _environment(markup=False)
MARKUP = _environment(markup=True)


# --------------------------------------------------------------------------- checking


@dataclass(frozen=True, slots=True)
class _Use:
    path: str
    line: int


def _chain(node: nodes.Node) -> list[str] | None:
    if isinstance(node, nodes.Name):
        return [node.name]
    if isinstance(node, nodes.Getattr):
        base = _chain(node.node)
        return None if base is None else [*base, node.attr]
    if (
        isinstance(node, nodes.Getitem)
        and isinstance(node.arg, nodes.Const)
        and isinstance(node.arg.value, str)
    ):
        base = _chain(node.node)
        return None if base is None else [*base, node.arg.value]
    return None


def _uses(ast: nodes.Template, where: str) -> list[_Use]:
    undeclared = meta.find_undeclared_variables(ast)
    found: list[_Use] = []

    def refuse_private(name: str, line: int) -> None:
        if name.startswith("_"):
            raise TemplateProblem(
                f"Line {line} of the {where} uses '{name}': names starting with '_' reach "
                "the program's internals, which templates may not use."
            )

    def visit(node: nodes.Node) -> None:
        if isinstance(node, nodes.Getattr):
            refuse_private(node.attr, node.lineno)
        if (
            isinstance(node, nodes.Getitem)
            and isinstance(node.arg, nodes.Const)
            and isinstance(node.arg.value, str)
        ):
            refuse_private(node.arg.value, node.lineno)
        if isinstance(node, nodes.Getattr | nodes.Getitem):
            parts = _chain(node)
            if parts is not None:
                if parts[0] in undeclared:
                    found.append(_Use(".".join(parts), node.lineno))
                return
        elif isinstance(node, nodes.Name) and node.ctx == "load":
            refuse_private(node.name, node.lineno)
            if node.name in undeclared:
                found.append(_Use(node.name, node.lineno))
            return
        for child in node.iter_child_nodes():
            visit(child)

    visit(ast)
    return found


def _parse(source: str, where: str) -> nodes.Template:
    try:
        return PLAIN.parse(source)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(
            f"Line {exc.lineno} of the {where} cannot be read: {exc.message}. Check the "
            "{{ }} and {% %} pairs."
        ) from None


def _unknown(path: str, allowed: Sequence[str], where: str, line: int) -> TemplateProblem:
    close = difflib.get_close_matches(path, allowed, n=1, cutoff=0.75)
    hint = f" (did you mean {{{{ {close[0]} }}}}?)" if close else ""
    return TemplateProblem(
        f"The template uses {{{{ {path} }}}} (line {line} of the {where}), which is not a "
        f"merge field{hint}. Fields you can use: {', '.join(allowed)}."
    )


def used_fields(source: str, groups: Sequence[str], where: str = "text") -> list[str]:
    """The merge fields ``source`` uses, in order; :class:`TemplateProblem` for any that
    is not one of ``groups``' fields, for syntax errors and for refused names."""
    ast = _parse(source, where)
    allowed_fields = [f.path for f in fields_of(groups)]
    lists = {name: items for name, items in LIST_FIELDS.items() if name in groups}
    allowed = allowed_fields + [name for name in lists]
    group_names = {f.group for f in fields_of(groups)}
    try:
        uses = _uses(ast, where)
    except TemplateSyntaxError as exc:  # an unknown filter or test
        raise TemplateProblem(
            f"Line {exc.lineno} of the {where} cannot be read: {exc.message}"
        ) from None
    seen: list[str] = []
    for use in uses:
        if use.path in _ALWAYS or use.path.split(".", 1)[0] in _ALWAYS:
            continue
        if use.path in allowed_fields or use.path in lists:
            if use.path not in seen:
                seen.append(use.path)
            continue
        if use.path in group_names and use.path not in allowed_fields:
            members = [p for p in allowed_fields if p.startswith(use.path + ".")]
            raise TemplateProblem(
                f"The template uses {{{{ {use.path} }}}} (line {use.line} of the {where}), "
                f"which is a group of fields, not a field. Use one of: {', '.join(members)}."
            )
        raise _unknown(use.path, allowed, where, use.line)
    return seen


def check_template(subject: str, body: str, groups: Sequence[str]) -> list[str]:
    """Check a template's subject and body; the fields they use. Refuses an empty body."""
    if "\n" in subject.strip():
        raise TemplateProblem("The subject must be one line.")
    if not body.strip():
        raise TemplateProblem("The template's text is empty.")
    fields = used_fields(subject, groups, "subject")
    for name in used_fields(body, groups, "body"):
        if name not in fields:
            fields.append(name)
    # Compile both with the real environments too (unknown filters and tests surface here).
    for env in (PLAIN, MARKUP):
        for source, where in ((subject, "subject"), (body, "body")):
            try:
                env.from_string(source)
            except TemplateSyntaxError as exc:
                raise TemplateProblem(
                    f"Line {exc.lineno} of the {where} cannot be read: {exc.message}."
                ) from None
    return fields


# --------------------------------------------------------------------------- rendering


def render(source: str, context: Mapping[str, Any], *, markup: bool = False) -> str:
    """Render ``source`` in the sandbox (check it with :func:`check_template` first).

    Anything the sandbox refuses, or a field missing at run time (a field of a list
    item, which is only known when the list is looped over), is a
    :class:`TemplateProblem`: nothing half rendered is returned.
    """
    env = MARKUP if markup else PLAIN
    try:
        return env.from_string(source).render(dict(context))
    except SecurityError as exc:
        raise TemplateProblem(
            f"The template tried to use something templates may not use ({exc})."
        ) from None
    except UndefinedError as exc:
        raise TemplateProblem(
            f"The template uses a field that does not exist ({exc.message}). Check the "
            "names against the list of merge fields."
        ) from None
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"Line {exc.lineno} cannot be read: {exc.message}.") from None
    except (TypeError, ValueError, ArithmeticError, OverflowError) as exc:
        raise TemplateProblem(f"The template could not be filled in: {exc}.") from None


def namespace(values: Mapping[str, object]) -> SimpleNamespace:
    """A group of fields as templates see it (``case.reference``)."""
    return SimpleNamespace(**values)


def sample_context(groups: Sequence[str]) -> dict[str, Any]:
    """Example values of ``groups``' fields, for previewing a template without a case."""
    context: dict[str, Any] = {}
    grouped: dict[str, dict[str, str]] = {}
    for field in fields_of(groups):
        if "." in field.path:
            grouped.setdefault(field.group, {})[field.path.split(".", 1)[1]] = field.example
        else:
            context[field.path] = field.example
    for group, values in grouped.items():
        context[group] = namespace(values)
    for name, item_fields in LIST_FIELDS.items():
        if name in groups:
            item = {f.path.split(".", 1)[1]: f.example for f in item_fields}
            context[name] = [namespace(item), namespace(item)]
    return context
