"""The checks' shortcuts past Jinja2 give exactly what Jinja2 gives.

journeyc/checks/plain_parse.py builds the tree of a plain template without Jinja2's parser, and
journeyc/checks/plain_render.py renders a plain tree without compiling it. Both are compared with Jinja2 on
random templates: the same tree (nodes, fields, line numbers), the same text or a failure alike.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2 import TemplateSyntaxError, nodes

from journeyc.checks.messages import _ENV as MEASURING
from journeyc.checks.messages import _StandIn
from journeyc.checks.plain_parse import plain_tree
from journeyc.checks.plain_render import plain_renderer
from journeyc.checks.templates import ROOTS, template_env

PARSING = template_env()


def dump(node: Any) -> Any:
    """Everything parse gives a node, line numbers and environment included, for comparing two trees."""
    if isinstance(node, nodes.Node):
        fields = tuple((name, dump(getattr(node, name, None))) for name in node.fields)
        return (type(node).__name__, node.lineno, id(node.environment), fields)
    if isinstance(node, list):
        return [dump(item) for item in node]
    return (type(node).__name__, node)


texts = st.text(alphabet="ab {}%#\n\r'\"-|.é", max_size=8)
roots = st.sampled_from(["profile", "trigger", "offer", "other", "profile2"])
attrs = st.sampled_from(["first_name", "code", "_x", "if", "items", "1a", "é"])
spacing = st.sampled_from(["", " ", "  ", "\n", "-", " -", "+", "\t"])
literals = st.sampled_from(["'there'", '"Hi"', "''", "'it''s'", "'a\\'b'", "'{{ x }}'", "'%}'", "'a\nb'", "3"])


@st.composite
def placeholders(draw) -> str:
    read = f"{draw(roots)}.{draw(attrs)}" if draw(st.booleans()) else draw(roots)
    name = draw(st.sampled_from(["default", "d", "upper", "default ", "default|d"]))
    tail = draw(st.sampled_from(["", f" | {name}({draw(literals)})", f"|{name}( {draw(literals)} )", " | d"]))
    return "{{" + draw(spacing) + read + tail + draw(spacing) + "}}"


@st.composite
def tags(draw) -> str:
    test = f"{draw(roots)}.{draw(attrs)}" if draw(st.booleans()) else draw(roots)
    word = draw(st.sampled_from([f"if {test}", f"if  {test}", f"elif {test}", "else", "endif", "if", "for x in y"]))
    return "{%" + draw(spacing) + word + draw(spacing) + "%}"


plain_texts = st.text(alphabet="ab \n}%#.'é", max_size=6)
gaps = st.sampled_from(["", " ", "  "])


@st.composite
def plain_placeholders(draw) -> str:
    read = (
        draw(st.sampled_from(["profile", "trigger", "offer"])) + "." + draw(st.sampled_from(["first_name", "if", "_x"]))
    )
    tail = draw(st.sampled_from(["", " | default('there')", '|d("")', "| default( 'a}}b' )"]))
    return "{{" + draw(gaps) + read + tail + draw(gaps) + "}}"


@st.composite
def blocks(draw, depth: int = 0) -> str:
    """Well nested `if` blocks around text and placeholders, so that plain texts are common."""
    parts = draw(st.lists(st.one_of(plain_texts, plain_placeholders(), texts, placeholders()), max_size=3))
    if depth < 2 and draw(st.booleans()):
        test = draw(st.sampled_from(["offer", "offer.code", "profile.vip", "trigger"]))
        branches = [draw(blocks(depth + 1))]
        ends = draw(st.lists(st.sampled_from(["elif profile.x", "else"]), max_size=2))
        inner = "".join(f"{{% {end} %}}" + draw(blocks(depth + 1)) for end in ends)
        parts.append(
            f"{{%{draw(gaps)}if {test}{draw(gaps)}%}}" + branches[0] + inner + "{% endif %}" + draw(plain_texts)
        )
    return "".join(parts)


templates = st.one_of(st.lists(st.one_of(texts, placeholders(), tags()), max_size=8).map("".join), blocks(), blocks())


@settings(max_examples=1500, deadline=None)
@given(templates)
def test_a_plain_tree_is_the_tree_jinja_parses(text):
    tree = plain_tree(text, PARSING)
    try:
        expected = PARSING.parse(text)
    except TemplateSyntaxError:
        assert tree is None
        return
    if tree is not None:
        assert dump(tree) == dump(expected)


@pytest.mark.parametrize(
    "text",
    [
        "{{ profile.first_name | default('there') }}: your code {{ offer.code }}.{% if offer %} Code {{ offer.code }}."
        "{% endif %} Reply STOP to opt out.",
        'Hi {{ profile.first_name|d("there") }},\n\n{% if offer.code %}{{ offer.code }}{% elif trigger %}x'
        "{% else %}\ny{% endif %}\nBye\n",
        "{% if offer %}{% if profile.vip %}VIP{% endif %}{% endif %}",
        "No placeholder at all\n",
        "",
    ],
)
def test_the_usual_templates_are_plain(text):
    tree = plain_tree(text, PARSING)
    assert tree is not None
    assert dump(tree) == dump(PARSING.parse(text))


@pytest.mark.parametrize(
    "text",
    ["{# note #}", "{{- profile.first_name }}", "{{ profile.first_name | upper }}", "{{ profile }}", "a\r\nb",
     "{% if offer %}x", "{% endif %}", "{% if offer %}{% else %}{% else %}{% endif %}", "{{ profile.first_name\n}}",
     "{% for x in offer %}{% endfor %}", "{{ offer.code }}{% if profile.a.b %}{% endif %}"],
)  # fmt: skip
def test_anything_else_is_left_to_jinja(text):
    assert plain_tree(text, PARSING) is None


def rendered(render: Any, values: dict[str, Any]) -> tuple[str, str | None]:
    try:
        return ("text", render(values))
    except Exception:  # the length check falls back alike on any failure
        return ("failed", None)


filters = st.sampled_from(["default('x')", "d('')", "upper", "title", "trim", "truncate(5)", "round(1)", "int", "abs",
                           "first", "length", "string", "e", "safe", "replace('a', 'b')", "default(none)"])  # fmt: skip
scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**12), st.floats(allow_nan=False),
                    st.text(alphabet="ab<>&'é ", max_size=6), st.lists(st.integers(), max_size=2))  # fmt: skip


@st.composite
def reads(draw) -> str:
    read = draw(st.sampled_from(["profile", "trigger", "offer", "other"]))
    for _ in range(draw(st.integers(0, 2))):
        read += "." + draw(st.sampled_from(["first_name", "code", "items", "_x", "value"]))
    for _ in range(draw(st.integers(0, 2))):
        read += " | " + draw(filters)
    return read


@st.composite
def renderable(draw) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["text", "read", "if"]))
        if kind == "text":
            parts.append(draw(st.text(alphabet="ab \n", max_size=4)))
        elif kind == "read":
            parts.append("{{ " + draw(reads()) + " }}")
        else:
            parts.append(f"{{% if {draw(reads())} %}}a{{{{ {draw(reads())} }}}}{{% else %}}b{{% endif %}}")
    return "".join(parts)


def stand_in(values: dict[str, Any]) -> _StandIn:
    return _StandIn(lambda name: values.get(name, "x" * 20))


holders = st.one_of(
    st.dictionaries(st.sampled_from(["first_name", "code", "items", "value"]), scalars, max_size=3),
    st.dictionaries(st.sampled_from(["first_name", "code", "value"]), scalars, max_size=3).map(stand_in),
    scalars,
)


@settings(max_examples=1000, deadline=None)
@given(renderable(), st.fixed_dictionaries({"profile": holders, "trigger": holders, "offer": holders}))
def test_a_plain_render_is_what_jinja_renders(text, values):
    render = plain_renderer(PARSING.parse(text), MEASURING, ROOTS)
    if render is None:
        return  # compiled by Jinja2
    assert rendered(render, values) == rendered(MEASURING.from_string(text).render, values)


def test_the_usual_templates_render_without_compiling():
    text = (
        "{{ profile.first_name | default('there') }}: {{ trigger.order_id }}{% if offer %} {{ offer.code }}{% endif %}"
    )
    render = plain_renderer(PARSING.parse(text), MEASURING, ROOTS)
    assert render is not None
    values = {"profile": stand_in({"first_name": "Ada"}), "trigger": stand_in({}), "offer": stand_in({"code": 7})}
    assert render(values) == MEASURING.from_string(text).render(values) == "Ada: xxxxxxxxxxxxxxxxxxxx 7"
