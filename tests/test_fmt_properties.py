"""The formatter's promises on every real file and on random edits of them (hypothesis): the layout is stable
(fmt(fmt(x)) == fmt(x)), never changes what a file means (same IR, positions aside), does not depend on where the
author broke lines inside a statement, and leaves a file that does not parse as it is."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pytest
from conftest import REPO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lark import Lark

from journeyc.fmt import format_source, meaning
from journeyc.fmt.comments import tokens_of
from journeyc.syntax.grammar import GRAMMAR, WholeWords
from journeyc.syntax.parser import lark_parser, parse_source

pytestmark = pytest.mark.slow  # (generated edits of whole projects, formatted and checked)

FILES = sorted(
    [*REPO.glob("journeys/**/*.journey"), *REPO.glob("examples/**/*.journey"), *REPO.glob("stdlib/*.journey")]
)
TEXTS = {path.relative_to(REPO).as_posix(): path.read_text(encoding="utf-8") for path in FILES}
NAMES = sorted(TEXTS)


def ir_of(text: str):
    source, diagnostics = parse_source(text, "t.journey")
    assert not [d for d in diagnostics if d.code.startswith("J0")]
    return meaning(source)


def assert_promises(text: str) -> str | None:
    """fmt(text) is stable and means what `text` means; None when `text` does not parse (and is left alone)."""
    result = format_source(text, "t.journey")
    if result.text is None:
        assert result.problems and not result.changed
        return None
    assert format_source(result.text, "t.journey").text == result.text
    assert ir_of(result.text) == ir_of(text)
    return result.text


@pytest.mark.parametrize("name", NAMES)
def test_every_project_file_is_stable_and_keeps_its_meaning(name):
    assert FILES, "no .journey files found"
    assert assert_promises(TEXTS[name]) is not None


def comments_in(text: str) -> list[str]:
    """The comments of a text as Lark's own lexer reads them (the grammar ignores them; a callback sees them)."""
    found: list[str] = []
    parser = Lark(GRAMMAR.read_text(encoding="utf-8"), parser="lalr", lexer="contextual", postlex=WholeWords(),
                  lexer_callbacks={"COMMENT": lambda token: found.append(str(token).rstrip())})  # fmt: skip
    parser.parse(text)
    return found


def test_every_comment_of_every_project_file_is_kept_in_order():
    for name, text in TEXTS.items():
        formatted = format_source(text, name).text
        assert formatted is not None
        assert comments_in(formatted) == comments_in(text), name


def _gaps(text: str) -> list[tuple[int, int]]:
    """The stretches between tokens (spaces, line breaks and comments)."""
    tokens = tokens_of(lark_parser().parse(text))
    return [(a.end_pos, b.start_pos) for a, b in itertools.pairwise(tokens)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(NAMES), seed=st.integers(0, 2**32 - 1))
def test_where_a_statement_breaks_its_lines_does_not_change_the_layout(name, seed):
    """Every gap of one line break or none, without a comment, may become spaces, a tab or a line break with any
    indentation: the layout is the same. (Empty lines and comments are the author's and are kept.)"""
    text = TEXTS[name]
    chance = random.Random(seed)
    pieces, last = [], 0
    for start, end in _gaps(text):
        gap = text[start:end]
        if "#" in gap or gap.count("\n") > 1:
            continue
        pieces += [text[last:start], chance.choice([" ", "   ", "\t", "\n", "\n      ", " \n\t"])]
        last = end
    mutated = "".join(pieces) + text[last:]
    assert format_source(mutated, "t.journey").text == format_source(text, "t.journey").text


EDITS = st.sampled_from(["comment", "blank", "delete", "duplicate", "swap"])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(NAMES), edits=st.lists(st.tuples(EDITS, st.integers(0, 10**6)), min_size=1, max_size=4))
def test_random_edits_are_stable_keep_their_meaning_or_are_left_alone(name, edits):
    """Comments and empty lines put anywhere between tokens, and lines deleted, doubled or swapped (which may
    break the file): the result is stable and means what the edited file means, or the file is left alone."""
    text = TEXTS[name]
    for kind, at in edits:
        if kind in ("comment", "blank"):
            gaps = _gaps(text) if format_source(text, "t.journey").text is not None else []
            if not gaps:
                continue
            start, _ = gaps[at % len(gaps)]
            insert = "  # a note {\n" if kind == "comment" else "\n\n"
            text = text[:start] + insert + text[start:]
        else:
            lines = text.splitlines(keepends=True)
            if len(lines) < 2:
                continue
            n = at % (len(lines) - 1)
            if kind == "delete":
                del lines[n]
            elif kind == "duplicate":
                lines.insert(n, lines[n])
            else:
                lines[n], lines[n + 1] = lines[n + 1], lines[n]
            text = "".join(lines)
    assert_promises(text)


def test_the_generated_benchmark_project_is_stable_and_keeps_its_meaning(tmp_path: Path):
    import sys

    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        from project_gen import generate
    finally:
        sys.path.pop(0)
    texts = generate(tmp_path, 40)
    for name, text in sorted(texts.items()):
        assert assert_promises(text) is not None, name
