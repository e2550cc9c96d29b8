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
import functools
import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError, meta, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream
from jinja2.nodes import EvalContext
from jinja2.runtime import Context, LoopContext
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


# Limits on what a template may build. A letter is a few thousand characters; these are
# far above any real template and far below what would hurt the machine.
MAX_SIZE = 1_000_000  # characters (or items) of any string, list or output a template makes
_BIG_NUMBER_IN_FORMAT = re.compile(r"\d{7,}")


def _size(value: object) -> int:
    if isinstance(value, str | bytes | list | tuple | dict | set | frozenset):
        return len(value)
    return 0


def _too_big(what: str) -> TemplateProblem:
    return TemplateProblem(
        f"The template makes {what} longer than {MAX_SIZE:,} characters. Shorten the "
        "template: a letter never needs that much."
    )


# The work a template may do in one filling-in: each turn of a loop, and each call of a
# macro, filter or method (by the length of what it reads too), up to about a second.
# A single loop over the longest text a template may build fits; loops inside loops over
# a case's text, which make no output for the size limit to catch, do not.
MAX_WORK = MAX_SIZE
_work: ContextVar[list[int] | None] = ContextVar("template_work", default=None)


def _repeats_too_much() -> TemplateProblem:
    return TemplateProblem("The template repeats too much to be filled in. Simplify its loops.")


def _charge(units: int) -> None:
    """Count work done by the template being rendered (see :func:`render`)."""
    spent = _work.get()
    if spent is not None:
        spent[0] += units
        if spent[0] > MAX_WORK:
            raise _repeats_too_much()


def _cost(value: object) -> int:
    """The work of a call (a macro, filter or method) reading ``value``: ten turns of a
    loop (what a call takes, roughly), and one more per 100 characters it reads."""
    return 10 + _size(value) // 100


def _check_size(value: object) -> object:
    if _size(value) > MAX_SIZE:
        raise _too_big("text")
    return value


def _check_format(text: object) -> None:
    if isinstance(text, str) and _BIG_NUMBER_IN_FORMAT.search(text):
        raise TemplateProblem(
            "The template asks for a field width or precision too large to print. Use a "
            "smaller number."
        )


def _check_arguments(
    name: str, target: object, args: Sequence[object], kwargs: Mapping[str, object]
) -> None:
    """Refuse, before a filter or method runs, arguments that would make it build more
    than :data:`MAX_SIZE` (widths, counts, and what ``replace``, ``join`` and ``format``
    would produce)."""
    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_SIZE:
            raise TemplateProblem(
                f"The template gives {name} the number {value:,}, which is too large. Use "
                f"a number below {MAX_SIZE:,}."
            )
    if name in ("format", "format_map"):
        _check_format(target)
    if name == "replace" and isinstance(target, str) and len(args) >= 2:
        old, new = args[0], args[1]
        if isinstance(old, str) and isinstance(new, str):
            hits = target.count(old) if old else len(target) + 1
            if len(target) + hits * len(new) > MAX_SIZE:
                raise _too_big("text")
    if name == "join" and args:
        # ``sep.join(items)`` (a method) or ``items|join(sep)`` (a filter)
        sep, items = (target, args[0]) if isinstance(target, str) else (args[0], target)
        if (
            isinstance(items, list | tuple)
            and isinstance(sep, str)
            and len(sep) * len(items) + sum(_size(i) for i in items) > MAX_SIZE
        ):
            raise _too_big("text")
    if name in ("expandtabs", "indent") and isinstance(target, str) and args:
        width = args[0]
        lines = target.count("\t" if name == "expandtabs" else "\n") + 1
        if isinstance(width, int) and len(target) + lines * width > MAX_SIZE:
            raise _too_big("text")


def _huge_power(base: object, exponent: object) -> bool:
    if not isinstance(base, int | float) or not isinstance(exponent, int | float):
        return False
    if abs(exponent) > 1024:
        return True
    return abs(base) > 1 and abs(exponent) * math.log2(abs(base)) > 1024


class _LimitedSandbox(SandboxedEnvironment):
    """The sandbox, with a bound on the size of anything an expression builds: ``*``,
    ``+``, ``**`` and ``%`` are checked before they run, and every filter and method
    call is checked before (its numbers) and after (its result)."""

    intercepted_binops = frozenset({"*", "+", "**", "%"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for seq, count in ((left, right), (right, left)):
                if _size(seq) and isinstance(count, int) and _size(seq) * count > MAX_SIZE:
                    raise _too_big("text")
        elif operator == "**":
            if _huge_power(left, right):
                raise TemplateProblem(
                    f"The template raises {left} to the power {right}, which is too "
                    "large a number. Use a smaller one."
                )
        elif operator == "%":
            _check_format(left)
        elif operator == "+" and _size(left) + _size(right) > MAX_SIZE:
            raise _too_big("text")
        return _check_size(super().call_binop(context, operator, left, right))

    def limited(self, value: object) -> object:
        """What ``~`` made, refused when too long (called from the generated code)."""
        return _check_size(value)

    def counted(self, iterable: Any) -> Iterator[Any]:
        """What a ``{% for %}`` loops over, each turn counted as work (called from the
        generated code)."""
        iterator = iter(iterable)

        def each() -> Iterator[Any]:
            for item in iterator:
                _charge(1)
                yield item

        return each()

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        name = getattr(__obj, "__name__", "")
        target = getattr(getattr(__obj, "__wrapped__", __obj), "__self__", None)
        _charge(_cost(target))
        _check_arguments(name, target, args, kwargs)
        if isinstance(getattr(__obj, "__self__", None), LoopContext) and args:
            args = (__self.counted(args[0]), *args[1:])  # a recursive loop's next level
        return _check_size(super().call(__context, __obj, *args, **kwargs))


class _LimitedCodeGenerator(CodeGenerator):
    """Jinja's code generator, with every ``~`` joined text checked for size and every
    turn of a ``{% for %}`` loop counted as work."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.limited(")
        super().visit_Concat(node, frame)
        self.write(")")

    _loop_over: nodes.Node | None = None

    def visit_For(self, node: nodes.For, frame: Frame) -> None:
        outer, self._loop_over = self._loop_over, node.iter
        try:
            super().visit_For(node, frame)
        finally:
            self._loop_over = outer

    def visit(self, node: nodes.Node, *args: Any, **kwargs: Any) -> Any:
        if node is not self._loop_over:
            return super().visit(node, *args, **kwargs)
        self._loop_over = None  # what it goes over may hold a loop of its own
        self.write("environment.counted(")
        super().visit(node, *args, **kwargs)
        self.write(")")
        return None


def _limited_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)  # keeps Jinja's pass_context / pass_eval_context marks
    def limited(*args: Any, **kwargs: Any) -> Any:
        values = [a for a in args if not isinstance(a, Context | EvalContext)]
        target = values[0] if values else None
        _charge(_cost(target))
        _check_arguments(name, target, values[1:], kwargs)
        if name == "format":
            _check_format(target)
        return _check_size(function(*args, **kwargs))

    return limited


# Filters a template may not use: ``safe`` would let merged text through unescaped into
# the letter's markup; ``attr`` reaches attributes the field check cannot see.
REFUSED_FILTERS = frozenset({"safe", "attr", "forceescape"})


def _environment(markup: bool) -> SandboxedEnvironment:
    env = _LimitedSandbox(
        undefined=StrictUndefined,
        autoescape=markup,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        extensions=[_EscapeTemplateText] if markup else [],
    )
    env.globals.clear()  # no range(), dict(), namespace(), lipsum()...
    env.filters = {
        name: _limited_filter(name, function)
        for name, function in env.filters.items()
        if name not in REFUSED_FILTERS
    }
    env.code_generator_class = _LimitedCodeGenerator
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


def _refuse_escaping_changes(ast: nodes.Template, where: str) -> None:
    """Refuse what would let merged text into a letter's markup unescaped: the ``safe``
    filter (and the other refused filters) and ``{% autoescape false %}``."""
    for node in ast.find_all((nodes.EvalContextModifier,)):
        raise TemplateProblem(
            f"Line {node.lineno} of the {where} turns escaping on or off "
            "({% autoescape %}), which templates may not do: remove it."
        )
    for found in ast.find_all((nodes.Filter,)):
        assert isinstance(found, nodes.Filter)
        if found.name in REFUSED_FILTERS:
            raise TemplateProblem(
                f"Line {found.lineno} of the {where} uses the filter '{found.name}', which "
                "templates may not use: remove it (merged text is always shown as typed)."
            )


# What a template may ask a loop: its place in the loop. The rest (``loop.cycle``,
# ``loop.changed``, the loop itself) print the program's internals into a letter.
LOOP_FIELDS = ("index", "index0", "revindex", "revindex0", "first", "last", "length")
_OTHER_TEMPLATES = (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)


def _refuse_other_templates(ast: nodes.Template, where: str) -> None:
    """Refuse ``{% include %}``, ``{% import %}``, ``{% from %}`` and ``{% extends %}``:
    a template is read from nowhere but itself."""
    for node in ast.find_all(_OTHER_TEMPLATES):
        raise TemplateProblem(
            "Templates cannot include other templates or files. Copy the text you need "
            f"into this one (line {node.lineno} of the {where})."
        )


def _refuse_special(parts: Sequence[str], line: int, where: str) -> None:
    """Refuse ``self`` and what of ``loop`` is not a place in the loop."""
    if parts[0] == "self":
        raise TemplateProblem(
            f"Line {line} of the {where} uses 'self', which is not a merge field: remove it."
        )
    if parts[0] == "loop" and (len(parts) < 2 or parts[1] not in LOOP_FIELDS):
        used = "loop" if len(parts) < 2 else f"loop.{parts[1]}"
        raise TemplateProblem(
            f"Line {line} of the {where} uses {{{{ {used} }}}}, which templates may not use. "
            f"In a loop you can use {', '.join('loop.' + name for name in LOOP_FIELDS)}."
        )


def _uses(ast: nodes.Template, where: str) -> list[_Use]:
    _refuse_escaping_changes(ast, where)
    _refuse_other_templates(ast, where)
    undeclared = meta.find_undeclared_variables(ast)
    found: list[_Use] = []

    def refuse_private(name: str, line: int) -> None:
        if name.startswith("_"):
            raise TemplateProblem(
                f"Line {line} of the {where} uses '{name}': names starting with '_' reach "
                "the program's internals, which templates may not use."
            )

    def visit(node: nodes.Node) -> None:
        if isinstance(node, nodes.For):
            looped = _chain(node.iter)
            if looped is not None and ".".join(looped) in _BY_PATH:
                raise TemplateProblem(
                    f"Line {node.lineno} of the {where} loops over {{{{ {'.'.join(looped)} "
                    "}}, which is text: the loop would go through it letter by letter. Use "
                    "the field on its own, without {% for %}."
                )
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
                _refuse_special(parts, node.lineno, where)
                if parts[0] in undeclared:
                    found.append(_Use(".".join(parts), node.lineno))
                return
        elif isinstance(node, nodes.Name) and node.ctx == "load":
            refuse_private(node.name, node.lineno)
            _refuse_special([node.name], node.lineno, where)
            if node.name in undeclared:
                found.append(_Use(node.name, node.lineno))
            return
        for child in node.iter_child_nodes():
            visit(child)

    visit(ast)
    return found


def _too_deep(where: str) -> TemplateProblem:
    return TemplateProblem(
        f"The {where} has brackets or blocks inside one another too deeply to be read. Simplify it."
    )


def _parse(source: str, where: str) -> nodes.Template:
    try:
        return PLAIN.parse(source)
    except RecursionError:
        raise _too_deep(where) from None
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
            except RecursionError:
                raise _too_deep(where) from None
            except TemplateSyntaxError as exc:
                raise TemplateProblem(
                    f"Line {exc.lineno} of the {where} cannot be read: {exc.message}."
                ) from None
    # Fill it in with example values of every field it may use, as an email and as a
    # letter: what fails now would fail when a case's letter is made.
    sample = sample_context(groups)
    for markup in (False, True):
        for source, where in ((subject, "subject"), (body, "body")):
            try:
                render(source, sample, markup=markup)
            except TemplateProblem as exc:
                raise TemplateProblem(
                    f"The {where} cannot be filled in with example values: {exc.message}"
                ) from None
    return fields


# --------------------------------------------------------------------------- rendering


def render(source: str, context: Mapping[str, Any], *, markup: bool = False) -> str:
    """Render ``source`` in the sandbox (check it with :func:`check_template` first).

    Anything the sandbox refuses, a field missing at run time (a field of a list item,
    which is only known when the list is looped over), a filter given the wrong kind of
    value, more text than :data:`MAX_SIZE` or more work than :data:`MAX_WORK` (loops
    within loops) is a :class:`TemplateProblem`: nothing half rendered is returned.
    """
    env = MARKUP if markup else PLAIN
    try:
        template = env.from_string(source)
    except RecursionError:
        raise _too_deep("template") from None
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"Line {exc.lineno} cannot be read: {exc.message}.") from None
    budget = _work.set([0])
    try:
        parts: list[str] = []
        length = 0
        for part in template.generate(dict(context)):
            length += len(part)
            if length > MAX_SIZE:
                raise _too_big("a letter")
            parts.append(part)
        return "".join(parts)
    except TemplateProblem:
        raise
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
    except RecursionError:
        raise TemplateProblem(
            "The template calls itself without end. Remove the macro's call to itself."
        ) from None
    except MemoryError:
        raise _too_big("text") from None
    except (
        TypeError,
        ValueError,
        ArithmeticError,
        AttributeError,
        LookupError,
    ) as exc:
        raise TemplateProblem(
            f"The template could not be filled in: {exc}. Check the filters and "
            "expressions it uses against the merge fields' values."
        ) from None
    finally:
        _work.reset(budget)


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
