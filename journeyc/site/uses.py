"""Where each declaration is used: for every event, trait, segment, offer, channel, message, team and category, the
journeys, messages, segments, channels and policy rules that refer to it, each with its source line.

One walk over the IR: every reference is either a `Name` in a field whose meaning the table `_NAME_FIELDS` gives
(`SendStep.offer` is an offer, `Channel.address` a trait), an event name (`_EVENT_FIELDS`), or something a
condition reads (`profile.<trait>`, `in segment x`, behaviours over events). Message templates add the traits they
read as `profile.<trait>`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from jinja2 import TemplateSyntaxError, nodes
from pydantic import BaseModel

from journeyc import ir
from journeyc.checks.analysis.template_trees import template_env

# (model, field) -> the kind of thing a `Name` (or tuple of them) there refers to.
_NAME_FIELDS: dict[tuple[type[BaseModel], str], str] = {
    (ir.Journey, "owner"): "team",
    (ir.Journey, "category"): "category",
    (ir.SegmentTrigger, "segment"): "segment",
    (ir.SendStep, "message"): "message",
    (ir.SendStep, "channel"): "channel",
    (ir.SendStep, "offer"): "offer",
    (ir.Message, "channel"): "channel",
    (ir.Message, "category"): "category",
    (ir.Channel, "owner"): "team",
    (ir.Channel, "shared_with"): "team",
    (ir.Channel, "address"): "trait",
    (ir.Channel, "consent"): "trait",
    (ir.Policy, "priority"): "category",
    (ir.Cap, "categories"): "category",
    (ir.Cap, "channels"): "channel",
    (ir.QuietHours, "channels"): "channel",
    (ir.Suppression, "categories"): "category",
    (ir.Exemption, "categories"): "category",
}
# Models whose `event` field names an event of the tracking plan.
_EVENT_FIELDS = (ir.EventTrigger, ir.Goal, ir.ExitEvent, ir.WaitForStep, ir.Suppression, ir.Behaviour, ir.LastValue)
# What each model is called where the site says how something is used.
_HOW = {
    ir.EventTrigger: "trigger",
    ir.SegmentTrigger: "trigger",
    ir.Goal: "goal",
    ir.ExitEvent: "exit",
    ir.WaitForStep: "wait for",
    ir.SendStep: "send",
    ir.Suppression: "suppression",
    ir.Cap: "cap",
    ir.QuietHours: "quiet hours",
    ir.Exemption: "exemption",
    ir.Policy: "priority",
    ir.Channel: "channel",
    ir.Message: "message",
    ir.Journey: "journey",
    ir.Segment: "segment",
    ir.IfStep: "branch",
}


@dataclass(frozen=True)
class User:
    """A declaration that uses something: `kind` is journey, message, segment, channel or policy."""

    kind: str
    name: str


@dataclass(frozen=True)
class Use:
    user: User
    how: str  # "trigger", "send", "audience", "template", "address", ...
    span: ir.Span


Ref = tuple[str, str]  # (kind of the thing used, its name)


def where_used(project: ir.Project, templates: Mapping[str, bytes]) -> dict[Ref, list[Use]]:
    """Every reference in the project, by what it refers to; each list in source order without repeats.

    `templates`: the build's files (`templates/<channel>/<message>.<ext>`), whose `profile.<trait>` reads count as
    uses of those traits by the message.
    """
    found: dict[Ref, dict[Use, None]] = {}
    roots: list[tuple[User, BaseModel]] = [(User("journey", n), j) for n, j in project.journeys.items()]
    roots += [(User("message", n), m) for n, m in project.messages.items()]
    roots += [(User("segment", n), s) for n, s in project.segments.items()]
    roots += [(User("channel", n), c) for n, c in project.channels.items()]
    if project.policy is not None:
        roots.append((User("policy", "contact policy"), project.policy))
    for user, root in roots:
        for ref, use in _references(user, root):
            found.setdefault(ref, {})[use] = None
    for path, body in sorted(templates.items()):
        if not path.startswith("templates/"):
            continue
        name = path.split("/")[2].split(".")[0]
        message = project.messages.get(name)
        if message is None:
            continue
        for trait in sorted(_template_traits(path, body.decode("utf-8", "replace"))):
            found.setdefault(("trait", trait), {})[Use(User("message", name), "template", message.span)] = None
    return {ref: sorted(uses, key=lambda u: (u.span.sort_key(), u.user.kind, u.user.name, u.how))
            for ref, uses in sorted(found.items())}  # fmt: skip


def _references(user: User, root: BaseModel) -> Iterator[tuple[Ref, Use]]:
    """The references below `root`, each with the innermost model that has a span as where it is written."""
    pending: list[tuple[BaseModel, str, ir.Span | None]] = [(root, _HOW.get(type(root), "use"), None)]
    while pending:
        model, how, outer = pending.pop()
        span = getattr(model, "span", None)
        span = span if isinstance(span, ir.Span) else outer
        how = _HOW.get(type(model), how)
        assert span is not None
        if isinstance(model, _EVENT_FIELDS):
            yield ("event", model.event), Use(user, how, span)
        if isinstance(model, ir.InSegment):
            yield ("segment", model.segment), Use(user, how, span)
        if isinstance(model, ir.Path) and len(model.parts) > 1 and model.parts[0] == "profile":
            yield ("trait", model.parts[1]), Use(user, how, span)
        for field in type(model).model_fields:
            value = getattr(model, field)
            kind = _NAME_FIELDS.get((type(model), field))
            items = value if isinstance(value, tuple) else (value,)
            for item in items:
                if isinstance(item, ir.Name) and kind is not None:
                    yield (kind, item.name), Use(user, _how_of(how, kind, field), item.span)
                elif isinstance(item, BaseModel) and not isinstance(item, ir.Span | ir.Name):
                    pending.append((item, _field_how(how, field), span))


def _how_of(how: str, kind: str, field: str) -> str:
    """A declaration's own settings are named by the setting (`owner`, `consent`); a step's by the step."""
    if field == "shared_with":
        return "shared with"
    if how in ("journey", "message", "channel") or field in ("address", "consent", "owner"):
        return field
    return how


def _field_how(how: str, field: str) -> str:
    """Conditions are named by the setting they are in: a journey's audience, a branch's test, a filter."""
    return {"audience": "audience", "condition": "condition", "where": f"{how} filter"}.get(field, how)


def _template_traits(path: str, text: str) -> set[str]:
    """The traits a built template file reads as `profile.<trait>` (in a JSON file, in each of its strings)."""
    texts = [text]
    if path.endswith(".json"):
        try:
            texts = [value for value in _strings(json.loads(text))]
        except ValueError:
            return set()
    traits: set[str] = set()
    for item in texts:
        if "profile" not in item:
            continue
        try:
            tree = template_env().parse(item)
        except TemplateSyntaxError:
            continue
        for node in tree.find_all(nodes.Getattr):
            if isinstance(node.node, nodes.Name) and node.node.name == "profile":
                traits.add(node.attr)
    return traits


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
