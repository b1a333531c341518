"""The live core's side of the intake, without a server: calls held for the lateness are applied in their own time
order (as the simulator applies the log), calls `at_once` are applied on arrival, and an undeliverable address
is kept (across a snapshot too) and drops later sends with its reason."""

from __future__ import annotations

import time

from live_support import identify, live_project, per_customer, reachable, simulated, track

from journeyc.runtime.live import UNDELIVERABLE, CustomerDriver
from journeyc.runtime.segment_spec import LogEntry
from journeyc.runtime.temporal import programs


def _driver(project, lateness: float) -> CustomerDriver:
    driver = CustomerDriver.start("p", programs.loaded(), project.program.version)
    driver.lateness = lateness
    return driver


def _decided(driver: CustomerDriver) -> dict:
    return per_customer(d.record for d in driver.take_decisions())


def test_calls_out_of_order_within_the_lateness_decide_as_the_simulator(tmp_path):
    """The suppression opened by "Ticket Opened" (t0 + 1) comes before the browse offer (t0 + 2) though it arrives
    after it: the offer, ahead of the workflow's clock when it came, is held by its own time, not its arrival's."""
    project = live_project(tmp_path)
    t0 = float(int(time.time()))
    calls = [identify("ana", t0, **reachable("UTC")), track("ana", t0 + 1, "Ticket Opened"),
             track("ana", t0 + 2, "Product Viewed", product_id="p")]  # fmt: skip
    entries = project.entries(calls)
    driver = _driver(project, lateness=10.0)
    version = project.program.version
    driver.apply([list(entries[0]), list(entries[2])], version, wall=entries[0].time + 0.2)  # (2 is ahead of it)
    driver.apply([list(entries[1])], version, wall=entries[0].time + 0.4)
    assert driver.take_decisions() == []  # (held for the lateness)
    driver.advance(entries[2].time + 20)
    assert _decided(driver) == per_customer(simulated(project, calls, until=t0 + 60))
    assert driver.counts.late == 0 and driver.counts.applied == 3


def test_an_at_once_call_comes_before_the_held_ones_and_an_undeliverable_address_drops_sends(tmp_path):
    project = live_project(tmp_path)
    t0 = time.time() - 100
    version = project.program.version
    [hello, cart] = project.entries([identify("bo", t0, **reachable("UTC", email="bo@example.com")),
                                     track("bo", t0 + 1, "Checkout Started", order_id="o")])  # fmt: skip
    driver = _driver(project, lateness=5.0)
    driver.apply([list(hello)], version, wall=t0 + 0.5)
    bounce = LogEntry(0, UNDELIVERABLE, "bo", t0, None, {"channel": "email", "address": "bo@example.com"},
                      message_id="bounce-1")  # fmt: skip
    driver.apply([list(bounce)], version, wall=t0 + 0.6, at_once=True)
    assert driver.engine.ledger.undeliverable == {"bo": {"bo@example.com"}}  # (on arrival: the identify is held)
    assert driver.counts.applied == 1 and len(driver.held) == 1
    resumed = CustomerDriver.resume("p", programs.loaded(), driver.snapshot())
    resumed.apply([list(bounce)], version, wall=t0 + 6, at_once=True)
    assert resumed.counts.duplicate == 1
    resumed.apply([list(cart)], version, wall=t0 + 7)
    resumed.advance(t0 + 30)
    [(journey, _, _, message, status, reason, _, _), *_] = _decided(resumed)["bo"]
    assert (journey, message, status, reason) == ("cart_offer", "cart_offer", "dropped", "undeliverable")
