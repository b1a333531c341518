"""Message content against channel limits, and offers against the messages that show them (J501-J508).

Lengths are measured on the template rendered with the longest plausible values (measure.py says which).
Promotional messages must say how to stop them: an email its unsubscribe link (J504), an SMS an opt-out keyword
(J508).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from jinja2 import TemplateSyntaxError, nodes

from journeyc import ir
from journeyc.checks.analysis.measure import Measured, Send, fits_unrendered, measure, stand_ins
from journeyc.checks.analysis.sms import OPT_OUT, characters
from journeyc.checks.analysis.template_places import FilePlacer, InlinePlacer, Placer
from journeyc.checks.analysis.template_trees import parse_template
from journeyc.checks.analysis.walk import sends
from journeyc.checks.context import CheckContext, one
from journeyc.checks.rules.sms_length import check_sms_length
from journeyc.diagnostics import Label

_UNSUBSCRIBE = re.compile(r"unsubscribe", re.I)


def _source(ctx: CheckContext, field: ir.MessageField, file: str) -> tuple[str, Placer] | None:
    """A field's template text and how to place a position in it, or None for an unreadable template file."""
    if field.file is None:
        return (field.text or "", InlinePlacer(field))
    path = posixpath.normpath(posixpath.join(posixpath.dirname(file), field.file.replace("\\", "/")))
    text = ctx.template_texts.get(path)
    return (text, FilePlacer(path)) if text is not None else None


def _kind(ctx: CheckContext, message: ir.Message) -> str | None:
    channel = ctx.project.channels.get(message.channel.name)
    return channel.kind.name if channel is not None and channel.kind is not None else None


def check_messages(ctx: CheckContext) -> None:
    """Every message's content, and every send's offer against its message."""
    files = ctx.resolved.files
    sources = [files[path] for path in sorted(files)]
    found = ctx.grouped("sends", sources, one, lambda source: ctx.unit("sends", source, _sends_in, source))
    by_file = list(zip(sources, found, strict=True))
    every_send = [send for _, found in by_file for send in found]
    sent_by: dict[str, list[Send]] = {}
    for send in every_send:
        sent_by.setdefault(send.step.message.name, []).append(send)
    messages = [(m, path, sent_by.get(m.name, [])) for path in sorted(files) for m in files[path].messages]
    ctx.grouped("message", messages, _message_and_senders,
                lambda item: ctx.unit("message", item, _check_message, ctx, *item))  # fmt: skip
    ctx.grouped("offers", by_file, lambda item: (id(item[0]), id(item[1])),
                lambda item: ctx.unit("offers", item, _check_offers, ctx, item[1]))  # fmt: skip


def _message_and_senders(item: tuple[ir.Message, str, list[Send]]) -> tuple[object, ...]:
    message, path, senders = item
    return (id(message), path, *(id(part) for send in senders for part in (send.journey, send.step)))


def _sends_in(source: ir.SourceFile) -> list[Send]:
    return [Send(journey, step) for journey in source.journeys for step in sends(journey)]


def _check_offers(ctx: CheckContext, found: list[Send]) -> None:
    for send in found:
        _check_offer(ctx, send.step)


def _check_message(ctx: CheckContext, message: ir.Message, file: str, sent_by: list[Send]) -> None:
    kind = _kind(ctx, message)
    if kind in _OPT_OUTS:
        _check_opt_out(ctx, message, file, sent_by, _OPT_OUTS[kind])
    elif kind == "whatsapp":
        _check_whatsapp(ctx, message)
    limits = {
        "sms": {"text": ctx.config.sms_max_segments},
        "push": {"title": ctx.config.push_title_max, "body": ctx.config.push_body_max},
        "email": {"subject": ctx.config.email_subject_max},
    }.get(kind or "", {})
    values: dict[str, object] | None = None
    for field in message.fields:
        if field.name not in limits or (source := _source(ctx, field, file)) is None:
            continue
        if fits_unrendered(ctx, source[0], kind or "", limits[field.name]):
            continue  # short enough whatever the values: no need to render it
        values = values or stand_ins(ctx, message, sent_by)
        measured = measure(ctx, source[0], values)
        if kind == "sms":
            check_sms_length(ctx, message, field, source, measured.text, measured.note)
        else:
            _check_length(ctx, kind or "", message, field, measured, limits[field.name])


def _check_length(
    ctx: CheckContext, kind: str, message: ir.Message, field: ir.MessageField, measured: Measured, limit: int
) -> None:
    length = len(measured.text)
    if length <= limit:
        return
    if kind == "push":
        code, what, where = "J502", f"push {field.name}", "phones show"
    else:
        code, what, where = "J503", "subject", "inboxes show about"
    ctx.report(
        code,
        f'the {what} of "{message.name}" is {length} characters with the longest plausible values; {where} {limit}',
        field.value_span,
        f"{length} characters, {where} {limit}",
        help=f"cut at least {characters(length - limit)}, and put what matters first: the end is cut off",
        notes=(measured.note,) if measured.note else (),
    )


def _promotional(message: ir.Message, sent_by: list[Send]) -> Label | None:
    """Why the message is promotional (its own category, or a promotional journey that sends it); None if not."""
    if message.category is not None:
        if message.category.name != "promotional":
            return None
        return Label(span=message.category.span, message="the message is promotional")
    promotional = [s for s in sent_by if s.journey.category and s.journey.category.name == "promotional"]
    if not promotional:
        return None
    first = promotional[0]
    return Label(span=first.step.span, message=f'sent by the promotional journey "{first.journey.name}"')


@dataclass(frozen=True)
class _OptOut:
    """How a promotional message of a channel kind says how to stop them, and the rule that reports it missing."""

    fields: tuple[str, ...]  # the fields that may say it
    says: re.Pattern[str]
    code: str
    problem: str  # the diagnostic's message, with {name}
    label: str
    help: str
    note: str


_OPT_OUTS = {
    "email": _OptOut(
        ("html", "text"),
        _UNSUBSCRIBE,
        "J504",
        'the promotional email "{name}" has no unsubscribe link',
        "no unsubscribe link in its html or text",
        "add a link such as `Unsubscribe: https://example.com/preferences` to its html and text",
        "marketing email must offer a way to opt out (CAN-SPAM, GDPR, and Gmail and Yahoo sender rules)",
    ),
    "sms": _OptOut(
        ("text",),
        OPT_OUT,
        "J508",
        'the promotional SMS "{name}" does not say how to opt out',
        "no STOP keyword in its text",
        'end the text with "Reply STOP to opt out"',
        "marketing texts must say how to stop them: carriers filter texts that do not (CTIA), and the TCPA requires "
        "the opt-out; the keywords are STOP, QUIT, END, REVOKE, OPT OUT, CANCEL and UNSUBSCRIBE",
    ),
}


def _check_opt_out(ctx: CheckContext, message: ir.Message, file: str, sent_by: list[Send], rule: _OptOut) -> None:
    """J504 (email), J508 (SMS): a promotional message that does not say how to stop them."""
    why = _promotional(message, sent_by)
    if why is None:
        return
    texts = []
    for field in message.fields:
        if field.name in rule.fields:
            source = _source(ctx, field, file)
            if source is None:
                return  # an unreadable template file is J207's; what it holds is unknown
            texts.append(source[0])
    if any(rule.says.search(text) for text in texts):
        return
    ctx.report(
        rule.code,
        rule.problem.format(name=message.name),
        message.name_span or message.span,
        rule.label,
        help=rule.help,
        labels=(why,),
        notes=(rule.note,),
    )


def _check_whatsapp(ctx: CheckContext, message: ir.Message) -> None:
    template = next((f for f in message.fields if f.name == "template"), None)
    note = ("outside the 24-hour service window, WhatsApp delivers only templates it has approved",)
    if template is None:
        ctx.report(
            "J505",
            f'the WhatsApp message "{message.name}" names no approved template',
            message.name_span or message.span,
            "no `template` field",
            help='add `template "order_update"` with the name of a template approved in WhatsApp Business Manager',
            notes=note,
        )
    elif template.file is not None or "{{" in (template.text or "") or "{%" in (template.text or ""):
        ctx.report(
            "J505",
            f'the WhatsApp template of "{message.name}" is not the name of an approved template',
            template.value_span,
            "computed text, not a template name",
            help='write the approved template\'s name as it is (e.g. "order_update"); pass the values that change '
            'with `parameter "{{ ... }}"`',
            notes=note,
        )


def _check_offer(ctx: CheckContext, step: ir.SendStep) -> None:
    message = ctx.project.messages.get(step.message.name)
    if message is None:
        return
    uses = ctx.offer_uses.get(message.name, [])
    if step.offer is None and uses and (shown := _unguarded_offer_read(ctx, message)) is not None:
        ctx.report(
            "J506",
            f'"{message.name}" shows an offer, but this send gives it none',
            step.span,
            "sent without an offer",
            help="add `with offer` and an offer's name to this send, or remove the offer from the message",
            labels=(Label(span=shown, message="reads the offer here"),),
        )
    elif step.offer is not None and not uses and _readable(ctx, message):
        ctx.report(
            "J507",
            f'the offer {step.offer.name} is sent with "{message.name}", which never shows it',
            step.offer.span,
            "the customer never sees this offer",
            help=f"show it in the message, e.g. `Your code: {{{{ offer.code }}}}`, or remove `with offer {step.offer.name}`",
            labels=(Label(span=message.name_span or message.span, message="reads no offer.* field"),),
        )


def _readable(ctx: CheckContext, message: ir.Message) -> bool:
    """Whether every template of the message was read and parsed, so no offer use can have been missed."""
    for field in message.fields:
        source = _source(ctx, field, message.span.file)
        if source is None:
            return False
        try:
            parse_template(ctx, source[0])
        except TemplateSyntaxError:
            return False
    return True


def _unguarded_offer_read(ctx: CheckContext, message: ir.Message) -> ir.Span | None:
    """Where the message first shows the offer without checking it has one (`{% if offer %}` guards it).

    Found once per message (`message` is the project's message of its name), for every send of it.
    """
    found = ctx.shared.unguarded_offer_spans
    if message.name not in found:
        found[message.name] = _first_unguarded_span(ctx, message)
    return found[message.name]


def _first_unguarded_span(ctx: CheckContext, message: ir.Message) -> ir.Span | None:
    for field in message.fields:
        source = _source(ctx, field, message.span.file)
        if source is None or "offer" not in source[0]:
            continue
        found = _first_unguarded_read(ctx, source[0])
        if found is not None:
            lineno, attr = found
            lines = source[0].split("\n")
            line = lines[lineno - 1] if 0 < lineno <= len(lines) else ""
            return source[1].span(lineno, line, f"offer.{attr}")
    return None


def _first_unguarded_read(ctx: CheckContext, template: str) -> tuple[int, str] | None:
    """(line, attribute) of the template's first unguarded `offer.x`, once per distinct text."""
    cache = ctx.shared.unguarded_offer_reads
    if template not in cache:
        try:
            node = _first_unguarded(parse_template(ctx, template), guarded=False)
        except TemplateSyntaxError:
            node = None
        cache[template] = (node.lineno, node.attr) if node is not None else None
    return cache[template]


def _first_unguarded(node: nodes.Node, guarded: bool) -> nodes.Getattr | None:
    if isinstance(node, nodes.Getattr) and isinstance(node.node, nodes.Name) and node.node.name == "offer":
        return None if guarded else node
    if isinstance(node, nodes.If | nodes.CondExpr) and node.test is not None:
        test = node.test
        checks = any(n.name == "offer" for n in [test, *test.find_all(nodes.Name)] if isinstance(n, nodes.Name))
        shown = node.body if isinstance(node, nodes.If) else [node.expr1]
        rest = [*node.elif_, *node.else_] if isinstance(node, nodes.If) else [node.expr2]
        pairs = [(child, guarded or checks) for child in shown] + [(child, guarded) for child in rest if child]
    else:
        pairs = [(child, guarded) for child in node.iter_child_nodes()]
    for child, inner in pairs:
        found = _first_unguarded(child, inner)
        if found is not None:
            return found
    return None
