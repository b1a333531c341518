"""Conflicts between journeys, usually of different teams (J701-J705): the checks no journey tool has.

Two journeys *overlap* when one customer can be inside both at once. journeyc says they cannot only when it
can prove it: their audiences (or, for the same trigger event, their trigger filters) contradict each other,
such as `profile.tier == "gold"` and `profile.tier != "gold"`. Every conflict names both journeys, both owner
teams and both places, and says why journeyc thinks they overlap.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from journeyc import ir
from journeyc.checks import logic
from journeyc.checks.context import CheckContext
from journeyc.checks.facts import JourneyFacts, audience_logic, event_domains, exempt, logic_memo
from journeyc.checks.policy_fit import cap_counter, cap_scope_words, suppresses
from journeyc.checks.timeline import PlannedSend, as_written, describe_offset, duration_words, most_in_window
from journeyc.diagnostics import Label

MAX_AUDIENCE_GROUPS = 64  # the cap budget compares at most this many distinct audiences, heaviest first


def check_conflicts(ctx: CheckContext, facts: list[JourneyFacts]) -> None:
    _check_offer_codes(ctx, facts)
    by_moment: dict[str, list[JourneyFacts]] = {}
    for f in facts:
        trigger = f.journey.trigger
        if isinstance(trigger, ir.EventTrigger):
            by_moment.setdefault(f"event {trigger.event}", []).append(f)
        elif isinstance(trigger, ir.SegmentTrigger):
            by_moment.setdefault(f"segment {trigger.segment.name}", []).append(f)
    for key in sorted(by_moment):
        _check_moment(ctx, by_moment[key])
    policy = ctx.project.policy
    if policy is not None:
        for cap in policy.caps:
            _check_cap_budget(ctx, policy, cap, facts)
        filtered: dict[str, list[JourneyFacts]] = {}  # journeys started by a filtered event, by event
        for f in facts:
            trigger = f.journey.trigger
            if isinstance(trigger, ir.EventTrigger) and trigger.where is not None:
                filtered.setdefault(trigger.event, []).append(f)
        for a in facts:
            _check_suppression_breach(ctx, policy, a, filtered)


def _check_moment(ctx: CheckContext, members: list[JourneyFacts]) -> None:
    """Journeys that start at the same moment: each one's first clash with an earlier journey is reported.

    One report per journey and rule keeps the output (and the work) linear in the number of journeys when
    many journeys share a trigger; whether two journeys overlap is decided once per pair of conditions.
    """
    reasons: dict[tuple[str, str], str | None] = {}

    def reason_for(a: JourneyFacts, b: JourneyFacts) -> str | None:
        pair = (a.condition_key, b.condition_key)
        if pair not in reasons:
            reasons[pair] = same_moment_reason(ctx, a, b)
        return reasons[pair]

    window = ctx.config.redundancy_window_seconds
    for index, b in enumerate(members):
        need_offer, need_redundant = bool(_offers(b)), bool(b.sends)
        for a in members[:index]:
            if not (need_offer or need_redundant):
                break
            offer_clash = need_offer and _offers(a) and _offers(a) != _offers(b)
            close = need_redundant and _close_sends(a, b, window)
            if not (offer_clash or close):
                continue
            reason = reason_for(a, b)
            if reason is None or _overlap_suppressed(ctx, a, b):
                continue
            if offer_clash:
                _check_offers(ctx, a, b, reason)
                need_offer = False
            if close:
                _report_redundant(ctx, a, b, close, reason)
                need_redundant = False


def _offers(f: JourneyFacts) -> frozenset[str]:
    return frozenset(p.offer for p in f.sends if p.offer)


def _close_sends(a: JourneyFacts, b: JourneyFacts, window: int) -> tuple[PlannedSend, PlannedSend] | None:
    """The first pair of sends of a and b on different channels that can fall within `window` of each other."""
    for first in a.sends:
        for second in b.sends:
            if first.channel is None or second.channel is None or first.channel.name == second.channel.name:
                continue
            if _gap(first, second) < window:
                return first, second
    return None


# ---------------------------------------------------------------- overlap
def audiences_overlap(ctx: CheckContext, a: JourneyFacts, b: JourneyFacts) -> bool:
    """Whether one customer can be in the audiences of both, decided once per run for each pair of distinct
    audiences (journeys with equal `audience_key`s have the same audience, and many share one)."""
    first, second = sorted((a, b), key=lambda f: f.audience_key)
    decided: dict[tuple[str, str], bool] = ctx.memo.setdefault("audiences overlap", {})  # type: ignore[assignment]
    key = (first.audience_key, second.audience_key)
    if key not in decided:
        reasoning = audience_logic(ctx)
        decided[key] = logic.both_possible(
            first.audience, second.audience, reasoning.domains, reasoning.expand, reasoning.memo
        )
    return decided[key]


def same_moment_reason(ctx: CheckContext, a: JourneyFacts, b: JourneyFacts) -> str | None:
    """Why a and b start for the same customer at the same moment, or None if they cannot."""
    ta, tb = a.journey.trigger, b.journey.trigger
    if isinstance(ta, ir.EventTrigger) and isinstance(tb, ir.EventTrigger) and ta.event == tb.event:
        domains, memo = event_domains(ctx, a.trigger_event), logic_memo(ctx)
        if not logic.both_possible(ta.where, tb.where, domains, memo=memo) or not audiences_overlap(ctx, a, b):
            return None
        return f'both start on "{ta.event}" and nothing keeps one customer out of either'
    if isinstance(ta, ir.SegmentTrigger) and isinstance(tb, ir.SegmentTrigger) and ta.segment.name == tb.segment.name:
        if not audiences_overlap(ctx, a, b):
            return None
        return f'both start when a customer enters segment "{ta.segment.name}"'
    return None


def _overlap_suppressed(ctx: CheckContext, a: JourneyFacts, b: JourneyFacts) -> bool:
    """Whether, for every event that starts both, the policy suppresses all the messages of one of them."""
    policy, ta, tb = ctx.project.policy, a.journey.trigger, b.journey.trigger
    if policy is None or not isinstance(ta, ir.EventTrigger) or not isinstance(tb, ir.EventTrigger):
        return False
    domains = event_domains(ctx, a.trigger_event)
    both = ir.And(items=tuple(w for w in (ta.where, tb.where) if w is not None), span=ta.span)
    for rule in policy.suppressions:
        if rule.event != ta.event or not logic.implies(both if both.items else None, rule.where, domains):
            continue
        for side in (a, b):
            if side.sends and all(suppresses(policy, rule, p.category) for p in side.sends):
                return True
    return False


def _teams(a: JourneyFacts, b: JourneyFacts) -> str:
    """The subject of a sentence about both owners (plural verb)."""
    return f"teams {a.owner} and {b.owner}" if a.owner != b.owner else f"{a.owner}'s two journeys"


# ---------------------------------------------------------------- offers
def _value_words(value: ir.OfferValue) -> str:
    return f"{value.amount:g}% off" if value.unit == "percent" else f"{value.amount:g} {value.unit} off"


def _offer_words(ctx: CheckContext, name: str) -> str:
    offer = ctx.project.offers.get(name)
    if offer is None or offer.value is None:
        return name
    return f"{name} ({_value_words(offer.value)})"


def _check_offers(ctx: CheckContext, a: JourneyFacts, b: JourneyFacts, reason: str) -> None:
    offers_a = [p for p in a.sends if p.offer]
    offers_b = [p for p in b.sends if p.offer]
    if not offers_a or not offers_b:
        return
    first, second = offers_a[0], offers_b[0]
    if {p.offer for p in offers_a} == {p.offer for p in offers_b}:
        return
    ctx.report(
        "J701",
        f'journeys "{a.name}" ({a.owner}) and "{b.name}" ({b.owner}) answer the same moment with different offers: '
        f"{_offer_words(ctx, first.offer or '')} and {_offer_words(ctx, second.offer or '')}",
        second.step.offer.span if second.step.offer else second.step.span,
        f"{b.owner} offers {second.offer} here",
        labels=(
            Label(
                span=first.step.offer.span if first.step.offer else first.step.span,
                message=f'{a.owner}\'s "{a.name}" offers {first.offer} here',
            ),
        ),
        notes=(f"they overlap because they {reason}",),
        help=f"{_teams(a, b)} should agree on one offer for this moment, or make the audiences exclusive",
    )


def _check_offer_codes(ctx: CheckContext, facts: list[JourneyFacts]) -> None:
    senders: dict[str, list[str]] = {}
    for f in facts:
        for planned in f.sends:
            if planned.offer and f.owner not in senders.setdefault(planned.offer, []):
                senders[planned.offer].append(f.owner)

    def who(offer: ir.Offer) -> str:
        teams = senders.get(offer.name)
        return (
            f"offer {offer.name}, sent by {' and '.join(teams)}" if teams else f"offer {offer.name}, sent by no journey"
        )

    by_code: dict[str, ir.Offer] = {}
    for name in sorted(ctx.project.offers):
        offer = ctx.project.offers[name]
        if offer.code is None or offer.value is None:
            continue
        first = by_code.setdefault(offer.code, offer)
        if first is offer or first.value is None:
            continue
        if (first.value.amount, first.value.unit) != (offer.value.amount, offer.value.unit):
            ctx.report(
                "J702",
                f'the code "{offer.code}" means {_value_words(offer.value)} in offer {offer.name} '
                f"and {_value_words(first.value)} in offer {first.name}",
                offer.value.span,
                who(offer),
                labels=(Label(span=first.value.span, message=who(first)),),
                help="the checkout applies one value per code: give each value its own code",
            )


# ---------------------------------------------------------------- redundant messages
def _report_redundant(
    ctx: CheckContext, a: JourneyFacts, b: JourneyFacts, pair: tuple[PlannedSend, PlannedSend], reason: str
) -> None:
    first, second = pair
    assert first.channel is not None and second.channel is not None
    window = ctx.config.redundancy_window_seconds
    ctx.report(
        "J703",
        f'"{a.name}" ({a.owner}) and "{b.name}" ({b.owner}) message the same customer on '
        f"{first.channel.name} and {second.channel.name} within {duration_words(window)} of each other",
        second.step.span,
        f"{second.channel.name}, {describe_offset(second.clock)}",
        labels=(Label(span=first.step.span, message=f"{first.channel.name}, {describe_offset(first.clock)}"),),
        notes=(f"they overlap because they {reason}",),
        help=f"{_teams(a, b)} are sending the same nudge twice: keep one, or wait longer in one of them",
    )


def _gap(first: PlannedSend, second: PlannedSend) -> float:
    """The smallest possible time between two sends timed from the same moment."""
    return max(0, first.clock.earliest - second.clock.latest, second.clock.earliest - first.clock.latest)


# ---------------------------------------------------------------- cap budgets
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


def _weight(
    cap: ir.Cap, counts: Callable[[PlannedSend], bool], facts: JourneyFacts
) -> tuple[int, list[PlannedSend], str | None]:
    """`counts`: whether a send counts against `cap` (its `cap_counter`)."""
    best: list[PlannedSend] = []
    for path in facts.paths:
        run = most_in_window([p for p in path if counts(p)], cap.window.seconds)
        if len(run) > len(best):
            best = run
    runs, note = runs_in(facts.journey, cap.window.seconds)
    return len(best) * runs, best, note if best else None


def _check_cap_budget(ctx: CheckContext, policy: ir.Policy, cap: ir.Cap, facts: list[JourneyFacts]) -> None:
    counts = cap_counter(policy, cap)
    weights = {id(f): _weight(cap, counts, f) for f in facts}
    # Journeys with the same audience overlap each other: group them, then grow the heaviest set of groups
    # whose audiences all overlap pairwise.
    groups: dict[str, list[JourneyFacts]] = {}
    for f in facts:
        if weights[id(f)][0] > 0:
            groups.setdefault(f.audience_key, []).append(f)
    weight = {key: sum(weights[id(f)][0] for f in members) for key, members in groups.items()}
    keys = sorted(groups, key=lambda k: (-weight[k], k))[:MAX_AUDIENCE_GROUPS]
    neighbours = _overlapping_groups(ctx, keys, groups)
    chosen: list[str] = []
    for start in keys:
        # `common`: the groups that overlap every member so far, so the next one to join is the first of them.
        clique, common = [start], neighbours[start]
        for other in keys:
            if other in common:
                clique.append(other)
                common = common & neighbours[other]
        if sum(weight[k] for k in clique) > sum(weight[k] for k in chosen):
            chosen = clique
    best = [f for key in chosen for f in groups[key]]
    total = sum(weights[id(f)][0] for f in best)
    if len(best) < 2 or total <= cap.limit:
        return
    best.sort(key=lambda f: (f.file, f.journey.span.line))
    parts = [f'"{f.name}" ({f.owner}) {weights[id(f)][0]}' for f in best]
    notes = [note for f in best if (note := weights[id(f)][2])]
    ctx.report(
        "J704",
        f"together, journeys can send one customer {total} {cap_scope_words(cap)} within {as_written(cap.window)}; "
        f"the cap allows {cap.limit}",
        cap.span,
        f"at most {cap.limit}",
        labels=tuple(
            Label(
                span=f.journey.name_span or f.journey.span,
                message=f"{f.owner}: up to {weights[id(f)][0]} ({', '.join(p.step.message.name for p in weights[id(f)][1])})",
            )
            for f in best
        ),
        notes=(f"worst case per journey: {', '.join(parts)}; nothing keeps one customer out of any of them", *notes),
        help=f"the runtime will drop {total - cap.limit} of them, by priority: {_who_decides(best)}",
    )


def _overlapping_groups(
    ctx: CheckContext, keys: list[str], groups: dict[str, list[JourneyFacts]]
) -> dict[str, frozenset[str]]:
    """For each audience group, the other groups whose audiences overlap it (each pair is decided once)."""
    neighbours: dict[str, set[str]] = {key: set() for key in keys}
    for index, x in enumerate(keys):
        for y in keys[index + 1 :]:
            if audiences_overlap(ctx, groups[x][0], groups[y][0]):
                neighbours[x].add(y)
                neighbours[y].add(x)
    return {key: frozenset(found) for key, found in neighbours.items()}


def _who_decides(group: list[JourneyFacts]) -> str:
    teams = sorted({f.owner for f in group})
    if len(teams) == 1:
        return f"team {teams[0]} should decide which of its journeys gets the budget"
    return f"teams {', '.join(teams[:-1])} and {teams[-1]} should agree who gets the budget"


# ---------------------------------------------------------------- suppression breaches
def _check_suppression_breach(
    ctx: CheckContext, policy: ir.Policy, facts: JourneyFacts, filtered: dict[str, list[JourneyFacts]]
) -> None:
    """`filtered`: the journeys started by an event with a `where`, by event, in order."""
    trigger = facts.journey.trigger
    if not isinstance(trigger, ir.EventTrigger) or not facts.sends:
        return
    domains, memo = event_domains(ctx, facts.trigger_event), logic_memo(ctx)
    categories = {p.category for p in facts.sends}
    others = [other for other in filtered.get(trigger.event, []) if other is not facts]
    for rule in policy.suppressions:
        if rule.event != trigger.event or not any(suppresses(policy, rule, c) for c in categories):
            continue
        if logic.implies(trigger.where, rule.where, domains, memo=memo):
            continue  # every run is suppressed: J604, reported with the policy checks
        if not logic.both_possible(trigger.where, rule.where, domains, memo=memo):
            continue
        handler = _handler(others, rule.where, domains, memo)
        labels = [Label(span=rule.span, message=f"suppresses {_categories(rule)} for {rule.duration.text}")]
        handled = ""
        if handler is not None:
            labels.append(Label(span=handler.journey.trigger.span, message=f"{handler.who} handles these customers"))
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
    _check_unguarded(ctx, policy, facts, others, domains)


def _categories(rule: ir.Suppression) -> str:
    return ", ".join(c.name for c in rule.categories)


def _handler(
    others: list[JourneyFacts], where: ir.Expr | None, domains: logic.Domains, memo: logic.Memo
) -> JourneyFacts | None:
    """Another journey that starts on the same bad experience (`others`: the filtered triggers on the same event)."""
    for other in others:
        ot = other.journey.trigger
        assert isinstance(ot, ir.EventTrigger)
        if where is None or logic.both_possible(ot.where, where, domains, memo=memo):
            return other
    return None


def _check_unguarded(
    ctx: CheckContext, policy: ir.Policy, facts: JourneyFacts, others: list[JourneyFacts], domains: logic.Domains
) -> None:
    """No policy suppresses it, but another team treats some of the same events as a bad experience.

    `others`: the other journeys started by the same event with a `where`, in order.
    """
    trigger = facts.journey.trigger
    if not isinstance(trigger, ir.EventTrigger) or facts.category != "promotional":
        return
    if exempt(policy, facts.category, "suppression"):
        return
    memo = logic_memo(ctx)
    for other in others:
        ot = other.journey.trigger
        assert isinstance(ot, ir.EventTrigger)
        if other.owner == facts.owner or other.category == "promotional":
            continue
        if logic.implies(trigger.where, ot.where, domains, memo=memo) or not logic.both_possible(
            trigger.where, ot.where, domains, memo=memo
        ):
            continue
        ctx.report(
            "J705",
            f'promotional journey "{facts.name}" ({facts.owner}) starts on every "{trigger.event}", including the '
            f'ones {other.owner}\'s "{other.name}" handles as a bad experience',
            trigger.span,
            "also matches those events",
            labels=(Label(span=ot.span, message=f"{other.who} starts on these"),),
            help="no policy suppresses promotions after them, so an unhappy customer gets this promotion: "
            f'add a `suppress promotional ... after "{trigger.event}" where ...` rule, or filter them out',
        )
        return
