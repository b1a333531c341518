"""`journeyc simulate`: compile the project in memory, then run the build on the simulator over an event log."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from journeyc.build import build_outputs
from journeyc.pipeline import CheckResult
from journeyc.runtime.eventlog import LogEntry, ReadLog, Rejection, read_log
from journeyc.runtime.identity import Identities, anonymous_key
from journeyc.runtime.plan_types import shown
from journeyc.runtime.simulator import Simulator
from journeyc.runtime.timelines import merged_timeline

# Bytes read from an event log at a time (open(..., "rb", buffering=LOG_BUFFER)): the default buffer, 8 KiB, reads
# a log of 150 MB in 19,000 system calls; this many take 0.035 s less CPU time on such a log (benchmarks/README.md).
LOG_BUFFER = 1 << 20


@dataclass
class Simulation:
    simulator: Simulator
    log: ReadLog


def simulate(
    result: CheckResult,
    lines: Iterable[str | bytes],
    until: float,
    progress: Any = None,
    trace: Collection[str] | None = None,
    on_record: Callable[[dict[str, Any]], None] | None = None,
    keep_outbox: bool = True,
) -> Simulation:
    """`trace`: the userIds or anonymousIds whose timeline to keep, with every id merged with them in the log (None:
    every customer's); `on_record` and `keep_outbox`: see `Simulator`."""
    build = build_outputs(result)
    data = {name: json.loads(build[f"data/{name}.json"]) for name in ("events", "shapes", "profile")}
    log = read_log(lines, data["events"], data["shapes"], data["profile"])
    traced = None if trace is None else customer_keys(log.entries, trace, until) if trace else frozenset()
    simulator = Simulator(build, trace=traced, on_record=on_record, keep_outbox=keep_outbox)
    simulator.run_log(log.entries, until, progress)
    return Simulation(simulator, log)


def customer_keys(entries: list[LogEntry], ids: Collection[str], until: float) -> frozenset[str]:
    """The keys of the customers named by `ids` (as userIds or anonymousIds) and of every customer merged with
    them by the calls up to `until`: whose timeline `--customer` shows."""
    identities = Identities()
    seen = {*ids, *map(anonymous_key, ids)}
    for entry in sorted(entries, key=lambda e: (e.time, e.line)):
        if entry.time > until:
            break
        key, merged = identities.resolve(entry.user_id, entry.anonymous_id, entry.previous_id)
        seen.add(key)
        seen.update(merged)
    roots = {identities.find(key) for key in (*ids, *map(anonymous_key, ids))}
    return frozenset(key for key in seen if identities.find(key) in roots)


def simulate_to_outbox(
    result: CheckResult,
    lines: Iterable[str | bytes],
    until: float,
    outbox: Path | None,
    progress: Any = None,
    trace: Collection[str] | None = None,
) -> Simulation:
    """`simulate`, writing each outbox record to the file `outbox` (if any) as it is decided instead of keeping
    them: a long run holds no rendered content. The records go to a side file that replaces `outbox` only once
    the run is complete, so a failed or stopped run leaves an earlier outbox as it was, and no side file."""
    if outbox is None:
        return simulate(result, lines, until, progress, trace, keep_outbox=False)
    partial = outbox.with_name(outbox.name + ".partial")
    try:
        # A lone surrogate (a log's "\ud800") cannot be UTF-8: backslashreplace writes it as its JSON escape,
        # which is what it is (it can only be inside a JSON string), so each line stays the JSON of its record.
        with partial.open("w", encoding="utf-8", errors="backslashreplace") as sink:

            def write(record: dict[str, Any]) -> None:
                sink.write(outbox_line(record))

            simulation = simulate(result, lines, until, progress, trace, on_record=write, keep_outbox=False)
        os.replace(partial, outbox)
    finally:
        partial.unlink(missing_ok=True)
    return simulation


def outbox_line(record: dict[str, Any]) -> str:
    """One outbox record as a line of the --outbox file (JSON, fields in the documented order)."""
    return json.dumps(record, ensure_ascii=False, sort_keys=False) + "\n"


def summary(simulation: Simulation) -> list[str]:
    sim, log = simulation.simulator, simulation.log
    read = f"events read: {log.lines}, accepted {len(log.entries)}, rejected {len(log.rejected)}"
    if log.duplicates:
        read += f", duplicates {log.duplicates} (a messageId seen before: applied once)"
    lines = [read]
    lines += _listed(log.rejected, "line {line}: {reason}")
    if log.warnings:
        lines.append(f"accepted with a part left out or replaced: {len(log.warnings)}")
        lines += _listed(log.warnings, "line {line}: {reason}")
    other = [f"{kind} {sim.calls[kind]}" for kind in ("page", "screen", "group", "alias") if sim.calls.get(kind)]
    if other:
        lines.append("calls journeys do not read, applied for ids and context only: " + ", ".join(other))
    if sim.merges:
        lines.append(f"customers merged into another (anonymous visitors identified, aliases): {sim.merges}")
    lines.append("")
    lines.append(f"{'journey':<24} {'entered':>8} {'converted':>10} {'exited':>7} {'sent':>6}  dropped")
    for name in sorted(sim.stats):
        s = sim.stats[name]
        dropped = ", ".join(f"{reason} {count}" for reason, count in sorted(s.dropped.items())) or "-"
        lines.append(f"{name:<24} {s.entered:>8} {s.converted:>10} {s.exited:>7} {s.sent:>6}  {dropped}")
        for experiment, arms in sorted(s.arms.items()):
            for arm, (runs, converted) in sorted(arms.items()):
                lines.append(f"  experiment {experiment}, arm {arm}: {runs} runs, {converted} converted")
    return lines


def _listed(rejections: list[Rejection], form: str, most: int = 20) -> list[str]:
    lines = [f"  {form.format(line=r.line, reason=r.reason)}" for r in rejections[:most]]
    if len(rejections) > most:
        lines.append(f"  ... and {len(rejections) - most} more")
    return lines


def timeline(simulation: Simulation, customer: str) -> list[str]:
    """One customer's timeline (a userId or an anonymousId): what happened to them and to every customer merged
    into them (those lines marked with that customer's name), the lines of the log rejected or cut for them, each
    at its UTC time and the customer's local time then."""
    identities, customers = simulation.simulator.identities, simulation.simulator.customers
    as_user, as_anonymous = identities.find(customer), identities.find(anonymous_key(customer))
    root = as_user if as_user in customers or as_anonymous not in customers else as_anonymous  # (unmarked lines)
    events, problems = _grouped(simulation, {as_user, as_anonymous})
    return merged_timeline(root, [e for r in (as_user, as_anonymous) for e in events.get(r, ())],
                   [p for r in {as_user, as_anonymous} for p in problems.get(r, ())])  # fmt: skip


def timelines(simulation: Simulation) -> dict[str, list[str]]:
    """Every customer's timeline as `timeline` gives it, by the key the simulator keeps the customer under (after
    merges), in one pass over the log."""
    events, problems = _grouped(simulation, None)
    return {root: merged_timeline(root, events.get(root, []), problems.get(root, []))
            for root in sorted(events.keys() | problems.keys())}  # fmt: skip


def _grouped(
    simulation: Simulation, roots: set[str] | None
) -> tuple[dict[str, list[tuple[int, float, str, str, str | None]]], dict[str, list[tuple[float | None, str]]]]:
    """The log's lines and the log's problems by the customer (after merges) they are about: only `roots`' (None:
    everyone's). A rejected line's id may be a userId or an anonymousId: it belongs to whichever is known."""
    identities = simulation.simulator.identities
    events: dict[str, list[tuple[int, float, str, str, str | None]]] = {}
    for index, (time, key, what, zone) in enumerate(simulation.simulator.log):
        root = identities.find(key)
        if roots is None or root in roots:
            events.setdefault(root, []).append((index, time, key, what, zone))
    problems: dict[str, list[tuple[float | None, str]]] = {}
    log = simulation.log
    found = [(r.time, r.user_id, f"rejected line {r.line}: {r.reason}") for r in log.rejected]
    found += [(r.time, r.user_id, f"line {r.line} accepted with problems: {r.reason}") for r in log.warnings]
    for time, raw_id, what in found:
        if raw_id is None:
            continue
        candidates = (identities.find(raw_id), identities.find(anonymous_key(raw_id)))
        known = [root for root in candidates if (root in events if roots is None else root in roots)]
        if known or roots is None:
            problems.setdefault(known[0] if known else candidates[0], []).append((time, what))
    return events, problems


def nobody(customer: str, until: str) -> str:
    """What `--customer` prints for a customer the log says nothing of up to --until."""
    return f"nothing happened to customer {shown(customer, 80)} up to {until}: no call of that userId or anonymousId comes before then"
