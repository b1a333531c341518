"""Python source for values and names, the way `ruff format` would write them, and safe by construction.

User text reaches generated code only through `string()` (an escaped literal, never an f-string or code), and
user names only through `identifier()` (ASCII, never a keyword, never starting with a digit). Numbers reach
generated code and data only through `safe_number()`: `inf` would be a NameError in a module and `Infinity` is not
JSON, and a number beyond 2**53 is not one a marketer meant (nor one JavaScript or a JSON reader keeps exactly).
"""

from __future__ import annotations

import keyword
import math
import re
from typing import Any

LINE_LENGTH = 88  # ruff's default; exploded literals carry trailing commas, so wider settings keep them as is
_SIMPLE_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
MAX_SAFE_NUMBER = 2**53 - 1  # JavaScript's Number.MAX_SAFE_INTEGER: every JSON reader keeps it exactly


class UnsafeValueError(ValueError):
    """A value the build will not write: a number that is not finite or is beyond MAX_SAFE_NUMBER.

    The checks report such numbers in the sources; this guard makes sure none reaches a module or a data file.
    """


def safe_number(value: int | float) -> int | float:
    """`value` itself when it is a finite number within ±MAX_SAFE_NUMBER; else UnsafeValueError."""
    if isinstance(value, float) and not math.isfinite(value):
        raise UnsafeValueError(f"the number {value!r} is not finite, so it cannot be written into the build")
    if not isinstance(value, bool) and abs(value) > MAX_SAFE_NUMBER:
        # An int's digits counted from its bits: str() of a huge int is itself an error (Python's 4,300-digit limit).
        digits = int(abs(value).bit_length() * 0.30103) + 1 if isinstance(value, int) else 0
        shown = f"the number {value:.6g}" if isinstance(value, float) else f"a number of about {digits} digits"
        raise UnsafeValueError(f"{shown} is too large to be written into the build (the limit is 2**53)")
    return value


def json_safe(value: Any) -> Any:
    """`value` (JSON-like data) unchanged, after checking every number in it with `safe_number()`."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)
        elif isinstance(item, int | float):
            safe_number(item)
    return value


def string(text: str) -> str:
    """A string literal: double quotes unless single ones need fewer escapes (ruff's rule)."""
    quote = "'" if text.count('"') > text.count("'") else '"'
    out = []
    for char in text:
        if char in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[char])
        elif char == quote:
            out.append("\\" + char)
        elif not char.isprintable():
            out.append(repr(char)[1:-1])
        else:
            out.append(char)
    return quote + "".join(out) + quote


def identifier(name: str) -> str:
    """A Python identifier for a user's name: non-ASCII characters spelled out, keywords suffixed with `_`."""
    safe = re.sub(r"[^0-9A-Za-z_]", lambda m: f"_u{ord(m.group()):04x}_", name) or "_"
    if safe[0].isdigit():
        safe = "n_" + safe
    if keyword.iskeyword(safe) or keyword.issoftkeyword(safe):
        safe += "_"
    return safe


def literal(value: Any, indent: int = 0, room: int = LINE_LENGTH) -> str:
    """A literal for JSON-like data (dicts, lists as tuples, strings, numbers, booleans, None).

    It is written on one line when it fits in `room` characters, else exploded one item per line with a
    trailing comma, recursively (the layout ruff gives it).
    """
    flat = _flat(value)
    if len(flat) <= room or not isinstance(value, dict | list | tuple) or not value:
        return flat
    pad, inner = " " * indent, " " * (indent + 4)
    if isinstance(value, dict):
        lines = [
            f"{inner}{string(str(k))}: {literal(v, indent + 4, LINE_LENGTH - indent - 4 - len(string(str(k))) - 3)},"
            for k, v in value.items()
        ]
        return "{\n" + "\n".join(lines) + f"\n{pad}}}"
    lines = [f"{inner}{literal(v, indent + 4, LINE_LENGTH - indent - 5)}," for v in value]
    return "(\n" + "\n".join(lines) + f"\n{pad})"


def _flat(value: Any) -> str:
    if isinstance(value, str):
        return string(value)
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int | float):
        return repr(safe_number(value))
    if isinstance(value, dict):
        return "{" + ", ".join(f"{string(str(k))}: {_flat(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        items = [_flat(v) for v in value]
        return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
    raise TypeError(f"no literal for {type(value).__name__}")
