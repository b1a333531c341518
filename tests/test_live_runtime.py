"""The live runtime's guarantees, on a real Temporal dev server: the cap holds across workers, deploys never hurt
runs in flight, recorded histories replay, waits decide by the event's own time, and `journeyc dev` starts and
stops cleanly.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from live_support import (
    REPO_ROOT,
    identify,
    live_project,
    per_customer,
    reachable,
    simulated,
    track,
    wait_for,
    worker_process,
    zone_at,
)
from temporalio.worker import Replayer

from journeyc.runtime.temporal.client import send_calls, signal_customer
from journeyc.runtime.temporal.worker import sandbox, serve
from journeyc.runtime.temporal.workflow import CustomerWorkflow, workflow_id

pytestmark = pytest.mark.slow  # (a real Temporal dev server, waits of seconds)


def test_two_journeys_due_at_once_never_both_send_on_two_workers(dev_server, tmp_path):
    """200 customers, each sent two events at once that start two promotions competing for a cap of 1, with two
    worker processes taking the work: exactly one promotion reaches each customer."""
    project = live_project(tmp_path)
    customers = [f"u{n:03d}" for n in range(200)]
    logs = tmp_path / "workers.log"
    workers = [worker_process(project, dev_server, "race", logs) for _ in range(2)]

    async def scenario() -> None:
        client = await dev_server.client()
        t0 = time.time()
        day = zone_at(14)
        gate = asyncio.Semaphore(40)

        async def customer(user: str) -> None:
            async with gate:
                [hello] = project.entries([identify(user, t0, email=f"{user}@example.com", email_opt_in=True,
                                                    timezone=day)])  # fmt: skip
                await signal_customer(client, project.deployment.project, "race", project.deployment.version,
                                      user, [hello])  # fmt: skip
                at = time.time()
                cart, browse = project.entries([track(user, at, "Checkout Started", order_id=f"o-{user}"),
                                                track(user, at, "Product Viewed", product_id="p-1")])  # fmt: skip
                await asyncio.gather(*(signal_customer(client, project.deployment.project, "race",
                                                       project.deployment.version, user, [event])
                                       for event in (cart, browse)))  # fmt: skip

        await asyncio.gather(*(customer(user) for user in customers))

        def decided() -> int:
            return sum(1 for r in project.logged() if r["channel"] == "email")

        assert await wait_for(lambda: decided() >= 2 * len(customers), timeout=180), decided()
        await asyncio.sleep(2.0)

    try:
        asyncio.run(scenario())
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(60)
    emails = [r for r in project.logged() if r["channel"] == "email"]
    for user in customers:
        mine = [(r["journey"], r["status"], r["reason"]) for r in emails if r["user_id"] == user]
        assert sorted(status for _, status, _ in mine) == ["dropped", "sent"], (user, mine)
        assert [reason for _, status, reason in mine if status == "dropped"] == ["cap"], (user, mine)
    delivered = [json.loads(line) for line in (project.deployment.state / "outbox.jsonl").read_text().splitlines()]
    assert sorted(r["user_id"] for r in delivered if r["channel"] == "email") == customers
    assert all(worker.returncode == 0 for worker in workers), logs.read_text()


UPGRADE_V1 = """
import "company.journey"
import "events.journey"

message before_wait on email { subject "Hello" text "Inserted in version two. Unsubscribe: https://shop.example/u" }
message after_wait on email { subject "Your picks" text "Version one of this email. Unsubscribe: https://shop.example/u" }

journey upgrade "Upgrade" {
  owner growth
  category lifecycle
  trigger "Product Viewed"
  entry once
  wait 5 seconds
  send email after_wait
}
"""
UPGRADE_V2 = UPGRADE_V1.replace("Version one", "Version two").replace(
    "  wait 5 seconds\n", "  send email before_wait\n  wait 5 seconds\n"
)


def test_a_deploy_never_hurts_runs_in_flight_and_histories_replay(dev_server, tmp_path):
    """Runs started on build v1 wait; build v2 inserts a step before their wait and changes the later message.
    After the deploy the waiting runs finish as v1 defined them, with no duplicate send, and new entries follow
    v2. Every recorded history then replays with temporalio's Replayer without a non-determinism error."""
    v1 = live_project(tmp_path, files={"upgrade.journey": UPGRADE_V1})
    day = zone_at(14)
    early, late = ["a1", "a2", "a3"], ["b1", "b2", "b3"]

    async def scenario() -> None:
        client = await dev_server.client()
        stop = asyncio.Event()
        worker = asyncio.create_task(serve(client, v1.settings("deploy"), stop))
        t0 = time.time()
        calls = [identify(u, t0, **reachable(day)) for u in early]
        calls += [track(u, t0, "Product Viewed") for u in early]
        await send_calls(client, v1.deployment.project, "deploy", v1.deployment.version, v1.entries(calls))
        await asyncio.sleep(1.5)  # they wait now
        stop.set()
        await worker  # (a graceful stop: the deploy)
        v2 = live_project(tmp_path, files={"upgrade.journey": UPGRADE_V2})
        assert v2.deployment.version != v1.deployment.version and v1.deployment.version in v2.deployment.versions
        stop = asyncio.Event()
        worker = asyncio.create_task(serve(client, v2.settings("deploy"), stop))
        t1 = time.time()
        calls = [identify(u, t1, **reachable(day)) for u in late]
        calls += [track(u, t1, "Product Viewed") for u in late]
        await send_calls(client, v2.deployment.project, "deploy", v2.deployment.version, v2.entries(calls))

        def done() -> bool:
            return sum(r["journey"] == "upgrade" and r["status"] == "sent" for r in v1.logged()) >= 9

        assert await wait_for(done, timeout=40)
        await asyncio.sleep(1.0)
        histories = [await client.get_workflow_handle(workflow_id(v1.deployment.project, u)).fetch_history()
                     for u in early + late]  # fmt: skip
        stop.set()
        await worker
        replayer = Replayer(workflows=[CustomerWorkflow], workflow_runner=sandbox())
        for history in histories:  # (raises on a non-determinism error)
            await replayer.replay_workflow(history)

    asyncio.run(scenario())
    sent = [r for r in v1.logged() if r["journey"] == "upgrade" and r["status"] == "sent"]
    for user in early:
        assert [(r["message"], r["content"]["text"][:11]) for r in sent if r["user_id"] == user] == [
            ("after_wait", "Version one")
        ]
    for user in late:
        assert [(r["message"], r["content"]["text"][:11]) for r in sent if r["user_id"] == user] == [
            ("before_wait", "Inserted in"),
            ("after_wait", "Version two"),
        ]


def test_a_wait_decides_by_the_events_own_time_through_an_outage_and_a_slow_hand_over(dev_server, tmp_path):
    """An OTP verified in time never falls back to email: not when the worker was down until after the wait's
    deadline, and not when the event reached the workflow after the deadline though it happened before it."""
    project = live_project(tmp_path)
    settings = project.settings("late")
    day = zone_at(14)

    async def scenario() -> list[dict]:
        client = await dev_server.client()
        # Whole seconds: a call's timestamp keeps only whole seconds, so what is in time must stay in time once cut
        # (from t1 = 10.6, "OTP Requested" at 10 and "OTP Verified" at 13.1 -> 13: the wait's deadline itself).
        t0 = float(int(time.time()))
        down = [identify("out", t0, **reachable(day)), track("out", t0, "OTP Requested", code="111111"),
                track("out", t0 + 1, "OTP Verified")]  # fmt: skip
        for call in down:  # no worker runs: the calls wait in the workflow's history
            await asyncio.sleep(max(0.0, project.entries([call])[0].time - time.time()))
            await send_calls(client, project.deployment.project, "late", project.deployment.version,
                             project.entries([call]))  # fmt: skip
        await asyncio.sleep(max(0.0, t0 + 6 - time.time()))  # well past the 3-second wait
        stop = asyncio.Event()
        worker = asyncio.create_task(serve(client, settings, stop))
        t1 = float(int(time.time()))
        slow = [identify("slow", t1, **reachable(day)), track("slow", t1, "OTP Requested", code="222222")]
        await send_calls(client, project.deployment.project, "late", project.deployment.version,
                         project.entries(slow))  # fmt: skip
        verified = track("slow", t1 + 2.5, "OTP Verified")  # in time...
        await asyncio.sleep(max(0.0, t1 + 3.8 - time.time()))  # ... handed over after the deadline
        await send_calls(client, project.deployment.project, "late", project.deployment.version,
                         project.entries([verified]))  # fmt: skip
        await asyncio.sleep(6.0)  # a fallback would have gone out by now
        stop.set()
        await worker
        return down + slow + [verified]

    calls = asyncio.run(scenario())
    decided = per_customer(project.logged())
    assert [r[3] for r in decided["out"]] == ["otp"]
    assert [r[3] for r in decided["slow"]] == ["otp"]
    assert decided == per_customer(simulated(project, calls, time.time() + 30))


REPO = Path(__file__).resolve().parent.parent


def test_journeyc_dev_starts_serves_and_stops_cleanly(tmp_path):
    """The newcomer's command on the demo company: the dev server, a worker, where things are; `inspect` reaches
    it; Ctrl-C stops everything and exits 0."""
    shutil.copytree(REPO_ROOT / "journeys", tmp_path / "journeys")
    command = [sys.executable, "-m", "journeyc", "dev", str(tmp_path / "journeys")]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})  # fmt: skip
    lines: list[str] = []
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "press Ctrl-C" in line:
                break
        assert any(line.startswith("Temporal dev server: 127.0.0.1:") for line in lines), lines
        assert (tmp_path / "journeys" / ".journeyc" / "dev.json").is_file()
        found = subprocess.run([sys.executable, "-m", "journeyc", "inspect", str(tmp_path / "journeys"),
                                "--customer", "heather"], capture_output=True, text=True, timeout=60)  # fmt: skip
        assert found.returncode == 1 and 'no customer "heather"' in found.stderr, found
    finally:
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=60)
    assert process.returncode == 0, "".join(lines) + rest
    assert "Traceback" not in rest
    assert not (tmp_path / "journeys" / ".journeyc" / "dev.json").exists()
    assert (tmp_path / "journeys" / ".journeyc" / "temporal.db").is_file(), "state kept for the next start"
