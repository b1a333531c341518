"""What every fuzz case must satisfy, whatever its input: the oracles shared by the fuzz tests and fuzz_main.py.

A broken oracle raises `OracleError` with what went wrong and the output that shows it; the caller adds the case's
seed and mutations, so every report can be replayed.
"""

from __future__ import annotations

import gc
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from journeyc.cli import OUTPUT_FORMATS, main

# Text a terminal would act on: C0 controls other than tab and line feed, DEL, C1 controls (ESC starts colours
# and cursor moves, CR rewrites a line), the bidirectional controls that reorder what is shown ("Trojan Source")
# and lone surrogates. journeyc must never print one raw from a user's input.
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
SUBPROCESS_EVERY = 10  # one case in ten (seed % 10 == 0) also runs the real program in a subprocess
CLICK_USAGE = re.compile(r"(?m)^(Usage: |Error: )")
IMPORT_BUILD = """
import importlib, sys
sys.path.insert(0, sys.argv[1])
import journeys
for name, module in sorted(journeys.JOURNEYS.items()):
    loaded = importlib.import_module("journeys." + module)
    assert loaded.JOURNEY == name, (name, loaded.JOURNEY)
    assert callable(loaded.run), name
print(len(journeys.JOURNEYS))
"""


class OracleError(AssertionError):
    """An oracle that does not hold: a bug journeyc must fix (or an xfail naming it)."""


@dataclass
class Run:
    args: list[str]
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def shown(self) -> str:
        tail = self.output[-3000:]
        return f"journeyc {' '.join(a[:80] for a in self.args)} -> exit {self.exit_code}\n{tail}"


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError(f"duplicate keys in {keys}")
    return dict(pairs)


def strict_json(text: str, where: str) -> Any:
    """`text` parsed as RFC 8259 JSON: no NaN or Infinity, no duplicate keys."""
    try:
        return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_no_duplicate_keys)
    except ValueError as error:
        raise OracleError(f"{where} is not strict JSON: {error}\n{text[:2000]}") from error


def invoke(args: list[str], usage_possible: bool = False) -> Run:
    """`journeyc ARGS` in-process. Exit 0 or 1, or 2 for a clean usage error when `usage_possible`; never an
    exception, a traceback or an internal error."""
    result = CliRunner().invoke(main, args)
    # The `simulate` command freezes the collector's view of everything alive (`gc.freeze`): its process ends
    # next. Here the "process" goes on with the next case, whose garbage must stay collectable.
    gc.unfreeze()
    run = Run(args, result.exit_code, result.stdout, result.stderr)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise OracleError(f"an exception escaped: {result.exception!r}\n{run.shown()}") from result.exception
    judge(run, usage_possible)
    return run


def judge(run: Run, usage_possible: bool) -> None:
    if "Traceback" in run.output or "internal error" in run.output:
        raise OracleError(f"a crash\n{run.shown()}")
    if run.exit_code == 2 and usage_possible and CLICK_USAGE.search(run.stderr):
        return
    if run.exit_code not in (0, 1):
        raise OracleError(f"exit {run.exit_code}\n{run.shown()}")


def no_raw_controls(text: str, where: str) -> None:
    found = RAW_CONTROL.search(text)
    if found:
        start = max(0, found.start() - 200)
        raise OracleError(f"{where} prints {found.group()!r} raw: {text[start : found.end() + 200]!r}")


def check_every_format(root: Path, usage_possible: bool) -> tuple[int, int]:
    """`journeyc check` in every output format: one exit code for all, each output well formed.
    Returns the exit code and the number of errors."""
    exits = {}
    errors = -1
    for output_format in OUTPUT_FORMATS:
        run = invoke(["check", str(root), "--output-format", output_format, "--no-color"], usage_possible)
        exits[output_format] = run.exit_code
        if run.exit_code == 2:
            continue
        if output_format == "json":
            document = strict_json(run.stdout, "check --output-format json")
            errors = sum(d["severity"] == "error" for d in document["diagnostics"])
            if document["summary"]["errors"] != errors or (errors and run.exit_code != 1):
                raise OracleError(f"the summary or exit code disagrees with the diagnostics\n{run.shown()}")
            for diagnostic in document["diagnostics"]:
                location = diagnostic["location"]
                if not (re.fullmatch(r"J\d{3}", diagnostic["code"]) and location["line"] >= 1):
                    raise OracleError(f"a diagnostic without a code or a place: {diagnostic}")
        elif output_format == "sarif":
            strict_json(run.stdout, "check --output-format sarif")
        elif output_format == "junit":
            try:
                ElementTree.fromstring(run.stdout)
            except ElementTree.ParseError as error:
                raise OracleError(f"check --output-format junit is not XML: {error}\n{run.shown()}") from error
        else:
            no_raw_controls(run.stdout, f"check --output-format {output_format}")
    if len(set(exits.values())) != 1:
        raise OracleError(f"the exit code depends on the output format: {exits}")
    return exits["json"], errors


def ir_and_build(root: Path, out: Path, errors: int, usage_possible: bool) -> bool:
    """`journeyc ir` and `journeyc build`: they fail exactly when check found errors; what they write is strict
    JSON and importable Python. Returns whether the build was written."""
    ir = invoke(["ir", str(root)], usage_possible)
    if ir.exit_code == 2:
        return False
    if (ir.exit_code == 1) != (errors > 0):
        raise OracleError(f"ir disagrees with check ({errors} errors)\n{ir.shown()}")
    if ir.exit_code == 0:
        strict_json(ir.stdout, "journeyc ir")
    build = invoke(["build", str(root), "--out", str(out)], usage_possible)
    if errors and build.exit_code != 1:
        raise OracleError(f"build of a project with errors\n{build.shown()}")
    if build.exit_code != 0:
        return False
    verify_build(out)
    return True


def verify_build(out: Path) -> int:
    """Every JSON file of a build is strict JSON; every generated module imports in a fresh interpreter."""
    for path in sorted(out.rglob("*.json")):
        strict_json(path.read_text(encoding="utf-8"), str(path.relative_to(out)))
    process = subprocess.run(
        [sys.executable, "-I", "-B", "-c", IMPORT_BUILD, str(out)],  # -B: no __pycache__ in the build
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=120,
        cwd=out,
    )
    if process.returncode != 0:
        raise OracleError(f"the generated modules do not import\n{process.stderr[-3000:]}")
    return int(process.stdout)


def in_subprocess(args: list[str], usage_possible: bool = False) -> Run:
    """`journeyc ARGS` as the real program (`python -m journeyc`, another hash seed), judged as `invoke` is."""
    process = subprocess.run(
        [sys.executable, "-m", "journeyc", *args],
        capture_output=True,
        timeout=300,
        env={**os.environ, "PYTHONHASHSEED": "4242"},
    )
    run = Run(
        args, process.returncode, process.stdout.decode(errors="replace"), process.stderr.decode(errors="replace")
    )
    judge(run, usage_possible)
    return run


def same_in_subprocess(in_process: Run, usage_possible: bool = False) -> None:
    """The real program gives the exit code and the output the in-process run gave."""
    run = in_subprocess(in_process.args, usage_possible)
    if (run.exit_code, run.stdout) != (in_process.exit_code, in_process.stdout):
        raise OracleError(f"the subprocess differs from the in-process run\n{run.shown()}\n{in_process.shown()}")


def subprocess_agrees(root: Path, out: Path, usage_possible: bool) -> None:
    """The real program answers as the in-process run did: the same diagnostics, the same build bytes."""
    same_in_subprocess(invoke(["check", str(root), "--output-format", "json"], usage_possible), usage_possible)
    if not out.is_dir():
        return
    again = out.with_name(out.name + "-subprocess")
    in_subprocess(["build", str(root), "--out", str(again)], usage_possible)
    if _files_of(out) != _files_of(again):
        raise OracleError("a build in another process with another hash seed wrote different bytes")


def _files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
