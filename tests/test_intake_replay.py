"""`journeyc send-events`' replay, against a stand-in HTTP server on loopback: batches in the log's order under the
size limit, a 503 sent again after the server's Retry-After (nothing skipped), refusals mapped to log lines, and a
wrong write key a clean error."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from journeyc.intake.replay import ReplayError, batches, read_calls, replay


class _Intake(BaseHTTPRequestHandler):
    answers: ClassVar[list[tuple[int, dict]]] = []
    bodies: ClassVar[list[dict]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        status, answer = self.answers.pop(0) if self.answers else (200, {"success": True})
        if status == 200:
            self.bodies.append(body)
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if status == 503:
            self.send_header("Retry-After", "3")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def stand_in():
    _Intake.answers, _Intake.bodies = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Intake)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Intake
    server.shutdown()


def test_a_503_is_sent_again_after_retry_after_and_refusals_name_their_lines(stand_in):
    url, intake = stand_in
    calls, bad = read_calls(['{"type": "track", "n": 1}', "", "{oops", *(json.dumps({"n": n}) for n in range(2, 7))])
    assert bad == [(3, "", bad[0][2])] and bad[0][2].startswith("not JSON")
    intake.answers = [(503, {"success": False, "reason": "down"}),
                      (200, {"success": True, "accepted": 1, "rejected": [{"index": 1, "field": "event",
                                                                            "reason": "missing"}]})]  # fmt: skip
    waits: list[float] = []
    done = replay(calls, url, "key", batch=2, sleep=waits.append)
    assert waits == [3.0] and done.retries == 1
    assert [[c["n"] for c in body["batch"]] for body in intake.bodies] == [[1, 2], [3, 4], [5, 6]]
    assert done.sent == 5 and done.rejected == [(4, "event", "missing")]  # (index 1 of the first batch: line 4)


def test_a_wrong_write_key_stops_the_replay(stand_in):
    url, intake = stand_in
    intake.answers = [(401, {"success": False, "reason": "a valid write key is needed"})]
    with pytest.raises(ReplayError, match="answered 401: a valid write key is needed"):
        replay([(1, {"n": 1})], url, "nope", sleep=lambda s: None)


def test_batches_stay_under_the_request_limit():
    big = [(n, {"text": "x" * 100_000}) for n in range(12)]
    runs = list(batches(big, 100))
    assert [n for run in runs for n, _ in run] == list(range(12)) and len(runs) == 3
    assert all(len(json.dumps({"batch": [call for _, call in run]})) < 500 * 1024 for run in runs)
