"""Reading a Segment-spec event log (JSON Lines) and checking each `track` against the tracking plan.

Bad lines are rejected with their line number and a reason, counted, and skipped: the run goes on.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class LogEntry:
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
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.timestamp()


def format_time(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_TYPES = {
    "string": lambda v: isinstance(v, str),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "datetime": lambda v: isinstance(v, str),
    "timezone": lambda v: isinstance(v, str),
}


def _type_ok(value: Any, spec: Mapping[str, Any], shapes: Mapping[str, Any]) -> bool:
    kind = spec.get("kind")
    if kind == "scalar":
        return _TYPES.get(spec.get("name", ""), lambda _v: True)(value)
    if kind == "enum":
        return value in spec.get("values", ())
    if kind == "list":
        return isinstance(value, list) and all(_type_ok(v, spec["item"], shapes) for v in value)
    if kind == "shape":
        shape = shapes.get(spec.get("name", ""))
        return isinstance(value, dict) and (shape is None or _type_ok(value, shape, shapes))
    if kind == "object":
        return isinstance(value, dict) and not _property_problem(value, spec.get("fields", ()), shapes)
    return True


def _property_problem(values: Mapping[str, Any], props: Iterable[Mapping[str, Any]], shapes) -> str | None:
    for prop in props:
        name = prop["name"]
        if name not in values or values[name] is None:
            if not prop.get("optional"):
                return f'the required property "{name}" is missing'
            continue
        if not _type_ok(values[name], prop["type"], shapes):
            return f'the property "{name}" is not a {_describe(prop["type"])}'
    return None


def _describe(spec: Mapping[str, Any]) -> str:
    kind = spec.get("kind")
    if kind == "scalar":
        return str(spec.get("name"))
    if kind == "enum":
        return "choice of " + ", ".join(f'"{v}"' for v in spec.get("values", ()))
    if kind == "list":
        return "list"
    return "object"


def read_log(lines: Iterable[str], events: Mapping[str, Any], shapes: Mapping[str, Any]) -> ReadLog:
    """Parse and validate every line; `events` is the tracking plan (data/events.json)."""
    out = ReadLog()
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except ValueError as error:
            out.rejected.append(Rejection(number, f"not JSON ({error.msg})"))
            continue
        problem = _entry_problem(record)
        if problem:
            out.rejected.append(Rejection(number, problem))
            continue
        try:
            time = parse_time(record["timestamp"])
        except (TypeError, ValueError):
            out.rejected.append(Rejection(number, f'the timestamp "{record["timestamp"]}" is not an ISO 8601 time'))
            continue
        user = str(record["userId"])
        if record["type"] == "identify":
            out.entries.append(LogEntry(number, "identify", user, time, None, record.get("traits") or {}))
            continue
        name, props = record["event"], record.get("properties") or {}
        plan = events.get(name)
        if plan is None:
            out.rejected.append(Rejection(number, f'"{name}" is not in the tracking plan'))
            continue
        problem = _property_problem(props, plan.get("properties", ()), shapes)
        if problem:
            out.rejected.append(Rejection(number, f'"{name}": {problem}'))
            continue
        out.entries.append(LogEntry(number, "track", user, time, name, props))
    return out


def _entry_problem(record: Any) -> str | None:
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
