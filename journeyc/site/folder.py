"""Writing the site into its folder, with the build folder's safety rules (build_folder.py): nothing is written,
read or removed through a symbolic link, and only files journeyc wrote are ever replaced or removed.

The folder must be empty (or new) or hold the site manifest `journeyc-site.json`, which lists every file the last
`journeyc docs` wrote with its sha256. A file of the last site that the new one no longer has is removed only when
its bytes are still the ones written (one edited since is kept and reported).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from journeyc.build_folder import BuildFolder, BuildFolderError, open_build_folder
from journeyc.build_manifest import GENERATOR, sha256

SITE_MANIFEST = "journeyc-site.json"
MAX_MANIFEST_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class SiteWritten:
    written: int
    removed: int
    kept: list[str]


def manifest(hashes: dict[str, str]) -> bytes:
    """The site manifest listing these files (path -> sha256)."""
    document = {"generator": GENERATOR, "site": 1, "files": dict(sorted(hashes.items()))}
    return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode()


def write_site(files: dict[str, bytes], out: Path, display: str) -> SiteWritten:
    """Write the site's files into `out` (created when missing) and remove what the last site had and this lacks."""
    with open_build_folder(out, display, create=True) as folder:
        assert folder is not None
        previous = _previous_site(folder)
        folder.refuse_foreign(files, previous, SITE_MANIFEST, "journeyc docs")
        changed = [path for path in sorted(files) if not folder.holds(path, files[path])]
        stale: list[str] = []
        kept: list[str] = []
        for path in sorted(set(previous) - set(files)):
            entry = folder.entry(path)
            if entry is None:
                continue
            ours = entry.kind == "file" and sha256(folder.read(path)) == previous[path]
            (stale if ours else kept).append(path)
        # The manifest first lists both the old files still to remove and the new ones: a run stopped half-way
        # leaves a folder the next run accepts.
        hashes = {path: sha256(body) for path, body in files.items()}
        folder.write(SITE_MANIFEST, manifest({**{path: previous[path] for path in stale}, **hashes}))
        for path in changed:
            folder.write(path, files[path])
        for path in stale:
            folder.remove(path)
        if stale:
            folder.write(SITE_MANIFEST, manifest(hashes))
    return SiteWritten(len(changed), len(stale), kept)


def _previous_site(folder: BuildFolder) -> dict[str, str]:
    entry = folder.entry(SITE_MANIFEST)
    if entry is None:
        if folder.holds_files():
            raise BuildFolderError(f"{folder.display} holds files that journeyc docs did not write (no "
                                   f"{SITE_MANIFEST}): choose an empty or new folder with --out")  # fmt: skip
        return {}
    if entry.kind != "file":
        raise folder.refusal(SITE_MANIFEST, entry.kind)
    where = folder.where(SITE_MANIFEST)
    try:
        document = json.loads(folder.read(SITE_MANIFEST, MAX_MANIFEST_BYTES))
    except (ValueError, RecursionError) as error:
        raise BuildFolderError(f"{where} is not the manifest journeyc docs writes: remove the folder") from error
    files = document.get("files") if isinstance(document, dict) and document.get("generator") == GENERATOR else None
    if not isinstance(files, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
        raise BuildFolderError(f"{where} is not the manifest journeyc docs writes: remove the folder")
    for path in files:
        parts = path.split("/")
        if path.startswith("/") or any(part in ("", ".", "..") for part in parts):
            raise BuildFolderError(
                f"{where} lists {json.dumps(path)}, which is not a file of a site: remove the folder"
            )
    return files
