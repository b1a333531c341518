"""journeyc.runtime.eventlog: every line of a log is accepted or rejected with its line number and a plain reason."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from journeyc.runtime.eventlog import LogEntry, format_time, parse_time, read_log


def scalar(name: str) -> dict:
    return {"kind": "scalar", "name": name}


def prop(name: str, kind: dict, optional: bool = True) -> dict:
    return {"name": name, "optional": optional, "type": kind}


SHAPES = {
    "product": {"kind": "object", "fields": [prop("product_id", scalar("string"), False), prop("price", scalar("number"))]},
    "node": {"kind": "object", "fields": [prop("children", {"kind": "list", "item": {"kind": "shape", "name": "node"}})]},
}  # fmt: skip
EVENTS = {
    "Order Completed": {
        "properties": [
            prop("order_id", scalar("string"), optional=False),
            prop("total", scalar("number")),
            prop("quantity", scalar("integer")),
            prop("gift", scalar("boolean")),
            prop("size", {"kind": "enum", "values": ["s", "m"]}),
            prop("products", {"kind": "list", "item": {"kind": "shape", "name": "product"}}),
            prop("address", {"kind": "object", "fields": [prop("city", scalar("string"), False)]}),
            prop("tree", {"kind": "shape", "name": "node"}),  # a shape that contains itself
        ]
    }
}


def track(**properties) -> str:
    return json.dumps({"type": "track", "userId": "u1", "event": "Order Completed", "properties": properties,
                       "timestamp": "2026-03-02T10:00:00Z"})  # fmt: skip


GOOD = {"order_id": "o-1", "total": 12.5, "quantity": 2, "gift": False, "size": "m",
        "products": [{"product_id": "p", "price": 3}], "address": {"city": "Lyon"},
        "tree": {"children": [{"children": []}]}}  # fmt: skip


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("{", "not JSON (Expecting property name enclosed in double quotes)"),
        ("[1, 2]", "not a JSON object"),
        ('{"type": "page", "userId": "u1", "timestamp": "2026-03-02T10:00:00Z"}',
         'the type is neither "identify" nor "track"'),
        ('{"type": "identify", "timestamp": "2026-03-02T10:00:00Z"}', "no userId"),
        ('{"type": "identify", "userId": "u1"}', "no timestamp"),
        ('{"type": "identify", "userId": "u1", "timestamp": 5}', "no timestamp"),
        ('{"type": "identify", "userId": "u1", "timestamp": "2026-03-02T10:00:00Z", "traits": [1]}',
         "traits is not an object"),
        ('{"type": "track", "userId": "u1", "timestamp": "2026-03-02T10:00:00Z", "event": 3}',
         "a track without an event name"),
        ('{"type": "track", "userId": "u1", "timestamp": "2026-03-02T10:00:00Z", "event": "Order Completed", '
         '"properties": "x"}', "properties is not an object"),
        ('{"type": "identify", "userId": "u1", "timestamp": "yesterday"}',
         'the timestamp "yesterday" is not an ISO 8601 time'),
        (track(**{**GOOD, "order_id": None}), '"Order Completed": the required property "order_id" is missing'),
        (track(**{**GOOD, "total": "12"}), '"Order Completed": the property "total" is not a number'),
        (track(**{**GOOD, "total": True}), '"Order Completed": the property "total" is not a number'),
        (track(**{**GOOD, "quantity": 2.5}), '"Order Completed": the property "quantity" is not an integer'),
        (track(**{**GOOD, "gift": 0}), '"Order Completed": the property "gift" is not a boolean'),
        (track(**{**GOOD, "gift": 0, "total": "12"}), '"Order Completed": the property "total" is not a number'),
        (track(**{**GOOD, "gift": 0, "order_id": None}),
         '"Order Completed": the required property "order_id" is missing'),
        (track(**{**GOOD, "size": "xl"}), '"Order Completed": the property "size" is not one of "s", "m"'),
        (track(**{**GOOD, "products": [{"price": 3}]}), '"Order Completed": the property "products" is not a list'),
        (track(**{**GOOD, "products": {"product_id": "p"}}), '"Order Completed": the property "products" is not a list'),
        (track(**{**GOOD, "address": {"town": "Lyon"}}), '"Order Completed": the property "address" is not an object'),
        (track(**{**GOOD, "tree": {"children": [{"children": 1}]}}),
         '"Order Completed": the property "tree" is not an object'),
        (track(**GOOD).replace("Order Completed", "Order Complete"), '"Order Complete" is not in the tracking plan'),
    ],
)  # fmt: skip
def test_a_bad_line_is_rejected_with_its_reason(line, reason):
    read = read_log(["", line, "  "], EVENTS, SHAPES)
    assert read.entries == []
    assert [(r.line, r.reason) for r in read.rejected] == [(2, reason)]


def test_good_lines_are_entries_and_blank_lines_are_skipped():
    identify = '{"type": "identify", "userId": 7, "timestamp": "2026-03-02T11:00:00+01:00", "traits": {"tier": "gold"}}'
    optional_left_out = track(order_id="o-2", total=None)
    read = read_log([track(**GOOD), "\n", identify, optional_left_out], EVENTS, SHAPES)
    assert read.rejected == []
    at = parse_time("2026-03-02T10:00:00Z")
    assert read.entries == [
        LogEntry(1, "track", "u1", at, "Order Completed", GOOD),
        LogEntry(3, "identify", "7", at, None, {"tier": "gold"}),  # a numeric userId is read as text
        LogEntry(4, "track", "u1", at, "Order Completed", {"order_id": "o-2", "total": None}),
    ]


def test_times_without_an_offset_are_utc():
    assert (
        parse_time("2026-03-02T10:00:00")
        == parse_time("2026-03-02T10:00:00Z")
        == parse_time("2026-03-02T11:00:00+01:00")
    )


@given(st.one_of(st.floats(0, 4e9), st.integers(0, 4_000_000_000).map(float),
                 st.integers(0, 10**9).map(lambda n: n + 0.9999996)))  # fmt: skip
def test_format_time_writes_what_datetime_writes(seconds):
    assert format_time(seconds) == dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
