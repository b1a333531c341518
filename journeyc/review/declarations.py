"""What changes outside the journeys between two versions, in words: offers, messages, segments, the contact
policy, the tracking plan, the profile, channels and teams; and how many messages each team's journeys can send
one customer under each cap of the policy."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from journeyc import ir
from journeyc.checks.analysis.facts import journey_facts
from journeyc.checks.analysis.policy_scope import cap_counter, cap_scope_words, runs_in
from journeyc.checks.analysis.timeline import as_written, most_in_window
from journeyc.graph import words
from journeyc.ir.types import describe_type

MAX_QUOTED = 80  # a changed text field longer than this is reported as changed, not quoted


@dataclass(frozen=True)
class Section:
    title: str
    lines: tuple[str, ...]


def compare_declarations(old: ir.Project, new: ir.Project) -> list[Section]:
    sections = [
        Section("offers", tuple(_named(old.offers, new.offers, "offer", _offer_fields))),
        Section("messages", tuple(_named(old.messages, new.messages, "message", _message_fields))),
        Section("segments", tuple(_named(old.segments, new.segments, "segment", _segment_fields))),
        Section("contact policy", tuple(_policy(old.policy, new.policy))),
        Section("tracking plan", tuple(_named(old.events, new.events, "event", _event_fields, quote=True))),
        Section("profile", tuple(_traits(old.profile, new.profile))),
        Section("channels", tuple(_named(old.channels, new.channels, "channel", _channel_fields))),
        Section("teams", tuple(_named(old.teams, new.teams, "team", lambda t: {"title": t.title or ""}))),
    ]
    return [section for section in sections if section.lines]


def _named(
    old: Mapping[str, ir.Node], new: Mapping[str, ir.Node], kind: str, fields: Callable, quote: bool = False
) -> list[str]:
    """Declarations added, removed and changed (field by field, each in the DSL's words)."""
    lines = []
    for name in sorted(set(old) | set(new)):
        shown = words.quoted(name) if quote else f"`{name}`"
        if name not in old:
            described = "; ".join(f"{k} {v}" for k, v in fields(new[name]).items() if v)
            lines.append(f"new {kind} {shown}" + (f": {described}" if described else ""))
        elif name not in new:
            lines.append(f"{kind} {shown} is gone")
        else:
            before, after = fields(old[name]), fields(new[name])
            compared = [_field_change(k, before.get(k, ""), after.get(k, "")) for k in {**before, **after}]
            changed = [c for c in compared if c]
            if changed:
                lines.append(f"{kind} {shown}: " + "; ".join(changed))
    return lines


def _field_change(field: str, before: str, after: str) -> str | None:
    if before == after:
        return None
    if not before:
        return f"new {field} {after}"
    if not after:
        return f"{field} {before} is gone"
    if len(before) > MAX_QUOTED or len(after) > MAX_QUOTED:
        return f"{field} changed"
    return f"{field} {before} is now {after}"


def _offer_fields(offer: ir.Offer) -> dict[str, str]:
    return {
        "code": words.quoted(offer.code) if offer.code else "",
        "value": words.offer_value(offer.value) if offer.value else "",
        "valid for": words.duration(offer.valid_for) if offer.valid_for else "",
        "valid until": offer.valid_until or "",
    }


def _message_fields(message: ir.Message) -> dict[str, str]:
    found = {"channel": message.channel.name, "category": message.category.name if message.category else ""}
    for item in message.fields:
        found[item.name] = f"file {words.quoted(item.file)}" if item.file is not None else words.quoted(item.text or "")
    return found


def _segment_fields(segment: ir.Segment) -> dict[str, str]:
    return {"definition": f"`{words.condition(segment.condition)}`"}


def _event_fields(event: ir.Event) -> dict[str, str]:
    return {f"property {p.name}": _property(p) for p in event.properties}


def _property(prop: ir.Property) -> str:
    default = f" default {words.literal(prop.default)}" if prop.default is not None else ""
    return f"({describe_type(prop.type)}{', optional' if prop.optional else ''}{default})"


def _channel_fields(channel: ir.Channel) -> dict[str, str]:
    return {
        "kind": channel.kind.name if channel.kind else "",
        "owner": channel.owner.name if channel.owner else "",
        "shared with": words.names(channel.shared_with),
        "address": f"profile.{channel.address.name}" if channel.address else "",
        "consent": f"profile.{channel.consent.name}" if channel.consent else "",
    }


def _traits(old: ir.Profile | None, new: ir.Profile | None) -> list[str]:
    before = {t.name: _property(t) for t in (old.traits if old else ())}
    after = {t.name: _property(t) for t in (new.traits if new else ())}
    lines = []
    for name in sorted(set(before) | set(after)):
        change = _field_change(f"trait `{name}`", before.get(name, ""), after.get(name, ""))
        if change:
            lines.append(change)
    return lines


def policy_rules(policy: ir.Policy | None) -> list[str]:
    """Every rule of the policy in the DSL's words."""
    if policy is None:
        return []
    rules = [f"priority {words.names(policy.priority)}"] if policy.priority else []
    rules += [words.cap(c) for c in policy.caps]
    rules += [words.quiet_hours(q) for q in policy.quiet_hours]
    rules += [words.suppression(s) for s in policy.suppressions]
    return rules + [words.exemption(e) for e in policy.exemptions]


def _policy(old: ir.Policy | None, new: ir.Policy | None) -> list[str]:
    before, after = policy_rules(old), policy_rules(new)
    gone = [rule for rule in before if rule not in after]
    added = [rule for rule in after if rule not in before]
    lines = []
    for rule in list(gone):  # a rule of the same kind replaced in place reads as one change
        kind = rule.split(" ")[0]
        replacement = next((r for r in added if r.split(" ")[0] == kind), None)
        if replacement is not None and sum(r.split(" ")[0] == kind for r in gone) == 1:
            lines.append(f"`{rule}` is now `{replacement}`")
            gone.remove(rule)
            added.remove(replacement)
    return lines + [f"new rule `{rule}`" for rule in added] + [f"`{rule}` is gone" for rule in gone]


# ---------------------------------------------------------------- volume under the caps
def _scope(cap: ir.Cap) -> tuple[str, str]:
    """What a cap counts and over how long (its limit left out, so one cap whose limit changed compares)."""
    return cap_scope_words(cap), as_written(cap.window)


def team_volumes(project: ir.Project) -> dict[tuple[tuple[str, str], str], int]:
    """(cap scope, team) -> the most messages counted by the cap that the team's journeys can send one customer
    within the cap's window (the worst path of each journey, times the runs its entry rules allow)."""
    policy = project.policy
    if policy is None:
        return {}
    facts = [journey_facts(project, journey, journey.span.file) for journey in project.journeys.values()]
    volumes: dict[tuple[tuple[str, str], str], int] = {}
    for cap in policy.caps:
        counts = cap_counter(policy, cap)
        for fact in facts:
            worst = max((len(most_in_window([p for p in path if counts(p)], cap.window.seconds)) for path in fact.paths),
                        default=0)  # fmt: skip
            if worst:
                key = (_scope(cap), fact.owner)
                volumes[key] = volumes.get(key, 0) + worst * runs_in(fact.journey, cap.window.seconds)[0]
    return volumes


def volume_changes(old: ir.Project, new: ir.Project) -> list[str]:
    """How each team's volume under each cap (a cap of the same scope in both versions) moves."""
    before, after = team_volumes(old), team_volumes(new)
    old_caps = {_scope(c) for c in (old.policy.caps if old.policy else ())}
    new_caps = {_scope(c): c for c in (new.policy.caps if new.policy else ())}
    lines = []
    for scope, team in sorted(set(before) | set(after)):
        was, now = before.get((scope, team), 0), after.get((scope, team), 0)
        if was == now or scope not in old_caps or scope not in new_caps:
            continue
        cap = new_caps[scope]
        verb = "may rise" if now > was else "falls"
        lines.append(
            f"{team}'s {scope[0]} per customer within {scope[1]} {verb} from {was} to {now} "
            f"(the policy allows {cap.limit}: `{words.cap(cap)}`)"
        )
    return lines
