"""Finding a project on disk: its root, its configuration, its .journey files and the stdlib."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

CONFIG_FILE = "journeyc.toml"
SKIPPED_DIRS = {"build", "node_modules", "__pycache__"}


class ProjectNotFoundError(Exception):
    """A CLI usage error: the path given is not a project, a .journey file or readable."""


def stdlib_dir() -> Path:
    """The stdlib shipped with journeyc: inside the package when installed, beside it in a checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "stdlib", here.parent / "stdlib"):
        if candidate.is_dir():
            return candidate
    return here / "stdlib"


@dataclass
class ProjectFiles:
    """Where the project is and which files belong to it, as display paths relative to the root."""

    root: Path
    files: list[str]
    config: dict[str, object] = field(default_factory=dict)
    single_file: bool = False
    # A file checked inside its project: the whole project is read, only this file's problems are reported.
    focus: str | None = None

    def absolute(self, display_path: str) -> Path:
        if display_path.startswith("stdlib/") and not (self.root / display_path).exists():
            return stdlib_dir() / display_path.removeprefix("stdlib/")
        return self.root / display_path


def read_config(root: Path) -> dict[str, object] | None:
    """`journeyc.toml`, or `[tool.journeyc]` in pyproject.toml; None when neither configures journeyc."""
    config_path = root / CONFIG_FILE
    if config_path.is_file():
        return _read_toml(config_path)
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        tool = _read_toml(pyproject).get("tool", {})
        if isinstance(tool, dict) and isinstance(tool.get("journeyc"), dict):
            return tool["journeyc"]
    return None


def _read_toml(path: Path) -> dict[str, object]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ProjectNotFoundError(f"{path.name} is not valid TOML: {error}") from error


def find_project(path: str | None) -> ProjectFiles:
    """Resolve the PATH argument of a command into the project's files."""
    if path is None:
        cwd = Path.cwd()
        for candidate in (cwd, *cwd.parents):
            config = read_config(candidate)
            if config is not None:
                return _directory_project(candidate, config)
        raise ProjectNotFoundError(
            "no project here: give a folder or a .journey file, or add a journeyc.toml to the project's folder"
        )
    target = Path(path)
    if not target.exists():
        raise ProjectNotFoundError(f"'{path}' does not exist")
    if target.is_dir():
        return _directory_project(target.resolve(), read_config(target.resolve()) or {})
    if target.suffix != ".journey":
        raise ProjectNotFoundError(f"'{path}' is not a .journey file or a folder")
    resolved = target.resolve()
    for candidate in (resolved.parent, *resolved.parent.parents):
        config = read_config(candidate)
        if config is not None:
            # Inside a project: teams, the profile and the policy of other files are part of its context.
            project = _directory_project(candidate, config)
            focus = _display(resolved, candidate)
            if focus not in project.files:
                project.files = sorted([*project.files, focus])
            project.focus = focus
            return project
    root = resolved.parent
    return ProjectFiles(root=root, files=[_display(resolved, root)], single_file=True)


def _directory_project(root: Path, config: dict[str, object]) -> ProjectFiles:
    files = []
    for file in root.rglob("*.journey"):
        relative = file.relative_to(root)
        if any(part.startswith(".") or part in SKIPPED_DIRS for part in relative.parts[:-1]):
            continue
        if file.is_file():
            files.append(_display(file, root))
    return ProjectFiles(root=root, files=sorted(files), config=config)


def _display(file: Path, root: Path) -> str:
    return PurePosixPath(file.relative_to(root)).as_posix()
