"""What `journeyc graph` prints: the journey map, or the flowcharts of the journeys asked for, in one format."""

from __future__ import annotations

import difflib

from journeyc import ir
from journeyc.graph.dot import render_dot
from journeyc.graph.flowchart import journey_flowchart
from journeyc.graph.journey_map import journey_map, map_diagram, map_table
from journeyc.graph.mermaid import render_mermaid

FORMATS = ("mermaid", "dot", "markdown")


class GraphRequestError(Exception):
    """A request the project cannot answer (an unknown journey, several diagrams in a one-diagram format)."""


def fenced(mermaid: str) -> str:
    """A Mermaid diagram as a Markdown block GitHub draws."""
    return f"```mermaid\n{mermaid}```\n"


def journey_section(project: ir.Project, journey: ir.Journey, heading: str = "###") -> str:
    """A journey's heading and flowchart in Markdown."""
    owner = f" ({journey.owner.name})" if journey.owner else ""
    where = f"{journey.span.file}:{journey.span.line}"
    chart = render_mermaid(journey_flowchart(project, journey))
    return f"{heading} `{journey.name}`{owner}\n\n{where}\n\n{fenced(chart)}"


def map_section(project: ir.Project) -> str:
    found = journey_map(project)
    table = "\n".join(map_table(found))
    return f"### Journey map\n\n{table}\n\n{fenced(render_mermaid(map_diagram(found)))}"


def graph_output(project: ir.Project, names: tuple[str, ...], output_format: str) -> str:
    """The map when `names` is empty, else each named journey's flowchart (a GraphRequestError when one is unknown)."""
    for name in names:
        if name not in project.journeys:
            close = difflib.get_close_matches(name, list(project.journeys), n=1)
            hint = f' (did you mean "{close[0]}"?)' if close else ""
            raise GraphRequestError(f'no journey named "{name}" in this project{hint}')
    journeys = [project.journeys[name] for name in dict.fromkeys(names)]
    if output_format == "markdown":
        if not journeys:
            return map_section(project)
        return "\n".join(journey_section(project, journey) for journey in journeys)
    if output_format == "dot":
        if not journeys:
            return render_dot(map_diagram(journey_map(project)), "journey map")
        return "\n".join(render_dot(journey_flowchart(project, j), j.name) for j in journeys)
    if len(journeys) > 1:
        raise GraphRequestError("Mermaid draws one diagram at a time: give one --journey, or use --format markdown")
    if not journeys:
        return render_mermaid(map_diagram(journey_map(project)))
    return render_mermaid(journey_flowchart(project, journeys[0]))
