"""The customer workflow: one per customer and project, for ever, deciding every send of its customer serially.

It is started (or signalled, if running) by signal-with-start with the customer's calls (`calls` signal: the
build version the sender runs, and the accepted calls as `LogEntry` fields). It holds the customer's whole state
in the shared core (runtime/live.py over runtime/simulator.py): profile, history, segments, entries, runs and
their waits, the policy's ledger. Each time it wakes (a signal, or the next timer's moment) it applies what
came, fires what is due, starts a delivery (activity `journeyc.deliver`) for each send without waiting for it, and
logs the decisions (local activity `journeyc.record`, in the worker's own file). Temporal runs a workflow on one worker at a time, so
two journeys due at the same instant for one customer are decided one after the other, on any number of workers:
a cap of 1 holds.

Before its history grows large it waits for the deliveries in flight and continues as new, carrying its state
(runtime/snapshot.py) and the calls not applied yet. It never completes.

Everything here is deterministic: the core reads the clock only through `workflow.now()`, and the builds are the
worker's (programs.py), passed through the sandbox.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from journeyc.runtime.live import CustomerDriver, Decision
    from journeyc.runtime.temporal import programs
    from journeyc.runtime.times import format_time

WORKFLOW = "journeyc.customer"
HISTORY_EVENTS = 4_000  # continue as new past this many history events (Temporal suggests it far later)
DELIVERY_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), backoff_coefficient=2.0,
                             maximum_interval=timedelta(minutes=1))  # fmt: skip
DELIVERY_TIMEOUT = timedelta(seconds=20)  # one attempt (providers give up a network step after 10 s): a killed
# worker's delivery is retried by another worker this long after it started
DELIVERY_GIVE_UP = timedelta(days=1)  # all attempts: then the send is recorded `failed`
RECORD_TIMEOUT = timedelta(seconds=30)


def workflow_id(project: str, customer: str) -> str:
    """The id of a customer's workflow: the project and the customer's key (its userId, or anonymous key)."""
    return f"journeyc/{project}/{customer}"


@workflow.defn(name=WORKFLOW)
class CustomerWorkflow:
    def __init__(self) -> None:
        self.inbox: list[dict[str, Any]] = []  # the batches as the signals brought them (version, calls, options)
        self.driver: CustomerDriver | None = None
        self.customer = ""
        self.in_flight: set[asyncio.Task[None]] = set()

    @workflow.signal(name="calls")
    def calls(self, batch: dict[str, Any]) -> None:
        self.inbox.append(batch)

    @workflow.query(name="timeline")
    def timeline(self) -> list[str]:
        return self.driver.timeline(self.customer) if self.driver is not None else []

    @workflow.query(name="status")
    def status(self) -> dict[str, Any]:
        driver = self.driver
        if driver is None:
            return {}
        engine = driver.engine
        runs = [run for key in sorted(engine.active) for run in engine.active[key] if not run.done]
        return {
            "version": engine.program.version,
            "counts": driver.counts.as_dict(),
            "runs": sorted(f"{run.id} ({run.journey.version})" for run in runs),
            "deliveries_in_flight": len(self.in_flight),
        }

    @workflow.run
    async def run(self, start: dict[str, Any]) -> None:
        project, self.customer = start["project"], start["customer"]
        self.inbox[:0] = [_batch(pending) for pending in start.get("pending", ())]
        builds = programs.loaded()
        if start.get("state") is not None:
            driver = CustomerDriver.resume(project, builds, start["state"])
        else:
            version = start.get("version") or (self.inbox[0]["version"] if self.inbox else "")
            if version not in builds:
                raise RuntimeError(f"build {version} is not loaded by this worker")  # (the task is retried)
            driver = CustomerDriver.start(project, builds, version)
        self.driver = driver
        while True:
            if not self.inbox:
                wake = driver.next_wake()
                timeout = None if wake is None else timedelta(seconds=max(wake - workflow.now().timestamp(), 0.0))
                with contextlib.suppress(TimeoutError):  # (woken by the clock: a timer is due)
                    await workflow.wait_condition(lambda: bool(self.inbox), timeout=timeout)
            wall = workflow.now().timestamp()
            batches, self.inbox = self.inbox, []
            for batch in batches:
                version = batch["version"]
                if version not in builds:
                    raise RuntimeError(f"build {version} is not loaded by this worker")
                if "lateness" in batch:  # (the intake's setting, as it is now)
                    driver.lateness = float(batch["lateness"])
                driver.apply(batch["calls"], version, wall, at_once=bool(batch.get("at_once")))
            driver.advance(wall)
            decisions = driver.take_decisions()
            if decisions:
                for decision in decisions:  # (deliveries first: a code must not wait for the log)
                    if decision.record["status"] == "sent":
                        self._deliver(project, decision)
                await self._record([_logged(d) for d in decisions])
            info = workflow.info()
            if info.get_current_history_length() > HISTORY_EVENTS or info.is_continue_as_new_suggested():
                while self.in_flight:
                    await asyncio.wait(list(self.in_flight))
                pending = list(self.inbox)
                state = driver.snapshot()
                workflow.continue_as_new(
                    {"project": project, "customer": self.customer, "state": state, "pending": pending}
                )

    async def _record(self, lines: list[dict[str, Any]]) -> None:
        # A local activity: it runs in this worker, next to the workflow, without a round trip through a task queue
        # (the log is the worker's own file); retried like any activity.
        await workflow.execute_local_activity(
            "journeyc.record", lines, start_to_close_timeout=RECORD_TIMEOUT,
            retry_policy=RetryPolicy(maximum_interval=timedelta(seconds=10)),
        )  # fmt: skip

    def _deliver(self, project: str, decision: Decision) -> None:
        task = asyncio.create_task(self._delivery(project, decision))
        self.in_flight.add(task)
        task.add_done_callback(self.in_flight.discard)

    async def _delivery(self, project: str, decision: Decision) -> None:
        record = decision.record
        fields = {
            "key": decision.key, "project": project, "user_id": self.customer, "journey": record["journey"],
            "step": record["step"], "channel": record["channel"] or "", "kind": decision.kind or "",
            "message": record["message"], "category": record["category"], "to": decision.to,
            "content": record["content"] or {}, "offer": record["offer"], "arm": record["arm"],
            "time": workflow.now().timestamp(), "run": record["run"],
        }  # fmt: skip
        try:
            await workflow.execute_activity(
                "journeyc.deliver", fields, start_to_close_timeout=DELIVERY_TIMEOUT,
                schedule_to_close_timeout=DELIVERY_GIVE_UP, retry_policy=DELIVERY_RETRY,
            )  # fmt: skip
        except ActivityError as error:
            cause = error.cause
            reason = cause.message if isinstance(cause, ApplicationError) else str(cause or error)
            failed = {**record, "time": format_time(workflow.now().timestamp()), "status": "failed",
                      "reason": reason, "content": None}  # fmt: skip
            await self._record([{**failed, "key": f"{decision.key}/failed"}])


def _batch(pending: Any) -> dict[str, Any]:
    """A batch carried across continue-as-new (a [version, calls] pair from a worker before batches had options)."""
    if isinstance(pending, dict):
        return pending
    version, calls = pending
    return {"version": version, "calls": calls}


def _logged(decision: Decision) -> dict[str, Any]:
    """A decision as a line of the log: the outbox record and a key of its own (a send held for quiet hours is
    decided more than once, at different times)."""
    record = decision.record
    return {**record, "key": f"{decision.key}/{record['status']}/{record['time']}"}
