"""A project as it was at a git commit: its folder's files read from git into a temporary folder, then checked.

The files come from the commit's tree (`git ls-tree`, `git cat-file --batch`), not from a checkout: the working
tree is never touched, and attributes such as `export-ignore` do not hide files as `git archive` would. The project
folder is the same path inside the repository as the one given (the project root, where journeyc.toml is, not the
repository root); the stdlib is the one of the journeyc that runs. A commit without the folder is an empty project.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from journeyc.load import SKIPPED_DIRS, ProjectFiles, find_project
from journeyc.pipeline import CheckResult, check_project


class GitRefError(Exception):
    """A usage error: no git repository around the project, or a ref that names no commit."""


@dataclass(frozen=True)
class Version:
    """The project at a ref: the check of its files, and what to call it in reports."""

    ref: str  # as the user wrote it
    commit: str  # the full commit id
    result: CheckResult
    existed: bool  # whether the project folder was in the commit

    @property
    def name(self) -> str:
        return f"{self.ref} ({self.commit[:10]})" if not self.commit.startswith(self.ref) else self.commit[:10]


def _git(args: list[str], cwd: Path, data: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    try:
        return subprocess.run(["git", *args], cwd=cwd, input=data, capture_output=True, env=env, check=False)
    except FileNotFoundError as error:
        raise GitRefError("--against needs git, and git is not installed here") from error


def repository_of(root: Path) -> tuple[Path, str]:
    """The repository's top folder and the project folder's path inside it ("" at the top)."""
    found = _git(["rev-parse", "--show-toplevel"], root)
    if found.returncode != 0:
        raise GitRefError(f"'{root}' is not inside a git repository: --against compares with a commit of one")
    top = Path(found.stdout.decode("utf-8", "surrogateescape").strip()).resolve()
    inside = root.resolve().relative_to(top)
    return top, "" if inside == Path(".") else PurePosixPath(inside).as_posix()


def resolve_commit(top: Path, ref: str) -> str:
    """The commit `ref` names (a branch, tag, `HEAD~1`, an id); a GitRefError when it names none."""
    found = _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"], top)
    if found.returncode != 0 or not ref:
        raise GitRefError(f'"{ref}" is not a commit of the repository at {top}')
    return found.stdout.decode().strip()


def _tree_entries(top: Path, commit: str, folder: str) -> list[tuple[str, str, str]]:
    """(mode, blob id, path inside the project folder) of every file under `folder` at `commit`."""
    listing = _git(["ls-tree", "-r", "-z", "--full-tree", commit, "--", folder or "."], top)
    if listing.returncode != 0:
        raise GitRefError(f"cannot list the files of {commit[:10]}: {listing.stderr.decode(errors='replace').strip()}")
    entries = []
    prefix = f"{folder}/" if folder else ""
    for record in listing.stdout.split(b"\0"):
        if not record:
            continue
        meta, _, raw_path = record.partition(b"\t")
        mode, kind, blob = meta.decode().split()
        path = raw_path.decode("utf-8", "surrogateescape")
        if kind != "blob" or not path.startswith(prefix):
            continue  # submodules have no files to read
        inside = PurePosixPath(path[len(prefix) :])
        parts = inside.parts[:-1]
        if any(part in SKIPPED_DIRS or part in ("", ".", "..") for part in parts):
            continue
        entries.append((mode, blob, inside.as_posix()))
    return entries


def _write_files(top: Path, entries: list[tuple[str, str, str]], into: Path) -> None:
    if not entries:
        return
    batch = _git(["cat-file", "--batch"], top, b"".join(blob.encode() + b"\n" for _, blob, _ in entries))
    if batch.returncode != 0:
        raise GitRefError(f"cannot read files from git: {batch.stderr.decode(errors='replace').strip()}")
    output, offset = batch.stdout, 0
    for mode, _, path in entries:
        header_end = output.index(b"\n", offset)
        size = int(output[offset:header_end].split()[2])
        content = output[header_end + 1 : header_end + 1 + size]
        offset = header_end + 1 + size + 1
        target = into / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if mode == "120000":  # a symbolic link: the project loader decides whether to follow it, as in a checkout
            os.symlink(content.decode("utf-8", "surrogateescape"), target)
        else:
            target.write_bytes(content)


def project_at(files: ProjectFiles, ref: str, into: Path) -> Version:
    """The project of `files` as it was at `ref`, written into the empty folder `into` and checked there (a lone
    .journey file outside any project: that file as it was)."""
    top, folder = repository_of(files.root)
    commit = resolve_commit(top, ref)
    entries = _tree_entries(top, commit, folder)
    _write_files(top, entries, into / "project")
    (into / "project").mkdir(exist_ok=True)
    target = into / "project"
    if files.single_file:  # one file outside any project: that file alone, as `check FILE` reads it
        target = target / files.files[0]
        entries = [e for e in entries if e[2] == files.files[0]]
        if not entries:
            target = into / "empty"
            target.mkdir()
    return Version(ref=ref, commit=commit, result=check_project(find_project(str(target))), existed=bool(entries))
