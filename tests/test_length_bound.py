"""The cheap bound that spares most messages a render: it may say "fits" only when rendering could not say otherwise."""

from __future__ import annotations

from journeyc.checks.length_bound import surely_fits

LONGEST = 60  # the project's longest stand-in value


def shown(attr: str) -> str | None:
    """Stand-ins as messages.py measures them: first_name 12 characters, a choice with a non-GSM value, a list."""
    return {"first_name": "x" * 12, "tier": "café lounge", "tags": None}.get(attr, "x" * 20)


def fits(template: str, limit: int, kind: str = "email") -> bool:
    return surely_fits(template, kind, limit, LONGEST, shown)


def test_a_plain_trait_read_counts_its_stand_in_exactly():
    assert fits("s" * 48 + "{{ profile.first_name }}", 60)
    assert not fits("s" * 49 + "{{ profile.first_name }}", 60)  # 61: left to the render, which reports it
    assert fits("s" * 40 + "{{ profile.city }}", 60)  # an unknown or text trait: 20


def test_a_default_counts_its_text_on_top():
    assert fits("s" * 43 + "{{- profile.first_name | default('there') -}}", 60)
    assert not fits("s" * 44 + "{{ profile.first_name | default('there') }}", 60)


def test_other_reads_count_the_longest_value():
    assert not fits("{{ profile.first_name | upper }}", 59)  # not a plain read: the longest value, 60
    assert not fits("{{ profile.tags }}", 59)  # no plain value (a list is shown as one)
    assert not fits("{{ trigger.first_name }}", 59)
    assert not fits("{{ profile.first_name.x }}", 59)


def test_an_sms_value_outside_gsm_is_not_counted_exactly():
    assert fits("{{ profile.tier }}", 160, kind="email")
    assert not fits("a" * 70 + "{{ profile.tier }}", 1, kind="sms")  # may switch the SMS to UCS-2: render it
    assert fits("a" * 68 + "{{ profile.first_name }}", 1, kind="sms")  # 2 x 80 units
    assert not fits("a" * 69 + "{{ profile.first_name }}", 1, kind="sms")
