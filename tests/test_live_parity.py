"""One core, two drivers: the same calls give the same decisions on the simulator and on Temporal.

A project with second-scale waits, a cap, quiet hours (a customer in a time zone where it is night), a suppression,
a goal, a wait-for with a timeout, and an experiment (tests/live_project). The calls are made at their own times
against a real Temporal dev server and worker; the simulator gets the same calls. For every customer, the two list
the same decisions in the same order, with the same statuses, reasons, offers, arms, runs and steps.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from live_support import (
    identify,
    live_project,
    per_customer,
    reachable,
    simulated,
    track,
    wait_for,
    zone_at,
)

from journeyc.runtime.temporal.client import send_calls
from journeyc.runtime.temporal.worker import serve

pytestmark = pytest.mark.slow  # (a real Temporal dev server, waits of seconds)


def scenario(t0: float) -> list[dict]:
    day, night = zone_at(14), zone_at(2)
    return [
        identify("ada", t0, **reachable(day, first_name="Ada")),
        identify("bo", t0, **reachable(day)),
        identify("cy", t0, **reachable(day)),
        identify("dee", t0, **reachable(night, email_opt_in=False)),
        identify("eve", t0, **reachable(day)),
        identify("fay", t0, **reachable(day)),
        track("ada", t0 + 0.5, "Signed Up"),  # welcome: an arm's email, a tip; then she orders (the goal)
        track("bo", t0 + 0.5, "OTP Requested", code="111111"),  # never verified: the email fallback after 3 s
        track("cy", t0 + 0.5, "OTP Requested", code="222222"),
        track("cy", t0 + 1.5, "OTP Verified"),  # verified in time: no fallback
        track("dee", t0 + 0.5, "Checkout Started", order_id="o-1"),  # no email consent; the text falls at night
        track("eve", t0 + 0.3, "Ticket Opened"),
        track("eve", t0 + 0.5, "Checkout Started", order_id="o-2"),  # suppressed after the ticket
        track("fay", t0 + 0.5, "Checkout Started", order_id="o-3"),  # two promotions at once: the cap takes one
        track("fay", t0 + 0.5, "Product Viewed", product_id="p-1"),
        track("ada", t0 + 9.0, "Order Completed", order_id="o-9"),
    ]


def test_the_simulator_and_the_live_worker_decide_the_same(dev_server, tmp_path):
    project = live_project(tmp_path)
    settings = project.settings("parity")

    async def live() -> tuple[list[dict], float]:
        client = await dev_server.client()
        stop = asyncio.Event()
        worker = asyncio.create_task(serve(client, settings, stop))
        t0 = time.time() + 1.0
        calls = scenario(t0)
        for at in sorted({c["timestamp"] for c in calls}):  # each moment's calls when it comes
            batch = [c for c in calls if c["timestamp"] == at]
            await asyncio.sleep(max(0.0, project.entries(batch)[0].time - time.time()))
            await send_calls(client, project.deployment.project, settings.task_queue, project.deployment.version,
                             project.entries(batch))  # fmt: skip
        expected = per_customer(simulated(project, calls, t0 + 20))
        count = sum(len(v) for v in expected.values())
        await wait_for(lambda: len(project.logged()) >= count, timeout=30)
        await asyncio.sleep(1.0)  # (nothing more may come)
        stop.set()
        await worker
        return calls, t0

    calls, t0 = asyncio.run(live())
    expected = per_customer(simulated(project, calls, t0 + 20))
    assert per_customer(project.logged()) == expected
    # The scenario covers what it says it does.
    statuses = {(record[0], record[3], record[4], record[5]) for records in expected.values() for record in records}
    assert ("one_time_password", "otp_by_email", "sent", None) in statuses
    assert ("cart_offer", "cart_text", "dropped", "quiet_hours") in statuses
    assert ("cart_offer", "cart_offer", "dropped", "suppressed") in statuses
    assert ("browse_offer", "browse_offer", "dropped", "cap") in statuses
    assert {record[7] for record in expected["ada"]} - {None}, "ada's welcome has an arm"
    assert [r[3] for r in expected["cy"]] == ["otp"], "cy verified in time: no fallback"
