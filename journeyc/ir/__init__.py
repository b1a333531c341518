"""The validated intermediate representation: pydantic models every later stage reads."""

from journeyc.ir.base import Duration, Name, Node, Span, TimeOfDay
from journeyc.ir.decls import (
    CHANNEL_KINDS,
    WEEKDAYS,
    Cap,
    Category,
    Channel,
    Event,
    Exemption,
    Import,
    Message,
    MessageField,
    Offer,
    OfferValue,
    Policy,
    Profile,
    QuietHours,
    Segment,
    Shape,
    Suppression,
    Team,
)
from journeyc.ir.expr import (
    And,
    Behaviour,
    Compare,
    Const,
    Expr,
    InSegment,
    IsOneOf,
    IsSet,
    LastValue,
    ListPredicate,
    Not,
    Operand,
    Or,
    Path,
    Truthy,
    Window,
)
from journeyc.ir.journey import (
    Arm,
    Branch,
    EntryRule,
    EventTrigger,
    ExitEvent,
    ExitStep,
    ExperimentStep,
    Goal,
    IfStep,
    Journey,
    ScheduleTrigger,
    SegmentTrigger,
    SendStep,
    Step,
    Trigger,
    WaitForStep,
    WaitStep,
    WaitUntilStep,
)
from journeyc.ir.project import IR_VERSION, Project, SourceFile
from journeyc.ir.types import EnumType, ListType, ObjectType, Property, ScalarType, ShapeRef, TypeRef, describe_type

__all__ = [name for name in dir() if not name.startswith("_")]
