"""An incremental check: a project checked again and again (watch, the language server) redoes only what
depends on what changed, and gives the diagnostics a cold check gives.

Each round: files are parsed through the parse cache (by content); a changed file's declarations that are equal
to last round's keep last round's objects (`_intern`), so everything keyed by them is still valid; resolution is
patched when names and imports did not change (resolve.py); the checks replay the units nothing changed under
(units.py). The *interface* (every declaration but journeys and messages, imports, settings, template files) is
compared each round; when it changed, every unit runs again, with the shared facts made anew.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from journeyc import ir
from journeyc.checks.context import CheckContext, SharedFacts
from journeyc.config import Config
from journeyc.diagnostics import Diagnostic, sorted_diagnostics
from journeyc.incremental.resolve import patched
from journeyc.incremental.units import Units
from journeyc.pipeline import ParseCache
from journeyc.resolve import Resolved, resolve_project
from journeyc.resolve.symbols import KINDS
from journeyc.suppress import apply_settings

# The facts checks share (`CheckContext.shared`) a round may take over from the one before when the interface is
# the same: each is keyed by template text or by interface names, or is the reasoner over conditions (keyed by the
# expressions it keeps alive). The others are made anew: `unguarded_offer_spans` is keyed by a message's name, and a
# fact added later is not carried until it is known to be safe.
CARRIED_FACTS = (
    "template_trees", "plain_templates", "template_nodes", "template_reads", "shown_traits", "measuring_renders",
    "surely_fits", "structured_properties", "longest_stand_in", "stand_ins_gsm", "event_domains", "audience_logic",
    "reasoner", "segment_entries", "consent_ruled_out", "template_limits", "unguarded_offer_reads", "heaviest_overlaps",
)  # fmt: skip
_DECLARATIONS = (*(attr for attr, _, _ in KINDS.values()), "profiles", "policies", "imports", "unparsed")


def interface_of(source: ir.SourceFile) -> ir.SourceFile:
    """A file without its journeys and messages (and their broken declarations): what other files' checks read."""
    kept = tuple(u for u in source.unparsed if u.kind not in ("journey", "message"))
    return source.model_copy(update={"journeys": (), "messages": (), "unparsed": kept})


class Incremental:
    """The state an incremental check keeps between rounds (`check_project(..., incremental=)`)."""

    def __init__(self) -> None:
        self.cache = ParseCache()
        self.sources: dict[str, ir.SourceFile] = {}  # last round's files, declarations interned
        self.raw: dict[str, tuple[ir.SourceFile, ir.SourceFile]] = {}  # the parse cache's file -> ours
        self.known: dict[str, tuple[ir.SourceFile, list[Diagnostic], str]] = {}  # what the last round read
        self.stale: set[str] | None = None  # files that may have changed since (None: any)
        self._unsaved: set[str] = set()  # the files last round read from the editor's texts
        self._settled: dict[str, tuple[tuple[Any, ...], list[Diagnostic], Any, bool]] = {}
        self.interfaces: dict[str, ir.SourceFile] = {}
        self.resolved: Resolved | None = None
        self.roots: list[str] | None = None
        self.config: object = None
        self.templates: dict[str, str | None] = {}  # template files the last round read
        self.shared: SharedFacts | None = None
        self.units = Units()
        self.units.messages_version = self._messages_version
        self._messages: tuple[tuple[Any, ...], int, Resolved | None] = ((), 0, None)
        self._this_round: dict[str, ir.SourceFile] = {}
        self.changed_interface = True
        self.interface_version = 0  # counts the rounds whose interface changed: what is kept by it is valid till then

    # ------------------------------------------------------------ a round
    def begin(
        self, roots: list[str], config: object, read_template: Callable[[str], str | None], unsaved: Mapping[str, str]
    ) -> None:
        """Start a round: whether the files, the settings or a template file changed since the last one. A file
        the editor had unsaved and no longer has is read from disk again."""
        self._this_round = {}
        self.changed(set(self._unsaved) - set(unsaved))
        self._unsaved = set(unsaved)
        self.changed_interface = (
            self.resolved is None
            or roots != self.roots
            or config != self.config
            or any(read_template(path) != text for path, text in self.templates.items() if self._stale(path))
        )
        self.roots, self.config = list(roots), config

    def changed(self, paths: Iterable[str] | None) -> None:
        """Files that may have changed on disk since the last round (display paths); None: any file may have.
        The others are not read again (the editor's unsaved texts are compared each round)."""
        if paths is None:
            self.stale = None
        elif self.stale is not None:
            self.stale.update(paths)

    def unchanged(self, path: str, unsaved: Mapping[str, str]) -> tuple[ir.SourceFile, list[Diagnostic], str] | None:
        """Last round's file, diagnostics and text when the file cannot have changed since."""
        known = self.known.get(path)
        if known is None or self.stale is None or path in self.stale:
            return None
        if path in unsaved and unsaved[path] != known[2]:
            return None
        self._this_round[path] = known[0]
        return known

    def parsed(self, path: str, parsed: ir.SourceFile, problems: list[Diagnostic], text: str) -> ir.SourceFile:
        """A file as parsed this round, with last round's objects for what did not change."""
        raw, old = self.raw.get(path, (None, None))
        if parsed is raw and old is not None:  # the same text as last round: the parse cache gave the same object
            source = old
        else:
            source = _intern(old, parsed) if old is not None else parsed
            self.raw[path] = (parsed, source)
        if source is not old:
            interface = interface_of(source)
            if interface != self.interfaces.get(path):
                self.changed_interface = True
            self.interfaces[path] = interface
        self.sources[path] = source
        self._this_round[path] = source
        self.known[path] = (source, problems, text)
        return source

    def resolve(
        self, roots: list[str], parse: Callable[[str], ir.SourceFile | None], exists: Callable[[str], bool],
        modules: list[str],
    ) -> Resolved:  # fmt: skip
        """The resolved project: last round's patched with the changed files, when that is enough."""
        previous = self.resolved
        if previous is not None and not self.changed_interface:
            changed: dict[str, ir.SourceFile] = {}
            for path in previous.files:
                source = parse(path)
                if source is None:
                    break
                if source is not previous.files[path]:
                    changed[path] = source
            else:
                for module in modules:  # the stdlib modules nobody imports are read, as resolution reads them
                    parse(f"stdlib/{module}.journey")
                found = previous if not changed else patched(previous, changed)
                if found is not None:
                    self.resolved = found
                    return found
        self.changed_interface = True
        self.resolved = resolve_project(roots, parse, exists, modules)
        return self.resolved

    def context(self, ctx: CheckContext) -> CheckContext:
        """The round's check context: last round's units and shared facts when the interface is the same."""
        keep = not self.changed_interface
        self.interface_version += not keep
        self.units.next_round(keep)
        ctx.units = self.units
        if keep and self.shared is not None:
            ctx.shared = SharedFacts(**{name: getattr(self.shared, name) for name in CARRIED_FACTS})
        self.shared = ctx.shared
        return ctx

    def apply_settings(
        self, diagnostics: list[Diagnostic], config: Config, sources: dict[str, str]
    ) -> list[Diagnostic]:
        """`suppress.apply_settings` file by file (settings and suppressions act on one file's diagnostics),
        reusing a file's outcome while its diagnostics and text are the same objects; sorted as
        `sorted_diagnostics` sorts them (by file first, so each file's are sorted once), or None when a file's
        outcome holds another file's diagnostic (then the caller sorts them all)."""
        by_file: dict[str, list[Diagnostic]] = {path: [] for path in sources}
        for diagnostic in diagnostics:
            by_file.setdefault(diagnostic.span.file, []).append(diagnostic)
        if self.changed_interface:  # the settings may have changed
            self._settled = {}
        settled: dict[str, tuple[tuple[Any, ...], list[Diagnostic], Any, bool]] = {}
        kept: list[Diagnostic] = []
        in_order = True
        for path in sorted(by_file):
            found = by_file[path]
            text = sources.get(path)
            key = (id(text), *map(id, found))
            before = self._settled.get(path)
            if before is None or before[0] != key:
                outcome = apply_settings(found, config, {path: text} if text is not None else {})
                ordered = all(d.span.file == path for d in outcome)
                before = (key, sorted_diagnostics(outcome) if ordered else outcome, (text, found), ordered)
            settled[path] = before  # with what its key names by id, kept alive
            kept += before[1]
            in_order = in_order and before[3]
        self._settled = settled
        return kept if in_order else sorted_diagnostics(kept)

    def finish(self, templates: dict[str, str | None]) -> None:
        """End a round: remember the template files read (replayed checks read theirs in an earlier round), forget
        files no longer in the project and old versions of edited ones."""
        self.templates = dict(templates) if self.changed_interface else {**self.templates, **templates}
        for path in set(self.sources) - set(self._this_round):
            del self.sources[path]
            self.interfaces.pop(path, None)
            self.raw.pop(path, None)
            self.known.pop(path, None)
        self.cache.prune(self._this_round)
        self.stale = set()

    def _stale(self, path: str) -> bool:
        return self.stale is None or path in self.stale

    # ------------------------------------------------------------ every message's name and place
    def _messages_version(self) -> int:
        """A number that changes when any message's name, file or place does (or a broken message's name)."""
        resolved = self.resolved
        if resolved is None:
            return 0
        if self._messages[2] is resolved:  # worked out for this resolution already (many units ask each round)
            return self._messages[1]
        found = tuple(
            (m.name, path, m.name_span or m.span)
            for path in sorted(resolved.files)
            for m in resolved.files[path].messages
        ) + tuple(sorted(resolved.symbols.broken.get("message", ())))
        self._messages = (found, self._messages[1] + (found != self._messages[0]), resolved)
        return self._messages[1]


def _intern(old: ir.SourceFile, new: ir.SourceFile) -> ir.SourceFile:
    """`new` with each declaration equal to one of `old` (same kind, same name or place) replaced by `old`'s
    object; `old` itself when nothing differs."""
    update: dict[str, tuple[Any, ...]] = {}
    same = new.path == old.path and new.is_stdlib == old.is_stdlib
    for attr in _DECLARATIONS:
        before = {_key(decl, n): decl for n, decl in enumerate(getattr(old, attr))}
        kept = []
        for n, decl in enumerate(getattr(new, attr)):
            match = before.get(_key(decl, n))
            kept.append(match if match is not None and match == decl else decl)
        update[attr] = tuple(kept)
        same = same and len(kept) == len(before) and all(a is b for a, b in zip(kept, getattr(old, attr), strict=False))
    return old if same else new.model_copy(update=update)


def _key(decl: Any, position: int) -> Any:
    """Which earlier declaration a declaration may be: the one of its name (its import target), or its place."""
    return getattr(decl, "name", None) or getattr(decl, "target", None) or position
