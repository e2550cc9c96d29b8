"""The template save check fills the template in with example values of every merge
field, in the sandbox, with limits on what an expression may build: a template that
passes the check cannot crash, or exhaust memory, when a letter is made."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from crm_desktop.correspondence import rendering
from crm_desktop.correspondence.rendering import MAX_SIZE, TemplateProblem, check_template, render
from crm_desktop.correspondence.templates import TEMPLATES, default_text, preview_sample, spec
from crm_desktop.db.database import Database
from crm_desktop.errors import ValidationError
from crm_desktop.operations import correspondence as ops
from crm_desktop.operations import run_operation
from tests.core.test_correspondence_support import Built, build_case, configure, manager

TODAY = dt.date(2024, 3, 18)
CASE_GROUPS = TEMPLATES["acknowledgement"].groups


@pytest.fixture
def built(database: Database) -> Built:
    configure(database, None)
    return database.write(build_case)


REFUSED_AT_SAVE = {
    # what each refusal says
    "{{ case.reference|xmlattr }}": "could not be filled in",
    "{{ complainant.name|xmlattr }}": "could not be filled in",
    "{{ 'x' * 10**11 }}": "longer than",
    "{{ 10**11 * 'x' }}": "longer than",
    "{{ ['x'] * 10**11 }}": "longer than",
    "{{ 'x' * 1000000000 }}": "longer than",
    "{{ case.reference * 100000000 }}": "longer than",
    "{{ 2 ** 100000000 }}": "too large a number",
    "{{ 'x'|center(10**10) }}": "too large",
    "{{ 'x'|indent(10**10) }}": "too large",
    "{{ 'x'|truncate(10**12) }}": "too large",
    "{{ 'x'.ljust(99999999999) }}": "too large",
    "{{ 'x'.zfill(99999999999) }}": "too large",
    "{{ ('\t' * 1000).expandtabs(999999) }}": "longer than",
    "{{ '{:>999999999}'.format(1) }}": "field width",
    "{{ '%999999999s' % 'x' }}": "field width",
    "{{ '%.999999999f'|format(1) }}": "field width",
    "{% set a = 'x' * 900000 %}{% set a = a ~ a %}{{ a }}": "longer than",
    "{% set a = 'x' * 900000 %}{{ a + a }}": "longer than",
    "{% set a = ['x'] * 900000 %}{{ (a + a)|length }}": "longer than",
    "{{ ('x' * 1000)|replace('x', 'y' * 1000) }}": "longer than",
    "{{ ('x' * 1000).replace('x', 'y' * 1000) }}": "longer than",
    "{{ (['x'] * 1000)|join('y' * 1000) }}": "longer than",
    "{{ ('y' * 1000).join(['x'] * 1000) }}": "longer than",
    "{% for i in 'x' * 900000 %}{{ 'abc' }}{% endfor %}": "longer than",
    "{{ case.reference|safe }}": "filter 'safe'",
    "{% filter safe %}{{ case.summary }}{% endfilter %}": "filter 'safe'",
    "{{ case|attr('reference') }}": "filter 'attr'",
    "{% autoescape false %}{{ case.summary }}{% endautoescape %}": "escaping on or off",
    "{{ case.reference|int(1)|list }}": "could not be filled in",
    "{{ case.reference / 0 }}": "could not be filled in",
}


@pytest.mark.parametrize("body", list(REFUSED_AT_SAVE))
def test_a_template_that_would_fail_is_refused_at_save_with_a_message(body: str) -> None:
    with pytest.raises(TemplateProblem) as caught:
        check_template("Subject", body, CASE_GROUPS)
    assert REFUSED_AT_SAVE[body] in caught.value.message, caught.value.message
    assert "\n" not in caught.value.message


def test_limits_also_hold_when_a_template_is_used_without_the_check() -> None:
    context = rendering.sample_context(CASE_GROUPS)
    for body in ("{{ 'x' * 10**11 }}", "{{ case.reference|xmlattr }}", "{{ 'x'|center(10**10) }}"):
        for markup in (False, True):
            with pytest.raises(TemplateProblem):
                render(body, context, markup=markup)


def test_output_is_bounded_even_when_each_piece_is_small() -> None:
    context = rendering.sample_context(CASE_GROUPS)
    context["case"] = rendering.namespace({"summary": "y" * 600_000})
    with pytest.raises(TemplateProblem, match="longer than"):
        render("{{ case.summary }}{{ case.summary }}", context)
    assert len(render("{{ case.summary }}", context)) == 600_000 < MAX_SIZE


def test_ordinary_templates_still_pass_and_render() -> None:
    for body in (
        "Dear {{ complainant.salutation }},\n{{ case.reference|upper }} {{ '%s' % case.kind }}",
        "{{ '-' * 40 }}\n{{ case.summary|wordwrap(60) }}\n{{ case.points|indent(4) }}",
        "{{ '{:>10}'.format(case.reference) }} {{ case.received_on|replace(' ', '\u00a0') }}",
    ):
        check_template("Subject {{ case.reference }}", body, CASE_GROUPS)
    for key in TEMPLATES:
        subject, text = default_text(key)
        check_template(subject, text, spec(key).groups)
        assert preview_sample(key, subject, text).body


def test_saving_refuses_a_template_that_cannot_be_filled_in(
    database: Database, built: Built
) -> None:
    with pytest.raises(ValidationError, match="cannot be filled in with example values"):
        run_operation(
            database,
            manager(built),
            TODAY,
            ops.save_template,
            "acknowledgement",
            "Subject",
            "Dear {{ complainant.name|xmlattr }}",
            0,
        )


NESTED_LOOPS = (
    "Dear {{ complainant.name }},\n"
    "{% for a in x %}{% for b in x %}{% for c in x %}{% endfor %}{% endfor %}{% endfor %}"
)


@pytest.mark.parametrize(
    "body",
    [
        NESTED_LOOPS.replace("in x", "in case.summary"),
        NESTED_LOOPS.replace("in x", "in case.summary|list"),
        NESTED_LOOPS.replace("in x", "in (case.summary ~ '')|list|reverse"),
        "{% set s = case.summary|list %}" + NESTED_LOOPS.replace("in x", "in s"),
        "{% macro f(n) %}{% if n > 0 %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}"
        "{{ f(40) }}",
    ],
)
def test_a_template_that_would_work_for_minutes_is_stopped(body: str) -> None:
    context = rendering.sample_context(CASE_GROUPS)
    long_summary = "The bins were not collected. " * 100  # 2,900 characters
    context["case"] = rendering.namespace({**vars(context["case"]), "summary": long_summary})
    for markup in (False, True):
        started = time.monotonic()
        with pytest.raises(TemplateProblem, match="repeats too much to be filled in"):
            render(body, context, markup=markup)
        assert time.monotonic() - started < 10


def test_looping_over_a_text_field_is_refused_at_save() -> None:
    with pytest.raises(TemplateProblem, match=r"loops over \{\{ case.summary \}\}, which is text"):
        check_template("Subject", NESTED_LOOPS.replace("in x", "in case.summary"), CASE_GROUPS)


def test_loops_that_do_little_work_still_render() -> None:
    context = rendering.sample_context(["items"])
    context["items"] = [rendering.namespace({"reference": f"COR-{n}"}) for n in range(5_000)]
    body = "{% for item in items %}{{ loop.index }}. {{ item.reference|upper }}\n{% endfor %}"
    assert render(body, context).count("\n") == 5_000


UNCLEAR_BEFORE = {
    # what each refusal says (each used to be a puzzle, or printed the program's insides)
    "{% include 'letterhead.txt' %}": "Templates cannot include other templates or files.",
    "{% import 'macros.txt' as m %}": "Templates cannot include other templates or files.",
    "{% from 'macros.txt' import sign_off %}": "Templates cannot include other templates",
    "{% extends 'base' %}{% block body %}x{% endblock %}": "cannot include other templates",
    "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}": "The template calls itself without end.",
    "{{ self }}": "uses 'self', which is not a merge field",
    "{{ self.body() }}": "uses 'self', which is not a merge field",
    "{% for p in case.points|list %}{{ loop.cycle('a', 'b') }}{% endfor %}": "{{ loop.cycle }}",
    "{% for p in case.points|list %}{{ loop['changed'] }}{% endfor %}": "{{ loop.changed }}",
    "{% for p in case.points|list %}{{ loop }}{% endfor %}": "In a loop you can use loop.index",
    "{{ " + "(" * 2000 + "1" + ")" * 2000 + " }}": "too deeply to be read",
}


@pytest.mark.parametrize("body", list(UNCLEAR_BEFORE))
def test_what_templates_may_not_do_is_said_plainly(body: str) -> None:
    with pytest.raises(TemplateProblem) as caught:
        check_template("Subject", body, CASE_GROUPS)
    assert UNCLEAR_BEFORE[body] in caught.value.message, caught.value.message
    assert "longer than" not in caught.value.message and "loader" not in caught.value.message


def test_a_loops_place_may_be_used() -> None:
    body = (
        "{% for p in case.points|list %}{{ loop.index }}/{{ loop.length }}"
        "{% if loop.first %} first{% endif %}{% if loop.last %} last{% endif %}"
        " {{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}\n{% endfor %}"
    )
    check_template("Subject", body, CASE_GROUPS)
    context = rendering.sample_context(CASE_GROUPS)
    context["case"] = rendering.namespace({**vars(context["case"]), "points": "ab"})
    assert render(body, context) == "1/2 first 021\n2/2 last 110\n"
