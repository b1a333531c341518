"""The compiler pipeline, top-down: find files -> parse each -> resolve the project -> run the checks."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from journeyc import ir
from journeyc.config import Config, parse_config
from journeyc.diagnostics import Diagnostic, sorted_diagnostics
from journeyc.load import CONFIG_FILE, STDLIB_PREFIX, ProjectFiles, UnreadableFileError, read_file_bytes, stdlib_dir

if TYPE_CHECKING:  # the incremental engine builds on this module
    from journeyc.incremental.engine import Incremental
    from journeyc.resolve import Resolved

# The parser, resolution and the checks are imported where they run: `journeyc check` showing its cached result
# (incremental/disk.py) reads this module and needs none of them.


@dataclass
class ParseCache:
    """Parsed files by content hash, so a rebuild re-parses only what changed (and the stdlib once)."""

    entries: dict[tuple[str, str], tuple[ir.SourceFile, list[Diagnostic], str]] = field(default_factory=dict)
    latest: dict[str, tuple[str, str]] = field(default_factory=dict)  # each file's last parsed version

    def parse(self, path: str, data: bytes) -> tuple[ir.SourceFile, list[Diagnostic], str]:
        key = self.latest[path] = (path, hashlib.sha256(data).hexdigest())
        hit = self.entries.get(key)
        if hit is None:
            from journeyc.syntax.parser import decode_source, parse_source

            text, problems = decode_source(data, path)
            source, diagnostics = parse_source(text, path, is_stdlib=path.startswith(STDLIB_PREFIX))
            if problems:  # undecodable bytes: J005 says it all; what still parses keeps its names known
                diagnostics = [d for d in diagnostics if not d.code.startswith("J0")]
            hit = (source, problems + diagnostics, text)
            self.entries[key] = hit
        return hit

    def prune(self, paths: Iterable[str]) -> None:
        """Keep only the last parsed version of these files (an editor's every keystroke is a version)."""
        keys = [self.latest[path] for path in paths if path in self.latest]
        self.entries = {key: self.entries[key] for key in keys if key in self.entries}
        self.latest = {key[0]: key for key in keys}


@dataclass
class CheckResult:
    files: ProjectFiles
    resolved: Resolved
    diagnostics: list[Diagnostic]
    sources: dict[str, str]
    config: Config = field(default_factory=Config)
    missing: tuple[str, ...] = ()  # template files the check looked for and did not find (a cache must see them)

    @property
    def failed(self) -> bool:
        """Whether `journeyc check` exits 1: errors, or warnings when the settings say so (`fail-on`)."""
        return bool(self.errors or (self.config.fail_on == "warning" and self.warnings))

    @property
    def project(self) -> ir.Project:
        return self.resolved.project

    @property
    def errors(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity == "warning")


def stdlib_modules() -> list[str]:
    return sorted(p.stem for p in stdlib_dir().glob("*.journey"))


def check_project(
    files: ProjectFiles,
    cache: ParseCache | None = None,
    unsaved: Mapping[str, str] | None = None,
    incremental: Incremental | None = None,
) -> CheckResult:
    """Parse, resolve and check a project; the result holds the IR, every diagnostic and the source texts.

    `unsaved`: texts by display path that stand for what is on disk (an editor's open files, for the language
    server). `incremental`: the state of the checks before (watch, the language server), so only what depends on
    what changed is done again; the result is the same. It leaves the garbage collector alone: the command line
    turns it off, or pauses it around each round of `watch` and the language server (cli.py), where scanning the IR
    as it grows costs much of a check.
    """
    from journeyc.checks import run_checks
    from journeyc.checks.context import CheckContext
    from journeyc.resolve import resolve_project
    from journeyc.suppress import apply_settings

    cache = incremental.cache if incremental is not None else cache or ParseCache()
    unsaved = unsaved or {}
    config = project_config(files)
    sources: dict[str, str] = {}
    problems: dict[str, list[Diagnostic]] = {}
    modules = stdlib_modules()
    reader = _Reader(files.root, unsaved)
    templates: dict[str, str | None] = {}  # template files read, and those that are not there

    def read_template(path: str) -> str | None:
        data = reader.read(path)
        text = None if data is None else data.decode("utf-8", errors="replace")
        templates[path] = text
        if text is not None:
            sources[path] = text
        return text

    def parse(path: str) -> ir.SourceFile | None:
        known = incremental.unchanged(path, unsaved) if incremental is not None else None
        if known is not None:  # not changed since the last round: not even read again
            source, found, text = known
        else:
            data = reader.read(path)
            if data is None:
                return None
            source, found, text = cache.parse(path, data)
            if incremental is not None:
                source = incremental.parsed(path, source, found, text)
        sources[path] = text
        problems[path] = found
        return source

    if incremental is not None:
        incremental.begin(files.files, files.config, lambda path: _text(reader.read(path)), unsaved)
        resolved = incremental.resolve(files.files, parse, reader.exists, modules)
    else:
        resolved = resolve_project(files.files, parse, reader.exists, modules)
    # Stdlib modules parsed only to suggest imports are not part of the project: drop their problems.
    diagnostics = [d for found in problems.values() for d in found
                   if d.span.file in resolved.files or not d.span.file.startswith(STDLIB_PREFIX)]  # fmt: skip
    diagnostics.extend(resolved.diagnostics)

    ctx = CheckContext(resolved=resolved, root=files.root, read_template=read_template, config=config)
    if incremental is not None:
        ctx = incremental.context(ctx)
    diagnostics.extend(run_checks(ctx))
    if incremental is not None:
        sources.update(ctx.template_texts)  # the texts of replayed checks' templates too
        incremental.finish(templates)
    diagnostics.extend(unreadable_diagnostics({**files.unreadable, **reader.unreadable}))
    journey_sources = {p: t for p, t in sources.items() if p.endswith(".journey") and not p.startswith(STDLIB_PREFIX)}
    if incremental is not None:
        diagnostics = incremental.apply_settings(diagnostics, config, journey_sources)  # sorted
    else:
        diagnostics = sorted_diagnostics(apply_settings(diagnostics, config, journey_sources))
    if files.focus is not None:
        diagnostics = [d for d in diagnostics if d.span.file == files.focus]
    missing = tuple(sorted(path for path, text in templates.items() if text is None and path not in sources))
    return CheckResult(files=files, resolved=resolved, diagnostics=diagnostics, sources=sources, config=config,
                       missing=missing)  # fmt: skip


def _text(data: bytes | None) -> str | None:
    return None if data is None else data.decode("utf-8", errors="replace")


def read_inputs(files: ProjectFiles, paths: Iterable[str]) -> dict[str, bytes | None]:
    """The bytes of project files (display paths) read as a check reads them; None for what is not there or
    cannot be read."""
    reader = _Reader(files.root, {})
    return {path: reader.read(path) for path in paths}


def unreadable_diagnostics(unreadable: dict[str, str]) -> list[Diagnostic]:
    """A J005 for each file or folder of the project that is there but cannot be read."""
    return [
        Diagnostic(
            code="J005",
            severity="error",
            message=f'cannot read "{path}": {reason}',
            span=ir.Span(file=path, line=1, column=1, end_line=1, end_column=1),
            help="journeyc reads every .journey file in the project folder and every file they import or name: make "
            "it readable, or move it out of the project",
        )
        for path, reason in sorted(unreadable.items())
    ]


def project_config(files: ProjectFiles) -> Config:
    """The project's settings (a usage error when they are wrong)."""
    return parse_config(files.config, _config_source(files))


def _config_source(files: ProjectFiles) -> str:
    return CONFIG_FILE if (files.root / CONFIG_FILE).is_file() else "pyproject.toml [tool.journeyc]"


class _Reader:
    """Reads project files by display path, and remembers those that are there but cannot be read (and why).

    A file in `unsaved` is read from there, not from the disk."""

    def __init__(self, root: Path, unsaved: Mapping[str, str]) -> None:
        self.locate = _Locator(root)
        self.unreadable: dict[str, str] = {}
        self.unsaved = unsaved

    def exists(self, path: str) -> bool:
        """Whether something is at `path` inside the project: even what cannot be read (reading it says why)."""
        if path in self.unsaved:
            return True
        try:
            target = self.locate(path)
        except UnreadableFileError:
            return True
        return target is not None and os.path.lexists(target)

    def read(self, path: str) -> bytes | None:
        """The file's bytes; None when nothing is there, or when it cannot be read (recorded in `unreadable`)."""
        if path in self.unsaved:
            return self.unsaved[path].encode("utf-8", errors="surrogatepass")  # a lone surrogate: J005, not a crash
        try:
            target = self.locate(path)
            if target is None:
                return None
            return read_file_bytes(target)
        except UnreadableFileError as error:
            if os.path.lexists(self.locate.root / path) or path in self.locate.broken:
                self.unreadable[path] = str(error)
            return None


class _Locator:
    """The file behind a display path; None when it lies outside the project's folder, symbolic links followed.

    Each folder is resolved once (a project has many files in few folders); a file is resolved itself only when it
    is a symbolic link.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.inside = str(root.resolve()).rstrip(os.sep) + os.sep
        self.stdlib = stdlib_dir()
        self.folders: dict[str, Path] = {}
        self.broken: set[str] = set()  # paths whose links loop: there, but unreadable

    def __call__(self, path: str) -> Path | None:
        """The real path inside the project; an UnreadableFileError when its links loop."""
        if path.startswith(STDLIB_PREFIX):
            return self.stdlib / path.removeprefix(STDLIB_PREFIX)
        if "\0" in path:
            return None  # no file has such a name
        folder, _, name = path.rpartition("/")
        try:
            real = self.folders.get(folder)
            if real is None:
                real = self.folders[folder] = (self.root / folder).resolve()
            target = real / name
            if name in ("", ".", "..") or target.is_symlink():
                target = target.resolve()
        except RuntimeError as error:  # pathlib's word for a symbolic link loop
            self.broken.add(path)
            raise UnreadableFileError("a symbolic link on its path leads back to itself") from error
        except OSError:
            return None  # a name too long for the file system: no file can be there
        return target if str(target).startswith(self.inside) else None
