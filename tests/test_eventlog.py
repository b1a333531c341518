"""journeyc.runtime.eventlog: every line of a log is accepted or rejected with its line number and a plain reason."""

from __future__ import annotations

import datetime as dt
import json
import math

import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from journeyc.runtime import eventlog, times
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


REQUIRED = "missing (the tracking plan requires it)"


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("{", "not JSON (Expecting property name enclosed in double quotes)"),
        ("[1, 2]", "not a JSON object"),
        ('{"type": "pageview", "userId": "u1", "timestamp": "2026-03-02T10:00:00Z"}',
         'type: "pageview" is not one of identify, track, page, screen, group, alias'),
        ('{"userId": "u1", "timestamp": "2026-03-02T10:00:00Z"}',
         "type: missing: one of identify, track, page, screen, group, alias"),
        ('{"type": "identify", "timestamp": "2026-03-02T10:00:00Z"}', "no userId or anonymousId: a call needs one of them"),
        ('{"type": "identify", "userId": "", "anonymousId": null, "timestamp": "2026-03-02T10:00:00Z"}',
         "no userId or anonymousId: a call needs one of them"),
        ('{"type": "identify", "userId": "u1"}', "timestamp: missing (and no originalTimestamp or receivedAt either)"),
        ('{"type": "identify", "userId": "u1", "timestamp": 5}', "timestamp: 5 is not an ISO 8601 time"),
        ('{"type": "identify", "userId": "u1", "timestamp": "0001-01-01T00:30:00+01:00"}',
         'timestamp: "0001-01-01T00:30:00+01:00" is outside the years 0001 to 9999'),
        ('{"type": "identify", "userId": "u1", "timestamp": "2026-03-02T10:00:00Z", "traits": [1]}',
         "traits: [...] is not an object"),
        ('{"type": "track", "userId": "u1", "timestamp": "2026-03-02T10:00:00Z", "event": 3}',
         "the event name 3 is not text"),
        ('{"type": "track", "userId": "u1", "timestamp": "2026-03-02T10:00:00Z"}', "a track call without an event name"),
        ('{"type": "track", "userId": "u1", "timestamp": "2026-03-02T10:00:00Z", "event": "Order Completed", '
         '"properties": "x"}', '"Order Completed": properties: "x" is not an object'),
        ('{"type": "identify", "userId": "u1", "timestamp": "yesterday"}',
         'timestamp: "yesterday" is not an ISO 8601 time'),
        ('{"type": "identify", "userId": "u1", "context": [], "timestamp": "2026-03-02T10:00:00Z"}',
         "context: [...] is not an object"),
        ('{"type": "alias", "userId": "u1", "timestamp": "2026-03-02T10:00:00Z"}',
         "previousId: missing: an alias names the id it merges"),
        ('{"type": "alias", "anonymousId": "a1", "previousId": "a0", "timestamp": "2026-03-02T10:00:00Z"}',
         "userId: missing: an alias names the userId it merges into"),
        ('{"type": "group", "userId": "u1", "timestamp": "2026-03-02T10:00:00Z"}',
         "groupId: missing: a group call names its group"),
        (track(**{**GOOD, "order_id": None}), f'"Order Completed": properties.order_id: {REQUIRED}'),
        (track(**{**GOOD, "total": "12 dollars"}), '"Order Completed": properties.total: "12 dollars" is not a number'),
        (track(**{**GOOD, "total": True}), '"Order Completed": properties.total: true is not a number'),
        (track(**{**GOOD, "quantity": 2.5}), '"Order Completed": properties.quantity: 2.5 is not a whole number'),
        (track(**{**GOOD, "quantity": "2.5"}), '"Order Completed": properties.quantity: "2.5" is not a whole number'),
        (track(**{**GOOD, "gift": 0}), '"Order Completed": properties.gift: 0 is not true or false'),
        (track(**{**GOOD, "gift": 0, "total": "x"}),
         '"Order Completed": properties.total: "x" is not a number; properties.gift: 0 is not true or false'),
        (track(**{**GOOD, "size": "xl"}), '"Order Completed": properties.size: "xl" is not one of "s", "m"'),
        (track(**{**GOOD, "products": [{"product_id": "p"}, {"price": 3}]}),
         f'"Order Completed": properties.products[1].product_id: {REQUIRED}'),
        (track(**{**GOOD, "products": [{"product_id": "p"}, {"product_id": "q"}, {"product_id": "r", "price": "$3"}]}),
         '"Order Completed": properties.products[2].price: "$3" is not a number'),
        (track(**{**GOOD, "products": {"product_id": "p"}}), '"Order Completed": properties.products: {...} is not a list'),
        (track(**{**GOOD, "address": {"town": "Lyon"}}), f'"Order Completed": properties.address.city: {REQUIRED}'),
        (track(**{**GOOD, "tree": {"children": [{"children": 1}]}}),
         '"Order Completed": properties.tree.children[0].children: 1 is not a list'),
        (track(**GOOD).replace("Order Completed", "Order Complete"), '"Order Complete" is not in the tracking plan'),
    ],
)  # fmt: skip
def test_a_bad_line_is_rejected_with_its_reason(line, reason):
    read = read_log(["", line, "  "], EVENTS, SHAPES)
    assert read.entries == []
    assert [(r.line, r.reason) for r in read.rejected] == [(2, reason)]


def test_good_lines_are_entries_and_blank_lines_are_skipped():
    identify = (
        '{"type": "identify", "userId": "7", "timestamp": "2026-03-02T11:00:00+01:00", "traits": {"tier": "gold"}}'
    )
    optional_left_out = track(order_id="o-2", total=None)
    read = read_log([track(**GOOD), "\n", identify, optional_left_out], EVENTS, SHAPES)
    assert read.rejected == []
    at = parse_time("2026-03-02T10:00:00Z")
    assert read.entries == [
        LogEntry(1, "track", "u1", at, "Order Completed", GOOD),
        LogEntry(3, "identify", "7", at, None, {"tier": "gold"}),
        LogEntry(4, "track", "u1", at, "Order Completed", {"order_id": "o-2", "total": None}),
    ]


@pytest.mark.parametrize("user_id", ["7", "7.0", "true", "[7]", "{}"])
def test_a_user_id_that_is_not_text_is_rejected_not_made_text(user_id):
    """Segment's spec has userId as a String: 7 and "7" must not silently become one customer, nor true "True"."""
    line = '{"type": "identify", "userId": ' + user_id + ', "timestamp": "2026-03-02T10:00:00Z"}'
    read = read_log([line, line.replace('"userId"', '"anonymousId"')], EVENTS, SHAPES)
    assert read.entries == []
    assert [r.reason.split(":")[0] for r in read.rejected] == ["userId", "anonymousId"]
    assert "is not text" in read.rejected[0].reason


def test_an_id_with_a_control_character_is_rejected():
    line = '{"type": "identify", "userId": "u\\u001b[31m", "timestamp": "2026-03-02T10:00:00Z"}'
    [rejection] = read_log([line], EVENTS, SHAPES).rejected
    assert rejection.reason == 'userId: "u\\u001b[31m" has a control character'


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


@given(st.integers(int(parse_time("0001-01-01T00:00:00Z")), int(parse_time("9999-12-31T23:59:59Z"))))
def test_every_time_the_reader_accepts_is_written_in_a_form_it_reads_back(seconds):
    """Years before 1000 were written without their leading zeros (strftime's %Y), which the reader refused."""
    assert parse_time(format_time(seconds)) == seconds


@pytest.mark.parametrize(
    ("text", "written"),
    [("0999-01-01T00:00:00Z", "0999-01-01T00:00:00Z"), ("0009-05-06T07:08:09Z", "0009-05-06T07:08:09Z"),
     ("0001-01-01T00:00:00+00:00", "0001-01-01T00:00:00Z"), ("9999-12-31T23:59:59.999Z", "9999-12-31T23:59:59Z")],
)  # fmt: skip
def test_early_years_are_written_with_four_digits(text, written):
    assert format_time(parse_time(text)) == written


def test_a_moment_past_the_year_9999_is_written_not_an_error():
    """A wait that ends after the last time datetime holds (an event at 9999-12-31) is still written."""
    last = parse_time("9999-12-31T23:59:59Z")
    assert format_time(last + 1) == "+10000-01-01T00:00:00Z"
    assert format_time(last + 400 * 365.2425 * 86400 + 1) == "+10400-01-01T00:00:00Z"


@pytest.mark.parametrize(
    "text",
    ["0001-01-01T00:30:00+01:00", "9999-12-31T23:30:00-01:00", "9999-12-31T23:59:59.99997Z", "9999-12-31023-0100"],
)
def test_a_time_outside_the_years_1_to_9999_in_utc_is_not_accepted(text):
    with pytest.raises(ValueError, match="outside the years 0001 to 9999"):
        parse_time(text)


# A usual time is read from tables, others by datetime: the result, or the error, is datetime's.


def datetime_reading(text: str):
    """parse_time as it was: datetime's reading, or its error; and a UTC moment outside the years 1 to 9999 is not
    accepted (format_time could not write it in a form the reader reads back)."""
    try:
        moment = dt.datetime.fromisoformat(text)
    except (TypeError, ValueError) as error:
        return f"{type(error).__name__}: {error}"
    try:
        seconds = (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).timestamp()
    except OverflowError:
        seconds = -math.inf
    if not times.EARLIEST <= seconds <= times.LATEST:  # (the last millisecond of 9999 at most: see times.py)
        return f"ValueError: {text!r} is outside the years 0001 to 9999 in UTC"
    return seconds


def parse_time_reading(text: str):
    try:
        return parse_time(text)
    except (TypeError, ValueError) as error:
        return f"{type(error).__name__}: {error}"


USUAL_TIMES = st.datetimes(dt.datetime(1, 1, 1), dt.datetime(9999, 12, 31, 23, 59, 59)).map(
    lambda t: f"{t.year:04d}-{t.month:02d}-{t.day:02d}T{t.hour:02d}:{t.minute:02d}:{t.second:02d}Z"
)
MILLISECOND_TIMES = st.builds(  # as analytics.js writes them: 2026-03-02T10:00:00.250Z
    lambda text, milliseconds: f"{text[:19]}.{milliseconds:03d}Z", USUAL_TIMES, st.integers(0, 999)
)
FIELD_CHANGED = st.builds(  # month 13, day 31 of a 30-day month, hour 24, second 60...
    lambda text, start, number: text[:start] + f"{number:02d}" + text[start + 2 :],
    USUAL_TIMES, st.sampled_from([5, 8, 11, 14, 17]), st.integers(0, 99),
)  # fmt: skip
CHARACTER_CHANGED = st.builds(  # another separator, a letter, a digit that is not ASCII, a fraction, an offset...
    lambda text, at, new, cut: (text[:at] + new + text[at + 1 :])[:cut],
    USUAL_TIMES, st.integers(0, 19), st.characters() | st.sampled_from(["0", "9", ".5", "+01:00", "\uff10", " "]),
    st.integers(0, 40),
)  # fmt: skip


OFFSET_AT_THE_EDGES = st.sampled_from(["0001-01-01T00:", "9999-12-31T23:"]).flatmap(
    lambda start: st.builds(lambda m, h: f"{start}{m:02d}:00{h}", st.integers(0, 59),
                            st.sampled_from(["Z", "+00:30", "-00:30", "+01:00", "-01:00", "+23:59", "-23:59"]))
)  # fmt: skip


@pytest.mark.slow
@settings(max_examples=examples(1000))
@given(
    USUAL_TIMES
    | MILLISECOND_TIMES
    | MILLISECOND_TIMES.flatmap(lambda text: CHARACTER_CHANGED.map(lambda changed: changed[:19] + text[19:]))
    | FIELD_CHANGED
    | CHARACTER_CHANGED
    | OFFSET_AT_THE_EDGES
    | st.text(max_size=25)
)
def test_parse_time_reads_what_datetime_reads(text):
    for day_and_hour_read_before in (text[:14] + "00:00Z", text[:11] + "00:00:00Z", text[:14] + "00:00.000Z"):
        parse_time_reading(day_and_hour_read_before)
    assert parse_time_reading(text) == datetime_reading(text)


@settings(max_examples=examples(300))
@given(MILLISECOND_TIMES, st.booleans())
def test_a_time_to_the_millisecond_is_read_as_datetime_reads_it(text, hour_read_before_with_milliseconds):
    """Read from the tables once its hour is known (from either shape), to the same float as datetime's."""
    parse_time(text[:14] + ("00:00.500Z" if hour_read_before_with_milliseconds else "00:00Z"))
    assert parse_time(text) == datetime_reading(text)
    assert parse_time(text[:19] + "Z") == datetime_reading(text[:19] + "Z")


def test_a_time_read_before_does_not_make_a_wrong_one_of_the_same_hour_right():
    assert parse_time("2026-02-28T10:00:00Z") == dt.datetime(2026, 2, 28, 10, tzinfo=dt.UTC).timestamp()
    for wrong in ["2026-02-28T10:60:00Z", "2026-02-28T10:00:60Z", "2026-02-28T10:00:0\uff10Z", "2026-02-28T10:00:00z",
                  "2026-02-28T10:60:00.250Z", "2026-02-28T10:00:00.25\uff10Z"]:  # fmt: skip
        with pytest.raises(ValueError):
            parse_time(wrong)


# Reading lines with orjson where it surely reads them as json.loads does, and with json.loads elsewhere.


def typed(value):
    """A value with the type of each part spelled out, so that 1, 1.0 and True, or 0.0 and -0.0, differ."""
    if isinstance(value, dict):
        return {"dict": [(key, typed(item)) for key, item in value.items()]}  # a list: the order counts too
    if isinstance(value, list | tuple):
        return {type(value).__name__: [typed(item) for item in value]}
    if isinstance(value, float):
        return {"float": "nan" if math.isnan(value) else value.hex()}
    return {type(value).__name__: value}


def json_reading(line: str):
    """What json.loads makes of a line: its value, or its error message."""
    try:
        return typed(json.loads(line))
    except ValueError as error:
        return f"error: {error.msg}"


def eventlog_reading(line: str):
    """What read_log makes of a line's JSON: orjson's reading when it is sure, else json.loads's."""
    record = eventlog._orjson_loads(line)
    return json_reading(line) if record is eventlog._UNSURE else typed(record)


def read(lines, json_alone=False):
    """read_log, or read_log as it was before orjson (json_alone): every line read by json.loads."""
    with pytest.MonkeyPatch.context() as patch:
        if json_alone:
            patch.setattr(eventlog, "_orjson_loads", lambda line: eventlog._UNSURE)
        return read_log(lines, EVENTS, SHAPES)


IDENTIFY = '{"type": "identify", "userId": %s, "timestamp": "2026-03-02T10:00:00Z", "traits": {"v": %s}}'


@pytest.mark.parametrize(
    ("user_id", "value"),
    [
        ('"u1"', "12345678901234567890123"),  # orjson would make it a float
        ('"u1"', "-9223372036854775809"),  # just below 64 bits
        ('"u1"', "18446744073709551615"),  # the largest integer orjson reads as one
        ('"u1"', "[1e999, -1e999, NaN, Infinity, -Infinity]"),  # orjson refuses them
        ('"u1"', '["\\ud800", "\\udc00x", "\\ud83d\\ude00", "\u00e9"]'),  # lone surrogates: orjson refuses them
        ('"u1"', "[-0, -0.0, 1.0E2, 1E2, 0.1e1, 5e-324, 1e-400]"),
        ('"u1"', '{"a": 1, "b": 2, "a": [3]}'),  # a key twice: the last value, in the first place
    ],
)
def test_odd_values_are_read_as_json_loads_reads_them(user_id, value):
    line = IDENTIFY % (user_id, value)
    [entry] = read_log([line], EVENTS, SHAPES).entries
    expected = json.loads(line)
    assert entry.user_id == expected["userId"]
    assert typed(entry.data) == typed(expected["traits"])


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("\ufeff\ufeff" + IDENTIFY % ('"u1"', "1"), "not JSON (Unexpected UTF-8 BOM (decode using utf-8-sig))"),
        ('{"type": "identify", "userId": "u1",}', "not JSON (Expecting property name enclosed in double quotes)"),
        ("[1,]", "not JSON (Expecting value)"),
        ("01", "not JSON (Extra data)"),
        ('{"a": "\\x"}', "not JSON (Invalid \\escape)"),
        ('{"a": "\t"}', "not JSON (Invalid control character at)"),
        ("\x0c{}", "not JSON (Expecting value)"),
        ("12345678901234567890123", "not a JSON object"),
        ('"\ud800"', "not a JSON object"),  # a lone surrogate in the text itself
    ],
)
def test_bad_json_is_rejected_with_the_reason_json_loads_gives(line, reason):
    assert [(r.line, r.reason) for r in read_log([line], EVENTS, SHAPES).rejected] == [(1, reason)]


def test_a_byte_order_mark_at_the_start_of_a_line_is_skipped():
    """Files saved by Windows tools start with a BOM: the first call must not be lost to it."""
    lines = ["\ufeff" + IDENTIFY % ('"u1"', "1"), IDENTIFY % ('"u2"', "2")]
    assert [entry.user_id for entry in read_log(lines, EVENTS, SHAPES).entries] == ["u1", "u2"]


@pytest.mark.parametrize("digits", ["1" * 5000, "-" + "9" * 4301, "1" * 5000 + ".5"])
def test_a_number_of_thousands_of_digits_is_a_rejected_line_not_an_internal_error(digits):
    read = read_log([IDENTIFY % ('"u1"', digits), track(**{**GOOD, "total": digits})], EVENTS, SHAPES)
    assert len(read.entries) + len(read.rejected) == 2
    assert all(r.reason in ("not JSON (a number with too many digits)",) or "total" in r.reason for r in read.rejected)


def nested(depth: int) -> str:
    return IDENTIFY % ('"u1"', "[" * depth + "]" * depth)


def depth_of(value) -> int:
    depth = 0
    while isinstance(value, list):  # without recursion: such a value is too deep for it
        depth, value = depth + 1, value[0] if value else None
    return depth


def test_deep_nesting_is_read_up_to_orjsons_limit_and_rejected_beyond_it():
    """A deeply nested line is an odd line like any other: read (orjson reads 1024 levels), or rejected with its
    reason; never a RecursionError that stops the run (json.loads runs out of Python stack before 1000 levels)."""
    got = read_log([nested(500), nested(1020), nested(1100), "[" * 5000, nested(3)], EVENTS, SHAPES)
    assert [(entry.line, depth_of(entry.data["v"])) for entry in got.entries] == [(1, 500), (2, 1020), (5, 3)]
    assert [(r.line, r.reason) for r in got.rejected] == [
        (3, "not JSON (nested too deeply)"),
        (4, "not JSON (nested too deeply)"),
    ]


def test_a_property_the_plan_gives_twice_is_checked_by_the_last_declaration():
    twice = {"Twice": {"properties": [prop("n", scalar("string")), prop("n", scalar("integer"))]}}
    line = '{"type": "track", "userId": "u1", "timestamp": "2026-03-02T10:00:00Z", "event": "Twice", "properties": %s}'
    assert len(read_log([line % '{"n": 5}'], twice, {}).entries) == 1
    [rejection] = read_log([line % '{"n": 5.5}'], twice, {}).rejected
    assert rejection.reason == '"Twice": properties.n: 5.5 is not a whole number'


# JSON-ish text, valid or not: values json.dumps writes, numbers, and pieces that orjson and json.loads read
# differently (or that one of them refuses), put together at random.
ODD_PIECES = ["NaN", "Infinity", "-Infinity", "1e999", "-0", "1.0E2", "12345678901234567890", "-9223372036854775809",
              '"\\ud800"', '"\\udc00"', '"\\ud83d\\ude00"', '"\\u00e9"', '"\\x"', '"\\u12"', '"\ud800"', '"a\x01"',
              "\ufeff", "\x0c", " ", "\t", "\r", "\n", "{", "}", "[", "]", ",", ":", '"a"', "true", "nul", "01", "1."]  # fmt: skip
NUMBERS = st.from_regex(r"-?(0|[1-9][0-9]{0,24})(\.[0-9]{1,20})?([eE][-+]?[0-9]{1,3})?", fullmatch=True)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**25), 10**25) | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from("abc"), inner, max_size=4),
    max_leaves=12,
).map(lambda value: json.dumps(value, ensure_ascii=False))
PIECES = st.sampled_from(ODD_PIECES) | NUMBERS | JSON_VALUES
OBJECTS = st.lists(st.tuples(st.sampled_from(['"a"', '"b"', '"c"']), PIECES), max_size=5).map(
    lambda pairs: "{" + ", ".join(f"{key}: {value}" for key, value in pairs) + "}"  # keys given twice, often
)
JSON_ISH = JSON_VALUES | OBJECTS | st.lists(PIECES | OBJECTS, min_size=1, max_size=4).map("".join)


@pytest.mark.slow
@settings(max_examples=examples(1000))
@given(JSON_ISH)
def test_a_line_is_read_as_json_loads_reads_it(line):
    assert eventlog_reading(line) == json_reading(line)


@pytest.mark.slow
@settings(max_examples=examples(500))
@given(st.lists(JSON_ISH | NUMBERS, max_size=3))
def test_read_log_gives_what_json_loads_alone_gave(values):
    lines = [IDENTIFY % ('"u1"', value) for value in values] + values
    now, before = read(lines), read(lines, json_alone=True)
    assert [typed(tuple(entry)) for entry in now.entries] == [typed(tuple(entry)) for entry in before.entries]
    assert now.rejected == before.rejected
    assert all(type(entry) is LogEntry for entry in now.entries)
