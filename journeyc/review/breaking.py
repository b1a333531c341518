"""`journeyc breaking`: the changes that would hurt customers already inside a journey on the live runtime.

The runtime pins each run to the build it started with and lets it finish as that build defined it; new entries
use the newest build; the intake validates events and traits against the newest tracking plan and profile; entry
rules and per-key limits compare runs of every build. So what still hurts a run in flight:

- a wait it can be sitting at that the new version no longer has (B001) or has elsewhere (B002): its build must
  stay deployed until it leaves, for as long as the journey's timeline allows;
- a changed trigger (B003), key (B004) or entry rule (B005) while old runs are in flight;
- an event (B006), an event property (B007) or a trait (B008) a waiting run still reads, gone from the plan;
- an offer code that now means another value (B009);
- a message (B010), channel (B011) or offer (B012) gone that a waiting run will still send.

Each finding is a `Diagnostic` with its B code, placed in the new version where it can be, else in the old.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from journeyc import ir
from journeyc.checks.analysis.timeline import duration_words, longest_wait
from journeyc.checks.analysis.walk import all_steps
from journeyc.diagnostics import Diagnostic, sorted_diagnostics
from journeyc.graph import words
from journeyc.pipeline import CheckResult
from journeyc.review.inflight import WAITS, Uses, has_runs_in_flight, longest_rest, uses_after_a_wait
from journeyc.review.steps import align


@dataclass(frozen=True)
class BreakingRule:
    code: str
    name: str
    summary: str


BREAKING_RULES = {
    rule.code: rule
    for rule in (
        BreakingRule("B001", "removed-wait", "a wait where runs can be waiting is gone"),
        BreakingRule("B002", "moved-wait", "a wait where runs can be waiting moved to another place"),
        BreakingRule("B003", "changed-trigger", "the trigger of a journey with runs in flight changed"),
        BreakingRule("B004", "changed-key", "the key of a journey with runs in flight changed"),
        BreakingRule("B005", "changed-entry", "the entry rules of a journey with runs in flight changed"),
        BreakingRule("B006", "removed-event", "an event waiting runs still read is gone from the tracking plan"),
        BreakingRule("B007", "removed-property", "an event property waiting runs still read is gone"),
        BreakingRule("B008", "removed-trait", "a trait waiting runs still read is gone from the profile"),
        BreakingRule("B009", "offer-code-reused", "an offer code now has another value"),
        BreakingRule("B010", "removed-message", "a message waiting runs will still send is gone"),
        BreakingRule("B011", "removed-channel", "a channel waiting runs will still send on is gone"),
        BreakingRule("B012", "removed-offer", "an offer waiting runs will still send is gone"),
    )
}


def breaking_changes(old: CheckResult, new: CheckResult, against: str) -> list[Diagnostic]:
    """Every breaking change from `old` (the version at `against`) to `new`, in a stable order."""
    found: list[Diagnostic] = []
    for name, before in old.project.journeys.items():
        if not has_runs_in_flight(before):
            continue
        after = new.project.journeys.get(name)
        found += _waits(before, after, against)
        if after is not None:
            found += _entry_changes(before, after)
    found += _removed_uses(old, new, against)
    found += _reused_codes(old.project, new.project, against)
    return sorted_diagnostics(found)


def _finding(code: str, message: str, span: ir.Span, label: str, why: str, notes: tuple[str, ...] = ()) -> Diagnostic:
    return Diagnostic(code=code, severity="error", message=message, span=span, label=label, help=why, notes=notes)


def _place(journey: ir.Journey) -> ir.Span:
    return journey.name_span or journey.span


def _at(span: ir.Span, against: str) -> str:
    return f"{span.file}:{span.line} in {against}"


# ---------------------------------------------------------------- waits
def _waits(before: ir.Journey, after: ir.Journey | None, against: str) -> list[Diagnostic]:
    waits = [step for step in all_steps(before.steps) if isinstance(step, WAITS)]
    alignment = align(before.steps, after.steps) if after is not None else None
    rest = longest_rest(before.steps)
    gone = [w for w in waits if alignment is None or id(w) not in alignment.counterpart]
    moved = [w for w in waits if alignment is not None and id(w) in alignment.moved]
    found = []
    for code, steps in (("B001", gone), ("B002", moved)):
        if not steps:
            continue
        waiting = duration_words(max(longest_wait(step) for step in steps))
        kept = duration_words(max(rest[id(step)] for step in steps))
        count = "a wait" if len(steps) == 1 else f"{len(steps)} waits"
        verb = ("is" if len(steps) == 1 else "are") + (" gone" if code == "B001" else " elsewhere now")
        if after is None:
            message = f'journey "{before.name}" is gone, and runs can be waiting in it'
        else:
            message = f'journey "{before.name}": {count} where runs can be waiting {verb}'
        found.append(
            _finding(
                code,
                message,
                _place(after or before),
                f"{count} of {against} {verb}",
                f"runs waiting there stay on the build of {against}: keep it deployed until they are done, up to "
                f"{kept} after this change ships (a run can be waiting there up to {waiting})",
                tuple(f"`{words.step_headline(step)}` ({_at(step.span, against)})" for step in steps),
            )
        )
    return found


# ---------------------------------------------------------------- trigger, key and entry rules
def _trigger_words(journey: ir.Journey) -> str:
    trigger = journey.trigger
    if isinstance(trigger, ir.EventTrigger):
        return words.trigger(trigger.model_copy(update={"key": None}))
    return words.trigger(trigger) if trigger is not None else "no trigger"


def _key(journey: ir.Journey) -> str | None:
    trigger = journey.trigger
    return trigger.key.name if isinstance(trigger, ir.EventTrigger) and trigger.key is not None else None


def _entry_changes(before: ir.Journey, after: ir.Journey) -> list[Diagnostic]:
    found = []
    span = after.trigger.span if after.trigger is not None else _place(after)
    if _trigger_words(before) != _trigger_words(after):
        found.append(_finding(
            "B003", f'journey "{after.name}": the trigger changed while runs are in flight', span,
            f"was `trigger {_trigger_words(before)}`",
            "customers inside a run that the old trigger started can start a new run on the new trigger: "
            "they get the journey's messages twice",
        ))  # fmt: skip
    if _key(before) != _key(after):
        found.append(_finding(
            "B004", f'journey "{after.name}": its key changed while runs are in flight', span,
            f"was `keyed by {_key(before)}`" if _key(before) else "had no key",
            "runs of the old build are keyed by the old property: per-key entry rules and goals compare "
            "keys of both builds, so a customer can get a second run for the same thing",
        ))  # fmt: skip
    old_rules, new_rules = [words.entry(r) for r in before.entry], [words.entry(r) for r in after.entry]
    if old_rules != new_rules:
        where = after.entry[0].span if after.entry else span
        was = ", ".join(f"`entry {r}`" for r in old_rules) or "no entry rule"
        found.append(_finding(
            "B005", f'journey "{after.name}": its entry rules changed while runs are in flight', where,
            f"was {was}",
            "entry rules count the runs of every build: the new rules judge customers by runs the old "
            "rules let in, so some get in again or are kept out unexpectedly",
        ))  # fmt: skip
    return found


# ---------------------------------------------------------------- what waiting runs still read and send
_REMOVED: tuple[tuple[str, str, Callable[[Uses], dict], Callable[[ir.Project], set], str], ...] = (
    ("B006", "event", lambda u: u.events, lambda p: set(p.events), "the intake checks events against the new "
     "tracking plan: waiting runs never see this event again, so their goal, exit or wait never happens"),
    ("B007", "property", lambda u: u.properties,
     lambda p: {(e.name, prop.name) for e in p.events.values() for prop in e.properties},
     "the intake checks events against the new tracking plan: this property no longer reaches waiting runs, "
     "so the filters that read it never match"),
    ("B008", "trait", lambda u: u.traits,
     lambda p: {t.name for t in p.profile.traits} if p.profile else set(),
     "the intake checks traits against the new profile: waiting runs never see this trait change again"),
    ("B010", "message", lambda u: u.messages, lambda p: set(p.messages),
     "runs of the old build will still send it: its content and the policy's decision need it"),
    ("B011", "channel", lambda u: u.channels, lambda p: set(p.channels),
     "runs of the old build will still send on it: the central contact policy needs the channel"),
    ("B012", "offer", lambda u: u.offers, lambda p: set(p.offers),
     "runs of the old build will still send it: customers get a code that no longer exists"),
)  # fmt: skip


def _shown(kind: str, key: object) -> str:
    if kind == "property" and isinstance(key, tuple):  # (event, property)
        event, prop = key
        return f'property "{prop}" of event "{event}"'
    return f'{kind} "{key}"'


def _removed_uses(old: CheckResult, new: CheckResult, against: str) -> list[Diagnostic]:
    uses = {name: uses_after_a_wait(old, journey) for name, journey in old.project.journeys.items()}
    found = []
    for code, kind, used, declared, why in _REMOVED:
        gone = declared(old.project) - declared(new.project)
        for key in sorted(gone, key=str):
            readers = [(name, used(u)[key]) for name, u in sorted(uses.items()) if key in used(u)]
            if not readers:
                continue
            first_journey = new.project.journeys.get(readers[0][0])
            span = _place(first_journey) if first_journey is not None else readers[0][1][0]
            names = ", ".join(f'"{name}"' for name, _ in readers)
            notes = tuple(f'needed by "{name}" at {_at(spans[0], against)}' for name, spans in readers)
            found.append(_finding(
                code, f"{_shown(kind, key)} is gone, but runs of {names} in flight still need it", span,
                f"its runs in flight need {_shown(kind, key)}", why, notes,
            ))  # fmt: skip
    return found


# ---------------------------------------------------------------- offer codes
def _codes(project: ir.Project) -> dict[str, list[ir.Offer]]:
    found: dict[str, list[ir.Offer]] = {}
    for offer in project.offers.values():
        if offer.code is not None:
            found.setdefault(offer.code, []).append(offer)
    return found


def _reused_codes(old: ir.Project, new: ir.Project, against: str) -> list[Diagnostic]:
    found = []
    before = _codes(old)
    for code, offers in sorted(_codes(new).items()):
        for offer in offers:
            now = offer.value
            if now is None:
                continue
            changed = [
                (o, o.value)
                for o in before.get(code, ())
                if o.value is not None and (o.value.amount, o.value.unit) != (now.amount, now.unit)
            ]
            if not changed:
                continue
            was, value_was = changed[0]
            found.append(_finding(
                "B009", f'offer code "{code}" now means {words.offer_value(now)}, '
                f"not {words.offer_value(value_was)}",
                now.span, f"was {words.offer_value(value_was)}",
                "customers already holding this code (sent before this change) get another value than their "
                "message said: give the new value a new code",
                (f'offer "{was.name}" at {_at(was.span, against)}',),
            ))  # fmt: skip
    return found
