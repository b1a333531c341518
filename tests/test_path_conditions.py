"""The pieces the conflict checks reason with: paths and their guards, conditions read at a time, the events
that put customers into a segment, and the time between two sends.

tests/test_conflict_corpus.py checks the findings on whole projects; these pin each piece on its own.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import check

from journeyc import ir
from journeyc.checks.analysis import logic
from journeyc.checks.analysis.facts import journey_facts
from journeyc.checks.analysis.moments import segment_entries, starts
from journeyc.checks.analysis.path_conditions import as_bare, reasoner
from journeyc.checks.analysis.timeline import DAY, Clock, PlannedSend
from journeyc.checks.context import CheckContext
from journeyc.checks.rules.conflicts import gap
from journeyc.syntax.parser import parse_source

BASE = Path(__file__).parent / "fixtures" / "rule_base"


def journey(steps: str, trigger: str = '"Checkout Started"') -> ir.Journey:
    text = f"journey j {{\n  owner growth\n  category promotional\n  trigger {trigger}\n{steps}\n}}\n"
    source, problems = parse_source(text, "x.journey")
    assert not problems, problems
    return source.journeys[0]


def condition(text: str) -> ir.Expr:
    source, problems = parse_source(f"segment s {{ {text} }}\n", "x.journey")
    assert not problems, problems
    return source.segments[0].condition


def planned(steps: str) -> list[PlannedSend]:
    return journey_facts(ir.Project(), journey(steps), "x.journey").variants


# ---------------------------------------------------------------- paths
def test_a_send_after_a_branch_that_waits_is_planned_at_both_times():
    [gold, others] = planned('  if profile.tier == "gold" {\n    wait 2 days\n  }\n  send email reminder')
    assert (gold.clock.earliest, others.clock.earliest) == (2 * DAY, 0)
    assert [(g.holds, logic.describe(g.condition)) for g in gold.guards] == [
        (True, logic.describe(condition('profile.tier == "gold"')))
    ]
    assert [g.holds for g in others.guards] == [False]


def test_guards_of_an_else_if_chain_say_which_branches_failed():
    steps = (
        '  wait 1 hour\n  if trigger.value >= 100 {\n    send email big\n  } else if profile.tier == "gold" {\n'
        "    send email gold\n  } else {\n    send email rest\n  }"
    )
    sends = {p.step.message.name: p for p in planned(steps)}
    assert [g.holds for g in sends["big"].guards] == [True]
    assert [g.holds for g in sends["gold"].guards] == [False, True]
    assert [g.holds for g in sends["rest"].guards] == [False, False]
    assert {g.read for p in sends.values() for g in p.guards} == {Clock(3600, 3600)}


def test_a_send_in_the_then_of_a_wait_for_answers_that_event():
    steps = (
        '  wait up to 3 days for "Order Completed" then {\n    wait 1 hour\n    send push tips\n  } otherwise {\n'
        "    send email reminder\n  }\n  send email after"
    )
    sends = {p.step.message.name: p for p in planned(steps)}
    assert sends["tips"].reply is not None and sends["tips"].reply.step.event == "Order Completed"
    assert sends["tips"].clock.earliest - sends["tips"].reply.came.earliest == 3600
    assert sends["reminder"].reply is None
    assert {p.reply is None for p in planned(steps) if p.step.message.name == "after"} == {False, True}


def test_a_path_that_exits_sends_nothing_after_the_exit():
    sends = planned('  if profile.tier == "gold" {\n    exit\n  }\n  send email offer')
    assert [[g.holds for g in p.guards] for p in sends] == [[False]]


# ---------------------------------------------------------------- conditions
def test_conditions_read_at_one_time_contradict_each_other_and_at_two_times_they_need_not():
    ordered, none = condition('any "Order Completed" since entry'), condition('no "Order Completed" since entry')
    same = logic.meet(logic.at_time(logic.dnf(ordered), "86400"), logic.at_time(logic.dnf(none), "86400"))
    apart = logic.meet(logic.at_time(logic.dnf(ordered), "86400"), logic.at_time(logic.dnf(none), "172800"))
    assert (same, apart) == (False, True)
    traits = condition('profile.tier == "gold"'), condition('profile.tier != "gold"')
    assert not logic.meet(*(logic.at_time(logic.dnf(t), at) for t, at in zip(traits, ("0", "86400"), strict=True)))


@pytest.mark.parametrize(
    "written, read",
    [
        ("trigger.value >= 100", "value >= 100"),
        ('trigger.value >= 100 and profile.tier == "gold"', 'value >= 100 and profile.tier == "gold"'),
        ("not (trigger.coupon is set)", "not (coupon is set)"),
        ('any trigger.products where category == "dresses"', 'any products where category == "dresses"'),
        ('any "Order Completed" where total > trigger.value', 'any "Order Completed" where total > trigger.value'),
    ],
)
def test_steps_read_the_trigger_event_with_the_bare_names_of_its_filter(written, read):
    assert logic.describe(as_bare(condition(written))) == logic.describe(condition(read))


def test_a_condition_without_trigger_names_is_read_as_it_is():
    expr = condition('profile.tier == "gold" and value > 3')
    assert as_bare(expr) is expr


# ---------------------------------------------------------------- segments entered by an event
SEGMENTS = """
import "company.journey"

segment first_buyers { any "Order Completed" }
segment big_spenders { any "Order Completed" where total >= 500 }
segment lapsed { any "Order Completed" and no "Order Completed" in last 90 days }
segment browsers { at least 3 "Product Viewed" in last 30 days }
segment not_yet { not (any "Order Completed") }
segment dress_fans { last category of "Product Viewed" == "dresses" }
segment big_fans { in segment big_spenders and profile.tier == "gold" }
segment either { any "Order Completed" or at least 2 "Checkout Started" }
"""


@pytest.fixture(scope="module")
def segments_ctx(tmp_path_factory: pytest.TempPathFactory) -> CheckContext:
    root = tmp_path_factory.mktemp("segments") / "project"
    shutil.copytree(BASE, root)
    (root / "segments.journey").write_text(SEGMENTS, encoding="utf-8")
    result = check(root)
    assert result.diagnostics == []
    return CheckContext(resolved=result.resolved, root=root, config=result.config)


@pytest.mark.parametrize(
    "segment, events",
    [
        ("first_buyers", ["Order Completed"]),
        ("big_spenders", ["Order Completed"]),
        ("lapsed", []),  # an order takes a customer out; only time puts them in
        ("browsers", ["Product Viewed"]),
        ("not_yet", []),
        ("dress_fans", ["Product Viewed"]),
        ("big_fans", ["Order Completed"]),
        ("either", ["Checkout Started", "Order Completed"]),
    ],
)
def test_the_events_that_can_put_a_customer_into_a_segment(segments_ctx, segment, events):
    assert list(segment_entries(segments_ctx, segment)) == events


@pytest.mark.parametrize(
    "segment, event, needs",
    [("first_buyers", "Order Completed", 1), ("browsers", "Product Viewed", 3), ("either", "Checkout Started", 2)],
)
def test_how_many_events_entering_a_segment_takes(segments_ctx, segment, event, needs):
    assert segment_entries(segments_ctx, segment)[event][1] == needs


@pytest.mark.parametrize(
    "segment, trigger_filter, possible",
    [
        ("big_spenders", "total < 100", False),
        ("big_spenders", "total >= 600", True),
        ("big_fans", "total < 100", False),
        ("first_buyers", "total < 100", True),
    ],
)
def test_the_segments_filter_is_compared_with_the_trigger_filter(segments_ctx, segment, trigger_filter, possible):
    reasoning = reasoner(segments_ctx)
    entered, _ = segment_entries(segments_ctx, segment)["Order Completed"]
    event = segments_ctx.project.events["Order Completed"]
    assert reasoning.meet(entered, reasoning.of(condition(trigger_filter)), event) is possible


# ---------------------------------------------------------------- time between sends
def send_at(earliest: int, latest: float, local_time: int | None = None) -> PlannedSend:
    step = ir.SendStep(id="1", message=ir.Name(name="m", span=SPAN), span=SPAN)
    return PlannedSend(step, None, None, None, None, Clock(earliest, latest, local_time))


SPAN = ir.Span(file="x.journey", line=1, column=1, end_line=1, end_column=2)


@pytest.mark.parametrize(
    "first, second, apart",
    [
        (send_at(3600, 3600), send_at(1800, 1800), 1800),
        (send_at(0, DAY), send_at(3600, 3600), 0),  # one of them can fall anywhere in a day
        (send_at(0, DAY, 10 * 3600), send_at(0, DAY, 18 * 3600), 8 * 3600),  # 10:00 and 18:00 local
        (send_at(0, DAY, 23 * 3600), send_at(0, DAY, 3600), 2 * 3600),  # 23:00 and 01:00 are two hours apart
        (send_at(2 * DAY, 2 * DAY, 9 * 3600), send_at(0, 0, 9 * 3600), 2 * DAY),
    ],
)
def test_the_smallest_time_between_two_sends(first, second, apart):
    assert gap(first, second) == gap(second, first) == apart


@pytest.mark.parametrize(
    "settings, upto",
    [
        ("  entry once", 1),
        ("  entry at most 3 times", 3),
        ("  entry once\n  entry at most 3 times", 1),
        ('  audience profile.tier == "gold"\n  entry once', None),  # the audience can skip the first order
        ("  entry once\n  entry at most once every 7 days", None),
        ("  entry at most once every 7 days", None),
        ("", None),
    ],
)
def test_a_journey_that_only_starts_on_a_customers_first_events(segments_ctx, settings, upto):
    [start] = starts(segments_ctx, journey_facts(segments_ctx.project, journey(settings, '"Order Completed"'), "x"))
    assert start.upto == upto


def test_a_filtered_trigger_can_start_on_any_later_event(segments_ctx):
    found = journey("  entry once", '"Order Completed" where total > 5')
    [start] = starts(segments_ctx, journey_facts(segments_ctx.project, found, "x"))
    assert start.upto is None
