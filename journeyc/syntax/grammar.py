"""The journey grammar's parsers: Lark's LALR parser with a contextual lexer, and FastParse over its table.

`lark_parser` builds a tree (for tools and the benchmark's bare parse); `inline_parser` builds the IR as it
reduces each rule (`build_inline`); `fast_parser` drives `inline_parser`'s table and callbacks with FastParse,
which is what reads a file first.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path

from lark import Lark, Token
from lark.lark import PostLex

from journeyc.syntax.build_inline import RuleCallbacks, check_rules
from journeyc.syntax.fast_parse import FastParse

GRAMMAR = Path(__file__).with_name("journey.lark")


class WholeWords(PostLex):
    """Makes the contextual lexer read every word whole, as FastParse does.

    Lark's contextual lexer tries, in each parser state, only the terminals that state accepts. Where no name may
    stand (after `entry`, at the start of a journey's line) it would read `onceever` as `once` `ever` and
    `ownergrowth` as `owner` `growth`. With NAME always tried, a word is one token: the keyword when the state
    accepts that keyword, else a name, which the parser then refuses where names cannot stand.
    """

    always_accept = ("NAME",)

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        return stream  # the same tokens: only `always_accept` matters


def _lark(**options: object) -> Lark:
    """The journey grammar's LALR parser with a contextual lexer; `options` add to Lark's."""
    return Lark(GRAMMAR.read_text(encoding="utf-8"), parser="lalr", lexer="contextual", strict=True,
                maybe_placeholders=False, postlex=WholeWords(), **options)  # fmt: skip


@functools.cache
def lark_parser() -> Lark:
    return _lark(propagate_positions=True)


@functools.cache
def inline_parser() -> tuple[Lark, RuleCallbacks]:
    """The same parser, building the IR as it reduces each rule instead of a tree."""
    callbacks = RuleCallbacks()
    parser = _lark(transformer=callbacks)
    check_rules(parser)
    return parser, callbacks


@functools.cache
def fast_parser() -> tuple[FastParse, RuleCallbacks]:
    """`inline_parser`'s table and callbacks driven by `FastParse`: what `parse_source` tries first on a file."""
    parser, callbacks = inline_parser()
    return FastParse(parser, callbacks), callbacks


def keywords() -> dict[str, str]:
    """Each keyword as written (`owner`) and its terminal (`OWNER`)."""
    return fast_parser()[0].keywords
