"""The cheap bound that spares most messages a render: it may say "fits" only when rendering could not say otherwise."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import check, examples
from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2 import TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment

from journeyc.checks.analysis.length_bound import surely_fits
from journeyc.runtime.plain_templates import PlainTemplate
from journeyc.runtime.sandbox import MessageSandbox

LONGEST = 60  # the project's longest plain stand-in value


def width(root: str, attr: str) -> int | None:
    """Stand-ins as messages.py measures them: first_name 12 characters, other traits 20, lists unknown."""
    if root == "profile":
        return {"first_name": 12, "tags": None}.get(attr, 20)
    return None if attr == "products" else LONGEST


def fits(template: str, limit: int, kind: str = "email", gsm_values: bool = True) -> bool:
    """What messages.py asks: only plain templates are bounded, the others are rendered."""
    try:
        plain = PlainTemplate.from_tree(SandboxedEnvironment().parse(template))
    except TemplateSyntaxError:
        return False
    return plain is not None and surely_fits(plain, kind, limit, width, gsm_values)


def test_a_plain_trait_read_counts_its_stand_in_exactly():
    assert fits("s" * 48 + "{{ profile.first_name }}", 60)
    assert not fits("s" * 49 + "{{ profile.first_name }}", 60)  # 61: left to the render, which reports it
    assert fits("s" * 40 + "{{ profile.city }}", 60)  # an unknown or text trait: 20


def test_a_default_counts_its_text_on_top():
    assert fits("s" * 43 + "{{- profile.first_name | default('there') -}}", 60)
    assert not fits("s" * 44 + "{{ profile.first_name | default('there') }}", 60)


def test_what_jinja_leaves_out_counts_nothing():
    # Jinja2 reads the syntax: comments and the whitespace a `-` strips are not in its tree, so not counted.
    assert fits("{# a comment that is long #}" + "s" * 60, 60)
    assert fits("s" * 30 + "   {{- profile.city -}}   " + "s" * 10, 60)
    assert not fits("s" * 30 + "   {{ profile.city }}   " + "s" * 10, 60)


def test_other_reads_count_the_longest_value():
    assert fits("{{ trigger.order_id }}", 60)
    assert not fits("{{ trigger.order_id }}", 59)
    assert not fits("{{ offer.code }}", 59)


@pytest.mark.parametrize(
    "template",
    [
        "{{ profile.first_name | upper }}",  # a filter may lengthen a value (`escape`: & -> &amp;)
        "{{ profile.first_name | escape }}",
        "{{ profile.tags }}",  # a list is shown as Python writes it
        "{{ trigger.products }}",
        "{{ profile.first_name.x }}",
        "{{ 'hello' }}",
        "{% if trigger.value > 100 %}big{% endif %}",  # a test that is not plain
        "{% for x in trigger.products %}{{ x }}{% endfor %}",
    ],
)
def test_anything_but_plain_reads_is_left_to_the_render(template):
    assert not fits(template, 10_000)


def test_an_sms_is_bounded_only_when_every_value_is_gsm():
    assert fits("a" * 68 + "{{ profile.first_name }}", 1, kind="sms")  # 2 x 80 units
    assert not fits("a" * 69 + "{{ profile.first_name }}", 1, kind="sms")
    assert not fits("a" * 10 + "{{ offer.code }}", 1, kind="sms", gsm_values=False)  # may switch it to UCS-2
    assert not fits("crêpe {{ profile.first_name }}", 1, kind="sms")  # UCS-2 already (ê is not GSM-7; é is)
    assert fits("crêpe {{ profile.first_name }}", 60, gsm_values=False)  # emails count characters only


def test_long_sms_leave_room_for_the_greedy_split():
    # 2 segments of 153 units, but a two-unit character may not fit a segment's last unit: 152 a segment.
    assert fits("a" * 152, 2, kind="sms")
    assert not fits("a" * 153, 2, kind="sms")  # 306 units could need 3 segments if all were two-unit


def test_the_check_reports_an_sms_that_a_non_gsm_offer_pushes_past_one_segment(tmp_path):
    # An offer title outside GSM-7 (ê, a curly apostrophe) makes the SMS UCS-2: 72 characters need two segments
    # of UCS-2 (70 each), though 2 x 72 GSM-7 units would fit one.
    base = tmp_path / "project"
    shutil.copytree(Path(__file__).parent / "fixtures" / "rule_base", base)
    title = "Fête d’été: your welcome gift is waiting for you in the app today!!"
    assert len(title) == 67
    (base / "sms.journey").write_text(
        'import "company.journey"\n'
        f'offer WELCOME "{title}" {{ code "W" value 10% off valid for 7 days }}\n'
        'message hello on sms { text "{{ offer.title }} STOP" }\n'
        'journey welcome { owner growth category lifecycle trigger "Signed Up" entry once ever\n'
        "  send sms hello with offer WELCOME }\n",
        encoding="utf-8",
    )
    result = check(base)
    assert "J501" in [d.code for d in result.diagnostics], [d.message for d in result.diagnostics]


pieces = st.sampled_from(["Hi ", "é", "{", "\n", "{{ profile.first_name }}", "{{ profile.city | d('somewhere') }}",
                          "{{- trigger.order_id -}}", "{{ offer.code }}", "  ", "{# note #}"])  # fmt: skip


@st.composite
def bounded_templates(draw) -> str:
    text = "".join(draw(st.lists(pieces, max_size=6)))
    if draw(st.booleans()):
        inner = "".join(draw(st.lists(pieces, max_size=3)))
        other = "".join(draw(st.lists(pieces, max_size=3)))
        text += f"{{% if offer %}}{inner}{{% elif profile.vip %}}{other}{{% else %}}x{{% endif %}}"
    return text


@settings(max_examples=examples(500), deadline=None)
@given(bounded_templates(), st.integers(0, 120), st.booleans(), st.booleans(), st.booleans())
def test_the_bound_is_never_below_a_render(template, limit, offer, vip, first_name):
    """Whatever branch is taken and whatever values of the stand-ins' widths are shown, a template the bound says
    fits renders within the limit."""
    if not fits(template, limit):
        return
    values = {
        "profile": {"first_name": "F" * 12 if first_name else None, "city": "C" * 20, "vip": vip},
        "trigger": {"order_id": "O" * LONGEST},
        "offer": {"code": "K" * LONGEST} if offer else None,
    }
    try:
        rendered = MessageSandbox().from_string(template).render(values)
    except Exception:
        return  # (a missing value shown: no text to measure)
    assert len(rendered) <= limit
