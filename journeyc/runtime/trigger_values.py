"""The trigger of a run as generated code reads it: the event's properties with every declared one present.

A property the sender left out reads as None (`trigger.coupon`), not as an unknown name, in objects and list
items too; the completion plan of each list of declared properties is worked out once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


class TriggerEvent(Protocol):
    """What completing an event reads of it: a `conditions.Event`, or a trigger the site previews."""

    @property
    def name(self) -> str: ...

    @property
    def properties(self) -> Mapping[str, Any]: ...


class TriggerValues:
    def __init__(self, events: Mapping[str, Any], shapes: Mapping[str, Any]) -> None:
        """`events`, `shapes`: the tracking plan (data/events.json, data/shapes.json)."""
        self.events = events
        self.shapes = shapes
        self._plans: dict[int, tuple[Any, list[tuple[str, Mapping[str, Any] | None]]]] = {}

    def complete(self, event: TriggerEvent) -> dict[str, Any]:
        """A copy of the event's properties with every declared property present, that a run keeps as its own."""
        return self._complete(event.properties, self.events.get(event.name, {}).get("properties", ()))

    def _complete(self, values: Mapping[str, Any], props: Any) -> dict[str, Any]:
        out = dict(values)
        for name, spec in self._plan(props):
            if spec is None:
                if name not in out:
                    out[name] = None
            else:
                out[name] = self._value(out.get(name), spec)
        return out

    def _plan(self, props: Any) -> list[tuple[str, Mapping[str, Any] | None]]:
        """The declared properties in order, each with its type when values of it may need completing inside
        (an object, a list, a shape), worked out once per list of properties."""
        known = self._plans.get(id(props))
        if known is None or known[0] is not props:
            plan = [(prop["name"], prop["type"] if prop["type"].get("kind") in ("object", "list", "shape") else None)
                    for prop in props]  # fmt: skip
            known = self._plans[id(props)] = (props, plan)
        return known[1]

    def _value(self, value: Any, spec: Mapping[str, Any]) -> Any:
        kind = spec.get("kind")
        if kind == "shape":
            spec = self.shapes.get(spec.get("name", ""), {})
            kind = spec.get("kind")
        if kind == "object" and isinstance(value, dict):
            return self._complete(value, spec.get("fields", ()))
        if kind == "list" and isinstance(value, list):
            return [self._value(item, spec["item"]) for item in value]
        return value
