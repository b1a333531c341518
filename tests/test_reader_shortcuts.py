"""The call reader's shortcuts read as the long way does: the usual context (no device, a time zone accepted
before) without `_context`, and the usual times from tables (times.parse_time)."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from journeyc.runtime import segment_spec
from journeyc.runtime.segment_spec import CallReader
from journeyc.runtime.times import parse_time

ZONES = ["Europe/London", "europe/london", "Mars/Olympus", "America", "UTC", "", "../etc", "zone.tab", 7, None, [1], {}]
CONTEXTS = st.fixed_dictionaries(
    {},
    optional={
        "timezone": st.sampled_from(ZONES),
        "device": st.sampled_from([None, {}, {"token": "tok-1"}, {"token": ""}, {"token": 5}, "phone"]),
        "library": st.just({"name": "analytics.js"}),
    },
) | st.sampled_from([None, [], "x", 3])


def call(context) -> dict:
    record = {"type": "identify", "userId": "u1", "timestamp": "2026-03-02T10:00:00Z"}
    if context is not None:
        record["context"] = context
    return record


def readings(reader: CallReader, contexts) -> list:
    return [reader.read(call(context), line) for line, context in enumerate(contexts, start=1)]


@settings(max_examples=examples(300))
@given(st.lists(CONTEXTS, max_size=8))
def test_a_reader_that_has_seen_time_zones_reads_each_context_as_a_new_reader_does(contexts):
    """The zones a reader accepted before are taken without `_context`: the same entries and problems as a reader
    that reads each call afresh, and only zones that name one are remembered."""
    seasoned = CallReader({}, {}, None)
    readings(seasoned, contexts)  # every zone of the list seen once
    fresh = [CallReader({}, {}, None).read(call(context), line) for line, context in enumerate(contexts, start=1)]
    assert readings(seasoned, contexts) == fresh
    assert all(segment_spec.zone_named(zone) is not None for zone in seasoned.zones)


def test_a_known_time_zone_with_a_device_still_reads_its_token():
    reader = CallReader({}, {}, None)
    reader.read(call({"timezone": "Europe/London"}), 1)
    entry, problems = reader.read(call({"timezone": "Europe/London", "device": {"token": "tok-1"}}), 2)
    assert (entry.timezone, entry.device_token, problems) == ("Europe/London", "tok-1", ())
    entry, problems = reader.read(call({"timezone": "Mars/Olympus"}), 3)
    assert entry.timezone is None
    assert [str(p) for p in problems] == ['context.timezone: "Mars/Olympus" is not a time zone (ignored)']


def test_the_entries_of_a_time_zone_share_one_string():
    """A zone's name is kept once: every entry of that zone holds the string of the first (a log has millions)."""
    reader = CallReader({}, {}, None)
    names = ["".join(["Europe/", "London"]) for _ in range(3)]  # three strings of the same text
    entries = [reader.read(call({"timezone": name}), line)[0] for line, name in enumerate(names, start=1)]
    assert [entry.timezone for entry in entries] == ["Europe/London"] * 3
    assert entries[1].timezone is names[0] and entries[2].timezone is names[0]
    entry, _ = reader.read(call({"timezone": "Mars/Olympus"}), 4)  # not a time zone: not kept
    assert (entry.timezone, list(reader.zones)) == (None, ["Europe/London"])


@settings(max_examples=examples(300))
@given(
    st.datetimes(dt.datetime(1, 1, 2), dt.datetime(9999, 12, 30))
    | st.datetimes(dt.datetime(1684, 12, 30), dt.datetime(2255, 12, 31)),  # (the hours the tables hold)
    st.integers(0, 999),
)
def test_a_usual_time_read_from_the_tables_is_the_float_datetime_gives(moment, milliseconds):
    """A time of an hour read before comes from the tables: the same float (not an int) as datetime's reading."""
    whole = moment.strftime("%Y-%m-%dT%H:%M:%S").rjust(19, "0")
    for text in (whole + "Z", f"{whole}.{milliseconds:03d}Z"):
        parse_time(text[:14] + "00:00Z")  # the hour read before
        expected = dt.datetime.fromisoformat(text).timestamp()
        got = parse_time(text)
        assert (type(got), got) == (float, expected)


@pytest.mark.parametrize(
    "text",
    ["1970-01-01T00:00:00Z", "1970-01-01T00:00:00.000Z", "1969-12-31T23:59:59.999Z", "1969-12-31T23:00:00.001Z",
     "1685-06-01T00:00:00.001Z", "2255-06-05T23:59:59.999Z", "2026-03-02T01:51:41.170Z", "2026-03-02T01:59:59Z",
     "1684-01-01T00:00:00.500Z", "2256-01-01T00:00:00.500Z", "9999-12-31T23:59:59.999Z", "0001-01-01T00:00:00.001Z"],
)  # fmt: skip
def test_a_time_at_the_edges_of_the_tables_is_the_float_datetime_gives(text):
    """Times around 1970 (0.0, negative), at the ends of the hours the tables hold (their microseconds are exact
    floats) and beyond them (read by datetime each time)."""
    for _ in range(2):  # (the first reading of an hour, then the tables)
        got = parse_time(text)
        expected = dt.datetime.fromisoformat(text).timestamp()
        assert (type(got), math.copysign(1, got), got) == (float, math.copysign(1, expected), expected)


PROFILE = {
    "traits": [
        {"name": "timezone", "type": {"kind": "scalar", "name": "timezone"}, "default": "Europe/Paris"},
        {"name": "home_zone", "type": {"kind": "scalar", "name": "timezone"}},
        {"name": "email", "type": {"kind": "scalar", "name": "string"}},
    ]
}
TRAITS = st.fixed_dictionaries(
    {}, optional={"timezone": st.sampled_from(ZONES), "home_zone": st.sampled_from(ZONES), "email": st.just("a@b")}
)


@settings(max_examples=examples(300))
@given(st.lists(TRAITS, max_size=8))
def test_a_profile_reader_that_has_seen_time_zones_reads_each_identify_as_a_new_reader_does(traits):
    """The time zones the usual identify named before are taken without zone_named: the same traits and problems
    as a reader that reads each identify afresh, and only zones that name one are remembered."""
    seasoned = CallReader({}, {}, PROFILE)
    calls = [{**call(None), "traits": sent} for sent in traits]
    readings = [seasoned.read(dict(record), line) for line, record in enumerate(calls * 2, start=1)]
    fresh = [CallReader({}, {}, PROFILE).read(dict(record), line) for line, record in enumerate(calls * 2, start=1)]
    assert readings == fresh
    assert all(segment_spec.zone_named(zone) is not None for zone in seasoned.profile.zone_names)
