"""Reading a Segment-spec event log (JSON Lines) and checking each `track` against the tracking plan.

Bad lines are rejected with their line number and a reason, counted, and skipped: the run goes on.

A log has millions of lines, so reading it fast matters, and reading it as `json.loads` does matters more. Lines
are read by orjson, three times faster, except those where it could differ from `json.loads`, which read them:
- a line orjson refuses: `json.loads` accepts NaN, Infinity, 1e999 and lone surrogates, and its error messages
  are the reasons given for the lines it refuses too;
- a line orjson would read differently without a word: one with a run of 19 digits or more (orjson makes an
  integer beyond 64 bits a float).
A line nested deeper than both can follow (orjson reads 1024 levels) is rejected as "nested too deeply".
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, NamedTuple

import orjson


class LogEntry(NamedTuple):
    line: int
    kind: str  # "identify" or "track"
    user_id: str
    time: float  # UTC epoch seconds
    event: str | None
    data: Mapping[str, Any]  # traits (identify) or properties (track)

    # A `track` entry is also the customer's event as conditions read it (`conditions.Event`: name, time and
    # properties), so the simulator keeps the entry in the history instead of a copy of it.
    name = property(itemgetter(4))
    properties = property(itemgetter(5))


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
    try:  # the usual shape, 2026-03-02T10:00:00Z, from tables: the hour of a day (read before), minute and second
        return _HOURS[text[:14]] + _MINUTES_SECONDS[text[14:]]
    except (KeyError, TypeError):
        return _read_time(text)


_HOURS: dict[str, float] = {}  # "2026-03-02T10:" -> its epoch seconds, once datetime has read a time of that hour
_MINUTES_SECONDS = {f"{m:02d}:{s:02d}Z": m * 60 + s for m in range(60) for s in range(60)}  # "01:30Z" -> 90
_USUAL_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", re.ASCII)


def _read_time(text: str) -> float:
    """`parse_time` by datetime, which also finds the errors; remembers the hour of a time of the usual shape."""
    moment = dt.datetime.fromisoformat(text)  # Python 3.11+ reads a trailing Z as UTC
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    seconds = moment.timestamp()
    if _USUAL_TIME.fullmatch(text):  # a valid day and hour, valid with any minute and second
        _HOURS[text[:14]] = seconds - _MINUTES_SECONDS[text[14:]]  # exact: whole seconds
    return seconds


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


# The types a scalar property's value may have. Checked by exact type: values read from JSON are of these types,
# never of a subclass (and a boolean is not a number, though bool is a subclass of int).
_SCALAR_TYPES: dict[str, frozenset[type]] = {
    "string": frozenset({str}),
    "number": frozenset({int, float}),
    "integer": frozenset({int}),
    "boolean": frozenset({bool}),
    "datetime": frozenset({str}),
    "timezone": frozenset({str}),
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
        by_name = {name: (check, spec) for name, _, check, spec in checks}  # a name given twice: the last one
        scalar_types = {name: _SCALAR_TYPES[spec.get("name")] for name, (_, spec) in by_name.items()
                        if spec.get("kind") == "scalar" and spec.get("name") in _SCALAR_TYPES}  # fmt: skip
        other_checks = {name: check for name, (check, _) in by_name.items()
                        if name not in scalar_types and check is not _anything}  # fmt: skip
        required = [name for name, optional, _, _ in checks if not optional]

        def problem(values: Mapping[str, Any]) -> str | None:
            # The usual case at once: the values sent (a few of the many a plan declares) and the required ones.
            fine = True
            for name, value in values.items():
                if value is not None:
                    types = scalar_types.get(name)
                    if types is None:
                        check = other_checks.get(name)
                        if check is not None and not check(value):
                            fine = False
                            break
                    elif type(value) not in types:
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
            types = _SCALAR_TYPES.get(spec.get("name", ""))
            return _anything if types is None else lambda v: type(v) in types
        if kind == "enum":
            values = list(spec.get("values", ()))
            return lambda v: v in values
        if kind == "list":
            item = self.type_check(spec["item"])
            return lambda v: isinstance(v, list) and all(map(item, v))
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
    entry = tuple.__new__  # makes a LogEntry without the Python-level __new__ of a NamedTuple
    for number, raw in enumerate(lines, start=1):
        record = _orjson_loads(raw)
        if record is _UNSURE:
            try:
                record = json.loads(raw)
            except ValueError as error:
                if raw.strip():
                    reject(Rejection(number, f"not JSON ({error.msg})"))
                continue
            except RecursionError:
                reject(Rejection(number, "not JSON (nested too deeply)"))
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
            accept(entry(LogEntry, (number, "identify", user, time, None, record.get("traits") or {})))
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
        accept(entry(LogEntry, (number, "track", user, time, name, props)))
    return out


_UNSURE = object()  # what _orjson_loads gives for a line that `json.loads` should read
_DIGITS_AS_ZEROS = bytes.maketrans(b"123456789", b"000000000")
_LONG_NUMBER = b"0" * 19  # an integer of 19 digits or more may be beyond 64 bits


def _orjson_loads(line: str) -> Any:
    """orjson's reading of a line if it is surely the same as `json.loads`'s; else _UNSURE."""
    try:
        data = line.encode()
    except (UnicodeEncodeError, AttributeError):  # a lone surrogate; bytes, which json.loads reads too
        return _UNSURE
    if data.translate(_DIGITS_AS_ZEROS).find(_LONG_NUMBER) >= 0:  # (find is quicker than `in` on bytes)
        return _UNSURE
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return _UNSURE


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
