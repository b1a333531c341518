"""The customer workflow: one per customer and project, for ever, deciding every send of its customer serially.

It is started (or signalled, if running) by signal-with-start with the customer's calls (`calls` signal: the
build version the sender runs, and the accepted calls as `LogEntry` fields). It holds the customer's whole state
in the shared core (runtime/live.py over runtime/simulator.py): profile, history, segments, entries, runs and
their waits, the policy's ledger. Each time it wakes (a signal, or the next timer's moment) it applies what
came, fires what is due, starts a delivery (activity `journeyc.deliver`: its first attempt a local activity) for
each send without waiting for it, and logs the decisions (local activity `journeyc.record`, in the worker's own
file). Temporal runs a workflow on one worker at a time, so two journeys due at the same instant for one customer are decided one after the other, on any number of workers:
a cap of 1 holds.

Identity across workflows (runtime/handover.py): a call that ties another customer to this one (an identify with an
anonymousId not tied yet, an alias) makes this workflow ask that customer's workflow to hand over (`hand_over`
signal); that workflow sends its driver's whole state back (`handed_over`), resets, and from then on forwards every
call it gets here. This workflow folds the state into its engine before it applies the tying call, so the engine
merges the two exactly as the simulator does. A workflow that does not exist, or was handed to another customer
already, has nothing to give; an answer that does not come within HANDOVER_TIMEOUT is taken when it comes.

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
from temporalio.exceptions import TimeoutError as AttemptTimeoutError

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
# The first attempt of a delivery runs as a local activity, in the worker that decided it: no round trip through
# the server to schedule it, and none to hand its result back (a send is one workflow task, not three: see
# benchmarks/README.md, runtime_bench). It must end well within the workflow task's 10 s, so it gets LOCAL_ATTEMPT;
# a transient failure or a slower provider goes on as an ordinary activity with DELIVERY_RETRY, and the delivery
# ledger (delivery/ledger.py) keeps a first attempt still sending from being doubled by the next.
FIRST_ATTEMPT_LOCAL = "journeyc-deliver-first-attempt-locally"  # (histories from before it replay as they ran)
LOCAL_ATTEMPT = timedelta(seconds=5)
ONE_ATTEMPT = RetryPolicy(maximum_attempts=1)
RECORD_TIMEOUT = timedelta(seconds=30)
HANDOVER_TIMEOUT = timedelta(seconds=30)  # how long a tying call waits for the other workflow's state


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
        self.requests: list[str] = []  # customers that asked this one to hand over (their keys)
        self.answers: dict[str, Any] = {}  # key -> the state another workflow handed over (None: nothing)
        self.forward_to: str | None = None  # the customer this one was handed over to

    @workflow.signal(name="calls")
    def calls(self, batch: dict[str, Any]) -> None:
        self.inbox.append(batch)

    @workflow.signal(name="hand_over")
    def hand_over(self, request: dict[str, Any]) -> None:
        self.requests.append(request["to"])

    @workflow.signal(name="handed_over")
    def handed_over(self, answer: dict[str, Any]) -> None:
        self.answers[answer["key"]] = answer.get("state")

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
            "forward_to": self.forward_to,
        }

    @workflow.run
    async def run(self, start: dict[str, Any]) -> None:
        project, self.customer = start["project"], start["customer"]
        self.forward_to = start.get("forward_to")
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
            if not (self.inbox or self.requests or self.answers):
                wake = driver.next_wake()
                timeout = None if wake is None else timedelta(seconds=max(wake - workflow.now().timestamp(), 0.0))
                with contextlib.suppress(TimeoutError):  # (woken by the clock: a timer is due)
                    await workflow.wait_condition(lambda: bool(self.inbox or self.requests or self.answers),
                                                  timeout=timeout)  # fmt: skip
            wall = workflow.now().timestamp()
            for key in list(self.answers):  # (late answers to an earlier hand-over)
                driver.absorb(key, self.answers.pop(key), wall)
            if self.requests:
                driver = self.driver = await self._answer_requests(project, driver)
            batches, self.inbox = self.inbox, []
            for batch in batches:
                version = batch["version"]
                if version not in builds:
                    raise RuntimeError(f"build {version} is not loaded by this worker")
                if self.forward_to is not None:  # (handed over: the calls belong to that customer now)
                    await self._signal(project, self.forward_to, "calls", batch)
                    continue
                wanted = driver.expects(batch["calls"])
                if wanted:
                    await self._take_over(project, driver, wanted)
                    wall = workflow.now().timestamp()
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
                workflow.continue_as_new({"project": project, "customer": self.customer, "state": state,
                                          "pending": pending, "forward_to": self.forward_to})  # fmt: skip

    async def _signal(self, project: str, customer: str, name: str, arg: dict[str, Any]) -> None:
        await workflow.get_external_workflow_handle(workflow_id(project, customer)).signal(name, arg)

    async def _take_over(self, project: str, driver: CustomerDriver, wanted: list[str]) -> None:
        """Ask the workflows of `wanted` for their customers' state, and fold in what comes within the timeout."""
        for key in wanted:
            try:
                await self._signal(project, key, "hand_over", {"to": self.customer})
            except Exception:  # (no such workflow: nobody holds that customer)
                self.answers[key] = None
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(lambda: all(key in self.answers for key in wanted), timeout=HANDOVER_TIMEOUT)
        wall = workflow.now().timestamp()
        for key in wanted:
            if key in self.answers:
                driver.absorb(key, self.answers.pop(key), wall)

    async def _answer_requests(self, project: str, driver: CustomerDriver) -> CustomerDriver:
        """Hand this customer's whole state to the first customer that asks (once); the others get nothing. A
        driver handed over is replaced by an empty one: its runs go on in the other workflow."""
        requests, self.requests = self.requests, []
        for to in requests:
            state = None
            if self.forward_to is None and to != self.customer:
                state, self.forward_to, counts = driver.snapshot(), to, driver.counts
                driver = CustomerDriver.start(project, driver.programs, driver.engine.program.version)
                driver.counts = counts  # (what this workflow applied, before it handed over)
            await self._signal(project, to, "handed_over", {"key": self.customer, "state": state})
        return driver

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
            if workflow.patched(FIRST_ATTEMPT_LOCAL):
                try:
                    await workflow.execute_local_activity(
                        "journeyc.deliver", fields, start_to_close_timeout=LOCAL_ATTEMPT, retry_policy=ONE_ATTEMPT
                    )
                    return
                except (ActivityError, ApplicationError, AttemptTimeoutError) as error:
                    # (a local activity's failure may come as its cause itself, not wrapped in an ActivityError)
                    cause = error.cause if isinstance(error, ActivityError) else error
                    if isinstance(cause, ApplicationError) and cause.non_retryable:
                        await self._failed(decision, cause.message)
                        return
                    # transient, or too slow: the next attempts go through the server
                    workflow.logger.info("delivery %s goes on as an activity: %s", decision.key, cause)
            await workflow.execute_activity(
                "journeyc.deliver", fields, start_to_close_timeout=DELIVERY_TIMEOUT,
                schedule_to_close_timeout=DELIVERY_GIVE_UP, retry_policy=DELIVERY_RETRY,
            )  # fmt: skip
        except ActivityError as error:
            cause = error.cause
            await self._failed(decision, cause.message if isinstance(cause, ApplicationError) else str(cause or error))

    async def _failed(self, decision: Decision, reason: str) -> None:
        """Log a send the provider refused for good, or that no attempt could deliver."""
        failed = {**decision.record, "time": format_time(workflow.now().timestamp()), "status": "failed",
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
