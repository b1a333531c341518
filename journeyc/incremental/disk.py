"""The result of `journeyc check` kept on disk (.journeyc/check.json), for a project checked again unchanged.

The cache holds the diagnostics and what they were made from: the compiler (a fingerprint of journeyc's own files,
its stdlib and the versions of the libraries whose behaviour the output depends on), the project's list of files
and settings, and a hash of every file the check read (templates it looked for and did not find too). A run reads
the files again (it needs their texts to show the diagnostics anyway) and uses the cache only when every hash
matches; anything else (another version, an edited, added or removed file, a cache that does not parse) is a cold
check, which then writes the cache again. The cache is never trusted beyond that comparison.

Only the whole result is kept: loading a parsed file's IR back from disk (pydantic validation) costs more than
parsing it again (benchmarks/README.md), so a project with one edited file is checked cold.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from pydantic import TypeAdapter

import journeyc
from journeyc.config import Config
from journeyc.diagnostics import Diagnostic
from journeyc.load import ProjectFiles, stdlib_dir
from journeyc.pipeline import CheckResult, project_config, read_inputs

CACHE_DIR = ".journeyc"
CACHE_FILE = "check.json"
FORMAT = 1
LIBRARIES = ("lark", "pydantic", "jinja2", "markupsafe", "mjml-python")  # what the diagnostics depend on
_DIAGNOSTICS = TypeAdapter(list[Diagnostic])


@dataclass
class CachedCheck:
    """What `journeyc check` shows, from the cache: the same fields as a `CheckResult` it reads."""

    files: ProjectFiles
    diagnostics: list[Diagnostic]
    sources: dict[str, str]
    config: Config
    counts: dict[str, Any] = field(default_factory=dict)  # the summary's files and journeys (by file)

    @property
    def errors(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity == "warning")

    @property
    def failed(self) -> bool:
        return bool(self.errors or (self.config.fail_on == "warning" and self.warnings))


@functools.cache
def compiler_fingerprint() -> str:
    """A hash of everything that decides a check's result besides the project: journeyc's code and stdlib, the
    Python and library versions."""
    digest = hashlib.sha256()
    versions = [f"python {sys.version}", f"journeyc {journeyc.__version__}"]
    for name in LIBRARIES:
        try:
            versions.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{name} missing")
    digest.update("\n".join(versions).encode())
    for folder in (Path(journeyc.__file__).parent, stdlib_dir()):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix not in (".pyc", ".pyo") and "__pycache__" not in path.parts:
                digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def cache_path(files: ProjectFiles) -> Path | None:
    """Where a project's cache is: in its folder (a lone .journey file outside any project has none)."""
    return None if files.single_file else files.root / CACHE_DIR / CACHE_FILE


def _listing(files: ProjectFiles) -> dict[str, Any]:
    return {"files": files.files, "unreadable": files.unreadable, "config": files.config, "focus": files.focus}


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).hexdigest()


def load(files: ProjectFiles) -> CachedCheck | None:
    """The cached result when it was made by this compiler from these very files; None otherwise."""
    path = cache_path(files)
    if path is None:
        return None
    config = project_config(files)
    try:
        cached = orjson.loads(path.read_bytes())
        if cached["format"] != FORMAT or cached["compiler"] != compiler_fingerprint():
            return None
        if orjson.loads(orjson.dumps(_listing(files), option=orjson.OPT_SORT_KEYS)) != cached["listing"]:
            return None
        inputs: dict[str, str | None] = cached["inputs"]
        found = read_inputs(files, inputs)
        sources: dict[str, str] = {}
        for name, data in found.items():
            text = None if data is None else data.decode("utf-8", errors="replace")
            if (None if text is None else _hash(text)) != inputs[name]:
                return None
            if text is not None:
                sources[name] = text
        diagnostics = _DIAGNOSTICS.validate_python(cached["diagnostics"])
        return CachedCheck(files, diagnostics, sources, config, cached["counts"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):  # absent, corrupt or of another shape
        return None


def save(result: CheckResult, counts: dict[str, Any]) -> None:
    """Keep a result for the next run (best effort: a folder that cannot be written is left alone)."""
    path = cache_path(result.files)
    if path is None:
        return
    inputs: dict[str, str | None] = {name: _hash(text) for name, text in result.sources.items()}
    inputs.update({name: None for name in result.missing})
    document = {
        "format": FORMAT,
        "compiler": compiler_fingerprint(),
        "listing": _listing(result.files),
        "inputs": inputs,
        "counts": counts,
        "diagnostics": orjson.Fragment(_DIAGNOSTICS.dump_json(result.diagnostics)),
    }
    written: str | None = None
    try:
        path.parent.mkdir(exist_ok=True)
        ignore = path.parent / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# journeyc's cache: made by `journeyc check`, safe to delete\n*\n", encoding="utf-8")
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".check-", delete=False) as handle:
            written = handle.name
            handle.write(orjson.dumps(document, option=orjson.OPT_SORT_KEYS))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(written, 0o666 & ~umask)  # as any file the user makes (a temporary file is private)
        os.replace(written, path)  # whole or not at all: a run reading meanwhile sees the old cache or the new
    except OSError:
        if written is not None and os.path.exists(written):
            os.unlink(written)
