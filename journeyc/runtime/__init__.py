"""What generated journey code calls: the runtime contract. It imports nothing from the compiler.

A generated journey module defines `async def run(journey: JourneyRun) -> None`. Every side effect and every
source of time or chance goes through `journey`, with the step id the compiler gave the step (`"3"`,
`"5.if1.2"`, `"6.a.1"`), so an executor can replay it deterministically (a Temporal workflow) or run it on a
virtual clock (the simulator), and make each send idempotent by (run, step id):

| step in the language | generated call |
|---|---|
| `send email welcome with offer WELCOME10` | `await journey.send("2", channel="email", message="welcome", offer="WELCOME10")` |
| `wait 2 days` | `await journey.wait("3", seconds=172800)` |
| `wait until monday at 10:00` | `await journey.wait_until("4", hour=10, minute=0, weekday="monday")` |
| `wait up to 5 days for "X" where ...` | `if await journey.wait_for("5", event="X", where=COND, timeout=432000):` |
| `if ... { } else { }` | `if journey.test("6", COND): ... else: ...` |
| `experiment t { holdout 10% arm a 45% ... }` | `arm = journey.arm("7", experiment="t", arms=(("a", 45.0), ...), holdout=10.0)` |
| `exit` | `journey.exit("8")` then `return` |

Conditions are plain data (nested dicts, the IR's condition shape without source positions: `Condition`, declared
and explained in runtime/conditions/data.py), evaluated by the executor with `conditions.compile_condition`.
Segments, the contact policy, offers, channels and message metadata are emitted as JSON data the executor reads;
templates as files, which every executor renders with `journeyc.runtime.render.MessageRenderer` (one renderer for
the simulator and the live runtime).
"""

from __future__ import annotations

import hashlib
from typing import Protocol

from journeyc.runtime.conditions.data import Condition

__all__ = ["Condition", "JourneyRun", "assign_arm"]


class JourneyRun(Protocol):
    """One customer's run of one journey, as the executor provides it to generated code."""

    async def send(self, step: str, *, channel: str | None, message: str, offer: str | None = None) -> None:
        """Send a message now (the executor applies consent, caps, quiet hours and suppressions)."""

    async def wait(self, step: str, *, seconds: int) -> None:
        """Wait a fixed time; the executor's clock, never the wall clock."""

    async def wait_until(self, step: str, *, hour: int, minute: int, weekday: str | None = None) -> None:
        """Wait until the next such local time of the customer (weekday: a day name, "weekday" or None)."""

    async def wait_for(self, step: str, *, event: str, where: Condition | None, timeout: int) -> bool:
        """Wait for the customer's next matching event; True if it came, False if the timeout ran out."""

    def test(self, step: str, condition: Condition) -> bool:
        """Evaluate a condition over the profile, the trigger event, segments and behaviour, now."""

    def arm(self, step: str, *, experiment: str, arms: tuple[tuple[str, float], ...], holdout: float) -> str | None:
        """The customer's experiment arm (None for the holdout); stable: see `assign_arm`."""

    def exit(self, step: str) -> None:
        """Leave the journey (the generated code returns right after)."""


def assign_arm(
    customer_id: str, journey: str, experiment: str, arms: tuple[tuple[str, float], ...], holdout: float
) -> str | None:
    """A customer's arm, from a stable hash of (customer, journey, experiment): the same on every run and machine.

    The hash picks a point in [0, 100); the holdout takes the first `holdout` percent, then each arm its weight.
    """
    digest = hashlib.sha256(f"{customer_id}\x1f{journey}\x1f{experiment}".encode()).digest()
    point = int.from_bytes(digest[:8], "big") / 2**64 * 100
    if point < holdout:
        return None
    edge = holdout
    for name, weight in arms:
        edge += weight
        if point < edge:
            return name
    return arms[-1][0] if arms else None
