"""Fuzz cases for journey test files: a seed turned into a project copy whose `*.test.toml` files are changed.

One to three test files of journeys/ or an example are changed as text (lines deleted, duplicated, swapped), as
TOML values (a setting given a value of another type, a huge offset, a `within` of one item, a 5,000-digit
number, odd unicode) or as files (emptied, random bytes, a folder named `x.test.toml`, a file with thousands of
events). `changed` names the files touched: every other test file of the project must still pass.
"""

from __future__ import annotations

import random
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import fuzz_text as text
from fuzz_cases import REPO

PROJECTS = (
    REPO / "journeys",
    REPO / "examples" / "coffee_shop",
    REPO / "examples" / "pet_store",
    REPO / "examples" / "restaurant_waitlist",
)
TOML_VALUES = (
    '"+0m"', '"+1h"', '"+99999999999999999999d"', '"+9999w"', '"+3651d"', '"-1h"', '"+"', '"+1x"', '"+1h 1h"',
    '"+1 h"', '"+١h"', '""', '"9999-12-31T23:59:59Z"', '"0001-01-01T00:00:00Z"', '"2026-02-30T00:00:00Z"',
    "2026-03-02T10:00:00Z", "2026-03-02", "10:00:00", "1979-05-27T00:32:00.999999-07:00", "0", "-1", "1.5",
    "1e999", "inf", "-inf", "nan", "9" * 5000, "0x7fffffffffffffff", "true", "false", "[]", '["+1h"]',
    '["+2h", "+1h"]', '["+1h", "+2h", "+3h"]', "[1, 2]", '[["+1h"]]', "{}", '{ a = 1 }', '{ order_id = 1e999 }',
    '"\\u202e"', '"\\u0000"', '"\\u001b[31m"', '"None"', '"x"', '"' + "y" * 10_000 + '"', '"sent"', '"dropped"',
    '"consent"', '"render_error"', '"email"', '"nope"', '"Checkout Started"', '"Order Complete"', '"heather"',
)  # fmt: skip
_ASSIGNMENT = re.compile(r"(?m)^(\s*[\w\"\.-]+\s*=\s*)(.+)$")


@dataclass
class TestFileCase:
    __test__ = False  # (not a pytest class)

    seed: int
    root: Path
    source: Path
    changed: set[str] = field(default_factory=set)  # test files touched, relative to the root
    done: list[str] = field(default_factory=list)

    def describe(self) -> str:
        return f"test file seed {self.seed} on {self.source.relative_to(REPO)}: " + "; ".join(self.done)


def _value(rng: random.Random, content: str) -> tuple[str, str]:
    """One setting's value replaced by a value of another kind."""
    assignments = list(_ASSIGNMENT.finditer(content))
    if not assignments:
        return content, "no setting"
    match, value = rng.choice(assignments), rng.choice(TOML_VALUES)
    return (
        content[: match.start(2)] + value + content[match.end(2) :],
        f"{match.group(1).strip()} {value[:40]}",
    )


def _table(rng: random.Random, content: str) -> tuple[str, str]:
    """A table header changed: an array of tables made a table, a name changed, a table added."""
    choice = rng.choice(("[expect]", "[events]", "[[customers]]", "[[expect]]\n[[expect]]", "[customers.\"\"]",
                         "[customers.heather]\n[customers.heather]", "[[events]]\nat = 1", "[until]"))  # fmt: skip
    headers = list(re.finditer(r"(?m)^\[.*\]$", content))
    if not headers:
        return content + "\n" + choice + "\n", f"add {choice!r}"
    match = rng.choice(headers)
    return content[: match.start()] + choice + content[match.end() :], f"{match.group()} -> {choice!r}"


def _many_events(rng: random.Random, content: str) -> tuple[str, str]:
    count = rng.choice((1000, 5000))
    event = '\n[[events]]\nat = "+1s"\ncustomer = "nobody"\nevent = "Signed Up"\n'
    return content + event * count, f"{count} more events"


TEST_FILE_MUTATORS = (*text.LINE_MUTATORS, _value, _value, _value, _table, text.line_endings, text.truncate)


def journey_test_file_case(seed: int, into: Path) -> TestFileCase:
    rng = random.Random(seed)
    source = rng.choice(PROJECTS)
    if into.exists():
        shutil.rmtree(into)
    shutil.copytree(source, into, ignore=shutil.ignore_patterns("build", "site", "__pycache__"))
    case = TestFileCase(seed, into, source)
    files = sorted(into.glob("tests/*.test.toml"))
    for path in rng.sample(files, min(len(files), rng.choice((1, 1, 2, 3)))):
        shown = path.relative_to(into).as_posix()
        case.changed.add(shown)
        roll = rng.random()
        if roll < 0.05:
            path.write_bytes(b"")
            case.done.append(f"{shown}: emptied")
        elif roll < 0.1:
            data, what = text.random_bytes(rng, path.read_bytes())
            path.write_bytes(data)
            case.done.append(f"{shown}: {what}")
        elif roll < 0.13:
            path.unlink()
            path.mkdir()
            (path / "inner.test.toml").write_text('journey = "x"\n', encoding="utf-8")
            case.changed.add(f"{shown}/inner.test.toml")
            case.done.append(f"{shown}: made a folder")
        elif roll < 0.15:
            content, what = _many_events(rng, path.read_text(encoding="utf-8"))
            path.write_text(content, encoding="utf-8")
            case.done.append(f"{shown}: {what}")
        else:
            content, what = text.mutate(
                rng, path.read_text(encoding="utf-8"), TEST_FILE_MUTATORS, rng.choice((1, 2, 3))
            )
            path.write_bytes(content.encode("utf-8", "surrogatepass"))
            case.done.extend(f"{shown}: {w}" for w in what)
    return case
