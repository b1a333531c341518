"""A worker: runs customers' workflows and their activities for one project's builds, until told to stop.

The builds come from a BuildStore (every build the project ever deployed, so runs finish on the build they started
with); deliveries go through the project's providers (runtime/delivery/). Workflows run in Temporal's sandbox with
the runtime (and the template engine it uses) passed through: loaded once per process, they read nothing but
their workflow's own history.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from temporalio.client import Client
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from journeyc.runtime.builds import BuildStore
from journeyc.runtime.delivery.routing import DeliveryService
from journeyc.runtime.program import Program
from journeyc.runtime.temporal import programs
from journeyc.runtime.temporal.activities import Activities
from journeyc.runtime.temporal.workflow import CustomerWorkflow

# Loaded once per worker and shared by every workflow: the runtime and what it renders with (Jinja2 in the sandbox
# fails on its locks; zone objects made inside passed-through code are plain ones).
PASSED_THROUGH = ("journeyc", "jinja2", "markupsafe", "orjson", "tzdata")


def sandbox() -> SandboxedWorkflowRunner:
    return SandboxedWorkflowRunner(restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSED_THROUGH))


def load_builds(store: BuildStore) -> list[str]:
    """Register every build of the store with this process; their versions, oldest name first."""
    versions = store.versions()
    for version in versions:
        if version not in programs.loaded():
            programs.register(Program(store.load(version)))
    return versions


@dataclass
class WorkerSettings:
    task_queue: str
    decisions: Path  # the log of decisions (the outbox format)
    delivery: DeliveryService
    max_activities: int = 32


def make_worker(client: Client, settings: WorkerSettings) -> Worker:
    activities = Activities(settings.decisions, settings.delivery)
    return Worker(
        client,
        task_queue=settings.task_queue,
        workflows=[CustomerWorkflow],
        activities=[activities.record, activities.deliver],
        activity_executor=ThreadPoolExecutor(max_workers=settings.max_activities),
        max_concurrent_activities=settings.max_activities,
        workflow_runner=sandbox(),
    )


async def serve(client: Client, settings: WorkerSettings, stop: asyncio.Event) -> None:
    """Run a worker until `stop` is set; then shut it down gracefully (activities in flight finish)."""
    try:
        async with make_worker(client, settings):
            await stop.wait()
    finally:
        settings.delivery.close()
