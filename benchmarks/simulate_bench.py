"""How fast `journeyc simulate` runs the demo company (journeys/) on several workloads, beside a bare orjson
read of the same log, and how much memory it holds.

For each workload (benchmarks/simulate_workloads.py: send_heavy, segment_heavy, waiting_runs, few_events, mixed) a
child process writes its seeded event log to a temporary file, and another runs what `journeyc simulate journeys
--events FILE --until T` runs on it, each step timed, and prints events/s (CPU time, and wall clock beside it),
the bare orjson read of the same log (lines/s) and the ratio of the two, peak memory and memory per waiting run.
Each workload runs in a process of its own, so that its peak memory is its own.
Run: .venv/bin/python benchmarks/simulate_bench.py [--workload NAME]... [--scale F] [--events N] [--customers N]
     [--seed N] [--profile] [--progress] [--keep DIR]
"""

from __future__ import annotations

import argparse
import cProfile
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

import orjson

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from simulate_workloads import WORKLOADS, Workload, end_of, write_log  # noqa: E402

from journeyc.build import build_outputs  # noqa: E402
from journeyc.collector import collector_paused  # noqa: E402
from journeyc.load import find_project  # noqa: E402
from journeyc.pipeline import check_project  # noqa: E402
from journeyc.runtime.eventlog import read_log  # noqa: E402
from journeyc.runtime.simulator import Run, Simulator  # noqa: E402
from journeyc.simulate import LOG_BUFFER  # noqa: E402

TARGET_RATE = 50_000  # events per second of CPU time, one core
TARGET_RUN_BYTES = 2048  # per waiting journey run
RESULT = "result: "  # the line a measuring child ends with: its figures as JSON, for the summary


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


class Clock:
    """CPU time of this process and wall-clock time, read together. The machine may be shared: the wall clock
    then counts the other processes' turns too, CPU time only this one's work."""

    def __init__(self) -> None:
        self.cpu, self.wall = time.process_time(), time.perf_counter()

    def since(self, start: Clock) -> tuple[float, float]:
        return self.cpu - start.cpu, self.wall - start.wall


def bare_read(log: Path) -> tuple[float, float]:
    """CPU and wall seconds of reading the log line by line with orjson and nothing else: the floor."""
    with collector_paused():
        start = Clock()
        with log.open("rb", buffering=LOG_BUFFER) as handle:
            for line in handle:
                orjson.loads(line)
        return Clock().since(start)


def bench(workload: Workload, log: Path, until: float, profile: bool, progress: bool = False) -> dict[str, Any]:
    """Simulate the log as `journeyc simulate` does, timed step by step; print the figures and return them."""
    result = check_project(find_project(str(REPO / "journeys")))
    if result.errors:
        raise SystemExit("journeys/ has errors: fix the project first")
    orjson_cpu, orjson_wall = bare_read(log)
    gc.collect()
    rss_before = maxrss_mb()

    def simulate_file() -> tuple[Any, Simulator, float, float]:
        # What journeyc.simulate.simulate does (the CLI's `journeyc simulate`), step by step so each is timed.
        build = build_outputs(result)
        data = {name: json.loads(build[f"data/{name}.json"]) for name in ("events", "shapes", "profile")}
        with collector_paused(freeze=True):  # (`journeyc simulate` runs with the collector off)
            started = time.process_time()
            with log.open("rb", buffering=LOG_BUFFER) as handle:  # (as `journeyc simulate` opens it)
                read = read_log(handle, data["events"], data["shapes"], data["profile"])
            reading = time.process_time() - started
            # As `journeyc simulate` runs: no --customer, so no timeline kept; records not kept in memory.
            simulator = Simulator(build, trace=(), keep_outbox=False)
            simulator.run_log(read.entries, until, _progress(time.perf_counter()) if progress else None)
        return read, simulator, reading, time.process_time() - started - reading

    profiler = cProfile.Profile() if profile else None
    start = Clock()
    if profiler is not None:
        read, sim, reading, running = profiler.runcall(simulate_file)
    else:
        read, sim, reading, running = simulate_file()
    cpu, wall = Clock().since(start)
    rss_after = maxrss_mb()

    processed = len(read.entries) + len(read.rejected) + read.duplicates
    waiting = [r for r in sim.runs if not r.done]  # `runs`: the active ones (and finished ones holding a send)
    entered = sum(stats.entered for stats in sim.stats.values())
    deep = run_sizes(sim, waiting, 1000)
    rate, rate_wall, floor = processed / cpu, processed / wall, processed / orjson_cpu
    sent = sum(stats.sent for stats in sim.stats.values())
    records = sent + sum(sum(stats.dropped.values()) for stats in sim.stats.values())
    by_journey = ", ".join(f"{name} {count:,}" for name, count in _count(r.journey.name for r in waiting))
    under = ", under cProfile" if profile else ""
    print(f"{workload.name}: {workload.what}{under}")
    print(f"  log              {processed:>12,} events  {len(sim.customers):,} customers, {log.stat().st_size / 1e6:.0f} MB;"
          f" {len(read.rejected):,} rejected, {len(read.warnings):,} with warnings, {read.duplicates:,} duplicates")  # fmt: skip
    print(f"  runs entered     {entered:>12,}         outbox {records:,} records ({records / processed:.0%} of events),"
          f" {sent:,} sent; {sim.merges:,} customers merged")  # fmt: skip
    print(f"  waiting runs     {len(waiting):>12,}         at --until: {by_journey or '-'}")
    print(f"  time             {cpu:>12.2f} s CPU   reading the log {reading:.2f} s, simulating {running:.2f} s;"
          f" {wall:.2f} s wall clock")  # fmt: skip
    print(f"  throughput       {rate:>12,.0f} events/s of CPU time   (wall clock: {rate_wall:,.0f})   target >= "
          f"{TARGET_RATE:,}: {_verdict(rate >= TARGET_RATE)}")  # fmt: skip
    print(f"  bare orjson read {floor:>12,.0f} lines/s of CPU time   ({orjson_cpu:.2f} s CPU, {orjson_wall:.2f} s wall): the simulation takes "
          f"{floor / rate:.1f}x as long")  # fmt: skip
    print(f"  peak memory      {rss_after:>12,.0f} MB        max RSS (before the run: {rss_before:,.0f} MB)")
    print(f"  per waiting run  {deep:>12,.0f} B         mean deep sys.getsizeof of up to 1,000 sampled waiting runs; "
          f"target < {TARGET_RUN_BYTES:,}: {_verdict(0 < deep < TARGET_RUN_BYTES or not waiting)}")  # fmt: skip
    if profiler is not None:
        print("\ncProfile, top 25 by own time (cProfile slows every call; compare the parts, not the total):")
        pstats.Stats(profiler, stream=sys.stdout).strip_dirs().sort_stats("tottime").print_stats(25)
    print(flush=True)
    return {"workload": workload.name, "events": processed, "rate": rate, "wall": rate_wall, "floor": floor,
            "memory": rss_after, "run_bytes": deep}  # fmt: skip


def _progress(started: float) -> Any:
    def show(done: int, total: int) -> None:
        print(f"  simulated {done:,} of {total:,} events in {time.perf_counter() - started:,.1f} s", file=sys.stderr)

    return show


def _count(names: Any) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for name in names:
        counts[name] = counts.get(name, 0) + 1
    return sorted(counts.items(), key=lambda item: -item[1])


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def _child(*args: str, capture: bool) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    return subprocess.run([sys.executable, __file__, *args], check=True, text=True, env=env,
                          stdout=subprocess.PIPE if capture else None)  # fmt: skip


def summary(rows: list[dict[str, Any]]) -> None:
    print("summary (events/s and lines/s of CPU time; the machine's load shows in the wall-clock column)")
    print(
        f"  {'workload':<14} {'events/s':>9} {'wall':>9} {'orjson lines/s':>15} {'ratio':>6} {'MB':>6} {'B/run':>6}  target"
    )
    for row in rows:
        print(f"  {row['workload']:<14} {row['rate']:>9,.0f} {row['wall']:>9,.0f} {row['floor']:>15,.0f} "
              f"{row['floor'] / row['rate']:>5.1f}x {row['memory']:>6,.0f} {row['run_bytes']:>6,.0f}  "
              f"{_verdict(row['rate'] >= TARGET_RATE)}")  # fmt: skip
    print(
        f"load average (1, 5, 15 min): {', '.join(f'{load:.1f}' for load in os.getloadavg())} on {os.cpu_count()} cores"
    )


def main() -> int:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--workload", action="append", choices=sorted(WORKLOADS), help="run this one (repeatable; "
                      "default: every workload)")  # fmt: skip
    args.add_argument("--scale", type=float, default=1.0, help="each workload's default size times this (default 1)")
    args.add_argument("--events", type=int, help="events in each log (default: the workload's, 300,000)")
    args.add_argument("--customers", type=int, help="customers in each log (default: the workload's)")
    args.add_argument("--seed", type=int, default=7, help="generator seed (default 7)")
    args.add_argument("--profile", action="store_true", help="run under cProfile and print the top 25")
    args.add_argument("--progress", action="store_true", help="print the elapsed time every 50,000 events (stderr)")
    args.add_argument("--keep", type=Path, help="write the logs into this folder (<workload>.jsonl) and keep them")
    args.add_argument("--write-only", type=Path, help=argparse.SUPPRESS)  # a child: generate one log
    args.add_argument("--bench-only", type=Path, help=argparse.SUPPRESS)  # a child: measure one log
    opts = args.parse_args()
    names = opts.workload or list(WORKLOADS)
    if opts.write_only or opts.bench_only:
        workload = WORKLOADS[names[0]]
        if opts.write_only:
            print(write_log(opts.write_only, workload, opts.events, opts.customers, opts.seed))
        else:
            figures = bench(workload, opts.bench_only, end_of(workload), opts.profile, opts.progress)
            print(RESULT + json.dumps(figures))
        return 0
    rows = []
    with tempfile.TemporaryDirectory(prefix="journeyc-simbench-") as folder:
        for name in names:
            workload = WORKLOADS[name]
            events = opts.events or round(workload.events * opts.scale)
            customers = opts.customers or max(1, round(workload.customers * opts.scale))
            if events < 2 * customers:
                args.error(f"{name}: need at least 2 events per customer")
            if opts.keep:
                opts.keep.mkdir(parents=True, exist_ok=True)
            log = (opts.keep or Path(folder)) / f"{name}.jsonl"
            # Children generate the log and measure it, so that neither the generator's memory nor another
            # workload's counts in the measured process's max RSS.
            started = time.perf_counter()
            _child("--write-only", str(log), "--workload", name, "--events", str(events), "--customers",
                   str(customers), "--seed", str(opts.seed), capture=True)  # fmt: skip
            print(f"(generated {name}'s log in {time.perf_counter() - started:.1f} s)")
            flags = [*(["--profile"] if opts.profile else []), *(["--progress"] if opts.progress else [])]
            out = _child("--bench-only", str(log), "--workload", name, *flags, capture=True).stdout
            print(out.rpartition(RESULT)[0], end="", flush=True)
            rows.append(json.loads(out.rpartition(RESULT)[2]))
    summary(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
