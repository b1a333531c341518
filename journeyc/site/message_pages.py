"""A page per message: what it is, who sends it, and its content rendered for sample customers.

Each journey step that sends the message is a context (its journey's trigger event, its offer). For each context the
message is rendered by the runtime's own renderer (render_adapter.py) for the journey tests' customers and for a
sample profile (samples.py). An email shows its subject and preheader, and its HTML in a sandboxed iframe at desktop
and phone widths; an SMS its segments and encoding (checks/analysis/sms.py, as J501 counts them); a push message looks like a
phone's notification. A template that cannot render for a customer says why, in place of that preview.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from journeyc import ir
from journeyc.checks.analysis.sms import LIMITS, SmsSize, sms_size
from journeyc.checks.analysis.walk import sends
from journeyc.graph import words
from journeyc.pipeline import CheckResult
from journeyc.site.names import page_of
from journeyc.site.remote import without_remote_content
from journeyc.site.render import Nav, diagnostics_text, render_page, source_lines, touches
from journeyc.site.render_adapter import RuntimeRenderer
from journeyc.site.samples import JourneyTestFile, SampleCustomer, customers_for, sample_customer
from journeyc.site.uses import Ref, Use

# Fields each kind of channel shows in its own place; other fields are listed under the preview.
EMAIL_HEADERS = ("subject", "preheader", "from_name", "reply_to")


@dataclass(frozen=True)
class Context:
    """A step that sends the message: the journey, the offer it sends with, and where it is written."""

    journey: str | None
    offer: str | None
    line: int | None
    send: str  # the step as written


@dataclass(frozen=True)
class Sms:
    size: SmsSize
    limit: int  # characters in the segments it takes


@dataclass(frozen=True)
class Preview:
    customer: SampleCustomer
    content: Mapping[str, Any] | None  # None: it cannot render (see `failure`)
    failure: str | None
    fields: list[tuple[str, str]]  # the content fields that have a value, as text (not the html)
    sms: Sms | None
    email_html: str | None = None  # the html with nothing remote (remote.py), for the sandboxed iframe
    remote: tuple[str, ...] = ()  # the remote images and stylesheets it left out


@dataclass(frozen=True)
class ContextPreviews:
    context: Context
    previews: list[Preview]


def contexts(project: ir.Project, message: str) -> list[Context]:
    """The distinct (journey, offer) pairs the message is sent with, in journey and source order."""
    found: dict[tuple[str, str | None], Context] = {}
    for name, journey in project.journeys.items():
        for step in sends(journey):
            if step.message.name != message:
                continue
            offer = step.offer.name if step.offer else None
            declared = project.messages.get(message)
            headline = words.send(step, declared.channel.name if declared else None)
            found.setdefault((name, offer), Context(name, offer, step.span.line, headline))
    return list(found.values())


def previews_for(
    result: CheckResult,
    renderer: RuntimeRenderer,
    message: ir.Message,
    tests: list[JourneyTestFile],
) -> list[ContextPreviews]:
    project = result.project
    kind = channel_kind(project, message)
    groups = []
    for context in contexts(project, message.name) or [Context(None, None, None, "no journey sends it")]:
        journey = project.journeys.get(context.journey or "")
        if journey is not None:
            customers = customers_for(project, journey, tests, renderer)
        else:
            customers = [sample_customer(project, None, renderer)]
        previews = [preview(renderer, message.name, kind, customer, context.offer) for customer in customers]
        groups.append(ContextPreviews(context, previews))
    return groups


def preview(
    renderer: RuntimeRenderer, message: str, kind: str | None, customer: SampleCustomer, offer: str | None
) -> Preview:
    rendered = renderer.render(message, customer.profile, customer.trigger, offer)
    content = rendered.content
    if content is None:
        return Preview(customer, None, rendered.failure, [], None)
    fields = [(name, shown(value)) for name, value in content.items() if value is not None and name != "html"]
    sms = None
    if kind == "sms" and isinstance(content.get("text"), str):
        size = sms_size(content["text"])
        single, per_segment = LIMITS[size.encoding]
        sms = Sms(size, single if size.segments == 1 else per_segment * size.segments)
    if kind == "email" and isinstance(content.get("html"), str):
        html, remote = without_remote_content(content["html"])
        return Preview(customer, content, None, fields, sms, html, tuple(remote))
    return Preview(customer, content, None, fields, sms)


def shown(value: Any) -> str:
    """A content value as the preview prints it (a list of WhatsApp parameters one per line)."""
    if isinstance(value, list):
        return "\n".join(shown(item) for item in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def channel_kind(project: ir.Project, message: ir.Message) -> str | None:
    channel = project.channels.get(message.channel.name)
    return channel.kind.name if channel and channel.kind else None


def message_page(
    result: CheckResult,
    message: ir.Message,
    renderer: RuntimeRenderer,
    uses: dict[Ref, list[Use]],
    tests: list[JourneyTestFile],
    nav: Nav,
) -> bytes:
    project = result.project
    problems = [d for d in result.diagnostics if touches(d, message.span)]
    senders = sorted({u.user.name for u in uses.get(("message", message.name), []) if u.user.kind == "journey"})
    return render_page(
        "message.html.j2",
        page_of("message", message.name).path,
        nav,
        f"Message {message.name}",
        message=message,
        kind=channel_kind(project, message),
        channel_url=page_of("channel", message.channel.name).url if message.channel.name in project.channels else None,
        senders=[(name, page_of("journey", name).url) for name in senders],
        groups=previews_for(result, renderer, message, tests),
        offers={name: page_of("offer", name).url for name in project.offers},
        journeys={name: page_of("journey", name).url for name in project.journeys},
        source=source_lines(result.sources, message.span),
        problems=diagnostics_text(problems, result.sources),
        headers=EMAIL_HEADERS,
    )


def messages_index(result: CheckResult, uses: dict[Ref, list[Use]], nav: Nav) -> bytes:
    project = result.project
    rows = []
    for name, message in project.messages.items():
        senders = sorted({u.user.name for u in uses.get(("message", name), []) if u.user.kind == "journey"})
        rows.append({
            "name": name,
            "url": page_of("message", name).url,
            "channel": message.channel.name,
            "kind": channel_kind(project, message),
            "category": message.category.name if message.category else None,
            "description": message.description,
            "senders": [(s, page_of("journey", s).url) for s in senders],
        })  # fmt: skip
    return render_page("messages.html.j2", "messages.html", nav, "Messages", rows=rows)
