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
_MOST_SHAPES = 256  # the sets of keys sent whose missing properties a plan keeps (the others are found each time)


class _Plan:
    """How the values of one list of declared properties are completed (see `TriggerValues._plan`)."""

    __slots__ = ("completers", "missing", "names")

    def __init__(self, names: list[str], completers: list[tuple[str, Completer]]) -> None:
        self.names = names  # every declared property, in order
        self.completers = completers  # those whose values are completed inside (an object, a list, a shape)
        # The keys of values as sent (in order) -> the declared properties they leave out, each None, in order.
        self.missing: dict[tuple[str, ...], dict[str, None]] = {}


class TriggerValues:
    def __init__(self, events: Mapping[str, Any], shapes: Mapping[str, Any]) -> None:
        """`events`, `shapes`: the tracking plan (data/events.json, data/shapes.json)."""
        self.events = events
        self.shapes = shapes
        self._plans: dict[int, tuple[Any, _Plan]] = {}
        self._by_event: dict[str, _Plan] = {}  # event name -> the plan of its properties

    def complete(self, event: TriggerEvent) -> dict[str, Any]:
        """A copy of the event's properties with every declared property present, that a run keeps as its own."""
        plan = self._by_event.get(event.name)
        if plan is None:
            plan = self._by_event[event.name] = self._plan(self.events.get(event.name, {}).get("properties", ()))
        return self._complete(event.properties, plan)

    @staticmethod
    def _complete(values: Mapping[str, Any], plan: _Plan) -> dict[str, Any]:
        out = dict(values)
        # The declared properties left out go after those sent, in declared order, each None (what completing a
        # missing value gives, an object's or a list's too: they complete only a dict or a list). The same keys
        # sent leave out the same ones: found once per set of keys.
        keys = tuple(out)
        missing = plan.missing.get(keys)
        if missing is None:
            missing = {name: None for name in plan.names if name not in out}
            if len(plan.missing) < _MOST_SHAPES:
                plan.missing[keys] = missing
        if missing:
            out.update(missing)
        for name, completer in plan.completers:
            value = out[name]
            if value is not None:
                out[name] = completer(value)
        return out

    def _plan(self, props: Any) -> _Plan:
        """The declared properties in order, and how the values of those of an object, a list or a shape are
        completed inside, worked out once per list of properties."""
        known = self._plans.get(id(props))
        if known is None or known[0] is not props:
            names = [prop["name"] for prop in props]
            completers = [(prop["name"], self._completer(prop["type"])) for prop in props]
            plan = _Plan(names, [(name, completer) for name, completer in completers if completer is not None])
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
            plans: list[_Plan] = []  # (its plan at its first value: a shape may hold itself)

            def complete_object(value: Any) -> Any:
                if not isinstance(value, dict):
                    return value
                if not plans:
                    plans.append(self._plan(fields))
                return self._complete(value, plans[0])

            return complete_object
        if kind == "list":
            item_spec = spec.get("item")
            if item_spec is None:  # (not a build's: a list declares its items; fails as it always did, on a list)
                return lambda value: [spec["item"] for _ in value] if isinstance(value, list) else value
            item = self._completer(item_spec)
            if item is None:
                return lambda value: list(value) if isinstance(value, list) else value
            return lambda value: [item(one) for one in value] if isinstance(value, list) else value
        return None
