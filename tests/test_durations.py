"""One definition of the units of time (journeyc/runtime/durations.py), which the language reads durations with."""

from __future__ import annotations

import ast
import sys

import pytest
from conftest import REPO

from journeyc.runtime.durations import UNIT_SECONDS, UNITS, describe, unit_seconds
from journeyc.syntax.values import UNIT_SECONDS as LANGUAGE_UNITS


def test_the_units_and_their_lengths() -> None:
    assert dict(UNITS) == {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 604800}
    assert LANGUAGE_UNITS is UNIT_SECONDS  # the language reads durations with this table, not a copy


@pytest.mark.parametrize(
    ("word", "seconds"),
    [("second", 1), ("Seconds", 1), ("minutes", 60), ("HOUR", 3600), ("days", 86400), ("week", 604800)],
)
def test_a_unit_is_read_singular_or_plural_in_any_capitals(word: str, seconds: int) -> None:
    assert unit_seconds(word) == seconds


@pytest.mark.parametrize("word", ["month", "years", "sec", "", "secondss"])
def test_words_that_are_not_units(word: str) -> None:
    assert unit_seconds(word) is None


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (1, "1 second"),
        (45, "45 seconds"),
        (60, "1 minute"),
        (90, "90 seconds"),
        (5400, "90 minutes"),
        (3600, "1 hour"),
        (129600, "36 hours"),
        (86400, "1 day"),
        (172800, "2 days"),
        (604800, "1 week"),
        (1209600, "2 weeks"),
        (0.5, "0.5 seconds"),
    ],
)
def test_describe_uses_the_largest_whole_unit(seconds: float, words: str) -> None:
    assert describe(seconds) == words


def test_describe_can_stop_at_a_smaller_unit() -> None:
    """The simulator's timeline says "14 days", not "2 weeks": it can keep doing so."""
    assert describe(14 * 86400, largest="day") == "14 days"
    assert describe(3 * 3600, largest="minute") == "180 minutes"
    with pytest.raises(ValueError):
        describe(60, largest="fortnight")


def test_durations_imports_only_the_standard_library() -> None:
    """A runtime module: deployed workers import it without the compiler."""
    tree = ast.parse((REPO / "journeyc" / "runtime" / "durations.py").read_text(encoding="utf-8"))
    modules = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    modules += [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert modules
    assert all(m.split(".")[0] in sys.stdlib_module_names or m == "__future__" for m in modules), modules


# The lead's simulator-core refactor moves these onto durations.py; until then they keep their own literals.
_NOT_YET = {"runtime/simulator.py", "runtime/policy.py", "runtime/journey_runs.py"}


def test_no_other_module_writes_the_length_of_an_hour_a_day_or_a_week() -> None:
    """Lengths of time are read from durations.py (UNITS), not written again as 3600, 86400 or 604800."""
    package = REPO / "journeyc"
    found = []
    for path in sorted(package.rglob("*.py")):
        name = path.relative_to(package).as_posix()
        if name == "runtime/durations.py" or name in _NOT_YET:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and type(node.value) is int and node.value in (3600, 86400, 604800):
                found.append(f"{name}:{node.lineno}: {node.value}")
    assert found == []
