"""The CI output formats of `journeyc check` (concise, github, sarif, junit) and `--strict`.

docs/cli.md is the contract. The project here is small and self-contained so that its problems are known
exactly: a duplicate offer (J101, with a secondary label in another file), an unknown event (J102) and an
ignore comment that suppresses nothing (J901, a warning). Hostile file names and messages are built as
Diagnostic objects directly and rendered, since no .journey file can produce them all.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner, Result

from journeyc.cli import main
from journeyc.diagnostics import Diagnostic, Label
from journeyc.ir.base import Span
from journeyc.render import catalogue
from journeyc.render.concise import render_concise
from journeyc.render.github import escape_data, escape_property, render_github
from journeyc.render.junit import render_junit
from journeyc.render.locations import root_prefix
from journeyc.render.sarif import FINGERPRINT_KEY, render_sarif
from journeyc.rules import RULES

# The official OASIS schema (errata 01), kept with the tests so they never depend on a folder beside the checkout.
SARIF_SCHEMA = Path(__file__).resolve().parent / "schemas" / "sarif-schema-2.1.0.json"
ANSI = re.compile(r"\x1b\[[0-9;]*m")

EVENTS = """\
event "Signed Up" { description "A customer created an account" }
offer CART10 { code "CART10" value 10% off valid for 7 days }
"""
PROMO = """\
import "events.journey"

offer CART10 { code "CART10" value 10% off valid for 7 days }
segment signups { any "Signed Upp" }
# journeyc: ignore[J102]
segment everyone { any "Signed Up" }
"""
CONCISE = [
    'promo.journey:3:7: J101 error: offer "CART10" is declared twice',
    'promo.journey:4:23: J102 error: unknown event "Signed Upp"',
    "promo.journey:5:1: J901 warning: the suppression of J102 suppresses nothing",
    "checked 2 files, 0 journeys: 2 errors and 1 warning",
]


def invoke(*args: str) -> Result:
    result = CliRunner().invoke(main, list(args), prog_name="journeyc")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"journeyc crashed: {result.exception!r}") from result.exception
    return result


@pytest.fixture
def problems(make_project: Callable[..., Path]) -> Path:
    """Two errors and a warning in promo.journey; J101's first declaration is in events.journey."""
    return make_project({"events.journey": EVENTS, "promo.journey": PROMO}, base=False)


@pytest.fixture
def warnings_only(make_project: Callable[..., Path]) -> Path:
    clean = PROMO.replace("offer CART10", "offer OTHER10").replace("Signed Upp", "Signed Up")
    return make_project({"events.journey": EVENTS, "promo.journey": clean}, base=False)


def span(file: str = "promo.journey", line: int = 3, column: int = 7, end_column: int = 13) -> Span:
    return Span(file=file, line=line, column=column, end_line=line, end_column=end_column)


def hostile_diagnostic() -> Diagnostic:
    """A file name with `,`, `:` and `%`, and a message, help and label full of what the runner parses."""
    return Diagnostic(
        code="J102",
        severity="error",
        message='unknown event "50% off: now, or\r\nnever"',
        span=span(file="we,ird:50%.journey", line=2, column=3, end_column=9),
        label="here::error file=x",
        labels=(Label(span=span(file="other, one.journey", line=1), message="see <here> & %0A"),),
        help="did you mean\n::warning::this?",
        notes=("a note, with: colons",),
    )


# ---------------------------------------------------------------- concise


def test_concise_is_one_exact_line_per_problem_then_the_summary(problems):
    result = invoke("check", str(problems), "--output-format", "concise")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == CONCISE


def test_concise_colour_only_when_asked(problems):
    plain = invoke("check", str(problems), "--output-format", "concise", "--no-color")
    coloured = invoke("check", str(problems), "--output-format", "concise", "--color")
    assert not ANSI.search(plain.stdout)
    assert ANSI.search(coloured.stdout)
    assert ANSI.sub("", coloured.stdout) == plain.stdout


def test_concise_keeps_a_multi_line_message_on_one_line():
    assert render_concise(hostile_diagnostic()) == (
        'we,ird:50%.journey:2:3: J102 error: unknown event "50% off: now, or never"'
    )


# ---------------------------------------------------------------- github


def test_github_annotations_name_the_repository_path(problems, monkeypatch):
    monkeypatch.chdir(problems.parent)  # as in CI: `journeyc check project` from the repository root
    result = invoke("check", "project", "--output-format", "github")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[-1] == CONCISE[-1]
    assert [line.split("::")[1] for line in lines[:-1]] == [
        "error file=project/promo.journey,line=3,col=7,endLine=3,endColumn=13,title=J101 duplicate-definition",
        "error file=project/promo.journey,line=4,col=23,endLine=4,endColumn=35,title=J102 unknown-event",
        "warning file=project/promo.journey,line=5,col=1,endLine=5,endColumn=2,title=J901 unused-suppression",
    ]
    assert lines[0].split("::", 2)[2].startswith('offer "CART10" is declared twice%0Ahelp: ')
    assert all("\r" not in line and "%0A" in line for line in lines[:-1])


def test_github_escapes_hostile_file_names_and_messages():
    line = render_github(hostile_diagnostic(), prefix="repo, 1:2/")
    assert line == (
        "::error file=repo%2C 1%3A2/we%2Cird%3A50%25.journey,line=2,col=3,endLine=2,endColumn=9,title=J102 unknown-event"
        '::unknown event "50%25 off: now, or%0Anever"%0Ahelp: did you mean%0A::warning::this?'  # CRLF: a line break
        "%0Anote: a note, with: colons"
    )
    assert "\n" not in line and "\r" not in line


def _unescape(text: str) -> str:
    for escaped, raw in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(escaped, raw)
    return text


def test_github_escaping_round_trips_the_way_the_runner_parses_it():
    """The runner splits the command at the first `::` after the properties, then properties at `,` and `=`."""
    diagnostic = hostile_diagnostic()
    line = render_github(diagnostic)
    command, rest = line[2:].split(" ", 1)
    properties_text, data = rest.split("::", 1)
    properties = dict(pair.split("=", 1) for pair in properties_text.split(","))
    assert command == "error"
    assert _unescape(properties["file"]) == diagnostic.span.file
    assert _unescape(properties["title"]) == "J102 unknown-event"
    assert _unescape(data).startswith(diagnostic.message + "\nhelp: did you mean\n::warning::this?")


@pytest.mark.parametrize(
    "text, data, prop",
    [("100%", "100%25", "100%25"), ("a\r\nb", "a%0D%0Ab", "a%0D%0Ab"), ("x:y,z", "x:y,z", "x%3Ay%2Cz")],
)
def test_github_escape_rules(text, data, prop):
    assert escape_data(text) == data
    assert escape_property(text) == prop


def test_github_warning_and_unknown_code():
    warning = Diagnostic(code="J999", severity="warning", message="m", span=span())
    assert render_github(warning) == "::warning file=promo.journey,line=3,col=7,endLine=3,endColumn=13,title=J999::m"


def test_root_prefix_is_relative_to_the_working_folder_when_inside_it(tmp_path):
    project = tmp_path / "repo" / "journeys"
    project.mkdir(parents=True)
    assert root_prefix(project, cwd=tmp_path / "repo") == "journeys/"
    assert root_prefix(project, cwd=tmp_path) == "repo/journeys/"
    assert root_prefix(project, cwd=project) == ""
    assert root_prefix(tmp_path, cwd=project) == ""  # outside: project-relative, never absolute


# ---------------------------------------------------------------- sarif


def sarif_of(path: Path | str) -> dict:
    result = invoke("check", str(path), "--output-format", "sarif")
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def validate_sarif(document: dict) -> None:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(document)


def test_sarif_is_valid_and_describes_every_rule(problems):
    document = sarif_of(problems)
    validate_sarif(document)
    assert document["version"] == "2.1.0"
    assert "sarif-schema-2.1.0" in document["$schema"]
    [run] = document["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "journeyc"
    assert driver["version"] and driver["informationUri"].startswith("https://")
    assert [rule["id"] for rule in driver["rules"]] == sorted(RULES)
    for descriptor in driver["rules"]:
        rule = RULES[descriptor["id"]]
        assert descriptor["name"] == rule.name
        assert descriptor["shortDescription"] == {"text": rule.summary}
        assert descriptor["fullDescription"]["text"]
        assert descriptor["helpUri"] == f"https://journeyc.dev/rules/{rule.code}"
        assert descriptor["defaultConfiguration"] == {"level": rule.severity}


def test_sarif_results(problems):
    [run] = sarif_of(problems)["runs"]
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [("J101", "error"), ("J102", "error"), ("J901", "warning")]
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    duplicate, unknown, _ = results
    assert duplicate["message"]["text"].startswith('offer "CART10" is declared twice\nhelp: ')
    assert unknown["message"]["text"] == (
        'unknown event "Signed Upp"\nhelp: did you mean "Signed Up"? (declared in events.journey:1)'
    )
    [location] = unknown["locations"]
    assert location["physicalLocation"] == {
        "artifactLocation": {"uri": "promo.journey", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 4, "startColumn": 23, "endLine": 4, "endColumn": 35},
    }
    assert "relatedLocations" not in results[2]


def test_sarif_secondary_labels_are_related_locations(problems):
    [run] = sarif_of(problems)["runs"]
    duplicate = run["results"][0]
    assert duplicate["relatedLocations"] == [
        {
            "id": 1,
            "physicalLocation": {
                "artifactLocation": {"uri": "events.journey", "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": 2, "startColumn": 7, "endLine": 2, "endColumn": 13},
            },
            "message": {"text": "first declared here"},
        }
    ]


def test_sarif_uris_are_relative_to_the_repository(problems, monkeypatch):
    monkeypatch.chdir(problems.parent)
    [run] = sarif_of("project")["runs"]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert uris == {"project/promo.journey"}


def fingerprints(document: dict) -> list[str]:
    return [r["partialFingerprints"][FINGERPRINT_KEY] for r in document["runs"][0]["results"]]


def test_sarif_is_byte_identical_across_runs(problems):
    first = invoke("check", str(problems), "--output-format", "sarif").stdout
    second = invoke("check", str(problems), "--output-format", "sarif").stdout
    assert first == second
    assert len(set(fingerprints(json.loads(first)))) == 3


def test_sarif_fingerprints_survive_a_blank_line_above(problems):
    before = sarif_of(problems)
    (problems / "promo.journey").write_text("\n" + PROMO, encoding="utf-8")
    after = sarif_of(problems)
    assert fingerprints(after) == fingerprints(before)
    lines = [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in after["runs"][0]["results"]]
    assert lines == [4, 5, 6]


def test_sarif_fingerprint_changes_when_the_line_changes(problems):
    before = sarif_of(problems)
    (problems / "promo.journey").write_text(PROMO.replace("segment signups", "segment signed"), encoding="utf-8")
    after = sarif_of(problems)
    assert fingerprints(after)[0] == fingerprints(before)[0]
    assert fingerprints(after)[1] != fingerprints(before)[1]


def test_sarif_identical_problems_get_distinct_fingerprints():
    twice = [Diagnostic(code="J102", severity="error", message="m", span=span(line=n)) for n in (1, 2)]
    document = json.loads(render_sarif(twice, {"promo.journey": "same\nsame\n"}))
    first, second = fingerprints(document)
    assert first.endswith(":1") and second.endswith(":2")
    assert first[:-2] == second[:-2]


def test_sarif_of_hostile_names_is_valid():
    document = json.loads(render_sarif([hostile_diagnostic()], {}, prefix="my repo/"))
    validate_sarif(document)
    [result] = document["runs"][0]["results"]
    location = result["locations"][0]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "my%20repo/we%2Cird%3A50%25.journey"
    assert location["message"] == {"text": "here::error file=x"}
    assert result["relatedLocations"][0]["message"] == {"text": "see <here> & %0A"}


def test_sarif_full_description_comes_from_the_rule_page(monkeypatch):
    page = "# J101 duplicate-definition\n\n## What it does\nReports a second\ndeclaration.\n\nMore.\n\n## Why\nx\n"
    monkeypatch.setattr(catalogue, "rule_doc", lambda code: page if code == "J101" else None)
    rules = {rule["id"]: rule for rule in json.loads(render_sarif([], {}))["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["J101"]["fullDescription"] == {"text": "Reports a second declaration."}
    assert rules["J102"]["fullDescription"] == {"text": "An event that is not in the tracking plan."}


def test_sarif_of_a_clean_project_has_no_results(make_project):
    document = sarif_of(make_project({"events.journey": EVENTS}, base=False))
    validate_sarif(document)
    assert document["runs"][0]["results"] == []


# ---------------------------------------------------------------- junit


def test_junit_has_a_suite_per_file_and_a_failure_per_problem(problems):
    result = invoke("check", str(problems), "--output-format", "junit")
    assert result.exit_code == 1
    root = ET.fromstring(result.stdout)
    assert root.tag == "testsuites"
    suites = {suite.get("name"): suite for suite in root.findall("testsuite")}
    assert list(suites) == ["events.journey", "promo.journey"]
    assert [case.get("name") for case in suites["events.journey"]] == ["journeyc check"]
    assert suites["events.journey"].find("testcase/failure") is None
    cases = {case.get("name"): case for case in suites["promo.journey"].findall("testcase")}
    assert list(cases) == ["J101 duplicate-definition", "J102 unknown-event", "J901 unused-suppression"]
    failures = root.findall(".//failure")
    assert len(failures) == 3
    assert [f.get("type") for f in failures] == ["error", "error", "warning"]
    assert failures[1].get("message") == 'unknown event "Signed Upp"'
    assert failures[1].text.startswith(CONCISE[1] + "\nhelp: ")
    assert "events.journey:2:7: first declared here" in failures[0].text
    assert (root.get("tests"), root.get("failures")) == ("4", "3")
    assert (suites["promo.journey"].get("tests"), suites["promo.journey"].get("failures")) == ("3", "3")
    assert invoke("check", str(problems), "--output-format", "junit").stdout == result.stdout


def test_junit_groups_problems_of_one_rule_in_one_test_case():
    both = [Diagnostic(code="J101", severity="error", message=f"m{n}", span=span(line=n)) for n in (1, 2)]
    root = ET.fromstring(render_junit(both, ["promo.journey"]))
    [case] = root.findall(".//testcase")
    assert [f.get("message") for f in case.findall("failure")] == ["m1", "m2"]
    assert root.get("failures") == "1"


def test_junit_of_hostile_text_is_well_formed():
    diagnostic = hostile_diagnostic().model_copy(update={"message": 'bad <xml> & "quotes" \x01\x1b end'})
    text = render_junit([diagnostic], [], prefix="a&b/")
    root = ET.fromstring(text)
    failure = root.find(".//failure")
    assert failure.get("message") == 'bad <xml> & "quotes" \ufffd\ufffd end'
    assert root.find("testsuite").get("name") == "a&b/we,ird:50%.journey"
    assert "see <here> & %0A" in failure.text


# ---------------------------------------------------------------- exit codes and --strict


@pytest.mark.parametrize("output_format", ["full", "concise", "json", "github", "sarif", "junit"])
def test_warnings_only_exit_0_and_1_with_strict(warnings_only, output_format):
    normal = invoke("check", str(warnings_only), "--output-format", output_format)
    strict = invoke("check", str(warnings_only), "--output-format", output_format, "--strict")
    assert "J901" in normal.stdout
    assert normal.exit_code == 0
    assert strict.exit_code == 1
    assert strict.stdout == normal.stdout


@pytest.mark.parametrize("output_format", ["full", "concise", "json", "github", "sarif", "junit"])
def test_errors_exit_1_in_every_format(problems, output_format):
    assert invoke("check", str(problems), "--output-format", output_format).exit_code == 1


def test_fail_on_warning_setting_fails_like_strict(warnings_only):
    (warnings_only / "journeyc.toml").write_text('fail-on = "warning"\n', encoding="utf-8")
    assert invoke("check", str(warnings_only), "--output-format", "concise").exit_code == 1


def test_strict_on_a_clean_project_exits_0(make_project):
    root = make_project({"events.journey": EVENTS}, base=False)
    result = invoke("check", str(root), "--strict", "--output-format", "concise")
    assert result.exit_code == 0
    assert result.stdout == "checked 1 file, 0 journeys: no problems found\n"


def test_check_help_lists_every_format_and_strict():
    result = invoke("check", "--help")
    assert "--output-format [full|concise|json|github|sarif|junit]" in result.stdout
    assert "--strict" in result.stdout
