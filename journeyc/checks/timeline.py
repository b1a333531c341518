"""When a journey sends what: every path's sends with their earliest and latest time after entry.

The policy and conflict checks reason about time through this: a send after `wait 1 hour` happens exactly one
hour after entry; after `wait up to 2 days for ...` it happens somewhere within those two days; after
`wait until 21:30` the customer's local time is known exactly (21:30), which is what quiet hours need.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from journeyc import ir

DAY = 86400
MAX_PATHS = 512


@dataclass(frozen=True)
class Clock:
    earliest: int = 0  # seconds after entry
    latest: float = 0  # seconds after entry (math.inf when unbounded)
    local_time: int | None = None  # seconds after the customer's local midnight, when known exactly


@dataclass(frozen=True)
class PlannedSend:
    step: ir.SendStep
    message: ir.Message | None
    channel: ir.Channel | None
    category: str | None  # the message's own category, else the journey's
    offer: str | None
    clock: Clock


def entry_clock(journey: ir.Journey) -> Clock:
    trigger = journey.trigger
    if isinstance(trigger, ir.ScheduleTrigger):
        return Clock(local_time=trigger.at.hour * 3600 + trigger.at.minute * 60)
    return Clock()


def plan(journey: ir.Journey, project: ir.Project) -> list[list[PlannedSend]] | None:
    """Each path's sends in order, or None when the journey has more paths than is reasonable to expand."""
    finished = _walk(journey.steps, [([], entry_clock(journey), False)], journey, project)
    return None if finished is None else [sends for sends, _, _ in finished]


Partial = tuple[list[PlannedSend], Clock, bool]  # sends so far, clock, exited


def _walk(
    steps: tuple[ir.Step, ...], partials: list[Partial], journey: ir.Journey, project: ir.Project
) -> list[Partial] | None:
    for step in steps:
        following: list[Partial] = []
        for sends, clock, exited in partials:
            if exited:
                following.append((sends, clock, exited))
                continue
            expanded = _step(step, sends, clock, journey, project)
            if expanded is None:
                return None
            following.extend(expanded)
        if len(following) > MAX_PATHS:
            return None
        partials = following
    return partials


def _step(
    step: ir.Step, sends: list[PlannedSend], clock: Clock, journey: ir.Journey, project: ir.Project
) -> list[Partial] | None:
    if isinstance(step, ir.SendStep):
        return [([*sends, planned_send(step, clock, journey, project)], clock, False)]
    if isinstance(step, ir.WaitStep):
        return [(sends, after(clock, step.duration.seconds, step.duration.seconds), False)]
    if isinstance(step, ir.WaitUntilStep):
        target = step.time.hour * 3600 + step.time.minute * 60
        return [(sends, Clock(clock.earliest, clock.latest + longest_wait(step), target), False)]
    if isinstance(step, ir.ExitStep):
        return [(sends, clock, True)]
    start: list[Partial] = [(sends, clock, False)]
    if isinstance(step, ir.WaitForStep):
        timeout = longest_wait(step)
        came = Clock(clock.earliest, clock.latest + timeout, None)
        timed_out = after(clock, timeout, timeout)
        blocks = [(step.then, came), (step.otherwise, timed_out)]
        return _blocks([(block, [(sends, c, False)]) for block, c in blocks], journey, project)
    if isinstance(step, ir.IfStep):
        blocks = [branch.steps for branch in step.branches]
        blocks.append(step.otherwise if step.otherwise is not None else ())
        return _blocks([(block, start) for block in blocks], journey, project)
    if isinstance(step, ir.ExperimentStep):
        blocks = [arm.steps for arm in step.arms]
        if step.holdout:
            blocks.append(())
        return _blocks([(block, start) for block in blocks], journey, project)
    return start


def longest_wait(step: ir.Step) -> int:
    """The longest a run can stay at a step, in seconds: a wait's duration, a day (a week with a weekday) for
    `wait until`, the timeout of `wait up to`; 0 for a step that does not wait."""
    if isinstance(step, ir.WaitStep):
        return step.duration.seconds
    if isinstance(step, ir.WaitUntilStep):
        return 7 * DAY if step.weekday else DAY
    if isinstance(step, ir.WaitForStep):
        return step.timeout.seconds
    return 0


def _blocks(
    blocks: list[tuple[tuple[ir.Step, ...], list[Partial]]], journey: ir.Journey, project: ir.Project
) -> list[Partial] | None:
    result: list[Partial] = []
    for block, start in blocks:
        walked = _walk(block, start, journey, project)
        if walked is None:
            return None
        result.extend(walked)
    return result


def after(clock: Clock, low: int, high: float) -> Clock:
    local = None if clock.local_time is None or high != low else (clock.local_time + low) % DAY
    return Clock(earliest=clock.earliest + low, latest=clock.latest + high, local_time=local)


def planned_send(step: ir.SendStep, clock: Clock, journey: ir.Journey, project: ir.Project) -> PlannedSend:
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
    for unit, size in (("week", 7 * DAY), ("day", DAY), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    minutes = round(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
