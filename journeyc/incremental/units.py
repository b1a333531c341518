"""Check units replayed across rounds: a unit (`CheckContext.unit`) runs again only when something it reads
changed, else what it reported and returned last round is replayed, in the same place of the same run.

A unit reads its subject and some declarations; everything else it may read is the *interface*: every declaration
other than journeys and messages, the imports, the settings and the template files. When the interface changes the
engine starts afresh (`next_round(keep=False)`); otherwise a unit's key holds its subject and the journeys and
messages it reads, compared by identity. Unchanged declarations keep their objects across rounds (engine.py), and
a record keeps the objects of its key alive, so an id in a key is never another object's.

What each unit reads is listed in `_READS`, per kind; the property test (tests/test_incremental_properties.py)
compares every round with a cold check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from journeyc import ir
from journeyc.checks.analysis.walk import sends
from journeyc.checks.context import CheckContext
from journeyc.diagnostics import Diagnostic


@dataclass(frozen=True)
class _Record:
    keep: Any  # what the key names by id: alive as long as the record
    diagnostics: tuple[Diagnostic, ...]
    value: Any
    uses: tuple[tuple[str, str, tuple[Any, ...]], ...]  # ("trigger_uses" | "offer_uses", message name, entries)
    templates: tuple[tuple[str, str], ...]  # template files read: (path, text)
    replay: bool = False  # whether replaying it does anything but return its value
    inner: tuple[tuple[tuple[Any, ...], _Record], ...] = ()  # a group's units, kept for the next round
    reads: frozenset[str] = frozenset()  # a group's: the names of the messages its units read
    version: int | None = None  # a group's: the version of every message's name and place, when a unit read it
    count: int = 0  # a group's: how many units it ran or replayed


class Units:
    """The records of one round and the round before."""

    def __init__(self) -> None:
        self.previous: dict[tuple[Any, ...], _Record] = {}
        self.current: dict[tuple[Any, ...], _Record] = {}
        self.messages_version: Callable[[], int] = lambda: 0  # the engine's version of every message's name and place
        self.ran = self.replayed = 0
        self.sends: dict[int, tuple[ir.Journey, tuple[str, ...]]] = {}  # id(journey) -> (journey, message names)
        self._recording: list[list[tuple[tuple[Any, ...], _Record]]] = []  # the groups running, innermost last
        self._messages_seen: dict[str, tuple[Any, str]] = {}  # each message's declaration and file, last seen
        self._changed: set[str] | None = None  # this round's `changed_messages`

    def next_round(self, keep: bool) -> None:
        """Start a round; `keep`: the interface did not change, so last round's records may be replayed."""
        self.previous = self.current if keep else {}
        self.current = {}
        self.ran = self.replayed = 0
        self._changed = None
        if len(self.sends) > 2 * len(self.previous) + 1000:  # journeys of old rounds: forget them now and then
            self.sends = {}

    def run(self, ctx: CheckContext, kind: str, subject: Any, run: Callable[..., Any], args: tuple[Any, ...]) -> Any:
        key, keep = _READS[kind](self, ctx, kind, subject)
        record = self.previous.get(key)
        if record is None:
            self.ran += 1
            record = _run(ctx, kind, subject, run, args, keep)
        else:
            self.replayed += 1
            if record.replay:  # what it reported and left for later units
                ctx.diagnostics.extend(record.diagnostics)
                _leave(ctx, record)
        self.current[key] = record
        if self._recording:
            self._recording[-1].append((key, record))
        return record.value

    def group(
        self, ctx: CheckContext, kind: str, items: list[Any], ident: Callable[[Any], tuple[Any, ...]],
        each: Callable[[Any], Any],
    ) -> list[Any]:  # fmt: skip
        """`[each(item) for item in items]`, where each makes units of `kind` (`CheckContext.grouped`): replayed in
        one step, units and all, when the items are last round's (by `ident`: the ids of what each item's units
        read) and, for kinds that read messages, no message changed."""
        key = ("group", kind, *(part for item in items for part in ident(item)))
        record = self.previous.get(key)
        if kind in _READ_MESSAGES:
            changed = self.changed_messages(ctx)  # every round, so that each compares with the round before
            if record is not None and not self._still_read(record, changed):
                record = None
        if record is None:
            start, count = len(ctx.diagnostics), self.ran + self.replayed
            self._recording.append([])
            try:
                value = [each(item) for item in items]
            finally:
                inner = tuple(self._recording.pop())
            reads: frozenset[str] = frozenset()
            version = None
            if kind in _READ_MESSAGES:
                reads = frozenset(name for item in items for name in _READ_MESSAGES[kind](self, item))
                if any(k[0] == "journey" and k[3] for k, _ in inner):  # a journey unsure of a message it sends
                    version = self.messages_version()
            count = self.ran + self.replayed - count
            record = _Record(items, tuple(ctx.diagnostics[start:]), value, (), (), True, inner, reads, version, count)
        else:
            self.replayed += record.count
            ctx.diagnostics.extend(record.diagnostics)
            for _, unit in record.inner:  # what its units left for later units (template uses, template texts)
                if unit.uses or unit.templates:
                    _leave(ctx, unit)
            self.current.update(record.inner)  # so that a group that changes later finds its unchanged units
        self.current[key] = record
        if self._recording:
            self._recording[-1].extend(((key, record), *record.inner))
        return record.value

    def _still_read(self, record: _Record, changed: set[str]) -> bool:
        """Whether the messages a group's units read are those of the last round."""
        if record.version is not None and record.version != self.messages_version():
            return False
        return changed.isdisjoint(record.reads)

    def changed_messages(self, ctx: CheckContext) -> set[str]:
        """The names of the messages whose entry in the symbol table (declaration or file) changed since the last
        round: an edit in a file moves the messages declared below it, and only those."""
        if self._changed is None:
            table = ctx.resolved.symbols.entries.get("message", {})
            now = {name: (entry.decl, entry.file) for name, entry in table.items()}
            before = self._messages_seen
            self._changed = {name for name in now.keys() | before.keys()
                             if name not in now or name not in before or now[name][0] is not before[name][0]
                             or now[name][1] != before[name][1]}  # fmt: skip
            self._messages_seen = now  # the declarations alive, so that `is` compares them with the next round's
        return self._changed


def _run(
    ctx: CheckContext, kind: str, subject: Any, run: Callable[..., Any], args: tuple[Any, ...], keep: Any
) -> _Record:
    """Run a unit and record what it reported, returned and left for later units (template uses and texts)."""
    start = len(ctx.diagnostics)
    names = [m.name for m in subject[1].messages] if kind == "declarations" else []
    before = {(attr, name): len(getattr(ctx, attr).get(name, ())) for attr in _USES for name in names}
    texts = dict(ctx.template_texts) if names else None
    value = run(*args)
    uses = tuple(
        (attr, name, tuple(getattr(ctx, attr).get(name, ())[count:])) for (attr, name), count in before.items()
    )
    templates = () if texts is None else tuple(i for i in ctx.template_texts.items() if texts.get(i[0]) != i[1])
    reported = tuple(ctx.diagnostics[start:])
    left = any(entries for _, _, entries in uses) or bool(templates)
    return _Record(keep, reported, value, uses, templates, bool(reported) or left)


def _leave(ctx: CheckContext, record: _Record) -> None:
    """What a unit left for later units, left again: the template reads of messages, the template files' texts."""
    for attr, name, entries in record.uses:
        getattr(ctx, attr).setdefault(name, []).extend(entries)
    ctx.template_texts.update(record.templates)


_USES = ("trigger_uses", "offer_uses")


# ---------------------------------------------------------------- what each kind of unit reads
def _sent_names(units: Units, journey: ir.Journey) -> tuple[str, ...]:
    """The message names a journey's sends name, in order (walked once per journey object)."""
    found = units.sends.get(id(journey))
    if found is None or found[0] is not journey:
        found = units.sends[id(journey)] = (journey, tuple(step.message.name for step in sends(journey)))
    return found[1]


Key = tuple[Any, ...]  # the kind, then ids of objects and plain values (names, paths, versions)


def _journey(units: Units, ctx: CheckContext, kind: str, subject: tuple[ir.Journey, str]) -> tuple[Key, Any]:
    """A journey's own checks read the messages it sends, and when one is not found or not visible (a "did you
    mean" names another message and its place), every message's name and place."""
    journey, path = subject
    symbols = ctx.resolved.symbols
    table, visible = symbols.entries.get("message", {}), symbols.visible.get(path, frozenset({path}))
    found: list[Any] = []
    unsure = False
    for name in _sent_names(units, journey):
        entry = table.get(name)
        found.append(entry.decl if entry is not None else None)
        unsure = unsure or entry is None or entry.file not in visible
    version = units.messages_version() if unsure else 0
    return (kind, id(journey), path, version, *map(id, found)), (journey, found)


def _facts(units: Units, ctx: CheckContext, kind: str, subject: tuple[ir.Journey, str]) -> tuple[Key, Any]:
    """A journey's paths and timings read the messages it sends (their category and channel)."""
    journey, path = subject
    messages = ctx.project.messages
    found = [messages.get(name) for name in _sent_names(units, journey)]
    return (kind, id(journey), path, *map(id, found)), (journey, found)


def _message(units: Units, ctx: CheckContext, kind: str, subject: tuple[ir.Message, str, list[Any]]) -> tuple[Key, Any]:
    """A message's content is read with the journeys that send it (their trigger events and categories)."""
    message, path, senders = subject
    return (kind, id(message), path, *(id(part) for send in senders for part in (send.journey, send.step))), subject


def _offers(units: Units, ctx: CheckContext, kind: str, subject: tuple[ir.SourceFile, list[Any]]) -> tuple[Key, Any]:
    """A file's sends read the messages they send (which `offer.*` their templates show)."""
    source, found = subject
    messages = ctx.project.messages
    read = [messages.get(send.step.message.name) for send in found]
    return (kind, id(source), *map(id, read)), (source, read)


def _declarations(units: Units, ctx: CheckContext, kind: str, subject: tuple[str, ir.SourceFile]) -> tuple[Key, Any]:
    """A file's declarations but its journeys read its messages and the interface."""
    path, source = subject
    return (kind, path, *map(id, source.messages)), source.messages


def _one(units: Units, ctx: CheckContext, kind: str, subject: Any) -> tuple[Key, Any]:
    """Units of one object (a JourneyFacts) and the interface."""
    return (kind, id(subject)), subject


def _none(units: Units, ctx: CheckContext, kind: str, subject: Any) -> tuple[Key, Any]:
    return (kind,), None


def _pair(units: Units, ctx: CheckContext, kind: str, subject: tuple[Any, ...]) -> tuple[Key, Any]:
    """Two journeys at one moment under one rule: (code, facts, start, facts, start)."""
    code, first, start, second, other = subject
    return (kind, code, id(first), id(start), id(second), id(other)), subject


def _two(units: Units, ctx: CheckContext, kind: str, subject: tuple[Any, Any]) -> tuple[Key, Any]:
    """A cap and a journey's facts."""
    return (kind, id(subject[0]), id(subject[1])), subject


def _budget(units: Units, ctx: CheckContext, kind: str, subject: tuple[Any, list[Any]]) -> tuple[Key, Any]:
    """A cap and the journeys' facts of its heaviest budget (their weights are the cap's and theirs)."""
    return (kind, id(subject[0]), *map(id, subject[1])), subject


def _with_others(units: Units, ctx: CheckContext, kind: str, subject: tuple[Any, list[Any]]) -> tuple[Key, Any]:
    """A journey's facts and a list of other journeys' facts."""
    return (kind, id(subject[0]), *map(id, subject[1])), subject


_READS: dict[str, Callable[[Units, CheckContext, str, Any], tuple[Key, Any]]] = {
    "declarations": _declarations,
    "segment cycles": _none,
    "journey": _journey,
    "facts": _facts,
    "paths": _one,  # JourneyFacts
    "message": _message,
    "sends": _one,  # SourceFile
    "offers": _offers,
    "sides": _one,  # JourneyFacts
    "pair": _pair,
    "cap weight": _two,
    "cap budget": _budget,
    "breach": _with_others,  # (facts, [the other journeys started by a filtered trigger on its event])
}


# The kinds of unit whose keys read messages besides their subject: the names an item's units read, by kind (a
# group of them is replayed only when none of these changed: `changed_messages`).
_READ_MESSAGES: dict[str, Callable[[Units, Any], Iterable[str]]] = {
    "journey": lambda units, item: _sent_names(units, item[0]),  # (journey, path)
    "facts": lambda units, item: _sent_names(units, item[0]),  # (journey, path)
    "offers": lambda units, item: (send.step.message.name for send in item[1]),  # (file, its sends)
}
