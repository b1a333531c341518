"""`manifest.json`: what a build was made from and every file it wrote, with their hashes; and reading it back.

The manifest is how `journeyc build` knows which files of the folder are its own: it overwrites and removes only
those. So a `manifest.json` is taken as journeyc's only when it says so (`"generator": "journeyc"` and a
`manifest_version` journeyc knows), every path it lists is one journeyc writes (`journeys/<module>.py`,
`data/<name>.json`, `templates/<channel>/<message>.<ext>`: never `../x`, `src/app.py` or `README.md`), and a file
is removed only when its bytes still have the hash the manifest recorded. Anything else in it is an error naming
the problem, never a crash: the folder is not journeyc's, or the manifest was edited.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from journeyc import __version__
from journeyc.build_folder import BuildFolderError

MANIFEST = "manifest.json"
MANIFEST_VERSION = 2
GENERATOR = "journeyc"
# Far above a real manifest (a 1,000-journey project's is about 1 MB), low enough to refuse a planted huge file.
MAX_MANIFEST_BYTES = 32 * 1024 * 1024
_NAME = r"[^\W\d]\w*"  # NAME in journey.lark: what journey, channel and message names are made of
_OUTPUT_PATH = re.compile(
    rf"journeys/[A-Za-z_][A-Za-z0-9_]*\.py|data/[a-z_]+\.json|templates/{_NAME}/{_NAME}(\.[a-z]+)+"
)
_SHA256 = re.compile(r"[0-9a-f]{64}")


def sha256(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


def manifest_document(
    inputs: dict[str, str], journeys: dict[str, dict[str, Any]], files: dict[str, bytes], ir_version: str
) -> dict[str, Any]:
    """The manifest of a build whose other files are `files`: its inputs' hashes, its journeys, every file's hash."""
    return {
        "generator": GENERATOR,
        "manifest_version": MANIFEST_VERSION,
        "journeyc_version": __version__,
        "ir_version": ir_version,
        "inputs": inputs,
        "journeys": journeys,
        "files": {path: sha256(body) for path, body in sorted(files.items()) if path != MANIFEST},
    }


def interim_manifest(files: dict[str, str]) -> bytes:
    """The manifest a build writes before its files: every file it is about to write or remove, so that a build
    stopped half-way leaves a folder the next build recognises (and `build --check` reports as changed)."""
    document = {"generator": GENERATOR, "manifest_version": MANIFEST_VERSION, "files": dict(sorted(files.items()))}
    return (json.dumps(document, indent=2) + "\n").encode()


def recorded_files(raw: bytes, where: str) -> dict[str, str]:
    """The files a journeyc manifest lists, with the sha256 it recorded for each.

    `where` names the manifest in messages. A manifest that is not journeyc's, or that journeyc cannot use, is a
    BuildFolderError saying why.
    """
    not_ours = f"{where} was not written by journeyc"
    advice = "choose an empty or new folder with --out, or remove what is in it"
    try:
        document = json.loads(raw)
    except (ValueError, RecursionError) as error:
        detail = error.msg if isinstance(error, json.JSONDecodeError) else "it is not JSON"
        raise BuildFolderError(f"{not_ours} ({detail}): {advice}") from error
    if not isinstance(document, dict) or document.get("generator") != GENERATOR:
        raise BuildFolderError(f'{not_ours} (it has no "generator": "journeyc"): {advice}')
    version = document.get("manifest_version")
    if version != MANIFEST_VERSION:
        if isinstance(version, int) and not isinstance(version, bool) and version > MANIFEST_VERSION:
            raise BuildFolderError(f"{where} was written by a newer journeyc (manifest_version {version}): upgrade")
        raise BuildFolderError(
            f"{where} has manifest_version {json.dumps(version)}, which this journeyc cannot read: remove the "
            "build folder and build again"
        )
    files = document.get("files")
    if not isinstance(files, dict):
        raise BuildFolderError(f'{where} has no "files" table: remove the build folder and build again')
    for path, digest in files.items():
        if not _OUTPUT_PATH.fullmatch(path):
            shown = json.dumps(path[:200], ensure_ascii=False)
            raise BuildFolderError(f"{where} lists {shown}, which is not a file journeyc writes: {advice}")
        if not (isinstance(digest, str) and _SHA256.fullmatch(digest)):
            raise BuildFolderError(f'{where} records no sha256 for "{path}": remove the build folder and build again')
    return dict(files)
