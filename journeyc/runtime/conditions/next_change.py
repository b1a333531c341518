"""When a condition may next change with no new event, built into a function once (the rules are in data.py,
"Next change"; tests/oracles/conditions.py interprets them plainly and the tests compare the two).

What time cannot change (no history read) is known when the function is built and costs nothing when called; an
`and` / `or` looks at its items cheapest first (those that cannot change, then those without an `in last` window),
so that an item deciding it for good spares the walks over drop times. With the indexes of runtime/history.py a
behaviour's drop times are bisected instead of scanned.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from journeyc.runtime.conditions.compile import Test, compile_path, compile_test, failing
from journeyc.runtime.conditions.context import Context, Matches
from journeyc.runtime.conditions.data import BehaviourCondition, Condition, ListPredicateCondition
from journeyc.runtime.conditions.reads import reads
from journeyc.runtime.conditions.values import against, count_test, value_kind
from journeyc.runtime.conditions.windows import (
    contribution,
    first_flipping_drop,
    first_recent,
    in_window,
    last_seconds,
    measure,
    named,
)

__all__ = ["compile_next_change", "compile_value_and_change"]

# A condition's next change as a function of the context and of the event (or list item) it tests, as in
# compile.Test; always a time after `ctx.now`, or None.
Change = Callable[[Context, Any], "float | None"]


def compile_next_change(condition: Condition | None) -> Callable[[Context], float | None]:
    """The earliest time after `ctx.now` at which the condition may change with no new event, or None, as a
    function of the context built once. Never later than the real change; possibly earlier (evaluate at that time
    and ask again). An unknown kind raises ValueError when it is reached."""
    change = _compile_change(condition)
    if change is _never:
        return _no_change
    return lambda ctx: change(ctx, ctx.event)


def compile_value_and_change(condition: Condition | None) -> Callable[[Context], tuple[bool, float | None]]:
    """`(bool(compile_condition(c)(ctx)), compile_next_change(c)(ctx))` as one function built once: for an `and` /
    `or` (a segment's usual shape) each item is tested once for both, where the two apart test them twice."""
    if condition is None or (condition["kind"] != "and" and condition["kind"] != "or"):
        test, change = compile_test(condition), compile_next_change(condition)
        return lambda ctx: (bool(test(ctx, ctx.event)), change(ctx))
    ranked = _ranked(condition["items"])
    deciding = condition["kind"] == "or"  # as in _compile_and_or_change
    if not ranked or all(moves is _never for _, moves in ranked):
        test = compile_test(condition)
        return lambda ctx: (bool(test(ctx, ctx.event)), None)

    def value_and_change(ctx: Context) -> tuple[bool, float | None]:
        event = ctx.event
        latest = None
        for test, moves in ranked:
            if test(ctx, event) == deciding:  # (the whole has the deciding value too)
                time = moves(ctx, event)
                if time is None:
                    return deciding, None
                latest = time if latest is None else max(latest, time)
        if latest is not None:
            return deciding, latest
        # (`_earliest` of every item's next change, without a generator: a customer in the segment, every time.)
        now, earliest = ctx.now, None
        for _, moves in ranked:
            time = moves(ctx, event)
            if time is not None and time > now and (earliest is None or time < earliest):
                earliest = time
        return not deciding, earliest

    return value_and_change


def _no_change(_ctx: Context) -> None:
    return None


def _never(_ctx: Context, _event: Any) -> None:
    """The change of a condition that reads no history (no behaviour, no `last`): only an event can change it."""
    return None


def _earliest(times: Iterable[float | None], now: float) -> float | None:
    later = [t for t in times if t is not None and t > now]
    return min(later) if later else None


def _compile_change(condition: Condition | None) -> Change:
    if condition is None:
        return _never
    kind = condition["kind"]
    if kind in ("compare", "truthy", "is_set", "is_one_of"):
        return _compile_last_change(sorted(reads(condition).lasts))
    if condition["kind"] == "in_segment":
        return _never
    if condition["kind"] == "behaviour":
        return _compile_behaviour_change(condition)
    if condition["kind"] == "list_predicate":
        return _compile_list_change(condition)
    if condition["kind"] == "and" or condition["kind"] == "or":
        return _compile_and_or_change(condition["kind"] == "or", condition["items"])
    if condition["kind"] == "not":
        return _compile_change(condition["item"])
    return failing(f"unknown condition kind {kind!r}")


def _compile_last_change(events: Sequence[str]) -> Change:
    """A leaf's `last X of` operands change when an event of that name already in history but dated after now
    comes due; a leaf without one only with a new event."""
    if not events:
        return _never

    def change(ctx: Context, _event: Any) -> float | None:
        now = ctx.now
        return _earliest((e.time for name in events for e in named(name, ctx) if e.name == name), now)

    return change


def _compile_behaviour_change(node: BehaviourCondition) -> Change:
    name, window, where = node["event"], node.get("window"), node.get("where")
    seconds = last_seconds(window)
    holds = against(node["op"], node["threshold"])
    keep = None if where is None else compile_test(where)
    moves = _compile_change(where)
    where_moves = None if moves is _never else moves

    def scanned(ctx: Context) -> float | None:
        """Over the history itself (no index): the first drop, arrival of a later-dated event, or change of the
        filter at which the value flips."""
        now, entered_at = ctx.now, ctx.entered_at
        relevant = [e for e in named(name, ctx) if e.name == name and (e.time > now or in_window(e.time, window, now, entered_at))]  # fmt: skip
        candidates: set[float] = set()
        filter_moves = False
        for e in relevant:
            if e.time > now:
                candidates.add(e.time)
            if seconds is not None:
                candidates.add(e.time + seconds)
            if where_moves is not None:
                moved = where_moves(ctx, e.properties)
                if moved is not None:
                    candidates.add(moved)
                    filter_moves = True
        later = sorted(t for t in candidates if t > now)
        if not later:
            return None
        if filter_moves:
            return later[0]  # the filter itself may flip: stay conservative
        # The filter is fixed: find the first drop (or arrival) at which `measure op threshold` flips.
        contributions = [(e.time, contribution(node, e)) for e in relevant if keep is None or keep(ctx, e.properties)]
        current = holds(measure(contributions, window, now, entered_at))
        for t in later:
            if holds(measure(contributions, window, t, entered_at)) != current:
                return t
        return None

    indexed_change = None if seconds is None else _compile_indexed_change(node, seconds)
    node_id = id(node)  # (the function holds the node: its id stays its own)

    def change(ctx: Context, _event: Any) -> float | None:
        indexes = ctx.indexes
        matches = None if indexes is None else indexes.known.get(node_id) or indexes.matches(node)
        if matches is None:
            return scanned(ctx)  # (the event a behaviour's filter tests is each history event's)
        return None if indexed_change is None else indexed_change(matches, ctx.now)

    return change


_ORDERINGS = ("<", "<=", ">", ">=")


def _compile_indexed_change(node: BehaviourCondition, seconds: float) -> Callable[[Matches, float], float | None]:
    """A behaviour's next change for an `in last` window over indexed matches (none after now, a fixed filter), as
    a function of the matches and now, built once: the first drop time at which `measure op threshold` flips. A
    measure that can only go down (a count, or a sum of values >= 0) under an ordering operator flips at most
    once (see `first_flipping_drop`)."""
    counted = node.get("sum_of") is None
    ordering = node["op"] in _ORDERINGS
    op, threshold = node["op"], node["threshold"]
    holds: Callable[[Any], bool] = count_test(op, threshold) if counted else against(op, threshold)

    def change(matches: Matches, now: float) -> float | None:
        times = matches.times
        first = first_recent(times, now, seconds)
        if counted:
            current = holds(len(times) - first)
            return first_flipping_drop(times, None, first, seconds, holds, current, ordering)
        contributions = matches.contributions
        current = holds(sum(contributions[first:]))
        once = ordering and all(value_kind(c) == "number" and c >= 0 for c in contributions[first:])  # (falling)
        return first_flipping_drop(times, contributions, first, seconds, holds, current, once)

    return change


def _compile_list_change(condition: ListPredicateCondition) -> Change:
    where = _compile_change(condition["where"])
    if where is _never:
        return _never
    items_of = compile_path(condition["list"]["parts"])

    def change(ctx: Context, event: Any) -> float | None:
        items = items_of(ctx, event)
        if not isinstance(items, (list, tuple)):
            return None
        return _earliest((where(ctx, item if isinstance(item, Mapping) else None) for item in items), ctx.now)

    return change


def _compile_and_or_change(is_or: bool, items: Sequence[Condition]) -> Change:
    """An `and` that is False now stays False while any of its False items does: it may change only once all of
    them have changed, at the latest of their next changes, and never (None) if one of them cannot change. Dually
    for an `or` that is True now and its True items. Otherwise (every item of an `and` True, of an `or` False) it
    changes as soon as any item does. The items are looked at cheapest first (their order changes no result)."""
    ranked = _ranked(items)
    if all(moves is _never for _, moves in ranked):
        return _never
    deciding = is_or  # an item with this value decides the whole: False in an `and`

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


def _ranked(items: Sequence[Condition]) -> list[tuple[Test, Change]]:
    """The items of an `and` / `or`, each tested and changed, cheapest first (those that cannot change, then those
    without an `in last` window)."""
    parts: list[tuple[Test, Change, Condition]] = [(compile_test(item), _compile_change(item), item) for item in items]
    order = sorted(parts, key=lambda part: (part[1] is not _never, _windowed(part[2])))
    return [(test, moves) for test, moves, _ in order]


def _windowed(node: object) -> bool:
    """Whether a condition holds an `in last` window anywhere (its next change may then walk drop times)."""
    if isinstance(node, Mapping):
        if node.get("kind") == "behaviour" and (node.get("window") or {}).get("kind") == "last":
            return True
        return any(_windowed(value) for value in node.values())
    return isinstance(node, (list, tuple)) and any(_windowed(value) for value in node)
