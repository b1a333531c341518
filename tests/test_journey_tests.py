"""`journeyc test`: journey scenarios in *.test.toml files, with readable failures and CI exit codes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO, check

from journeyc.cli import main
from journeyc.journey_tests import run_test

JOURNEYS = REPO / "journeys"
PROJECTS = [JOURNEYS, *sorted(p for p in (REPO / "examples").iterdir() if p.is_dir() and p.name != "conflicts")]
# An optional trait with no value once rendered as "None" ("Hi None,"): this test keeps that from coming back.
HI_NONE = "tests/cart_recovery_without_first_name.test.toml"


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize("project", PROJECTS, ids=[p.name for p in PROJECTS])
def test_every_project_has_journey_tests_and_they_pass(project):
    result = invoke("test", str(project))
    outcomes = {line.split()[1]: line for line in result.output.splitlines() if line.startswith(("PASS", "FAIL"))}
    failed = [line for line in outcomes.values() if line.startswith("FAIL")]
    assert not failed, result.output
    assert result.exit_code == 0, result.output
    tested = {line.split("(")[-1].rstrip(")") for line in outcomes.values()}
    assert tested == set(check(project).project.journeys), "every journey has a test"


def test_a_customer_without_a_first_name_is_not_greeted_as_none():
    outcome = run_test(JOURNEYS / HI_NONE, check(JOURNEYS))
    assert outcome.passed, "\n".join(outcome.lines)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "journeys"
    shutil.copytree(JOURNEYS, root, ignore=shutil.ignore_patterns("tests"))
    (root / "tests").mkdir()
    shutil.copy(JOURNEYS / "tests" / "cart_recovery.test.toml", root / "tests" / "cart.test.toml")
    return root


def test_a_wrong_expectation_fails_with_expected_and_actual_timelines(project):
    test = project / "tests" / "cart.test.toml"
    test.write_text(test.read_text().replace('at = "+1d 1h"', 'at = "+1d"'))
    result = invoke("test", str(project))
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "FAIL  tests/cart.test.toml  (cart_recovery)",
        "    expected:",
        "      2026-03-02T16:00:00Z  heather  email cart_reminder  sent",
        "      2026-03-03T15:00:00Z  heather  sms cart_discount  sent",
        "    actual:",
        "      2026-03-02T16:00:00Z  heather  email cart_reminder  sent",
        "      2026-03-03T16:00:00Z  heather  sms cart_discount  sent",
        "1 journey test: 0 passed, 1 failed",
    ]


def test_an_unexpected_extra_message_fails(project):
    test = project / "tests" / "cart.test.toml"
    text = test.read_text()
    test.write_text(text[: text.rindex("[[expect]]")])  # drop the last expectation
    result = invoke("test", str(project))
    assert result.exit_code == 1 and "sms cart_discount" in result.output


def test_a_rejected_event_fails_the_test(project):
    test = project / "tests" / "cart.test.toml"
    test.write_text(test.read_text().replace('event = "Order Completed"', 'event = "Order Complete"'))
    result = invoke("test", str(project))
    assert result.exit_code == 1
    assert '    event 3: "Order Complete" is not in the tracking plan' in result.output.splitlines()


# --- text assertions ----------------------------------------------------------------------------------------------

# A small valid test (line numbers matter below): Heather's email, then the push nudge dropped for consent.
VALID = """\
journey = "cart_recovery"
start = "2026-03-02T15:00:00Z"

[customers.heather]
email = "heather@example.com"
first_name = "Heather"
email_opt_in = true

[[events]]
customer = "heather"
event = "Checkout Started"
properties = { order_id = "o-100", value = 60 }

[[expect]]
customer = "heather"
channel = "email"
message = "cart_reminder"
at = "+1h"
contains = "Hi Heather,"

[[expect]]
customer = "heather"
channel = "push"
message = "cart_nudge"
at = "+1d 1h"
status = "dropped"
"""


def run_alone(project: Path, text: str) -> list[str]:
    """The output lines of `journeyc test` with `text` as the project's only test (exit code checked)."""
    (project / "tests" / "cart.test.toml").unlink(missing_ok=True)
    (project / "tests" / "small.test.toml").write_text(text)
    result = invoke("test", str(project))
    lines = result.output.splitlines()
    assert result.exit_code == (0 if lines[0].startswith("PASS") else 1), result.output
    return lines


def test_a_message_passes_when_its_text_holds_what_the_test_says(project):
    assert run_alone(project, VALID)[0] == "PASS  tests/small.test.toml  (cart_recovery)"
    more = VALID.replace(
        'contains = "Hi Heather,"', 'contains = ["Heather, your cart", "o-100"]\nnot_contains = "None"'
    )
    assert run_alone(project, more)[0] == "PASS  tests/small.test.toml  (cart_recovery)"


def test_a_missing_text_fails_showing_the_fields_searched(project):
    lines = run_alone(project, VALID.replace('contains = "Hi Heather,"', 'contains = ["Hi Heather,", "Hi Heathcliff"]'))
    assert lines[:6] == [
        "FAIL  tests/small.test.toml  (cart_recovery)",
        "    expect 1  2026-03-02T16:00:00Z  heather  email cart_reminder  sent:",
        '      "Hi Heathcliff" should be in the message, and is not:',
        '        preheader: "Pick up where you left off before your sizes sell out"',
        '        subject: "Heather, your cart is saved"',
        '        text: "Hi Heather,\\n\\nYou started checking out but did not quite finish. We have saved your order'
        ' o-100 so yo"…',
    ]
    assert lines[6].startswith("        html: (") and lines[6].endswith(" characters, not shown)")  # (MJML's output)
    assert lines[7:] == ["1 journey test: 0 passed, 1 failed"]


def test_a_text_that_must_not_be_there_fails_showing_where_it_is(project):
    lines = run_alone(project, VALID.replace('contains = "Hi Heather,"', 'not_contains = ["None", "o-100"]'))
    assert lines[:3] == [
        "FAIL  tests/small.test.toml  (cart_recovery)",
        "    expect 1  2026-03-02T16:00:00Z  heather  email cart_reminder  sent:",
        '      "o-100" should not be in the message, and is:',
    ]
    assert lines[3].startswith('        html: …"') and "your order o-100 so you can" in lines[3]  # (MJML's output)
    assert lines[4:] == [
        '        text: …"did not quite finish. We have saved your order o-100 so you can\\npick up where you left off.'
        '\\n\\nComplet"…',
        "1 journey test: 0 passed, 1 failed",
    ]


def test_fields_limit_where_a_text_is_looked_for(project):
    only_subject = VALID.replace('contains = "Hi Heather,"', 'contains = "Hi Heather,"\nfields = ["subject"]')
    lines = run_alone(project, only_subject)
    assert lines[2:4] == [
        '      "Hi Heather," should be in the message, and is not:',
        '        subject: "Heather, your cart is saved"',
    ]
    typo = VALID.replace('contains = "Hi Heather,"', 'contains = "Hi Heather,"\nfields = ["subjet", "text"]')
    assert run_alone(project, typo)[1:3] == [
        "    expect 1  2026-03-02T16:00:00Z  heather  email cart_reminder  sent:",
        '      the message has no "subjet" field (its fields: html, preheader, subject, text)',
    ]


def test_text_assertions_are_checked_once_the_timeline_matches(project):
    """A timeline that does not match shows the timelines; the texts are not paired with the wrong messages."""
    lines = run_alone(project, VALID.replace('at = "+1h"', 'at = "+2h"').replace("Hi Heather,", "Hi Heathcliff"))
    assert lines[1] == "    expected:" and not any("should be in the message" in line for line in lines)


# --- broken test files --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "problems"),
    [
        pytest.param(('customer = "heather"\nchannel = "email"', 'customer = 7\nchannel = "email"'),
                     ['tests/broken.test.toml:15: expect 1: "customer" must be a text such as "heather", not a number'],
                     id="wrong type"),
        pytest.param(('at = "+1h"', 'within = ["+1h"]'),
                     ['tests/broken.test.toml:18: expect 1: "within" must be two times, the earliest first, such as '
                      '["+1h", "+2h"]'], id="within with one item"),
        pytest.param(('at = "+1h"', 'within = ["+2h", "+1h"]'),
                     ['tests/broken.test.toml:18: expect 1: "within" must give the earliest time first, such as '
                      '["+1h", "+2h"]'], id="within the wrong way round"),
        pytest.param(('at = "+1h"', 'at = "+1h"\nwithin = ["+1h", "+2h"]'),
                     ['tests/broken.test.toml:19: expect 1: give "at" or "within", not both'], id="at and within"),
        pytest.param(('at = "+1h"', 'at = "+99999999999999999999d"'),
                     ['tests/broken.test.toml:18: expect 1: "+99999999999999999999d" is more than 10 years after '
                      '"start"'], id="huge offset"),
        pytest.param(('at = "+1h"', 'at = "2999-01-01T00:00:00Z"'),
                     ['tests/broken.test.toml:18: expect 1: "2999-01-01T00:00:00Z" is more than 10 years away from '
                      '"start"'], id="far absolute time"),
        pytest.param(('start = "2026-03-02T15:00:00Z"', 'start = "99999-03-02T15:00:00Z"'),
                     ['tests/broken.test.toml:2: "99999-03-02T15:00:00Z" is not an ISO 8601 time such as '
                      '"2026-03-02T10:00:00Z"'], id="start out of range"),
        pytest.param(('at = "+1h"', 'at = "in an hour"'),
                     ['tests/broken.test.toml:18: expect 1: "in an hour" is not an ISO 8601 time such as '
                      '"2026-03-02T10:00:00Z"'], id="not a time"),
        pytest.param(('at = "+1h"', 'at = "+1x"'),
                     ['tests/broken.test.toml:18: expect 1: "+1x" is not a relative time such as "+1h" or "+2d 3h"'],
                     id="not a relative time"),
        pytest.param(('[[expect]]', '[[expect]'),
                     ["tests/broken.test.toml:14:9: not valid TOML: expected ']]' at the end of an array declaration"],
                     id="invalid TOML"),
        pytest.param(('contains = "Hi Heather,"', 'contain = "Hi Heather,"'),
                     ['tests/broken.test.toml:19: expect 1: unknown setting "contain" (did you mean "contains"?)'],
                     id="unknown key"),
        pytest.param(('start =', 'begin ='),
                     ['tests/broken.test.toml:2: unknown setting "begin" (known settings: journey, start, until, '
                      'customers, events, expect)', 'tests/broken.test.toml: "start" is missing: a time such as '
                      '"2026-03-02T10:00:00Z"'], id="unknown top-level key"),
        pytest.param(('journey = "cart_recovery"', 'journey = "cart_recovry"'),
                     ['tests/broken.test.toml:1: "journey" must name a journey of the project, not "cart_recovry" '
                      '(did you mean "cart_recovery"?)'], id="unknown journey"),
        pytest.param(('properties = { order_id = "o-100", value = 60 }', 'properties = "o-100"'),
                     ['tests/broken.test.toml:12: event 1: "properties" must be a table, such as { order_id = "o1" }, '
                      'not a text'], id="properties not a table"),
        pytest.param(('status = "dropped"', 'status = "bounced"'),
                     ['tests/broken.test.toml:26: expect 2: "status" must be "sent" or "dropped", not "bounced"'],
                     id="unknown status"),
        pytest.param(('status = "dropped"', 'status = "dropped"\ncontains = "Hi"'),
                     ['tests/broken.test.toml:27: expect 2: "contains" and "not_contains" read what was sent: a dropped '
                      'message has no content'], id="contains on a dropped message"),
        pytest.param(('contains = "Hi Heather,"', 'fields = ["subject"]'),
                     ['tests/broken.test.toml:19: expect 1: "fields" is where "contains" and "not_contains" look: '
                      'give one of them too'], id="fields alone"),
        pytest.param(('contains = "Hi Heather,"', 'contains = "Hi Heather,"\nfields = []'),
                     ['tests/broken.test.toml:20: expect 1: "fields" must name at least one content field, such as '
                      '["subject", "text"]'], id="no fields"),
        pytest.param(('contains = "Hi Heather,"', 'contains = ["Hi", ""]'),
                     ['tests/broken.test.toml:19: expect 1: "contains" must be a text or a list of texts, none of them '
                      'empty'], id="empty text"),
        pytest.param(('[customers.heather]\nemail = "heather@example.com"\nfirst_name = "Heather"\nemail_opt_in = true\n',
                      '[customers]\nheather = "vip"\n'),
                     ['tests/broken.test.toml:5: customer "heather": its traits must be a table such as '
                      '[customers.heather]'], id="traits not a table"),
        pytest.param([('start = "2026-03-02T15:00:00Z"\n', 'start = "2026-03-02T15:00:00Z"\nevents = ["checkout"]\n'),
                      (VALID[VALID.index("[[events]]"):VALID.index("[[expect]]")], "")],
                     ['tests/broken.test.toml:3: "events" must be a list of tables, each starting with [[events]]'],
                     id="events not a list of tables"),
    ],
)  # fmt: skip
def test_a_broken_test_file_fails_alone_and_the_others_run(project, change, problems):
    text = VALID
    for old, new in change if isinstance(change, list) else [change]:
        assert old in text
        text = text.replace(old, new, 1)
    (project / "tests" / "broken.test.toml").write_text(text)
    result = invoke("test", str(project))
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("FAIL  tests/broken.test.toml  (")
    if problems is not None:
        assert lines[1:-2] == [f"    {problem}" for problem in problems]
    assert lines[-2:] == ["PASS  tests/cart.test.toml  (cart_recovery)", "2 journey tests: 1 passed, 1 failed"]
    assert "Traceback" not in result.output and "internal error" not in result.output


def test_a_test_file_may_write_times_as_toml_dates(project):
    text = VALID.replace('start = "2026-03-02T15:00:00Z"', "start = 2026-03-02T15:00:00Z")
    assert run_alone(project, text.replace('at = "+1h"', "at = 2026-03-02T16:00:00Z"))[0].startswith("PASS")


def test_a_folder_or_an_unreadable_file_named_like_a_test_is_a_failure(project):
    (project / "tests" / "drafts.test.toml").mkdir()
    (project / "tests" / "latin1.test.toml").write_bytes('journey = "caf\xe9"\n'.encode("latin-1"))
    result = invoke("test", str(project))
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "PASS  tests/cart.test.toml  (cart_recovery)",
        "FAIL  tests/drafts.test.toml  (?)",
        "    tests/drafts.test.toml is a folder: a journey test is a file",
        "FAIL  tests/latin1.test.toml  (?)",
        "    cannot read tests/latin1.test.toml: it is not UTF-8 text",
        "3 journey tests: 1 passed, 2 failed",
    ]


def test_tests_are_found_in_a_project_inside_a_hidden_folder(tmp_path, project):
    hidden = tmp_path / ".work" / "journeys"
    shutil.copytree(project, hidden)
    (hidden / "tests" / ".drafts").mkdir()
    shutil.copy(hidden / "tests" / "cart.test.toml", hidden / "tests" / ".drafts" / "old.test.toml")
    result = invoke("test", str(hidden))
    assert result.output.splitlines() == [
        "PASS  tests/cart.test.toml  (cart_recovery)",
        "1 journey test: 1 passed, 0 failed",
    ]
