"""Evaluate conditions (the IR's condition model as plain data) over a customer's profile, trigger and history.

A condition arrives as nested mappings, the shape `journeyc.emit.python.data` dumps without source positions,
e.g. `{"kind": "compare", "op": ">=", "left": {"kind": "path", "parts": ["trigger", "value"]},
"right": {"kind": "const", "value": 100}}`. Sequences may be lists or tuples (a generated module writes tuples).
This module imports only the standard library: the runtime never imports the compiler.

Semantics
---------
Operands.
- `{"kind": "const", "value": v}` is `v`.
- `{"kind": "path", "parts": [...]}`: a path of two or more parts starting with `profile` reads `ctx.profile`,
  one starting with `trigger` reads `ctx.trigger` (the trigger event's properties); any other path (including a
  one-part `profile` or `trigger`, which the compiler treats as a bare property) reads `ctx.event`: the event
  being tested inside a `where` filter, or the list item inside a list predicate. Later parts walk nested
  mappings. Anything absent along the way (no such key, `None`, not a mapping) is *missing* (`None`).
- `{"kind": "last", "property": p, "event": e}`: property `p` (dots walk nested objects) of the most recent
  history event named `e` with `time <= now` (on equal times, the later one in `history`); missing if there is
  no such event or it lacks the property (no fall-back to an older event).

Values have kinds: number (int, float, Decimal, ...; never bool), text (str), boolean (bool), collection (list,
tuple, set, mapping) or other (e.g. a datetime object).
- `==` is True when both are present, of the same kind and equal (1 == 1.0; True is not 1; "1" is not 1).
- `!=` is always `not ==`: True when either side is missing or the kinds differ.
- `<`, `<=`, `>`, `>=` are True only when both are present and of the same kind: numbers numerically, texts as
  texts (code-point order, so ISO dates order correctly); booleans and collections never order (False);
  other values of one type (e.g. datetimes) use Python's ordering, and are False if that raises. Nothing here
  ever raises on customer data.
- `is set` is True when the value is not missing (`is not set` the reverse); an empty text is set.
- `is one of` is True when the value `==` one of the constants (missing: False); `is not one of` is its
  negation (missing: True).
- a lone operand (`truthy`) is `bool(value)`, missing is False.

Behaviour (`{"kind": "behaviour", "event", "op", "threshold", "sum_of", "window", "where"}`): take the history
events named `event` that are inside the window at `now`:
- `{"kind": "last", "duration": {"seconds": S}}`: `time <= now < time + S`, i.e. `now - S < time <= now`: an
  event exactly S seconds old is outside (written as `now < time + S` so that the change time that
  `next_change` reports, `time + S`, is exactly where evaluation flips, float rounding included);
- `{"kind": "since_entry"}`: `entered_at <= time <= now`; with `ctx.entered_at` None no event is inside (the
  run has not entered);
- no window: every event with `time <= now`;
and that match `where`, evaluated with `ctx.event` = the event's properties (profile, trigger and the rest of
`ctx` unchanged). The measure is their count, or with `sum_of` the sum of that property (dots walk nested
objects) over them, where a missing or non-numeric value (text, boolean) counts 0. The result is
`measure op threshold`, numerically.

List predicate (`{"kind": "list_predicate", "quantifier", "list", "where"}`): the value at path `list` (read like
any path) if it is a list or tuple, otherwise (missing, text, mapping, ...) an empty list. `any`: some item
matches `where` (evaluated with `ctx.event` = the item); `all`: every item matches (True for an empty list);
`no`: no item matches (True for an empty list).

`{"kind": "in_segment", "segment": name}` is `ctx.in_segment(name)`, False when `ctx.in_segment` is None.
`and` is True when every item is (an empty `and` is True), `or` when some item is (an empty `or` is False),
`not` negates. `evaluate(None, ctx)` is True (no condition). An unknown `kind` raises ValueError: that is a
malformed condition, not customer data.

`next_change(condition, ctx)` is the earliest time `t > ctx.now` at which the condition's value may differ from
its value at `now` with no new event, or None if it cannot change that way. It may be early (the caller
evaluates at `t` and asks again) but is never late. Sources of change:
- an `in last D` window dropping an event: at `time + D`. For a behaviour whose `where` cannot change over time
  the leaf is exact: it walks the drop times in order and returns the first at which `measure op threshold`
  flips (so `no "X" in last 90 days` changes 90 days after the *last* X, and `at least 3 "X" in last 30 days`
  with 4 events changes when the second oldest drops);
- events already in `history` but dated after `now` (not expected, handled conservatively): their time, where
  they would enter a window or become the `last` event;
- nested conditions inside a `where` (filters or list items) are asked too, per relevant event or item.
Profile and trigger values do not change without an event. Segment membership (`in segment`) is opaque here and
contributes no time: a caller that tracks segments asks `next_change` of the segment's own condition.
`not` takes its item's time. An `and` that is True now may change as soon as any item does: the earliest of their
times. One that is False now stays False while any False item does: it may change only once all of them have, at
the latest of their times, and never (None) if one of them cannot change (a customer who never ordered a dress is
no dress enthusiast however time passes, whatever their views do). Dually, an `or` that is False now takes the
earliest time of its items, one that is True now the latest time of its True items (None if one has none). List
predicates take the earliest time among their items (conservative).

Speed, same results. A caller may give `Context.named` (the history by event name) and `Context.matches` (for a
behaviour whose filter reads only the event, the times and contributions of its matching events: see
runtime/history.py); behaviours then bisect instead of scanning. `compile_condition` builds a condition into a
function once (`compile_condition(c)(ctx) == evaluate(c, ctx)`): fields are read and kinds dispatched when it is
built, a comparison with a constant compares plain values (str, int, float) directly, and the event that a filter
or a list predicate tests is passed beside the context instead of in a new Context. `event_filter` makes an
event-only filter a function of the event's properties the same way, with no Context per call.
`compile_next_change` builds `next_change` once (`compile_next_change(c)(ctx) == next_change(c, ctx)`): it knows
which parts time cannot change, and looks at the items of an and/or cheapest first. `evaluate` and `next_change`
stay the references the tests compare them with.
"""

from __future__ import annotations

import numbers
import operator
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any, NamedTuple

__all__ = [
    "Compiled",
    "Context",
    "Event",
    "Matches",
    "Reads",
    "compile_condition",
    "compile_next_change",
    "contribution",
    "evaluate",
    "event_filter",
    "event_only",
    "next_change",
    "reads",
]


class Event(NamedTuple):
    """One event of a customer: its name, when it happened and its properties."""

    name: str
    time: float  # seconds (virtual clock, UTC epoch seconds)
    properties: Mapping[str, Any]


@dataclass(slots=True)
class Matches:
    """What an index knows of one behaviour's events: the times and contributions (1, or the `sum_of` value as
    `contribution` gives it) of the history events that have its name and match its filter, in time order."""

    times: list[float]
    contributions: list[float]


@dataclass(slots=True)
class Context:
    """What a condition reads: the moment, the customer and, inside a filter, the event or list item tested."""

    now: float
    profile: Mapping[str, Any]  # traits, defaults already applied
    history: Sequence[Event]  # the customer's events so far, in time order (including `event` if any)
    trigger: Mapping[str, Any] | None = None  # the properties of the journey's trigger event
    entered_at: float | None = None  # when the run entered (for `since entry` windows)
    event: Mapping[str, Any] | None = None  # inside a `where` filter: the event (or list item) being tested
    in_segment: Callable[[str], bool] | None = None
    # Optional indexes a caller that keeps them may give (the simulator does); the results are the same without.
    named: Mapping[str, Sequence[Event]] | None = None  # `history` by event name, each in the same order
    # For a behaviour node, its Matches when every event of `history` is at or before `now` and the node's
    # filter reads only the event (see `event_only`); None when the caller cannot answer (then `history` is read).
    matches: Callable[[Mapping[str, Any]], Matches | None] | None = None

    def with_event(self, event: Mapping[str, Any] | None) -> Context:
        """This context testing another event or list item (a cheaper `dataclasses.replace`)."""
        return Context(self.now, self.profile, self.history, self.trigger, self.entered_at, event, self.in_segment,
                       self.named, self.matches)  # fmt: skip


# --- values -----------------------------------------------------------------------------------------------------


_KINDS = {bool: "boolean", int: "number", float: "number", str: "text", list: "collection", dict: "collection"}


def _value_kind(value: Any) -> str:
    known = _KINDS.get(type(value))  # the common types at once; subclasses and the rest below
    if known is not None:
        return known
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (numbers.Real, Decimal)):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, (list, tuple, set, frozenset, Mapping)):
        return "collection"
    return "other"


def _equal(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return False
    kind = _value_kind(a)
    if kind != _value_kind(b):
        return False
    if kind == "other" and type(a) is not type(b):
        return False
    try:
        return bool(a == b)
    except Exception:
        return False


_OPS = ("==", "!=", "<", "<=", ">", ">=")


def _compare(op: str, a: Any, b: Any) -> bool:
    if op not in _OPS:
        raise ValueError(f"unknown comparison operator {op!r}")
    if op == "==":
        return _equal(a, b)
    if op == "!=":
        return not _equal(a, b)
    if a is None or b is None:
        return False
    kind = _value_kind(a)
    if kind != _value_kind(b) or kind in ("boolean", "collection"):
        return False
    if kind == "other" and type(a) is not type(b):
        return False
    try:
        if op == "<":
            return bool(a < b)
        if op == "<=":
            return bool(a <= b)
        if op == ">":
            return bool(a > b)
        return bool(a >= b)
    except Exception:
        return False


def _number(value: Any) -> float:
    """A property as a number for `sum_of`: missing or not a number (text, boolean) counts 0."""
    if _value_kind(value) != "number":
        return 0
    return value if isinstance(value, (int, float)) else float(value)  # Decimal and float do not add


def _walk(value: Any, parts: Iterable[str]) -> Any:
    for part in parts:
        if type(value) is not dict and not isinstance(value, Mapping):  # (a dict, the usual case, at once)
            return None
        value = value.get(part)
    return value


def _path_source(parts: Sequence[str]) -> tuple[str, Sequence[str]]:
    """Where a path reads, "profile", "trigger" or "event", and the parts it walks there."""
    if len(parts) > 1 and parts[0] in ("profile", "trigger"):
        return parts[0], parts[1:]
    return "event", parts


def _read_path(parts: Sequence[str], ctx: Context) -> Any:
    source, rest = _path_source(parts)
    return _walk(ctx.profile if source == "profile" else ctx.trigger if source == "trigger" else ctx.event, rest)


def _named(name: str, ctx: Context) -> Sequence[Event]:
    """The history events that may be named `name` (all of them without the `named` index)."""
    return ctx.history if ctx.named is None else ctx.named.get(name, ())


def _last_event(name: str, ctx: Context) -> Event | None:
    latest: Event | None = None
    for event in _named(name, ctx):
        if event.name == name and event.time <= ctx.now and (latest is None or event.time >= latest.time):
            latest = event
    return latest


def _operand(node: Mapping[str, Any], ctx: Context) -> Any:
    kind = node.get("kind")
    if kind == "const":
        return node.get("value")
    if kind == "path":
        return _read_path(tuple(node["parts"]), ctx)
    if kind == "last":
        latest = _last_event(node["event"], ctx)
        return None if latest is None else _walk(latest.properties, str(node["property"]).split("."))
    raise ValueError(f"unknown operand kind {kind!r}")


# --- behaviour --------------------------------------------------------------------------------------------------


def _window_seconds(window: Mapping[str, Any]) -> float:
    duration = window.get("duration") or {}
    return duration["seconds"]


def _in_window(time: float, window: Mapping[str, Any] | None, now: float, entered_at: float | None) -> bool:
    if time > now:
        return False
    if window is None:
        return True
    kind = window.get("kind")
    if kind == "last":
        return now < time + _window_seconds(window)
    if kind == "since_entry":
        return entered_at is not None and time >= entered_at
    raise ValueError(f"unknown window kind {kind!r}")


def _matches_where(where: Mapping[str, Any] | None, event: Event, ctx: Context) -> bool:
    return where is None or evaluate(where, ctx.with_event(event.properties))


def contribution(node: Mapping[str, Any], event: Event) -> float:
    """What one matching event adds to a behaviour's measure: 1 for a count, the `sum_of` value for a sum."""
    sum_of = node.get("sum_of")
    return 1 if sum_of is None else _number(_walk(event.properties, str(sum_of).split(".")))


def _measure(contributions: Iterable[tuple[float, float]], node: Mapping[str, Any], now: float, ctx: Context) -> Any:
    """Count or sum, at `now`, over (time, contribution) pairs of events already known to match name and filter."""
    window = node.get("window")
    return sum(c for t, c in contributions if _in_window(t, window, now, ctx.entered_at))


def _first_inside(matches: Matches, window: Mapping[str, Any] | None, now: float, entered_at: float | None) -> int:
    """The index of the first of `matches` inside the window at `now` (all of them are at or before `now`)."""
    if window is None:
        return 0
    kind = window.get("kind")
    if kind == "last":
        return _first_recent(matches.times, now, _window_seconds(window))
    if kind == "since_entry":
        return len(matches.times) if entered_at is None else bisect_left(matches.times, entered_at)
    raise ValueError(f"unknown window kind {kind!r}")


def _first_recent(times: Sequence[float], now: float, seconds: float) -> int:
    """The index of the first of the (sorted) times inside an `in last` window, `now < time + seconds`: a bisection
    on `now - seconds`, then a step or two to where that exact test turns True (it may differ from
    `time > now - seconds` by a float rounding, and it only turns True once along the times)."""
    first = bisect_right(times, now - seconds)
    while first > 0 and now < times[first - 1] + seconds:
        first -= 1
    while first < len(times) and not now < times[first] + seconds:
        first += 1
    return first


def _indexed_measure(node: Mapping[str, Any], matches: Matches, first: int) -> Any:
    """The count or sum over matches[first:], added up in the same order as `_measure` (same float rounding)."""
    if node.get("sum_of") is None:
        return len(matches.times) - first
    return sum(matches.contributions[first:])


def _behaviour(node: Mapping[str, Any], ctx: Context) -> bool:
    window = node.get("window")
    matches = ctx.matches(node) if ctx.matches is not None else None
    if matches is not None:
        measure = _indexed_measure(node, matches, _first_inside(matches, window, ctx.now, ctx.entered_at))
        return _compare(node["op"], measure, node["threshold"])
    where = node.get("where")
    contributions = [
        (e.time, contribution(node, e))
        for e in _named(node["event"], ctx)
        if e.name == node["event"]
        and _in_window(e.time, window, ctx.now, ctx.entered_at)
        and _matches_where(where, e, ctx)
    ]
    return _compare(node["op"], _measure(contributions, node, ctx.now, ctx), node["threshold"])


def _list_items(node: Mapping[str, Any], ctx: Context) -> Sequence[Any]:
    value = _read_path(tuple(node["list"]["parts"]), ctx)
    return value if isinstance(value, (list, tuple)) else ()


def _item_matches(where: Mapping[str, Any], item: Any, ctx: Context) -> bool:
    return evaluate(where, ctx.with_event(item if isinstance(item, Mapping) else None))


# --- evaluate ---------------------------------------------------------------------------------------------------


def evaluate(condition: Mapping[str, Any] | None, ctx: Context) -> bool:
    """The condition's value for `ctx` (None, no condition, is True). See the module docstring."""
    if condition is None:
        return True
    kind = condition.get("kind")
    if kind == "compare":
        return _compare(condition["op"], _operand(condition["left"], ctx), _operand(condition["right"], ctx))
    if kind == "truthy":
        return bool(_operand(condition["operand"], ctx))
    if kind == "is_set":
        present = _operand(condition["operand"], ctx) is not None
        return present != bool(condition.get("negated"))
    if kind == "is_one_of":
        value = _operand(condition["operand"], ctx)
        found = any(_equal(value, _operand(v, ctx)) for v in condition.get("values") or ())
        return found != bool(condition.get("negated"))
    if kind == "in_segment":
        return bool(ctx.in_segment(condition["segment"])) if ctx.in_segment is not None else False
    if kind == "behaviour":
        return _behaviour(condition, ctx)
    if kind == "list_predicate":
        items = _list_items(condition, ctx)
        where = condition["where"]
        quantifier = condition["quantifier"]
        if quantifier == "any":
            return any(_item_matches(where, item, ctx) for item in items)
        if quantifier == "all":
            return all(_item_matches(where, item, ctx) for item in items)
        if quantifier == "no":
            return not any(_item_matches(where, item, ctx) for item in items)
        raise ValueError(f"unknown list quantifier {quantifier!r}")
    if kind == "and":
        return all(evaluate(item, ctx) for item in condition["items"])
    if kind == "or":
        return any(evaluate(item, ctx) for item in condition["items"])
    if kind == "not":
        return not evaluate(condition["item"], ctx)
    raise ValueError(f"unknown condition kind {kind!r}")


# --- compiled ---------------------------------------------------------------------------------------------------

Compiled = Callable[[Context], bool]
# Inside, a condition compiles to a function of the context and of the event (or list item) it tests, given apart
# from the context: a filter then tests each event, and a list predicate each item, without building a Context.
_Test = Callable[[Context, Any], bool]
_Operand = Callable[[Context, Any], Any]


def compile_condition(condition: Mapping[str, Any] | None) -> Compiled:
    """The condition as a function of the context, built once: `compile_condition(c)(ctx) == evaluate(c, ctx)` for
    every context (an unknown kind raises ValueError when reached, as `evaluate` does), without dispatching on
    kinds and reading the condition's fields at every call."""
    if condition is None:
        return _always
    test = _compile(condition)
    return lambda ctx: test(ctx, ctx.event)


def _always(_ctx: Context) -> bool:
    return True


def _compile(condition: Mapping[str, Any] | None) -> _Test:
    if condition is None:
        return _true
    kind = condition.get("kind")
    if kind == "compare":
        return _compile_compare(condition["op"], condition["left"], condition["right"])
    if kind == "truthy":
        operand = _compile_operand(condition["operand"])
        return lambda ctx, event: bool(operand(ctx, event))
    if kind == "is_set":
        operand, negated = _compile_operand(condition["operand"]), bool(condition.get("negated"))
        return lambda ctx, event: (operand(ctx, event) is not None) != negated
    if kind == "is_one_of":
        return _compile_one_of(condition)
    if kind == "in_segment":
        segment = condition["segment"]
        return lambda ctx, _event: bool(ctx.in_segment(segment)) if ctx.in_segment is not None else False
    if kind == "behaviour":
        return _compile_behaviour(condition)
    if kind == "list_predicate":
        return _compile_list(condition)
    if kind in ("and", "or"):
        return _compile_and_or(kind, [_compile(item) for item in condition["items"]])
    if kind == "not":
        item = _compile(condition["item"])
        return lambda ctx, event: not item(ctx, event)
    return _failing(f"unknown condition kind {kind!r}")


def _true(_ctx: Context, _event: Any) -> bool:
    return True


def _false(_ctx: Context, _event: Any) -> bool:
    return False


def _failing(message: str) -> Callable[..., Any]:
    def fail(*_args: Any) -> Any:
        raise ValueError(message)

    return fail


def _compile_and_or(kind: str, items: list[_Test]) -> _Test:
    """`all` or `any` of the items without a generator per call: one or two items (the usual case) directly."""
    if not items:
        return _true if kind == "and" else _false
    if len(items) == 1:
        return items[0]
    if len(items) == 2:
        first, second = items
        if kind == "and":
            return lambda ctx, event: first(ctx, event) and second(ctx, event)
        return lambda ctx, event: first(ctx, event) or second(ctx, event)
    deciding = kind == "or"  # an item with this value decides the whole: False in an `and`, True in an `or`

    def test(ctx: Context, event: Any) -> bool:
        for item in items:
            if item(ctx, event) == deciding:
                return deciding
        return not deciding

    return test


# Against a constant, the types whose plain comparison gives `_compare`'s answer, by the constant's type: a str
# against a str, an int or float against an int or float (`type(True)` is bool, not int: booleans are not numbers).
_PLAIN: dict[type, tuple[type, ...]] = {str: (str,), int: (int, float), float: (int, float)}
_OPERATORS = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt,
              ">=": operator.ge}  # fmt: skip
_MIRRORED = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}  # `c < v` is `v > c`


def _against(op: str, constant: Any, constant_first: bool = False) -> Callable[[Any], bool]:
    """`_compare(op, value, constant)` (or `_compare(op, constant, value)`) as a function of the value, built once.

    Comparing with a constant is the usual case (`category == "dresses"`, `total >= 100`, a behaviour's threshold):
    for a value of a plain type (see `_PLAIN`) the plain comparison is the answer, and anything else (None, a
    boolean, a Decimal, a subclass, ...) takes `_compare`."""
    plain = _PLAIN.get(type(constant))
    if plain is None or op not in _OPERATORS:
        if constant_first:
            return lambda value: _compare(op, constant, value)
        return lambda value: _compare(op, value, constant)
    test = _OPERATORS[_MIRRORED[op] if constant_first else op]  # value <op> constant
    if constant_first:
        return lambda value: test(value, constant) if type(value) in plain else _compare(op, constant, value)
    return lambda value: test(value, constant) if type(value) in plain else _compare(op, value, constant)


def _compile_compare(op: str, left_node: Mapping[str, Any], right_node: Mapping[str, Any]) -> _Test:
    left, right = _compile_operand(left_node), _compile_operand(right_node)
    if right_node.get("kind") == "const":
        check = _against(op, right_node.get("value"))
        return lambda ctx, event: check(left(ctx, event))
    if left_node.get("kind") == "const":
        check = _against(op, left_node.get("value"), constant_first=True)
        return lambda ctx, event: check(right(ctx, event))
    return lambda ctx, event: _compare(op, left(ctx, event), right(ctx, event))


def _compile_one_of(condition: Mapping[str, Any]) -> _Test:
    operand, negated = _compile_operand(condition["operand"]), bool(condition.get("negated"))
    values = [_compile_operand(v) for v in condition.get("values") or ()]

    def test(ctx: Context, event: Any) -> bool:
        value = operand(ctx, event)
        for candidate in values:
            if _equal(value, candidate(ctx, event)):
                return not negated
        return negated

    return test


def _compile_operand(node: Mapping[str, Any]) -> _Operand:
    kind = node.get("kind")
    if kind == "const":
        value = node.get("value")
        return lambda _ctx, _event: value
    if kind == "path":
        return _compile_path(tuple(node["parts"]))
    if kind == "last":
        name, property_path = node["event"], str(node["property"]).split(".")

        def last(ctx: Context, _event: Any) -> Any:
            latest = _last_event(name, ctx)
            return None if latest is None else _walk(latest.properties, property_path)

        return last
    return _failing(f"unknown operand kind {kind!r}")


def _compile_path(parts: Sequence[str]) -> _Operand:
    """A path read as `_read_path` reads it; reading one part of a dict (`category`, `profile.tier`: the usual
    case) is a single `get`."""
    source, rest = _path_source(parts)
    if len(rest) == 1:
        key = rest[0]
        if source == "profile":
            return lambda ctx, _event: p.get(key) if type(p := ctx.profile) is dict else _walk(p, rest)
        if source == "trigger":
            return lambda ctx, _event: t.get(key) if type(t := ctx.trigger) is dict else _walk(t, rest)
        return lambda _ctx, event: event.get(key) if type(event) is dict else _walk(event, rest)
    if source == "profile":
        return lambda ctx, _event: _walk(ctx.profile, rest)
    if source == "trigger":
        return lambda ctx, _event: _walk(ctx.trigger, rest)
    return lambda _ctx, event: _walk(event, rest)


def _compile_behaviour(node: Mapping[str, Any]) -> _Test:
    name, window, where = node["event"], node.get("window"), node.get("where")
    check = _against(node["op"], node["threshold"])
    keep = None if where is None else _compile(where)
    seconds = _window_seconds(window) if window is not None and window.get("kind") == "last" else None
    counted = node.get("sum_of") is None  # (as `contribution` and `_indexed_measure` have it)

    def behaviour(ctx: Context, _event: Any) -> bool:
        matches = ctx.matches(node) if ctx.matches is not None else None
        if matches is not None:  # `_indexed_measure` over `_first_inside`, the `in last` case at once
            times = matches.times
            if seconds is not None:
                first = _first_recent(times, ctx.now, seconds)
            else:
                first = _first_inside(matches, window, ctx.now, ctx.entered_at)
            return check(len(times) - first if counted else sum(matches.contributions[first:]))
        contributions = [
            (e.time, contribution(node, e))
            for e in _named(name, ctx)
            if e.name == name
            and _in_window(e.time, window, ctx.now, ctx.entered_at)
            and (keep is None or keep(ctx, e.properties))
        ]
        return check(_measure(contributions, node, ctx.now, ctx))

    return behaviour


def _compile_list(condition: Mapping[str, Any]) -> _Test:
    items_of, where, quantifier = (
        _compile_path(tuple(condition["list"]["parts"])),
        _compile(condition["where"]),
        condition["quantifier"],
    )
    if quantifier not in ("any", "all", "no"):
        return _failing(f"unknown list quantifier {quantifier!r}")
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


def event_filter(condition: Mapping[str, Any] | None) -> Callable[[Mapping[str, Any] | None], bool]:
    """An event-only condition (see `event_only`) made into a function of the event's properties, built once: its
    compiled form given the event alone, over one shared context that holds nothing else (which is all it reads;
    no context is built per call, and none is changed)."""
    return partial(_compile(condition), _NOTHING_ELSE)


_NOTHING_ELSE = Context(0.0, {}, ())


# --- next_change ------------------------------------------------------------------------------------------------


def next_change(condition: Mapping[str, Any] | None, ctx: Context) -> float | None:
    """The earliest time after `ctx.now` at which the condition may change with no new event, or None.

    Never later than the real change; possibly earlier (evaluate at that time and ask again).
    """
    return _earliest(_changes(condition, ctx), ctx.now)


def _earliest(times: Iterable[float | None], now: float) -> float | None:
    later = [t for t in times if t is not None and t > now]
    return min(later) if later else None


def _changes(condition: Mapping[str, Any] | None, ctx: Context) -> list[float | None]:
    """Candidate change times of a condition (possibly some <= now or None, which the caller drops)."""
    if condition is None:
        return []
    kind = condition.get("kind")
    if kind == "compare":
        return [*_operand_changes(condition["left"], ctx), *_operand_changes(condition["right"], ctx)]
    if kind in ("truthy", "is_set"):
        return _operand_changes(condition["operand"], ctx)
    if kind == "is_one_of":
        times = _operand_changes(condition["operand"], ctx)
        for value in condition.get("values") or ():
            times.extend(_operand_changes(value, ctx))
        return times
    if kind == "in_segment":
        return []
    if kind == "behaviour":
        return [_behaviour_change(condition, ctx)]
    if kind == "list_predicate":
        where = condition["where"]
        return [
            _earliest(_changes(where, ctx.with_event(item if isinstance(item, Mapping) else None)), ctx.now)
            for item in _list_items(condition, ctx)
        ]
    if kind in ("and", "or"):
        return [_and_or_change(condition, ctx)]
    if kind == "not":
        return _changes(condition["item"], ctx)
    raise ValueError(f"unknown condition kind {kind!r}")


def _and_or_change(condition: Mapping[str, Any], ctx: Context) -> float | None:
    """An `and` that is False now stays False while any of its False items does: it may change only once all of
    them have changed, at the latest of their next changes, and never (None) if one of them cannot change. Dually
    for an `or` that is True now and its True items. Otherwise (every item of an `and` True, of an `or` False) it
    changes as soon as any item does."""
    deciding = condition["kind"] == "or"  # an item with this value decides the whole: False in an `and`
    latest = None  # the latest next change among the items holding the deciding value so far
    for item in condition["items"]:
        if evaluate(item, ctx) == deciding:
            time = next_change(item, ctx)
            if time is None:
                return None  # that item decides the whole until an event comes
            latest = time if latest is None else max(latest, time)
    if latest is not None:
        return latest
    return _earliest((next_change(item, ctx) for item in condition["items"]), ctx.now)


def _operand_changes(node: Mapping[str, Any], ctx: Context) -> list[float | None]:
    """A `last` operand changes when an event of that name already in history but dated after now comes due."""
    if node.get("kind") != "last":
        return []
    return [e.time for e in _named(node["event"], ctx) if e.name == node["event"] and e.time > ctx.now]


def _behaviour_change(node: Mapping[str, Any], ctx: Context) -> float | None:
    window = node.get("window")
    matches = ctx.matches(node) if ctx.matches is not None else None
    if matches is None:
        return _scanned_change(node, ctx)
    if window is None or window.get("kind") != "last":
        return None  # indexed: no event after now, and a fixed filter
    return _indexed_change(node, matches, _window_seconds(window), ctx.now)


def _scanned_change(node: Mapping[str, Any], ctx: Context) -> float | None:
    """`_behaviour_change` over the history itself (no index)."""
    window = node.get("window")
    where = node.get("where")
    seconds = _window_seconds(window) if window is not None and window.get("kind") == "last" else None
    relevant = [
        e
        for e in _named(node["event"], ctx)
        if e.name == node["event"] and (e.time > ctx.now or _in_window(e.time, window, ctx.now, ctx.entered_at))
    ]
    candidates: set[float] = set()
    where_moves = False
    for e in relevant:
        if e.time > ctx.now:
            candidates.add(e.time)
        if seconds is not None:
            candidates.add(e.time + seconds)
        if where is not None:
            moved = _earliest(_changes(where, ctx.with_event(e.properties)), ctx.now)
            if moved is not None:
                candidates.add(moved)
                where_moves = True
    later = sorted(t for t in candidates if t > ctx.now)
    if not later:
        return None
    if where_moves:
        return later[0]  # the filter itself may flip: stay conservative
    # The filter is fixed: find the first drop (or arrival) at which `measure op threshold` flips.
    contributions = [(e.time, contribution(node, e)) for e in relevant if _matches_where(where, e, ctx)]
    op, threshold = node["op"], node["threshold"]
    current = _compare(op, _measure(contributions, node, ctx.now, ctx), threshold)
    for t in later:
        if _compare(op, _measure(contributions, node, t, ctx), threshold) != current:
            return t
    return None


_ORDERINGS = ("<", "<=", ">", ">=")


def _indexed_change(
    node: Mapping[str, Any], matches: Matches, seconds: float, now: float, holds: Callable[[Any], bool] | None = None
) -> float | None:
    """`_behaviour_change` for an `in last` window over indexed matches (none after now, a fixed filter): the first
    drop time at which `measure op threshold` flips (`holds(measure)`, given by a caller that built it once).
    A measure that can only go down (a count, or a sum of values >= 0) under an ordering operator flips at most
    once, so that drop is found by bisection; otherwise the drops are walked in order, as the scan walks them."""
    times = matches.times
    count = len(times)
    first = _first_recent(times, now, seconds)
    if first == count:
        return None
    if holds is None:
        holds = _against(node["op"], node["threshold"])
    contributions = None if node.get("sum_of") is None else matches.contributions

    def value(k: int) -> bool:
        """The value once the events before k have dropped out (matches[k:] left inside), added up as
        `_indexed_measure` adds them."""
        return holds(count - k if contributions is None else sum(contributions[k:]))

    current = value(first)
    falling = contributions is None or all(_value_kind(c) == "number" and c >= 0 for c in contributions[first:])
    if falling and node["op"] in _ORDERINGS:
        if value(count) == current:
            return None  # not even once every event has dropped out: it never flips (the usual answer)
        low, high = first + 1, count  # the first k whose drop flips the value: every later one flips it too
        while low < high:
            middle = (low + high) // 2
            if value(middle) != current:  # (events dropping together flip together: the time is that of their drop)
                high = middle
            else:
                low = middle + 1
        return times[low - 1] + seconds
    k = first + 1
    while k <= count:
        drop = times[k - 1] + seconds
        while k < count and times[k] + seconds == drop:  # events that drop out together (their times sorted)
            k += 1
        if value(k) != current:
            return drop
        k += 1
    return None


# --- next_change, compiled -------------------------------------------------------------------------------------

# A condition's next change as a function of the context and of the event (or list item) it tests, as in `_Test`.
_Change = Callable[[Context, Any], "float | None"]


def compile_next_change(condition: Mapping[str, Any] | None) -> Callable[[Context], float | None]:
    """`next_change` built once: `compile_next_change(c)(ctx) == next_change(c, ctx)` for every context (an unknown
    kind raises ValueError when reached).

    It is cheaper in two ways: what cannot change with time (no history read) is known when it is built and costs
    nothing when called; and an `and` / `or` looks at its items cheapest first (those that cannot change, then those
    without an `in last` window), so that an item deciding it for good spares the walks over drop times."""
    change = _compile_change(condition)
    if change is _never:
        return _no_change
    return lambda ctx: change(ctx, ctx.event)


def _no_change(_ctx: Context) -> None:
    return None


def _never(_ctx: Context, _event: Any) -> None:
    """The change of a condition that reads no history (no behaviour, no `last`): only an event can change it."""
    return None


def _compile_change(condition: Mapping[str, Any] | None) -> _Change:
    if condition is None:
        return _never
    kind = condition.get("kind")
    if kind in ("compare", "truthy", "is_set", "is_one_of"):
        if not reads(condition).lasts:
            return _never
        return lambda ctx, _event: _earliest(_changes(condition, ctx), ctx.now)  # (a `last` reads no event)
    if kind == "in_segment":
        return _never
    if kind == "behaviour":
        return _compile_behaviour_change(condition)
    if kind == "list_predicate":
        return _compile_list_change(condition)
    if kind in ("and", "or"):
        return _compile_and_or_change(kind, condition["items"])
    if kind == "not":
        return _compile_change(condition["item"])
    return _failing(f"unknown condition kind {kind!r}")


def _compile_behaviour_change(node: Mapping[str, Any]) -> _Change:
    window = node.get("window")
    seconds = _window_seconds(window) if window is not None and window.get("kind") == "last" else None
    holds = _against(node["op"], node["threshold"])

    def change(ctx: Context, _event: Any) -> float | None:
        matches = ctx.matches(node) if ctx.matches is not None else None
        if matches is None:
            return _scanned_change(node, ctx)  # (the event a behaviour's filter tests is each history event's)
        return None if seconds is None else _indexed_change(node, matches, seconds, ctx.now, holds)

    return change


def _compile_list_change(condition: Mapping[str, Any]) -> _Change:
    where = _compile_change(condition["where"])
    if where is _never:
        return _never
    items_of = _compile_path(tuple(condition["list"]["parts"]))

    def change(ctx: Context, event: Any) -> float | None:
        items = items_of(ctx, event)
        if not isinstance(items, (list, tuple)):
            return None
        return _earliest((where(ctx, item if isinstance(item, Mapping) else None) for item in items), ctx.now)

    return change


def _compile_and_or_change(kind: str, items: Sequence[Mapping[str, Any]]) -> _Change:
    """`_and_or_change`, looking at the items cheapest first (their order changes no result)."""
    parts = [(_compile(item), _compile_change(item), item) for item in items]
    if all(moves is _never for _, moves, _ in parts):
        return _never
    order = sorted(parts, key=lambda part: (part[1] is not _never, _windowed(part[2])))
    ranked = [(test, moves) for test, moves, _ in order]
    deciding = kind == "or"  # an item with this value decides the whole: False in an `and`

    def change(ctx: Context, event: Any) -> float | None:
        latest = None  # the latest next change among the items holding the deciding value so far
        for test, moves in ranked:
            if test(ctx, event) == deciding:
                time = moves(ctx, event)
                if time is None:
                    return None  # that item decides the whole until an event comes: no need to look further
                latest = time if latest is None else max(latest, time)
        if latest is not None:
            return latest
        return _earliest((moves(ctx, event) for _, moves in ranked), ctx.now)

    return change


def _windowed(node: Any) -> bool:
    """Whether a condition holds an `in last` window anywhere (its next change may then walk drop times)."""
    if isinstance(node, Mapping):
        if node.get("kind") == "behaviour" and (node.get("window") or {}).get("kind") == "last":
            return True
        return any(_windowed(value) for value in node.values())
    return isinstance(node, (list, tuple)) and any(_windowed(value) for value in node)


# --- what a condition reads -------------------------------------------------------------------------------------


def event_only(condition: Mapping[str, Any] | None) -> bool:
    """True when the condition (a `where` filter) reads nothing but the event or item it tests and constants: no
    profile, trigger, history or segment. Its value for one event then never changes, so it can be indexed."""
    if condition is None:
        return True
    kind = condition.get("kind")
    if kind == "compare":
        return _operand_event_only(condition["left"]) and _operand_event_only(condition["right"])
    if kind in ("truthy", "is_set"):
        return _operand_event_only(condition["operand"])
    if kind == "is_one_of":
        return _operand_event_only(condition["operand"]) and all(
            _operand_event_only(v) for v in condition.get("values") or ()
        )
    if kind == "list_predicate":
        return _operand_event_only(condition["list"]) and event_only(condition["where"])
    if kind in ("and", "or"):
        return all(event_only(item) for item in condition["items"])
    if kind == "not":
        return event_only(condition["item"])
    return False  # behaviour, in_segment, or unknown


def _operand_event_only(node: Mapping[str, Any]) -> bool:
    kind = node.get("kind")
    if kind == "const":
        return True
    if kind == "path":
        parts = tuple(node["parts"])
        return not (len(parts) > 1 and parts[0] in ("profile", "trigger"))
    return False


@dataclass
class Reads:
    """What a condition depends on: the events it reads from history (through which behaviour nodes, at any
    depth, and which through `last X of`), whether it reads the profile or the trigger, the segments it refers
    to."""

    events: set[str]
    profile: bool
    trigger: bool
    segments: set[str]
    behaviours: list[Mapping[str, Any]]
    lasts: set[str]


def reads(condition: Mapping[str, Any] | None) -> Reads:
    out = Reads(set(), False, False, set(), [], set())
    _collect_reads(condition, out)
    return out


def _collect_reads(condition: Mapping[str, Any] | None, out: Reads) -> None:
    if condition is None:
        return
    kind = condition.get("kind")
    if kind == "compare":
        _operand_reads(condition["left"], out)
        _operand_reads(condition["right"], out)
    elif kind in ("truthy", "is_set"):
        _operand_reads(condition["operand"], out)
    elif kind == "is_one_of":
        _operand_reads(condition["operand"], out)
        for value in condition.get("values") or ():
            _operand_reads(value, out)
    elif kind == "in_segment":
        out.segments.add(condition["segment"])
    elif kind == "behaviour":
        out.events.add(condition["event"])
        out.behaviours.append(condition)
        _collect_reads(condition.get("where"), out)
    elif kind == "list_predicate":
        _operand_reads(condition["list"], out)
        _collect_reads(condition["where"], out)
    elif kind in ("and", "or"):
        for item in condition["items"]:
            _collect_reads(item, out)
    elif kind == "not":
        _collect_reads(condition["item"], out)
    else:
        raise ValueError(f"unknown condition kind {kind!r}")


def _operand_reads(node: Mapping[str, Any], out: Reads) -> None:
    kind = node.get("kind")
    if kind == "last":
        out.events.add(node["event"])
        out.lasts.add(node["event"])
    elif kind == "path":
        parts = tuple(node["parts"])
        out.profile |= len(parts) > 1 and parts[0] == "profile"
        out.trigger |= len(parts) > 1 and parts[0] == "trigger"
