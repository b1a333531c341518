"""The project's journey map: the customer's stages from left to right, and in each stage, by team, the
journeys that act there (their trigger and the channels they speak on).

This is the shared map the journey-map essay asks teams to draw together: one look shows which team talks to
the customer at which stage, and where two teams act on the same moment. Stages are the journeys' `stage`
settings, in the order of a customer's life when they are the usual words (`Discover` before `Purchase` before
`Retention`), then the others alphabetically; journeys without a stage come last.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from journeyc import ir
from journeyc.checks.analysis.walk import sends
from journeyc.graph import words
from journeyc.graph.model import Cluster, Diagram, Edge, Node

NO_STAGE = "no stage"
NO_TEAM = "no team"
# The usual names of the stages of a customer's life, in order (lowercase; a project's own words sort after).
LIFECYCLE = (
    "awareness",
    "discover",
    "discovery",
    "consider",
    "consideration",
    "acquisition",
    "onboarding",
    "activation",
    "account",
    "purchase",
    "checkout",
    "fulfilment",
    "fulfillment",
    "delivery",
    "service",
    "support",
    "retention",
    "retain",
    "loyalty",
    "advocacy",
    "win-back",
    "winback",
)


@dataclass(frozen=True)
class MapJourney:
    name: str
    team: str
    stage: str
    trigger: str  # in the DSL's words
    channels: tuple[str, ...]  # in the order the journey first uses them
    offers: tuple[str, ...]


@dataclass(frozen=True)
class JourneyMap:
    stages: tuple[str, ...]
    teams: tuple[str, ...]
    journeys: tuple[MapJourney, ...]  # by stage, team, then name

    def cell(self, stage: str, team: str) -> list[MapJourney]:
        return [j for j in self.journeys if j.stage == stage and j.team == team]


def stage_order(stage: str) -> tuple[int, str]:
    if stage == NO_STAGE:
        return (len(LIFECYCLE) + 1, "")
    lowered = stage.lower()
    return (LIFECYCLE.index(lowered), "") if lowered in LIFECYCLE else (len(LIFECYCLE), lowered + "\0" + stage)


def _channels(project: ir.Project, journey: ir.Journey) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for step in sends(journey):
        message = project.messages.get(step.message.name)
        channel = step.channel.name if step.channel else (message.channel.name if message else None)
        if channel:
            found.setdefault(channel)
    return tuple(found)


def map_journey(project: ir.Project, journey: ir.Journey) -> MapJourney:
    return MapJourney(
        name=journey.name,
        team=journey.owner.name if journey.owner else NO_TEAM,
        stage=journey.stage or NO_STAGE,
        trigger=words.trigger(journey.trigger) if journey.trigger else "no trigger",
        channels=_channels(project, journey),
        offers=tuple(dict.fromkeys(s.offer.name for s in sends(journey) if s.offer)),
    )


def journey_map(project: ir.Project, only: set[str] | None = None) -> JourneyMap:
    """The map of every journey of the project (or of the journeys named in `only`)."""
    placed = [map_journey(project, j) for name, j in project.journeys.items() if only is None or name in only]
    stages = tuple(sorted({j.stage for j in placed}, key=stage_order))
    declared = [name for name in project.teams if any(j.team == name for j in placed)]
    teams = tuple(declared + sorted({j.team for j in placed} - set(declared)))
    order = {(stage, team): (i, k) for i, stage in enumerate(stages) for k, team in enumerate(teams)}
    return JourneyMap(stages, teams, tuple(sorted(placed, key=lambda j: (order[(j.stage, j.team)], j.name))))


def journey_lines(journey: MapJourney) -> tuple[str, ...]:
    lines = [journey.name, f"trigger {journey.trigger}"]
    if journey.channels:
        lines.append("on " + ", ".join(journey.channels))
    if journey.offers:
        lines.append("offers " + ", ".join(journey.offers))
    return tuple(lines)


def map_diagram(found: JourneyMap) -> Diagram:
    """Stages as clusters from left to right, a cluster per team inside each, journeys inside those."""
    nodes: list[Node] = []
    clusters: list[Cluster] = []
    for s, stage in enumerate(found.stages, start=1):
        lanes: list[Cluster] = []
        for t, team in enumerate(found.teams, start=1):
            members: list[str | Cluster] = []
            for journey in found.cell(stage, team):
                node_id = f"j{len(nodes) + 1}"
                nodes.append(Node(node_id, journey_lines(journey), "journey"))
                members.append(node_id)
            if members:
                lanes.append(Cluster(f"s{s}t{t}", team, tuple(members)))
        clusters.append(Cluster(f"s{s}", stage, tuple(lanes)))
    order = tuple(Edge(a.id, b.id, style="invisible") for a, b in itertools.pairwise(clusters))
    return Diagram("LR", tuple(nodes), order, tuple(clusters))


def map_table(found: JourneyMap) -> list[str]:
    """The map as a Markdown table: a row per team, a column per stage."""
    header = ["team", *found.stages]
    rows = [
        "| " + " | ".join(_cell(header_cell) for header_cell in header) + " |",
        "|" + "---|" * len(header),
    ]
    for team in found.teams:
        cells = [", ".join(f"`{j.name}`" for j in found.cell(stage, team)) for stage in found.stages]
        rows.append("| " + " | ".join([_cell(team), *cells]) + " |")
    return rows


def _cell(text: str) -> str:
    return text.replace("|", "\\|")
