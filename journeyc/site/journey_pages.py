"""The journey map (the site's front page) and a page per journey.

The map is the one `journeyc graph` draws (graph/journey_map.py): the stages of the customer's life across, the
teams down, each journey in its cell with its trigger, channels, category and offers. A journey's page shows its
flowchart (the same diagram as `journeyc graph --journey`), its settings in the DSL's own words, the source with
line numbers, the problems `journeyc check` reports that point into it, and links to everything it uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from journeyc import ir
from journeyc.checks.analysis.timeline import describe_offset
from journeyc.checks.analysis.walk import sends
from journeyc.diagnostics import Diagnostic
from journeyc.graph import journey_map, words
from journeyc.graph.flowchart import send_timing
from journeyc.pipeline import CheckResult
from journeyc.site.names import KIND_WORDS, anchor, diagram_of, page_of
from journeyc.site.render import Nav, diagnostics_text, render_page, source_lines, touches
from journeyc.site.samples import JourneyTestFile
from journeyc.site.uses import Ref, Use


@dataclass(frozen=True)
class Card:
    """A journey in a cell of the map."""

    name: str
    url: str
    title: str | None
    trigger: str
    category: str | None
    channels: tuple[str, ...]
    offers: tuple[str, ...]


@dataclass(frozen=True)
class Row:
    team: str
    anchor: str
    cells: list[list[Card]]  # one list per stage


@dataclass(frozen=True)
class UsedThing:
    kind: str  # the kind's words ("profile trait")
    name: str
    url: str | None  # None when the site has no page for it (a name the project does not declare)


def map_page(result: CheckResult, nav: Nav) -> bytes:
    project = result.project
    found = journey_map(project)
    rows = []
    for team in found.teams:
        cells = []
        for stage in found.stages:
            cells.append([_card(project, placed.name, placed.trigger, placed.channels, placed.offers)
                          for placed in found.cell(stage, team)])  # fmt: skip
        rows.append(Row(team, anchor("team", team), cells))
    teams = {name: team.title for name, team in project.teams.items()}
    return render_page("map.html.j2", "index.html", nav, "Journey map", stages=found.stages, rows=rows, teams=teams,
                       counts=_counts(result), problems=diagnostics_text(result.diagnostics, result.sources))  # fmt: skip


def _card(project: ir.Project, name: str, trigger: str, channels: tuple[str, ...], offers: tuple[str, ...]) -> Card:
    journey = project.journeys[name]
    category = journey.category.name if journey.category else None
    return Card(name, page_of("journey", name).url, journey.title, trigger, category, channels, offers)


def _counts(result: CheckResult) -> dict[str, int]:
    project = result.project
    return {
        "journeys": len(project.journeys),
        "messages": len(project.messages),
        "teams": len(project.teams),
        "errors": result.errors,
        "warnings": result.warnings,
    }


@dataclass(frozen=True)
class Setting:
    name: str
    value: str
    line: int | None


@dataclass(frozen=True)
class Send:
    headline: str
    when: str
    message_url: str | None
    line: int


def journey_page(
    result: CheckResult,
    journey: ir.Journey,
    uses: dict[Ref, list[Use]],
    tests: list[JourneyTestFile],
    nav: Nav,
) -> bytes:
    project = result.project
    path = page_of("journey", journey.name).path
    problems: list[Diagnostic] = [d for d in result.diagnostics if touches(d, journey.span)]
    timing = send_timing(project, journey)
    send_rows = []
    for step in sends(journey):
        message = project.messages.get(step.message.name)
        clock = timing.get(id(step))
        send_rows.append(Send(words.send(step, message.channel.name if message else None),
                              describe_offset(clock) if clock else "never reached",
                              page_of("message", step.message.name).url if message else None, step.span.line))  # fmt: skip
    return render_page(
        "journey.html.j2",
        path,
        nav,
        f"Journey {journey.name}",
        journey=journey,
        diagram=diagram_of(journey.name),
        settings=settings(journey),
        sends=send_rows,
        source=source_lines(result.sources, journey.span),
        problems=diagnostics_text(problems, result.sources),
        used=used_by(project, journey.name, uses),
        tests=[t for t in tests if t.test is not None and t.test.journey == journey.name],
        owner_url=page_of("team", journey.owner.name).url if journey.owner else None,
    )


def settings(journey: ir.Journey) -> list[Setting]:
    """The journey's settings as written: owner, category, stage, trigger, audience, entry rules, goal, exits."""
    found = []
    if journey.owner:
        found.append(Setting("owner", journey.owner.name, journey.owner.span.line))
    if journey.category:
        found.append(Setting("category", journey.category.name, journey.category.span.line))
    if journey.stage:
        found.append(Setting("stage", journey.stage, None))
    if journey.trigger is not None:
        found.append(Setting("trigger", words.trigger(journey.trigger), journey.trigger.span.line))
    if journey.audience is not None:
        found.append(Setting("audience", words.condition(journey.audience), journey.audience.span.line))
    found += [Setting("entry", words.entry(rule), rule.span.line) for rule in journey.entry]
    if journey.goal is not None:
        found.append(Setting("goal", words.goal(journey.goal).removeprefix("goal "), journey.goal.span.line))
    found += [Setting("exit", words.exit_on(e).removeprefix("exit "), e.span.line) for e in journey.exits]
    return found


def used_by(project: ir.Project, journey: str, uses: dict[Ref, list[Use]]) -> list[UsedThing]:
    """Everything the journey refers to, by kind, each once, with a link to where the site shows it."""
    declared: dict[str, Mapping[str, object]] = {
        "message": project.messages,
        "event": project.events,
        "segment": project.segments,
        "offer": project.offers,
        "channel": project.channels,
        "team": project.teams,
        "category": project.categories,
        "trait": {t.name: t for t in project.profile.traits} if project.profile else {},
    }
    found = []
    for (kind, name), items in uses.items():
        if any(u.user.kind == "journey" and u.user.name == journey for u in items):
            url = page_of(kind, name).url if name in declared.get(kind, {}) else None
            found.append(UsedThing(KIND_WORDS[kind], name, url))
    order = list(KIND_WORDS.values())
    return sorted(found, key=lambda t: (order.index(t.kind), t.name))
