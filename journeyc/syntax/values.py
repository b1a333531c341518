"""Literal values written in .journey files: texts, numbers, durations, times and dates."""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass

from lark import Token

UNIT_SECONDS = {
    "minute": 60,
    "minutes": 60,
    "hour": 3600,
    "hours": 3600,
    "day": 86400,
    "days": 86400,
    "week": 604800,
    "weeks": 604800,
}


@dataclass(frozen=True)
class Text:
    """A quoted text with where its content starts, so template errors can point inside it."""

    value: str
    token: Token
    raw: bool

    @property
    def content_line(self) -> int:
        return self.token.line

    @property
    def content_column(self) -> int:
        return self.token.column + (3 if self.raw else 1)


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


def parse_number(token: Token) -> int | float:
    text = str(token)
    return float(text) if "." in text else int(text)


def duration_unit_error(unit: str, amount: float = 2) -> tuple[str, str]:
    """Message and help for a unit that is not a duration unit (the suggestion agrees with the amount)."""
    if unit.lower().rstrip("s") in ("month", "year"):
        return (
            f'"{unit}" is not a unit journeyc uses: months and years have no fixed length',
            "write days or weeks, e.g. 30 days or 52 weeks",
        )
    close = difflib.get_close_matches(unit.lower(), list(UNIT_SECONDS), n=1)
    hint = "use minutes, hours, days or weeks"
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
