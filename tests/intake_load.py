"""Load for the intake, shared by its load tests and benchmarks/intake_bench.py: a log of Segment calls for many
customers, sent in a disorderly way (some calls out of order, some sent twice) by many concurrent clients that
retry as Segment's libraries do (a 503 or a lost connection: wait, send the same batch again)."""

from __future__ import annotations

import base64
import datetime as dt
import random
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import requests

EVENTS = (("Product Viewed", {"product_id": "p-1"}), ("Order Completed", {"order_id": "o-1"}),
          ("Ticket Opened", {}), ("Checkout Started", {"order_id": "o-2"}))  # fmt: skip


def customer_log(customers: int, per_customer: int, start: float, span: float, seed: int = 7) -> list[dict[str, Any]]:
    """`customers` x `per_customer` calls (an identify first, then events), timestamps from `start` over `span`
    seconds in log order, each with a messageId."""
    rng = random.Random(seed)
    calls: list[dict[str, Any]] = []
    total = customers * per_customer
    for n in range(per_customer):
        for c in range(customers):
            user = f"load-{c:05d}"
            at = start + span * len(calls) / total
            when = dt.datetime.fromtimestamp(at, dt.UTC).isoformat(timespec="milliseconds")
            stamp = {"userId": user, "timestamp": when, "messageId": f"m-{c}-{n}"}
            if n == 0:
                traits = {"email": f"{user}@example.com", "email_opt_in": rng.random() < 0.8, "timezone": "UTC"}
                calls.append({"type": "identify", "traits": traits, **stamp})
            else:
                event, properties = EVENTS[rng.randrange(len(EVENTS))]
                calls.append({"type": "track", "event": event, "properties": properties, **stamp})
    return calls


def disorderly(calls: Sequence[dict[str, Any]], late: float, duplicates: float, seed: int = 11) -> list[dict[str, Any]]:
    """The calls in the order they are sent: a `late` share of them swapped with a call up to 40 places later,
    and a `duplicates` share sent a second time, later."""
    rng = random.Random(seed)
    order = list(calls)
    for _ in range(int(len(order) * late)):
        i = rng.randrange(len(order) - 1)
        j = min(len(order) - 1, i + rng.randint(1, 40))
        order[i], order[j] = order[j], order[i]
    for call in rng.sample(list(calls), int(len(calls) * duplicates)):
        order.insert(rng.randrange(order.index(call) + 1, len(order) + 1), call)
    return order


@dataclass
class Sent:
    requests: int = 0
    retried: int = 0  # answers of 503 (or lost connections) that were sent again
    statuses: dict[int, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)  # seconds from a batch's last send to its 200
    seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


def send_all(url: str, key: str, calls: Sequence[dict[str, Any]], *, clients: int = 50, batch: int = 20) -> Sent:
    """Send the calls in batches by `clients` threads, each batch until it is answered 200 (or refused with 4xx)."""
    batches = [list(calls[i : i + batch]) for i in range(0, len(calls), batch)]
    auth = "Basic " + base64.b64encode(f"{key}:".encode()).decode()
    sent = Sent()
    local = threading.local()

    def post(body: list[dict[str, Any]]) -> None:
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        wait = 0.2
        while True:
            started = time.monotonic()
            try:
                answer = session.post(url + "/v1/batch", json={"batch": body}, headers={"Authorization": auth},
                                      timeout=30)  # fmt: skip
                status = answer.status_code
            except requests.ConnectionError:
                status = 0
            with sent.lock:
                sent.requests += 1
                sent.statuses[status] = sent.statuses.get(status, 0) + 1
                if status == 200:
                    sent.latencies.append(time.monotonic() - started)
            if status == 200 or 400 <= status < 500:
                return
            with sent.lock:
                sent.retried += 1
            time.sleep(wait)
            wait = min(wait * 2, 2.0)

    started = time.monotonic()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(post, batches))
    sent.seconds = time.monotonic() - started
    return sent
