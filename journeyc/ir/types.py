"""Property types of the tracking plan and the profile."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from journeyc.ir.base import Node, Span

SCALAR_TYPES = ("string", "number", "integer", "boolean", "datetime", "timezone")


class ScalarType(Node):
    kind: Literal["scalar"] = "scalar"
    name: Literal["string", "number", "integer", "boolean", "datetime", "timezone"]


class EnumType(Node):
    kind: Literal["enum"] = "enum"
    values: tuple[str, ...]


class ListType(Node):
    kind: Literal["list"] = "list"
    item: TypeRef


class ObjectType(Node):
    kind: Literal["object"] = "object"
    fields: tuple[Property, ...]

    def field(self, name: str) -> Property | None:
        return next((f for f in self.fields if f.name == name), None)


class ShapeRef(Node):
    """A named shape (`list of product`); the resolver replaces it by the shape's ObjectType."""

    kind: Literal["shape"] = "shape"
    name: str
    span: Span


TypeRef = Annotated[ScalarType | EnumType | ListType | ObjectType | ShapeRef, Field(discriminator="kind")]

LiteralValue = bool | int | float | str


class Property(Node):
    """A typed property of an event, a shape or the profile (a trait)."""

    name: str
    type: TypeRef
    optional: bool = False
    default: LiteralValue | None = None
    description: str | None = None
    span: Span
    default_span: Span | None = None  # where the default value is written, for diagnostics


ListType.model_rebuild()
ObjectType.model_rebuild()


def describe_type(t: TypeRef) -> str:
    """The type in the words a marketer reads in a diagnostic."""
    if isinstance(t, ScalarType):
        return {"string": "text", "integer": "whole number", "boolean": "true/false"}.get(t.name, t.name)
    if isinstance(t, EnumType):
        return "one of " + ", ".join(f'"{v}"' for v in t.values)
    if isinstance(t, ListType):
        return f"list of {describe_type(t.item)}"
    if isinstance(t, ShapeRef):
        return t.name
    return "object"
