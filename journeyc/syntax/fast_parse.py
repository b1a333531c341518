"""The parse of a file, in one loop: tokens read by one regex match each, fed to Lark's table.

Lark's contextual lexer tries, in each parser state, only the terminals that state accepts; that is how a keyword
such as `value` can also be a property's name. It pays for this on every token, and its parser loop and tree
builder pay a few calls per token and per rule. `FastParse` drives the same LALR table, reduces each rule as Lark's
tree builder does (inlined `_rule`s spliced, a `?rule` of one child passed up) with the same transformer methods,
and reads the text the way it naturally splits: a word is one token, and it is the keyword when the current state
accepts that keyword, else a NAME. Terminals are tried in the order Lark's lexer tries them. Lark's lexer reads
words whole too (grammar.py's `WholeWords`), so `onceever` is one word, and an error, on both.

Where the text does not parse, `FastParse` raises `NotParsedError`, with no message: where it stopped, the
declarations it had read to their end, and the first token of the one it was reading. The caller reads that
declaration again with Lark itself, whose errors are the ones reported, and goes on with `FastParse` after it.
Every text `FastParse` parses gives the tokens, and the result, Lark gives (tests/test_fast_parse.py).

It reads Lark's parse table and rules, which are not Lark's public interface, so it is proven against one Lark
release: pyproject.toml pins `lark==1.3.1`, and importing this module with any other release fails at once with
a message naming the supported one (an upgrade means running tests/test_fast_parse.py and moving both).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

import lark
from lark import Lark, Token, Tree
from lark.grammar import Rule, Terminal
from lark.lexer import TerminalDef
from lark.parsers.lalr_analysis import Shift

SUPPORTED_LARK = "1.3.1"  # the release whose parse table FastParse reads; pinned in pyproject.toml


def check_lark_version(version: str) -> None:
    """Refuse a Lark release FastParse was not proven against (its tables and tree builder are Lark internals)."""
    if version != SUPPORTED_LARK:
        raise ImportError(
            f"journeyc's parser supports lark {SUPPORTED_LARK} only, but lark {version} is installed: "
            f"run `pip install lark=={SUPPORTED_LARK}`"
        )


check_lark_version(lark.__version__)

_NAME = "NAME"  # the grammar's word terminal; keywords are the literal terminals it matches whole
_END = "$END"
# What `Token(...)` calls once it has checked its arguments for a deprecated name, a check no token of ours needs.
_new_token = getattr(Token, "_future_new", Token)


class NotParsedError(Exception):
    """The text did not parse this way; parse it with Lark to learn why.

    `at`: the offset where reading stopped (the token or character it could not take). `done`: what the
    top-level declarations read completely before it were reduced to (the items `start` would have been given).
    `declaration`: the first token of the top-level declaration being read when it stopped (None when it stopped
    between declarations, or raised by a rule callback before a parse).
    """

    def __init__(self, at: int = 0, done: list[Any] | None = None, declaration: Token | None = None) -> None:
        super().__init__(at)
        self.at = at
        self.done = done if done is not None else []
        self.declaration = declaration
        self.built: Any = None  # what the caller built of `done`, if it did


class FastParse:
    """A whole-text parser over `parser`'s LALR table and callbacks (`parser` is made with `transformer=`)."""

    def __init__(self, parser: Lark, transformer: Any) -> None:
        terminals = {t.name: t for t in parser.terminals}
        word = re.compile(terminals[_NAME].pattern.to_regexp())
        self.keywords = {
            t.pattern.value: t.name
            for t in parser.terminals
            if t.pattern.type == "str" and word.fullmatch(t.pattern.value)
        }
        others = sorted((t for t in parser.terminals if t.name not in self.keywords.values()), key=_lark_order)
        skipped = "|".join(f"(?:{t.pattern.to_regexp()})" for t in others if t.name in parser.ignore_tokens)
        read = "|".join(f"(?P<{t.name}>{t.pattern.to_regexp()})" for t in others if t.name not in parser.ignore_tokens)
        # One match skips what is ignored (spaces, comments) and reads the token after it, if any.
        self.pattern = re.compile(f"(?:{skipped})*(?:{read})?")
        table = parser.parser.parser.parser.parse_table  # the LALR table of the frontend's parser
        reductions = {rule: _reduction(rule, transformer) for rule in parser.rules}
        # Each action as (shift?, next state) or (shift?, (rule size, rule callback, rule name)). Names become plain
        # strings: Lark's rule names are its Tokens, whose `==` (run on every goto's lookup) is Python code.
        self.states: dict[Any, dict[str, tuple[bool, Any]]] = {
            state: {
                str(kind): (True, arg)
                if action is Shift
                else (False, (len(arg.expansion), reductions[arg], str(arg.origin.name)))
                for kind, (action, arg) in actions.items()
            }
            for state, actions in table.states.items()
        }
        self.start = table.start_states["start"]
        self.end = table.end_states["start"]

    def parse(self, text: str, pos: int = 0, line: int = 1) -> Any:
        """What the `start` rule's callback returns for `text` from offset `pos` (the start of line `line`) to its
        end; raises NotParsedError, which says where it stopped and what it had read by then. A rule callback may
        raise NotParsedError too, to refuse what it was given."""
        states, keywords = self.states, self.keywords
        # (the pattern can match nothing, so it matches at every offset: never None)
        match: Callable[[str, int], re.Match[str]] = self.pattern.match  # type: ignore[assignment]
        state_stack: list[Any] = [self.start]
        value_stack: list[Any] = []
        end, line_start = len(text), pos
        token = None
        new_token = _new_token
        while True:
            found = match(text, pos)
            kind = found.lastgroup
            if kind is not None:
                start, value = found.start(kind), found.group(kind)
                if start != pos and (skipped_lines := text.count("\n", pos, start)):
                    line += skipped_lines
                    line_start = text.rindex("\n", pos, start) + 1
                pos = found.end()
                newlines = value.count("\n")
                if kind == _NAME:
                    keyword = keywords.get(value)
                    if keyword is not None and keyword in states[state_stack[-1]]:
                        kind = keyword
                column = start - line_start + 1
                if newlines:
                    line_start = start + value.rindex("\n") + 1
                    token = new_token(kind, value, start, line, column, line + newlines, pos - line_start + 1, pos)
                    line += newlines
                else:
                    token = new_token(kind, value, start, line, column, line, column + len(value), pos)
            elif found.end() < end:
                raise _stopped(value_stack, found.end())  # a character no terminal reads
            else:
                kind = _END
                token = Token.new_borrow_pos(_END, "", token) if token is not None else Token(_END, "", pos, line, 1)
            while True:  # reduce as often as the table says, then shift the token
                action = states[state_stack[-1]].get(kind)
                if action is None:
                    raise _stopped(value_stack, token.start_pos)
                shift, arg = action
                if shift:
                    if kind == _END:
                        raise _stopped(value_stack, token.start_pos)
                    state_stack.append(arg)
                    value_stack.append(token)
                    break
                size, callback, origin = arg
                children = value_stack[-size:] if size else []
                try:
                    built = callback(children)
                except NotParsedError as refused:
                    raise _stopped(value_stack, token.start_pos) from refused
                if size:
                    del state_stack[-size:]
                    del value_stack[-size:]
                state_stack.append(states[state_stack[-1]][origin][1])
                value_stack.append(built)
                if kind == _END and state_stack[-1] == self.end:
                    return value_stack[-1]


def _stopped(value_stack: list[Any], at: int | None) -> NotParsedError:
    """The error for a parse that stopped at offset `at`: the top-level declarations read completely before it
    (the list `start: _decl*` has grown so far, at the bottom of the stack) and the first token of the one being
    read, if it is still there to say where that declaration began."""
    assert at is not None  # a token's offset: Lark types it Optional, every token FastParse makes has one
    if value_stack and type(value_stack[0]) is list:
        done, partial = value_stack[0], value_stack[1:]
    else:
        done, partial = [], value_stack
    first = partial[0] if partial else None
    return NotParsedError(at=at, done=done, declaration=first if isinstance(first, Token) else None)


def _reduction(rule: Rule, transformer: Any) -> Callable[[list[Any]], Any]:
    """What Lark's tree builder does when `rule` is reduced, in one step: the children of inlined rules (`_rule`)
    spliced in, a `?rule` with one child replaced by it, else the transformer's method for the rule (a Tree when
    it has none). An inlined rule gives the list of its children, which only its parent reads."""
    if rule.options.keep_all_tokens or any(isinstance(sym, Terminal) and sym.filter_out for sym in rule.expansion):
        raise ValueError(f"FastParse does not filter tokens (rule {rule.origin.name})")
    name = str(rule.alias or rule.options.template_source or rule.origin.name)
    method = getattr(transformer, name, None)
    if method is None:
        method = _children if name.startswith("_") and not rule.alias else functools.partial(Tree, name)
    spliced = frozenset(i for i, sym in enumerate(rule.expansion) if not sym.is_term and sym.name.startswith("_"))
    single = bool(rule.options.expand1) and not rule.alias
    if not spliced and not single:
        return method

    def reduce(children: list[Any]) -> Any:
        if spliced:
            flat: list[Any] = []
            for index, child in enumerate(children):
                if index not in spliced:
                    flat.append(child)
                elif flat:
                    flat += child
                else:
                    flat = child  # a left-recursive list grows in place, as in Lark
            children = flat
        return children[0] if single and len(children) == 1 else method(children)

    return reduce


def _children(children: list[Any]) -> list[Any]:
    return children


def _lark_order(terminal: TerminalDef) -> tuple[int, int, int, str]:
    """The order Lark's own lexer tries terminals in: higher priority, then longer, then by name."""
    return (-terminal.priority, -terminal.pattern.max_width, -len(terminal.pattern.value), terminal.name)
