"""What a contact policy rule applies to: the categories it exempts, the sends a cap counts, the categories a
suppression holds back, and how many runs of a journey one customer can have within a cap's window.

The policy and conflict checks (rules/policy_fit.py, cap_budget.py, conflicts.py, suppression_breach.py) and
`journeyc diff` (review/declarations.py) read the policy through these.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from journeyc import ir
from journeyc.checks.analysis.timeline import PlannedSend


def exempt(policy: ir.Policy | None, category: str | None, rule: str) -> bool:
    """Whether the policy exempts this category from a rule (caps, quiet_hours, suppression, consent)."""
    if policy is None or category is None:
        return False
    return any(
        rule in exemption.rules and any(c.name == category for c in exemption.categories)
        for exemption in policy.exemptions
    )


def cap_counter(policy: ir.Policy, cap: ir.Cap) -> Callable[[PlannedSend], bool]:
    """Whether a send counts against a cap (its category and channel are in scope, and it is not exempt).

    The names in scope are gathered once, for the many sends of the many paths a cap is checked against.
    """
    exempt_categories = {c.name for rule in policy.exemptions if "caps" in rule.rules for c in rule.categories}
    categories = {c.name for c in cap.categories}
    channels = {c.name for c in cap.channels}

    def counts(planned: PlannedSend) -> bool:
        if planned.category is not None and planned.category in exempt_categories:
            return False
        if categories and planned.category not in categories:
            return False
        return not (channels and (planned.channel is None or planned.channel.name not in channels))

    return counts


def cap_scope_words(cap: ir.Cap) -> str:
    words = "messages"
    if cap.categories:
        words = " or ".join(c.name for c in cap.categories) + " messages"
    if cap.channels:
        words += " on " + " or ".join(c.name for c in cap.channels)
    return words


def suppresses(policy: ir.Policy, rule: ir.Suppression, category: str | None) -> bool:
    return category in {c.name for c in rule.categories} and not exempt(policy, category, "suppression")


def runs_in(journey: ir.Journey, window: int) -> tuple[int, str | None]:
    """How many runs of a journey one customer can have within `window`, and a note when it is a guess."""
    bounds: list[int] = []
    for rule in journey.entry:
        if rule.kind == "once":
            bounds.append(1)
        elif rule.kind == "once_per" and rule.period is not None and rule.period.seconds > 0:
            bounds.append(max(1, math.ceil(window / rule.period.seconds)))
        elif rule.kind == "max_times" and rule.times is not None:
            bounds.append(rule.times)
    if bounds:
        return min(bounds), None
    if isinstance(journey.trigger, ir.EventTrigger):
        return 1, f'"{journey.name}" has no entry rule: every trigger event starts another run, so it can send more'
    return 1, None
