"""The checks' shortcut past Jinja2 gives exactly what Jinja2 gives.

A plain template (journeyc/runtime/plain_templates.py) is measured without compiling it (measure.py
`render_plain`): with the stand-in values it must give the text the measuring sandbox renders. Jinja2 parses
every template the checks read: there is no second reader of template syntax.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from journeyc.checks.analysis.measure import MEASURING, StandIn, render_plain
from journeyc.checks.analysis.template_trees import template_env
from journeyc.runtime.plain_templates import PlainTemplate

PARSING = template_env()


def plain(text: str) -> PlainTemplate | None:
    return PlainTemplate.from_tree(PARSING.parse(text))


def stand_in(values: dict[str, Any]) -> StandIn:
    return StandIn(lambda name: values.get(name, "x" * 20))


opening = st.sampled_from(["", " ", "- ", "-"])  # `{{-` and `-}}` strip whitespace: Jinja2's tree says how much
closing = st.sampled_from(["", " ", " -", "-"])
scalars = st.one_of(st.booleans(), st.integers(-5, 10**12), st.floats(allow_nan=False),
                    st.text(alphabet="ab<>&'é ", max_size=6), st.lists(st.integers(), max_size=2))  # fmt: skip


@st.composite
def reads(draw) -> str:
    read = draw(st.sampled_from(["profile", "trigger", "offer"])) + "." + draw(st.sampled_from(["first_name", "code"]))
    tail = draw(st.sampled_from(["", " | default('there')", '|d("")']))
    return "{{" + draw(opening) + read + tail + draw(closing) + "}}"


@st.composite
def templates(draw, depth: int = 0) -> str:
    parts = draw(st.lists(st.one_of(st.text(alphabet="ab \n", max_size=4), reads(), st.just("{# x #}")), max_size=4))
    if depth < 2 and draw(st.booleans()):
        test = draw(st.sampled_from(["offer", "offer.code", "profile.vip", "trigger", "profile.first_name"]))
        other = draw(templates(depth + 1))
        parts.append(f"{{% if {test} %}}{draw(templates(depth + 1))}{{% else %}}{other}{{% endif %}}")
    return "".join(parts)


stand_ins = st.fixed_dictionaries(
    {
        root: st.dictionaries(st.sampled_from(["first_name", "code", "vip"]), scalars, max_size=3).map(stand_in)
        for root in ("profile", "trigger", "offer")
    }
)


@pytest.mark.slow
@settings(max_examples=examples(1000), deadline=None)
@given(templates(), stand_ins)
def test_a_plain_measure_is_what_jinja_renders(text, values):
    template = plain(text)
    assert template is not None  # every template drawn is plain
    compiled = MEASURING.from_string(text).render
    assert render_plain(template, lambda: compiled, values) == compiled(values)


def test_the_usual_templates_are_measured_without_compiling():
    text = (
        "{{ profile.first_name | default('there') }}: {{ trigger.order_id }}{% if offer %} {{ offer.code }}{% endif %}"
    )
    template = plain(text)
    assert template is not None
    values = {"profile": stand_in({"first_name": "Ada"}), "trigger": stand_in({}), "offer": stand_in({"code": 7})}
    assert render_plain(template, lambda: pytest.fail("compiled a plain template"), values) == "Ada: " + "x" * 20 + " 7"
