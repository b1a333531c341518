"""What every check needs: the resolved project, the symbol table, and a place to put diagnostics."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from journeyc import ir
from journeyc.config import Config
from journeyc.diagnostics import Diagnostic, Label
from journeyc.resolve import Resolved
from journeyc.rules import RULES

T = TypeVar("T")

if TYPE_CHECKING:  # the modules that fill these facts import this one
    from jinja2 import TemplateSyntaxError, nodes

    from journeyc.checks.analysis.facts import AudienceLogic
    from journeyc.checks.analysis.logic import Domains
    from journeyc.checks.analysis.measure import Render
    from journeyc.checks.analysis.path_conditions import Condition, Reasoner
    from journeyc.checks.analysis.template_trees import TemplateReads
    from journeyc.runtime.plain_templates import PlainTemplate


@dataclass
class TemplateRead:
    """A `root.attr` a message's template reads (`attr`), and where: placed in the source only when a diagnostic
    needs it (most reads are fine, and placing one costs more than reading it)."""

    attr: str
    locate: Callable[[], ir.Span]

    @cached_property
    def span(self) -> ir.Span:
        return self.locate()


@dataclass
class SharedFacts:
    """What the checks of one run work out once and share, each fact typed, filled on first use by the function
    named beside it. Keyed by template text where texts repeat (many messages share one)."""

    # analysis/template_trees.py: parse_template, plain_template, template_nodes, template_reads
    template_trees: dict[str, nodes.Template | TemplateSyntaxError] = field(default_factory=dict)
    plain_templates: dict[str, PlainTemplate | None] = field(default_factory=dict)
    template_nodes: dict[str, tuple[nodes.Node, ...]] = field(default_factory=dict)
    template_reads: dict[str, TemplateReads] = field(default_factory=dict)
    # analysis/measure.py: what a template shows when measured, and how to render it for measuring
    shown_traits: dict[str, str | None] = field(default_factory=dict)
    measuring_renders: dict[str, tuple[Render, tuple[tuple[str, str], ...]] | None] = field(default_factory=dict)
    surely_fits: dict[tuple[str, str, int], bool] = field(default_factory=dict)  # (template, kind, limit)
    structured_properties: frozenset[str] | None = None
    longest_stand_in: str | None = None
    stand_ins_gsm: bool | None = None
    # analysis/facts.py: event_domains (by event name, "" for none), audience_logic
    event_domains: dict[str, Domains] = field(default_factory=dict)
    audience_logic: AudienceLogic | None = None
    # analysis/path_conditions.py: reasoner; analysis/moments.py: segment_entries
    reasoner: Reasoner | None = None
    segment_entries: dict[str, dict[str, tuple[Condition, int]]] = field(default_factory=dict)
    # rules/policy_fit.py: (audience key, consent trait) -> consent ruled out
    consent_ruled_out: dict[tuple[str, str], bool] = field(default_factory=dict)
    # rules/template_safety.py: (line, what, needle) of each literal over the sandbox's limits, by template text
    template_limits: dict[str, tuple[tuple[int, str, str], ...]] = field(default_factory=dict)
    # rules/messages.py: the first unguarded offer read, by message name and by template text
    unguarded_offer_spans: dict[str, ir.Span | None] = field(default_factory=dict)
    unguarded_offer_reads: dict[str, tuple[int, str] | None] = field(default_factory=dict)
    # rules/cap_budget.py: the heaviest overlapping audience groups, by (group keys, their weights)
    heaviest_overlaps: dict[tuple[tuple[str, ...], tuple[int, ...]], list[str]] = field(default_factory=dict)


def one(item: Any) -> tuple[int]:
    """The `ident` of `CheckContext.grouped` for items that are what their units read."""
    return (id(item),)


@dataclass
class CheckContext:
    resolved: Resolved
    root: Path
    read_template: object = None  # callable(display_path) -> str | None, set by the pipeline
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # message name -> the trigger.<property> / offer.<field> its templates read, collected by the template check
    trigger_uses: dict[str, list[TemplateRead]] = field(default_factory=dict)
    offer_uses: dict[str, list[TemplateRead]] = field(default_factory=dict)
    template_texts: dict[str, str] = field(default_factory=dict)
    config: Config = field(default_factory=Config)
    shared: SharedFacts = field(default_factory=SharedFacts)
    units: Any = None  # journeyc/incremental's `Units` in watch and the language server; None checks everything

    def unit(self, kind: str, subject: Any, run: Callable[..., T], *args: Any) -> T:
        """One unit of checking, `run(*args)`: what it reports and returns. An incremental check (`units`) replays
        both when nothing the unit reads changed since its last round (journeyc/incremental/units.py)."""
        return run(*args) if self.units is None else self.units.run(self, kind, subject, run, args)

    def grouped(
        self, kind: str, items: list[Any], ident: Callable[[Any], tuple[Any, ...]], each: Callable[[Any], T],
        size: int = 32,
    ) -> list[T]:  # fmt: skip
        """`[each(item) for item in items]`, where `each` makes the units of `kind` for one item. An incremental
        check replays each run of `size` items in one step when nothing changed under it: `ident(item)` gives the
        ids of what the item's units read besides messages (their subjects), all alive while the item is."""
        if self.units is None:
            return [each(item) for item in items]
        found: list[T] = []
        for start in range(0, len(items), size):
            found += self.units.group(self, kind, items[start : start + size], ident, each)
        return found

    @property
    def project(self) -> ir.Project:
        return self.resolved.project

    def lookup(self, kind: str, name: str, file: str, span: ir.Span):
        symbols = self.resolved.symbols
        found = symbols.lookup(kind, name, file, span)
        if symbols.diagnostics:
            self.diagnostics.extend(symbols.diagnostics)
            symbols.diagnostics = []
        return found

    def report(
        self,
        code: str,
        message: str,
        span: ir.Span,
        label: str | None = None,
        help: str | None = None,
        labels: tuple[Label, ...] = (),
        notes: tuple[str, ...] = (),
    ) -> None:
        """A diagnostic of rule `code`, at the rule's default severity (the settings may change it later)."""
        self.diagnostics.append(
            Diagnostic(
                code=code,
                severity=RULES[code].severity,
                message=message,
                span=span,
                label=label,
                help=help,
                labels=labels,
                notes=notes,
            )
        )

    error = report  # the rules of the early checks are all errors; new code calls `report`

    def shape(self, name: str) -> ir.ObjectType | None:
        shape = self.project.shapes.get(name)
        return shape.type if shape is not None else None

    def expand(self, t: ir.TypeRef) -> ir.TypeRef:
        """A shape reference replaced by its object type (shape names are checked where declared)."""
        if isinstance(t, ir.ShapeRef):
            return self.shape(t.name) or t
        return t


def did_you_mean(name: str, candidates: list[str] | tuple[str, ...]) -> str | None:
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f'did you mean "{close[0]}"?' if close else None
