"""Builds kept by version, so every run finishes on the build it started with.

A build is the files `journeyc build` writes ({relative posix path: bytes}); its version is the first 16 hex
digits of the sha256 of its `manifest.json` (which records the hash of every other file), so two builds with the
same content have the same version on every machine. The live runtime keeps each build it ever ran under
`<state>/builds/<version>/`, loads them all at start, and pins each run to its version: a deploy adds a build and
never replaces one.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from pathlib import Path

MANIFEST = "manifest.json"
_VERSION = re.compile(r"[0-9a-f]{16}")


class BuildStoreError(RuntimeError):
    """A stored build that cannot be used (missing manifest, a file that does not match its version)."""


def build_version(files: Mapping[str, bytes]) -> str:
    """The version of a build: 16 hex digits of the sha256 of its manifest."""
    manifest = files.get(MANIFEST)
    if manifest is None:
        raise BuildStoreError("a build without manifest.json has no version")
    return hashlib.sha256(manifest).hexdigest()[:16]


class BuildStore:
    """The builds under one folder (`.journeyc/builds` of a project, or any folder a deployment keeps)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def save(self, files: Mapping[str, bytes]) -> str:
        """Keep a build (once: a version already kept is left as it is); returns its version."""
        version = build_version(files)
        target = self.folder / version
        if (target / MANIFEST).is_file():
            return version
        partial = self.folder / f".{version}.partial"
        for path, data in sorted(files.items()):
            if path.startswith("/") or ".." in path.split("/"):
                raise BuildStoreError(f"a build file outside the build: {path}")
            out = partial / path
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(data)
        os.replace(partial, target)  # the build appears whole or not at all
        return version

    def versions(self) -> list[str]:
        if not self.folder.is_dir():
            return []
        return sorted(p.name for p in self.folder.iterdir() if _VERSION.fullmatch(p.name) and p.is_dir())

    def load(self, version: str) -> dict[str, bytes]:
        root = self.folder / version
        files = {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
        if build_version(files) != version:
            raise BuildStoreError(f"the build kept as {version} does not match its manifest: remove {root}")
        return files
