"""Fuzzing of journey test files (issue 12): `journeyc test` over projects whose `*.test.toml` files are mutated.

Each case changes one to three test files of journeys/ or an example (see fuzz_test_file_cases.py). Whatever
they hold, `journeyc test`:
- exits 0 or 1, never with a traceback or an internal error, and prints nothing raw that a terminal acts on;
- prints one PASS or FAIL line for every test file it finds, and a count that agrees with them and the exit code;
- still passes every test file the case did not touch: a broken file is that file's failure, nothing more.

The number of cases is JOURNEYC_FUZZ_EXAMPLES (default 40) from seed JOURNEYC_FUZZ_SEED; tests/fuzz_main.py runs
thousands.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from fuzz_cases import REPO
from fuzz_oracles import SUBPROCESS_EVERY, OracleError, invoke, no_raw_controls, same_in_subprocess
from fuzz_test_file_cases import journey_test_file_case

from journeyc.journey_tests import find_tests

EXAMPLES = int(os.environ.get("JOURNEYC_FUZZ_EXAMPLES", "40"))
FIRST_SEED = int(os.environ.get("JOURNEYC_FUZZ_SEED", "0"))
OUTCOME = re.compile(r"^(PASS|FAIL)  (.+)  \((.*)\)$")
COUNT = re.compile(r"^(\d+) journey tests?: (\d+) passed, (\d+) failed$")


def journey_tests_round(seed: int, work: Path) -> int:
    """One test-file case, every oracle; returns how many test files failed. Raises OracleError naming the case."""
    case = journey_test_file_case(seed, work / "project")
    try:
        run = invoke(["test", str(case.root)])
        no_raw_controls(run.stdout, "journeyc test")
        outcomes = {}
        for line in run.stdout.splitlines():
            found = OUTCOME.match(line)
            if found:
                outcomes[found.group(2)] = found.group(1)
        expected = {p.relative_to(case.root).as_posix() for p in find_tests(case.root)}
        if set(outcomes) != expected or len(outcomes) != run.stdout.count("\nPASS  ") + run.stdout.count("\nFAIL  ") + (
            run.stdout.startswith(("PASS  ", "FAIL  "))
        ):
            raise OracleError(f"not one outcome per test file ({sorted(expected)})\n{run.shown()}")
        count = COUNT.match(run.stdout.splitlines()[-1])
        failed = sum(outcome == "FAIL" for outcome in outcomes.values())
        if count is None or (int(count.group(1)), int(count.group(3))) != (len(outcomes), failed):
            raise OracleError(f"the count disagrees with the outcomes\n{run.shown()}")
        if run.exit_code != (1 if failed else 0):
            raise OracleError(f"exit {run.exit_code} with {failed} failed\n{run.shown()}")
        broken = sorted(file for file, outcome in outcomes.items() if outcome == "FAIL" and file not in case.changed)
        if broken:
            raise OracleError(f"test files the case did not touch failed: {broken}\n{run.shown()}")
        if seed % SUBPROCESS_EVERY == 0:
            same_in_subprocess(run)
        return failed
    except OracleError as error:
        raise OracleError(f"{case.describe()}\n{error}") from None


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(FIRST_SEED, FIRST_SEED + EXAMPLES))
def test_a_mutated_journey_test_file_fails_alone(seed, tmp_path):
    journey_tests_round(seed, tmp_path)


# ---------------------------------------------------------------- what the fuzzer found, pinned down
def test_a_number_of_thousands_of_digits_fails_its_test_file_alone(tmp_path):
    """Seeds 10, 75, 126...: a setting of 5,000 digits (`customer = 999...`) made tomllib raise the ValueError
    Python gives for such an int, which stopped the whole run with an internal error. It is that file's failure,
    at the number's line and column, and the other test files pass."""
    root = tmp_path / "project"
    shutil.copytree(REPO / "examples" / "pet_store", root)
    broken = root / "tests" / "cat_welcome.test.toml"
    lines = broken.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(2, "until = " + "9" * 5000 + "\n")
    broken.write_text("".join(lines), encoding="utf-8")
    run = invoke(["test", str(root)])
    assert run.exit_code == 1
    assert run.stdout.splitlines() == [
        "FAIL  tests/cat_welcome.test.toml  (?)",
        "    tests/cat_welcome.test.toml:3:9: a number of more than 4,300 digits: no setting takes one",
        "PASS  tests/food_replenishment.test.toml  (food_replenishment)",
        "2 journey tests: 1 passed, 1 failed",
    ]


def test_a_test_file_naming_a_journey_with_control_characters_is_reported_escaped(tmp_path):
    """A `journey = "cat\\u202e\\u001b[31m"` (TOML escapes) reached the PASS/FAIL line and the problem raw: a
    bidi override and an escape code in the terminal. Every line `journeyc test` prints is escaped."""
    root = tmp_path / "project"
    shutil.copytree(REPO / "examples" / "pet_store", root)
    broken = root / "tests" / "cat_welcome.test.toml"
    text = broken.read_text(encoding="utf-8")
    broken.write_text(text.replace('journey = "cat_welcome"', 'journey = "cat\\u202e\\u001b[31m"'), encoding="utf-8")
    run = invoke(["test", str(root)])
    assert run.exit_code == 1
    assert run.stdout.splitlines()[:2] == [
        "FAIL  tests/cat_welcome.test.toml  (cat\\u202e\\u001b[31m)",
        '    tests/cat_welcome.test.toml:8: "journey" must name a journey of the project, not "cat\\u202e\\u001b[31m"',
    ]
