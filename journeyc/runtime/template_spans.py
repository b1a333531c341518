"""Where the Jinja2 syntax of a template text is, as Jinja2's own lexer reads it.

The MJML compiler (emit/templates.py), webhook JSON bodies (runtime/json_body.py) and the length measure of a
template that cannot be rendered (checks/rules/messages.py) need the places of a text's `{{ ... }}`, `{% ... %}` and
`{# ... #}` in the text itself. Jinja2's lexer (`Environment.lex`) gives tokens without offsets, so
`syntax_spans` finds each token's value again in the text, in order: the lexer's values are the text's own
characters, except that it makes every line end `\\n`, drops one final line end and leaves out the whitespace
that a `-` before a tag strips (`a {{- x }}` gives the data `a`). Strings and brackets inside a tag may hold
`}}`; `{% raw %}...{% endraw %}` is one tag.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Literal

from jinja2 import Environment, TemplateSyntaxError

_LINE_ENDS = re.compile(r"\r\n|\r")
Kind = Literal["expression", "tag", "comment"]
_BEGINS: dict[str, Kind] = {
    "variable_begin": "expression",
    "block_begin": "tag",
    "comment_begin": "comment",
    "raw_begin": "tag",
}
_ENDS = {"variable_end", "block_end", "comment_end", "raw_end"}


@dataclass(frozen=True)
class SyntaxSpan:
    """One `{{ ... }}`, `{% ... %}` (a whole `{% raw %}...{% endraw %}`) or `{# ... #}`: offsets into the text."""

    start: int
    end: int
    kind: Kind
    inner_start: int  # where the code between the delimiters (and their `-`/`+` marks) starts
    inner_end: int  # ... and ends (whitespace before the closing delimiter included)


def syntax_spans(text: str, env: Environment) -> list[SyntaxSpan]:
    """Every piece of Jinja2 syntax in `text`, in order, as `env`'s lexer reads it.

    Raises TemplateSyntaxError (with a plain message and its line) when the lexer refuses the text or a
    `{{`, `{%` or `{#` is not closed.
    """
    normalised = _LINE_ENDS.sub("\n", text)
    original = _OffsetMap(text)
    spans: list[SyntaxSpan] = []
    position = 0
    opened: tuple[Kind, int, int, int] | None = None  # (kind, start, inner start, line) of the span being read
    try:
        for line, token, value in env.lex(text):
            found = normalised.find(value, position)
            if found < 0 or normalised[position:found].strip():
                raise AssertionError(f"the lexer's {token} {value!r} is not where journeyc expected it")
            if token in _BEGINS and opened is None:
                opened = (_BEGINS[token], found, found + len(value), line)
            elif token in _ENDS and opened is not None:
                kind, start, inner_start, _ = opened
                end = found + len(value.rstrip())  # an end's value holds the whitespace its `-` strips after it
                spans.append(
                    SyntaxSpan(original.at(start), original.at(end), kind, original.at(inner_start), original.at(found))
                )
                opened = None
            position = found + len(value)
    except TemplateSyntaxError as error:
        raise TemplateSyntaxError(_plain(error.message or "syntax error"), error.lineno) from None
    if opened is not None:
        kind, start, _, line = opened
        raise TemplateSyntaxError(f"{normalised[start : start + 2]} is not closed", line)
    return spans


def _plain(message: str) -> str:
    """Jinja2's message as the diagnostics write messages: lowercase first word, no final period."""
    message = message.strip().rstrip(".")
    return message[:1].lower() + message[1:]


class _OffsetMap:
    """Offsets in the lexer's text (every line end `\\n`) mapped back to the original text."""

    def __init__(self, text: str) -> None:
        # Where each `\r\n` of the original was, in the lexer's text: every one before an offset shifts it by 1.
        self.pairs: list[int] = []
        if "\r\n" in text:
            shift = 0
            for match in _LINE_ENDS.finditer(text):
                if match.group() == "\r\n":
                    self.pairs.append(match.start() - shift)
                    shift += 1

    def at(self, offset: int) -> int:
        return offset + bisect.bisect_left(self.pairs, offset) if self.pairs else offset
