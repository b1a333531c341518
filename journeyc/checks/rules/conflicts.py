"""Conflicts between journeys, usually of different teams (J701-J705): the checks no journey tool has.

Two journeys *answer the same moment* when they start together for one customer (moments.py: the same event,
the same segment, an event and a segment that event puts the customer into, the same schedule). Two of their
sends then collide when one customer can get both: the conditions on the way to each send (path_conditions.py:
trigger filters, audiences, branch conditions) can all hold at once, and their timing along those paths lets
them meet. journeyc says a pair cannot collide only when it can prove it, such as `profile.tier == "gold"`
against `profile.tier != "gold"`. Every conflict names both journeys, both owner teams and both places, and
says why journeyc thinks they overlap.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from journeyc import ir
from journeyc.checks.analysis import logic
from journeyc.checks.analysis.facts import JourneyFacts, event_domains, logic_memo
from journeyc.checks.analysis.moments import Start, can_share, starts, why_together
from journeyc.checks.analysis.path_conditions import Condition, Reasoner, reasoner
from journeyc.checks.analysis.policy_scope import suppresses
from journeyc.checks.analysis.timeline import DAY, PlannedSend, describe_offset, duration_words
from journeyc.checks.context import CheckContext, one
from journeyc.checks.rules.cap_budget import check_cap_budget
from journeyc.checks.rules.suppression_breach import check_suppression_breaches
from journeyc.diagnostics import Label

# How long an offer without `valid for` (one valid until a date, or with no end) is taken to answer the moment it
# was sent for: a week, the usual life of a coupon. Its real end may be years away, but an offer sent months
# later answers another moment.
UNDATED_OFFER_LIFE = 7 * DAY


@dataclass(eq=False)
class _Side:
    """A journey at one moment: how it started there, and the sends the pair checks look at."""

    facts: JourneyFacts
    start: Start
    offers: list[PlannedSend]  # sends with an offer
    nudges: list[PlannedSend]  # sends that can be a second nudge (see _nudge)
    reasoning: Reasoner

    @cached_property
    def entry(self) -> Condition:
        """What holds of every customer it starts for here: the start's condition and the audience."""
        reasoning = self.reasoning
        return reasoning.both(self.start.condition(reasoning), reasoning.of(self.facts.audience))


def check_conflicts(ctx: CheckContext, facts: list[JourneyFacts]) -> None:
    _check_offer_codes(ctx, facts)
    reasoning = reasoner(ctx)
    by_moment: dict[str, list[_Side]] = {}
    for sides in ctx.grouped("sides", facts, one, lambda f: ctx.unit("sides", f, _sides, ctx, f, reasoning)):
        for side in sides:
            by_moment.setdefault(side.start.moment, []).append(side)
    reported: set[tuple[str, int, int]] = set()  # (code, journey, journey): a pair can share several moments
    pairs = _Pairs(ctx)
    for key in sorted(by_moment):
        _check_moment(ctx, pairs, by_moment[key], reported)
    policy = ctx.project.policy
    if policy is not None:
        for cap in policy.caps:
            check_cap_budget(ctx, policy, cap, facts)
        check_suppression_breaches(ctx, policy, facts)


def _sides(ctx: CheckContext, f: JourneyFacts, reasoning: Reasoner) -> list[_Side]:
    """A journey at each moment it starts at."""
    offers = [p for p in f.variants if p.offer is not None]
    nudges = [p for p in f.variants if _nudge(p)]
    return [_Side(f, start, offers, nudges, reasoning) for start in starts(ctx, f)]


def _check_moment(ctx: CheckContext, pairs: _Pairs, sides: list[_Side], reported: set[tuple[str, int, int]]) -> None:
    """Journeys that start at one moment: each one's first clash (per rule) with an earlier journey is reported.

    One report per journey and rule keeps the output (and the work) linear in the number of journeys when many
    share a trigger; whether two sends can reach one customer is decided once per pair of conditions.
    """
    for index, b in enumerate(sides):
        need = [search for search in _SEARCHES if search[1](b)]
        for a in sides[:index]:
            if not need:
                break
            if a.facts is b.facts or not can_share(a.start, b.start):
                continue
            for search in list(need):
                code, sends = search[0], search[1]
                if not sends(a) or (code, id(a.facts), id(b.facts)) in reported:
                    continue
                found = ctx.unit("pair", (code, a.facts, a.start, b.facts, b.start), _clash, ctx, pairs, a, b, search)
                if found is not None:
                    reported.add((code, id(a.facts), id(b.facts)))
                    need.remove(search)


def _clash(ctx: CheckContext, pairs: _Pairs, a: _Side, b: _Side, search: tuple) -> tuple | None:
    """The first pair of sends of `a` and `b` that clash under one rule, reported; None when there is none."""
    _, _, find, report = search
    found = find(pairs, a, b)
    if found is not None:
        report(ctx, a.facts, b.facts, found, why_together(a.facts, a.start, b.facts, b.start))
    return found


def _nudge(planned: PlannedSend) -> bool:
    """A send that can be a second nudge: on a known channel, and not a transactional message (a receipt or a
    code is owed to the customer whatever else they get)."""
    return planned.channel is not None and planned.category != "transactional"


class _Pairs:
    """Finds, for two journeys at one moment, the first pair of their sends that collide."""

    def __init__(self, ctx: CheckContext) -> None:
        self.ctx, self.reasoning = ctx, reasoner(ctx)
        self.window = ctx.config.redundancy_window_seconds
        self.conditions: dict[tuple[int, int], Condition] = {}

    def offer_clash(self, a: _Side, b: _Side) -> tuple[PlannedSend, PlannedSend] | None:
        """Two sends of different offers that one customer can hold at once."""

        def clash(x: PlannedSend, y: PlannedSend) -> bool:
            return not _same_discount(self.ctx, x.offer, y.offer) and _both_valid(self.ctx, x, y, self.window)

        return self._first(a, b, a.offers, b.offers, clash)

    def close_nudges(self, a: _Side, b: _Side) -> tuple[PlannedSend, PlannedSend] | None:
        """Two nudges on different channels that can fall within the redundancy window of each other."""

        def close(x: PlannedSend, y: PlannedSend) -> bool:
            assert x.channel is not None and y.channel is not None
            return x.channel.name != y.channel.name and gap(x, y) < self.window

        return self._first(a, b, a.nudges, b.nudges, close)

    def _first(
        self,
        a: _Side,
        b: _Side,
        xs: list[PlannedSend],
        ys: list[PlannedSend],
        timely: Callable[[PlannedSend, PlannedSend], bool],
    ) -> tuple[PlannedSend, PlannedSend] | None:
        event, entries_meet = a.start.event, None
        for x in xs:
            for y in ys:
                if not timely(x, y) or _answers_later(self.ctx, a.facts, b.facts, x, y):
                    continue
                if entries_meet is None:
                    entries_meet = self.reasoning.meet(a.entry, b.entry, event)
                if not entries_meet:
                    return None  # no customer starts both: no path of either can change that
                cx, cy = self._condition(a, x), self._condition(b, y)
                if self.reasoning.meet(cx, cy, event) and not self._dropped(event, cx, cy, x, y):
                    return x, y
        return None

    def _condition(self, side: _Side, planned: PlannedSend) -> Condition:
        """What must hold for this send to reach the customer, from the moment `side` starts."""
        if not planned.guards:
            return side.entry
        key = (id(side.start), id(planned))
        found = self.conditions.get(key)
        if found is None:
            reasoning, journey = self.reasoning, side.facts.journey
            found = reasoning.both(side.entry, *(reasoning.guard(g, journey) for g in planned.guards))
            self.conditions[key] = found
        return found

    def _dropped(self, event: ir.Event | None, cx: Condition, cy: Condition, *sends: PlannedSend) -> bool:
        """Whether, whenever both sends happen, the policy suppresses one of them (the event opened a window)."""
        policy = self.ctx.project.policy
        if policy is None or event is None:
            return False
        rules = [rule for rule in policy.suppressions if rule.event == event.name]
        if not rules:
            return False
        both = self.reasoning.both(cx, cy)
        return any(
            suppresses(policy, rule, p.category)
            and p.clock.latest < rule.duration.seconds
            and self.reasoning.implies(both, rule.where, event)
            for rule in rules
            for p in sends
        )


# ---------------------------------------------------------------- timing
def gap(first: PlannedSend, second: PlannedSend) -> float:
    """The smallest possible time between two sends timed from the same moment: their clocks, and the customer's
    local times when both are known (10:00 and 18:00 are 8 hours apart on any day)."""
    apart = max(0, first.clock.earliest - second.clock.latest, second.clock.earliest - first.clock.latest)
    local_a, local_b = first.clock.local_time, second.clock.local_time
    if local_a is not None and local_b is not None:
        difference = abs(local_a - local_b)
        apart = max(apart, min(difference, DAY - difference))
    return apart


def _valid_for(ctx: CheckContext, name: str | None) -> int:
    offer = ctx.project.offers.get(name or "")
    if offer is None:
        return 0
    return offer.valid_for.seconds if offer.valid_for is not None else UNDATED_OFFER_LIFE


def _both_valid(ctx: CheckContext, x: PlannedSend, y: PlannedSend, window: int) -> bool:
    """Whether one customer can hold both offers at once: sent within the redundancy window of each other, or one
    sent while the other is still valid (`valid for`; see UNDATED_OFFER_LIFE for offers without it)."""
    if gap(x, y) < window:
        return True
    valid_x, valid_y = _valid_for(ctx, x.offer), _valid_for(ctx, y.offer)
    return y.clock.earliest <= x.clock.latest + valid_x and x.clock.earliest <= y.clock.latest + valid_y


def _answers_later(ctx: CheckContext, a: JourneyFacts, b: JourneyFacts, x: PlannedSend, y: PlannedSend) -> bool:
    """Whether one of the sends answers an event that ends the other journey first (its goal, or an exit): the
    other journey's sends all came before that event, so the two answer different moments."""
    return _ends_before(ctx, a, y) or _ends_before(ctx, b, x)


def _ends_before(ctx: CheckContext, journey: JourneyFacts, planned: PlannedSend) -> bool:
    reply = planned.reply
    if reply is None:
        return False
    waited = reply.step
    domains, memo = event_domains(ctx, ctx.project.events.get(waited.event)), logic_memo(ctx)
    goal = journey.journey.goal
    if goal is not None and goal.event == waited.event:
        in_time = goal.within is None or reply.came.latest <= goal.within.seconds
        if in_time and logic.implies(waited.where, goal.where, domains, memo=memo):
            return True
    return any(
        exit_event.event == waited.event and logic.implies(waited.where, exit_event.where, domains, memo=memo)
        for exit_event in journey.journey.exits
    )


# ---------------------------------------------------------------- offers
def _teams(a: JourneyFacts, b: JourneyFacts) -> str:
    """The subject of a sentence about both owners (plural verb)."""
    return f"teams {a.owner} and {b.owner}" if a.owner != b.owner else f"{a.owner}'s two journeys"


def _value_words(value: ir.OfferValue) -> str:
    return f"{value.amount:g}% off" if value.unit == "percent" else f"{value.amount:g} {value.unit} off"


def _offer_words(ctx: CheckContext, name: str) -> str:
    offer = ctx.project.offers.get(name)
    if offer is None or offer.value is None:
        return name
    return f"{name} ({_value_words(offer.value)})"


def _same_discount(ctx: CheckContext, x: str | None, y: str | None) -> bool:
    """The same offer, or two offers with one code (in any letter case) for one value: the customer gets one
    discount either way."""
    if x == y:
        return True
    first, second = ctx.project.offers.get(x or ""), ctx.project.offers.get(y or "")
    if first is None or second is None or first.code is None or second.code is None:
        return False
    if first.value is None or second.value is None or first.code.casefold() != second.code.casefold():
        return False
    return (first.value.amount, first.value.unit) == (second.value.amount, second.value.unit)


def _report_offers(
    ctx: CheckContext, a: JourneyFacts, b: JourneyFacts, pair: tuple[PlannedSend, PlannedSend], reason: str
) -> None:
    first, second = pair
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
    """J702: one code, in any letter case (checkouts compare codes that way), for two different values."""
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
        first = by_code.setdefault(offer.code.casefold(), offer)
        if first is offer or first.value is None:
            continue
        if (first.value.amount, first.value.unit) != (offer.value.amount, offer.value.unit):
            written = "" if offer.code == first.code else f' (written "{first.code}")'
            ctx.report(
                "J702",
                f'the code "{offer.code}" means {_value_words(offer.value)} in offer {offer.name} '
                f"and {_value_words(first.value)} in offer {first.name}{written}",
                offer.value.span,
                who(offer),
                labels=(Label(span=first.value.span, message=who(first)),),
                help=f"the checkout applies one value per code{', in any letter case' if written else ''}: "
                "give each value its own code",
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


# Each pair rule: its code, the sends of a journey it compares, how it finds a clash, how it reports one.
_SEARCHES: tuple[tuple[str, Callable[[_Side], list[PlannedSend]], Callable, Callable], ...] = (
    ("J701", lambda side: side.offers, _Pairs.offer_clash, _report_offers),
    ("J703", lambda side: side.nudges, _Pairs.close_nudges, _report_redundant),
)
