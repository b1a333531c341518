"""Renaming a journey, segment, message or offer everywhere it is written: every .journey file of the project,
and the journey tests that name it (`journey = "..."`, `message = "..."` in *.test.toml)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from journeyc.journey_tests.run import find_tests
from journeyc.lsp.index import Symbol, SymbolIndex
from journeyc.syntax.grammar import keywords

RENAMEABLE = ("journey", "segment", "message", "offer")
_NAME = re.compile(r"[^\W\d]\w*")
_TEST_KEYS = {"journey": "journey", "message": "message"}  # the test files' keys that hold such a name


class RenameRefusedError(Exception):
    """Why a rename cannot be done, in plain words (shown to the user)."""


@dataclass(frozen=True)
class TextChange:
    """Replace `old` at (line, column from 1) in a file: a display path, or a path on disk (a test file)."""

    file: str | Path
    line: int
    column: int
    old: str
    new: str


def rename_changes(index: SymbolIndex, symbol: Symbol, new: str, root: Path, declared: set[str]) -> list[TextChange]:
    """Every change that renames `symbol` to `new` (`declared`: the names of its kind already taken)."""
    if symbol.kind not in RENAMEABLE:
        raise RenameRefusedError(f"only journeys, segments, messages and offers can be renamed, not a {symbol.kind}")
    if not _NAME.fullmatch(new):
        raise RenameRefusedError(f'"{new}" is not a name: use letters, digits and underscores, starting with a letter')
    if new in keywords():
        raise RenameRefusedError(f'"{new}" is a keyword of the language: choose another name')
    if new != symbol.name and new in declared:
        raise RenameRefusedError(f'a {symbol.kind} named "{new}" already exists')
    if any(o.span.file.startswith("stdlib/") for o in index.uses(symbol)):
        raise RenameRefusedError(f'"{symbol.name}" comes with journeyc (the stdlib) and cannot be renamed')
    changes = [TextChange(o.span.file, o.span.line, o.span.column, symbol.name, new) for o in index.uses(symbol)]
    key = _TEST_KEYS.get(symbol.kind)
    if key is not None:
        written = re.compile(rf'^(\s*{key}\s*=\s*")({re.escape(symbol.name)})"', re.M)
        for test in (path for path in find_tests(root) if path.is_file()):
            text = test.read_text(encoding="utf-8", errors="replace")
            for match in written.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                column = match.start(2) - (text.rfind("\n", 0, match.start()) + 1) + 1
                changes.append(TextChange(test, line, column, symbol.name, new))
    return changes
