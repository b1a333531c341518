"""Code actions: the fixes diagnostics suggest, made edits ("did you mean ...?", "add `import ...`").

A diagnostic says its fix in its help text, in fixed words (`did you mean "Order Completed"?`, `add `import
ecommerce` at the top of this file`). The misspelled part is inside the diagnostic's span: the quoted text or the
word there most like the suggestion (a span may hold more than the name, such as `trigger.vaule`).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from journeyc.diagnostics import Diagnostic
from journeyc.graph.words import quoted

_DID_YOU_MEAN = re.compile(r'did you mean (?:"((?:[^"\\]|\\.)*)"|([\w.]+))\?')
_ADD_IMPORT = re.compile(r"add `(import [^`]+)` at the top of this file")
_PARTS = re.compile(r'"((?:[^"\\\n]|\\.)*)"|[^\W\d]\w*')
_IMPORT_LINE = re.compile(r"^import\b")


@dataclass(frozen=True)
class Fix:
    """Replace the text between two offsets of the file with `text`."""

    title: str
    start: int
    end: int
    text: str


def fix_for(diagnostic: Diagnostic, text: str) -> Fix | None:
    """The edit a diagnostic's help suggests, in the file's `text`; None when it suggests none or it cannot be
    placed."""
    help_text = diagnostic.help or ""
    added = _ADD_IMPORT.search(help_text)
    if added is not None:
        return _add_import(added.group(1), text)
    suggested = _DID_YOU_MEAN.search(help_text)
    if suggested is None:
        return None
    suggestion = suggested.group(1) if suggested.group(1) is not None else suggested.group(2)
    suggestion = suggestion.replace('\\"', '"').replace("\\\\", "\\")
    span = diagnostic.span
    if span.line != span.end_line:
        return None
    lines = text.split("\n")
    if span.line > len(lines):
        return None
    start = sum(len(line) + 1 for line in lines[: span.line - 1]) + span.column - 1
    written = text[start : start + span.end_column - span.column]
    parts = [(m.start(1), m.end(1), m.group(1)) if m.group(1) is not None else (m.start(), m.end(), m.group())
             for m in _PARTS.finditer(written)]  # fmt: skip
    if not parts:
        return None
    begin, end, found = max(parts, key=lambda p: difflib.SequenceMatcher(None, p[2], suggestion).ratio())
    if found == suggestion:
        return None
    inside_quotes = begin > 0 and written[begin - 1] == '"'
    replacement = quoted(suggestion)[1:-1] if inside_quotes else suggestion
    return Fix(f'Change to "{suggestion}"', start + begin, start + end, replacement)


def _add_import(statement: str, text: str) -> Fix:
    """Insert the import after the file's imports, or before its first declaration (after its heading comments)."""
    lines = text.split("\n")
    after = None
    for number, line in enumerate(lines):
        if _IMPORT_LINE.match(line):
            after = number
    if after is None:
        after = -1
        for number, line in enumerate(lines):
            if line.strip() and not line.lstrip().startswith("#"):
                break
            if not line.strip():
                after = number  # after the blank line that ends the heading comments
    offset = sum(len(line) + 1 for line in lines[: after + 1])
    offset = min(offset, len(text))
    prefix = "" if offset == 0 or text[offset - 1] == "\n" else "\n"
    return Fix(f"Add `{statement}`", offset, offset, f"{prefix}{statement}\n")
