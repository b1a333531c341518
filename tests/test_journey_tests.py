"""`journeyc test`: journey scenarios in *.test.toml files, with readable failures and CI exit codes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO

from journeyc.cli import main

JOURNEYS = REPO / "journeys"
PROJECTS = [JOURNEYS, *sorted(p for p in (REPO / "examples").iterdir() if p.is_dir() and p.name != "conflicts")]


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize("project", PROJECTS, ids=[p.name for p in PROJECTS])
def test_every_project_has_journey_tests_and_they_pass(project):
    result = invoke("test", str(project))
    assert result.exit_code == 0, result.output
    tested = {line.split("(")[-1].rstrip(")") for line in result.output.splitlines() if line.startswith("PASS")}
    from conftest import check

    assert tested == set(check(project).project.journeys), "every journey has a test"


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


@pytest.mark.parametrize(
    "change, message",
    [
        (('journey = "cart_recovery"', 'journey = "cart_recovry"'), '"journey" must name a journey of the project'),
        (('at = "+1h"', 'at = "in an hour"'), '"in an hour" is not an ISO 8601 time'),
        (('at = "+1h"', 'at = "+1x"'), '"+1x" is not a relative time'),
        (("[[expect]]", "[[expect]"), "cannot read tests/cart.test.toml"),
    ],
)
def test_a_broken_test_file_is_a_failure_naming_the_problem(project, change, message):
    test = project / "tests" / "cart.test.toml"
    test.write_text(test.read_text().replace(*change, 1))
    result = invoke("test", str(project))
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output


def test_a_rejected_event_fails_the_test(project):
    test = project / "tests" / "cart.test.toml"
    test.write_text(test.read_text().replace('event = "Order Completed"', 'event = "Order Complete"'))
    result = invoke("test", str(project))
    assert result.exit_code == 1
    assert '    event 3: "Order Complete" is not in the tracking plan' in result.output.splitlines()
