"""Diagrams in Graphviz's DOT language (`dot -Tsvg`), for documents and tools other than GitHub."""

from __future__ import annotations

from journeyc.graph.model import Cluster, Diagram, Edge, Node, cluster_lines

_SHAPES = {
    "start": 'shape=box, style="rounded,filled", fillcolor="#e7f0ff"',
    "send": 'shape=box, style=filled, fillcolor="#e6f6ea"',
    "wait": 'shape=box, style="rounded,filled", fillcolor="#fff8e1"',
    "decision": 'shape=diamond, style=filled, fillcolor="#fbefff"',
    "split": 'shape=hexagon, style=filled, fillcolor="#fbefff"',
    "outcome": 'shape=ellipse, style=filled, fillcolor="#f6f8fa"',
    "journey": "shape=box",
}


def _escaped(value: str) -> str:
    """Text for inside DOT quotes: backslashes doubled (so no escape of DOT's own, `\\N`, `\\l`, applies), quotes
    escaped, control characters made spaces."""
    flat = "".join(" " if ch < " " or ch == "\x7f" else ch for ch in value)
    return flat.replace("\\", "\\\\").replace('"', '\\"')


def quote(value: str) -> str:
    return f'"{_escaped(value)}"'


def _label(lines: tuple[str, ...]) -> str:
    """Lines of a label, each centred (DOT's `\\n`)."""
    return '"' + "\\n".join(_escaped(line) for line in lines) + '"'


def _node(node: Node) -> str:
    return f"{node.id} [label={_label(node.lines)}, {_SHAPES[node.shape]}];"


def _first_node(cluster: Cluster) -> str | None:
    for member in cluster.members:
        found = _first_node(member) if isinstance(member, Cluster) else member
        if found is not None:
            return found
    return None


def _edge(edge: Edge, clusters: dict[str, Cluster]) -> str | None:
    source, target = edge.source, edge.target
    if source in clusters or target in clusters:  # DOT joins nodes only: order clusters by their first nodes
        first_source = _first_node(clusters[source]) if source in clusters else source
        first_target = _first_node(clusters[target]) if target in clusters else target
        if first_source is None or first_target is None:
            return None
        source, target = first_source, first_target
    attributes = []
    if edge.label:
        attributes.append(f"label={quote(edge.label)}")
    if edge.style != "solid":
        attributes.append("style=invis" if edge.style == "invisible" else "style=dashed")
    return f"{source} -> {target}" + (f" [{', '.join(attributes)}]" if attributes else "") + ";"


def _opening(cluster: Cluster, indent: str) -> list[str]:
    return [f"{indent}subgraph cluster_{cluster.id} {{", f"{indent}  label={quote(cluster.label)};"]


def _all_clusters(clusters: tuple[Cluster, ...]) -> dict[str, Cluster]:
    found: dict[str, Cluster] = {}
    pending = list(clusters)
    while pending:
        cluster = pending.pop()
        found[cluster.id] = cluster
        pending.extend(m for m in cluster.members if isinstance(m, Cluster))
    return found


def render_dot(diagram: Diagram, name: str = "journey") -> str:
    nodes = {node.id: node for node in diagram.nodes}
    inside = diagram.clustered()
    lines = [
        f"digraph {quote(name)} {{",
        f"  rankdir={'LR' if diagram.direction == 'LR' else 'TB'};",
        '  node [fontname="Helvetica", fontsize=11];',
        '  edge [fontname="Helvetica", fontsize=10];',
    ]
    lines += [f"  {_node(node)}" for node in diagram.nodes if node.id not in inside]
    for cluster in diagram.clusters:
        lines += cluster_lines(cluster, "  ", _opening, "}", lambda node_id: _node(nodes[node_id]))
    clusters = _all_clusters(diagram.clusters)
    lines += [f"  {line}" for edge in diagram.edges if (line := _edge(edge, clusters)) is not None]
    lines.append("}")
    return "\n".join(lines) + "\n"
