"""What the intake tests share: the intake of a deployed live project served on a loopback port, a worker beside it
(both in the test's event loop), and HTTP calls made by a real client (requests, in threads) over loopback."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import gzip
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import requests
from live_support import LiveProject

from journeyc.intake.app import Intake
from journeyc.intake.server import bind, build_app, serve_app
from journeyc.runtime.intake_settings import IntakeSettings
from journeyc.runtime.temporal.devserver import DevServer
from journeyc.runtime.temporal.worker import serve
from journeyc.runtime.temporal.workflow import workflow_id

WRITE_KEY = "wk_test_123"
FEEDBACK_SECRET = "f" * 40
UNSUBSCRIBE_SECRET = "u" * 40
ENVIRON = {"JOURNEYC_WRITE_KEYS": f"other_key, {WRITE_KEY}", "JOURNEYC_FEEDBACK_SECRET": FEEDBACK_SECRET,
           "JOURNEYC_UNSUBSCRIBE_SECRET": UNSUBSCRIBE_SECRET}  # fmt: skip
FAST = IntakeSettings(lateness_seconds=1.0, feedback_secret_env="JOURNEYC_FEEDBACK_SECRET")


@dataclass
class Running:
    url: str
    intake: Intake
    client: Any
    project: LiveProject
    task_queue: str
    logs: list[dict[str, Any]] = field(default_factory=list)

    async def post(self, path: str, body: Any, *, key: str | None = WRITE_KEY, raw: bytes | None = None,
                   headers: dict[str, str] | None = None, zipped: bool = False) -> requests.Response:  # fmt: skip
        """POST `body` as JSON (or `raw` bytes) to the intake, from a thread, as a client library would."""
        data = raw if raw is not None else json.dumps(body).encode()
        sent = {"Content-Type": "application/json", **(headers or {})}
        if zipped:
            data = gzip.compress(data)
            sent["Content-Encoding"] = "gzip"
        if key is not None:
            sent["Authorization"] = "Basic " + base64.b64encode(f"{key}:".encode()).decode()
        return await asyncio.to_thread(requests.post, self.url + path, data=data, headers=sent, timeout=30)

    async def get(self, path: str) -> requests.Response:
        return await asyncio.to_thread(requests.get, self.url + path, timeout=30)

    async def status(self, customer: str) -> dict[str, Any]:
        handle = self.client.get_workflow_handle(workflow_id(self.project.deployment.project, customer))
        return dict(await handle.query("status"))


@contextlib.asynccontextmanager
async def running_intake(project: LiveProject, server: DevServer, task_queue: str,
                         settings: IntakeSettings = FAST, *, worker: bool = True,
                         port: int = 0) -> AsyncIterator[Running]:  # fmt: skip
    """The project's intake on a loopback port (0: a free one) and a worker (unless `worker` is False), until the
    block ends."""
    client = await server.client()
    stop = asyncio.Event()
    logs: list[dict[str, Any]] = []
    intake, app = build_app(project.program, settings, project.result.config.delivery, client,
                            project=project.deployment.project, task_queue=task_queue, environ=ENVIRON,
                            log=logs.append)  # fmt: skip
    sock = bind("127.0.0.1", port)
    running = Running(f"http://127.0.0.1:{sock.getsockname()[1]}", intake, client, project, task_queue, logs)
    tasks = [asyncio.ensure_future(serve_app(app, sock, stop))]
    if worker:
        tasks.append(asyncio.ensure_future(serve(client, project.settings(task_queue), stop)))
    try:
        yield running
    finally:
        stop.set()
        await asyncio.gather(*tasks)
