"""Reading the rest of a file past its syntax errors: one error per broken declaration, the others still read.

A stretch of text that does not parse is cut into top-level declarations (a line that starts, unindented, with a
declaration keyword starts a new one) and each is parsed alone by Lark, whose errors are the ones reported. The
declarations that parse still reach the resolver; the kind and name of one that does not are kept (`Unparsed`)
so that what refers to it is not reported as unknown.
"""

from __future__ import annotations

import re
from typing import Any

from lark.exceptions import UnexpectedInput

from journeyc import ir
from journeyc.diagnostics import Diagnostic
from journeyc.syntax.build_expr import DeclarationError
from journeyc.syntax.build_inline import build_inline
from journeyc.syntax.build_journey import JourneyBuilder
from journeyc.syntax.fast_parse import NotParsedError
from journeyc.syntax.grammar import inline_parser
from journeyc.syntax.syntax_errors import BRACKETS, DECL_HEAD, point, syntax_diagnostic

MAX_SYNTAX_ERRORS = 20
MAX_NESTING = 64
DECLARATION_KEYWORDS = (
    "import",
    "team",
    "category",
    "event",
    "shape",
    "profile",
    "channel",
    "segment",
    "offer",
    "message",
    "policy",
    "journey",
)
DECLARATION_START = re.compile(r"^(?:" + "|".join(DECLARATION_KEYWORDS) + r")\b", re.MULTILINE)
_WORD_RUNS = re.compile(r"\bnot(?:\s+not\b)+|\blist\s+of(?:\s+list\s+of\b)+")


class Recovered:
    """What one file's declarations built, in the order of the text, as its stretches are read."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.groups: dict[str, list[Any]] = {}
        self.diagnostics: list[Diagnostic] = []
        self.unparsed: list[ir.Unparsed] = []
        self.errors = 0

    def add(self, groups: dict[str, list[Any]], diagnostics: list[Diagnostic]) -> None:
        for kind, nodes in groups.items():
            self.groups.setdefault(kind, []).extend(nodes)
        self.diagnostics.extend(diagnostics)

    def recover(self, text: str, line_offset: int, at_end: bool) -> None:
        """Read `text` (a stretch that does not parse as it is, starting on line `line_offset + 1` of the file)
        declaration by declaration. `at_end`: the stretch ends the file."""
        chunks = split_declarations(text)
        for index, (chunk_offset, chunk) in enumerate(chunks):
            if chunk.strip():
                self._chunk(chunk, line_offset + chunk_offset, at_end and index == len(chunks) - 1)

    def read_alone(self, text: str, line_offset: int, at_end: bool) -> None:
        """`recover`, unless Lark reads the whole stretch at once (FastParse gives up on a few texts Lark reads)."""
        if nesting_depth(text)[0] <= MAX_NESTING:
            builder = JourneyBuilder(self.path, line_offset=line_offset)
            try:
                built = build_inline(*inline_parser(), text, builder)
            except (UnexpectedInput, NotParsedError, RecursionError):
                pass
            else:
                self.add(built, builder.diagnostics)
                return
        self.recover(text, line_offset, at_end)

    def _chunk(self, chunk: str, line_offset: int, is_last: bool) -> None:
        depth, where = nesting_depth(chunk)
        if depth > MAX_NESTING:
            line = chunk.count("\n", 0, where) + 1
            column = where - (chunk.rfind("\n", 0, where) + 1) + 1
            self.diagnostics.append(too_deep(self.path, line + line_offset, column))
            self.unparsed.extend(unparsed_head(chunk, self.path, line_offset))
            return
        builder = JourneyBuilder(self.path, line_offset=line_offset)
        try:
            built = build_inline(*inline_parser(), chunk, builder)
        except (UnexpectedInput, DeclarationError) as error:
            self.errors += 1
            self.unparsed.extend(unparsed_head(chunk, self.path, line_offset))
            if self.errors <= MAX_SYNTAX_ERRORS:
                if isinstance(error, DeclarationError):
                    self.diagnostics.append(error.diagnostic)
                else:
                    self.diagnostics.append(syntax_diagnostic(error, chunk, self.path, line_offset, is_last=is_last))
            return
        except RecursionError:
            self.diagnostics.append(too_deep(self.path, line_offset + 1, 1))
            self.unparsed.extend(unparsed_head(chunk, self.path, line_offset))
            return
        self.add(built, builder.diagnostics)

    def source_file(self, is_stdlib: bool) -> tuple[ir.SourceFile, list[Diagnostic]]:
        """The file's `SourceFile` and diagnostics, with a count of the syntax errors beyond the first ones."""
        diagnostics = self.diagnostics
        if self.errors > MAX_SYNTAX_ERRORS:
            last = diagnostics[-1]
            after = last.span.model_copy(
                update={
                    "line": last.span.end_line,
                    "end_line": last.span.end_line,
                    "column": last.span.end_column,
                    "end_column": last.span.end_column + 1,
                }
            )
            summary = last.model_copy(
                update={
                    "span": after,
                    "message": f"{self.errors - MAX_SYNTAX_ERRORS} more syntax errors in this file are not shown",
                    "label": None,
                    "help": "fix the errors above first",
                    "notes": (),
                }
            )
            diagnostics = [*diagnostics, summary]
        groups = {kind: tuple(nodes) for kind, nodes in self.groups.items()}
        groups["unparsed"] = tuple(self.unparsed)
        return ir.SourceFile(path=self.path, is_stdlib=is_stdlib, **groups), diagnostics


def nesting_depth(text: str) -> tuple[int, int]:
    """The deepest nesting of braces and parentheses (outside texts and comments), and where it is reached.

    Only files with many brackets are scanned, so ordinary files pay nothing for the guard.
    """
    deepest = where = 0
    if text.count("not") + text.count("list") > MAX_NESTING:
        # `not not not ...` and `list of list of ...` nest without brackets.
        for match in _WORD_RUNS.finditer(text):
            run = len(match.group().split()) // (2 if match.group().startswith("list") else 1)
            if run > deepest:
                deepest, where = run, match.start()
    if text.count("{") + text.count("(") <= MAX_NESTING:
        return deepest, where
    depth = 0
    for match in BRACKETS.finditer(text):
        token = match.group()
        if token in "{(":
            depth += 1
            if depth > deepest:
                deepest, where = depth, match.start()
        elif token in "})":
            depth = max(depth - 1, 0)
    return deepest, where


def split_declarations(text: str) -> list[tuple[int, str]]:
    """(line offset, text) of each top-level declaration, cut where an unindented declaration keyword starts."""
    starts = [m.start() for m in DECLARATION_START.finditer(text)]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    chunks = []
    line = 0
    for begin, end in zip(starts, [*starts[1:], len(text)], strict=True):
        chunks.append((line, text[begin:end]))
        line += text.count("\n", begin, end)
    return chunks


def unparsed_head(chunk: str, path: str, line_offset: int) -> list[ir.Unparsed]:
    """The kind and name of a declaration that did not parse, if its first words say them."""
    match = DECL_HEAD.match(chunk)
    if match is None:
        return []
    name = match.group("name").strip('"')
    start = match.start("name")
    line = chunk.count("\n", 0, start) + 1 + line_offset
    column = start - (chunk.rfind("\n", 0, start) + 1) + 1
    span = ir.Span(file=path, line=line, column=column, end_line=line, end_column=column + len(match.group("name")))
    return [ir.Unparsed(kind=match.group("kind"), name=name, span=span)]


def too_deep(path: str, line: int, column: int) -> Diagnostic:
    return Diagnostic(
        code="J006",
        severity="error",
        message="this declaration is nested too deeply to process",
        span=point(path, line, column),
        label="too deep",
        help=f"keep blocks, parentheses and `not`s under {MAX_NESTING} levels: split the logic into segments",
    )
