"""One parsed file, and the whole resolved project."""

from __future__ import annotations

from pydantic import Field

from journeyc.ir.base import Node
from journeyc.ir.decls import (
    Category,
    Channel,
    Event,
    Import,
    Message,
    Offer,
    Policy,
    Profile,
    Segment,
    Shape,
    Team,
    Unparsed,
)
from journeyc.ir.journey import Journey


class SourceFile(Node):
    """Everything one .journey file declares, before cross-file resolution."""

    path: str
    is_stdlib: bool = False
    imports: tuple[Import, ...] = ()
    teams: tuple[Team, ...] = ()
    categories: tuple[Category, ...] = ()
    events: tuple[Event, ...] = ()
    shapes: tuple[Shape, ...] = ()
    profiles: tuple[Profile, ...] = ()
    channels: tuple[Channel, ...] = ()
    segments: tuple[Segment, ...] = ()
    offers: tuple[Offer, ...] = ()
    messages: tuple[Message, ...] = ()
    policies: tuple[Policy, ...] = ()
    journeys: tuple[Journey, ...] = ()
    unparsed: tuple[Unparsed, ...] = ()


IR_VERSION = "1"


class Project(Node):
    """The resolved project: every declaration once, by name, in a stable order (sorted by name)."""

    ir_version: str = IR_VERSION
    files: tuple[str, ...] = ()
    teams: dict[str, Team] = Field(default_factory=dict)
    categories: dict[str, Category] = Field(default_factory=dict)
    events: dict[str, Event] = Field(default_factory=dict)
    shapes: dict[str, Shape] = Field(default_factory=dict)
    profile: Profile | None = None
    channels: dict[str, Channel] = Field(default_factory=dict)
    segments: dict[str, Segment] = Field(default_factory=dict)
    offers: dict[str, Offer] = Field(default_factory=dict)
    messages: dict[str, Message] = Field(default_factory=dict)
    policy: Policy | None = None
    journeys: dict[str, Journey] = Field(default_factory=dict)
