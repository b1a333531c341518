"""Every Mermaid diagram `journeyc graph` writes is read by Mermaid's own parser (`mermaid.parse`, the npm package
GitHub's renderer is built on), run with node under jsdom (tests/mermaid/).

The packages are installed once per version of tests/mermaid/ (package-lock.json pins them) with `npm ci` into a
cache folder outside the checkout; only a machine without node and npm skips these tests.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import REPO, check, write_project
from test_graph import CONSTRUCTS

from journeyc.graph import journey_flowchart, journey_map, map_diagram, render_mermaid
from journeyc.graph.model import Cluster, Diagram, Edge, Node

pytestmark = pytest.mark.slow  # node runs Mermaid's parser for each diagram

CHECKER = Path(__file__).parent / "mermaid"
CHECKER_FILES = ("package.json", "package-lock.json", "parse.mjs")
Parse = Callable[[list[str]], list[dict[str, object]]]


def _installed_checker() -> Path:
    """A folder holding parse.mjs and its node_modules, installed with `npm ci` the first time."""
    digest = hashlib.sha256(b"".join((CHECKER / name).read_bytes() for name in CHECKER_FILES)).hexdigest()[:16]
    cache_home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    folder = cache_home / "journeyc-tests" / f"mermaid-{digest}"
    if (folder / "node_modules" / "mermaid" / "package.json").is_file():
        return folder
    staging = folder.with_name(f"{folder.name}.{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for name in CHECKER_FILES:
        shutil.copy(CHECKER / name, staging / name)
    npm = shutil.which("npm")
    assert npm is not None
    run = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=staging,
                         capture_output=True, text=True, timeout=900)  # fmt: skip
    assert run.returncode == 0, f"npm ci failed in {staging}:\n{run.stdout}\n{run.stderr}"
    try:
        staging.rename(folder)
    except OSError:  # another test process installed it meanwhile
        shutil.rmtree(staging, ignore_errors=True)
    return folder


@pytest.fixture(scope="session")
def mermaid_parse() -> Parse:
    node = shutil.which("node")
    if node is None or shutil.which("npm") is None:
        pytest.skip("node and npm are needed to run Mermaid's own parser")
    folder = _installed_checker()

    def parse(texts: list[str]) -> list[dict[str, object]]:
        run = subprocess.run([node, str(folder / "parse.mjs")], input=json.dumps(texts), capture_output=True,
                             text=True, timeout=600)  # fmt: skip
        assert run.returncode == 0, run.stderr
        results = json.loads(run.stdout)
        assert len(results) == len(texts)
        return results

    return parse


def assert_all_flowcharts(parse: Parse, texts: list[str]) -> None:
    results = parse(texts)
    problems = [(text, r["error"]) for text, r in zip(texts, results, strict=True) if not r["ok"]]
    assert not problems, problems[0]
    assert {r["type"] for r in results} == {"flowchart-v2"}


def test_the_parser_is_really_checking(mermaid_parse: Parse) -> None:
    results = mermaid_parse(['flowchart TD\n  a["fine"] --> b\n', 'flowchart TD\n  a["not closed] --> b\n'])
    assert results[0]["ok"] is True
    assert results[1]["ok"] is False


@pytest.mark.parametrize(
    "folder",
    ["journeys", "examples/coffee_shop", "examples/conflicts", "examples/pet_store", "examples/restaurant_waitlist"],
)
def test_every_shipped_chart_and_map_parses(mermaid_parse: Parse, folder: str) -> None:
    project = check(REPO / folder).project
    texts = [render_mermaid(map_diagram(journey_map(project)))]
    texts += [render_mermaid(journey_flowchart(project, journey)) for journey in project.journeys.values()]
    assert_all_flowcharts(mermaid_parse, texts)


def test_hostile_names_and_texts_parse(mermaid_parse: Parse, tmp_path: Path) -> None:
    project = check(write_project(tmp_path, {"all.journey": CONSTRUCTS})).project
    texts = [render_mermaid(map_diagram(journey_map(project)))]
    texts += [render_mermaid(journey_flowchart(project, journey)) for journey in project.journeys.values()]
    assert_all_flowcharts(mermaid_parse, texts)


HOSTILE = ['"', "#", "<", ">", "&", "`", "|", "[", "]", "{", "}", "(", ")", ";", ":", "-->", "end", "\\", "%%", "é", "🙂",
           "\n", "\t", "<br/>", "#quot;", "```", "click", "style", "subgraph", " ", "a", "1"]  # fmt: skip


def random_text(rng: random.Random) -> str:
    return "".join(rng.choice(HOSTILE) for _ in range(rng.randint(1, 8)))


def test_any_text_in_any_place_parses(mermaid_parse: Parse) -> None:
    """Labels of every shape, edge labels and cluster names made of Mermaid's own syntax (a fixed seed, so a
    failure is repeatable)."""
    rng = random.Random(20240611)
    shapes = ["start", "send", "wait", "decision", "split", "outcome", "journey"]
    texts = []
    for _ in range(150):
        nodes = tuple(
            Node(f"n{i}", tuple(random_text(rng) for _ in range(rng.randint(1, 3))), shapes[i % len(shapes)])
            for i in range(1, 8)
        )
        edges = tuple(
            Edge(f"n{i}", f"n{i + 1}", random_text(rng) if i % 2 else None, "dotted" if i % 3 == 0 else "solid")
            for i in range(1, 7)
        )
        clusters = (Cluster("s1", random_text(rng), (Cluster("s1t1", random_text(rng), ("n6", "n7")),)),)
        texts.append(render_mermaid(Diagram("TD", nodes, edges, clusters)))
    assert_all_flowcharts(mermaid_parse, texts)
