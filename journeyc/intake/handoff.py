"""Handing accepted calls to their customers' workflows: signal-with-start, one signal per customer per request,
every customer's in parallel, within a time limit.

The intake answers 200 only once every signal returned (Temporal has the calls durably). When the server cannot
be reached or is slow (`timeout` seconds), `UnavailableError` is raised and the intake answers 503 with Retry-After:
nothing is acknowledged that might not be there. A signal that did reach its workflow before the time ran out is
harmless when the client sends the request again: the workflow drops a messageId it has seen (live.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from journeyc.runtime.segment_spec import LogEntry
from journeyc.runtime.temporal.client import by_customer, signal_customer


class UnavailableError(Exception):
    """Temporal did not take the calls in time (unreachable, or slow)."""


class Handoff:
    """Where accepted calls go: the project's workflows on a Temporal client, stamped with the build `version`."""

    def __init__(self, client: Any, project: str, task_queue: str, version: str, *, timeout: float = 5.0,
                 options: dict[str, Any] | None = None) -> None:  # fmt: skip
        self.client = client
        self.project = project
        self.task_queue = task_queue
        self.version = version
        self.timeout = timeout
        self.options = options or {}  # what every batch carries to the workflow (the lateness)

    async def send(self, entries: Sequence[LogEntry], **options: Any) -> None:
        """Every call to its customer's workflow; UnavailableError when they are not all taken within the timeout."""
        if not entries:
            return
        grouped = by_customer(entries)
        signals = [
            signal_customer(self.client, self.project, self.task_queue, self.version, customer, calls,
                            **{**self.options, **options})
            for customer, calls in grouped.items()
        ]  # fmt: skip
        try:
            await asyncio.wait_for(asyncio.gather(*signals), self.timeout)
        except TimeoutError:
            raise UnavailableError(f"the Temporal server did not take the calls within {self.timeout:g} s") from None
        except Exception as error:  # (the SDK's RPCError, RuntimeError of a lost connection)
            raise UnavailableError(f"the Temporal server is unreachable: {error}") from None
