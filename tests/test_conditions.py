"""journeyc.runtime.conditions: evaluating conditions (as emitted data) and predicting when they change.

Every value is asked three ways and they must agree: the runtime's compiled function, its `evaluate` (the same,
cached) and the reference interpreter in tests/oracles/conditions.py; next changes two ways (compiled, oracle).
"""

from __future__ import annotations

import ast
import enum
import itertools
import sys
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
from conftest import REPO
from oracles import conditions as oracle

from journeyc.runtime.conditions import Context, Event, compile_condition, compile_next_change, evaluate
from journeyc.runtime.conditions.values import compare as compare_values
from journeyc.runtime.conditions.values import count_test

DAY = 86400.0
NOW = 1_760_000_000.0  # a fixed virtual "now" (UTC epoch seconds)


def ctx(**kwargs: Any) -> Context:
    kwargs.setdefault("now", NOW)
    kwargs.setdefault("profile", {})
    kwargs.setdefault("history", [])
    return Context(**kwargs)


def ev(name: str, days_ago: float, **properties: Any) -> Event:
    return Event(name=name, time=NOW - days_ago * DAY, properties=properties)


def path(*parts: str) -> dict[str, Any]:
    return {"kind": "path", "parts": list(parts)}


def const(value: Any) -> dict[str, Any]:
    return {"kind": "const", "value": value}


def compare(op: str, left: dict[str, Any], right: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "compare", "op": op, "left": left, "right": right}


def behaviour(
    event: str,
    op: str,
    threshold: float,
    *,
    days: int | None = None,
    since_entry: bool = False,
    where: dict[str, Any] | None = None,
    sum_of: str | None = None,
) -> dict[str, Any]:
    window = None
    if days is not None:
        window = {"kind": "last", "duration": {"seconds": days * 86400, "text": f"{days} days"}}
    elif since_entry:
        window = {"kind": "since_entry", "duration": None}
    return {
        "kind": "behaviour",
        "event": event,
        "op": op,
        "threshold": float(threshold),
        "sum_of": sum_of,
        "window": window,
        "where": where,
    }


def value(condition: dict[str, Any] | None, c: Context) -> bool:
    """The condition's value in `c`, the same from the compiled function, `evaluate` and the oracle."""
    expected = oracle.evaluate(condition, c)
    assert compile_condition(condition)(c) is expected
    assert evaluate(condition, c) is expected
    return expected


# Real conditions, as `journeyc build` emits them (segments.json is JSON, with lists; journey modules write tuples).

# journeys/segments.journey: `any "Order Completed" and no "Order Completed" in last 90 days`
LAPSED = {
    "items": [
        {"event": "Order Completed", "kind": "behaviour", "op": ">=", "sum_of": None, "threshold": 1.0,
         "where": None, "window": None},
        {"event": "Order Completed", "kind": "behaviour", "op": "==", "sum_of": None, "threshold": 0.0,
         "where": None, "window": {"duration": {"seconds": 7776000, "text": "90 days"}, "kind": "last"}},
    ],
    "kind": "and",
}  # fmt: skip
# journeys/segments.journey: `(at least 3 "Product Viewed" in last 30 days where category == "dresses")
#   and any "Order Completed" where any products where category == "dresses"`
DRESSES_ONLY = {"kind": "compare", "left": {"kind": "path", "parts": ["category"]}, "op": "==",
                "right": {"kind": "const", "value": "dresses"}}  # fmt: skip
DRESS_ENTHUSIASTS = {
    "items": [
        {"event": "Product Viewed", "kind": "behaviour", "op": ">=", "sum_of": None, "threshold": 3.0,
         "where": DRESSES_ONLY, "window": {"duration": {"seconds": 2592000, "text": "30 days"}, "kind": "last"}},
        {"event": "Order Completed", "kind": "behaviour", "op": ">=", "sum_of": None, "threshold": 1.0,
         "where": {"kind": "list_predicate", "list": {"kind": "path", "parts": ["products"]}, "quantifier": "any",
                   "where": DRESSES_ONLY},
         "window": None},
    ],
    "kind": "and",
}  # fmt: skip

# cart_recovery.py: `if trigger.value >= 100`
CONDITION_4_if1 = {
    "kind": "compare",
    "op": ">=",
    "left": {"kind": "path", "parts": ("trigger", "value")},
    "right": {"kind": "const", "value": 100},
}
# cart_recovery.py: goal / exit filter `order_id == trigger.order_id`
SAME_ORDER = {
    "kind": "compare",
    "op": "==",
    "left": {"kind": "path", "parts": ("order_id",)},
    "right": {"kind": "path", "parts": ("trigger", "order_id")},
}
# welcome_series.py: `if no "Order Completed" since entry`
CONDITION_3_if1 = {
    "kind": "behaviour",
    "event": "Order Completed",
    "op": "==",
    "threshold": 0.0,
    "sum_of": None,
    "window": {"kind": "since_entry", "duration": None},
    "where": None,
}
# coffee_shop monday_regulars.py: `audience in segment regulars and profile.email_opt_in`
AUDIENCE = {
    "kind": "and",
    "items": (
        {"kind": "in_segment", "segment": "regulars"},
        {"kind": "truthy", "operand": {"kind": "path", "parts": ("profile", "email_opt_in")}},
    ),
}
# coffee_shop: `profile.season is one of "summer", "spring" or in segment iced_drinkers`
SEASON_OR_ICED = {
    "kind": "or",
    "items": (
        {
            "kind": "is_one_of",
            "operand": {"kind": "path", "parts": ("profile", "season")},
            "values": ({"kind": "const", "value": "summer"}, {"kind": "const", "value": "spring"}),
            "negated": False,
        },
        {"kind": "in_segment", "segment": "iced_drinkers"},
    ),
}
# coffee_shop segment iced_drinkers: `last temperature of "Drink Ordered" == "iced"`
ICED_DRINKERS = {
    "kind": "compare",
    "left": {"event": "Drink Ordered", "kind": "last", "property": "temperature"},
    "op": "==",
    "right": {"kind": "const", "value": "iced"},
}
# pet_store segment big_spenders: `at least 300 total revenue of "Order Completed" in last 365 days`
BIG_SPENDERS = {
    "event": "Order Completed",
    "kind": "behaviour",
    "op": ">=",
    "sum_of": "revenue",
    "threshold": 300.0,
    "where": None,
    "window": {"duration": {"seconds": 31536000, "text": "365 days"}, "kind": "last"},
}
# pet_store segment cat_parents (list predicates with and / is one of inside behaviour filters)
CAT_PARENTS = {
    "items": [
        {
            "event": "Product List Filtered",
            "kind": "behaviour",
            "op": ">=",
            "sum_of": None,
            "threshold": 1.0,
            "where": {
                "kind": "list_predicate",
                "list": {"kind": "path", "parts": ["filters"]},
                "quantifier": "any",
                "where": {
                    "items": [
                        {"kind": "compare", "left": path("type"), "op": "==", "right": const("pet_type")},
                        {"kind": "compare", "left": path("value"), "op": "==", "right": const("cat")},
                    ],
                    "kind": "and",
                },
            },
            "window": {"duration": {"seconds": 7776000, "text": "90 days"}, "kind": "last"},
        },
        {
            "event": "Order Completed",
            "kind": "behaviour",
            "op": ">=",
            "sum_of": None,
            "threshold": 1.0,
            "where": {
                "kind": "list_predicate",
                "list": {"kind": "path", "parts": ["products"]},
                "quantifier": "any",
                "where": {
                    "kind": "is_one_of",
                    "negated": False,
                    "operand": {"kind": "path", "parts": ["category"]},
                    "values": [{"kind": "const", "value": "Cat Food"}, {"kind": "const", "value": "Cat Litter"}],
                },
            },
            "window": None,
        },
    ],
    "kind": "or",
}


# --- no condition, comparisons --------------------------------------------------------------------------------


def test_no_condition_is_true() -> None:
    assert value(None, ctx()) is True
    assert changes(None, ctx()) is None


def test_trigger_comparison_from_a_generated_module() -> None:
    assert value(CONDITION_4_if1, ctx(trigger={"value": 100})) is True
    assert value(CONDITION_4_if1, ctx(trigger={"value": 99.5})) is False
    assert value(CONDITION_4_if1, ctx(trigger={})) is False  # missing
    assert value(CONDITION_4_if1, ctx(trigger=None)) is False  # not triggered by an event
    assert value(CONDITION_4_if1, ctx(trigger={"value": "150"})) is False  # text vs number


@pytest.mark.parametrize(
    ("op", "left", "right", "expected"),
    [
        ("==", 1, 1.0, True),
        ("!=", 1, 1.0, False),
        ("<", 1, 1.5, True),
        ("<=", 2, 2.0, True),
        (">", 2.5, 2, True),
        (">=", 1.99, 2, False),
        ("==", Decimal("2.5"), 2.5, True),
        ("==", "gold", "gold", True),
        ("==", "gold", "Gold", False),
        ("!=", "gold", "silver", True),
        ("<", "apple", "banana", True),
        (">", "2026-03-01", "2026-02-28", True),
        ("==", True, True, True),
        ("!=", True, False, True),
        # different kinds: never equal, never ordered, never raises
        ("==", "1", 1, False),
        ("!=", "1", 1, True),
        ("<", "1", 2, False),
        (">=", 2, "1", False),
        ("==", True, 1, False),
        ("==", 1, True, False),
        ("!=", False, 0, True),
        ("<", False, True, False),  # booleans do not order
        ("<", [1], [2], False),  # lists are not values here; no exception
        # numbers compare exactly, NaN equals nothing and orders with nothing
        ("==", 2**53 + 1, float(2**53), False),
        ("<", float(2**53), 2**53 + 1, True),
        ("==", -0.0, 0, True),
        ("==", float("nan"), float("nan"), False),
        ("!=", float("nan"), float("nan"), True),
        (">=", float("nan"), 1, False),
        ("<", Decimal("1.5"), 2, True),
        ("<", Decimal("NaN"), 2, False),  # (Decimal raises on that: never here)
    ],
)
def test_comparisons(op: str, left: Any, right: Any, expected: bool) -> None:
    condition = compare(op, path("profile", "a"), path("profile", "b"))
    c = ctx(profile={"a": left, "b": right})
    assert value(condition, c) is expected
    # compiled, with a constant on either side (the fast path for plain values) or none
    for compiled in (
        condition,
        compare(op, path("profile", "a"), const(right)),
        compare(op, const(left), path("profile", "b")),
    ):
        assert value(compiled, c) is expected


class Size(enum.IntEnum):
    """An int subclass: a number, but not a plain int."""

    M = 1


class Text(str):
    """A str subclass: a text, but not a plain str."""


# A value of every kind, plain and not: missing; numbers (exact large ones, NaN, infinities, Decimal, an int
# subclass); booleans; texts (and a subclass); collections; other values (datetimes order among themselves).
VALUES = [None, 0, 1, 2.5, -1, -0.0, 2**53 + 1, float(2**53), float("nan"), float("inf"), Decimal("2.5"),
          Decimal("1"), Decimal("NaN"), Size.M, True, False, "dresses", "", "1", "Dresses", Text("dresses"),
          [], ["dresses"], ("dresses",), {}, {"category": "dresses"}, datetime(2026, 3, 1), datetime(2026, 4, 1)]  # fmt: skip
OPS = ["==", "!=", "<", "<=", ">", ">="]


def test_a_compiled_comparison_with_a_constant_gives_what_the_oracle_gives() -> None:
    """Every operator and every pair of values, the constant on either side: the compiled fast path for plain
    values must give the plain comparison's answer, and leave every other value to it."""
    for op, read, constant in itertools.product(OPS, VALUES, VALUES):
        # (The event as a dict, the usual case, as another mapping, and a list item that is not one.)
        for event in ({"value": read}, MappingProxyType({"value": read}), read):
            c = ctx(event=event)
            for condition in (compare(op, path("value"), const(constant)), compare(op, const(constant), path("value"))):
                assert compile_condition(condition)(c) is oracle.evaluate(condition, c), (condition, event)


def test_a_count_compared_with_a_threshold_as_compare_does() -> None:
    """`count_test` (a behaviour's count against its threshold, in C for a number) is `compare` on every count a
    behaviour gives (an int >= 0) and every operator and threshold, numbers or not."""
    for op, threshold in itertools.product(OPS, VALUES):
        test = count_test(op, threshold)
        for count in range(4):
            assert test(count) is compare_values(op, count, threshold), (op, threshold, count)


@pytest.mark.parametrize(("op", "expected"), [("==", False), ("!=", True), ("<", False), ("<=", False), (">", False)])
def test_comparisons_with_a_missing_value(op: str, expected: bool) -> None:
    assert value(compare(op, path("profile", "a"), const(1)), ctx(profile={})) is expected
    assert value(compare(op, const(1), path("profile", "a")), ctx(profile={"a": None})) is expected
    # both missing: still "missing", not equal
    assert value(compare(op, path("profile", "a"), path("trigger", "b")), ctx()) is expected


def test_paths_walk_nested_objects_and_bare_names_read_the_event() -> None:
    nested = compare("==", path("profile", "address", "country"), const("FR"))
    assert value(nested, ctx(profile={"address": {"country": "FR"}})) is True
    assert value(nested, ctx(profile={"address": "FR"})) is False  # not an object: missing
    bare = compare("==", path("shipping", "country"), const("FR"))
    assert value(bare, ctx(event={"shipping": {"country": "FR"}})) is True
    assert value(bare, ctx()) is False  # no event outside a filter
    # a one-part `profile` is a bare property (as the compiler reads it), not the profile
    assert value(compare("==", path("profile"), const("x")), ctx(profile={"profile": "y"}, event={"profile": "x"}))


# --- truthy, is set, is one of --------------------------------------------------------------------------------


def test_truthy() -> None:
    opt_in = {"kind": "truthy", "operand": path("profile", "email_opt_in")}
    assert value(opt_in, ctx(profile={"email_opt_in": True})) is True
    assert value(opt_in, ctx(profile={"email_opt_in": False})) is False
    assert value(opt_in, ctx(profile={})) is False


def test_is_set() -> None:
    is_set = {"kind": "is_set", "operand": path("profile", "phone"), "negated": False}
    not_set = {**is_set, "negated": True}
    assert value(is_set, ctx(profile={"phone": "+33600000000"})) is True
    assert value(is_set, ctx(profile={"phone": ""})) is True  # a value, even empty
    assert value(is_set, ctx(profile={"phone": None})) is False
    assert value(is_set, ctx(profile={})) is False
    assert value(not_set, ctx(profile={})) is True
    assert value(not_set, ctx(profile={"phone": "+1"})) is False


def test_is_one_of_from_a_generated_module() -> None:
    one_of = SEASON_OR_ICED["items"][0]
    not_one_of = {**one_of, "negated": True}
    assert value(one_of, ctx(profile={"season": "spring"})) is True
    assert value(one_of, ctx(profile={"season": "winter"})) is False
    assert value(one_of, ctx(profile={})) is False
    assert value(not_one_of, ctx(profile={})) is True
    assert value(not_one_of, ctx(profile={"season": "summer"})) is False
    numbers = {"kind": "is_one_of", "operand": path("n"), "values": [const(1), const(2.5)], "negated": False}
    assert value(numbers, ctx(event={"n": 1.0})) is True
    assert value(numbers, ctx(event={"n": "1"})) is False
    assert value(numbers, ctx(event={"n": True})) is False


# --- segments, and / or / not ---------------------------------------------------------------------------------


def test_in_segment_and_a_real_audience() -> None:
    members = {"regulars"}
    inside = ctx(profile={"email_opt_in": True}, in_segment=lambda name: name in members)
    assert value(AUDIENCE, inside) is True
    assert value(AUDIENCE, ctx(profile={"email_opt_in": False}, in_segment=lambda name: name in members)) is False
    assert value(AUDIENCE, ctx(profile={"email_opt_in": True}, in_segment=lambda name: False)) is False
    assert value({"kind": "in_segment", "segment": "regulars"}, ctx()) is False  # no segment lookup: False
    assert value(SEASON_OR_ICED, ctx(profile={"season": "winter"}, in_segment={"iced_drinkers"}.__contains__))
    assert not value(SEASON_OR_ICED, ctx(profile={"season": "winter"}, in_segment=set().__contains__))


def test_nested_and_or_not() -> None:
    gold = compare("==", path("profile", "tier"), const("gold"))
    opted = {"kind": "truthy", "operand": path("profile", "email_opt_in")}
    big = compare(">", path("trigger", "value"), const(100))
    condition = {"kind": "or", "items": [{"kind": "and", "items": [gold, opted]}, {"kind": "not", "item": big}]}
    assert value(condition, ctx(profile={"tier": "gold", "email_opt_in": True}, trigger={"value": 500}))
    assert not value(condition, ctx(profile={"tier": "gold", "email_opt_in": False}, trigger={"value": 500}))
    assert value(condition, ctx(profile={"tier": "gold", "email_opt_in": False}, trigger={"value": 5}))
    assert value(condition, ctx(profile={}, trigger={}))  # not (missing > 100)
    assert value({"kind": "and", "items": ()}, ctx()) is True
    assert value({"kind": "or", "items": ()}, ctx()) is False


def test_evaluate_gives_each_condition_object_its_own_answer() -> None:
    """`evaluate` compiles a condition once per object: thousands of short-lived conditions (more than it keeps)
    whose ids Python reuses each still get their own answer."""
    c = ctx(profile={"n": 7})
    for n in range(5000):
        assert evaluate(compare("==", path("profile", "n"), const(n % 10)), c) is (n % 10 == 7)


def test_an_unknown_kind_is_an_error() -> None:
    for read in (compile_condition({"kind": "sometimes"}), lambda c: evaluate({"kind": "sometimes"}, c)):
        with pytest.raises(ValueError, match="unknown condition kind 'sometimes'"):
            read(ctx())
    with pytest.raises(ValueError, match="unknown condition kind 'sometimes'"):
        compile_next_change({"kind": "sometimes"})(ctx())


# --- behaviour ------------------------------------------------------------------------------------------------


def test_counts_and_thresholds() -> None:
    history = [ev("Product Viewed", 5), ev("Product Viewed", 2), ev("Order Completed", 1)]
    c = ctx(history=history)
    assert value(behaviour("Product Viewed", ">=", 2), c) is True
    assert value(behaviour("Product Viewed", ">=", 3), c) is False
    assert value(behaviour("Product Viewed", "==", 2), c) is True
    assert value(behaviour("Order Completed", ">=", 1), c) is True  # any
    assert value(behaviour("Order Refunded", "==", 0), c) is True  # no
    assert value(behaviour("Order Refunded", ">=", 1), c) is False


def test_events_after_now_are_not_counted() -> None:
    c = ctx(history=[ev("Order Completed", -1)])  # tomorrow
    assert value(behaviour("Order Completed", ">=", 1), c) is False


def test_in_last_window_boundaries() -> None:
    thirty = behaviour("Product Viewed", ">=", 1, days=30)
    assert value(thirty, ctx(history=[ev("Product Viewed", 30)])) is False  # exactly 30 days ago: outside
    assert value(thirty, ctx(history=[Event("Product Viewed", NOW - 30 * DAY + 1, {})])) is True
    assert value(thirty, ctx(history=[ev("Product Viewed", 0)])) is True  # right now: inside
    assert value(thirty, ctx(history=[Event("Product Viewed", NOW + 1, {})])) is False  # future: outside


def test_since_entry() -> None:
    history = [ev("Order Completed", 3), ev("Order Completed", 1)]
    assert value(CONDITION_3_if1, ctx(history=history, entered_at=NOW - 2 * DAY)) is False  # one since entry
    assert value(CONDITION_3_if1, ctx(history=history, entered_at=NOW - 0.5 * DAY)) is True
    assert value(CONDITION_3_if1, ctx(history=[ev("Order Completed", 2)], entered_at=NOW - 2 * DAY)) is False
    # an event exactly at entry counts (the trigger event itself, say)
    at_least_two = behaviour("Order Completed", ">=", 2, since_entry=True)
    assert value(at_least_two, ctx(history=history, entered_at=NOW - 3 * DAY)) is True
    # no entry time: nothing is "since entry"
    assert value(CONDITION_3_if1, ctx(history=history)) is True


def test_sums_from_a_real_segment() -> None:
    history = [
        ev("Order Completed", 400, revenue=1000),  # outside 365 days
        ev("Order Completed", 100, revenue=120.5),
        ev("Order Completed", 50, revenue=79.5),
        ev("Order Completed", 20),  # no revenue: 0
        ev("Order Completed", 10, revenue="lots"),  # not a number: 0
        ev("Order Refunded", 5, revenue=500),  # another event
    ]
    assert value(BIG_SPENDERS, ctx(history=history)) is False  # 200
    history.append(ev("Order Completed", 1, revenue=100))
    assert value(BIG_SPENDERS, ctx(history=history)) is True  # 300
    history.append(ev("Order Completed", 1, revenue=Decimal("0.5")))
    assert value(BIG_SPENDERS, ctx(history=history)) is True  # Decimal adds to floats


def test_filters_read_bare_properties_profile_and_trigger() -> None:
    history = [
        ev("Order Completed", 3, order_id="A", total=40, currency="EUR"),
        ev("Order Completed", 2, order_id="B", total=60, currency="USD"),
    ]
    # the goal of cart_recovery: `"Order Completed" where order_id == trigger.order_id`
    goal = behaviour("Order Completed", ">=", 1, where=SAME_ORDER)
    assert value(goal, ctx(history=history, trigger={"order_id": "B"})) is True
    assert value(goal, ctx(history=history, trigger={"order_id": "C"})) is False
    assert value(goal, ctx(history=history)) is False  # no trigger: missing
    local = behaviour("Order Completed", ">=", 1, where=compare("==", path("currency"), path("profile", "currency")))
    assert value(local, ctx(history=history, profile={"currency": "USD"})) is True
    assert value(local, ctx(history=history, profile={"currency": "GBP"})) is False
    big = behaviour("Order Completed", "==", 1, where=compare(">", path("total"), const(50)))
    assert value(big, ctx(history=history)) is True
    # the filter sees the event, not an enclosing one
    assert value(big, ctx(history=history, event={"total": 1000})) is True


def test_dress_enthusiasts_with_list_predicates_inside_filters() -> None:
    dress = {"category": "dresses"}
    views = [ev("Product Viewed", d, category="dresses") for d in (20, 10, 1)]
    order = ev("Order Completed", 40, products=[{"category": "shoes"}, dress])
    assert value(DRESS_ENTHUSIASTS, ctx(history=[order, *views])) is True
    assert value(DRESS_ENTHUSIASTS, ctx(history=[order, *views[1:]])) is False  # 2 views
    other = [ev("Product Viewed", 5, category="shoes")]
    assert value(DRESS_ENTHUSIASTS, ctx(history=[order, *views[1:], *other])) is False  # filtered out
    no_dress = ev("Order Completed", 40, products=[{"category": "shoes"}])
    assert value(DRESS_ENTHUSIASTS, ctx(history=[no_dress, *views])) is False
    no_list = ev("Order Completed", 40)
    assert value(DRESS_ENTHUSIASTS, ctx(history=[no_list, *views])) is False


def test_cat_parents_any_item_matching_an_and() -> None:
    filtered = ev("Product List Filtered", 10, filters=[{"type": "brand", "value": "cat"}, {"type": "pet_type"}])
    assert value(CAT_PARENTS, ctx(history=[filtered])) is False  # no single item has both
    filtered = ev("Product List Filtered", 10, filters=[{"type": "pet_type", "value": "cat"}])
    assert value(CAT_PARENTS, ctx(history=[filtered])) is True
    litter = ev("Order Completed", 500, products=[{"category": "Cat Litter"}])
    assert value(CAT_PARENTS, ctx(history=[litter])) is True


# --- list predicates ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quantifier", "products", "expected"),
    [
        ("any", [{"category": "dresses"}, {"category": "shoes"}], True),
        ("any", [{"category": "shoes"}], False),
        ("any", [], False),
        ("all", [{"category": "dresses"}, {"category": "dresses"}], True),
        ("all", [{"category": "dresses"}, {"category": "shoes"}], False),
        ("all", [], True),
        ("no", [{"category": "shoes"}], True),
        ("no", [{"category": "shoes"}, {"category": "dresses"}], False),
        ("no", [], True),
        # missing or not a list: an empty list
        ("any", None, False),
        ("all", None, True),
        ("no", "dresses", True),
        ("all", {"category": "dresses"}, True),
        # items that are not objects read as missing
        ("any", ["dresses", 3], False),
        ("any", ({"category": "dresses"},), True),  # tuples are lists
    ],
)
def test_list_predicates(quantifier: str, products: Any, expected: bool) -> None:
    condition = {
        "kind": "list_predicate",
        "quantifier": quantifier,
        "list": path("products"),
        "where": compare("==", path("category"), const("dresses")),
    }
    event = {} if products is None else {"products": products}
    assert value(condition, ctx(event=event)) is expected


def test_list_predicate_on_profile_and_trigger_lists_with_outer_references() -> None:
    # items are tested as the event; profile and trigger stay readable
    condition = {
        "kind": "list_predicate",
        "quantifier": "any",
        "list": path("trigger", "products"),
        "where": compare("==", path("category"), path("profile", "favourite")),
    }
    c = ctx(profile={"favourite": "hats"}, trigger={"products": [{"category": "socks"}, {"category": "hats"}]})
    assert value(condition, c) is True
    assert value({**condition, "list": path("profile", "products")}, c) is False  # profile has none


# --- last values ----------------------------------------------------------------------------------------------


def test_last_value_of_the_most_recent_event() -> None:
    drinks = [ev("Drink Ordered", 9, temperature="hot"), ev("Drink Ordered", 2, temperature="iced")]
    assert value(ICED_DRINKERS, ctx(history=drinks)) is True
    assert value(ICED_DRINKERS, ctx(history=[*drinks, ev("Drink Ordered", 1, temperature="hot")])) is False
    assert value(ICED_DRINKERS, ctx(history=[])) is False  # missing
    # the most recent one lacks the property: missing, not the older value
    assert value(ICED_DRINKERS, ctx(history=[*drinks, ev("Drink Ordered", 1)])) is False
    # events after now do not count yet
    assert value(ICED_DRINKERS, ctx(history=[*drinks, ev("Drink Ordered", -1, temperature="hot")])) is True
    not_hot = compare("!=", {"kind": "last", "property": "temperature", "event": "Drink Ordered"}, const("hot"))
    assert value(not_hot, ctx(history=[])) is True  # != with a missing value
    is_set = {"kind": "is_set", "operand": ICED_DRINKERS["left"], "negated": False}
    assert value(is_set, ctx(history=drinks)) is True
    assert value(is_set, ctx(history=[ev("Page Viewed", 1)])) is False


# --- next_change ----------------------------------------------------------------------------------------------


def changes(condition: dict[str, Any] | None, c: Context) -> float | None:
    """The next change, the same from the compiled function and the oracle."""
    expected = oracle.next_change(condition, c)
    assert compile_next_change(condition)(c) == expected
    return expected


def test_lapsed_customers_enter_exactly_90_days_after_the_last_order() -> None:
    history = [ev("Order Completed", 60), ev("Order Completed", 30), ev("Order Completed", 10)]
    c = ctx(history=history)
    assert value(LAPSED, c) is False
    change = changes(LAPSED, c)
    assert change == history[-1].time + 90 * DAY  # not when the older orders drop out
    assert value(LAPSED, ctx(history=history, now=change)) is True
    assert value(LAPSED, ctx(history=history, now=change - 1)) is False
    # once lapsed it stays so with no new event; a customer who never ordered never enters by time alone
    assert changes(LAPSED, ctx(history=history, now=change)) is None
    assert changes(LAPSED, ctx(history=[])) is None


def test_lapsed_customers_with_an_order_at_an_awkward_float_time() -> None:
    history = [Event("Order Completed", 0.1 + NOW - 10 * DAY, {})]
    change = changes(LAPSED, ctx(history=history))
    assert change is not None
    assert value(LAPSED, ctx(history=history, now=change)) is True


def test_at_least_3_views_in_last_30_days_changes_when_the_count_falls_below() -> None:
    segment = behaviour("Product Viewed", ">=", 3, days=30)
    history = [ev("Product Viewed", d) for d in (25, 20, 12, 3)]  # 4 in the window
    c = ctx(history=history)
    assert value(segment, c) is True
    change = changes(segment, c)
    assert change == history[1].time + 30 * DAY  # 4 -> 3 at the first drop: still in; 3 -> 2 at the second
    assert value(segment, ctx(history=history, now=change)) is False
    assert value(segment, ctx(history=history, now=change - 0.001)) is True
    # below the threshold, time alone cannot bring the customer in
    assert changes(segment, ctx(history=history, now=change)) is None


def test_next_change_with_a_filter_and_a_sum() -> None:
    dresses = behaviour("Product Viewed", ">=", 1, days=30, where=compare("==", path("category"), const("dresses")))
    history = [ev("Product Viewed", 10, category="dresses"), ev("Product Viewed", 5, category="shoes")]
    assert changes(dresses, ctx(history=history)) == history[0].time + 30 * DAY  # the shoes do not count
    history = [ev("Order Completed", 300, revenue=200), ev("Order Completed", 100, revenue=150)]
    assert value(BIG_SPENDERS, ctx(history=history)) is True
    assert changes(BIG_SPENDERS, ctx(history=history)) == history[0].time + 365 * DAY


def test_next_change_of_conditions_that_time_does_not_change() -> None:
    history = [ev("Order Completed", 10, order_id="A"), ev("Drink Ordered", 1, temperature="iced")]
    c = ctx(history=history, profile={"tier": "gold"}, trigger={"value": 5}, entered_at=NOW - DAY)
    for condition in (
        CONDITION_4_if1,
        CONDITION_3_if1,
        ICED_DRINKERS,
        AUDIENCE,
        SEASON_OR_ICED,
        behaviour("Order Completed", ">=", 1),
        compare("==", path("profile", "tier"), const("gold")),
    ):
        assert changes(condition, c) is None


def test_next_change_through_and_or_not() -> None:
    history = [ev("Order Completed", 10)]
    recent = behaviour("Order Completed", ">=", 1, days=30)  # True now, False 20 days from now
    c = ctx(history=history, profile={"vip": False})
    vip = {"kind": "truthy", "operand": path("profile", "vip")}
    expected = history[0].time + 30 * DAY
    assert changes({"kind": "not", "item": recent}, c) == expected
    assert changes({"kind": "or", "items": (vip, recent)}, c) == expected  # True through `recent` alone
    # False through `vip`, which time cannot change: it stays False whatever `recent` does (dually for an `or`)
    assert changes({"kind": "and", "items": (vip, {"kind": "not", "item": recent})}, c) is None
    assert changes({"kind": "and", "items": (recent, vip)}, c) is None
    assert changes({"kind": "or", "items": (recent, {"kind": "not", "item": vip})}, c) is None


def test_next_change_of_and_or_waits_for_every_deciding_item() -> None:
    history = [ev("Order Completed", 25), ev("Product Viewed", 5)]
    no_order = behaviour("Order Completed", "==", 0, days=30)  # False now, True 5 days from now
    no_view = behaviour("Product Viewed", "==", 0, days=30)  # False now, True 25 days from now
    c = ctx(history=history)
    order_drops, view_drops = history[0].time + 30 * DAY, history[1].time + 30 * DAY
    # a False `and` changes once all its False items have: not before the later one
    both = {"kind": "and", "items": (no_order, no_view)}
    assert changes(both, c) == view_drops
    assert value(both, ctx(history=history, now=view_drops - 1)) is False
    assert value(both, ctx(history=history, now=view_drops)) is True
    # a False `or` as soon as any of its items does; a True `and` too, and a True `or` once all its True items have
    assert changes({"kind": "or", "items": (no_order, no_view)}, c) == order_drops
    ordered, viewed = {"kind": "not", "item": no_order}, {"kind": "not", "item": no_view}
    assert changes({"kind": "and", "items": (ordered, viewed)}, c) == order_drops
    assert changes({"kind": "or", "items": (ordered, viewed)}, c) == view_drops
    assert changes({"kind": "and", "items": ()}, c) is None
    assert changes({"kind": "or", "items": ()}, c) is None


def test_dress_enthusiasts_who_never_ordered_a_dress_do_not_change_with_time() -> None:
    views = [ev("Product Viewed", d, category="dresses") for d in (20, 10, 1)]  # 3 views: the first item holds
    c = ctx(history=views)
    assert value(DRESS_ENTHUSIASTS, c) is False
    assert changes(DRESS_ENTHUSIASTS, c) is None  # no dress order, and no time brings one
    order = ev("Order Completed", 40, products=[{"category": "dresses"}])
    c = ctx(history=[order, *views])
    assert value(DRESS_ENTHUSIASTS, c) is True
    assert changes(DRESS_ENTHUSIASTS, c) == views[0].time + 30 * DAY  # then the views decide


def test_next_change_of_a_filter_that_itself_has_a_window() -> None:
    # `any "Order Completed" where ... any "Review Written" in last 7 days` (nested, evaluated per event)
    inner = behaviour("Review Written", ">=", 1, days=7)
    outer = behaviour("Order Completed", ">=", 1, days=30, where=inner)
    history = [ev("Order Completed", 20), ev("Review Written", 2)]
    c = ctx(history=history)
    assert value(outer, c) is True
    change = changes(outer, c)
    assert change is not None
    assert change <= history[1].time + 7 * DAY  # never late
    assert value(outer, ctx(history=history, now=history[1].time + 7 * DAY)) is False


def test_next_change_of_list_items_with_a_window() -> None:
    # `any products where any "Review Written" in last 7 days`: each item asks its filter
    reviewed = {"kind": "list_predicate", "quantifier": "any", "list": path("products"),
                "where": behaviour("Review Written", ">=", 1, days=7)}  # fmt: skip
    history = [ev("Review Written", 2)]
    assert changes(reviewed, ctx(history=history, event={"products": [{}]})) == history[0].time + 7 * DAY
    assert changes(reviewed, ctx(history=history, event={"products": []})) is None  # no item: nothing to change


def test_next_change_sees_events_dated_after_now() -> None:
    history = [ev("Drink Ordered", 2, temperature="iced"), ev("Drink Ordered", -1, temperature="hot")]
    assert changes(ICED_DRINKERS, ctx(history=history)) == history[1].time
    views = behaviour("Product Viewed", ">=", 1, days=30)
    future = [ev("Product Viewed", -2)]
    assert changes(views, ctx(history=future)) == future[0].time


# --- the runtime does not import the compiler -----------------------------------------------------------------


RUNTIME = REPO / "journeyc" / "runtime"


@pytest.mark.parametrize(
    "module", [*sorted((RUNTIME / "conditions").glob("*.py")), RUNTIME / "history.py"], ids=lambda p: p.name
)
def test_conditions_import_only_the_standard_library_and_the_runtime(module: Path) -> None:
    tree = ast.parse(module.read_text())
    modules: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level <= 1, "a relative import may not leave journeyc.runtime"
            modules.append("journeyc.runtime" if node.level == 1 else node.module or "")
    assert modules
    for module in modules:
        top = module.split(".")[0]
        if top == "journeyc":
            assert module == "journeyc.runtime" or module.startswith("journeyc.runtime."), module
        else:
            assert top in sys.stdlib_module_names or top == "__future__", module
