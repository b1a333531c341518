"""Segment traffic as the client libraries send it, read against the demo company's tracking plan and profile
(journeys/): every call of the spec is accepted, normalised as the spec says, or rejected with its field."""

from __future__ import annotations

import json

import pytest
from conftest import REPO, check, examples
from hypothesis import given, settings
from hypothesis import strategies as st

from journeyc.build import build_outputs
from journeyc.runtime.eventlog import format_time, parse_time, read_log
from journeyc.runtime.segment_spec import V1_EVENT_NAMES, CallReader

BUILD = build_outputs(check(REPO / "journeys"))
PLAN = {name: json.loads(BUILD[f"data/{name}.json"]) for name in ("events", "shapes", "profile")}

AT = "2026-03-02T14:00:00.123Z"
AJS_CONTEXT = {"library": {"name": "analytics.js", "version": "next-1.53.0"}, "locale": "en-US",
               "page": {"path": "/dresses", "url": "https://www.loomwell.example/dresses", "title": "Dresses"},
               "userAgent": "Mozilla/5.0", "timezone": "America/Chicago"}  # fmt: skip
MOBILE_CONTEXT = {"library": {"name": "analytics-ios", "version": "4.1.8"}, "timezone": "Europe/Paris",
                  "device": {"type": "ios", "token": "ff15bc0c20c4aa6cd50854ff165fd265"}}  # fmt: skip


def ajs(kind: str, n: int, anonymous: str | None = "a-7f3c", user: str | None = None, **fields) -> dict:
    """A call shaped as analytics.js (Analytics 2.0) sends it: both ids (one may be null), a messageId, the
    context it collects, integrations, sentAt, and a timestamp in milliseconds."""
    return {"timestamp": AT, "integrations": {}, "type": kind, "context": AJS_CONTEXT, "messageId": f"ajs-next-{n}",
            "anonymousId": anonymous, "userId": user, "sentAt": AT, "writeKey": "k", **fields}  # fmt: skip


def python(kind: str, n: int, user: str | None = "heather", **fields) -> dict:
    """A call shaped as analytics-python sends it: userId and anonymousId (stringified, or None), a uuid4
    messageId, a timezone-aware isoformat timestamp in microseconds."""
    return {"userId": user, "anonymousId": None, "context": {"library": {"name": "analytics-python",
            "version": "2.3.2"}}, "timestamp": "2026-03-02T14:05:00.123456+00:00", "integrations": {}, "type": kind,
            "messageId": f"3b1ea4d8-0b5d-4ad8-9a2b-6a1d1f0e20{n:02d}", **fields}  # fmt: skip


PRODUCT = {"product_id": "d-311", "sku": "LW-D311", "name": "Linen Midi Dress", "category": "dresses",
           "price": 128, "quantity": 1, "position": 3, "url": "https://www.loomwell.example/p/d-311"}  # fmt: skip
CALLS = [
    ajs("page", 1, name=None, properties={"path": "/dresses", "title": "Dresses"}),
    ajs("page", 2, name="Dresses", category="Shop", properties={"path": "/dresses"}),
    ajs("track", 3, event="Products Searched", properties={"query": "linen dress"}),
    ajs("track", 4, event="Products Searched", properties={"query": {"text": "linen", "filters": {"size": "M"}}}),
    ajs("track", 5, event="Product List Viewed", properties={"list_id": "new", "products": [PRODUCT, {"name": "x"}]}),
    ajs("track", 6, event="Product Viewed", properties={**PRODUCT, "quantity": 2.0, "position": 1.0}),
    ajs("track", 7, event="Product Added", properties={**PRODUCT, "cart_id": "c-1"}),
    ajs("track", 8, event="Checkout Started", properties={"order_id": "o-1", "value": 128, "revenue": 118,
                                                          "products": [PRODUCT, {"name": "gift wrap", "price": 0}]}),
    ajs("track", 9, event="Checkout Step Viewed", properties={"checkout_id": "c-1", "step": 2.0}),
    ajs("identify", 10, user="heather", traits={"firstName": "Heather", "email": "heather@example.com",
                                                "email_opt_in": True}),
    ajs("track", 11, event="Order Completed", user="heather", properties={"order_id": "o-1", "total": 138.5,
                                                                          "products": [PRODUCT]}),
    ajs("group", 12, user="heather", groupId="acme", traits={"name": "Acme"}),
    python("identify", 13, traits={"first_name": "Heather", "email": "heather@example.com", "sms_opt_in": False}),
    python("track", 14, event="Signed Up", properties={"type": "organic", "first_name": "Heather"}),
    python("track", 15, event="Product Reviewed", properties={"product_id": "d-311", "review_id": "r-1",
                                                             "review_body": "Shrank", "rating": "2"}),
    python("track", 16, event="Completed Order", properties={"order_id": "o-2", "total": 40}),
    python("track", 17, event="Viewed Product", properties={"product_id": "d-311", "price": 128}),
    python("alias", 18, previousId="heather@example.com"),
    python("track", 19, event="Order Shipped", properties={"order_id": "o-1", "carrier": "UPS",
                                                          "tracking_url": "https://ups.example/1"}),
    {"type": "screen", "name": "Home", "properties": {}, "anonymousId": "ios-1", "messageId": "ios-20",
     "context": MOBILE_CONTEXT, "originalTimestamp": "2026-03-02T14:06:00Z", "sentAt": "2026-03-02T14:06:01Z"},
    {"type": "track", "event": "Cart Viewed", "properties": {"cart_id": "c-9"}, "userId": "heather",
     "messageId": "ios-21", "context": MOBILE_CONTEXT, "receivedAt": "2026-03-02T14:07:00Z"},
    {"type": "identify", "userId": "heather", "traits": {"lastName": "Lane"}, "timestamp": AT},
    python("track", 23, event="Checkout Step Completed", properties={"step": 3, "payment_method": "card"}),
    python("track", 24, event="Order Refunded", properties={"order_id": "o-2", "products": [{"price": 40}]}),
    python("track", 25, event="Cart Viewed", user=None, anonymousId="a-9", properties={"products": []}),
]  # fmt: skip


def read(calls: list[dict]):
    return read_log([json.dumps(call) for call in calls], PLAN["events"], PLAN["shapes"], PLAN["profile"])


def test_every_call_shaped_as_the_libraries_send_it_is_accepted():
    """Of these 25 lines, `simulate` used to accept 10: anonymous calls, page, screen, group and alias calls,
    times without `timestamp`, numbers sent as 2.0 or as text, lists with an item without product_id, an
    object query and v1 event names were all rejected."""
    log = read(CALLS)
    assert log.rejected == []
    assert len(log.entries) == 25
    kinds = [entry.kind for entry in log.entries]
    assert kinds.count("page") == 2 and kinds.count("screen") == 1 and kinds.count("group") == 1
    # Only trait problems remain: the profile has no lastName (kept out, reported), and no other problem.
    assert [(w.line, w.reason) for w in log.warnings] == [
        (22, "traits.lastName: not a trait of the profile (left out)")
    ]


def test_calls_are_normalised_as_the_spec_says():
    entries = read(CALLS).entries
    by_line = {entry.line: entry for entry in entries}
    assert (by_line[1].user_id, by_line[1].anonymous_id, by_line[1].timezone) == (None, "a-7f3c", "America/Chicago")
    assert by_line[10].data == {"first_name": "Heather", "email": "heather@example.com", "email_opt_in": True}
    assert by_line[13].data["first_name"] == "Heather"  # snake_case, as analytics-python users send it
    assert by_line[6].properties["quantity"] == 2.0 and by_line[9].properties["step"] == 2.0
    assert by_line[15].properties["rating"] == 2  # the spec's text "2", read as the plan's number
    assert (by_line[16].event, by_line[17].event) == ("Order Completed", "Product Viewed")  # v1 names, as aliased
    assert (by_line[18].kind, by_line[18].user_id, by_line[18].previous_id) == (
        "alias",
        "heather",
        "heather@example.com",
    )
    assert by_line[20].time == parse_time("2026-03-02T14:06:00Z")  # no timestamp: originalTimestamp
    assert by_line[21].time == parse_time("2026-03-02T14:07:00Z")  # nor originalTimestamp: receivedAt
    assert (by_line[20].device_token, by_line[20].timezone) == ("ff15bc0c20c4aa6cd50854ff165fd265", "Europe/Paris")
    assert by_line[11].time == parse_time(AT)  # milliseconds kept


def test_a_repeated_message_id_is_applied_once_and_counted():
    log = read([CALLS[2], CALLS[2], {**CALLS[2], "messageId": "ajs-next-other"}, CALLS[2]])
    assert [entry.line for entry in log.entries] == [1, 3]
    assert (log.duplicates, log.lines) == (2, 4)


def test_a_rejected_call_does_not_use_up_its_message_id():
    bad = {**CALLS[6], "properties": {"price": "cheap"}}
    log = read([bad, CALLS[6]])
    assert [r.line for r in log.rejected] == [1]
    assert [entry.line for entry in log.entries] == [2]
    assert log.duplicates == 0


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"timestamp": None, "originalTimestamp": "soon"}, 'originalTimestamp: "soon" is not an ISO 8601 time'),
        ({"timestamp": "9999-12-31T23:30:00-01:00"},
         'timestamp: "9999-12-31T23:30:00-01:00" is outside the years 0001 to 9999'),
        ({"properties": {"products": [PRODUCT, PRODUCT, {**PRODUCT, "price": "$3"}]}},
         '"Product List Viewed": properties.products[2].price: "$3" is not a number'),
        ({"properties": {"products": [{**PRODUCT, "quantity": True}]}},
         '"Product List Viewed": properties.products[0].quantity: true is not a number'),
        ({"event": "Order\r\nCompleted \x1b[31mNOW"}, '"Order\\u000d\\u000aCompleted \\u001b[31mNOW" is not in the tracking plan'),
        ({"event": "\u202eredro"}, '"\\u202eredro" is not in the tracking plan'),
        ({"userId": 7, "anonymousId": None}, "userId: 7 is not text (Segment's spec has ids as strings)"),
        ({"userId": None, "anonymousId": None}, "no userId or anonymousId: a call needs one of them"),
    ],
)  # fmt: skip
def test_a_bad_call_is_rejected_with_the_field_and_the_reason(change, reason):
    call = {**CALLS[4], **change}
    [rejection] = read([call]).rejected
    assert rejection.reason == reason


def test_a_context_time_zone_that_is_none_is_reported_and_ignored():
    log = read([{**CALLS[2], "context": {"timezone": "Mars/Olympus"}}])
    [entry] = log.entries
    assert entry.timezone is None
    assert [w.reason for w in log.warnings] == ['context.timezone: "Mars/Olympus" is not a time zone (ignored)']


def test_v1_names_are_the_ones_segment_aliases_and_a_plan_that_declares_one_keeps_it():
    assert set(V1_EVENT_NAMES.values()) <= set(PLAN["events"])
    own = {"Completed Order": {"properties": []}, "Order Completed": {"properties": []}}
    reader = CallReader(own, {}, None)
    entry, problems = reader.read({"type": "track", "userId": "u", "event": "Completed Order", "timestamp": AT})
    assert problems == () and entry is not None and entry.event == "Completed Order"


# Any value at any field of a call: the reader accepts it (normalised) or names a problem, and never raises.
FIELDS = ["type", "userId", "anonymousId", "previousId", "groupId", "event", "name", "properties", "traits",
          "timestamp", "originalTimestamp", "receivedAt", "messageId", "context"]  # fmt: skip
ANY = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
    | st.sampled_from(["track", "identify", "page", "alias", "group", "screen", "2026-03-02T10:00:00Z", "Order Completed",
                       "America/New_York", "0001-01-01T00:00:00+01:00", "heather", "1e999", ""]),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.sampled_from(["timezone", "device", "token", "products", "price", "firstName", "timezone",
                                       "email_opt_in", "order_id", "total", "tier", "x"]), inner, max_size=4),
    max_leaves=10,
)  # fmt: skip
CALL = st.dictionaries(st.sampled_from(FIELDS), ANY, max_size=8)
READER = CallReader(PLAN["events"], PLAN["shapes"], PLAN["profile"])


@pytest.mark.slow
@settings(max_examples=examples(1500), deadline=None)
@given(CALL)
def test_any_call_is_accepted_normalised_or_rejected_with_a_named_problem(call):
    entry, problems = READER.read(call, 1)
    if entry is None:
        assert problems and all(isinstance(p.reason, str) and p.reason for p in problems)
        return
    assert entry.kind in ("identify", "track", "page", "screen", "group", "alias")
    assert entry.user_id is not None or entry.anonymous_id is not None
    assert all(type(i) is str and i for i in (entry.user_id, entry.anonymous_id) if i is not None)
    assert abs(parse_time(format_time(entry.time)) - entry.time) < 1  # its time is written in a form read back
    if entry.kind == "identify":
        assert set(entry.data) <= {t["name"] for t in PLAN["profile"]["traits"]}


IDS = st.one_of(
    st.none(),
    st.just(""),
    st.integers(0, 9),
    st.text(max_size=6),  # control characters, line separators and other unprintable text among them
    st.sampled_from(["a-7f3c", "heather", "u\x1b[31m", "\u2028x", "x\x85", "\u00a0"]),
)


@settings(max_examples=examples(400))
@given(IDS, IDS)
def test_ids_read_at_once_are_read_as_the_full_check_reads_them(user, anonymous):
    """The reader takes the usual ids (printable text) without the full check: every pair of ids comes out as
    `_ids` reads it, or is rejected with its problem."""
    from journeyc.runtime.segment_spec import _ids

    call = {"type": "identify", "userId": user, "anonymousId": anonymous, "traits": {}, "timestamp": AT}
    entry, problems = CallReader(PLAN["events"], PLAN["shapes"], PLAN["profile"]).read(call)
    user_id, anonymous_id, problem = _ids(user, anonymous)
    if problem is not None:
        assert entry is None and list(problems) == [problem]
    else:
        assert entry is not None and (entry.user_id, entry.anonymous_id) == (user_id, anonymous_id)
