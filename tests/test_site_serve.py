"""`journeyc docs --serve`: the site on 127.0.0.1, rebuilt when a file is saved, open pages told to reload, a
mistake reported without stopping, Ctrl-C a clean stop. The command runs as a process of its own, as a user runs it.
"""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import REPO, takes_ctrl_c

pytestmark = pytest.mark.slow
WAIT = 60  # seconds for a round (the machine may be busy); a round takes about a second


class Served:
    """The `journeyc docs --serve` process and its output, read line by line in a thread."""

    def __init__(self, project: Path, out: Path) -> None:
        command = [sys.executable, "-m", "journeyc", "docs", str(project), "--serve", "--port", "0", "--out", str(out)]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        env={**os.environ, "PYTHONUNBUFFERED": "1"}, preexec_fn=takes_ctrl_c)  # fmt: skip
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, start: str) -> str:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                assert self.process.poll() is None, "\n".join(self.output)
                continue
            self.output.append(line)
            if line.startswith(start):
                return line
        raise AssertionError(f"no line starting {start!r} in:\n" + "\n".join(self.output))


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode("utf-8")


def test_serve_rebuilds_on_save_reloads_pages_and_stops_cleanly(tmp_path):
    project = tmp_path / "journeys"
    shutil.copytree(REPO / "journeys", project, ignore=shutil.ignore_patterns("site", "build"))
    out = project / "site"  # inside the project: its own pages must not start rounds of their own
    served = Served(project, out)
    try:
        url = served.wait_for("serving").rsplit(" ", 1)[-1]
        assert url.startswith("http://127.0.0.1:")
        served.wait_for("wrote the site")
        page = get(url + "journeys/cart_recovery.html")
        assert "Abandoned checkout recovery" in page and "/__journeyc/version" in page
        assert "/__journeyc/version" not in (out / "journeys" / "cart_recovery.html").read_text(encoding="utf-8")
        assert get(url + "__journeyc/version") == "1"

        source = project / "growth" / "cart_recovery.journey"
        text = source.read_text(encoding="utf-8")
        source.write_text(text.replace('"Abandoned checkout recovery"', '"Checkout rescue"'), encoding="utf-8")
        served.wait_for("changed: growth/cart_recovery.journey")
        served.wait_for("wrote the site")
        assert get(url + "__journeyc/version") == "2"
        assert "Checkout rescue" in get(url + "journeys/cart_recovery.html")

        source.write_text(text.replace('trigger "Checkout Started"', 'trigger "Checkout Startd"'), encoding="utf-8")
        served.wait_for("site not rebuilt: the project has 1 error")
        assert get(url + "__journeyc/version") == "2"  # the last good site stays
        assert "Checkout rescue" in get(url + "journeys/cart_recovery.html")
        time.sleep(1)  # nothing else happens: the site's own files start no round
        while not served.lines.empty():
            served.output.append(served.lines.get())
        assert not any(line.startswith("changed: site/") for line in served.output), served.output
    finally:
        served.process.send_signal(signal.SIGINT)
        served.process.wait(timeout=WAIT)
    while not served.lines.empty():
        served.output.append(served.lines.get())
    assert served.process.returncode == 0, served.output
    assert served.output[-1] == "stopped"
    assert not any("Traceback" in line for line in served.output)


def test_a_port_in_use_is_a_usage_error(tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        command = [sys.executable, "-m", "journeyc", "docs", str(REPO / "journeys"), "--serve", "--port", str(port),
                   "--out", str(tmp_path / "site")]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, timeout=WAIT, check=False)
    assert done.returncode == 2
    assert f"cannot serve on 127.0.0.1:{port}" in done.stderr and "Traceback" not in done.stderr


def test_a_browser_leaving_mid_answer_is_not_reported_and_other_errors_are_one_line(tmp_path, capsys):
    from journeyc.site.serve import SiteServer

    server = SiteServer(tmp_path, 0)
    try:
        for error in (ConnectionResetError(104, "Connection reset by peer"), BrokenPipeError(32, "Broken pipe")):
            try:
                raise error
            except OSError:
                server.handle_error(None, ("127.0.0.1", 5000))
        assert capsys.readouterr().err == ""
        try:
            raise ValueError("odd request")
        except ValueError:
            server.handle_error(None, ("127.0.0.1", 5000))
        assert capsys.readouterr().err == "journeyc: internal error answering 127.0.0.1: ValueError: odd request\n"
    finally:
        server.server_close()
