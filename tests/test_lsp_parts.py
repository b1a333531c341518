"""The language server's parts without a client: quick fixes from real diagnostics, completion contexts, the index
of names, and positions in UTF-16."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import BASE_FILES, REPO, check, write_project
from lsprotocol import types

from journeyc import ir
from journeyc.load import find_project
from journeyc.lsp.actions import fix_for
from journeyc.lsp.completion import completions, context_at
from journeyc.lsp.index import Symbol, build_index
from journeyc.lsp.positions import Lines
from journeyc.pipeline import check_project

MISTAKES = """
import "company.journey"
import "events.journey"

segment big_spenders { profile.tier == "gld" }
message m2 on emal {
  subject "Hi {{ profile.fist_name | default('x') }}"
  text "Unsubscribe: https://x.example/u"
}
journey j2 {
  owner growht
  category promotinal
  trigger "Order Completed"
  entry once
  audience in segment big_spender and trigger.totl > 3
  send email m2
}
event "Thing" { a strng }
"""


def test_every_did_you_mean_fix_applied_removes_its_diagnostic(tmp_path: Path):
    files = dict(BASE_FILES, **{"more.journey": MISTAKES})
    files["cart.journey"] = files["cart.journey"].replace('trigger "Checkout Started"', 'trigger "Checkout Startd"')
    root = write_project(tmp_path, files)
    result = check(root)
    fixable = [d for d in result.diagnostics if d.help and "did you mean" in d.help]
    assert sorted(d.code for d in fixable) == ["J102", "J103", "J104", "J107", "J108", "J109", "J110", "J204", "J206"]
    for diagnostic in fixable:
        path = root / diagnostic.span.file
        text = path.read_text(encoding="utf-8")
        fix = fix_for(diagnostic, text)
        assert fix is not None, diagnostic
        path.write_text(text[: fix.start] + fix.text + text[fix.end :], encoding="utf-8")
        after = check(root).diagnostics
        assert not [d for d in after if d.code == diagnostic.code and d.span.line == diagnostic.span.line], diagnostic
        path.write_text(text, encoding="utf-8")


def test_a_fix_keeps_the_quotes_and_escapes_of_a_text():
    from journeyc.diagnostics import Diagnostic

    span = ir.Span(file="f", line=1, column=9, end_line=1, end_column=16)
    diagnostic = Diagnostic(code="J102", severity="error", message="m", span=span, help='did you mean "a \\"b\\""?')
    fix = fix_for(diagnostic, 'trigger "a_b_x" keyed by x')
    assert fix is not None and fix.text == 'a \\"b\\"' and (fix.start, fix.end) == (9, 14)


def test_no_fix_without_a_suggestion_or_outside_the_text():
    from journeyc.diagnostics import Diagnostic

    span = ir.Span(file="f", line=3, column=1, end_line=3, end_column=4)
    plain = Diagnostic(code="J105", severity="error", message="m", span=span, help="the messages visible here are a")
    assert fix_for(plain, "a\nb\nabc") is None
    beyond = Diagnostic(code="J105", severity="error", message="m", span=span, help='did you mean "abd"?')
    assert fix_for(beyond, "only one line") is None


@pytest.mark.parametrize(
    ("text", "placed"),
    [
        ("# heading\n\njourney j {\n}\n", "# heading\n\nimport x\njourney j {\n}\n"),
        ('import "a.journey"\n\njourney j {\n}\n', 'import "a.journey"\nimport x\n\njourney j {\n}\n'),
        ("journey j {\n}\n", "import x\njourney j {\n}\n"),
    ],
)
def test_a_missing_import_goes_after_the_imports_or_the_heading(text, placed):
    from journeyc.diagnostics import Diagnostic

    span = ir.Span(file="f", line=1, column=1, end_line=1, end_column=2)
    diagnostic = Diagnostic(code="J114", severity="error", message="m", span=span,
                            help="add `import x` at the top of this file")  # fmt: skip
    fix = fix_for(diagnostic, text)
    assert fix is not None and text[: fix.start] + fix.text + text[fix.end :] == placed


@pytest.fixture(scope="module")
def demo():
    return check_project(find_project(str(REPO / "journeys")))


@pytest.mark.parametrize(
    ("before", "block", "words", "typed"),
    [
        ("journey j {\n  send em", "journey", ["send"], "em"),
        ("journey j {\n  if a {\n    se", "steps", [], "se"),
        ("journey j {\n  experiment e {\n    ", "experiment", [], ""),
        ('event "E" {\n  address {\n    city ', "properties", ["city"], ""),
        ('journey j {\n  description "a { b"\n  ', "journey", [], ""),  # a brace inside a text is no block
        ("journey j {\n  # a { in a comment\n  ", "journey", [], ""),
        ("journey j {\n  if a {\n  } else {\n  ", "steps", [], ""),
    ],
)
def test_the_context_of_the_cursor(before, block, words, typed):
    found = context_at(before)
    assert (found.block, found.words, found.typed, found.in_text) == (block, words, typed, None)


def test_an_open_text_completes_event_names_only_after_event_words(demo):
    assert "Order Completed" in [i.label for i in completions('journey j {\n  goal "Ord', demo.project).items]
    assert completions('journey j {\n  description "Ord', demo.project).items == []
    at_least = completions('segment s {\n  at least 3 "Prod', demo.project)
    assert "Product Viewed" in [i.label for i in at_least.items]
    assert at_least.in_text and at_least.start == len('segment s {\n  at least 3 "')


def test_completion_by_block_and_channel_kind(demo):
    def labels(text: str) -> list[str]:
        return [item.label for item in completions(text, demo.project).items]

    assert labels("message m on sms {\n  ") == ["description", "category", "text"]
    assert labels("channel c {\n  kind ") == list(ir.CHANNEL_KINDS)
    assert "string" in labels('event "E" {\n  a ') and "product" in labels('event "E" {\n  a list of ')
    assert labels("journey j {\n  owner ") == ["growth", "product", "support"]
    assert labels("policy {\n  priority transactional, ") == ["lifecycle", "promotional", "transactional"]
    assert labels("")[:3] == ["import", "team", "category"]


def test_the_index_knows_properties_in_filters_lists_and_last_values(tmp_path: Path):
    files = dict(BASE_FILES)
    files["more.journey"] = """
        import "events.journey"
        segment fans {
          any "Order Completed" where any products where category == "dresses"
          and last total of "Order Completed" > 10
          and at least 100 total total of "Order Completed"
        }
    """
    result = check(write_project(tmp_path, files))
    index = build_index(result.project, result.resolved.files, result.sources)
    category = index.uses(Symbol("property", "category", ("shape", "product")))
    assert [(o.span.file, o.span.line, o.declaration) for o in category] == [
        ("events.journey", 3, True), ("more.journey", 3, False)]  # fmt: skip
    totals = index.uses(Symbol("property", "total", ("event", "Order Completed")), with_declaration=False)
    assert [(o.span.line, o.span.column) for o in totals] == [(4, 12), (5, 26)]
    products = index.uses(Symbol("property", "products", ("event", "Order Completed")), with_declaration=False)
    assert [(o.span.line, o.span.column, o.span.end_column) for o in products] == [(3, 35, 43)]


def test_positions_count_utf16_units_beyond_the_basic_plane():
    lines = Lines('team a "😀 x" # é\nteam b\n')
    span = ir.Span(file="f", line=1, column=10, end_line=1, end_column=11)  # the x, after the emoji
    assert lines.range(span) == types.Range(types.Position(0, 10), types.Position(0, 11))
    assert lines.line_column(types.Position(0, 10)) == (1, 10)
    assert Lines("😀x", "utf-32").position(1, 2) == types.Position(0, 1)
    assert Lines("😀x", "utf-8").position(1, 2) == types.Position(0, 4)
    assert lines.offset(types.Position(1, 2)) == len('team a "😀 x" # é\n') + 2
