"""`journeyc send-events`: a JSONL log of Segment calls (the simulator's input) replayed into a running intake.

Calls go in batches (`/v1/batch`, at most `batch` calls and under the 500 KB limit), in the log's order, one batch
at a time, at most `rate` calls a second when a rate is given. A 503 (Temporal unavailable) or a lost connection
is retried with backoff (the intake's Retry-After, doubling up to 30 s): nothing is skipped, and a batch sent twice
is applied once (every call keeps its messageId; the intake gives one to a call without it from its content).
Calls the intake refuses are reported by their log line, with the field and the reason.
"""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from journeyc.intake.bodies import BATCH_LIMIT

MAX_WAIT = 30.0


class ReplayError(Exception):
    """The intake cannot be reached or refuses the replay as a whole (a wrong write key): a clean message."""


@dataclass
class Replayed:
    sent: int = 0  # calls the intake accepted
    rejected: list[tuple[int, str, str]] = field(default_factory=list)  # (log line, field, reason)
    retries: int = 0


def read_calls(lines: Iterable[str]) -> tuple[list[tuple[int, Any]], list[tuple[int, str, str]]]:
    """(log line, call) of each JSON line, and the lines that are not JSON (line, "", reason); blank lines skipped."""
    calls, bad = [], []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            calls.append((number, json.loads(line)))
        except ValueError as error:
            bad.append((number, "", f"not JSON: {error}"))
    return calls, bad


def batches(calls: list[tuple[int, Any]], size: int) -> Iterable[list[tuple[int, Any]]]:
    """Runs of at most `size` calls whose batch body stays under the intake's limit."""
    batch: list[tuple[int, Any]] = []
    weight = 0
    for item in calls:
        cost = len(json.dumps(item[1])) + 1
        if batch and (len(batch) >= size or weight + cost > BATCH_LIMIT - 1024):
            yield batch
            batch, weight = [], 0
        batch.append(item)
        weight += cost
    if batch:
        yield batch


def replay(
    calls: list[tuple[int, Any]], url: str, write_key: str, *, batch: int = 100, rate: float | None = None,
    progress: Callable[[Replayed, int], None] | None = None, sleep: Callable[[float], None] = time.sleep,
) -> Replayed:  # fmt: skip
    """Send `calls` (log line, call) to the intake at `url`; what it accepted and refused."""
    done = Replayed()
    auth = "Basic " + base64.b64encode(f"{write_key}:".encode()).decode()
    started = time.monotonic()
    for chunk in batches(calls, batch):
        body = json.dumps({"batch": [call for _, call in chunk]}).encode()
        answer = _post(url.rstrip("/") + "/v1/batch", body, auth, done, sleep)
        rejected = {(r.get("index"), r.get("field"), r.get("reason")) for r in answer.get("rejected", ())}
        refused = {index for index, _, _ in rejected}
        done.sent += len(chunk) - len(refused)
        done.rejected += sorted((chunk[i][0], str(f), str(r)) for i, f, r in rejected if isinstance(i, int))
        if progress is not None:
            progress(done, len(calls))
        if rate:
            ahead = (done.sent + len(done.rejected)) / rate - (time.monotonic() - started)
            if ahead > 0:
                sleep(ahead)
    return done


def _post(url: str, body: bytes, auth: str, done: Replayed, sleep: Callable[[float], None]) -> dict[str, Any]:
    wait = 0.5
    while True:
        request = urllib.request.Request(url, body, {"Content-Type": "application/json", "Authorization": auth})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return dict(json.loads(response.read()))
        except urllib.error.HTTPError as error:
            text = error.read()
            if error.code == 400:
                return dict(json.loads(text))
            if error.code != 503:
                reason = _reason(text) or error.reason
                raise ReplayError(f"the intake at {url} answered {error.code}: {reason}") from None
            retry_after = error.headers.get("Retry-After", "")
            wait = max(wait, float(retry_after)) if retry_after.isdigit() else wait
        except (urllib.error.URLError, OSError) as error:
            if done.retries >= 20 and done.sent == 0:
                raise ReplayError(f"cannot reach the intake at {url}: {error}") from None
        done.retries += 1
        sleep(wait)
        wait = min(wait * 2, MAX_WAIT)


def _reason(text: bytes) -> str | None:
    try:
        found = json.loads(text)
    except ValueError:
        return None
    return found.get("reason") if isinstance(found, dict) else None
