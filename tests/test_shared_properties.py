"""A reader that shares properties (`CallReader.share`, as read_log reads a long log) reads every call as a reader
that checks each call's properties afresh: the same entries, of the same types, and the same problems; calls with
the same properties (the same JSON) hold one dict."""

from __future__ import annotations

import copy
import io
import json
import math
from unittest import mock

from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st
from test_eventlog import EVENTS, GOOD, SHAPES, typed

from journeyc.runtime import eventlog, segment_spec
from journeyc.runtime.eventlog import read_log
from journeyc.runtime.segment_spec import CallReader

# Properties that JSON tells apart but == does not (1, 1.0 and True; 0.0 and -0.0), that orjson refuses or writes
# as null (NaN, infinities, integers beyond 64 bits, lone surrogates), made to fit ("4" for an integer), wrong,
# nested, and the same ones again.
POOL = [
    GOOD,
    {"order_id": "o-1", "quantity": 1},
    {"order_id": "o-1", "quantity": 1.0},
    {"order_id": "o-1", "quantity": True},
    {"order_id": "o-1", "quantity": "4"},
    {"order_id": "o-1", "total": 0.0},
    {"order_id": "o-1", "total": -0.0},
    {"order_id": "o-1", "total": math.nan},
    {"order_id": "o-1", "total": math.inf},
    {"order_id": "o-1", "total": None},
    {"order_id": "o-1", "total": 2**70},
    {"order_id": "o-1", "total": 2**63},
    {"order_id": "\ud800"},
    {"order_id": "o-1", "size": "l"},
    {"total": 3},
    {"order_id": "o-1", "products": [{"product_id": "p", "price": 3}]},
    {"order_id": "o-1", "products": [{"product_id": "p", "price": 3.0}]},
    {"order_id": "o-1", "products": [{"product_id": "p", "price": 3.0}, None]},
    {"quantity": 1, "order_id": "o-1"},  # the same values in another order
    {"order_id": "null"},
]


def call(properties: dict, event: str = "Order Completed") -> dict:
    return {"type": "track", "userId": "u1", "event": event, "properties": properties,
            "timestamp": "2026-03-02T10:00:00Z"}  # fmt: skip


def reading(reader: CallReader, record: dict, line: int):
    entry, problems = reader.read(record, line)
    return (None if entry is None else typed(tuple(entry))), [tuple(p) for p in problems]


def sharing() -> CallReader:
    reader = CallReader(EVENTS, SHAPES, None)
    reader.share()
    return reader


def same_readings(calls: list[dict]) -> None:
    shared = sharing()
    fresh = CallReader(EVENTS, SHAPES, None)
    for line, record in enumerate(calls, start=1):
        assert reading(shared, copy.deepcopy(record), line) == reading(fresh, copy.deepcopy(record), line)


@settings(max_examples=examples(300))
@given(st.lists(st.tuples(st.sampled_from(POOL), st.sampled_from(["Order Completed", "Completed Order"])), max_size=30))
def test_a_reader_that_shares_properties_reads_every_call_as_one_that_checks_each(calls):
    same_readings([call(properties, event) for properties, event in calls])


def test_calls_with_the_same_properties_hold_one_dict_and_others_their_own():
    reader = sharing()
    entries = [reader.read(call(copy.deepcopy(GOOD)), line)[0] for line in (1, 2)]
    assert entries[0].properties == GOOD
    assert entries[1].properties is entries[0].properties
    v1_name = reader.read(call(copy.deepcopy(GOOD), "Completed Order"), 3)[0]  # the same event by its v1 name
    assert (v1_name.event, v1_name.properties is entries[0].properties) == ("Order Completed", True)
    whole, fraction = (reader.read(call({"order_id": "o-1", "total": total}), 4)[0] for total in (2, 2.0))
    assert whole.properties is not fraction.properties  # (equal, but not the same: 2 and 2.0)
    assert (type(whole.properties["total"]), type(fraction.properties["total"])) == (int, float)


def test_properties_that_rarely_repeat_are_checked_as_they_come_after_the_trial():
    with mock.patch.object(segment_spec, "_TRIAL", 5), mock.patch.object(segment_spec, "_MOST_KEPT", 3):
        reader = sharing()
        shared = reader.events["Order Completed"][0]
        assert reader.events["Completed Order"][0] == shared
        calls = [call({"order_id": f"o-{n}"}) for n in range(8)]
        for line, record in enumerate(calls, start=1):
            reader.read(record, line)
        assert reader.events["Order Completed"][0] == shared.__self__.check  # its plain check again
        assert reader.events["Completed Order"][0] == shared.__self__.check
        assert reader.read(call({"order_id": "o-1"}), 9)[0].properties == {"order_id": "o-1"}
        # An event whose properties repeat keeps them, at most _MOST_KEPT (then it starts again).
        same_readings([call({"order_id": f"o-{n % 4}", "total": n % 4}) for n in range(40)])


def test_read_log_shares_the_properties_of_its_calls_from_a_line_on():
    line = json.dumps(call(GOOD)) + "\n"
    with mock.patch.object(eventlog, "_SHARE_FROM", 3):
        read = read_log(io.BytesIO(line.encode() * 5), EVENTS, SHAPES)
    assert [entry.properties == GOOD for entry in read.entries] == [True] * 5
    assert read.entries[1].properties is not read.entries[0].properties
    assert read.entries[3].properties is read.entries[2].properties
    assert read.entries[4].properties is read.entries[2].properties


def test_sharing_twice_shares_as_once():
    reader = sharing()
    checks = dict(reader.events)
    reader.share()
    assert reader.events == checks
    assert reader.events["Completed Order"][0] == reader.events["Order Completed"][0]
