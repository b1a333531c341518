"""`journeyc diff`: what changes for customers between a git commit and the project on disk, computed from the
two IRs (never from the text), as plain text, Markdown for a pull-request comment, or JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from journeyc import ir
from journeyc.graph.flowchart import journey_flowchart
from journeyc.graph.mermaid import render_mermaid
from journeyc.graph.output import fenced
from journeyc.pipeline import CheckResult
from journeyc.review.backtest import backtest_report
from journeyc.review.declarations import Section, compare_declarations, volume_changes
from journeyc.review.gitref import Version
from journeyc.review.journeys import JourneyDiff, compare_journeys

JSON_FORMAT_VERSION = 1


@dataclass
class ProjectChanges:
    against: str  # the old version, as reports name it (`main (1a2b3c4d5e)`)
    journeys: list[JourneyDiff]
    sections: list[Section]
    volume: list[str]
    notes: list[str] = field(default_factory=list)  # about the comparison itself (an old version with errors)
    backtest: list[str] = field(default_factory=list)  # the backtest's report, when one was run

    @property
    def empty(self) -> bool:
        return not (self.journeys or self.sections or self.volume)


def compare_projects(old: ir.Project, new: ir.Project, against: str, focus: str | None = None) -> ProjectChanges:
    """Every change for customers; with `focus` (a file), only the journeys declared in that file."""
    journeys = compare_journeys(old, new)
    if focus is not None:
        journeys = [j for j in journeys if j.journey.span.file == focus]
    return ProjectChanges(against, journeys, compare_declarations(old, new), volume_changes(old, new))


def compare_versions(
    old: Version, new: CheckResult, events: list[str] | None = None, until: float | None = None,
    until_text: str | None = None,
) -> ProjectChanges:  # fmt: skip
    """The changes from `old` to the project on disk, with notes about the comparison, and the backtest over
    `events` up to `until` when they are given (and the old version can be built)."""
    changes = compare_projects(old.result.project, new.project, old.name, new.files.focus)
    if not old.existed:
        changes.notes.append(f"the project folder is not in {old.name}: everything in it is new")
    if old.result.errors:
        changes.notes.append(f"the project at {old.name} has {old.result.errors} errors: it is compared as it reads")
    if events is not None and until is not None:
        if old.result.errors:
            changes.notes.append("no backtest: the old version has errors, so it cannot be built")
        else:
            changes.backtest = backtest_report(old.result, new, events, until, until_text or "")
    return changes


def _journey_heading(diff: JourneyDiff) -> str:
    word = {"added": "new journey", "removed": "removed journey", "changed": "journey"}[diff.change]
    return f"{word} {diff.name} ({diff.owner}), {diff.where}"


def render_text(changes: ProjectChanges) -> str:
    lines = [f"compared with {changes.against}"]
    lines += [f"note: {note}" for note in changes.notes]
    if changes.empty:
        lines.append("no change for customers")
    for diff in changes.journeys:
        lines += ["", _journey_heading(diff), *(f"  - {line}" for line in diff.lines)]
    for section in changes.sections:
        lines += ["", section.title, *(f"  - {line}" for line in section.lines)]
    if changes.volume:
        lines += ["", "volume under the contact policy", *(f"  - {line}" for line in changes.volume)]
    if changes.backtest:
        lines += ["", *changes.backtest]
    return "\n".join(lines) + "\n"


def render_markdown(changes: ProjectChanges, new: ir.Project) -> str:
    """A pull-request comment: the changes, then the flowchart of each new or changed journey (folded)."""
    lines = [f"### What changes for customers\n\nCompared with `{changes.against}`."]
    lines += [f"\n> {note}" for note in changes.notes]
    if changes.empty:
        lines.append("\nNo change for customers.")
    for diff in changes.journeys:
        word = {"added": "new journey", "removed": "removed journey", "changed": "journey"}[diff.change]
        lines.append(f"\n**{word} `{diff.name}`** ({diff.owner}, {diff.where})\n")
        lines += [f"- {line}" for line in diff.lines]
    for section in changes.sections:
        lines.append(f"\n**{section.title}**\n")
        lines += [f"- {line}" for line in section.lines]
    if changes.volume:
        lines.append("\n**volume under the contact policy**\n")
        lines += [f"- {line}" for line in changes.volume]
    if changes.backtest:
        lines.append("\n**backtest on real history**\n")
        lines += ["```", *changes.backtest, "```"]
    for diff in changes.journeys:
        journey = new.journeys.get(diff.name)
        if journey is None:
            continue
        chart = fenced(render_mermaid(journey_flowchart(new, journey)))
        summary = f"Flowchart of <code>{diff.name}</code> after this change"
        lines.append(f"\n<details><summary>{summary}</summary>\n\n{chart}\n</details>")
    return "\n".join(lines) + "\n"


def render_json(changes: ProjectChanges) -> str:
    document = {
        "version": JSON_FORMAT_VERSION,
        "against": changes.against,
        "notes": changes.notes,
        "journeys": [
            {
                "name": d.name,
                "change": d.change,
                "owner": d.owner,
                "file": d.journey.span.file,
                "line": d.journey.span.line,
                "changes": d.lines,
            }
            for d in changes.journeys
        ],
        "sections": [{"title": s.title, "changes": list(s.lines)} for s in changes.sections],
        "volume": changes.volume,
        "backtest": changes.backtest,
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
