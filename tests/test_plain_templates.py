"""journeyc.runtime.plain_templates: the one definition of a plain template, and its render without compiling.

Plain templates are recognised on Jinja2's own tree and rendered directly; the render must be exactly what the
message sandbox renders (runtime/sandbox.py), or None when Jinja2 has to decide. Hypothesis compares the two on
random templates and values, for the three ways a value is written (text, HTML, URL).
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2 import TemplateSyntaxError

from journeyc.runtime.plain_templates import NEEDED, ROOTS, SHOWN, TESTED, PlainTemplate, Read
from journeyc.runtime.render import _SHOW, _STRETCH, HTML, TEXT, URL, message_sandboxes
from journeyc.runtime.sandbox import MAX_OUTPUT

ENVS = message_sandboxes()


def plain(text: str) -> PlainTemplate | None:
    return PlainTemplate.from_tree(ENVS[TEXT].parse(text))


def jinja(text: str, values: dict[str, Any], mode: str) -> str | None:
    """What the message sandbox renders, or None when it fails (a render_error)."""
    env = ENVS[mode]
    try:
        return env.render_template(env.compile_template(text), values)
    except Exception:
        return None


texts = st.one_of(st.text(alphabet="ab <>&\"'\n/?é-|", max_size=10), st.sampled_from(["{", "}", "%}", "#", "\r\n"]))
roots = st.sampled_from(["profile", "trigger", "offer", "range", "missing"])
attrs = st.sampled_from(["first_name", "order_id", "code", "items", "get", "_x", "absent"])
defaults = st.one_of(st.none(), st.sampled_from(["'there'", '"Hi"', "'<b>&'", "''", '"it\'s"', "3", "none"]))
spacing = st.sampled_from(["", " ", "  ", "\n", "- ", " -", "+"])


@st.composite
def any_placeholders(draw) -> str:
    root, attr, default = draw(roots), draw(attrs), draw(defaults)
    name = draw(st.sampled_from(["default", "d", "upper"]))
    tail = f" | {name}({default})" if default is not None else ""
    read = f"{root}.{attr}" if draw(st.booleans()) else root
    return "{{" + draw(spacing) + read + tail + draw(spacing) + "}}"


@st.composite
def plain_placeholders(draw) -> str:
    """Mostly plain reads, so that the render without Jinja2 is exercised often."""
    read = draw(st.sampled_from(["profile", "trigger", "offer"])) + "." + draw(st.sampled_from(["first_name", "code"]))
    default = draw(st.sampled_from(["", " | default('there')", " | d('<b>&/?')", ' | default("")']))
    return "{{" + draw(spacing) + read + default + draw(spacing) + "}}"


placeholders = st.one_of(any_placeholders(), plain_placeholders(), plain_placeholders())


@st.composite
def blocks(draw, depth: int = 0) -> str:
    parts = draw(st.lists(st.one_of(texts, placeholders, st.just("{# c #}")), max_size=4))
    if depth < 2 and draw(st.booleans()):
        test = f"{draw(roots)}.{draw(attrs)}" if draw(st.booleans()) else draw(roots)
        test = draw(st.sampled_from([test, "offer", "profile.first_name"]))
        inner = "".join(
            f"{{%{draw(spacing)}{word} {test if word == 'elif' else ''}%}}" + draw(blocks(depth + 1))
            for word in draw(st.lists(st.sampled_from(["elif", "else"]), max_size=2))
        )
        parts.append(f"{{% if {test} %}}" + draw(blocks(depth + 1)) + inner + "{% endif %}")
    return "".join(parts)


scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**20), st.floats(allow_nan=False),
                    st.text(alphabet="ab<>&'\"é /?#", max_size=6), st.lists(st.integers(), max_size=2))  # fmt: skip
holders = st.one_of(
    st.dictionaries(st.sampled_from(["first_name", "order_id", "code", "items", "_x"]), scalars, max_size=3),
    st.dictionaries(st.sampled_from(["first_name", "code"]), scalars, max_size=2),
    st.none(),
    st.just("a text"),
    st.just(0),
)
values = st.fixed_dictionaries({"profile": holders, "trigger": holders, "offer": holders})


@pytest.mark.slow
@settings(max_examples=examples(2000), deadline=None)
@given(blocks(), values, st.sampled_from([TEXT, HTML, URL]))
def test_a_plain_render_is_what_the_sandbox_renders(text, values, mode):
    try:
        template = plain(text)
    except TemplateSyntaxError:
        return  # not a template: the sandbox fails every render of it
    if template is None:
        return  # rendered by Jinja2
    rendered = template.render(values, _SHOW[mode])
    if rendered is not None:
        assert rendered == jinja(text, values, mode)


@pytest.mark.parametrize(
    "text",
    [
        'Hi {{ profile.first_name | default("there") }}, your order {{ trigger.order_id }} is on its way.\n',
        '{{ offer.code }} is your code. <a href="x?a=1&b=2">Shop</a>',
        "{{- profile.first_name | d('') -}}  {# a note #}\n{% if offer %}Code {{ offer.code }}{% else %}-{% endif %}",
        "{% if profile.vip %}{% if offer.code %}VIP {{ offer.code }}{% endif %}{% elif trigger %}t{% endif %}",
        "No placeholder at all",
        "",
    ],
)
def test_the_usual_templates_are_plain_and_render_without_jinja(text):
    template = plain(text)
    assert template is not None
    values = {
        "profile": {"first_name": "Ada & Bo", "vip": True},
        "trigger": {"order_id": "o/1"},
        "offer": {"code": "<X>"},
    }
    for mode in (TEXT, HTML, URL):
        assert template.render(values, _SHOW[mode]) == jinja(text, values, mode)
        assert template.render(values, _SHOW[mode]) is not None


@pytest.mark.parametrize(
    "text",
    ["{% for x in trigger.items %}a{% endfor %}", "{{ profile.first_name | upper }}", "{{ profile }}",
     "{{ profile.a.b }}", "{{ 'x' }}", "{{ profile.first_name | default(3) }}", "{{ profile.items }}",
     "{% if trigger.value > 3 %}a{% endif %}", "{{ other.first_name }}", "{% set x = 1 %}"],
)  # fmt: skip
def test_anything_else_is_left_to_jinja(text):
    assert plain(text) is None


def test_a_plain_template_lists_its_reads_tests_and_texts():
    template = plain("Hi {{ profile.first_name | d('you') }}{% if offer %}: {{ offer.code }}{% endif %}")
    assert template is not None
    assert list(template.reads()) == [Read("profile", "first_name", "you"), Read("offer", "code", None)]
    assert [(t.root, t.attr) for t in template.tests()] == [("offer", None)]
    assert list(template.texts()) == ["Hi ", ": "]


def test_a_value_without_a_value_is_missing():
    # The regression of "Hi None": None is missing, in the plain render and in the sandbox alike.
    template = plain('Hi {{ profile.first_name | default("there") }}')
    assert template is not None
    for holder in ({"first_name": None}, {}):
        assert template.render({"profile": holder}, str) == "Hi there"
        assert jinja('Hi {{ profile.first_name | default("there") }}', {"profile": holder}, TEXT) == "Hi there"
    bare = plain("Hi {{ profile.first_name }}")
    assert bare is not None
    assert bare.render({"profile": {"first_name": None}}, str) is None  # left to the sandbox, which fails it
    assert jinja("Hi {{ profile.first_name }}", {"profile": {"first_name": None}}, TEXT) is None
    if_none = "{% if profile.first_name %}Hi {{ profile.first_name }}{% else %}Hello{% endif %}"
    assert jinja(if_none, {"profile": {"first_name": None}}, TEXT) == "Hello"
    assert jinja(if_none, {"profile": {}}, TEXT) == "Hello"


def test_values_that_are_not_obvious_are_left_to_jinja():
    template = plain("{{ offer.code | d('none') }}")
    assert template is not None
    assert template.render({"offer": None}, str) == "none"  # no offer: every field missing
    assert template.render({"offer": "a text"}, str) is None  # Jinja2 decides what a text's `code` is
    assert template.render({}, str) is None  # a root not given at all


# --- loops: the runtime's render only (`from_tree(tree, loops=True)`) -------------------------------------------


def plain_in_runtime(text: str) -> PlainTemplate | None:
    return PlainTemplate.from_tree(ENVS[TEXT].parse(text), runtime=True)


def plain_template_of(text: str) -> PlainTemplate | None:
    """`plain_in_runtime`, None for a text that is not a template at all."""
    try:
        return plain_in_runtime(text)
    except TemplateSyntaxError:
        return None


@st.composite
def loop_blocks(draw) -> str:
    """A `{% for %}` over a root's attribute, its body reading the item and the roots; mostly plain, sometimes
    not (a loop named `loop`, an `else`, a filter, a list read from a dict's method)."""
    name = draw(st.sampled_from(["item", "item", "item", "profile", "loop"]))
    body = []
    for _ in range(draw(st.integers(0, 3))):
        attr = draw(st.sampled_from(["name", "name", "variant", "first_name", "items"]))
        default = draw(st.sampled_from(["", " | default('An item')", " | d('<&>')", " | default('An item')"]))
        reads = st.sampled_from([
            f"{{{{ {name}.{attr}{default} }}}}",
            f"{{% if {name}.{attr} %}} ({{{{ {name}.{attr}{default} }}}}){{% endif %}}",
            f"{{% if {name} %}}*{{% else %}}-{{% endif %}}",
            "{{ profile.first_name | d('you') }}",
            f"{{% if {name}.{attr} == 'a' %}}=a{{% elif profile.first_name != \"Ada & Bo\" %}}!{{% endif %}}",
        ])  # fmt: skip
        body.append(draw(reads if draw(st.integers(0, 3)) else texts))
    source = draw(st.sampled_from(["trigger.products"] * 4 + ["trigger.lines", "trigger.items", "profile.first_name"]))
    tail = draw(st.sampled_from([""] * 6 + ["{% else %}none", " if item"]))
    head = f"{{% for {name} in {source}{tail if tail.startswith(' if') else ''} %}}"
    end = (tail if tail.startswith("{%") else "") + "{% endfor %}"
    around = st.lists(st.one_of(texts, plain_placeholders()), max_size=2).map("".join)
    return draw(around) + head + "".join(body) + end + draw(around)


item_fields = st.fixed_dictionaries(
    {}, optional={"name": st.one_of(st.text(alphabet="ab<>&'é /", max_size=5), scalars), "variant": scalars,
                  "first_name": scalars},
)  # fmt: skip
items = st.one_of(
    item_fields,
    item_fields,
    item_fields,
    st.none(),
    st.just("a text"),
    st.just(3),
)  # fmt: skip
loop_holders = st.one_of(
    st.fixed_dictionaries({}, optional={"products": st.one_of(st.lists(items, max_size=4), scalars),
                                        "lines": st.lists(items, max_size=2), "items": st.lists(items, max_size=1)}),
    st.fixed_dictionaries({"products": st.lists(items, min_size=1, max_size=4), "lines": st.lists(items, max_size=2)}),
    st.fixed_dictionaries({"products": st.lists(items, min_size=1, max_size=4), "lines": st.lists(items, max_size=2)}),
    holders,
)  # fmt: skip
usual = st.one_of(st.just({"first_name": "Ada & Bo", "code": "<X>"}), st.just({}), holders)
loop_values = st.fixed_dictionaries({"profile": usual, "trigger": loop_holders, "offer": usual})


def test_a_cart_loop_renders_without_jinja():
    text = (
        "Hi {{ profile.first_name | default('there') }}{% if trigger.products %}:\n"
        '{% for item in trigger.products %}&bull; {{ item.name | default("An item") }}'
        "{% if item.variant %} ({{ item.variant }}){% endif %}<br />\n{% endfor %}{% endif %}"
    )
    template = plain_in_runtime(text)
    assert template is not None
    assert plain(text) is None  # the checks leave loops out
    products = [{"name": "Dress <no. 3>", "variant": "M"}, {"name": None}, {}]
    for values in ({"profile": {"first_name": "Ada"}, "trigger": {"products": products}, "offer": None},
                   {"profile": {}, "trigger": {"products": []}, "offer": None},
                   {"profile": {}, "trigger": {}, "offer": None}):  # fmt: skip
        for mode in (TEXT, HTML):
            rendered = template.render(values, _SHOW[mode])
            assert rendered is not None
            assert rendered == jinja(text, values, mode)
    assert "Dress &lt;no. 3&gt; (M)" in template.render({"profile": {}, "trigger": {"products": products}}, _SHOW[HTML])


@pytest.mark.parametrize(
    "text",
    ["{% for x in trigger.lines %}{{ loop.index }}{% endfor %}", "{% for x in trigger.lines %}a{% else %}b{% endfor %}",
     "{% for x in trigger.lines if x %}a{% endfor %}", "{% for a, b in trigger.lines %}a{% endfor %}",
     "{% for x in trigger.lines %}{% for y in x.sizes %}{{ y.name }}{% endfor %}{% endfor %}",
     "{% for x in trigger %}a{% endfor %}", "{% for x in items %}a{% endfor %}",
     "{% for loop in trigger.lines %}{{ loop.name }}{% endfor %}", "{% for x in trigger.lines %}{{ x }}{% endfor %}",
     "{% for x in trigger.lines %}{{ x.items }}{% endfor %}", "{% for x in trigger.items %}a{% endfor %}"],
)  # fmt: skip
def test_any_other_loop_is_left_to_jinja(text):
    assert plain_in_runtime(text) is None


def test_a_loop_over_what_is_not_an_obvious_list_is_left_to_jinja():
    template = plain_in_runtime("{% for x in trigger.lines %}{{ x.name | d('-') }}{% endfor %}")
    assert template is not None
    for items in (None, "ab", {"name": 1}, [{"name": 1}] * 1001, ["a text"]):
        assert template.render({"trigger": {"lines": items}}, str) is None
    assert template.render({"trigger": {}}, str) is None  # (missing: the sandbox fails iterating it)
    assert template.render({"trigger": {"lines": [None, {"name": 2}]}}, str) == "-2"


@st.composite
def comparisons(draw) -> str:
    """`{% if root.attr == 'text' %}` and the like, mostly of the plain kind (`==` or `!=` with text)."""
    read = f"{draw(roots)}.{draw(attrs)}" if draw(st.integers(0, 4)) else draw(roots)
    read = draw(st.sampled_from([read, "profile.tier", "offer.code", "profile.tier"]))
    op = draw(st.sampled_from(["==", "!=", "==", "!=", "<", "is", "in"]))
    const = draw(st.sampled_from(["'gold'", '"a"', "''", "3", "none", "'é<'"]))
    otherwise = draw(st.sampled_from(["", "{% else %}no", "{% elif offer.code == 'a' %}c{% else %}-"]))
    return (
        f"{draw(texts)}{{% if {read} {op} {const} %}}yes {{{{ profile.first_name | d('x') }}}}{otherwise}{{% endif %}}"
    )


compared = st.one_of(scalars, st.sampled_from(["gold", "a", "", "é<", "silver"]))
compared_holders = st.one_of(
    st.dictionaries(st.sampled_from(["first_name", "code", "tier", "items"]), compared, max_size=3), holders
)
compared_values = st.fixed_dictionaries({"profile": compared_holders, "trigger": holders, "offer": compared_holders})


@pytest.mark.slow
@settings(max_examples=examples(4000), deadline=None)
@given(
    st.one_of(st.tuples(loop_blocks(), loop_values), st.tuples(comparisons(), compared_values)),
    st.sampled_from([TEXT, HTML, URL]),
)
def test_a_runtime_render_with_loops_and_comparisons_is_what_the_sandbox_renders(example, mode):
    text, values = example
    template = plain_template_of(text)
    if template is None:
        return  # not a template (the sandbox fails every render of it), or rendered by Jinja2
    rendered = template.render(values, _SHOW[mode])
    if rendered is not None:
        assert rendered == jinja(text, values, mode)


def test_a_comparison_with_text_renders_without_jinja_in_the_runtime_only():
    text = '{% if profile.tier == "gold" %}Gold: 20%{% elif profile.tier != "silver" %}15%{% else %}10%{% endif %}'
    assert plain(text) is None  # the checks leave comparisons out
    template = plain_in_runtime(text)
    assert template is not None
    for profile, shown in (({"tier": "gold"}, "Gold: 20%"), ({"tier": "silver"}, "10%"), ({}, "15%"),
                           ({"tier": None}, "15%"), (None, "15%"), ({"tier": 3}, "15%")):  # fmt: skip
        assert template.render({"profile": profile}, str) == shown == jinja(text, {"profile": profile}, TEXT)
    assert template.render({"profile": "a text"}, str) is None  # Jinja2 decides what a text's `tier` is
    for other in ("{% if profile.tier < 'b' %}a{% endif %}", "{% if profile.tier == 3 %}a{% endif %}",
                  "{% if profile == 'a' %}a{% endif %}", "{% if profile.tier == profile.x %}a{% endif %}",
                  "{% if 'a' == profile.tier %}a{% endif %}", "{% if profile.a == 'a' == profile.b %}a{% endif %}"):  # fmt: skip
        assert plain_in_runtime(other) is None


# --- whether a template renders, found without writing it (`PlainTemplate.renders`) ----------------------------


def outcome(call: Any) -> Any:
    """What a call gives, or the type of what it raises."""
    try:
        return call()
    except Exception as error:
        return type(error)


@pytest.mark.slow
@settings(max_examples=examples(4000), deadline=None)
@given(
    st.one_of(
        st.tuples(blocks(), values),
        st.tuples(loop_blocks(), loop_values),
        st.tuples(comparisons(), compared_values),
    ),
    st.sampled_from([TEXT, HTML, URL]),
)
def test_whether_a_plain_template_renders_is_what_its_render_gives(example, mode):
    text, values = example
    template = plain_template_of(text)
    if template is None:
        return
    rendered = outcome(lambda: template.render(values, _SHOW[mode]))
    expected = rendered if isinstance(rendered, type) else rendered is not None
    assert outcome(lambda: template.renders(values, _SHOW[mode])) == expected
    assert outcome(lambda: template.renders(values, _SHOW[mode], _STRETCH[mode])) == expected


def test_whether_a_template_renders_counts_what_its_values_are_written_as_and_a_loop_counts_what_came_before():
    template = plain_in_runtime("{{ profile.first_name }}{% for item in trigger.products %}x{% endfor %}")
    assert template is not None
    small = {"profile": {"first_name": "Ann"}, "trigger": {"products": [{}, {}]}}
    assert template.renders(small, str) and template.render(small, str) == "Annxx"
    long = {"profile": {"first_name": "a" * MAX_OUTPUT}, "trigger": {"products": [{}]}}
    assert template.render(long, str) is None  # past MAX_OUTPUT with the loop: left to the sandbox
    assert not template.renders(long, str)
    surrogate = {"profile": {"first_name": "\ud800"}, "trigger": {"products": []}}
    assert outcome(lambda: template.render(surrogate, _SHOW[URL])) is UnicodeEncodeError
    flat = plain("Hi {{ profile.first_name }}")
    assert flat is not None
    with pytest.raises(UnicodeEncodeError):  # (a URL cannot write it: the message's render fails)
        flat.renders(surrogate, _SHOW[URL])
    assert flat.renders(surrogate, _SHOW[TEXT])
    assert not flat.renders({"profile": {"first_name": None}}, str)


@pytest.mark.parametrize("stretch", [None, _STRETCH[HTML]])
def test_texts_counted_without_writing_them_are_written_when_their_bound_passes_the_most_a_loop_may_write(stretch):
    template = plain_in_runtime("{{ profile.first_name }}{% for item in trigger.products %}x{% endfor %}")
    assert template is not None
    html = _SHOW[HTML]
    for name, renders in (("a" * (MAX_OUTPUT // 2), True), ("<" * (MAX_OUTPUT // 2), False)):
        values = {"profile": {"first_name": name}, "trigger": {"products": [{}]}}
        assert (template.render(values, html) is not None) == renders  # ("<" is written "&lt;": 4 characters)
        assert template.renders(values, html, stretch) == renders


# --- what values are enough for a template to render (`PlainTemplate.needs`) ------------------------------------


def roots_of(values: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(values.get(root) for root in ROOTS)


@pytest.mark.slow
@settings(max_examples=examples(4000), deadline=None)
@given(
    st.one_of(
        st.tuples(blocks(), values), st.tuples(comparisons(), compared_values), st.tuples(loop_blocks(), loop_values)
    ),
    st.sampled_from([TEXT, HTML]),
)
def test_a_template_whose_needs_are_met_renders(example, mode):
    text, values = example
    template = plain_template_of(text)
    if template is None:
        return
    if template.needs(_STRETCH[mode]).met(roots_of(values)):
        assert template.renders(values, _SHOW[mode], _STRETCH[mode])
        assert template.render(values, _SHOW[mode]) is not None


CART = (
    "{{ profile.first_name | d('x') }}{% if offer %}{{ offer.code }}{% elif trigger.coupon == 'a' %}"
    "{{ profile.first_name }}{% else %}{{ trigger.total | default('0') }}{% endif %}{% if trigger.products %}"
    "{% for item in trigger.products %}{{ item.name | d('An item') }}{% if item.variant %} ({{ item.variant }})"
    "{% endif %}{{ item.sku }}{% endfor %}{% endif %}"
)


def test_a_template_needs_what_it_reads_and_tests_in_every_branch_and_loop():
    template = plain_in_runtime(CART)
    assert template is not None
    needs = template.needs(1)
    assert needs.values == {
        ("profile", "first_name"): NEEDED,  # (read without a default in one branch: the stricter)
        ("offer", "code"): NEEDED,
        ("trigger", "coupon"): TESTED,
        ("trigger", "total"): SHOWN,
        ("trigger", "products"): TESTED,
    }
    # (a read in the branch its own test takes needs no more than a default's: it is there when it is shown)
    assert needs.items == {("trigger", "products"): {"name": SHOWN, "variant": SHOWN, "sku": NEEDED}}
    products = [{"name": "Dress", "sku": "D1"}, {"variant": "red", "sku": "D2"}]
    cart = {"profile": {"first_name": "A"}, "offer": {"code": "C"}, "trigger": {"total": "3", "products": products}}
    assert needs.met(roots_of(cart)) and template.renders(cart, str)
    # Not met: missing, not a str (`show` may fail on one: an int of 5,000 digits), not a dict, not a list.
    for wrong, renders in (([{"name": "Dress"}], False), ([{"sku": "D1", "variant": 3}], True), ([{"sku": 1}], True),
                           (["D1"], False), ("D1", False), ([None], False)):  # fmt: skip
        other = {**cart, "trigger": {"products": wrong}}
        assert not needs.met(roots_of(other))  # (then `renders` finds out)
        assert template.renders(other, str) == renders
    for empty in ({}, {"products": None}, {"products": []}, {"products": ""}):  # (its test is false: no loop)
        assert needs.met(roots_of({**cart, "trigger": empty})) and template.renders({**cart, "trigger": empty}, str)
    bare = plain_in_runtime("{% for item in trigger.products %}{{ item.sku }}{% endfor %}")
    assert bare is not None
    assert not bare.needs(1).met(({}, {}, None))  # (enough, not needed: a loop over no list fails the render)
    assert not bare.renders({"trigger": {}}, str)
    both = plain_in_runtime("{% if trigger.products %}{% for i in trigger.products %}{% endfor %}{% endif %}"
                            "{% for item in trigger.products %}{% endfor %}")  # fmt: skip
    assert both is not None and not both.needs(1).met(({}, {}, None))


def test_a_loops_bound_counts_every_text_and_read_once_more_than_its_items():
    template = plain_in_runtime("{{ profile.first_name }}{% for item in trigger.products %}x{% endfor %}")
    assert template is not None
    for length, items, met in ((MAX_OUTPUT // 10 - 1, 4, True), (MAX_OUTPUT // 10, 4, False)):
        values = {"profile": {"first_name": "a" * length}, "trigger": {"products": [{}] * items}}
        # bound: (1 text + 2 * longest * 1 read) * (1 + 4 items) <= MAX_OUTPUT
        assert template.needs(2).met(roots_of(values)) == met
        assert template.renders(values, str, 2)  # (the render itself is shorter than the bound)
    flat = plain("Hi {{ profile.first_name }}")
    assert flat is not None and flat.needs(5).met(({"first_name": "a" * MAX_OUTPUT}, None, None))  # (no loop)


def test_only_a_test_of_truth_makes_a_read_in_its_branch_need_less():
    for text, how in (("{% if trigger.coupon %}{{ trigger.coupon }}{% endif %}", SHOWN),
                      ("{% if trigger.coupon != 'a' %}{{ trigger.coupon }}{% endif %}", NEEDED),
                      ("{% if trigger.coupon %}{% else %}{{ trigger.coupon }}{% endif %}", NEEDED),
                      ("{% for trigger in trigger.products %}{% if trigger.coupon %}{% endif %}{% endfor %}"
                       "{% if trigger.coupon %}{% for trigger in trigger.products %}{{ trigger.coupon }}{% endfor %}"
                       "{% endif %}", None)):  # fmt: skip
        template = plain_in_runtime(text)
        assert template is not None
        needs = template.needs(1)
        if how is None:  # (inside the loop, `trigger` is its item: the test outside is of another value)
            assert needs.items == {("trigger", "products"): {"coupon": NEEDED}}
            continue
        assert needs.values == {("trigger", "coupon"): how}
        missing = {"trigger": {}}
        assert needs.met(roots_of(missing)) == (how == SHOWN) == template.renders(missing, str)
