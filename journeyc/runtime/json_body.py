"""Webhook bodies built as data: the JSON structure read once, each string a template, each value JSON-encoded.

A webhook's `body` is JSON written with templates in it:

    {"order": "{{ trigger.order_id }}", "greeting": "Hi {{ profile.first_name | default('there') }}",
     "total": {{ trigger.value }}, "items": {{ trigger.products }}}

Rendering that text as one text template would let a value write JSON: a first name `x", "admin": true, "y": "z`
would add an `admin` field. So the body is parsed as JSON once (`JsonBody.parse`), with every piece of template
syntax set aside first so that its quotes and braces do not count as JSON. Then, for each send, every string of it
(keys included) is rendered as a text template and every `{{ expression }}` written where a JSON value goes is
evaluated; the JSON encoder writes the result, so a value is always one JSON string, number, list... and never
JSON syntax. `{% ... %}` tags may only be written inside strings; a `{# comment #}` outside strings is dropped.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, TemplateSyntaxError

from journeyc.runtime.template_spans import SyntaxSpan, syntax_spans


class BodyError(ValueError):
    """The body is not JSON with templates in its strings and values (the message says why, in plain words)."""


@dataclass(frozen=True)
class Text:
    """A string of the body that holds template syntax: rendered as a text template."""

    template: str


@dataclass(frozen=True)
class Value:
    """`{{ expression }}` where a JSON value goes: the expression's value, JSON-encoded."""

    expression: str


class JsonBody:
    __slots__ = ("data",)

    def __init__(self, data: Any) -> None:
        self.data = data  # JSON data whose strings may be Text, and values Value

    @classmethod
    def parse(cls, text: str, env: Environment) -> JsonBody:
        """The body's structure (raises BodyError)."""
        try:
            spans = syntax_spans(text, env)
        except TemplateSyntaxError as error:
            raise BodyError(f"its template syntax is not valid: {error.message} (line {error.lineno})") from None
        nonce = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:12]
        while f"jinja{nonce}" in text:
            nonce = hashlib.sha256(nonce.encode()).hexdigest()[:12]
        token = re.compile(rf"jinja{nonce}n(\d+)x")
        protected = _protect(text, spans, nonce)
        try:
            data = json.loads(protected.text, parse_constant=_not_json)
        except json.JSONDecodeError as error:
            line = text.count("\n", 0, protected.original(error.pos)) + 1
            raise BodyError(f"it is not JSON: {error.msg.lower()} (line {line})") from None

        def restore(value: Any) -> Any:
            if isinstance(value, str):
                found = token.fullmatch(value)
                if found is not None and int(found.group(1)) in protected.bare:
                    span = spans[int(found.group(1))]
                    return Value(text[span.inner_start : span.inner_end])
                if token.search(value) is None:
                    return value
                return Text(token.sub(lambda m: text[spans[int(m.group(1))].start : spans[int(m.group(1))].end], value))
            if isinstance(value, list):
                return [restore(item) for item in value]
            if isinstance(value, dict):
                return {restore(key): restore(item) for key, item in value.items()}
            return value

        return cls(restore(data))

    def render(self, text: Callable[[str], str], evaluate: Callable[[str], Any]) -> str:
        """The body for one send: `text` renders a string's template, `evaluate` gives an expression's value."""

        def fill(value: Any) -> Any:
            if isinstance(value, Text):
                return text(value.template)
            if isinstance(value, Value):
                return evaluate(value.expression)
            if isinstance(value, list):
                return [fill(item) for item in value]
            if isinstance(value, dict):
                return {fill(key): fill(item) for key, item in value.items()}
            return value

        return json.dumps(fill(self.data), ensure_ascii=False, allow_nan=False)


def _not_json(name: str) -> Any:
    raise BodyError(f"it is not JSON: {name} is not a JSON value")


@dataclass(frozen=True)
class _Protected:
    text: str  # the body with each piece of template syntax replaced by a token
    bare: frozenset[int]  # the indexes of the spans that stand for a JSON value
    places: tuple[tuple[int, int, SyntaxSpan], ...]  # (start, end) of each token in `text`, and its span

    def original(self, offset: int) -> int:
        """An offset into `text` as an offset into the body as written (for the line of a JSON error)."""
        for start, end, span in reversed(self.places):
            if start <= offset:
                return span.start if offset < end else span.end + offset - end
        return offset


def _protect(text: str, spans: list[SyntaxSpan], nonce: str) -> _Protected:
    """Each piece of template syntax replaced by a token of letters and digits, quoted where it stands for a JSON
    value. A tag outside a string raises BodyError; a comment there is dropped."""
    parts: list[str] = []
    bare: set[int] = set()
    places: list[tuple[int, int, SyntaxSpan]] = []
    in_string, escaped, previous, length = False, False, 0, 0
    for index, span in enumerate(spans):
        for char in text[previous : span.start]:
            if escaped:
                escaped = False
            elif in_string and char == "\\":
                escaped = True
            elif char == '"':
                in_string = not in_string
        name = f"jinja{nonce}n{index}x"
        if in_string:
            pass
        elif span.kind == "expression":
            name = f'"{name}"'
            bare.add(index)
        elif span.kind == "comment":
            name = ""
        else:
            line = text.count("\n", 0, span.start) + 1
            raise BodyError(f"a template tag is written outside a JSON string (line {line}): only {{{{ ... }}}} may be")
        parts += [text[previous : span.start], name]
        length += span.start - previous
        places.append((length, length + len(name), span))
        length += len(name)
        previous = span.end
    parts.append(text[previous:])
    return _Protected("".join(parts), frozenset(bare), tuple(places))
