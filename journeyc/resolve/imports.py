"""Imports: where each one points, the import graph, its cycles, and what each file can see."""

from __future__ import annotations

import difflib
import posixpath
from collections.abc import Callable

from journeyc import ir
from journeyc.diagnostics import Diagnostic, Label
from journeyc.load import STDLIB_PREFIX as STDLIB_PREFIX  # defined with the files it names


def stdlib_path(module: str) -> str:
    return f"{STDLIB_PREFIX}{module}.journey"


def import_target(
    imp: ir.Import,
    from_file: str,
    stdlib_modules: list[str],
    exists: Callable[[str], bool],
) -> tuple[str | None, Diagnostic | None]:
    """The display path an import names, or a diagnostic saying why it names nothing."""
    if imp.is_stdlib:
        if imp.target in stdlib_modules:
            return stdlib_path(imp.target), None
        close = difflib.get_close_matches(imp.target, stdlib_modules, n=1)
        known = ", ".join(stdlib_modules)
        return None, Diagnostic(
            code="J111",
            severity="error",
            message=f'there is no stdlib module "{imp.target}"',
            span=imp.span,
            label="not in the stdlib",
            help=f'did you mean "{close[0]}"?' if close else f"the stdlib modules are: {known}",
        )
    target = imp.target.replace("\\", "/")
    base = posixpath.dirname(from_file) if not from_file.startswith(STDLIB_PREFIX) else STDLIB_PREFIX.rstrip("/")
    joined = posixpath.normpath(posixpath.join(base, target))
    inside = not (target.startswith("/") or joined == ".." or joined.startswith("../") or ":" in target)
    if from_file.startswith(STDLIB_PREFIX):
        inside = inside and joined.startswith(STDLIB_PREFIX)
    if not inside:
        return None, Diagnostic(
            code="J112",
            severity="error",
            message=f'the import "{imp.target}" points outside the project',
            span=imp.span,
            label="leaves the project folder",
            help="imports name .journey files inside the project, relative to this file; stdlib modules by name",
        )
    if not joined.endswith(".journey"):
        joined += ".journey"
    if exists(joined):
        return joined, None
    return None, Diagnostic(
        code="J111",
        severity="error",
        message=f'the imported file "{imp.target}" does not exist',
        span=imp.span,
        label=f"looked for {joined}",
        help="paths are relative to the importing file's folder",
    )


def find_cycles(graph: dict[str, list[tuple[str, ir.Import]]]) -> list[Diagnostic]:
    """One diagnostic per import cycle, at the import that closes it (deterministic: files in sorted order).

    A depth-first search with its own stack, not Python's: a chain of a thousand imports is an ordinary project.
    """
    diagnostics: list[Diagnostic] = []
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    reported: set[frozenset[str]] = set()
    for root in sorted(graph):
        if root in state:
            continue
        state[root] = 1
        stack: list[tuple[str, ir.Import | None]] = [(root, None)]
        edges = [iter(graph.get(root, []))]
        while edges:
            step = next(edges[-1], None)
            if step is None:
                state[stack.pop()[0]] = 2
                edges.pop()
                continue
            target, imp = step
            if state.get(target) == 1:
                start = next(i for i, (name, _) in enumerate(stack) if name == target)
                members = [name for name, _ in stack[start:]]
                key = frozenset(members)
                if key not in reported:
                    reported.add(key)
                    diagnostics.append(_cycle_diagnostic(members, imp, stack[start + 1 :]))
            elif target not in state:
                state[target] = 1
                stack.append((target, imp))
                edges.append(iter(graph.get(target, [])))
    return diagnostics


def _cycle_diagnostic(members: list[str], closing: ir.Import, path: list[tuple[str, ir.Import | None]]) -> Diagnostic:
    chain = " -> ".join([*members, members[0]])
    labels = tuple(Label(span=imp.span, message="part of the cycle") for _, imp in path if imp is not None)
    return Diagnostic(
        code="J113",
        severity="error",
        message=f"import cycle: {chain}",
        span=closing.span,
        label="this import closes the cycle",
        labels=labels,
        help="move the shared declarations into a file that both import",
    )


def visible_files(graph: dict[str, list[tuple[str, ir.Import]]]) -> dict[str, frozenset[str]]:
    """For each file, itself plus every file it imports, directly or through other imports."""
    result: dict[str, frozenset[str]] = {}
    for start in graph:
        seen = {start}
        pending = [start]
        while pending:
            node = pending.pop()
            for target, _ in graph.get(node, []):
                if target not in seen:
                    seen.add(target)
                    pending.append(target)
        result[start] = frozenset(seen)
    return result
