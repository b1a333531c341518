"""Finding a project on disk: its root, its configuration, its .journey files and the stdlib."""

from __future__ import annotations

import errno
import os
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

CONFIG_FILE = "journeyc.toml"
STDLIB_PREFIX = "stdlib/"  # display paths of the standard library's modules
SKIPPED_DIRS = {"build", "node_modules", "__pycache__"}


class ProjectNotFoundError(Exception):
    """A CLI usage error: the path given is not a project, a .journey file or readable."""


class UnreadableFileError(Exception):
    """A file that is there but cannot be read; the message says why in plain words ("permission denied")."""


_REASONS = {
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOENT: "it does not exist",
    errno.ELOOP: "it is a symbolic link that leads back to itself",
    errno.ENAMETOOLONG: "its name is longer than the file system allows",
    errno.EISDIR: "it is a folder, not a file",
    errno.ENOTDIR: "a part of its path is a file, not a folder",
}


def describe_os_error(error: OSError) -> str:
    """Why an operating-system call failed, in plain lowercase words."""
    return _REASONS.get(error.errno or 0) or (error.strerror or str(error)).lower()


def read_file_bytes(path: Path) -> bytes:
    """The bytes of a regular file (links followed); anything else is an UnreadableFileError saying why.

    A named pipe is opened without waiting for a writer and refused, so a planted FIFO never hangs a check.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        handle = os.open(path, flags)
    except OSError as error:
        if error.errno == errno.ENOENT and os.path.islink(path):
            raise UnreadableFileError("it is a symbolic link to something that does not exist") from error
        raise UnreadableFileError(describe_os_error(error)) from error
    except ValueError as error:  # a NUL character in the name
        raise UnreadableFileError("its name holds a NUL character") from error
    mode = os.fstat(handle).st_mode
    if not stat.S_ISREG(mode):  # before fdopen(), which refuses a folder with its own error
        os.close(handle)
        raise UnreadableFileError(_not_a_file(mode))
    with os.fdopen(handle, "rb") as file:
        try:
            return file.read()
        except OSError as error:
            raise UnreadableFileError(describe_os_error(error)) from error


def _not_a_file(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "it is a folder, not a file"
    if stat.S_ISFIFO(mode):
        return "it is a named pipe, not a file"
    return "it is a device or a socket, not a file"


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
    # .journey files and folders (`folder/`) found but not readable, as display paths, with why: each is a J005.
    unreadable: dict[str, str] = field(default_factory=dict)
    # A file checked inside its project: the whole project is read, only this file's problems are reported.
    focus: str | None = None

    def absolute(self, display_path: str) -> Path:
        if display_path.startswith("stdlib/") and not (self.root / display_path).exists():
            return stdlib_dir() / display_path.removeprefix("stdlib/")
        return self.root / display_path


def read_config(root: Path) -> dict[str, object] | None:
    """`journeyc.toml`, or `[tool.journeyc]` in pyproject.toml; None when neither configures journeyc."""
    config_path = root / CONFIG_FILE
    if os.path.lexists(config_path):  # one that cannot be read is an error, never "no project here"
        return _read_toml(config_path)
    pyproject = root / "pyproject.toml"
    if os.path.lexists(pyproject):
        tool = _read_toml(pyproject).get("tool", {})
        if isinstance(tool, dict) and isinstance(tool.get("journeyc"), dict):
            return tool["journeyc"]
    return None


def _read_toml(path: Path) -> dict[str, object]:
    try:
        return tomllib.loads(read_file_bytes(path).decode("utf-8"))
    except UnreadableFileError as error:
        raise ProjectNotFoundError(f"cannot read {path}: {error}") from error
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ProjectNotFoundError(f"{path.name} is not valid TOML: {error}") from error
    except ValueError as error:  # tomllib turns digits into an int, which Python refuses past 4,300 of them
        raise ProjectNotFoundError(
            f"{path.name} holds a number of more than 4,300 digits, more than any setting takes"
        ) from error


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
    try:
        found = target.exists()
    except OSError as error:  # a name too long for the file system, a folder that cannot be entered
        raise ProjectNotFoundError(f"cannot use '{path}': {describe_os_error(error)}") from error
    if not found:
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
    """Every .journey file below `root`, skipping hidden and SKIPPED_DIRS folders and not entering linked folders.

    A folder that cannot be listed, and a .journey entry that is not a readable file (a dangling link, a named
    pipe, a folder), are recorded as unreadable rather than skipped: a check that silently misses files would
    say "no problems" and a build would drop their journeys.
    """
    files: list[str] = []
    unreadable: dict[str, str] = {}
    pending = [root]
    while pending:
        folder = pending.pop()
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as error:
            if folder == root:
                raise ProjectNotFoundError(f"cannot read the folder '{root}': {describe_os_error(error)}") from error
            unreadable[_display(Path(folder), root) + "/"] = describe_os_error(error)
            continue
        for entry in entries:
            linked = entry.is_symlink()
            if entry.is_dir(follow_symlinks=False):
                if not (entry.name.startswith(".") or entry.name in SKIPPED_DIRS):
                    pending.append(Path(entry.path))
                if entry.name.endswith(".journey"):
                    unreadable[_display(Path(entry.path), root)] = "it is a folder, not a file"
            elif entry.name.endswith(".journey"):
                path = _display(Path(entry.path), root)
                problem = _unreadable_entry(Path(entry.path), linked)
                if problem is None:
                    files.append(path)
                else:
                    unreadable[path] = problem
    return ProjectFiles(root=root, files=sorted(files), config=config, unreadable=dict(sorted(unreadable.items())))


def _unreadable_entry(path: Path, linked: bool) -> str | None:
    """Why a .journey entry is not a file journeyc can read, or None when it is one (links are followed)."""
    try:
        mode = os.stat(path).st_mode
    except OSError as error:
        if linked and error.errno == errno.ENOENT:
            return "it is a symbolic link to something that does not exist"
        return describe_os_error(error)
    return None if stat.S_ISREG(mode) else _not_a_file(mode)


def _display(file: Path, root: Path) -> str:
    return PurePosixPath(file.relative_to(root)).as_posix()
