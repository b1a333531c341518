"""The units of time journeys are written in, and the words a length of time is shown in.

One definition for the language (`wait 30 seconds`, `within 7 days`), the simulator's timeline, journey tests
and the checks. A unit has a fixed length in seconds; months and years have none, so they are not units.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

# Singular name -> length in seconds, shortest first.
UNITS: Mapping[str, int] = MappingProxyType(
    {
        "second": 1,
        "minute": 60,
        "hour": 3600,
        "day": 86400,
        "week": 604800,
    }
)

# Every spelling the language accepts (singular and plural, lower case) -> length in seconds.
UNIT_SECONDS: Mapping[str, int] = MappingProxyType(
    {spelling: seconds for unit, seconds in UNITS.items() for spelling in (unit, unit + "s")}
)


def unit_seconds(word: str) -> int | None:
    """The length in seconds of a unit as written (`Days`, `hour`), or None when it is not a unit of time."""
    return UNIT_SECONDS.get(word.lower())


def describe(seconds: float, largest: str = "week") -> str:
    """A length of time in the largest unit (up to `largest`) that divides it: "2 days", "1 hour", "90 seconds".

    A length that no unit divides, a fraction of a second included, is shown in seconds ("1.5 seconds").
    """
    if largest not in UNITS:
        raise ValueError(f"unknown unit {largest!r}")
    limit = UNITS[largest]
    for unit, size in reversed(tuple(UNITS.items())):
        if size <= limit and seconds >= size and seconds % size == 0:
            count = int(seconds // size)
            return f"{count} {unit}" + ("s" if count != 1 else "")
    return f"{seconds:g} second" + ("s" if seconds != 1 else "")
