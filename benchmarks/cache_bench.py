"""`journeyc check` on an unchanged 1,000-file project: from the cache in .journeyc/ against a cold check.

Times the command in this process (click's runner: what the command does, rendering included, without Python's
start-up) and as a program (start-up and imports included): cold (--no-cache), the run that writes the cache,
and runs that read it. Wall and CPU time, best of N (the machine may be shared).
Run: .venv/bin/python benchmarks/cache_bench.py [--files N] [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from click.testing import CliRunner
from project_gen import generate

from journeyc.cli import main as journeyc_main


def in_process(root: Path, *args: str) -> tuple[float, float, str]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = CliRunner().invoke(journeyc_main, ["check", str(root), *args])
    return time.perf_counter() - wall, time.process_time() - cpu, result.output


def as_program(root: Path, *args: str) -> tuple[float, float, str]:
    before = os.times()
    wall = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "journeyc", "check", str(root), *args], capture_output=True,
                         text=True, check=False)  # fmt: skip
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return time.perf_counter() - wall, cpu, run.stdout


def best(runs: list[tuple[float, float, str]]) -> tuple[float, float]:
    return min(r[0] for r in runs), min(r[1] for r in runs)


def main() -> int:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--files", type=int, default=1000, help="files in the project (default 1000)")
    args.add_argument("--repeat", type=int, default=3, help="runs of each kind (default 3)")
    opts = args.parse_args()
    with tempfile.TemporaryDirectory(prefix="journeyc-cache-") as folder:
        root = Path(folder)
        generate(root, opts.files)
        print(f"journeyc check, {opts.files} files, unchanged project, best of {opts.repeat} (wall / CPU):")
        for name, run in (("in this process", in_process), ("as a program", as_program)):
            cold = [run(root, "--no-cache") for _ in range(opts.repeat)]
            run(root)  # writes the cache
            warm = [run(root) for _ in range(opts.repeat)]
            assert all(w[2] == cold[0][2] for w in warm), "the cached output differs from a cold check's"
            (cw, cc), (ww, wc) = best(cold), best(warm)
            print(f"  {name:16} cold {cw:.2f} s / {cc:.2f} s, from the cache {ww:.3f} s / {wc:.3f} s: "
                  f"{ww / cw:.3f}x wall, {wc / cc:.3f}x CPU")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
