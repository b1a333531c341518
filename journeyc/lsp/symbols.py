"""The outline of a file (document symbols): its declarations, a journey's steps and an event's properties."""

from __future__ import annotations

from lsprotocol import types

from journeyc import ir
from journeyc.checks.analysis.walk import children
from journeyc.graph import words
from journeyc.lsp.positions import Lines

K = types.SymbolKind
_KINDS = (("teams", K.Namespace), ("categories", K.Enum), ("events", K.Event), ("shapes", K.Struct),
          ("channels", K.Interface), ("segments", K.Class), ("offers", K.Constant), ("messages", K.String),
          ("journeys", K.Function))  # fmt: skip


def document_symbols(source: ir.SourceFile, lines: Lines) -> list[types.DocumentSymbol]:
    found: list[types.DocumentSymbol] = []
    for attr, kind in _KINDS:
        for decl in getattr(source, attr):
            name = words.quoted(decl.name) if attr == "events" else decl.name
            found.append(_symbol(name, kind, decl.span, decl.name_span or decl.span, lines, _children(decl, lines),
                                 getattr(decl, "title", None)))  # fmt: skip
    for profile in source.profiles:
        found.append(
            _symbol("profile", K.Object, profile.span, profile.span, lines, _properties(profile.traits, lines))
        )
    for policy in source.policies:
        found.append(_symbol("policy", K.Object, policy.span, policy.span, lines, [], policy.title))
    return sorted(found, key=lambda s: (s.range.start.line, s.range.start.character))


def _symbol(name, kind, span, selection, lines, children=(), detail=None) -> types.DocumentSymbol:
    return types.DocumentSymbol(name=name, kind=kind, range=lines.range(span), selection_range=lines.range(selection),
                                detail=detail, children=list(children) or None)  # fmt: skip


def _properties(props: tuple[ir.Property, ...], lines: Lines) -> list[types.DocumentSymbol]:
    return [_symbol(p.name, K.Property, p.span, p.span, lines, (), ir.describe_type(p.type)) for p in props]


def _children(decl: object, lines: Lines) -> list[types.DocumentSymbol]:
    if isinstance(decl, ir.Event):
        return _properties(decl.properties, lines)
    if isinstance(decl, ir.Shape):
        return _properties(decl.type.fields, lines)
    if isinstance(decl, ir.Journey):
        return _steps(decl.steps, lines)
    return []


def _steps(steps: tuple[ir.Step, ...], lines: Lines) -> list[types.DocumentSymbol]:
    found = []
    for step in steps:
        nested = [symbol for block in children(step) for symbol in _steps(block, lines)]
        found.append(_symbol(words.step_headline(step), K.Event if step.kind == "send" else K.Operator, step.span,
                             step.span, lines, nested))  # fmt: skip
    return found
