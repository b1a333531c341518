"""What runs already inside a journey can still need: the steps they can reach after a wait, and the events,
properties, traits, messages, channels and offers those steps (and the goal and exits they listen for) read.

A run that never waits finishes the moment it starts, so only journeys with a wait have runs in flight; what a
run does before its first wait is done before any deploy can reach it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from journeyc import ir
from journeyc.checks.analysis.template_trees import parse_template, template_reads
from journeyc.checks.analysis.timeline import longest_wait
from journeyc.checks.analysis.walk import all_steps, children
from journeyc.pipeline import CheckResult

WAITS = (ir.WaitStep, ir.WaitUntilStep, ir.WaitForStep)


@dataclass
class Uses:
    """One journey's needs after a wait, each name with the spans (in its version) that need it."""

    events: dict[str, list[ir.Span]] = field(default_factory=dict)
    properties: dict[tuple[str, str], list[ir.Span]] = field(default_factory=dict)  # (event, property)
    traits: dict[str, list[ir.Span]] = field(default_factory=dict)
    messages: dict[str, list[ir.Span]] = field(default_factory=dict)
    channels: dict[str, list[ir.Span]] = field(default_factory=dict)
    offers: dict[str, list[ir.Span]] = field(default_factory=dict)

    @staticmethod
    def add(found: dict, key: object, span: ir.Span) -> None:
        found.setdefault(key, []).append(span)


def has_runs_in_flight(journey: ir.Journey) -> bool:
    return any(isinstance(step, WAITS) for step in all_steps(journey.steps))


def after_a_wait(steps: tuple[ir.Step, ...], waited: bool = False) -> Iterator[ir.Step]:
    """The steps a run can reach after it has waited at least once (a compound step with a wait inside counts as
    waiting for what follows it)."""
    for step in steps:
        if waited:
            yield step
        blocks = children(step)
        inner_waited = waited or isinstance(step, ir.WaitForStep)
        for block in blocks:
            yield from after_a_wait(block, inner_waited)
        if isinstance(step, WAITS) or any(isinstance(s, WAITS) for block in blocks for s in all_steps(block)):
            waited = True


def longest_rest(steps: tuple[ir.Step, ...], after: int = 0) -> dict[int, int]:
    """id(step) -> the longest a run can take from reaching that step to its end, in seconds (`after`: what the
    steps after this block add)."""
    found: dict[int, int] = {}
    rest = after
    for step in reversed(steps):
        if isinstance(step, ir.ExitStep):
            rest = 0
        blocks = children(step)
        if isinstance(step, ir.IfStep) and step.otherwise is None:
            blocks = [*blocks, ()]
        if isinstance(step, ir.ExperimentStep) and step.holdout:
            blocks = [*blocks, ()]
        longest_inside = rest
        for block in blocks:
            inner = longest_rest(block, rest)
            found.update(inner)
            longest_inside = max(longest_inside, inner[id(block[0])] if block else rest)
        rest = longest_wait(step) + longest_inside
        found[id(step)] = rest
    return found


def _condition(expr: ir.Expr | None, span: ir.Span, uses: Uses, project: ir.Project, seen: set[str]) -> None:
    """The events, properties, traits and segments a condition reads (segments read through, once each)."""
    if expr is None:
        return
    pending: list[tuple[ir.Expr | ir.Operand, str | None]] = [(expr, None)]  # (node, the event bare names belong to)
    while pending:
        node, event = pending.pop()
        if isinstance(node, ir.Path):
            if node.parts[0] == "profile" and len(node.parts) > 1:
                Uses.add(uses.traits, node.parts[1], span)
            elif event is not None and len(node.parts) == 1:
                Uses.add(uses.properties, (event, node.parts[0]), span)
        elif isinstance(node, ir.LastValue):
            Uses.add(uses.events, node.event, span)
            Uses.add(uses.properties, (node.event, node.property), span)
        elif isinstance(node, ir.Behaviour):
            Uses.add(uses.events, node.event, span)
            if node.sum_of:
                Uses.add(uses.properties, (node.event, node.sum_of), span)
            if node.where is not None:
                pending.append((node.where, node.event))
        elif isinstance(node, ir.InSegment):
            segment = project.segments.get(node.segment)
            if segment is not None and node.segment not in seen:
                seen.add(node.segment)
                pending.append((segment.condition, None))
        elif isinstance(node, ir.ListPredicate):
            pending.append((node.list, event))  # the items' own fields belong to no event
        elif isinstance(node, ir.And | ir.Or):
            pending.extend((item, event) for item in node.items)
        elif isinstance(node, ir.Not):
            pending.append((node.item, event))
        elif isinstance(node, ir.Compare):
            pending += [(node.left, event), (node.right, event)]
        elif isinstance(node, ir.Truthy | ir.IsSet | ir.IsOneOf):
            pending.append((node.operand, event))


def _listened(event: str, where: ir.Expr | None, span: ir.Span, uses: Uses, project: ir.Project) -> None:
    """An event a waiting run listens for (goal, exit, `wait up to ... for`), and what its filter reads."""
    Uses.add(uses.events, event, span)
    _condition(where, span, uses, project, set())
    if where is not None:
        for node in _bare_paths(where):
            Uses.add(uses.properties, (event, node), span)


def _bare_paths(expr: ir.Expr) -> set[str]:
    """The bare property names a `where` filter reads at its top (not inside a list's items)."""
    found: set[str] = set()
    pending: list[object] = [expr]
    while pending:
        node = pending.pop()
        if isinstance(node, ir.Path) and len(node.parts) == 1:
            found.add(node.parts[0])
        elif isinstance(node, ir.ListPredicate):
            pending.append(node.list)
        elif isinstance(node, ir.And | ir.Or):
            pending.extend(node.items)
        elif isinstance(node, ir.Not):
            pending.append(node.item)
        elif isinstance(node, ir.Compare):
            pending += [node.left, node.right]
        elif isinstance(node, ir.Truthy | ir.IsSet | ir.IsOneOf):
            pending.append(node.operand)
    return found


def uses_after_a_wait(result: CheckResult, journey: ir.Journey) -> Uses:
    """What the runs of `journey` in flight can still read (nothing when it has no wait)."""
    uses, project = Uses(), result.project
    if not has_runs_in_flight(journey):
        return uses
    if journey.goal is not None:
        _listened(journey.goal.event, journey.goal.where, journey.goal.span, uses, project)
    for exit_event in journey.exits:
        _listened(exit_event.event, exit_event.where, exit_event.span, uses, project)
    for step in all_steps(journey.steps):  # a run can be waiting at any `wait up to ... for`
        if isinstance(step, ir.WaitForStep):
            _listened(step.event, step.where, step.span, uses, project)
    for step in after_a_wait(journey.steps):
        if isinstance(step, ir.IfStep):
            for branch in step.branches:
                _condition(branch.condition, branch.span, uses, project, set())
        elif isinstance(step, ir.SendStep):
            _send(result, step, uses)
    return uses


def _send(result: CheckResult, step: ir.SendStep, uses: Uses) -> None:
    project = result.project
    Uses.add(uses.messages, step.message.name, step.span)
    message = project.messages.get(step.message.name)
    channel_name = step.channel.name if step.channel else (message.channel.name if message else None)
    if channel_name:
        Uses.add(uses.channels, channel_name, step.span)
        channel = project.channels.get(channel_name)
        for trait in (channel.address, channel.consent) if channel else ():
            if trait is not None:
                Uses.add(uses.traits, trait.name, step.span)
    if step.offer is not None:
        Uses.add(uses.offers, step.offer.name, step.span)
    for trait_name in _template_traits(result, message):
        Uses.add(uses.traits, trait_name, step.span)


def _template_traits(result: CheckResult, message: ir.Message | None) -> set[str]:
    """The traits a message's inline templates read as `profile.<trait>` (Jinja2 reads them)."""
    from jinja2 import TemplateSyntaxError

    from journeyc.checks.context import CheckContext

    if message is None:
        return set()
    ctx = CheckContext(resolved=result.resolved, root=result.files.root)
    found: set[str] = set()
    for item in message.fields:
        if item.text is None or "{" not in item.text:
            continue
        try:
            tree = parse_template(ctx, item.text)
        except TemplateSyntaxError:
            continue
        found |= {attr for name, attr, _ in template_reads(ctx, item.text, tree).attributes if name == "profile"}
    return found
