"""Top-level declarations other than journeys: the tracking plan, teams, channels, segments, offers,
messages and the contact policy."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from journeyc.ir.base import Duration, Name, Node, Span, TimeOfDay
from journeyc.ir.expr import Expr
from journeyc.ir.types import ObjectType, Property

CHANNEL_KINDS = ("email", "sms", "push", "in_app", "whatsapp", "webhook")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class Import(Node):
    """`import ecommerce` (a stdlib module) or `import "events.journey"` (a project file)."""

    target: str
    is_stdlib: bool
    span: Span


class Unparsed(Node):
    """A declaration that did not parse: its kind and name are kept so references to it raise no second error."""

    kind: str
    name: str
    span: Span


class Team(Node):
    name: str
    title: str | None = None
    span: Span
    name_span: Span | None = None  # just the name, for diagnostics


class Category(Node):
    name: str
    title: str | None = None
    span: Span
    name_span: Span | None = None  # just the name, for diagnostics


class Event(Node):
    """A tracking-plan entry: the event name exactly as sent, and its typed properties."""

    name: str
    description: str | None = None
    properties: tuple[Property, ...] = ()
    span: Span
    name_span: Span

    def property(self, name: str) -> Property | None:
        return next((p for p in self.properties if p.name == name), None)


class Shape(Node):
    """A named object type reused by list properties (`products: list of product`)."""

    name: str
    type: ObjectType
    span: Span
    name_span: Span | None = None  # just the name, for diagnostics


class Profile(Node):
    """The customer traits every journey may read as `profile.<trait>`."""

    description: str | None = None
    traits: tuple[Property, ...] = ()
    span: Span

    def trait(self, name: str) -> Property | None:
        return next((t for t in self.traits if t.name == name), None)


class Channel(Node):
    name: str
    kind: Name | None = None
    owner: Name | None = None
    shared_with: tuple[Name, ...] = ()
    address: Name | None = None
    consent: Name | None = None
    description: str | None = None
    span: Span
    name_span: Span | None = None  # just the name, for diagnostics


class Segment(Node):
    name: str
    title: str | None = None
    description: str | None = None
    condition: Expr
    span: Span
    name_span: Span | None = None  # just the name, for diagnostics


class OfferValue(Node):
    amount: float
    unit: str  # "percent" or an ISO currency code such as "USD"
    span: Span


class Offer(Node):
    name: str
    title: str | None = None
    code: str | None = None
    value: OfferValue | None = None
    valid_for: Duration | None = None
    valid_until: str | None = None
    description: str | None = None
    span: Span
    name_span: Span | None = None  # just the name, for diagnostics


class MessageField(Node):
    """One content field (`subject`, `text`, `html`, ...): inline template text, or a template file."""

    name: str
    text: str | None = None
    file: str | None = None
    span: Span
    value_span: Span
    # Where the template text starts in the .journey file (after the opening quotes), to place template errors.
    value_line: int
    value_column: int
    raw: bool  # a triple-quoted text: no escapes, so template positions map one to one


class Message(Node):
    name: str
    channel: Name
    category: Name | None = None
    description: str | None = None
    fields: tuple[MessageField, ...] = ()
    span: Span
    name_span: Span | None = None  # just the name, for diagnostics


class Cap(Node):
    """`limit 3 messages per 7 days for promotional on email`: at most N sends in a sliding window."""

    limit: Annotated[int, Field(ge=0)]
    window: Duration
    categories: tuple[Name, ...] = ()
    channels: tuple[Name, ...] = ()
    span: Span


class QuietHours(Node):
    start: TimeOfDay
    end: TimeOfDay
    channels: tuple[Name, ...] = ()
    action: Literal["defer", "drop"]
    span: Span


class Suppression(Node):
    categories: tuple[Name, ...]
    duration: Duration
    event: str
    event_span: Span
    where: Expr | None = None
    span: Span


class Exemption(Node):
    categories: tuple[Name, ...]
    rules: tuple[Literal["caps", "quiet_hours", "suppression", "consent"], ...]
    span: Span


class Policy(Node):
    """The central contact strategy every journey's sends obey."""

    title: str | None = None
    description: str | None = None
    priority: tuple[Name, ...] = ()
    caps: tuple[Cap, ...] = ()
    quiet_hours: tuple[QuietHours, ...] = ()
    suppressions: tuple[Suppression, ...] = ()
    exemptions: tuple[Exemption, ...] = ()
    span: Span
