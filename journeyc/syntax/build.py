"""Parse tree -> per-file IR (`SourceFile`): declarations, journeys and their steps.

Settings are collected as tagged tuples and checked here for what one block alone can tell (a setting given
twice, a required one missing); everything that needs other files waits for `resolve`.
"""

from __future__ import annotations

from typing import Any

from lark import Token
from lark.tree import Meta

from journeyc import ir
from journeyc.diagnostics import Label
from journeyc.syntax.build_expr import BuildBase
from journeyc.syntax.values import decode_text, parse_date

Setting = tuple[str, Any, ir.Span]

_ONCE_ONLY = {"description", "owner", "category", "stage", "trigger", "audience", "goal", "kind", "address", "consent"}
_ONCE_ONLY |= {"code", "value", "valid", "shared", "priority", "title"}
_SETTING_WORDS = {"valid": "validity (valid for / valid until)", "shared": "shared with"}


def _tagged_name(kind: str) -> Any:
    """A rule handler for `keyword NAME` settings such as `owner growth`: (kind, Name, span)."""

    def rule(self: FileBuilder, meta: Meta, children: list[Any]) -> Setting:
        return (kind, self.name(children[-1]), self.span(meta))

    return rule


_CURRENCY_WORDS = {"dollar": "USD", "dollars": "USD", "euro": "EUR", "euros": "EUR", "pound": "GBP", "pounds": "GBP"}


def _currency_hint(unit: str) -> str:
    code = _CURRENCY_WORDS.get(unit.lower()) or (unit.upper() if len(unit) == 3 and unit.isalpha() else None)
    if code:
        return f"write the currency as its code: `value 5 {code} off`"
    return "write `value 10% off` or `value 5 USD off`"


class FileBuilder(BuildBase):
    """Turns one file's parse tree into a `SourceFile`. Diagnostics accumulate in `self.diagnostics`."""

    # ------------------------------------------------------------ helpers
    def settings(self, items: list[Any], what: str) -> dict[str, Setting]:
        """Index tagged settings by kind, reporting those given twice."""
        seen: dict[str, Setting] = {}
        for item in items:
            if not isinstance(item, tuple):
                continue
            kind, _, span = item
            if kind in seen and kind in _ONCE_ONLY:
                first = seen[kind][2]
                self.report(
                    "J117",
                    f"{what} has more than one {_SETTING_WORDS.get(kind, kind.replace('_', ' '))}",
                    span,
                    "given again here",
                    help="keep one of them",
                    labels=(Label(span=first, message="first given here"),),
                )
                continue
            seen.setdefault(kind, item)
        return seen

    def require(self, settings: dict[str, Setting], kind: str, what: str, span: ir.Span, example: str) -> None:
        if kind not in settings:
            header = span
            if span.end_line != span.line:
                header = ir.Span(
                    file=span.file, line=span.line, column=span.column, end_line=span.line, end_column=span.column + 1
                )
            self.report(
                "J116", f"{what} has no {kind}", header, f"{kind} missing", help=f"add a line such as `{example}`"
            )

    def value(self, settings: dict[str, Setting], kind: str) -> Any:
        item = settings.get(kind)
        return item[1] if item else None

    # ------------------------------------------------------------ file
    def start(self, meta: Meta, children: list[Any]) -> dict[str, list[Any]]:
        groups: dict[str, list[Any]] = {}
        for kind, node in children:
            groups.setdefault(kind, []).append(node)
        return groups

    def import_decl(self, meta: Meta, children: list[Token]) -> tuple[str, ir.Import]:
        target = children[1]
        is_stdlib = target.type == "NAME"
        value = str(target) if is_stdlib else decode_text(target).value
        return ("imports", ir.Import(target=value, is_stdlib=is_stdlib, span=self.span(meta)))

    def team_decl(self, meta: Meta, children: list[Any]) -> tuple[str, ir.Team]:
        title = children[2].value if len(children) > 2 else None
        return (
            "teams",
            ir.Team(name=str(children[1]), title=title, span=self.span(meta), name_span=self.span(children[1])),
        )

    def category_decl(self, meta: Meta, children: list[Any]) -> tuple[str, ir.Category]:
        title = children[2].value if len(children) > 2 else None
        return (
            "categories",
            ir.Category(name=str(children[1]), title=title, span=self.span(meta), name_span=self.span(children[1])),
        )

    # ------------------------------------------------------------ tracking plan and profile
    def event_decl(self, meta: Meta, children: list[Any]) -> tuple[str, ir.Event]:
        items = children[3:-1] if len(children) > 2 else []
        settings = self.settings(items, "this event")
        props = self.unique_properties([c for c in items if isinstance(c, ir.Property)], "event")
        return (
            "events",
            ir.Event(
                name=decode_text(children[1]).value,
                description=self.value(settings, "description"),
                properties=props,
                span=self.span(meta),
                name_span=self.span(children[1]),
            ),
        )

    def unique_properties(self, props: list[ir.Property], owner: str) -> tuple[ir.Property, ...]:
        seen: dict[str, ir.Property] = {}
        for prop in props:
            if prop.name in seen:
                self.report(
                    "J101",
                    f'the {owner} has two properties named "{prop.name}"',
                    prop.span,
                    "declared again here",
                    help=f"the first is at line {seen[prop.name].span.line}; remove or rename one",
                )
                continue
            seen[prop.name] = prop
        return tuple(seen.values())

    def shape_decl(self, meta: Meta, children: list[Any]) -> tuple[str, ir.Shape]:
        props = self.unique_properties([c for c in children if isinstance(c, ir.Property)], "shape")
        return (
            "shapes",
            ir.Shape(
                name=str(children[1]),
                type=ir.ObjectType(fields=props),
                span=self.span(meta),
                name_span=self.span(children[1]),
            ),
        )

    def profile_decl(self, meta: Meta, children: list[Any]) -> tuple[str, ir.Profile]:
        items = children[2:-1]
        settings = self.settings(items, "the profile")
        traits = self.unique_properties([c for c in items if isinstance(c, ir.Property)], "profile")
        return (
            "profiles",
            ir.Profile(description=self.value(settings, "description"), traits=traits, span=self.span(meta)),
        )

    def property(self, meta: Meta, children: list[Any]) -> ir.Property:
        optional, default, description, default_span = False, None, None, None
        for suffix in children[2:]:
            if suffix == "optional":
                optional = True
            elif isinstance(suffix, ir.Const):
                default, default_span = suffix.value, suffix.span
            else:
                description = suffix.value
        return ir.Property(
            name=str(children[0]),
            type=children[1],
            optional=optional,
            default=default,
            description=description,
            span=self.span(meta),
            default_span=default_span,
        )

    def optional_mark(self, meta: Meta, children: list[Token]) -> str:
        return "optional"

    def default_value(self, meta: Meta, children: list[Any]) -> ir.Const:
        return children[1]

    def named_type(self, meta: Meta, children: list[Token]) -> Any:
        name = str(children[0])
        if name in ir.types.SCALAR_TYPES:
            return ir.ScalarType(name=name)
        return ir.ShapeRef(name=name, span=self.span(meta))

    def list_type(self, meta: Meta, children: list[Any]) -> ir.ListType:
        return ir.ListType(item=children[2])

    def enum_type(self, meta: Meta, children: list[Token]) -> ir.EnumType:
        return ir.EnumType(values=tuple(decode_text(t).value for t in children if t.type == "STRING"))

    def object_type(self, meta: Meta, children: list[Any]) -> ir.ObjectType:
        props = self.unique_properties([c for c in children if isinstance(c, ir.Property)], "object")
        return ir.ObjectType(fields=props)

    # ------------------------------------------------------------ channels
    def channel_decl(self, meta: Meta, children: list[Any]) -> tuple[str, ir.Channel]:
        span = self.span(meta)
        head = self.span(children[1]).model_copy(update={"line": span.line, "column": span.column})
        settings = self.settings(children[3:-1], f'channel "{children[1]}"')
        self.require(settings, "kind", f'channel "{children[1]}"', head, "kind email")
        return (
            "channels",
            ir.Channel(
                name=str(children[1]),
                kind=self.value(settings, "kind"),
                owner=self.value(settings, "owner"),
                shared_with=tuple(self.value(settings, "shared") or ()),
                address=self.value(settings, "address"),
                consent=self.value(settings, "consent"),
                description=self.value(settings, "description"),
                span=span,
                name_span=self.span(children[1]),
            ),
        )

    channel_kind = _tagged_name("kind")
    channel_owner = _tagged_name("owner")
    channel_address = _tagged_name("address")
    channel_consent = _tagged_name("consent")
    owner = _tagged_name("owner")
    journey_category = _tagged_name("category")
    message_category = _tagged_name("category")

    def channel_shared(self, meta: Meta, children: list[Any]) -> Setting:
        return ("shared", children[2], self.span(meta))

    # ------------------------------------------------------------ segments and offers
    def segment_decl(self, meta: Meta, children: list[Any]) -> tuple[str, ir.Segment]:
        title = next((c.value for c in children[2:] if hasattr(c, "raw")), None)
        description = next((c[1] for c in children if isinstance(c, tuple)), None)
        condition = children[-2]
        return (
            "segments",
            ir.Segment(
                name=str(children[1]),
                title=title,
                description=description,
                condition=condition,
                span=self.span(meta),
                name_span=self.span(children[1]),
            ),
        )

    def offer_decl(self, meta: Meta, children: list[Any]) -> tuple[str, ir.Offer]:
        span = self.span(meta)
        title = children[2].value if hasattr(children[2], "raw") else None
        settings = self.settings([c for c in children if isinstance(c, tuple)], f'offer "{children[1]}"')
        head = self.span(children[1]).model_copy(update={"line": span.line, "column": span.column})
        self.require(settings, "code", f'offer "{children[1]}"', head, f'code "{children[1]}"')
        self.require(settings, "value", f'offer "{children[1]}"', head, "value 10% off")
        valid = self.value(settings, "valid")
        return (
            "offers",
            ir.Offer(
                name=str(children[1]),
                title=title,
                code=self.value(settings, "code"),
                value=self.value(settings, "value"),
                valid_for=valid if isinstance(valid, ir.Duration) else None,
                valid_until=valid if isinstance(valid, str) else None,
                description=self.value(settings, "description"),
                span=span,
                name_span=self.span(children[1]),
            ),
        )

    def offer_code(self, meta: Meta, children: list[Token]) -> Setting:
        return ("code", decode_text(children[1]).value, self.span(meta))

    def offer_value(self, meta: Meta, children: list[Token]) -> Setting:
        span = self.span(meta)
        number = self.number(children[1])
        amount = float(number or 0)
        unit_token = children[2]
        if unit_token.type in ("PERCENT", "PERCENT_SIGN"):
            unit = "percent"
            if number is not None and not 0 < amount <= 100:
                self.report("J309", f"an offer of {children[1]}% is not between 0 and 100 percent", span)
        else:
            unit = str(unit_token)
            if not (len(unit) == 3 and unit.isalpha() and unit.isupper()):
                self.report(
                    "J309",
                    f'"{unit}" is neither "percent" nor a currency code',
                    self.span(unit_token),
                    "expected percent, % or a currency such as USD",
                    help=_currency_hint(unit),
                )
        return ("value", ir.OfferValue(amount=amount, unit=unit, span=span), span)

    def offer_valid_for(self, meta: Meta, children: list[Any]) -> Setting:
        return ("valid", children[2], self.span(meta))

    def offer_valid_until(self, meta: Meta, children: list[Token]) -> Setting:
        if parse_date(str(children[2])) is None:
            self.report(
                "J308", f'"{children[2]}" is not a date', self.span(children[2]), help="write dates as 2026-12-31"
            )
        return ("valid", str(children[2]), self.span(meta))

    # ------------------------------------------------------------ messages
    def message_decl(self, meta: Meta, children: list[Any]) -> tuple[str, ir.Message]:
        items = children[5:-1]
        settings = self.settings([c for c in items if isinstance(c, tuple)], f'message "{children[1]}"')
        return (
            "messages",
            ir.Message(
                name=str(children[1]),
                channel=self.name(children[3]),
                category=self.value(settings, "category"),
                description=self.value(settings, "description"),
                fields=tuple(c for c in items if isinstance(c, ir.MessageField)),
                span=self.span(meta),
                name_span=self.span(children[1]),
            ),
        )

    def message_field(self, meta: Meta, children: list[Any]) -> ir.MessageField:
        text = children[1]
        return ir.MessageField(
            name=str(children[0]),
            text=text.value,
            span=self.span(meta),
            value_span=self.span(text.token),
            value_line=text.content_line + self.line_offset,
            value_column=text.content_column,
            raw=text.raw,
        )

    def message_file_field(self, meta: Meta, children: list[Token]) -> ir.MessageField:
        assert children[2].line is not None and children[2].column is not None  # Lark's lexers place every token
        return ir.MessageField(
            name=str(children[0]),
            file=decode_text(children[2]).value,
            span=self.span(meta),
            value_span=self.span(children[2]),
            value_line=children[2].line + self.line_offset,
            value_column=children[2].column + 1,
            raw=False,
        )

    # ------------------------------------------------------------ contact policy
    def policy_decl(self, meta: Meta, children: list[Any]) -> tuple[str, ir.Policy]:
        title = children[1].value if hasattr(children[1], "raw") else None
        items = [c for c in children if isinstance(c, tuple)]
        settings = self.settings(items, "the contact policy")

        def every(kind: str) -> tuple[Any, ...]:
            return tuple(value for k, value, _ in items if k == kind)

        return (
            "policies",
            ir.Policy(
                title=title,
                description=self.value(settings, "description"),
                priority=tuple(self.value(settings, "priority") or ()),
                caps=every("cap"),
                quiet_hours=every("quiet_hours"),
                suppressions=every("suppression"),
                exemptions=every("exemption"),
                span=self.span(meta),
            ),
        )

    def priority(self, meta: Meta, children: list[Any]) -> Setting:
        return ("priority", children[1], self.span(meta))

    def cap(self, meta: Meta, children: list[Any]) -> Setting:
        span = self.span(meta)
        limit = self.number(children[1])
        if limit is None:
            limit = 1
        elif not isinstance(limit, int):
            self.report("J305", f"a limit of {children[1]} messages is not a whole number", self.span(children[1]))
            limit = int(limit)
        categories = tuple(n for kind, names in children[5:] if kind == "for" for n in names)
        channels = tuple(n for kind, names in children[5:] if kind == "on" for n in names)
        cap = ir.Cap(limit=limit, window=children[4], categories=categories, channels=channels, span=span)
        return ("cap", cap, span)

    def cap_categories(self, meta: Meta, children: list[Any]) -> tuple[str, list[ir.Name]]:
        return ("for", children[1])

    def cap_channels(self, meta: Meta, children: list[Any]) -> tuple[str, list[ir.Name]]:
        return ("on", children[1])

    def quiet_channels(self, meta: Meta, children: list[Any]) -> list[ir.Name]:
        return children[1]

    def quiet_hours(self, meta: Meta, children: list[Any]) -> Setting:
        span = self.span(meta)
        channels = next((c for c in children if isinstance(c, list)), [])
        action = "defer" if children[-1].type == "DEFER" else "drop"
        quiet = ir.QuietHours(
            start=self.time_of_day(children[2]),
            end=self.time_of_day(children[4]),
            channels=tuple(channels),
            action=action,
            span=span,
        )
        return ("quiet_hours", quiet, span)

    def suppression(self, meta: Meta, children: list[Any]) -> Setting:
        span = self.span(meta)
        suppression = ir.Suppression(
            categories=tuple(children[1]),
            duration=children[3],
            event=decode_text(children[5]).value,
            event_span=self.span(children[5]),
            where=children[6] if len(children) > 6 else None,
            span=span,
        )
        return ("suppression", suppression, span)

    def exemption(self, meta: Meta, children: list[Any]) -> Setting:
        span = self.span(meta)
        rules = tuple(c for c in children[3:] if isinstance(c, str) and not isinstance(c, Token))
        return ("exemption", ir.Exemption(categories=tuple(children[1]), rules=rules, span=span), span)

    def exempt_item(self, meta: Meta, children: list[Token]) -> str:
        return {"CAPS": "caps", "QUIET": "quiet_hours", "SUPPRESSION": "suppression", "CONSENT": "consent"}[
            children[0].type
        ]
