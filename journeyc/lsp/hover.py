"""What the language server shows on hover: a declaration in the project's own words (graph/words.py)."""

from __future__ import annotations

from journeyc import ir
from journeyc.checks.analysis.walk import sends
from journeyc.graph import words
from journeyc.lsp.index import Occurrence, Symbol
from journeyc.lsp.preview import preview
from journeyc.pipeline import CheckResult


def hover_text(result: CheckResult, occurrence: Occurrence) -> str | None:
    """Markdown for a name: what it is, in the project's words; a message rendered with sample values."""
    symbol = occurrence.symbol
    project = result.project
    kind, name = symbol.kind, symbol.name
    if kind == "event" and name in project.events:
        return _event(project.events[name])
    if kind == "property":
        return _property(project, symbol)
    if kind == "trait":
        trait = project.profile.trait(name) if project.profile else None
        return _described(f"trait `profile.{name}`", trait) if trait else None
    if kind == "segment" and name in project.segments:
        return _segment(project.segments[name])
    if kind == "offer" and name in project.offers:
        return _offer(project.offers[name])
    if kind == "message" and name in project.messages:
        message = project.messages[name]
        journey, send = _send_at(project, occurrence)
        head = _titled(f"message `{name}` on {message.channel.name}", None, message.description)
        category = f"\n\ncategory: {message.category.name}" if message.category else ""
        return f"{head}{category}\n\n{preview(result, message, send, journey)}"
    if kind == "channel" and name in project.channels:
        return _channel(project.channels[name])
    if kind == "journey" and name in project.journeys:
        return _journey(project.journeys[name])
    if kind in ("team", "category"):
        decl = (project.teams if kind == "team" else project.categories).get(name)
        return _titled(f"{kind} `{name}`", decl.title, None) if decl else None
    if kind == "shape" and name in project.shapes:
        return f"shape `{name}`\n\n{_properties(project.shapes[name].type.fields)}"
    return None


def _titled(head: str, title: str | None, description: str | None) -> str:
    parts = [f"**{head}**" + (f" — {title}" if title else "")]
    if description:
        parts.append(description)
    return "\n\n".join(parts)


def _where(span: ir.Span) -> str:
    return f"declared in {span.file}:{span.line}"


def _type(prop: ir.Property) -> str:
    extra = []
    if prop.optional:
        extra.append("optional")
    if prop.default is not None:
        extra.append(f"default {words.literal(prop.default)}")
    return ", ".join([ir.describe_type(prop.type), *extra])


def _properties(props: tuple[ir.Property, ...]) -> str:
    if not props:
        return "no properties"
    rows = ["| property | type | description |", "|---|---|---|"]
    rows += [f"| `{p.name}` | {_type(p)} | {_cell(p.description or '')} |" for p in props]
    return "\n".join(rows)


def _cell(text: str) -> str:
    """Text inside a Markdown table cell: a `|` would end the cell, a line break the row."""
    return text.replace("|", "\\|").replace("\n", " ")


def _event(event: ir.Event) -> str:
    head = _titled(f"event {words.quoted(event.name)}", None, event.description)
    return f"{head}\n\n{_properties(event.properties)}\n\n{_where(event.span)}"


def _described(head: str, prop: ir.Property) -> str:
    body = f"**{head}**: {_type(prop)}"
    if prop.description:
        body += f"\n\n{prop.description}"
    return f"{body}\n\n{_where(prop.span)}"


def _property(project: ir.Project, symbol: Symbol) -> str | None:
    if symbol.owner is None:
        return None
    kind, owner = symbol.owner
    if kind == "event":
        event = project.events.get(owner)
        prop = event.property(symbol.name) if event else None
        where = f"of event {words.quoted(owner)}"
    else:
        shape = project.shapes.get(owner)
        prop = shape.type.field(symbol.name) if shape else None
        where = f"of shape `{owner}`"
    return _described(f"property `{symbol.name}` {where}", prop) if prop else None


def _segment(segment: ir.Segment) -> str:
    head = _titled(f"segment `{segment.name}`", segment.title, segment.description)
    return f"{head}\n\n```journey\n{words.condition(segment.condition)}\n```\n\n{_where(segment.span)}"


def _offer(offer: ir.Offer) -> str:
    lines = [_titled(f"offer `{offer.name}`", offer.title, offer.description)]
    if offer.code is not None:
        lines.append(f"code: `{offer.code}`")
    if offer.value is not None:
        lines.append(f"value: {words.offer_value(offer.value)}")
    if offer.valid_for is not None:
        lines.append(f"valid for {words.duration(offer.valid_for)}")
    if offer.valid_until is not None:
        lines.append(f"valid until {offer.valid_until}")
    return "\n\n".join([*lines, _where(offer.span)])


def _channel(channel: ir.Channel) -> str:
    lines = [_titled(f"channel `{channel.name}`", None, channel.description)]
    for label, value in (("kind", channel.kind), ("owner", channel.owner), ("address", channel.address),
                         ("consent", channel.consent)):  # fmt: skip
        if value is not None:
            lines.append(f"{label}: {value.name}")
    if channel.shared_with:
        lines.append(f"shared with {words.names(channel.shared_with)}")
    return "\n\n".join([*lines, _where(channel.span)])


def _journey(journey: ir.Journey) -> str:
    lines = [_titled(f"journey `{journey.name}`", journey.title, journey.description)]
    if journey.owner is not None:
        lines.append(f"owner: {journey.owner.name}")
    if journey.trigger is not None:
        lines.append(f"trigger {words.trigger(journey.trigger)}")
    if journey.goal is not None:
        lines.append(words.goal(journey.goal))
    return "\n\n".join([*lines, _where(journey.span)])


def _send_at(project: ir.Project, occurrence: Occurrence) -> tuple[ir.Journey | None, ir.SendStep | None]:
    """The journey and the send step a message name is written in (None for the message's declaration)."""
    span = occurrence.span
    for journey in project.journeys.values():
        if journey.span.file != span.file:
            continue
        for step in sends(journey):
            if step.message.span == span:
                return journey, step
    return None, None
