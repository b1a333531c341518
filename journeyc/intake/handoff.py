"""Handing accepted calls to their customers' workflows: signal-with-start, within a time limit, one signal per
customer at a time.

The intake answers 200 only once every call of the request is in its workflow (Temporal has it durably). When the
server cannot be reached or is slow (`timeout` seconds), UnavailableError is raised and the intake answers 503 with
Retry-After: nothing is acknowledged that might not be there. A signal that did reach its workflow before the time
ran out is harmless when the client sends the request again: the workflow drops a messageId it has seen (live.py).

Group commit: while a customer's signal is in flight, the calls other requests bring for that customer wait and
go together in the next signal, so concurrent requests cost Temporal one signal per customer rather than one per
request, and a customer's calls reach the workflow in the order the intake took them.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import Any

from journeyc.runtime.segment_spec import LogEntry
from journeyc.runtime.temporal.client import by_customer, signal_customer

_Waiting = list[tuple[list[LogEntry], "asyncio.Future[None]"]]


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
        self.waiting: dict[tuple[str, str], _Waiting] = {}  # (customer, options) -> calls waiting, their requests
        self.busy: set[tuple[str, str]] = set()  # those with a signal in flight
        self.signals = 0  # signals sent (for the benchmark)
        self.flushing: set[asyncio.Task[None]] = set()

    async def send(self, entries: Sequence[LogEntry], **options: Any) -> None:
        """Every call to its customer's workflow; UnavailableError when they are not all taken within the timeout."""
        if not entries:
            return
        merged = {**self.options, **options}
        tag = json.dumps(merged, sort_keys=True)
        loop = asyncio.get_running_loop()
        futures: list[asyncio.Future[None]] = []
        for customer, calls in by_customer(entries).items():
            future: asyncio.Future[None] = loop.create_future()
            key = (customer, tag)
            self.waiting.setdefault(key, []).append((calls, future))
            futures.append(future)
            if key not in self.busy:
                self.busy.add(key)
                task = loop.create_task(self._flush(key, merged))
                self.flushing.add(task)
                task.add_done_callback(self.flushing.discard)
        try:
            outcomes = await asyncio.wait_for(asyncio.gather(*futures, return_exceptions=True), self.timeout)
        except TimeoutError:
            raise UnavailableError(f"the Temporal server did not take the calls within {self.timeout:g} s") from None
        for outcome in outcomes:
            if isinstance(outcome, TimeoutError):
                raise UnavailableError(f"the Temporal server did not take the calls within {self.timeout:g} s")
            if isinstance(outcome, BaseException):  # (the SDK's RPCError, RuntimeError of a lost connection)
                raise UnavailableError(f"the Temporal server is unreachable: {outcome}")

    async def _flush(self, key: tuple[str, str], options: dict[str, Any]) -> None:
        """Signal the customer's waiting calls, one signal at a time, until none wait."""
        try:
            while self.waiting.get(key):
                pending = self.waiting.pop(key)
                calls = [call for batch, _ in pending for call in batch]
                self.signals += 1
                try:
                    signal = signal_customer(self.client, self.project, self.task_queue, self.version, key[0], calls,
                                             **options)  # fmt: skip
                    await asyncio.wait_for(signal, self.timeout)
                except BaseException as error:  # (a timeout, the SDK's errors; cancelled: the intake stops)
                    for _, future in pending:
                        if not future.done():
                            future.set_exception(error if isinstance(error, Exception) else TimeoutError())
                    if not isinstance(error, Exception):
                        raise
                else:
                    for _, future in pending:
                        if not future.done():
                            future.set_result(None)
        finally:
            self.busy.discard(key)
