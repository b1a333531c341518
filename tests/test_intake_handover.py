"""Identity across workflows: an anonymous visitor who signs up keeps one history. Without a server, the two
customers' drivers go through the hand-over the workflows make (the anonymous one's whole state folded into the
identified one's engine before the tying call) and decide as the simulator decides on the same log; on a real dev
server, through the intake, the workflows do it themselves."""

from __future__ import annotations

import asyncio
import time

import pytest
from intake_support import running_intake
from live_support import live_project, per_customer, simulated, wait_for

from journeyc.runtime.identity import anonymous_key
from journeyc.runtime.live import CustomerDriver
from journeyc.runtime.temporal import programs
from journeyc.runtime.times import format_time


def _calls(t: float) -> list[dict]:
    def at(seconds: float) -> str:
        return format_time(t + seconds)

    traits = {"email": "a@example.com", "email_opt_in": True, "phone": "+15550001", "sms_opt_in": True,
              "timezone": "UTC"}  # fmt: skip
    return [
        {"type": "identify", "anonymousId": "a1", "traits": traits, "timestamp": at(0)},
        {"type": "track", "anonymousId": "a1", "event": "Checkout Started", "properties": {"order_id": "o1"},
         "timestamp": at(1)},
        {"type": "identify", "userId": "u1", "anonymousId": "a1", "traits": {"first_name": "Ann"}, "timestamp": at(3)},
        {"type": "track", "userId": "u1", "event": "Product Viewed", "properties": {}, "timestamp": at(4)},
        {"type": "track", "anonymousId": "a1", "event": "Ticket Opened", "timestamp": at(5)},
        {"type": "track", "userId": "u1", "event": "Checkout Started", "properties": {"order_id": "o2"},
         "timestamp": at(6)},
    ]  # fmt: skip


def test_the_hand_over_between_two_drivers_decides_as_the_simulator(tmp_path):
    project = live_project(tmp_path)
    t = float(int(time.time()))
    calls = _calls(t)
    entries = [list(e) for e in project.entries(calls)]
    version = project.program.version
    anonymous = CustomerDriver.start("p", programs.loaded(), version)
    user = CustomerDriver.start("p", programs.loaded(), version)
    anonymous.apply(entries[:2], version, wall=t + 1.2)
    anonymous.advance(t + 4.5)  # (the cart's text, a second later, is sent by the anonymous workflow)
    wanted = user.expects(entries[2:4])
    assert wanted == [anonymous_key("a1")]
    user.absorb(wanted[0], anonymous.snapshot(), wall=t + 4.5)
    assert user.expects(entries[2:4]) == []  # (asked once)
    user.apply(entries[2:4], version, wall=t + 4.6)
    user.apply(entries[4:], version, wall=t + 6.5)  # (the anonymous call, forwarded)
    user.advance(t + 60)
    decided = [d.record for d in anonymous.take_decisions() + user.take_decisions()]
    expected = simulated(project, calls, until=t + 60)
    assert per_customer(decided) == per_customer(expected)
    assert {r["message"] for r in expected} >= {"cart_offer", "cart_text", "browse_offer"}
    assert (anonymous.counts.applied, user.counts.applied) == (2, 4)  # (each call applied once, in one of them)


@pytest.mark.slow
def test_workflows_hand_over_an_anonymous_visitor_through_the_intake(dev_server, tmp_path):
    project = live_project(tmp_path)
    t = time.time()
    calls = _calls(t)

    async def scenario() -> None:
        async with running_intake(project, dev_server, "handover") as intake:
            for n, call in enumerate(calls):  # (one request each, in the log's order, at its time)
                await asyncio.sleep(max(0.0, t + n * 0.8 - time.time()))
                assert (await intake.post(f"/v1/{call['type']}", call)).status_code == 200
            want = per_customer(simulated(project, calls, until=t + 60))
            assert await wait_for(lambda: per_customer(project.logged()) == want, timeout=40), project.logged()
            status = await intake.status(anonymous_key("a1"))
            assert status["forward_to"] == "u1"
            for _ in range(50):
                counts = [(await intake.status(key))["counts"]["applied"] for key in (anonymous_key("a1"), "u1")]
                if sum(counts) == len(calls):
                    break
                await asyncio.sleep(0.2)
            # Each call applied once, in one of them: the anonymous "Ticket Opened" forwarded to u1's workflow, and
            # what the anonymous one still held for the lateness carried over in its state.
            assert sum(counts) == len(calls) and counts[1] >= 4

    asyncio.run(scenario())
