"""One project as the language server sees it: its files on disk, the editor's unsaved texts over them, and the
result of the last check, checked incrementally (journeyc/incremental) as the editor's texts change."""

from __future__ import annotations

import threading
from functools import cached_property
from pathlib import Path

from journeyc.incremental.engine import Incremental
from journeyc.load import ProjectFiles, ProjectNotFoundError, find_project, read_config
from journeyc.lsp.index import FileOccurrences, SymbolIndex, build_index
from journeyc.pipeline import CheckResult, check_project


class Checked:
    """A check of the project with the unsaved texts it saw; the index of its names is made when first asked."""

    def __init__(self, result: CheckResult, unsaved: dict[str, str], known: FileOccurrences) -> None:
        self.result = result
        self.unsaved = unsaved
        self._known = known

    @cached_property
    def index(self) -> SymbolIndex:
        result = self.result
        return build_index(result.project, result.resolved.files, result.sources, self._known)


class ProjectSession:
    """A project folder (or one file outside any project) and the editor's open files in it."""

    def __init__(self, files: ProjectFiles) -> None:
        self.files = files
        self.root = files.root
        self.engine = Incremental()
        self.unsaved: dict[str, str] = {}  # display path -> the editor's text
        self.checked: Checked | None = None
        self.lock = threading.Lock()  # one check at a time
        self._occurrences: FileOccurrences = {}
        self._interface = -1

    def display_path(self, path: Path) -> str | None:
        """The project's name for a file (relative to its root), or None when it is outside the project."""
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return None

    def changed_on_disk(self, paths: list[str] | None) -> None:
        """Files saved, closed, made, removed or renamed (display paths; None: any): read them again, and the
        list of the project's files."""
        with self.lock:
            self.engine.changed(paths)
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
            result = check_project(files, unsaved=unsaved, incremental=self.engine)
            if self.engine.interface_version != self._interface:  # other declarations may have changed
                self._occurrences, self._interface = {}, self.engine.interface_version
            self.checked = Checked(result, unsaved, self._occurrences)
            return self.checked


def session_for(path: Path, workspaces: list[Path]) -> ProjectSession:
    """The project a file belongs to: the nearest folder with journeyc's settings above it, else the editor's
    workspace folder it is in, else the file alone (the file may not be saved yet)."""
    for folder in path.parents:
        if read_config(folder) is not None:
            return ProjectSession(find_project(str(folder)))
    for folder in sorted(workspaces, key=lambda w: len(w.parts), reverse=True):
        if folder in path.parents and folder.is_dir():
            return ProjectSession(find_project(str(folder)))
    return ProjectSession(ProjectFiles(root=path.parent, files=[path.name], single_file=True))
