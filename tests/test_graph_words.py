"""graph/words.py prints the IR in the DSL's own words: what it prints parses back to the same IR.

In the style of sqlglot's `validate_identity`: every condition of the demo project and the examples, and
conditions hypothesis makes (hostile texts, nested groups, filters that read to the end), go IR -> text -> IR.
"""

from __future__ import annotations

import pytest
from conftest import REPO, check, examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journeyc import ir
from journeyc.checks.analysis.logic import describe
from journeyc.checks.analysis.walk import all_steps
from journeyc.graph import words
from journeyc.syntax.parser import parse_source
from journeyc.syntax.values import UNIT_SECONDS

SPAN = ir.Span(file="x.journey", line=1, column=1, end_line=1, end_column=2)
PROJECTS = [
    "journeys",
    *(f"examples/{name}" for name in ("coffee_shop", "conflicts", "pet_store", "restaurant_waitlist")),
]


def reparsed(text: str) -> ir.Expr:
    source, diagnostics = parse_source(f"segment s {{\n  {text}\n}}\n", "x.journey")
    assert not diagnostics, (text, [d.message for d in diagnostics])
    return source.segments[0].condition


def conditions_of(project: ir.Project) -> list[ir.Expr]:
    found = [segment.condition for segment in project.segments.values()]
    for journey in project.journeys.values():
        found += [c for c in (journey.audience, getattr(journey.trigger, "where", None)) if c is not None]
        found += [c.where for c in (journey.goal, *journey.exits) if c is not None and c.where is not None]
        for step in all_steps(journey.steps):
            if isinstance(step, ir.IfStep):
                found += [branch.condition for branch in step.branches]
            if isinstance(step, ir.WaitForStep) and step.where is not None:
                found.append(step.where)
    return found


@pytest.mark.parametrize("folder", PROJECTS)
def test_every_condition_of_the_shipped_projects_reads_back_the_same(folder: str) -> None:
    conditions = conditions_of(check(REPO / folder).project)
    assert conditions
    for condition in conditions:
        assert describe(reparsed(words.condition(condition))) == describe(condition)


@pytest.mark.parametrize(
    "text",
    [
        "a == 1 or b == 2 and c == 3",
        "(a == 1 or b == 2) and c == 3",
        "a == 1 and (b == 2 and c == 3)",
        '(any "X" where a == 1) and b == 2',
        'b == 2 and any "X" where a == 1 or c == 3',
        "not (a == 1 and b == 2)",
        'not any "X" in last 7 days where a == 1',
        '(not any "X" where a == 1) or in segment vips',
        'at least 500 total revenue of "Order Completed" in last 365 days',
        'exactly 2 "X" since entry and fewer than 3 "Y" and more than 1.5 "Z" and at most 0 "W"',
        'profile.tier is not one of "gold", "silver" and profile.phone is not set',
        'last category of "Product Viewed" == "a \\"quoted\\" \\\\ word\\n"',
        'all products where price >= 100.0 and no items where sku == "x"',
    ],
)
def test_tricky_conditions_read_back_the_same(text: str) -> None:
    condition = reparsed(text)
    printed = words.condition(condition)
    assert describe(reparsed(printed)) == describe(condition), printed


def test_conditions_print_as_a_marketer_wrote_them() -> None:
    assert words.condition(reparsed('( at  least 3 "Product Viewed" in last 30 days )')) == (
        'at least 3 "Product Viewed" in last 30 days'
    )
    assert words.condition(reparsed('any "Order Completed" and a is   b')) == 'any "Order Completed" and a == b'
    assert words.condition(reparsed("x is not y")) == "x != y"


# ---------------------------------------------------------------- generated conditions
NAMES = st.sampled_from(["tier", "value", "rating", "category", "order_id"])
TEXTS = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r"), max_size=12)
UNITS = st.sampled_from(["minute", "hours", "day", "days", "weeks"])


@st.composite
def durations(draw: st.DrawFn) -> ir.Duration:
    count, unit = draw(st.integers(1, 90)), draw(UNITS)
    return ir.Duration(seconds=count * UNIT_SECONDS[unit], text=f"{count} {unit}")


def consts() -> st.SearchStrategy[ir.Const]:
    values = st.one_of(TEXTS, st.integers(0, 10**9), st.booleans(), st.floats(0, 1e6, allow_nan=False).map(round2))
    return values.map(lambda value: ir.Const(value=value, span=SPAN))


def round2(value: float) -> float:
    return round(value, 2)


def paths() -> st.SearchStrategy[ir.Path]:
    prefixes = st.sampled_from([(), ("profile",), ("trigger",)])
    return st.builds(lambda prefix, name: ir.Path(parts=(*prefix, name), span=SPAN), prefixes, NAMES)


def operands() -> st.SearchStrategy[ir.Operand]:
    lasts = st.builds(
        lambda prop, event: ir.LastValue(property=prop, event=event, span=SPAN, event_span=SPAN), NAMES, TEXTS
    )
    return st.one_of(paths(), lasts)


def atoms(inner: st.SearchStrategy[ir.Expr]) -> st.SearchStrategy[ir.Expr]:
    ops = st.sampled_from(["==", "!=", "<", "<=", ">", ">="])
    windows = st.one_of(
        st.none(),
        st.just(ir.Window(kind="since_entry", span=SPAN)),
        durations().map(lambda d: ir.Window(kind="last", duration=d, span=SPAN)),
    )
    thresholds = st.one_of(st.integers(0, 20).map(float), st.just(2.5))
    behaviours = st.builds(
        lambda event, op, threshold, total, window, where: ir.Behaviour(
            event=event, event_span=SPAN, op=op, threshold=threshold, sum_of=total, window=window, where=where,
            span=SPAN,
        ),
        TEXTS, st.sampled_from([">=", "<=", "==", ">", "<"]), thresholds, st.one_of(st.none(), NAMES), windows, st.one_of(st.none(), inner),
    )  # fmt: skip
    return st.one_of(
        st.builds(lambda op, a, b: ir.Compare(op=op, left=a, right=b, span=SPAN), ops, operands(), consts()),
        st.builds(lambda a, b: ir.Compare(op="==", left=a, right=b, span=SPAN), operands(), paths()),
        operands().map(lambda a: ir.Truthy(operand=a, span=SPAN)),
        st.builds(lambda a, n: ir.IsSet(operand=a, negated=n, span=SPAN), operands(), st.booleans()),
        st.builds(
            lambda a, values, n: ir.IsOneOf(operand=a, values=tuple(values), negated=n, span=SPAN),
            operands(),
            st.lists(consts(), min_size=1, max_size=3),
            st.booleans(),
        ),
        NAMES.map(lambda name: ir.InSegment(segment=name, span=SPAN, name_span=SPAN)),
        behaviours,
        st.builds(
            lambda q, path, where: ir.ListPredicate(quantifier=q, list=path, where=where, span=SPAN),
            st.sampled_from(["any", "all", "no"]),
            paths(),
            inner,
        ),
    )


def conditions() -> st.SearchStrategy[ir.Expr]:
    def extend(inner: st.SearchStrategy[ir.Expr]) -> st.SearchStrategy[ir.Expr]:
        items = st.lists(inner, min_size=2, max_size=3).map(tuple)
        return st.one_of(
            atoms(inner),
            items.map(lambda xs: ir.And(items=xs, span=SPAN)),
            items.map(lambda xs: ir.Or(items=xs, span=SPAN)),
            inner.map(lambda x: ir.Not(item=x, span=SPAN)),
        )

    return st.recursive(atoms(st.nothing()), extend, max_leaves=6)


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(conditions())
def test_any_condition_reads_back_the_same(condition: ir.Expr) -> None:
    printed = words.condition(condition)
    assert describe(reparsed(printed)) == describe(condition), printed


# ---------------------------------------------------------------- settings, steps and policy rules
def test_settings_steps_and_policy_rules_read_as_written() -> None:
    project = check(REPO / "journeys").project
    cart = project.journeys["cart_recovery"]
    assert words.trigger(cart.trigger) == '"Checkout Started" keyed by order_id'
    assert [words.entry(rule) for rule in cart.entry] == ["at most once every 7 days"]
    assert words.goal(cart.goal) == 'goal "Order Completed" where order_id == trigger.order_id within 7 days'
    assert words.exit_on(cart.exits[0]) == 'exit on "Order Cancelled" where order_id == trigger.order_id'
    assert [words.step_headline(s) for s in cart.steps] == [
        "wait 1 hour",
        "send email cart_reminder",
        "wait 1 day",
        "if trigger.value >= 100",
    ]
    policy = project.policy
    assert [words.cap(c) for c in policy.caps] == [
        "limit 3 messages per 7 days for promotional",
        "limit 1 message per day for lifecycle, promotional on sms",
    ]
    assert words.quiet_hours(policy.quiet_hours[0]) == "quiet hours 21:00 to 08:00 on sms, push then defer"
    assert words.suppression(policy.suppressions[0]) == (
        'suppress promotional for 14 days after "Product Reviewed" where rating <= 2'
    )
    assert words.exemption(policy.exemptions[0]) == (
        "exempt transactional from caps, quiet hours, suppression, consent"
    )
    assert words.offer_value(project.offers["CART10"].value) == "10% off"
