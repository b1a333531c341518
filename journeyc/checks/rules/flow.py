"""Flow checks of one journey (J401-J405): steps nobody reaches, waits that never end well, empty branches."""

from __future__ import annotations

from journeyc import ir
from journeyc.checks.analysis import logic
from journeyc.checks.analysis.facts import property_domains
from journeyc.checks.analysis.walk import children
from journeyc.checks.context import CheckContext
from journeyc.diagnostics import Label


def check_flow(ctx: CheckContext, journey: ir.Journey) -> None:
    _check_block(ctx, journey.steps)
    _check_repeats(ctx, journey)
    _check_goal(ctx, journey)


def ends_in_exit(steps: tuple[ir.Step, ...]) -> bool:
    """Whether every way through these steps reaches an `exit`."""
    for step in steps:
        if isinstance(step, ir.ExitStep):
            return True
        blocks = children(step)
        if isinstance(step, ir.IfStep) and step.otherwise is None:
            continue
        if isinstance(step, ir.ExperimentStep) and step.holdout:
            continue
        if blocks and all(ends_in_exit(block) for block in blocks):
            return True
    return False


def _check_block(ctx: CheckContext, steps: tuple[ir.Step, ...]) -> None:
    for index, step in enumerate(steps):
        for block, what, span in _nested(step):
            if not block and what is not None:
                ctx.report(
                    "J404",
                    f"this {what} has no steps",
                    span,
                    "empty",
                    help=_empty_help(what),
                )
            _check_block(ctx, block)
        if isinstance(step, ir.WaitForStep):
            _check_wait(ctx, step)
        rest = steps[index + 1 :]
        if rest and ends_in_exit((step,)):
            reason = "this exit" if isinstance(step, ir.ExitStep) else "every branch above exits"
            ctx.report(
                "J401",
                "no customer can reach this step",
                rest[0].span,
                "unreachable",
                labels=(Label(span=step.span, message=f"{reason}: the journey ends here"),),
                help="remove the steps after the exit, or move the exit into a branch",
            )
            return


def _nested(step: ir.Step) -> list[tuple[tuple[ir.Step, ...], str | None, ir.Span]]:
    """The blocks of a step, each with what to call it when empty (None: an empty block is fine there)."""
    if isinstance(step, ir.WaitForStep):
        # `then` and `otherwise` are optional: an absent block and an empty one mean the same.
        return [(step.then, None, step.span), (step.otherwise, None, step.span)]
    if isinstance(step, ir.IfStep):
        found: list[tuple[tuple[ir.Step, ...], str | None, ir.Span]] = [
            (branch.steps, "branch", branch.span) for branch in step.branches
        ]
        if step.otherwise is not None:
            found.append((step.otherwise, "else branch", step.otherwise_span or step.span))
        return found
    if isinstance(step, ir.ExperimentStep):
        return [(arm.steps, f'arm "{arm.name}"', arm.span) for arm in step.arms]
    return []


def _empty_help(what: str) -> str:
    if what.startswith("arm"):
        return "an arm with no steps sends nothing: use `holdout` for a group that gets nothing"
    return "remove it, or add the steps it should run"


def _check_wait(ctx: CheckContext, step: ir.WaitForStep) -> None:
    event = ctx.project.events.get(step.event)
    if event is None or step.where is None:
        return
    if not logic.satisfiable(step.where, property_domains(event.properties, prefix="")):
        ctx.report(
            "J402",
            f'no "{step.event}" event can match this filter',
            step.where.span,
            "the conditions contradict each other",
            help=f"as written, the wait always runs out after {step.timeout.text}: fix the filter",
        )


def _check_repeats(ctx: CheckContext, journey: ir.Journey) -> None:
    trigger = journey.trigger
    if not isinstance(trigger, ir.EventTrigger) or journey.entry or journey.goal or journey.exits:
        return
    if journey.category is None or journey.category.name == "transactional":
        return
    first = _first_send_before_wait(journey.steps)
    if first is None:
        return
    ctx.report(
        "J403",
        f'journey "{journey.name}" sends again on every "{trigger.event}", with no pause and no limit',
        trigger.span,
        "every such event starts another run",
        labels=(Label(span=first.span, message="sent at once, each time"),),
        help="add an entry rule such as `entry at most once every 7 days`, or a goal or exit event",
    )


def _first_send_before_wait(steps: tuple[ir.Step, ...]) -> ir.SendStep | None:
    """The first send some path reaches before any wait (None when every path waits or exits first)."""
    send, _ = _send_or_wait(steps)
    return send


def _send_or_wait(steps: tuple[ir.Step, ...]) -> tuple[ir.SendStep | None, bool]:
    """(a send reached before any wait, whether every path waits or exits before sending)."""
    for step in steps:
        if isinstance(step, ir.SendStep):
            return step, False
        if isinstance(step, ir.WaitStep | ir.WaitUntilStep | ir.WaitForStep | ir.ExitStep):
            return None, True
        blocks = list(children(step))
        if (isinstance(step, ir.IfStep) and step.otherwise is None) or (
            isinstance(step, ir.ExperimentStep) and step.holdout
        ):
            blocks.append(())  # the path through no block
        if not blocks:
            continue
        results = [_send_or_wait(block) for block in blocks]
        found = next((send for send, _ in results if send is not None), None)
        if found is not None:
            return found, False
        if all(stops for _, stops in results):
            return None, True
    return None, False


def _check_goal(ctx: CheckContext, journey: ir.Journey) -> None:
    """The goal waits for the trigger event again, for the same thing (`order_id == trigger.order_id`)."""
    trigger, goal = journey.trigger, journey.goal
    if not isinstance(trigger, ir.EventTrigger) or goal is None or goal.event != trigger.event:
        return
    same = _same_as_trigger(goal.where)
    if same is None:
        return  # a later, different occurrence (a repeat order) is a fine goal
    ctx.report(
        "J405",
        f'the goal is "{goal.event}" for the same {same} as the trigger, so repeating the trigger counts as success',
        goal.event_span,
        "the same event as the trigger",
        labels=(Label(span=trigger.event_span, message="the trigger"),),
        help='choose the event that shows success (for a checkout, "Order Completed")',
    )


def _same_as_trigger(where: ir.Expr | None) -> str | None:
    """The property a filter requires to equal the trigger's (`order_id == trigger.order_id`), if any."""
    if isinstance(where, ir.And):
        return next((found for item in where.items if (found := _same_as_trigger(item))), None)
    if isinstance(where, ir.Compare) and where.op == "==":
        sides = [where.left, where.right]
        paths = [s.parts for s in sides if isinstance(s, ir.Path)]
        if len(paths) == 2:
            bare = [p for p in paths if p[0] != "trigger"]
            from_trigger = [p for p in paths if p[0] == "trigger"]
            if bare and from_trigger and bare[0][-1] == from_trigger[0][-1]:
                return bare[0][-1]
    return None
