"""The symbol table: every declaration by kind and name, duplicates, and lookups that respect imports."""

from __future__ import annotations

import difflib
import posixpath
from dataclasses import dataclass, field
from typing import Any

from journeyc import ir
from journeyc.diagnostics import Diagnostic, Label
from journeyc.resolve.imports import STDLIB_PREFIX

# kind -> (SourceFile attribute, word for messages, unknown-name code)
KINDS: dict[str, tuple[str, str, str]] = {
    "event": ("events", "event", "J102"),
    "shape": ("shapes", "shape", "J110"),
    "team": ("teams", "team", "J108"),
    "category": ("categories", "category", "J109"),
    "channel": ("channels", "channel", "J107"),
    "segment": ("segments", "segment", "J104"),
    "offer": ("offers", "offer", "J106"),
    "message": ("messages", "message", "J105"),
    "journey": ("journeys", "journey", "J101"),
}
GLOBAL_KINDS = {"team"}  # visible everywhere without an import


@dataclass
class Entry:
    file: str
    decl: Any
    span: ir.Span


@dataclass
class SymbolTable:
    """Declarations of the project (and of the stdlib modules it imports), with per-file visibility."""

    visible: dict[str, frozenset[str]]
    entries: dict[str, dict[str, Entry]] = field(default_factory=dict)
    # Declarations in stdlib modules nobody imports: only used to suggest the import to add.
    unimported: dict[str, dict[str, Entry]] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # Names of declarations that failed to parse: their syntax error is reported, references to them are not.
    broken: dict[str, set[str]] = field(default_factory=dict)

    def lookup(self, kind: str, name: str, from_file: str, span: ir.Span) -> Any | None:
        """The declaration `name` of `kind` as seen from `from_file`, or None after reporting why not."""
        entry = self.entries.get(kind, {}).get(name)
        if entry is not None and (kind in GLOBAL_KINDS or entry.file in self.visible.get(from_file, {from_file})):
            return entry.decl
        if entry is None and name in self.broken.get(kind, ()):
            return None
        _, word, code = KINDS[kind]
        shown = f'"{name}"'
        if entry is None:
            entry = self.unimported.get(kind, {}).get(name)
        if entry is not None:
            self.diagnostics.append(
                Diagnostic(
                    code="J114",
                    severity="error",
                    message=f"{word} {shown} is declared in {entry.file}, which this file does not import",
                    span=span,
                    label="not imported here",
                    labels=(Label(span=entry.span, message="declared here"),),
                    help=f"add `{import_statement(entry.file, from_file)}` at the top of this file",
                )
            )
            return None
        candidates = self.visible_names(kind, from_file)
        close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
        help_text = None
        labels: tuple[Label, ...] = ()
        if close:
            where = self.entries.get(kind, {}).get(close[0])
            help_text = f'did you mean "{close[0]}"?'
            if where is not None:
                help_text += f" (declared in {where.file}:{where.span.line})"
        elif not candidates:
            help_text = f"no {word} is visible from this file; declare one or import the file that does"
        elif len(candidates) <= 8:
            shown_names = ", ".join(f'"{c}"' if kind == "event" else c for c in candidates)
            help_text = f"the {plural(word)} visible here are {shown_names}"
        self.diagnostics.append(
            Diagnostic(
                code=code if kind != "journey" else "J101",
                severity="error",
                message=f"unknown {word} {shown}",
                span=span,
                label=f"no {word} of this name" if kind != "event" else "not in the tracking plan",
                labels=labels,
                help=help_text,
            )
        )
        return None

    def visible_names(self, kind: str, from_file: str) -> list[str]:
        table = self.entries.get(kind, {})
        seen = self.visible.get(from_file, frozenset({from_file}))
        return sorted(name for name, entry in table.items() if kind in GLOBAL_KINDS or entry.file in seen)


def plural(word: str) -> str:
    return word[:-1] + "ies" if word.endswith("y") and word[-2] not in "aeiou" else word + "s"


def import_statement(target: str, from_file: str) -> str:
    if target.startswith(STDLIB_PREFIX):
        return f"import {target.removeprefix(STDLIB_PREFIX).removesuffix('.journey')}"
    base = posixpath.dirname(from_file) or "."
    return f'import "{posixpath.relpath(target, base)}"'


def decl_name(kind: str, decl: Any) -> str:
    return decl.name


def decl_span(kind: str, decl: Any) -> ir.Span:
    return decl.name_span or decl.span


def build_symbols(
    files: dict[str, ir.SourceFile],
    visible: dict[str, frozenset[str]],
    unimported: dict[str, ir.SourceFile],
) -> SymbolTable:
    """Index every declaration; a second declaration of a name is a J101 pointing at the first."""
    table = SymbolTable(visible=visible)
    for path in sorted(files):
        for unparsed in files[path].unparsed:
            table.broken.setdefault(unparsed.kind, set()).add(unparsed.name)
    for kind, (attr, word, _) in KINDS.items():
        entries: dict[str, Entry] = {}
        for path in sorted(files):
            for decl in getattr(files[path], attr):
                name = decl_name(kind, decl)
                span = decl_span(kind, decl)
                first = entries.get(name)
                if first is None:
                    entries[name] = Entry(path, decl, span)
                    continue
                table.diagnostics.append(
                    Diagnostic(
                        code="J101",
                        severity="error",
                        message=f'{word} "{name}" is declared twice',
                        span=span,
                        label="declared again here",
                        labels=(Label(span=first.span, message="first declared here"),),
                        help=f"names of {plural(word)} are shared by the whole project: rename or remove one",
                    )
                )
        table.entries[kind] = entries
        spare: dict[str, Entry] = {}
        for path in sorted(unimported):
            for decl in getattr(unimported[path], attr):
                spare.setdefault(decl_name(kind, decl), Entry(path, decl, decl_span(kind, decl)))
        table.unimported[kind] = spare
    return table


def single(files: dict[str, ir.SourceFile], attr: str, word: str, diagnostics: list[Diagnostic]) -> Any | None:
    """The one profile or policy of the project; a second one is a J101."""
    found = [(path, decl) for path in sorted(files) for decl in getattr(files[path], attr)]
    for _, extra in found[1:]:
        diagnostics.append(
            Diagnostic(
                code="J101",
                severity="error",
                message=f"the project has more than one {word}",
                span=extra.span,
                label=f"another {word}",
                labels=(Label(span=found[0][1].span, message=f"the first {word}"),),
                help=f"a project has one {word}: merge them into one",
            )
        )
    return found[0][1] if found else None
