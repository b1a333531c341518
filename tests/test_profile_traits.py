"""Profile traits are checked like track properties: a bad trait is left out with its line and reason, the rest
of the identify is kept; time zones fall back to the declared default; Segment's reserved traits map in either
spelling; a call's context gives the time zone and the push token."""

from __future__ import annotations

import pytest
from conftest import check
from test_simulate import HEATHER, identify, outbox, run, track

PROMO = 'journey p { owner growth category promotional trigger "Signed Up" send email promo_email }'
NUDGE = 'journey n { owner growth category promotional trigger "Signed Up" send push nudge }'
TEXT = 'journey t { owner growth category lifecycle trigger "Signed Up" send sms life_sms }'
GREETING = 'journey g { owner growth category promotional trigger "Signed Up" send sms promo_sms with offer SAVE }'


def test_consent_sent_as_the_text_false_is_no_consent(tmp_path):
    """ "false" is a non-empty string: read as it was sent, it counted as consent and the email went out."""
    sim = run(tmp_path, PROMO,
              [identify("h", "2026-03-02T10:00:00Z", **{**HEATHER, "email_opt_in": "false"}),
               track("h", "2026-03-02T12:00:00Z", "Signed Up")], "2026-03-03T00:00:00Z")  # fmt: skip
    assert outbox(sim, "status", "reason") == [("dropped", "consent")]
    assert [(w.line, w.reason) for w in sim.log.warnings] == [
        (1, 'traits.email_opt_in: "false" is not true or false (left out)')
    ]
    assert sim.simulator.customers["h"].profile["email_opt_in"] is False  # the default, not "false"


def test_a_bad_trait_is_left_out_and_the_rest_of_the_identify_is_kept(tmp_path):
    sim = run(tmp_path, PROMO,
              [identify("h", "2026-03-02T10:00:00Z", **HEATHER, tier="platinum", favourite_colour="teal")],
              "2026-03-03T00:00:00Z")  # fmt: skip
    profile = sim.simulator.customers["h"].profile
    assert profile["tier"] == "bronze" and "favourite_colour" not in profile
    assert (profile["first_name"], profile["email_opt_in"]) == ("Heather", True)
    assert sim.log.rejected == []
    assert sim.log.warnings[0].reason == (
        'traits.tier: "platinum" is not one of "bronze", "silver", "gold" (left out); '
        "traits.favourite_colour: not a trait of the profile (left out)"
    )


def test_a_number_is_no_consent_either(tmp_path):
    sim = run(tmp_path, PROMO, [identify("h", "2026-03-02T10:00:00Z", email_opt_in=1)], "2026-03-03T00:00:00Z")
    assert sim.log.warnings[0].reason == "traits.email_opt_in: 1 is not true or false (left out)"


@pytest.mark.parametrize("zone", ["Mars/Olympus", "America", "x" * 5000, "../../etc/passwd", 42])
def test_a_time_zone_that_is_none_falls_back_to_the_declared_default_with_a_warning(tmp_path, zone):
    """It became UTC without a word ("Mars/Olympus"), or an internal error ("America" names a folder of the time
    zone database, a 5,000-character name is too long for a file name). 12:00 UTC is 07:00 in New York, the
    declared default: inside quiet hours (21:00 to 08:00), so the text waits for 08:00 there."""
    sim = run(tmp_path, TEXT,
              [identify("h", "2026-03-02T10:00:00Z", **HEATHER, timezone=zone),
               track("h", "2026-03-02T12:00:00Z", "Signed Up")], "2026-03-03T00:00:00Z")  # fmt: skip
    assert outbox(sim, "time", "status", "deferred_from") == [
        ("2026-03-02T12:00:00Z", "deferred", None),  # held for quiet hours...
        ("2026-03-02T13:00:00Z", "sent", "2026-03-02T12:00:00Z"),  # ... and sent at 08:00 in New York
    ]
    [warning] = sim.log.warnings
    assert warning.reason.startswith("traits.timezone: ")
    assert warning.reason.endswith('is not a time zone: the default "America/New_York" is used')
    assert sim.simulator.customers["h"].profile["timezone"] == "America/New_York"


def test_reserved_traits_fill_the_declared_trait_in_either_spelling(tmp_path):
    """analytics.js sends firstName; the profile declares first_name: customers got "Hi there" instead of their name."""
    sim = run(tmp_path, GREETING,
              [identify("h", "2026-03-02T10:00:00Z", **{k: v for k, v in HEATHER.items() if k != "first_name"},
                        firstName="Heather"),
               track("h", "2026-03-02T12:00:00Z", "Signed Up")], "2026-03-03T00:00:00Z")  # fmt: skip
    [held, record] = sim.simulator.outbox  # (07:00 in New York: held for quiet hours, then sent)
    assert (held["status"], record["status"]) == ("deferred", "sent")
    assert record["content"]["text"].startswith("Hi Heather: SAVE10")
    assert sim.log.warnings == []


def test_both_spellings_in_one_call_the_declared_one_wins(tmp_path):
    sim = run(tmp_path, PROMO, [identify("h", "2026-03-02T10:00:00Z", firstName="Ann", first_name="Heather")],
              "2026-03-03T00:00:00Z")  # fmt: skip
    assert sim.simulator.customers["h"].profile["first_name"] == "Heather"


def with_context(call: dict, **context) -> dict:
    return {**call, "context": context}


def test_the_context_time_zone_is_the_customers_until_an_identify_gives_one(tmp_path):
    """14:00 UTC is 15:00 in Paris (no quiet hours) but 09:00 in New York... and 22:00 UTC is 23:00 in Paris."""
    sim = run(tmp_path, TEXT,
              [identify("h", "2026-03-02T10:00:00Z", **HEATHER),
               with_context(track("h", "2026-03-02T22:00:00Z", "Signed Up"), timezone="Europe/Paris")],
              "2026-03-04T00:00:00Z")  # fmt: skip
    assert outbox(sim, "time", "status", "deferred_from") == [
        ("2026-03-02T22:00:00Z", "deferred", None),
        ("2026-03-03T07:00:00Z", "sent", "2026-03-02T22:00:00Z"),  # 08:00 in Paris
    ]
    own = run(tmp_path / "own", TEXT,
              [identify("h", "2026-03-02T10:00:00Z", **HEATHER, timezone="America/New_York"),
               with_context(track("h", "2026-03-02T22:00:00Z", "Signed Up"), timezone="Europe/Paris")],
              "2026-03-04T00:00:00Z")  # fmt: skip
    assert outbox(own, "time", "deferred_from") == [("2026-03-02T22:00:00Z", None)]  # 17:00 in New York


def test_the_device_token_of_the_context_is_the_push_address(tmp_path):
    traits = {k: v for k, v in HEATHER.items() if k != "push_token"}
    sim = run(tmp_path, NUDGE,
              [identify("h", "2026-03-02T10:00:00Z", **traits),
               with_context(track("h", "2026-03-02T15:00:00Z", "Signed Up"), device={"token": "ff15bc0c"})],
              "2026-03-03T00:00:00Z")  # fmt: skip
    assert outbox(sim, "status", "reason") == [("sent", None)]
    assert sim.simulator.customers["h"].profile["push_token"] == "ff15bc0c"


PROFILE = """
import ecommerce
import lifecycle
import categories

team growth "Growth marketing"

profile {
  phone      string optional
  %s
}
"""


@pytest.mark.parametrize(
    ("trait", "message"),
    [
        ('timezone timezone default "America"', '"America" is not a time zone'),
        (f'timezone timezone default "{"x" * 5000}"', f'"{"x" * 60}..." is not a time zone'),
        ('timezone timezone default "Mars/Olympus"', '"Mars/Olympus" is not a time zone'),
    ],
)
def test_a_default_time_zone_that_is_none_is_a_diagnostic_not_an_internal_error(make_project, trait, message):
    result = check(make_project({"company.journey": PROFILE % trait}, base=False))
    assert [(d.code, d.message) for d in result.diagnostics] == [("J303", message)]


@pytest.mark.parametrize(
    ("trait", "message"),
    [
        ('tz timezone default "Europe/Paris"', 'the time zone trait "tz" is not the one local times read'),
        ("timezone string optional", 'the trait "timezone" is text, not a time zone'),
    ],
)
def test_local_times_read_the_trait_named_timezone(make_project, trait, message):
    result = check(make_project({"company.journey": PROFILE % trait}, base=False))
    assert [(d.code, d.severity, d.message) for d in result.diagnostics] == [("J313", "warning", message)]
