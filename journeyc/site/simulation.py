"""What the site shows of a simulation (`journeyc docs --events LOG --until TIME`): the simulator runs in memory over
the log, exactly as `journeyc simulate` runs it, and its results are summed up per journey.

- the funnel: customers who entered, each send step in source order (reached, sent, dropped by reason), converted
  (reached the goal), exited (an exit event or `exit`), and still inside when the clock stopped;
- the drops by reason over the whole journey (consent, no address, caps, quiet hours, suppression, render errors);
- each experiment's arms, with the runs assigned to each and how many of them converted;
- every customer's timeline: the lines `journeyc simulate --customer` prints.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from journeyc import ir
from journeyc.checks.analysis.walk import all_steps
from journeyc.graph import words
from journeyc.pipeline import CheckResult
from journeyc.runtime.eventlog import format_time
from journeyc.simulate import Simulation, simulate, timelines

# The policy's reasons for a drop, in the words of the contact-policy page.
REASONS = {
    "consent": "no consent",
    "no_address": "no address",
    "suppressed": "suppression",
    "cap": "frequency cap",
    "quiet_hours": "quiet hours",
    "render_error": "template could not render",
}


@dataclass
class StepCount:
    step: str  # the step's id in the build
    headline: str  # the step as written (`send sms cart_discount with offer CART10`)
    line: int
    reached: int = 0
    sent: int = 0
    dropped: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ArmResult:
    experiment: str
    arm: str  # "holdout" for the customers who got nothing
    runs: int
    converted: int


@dataclass
class Funnel:
    journey: str
    entered: int
    steps: list[StepCount]
    converted: int
    exited: int
    sent: int
    dropped: dict[str, int]
    arms: list[ArmResult]

    @property
    def inside(self) -> int:
        """Runs neither converted nor exited: still waiting when the clock stopped, or done with their steps."""
        return max(self.entered - self.converted - self.exited, 0)


@dataclass(frozen=True)
class SimulationReport:
    until: str
    events_read: int
    accepted: int
    rejected: list[tuple[int, str]]  # (line, reason), every rejected line
    funnels: list[Funnel]  # by journey name
    timelines: dict[str, list[str]]  # customer id -> lines, customers sorted


def run_simulation(result: CheckResult, lines: Iterable[str], until: float) -> SimulationReport:
    """Run the project's journeys over the log lines up to `until` and sum up what happened."""
    records: list[dict[str, Any]] = []

    def keep(record: dict[str, Any]) -> None:
        # The site shows counts, not every message's text (a copy: the simulator still reads the record after this).
        records.append({key: value for key, value in record.items() if key != "content"})

    simulation = simulate(result, lines, until, trace=None, on_record=keep, keep_outbox=False)
    funnels = [_funnel(result.project, name, simulation, records) for name in sorted(result.project.journeys)]
    log = simulation.log
    rejected = [(r.line, r.reason) for r in log.rejected]
    return SimulationReport(format_time(until), len(log.entries) + len(log.rejected), len(log.entries), rejected,
                            funnels, timelines(simulation))  # fmt: skip


def simulate_log(result: CheckResult, events: Path, until: float) -> SimulationReport:
    """`run_simulation` over the event log file `events` (undecodable bytes replaced, as `journeyc simulate` reads)."""
    with events.open(encoding="utf-8", errors="replace") as handle:
        return run_simulation(result, handle, until)


def _funnel(project: ir.Project, name: str, simulation: Simulation, records: list[dict[str, Any]]) -> Funnel:
    journey = project.journeys[name]
    stats = simulation.simulator.stats.get(name)
    steps = {}
    for step in all_steps(journey.steps):
        if isinstance(step, ir.SendStep):
            message = project.messages.get(step.message.name)
            headline = words.send(step, message.channel.name if message else None)
            steps[step.id] = StepCount(step.id, headline, step.span.line)
    for record in records:
        count = steps.get(record["step"]) if record["journey"] == name else None
        if count is None or record["status"] == "deferred":  # (a held send counts once: when it is decided)
            continue
        count.reached += 1
        if record["status"] == "sent":
            count.sent += 1
        else:
            count.dropped[record["reason"]] = count.dropped.get(record["reason"], 0) + 1
    if stats is None:
        return Funnel(name, 0, list(steps.values()), 0, 0, 0, {}, [])
    arms = [ArmResult(experiment, arm, counts[0], counts[1])
            for experiment, by_arm in sorted(stats.arms.items()) for arm, counts in sorted(by_arm.items())]  # fmt: skip
    return Funnel(name, stats.entered, list(steps.values()), stats.converted, stats.exited, stats.sent,
                  dict(sorted(stats.dropped.items())), arms)  # fmt: skip


def reason_words(reason: str) -> str:
    return REASONS.get(reason, reason.replace("_", " "))
