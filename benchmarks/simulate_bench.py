"""How fast `journeyc simulate` runs the demo company (journeys/) over a large event log, and how much memory it holds.

Generates a seeded Segment-spec event log (every customer identified first, then shopping visits, orders and their
shipping, reviews, tickets and one-time passwords over ~60 days) in a child process, writes it to a temporary
file, then runs what `journeyc simulate journeys --events FILE --until T` runs, in-process, and prints events/s,
seconds, peak memory and memory per waiting journey run.
Run: .venv/bin/python benchmarks/simulate_bench.py [--events N] [--customers N] [--seed N] [--profile] [--keep FILE]
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import json
import os
import pstats
import random
import resource
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from journeyc.build import build_outputs  # noqa: E402
from journeyc.collector import collector_paused  # noqa: E402
from journeyc.load import find_project  # noqa: E402
from journeyc.pipeline import check_project  # noqa: E402
from journeyc.runtime.eventlog import read_log  # noqa: E402
from journeyc.runtime.simulator import Run, Simulator  # noqa: E402

TARGET_RATE = 50_000  # events per second, one core
TARGET_RUN_BYTES = 2048  # per waiting journey run
START = dt.datetime(2026, 3, 2, tzinfo=dt.UTC).timestamp()
DAYS = 60
DAY = 86400
ZONES = ["America/New_York"] * 5 + ["America/Chicago", "America/Los_Angeles", "Europe/London", "Europe/Paris",
                                    "Asia/Tokyo", "Australia/Sydney"]  # fmt: skip
CATEGORIES = ["dresses", "tops", "trousers", "knitwear", "shoes", "accessories"]
CARRIERS = ["UPS", "USPS", "FedEx"]


# ---------------------------------------------------------------- the event log


def _iso(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _customer(rng: random.Random, n: int, budget: int) -> list[tuple[float, dict[str, Any]]]:
    """One customer's events (about `budget` of them), identify first, in no particular order."""
    user = f"u{n:07d}"
    first = START + rng.random() * DAYS * DAY * 0.8
    new = rng.random() < 0.3  # signs up during the log; the others are existing customers
    traits: dict[str, Any] = {"timezone": rng.choice(ZONES), "first_name": rng.choice(["Ada", "Bo", "Cy", "Di"])}
    if rng.random() < 0.9:
        traits |= {"email": f"{user}@example.com", "email_opt_in": rng.random() < 0.7}
    if rng.random() < 0.6:
        traits |= {"phone": f"+1555{n:07d}", "sms_opt_in": rng.random() < 0.5}
    if rng.random() < 0.5:
        traits |= {"push_token": f"tok-{n}", "push_enabled": rng.random() < 0.6}
    out: list[tuple[float, dict[str, Any]]] = [(first, {"type": "identify", "userId": user, "traits": traits})]

    def track(at: float, event: str, **properties: Any) -> None:
        out.append((at, {"type": "track", "userId": user, "event": event, "properties": properties}))

    if new:
        track(first + 30, "Signed Up", method=rng.choice(["email", "google"]))
    favourite = rng.choice(CATEGORIES)
    orders = 0
    while len(out) < budget:
        at = first + rng.random() * (START + DAYS * DAY - first)
        category = favourite if rng.random() < 0.6 else rng.choice(CATEGORIES)
        for _ in range(rng.randint(1, 4)):  # a visit: a few product views, minutes apart
            at += rng.randint(20, 300)
            track(at, "Product Viewed", product_id=f"p-{rng.randint(1, 500)}", category=category,
                  price=rng.choice([29.0, 59.0, 89.0, 129.0]))  # fmt: skip
        roll = rng.random()
        if roll < 0.08:
            track(at + 60, "OTP Requested", code=f"{rng.randint(0, 999_999):06d}")
        elif roll < 0.11:
            track(at + 60, "Ticket Opened", ticket_id=f"t-{n}-{orders}", subject="Where is my order?")
        elif roll < 0.13:
            out.append((at + 60, {"type": "identify", "userId": user, "traits": {"sms_opt_in": rng.random() < 0.5}}))
        if rng.random() < 0.3:  # a checkout; most become orders
            orders += 1
            order = f"o-{n}-{orders}"
            value = rng.choice([35.0, 60.0, 95.0, 140.0, 220.0])
            at += rng.randint(60, 900)
            track(at, "Checkout Started", order_id=order, value=value)
            if rng.random() < 0.65:
                at += rng.randint(60, 3 * 3600)
                products = [{"product_id": f"p-{rng.randint(1, 500)}", "category": category, "price": value}]
                track(at, "Order Completed", order_id=order, total=value, products=products)
                parcel = {"order_id": order, "carrier": rng.choice(CARRIERS),
                          "tracking_url": f"https://track.example/{order}"}  # fmt: skip
                shipped = at + rng.randint(6, 40) * 3600
                track(shipped, "Order Shipped", **parcel)
                delivered = shipped + rng.randint(1, 4) * DAY + rng.randint(0, 8) * 3600
                track(delivered, "Order Delivered", **parcel)
                if rng.random() < 0.3:
                    rating = rng.choices([1, 2, 3, 4, 5], weights=[6, 6, 10, 30, 48])[0]
                    track(delivered + rng.randint(2, 9) * DAY, "Product Reviewed", product_id=products[0]["product_id"],
                          rating=rating)  # fmt: skip
    return out


def write_log(path: Path, events: int, customers: int, seed: int) -> int:
    """Write about `events` events for `customers` customers, sorted by time; returns the number written."""
    rng = random.Random(seed)
    # Activity is skewed: a few customers do much more than most (budgets from a Pareto draw, scaled to `events`).
    weights = [rng.paretovariate(1.8) for _ in range(customers)]
    scale = (events - customers) / sum(weights)
    rows: list[tuple[float, str]] = []
    later: list[int] = []  # rows that may be dropped to hit `events` exactly: all but each customer's identify
    for n, weight in enumerate(weights):
        for k, (at, record) in enumerate(_customer(rng, n, 1 + max(1, round(weight * scale)))):
            if at < START + DAYS * DAY:
                record["timestamp"] = _iso(at)
                if k:
                    later.append(len(rows))
                rows.append((at, json.dumps(record, separators=(",", ":"))))
    if len(rows) > events:  # visits overshoot the budgets a little: drop the excess at random, not the log's end
        drop = set(rng.sample(later, min(len(later), len(rows) - events)))
        rows = [row for n, row in enumerate(rows) if n not in drop]
    rows.sort(key=lambda row: row[0])
    with path.open("w", encoding="utf-8") as handle:
        handle.writelines(line + "\n" for _, line in rows)
    return len(rows)


# ---------------------------------------------------------------- measuring


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def _reachable(roots: list[Any], into: set[int]) -> None:
    """Add the ids of everything reachable from `roots` through dicts, sequences, sets and object attributes."""
    stack = list(roots)
    while stack:
        obj = stack.pop()
        if id(obj) in into:
            continue
        into.add(id(obj))
        if isinstance(obj, dict):
            stack.extend(obj.keys())
            stack.extend(obj.values())
        elif isinstance(obj, list | tuple | set | frozenset):
            stack.extend(obj)
        elif hasattr(obj, "__dict__") and not isinstance(obj, type | types.ModuleType | types.FunctionType):
            stack.append(vars(obj))
        else:
            stack.extend(_slot_values(obj))


def _slot_values(obj: Any) -> list[Any]:
    """The attribute values of an object whose class declares __slots__ (no __dict__ to walk)."""
    names = [name for cls in type(obj).__mro__ for name in getattr(cls, "__slots__", ())]
    return [getattr(obj, name) for name in names if hasattr(obj, name)]


def deep_size(run: Run, shared: set[int]) -> int:
    """sys.getsizeof summed over what this one Run alone holds: the object and its __dict__, its copy of the
    trigger properties, arms, the timer id, and the suspended coroutines (the journey's `run` and the
    `wait`/`wait_for` it awaits; on 3.11+ getsizeof of a coroutine includes its frame's slots) with what their
    locals and the pending request hold. Objects in `shared` (the simulator, the journey and its module's
    constants, the customer with profile and history, the event values the trigger copy points into) are not
    counted: other runs or the customer hold them anyway."""
    seen: set[int] = set(shared)
    total = 0
    stack: list[Any] = [run]
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, type | types.ModuleType | types.FunctionType | types.CodeType):
            continue
        seen.add(id(obj))
        total += sys.getsizeof(obj)
        if isinstance(obj, dict):
            stack.extend(obj.keys())
            stack.extend(obj.values())
        elif isinstance(obj, list | tuple | set | frozenset):
            stack.extend(obj)
        elif isinstance(obj, types.CoroutineType):
            if obj.cr_frame is not None:  # reading cr_frame makes a frame object; its size is not counted
                stack.extend(obj.cr_frame.f_locals.values())
            if obj.cr_await is not None:
                stack.append(obj.cr_await)
        elif hasattr(obj, "__dict__"):
            stack.append(vars(obj))
        else:
            stack.extend(_slot_values(obj))
    return total


def run_sizes(sim: Simulator, waiting: list[Run], count: int) -> float:
    """The mean deep size of `count` waiting runs picked at random (seeded)."""
    sample = random.Random(0).sample(waiting, min(count, len(waiting)))
    if not sample:
        return 0.0
    shared: set[int] = {id(sim), id(sim.policy)}
    for journey in sim.journeys:
        _reachable([journey, *journey.run.__globals__.values()], shared)
    for run in sample:
        customer = run.customer
        shared |= {id(customer), id(customer.profile), id(customer.segments), id(customer.entries)}
        _reachable([customer.profile, customer.history], shared)
    return sum(deep_size(run, shared) for run in sample) / len(sample)


def bench(log: Path, written: int, until: float, profile: bool, progress: bool = False) -> int:
    result = check_project(find_project(str(REPO / "journeys")))
    if result.errors:
        print(f"journeys/ has {result.errors} errors: fix the project first", file=sys.stderr)
        return 1
    gc.collect()
    rss_before = maxrss_mb()

    def simulate_file():
        # What journeyc.simulate.simulate does (the CLI's `journeyc simulate`), step by step so each is timed.
        build = build_outputs(result)
        events = json.loads(build["data/events.json"])
        shapes = json.loads(build["data/shapes.json"])
        profile = json.loads(build["data/profile.json"])  # traits are checked against it, as the command does
        with collector_paused(freeze=True):
            t0 = time.perf_counter()
            with log.open(encoding="utf-8", errors="replace", newline="\n") as handle:
                read = read_log(handle, events, shapes, profile)
            t1 = time.perf_counter()
            # As `journeyc simulate` runs: no --customer, so no timeline kept; records not kept in memory.
            simulator = Simulator(build, trace=(), keep_outbox=False)
            simulator.run_log(read.entries, until, _progress(time.perf_counter()) if progress else None)
            t2 = time.perf_counter()
        return read, simulator, t1 - t0, t2 - t1

    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler is not None:
        read, sim, reading, running = profiler.runcall(simulate_file)
    else:
        read, sim, reading, running = simulate_file()
    total = time.perf_counter() - started
    rss_after = maxrss_mb()

    processed = len(read.entries) + len(read.rejected)
    waiting = [r for r in sim.runs if not r.done]  # `runs`: the active ones (and finished ones holding a send)
    entered = sum(stats.entered for stats in sim.stats.values())
    deep = run_sizes(sim, waiting, 1000)
    rss_per_run = (rss_after - rss_before) * 1024 * 1024 / len(waiting) if waiting else 0.0
    rate = processed / total

    sent = sum(stats.sent for stats in sim.stats.values())
    records = sent + sum(sum(stats.dropped.values()) for stats in sim.stats.values())
    by_journey = ", ".join(f"{name} {count}" for name, count in _count(r.journey.name for r in waiting))
    print(
        f"journeyc simulate benchmark (Python {sys.version.split()[0]}, 1 core{', under cProfile' if profile else ''})"
    )
    print(f"log: {log} ({log.stat().st_size / 1e6:.0f} MB, {written:,} lines)")
    print()
    print(f"  events           {processed:>12,}   {len(read.rejected):,} rejected")
    print(f"  customers        {len(sim.customers):>12,}")
    print(f"  runs entered     {entered:>12,}   outbox {records:,} records, {sent:,} sent")
    print(f"  waiting runs     {len(waiting):>12,}   at --until: {by_journey or '-'}")
    print(f"  total            {total:>12.1f} s   reading the log {reading:.1f} s, simulating {running:.1f} s")
    print(f"  throughput       {rate:>12,.0f} events/s   target >= {TARGET_RATE:,}: {_verdict(rate >= TARGET_RATE)}")
    print(f"  peak memory      {rss_after:>12,.0f} MB   max RSS (before the run: {rss_before:,.0f} MB)")
    print(f"  per waiting run  {deep:>12,.0f} B    mean deep sys.getsizeof of up to 1,000 sampled waiting runs "
          "(the run, its trigger copy, its suspended coroutines; what the customer or journey holds anyway excluded); "
          f"target < {TARGET_RUN_BYTES:,}: {_verdict(0 < deep < TARGET_RUN_BYTES)}")  # fmt: skip
    print(
        f"                   {rss_per_run:>12,.0f} B    max RSS growth / waiting runs: an upper bound, it includes"
        " the log, the histories and the rest of the simulator's bookkeeping"
    )
    if profiler is not None:
        print("\ncProfile, top 15 by own time (cProfile slows every call; compare the parts, not the total):")
        pstats.Stats(profiler, stream=sys.stdout).strip_dirs().sort_stats("tottime").print_stats(15)
    return 0


def _progress(started: float):
    def show(done: int, total: int) -> None:
        print(f"  simulated {done:,} of {total:,} events in {time.perf_counter() - started:,.1f} s", file=sys.stderr)

    return show


def _count(names) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for name in names:
        counts[name] = counts.get(name, 0) + 1
    return sorted(counts.items(), key=lambda item: -item[1])


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main() -> int:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--events", type=int, default=1_000_000, help="events in the log (default 1,000,000)")
    args.add_argument("--customers", type=int, default=100_000, help="customers (default 100,000)")
    args.add_argument("--seed", type=int, default=7, help="generator seed (default 7)")
    args.add_argument("--profile", action="store_true", help="run under cProfile and print the top 15")
    args.add_argument("--progress", action="store_true", help="print the elapsed time every 50,000 events (stderr)")
    args.add_argument("--keep", type=Path, help="write the log here and keep it (default: a temporary file)")
    args.add_argument("--write-only", type=Path, help=argparse.SUPPRESS)  # the child process that generates
    opts = args.parse_args()
    if opts.customers < 1 or opts.events < 2 * opts.customers:
        args.error("need at least 2 events per customer")
    if opts.write_only:
        print(write_log(opts.write_only, opts.events, opts.customers, opts.seed))
        return 0
    with tempfile.TemporaryDirectory(prefix="journeyc-simbench-") as folder:
        log = opts.keep or Path(folder) / "events.jsonl"
        # A child process generates the log, so its memory does not count in this process's max RSS.
        started = time.perf_counter()
        child = subprocess.run(
            [sys.executable, __file__, "--write-only", str(log), "--events", str(opts.events),
             "--customers", str(opts.customers), "--seed", str(opts.seed)],
            check=True, capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": "0"},
        )  # fmt: skip
        written = int(child.stdout.strip())
        print(f"generated {written:,} events for {opts.customers:,} customers in {time.perf_counter() - started:.1f} s")
        until = START + DAYS * DAY  # the end of the log: runs still waiting then are the active ones
        return bench(log, written, until, opts.profile, opts.progress)


if __name__ == "__main__":
    sys.exit(main())
