"""Anonymous visitors count toward the customer once identified: the merge decision (identity.py) and what a merge
carries over in the simulator (history, traits, segments, entries, runs, the contact policy's counts)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner
from test_simulate import BASE, HEATHER, MESSAGES, identify, outbox, run, track

from journeyc.cli import main
from journeyc.runtime.identity import Identities, anonymous_key
from journeyc.simulate import timeline


def anonymous(call: dict, anonymous_id: str = "a-1") -> dict:
    """The call as analytics.js sends it before the visitor signs in: an anonymousId and a null userId."""
    return {**call, "userId": None, "anonymousId": anonymous_id}


def both(call: dict, anonymous_id: str = "a-1") -> dict:
    return {**call, "anonymousId": anonymous_id}


def alias(previous: str, user: str, time: str) -> dict:
    return {"type": "alias", "previousId": previous, "userId": user, "timestamp": time}


# ---------------------------------------------------------------- the decision


def test_a_call_with_both_ids_ties_the_anonymous_id_to_the_first_user_only():
    ids = Identities()
    assert ids.resolve(None, "a-1") == (anonymous_key("a-1"), ())
    assert ids.resolve("heather", "a-1") == ("heather", (anonymous_key("a-1"),))
    assert ids.resolve(None, "a-1") == ("heather", ())  # later anonymous calls are Heather's
    assert ids.resolve("heather", "a-1") == ("heather", ())  # merged once
    assert ids.resolve("bob", "a-1") == ("bob", ())  # a shared device: Bob's call, no merge of Heather into Bob
    assert ids.resolve(None, "a-1") == ("heather", ())


def test_an_alias_merges_the_previous_id_whichever_kind_it_is():
    ids = Identities()
    ids.resolve("h@example.com", None)
    ids.resolve(None, "a-2")
    assert set(ids.resolve("heather", None, "h@example.com").merged) == {
        "h@example.com",
        anonymous_key("h@example.com"),
    }
    assert ids.resolve("h@example.com", None) == ("heather", ())  # the old userId is Heather now
    assert ids.resolve("heather", None, "a-2").merged == (anonymous_key("a-2"), "a-2")  # as either kind of id
    assert ids.find(anonymous_key("a-2")) == "heather"


def test_an_anonymous_key_never_equals_a_user_id():
    assert anonymous_key("heather") != "heather"


# ---------------------------------------------------------------- the simulator


CART = """
journey cart {
  owner growth category promotional
  trigger "Checkout Started" keyed by order_id
  goal "Order Completed" where order_id == trigger.order_id within 7 days
  wait 1 hour
  send email promo_email
}
"""


def test_an_anonymous_cart_is_recovered_once_the_visitor_signs_in(tmp_path):
    """The checkout came before the sign-in: the run started for the anonymous visitor sends to Heather's
    address an hour later, and her order counts as its conversion. Anonymous calls used to be rejected."""
    sim = run(tmp_path, CART,
              [anonymous(track("ignored", "2026-03-02T15:00:00Z", "Checkout Started", order_id="o1")),
               both(identify("heather", "2026-03-02T15:20:00Z", **HEATHER)),
               track("heather", "2026-03-02T18:00:00Z", "Order Completed", order_id="o1")],
              "2026-03-03T00:00:00Z")  # fmt: skip
    assert sim.log.rejected == []
    assert outbox(sim, "time", "user_id", "anonymous_id", "status") == [
        ("2026-03-02T16:00:00Z", "heather", None, "sent")
    ]
    assert (sim.simulator.stats["cart"].entered, sim.simulator.stats["cart"].converted) == (1, 1)
    assert sim.simulator.merges == 1
    assert list(sim.simulator.customers) == ["heather"]


SEGMENT = """
segment browsers { at least 2 "Product Viewed" in last 7 days }
journey welcome_browser { owner growth category promotional trigger entering segment browsers send email promo_email }
journey once { owner growth category lifecycle trigger "Signed Up" entry once send sms life_sms }
"""


def before_and_after_signing_in(tmp_path: Path, event: str):
    """The event once as an anonymous visitor, then the sign-in (both ids), then the event as Heather."""
    calls = [anonymous(track("x", "2026-03-02T15:00:00Z", event)),
             both(identify("heather", "2026-03-02T15:10:00Z", **HEATHER)),
             track("heather", "2026-03-02T16:00:00Z", event)]  # fmt: skip
    return run(tmp_path, SEGMENT, calls, "2026-03-03T00:00:00Z")


def test_anonymous_browsing_counts_toward_the_identified_customers_segments(tmp_path):
    """One view before signing in and one after: together they make the segment."""
    sim = before_and_after_signing_in(tmp_path, "Product Viewed")
    assert outbox(sim, "journey", "user_id", "status") == [("welcome_browser", "heather", "sent")]
    names = [event.name for event in sim.simulator.customers["heather"].history.events]
    assert names == ["Product Viewed", "Product Viewed"]


def test_entries_merge_so_entry_once_holds_across_the_sign_in(tmp_path):
    sim = before_and_after_signing_in(tmp_path, "Signed Up")
    assert outbox(sim, "journey", "user_id", "anonymous_id", "reason") == [("once", None, "a-1", "consent")]
    assert sim.simulator.stats["once"].entered == 1


def test_the_identified_customers_own_traits_win_and_the_anonymous_ones_fill_the_gaps(tmp_path):
    sim = run(tmp_path, CART,
              [anonymous(identify("x", "2026-03-02T15:00:00Z", first_name="Anon", tier="gold")),
               identify("heather", "2026-03-02T15:05:00Z", first_name="Heather"),
               {"type": "alias", "previousId": "a-1", "userId": "heather", "timestamp": "2026-03-02T15:10:00Z"}],
              "2026-03-03T00:00:00Z")  # fmt: skip
    profile = sim.simulator.customers["heather"].profile
    assert (profile["first_name"], profile["tier"]) == ("Heather", "gold")
    assert sim.simulator.calls == {"alias": 1}


def test_caps_count_the_anonymous_visitors_sends_too(tmp_path):
    """Three promotional sends allowed per 7 days: two before the sign-in and two after make four attempts."""
    journeys = 'journey p { owner growth category promotional trigger "Product Viewed" send push nudge }'
    device = {"context": {"device": {"token": "tok"}}}
    sim = run(tmp_path, journeys,
              [anonymous({**track("x", f"2026-03-02T1{n}:00:00Z", "Product Viewed"), **device}) for n in (3, 4)]
              + [both(identify("heather", "2026-03-02T15:00:00Z", **HEATHER))]
              + [track("heather", f"2026-03-02T1{n}:00:00Z", "Product Viewed") for n in (6, 7)],
              "2026-03-03T00:00:00Z")  # fmt: skip
    assert outbox(sim, "user_id", "anonymous_id", "status", "reason") == [
        (None, "a-1", "dropped", "consent"),  # an anonymous visitor has a token, not push consent
        (None, "a-1", "dropped", "consent"),
        ("heather", None, "sent", None),
        ("heather", None, "sent", None),
    ]


def test_a_customer_timeline_shows_what_the_visitor_did_before_signing_in(tmp_path):
    root = tmp_path / "project"
    shutil.copytree(BASE, root)
    (root / "journeys.journey").write_text(MESSAGES + CART, encoding="utf-8")
    events = tmp_path / "events.jsonl"
    calls = [anonymous(track("x", "2026-03-02T15:00:00Z", "Checkout Started", order_id="o1")),
             anonymous(track("x", "2026-03-02T15:01:00Z", "Checkout Started", order_id="o2"), "a-other"),
             both(identify("heather", "2026-03-02T15:20:00Z", **HEATHER))]  # fmt: skip
    events.write_text("".join(json.dumps(call) + "\n" for call in calls), encoding="utf-8")
    args = ["simulate", str(root), "--events", str(events), "--until", "2026-03-03T00:00:00Z", "--customer"]
    result = CliRunner().invoke(main, [*args, "heather"])
    assert result.exit_code == 0, result.output
    lines = [line.split("  ", 2)[2].strip() for line in result.output.splitlines()]
    assert lines[:4] == [
        '(anonymous "a-1") event "Checkout Started"',
        '(anonymous "a-1") entered journey "cart"',
        '(anonymous "a-1") "cart" waits 1 hour (until 2026-03-02T16:00:00Z)',
        'merged anonymous "a-1" into this customer: 1 event, traits none',
    ]
    assert 'sent email "promo_email": "We miss you"' in lines
    assert not any("o2" in line or "a-other" in line for line in lines)
    by_anonymous_id = CliRunner().invoke(main, [*args, "a-1"])
    assert by_anonymous_id.output == result.output
    assert Path(events).read_text(encoding="utf-8").count("\n") == 3


def test_a_timeline_of_everyones_run_marks_the_lines_of_the_merged_visitor(tmp_path):
    """Kept for every customer (no --customer), the timeline is the same: lines are marked when read, not moved."""
    sim = run(tmp_path, CART,
              [anonymous(track("x", "2026-03-02T15:00:00Z", "Checkout Started", order_id="o1")),
               both(identify("heather", "2026-03-02T15:20:00Z", **HEATHER))],
              "2026-03-03T00:00:00Z")  # fmt: skip
    lines = [line.split("  ", 2)[2].strip() for line in timeline(sim, "heather")]
    assert lines[0] == '(anonymous "a-1") event "Checkout Started"'
    assert lines[3] == 'merged anonymous "a-1" into this customer: 1 event, traits none'
    assert lines == [line.split("  ", 2)[2].strip() for line in timeline(sim, "a-1")]
