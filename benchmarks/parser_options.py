"""The ways journeyc could parse, timed on the same files in the same run: why FastParse is kept (and pinned).

FastParse (journeyc/syntax/fast_parse.py) reads Lark's parse table, which is not Lark's public interface. The
alternatives that rest on public interfaces are timed here against it, each reading every file of the generated
1,000-file project (texts in memory, the collector paused: `journeyc check` runs with it off), best of N, interleaved:

- FastParse building the IR: what `journeyc check` does for a file that parses.
- Lark's LALR parser with its contextual lexer building the same IR through the same callbacks (`transformer=`).
- Lark's bare parse building a tree: the check benchmark's floor.
- The module Lark's standalone generator writes (`python -m lark.tools.standalone`), building a tree: the same
  parser code as Lark's, with no Lark dependency. (It has its own Token class, so the IR builders, which check
  for Lark's, cannot run on it as they are.)
- A content-hash cache of the IR: unpickling each file's `SourceFile`, what a cache hit would cost instead of a
  parse. It makes a second check fast, not the first.

Run: .venv/bin/python benchmarks/parser_options.py [--files N] [--repeat N]
"""

from __future__ import annotations

import argparse
import importlib.util
import pickle
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from project_gen import generate

from journeyc.collector import collector_paused
from journeyc.syntax.build_inline import build_inline
from journeyc.syntax.build_journey import JourneyBuilder
from journeyc.syntax.grammar import GRAMMAR, fast_parser, inline_parser, lark_parser
from journeyc.syntax.parser import parse_source


def standalone_parser(folder: Path) -> object:
    """The grammar's parser as Lark's standalone generator writes it, imported from `folder`."""
    module = folder / "journey_standalone.py"
    command = [sys.executable, "-m", "lark.tools.standalone", "-l", "contextual", "--propagate_positions"]
    command += ["-o", str(module), str(GRAMMAR)]
    subprocess.run(command, check=True)
    spec = importlib.util.spec_from_file_location("journey_standalone", module)
    assert spec is not None and spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded.Lark_StandAlone()


def main() -> int:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--files", type=int, default=1000, help="files in the project (default 1000)")
    args.add_argument("--repeat", type=int, default=5, help="best of N runs (default 5)")
    opts = args.parse_args()
    with tempfile.TemporaryDirectory(prefix="journeyc-parsers-") as folder:
        texts = list(generate(Path(folder) / "project", opts.files).values())
        standalone = standalone_parser(Path(folder))
    cached = [pickle.dumps(parse_source(text, "f.journey")) for text in texts]

    def each(read: Callable[[str], object]) -> Callable[[], None]:
        def run() -> None:
            for text in texts:
                read(text)

        return run

    def built_by(parser: Callable[[], tuple[object, object]]) -> Callable[[str], object]:
        return lambda text: build_inline(*parser(), text, JourneyBuilder("f.journey"))

    options: dict[str, tuple[Callable[[], None], str]] = {
        "FastParse + IR": (each(built_by(fast_parser)), "what a check runs on a file that parses"),
        "Lark + IR": (each(built_by(inline_parser)), "Lark's LALR parser, contextual lexer, the same IR callbacks"),
        "Lark tree": (each(lark_parser().parse), "the check benchmark's floor"),
        "standalone tree": (each(standalone.parse), "the module Lark's standalone generator writes"),
        "IR cache hit": (lambda: [pickle.loads(blob) for blob in cached] and None, "unpickling each SourceFile"),
    }
    for work, _ in options.values():  # warm up: parsers built, caches filled
        work()
    best = dict.fromkeys(options, float("inf"))
    for _ in range(opts.repeat):
        for name, (work, _) in options.items():
            with collector_paused():
                start = time.perf_counter()
                work()
                best[name] = min(best[name], time.perf_counter() - start)
    lines = sum(text.count("\n") for text in texts)
    print(
        f"parser options: {len(texts):,} files, {lines:,} lines, best of {opts.repeat}, Python {sys.version.split()[0]}"
    )
    for name, (_, note) in options.items():
        print(f"  {name:<17}{best[name]:>7.2f} s   {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
