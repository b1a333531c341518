"""Types are checked: mypy accepts the whole package (the [tool.mypy] settings of pyproject.toml), with every flag of
mypy --strict on the IR and the runtime except the modules of the lead's core refactor, which say so."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from conftest import REPO

# Options that mypy reads only for the whole run, not per module.
GLOBAL_ONLY = {"warn_redundant_casts", "warn_unused_configs"}


def mypy(*args: str) -> subprocess.CompletedProcess[str]:
    """mypy in a process of its own (it raises the recursion limit of the process it runs in), from the repository
    root, where it reads pyproject.toml."""
    command = [sys.executable, "-m", "mypy", *args]
    return subprocess.run(command, capture_output=True, text=True, check=False, cwd=REPO)


@pytest.mark.slow
def test_the_package_type_checks(tmp_path: Path) -> None:
    checked = mypy("--cache-dir", str(tmp_path / "cache"))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "no issues found" in checked.stdout


def strict_flags() -> dict[str, bool]:
    """What mypy --strict turns on, as config options: --no-implicit-reexport is implicit_reexport = false."""
    helped = " ".join(mypy("--help").stdout.split()).replace("- ", "-")  # (words broken over lines joined)
    listed = re.search(r"--strict Strict mode; enables the following flags: ((?:--[a-z-]+, )*--[a-z-]+)", helped)
    assert listed is not None, "mypy --help no longer lists the flags of --strict"
    flags = [flag.removeprefix("--") for flag in listed.group(1).split(", ")]
    return {flag.removeprefix("no-").replace("-", "_"): not flag.startswith("no-") for flag in flags if flag}


def test_the_ir_and_the_runtime_get_every_flag_of_strict() -> None:
    """A `strict = true` in an override would turn strict on for every module, so the flags are listed one by one:
    a flag a new mypy adds to --strict must be added too."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]
    strict = next(o for o in config["overrides"] if o["module"] == ["journeyc.ir.*", "journeyc.runtime.*"])
    flags = strict_flags()
    assert len(flags) >= 10
    for flag, value in flags.items():
        where = config if flag in GLOBAL_ONLY or flag not in strict else strict
        assert where.get(flag) == value, (
            f"{flag} = {str(value).lower()} is missing for journeyc.ir and journeyc.runtime"
        )


def test_only_the_leads_refactor_is_relaxed() -> None:
    """The modules of the simulator's core refactor are not strict yet; everything else of the runtime is."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]
    relaxed = {m for o in config["overrides"] if o.get("disallow_untyped_defs") is False for m in o["module"]}
    refactor = {"simulator", "customers", "journey_runs", "policy", "segment_plan", "identity", "eventlog"}
    assert relaxed == {f"journeyc.runtime.{m}" for m in refactor | {"segment_spec", "temporal.*"}}
