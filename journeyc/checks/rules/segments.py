"""Segments: their conditions, and segments that refer to themselves through others."""

from __future__ import annotations

from journeyc import ir
from journeyc.checks.context import CheckContext
from journeyc.checks.rules.expressions import Scope, check_condition
from journeyc.diagnostics import Label


def check_segment(ctx: CheckContext, segment: ir.Segment, file: str) -> None:
    check_condition(ctx, segment.condition, Scope(file=file))


def segment_references(expr: ir.Expr) -> list[ir.InSegment]:
    if isinstance(expr, ir.InSegment):
        return [expr]
    if isinstance(expr, (ir.And, ir.Or)):
        return [ref for item in expr.items for ref in segment_references(item)]
    if isinstance(expr, ir.Not):
        return segment_references(expr.item)
    return []


def check_segment_cycles(ctx: CheckContext, segments: dict[str, ir.Segment]) -> None:
    """A segment whose definition reaches itself can never be evaluated."""
    edges = {name: segment_references(seg.condition) for name, seg in segments.items()}
    reported: set[frozenset[str]] = set()
    for start in sorted(edges):
        path: list[tuple[str, ir.InSegment]] = []
        _walk(ctx, start, start, edges, path, set(), reported)


def _walk(
    ctx: CheckContext,
    start: str,
    node: str,
    edges: dict[str, list[ir.InSegment]],
    path: list[tuple[str, ir.InSegment]],
    seen: set[str],
    reported: set[frozenset[str]],
) -> None:
    for ref in edges.get(node, []):
        if ref.segment == start:
            members = frozenset([start, *(r.segment for _, r in path)])
            if members not in reported:
                reported.add(members)
                chain = " -> ".join([start, *(r.segment for _, r in path), start])
                ctx.error(
                    "J115",
                    f"segment cycle: {chain}",
                    ref.span,
                    "refers back to the start",
                    labels=tuple(Label(span=r.span, message="part of the cycle") for _, r in path),
                    help="a segment cannot be defined in terms of itself",
                )
        elif ref.segment in edges and ref.segment not in seen:
            seen.add(ref.segment)
            path.append((node, ref))
            _walk(ctx, start, ref.segment, edges, path, seen, reported)
            path.pop()
