"""Save-to-diagnostics latency of `journeyc watch` on the 1,000-file benchmark project.

Starts the watcher (check only, no build) in a thread on a generated project, then saves one journey file at a
time (a harmless edit, then a mistake, then the fix) and times each save until the watcher hands over the
round's diagnostics. Run: .venv/bin/python benchmarks/watch_bench.py [--files N] [--saves N]
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

from project_gen import generate

from journeyc.watch import Round, watch


def main() -> int:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--files", type=int, default=1000, help="files in the project (default 1000)")
    args.add_argument("--saves", type=int, default=6, help="saves to time (default 6)")
    opts = args.parse_args()
    with tempfile.TemporaryDirectory(prefix="journeyc-watch-") as folder:
        root = Path(folder)
        generate(root, opts.files)
        rounds: queue.Queue[Round] = queue.Queue()
        stop = threading.Event()
        thread = threading.Thread(target=watch, args=(str(root), None, rounds.put, stop), daemon=True)
        start = time.perf_counter()
        thread.start()
        first = rounds.get(timeout=600)
        print(f"journeyc watch latency: {opts.files} files, first full check {time.perf_counter() - start:.2f} s")
        target = sorted(root.rglob("*.journey"))[len(list(root.rglob("*.journey"))) // 2]
        original = target.read_text(encoding="utf-8")
        edits = [original + "\n# edited\n", original.replace("owner ", "owner nobody_", 1), original]
        latencies, inside = [], []
        for n in range(opts.saves):
            time.sleep(0.3)
            saved = time.perf_counter()
            target.write_text(edits[n % len(edits)], encoding="utf-8")
            got = rounds.get(timeout=600)
            latencies.append(time.perf_counter() - saved)
            inside.append(got.seconds)
            errors = got.result.errors if got.result else "?"
            print(
                f"  save {n + 1}: {latencies[-1]:.3f} s to diagnostics ({got.seconds:.3f} s checking; {errors} errors)"
            )
        stop.set()
        thread.join(timeout=60)
        assert first.result is not None
        print(
            f"median {statistics.median(latencies):.3f} s, best {min(latencies):.3f} s, worst {max(latencies):.3f} s "
            f"(of which checking: median {statistics.median(inside):.3f} s; the rest is file-event delivery)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
