"""Cross-journey conflicts (J701-J705) and the reasoning about conditions behind them.

examples/conflicts plants one of each conflict; its whole report is a snapshot, and every conflict must point
at both journeys and name both teams. The small cases below pin what counts as overlapping.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import REPO, check, render

from journeyc.checks.analysis import logic
from journeyc.syntax.parser import parse_source

CONFLICTS = REPO / "examples" / "conflicts"
BASE = Path(__file__).parent / "fixtures" / "rule_base"
CROSS_JOURNEY = {"J701", "J703", "J705"}


def test_the_conflicts_example_reports_exactly_the_planted_findings(snapshot):
    result = check(CONFLICTS)
    found = sorted((d.code, d.span.file) for d in result.diagnostics)
    assert found == [
        ("J401", "support/ticket_followup.journey"),
        ("J404", "support/ticket_followup.journey"),
        ("J501", "product/order_updates.journey"),
        ("J601", "growth/cart_recovery.journey"),
        ("J701", "product/checkout_nudge.journey"),
        ("J702", "offers.journey"),
        ("J703", "product/checkout_nudge.journey"),
        ("J704", "policy.journey"),
        ("J705", "growth/review_thanks.journey"),
        ("J801", "product/checkout_nudge.journey"),
    ]
    assert render(result) == snapshot


def test_each_conflict_points_at_both_journeys_and_names_both_teams():
    result = check(CONFLICTS)
    for d in result.diagnostics:
        if d.code not in CROSS_JOURNEY:
            continue
        other_files = {label.span.file for label in d.labels} - {d.span.file}
        assert other_files, f"{d.code} has no label in the other journey's file"
        words = " ".join([d.message, d.label or "", d.help or "", *(label.message for label in d.labels)])
        teams = {team for team in ("growth", "product", "support") if team in words}
        assert len(teams) == 2, (d.code, words)


def test_the_cap_budget_names_every_journey_and_its_count():
    [d] = [d for d in check(CONFLICTS).diagnostics if d.code == "J704"]
    assert d.message == (
        "together, journeys can send one customer 4 promotional messages within 7 days; the cap allows 2"
    )
    assert sorted((label.span.file, label.message) for label in d.labels) == [
        ("growth/cart_recovery.journey", "growth: up to 2 (cart_reminder, cart_last_call)"),
        ("growth/review_thanks.journey", "growth: up to 1 (review_thanks)"),
        ("product/checkout_nudge.journey", "product: up to 1 (checkout_push)"),
    ]
    assert "teams growth and product should agree" in (d.help or "")


# ---------------------------------------------------------------- small projects on the rule base

CART = """
import "company.journey"

offer CART10 {{ code "CART10" value 10% off valid for 7 days }}
offer APP15 {{ code "APP15" value 15% off valid for 3 days }}

message cart_email on email {{
  subject "Your basket is saved"
  text "Use {{{{ offer.code }}}}. Unsubscribe: https://shop.example/u"
}}

message cart_push on push {{
  title "Finish your order"
  body "Save with {{{{ offer.code }}}}"
}}

journey cart_recovery {{
  owner growth
  category promotional
  trigger "Checkout Started"{growth_where}
  entry at most once every 7 days
{growth_audience}
  wait {growth_wait}
  send email cart_email with offer CART10
}}

journey app_nudge {{
  owner product
  category promotional
  trigger "Checkout Started"{product_where}
  entry at most once every 7 days
{product_audience}
  wait 30 minutes
  send push cart_push with offer {product_offer}
}}
"""


def cart_project(tmp_path: Path, **changes: str):
    values = {
        "growth_where": "",
        "product_where": "",
        "growth_audience": "",
        "product_audience": "",
        "growth_wait": "1 hour",
        "product_offer": "APP15",
    }
    values.update(changes)
    root = tmp_path / "project"
    shutil.copytree(BASE, root)
    (root / "cart.journey").write_text(CART.format(**values), encoding="utf-8")
    return check(root)


def codes(result) -> list[str]:
    return sorted(d.code for d in result.diagnostics)


def test_two_offers_and_two_channels_on_the_same_moment(tmp_path):
    result = cart_project(tmp_path)
    assert codes(result) == ["J701", "J703"], render(result)
    offers = next(d for d in result.diagnostics if d.code == "J701")
    assert "CART10 (10% off) and APP15 (15% off)" in offers.message
    assert offers.notes == (
        'they overlap because they both start on "Checkout Started" and nothing keeps one customer out of either',
    )


def test_the_same_offer_is_no_conflict(tmp_path):
    assert "J701" not in codes(cart_project(tmp_path, product_offer="CART10"))


def test_exclusive_audiences_are_no_conflict(tmp_path):
    result = cart_project(
        tmp_path,
        growth_audience="  audience not profile.push_enabled",
        product_audience="  audience profile.push_enabled",
    )
    assert codes(result) == [], render(result)


def test_exclusive_enum_values_are_no_conflict(tmp_path):
    result = cart_project(
        tmp_path,
        growth_audience='  audience profile.tier == "gold"',
        product_audience='  audience profile.tier is one of "bronze", "silver"',
    )
    assert codes(result) == [], render(result)


def test_unrelated_conditions_still_overlap(tmp_path):
    result = cart_project(
        tmp_path,
        growth_audience='  audience profile.tier == "gold"',
        product_audience="  audience profile.push_enabled",
    )
    assert codes(result) == ["J701", "J703"], render(result)


def test_exclusive_trigger_filters_are_no_conflict(tmp_path):
    result = cart_project(tmp_path, growth_where=" where value >= 100", product_where=" where value < 100")
    assert codes(result) == [], render(result)


def test_sends_further_apart_than_the_redundancy_window_are_not_redundant(tmp_path):
    assert codes(cart_project(tmp_path, growth_wait="2 hours")) == ["J701"]


def test_the_redundancy_window_is_configurable(tmp_path):
    root = tmp_path / "project"
    cart_project(tmp_path, growth_wait="2 hours")
    (root / "journeyc.toml").write_text('redundancy-window = "3 hours"\n', encoding="utf-8")
    assert "J703" in codes(check(root))


def offers_project(tmp_path: Path, *codes_and_values: str):
    """A project declaring offers A, B, C... with these `code "..." value ...` settings."""
    root = tmp_path / "project"
    shutil.copytree(BASE, root)
    offers = "".join(f"offer {chr(65 + i)} {{ {text} }}\n" for i, text in enumerate(codes_and_values))
    (root / "offers.journey").write_text(offers, encoding="utf-8")
    return check(root)


def test_one_code_with_two_values(tmp_path):
    result = offers_project(
        tmp_path,
        'code "SAVE" value 10% off valid for 7 days',
        'code "SAVE" value 5 USD off valid for 7 days',
        'code "SAVE" value 10% off valid for 30 days',
    )
    [d] = result.diagnostics
    assert d.code == "J702" and d.severity == "error"
    assert d.message == 'the code "SAVE" means 5 USD off in offer B and 10% off in offer A'
    assert (d.span.line, d.labels[0].span.line) == (2, 1)


def test_one_code_in_two_letter_cases_with_two_values(tmp_path):
    result = offers_project(
        tmp_path,
        'code "SPRING" value 10% off valid for 7 days',
        'code "Spring" value 20% off valid for 7 days',
        'code "spring" value 10% off valid for 30 days',
    )
    [d] = result.diagnostics
    assert d.message == 'the code "Spring" means 20% off in offer B and 10% off in offer A (written "SPRING")'
    assert d.help == "the checkout applies one value per code, in any letter case: give each value its own code"


REVIEWS = """
import "company.journey"

offer THANKS {{ code "THANKS" value 10% off valid for 30 days }}

message thanks on email {{
  subject "Thanks for your review"
  text "Here is {{{{ offer.code }}}}. Unsubscribe: https://shop.example/u"
}}

message sorry on email {{
  subject "We are sorry"
  text "A person will call you."
}}

journey review_thanks {{
  owner growth
  category promotional
  trigger "Product Reviewed"{where}
  entry at most once every 30 days
  send email thanks with offer THANKS
}}

journey service_recovery {{
  owner support
  category lifecycle
  trigger "Product Reviewed" where rating <= 2
  entry at most once every 7 days
  send email sorry
}}
"""


def review_project(tmp_path: Path, where: str = "", policy: str | None = None):
    root = tmp_path / "project"
    shutil.copytree(BASE, root)
    (root / "reviews.journey").write_text(REVIEWS.format(where=where), encoding="utf-8")
    if policy is not None:
        (root / "policy.journey").write_text(policy, encoding="utf-8")
    return check(root)


def test_a_promotion_on_every_review_breaches_the_bad_review_suppression(tmp_path):
    result = review_project(tmp_path)
    [d] = result.diagnostics
    assert d.code == "J705" and d.span.file == "reviews.journey"
    assert [(label.span.file, label.message) for label in d.labels] == [
        ("policy.journey", "suppresses promotional for 14 days"),
        ("reviews.journey", 'support\'s "service_recovery" handles these customers'),
    ]
    assert 'support\'s "service_recovery" is looking after them' in (d.help or "")


@pytest.mark.parametrize("where", [" where rating >= 3", " where rating > 2"])
def test_a_promotion_only_for_good_reviews_is_fine(tmp_path, where):
    assert review_project(tmp_path, where).diagnostics == []


def test_a_promotion_only_for_bad_reviews_is_always_suppressed(tmp_path):
    result = review_project(tmp_path, " where rating <= 1")
    assert codes(result) == ["J604"], render(result)


def test_without_a_declared_bad_experience_another_teams_filter_is_no_evidence(tmp_path):
    """support's journey for reviews of 2 stars or fewer does not make them a bad experience: the policy does."""
    policy = 'import "company.journey"\npolicy { priority transactional, lifecycle, promotional }\n'
    assert review_project(tmp_path, policy=policy).diagnostics == []


def test_a_bad_experience_the_policy_declares_but_lets_promotions_through(tmp_path):
    policy = (
        'import "company.journey"\npolicy {\n  priority transactional, lifecycle, promotional\n'
        '  suppress lifecycle for 3 days after "Product Reviewed" where rating <= 2\n}\n'
    )
    result = review_project(tmp_path, policy=policy)
    [d] = [d for d in result.diagnostics if d.code == "J705"]
    assert d.message == (
        'promotional journey "review_thanks" (growth) reaches customers right after a "Product Reviewed" the policy '
        "treats as a bad experience"
    )
    assert [(label.span.file, label.message) for label in d.labels] == [
        ("policy.journey", "a bad experience: lifecycle held back for 3 days"),
        ("reviews.journey", 'support\'s "service_recovery" handles these customers'),
        ("reviews.journey", "a promotion they get"),
    ]
    assert "but not promotional ones" in (d.help or "")


def test_a_declared_bad_experience_with_promotions_exempt_from_suppression_is_fine(tmp_path):
    policy = (
        'import "company.journey"\npolicy {\n  priority transactional, lifecycle, promotional\n'
        '  suppress lifecycle for 3 days after "Product Reviewed" where rating <= 2\n'
        "  exempt promotional from suppression\n}\n"
    )
    assert "J705" not in codes(review_project(tmp_path, policy=policy))


# ---------------------------------------------------------------- the reasoning


def condition(text: str):
    source, problems = parse_source(f"segment s {{ {text} }}\n", "x.journey")
    assert not problems
    return source.segments[0].condition


TIERS = {"profile.tier": frozenset({"bronze", "silver", "gold"}), "profile.ok": frozenset({True, False})}


@pytest.mark.parametrize(
    "a, b, possible",
    [
        ('profile.tier == "gold"', 'profile.tier != "gold"', False),
        ('profile.tier == "gold"', 'profile.tier == "silver"', False),
        ('profile.tier is one of "gold", "silver"', 'profile.tier == "bronze"', False),
        ('profile.tier != "gold" and profile.tier != "silver"', 'profile.tier == "bronze"', True),
        ("rating <= 2", "rating >= 3", False),
        ("rating <= 2", "rating >= 2", True),
        ("rating < 2", "rating >= 2", False),
        ("rating > 4 and rating < 2", "profile.ok", False),
        ("profile.ok", "not profile.ok", False),
        ("profile.ok == false", "profile.ok", False),
        ("in segment a", "not in segment a", False),
        ('any "Order Completed"', 'no "Order Completed"', False),  # one count: >= 1 against == 0
        ('at least 3 "Order Completed"', 'at most 2 "Order Completed"', False),
        ('at least 3 "Order Completed"', 'at most 3 "Order Completed"', True),
        ('any "Order Completed"', 'no "Order Completed" in last 90 days', True),  # two windows, two counts
        ('any "Order Completed" where total > 5', 'no "Order Completed"', True),  # two filters, two counts
        ('last category of "Product Viewed" == "dresses"', 'last category of "Product Viewed" == "shoes"', False),
        ('any "Order Completed" where total > 5', 'not (any "Order Completed" where total > 5)', False),
        ("profile.phone is set", "profile.phone is not set", False),
        ("profile.phone is not set", 'profile.phone == "1"', False),
        ('profile.phone != "1"', "profile.phone is not set", True),  # != holds for a missing value
        ('(profile.tier == "gold" or profile.ok) and not profile.ok', 'profile.tier != "gold"', False),
    ],
)
def test_both_possible(a, b, possible):
    assert logic.both_possible(condition(a), condition(b), TIERS.get) is possible


def test_implies():
    assert logic.implies(condition("rating <= 1"), condition("rating <= 2"))
    assert not logic.implies(condition("rating <= 3"), condition("rating <= 2"))
    assert logic.implies(None, None) and not logic.implies(None, condition("rating <= 2"))


def test_too_complex_conditions_are_treated_as_possible():
    wide = " and ".join(f"(profile.a{n} == 1 or profile.b{n} == 1)" for n in range(12))
    assert logic.both_possible(condition(wide), condition(wide))
    assert not logic.implies(condition(wide), condition("profile.a0 == 1"))


def test_a_memo_gives_the_same_answers_and_remembers_too_complex():
    pairs = [
        ('profile.tier == "gold"', 'profile.tier != "gold"'),
        ("rating <= 2", "rating >= 2"),
        ('(profile.tier == "gold" or profile.ok) and not profile.ok', 'profile.tier != "gold"'),
        ('any "Order Completed" where total > 5', 'not (any "Order Completed" where total > 5)'),
    ]
    conditions = [(condition(a), condition(b)) for a, b in pairs]
    memo: logic.Memo = {}
    for _ in range(2):  # the second round answers from the memo
        for left, right in conditions:
            assert logic.both_possible(left, right, TIERS.get, memo=memo) == logic.both_possible(left, right, TIERS.get)
            assert logic.implies(left, right, TIERS.get, memo=memo) == logic.implies(left, right, TIERS.get)
    wide = condition(" and ".join(f"(profile.a{n} == 1 or profile.b{n} == 1)" for n in range(12)))
    for _ in range(2):
        with pytest.raises(logic.TooComplexError):
            logic.dnf(wide, memo=memo)
        assert logic.both_possible(wide, wide, memo=memo)
    assert memo[(id(wide), False, id(None))][2] is None  # remembered as too complex
