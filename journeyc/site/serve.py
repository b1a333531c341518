"""`journeyc docs --serve`: the site served on 127.0.0.1, rebuilt on every save, open pages reloaded.

The server is the standard library's (`http.server`, one thread per request) in a thread of its own; the rebuilds
are `journeyc watch`'s rounds (watch.py: only changed files are parsed again), run in the calling thread until
Ctrl-C. Served HTML pages get a small script that asks `/__journeyc/version` twice a second and reloads the page when
a new site was written; the files on disk stay exactly what `journeyc docs` writes.
"""

from __future__ import annotations

import functools
import sys
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from journeyc.build import shown_path
from journeyc.build_folder import BuildFolderError
from journeyc.load import ProjectNotFoundError
from journeyc.pipeline import CheckResult
from journeyc.watch import Round, watch

HOST = "127.0.0.1"
VERSION_PATH = "/__journeyc/version"
RELOAD_SCRIPT = (
    "<script>(function () { var seen = null; function ask() {"
    f' fetch("{VERSION_PATH}", {{cache: "no-store"}}).then(function (r) {{ return r.text(); }})'
    ".then(function (v) { if (seen !== null && v !== seen) { location.reload(); } seen = v; })"
    ".catch(function () {}).then(function () { setTimeout(ask, 500); }); } ask(); })();</script>\n"
)


class SiteServer(ThreadingHTTPServer):
    daemon_threads = True  # a browser's open connection never keeps Ctrl-C waiting

    def __init__(self, folder: Path, port: int) -> None:
        super().__init__((HOST, port), functools.partial(_Handler, directory=str(folder)))
        self.version = 0
        self._thread = threading.Thread(target=self.serve_forever, name="journeyc-docs-server", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server_address[1]}/"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)

    def site_changed(self) -> None:
        self.version += 1

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A browser that left mid-answer (a reload, a closed tab) is nothing to report; anything else is one line,
        never a traceback."""
        error = sys.exc_info()[1]
        if not isinstance(error, ConnectionError):
            print(f"journeyc: internal error answering {client_address[0]}: {type(error).__name__}: {error}",
                  file=sys.stderr)  # fmt: skip


class _Handler(SimpleHTTPRequestHandler):
    server: SiteServer

    def do_GET(self) -> None:
        if self.path == VERSION_PATH:
            self._send(str(self.server.version).encode(), "text/plain; charset=utf-8")
            return
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if path.suffix == ".html" and path.is_file():
            page = path.read_bytes()
            at = page.rfind(b"</body>")
            at = at if at >= 0 else len(page)
            self._send(page[:at] + RELOAD_SCRIPT.encode() + page[at:], "text/html; charset=utf-8")
            return
        super().do_GET()

    def _send(self, body: bytes, content_type: str) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")  # a reload always shows the new site
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the terminal shows the rebuilds, not every request


def serve(
    path: str | None,
    out: Path,
    port: int,
    rebuild: Callable[[CheckResult], tuple[bool, str]],
    report: Callable[[Round, str | None], None],
    started: Callable[[str], None],
    stop: threading.Event | None = None,
    around_round: Callable[[], AbstractContextManager[object]] = nullcontext,
) -> None:
    """Serve `out` and rebuild it after every change until `stop` is set or Ctrl-C.

    `rebuild(result)` writes the site of a checked project and says whether it did, and what it did or why not;
    `report(round, that)` shows each round; `started(url)` is called once the server listens; `around_round`: what
    each round (check, rebuild, report) runs inside.
    """
    try:
        out.mkdir(parents=True, exist_ok=True)
        server = SiteServer(out, port)
    except OSError as error:
        raise ProjectNotFoundError(f"cannot serve on {HOST}:{port}: {error.strerror or error} (choose another "
                                   "--port, or 0 for any free one)") from error  # fmt: skip

    def round_done(round_: Round) -> None:
        what = None
        if round_.result is not None:
            try:
                written, what = rebuild(round_.result)
            except (BuildFolderError, OSError) as error:
                written, what = False, f"site not rebuilt: cannot write into {shown_path(out)}: {error}"
            if written:
                server.site_changed()
        report(round_, what)

    server.start()
    try:
        started(server.url)
        watch(path, None, round_done, stop, ignore=out, around_round=around_round)
    finally:
        server.stop()
