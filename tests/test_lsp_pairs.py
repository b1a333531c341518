"""The language server on real edits of the demo project (tests/review_pairs.py): each `after` edit typed into the
open files gives the outline of the edited file and, file by file, the diagnostics that `journeyc check` gives cold
on the edited project saved to disk."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from lsp_client import Editor, client_fixture, demo_project
from lsprotocol import types
from pytest_lsp import LanguageClient
from review_pairs import PAIRS, apply

from journeyc.load import find_project
from journeyc.lsp.convert import lsp_diagnostic
from journeyc.lsp.positions import Lines
from journeyc.lsp.symbols import document_symbols
from journeyc.pipeline import check_project

pytestmark = pytest.mark.slow  # (the review pairs typed into a language server over stdio: about 11 s)

client = client_fixture()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return demo_project(tmp_path)


def expected(root: Path, live: Path) -> dict[str, list[tuple[str, str, types.Range]]]:
    """Cold `journeyc check` of `root`, as the server publishes it for the same files under `live`."""
    result = check_project(find_project(str(root)))
    found: dict[str, list[tuple[str, str, types.Range]]] = {}
    for diagnostic in result.diagnostics:
        converted = lsp_diagnostic(diagnostic, lambda f: Lines(result.sources.get(f, "")), lambda f: f)
        uri = (live / diagnostic.span.file).as_uri()
        found.setdefault(uri, []).append((str(converted.code), converted.message, converted.range))
    return found


def published(lsp: LanguageClient, live: Path) -> dict[str, list[tuple[str, str, types.Range]]]:
    return {
        uri: sorted(((str(d.code), d.message, d.range) for d in found), key=lambda x: (x[2].start.line, x[0], x[1]))
        for uri, found in lsp.diagnostics.items()
        if found and uri.startswith(live.as_uri())
    }


@pytest.mark.asyncio
@pytest.mark.parametrize("name", sorted(PAIRS))
async def test_typed_edits_give_the_diagnostics_of_a_cold_check(client: LanguageClient, project: Path, tmp_path, name):
    pair = PAIRS[name]
    apply(project, pair.before)
    saved = tmp_path / "saved"
    shutil.copytree(project, saved)
    apply(saved, pair.after)
    want = {
        uri: sorted(found, key=lambda x: (x[2].start.line, x[0], x[1]))
        for uri, found in expected(saved, project).items()
    }
    editors: dict[str, Editor] = {}
    for file, text, replacement in pair.after:
        if file not in editors:
            editors[file] = Editor(client, project / file)
            editors[file].open()
        editors[file].replace(text, replacement)

    # A request answers from a check that saw every edit, after that check's diagnostics were published.
    for file, editor in sorted(editors.items()):
        outline = await client.text_document_document_symbol_async(
            types.DocumentSymbolParams(text_document=editor.document)
        )
        assert shape(outline) == shape(expected_outline(saved, file)), file
    assert published(client, project) == want


def shape(symbols) -> list:
    """An outline as names, kinds and lines, nested."""
    return [(s.name, s.kind, s.range.start.line, s.range.end.line, shape(s.children or [])) for s in symbols or []]


def expected_outline(root: Path, file: str) -> list[types.DocumentSymbol]:
    result = check_project(find_project(str(root)))
    return document_symbols(result.resolved.files[file], Lines(result.sources[file]))
