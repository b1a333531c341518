"""The runtime's message renderer (journeyc/runtime/render.py) and its sandbox (runtime/sandbox.py), through the
simulator's outbox where a project can show it: what a customer receives when their data is missing or hostile."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest
from conftest import REPO, check, examples
from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2 import Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from journeyc.build import build_outputs
from journeyc.runtime.eventlog import parse_time
from journeyc.runtime.render import MessageRenderer
from journeyc.runtime.sandbox import MessageSandbox
from journeyc.simulate import simulate

BASE = Path(__file__).parent / "fixtures" / "rule_base"
HOSTILE = 'x", "admin": true, "y": "z'


@pytest.fixture(scope="module")
def demo() -> MessageRenderer:
    result = check(REPO / "journeys")
    assert result.errors == 0
    build = build_outputs(result)
    data = {
        p.removeprefix("data/").removesuffix(".json"): json.loads(b) for p, b in build.items() if p.startswith("data/")
    }
    templates = {p: b.decode("utf-8") for p, b in build.items() if p.startswith("templates/")}
    return MessageRenderer(data, templates)


@pytest.mark.parametrize("profile", [{"first_name": None}, {}], ids=["first_name None", "no first_name"])
def test_the_demo_cart_reminder_greets_a_customer_without_a_first_name_plainly(demo, profile):
    content = demo.render("cart_reminder", profile, {"order_id": "o-7", "products": None}, None)
    assert content is not None
    assert content["subject"] == "Hi, your cart is saved"
    assert content["text"].startswith("Hi there,\n")
    assert "Hi there, you started checking out" in content["html"]
    assert not any("None" in value for value in content.values())


def test_a_value_that_is_none_shown_without_a_default_is_a_render_error(demo):
    # the otp SMS shows {{ trigger.code }}: without a code there is nothing to send, never "Your code is None"
    assert demo.render("otp", {}, {"code": None}, None) is None
    assert demo.render("otp", {}, {"code": "123456"}, None) is not None


def run(tmp_path: Path, messages: str, events: list[dict]) -> list[dict]:
    root = tmp_path / "project"
    shutil.copytree(BASE, root)
    source = 'import "company.journey"\n' + textwrap.dedent(messages)
    (root / "messages.journey").write_text(source, encoding="utf-8")
    result = check(root)
    assert result.errors == 0, [d.message for d in result.diagnostics if d.severity == "error"]
    lines = [json.dumps(event) for event in events]
    return simulate(result, lines, parse_time("2026-03-03T00:00:00Z")).simulator.outbox


def customer(first_name: str, **event: object) -> list[dict]:
    traits = {"first_name": first_name, "email": "c@example.com", "email_opt_in": True}
    return [
        {"type": "identify", "userId": "c", "traits": traits, "timestamp": "2026-03-02T12:00:00Z"},
        {"type": "track", "userId": "c", "event": "Order Completed", "properties": event,
         "timestamp": "2026-03-02T12:01:00Z"},
    ]  # fmt: skip


WEBHOOK = """
channel crm { kind webhook owner growth }

message order_to_crm on crm {
  url "https://crm.example/customers/{{ profile.first_name }}/orders?ref={{ trigger.order_id | default('none') }}"
  method "POST"
  body \"\"\"{"name": "{{ profile.first_name }}", "order": "{{ trigger.order_id }}", "total": {{ trigger.revenue }},
  "note": "{% if trigger.coupon %}coupon {{ trigger.coupon }}{% else %}no coupon{% endif %}"}\"\"\"
}

journey to_crm { owner growth category transactional trigger "Order Completed" entry at most 10 times
  send crm order_to_crm }
"""


def test_a_hostile_trait_stays_one_json_string_and_one_url_segment(tmp_path):
    [record] = run(tmp_path, WEBHOOK, customer(HOSTILE, order_id="A/1&x=2", revenue=12.5))
    assert record["status"] == "sent"
    body = json.loads(record["content"]["body"])
    assert body == {"name": HOSTILE, "order": "A/1&x=2", "total": 12.5, "note": "no coupon"}
    assert "admin" not in body
    assert record["content"]["url"] == (
        "https://crm.example/customers/x%22%2C%20%22admin%22%3A%20true%2C%20%22y%22%3A%20%22z/orders?ref=A%2F1%26x%3D2"
    )
    assert record["content"]["method"] == "POST"


def test_a_webhook_body_value_keeps_its_json_type_and_a_missing_one_fails_the_send(tmp_path):
    sent, failed = run(
        tmp_path,
        WEBHOOK,
        [*customer("Ann", order_id="A1", revenue=3, coupon="SPRING"), *customer("Ann", order_id="A2")[1:]],
    )
    assert json.loads(sent["content"]["body"])["total"] == 3
    assert json.loads(sent["content"]["body"])["note"] == "coupon SPRING"
    assert (failed["status"], failed["reason"], failed["content"]) == ("dropped", "render_error", None)


def test_line_breaks_in_a_trait_never_reach_a_header_field(tmp_path):
    messages = """
    message hello on email {
      subject "Hello {{ profile.first_name }}"
      from_name "{{ profile.first_name }} at the shop"
      text "Dear {{ profile.first_name }}"
    }
    journey hello { owner growth category transactional trigger "Order Completed" entry at most 10 times
      send email hello }
    """
    [record] = run(tmp_path, messages, customer("Eve\r\nBcc: all@example.com\u2028X"))
    assert record["content"]["subject"] == "Hello Eve Bcc: all@example.com X"
    assert record["content"]["from_name"] == "Eve Bcc: all@example.com X at the shop"
    assert record["content"]["text"] == "Dear Eve\r\nBcc: all@example.com\u2028X"  # a body may hold line breaks


def test_a_render_that_would_exhaust_the_runtime_is_a_render_error_in_the_outbox(tmp_path):
    # Nothing the check can see: the size comes from the event.
    messages = """
    message big on email {
      subject "Your order"
      text "{{ trigger.coupon * trigger.revenue | int }}"
    }
    journey big { owner growth category transactional trigger "Order Completed" entry at most 10 times
      send email big }
    """
    records = run(
        tmp_path, messages, [*customer("Ann", coupon="ab", revenue=3), *customer("Ann", coupon="ab", revenue=10**9)[1:]]
    )
    assert [(r["status"], r["reason"]) for r in records] == [("sent", None), ("dropped", "render_error")]
    assert records[0]["content"]["text"] == "ababab"


@pytest.mark.parametrize(
    "template",
    [
        "{{ x|length ** 99999999 }}",
        "{{ 'a'|center(999999999) }}",
        '{{ "{0:>999999999}".format(1) }}',
        "{{ 'a' * 100000000 }}",
        "{{ '%999999999d' % 1 }}",
        "{% set ns = namespace(s='ab') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
        "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}",
        "{% for i in range(99999) %}{{ 'a' * 99999 }}{% endfor %}",
        "{{ (['x' * 99999] * 99999) | join }}",
        "{{ 'a'.ljust(999999999) }}",
    ],
)
def test_the_sandbox_stops_a_render_past_its_limits(template):
    env = MessageSandbox()
    with pytest.raises(Exception) as stopped:
        env.render_template(env.compile_template(template), {"x": "abc"})
    assert not isinstance(stopped.value, MemoryError | RecursionError)


def test_the_sandbox_renders_what_messages_usually_do():
    env = MessageSandbox(autoescape=True)
    template = (
        "{% for item in trigger.products %}{{ loop.index }}. {{ item.name | title }}"
        "{% if item.variant %} ({{ item.variant }}){% endif %} {{ '%.2f' | format(item.price) }}\n{% endfor %}"
        "{{ '{:>6}'.format(trigger.total) }} {{ ['a', 'b'] | join(', ') }} {{ profile.first_name | default('you') }}"
    )
    values = {
        "profile": {"first_name": None},
        "trigger": {"products": [{"name": "linen <shirt>", "variant": None, "price": 3}], "total": 3},
    }
    rendered = env.render_template(env.compile_template(template), values)
    assert rendered == "1. Linen &lt;Shirt&gt; 3.00\n     3 a, b you"


def test_a_macro_may_write_a_block_larger_than_one_value():
    # A product grid from a macro: 150,000 characters is over the limit of one value, not of a block.
    env = MessageSandbox()
    template = "{% macro grid(n) %}{% for i in range(n) %}{{ 'x' * 1500 }}{% endfor %}{% endmacro %}{{ grid(100) }}"
    assert len(env.render_template(env.compile_template(template), {})) == 150_000


NAMES = st.one_of(st.text(max_size=8), st.sampled_from(sorted(dir(dict))), st.sampled_from(["name", "items", "_x"]))


def jinja_getattr(env: MessageSandbox, obj, attribute):
    """The sandbox's getattr as it was: Jinja2's own, then None read as missing."""
    value = ImmutableSandboxedEnvironment.getattr(env, obj, attribute)
    return env.undefined(obj=obj, name=attribute) if value is None else value


def seen(value):
    """A value as a test compares it: a missing value by its class, name, object and hint."""
    if isinstance(value, Undefined):
        return (type(value), value._undefined_name, id(value._undefined_obj), value._undefined_hint)
    return value


@settings(max_examples=examples(500))
@given(st.dictionaries(NAMES, st.one_of(st.none(), st.integers(), st.text(max_size=3)), max_size=4), NAMES)
def test_reading_a_dicts_attribute_at_once_is_what_jinja2_reads(values, attribute):
    env = MessageSandbox()
    for obj in (values, {attribute: "kept", **values}, {attribute: None}):
        assert seen(env.getattr(obj, attribute)) == seen(jinja_getattr(env, obj, attribute))


# --- whether a message renders, found without writing its plain templates (`MessageRenderer.renders`) ----------

SHORTCUT_MESSAGES = (
    WEBHOOK
    + """
message cart on email {
  subject "{{ profile.first_name | default('Hi') }}, order {{ trigger.order_id }}"
  html "<p>{% for item in trigger.products %}{{ item.name | default('An item') }} {{ item.sku }}{% endfor %}</p>"
  text "{% if trigger.coupon == 'SPRING' %}{{ trigger.coupon }}{% else %}{{ profile.first_name }}{% endif %}"
}
message quick on email {
  subject "{{ profile.first_name | default('Hi') }}, {% if trigger.coupon %}{{ trigger.coupon }}{% endif %}"
  text "{{ trigger.order_id | default('-') }} {% if trigger.revenue == 'a' %}{{ profile.first_name }}{% endif %}"
}
message big on email {
  subject "Your order"
  text "{{ trigger.coupon * trigger.revenue | int }}"
}
journey to_cart { owner growth category transactional trigger "Order Completed" entry at most 10 times
  send email cart
  send email quick
  send email big }
"""
)


@pytest.fixture(scope="module")
def shortcut(tmp_path_factory) -> MessageRenderer:
    root = tmp_path_factory.mktemp("shortcut") / "project"
    shutil.copytree(BASE, root)
    (root / "messages.journey").write_text('import "company.journey"\n' + SHORTCUT_MESSAGES, encoding="utf-8")
    result = check(root)
    assert result.errors == 0, [d.message for d in result.diagnostics if d.severity == "error"]
    build = build_outputs(result)
    data = {
        p.removeprefix("data/").removesuffix(".json"): json.loads(b) for p, b in build.items() if p.startswith("data/")
    }
    templates = {p: b.decode("utf-8") for p, b in build.items() if p.startswith("templates/")}
    return MessageRenderer(data, templates)


shown = st.one_of(st.none(), st.integers(-3, 10**9), st.floats(allow_nan=False), st.booleans(),
                  st.text(alphabet="ab<&\"'/\n\u2028é", max_size=6), st.sampled_from(["SPRING", "ab", HOSTILE]),
                  st.lists(st.integers(), max_size=2))  # fmt: skip
products = st.lists(st.one_of(st.fixed_dictionaries({}, optional={"name": shown, "sku": shown}), shown), max_size=3)
holders = st.dictionaries(st.sampled_from(["first_name", "order_id", "coupon", "revenue", "products"]),
                          st.one_of(shown, products), max_size=5)  # fmt: skip


@settings(max_examples=examples(1500), deadline=None)
@given(st.sampled_from(["cart", "quick", "big", "order_to_crm", "missing"]), holders, st.one_of(st.none(), holders))
def test_whether_a_message_renders_is_what_its_render_gives(shortcut, message, profile, trigger):
    assert shortcut.renders(message, profile, trigger, None) == (
        shortcut.render(message, profile, trigger, None) is not None
    )


@settings(max_examples=examples(300), deadline=None)
@given(st.sampled_from(["cart_reminder", "cart_discount", "cart_nudge", "otp", "shipped", "welcome_offer"]),
       holders, st.one_of(st.none(), holders), st.sampled_from([None, "CART10", "WELCOME10", "NONE"]))  # fmt: skip
def test_whether_a_demo_message_renders_is_what_its_render_gives(demo, message, profile, trigger, offer):
    assert demo.renders(message, profile, trigger, offer) == (demo.render(message, profile, trigger, offer) is not None)


def test_a_value_a_render_cannot_write_is_written_to_find_out(shortcut):
    # str() fails on an int of more than 4,300 digits (a log's JSON may hold one): `renders` writes what is not a
    # str, whatever a default would have shown instead of a missing one.
    trigger = {"order_id": "o1", "coupon": "C"}
    for profile in ({"first_name": 10**5000}, {"first_name": 3}):
        expected = shortcut.render("quick", profile, trigger, None) is not None
        assert shortcut.renders("quick", profile, trigger, None) == expected == (profile["first_name"] == 3)
