"""A customer's timeline as people read it: each line at its UTC time and the customer's local time then.

One format for `journeyc simulate --customer` (the simulator's lines) and `journeyc inspect --customer` (the same
lines, kept by the live customer's workflow): both print through `merged_timeline`.
"""

from __future__ import annotations

from journeyc.runtime.identity import name_of
from journeyc.runtime.times import format_time
from journeyc.runtime.zones import local_datetime, zone_named


def merged_timeline(
    root: str, events: list[tuple[int, float, str, str, str | None]], problems: list[tuple[float | None, str]]
) -> list[str]:
    """A customer's log lines and problems in time order (lines of a merged customer marked with its name)."""
    lines: list[tuple[float | None, str, str | None]] = [(t, what, None) for t, what in problems if t is None]
    timed = sorted((t, what) for t, what in problems if t is not None)
    for _, time, key, what, zone in sorted(events):  # (in the log's order)
        what = what if key == root else f"({name_of(key)}) {what}"
        while timed and timed[0][0] < time:
            lines.append((*timed.pop(0), zone))
        lines.append((time, what, zone))
    lines += [(t, what, lines[-1][2] if lines else None) for t, what in timed]
    return [timeline_line(time, what, zone) for time, what, zone in lines]


def timeline_line(time: float | None, what: str, zone: str | None) -> str:
    if time is None:
        return f"{'(no time)':<20}  {'':<15}  {what}"
    found = zone_named(zone) if zone else None
    local = local_datetime(time, found) if found is not None else None  # (None past the year 9999)
    shown_local = local.strftime("%a %H:%M %Z") if local is not None else ""
    return f"{format_time(time)}  {shown_local:<15}  {what}"
