"""Are journeyc's outputs byte for byte those of another commit? Run both versions on the same inputs and diff them.

    .venv/bin/python benchmarks/compare_outputs.py BASE_REF [--projects PATH ...] [--files N] [--lines N]

The code of BASE_REF is written into a temporary folder (`git archive`: the repository's worktrees and refs are left
alone) and run with this checkout's Python and packages; the code of this checkout is the other version. Both read
the same inputs, copied once into a temporary folder: the demo company (`journeys/`), every example, and a project
from `benchmarks/project_gen.py` (--files, default 30). On each project, both versions run

    journeyc check P --output-format json      journeyc check P
    journeyc ir P                               journeyc build P --out OUT
    journeyc simulate P --events journeys/events/sample.jsonl --until 2026-04-01T00:00:00Z --outbox OUT
    journeyc simulate P --events journeys/events/sample.jsonl --until 2026-04-01T00:00:00Z --customer heather

from the same working folder, with the same hash seed, and every output is compared: the exit code, stdout,
stderr, and each file written (the build folder, the outbox). The script prints each output that differs with the
start of a unified diff, then how many differ. It exits 0 either way (it reports; what a difference means is for
the reader), 2 when BASE_REF cannot be read.
"""

from __future__ import annotations

import argparse
import difflib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EVENTS = "journeys/events/sample.jsonl"
UNTIL = "2026-04-01T00:00:00Z"
OUT = "compared-out"  # where builds and outboxes are written, in the working folder, then read and removed

Outputs = dict[str, bytes]  # "project | command | stdout" -> bytes


def checkout(ref: str, into: Path) -> str:
    """The tree of `ref` written into `into`; its full commit id."""
    commit = subprocess.run(["git", "rev-parse", "--verify", f"{ref}^{{commit}}"], cwd=REPO, capture_output=True,
                            text=True, check=True).stdout.strip()  # fmt: skip
    archive = subprocess.run(["git", "archive", commit], cwd=REPO, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")  # (git's own archive: its paths stay inside `into`)
    return commit


def inputs(into: Path, projects: list[str], files: int) -> list[str]:
    """The projects to run on, copied into `into` (relative paths, the benchmark project as `bench`)."""
    for project in [*projects, EVENTS]:
        source = REPO / project
        if source.is_dir():
            shutil.copytree(source, into / project, ignore=shutil.ignore_patterns("build", "site", "__pycache__"))
        else:
            (into / project).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, into / project)
    chosen = list(projects)
    if files > 0:
        sys.path.insert(0, str(REPO / "benchmarks"))
        from project_gen import generate

        generate(into / "bench", files)
        chosen.append("bench")
    return chosen


def commands(project: str) -> dict[str, list[str]]:
    simulate = ["simulate", project, "--events", EVENTS, "--until", UNTIL]
    return {
        "check --output-format json": ["check", project, "--output-format", "json"],
        "check": ["check", project],
        "ir": ["ir", project],
        "build --out": ["build", project, "--out", f"{OUT}/build"],
        "simulate --outbox": [*simulate, "--outbox", f"{OUT}/outbox.jsonl"],
        "simulate --customer heather": [*simulate, "--customer", "heather"],
    }


def run_version(code: Path, workdir: Path, projects: list[str]) -> Outputs:
    """Every command on every project with the journeyc of `code`; every output by name."""
    env = {**os.environ, "PYTHONPATH": str(code), "PYTHONHASHSEED": "0", "NO_COLOR": "1"}
    found: Outputs = {}
    for project in projects:
        for name, args in commands(project).items():
            shutil.rmtree(workdir / OUT, ignore_errors=True)
            (workdir / OUT).mkdir()
            done = subprocess.run([sys.executable, "-m", "journeyc", *args], cwd=workdir, env=env,
                                  capture_output=True, check=False)  # fmt: skip
            key = f"{project} | journeyc {name}"
            found[f"{key} | exit code"] = str(done.returncode).encode()
            found[f"{key} | stdout"] = done.stdout
            found[f"{key} | stderr"] = done.stderr
            for path in sorted(p for p in (workdir / OUT).rglob("*") if p.is_file()):
                found[f"{key} | file {path.relative_to(workdir / OUT).as_posix()}"] = path.read_bytes()
    shutil.rmtree(workdir / OUT, ignore_errors=True)
    return found


def differences(before: Outputs, after: Outputs, lines: int) -> list[tuple[str, list[str]]]:
    """Each output that differs (or exists in one version only), with the start of a unified diff."""
    found = []
    for key in sorted(before.keys() | after.keys()):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        old_lines = [] if old is None else old.decode("utf-8", "replace").splitlines()
        new_lines = [] if new is None else new.decode("utf-8", "replace").splitlines()
        diff = list(difflib.unified_diff(old_lines, new_lines, "before", "after", lineterm="", n=1))
        if not diff:  # the same text, different bytes (line endings, invalid UTF-8)
            diff = [f"the bytes differ: {len(old or b'')} before, {len(new or b'')} after"]
        if old is None or new is None:
            diff.insert(0, "only after" if old is None else "only before")
        found.append(
            (key, diff[:lines] + ([f"... ({len(diff) - lines} more diff lines)"] if len(diff) > lines else []))
        )
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", metavar="BASE_REF", help="the commit (or branch, tag) to compare with")
    parser.add_argument("--projects", nargs="+", help="project folders to run on (default: journeys/ and examples/*)")
    parser.add_argument("--files", type=int, default=30, help="files of the generated benchmark project (0: none)")
    parser.add_argument("--lines", type=int, default=30, help="diff lines shown for each output that differs")
    opts = parser.parse_args()
    projects = opts.projects or ["journeys", *sorted(f"examples/{p.name}" for p in (REPO / "examples").iterdir()
                                                     if p.is_dir())]  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="journeyc-compare-") as folder:
        base, workdir = Path(folder) / "base", Path(folder) / "work"
        base.mkdir()
        workdir.mkdir()
        try:
            commit = checkout(opts.base, base)
        except subprocess.CalledProcessError as error:
            said = error.stderr.decode() if isinstance(error.stderr, bytes) else error.stderr or ""
            print(f"cannot read {opts.base!r}: {said.strip() or error}")
            return 2
        chosen = inputs(workdir, projects, opts.files)
        print(f"before: {opts.base} ({commit[:10]}); after: this checkout ({REPO})")
        print(f"projects: {', '.join(chosen)}; events: {EVENTS} until {UNTIL}\n")
        before = run_version(base, workdir, chosen)
        after = run_version(REPO, workdir, chosen)
    found = differences(before, after, opts.lines)
    for key, diff in found:
        print(f"--- {key}")
        print("\n".join(f"    {line}" for line in diff), end="\n\n")
    print(f"{len(found)} of {len(before.keys() | after.keys())} outputs differ")
    return 0


if __name__ == "__main__":
    sys.exit(main())
