"""What the policy and conflict checks need to know about each journey, computed once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from journeyc import ir
from journeyc.checks.analysis import logic
from journeyc.checks.analysis.timeline import Clock, PlannedSend, plan, planned_send
from journeyc.checks.analysis.walk import sends
from journeyc.checks.context import CheckContext


@dataclass(frozen=True)
class JourneyFacts:
    journey: ir.Journey
    file: str
    paths: list[list[PlannedSend]]  # every path's sends (one path per send when the paths were too many)
    trigger_event: ir.Event | None

    @property
    def name(self) -> str:
        return self.journey.name

    @property
    def owner(self) -> str:
        return self.journey.owner.name if self.journey.owner else "no team"

    @property
    def category(self) -> str | None:
        return self.journey.category.name if self.journey.category else None

    @cached_property
    def sends(self) -> list[PlannedSend]:
        """Every send once, in source order."""
        seen: dict[int, PlannedSend] = {}
        for path in self.paths:
            for planned in path:
                seen.setdefault(id(planned.step), planned)
        return sorted(seen.values(), key=self._source_order)

    @cached_property
    def variants(self) -> list[PlannedSend]:
        """Every send once per distinct way of reaching it (branch conditions, timing, the event it answers), in
        source order: a send after an `if` whose branch waits is sent at two different times."""
        seen: dict[tuple[object, ...], PlannedSend] = {}
        done: set[int] = set()  # paths that share a beginning share its sends
        for path in self.paths:
            for planned in path:
                if id(planned) in done:
                    continue
                done.add(id(planned))
                guards = tuple((id(g.condition), g.holds, g.read) for g in planned.guards)
                reply = id(planned.reply.step) if planned.reply else None
                seen.setdefault((id(planned.step), guards, planned.clock, reply), planned)
        return sorted(seen.values(), key=self._source_order)

    @cached_property
    def _order(self) -> dict[int, int]:
        return {id(step): i for i, step in enumerate(sends(self.journey))}

    def _source_order(self, planned: PlannedSend) -> int:
        return self._order.get(id(planned.step), 0)

    @cached_property
    def audience(self) -> ir.Expr | None:
        """Who can be inside: the audience, and for a segment trigger, membership of that segment."""
        journey, trigger = self.journey, self.journey.trigger
        if not isinstance(trigger, ir.SegmentTrigger):
            return journey.audience
        member = ir.InSegment(segment=trigger.segment.name, span=trigger.span, name_span=trigger.segment.span)
        if journey.audience is None:
            return member
        return ir.And(items=(member, journey.audience), span=trigger.span)

    @cached_property
    def audience_key(self) -> str:
        """Journeys with equal keys have the same audience."""
        return logic.describe(self.audience)

    @cached_property
    def condition_key(self) -> str:
        """Journeys with equal keys have the same trigger filter and audience (so overlap alike)."""
        trigger = self.journey.trigger
        where = trigger.where if isinstance(trigger, ir.EventTrigger) else None
        return logic.describe(where) + "|" + self.audience_key

    @property
    def who(self) -> str:
        return f'{self.owner}\'s "{self.name}"'


def journey_facts(project: ir.Project, journey: ir.Journey, file: str) -> JourneyFacts:
    paths = plan(journey, project)
    if paths is None:
        # Too many paths to expand: each send alone, timed as if nothing came before it.
        paths = [[planned_send(step, Clock(), journey, project)] for step in sends(journey)]
    trigger = journey.trigger
    event = project.events.get(trigger.event) if isinstance(trigger, ir.EventTrigger) else None
    return JourneyFacts(journey=journey, file=file, paths=paths, trigger_event=event)


def all_facts(
    project: ir.Project,
    files: dict[str, ir.SourceFile],
    make: Callable[[ir.Journey, str], JourneyFacts] | None = None,
) -> list[JourneyFacts]:
    """Facts of every journey of the project (not the stdlib), in file and source order (`make`: how one
    journey's facts are made, by default `journey_facts`)."""
    return [
        make(journey, path) if make is not None else journey_facts(project, journey, path)
        for journey, path in project_journeys(project, files)
    ]


def project_journeys(project: ir.Project, files: dict[str, ir.SourceFile]) -> list[tuple[ir.Journey, str]]:
    """Every journey of the project (not the stdlib) with its file, in file and source order."""
    return [
        (journey, path)
        for path in sorted(files)
        if not files[path].is_stdlib
        for journey in files[path].journeys
        if project.journeys.get(journey.name) is journey
    ]


def property_domains(props: tuple[ir.Property, ...], prefix: str) -> logic.Domains:
    """The finite values of choice and yes/no properties, by subject (`tier` or `profile.tier`)."""
    table: dict[str, frozenset[logic.Value]] = {}
    for prop in props:
        if isinstance(prop.type, ir.EnumType):
            table[prefix + prop.name] = frozenset(prop.type.values)
        elif isinstance(prop.type, ir.ScalarType) and prop.type.name == "boolean":
            table[prefix + prop.name] = frozenset({True, False})
    return table.get


def profile_domains(project: ir.Project) -> logic.Domains:
    traits = project.profile.traits if project.profile else ()
    return property_domains(traits, prefix="profile.")


def event_domains(ctx: CheckContext, event: ir.Event | None) -> logic.Domains:
    """Bare properties of the event (inside its `where`) and profile traits (computed once per event and run)."""
    found = ctx.shared.event_domains
    key = event.name if event else ""
    if key not in found:
        found[key] = _event_domains(ctx.project, event)
    return found[key]


def _event_domains(project: ir.Project, event: ir.Event | None) -> logic.Domains:
    profile = profile_domains(project)
    bare = property_domains(event.properties, prefix="") if event else (lambda _: None)

    def lookup(subject: str) -> frozenset[logic.Value] | None:
        return profile(subject) if subject.startswith("profile.") else bare(subject)

    return lookup


def segment_expander(project: ir.Project):
    """Segments whose definition names no other segment can be read through `in segment` (no cycles)."""
    readable: dict[str, ir.Expr | None] = {}

    def expand(name: str) -> ir.Expr | None:
        if name not in readable:
            segment = project.segments.get(name)
            if segment is None or '"in_segment"' in segment.condition.model_dump_json():
                readable[name] = None
            else:
                readable[name] = segment.condition
        return readable[name]

    return expand


@dataclass(frozen=True)
class AudienceLogic:
    """What reasoning about audiences needs, made once per run: trait domains, segment definitions, a memo."""

    domains: logic.Domains
    expand: Callable[[str], ir.Expr | None]
    memo: logic.Memo


def audience_logic(ctx: CheckContext) -> AudienceLogic:
    """The run's `AudienceLogic` (made on first use)."""
    if ctx.shared.audience_logic is None:
        ctx.shared.audience_logic = AudienceLogic(profile_domains(ctx.project), segment_expander(ctx.project), {})
    return ctx.shared.audience_logic


def logic_memo(ctx: CheckContext) -> logic.Memo:
    """A memo of normal forms for the conditions of this run (`where` filters, audiences)."""
    return audience_logic(ctx).memo
