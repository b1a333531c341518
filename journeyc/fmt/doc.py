"""A small Wadler-style document algebra and its layout: what the formatter builds, and how it becomes text.

A document is text, line breaks and groups. A group is laid out flat (its breakable lines as spaces) when it fits
in the remaining width, else broken (each of its lines a new line at the indentation of its `Nest`). A hard line
always breaks and breaks every group around it: that is how a comment, which runs to the end of its line, keeps
what follows it on the next line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

WIDTH = 120  # the column a breakable line (a condition's `and` / `or` chain) is kept within, as ruff's for Python


@dataclass(frozen=True)
class Text:
    """Text printed as it is; a long text may hold line breaks (a `\"\"\"` text), kept as written."""

    text: str


@dataclass(frozen=True)
class Line:
    """A space when its group is flat, a line break when it is broken."""


@dataclass(frozen=True)
class Hard:
    """Always a line break; `blank` makes it two (one empty line, as the author left one)."""

    blank: bool = False


@dataclass
class Nest:
    """Line breaks inside are indented `by` more columns."""

    by: int
    parts: list[Doc]


@dataclass
class Group:
    """Laid out flat when it fits, else broken; always broken when it holds a hard line."""

    parts: list[Doc]
    hard: bool = field(default=False, init=False)


Doc = Text | Line | Hard | Nest | Group

_FLAT, _BREAK = True, False


def mark_hard(doc: Doc) -> bool:
    """Mark every group that holds a hard line as broken; whether `doc` holds one."""
    if isinstance(doc, Hard):
        return True
    if isinstance(doc, Group):
        doc.hard = any([mark_hard(part) for part in doc.parts])  # a list: every nested group gets marked
        return doc.hard
    if isinstance(doc, Nest):
        return any([mark_hard(part) for part in doc.parts])
    return False


def layout(parts: list[Doc], width: int = WIDTH) -> str:
    """The text of a document: groups flat where they fit, no trailing spaces on any line."""
    doc = Nest(0, parts)
    mark_hard(doc)
    out: list[str] = []
    column = 0
    stack: list[tuple[int, bool, Doc]] = [(0, _BREAK, doc)]
    while stack:
        indent, mode, item = stack.pop()
        if isinstance(item, Text):
            out.append(item.text)
            last_break = item.text.rfind("\n")
            column = column + len(item.text) if last_break < 0 else len(item.text) - last_break - 1
        elif isinstance(item, Line) and mode == _FLAT:
            out.append(" ")
            column += 1
        elif isinstance(item, Line | Hard):
            while out and not out[-1].strip(" "):  # a break never leaves spaces at a line's end
                out.pop()
            if out:
                out[-1] = out[-1].rstrip(" ")
            out.append("\n\n" if isinstance(item, Hard) and item.blank else "\n")
            out.append(" " * indent)
            column = indent
        elif isinstance(item, Nest):
            stack.extend((indent + item.by, mode, part) for part in reversed(item.parts))
        else:
            flat = mode == _FLAT or (not item.hard and _fits(width - column, item, indent, stack))
            stack.extend((indent, flat, part) for part in reversed(item.parts))
    return "".join(out)


def _fits(room: int, group: Group, indent: int, rest: list[tuple[int, bool, Doc]]) -> bool:
    """Whether `group`, flat, and what follows it up to the next line break fit in `room` columns."""
    pending: list[tuple[bool, Doc]] = [(_FLAT, group)]
    following = len(rest)
    while room >= 0:
        if not pending:
            if following == 0:
                return True
            following -= 1
            _, mode, item = rest[following]
            pending.append((mode, item))
            continue
        mode, item = pending.pop()
        if isinstance(item, Text):
            head, newline, _ = item.text.partition("\n")
            room -= len(head)
            if newline:
                return room >= 0
        elif isinstance(item, Line):
            if mode == _BREAK:
                return True
            room -= 1
        elif isinstance(item, Hard):
            return True
        elif isinstance(item, Nest):
            pending.extend((mode, part) for part in reversed(item.parts))
        else:
            inner = _BREAK if item.hard else mode
            pending.extend((inner, part) for part in reversed(item.parts))
    return False
