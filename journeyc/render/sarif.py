"""The `sarif` format: SARIF 2.1.0, for GitHub code scanning and other static-analysis dashboards.

One run; `tool.driver.rules` is the whole rule catalogue (so `ruleIndex` never depends on what was found);
every result has its primary location, the secondary labels as `relatedLocations`, and a partial fingerprint
that survives lines being inserted above it. No timestamps or absolute paths: the same project gives the same
bytes.
"""

from __future__ import annotations

import hashlib
import json
from urllib.parse import quote

from journeyc import __version__
from journeyc.diagnostics import Diagnostic
from journeyc.ir.base import Span
from journeyc.render.catalogue import full_description, markdown_to_text, rule_url, rules_in
from journeyc.rules import Rule, rule_doc

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "journeyc/v1"
INFORMATION_URI = "https://journeyc.dev"


def render_sarif(diagnostics: list[Diagnostic], sources: dict[str, str], prefix: str = "") -> str:
    """The SARIF log; `prefix` (see `locations.root_prefix`) makes URIs relative to the repository root."""
    rules = rules_in()
    index = {rule.code: position for position, rule in enumerate(rules)}
    descriptors = [_rule_descriptor(rule) for rule in rules]
    for code in sorted({d.code for d in diagnostics} - index.keys()):
        index[code] = len(descriptors)
        descriptors.append({"id": code, "shortDescription": {"text": code}})
    seen: dict[str, int] = {}
    results = []
    for diagnostic in diagnostics:
        fingerprint = _fingerprint(diagnostic, sources, prefix)
        # Two identical problems on identical lines of one file still get distinct fingerprints, in order.
        seen[fingerprint] = seen.get(fingerprint, 0) + 1
        results.append(_result(diagnostic, index[diagnostic.code], f"{fingerprint}:{seen[fingerprint]}", prefix))
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "journeyc",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": descriptors,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False)


def _rule_descriptor(rule: Rule) -> dict[str, object]:
    descriptor: dict[str, object] = {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": full_description(rule)},
        "helpUri": rule_url(rule.code),
        "defaultConfiguration": {"level": rule.severity},
        "properties": {"tags": [rule.family]},
    }
    page = rule_doc(rule.code)
    if page is not None:
        descriptor["help"] = {"text": markdown_to_text(page), "markdown": page}
    return descriptor


def _result(diagnostic: Diagnostic, rule_index: int, fingerprint: str, prefix: str) -> dict[str, object]:
    text = diagnostic.message
    if diagnostic.help:
        text += f"\nhelp: {diagnostic.help}"
    for note in diagnostic.notes:
        text += f"\nnote: {note}"
    primary = _location(diagnostic.span, prefix)
    if diagnostic.label:
        primary["message"] = {"text": diagnostic.label}
    result: dict[str, object] = {
        "ruleId": diagnostic.code,
        "ruleIndex": rule_index,
        "level": diagnostic.severity,
        "message": {"text": text},
        "locations": [primary],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
    }
    if diagnostic.labels:
        result["relatedLocations"] = [
            {"id": number, **_location(label.span, prefix), "message": {"text": label.message}}
            for number, label in enumerate(diagnostic.labels, start=1)
        ]
    return result


def _location(span: Span, prefix: str) -> dict[str, object]:
    start_line = max(span.line, 1)
    start_column = max(span.column, 1)
    end_line = max(span.end_line, start_line)
    end_column = max(span.end_column, start_column) if end_line == start_line else max(span.end_column, 1)
    return {
        "physicalLocation": {
            "artifactLocation": _artifact(span.file, prefix),
            "region": {
                "startLine": start_line,
                "startColumn": start_column,
                "endLine": end_line,
                "endColumn": end_column,
            },
        }
    }


def _artifact(file: str, prefix: str) -> dict[str, str]:
    return {"uri": quote(prefix + file, safe="/"), "uriBaseId": SRCROOT}


def _fingerprint(diagnostic: Diagnostic, sources: dict[str, str], prefix: str) -> str:
    """sha256 of the code, file, message and the primary line's text: stable when lines move, not when edited."""
    lines = sources.get(diagnostic.span.file, "").split("\n")
    line = lines[diagnostic.span.line - 1].strip() if 0 < diagnostic.span.line <= len(lines) else ""
    parts = [diagnostic.code, _artifact(diagnostic.span.file, prefix)["uri"], diagnostic.message, line]
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()
