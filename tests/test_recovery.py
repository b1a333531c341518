"""Reading past syntax errors: every declaration that parses is kept, each broken one is reported once, and a
file with an error costs about what a clean one does (the work is counted, not timed)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from conftest import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lark import Lark
from test_properties import CORPUS, JOURNEY_FILES

from journeyc import ir
from journeyc.syntax.fast_parse import FastParse, NotParsedError
from journeyc.syntax.parser import DECLARATION_KEYWORDS, parse_source

TEAM = 'team t{n} "Team {n}"\n'
JOURNEY = 'journey j{n} "J" {{\n  owner t{n}\n  category c\n  trigger "E"\n  wait 1 hour\n  send m{n}\n}}\n'


def big_file(declarations: int) -> str:
    return "".join((TEAM if n % 2 else JOURNEY).format(n=n) for n in range(declarations))


class ReadCounter:
    """Counts the characters each parser reads: FastParse from where it starts to where it stops or ends, Lark
    every text it is handed."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.fast = self.lark = 0
        fast_parse, lark_parse = FastParse.parse, Lark.parse

        def counted_fast(parser: FastParse, text: str, pos: int = 0, line: int = 1) -> Any:
            try:
                result = fast_parse(parser, text, pos, line)
            except NotParsedError as stopped:
                self.fast += stopped.at - pos
                raise
            self.fast += len(text) - pos
            return result

        def counted_lark(parser: Lark, text: str, *args: Any, **kwargs: Any) -> Any:
            self.lark += len(text)
            return lark_parse(parser, text, *args, **kwargs)

        monkeypatch.setattr(FastParse, "parse", counted_fast)
        monkeypatch.setattr(Lark, "parse", counted_lark)


def test_an_error_at_the_end_is_read_once_not_three_times(monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole file used to be read by FastParse, again by Lark, and a third time declaration by declaration."""
    text = big_file(400)
    broken = 'journey broken "B" {\n  wait 1 hour\n  ~\n}\n'
    counter = ReadCounter(monkeypatch)
    source, diagnostics = parse_source(text + broken, "big.journey")
    assert [(d.code, d.span.line) for d in diagnostics] == [("J002", text.count("\n") + 3)]
    assert len(source.journeys) == 200 and len(source.teams) == 200
    assert counter.fast <= len(text) + len(broken)
    assert counter.lark <= 2 * len(broken)


@pytest.mark.parametrize("errors", [1, 10, 100])
def test_the_work_grows_with_the_file_not_with_errors_times_the_file(
    monkeypatch: pytest.MonkeyPatch, errors: int
) -> None:
    declarations = 400
    every = declarations // errors
    parts = [
        (TEAM.replace('"\n', '" ~\n') if n % every == 1 else (TEAM if n % 2 else JOURNEY)).format(n=n)
        for n in range(declarations)
    ]
    text = "".join(parts)
    counter = ReadCounter(monkeypatch)
    _, diagnostics = parse_source(text, "big.journey")
    shown = [d for d in diagnostics if "more syntax errors" not in d.message]
    assert [d.code for d in shown] == ["J002"] * min(errors, 20)
    broken = sum(len(p) for p in parts if "~" in p)
    assert counter.fast <= len(text)
    assert counter.lark <= 2 * broken  # each broken declaration: once whole, once alone


def test_the_declarations_around_a_broken_one_are_read_as_in_a_clean_file() -> None:
    clean = big_file(9)
    broken = clean.replace("  wait 1 hour\n", "  wait 1 hour ~\n", 1)
    clean_source, _ = parse_source(clean, "f.journey")
    source, diagnostics = parse_source(broken, "f.journey")
    assert [(d.code, d.span.line, d.span.column) for d in diagnostics] == [("J002", 5, 15)]
    assert [u.name for u in source.unparsed] == ["j0"]
    assert source.teams == clean_source.teams
    assert source.journeys == clean_source.journeys[1:]


def test_a_declaration_keyword_at_the_start_of_a_line_inside_a_text_no_longer_breaks_it() -> None:
    """Recovery cuts at unindented declaration keywords; a long text may hold one. Only the broken stretch is cut
    now, so the message before the error is read whole."""
    text = 'message m on email {\n  text """Hello\nevent horizon ahead\n"""\n}\nteam t ~\n'
    source, diagnostics = parse_source(text, "f.journey")
    assert [(d.code, d.span.line, d.span.column) for d in diagnostics] == [("J002", 6, 8)]
    assert source.messages[0].fields[0].text == "Hello\nevent horizon ahead\n"


def test_a_declaration_that_starts_mid_line_keeps_its_columns() -> None:
    source, diagnostics = parse_source('team a "A" team b "B" ~\nteam c\n', "f.journey")
    assert [(d.code, d.span.line, d.span.column) for d in diagnostics] == [("J002", 1, 23)]
    assert [t.name for t in source.teams] == ["a", "c"]


def test_a_missing_closing_brace_is_reported_where_the_next_declaration_starts() -> None:
    text = 'segment s {\n  profile.tier == "gold"\n\nteam t "T"\nteam u\n'
    source, diagnostics = parse_source(text, "f.journey")
    assert [(d.code, d.span.line, d.message) for d in diagnostics] == [
        ("J001", 4, 'segment s is missing its closing "}"')
    ]
    assert [t.name for t in source.teams] == ["t", "u"]
    assert [(u.kind, u.name) for u in source.unparsed] == [("segment", "s")]


def test_a_long_or_chain_is_one_flat_condition() -> None:
    """The chain is built in place (it was copied at every link: quadratic); its meaning is unchanged."""
    terms = [f'profile.x == "{n}"' for n in range(2000)]
    source, diagnostics = parse_source("segment s {\n  " + " or ".join(terms) + "\n}\n", "f.journey")
    assert diagnostics == []
    condition = source.segments[0].condition
    assert isinstance(condition, ir.Or) and len(condition.items) == 2000
    assert [item.right.value for item in condition.items[:3]] == ["0", "1", "2"]


_DECLARATION = re.compile(r"^(?:" + "|".join(DECLARATION_KEYWORDS) + r")\b", re.MULTILINE)


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_garbage_in_one_declaration_costs_only_that_declaration(data: st.DataObject) -> None:
    """Wherever `~` lands in one declaration, that declaration at most is lost, and the rest is read as before."""
    text = CORPUS[data.draw(st.sampled_from(JOURNEY_FILES))]
    starts = [m.start() for m in _DECLARATION.finditer(text)]
    index = data.draw(st.integers(0, len(starts) - 1))
    end = starts[index + 1] if index + 1 < len(starts) else len(text)
    body = text[starts[index] : end].rstrip()
    at = starts[index] + data.draw(st.integers(len(body.split()[0]), len(body)))  # after the declaration's keyword
    broken = text[:at] + " ~ " + text[at:]
    clean, _ = parse_source(text, "f.journey")
    source, diagnostics = parse_source(broken, "f.journey")
    assert len([d for d in diagnostics if d.code.startswith("J0")]) <= 1  # none when it landed in a text
    for kind in ("teams", "events", "segments", "offers", "messages", "journeys", "channels"):
        kept = [node.name for node in getattr(source, kind)]
        assert len(kept) >= len(getattr(clean, kind)) - 1
        # (a name may only differ by the `~` itself: it landed inside a quoted name, `event "Order ~ Completed"`)
        assert all("~" in name for name in set(kept) - {node.name for node in getattr(clean, kind)})
