"""One project as the language server sees it: its files on disk, the editor's unsaved texts over them, and the
result of the last check with the index of its names."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from journeyc.load import ProjectFiles, ProjectNotFoundError, find_project, read_config
from journeyc.lsp.index import SymbolIndex, build_index
from journeyc.pipeline import CheckResult, ParseCache, check_project


@dataclass(frozen=True)
class Checked:
    """A check of the project with the unsaved texts it saw, and the index of its names."""

    result: CheckResult
    index: SymbolIndex
    unsaved: dict[str, str]


class ProjectSession:
    """A project folder (or one file outside any project) and the editor's open files in it."""

    def __init__(self, files: ProjectFiles) -> None:
        self.files = files
        self.root = files.root
        self.cache = ParseCache()
        self.unsaved: dict[str, str] = {}  # display path -> the editor's text
        self.checked: Checked | None = None
        self.lock = threading.Lock()  # one check at a time

    def display_path(self, path: Path) -> str | None:
        """The project's name for a file (relative to its root), or None when it is outside the project."""
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return None

    def rescan(self) -> None:
        """Read the project's list of files again (after files were created, deleted or renamed)."""
        try:
            files = find_project(str(self.root)) if not self.files.single_file else self.files
        except ProjectNotFoundError:
            return
        self.files = files

    def check(self) -> Checked:
        """Check the project with the editor's texts over the files on disk."""
        with self.lock:
            unsaved = dict(self.unsaved)
            files = self.files
            extra = [p for p in unsaved if p.endswith(".journey") and p not in files.files]
            if extra:  # a new file not saved yet is part of the project too
                files = ProjectFiles(root=files.root, files=sorted([*files.files, *extra]), config=files.config,
                                     single_file=files.single_file, unreadable=files.unreadable)  # fmt: skip
            result = check_project(files, self.cache, unsaved)
            index = build_index(result.project, result.resolved.files, result.sources)
            self.checked = Checked(result, index, unsaved)
            return self.checked


def session_for(path: Path) -> ProjectSession:
    """The project a file belongs to: the nearest folder with journeyc's settings above it, else the file alone
    (the file may not be saved yet)."""
    for folder in path.parents:
        if read_config(folder) is not None:
            return ProjectSession(find_project(str(folder)))
    return ProjectSession(ProjectFiles(root=path.parent, files=[path.name], single_file=True))
