"""`journeyc worker`, `journeyc dev` and `journeyc inspect`: the live runtime started from a project.

A worker runs the project's builds (each kept by version under `.journeyc/builds/`, so runs started on an older
build finish on it) against any Temporal cluster; `dev` starts what a newcomer needs on this machine (the embedded
Temporal dev server with its state in `.journeyc/temporal.db`, and a worker) and says where things are; `inspect`
asks a customer's workflow for its timeline. Library functions here never touch signals: the CLI passes `stop`.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from journeyc.build import build_outputs
from journeyc.pipeline import CheckResult
from journeyc.runtime.builds import BuildStore
from journeyc.runtime.delivery.routing import DeliveryService, delivery_service
from journeyc.runtime.delivery.settings import DeliverySettings
from journeyc.runtime.identity import anonymous_key
from journeyc.runtime.intake_settings import IntakeSettings, IntakeSettingsError
from journeyc.runtime.temporal.devserver import DevServer, free_port
from journeyc.runtime.temporal.worker import WorkerSettings, load_builds, serve
from journeyc.runtime.temporal.workflow import workflow_id

STATE = ".journeyc"  # the project's live state: builds, the dev server's database, the logs
DEV_FILE = "dev.json"  # where `journeyc dev` says how to reach it (for `inspect` and `send-events`)


class LiveError(Exception):
    """Something the live runtime needs that is not there (a server to reach, a customer): a clean message."""


@dataclass(frozen=True)
class Deployment:
    """A project made ready to run live: its id, its newest build's version, where its state lives."""

    project: str  # the id its workflows are named by
    version: str  # the build new entries follow
    root: Path
    versions: tuple[str, ...]  # every build the worker runs

    @property
    def state(self) -> Path:
        return self.root / STATE

    @property
    def task_queue(self) -> str:
        return f"journeyc-{self.project}"


def project_id(root: Path) -> str:
    """The project's id in workflow ids: its folder's name, in safe characters."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", root.resolve().name).strip("-.")
    return name or "project"


def deploy(result: CheckResult, project: str | None = None) -> Deployment:
    """Keep the project's build (a new version once) and load every kept build into this process."""
    store = BuildStore(result.files.root / STATE / "builds")
    version = store.save(build_outputs(result))
    versions = load_builds(store)
    return Deployment(project or project_id(result.files.root), version, result.files.root, tuple(versions))


def worker_settings(deployment: Deployment, result: CheckResult, task_queue: str | None = None) -> WorkerSettings:
    return WorkerSettings(
        task_queue=task_queue or deployment.task_queue,
        decisions=deployment.state / "decisions.jsonl",
        delivery=delivery_for(result),
    )


def delivery_for(result: CheckResult) -> DeliveryService:
    """The project's providers ([delivery] in journeyc.toml; by default every channel to the outbox file)."""
    settings = result.config.delivery or DeliverySettings()
    return delivery_service(settings, result.files.root, os.environ)


async def connect(address: str, namespace: str) -> Any:
    """A Temporal client; LiveError when the server cannot be reached."""
    from temporalio.client import Client

    try:
        return await Client.connect(address, namespace=namespace)
    except Exception as error:  # (the SDK raises RuntimeError with the transport's words)
        raise LiveError(f"cannot reach the Temporal server at {address} (namespace {namespace}): {error}") from error


async def run_worker(
    deployment: Deployment, settings: WorkerSettings, address: str, namespace: str, stop: asyncio.Event
) -> None:
    client = await connect(address, namespace)
    await serve(client, settings, stop)


async def run_dev(
    deployment: Deployment,
    settings: WorkerSettings,
    stop: asyncio.Event,
    say: Callable[[str], None],
    port: int | None = None,
    *,
    intake: IntakeSettings | None = None,
    delivery: DeliverySettings | None = None,
    intake_port: int = 0,
    environ: Mapping[str, str] | None = None,
) -> None:
    """The dev server (state kept in .journeyc/temporal.db), a worker and the intake on 127.0.0.1 (`intake_port`,
    0: a free one), until `stop` is set; then they all end. Without write keys in the environment, the intake takes
    a key made for this run (written to .journeyc/dev.json, where `send-events` finds it)."""
    from journeyc.intake.server import bind, build_app, json_lines_to, serve_app
    from journeyc.runtime.temporal import programs

    intake = intake or IntakeSettings()
    environ = dict(os.environ if environ is None else environ)
    made_key = None
    if not environ.get(intake.write_keys_env, "").strip(","):
        made_key = environ[intake.write_keys_env] = "dev_" + secrets.token_hex(12)
    deployment.state.mkdir(parents=True, exist_ok=True)
    try:
        sock = bind("127.0.0.1", intake_port)
    except OSError as error:
        raise LiveError(f"the intake cannot listen on 127.0.0.1:{intake_port}: {error.strerror}") from error
    intake_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = DevServer(db_file=deployment.state / "temporal.db", log_file=deployment.state / "temporal.log",
                       port=port or free_port())  # fmt: skip
    server.start()
    dev_file = deployment.state / DEV_FILE
    try:
        found = {"address": server.address, "namespace": "default", "project": deployment.project,
                 "task_queue": settings.task_queue, "intake": intake_url}  # fmt: skip
        dev_file.write_text(json.dumps({**found, **({"write_key": made_key} if made_key else {})}) + "\n")
        client = await server.client()
        try:
            _, app = build_app(programs.loaded()[deployment.version], intake, delivery, client,
                               project=deployment.project, task_queue=settings.task_queue, environ=environ,
                               log=json_lines_to(deployment.state / "intake.log"))  # fmt: skip
        except IntakeSettingsError as error:
            raise LiveError(str(error)) from error
        key = made_key or "$" + intake.write_keys_env
        say(f"Temporal dev server: {server.address} (state in {deployment.state / 'temporal.db'})")
        say(f"worker: project {deployment.project}, build {deployment.version}, task queue {settings.task_queue}")
        say(f"intake: {intake_url} (Segment's HTTP API; write key {key}; requests logged to "
            f"{deployment.state / 'intake.log'})")  # fmt: skip
        say(f"  curl -u {key}: {intake_url}/v1/track -H 'Content-Type: application/json' "
            """-d '{"userId": "u1", "event": "Signed Up"}'""")  # fmt: skip
        say(f"decisions (every send, dropped and why, deferred, failed): {settings.decisions}")
        say("press Ctrl-C to stop")
        await asyncio.gather(serve(client, settings, stop), serve_app(app, sock, stop))
    finally:
        dev_file.unlink(missing_ok=True)
        server.stop()


def dev_address(root: Path) -> dict[str, str] | None:
    """Where the project's `journeyc dev` runs, if it does."""
    try:
        found = json.loads((root / STATE / DEV_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) else None


async def timeline(address: str, namespace: str, project: str, customer: str) -> list[str]:
    """A customer's timeline, from its workflow (a userId, else an anonymousId)."""
    from temporalio.service import RPCError

    client = await connect(address, namespace)
    for key in (customer, anonymous_key(customer)):
        try:
            return list(await client.get_workflow_handle(workflow_id(project, key)).query("timeline"))
        except RPCError:
            continue
    raise LiveError(f'no customer "{customer}" in project {project} at {address}: no call of theirs reached it')
