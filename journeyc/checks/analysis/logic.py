"""Reasoning about conditions: can two conditions both hold, does one imply the other?

Used by the flow, policy and conflict checks to stay conservative: journeyc says two audiences are disjoint
only when it can prove it (`tier == "gold"` against `tier != "gold"`, `rating <= 2` against `rating >= 4`), and
says "they may overlap" otherwise.

A condition is turned into disjunctive normal form over literals. A literal is an atom, possibly negated:
- a comparison of a property with a literal value (`rating <= 2`, `tier == "gold"`, a yes/no trait);
- a comparison of a behaviour's measure with its threshold: `no "Order Completed" in last 90 days` is the
  count of those orders `== 0`, `any ...` the same count `>= 1`, so the two contradict each other; likewise
  `last category of "Product Viewed" == "dresses"`;
- `is set`; `is one of`;
- anything else (segment membership, list tests, comparisons of two properties) is an opaque atom, known
  only by its text: `X and not X` is a contradiction, nothing more is assumed about it.
Behaviour, `last ... of` and segment membership change over time (`Atom.varies`): `at_time` tells apart the
same words read at different moments, so that `no "Order Completed" since entry` after one day and its
negation after two days are not taken for a contradiction.
Comparisons with a missing value are false, except `!=` which is true (`!=` is the negation of `==`).
When the normal form would grow beyond a limit, the answer is "unknown", which every caller treats as
"possibly true" (satisfiable, not disjoint, not implied).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, replace

from journeyc import ir

MAX_TERMS = 256
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}

Value = str | float | bool


@dataclass(frozen=True)
class Atom:
    kind: str  # "cmp", "set", "in", "opaque"
    subject: str
    op: str = ""
    # a Value for "cmp", a frozenset of them for "in", else None: the `type: ignore`s below read it by kind
    value: Value | frozenset[Value] | None = None
    varies: bool = False  # its truth changes over time (behaviour, `last ... of`, segment membership)


Literal = tuple[Atom, bool]  # (atom, positive)
Term = frozenset[Literal]  # a conjunction
# subject -> the finite set of values it can take (enums, booleans), when known
Domains = Callable[[str], frozenset[Value] | None]


def no_domains(subject: str) -> frozenset[Value] | None:
    return None


class TooComplexError(Exception):
    pass


def _key(value: Value) -> Value:
    return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


def operand_key(operand: ir.Operand) -> str:
    if isinstance(operand, ir.Path):
        return operand.dotted
    if isinstance(operand, ir.LastValue):
        return f'last {operand.property} of "{operand.event}"'
    return repr(operand.value)


def _comparison(subject: str, op: str, value: Value, varies: bool = False) -> Literal:
    if op == "!=":
        return (Atom("cmp", subject, "==", _key(value), varies), False)
    return (Atom("cmp", subject, op, _key(value), varies), True)


def _atom(expr: ir.Expr) -> Literal:
    """One condition that is not and / or / not, as a literal."""
    if isinstance(expr, ir.Compare):
        left, right = expr.left, expr.right
        op: str = expr.op
        if isinstance(left, ir.Const) and not isinstance(right, ir.Const):
            left, right, op = right, left, _FLIP[op]
        if isinstance(left, ir.Path | ir.LastValue) and isinstance(right, ir.Const):
            return _comparison(operand_key(left), op, right.value, isinstance(left, ir.LastValue))
        varies = isinstance(left, ir.LastValue) or isinstance(right, ir.LastValue)
        return (Atom("opaque", f"{operand_key(left)} {op} {operand_key(right)}", varies=varies), True)
    if isinstance(expr, ir.Behaviour):
        return _comparison(measure(expr), expr.op, expr.threshold, varies=True)
    if isinstance(expr, ir.InSegment):
        return (Atom("opaque", f'in segment "{expr.segment}"', varies=True), True)
    if isinstance(expr, ir.Truthy) and isinstance(expr.operand, ir.Path):
        return (Atom("cmp", expr.operand.dotted, "==", True), True)
    if isinstance(expr, ir.IsSet) and isinstance(expr.operand, ir.Path):
        return (Atom("set", expr.operand.dotted), not expr.negated)
    if isinstance(expr, ir.IsOneOf) and isinstance(expr.operand, ir.Path):
        values = frozenset(_key(v.value) for v in expr.values)
        return (Atom("in", expr.operand.dotted, value=values), not expr.negated)
    return (Atom("opaque", describe(expr)), True)


def measure(expr: ir.Behaviour) -> str:
    """What a behaviour counts or adds up (its event, window and filter), whatever it compares it with."""
    window = expr.window
    span = "" if window is None else f"{window.kind} {window.duration.seconds if window.duration else ''}"
    return f'{expr.sum_of or "count"} of "{expr.event}" [{span}] where {describe(expr.where)}'


def describe(expr: ir.Expr | None) -> str:
    """A canonical text for a condition (spans left out), so equal conditions compare equal."""
    return "" if expr is None else json.dumps(_without_spans(expr.model_dump()), sort_keys=True)


def _without_spans(value: object) -> object:
    if isinstance(value, dict):
        return {k: _without_spans(v) for k, v in value.items() if not k.endswith("span")}
    if isinstance(value, list | tuple):
        return [_without_spans(v) for v in value]
    return value


# Normal forms already computed, by (id(expr), negate, id(expand)); each entry keeps its expression and expander
# alive, so the ids stay theirs. None stands for "too complex".
Memo = dict[tuple[int, bool, int], tuple[object, object, list[Term] | None]]


def dnf(
    expr: ir.Expr | None,
    negate: bool = False,
    expand: Callable[[str], ir.Expr | None] | None = None,
    memo: Memo | None = None,
) -> list[Term]:
    """The condition as a list of conjunctions (an empty list is `false`; [frozenset()] is `true`).

    With a `memo`, each expression object is normalised once (the checks compare the same conditions often). The
    terms returned are then shared: do not modify them.
    """
    if memo is None or expr is None:
        return _dnf(expr, negate, expand, memo)
    key = (id(expr), negate, id(expand))
    hit = memo.get(key)
    if hit is not None and hit[0] is expr and hit[1] is expand:
        if hit[2] is None:
            raise TooComplexError
        return hit[2]
    try:
        terms = _dnf(expr, negate, expand, memo)
    except TooComplexError:
        memo[key] = (expr, expand, None)
        raise
    memo[key] = (expr, expand, terms)
    return terms


def _dnf(
    expr: ir.Expr | None, negate: bool, expand: Callable[[str], ir.Expr | None] | None, memo: Memo | None
) -> list[Term]:
    if expr is None:
        return [] if negate else [frozenset()]
    if isinstance(expr, ir.Not):
        return dnf(expr.item, not negate, expand, memo)
    if isinstance(expr, ir.InSegment) and expand is not None:
        definition = expand(expr.segment)
        if definition is not None:
            return dnf(definition, negate, expand, memo)
    if isinstance(expr, ir.And | ir.Or):
        is_and = isinstance(expr, ir.And)
        parts = [dnf(item, negate, expand, memo) for item in expr.items]
        if is_and != negate:  # a conjunction (and, or a negated or)
            return _product(parts)
        return [term for part in parts for term in part]
    atom, positive = _atom(expr)
    return [frozenset({(atom, positive != negate)})]


def _product(parts: list[list[Term]]) -> list[Term]:
    terms: list[Term] = [frozenset()]
    for part in parts:
        terms = [a | b for a, b in itertools.product(terms, part)]
        if len(terms) > MAX_TERMS:
            raise TooComplexError
    return terms


def conjoin(parts: list[list[Term]]) -> list[Term]:
    """The conjunction of conditions already in normal form (raises TooComplexError beyond MAX_TERMS terms)."""
    return _product(parts)


def at_time(terms: list[Term], moment: str) -> list[Term]:
    """The same condition read at `moment`: its atoms that change over time become facts of that moment only.

    Two conditions read at the same moment (the same `moment` text) still contradict each other as usual; read at
    different moments, `no "Order Completed" since entry` and its negation can both hold.
    """
    if not any(atom.varies for term in terms for atom, _ in term):
        return terms
    return [
        frozenset(
            (replace(atom, subject=f"{atom.subject} @ {moment}") if atom.varies else atom, positive)
            for atom, positive in term
        )
        for term in terms
    ]


def meet(left: list[Term], right: list[Term], domains: Domains = no_domains) -> bool:
    """Whether two conditions in normal form can hold at once."""
    return any(satisfiable_term(x | y, domains) for x, y in itertools.product(left, right))


def satisfiable_term(term: Term, domains: Domains = no_domains) -> bool:
    opaque: dict[str, bool] = {}  # the text of each opaque atom -> whether it is asserted or denied
    by_subject: dict[str, list[Literal]] = {}
    for literal in term:
        atom, positive = literal
        if atom.kind != "opaque":
            by_subject.setdefault(atom.subject, []).append(literal)
        elif opaque.setdefault(atom.subject, positive) != positive:
            return False  # `X and not X`
    return all(_subject_possible(subject, lits, domains(subject)) for subject, lits in by_subject.items())


def _subject_possible(subject: str, literals: list[Literal], domain: frozenset[Value] | None) -> bool:
    # Either the value is missing (every positive literal needs a value), or it is some value v.
    if not any(positive for _, positive in literals):
        return True
    if any(atom.kind == "set" and not positive for atom, positive in literals):
        return False
    candidates: set[Value] | None = set(domain) if domain is not None else None
    for atom, positive in literals:
        if positive and atom.kind == "cmp" and atom.op == "==":
            candidates = {atom.value} if candidates is None else candidates & {atom.value}  # type: ignore[arg-type]  # cmp
        if positive and atom.kind == "in":
            candidates = set(atom.value) if candidates is None else candidates & set(atom.value)  # type: ignore[arg-type]  # in
    if candidates is not None:
        return any(all(_holds(atom, positive, v) for atom, positive in literals) for v in candidates)
    return _interval_possible(literals)


def _holds(atom: Atom, positive: bool, value: Value) -> bool:
    if atom.kind == "set":
        return positive
    if atom.kind == "in":
        return (value in atom.value) == positive  # type: ignore[operator]  # an "in" atom's set
    result = _compare(value, atom.op, atom.value)  # type: ignore[arg-type]  # a "cmp" atom's one value
    if result is None:
        return True  # values of different kinds: journeyc does not guess
    return result == positive


def _compare(left: Value, op: str, right: Value) -> bool | None:
    if op == "==":
        return left == right
    both_numbers = all(isinstance(v, float | int) and not isinstance(v, bool) for v in (left, right))
    both_texts = isinstance(left, str) and isinstance(right, str)
    if not (both_numbers or both_texts):
        return None
    return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]  # type: ignore[operator]  # two numbers or two texts


def _interval_possible(literals: list[Literal]) -> bool:
    """No equality pins the value: is there a number in every positive range and outside every negative one?"""
    low, low_open, high, high_open = float("-inf"), True, float("inf"), True
    excluded: set[Value] = set()
    for atom, positive in literals:
        if atom.kind == "in":
            if not positive:
                excluded |= set(atom.value)  # type: ignore[arg-type]  # an "in" atom's set
            continue
        if atom.kind != "cmp":
            continue
        value = atom.value
        if atom.op == "==":
            if not positive:
                excluded.add(value)  # type: ignore[arg-type]  # a "cmp" atom's one value
            continue
        if not isinstance(value, float) or isinstance(value, bool):
            return True  # text ranges and odd comparisons: not reasoned about
        op = atom.op if positive else {"<": ">=", "<=": ">", ">": "<=", ">=": "<"}[atom.op]
        if op in (">", ">=") and (value > low or (value == low and op == ">")):
            low, low_open = value, op == ">"
        if op in ("<", "<=") and (value < high or (value == high and op == "<")):
            high, high_open = value, op == "<"
    if low > high or (low == high and (low_open or high_open)):
        return False
    return not (low == high and low in excluded)


def satisfiable(expr: ir.Expr | None, domains: Domains = no_domains, expand=None, memo: Memo | None = None) -> bool:
    try:
        return any(satisfiable_term(term, domains) for term in dnf(expr, expand=expand, memo=memo))
    except TooComplexError:
        return True


def both_possible(
    a: ir.Expr | None, b: ir.Expr | None, domains: Domains = no_domains, expand=None, memo: Memo | None = None
) -> bool:
    """Whether some customer (or event) can meet `a` and `b` at once; True when unsure."""
    try:
        left, right = dnf(a, expand=expand, memo=memo), dnf(b, expand=expand, memo=memo)
        pairs = itertools.product(left, right)
        return any(satisfiable_term(x | y, domains) for x, y in pairs)
    except TooComplexError:
        return True


def implies(
    a: ir.Expr | None, b: ir.Expr | None, domains: Domains = no_domains, expand=None, memo: Memo | None = None
) -> bool:
    """Whether every case that meets `a` also meets `b`; False when unsure."""
    if b is None:
        return True
    try:
        left, not_right = dnf(a, expand=expand, memo=memo), dnf(b, negate=True, expand=expand, memo=memo)
        return not any(satisfiable_term(x | y, domains) for x, y in itertools.product(left, not_right))
    except TooComplexError:
        return False
