"""Checks of the declarations journeys rely on: property types, the profile, channels, messages, the policy."""

from __future__ import annotations

import zoneinfo

from journeyc import ir
from journeyc.checks.context import CheckContext, did_you_mean
from journeyc.checks.rules.expressions import Scope, check_condition, family
from journeyc.checks.rules.templates import check_message_templates
from journeyc.runtime.profile import TIME_ZONE_TRAIT
from journeyc.runtime.zones import zone_named

# Fields each channel kind accepts, and which are required (a tuple inside means "one of these").
CHANNEL_FIELDS: dict[str, tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]] = {
    "email": (("subject", "preheader", "html", "text", "from_name", "reply_to"), (("subject",), ("html", "text"))),
    "sms": (("text",), (("text",),)),
    "push": (("title", "body", "link", "image"), (("title",), ("body",))),
    "in_app": (("title", "body", "button", "link", "image"), (("body",),)),
    "whatsapp": (("template", "language", "parameter"), (("template",),)),
    "webhook": (("url", "method", "body"), (("url",),)),
}
REPEATABLE_FIELDS = {"parameter"}


def check_types(ctx: CheckContext, props: tuple[ir.Property, ...], file: str) -> None:
    """Shape names used in property types exist and are visible from the declaring file."""
    for prop in props:
        _check_type(ctx, prop.type, file)
        check_default(ctx, prop)


def _check_type(ctx: CheckContext, t: ir.TypeRef, file: str) -> None:
    if isinstance(t, ir.ShapeRef):
        if t.name in ir.types.SCALAR_TYPES:
            return
        if ctx.resolved.symbols.entries.get("shape", {}).get(
            t.name
        ) is None and not ctx.resolved.symbols.unimported.get("shape", {}).get(t.name):
            hint = did_you_mean(t.name, [*ir.types.SCALAR_TYPES, *ctx.project.shapes])
            ctx.error(
                "J110",
                f'unknown type "{t.name}"',
                t.span,
                "neither a built-in type nor a shape",
                help=hint or "types are string, number, integer, boolean, datetime, timezone, one of ..., list of ...",
            )
            return
        ctx.lookup("shape", t.name, file, t.span)
    elif isinstance(t, ir.ListType):
        _check_type(ctx, t.item, file)
    elif isinstance(t, ir.ObjectType):
        check_types(ctx, t.fields, file)


def check_profile(ctx: CheckContext, profile: ir.Profile, file: str) -> None:
    check_types(ctx, profile.traits, file)
    check_time_zone_trait(ctx, profile)


def check_time_zone_trait(ctx: CheckContext, profile: ir.Profile) -> None:
    """Local times (quiet hours, `wait until`, schedules) read the customer's time zone from the trait named
    `timezone`: a time zone trait by another name is never read, and a `timezone` trait of another type is never
    checked as a time zone."""
    for trait in profile.traits:
        t = ctx.expand(trait.type)
        is_zone = isinstance(t, ir.ScalarType) and t.name == "timezone"
        if trait.name == TIME_ZONE_TRAIT and not is_zone:
            ctx.report(
                "J313",
                f'the trait "{trait.name}" is {ir.describe_type(trait.type)}, not a time zone',
                trait.span,
                "local times read this trait as the customer's time zone",
                help='declare it as `timezone timezone default "America/New_York"` (your usual zone)',
            )
        elif is_zone and trait.name != TIME_ZONE_TRAIT:
            has_one = any(other.name == TIME_ZONE_TRAIT for other in profile.traits)
            ctx.report(
                "J313",
                f'the time zone trait "{trait.name}" is not the one local times read',
                trait.span,
                'quiet hours, `wait until` and schedules read the trait named "timezone"',
                help=None if has_one else f'rename "{trait.name}" to "timezone"',
            )


def check_default(ctx: CheckContext, prop: ir.Property) -> None:
    if prop.default is None:
        return
    t = ctx.expand(prop.type)
    value = prop.default
    where = prop.default_span or prop.span
    want = family(t)
    got = "boolean" if isinstance(value, bool) else "number" if isinstance(value, (int, float)) else "string"
    if want in ("list", "object", "datetime") or (want is not None and want != got):
        ctx.error(
            "J211",
            f'the default of "{prop.name}" does not fit its type {ir.describe_type(prop.type)}',
            where,
            "default of the wrong kind",
        )
        return
    if isinstance(t, ir.EnumType) and value not in t.values:
        ctx.error(
            "J204",
            f'the default "{value}" of "{prop.name}" is not one of its values',
            where,
            "not a declared value",
            help=did_you_mean(str(value), t.values),
        )
    if isinstance(t, ir.ScalarType) and t.name == "integer" and isinstance(value, float):
        ctx.error("J211", f'the default of "{prop.name}" must be a whole number', where)
    if isinstance(t, ir.ScalarType) and t.name == "timezone" and isinstance(value, str):
        check_timezone(ctx, value, where)


def check_timezone(ctx: CheckContext, name: str, span: ir.Span) -> None:
    if zone_named(name) is None:  # (a folder of the database such as "America", or a name too long, is none)
        hint = did_you_mean(name, sorted(zoneinfo.available_timezones())) if len(name) <= 64 else None
        ctx.error(
            "J303",
            f'"{name if len(name) <= 64 else name[:60] + "..."}" is not a time zone',
            span,
            "not in the IANA time zone database",
            help=hint or 'use an IANA name such as "America/New_York" or "Europe/Paris"',
        )


def check_channel(ctx: CheckContext, channel: ir.Channel, file: str) -> None:
    if channel.kind is not None and channel.kind.name not in ir.CHANNEL_KINDS:
        ctx.error(
            "J307",
            f'"{channel.kind.name}" is not a channel kind',
            channel.kind.span,
            "unknown kind",
            help=did_you_mean(channel.kind.name, ir.CHANNEL_KINDS) or "kinds are " + ", ".join(ir.CHANNEL_KINDS),
        )
    for team in (channel.owner, *channel.shared_with):
        if team is not None:
            ctx.lookup("team", team.name, file, team.span)
    for trait_name, wanted in ((channel.address, "string"), (channel.consent, "boolean")):
        if trait_name is None:
            continue
        profile = ctx.project.profile
        trait = profile.trait(trait_name.name) if profile else None
        if trait is None:
            names = [t.name for t in profile.traits] if profile else []
            ctx.error(
                "J103",
                f'the profile has no trait "{trait_name.name}"',
                trait_name.span,
                "unknown trait",
                help=did_you_mean(trait_name.name, names),
            )
        elif family(ctx.expand(trait.type)) != wanted:
            role = "an address" if wanted == "string" else "a consent flag"
            ctx.error(
                "J213",
                f'"{trait_name.name}" is {ir.describe_type(trait.type)}, so it cannot be {role}',
                trait_name.span,
                f"{role} must be {'text' if wanted == 'string' else 'true/false'}",
            )


def check_message(ctx: CheckContext, message: ir.Message, file: str) -> None:
    channel = ctx.lookup("channel", message.channel.name, file, message.channel.span)
    if message.category is not None:
        ctx.lookup("category", message.category.name, file, message.category.span)
    check_message_templates(ctx, message, file)
    if channel is None or channel.kind is None or channel.kind.name not in CHANNEL_FIELDS:
        return
    kind = channel.kind.name
    allowed, required = CHANNEL_FIELDS[kind]
    seen: set[str] = set()
    for field in message.fields:
        if field.name not in allowed:
            ctx.error(
                "J208",
                f'{kind} messages have no field "{field.name}"',
                field.span,
                "not a field of this channel kind",
                help=did_you_mean(field.name, allowed) or f"{kind} fields are: " + ", ".join(allowed),
            )
        elif field.name in seen and field.name not in REPEATABLE_FIELDS:
            ctx.error("J117", f'the field "{field.name}" is given twice', field.span, "given again here")
        seen.add(field.name)
    for options in required:
        if not seen.intersection(options):
            wanted = " or ".join(f'"{o}"' for o in options)
            ctx.error(
                "J209",
                f'{kind} message "{message.name}" has no {wanted}',
                message.span,
                "missing field",
                help=f'add e.g. `{options[0]} "..."`',
            )


def check_policy(ctx: CheckContext, policy: ir.Policy, file: str) -> None:
    for name in policy.priority:
        ctx.lookup("category", name.name, file, name.span)
    for cap in policy.caps:
        for name in cap.categories:
            ctx.lookup("category", name.name, file, name.span)
        for name in cap.channels:
            ctx.lookup("channel", name.name, file, name.span)
    for quiet in policy.quiet_hours:
        for name in quiet.channels:
            ctx.lookup("channel", name.name, file, name.span)
    for suppression in policy.suppressions:
        for name in suppression.categories:
            ctx.lookup("category", name.name, file, name.span)
        event = ctx.lookup("event", suppression.event, file, suppression.event_span)
        if event is not None and suppression.where is not None:
            scope = Scope(file=file, bare=event.properties, bare_what=f'event "{event.name}"', in_filter=True)
            check_condition(ctx, suppression.where, scope)
    for exemption in policy.exemptions:
        for name in exemption.categories:
            ctx.lookup("category", name.name, file, name.span)
