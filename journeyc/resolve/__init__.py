"""Whole-project resolution (dbt-style): every file was parsed alone; this pass links them.

It follows imports (loading the stdlib modules and, for a single-file check, the project files they name),
reports import problems, duplicates and names that would share a build file, and assembles the `Project` IR with a
`SymbolTable` for the checks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from journeyc import ir
from journeyc.diagnostics import Diagnostic
from journeyc.resolve.imports import STDLIB_PREFIX, find_cycles, import_target, visible_files
from journeyc.resolve.modules import build_name_collisions
from journeyc.resolve.symbols import SymbolTable, build_symbols, single

ParseFn = Callable[[str], ir.SourceFile | None]


@dataclass
class Resolved:
    project: ir.Project
    files: dict[str, ir.SourceFile]
    symbols: SymbolTable
    diagnostics: list[Diagnostic] = field(default_factory=list)


def resolve_project(
    roots: list[str],
    parse: ParseFn,
    exists: Callable[[str], bool],
    stdlib_modules: list[str],
) -> Resolved:
    """Load `roots` and everything they import, then build the symbol table and the project IR.

    `parse(path)` returns a file's IR (parsing and caching is the caller's business, diagnostics included);
    `exists(path)` says whether a project file is there to be loaded.
    """
    diagnostics: list[Diagnostic] = []
    files: dict[str, ir.SourceFile] = {}
    graph: dict[str, list[tuple[str, ir.Import]]] = {}
    pending = sorted(roots)
    while pending:
        path = pending.pop(0)
        if path in files:
            continue
        source = parse(path)
        if source is None:
            continue
        files[path] = source
        edges = graph.setdefault(path, [])
        for imp in source.imports:
            target, problem = import_target(imp, path, stdlib_modules, lambda p: p in files or exists(p))
            if problem is not None:
                diagnostics.append(problem)
                continue
            assert target is not None
            edges.append((target, imp))
            if target not in files:
                pending.append(target)
    diagnostics.extend(find_cycles(graph))
    visible = visible_files(graph)

    unimported: dict[str, ir.SourceFile] = {}
    for module in stdlib_modules:
        path = f"{STDLIB_PREFIX}{module}.journey"
        if path not in files:
            source = parse(path)
            if source is not None:
                unimported[path] = source
    symbols = build_symbols(files, visible, unimported)
    diagnostics.extend(symbols.diagnostics)
    symbols.diagnostics = []

    profile = single(files, "profiles", "profile", diagnostics)
    policy = single(files, "policies", "contact policy", diagnostics)
    project = ir.Project(
        files=tuple(sorted(files)),
        teams=_sorted(symbols, "team"),
        categories=_sorted(symbols, "category"),
        events=_sorted(symbols, "event"),
        shapes=_sorted(symbols, "shape"),
        profile=profile,
        channels=_sorted(symbols, "channel"),
        segments=_sorted(symbols, "segment"),
        offers=_sorted(symbols, "offer"),
        messages=_sorted(symbols, "message"),
        policy=policy,
        journeys=_sorted(symbols, "journey"),
    )
    diagnostics.extend(build_name_collisions(project))
    return Resolved(project=project, files=files, symbols=symbols, diagnostics=diagnostics)


def _sorted(symbols: SymbolTable, kind: str) -> dict:
    table = symbols.entries.get(kind, {})
    return {name: table[name].decl for name in sorted(table)}
