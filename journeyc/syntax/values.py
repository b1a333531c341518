"""Literal values written in .journey files: texts, numbers, durations, times and dates."""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass

from lark import Token

from journeyc.runtime.durations import UNIT_SECONDS, UNITS

# How the units are listed in messages: "seconds, minutes, hours, days or weeks".
UNIT_WORDS = ", ".join(unit + "s" for unit in list(UNITS)[:-1]) + f" or {list(UNITS)[-1]}s"


@dataclass(frozen=True)
class Text:
    """A quoted text with where its content starts, so template errors can point inside it."""

    value: str
    token: Token
    raw: bool

    # (the ignores: Lark types a token's place Optional; every token its lexers and FastParse make has one)
    @property
    def content_line(self) -> int:
        return self.token.line  # type: ignore[return-value]

    @property
    def content_column(self) -> int:
        return self.token.column + (3 if self.raw else 1)  # type: ignore[operator]


_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def decode_text(token: Token) -> Text:
    """The value of a STRING (with escapes) or LONG_STRING (raw) token."""
    source = str(token)
    if token.type == "LONG_STRING":
        return Text(source[3:-3].replace("\r\n", "\n"), token, raw=True)
    body = source[1:-1]
    if "\\" not in body:
        return Text(body, token, raw=False)
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            out.append(_ESCAPES.get(nxt, "\\" + nxt))
            i += 2
        else:
            out.append(ch)
            i += 1
    return Text("".join(out), token, raw=False)


# A number keeps at most this many digits before and after its decimal point: beyond that a float is no longer
# exact (or becomes infinite), and Python refuses to read integers of thousands of digits.
MAX_DIGITS = 15
# The longest length of time journeyc accepts: ten years of days (a longer wait is a typo, not a plan).
MAX_DURATION_SECONDS = 3650 * UNIT_SECONDS["day"]


def number_problem(text: str) -> str | None:
    """Why a NUMBER token's text cannot be kept exactly ("too large", "too precise"), or None when it can."""
    whole, _, decimals = text.partition(".")
    if len(whole.lstrip("0")) > MAX_DIGITS:
        return "too large"
    if len(decimals) > MAX_DIGITS:
        return "too precise"
    return None


def parse_number(token: Token) -> int | float:
    """The value of a NUMBER token whose `number_problem` is None."""
    text = str(token)
    return float(text) if "." in text else int(text)


def shown_number(text: str) -> str:
    """A number as the user wrote it, shortened when it is long: `123456789012...(400 digits)`."""
    if len(text) <= 24:
        return text
    return f"{text[:12]}...({sum(c.isdigit() for c in text)} digits)"


def duration_unit_error(unit: str, amount: float = 2) -> tuple[str, str]:
    """Message and help for a unit that is not a duration unit (the suggestion agrees with the amount)."""
    if unit.lower().rstrip("s") in ("month", "year"):
        return (
            f'"{unit}" is not a unit journeyc uses: months and years have no fixed length',
            "write days or weeks, e.g. 30 days or 52 weeks",
        )
    close = difflib.get_close_matches(unit.lower(), list(UNIT_SECONDS), n=1)
    hint = f"use {UNIT_WORDS}"
    if close:
        singular = close[0].rstrip("s")
        hint = f'did you mean "{singular if amount == 1 else singular + "s"}"?'
    return f'"{unit}" is not a unit of time', hint


def parse_time(text: str) -> tuple[int, int] | None:
    hour_text, minute_text = text.split(":")
    hour, minute = int(hour_text), int(minute_text)
    if hour > 23 or minute > 59:
        return None
    return hour, minute


def parse_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None
