"""A diagram independent of its notation: nodes with a shape and lines of text, edges, and nested clusters.

The journey flowchart and the journey map build one of these; `mermaid.py` and `dot.py` write it out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

# start: the trigger; send, wait: steps; decision: an `if`; split: an experiment or a `wait up to ... for`;
# outcome: the goal, an exit event, `exit` or the end of the steps; journey: a journey on the map.
Shape = Literal["start", "send", "wait", "decision", "split", "outcome", "journey"]


@dataclass(frozen=True)
class Node:
    id: str
    lines: tuple[str, ...]
    shape: Shape


@dataclass(frozen=True)
class Edge:
    """`invisible` edges only order what they join (clusters on the map), and may join clusters."""

    source: str
    target: str
    label: str | None = None
    style: Literal["solid", "dotted", "invisible"] = "solid"


@dataclass(frozen=True)
class Cluster:
    id: str
    label: str
    members: tuple[str | Cluster, ...]  # node ids and nested clusters


@dataclass(frozen=True)
class Diagram:
    direction: Literal["TD", "LR"]
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    clusters: tuple[Cluster, ...] = ()

    def clustered(self) -> set[str]:
        """The ids of the nodes that sit inside a cluster."""
        found: set[str] = set()
        pending = list(self.clusters)
        while pending:
            cluster = pending.pop()
            for member in cluster.members:
                if isinstance(member, Cluster):
                    pending.append(member)
                else:
                    found.add(member)
        return found


def cluster_lines(
    cluster: Cluster, indent: str, opening: Callable[[Cluster, str], list[str]], closing: str,
    node_line: Callable[[str], str],
) -> list[str]:  # fmt: skip
    """A cluster written out in some notation: its opening lines, its members (nested clusters two spaces deeper,
    nodes by `node_line` of their id) and its closing line."""
    lines = opening(cluster, indent)
    for member in cluster.members:
        if isinstance(member, Cluster):
            lines += cluster_lines(member, indent + "  ", opening, closing, node_line)
        else:
            lines.append(f"{indent}  {node_line(member)}")
    return [*lines, f"{indent}{closing}"]
