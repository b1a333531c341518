"""`journeyc graph`: a journey as a flowchart, and the project's journey map, in Mermaid or DOT."""

from journeyc.graph.dot import render_dot
from journeyc.graph.flowchart import journey_flowchart
from journeyc.graph.journey_map import journey_map, map_diagram, map_table
from journeyc.graph.mermaid import render_mermaid
from journeyc.graph.output import FORMATS, GraphRequestError, graph_output

__all__ = [
    "FORMATS",
    "GraphRequestError",
    "graph_output",
    "journey_flowchart",
    "journey_map",
    "map_diagram",
    "map_table",
    "render_dot",
    "render_mermaid",
]
