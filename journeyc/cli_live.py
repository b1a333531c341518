"""The live runtime's commands: `journeyc worker`, `journeyc dev` and `journeyc inspect`. Thin: serve.py works.

The signal handlers live here (the command line's entry point), never in the library: Ctrl-C or SIGTERM sets
the stop event, and the worker shuts down gracefully (activities in flight finish; a worker stopped this way
leaves no workflow waiting on it).
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import click

from journeyc.cli import _guard, _print_problems
from journeyc.load import find_project
from journeyc.pipeline import CheckResult, check_project

DEFAULT_ADDRESS = "127.0.0.1:7233"


def _checked(path: str | None) -> CheckResult:
    result = check_project(find_project(path))
    if result.errors:
        _print_problems(result)
        sys.exit(1)
    return result


def _until_stopped(work: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    """Run `work(stop)` until it returns; Ctrl-C and SIGTERM set `stop` (a second Ctrl-C ends at once)."""
    from journeyc.serve import LiveError

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, _stopper(stop, loop, sig))
        await work(stop)

    try:
        asyncio.run(main())
    except LiveError as error:
        raise click.ClickException(str(error)) from error


def _stopper(stop: asyncio.Event, loop: asyncio.AbstractEventLoop, sig: signal.Signals) -> Callable[[], None]:
    def handle() -> None:
        if stop.is_set():  # (asked twice: stop now)
            loop.remove_signal_handler(sig)
            raise KeyboardInterrupt
        click.echo("stopping...", err=True)
        stop.set()

    return handle


@click.command(name="worker")
@click.argument("path", required=False, type=click.Path())
@click.option("--address", default=DEFAULT_ADDRESS, show_default=True, help="The Temporal frontend: HOST:PORT.")
@click.option("--namespace", default="default", show_default=True, help="The Temporal namespace.")
@click.option("--task-queue", help="The task queue (default: journeyc-<project>).")
@click.option("--project-id", help="The project's id in workflow ids (default: the project folder's name).")
@_guard
def worker(path: str | None, address: str, namespace: str, task_queue: str | None, project_id: str | None) -> None:
    """Run the project's journeys live: customers' workflows and their deliveries, on any Temporal cluster.

    The project is built and its build kept by version in .journeyc/builds/; every build kept there is loaded, so
    runs started on an older build finish on it. Run as many workers as you like: each customer's sends are
    decided by one workflow at a time. Ctrl-C or SIGTERM stops gracefully.
    """
    from journeyc.serve import deploy, run_worker, worker_settings

    result = _checked(path)
    deployment = deploy(result, project_id)
    settings = worker_settings(deployment, result, task_queue)
    click.echo(f"worker: project {deployment.project}, build {deployment.version} ({len(deployment.versions)} kept), "
               f"task queue {settings.task_queue}, {address} namespace {namespace}", err=True)  # fmt: skip
    _until_stopped(lambda stop: run_worker(deployment, settings, address, namespace, stop))


@click.command(name="dev")
@click.argument("path", required=False, type=click.Path())
@click.option("--port", type=click.IntRange(1, 65535), help="The dev server's port (default: a free one).")
@_guard
def dev(path: str | None, port: int | None) -> None:
    """Run everything on this machine: the Temporal dev server, a worker, and say where things are.

    The dev server keeps its state in .journeyc/temporal.db, so a restart keeps customers where they were.
    Every channel delivers to .journeyc/outbox.jsonl unless journeyc.toml's [delivery] says otherwise.
    """
    from journeyc.serve import deploy, run_dev, worker_settings

    result = _checked(path)
    deployment = deploy(result)
    settings = worker_settings(deployment, result)
    _until_stopped(lambda stop: run_dev(deployment, settings, stop, click.echo, port))


@click.command(name="inspect")
@click.argument("path", required=False, type=click.Path())
@click.option("--customer", required=True, help="The customer: a userId or an anonymousId.")
@click.option("--address", help="The Temporal frontend: HOST:PORT (default: where `journeyc dev` runs).")
@click.option("--namespace", default="default", show_default=True, help="The Temporal namespace.")
@click.option("--project-id", help="The project's id in workflow ids (default: the project folder's name).")
@_guard
def inspect(path: str | None, customer: str, address: str | None, namespace: str, project_id: str | None) -> None:
    """Print a customer's timeline from the live system, as `journeyc simulate --customer` prints it."""
    from journeyc.serve import LiveError, dev_address, timeline
    from journeyc.serve import project_id as id_of

    files = find_project(path)
    running = dev_address(files.root) or {}
    address = address or running.get("address") or DEFAULT_ADDRESS
    project = project_id or running.get("project") or id_of(files.root)
    try:
        lines: list[Any] = asyncio.run(timeline(address, namespace, project, customer))
    except LiveError as error:
        raise click.ClickException(str(error)) from error
    for line in lines:
        click.echo(line)


@click.command(name="intake")
@click.argument("path", required=False, type=click.Path())
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option(
    "--port", default=8787, show_default=True, type=click.IntRange(0, 65535), help="The port (0: a free one)."
)
@click.option("--address", help="The Temporal frontend: HOST:PORT (default: where `journeyc dev` runs).")
@click.option("--namespace", default="default", show_default=True, help="The Temporal namespace.")
@click.option("--task-queue", help="The workers' task queue (default: journeyc-<project>).")
@click.option("--project-id", help="The project's id in workflow ids (default: the project folder's name).")
@_guard
def intake(
    path: str | None, host: str, port: int, address: str | None, namespace: str, task_queue: str | None,
    project_id: str | None,
) -> None:  # fmt: skip
    """Take Segment calls over HTTP (the Tracking API: /v1/track, /v1/identify, /v1/batch, ...), check them against
    the tracking plan and hand each to its customer's workflow before answering. See docs/intake.md.

    Write keys come from the environment variable JOURNEYC_WRITE_KEYS (comma-separated; [intake] write-keys-env
    names another one).
    """
    import os

    from journeyc.intake.server import bind
    from journeyc.runtime.intake_settings import IntakeSettings, IntakeSettingsError, write_keys
    from journeyc.runtime.temporal import programs
    from journeyc.serve import deploy, dev_address

    result = _checked(path)
    settings = result.config.intake or IntakeSettings()
    try:
        write_keys(settings, os.environ)
    except IntakeSettingsError as error:
        raise click.ClickException(str(error)) from error
    deployment = deploy(result, project_id)
    running = dev_address(deployment.root) or {}
    address = address or running.get("address") or DEFAULT_ADDRESS
    try:
        sock = bind(host, port)
    except OSError as error:
        raise click.ClickException(f"cannot listen on {host}:{port}: {error.strerror}") from error
    where = f"http://{host}:{sock.getsockname()[1]}"
    click.echo(f"intake: {where} -> {address} namespace {namespace}, project {deployment.project}, "
               f"build {deployment.version}", err=True)  # fmt: skip
    _until_stopped(lambda stop: _serve_intake(programs.loaded()[deployment.version], result, deployment.project,
                                              address, namespace, task_queue or deployment.task_queue, sock, stop))  # fmt: skip


async def _serve_intake(program: Any, result: CheckResult, project: str, address: str, namespace: str,
                        task_queue: str, sock: Any, stop: asyncio.Event) -> None:  # fmt: skip
    import os

    from journeyc.intake.server import run_intake
    from journeyc.runtime.intake_settings import IntakeSettings, IntakeSettingsError
    from journeyc.serve import LiveError

    try:
        await run_intake(program, result.config.intake or IntakeSettings(), result.config.delivery, address=address,
                         namespace=namespace, project=project, task_queue=task_queue, sock=sock, stop=stop,
                         environ=os.environ)  # fmt: skip
    except IntakeSettingsError as error:
        raise LiveError(str(error)) from error
