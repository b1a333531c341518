"""Text -> IR in one pass: the builder's rule methods run as Lark reduces each rule, so no parse tree is made.

The parser is the same grammar with the same LALR tables and contextual lexer as `lark_parser()`; only the
callbacks differ. Each callback hands its rule method the already-built children and the rule's position (from
its first to its last token, exactly what `propagate_positions` gives a tree node), and wraps the result with that
position for the rule above it. Rules inlined by the grammar (`_rule`, `?rule` with one child) never reach a
method, as in the tree.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from lark import Lark

from journeyc.syntax.build_journey import JourneyBuilder
from journeyc.syntax.fast_parse import FastParse, NotParsedError


class _Built:
    """A built value and the position of the text it was built from (what a tree node's `meta` holds)."""

    __slots__ = ("column", "end_column", "end_line", "line", "value")

    def __init__(self, line: int | None, column: int | None, end_line: int | None, end_column: int | None) -> None:
        self.line = line
        self.column = column
        self.end_line = end_line
        self.end_column = end_column
        self.value: Any = None


class RuleCallbacks:
    """The rule callbacks Lark looks up by rule name; they build with whichever builder `build_inline` was given."""

    def __init__(self) -> None:
        self.builder: JourneyBuilder | None = None
        self.lock = threading.Lock()

    def __getattr__(self, name: str) -> Callable[[list[Any]], _Built]:
        method = getattr(JourneyBuilder, name, None) if name.islower() and not name.startswith("_") else None
        if method is None:  # inlined rules (`_rule`), terminals and Lark's own hooks: no callback
            raise AttributeError(name)

        def build(children: list[Any]) -> _Built:
            values = [c.value if type(c) is _Built else c for c in children]
            if children:
                first, last = children[0], children[-1]
                where = _Built(first.line, first.column, last.end_line, last.end_column)
            else:
                where = _Built(None, None, None, None)
            where.value = method(self.builder, where, values)
            return where

        if not name.endswith("_decl"):
            return build

        def build_declaration(children: list[Any]) -> _Built:
            built = build(children)
            self.builder.declared = len(self.builder.diagnostics)  # type: ignore[union-attr]  # set for each parse
            return built

        return build_declaration


def check_rules(parser: Lark) -> None:
    """Every rule Lark calls back for has a builder method (else a bare tree would end up in the IR)."""
    names = {
        rule.alias or rule.options.template_source or rule.origin.name
        for rule in parser.rules
        if not (rule.options.expand1 and not rule.alias and len(rule.expansion) == 1)  # `?rule` of one child
    }
    missing = sorted(n for n in names if not n.startswith("_") and not hasattr(JourneyBuilder, n))
    if missing:
        raise RuntimeError(f"no builder method for the grammar rules {', '.join(missing)}")


def build_inline(parser: Lark | FastParse, callbacks: RuleCallbacks, text: str, builder: JourneyBuilder) -> Any:
    """Parse `text` with `parser` (made with `transformer=callbacks`, or driving such a parser's table) and build
    it with `builder`.

    Returns what the `start` rule builds; raises Lark's UnexpectedInput (or NotParsedError) when the text does not
    parse. The builder has then seen part of the text: throw it away, with its diagnostics.
    """
    return _built(lambda: parser.parse(text), callbacks, text, builder)


def build_from(
    parser: FastParse, callbacks: RuleCallbacks, text: str, pos: int, line: int, builder: JourneyBuilder
) -> Any:
    """`build_inline` with FastParse from offset `pos` (the start of line `line`) to the end of `text`.

    When it stops (NotParsedError), the declarations read to their end are not lost: the error's `built` is what
    `start` builds of them, and `builder.diagnostics[: builder.declared]` are theirs.
    """
    return _built(lambda: parser.parse(text, pos, line), callbacks, text, builder)


def _built(parse: Callable[[], Any], callbacks: RuleCallbacks, text: str, builder: JourneyBuilder) -> Any:
    with callbacks.lock:  # one set of callbacks: one parse at a time
        callbacks.builder = builder
        builder.source = text
        try:
            built = parse()
        except NotParsedError as stopped:
            start = callbacks.start(stopped.done)
            stopped.built = start.value if type(start) is _Built else start
            raise
        finally:
            callbacks.builder = None
    return built.value if type(built) is _Built else built
