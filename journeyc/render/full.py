"""The `full` text format, rustc / ruff style, with the user's own lines and carets."""

from __future__ import annotations

import functools
from collections.abc import Callable

from journeyc.diagnostics import Diagnostic, Label, visible
from journeyc.ir.base import Span

TAB = "    "
Style = Callable[..., str]


def _plain(text: str, **_: object) -> str:
    return text


def render_full(diagnostic: Diagnostic, sources: dict[str, str], style: Style = _plain) -> str:
    """One diagnostic as text: header, location, code frames for the primary and secondary labels, help."""
    colour = "red" if diagnostic.severity == "error" else "yellow"
    header = style(f"{diagnostic.severity}[{diagnostic.code}]", fg=colour, bold=True)
    lines = [f"{header}{style(': ' + diagnostic.message, bold=True)}"]
    frames = [(diagnostic.span, diagnostic.label or "", "^", colour)]
    frames += [(label.span, label.message, "-", "blue") for label in diagnostic.labels]
    width = max(len(str(span.line)) for span, *_ in frames)
    gutter = " " * width
    for index, (span, message, mark, mark_colour) in enumerate(frames):
        arrow = "-->" if index == 0 else ":::"
        lines.append(f"{gutter}{style(arrow, fg='blue')} {visible(span.file)}:{span.line}:{span.column}")
        source_line = _source_line(sources, span)
        if source_line is None:
            if message:
                lines.append(f"{gutter} {style('=', fg='blue')} {message}")
            continue
        shown, start, length = _underline(source_line, span)
        bar = style("|", fg="blue")
        lines.append(f"{gutter} {bar}")
        lines.append(f"{style(str(span.line).rjust(width), fg='blue')} {bar} {shown}".rstrip())
        marks = style(mark * length + (" " + message if message else ""), fg=mark_colour, bold=True)
        lines.append(f"{gutter} {bar} {' ' * start}{marks}".rstrip())
    lines.append(f"{gutter} {style('|', fg='blue')}")
    if diagnostic.help:
        lines.append(f"{gutter} {style('=', fg='blue')} help: {diagnostic.help}")
    for note in diagnostic.notes:
        lines.append(f"{gutter} {style('=', fg='blue')} note: {note}")
    return "\n".join(lines)


def _source_line(sources: dict[str, str], span: Span) -> str | None:
    text = sources.get(span.file)
    if text is None:
        return None
    lines = _lines(text)
    if not 0 < span.line <= len(lines):
        return None
    return lines[span.line - 1].rstrip("\r")


@functools.lru_cache(maxsize=16)
def _lines(text: str) -> list[str]:
    """A file's lines, split once for the many diagnostics shown in one file (the same text object each time)."""
    return text.split("\n")


def _underline(line: str, span: Span) -> tuple[str, int, int]:
    """The line as shown (tabs expanded, control characters made visible), caret start and length."""
    start_index = min(max(span.column - 1, 0), len(line))
    end_index = span.end_column - 1 if span.end_line == span.line else len(line)
    end_index = min(max(end_index, start_index + 1), max(len(line), start_index + 1))
    if line.isascii() and line.isprintable():  # every character shown as itself, one column wide
        return line, start_index, max(min(end_index, len(line)) - start_index, 1)
    shown_chars = [_visible(ch) for ch in line]
    start = sum(len(c) for c in shown_chars[:start_index])
    length = max(sum(len(c) for c in shown_chars[start_index:end_index]), 1)
    return "".join(shown_chars), start, length


def _visible(ch: str) -> str:
    if ch == "\t":
        return TAB
    if ch == "\ufeff":
        return " "
    if not ch.isprintable():
        return "\N{REPLACEMENT CHARACTER}"
    return ch


def render_label(label: Label) -> str:
    return f"{visible(label.span.file)}:{label.span.line}:{label.span.column}: {label.message}"
