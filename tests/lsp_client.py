"""A real editor for the language server's tests: pytest-lsp starts `journeyc lsp` over stdio on a copy of the
demo project; `Editor` opens a file, types into it and waits for diagnostics as an editor does."""

from __future__ import annotations

import asyncio
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest_lsp
from conftest import REPO
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "journeyc", "lsp"])
CART = "growth/cart_recovery.journey"


def demo_project(tmp_path: Path) -> Path:
    """A copy of journeys/ to edit."""
    root = tmp_path / "journeys"
    shutil.copytree(REPO / "journeys", root, ignore=shutil.ignore_patterns("build"))
    return root


def client_fixture():
    """The `client` fixture of a test module: a client connected to the server, initialized on `project`."""

    @pytest_lsp.fixture(config=SERVER)
    async def client(lsp_client: LanguageClient, project: Path):
        params = types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            root_uri=project.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=project.as_uri(), name="journeys")],
        )
        await lsp_client.initialize_session(params)
        yield
        await lsp_client.shutdown_session()

    return client


class Editor:
    """What an editor does with one file: open it, edit it, and wait for the server's diagnostics."""

    def __init__(self, client: LanguageClient, path: Path) -> None:
        self.client, self.path, self.uri = client, path, path.as_uri()
        self.text = path.read_text(encoding="utf-8")
        self.version = 1

    def open(self) -> None:
        self.client.diagnostics.pop(self.uri, None)
        item = types.TextDocumentItem(uri=self.uri, language_id="journey", version=1, text=self.text)
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=item))

    def replace(self, old: str, new: str) -> None:
        """Type over the first `old` with `new` (an incremental change, as editors send)."""
        start = self.text.index(old)
        self.version += 1
        change = types.TextDocumentContentChangePartial(range=self.range(start, start + len(old)), text=new)
        self.text = self.text[:start] + new + self.text[start + len(old) :]
        self.client.diagnostics.pop(self.uri, None)
        document = types.VersionedTextDocumentIdentifier(uri=self.uri, version=self.version)
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(text_document=document, content_changes=[change])
        )

    def position(self, offset: int) -> types.Position:
        line = self.text.count("\n", 0, offset)
        return types.Position(line=line, character=offset - (self.text.rfind("\n", 0, offset) + 1))

    def at(self, needle: str, inside: int = 0) -> types.Position:
        """The position `inside` characters into the first `needle`."""
        return self.position(self.text.index(needle) + inside)

    def range(self, start: int, end: int) -> types.Range:
        return types.Range(start=self.position(start), end=self.position(end))

    @property
    def document(self) -> types.TextDocumentIdentifier:
        return types.TextDocumentIdentifier(uri=self.uri)

    async def diagnostics(
        self, wanted: Callable[[Sequence[types.Diagnostic]], bool], uri: str | None = None
    ) -> Sequence[types.Diagnostic]:
        """The file's diagnostics once the server has published ones that are `wanted`."""
        uri = uri or self.uri

        async def published() -> Sequence[types.Diagnostic]:
            while uri not in self.client.diagnostics or not wanted(self.client.diagnostics[uri]):
                await self.client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
            return self.client.diagnostics[uri]

        return await asyncio.wait_for(published(), timeout=60)


def codes(found: Sequence[types.Diagnostic]) -> list[str]:
    return sorted(str(d.code) for d in found)


def apply(text: str, edits: Sequence[types.TextEdit]) -> str:
    """`text` with the edits applied (from the last, so earlier positions stay right)."""
    lines = text.split("\n")

    def offset(position: types.Position) -> int:
        return sum(len(line) + 1 for line in lines[: position.line]) + position.character

    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end) :]
    return text
