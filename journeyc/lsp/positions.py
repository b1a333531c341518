"""Places in a file, between journeyc's spans and the editor's ranges.

A span counts lines and columns from 1, a column being a character (a code point), and lines end at "\\n" as the
parser counts them. The editor counts from 0, in the code units the client and server agreed on (UTF-16 unless
the client offers another): a character beyond U+FFFF is two UTF-16 units. `Lines` converts with the file's text.
"""

from __future__ import annotations

from lsprotocol import types

from journeyc import ir

ENCODINGS = ("utf-8", "utf-16", "utf-32")


class Lines:
    """A file's text by line, to convert between spans and editor positions in one encoding."""

    def __init__(self, text: str, encoding: str = "utf-16") -> None:
        self.lines = text.split("\n")
        self.encoding = encoding

    def _units(self, text: str) -> int:
        if self.encoding == "utf-32":
            return len(text)
        if self.encoding == "utf-8":
            return len(text.encode("utf-8", errors="surrogatepass"))
        return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)

    def position(self, line: int, column: int) -> types.Position:
        """The editor position of a span's line and column (both from 1)."""
        index = min(max(line - 1, 0), len(self.lines) - 1)
        text = self.lines[index]
        return types.Position(line=index, character=self._units(text[: max(column - 1, 0)]))

    def range(self, span: ir.Span) -> types.Range:
        return types.Range(
            start=self.position(span.line, span.column), end=self.position(span.end_line, span.end_column)
        )

    def line_column(self, position: types.Position) -> tuple[int, int]:
        """The span line and column (from 1) of an editor position; past the end of a line is its end."""
        index = min(max(position.line, 0), len(self.lines) - 1)
        text, units, column = self.lines[index], 0, 0
        while column < len(text) and units < position.character:
            units += self._units(text[column])
            column += 1
        return index + 1, column + 1

    def offset(self, position: types.Position) -> int:
        """The index in the text of an editor position."""
        line, column = self.line_column(position)
        return sum(len(text) + 1 for text in self.lines[: line - 1]) + column - 1


def contains(span: ir.Span, line: int, column: int) -> bool:
    """Whether a place (line, column from 1) is inside the span, its end included (a cursor right after a name)."""
    return (span.line, span.column) <= (line, column) <= (span.end_line, span.end_column)
