"""Conditions: segment definitions, `where` filters, `if` tests and audiences."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from journeyc.ir.base import Duration, Node, Span
from journeyc.ir.types import LiteralValue


class Const(Node):
    """A literal: text, number or true/false."""

    kind: Literal["const"] = "const"
    value: LiteralValue
    span: Span


class Path(Node):
    """A dotted reference: `profile.tier`, `trigger.order_id`, or a bare property inside a filter."""

    kind: Literal["path"] = "path"
    parts: tuple[str, ...]
    span: Span

    @property
    def dotted(self) -> str:
        return ".".join(self.parts)


class LastValue(Node):
    """`last category of "Product Viewed"`: the property of the customer's most recent such event."""

    kind: Literal["last"] = "last"
    property: str
    event: str
    span: Span
    event_span: Span


Operand = Annotated[Const | Path | LastValue, Field(discriminator="kind")]

CompareOp = Literal["==", "!=", "<", "<=", ">", ">="]


class Compare(Node):
    kind: Literal["compare"] = "compare"
    op: CompareOp
    left: Operand
    right: Operand
    span: Span


class Truthy(Node):
    """A single operand used as a condition, e.g. `profile.email_opt_in`."""

    kind: Literal["truthy"] = "truthy"
    operand: Operand
    span: Span


class IsSet(Node):
    kind: Literal["is_set"] = "is_set"
    operand: Operand
    negated: bool
    span: Span


class IsOneOf(Node):
    kind: Literal["is_one_of"] = "is_one_of"
    operand: Operand
    values: tuple[Const, ...]
    negated: bool
    span: Span


class InSegment(Node):
    kind: Literal["in_segment"] = "in_segment"
    segment: str
    span: Span
    name_span: Span


class Window(Node):
    """`in last 30 days` or `since entry` (journeys only); no window means the customer's whole history."""

    kind: Literal["last", "since_entry"]
    duration: Duration | None = None
    span: Span


class Behaviour(Node):
    """What a customer did: how many events (optionally summing a property) compared with a threshold.

    `at least 3 "Product Viewed"` is count >= 3; `no "Order Completed"` is count == 0; `any` is count >= 1;
    `at least 500 total revenue of "Order Completed"` is sum(revenue) >= 500.
    """

    kind: Literal["behaviour"] = "behaviour"
    event: str
    event_span: Span
    op: CompareOp
    threshold: float
    sum_of: str | None = None
    window: Window | None = None
    where: Expr | None = None
    span: Span


class ListPredicate(Node):
    """`any products where category == "dresses"`: a test over the items of a list property."""

    kind: Literal["list_predicate"] = "list_predicate"
    quantifier: Literal["any", "all", "no"]
    list: Path
    where: Expr
    span: Span


class And(Node):
    kind: Literal["and"] = "and"
    items: tuple[Expr, ...]
    span: Span


class Or(Node):
    kind: Literal["or"] = "or"
    items: tuple[Expr, ...]
    span: Span


class Not(Node):
    kind: Literal["not"] = "not"
    item: Expr
    span: Span


Expr = Annotated[
    Compare | Truthy | IsSet | IsOneOf | InSegment | Behaviour | ListPredicate | And | Or | Not,
    Field(discriminator="kind"),
]

for _model in (Behaviour, ListPredicate, And, Or, Not):
    _model.model_rebuild()
