"""Reading a Segment-spec event log (JSON Lines) and checking each `track` against the tracking plan.

Bad lines are rejected with their line number and a reason, counted, and skipped: the run goes on.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple


class LogEntry(NamedTuple):
    line: int
    kind: str  # "identify" or "track"
    user_id: str
    time: float  # UTC epoch seconds
    event: str | None
    data: Mapping[str, Any]  # traits (identify) or properties (track)


@dataclass
class Rejection:
    line: int
    reason: str


@dataclass
class ReadLog:
    entries: list[LogEntry] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)


def parse_time(text: str) -> float:
    """An ISO 8601 time (a trailing Z or an offset; no offset means UTC) as epoch seconds."""
    moment = dt.datetime.fromisoformat(text)  # Python 3.11+ reads a trailing Z as UTC
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.timestamp()


_DAYS: dict[int, str] = {}  # days since 1970-01-01 -> "YYYY-MM-DDT", the part of a time that rarely changes


def format_time(seconds: float) -> str:
    """Epoch seconds as an ISO 8601 UTC time to the second (the fraction is dropped), e.g. 2026-03-02T10:00:00Z."""
    whole = math.floor(seconds)
    if seconds - whole >= 0.9999995:  # as datetime does: the fraction is rounded to microseconds first
        whole += 1
    day, rest = divmod(whole, 86400)
    prefix = _DAYS.get(day)
    if prefix is None:
        prefix = _DAYS[day] = (dt.datetime(1970, 1, 1) + dt.timedelta(days=day)).strftime("%Y-%m-%dT")
    return f"{prefix}{rest // 3600:02d}:{rest // 60 % 60:02d}:{rest % 60:02d}Z"


_SCALARS: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "datetime": lambda v: isinstance(v, str),
    "timezone": lambda v: isinstance(v, str),
}


def _anything(_value: Any) -> bool:
    return True


class _Plan:
    """The tracking plan turned into checking functions, once per log: one per event, one per type."""

    def __init__(self, events: Mapping[str, Any], shapes: Mapping[str, Any]) -> None:
        self.shapes = shapes
        self._shape_checks: dict[str, Callable[[Any], bool]] = {}
        self.events = {name: self.properties(plan.get("properties", ())) for name, plan in events.items()}

    def properties(self, props: Iterable[Mapping[str, Any]]) -> Callable[[Mapping[str, Any]], str | None]:
        """A function giving the first problem of a set of values (a property missing or of the wrong type)."""
        checks = [(prop["name"], bool(prop.get("optional")), self.type_check(prop["type"]), prop["type"])
                  for prop in props]  # fmt: skip
        by_name = {name: check for name, _, check, _ in checks}
        required = [name for name, optional, _, _ in checks if not optional]

        def problem(values: Mapping[str, Any]) -> str | None:
            # The usual case at once: the values sent (a few of the many a plan declares) and the required ones.
            fine = True
            for name, value in values.items():
                if value is not None:
                    check = by_name.get(name)
                    if check is not None and not check(value):
                        fine = False
                        break
            if fine:
                for name in required:
                    if values.get(name) is None:
                        fine = False
                        break
            if fine:
                return None
            for name, optional, check, spec in checks:  # a problem: the first one in the plan's order
                value = values.get(name)
                if value is None:
                    if not optional:
                        return f'the required property "{name}" is missing'
                elif not check(value):
                    return f'the property "{name}" is not {_describe(spec)}'
            return None

        return problem

    def type_check(self, spec: Mapping[str, Any]) -> Callable[[Any], bool]:
        kind = spec.get("kind")
        if kind == "scalar":
            return _SCALARS.get(spec.get("name", ""), _anything)
        if kind == "enum":
            values = list(spec.get("values", ()))
            return lambda v: v in values
        if kind == "list":
            item = self.type_check(spec["item"])
            return lambda v: isinstance(v, list) and all(item(x) for x in v)
        if kind == "shape":
            name = spec.get("name", "")
            return lambda v: isinstance(v, dict) and self._shape(name)(v)
        if kind == "object":
            fields = self.properties(spec.get("fields", ()))
            return lambda v: isinstance(v, dict) and fields(v) is None
        return _anything

    def _shape(self, name: str) -> Callable[[Any], bool]:
        """A named shape's check, made on first use (shapes may refer to themselves)."""
        if name not in self._shape_checks:
            shape = self.shapes.get(name)
            self._shape_checks[name] = _anything  # while it is being made
            self._shape_checks[name] = _anything if shape is None else self.type_check(shape)
        return self._shape_checks[name]


def _describe(spec: Mapping[str, Any]) -> str:
    """The type of a property in words, with its article: "an integer", "one of "s", "m"", "a list"."""
    kind = spec.get("kind")
    if kind == "scalar":
        name = str(spec.get("name"))
        return ("an " if name[:1] in "aeiou" else "a ") + name
    if kind == "enum":
        return "one of " + ", ".join(f'"{v}"' for v in spec.get("values", ()))
    if kind == "list":
        return "a list"
    return "an object"


def read_log(lines: Iterable[str], events: Mapping[str, Any], shapes: Mapping[str, Any]) -> ReadLog:
    """Parse and validate every line; `events` is the tracking plan (data/events.json)."""
    out = ReadLog()
    plan = _Plan(events, shapes).events
    accept, reject = out.entries.append, out.rejected.append
    for number, raw in enumerate(lines, start=1):
        try:
            record = json.loads(raw)
        except ValueError as error:
            if raw.strip():
                reject(Rejection(number, f"not JSON ({error.msg})"))
            continue
        problem = _entry_problem(record)
        if problem:
            reject(Rejection(number, problem))
            continue
        try:
            time = parse_time(record["timestamp"])
        except (TypeError, ValueError):
            reject(Rejection(number, f'the timestamp "{record["timestamp"]}" is not an ISO 8601 time'))
            continue
        user = str(record["userId"])
        if record["type"] == "identify":
            accept(LogEntry(number, "identify", user, time, None, record.get("traits") or {}))
            continue
        name, props = record["event"], record.get("properties") or {}
        check = plan.get(name)
        if check is None:
            reject(Rejection(number, f'"{name}" is not in the tracking plan'))
            continue
        problem = check(props)
        if problem:
            reject(Rejection(number, f'"{name}": {problem}'))
            continue
        accept(LogEntry(number, "track", user, time, name, props))
    return out


def _entry_problem(record: Any) -> str | None:
    if type(record) is dict:  # the usual line, checked at once
        kind = record.get("type")
        data = record.get("properties") if kind == "track" else record.get("traits")
        if (
            ((kind == "track" and type(record.get("event")) is str) or kind == "identify")
            and record.get("userId")
            and type(record.get("timestamp")) is str
            and (data is None or type(data) is dict)
        ):
            return None
    if not isinstance(record, dict):
        return "not a JSON object"
    if record.get("type") not in ("identify", "track"):
        return 'the type is neither "identify" nor "track"'
    if not record.get("userId"):
        return "no userId"
    if not isinstance(record.get("timestamp"), str):
        return "no timestamp"
    if record["type"] == "track" and not isinstance(record.get("event"), str):
        return "a track without an event name"
    field_name = "traits" if record["type"] == "identify" else "properties"
    if record.get(field_name) is not None and not isinstance(record[field_name], dict):
        return f"{field_name} is not an object"
    return None
