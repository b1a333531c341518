"""Running one journey test on the simulator and reporting it: PASS, or FAIL with what went wrong.

The test passes when the journey's outbox matches the expectations one to one, in time order, every event and
customer of the file was accepted, and each expected message's text holds its `contains` / `not_contains`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from journeyc.journey_tests.content import content_problems
from journeyc.journey_tests.files import Expectation, JourneyTest, TestFileError, read_test
from journeyc.pipeline import CheckResult
from journeyc.runtime.eventlog import format_time, parse_time
from journeyc.simulate import simulate

__all__ = ["Outcome", "find_tests", "run_test"]


@dataclass
class Outcome:
    file: str
    journey: str
    passed: bool
    lines: list[str] = field(default_factory=list)  # the report: expected vs actual when it failed


def find_tests(root: Path) -> list[Path]:
    """Every `*.test.toml` below `root`, outside hidden folders (a folder of that name too: its run says what is
    wrong with it)."""
    return sorted(
        p for p in root.rglob("*.test.toml") if not any(part.startswith(".") for part in p.relative_to(root).parts)
    )


def run_test(path: Path, result: CheckResult) -> Outcome:
    """The outcome of the test file at `path` in the checked project `result` (which has no errors)."""
    root = result.files.root
    shown = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except IsADirectoryError:
        return Outcome(shown, "?", False, [f"{shown} is a folder: a journey test is a file"])
    except (OSError, UnicodeDecodeError) as error:
        reason = "it is not UTF-8 text" if isinstance(error, UnicodeDecodeError) else error.strerror or str(error)
        return Outcome(shown, "?", False, [f"cannot read {shown}: {reason}"])
    try:
        test = read_test(text, shown, result.project.journeys)
    except TestFileError as error:
        return Outcome(shown, error.journey or "?", False, error.problems)
    return _run(shown, test, result)


def _run(shown: str, test: JourneyTest, result: CheckResult) -> Outcome:
    lines = [_json({"type": "identify", "userId": cid, "traits": traits, "timestamp": format_time(test.start)})
             for cid, traits in sorted(test.customers.items())]  # fmt: skip
    lines += [_json({"type": "track", "userId": e.customer, "event": e.event, "properties": e.properties,
                     "timestamp": format_time(e.time)}) for e in test.events]  # fmt: skip
    simulation = simulate(result, lines, test.until)
    problems = [_rejection(r.line, len(test.customers), r.reason) for r in simulation.log.rejected]
    # (A send held for quiet hours has a "deferred" record, then the record of its decision, which is what a test
    # expects: its `deferred_from` says it was held.)
    actual = [r for r in simulation.simulator.outbox if r["journey"] == test.journey and r["status"] != "deferred"]
    expected = test.expectations
    if len(actual) == len(expected) and all(_matches(e, a) for e, a in zip(expected, actual, strict=True)):
        for e, a in zip(expected, actual, strict=True):
            failed = content_problems(e, a["content"])
            if failed:
                problems.append(f"expect {e.number}  {_describe_actual(a)}:")
                problems += [f"  {line}" for line in failed]
        return Outcome(shown, test.journey, not problems, problems)
    report = [*problems, "expected:"]
    report += [f"  {_describe_expected(e)}" for e in expected] or ["  (no messages)"]
    report.append("actual:")
    report += [f"  {_describe_actual(a)}" for a in actual] or ["  (no messages)"]
    return Outcome(shown, test.journey, False, report)


def _json(entry: dict[str, Any]) -> str:
    """A log line; a TOML date or time among the traits or properties as its ISO 8601 text, as JSON has it."""
    return json.dumps(entry, default=lambda value: value.isoformat())


def _rejection(line: int, customers: int, reason: str) -> str:
    """A rejected log line, named as the test file names it: its [[events]] entry (or customer)."""
    if line <= customers:
        return f"customer {line}: {reason}"
    return f"event {line - customers}: {reason}"


def _matches(expected: Expectation, actual: dict[str, Any]) -> bool:
    time = parse_time(actual["time"])
    return (
        expected.customer == actual["user_id"]
        and expected.message == actual["message"]
        and expected.channel in (None, actual["channel"])
        and expected.low <= time <= expected.high
        and expected.status == actual["status"]
        and (expected.reason is None or expected.reason == actual["reason"])
    )


def _describe_expected(e: Expectation) -> str:
    when = format_time(e.low) if e.low == e.high else f"{format_time(e.low)} .. {format_time(e.high)}"
    status = e.status + (f" ({e.reason})" if e.reason else "")
    return f"{when}  {e.customer}  {e.channel or '*'} {e.message}  {status}"


def _describe_actual(a: dict[str, Any]) -> str:
    status = a["status"] + (f" ({a['reason']})" if a["reason"] else "")
    deferred = f", deferred from {a['deferred_from']}" if a["deferred_from"] else ""
    return f"{a['time']}  {a['user_id']}  {a['channel']} {a['message']}  {status}{deferred}"
