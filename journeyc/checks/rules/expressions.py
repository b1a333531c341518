"""Type checking of conditions: names exist, compared values have the same kind, lists are not scalars."""

from __future__ import annotations

from dataclasses import dataclass, replace

from journeyc import ir
from journeyc.checks.analysis.logic import operand_key  # how a diagnostic writes an operand too
from journeyc.checks.context import CheckContext, did_you_mean

NUMERIC = {"number", "integer"}


@dataclass(frozen=True)
class Scope:
    """What names mean where a condition is written."""

    file: str
    trigger: ir.Event | None = None
    trigger_kind: str | None = None  # "event", "segment", "schedule"; None outside journeys
    bare: tuple[ir.Property, ...] | None = None  # properties usable without a prefix (inside a filter)
    bare_what: str = ""
    in_journey: bool = False
    in_filter: bool = False


def family(t: ir.TypeRef | None) -> str | None:
    """number, string, boolean, datetime, list or object: what can be compared with what."""
    if t is None:
        return None
    if isinstance(t, ir.ScalarType):
        if t.name in NUMERIC:
            return "number"
        if t.name == "timezone":
            return "string"
        return t.name
    if isinstance(t, ir.EnumType):
        return "string"
    if isinstance(t, ir.ListType):
        return "list"
    return "object"


def literal_type(value: object) -> ir.TypeRef:
    if isinstance(value, bool):
        return ir.ScalarType(name="boolean")
    if isinstance(value, (int, float)):
        return ir.ScalarType(name="number")
    return ir.ScalarType(name="string")


def check_condition(ctx: CheckContext, expr: ir.Expr, scope: Scope) -> None:
    """Check a condition; every problem becomes a diagnostic in `ctx`."""
    if isinstance(expr, (ir.And, ir.Or)):
        for item in expr.items:
            check_condition(ctx, item, scope)
    elif isinstance(expr, ir.Not):
        check_condition(ctx, expr.item, scope)
    elif isinstance(expr, ir.Truthy):
        t = infer(ctx, expr.operand, scope)
        if t is not None and family(t) != "boolean":
            written = operand_key(expr.operand)
            ctx.error(
                "J203",
                f"{written} is {ir.describe_type(t)}, not a yes/no condition",
                expr.span,
                "used as a condition here",
                help=_truthy_help(written, t),
            )
    elif isinstance(expr, ir.Compare):
        _check_compare(ctx, expr, scope)
    elif isinstance(expr, ir.IsSet):
        infer(ctx, expr.operand, scope)
    elif isinstance(expr, ir.IsOneOf):
        t = infer(ctx, expr.operand, scope)
        for value in expr.values:
            _check_pair(ctx, expr.operand, t, value, literal_type(value.value), "==", value.span)
    elif isinstance(expr, ir.InSegment):
        ctx.lookup("segment", expr.segment, scope.file, expr.name_span)
    elif isinstance(expr, ir.Behaviour):
        _check_behaviour(ctx, expr, scope)
    elif isinstance(expr, ir.ListPredicate):
        _check_list_predicate(ctx, expr, scope)


def _truthy_help(written: str, t: ir.TypeRef) -> str:
    if isinstance(t, ir.EnumType) and t.values:
        return f'compare it with a value, e.g. {written} == "{t.values[0]}"'
    if family(t) == "number":
        return f"compare it with a number, e.g. {written} > 0"
    if family(t) == "list":
        return f"test its items, e.g. any {written} where ..."
    return f"compare it, e.g. {written} is set"


def _check_compare(ctx: CheckContext, expr: ir.Compare, scope: Scope) -> None:
    left = infer(ctx, expr.left, scope)
    right = infer(ctx, expr.right, scope)
    if left is None or right is None:
        return
    # Put the literal on the right for the enum and ordering checks.
    if isinstance(expr.left, ir.Const) and not isinstance(expr.right, ir.Const):
        _check_pair(ctx, expr.right, right, expr.left, left, expr.op, expr.span)
    else:
        _check_pair(ctx, expr.left, left, expr.right, right, expr.op, expr.span)


def _check_pair(
    ctx: CheckContext,
    subject: ir.Operand,
    subject_type: ir.TypeRef | None,
    other: ir.Operand,
    other_type: ir.TypeRef | None,
    op: str,
    span: ir.Span,
) -> None:
    a, b = family(subject_type), family(other_type)
    if a is None or b is None or subject_type is None:  # (no family without a type)
        return
    written = operand_key(subject)
    if "list" in (a, b):
        ctx.error(
            "J202",
            f"{written if a == 'list' else operand_key(other)} is a list, not a single value",
            span,
            "a list cannot be compared",
            help=f"test its items instead: any {written if a == 'list' else operand_key(other)} where ...",
        )
        return
    if a != b:
        ctx.error(
            "J201",
            f"{written} is {ir.describe_type(subject_type)} but is compared with {_describe_value(other, other_type)}",
            span,
            f"{a} compared with {b}",
            help=_mismatch_help(subject_type, other, written, op),
        )
        return
    if op in ("<", "<=", ">", ">=") and a not in ("number", "datetime"):
        ctx.error(
            "J201",
            f"{written} is {ir.describe_type(subject_type)}: it can only be equal or not equal, not {op}",
            span,
            f"{op} needs numbers or dates",
            help="use == or != (or `is one of`) for texts and yes/no values",
        )
        return
    if (
        isinstance(subject_type, ir.EnumType)
        and isinstance(other, ir.Const)
        and isinstance(other.value, str)
        and other.value not in subject_type.values
    ):
        hint = did_you_mean(other.value, subject_type.values)
        choices = ", ".join(f'"{v}"' for v in subject_type.values)
        ctx.error(
            "J204",
            f'{written} is never "{other.value}"',
            other.span,
            "not one of its values",
            help=hint or f"its values are {choices}",
        )


def _describe_value(operand: ir.Operand, t: ir.TypeRef | None) -> str:
    if isinstance(operand, ir.Const):
        return f"the {ir.describe_type(t) if t else 'value'} {_literal_text(operand.value)}"
    return f"{operand_key(operand)} ({ir.describe_type(t) if t else 'unknown'})"


def _literal_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


# Texts that mean yes or no, as marketers write them when a yes/no trait is compared with a text.
_YES_NO = {"yes": True, "y": True, "true": True, "on": True, "1": True, "no": False, "n": False, "false": False,
           "off": False, "0": False}  # fmt: skip


def _mismatch_help(subject_type: ir.TypeRef | None, other: ir.Operand, written: str, op: str) -> str | None:
    if isinstance(other, ir.Const) and isinstance(other.value, str) and family(subject_type) == "number":
        return f"write the number without quotes: {other.value}"
    if isinstance(other, ir.Const) and isinstance(other.value, str) and family(subject_type) == "boolean":
        meant = _YES_NO.get(other.value.strip().lower())
        if meant is None:
            return f"a yes/no value is true or false: write {written} {op} true or {written} {op} false"
        return f"write {written} {op} {'true' if meant else 'false'}"
    if isinstance(other, ir.Const) and not isinstance(other.value, str) and family(subject_type) == "string":
        return f'write the text in quotes: "{_literal_text(other.value)}"'
    return None


def infer(ctx: CheckContext, operand: ir.Operand, scope: Scope) -> ir.TypeRef | None:
    """The type of an operand, or None after reporting why it has none."""
    if isinstance(operand, ir.Const):
        return literal_type(operand.value)
    if isinstance(operand, ir.LastValue):
        event = ctx.lookup("event", operand.event, scope.file, operand.event_span)
        if event is None:
            return None
        prop = event.property(operand.property)
        if prop is None:
            _unknown_property(
                ctx, operand.property, [p.name for p in event.properties], f'event "{event.name}"', operand.span
            )
            return None
        return ctx.expand(prop.type)
    return _infer_path(ctx, operand, scope)


def _infer_path(ctx: CheckContext, path: ir.Path, scope: Scope) -> ir.TypeRef | None:
    head, rest = path.parts[0], path.parts[1:]
    if head == "profile" and rest:
        profile = ctx.project.profile
        if profile is None:
            ctx.error(
                "J103", "the project has no profile", path.span, help="declare the traits in a `profile { ... }` block"
            )
            return None
        trait = profile.trait(rest[0])
        if trait is None:
            hint = did_you_mean(rest[0], [t.name for t in profile.traits])
            ctx.error("J103", f'the profile has no trait "{rest[0]}"', path.span, "unknown trait", help=hint)
            return None
        return _walk(ctx, ctx.expand(trait.type), rest[1:], path, f"profile.{rest[0]}")
    if head == "trigger" and rest:
        if scope.trigger is None and scope.trigger_kind == "event":
            return None  # the trigger event itself is unknown, and that was reported already
        if scope.trigger is None:
            ctx.error(
                "J118",
                f"{path.dotted} is used, but this journey is not triggered by an event"
                if scope.trigger_kind
                else f"{path.dotted} is only available inside a journey triggered by an event",
                path.span,
                "there is no trigger event here",
                help="`trigger.<property>` reads the event that started the journey",
            )
            return None
        prop = scope.trigger.property(rest[0])
        if prop is None:
            names = [p.name for p in scope.trigger.properties]
            _unknown_property(ctx, rest[0], names, f'the trigger event "{scope.trigger.name}"', path.span)
            return None
        return _walk(ctx, ctx.expand(prop.type), rest[1:], path, f"trigger.{rest[0]}")
    if scope.bare is not None:
        prop = next((p for p in scope.bare if p.name == head), None)
        if prop is not None:
            return _walk(ctx, ctx.expand(prop.type), rest, path, head)
        _unknown_property(ctx, head, [p.name for p in scope.bare], scope.bare_what, path.span)
        return None
    trait = ctx.project.profile.trait(head) if ctx.project.profile else None
    ctx.error(
        "J103",
        f'unknown name "{path.dotted}"',
        path.span,
        "not a property here",
        help=f"did you mean profile.{path.dotted}?"
        if trait is not None
        else "write profile.<trait> or trigger.<property>; bare names are properties inside a `where` filter",
    )
    return None


def _walk(ctx: CheckContext, t: ir.TypeRef, rest: tuple[str, ...], path: ir.Path, written: str) -> ir.TypeRef | None:
    for part in rest:
        if isinstance(t, ir.ListType):
            ctx.error(
                "J202",
                f"{written} is a list, so it has no single {part}",
                path.span,
                "a list used as a single value",
                help=f"test its items instead: any {written} where {part} == ...",
            )
            return None
        if not isinstance(t, ir.ObjectType):
            ctx.error("J103", f"{written} is {ir.describe_type(t)} and has no property {part}", path.span)
            return None
        field = t.field(part)
        if field is None:
            _unknown_property(ctx, part, [f.name for f in t.fields], written, path.span)
            return None
        t = ctx.expand(field.type)
        written = f"{written}.{part}"
    return t


def _unknown_property(ctx: CheckContext, name: str, names: list[str], owner: str, span: ir.Span) -> None:
    hint = did_you_mean(name, names)
    if hint is None and names:
        hint = "its properties are: " + ", ".join(sorted(names)[:12]) + (", ..." if len(names) > 12 else "")
    ctx.error("J103", f'{owner} has no property "{name}"', span, "unknown property", help=hint)


def _check_behaviour(ctx: CheckContext, expr: ir.Behaviour, scope: Scope) -> None:
    if scope.in_filter:
        ctx.error(
            "J212",
            f'a condition on "{expr.event}" cannot be part of a `where` filter',
            expr.span,
            "inside another event's filter",
            help="a `where` filter reads to the end of the condition: put the filtered condition in parentheses",
        )
        return
    if expr.window is not None and expr.window.kind == "since_entry" and not scope.in_journey:
        ctx.error(
            "J212",
            "`since entry` only has a meaning inside a journey",
            expr.window.span,
            "no journey entry here",
            help="use a window such as `in last 30 days`",
        )
    event = ctx.lookup("event", expr.event, scope.file, expr.event_span)
    if event is None:
        return
    if expr.sum_of is not None:
        prop = event.property(expr.sum_of)
        if prop is None:
            _unknown_property(ctx, expr.sum_of, [p.name for p in event.properties], f'event "{event.name}"', expr.span)
        elif family(ctx.expand(prop.type)) != "number":
            ctx.error(
                "J201",
                f'"{expr.sum_of}" of "{event.name}" is {ir.describe_type(prop.type)}, so it cannot be added up',
                expr.span,
                "needs a number property",
            )
    if expr.where is not None:
        inner = replace(scope, bare=event.properties, bare_what=f'event "{event.name}"', in_filter=True)
        check_condition(ctx, expr.where, inner)


def _check_list_predicate(ctx: CheckContext, expr: ir.ListPredicate, scope: Scope) -> None:
    t = _infer_path(ctx, expr.list, scope)
    if t is None:
        return
    if not isinstance(t, ir.ListType):
        ctx.error(
            "J201",
            f"{expr.list.dotted} is {ir.describe_type(t)}, not a list",
            expr.list.span,
            f"`{expr.quantifier} ... where` needs a list",
            help="compare single values directly, e.g. with ==",
        )
        return
    item = ctx.expand(t.item)
    if not isinstance(item, ir.ObjectType):
        ctx.error(
            "J201",
            f"the items of {expr.list.dotted} are {ir.describe_type(item)}, which have no properties to filter on",
            expr.list.span,
        )
        return
    inner = replace(scope, bare=item.fields, bare_what=f"an item of {expr.list.dotted}", in_filter=True)
    check_condition(ctx, expr.where, inner)
