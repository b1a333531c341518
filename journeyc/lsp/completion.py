"""Completion: what may be written at the cursor, from the text before it and the project's names.

The text being typed rarely parses, so the context is read from the text itself: the words before the cursor on
its line (`send`, `with offer`, `in segment`, `profile.`, `trigger.`, an open quote after `trigger` or `goal`...)
and the block the cursor is in (a journey, a branch, a channel...), found by matching braces outside texts and
comments. The names come from the last check of the project.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lsprotocol import types

from journeyc import ir
from journeyc.checks.rules.declarations import CHANNEL_FIELDS

_TOKEN = re.compile(r'"""(?:[^"]|"(?!""))*(?:"""|$)|"(?:[^"\\\n]|\\.)*"?|#[^\n]*|[{}]|\n|[^\W\d]\w*|\S')
_EVENT_WORDS = {"trigger", "goal", "on", "for", "after", "any", "no", "none", "of", "exactly", "than", "least", "most"}
_TOP = ("import", "team", "category", "event", "shape", "profile", "channel", "segment", "offer", "message", "policy",
        "journey")  # fmt: skip
_STEPS = ("send", "wait", "if", "experiment", "split", "exit")
_JOURNEY = ("description", "owner", "category", "stage", "trigger", "audience", "entry", "goal", "exit", *_STEPS[:-1])
_BLOCKS = {
    "journey": _JOURNEY,
    "steps": _STEPS,
    "experiment": ("holdout", "arm"),
    "channel": ("description", "kind", "owner", "shared", "address", "consent"),
    "offer": ("description", "code", "value", "valid"),
    "policy": ("description", "priority", "limit", "quiet", "suppress", "exempt"),
    "segment": ("description",),
    "properties": ("description",),
}
_BLOCK_OF = {"journey": "journey", "if": "steps", "else": "steps", "wait": "steps", "otherwise": "steps",
             "arm": "steps", "experiment": "experiment", "split": "experiment", "channel": "channel",
             "offer": "offer", "policy": "policy", "segment": "segment", "message": "message"}  # fmt: skip
_TYPES = ("string", "number", "integer", "boolean", "datetime", "timezone", "one of", "list of")


@dataclass(frozen=True)
class Context:
    """Where the cursor is: the block it is in, the words before it on its statement, and what it is typing."""

    block: str  # "top", a kind of _BLOCKS, "message", or "unknown"
    header: list[str]  # the words of the line that opened the block
    words: list[str]  # the words before the cursor in its statement (texts as `"`)
    typed: str  # the part of a name before the cursor
    in_text: str | None  # inside an open one-line text: the word before its opening quote


def context_at(text: str) -> Context:
    """The context at the end of `text` (the document up to the cursor)."""
    stack: list[tuple[str, list[str]]] = []  # the open blocks: their kind and the words that opened them
    words: list[str] = []
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token == "{":
            stack.append((_block_kind(words, stack[-1][0] if stack else "top"), words))
            words = []
        elif token in ("}", "\n"):
            if token == "}" and stack:
                stack.pop()
            words = []
        elif token.startswith('"'):
            if not _closed(token) and match.end() == len(text):
                block, header = stack[-1] if stack else ("top", [])
                return Context(block, header, words, "", in_text=words[-1] if words else "")
            words.append('"')
        elif not token.startswith("#"):
            words.append(token)
    typed = words.pop() if words and re.fullmatch(r"\w+", words[-1]) and re.search(r"\w$", text) else ""
    block, header = stack[-1] if stack else ("top", [])
    return Context(block, header, words, typed, None)


def _block_kind(header: list[str], parent: str) -> str:
    first = header[0] if header else ""
    if first in ("event", "shape", "profile") or (parent == "properties" and first not in _BLOCK_OF):
        return "properties"  # an event's, a shape's or the profile's, or an inline object type in one of them
    return _BLOCK_OF.get(first, "unknown")


def _closed(token: str) -> bool:
    if token.startswith('"""'):
        return len(token) >= 6 and token.endswith('"""')
    return len(token) > 1 and token.endswith('"') and not token.endswith('\\"')


@dataclass(frozen=True)
class Completions:
    items: list[types.CompletionItem]
    start: int  # where the text the items replace starts: the name being typed, or the inside of the open text
    in_text: bool  # the items are event names inside an open `"`


def completions(text: str, project: ir.Project) -> Completions:
    """What may be written at the end of `text` (the document up to the cursor)."""
    ctx = context_at(text)
    if ctx.in_text is not None:
        events = ctx.in_text in _EVENT_WORDS or ctx.in_text.isdigit()
        return Completions(_events(project) if events else [], text.rfind('"') + 1, True)
    return Completions(_items(text, ctx, project), len(text) - len(ctx.typed), False)


def _items(text: str, ctx: Context, project: ir.Project) -> list[types.CompletionItem]:
    words = ctx.words
    last = words[-1] if words else ""
    if last == "." and len(words) >= 2:
        if words[-2] == "profile":
            return _traits(project)
        if words[-2] == "trigger":
            return _trigger_properties(text, project)
        return []
    if not words:
        return _keywords(_statement_words(ctx, project))
    return _names_after(words, ctx, project)


def _names_after(words: list[str], ctx: Context, project: ir.Project) -> list[types.CompletionItem]:
    last = words[-1]
    if last == "send":
        return _declared(project.channels, types.CompletionItemKind.Interface) + _declared(
            project.messages, types.CompletionItemKind.Text, lambda m: f"on {m.channel.name}"
        )
    if len(words) >= 2 and words[-2] == "send" and last in project.channels:
        on = {n: m for n, m in project.messages.items() if m.channel.name == last}
        return _declared(on, types.CompletionItemKind.Text, lambda m: f"on {m.channel.name}")
    if last == "offer" and len(words) >= 2 and words[-2] == "with":
        return _declared(project.offers, types.CompletionItemKind.Value, _offer_detail)
    if last == "segment" and len(words) >= 2 and words[-2] in ("in", "entering"):
        return _declared(project.segments, types.CompletionItemKind.Class)
    if last == "owner" or (last == "with" and words[0] == "shared") or (last == "," and words[0] == "shared"):
        return _declared(project.teams, types.CompletionItemKind.Module)
    if last in ("category", "priority") or (last == "," and words[0] in ("priority", "exempt", "suppress")):
        return _declared(project.categories, types.CompletionItemKind.Enum)
    if last in ("address", "consent"):
        return _traits(project)
    if last == "kind" and ctx.block == "channel":
        return _keywords(ir.CHANNEL_KINDS, types.CompletionItemKind.EnumMember)
    if last == "on" and (words[0] in ("message", "limit", "quiet") or ctx.block == "policy"):
        return _declared(project.channels, types.CompletionItemKind.Interface)
    if (ctx.block == "properties" and len(words) == 1) or (last == "of" and words[-2:-1] == ["list"]):
        return _keywords(_TYPES, types.CompletionItemKind.TypeParameter) + _declared(
            project.shapes, types.CompletionItemKind.Struct
        )
    return []


def _statement_words(ctx: Context, project: ir.Project) -> tuple[str, ...]:
    """The words a statement may start with in the cursor's block."""
    if ctx.block == "top":
        return _TOP
    if ctx.block == "message":
        channel = project.channels.get(ctx.header[3]) if len(ctx.header) > 3 else None
        kind = channel.kind.name if channel is not None and channel.kind is not None else None
        fields = CHANNEL_FIELDS[kind][0] if kind in CHANNEL_FIELDS else ()
        return ("description", "category", *fields)
    return _BLOCKS.get(ctx.block, ())


def _keywords(words: tuple[str, ...], kind: types.CompletionItemKind = types.CompletionItemKind.Keyword):
    return [types.CompletionItem(label=word, kind=kind) for word in words]


def _declared(decls: dict, kind: types.CompletionItemKind, detail=None) -> list[types.CompletionItem]:
    return [
        types.CompletionItem(
            label=name,
            kind=kind,
            detail=detail(decl) if detail else getattr(decl, "title", None),
            documentation=getattr(decl, "description", None),
        )
        for name, decl in sorted(decls.items())
    ]


def _offer_detail(offer: ir.Offer) -> str:
    from journeyc.graph.words import offer_value

    value = offer_value(offer.value) if offer.value is not None else ""
    return " ".join(part for part in (offer.code, value) if part)


def _events(project: ir.Project) -> list[types.CompletionItem]:
    return [
        types.CompletionItem(label=name, kind=types.CompletionItemKind.Event, documentation=event.description)
        for name, event in sorted(project.events.items())
    ]


def _property_items(props: tuple[ir.Property, ...], kind: types.CompletionItemKind) -> list[types.CompletionItem]:
    return [
        types.CompletionItem(label=p.name, kind=kind, detail=ir.describe_type(p.type), documentation=p.description)
        for p in props
    ]


def _traits(project: ir.Project) -> list[types.CompletionItem]:
    traits = project.profile.traits if project.profile is not None else ()
    return _property_items(traits, types.CompletionItemKind.Property)


def _trigger_properties(text: str, project: ir.Project) -> list[types.CompletionItem]:
    """The properties of the trigger event of the journey the cursor is in."""
    start = max(text.rfind("\njourney "), 0 if text.startswith("journey ") else -1)
    if start < 0:
        return []
    found = re.search(r'\btrigger\s+"((?:[^"\\\n]|\\.)*)"', text[start:])
    event = project.events.get(found.group(1)) if found else None
    return _property_items(event.properties, types.CompletionItemKind.Field) if event else []
