"""The one place the site calls the runtime: its message renderer, and the values a customer's send is rendered with.

`RuntimeRenderer.render` gives the content the simulator (and the live runtime) would send: it calls the runtime's
one renderer (`journeyc.runtime.render.MessageRenderer`, the code that renders every send), with the profile and
trigger properties as the simulator builds them (`profile_of`, `trigger_of`: the traits' defaults under the
customer's own traits; every declared property of the trigger event, None when the event left it out). A value
that is None is missing there, as everywhere: `default(...)` covers it, and shown bare it fails the render.

A preview must say why a template cannot render where the runtime only records a `render_error`:
`explain_failure` renders each template of the message again in a sandbox like the runtime's and names what failed
in the user's words: the value it reads that the customer lacks, or the template's own mistake.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from jinja2 import StrictUndefined, TemplateSyntaxError
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment

from journeyc.runtime.render import MessageRenderer, field_file, offer_values
from journeyc.runtime.trigger_values import TriggerValues


class _Event(NamedTuple):
    """A trigger event as the runtime reads one (`conditions.Event`: its name and properties)."""

    name: str
    properties: Mapping[str, Any]


@dataclass(frozen=True)
class Rendered:
    content: dict[str, Any] | None  # the content fields, when the message renders without showing a missing value
    failure: str | None  # otherwise, why not


class RuntimeRenderer:
    """The runtime's renderer over a build (`journeyc build`'s files, as {path: bytes})."""

    def __init__(self, build: Mapping[str, bytes]) -> None:
        self.data = {p.removeprefix("data/").removesuffix(".json"): json.loads(b) for p, b in build.items()
                     if p.startswith("data/")}  # fmt: skip
        self.templates = {p: b.decode("utf-8") for p, b in build.items() if p.startswith("templates/")}
        self._renderer = MessageRenderer(self.data, self.templates)
        self._defaults = {t["name"]: t.get("default") for t in (self.data.get("profile") or {}).get("traits", ())}
        self._triggers = TriggerValues(self.data.get("events", {}), self.data.get("shapes", {}))

    def profile_of(self, traits: Mapping[str, Any]) -> dict[str, Any]:
        """A customer's profile as the simulator keeps it: every trait's default, then the customer's traits."""
        return {**self._defaults, **traits}

    def trigger_of(self, event: str | None, properties: Mapping[str, Any]) -> dict[str, Any]:
        """A trigger event's properties as a run reads them: every declared property, None when left out."""
        if event is None:
            return dict(properties)
        return self._triggers.complete(_Event(event, properties))

    def render(
        self, message: str, profile: Mapping[str, Any], trigger: Mapping[str, Any] | None, offer: str | None
    ) -> Rendered:
        """The message's content for this customer, trigger and offer, or why a preview cannot show it."""
        content = self._renderer.render(message, profile, trigger, offer)
        if content is None:
            offer_data = (self.data.get("offers") or {}).get(offer) if offer else None
            values = {"profile": _present(profile), "trigger": _present(trigger or {}),
                      "offer": offer_values(offer_data) if offer_data else None}  # fmt: skip
            return Rendered(None, explain_failure(self, message, values))
        return Rendered(content, None)

    def template_files(self, message: str) -> list[str]:
        return list((self.data.get("messages") or {}).get(message, {}).get("templates", ()))


def _present(values: Mapping[str, Any]) -> dict[str, Any]:
    """The values without those that are None (at any depth of objects): missing, as the runtime reads them."""
    return {key: _present(value) if isinstance(value, Mapping) else value
            for key, value in values.items() if value is not None}  # fmt: skip


class _Read(str):
    """An undefined value's error message that also says what was read, and from which value."""

    holder: Any
    name: str | None


class _Recording(StrictUndefined):
    """Strict, like the runtime's environment; its error message carries what was read (see `_Read`)."""

    @property
    def _undefined_message(self) -> str:
        message = _Read(super()._undefined_message)
        message.holder, message.name = self._undefined_obj, self._undefined_name
        return message


# The runtime renders .html files with autoescape, every other template without.
_ENVIRONMENTS = {html: SandboxedEnvironment(undefined=_Recording, autoescape=html) for html in (False, True)}


def explain_failure(renderer: RuntimeRenderer, message: str, values: Mapping[str, Any]) -> str:
    """Why the message's templates cannot render with `values` (profile, trigger, offer), in plain words."""
    for path in renderer.template_files(message):
        field = field_file(path)
        text = renderer.templates.get(path, "")
        texts = [(field, text)]
        if path.endswith(".json"):
            try:
                texts = [(name, value) for name, value in sorted(json.loads(text).items()) if isinstance(value, str)]
            except ValueError:
                return f"the template file {path} is not valid JSON"
        for name, template in texts:
            reason = _failure(template, path.endswith(".html"), values)
            if reason is not None:
                return f'the "{_field_name(name)}" cannot be rendered: {reason}'
    return "the runtime could not render it with these values"


def _field_name(file_part: str) -> str:
    """`subject.txt` -> subject, `txt` -> text, `html` -> html (as the content fields are named)."""
    return {"txt": "text"}.get(file_part, file_part.removesuffix(".txt"))


def _failure(template: str, html: bool, values: Mapping[str, Any]) -> str | None:
    try:
        _ENVIRONMENTS[html].from_string(template).render(values)
    except TemplateSyntaxError as error:
        return f"its template has a mistake on line {error.lineno}: {error.message}"
    except SecurityError:
        return "its template does something the message sandbox does not allow"
    except UndefinedError as error:
        read = error.args[0] if error.args else None
        return _missing(read, values) if isinstance(read, _Read) else str(error)
    except TypeError:
        return "it compares or computes with a value that has none here"
    except Exception as error:  # what a template does with customer data can fail in any way: say how
        return f"its template fails with these values ({error})" if str(error) else "its template fails"
    return None


def _missing(missing: _Read, values: Mapping[str, Any]) -> str:
    name = missing.name or "a value"
    for root in ("profile", "trigger", "offer"):
        holder = values.get(root)
        if holder is not None and missing.holder is holder:
            whose = {"profile": "this customer does not have", "trigger": "the trigger event does not have",
                     "offer": "the offer does not have"}[root]  # fmt: skip
            return f"it reads {root}.{name}, which {whose} (a default would cover it: | default(...))"
    if missing.holder is None and values.get("offer") is None and name != "offer":
        return f"it reads offer.{name}, and this send has no offer"
    return f'it reads "{name}", which is not set here'
