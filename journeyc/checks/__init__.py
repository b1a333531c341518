"""All checks of the resolved project. Checks return diagnostics; they never print or exit."""

from __future__ import annotations

from journeyc.checks.analysis.facts import JourneyFacts, journey_facts, project_journeys
from journeyc.checks.context import CheckContext, one
from journeyc.checks.rules.conflicts import check_conflicts
from journeyc.checks.rules.declarations import check_channel, check_message, check_policy, check_profile, check_types
from journeyc.checks.rules.flow import check_flow
from journeyc.checks.rules.journeys import check_journey
from journeyc.checks.rules.messages import check_messages
from journeyc.checks.rules.policy_fit import check_policy_fit
from journeyc.checks.rules.segments import check_segment, check_segment_cycles
from journeyc.diagnostics import Diagnostic
from journeyc.ir import SourceFile


def run_checks(ctx: CheckContext) -> list[Diagnostic]:
    """Every check over every file, in a fixed order; messages before journeys (journeys use their templates).

    Each `ctx.unit` is a piece an incremental check can replay when nothing it reads changed, and `ctx.grouped`
    runs of them it can replay in one step."""
    files = ctx.resolved.files
    ctx.grouped("declarations", [(path, files[path]) for path in sorted(files)], _file_and_source,
                lambda item: ctx.unit("declarations", item, _check_declarations, ctx, *item))  # fmt: skip
    ctx.unit("segment cycles", None, check_segment_cycles, ctx, ctx.project.segments)
    journeys = [(journey, path) for path in sorted(files) for journey in files[path].journeys]
    ctx.grouped("journey", journeys, _journey_and_file,
                lambda j: ctx.unit("journey", j, check_journey, ctx, *j))  # fmt: skip
    check_messages(ctx)
    # Flow, policy and cross-journey checks work on each journey's paths and timings.
    facts = ctx.grouped("facts", project_journeys(ctx.project, files), _journey_and_file,
                        lambda j: ctx.unit("facts", j, journey_facts, ctx.project, *j))  # fmt: skip
    ctx.grouped("paths", facts, one, lambda each: ctx.unit("paths", each, _check_paths, ctx, each))
    check_conflicts(ctx, facts)
    return ctx.diagnostics


def _journey_and_file(item: tuple[object, str]) -> tuple[int, str]:
    return id(item[0]), item[1]


def _file_and_source(item: tuple[str, SourceFile]) -> tuple[str, int]:
    return item[0], id(item[1])


def _check_paths(ctx: CheckContext, facts: JourneyFacts) -> None:
    """A journey's paths: its flow, and each send against the contact policy."""
    check_flow(ctx, facts.journey)
    check_policy_fit(ctx, facts)


def _check_declarations(ctx: CheckContext, path: str, source: SourceFile) -> None:
    """Everything a file declares but its journeys (which need every message's templates checked first)."""
    for event in source.events:
        check_types(ctx, event.properties, path)
    for shape in source.shapes:
        check_types(ctx, shape.type.fields, path)
    for profile in source.profiles:
        check_profile(ctx, profile, path)
    for channel in source.channels:
        check_channel(ctx, channel, path)
    for segment in source.segments:
        check_segment(ctx, segment, path)
    for message in source.messages:
        check_message(ctx, message, path)
    for policy in source.policies:
        check_policy(ctx, policy, path)
