"""The validated intermediate representation: pydantic models every later stage reads.

Each name is imported from its module on first use (`ir.Journey`, `from journeyc.ir import Span`): a command that
needs only a few models (`journeyc check` showing its cached result needs `Span`) does not build them all.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
        Unparsed,
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

# name -> the module of journeyc.ir that defines it
_MODULES = {
    **dict.fromkeys(("Duration", "Name", "Node", "Span", "TimeOfDay"), "base"),
    **dict.fromkeys(
        ("EnumType", "ListType", "ObjectType", "Property", "ScalarType", "ShapeRef", "TypeRef", "describe_type"),
        "types",
    ),
    **dict.fromkeys(
        (
            "And",
            "Behaviour",
            "Compare",
            "Const",
            "Expr",
            "InSegment",
            "IsOneOf",
            "IsSet",
            "LastValue",
            "ListPredicate",
            "Not",
            "Operand",
            "Or",
            "Path",
            "Truthy",
            "Window",
        ),
        "expr",
    ),
    **dict.fromkeys(
        (
            "CHANNEL_KINDS",
            "Cap",
            "Category",
            "Channel",
            "Event",
            "Exemption",
            "Import",
            "Message",
            "MessageField",
            "Offer",
            "OfferValue",
            "Policy",
            "Profile",
            "QuietHours",
            "Segment",
            "Shape",
            "Suppression",
            "Team",
            "Unparsed",
            "WEEKDAYS",
        ),
        "decls",
    ),
    **dict.fromkeys(
        (
            "Arm",
            "Branch",
            "EntryRule",
            "EventTrigger",
            "ExitEvent",
            "ExitStep",
            "ExperimentStep",
            "Goal",
            "IfStep",
            "Journey",
            "ScheduleTrigger",
            "SegmentTrigger",
            "SendStep",
            "Step",
            "Trigger",
            "WaitForStep",
            "WaitStep",
            "WaitUntilStep",
        ),
        "journey",
    ),
    **dict.fromkeys(("IR_VERSION", "Project", "SourceFile"), "project"),
}

__all__ = [
    "CHANNEL_KINDS",
    "IR_VERSION",
    "WEEKDAYS",
    "And",
    "Arm",
    "Behaviour",
    "Branch",
    "Cap",
    "Category",
    "Channel",
    "Compare",
    "Const",
    "Duration",
    "EntryRule",
    "EnumType",
    "Event",
    "EventTrigger",
    "Exemption",
    "ExitEvent",
    "ExitStep",
    "ExperimentStep",
    "Expr",
    "Goal",
    "IfStep",
    "Import",
    "InSegment",
    "IsOneOf",
    "IsSet",
    "Journey",
    "LastValue",
    "ListPredicate",
    "ListType",
    "Message",
    "MessageField",
    "Name",
    "Node",
    "Not",
    "ObjectType",
    "Offer",
    "OfferValue",
    "Operand",
    "Or",
    "Path",
    "Policy",
    "Profile",
    "Project",
    "Property",
    "QuietHours",
    "ScalarType",
    "ScheduleTrigger",
    "Segment",
    "SegmentTrigger",
    "SendStep",
    "Shape",
    "ShapeRef",
    "SourceFile",
    "Span",
    "Step",
    "Suppression",
    "Team",
    "TimeOfDay",
    "Trigger",
    "Truthy",
    "TypeRef",
    "Unparsed",
    "WaitForStep",
    "WaitStep",
    "WaitUntilStep",
    "Window",
    "describe_type",
]


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # found once
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_MODULES})
