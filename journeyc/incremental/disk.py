"""`journeyc check`'s caches in .journeyc/: its last result, and every file's parse.

`check.json` holds the diagnostics and what they were made from: the compiler (a fingerprint of journeyc's own
files, its stdlib and the versions of the libraries whose behaviour the output depends on), the project's list of
files and settings, and a hash of every file the check read (templates it looked for and did not find too). A run
reads the files again (it needs their texts to show the diagnostics anyway) and uses the result only when every
hash matches.

Otherwise the project is checked, and `parsed.pickle` spares parsing the files that did not change: each file's
IR by the hash of its bytes. A pickle runs code when it is read, so one found in a project folder is read only
when it carries a signature (HMAC-SHA256) made with a key of the user's own (`~/.cache/journeyc/cache.key`,
readable by the user only): a cache planted in a repository, or changed, is never unpickled. A cache that is
absent, broken, of another compiler or not signed is ignored and written again; nothing in it is trusted beyond
those checks.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import importlib.metadata
import os
import pickle
import secrets
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from pydantic import TypeAdapter

import journeyc
from journeyc.config import Config
from journeyc.diagnostics import Diagnostic
from journeyc.load import ProjectFiles, stdlib_dir
from journeyc.pipeline import CheckResult, ParseCache, project_config, read_inputs

CACHE_DIR = ".journeyc"
CACHE_FILE = "check.json"
PARSE_FILE = "parsed.pickle"
FORMAT = 1
_PARSE_MAGIC = b"journeyc parse cache 1\n"
LIBRARIES = ("lark", "pydantic", "jinja2", "markupsafe", "mjml-python")  # what the diagnostics depend on
_DIAGNOSTICS = TypeAdapter(list[Diagnostic])


@dataclass
class CachedCheck:
    """What `journeyc check` shows, from the cache: the same fields as a `CheckResult` it reads."""

    files: ProjectFiles
    diagnostics: list[Diagnostic] | None  # None when `shown` stands for them
    sources: dict[str, str]
    config: Config
    counts: dict[str, Any] = field(default_factory=dict)  # the summary's files and journeys (by file)
    errors: int = 0
    warnings: int = 0
    shown: str | None = None  # the diagnostics as the format asked for shows them, kept from the run that checked

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


def load(files: ProjectFiles, shown: str | None = None) -> CachedCheck | None:
    """The cached result when it was made by this compiler from these very files; None otherwise. `shown`: a
    format whose text the cache may hold (`full` or `concise`, without colours): then the result has that text,
    and no diagnostics, when the cache has it."""
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
        severities = [diagnostic["severity"] for diagnostic in cached["diagnostics"]]
        errors, warnings = severities.count("error"), severities.count("warning")
        text = cached.get("shown", {}).get(shown) if shown is not None else None
        if isinstance(text, str) and _printable(text) and set(severities) <= {"error", "warning"}:
            return CachedCheck(files, None, sources, config, cached["counts"], errors, warnings, text)
        diagnostics = _DIAGNOSTICS.validate_python(cached["diagnostics"])
        return CachedCheck(files, diagnostics, sources, config, cached["counts"], errors, warnings)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):  # absent, corrupt or of another shape
        return None


def _printable(text: str) -> bool:
    """Whether a kept text can be printed as it is: nothing a terminal would act on (line breaks and tabs
    aside), as `diagnostics.visible` and the renderers make every text they show."""
    return text.replace("\n", "").replace("\t", "").isprintable()


def save(
    result: CheckResult, counts: dict[str, Any], parsed: ParseCache | None = None, shown: dict[str, str] | None = None
) -> None:
    """Keep a result (and the files' parse) for the next run (best effort: a folder that cannot be written is
    left alone). `shown`: the text of the diagnostics in the format this run showed (`load`'s `shown`)."""
    path = cache_path(result.files)
    if path is None:
        return
    inputs: dict[str, str | None] = {name: _hash(text) for name, text in result.sources.items()}
    inputs.update({name: None for name in result.missing})
    if parsed is not None:
        _save_parsed(path.parent / PARSE_FILE, parsed)
    document = {
        "format": FORMAT,
        "compiler": compiler_fingerprint(),
        "listing": _listing(result.files),
        "inputs": inputs,
        "counts": counts,
        "diagnostics": orjson.Fragment(_DIAGNOSTICS.dump_json(result.diagnostics)),
        "shown": shown or {},
    }
    _write(path, orjson.dumps(document, option=orjson.OPT_SORT_KEYS))


def _write(path: Path, data: bytes) -> None:
    """Write a cache file whole (a run reading meanwhile sees the old one or the new), or leave it."""
    written = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    try:
        path.parent.mkdir(exist_ok=True)
        ignore = path.parent / ".gitignore"
        if not ignore.exists():
            ignore.write_text(
                "# journeyc's own files (caches, the live runtime's local state): not for git\n*\n", encoding="utf-8"
            )
        handle = os.open(written, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the user's umask applies
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(written, path)
    except OSError:
        if os.path.lexists(written):
            os.unlink(written)


# ---------------------------------------------------------------- every file's parse
@dataclass
class StoredParses(ParseCache):
    """A parse cache read from disk: `stored`, the parses the file holds already."""

    stored: frozenset[tuple[str, str]] = frozenset()


def user_key() -> bytes | None:
    """The user's secret that signs parse caches (made on first use); None when it cannot be kept."""
    folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "journeyc"
    path = folder / "cache.key"
    try:
        key = path.read_bytes()
        return key if len(key) == 32 else None
    except FileNotFoundError:
        pass
    except OSError:
        return None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another run made it meanwhile
        return user_key()
    except OSError:
        return None
    key = secrets.token_bytes(32)
    with os.fdopen(handle, "wb") as file:
        file.write(key)
    return key


def load_parsed(files: ProjectFiles) -> StoredParses | None:
    """The project's parse cache when it is this user's and this compiler's, else None."""
    path = cache_path(files)
    key = user_key()
    if path is None or key is None:
        return None
    try:
        data = (path.parent / PARSE_FILE).read_bytes()
    except OSError:
        return None
    head, signature, payload = data[: len(_PARSE_MAGIC)], data[len(_PARSE_MAGIC) : len(_PARSE_MAGIC) + 32], data[
        len(_PARSE_MAGIC) + 32 :
    ]  # fmt: skip
    if head != _PARSE_MAGIC or not hmac.compare_digest(signature, _sign(key, payload)):
        return None  # not made by this user's journeyc: never unpickled
    try:
        compiler, entries = pickle.loads(payload)  # signed by the user's own key: checked above
    except Exception:  # a signed cache of another journeyc whose classes changed: ignored like any stale cache
        return None
    if compiler != compiler_fingerprint() or not isinstance(entries, dict):
        return None
    return StoredParses(entries=entries, latest={key[0]: key for key in entries}, stored=frozenset(entries))


def _save_parsed(path: Path, parsed: ParseCache) -> None:
    """Write the parse cache when this run parsed files it did not hold (else it is on disk already)."""
    if isinstance(parsed, StoredParses) and set(parsed.entries) <= parsed.stored:
        return
    key = user_key()
    if key is None:
        return
    payload = pickle.dumps((compiler_fingerprint(), parsed.entries), protocol=pickle.HIGHEST_PROTOCOL)
    _write(path, _PARSE_MAGIC + _sign(key, payload) + payload)


def _sign(key: bytes, payload: bytes) -> bytes:
    return hmac.new(key, payload, hashlib.sha256).digest()
