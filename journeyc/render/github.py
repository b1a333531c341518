"""The `github` format: GitHub Actions workflow commands, which the runner turns into annotations on the diff.

    ::error file=journeys/cart.journey,line=7,col=8,endLine=7,endColumn=24,title=J102 unknown-event::unknown ...

Escaping follows the runner (actions/toolkit `command.ts`): in the message `%`, CR and LF are percent-encoded; in
property values `:` and `,` are as well, since they separate the properties.
"""

from __future__ import annotations

from journeyc.diagnostics import Diagnostic, visible
from journeyc.rules import RULES


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(diagnostic: Diagnostic, prefix: str = "", title: str | None = None) -> str:
    """One workflow command; `prefix` (see `locations.root_prefix`) makes the path relative to the repository.
    `title` replaces the rule's code and name (findings that are not check rules, such as `journeyc breaking`'s)."""
    span = diagnostic.span
    rule = RULES.get(diagnostic.code)
    title = title or (f"{diagnostic.code} {rule.name}" if rule else diagnostic.code)
    properties = {
        "file": visible(prefix + span.file),  # (a name holding controls annotates no file, but reads safely)
        "line": str(span.line),
        "col": str(span.column),
        "endLine": str(span.end_line),
        "endColumn": str(span.end_column),
        "title": title,
    }
    text = diagnostic.message
    if diagnostic.help:
        text += f"\nhelp: {diagnostic.help}"
    for note in diagnostic.notes:
        text += f"\nnote: {note}"
    joined = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    return f"::{diagnostic.severity} {joined}::{escape_data(text)}"
