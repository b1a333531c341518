"""One Segment call (a dict, as a log line or the HTTP tracking API carries it) in, an accepted, normalised
`LogEntry` or the problems that reject it out: what the event log reader and a live intake share.

What is read, after Segment's spec (Common fields, Identify, Track, Page, Screen, Group, Alias):
- `type`: identify, track, page, screen, group or alias. Page, screen and group calls are accepted; journeys and
  segments read only track events (the tracking plan), so they count, link ids and carry context, nothing more.
- `userId` or `anonymousId`, at least one: text (the spec's String; a number is rejected: send "7", not 7), with
  no control character. null or "" is the same as leaving the id out.
- the time: `timestamp`, or `originalTimestamp` when there is none, or `receivedAt`; ISO 8601, in the years 1
  to 9999 (UTC).
- `messageId`: the reader applies a call once per messageId.
- `context.timezone` (a time zone name, kept when it is one) and `context.device.token` (a push address).
- track: `event` and `properties`, checked against the tracking plan (plan_types). An e-commerce v1 name that
  Segment aliases to a v2 event ("Completed Order") is read as that v2 event when the plan has it.
- identify: `traits`, checked against the profile trait by trait (profile.py): a bad trait is left out with a
  problem, the call is kept.
- alias: `previousId`, merged into `userId`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import Any, NamedTuple

from journeyc.runtime.plan_types import Problem, TypeChecks, shown
from journeyc.runtime.profile import ProfileReader
from journeyc.runtime.times import parse_time
from journeyc.runtime.zones import zone_named

CALL_TYPES = ("identify", "track", "page", "screen", "group", "alias")
_KNOWN_TYPES = frozenset(CALL_TYPES)

# The e-commerce v1 names Segment's v2 spec says are aliased to its v2 events.
V1_EVENT_NAMES = {
    "Viewed Product Category": "Product List Viewed",
    "Viewed Promotion": "Promotion Viewed",
    "Clicked Promotion": "Promotion Clicked",
    "Clicked Product": "Product Clicked",
    "Viewed Product": "Product Viewed",
    "Added Product": "Product Added",
    "Removed Product": "Product Removed",
    "Started Order": "Checkout Started",
    "Viewed Checkout Step": "Checkout Step Viewed",
    "Completed Checkout Step": "Checkout Step Completed",
    "Updated Order": "Order Updated",
    "Completed Order": "Order Completed",
}


class _Call(NamedTuple):
    """The fields of an accepted call (LogEntry)."""

    line: int
    kind: str  # one of CALL_TYPES
    user_id: str | None
    time: float  # UTC epoch seconds
    event: str | None  # track: the event (its v2 name); page, screen: the page's or screen's name, if any
    data: Mapping[str, Any]  # identify: the traits to set; track, page, screen: the properties; else empty
    anonymous_id: str | None = None
    previous_id: str | None = None  # alias: the id merged into user_id
    timezone: str | None = None  # context.timezone, when it names a time zone
    device_token: str | None = None  # context.device.token
    message_id: str | None = None


class LogEntry(_Call):
    """An accepted call, normalised.

    A `track` entry is also the customer's event as conditions read it (`conditions.Event`: name, time and
    properties), so the simulator keeps the entry in the history instead of a copy of it."""

    __slots__ = ()  # (no __dict__: one per event of every customer's history)
    # (Read at every event: an item getter is faster than a method.)
    name = property(itemgetter(4))
    properties = property(itemgetter(5))


Reading = tuple[LogEntry | None, Sequence[Problem]]  # (the entry, or None when rejected; the problems)
_FINE: tuple[Problem, ...] = ()
_NOTHING: Mapping[str, Any] = {}
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_TIME_FIELDS = ("timestamp", "originalTimestamp", "receivedAt")


class CallReader:
    """The tracking plan (data/events.json, data/shapes.json) and the profile (data/profile.json; None: traits
    are not checked) made into checks once; `read` reads one call."""

    def __init__(self, events: Mapping[str, Any], shapes: Mapping[str, Any], profile: Mapping[str, Any] | None) -> None:
        checks = TypeChecks(shapes)
        # An event's name (as sent) -> its check and the name it is known by (a v1 name's v2 event).
        self.events = {name: (checks.properties(plan.get("properties", ()), "properties"), name)
                       for name, plan in events.items()}  # fmt: skip
        for old, new in V1_EVENT_NAMES.items():
            if new in self.events and old not in self.events:
                self.events[old] = (self.events[new][0], new)
        self.profile = ProfileReader(profile, checks)
        # The context.timezone names `_context` accepted (at most the IANA names), each to the one string kept for
        # it: the entries of a zone hold that string, not a copy each (a log has millions of calls).
        self.zones: dict[str, str] = {}

    def read(self, record: Any, line: int = 0) -> Reading:
        """One call, with the number of its line (0 when it has none)."""
        if type(record) is not dict:
            return None, [Problem("", "not a JSON object")]
        kind = record.get("type")
        if kind != "track" and kind != "identify" and (type(kind) is not str or kind not in _KNOWN_TYPES):
            return None, [_unknown_type(kind)]
        user_id, anonymous_id = record.get("userId"), record.get("anonymousId")
        # (The usual ids at once: a userId, or an anonymousId with or without one, of printable text, which has no
        # control character. `_ids` reads the others.)
        if anonymous_id is None:
            usual = type(user_id) is str and user_id and user_id.isprintable()
        else:
            usual = (type(anonymous_id) is str and anonymous_id and anonymous_id.isprintable()
                     and (user_id is None or (type(user_id) is str and user_id and user_id.isprintable())))  # fmt: skip
        if not usual:
            user_id, anonymous_id, problem = _ids(user_id, anonymous_id)
            if problem is not None:
                return None, [problem]
        try:
            time = parse_time(record.get("timestamp"))  # type: ignore[arg-type]  # (anything: not text is a TypeError)
        except (TypeError, ValueError):
            time, problem = _time(record)
            if problem is not None:
                return None, [problem]
        context = record.get("context")
        token = None
        problems: list[Problem] | tuple[Problem, ...] = _FINE
        if context is None:
            zone = None
        elif not (  # (the usual context at once: no device, and no time zone or one `_context` accepted before)
            type(context) is dict
            and context.get("device") is None
            and (
                (zone := context.get("timezone")) is None
                or (type(zone) is str and (zone := self.zones.get(zone)) is not None)
            )
        ):
            zone, token, problems = _context(context)
            if problems and problems[0].field == "context":
                return None, problems
            if zone is not None:
                zone = self.zones.setdefault(zone, zone)
        message_id = record.get("messageId")
        if type(message_id) is not str:
            message_id = None
        entry: tuple[Any, ...]
        if kind == "track":
            name = record.get("event")
            props = record.get("properties")
            if props is None:
                props = _NOTHING
            known = self.events.get(name) if type(name) is str else None
            if known is None or type(props) is not dict:
                return None, self._track_problems(name, props)
            checked = known[0](props)
            if type(checked) is list:
                return None, checked
            entry = (line, kind, user_id, time, known[1], checked, anonymous_id, None, zone, token, message_id)
        elif kind == "identify":
            traits = record.get("traits")
            if traits is None:
                traits = _NOTHING
            elif type(traits) is not dict:
                return None, [Problem("traits", f"{shown(traits)} is not an object")]
            kept, wrong = self.profile.read(traits)
            problems = [*problems, *wrong] if wrong else problems
            entry = (line, kind, user_id, time, None, kept, anonymous_id, None, zone, token, message_id)
        else:
            reading = _other_call(kind, record, user_id)
            if isinstance(reading, Problem):
                return None, [reading]
            name, data, previous_id = reading
            entry = (line, kind, user_id, time, name, data, anonymous_id, previous_id, zone, token, message_id)
        return tuple.__new__(LogEntry, entry), problems  # (without the Python-level __new__ of a NamedTuple)

    def _track_problems(self, name: Any, props: Any) -> list[Problem]:
        if name is None or name == "":
            return [Problem("event", "a track call without an event name")]
        if type(name) is not str:
            return [Problem("event", f"the event name {shown(name)} is not text")]
        if name not in self.events:
            return [Problem("event", f"{shown(name)} is not in the tracking plan")]
        return [Problem("properties", f"{shown(props)} is not an object")]


def _ids(user_id: Any, anonymous_id: Any) -> tuple[str | None, str | None, Problem | None]:
    """userId and anonymousId as text (None when left out), or the problem with them."""
    ids: list[str | None] = []
    for field, value in (("userId", user_id), ("anonymousId", anonymous_id)):
        if value is None or value == "":
            ids.append(None)
        elif type(value) is not str:
            return None, None, Problem(field, f"{shown(value)} is not text (Segment's spec has ids as strings)")
        elif _CONTROL.search(value):
            return None, None, Problem(field, f"{shown(value)} has a control character")
        else:
            ids.append(value)
    if ids[0] is None and ids[1] is None:
        return None, None, Problem("", "no userId or anonymousId: a call needs one of them")
    return ids[0], ids[1], None


def _time(record: Mapping[str, Any]) -> tuple[float, Problem | None]:
    """The call's time from the first time field it has, or the problem with it."""
    for field in _TIME_FIELDS:
        value = record.get(field)
        if value is None:
            continue
        try:
            return parse_time(value), None
        except (TypeError, ValueError) as error:
            outside = isinstance(error, ValueError) and "outside the years" in str(error)
            why = "is outside the years 0001 to 9999" if outside else "is not an ISO 8601 time"
            return 0.0, Problem(field, f"{shown(value)} {why}")
    return 0.0, Problem("timestamp", "missing (and no originalTimestamp or receivedAt either)")


def _context(context: Any) -> tuple[str | None, str | None, list[Problem] | tuple[Problem, ...]]:
    """The time zone and the push token a call's context gives, and the problems with them (a context that is not
    an object rejects the call; a time zone or token of the wrong kind is only ignored)."""
    if type(context) is not dict:
        return None, None, [Problem("context", f"{shown(context)} is not an object")]
    problems: list[Problem] | tuple[Problem, ...] = _FINE  # (a list only when there are problems: the usual is none)
    zone = context.get("timezone")
    if zone is not None and (type(zone) is not str or zone_named(zone) is None):
        problems = [Problem("context.timezone", f"{shown(zone)} is not a time zone (ignored)")]
        zone = None
    device = context.get("device")
    token = device.get("token") if type(device) is dict else None
    if token is not None and (type(token) is not str or not token):
        problems = [*problems, Problem("context.device.token", f"{shown(token)} is not a device token (ignored)")]
        token = None
    return zone, token, problems


def _other_call(kind: Any, record: Mapping[str, Any], user_id: str | None) -> tuple[Any, Any, Any] | Problem:
    """(name, data, previousId) of a page, screen, group or alias call, or the problem that rejects it."""
    if kind in ("page", "screen"):
        name, props = record.get("name"), record.get("properties")
        if name is not None and type(name) is not str:
            return Problem("name", f"{shown(name)} is not text")
        if props is not None and type(props) is not dict:
            return Problem("properties", f"{shown(props)} is not an object")
        return name, props or _NOTHING, None
    if kind == "group":
        group = record.get("groupId")
        if group is None or group == "":
            return Problem("groupId", "missing: a group call names its group")
        return None, _NOTHING, None
    if kind == "alias":
        previous = record.get("previousId")
        if previous is None or previous == "":
            return Problem("previousId", "missing: an alias names the id it merges")
        if type(previous) is not str or _CONTROL.search(previous):
            return Problem("previousId", f"{shown(previous)} is not text without control characters")
        if user_id is None:
            return Problem("userId", "missing: an alias names the userId it merges into")
        return None, _NOTHING, previous
    return _unknown_type(kind)


def _unknown_type(kind: Any) -> Problem:
    if kind is None:
        return Problem("type", "missing: one of " + ", ".join(CALL_TYPES))
    return Problem("type", f"{shown(kind)} is not one of " + ", ".join(CALL_TYPES))


def who_and_when(record: Any) -> tuple[str | None, float | None]:
    """The userId (or anonymousId) and time of a call, as far as they can be read: for a rejected call's report."""
    if type(record) is not dict:
        return None, None
    user_id, anonymous_id, problem = _ids(record.get("userId"), record.get("anonymousId"))
    time, bad_time = _time(record)
    return (None if problem else user_id or anonymous_id), (None if bad_time else time)
