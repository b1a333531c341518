"""Reading a Segment-spec event log (JSON Lines): each line one call, read by `segment_spec.CallReader`.

A call with a problem is rejected with its line number and a reason, counted, and skipped: the run goes on. An
accepted call may still come with problems (a trait left out, a time zone that fell back to the default): they
are reported as warnings. A call whose messageId came before is applied once: the others are counted as
duplicates. A byte order mark at the start of a line is skipped.

A log has millions of lines, so reading it fast matters, and reading it as `json.loads` does matters more. Lines
are read by orjson, three times faster, except those where it could differ from `json.loads`, which read them:
- a line orjson refuses: `json.loads` accepts NaN, Infinity, 1e999 and lone surrogates, and its error messages
  are the reasons given for the lines it refuses too;
- a line orjson would read differently without a word: one with a run of 19 digits or more (orjson makes an
  integer beyond 64 bits a float).
A line nested deeper than both can follow (orjson reads 1024 levels) is rejected as "nested too deeply".
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from journeyc.runtime.plan_types import Problem, shown
from journeyc.runtime.segment_spec import CallReader, LogEntry, who_and_when
from journeyc.runtime.times import format_time, parse_time

__all__ = ["LogEntry", "ReadLog", "Rejection", "format_time", "parse_time", "read_log"]


@dataclass
class Rejection:
    """A line rejected (or, among warnings, accepted with a part left out): its number, the reason, and the
    customer and time of the call as far as they could be read (for a customer's timeline)."""

    line: int
    reason: str
    user_id: str | None = field(default=None, compare=False)
    time: float | None = field(default=None, compare=False)


@dataclass
class ReadLog:
    entries: list[LogEntry] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    warnings: list[Rejection] = field(default_factory=list)  # accepted lines with a part left out or replaced
    duplicates: int = 0  # accepted lines whose messageId came before: applied once

    @property
    def lines(self) -> int:
        """The lines read (blank lines aside)."""
        return len(self.entries) + len(self.rejected) + self.duplicates


def read_log(
    lines: Iterable[str | bytes],
    events: Mapping[str, Any],
    shapes: Mapping[str, Any],
    profile: Mapping[str, Any] | None = None,
) -> ReadLog:
    """Parse and validate every line; `events` and `shapes` are the tracking plan (data/events.json,
    data/shapes.json), `profile` the declared profile (data/profile.json; None: traits are kept as sent).

    `lines`: text, or the bytes of a file opened in binary mode, which is faster (orjson reads UTF-8 as it is) and
    reads the same: a line that is not UTF-8 is read as text mode with errors="replace" reads it (U+FFFD)."""
    out = ReadLog()
    reader = CallReader(events, shapes, profile).read
    accept, reject = out.entries.append, out.rejected.append
    seen: set[str] = set()  # the messageIds of the calls accepted
    loads, digits_as_zeros, long_number = orjson.loads, _DIGITS_AS_ZEROS, _LONG_NUMBER
    for number, raw in enumerate(lines, start=1):
        # (_orjson_loads on bytes, inline: once per line)
        if type(raw) is bytes and raw.translate(digits_as_zeros).find(long_number) < 0:
            try:
                record = loads(raw)
            except orjson.JSONDecodeError:
                record = _UNSURE
        else:
            record = _orjson_loads(raw)
        if record is _UNSURE:
            record, reason = _read_otherwise(raw)
            if reason is not None:
                if reason:
                    reject(Rejection(number, reason))
                continue
        entry, problems = reader(record, number)
        if entry is None:
            user_id, time = who_and_when(record)
            reject(Rejection(number, _reason(record, problems), user_id, time))
            continue
        message_id = entry[10]  # (entry.message_id, without the attribute lookup: once per line)
        if message_id is not None:
            if message_id in seen:
                out.duplicates += 1
                continue
            seen.add(message_id)
        if problems:
            out.warnings.append(Rejection(number, _reason(record, problems), entry.user_id or entry.anonymous_id,
                                          entry.time))  # fmt: skip
        accept(entry)
    return out


def _reason(record: Any, problems: Sequence[Problem]) -> str:
    """The problems of a line in words: those of a track call's properties after its event's name (a problem with
    the name itself says it in its own words)."""
    if problems[0].field == "event":
        return problems[0].reason
    said = "; ".join(map(str, problems[:3])) + (f"; and {len(problems) - 3} more" if len(problems) > 3 else "")
    if problems[0].field.startswith("properties"):
        return f"{shown(record.get('event'), 60)}: {said}"
    return said


_UNSURE = object()  # what _orjson_loads gives for a line that `json.loads` should read
_DIGITS_AS_ZEROS = bytes.maketrans(b"123456789", b"000000000")
_LONG_NUMBER = b"0" * 19  # an integer of 19 digits or more may be beyond 64 bits


def _orjson_loads(line: str | bytes) -> Any:
    """orjson's reading of a line if it is surely the same as `json.loads`'s; else _UNSURE. orjson refuses bytes
    that are not UTF-8 and a byte order mark: those lines are _UNSURE, read as text by `_read_otherwise`."""
    if type(line) is bytes:
        data = line
    else:
        try:
            data = line.encode()  # type: ignore[union-attr]
        except (UnicodeEncodeError, AttributeError):  # a lone surrogate; neither text nor bytes
            return _UNSURE
    if data.translate(_DIGITS_AS_ZEROS).find(_LONG_NUMBER) >= 0:  # (find is quicker than `in` on bytes)
        return _UNSURE
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return _UNSURE


def _read_otherwise(raw: str | bytes) -> tuple[Any, str | None]:
    """A line `_orjson_loads` was unsure of, read as text: (its value, None), or (None, the reason to reject it),
    or (None, "") for a blank line. Bytes are decoded as text mode with errors="replace" decodes them (every
    line ends at a \n, which no UTF-8 sequence holds: decoding line by line is decoding the file)."""
    line = raw.decode("utf-8", "replace") if type(raw) is bytes else raw
    if type(line) is str and line[:1] == "\ufeff":  # (a file saved by a Windows tool)
        line = line[1:]
        record = _orjson_loads(line)
        if record is not _UNSURE:
            return record, None
    try:
        return json.loads(line), None
    except RecursionError:
        return None, "not JSON (nested too deeply)"
    except ValueError as error:  # (a number of more than 4,300 digits is a ValueError with no `msg`)
        if not line.strip():
            return None, ""
        reason = getattr(error, "msg", None) or "a number with too many digits"
        return None, f"not JSON ({reason})"
