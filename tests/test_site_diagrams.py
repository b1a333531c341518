"""The site's diagrams: `journeyc graph`'s diagrams written in D2 and drawn by the pinned `d2` binary as SVG.

Every label reaches the SVG as its own text (read back with an XML parser), whatever characters it holds; the SVG
is the same bytes whatever the environment says; and each journey's SVG has a node for each node of the diagram.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from conftest import REPO, check, examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journeyc.graph import journey_flowchart, journey_map, map_diagram
from journeyc.graph.d2 import render_d2, render_svg, text
from journeyc.graph.model import Cluster, Diagram, Edge, Node

SVG = "{http://www.w3.org/2000/svg}"


def svg_texts(svg: bytes) -> list[str]:
    """Every text element of the SVG, its lines joined by line breaks."""
    found = []
    for element in ET.fromstring(svg).iter(f"{SVG}text"):
        spans = list(element.iter(f"{SVG}tspan"))
        found.append("\n".join(s.text or "" for s in spans) if spans else element.text or "")
    return found


def flat(label: str) -> str:
    """A label as the diagram shows it: line breaks and other control characters of the text become spaces."""
    return "".join(" " if ch < " " or ch in "\x7f\u2028\u2029\x85" else ch for ch in label)


labels = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=30).filter(lambda s: s.strip())


@settings(max_examples=examples(10), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(labels, min_size=12, max_size=12, unique=True), labels, labels)
def test_any_label_reaches_the_svg_as_its_own_text(node_labels, edge_label, cluster_label):
    """D2 syntax (`${x}`, quotes, `#`, `;`, braces, `->`) and any Unicode in a label stays text."""
    nodes = tuple(Node(f"n{i}", (label, "second line"), "send") for i, label in enumerate(node_labels))
    diagram = Diagram(
        "TD",
        nodes,
        (Edge("n0", "n1", edge_label), Edge("n1", "n2", style="dotted")),
        (Cluster("c1", cluster_label, ("n3", "n4")),),
    )
    shown = svg_texts(render_svg(render_d2(diagram)))
    for label in node_labels:
        assert f"{flat(label)}\nsecond line" in shown, label
    assert flat(edge_label) in shown and flat(cluster_label) in shown


def test_text_escapes_what_d2_would_read():
    assert text('a "b" \\ ${c} $d') == 'a \\"b\\" \\\\ \\${c} \\$d'
    assert text("one\ntwo\u2028three") == "one two three"


def test_the_svg_is_the_same_bytes_whatever_the_environment(monkeypatch):
    project = check(REPO / "journeys").project
    source = render_d2(journey_flowchart(project, project.journeys["cart_recovery"]))
    first = render_svg(source)
    for name, value in (("D2_THEME", "200"), ("D2_LAYOUT", "elk"), ("D2_SKETCH", "true"), ("D2_PAD", "0")):
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(REPO)
    assert render_svg(source) == first
    assert first.startswith(b"<?xml") and b"<svg" in first[:200]


def test_every_node_of_a_journey_is_drawn_and_the_map_has_every_journey():
    project = check(REPO / "journeys").project
    for journey in project.journeys.values():
        diagram = journey_flowchart(project, journey)
        shown = svg_texts(render_svg(render_d2(diagram)))
        for node in diagram.nodes:
            assert "\n".join(node.lines) in shown, (journey.name, node.lines)
        for edge in diagram.edges:
            assert edge.label is None or edge.label in shown
    shown = " ".join(svg_texts(render_svg(render_d2(map_diagram(journey_map(project))))))
    assert all(name in shown for name in project.journeys)


def test_an_empty_diagram_says_so():
    assert "nothing to draw yet" in svg_texts(render_svg(render_d2(Diagram("LR", (), ()))))
