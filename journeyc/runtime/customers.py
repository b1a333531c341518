"""A customer's state as an executor keeps it, and what merging two customers does to it (identity.py decides
when they merge).

A merge folds the merged customer (most often an anonymous visitor) into the one it now is:
- history: the events of both, in time order (the log's order for events at one instant);
- traits: the customer's own traits win; the merged customer's fill the traits the customer never set. A trait
  set by an `identify` wins over one set from a call's context (`context.timezone`, `context.device.token`);
- segments: the segments either was in; the executor then evaluates every segment again over the merged history
  and profile, and a segment the merged customer newly enters starts its journeys as entering it always does;
- entries: the journeys either entered, with their times, so entry rules count both (`entry once ever` holds
  across the merge);
- the executor moves the runs in progress and the contact policy's counts (caps, suppressions) over too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

from journeyc.runtime.conditions import Context
from journeyc.runtime.history import History, Keys
from journeyc.runtime.identity import ids_of


@dataclass(slots=True)  # (no __dict__: one per customer, and read at every event)
class Customer:
    key: str  # the userId, or the anonymous key of an anonymousId (identity.anonymous_key)
    profile: dict[str, Any]
    history: History
    segments: set[str] = field(default_factory=set)
    entries: dict[str, list[tuple[float, Any]]] = field(default_factory=dict)  # journey -> [(time, key)]
    runs: int = 0  # runs started for this customer (a run's id is "<journey>#<this count then>")
    # The traits an identify set, and those a call's context set (and no identify since). Not a set per customer
    # (100,000 customers: 70 MB): the names of the first identify's traits, then frozensets shared by customers.
    given: AbstractSet[str] = frozenset()
    from_context: frozenset[str] = frozenset()

    @property
    def user_id(self) -> str | None:
        """The customer's userId (None while known only by an anonymousId)."""
        return ids_of(self.key)[0]

    @property
    def anonymous_id(self) -> str | None:
        """The anonymousId of a customer not identified yet (None once identified)."""
        return ids_of(self.key)[1]

    def context(self, now: float, **values: Any) -> Context:
        """A context over this customer (with the history's indexes); `values`: trigger, entered_at, event."""
        return self.history.context(now, self.profile, self.segments.__contains__, **values)

    def set_traits(self, traits: Mapping[str, Any], defaults: Mapping[str, Any]) -> None:
        """An identify's traits; None unsets a trait (it reads as its default again)."""
        self.profile.update(traits)
        if None in traits.values():
            unset = [name for name, value in traits.items() if value is None]
            for name in unset:
                self.profile[name] = defaults.get(name)
            self.given = interned(frozenset(self.given).union(traits).difference(unset))
        elif not self.given:  # (the usual first identify: its own names, no set made; the call is not changed)
            self.given = traits.keys()
        elif not self.given >= traits.keys():
            self.given = interned(frozenset(self.given).union(traits))
        if self.from_context and not self.from_context.isdisjoint(traits):
            self.from_context = interned(self.from_context.difference(traits))

    def set_from_context(self, name: str, value: Any) -> bool:
        """A trait a call's context gives (a time zone, a push token); an identify's own value wins. Whether the
        profile changed."""
        if self.profile.get(name) == value or name in self.given:  # (the usual: the value it has already)
            return False
        self.profile[name] = value
        self.from_context = interned(self.from_context.union((name,)))
        return True

    def set_from_device(self, name: str, value: Any) -> bool:
        """A push token a call's context gives: the latest device's token is the address, whoever set it before.
        Whether the profile changed."""
        if self.profile.get(name) == value:
            return False
        self.profile[name] = value
        self.given = interned(frozenset(self.given).difference((name,)))
        self.from_context = interned(self.from_context.union((name,)))
        return True


_INTERNED: dict[frozenset[str], frozenset[str]] = {}


def interned(names: frozenset[str]) -> frozenset[str]:
    """One shared frozenset per distinct set of trait names (of the first 10,000: traits a profile does not
    declare are kept as sent, so their sets are not bounded by it)."""
    if len(_INTERNED) >= 10_000:
        return _INTERNED.get(names, names)
    return _INTERNED.setdefault(names, names)


def merge_customers(source: Customer, target: Customer, keys: Keys, event_order: Callable[[Any], Any]) -> None:
    """Fold `source` into `target` (see the module's docstring); `event_order` sorts events of one instant."""
    events = sorted([*source.history.events, *target.history.events], key=lambda e: (e.time, event_order(e)))
    target.history = History(keys)
    for event in events:
        target.history.append(event)
    given, from_context = set(target.given), set(target.from_context)  # (then shared frozensets again)
    for name in source.given | source.from_context:
        theirs_wins = name not in given and (name in source.given or name not in from_context)
        if theirs_wins:
            target.profile[name] = source.profile[name]
            (given if name in source.given else from_context).add(name)
    target.given, target.from_context = interned(frozenset(given)), interned(frozenset(from_context - given))
    target.segments |= source.segments
    target.runs += source.runs
    for journey, entered in source.entries.items():
        target.entries[journey] = sorted([*entered, *target.entries.get(journey, ())], key=lambda e: e[0])
