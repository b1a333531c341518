"""Time zones by IANA name, and local times: what the reader, the contact policy, waits and the checks all use.

A name is a time zone when the IANA database has a zone of that name. Anything else is not one, however it
fails to load: an unknown name ("Mars/Olympus"), a folder of the database ("America"), a name too long to be a
file name, a path ("../etc"), a file of the database that is not a zone ("zone.tab").
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo

_LONGEST_NAME = 128  # the longest IANA name has 32 characters; longer ones are not looked up at all


@functools.lru_cache(maxsize=1024)
def zone_named(name: str) -> zoneinfo.ZoneInfo | None:
    """The time zone of that IANA name, or None when there is none."""
    if type(name) is not str or not name or len(name) > _LONGEST_NAME:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder, a name too long for a file
        return None


def local_datetime(seconds: float, zone: dt.tzinfo) -> dt.datetime | None:
    """The local date and time of a UTC moment; None outside the years datetime can hold (1 to 9999)."""
    try:
        return dt.datetime.fromtimestamp(seconds, zone)
    except (OverflowError, ValueError, OSError):
        return None
