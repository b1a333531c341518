"""Whole-project resolution: imports and what each file sees, duplicates, import problems, the Project IR,
did-you-mean hints, trigger properties, condition types and experiment weights.

Every test writes a small project (the clean base project of conftest.py plus a file or two), checks it, and
asserts on the exact diagnostics: code, message, file, line, column, label, related places and help.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from conftest import BASE_FILES, render
from conftest import check as check_everything

from journeyc import ir
from journeyc.diagnostics import Diagnostic
from journeyc.syntax.parser import parse_source

REPO = Path(__file__).resolve().parent.parent
ECOMMERCE = REPO / "stdlib" / "ecommerce.journey"


def check(path):
    """Check, keeping the rule families this file is about: syntax, names, types and templates, values.

    Flow, message, policy and conflict rules (J4xx and above) have their own tests.
    """
    result = check_everything(path)
    result.diagnostics = [d for d in result.diagnostics if d.code[:2] in ("J0", "J1", "J2", "J3")]
    return result


def line_of(text: str, needle: str) -> int:
    """The 1-based line of `needle` in a file as make_project writes it (dedented, leading newline dropped)."""
    lines = textwrap.dedent(text).lstrip("\n").split("\n")
    found = [n for n, line in enumerate(lines, start=1) if needle in line]
    assert len(found) == 1, f"{needle!r} is not on exactly one line"
    return found[0]


def base_line(file: str, needle: str) -> int:
    return line_of(BASE_FILES[file], needle)


def codes(result) -> list[str]:
    return [d.code for d in result.diagnostics]


def only(result, code: str) -> Diagnostic:
    """The single diagnostic of the result, which must have `code`."""
    assert codes(result) == [code], render(result)
    return result.diagnostics[0]


def where(d: Diagnostic) -> tuple[str, int, int]:
    return (d.span.file, d.span.line, d.span.column)


def related(d: Diagnostic) -> list[tuple[str, int, str]]:
    return [(label.span.file, label.span.line, label.message) for label in d.labels]


def clean(result) -> None:
    assert result.diagnostics == [], render(result)


# ---------------------------------------------------------------- what a file sees


def test_base_project_is_clean(make_project):
    result = check(make_project())
    clean(result)


def test_a_file_sees_what_it_imports_and_what_those_import(make_project):
    result = check(
        make_project(
            {
                "plan/base.journey": 'event "Base Event" { amount number }\n',
                "plan/mid.journey": 'import "base.journey"\nevent "Mid Event"\n',
                "top.journey": """
                    import "plan/mid.journey"
                    segment big { any "Base Event" where amount > 10 }
                    segment mid { any "Mid Event" }
                """,
                "outer/far.journey": """
                    import "../top.journey"
                    segment far { at least 2 "Base Event" and in segment big }
                """,
            }
        )
    )
    clean(result)


def test_imports_are_not_seen_backwards(make_project):
    # base.journey is imported by top.journey, but does not itself see what top.journey declares.
    result = check(
        make_project(
            {
                "base.journey": "segment uses_top { in segment top_segment }\n",
                "top.journey": 'import "base.journey"\nimport "events.journey"\nsegment top_segment { any "Signed Up" }\n',
            }
        )
    )
    d = only(result, "J114")
    assert d.message == 'segment "top_segment" is declared in top.journey, which this file does not import'
    assert where(d) == ("base.journey", 1, 31)
    assert d.label == "not imported here"
    assert related(d) == [("top.journey", 3, "declared here")]
    assert d.help == 'add `import "top.journey"` at the top of this file'


def test_event_from_a_file_not_imported_names_the_import_to_add(make_project):
    result = check(make_project({"winback.journey": 'segment s { any "Order Completed" }\n'}))
    d = only(result, "J114")
    assert d.message == 'event "Order Completed" is declared in events.journey, which this file does not import'
    assert where(d) == ("winback.journey", 1, 17)
    assert (d.span.end_line, d.span.end_column) == (1, 34)
    assert related(d) == [("events.journey", base_line("events.journey", 'event "Order Completed"'), "declared here")]
    assert d.help == 'add `import "events.journey"` at the top of this file'


@pytest.mark.parametrize(
    ("path", "suggested"),
    [
        ("growth/x.journey", "../events.journey"),
        ("growth/deep/x.journey", "../../events.journey"),
    ],
)
def test_missing_import_is_relative_to_the_file_in_a_subfolder(make_project, path, suggested):
    result = check(make_project({path: 'segment s { no "Signed Up" }\n'}))
    d = only(result, "J114")
    assert d.span.file == path
    assert d.help == f'add `import "{suggested}"` at the top of this file'


def test_missing_import_between_sibling_folders(make_project):
    result = check(
        make_project(
            {
                "catalog/products.journey": 'event "Product Viewed" { sku string }\n',
                "growth/browse.journey": 'segment browsers { any "Product Viewed" }\n',
                "root.journey": 'segment root_browsers { any "Product Viewed" }\n',
            }
        )
    )
    assert codes(result) == ["J114", "J114"], render(result)
    by_file = {d.span.file: d for d in result.diagnostics}
    assert by_file["growth/browse.journey"].help == 'add `import "../catalog/products.journey"` at the top of this file'
    assert by_file["root.journey"].help == 'add `import "catalog/products.journey"` at the top of this file'


def test_adding_the_suggested_import_fixes_it(make_project):
    result = check(make_project({"growth/x.journey": 'import "../events.journey"\nsegment s { no "Signed Up" }\n'}))
    clean(result)


def test_teams_profile_and_policy_are_visible_without_import(make_project):
    # Imports only the events: the team, the profile traits and the policy come from files it never imports.
    result = check(
        make_project(
            {
                "standalone.journey": """
                    import "events.journey"
                    category onboarding
                    journey hello {
                      owner support
                      category onboarding
                      trigger "Signed Up"
                      audience profile.tier == "gold" and profile.email_opt_in
                      if profile.phone is set { exit }
                    }
                """,
                "rules.journey": """
                    import "company.journey"
                    policy "House rules" { priority transactional, lifecycle, promotional }
                """,
            }
        )
    )
    clean(result)
    assert result.project.policy is not None
    assert result.project.policy.title == "House rules"
    assert result.project.profile is not None
    assert result.project.profile.span.file == "company.journey"


@pytest.mark.skipif(not ECOMMERCE.is_file(), reason="stdlib/ecommerce.journey does not exist (yet)")
def test_stdlib_event_not_imported_suggests_importing_the_module(make_project):
    stdlib_sf, _ = parse_source(ECOMMERCE.read_text(encoding="utf-8"), "stdlib/ecommerce.journey", is_stdlib=True)
    base_events = {e.name for e in parse_source(textwrap.dedent(BASE_FILES["events.journey"]), "e")[0].events}
    name = next((e.name for e in stdlib_sf.events if e.name not in base_events), None)
    if name is None:
        pytest.skip("every stdlib/ecommerce.journey event is also declared by the base project")
    escaped = name.replace("\\", "\\\\").replace('"', '\\"')
    result = check(make_project({"growth/shop.journey": f'segment shoppers {{ any "{escaped}" }}\n'}))
    d = only(result, "J114")
    assert d.span.file == "growth/shop.journey"
    assert d.message == f'event "{name}" is declared in stdlib/ecommerce.journey, which this file does not import'
    assert d.help == "add `import ecommerce` at the top of this file"
    assert [label.span.file for label in d.labels] == ["stdlib/ecommerce.journey"]


@pytest.mark.skipif(not ECOMMERCE.is_file(), reason="stdlib/ecommerce.journey does not exist (yet)")
def test_stdlib_module_typo_suggests_the_module(make_project):
    result = check(make_project({"shop.journey": "import ecommerc\n"}))
    d = only(result, "J111")
    assert d.message == 'there is no stdlib module "ecommerc"'
    assert where(d) == ("shop.journey", 1, 1)
    assert d.help == 'did you mean "ecommerce"?'


# The same stdlib behaviour against a stand-in stdlib folder, so it is covered whatever the real stdlib holds.
@pytest.fixture
def stand_in_stdlib(tmp_path, monkeypatch):
    folder = tmp_path / "stand_in_stdlib"
    folder.mkdir()
    (folder / "ecommerce.journey").write_text(
        'event "Cart Viewed" { cart_id string }\nevent "Order Refunded" { order_id string }\n', encoding="utf-8"
    )
    import journeyc.load
    import journeyc.pipeline

    monkeypatch.setattr(journeyc.pipeline, "stdlib_dir", lambda: folder)
    monkeypatch.setattr(journeyc.load, "stdlib_dir", lambda: folder)
    return folder


def test_stand_in_stdlib_event_not_imported_suggests_the_module(make_project, stand_in_stdlib):
    result = check(make_project({"growth/shop.journey": 'segment shoppers { any "Cart Viewed" }\n'}))
    d = only(result, "J114")
    assert where(d) == ("growth/shop.journey", 1, 24)
    assert d.message == 'event "Cart Viewed" is declared in stdlib/ecommerce.journey, which this file does not import'
    assert d.help == "add `import ecommerce` at the top of this file"
    assert related(d) == [("stdlib/ecommerce.journey", 1, "declared here")]


def test_stand_in_stdlib_module_typo_and_transitive_stdlib_import(make_project, stand_in_stdlib):
    result = check(
        make_project(
            {
                "typo.journey": "import ecommerc\n",
                "shop.journey": 'import ecommerce\nsegment viewers { any "Cart Viewed" }\n',
                "later.journey": 'import "shop.journey"\nsegment refunded { any "Order Refunded" }\n',
            }
        )
    )
    d = only(result, "J111")
    assert d.message == 'there is no stdlib module "ecommerc"'
    assert where(d) == ("typo.journey", 1, 1)
    assert d.label == "not in the stdlib"
    assert d.help == 'did you mean "ecommerce"?'
    assert "stdlib/ecommerce.journey" in result.project.files
    assert "Order Refunded" in result.project.events


# ---------------------------------------------------------------- duplicates


def test_duplicate_names_across_files_point_at_the_other_file(make_project):
    result = check(
        make_project(
            {
                "more.journey": """
                    import "company.journey"
                    import "events.journey"

                    event "Signed Up"
                    message cart_reminder on email { subject "Hi" text "Hello" }
                    team growth
                """
            }
        )
    )
    assert codes(result) == ["J101", "J101", "J101"], render(result)
    event, message, team = result.diagnostics
    assert event.message == 'event "Signed Up" is declared twice'
    # Events are named at their quoted name: the second one is in more.journey, the first in events.journey.
    assert where(event) == ("more.journey", 4, 7)
    assert event.label == "declared again here"
    assert related(event) == [
        ("events.journey", base_line("events.journey", 'event "Signed Up"'), "first declared here")
    ]
    assert event.help == "names of events are shared by the whole project: rename or remove one"
    assert message.message == 'message "cart_reminder" is declared twice'
    # cart.journey sorts before more.journey, so it holds the first declaration. Both labels underline the name.
    assert where(message) == ("more.journey", 5, 9)
    assert (message.span.end_column - message.span.column) == len("cart_reminder")
    assert related(message) == [
        ("cart.journey", base_line("cart.journey", "message cart_reminder"), "first declared here")
    ]
    assert team.message == 'team "growth" is declared twice'
    assert related(team) == [("company.journey", base_line("company.journey", "team growth"), "first declared here")]


def test_a_second_profile_is_a_duplicate(make_project):
    result = check(make_project({"traits.journey": "profile {\n  loyalty_points integer optional\n}\n"}))
    d = only(result, "J101")
    assert d.message == "the project has more than one profile"
    assert where(d) == ("traits.journey", 1, 1)
    assert related(d) == [("company.journey", base_line("company.journey", "profile {"), "the first profile")]
    assert d.help == "a project has one profile: merge them into one"


def test_a_second_policy_is_a_duplicate(make_project):
    result = check(
        make_project(
            {
                "a_rules.journey": 'import "company.journey"\npolicy "One" { priority promotional }\n',
                "b_rules.journey": 'import "company.journey"\n\npolicy "Two" { priority lifecycle }\n',
            }
        )
    )
    d = only(result, "J101")
    assert d.message == "the project has more than one contact policy"
    assert where(d) == ("b_rules.journey", 3, 1)
    assert related(d) == [("a_rules.journey", 2, "the first contact policy")]
    assert result.project.policy.title == "One"


# ---------------------------------------------------------------- import problems


def test_import_cycle_is_reported_once_with_the_chain(make_project):
    result = check(
        make_project(
            {
                "a.journey": 'import "b.journey"\n',
                "b.journey": 'import "a.journey"\n',
            }
        )
    )
    d = only(result, "J113")
    assert d.message == "import cycle: a.journey -> b.journey -> a.journey"
    assert where(d) == ("b.journey", 1, 1)
    assert d.label == "this import closes the cycle"
    assert related(d) == [("a.journey", 1, "part of the cycle")]
    assert d.help == "move the shared declarations into a file that both import"


def test_import_cycle_through_a_subfolder(make_project):
    result = check(
        make_project(
            {
                "a.journey": 'import "b.journey"\n',
                "b.journey": '# b\nimport "sub/c.journey"\n',
                "sub/c.journey": 'import "../a.journey"\n',
            }
        )
    )
    d = only(result, "J113")
    assert d.message == "import cycle: a.journey -> b.journey -> sub/c.journey -> a.journey"
    assert where(d) == ("sub/c.journey", 1, 1)
    assert related(d) == [("a.journey", 1, "part of the cycle"), ("b.journey", 2, "part of the cycle")]


def test_a_file_importing_itself_is_a_cycle(make_project):
    result = check(make_project({"self.journey": 'import "self.journey"\n'}))
    d = only(result, "J113")
    assert d.message == "import cycle: self.journey -> self.journey"
    assert where(d) == ("self.journey", 1, 1)


def test_missing_imported_file(make_project):
    result = check(make_project({"growth/x.journey": '# first line\nimport "nope.journey"\n'}))
    d = only(result, "J111")
    assert d.message == 'the imported file "nope.journey" does not exist'
    assert where(d) == ("growth/x.journey", 2, 1)
    assert d.label == "looked for growth/nope.journey"
    assert d.help == "paths are relative to the importing file's folder"


def test_import_without_extension_finds_the_file(make_project):
    result = check(make_project({"growth/x.journey": 'import "../events"\nsegment s { any "Signed Up" }\n'}))
    clean(result)


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ("x.journey", "../outside.journey"),
        ("growth/x.journey", "../../outside.journey"),
        ("x.journey", "sub/../../outside.journey"),
        ("x.journey", "/etc/outside.journey"),
    ],
)
def test_import_leaving_the_project(make_project, path, target):
    result = check(make_project({path: f'import "{target}"\n'}))
    d = only(result, "J112")
    assert d.message == f'the import "{target}" points outside the project'
    assert where(d) == (path, 1, 1)
    assert d.label == "leaves the project folder"


def test_import_from_a_subfolder_back_up_into_the_project_is_fine(make_project):
    result = check(
        make_project(
            {
                "growth/x.journey": 'import "../company.journey"\nimport "../events.journey"\nsegment s { any "Signed Up" }\n'
            }
        )
    )
    clean(result)


# ---------------------------------------------------------------- single-file check


def test_single_file_check_loads_its_imports(make_project):
    root = make_project({"broken.journey": 'segment nope { any "No Such Event" }\n'})
    result = check(root / "cart.journey")
    clean(result)
    assert result.project.files == ("cart.journey", "company.journey", "events.journey")
    assert list(result.project.journeys) == ["cart_recovery"]
    assert "Checkout Started" in result.project.events
    assert result.project.profile is not None


def test_single_file_check_in_a_subfolder_loads_imports_transitively(make_project):
    root = make_project(
        {
            "journeyc.toml": "",
            "growth/welcome.journey": """
                import "../cart.journey"
                journey welcome {
                  owner growth
                  category lifecycle
                  trigger "Order Completed"
                  send email cart_reminder
                }
            """,
            "unrelated.journey": "segment bad { in segment missing }\n",
        }
    )
    result = check(root / "growth" / "welcome.journey")
    clean(result)  # unrelated.journey's error is not this file's: only the checked file's problems are reported
    assert "growth/welcome.journey" in result.project.files
    assert "J104" in codes(check(root))


def test_single_file_outside_any_project_is_checked_with_its_imports(tmp_path):
    from conftest import write_project

    root = write_project(
        tmp_path / "loose", {**BASE_FILES, "unrelated.journey": "segment bad { in segment missing }\n"}
    )
    result = check(root / "cart.journey")
    clean(result)
    assert result.project.files == ("cart.journey", "company.journey", "events.journey")


# ---------------------------------------------------------------- the Project IR


def test_project_ir_is_sorted(make_project):
    result = check(
        make_project(
            {
                "zz.journey": """
                    import "company.journey"
                    import "events.journey"
                    event "Zebra Seen"
                    event "Apple Seen"
                    message zulu on email { subject "z" text "z" }
                    message alpha on email { subject "a" text "a" }
                    journey zeta { owner growth category lifecycle trigger "Zebra Seen" send email zulu }
                    journey alpha_journey { owner growth category lifecycle trigger "Apple Seen" send alpha }
                """,
                "aa/first.journey": "team extra\n",
            }
        )
    )
    clean(result)
    project = result.project
    assert project.files == ("aa/first.journey", "cart.journey", "company.journey", "events.journey", "zz.journey")
    assert list(project.journeys) == ["alpha_journey", "cart_recovery", "zeta"]
    assert list(project.events) == [
        "Apple Seen",
        "Checkout Started",
        "Order Completed",
        "Product Reviewed",
        "Signed Up",
        "Zebra Seen",
    ]
    assert list(project.messages) == ["alpha", "cart_reminder", "zulu"]
    assert list(project.teams) == ["extra", "growth", "support"]
    assert list(project.categories) == ["lifecycle", "promotional", "transactional"]
    assert project.ir_version == ir.IR_VERSION
    assert project.journeys["zeta"].span.file == "zz.journey"
    assert project.events["Apple Seen"].name_span.line == 4
    # The IR survives a JSON round trip.
    assert ir.Project.model_validate_json(project.model_dump_json()) == project


# ---------------------------------------------------------------- did you mean


CART = 'import "company.journey"\nimport "events.journey"\nimport "cart.journey"\n'


def test_did_you_mean_for_each_kind_of_name(make_project):
    result = check(
        make_project(
            {
                "typos.journey": CART
                + """segment lapsed { no "Order Complete" in last 90 days }
segment winback { in segment lapsd }
journey typo {
  owner growht
  category promotonal
  trigger "Checkout Started"
  send emial cart_remindr with offer CART1
}
"""
            }
        )
    )
    by_code = {d.code: d for d in result.diagnostics}
    assert sorted(by_code) == ["J102", "J104", "J105", "J106", "J107", "J108", "J109"], render(result)
    assert len(result.diagnostics) == 7

    event = by_code["J102"]
    assert event.message == 'unknown event "Order Complete"'
    assert where(event) == ("typos.journey", 4, 21)
    assert event.label == "not in the tracking plan"
    order_line = base_line("events.journey", 'event "Order Completed"')
    assert event.help == f'did you mean "Order Completed"? (declared in events.journey:{order_line})'
    segment = by_code["J104"]
    assert segment.message == 'unknown segment "lapsd"'
    assert where(segment) == ("typos.journey", 5, 30)
    assert segment.help == 'did you mean "lapsed"? (declared in typos.journey:4)'
    team = by_code["J108"]
    assert team.message == 'unknown team "growht"'
    assert where(team) == ("typos.journey", 7, 9)
    assert (
        team.help
        == f'did you mean "growth"? (declared in company.journey:{base_line("company.journey", "team growth")})'
    )
    category = by_code["J109"]
    assert category.message == 'unknown category "promotonal"'
    assert where(category) == ("typos.journey", 8, 12)
    assert category.help.startswith('did you mean "promotional"?')
    channel = by_code["J107"]
    assert channel.message == 'unknown channel "emial"'
    assert where(channel) == ("typos.journey", 10, 8)
    assert channel.help.startswith('did you mean "email"?')
    message = by_code["J105"]
    assert message.message == 'unknown message "cart_remindr"'
    assert where(message) == ("typos.journey", 10, 14)
    assert message.help == (
        f'did you mean "cart_reminder"? (declared in cart.journey:{base_line("cart.journey", "message cart_reminder")})'
    )
    offer = by_code["J106"]
    assert offer.message == 'unknown offer "CART1"'
    assert where(offer) == ("typos.journey", 10, 38)
    assert offer.help.startswith('did you mean "CART10"?')


def test_unknown_name_with_nothing_close(make_project):
    result = check(make_project({"x.journey": CART + 'segment s { any "Completely Different" }\n'}))
    d = only(result, "J102")
    assert d.message == 'unknown event "Completely Different"'
    assert d.help is None or "did you mean" not in d.help


# ---------------------------------------------------------------- trigger properties


def journey_file(body: str, trigger: str = '"Checkout Started"', extra: str = "") -> str:
    return (
        CART
        + extra
        + f"journey j {{\n  owner growth\n  category promotional\n  trigger {trigger}\n"
        + textwrap.indent(textwrap.dedent(body).strip("\n"), "  ")
        + "\n}\n"
    )


def test_trigger_property_in_a_condition(make_project):
    result = check(make_project({"j.journey": journey_file("if trigger.valeu > 5 { exit }")}))
    d = only(result, "J103")
    assert d.message == 'the trigger event "Checkout Started" has no property "valeu"'
    assert where(d) == ("j.journey", 8, 6)
    assert d.label == "unknown property"
    assert d.help == 'did you mean "value"?'


def test_known_trigger_property_in_a_condition_is_clean(make_project):
    body = """
        if trigger.value > 5 and trigger.order_id == "x" { exit }
        goal "Order Completed" where order_id == trigger.order_id
    """
    clean(check(make_project({"j.journey": journey_file(body)})))


MESSAGES = """message order_note on email {
  subject "Your order"
  text "Order {{ trigger.order_id }}: {{ trigger.total }}"
}
"""


def test_message_reading_trigger_property_the_trigger_event_has(make_project):
    result = check(
        make_project({"j.journey": journey_file("send email order_note", trigger='"Order Completed"', extra=MESSAGES)})
    )
    clean(result)


def test_message_reading_trigger_property_the_trigger_event_lacks(make_project):
    # "Checkout Started" has order_id but no total.
    result = check(make_project({"j.journey": journey_file("wait 1 hour\nsend email order_note", extra=MESSAGES)}))
    d = only(result, "J206")
    assert d.message == 'message "order_note" reads trigger.total, but "Checkout Started" has no property "total"'
    # The primary place is the template; the send that makes it wrong is the secondary label.
    assert (d.span.file, d.span.line) == ("j.journey", 6)
    assert d.label == "unknown trigger property"
    assert related(d) == [("j.journey", 13, 'sent by journey "j", triggered by "Checkout Started"')]


def test_message_in_another_file_reading_a_missing_trigger_property(make_project):
    result = check(
        make_project(
            {
                "notes.journey": 'import "company.journey"\n' + MESSAGES,
                "j.journey": journey_file("send order_note", extra='import "notes.journey"\n'),
            }
        )
    )
    d = only(result, "J206")
    assert (d.span.file, d.span.line) == ("notes.journey", 4)
    assert related(d) == [("j.journey", 9, 'sent by journey "j", triggered by "Checkout Started"')]


def test_segment_triggered_journey_reading_trigger_in_a_condition(make_project):
    result = check(
        make_project(
            {
                "j.journey": journey_file(
                    'if trigger.order_id == "x" { exit }',
                    trigger="entering segment buyers",
                    extra='segment buyers { any "Order Completed" }\n',
                )
            }
        )
    )
    d = only(result, "J118")
    assert d.message == "trigger.order_id is used, but this journey is not triggered by an event"
    assert where(d) == ("j.journey", 9, 6)
    assert d.label == "there is no trigger event here"


def test_segment_triggered_journey_sending_a_message_that_reads_trigger(make_project):
    result = check(
        make_project(
            {
                "j.journey": journey_file(
                    "send email cart_reminder",
                    trigger="entering segment buyers",
                    extra='segment buyers { any "Order Completed" }\n',
                )
            }
        )
    )
    d = only(result, "J118")
    assert d.message == 'message "cart_reminder" reads trigger.order_id, but journey "j" has no trigger event'
    assert (d.span.file, d.span.line) == ("cart.journey", base_line("cart.journey", "Order {{ trigger.order_id }}"))
    assert related(d) == [("j.journey", 9, 'sent by journey "j" here')]


def test_schedule_triggered_journey_keyed_rules_need_a_trigger_event(make_project):
    result = check(
        make_project({"j.journey": journey_file("entry one active run per order_id", trigger="every day at 09:00")})
    )
    d = only(result, "J118")
    assert d.message == '"run per order_id" needs a trigger event, but this journey starts on a schedule'
    assert where(d) == ("j.journey", 8, 28)


# ---------------------------------------------------------------- condition types


def segment_file(condition: str) -> dict[str, str]:
    return {"types.journey": CART + f"segment s {{\n  {condition}\n}}\n"}


@pytest.mark.parametrize(
    ("condition", "code", "message", "column", "help"),
    [
        (
            "profile.tier == 3",
            "J201",
            'profile.tier is one of "bronze", "silver", "gold" but is compared with the number 3',
            3,
            'write the text in quotes: "3"',
        ),
        (
            'any "Order Completed" where total > "5"',
            "J201",
            'total is number but is compared with the text "5"',
            31,
            "write the number without quotes: 5",
        ),
        (
            'profile.first_name > "m"',
            "J201",
            "profile.first_name is text: it can only be equal or not equal, not >",
            3,
            "use == or != (or `is one of`) for texts and yes/no values",
        ),
        (
            'any "Order Completed" where products == "x"',
            "J202",
            "products is a list, not a single value",
            31,
            "test its items instead: any products where ...",
        ),
        (
            'any "Order Completed" where products.category == "x"',
            "J202",
            "products is a list, so it has no single category",
            31,
            "test its items instead: any products where category == ...",
        ),
        (
            "profile.tier",
            "J203",
            'profile.tier is one of "bronze", "silver", "gold", not a yes/no condition',
            3,
            'compare it with a value, e.g. profile.tier == "bronze"',
        ),
        (
            "profile.first_name",
            "J203",
            "profile.first_name is text, not a yes/no condition",
            3,
            "compare it, e.g. profile.first_name is set",
        ),
        (
            'profile.tier == "golld"',
            "J204",
            'profile.tier is never "golld"',
            19,
            'did you mean "gold"?',
        ),
        (
            'profile.tier is one of "silver", "platinum"',
            "J204",
            'profile.tier is never "platinum"',
            36,
            'its values are "bronze", "silver", "gold"',
        ),
    ],
)
def test_condition_type_errors(make_project, condition, code, message, column, help):
    result = check(make_project(segment_file(condition)))
    d = only(result, code)
    assert d.message == message
    assert where(d) == ("types.journey", 5, column)
    assert d.help == help


@pytest.mark.parametrize(
    "condition",
    [
        'profile.tier == "gold"',  # J201 counterpart: a text compared with a text
        'any "Order Completed" where total > 5',  # J201: a number compared with a number
        'profile.first_name == "m"',  # J201: == on texts is fine
        'any "Order Completed" where any products where category == "x"',  # J202 counterpart
        "profile.email_opt_in",  # J203 counterpart: a true/false trait on its own
        "profile.email_opt_in and not profile.sms_opt_in",
        'profile.tier is one of "silver", "gold"',  # J204 counterpart
        'profile.tier != "bronze" and profile.phone is set',
        "profile.email_opt_in == true",
    ],
)
def test_correct_conditions_are_clean(make_project, condition):
    clean(check(make_project(segment_file(condition))))


def test_type_errors_in_journey_conditions(make_project):
    body = """
        audience profile.tier == 1
        if trigger.value == "big" { exit }
    """
    result = check(make_project({"j.journey": journey_file(body)}))
    assert codes(result) == ["J201", "J201"], render(result)
    audience, branch = result.diagnostics
    assert where(audience) == ("j.journey", 8, 12)
    assert where(branch) == ("j.journey", 9, 6)
    assert branch.message == 'trigger.value is number but is compared with the text "big"'


# ---------------------------------------------------------------- experiments


def test_experiment_weights_adding_up_to_100_are_clean(make_project):
    body = """
        experiment subject_test {
          holdout 10%
          arm a 45% { send email cart_reminder }
          arm b 45% { exit }
        }
    """
    clean(check(make_project({"j.journey": journey_file(body)})))


def test_experiment_weights_not_adding_up_to_100(make_project):
    body = """
        wait 1 hour
        split subject_test {
          arm a 50% { send email cart_reminder }
          arm b 45% { exit }
        }
    """
    result = check(make_project({"j.journey": journey_file(body)}))
    d = only(result, "J304")
    assert d.message == 'the arms of experiment "subject_test" add up to 95%, not 100%'
    assert where(d) == ("j.journey", 9, 3)
    assert d.label == "a 50% + b 45% = 95%"
    assert d.help == "make the arms and the holdout add up to exactly 100%"


def test_experiment_holdout_counts_towards_100(make_project):
    body = """
        experiment t {
          holdout 20%
          arm a 45% { exit }
          arm b 45% { exit }
        }
    """
    d = only(check(make_project({"j.journey": journey_file(body)})), "J304")
    assert d.message == 'the arms of experiment "t" add up to 110%, not 100%'
    assert d.label == "a 45% + b 45% + holdout 20% = 110%"


def test_one_file_inside_a_project_is_checked_in_the_project_context(make_project):
    # other.journey imports nothing but names a team: teams are global, so the team resolves from the project.
    root = make_project(
        {
            "journeyc.toml": "",
            "other.journey": 'import "company.journey"\nimport "events.journey"\n'
            'journey hello "Hello" { owner growth category lifecycle trigger "Signed Up" }\n',
            "broken.journey": 'import "company.journey"\njourney x "X" { owner nobody category lifecycle }\n',
        }
    )
    result = check(root / "other.journey")
    assert result.diagnostics == []
    assert result.files.focus == "other.journey"
    # The project has errors elsewhere (broken.journey); they are not this file's, so they are not reported.
    assert "J108" in codes(check(root))
    focused = check(root / "broken.journey")
    assert {d.span.file for d in focused.diagnostics} == {"broken.journey"}


def test_unknown_name_without_a_close_match_lists_the_visible_names(make_project):
    root = make_project({"other.journey": 'journey x "X" { owner nobody category lifecycle trigger "Signed Up" }\n'})
    [d] = [d for d in check(root).diagnostics if d.code == "J108"]
    assert d.help == "the teams visible here are growth, support"
