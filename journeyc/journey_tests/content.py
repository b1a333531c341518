"""The text assertions of an expected message (`contains`, `not_contains`, `fields`) against the content the
simulator rendered for it (the outbox record's `content`: subject, preheader, text, html, or a JSON message's
fields), and the report lines when they fail."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from journeyc.journey_tests.files import Expectation

__all__ = ["content_problems"]

_SHOWN = 100  # characters of a field shown in a report


def content_problems(expected: Expectation, content: Mapping[str, Any] | None) -> list[str]:
    """What the sent message's content fails of the expectation's text assertions, as report lines (none: it
    holds them all)."""
    if not expected.contains and not expected.not_contains:
        return []
    fields = {name: _as_text(value) for name, value in (content or {}).items()}
    if expected.fields is not None:
        missing = [name for name in expected.fields if name not in fields]
        if missing:
            has = ", ".join(sorted(fields)) or "none"
            return [f'the message has no "{name}" field (its fields: {has})' for name in missing]
        fields = {name: fields[name] for name in expected.fields}
    problems = []
    for text in expected.contains:
        if not any(text in value for value in fields.values()):
            problems.append(f'"{text}" should be in the message, and is not:')
            problems += [
                f"  {name}: {_excerpt(value, 0, 0)}" for name, value in sorted(fields.items()) if name != "html"
            ]
            if "html" in fields:
                problems.append(f"  html: ({len(fields['html'])} characters, not shown)")
    for text in expected.not_contains:
        found = sorted((name, value.index(text)) for name, value in fields.items() if text in value)
        if found:
            problems.append(f'"{text}" should not be in the message, and is:')
            problems += [f"  {name}: {_excerpt(fields[name], at, len(text))}" for name, at in found]
    return problems


def _as_text(value: Any) -> str:
    """A content field as the text searched: a text as it is, any other value (a JSON message's number, list or
    object) as JSON."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _excerpt(value: str, at: int, length: int) -> str:
    """Up to `_SHOWN` characters of a field around value[at:at + length], quoted as JSON (line breaks as \\n)."""
    begin = max(0, min(at - (_SHOWN - length) // 2, len(value) - _SHOWN))
    shown = value[begin : begin + _SHOWN]
    return ("…" if begin else "") + json.dumps(shown, ensure_ascii=False) + ("…" if begin + _SHOWN < len(value) else "")
