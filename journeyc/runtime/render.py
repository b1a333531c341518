"""A message's content rendered for one send: the one renderer of the simulator and the live runtime.

`MessageRenderer(data, templates).render(message, profile, trigger, offer)` fills in every template file the build
wrote for the message (templates/<channel>/<message>.*, see emit/templates.py) with the customer's profile, the
journey's trigger properties and the offer's fields, and gives the content fields, or None when a template fails
(a `render_error`: a missing value shown, a limit of the sandbox passed, a syntax error). `renders(...)` says only
whether `render` gives content, without writing what the plain templates would write (for a decision whose
content no one reads: `journeyc simulate` without `--outbox` or `--customer`).

How each field is written:

| field | values are written |
|---|---|
| email `html` | HTML-escaped (`<` becomes `&lt;`); `| safe` turns that off (the checks warn when it is applied to a trait or a property: J214) |
| header fields: email `subject`, `preheader`, `from_name`, `reply_to`; push `title`; in-app `title`, `button`; webhook `method` | as text, then every run of line breaks (CR, LF and the other Unicode line ends) becomes one space: a value cannot add a header |
| webhook `url` | percent-encoded (`urllib.parse.quote`, nothing kept: `/`, `?`, `&` and `#` too); the URL's own text is kept |
| webhook `body` | JSON built as data (runtime/json_body.py): strings rendered as text, values JSON-encoded |
| anything else | as text |

Templates are rendered in the message sandbox (runtime/sandbox.py: a value that is None is missing, and limits on
what a render costs); the plain ones (runtime/plain_templates.py) without compiling them, with the same result.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from jinja2 import Template, TemplateSyntaxError
from jinja2.environment import TemplateExpression
from markupsafe import escape

from journeyc.runtime.durations import UNITS
from journeyc.runtime.json_body import JsonBody
from journeyc.runtime.plain_templates import Needs, PlainTemplate, Show
from journeyc.runtime.sandbox import MessageSandbox

HEADER_FIELDS: dict[str, frozenset[str]] = {
    "email": frozenset({"subject", "preheader", "from_name", "reply_to"}),
    "push": frozenset({"title"}),
    "in_app": frozenset({"title", "button"}),
    "webhook": frozenset({"method"}),
}
_LINE_BREAKS = re.compile(r"[\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029]+")  # what str.splitlines splits at


def url_value(value: Any) -> str:
    """A value shown in a URL: percent-encoded, so that it stays one piece of a path or a query."""
    return quote(str(value), safe="")


def _html_value(value: Any) -> str:
    return str(escape(value))


def one_line(text: str) -> str:
    """A header field's text with every run of line breaks made one space."""
    return text if text.isprintable() else _LINE_BREAKS.sub(" ", text)  # (line breaks are not printable)


# How each kind of field is rendered: its environment and how a plain template writes a value alike.
TEXT, HTML, URL, BODY, VALUE = "text", "html", "url", "body", "value"
_SHOW: dict[str, Show] = {TEXT: str, HTML: _html_value, URL: url_value}
# How many characters each writes at most for one character of a text (an exact str): str writes it as it is, an
# HTML escape `&amp;`, `&lt;`, `&gt;`, `&#39;` or `&#34;` at most, and neither fails on a text; a URL quote fails
# on a lone surrogate (None: its texts are written to find out). See PlainTemplate.renders.
_STRETCH: dict[str, int | None] = {TEXT: 1, HTML: 5, URL: None}


def message_sandboxes() -> dict[str, MessageSandbox]:
    """The environments of the fields: text, HTML (autoescaped) and URL (values percent-encoded)."""
    return {TEXT: MessageSandbox(), HTML: MessageSandbox(autoescape=True), URL: MessageSandbox(finalize=url_value)}


class _Field:
    __slots__ = ("header", "mode", "name", "source", "whole_file")

    def __init__(self, name: str, source: Any, mode: str, whole_file: bool, header: bool) -> None:
        self.name = name
        self.source = source  # the template text (or, for VALUE, the content itself)
        self.mode = mode
        self.whole_file = whole_file  # a template file of its own: its final line ends are not content
        self.header = header


# What `renders` checks of a message: the values enough for its plain text and HTML fields (see `_checks`), the
# other fields, and every field that a render may fail with its plain form.
_Checks = tuple[Needs | None, list[tuple[_Field, PlainTemplate | None]], list[tuple[_Field, PlainTemplate | None]]]


class MessageRenderer:
    def __init__(self, data: Mapping[str, Any], templates: Mapping[str, str]) -> None:
        self.channels: Mapping[str, Any] = data.get("channels", {})
        self.messages: Mapping[str, Any] = data.get("messages", {})
        self.offers: Mapping[str, Any] = data.get("offers", {})
        self.templates = templates
        self.envs = message_sandboxes()
        self.fields: dict[str, list[_Field]] = {}  # message -> its fields, worked out once
        self.offer_values: dict[str, dict[str, Any]] = {}  # offer -> what templates read as `offer`
        self.plain: dict[str, PlainTemplate | None] = {}  # template text -> its plain form, if it has one
        self.checks: dict[str, _Checks] = {}  # message -> its fields' plain forms, and what `renders` checks first
        self.compiled: dict[tuple[str, str], Template] = {}
        self.expressions: dict[str, TemplateExpression] = {}
        self.bodies: dict[str, JsonBody] = {}

    def render(
        self, message: str, profile: Mapping[str, Any], trigger: Mapping[str, Any] | None, offer: str | None
    ) -> dict[str, Any] | None:
        """The message's content fields rendered for one send; None when a template fails (a render_error)."""
        values = self._values(profile, trigger, offer)
        content: dict[str, Any] = {}
        try:
            for field in self._fields(message):
                if field.mode == VALUE:
                    content[field.name] = field.source
                    continue
                if field.mode == BODY:
                    content[field.name] = self._body(field.source, values)
                    continue
                rendered = self.text(field.source, field.mode, values)
                if field.whole_file:
                    rendered = rendered.rstrip("\n")
                content[field.name] = one_line(rendered) if field.header else rendered
        except Exception:  # whatever customer data makes a template fail is a render_error
            return None
        return content

    def renders(
        self, message: str, profile: Mapping[str, Any], trigger: Mapping[str, Any] | None, offer: str | None
    ) -> bool:
        """Whether `render` gives content (not None), found without writing what the plain templates would write:
        what a decision needs when no one reads the content. Any other template is rendered as `render` does."""
        plan = self.checks.get(message)
        if plan is None:
            plan = self.checks[message] = self._checks(message)
        needs, rest, checks = plan
        if needs is not None:  # (the fields that need only what `needs` checks: no `_values`, no measure each)
            roots = (profile, trigger or {}, self._offer_values(offer) if offer and offer in self.offers else None)
            if needs.met(roots):
                if not rest:
                    return True
                checks = rest
        values = self._values(profile, trigger, offer)
        try:
            for field, plain in checks:
                mode = field.mode
                if plain is not None and plain.renders(values, _SHOW[mode], _STRETCH[mode]):
                    continue
                if mode == BODY:
                    self._body(field.source, values)
                    continue
                self.text(field.source, mode, values)  # (Jinja2 decides: it may render what plain left)
        except Exception:  # as in `render`
            return False
        return True

    def _checks(self, message: str) -> _Checks:
        """The message's fields that a render may fail, each with its plain form (None: not plain, or a JSON
        body). Left out: a content value, and a plain text without a placeholder, a test or a loop (its render
        writes it as it is: nothing fails, and without a loop no length is counted). Then what `renders` checks
        first: the values enough for the plain text and HTML fields to render (`needs`, see `Needs`; None when
        there are none), and the fields left (`rest`: a URL, a JSON body, a template Jinja2 renders)."""
        checks = []
        needs = None
        rest = []
        for field in self._fields(message):
            if field.mode == VALUE:
                continue
            plain = self._plain(field.source) if field.mode in _SHOW else None
            if plain is not None and all(type(part) is str for part in plain.parts):
                continue
            checks.append((field, plain))
            # (with a stretch, texts are counted, never shown: see PlainTemplate.renders)
            stretch = _STRETCH[field.mode] if plain is not None else None
            if plain is None or stretch is None:
                rest.append((field, plain))
                continue
            if needs is None:
                needs = Needs(stretch)
            needs.add(plain.needs(stretch))
        return needs, rest, checks

    def _values(
        self, profile: Mapping[str, Any], trigger: Mapping[str, Any] | None, offer: str | None
    ) -> dict[str, Any]:
        """What templates read: `profile`, `trigger` and `offer`."""
        return {
            "profile": profile,
            "trigger": trigger or {},
            "offer": self._offer_values(offer) if offer and offer in self.offers else None,
        }

    def _plain(self, source: str) -> PlainTemplate | None:
        try:
            return self.plain[source]
        except KeyError:
            plain = self.plain[source] = _plain_form(self.envs[TEXT], source)
            return plain

    def text(self, source: str, mode: str, values: Mapping[str, Any]) -> str:
        """One template rendered: directly when it is plain and its values are plain, in the sandbox otherwise."""
        plain = self._plain(source)
        if plain is not None:
            rendered = plain.render(values, _SHOW[mode])
            if rendered is not None:
                return rendered
        key = (mode, source)
        template = self.compiled.get(key)
        if template is None:
            template = self.compiled[key] = self.envs[mode].compile_template(source)
        return self.envs[mode].render_template(template, values)

    def _body(self, source: str, values: Mapping[str, Any]) -> str:
        body = self.bodies.get(source)
        if body is None:
            body = self.bodies[source] = JsonBody.parse(source, self.envs[TEXT])  # (a BodyError fails every send)
        return body.render(lambda text: self.text(text, TEXT, values), lambda code: self._value(code, values))

    def _value(self, code: str, values: Mapping[str, Any]) -> Any:
        expression = self.expressions.get(code)
        if expression is None:
            expression = self.expressions[code] = self.envs[TEXT].compile_expression(code, undefined_to_none=False)
        return self.envs[TEXT].evaluate(expression, values)

    def _fields(self, message: str) -> list[_Field]:
        """A message's template files, worked out once. The file of a push, in-app, WhatsApp or webhook message
        is JSON: its keys in order, each text value a template (other values are content as they are)."""
        fields = self.fields.get(message)
        if fields is None:
            found = self.messages.get(message, {})
            channel = self.channels.get(found.get("channel"), {})
            kind = (channel.get("kind") or {}).get("name", "")
            headers = HEADER_FIELDS.get(kind, frozenset())
            fields = []
            for path in found.get("templates", ()):
                name = field_file(path)
                name = {"txt": "text", "html": "html", "json": "json"}.get(name, name.removesuffix(".txt"))
                if path.endswith(".json"):
                    for key, source in sorted(json.loads(self.templates[path]).items()):
                        mode = _json_mode(kind, key) if isinstance(source, str) else VALUE
                        fields.append(_Field(key, source, mode, False, key in headers))
                else:
                    mode = HTML if path.endswith(".html") else TEXT
                    fields.append(_Field(name, self.templates[path], mode, True, name in headers))
            self.fields[message] = fields  # (only once complete: a template that does not load fails every send)
        return fields

    def _offer_values(self, name: str) -> dict[str, Any]:
        values = self.offer_values.get(name)
        if values is None:
            values = self.offer_values[name] = offer_values(self.offers[name])
        return values


def field_file(path: str) -> str:
    """What a template file holds, from its name `<message>.<field file>`: `subject.txt`, `txt`, `html`, `json`.
    A message name has no dot; the build may shorten a long one (data/messages.json lists the files)."""
    return path.rsplit("/", 1)[-1].partition(".")[2]


def _json_mode(kind: str | None, key: str) -> str:
    if kind == "webhook" and key == "url":
        return URL
    if kind == "webhook" and key == "body":
        return BODY
    return TEXT


def _plain_form(env: MessageSandbox, source: str) -> PlainTemplate | None:
    try:
        return PlainTemplate.from_tree(env.parse(source), runtime=True)
    except TemplateSyntaxError:
        return None  # compiling it fails every send that renders it


def offer_values(offer: Mapping[str, Any]) -> dict[str, Any]:
    """What templates read as `offer`: its fields as the offer declares them."""
    value = offer.get("value") or {}
    return {
        "code": offer.get("code"),
        "value": int(value["amount"]) if float(value.get("amount", 0)).is_integer() else value.get("amount"),
        "unit": value.get("unit"),
        "description": offer.get("description"),
        "title": offer.get("title"),
        "valid_until": offer.get("valid_until"),
        "valid_days": ((offer.get("valid_for") or {}).get("seconds") or 0) // UNITS["day"] or None,
        "name": offer.get("name"),
    }
