"""Where a setting of a journey test file is, by line, for its error messages.

tomllib keeps no positions, so the lines are found in the text the way a reader finds them: the n-th
`[[events]]` or `[[expect]]` header, a `[customers.<id>]` header, and a `key = ` line inside the section. A file
written another way (inline tables, dotted keys) may have no line found: the message then names the file alone.
"""

from __future__ import annotations

import re

__all__ = ["Locator"]

_ARRAY_HEADER = re.compile(r"\s*\[\[\s*([^\[\]]+?)\s*\]\]\s*(?:#.*)?")
_TABLE_HEADER = re.compile(r"\s*\[\s*([^\[\]]+?)\s*\]\s*(?:#.*)?")


class Locator:
    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        # (first line index, header name, whether it is an [[array]] header), in file order
        self.headers: list[tuple[int, str, bool]] = []
        for index, line in enumerate(self.lines):
            if match := _ARRAY_HEADER.fullmatch(line):
                self.headers.append((index, _unquoted(match[1]), True))
            elif match := _TABLE_HEADER.fullmatch(line):
                self.headers.append((index, _unquoted(match[1]), False))

    def line(self, section: tuple[str, int | str] | None, key: str | None) -> int | None:
        """The line (from 1) of `key` in a section (None: the top of the file; ("events", 2): the second
        [[events]]; ("customers", id)), or of the section itself when the key is not found there."""
        found = self._index(section, key)
        return None if found is None else found + 1

    def _index(self, section: tuple[str, int | str] | None, key: str | None) -> int | None:
        if section is None:
            return None if key is None else self._key_index(0, key)
        name, which = section
        start = self._section_start(name, which)
        if start is None:
            return self._key_index(0, name)  # (`events = [...]` written inline: its first line)
        found = None if key is None else self._key_index(start + 1, key)
        return start if found is None else found

    def _section_start(self, name: str, which: int | str) -> int | None:
        if isinstance(which, int):
            starts = [index for index, header, array in self.headers if array and header == name]
            return starts[which - 1] if 0 < which <= len(starts) else None
        for index, header, array in self.headers:
            if not array and header == f"{name}.{which}":
                return index
        for index, header, array in self.headers:  # `[customers]` then `heather = { ... }`
            if not array and header == name:
                return self._key_index(index + 1, str(which))
        return None

    def _key_index(self, start: int, key: str) -> int | None:
        """The index of the `key = ` line in the section that goes on from `start` to the next header."""
        end = next((index for index, _, _ in self.headers if index >= start), len(self.lines))
        pattern = re.compile(rf"\s*(?:{re.escape(key)}|\"{re.escape(key)}\"|'{re.escape(key)}')\s*=")
        for index in range(start, end):
            if pattern.match(self.lines[index]):
                return index
        return None


def _unquoted(name: str) -> str:
    """`customers."ana maria"` as `customers.ana maria` (quotes around dotted parts dropped)."""
    return ".".join(part.strip().strip("\"'") for part in name.split("."))
