"""Promotions that reach customers right after a bad experience the policy declares (J705).

The policy's `suppress <categories> for <duration> after "<event>" where <condition>` rules are what a project
declares to be a bad experience: that event, under that condition, for that long. A journey started by the
same event reaches those customers when one of its sends can: the path to the send (the trigger filter, the
audience and the branches on the way) is compatible with the rule's `where`, and the send can fall inside the
window. Two forms are reported:
- the rule suppresses the send's category: the runtime drops those sends, and the journey's numbers are wrong;
- the rule holds other categories back but not promotional ones (nor does any other rule on that event), and
  the policy does not exempt promotions from suppression: the unhappy customer gets the promotion.
"""

from __future__ import annotations

from collections.abc import Callable

from journeyc import ir
from journeyc.checks.analysis.facts import JourneyFacts
from journeyc.checks.analysis.moments import starts
from journeyc.checks.analysis.path_conditions import ENTRY, Condition, reasoner
from journeyc.checks.analysis.policy_scope import exempt, suppresses
from journeyc.checks.analysis.timeline import PlannedSend
from journeyc.checks.context import CheckContext
from journeyc.diagnostics import Label

PROMOTIONAL = "promotional"  # the stdlib's category of offers, discounts and marketing


def check_suppression_breaches(ctx: CheckContext, policy: ir.Policy, facts: list[JourneyFacts]) -> None:
    filtered: dict[str, list[JourneyFacts]] = {}  # journeys started by a filtered event, by event
    for f in facts:
        trigger = f.journey.trigger
        if isinstance(trigger, ir.EventTrigger) and trigger.where is not None:
            filtered.setdefault(trigger.event, []).append(f)
    for f in facts:
        trigger = f.journey.trigger
        if isinstance(trigger, ir.EventTrigger) and f.sends:
            rules = [rule for rule in policy.suppressions if rule.event == trigger.event]
            if rules:
                others = [other for other in filtered.get(trigger.event, []) if other is not f]
                ctx.unit("breach", (f, others), _check_journey, ctx, policy, f, rules, others)


def _check_journey(
    ctx: CheckContext, policy: ir.Policy, facts: JourneyFacts, rules: list[ir.Suppression], others: list[JourneyFacts]
) -> None:
    """`rules`: the suppressions after the journey's trigger event; `others`: the other journeys started by a
    filtered trigger on that event."""
    trigger = facts.journey.trigger
    assert isinstance(trigger, ir.EventTrigger)
    reasoning, [start] = reasoner(ctx), starts(ctx, facts)
    entry = reasoning.both(start.condition(reasoning), reasoning.of(facts.audience, ENTRY))
    for rule in rules:
        if not any(suppresses(policy, rule, p.category) for p in facts.sends):
            continue
        if reasoning.implies(start.condition(reasoning), rule.where, start.event):
            continue  # every run is suppressed: J604, reported with the policy checks

        def counts(planned: PlannedSend, rule: ir.Suppression = rule) -> bool:
            return suppresses(policy, rule, planned.category)

        if _reached(ctx, facts, entry, rule, counts) is None:
            continue
        labels = [Label(span=rule.span, message=f"suppresses {_categories(rule)} for {rule.duration.text}")]
        found, handled = _handler(ctx, others, rule), ""
        if found is not None:
            handler, handler_trigger = found
            labels.append(Label(span=handler_trigger.span, message=f"{handler.who} handles these customers"))
            handled = f'; {handler.owner}\'s "{handler.name}" is looking after them'
        ctx.report(
            "J705",
            f'journey "{facts.name}" ({facts.owner}) starts on every "{trigger.event}", including the ones that '
            f"open a suppression window for its messages",
            trigger.span,
            "also matches the suppressing events",
            labels=tuple(labels),
            help=f"its sends to those customers will be dropped{handled}: add a filter that leaves them out, "
            "such as the opposite of the suppression's `where`",
        )
        return
    if any(suppresses(policy, rule, PROMOTIONAL) for rule in rules) or exempt(policy, PROMOTIONAL, "suppression"):
        return
    for rule in rules:
        planned = _reached(ctx, facts, entry, rule, lambda p: p.category == PROMOTIONAL)
        if planned is None:
            continue
        labels = [
            Label(span=rule.span, message=f"a bad experience: {_categories(rule)} held back for {rule.duration.text}")
        ]
        found = _handler(ctx, others, rule)
        if found is not None:
            handler, handler_trigger = found
            labels.append(Label(span=handler_trigger.span, message=f"{handler.who} handles these customers"))
        ctx.report(
            "J705",
            f'promotional journey "{facts.name}" ({facts.owner}) reaches customers right after a "{trigger.event}" '
            "the policy treats as a bad experience",
            trigger.span,
            "also matches those events",
            labels=(*labels, Label(span=planned.step.span, message="a promotion they get")),
            help=f"the policy holds {_categories(rule)} messages back after them, but not promotional ones: add "
            f"promotional to that rule, or filter these customers out (the opposite of its `where`)",
        )
        return


def _reached(
    ctx: CheckContext,
    facts: JourneyFacts,
    entry: Condition,
    rule: ir.Suppression,
    counts: Callable[[PlannedSend], bool],
) -> PlannedSend | None:
    """The first send `counts` picks that a customer the rule covers can get inside its window."""
    reasoning = reasoner(ctx)
    event = facts.trigger_event
    for planned in facts.variants:
        if not counts(planned) or planned.clock.earliest >= rule.duration.seconds:
            continue
        path = reasoning.both(entry, *(reasoning.guard(g, facts.journey) for g in planned.guards))
        if reasoning.meet(path, reasoning.of(rule.where), event):
            return planned
    return None


def _categories(rule: ir.Suppression) -> str:
    return ", ".join(c.name for c in rule.categories)


def _handler(
    ctx: CheckContext, others: list[JourneyFacts], rule: ir.Suppression
) -> tuple[JourneyFacts, ir.EventTrigger] | None:
    """Another journey (of a filtered trigger on the same event) that starts on the declared bad experience, and
    its trigger."""
    reasoning = reasoner(ctx)
    bad = reasoning.of(rule.where)
    for other in others:
        trigger = other.journey.trigger
        assert isinstance(trigger, ir.EventTrigger)
        if reasoning.meet(reasoning.of(trigger.where), bad, other.trigger_event):
            return other, trigger
    return None
