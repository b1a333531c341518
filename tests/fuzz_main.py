"""Run the fuzzers of issue 12 for the record: thousands of mutated projects, event logs and journey test files.

    .venv/bin/python tests/fuzz_main.py                        # 5,000 projects, 5,000 event logs, 2,000 test cases
    .venv/bin/python tests/fuzz_main.py --projects 200 --eventlogs 0 --tests 0 --jobs 2
    .venv/bin/python tests/fuzz_main.py --replay projects 174  # one case, with everything it printed

Each case is a seed: the same seed is the same mutation on every machine (see fuzz_cases.py, fuzz_log_cases.py,
fuzz_test_file_cases.py), with the oracles of test_fuzz_projects.py, test_fuzz_eventlogs.py and
test_fuzz_journey_tests.py. Cases run in worker processes that report each seed as they go, so a case that kills
its process (a stack overflow in a native library) is reported as a crash with its seed, and the run goes on.
It prints the counts and every failure, and exits 1 when there was one.
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

KINDS = ("projects", "eventlogs", "tests")
# Click's CliRunner keeps about 100 KB of each in-process run's output for good (click 8.5), so a worker that
# ran thousands of cases would hold gigabytes: each worker runs this many, then a fresh one goes on.
CASES_PER_WORKER = 200


def round_of(kind: str) -> Callable[[int, Path], Any]:
    """The function that runs one case of `kind` (imported late: a worker loads only what it runs)."""
    if kind == "projects":
        from test_fuzz_projects import project_round

        return lambda seed, work: project_round(seed, work).built
    if kind == "eventlogs":
        from test_fuzz_eventlogs import log_round

        return log_round
    from test_fuzz_journey_tests import journey_tests_round

    return journey_tests_round


def work_on(kind: str, seeds: range) -> None:
    """A worker: run the cases, one JSON line per seed on stdout (`start`, then `done` or `failed`)."""
    from fuzz_oracles import OracleError

    run = round_of(kind)
    with tempfile.TemporaryDirectory(prefix=f"journeyc-fuzz-{kind}-") as folder:
        for seed in seeds:
            print(json.dumps({"seed": seed, "start": True}), flush=True)
            try:
                outcome = run(seed, Path(folder) / str(seed))
                print(json.dumps({"seed": seed, "done": outcome}), flush=True)
            except OracleError as error:
                print(json.dumps({"seed": seed, "failed": str(error)[:6000]}), flush=True)
            except Exception:  # a bug of the harness itself: reported, never hidden
                print(json.dumps({"seed": seed, "failed": "harness: " + traceback.format_exc()[-4000:]}), flush=True)
            gc.collect()  # what `watch` does after each round: checks leave their garbage to a full collection


def run_kind(kind: str, count: int, first: int, jobs: int) -> tuple[list[tuple[int, str]], int, float]:
    """Run `count` cases of `kind` from seed `first` in `jobs` workers: (failures, cases whose outcome is truthy,
    seconds)."""
    started = time.perf_counter()
    share = -(-count // jobs)
    chunks = [range(s, min(s + share, first + count)) for s in range(first, first + count, share)]
    results = [_run_chunk(kind, chunk) for chunk in chunks] if jobs == 1 else _in_threads(kind, chunks)
    failures = sorted(failure for chunk_failures, _ in results for failure in chunk_failures)
    return failures, sum(truthy for _, truthy in results), time.perf_counter() - started


def _in_threads(kind: str, chunks: list[range]) -> list[tuple[list[tuple[int, str]], int]]:
    with ThreadPoolExecutor(len(chunks)) as pool:  # each thread waits on its worker process
        return list(pool.map(lambda chunk: _run_chunk(kind, chunk), chunks))


def _run_chunk(kind: str, chunk: range) -> tuple[list[tuple[int, str]], int]:
    """The seeds of `chunk` in worker processes of at most CASES_PER_WORKER cases each; when a process dies in a
    case, that case is a failure and a new worker goes on with the next seed."""
    failures: list[tuple[int, str]] = []
    truthy = 0
    start = chunk.start
    while start < chunk.stop:
        stop = min(chunk.stop, start + CASES_PER_WORKER)
        worker = subprocess.Popen(
            [sys.executable, __file__, "--worker", kind, str(start), str(stop)], stdout=subprocess.PIPE, text=True
        )
        assert worker.stdout is not None
        current = None
        for line in worker.stdout:
            report = json.loads(line)
            current = report["seed"]
            if "start" in report:
                continue
            start, current = report["seed"] + 1, None
            if "failed" in report:
                failures.append((report["seed"], report["failed"]))
                print(f"FAIL {kind} seed {report['seed']}\n{report['failed']}\n", flush=True)
            truthy += bool(report.get("done"))
        worker.wait()
        if current is not None:
            failures.append((current, f"the process died (exit {worker.returncode}) during this case"))
            print(f"FAIL {kind} seed {current}: the process died (exit {worker.returncode})\n", flush=True)
            start = current + 1
        elif worker.returncode != 0:
            raise SystemExit(f"a {kind} worker failed (exit {worker.returncode}) outside any case")
    return failures, truthy


def replay(kind: str, seed: int) -> int:
    """Run one case in this process and print what it did (the traceback too, for a crash inside journeyc)."""
    from fuzz_oracles import OracleError

    with tempfile.TemporaryDirectory(prefix="journeyc-fuzz-replay-") as folder:
        try:
            outcome = round_of(kind)(seed, Path(folder) / "case")
        except OracleError as error:
            print(error)
            return 1
    print(f"{kind} seed {seed}: every oracle holds (outcome {outcome!r})")
    return 0


OUTCOME_WORDS = {"projects": "built", "eventlogs": "wrote an outbox", "tests": "had a failing test file"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--projects", type=int, default=5000)
    parser.add_argument("--eventlogs", type=int, default=5000)
    parser.add_argument("--tests", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0, help="the first seed (default 0)")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--replay", nargs=2, metavar=("KIND", "SEED"), help=f"run one case: KIND is one of {KINDS}")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, start, stop = args.worker
        work_on(kind, range(int(start), int(stop)))
        return 0
    if args.replay:
        return replay(args.replay[0], int(args.replay[1]))
    counts = {"projects": args.projects, "eventlogs": args.eventlogs, "tests": args.tests}
    failed = 0
    lines = []
    for kind in KINDS:
        if counts[kind] <= 0:
            continue
        failures, truthy, seconds = run_kind(kind, counts[kind], args.seed, max(1, args.jobs))
        failed += len(failures)
        lines.append(
            f"{kind}: {counts[kind]:,} cases (seeds {args.seed} to {args.seed + counts[kind] - 1}), "
            f"{len(failures)} failures, {truthy:,} {OUTCOME_WORDS[kind]}, {seconds:,.0f} s"
        )
    print("\n".join(lines))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
