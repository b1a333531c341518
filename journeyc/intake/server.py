"""The intake assembled from a build and settings, and served by uvicorn until told to stop.

Library code: no signal handlers (uvicorn's are turned off; the CLI sets `stop`), no logging set-up (one JSON line
per request goes to the `log` callable the caller gives).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette

from journeyc.intake.app import Intake, intake_app
from journeyc.intake.calls import CallChecker
from journeyc.intake.consent import Consent, consent_routes, consent_traits
from journeyc.intake.handoff import Handoff
from journeyc.runtime.delivery.settings import DeliverySettings
from journeyc.runtime.intake_settings import IntakeSettings, feedback_secret, write_keys
from journeyc.runtime.program import Program


def make_intake(
    program: Program, settings: IntakeSettings, client: Any, project: str, task_queue: str,
    environ: Mapping[str, str], log: Callable[[dict[str, Any]], None] | None = None,
) -> Intake:  # fmt: skip
    """The intake of a build: its tracking plan's checks, its workflows on `client`, the write keys of `environ`
    (IntakeSettingsError when there are none)."""
    checker = CallChecker(program.events_plan, program.shapes, program.profile,
                          unknown_events=settings.unknown_events, max_age=settings.max_age_seconds)  # fmt: skip
    handoff = Handoff(client, project, task_queue, program.version, timeout=settings.timeout_seconds,
                      options={"lateness": settings.lateness_seconds})  # fmt: skip
    return Intake(checker, handoff, write_keys(settings, environ), lateness=settings.lateness_seconds,
                  log=log or json_lines)  # fmt: skip


def make_app(intake: Intake, consent: Consent | None = None) -> Starlette:
    """The intake's ASGI app, with the unsubscribe and feedback routes when `consent` is given."""
    return intake_app(intake, consent_routes(consent) if consent is not None else None)


def json_lines(line: dict[str, Any]) -> None:
    """A request's log line, as one JSON object on standard error."""
    print(json.dumps(line, ensure_ascii=False, sort_keys=True), file=sys.stderr, flush=True)


def json_lines_to(path: Path) -> Callable[[dict[str, Any]], None]:
    """A request's log line appended to the file at `path` (as one JSON object a line)."""

    def write(line: dict[str, Any]) -> None:
        with path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")

    return write


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:  # (the command line's entry point owns signals)
        yield


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (0: a free port); the caller reads the port it got."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.setblocking(False)
    return sock


async def serve_app(app: Starlette, sock: socket.socket, stop: asyncio.Event) -> None:
    """Serve `app` on the bound socket until `stop` is set; requests in progress finish."""
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", timeout_keep_alive=30)
    server = _Server(config)
    serving = asyncio.ensure_future(server.serve(sockets=[sock]))
    stopping = asyncio.ensure_future(stop.wait())
    await asyncio.wait([serving, stopping], return_when=asyncio.FIRST_COMPLETED)
    server.should_exit = True
    await serving
    stopping.cancel()


def unsubscribe_secret(delivery: DeliverySettings | None, environ: Mapping[str, str]) -> str | None:
    """The secret the email provider signs unsubscribe tokens with ([delivery.<email>] unsubscribe-secret-env)."""
    for route in delivery.routes if delivery is not None else ():
        name = getattr(route, "unsubscribe_secret_env", None)
        if name and environ.get(name):
            return environ[name]
    return None


def build_app(
    program: Program, settings: IntakeSettings, delivery: DeliverySettings | None, client: Any, *, project: str,
    task_queue: str, environ: Mapping[str, str], log: Callable[[dict[str, Any]], None] | None = None,
) -> tuple[Intake, Starlette]:  # fmt: skip
    """The intake of `program` and its ASGI app (Segment's routes, unsubscribe links and feedback); an
    IntakeSettingsError for a missing or short secret."""
    intake = make_intake(program, settings, client, project, task_queue, environ, log)
    consent = Consent(project, intake.handoff, consent_traits(program.policy.channels),
                      unsubscribe_secret(delivery, environ), feedback_secret(settings, environ),
                      intake.counters)  # fmt: skip
    return intake, make_app(intake, consent)


async def run_intake(
    program: Program, settings: IntakeSettings, delivery: DeliverySettings | None, *, address: str,
    namespace: str, project: str, task_queue: str, sock: socket.socket, stop: asyncio.Event,
    environ: Mapping[str, str], log: Callable[[dict[str, Any]], None] | None = None,
) -> None:  # fmt: skip
    """Serve the intake of `program` on `sock` until `stop` is set. Its Temporal client connects lazily: the intake
    starts, and answers 503, while the server is down."""
    from temporalio.client import Client

    client = await Client.connect(address, namespace=namespace, lazy=True)
    _, app = build_app(program, settings, delivery, client, project=project, task_queue=task_queue,
                       environ=environ, log=log)  # fmt: skip
    await serve_app(app, sock, stop)
