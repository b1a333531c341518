"""Incremental checking gives the diagnostics of a cold check, after any sequence of edits (hypothesis): numbers,
names (misspelled ones too), triggers, channels, template reads, suppressions, lines deleted, doubled, swapped or
moved down, files added and removed, on disk or as an editor's unsaved text."""

from __future__ import annotations

import random
import re
import shutil
import sys
from pathlib import Path

import pytest
from conftest import REPO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journeyc.incremental.engine import Incremental
from journeyc.load import find_project
from journeyc.pipeline import check_project

pytestmark = pytest.mark.slow  # (each example's every edit against a cold check)

NAME = re.compile(r"\b(send (?:\w+ )?|with offer |in segment |entering segment |owner |category |on )([a-z_]\w*)")
EVENT = re.compile(r'(trigger|goal|exit on|for|any|no|after) "([^"]+)"')
NUMBER = re.compile(r"\b\d+\b")
MESSAGE = re.compile(r"^message (\w+) on (\w+)", re.M)
TEXT = re.compile(r'^(\s*(?:text|subject|body|title) """)', re.M)
READS = (
    "{{ trigger.order_id }}",
    "{{ trigger.nope }}",
    "{{ offer.code }}",
    "{% if offer %}{{ offer.code }}{% endif %}",
)
EVENTS = ("Order Completed", "Checkout Started", "Product Viewed", "Signed Up", "Order Delivered", "Ticket Opened")


def edit(text: str, kind: str, chance: random.Random) -> str:
    """One edit of a file's text (it may break the file: checks must agree on broken files too)."""
    lines = text.split("\n")
    at = chance.randrange(max(len(lines) - 1, 1))
    if kind == "number":
        found = list(NUMBER.finditer(text))
        if found:
            m = chance.choice(found)
            return text[: m.start()] + str(chance.choice([0, 1, 2, 3, 7, 30, 100, 150])) + text[m.end() :]
    elif kind == "name":
        found = list(NAME.finditer(text))
        if found:
            m = chance.choice(found)
            name = m.group(2)
            new = chance.choice([name[:-1], name + "s", name.replace("_", "", 1), "growth", "promotional", "sms"])
            return text[: m.start(2)] + new + text[m.end(2) :]
    elif kind == "event":
        found = list(EVENT.finditer(text))
        if found:
            m = chance.choice(found)
            return text[: m.start(2)] + chance.choice([*EVENTS, m.group(2)[:-1]]) + text[m.end(2) :]
    elif kind == "channel":
        found = list(MESSAGE.finditer(text))
        if found:
            m = chance.choice(found)
            return text[: m.start(2)] + chance.choice(["email", "sms", "push", "in_app"]) + text[m.end(2) :]
    elif kind == "template":
        found = list(TEXT.finditer(text))
        if found:
            m = chance.choice(found)
            return text[: m.end()] + chance.choice(READS) + " " + text[m.end() :]
    elif kind == "delete":
        del lines[at]
    elif kind == "double":
        lines.insert(at, lines[at])
    elif kind == "swap" and len(lines) > 2:
        lines[at], lines[at + 1] = lines[at + 1], lines[at]
    elif kind == "suppress":  # an inline suppression (settings act file by file)
        code = chance.choice(["J105", "J102", "J704", "J703", "J601", "J999", "J001"])
        scope = chance.choice(["ignore", "ignore-file"])
        lines.insert(at, f"# journeyc: {scope}[{code}]")
    elif kind == "shift":
        lines.insert(at, "# a line that moves what follows" if chance.random() < 0.5 else "")
    return "\n".join(lines)


KINDS = st.sampled_from(
    [
        "number",
        "name",
        "event",
        "channel",
        "template",
        "suppress",
        "delete",
        "double",
        "swap",
        "shift",
        "file",
        "unsaved",
    ]
)


def run_edits(root: Path, steps: list[tuple[str, int]], check_every: bool = True) -> None:
    engine = Incremental()
    unsaved: dict[str, str] = {}
    files = find_project(str(root))
    compare(check_project(files, incremental=engine), root, unsaved)
    for kind, seed in steps:
        chance = random.Random(seed)
        paths = sorted(p for p in root.rglob("*.journey"))
        target = chance.choice(paths)
        shown = target.relative_to(root).as_posix()
        if kind == "file":  # a file added (a copy with new names) or removed
            if chance.random() < 0.5 and len(paths) > 3:
                target.unlink()
                unsaved.pop(shown, None)
            else:
                copy = target.with_name(f"copy_{seed % 1000}.journey")
                text = re.sub(r"\b(journey|message|segment|offer) (\w+)", r"\1 \2_copy", target.read_text("utf-8"))
                copy.write_text(text, encoding="utf-8")
                shown = copy.relative_to(root).as_posix()  # the file that changed (it may have been there)
            engine.changed(None if chance.random() < 0.3 else [shown])
            files = find_project(str(root))
        elif kind == "unsaved":  # the editor's text of a file, not saved
            base = unsaved.get(shown, target.read_text(encoding="utf-8"))
            kinds = ["number", "name", "event", "channel", "suppress", "delete", "shift"]
            unsaved[shown] = edit(base, chance.choice(kinds), chance)
        else:
            kind_of_edit = kind
            target.write_text(edit(target.read_text(encoding="utf-8"), kind_of_edit, chance), encoding="utf-8")
            engine.changed([shown])
        if check_every:
            compare(check_project(files, unsaved=unsaved, incremental=engine), root, unsaved)
    compare(check_project(files, unsaved=unsaved, incremental=engine), root, unsaved)


def compare(result, root: Path, unsaved: dict[str, str]) -> None:
    cold = check_project(find_project(str(root)), unsaved={k: v for k, v in unsaved.items() if (root / k).exists()})
    assert result.diagnostics == cold.diagnostics
    assert result.project == cold.project
    assert {p: t for p, t in result.sources.items()} == cold.sources


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        from project_gen import generate
    finally:
        sys.path.pop(0)
    root = tmp_path_factory.mktemp("generated") / "project"
    generate(root, 40)
    return root


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(st.tuples(KINDS, st.integers(0, 2**31)), min_size=1, max_size=6))
def test_edits_of_the_demo_project_check_as_a_cold_check_does(tmp_path_factory, steps):
    root = tmp_path_factory.mktemp("demo") / "journeys"
    shutil.copytree(REPO / "journeys", root, ignore=shutil.ignore_patterns("build"))
    run_edits(root, steps)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(st.tuples(KINDS, st.integers(0, 2**31)), min_size=1, max_size=5))
def test_edits_of_a_generated_project_check_as_a_cold_check_does(tmp_path_factory, generated, steps):
    root = tmp_path_factory.mktemp("gen") / "project"
    shutil.copytree(generated, root)
    run_edits(root, steps)


@pytest.mark.parametrize("example", ["conflicts", "coffee_shop", "pet_store", "restaurant_waitlist"])
def test_every_edit_of_each_example_checks_as_a_cold_check_does(tmp_path, example):
    root = tmp_path / example
    shutil.copytree(REPO / "examples" / example, root)
    kinds = ("number", "name", "event", "channel", "template", "suppress", "shift", "swap")
    run_edits(root, [(kind, seed) for seed in range(6) for kind in kinds])
