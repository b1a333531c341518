"""Journeys: settings (owner, trigger, entry rules, goal) and the steps a customer walks through."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from journeyc.ir.base import Duration, Name, Node, Span, TimeOfDay
from journeyc.ir.expr import Expr


class EventTrigger(Node):
    kind: Literal["event"] = "event"
    event: str
    event_span: Span
    where: Expr | None = None
    key: Name | None = None
    span: Span


class SegmentTrigger(Node):
    kind: Literal["segment"] = "segment"
    segment: Name
    span: Span


class ScheduleTrigger(Node):
    """`every day at 09:00` or `every monday at 10:00`, customer local time."""

    kind: Literal["schedule"] = "schedule"
    every: str
    at: TimeOfDay
    span: Span


Trigger = Annotated[EventTrigger | SegmentTrigger | ScheduleTrigger, Field(discriminator="kind")]


class EntryRule(Node):
    """once (ever) | once_per (at most once every period) | max_times | one_active (per key property)."""

    kind: Literal["once", "once_per", "max_times", "one_active"]
    period: Duration | None = None
    times: Annotated[int, Field(ge=1)] | None = None
    key: Name | None = None
    span: Span


class Goal(Node):
    event: str
    event_span: Span
    where: Expr | None = None
    within: Duration | None = None
    span: Span


class ExitEvent(Node):
    event: str
    event_span: Span
    where: Expr | None = None
    span: Span


class SendStep(Node):
    kind: Literal["send"] = "send"
    id: str
    channel: Name | None = None
    message: Name
    offer: Name | None = None
    span: Span


class WaitStep(Node):
    kind: Literal["wait"] = "wait"
    id: str
    duration: Duration
    span: Span


class WaitUntilStep(Node):
    """Wait until the next local time of day, optionally on a given weekday."""

    kind: Literal["wait_until"] = "wait_until"
    id: str
    time: TimeOfDay
    weekday: str | None = None
    span: Span


class WaitForStep(Node):
    """Wait up to `timeout` for an event; `then` runs if it came, `otherwise` if time ran out."""

    kind: Literal["wait_for"] = "wait_for"
    id: str
    event: str
    event_span: Span
    where: Expr | None = None
    timeout: Duration
    then: tuple[Step, ...] = ()
    otherwise: tuple[Step, ...] = ()
    span: Span


class Branch(Node):
    condition: Expr
    steps: tuple[Step, ...]
    span: Span


class IfStep(Node):
    kind: Literal["if"] = "if"
    id: str
    branches: tuple[Branch, ...]
    otherwise: tuple[Step, ...] | None = None
    otherwise_span: Span | None = None  # the `else` word
    span: Span


class Arm(Node):
    name: str
    weight: Annotated[float, Field(ge=0)]
    steps: tuple[Step, ...]
    span: Span


class ExperimentStep(Node):
    kind: Literal["experiment"] = "experiment"
    id: str
    name: str
    holdout: float | None = None
    holdout_span: Span | None = None
    arms: tuple[Arm, ...]
    span: Span


class ExitStep(Node):
    kind: Literal["exit"] = "exit"
    id: str
    span: Span


Step = Annotated[
    SendStep | WaitStep | WaitUntilStep | WaitForStep | IfStep | ExperimentStep | ExitStep,
    Field(discriminator="kind"),
]

for _model in (WaitForStep, Branch, IfStep, Arm, ExperimentStep):
    _model.model_rebuild()


class Journey(Node):
    name: str
    title: str | None = None
    description: str | None = None
    owner: Name | None = None
    category: Name | None = None
    stage: str | None = None
    trigger: Trigger | None = None
    audience: Expr | None = None
    entry: tuple[EntryRule, ...] = ()
    goal: Goal | None = None
    exits: tuple[ExitEvent, ...] = ()
    steps: tuple[Step, ...] = ()
    span: Span
    name_span: Span | None = None  # just the name, for diagnostics
