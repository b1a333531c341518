"""The build folder on disk, handled so that nothing outside it is ever read, written or removed.

A build folder is committed to the repository, so a pull request can plant a symbolic link in it
(`build/data/policy.json -> ~/.bashrc`, `build/templates -> /etc`). Every path below the folder is therefore
opened one component at a time from the descriptor of the folder above it, never following a link (O_NOFOLLOW);
a file is written as a temporary file in that verified folder and renamed over the old one (a rename replaces a
name, never what a link points to); and a link, a device or a folder where journeyc expects a file or a folder is
refused with an error naming it, before anything is written.

The path *to* the build folder (its parent folders) is the user's own choice and is followed like any path they
type; the build folder itself must be a real folder, not a link to one. This needs the POSIX calls that take a
folder descriptor (Linux, macOS).
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from journeyc.load import ProjectNotFoundError, describe_os_error

Kind = Literal["file", "folder", "link", "other"]
_DIRECTORY = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
# O_NONBLOCK: opening a named pipe planted under the build must not wait for a writer.
_READ = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0)
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
SAFE_CALLS = hasattr(os, "O_NOFOLLOW") and hasattr(os, "O_DIRECTORY") and os.open in os.supports_dir_fd


class BuildFolderError(ProjectNotFoundError):
    """The build folder holds something journeyc will not write through or over: a usage error (exit 2)."""


@dataclass(frozen=True)
class Entry:
    kind: Kind
    size: int


def kind_of(mode: int) -> Kind:
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISDIR(mode):
        return "folder"
    return "link" if stat.S_ISLNK(mode) else "other"


_WHAT = {
    "link": "is a symbolic link; journeyc never writes, reads or removes through links",
    "folder": "is a folder where journeyc writes a file",
    "other": "is not a regular file (a device, a named pipe or a socket)",
    "file": "is a file where journeyc needs a folder",
}


class BuildFolder:
    """An open build folder: every path is relative to it, posix style (`data/policy.json`)."""

    def __init__(self, display: str, fd: int) -> None:
        self.display = display
        self._fd = fd

    def where(self, path: str) -> str:
        return f"{self.display.rstrip('/')}/{path}"

    def refusal(self, path: str, kind: Kind) -> BuildFolderError:
        return BuildFolderError(f"{self.where(path)} {_WHAT[kind]}: remove it, or choose another folder with --out")

    @contextmanager
    def _folder(self, parts: list[str], create: bool = False) -> Iterator[int | None]:
        """A descriptor of the folder `parts` below the build folder (None when it does not exist)."""
        fd = os.dup(self._fd)
        try:
            for depth, part in enumerate(parts):
                if create:
                    with suppress(FileExistsError):
                        os.mkdir(part, dir_fd=fd)
                try:
                    inner = os.open(part, _DIRECTORY, dir_fd=fd)
                except FileNotFoundError:
                    yield None
                    return
                except OSError as error:
                    raise self._error("/".join(parts[: depth + 1]), part, fd, error) from error
                os.close(fd)
                fd = inner
            yield fd
        finally:
            os.close(fd)

    def _error(self, path: str, name: str, fd: int, error: OSError) -> BuildFolderError:
        try:
            mode = os.stat(name, dir_fd=fd, follow_symlinks=False).st_mode
        except OSError:
            mode = stat.S_IFDIR
        kind = kind_of(mode)
        if kind != "folder":
            return self.refusal(path, kind)
        return BuildFolderError(f"cannot open {self.where(path)}: {describe_os_error(error)}")

    def entry(self, path: str) -> Entry | None:
        """What is at `path` (a link is a link, not what it points to); None when nothing is."""
        *parts, name = path.split("/")
        with self._folder(parts) as fd:
            if fd is None:
                return None
            try:
                info = os.stat(name, dir_fd=fd, follow_symlinks=False)
            except FileNotFoundError:
                return None
            except OSError as error:
                raise BuildFolderError(f"cannot look at {self.where(path)}: {describe_os_error(error)}") from error
            return Entry(kind_of(info.st_mode), info.st_size)

    def holds(self, path: str, payload: bytes) -> bool:
        """Whether the regular file at `path` has exactly these bytes (read only when the size matches)."""
        entry = self.entry(path)
        return entry is not None and entry.kind == "file" and entry.size == len(payload) and self.read(path) == payload

    def read(self, path: str, limit: int | None = None) -> bytes:
        """The bytes of the regular file at `path`; a link or anything else is refused."""
        *parts, name = path.split("/")
        with self._folder(parts) as fd:
            if fd is None:
                raise BuildFolderError(f"{self.where(path)} does not exist")
            try:
                handle = os.open(name, _READ, dir_fd=fd)
            except OSError as error:
                raise self._error(path, name, fd, error) from error
            info = os.fstat(handle)
            if not stat.S_ISREG(info.st_mode) or (limit is not None and info.st_size > limit):
                os.close(handle)  # before fdopen(), which refuses a folder with an error of its own
                if not stat.S_ISREG(info.st_mode):
                    raise self.refusal(path, kind_of(info.st_mode))
                raise BuildFolderError(f"{self.where(path)} is larger than journeyc ever writes it ({limit:,} bytes)")
            with os.fdopen(handle, "rb") as file:
                return file.read()

    def write(self, path: str, payload: bytes) -> None:
        """Write `path` through a temporary file renamed over it, creating its folders; links are refused."""
        *parts, name = path.split("/")
        with self._folder(parts, create=True) as fd:
            assert fd is not None
            try:
                mode = os.stat(name, dir_fd=fd, follow_symlinks=False).st_mode
            except FileNotFoundError:
                mode = stat.S_IFREG
            except OSError as error:  # a name too long for the file system, a folder that cannot be searched
                raise BuildFolderError(f"cannot write {self.where(path)}: {describe_os_error(error)}") from error
            if not stat.S_ISREG(mode):
                raise self.refusal(path, kind_of(mode))
            temporary = f".{name}.{secrets.token_hex(4)}.tmp"
            try:
                handle = os.open(temporary, _CREATE, 0o666, dir_fd=fd)
            except OSError as error:  # a full disk, a read-only file system
                raise BuildFolderError(f"cannot write {self.where(path)}: {describe_os_error(error)}") from error
            try:
                with os.fdopen(handle, "wb") as file:
                    file.write(payload)
                os.rename(temporary, name, src_dir_fd=fd, dst_dir_fd=fd)
            except BaseException as error:
                with suppress(OSError):
                    os.unlink(temporary, dir_fd=fd)
                if isinstance(error, OSError):
                    raise BuildFolderError(f"cannot write {self.where(path)}: {describe_os_error(error)}") from error
                raise

    def remove(self, path: str) -> None:
        """Remove the regular file at `path` (never a link's target: unlink removes the name itself)."""
        *parts, name = path.split("/")
        with self._folder(parts) as fd:
            if fd is None:
                return
            try:
                kind = kind_of(os.stat(name, dir_fd=fd, follow_symlinks=False).st_mode)
                if kind != "file":
                    raise self.refusal(path, kind)
                os.unlink(name, dir_fd=fd)
            except FileNotFoundError:  # gone already: nothing to remove
                return
            except OSError as error:
                raise BuildFolderError(f"cannot remove {self.where(path)}: {describe_os_error(error)}") from error

    def refuse_foreign(self, paths: Iterable[str], ours: Collection[str], manifest: str, writer: str) -> None:
        """Refuse to write `paths` when one is a link, a folder or a device, or a file the manifest does not list
        (`ours`: what it lists, and the manifest itself); `writer` names the command in the message."""
        for path in paths:
            entry = self.entry(path)
            if entry is not None and entry.kind != "file":
                raise self.refusal(path, entry.kind)
            if entry is not None and path not in ours and path != manifest:
                raise BuildFolderError(
                    f"{self.where(path)} was not written by {writer} (its {manifest} does not list it): move it "
                    "away, or choose another folder with --out"
                )

    def entries(self) -> dict[str, Entry]:
        """Everything below the folder, sorted, links listed as links and never entered."""
        return dict(sorted(self._walk()))

    def holds_files(self) -> bool:
        """Whether anything but empty folders is below the folder (it stops at the first)."""
        return any(entry.kind != "folder" for _, entry in self._walk())

    def _walk(self) -> Iterator[tuple[str, Entry]]:
        pending: list[str] = [""]
        while pending:
            prefix = pending.pop()
            with self._folder(prefix.split("/") if prefix else []) as fd:
                if fd is None:
                    continue
                try:
                    with os.scandir(fd) as listing:
                        items = [(item.name, item.stat(follow_symlinks=False)) for item in listing]
                except OSError as error:
                    where = self.where(prefix) if prefix else self.display
                    raise BuildFolderError(f"cannot read the folder {where}: {describe_os_error(error)}") from error
            for name, info in items:
                path = f"{prefix}/{name}" if prefix else name
                kind = kind_of(info.st_mode)
                if kind == "folder":
                    pending.append(path)
                yield path, Entry(kind, info.st_size)


@contextmanager
def open_build_folder(out: Path, display: str, create: bool) -> Iterator[BuildFolder | None]:
    """The build folder at `out` (None when it does not exist and `create` is false).

    Its parent folders are followed (the user chose that path); the folder itself must be a folder, not a link.
    """
    if not SAFE_CALLS:
        raise BuildFolderError("journeyc build writes build folders only where the system can refuse links (POSIX)")
    try:
        info = os.stat(out, follow_symlinks=False)
    except FileNotFoundError:
        info = None
    except OSError as error:
        raise BuildFolderError(f"cannot use {display} as the build folder: {describe_os_error(error)}") from error
    if info is None:
        if not create:
            yield None
            return
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise BuildFolderError(f"cannot create the build folder {display}: {describe_os_error(error)}") from error
        info = os.stat(out, follow_symlinks=False)
    kind = kind_of(info.st_mode)
    if kind == "link":
        raise BuildFolderError(
            f"{display} is a symbolic link; journeyc does not build through links: give --out the folder it points to"
        )
    if kind != "folder":
        raise BuildFolderError(f"{display} is not a folder: give --out a folder (a new one is created)")
    try:
        fd = os.open(out, _DIRECTORY)
    except OSError as error:
        code = errno.errorcode.get(error.errno or 0, "")
        reason = "it became a link" if code == "ELOOP" else describe_os_error(error)
        raise BuildFolderError(f"cannot open the build folder {display}: {reason}") from error
    try:
        yield BuildFolder(display, fd)
    finally:
        os.close(fd)
