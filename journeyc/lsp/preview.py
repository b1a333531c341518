"""A message rendered with sample values, for the language server's hover: the site's sample customer and the
runtime's one renderer (site/samples.py, site/render_adapter.py), over a build of that message alone."""

from __future__ import annotations

import dataclasses

from journeyc import ir
from journeyc.build import build_outputs, build_problems
from journeyc.checks.analysis.walk import sends
from journeyc.emit.pyliteral import UnsafeValueError
from journeyc.pipeline import CheckResult
from journeyc.site.render_adapter import RuntimeRenderer
from journeyc.site.samples import sample_customer

SHOWN_FIELD = 400  # characters of a field shown in a hover; the rest is cut


def preview(result: CheckResult, message: ir.Message, send: ir.SendStep | None, journey: ir.Journey | None) -> str:
    """Markdown: the message's fields rendered for the sample customer, or why it cannot be shown.

    `journey` gives the trigger event (else the first journey that sends the message), `send` the offer."""
    project = result.project
    if journey is None or send is None:
        journey, send = _first_sender(project, message.name)
    offer = send.offer.name if send is not None and send.offer is not None else None
    alone = project.model_copy(update={"journeys": {}, "messages": {message.name: message}})
    single = dataclasses.replace(result, resolved=dataclasses.replace(result.resolved, project=alone))
    problems = build_problems(single)
    if problems:
        return "*no preview:* " + "; ".join(problems)
    try:
        renderer = RuntimeRenderer(build_outputs(single))
    except (UnsafeValueError, ValueError) as error:
        return f"*no preview:* {error}"
    event = journey.trigger.event if journey and isinstance(journey.trigger, ir.EventTrigger) else None
    customer = sample_customer(project, event, renderer)
    rendered = renderer.render(message.name, customer.profile, customer.trigger, offer)
    who = "the sample customer" + (f', trigger "{event}"' if event else "") + (f", offer {offer}" if offer else "")
    if rendered.content is None:
        return f"*no preview for {who}:* {rendered.failure}"
    lines = [f"*Preview for {who}:*", ""]
    order = {field.name: n for n, field in enumerate(message.fields)}
    for name, value in sorted(rendered.content.items(), key=lambda item: (order.get(item[0], len(order)), item[0])):
        if value is None:
            continue
        text = value if isinstance(value, str) else str(value)
        if name == "html":
            lines += [f"**{name}**: {len(text):,} characters of HTML", ""]
            continue
        shown = text if len(text) <= SHOWN_FIELD else text[:SHOWN_FIELD] + "…"
        lines += [f"**{name}**", "```text", shown.replace("```", "`\u200b``"), "```"]
    return "\n".join(lines)


def _first_sender(project: ir.Project, message: str) -> tuple[ir.Journey | None, ir.SendStep | None]:
    for journey in project.journeys.values():
        for step in sends(journey):
            if step.message.name == message:
                return journey, step
    return None, None
