"""journeyc's diagnostics and places as the Language Server Protocol's."""

from __future__ import annotations

from collections.abc import Callable

from lsprotocol import types

from journeyc import ir
from journeyc.diagnostics import Diagnostic
from journeyc.lsp.positions import Lines

LinesOf = Callable[[str], Lines]  # a file's lines by display path
UriOf = Callable[[str], str]  # a file's URI by display path

_SEVERITY = {"error": types.DiagnosticSeverity.Error, "warning": types.DiagnosticSeverity.Warning}


def location(span: ir.Span, lines_of: LinesOf, uri_of: UriOf) -> types.Location:
    return types.Location(uri=uri_of(span.file), range=lines_of(span.file).range(span))


def lsp_diagnostic(diagnostic: Diagnostic, lines_of: LinesOf, uri_of: UriOf) -> types.Diagnostic:
    """The diagnostic for an editor: its labels in other places (a cross-team finding's other journey) become
    related information; its label, help and notes follow the message, as `journeyc check` prints them."""
    message = diagnostic.message
    if diagnostic.label:
        message += f" ({diagnostic.label})"
    if diagnostic.help:
        message += f"\nhelp: {diagnostic.help}"
    for note in diagnostic.notes:
        message += f"\nnote: {note}"
    related = [
        types.DiagnosticRelatedInformation(location=location(label.span, lines_of, uri_of), message=label.message)
        for label in diagnostic.labels
    ]
    return types.Diagnostic(
        range=lines_of(diagnostic.span.file).range(diagnostic.span),
        message=message,
        severity=_SEVERITY[diagnostic.severity],
        code=diagnostic.code,
        source="journeyc",
        related_information=related or None,
    )
