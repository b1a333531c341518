"""editors/vscode: the extension's manifest starts `journeyc lsp` for .journey files, and its TextMate grammar
knows every keyword of the language and scopes real files right (a small TextMate reader here stands in for the
editor's: first match wins, `begin`/`end` regions, captures)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import REPO

from journeyc.syntax.grammar import keywords

EXTENSION = REPO / "editors/vscode"
GRAMMAR = json.loads((EXTENSION / "syntaxes/journey.tmLanguage.json").read_text(encoding="utf-8"))


def test_the_manifest_ties_journey_files_to_the_grammar_and_the_server():
    manifest = json.loads((EXTENSION / "package.json").read_text(encoding="utf-8"))
    [language] = manifest["contributes"]["languages"]
    assert language["id"] == "journey" and language["extensions"] == [".journey"]
    [grammar] = manifest["contributes"]["grammars"]
    assert grammar["scopeName"] == GRAMMAR["scopeName"] and (EXTENSION / grammar["path"]).is_file()
    assert (EXTENSION / language["configuration"]).is_file()
    script = (EXTENSION / manifest["main"]).read_text(encoding="utf-8")
    assert 'args: ["lsp"]' in script and 'language: "journey"' in script
    assert all(re.fullmatch(r"\d+\.\d+\.\d+", v) for v in manifest["dependencies"].values())  # pinned
    configuration = json.loads((EXTENSION / "language-configuration.json").read_text(encoding="utf-8"))
    assert configuration["comments"]["lineComment"] == "#"


def test_every_keyword_of_the_language_is_highlighted():
    patterns = GRAMMAR["repository"]["keywords"]["patterns"]
    words = {word for p in patterns for word in re.findall(r"[a-z]+", p["match"].split("(", 1)[1])}
    assert set(keywords()) <= words, sorted(set(keywords()) - words)


def scopes(lines: list[str]) -> list[list[tuple[str, str]]]:
    """Each line's pieces with their innermost scope ("" outside any), as an editor would colour them."""
    repository = GRAMMAR["repository"]

    def expand(patterns: list[dict]) -> list[dict]:
        found = []
        for pattern in patterns:
            if "include" in pattern:
                found += expand([repository[pattern["include"][1:]]])
            elif "patterns" in pattern and "begin" not in pattern:
                found += expand(pattern["patterns"])
            else:
                found.append(pattern)
        return found

    top = expand(GRAMMAR["patterns"])
    region: dict | None = None
    result = []
    for line in lines:
        pieces: list[tuple[str, str]] = []
        at = 0
        while at <= len(line):
            rules = expand(region["patterns"]) if region else top
            candidates = [(m.start(), n, m, rule) for n, rule in enumerate(rules)
                          if (m := re.compile(rule.get("match") or rule["begin"]).search(line, at))]  # fmt: skip
            end = re.compile(region["end"]).search(line, at) if region else None
            if end is not None and (not candidates or end.start() <= min(candidates)[0]):
                pieces += [(line[at : end.start()], region["name"]), (end.group(), region["name"])]
                at, region = end.end(), None
                continue
            if not candidates:
                pieces.append((line[at:], region["name"] if region else ""))
                break
            start, _, match, rule = min(candidates, key=lambda c: (c[0], c[1]))
            pieces.append((line[at:start], region["name"] if region else ""))
            if "begin" in rule:
                pieces.append((match.group(), rule["name"]))
                region, at = rule, match.end()
                continue
            if "captures" in rule:
                pieces += [(match.group(int(k)), v["name"]) for k, v in sorted(rule["captures"].items())]
            else:
                pieces.append((match.group(), rule["name"]))
            at = match.end() if match.end() > at else at + 1
        result.append([(text.strip(), scope) for text, scope in pieces if text.strip()])
    return result


FILES = sorted([*REPO.glob("journeys/**/*.journey"), *REPO.glob("examples/**/*.journey")])


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.relative_to(REPO).as_posix())
def test_real_files_are_scoped_as_the_language_reads_them(path: Path):
    lines = path.read_text(encoding="utf-8").split("\n")
    for number, pieces in enumerate(scopes(lines), start=1):
        line = lines[number - 1]
        stripped = line.strip()
        if stripped.startswith("#"):
            assert pieces == [(stripped, "comment.line.number-sign.journey")], (number, pieces)
        for text, scope in pieces:
            if scope.startswith("keyword") and not scope.startswith(
                ("keyword.operator.comparison", "keyword.operator.percent")
            ):
                assert text in keywords(), (number, text)
        words = re.match(r"\s*(journey|segment|offer|message|channel|team)\s+(\w+)", line)
        if words:
            assert pieces[:2] == [(words.group(1), "keyword.other.declaration.journey"),
                                  (words.group(2), "entity.name.type.journey")], (number, pieces)  # fmt: skip


def test_what_is_inside_a_text_stays_text():
    [pieces] = scopes(['  subject "Hi # not a comment, send {{ profile.first_name }} \\" and"'])
    assert pieces[0] == ("subject", "")
    inside = pieces[1:]
    assert all(scope.startswith(("string", "meta.embedded", "constant.character.escape")) for _, scope in inside)
    assert ("{{ profile.first_name }}", "meta.embedded.expression.jinja.journey") in inside
    assert ('\\"', "constant.character.escape.journey") in inside
    assert inside[-1] == ('"', "string.quoted.double.journey")


def test_a_long_text_runs_over_lines_and_ends_at_its_closing_quotes():
    found = scopes(['  text """Hi,', "send wait # still text", 'bye""" # a comment'])
    assert all(scope.startswith("string") for _, scope in found[1])
    assert found[2][-1] == ("# a comment", "comment.line.number-sign.journey")
