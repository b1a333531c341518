"""`journeyc rules` (the catalogue) and `journeyc explain CODE` (one rule's page), as docs/cli.md describes them."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner, Result

from journeyc.cli import main
from journeyc.render import catalogue
from journeyc.render.catalogue import markdown_to_text, page_sections
from journeyc.rules import FAMILIES, RULES, rule_doc

SECTIONS = ["What it does", "Why it matters", "Example", "How to fix"]


def invoke(*args: str) -> Result:
    result = CliRunner().invoke(main, list(args), prog_name="journeyc")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"journeyc crashed: {result.exception!r}") from result.exception
    return result


# ---------------------------------------------------------------- rules


def test_rules_lists_every_rule_with_its_name_severity_and_summary():
    result = invoke("rules")
    assert result.exit_code == 0
    rows = {}
    for line in result.stdout.splitlines():
        match = re.match(r"^  (J\d{3})  (\S+)\s+(error|warning)\s+(\S.*)$", line)
        if match:
            rows[match.group(1)] = match.groups()[1:]
    assert sorted(rows) == sorted(RULES)
    for code, (name, severity, summary) in rows.items():
        assert (name, severity, summary) == (RULES[code].name, RULES[code].severity, RULES[code].summary)


def test_rules_are_grouped_by_family_in_code_order():
    lines = invoke("rules").stdout.splitlines()
    headings = [line for line in lines if line and not line.startswith(" ")]
    used = {rule.family for rule in RULES.values()}
    assert headings == [f"{name} ({prefix}xx)" for prefix, name in sorted(FAMILIES.items()) if name in used]
    codes = [line.split()[0] for line in lines if line.startswith("  ")]
    assert codes == sorted(codes)
    # Every rule sits under its own family's heading.
    family = None
    for line in lines:
        if line and not line.startswith(" "):
            family = line.rsplit(" (", 1)[0]
        elif line:
            assert RULES[line.split()[0]].family == family


def test_rules_of_one_family():
    result = invoke("rules", "--family", "Contact Policy")
    assert result.exit_code == 0
    codes = re.findall(r"(?m)^  (J\d{3})", result.stdout)
    assert codes == sorted(code for code, rule in RULES.items() if rule.family == "contact policy")
    assert result.stdout.splitlines()[0] == "contact policy (J6xx)"


def test_rules_of_an_unknown_family_is_a_usage_error():
    result = invoke("rules", "--family", "nope")
    assert result.exit_code == 2
    assert "Invalid value for '--family'" in result.output
    assert "contact policy" in result.output


def test_rules_as_json():
    result = invoke("rules", "--output-format", "json")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert document["version"] == 1
    assert [rule["code"] for rule in document["rules"]] == sorted(RULES)
    first = document["rules"][0]
    assert list(first) == ["code", "name", "family", "severity", "summary", "url"]
    rule = RULES[first["code"]]
    assert first == {
        "code": rule.code,
        "name": rule.name,
        "family": rule.family,
        "severity": rule.severity,
        "summary": rule.summary,
        "url": f"https://journeyc.dev/rules/{rule.code}",
    }
    names = json.loads(invoke("rules", "--family", "names", "--output-format", "json").stdout)["rules"]
    assert {rule["family"] for rule in names} == {"names"}


# ---------------------------------------------------------------- explain


def test_explain_prints_the_header_then_the_page_as_text():
    if rule_doc("J101") is None:
        pytest.skip("J101 has no page yet")
    result = invoke("explain", "J101")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "J101 duplicate-definition"
    assert "family:            names" in lines
    assert "default severity:  error" in lines
    assert "online:            https://journeyc.dev/rules/J101" in lines
    assert (
        "reported by:       journeyc/resolve/symbols.py, journeyc/syntax/build.py, journeyc/syntax/build_journey.py"
        in lines
    )
    positions = [lines.index(section) for section in SECTIONS]
    assert positions == sorted(positions)
    for position, section in zip(positions, SECTIONS, strict=True):
        assert lines[position + 1] == "-" * len(section)
    # Plain text: no Markdown headings or fences; the page's title is not repeated.
    assert "```" not in result.stdout
    assert not re.search(r"(?m)^#+ ", result.stdout)
    assert "# J101" not in result.stdout
    what_it_does = page_sections(rule_doc("J101"))["What it does"].split()
    assert " ".join(result.stdout.split()).find(" ".join(what_it_does)) > 0


@pytest.mark.parametrize("spelling", ["j101", " J101 ", "duplicate-definition", "Duplicate-Definition"])
def test_explain_accepts_lowercase_codes_and_rule_names(spelling):
    assert invoke("explain", spelling).stdout == invoke("explain", "J101").stdout


def test_explain_a_rule_without_a_page_yet(monkeypatch):
    monkeypatch.setattr(catalogue, "rule_doc", lambda code: None)
    result = invoke("explain", "J902")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "J902 unknown-code"
    assert f"summary:           {RULES['J902'].summary}" in result.stdout
    assert "no documentation page yet" in result.stdout


def test_explain_names_the_file_that_reports_the_rule():
    assert "reported by:       journeyc/checks/rules/flow.py" in invoke("explain", "J401").stdout.splitlines()


@pytest.mark.parametrize(
    "code, hint",
    [
        ("J1O1", 'did you mean "J101"?'),
        ("101", 'did you mean "J101"?'),
        ("unknwn-event", 'did you mean "J102"?'),
        ("zzz", "`journeyc rules` lists them"),
    ],
)
def test_explain_an_unknown_code_is_a_usage_error_with_a_suggestion(code, hint):
    result = invoke("explain", code)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f'"{code}" is not a journeyc rule ({hint})' in result.stderr
    assert "Usage: journeyc explain" in result.stderr


def test_explain_without_a_code_is_a_usage_error():
    result = invoke("explain")
    assert result.exit_code == 2
    assert "Missing argument 'CODE'" in result.stderr


def test_markdown_to_text_keeps_comments_inside_code_blocks():
    page = "## Example\nSee this:\n```journey\n# file: a.journey\noffer X { }\n```\nDone.\n"
    assert markdown_to_text(page) == (
        "Example\n-------\n  See this:\n\n    # file: a.journey\n    offer X { }\n\n  Done."
    )


# ---------------------------------------------------------------- help


@pytest.mark.parametrize(
    "command, usage, options",
    [
        ("check", "Usage: journeyc check [OPTIONS] [PATH]", ["--output-format", "--strict", "--color / --no-color"]),
        ("rules", "Usage: journeyc rules [OPTIONS]", ["--family", "--output-format [text|json]"]),
        ("explain", "Usage: journeyc explain [OPTIONS] CODE", ["--help"]),
    ],
)
def test_command_help(command, usage, options):
    result = invoke(command, "--help")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == usage
    for option in options:
        assert option in result.stdout


def test_top_level_help_lists_the_rule_commands():
    result = invoke("--help")
    for command in ("rules", "explain"):
        assert re.search(rf"(?m)^  {command}\s+\S", result.stdout), command
