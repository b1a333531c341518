"""Sending calls to customers' workflows: signal-with-start, one signal per customer per batch.

A call goes to the workflow of the customer it names: its userId, or the anonymous key of its anonymousId (an
`alias` and an identify carrying both ids go to the userId's). Every call is stamped with the build version the
sender runs, which new entries follow.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from typing import Any

from temporalio.client import Client

from journeyc.runtime.identity import anonymous_key
from journeyc.runtime.segment_spec import LogEntry
from journeyc.runtime.temporal.workflow import WORKFLOW, workflow_id


def customer_of(entry: LogEntry) -> str:
    """The key of the customer whose workflow a call goes to."""
    if entry.user_id is not None:
        return entry.user_id
    assert entry.anonymous_id is not None
    return anonymous_key(entry.anonymous_id)


def by_customer(entries: Iterable[LogEntry]) -> dict[str, list[LogEntry]]:
    grouped: dict[str, list[LogEntry]] = {}
    for entry in entries:
        grouped.setdefault(customer_of(entry), []).append(entry)
    return grouped


async def signal_customer(
    client: Client,
    project: str,
    task_queue: str,
    version: str,
    customer: str,
    entries: Sequence[LogEntry],
    **options: Any,
) -> None:
    """Hand a customer's calls to its workflow (starting it if it does not run): durable once this returns.
    `options` ride with the batch: `lateness` (seconds, the intake's setting), `at_once` (apply on arrival)."""
    batch: dict[str, Any] = {"version": version, "calls": [list(entry) for entry in entries], **options}
    await client.start_workflow(
        WORKFLOW,
        {"project": project, "customer": customer, "version": version},
        id=workflow_id(project, customer),
        task_queue=task_queue,
        start_signal="calls",
        start_signal_args=[batch],
    )


async def send_calls(
    client: Client, project: str, task_queue: str, version: str, entries: Iterable[LogEntry], concurrency: int = 32
) -> None:
    """Every call to its customer's workflow, customers in parallel, each customer's calls in order."""
    gate = asyncio.Semaphore(concurrency)

    async def one(customer: str, calls: list[LogEntry]) -> None:
        async with gate:
            await signal_customer(client, project, task_queue, version, customer, calls)

    await asyncio.gather(*(one(customer, calls) for customer, calls in by_customer(entries).items()))
