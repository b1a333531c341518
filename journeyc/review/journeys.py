"""What changes in each journey between two versions, in words: its settings, its steps (matched by structure,
steps.py) and when each of its sends now happens (the checks' timeline)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from journeyc import ir
from journeyc.checks.analysis.timeline import describe_offset
from journeyc.checks.analysis.walk import all_steps
from journeyc.graph import words
from journeyc.graph.flowchart import send_timing
from journeyc.review.steps import Alignment, StepChange, align


@dataclass
class JourneyDiff:
    name: str
    change: Literal["added", "removed", "changed"]
    owner: str
    journey: ir.Journey  # the new version (the old one when removed)
    lines: list[str] = field(default_factory=list)

    @property
    def where(self) -> str:
        return f"{self.journey.span.file}:{self.journey.span.line}"


def _owner(journey: ir.Journey) -> str:
    return journey.owner.name if journey.owner else "no team"


def compare_journeys(old: ir.Project, new: ir.Project) -> list[JourneyDiff]:
    """Every journey added, removed or changed, by name."""
    found = []
    for name in sorted(set(old.journeys) | set(new.journeys)):
        before, after = old.journeys.get(name), new.journeys.get(name)
        if before is None and after is not None:
            found.append(JourneyDiff(name, "added", _owner(after), after, _summary(new, after)))
        elif after is None and before is not None:
            found.append(JourneyDiff(name, "removed", _owner(before), before, [f"was {_started_by(before)}"]))
        elif before is not None and after is not None:
            lines = _changes(old, before, new, after)
            if lines:
                found.append(JourneyDiff(name, "changed", _owner(after), after, lines))
    return found


def _started_by(journey: ir.Journey) -> str:
    return f"started by `trigger {words.trigger(journey.trigger)}`" if journey.trigger else "without a trigger"


def send_words(project: ir.Project, step: ir.SendStep) -> str:
    """`send sms cart_discount with offer CART15` and the offer's value: (CART15: 15% off)."""
    message = project.messages.get(step.message.name)
    text = f"`{words.send(step, message.channel.name if message else None)}`"
    offer = project.offers.get(step.offer.name) if step.offer else None
    if offer is not None and offer.value is not None:
        text += f" ({offer.code or offer.name}: {words.offer_value(offer.value)})"
    return text


def _summary(project: ir.Project, journey: ir.Journey) -> list[str]:
    lines = [f"new journey {_started_by(journey)}"]
    timing = send_timing(project, journey)
    for step in all_steps(journey.steps):
        if isinstance(step, ir.SendStep):
            clock = timing.get(id(step))
            when = f", {describe_offset(clock)}" if clock else ""
            lines.append(f"sends {send_words(project, step)}{when}")
    return lines


def _settings(journey: ir.Journey) -> dict[str, list[str]]:
    """Each setting in the DSL's words (a list: entry rules and exits may repeat)."""
    return {
        "owner": [journey.owner.name] if journey.owner else [],
        "category": [journey.category.name] if journey.category else [],
        "stage": [journey.stage] if journey.stage else [],
        "trigger": [words.trigger(journey.trigger)] if journey.trigger else [],
        "audience": [words.condition(journey.audience)] if journey.audience else [],
        "entry": [words.entry(rule) for rule in journey.entry],
        "goal": [words.goal(journey.goal).removeprefix("goal ")] if journey.goal else [],
        "exit on": [words.exit_on(e).removeprefix("exit on ") for e in journey.exits],
    }


def setting_changes(old: ir.Journey, new: ir.Journey) -> list[str]:
    lines = []
    before, after = _settings(old), _settings(new)
    for setting, old_values in before.items():
        new_values = after[setting]
        if old_values == new_values:
            continue
        if len(old_values) == 1 and len(new_values) == 1:
            lines.append(f"`{setting} {old_values[0]}` is now `{setting} {new_values[0]}`")
            continue
        lines += [f"new `{setting} {value}`" for value in new_values if value not in old_values]
        lines += [f"`{setting} {value}` is gone" for value in old_values if value not in new_values]
    return lines


def _changes(old_project: ir.Project, old: ir.Journey, new_project: ir.Project, new: ir.Journey) -> list[str]:
    lines = setting_changes(old, new)
    alignment = align(old.steps, new.steps)
    lines += [_step_line(change, new_project) for change in alignment.changes]
    lines += _timing_changes(old_project, old, new_project, new, alignment)
    return lines


def _step_line(change: StepChange, project: ir.Project) -> str:
    if change.kind == "added" and change.new is not None:
        what = send_words(project, change.new) if isinstance(change.new, ir.SendStep) else _quoted(change.new)
        return f"new step {what}" + (f", {change.new_place.words()}" if change.new_place else "")
    if change.kind == "removed" and change.old is not None:
        was = f" (it was {change.old_place.words()})" if change.old_place else ""
        return f"{_quoted(change.old)} is gone{was}"
    if change.kind == "moved" and change.old is not None:
        now = f": now {change.new_place.words()}" if change.new_place else ""
        was = f", was {change.old_place.words()}" if change.old_place else ""
        return f"{_quoted(change.old)} moved{now}{was}"
    where = f" ({change.new_place.words()})" if change.new_place else ""
    return "; ".join(change.details) + where


def _quoted(step: ir.Step) -> str:
    return f"`{words.step_headline(step)}`"


def _timing_changes(
    old_project: ir.Project, old: ir.Journey, new_project: ir.Project, new: ir.Journey, alignment: Alignment
) -> list[str]:
    """Sends present in both versions that now happen at another time after entry."""
    before, after = send_timing(old_project, old), send_timing(new_project, new)
    lines = []
    for step in all_steps(old.steps):
        counterpart = alignment.counterpart.get(id(step))
        if not isinstance(step, ir.SendStep) or not isinstance(counterpart, ir.SendStep):
            continue
        was, now = before.get(id(step)), after.get(id(counterpart))
        if was is None or now is None or (was.earliest, was.latest) == (now.earliest, now.latest):
            continue
        lines.append(
            f"{send_words(new_project, counterpart)} now goes out {describe_offset(now)}, not {describe_offset(was)}"
        )
    return lines
