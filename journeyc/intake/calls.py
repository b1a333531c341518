"""Segment calls checked for the intake: the build's tracking plan and profile (CallReader, shared with the
simulator's log reader), then what a live service must refuse on top: ids too long to name a workflow, times too
old or too far ahead, nesting too deep, a call too large.

A call is taken whole or refused whole: a call with any problem (an identify whose trait is wrong included, which
the simulator's reader applies without that trait) is refused with every problem, so a client that fixes it can
send it again. Each problem is reported with the call's index in the request, the field and the reason.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from journeyc.intake.bodies import CALL_LIMIT, too_deep
from journeyc.runtime.plan_types import shown
from journeyc.runtime.segment_spec import CallReader, LogEntry

MAX_ID = 255  # characters of a userId, anonymousId or previousId (a workflow id holds one)
AHEAD = 3600.0  # seconds a call's time may be ahead of the intake's clock (clients' clocks drift)


@dataclass(frozen=True)
class Rejection:
    """One problem of one call: its index in the request, the field ("" for the whole call), the reason and a
    short code the counters group rejections by."""

    index: int
    field: str
    reason: str
    code: str

    def as_json(self) -> dict[str, Any]:
        return {"index": self.index, "field": self.field, "reason": self.reason}


@dataclass
class Checked:
    """A request's calls after checking: those to hand over, those refused, unknown events ignored."""

    accepted: list[LogEntry] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    ignored: int = 0  # unknown events accepted and counted (`unknown-events = "accept"`)
    refused_calls: int = 0


class CallChecker:
    """The checks of one build, made once: `check(calls, now)` checks a request's calls."""

    def __init__(
        self, events: Mapping[str, Any], shapes: Mapping[str, Any], profile: Mapping[str, Any] | None, *,
        unknown_events: str = "reject", max_age: float = 30 * 86400.0,
    ) -> None:  # fmt: skip
        self.reader = CallReader(events, shapes, profile)
        self.accept_unknown = unknown_events == "accept"
        self.max_age = max_age

    def check(self, calls: Iterable[Any], now: float, kind: str | None = None) -> Checked:
        """The calls of one request (`kind`: the type a single-call route implies, when the call has none)."""
        checked = Checked()
        for index, call in enumerate(calls):
            if kind is not None and type(call) is dict and "type" not in call:
                call = {**call, "type": kind}
            problems = self._problems(index, call)
            if problems:
                if self.accept_unknown and len(problems) == 1 and problems[0].code == "unknown_event":
                    checked.ignored += 1
                    continue
                checked.rejected.extend(problems)
                checked.refused_calls += 1
                continue
            entry, wrong = self.reader.read(call, index)
            if entry is None or wrong:
                checked.rejected.extend(_rejection(index, p.field, p.reason) for p in wrong)
                checked.refused_calls += 1
                continue
            too_old = now - self.max_age
            if entry.time < too_old or entry.time > now + AHEAD:
                where = "older than the intake's max-age" if entry.time < too_old else "more than an hour ahead"
                checked.rejected.append(Rejection(index, "timestamp", f"the call's time is {where}", "time"))
                checked.refused_calls += 1
                continue
            if entry.message_id is None:  # (a retried call without one must not be applied twice)
                entry = entry._replace(message_id="journeyc-" + hashlib.sha256(orjson.dumps(call)).hexdigest()[:32])
            checked.accepted.append(entry)
        return checked

    def _problems(self, index: int, call: Any) -> list[Rejection]:
        """What the intake refuses before the tracking plan is read (and an unknown event, to tell it apart)."""
        if type(call) is not dict:
            return [Rejection(index, "", "a call is a JSON object", "invalid")]
        for name in ("userId", "anonymousId", "previousId"):
            value = call.get(name)
            if type(value) is str and len(value) > MAX_ID:
                return [Rejection(index, name, f"longer than {MAX_ID} characters ({len(value)})", "invalid")]
        if too_deep(call):
            return [Rejection(index, "", "objects and lists nest too deep (16 levels at most)", "too_deep")]
        if len(orjson.dumps(call)) > CALL_LIMIT:
            return [Rejection(index, "", f"the call is larger than {CALL_LIMIT // 1024} KB", "too_large")]
        if call.get("type") == "track":
            event = call.get("event")
            if type(event) is str and event and event not in self.reader.events:
                return [Rejection(index, "event", f"{shown(event)} is not in the tracking plan", "unknown_event")]
        return []


def _rejection(index: int, field_name: str, reason: str) -> Rejection:
    # (The log reader leaves a bad trait or context value out and keeps the call; the intake refuses the call.)
    return Rejection(index, field_name, reason.removesuffix(" (left out)").removesuffix(" (ignored)"), "invalid")
