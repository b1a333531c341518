"""Two versions of a journey's steps matched step by step, by structure: kind, message, duration and place in the
tree, never by step id (ids are positional today and may become content-derived).

Each block (the steps, a branch, an arm, `then`, `otherwise`) is aligned in two passes: identical steps first
(their whole text, nested blocks included, spans and ids left out), then, in the gaps between them, steps of the
same kind in order, which are the same step changed (`wait 1 day` -> `wait 2 days`; an `if` whose branches
changed, aligned in turn). What is left was added or removed, unless an identical step appears in the other
version at another place: that step moved.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from journeyc import ir
from journeyc.checks.analysis.logic import describe
from journeyc.checks.analysis.walk import all_steps
from journeyc.graph import words


@dataclass(frozen=True)
class Place:
    """Where a step is: the blocks around it in the DSL's words, outermost first, and the step before it."""

    blocks: tuple[str, ...]
    after: str | None  # the headline of the step before it in its block; None when it is the first

    def words(self) -> str:
        inside = " › ".join(f"`{block}`" for block in self.blocks)
        position = f"after `{self.after}`" if self.after else "first"
        return f"{position} in {inside}" if inside else (f"{position} in the steps" if not self.after else position)


@dataclass(frozen=True)
class StepChange:
    kind: Literal["added", "removed", "changed", "moved"]
    old: ir.Step | None
    new: ir.Step | None
    old_place: Place | None
    new_place: Place | None
    details: tuple[str, ...] = ()  # for `changed`: what changed, in words


@dataclass
class Alignment:
    changes: list[StepChange] = field(default_factory=list)
    # id(old step) -> the same step in the new version (unchanged, changed or moved), for every step, nested too
    counterpart: dict[int, ir.Step] = field(default_factory=dict)
    moved: set[int] = field(default_factory=set)  # ids of old steps that moved


def step_key(step: ir.Step | ir.Branch | ir.Arm) -> str:
    """The step's whole content without spans and ids: equal keys, identical steps."""
    return json.dumps(_without_places(step.model_dump()), sort_keys=True)


def _without_places(value: object) -> object:
    if isinstance(value, dict):
        return {k: _without_places(v) for k, v in value.items() if k != "id" and not k.endswith("span")}
    if isinstance(value, list | tuple):
        return [_without_places(v) for v in value]
    return value


def _header_key(step: ir.Step) -> str:
    """The step without its nested blocks: what a `changed` step compares besides them."""
    return step_key(step.model_copy(update={name: () for name in ("then", "otherwise") if hasattr(step, name)}))


def align(old: tuple[ir.Step, ...], new: tuple[ir.Step, ...]) -> Alignment:
    found = Alignment()
    _block(old, new, (), (), found)
    _find_moves(found)
    return found


def _places(steps: tuple[ir.Step, ...], blocks: tuple[str, ...]) -> list[Place]:
    return [Place(blocks, words.step_headline(steps[i - 1]) if i else None) for i in range(len(steps))]


def _block(
    old: tuple[ir.Step, ...], new: tuple[ir.Step, ...], old_blocks: tuple[str, ...], new_blocks: tuple[str, ...],
    found: Alignment,
) -> None:  # fmt: skip
    old_places, new_places = _places(old, old_blocks), _places(new, new_blocks)
    exact = difflib.SequenceMatcher(a=[step_key(s) for s in old], b=[step_key(s) for s in new], autojunk=False)
    for tag, i1, i2, j1, j2 in exact.get_opcodes():
        if tag == "equal":
            for o, n in zip(old[i1:i2], new[j1:j2], strict=True):
                _same(o, n, found)
            continue
        kinds = difflib.SequenceMatcher(a=[s.kind for s in old[i1:i2]], b=[s.kind for s in new[j1:j2]], autojunk=False)
        for kind_tag, k1, k2, m1, m2 in kinds.get_opcodes():
            pairs = range(k2 - k1) if kind_tag == "equal" else range(0)
            for offset in pairs:
                at_old, at_new = i1 + k1 + offset, j1 + m1 + offset
                _changed(old[at_old], new[at_new], old_places[at_old], new_places[at_new], found)
            if kind_tag != "equal":
                for at_old in range(i1 + k1, i1 + k2):
                    found.changes.append(StepChange("removed", old[at_old], None, old_places[at_old], None))
                for at_new in range(j1 + m1, j1 + m2):
                    found.changes.append(StepChange("added", None, new[at_new], None, new_places[at_new]))


def _same(old: ir.Step, new: ir.Step, found: Alignment) -> None:
    """Identical steps: every nested step is its own counterpart, in order."""
    for o, n in zip(all_steps((old,)), all_steps((new,)), strict=True):
        found.counterpart[id(o)] = n


def _changed(old: ir.Step, new: ir.Step, old_place: Place, new_place: Place, found: Alignment) -> None:
    found.counterpart[id(old)] = new
    details = _details(old, new)
    if details:
        found.changes.append(StepChange("changed", old, new, old_place, new_place, tuple(details)))
    for old_steps, new_steps, old_block, new_block in _nested_blocks(old, new):
        _block(old_steps, new_steps, (*old_place.blocks, old_block), (*new_place.blocks, new_block), found)


def _details(old: ir.Step, new: ir.Step) -> list[str]:
    """What changed in a step itself (its nested steps are aligned on their own)."""
    if isinstance(old, ir.IfStep) and isinstance(new, ir.IfStep):
        return _if_details(old, new)
    if isinstance(old, ir.ExperimentStep) and isinstance(new, ir.ExperimentStep):
        return _experiment_details(old, new)
    if _header_key(old) == _header_key(new):
        return []
    return [f"`{words.step_headline(old)}` is now `{words.step_headline(new)}`"]


def _branch_words(step: ir.IfStep, index: int) -> str:
    return f"{'if' if index == 0 else 'else if'} {words.condition(step.branches[index].condition)}"


def _branch_pairs(old: ir.IfStep, new: ir.IfStep) -> list[tuple[int | None, int | None]]:
    """Branches of two versions of an `if`, paired: same condition first, then the rest in order."""
    conditions = [describe(b.condition) for b in new.branches]
    unused = list(range(len(new.branches)))
    pairs: list[tuple[int | None, int | None]] = []
    for index, branch in enumerate(old.branches):
        same = next((k for k in unused if conditions[k] == describe(branch.condition)), None)
        pairs.append((index, same))
        if same is not None:
            unused.remove(same)
    pairs = [(o, n if n is not None else (unused.pop(0) if unused else None)) for o, n in pairs]
    pairs += [(None, n) for n in unused]
    return sorted(pairs, key=lambda pair: (pair[1] if pair[1] is not None else len(new.branches), pair[0] or 0))


def _if_details(old: ir.IfStep, new: ir.IfStep) -> list[str]:
    found = []
    for o, n in _branch_pairs(old, new):
        before = words.condition(old.branches[o].condition) if o is not None else None
        after = words.condition(new.branches[n].condition) if n is not None else None
        if o is not None and n is not None and before != after:
            found.append(f"`{_branch_words(old, o)}` is now `{_branch_words(new, n)}`")
        elif o is None and n is not None:
            found.append(f"new branch `{_branch_words(new, n)}`")
        elif n is None and o is not None:
            found.append(f"branch `{_branch_words(old, o)}` is gone")
    if (old.otherwise is None) != (new.otherwise is None):
        found.append("new `else` branch" if new.otherwise is not None else "the `else` branch is gone")
    return found


def _experiment_details(old: ir.ExperimentStep, new: ir.ExperimentStep) -> list[str]:
    found = []
    if old.name != new.name:
        found.append(f"`experiment {old.name}` is now `experiment {new.name}`")
    if (old.holdout or 0) != (new.holdout or 0):
        found.append(f"holdout {words.percent(old.holdout or 0)} is now {words.percent(new.holdout or 0)}")
    old_arms, new_arms = {a.name: a for a in old.arms}, {a.name: a for a in new.arms}
    for name in [*old_arms, *(n for n in new_arms if n not in old_arms)]:
        before, after = old_arms.get(name), new_arms.get(name)
        if before is not None and after is not None and before.weight != after.weight:
            found.append(f"arm {name}: {words.percent(before.weight)} is now {words.percent(after.weight)}")
        elif before is None and after is not None:
            found.append(f"new arm {name} {words.percent(after.weight)}")
        elif after is None and before is not None:
            found.append(f"arm {name} is gone")
    return found


def _nested_blocks(old: ir.Step, new: ir.Step) -> Iterator[tuple[tuple[ir.Step, ...], tuple[ir.Step, ...], str, str]]:
    """The blocks of two versions of one step, paired: (old steps, new steps, old block words, new block words)."""
    if isinstance(old, ir.WaitForStep) and isinstance(new, ir.WaitForStep):
        yield old.then, new.then, f"{words.wait_for(old)} then", f"{words.wait_for(new)} then"
        yield old.otherwise, new.otherwise, f"{words.wait_for(old)} otherwise", f"{words.wait_for(new)} otherwise"
    elif isinstance(old, ir.IfStep) and isinstance(new, ir.IfStep):
        for o, n in _branch_pairs(old, new):
            old_words = _branch_words(old, o) if o is not None else _branch_words(new, n or 0)
            new_words = _branch_words(new, n) if n is not None else old_words
            before = old.branches[o].steps if o is not None else ()
            yield before, new.branches[n].steps if n is not None else (), old_words, new_words
        if old.otherwise is not None or new.otherwise is not None:
            old_else, new_else = f"{_branch_words(old, 0)} … else", f"{_branch_words(new, 0)} … else"
            yield old.otherwise or (), new.otherwise or (), old_else, new_else
    elif isinstance(old, ir.ExperimentStep) and isinstance(new, ir.ExperimentStep):
        old_arms, new_arms = {a.name: a for a in old.arms}, {a.name: a for a in new.arms}
        for name in [*old_arms, *(n for n in new_arms if n not in old_arms)]:
            old_arm, new_arm = old_arms.get(name), new_arms.get(name)
            yield (
                old_arm.steps if old_arm else (),
                new_arm.steps if new_arm else (),
                f"experiment {old.name} arm {name}",
                f"experiment {new.name} arm {name}",
            )


def _find_moves(found: Alignment) -> None:
    """A removed step identical to an added one (each maybe nested in a removed or added block) moved."""
    added: dict[str, list[tuple[ir.Step, StepChange]]] = {}
    for change in found.changes:
        if change.kind == "added" and change.new is not None:
            for step in all_steps((change.new,)):
                added.setdefault(step_key(step), []).append((step, change))
    moves: list[StepChange] = []
    whole: set[int] = set()  # ids of the added / removed changes that a move explains entirely
    for change in list(found.changes):
        if change.kind != "removed" or change.old is None:
            continue
        for step in all_steps((change.old,)):
            if id(step) in found.counterpart:
                continue  # inside a step that moved as a whole
            candidates = added.get(step_key(step))
            if not candidates:
                continue
            target, added_change = candidates.pop(0)
            _same(step, target, found)
            found.moved.update(id(s) for s in all_steps((step,)))
            old_place = change.old_place if step is change.old else None
            new_place = added_change.new_place if target is added_change.new else None
            moves.append(StepChange("moved", step, target, old_place, new_place))
            if step is change.old and target is added_change.new:
                whole.update((id(change), id(added_change)))
    found.changes = [c for c in found.changes if id(c) not in whole] + moves
