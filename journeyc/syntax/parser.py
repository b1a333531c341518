"""Text -> per-file IR. Lark LALR with a contextual lexer; syntax errors become plain-word diagnostics.

The IR is built while Lark parses (`inline_parser`, `build_inline`): no parse tree is made. `lark_parser` is the
same grammar building a tree, for tools and for the benchmark's bare parse. A whole file is first parsed by
`FastParse` (fast_parse.py: Lark's table and callbacks, a token in one regex match); a file that does not parse
that way is parsed again by Lark with its contextual lexer, whose errors are the ones reported.

Recovery: when a file does not parse, it is cut into top-level declarations (a line that starts, unindented,
with a declaration keyword starts a new one) and each is parsed alone, so one file reports an error per broken
declaration and the declarations that do parse still reach the resolver.
"""

from __future__ import annotations

import difflib
import functools
import re
from pathlib import Path

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from journeyc import ir
from journeyc.diagnostics import Diagnostic, Label
from journeyc.syntax.build_inline import RuleCallbacks, build_inline, check_rules
from journeyc.syntax.build_journey import JourneyBuilder
from journeyc.syntax.fast_parse import FastParse, NotParsedError
from journeyc.syntax.words import describe_expected, describe_token

GRAMMAR = Path(__file__).with_name("journey.lark")
MAX_SYNTAX_ERRORS = 20
_NOT_KEYWORDS = {
    "NAME",
    "STRING",
    "NUMBER",
    "TIME",
    "DATE",
    "COMPARE",
    "LBRACE",
    "RBRACE",
    "LPAR",
    "RPAR",
    "COMMA",
    "DOT",
}
MAX_NESTING = 64
_BRACKETS = re.compile(r'"""(?:[^"]|"(?!""))*"""|"(?:[^"\\\r\n]|\\.)*"|#[^\n]*|[{}()]')
_WORD_RUNS = re.compile(r"\bnot(?:\s+not\b)+|\blist\s+of(?:\s+list\s+of\b)+")
DECLARATION_KEYWORDS = (
    "import",
    "team",
    "category",
    "event",
    "shape",
    "profile",
    "channel",
    "segment",
    "offer",
    "message",
    "policy",
    "journey",
)
_DECL_START = re.compile(r"^(?:" + "|".join(DECLARATION_KEYWORDS) + r")\b", re.MULTILINE)
# The kind and name at the head of a declaration, read without the parser (for declarations that fail to parse).
_DECL_HEAD = re.compile(
    r'\s*(?P<kind>team|category|event|shape|channel|segment|offer|message|journey)\s+(?P<name>"[^"\n]*"|[A-Za-z_]\w*)'
)


def _lark(**options: object) -> Lark:
    """The journey grammar's LALR parser with a contextual lexer; `options` add to Lark's."""
    return Lark(GRAMMAR.read_text(encoding="utf-8"), parser="lalr", lexer="contextual", strict=True,
                maybe_placeholders=False, **options)  # fmt: skip


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


def parse_tree(text: str) -> Tree:
    """The bare Lark parse (what the benchmark compares the whole check against)."""
    return lark_parser().parse(text)


def decode_source(data: bytes, path: str) -> tuple[str, list[Diagnostic]]:
    """Bytes -> text, refusing what is not UTF-8 with a diagnostic at the first bad byte."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        # The rest of the file is still read (bad bytes become U+FFFD), so its declarations stay known.
        before = data[: error.start]
        line = before.count(b"\n") + 1
        column = error.start - (before.rfind(b"\n") + 1) + 1
        span = ir.Span(file=path, line=line, column=column, end_line=line, end_column=column + 1)
        return data.decode("utf-8", errors="replace"), [
            Diagnostic(
                code="J005",
                severity="error",
                message="this file is not UTF-8 text",
                span=span,
                label=f"byte 0x{data[error.start]:02x} cannot start a character here",
                help="save the file as UTF-8 (without changing its encoding, journeyc cannot read it)",
            )
        ]
    if text.startswith("\ufeff"):
        text = text[1:]  # the byte-order mark is invisible: editors count columns after it
    return text, []


def parse_source(text: str, path: str, is_stdlib: bool = False) -> tuple[ir.SourceFile, list[Diagnostic]]:
    """Parse one file's text into its `SourceFile` and the diagnostics found on the way."""
    if _nesting_depth(text)[0] > MAX_NESTING:
        return _parse_with_recovery(text, path, is_stdlib)
    for parser in (fast_parser, inline_parser):
        builder = JourneyBuilder(path)
        try:
            groups = build_inline(*parser(), text, builder)
        except NotParsedError:
            continue  # parse it again with Lark, which says why
        except (UnexpectedInput, RecursionError):
            break
        return _source_file(path, is_stdlib, groups), builder.diagnostics
    return _parse_with_recovery(text, path, is_stdlib)


def _build(builder: JourneyBuilder, text: str) -> dict[str, list[object]]:
    return build_inline(*inline_parser(), text, builder)


def _source_file(path: str, is_stdlib: bool, groups: dict[str, list[object]]) -> ir.SourceFile:
    return ir.SourceFile(path=path, is_stdlib=is_stdlib, **{k: tuple(v) for k, v in groups.items()})


def _nesting_depth(text: str) -> tuple[int, int]:
    """The deepest nesting of braces and parentheses (outside texts and comments), and where it is reached.

    Only files with many brackets are scanned, so ordinary files pay nothing for the guard.
    """
    deepest = where = 0
    if text.count("not") + text.count("list") > MAX_NESTING:
        # `not not not ...` and `list of list of ...` nest without brackets.
        for match in _WORD_RUNS.finditer(text):
            run = len(match.group().split()) // (2 if match.group().startswith("list") else 1)
            if run > deepest:
                deepest, where = run, match.start()
    if text.count("{") + text.count("(") <= MAX_NESTING:
        return deepest, where
    depth = 0
    for match in _BRACKETS.finditer(text):
        token = match.group()
        if token in "{(":
            depth += 1
            if depth > deepest:
                deepest, where = depth, match.start()
        elif token in "})":
            depth = max(depth - 1, 0)
    return deepest, where


def split_declarations(text: str) -> list[tuple[int, str]]:
    """(line offset, text) of each top-level declaration, cut where an unindented declaration keyword starts."""
    starts = [m.start() for m in _DECL_START.finditer(text)]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    chunks = []
    line = 0
    for begin, end in zip(starts, [*starts[1:], len(text)], strict=True):
        chunks.append((line, text[begin:end]))
        line += text.count("\n", begin, end)
    return chunks


def _parse_with_recovery(text: str, path: str, is_stdlib: bool) -> tuple[ir.SourceFile, list[Diagnostic]]:
    groups: dict[str, list[object]] = {}
    diagnostics: list[Diagnostic] = []
    errors = 0
    unparsed: list[ir.Unparsed] = []
    chunks = split_declarations(text)
    for index, (line_offset, chunk) in enumerate(chunks):
        if not chunk.strip():
            continue
        depth, where = _nesting_depth(chunk)
        if depth > MAX_NESTING:
            line = chunk.count("\n", 0, where) + 1
            column = where - (chunk.rfind("\n", 0, where) + 1) + 1
            diagnostics.append(_too_deep(path, line + line_offset, column))
            unparsed.extend(_unparsed_head(chunk, path, line_offset))
            continue
        builder = JourneyBuilder(path, line_offset=line_offset)
        try:
            built = _build(builder, chunk)
        except UnexpectedInput as error:
            errors += 1
            unparsed.extend(_unparsed_head(chunk, path, line_offset))
            if errors <= MAX_SYNTAX_ERRORS:
                is_last = index == len(chunks) - 1
                diagnostics.append(syntax_diagnostic(error, chunk, path, line_offset, is_last=is_last))
            continue
        except RecursionError:
            diagnostics.append(_too_deep(path, line_offset + 1, 1))
            unparsed.extend(_unparsed_head(chunk, path, line_offset))
            continue
        for kind, nodes in built.items():
            groups.setdefault(kind, []).extend(nodes)
        diagnostics.extend(builder.diagnostics)
    groups["unparsed"] = list(unparsed)
    if errors > MAX_SYNTAX_ERRORS:
        last = diagnostics[-1]
        after = last.span.model_copy(update={"column": last.span.end_column, "end_column": last.span.end_column + 1})
        after = after.model_copy(update={"line": last.span.end_line, "end_line": last.span.end_line})
        diagnostics.append(
            last.model_copy(
                update={
                    "span": after,
                    "message": f"{errors - MAX_SYNTAX_ERRORS} more syntax errors in this file are not shown",
                    "label": None,
                    "help": "fix the errors above first",
                    "notes": (),
                }
            )
        )
    return _source_file(path, is_stdlib, groups), diagnostics


def _unparsed_head(chunk: str, path: str, line_offset: int) -> list[ir.Unparsed]:
    """The kind and name of a declaration that did not parse, if its first words say them."""
    match = _DECL_HEAD.match(chunk)
    if match is None:
        return []
    name = match.group("name").strip('"')
    start = match.start("name")
    line = chunk.count("\n", 0, start) + 1 + line_offset
    column = start - (chunk.rfind("\n", 0, start) + 1) + 1
    span = ir.Span(file=path, line=line, column=column, end_line=line, end_column=column + len(match.group("name")))
    return [ir.Unparsed(kind=match.group("kind"), name=name, span=span)]


def _unclosed_brace(text: str) -> int | None:
    """Offset of the outermost "{" that is never closed (outside texts and comments), if any."""
    opened: list[int] = []
    for match in _BRACKETS.finditer(text):
        token = match.group()
        if token == "{":
            opened.append(match.start())
        elif token == "}" and opened:
            opened.pop()
    return opened[0] if opened else None


def _offset_point(path: str, text: str, offset: int, line_offset: int) -> ir.Span:
    line = text.count("\n", 0, offset) + 1 + line_offset
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return _point(path, line, column)


def _too_deep(path: str, line: int, column: int) -> Diagnostic:
    return Diagnostic(
        code="J006",
        severity="error",
        message="this declaration is nested too deeply to process",
        span=_point(path, line, column),
        label="too deep",
        help=f"keep blocks, parentheses and `not`s under {MAX_NESTING} levels: split the logic into segments",
    )


def _point(path: str, line: int, column: int, width: int = 1) -> ir.Span:
    return ir.Span(file=path, line=line, column=column, end_line=line, end_column=column + max(width, 1))


def syntax_diagnostic(
    error: UnexpectedInput, text: str, path: str, line_offset: int = 0, is_last: bool = True
) -> Diagnostic:
    """A plain-word diagnostic for a Lark error: what was found, and what could have come instead."""
    if isinstance(error, UnexpectedCharacters):
        char = text[error.pos_in_stream] if error.pos_in_stream < len(text) else ""
        span = _point(path, error.line + line_offset, error.column)
        if char == '"' and text[max(error.pos_in_stream - 2, 0) : error.pos_in_stream] == '""':
            return Diagnostic(
                code="J003",
                severity="error",
                message='this """ text has no closing """',
                span=_point(path, error.line + line_offset, error.column - 2, 3),
                label="the text starts here",
                help='end the text with """ (the file ends before it does)',
            )
        if char == '"':
            return Diagnostic(
                code="J003",
                severity="error",
                message="this text has no closing quote",
                span=span,
                label="the text starts here",
                help='end the text with " on the same line, or use """ for text over several lines',
            )
        shown = char if char.isprintable() and not char.isspace() else f"U+{ord(char):04X}" if char else "end of file"
        label = describe_expected(error.allowed or set())
        if char == "=" and "COMPARE" in (error.allowed or set()):
            label = "expected == or !="
        elif char == ";":
            label = "not needed here"
        return Diagnostic(
            code="J002",
            severity="error",
            message=f'unexpected character "{shown}"',
            span=span,
            label=label,
            help=_character_help(char),
        )
    if isinstance(error, UnexpectedToken) and error.token.type != "$END":
        token: Token = error.token
        span = ir.Span(
            file=path,
            line=token.line + line_offset,
            column=token.column,
            end_line=token.end_line + line_offset,
            end_column=token.end_column,
        )
        expected = error.accepts or error.expected
        return Diagnostic(
            code="J001",
            severity="error",
            message=f"unexpected {describe_token(token)}",
            span=span,
            label=describe_expected(expected),
            help=_token_help(token, expected, text),
        )
    return _end_of_input(error, text, path, line_offset, is_last)


def _end_of_input(error: UnexpectedInput, text: str, path: str, line_offset: int, is_last: bool) -> Diagnostic:
    """The input (the file, or this declaration when another one follows) ends before the declaration does."""
    expected = set(getattr(error, "accepts", None) or getattr(error, "expected", None) or set())
    body = text.rstrip()
    end = _offset_point(path, body, len(body), line_offset)
    brace = _unclosed_brace(text)
    opened = (
        (Label(span=_offset_point(path, text, brace, line_offset), message='this "{" is never closed'),)
        if (brace is not None)
        else ()
    )
    head = _DECL_HEAD.match(text)
    what = f"{head.group('kind')} {head.group('name')}" if head else "this declaration"
    if "RBRACE" in expected:
        expected = {"RBRACE"}
    if not is_last and brace is not None:
        # Not the end of the file: the next declaration starts while this one is still open.
        next_line = text.count("\n") + 1 + line_offset
        return Diagnostic(
            code="J001",
            severity="error",
            message=f'{what} is missing its closing "}}"',
            span=_point(path, next_line, 1),
            label="the next declaration starts here",
            labels=opened,
            help=f'add "}}" at the end of {what}',
        )
    return Diagnostic(
        code="J004",
        severity="error",
        message="the file ends before this declaration is complete" if is_last else f"{what} is incomplete",
        span=end.model_copy(update={"column": end.column, "end_column": end.column + 1}),
        label=describe_expected(expected),
        labels=opened,
        help=f'add "}}" at the end of {what}' if "RBRACE" in expected else None,
    )


_PHRASE = re.compile(r"[\w'-]+(?:[ \t]+[\w'-]+)*")
_PHRASE_END = {"where", "keyed", "within", "then", "since", "in", "for", "after", "on", "and", "or"}


def _previous_word(token: Token, text: str) -> str | None:
    """The word just before `token` on its line, lower-cased."""
    if not text or token.start_pos is None:
        return None
    line_start = text.rfind("\n", 0, token.start_pos) + 1
    words = text[line_start : token.start_pos].split()
    return words[-1].lower() if words else None


def _unquoted_phrase(token: Token, text: str) -> str:
    """The words of an unquoted event name or text, up to the first word that would follow it ("where", ...)."""
    match = _PHRASE.match(text, token.start_pos or 0) if text else None
    if match is None:
        return str(token)
    words: list[str] = []
    for word in match.group().split():
        if words and word.lower() in _PHRASE_END:
            break
        words.append(word)
    return " ".join(words)


def _character_help(char: str) -> str | None:
    if char in "'‘’“”":
        return 'put texts between straight double quotes: "like this"'
    if char == "=":
        return "compare with == (equal) or != (not equal)"
    if char in ";:":
        return "statements need no separator: start each on its own line"
    if char in "[]":
        return "lists are written with commas: shared with growth, support"
    return None


def _token_help(token: Token, expected: set[str] | frozenset[str], text: str = "") -> str | None:
    keywords = sorted(t.lower() for t in expected if t.isalpha() and t.isupper() and t not in _NOT_KEYWORDS)
    if token.type == "NAME" and keywords:
        close = difflib.get_close_matches(str(token).lower(), keywords, n=1, cutoff=0.75)
        if close:
            return f'did you mean "{close[0]}"?'
    if token.type == "ELSE" and "RBRACE" in expected:
        return 'a "}" is missing: close the block before "else"'
    if token.type == "RBRACE" and "PERCENT" in expected:
        return "write the value as 10% off, 10 percent off, or an amount such as 5 USD off"
    before = _previous_word(token, text)
    if before == "description" and token.type == "NAME" and "NAME" not in expected:
        return (
            '"description" starts a description here (description "what it is"), so it cannot name a property: '
            "rename the property, for example to details"
        )
    if before == "last" and token.type != "NAME" and expected == {"NAME"}:
        return (
            '"last" starts a condition such as `last category of "Product Viewed" == "dresses"`; '
            "a property cannot be called last in a condition"
        )
    if token.type == "NAME" and "STRING" in expected and "NAME" not in expected:
        return f'event names and texts are written in double quotes: "{_unquoted_phrase(token, text)}"'
    if token.type == "STRING" and "NAME" in expected and "STRING" not in expected:
        return "names are written without quotes"
    if "RBRACE" in expected and token.type in {"JOURNEY", "EVENT", "SEGMENT", "MESSAGE", "POLICY", "CHANNEL"}:
        return 'the declaration before this one may be missing its closing "}"'
    if token.type == "NUMBER" and "NAME" in expected:
        return "names cannot start with a digit"
    return None
