"""The cheap bound that spares most messages a render: it may say "fits" only when rendering could not say otherwise."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import check

from journeyc.checks.length_bound import surely_fits

LONGEST = 60  # the project's longest plain stand-in value


def width(root: str, attr: str) -> int | None:
    """Stand-ins as messages.py measures them: first_name 12 characters, other traits 20, lists unknown."""
    if root == "profile":
        return {"first_name": 12, "tags": None}.get(attr, 20)
    return None if attr == "products" else LONGEST


def fits(template: str, limit: int, kind: str = "email", gsm_values: bool = True) -> bool:
    return surely_fits(template, kind, limit, width, gsm_values)


def test_a_plain_trait_read_counts_its_stand_in_exactly():
    assert fits("s" * 48 + "{{ profile.first_name }}", 60)
    assert not fits("s" * 49 + "{{ profile.first_name }}", 60)  # 61: left to the render, which reports it
    assert fits("s" * 40 + "{{ profile.city }}", 60)  # an unknown or text trait: 20


def test_a_default_counts_its_text_on_top():
    assert fits("s" * 43 + "{{- profile.first_name | default('there') -}}", 60)
    assert not fits("s" * 44 + "{{ profile.first_name | default('there') }}", 60)


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
        "{% for x in trigger.products %}{{ x }}{% endfor %}",
        "{# a comment #}",
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
