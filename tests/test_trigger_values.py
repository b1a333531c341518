"""journeyc.runtime.trigger_values: a run's trigger is the event's properties with every declared one present, in
objects and list items too (a property left out reads as None), in a copy the run keeps as its own. The completion
plan is worked out once per list of properties; an oracle here walks the declared types at every value."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from conftest import REPO, check, examples
from hypothesis import given, settings
from hypothesis import strategies as st

from journeyc.build import build_outputs
from journeyc.runtime.trigger_values import TriggerValues


@pytest.fixture(scope="module")
def plan() -> dict[str, Any]:
    build = build_outputs(check(REPO / "journeys"))
    return {name: json.loads(build[f"data/{name}.json"]) for name in ("events", "shapes")}


def oracle(values: Any, props: Any, shapes: dict[str, Any]) -> dict[str, Any]:
    """The completion by its definition: every declared property, in declared order after those sent."""
    out = dict(values)
    for prop in props:
        out[prop["name"]] = typed(out.get(prop["name"]), prop["type"], shapes)
    return out


def typed(value: Any, spec: dict[str, Any], shapes: dict[str, Any]) -> Any:
    if spec.get("kind") == "shape":
        spec = shapes.get(spec.get("name", ""), {})
    if spec.get("kind") == "object" and isinstance(value, dict):
        return oracle(value, spec.get("fields", ()), shapes)
    if spec.get("kind") == "list" and isinstance(value, list):
        return [typed(item, spec["item"], shapes) for item in value]
    return value


leaves = st.one_of(st.none(), st.integers(), st.text(max_size=3), st.booleans())
names = st.sampled_from(["order_id", "value", "products", "name", "sku", "items", "coupon", "extra", "rating"])
values = st.recursive(leaves, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                      st.dictionaries(names, inner, max_size=4)), max_leaves=12)  # fmt: skip


@settings(max_examples=examples(400), deadline=None)
@given(st.data())
def test_a_trigger_is_completed_as_its_declared_types_say(plan, data):
    name = data.draw(st.sampled_from(sorted(plan["events"])))
    properties = data.draw(st.dictionaries(names, values, max_size=5))
    if data.draw(st.booleans()):  # (a product list as the store sends it, some fields left out)
        products = st.lists(st.dictionaries(st.sampled_from(["name", "sku", "price", "variant"]), leaves), max_size=3)
        properties["products"] = data.draw(products)
    completer = TriggerValues(plan["events"], plan["shapes"])
    for _ in range(2):  # (the second time from the plans worked out the first)
        trigger = completer.complete(SimpleNamespace(name=name, properties=properties))
        expected = oracle(properties, plan["events"][name].get("properties", ()), plan["shapes"])
        assert trigger == expected
        assert repr(trigger) == repr(expected)  # (the same order of keys, in objects and list items too)
        assert trigger is not properties


def test_a_cart_product_left_without_a_field_reads_it_as_none_in_a_list_of_its_own(plan):
    products = [{"name": "Dress", "price": 50}]
    trigger = TriggerValues(plan["events"], plan["shapes"]).complete(
        SimpleNamespace(name="Checkout Started", properties={"order_id": "o-1", "products": products})
    )
    assert trigger["products"][0]["name"] == "Dress" and trigger["products"][0]["variant"] is None
    assert trigger["products"] is not products and trigger["products"][0] is not products[0]
    assert trigger["coupon"] is None and list(trigger)[:2] == ["order_id", "products"]


def test_past_the_sets_of_keys_a_plan_keeps_the_missing_properties_are_found_each_time(plan):
    completer = TriggerValues(plan["events"], plan["shapes"])
    declared = plan["events"]["Checkout Started"]["properties"]
    for n in range(300):  # (more sets of keys than a plan keeps, each sent twice)
        properties = {f"extra{n}": n, "coupon": None, **({"order_id": "o-1"} if n % 2 else {})}
        for _ in range(2):
            trigger = completer.complete(SimpleNamespace(name="Checkout Started", properties=properties))
            assert repr(trigger) == repr(oracle(properties, declared, plan["shapes"]))
