"""The simulation page and the timelines its customer search reads.

Timelines can be many (one per customer of the log), so they are split into files of `PER_FILE` customers
(`simulation/timelines-<n>.js`), and `simulation/customers.js` says which file holds whose: the page loads only the
file of the customer asked for.
"""

from __future__ import annotations

from dataclasses import dataclass

from journeyc.pipeline import CheckResult
from journeyc.site.names import page_of
from journeyc.site.render import Nav, js_call, js_data, render_page
from journeyc.site.simulation import Funnel, SimulationReport, reason_words

PER_FILE = 500
SUGGESTED = 200  # customer ids the search box suggests as one types (any id of the log can be searched)


@dataclass(frozen=True)
class FunnelRow:
    funnel: Funnel
    url: str


def simulation_files(result: CheckResult, report: SimulationReport, nav: Nav, events_name: str) -> dict[str, bytes]:
    customers = list(report.timelines)
    files: dict[str, bytes] = {}
    parts: dict[str, int] = {}
    for part, start in enumerate(range(0, len(customers), PER_FILE)):
        chunk = {customer: report.timelines[customer] for customer in customers[start : start + PER_FILE]}
        parts.update(dict.fromkeys(chunk, part))
        # The file calls back the page's script: from file://, a script added later can only hand its data over.
        files[f"simulation/timelines-{part}.js"] = js_call("journeycTimelines", part, chunk)
    files["simulation/customers.js"] = js_data("JOURNEYC_CUSTOMERS", parts)
    funnels = [FunnelRow(f, page_of("journey", f.journey).url) for f in report.funnels]
    files["simulation.html"] = render_page("simulation.html.j2", "simulation.html", nav, "Simulation", report=report,
                                           funnels=funnels, first_customers=customers[:SUGGESTED],
                                           events_file=events_name, reason_words=reason_words)  # fmt: skip
    return files
