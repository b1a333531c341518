"""The build's segments, worked out once: the order to evaluate them in, which of them an event or a profile
change may move, and their compiled tests and next-change functions.

A segment can change only through what it reads, so an event re-evaluates only the segments that read it (and
the segments that refer to them), an identify those that read the profile, a time-based check all of them.
"""

from __future__ import annotations

from collections.abc import Collection, Container, Mapping, Sequence
from typing import Any

from journeyc.runtime.conditions import Context, compile_condition, compile_next_change, compile_value_and_change, reads
from journeyc.runtime.conditions.data import Condition, Operand
from journeyc.runtime.history import History, Key, Keys

# A segment's idle shortcut (see `SegmentPlan.idle`): while the customer has none of these events (a single one as
# its name), the segment has this value.
Shortcut = tuple[str | frozenset[str], bool]


class SegmentPlan:
    def __init__(self, segments: Mapping[str, Any], keys: Keys) -> None:
        self.order = _dependency_order(segments)
        segment_reads = {name: reads(segments[name]["condition"]) for name in self.order}
        # The segments that read an event, through the keys of their indexed behaviours (None when they read it
        # otherwise), and the segments that refer to each segment.
        self.readers: dict[str, list[tuple[str, tuple[Key, ...] | None]]] = {}
        for name, read in segment_reads.items():
            for event in sorted(read.events):
                found = [keys.key(node) for node in read.behaviours if node["event"] == event]
                node_keys = tuple(key for key in found if key is not None)
                opaque = event in read.lasts or len(node_keys) < len(found)
                self.readers.setdefault(event, []).append((name, None if opaque else node_keys))
        self.dependents = {name: {name} for name in self.order}  # a segment and those referring to it
        for name in reversed(self.order):  # referring segments come later in the order
            for later in self.order:
                if name in segment_reads[later].segments:
                    self.dependents[name] |= self.dependents[later]
        self.on_profile = self.affected({n for n, r in segment_reads.items() if r.profile})
        # Whether any segment refers to a segment (`in segment`): only then does an evaluation need `in_segment`.
        self.refers = any(r.segments for r in segment_reads.values())
        # Event -> the segments it reads that it can only bring a customer into, never take one out of (see
        # `only_raises`): while the customer is in one, the event need not evaluate it again.
        self.kept_in: dict[str, frozenset[str]] = {
            event: frozenset(name for name, _ in readers if only_raises(segments[name]["condition"], event))
            for event, readers in self.readers.items()
        }
        self.filters = keys.filters  # an indexed behaviour's key -> its filter (see `moved_by`)
        self._affected: dict[tuple[str, ...], list[str]] = {}  # see `moved_by`
        # Each segment's test (is the customer of a context in it now?) and next-change function (when may that
        # change by time alone? None: never).
        self.tests = {name: compile_condition(segments[name]["condition"]) for name in self.order}
        self.changes = {name: compile_next_change(segments[name]["condition"]) for name in self.order}
        # Both at once (each item of an `and` tested once): what the executor evaluates.
        self.states = {name: compile_value_and_change(segments[name]["condition"]) for name in self.order}
        # A segment whose condition reads nothing but the history has, while the customer has none of the events
        # it reads, the value it has over an empty history, and time alone cannot change it (no event to count or
        # to drop out of a window). So has an `and` (an `or`) one of whose items is such a condition and False
        # (True) over an empty history, while the customer has none of that item's events: that item decides it.
        # Segment -> those (events, value) pairs, a single event as its name (`absent`; a set of names is looked
        # up name by name in the customer's events, a name at once), and none whose events hold those of another
        # with its value (that one decides whenever it does). Most customers have none of a segment's events most
        # of the time (a first call, a customer who never ordered), and it spares their evaluation.
        self.idle: dict[str, tuple[Shortcut, ...]] = {}
        for name in self.order:
            condition = segments[name]["condition"]
            parts = [(condition, None)]
            if condition is not None and condition["kind"] in ("and", "or"):
                parts += [(item, condition["kind"] == "or") for item in condition["items"]]
            decided: list[tuple[frozenset[str], bool]] = []
            for part, deciding in parts:
                value = _value_over_no_events(part)
                if value is not None and (deciding is None or value == deciding):
                    decided.append((frozenset(reads(part).events), value))
            shortcuts: list[Shortcut] = []
            for events, value in decided:
                implied = any(other < events and same == value for other, same in decided)
                shortcut = (next(iter(events)) if len(events) == 1 else events, value)
                if not implied and shortcut not in shortcuts:
                    shortcuts.append(shortcut)
            if shortcuts:
                self.idle[name] = tuple(shortcuts)
        # What `moved_by` reads per event: each reader, its index keys (None: read otherwise), whether the event
        # only keeps a member in it, and its idle shortcuts.
        self.reading: dict[str, list[tuple[str, tuple[Key, ...] | None, bool, tuple[Shortcut, ...]]]] = {
            event: [(name, keys, name in self.kept_in[event], self.idle.get(name, ())) for name, keys in readers]
            for event, readers in self.readers.items()
        }

    def affected(self, names: Collection[str]) -> list[str]:
        """`names` and every segment that refers to one of them (directly or not), in evaluation order."""
        found: set[str] = set()
        for name in names:
            found |= self.dependents[name]
        return [name for name in self.order if name in found]

    def moved_by(
        self,
        history: History,
        event: str,
        joined: Container[Key],
        properties: Mapping[str, Any],
        members: Container[str] = (),
    ) -> Sequence[str]:
        """The segments an event (its name, the keys of the indexes it joined, its properties) may have moved for
        a customer in `members`: those that read it, unless
        - only through indexable behaviours whose filters it fails (their measures did not change). A behaviour
          whose index the customer has not built yet (no evaluation needed it so far: an `and` decided by another
          item) has its filter tested here;
        - it can only keep the customer in a segment they are in (`kept_in`);
        - `idle` decides the segment (the customer, this event in their history, still has none of the events
          of a shortcut): it has the value it had at the customer's first evaluation (every segment is evaluated
          at a customer's first call, after a merge and after a build switch, and they had none of those events
          then either: a history only grows), so the customer is in it or not already, and no time-based check
          of it is due;
        with the segments that refer to them."""
        built, filters, named = history.indexes, self.filters, history.named
        moved: tuple[str, ...] = ()
        for name, node_keys, kept, idle in self.reading.get(event, ()):
            if kept and name in members:
                continue
            decided = False
            for absent, _ in idle:  # (a look-up or two, before any filter is tested)
                if (absent not in named) if isinstance(absent, str) else absent.isdisjoint(named):
                    decided = True
                    break
            if decided:
                continue
            if node_keys is None:
                moved += (name,)
                continue
            for key in node_keys:
                # (A key the customer has not built is in no `joined`: the filter decides.)
                if key in joined if key in built else filters[key](properties):
                    moved += (name,)
                    break
        if not moved:
            return ()
        affected = self._affected.get(moved)  # (few distinct sets of segments move together: worked out once each)
        if affected is None:
            affected = self._affected[moved] = self.affected(moved)
        return affected


_EMPTY = Context(0.0, {}, ())
_RISING = (">=", ">")  # a count compared so grows True, never False, as events are added (and `<`, `<=`: False)


def only_raises(condition: Condition | None, event: str, raised: bool = True) -> bool:
    """Whether one more `event` in the history can only turn the condition from False to True (`raised`; else
    only from True to False), never the other way, at that moment and at any later one; and so never make the
    moment at which time alone changes it earlier while it holds (an `in last` window's count drops below its
    threshold later, if anything, with one more event inside). Conservative: False whenever unsure.

    So it is for a count of the event compared with `>=` or `>` (`at least 3 "Product Viewed" in last 30 days`,
    `any "Order Completed"`), under `and` and `or`, and under `not` the other way; a part that does not read the
    event is unchanged by it. A sum (`sum_of`), a `last X of` value of the event, an `==` or `at most` count, a
    filter that reads history, and `in segment` (the other segment may move) are not."""
    if condition is None:
        return True
    if condition["kind"] == "and" or condition["kind"] == "or":
        return all(only_raises(item, event, raised) for item in condition["items"])
    if condition["kind"] == "not":
        return only_raises(condition["item"], event, not raised)
    read = reads(condition)
    if read.segments:
        return False
    if condition["kind"] != "behaviour" or condition["event"] != event:
        return event not in read.events
    where = reads(condition.get("where"))
    rising = condition["op"] in (_RISING if raised else ("<", "<="))
    return rising and condition.get("sum_of") is None and not where.events and not where.segments


def _value_over_no_events(condition: Condition | None) -> bool | None:
    """The value of a condition that reads nothing but the history (see `_history_only`) over a history without
    any of the events it reads, when time alone cannot change it there; None for any other condition."""
    if not _history_only(condition) or compile_next_change(condition)(_EMPTY) is not None:
        return None
    return bool(compile_condition(condition)(_EMPTY))


def _history_only(condition: Condition | None) -> bool:
    """Whether a condition reads nothing but the customer's history: behaviours (whatever their filters, which
    read only the events they test) and comparisons of `last X of` values with constants, in and, or, not."""
    if condition is None or condition["kind"] == "behaviour":
        return True
    if condition["kind"] == "and" or condition["kind"] == "or":
        return all(_history_only(item) for item in condition["items"])
    if condition["kind"] == "not":
        return _history_only(condition["item"])
    if condition["kind"] == "compare":
        return _last_or_constant(condition["left"]) and _last_or_constant(condition["right"])
    if condition["kind"] == "truthy" or condition["kind"] == "is_set":
        return _last_or_constant(condition["operand"])
    if condition["kind"] == "is_one_of":
        return _last_or_constant(condition["operand"]) and all(map(_last_or_constant, condition["values"]))
    return False  # in_segment, list_predicate (over the profile or the trigger), or unknown


def _last_or_constant(node: Operand) -> bool:
    return node["kind"] == "const" or node["kind"] == "last"


def _dependency_order(segments: Mapping[str, Any]) -> list[str]:
    """Segment names, each after the segments it refers to; otherwise by name. (The compiler rejects cycles; a
    cycle left here anyway keeps the name order.)"""
    refers = {name: reads(segments[name]["condition"]).segments & segments.keys() for name in segments}
    order: list[str] = []
    placed: set[str] = set()

    def place(name: str, path: frozenset[str]) -> None:
        if name in placed or name in path:
            return
        for dependency in sorted(refers[name]):
            place(dependency, path | {name})
        placed.add(name)
        order.append(name)

    for name in sorted(segments):
        place(name, frozenset())
    return order
