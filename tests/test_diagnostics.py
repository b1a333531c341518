"""What a marketer reads when a project is wrong: one snapshot per mistake, in the `full` text format.

Every case starts from the clean base project of conftest.py and changes ONE thing: it replaces one piece of a
base file (`edit`) or adds a file. Besides the snapshot, each case asserts what must hold whatever the wording:
the expected code is reported, every diagnostic points at `file:line:col` and names its code, and no Lark or
Python internals leak into the text.
"""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import BASE_FILES, check, render

from journeyc.cli import main
from journeyc.render.full import render_full


def edit(file: str, old: str, new: str) -> dict[str, str]:
    """A base file with `old` (which must occur exactly once) replaced by `new`."""
    text = textwrap.dedent(BASE_FILES[file]).lstrip("\n")
    assert text.count(old) == 1, f"{old!r} must occur exactly once in {file}"
    return {file: text.replace(old, new)}


def cart(old: str, new: str) -> dict[str, str]:
    return edit("cart.journey", old, new)


def company(old: str, new: str) -> dict[str, str]:
    return edit("company.journey", old, new)


def events(old: str, new: str) -> dict[str, str]:
    return edit("events.journey", old, new)


# A small message + journey file that imports the base, for cases that need their own message or journey.
IMPORTS = 'import "company.journey"\nimport "events.journey"\n'


@dataclass(frozen=True)
class Case:
    code: str  # the code that must be among the diagnostics
    files: dict[str, str] = field(default_factory=dict)


CASES: dict[str, Case] = {
    # ------------------------------------------------------------------ syntax (J0xx)
    # The offer's closing brace is forgotten; the message after it is fine.
    "syntax_missing_closing_brace": Case("J001", cart("valid for 7 days }", "valid for 7 days\n")),
    # `trigger` misspelt.
    "syntax_typod_keyword": Case("J001", cart('trigger "Checkout Started"', 'trigerr "Checkout Started"')),
    # A subject whose closing quote is missing.
    "syntax_unterminated_text": Case(
        "J003",
        cart(
            "subject \"You left something behind, {{ profile.first_name | default('friend') }}\"",
            "subject \"You left something behind, {{ profile.first_name | default('friend') }}",
        ),
    ),
    # A semicolon at the end of a step, as in JavaScript.
    "syntax_stray_semicolon": Case("J002", cart("wait 1 hour", "wait 1 hour;")),
    # Curly quotes pasted from a word processor.
    "syntax_curly_quotes": Case("J002", cart('trigger "Checkout Started"', "trigger \u201cCheckout Started\u201d")),
    # A single `=` instead of `==`.
    "syntax_single_equals": Case(
        "J002", cart("where order_id == trigger.order_id", "where order_id = trigger.order_id")
    ),
    # `description` is a keyword in an event body, so it cannot name a property.
    "syntax_keyword_as_property_name": Case(
        "J001", events("rating     number optional", "rating     number optional\n  description string optional")
    ),
    # `last` starts a condition, so it cannot be a bare property name in a filter.
    "syntax_keyword_as_name_in_filter": Case(
        "J001",
        {"loyal.journey": IMPORTS + 'segment loyal { any "Order Completed" where last == "yes" }\n'},
    ),
    # The event name is written without quotes.
    "syntax_event_name_without_quotes": Case("J001", cart('trigger "Checkout Started"', "trigger Checkout Started")),
    # The file ends in the middle of a segment.
    "syntax_end_of_file_mid_declaration": Case(
        "J004", {"vip.journey": IMPORTS + 'segment vip {\n  profile.tier == "gold"\n'}
    ),
    # Two broken declarations in one file: recovery reports both, and nothing else.
    "syntax_two_errors_both_reported": Case(
        "J001",
        {
            "two.journey": IMPORTS
            + 'segment reviewers {\n  any "Product Reviewed" where rating >= \n}\n\n'
            + 'segment movers {\n  at lest 2 "Order Completed"\n}\n'
        },
    ),
    # `else` after a branch whose `}` is missing.
    "syntax_missing_brace_before_else": Case(
        "J001",
        cart(
            "send email cart_reminder with offer CART10",
            "if trigger.value > 100 {\n    send email cart_reminder with offer CART10\n  else {\n    exit\n  }",
        ),
    ),
    # A keyword glued to its value: one word, which cannot stand there.
    "syntax_keyword_glued_to_its_value": Case("J001", cart("owner growth", "ownergrowth")),
    # `send` glued to the channel.
    "syntax_send_glued_to_its_channel": Case("J001", cart("send email cart_reminder", "sendemail cart_reminder")),
    # A time written the American way.
    "syntax_time_with_am": Case("J001", cart("wait 1 hour", "wait until 9am")),
    # A number written in words.
    "syntax_number_in_words": Case("J001", cart("wait 1 hour", "wait three days")),
    # Double quotes inside a template inside a one-line text.
    "syntax_quote_inside_template": Case(
        "J008",
        cart(
            "subject \"You left something behind, {{ profile.first_name | default('friend') }}\"",
            'subject "You left something behind, {{ profile.first_name | default("friend") }}"',
        ),
    ),
    # An invisible right-to-left override in a comment ("Trojan Source").
    "syntax_direction_override_in_comment": Case("J007", cart("wait 1 hour", "wait 1 hour  # \u202e admins only")),
    # ------------------------------------------------------------------ names (J1xx)
    # A goal event one letter short of the tracking plan's.
    "unknown_event_did_you_mean": Case("J102", cart('goal "Order Completed"', 'goal "Order Complete"')),
    # A filter on a property the goal event does not have.
    "unknown_event_property": Case(
        "J103", cart("where order_id == trigger.order_id", "where order_number == trigger.order_id")
    ),
    # `trigger.x` where the trigger event has no x.
    "unknown_trigger_property": Case(
        "J103", cart("where order_id == trigger.order_id", "where order_id == trigger.order_number")
    ),
    # An audience in a segment that does not exist.
    "unknown_segment": Case(
        "J104", cart("entry at most once every 7 days", "entry at most once every 7 days\n  audience in segment vips")
    ),
    # A send of a misspelt message.
    "unknown_message": Case("J105", cart("send email cart_reminder", "send email cart_remindr")),
    # An offer code with a letter O for a zero.
    "unknown_offer": Case("J106", cart("with offer CART10", "with offer CART1O")),
    # A message written for a channel that is not declared.
    "unknown_channel": Case("J107", cart("message cart_reminder on email", "message cart_reminder on mail")),
    # The owner team misspelt.
    "unknown_team": Case("J108", cart("owner growth", "owner grwoth")),
    # A category that is not declared.
    "unknown_category": Case("J109", cart("category promotional", "category promo")),
    # The same offer declared in two files: the second points at the first.
    "duplicate_offer_across_files": Case(
        "J101", {"promo.journey": 'offer CART10 { code "CART10B" value 5 USD off valid for 3 days }\n'}
    ),
    # A file that uses an event without importing the tracking plan.
    "missing_import": Case("J114", {"buyers.journey": 'segment buyers { any "Order Completed" }\n'}),
    # An import of a file that does not exist.
    "import_not_found": Case(
        "J111", cart('import "events.journey"', 'import "events.journey"\nimport "catalog.journey"')
    ),
    # Two files importing each other.
    "import_cycle": Case(
        "J113",
        {
            "a.journey": 'import "b.journey"\nteam alpha\n',
            "b.journey": 'import "a.journey"\nteam beta\n',
        },
    ),
    # An import that leaves the project folder.
    "import_outside_project": Case(
        "J112", cart('import "events.journey"', 'import "events.journey"\nimport "../../etc/passwd"')
    ),
    # A stdlib module that does not exist.
    "unknown_stdlib_module": Case("J111", cart('import "events.journey"', 'import "events.journey"\nimport ecomerce')),
    # A property type misspelt.
    "unknown_property_type": Case("J110", events("rating     number optional", "rating     nubmer optional")),
    # Two segments that refer to each other.
    "segment_cycle": Case(
        "J115",
        {
            "loops.journey": IMPORTS
            + 'segment buyers { any "Order Completed" and not in segment reviewers }\n'
            + 'segment reviewers { any "Product Reviewed" or in segment buyers }\n'
        },
    ),
    # A journey without an owner.
    "journey_without_owner": Case("J116", cart("  owner growth\n", "")),
    # An audience on a trait the profile does not have.
    "unknown_profile_trait": Case(
        "J103",
        cart("entry at most once every 7 days", 'entry at most once every 7 days\n  audience profile.teir == "gold"'),
    ),
    # The journey's own closing brace is forgotten at the very end of the file.
    "syntax_missing_last_brace": Case(
        "J004", cart("send email cart_reminder with offer CART10\n}", "send email cart_reminder with offer CART10")
    ),
    # A setting that may appear once, given twice.
    "setting_given_twice": Case("J117", cart("category promotional", "category promotional\n  category lifecycle")),
    # ------------------------------------------------------------------ types (J2xx)
    # A text trait compared with a number.
    "string_compared_with_number": Case(
        "J201",
        cart("entry at most once every 7 days", "entry at most once every 7 days\n  audience profile.first_name == 3"),
    ),
    # A list property compared as if it were one value.
    "list_compared_as_scalar": Case(
        "J202", cart('trigger "Checkout Started"', 'trigger "Checkout Started" where products == "shoes"')
    ),
    # A choice compared with a value it never takes.
    "enum_value_never_taken": Case(
        "J204",
        cart(
            "entry at most once every 7 days", 'entry at most once every 7 days\n  audience profile.tier == "platinum"'
        ),
    ),
    # A yes/no trait compared with the text "yes".
    "boolean_compared_with_yes": Case(
        "J201",
        cart(
            "entry at most once every 7 days",
            'entry at most once every 7 days\n  audience profile.email_opt_in == "yes"',
        ),
    ),
    # A text trait used on its own as a yes/no condition.
    "non_boolean_trait_as_condition": Case(
        "J203",
        cart("entry at most once every 7 days", "entry at most once every 7 days\n  audience profile.first_name"),
    ),
    # `<` between texts.
    "less_than_on_texts": Case(
        "J201",
        cart("entry at most once every 7 days", 'entry at most once every 7 days\n  audience profile.first_name < "M"'),
    ),
    # A behaviour condition inside another behaviour's `where` filter.
    "behaviour_inside_where_filter": Case(
        "J212",
        {
            "nested.journey": IMPORTS
            + 'segment fans {\n  any "Order Completed" where at least 2 "Product Reviewed"\n}\n'
        },
    ),
    # ------------------------------------------------------------------ templates (J2xx)
    # A Jinja2 syntax error on the second line of a multi-line text.
    "template_syntax_error_on_second_line": Case(
        "J205",
        cart(
            'text "Order {{ trigger.order_id }} is waiting. Code {{ offer.code }}. Unsubscribe: https://shop.example/u"',
            'text """Hi there,\n  your order {{ trigger.order_id }\n  is waiting."""',
        ),
    ),
    # A template that reads a trait the profile does not have.
    "template_unknown_profile_trait": Case("J206", cart("profile.first_name |", "profile.firstname |")),
    # A template that reads a variable that does not exist.
    "template_unknown_variable": Case("J206", cart("{{ trigger.order_id }}", "{{ order.order_id }}")),
    # A template filter misspelt.
    "template_unknown_filter": Case("J205", cart("| default('friend')", "| defualt('friend')")),
    # A message reads `trigger.total`, but the journey that sends it is triggered by an event without `total`.
    "template_trigger_property_missing": Case("J206", cart("{{ trigger.order_id }}", "{{ trigger.total }}")),
    # An html template file that does not exist.
    "template_file_missing": Case(
        "J207",
        cart(
            'text "Order {{ trigger.order_id }} is waiting. Code {{ offer.code }}. Unsubscribe: https://shop.example/u"',
            'html file "emails/cart_reminder.mjml"',
        ),
    ),
    # A template file that reads a trait the profile does not have, on its third line.
    "template_file_unknown_trait": Case(
        "J206",
        {
            **cart(
                'text "Order {{ trigger.order_id }} is waiting. Code {{ offer.code }}. Unsubscribe: https://shop.example/u"',
                'html file "emails/cart_reminder.mjml"',
            ),
            "emails/cart_reminder.mjml": "<mj-text>\n  Hello,\n  {{ profile.frist_name }}, your cart is waiting.\n"
            "  Code {{ offer.code }}. Unsubscribe: https://shop.example/u\n</mj-text>\n",
        },
    ),
    # ------------------------------------------------------------------ message fields
    # An sms message with a subject.
    "field_not_allowed_for_channel_kind": Case(
        "J208",
        {"sms.journey": IMPORTS + 'message ping on sms {\n  subject "Hello"\n  text "Your cart is waiting"\n}\n'},
    ),
    # An email without a subject.
    "required_field_missing": Case(
        "J209",
        cart(
            "subject \"You left something behind, {{ profile.first_name | default('friend') }}\"\n",
            "",
        ),
    ),
    # An email message sent on the sms channel.
    "message_sent_on_wrong_channel": Case("J210", cart("send email cart_reminder", "send sms cart_reminder")),
    # ------------------------------------------------------------------ values (J3xx)
    # A duration unit misspelt.
    "bad_duration_unit": Case("J301", cart("wait 1 hour", "wait 7 dayz")),
    # A time of day that does not exist.
    "bad_time_of_day": Case("J302", cart("wait 1 hour", "wait until 25:00")),
    # A default time zone misspelt.
    "unknown_time_zone_default": Case("J303", company('default "America/New_York"', 'default "America/NewYork"')),
    # Experiment arms and holdout adding up to 90%.
    "experiment_weights_not_100": Case(
        "J304",
        cart(
            "send email cart_reminder with offer CART10",
            "experiment reminder_test {\n    holdout 10%\n    arm a 40% { send email cart_reminder }\n"
            "    arm b 40% { send email cart_reminder with offer CART10 }\n  }",
        ),
    ),
    # An offer value in a unit that is neither a percent nor a currency.
    "bad_offer_value_unit": Case("J309", cart("value 10% off", "value 10 dollars off")),
    # A weekday misspelt.
    "bad_weekday": Case("J306", cart("wait 1 hour", "wait until mondya at 10:00")),
    # A channel kind journeyc does not know.
    "bad_channel_kind": Case("J307", company("kind sms", "kind text")),
    # A day and a half.
    "fractional_duration": Case("J310", cart("wait 1 hour", "wait 1.5 days")),
    # A wait of nearly two thousand years.
    "duration_too_long": Case("J311", cart("wait 1 hour", "wait 100000 weeks")),
    # A threshold pasted with 400 digits.
    "number_too_large": Case(
        "J312", cart('trigger "Checkout Started"', 'trigger "Checkout Started" where value > ' + "9" * 400)
    ),
}

# ---------------------------------------------------------------- what must never reach a marketer

LOCATION = re.compile(r"(?m)^\s*--> \S+\.(journey|mjml|html|txt|json):\d+:\d+$")
CODE = re.compile(r"^(error|warning)\[J\d{3}\]: ", re.MULTILINE)
GRAMMAR = (Path(__file__).parent.parent / "journeyc/syntax/journey.lark").read_text(encoding="utf-8")
LARK_TERMINALS = sorted(set(re.findall(r"^([A-Z][A-Z_]*)(?:\.\d+)?:", GRAMMAR, re.M)))
# Rule names and aliases with an underscore (`journey_decl`, `_step`): plain ones such as `goal` are also words.
LARK_RULES = sorted(
    {name for name in re.findall(r"^\??(_?[a-z][a-z_]*):|-> ([a-z_]+)", GRAMMAR, re.M) for name in name if "_" in name}
)
LEAKS = re.compile(
    r"__ANON|\$END|Token\(|Tree\(|NoneType|<class|Traceback"
    + r"|\b(?:"
    + "|".join(LARK_RULES + LARK_TERMINALS)
    + r")\b"
)


def assert_readable(result) -> None:
    """Every diagnostic has a code and a file:line:col, and no parser or Python internals."""
    for diagnostic in result.diagnostics:
        text = render_full(diagnostic, result.sources)
        assert CODE.match(text), text
        assert f"[{diagnostic.code}]" in text
        assert LOCATION.search(text), text
        leak = LEAKS.search(text)
        assert leak is None, f"internal name {leak.group()!r} shown to the user:\n{text}"


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_diagnostic(make_project, snapshot, case: Case):
    result = check(make_project(case.files))
    assert result.errors >= 1, "the mistake went unnoticed"
    assert case.code in [d.code for d in result.diagnostics], render(result)
    assert_readable(result)
    # The snapshot keeps the families these mistakes are about; later rule families have their own tests.
    result.diagnostics = [d for d in result.diagnostics if d.code[:2] in ("J0", "J1", "J2", "J3")]
    assert render(result) == snapshot


def test_cases_are_distinct():
    """Each case is a different mistake: no two change the project the same way."""
    changes = [tuple(sorted(case.files.items())) for case in CASES.values()]
    assert len(set(changes)) == len(changes)
    assert len(CASES) >= 36


def test_base_project_has_no_diagnostics(make_project):
    result = check(make_project())
    assert result.diagnostics == [], render(result)


# ---------------------------------------------------------------- the json format


def run_json(path: Path):
    return CliRunner().invoke(main, ["check", str(path), "--output-format", "json"])


def test_json_output_for_a_broken_project(make_project):
    outcome = run_json(make_project(CASES["unknown_event_did_you_mean"].files))
    assert outcome.exit_code == 1, outcome.output
    document = json.loads(outcome.output)
    assert list(document) == ["version", "summary", "diagnostics"]
    assert document["summary"]["errors"] == len(document["diagnostics"]) >= 1
    first = document["diagnostics"][0]
    assert first["code"] == "J102"
    assert first["location"]["file"] == "cart.journey"
    assert first["location"]["line"] >= 1 and first["location"]["column"] >= 1


def test_json_output_for_a_clean_project(make_project):
    outcome = run_json(make_project())
    assert outcome.exit_code == 0, outcome.output
    document = json.loads(outcome.output)
    assert list(document) == ["version", "summary", "diagnostics"]
    assert document["diagnostics"] == []
    assert document["summary"]["errors"] == 0


# ---------------------------------------------------------------- recovery and cascades


def test_recovery_reports_both_syntax_errors(make_project):
    result = check(make_project(CASES["syntax_two_errors_both_reported"].files))
    assert [(d.code, d.span.line) for d in result.diagnostics] == [("J001", 5), ("J001", 8)], render(result)


SYNTAX_CASES = {name: case for name, case in CASES.items() if name.startswith("syntax_")}


@pytest.mark.parametrize("case", SYNTAX_CASES.values(), ids=SYNTAX_CASES.keys())
def test_a_syntax_error_causes_no_name_errors(make_project, case: Case):
    """A declaration that does not parse must not make its name 'unknown' where it is used."""
    result = check(make_project(case.files))
    assert all(d.code.startswith("J0") for d in result.diagnostics), render(result)
