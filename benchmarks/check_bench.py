"""How long `journeyc check` takes on a large project, next to the bare Lark parse of the same files.

Generates a seeded, realistic project (shared tracking plan, segments, offers, policy; ~990 journey files), makes
sure it checks clean, then times the bare LALR parse and the full in-process check (best of N) and prints a table.
Run: .venv/bin/python benchmarks/check_bench.py [--files N] [--repeat N] [--out DIR] [--profile] [--big-file MB]

`--big-file MB` (default 10; 0 skips it) also times the check of one file of about MB megabytes, clean and with a
syntax error in its last declaration: error recovery must cost about what a clean parse does.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import re
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from project_gen import generate

from journeyc.checks.analysis.facts import all_facts
from journeyc.checks.context import CheckContext
from journeyc.checks.rules.conflicts import check_conflicts
from journeyc.checks.rules.policy_fit import check_policy_fit
from journeyc.load import find_project
from journeyc.pipeline import CheckResult, check_project
from journeyc.render.full import render_full
from journeyc.syntax.parser import lark_parser

TARGET = 1.5  # the full check may take at most this many times the bare parse


def run_check(root: Path) -> CheckResult:
    """What `journeyc check DIR` does in-process: find the files, then the whole pipeline with a fresh cache (the
    collector is off, as the command turns it off: see main)."""
    return check_project(find_project(str(root)))


def cross_journey_pass(result: CheckResult, root: Path) -> None:
    """The whole-project pass on its own: every journey's paths and timings, the policy, the conflicts."""
    ctx = CheckContext(resolved=result.resolved, root=root, config=result.config)
    facts = all_facts(ctx.project, result.resolved.files)
    for journey_facts in facts:
        check_policy_fit(ctx, journey_facts)
    check_conflicts(ctx, facts)


def scaling(sizes: list[int], repeat: int) -> None:
    """The cross-journey pass at several project sizes: near linear, or quadratic in the number of journeys?"""
    print(f"\ncross-journey pass by project size (best of {repeat}):")
    print(f"  {'files':>6} {'journeys':>9} {'seconds':>9} {'ms per journey':>15}")
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="journeyc-scale-") as folder:
            root = Path(folder)
            generate(root, size)
            result = run_check(root)
            seconds = best_of(repeat, lambda result=result, root=root: cross_journey_pass(result, root))
            count = len(result.project.journeys)
            print(f"  {size:>6} {count:>9} {seconds:>9.3f} {1000 * seconds / count:>15.3f}")


def big_file(mb: float, repeat: int) -> None:
    """One generated file of about `mb` megabytes, checked clean and with a syntax error at its end."""
    with tempfile.TemporaryDirectory(prefix="journeyc-big-") as folder:
        texts = generate(Path(folder) / "project", max(int(mb * 590), 10))  # ~1.7 MB per 1,000 generated files
        shared = sorted(k for k in texts if k.startswith("shared/") or k.startswith("audiences/"))
        others = sorted(k for k in texts if k not in shared)
        text = "\n".join(re.sub(r"(?m)^import .*\n", "", texts[k]) for k in shared + others)
        broken = 'journey broken "Broken" {\n  owner growth\n  wait 1 hour\n  ~\n}\n'
        print(f"\none file of {len(text) / 1e6:.1f} MB ({text.count(chr(10)):,} lines), best of {repeat}:")
        for name, content in (("clean", text), ("error at its end", text + broken)):
            root = Path(folder) / name.replace(" ", "_")
            root.mkdir()
            (root / "big.journey").write_text(content, encoding="utf-8")
            result = run_check(root)
            seconds = best_of(repeat, lambda root=root: run_check(root))
            errors = f"{result.errors} error" + ("s" if result.errors != 1 else "")
            print(f"  {name:<18}{seconds:>7.2f} s   {errors}, {result.warnings:,} warnings")
            del result


def best_of(repeat: int, work: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def bench(root: Path, texts: dict[str, str], repeat: int, profile: bool, sizes: list[int], big_mb: float) -> int:
    result = run_check(root)  # also warms up: the Lark parser, Jinja2, imports
    if result.errors:
        print(f"the generated project does not check clean: {result.errors} errors; the first ones:\n")
        for diagnostic in result.diagnostics[:5]:
            print(render_full(diagnostic, result.sources), end="\n\n")
        return 1
    journeys, warnings = len(result.project.journeys), result.warnings
    del result  # time and measure each check without the previous one's IR alive
    parser, sources = lark_parser(), list(texts.values())

    def bare_parse() -> None:
        for text in sources:
            parser.parse(text)

    parse_s = best_of(repeat, bare_parse)
    check_s = best_of(repeat, lambda: run_check(root))
    tracemalloc.start()
    run_check(root)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    cli = subprocess.run([sys.executable, "-m", "journeyc", "check", str(root)], capture_output=True, text=True)
    cli_s = time.perf_counter() - start
    checked = run_check(root)
    cross_s = best_of(repeat, lambda: cross_journey_pass(checked, root))
    ratio = check_s / parse_s
    lines = sum(text.count("\n") for text in sources)
    print(f"journeyc check benchmark (best of {repeat}, Python {sys.version.split()[0]})")
    print(f"project: {root} ({journeys} journeys, {warnings} warnings)\n")
    rows = [
        ("files", f"{len(sources):,}", ""),
        ("lines", f"{lines:,}", ""),
        ("bare parse", f"{parse_s:.2f} s", "lark_parser().parse(text) of every file, texts in memory, collector off"),
        ("full check", f"{check_s:.2f} s", "check_project(find_project(DIR)), as `journeyc check`, fresh cache"),
        ("check / parse", f"{ratio:.2f}x", f"target <= {TARGET}x: {'PASS' if ratio <= TARGET else 'MISS'}"),
        ("cross-journey", f"{cross_s:.2f} s", "of the check: paths, timings, policy and conflicts of every journey"),
        ("check memory", f"{peak:.0f} MB", f"peak traced by tracemalloc; process max RSS {rss:.0f} MB"),
        ("CLI subprocess", f"{cli_s:.2f} s", f"`journeyc check DIR` once, incl. interpreter start-up (exit {cli.returncode})"),
    ]  # fmt: skip
    for name, value, note in rows:
        print(f"  {name:<15}{value:>10}   {note}".rstrip())
    if sizes:
        scaling(sizes, repeat)
    if big_mb > 0:
        big_file(big_mb, repeat)
    if profile:
        profiler = cProfile.Profile()
        profiler.runcall(run_check, root)
        print("\ncProfile of one check, top 25 by cumulative time:")
        pstats.Stats(profiler, stream=sys.stdout).strip_dirs().sort_stats("cumulative").print_stats(25)
    return 0


def main() -> int:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--files", type=int, default=1000, help="files in the project (default 1000)")
    args.add_argument("--repeat", type=int, default=3, help="best of N runs (default 3)")
    args.add_argument("--out", type=Path, help="write the project here and keep it (default: a temporary folder)")
    args.add_argument("--profile", action="store_true", help="also print a cProfile of one check (top 25)")
    args.add_argument("--no-scaling", action="store_true", help="skip the cross-journey pass at 250 and 500 files")
    args.add_argument("--big-file", type=float, default=10, help="also check one file of this many MB (0: skip)")
    opts = args.parse_args()
    if opts.files < 10 or opts.repeat < 1 or opts.big_file < 0:
        print("--files must be at least 10, --repeat at least 1 and --big-file 0 or more")
        return 2
    if opts.out is not None and opts.out.exists() and any(opts.out.iterdir()):
        print(f"--out {opts.out}: give a new or empty folder (old .journey files there would be checked too)")
        return 2
    sizes = [] if opts.no_scaling else sorted({opts.files // 4, opts.files // 2, opts.files})
    gc.disable()  # as `journeyc check` runs (journeyc/cli.py, run): what is timed is what the command does
    try:
        if opts.out is not None:
            opts.out.mkdir(parents=True, exist_ok=True)
            texts = generate(opts.out, opts.files)
            return bench(opts.out.resolve(), texts, opts.repeat, opts.profile, sizes, opts.big_file)
        with tempfile.TemporaryDirectory(prefix="journeyc-bench-") as folder:
            texts = generate(Path(folder), opts.files)
            return bench(Path(folder), texts, opts.repeat, opts.profile, sizes, opts.big_file)
    except KeyboardInterrupt:
        print("interrupted")
        return 2
    except Exception as error:  # a figure, not a test: say what went wrong in one line
        print(f"benchmark failed: {type(error).__name__}: {error}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
