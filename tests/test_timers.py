"""The engine's timers (runtime/timers.py) against the plain heap of (time, id, target) they replace: the same
timers fire in the same order, whatever the times (equal ones, hours apart, years ahead, before 1970), the
cancellations and the timers set while others fire."""

from __future__ import annotations

import heapq
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from journeyc.runtime.timers import Timers


class HeapOracle:
    """The heap every driver used before: every timer in one heap of (time, id, target)."""

    def __init__(self) -> None:
        self.heap: list[tuple[float, int, str]] = []
        self.live: set[int] = set()
        self.next_id = 0

    def set(self, time: float, target: str) -> int:
        timer_id = self.next_id
        self.next_id += 1
        heapq.heappush(self.heap, (time, timer_id, target))
        self.live.add(timer_id)
        return timer_id

    @property
    def due(self) -> float:
        return self.heap[0][0] if self.heap else math.nan

    def pop(self) -> tuple[float, int, str]:
        return heapq.heappop(self.heap)

    def first_finite(self) -> float | None:
        finite = [t for t in self.heap if t[0] < math.inf]
        return min(finite)[0] if finite else None

    def first_live(self) -> float | None:
        live = [t for t in self.heap if t[1] in self.live and t[0] < math.inf]
        return min(live)[0] if live else None


_HOUR = 3600.0
# Times in a few hours and days around a base, on the hour's edges too, far ahead and far back.
_offsets = st.one_of(
    st.integers(-3, 3).map(lambda n: n * _HOUR),
    st.integers(-3, 3).map(lambda n: n * _HOUR - 0.001),
    st.floats(-5 * 86400, 100 * 86400, allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, 1e-9, 86400.0, 1e12, -1e12, 2.5e17, 1e300, -1e300]),
)
_steps = st.lists(
    st.one_of(
        st.tuples(st.just("set"), _offsets),  # a timer this far after the clock
        st.tuples(st.just("cancel"), st.integers(0, 200)),  # the n-th timer set (if there is one)
        st.tuples(st.just("advance"), st.floats(0, 3 * 86400, allow_nan=False)),  # the clock moves on
        st.tuples(st.just("never"), st.just(math.inf)),
    ),
    max_size=120,
)


@settings(max_examples=400, deadline=None)
@given(base=st.sampled_from([0.0, 1_772_400_000.0, 1_772_402_399.5, -86_400.0 * 365]), steps=_steps)
def test_timers_fire_as_the_heap_did(base: float, steps: list[tuple[str, float]]) -> None:
    timers, oracle = Timers(), HeapOracle()
    now = base
    fired: list[tuple[float, int, str]] = []
    expected: list[tuple[float, int, str]] = []
    ids: list[int] = []

    def fire(to: float) -> None:
        # As Simulator.advance: the first timer due, cancelled ones skipped; a timer may set another, due at once
        # (the moment it fired) or an hour later, as a run's step does. The same loop over both.
        for held, out in ((timers, fired), (oracle, expected)):
            while held.due <= to:
                time, timer_id, target = held.pop()
                if timer_id in held.live:
                    held.live.discard(timer_id)
                    out.append((time, timer_id, target))
                    if target.endswith("!"):
                        held.set(time, target[:-1])
                        held.set(time + _HOUR, target[:-1])

    for n, (kind, value) in enumerate(steps):
        if kind in ("set", "never"):
            time = base + value if kind == "set" else value
            target = f"t{n}" + ("!" if n % 3 == 0 else "")
            new_id = timers.set(time, target)
            assert new_id == oracle.set(time, target)
            ids.append(new_id)
        elif kind == "cancel" and ids:
            timer_id = ids[int(value) % len(ids)]
            timers.cancel(timer_id)
            oracle.live.discard(timer_id)
        elif kind == "advance":
            now += value
            fire(now)
        assert (None if timers.due != timers.due else timers.due) == oracle.first_finite()  # (nan: none)
        assert sorted(timers, key=lambda t: (t[0], t[1])) == sorted(oracle.heap, key=lambda t: (t[0], t[1]))
        assert len(timers) == len(oracle.heap)
    assert timers.first_live() == oracle.first_live()
    fire(1e301)  # (every finite time: a timer set for an infinite one is never due)
    assert fired == expected


def test_a_timer_for_an_infinite_time_is_never_due() -> None:
    timers = Timers()
    timers.set(math.inf, "never")
    timers.set(math.nan, "nan")
    assert math.isnan(timers.due) and not timers.due <= math.inf  # (nothing is ever due)
    assert timers.first_live() is None and len(timers) == 2
    soon = timers.set(10.0, "soon")
    assert timers.due == 10.0 and timers.first_live() == 10.0
    assert timers.pop() == (10.0, soon, "soon")
    assert math.isnan(timers.due)


def test_first_live_drops_the_cancelled_timers_before_it() -> None:
    timers = Timers()
    first = timers.set(5.0, "a")
    timers.set(7_200.0, "b")
    timers.cancel(first)
    assert timers.first_live() == 7_200.0
    assert len(timers) == 1 and timers.due == 7_200.0
