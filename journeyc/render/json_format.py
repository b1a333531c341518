"""The `json` format: a stable, documented shape (see docs/cli.md), keys in a fixed order."""

from __future__ import annotations

import json

from journeyc.diagnostics import Diagnostic
from journeyc.ir.base import Span

JSON_FORMAT_VERSION = 1


def _location(span: Span) -> dict[str, object]:
    return {
        "file": span.file,
        "line": span.line,
        "column": span.column,
        "end_line": span.end_line,
        "end_column": span.end_column,
    }


def diagnostic_json(diagnostic: Diagnostic) -> dict[str, object]:
    return {
        "code": diagnostic.code,
        "severity": diagnostic.severity,
        "message": diagnostic.message,
        "location": _location(diagnostic.span),
        "label": diagnostic.label,
        "related": [{"location": _location(label.span), "message": label.message} for label in diagnostic.labels],
        "help": diagnostic.help,
        "notes": list(diagnostic.notes),
    }


def render_json(diagnostics: list[Diagnostic], summary: dict[str, int]) -> str:
    document = {
        "version": JSON_FORMAT_VERSION,
        "summary": summary,
        "diagnostics": [diagnostic_json(d) for d in diagnostics],
    }
    return json.dumps(document, indent=2, ensure_ascii=False)
