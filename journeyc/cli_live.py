"""The live runtime's commands: `journeyc worker`, `journeyc dev` and `journeyc inspect`. Thin: serve.py works.

The signal handlers live here (the command line's entry point), never in the library: Ctrl-C or SIGTERM sets
the stop event, and the worker shuts down gracefully (activities in flight finish; a worker stopped this way
leaves no workflow waiting on it).
"""

from __future__ import annotations

import asyncio
import re
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
@click.option(
    "--intake-port", default=0, type=click.IntRange(0, 65535), help="The intake's port (default: a free one)."
)
@_guard
def dev(path: str | None, port: int | None, intake_port: int) -> None:
    """Run everything on this machine: the Temporal dev server, a worker, the intake, and say where things are.

    The dev server keeps its state in .journeyc/temporal.db, so a restart keeps customers where they were.
    Every channel delivers to .journeyc/outbox.jsonl unless journeyc.toml's [delivery] says otherwise.
    """
    from journeyc.serve import deploy, run_dev, worker_settings

    result = _checked(path)
    deployment = deploy(result)
    settings = worker_settings(deployment, result)
    _until_stopped(lambda stop: run_dev(deployment, settings, stop, click.echo, port, intake=result.config.intake,
                                        delivery=result.config.delivery, intake_port=intake_port))  # fmt: skip


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
    if not re.fullmatch(r"[^\s:/]+:\d{1,5}", address):
        raise click.BadParameter(f"{address!r} is not HOST:PORT", param_hint="--address")
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


@click.command(name="send-events")
@click.argument("log", type=click.Path(exists=True, dir_okay=False))
@click.option("--to", "url", help="The intake's URL (default: where the project's `journeyc dev` runs it).")
@click.option("--write-key", help="The write key (default: the first of JOURNEYC_WRITE_KEYS, or `journeyc dev`'s).")
@click.option("--rate", type=click.FloatRange(min=0.1), help="At most this many calls a second (default: no limit).")
@click.option("--batch", "batch_size", default=100, show_default=True, type=click.IntRange(1, 2500),
              help="Calls per request.")  # fmt: skip
@click.option("--project", "project_path", type=click.Path(), help="The project whose `journeyc dev` to send to.")
@_guard
def send_events(
    log: str, url: str | None, write_key: str | None, rate: float | None, batch_size: int, project_path: str | None
) -> None:
    """Replay a JSONL log of Segment calls (the simulator's input) into a running intake, with progress.

    A 503 (Temporal unavailable) is retried with backoff; calls the intake refuses are listed by log line. Exits 1
    when any call was refused.
    """
    import os

    from journeyc.intake.replay import ReplayError, read_calls, replay
    from journeyc.serve import dev_address

    if url is None or write_key is None:
        running = dev_address(find_project(project_path).root) or {}
        url = url or running.get("intake")
        write_key = write_key or next(iter(_keys(os.environ.get("JOURNEYC_WRITE_KEYS", ""))), None)
        write_key = write_key or running.get("write_key")
    if not url:
        raise click.UsageError("no intake to send to: start `journeyc dev` in the project, or give --to URL")
    if not write_key:
        raise click.UsageError("no write key: give --write-key or set JOURNEYC_WRITE_KEYS")
    with open(log, encoding="utf-8", errors="replace") as lines:
        calls, unreadable = read_calls(lines)

    def progress(done: Any, total: int) -> None:
        click.echo(f"\rsent {done.sent + len(done.rejected)}/{total}, refused {len(done.rejected)}", nl=False,
                   err=True)  # fmt: skip

    try:
        done = replay(calls, url, write_key, batch=batch_size, rate=rate, progress=progress)
    except ReplayError as error:
        raise click.ClickException(str(error)) from error
    click.echo("", err=True)
    refused = sorted(unreadable + done.rejected)
    for line, field, reason in refused[:50]:
        click.echo(f"{log}:{line}: {field + ': ' if field else ''}{reason}")
    if len(refused) > 50:
        click.echo(f"... and {len(refused) - 50} more")
    click.echo(f"{done.sent} calls accepted, {len(refused)} refused ({done.retries} retries) by {url}")
    if refused:
        sys.exit(1)


def _keys(raw: str) -> list[str]:
    return [key.strip() for key in raw.split(",") if key.strip()]
