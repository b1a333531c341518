"""Instructions per call of `journeyc simulate`, counted by valgrind: a measure that does not move with the machine.

CPU time on a shared machine moved by up to 15-25% from one run of simulate_bench.py to the next, more than most
changes to the simulator are worth, so an optimisation could only be judged by many alternating runs. Counting
the instructions the process executes (valgrind's cachegrind, without its cache simulation) gives the same figure
on every run (same code, same log, same hash seed): it shows a change of 0.5%. It does not see memory stalls,
which CPU time does: an instruction count that falls says the code does less, simulate_bench.py says how much
faster it is.

For each workload (simulate_workloads.py; default: every one, 15,000 calls each) this writes its seeded log, then
runs under valgrind a child that reads the log as `journeyc simulate` does and one that also simulates it, each
once with an empty log too, and prints per call: the instructions of reading it and of simulating it.
Run: .venv/bin/python benchmarks/simulate_instructions.py [--workload NAME]... [--events N] [--seed N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from simulate_workloads import WORKLOADS, end_of, write_log  # noqa: E402

DEFAULT_EVENTS = 15_000


def child(build_file: Path, log: Path, until: float, simulate: bool) -> None:
    """Read the log (and simulate it), as `journeyc simulate` does without --outbox or --customer."""
    from journeyc.collector import collector_paused
    from journeyc.runtime.eventlog import read_log
    from journeyc.runtime.simulator import Simulator
    from journeyc.simulate import LOG_BUFFER

    build = {path: bytes.fromhex(data) for path, data in json.loads(build_file.read_text()).items()}
    data = {name: json.loads(build[f"data/{name}.json"]) for name in ("events", "shapes", "profile")}
    with collector_paused(freeze=True):
        with log.open("rb", buffering=LOG_BUFFER) as handle:
            read = read_log(handle, data["events"], data["shapes"], data["profile"])
        simulator = Simulator(build, trace=(), keep_outbox=False)
        if simulate:
            simulator.run_log(read.entries, until)


def instructions(valgrind: str, *args: str) -> int:
    """The instructions a child run executes (valgrind's "I refs"), with a fixed hash seed."""
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "cachegrind.out"
        command = [valgrind, "--tool=cachegrind", "--cache-sim=no", f"--cachegrind-out-file={out}",
                   sys.executable, __file__, *args]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": "0"})
        if done.returncode != 0:
            raise SystemExit(f"the child failed under valgrind:\n{done.stderr[-2000:]}")
        for line in done.stderr.splitlines():
            if "I   refs:" in line or "I refs:" in line:
                return int(line.rsplit(":", 1)[1].replace(",", "").strip())
    raise SystemExit("valgrind printed no instruction count")


def positive(text: str) -> int:
    """A count of calls given on the command line: a whole number, at least 1."""
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"{number} calls: give at least 1")
    return number


def main() -> int:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--workload", action="append", choices=sorted(WORKLOADS), help="this one (repeatable)")
    args.add_argument(
        "--events", type=positive, default=DEFAULT_EVENTS, help=f"calls per log (default {DEFAULT_EVENTS:,})"
    )
    args.add_argument("--seed", type=int, default=7, help="generator seed (default 7)")
    args.add_argument("--child", nargs=4, help=argparse.SUPPRESS)  # build file, log, until, read|simulate
    opts = args.parse_args()
    if opts.child:
        build_file, log, until, what = opts.child
        child(Path(build_file), Path(log), float(until), what == "simulate")
        return 0
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        print("valgrind is not installed (Debian: apt install valgrind): nothing to count")
        return 0

    from journeyc.build import build_outputs
    from journeyc.load import find_project
    from journeyc.pipeline import check_project

    result = check_project(find_project(str(REPO / "journeys")))
    if result.errors:
        raise SystemExit("journeys/ has errors: fix the project first")
    print(f"instructions per call (valgrind, PYTHONHASHSEED=0), {opts.events:,} calls per log, seed {opts.seed}")
    print(f"  {'workload':<15} {'reading':>9} {'simulating':>11} {'both':>9}")
    with tempfile.TemporaryDirectory() as scratch:
        build_file = Path(scratch) / "build.json"
        build_file.write_text(json.dumps({path: data.hex() for path, data in build_outputs(result).items()}))
        empty = Path(scratch) / "empty.jsonl"
        empty.write_bytes(b"")
        for name in opts.workload or sorted(WORKLOADS):
            workload = WORKLOADS[name]
            log = Path(scratch) / f"{name}.jsonl"
            calls = write_log(log, workload, opts.events, max(1, opts.events * workload.customers // workload.events),
                              opts.seed)  # fmt: skip
            until = str(end_of(workload))
            count = {(what, which): instructions(valgrind, "--child", str(build_file), str(which), until, what)
                     for what in ("read", "simulate") for which in (empty, log)}  # fmt: skip
            reading = count["read", log] - count["read", empty]
            simulating = count["simulate", log] - count["simulate", empty] - reading
            print(
                f"  {name:<15} {reading / calls:>9,.0f} {simulating / calls:>11,.0f} {(reading + simulating) / calls:>9,.0f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
