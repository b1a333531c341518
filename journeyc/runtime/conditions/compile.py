"""Conditions built into functions once: the runtime's one evaluator of conditions (semantics in data.py).

`compile_condition(c)` reads the condition's fields and dispatches on its kinds when it is built, not at every
call: a comparison with a constant compares plain values (str, int, float) directly, and the event that a filter
or a list predicate tests is passed beside the context instead of in a new Context. `event_filter` makes an
event-only filter a function of the event's properties the same way, with no Context per call. `evaluate` is the
same for a caller that holds no compiled function: it compiles each condition once, on first use.

When the caller gives indexes (`Context.indexes`: see runtime/history.py), behaviours bisect instead of scanning;
the results are the same. tests/oracles/conditions.py is a plain interpreter of the same
rules that the tests compare these functions with.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

from journeyc.runtime.conditions.context import Context
from journeyc.runtime.conditions.data import (
    BehaviourCondition,
    CompareCondition,
    Condition,
    IsOneOfCondition,
    ListPredicateCondition,
    Operand,
)
from journeyc.runtime.conditions.values import against, compare, count_test, equal, path_source, plain_test, walk
from journeyc.runtime.conditions.windows import (
    contribution,
    first_inside,
    first_recent,
    in_window,
    last_event,
    last_seconds,
    measure,
    named,
)

__all__ = ["Compiled", "Test", "compile_condition", "compile_path", "compile_test", "evaluate", "event_filter"]

Compiled = Callable[[Context], bool]
# Inside, a condition compiles to a function of the context and of the event (or list item) it tests, given apart
# from the context: a filter then tests each event, and a list predicate each item, without building a Context.
Test = Callable[[Context, Any], bool]
ValueOf = Callable[[Context, Any], Any]


def compile_condition(condition: Condition | None) -> Compiled:
    """The condition as a function of the context, built once (None, no condition, is always True). An unknown
    kind raises ValueError when it is reached, not when it is built."""
    if condition is None:
        return _always
    test = compile_test(condition)
    return lambda ctx: test(ctx, ctx.event)


# Conditions compiled by `evaluate`, by identity: they are constants (a build's data), so each is compiled once.
# Holding the condition keeps its id its own; past the limit the cache starts again rather than grow.
_EVALUATED: dict[int, tuple[Condition, Compiled]] = {}
_EVALUATED_LIMIT = 4096


def evaluate(condition: Condition | None, ctx: Context) -> bool:
    """The condition's value in `ctx` (None, no condition, is True): `compile_condition(condition)(ctx)`, compiled
    on the first call for each condition object. A condition must not be changed once evaluated."""
    if condition is None:
        return True
    known = _EVALUATED.get(id(condition))
    if known is None or known[0] is not condition:
        if len(_EVALUATED) >= _EVALUATED_LIMIT:
            _EVALUATED.clear()
        known = _EVALUATED[id(condition)] = (condition, compile_condition(condition))
    return known[1](ctx)


def event_filter(condition: Condition | None) -> Callable[[Mapping[str, Any] | None], bool]:
    """An event-only condition (see `event_only`) made into a function of the event's properties, built once: its
    compiled form given the event alone, over one shared context that holds nothing else (which is all it reads;
    no context is built per call, and none is changed). No condition (a behaviour without `where`) takes every
    event, with no Python frame: `_NOTHING_ELSE is not properties` is True for anything a caller can pass."""
    if condition is None:
        return partial(operator.is_not, _NOTHING_ELSE)
    return partial(compile_test(condition), _NOTHING_ELSE)


_NOTHING_ELSE = Context(0.0, {}, ())


def _always(_ctx: Context) -> bool:
    return True


def compile_test(condition: Condition | None) -> Test:
    """The condition as a function of the context and of the event or item it tests."""
    if condition is None:
        return _true
    if condition["kind"] == "compare":
        return _compile_compare(condition)
    if condition["kind"] == "truthy":
        operand = _compile_operand(condition["operand"])
        return lambda ctx, event: bool(operand(ctx, event))
    if condition["kind"] == "is_set":
        operand, negated = _compile_operand(condition["operand"]), bool(condition.get("negated"))
        return lambda ctx, event: (operand(ctx, event) is not None) != negated
    if condition["kind"] == "is_one_of":
        return _compile_one_of(condition)
    if condition["kind"] == "in_segment":
        segment = condition["segment"]
        return lambda ctx, _event: bool(ctx.in_segment(segment)) if ctx.in_segment is not None else False
    if condition["kind"] == "behaviour":
        return _compile_behaviour(condition)
    if condition["kind"] == "list_predicate":
        return _compile_list(condition)
    if condition["kind"] == "and" or condition["kind"] == "or":
        return _compile_and_or(condition["kind"] == "or", [compile_test(item) for item in condition["items"]])
    if condition["kind"] == "not":
        item = compile_test(condition["item"])
        return lambda ctx, event: not item(ctx, event)
    return failing(f"unknown condition kind {_kind(condition)!r}")


def _kind(node: Mapping[str, Any]) -> Any:
    """The kind of a node no branch knew, for the message."""
    return node.get("kind")


def _true(_ctx: Context, _event: Any) -> bool:
    return True


def _false(_ctx: Context, _event: Any) -> bool:
    return False


def failing(message: str) -> Callable[..., Any]:
    """A function that raises ValueError(message) when called: a malformed condition fails where it is reached."""

    def fail(*_args: Any) -> Any:
        raise ValueError(message)

    return fail


def _compile_and_or(is_or: bool, items: list[Test]) -> Test:
    """`all` or `any` of the items without a generator per call: one or two items (the usual case) directly."""
    if not items:
        return _false if is_or else _true
    if len(items) == 1:
        return items[0]
    if len(items) == 2:
        first, second = items
        if is_or:
            return lambda ctx, event: first(ctx, event) or second(ctx, event)
        return lambda ctx, event: first(ctx, event) and second(ctx, event)
    deciding = is_or  # an item with this value decides the whole: False in an `and`, True in an `or`

    def test(ctx: Context, event: Any) -> bool:
        for item in items:
            if item(ctx, event) == deciding:
                return deciding
        return not deciding

    return test


def _compile_compare(condition: CompareCondition) -> Test:
    op, left_node, right_node = condition["op"], condition["left"], condition["right"]
    left, right = _compile_operand(left_node), _compile_operand(right_node)
    if right_node["kind"] == "const" and left_node["kind"] == "path":
        fused = _compile_event_compare(op, left_node["parts"], right_node["value"])
        if fused is not None:
            return fused
    if right_node["kind"] == "const":
        check = against(op, right_node["value"])
        return lambda ctx, event: check(left(ctx, event))
    if left_node["kind"] == "const":
        check = against(op, left_node["value"], constant_first=True)
        return lambda ctx, event: check(right(ctx, event))
    return lambda ctx, event: compare(op, left(ctx, event), right(ctx, event))


def _compile_event_compare(op: str, parts: Sequence[str], constant: Any) -> Test | None:
    """`property op constant` of the event tested, for a property of one part and a constant of a plain type (a
    filter's usual shape: `category == "dresses"`) as one function: what `compile_path` and `against` make of it,
    without their two calls per event. None for any other comparison."""
    source, rest = path_source(tuple(parts))
    plain = plain_test(op, constant)
    if source != "event" or len(rest) != 1 or plain is None:
        return None
    key, (test, types) = rest[0], plain

    def compare_event(_ctx: Context, event: Any) -> bool:
        value = event.get(key) if type(event) is dict else walk(event, rest)
        return test(value, constant) if type(value) in types else compare(op, value, constant)

    return compare_event


def _compile_one_of(condition: IsOneOfCondition) -> Test:
    operand, negated = _compile_operand(condition["operand"]), bool(condition.get("negated"))
    values = [_compile_operand(v) for v in condition["values"]]

    def test(ctx: Context, event: Any) -> bool:
        value = operand(ctx, event)
        for candidate in values:
            if equal(value, candidate(ctx, event)):
                return not negated
        return negated

    return test


def _compile_operand(node: Operand) -> ValueOf:
    if node["kind"] == "const":
        value = node["value"]
        return lambda _ctx, _event: value
    if node["kind"] == "path":
        return compile_path(node["parts"])
    if node["kind"] == "last":
        name, property_path = node["event"], str(node["property"]).split(".")

        def last(ctx: Context, _event: Any) -> Any:
            latest = last_event(name, ctx)
            return None if latest is None else walk(latest.properties, property_path)

        return last
    return failing(f"unknown operand kind {_kind(node)!r}")


def compile_path(parts: Sequence[str]) -> ValueOf:
    """A path read where it reads (see data.py); reading one part of a dict (`category`, `profile.tier`: the usual
    case) is a single `get`."""
    source, rest = path_source(tuple(parts))
    if len(rest) == 1:
        key = rest[0]
        if source == "profile":
            return lambda ctx, _event: p.get(key) if type(p := ctx.profile) is dict else walk(p, rest)
        if source == "trigger":
            return lambda ctx, _event: t.get(key) if type(t := ctx.trigger) is dict else walk(t, rest)
        return lambda _ctx, event: event.get(key) if type(event) is dict else walk(event, rest)
    if source == "profile":
        return lambda ctx, _event: walk(ctx.profile, rest)
    if source == "trigger":
        return lambda ctx, _event: walk(ctx.trigger, rest)
    return lambda _ctx, event: walk(event, rest)


def _compile_behaviour(node: BehaviourCondition) -> Test:
    name, window, where = node["event"], node.get("window"), node.get("where")
    check = against(node["op"], node["threshold"])
    keep = None if where is None else compile_test(where)
    seconds = last_seconds(window)
    counted = node.get("sum_of") is None  # (as `contribution` has it)
    # (A count is an int: `count_test` compares it with no Python frame.)
    holds: Callable[[Any], bool] = count_test(node["op"], node["threshold"]) if counted else check
    node_id = id(node)  # (the function holds the node: its id stays its own)

    def behaviour(ctx: Context, _event: Any) -> bool:
        indexes = ctx.indexes
        if indexes is not None:
            matches = indexes.known.get(node_id) or indexes.matches(node)  # (a Matches is never false)
            if matches is not None:  # the measure over the indexed matches inside the window, `in last` at once
                times = matches.times
                if seconds is not None:
                    first = first_recent(times, ctx.now, seconds)
                elif window is None:
                    first = 0
                else:
                    first = first_inside(matches, window, ctx.now, ctx.entered_at)
                return holds(len(times) - first) if counted else holds(sum(matches.contributions[first:]))
        contributions = [
            (e.time, contribution(node, e))
            for e in named(name, ctx)
            if e.name == name
            and in_window(e.time, window, ctx.now, ctx.entered_at)
            and (keep is None or keep(ctx, e.properties))
        ]
        return check(measure(contributions, window, ctx.now, ctx.entered_at))

    return behaviour


def _compile_list(condition: ListPredicateCondition) -> Test:
    items_of, where, quantifier = (
        compile_path(condition["list"]["parts"]),
        compile_test(condition["where"]),
        condition["quantifier"],
    )
    if quantifier not in ("any", "all", "no"):
        return failing(f"unknown list quantifier {quantifier!r}")
    stop = quantifier != "all"  # the walk over the items ends at a match (any, no) or at a miss (all)
    stopped = quantifier == "any"  # the value when it ends there

    def test(ctx: Context, event: Any) -> bool:
        items = items_of(ctx, event)
        if type(items) is list or isinstance(items, (list, tuple)):
            for item in items:
                if where(ctx, item if type(item) is dict or isinstance(item, Mapping) else None) == stop:
                    return stopped
        return not stopped

    return test
