"""Every named thing of a checked project, where it is declared and where it is used: what go to definition,
find references, rename, hover and document highlights read.

Built from the IR (spans on every name) and the file texts (to place one part of a dotted path such as
`profile.tier`). A name is a `Symbol`: its kind and name, and for a property the event or shape that has it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from journeyc import ir
from journeyc.checks.analysis.walk import all_steps
from journeyc.lsp.positions import contains

_WORD = re.compile(r"[^\W\d]\w*")


@dataclass(frozen=True)
class Symbol:
    """A named thing: `kind` is a declaration kind (event, shape, team, category, channel, segment, offer,
    message, journey), or trait, or property (`owner` then names its event or shape: ("event", name))."""

    kind: str
    name: str
    owner: tuple[str, str] | None = None


@dataclass(frozen=True)
class Occurrence:
    symbol: Symbol
    span: ir.Span  # the name as written (an event's with its quotes)
    declaration: bool = False


@dataclass
class SymbolIndex:
    by_file: dict[str, list[Occurrence]] = field(default_factory=dict)
    declarations: dict[Symbol, Occurrence] = field(default_factory=dict)
    references: dict[Symbol, list[Occurrence]] = field(default_factory=dict)

    def add(self, occurrence: Occurrence) -> None:
        self.by_file.setdefault(occurrence.span.file, []).append(occurrence)
        if occurrence.declaration:
            self.declarations.setdefault(occurrence.symbol, occurrence)
        else:
            self.references.setdefault(occurrence.symbol, []).append(occurrence)

    def at(self, file: str, line: int, column: int) -> Occurrence | None:
        """The innermost name at a place (line and column from 1)."""
        found = [o for o in self.by_file.get(file, ()) if contains(o.span, line, column)]
        return min(
            found, key=lambda o: (o.span.end_line - o.span.line, o.span.end_column - o.span.column), default=None
        )

    def uses(self, symbol: Symbol, with_declaration: bool = True) -> list[Occurrence]:
        """Every occurrence of a symbol, the declaration first, then by place."""
        found = sorted(self.references.get(symbol, ()), key=lambda o: o.span.sort_key())
        declared = self.declarations.get(symbol)
        return [declared, *found] if with_declaration and declared is not None else found


FileOccurrences = dict[str, tuple[ir.SourceFile, str, list[Occurrence]]]


def build_index(
    project: ir.Project,
    files: dict[str, ir.SourceFile],
    sources: dict[str, str],
    known: FileOccurrences | None = None,
) -> SymbolIndex:
    """The index of every file of a resolved project (`sources`: the texts the check read). `known`: each file's
    occurrences from an index before, reused for a file whose IR and text are the same objects (the caller
    empties it when other declarations may have changed: a list's item shape, say), and updated."""
    index = SymbolIndex()
    known = {} if known is None else known
    for path in sorted(files):
        source, text = files[path], sources.get(path, "")
        found = known.get(path)
        if found is None or found[0] is not source or found[1] is not text:
            found = known[path] = (source, text, list(_Walk(project, text).file(source)))
        for occurrence in found[2]:
            index.add(occurrence)
    for path in set(known) - set(files):
        del known[path]
    return index


def word_span(span: ir.Span, word: str) -> ir.Span:
    """The span of `word` written at the start of `span` (a property's or a trait's name)."""
    return ir.Span(file=span.file, line=span.line, column=span.column, end_line=span.line,
                   end_column=span.column + len(word))  # fmt: skip


class _Walk:
    """The occurrences in one file."""

    def __init__(self, project: ir.Project, text: str) -> None:
        self.project = project
        self.lines = text.split("\n")

    # ------------------------------------------------------------ declarations
    def file(self, source: ir.SourceFile) -> Iterator[Occurrence]:
        for kind, attr in (("team", "teams"), ("category", "categories"), ("offer", "offers")):
            for decl in getattr(source, attr):
                yield self.declared(kind, decl)
        for event in source.events:
            yield self.declared("event", event)
            yield from self.properties(event.properties, ("event", event.name))
        for shape in source.shapes:
            yield self.declared("shape", shape)
            yield from self.properties(shape.type.fields, ("shape", shape.name))
        for profile in source.profiles:
            for trait in profile.traits:
                yield Occurrence(Symbol("trait", trait.name), word_span(trait.span, trait.name), True)
                yield from self.types(trait.type)
        for channel in source.channels:
            yield self.declared("channel", channel)
            yield from self.names("team", (channel.owner, *channel.shared_with))
            yield from self.names("trait", (channel.address, channel.consent))
        for segment in source.segments:
            yield self.declared("segment", segment)
            yield from self.expr(segment.condition, None, None)
        for message in source.messages:
            yield self.declared("message", message)
            yield from self.names("channel", (message.channel,))
            yield from self.names("category", (message.category,))
        for policy in source.policies:
            yield from self.policy(policy)
        for journey in source.journeys:
            yield self.declared("journey", journey)
            yield from self.journey(journey)

    def declared(self, kind: str, decl: object) -> Occurrence:
        span = getattr(decl, "name_span", None) or decl.span  # type: ignore[attr-defined]
        return Occurrence(Symbol(kind, decl.name), span, True)  # type: ignore[attr-defined]

    def properties(self, properties: tuple[ir.Property, ...], owner: tuple[str, str]) -> Iterator[Occurrence]:
        for prop in properties:
            yield Occurrence(Symbol("property", prop.name, owner), word_span(prop.span, prop.name), True)
            yield from self.types(prop.type)

    def types(self, type_: ir.TypeRef) -> Iterator[Occurrence]:
        if isinstance(type_, ir.ShapeRef):
            yield Occurrence(Symbol("shape", type_.name), type_.span)
        elif isinstance(type_, ir.ListType):
            yield from self.types(type_.item)
        elif isinstance(type_, ir.ObjectType):
            for prop in type_.fields:
                yield from self.types(prop.type)

    def names(self, kind: str, names: tuple[ir.Name | None, ...]) -> Iterator[Occurrence]:
        for name in names:
            if name is not None:
                yield Occurrence(Symbol(kind, name.name), name.span)

    def event(self, name: str, span: ir.Span) -> Occurrence:
        return Occurrence(Symbol("event", name), span)

    def policy(self, policy: ir.Policy) -> Iterator[Occurrence]:
        yield from self.names("category", policy.priority)
        for cap in policy.caps:
            yield from self.names("category", cap.categories)
            yield from self.names("channel", cap.channels)
        for quiet in policy.quiet_hours:
            yield from self.names("channel", quiet.channels)
        for rule in policy.suppressions:
            yield from self.names("category", rule.categories)
            yield self.event(rule.event, rule.event_span)
            if rule.where is not None:
                yield from self.expr(rule.where, ("event", rule.event), None)
        for exemption in policy.exemptions:
            yield from self.names("category", exemption.categories)

    # ------------------------------------------------------------ journeys
    def journey(self, journey: ir.Journey) -> Iterator[Occurrence]:
        yield from self.names("team", (journey.owner,))
        yield from self.names("category", (journey.category,))
        trigger, event = journey.trigger, None
        if isinstance(trigger, ir.EventTrigger):
            event = trigger.event
            yield self.event(trigger.event, trigger.event_span)
            if trigger.where is not None:
                yield from self.expr(trigger.where, ("event", event), event)
            if trigger.key is not None:
                yield Occurrence(Symbol("property", trigger.key.name, ("event", event)), trigger.key.span)
        elif isinstance(trigger, ir.SegmentTrigger):
            yield from self.names("segment", (trigger.segment,))
        if journey.audience is not None:
            yield from self.expr(journey.audience, None, event)
        for rule in journey.entry:
            if rule.key is not None and event is not None:
                yield Occurrence(Symbol("property", rule.key.name, ("event", event)), rule.key.span)
        for waited in (journey.goal, *journey.exits):
            if waited is not None:
                yield self.event(waited.event, waited.event_span)
                if waited.where is not None:
                    yield from self.expr(waited.where, ("event", waited.event), event)
        for step in all_steps(journey.steps):
            if isinstance(step, ir.SendStep):
                yield from self.names("channel", (step.channel,))
                yield from self.names("message", (step.message,))
                yield from self.names("offer", (step.offer,))
            elif isinstance(step, ir.WaitForStep):
                yield self.event(step.event, step.event_span)
                if step.where is not None:
                    yield from self.expr(step.where, ("event", step.event), event)
            elif isinstance(step, ir.IfStep):
                for branch in step.branches:
                    yield from self.expr(branch.condition, None, event)

    # ------------------------------------------------------------ conditions
    def expr(self, expr: ir.Expr, owner: tuple[str, str] | None, trigger: str | None) -> Iterator[Occurrence]:
        """`owner`: whose properties a bare name is (inside a `where`); `trigger`: the journey's trigger event."""
        if isinstance(expr, ir.And | ir.Or):
            for item in expr.items:
                yield from self.expr(item, owner, trigger)
        elif isinstance(expr, ir.Not):
            yield from self.expr(expr.item, owner, trigger)
        elif isinstance(expr, ir.Compare):
            yield from self.operand(expr.left, owner, trigger)
            yield from self.operand(expr.right, owner, trigger)
        elif isinstance(expr, ir.Truthy | ir.IsSet | ir.IsOneOf):
            yield from self.operand(expr.operand, owner, trigger)
        elif isinstance(expr, ir.InSegment):
            yield Occurrence(Symbol("segment", expr.segment), expr.name_span)
        elif isinstance(expr, ir.Behaviour):
            yield self.event(expr.event, expr.event_span)
            if expr.sum_of is not None:
                found = self.word_after(expr.span, expr.sum_of, "total")
                if found is not None:
                    yield Occurrence(Symbol("property", expr.sum_of, ("event", expr.event)), found)
            if expr.where is not None:
                yield from self.expr(expr.where, ("event", expr.event), trigger)
        elif isinstance(expr, ir.ListPredicate):
            yield from self.operand(expr.list, owner, trigger)
            yield from self.expr(expr.where, self.item_owner(expr.list, owner), trigger)

    def operand(self, operand: ir.Operand, owner: tuple[str, str] | None, trigger: str | None) -> Iterator[Occurrence]:
        if isinstance(operand, ir.LastValue):
            yield self.event(operand.event, operand.event_span)
            found = self.word_after(operand.span, operand.property, "last")
            if found is not None:
                yield Occurrence(Symbol("property", operand.property, ("event", operand.event)), found)
            return
        if not isinstance(operand, ir.Path):
            return
        parts = self.part_spans(operand)
        if len(parts) < len(operand.parts):
            return
        head = operand.parts[0]
        if head == "profile" and len(parts) > 1:
            yield Occurrence(Symbol("trait", operand.parts[1]), parts[1])
        elif head == "trigger" and len(parts) > 1 and trigger is not None:
            yield Occurrence(Symbol("property", operand.parts[1], ("event", trigger)), parts[1])
        elif owner is not None and head not in ("profile", "trigger"):
            yield Occurrence(Symbol("property", head, owner), parts[0])

    def item_owner(self, path: ir.Path, owner: tuple[str, str] | None) -> tuple[str, str] | None:
        """Whose fields a bare name inside `any <list> where ...` is: the shape of the list's items, if named."""
        if owner is None or len(path.parts) != 1:
            return None
        kind, name = owner
        holder = self.project.events.get(name) if kind == "event" else self.project.shapes.get(name)
        props = holder.properties if isinstance(holder, ir.Event) else holder.type.fields if holder else ()
        prop = next((p for p in props if p.name == path.parts[0]), None)
        if prop is not None and isinstance(prop.type, ir.ListType) and isinstance(prop.type.item, ir.ShapeRef):
            return ("shape", prop.type.item.name)
        return None

    # ------------------------------------------------------------ placing words
    def text_of(self, span: ir.Span) -> str:
        if span.line != span.end_line or span.line > len(self.lines):
            return ""
        return self.lines[span.line - 1][span.column - 1 : span.end_column - 1]

    def part_spans(self, path: ir.Path) -> list[ir.Span]:
        """Where each part of a dotted path is written (a path is on one line)."""
        text = self.text_of(path.span)
        line, column = path.span.line, path.span.column
        return [
            ir.Span(
                file=path.span.file, line=line, column=column + m.start(), end_line=line, end_column=column + m.end()
            )
            for m in _WORD.finditer(text)
        ]

    def word_after(self, span: ir.Span, word: str, keyword: str) -> ir.Span | None:
        """Where `word` is written right after `keyword` inside `span` (a `last x of` or a `total x of`)."""
        text = self.text_of(ir.Span(file=span.file, line=span.line, column=span.column, end_line=span.line,
                                    end_column=len(self.lines[span.line - 1]) + 1 if span.line <= len(self.lines)
                                    else span.column))  # fmt: skip
        found = re.search(rf"\b{keyword}\s+({re.escape(word)})\b", text)
        if found is None:
            return None
        start = span.column + found.start(1)
        return ir.Span(file=span.file, line=span.line, column=start, end_line=span.line, end_column=start + len(word))
