"""A message template measured: rendered with the longest plausible values, or bounded without rendering.

The length checks of messages.py (J501-J503) measure a template rendered with the longest plausible values.
Every `profile.x`, `trigger.x` and `offer.x` a template reads stands for a value of this length (in characters):

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
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache as cache_once
from functools import partial

from jinja2 import ChainableUndefined, TemplateSyntaxError, nodes

from journeyc import ir
from journeyc.checks.analysis.length_bound import surely_fits
from journeyc.checks.analysis.sms import is_gsm
from journeyc.checks.analysis.template_trees import parse_template, plain_template, template_nodes
from journeyc.checks.context import CheckContext
from journeyc.runtime.durations import UNITS
from journeyc.runtime.plain_templates import ROOTS, PlainTemplate, Read, Test
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
_SAFE_FILTERS: tuple[str, ...] = (
    "default",
    "d",
    "upper",
    "lower",
    "title",
    "capitalize",
    "trim",
    "striptags",
    "escape",
    "e",
)
_SAFE_FILTERS += ("string", "int", "float", "round", "abs", "first", "last", "length", "count", "truncate", "safe")


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


MEASURING = MessageSandbox(undefined=_Undefined)  # the runtime's sandbox: a None value is missing, as it is there
MEASURING.filters = {name: MEASURING.filters[name] for name in _SAFE_FILTERS}
MEASURING.globals.clear()
Render = Callable[[dict[str, object]], str]
_STAND_IN = "(a stand-in)"  # a key no template can read: a plain root given as a dict is never empty, so true


class StandIn:
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

        return StandIn(field_value)
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
        "valid_days": [o.valid_for.seconds // UNITS["day"] for o in offers if o.valid_for],
    }
    return _longest(values.get(attr, []), "x" * (OFFER_CODE if attr == "code" else STRING))


@dataclass
class Send:
    journey: ir.Journey
    step: ir.SendStep


def _trait_value(ctx: CheckContext, attr: str) -> object:
    profile = ctx.project.profile
    found = profile.trait(attr) if profile is not None else None
    return _value(ctx, attr, found.type if found else None)


def _shown_trait(ctx: CheckContext, attr: str) -> str | None:
    """What `{{ profile.<attr> }}` shows when measured, once per run; None when it is not a plain value."""
    cache = ctx.shared.shown_traits
    if attr not in cache:
        value = _trait_value(ctx, attr)
        cache[attr] = str(value) if isinstance(value, str | int | float) else None  # bool is an int
    return cache[attr]


def stand_ins(ctx: CheckContext, message: ir.Message, sent_by: list[Send]) -> dict[str, object]:
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
        "profile": StandIn(lambda attr: _trait_value(ctx, attr)),
        "trigger": StandIn(trigger),
        "offer": StandIn(lambda attr: _offer_value(offers, attr)),
    }


@dataclass(frozen=True)
class Measured:
    text: str
    note: str | None  # how the placeholders were measured, for the diagnostic


def _compiled(ctx: CheckContext, template: str) -> tuple[Render, tuple[tuple[str, str], ...]] | None:
    """How to render the template for measuring, and the `root.attr` it reads, once per run (texts repeat); None
    when it is not safe to render. A plain template is rendered without compiling it."""
    cache = ctx.shared.measuring_renders
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
            compiled = cache_once(lambda template=template: MEASURING.from_string(template).render)
            cache[template] = (partial(render_plain, plain, compiled), reads)
        else:
            cache[template] = (MEASURING.from_string(template).render, reads)
    return cache[template]


def render_plain(plain: PlainTemplate, compiled: Callable[[], Render], stand_ins: dict[str, object]) -> str:
    """A plain template measured: its reads given as dicts of their stand-ins (the `compiled` template's render
    when that is not enough)."""
    values: dict[str, dict[str, object]] = {root: {_STAND_IN: True} for root in ROOTS}
    reads: list[Read | Test] = [*plain.reads(), *plain.tests()]
    for read in reads:
        if read.attr is not None:
            values[read.root][read.attr] = getattr(stand_ins[read.root], read.attr)
    text = plain.render(values, str)
    return text if text is not None else compiled()(stand_ins)


def measure(ctx: CheckContext, template: str, stand_ins: dict[str, object]) -> Measured:
    """The template rendered with the longest plausible values (or its text with 20 characters a placeholder)."""
    if "{" not in template:
        return Measured(template, None)
    try:
        compiled = _compiled(ctx, template)
        if compiled is not None:
            text = compiled[0](stand_ins)
            return Measured(text, _stand_in_note(compiled[1], stand_ins))
    except Exception:  # a user's template may fail in any way; the plain text measure below still applies
        pass
    return Measured(
        _placeholders_counted(template),
        f"this template could not be rendered with stand-in values, so each {{{{ ... }}}} counts {STRING} characters",
    )


def _placeholders_counted(template: str) -> str:
    """The template's text with each `{{ ... }}` as 20 characters, `{% ... %}` and `{# ... #}` left out (as written
    when Jinja2's lexer cannot read it)."""
    try:
        spans = syntax_spans(template, MEASURING)
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


def fits_unrendered(ctx: CheckContext, template: str, kind: str, limit: int) -> bool:
    """`surely_fits` with this run's widths of values, once per distinct template, kind and limit (texts repeat)."""
    decided = ctx.shared.surely_fits
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


def _structured_properties(ctx: CheckContext) -> frozenset[str]:
    """The names of event properties that are a list or an object in some event of the project."""
    if ctx.shared.structured_properties is None:
        ctx.shared.structured_properties = frozenset(
            p.name
            for event in ctx.project.events.values()
            for p in event.properties
            if isinstance(ctx.expand(p.type), ir.ListType | ir.ObjectType)
        )
    return ctx.shared.structured_properties


def _plain_texts(ctx: CheckContext) -> list[str]:
    """Every text a stand-in can take from the project itself: choice values, trait defaults, offer texts."""
    texts: list[str] = []
    every = [
        *(e.properties for e in ctx.project.events.values()),
        *(s.type.fields for s in ctx.project.shapes.values()),
    ]
    for props in every:
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
    if ctx.shared.longest_stand_in is None:
        ctx.shared.longest_stand_in = max([*_plain_texts(ctx), "x" * LINK], key=len)
    return ctx.shared.longest_stand_in


def _stand_ins_gsm(ctx: CheckContext) -> bool:
    """Whether every stand-in value is GSM-7 text (the made-up ones are: letters x and digits)."""
    if ctx.shared.stand_ins_gsm is None:
        ctx.shared.stand_ins_gsm = all(is_gsm(char) for text in _plain_texts(ctx) for char in text)
    return ctx.shared.stand_ins_gsm
