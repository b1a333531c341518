"""Save-to-diagnostics latency of `journeyc watch` on the 1,000-file benchmark project.

Starts the watcher (check only, no build) in a thread on a generated project, then saves one journey file at a
time (a step added, a message name misspelt and fixed, a comment, an entry rule changed) and times each save until
the watcher hands over the round's diagnostics: the file event's delivery (watchfiles waits `debounce` for more
changes) and the incremental check. The watcher runs as `journeyc watch` runs it, its collector paused during
each round (collector.py); the first save waits SETTLE seconds after the first (cold) round, whose collection of
everything it built follows its report. CPU time is the process's (the machine may be shared).
Run: .venv/bin/python benchmarks/watch_bench.py [--files N] [--saves N]
"""

from __future__ import annotations

import argparse
import queue
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from lsp_bench import edited_file, edits_of, percentile
from project_gen import generate

from journeyc.collector import collector_paused, collector_paused_young
from journeyc.watch import Round, watch

SETTLE = 1.5  # seconds between the first round's report and the first save


def main() -> int:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--files", type=int, default=1000, help="files in the project (default 1000)")
    args.add_argument("--saves", type=int, default=30, help="saves to time (default 30)")
    opts = args.parse_args()
    with tempfile.TemporaryDirectory(prefix="journeyc-watch-") as folder:
        root = Path(folder)
        generate(root, opts.files)
        rounds: queue.Queue[Round] = queue.Queue()
        stop = threading.Event()
        thread = threading.Thread(
            target=watch,
            args=(str(root), None, rounds.put, stop),
            daemon=True,
            kwargs={"around_round": collector_paused, "around_small_round": collector_paused_young},
        )  # as `journeyc watch`
        start = time.perf_counter()
        thread.start()
        first = rounds.get(timeout=600)
        print(f"journeyc watch latency: {opts.files} files, first full check {time.perf_counter() - start:.2f} s")
        target = edited_file(root)
        edits = edits_of(target.read_text(encoding="utf-8"))
        time.sleep(SETTLE)  # the first round's garbage is collected after its report: a start's cost, not an edit's
        latencies, inside, cpus = [], [], []
        for n in range(opts.saves):
            time.sleep(0.3)
            cpu = time.process_time()
            saved = time.perf_counter()
            target.write_text(edits[n % len(edits)], encoding="utf-8")
            got = rounds.get(timeout=600)
            latencies.append(1000 * (time.perf_counter() - saved))
            cpus.append(1000 * (time.process_time() - cpu))
            inside.append(1000 * got.seconds)
        stop.set()
        thread.join(timeout=60)
        assert first.result is not None
    print(
        f"  save to diagnostics over {len(latencies)} saves: p50 {percentile(latencies, 0.5):.0f} ms, p90 "
        f"{percentile(latencies, 0.9):.0f} ms, p99 {percentile(latencies, 0.99):.0f} ms, worst {max(latencies):.0f} ms"
    )
    print(
        f"  of which checking: median {statistics.median(inside):.0f} ms, p99 {percentile(inside, 0.99):.0f} ms "
        f"(the rest is the file event's delivery); CPU per save: median {statistics.median(cpus):.0f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
