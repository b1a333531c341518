"""Names that become build files: each journey's module `journeys/<module>.py`, and the names that would collide.

A build is imported by Python, committed, and checked out on any machine: so a module name is an ASCII identifier
(`identifier()`), never a name the build itself writes (`__init__`) or a dunder name Python gives a meaning to,
never a device name Windows reserves (`con`, `nul`, ...), and short enough for every file system; such names get
a suffix from a hash of the journey's full name (the same on every machine, whatever else the project holds).
Names that would still share a file (`Welcome` and `welcome` on a case-insensitive disk, `café` and
`caf_u00e9_`) are J119; so are channel and message names whose template files would share a path.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Sequence

from journeyc import ir
from journeyc.diagnostics import Diagnostic, Label
from journeyc.emit.pyliteral import identifier

MAX_MODULE_NAME = 64  # far below every file system's limit of 255 bytes per name
Named = ir.Journey | ir.Channel | ir.Message
_WINDOWS_DEVICES = {"con", "prn", "aux", "nul", *(f"com{n}" for n in range(10)), *(f"lpt{n}" for n in range(10))}


def module_name(journey: str) -> str:
    """The module (file stem in `journeys/`) of a journey: the same for a name whatever the project holds."""
    safe = identifier(journey)
    reserved = safe.startswith("__") or safe.casefold() in _WINDOWS_DEVICES
    if reserved or len(safe) > MAX_MODULE_NAME:
        digest = hashlib.sha256(journey.encode("utf-8")).hexdigest()[:10]
        safe = f"{safe.strip('_')[:40] or 'journey'}_{digest}"
        safe = "j_" + safe if safe[0].isdigit() else safe
    return safe


def file_key(name: str) -> str:
    """Two names with the same key are the same file on some disk (case-insensitive, Unicode-normalising)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())


def build_name_collisions(project: ir.Project) -> list[Diagnostic]:
    """J119 for journeys, channels and messages whose build files would be one file on some machine."""
    journeys = [(j, f"journeys/{module_name(j.name)}.py") for j in project.journeys.values()]
    channels = [(c, f"templates/{c.name}/") for c in project.channels.values()]
    messages = [(m, f"templates/{m.channel.name}/{m.name}.*") for m in project.messages.values()]
    return _collisions("journey", journeys) + _collisions("channel", channels) + _collisions("message", messages)


def _collisions(word: str, named: Sequence[tuple[Named, str]]) -> list[Diagnostic]:
    first: dict[str, tuple[Named, str]] = {}
    diagnostics: list[Diagnostic] = []
    for decl, path in sorted(named, key=lambda item: (item[0].span.sort_key(), item[0].name)):
        seen = first.setdefault(file_key(path), (decl, path))
        if seen[0] is decl:
            continue
        other, other_path = seen
        span = decl.name_span or decl.span
        diagnostics.append(
            Diagnostic(
                code="J119",
                severity="error",
                message=f'{word} "{decl.name}" and {word} "{other.name}" would be built into the same file',
                span=span,
                label=f"built into {path}",
                labels=(Label(span=other.name_span or other.span, message=f"built into {other_path}"),),
                help="rename one of them: names that differ only in letter case, or in letters spelled out for "
                "Python (é is _u00e9_), are one file on macOS and Windows disks",
            )
        )
    return diagnostics
