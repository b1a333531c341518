"""`journeyc fmt`: one canonical layout for .journey files, comments kept, meaning unchanged.

The printer works on Lark's parse tree of the file (every token, with its position) and puts the comments back
from the text between tokens (printer.py, comments.py). A file with syntax errors is left as it is. After
printing, the result is parsed again and its IR compared with the original's, spans aside: a layout that changed
what a file means would be a bug in the formatter, and it is refused rather than written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from journeyc import ir
from journeyc.diagnostics import Diagnostic
from journeyc.fmt.doc import layout
from journeyc.fmt.meaning import meaning
from journeyc.fmt.printer import print_tree
from journeyc.syntax.parser import lark_parser, parse_source

__all__ = ["Formatted", "FormatterError", "format_source", "meaning"]


class FormatterError(Exception):
    """The formatter's own bug: its output would mean something else than its input (never written)."""


@dataclass(frozen=True)
class Formatted:
    """A file's canonical text; `text` is None when the file has syntax errors (`problems`) and is left alone."""

    original: str
    text: str | None
    problems: list[Diagnostic] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.text is not None and self.text != self.original


def format_source(text: str, path: str) -> Formatted:
    """The canonical layout of one file's text (`path` names it in diagnostics)."""
    source, diagnostics = parse_source(text, path)
    problems = [d for d in diagnostics if d.code.startswith("J0")]
    if problems:
        return Formatted(text, None, problems)
    printed = layout(print_tree(text, lark_parser().parse(text)))
    printed = printed + "\n" if printed else ""
    _check_meaning(source, printed, path)
    return Formatted(text, printed)


def _check_meaning(source: ir.SourceFile, printed: str, path: str) -> None:
    again, diagnostics = parse_source(printed, path)
    if any(d.code.startswith("J0") for d in diagnostics) or meaning(again) != meaning(source):
        raise FormatterError(f"the layout of {path} would change what it means; it is left as it is")
