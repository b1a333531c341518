"""Times as the event log and the outbox write them: ISO 8601 text <-> UTC epoch seconds.

`parse_time` accepts the times datetime reads whose UTC moment falls in the years 1 to 9999, and `format_time`
writes every such time in a form `parse_time` reads back to the same second. A moment computed beyond them (a
wait that ends after 9999-12-31) is written in ISO 8601's expanded form, +10000-01-01T00:00:00Z, for people.
"""

from __future__ import annotations

import datetime as dt
import math
import re

from journeyc.runtime.durations import UNITS

_DAY, _HOUR = UNITS["day"], UNITS["hour"]
EARLIEST = dt.datetime(1, 1, 1, tzinfo=dt.UTC).timestamp()  # 0001-01-01T00:00:00Z
# 9999-12-31T23:59:59.999Z. Not .999999: a float this far from 1970 holds seconds to about 30 microseconds only, and
# a later fraction would round up to the year 10000, which format_time would then write.
LATEST = dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.UTC).timestamp() + 0.999


def parse_time(text: str) -> float:
    """An ISO 8601 time (a trailing Z or an offset; no offset means UTC) as epoch seconds. ValueError when it is
    not one, or when its UTC moment is outside the years 1 to 9999."""
    # The usual shapes from tables: the hour of a day (read before), then minute and second, 2026-03-02T10:00:00Z,
    # or minute, second and millisecond, 2026-03-02T10:00:00.250Z (as analytics.js writes them). Each in whole
    # microseconds as a float: their sum is exact (a whole number below 2**53: _HOURS holds no hour beyond), and
    # dividing it is datetime's timestamp() (microseconds since 1970 / 10**6, rounded once).
    hour = _HOURS.get(text[:14]) if type(text) is str else None
    if hour is not None:
        if len(text) == 20:  # (the only length _MINUTES_SECONDS can match)
            rest = _MINUTES_SECONDS.get(text[14:])
            if rest is not None:
                return (hour + rest) / 1e6
        else:
            seconds = _BEFORE_FRACTION.get(text[14:19])
            micros = _MILLISECONDS.get(text[19:])
            if seconds is not None and micros is not None:
                return (hour + seconds + micros) / 1e6
    return _read_time(text)


_HOURS: dict[str, float] = {}  # "2026-03-02T10:" -> its microseconds since 1970, once datetime has read that hour
_MINUTES_SECONDS = {f"{m:02d}:{s:02d}Z": (m * 60 + s) * 1e6 for m in range(60) for s in range(60)}  # "01:30Z"
_BEFORE_FRACTION = {key[:5]: micros for key, micros in _MINUTES_SECONDS.items()}  # "01:30" (then ".250Z")
_MILLISECONDS = {f".{n:03d}Z": n * 1000.0 for n in range(1000)}  # ".250Z" -> 250,000.0 microseconds
_EXACT = 2**53 - _HOUR * 10**6  # an hour's microseconds below this, plus those of its minutes, are exact floats
_USUAL_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{3})?Z", re.ASCII)


def _read_time(text: str) -> float:
    """`parse_time` by datetime, which also finds the errors; remembers the hour of a time of the usual shape."""
    moment = dt.datetime.fromisoformat(text)  # Python 3.11+ reads a trailing Z as UTC
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    try:
        seconds = moment.timestamp()
    except OverflowError:  # (an offset that moves the year 1 back before it)
        seconds = -math.inf
    if not EARLIEST <= seconds <= LATEST:
        raise ValueError(f"{text!r} is outside the years 0001 to 9999 in UTC")
    if _USUAL_TIME.fullmatch(text):  # a valid day and hour, valid with any minute, second and millisecond
        hour = int(moment.replace(microsecond=0).timestamp()) * 10**6 - int(_BEFORE_FRACTION[text[14:19]])
        if abs(hour) < _EXACT:  # (the years 1685 to 2255)
            _HOURS[text[:14]] = float(hour)
    return seconds


_DAYS: dict[int, str] = {}  # days since 1970-01-01 -> "YYYY-MM-DDT", the part of a time that rarely changes


def format_time(seconds: float) -> str:
    """Epoch seconds as an ISO 8601 UTC time to the second (the fraction is dropped), e.g. 2026-03-02T10:00:00Z."""
    whole = math.floor(seconds)
    if seconds - whole >= 0.9999995:  # as datetime does: the fraction is rounded to microseconds first
        whole += 1
    day, rest = divmod(whole, _DAY)
    prefix = _DAYS.get(day)
    if prefix is None:
        year, month, date = _civil_date(day)
        sign = "" if 0 < year <= 9999 else "-" if year < 0 else "+"
        prefix = _DAYS[day] = f"{sign}{abs(year):04d}-{month:02d}-{date:02d}T"
    return prefix + _CLOCK_MINUTES[rest // 60] + _CLOCK_SECONDS[rest % 60]


_CLOCK_MINUTES = [f"{m // 60:02d}:{m % 60:02d}:" for m in range(_DAY // 60)]  # minute of the day -> "HH:MM:"
_CLOCK_SECONDS = [f"{s:02d}Z" for s in range(60)]


def _civil_date(days: int) -> tuple[int, int, int]:
    """The proleptic Gregorian (year, month, day) of a day counted from 1970-01-01, for any year: datetime holds
    the years 1 to 9999, and the calendar repeats itself every 400 years (146,097 days)."""
    ordinal = days + _ORDINAL_1970
    eras = (ordinal - 1) // _DAYS_IN_400_YEARS  # 0 for the years 1 to 400
    if 1 <= ordinal <= _LAST_ORDINAL:
        eras = 0
    date = dt.date.fromordinal(ordinal - eras * _DAYS_IN_400_YEARS)
    return date.year + eras * 400, date.month, date.day


_ORDINAL_1970 = dt.date(1970, 1, 1).toordinal()
_LAST_ORDINAL = dt.date.max.toordinal()
_DAYS_IN_400_YEARS = 146097
