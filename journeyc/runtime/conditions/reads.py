"""What a condition depends on, found once from its data: which events, profile, trigger and segments it reads,
and whether a filter reads nothing but the event it tests (then its value per event never changes and a
behaviour over it can be indexed: runtime/history.py)."""

from __future__ import annotations

from dataclasses import dataclass

from journeyc.runtime.conditions.data import BehaviourCondition, Condition, Operand

__all__ = ["Reads", "event_only", "reads"]


@dataclass
class Reads:
    """What a condition depends on: the events it reads from history (through which behaviour nodes, at any
    depth, and which through `last X of`), whether it reads the profile or the trigger, the segments it refers
    to."""

    events: set[str]
    profile: bool
    trigger: bool
    segments: set[str]
    behaviours: list[BehaviourCondition]
    lasts: set[str]


def reads(condition: Condition | None) -> Reads:
    """What `condition` reads (an unknown kind raises ValueError)."""
    out = Reads(set(), False, False, set(), [], set())
    _collect_reads(condition, out)
    return out


def _collect_reads(condition: Condition | None, out: Reads) -> None:
    if condition is None:
        return
    if condition["kind"] == "compare":
        _operand_reads(condition["left"], out)
        _operand_reads(condition["right"], out)
    elif condition["kind"] == "truthy" or condition["kind"] == "is_set":
        _operand_reads(condition["operand"], out)
    elif condition["kind"] == "is_one_of":
        _operand_reads(condition["operand"], out)
        for value in condition["values"]:
            _operand_reads(value, out)
    elif condition["kind"] == "in_segment":
        out.segments.add(condition["segment"])
    elif condition["kind"] == "behaviour":
        out.events.add(condition["event"])
        out.behaviours.append(condition)
        _collect_reads(condition.get("where"), out)
    elif condition["kind"] == "list_predicate":
        _operand_reads(condition["list"], out)
        _collect_reads(condition["where"], out)
    elif condition["kind"] == "and" or condition["kind"] == "or":
        for item in condition["items"]:
            _collect_reads(item, out)
    elif condition["kind"] == "not":
        _collect_reads(condition["item"], out)
    else:
        raise ValueError(f"unknown condition kind {condition.get('kind')!r}")


def _operand_reads(node: Operand, out: Reads) -> None:
    if node["kind"] == "last":
        out.events.add(node["event"])
        out.lasts.add(node["event"])
    elif node["kind"] == "path":
        parts = node["parts"]
        out.profile |= len(parts) > 1 and parts[0] == "profile"
        out.trigger |= len(parts) > 1 and parts[0] == "trigger"


def event_only(condition: Condition | None) -> bool:
    """True when the condition (a `where` filter) reads nothing but the event or item it tests and constants: no
    profile, trigger, history or segment. Its value for one event then never changes, so it can be indexed."""
    if condition is None:
        return True
    if condition["kind"] == "compare":
        return _operand_event_only(condition["left"]) and _operand_event_only(condition["right"])
    if condition["kind"] == "truthy" or condition["kind"] == "is_set":
        return _operand_event_only(condition["operand"])
    if condition["kind"] == "is_one_of":
        return _operand_event_only(condition["operand"]) and all(_operand_event_only(v) for v in condition["values"])
    if condition["kind"] == "list_predicate":
        return _operand_event_only(condition["list"]) and event_only(condition["where"])
    if condition["kind"] == "and" or condition["kind"] == "or":
        return all(event_only(item) for item in condition["items"])
    if condition["kind"] == "not":
        return event_only(condition["item"])
    return False  # behaviour, in_segment, or unknown


def _operand_event_only(node: Operand) -> bool:
    if node["kind"] == "const":
        return True
    if node["kind"] == "path":
        parts = node["parts"]
        return not (len(parts) > 1 and parts[0] in ("profile", "trigger"))
    return False
