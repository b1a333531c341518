"""Parse tree -> IR for journeys: settings, triggers, entry rules and steps (with stable step ids)."""

from __future__ import annotations

import difflib
from typing import Any

from lark import Token
from lark.tree import Meta

from journeyc import ir
from journeyc.syntax.build import FileBuilder, Setting
from journeyc.syntax.values import decode_text


class JourneyBuilder(FileBuilder):
    """Adds journeys to the file builder; the full builder for a .journey file."""

    def journey_decl(self, meta: Meta, children: list[Any]) -> tuple[str, ir.Journey]:
        span = self.span(meta)
        name = str(children[1])
        title = children[2].value if hasattr(children[2], "raw") else None
        items = [c for c in children if isinstance(c, tuple)]
        what = f'journey "{name}"'
        settings = self.settings(items, what)
        name_span = self.span(children[1])
        head = self.span_between(span, name_span)  # from `journey` to the end of its name
        self.require(settings, "owner", what, head, "owner growth")
        self.require(settings, "category", what, head, "category lifecycle")
        self.require(settings, "trigger", what, head, 'trigger "Signed Up"')
        steps = [c for c in children if isinstance(c, ir.Node) and hasattr(c, "id")]
        stage = self.value(settings, "stage")
        return (
            "journeys",
            ir.Journey(
                name=name,
                title=title,
                description=self.value(settings, "description"),
                owner=self.value(settings, "owner"),
                category=self.value(settings, "category"),
                stage=stage,
                trigger=self.value(settings, "trigger"),
                audience=self.value(settings, "audience"),
                entry=tuple(value for kind, value, _ in items if kind == "entry"),
                goal=self.value(settings, "goal"),
                exits=tuple(value for kind, value, _ in items if kind == "exit_on"),
                steps=number_steps(steps, ""),
                span=span,
                name_span=name_span,
            ),
        )

    # ------------------------------------------------------------ settings
    def stage(self, meta: Meta, children: list[Token]) -> Setting:
        token = children[1]
        value = decode_text(token).value if token.type == "STRING" else str(token)
        return ("stage", value, self.span(meta))

    def trigger(self, meta: Meta, children: list[Any]) -> Setting:
        return ("trigger", children[1], self.span(meta))

    def event_trigger(self, meta: Meta, children: list[Any]) -> ir.EventTrigger:
        where = next((c for c in children[1:] if not isinstance(c, (ir.Name, Token))), None)
        key = next((c for c in children[1:] if isinstance(c, ir.Name)), None)
        return ir.EventTrigger(
            event=decode_text(children[0]).value,
            event_span=self.span(children[0]),
            where=where,
            key=key,
            span=self.span(meta),
        )

    def keyed(self, meta: Meta, children: list[Token]) -> ir.Name:
        return self.name(children[2])

    def segment_trigger(self, meta: Meta, children: list[Token]) -> ir.SegmentTrigger:
        return ir.SegmentTrigger(segment=self.name(children[2]), span=self.span(meta))

    def schedule_trigger(self, meta: Meta, children: list[Token]) -> ir.ScheduleTrigger:
        every = str(children[1]).lower()
        if every not in ("day", "weekday", *ir.WEEKDAYS):
            self.report(
                "J306",
                f'"{children[1]}" is not a day',
                self.span(children[1]),
                "expected day, weekday or a day of the week",
                help=_day_hint(every, ("day", "weekday", *ir.WEEKDAYS))
                or "write `every day at 09:00` or `every monday at 10:00`",
            )
        return ir.ScheduleTrigger(every=every, at=self.time_of_day(children[3]), span=self.span(meta))

    def audience(self, meta: Meta, children: list[Any]) -> Setting:
        return ("audience", children[1], self.span(meta))

    def entry(self, meta: Meta, children: list[Any]) -> Setting:
        return ("entry", children[1], self.span(meta))

    def entry_once(self, meta: Meta, children: list[Token]) -> ir.EntryRule:
        return ir.EntryRule(kind="once", span=self.span(meta))

    def entry_once_every(self, meta: Meta, children: list[Any]) -> ir.EntryRule:
        return ir.EntryRule(kind="once_per", period=children[-1], span=self.span(meta))

    def entry_max_times(self, meta: Meta, children: list[Token]) -> ir.EntryRule:
        times = self.number(children[2])
        if times is None:
            times = 1
        elif not isinstance(times, int) or times < 1:
            problem = "is not a whole number of times" if not isinstance(times, int) else "times lets nobody in"
            self.report(
                "J305",
                f'"{children[2]}" {problem}',
                self.span(children[2]),
                "expected a whole number of at least 1",
                help="write e.g. `entry at most 3 times`",
            )
            times = 1
        return ir.EntryRule(kind="max_times", times=times, span=self.span(meta))

    def entry_one_active(self, meta: Meta, children: list[Token]) -> ir.EntryRule:
        return ir.EntryRule(kind="one_active", key=self.name(children[-1]), span=self.span(meta))

    def goal(self, meta: Meta, children: list[Any]) -> Setting:
        within = next((c for c in children if isinstance(c, ir.Duration)), None)
        where = next((c for c in children[2:] if not isinstance(c, (ir.Duration, Token))), None)
        goal = ir.Goal(
            event=decode_text(children[1]).value,
            event_span=self.span(children[1]),
            where=where,
            within=within,
            span=self.span(meta),
        )
        return ("goal", goal, goal.span)

    def within(self, meta: Meta, children: list[Any]) -> ir.Duration:
        return children[1]

    def exit_on(self, meta: Meta, children: list[Any]) -> Setting:
        exit_event = ir.ExitEvent(
            event=decode_text(children[2]).value,
            event_span=self.span(children[2]),
            where=children[3] if len(children) > 3 else None,
            span=self.span(meta),
        )
        return ("exit_on", exit_event, exit_event.span)

    # ------------------------------------------------------------ steps (ids are set by number_steps)
    def send(self, meta: Meta, children: list[Any]) -> ir.SendStep:
        names = [c for c in children if isinstance(c, Token) and c.type == "NAME"]
        offer = next((c for c in children if isinstance(c, ir.Name)), None)
        channel, message = (names[0], names[1]) if len(names) == 2 else (None, names[0])
        return ir.SendStep(
            id="",
            channel=self.name(channel) if channel is not None else None,
            message=self.name(message),
            offer=offer,
            span=self.span(meta),
        )

    def with_offer(self, meta: Meta, children: list[Token]) -> ir.Name:
        return self.name(children[2])

    def wait(self, meta: Meta, children: list[Any]) -> ir.WaitStep:
        return ir.WaitStep(id="", duration=children[1], span=self.span(meta))

    def wait_until(self, meta: Meta, children: list[Token]) -> ir.WaitUntilStep:
        return ir.WaitUntilStep(id="", time=self.time_of_day(children[2]), span=self.span(meta))

    def wait_until_day(self, meta: Meta, children: list[Token]) -> ir.WaitUntilStep:
        day = str(children[2]).lower()
        if day not in (*ir.WEEKDAYS, "weekday"):
            self.report(
                "J306",
                f'"{children[2]}" is not a day of the week',
                self.span(children[2]),
                "expected a day of the week or weekday",
                help=_day_hint(day, (*ir.WEEKDAYS, "weekday"))
                or "write e.g. `wait until monday at 10:00` or `wait until weekday at 09:00`",
            )
        return ir.WaitUntilStep(id="", time=self.time_of_day(children[4]), weekday=day, span=self.span(meta))

    def wait_for(self, meta: Meta, children: list[Any]) -> ir.WaitForStep:
        event = children[5]
        where = next((c for c in children[6:] if not isinstance(c, tuple)), None)
        branches: dict[str, list[Any]] = dict(c for c in children[6:] if isinstance(c, tuple))
        return ir.WaitForStep(
            id="",
            event=decode_text(event).value,
            event_span=self.span(event),
            where=where,
            timeout=children[3],
            then=tuple(branches.get("then", ())),
            otherwise=tuple(branches.get("otherwise", ())),
            span=self.span(meta),
        )

    def then_branch(self, meta: Meta, children: list[Any]) -> tuple[str, list[Any]]:
        return ("then", children[1])

    def otherwise_branch(self, meta: Meta, children: list[Any]) -> tuple[str, list[Any]]:
        return ("otherwise", children[1])

    def block(self, meta: Meta, children: list[Any]) -> list[Any]:
        return children[1:-1]

    def if_step(self, meta: Meta, children: list[Any]) -> ir.IfStep:
        span = self.span(meta)
        branches = [ir.Branch(condition=children[1], steps=tuple(children[2]), span=span)]
        otherwise, otherwise_span = None, None
        for extra in children[3:]:
            if isinstance(extra, ir.Branch):
                branches.append(extra)
            else:
                otherwise, otherwise_span = tuple(extra[1]), extra[2]
        return ir.IfStep(id="", branches=tuple(branches), otherwise=otherwise, otherwise_span=otherwise_span, span=span)

    def else_if(self, meta: Meta, children: list[Any]) -> ir.Branch:
        return ir.Branch(condition=children[2], steps=tuple(children[3]), span=self.span(meta))

    def else_branch(self, meta: Meta, children: list[Any]) -> tuple[str, list[Any], ir.Span]:
        return ("else", children[1], self.span(children[0]))

    def experiment(self, meta: Meta, children: list[Any]) -> ir.ExperimentStep:
        holdouts = [c for c in children if isinstance(c, tuple)]
        arms = [c for c in children if isinstance(c, ir.Arm)]
        for extra in holdouts[1:]:
            self.report("J117", "this experiment has more than one holdout", extra[1], help="keep one holdout")
        seen: set[str] = set()
        for arm in arms:
            if arm.name in seen:
                self.report("J101", f'this experiment has two arms named "{arm.name}"', arm.span, help="rename one")
            seen.add(arm.name)
        return ir.ExperimentStep(
            id="",
            name=str(children[1]),
            holdout=holdouts[0][0] if holdouts else None,
            holdout_span=holdouts[0][1] if holdouts else None,
            arms=tuple(arms),
            span=self.span(meta),
        )

    def holdout(self, meta: Meta, children: list[Any]) -> tuple[float, ir.Span]:
        return (children[1], self.span(meta))

    def arm(self, meta: Meta, children: list[Any]) -> ir.Arm:
        return ir.Arm(name=str(children[1]), weight=children[2], steps=tuple(children[3]), span=self.span(meta))

    def percent(self, meta: Meta, children: list[Token]) -> float:
        value = float(self.number(children[0]) or 0)
        if value > 100:
            self.report("J305", f"{children[0]}% is more than 100%", self.span(meta), help="weights are percentages")
        return value

    def exit_step(self, meta: Meta, children: list[Token]) -> ir.ExitStep:
        return ir.ExitStep(id="", span=self.span(meta))


def number_steps(steps: list[Any] | tuple[Any, ...], prefix: str) -> tuple[Any, ...]:
    """Give every step a stable id from its place: `3`, `3.then.1`, `5.if2.1`, `6.a.1` (arm a), `5.else.2`."""
    numbered = []
    for index, step in enumerate(steps, start=1):
        step_id = f"{prefix}{index}"
        update: dict[str, Any] = {"id": step_id}
        if isinstance(step, ir.WaitForStep):
            update["then"] = number_steps(step.then, f"{step_id}.then.")
            update["otherwise"] = number_steps(step.otherwise, f"{step_id}.otherwise.")
        elif isinstance(step, ir.IfStep):
            update["branches"] = tuple(
                branch.model_copy(update={"steps": number_steps(branch.steps, f"{step_id}.if{k}.")})
                for k, branch in enumerate(step.branches, start=1)
            )
            if step.otherwise is not None:
                update["otherwise"] = number_steps(step.otherwise, f"{step_id}.else.")
        elif isinstance(step, ir.ExperimentStep):
            update["arms"] = tuple(
                arm.model_copy(update={"steps": number_steps(arm.steps, f"{step_id}.{arm.name}.")}) for arm in step.arms
            )
        numbered.append(step.model_copy(update=update))
    return tuple(numbered)


def _day_hint(word: str, days: tuple[str, ...]) -> str | None:
    close = difflib.get_close_matches(word, days, n=1, cutoff=0.6)
    return f'did you mean "{close[0]}"?' if close else None
