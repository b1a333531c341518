"""`FastParse` parses exactly what Lark with its contextual lexer parses, into the same IR, or it gives up.

The claim in journeyc/syntax/fast_parse.py: whenever `FastParse` parses a text, Lark (same table, same callbacks,
contextual lexer) parses it too, into equal nodes with equal spans and equal builder diagnostics. When it gives up
(`NotParsedError`), `parse_source` parses the text with Lark, so what the user sees never depends on `FastParse`.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lark.exceptions import UnexpectedInput
from test_inline_build import SOURCES
from test_properties import CORPUS, JOURNEY_FILES, mutation

from journeyc.syntax.build_expr import DeclarationError
from journeyc.syntax.build_inline import build_from, build_inline
from journeyc.syntax.build_journey import JourneyBuilder
from journeyc.syntax.fast_parse import SUPPORTED_LARK, NotParsedError, check_lark_version
from journeyc.syntax.parser import fast_parser, inline_parser, parse_source

from conftest import REPO, examples  # isort: skip


def fast(text: str) -> tuple[Any, list[Any]] | None:
    """(built groups, builder diagnostics) by FastParse; None when it gives up."""
    builder = JourneyBuilder("t.journey")
    try:
        return build_inline(*fast_parser(), text, builder), builder.diagnostics
    except NotParsedError:
        return None


def lark(text: str) -> tuple[Any, list[Any]] | None:
    """The same by Lark with its contextual lexer; None when the text does not parse (or a rule refuses it)."""
    builder = JourneyBuilder("t.journey")
    try:
        return build_inline(*inline_parser(), text, builder), builder.diagnostics
    except (UnexpectedInput, DeclarationError):
        return None


def assert_agrees(text: str) -> None:
    by_fast = fast(text)
    if by_fast is not None:
        assert by_fast == lark(text)


@pytest.mark.parametrize("path", SOURCES)
def test_every_project_file_parses_the_fast_way_into_what_lark_builds(path: str) -> None:
    text = (REPO / path).read_text(encoding="utf-8")
    by_fast = fast(text)
    assert by_fast is not None
    assert by_fast == lark(text)


@pytest.mark.slow
@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_mutated_file_parses_the_fast_way_only_into_what_lark_builds(data: st.DataObject) -> None:
    text = CORPUS[data.draw(st.sampled_from(JOURNEY_FILES))]
    for _ in range(data.draw(st.integers(1, 3))):
        text = data.draw(mutation(text))
    assert_agrees(text)


KEYWORD_NAMES = """
event "Value Changed" {
  value number
  category string
  code string optional
  priority integer default 3
  entry datetime
}

profile {
  total number default 0 "a trait named like a keyword"
}

journey value "Names that are keywords elsewhere" {
  owner growth
  category lifecycle
  trigger "Value Changed" where value >= 10 and category == "shoes" keyed by code
  if trigger.value > 1.5 and profile.total is set { send email value } else { exit }
  wait until monday at 09:30
}
"""


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n\n# only a comment\n",
        "\ufeffteam growth",
        'team growth "Growth"\r\nteam support\t"Support"\r\n',
        KEYWORD_NAMES,
        'message m on email { html """line one\n  "quoted" line two\n""" subject "a \\"b\\" c" }',
        'offer O { code "O" value 10% off valid until 2026-02-28 }',
        "policy { quiet hours 21:00 to 08:00 on sms then defer }",
    ],
)
def test_texts_that_lean_on_the_contextual_lexer_parse_alike(text: str) -> None:
    by_fast = fast(text)
    assert by_fast is not None
    assert by_fast == lark(text)


@pytest.mark.parametrize(
    ("glued", "keyword", "rest"),
    [("entry onceever", "once", "ever"), ("ownergrowth", "owner", "growth"), ("sendemail welcome", "send", "email")],
)
def test_a_word_glued_to_a_keyword_is_an_error_on_both_paths(glued: str, keyword: str, rest: str) -> None:
    """Lark's contextual lexer used to read `onceever` as `once` `ever` where no name may stand, so it parsed with
    no diagnostic; now both paths read the word whole and refuse it, with a hint."""
    text = f'journey j "J" {{\n  owner growth\n  category lifecycle\n  trigger "Signed Up"\n  {glued}\n}}\n'
    assert fast(text) is None
    assert lark(text) is None
    _, diagnostics = parse_source(text, "t.journey")
    assert [(d.code, d.span.line, d.help) for d in diagnostics] == [
        ("J001", 5, f'put a space between "{keyword}" and "{rest}"')
    ]


@pytest.mark.parametrize("text", ["journey j {", "team growth ~", 'event "E" { n number', "journey j }"])
def test_a_broken_file_gives_up_and_lark_reports_it(text: str) -> None:
    assert fast(text) is None
    assert lark(text) is None
    _, diagnostics = parse_source(text, "t.journey")
    assert diagnostics and all(d.code.startswith("J0") for d in diagnostics)


def test_tokens_carry_the_positions_the_contextual_lexer_gives() -> None:
    """Spans come from token positions: a multi-line text moves the lines and columns of what follows it."""
    text = 'message m on email {\n  text """a\nb\n  c"""  subject "S"\n}\n'
    by_fast = fast(text)
    assert by_fast is not None and by_fast == lark(text)
    message = by_fast[0]["messages"][0]
    subject = next(f for f in message.fields if f.name == "subject")
    assert (subject.span.line, subject.span.column) == (4, 9)  # `  c"""  subject`


def test_reading_from_the_start_of_a_later_line_gives_what_reading_that_part_alone_gives() -> None:
    """`parse_source` goes on after a broken stretch from the start of a line: tokens keep the file's lines."""
    head = 'team growth "Growth"\n# a comment\n\n'
    tail = 'message m on email {\n  text """a\nb"""  subject "S"\n}\nteam support\n'
    builder = JourneyBuilder("t.journey")
    from_line = build_from(*fast_parser(), head + tail, len(head), 4, builder), builder.diagnostics
    alone = JourneyBuilder("t.journey", line_offset=3)
    assert from_line == (build_inline(*fast_parser(), tail, alone), alone.diagnostics)
    subject = from_line[0]["messages"][0].fields[1]
    assert (subject.span.line, subject.span.column) == (6, 7)  # `b"""  subject`


def test_a_stop_says_where_and_keeps_what_was_read_before_it() -> None:
    text = 'team a "A"\nteam b\njourney j {\n  owner growth\n  ~\n}\n'
    builder = JourneyBuilder("t.journey")
    with pytest.raises(NotParsedError) as stopped:
        build_from(*fast_parser(), text, 0, 1, builder)
    assert stopped.value.at == text.index("~")
    assert stopped.value.declaration is not None and stopped.value.declaration.start_pos == text.index("journey")
    assert [t.name for t in stopped.value.built["teams"]] == ["a", "b"]


def test_the_supported_lark_release_is_the_installed_one() -> None:
    import lark

    assert lark.__version__ == SUPPORTED_LARK
    check_lark_version(SUPPORTED_LARK)


@pytest.mark.parametrize("version", ["1.3.0", "1.3.2", "1.4.0", "2.0.0"])
def test_any_other_lark_release_is_refused_by_name(version: str) -> None:
    with pytest.raises(ImportError, match=f"supports lark {SUPPORTED_LARK} only, but lark {version} is installed"):
        check_lark_version(version)


def test_importing_the_parser_with_another_lark_release_fails_at_once() -> None:
    """The guard runs at import: a fake newer Lark stops `journeyc.syntax.fast_parse` from loading."""
    code = "import lark; lark.__version__ = '1.4.0'; import journeyc.syntax.fast_parse"
    process = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert process.returncode != 0
    assert f"journeyc's parser supports lark {SUPPORTED_LARK} only, but lark 1.4.0 is installed" in process.stderr
    assert f"pip install lark=={SUPPORTED_LARK}" in process.stderr
