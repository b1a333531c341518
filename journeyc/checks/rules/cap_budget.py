"""Cap budgets across journeys (J704): all the journeys one customer can be in, added up against each cap."""

from __future__ import annotations

from collections.abc import Callable

from journeyc import ir
from journeyc.checks.analysis.facts import JourneyFacts
from journeyc.checks.analysis.path_conditions import reasoner
from journeyc.checks.analysis.policy_scope import cap_counter, cap_scope_words, runs_in
from journeyc.checks.analysis.timeline import PlannedSend, as_written, most_in_window
from journeyc.checks.context import CheckContext
from journeyc.diagnostics import Label

MAX_AUDIENCE_GROUPS = 64  # the cap budget compares at most this many distinct audiences, heaviest first


def _weight(
    cap: ir.Cap, counts: Callable[[PlannedSend], bool], facts: JourneyFacts
) -> tuple[int, list[PlannedSend], str | None]:
    """`counts`: whether a send counts against `cap` (its `cap_counter`)."""
    best: list[PlannedSend] = []
    for path in facts.paths:
        run = most_in_window([p for p in path if counts(p)], cap.window.seconds)
        if len(run) > len(best):
            best = run
    runs, note = runs_in(facts.journey, cap.window.seconds)
    return len(best) * runs, best, note if best else None


def check_cap_budget(ctx: CheckContext, policy: ir.Policy, cap: ir.Cap, facts: list[JourneyFacts]) -> None:
    counts = cap_counter(policy, cap)
    found = ctx.grouped("cap weight", facts, lambda f: (id(cap), id(f)),
                        lambda f: ctx.unit("cap weight", (cap, f), _weight, cap, counts, f))  # fmt: skip
    weights = {id(f): weight for f, weight in zip(facts, found, strict=True)}
    # Journeys with the same audience overlap each other: group them, then grow the heaviest set of groups
    # whose audiences all overlap pairwise.
    groups: dict[str, list[JourneyFacts]] = {}
    for f in facts:
        if weights[id(f)][0] > 0:
            groups.setdefault(f.audience_key, []).append(f)
    weight = {key: sum(weights[id(f)][0] for f in members) for key, members in groups.items()}
    keys = sorted(groups, key=lambda k: (-weight[k], k))[:MAX_AUDIENCE_GROUPS]
    # Which groups are chosen depends only on the audiences (their keys) and their weights: an edit that changes
    # neither (most edits, in watch and the language server) finds the answer of the round before.
    memo = (tuple(keys), tuple(weight[k] for k in keys))
    chosen = ctx.shared.heaviest_overlaps.get(memo)
    if chosen is None:
        chosen = ctx.shared.heaviest_overlaps[memo] = _heaviest_overlap(
            keys, weight, _overlapping_groups(ctx, keys, groups)
        )
    best = [f for key in chosen for f in groups[key]]
    total = sum(weights[id(f)][0] for f in best)
    if len(best) < 2 or total <= cap.limit:
        return
    # The report names every journey of the budget (hundreds of labels): a unit, replayed while they are the same.
    ctx.unit("cap budget", (cap, best), _report, ctx, cap, best, [weights[id(f)] for f in best])


def _report(
    ctx: CheckContext, cap: ir.Cap, best: list[JourneyFacts], found: list[tuple[int, list[PlannedSend], str | None]]
) -> None:
    """J704: `best`, the journeys of the heaviest budget, whose `found` weights add up to more than the cap."""
    weights = {id(f): weight for f, weight in zip(best, found, strict=True)}
    total = sum(weight[0] for weight in found)
    best = sorted(best, key=lambda f: (f.file, f.journey.span.line))
    parts = [f'"{f.name}" ({f.owner}) {weights[id(f)][0]}' for f in best]
    notes = [note for f in best if (note := weights[id(f)][2])]
    ctx.report(
        "J704",
        f"together, journeys can send one customer {total} {cap_scope_words(cap)} within {as_written(cap.window)}; "
        f"the cap allows {cap.limit}",
        cap.span,
        f"at most {cap.limit}",
        labels=tuple(
            Label(
                span=f.journey.name_span or f.journey.span,
                message=f"{f.owner}: up to {weights[id(f)][0]} ({', '.join(p.step.message.name for p in weights[id(f)][1])})",
            )
            for f in best
        ),
        notes=(f"worst case per journey: {', '.join(parts)}; nothing keeps one customer out of any of them", *notes),
        help=f"the runtime will drop {total - cap.limit} of them, by priority: {_who_decides(best)}",
    )


def _heaviest_overlap(keys: list[str], weight: dict[str, int], neighbours: dict[str, frozenset[str]]) -> list[str]:
    """The heaviest set of audience groups that all overlap pairwise, grown greedily from each group in turn."""
    chosen: list[str] = []
    for start in keys:
        # `common`: the groups that overlap every member so far, so the next one to join is the first of them.
        clique, common = [start], neighbours[start]
        for other in keys:
            if other in common:
                clique.append(other)
                common = common & neighbours[other]
        if sum(weight[k] for k in clique) > sum(weight[k] for k in chosen):
            chosen = clique
    return chosen


def _overlapping_groups(
    ctx: CheckContext, keys: list[str], groups: dict[str, list[JourneyFacts]]
) -> dict[str, frozenset[str]]:
    """For each audience group, the other groups whose audiences overlap it (each pair is decided once)."""
    reasoning = reasoner(ctx)
    audiences = {key: reasoning.of(groups[key][0].audience) for key in keys}
    neighbours: dict[str, set[str]] = {key: set() for key in keys}
    for index, x in enumerate(keys):
        for y in keys[index + 1 :]:
            if reasoning.meet(audiences[x], audiences[y], None):
                neighbours[x].add(y)
                neighbours[y].add(x)
    return {key: frozenset(found) for key, found in neighbours.items()}


def _who_decides(group: list[JourneyFacts]) -> str:
    teams = sorted({f.owner for f in group})
    if len(teams) == 1:
        return f"team {teams[0]} should decide which of its journeys gets the budget"
    return f"teams {', '.join(teams[:-1])} and {teams[-1]} should agree who gets the budget"
