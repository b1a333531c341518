"""`journeyc build`: a checked project -> journey modules, data, channel templates and a manifest, in memory.

Everything is computed as {relative posix path: bytes} first, so `build --check` can compare it with what is on
disk and `build` writes only when the project has no errors. The output depends only on the inputs: no
timestamps, no absolute paths, sorted everywhere. Writing it (build_folder.py) never follows a link and touches
only files journeyc's own manifest (build_manifest.py) lists.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from journeyc import __version__, ir
from journeyc.build_folder import BuildFolder, BuildFolderError, open_build_folder
from journeyc.build_manifest import (
    MANIFEST,
    MAX_MANIFEST_BYTES,
    interim_manifest,
    manifest_document,
    recorded_files,
    sha256,
)
from journeyc.emit.pyliteral import json_safe, string
from journeyc.emit.python import data, journey_module
from journeyc.emit.templates import channel_templates, template_problems
from journeyc.load import UnreadableFileError, read_file_bytes
from journeyc.pipeline import CheckResult
from journeyc.resolve.modules import module_name, template_prefix

# A file of the last build bigger than this is not checked against its hash (and so never removed): journeyc
# writes nothing near it, and a planted huge file should not be read.
MAX_OUTPUT_BYTES = 256 * 1024 * 1024


def _json(value: Any) -> bytes:
    """Data as JSON; a value that is not a finite, sensible number never gets in (no `Infinity`, no `NaN`)."""
    return (json.dumps(json_safe(value), indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n").encode()


def shown_path(path: Path) -> str:
    """A path as build messages show it: relative to the working folder when inside it, else absolute."""
    absolute = Path(os.path.abspath(path))
    cwd = Path.cwd()
    if absolute == cwd:
        return "."
    return absolute.relative_to(cwd).as_posix() if cwd in absolute.parents else str(absolute)


def source_line(span: ir.Span) -> str:
    """`offers.journey:12`: where a declaration is, so a reviewer of the data can find it."""
    return f"{span.file}:{span.line}"


def module_names(journeys: dict[str, ir.Journey]) -> dict[str, str]:
    """Journey name -> module name (J119 reports names that would share one)."""
    return {name: module_name(name) for name in sorted(journeys)}


def build_outputs(result: CheckResult) -> dict[str, bytes]:
    """Every output file of a project that has no errors.

    An UnsafeValueError when a value could not be written as it is meant (a number that is not finite, or absurd).
    """
    project = result.project
    files: dict[str, bytes] = {}
    modules = module_names(project.journeys)
    for name, journey in project.journeys.items():
        source = result.sources.get(journey.span.file, "")
        files[f"journeys/{modules[name]}.py"] = journey_module(journey, source, __version__).encode("utf-8")
    files["journeys/__init__.py"] = _registry(modules).encode("utf-8")
    segments = {n: {"title": s.title, "condition": data(s.condition), "source": source_line(s.span)}
                for n, s in project.segments.items()}  # fmt: skip
    files["data/segments.json"] = _json(segments)
    files["data/policy.json"] = _json(_policy(project.policy))
    offers = {n: {**data(o), "source": source_line(o.span)} for n, o in project.offers.items()}
    files["data/offers.json"] = _json(offers)
    files["data/channels.json"] = _json({n: data(c) for n, c in project.channels.items()})
    files["data/profile.json"] = _json(data(project.profile))
    files["data/events.json"] = _json({n: data(e) for n, e in project.events.items()})
    files["data/shapes.json"] = _json({n: data(s.type) for n, s in project.shapes.items()})
    templates = channel_templates(project, lambda path: _template(result, path))
    files.update(templates)
    files["data/messages.json"] = _json({n: _message_meta(m, templates) for n, m in project.messages.items()})
    files[MANIFEST] = _json(_manifest(result, modules, files))
    return dict(sorted(files.items()))


def build_problems(result: CheckResult) -> list[str]:
    """Templates the build cannot produce (a missing file, MJML that does not compile), in plain words."""
    problems = template_problems(result.project, lambda path: _template(result, path))
    return [f'message "{name}": {reason}' for name, reason in problems]


def _template(result: CheckResult, path: str) -> str | None:
    """A template file's text: as the check read it, else from the project folder (never from outside it)."""
    if path in result.sources:
        return result.sources[path]
    root = result.files.root.resolve()
    target = (root / path).resolve()
    if root not in target.parents:
        return None
    try:
        return read_file_bytes(target).decode("utf-8")
    except (UnreadableFileError, UnicodeDecodeError):
        return None


def _policy(policy: ir.Policy | None) -> dict[str, Any] | None:
    """The policy as data, each rule (cap, quiet hours, suppression, exemption) with its source line."""
    if policy is None:
        return None
    document = data(policy)
    for key in ("caps", "quiet_hours", "suppressions", "exemptions"):
        rules = getattr(policy, key)
        document[key] = [{**data(rule), "source": source_line(rule.span)} for rule in rules]
    return document


def _registry(modules: dict[str, str]) -> str:
    lines = [
        f"# Generated by journeyc {__version__} — do not edit.",
        "# Journey name -> the module of this package that runs it.",
        "",
        "JOURNEYS = {",
        *(f"    {string(name)}: {string(module)}," for name, module in modules.items()),
        "}",
        "",
    ]
    if not modules:
        lines[3:5] = ["JOURNEYS: dict[str, str] = {}"]
    return "\n".join(lines)


def _message_meta(message: ir.Message, templates: dict[str, bytes]) -> dict[str, Any]:
    prefix = f"{template_prefix(message)}."
    return {
        "channel": message.channel.name,
        "category": message.category.name if message.category else None,
        "templates": sorted(path for path in templates if path.startswith(prefix)),
        "source": source_line(message.span),
    }


def _manifest(result: CheckResult, modules: dict[str, str], files: dict[str, bytes]) -> dict[str, Any]:
    project = result.project
    used = set(project.files)  # the project's .journey files and the stdlib modules they import
    inputs = {
        path: sha256(text.encode("utf-8"))
        for path, text in sorted(result.sources.items())
        if path in used or not path.endswith(".journey")  # template files are inputs too
    }
    journeys = {}
    for name, journey in project.journeys.items():
        trigger = journey.trigger
        module = f"journeys/{modules[name]}.py"
        journeys[name] = {
            "owner": journey.owner.name if journey.owner else None,
            "category": journey.category.name if journey.category else None,
            "trigger": data(trigger),
            "source": journey.span.file,
            "source_sha256": inputs.get(journey.span.file),
            "module": module,
            "kind": trigger.kind if trigger else None,
        }
    return manifest_document(inputs, journeys, files, project.ir_version)


@dataclass(frozen=True)
class Difference:
    missing: list[str]
    extra: list[str]
    changed: list[str]

    @property
    def clean(self) -> bool:
        return not (self.missing or self.extra or self.changed)


def compare(expected: dict[str, bytes], out: Path, display: str) -> Difference:
    """What differs between the build the sources give and the folder `out` (`display`: its name in messages).

    Nothing is followed: a link where a file belongs is "changed", a link elsewhere "extra", and a file is read only
    when its size matches (a planted huge file or named pipe is never read).
    """
    with open_build_folder(out, display, create=False) as folder:
        entries = {} if folder is None else folder.entries()
        actual = {path for path, entry in entries.items() if entry.kind != "folder"}
        changed = [p for p in sorted(set(expected) & actual) if folder is None or not folder.holds(p, expected[p])]
    return Difference(missing=sorted(set(expected) - actual), extra=sorted(actual - set(expected)), changed=changed)


@dataclass(frozen=True)
class Written:
    """What `write` did: files written and removed, and files of the last build left because they were edited."""

    written: int
    removed: int
    kept: list[str]


def write(expected: dict[str, bytes], out: Path, display: str | None = None) -> Written:
    """Write the build into `out`; remove the files the previous build wrote that are no longer produced.

    The folder must be empty or hold a journeyc manifest. Only files that manifest lists are overwritten, and only
    those whose bytes still have its recorded hash are removed (one edited by hand is kept and reported). Every
    path is checked before anything is written: one link, device or foreign file refuses the whole build.
    """
    with open_build_folder(out, display or str(out), create=True) as folder:
        assert folder is not None
        previous = _previous_build(folder)
        folder.refuse_foreign(expected, previous, MANIFEST, "journeyc")
        stale: list[str] = []
        kept: list[str] = []
        for path in sorted(set(previous) - set(expected)):
            entry = folder.entry(path)
            if entry is None:
                continue
            ours = (
                entry.kind == "file" and entry.size <= MAX_OUTPUT_BYTES and sha256(folder.read(path)) == previous[path]
            )
            (stale if ours else kept).append(path)
        changed = [path for path in sorted(set(expected) - {MANIFEST}) if not folder.holds(path, expected[path])]
        if MANIFEST in expected and (changed or stale):
            # A build stopped half-way (Ctrl-C in watch) must leave a folder the next build accepts: first a
            # manifest that lists the old files still to remove and every new file, then the files, then the
            # real manifest.
            pending = {**{path: previous[path] for path in stale}, **_hashes(expected)}
            folder.write(MANIFEST, interim_manifest(pending))
        for path in changed:
            folder.write(path, expected[path])
        for path in stale:
            folder.remove(path)
        if MANIFEST in expected and not folder.holds(MANIFEST, expected[MANIFEST]):
            folder.write(MANIFEST, expected[MANIFEST])
            changed.append(MANIFEST)
    return Written(len(changed), len(stale), kept)


def _hashes(files: dict[str, bytes]) -> dict[str, str]:
    return {path: sha256(body) for path, body in files.items() if path != MANIFEST}


def _previous_build(folder: BuildFolder) -> dict[str, str]:
    """The files the last build wrote, with their recorded hashes; empty for an empty folder.

    A folder that holds files but no journeyc manifest is not ours: refuse rather than overwrite them.
    """
    entry = folder.entry(MANIFEST)
    if entry is None:
        if folder.holds_files():
            raise BuildFolderError(
                f"{folder.display} holds files that journeyc did not write (no {MANIFEST}): choose an empty or new "
                "folder with --out"
            )
        return {}
    if entry.kind != "file":
        raise folder.refusal(MANIFEST, entry.kind)
    return recorded_files(folder.read(MANIFEST, MAX_MANIFEST_BYTES), folder.where(MANIFEST))
