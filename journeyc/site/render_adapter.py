"""The one place the site calls the runtime: its message renderer, and the values a customer's send is rendered with.

`RuntimeRenderer.render` gives the content the simulator (and the live runtime) would send: it calls the contact
policy's renderer (journeyc/runtime/policy.py `ContactPolicy._render`, the code that renders every send), with the
profile and trigger properties as the simulator builds them (`profile_of`, `trigger_of`: the traits' defaults under
the customer's own traits; every declared property of the trigger event, None when the event left it out).

A preview must never show "None", and must say why a template cannot render where the runtime only records a
`render_error`:
- a value that is None reaches today's renderer as a stand-in (`_Absent`) that tests, loops and `default(x, true)`
  treat as None does, but that prints as a marker: content holding a marker is a preview that would show "None",
  reported as such, naming the value;
- `explain_failure` renders each template of the message again in a sandbox like the runtime's and names what
  failed in the user's words: the value it reads that the customer lacks, or the template's own mistake.

TODO(merge `templates`): the runtime's renderer moves to `journeyc.runtime.render.MessageRenderer(data,
templates).render(message, profile, trigger, offer)`, where None is missing (so `default(...)` covers it): call it
in `_runtime_render` with the values as they are, and drop `_Absent`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment

from journeyc.runtime.policy import Attempt, ContactPolicy
from journeyc.runtime.simulator import Simulator

_MARKER = re.compile("\x00\x01([0-9]+)\x01\x00")


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
        self._policy = ContactPolicy(self.data, self.templates)
        self._simulator = Simulator(build)  # only for the values it gives a customer and a trigger

    def profile_of(self, traits: Mapping[str, Any]) -> dict[str, Any]:
        """A customer's profile as the simulator keeps it: every trait's default, then the customer's traits."""
        return {**self._simulator.defaults, **traits}

    def trigger_of(self, event: str | None, properties: Mapping[str, Any]) -> dict[str, Any]:
        """A trigger event's properties as a run reads them: every declared property, None when left out."""
        if event is None:
            return dict(properties)
        declared = self._simulator.events_plan.get(event, {}).get("properties", ())
        return self._simulator.complete(properties, declared)

    def render(
        self, message: str, profile: Mapping[str, Any], trigger: Mapping[str, Any] | None, offer: str | None
    ) -> Rendered:
        """The message's content for this customer, trigger and offer, or why a preview cannot show it."""
        absent: list[str] = []
        content = self._runtime_render(
            message, _stand_ins(profile, "profile", absent), _stand_ins(trigger or {}, "trigger", absent), offer
        )
        if content is None:
            offer_data = (self.data.get("offers") or {}).get(offer) if offer else None
            offer_values = self._policy._offer_values(offer, offer_data) if offer and offer_data else None
            values = {"profile": dict(profile), "trigger": dict(trigger or {}), "offer": offer_values}
            return Rendered(None, explain_failure(self, message, values))
        for field, value in content.items():
            found = _MARKER.search(value) if isinstance(value, str) else None
            if found is not None:
                name = absent[int(found.group(1))]
                return Rendered(None, f'the "{_field_name(field)}" shows {name}, which has no value here: the '
                                      'customer would read "None" (a default covers it: | default("...", true))')  # fmt: skip
        return Rendered(content, None)

    def _runtime_render(
        self, message: str, profile: Mapping[str, Any], trigger: Mapping[str, Any], offer: str | None
    ) -> dict[str, Any] | None:
        attempt = Attempt(due=0.0, user_id="preview", journey="", step="", channel=None, message=message,
                          offer=offer, arm=None, journey_category=None, trigger=trigger, profile=profile)  # fmt: skip
        return self._policy._render(attempt, None)

    def template_files(self, message: str) -> list[str]:
        return list((self.data.get("messages") or {}).get(message, {}).get("templates", ()))


class _Absent:
    """A value that is None: false in a test, empty in a loop, printed as a marker naming it (see the docstring)."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index

    def __str__(self) -> str:
        return f"\x00\x01{self.index}\x01\x00"

    def __bool__(self) -> bool:
        return False

    def __len__(self) -> int:
        return 0

    def __iter__(self) -> Any:
        return iter(())


def _stand_ins(values: Mapping[str, Any], path: str, absent: list[str]) -> dict[str, Any]:
    """The values with each None (at any depth of objects) replaced by an `_Absent` whose index is in `absent`."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if value is None:
            absent.append(f"{path}.{key}")
            out[key] = _Absent(len(absent) - 1)
        elif isinstance(value, Mapping):
            out[key] = _stand_ins(value, f"{path}.{key}", absent)
        else:
            out[key] = value
    return out


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
        field = path.rsplit("/", 1)[-1].removeprefix(message + ".")
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
