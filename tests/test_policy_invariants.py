"""Contact-policy invariants of `journeyc simulate` on the demo company (journeys/), with hypothesis.

Random event logs (a few customers with random traits, ~30 days of identify and track events drawn from the
events the demo journeys use) run through the simulator; the outbox must then respect the contact policy of
journeys/policy.journey. Every expectation is computed here from the generated log and the policy as written
in the DSL, never from the simulator's internals:

(a) caps: in any half-open window [s, s + W) a customer has at most `limit` *sent* messages in the cap's scope
    (its categories and channels; transactional is exempt). This is the same as: when a message is sent at t,
    fewer than `limit` in-scope messages were sent in (t - W, t] before it. A send exactly W earlier is outside,
    as in the language's `in last W` (runtime/conditions/data.py: "an event exactly S seconds old is outside").
(b) quiet hours: no non-transactional sms or push is sent between 21:00 and 08:00 in the customer's local time
    (the profile's timezone at that moment, default America/New_York).
(c) suppression: no promotional message is sent while a suppression window is open: a "Product Reviewed" with
    rating <= 2 in the previous 14 days, or a "Ticket Opened" in the previous 7 days, by that customer, counting
    events at times <= the send (an event exactly 14/7 days old is outside).
(d) consent: nothing non-transactional is sent unless the channel's consent trait is true in the customer's
    profile at that moment (identify events at times <= the send); nothing at all without the channel's
    address trait.
(e) the outbox is in time order, every record has exactly the documented fields, each message goes out on its
    declared channel with its declared category, and the generated log is accepted in full.
"""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from conftest import REPO, check, examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journeyc.runtime.eventlog import parse_time
from journeyc.simulate import Simulation, simulate

pytestmark = pytest.mark.slow  # hypothesis drives the simulator over generated logs

DAY = 86400
FIELDS = ["time", "user_id", "anonymous_id", "journey", "run", "step", "channel", "message", "category", "status", "reason",
          "offer", "arm", "deferred_from", "content"]  # fmt: skip

# ---------------------------------------------------------------- the demo company, as its DSL files say

# journeys/company/profile.journey and channels.journey
DEFAULT_PROFILE = {"timezone": "America/New_York", "tier": "bronze", "email_opt_in": False, "sms_opt_in": False,
                   "push_enabled": False}  # fmt: skip
CONSENT = {"email": "email_opt_in", "sms": "sms_opt_in", "push": "push_enabled"}
ADDRESS = {"email": "email", "sms": "phone", "push": "push_token"}

# journeys/policy.journey
CAPS = [  # (limit, window seconds, categories, channels or None for all)
    (3, 7 * DAY, {"promotional"}, None),
    (1, DAY, {"lifecycle", "promotional"}, {"sms"}),
]
QUIET = (21 * 60, 8 * 60, {"sms", "push"})  # start and end in minutes of the local day; channels
SUPPRESSIONS = [  # (event, condition on its properties, seconds, categories)
    ("Product Reviewed", lambda p: isinstance(p.get("rating"), int | float) and p["rating"] <= 2, 14 * DAY,
     {"promotional"}),
    ("Ticket Opened", lambda p: True, 7 * DAY, {"promotional"}),
]  # fmt: skip
POLICY_LINES = [
    "limit 3 messages per 7 days for promotional",
    "limit 1 message per day for lifecycle, promotional on sms",
    "quiet hours 21:00 to 08:00 on sms, push then defer",
    'suppress promotional for 14 days after "Product Reviewed" where rating <= 2',
    'suppress promotional for 7 days after "Ticket Opened"',
    "exempt transactional from caps, quiet hours, suppression, consent",
]

# Every message of the demo journeys: (channel, category), the message's own category or its journey's.
MESSAGES = {
    "welcome": ("email", "lifecycle"),
    "welcome_offer": ("email", "promotional"),
    "cart_reminder": ("email", "promotional"),
    "cart_discount": ("sms", "promotional"),
    "cart_nudge": ("push", "promotional"),
    "new_dresses_a": ("email", "promotional"),
    "new_dresses_b": ("email", "promotional"),
    "review_request": ("email", "lifecycle"),
    "we_miss_you": ("email", "promotional"),
    "come_back": ("push", "promotional"),
    "otp": ("sms", "transactional"),
    "shipped": ("sms", "transactional"),
    "delivered": ("push", "transactional"),
    "sorry": ("email", "lifecycle"),
}


@pytest.fixture(scope="module")
def demo():
    result = check(REPO / "journeys")
    assert result.errors == 0
    return result


def test_the_policy_is_the_one_these_invariants_encode():
    """The constants above restate journeys/policy.journey: if the policy changes, update them too."""
    text = (REPO / "journeys" / "policy.journey").read_text(encoding="utf-8")
    rules = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    for line in POLICY_LINES:
        assert line in rules
    assert sum(line.startswith(("limit ", "quiet hours ", "suppress ", "exempt ")) for line in rules) == len(
        POLICY_LINES
    )


# ---------------------------------------------------------------- random event logs

ZONES = ["America/New_York", "America/Los_Angeles", "Europe/London", "Europe/Paris", "Asia/Tokyo", "Asia/Kolkata",
         "Australia/Sydney", "UTC"]  # fmt: skip
STARTS = ["2026-03-01T00:00:00Z", "2026-10-20T13:00:00Z", "2026-06-10T05:30:00Z"]  # the first two cross DST changes
SPAN_MINUTES = 30 * 24 * 60
SPANS = [30, 30, 10, 3]
UNTIL_DAYS = 120  # well past the last event, so win-back (90 days without an order) and every wait can fire
ORDERS = [f"o-{n}" for n in range(1, 7)]
CATEGORIES = ["dresses", "dresses", "tops", "shoes"]  # dresses often enough to reach the dress_enthusiasts segment
CARRIERS = ["UPS", "USPS"]

TRAITS = {
    "timezone": st.sampled_from(ZONES),
    "email_opt_in": st.booleans(),
    "sms_opt_in": st.booleans(),
    "push_enabled": st.booleans(),
    "email": st.sampled_from(["a@example.com", "b@example.com"]),
    "phone": st.sampled_from(["+15550001", "+447700900001"]),
    "push_token": st.sampled_from(["tok-1", "tok-2"]),
    "first_name": st.sampled_from(["Ada", "Bo"]),
}
# Mostly reachable customers (consent and addresses more often than not), so that the policy, not a missing
# address, is what stands between a journey and a send; later identify events change any trait at random.
likely = st.sampled_from([True, True, True, True, True, False])
first_traits = st.builds(
    lambda present, values: {k: v for k, v in values.items() if present[k]},
    st.fixed_dictionaries({k: likely for k in TRAITS}),
    st.fixed_dictionaries({**TRAITS, "email_opt_in": likely, "sms_opt_in": likely, "push_enabled": likely}),
)
traits = st.fixed_dictionaries(
    {}, optional={**TRAITS, "email_opt_in": likely, "sms_opt_in": likely, "push_enabled": likely}
)
order_id = st.sampled_from(ORDERS)
category = st.sampled_from(CATEGORIES)
parcel = st.fixed_dictionaries(
    {"order_id": order_id, "carrier": st.sampled_from(CARRIERS), "tracking_url": st.just("https://t.example/1")}
)
tracks = st.one_of(
    st.tuples(st.just("Signed Up"), st.fixed_dictionaries({}, optional={"method": st.just("email")})),
    st.tuples(st.just("Checkout Started"),
              st.fixed_dictionaries({"order_id": order_id, "value": st.sampled_from([20, 60, 99.5, 100, 140, 250])})),
    st.tuples(st.just("Order Completed"), st.fixed_dictionaries({
        "order_id": order_id,
        "products": st.lists(st.fixed_dictionaries({"product_id": st.just("p-1"), "category": category}),
                             min_size=1, max_size=2)})),
    st.tuples(st.just("Product Viewed"), st.fixed_dictionaries({"product_id": st.just("p-1"), "category": category})),
    st.tuples(st.just("Product Viewed"), st.fixed_dictionaries({"product_id": st.just("p-1"), "category": category})),
    st.tuples(st.just("Product Reviewed"),
              st.fixed_dictionaries({"product_id": st.just("p-1"), "rating": st.integers(1, 5)})),
    st.tuples(st.just("Ticket Opened"), st.fixed_dictionaries({"ticket_id": st.sampled_from(["t-1", "t-2"])})),
    st.tuples(st.just("Order Shipped"), parcel),
    st.tuples(st.just("Order Delivered"), parcel),
    st.tuples(st.just("OTP Requested"), st.fixed_dictionaries({"code": st.sampled_from(["123456", "654321"])})),
)  # fmt: skip


@st.composite
def session(draw) -> list[tuple[int, str, dict[str, Any]]]:
    """A shopping visit: a few product views, a checkout, and often the order, minutes apart."""
    kind, order, steps = draw(category), draw(order_id), []
    for _ in range(draw(st.integers(1, 4))):
        steps.append(("Product Viewed", {"product_id": "p-1", "category": kind}))
    steps.append(("Checkout Started", {"order_id": order, "value": draw(st.sampled_from([40, 100, 180]))}))
    if draw(st.booleans()):
        steps.append(("Order Completed", {"order_id": order, "products": [{"product_id": "p-1", "category": kind}]}))
    gaps = draw(st.lists(st.integers(0, 90), min_size=len(steps), max_size=len(steps)))
    return [(sum(gaps[: n + 1]), name, props) for n, (name, props) in enumerate(steps)]


@st.composite
def busy_day(draw) -> list[tuple[int, str, dict[str, Any]]]:
    """A customer whom several promotional journeys want at once (new account, dress fan, abandoned cart): the
    demo's journeys rarely reach the 3-a-week cap otherwise."""
    first, second = draw(order_id), draw(order_id.filter(lambda o: o != "o-1"))
    steps = [
        ("Order Completed", {"order_id": "o-1", "products": [{"product_id": "p-1", "category": "dresses"}]}),
        ("Signed Up", {}),
        *[("Product Viewed", {"product_id": "p-1", "category": "dresses"})] * 3,
        ("Checkout Started", {"order_id": first, "value": draw(st.sampled_from([40, 180]))}),
        ("Checkout Started", {"order_id": second, "value": 60}),
    ]
    steps = steps[:2] + draw(st.permutations(steps[2:]))
    gaps = draw(st.lists(st.integers(0, 600), min_size=len(steps), max_size=len(steps)))
    return [(sum(gaps[: n + 1]), name, props) for n, (name, props) in enumerate(steps)]


payload = st.one_of(
    st.tuples(st.just("identify"), traits),
    st.tuples(st.just("track"), tracks),
    st.tuples(st.just("track"), tracks),
    st.tuples(st.just("track"), tracks),
    st.tuples(st.just("session"), session()),
    st.tuples(st.just("session"), session()),
    st.tuples(st.just("session"), busy_day()),
)
# Minutes from the start; a minute grid makes sends and events meet at the same instant now and then.
entry = st.tuples(st.integers(0, SPAN_MINUTES), st.integers(0, 2), payload)  # squeezed into the example's span


@dataclass
class Case:
    start: float
    until: float
    customers: list[str]
    lines: list[str]
    entries: list[tuple[float, int, str, str, str | None, dict[str, Any]]]  # (time, line, user, kind, event, data)


@st.composite
def cases(draw) -> Case:
    start = parse_time(draw(st.sampled_from(STARTS)))
    count = draw(st.integers(1, 3))
    customers = [f"c{n}" for n in range(count)]
    records: list[dict[str, Any]] = []
    for user in customers:  # everyone is identified at the start, with some traits
        records.append({"type": "identify", "userId": user, "traits": draw(first_traits), "timestamp": _iso(start)})
    span = draw(st.sampled_from(SPANS))  # days; the shorter spans crowd the sends, to push against the caps
    for minute, who, (kind, body) in draw(st.lists(entry, min_size=10, max_size=80)):
        user, when = customers[who % count], _iso(start + minute * span // 30 * 60)
        if kind == "identify":
            records.append({"type": "identify", "userId": user, "traits": body, "timestamp": when})
        elif kind == "session":
            moment = start + minute * span // 30 * 60
            for offset, name, props in body:
                records.append({"type": "track", "userId": user, "event": name, "properties": props,
                                "timestamp": _iso(moment + offset * 60)})  # fmt: skip
        else:
            name, props = body
            records.append({"type": "track", "userId": user, "event": name, "properties": props, "timestamp": when})
    entries = [
        (parse_time(r["timestamp"]), line, r["userId"], r["type"], r.get("event"), r.get("traits", r.get("properties")))
        for line, r in enumerate(records, start=1)
    ]
    return Case(start, start + UNTIL_DAYS * DAY, customers, [json.dumps(r) for r in records], entries)


def _iso(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------- the model: what the log says, independently


def profile_at(case: Case, user: str, when: float) -> dict[str, Any]:
    """The customer's profile from the defaults and every identify at a time <= `when` (time, then line order)."""
    profile = dict(DEFAULT_PROFILE)
    for time, _, who, kind, _, data in sorted(case.entries, key=lambda e: (e[0], e[1])):
        if kind == "identify" and who == user and time <= when:
            profile.update(data)
    return profile


def sent(simulation: Simulation) -> Iterator[tuple[float, dict[str, Any]]]:
    for record in simulation.simulator.outbox:
        if record["status"] == "sent":
            yield parse_time(record["time"]), record


def describe(record: dict[str, Any]) -> str:
    return f"{record['time']} {record['user_id']} {record['journey']}/{record['message']} on {record['channel']}"


def run(demo, case: Case) -> Simulation:
    simulation = simulate(demo, case.lines, case.until)
    assert simulation.log.rejected == [], simulation.log.rejected  # the generator writes only valid events
    return simulation


SETTINGS = settings(max_examples=examples(40), derandomize=True, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])  # fmt: skip


# ---------------------------------------------------------------- (a) caps


@SETTINGS
@given(case=cases())
def test_no_customer_is_sent_more_than_a_cap_allows_in_any_window(demo, case):
    simulation = run(demo, case)
    problems = []
    for limit, window, categories, channels in CAPS:
        for user in case.customers:
            times = sorted(
                t
                for t, r in sent(simulation)
                if r["user_id"] == user
                and r["category"] != "transactional"
                and r["category"] in categories
                and (channels is None or r["channel"] in channels)
            )
            for i, begin in enumerate(times):  # the fullest half-open window starts at a send
                inside = [t for t in times[i:] if t < begin + window]
                if len(inside) > limit:
                    problems.append(f"{user}: {len(inside)} sends in {window // DAY} day(s) from {_iso(begin)}, "
                                    f"limit {limit} for {sorted(categories)} on {channels or 'any channel'}")  # fmt: skip
    assert not problems, problems


# ---------------------------------------------------------------- (b) quiet hours


@SETTINGS
@given(case=cases())
def test_no_sms_or_push_is_sent_in_quiet_hours_local_time(demo, case):
    simulation = run(demo, case)
    start, end, channels = QUIET
    problems = []
    for time, record in sent(simulation):
        if record["category"] == "transactional" or record["channel"] not in channels:
            continue
        zone = zoneinfo.ZoneInfo(profile_at(case, record["user_id"], time)["timezone"])
        local = dt.datetime.fromtimestamp(time, zone)
        minutes = local.hour * 60 + local.minute
        if minutes >= start or minutes < end:
            problems.append(f"{describe(record)} at {local:%H:%M} {zone.key}")
    assert not problems, problems


# ---------------------------------------------------------------- (c) suppression


@SETTINGS
@given(case=cases())
def test_no_promotional_message_is_sent_inside_a_suppression_window(demo, case):
    simulation = run(demo, case)
    problems = []
    for time, record in sent(simulation):
        for event_name, condition, seconds, categories in SUPPRESSIONS:
            if record["category"] not in categories:
                continue
            opened = [
                t
                for t, _, who, kind, name, props in case.entries
                if kind == "track" and who == record["user_id"] and name == event_name and condition(props)
                and time - seconds < t <= time
            ]  # fmt: skip
            if opened:
                problems.append(f'{describe(record)}: "{event_name}" at {_iso(max(opened))}')
    assert not problems, problems


# ---------------------------------------------------------------- (d) consent and address


@SETTINGS
@given(case=cases())
def test_nothing_non_transactional_is_sent_without_consent(demo, case):
    simulation = run(demo, case)
    problems = []
    for time, record in sent(simulation):
        profile = profile_at(case, record["user_id"], time)
        channel = record["channel"]
        if record["category"] != "transactional" and channel in CONSENT and profile.get(CONSENT[channel]) is not True:
            problems.append(f"{describe(record)} without {CONSENT[channel]}")
        if channel in ADDRESS and not profile.get(ADDRESS[channel]):
            problems.append(f"{describe(record)} without {ADDRESS[channel]}")
    assert not problems, problems


# ---------------------------------------------------------------- (e) the outbox itself


@SETTINGS
@given(case=cases())
def test_the_outbox_is_in_time_order_with_exactly_the_documented_fields(demo, case):
    simulation = run(demo, case)
    outbox = simulation.simulator.outbox
    times = [parse_time(record["time"]) for record in outbox]
    assert times == sorted(times)
    for record in outbox:
        assert list(record) == FIELDS
        assert record["user_id"] in case.customers
        assert (record["channel"], record["category"]) == MESSAGES[record["message"]], describe(record)
        assert record["status"] in ("sent", "dropped", "deferred")
        assert record["status"] != "deferred" or record["reason"] == "quiet_hours"
        assert (record["status"] == "sent") == (record["reason"] is None)
        assert (record["content"] is not None) == (record["status"] == "sent")
        if record["deferred_from"] is not None:
            assert parse_time(record["deferred_from"]) < parse_time(record["time"])
        assert case.start <= parse_time(record["time"]) <= case.until


# ---------------------------------------------------------------- edge cases found while writing the properties

REACHABLE = {"email": "h@example.com", "phone": "+15550001", "push_token": "tok-1", "email_opt_in": True,
             "sms_opt_in": True, "push_enabled": True}  # fmt: skip


def _log(*records: tuple[str, str, str | None, dict[str, Any]]) -> Case:
    """A hand-written log for customer "h": (timestamp, type, event, traits or properties)."""
    lines, entries = [], []
    for line, (when, kind, name, data) in enumerate(records, start=1):
        record = {"type": kind, "userId": "h", "timestamp": when}
        record.update({"traits": data} if kind == "identify" else {"event": name, "properties": data})
        lines.append(json.dumps(record))
        entries.append((parse_time(when), line, "h", kind, name, data))
    start = entries[0][0]
    return Case(start, start + 5 * DAY, ["h"], lines, entries)


def _sent(simulation: Simulation) -> list[tuple[str, str]]:
    return [(r["time"], r["message"]) for r in simulation.simulator.outbox if r["status"] == "sent"]


def test_a_deferred_send_is_dropped_when_its_run_ends_before_quiet_hours_do(demo):
    case = _log(
        ("2026-03-02T00:00:00Z", "identify", None, REACHABLE),  # America/New_York
        ("2026-03-03T07:00:00Z", "track", "Checkout Started", {"order_id": "o-1", "value": 150}),  # 02:00 local
        # the cart_discount sms is due 2026-03-04T08:00Z (03:00 local) and deferred to 08:00 local (13:00Z)
        ("2026-03-04T10:00:00Z", "track", "Order Completed", {"order_id": "o-1"}),  # 05:00 local: the goal
    )
    sent_messages = _sent(run(demo, case))
    assert ("2026-03-03T08:00:00Z", "cart_reminder") in sent_messages
    assert [message for _, message in sent_messages] == ["cart_reminder"]
