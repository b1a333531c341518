"""Reading a journey test file (`*.test.toml`, the format of docs/testing.md) into a `JourneyTest`.

Everything a file can get wrong (TOML syntax, an unknown setting, a value of the wrong kind, a time that is not
one, a window the wrong way round) is a `TestFileError` with every problem found, each with its line when it can
be found and in plain words: the run reports it as that file's failure and goes on with the other files.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from journeyc.journey_tests.locate import Locator
from journeyc.runtime.durations import UNITS
from journeyc.runtime.eventlog import parse_time

__all__ = ["Expectation", "JourneyTest", "TestFileError", "TrackedEvent", "read_test"]

_PART = re.compile(r"(\d+)\s*(w|d|h|m|s)")
_ABBREVIATED = {"w": "week", "d": "day", "h": "hour", "m": "minute", "s": "second"}  # as offsets write units: "2d 3h"

MAX_SPAN = 10 * 365 * UNITS["day"]  # every time of a test within 10 years of its start: a scenario, not an epoch
DEFAULT_RUN = 30 * UNITS["day"]  # without `until`, the run goes on 30 days after the last event

_TOP = ("journey", "start", "until", "customers", "events", "expect")
_EVENT = ("at", "customer", "event", "properties")
_EXPECT = ("customer", "channel", "message", "at", "within", "status", "reason", "contains", "not_contains", "fields")
_STATUSES = ("sent", "dropped")
_TIME_EXAMPLE = '"+1h", "+2d 3h" or "2026-03-02T10:00:00Z"'


class TestFileError(Exception):
    """A test file journeyc cannot run: its problems, each a line of the report."""

    __test__ = False  # (not a pytest test class, though its name starts with "Test")

    def __init__(self, problems: list[str], journey: str | None = None) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems
        self.journey = journey  # the journey it names, when that much could be read


@dataclass(frozen=True)
class TrackedEvent:
    """An `[[events]]` entry: a `track` of the customer at `time`."""

    customer: str
    event: str
    properties: Mapping[str, Any]
    time: float


@dataclass(frozen=True)
class Expectation:
    """An `[[expect]]` entry: one message the journey sends, between `low` and `high`, and what its text holds."""

    number: int  # its place among the [[expect]] entries, from 1, as reports name it
    customer: str
    channel: str | None  # None: any channel
    message: str
    low: float
    high: float
    status: str
    reason: str | None  # None: any reason
    contains: tuple[str, ...]  # texts each found in some searched field of the content
    not_contains: tuple[str, ...]  # texts found in none of them
    fields: tuple[str, ...] | None  # the content fields searched; None: every field


@dataclass(frozen=True)
class JourneyTest:
    journey: str
    start: float
    until: float
    customers: Mapping[str, Mapping[str, Any]]  # id -> traits, identified at `start`
    events: list[TrackedEvent]
    expectations: list[Expectation]


def read_test(text: str, shown: str, journeys: Collection[str]) -> JourneyTest:
    """The test in `text` (the file `shown`), for a project with these journeys; TestFileError if it is not one."""
    try:
        spec = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise TestFileError([_toml_problem(error, text, shown)]) from error
    reader = _Reader(shown, Locator(text))
    test = reader.test(spec, journeys)
    if reader.problems or test is None:
        journey = spec.get("journey")
        raise TestFileError(reader.problems, journey if isinstance(journey, str) else None)
    return test


def _toml_problem(error: tomllib.TOMLDecodeError, text: str, shown: str) -> str:
    """`file:line:col: not valid TOML: ...` from tomllib's message, which ends with where it stopped."""
    message = str(error)
    where = re.search(r" \(at line (\d+), column (\d+)\)$", message)
    if where:
        message, position = message[: where.start()], f"{shown}:{where[1]}:{where[2]}"
    elif message.endswith(" (at end of document)"):
        message, position = message.removesuffix(" (at end of document)"), f"{shown}:{text.count(chr(10)) + 1}"
    else:
        position = shown
    return f"{position}: not valid TOML: {message[:1].lower()}{message[1:]}"


def _kind_of(value: Any) -> str:
    """A TOML value's kind in the file's words (never a Python type name)."""
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, dt.datetime):
        return "a date and time"
    if isinstance(value, dt.date):
        return "a date without a time of day"
    return "a time of day without a date"


class _Reader:
    """Reads the parsed TOML, collecting every problem (with its line) instead of stopping at the first."""

    def __init__(self, shown: str, locator: Locator) -> None:
        self.shown = shown
        self.locator = locator
        self.problems: list[str] = []
        self.start = 0.0

    def problem(self, section: tuple[str, int | str] | None, key: str | None, message: str) -> None:
        """Report a problem in a section (None: the top; ("events", 2): the second [[events]]; ("customers", id))."""
        line = self.locator.line(section, key)
        label = "" if section is None else f"{_label(section)}: "
        self.problems.append(f"{self.shown}{'' if line is None else f':{line}'}: {label}{message}")

    def test(self, spec: dict[str, Any], journeys: Collection[str]) -> JourneyTest | None:
        self.known_keys(None, spec, _TOP)
        journey = spec.get("journey")
        if not isinstance(journey, str) or journey not in journeys:
            near = difflib.get_close_matches(journey, sorted(journeys), n=1) if isinstance(journey, str) else []
            got = "it is missing" if journey is None else f"not {_shown_value(journey)}"
            hint = f' (did you mean "{near[0]}"?)' if near else ""
            self.problem(None, "journey", f'"journey" must name a journey of the project, {got}{hint}')
        start = self.time(None, "start", spec.get("start"), relative=False)
        if start is None:
            return None  # every other time is relative to it
        self.start = start
        customers = self.customers(spec.get("customers", {}))
        events = [self.event(n, raw) for n, raw in self.entries("events", spec.get("events", []))]
        expectations = [self.expectation(n, raw) for n, raw in self.entries("expect", spec.get("expect", []))]
        last = max([start, *(e.time for e in events if e is not None)])
        until = last + DEFAULT_RUN if "until" not in spec else self.time(None, "until", spec["until"])
        if self.problems or until is None or not isinstance(journey, str):
            return None
        return JourneyTest(journey, start, until, customers, [e for e in events if e is not None],
                           [e for e in expectations if e is not None])  # fmt: skip

    def known_keys(
        self, section: tuple[str, int | str] | None, table: Mapping[str, Any], known: tuple[str, ...]
    ) -> None:
        for key in table:
            if key not in known:
                near = difflib.get_close_matches(key, known, n=1)
                hint = f'did you mean "{near[0]}"?' if near else "known settings: " + ", ".join(known)
                self.problem(section, key, f'unknown setting "{key}" ({hint})')

    def customers(self, raw: Any) -> dict[str, Mapping[str, Any]]:
        if not isinstance(raw, dict):
            self.problem(None, "customers", f'"customers" must be a table of customers, not {_kind_of(raw)}')
            return {}
        out: dict[str, Mapping[str, Any]] = {}
        for cid, traits in raw.items():
            if isinstance(traits, dict):
                out[cid] = traits
            else:
                self.problem(("customers", cid), None, f"its traits must be a table such as [customers.{cid}]")
        return out

    def entries(self, name: str, raw: Any) -> list[tuple[int, dict[str, Any]]]:
        """The tables of `[[name]]`, numbered from 1."""
        if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
            self.problem(None, name, f'"{name}" must be a list of tables, each starting with [[{name}]]')
            return []
        return list(enumerate(raw, start=1))

    def event(self, n: int, raw: dict[str, Any]) -> TrackedEvent | None:
        section = ("events", n)
        self.known_keys(section, raw, _EVENT)
        customer = self.text(section, "customer", raw.get("customer"), example='"heather"')
        event = self.text(section, "event", raw.get("event"), example='"Checkout Started"')
        properties = raw.get("properties", {})
        if not isinstance(properties, dict):
            self.problem(section, "properties", f'"properties" must be a table, such as {{ order_id = "o1" }}, '
                                                f"not {_kind_of(properties)}")  # fmt: skip
        time = self.time(section, "at", raw.get("at", "+0m"))
        if customer is None or event is None or time is None or not isinstance(properties, dict):
            return None
        return TrackedEvent(customer, event, properties, time)

    def expectation(self, n: int, raw: dict[str, Any]) -> Expectation | None:
        section = ("expect", n)
        self.known_keys(section, raw, _EXPECT)
        customer = self.text(section, "customer", raw.get("customer"), example='"heather"')
        message = self.text(section, "message", raw.get("message"), example='"cart_reminder"')
        channel = self.text(section, "channel", raw["channel"], example='"email"') if "channel" in raw else None
        reason = self.text(section, "reason", raw["reason"], example='"quiet_hours"') if "reason" in raw else None
        status = raw.get("status", "sent")
        if status not in _STATUSES:
            self.problem(section, "status", f'"status" must be "sent" or "dropped", not {_shown_value(status)}')
        low = high = None
        if "within" in raw and "at" in raw:
            self.problem(section, "within", 'give "at" or "within", not both')
        elif "within" in raw:
            low, high = self.window(section, raw["within"])
        else:
            low = high = self.time(section, "at", raw.get("at", "+0m"))
        contains = self.texts(section, "contains", raw.get("contains", []))
        not_contains = self.texts(section, "not_contains", raw.get("not_contains", []))
        fields = self.texts(section, "fields", raw["fields"]) if "fields" in raw else None
        if fields == ():
            self.problem(
                section, "fields", '"fields" must name at least one content field, such as ["subject", "text"]'
            )
        elif fields and not contains and not not_contains:
            self.problem(
                section, "fields", '"fields" is where "contains" and "not_contains" look: give one of them too'
            )
        if (contains or not_contains) and status == "dropped":
            self.problem(section, "contains" if contains else "not_contains",
                         '"contains" and "not_contains" read what was sent: a dropped message has no content')  # fmt: skip
        if customer is None or message is None or low is None or high is None or status not in _STATUSES:
            return None
        if contains is None or not_contains is None:
            return None
        return Expectation(n, customer, channel, message, low, high, status, reason, contains, not_contains, fields)

    def text(self, section: tuple[str, int], key: str, value: Any, example: str) -> str | None:
        if isinstance(value, str) and value:
            return value
        got = "it is missing" if value is None else "not an empty text" if value == "" else f"not {_kind_of(value)}"
        self.problem(section, key, f'"{key}" must be a text such as {example}, {got}')
        return None

    def texts(self, section: tuple[str, int], key: str, value: Any) -> tuple[str, ...] | None:
        """A text or a list of texts, none empty."""
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(item, str) and item for item in items):
            self.problem(section, key, f'"{key}" must be a text or a list of texts, none of them empty')
            return None
        return tuple(items)

    def window(self, section: tuple[str, int], value: Any) -> tuple[float | None, float | None]:
        if not isinstance(value, list) or len(value) != 2:
            self.problem(section, "within", '"within" must be two times, the earliest first, such as ["+1h", "+2h"]')
            return None, None
        low, high = (self.time(section, "within", item) for item in value)
        if low is not None and high is not None and low > high:
            self.problem(section, "within", '"within" must give the earliest time first, such as ["+1h", "+2h"]')
            return None, None
        return low, high

    def time(self, section: tuple[str, int] | None, key: str, value: Any, relative: bool = True) -> float | None:
        """A time: relative to the start ("+1h", "+2d 3h") or absolute (ISO 8601 text, or a TOML date-time)."""
        example = _TIME_EXAMPLE if relative else '"2026-03-02T10:00:00Z"'
        if value is None:
            self.problem(section, key, f'"{key}" is missing: a time such as {example}')
            return None
        if isinstance(value, dt.datetime):
            seconds = (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).timestamp()
        elif not isinstance(value, str):
            self.problem(section, key, f'"{key}" must be a time such as {example}, not {_kind_of(value)}')
            return None
        elif value.strip().startswith("+"):
            offset = _offset(value.strip()[1:])
            if offset is None or not relative:
                what = 'a relative time such as "+1h" or "+2d 3h"' if relative else f"a time such as {example}"
                self.problem(section, key, f'"{value}" is not {what}')
                return None
            if offset > MAX_SPAN:
                self.problem(section, key, f'"{value}" is more than 10 years after "start"')
                return None
            return self.start + offset
        else:
            try:
                seconds = parse_time(value.strip())
            except (ValueError, OverflowError):
                self.problem(section, key, f'"{value}" is not an ISO 8601 time such as "2026-03-02T10:00:00Z"')
                return None
        if relative and abs(seconds - self.start) > MAX_SPAN:
            self.problem(section, key, f'"{value}" is more than 10 years away from "start"')
            return None
        if not relative and not 0 <= seconds < 253402300800:  # 1970 to the end of year 9999
            self.problem(section, key, f'"{value}" is not between 1970 and the year 9999')
            return None
        return seconds


def _offset(text: str) -> int | None:
    """Seconds of "2d 3h" (an int, so that no offset overflows a float before it is bounded); None if not one."""
    parts = _PART.findall(text)
    if not parts or _PART.sub("", text).strip():
        return None
    return sum(int(n) * UNITS[_ABBREVIATED[u]] for n, u in parts)


def _label(section: tuple[str, int | str]) -> str:
    name, which = section
    return {"events": f"event {which}", "expect": f"expect {which}"}.get(name, f'customer "{which}"')


def _shown_value(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else _kind_of(value)
