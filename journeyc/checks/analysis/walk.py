"""Walking a journey's steps: every step, every send, and every path a customer can take."""

from __future__ import annotations

from collections.abc import Iterator

from journeyc import ir

MAX_PATHS = 512  # beyond this many paths, analyses that need whole paths fall back to per-step reasoning


def children(step: ir.Step) -> list[tuple[ir.Step, ...]]:
    """The blocks nested in a step (branches, arms, then / otherwise)."""
    if isinstance(step, ir.WaitForStep):
        return [step.then, step.otherwise]
    if isinstance(step, ir.IfStep):
        blocks = [branch.steps for branch in step.branches]
        return [*blocks, step.otherwise] if step.otherwise is not None else blocks
    if isinstance(step, ir.ExperimentStep):
        return [arm.steps for arm in step.arms]
    return []


def all_steps(steps: tuple[ir.Step, ...]) -> Iterator[ir.Step]:
    """Every step, depth first in source order."""
    for step in steps:
        yield step
        for block in children(step):
            yield from all_steps(block)


def sends(journey: ir.Journey) -> Iterator[ir.SendStep]:
    for step in all_steps(journey.steps):
        if isinstance(step, ir.SendStep):
            yield step


def paths(steps: tuple[ir.Step, ...], limit: int = MAX_PATHS) -> list[list[ir.Step]] | None:
    """Every sequence of steps one customer can walk (branches expanded), or None when there are too many.

    An `if` without `else` also has the path that takes no branch; a holdout is a path through no arm; an
    `exit` ends the path.
    """
    result: list[list[ir.Step]] = [[]]
    finished: list[list[ir.Step]] = []
    for step in steps:
        blocks = children(step)
        if isinstance(step, ir.IfStep) and step.otherwise is None:
            blocks = [*blocks, ()]
        if isinstance(step, ir.ExperimentStep) and step.holdout:
            blocks = [*blocks, ()]
        if isinstance(step, ir.WaitForStep) and not step.then and not step.otherwise:
            blocks = []
        if not blocks:
            result = [[*path, step] for path in result]
        else:
            expanded: list[list[ir.Step]] = []
            for block in blocks:
                inner = paths(block, limit)
                if inner is None:
                    return None
                expanded.extend([*path, step, *tail] for path in result for tail in inner)
            result = expanded
        if isinstance(step, ir.ExitStep):
            return finished + result
        done = [path for path in result if path and isinstance(path[-1], ir.ExitStep)]
        finished.extend(done)
        result = [path for path in result if not (path and isinstance(path[-1], ir.ExitStep))]
        if len(result) + len(finished) > limit:
            return None
    return finished + result
