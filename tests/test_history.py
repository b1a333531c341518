"""journeyc.runtime.history: the indexed history gives every condition the same value and the same next change
as a scan of the whole history (the indexes only make it faster); the runtime's compiled conditions give what the
reference interpreter (tests/oracles/conditions.py) gives, with indexes or without."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st
from oracles import conditions as oracle
from test_conditions import OPS, VALUES, compare, const, path

from journeyc.runtime.conditions import (
    Context,
    Event,
    compile_condition,
    compile_next_change,
    compile_value_and_change,
    event_filter,
    event_only,
    reads,
)
from journeyc.runtime.history import History, Keys

DAY = 86400.0
START = 1_760_000_000.0
NAMES = ("Product Viewed", "Order Completed")


DRESSES = compare("==", path("category"), const("dresses"))
PRICEY = compare(">=", path("price"), const(50))
VIP_ONLY = compare("==", path("profile", "tier"), const("vip"))  # reads the profile: never indexed
ANY_DRESS = {"kind": "list_predicate", "quantifier": "any", "list": path("products"), "where": DRESSES}
# A filter that time changes: "a view in the last day" (reads history, never indexed).
VIEWED_TODAY = {"kind": "behaviour", "event": "Product Viewed", "op": ">=", "threshold": 1, "sum_of": None,
                "window": {"kind": "last", "duration": {"seconds": DAY, "text": "1 day"}}, "where": None}  # fmt: skip

WINDOW_SECONDS = (*(d * DAY for d in (1, 3, 7, 30)), 0.1)  # 0.1: float rounding at the edge
windows = st.sampled_from(
    [
        None,
        {"kind": "since_entry", "duration": None},
        *({"kind": "last", "duration": {"seconds": s, "text": f"{s} seconds"}} for s in WINDOW_SECONDS),
    ]
)
behaviours = st.builds(
    lambda event, op, threshold, window, where, sum_of: {
        "kind": "behaviour",
        "event": event,
        "op": op,
        "threshold": threshold,
        "sum_of": sum_of,
        "window": window,
        "where": where,
    },
    st.sampled_from(NAMES),
    st.sampled_from(["==", "!=", "<", "<=", ">", ">="]),
    st.sampled_from([0, 1, 2, 3, 50.0, 100.5, 200, Decimal("2")]),
    windows,
    st.sampled_from([None, DRESSES, PRICEY, VIP_ONLY, ANY_DRESS, {"kind": "not", "item": DRESSES}, VIEWED_TODAY]),
    st.sampled_from([None, None, "price", "delta"]),
)


def combined(inner: st.SearchStrategy) -> list[st.SearchStrategy]:
    """and / or / not of conditions drawn from `inner`."""
    return [
        st.builds(lambda items: {"kind": "and", "items": items}, st.lists(inner, max_size=3)),
        st.builds(lambda items: {"kind": "or", "items": items}, st.lists(inner, max_size=3)),
        st.builds(lambda item: {"kind": "not", "item": item}, inner),
    ]


def listed(inner: st.SearchStrategy) -> st.SearchStrategy:
    """any / all / no item of `products` matching a condition drawn from `inner`."""
    return st.builds(
        lambda q, where: {"kind": "list_predicate", "quantifier": q, "list": path("products"), "where": where},
        st.sampled_from(["any", "all", "no"]),
        inner,
    )


conditions = st.recursive(behaviours, lambda inner: st.one_of(*combined(inner)), max_leaves=4)
event_rows = st.tuples(
    st.sampled_from(NAMES),
    st.sampled_from([0.0, 0.05, 1.0, 3600.0, DAY, 2 * DAY, 7 * DAY]),  # gaps: ties and window edges
    st.sampled_from(["dresses", "shoes", None]),
    st.sampled_from([10, 59.5, 129, "n/a"]),
    st.sampled_from([5, -20, 0.1]),  # `delta`: negative values make a sum rise when an event drops out
)
# Short histories often (a measure at its threshold, the last event's drop), long ones too.
events = st.one_of(st.lists(event_rows, max_size=3), st.lists(event_rows, max_size=25))


def as_history(drawn: list[tuple]) -> list[Event]:
    out, time = [], START
    for name, gap, category, price, delta in drawn:
        time += gap
        properties = {"category": category, "price": price, "delta": delta,
                      "products": [{"category": category}]}  # fmt: skip
        out.append(Event(name, time, properties))
    return out


@pytest.mark.slow
@settings(max_examples=examples(600), deadline=None)
@given(conditions, events, st.sampled_from([0.0, 0.05, 3600.0, 3 * DAY, 40 * DAY]), st.integers(0, 25))
def test_indexed_and_scanned_histories_agree(condition, drawn, later, entered):
    history = as_history(drawn)
    indexed = History(Keys())
    half = len(history) // 2
    for event in history[:half]:
        indexed.append(event)
    now = (history[-1].time if history else START) + later
    entered_at = history[min(entered, len(history) - 1)].time if history else None
    early = indexed.context(now, {"tier": "vip"}, None, entered_at=entered_at)
    compile_condition(condition)(early)  # builds some indexes before the rest of the events arrive: they must keep up
    for event in history[half:]:
        indexed.append(event)
    assert_agree(condition, indexed, history, now, entered_at)


def assert_agree(condition, indexed: History, history: list[Event], now: float, entered_at: float | None) -> None:
    profile = {"tier": "vip"}
    fast = indexed.context(now, profile, None, entered_at=entered_at)
    slow = Context(now, profile, history, entered_at=entered_at)
    assert compile_condition(condition)(fast) == compile_condition(condition)(slow) == oracle.evaluate(condition, slow)
    change = oracle.next_change(condition, slow)
    assert compile_next_change(condition)(fast) == compile_next_change(condition)(slow) == change
    value = oracle.evaluate(condition, slow)
    assert compile_value_and_change(condition)(fast) == compile_value_and_change(condition)(slow) == (value, change)


def week(op: str, threshold: float, sum_of: str | None = None) -> dict[str, Any]:
    return {"kind": "behaviour", "event": "Order Completed", "op": op, "threshold": threshold, "sum_of": sum_of,
            "window": {"kind": "last", "duration": {"seconds": 7 * DAY}}, "where": None}  # fmt: skip


@pytest.mark.parametrize(
    ("condition", "deltas", "gap", "expected"),
    [
        # Two events at the same second drop out together: "exactly 1" never holds on the way down.
        (week("==", 1), [5, 5], 0.0, None),
        (week("==", 1), [5, 5], 1.0, START + 7 * DAY),
        # A sum with negative values can rise as events drop out: no bisection there.
        (week(">", 0, "delta"), [-20, 30, 5, -20], DAY, START + 7 * DAY),
        (week(">=", 2), [1, 1, 1], DAY, START + 8 * DAY),
    ],
)
def test_the_next_change_of_indexed_windows_at_their_edges(condition, deltas, gap, expected):
    history = [Event("Order Completed", START + n * gap, {"delta": d}) for n, d in enumerate(deltas)]
    indexed = History(Keys())
    for event in history:
        indexed.append(event)
    now = history[-1].time + 3600
    assert compile_next_change(condition)(indexed.context(now, {}, None)) == expected
    assert_agree(condition, indexed, history, now, None)


@pytest.mark.parametrize(
    ("time", "seconds", "now", "inside"),
    [
        (3.0000000167556378, 0.7, 3.7000000167556375, True),  # though `time > now - seconds` is False
        (29.458076753016325, 86400.0, 86429.45807675301, False),  # though `time > now - seconds` is True
    ],
)
def test_an_indexed_window_is_exact_where_floats_round(time, seconds, now, inside):
    """`now < time + seconds` and `time > now - seconds` round differently: the index must find what the scan
    finds."""
    condition = {"kind": "behaviour", "event": "Order Completed", "op": ">=", "threshold": 1, "sum_of": None,
                 "window": {"kind": "last", "duration": {"seconds": seconds}}, "where": None}  # fmt: skip
    history = [Event("Order Completed", t, {}) for t in (time - 1, time, time)]
    indexed = History(Keys())
    for event in history:
        indexed.append(event)
    assert (now < time + seconds) is inside
    assert compile_condition(condition)(indexed.context(now, {}, None)) is inside
    assert_agree(condition, indexed, history, now, None)


def test_only_filters_that_read_the_event_alone_are_indexed():
    assert event_only(None) and event_only(DRESSES) and event_only(ANY_DRESS)
    assert not event_only(VIP_ONLY)
    assert not event_only(compare("==", path("order_id"), path("trigger", "order_id")))
    assert not event_only({"kind": "in_segment", "segment": "vip"})
    keys = Keys()
    same = [{"kind": "behaviour", "event": "Order Completed", "where": DRESSES, "sum_of": None} for _ in range(2)]
    assert keys.key(same[0]) == keys.key(same[1]) is not None  # equal behaviours share one index
    assert keys.key({"kind": "behaviour", "event": "Order Completed", "where": VIP_ONLY, "sum_of": None}) is None


def test_append_reports_the_indexes_an_event_joined():
    history = History(Keys())
    dresses = {"kind": "behaviour", "event": "Product Viewed", "op": ">=", "threshold": 1, "sum_of": None,
               "window": None, "where": DRESSES}  # fmt: skip
    key = Keys().key(dresses)
    assert key not in history.indexes
    assert history.matches(dresses) is not None and key in history.indexes
    assert history.append(Event("Product Viewed", START, {"category": "shoes"})) == set()
    assert history.append(Event("Product Viewed", START + 1, {"category": "dresses"})) == {key}
    assert history.matches(dresses).times == [START + 1]


def test_reads_names_what_a_condition_depends_on():
    condition = {
        "kind": "and",
        "items": [
            {"kind": "in_segment", "segment": "vip"},
            VIP_ONLY,
            compare("==", {"kind": "last", "event": "Order Completed", "property": "total"}, const(1)),
            {"kind": "behaviour", "event": "Product Viewed", "op": ">=", "threshold": 1, "sum_of": None,
             "window": {"kind": "last", "duration": {"seconds": DAY}}, "where": DRESSES},
        ],
    }  # fmt: skip
    found = reads(condition)
    assert (found.events, found.lasts, found.segments) == ({"Order Completed", "Product Viewed"},
                                                            {"Order Completed"}, {"vip"})  # fmt: skip
    assert (found.profile, found.trigger) == (True, False)
    assert [b["event"] for b in found.behaviours] == ["Product Viewed"]


scalars = st.sampled_from(VALUES)  # every kind of value, on either side
paths = st.sampled_from([path("category"), path("price"), path("size", "eu"), path("profile"), path("trigger")])
constants = st.builds(const, scalars)
operands = st.one_of(constants, paths)
ops = st.sampled_from(OPS)
comparisons = st.one_of(
    st.builds(compare, ops, paths, constants),  # the usual shape: a property against a constant
    st.builds(compare, ops, constants, paths),
    st.builds(compare, ops, operands, operands),
)
leaves = st.one_of(
    comparisons,
    st.builds(lambda o: {"kind": "truthy", "operand": o}, operands),
    st.builds(lambda o, n: {"kind": "is_set", "operand": o, "negated": n}, operands, st.booleans()),
    st.builds(
        lambda o, vs, n: {"kind": "is_one_of", "operand": o, "values": vs, "negated": n},
        operands,
        st.lists(operands, max_size=3),
        st.booleans(),
    ),
)
event_only_conditions = st.recursive(
    leaves,
    lambda inner: st.one_of(*combined(inner), listed(inner)),
    max_leaves=6,
)
values = st.dictionaries(st.sampled_from(["category", "price", "size", "profile", "trigger"]), scalars, max_size=4)
items = st.one_of(values, values.map(lambda v: {**v, "products": [v]}), scalars)  # items with lists of their own
properties = st.builds(
    lambda base, products, eu: {**base, "products": products, "size": {"eu": eu}},
    values,
    st.one_of(st.lists(items, max_size=3), st.lists(items, max_size=3).map(tuple), scalars),
    scalars,
)


@settings(max_examples=examples(400), deadline=None)
@given(event_only_conditions, properties)
def test_an_event_filter_gives_what_the_oracle_gives(condition, event):
    assert event_only(condition)
    assert event_filter(condition)(event) == oracle.evaluate(
        condition, Context(START, {"tier": "vip"}, [], event=event)
    )


def test_no_filter_takes_every_event():
    # (A behaviour without `where`: its filter is called without a Python frame.)
    for event in ({}, {"category": "dresses"}, None, [], "text", Context(START, {}, [])):
        assert event_filter(None)(event) is True is oracle.evaluate(None, Context(START, {}, [], event=None))


segment_leaves = st.builds(lambda name: {"kind": "in_segment", "segment": name}, st.sampled_from(["vip", "lapsed"]))
last_leaves = st.builds(
    lambda op, value: compare(op, {"kind": "last", "event": "Order Completed", "property": "price"}, const(value)),
    st.sampled_from(["==", "<", ">="]),
    st.sampled_from([10, 59.5, "n/a", None]),
)
profile_leaves = st.builds(
    lambda op, part, value: compare(op, path(part, "tier"), const(value)),
    st.sampled_from(["==", "!="]),
    st.sampled_from(["profile", "trigger"]),
    st.sampled_from(["vip", None]),
)
any_conditions = st.recursive(
    st.one_of(behaviours, leaves, segment_leaves, last_leaves, profile_leaves),
    lambda inner: st.one_of(*combined(inner), listed(inner)),
    max_leaves=6,
)


# And / or of items that time changes, at different moments: where waiting for one item or for all matters.
moving = st.builds(
    lambda event, op, threshold, seconds: {"kind": "behaviour", "event": event, "op": op, "threshold": threshold,
                                           "sum_of": None, "window": {"kind": "last", "duration": {"seconds": seconds}},
                                           "where": None},
    st.sampled_from(NAMES),
    st.sampled_from([">=", "<", "=="]),
    st.sampled_from([1, 2]),
    st.sampled_from(WINDOW_SECONDS),
)  # fmt: skip
moving_and_or = st.builds(
    lambda kind, items: {"kind": kind, "items": items}, st.sampled_from(["and", "or"]), st.lists(moving, min_size=2)
)
behaviours_or_any = st.one_of(conditions, any_conditions, moving_and_or, listed(moving))
entries = st.one_of(st.none(), st.integers(0, 25))  # never entered, or at one of the events


def customer_context(history: list[Event], now: float, entered: int | None, event: Any, indexed: bool) -> Context:
    """A context over the history, through its indexes or not, the run entered at one of its events (or not)."""
    entered_at = None if entered is None or not history else history[min(entered, len(history) - 1)].time
    segments = {"vip"}.__contains__
    if not indexed:
        return Context(now, {"tier": "vip"}, history, {"tier": None}, entered_at, event, segments)
    kept = History(Keys())
    for past in history:
        kept.append(past)
    return kept.context(now, {"tier": "vip"}, segments, trigger={"tier": None}, entered_at=entered_at, event=event)


def drawn_context(drawn: list[tuple], later: float, entered: int | None, event: Any, indexed: bool) -> Context:
    """A context over a drawn history, `later` after its last event."""
    history = as_history(drawn)
    return customer_context(history, (history[-1].time if history else START) + later, entered, event, indexed)


@pytest.mark.slow
@settings(max_examples=examples(1000), deadline=None)
@given(behaviours_or_any, events, st.sampled_from([0.0, 3600.0, 3 * DAY]), entries, properties, st.booleans())
def test_a_compiled_condition_gives_what_the_oracle_gives(condition, drawn, later, entered, event, indexed):
    ctx = drawn_context(drawn, later, entered, event, indexed)
    assert compile_condition(condition)(ctx) == oracle.evaluate(condition, ctx)
    assert compile_next_change(condition)(ctx) == oracle.next_change(condition, ctx)
    assert compile_value_and_change(condition)(ctx) == (
        oracle.evaluate(condition, ctx),
        oracle.next_change(condition, ctx),
    )


@settings(max_examples=examples(200), deadline=None)
@given(behaviours_or_any, events, st.sampled_from([0.0, 3600.0, 3 * DAY]), entries, properties, st.booleans())
def test_value_and_change_at_once_are_the_two_apart(condition, drawn, later, entered, event, indexed):
    ctx = drawn_context(drawn, later, entered, event, indexed)
    value, change = compile_condition(condition)(ctx), compile_next_change(condition)(ctx)
    assert compile_value_and_change(condition)(ctx) == (bool(value), change)


@pytest.mark.slow
@settings(max_examples=examples(1000), deadline=None)
@given(behaviours_or_any, events, st.sampled_from([0.0, 0.05, 3600.0, 3 * DAY]), entries, properties, st.booleans())
def test_a_condition_keeps_its_value_until_its_next_change(condition, drawn, later, entered, event, indexed):
    """Never late: with no new event, the value at every moment before the next change (for ever when there is
    none) is the value now. Without new events time changes a value only when an event drops out of an `in last`
    window, so probing at every drop time probes every value to come."""
    history = as_history(drawn)
    now = (history[-1].time if history else START) + later
    change = compile_next_change(condition)(customer_context(history, now, entered, event, indexed))
    value = oracle.evaluate(condition, customer_context(history, now, entered, event, False))
    drops = sorted({e.time + seconds for e in history for seconds in WINDOW_SECONDS})
    for probe in (t for t in drops if t > now and (change is None or t < change)):
        assert oracle.evaluate(condition, customer_context(history, probe, entered, event, False)) == value, (
            probe,
            change,
        )


def test_a_compiled_behaviour_applies_its_filter_without_an_index():
    dresses = {"kind": "behaviour", "event": "Product Viewed", "op": ">=", "threshold": 1, "sum_of": None,
               "window": None, "where": DRESSES}  # fmt: skip
    ctx = Context(START + 10, {}, [Event("Product Viewed", START, {"category": "shoes"})])
    assert compile_condition(dresses)(ctx) is oracle.evaluate(dresses, ctx) is False


def test_a_compiled_condition_fails_where_the_oracle_fails():
    broken = {"kind": "and", "items": [{"kind": "in_segment", "segment": "x"}, {"kind": "mystery"}]}
    compiled = compile_condition(broken)  # building it does not fail: reaching the unknown kind does
    ctx = Context(START, {}, [], in_segment={"x"}.__contains__)
    with pytest.raises(ValueError, match="unknown condition kind"):
        compiled(ctx)
    with pytest.raises(ValueError, match="unknown condition kind"):
        oracle.evaluate(broken, ctx)
    assert compiled(Context(START, {}, [])) is oracle.evaluate(broken, Context(START, {}, [])) is False  # not reached
