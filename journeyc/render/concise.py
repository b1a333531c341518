"""The `concise` format: one line per diagnostic, `path:line:col: CODE severity: message` (ruff style)."""

from __future__ import annotations

from journeyc.diagnostics import Diagnostic, visible
from journeyc.render.full import Style


def _plain(text: str, **_: object) -> str:
    return text


def render_concise(diagnostic: Diagnostic, style: Style = _plain) -> str:
    span = diagnostic.span
    colour = "red" if diagnostic.severity == "error" else "yellow"
    where = style(f"{visible(span.file)}:{span.line}:{span.column}:", bold=True)
    code = style(diagnostic.code, fg=colour, bold=True)
    # One line per problem, whatever the message holds.
    message = " ".join(diagnostic.message.splitlines())
    return f"{where} {code} {diagnostic.severity}: {message}"
