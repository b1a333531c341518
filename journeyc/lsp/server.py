"""`journeyc lsp`: the language server (pygls), over stdin and stdout.

Each project an open file belongs to is a `ProjectSession`. An edit, an open, a save or a file event starts a
check of that project in a worker thread, with the editor's unsaved texts over the files on disk; edits that come
meanwhile are checked together right after, so the diagnostics follow the typing without a queue of stale checks.
The diagnostics of every file of the project are published (a change in one file can fix or break another).
Requests (hover, definition, completion...) answer from the latest check that saw the current text.
"""

from __future__ import annotations

import asyncio
import logging
import posixpath
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from journeyc import __version__, ir
from journeyc.diagnostics import Diagnostic
from journeyc.fmt import FormatterError, format_source
from journeyc.load import ProjectNotFoundError
from journeyc.lsp.actions import fix_for
from journeyc.lsp.completion import completions
from journeyc.lsp.convert import location, lsp_diagnostic
from journeyc.lsp.hover import hover_text
from journeyc.lsp.index import Occurrence
from journeyc.lsp.positions import Lines
from journeyc.lsp.rename import RENAMEABLE, RenameRefusedError, rename_changes
from journeyc.lsp.session import Checked, ProjectSession, session_for
from journeyc.lsp.symbols import document_symbols
from journeyc.resolve.imports import STDLIB_PREFIX

log = logging.getLogger(__name__)
REQUEST_FAILED = -32803  # the protocol's code for a request that was understood but cannot be done


class JourneyServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("journeyc", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.sessions: dict[Path, ProjectSession] = {}
        self.tasks: dict[Path, asyncio.Task[None]] = {}
        self.wanted: dict[Path, int] = {}  # how many changes each project has seen: a check runs until it saw all
        self.published: dict[Path, dict[str, list[Diagnostic]]] = {}  # by project and file, as last sent
        self.versions: dict[str, int] = {}  # the editor's version of each open document
        self.around_check: Callable[[], AbstractContextManager[object]] = nullcontext

    # ------------------------------------------------------------ projects and files
    def locate(self, uri: str) -> tuple[ProjectSession, str] | None:
        """The project of a document and its display path there."""
        path_text = to_fs_path(uri)
        if path_text is None:
            return None
        path = Path(path_text)
        for root in sorted(self.sessions, key=lambda r: len(r.parts), reverse=True):
            session = self.sessions[root]
            shown = session.display_path(path)
            if shown is not None and (not session.files.single_file or shown in session.files.files):
                return session, shown
        try:
            session = session_for(path, self.workspace_folders())
        except ProjectNotFoundError as error:
            self.window_show_message(types.ShowMessageParams(type=types.MessageType.Error, message=str(error)))
            return None
        self.sessions[session.root] = session
        shown = session.display_path(path)
        return (session, shown) if shown is not None else None

    def workspace_folders(self) -> list[Path]:
        """The folders the editor opened (a project without settings is such a folder)."""
        uris = [folder.uri for folder in self.workspace.folders.values()] or [self.workspace.root_uri]
        return [Path(path) for uri in uris if uri and (path := to_fs_path(uri))]

    def uri_of(self, session: ProjectSession, shown: str) -> str:
        return from_fs_path(str(session.files.absolute(shown))) or ""

    def lines_of(self, checked: Checked, shown: str) -> Lines:
        encoding = str(self.workspace.position_encoding or "utf-16")
        return Lines(checked.result.sources.get(shown, ""), encoding)

    # ------------------------------------------------------------ checking
    def changed(self, session: ProjectSession) -> None:
        """A change to check: start a check, or let the running one know another must follow."""
        self.wanted[session.root] = self.wanted.get(session.root, 0) + 1
        task = self.tasks.get(session.root)
        if task is None or task.done():
            self.tasks[session.root] = asyncio.ensure_future(self.check_until_current(session))

    def check(self, session: ProjectSession) -> Checked:
        with self.around_check():
            return session.check()

    async def check_until_current(self, session: ProjectSession) -> None:
        loop = asyncio.get_running_loop()
        while True:
            seen = self.wanted.get(session.root, 0)
            checked = await loop.run_in_executor(None, self.check, session)
            self.publish(session, checked)
            if self.wanted.get(session.root, 0) == seen:
                return

    async def current(self, uri: str) -> tuple[ProjectSession, str, Checked] | None:
        """The latest check that saw the document's current text."""
        found = self.locate(uri)
        if found is None:
            return None
        session, shown = found
        for _ in range(3):
            task = self.tasks.get(session.root)
            if task is not None and not task.done():
                await task
            checked = session.checked
            if checked is not None and checked.unsaved.get(shown) == session.unsaved.get(shown):
                return session, shown, checked
            if task is None or task.done():
                self.changed(session)
        return (session, shown, session.checked) if session.checked is not None else None

    def publish(self, session: ProjectSession, checked: Checked) -> None:
        """Send the diagnostics of each file whose diagnostics changed since the last check (an empty list for a
        file fixed since), and of each open file, for the version it was checked at."""
        by_file: dict[str, list[Diagnostic]] = {}
        for diagnostic in checked.result.diagnostics:
            by_file.setdefault(diagnostic.span.file, []).append(diagnostic)
        before = self.published.get(session.root, {})
        lines: dict[str, Lines] = {}

        def lines_of(shown: str) -> Lines:
            if shown not in lines:
                lines[shown] = self.lines_of(checked, shown)
            return lines[shown]

        for shown in sorted(set(by_file) | set(before) | set(checked.unsaved)):
            found = by_file.get(shown, [])
            if found == before.get(shown, []) and shown not in checked.unsaved:
                continue
            uri = self.uri_of(session, shown)
            converted = [lsp_diagnostic(d, lines_of, lambda f: self.uri_of(session, f)) for d in found]
            version = self.versions.get(uri) if shown in checked.unsaved else None
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=uri, diagnostics=converted, version=version)
            )
        self.published[session.root] = by_file


server = JourneyServer()


# ---------------------------------------------------------------- documents
@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: JourneyServer, params: types.DidOpenTextDocumentParams) -> None:
    _track(ls, params.text_document.uri, params.text_document.version)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: JourneyServer, params: types.DidChangeTextDocumentParams) -> None:
    _track(ls, params.text_document.uri, params.text_document.version)


def _track(ls: JourneyServer, uri: str, version: int) -> None:
    found = ls.locate(uri)
    if found is None:
        return
    session, shown = found
    ls.versions[uri] = version
    session.unsaved[shown] = ls.workspace.get_text_document(uri).source
    ls.changed(session)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: JourneyServer, params: types.DidCloseTextDocumentParams) -> None:
    found = ls.locate(params.text_document.uri)
    if found is not None:
        session, shown = found
        session.unsaved.pop(shown, None)
        ls.versions.pop(params.text_document.uri, None)
        session.changed_on_disk([shown])  # the file is what is on disk again
        ls.changed(session)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: JourneyServer, params: types.DidSaveTextDocumentParams) -> None:
    found = ls.locate(params.text_document.uri)
    if found is not None:
        found[0].changed_on_disk([found[1]])
        ls.changed(found[0])


@server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
def did_change_files(ls: JourneyServer, params: types.DidChangeWatchedFilesParams) -> None:
    touched: dict[Path, tuple[ProjectSession, list[str]]] = {}
    for change in params.changes:
        found = ls.locate(change.uri)
        if found is not None:
            touched.setdefault(found[0].root, (found[0], []))[1].append(found[1])
    for session, paths in touched.values():
        session.changed_on_disk(paths)
        ls.changed(session)


# ---------------------------------------------------------------- reading the project
@dataclass(frozen=True)
class _At:
    """A place in a document: its project, its display path, the check that saw its text, its lines, and the name
    written there (if any)."""

    session: ProjectSession
    shown: str
    checked: Checked
    lines: Lines
    name: Occurrence | None

    def location(self, ls: JourneyServer, span: ir.Span) -> types.Location:
        checked, session = self.checked, self.session
        return location(span, lambda f: ls.lines_of(checked, f), lambda f: ls.uri_of(session, f))


async def _at(ls: JourneyServer, uri: str, position: types.Position) -> _At | None:
    current = await ls.current(uri)
    if current is None:
        return None
    session, shown, checked = current
    lines = ls.lines_of(checked, shown)
    line, column = lines.line_column(position)
    return _At(session, shown, checked, lines, checked.index.at(shown, line, column))


@server.feature(types.TEXT_DOCUMENT_HOVER)
async def hover(ls: JourneyServer, params: types.HoverParams) -> types.Hover | None:
    at = await _at(ls, params.text_document.uri, params.position)
    if at is None or at.name is None:
        return None
    text = await asyncio.get_running_loop().run_in_executor(None, hover_text, at.checked.result, at.name)
    if text is None:
        return None
    content = types.MarkupContent(kind=types.MarkupKind.Markdown, value=text)
    return types.Hover(contents=content, range=at.lines.range(at.name.span))


@server.feature(types.TEXT_DOCUMENT_DEFINITION)
async def definition(ls: JourneyServer, params: types.DefinitionParams) -> types.Location | None:
    at = await _at(ls, params.text_document.uri, params.position)
    if at is None:
        return None
    imported = _import_at(at.checked, at.shown, at.lines, params.position)
    if imported is not None:
        start = types.Position(0, 0)
        return types.Location(uri=ls.uri_of(at.session, imported), range=types.Range(start, start))
    declared = at.checked.index.declarations.get(at.name.symbol) if at.name is not None else None
    return at.location(ls, declared.span) if declared is not None else None


def _import_at(checked: Checked, shown: str, lines: Lines, position: types.Position) -> str | None:
    """The file an import statement under the cursor names."""
    source = checked.result.resolved.files.get(shown)
    line, _ = lines.line_column(position)
    for imp in source.imports if source is not None else ():
        if imp.span.line <= line <= imp.span.end_line:
            if imp.is_stdlib:
                return f"{STDLIB_PREFIX}{imp.target}.journey"
            return posixpath.normpath(posixpath.join(posixpath.dirname(shown), imp.target))
    return None


@server.feature(types.TEXT_DOCUMENT_REFERENCES)
async def references(ls: JourneyServer, params: types.ReferenceParams) -> list[types.Location] | None:
    at = await _at(ls, params.text_document.uri, params.position)
    if at is None or at.name is None:
        return None
    uses = at.checked.index.uses(at.name.symbol, params.context.include_declaration)
    return [at.location(ls, o.span) for o in uses]


@server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=[".", '"', " "]))
async def completion(ls: JourneyServer, params: types.CompletionParams) -> types.CompletionList | None:
    current = await ls.current(params.text_document.uri)
    if current is None:
        return None
    session, shown, checked = current
    text = session.unsaved.get(shown, checked.result.sources.get(shown, ""))
    lines = Lines(text, str(ls.workspace.position_encoding or "utf-16"))
    offset = lines.offset(params.position)
    found = completions(text[:offset], checked.result.project)
    start_line = text.count("\n", 0, found.start) + 1
    start = lines.position(start_line, found.start - (text.rfind("\n", 0, found.start) + 1) + 1)
    edit_range = types.Range(start=start, end=params.position)
    close = '"' if found.in_text and text[offset : offset + 1] != '"' else ""
    for item in found.items:
        item.text_edit = types.TextEdit(range=edit_range, new_text=item.label + close)
    return types.CompletionList(is_incomplete=False, items=found.items)


@server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
async def symbols(ls: JourneyServer, params: types.DocumentSymbolParams) -> list[types.DocumentSymbol] | None:
    current = await ls.current(params.text_document.uri)
    if current is None:
        return None
    _, shown, checked = current
    source = checked.result.resolved.files.get(shown)
    return document_symbols(source, ls.lines_of(checked, shown)) if source is not None else []


@server.feature(types.TEXT_DOCUMENT_FORMATTING)
def formatting(ls: JourneyServer, params: types.DocumentFormattingParams) -> list[types.TextEdit] | None:
    document = ls.workspace.get_text_document(params.text_document.uri)
    text = document.source
    try:
        result = format_source(text, Path(to_fs_path(params.text_document.uri) or "").name)
    except FormatterError as error:
        ls.window_show_message(types.ShowMessageParams(type=types.MessageType.Error, message=str(error)))
        return None
    if result.text is None or not result.changed:
        return []  # syntax errors (shown as diagnostics) or nothing to change
    lines = Lines(text, str(ls.workspace.position_encoding or "utf-16"))
    end = lines.position(len(lines.lines), len(lines.lines[-1]) + 1)
    return [types.TextEdit(range=types.Range(types.Position(0, 0), end), new_text=result.text)]


@server.feature(
    types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix])
)
async def code_action(ls: JourneyServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
    current = await ls.current(params.text_document.uri)
    if current is None:
        return None
    session, shown, checked = current
    text = checked.result.sources.get(shown, "")
    lines = ls.lines_of(checked, shown)
    wanted = params.range
    actions: list[types.CodeAction] = []
    for diagnostic in checked.result.diagnostics:
        if diagnostic.span.file != shown:
            continue
        where = lines.range(diagnostic.span)
        if _before(where.end, wanted.start) or _before(wanted.end, where.start):
            continue
        fix = fix_for(diagnostic, text)
        if fix is None:
            continue
        edit_range = types.Range(start=_position_at(lines, text, fix.start), end=_position_at(lines, text, fix.end))
        edit = types.WorkspaceEdit(changes={params.text_document.uri: [types.TextEdit(edit_range, fix.text)]})
        converted = lsp_diagnostic(diagnostic, lambda f: ls.lines_of(checked, f), lambda f: ls.uri_of(session, f))
        actions.append(types.CodeAction(title=fix.title, kind=types.CodeActionKind.QuickFix, edit=edit,
                                        diagnostics=[converted], is_preferred=True))  # fmt: skip
    return actions


def _before(a: types.Position, b: types.Position) -> bool:
    return (a.line, a.character) < (b.line, b.character)


def _position_at(lines: Lines, text: str, offset: int) -> types.Position:
    line = text.count("\n", 0, offset) + 1
    return lines.position(line, offset - (text.rfind("\n", 0, offset) + 1) + 1)


# ---------------------------------------------------------------- renaming
@server.feature(types.TEXT_DOCUMENT_PREPARE_RENAME)
async def prepare_rename(ls: JourneyServer, params: types.PrepareRenameParams) -> types.PrepareRenamePlaceholder | None:
    at = await _at(ls, params.text_document.uri, params.position)
    if at is None or at.name is None or at.name.symbol.kind not in RENAMEABLE:
        return None
    return types.PrepareRenamePlaceholder(range=at.lines.range(at.name.span), placeholder=at.name.symbol.name)


@server.feature(types.TEXT_DOCUMENT_RENAME)
async def rename(ls: JourneyServer, params: types.RenameParams) -> types.WorkspaceEdit | None:
    at = await _at(ls, params.text_document.uri, params.position)
    if at is None or at.name is None:
        return None
    session, checked, occurrence = at.session, at.checked, at.name
    project = checked.result.project
    declared = set(getattr(project, occurrence.symbol.kind + "s", {}))
    try:
        changes = rename_changes(checked.index, occurrence.symbol, params.new_name, session.root, declared)
    except RenameRefusedError as refused:
        raise JsonRpcException(message=str(refused), code=REQUEST_FAILED) from refused
    edits: dict[str, list[types.TextEdit]] = {}
    encoding = str(ls.workspace.position_encoding or "utf-16")
    for change in changes:
        if isinstance(change.file, Path):
            uri = from_fs_path(str(change.file)) or ""
            lines = Lines(change.file.read_text(encoding="utf-8", errors="replace"), encoding)
        else:
            uri, lines = ls.uri_of(session, change.file), ls.lines_of(checked, change.file)
        span = ir.Span(file="", line=change.line, column=change.column, end_line=change.line,
                       end_column=change.column + len(change.old))  # fmt: skip
        edits.setdefault(uri, []).append(types.TextEdit(range=lines.range(span), new_text=change.new))
    return types.WorkspaceEdit(changes=edits)


def serve(around_check: Callable[[], AbstractContextManager[object]] = nullcontext) -> None:
    """Run the language server over stdin and stdout until the editor stops it. `around_check`: what each check
    runs inside (the command line pauses the garbage collector)."""
    server.around_check = around_check
    server.start_io()
