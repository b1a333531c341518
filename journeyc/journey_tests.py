"""Journey tests: scenarios marketers write next to their journeys, run by `journeyc test`.

A test is a TOML file named `*.test.toml` anywhere in the project:

    journey = "cart_recovery"                 # the journey under test
    start = "2026-03-02T09:00:00Z"            # times below may be relative to it: "+1h", "+2d 3h", "+30m"

    [customers.heather]                       # profile traits (identify at start)
    email = "heather@example.com"
    email_opt_in = true

    [[events]]
    at = "+0m"
    customer = "heather"
    event = "Checkout Started"
    properties = { order_id = "o1", value = 140 }

    [[expect]]                                # every message the journey sends, and no others
    customer = "heather"
    channel = "email"
    message = "cart_reminder"
    at = "+1h"                                # or: within = ["+1h", "+2h"]
    status = "sent"                           # optional: "sent" (default) or "dropped"
    reason = "quiet_hours"                    # optional, for dropped messages

The scenario runs on the simulator until `until` (default: the last event + 30 days). The test passes when
the journey's outbox matches the expectations one to one, in time order.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from journeyc.pipeline import CheckResult
from journeyc.runtime.eventlog import format_time, parse_time
from journeyc.simulate import simulate

_PART = re.compile(r"(\d+)\s*(w|d|h|m|s)")
_UNIT = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}


class TestFileError(Exception):
    """A test file journeyc cannot read: reported as a failure naming the file and the problem."""


@dataclass
class Outcome:
    file: str
    journey: str
    passed: bool
    lines: list[str] = field(default_factory=list)  # the report: expected vs actual when it failed


def find_tests(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.test.toml") if not any(part.startswith(".") for part in p.parts))


def moment(value: Any, start: float, where: str) -> float:
    if not isinstance(value, str):
        raise TestFileError(f'{where}: a time is a text such as "+1h" or "2026-03-02T10:00:00Z"')
    text = value.strip()
    if text.startswith("+"):
        parts = _PART.findall(text[1:])
        if not parts or _PART.sub("", text[1:]).strip():
            raise TestFileError(f'{where}: "{value}" is not a relative time such as "+1h" or "+2d 3h"')
        return start + sum(int(n) * _UNIT[u] for n, u in parts)
    try:
        return parse_time(text)
    except ValueError as error:
        raise TestFileError(f'{where}: "{value}" is not an ISO 8601 time') from error


def run_test(path: Path, result: CheckResult) -> Outcome:
    shown = path.relative_to(result.files.root).as_posix() if path.is_relative_to(result.files.root) else str(path)
    try:
        spec = tomllib.loads(path.read_text(encoding="utf-8"))
        return _run(shown, spec, result)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        return Outcome(shown, "?", False, [f"cannot read {shown}: {error}"])
    except TestFileError as error:
        return Outcome(shown, str(spec.get("journey", "?")), False, [str(error)])
    except (KeyError, TypeError) as error:
        return Outcome(shown, "?", False, [f"{shown}: missing or wrong setting {error}"])


def _run(shown: str, spec: dict[str, Any], result: CheckResult) -> Outcome:
    journey = spec.get("journey")
    if journey not in result.project.journeys:
        raise TestFileError(f'{shown}: "journey" must name a journey of the project (got {journey!r})')
    start = moment(spec.get("start"), 0, f"{shown}: start")
    lines = [json.dumps({"type": "identify", "userId": cid, "traits": traits, "timestamp": format_time(start)})
             for cid, traits in sorted((spec.get("customers") or {}).items())]  # fmt: skip
    last = start
    for n, event in enumerate(spec.get("events") or [], start=1):
        at = moment(event.get("at", "+0m"), start, f"{shown}: event {n}")
        last = max(last, at)
        lines.append(json.dumps({"type": "track", "userId": event["customer"], "event": event["event"],
                                 "properties": event.get("properties", {}), "timestamp": format_time(at)}))  # fmt: skip
    until = moment(spec["until"], start, f"{shown}: until") if "until" in spec else last + 30 * 86400
    simulation = simulate(result, lines, until)
    customers = len(spec.get("customers") or {})
    problems = [_rejection(r.line, customers, r.reason) for r in simulation.log.rejected]
    actual = [r for r in simulation.simulator.outbox if r["journey"] == journey]
    expected = [_expectation(e, start, f"{shown}: expect {n}") for n, e in enumerate(spec.get("expect") or [], 1)]
    matched = len(actual) == len(expected) and all(_matches(e, a) for e, a in zip(expected, actual, strict=True))
    if matched and not problems:
        return Outcome(shown, journey, True)
    report = [*problems, "expected:"]
    report += [f"  {_describe_expected(e)}" for e in expected] or ["  (no messages)"]
    report.append("actual:")
    report += [f"  {_describe_actual(a)}" for a in actual] or ["  (no messages)"]
    return Outcome(shown, journey, False, report)


def _rejection(line: int, customers: int, reason: str) -> str:
    """A rejected log line, named as the test file names it: its [[events]] entry (or customer)."""
    if line <= customers:
        return f"customer {line}: {reason}"
    return f"event {line - customers}: {reason}"


def _expectation(raw: dict[str, Any], start: float, where: str) -> dict[str, Any]:
    if "within" in raw:
        low, high = (moment(v, start, where) for v in raw["within"])
    else:
        low = high = moment(raw.get("at", "+0m"), start, where)
    return {
        "customer": raw["customer"],
        "channel": raw.get("channel"),
        "message": raw["message"],
        "low": low,
        "high": high,
        "status": raw.get("status", "sent"),
        "reason": raw.get("reason"),
    }


def _matches(expected: dict[str, Any], actual: dict[str, Any]) -> bool:
    time = parse_time(actual["time"])
    return (
        expected["customer"] == actual["user_id"]
        and expected["message"] == actual["message"]
        and expected["channel"] in (None, actual["channel"])
        and expected["low"] <= time <= expected["high"]
        and expected["status"] == actual["status"]
        and (expected["reason"] is None or expected["reason"] == actual["reason"])
    )


def _describe_expected(e: dict[str, Any]) -> str:
    when = format_time(e["low"]) if e["low"] == e["high"] else f"{format_time(e['low'])} .. {format_time(e['high'])}"
    status = e["status"] + (f" ({e['reason']})" if e["reason"] else "")
    return f"{when}  {e['customer']}  {e['channel'] or '*'} {e['message']}  {status}"


def _describe_actual(a: dict[str, Any]) -> str:
    status = a["status"] + (f" ({a['reason']})" if a["reason"] else "")
    deferred = f", deferred from {a['deferred_from']}" if a["deferred_from"] else ""
    return f"{a['time']}  {a['user_id']}  {a['channel']} {a['message']}  {status}{deferred}"
