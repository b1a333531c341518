"""The `breaking` findings as text, JSON and GitHub annotations, in the shapes `journeyc check` uses."""

from __future__ import annotations

import json

from journeyc.diagnostics import Diagnostic
from journeyc.render.github import render_github as github_command
from journeyc.render.json_format import diagnostic_json
from journeyc.review.breaking import BREAKING_RULES

JSON_FORMAT_VERSION = 1


def summary_line(findings: list[Diagnostic], against: str) -> str:
    if not findings:
        return f"compared with {against}: no change hurts customers inside a journey"
    count = f"{len(findings)} breaking change{'s' * (len(findings) != 1)}"
    return f"compared with {against}: {count} for customers inside a journey"


def render_github(finding: Diagnostic, prefix: str = "") -> str:
    """One workflow command (render/github.py), titled with the breaking rule's code and name."""
    rule = BREAKING_RULES.get(finding.code)
    return github_command(finding, prefix, f"{finding.code} {rule.name}" if rule else None)


def render_json(findings: list[Diagnostic], against: str) -> str:
    document = {
        "version": JSON_FORMAT_VERSION,
        "against": against,
        "breaking": [{**diagnostic_json(f), "name": BREAKING_RULES[f.code].name} for f in findings],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
