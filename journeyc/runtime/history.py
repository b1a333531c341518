"""A customer's event history, kept with the indexes that make conditions cheap to evaluate over it.

`History` holds the events in time order, the same events by name, and, for each behaviour whose filter reads
only the event (`conditions.event_only`), the times and contributions of the events that match it, kept up to
date as events arrive. Its `context` gives conditions those indexes (it is the context's `Indexes`); the
results are the same as a scan of the whole history, only faster. Events must be appended in time order and
conditions evaluated at or after the last one (the simulator's clock only moves forward).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Set
from typing import Any

from journeyc.runtime.conditions import Context, Event, Matches, contribution, event_filter, event_only
from journeyc.runtime.conditions.data import BehaviourCondition

Key = int  # an index's number: equal behaviours (event name, filter, sum_of) share one index
Keep = Callable[[Mapping[str, Any] | None], bool]  # a filter as a function of the event's properties


class Keys:
    """Which behaviour nodes can be indexed, under which key, and their filters made into functions. Shared by
    every customer's history."""

    def __init__(self) -> None:
        self._by_id: dict[int, tuple[BehaviourCondition, Key | None]] = {}  # holds the node: its id stays its own
        # (event name, the filter as canonical JSON, sum_of) -> its key: a small int, hashed at once where a
        # customer's indexes and an event's joined keys are looked up
        self._numbers: dict[tuple[str, str, str | None], Key] = {}
        self.filters: dict[Key, Keep] = {}

    def key(self, node: BehaviourCondition) -> Key | None:
        """The key of a behaviour's index; None when its filter reads more than the event (it is not indexed)."""
        known = self._by_id.get(id(node))
        if known is not None and known[0] is node:
            return known[1]
        where = node.get("where")
        key = None
        if event_only(where):
            key = self._numbers.setdefault(
                (node["event"], json.dumps(where, sort_keys=True), node.get("sum_of")), len(self._numbers)
            )
            self.filters.setdefault(key, event_filter(where))
        self._by_id[id(node)] = (node, key)
        return key


_NOTHING: frozenset[Key] = frozenset()


class History:
    """One customer's events, by time and by name, with the behaviour indexes built so far: the `Indexes` of the
    contexts it gives."""

    __slots__ = ("_by_event", "_keys", "events", "indexes", "known", "named")

    def __init__(self, keys: Keys) -> None:
        self.events: list[Event] = []
        self.named: dict[str, list[Event]] = {}
        self._keys = keys
        self.indexes: dict[Key, Matches] = {}  # by key, each built on the first evaluation that needs it
        # event -> (key, its filter, node, index, whether each match adds 1): the indexes an event may join
        self._by_event: dict[str, list[tuple[Key, Keep, BehaviourCondition, Matches, bool]]] = {}
        # id of a node Keys holds (so the id stays its own) -> its index, once built (`Indexes.known`)
        self.known: dict[int, Matches] = {}

    def append(self, event: Event) -> Set[Key]:
        """Add an event no earlier than any before it; returns the keys of the indexes it joined."""
        self.events.append(event)
        name = event.name
        same = self.named.get(name)
        if same is None:
            self.named[name] = [event]
        else:
            same.append(event)
        indexes = self._by_event.get(name)
        if not indexes:
            return _NOTHING
        joined: set[Key] | None = None
        properties = event.properties
        for key, keep, node, matches, counted in indexes:
            if keep(properties):
                matches.times.append(event.time)
                matches.contributions.append(1 if counted else contribution(node, event))
                if joined is None:
                    joined = {key}
                else:
                    joined.add(key)
        return _NOTHING if joined is None else joined

    def matches(self, node: BehaviourCondition) -> Matches | None:
        """The index of a behaviour node, built on first use; None if its filter reads more than the event."""
        known = self.known.get(id(node))
        if known is not None:
            return known
        key = self._keys.key(node)  # (Keys now holds the node; it knows the nodes that are not indexed)
        if key is None:
            return None
        matches = self.indexes.get(key)
        if matches is None:
            keep = self._keys.filters[key]
            events = [e for e in self.named.get(node["event"], ()) if keep(e.properties)]
            counted = node.get("sum_of") is None  # (as `contribution` has it: each adds 1)
            contributions: list[float] = [1] * len(events) if counted else [contribution(node, e) for e in events]
            matches = self.indexes[key] = Matches([e.time for e in events], contributions)
            self._by_event.setdefault(node["event"], []).append((key, keep, node, matches, counted))
        self.known[id(node)] = matches
        return matches

    def context(
        self,
        now: float,
        profile: Mapping[str, Any],
        in_segment: Callable[[str], bool] | None,
        *,
        trigger: Mapping[str, Any] | None = None,
        entered_at: float | None = None,
        event: Mapping[str, Any] | None = None,
    ) -> Context:
        """A context over this history and its indexes."""
        return Context(now, profile, self.events, trigger, entered_at, event, in_segment, self)
