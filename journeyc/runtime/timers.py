"""The engine's timers: a run's wait, a customer's segment check, a scheduled journey's start, a send held for
quiet hours, each due at a time. They fire in (time, id) order: ids count up as timers are set, so the timers due
at one moment fire in the order they were set, on every driver (the simulator, the live runtime) and after a
snapshot or a handover.

Most timers are set hours to months ahead (a wait of a day, a 90-day window). A heap of every pending timer made
each one that fired cost about 14 comparisons of tuples scattered through memory (~2 us on this machine, 3% of a
send-heavy simulation). Here they are kept by the hour: the timers of the hours to come in one list per hour, and
an hour's list made into a heap only when its hour comes, so that a timer is compared in a small heap that stays
in cache. The order is the same: every timer of the hours up to `_soon_hour` is in the `_soon` heap, every other
one in the list of its hour, and the hours are taken in order. A timer set for an infinite time (or nan) is never due.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterator
from typing import Any

Timer = tuple[float, int, Any]  # (due time, id, what is due)

_HOUR = 3600.0


class Timers:
    """The pending timers, cancelled ones included until they come up (`live` holds the ids not cancelled)."""

    __slots__ = ("_hours", "_later", "_never", "_soon", "_soon_hour", "due", "live", "next_id")

    def __init__(self) -> None:
        self.live: set[int] = set()  # the ids of the timers not cancelled
        self.next_id = 0  # the id of the next timer set
        # The time of the first timer (a cancelled one included); nan when there is none, so that `due <= t` is
        # False for every t (the check before each event is that one comparison).
        self.due = math.nan
        self._soon: list[Timer] = []  # a heap: every timer of the hours up to _soon_hour
        self._soon_hour = -math.inf
        self._later: dict[float, list[Timer]] = {}  # hour after _soon_hour -> the timers due in it
        self._hours: list[float] = []  # a heap of the hours in _later
        self._never: list[Timer] = []  # timers set for an infinite time (or nan)

    def set(self, time: float, target: Any) -> int:
        """A timer for `target` at `time`; its id."""
        timer_id = self.next_id
        self.next_id = timer_id + 1
        self.put(time, timer_id, target)
        return timer_id

    def put(self, time: float, timer_id: int, target: Any) -> None:
        """A timer with its id given (a restored snapshot's; `next_id` is the caller's to keep above it)."""
        self.live.add(timer_id)
        timer = (time, timer_id, target)
        # (By the hour's number, not the time: floor division is monotonic, so a later hour never holds an earlier
        # time, however large the times.)
        hour = time // _HOUR
        if hour != hour:  # (nan: the time is inf, -inf or nan)
            if time != -math.inf:
                self._never.append(timer)
                return
            hour = -math.inf
        if hour <= self._soon_hour:
            heapq.heappush(self._soon, timer)
        else:
            timers = self._later.get(hour)
            if timers is None:
                self._later[hour] = [timer]
                heapq.heappush(self._hours, hour)
            else:
                timers.append(timer)
        if not self.due <= time:  # (time < due, or no timer before)
            self.due = time

    def cancel(self, timer_id: int) -> None:
        self.live.discard(timer_id)

    def pop(self) -> Timer:
        """The first timer (by time, then id), cancelled or not, taken out: the one due at `due` (not nan)."""
        soon = self._soon
        if not soon:
            self._next_hour()
            soon = self._soon
        timer = heapq.heappop(soon)
        if soon:
            self.due = soon[0][0]
        elif self._hours:
            self._next_hour()
            self.due = self._soon[0][0]
        else:
            self.due = math.nan
        return timer

    def _next_hour(self) -> None:
        """The next hour's timers into the (empty) `_soon` heap."""
        hour = heapq.heappop(self._hours)
        timers = self._later.pop(hour)
        heapq.heapify(timers)
        self._soon = timers
        self._soon_hour = hour

    def first_live(self) -> float | None:
        """The time of the first timer not cancelled (the cancelled ones before it are dropped), or None."""
        while self.due == self.due:  # (not nan: there is a timer)
            if not self._soon:
                self._next_hour()
            if self._soon[0][1] in self.live:
                return self._soon[0][0]
            self.pop()
        return None

    def __iter__(self) -> Iterator[Timer]:
        """Every timer held, cancelled ones included, in no particular order."""
        yield from self._soon
        for timers in self._later.values():
            yield from timers
        yield from self._never

    def __len__(self) -> int:
        return len(self._soon) + sum(map(len, self._later.values())) + len(self._never)
