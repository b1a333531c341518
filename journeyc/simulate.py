"""`journeyc simulate`: compile the project in memory, then run the build on the simulator over an event log."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from journeyc.build import build_outputs
from journeyc.collector import collector_paused
from journeyc.pipeline import CheckResult
from journeyc.runtime.eventlog import ReadLog, format_time, read_log
from journeyc.runtime.simulator import Simulator


@dataclass
class Simulation:
    simulator: Simulator
    log: ReadLog


def simulate(
    result: CheckResult,
    lines: Iterable[str],
    until: float,
    progress: Any = None,
    trace: Collection[str] | None = None,
    on_record: Callable[[dict[str, Any]], None] | None = None,
    keep_outbox: bool = True,
) -> Simulation:
    """`trace`: the customers whose timeline to keep (None: every customer's); `on_record` and `keep_outbox`: see
    `Simulator`."""
    build = build_outputs(result)
    events = json.loads(build["data/events.json"])
    shapes = json.loads(build["data/shapes.json"])
    with collector_paused(freeze=True):
        log = read_log(lines, events, shapes)
        simulator = Simulator(build, trace=trace, on_record=on_record, keep_outbox=keep_outbox)
        simulator.run_log(log.entries, until, progress)
    return Simulation(simulator, log)


def simulate_to_outbox(
    result: CheckResult,
    lines: Iterable[str],
    until: float,
    outbox: Path | None,
    progress: Any = None,
    trace: Collection[str] | None = None,
) -> Simulation:
    """`simulate`, writing each outbox record to the file `outbox` (if any) as it is decided instead of keeping
    them: a long run holds no rendered content. The records go to a side file that replaces `outbox` only once
    the run is complete, so a failed run leaves an earlier outbox as it was."""
    if outbox is None:
        return simulate(result, lines, until, progress, trace, keep_outbox=False)
    partial = outbox.with_name(outbox.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8") as sink:
            simulation = simulate(result, lines, until, progress, trace,
                                  on_record=lambda record: sink.write(outbox_line(record)), keep_outbox=False)  # fmt: skip
        os.replace(partial, outbox)
    finally:
        partial.unlink(missing_ok=True)
    return simulation


def outbox_line(record: dict[str, Any]) -> str:
    """One outbox record as a line of the --outbox file (JSON, fields in the documented order)."""
    return json.dumps(record, ensure_ascii=False, sort_keys=False) + "\n"


def summary(simulation: Simulation) -> list[str]:
    sim, log = simulation.simulator, simulation.log
    lines = [
        f"events read: {len(log.entries) + len(log.rejected)}, accepted {len(log.entries)}, rejected {len(log.rejected)}"
    ]
    for rejection in log.rejected[:20]:
        lines.append(f"  line {rejection.line}: {rejection.reason}")
    if len(log.rejected) > 20:
        lines.append(f"  ... and {len(log.rejected) - 20} more")
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


def timeline(simulation: Simulation, customer: str) -> list[str]:
    return [f"{format_time(time)}  {what}" for time, user, what in simulation.simulator.log if user == customer]
