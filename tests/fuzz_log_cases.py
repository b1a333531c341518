"""Fuzz cases for event logs: a seed turned into a mutated copy of journeys/events/sample.jsonl and the options of
one `journeyc simulate` run over it.

Lines are changed as data (a field given another type, a huge number, an odd time, deep nesting, a field
removed, ids that merge or loop) and as text (a BOM, CRLF, random bytes, NUL, escape codes, a cut line, NaN,
duplicate keys). The same seed gives the same log and the same command every time.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import fuzz_text as text
from fuzz_cases import REPO

SAMPLE_LOG = REPO / "journeys" / "events" / "sample.jsonl"
UNTIL = (
    "2026-06-01T00:00:00Z", "2026-06-01T00:00:00Z", "2026-03-04T00:00:00Z", "9999-12-31T23:59:59Z",
    "0001-01-01T00:00:00Z", "2026-03-02T14:00:00+05:00", "2027-03-02T00:00:00.999999Z",
)  # fmt: skip
CUSTOMERS = ("heather", "maya", "bob", "7f3c9a1e", "nobody", "", "\x1b[31mred", "x" * 5000, "\u202eyddub", "1")
ODD_TIMES = (
    "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z", "9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00",
    "2026-02-30T00:00:00Z", "2026-03-02T25:00:00Z", "2026-03-02T23:59:60Z", "2026-03-02T14:00:00+99:00",
    "2026-03-02T14:00:00-23:59", "2026-03-02", "2026-03-02T14:00:00", "2026-03-02 14:00:00Z", "1741000000", "",
    "2026-03-02T14:00:00.123456789Z", "+002026-03-02T14:00:00Z", "2026-W10-1", "now", "0000-01-01T00:00:00Z",
    "-0001-01-01T00:00:00Z", "2026-03-02T14:00:00\u0660Z", "２０２６-03-02T14:00:00Z", "2026-03-02T14:00:00z",
)  # fmt: skip
ODD_ZONES = (
    "America", "Mars/Olympus", "UTC", "Etc/GMT+14", "Etc/GMT-14", "../../etc/localtime", "/etc/localtime", "",
    "America/New_York\x00", "x" * 5000, "posixrules", "Factory", "EST5EDT", "america/new_york", "Europe/Kyiv",
)  # fmt: skip
ODD_KEYS = ("", "\x1b[31m", "\r\nx", "\ud800", "\u202e", "\x00", "k" * 10_000, "__proto__", "constructor", "a.b",
            "products[0]", "é")  # fmt: skip
# Texts a terminal or a UTF-8 file cannot take as they are.
TERMINAL_TEXTS = (
    "\ud800",
    "x\udc00",
    "\x1b[2J\x1b[H",
    "\x1b]0;title\x07",
    "\u202eevil",
    "a\r\nBcc: x@y.z",
    "\x00",
    "\x9b31m",
)
HOSTILE_TEXTS = (*text.PLAIN_HOSTILE, "{{ 7 * 7 }}", "{% raw %}", "<b>")
TYPES = ("identify", "track", "page", "screen", "group", "alias", "TRACK", "", "batch", "unknown", "delete")
KEYS = ("type", "userId", "anonymousId", "previousId", "event", "timestamp", "originalTimestamp", "receivedAt",
        "properties", "traits", "messageId", "context", "name", "groupId")  # fmt: skip


def odd_values(rng: random.Random) -> list[Any]:
    """Values of every JSON type and then some; a `Raw` is written into the line as it is (not as JSON)."""
    return [
        None, True, False, 0, -1, 1.5, -0.0, 10**400, 2**63, 2**64 + 1, 1e308, -1e308, 5e-324, "", "x" * 100_000,
        "\x00", "\x1b[31mred\x1b[0m", "\r\nInjected: yes", "\u202eevil", "\ud800", "é" * 1000, [], {}, [1, "a", None],
        {"a": {"b": {"c": [1, 2, {"d": None}]}}}, list(range(5000)), {str(i): i for i in range(2000)},
        rng.choice(ODD_TIMES), rng.choice(ODD_ZONES), "2", "2.0", "true", "false", "null", "NaN",
        Raw("NaN"), Raw("Infinity"), Raw("-Infinity"), Raw("1e400"), Raw("-0"), Raw("9" * 5000),
        Raw("[" * 1100 + "]" * 1100), Raw("[" * 50_000 + "]" * 50_000), Raw('{"a":' * 2000 + "1" + "}" * 2000),
        Raw('"\\ud800"'), Raw('"\\u0000"'), Raw("1.0e-400"),
    ]  # fmt: skip


@dataclass(frozen=True)
class Raw:
    json_text: str


@dataclass
class LogCase:
    seed: int
    log: Path
    args: list[str]  # after `simulate PROJECT`
    outbox: Path | None
    done: list[str] = field(default_factory=list)

    def describe(self) -> str:
        return (
            f"event log seed {self.seed}: " + "; ".join(self.done) + f"; simulate {' '.join(a[:40] for a in self.args)}"
        )


def _dumps(record: Any) -> str:
    """A record as one JSON line, its `Raw` values written as they are."""
    raws: list[str] = []

    def default(value: Any) -> Any:
        if isinstance(value, Raw):
            raws.append(value.json_text)
            return f"\x00RAW{len(raws) - 1}\x00"
        raise TypeError(type(value).__name__)

    line = json.dumps(record, ensure_ascii=_ascii_only(record), default=default)
    for index, raw in enumerate(raws):
        line = line.replace(json.dumps(f"\x00RAW{index}\x00"), raw, 1)
    return line


def _ascii_only(record: Any) -> bool:
    """Half the lines with \\u escapes, half with raw UTF-8 (whichever the record's id hashes to)."""
    return len(str(record.get("messageId", ""))) % 2 == 0 if isinstance(record, dict) else True


def _mutate_record(rng: random.Random, record: dict[str, Any], others: list[dict[str, Any]]) -> str:
    choice = rng.choice(("value", "value", "nested", "nested", "key", "delete", "type", "time", "zone", "ids", "event",
                         "trait", "text", "text", "text"))  # fmt: skip
    if choice == "text":
        return _hostile_text(rng, record, others)
    if choice == "value":
        key, value = rng.choice(KEYS), rng.choice(odd_values(rng))
        record[key] = value
        return f"{key} = {_short(value)}"
    if choice == "nested":
        holder = record.setdefault(rng.choice(("properties", "traits", "context")), {})
        if not isinstance(holder, dict) or not holder:
            return "nothing nested"
        key, value = rng.choice(sorted(holder)), rng.choice(odd_values(rng))
        holder[key] = value
        return f"nested {key} = {_short(value)}"
    if choice == "key":
        holder = record.setdefault(rng.choice(("properties", "traits", "context")), {})
        if not isinstance(holder, dict):
            return "nothing nested"
        key = rng.choice(ODD_KEYS)
        holder[key] = rng.choice(("x", 1, None))
        return f"nested key {_short(key)}"
    if choice == "delete":
        key = rng.choice(sorted(record))
        del record[key]
        return f"delete {key}"
    if choice == "type":
        record["type"] = rng.choice(TYPES)
        return f"type = {record['type']!r}"
    if choice == "time":
        key = rng.choice(("timestamp", "originalTimestamp", "receivedAt", "sentAt"))
        record[key] = rng.choice(ODD_TIMES)
        return f"{key} = {record[key]!r}"
    if choice == "zone":
        where = rng.choice(("traits", "context"))
        holder = record.setdefault(where, {})
        if isinstance(holder, dict):
            holder["timezone"] = rng.choice(ODD_ZONES)
            return f"{where}.timezone = {_short(holder['timezone'])}"
        return "no holder"
    if choice == "ids":
        other = rng.choice(others)
        for key in ("userId", "anonymousId", "previousId", "messageId"):
            if rng.random() < 0.5:
                record[key] = other.get(rng.choice(("userId", "anonymousId", "messageId")))
        if rng.random() < 0.3:
            record["type"] = "alias"
        return f"ids from another line: {record.get('userId')!r} {record.get('anonymousId')!r}"
    if choice == "event":
        events = sorted({o.get("event") for o in others if isinstance(o.get("event"), str)})
        record["event"] = rng.choice([*events, "Completed Order", "Viewed Product", *text.PLAIN_HOSTILE])
        return f"event = {_short(record['event'])}"
    traits = record.setdefault("traits", {})
    if not isinstance(traits, dict):
        return "no traits"
    key = rng.choice(("email_opt_in", "sms_opt_in", "tier", "first_name", "firstName", "email", "phone", "push_token",
                      "createdAt", "created_at", "unknown_trait"))  # fmt: skip
    traits[key] = rng.choice(odd_values(rng))
    return f"traits.{key} = {_short(traits[key])}"


def _hostile_text(rng: random.Random, record: dict[str, Any], others: list[dict[str, Any]]) -> str:
    """A text property or trait given a hostile value of the right type, in every line that had the same value (so
    goals and keys still match): it passes the checks and reaches the messages, the outbox and the timelines."""
    holder_name = rng.choice(("properties", "traits"))
    holder = record.get(holder_name)
    texts = sorted(k for k, v in holder.items() if isinstance(v, str)) if isinstance(holder, dict) else []
    if not texts:
        return f"no text in {holder_name}"
    key = rng.choice(texts)
    old, new = holder[key], rng.choice(HOSTILE_TEXTS if rng.random() < 0.5 else TERMINAL_TEXTS)
    for other in others:
        other_holder = other.get(holder_name)
        if isinstance(other_holder, dict) and other_holder.get(key) == old:
            other_holder[key] = new
    return f"{holder_name}.{key} {old!r} -> {_short(new)} everywhere"


def _short(value: Any) -> str:
    shown = repr(value.json_text if isinstance(value, Raw) else value)
    return shown if len(shown) < 50 else f"{shown[:40]}... ({len(shown)} characters)"


def _mutate_text(rng: random.Random, lines: list[str]) -> str:
    """An edit of the log as text."""
    i = rng.randrange(len(lines))
    choice = rng.choice(("bom", "crlf", "bytes", "cut", "control", "blank", "join", "duplicate keys", "delete",
                         "duplicate", "swap", "long"))  # fmt: skip
    if choice == "bom":
        lines[i] = "\ufeff" + lines[i]
    elif choice == "crlf":
        lines[:] = [line + "\r" for line in lines]
    elif choice == "bytes":
        lines[i] = lines[i][: len(lines[i]) // 2] + "\udcff\udcfe\x00" + lines[i][len(lines[i]) // 2 :]
    elif choice == "cut":
        lines[i] = lines[i][: rng.randrange(len(lines[i]) + 1)]
    elif choice == "control":
        at = rng.randrange(len(lines[i]) + 1)
        lines[i] = lines[i][:at] + rng.choice(text.ODD_CHARACTERS).replace("\n", "") + lines[i][at:]
    elif choice == "blank":
        lines.insert(i, rng.choice(("", "   ", "\t", "\ufeff", "\x0c", "\u2028", "\x00")))
    elif choice == "join" and i + 1 < len(lines):
        lines[i : i + 2] = [lines[i] + rng.choice(("", " ", "\r")) + lines[i + 1]]
    elif choice == "duplicate keys":
        lines[i] = lines[i].replace('"type":', '"type":"alias","type":', 1)
    elif choice == "delete":
        del lines[i]
    elif choice == "duplicate":
        lines.insert(i, lines[i])
    elif choice == "swap":
        j = rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    elif choice == "long":
        lines[i] = lines[i].replace('"properties":{', '"properties":{"pad":"' + "p" * 1_000_000 + '",', 1)
    return f"{choice} at line {i + 1}"


def log_case(seed: int, folder: Path) -> LogCase:
    """A mutated sample log in `folder` and the options to simulate it with."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    records = [json.loads(line) for line in SAMPLE_LOG.read_text(encoding="utf-8").splitlines()]
    done = []
    for _ in range(rng.choice((1, 1, 2, 3, 5))):
        i = rng.randrange(len(records))
        done.append(f"line {i + 1}: {_mutate_record(rng, records[i], records)}")
    lines = [_dumps(record) for record in records]
    if rng.random() < 0.4:
        done.append(_mutate_text(rng, lines))
    log = folder / "events.jsonl"
    log.write_bytes("\n".join(lines).encode("utf-8", "surrogatepass") + b"\n" * rng.choice((0, 1, 1, 2)))
    args = ["--events", str(log), "--until", rng.choice(UNTIL)]
    outbox = None
    if rng.random() < 0.5:
        outbox = folder / "outbox.jsonl"
        args += ["--outbox", str(outbox)]
    if rng.random() < 0.4:
        args += ["--customer", rng.choice(CUSTOMERS)]
    return LogCase(seed, log, args, outbox, done)
