"""Where a line of a message template is in the project: in a .journey file (an inline text) or a template file.

The checks report a template's problems at the user's own text; the placers turn a template line (and the text
to underline) into a span of the file the user edits.
"""

from __future__ import annotations

import re

from journeyc import ir


class InlinePlacer:
    """Maps a line of an inline template to its place in the .journey file."""

    def __init__(self, field: ir.MessageField) -> None:
        self.field = field

    def span(self, template_line: int, source_line: str, needle: str | None) -> ir.Span:
        field = self.field
        if not field.raw and not _verbatim(field):
            # A single-line text with escapes: point at the whole text, columns do not map through escapes.
            return field.value_span
        line = field.value_line + template_line - 1
        column = (field.value_column if template_line == 1 else 1) + _offset(source_line, needle)
        width = len(needle) if needle else 1
        return ir.Span(file=field.span.file, line=line, column=column, end_line=line, end_column=column + width)


def _verbatim(field: ir.MessageField) -> bool:
    """True when a quoted text holds no escapes, so its value is exactly what the file shows between the quotes."""
    span = field.value_span
    return (
        field.text is not None
        and span.line == span.end_line
        and len(field.text) == span.end_column - span.column - 2
        and "\n" not in field.text
    )


class FilePlacer:
    """Maps a line of a template file to that line of the file."""

    def __init__(self, path: str) -> None:
        self.path = path

    def span(self, template_line: int, source_line: str, needle: str | None) -> ir.Span:
        column = 1 + _offset(source_line, needle)
        width = len(needle) if needle else max(len(source_line.rstrip()), 1)
        return ir.Span(
            file=self.path, line=template_line, column=column, end_line=template_line, end_column=column + width
        )


def _offset(source_line: str, needle: str | None) -> int:
    if not needle:
        return 0
    found = re.search(r"\b" + re.escape(needle), source_line) if needle[0].isalnum() else None
    if found is None:
        index = source_line.find(needle)
        return max(index, 0)
    return found.start()


Placer = InlinePlacer | FilePlacer
