"""Problems inside quoted texts and comments that the grammar cannot see.

- A double quote inside a one-line text ends it early: `subject "Hi {{ x | default("there") }}"` is the text
  `"Hi {{ x | default("`, the name `there` and the text `") }}"`. Read that way it may even parse; what it
  means is one text with quotes inside (J008).
- Invisible text-direction characters ("Trojan Source") make a line display differently from how journeyc reads
  it: `"gold" ‮ "` can show its parts in another order (J007).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection

from journeyc import ir
from journeyc.diagnostics import Diagnostic

# Unicode's explicit direction controls: embeddings and overrides (U+202A-U+202E), isolates (U+2066-U+2069) and
# the left-to-right and right-to-left marks (U+200E, U+200F).
BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
MAX_BIDI_REPORTS = 20
# Texts and comments as the lexer reads them (the leftmost match wins, so a `#` inside a text is text).
_TEXT_OR_COMMENT = re.compile(r'"""(?:[^"]|"(?!""))*"""|"(?:[^"\\\r\n]|\\.)*"|#[^\n]*')
_GLUED_WORD = re.compile(r"\w+")


def bidi_controls(text: str, path: str) -> list[Diagnostic]:
    """A diagnostic (J007) for each direction control inside a text or a comment (the parser reports those
    elsewhere), at most `MAX_BIDI_REPORTS` and then how many more there are."""
    if BIDI_CONTROLS.search(text) is None:
        return []
    found: list[tuple[int, str]] = []
    for match in _TEXT_OR_COMMENT.finditer(text):
        where = "comment" if match.group().startswith("#") else "text"
        found.extend((c.start(), where) for c in BIDI_CONTROLS.finditer(text, match.start(), match.end()))
    diagnostics: list[Diagnostic] = []
    line, line_start, counted = 1, 0, 0
    for offset, where in found[:MAX_BIDI_REPORTS]:
        newlines = text.count("\n", counted, offset)  # counted up to the previous one only: linear
        if newlines:
            line += newlines
            line_start = text.rindex("\n", counted, offset) + 1
        counted = offset
        span = ir.Span(
            file=path, line=line, column=offset - line_start + 1, end_line=line, end_column=offset - line_start + 2
        )
        diagnostics.append(bidi_diagnostic(text[offset], span, f"in a {where}"))
    if len(found) > MAX_BIDI_REPORTS:
        last = diagnostics[-1]
        diagnostics.append(
            last.model_copy(
                update={
                    "message": f"{len(found) - MAX_BIDI_REPORTS} more invisible text-direction characters in this "
                    "file are not shown",
                    "label": None,
                    "help": "remove them all, for example by retyping the texts and comments that hold them",
                }
            )
        )
    return diagnostics


def bidi_diagnostic(char: str, span: ir.Span, where: str) -> Diagnostic:
    """J007 for the direction control `char` at `span` (`where`: "in a text", "in a comment", "outside a text")."""
    name = unicodedata.name(char, "direction control").lower()
    return Diagnostic(
        code="J007",
        severity="error",
        message=f"invisible text-direction character U+{ord(char):04X} ({name}) {where}",
        span=span,
        label="this line may not read the way it displays",
        help="delete it (most editors do not show it: retype the text around it); journeyc does not accept it",
    )


def early_closing_quote(text: str, offset: int, keywords: Collection[str]) -> int | None:
    """On the line of `offset`, the offset of a double quote that ends a one-line text early, if there is one.

    A quote ends a text early when the text opens `{{` (or `{%`) that only the rest of the line closes, or when
    a word that is not a keyword is glued to its closing quote and another quote follows on the line
    (`"She said "hi" to me"`).
    """
    line_start = text.rfind("\n", 0, offset) + 1
    line_end = text.find("\n", offset)
    line_end = len(text) if line_end < 0 else line_end
    for match in _TEXT_OR_COMMENT.finditer(text, line_start, line_end):
        written = match.group()
        if written.startswith("#"):
            return None
        if written.startswith('"""'):
            continue
        body, rest = written[1:-1], text[match.end() : line_end]
        opened = body.count("{{") > body.count("}}") and "}}" in rest
        opened = opened or (body.count("{%") > body.count("%}") and "%}" in rest)
        glued = _GLUED_WORD.match(rest)
        if opened or (glued and glued.group() not in keywords and '"' in rest):
            return match.end() - 1
    return None


def early_quote_diagnostic(span: ir.Span) -> Diagnostic:
    """J008 at the quote that ends a text early."""
    return Diagnostic(
        code="J008",
        severity="error",
        message="a double quote inside this text ends it early",
        span=span,
        label="the text ends here",
        help="inside a text, write \\\" for a double quote, use single quotes in templates (default('there')), "
        'or put the whole text between """ and """',
    )
