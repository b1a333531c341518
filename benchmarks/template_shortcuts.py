"""Is rendering plain templates without Jinja2 worth its weight? Runs a benchmark with the shortcut on or off.

journeyc renders plain templates (journeyc/runtime/plain_templates.py) without compiling them: the runtime for
every send, the checks when they measure a message; and the checks bound a plain template's length without
rendering it. This script runs `check_bench.py` or `simulate_bench.py` (same options) in this process with
`--off render` (every template rendered by Jinja2) or `--off bound` (no length bound either: no template is
plain), so the figures can be compared with a run of the unchanged benchmark. Run them one after the other, in
the same session: the machine's speed varies by the hour.

Run: .venv/bin/python benchmarks/template_shortcuts.py [--off render|bound] check_bench.py|simulate_bench.py [options]
"""

from __future__ import annotations

import argparse
import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from journeyc.runtime.plain_templates import PlainTemplate  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--off", choices=("render", "bound"), help="turn the shortcut off (default: leave it on)")
    parser.add_argument("bench", choices=("check_bench.py", "simulate_bench.py"))
    args, rest = parser.parse_known_args()
    if args.off == "render":
        PlainTemplate.render = lambda self, values, show: None  # type: ignore[method-assign]  # Jinja2 renders all
    elif args.off == "bound":
        PlainTemplate.from_tree = classmethod(lambda cls, tree: None)  # type: ignore[method-assign,assignment]
    print(f"plain-template shortcut: {'off (' + args.off + ')' if args.off else 'on'}")
    sys.argv = [str(HERE / args.bench), *rest]
    runpy.run_path(str(HERE / args.bench), run_name="__main__")


if __name__ == "__main__":
    main()
