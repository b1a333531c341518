"""Are the plain-template shortcuts worth their weight? The check and the simulation with each one on and off.

journeyc renders plain templates (journeyc/runtime/plain_templates.py) without compiling them: the runtime for
every send, the checks when they measure a message ("render"); and the checks bound a plain template's length
so that most messages are not rendered at all ("bound"). This script times, in one process and interleaved
round by round (the machine's speed drifts), what `check_bench.py` and `simulate_bench.py` time:

- the full check of the generated 1,000-file project (`check_project`, as `journeyc check`);
- the simulation of the demo company (`journeys/`) over a generated event log, as `journeyc simulate` runs it;

each with the shortcuts on, with "render" off (Jinja2 renders every template) and with "bound" off too (no
template is plain). It prints the CPU time of the process (`time.process_time`: steadier than the wall clock on
a shared machine) of each, best and median of the rounds, and checks that the outputs are the same.

Run: .venv/bin/python benchmarks/template_shortcuts.py [--files N] [--events N] [--customers N] [--rounds N]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from project_gen import generate  # noqa: E402
from simulate_workloads import WORKLOADS, end_of, write_log  # noqa: E402

from journeyc.build import build_outputs  # noqa: E402
from journeyc.collector import collector_paused  # noqa: E402
from journeyc.load import find_project  # noqa: E402
from journeyc.pipeline import check_project  # noqa: E402
from journeyc.runtime.eventlog import read_log  # noqa: E402
from journeyc.runtime.plain_templates import PlainTemplate  # noqa: E402
from journeyc.runtime.simulator import Simulator  # noqa: E402

CONFIGS = ("on", "render off", "bound off")
MIXED = WORKLOADS["mixed"]  # the benchmark's original log: the figures in benchmarks/README.md were made on it


@contextmanager
def shortcuts(config: str) -> Iterator[None]:
    """The plain-template shortcuts as `config` says, for the duration of the block."""
    render, from_tree = PlainTemplate.render, PlainTemplate.__dict__["from_tree"]
    if config != "on":
        PlainTemplate.render = lambda self, values, show: None  # type: ignore[method-assign]
    if config == "bound off":
        PlainTemplate.from_tree = classmethod(lambda cls, tree, **_: None)  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        PlainTemplate.render, PlainTemplate.from_tree = render, from_tree  # type: ignore[method-assign]


def cpu(run: Callable[[], Any]) -> tuple[float, Any]:
    started = time.process_time()
    result = run()
    return time.process_time() - started, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000, help="files of the checked project (default 1000)")
    parser.add_argument("--events", type=int, default=200_000, help="events of the simulated log (default 200,000)")
    parser.add_argument("--customers", type=int, default=100_000, help="customers (default 100,000)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (default 3)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="journeyc-shortcuts-") as folder:
        project, log = Path(folder) / "project", Path(folder) / "events.jsonl"
        generate(project, args.files)
        write_log(log, MIXED, args.events, args.customers, 7)
        demo = check_project(find_project(str(HERE.parent / "journeys")))
        build = build_outputs(demo)
        events, shapes = json.loads(build["data/events.json"]), json.loads(build["data/shapes.json"])
        times: dict[tuple[str, str], list[float]] = {}
        outputs: dict[tuple[str, str], Any] = {}

        def check() -> Any:
            return [d.model_dump_json() for d in check_project(find_project(str(project))).diagnostics]

        def simulate() -> Any:
            with log.open(encoding="utf-8") as handle:
                entries = read_log(handle, events, shapes).entries
            outbox = hashlib.sha256()  # (the records themselves would hold every email's HTML)
            with collector_paused(freeze=True):
                simulator = Simulator(
                    build, trace=(), on_record=lambda r: outbox.update(json.dumps(r).encode()), keep_outbox=False
                )
                seconds, _ = cpu(lambda: simulator.run_log(entries, end_of(MIXED)))
            return seconds, outbox.hexdigest()

        for round_ in range(args.rounds):
            for config in CONFIGS:
                with shortcuts(config):
                    seconds, diagnostics = cpu(check)
                    times.setdefault(("check", config), []).append(seconds)
                    outputs.setdefault(("check", config), diagnostics)
                    seconds, records = simulate()
                    times.setdefault(("simulate", config), []).append(seconds)
                    outputs.setdefault(("simulate", config), records)
            print(f"round {round_ + 1} of {args.rounds} done", file=sys.stderr)
    print(f"plain-template shortcuts: CPU seconds, best and median of {args.rounds} interleaved rounds")
    print(f"  check: {args.files:,}-file generated project; simulate: journeys/ over {args.events:,} events\n")
    for task in ("check", "simulate"):
        for config in CONFIGS:
            values = sorted(times[(task, config)])
            same = outputs[(task, config)] == outputs[(task, "on")]
            print(f"  {task:<9} {config:<11} best {values[0]:6.2f} s   median {values[len(values) // 2]:6.2f} s"
                  f"   {'same output' if same else 'OUTPUT DIFFERS'}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
