"""Text -> per-file IR, and syntax errors as plain-word diagnostics.

The IR is built while the file is parsed (`build_inline`): no parse tree is made. A file is read by `FastParse`
(fast_parse.py: Lark's table and callbacks, a token in one regex match) from its start. Where it stops, the
declarations it read to their end are kept, and the broken stretch, from the declaration being read to the next
one that starts after the stop, is read again alone by Lark (recovery.py): Lark's errors are the ones reported,
one per broken declaration. Then FastParse goes on after the stretch. Each part of the file is read by FastParse
once and a broken stretch by Lark once or twice, so a file with an error costs about what a clean one does.
"""

from __future__ import annotations

from lark import Tree

from journeyc import ir
from journeyc.diagnostics import Diagnostic
from journeyc.syntax.build_inline import build_from
from journeyc.syntax.build_journey import JourneyBuilder
from journeyc.syntax.fast_parse import NotParsedError
from journeyc.syntax.grammar import GRAMMAR, fast_parser, inline_parser, lark_parser
from journeyc.syntax.recovery import (
    DECLARATION_KEYWORDS,
    DECLARATION_START,
    MAX_NESTING,
    MAX_SYNTAX_ERRORS,
    Recovered,
    nesting_depth,
    split_declarations,
)
from journeyc.syntax.syntax_errors import syntax_diagnostic
from journeyc.syntax.text_checks import bidi_controls

__all__ = [
    "DECLARATION_KEYWORDS",
    "GRAMMAR",
    "MAX_NESTING",
    "MAX_SYNTAX_ERRORS",
    "decode_source",
    "fast_parser",
    "inline_parser",
    "lark_parser",
    "parse_source",
    "parse_tree",
    "split_declarations",
    "syntax_diagnostic",
]


def parse_tree(text: str) -> Tree:
    """The bare Lark parse (what the benchmark compares the whole check against)."""
    return lark_parser().parse(text)


def decode_source(data: bytes, path: str) -> tuple[str, list[Diagnostic]]:
    """Bytes -> text, refusing what is not UTF-8 with a diagnostic at the first bad byte."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        # The rest of the file is still read (bad bytes become U+FFFD), so its declarations stay known.
        before = data[: error.start]
        line = before.count(b"\n") + 1
        column = error.start - (before.rfind(b"\n") + 1) + 1
        span = ir.Span(file=path, line=line, column=column, end_line=line, end_column=column + 1)
        return data.decode("utf-8", errors="replace"), [
            Diagnostic(
                code="J005",
                severity="error",
                message="this file is not UTF-8 text",
                span=span,
                label=f"byte 0x{data[error.start]:02x} cannot start a character here",
                help="save the file as UTF-8 (without changing its encoding, journeyc cannot read it)",
            )
        ]
    if text.startswith("\ufeff"):
        text = text[1:]  # the byte-order mark is invisible: editors count columns after it
    return text, []


def parse_source(text: str, path: str, is_stdlib: bool = False) -> tuple[ir.SourceFile, list[Diagnostic]]:
    """Parse one file's text into its `SourceFile` and the diagnostics found on the way."""
    found = Recovered(path)
    found.diagnostics.extend(bidi_controls(text, path))
    if nesting_depth(text)[0] > MAX_NESTING:
        found.recover(text, 0, at_end=True)
    else:
        _read(text, found)
    return found.source_file(is_stdlib)


def _read(text: str, found: Recovered) -> None:
    """Read `text` with FastParse; where it stops, read the broken stretch alone and go on after it."""
    parser, callbacks = fast_parser()
    pos, line = 0, 1  # where FastParse starts: always the start of a line
    while True:
        builder = JourneyBuilder(found.path)
        try:
            found.add(build_from(parser, callbacks, text, pos, line, builder), builder.diagnostics)
            return
        except NotParsedError as stopped:
            found.add(stopped.built, builder.diagnostics[: builder.declared])
            at = stopped.at
            started = stopped.declaration.start_pos if stopped.declaration is not None else None
            begin = started if started is not None else at
        except RecursionError:  # deeper than the nesting guard foresaw: read what is left the slow way
            found.recover(text[pos:], line - 1, at_end=True)
            return
        following = DECLARATION_START.search(text, max(at, begin + 1))
        end = following.start() if following else len(text)
        line_start = text.rfind("\n", pos, begin) + 1 or pos
        begin_line = line + text.count("\n", pos, begin)
        # The stretch is read alone but keeps its place: its lines are counted from `begin_line`, and spaces stand
        # for what its first line holds before it, so columns stay those of the file.
        found.read_alone(" " * (begin - line_start) + text[begin:end], begin_line - 1, at_end=end == len(text))
        if end == len(text):
            return
        pos, line = end, begin_line + text.count("\n", begin, end)
