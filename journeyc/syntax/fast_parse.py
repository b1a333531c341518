"""The parse of a whole file that succeeds, in one loop: tokens read by one regex match each, fed to Lark's table.

Lark's contextual lexer tries, in each parser state, only the terminals that state accepts; that is how a keyword
such as `value` can also be a property's name. It pays for this on every token, and its parser loop and tree
builder pay a few calls per token and per rule. `FastParse` drives the same LALR table, reduces each rule as Lark's
tree builder does (inlined `_rule`s spliced, a `?rule` of one child passed up) with the same transformer methods,
and reads the text the way it naturally splits: a word is one token, and it is the keyword when the current state
accepts that keyword, else a NAME. Terminals are tried in the order Lark's lexer tries them.

It reads differently from the contextual lexer only where that lexer splits a natural token (for example
`onceever` read as `once` `ever` where no name may follow `entry`). There `FastParse` meets a token the table
does not accept and raises `NotParsedError`; so does any other error, with no message. The caller then parses the
text with Lark itself, whose errors are the ones reported. So every text `FastParse` parses gives the tokens, and
the result, Lark gives (tests/test_fast_parse.py).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from lark import Lark, Token, Tree
from lark.grammar import Rule
from lark.lexer import TerminalDef
from lark.parsers.lalr_analysis import Shift

_NAME = "NAME"  # the grammar's word terminal; keywords are the literal terminals it matches whole
_END = "$END"
# What `Token(...)` calls once it has checked its arguments for a deprecated name: that check is a third of the cost.
_new_token = getattr(Token, "_future_new", Token)


class NotParsedError(Exception):
    """The text did not parse this way; parse it with Lark to learn why."""


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

    def parse(self, text: str) -> Any:
        """What the `start` rule's callback returns for `text`; raises NotParsedError."""
        states, keywords, match = self.states, self.keywords, self.pattern.match
        state_stack: list[Any] = [self.start]
        value_stack: list[Any] = []
        pos, end, line, line_start = 0, len(text), 1, 0
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
                raise NotParsedError  # a character no terminal reads
            else:
                kind = _END
                token = Token.new_borrow_pos(_END, "", token) if token is not None else Token(_END, "", 0, 1, 1)
            while True:  # reduce as often as the table says, then shift the token
                action = states[state_stack[-1]].get(kind)
                if action is None:
                    raise NotParsedError
                shift, arg = action
                if shift:
                    if kind == _END:
                        raise NotParsedError
                    state_stack.append(arg)
                    value_stack.append(token)
                    break
                size, callback, origin = arg
                if size:
                    children = value_stack[-size:]
                    del state_stack[-size:]
                    del value_stack[-size:]
                else:
                    children = []
                state_stack.append(states[state_stack[-1]][origin][1])
                value_stack.append(callback(children))
                if kind == _END and state_stack[-1] == self.end:
                    return value_stack[-1]


def _reduction(rule: Rule, transformer: Any) -> Callable[[list[Any]], Any]:
    """What Lark's tree builder does when `rule` is reduced, in one step: the children of inlined rules (`_rule`)
    spliced in, a `?rule` with one child replaced by it, else the transformer's method for the rule (a Tree when
    it has none). An inlined rule gives the list of its children, which only its parent reads."""
    if rule.options.keep_all_tokens or any(sym.is_term and sym.filter_out for sym in rule.expansion):
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
