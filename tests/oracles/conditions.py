"""The rules of journeyc/runtime/conditions/data.py read as plainly as possible: an interpreter of conditions.

`evaluate(condition, ctx)` and `next_change(condition, ctx)` walk the condition at every call, scan the whole
history for every behaviour (they ignore the context's `indexes`) and test a filter's event or a list item in a
new Context. Only tests call them: the runtime's compiled functions
(`compile_condition`, `compile_next_change`) must give what they give. How values compare (values.py) is shared:
it is tested on its own, value by value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from journeyc.runtime.conditions import Context, Event
from journeyc.runtime.conditions.values import as_number, compare, equal, path_source, walk


def evaluate(condition: Mapping[str, Any] | None, ctx: Context) -> bool:
    """The condition's value in `ctx` (None, no condition, is True)."""
    if condition is None:
        return True
    kind = condition.get("kind")
    if kind == "compare":
        return compare(condition["op"], _operand(condition["left"], ctx), _operand(condition["right"], ctx))
    if kind == "truthy":
        return bool(_operand(condition["operand"], ctx))
    if kind == "is_set":
        present = _operand(condition["operand"], ctx) is not None
        return present != bool(condition.get("negated"))
    if kind == "is_one_of":
        value = _operand(condition["operand"], ctx)
        found = any(equal(value, _operand(v, ctx)) for v in condition["values"])
        return found != bool(condition.get("negated"))
    if kind == "in_segment":
        return bool(ctx.in_segment(condition["segment"])) if ctx.in_segment is not None else False
    if kind == "behaviour":
        return compare(condition["op"], _measure(condition, ctx, ctx.now), condition["threshold"])
    if kind == "list_predicate":
        matches = [_item_matches(condition["where"], item, ctx) for item in _list_items(condition, ctx)]
        quantifier = condition["quantifier"]
        if quantifier == "any":
            return any(matches)
        if quantifier == "all":
            return all(matches)
        if quantifier == "no":
            return not any(matches)
        raise ValueError(f"unknown list quantifier {quantifier!r}")
    if kind == "and":
        return all(evaluate(item, ctx) for item in condition["items"])
    if kind == "or":
        return any(evaluate(item, ctx) for item in condition["items"])
    if kind == "not":
        return not evaluate(condition["item"], ctx)
    raise ValueError(f"unknown condition kind {kind!r}")


def _operand(node: Mapping[str, Any], ctx: Context) -> Any:
    kind = node.get("kind")
    if kind == "const":
        return node["value"]
    if kind == "path":
        return _read_path(node["parts"], ctx)
    if kind == "last":
        latest = _last_event(node["event"], ctx)
        return None if latest is None else walk(latest.properties, str(node["property"]).split("."))
    raise ValueError(f"unknown operand kind {kind!r}")


def _read_path(parts: Any, ctx: Context) -> Any:
    source, rest = path_source(tuple(parts))
    return walk({"profile": ctx.profile, "trigger": ctx.trigger, "event": ctx.event}[source], rest)


def _last_event(name: str, ctx: Context) -> Event | None:
    """The most recent event named `name` at or before now; on equal times the later one in the history."""
    at_or_before = [(e.time, n, e) for n, e in enumerate(ctx.history) if e.name == name and e.time <= ctx.now]
    return max(at_or_before, key=lambda row: row[:2])[2] if at_or_before else None


def _seconds(window: Mapping[str, Any]) -> float:
    return window["duration"]["seconds"]


def _in_window(time: float, window: Mapping[str, Any] | None, now: float, entered_at: float | None) -> bool:
    if time > now:
        return False
    if window is None:
        return True
    if window["kind"] == "last":
        return now < time + _seconds(window)
    if window["kind"] == "since_entry":
        return entered_at is not None and time >= entered_at
    raise ValueError(f"unknown window kind {window['kind']!r}")


def _matches_where(where: Mapping[str, Any] | None, event: Event, ctx: Context) -> bool:
    return where is None or evaluate(where, ctx.with_event(event.properties))


def _contribution(node: Mapping[str, Any], event: Event) -> float:
    sum_of = node.get("sum_of")
    return 1 if sum_of is None else as_number(walk(event.properties, str(sum_of).split(".")))


def _measure(node: Mapping[str, Any], ctx: Context, at: float) -> float:
    """The behaviour's count or sum at time `at` over the history's events of its name that match its filter."""
    window = node.get("window")
    return sum(
        _contribution(node, e)
        for e in ctx.history
        if e.name == node["event"]
        and _in_window(e.time, window, at, ctx.entered_at)
        and _matches_where(node.get("where"), e, ctx)
    )


def _list_items(node: Mapping[str, Any], ctx: Context) -> Any:
    value = _read_path(node["list"]["parts"], ctx)
    return value if isinstance(value, (list, tuple)) else ()


def _item_matches(where: Mapping[str, Any], item: Any, ctx: Context) -> bool:
    return evaluate(where, ctx.with_event(item if isinstance(item, Mapping) else None))


# --- next change ------------------------------------------------------------------------------------------------


def next_change(condition: Mapping[str, Any] | None, ctx: Context) -> float | None:
    """The earliest time after `ctx.now` at which the condition may change with no new event, or None."""
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
        for value in condition["values"]:
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
    """A False `and` (a True `or`) changes once all its False (True) items have, never if one of them cannot;
    otherwise as soon as any item does."""
    deciding = condition["kind"] == "or"  # an item with this value decides the whole: False in an `and`
    deciders = [next_change(item, ctx) for item in condition["items"] if evaluate(item, ctx) == deciding]
    if deciders:
        return None if None in deciders else max(t for t in deciders if t is not None)
    return _earliest((next_change(item, ctx) for item in condition["items"]), ctx.now)


def _operand_changes(node: Mapping[str, Any], ctx: Context) -> list[float | None]:
    """A `last` operand changes when an event of that name already in history but dated after now comes due."""
    if node.get("kind") != "last":
        return []
    return [e.time for e in ctx.history if e.name == node["event"] and e.time > ctx.now]


def _behaviour_change(node: Mapping[str, Any], ctx: Context) -> float | None:
    """Every moment an event drops out of the window, a later-dated event arrives or a filter changes is a
    candidate; with a filter that cannot change, the first candidate at which the value flips."""
    window = node.get("window")
    seconds = _seconds(window) if window is not None and window["kind"] == "last" else None
    relevant = [
        e
        for e in ctx.history
        if e.name == node["event"] and (e.time > ctx.now or _in_window(e.time, window, ctx.now, ctx.entered_at))
    ]
    candidates: set[float] = set()
    filter_moves = False
    for e in relevant:
        if e.time > ctx.now:
            candidates.add(e.time)
        if seconds is not None:
            candidates.add(e.time + seconds)
        if node.get("where") is not None:
            moved = next_change(node["where"], ctx.with_event(e.properties))
            if moved is not None:
                candidates.add(moved)
                filter_moves = True
    later = sorted(t for t in candidates if t > ctx.now)
    if not later or filter_moves:
        return later[0] if later else None
    current = evaluate(node, ctx)
    for t in later:
        if evaluate(node, replace(ctx, now=t)) != current:
            return t
    return None
