"""Diagrams in Mermaid's flowchart notation, which GitHub draws in Markdown (a ```mermaid block in a comment).

Every text goes inside double quotes with Mermaid's entity codes for the characters its syntax or HTML would
read (`"`, `#`, `%%` that could open a `%%{` directive, `<`, `>`, `&`, backquotes), so no name or condition can end
a label or the block early.
"""

from __future__ import annotations

import re

from journeyc.graph.model import Cluster, Diagram, Edge, Node, cluster_lines

_ENTITIES = {'"': "#quot;", "#": "#35;", "<": "#lt;", ">": "#gt;", "&": "#amp;", "`": "#96;"}
_DOUBLE_PERCENT = re.compile("%%+")  # `%%` opens a comment or a `%%{` directive; a lone `%` is text
_SHAPES = {
    "start": ('(["', '"])'),
    "send": ('["', '"]'),
    "wait": ('(["', '"])'),
    "decision": ('{"', '"}'),
    "split": ('{{"', '"}}'),
    "outcome": ('(("', '"))'),
    "journey": ('["', '"]'),
}
_CLASSES = {
    "start": "fill:#e7f0ff,stroke:#1f6feb",
    "send": "fill:#e6f6ea,stroke:#1a7f37",
    "wait": "fill:#fff8e1,stroke:#9a6700",
    "decision": "fill:#fbefff,stroke:#8250df",
    "split": "fill:#fbefff,stroke:#8250df",
    "outcome": "fill:#f6f8fa,stroke:#57606a",
    "journey": "fill:#ffffff,stroke:#57606a",
}


def text(value: str) -> str:
    """A label's text with Mermaid's entity codes, on one line."""
    flat = "".join(" " if ch < " " or ch == "\x7f" else ch for ch in value)
    escaped = "".join(_ENTITIES.get(ch, ch) for ch in flat)
    return _DOUBLE_PERCENT.sub(lambda match: "#37;" * len(match.group()), escaped)


def _label(lines: tuple[str, ...]) -> str:
    return "<br/>".join(text(line) for line in lines)


def _node(node: Node) -> str:
    opening, closing = _SHAPES[node.shape]
    return f"{node.id}{opening}{_label(node.lines)}{closing}"


def _edge(edge: Edge) -> str:
    if edge.style == "invisible":
        return f"{edge.source} ~~~ {edge.target}"
    arrow = "-.->" if edge.style == "dotted" else "-->"
    label = f'|"{text(edge.label)}"|' if edge.label else ""
    return f"{edge.source} {arrow}{label} {edge.target}"


def _opening(cluster: Cluster, indent: str) -> list[str]:
    return [f'{indent}subgraph {cluster.id}["{text(cluster.label)}"]', f"{indent}  direction TB"]


def render_mermaid(diagram: Diagram) -> str:
    """The diagram as a Mermaid flowchart (without the ```mermaid fence)."""
    nodes = {node.id: node for node in diagram.nodes}
    inside = diagram.clustered()
    lines = [f"flowchart {diagram.direction}"]
    lines += [f"  {_node(node)}" for node in diagram.nodes if node.id not in inside]
    for cluster in diagram.clusters:
        lines += cluster_lines(cluster, "  ", _opening, "end", lambda node_id: _node(nodes[node_id]))
    lines += [f"  {_edge(edge)}" for edge in diagram.edges]
    used = sorted({node.shape for node in diagram.nodes})
    lines += [f"  classDef {shape} {_CLASSES[shape]}" for shape in used]
    for shape in used:
        members = ",".join(node.id for node in diagram.nodes if node.shape == shape)
        lines.append(f"  class {members} {shape}")
    return "\n".join(lines) + "\n"
