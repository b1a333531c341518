"""Which journeys answer the same moment: the starts two journeys can share, and on what condition.

Two journeys start at the same moment for one customer when:
- both are triggered by the same event (each under its trigger filter);
- both are triggered by entering the same segment;
- one is triggered by an event and the other by entering a segment that this very event can put the customer
  into (`any "Order Completed"` is entered by an order; `no "Order Completed" in last 90 days` never is), or
  both by segments that one event can put the customer into at once;
- both are scheduled at the same time of day on a shared day.
An event can put a customer into a segment when some way of meeting the segment's definition (a term of its
normal form) has a behaviour of that event that the event can make true (`at least 3 "Product Viewed"`), and
none that the event makes false (`no "Order Completed"`); the behaviour's own filter (`where total >= 500`)
then says which events can do it, and is compared with the other journey's trigger filter.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

from journeyc import ir
from journeyc.checks.analysis import logic
from journeyc.checks.analysis.facts import JourneyFacts
from journeyc.checks.analysis.path_conditions import Condition, Reasoner, reasoner
from journeyc.checks.context import CheckContext

DAYS = {"day": frozenset(ir.WEEKDAYS), "weekday": frozenset(ir.WEEKDAYS[:5])}
_OPPOSITE = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}


@dataclass(frozen=True)
class Start:
    """One way a journey starts at a moment other journeys can share."""

    moment: str  # "event Order Completed", "segment first_buyers", "schedule 09:00"
    event: ir.Event | None  # the event the moment is, whose properties bare names read
    where: ir.Expr | None = None  # the trigger filter
    entered: Condition | None = None  # what holds of the event when it puts the customer into `segment`
    segment: str | None = None  # entering this segment starts the journey
    days: frozenset[str] = frozenset()  # the days a schedule starts it
    upto: int | None = None  # it starts on the customer's first `upto` such events and never later
    needs: int = 1  # entering the segment needs at least this many such events, this one included

    def condition(self, reasoning: Reasoner) -> Condition:
        """What holds of the moment when it starts the journey."""
        return self.entered if self.entered is not None else reasoning.of(self.where)


def starts(ctx: CheckContext, facts: JourneyFacts) -> list[Start]:
    """The moments a journey starts at (an event, a segment and the events that put customers into it, a time)."""
    trigger, project = facts.journey.trigger, ctx.project
    if isinstance(trigger, ir.EventTrigger):
        event = project.events.get(trigger.event)
        return [Start(f"event {trigger.event}", event, where=trigger.where, upto=_first_events_only(facts.journey))]
    if isinstance(trigger, ir.SegmentTrigger):
        name = trigger.segment.name
        found = [Start(f"segment {name}", None, segment=name)]
        for entering, (condition, needs) in segment_entries(ctx, name).items():
            entered_by = project.events.get(entering)
            start = Start(f"event {entering}", entered_by, entered=condition, segment=name, needs=needs)
            found.append(start)
        return found
    if isinstance(trigger, ir.ScheduleTrigger):
        days = DAYS.get(trigger.every, frozenset({trigger.every}))
        return [Start(f"schedule {trigger.at}", None, days=days)]
    return []


def _first_events_only(journey: ir.Journey) -> int | None:
    """N when the journey starts on exactly the customer's first N trigger events (`entry once`, `entry at most N
    times`, with no filter or audience that could skip one) and never on a later one."""
    if journey.audience is not None or not isinstance(journey.trigger, ir.EventTrigger) or journey.trigger.where:
        return None
    if any(rule.kind not in ("once", "max_times") for rule in journey.entry):
        return None  # `at most once every ...` and `one active run` skip events: a later one can start it
    limits = [1 if rule.kind == "once" else rule.times for rule in journey.entry]
    return min((n for n in limits if n is not None), default=None)


def can_share(a: Start, b: Start) -> bool:
    """Whether two starts at one moment can fall on the same occasion: schedules on a shared day; a journey that
    only starts on a customer's first N events never shares one with a segment that needs more of them."""
    if a.days and b.days and not a.days & b.days:
        return False
    return not ((a.upto is not None and b.needs > a.upto) or (b.upto is not None and a.needs > b.upto))


def why_together(a: JourneyFacts, sa: Start, b: JourneyFacts, sb: Start) -> str:
    """Why two journeys start together, as the end of "they overlap because they ..."."""
    if sa.days:
        days = sa.days & sb.days
        when = next(
            (word for word, group in DAYS.items() if group == days), " and ".join(d for d in ir.WEEKDAYS if d in days)
        )
        return f"both start every {when} at {sa.moment.removeprefix('schedule ')}"
    if sa.segment and sb.segment and sa.segment == sb.segment:
        return f'both start when a customer enters segment "{sa.segment}"'
    if sa.event is None:  # not a shared event, so a shared segment
        return f'both start when a customer enters segment "{sa.segment}"'
    event = sa.event.name
    if not sa.segment and not sb.segment:
        return f'both start on "{event}" and nothing keeps one customer out of either'
    if sa.segment and sb.segment:
        return f'start together when one "{event}" puts the customer into segments "{sa.segment}" and "{sb.segment}"'
    on, via = (a, sb) if not sa.segment else (b, sa)
    other = b if on is a else a
    return (
        f'start together: "{on.name}" on "{event}", and "{other.name}" when that "{event}" puts the customer into '
        f'segment "{via.segment}"'
    )


# ---------------------------------------------------------------- segments entered by an event
def segment_entries(ctx: CheckContext, segment: str) -> dict[str, tuple[Condition, int]]:
    """The events that can put a customer into `segment`, each with what must hold of the event (bare names) and
    how many such events the customer needs at least, this one included."""
    found = ctx.shared.segment_entries
    if segment not in found:
        reasoning, entries = reasoner(ctx), {}
        for event in sorted(_events_read(ctx.project, segment, set())):
            entered = _entered_by(ctx.project, reasoning, segment, event, set())
            if entered is None:
                entries[event] = (reasoning.unknown, 1)
            elif entered[0]:
                entries[event] = (reasoning.intern(entered[0]), entered[1])
        found[segment] = entries
    return found[segment]


def _nodes(expr: ir.Expr) -> Iterator[ir.Expr]:
    """Every node of a condition, behaviours' and list tests' filters left out."""
    yield expr
    if isinstance(expr, ir.And | ir.Or):
        for item in expr.items:
            yield from _nodes(item)
    elif isinstance(expr, ir.Not):
        yield from _nodes(expr.item)


def _events_read(project: ir.Project, segment: str, seen: set[str]) -> set[str]:
    definition = project.segments.get(segment)
    if definition is None or segment in seen:
        return set()
    seen.add(segment)
    events: set[str] = set()
    for node in _nodes(definition.condition):
        if isinstance(node, ir.Behaviour):
            events.add(node.event)
        elif isinstance(node, ir.Compare):
            events |= {o.event for o in (node.left, node.right) if isinstance(o, ir.LastValue)}
        elif isinstance(node, ir.InSegment):
            events |= _events_read(project, node.segment, seen)
    return events


def _entered_by(
    project: ir.Project, reasoning: Reasoner, segment: str, event: str, seen: set[str]
) -> tuple[list[logic.Term], int] | None:
    """The condition on one `event` under which it can put a customer into `segment` (no terms when it never can),
    and how many such events that takes at least; None when the segment is too complex to tell."""
    definition = project.segments.get(segment)
    if definition is None or segment in seen:
        return [], 1
    seen = seen | {segment}
    nodes = list(_nodes(definition.condition))
    behaviours = {logic.measure(n): n for n in nodes if isinstance(n, ir.Behaviour) and n.event == event}
    last_values = {f'last {o.property} of "{o.event}"' for n in nodes if isinstance(n, ir.Compare)
                   for o in (n.left, n.right) if isinstance(o, ir.LastValue) and o.event == event}  # fmt: skip
    inner = {f'in segment "{n.segment}"': n.segment for n in nodes if isinstance(n, ir.InSegment)}
    try:
        terms = logic.dnf(definition.condition, memo=reasoning.memo)  # nested segments stay atoms: read them below
        found: list[logic.Term] = []
        needs: list[int] = []
        for term in terms:
            ways: list[logic.Term] = []  # any one of these events' filters lets the event make the term true
            musts: list[list[logic.Term]] = []  # and every one of these must hold of it
            least = 1  # events the term needs at least (the one that puts the customer in counts)
            for atom, positive in term:
                behaviour = behaviours.get(atom.subject) if atom.kind == "cmp" else None
                if behaviour is not None:
                    op = atom.op if positive else _OPPOSITE[atom.op]
                    effect = _effect(op, float(atom.value), behaviour)  # type: ignore[arg-type]  # a behaviour's count
                    if effect == "enters":
                        ways += _filter(reasoning, behaviour.where, negate=False)
                    elif effect == "leaves":
                        musts.append(_filter(reasoning, behaviour.where, negate=True))
                    if behaviour.sum_of is None:
                        least = max(least, _at_least(op, float(atom.value)))  # type: ignore[arg-type]  # a behaviour's count
                elif atom.subject in last_values:
                    ways.append(frozenset())
                elif atom.kind == "opaque" and positive and atom.subject in inner:
                    nested = _entered_by(project, reasoning, inner[atom.subject], event, seen)
                    ways += [frozenset()] if nested is None else nested[0]
            if ways:
                entered = logic.conjoin([ways, *musts])
                found += entered
                if entered:
                    needs.append(least)
        return found, min(needs, default=1)
    except logic.TooComplexError:
        return None


def _filter(reasoning: Reasoner, where: ir.Expr | None, negate: bool) -> list[logic.Term]:
    if where is None:
        return [] if negate else [frozenset()]
    return logic.dnf(where, negate, reasoning.expand, reasoning.memo)


def _at_least(op: str, threshold: float) -> int:
    """The fewest events a count compared this way needs (`at least 3`: 3; `more than 2`: 3; `exactly 3`: 3)."""
    if op == ">=" or op == "==":
        return max(0, math.ceil(threshold))
    if op == ">":
        return max(0, math.floor(threshold) + 1)
    return 0


def _effect(op: str, threshold: float, behaviour: ir.Behaviour) -> str:
    """What one more matching event does to `measure op threshold`: "enters" (it can make it true), "leaves" (it
    makes it false: a count is at least 1 right after the event), or "neither"."""
    if op in (">", ">=", "!=") or (op == "==" and threshold > 0):
        return "enters"
    if behaviour.sum_of is None and ((op in ("==", "<=") and threshold < 1) or (op == "<" and threshold <= 1)):
        return "leaves"
    return "neither"
