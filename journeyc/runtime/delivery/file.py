"""The file provider, the default for local use: each delivery appended to a JSON-lines outbox, once per key.

A line is the simulator's outbox record (`journeyc simulate --outbox`) with status "sent", plus the delivery's
key, so the same tools read both files. A key already in the file is not written again. Several threads and
processes may append to one file: each append holds an exclusive `flock` on it while it reads the lines other
writers added since its last look and writes its own line in one `write`.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from journeyc.runtime.delivery.model import Delivery, Receipt, TransientDeliveryError
from journeyc.runtime.eventlog import format_time
from journeyc.runtime.identity import ids_of

_CHUNK = 1 << 20


def outbox_record(delivery: Delivery, sent_at: float) -> dict[str, Any]:
    """A delivery as a line of the outbox: the simulator's record of a sent message, then the key."""
    user_id, anonymous_id = ids_of(delivery.user_id)  # (the runtime's key of the customer, as the policy's records)
    return {
        "time": format_time(sent_at),
        "user_id": user_id,
        "anonymous_id": anonymous_id,
        "journey": delivery.journey,
        "run": delivery.run,
        "step": delivery.step,
        "channel": delivery.channel,
        "message": delivery.message,
        "category": delivery.category,
        "status": "sent",
        "reason": None,
        "offer": delivery.offer,
        "arm": delivery.arm,
        "deferred_from": format_time(delivery.deferred_from) if delivery.deferred_from is not None else None,
        "content": dict(delivery.content),
        "key": delivery.key,
    }


class FileProvider:
    """Appends deliveries to one outbox file, each key once."""

    name = "file"

    def __init__(self, path: Path, *, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self.clock = clock
        self._lock = threading.Lock()  # flock keeps processes apart; this keeps this object's threads apart
        self._keys: set[str] = set()  # the keys in the file up to `_offset`
        self._offset = 0
        self._file_id: tuple[int, int] | None = None  # (device, inode) of the file the keys were read from

    def deliver(self, delivery: Delivery) -> Receipt:
        """Append the delivery's record unless its key is in the file already.

        A file that cannot be written (no permission, a full disk) is a TransientDeliveryError: it may be fixed.
        """
        sent_at = delivery.time if delivery.time is not None else self.clock()
        line = (json.dumps(outbox_record(delivery, sent_at), ensure_ascii=False) + "\n").encode("utf-8")
        try:
            return self._append(delivery.key, line)
        except OSError as error:
            raise TransientDeliveryError(f"outbox {self.path}: {error.strerror or error}") from error

    def append_once(self, key: str, record: dict[str, Any]) -> bool:
        """Append `record` (with its key) as a line unless a line with that key is in the file already; whether it
        was appended. (The live runtime's log of decisions is kept this way too.)"""
        line = (json.dumps({**record, "key": key}, ensure_ascii=False) + "\n").encode("utf-8")
        return self._append(key, line).detail == str(self.path)

    def append_all(self, records: list[tuple[str, dict[str, Any]]]) -> int:
        """`append_once` of each (key, record), in one write and one flush to disk; how many were appended."""
        lines = [(key, (json.dumps({**record, "key": key}, ensure_ascii=False) + "\n").encode("utf-8"))
                 for key, record in records]  # fmt: skip
        return len(self._append_lines(lines))

    def _append(self, key: str, line: bytes) -> Receipt:
        if not self._append_lines([(key, line)]):
            return Receipt(self.name, f"already in {self.path}")
        return Receipt(self.name, str(self.path))

    def _append_lines(self, lines: list[tuple[str, bytes]]) -> list[str]:
        """Append each line whose key is not in the file yet (nor earlier in `lines`); the keys appended."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            descriptor = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX)
                complete = self._read_new_lines(descriptor)
                new: dict[str, bytes] = {}
                for key, line in lines:
                    if key not in self._keys and key not in new:
                        new[key] = line
                if not new:
                    return []
                data = b"".join(new.values())
                data = data if complete else b"\n" + data  # a line cut short by a crash stays a line of its own
                _write_all(descriptor, data)
                os.fsync(descriptor)
                self._keys.update(new)
                self._offset += len(data)
            finally:
                os.close(descriptor)  # (releases the flock)
        return list(new)

    def _read_new_lines(self, descriptor: int) -> bool:
        """Learn the keys written since the last look; whether the file is empty or ends with a line break."""
        status = os.fstat(descriptor)
        file_id = (status.st_dev, status.st_ino)
        if file_id != self._file_id or status.st_size < self._offset:  # a new file, or one cut short: read it all
            self._keys.clear()
            self._offset, self._file_id = 0, file_id
        carry = b""
        while self._offset < status.st_size:
            chunk = os.pread(descriptor, min(_CHUNK, status.st_size - self._offset), self._offset)
            if not chunk:
                break
            self._offset += len(chunk)
            *lines, carry = (carry + chunk).split(b"\n")
            self._keys.update(key for key in map(_key, lines) if key is not None)
        if carry:
            key = _key(carry)
            if key is not None:
                self._keys.add(key)
        return status.st_size == 0 or os.pread(descriptor, 1, status.st_size - 1) == b"\n"


def _key(line: bytes) -> str | None:
    try:
        record = json.loads(line)
    except ValueError:  # a line cut short, or not ours
        return None
    key = record.get("key") if isinstance(record, dict) else None
    return key if isinstance(key, str) else None


def _write_all(descriptor: int, data: bytes) -> None:
    written = os.write(descriptor, data)
    while written < len(data):  # (a regular file takes it all at once; a full disk raises)
        written += os.write(descriptor, data[written:])
