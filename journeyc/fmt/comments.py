"""Where a file's comments and empty lines are, attached to the tokens around them.

The parse tree holds every token but no comment (the grammar ignores them), so the text between two tokens is
only spaces, line breaks and comments. A comment on the same line as the token before it trails that token;
any other comment leads the next token (or the end of the file). Empty lines are remembered before a token or a
comment, so the printer can keep one where the author left any.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lark import Token, Tree


@dataclass(frozen=True)
class Comment:
    text: str  # from `#` to the end of its line, without trailing spaces
    blank_before: bool  # an empty line separates it from what comes before


@dataclass
class Around:
    """The comments and empty lines next to one token."""

    leading: list[Comment] = field(default_factory=list)  # on their own lines before the token
    trailing: str | None = None  # on the token's own line after it
    blank_before: bool = False  # an empty line between the token and what comes before it (a comment or a token)


def tokens_of(tree: Tree) -> list[Token]:
    """Every token of the tree, in the order of the text."""
    found: list[Token] = []
    pending: list[Tree | Token] = [tree]
    while pending:
        item = pending.pop()
        if isinstance(item, Token):
            found.append(item)
        else:
            pending.extend(reversed(item.children))
    return found


def attach(text: str, tokens: list[Token]) -> list[Around]:
    """What is around each token, and at the end one more `Around` for what follows the last token."""
    around = [Around() for _ in range(len(tokens) + 1)]
    start = 0
    for index in range(len(tokens) + 1):
        end = _position(tokens[index].start_pos) if index < len(tokens) else len(text)
        _read_gap(text, start, end, index, around)
        if index < len(tokens):
            start = _position(tokens[index].end_pos)
    return around


def _position(offset: int | None) -> int:
    """A token's offset in the text: Lark sets it on every token it reads (its type allows None for made ones)."""
    assert offset is not None
    return offset


def _read_gap(text: str, start: int, end: int, index: int, around: list[Around]) -> None:
    """Comments and empty lines in text[start:end], which holds nothing else, before token `index`."""
    newlines = 0
    position = start
    while position < end:
        hash_at = text.find("#", position, end)
        if hash_at < 0:
            newlines += text.count("\n", position, end)
            break
        newlines += text.count("\n", position, hash_at)
        line_end = text.find("\n", hash_at, end)
        line_end = end if line_end < 0 else line_end
        comment = text[hash_at:line_end].rstrip()
        if newlines == 0 and index > 0 and position == start:
            around[index - 1].trailing = comment
        else:
            around[index].leading.append(Comment(comment, blank_before=newlines >= 2))
        newlines = 0
        position = line_end
    around[index].blank_before = newlines >= 2
