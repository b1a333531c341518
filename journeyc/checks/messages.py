"""Message content against channel limits, and offers against the messages that show them (J501-J507).

Lengths are measured on the template rendered with the longest plausible values. Every `profile.x`,
`trigger.x` and `offer.x` a template reads stands for a value of this length (in characters):

| what the template reads                                  | stand-in                                        |
|----------------------------------------------------------|-------------------------------------------------|
| a text (string, timezone), or a property of unknown type | 20                                              |
| `first_name`, `last_name`                                | 12                                              |
| a link: `url`, `link`, or a name ending in `_url`/`_link` | 60                                              |
| a number or an integer                                   | 8                                               |
| a datetime                                               | 25                                              |
| a true/false                                             | 5 (`False`)                                     |
| `one of "a", "b"`                                        | the longest choice                              |
| a list                                                   | one item                                        |
| `offer.code` (other offer fields alike)                  | the longest among the offers sent with it (10)  |

A `trigger.x` takes the longest stand-in among the trigger events of the journeys that send the message.
Templates that render cannot loop or call anything here: a template with a loop, a macro, a call, an assignment
or a filter outside a short safe list (or any that fails to render) is measured as its text with every
`{{ ... }}` counted as 20 characters and every `{% ... %}` left out. Plain templates (runtime/plain_templates.py)
are rendered without compiling them, and most are proven short enough without rendering (length_bound.py).

J508: a promotional SMS must say how to stop them.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from jinja2 import ChainableUndefined, TemplateSyntaxError, nodes

from journeyc import ir
from journeyc.checks.context import CheckContext
from journeyc.checks.length_bound import surely_fits
from journeyc.checks.sms import characters, check_sms_length, check_sms_opt_out, is_gsm
from journeyc.checks.templates import (
    ROOTS,
    _FilePlacer,
    _InlinePlacer,
    parse_template,
    plain_template,
    template_nodes,
)
from journeyc.checks.walk import sends
from journeyc.diagnostics import Label
from journeyc.runtime.plain_templates import PlainTemplate
from journeyc.runtime.sandbox import MessageSandbox
from journeyc.runtime.template_spans import syntax_spans

STRING, NAME, LINK, NUMBER, DATETIME, OFFER_CODE = 20, 12, 60, 8, 25, 10
_SAFE_NODES = (
    *(nodes.Output, nodes.TemplateData, nodes.If, nodes.Name, nodes.Const, nodes.Getattr, nodes.Getitem),
    *(nodes.Slice, nodes.Filter, nodes.Test, nodes.Compare, nodes.Operand, nodes.CondExpr, nodes.Keyword),
    *(nodes.And, nodes.Or, nodes.Not, nodes.Neg, nodes.Pos, nodes.Concat, nodes.Add, nodes.Sub, nodes.Div),
    *(nodes.FloorDiv, nodes.Tuple, nodes.List),
)
# Filters whose output is no longer than a small multiple of their input: nothing a template writes can blow up.
_SAFE_FILTERS = ("default", "d", "upper", "lower", "title", "capitalize", "trim", "striptags", "escape", "e")
_SAFE_FILTERS += ("string", "int", "float", "round", "abs", "first", "last", "length", "count", "truncate", "safe")
_UNSUBSCRIBE = re.compile(r"unsubscribe", re.I)


def _text_length(name: str) -> int:
    if name in ("first_name", "last_name"):
        return NAME
    if name in ("url", "link") or name.endswith(("_url", "_link")):
        return LINK
    return STRING


class _Undefined(ChainableUndefined):
    """A root a template may not read (reported by J206): measured as a text of its name's length."""

    def __str__(self) -> str:
        return "x" * _text_length(self._undefined_name or "")


_ENV = MessageSandbox(undefined=_Undefined)  # the runtime's sandbox: a None value is missing, as it is there
_ENV.filters = {name: _ENV.filters[name] for name in _SAFE_FILTERS}
_ENV.globals.clear()
Render = Callable[[dict[str, object]], str]
_STAND_IN = "(a stand-in)"  # a key no template can read: a plain root given as a dict is never empty, so true


class _StandIn:
    """`profile`, `trigger`, `offer` or an object property: every attribute is its longest plausible value."""

    def __init__(self, value_of: Callable[[str], object]) -> None:
        self._value_of = value_of

    def __getattr__(self, name: str) -> object:
        if name.startswith("_"):
            raise AttributeError(name)
        return self._value_of(name)

    def __getitem__(self, name: object) -> object:
        return self._value_of(str(name))

    def __str__(self) -> str:
        return "x" * STRING


def _value(ctx: CheckContext, name: str, type_: ir.TypeRef | None) -> object:
    type_ = ctx.expand(type_) if type_ is not None else None
    if isinstance(type_, ir.ScalarType) and type_.name in ("number", "integer"):
        return float("9" * (NUMBER - 3) + ".99") if type_.name == "number" else int("9" * NUMBER)
    if isinstance(type_, ir.ScalarType) and type_.name in ("boolean", "datetime"):
        return False if type_.name == "boolean" else "x" * DATETIME
    if isinstance(type_, ir.EnumType) and type_.values:
        return max(type_.values, key=len)
    if isinstance(type_, ir.ListType):
        return [_value(ctx, name, type_.item)]
    if isinstance(type_, ir.ObjectType):
        fields = type_

        def field_value(attr: str) -> object:
            field = fields.field(attr)
            return _value(ctx, attr, field.type if field else None)

        return _StandIn(field_value)
    return "x" * _text_length(name)


def _longest(values: list[object], default: object) -> object:
    return max(values, key=lambda v: len(str(v))) if values else default


def _offer_value(offers: list[ir.Offer], attr: str) -> object:
    values: dict[str, list[object]] = {
        "code": [o.code or o.name for o in offers],
        "name": [o.name for o in offers],
        "title": [o.title for o in offers if o.title],
        "description": [o.description for o in offers if o.description],
        "value": [f"{o.value.amount:g}" for o in offers if o.value],
        "unit": [o.value.unit for o in offers if o.value],
        "valid_until": [o.valid_until for o in offers if o.valid_until],
        "valid_days": [o.valid_for.seconds // 86400 for o in offers if o.valid_for],
    }
    return _longest(values.get(attr, []), "x" * (OFFER_CODE if attr == "code" else STRING))


@dataclass
class _Send:
    journey: ir.Journey
    step: ir.SendStep


def _trait_value(ctx: CheckContext, attr: str) -> object:
    profile = ctx.project.profile
    found = profile.trait(attr) if profile is not None else None
    return _value(ctx, attr, found.type if found else None)


def _shown_trait(ctx: CheckContext, attr: str) -> str | None:
    """What `{{ profile.<attr> }}` shows when measured, once per run; None when it is not a plain value."""
    cache: dict[str, str | None] = ctx.memo.setdefault("shown traits", {})  # type: ignore[assignment]
    if attr not in cache:
        value = _trait_value(ctx, attr)
        cache[attr] = str(value) if isinstance(value, str | int | float) else None  # bool is an int
    return cache[attr]


def _stand_ins(ctx: CheckContext, message: ir.Message, sent_by: list[_Send]) -> dict[str, object]:
    events = [
        event
        for send in sent_by
        if isinstance(send.journey.trigger, ir.EventTrigger)
        and (event := ctx.project.events.get(send.journey.trigger.event)) is not None
    ]
    names = [send.step.offer.name for send in sent_by if send.step.offer is not None]
    offers = [ctx.project.offers[n] for n in dict.fromkeys(names) if n in ctx.project.offers]

    def trigger(attr: str) -> object:
        found = [p.type for event in events if (p := event.property(attr)) is not None]
        return _longest([_value(ctx, attr, t) for t in found], _value(ctx, attr, None))

    return {
        "profile": _StandIn(lambda attr: _trait_value(ctx, attr)),
        "trigger": _StandIn(trigger),
        "offer": _StandIn(lambda attr: _offer_value(offers, attr)),
    }


@dataclass(frozen=True)
class _Measured:
    text: str
    note: str | None  # how the placeholders were measured, for the diagnostic


def _compiled(ctx: CheckContext, template: str) -> tuple[Render, tuple[tuple[str, str], ...]] | None:
    """How to render the template for measuring, and the `root.attr` it reads, once per run (texts repeat); None
    when it is not safe to render. A plain template is rendered without compiling it."""
    cache: dict[str, object] = ctx.memo.setdefault("compiled templates", {})  # type: ignore[assignment]
    if template not in cache:
        tree = parse_template(ctx, template)
        every = template_nodes(ctx, template, tree)
        safe = all(isinstance(node, _SAFE_NODES) for node in every)
        reads = tuple(
            (n.node.name, n.attr)
            for n in every
            if isinstance(n, nodes.Getattr) and isinstance(n.node, nodes.Name) and n.node.name in ROOTS
        )
        plain = plain_template(ctx, template)
        if not safe:
            cache[template] = None
        elif plain is not None:
            cache[template] = (partial(_render_plain, plain, template), reads)
        else:
            cache[template] = (_ENV.from_string(template).render, reads)
    return cache[template]  # type: ignore[return-value]


def _render_plain(plain: PlainTemplate, template: str, stand_ins: dict[str, object]) -> str:
    """A plain template measured: its reads given as dicts of their stand-ins (Jinja2 when that is not enough)."""
    values: dict[str, dict[str, object]] = {root: {_STAND_IN: True} for root in ROOTS}
    for read in (*plain.reads(), *plain.tests()):
        if read.attr is not None:
            values[read.root][read.attr] = getattr(stand_ins[read.root], read.attr)
    text = plain.render(values, str)
    return text if text is not None else _ENV.from_string(template).render(stand_ins)


def _measure(ctx: CheckContext, template: str, stand_ins: dict[str, object]) -> _Measured:
    """The template rendered with the longest plausible values (or its text with 20 characters a placeholder)."""
    if "{" not in template:
        return _Measured(template, None)
    try:
        compiled = _compiled(ctx, template)
        if compiled is not None:
            text = compiled[0](stand_ins)
            return _Measured(text, _stand_in_note(compiled[1], stand_ins))
    except Exception:  # a user's template may fail in any way; the plain text measure below still applies
        pass
    return _Measured(
        _placeholders_counted(template),
        f"this template could not be rendered with stand-in values, so each {{{{ ... }}}} counts {STRING} characters",
    )


def _placeholders_counted(template: str) -> str:
    """The template's text with each `{{ ... }}` as 20 characters, `{% ... %}` and `{# ... #}` left out (as written
    when Jinja2's lexer cannot read it)."""
    try:
        spans = syntax_spans(template, _ENV)
    except TemplateSyntaxError:
        return template
    parts, previous = [], 0
    for span in spans:
        parts += [template[previous : span.start], "x" * STRING if span.kind == "expression" else ""]
        previous = span.end
    parts.append(template[previous:])
    return "".join(parts)


def _stand_in_note(reads: tuple[tuple[str, str], ...], stand_ins: dict[str, object]) -> str | None:
    values = {f"{root}.{attr}": getattr(stand_ins[root], attr) for root, attr in reads}
    lengths = {f"{read} as {len(str(v))}": None for read, v in values.items() if isinstance(v, str | int | float)}
    return "measured with " + ", ".join(lengths) + " characters" if lengths else None


def _source(ctx: CheckContext, field: ir.MessageField, file: str) -> tuple[str, _InlinePlacer | _FilePlacer] | None:
    """A field's template text and how to place a position in it, or None for an unreadable template file."""
    if field.file is None:
        return (field.text or "", _InlinePlacer(field))
    path = posixpath.normpath(posixpath.join(posixpath.dirname(file), field.file.replace("\\", "/")))
    text = ctx.template_texts.get(path)
    return (text, _FilePlacer(path)) if text is not None else None


def _kind(ctx: CheckContext, message: ir.Message) -> str | None:
    channel = ctx.project.channels.get(message.channel.name)
    return channel.kind.name if channel is not None and channel.kind is not None else None


def check_messages(ctx: CheckContext) -> None:
    """Every message's content, and every send's offer against its message."""
    files = ctx.resolved.files
    every_send = [
        _Send(journey, step) for path in sorted(files) for journey in files[path].journeys for step in sends(journey)
    ]
    sent_by: dict[str, list[_Send]] = {}
    for send in every_send:
        sent_by.setdefault(send.step.message.name, []).append(send)
    for path in sorted(files):
        for message in files[path].messages:
            _check_message(ctx, message, path, sent_by.get(message.name, []))
    for send in every_send:
        _check_offer(ctx, send.step)


def _check_message(ctx: CheckContext, message: ir.Message, file: str, sent_by: list[_Send]) -> None:
    kind = _kind(ctx, message)
    if kind == "email":
        _check_unsubscribe(ctx, message, file, sent_by)
    elif kind == "sms" and (why := _promotional(message, sent_by)) is not None:
        sources = [_source(ctx, f, file) for f in message.fields if f.name == "text"]
        if None not in sources:  # (an unreadable template file is J207's: what it says is unknown)
            check_sms_opt_out(ctx, message, [source[0] for source in sources if source is not None], why)
    elif kind == "whatsapp":
        _check_whatsapp(ctx, message)
    limits = {
        "sms": {"text": ctx.config.sms_max_segments},
        "push": {"title": ctx.config.push_title_max, "body": ctx.config.push_body_max},
        "email": {"subject": ctx.config.email_subject_max},
    }.get(kind or "", {})
    stand_ins: dict[str, object] | None = None
    for field in message.fields:
        if field.name not in limits or (source := _source(ctx, field, file)) is None:
            continue
        if _surely_fits(ctx, source[0], kind or "", limits[field.name]):
            continue  # short enough whatever the values: no need to render it
        stand_ins = stand_ins or _stand_ins(ctx, message, sent_by)
        measured = _measure(ctx, source[0], stand_ins)
        if kind == "sms":
            check_sms_length(ctx, message, field, source, measured.text, measured.note)
        else:
            _check_length(ctx, kind or "", message, field, measured, limits[field.name])


def _surely_fits(ctx: CheckContext, template: str, kind: str, limit: int) -> bool:
    """`surely_fits` with this run's widths of values, once per distinct template, kind and limit (texts repeat)."""
    decided: dict[tuple[str, str, int], bool] = ctx.memo.setdefault("surely fits", {})  # type: ignore[assignment]
    key = (template, kind, limit)
    if key not in decided:
        plain = plain_template(ctx, template)
        decided[key] = plain is not None and surely_fits(
            plain, kind, limit, partial(_read_width, ctx), _stand_ins_gsm(ctx)
        )
    return decided[key]


def _read_width(ctx: CheckContext, root: str, attr: str) -> int | None:
    """The most characters `{{ root.attr }}` can show when measured; None when its stand-in is not a plain value
    (a list or an object shows as Python writes it)."""
    if root == "profile":
        shown = _shown_trait(ctx, attr)
        return None if shown is None else len(shown)
    if root == "trigger" and attr in _structured_properties(ctx):
        return None
    return len(_longest_text(ctx))  # offer texts and amounts, plain trigger properties


def _structured_properties(ctx: CheckContext) -> set[str]:
    """The names of event properties that are a list or an object in some event of the project."""
    if "structured properties" not in ctx.memo:
        ctx.memo["structured properties"] = {
            p.name
            for event in ctx.project.events.values()
            for p in event.properties
            if isinstance(ctx.expand(p.type), ir.ListType | ir.ObjectType)
        }
    return ctx.memo["structured properties"]  # type: ignore[return-value]


def _plain_texts(ctx: CheckContext) -> list[str]:
    """Every text a stand-in can take from the project itself: choice values, trait defaults, offer texts."""
    texts: list[str] = []
    for prop_owner in (*ctx.project.events.values(), *ctx.project.shapes.values()):
        props = prop_owner.properties if isinstance(prop_owner, ir.Event) else prop_owner.type.fields
        texts += [v for p in props if isinstance(p.type, ir.EnumType) for v in p.type.values]
    if ctx.project.profile is not None:
        traits = ctx.project.profile.traits
        texts += [v for p in traits if isinstance(p.type, ir.EnumType) for v in p.type.values]
        texts += [str(p.default) for p in traits if p.default is not None]
    for offer in ctx.project.offers.values():
        texts += [t for t in (offer.code, offer.title, offer.description, offer.valid_until) if t]
    return texts


def _longest_text(ctx: CheckContext) -> str:
    """An upper bound for any plain stand-in value: a link, or the longest text of the project."""
    if "longest value" not in ctx.memo:
        ctx.memo["longest value"] = max([*_plain_texts(ctx), "x" * LINK], key=len)
    return ctx.memo["longest value"]  # type: ignore[return-value]


def _stand_ins_gsm(ctx: CheckContext) -> bool:
    """Whether every stand-in value is GSM-7 text (the made-up ones are: letters x and digits)."""
    if "stand-ins gsm" not in ctx.memo:
        ctx.memo["stand-ins gsm"] = all(is_gsm(char) for text in _plain_texts(ctx) for char in text)
    return bool(ctx.memo["stand-ins gsm"])


def _check_length(
    ctx: CheckContext, kind: str, message: ir.Message, field: ir.MessageField, measured: _Measured, limit: int
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


def _promotional(message: ir.Message, sent_by: list[_Send]) -> Label | None:
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


def _check_unsubscribe(ctx: CheckContext, message: ir.Message, file: str, sent_by: list[_Send]) -> None:
    why = _promotional(message, sent_by)
    if why is None:
        return
    texts = []
    for field in message.fields:
        if field.name in ("html", "text"):
            source = _source(ctx, field, file)
            if source is None:
                return  # an unreadable template file is J207's; what it holds is unknown
            texts.append(source[0])
    if any(_UNSUBSCRIBE.search(text) for text in texts):
        return
    ctx.report(
        "J504",
        f'the promotional email "{message.name}" has no unsubscribe link',
        message.name_span or message.span,
        "no unsubscribe link in its html or text",
        help="add a link such as `Unsubscribe: https://example.com/preferences` to its html and text",
        labels=(why,),
        notes=("marketing email must offer a way to opt out (CAN-SPAM, GDPR, and Gmail and Yahoo sender rules)",),
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
    found: dict[str, ir.Span | None] = ctx.memo.setdefault("unguarded offer spans", {})  # type: ignore[assignment]
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
    cache: dict[str, tuple[int, str] | None] = ctx.memo.setdefault("unguarded offer reads", {})  # type: ignore[assignment]
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
