"""When a journey sends what: every path's sends with their earliest and latest time after entry.

The policy and conflict checks reason about time through this: a send after `wait 1 hour` happens exactly one
hour after entry; after `wait up to 2 days for ...` it happens somewhere within those two days; after
`wait until 21:30` the customer's local time is known exactly (21:30), which is what quiet hours need.
Each send also knows the path that leads to it: the branch conditions that held or failed on the way (its
`guards`, with the time each was read), and the `wait for` whose event it answers, if any.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

from journeyc import ir
from journeyc.runtime.durations import UNITS, describe

DAY = UNITS["day"]
MAX_PATHS = 512


@dataclass(frozen=True)
class Clock:
    earliest: int = 0  # seconds after entry
    latest: float = 0  # seconds after entry (math.inf when unbounded)
    local_time: int | None = None  # seconds after the customer's local midnight, when known exactly


class Guard(NamedTuple):
    """A branch condition on the way to a send: it held (`holds`) or failed when read, at `read` after entry."""

    condition: ir.Expr
    holds: bool
    read: Clock
    step_id: str  # the `if` step that read it


class Reply(NamedTuple):
    """The send sits in the `then` of this `wait for`: it answers that event, which came at `came` after entry."""

    step: ir.WaitForStep
    came: Clock


@dataclass(frozen=True)
class PlannedSend:
    step: ir.SendStep
    message: ir.Message | None
    channel: ir.Channel | None
    category: str | None  # the message's own category, else the journey's
    offer: str | None
    clock: Clock
    guards: tuple[Guard, ...] = ()  # the branch conditions on its path, in order
    reply: Reply | None = None  # the innermost `wait for` whose `then` it is in


def entry_clock(journey: ir.Journey) -> Clock:
    trigger = journey.trigger
    if isinstance(trigger, ir.ScheduleTrigger):
        return Clock(local_time=trigger.at.seconds)
    return Clock()


def plan(journey: ir.Journey, project: ir.Project) -> list[list[PlannedSend]] | None:
    """Each path's sends in order, or None when the journey has more paths than is reasonable to expand."""
    finished = _walk(journey.steps, [([], entry_clock(journey), False, (), None)], journey, project)
    return None if finished is None else [partial[0] for partial in finished]


# A path walked so far: its sends, clock, whether it exited, the guards on the way and the reply it is in (a plain
# tuple: journeys are walked often, and tuples are the cheapest to make).
Partial = tuple[list[PlannedSend], Clock, bool, tuple[Guard, ...], "Reply | None"]


def _walk(
    steps: tuple[ir.Step, ...], partials: list[Partial], journey: ir.Journey, project: ir.Project
) -> list[Partial] | None:
    for step in steps:
        following: list[Partial] = []
        for partial in partials:
            if partial[2]:
                following.append(partial)
                continue
            expanded = _step(step, partial, journey, project)
            if expanded is None:
                return None
            following.extend(expanded)
        if len(following) > MAX_PATHS:
            return None
        partials = following
    return partials


def _step(step: ir.Step, partial: Partial, journey: ir.Journey, project: ir.Project) -> list[Partial] | None:
    sends, clock, _, guards, reply = partial
    if isinstance(step, ir.SendStep):
        return [([*sends, planned_send(step, clock, journey, project, guards, reply)], clock, False, guards, reply)]
    if isinstance(step, ir.WaitStep):
        return [(sends, after(clock, step.duration.seconds, step.duration.seconds), False, guards, reply)]
    if isinstance(step, ir.WaitUntilStep):
        target = step.time.seconds
        return [(sends, Clock(clock.earliest, clock.latest + longest_wait(step), target), False, guards, reply)]
    if isinstance(step, ir.ExitStep):
        return [(sends, clock, True, guards, reply)]
    if isinstance(step, ir.WaitForStep):
        timeout = longest_wait(step)
        came = Clock(clock.earliest, clock.latest + timeout, None)
        timed_out = after(clock, timeout, timeout)
        replied: Partial = (sends, came, False, guards, Reply(step, came))
        return _blocks(
            [(step.then, replied), (step.otherwise, (sends, timed_out, False, guards, reply))], journey, project
        )
    if isinstance(step, ir.IfStep):
        blocks: list[tuple[tuple[ir.Step, ...], Partial]] = []
        failed: tuple[Guard, ...] = ()
        for branch in step.branches:
            held = Guard(branch.condition, True, clock, step.id)
            blocks.append((branch.steps, (sends, clock, False, (*guards, *failed, held), reply)))
            failed = (*failed, Guard(branch.condition, False, clock, step.id))
        otherwise = step.otherwise if step.otherwise is not None else ()
        blocks.append((otherwise, (sends, clock, False, guards + failed, reply)))
        return _blocks(blocks, journey, project)
    if isinstance(step, ir.ExperimentStep):
        arms = [arm.steps for arm in step.arms]
        if step.holdout:
            arms.append(())
        return _blocks([(block, partial) for block in arms], journey, project)
    return [partial]


def longest_wait(step: ir.Step) -> int:
    """The longest a run can stay at a step, in seconds: a wait's duration, a day (a week with a weekday) for
    `wait until`, the timeout of `wait up to`; 0 for a step that does not wait."""
    if isinstance(step, ir.WaitStep):
        return step.duration.seconds
    if isinstance(step, ir.WaitUntilStep):
        return UNITS["week"] if step.weekday else DAY
    if isinstance(step, ir.WaitForStep):
        return step.timeout.seconds
    return 0


def _blocks(
    blocks: list[tuple[tuple[ir.Step, ...], Partial]], journey: ir.Journey, project: ir.Project
) -> list[Partial] | None:
    result: list[Partial] = []
    for block, start in blocks:
        walked = _walk(block, [start], journey, project)
        if walked is None:
            return None
        # A path leaving a block keeps its guards and reply: the steps after the block still run only for the
        # customers who took that branch, and still after the event a `then` waited for.
        result.extend(walked)
    return result


def after(clock: Clock, low: int, high: float) -> Clock:
    local = None if clock.local_time is None or high != low else (clock.local_time + low) % DAY
    return Clock(earliest=clock.earliest + low, latest=clock.latest + high, local_time=local)


def planned_send(
    step: ir.SendStep,
    clock: Clock,
    journey: ir.Journey,
    project: ir.Project,
    guards: tuple[Guard, ...] = (),
    reply: Reply | None = None,
) -> PlannedSend:
    message = project.messages.get(step.message.name)
    channel_name = step.channel.name if step.channel else (message.channel.name if message else None)
    channel = project.channels.get(channel_name) if channel_name else None
    category = message.category.name if message and message.category else None
    if category is None and journey.category is not None:
        category = journey.category.name
    return PlannedSend(
        step=step,
        message=message,
        channel=channel,
        category=category,
        offer=step.offer.name if step.offer else None,
        clock=clock,
        guards=guards,
        reply=reply,
    )


def most_in_window(sends: list[PlannedSend], window: int) -> list[PlannedSend]:
    """The largest run of these sends (in path order) that can all fall within `window` seconds."""
    best: list[PlannedSend] = []
    for i, first in enumerate(sends):
        run = [s for s in sends[i:] if s.clock.earliest - first.clock.earliest < window]
        if len(run) > len(best):
            best = run
    return best


def describe_offset(clock: Clock) -> str:
    """`at once`, `2 hours after entry`, `within 2 days after entry`, `1 to 3 days after entry`."""
    if clock.latest == clock.earliest:
        return "at once" if clock.earliest == 0 else f"{duration_words(clock.earliest)} after entry"
    if math.isinf(clock.latest):
        return f"at least {duration_words(clock.earliest)} after entry"
    if clock.earliest == 0:
        return f"within {duration_words(int(clock.latest))} of entry"
    return f"{duration_words(clock.earliest)} to {duration_words(int(clock.latest))} after entry"


def as_written(duration: ir.Duration) -> str:
    """A duration as the user wrote it, with the count spelled out: `per day` reads `1 day`."""
    return duration.text if duration.text[:1].isdigit() else f"1 {duration.text}"


def duration_words(seconds: int) -> str:
    """A length of time in words, in the largest unit that divides it: "2 days", "90 seconds"."""
    return describe(seconds)
