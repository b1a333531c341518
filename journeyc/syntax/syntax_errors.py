"""Syntax errors in plain words: what was found, what could have come instead, and what to write.

Lark's errors carry terminal names and parser states; a marketer reads none of that. Each error
becomes one diagnostic with the user's own words quoted and, where the mistake is a common one, a hint.
"""

from __future__ import annotations

import difflib
import re

from lark import Token
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from journeyc import ir
from journeyc.diagnostics import Diagnostic, Label
from journeyc.syntax.grammar import keywords
from journeyc.syntax.text_checks import BIDI_CONTROLS, bidi_diagnostic, early_closing_quote, early_quote_diagnostic
from journeyc.syntax.words import describe_expected, describe_token

_NOT_KEYWORDS = {
    "NAME",
    "STRING",
    "NUMBER",
    "TIME",
    "DATE",
    "COMPARE",
    "LBRACE",
    "RBRACE",
    "LPAR",
    "RPAR",
    "COMMA",
    "DOT",
}
# Braces and parentheses, outside texts and comments.
BRACKETS = re.compile(r'"""(?:[^"]|"(?!""))*"""|"(?:[^"\\\r\n]|\\.)*"|#[^\n]*|[{}()]')
# The kind and name at the head of a declaration, read without the parser (for declarations that fail to parse).
DECL_HEAD = re.compile(
    r'\s*(?P<kind>team|category|event|shape|channel|segment|offer|message|journey)\s+(?P<name>"[^"\n]*"|[A-Za-z_]\w*)'
)


def _unclosed_brace(text: str) -> int | None:
    """Offset of the outermost "{" that is never closed (outside texts and comments), if any."""
    opened: list[int] = []
    for match in BRACKETS.finditer(text):
        token = match.group()
        if token == "{":
            opened.append(match.start())
        elif token == "}" and opened:
            opened.pop()
    return opened[0] if opened else None


def _offset_point(path: str, text: str, offset: int, line_offset: int) -> ir.Span:
    line = text.count("\n", 0, offset) + 1 + line_offset
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return point(path, line, column)


def point(path: str, line: int, column: int, width: int = 1) -> ir.Span:
    return ir.Span(file=path, line=line, column=column, end_line=line, end_column=column + max(width, 1))


def syntax_diagnostic(
    error: UnexpectedInput, text: str, path: str, line_offset: int = 0, is_last: bool = True
) -> Diagnostic:
    """A plain-word diagnostic for a Lark error: what was found, and what could have come instead."""
    at = error.pos_in_stream if isinstance(error, UnexpectedCharacters) else getattr(error, "token", None)
    at = at.start_pos if isinstance(at, Token) and at.type != "$END" else at
    if isinstance(at, int):
        quote = early_closing_quote(text, at, keywords())
        if quote is not None:  # what Lark found is a symptom: a text that ended too early
            line = text.count("\n", 0, quote) + 1
            column = quote - text.rfind("\n", 0, quote)
            return early_quote_diagnostic(point(path, line + line_offset, column))
    if isinstance(error, UnexpectedCharacters):
        # Lark declares `pos_in_stream = None` on the error class; UnexpectedCharacters sets the offset it stopped at
        stopped: int = error.pos_in_stream  # type: ignore[assignment]
        char = text[stopped] if stopped < len(text) else ""
        span = point(path, error.line + line_offset, error.column)
        if BIDI_CONTROLS.fullmatch(char):
            return bidi_diagnostic(char, span, "outside a text")
        if char == '"' and text[max(stopped - 2, 0) : stopped] == '""':
            return Diagnostic(
                code="J003",
                severity="error",
                message='this """ text has no closing """',
                span=point(path, error.line + line_offset, error.column - 2, 3),
                label="the text starts here",
                help='end the text with """ (the file ends before it does)',
            )
        if char == '"':
            return Diagnostic(
                code="J003",
                severity="error",
                message="this text has no closing quote",
                span=span,
                label="the text starts here",
                help='end the text with " on the same line, or use """ for text over several lines',
            )
        shown = char if char.isprintable() and not char.isspace() else f"U+{ord(char):04X}" if char else "end of file"
        allowed = _allowed_here(error)
        label = describe_expected(allowed)
        if char == "=" and "COMPARE" in allowed:
            label = "expected == or !="
        elif char == ";":
            label = "not needed here"
        return Diagnostic(
            code="J002",
            severity="error",
            message=f'unexpected character "{shown}"',
            span=span,
            label=label,
            help=_character_help(char),
        )
    if isinstance(error, UnexpectedToken) and error.token.type != "$END":
        token: Token = error.token
        keyword = keywords().get(str(token)) if token.type == "NAME" else None
        if keyword is not None:  # a keyword where it cannot stand is read as a name: say "word", as for keywords
            token = Token.new_borrow_pos(keyword, str(token), token)
        assert token.line is not None and token.end_line is not None  # Lark's lexers place every token
        span = ir.Span(
            file=path,
            line=token.line + line_offset,
            column=token.column,
            end_line=token.end_line + line_offset,
            end_column=token.end_column,
        )
        expected = error.accepts or error.expected
        return Diagnostic(
            code="J001",
            severity="error",
            message=f"unexpected {describe_token(token)}",
            span=span,
            label=describe_expected(expected),
            help=_token_help(token, expected, text),
        )
    return _end_of_input(error, text, path, line_offset, is_last)


def _allowed_here(error: UnexpectedCharacters) -> set[str]:
    """The terminals the parser accepted where the lexer failed, as the contextual lexer listed them before
    `WholeWords`: a keyword that a name would also match is listed as a name, not twice."""
    if error.interactive_parser is None:
        return set(error.allowed or ())
    terminals = {kind for kind in error.interactive_parser.choices() if kind.isupper()}
    if "NAME" in terminals:
        terminals -= set(keywords().values())
    return terminals


def _end_of_input(error: UnexpectedInput, text: str, path: str, line_offset: int, is_last: bool) -> Diagnostic:
    """The input (the file, or this declaration when another one follows) ends before the declaration does."""
    expected = set(getattr(error, "accepts", None) or getattr(error, "expected", None) or set())
    body = text.rstrip()
    end = _offset_point(path, body, len(body), line_offset)
    brace = _unclosed_brace(text)
    opened = (
        (Label(span=_offset_point(path, text, brace, line_offset), message='this "{" is never closed'),)
        if (brace is not None)
        else ()
    )
    head = DECL_HEAD.match(text)
    what = f"{head.group('kind')} {head.group('name')}" if head else "this declaration"
    if "RBRACE" in expected:
        expected = {"RBRACE"}
    if not is_last and brace is not None:
        # Not the end of the file: the next declaration starts while this one is still open.
        next_line = text.count("\n") + 1 + line_offset
        return Diagnostic(
            code="J001",
            severity="error",
            message=f'{what} is missing its closing "}}"',
            span=point(path, next_line, 1),
            label="the next declaration starts here",
            labels=opened,
            help=f'add "}}" at the end of {what}',
        )
    return Diagnostic(
        code="J004",
        severity="error",
        message="the file ends before this declaration is complete" if is_last else f"{what} is incomplete",
        span=end.model_copy(update={"column": end.column, "end_column": end.column + 1}),
        label=describe_expected(expected),
        labels=opened,
        help=f'add "}}" at the end of {what}' if "RBRACE" in expected else None,
    )


_PHRASE = re.compile(r"[\w'-]+(?:[ \t]+[\w'-]+)*")
_PHRASE_END = {"where", "keyed", "within", "then", "since", "in", "for", "after", "on", "and", "or"}


def _previous_word(token: Token, text: str) -> str | None:
    """The word just before `token` on its line, lower-cased."""
    if not text or token.start_pos is None:
        return None
    line_start = text.rfind("\n", 0, token.start_pos) + 1
    words = text[line_start : token.start_pos].split()
    return words[-1].lower() if words else None


def _unquoted_phrase(token: Token, text: str) -> str:
    """The words of an unquoted event name or text, up to the first word that would follow it ("where", ...)."""
    match = _PHRASE.match(text, token.start_pos or 0) if text else None
    if match is None:
        return str(token)
    words: list[str] = []
    for word in match.group().split():
        if words and word.lower() in _PHRASE_END:
            break
        words.append(word)
    return " ".join(words)


def _glued_keyword(word: str, expected_words: list[str]) -> tuple[str, str] | None:
    """`ownergrowth` where `owner` was expected: the keyword and the rest, as written."""
    for keyword in sorted(expected_words, key=len, reverse=True):
        if len(word) > len(keyword) and word.lower().startswith(keyword):
            return word[: len(keyword)], word[len(keyword) :]
    return None


def _character_help(char: str) -> str | None:
    if char in "'‘’“”":
        return 'put texts between straight double quotes: "like this"'
    if char == "=":
        return "compare with == (equal) or != (not equal)"
    if char in ";:":
        return "statements need no separator: start each on its own line"
    if char in "[]":
        return "lists are written with commas: shared with growth, support"
    return None


_CLOCK = re.compile(r"[ \t]*([ap])\.?m\b\.?", re.IGNORECASE)  # the "am" / "pm" after `9` in `9am`, `9 p.m.`
_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "sixty": 60, "ninety": 90, "hundred": 100,
}  # fmt: skip
_UNITS = {f"{unit}{s}" for unit in ("second", "minute", "hour", "day", "week", "month", "year") for s in ("", "s")}


def _twenty_four_hour(hour: int, minute: int, half: str) -> str | None:
    """`9`, `30`, `p` (9:30pm) -> "21:30"; None for an hour that is not on a 12-hour clock."""
    if not 1 <= hour <= 12 or not 0 <= minute <= 59:
        return None
    return f"{hour % 12 + (12 if half.lower() == 'p' else 0):02d}:{minute:02d}"


def _line_before(token: Token, text: str) -> str:
    """What the line holds before `token`, without its indentation."""
    start = token.start_pos or 0
    return text[text.rfind("\n", 0, start) + 1 : start].strip()


def _clock_help(token: Token, expected: set[str] | frozenset[str], text: str) -> str | None:
    """`wait until 9am` -> write `wait until 09:00`; `wait until 9:30pm` -> write `wait until 21:30`."""
    if token.type == "NUMBER" and "TIME" in expected and str(token).isdigit() and len(str(token)) <= 2:
        clock = _CLOCK.match(text, token.end_pos or 0)
        hour = int(str(token))
        time = _twenty_four_hour(hour, 0, clock.group(1)) if clock else f"{hour:02d}:00" if hour <= 23 else None
        if time is not None:
            return f"write the time as hours and minutes, on a 24-hour clock: `{_line_before(token, text)} {time}`"
    if token.type == "NAME" and str(token).lower().rstrip(".") in ("am", "pm", "a.m", "p.m"):
        written = _line_before(token, text)
        clock_time = re.search(r"(\d{1,2}):(\d{2})$", written)
        if clock_time is None:
            return None
        converted = _twenty_four_hour(int(clock_time.group(1)), int(clock_time.group(2)), str(token)[0])
        if converted:
            return f"times are written on a 24-hour clock: `{written[: clock_time.start()]}{converted}`"
    return None


def _number_word_help(token: Token, text: str) -> str | None:
    """`wait three days` (read as the unit "three", then "days") -> numbers are written as digits."""
    if token.type != "NAME" or str(token).lower() not in _UNITS:
        return None
    written = _line_before(token, text)
    words = written.split()
    if not words or words[-1].lower() not in _NUMBER_WORDS:
        return None
    digits = " ".join([*words[:-1], str(_NUMBER_WORDS[words[-1].lower()]), str(token)])
    return f"numbers are written as digits: `{digits}`"


def _token_help(token: Token, expected: set[str] | frozenset[str], text: str = "") -> str | None:
    expected_words = sorted(t.lower() for t in expected if t.isalpha() and t.isupper() and t not in _NOT_KEYWORDS)
    hint = _clock_help(token, expected, text) or _number_word_help(token, text)
    if hint:
        return hint
    if token.type == "NAME" and expected_words:
        close = difflib.get_close_matches(str(token).lower(), expected_words, n=1, cutoff=0.75)
        if close:
            return f'did you mean "{close[0]}"?'
        glued = _glued_keyword(str(token), expected_words)
        if glued:
            return f'put a space between "{glued[0]}" and "{glued[1]}"'
    if token.type == "ELSE" and "RBRACE" in expected:
        return 'a "}" is missing: close the block before "else"'
    if token.type == "RBRACE" and "PERCENT" in expected:
        return "write the value as 10% off, 10 percent off, or an amount such as 5 USD off"
    before = _previous_word(token, text)
    if before == "description" and token.type == "NAME" and "NAME" not in expected:
        return (
            '"description" starts a description here (description "what it is"), so it cannot name a property: '
            "rename the property, for example to details"
        )
    if before == "last" and token.type != "NAME" and expected == {"NAME"}:
        return (
            '"last" starts a condition such as `last category of "Product Viewed" == "dresses"`; '
            "a property cannot be called last in a condition"
        )
    if token.type == "NAME" and "STRING" in expected and "NAME" not in expected:
        return f'event names and texts are written in double quotes: "{_unquoted_phrase(token, text)}"'
    if token.type == "STRING" and "NAME" in expected and "STRING" not in expected:
        return "names are written without quotes"
    if "RBRACE" in expected and token.type in {"JOURNEY", "EVENT", "SEGMENT", "MESSAGE", "POLICY", "CHANNEL"}:
        return 'the declaration before this one may be missing its closing "}"'
    if token.type == "NUMBER" and "NAME" in expected:
        return "names cannot start with a digit"
    return None
