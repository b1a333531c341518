"""The parse of a whole file that succeeds, in one loop: tokens read by one regex match each, fed to Lark's table.

Lark's contextual lexer tries, in each parser state, only the terminals that state accepts; that is how a keyword
such as `value` can also be a property's name. It pays for this on every token, and its parser loop pays a call
per token. `FastParse` drives the same LALR table with the same rule callbacks (those of a `Lark` made with
`transformer=`), and reads the text the way it naturally splits: a word is one token, and it is the keyword when
the current state accepts that keyword, else a NAME. Terminals are tried in the order Lark's lexer tries them.

It reads differently from the contextual lexer only where that lexer splits a natural token (for example
`oncever` read as `once` `ver` where no name may follow `entry`). There `FastParse` meets a token the table does
not accept and raises `NotParsedError`; so does any other error, with no message. The caller then parses the text with
Lark itself, whose errors are the ones reported. So every text `FastParse` parses gives the tokens, and the
result, the contextual lexer gives (tests/test_fast_parse.py).
"""

from __future__ import annotations

import re
from typing import Any

from lark import Lark, Token
from lark.lexer import TerminalDef
from lark.parsers.lalr_analysis import Shift

_NAME = "NAME"  # the grammar's word terminal; keywords are the literal terminals it matches whole
_END = "$END"


class NotParsedError(Exception):
    """The text did not parse this way; parse it with Lark to learn why."""


class FastParse:
    """A whole-text parser over `parser`'s LALR table and callbacks (`parser` is made with `transformer=`)."""

    def __init__(self, parser: Lark) -> None:
        terminals = {t.name: t for t in parser.terminals}
        word = re.compile(terminals[_NAME].pattern.to_regexp())
        self.keywords = {
            t.pattern.value: t.name
            for t in parser.terminals
            if t.pattern.type == "str" and word.fullmatch(t.pattern.value)
        }
        others = sorted((t for t in parser.terminals if t.name not in self.keywords.values()), key=_lark_order)
        self.pattern = re.compile("|".join(f"(?P<{t.name}>{t.pattern.to_regexp()})" for t in others))
        self.ignore = frozenset(parser.ignore_tokens)
        lalr = parser.parser.parser.parser  # the frontend's LALR_Parser's loop: its table and rule callbacks
        table, callbacks = lalr.parse_table, lalr.callbacks
        if any(isinstance(key, str) for key in callbacks):
            raise ValueError("FastParse does not run terminal callbacks")
        # Each action as (shift?, next state) or (shift?, (rule size, rule callback, rule name)). Names become plain
        # strings: Lark's rule names are its Tokens, whose `==` (run on every goto's lookup) is Python code.
        self.states: dict[Any, dict[str, tuple[bool, Any]]] = {
            state: {
                str(kind): (True, arg)
                if action is Shift
                else (False, (len(arg.expansion), callbacks[arg], str(arg.origin.name)))
                for kind, (action, arg) in actions.items()
            }
            for state, actions in table.states.items()
        }
        self.start = table.start_states["start"]
        self.end = table.end_states["start"]

    def parse(self, text: str) -> Any:
        """What the `start` rule's callback returns for `text`; raises NotParsedError."""
        states, keywords, ignore, match = self.states, self.keywords, self.ignore, self.pattern.match
        state_stack: list[Any] = [self.start]
        value_stack: list[Any] = []
        pos, end, line, line_start = 0, len(text), 1, 0
        token = None
        while True:
            if pos < end:
                found = match(text, pos)
                if found is None:
                    raise NotParsedError
                kind, value, start, pos = found.lastgroup, found.group(), pos, found.end()
                newlines = value.count("\n")
                if kind in ignore:
                    if newlines:
                        line += newlines
                        line_start = start + value.rindex("\n") + 1
                    continue
                if kind == _NAME:
                    keyword = keywords.get(value)
                    if keyword is not None and keyword in states[state_stack[-1]]:
                        kind = keyword
                column = start - line_start + 1
                if newlines:
                    line_start = start + value.rindex("\n") + 1
                    token = Token(kind, value, start, line, column, line + newlines, pos - line_start + 1, pos)
                    line += newlines
                else:
                    token = Token(kind, value, start, line, column, line, column + len(value), pos)
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


def _lark_order(terminal: TerminalDef) -> tuple[int, int, int, str]:
    """The order Lark's own lexer tries terminals in: higher priority, then longer, then by name."""
    return (-terminal.priority, -terminal.pattern.max_width, -len(terminal.pattern.value), terminal.name)
