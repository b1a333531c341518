"""journeyc.runtime.plain_templates: plain templates rendered without Jinja2 give exactly what Jinja2 gives."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from journeyc.runtime.plain_templates import PlainTemplate

# The contact policy's environments (journeyc/runtime/policy.py).
TEXT = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
HTML = SandboxedEnvironment(undefined=StrictUndefined, autoescape=True)


def jinja(text: str, values: dict[str, Any], autoescape: bool) -> str | None:
    """What the policy's Jinja2 renders, or None when it fails (a render_error)."""
    env = HTML if autoescape else TEXT
    try:
        return env.from_string(text).render(values)
    except (TemplateError, TypeError, ValueError, KeyError):
        return None


texts = st.text(alphabet="ab <>&\"'\n{}%#é-|", max_size=12)
roots = st.sampled_from(["profile", "trigger", "offer", "range", "missing"])
attrs = st.sampled_from(["first_name", "order_id", "code", "items", "get", "__class__", "absent"])
defaults = st.one_of(st.none(), st.sampled_from(["'there'", '"Hi"', "'<b>&'", "''", '"it\'s"']))
spacing = st.sampled_from(["", " ", "  ", "\n", "- ", " -"])  # "-": whitespace control (not plain)


@st.composite
def placeholders(draw) -> str:
    root, attr, default = draw(roots), draw(attrs), draw(defaults)
    name = draw(st.sampled_from(["default", "d", "upper"]))
    tail = f" | {name}({default})" if default is not None else ""
    return "{{" + draw(spacing) + f"{root}.{attr}{tail}" + draw(spacing) + "}}"


templates = st.lists(st.one_of(texts, placeholders()), max_size=6).map("".join)
scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**20), st.floats(allow_nan=False),
                    st.text(alphabet="ab<>&'\"é ", max_size=6), st.lists(st.integers(), max_size=2))  # fmt: skip
holders = st.one_of(
    st.dictionaries(st.sampled_from(["first_name", "order_id", "code", "items"]), scalars, max_size=3),
    st.none(),
    st.just("a text"),
)
values = st.fixed_dictionaries({"profile": holders, "trigger": holders, "offer": holders})


@settings(max_examples=1500, deadline=None)
@given(templates, values, st.booleans())
def test_a_plain_template_renders_as_jinja_renders_it(text, values, autoescape):
    plain = PlainTemplate.parse(text)
    if plain is None:
        return  # Jinja2 renders it
    rendered = plain.render(values, autoescape)
    if rendered is not None:
        assert rendered == jinja(text, values, autoescape)


@pytest.mark.parametrize(
    "text",
    [
        'Hi {{ profile.first_name | default("there") }}, your order {{ trigger.order_id }} is on its way.\n',
        '{{ offer.code }} is your code. <a href="x?a=1&b=2">Shop</a>',
        "No placeholder at all",
        "",
    ],
)
def test_the_usual_templates_are_plain_and_render_without_jinja(text):
    plain = PlainTemplate.parse(text)
    assert plain is not None
    values = {"profile": {"first_name": "Ada & Bo"}, "trigger": {"order_id": "o-1"}, "offer": {"code": "<X>"}}
    for autoescape in (False, True):
        assert plain.render(values, autoescape) == jinja(text, values, autoescape)
        assert plain.render(values, autoescape) is not None


@pytest.mark.parametrize(
    "text",
    ["{% if x %}a{% endif %}", "{# note #}", "{{- profile.first_name }}", "{{ profile.first_name | upper }}",
     "{{ profile }}", "{{ profile.a.b }}", "a\r\nb", "{{ 'x' }}", "{{ profile.first_name "],
)  # fmt: skip
def test_anything_else_is_left_to_jinja(text):
    assert PlainTemplate.parse(text) is None


def test_values_that_are_not_obvious_are_left_to_jinja():
    # `profile.items` is the dict's method to Jinja2, whatever the profile holds: never plain.
    assert PlainTemplate.parse("{{ profile.items }} {{ trigger.code }} {{ offer.code }}") is None
    plain = PlainTemplate.parse("{{ offer.code }}")
    assert plain is not None
    assert plain.render({"offer": None}, False) is None  # no offer: Jinja2 reports it
    assert plain.render({"offer": {}}, False) is None  # a missing value, no default: Jinja2 reports it
