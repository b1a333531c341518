"""Who a send can reach: the conditions on the way to it, in the normal form the conflict checks compare.

A send's condition is how its journey started (the trigger filter, or what put the customer into the trigger
segment), the audience, and every branch condition on the path to it, held or failed. Trigger filters and the
policy's suppressions name the event's properties bare (`where value < 100`) and steps name them
`trigger.value`: steps are read with bare names here, so a branch `if trigger.value >= 100` contradicts another
journey's `where value < 100`.
Behaviour and segment membership change over time: a condition read after a wait is a fact of that time only
(`logic.at_time`), while conditions read at the same time after the same moment speak of the same customer
state. Profile traits are taken as they were at the moment both journeys started.
"""

from __future__ import annotations

from dataclasses import dataclass

from journeyc import ir
from journeyc.checks.analysis import logic
from journeyc.checks.analysis.facts import audience_logic, event_domains
from journeyc.checks.analysis.timeline import Clock, Guard
from journeyc.checks.context import CheckContext

ENTRY = "0"  # the time tag of conditions read at the moment a journey starts


@dataclass(frozen=True, eq=False)
class Condition:
    """A condition in normal form. `terms` is None when it was too complex to expand (then anything is possible
    with it). Conditions with equal `key`s are equal."""

    key: int
    terms: list[logic.Term] | None


def as_bare(expr: ir.Expr) -> ir.Expr:
    """A condition with `trigger.<name>` read as the bare `<name>` of a filter on the trigger event (the same
    object when it names no `trigger.`; filters inside behaviours and list tests name other properties)."""
    if not _names_trigger(expr):
        return expr
    if isinstance(expr, ir.And | ir.Or):
        return expr.model_copy(update={"items": tuple(as_bare(item) for item in expr.items)})
    if isinstance(expr, ir.Not):
        return expr.model_copy(update={"item": as_bare(expr.item)})
    if isinstance(expr, ir.Compare):
        return expr.model_copy(update={"left": _bare(expr.left), "right": _bare(expr.right)})
    if isinstance(expr, ir.Truthy | ir.IsSet | ir.IsOneOf):
        return expr.model_copy(update={"operand": _bare(expr.operand)})
    assert isinstance(expr, ir.ListPredicate)
    return expr.model_copy(update={"list": _bare(expr.list)})


def _is_trigger(operand: object) -> bool:
    return isinstance(operand, ir.Path) and operand.parts[0] == "trigger" and len(operand.parts) > 1


def _names_trigger(expr: ir.Expr) -> bool:
    if isinstance(expr, ir.And | ir.Or):
        return any(_names_trigger(item) for item in expr.items)
    if isinstance(expr, ir.Not):
        return _names_trigger(expr.item)
    if isinstance(expr, ir.Compare):
        return _is_trigger(expr.left) or _is_trigger(expr.right)
    if isinstance(expr, ir.Truthy | ir.IsSet | ir.IsOneOf):
        return _is_trigger(expr.operand)
    return isinstance(expr, ir.ListPredicate) and _is_trigger(expr.list)


def _bare(operand: ir.Operand) -> ir.Operand:
    if isinstance(operand, ir.Path) and _is_trigger(operand):
        return operand.model_copy(update={"parts": operand.parts[1:]})
    return operand


def read_at(clock: Clock, journey: ir.Journey, step_id: str) -> str:
    """The time tag of a condition read at `clock`: its exact time after the start when known (two journeys that
    started together read the same customer then), else a time no other condition shares."""
    if clock.earliest == clock.latest:
        return str(clock.earliest)
    return f"{journey.name} {step_id}"


class Reasoner:
    """Normal forms of the run's conditions, made once each, and the answers to "can both hold?"."""

    def __init__(self, ctx: CheckContext) -> None:
        reasoning = audience_logic(ctx)
        self.ctx = ctx
        self.expand, self.memo = reasoning.expand, reasoning.memo
        self._conditions: dict[frozenset[logic.Term], Condition] = {}
        # (id(expr), negate) -> (expr, its condition, whether it changes over time); keeping the expression
        # alive keeps its id its own
        self._made: dict[tuple[int, bool], tuple[ir.Expr, Condition, bool]] = {}
        self._timed: dict[tuple[int, str], Condition] = {}
        self._conjunctions: dict[tuple[int, ...], Condition] = {}
        self._meets: dict[tuple[int, int, str], bool] = {}
        self._terms_possible: dict[tuple[logic.Term, str], bool] = {}
        self._term_subjects: dict[logic.Term, frozenset[str]] = {}
        self.unknown = Condition(-1, None)
        self.true, self.false = self.intern([frozenset()]), self.intern([])

    def intern(self, terms: list[logic.Term]) -> Condition:
        key = frozenset(terms)
        found = self._conditions.get(key)
        if found is None:
            found = self._conditions[key] = Condition(len(self._conditions), terms)
        return found

    def of(self, expr: ir.Expr | None, at: str = ENTRY, negate: bool = False) -> Condition:
        """A condition read at time tag `at`."""
        if expr is None:
            return self.true if not negate else self.false
        key = (id(expr), negate)
        made = self._made.get(key)
        if made is None or made[0] is not expr:
            try:
                terms = logic.dnf(as_bare(expr), negate, self.expand, self.memo)
                made = (expr, self.intern(terms), any(atom.varies for term in terms for atom, _ in term))
            except logic.TooComplexError:
                made = (expr, self.unknown, False)
            self._made[key] = made
        _, found, varies = made
        if not varies:
            return found
        timed = self._timed.get((found.key, at))
        if timed is None:
            # (the ignore: a condition that varies has terms; the unknown one, whose terms are None, never varies)
            timed = self._timed[(found.key, at)] = self.intern(logic.at_time(found.terms, at))  # type: ignore[arg-type]
        return timed

    def guard(self, guard: Guard, journey: ir.Journey) -> Condition:
        return self.of(guard.condition, read_at(guard.read, journey, guard.step_id), negate=not guard.holds)

    def both(self, *parts: Condition) -> Condition:
        """The conjunction of conditions."""
        if any(part.terms is None for part in parts):
            return self.unknown
        kept = [part for part in parts if part.key != self.true.key]
        if len(kept) <= 1:
            return kept[0] if kept else self.true
        key = tuple(sorted(part.key for part in kept))
        found = self._conjunctions.get(key)
        if found is None:
            try:
                found = self.intern(logic.conjoin([part.terms for part in kept]))  # type: ignore[misc]  # none None
            except logic.TooComplexError:
                found = self.unknown
            self._conjunctions[key] = found
        return found

    def meet(self, a: Condition, b: Condition, event: ir.Event | None) -> bool:
        """Whether `a` and `b` can hold at once (True when unsure); `event`: the one whose properties bare names
        read."""
        if a.terms is None or b.terms is None:
            return True
        first, second = sorted((a.key, b.key))
        key = (first, second, event.name if event else "")
        found = self._meets.get(key)
        if found is None:
            found = self._meets[key] = self._meet(a.terms, b.terms, event)
        return found

    def _meet(self, left: list[logic.Term], right: list[logic.Term], event: ir.Event | None) -> bool:
        # Most pairs of terms speak of different things: then both hold at once when each can hold, which is
        # known once per term. Terms that share a subject are compared together.
        domains, name = event_domains(self.ctx, event), event.name if event else ""
        for x in left:
            if not self._possible(x, name, domains):
                continue
            for y in right:
                if not self._possible(y, name, domains):
                    continue
                if self._subjects(x).isdisjoint(self._subjects(y)) or logic.satisfiable_term(x | y, domains):
                    return True
        return False

    def _possible(self, term: logic.Term, event: str, domains: logic.Domains) -> bool:
        key = (term, event)
        found = self._terms_possible.get(key)
        if found is None:
            found = self._terms_possible[key] = logic.satisfiable_term(term, domains)
        return found

    def _subjects(self, term: logic.Term) -> frozenset[str]:
        found = self._term_subjects.get(term)
        if found is None:
            found = self._term_subjects[term] = frozenset(atom.subject for atom, _ in term)
        return found

    def implies(self, a: Condition, b: ir.Expr | None, event: ir.Event | None) -> bool:
        """Whether `a` forces `b` to hold (False when unsure)."""
        if b is None:
            return True
        return not self.meet(a, self.of(b, negate=True), event)


def reasoner(ctx: CheckContext) -> Reasoner:
    """The run's `Reasoner` (made on first use)."""
    if ctx.shared.reasoner is None:
        ctx.shared.reasoner = Reasoner(ctx)
    return ctx.shared.reasoner
