"""The files `journeyc fmt` formats: every .journey file of a project, or one file, each read and laid out."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from journeyc.fmt import Formatted, format_source
from journeyc.load import ProjectFiles, UnreadableFileError, read_file_bytes
from journeyc.syntax.parser import decode_source


@dataclass(frozen=True)
class FileFormat:
    """One file: its display path and its canonical layout, or why it could not be read."""

    path: str
    result: Formatted | None
    unreadable: str | None = None

    @property
    def changed(self) -> bool:
        return self.result is not None and self.result.changed


def format_files(files: ProjectFiles) -> list[FileFormat]:
    """The layout of each .journey file of the project (or of the one file asked for), in path order."""
    paths = [files.focus] if files.focus is not None else files.files
    unreadable = files.unreadable if files.focus is None else {}
    found = [FileFormat(path, None, reason) for path, reason in unreadable.items() if not path.endswith("/")]
    for path in paths:
        try:
            data = read_file_bytes(files.root / path)
        except UnreadableFileError as error:
            found.append(FileFormat(path, None, str(error)))
            continue
        text, problems = decode_source(data, path)
        if problems:  # not UTF-8: the file is left as it is
            found.append(FileFormat(path, Formatted(text, None, problems)))
            continue
        found.append(FileFormat(path, format_source(text, path)))
    return sorted(found, key=lambda item: item.path)


def write_formatted(files: ProjectFiles, item: FileFormat) -> None:
    """Replace the file's text with its layout (only called for a file that changes)."""
    assert item.result is not None and item.result.text is not None
    (files.root / item.path).write_bytes(item.result.text.encode("utf-8"))


def unified_diff(item: FileFormat, shown: str) -> str:
    """What formatting changes in the file, as a unified diff (`shown` names the file)."""
    assert item.result is not None and item.result.text is not None
    lines = difflib.unified_diff(
        item.result.original.splitlines(keepends=True),
        item.result.text.splitlines(keepends=True),
        f"{shown} (on disk)",
        f"{shown} (formatted)",
    )
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)
