"""Grammar terminals in the words a marketer reads: never a Lark rule or terminal name."""

from __future__ import annotations

from collections.abc import Iterable

from lark import Token

_SYMBOLS = {
    "LBRACE": '"{"',
    "RBRACE": '"}"',
    "LPAR": '"("',
    "RPAR": '")"',
    "COMMA": '","',
    "DOT": '"."',
    "PERCENT_SIGN": '"%"',
    "COMPARE": "a comparison (==, !=, <, <=, >, >=)",
    "DATE": "a date such as 2026-12-31",
    "TIME": "a time such as 21:00",
    "NUMBER": "a number",
    "STRING": 'a quoted text such as "Order Completed"',
    "LONG_STRING": 'a quoted text such as "Order Completed"',
    "NAME": "a name",
    "$END": "the end of the file",
}

# Shown first when many things could come next, so the hint names the likely ones.
_LIKELY = ("RBRACE", "NAME", "STRING", "NUMBER", "LBRACE")


def word(terminal: str) -> str:
    if terminal in _SYMBOLS:
        return _SYMBOLS[terminal]
    return f'"{terminal.lower()}"'


def describe_expected(terminals: Iterable[str]) -> str:
    """`expected "}" or a name`, listing at most six alternatives."""
    names = sorted(set(terminals) - {"LONG_STRING", "COMMENT", "WS"})
    if not names:
        return "nothing more was expected here"
    ordered = [t for t in _LIKELY if t in names] + [t for t in names if t not in _LIKELY]
    words = list(dict.fromkeys(word(t) for t in ordered))
    if len(words) > 6:
        return "expected " + ", ".join(words[:6]) + " or another keyword"
    if len(words) == 1:
        return "expected " + words[0]
    return "expected " + ", ".join(words[:-1]) + " or " + words[-1]


def describe_token(token: Token) -> str:
    """What the user wrote, quoted as they wrote it."""
    if token.type == "$END":
        return "end of file"
    text = str(token)
    if len(text) > 40:
        text = text[:37] + "..."
    if token.type in ("STRING", "LONG_STRING"):
        return f"text {text}"
    if token.type == "NUMBER":
        return f"number {text}"
    if token.type == "NAME":
        return f'name "{text}"'
    if token.type in _SYMBOLS:
        return f'"{text}"'
    return f'word "{text}"'
