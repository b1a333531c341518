"""Resolution of a project after some files changed, without resolving it all again when it need not.

When the changed files import the same files and declare the same names (of each kind, and each message on the
same channel) as before, and the last resolution found no problem, the names, the imports and what each file sees
are as they were: the symbol table and the project IR are the old ones with the changed files' declarations put
in. Anything else is resolved from scratch (`resolve_project`).
"""

from __future__ import annotations

from typing import Any

from journeyc import ir
from journeyc.resolve import Resolved
from journeyc.resolve.symbols import KINDS, Entry, SymbolTable, decl_span

_SINGLE = (("profiles", "profile"), ("policies", "policy"))


def header(source: ir.SourceFile) -> tuple[Any, ...]:
    """What resolution reads of a file but its declarations' contents."""
    names = tuple(tuple(decl.name for decl in getattr(source, attr)) for attr, _, _ in KINDS.values())
    channels = tuple(message.channel.name for message in source.messages)  # build file names (J119)
    return (
        source.is_stdlib,
        tuple((imp.target, imp.is_stdlib) for imp in source.imports),
        names,
        channels,
        len(source.profiles),
        len(source.policies),
        tuple((u.kind, u.name) for u in source.unparsed),
    )


def patched(previous: Resolved, changed: dict[str, ir.SourceFile]) -> Resolved | None:
    """`previous` with the changed files' new declarations, or None when it must be resolved again."""
    if previous.diagnostics:
        return None
    for path, source in changed.items():
        old = previous.files.get(path)
        if old is None or header(old) != header(source):
            return None
    files = {**previous.files, **changed}
    entries = {kind: dict(table) for kind, table in previous.symbols.entries.items()}
    for path, source in changed.items():
        old = previous.files[path]
        for kind, (attr, _, _) in KINDS.items():
            table = entries.setdefault(kind, {})
            for before, after in zip(getattr(old, attr), getattr(source, attr), strict=True):
                entry = table.get(after.name)
                if entry is not None and entry.decl is before:
                    table[after.name] = Entry(path, after, decl_span(kind, after))
    symbols = SymbolTable(
        visible=previous.symbols.visible,
        entries=entries,
        unimported=previous.symbols.unimported,
        broken=previous.symbols.broken,
    )
    update: dict[str, Any] = {
        attr: {name: entries[kind][name].decl for name in getattr(previous.project, attr)}
        for kind, (attr, _, _) in KINDS.items()
    }
    for attr, field in _SINGLE:  # the first in path order, as `single` finds it
        update[field] = next((decl for path in sorted(files) for decl in getattr(files[path], attr)), None)
    return Resolved(project=previous.project.model_copy(update=update), files=files, symbols=symbols)
