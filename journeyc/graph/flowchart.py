"""One journey as a flowchart: its trigger, each step in order, branches with their conditions, experiment arms
with their weights, and how a run ends (the goal, exit events, `exit`, the end of the steps).

Every text is the DSL's own (graph/words.py), so a reviewer reads in the chart what the file says. Node ids are
numbered in the order of the steps: the same journey always gives the same chart.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from journeyc import ir
from journeyc.checks.analysis.facts import journey_facts
from journeyc.checks.analysis.timeline import Clock, describe_offset
from journeyc.graph import words
from journeyc.graph.model import Diagram, Edge, Node, Shape

# Where the steps so far can go on from: (node id, the label of the edge to the next node).
Frontier = list[tuple[str, str | None]]


@dataclass
class _Chart:
    project: ir.Project
    timing: dict[int, Clock]  # id(send step) -> when it happens after entry, over every path
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)

    def node(self, lines: list[str], shape: Shape, frontier: Frontier) -> str:
        """A new node joined to `frontier`; its id."""
        node_id = f"n{len(self.nodes) + 1}"
        self.nodes.append(Node(node_id, tuple(lines), shape))
        self.join(frontier, node_id)
        return node_id

    def join(self, frontier: Frontier, target: str) -> None:
        self.edges.extend(Edge(source, target, label) for source, label in frontier)

    def steps(self, steps: tuple[ir.Step, ...], frontier: Frontier) -> Frontier:
        for step in steps:
            if not frontier:
                break  # an `exit` ended every path: what follows is never reached
            frontier = self.step(step, frontier)
        return frontier

    def step(self, step: ir.Step, frontier: Frontier) -> Frontier:
        if isinstance(step, ir.SendStep):
            return [(self.node(self.send_lines(step), "send", frontier), None)]
        if isinstance(step, ir.WaitStep | ir.WaitUntilStep):
            return [(self.node([words.step_headline(step)], "wait", frontier), None)]
        if isinstance(step, ir.ExitStep):
            self.node(["exit"], "outcome", frontier)
            return []
        if isinstance(step, ir.WaitForStep):
            waiting = self.node([words.wait_for(step)], "split", frontier)
            came = self.steps(step.then, [(waiting, "it came")])
            return came + self.steps(step.otherwise, [(waiting, "time ran out")])
        if isinstance(step, ir.IfStep):
            return self.branches(step, frontier)
        return self.experiment(step, frontier)

    def branches(self, step: ir.IfStep, frontier: Frontier) -> Frontier:
        ends: Frontier = []
        for index, branch in enumerate(step.branches):
            word = "if" if index == 0 else "else if"
            decision = self.node([f"{word} {words.condition(branch.condition)}"], "decision", frontier)
            ends += self.steps(branch.steps, [(decision, "yes")])
            frontier = [(decision, "no")]
        if step.otherwise is not None:
            return ends + self.steps(step.otherwise, frontier)
        return ends + frontier

    def experiment(self, step: ir.ExperimentStep, frontier: Frontier) -> Frontier:
        split = self.node([f"experiment {step.name}"], "split", frontier)
        ends: Frontier = []
        for arm in step.arms:
            ends += self.steps(arm.steps, [(split, f"arm {arm.name} {words.percent(arm.weight)}")])
        if step.holdout:
            ends.append((split, f"holdout {words.percent(step.holdout)}: nothing"))
        return ends

    def send_lines(self, step: ir.SendStep) -> list[str]:
        message = self.project.messages.get(step.message.name)
        lines = [words.send(step, message.channel.name if message else None)]
        offer = self.project.offers.get(step.offer.name) if step.offer else None
        if offer is not None:
            value = f": {words.offer_value(offer.value)}" if offer.value else ""
            code = f"code {words.quoted(offer.code)}" if offer.code else f"offer {offer.name}"
            lines.append(code + value)
        clock = self.timing.get(id(step))
        if clock is not None:
            lines.append(describe_offset(clock))
        return lines


def send_timing(project: ir.Project, journey: ir.Journey) -> dict[int, Clock]:
    """When each send of the journey happens after entry (from the checks' timeline), over every path to it."""
    timing: dict[int, Clock] = {}
    for path in journey_facts(project, journey, journey.span.file).paths:
        for planned in path:
            seen = timing.get(id(planned.step))
            clock = planned.clock
            if seen is not None:
                clock = Clock(min(seen.earliest, clock.earliest), max(seen.latest, clock.latest))
            timing[id(planned.step)] = Clock(clock.earliest, clock.latest)
    return timing


def start_lines(journey: ir.Journey) -> list[str]:
    """The journey's name and what lets a customer in: trigger, audience and entry rules."""
    lines = [f"{journey.name}: {journey.title}" if journey.title else journey.name]
    if journey.trigger is not None:
        lines.append(f"trigger {words.trigger(journey.trigger)}")
    if journey.audience is not None:
        lines.append(f"audience {words.condition(journey.audience)}")
    lines.extend(f"entry {words.entry(rule)}" for rule in journey.entry)
    return lines


def journey_flowchart(project: ir.Project, journey: ir.Journey) -> Diagram:
    chart = _Chart(project, send_timing(project, journey))
    start = chart.node(start_lines(journey), "start", [])
    if journey.goal is not None:
        goal = chart.node([words.goal(journey.goal), "converted: the run ends"], "outcome", [])
        chart.edges.append(Edge(start, goal, "at any time", "dotted"))
    for exit_event in journey.exits:
        ends = chart.node([words.exit_on(exit_event), "the run ends"], "outcome", [])
        chart.edges.append(Edge(start, ends, "at any time", "dotted"))
    frontier = chart.steps(journey.steps, [(start, None)])
    if frontier:
        chart.node(["end of the steps"], "outcome", frontier)
    return Diagram("TD", tuple(chart.nodes), tuple(chart.edges))
