"""Checks of one journey against the project: names it uses, its conditions, its sends and experiments."""

from __future__ import annotations

from dataclasses import replace

from journeyc import ir
from journeyc.checks.context import CheckContext, did_you_mean
from journeyc.checks.rules.expressions import Scope, check_condition, infer
from journeyc.diagnostics import Label


def check_journey(ctx: CheckContext, journey: ir.Journey, file: str) -> None:
    if journey.owner is not None:
        ctx.lookup("team", journey.owner.name, file, journey.owner.span)
    if journey.category is not None:
        ctx.lookup("category", journey.category.name, file, journey.category.span)
    scope = _trigger_scope(ctx, journey, file)
    if journey.audience is not None:
        check_condition(ctx, journey.audience, scope)
    for rule in journey.entry:
        if rule.kind == "one_active" and rule.key is not None:
            _check_trigger_property(ctx, scope, rule.key, "run per")
    if journey.goal is not None:
        _check_event_filter(ctx, journey.goal.event, journey.goal.event_span, journey.goal.where, scope)
    for exit_event in journey.exits:
        _check_event_filter(ctx, exit_event.event, exit_event.event_span, exit_event.where, scope)
    _check_steps(ctx, journey, journey.steps, scope)


def _trigger_scope(ctx: CheckContext, journey: ir.Journey, file: str) -> Scope:
    trigger = journey.trigger
    scope = Scope(file=file, in_journey=True, trigger_kind=trigger.kind if trigger else None)
    if isinstance(trigger, ir.EventTrigger):
        event = ctx.lookup("event", trigger.event, file, trigger.event_span)
        scope = replace(scope, trigger=event)
        if event is not None:
            if trigger.where is not None:
                inner = replace(scope, bare=event.properties, bare_what=f'event "{event.name}"', in_filter=True)
                check_condition(ctx, trigger.where, inner)
            if trigger.key is not None:
                _check_trigger_property(ctx, scope, trigger.key, "keyed by")
    elif isinstance(trigger, ir.SegmentTrigger):
        ctx.lookup("segment", trigger.segment.name, file, trigger.segment.span)
    return scope


def _check_trigger_property(ctx: CheckContext, scope: Scope, key: ir.Name, words: str) -> None:
    if scope.trigger is None:
        if scope.trigger_kind in ("segment", "schedule"):
            ctx.error(
                "J118",
                f'"{words} {key.name}" needs a trigger event, but this journey starts on a {scope.trigger_kind}',
                key.span,
                "no trigger event to read it from",
            )
        return
    prop = scope.trigger.property(key.name)
    if prop is None:
        path = ir.Path(parts=("trigger", key.name), span=key.span)
        infer(ctx, path, scope)


def _check_event_filter(
    ctx: CheckContext, event_name: str, span: ir.Span, where: ir.Expr | None, scope: Scope
) -> ir.Event | None:
    event = ctx.lookup("event", event_name, scope.file, span)
    if event is not None and where is not None:
        inner = replace(scope, bare=event.properties, bare_what=f'event "{event.name}"', in_filter=True)
        check_condition(ctx, where, inner)
    return event


def _check_steps(ctx: CheckContext, journey: ir.Journey, steps: tuple[ir.Step, ...], scope: Scope) -> None:
    for step in steps:
        if isinstance(step, ir.SendStep):
            _check_send(ctx, journey, step, scope)
        elif isinstance(step, ir.WaitForStep):
            _check_event_filter(ctx, step.event, step.event_span, step.where, scope)
            _check_steps(ctx, journey, step.then, scope)
            _check_steps(ctx, journey, step.otherwise, scope)
        elif isinstance(step, ir.IfStep):
            for branch in step.branches:
                check_condition(ctx, branch.condition, scope)
                _check_steps(ctx, journey, branch.steps, scope)
            if step.otherwise is not None:
                _check_steps(ctx, journey, step.otherwise, scope)
        elif isinstance(step, ir.ExperimentStep):
            _check_experiment(ctx, step)
            for arm in step.arms:
                _check_steps(ctx, journey, arm.steps, scope)


def _check_send(ctx: CheckContext, journey: ir.Journey, step: ir.SendStep, scope: Scope) -> None:
    file = scope.file
    message = ctx.lookup("message", step.message.name, file, step.message.span)
    if step.offer is not None:
        ctx.lookup("offer", step.offer.name, file, step.offer.span)
    if step.channel is not None:
        channel = ctx.lookup("channel", step.channel.name, file, step.channel.span)
        if message is not None and channel is not None and message.channel.name != step.channel.name:
            ctx.error(
                "J210",
                f'message "{message.name}" is written for {message.channel.name}, not {step.channel.name}',
                step.channel.span,
                f"sent on {step.channel.name} here",
                labels=(Label(span=message.channel.span, message=f"written for {message.channel.name}"),),
                help=f"write `send {message.channel.name} {message.name}`, or a message for {step.channel.name}",
            )
    if message is None:
        return
    for read in ctx.trigger_uses.get(message.name, []):
        prop = read.attr
        if scope.trigger is None and scope.trigger_kind == "event":
            continue  # unknown trigger event, reported already
        if scope.trigger is None:
            ctx.error(
                "J118",
                f'message "{message.name}" reads trigger.{prop}, but journey "{journey.name}" has no trigger event',
                read.span,
                "needs a trigger event",
                labels=(Label(span=step.span, message=f'sent by journey "{journey.name}" here'),),
                help="use profile traits in messages that segment- or schedule-triggered journeys send",
            )
        elif scope.trigger.property(prop) is None:
            names = [p.name for p in scope.trigger.properties]
            ctx.error(
                "J206",
                f'message "{message.name}" reads trigger.{prop}, but "{scope.trigger.name}" has no property "{prop}"',
                read.span,
                "unknown trigger property",
                labels=(
                    Label(
                        span=step.span, message=f'sent by journey "{journey.name}", triggered by "{scope.trigger.name}"'
                    ),
                ),
                help=did_you_mean(prop, names)
                or (f'"{scope.trigger.name}" has ' + ", ".join(names) if names else "this event has no properties"),
            )


def _check_experiment(ctx: CheckContext, step: ir.ExperimentStep) -> None:
    total = sum(arm.weight for arm in step.arms) + (step.holdout or 0)
    if abs(total - 100) > 1e-9:
        parts = [f"{arm.name} {arm.weight:g}%" for arm in step.arms]
        if step.holdout is not None:
            parts.append(f"holdout {step.holdout:g}%")
        ctx.error(
            "J304",
            f'the arms of experiment "{step.name}" add up to {total:g}%, not 100%',
            step.span,
            " + ".join(parts) + f" = {total:g}%",
            help="make the arms and the holdout add up to exactly 100%",
        )
    if not step.arms:
        ctx.error("J116", f'experiment "{step.name}" has no arms', step.span, help="add e.g. `arm a 50% { ... }`")
