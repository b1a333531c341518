"""Behaviour of the flow checks (J401-J405), the policy and channel checks (J601-J604, J801-J802), inline
suppressions (J901-J902) and the settings that select, ignore and re-grade rules.

Every project is tests/fixtures/rule_base/ (teams growth, product and support; channels email, sms, push and
whatsapp; the house policy) plus the files a test writes. Each test pins the code, the severity, the primary
place (file, line, column), the label, the words of the message and help a marketer reads, and the secondary
labels; the places are found by searching the test's own text, so a diagnostic one line or column off fails.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import check

from journeyc.cli import main
from journeyc.config import ConfigError
from journeyc.diagnostics import Diagnostic
from journeyc.load import ProjectNotFoundError
from journeyc.pipeline import CheckResult

BASE = Path(__file__).parent / "fixtures" / "rule_base"

MESSAGES = """\
import "company.journey"

message welcome on email {
  subject "Welcome to the shop"
  text "Thanks for joining. Our best sellers: https://shop.example/best-sellers"
}
message promo on email {
  category promotional
  subject "New in this week"
  text "See what is new: https://shop.example/new Unsubscribe: https://shop.example/preferences"
}
message promo_sms on sms {
  category promotional
  text "New in: shop.example/new Reply STOP to opt out"
}
message life_sms on sms {
  text "Your account is ready: shop.example/account"
}
message receipt_sms on sms {
  category transactional
  text "We have your order. Track it: shop.example/orders"
}
message app_nudge on push {
  title "Still thinking it over?"
  body "Your cart is saved"
}
"""

# The policy of the quiet-hours tests: like the house rules, but quiet hours drop texts and pushes.
DROP_POLICY = """\
import "company.journey"

policy "House rules" {
  priority transactional, lifecycle, promotional
  quiet hours 21:00 to 08:00 on sms, push then drop
  exempt transactional from caps, quiet hours, suppression, consent
}
"""

# The policy of the cap tests: one promotional message a week.
WEEKLY_CAP_POLICY = """\
import "company.journey"

policy "House rules" {
  priority transactional, lifecycle, promotional
  limit 1 message per 7 days for promotional
  exempt transactional from caps, quiet hours, suppression, consent
}
"""


class Project:
    """The rule base plus some files; `at` finds where a text is in them, as a diagnostic would point."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.texts: dict[str, str] = {}
        shutil.copytree(BASE, root)
        self.texts = {p.name: p.read_text(encoding="utf-8") for p in BASE.glob("*.journey")}

    def write(self, files: dict[str, str], config: str | None = None) -> Project:
        for relative, text in files.items():
            text = textwrap.dedent(text).lstrip("\n")
            target = self.root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            self.texts[relative] = text
        if config is not None:
            (self.root / "journeyc.toml").write_text(textwrap.dedent(config), encoding="utf-8")
        return self

    def check(self) -> CheckResult:
        return check(self.root)

    def at(self, file: str, needle: str, nth: int = 1) -> tuple[str, int, int]:
        """(file, line, column) of the nth occurrence of `needle` in a file, 1-based."""
        text, start = self.texts[file], -1
        for _ in range(nth):
            start = text.index(needle, start + 1)
        line = text.count("\n", 0, start) + 1
        column = start - (text.rfind("\n", 0, start) + 1) + 1
        return (file, line, column)

    def line(self, file: str, needle: str, nth: int = 1) -> tuple[str, int]:
        return self.at(file, needle, nth)[:2]


@pytest.fixture
def project(tmp_path: Path):
    """project(files, config=None): the rule base with `files` added (a base file's name replaces it)."""

    made: list[Project] = []

    def make(files: dict[str, str] | None = None, config: str | None = None) -> Project:
        made.append(Project(tmp_path / f"project{len(made)}").write(files or {}, config))
        return made[-1]

    return make


def journey(body: str) -> str:
    """A file of the shared messages and one journey (`body` is the journey, without indentation)."""
    return MESSAGES + "\n" + textwrap.dedent(body).lstrip("\n")


def only(result: CheckResult, code: str) -> list[Diagnostic]:
    return [d for d in result.diagnostics if d.code == code]


def codes(result: CheckResult) -> list[str]:
    return [d.code for d in result.diagnostics]


def where(d: Diagnostic) -> tuple[str, int, int]:
    return (d.span.file, d.span.line, d.span.column)


def secondary(d: Diagnostic) -> list[tuple[str, int, str]]:
    return [(label.span.file, label.span.line, label.message) for label in d.labels]


def one(result: CheckResult, code: str) -> Diagnostic:
    """The single diagnostic of the result, which must be of `code` (nothing else is reported)."""
    assert codes(result) == [code], [(d.code, d.message) for d in result.diagnostics]
    return result.diagnostics[0]


# ================================================================ J401 unreachable-step


def test_j401_the_first_step_after_an_exit_is_unreachable(project):
    p = project(
        {
            "example.journey": journey(
                """
                journey welcome_series "Welcome series" {
                  owner growth
                  category lifecycle
                  trigger "Signed Up"
                  entry once
                  send email welcome
                  exit
                  wait 2 days
                  send email promo
                }
                """
            )
        }
    )
    d = one(p.check(), "J401")
    assert d.severity == "warning"
    assert where(d) == p.at("example.journey", "wait 2 days")
    assert d.message == "no customer can reach this step"
    assert d.label == "unreachable"
    assert secondary(d) == [(*p.line("example.journey", "  exit"), "this exit: the journey ends here")]
    assert "remove the steps after the exit" in d.help


def test_j401_after_an_if_else_whose_branches_all_exit(project):
    p = project(
        {
            "example.journey": journey(
                """
                journey welcome_series "Welcome series" {
                  owner growth
                  category lifecycle
                  trigger "Signed Up"
                  entry once
                  wait 3 days
                  if any "Order Completed" since entry {
                    exit
                  } else if profile.tier == "gold" {
                    send email welcome
                    exit
                  } else {
                    exit
                  }
                  send email welcome
                  wait 1 day
                }
                """
            )
        }
    )
    d = one(p.check(), "J401")
    assert where(d) == p.at("example.journey", "send email welcome", nth=2)
    assert d.label == "unreachable"
    assert secondary(d) == [(*p.line("example.journey", "if any"), "every branch above exits: the journey ends here")]


def test_j401_after_a_wait_whose_then_and_otherwise_both_exit(project):
    p = project(
        {
            "example.journey": journey(
                """
                journey welcome_series "Welcome series" {
                  owner growth
                  category lifecycle
                  trigger "Signed Up"
                  entry once
                  wait up to 2 days for "Signed In" then { exit } otherwise { exit }
                  send email welcome
                }
                """
            )
        }
    )
    d = one(p.check(), "J401")
    assert where(d) == p.at("example.journey", "send email welcome")
    assert secondary(d) == [
        (*p.line("example.journey", "wait up to"), "every branch above exits: the journey ends here")
    ]


def test_j401_inside_a_branch(project):
    p = project(
        {
            "example.journey": journey(
                """
                journey welcome_series "Welcome series" {
                  owner growth
                  category lifecycle
                  trigger "Signed Up"
                  entry once
                  if profile.tier == "gold" {
                    exit
                    send email welcome
                  }
                  send email promo
                }
                """
            )
        }
    )
    d = one(p.check(), "J401")
    assert where(d) == p.at("example.journey", "send email welcome")
    assert secondary(d) == [(*p.line("example.journey", "exit"), "this exit: the journey ends here")]


@pytest.mark.parametrize(
    "block",
    [
        pytest.param('if profile.tier == "gold" {\n  exit\n}', id="if-without-else"),
        pytest.param('if profile.tier == "gold" {\n  exit\n} else {\n  send email promo\n}', id="else-goes-on"),
        pytest.param(
            "experiment exit_test {\n  holdout 10%\n  arm a 45% { exit }\n  arm b 45% { exit }\n}",
            id="holdout-goes-on",
        ),
        pytest.param('wait up to 2 days for "Signed In" then { exit }', id="otherwise-goes-on"),
    ],
)
def test_j401_not_when_some_customers_go_on(project, block):
    body = textwrap.indent(block, "  ")
    p = project(
        {
            "example.journey": journey(
                'journey welcome_series "Welcome series" {\n  owner growth\n  category lifecycle\n'
                f'  trigger "Signed Up"\n  entry once\n{body}\n  send email welcome\n}}\n'
            )
        }
    )
    assert codes(p.check()) == []


def test_j401_after_an_experiment_without_holdout_whose_arms_all_exit(project):
    p = project(
        {
            "example.journey": journey(
                """
                journey welcome_series "Welcome series" {
                  owner growth
                  category lifecycle
                  trigger "Signed Up"
                  entry once
                  experiment exit_test {
                    arm a 50% { exit }
                    arm b 50% { send email promo exit }
                  }
                  send email welcome
                }
                """
            )
        }
    )
    d = one(p.check(), "J401")
    assert where(d) == p.at("example.journey", "send email welcome")
    assert secondary(d) == [
        (*p.line("example.journey", "experiment exit_test"), "every branch above exits: the journey ends here")
    ]


# ================================================================ J402 wait-never-matches


def review_wait(condition: str) -> str:
    return journey(
        f"""
        journey review_follow_up "Follow up on reviews" {{
          owner growth
          category lifecycle
          trigger "Order Completed"
          entry at most once every 30 days
          wait up to 14 days for "Product Reviewed" where {condition} then {{
            send email welcome
          }}
        }}
        """
    )


@pytest.mark.parametrize("condition", ["rating > 4 and rating < 2", "rating == 3 and rating != 3"])
def test_j402_a_filter_that_contradicts_itself(project, condition):
    p = project({"example.journey": review_wait(condition)})
    d = one(p.check(), "J402")
    assert d.severity == "warning"
    assert where(d) == p.at("example.journey", condition)
    assert d.message == 'no "Product Reviewed" event can match this filter'
    assert d.label == "the conditions contradict each other"
    assert "always runs out after 14 days" in d.help
    assert d.labels == ()


@pytest.mark.parametrize(
    "condition",
    [
        "rating >= 2 and rating <= 2",  # exactly 2
        "rating > 4 or rating < 2",
        "rating > 4 and product_id == trigger.order_id",
    ],
)
def test_j402_not_when_some_event_can_match(project, condition):
    p = project({"example.journey": review_wait(condition)})
    assert codes(p.check()) == []


# ================================================================ J403 repeats-without-pause


def repeating(settings: str = "", category: str = "lifecycle", steps: str = "send email welcome") -> str:
    lines = ['journey signin_tips "Tips after sign-in" {', "  owner growth", f"  category {category}"]
    lines.append('  trigger "Signed In"')
    lines += [f"  {line}" for line in settings.splitlines() if line]
    lines += [f"  {line}" for line in steps.splitlines() if line]
    return journey("\n".join([*lines, "}", ""]))


def test_j403_an_event_journey_that_sends_at_once_with_no_limit(project):
    p = project({"example.journey": repeating()})
    d = one(p.check(), "J403")
    assert d.severity == "warning"
    assert where(d) == p.at("example.journey", '"Signed In"')
    assert d.message == 'journey "signin_tips" sends again on every "Signed In", with no pause and no limit'
    assert d.label == "every such event starts another run"
    assert secondary(d) == [(*p.line("example.journey", "send email welcome"), "sent at once, each time")]
    assert "entry at most once every 7 days" in d.help


def test_j403_the_first_send_may_be_in_a_branch(project):
    p = project({"example.journey": repeating(steps='if profile.tier == "gold" {\n  send email promo\n}')})
    d = one(p.check(), "J403")
    assert secondary(d) == [(*p.line("example.journey", "send email promo"), "sent at once, each time")]


@pytest.mark.parametrize(
    ("settings", "category", "steps"),
    [
        pytest.param("entry at most once every 7 days", "lifecycle", "send email welcome", id="entry-rule"),
        pytest.param('goal "Order Completed" within 7 days', "lifecycle", "send email welcome", id="goal"),
        pytest.param('exit on "Signed Out"', "lifecycle", "send email welcome", id="exit-event"),
        pytest.param("", "transactional", "send sms receipt_sms", id="transactional"),
        pytest.param("", "lifecycle", "wait 1 day\nsend email welcome", id="wait-first"),
        pytest.param("", "lifecycle", "wait until 10:00\nsend email welcome", id="wait-until-first"),
    ],
)
def test_j403_not_with_a_limit_a_pause_or_a_transactional_category(project, settings, category, steps):
    p = project({"example.journey": repeating(settings, category, steps)})
    assert codes(p.check()) == []


def test_j403_not_when_every_branch_waits_before_the_send(project):
    steps = 'if profile.tier == "gold" {\n  wait 1 day\n} else {\n  wait 2 days\n}\nsend email welcome'
    p = project({"example.journey": repeating(steps=steps)})
    assert codes(p.check()) == []


# ================================================================ J404 empty-branch


def test_j404_an_empty_if_branch(project):
    p = project(
        {
            "example.journey": journey(
                """
                journey welcome_series "Welcome series" {
                  owner growth
                  category lifecycle
                  trigger "Signed Up"
                  entry once
                  if profile.tier == "gold" {
                    send email welcome
                  } else if profile.tier == "silver" {
                  }
                  send email promo
                }
                """
            )
        }
    )
    d = one(p.check(), "J404")
    assert d.severity == "warning"
    assert where(d) == p.at("example.journey", 'else if profile.tier == "silver"')
    assert d.message == "this branch has no steps"
    assert d.label == "empty"
    assert d.help == "remove it, or add the steps it should run"


EMPTY_ELSE = """
    journey welcome_series "Welcome series" {
      owner growth
      category lifecycle
      trigger "Signed Up"
      entry once
      if profile.tier == "gold" {
        send email welcome
      } else {
      }
    }
    """


def test_j404_an_empty_else(project):
    p = project({"example.journey": journey(EMPTY_ELSE)})
    d = one(p.check(), "J404")
    assert d.message == "this else branch has no steps"
    assert d.label == "empty"


def test_j404_an_empty_else_is_reported_at_the_else(project):
    p = project({"example.journey": journey(EMPTY_ELSE)})
    d = one(p.check(), "J404")
    assert (d.span.file, d.span.line) == p.line("example.journey", "} else {")


def test_j404_an_empty_experiment_arm(project):
    p = project(
        {
            "example.journey": journey(
                """
                journey welcome_series "Welcome series" {
                  owner growth
                  category lifecycle
                  trigger "Signed Up"
                  entry once
                  experiment welcome_test {
                    arm email_first 50% { send email welcome }
                    arm control 50% { }
                  }
                }
                """
            )
        }
    )
    d = one(p.check(), "J404")
    assert where(d) == p.at("example.journey", "arm control")
    assert d.message == 'this arm "control" has no steps'
    assert d.label == "empty"
    assert "holdout" in d.help


def test_j404_not_for_an_empty_then_or_otherwise_of_a_wait(project):
    p = project(
        {
            "example.journey": journey(
                """
                journey welcome_series "Welcome series" {
                  owner growth
                  category lifecycle
                  trigger "Signed Up"
                  entry once
                  wait up to 2 days for "Signed In" then { } otherwise { send email welcome }
                  wait up to 2 days for "Order Completed" then { send email promo } otherwise { }
                }
                """
            )
        }
    )
    assert codes(p.check()) == []


# ================================================================ J405 goal-is-trigger


def cart(goal: str, trigger: str = "Checkout Started") -> str:
    return journey(
        f"""
        journey cart_recovery "Abandoned checkout recovery" {{
          owner growth
          category promotional
          trigger "{trigger}" keyed by order_id
          entry at most once every 7 days
          goal {goal}
          wait 1 hour
          send email promo
        }}
        """
    )


def test_j405_the_goal_is_the_trigger_event_for_the_same_order(project):
    p = project({"example.journey": cart('"Checkout Started" where order_id == trigger.order_id within 7 days')})
    d = one(p.check(), "J405")
    assert d.severity == "warning"
    assert where(d) == p.at("example.journey", '"Checkout Started" where')
    assert d.message.startswith('the goal is "Checkout Started" for the same order_id as the trigger')
    assert "repeating the trigger counts as success" in d.message
    assert d.label == "the same event as the trigger"
    assert secondary(d) == [(*p.line("example.journey", 'trigger "Checkout Started"'), "the trigger")]
    assert d.labels[0].span.column == p.at("example.journey", '"Checkout Started" keyed')[2]
    assert '"Order Completed"' in d.help


def test_j405_the_key_may_be_written_the_other_way_round_and_among_other_conditions(project):
    goal = '"Order Completed" where total > 50 and trigger.order_id == order_id within 30 days'
    p = project({"example.journey": cart(goal, trigger="Order Completed")})
    d = one(p.check(), "J405")
    assert d.message.startswith('the goal is "Order Completed" for the same order_id as the trigger')


@pytest.mark.parametrize(
    ("goal", "trigger"),
    [
        pytest.param(
            '"Order Completed" where order_id == trigger.order_id within 7 days', "Checkout Started", id="order"
        ),
        pytest.param('"Order Completed" within 60 days', "Order Completed", id="repeat-purchase"),
        pytest.param('"Order Completed" where total > 100 within 60 days', "Order Completed", id="bigger-order"),
    ],
)
def test_j405_not_for_another_event_or_a_later_different_occurrence(project, goal, trigger):
    p = project({"example.journey": cart(goal, trigger)})
    assert codes(p.check()) == []


# ================================================================ J601 always-quiet-hours


def sms_at(steps: str, message: str = "life_sms", settings: str = "entry once") -> str:
    body = "\n".join(f"  {line}" for line in steps.splitlines())
    return journey(
        f'journey evening_text "Evening text" {{\n  owner growth\n  category lifecycle\n  trigger "Signed Up"\n'
        f"  audience profile.sms_opt_in\n  {settings}\n{body}\n  send sms {message}\n}}\n"
    )


@pytest.mark.parametrize(
    ("steps", "hhmm"),
    [
        pytest.param("wait until 21:00", "21:00", id="start-of-quiet-hours"),
        pytest.param("wait until 07:59", "07:59", id="last-minute"),
        pytest.param("wait until 20:00\nwait 2 hours", "22:00", id="fixed-wait-after-a-time"),
        pytest.param("wait until monday at 23:30", "23:30", id="weekday"),
    ],
)
def test_j601_a_send_always_in_quiet_hours_that_drop(project, steps, hhmm):
    p = project({"policy.journey": DROP_POLICY, "example.journey": sms_at(steps)})
    d = one(p.check(), "J601")
    assert d.severity == "warning"
    assert where(d) == p.at("example.journey", "send sms life_sms")
    assert d.message == f"this send always happens at {hhmm} local time, inside quiet hours, and is dropped"
    assert d.label == f"at {hhmm} on sms"
    assert secondary(d) == [
        (*p.line("policy.journey", "quiet hours"), "quiet hours on this channel drop messages"),
    ]
    assert "outside quiet hours" in d.help


@pytest.mark.parametrize(
    "steps",
    [
        pytest.param("wait until 20:59", id="minute-before"),
        pytest.param("wait until 08:00", id="end-of-quiet-hours"),
        pytest.param('wait until 20:00\nwait up to 1 day for "Signed In"', id="time-unknown-after-a-wait-for"),
        pytest.param("wait until 22:00\nwait 12 hours", id="next-morning"),
    ],
)
def test_j601_not_outside_quiet_hours_or_when_the_time_is_unknown(project, steps):
    p = project({"policy.journey": DROP_POLICY, "example.journey": sms_at(steps)})
    assert codes(p.check()) == []


def test_j601_not_when_quiet_hours_defer(project):
    p = project({"example.journey": sms_at("wait until 22:00")})  # the house rules defer
    assert codes(p.check()) == []


def test_j601_not_for_a_transactional_message_exempt_from_quiet_hours(project):
    p = project({"policy.journey": DROP_POLICY, "example.journey": sms_at("wait until 22:00", "receipt_sms")})
    assert codes(p.check()) == []


def test_j601_not_on_a_channel_without_quiet_hours(project):
    text = sms_at("wait until 22:00").replace("send sms life_sms", "send email welcome")
    p = project({"policy.journey": DROP_POLICY, "example.journey": text})
    assert codes(p.check()) == []


def test_j601_a_schedule_fixes_the_local_time(project):
    text = journey(
        """
        journey late_deal "Late deal" {
          owner growth
          category promotional
          trigger every day at 22:00
          audience profile.sms_opt_in
          send sms promo_sms
        }
        """
    )
    p = project({"policy.journey": DROP_POLICY, "example.journey": text})
    d = one(p.check(), "J601")
    assert where(d) == p.at("example.journey", "send sms promo_sms")
    assert d.label == "at 22:00 on sms"


# ================================================================ J602 journey-over-cap


def promos(steps: str) -> str:
    body = "\n".join(f"  {line}" for line in steps.splitlines())
    return journey(
        'journey new_in "New in this week" {\n  owner growth\n  category promotional\n  trigger "Signed Up"\n'
        f"  entry once\n{body}\n}}\n"
    )


def test_j602_two_promotions_a_day_apart_against_one_a_week(project):
    p = project(
        {
            "policy.journey": WEEKLY_CAP_POLICY,
            "example.journey": promos("send email promo\nwait 1 day\nsend push app_nudge"),
        }
    )
    d = one(p.check(), "J602")
    assert d.severity == "warning"
    assert where(d) == p.at("example.journey", "send push app_nudge")
    assert d.message == 'journey "new_in" sends 2 promotional messages within 7 days, but the policy allows 1'
    assert d.label == "message 2 of 2 (1 day after entry) is over the cap"
    assert secondary(d) == [
        (*p.line("example.journey", "send email promo"), "message 1 (at once)"),
        (*p.line("policy.journey", "limit 1 message"), "the cap"),
    ]
    assert "drop the extra messages" in d.help


@pytest.mark.parametrize(
    "steps",
    [
        pytest.param("send email promo\nwait 8 days\nsend push app_nudge", id="8-days-apart"),
        pytest.param(
            'if profile.tier == "gold" {\n  send email promo\n} else {\n  send push app_nudge\n}', id="two-branches"
        ),
        pytest.param("send email promo\nwait 1 day\nsend sms receipt_sms", id="transactional-exempt"),
    ],
)
def test_j602_not_when_the_sends_are_apart_on_different_paths_or_exempt(project, steps):
    p = project({"policy.journey": WEEKLY_CAP_POLICY, "example.journey": promos(steps)})
    assert codes(p.check()) == []


def test_j602_a_channel_cap_counts_only_its_channel(project):
    # The house rules allow 1 lifecycle or promotional text a day.
    p = project({"example.journey": sms_at("send sms life_sms\nwait 6 hours")})
    d = one(p.check(), "J602")
    assert where(d) == p.at("example.journey", "send sms life_sms", nth=2)
    assert d.label == "message 2 of 2 (6 hours after entry) is over the cap"
    assert secondary(d) == [
        (*p.line("example.journey", "send sms life_sms"), "message 1 (at once)"),
        (*p.line("policy.journey", "limit 1 message per day"), "the cap"),
    ]
    text = sms_at("send email welcome\nwait 6 hours")
    assert codes(project({"example.journey": text}).check()) == []


def test_j602_a_daily_cap_is_described_in_plain_words(project):
    p = project({"example.journey": sms_at("send sms life_sms\nwait 6 hours")})
    d = one(p.check(), "J602")
    assert "within 1 day," in d.message


# ================================================================ J603 consent-never-given


def texting(audience: str, category: str = "lifecycle", message: str = "life_sms", trigger: str = '"Signed Up"') -> str:
    audience_line = f"  audience {audience}\n" if audience else ""
    return journey(
        f'journey sms_invite "Invite to texts" {{\n  owner growth\n  category {category}\n  trigger {trigger}\n'
        f"{audience_line}  entry once\n  wait 1 day\n  send sms {message}\n}}\n"
    )


def test_j603_an_audience_that_rules_out_the_channels_consent(project):
    p = project({"example.journey": texting("not profile.sms_opt_in")})
    d = one(p.check(), "J603")
    assert d.severity == "error"
    assert where(d) == p.at("example.journey", "sms life_sms")
    assert d.message == 'no customer this journey reaches has agreed to messages on "sms"'
    assert d.label == "needs profile.sms_opt_in"
    assert secondary(d) == [
        (*p.line("example.journey", "audience"), "the audience rules out profile.sms_opt_in"),
    ]
    assert d.labels[0].span.column == p.at("example.journey", "not profile.sms_opt_in")[2]
    assert "dropped for lack of consent" in d.help


@pytest.mark.parametrize(
    "audience",
    [
        "profile.sms_opt_in == false",
        "profile.sms_opt_in is not set",
        'profile.tier == "gold" and not profile.sms_opt_in',
    ],
)
def test_j603_other_ways_to_rule_consent_out(project, audience):
    p = project({"example.journey": texting(audience)})
    assert codes(p.check()) == ["J603"]


def test_j603_reads_a_segment_in_the_audience(project):
    segment = 'import "company.journey"\nsegment no_texts "Never agreed to texts" { not profile.sms_opt_in }\n'
    text = texting("in segment no_texts").replace('import "company.journey"', 'import "segments.journey"', 1)
    p = project({"segments.journey": segment, "example.journey": text})
    assert codes(p.check()) == ["J603"]


@pytest.mark.parametrize(
    ("audience", "category", "message"),
    [
        pytest.param("not profile.sms_opt_in", "transactional", "receipt_sms", id="transactional"),
        pytest.param("not profile.sms_opt_in", "lifecycle", "receipt_sms", id="transactional-message"),
        pytest.param('profile.tier == "gold"', "lifecycle", "life_sms", id="unrelated-audience"),
        pytest.param("profile.sms_opt_in", "lifecycle", "life_sms", id="opted-in"),
        pytest.param("", "lifecycle", "life_sms", id="no-audience"),
        pytest.param("not profile.email_opt_in", "lifecycle", "life_sms", id="other-channels-consent"),
    ],
)
def test_j603_not_when_consent_is_possible_or_not_needed(project, audience, category, message):
    p = project({"example.journey": texting(audience, category, message)})
    assert codes(p.check()) == []


def test_j603_reads_the_segment_a_journey_is_triggered_by(project):
    segment = 'import "company.journey"\nsegment no_texts "Never agreed to texts" { not profile.sms_opt_in }\n'
    text = texting("", trigger="entering segment no_texts").replace(
        'import "company.journey"', 'import "segments.journey"', 1
    )
    p = project({"segments.journey": segment, "example.journey": text})
    assert codes(p.check()) == ["J603"]


# ================================================================ J604 triggered-by-suppression


def goodwill(trigger: str, steps: str = "send email promo", category: str = "promotional") -> str:
    body = "\n".join(f"  {line}" for line in steps.splitlines())
    return journey(
        f'journey goodwill "Goodwill offer" {{\n  owner support\n  category {category}\n  trigger {trigger}\n'
        f"  entry at most once every 30 days\n{body}\n}}\n"
    )


def test_j604_a_promotion_started_by_the_event_that_suppresses_it(project):
    p = project({"example.journey": goodwill('"Ticket Opened"')})
    d = one(p.check(), "J604")
    assert d.severity == "error"
    assert where(d) == p.at("example.journey", '"Ticket Opened"')
    assert d.message == 'every run of journey "goodwill" starts inside a suppression window it is subject to'
    assert d.label == 'each "Ticket Opened" that starts it also suppresses its messages'
    assert secondary(d) == [(*p.line("policy.journey", 'after "Ticket Opened"'), "suppresses them for 7 days")]
    assert "choose another trigger" in d.help and "wait longer than" in d.help


def test_j604_a_narrower_trigger_filter_implies_the_suppressions(project):
    p = project({"example.journey": goodwill('"Product Reviewed" where rating <= 1')})
    d = one(p.check(), "J604")
    assert d.label == 'each "Product Reviewed" that starts it also suppresses its messages'
    assert secondary(d) == [(*p.line("policy.journey", 'after "Product Reviewed"'), "suppresses them for 14 days")]


@pytest.mark.parametrize(
    ("trigger", "steps", "category"),
    [
        pytest.param('"Ticket Opened"', "wait 8 days\nsend email promo", "promotional", id="after-the-window"),
        pytest.param('"Product Reviewed" where rating >= 4', "send email promo", "promotional", id="good-reviews"),
        pytest.param('"Product Reviewed"', "send email promo", "promotional", id="any-review"),
        pytest.param('"Ticket Opened"', "send email welcome", "lifecycle", id="lifecycle"),
        pytest.param('"Ticket Opened"', "send email promo\nsend email welcome", "lifecycle", id="not-all-suppressed"),
    ],
)
def test_j604_not_when_some_message_can_get_through(project, trigger, steps, category):
    p = project({"example.journey": goodwill(trigger, steps, category)})
    assert "J604" not in codes(p.check())


def test_j604_not_when_the_send_may_come_after_the_window(project):
    steps = (
        'wait up to 10 days for "Ticket Resolved" where ticket_id == trigger.ticket_id then {\n  send email promo\n}'
    )
    p = project({"example.journey": goodwill('"Ticket Opened"', steps)})
    assert "J604" not in codes(p.check())


# ================================================================ J801 channel-not-shared


def owned_by(team: str, send: str, message: str = "") -> str:
    return (
        MESSAGES + message + f'\njourney review_request "Ask for a review" {{\n  owner {team}\n  category lifecycle\n'
        f'  trigger "Order Completed"\n  entry at most once every 30 days\n  wait 10 days\n  {send}\n}}\n'
    )


def test_j801_a_team_sending_on_a_channel_not_shared_with_it(project):
    p = project({"example.journey": owned_by("product", "send email welcome")})
    d = one(p.check(), "J801")
    assert d.severity == "error"
    assert where(d) == p.at("example.journey", "email welcome")
    assert d.message == 'team product may not send on channel "email", which team growth owns'
    assert d.label == 'sent by product\'s journey "review_request"'
    assert secondary(d) == [(*p.line("company.journey", "channel email"), "owned by growth")]
    assert d.labels[0].span.column == p.at("company.journey", "email {")[2]
    assert "shared with product" in d.help and "growth" in d.help


def test_j801_without_a_channel_in_the_send_it_points_at_the_message(project):
    p = project({"example.journey": owned_by("product", "send welcome")})
    d = one(p.check(), "J801")
    assert where(d) == p.at("example.journey", "welcome\n")


@pytest.mark.parametrize(
    ("team", "send"),
    [
        pytest.param("product", "send sms life_sms", id="shared-with-product"),
        pytest.param("product", "send push app_nudge", id="owned-by-product"),
        pytest.param("support", "send email welcome", id="shared-with-support"),
        pytest.param("growth", "send email welcome", id="owner"),
    ],
)
def test_j801_not_for_the_owner_or_a_team_it_is_shared_with(project, team, send):
    p = project({"example.journey": owned_by(team, send)})
    assert "J801" not in codes(p.check())


# ================================================================ J802 channel-without-consent

EXTRA_CHANNELS = """
channel shortcode { kind sms owner growth address phone }
channel inbox { kind in_app owner growth }
message flash_sale on shortcode { text "Flash sale until midnight: shop.example Reply STOP to opt out" }
message flash_receipt on shortcode { category transactional text "Your order is confirmed" }
message inbox_sale on inbox { body "Flash sale until midnight" }
"""


def flash(send: str, category: str = "promotional") -> str:
    return journey(
        f'journey flash_sale "Flash sale" {{\n  owner growth\n  category {category}\n'
        f"  trigger every friday at 10:00\n  {send}\n}}\n"
    ).replace("\njourney", EXTRA_CHANNELS + "\njourney", 1)


def test_j802_a_promotion_on_a_channel_without_consent(project):
    p = project({"example.journey": flash("send shortcode flash_sale")})
    d = one(p.check(), "J802")
    assert d.severity == "warning"
    assert where(d) == p.at("example.journey", "shortcode flash_sale")
    assert d.message == 'channel "shortcode" has no consent trait, but this promotional message is sent on it'
    assert d.label == "consent cannot be checked"
    assert secondary(d) == [(*p.line("example.journey", "channel shortcode"), "no `consent` here")]
    assert "consent <trait>" in d.help


@pytest.mark.parametrize(
    ("send", "category"),
    [
        pytest.param("send shortcode flash_sale", "transactional", id="transactional-journey"),
        pytest.param("send shortcode flash_receipt", "promotional", id="transactional-message"),
        pytest.param("send inbox inbox_sale", "promotional", id="in-app"),
    ],
)
def test_j802_not_for_transactional_messages_or_in_app(project, send, category):
    p = project({"example.journey": flash(send, category)})
    assert codes(p.check()) == []


# ================================================================ suppressions (J901, J902)

TIPS = """
message welcome on email {
  subject "Welcome back"
  text "Good to see you again: https://shop.example/new"
}

journey signin_tips "Tips after sign-in" {
  owner growth
  category lifecycle
  trigger "Signed In"{comment}
  send email welcome
}
"""


def tips(comment: str = "", above: str = "", header: str = 'import "company.journey"\n') -> str:
    text = header + TIPS.replace("{comment}", comment)
    return text.replace('  trigger "Signed In"', f'{above}  trigger "Signed In"') if above else text


def test_the_tips_journey_raises_j403(project):
    p = project({"example.journey": tips()})
    assert where(one(p.check(), "J403")) == p.at("example.journey", '"Signed In"')


def test_an_ignore_comment_on_the_line_silences_it_and_nothing_else_is_reported(project):
    p = project({"example.journey": tips("  # journeyc: ignore[J403]")})
    assert p.check().diagnostics == []


def test_an_ignore_comment_on_its_own_line_covers_the_next_line_of_code(project):
    above = "  # journeyc: ignore[J403]\n  # why: every sign-in gets tips, on purpose\n"
    p = project({"example.journey": tips(above=above)})
    assert p.check().diagnostics == []


def test_ignore_file_covers_the_whole_file(project):
    p = project({"example.journey": tips(header='# journeyc: ignore-file[J403]\nimport "company.journey"\n')})
    assert p.check().diagnostics == []


def test_an_ignore_on_another_line_does_not_silence_it(project):
    p = project({"example.journey": tips().replace("  owner growth", "  owner growth  # journeyc: ignore[J403]")})
    result = p.check()
    assert codes(result) == ["J901", "J403"]  # the comment is on the line above the trigger
    j901 = only(result, "J901")[0]
    assert where(j901) == p.at("example.journey", "# journeyc: ignore[J403]")


def test_j901_an_ignore_comment_that_suppresses_nothing(project):
    text = tips("  # journeyc: ignore[J403]").replace("  send email", "  entry at most once every 7 days\n  send email")
    p = project({"example.journey": text})
    d = one(p.check(), "J901")
    assert d.severity == "warning"
    assert where(d) == p.at("example.journey", "# journeyc: ignore[J403]")
    _, trigger_line, _ = p.at("example.journey", '"Signed In"')
    assert d.message == "the suppression of J403 suppresses nothing"
    assert d.label == f"no J403 is reported on line {trigger_line}"
    assert "remove it" in d.help


def test_j901_is_not_reported_for_a_code_the_settings_turn_off(project):
    text = tips("  # journeyc: ignore[J403]").replace("  send email", "  entry at most once every 7 days\n  send email")
    p = project({"example.journey": text}, config='ignore = ["J403"]\n')
    assert p.check().diagnostics == []


def test_j902_an_ignore_comment_naming_a_code_that_does_not_exist(project):
    p = project({"example.journey": tips("  # journeyc: ignore[J430]")})
    result = p.check()
    assert codes(result) == ["J403", "J902"]
    d = only(result, "J902")[0]
    assert d.severity == "warning"
    assert where(d) == p.at("example.journey", "# journeyc: ignore[J430]")
    assert d.message == '"J430" is not a journeyc rule'
    assert d.label == "unknown code"
    assert "journeyc rules" in d.help


def test_j902_beside_a_code_that_works(project):
    p = project({"example.journey": tips("  # journeyc: ignore[J403, J999]")})
    d = one(p.check(), "J902")
    assert d.message == '"J999" is not a journeyc rule'


def test_syntax_errors_cannot_be_suppressed(project):
    text = tips().replace('  trigger "Signed In"', '  trigger "Signed In" where )  # journeyc: ignore[J001]')
    p = project({"example.journey": text})
    result = p.check()
    j001 = only(result, "J001")
    assert [where(d) for d in j001] == [p.at("example.journey", ")")]
    assert result.failed


def test_an_ignore_of_a_syntax_error_says_that_it_cannot_be_suppressed(project):
    text = tips().replace('  trigger "Signed In"', '  trigger "Signed In" where )  # journeyc: ignore[J001]')
    p = project({"example.journey": text})
    result = p.check()
    _, line, _ = p.at("example.journey", ")")
    about = [d for d in result.diagnostics if d.code != "J001"]
    assert about, "the ignore comment is not mentioned"
    for d in about:
        assert f"no J001 is reported on line {line}" != d.label
        assert "cannot be suppressed" in f"{d.message} {d.help}"


def test_an_ignore_inside_a_triple_quoted_text_is_text(project):
    message = 'message note on email {\n  subject "A note"\n  text """Hello\n# journeyc: ignore[J503]\nBye"""\n}\n'
    p = project({"example.journey": 'import "company.journey"\n' + message})
    assert p.check().diagnostics == []


def test_j901_for_an_unused_ignore_file(project):
    p = project({"example.journey": tips(header='# journeyc: ignore-file[J404]\nimport "company.journey"\n')})
    d = only(p.check(), "J901")[0]
    assert where(d) == ("example.journey", 1, 1)
    assert d.label == "no J404 is reported in this file"


# ================================================================ settings (journeyc.toml)


def test_settings_ignore_a_rule(project):
    p = project({"growth/tips.journey": tips(header='import "../company.journey"\n')}, config='ignore = ["J403"]\n')
    assert p.check().diagnostics == []


def test_settings_change_a_rules_severity(project):
    p = project(
        {"growth/tips.journey": tips(header='import "../company.journey"\n')}, config='severity = { J403 = "error" }\n'
    )
    result = p.check()
    d = one(result, "J403")
    assert d.severity == "error"
    assert where(d) == p.at("growth/tips.journey", '"Signed In"')
    assert result.failed and result.errors == 1


def test_settings_ignore_a_rule_in_some_files(project):
    files = {
        "growth/tips.journey": tips(header='import "../company.journey"\n'),
        "support/tips.journey": tips(header='import "../company.journey"\n')
        .replace("welcome", "welcome_back")
        .replace("signin_tips", "support_tips"),
    }
    p = project(files, config='per-file-ignores = { "growth/*.journey" = ["J403"] }\n')
    result = p.check()
    assert [(d.code, d.span.file) for d in result.diagnostics] == [("J403", "support/tips.journey")]


def test_settings_select_only_some_rules(project):
    text = tips(header='import "../company.journey"\n').replace("owner growth", "owner marketing")
    p = project({"growth/tips.journey": text}, config='select = ["J1"]\n')
    result = p.check()
    assert codes(result) == ["J108"]  # the unknown team; J403 (flow) is not selected


def test_a_syntax_error_is_reported_whatever_is_selected(project):
    text = tips(header='import "../company.journey"\n').replace("owner growth", "owner growth )")
    p = project({"growth/tips.journey": text}, config='select = ["J1"]\nignore = ["J0"]\n')
    assert "J001" in codes(p.check())


def test_fail_on_warning_fails_a_project_with_only_warnings(project):
    files = {"growth/tips.journey": tips(header='import "../company.journey"\n')}
    default = project(files).check()
    assert codes(default) == ["J403"] and not default.failed
    strict = project(files, config='fail-on = "warning"\n').check()
    assert codes(strict) == ["J403"] and strict.errors == 0 and strict.warnings == 1
    assert strict.failed


@pytest.mark.parametrize(
    ("config", "words"),
    [
        ('ignore = ["J999"]\n', ['ignore names "J999"', "not a journeyc rule"]),
        ('ignores = ["J403"]\n', ['unknown setting "ignores"', 'did you mean "ignore"']),
        ('severity = { J403 = "loud" }\n', ["severity of J403", '"error", "warning" or "off"']),
        ('severity = { J001 = "off" }\n', ["J001", "cannot be lowered or turned off"]),
        ('fail-on = "always"\n', ["fail-on", '"error" or "warning"']),
        ('select = "J1"\n', ["select must be a list of codes"]),
        ('per-file-ignores = { "growth/*.journey" = ["J40x"] }\n', ['per-file-ignores "growth/*.journey"', "J40x"]),
    ],
)
def test_a_bad_setting_is_a_usage_error_naming_the_key(project, config, words):
    p = project({"growth/tips.journey": tips(header='import "../company.journey"\n')}, config=config)
    with pytest.raises(ConfigError) as raised:
        p.check()
    assert isinstance(raised.value, ProjectNotFoundError)  # what the command line turns into a usage error
    text = str(raised.value)
    assert text.startswith("journeyc.toml: ")
    for word in words:
        assert word in text


def test_a_bad_setting_stops_journeyc_check_with_exit_code_2(project):
    p = project({"growth/tips.journey": tips(header='import "../company.journey"\n')}, config='ignores = ["J403"]\n')
    result = CliRunner().invoke(main, ["check", str(p.root)], prog_name="journeyc")
    assert result.exit_code == 2
    assert 'unknown setting "ignores"' in result.output
    assert "Traceback" not in result.output
