"""Rendering the common templates without Jinja2: text with `{{ root.attr }}` reads, maybe `| default('...')`.

Most message templates are only that (a greeting with the first name, an order number, an offer code), and
setting up a Jinja2 render costs more than the text itself. `PlainTemplate.parse` accepts a template only when its
whole syntax is plain text and such reads; `render` gives exactly what the sandboxed, strict-undefined Jinja2
environment of the contact policy gives for it, or None whenever the values make that less than obvious (a root
that is not a dict, a name that is also a dict method, a missing value with no default), and the caller then
renders with Jinja2. tests/test_plain_templates.py compares the two on random templates and values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from markupsafe import escape

_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.S)
_READ = re.compile(
    r"\s*(?P<root>[A-Za-z_][A-Za-z0-9_]*)\.(?P<attr>[A-Za-z_][A-Za-z0-9_]*)\s*"
    r"(?:\|\s*(?:default|d)\(\s*(?:'(?P<single>[^'\\]*)'|\"(?P<double>[^\"\\]*)\")\s*\)\s*)?"
)
_NO_DEFAULT = object()


class PlainTemplate:
    __slots__ = ("parts",)

    def __init__(self, parts: list[str | tuple[str, str, Any]]) -> None:
        self.parts = parts  # text, or (root, attr, default or _NO_DEFAULT)

    @classmethod
    def parse(cls, text: str) -> PlainTemplate | None:
        """The template as text and reads; None when it uses anything else of Jinja2's syntax."""
        if "{%" in text or "{#" in text or "\r" in text:
            return None
        if text.endswith("\n"):  # Jinja2 drops one trailing newline (keep_trailing_newline is off)
            text = text[:-1]
        parts: list[str | tuple[str, str, Any]] = []
        last = 0
        for match in _PLACEHOLDER.finditer(text):
            read = _READ.fullmatch(match.group(1))
            if read is None or hasattr(dict, read.group("attr")):
                # Whitespace control, filters, calls, literals, ...; or `x.items`, a dict's method, which is what
                # Jinja2 reads there (every root `render` reads is a dict): Jinja2 renders it.
                return None
            if match.start() > last:
                parts.append(text[last : match.start()])
            default = read.group("single") if read.group("single") is not None else read.group("double")
            parts.append((read.group("root"), read.group("attr"), _NO_DEFAULT if default is None else default))
            last = match.end()
        rest = text[last:]
        if "{{" in rest:
            return None
        if rest:
            parts.append(rest)
        return cls(parts)

    def render(self, values: Mapping[str, Any], autoescape: bool) -> str | None:
        """The rendered text, or None when Jinja2 should render it (see the module's docstring)."""
        out: list[str] = []
        for part in self.parts:
            if type(part) is str:
                out.append(part)
                continue
            root, attr, default = part
            holder = values.get(root)
            if type(holder) is not dict:  # (a name that is a dict's attribute never gets here: see `parse`)
                return None
            if attr in holder:
                value = holder[attr]
            elif default is not _NO_DEFAULT:
                value = default
            else:
                return None  # strict undefined: Jinja2 reports it
            out.append(str(escape(value)) if autoescape else str(value))
        return "".join(out)
