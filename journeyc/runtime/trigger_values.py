"""The trigger of a run as generated code reads it: the event's properties with every declared one present.

A property the sender left out reads as None (`trigger.coupon`), not as an unknown name, in objects and list
items too; the completion plan of each list of declared properties is worked out once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol


class TriggerEvent(Protocol):
    """What completing an event reads of it: a `conditions.Event`, or a trigger the site previews."""

    @property
    def name(self) -> str: ...

    @property
    def properties(self) -> Mapping[str, Any]: ...


Completer = Callable[[Any], Any]  # a value of a declared type -> the value completed


class TriggerValues:
    def __init__(self, events: Mapping[str, Any], shapes: Mapping[str, Any]) -> None:
        """`events`, `shapes`: the tracking plan (data/events.json, data/shapes.json)."""
        self.events = events
        self.shapes = shapes
        self._plans: dict[int, tuple[Any, list[tuple[str, Completer | None]]]] = {}

    def complete(self, event: TriggerEvent) -> dict[str, Any]:
        """A copy of the event's properties with every declared property present, that a run keeps as its own."""
        return self._complete(event.properties, self.events.get(event.name, {}).get("properties", ()))

    def _complete(self, values: Mapping[str, Any], props: Any) -> dict[str, Any]:
        out = dict(values)
        for name, completer in self._plan(props):
            if completer is None:
                if name not in out:
                    out[name] = None
            else:
                out[name] = completer(out.get(name))
        return out

    def _plan(self, props: Any) -> list[tuple[str, Completer | None]]:
        """The declared properties in order, each with how its values are completed inside (an object, a list,
        a shape; None: kept as they are), worked out once per list of properties."""
        known = self._plans.get(id(props))
        if known is None or known[0] is not props:
            plan = [(prop["name"], self._completer(prop["type"])) for prop in props]
            known = self._plans[id(props)] = (props, plan)
        return known[1]

    def _completer(self, spec: Mapping[str, Any]) -> Completer | None:
        """How a value of this type is completed: an object's missing fields added (its fields' plan worked out
        at its first value), a list's items completed in a new list; None when a value is kept as it is."""
        kind = spec.get("kind")
        if kind == "shape":
            spec = self.shapes.get(spec.get("name", ""), {})
            kind = spec.get("kind")
        if kind == "object":
            fields = spec.get("fields", ())
            return lambda value: self._complete(value, fields) if isinstance(value, dict) else value
        if kind == "list":
            item_spec = spec.get("item")
            if item_spec is None:  # (not a build's: a list declares its items; fails as it always did, on a list)
                return lambda value: [spec["item"] for _ in value] if isinstance(value, list) else value
            item = self._completer(item_spec)
            if item is None:
                return lambda value: list(value) if isinstance(value, list) else value
            return lambda value: [item(one) for one in value] if isinstance(value, list) else value
        return None
