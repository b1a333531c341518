"""The IR built while Lark parses (no parse tree) is the IR a walk over Lark's parse tree builds.

Same nodes, same spans (a rule's position is its first to its last token, as `propagate_positions` gives a tree
node), same diagnostics in the same order. The walk below is the reference: it hands each builder method the
tree node's `meta` and its children built first.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from lark import Tree

from journeyc import ir
from journeyc.diagnostics import Diagnostic
from journeyc.syntax.build_journey import JourneyBuilder
from journeyc.syntax.parser import parse_source, parse_tree

REPO = Path(__file__).resolve().parent.parent
SOURCES = sorted(
    path.relative_to(REPO).as_posix()
    for folder in ("journeys", "examples", "stdlib")
    for path in (REPO / folder).rglob("*.journey")
)


def tree_build(text: str, path: str) -> tuple[ir.SourceFile, list[Diagnostic]]:
    builder = JourneyBuilder(path)

    def walk(tree: Tree) -> object:
        children = [walk(c) if isinstance(c, Tree) else c for c in tree.children]
        return getattr(builder, tree.data)(tree.meta, children)

    groups = walk(parse_tree(text))
    assert isinstance(groups, dict)
    return ir.SourceFile(path=path, **{k: tuple(v) for k, v in groups.items()}), builder.diagnostics


@pytest.mark.parametrize("path", SOURCES)
def test_every_project_file_builds_as_from_the_tree(path: str) -> None:
    text = (REPO / path).read_text(encoding="utf-8")
    built, diagnostics = parse_source(text, path)
    assert diagnostics == []
    assert built != ir.SourceFile(path=path)  # it declares something
    assert (built, diagnostics) == tree_build(text, path)


MISTAKES = """
    policy {
      limit 2.5 messages per 0 days
      quiet hours 25:00 to 08:00 on sms then drop
    }
    offer A { code "A" value 150% off valid until 2026-02-30 }
    offer B { code "B" value 5 dollars off }
    event "E" { description "e" description "again" n number n string }
    journey j "J" {
      owner growth
      owner support
      trigger every funday at 09:00
      entry at most 0 times
      wait 3 fortnights
      wait until someday at 10:00
      experiment t { holdout 10% holdout 20% arm a 150% { exit } arm a 10% { exit } }
      if (profile.tier == "gold" and not profile.vip) or any "E" in last 2 months { exit } else { }
    }
"""


def test_builder_diagnostics_and_positions_match_the_tree() -> None:
    text = textwrap.dedent(MISTAKES).lstrip("\n")
    built, diagnostics = parse_source(text, "m.journey")
    assert len(diagnostics) >= 10  # the builder's own checks ran
    assert (built, diagnostics) == tree_build(text, "m.journey")
