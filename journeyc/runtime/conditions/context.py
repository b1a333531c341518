"""What a condition is read in: the customer's events, the context of one evaluation, and the optional indexes
a caller that keeps them (runtime/history.py) may give so that behaviours bisect instead of scanning."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from journeyc.runtime.conditions.data import BehaviourCondition

__all__ = ["Context", "Event", "Indexes", "Matches"]


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


class Indexes(Protocol):
    """The indexes over `Context.history` a caller that keeps them gives (runtime/history.py's History); the
    results are the same without them, only slower."""

    @property
    def named(self) -> Mapping[str, Sequence[Event]]:
        """The history by event name, each in the same order."""

    @property
    def known(self) -> Mapping[int, Matches]:
        """The Matches `matches` gave so far, by `id(node)`: a behaviour reads its own with one dict look-up
        instead of a call (a node not in it asks `matches`)."""

    def matches(self, node: BehaviourCondition) -> Matches | None:
        """For a behaviour node, its Matches when every event of the history is at or before the context's `now`
        and the node's filter reads only the event (see `event_only`); None when the caller cannot answer (then
        the history is read)."""


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
    indexes: Indexes | None = None  # optional, from a caller that keeps them (the simulator does)

    def with_event(self, event: Mapping[str, Any] | None) -> Context:
        """This context testing another event or list item (a cheaper `dataclasses.replace`)."""
        return Context(self.now, self.profile, self.history, self.trigger, self.entered_at, event, self.in_segment,
                       self.indexes)  # fmt: skip
