"""`journeyc graph`: a journey's flowchart and the project's journey map, read as diagrams (nodes and edges),
as DOT through pydot's parser, and through the command line. Mermaid's own parser reads them in
test_graph_mermaid.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pydot
import pytest
from conftest import REPO, check, invoke_cleanly, write_project

from journeyc.graph import graph_output, journey_flowchart, journey_map, map_diagram, map_table, render_dot
from journeyc.graph.model import Diagram, Node

# pydot (4.0) still calls pyparsing names that pyparsing 3.3 deprecates.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:pydot")

SHIPPED = [
    "journeys",
    "examples/coffee_shop",
    "examples/conflicts",
    "examples/pet_store",
    "examples/restaurant_waitlist",
]

CONSTRUCTS = """
    team growth "Growth"
    team support "Support"
    category promotional
    profile {
      email string optional
      tier one of "bronze", "gold" default "bronze"
      email_opt_in boolean default false
    }
    channel email { kind email owner growth shared with support address email consent email_opt_in }
    event "Signed Up" { plan string optional }
    event "Order Completed" { order_id string total number optional }
    offer GOLD20 { code "GOLD-20" value 20% off valid for 7 days }
    message hello on email { subject "Hi" text "Hello. Unsubscribe: https://x.example/u" }
    message again on email { subject "Hi" text "Again. Unsubscribe: https://x.example/u" }
    message gold on email { subject "Hi" text "Gold {{ offer.code }}. Unsubscribe: https://x.example/u" }
    message end on email { subject "Hi" text "The end. Unsubscribe: https://x.example/u" }
    message tested on email { subject "Hi" text "Arm a. Unsubscribe: https://x.example/u" }

    journey every_step "Every step" {
      owner growth
      category promotional
      stage "Stage \\"A\\" # <b> | &"
      trigger "Signed Up" where plan == "a `tick` --> b"
      audience profile.email_opt_in
      entry once
      goal "Order Completed" within 14 days
      exit on "Order Completed" where total > 1000

      send hello
      wait until monday at 10:00
      wait up to 2 days for "Order Completed" where total >= 50 then {
        exit
        send again
      } otherwise {
        send again
      }
      if profile.tier == "gold" {
        send gold with offer GOLD20
      } else if profile.tier == "bronze" {
        send end
      } else {
        wait 1 hour
      }
      experiment subject {
        holdout 10%
        arm a 45% { send tested }
        arm b 45% { }
      }
    }

    journey helpdesk {
      owner support
      category promotional
      trigger "Order Completed"
      send email hello
    }
"""


def node(diagram: Diagram, first_line: str) -> Node:
    found = [n for n in diagram.nodes if n.lines[0] == first_line]
    assert len(found) == 1, (first_line, [n.lines[0] for n in diagram.nodes])
    return found[0]


def edges_from(diagram: Diagram, source: Node) -> list[tuple[str | None, str]]:
    """(label, first line of the target) of every edge leaving `source`, in order."""
    lines = {n.id: n.lines[0] for n in diagram.nodes}
    return [(e.label, lines[e.target]) for e in diagram.edges if e.source == source.id]


@pytest.fixture(scope="module")
def demo():
    return check(REPO / "journeys").project


@pytest.fixture
def constructs(tmp_path: Path):
    result = check(write_project(tmp_path, {"all.journey": CONSTRUCTS}))
    assert not result.errors, [d.message for d in result.diagnostics]
    return result.project


# ---------------------------------------------------------------- the flowchart
def test_the_cart_recovery_chart_shows_waits_the_branch_and_the_offer(demo) -> None:
    chart = journey_flowchart(demo, demo.journeys["cart_recovery"])
    start = chart.nodes[0]
    assert start.shape == "start"
    assert start.lines == (
        "cart_recovery: Abandoned checkout recovery",
        'trigger "Checkout Started" keyed by order_id',
        "entry at most once every 7 days",
    )
    assert edges_from(chart, start) == [
        ("at any time", 'goal "Order Completed" where order_id == trigger.order_id within 7 days'),
        ("at any time", 'exit on "Order Cancelled" where order_id == trigger.order_id'),
        (None, "wait 1 hour"),
    ]
    decision = node(chart, "if trigger.value >= 100")
    assert decision.shape == "decision"
    assert edges_from(chart, decision) == [
        ("yes", "send sms cart_discount with offer CART10"),
        ("no", "send push cart_nudge"),
    ]
    discount = node(chart, "send sms cart_discount with offer CART10")
    assert discount.lines[1:] == ('code "CART10": 10% off', "25 hours after entry")
    assert edges_from(chart, node(chart, "wait 1 day")) == [(None, "if trigger.value >= 100")]


def test_every_step_kind_is_drawn_where_a_run_goes(constructs) -> None:
    chart = journey_flowchart(constructs, constructs.journeys["every_step"])
    assert chart.nodes[0].lines[1:] == (
        'trigger "Signed Up" where plan == "a `tick` --> b"',
        "audience profile.email_opt_in",
        "entry once",
    )
    # The channel comes from the message when the step leaves it out.
    assert edges_from(chart, node(chart, "send email hello")) == [(None, "wait until monday at 10:00")]
    waiting = node(chart, 'wait up to 2 days for "Order Completed" where total >= 50')
    assert waiting.shape == "split"
    assert edges_from(chart, waiting) == [("it came", "exit"), ("time ran out", "send email again")]
    # `exit` ends its path: the send after it is never reached, so it is not drawn after it.
    assert edges_from(chart, node(chart, "exit")) == []
    first, second = node(chart, 'if profile.tier == "gold"'), node(chart, 'else if profile.tier == "bronze"')
    assert edges_from(chart, node(chart, "send email again")) == [(None, 'if profile.tier == "gold"')]
    assert edges_from(chart, first) == [("yes", "send email gold with offer GOLD20"), ("no", second.lines[0])]
    assert edges_from(chart, second) == [("yes", "send email end"), ("no", "wait 1 hour")]
    assert node(chart, "send email gold with offer GOLD20").lines[1] == 'code "GOLD-20": 20% off'
    split = node(chart, "experiment subject")
    assert edges_from(chart, split) == [
        ("arm a 45%", "send email tested"),
        ("arm b 45%", "end of the steps"),
        ("holdout 10%: nothing", "end of the steps"),
    ]
    for before in ("send email gold with offer GOLD20", "send email end", "wait 1 hour"):
        assert edges_from(chart, node(chart, before)) == [(None, "experiment subject")]


def test_sends_say_when_they_happen_over_every_path(constructs) -> None:
    chart = journey_flowchart(constructs, constructs.journeys["every_step"])
    gold = node(chart, "send email gold with offer GOLD20")
    # Only runs whose wait for an order timed out (2 days) get there, after `wait until monday at 10:00` (up to 7
    # days); the runs whose order came took `exit`.
    assert gold.lines[-1] == "2 days to 9 days after entry"
    assert node(chart, "send email hello").lines[-1] == "at once"


def test_sends_after_waits_of_seconds_say_so(tmp_path: Path) -> None:
    """A time under a minute is shown in seconds (it once rounded to minutes: "0 minutes after entry")."""
    project = (
        CONSTRUCTS.split("    journey every_step")[0]
        + """
    journey quick "Quick" {
      owner growth
      category promotional
      trigger "Signed Up"
      wait 30 seconds
      send hello
      wait 1 minute
      send again
    }
    """
    )
    result = check(write_project(tmp_path, {"all.journey": project}))
    assert not result.errors, [d.message for d in result.diagnostics]
    chart = journey_flowchart(result.project, result.project.journeys["quick"])
    assert node(chart, "send email hello").lines[-1] == "30 seconds after entry"
    assert node(chart, "send email again").lines[-1] == "90 seconds after entry"


# ---------------------------------------------------------------- the journey map
def test_the_map_orders_stages_by_a_customers_life_and_groups_journeys_by_team(demo) -> None:
    found = journey_map(demo)
    assert found.stages == ("Onboarding", "Account", "Purchase", "Fulfilment", "Service", "Retention", "Loyalty")
    assert found.teams == ("growth", "product", "support")
    assert [j.name for j in found.cell("Retention", "growth")] == ["new_arrivals_dresses", "winback"]
    assert [j.name for j in found.cell("Fulfilment", "product")] == ["order_delivered", "order_shipped"]
    cart = found.cell("Purchase", "growth")[0]
    assert (cart.trigger, cart.channels, cart.offers) == (
        '"Checkout Started" keyed by order_id',
        ("email", "sms", "push"),
        ("CART10",),
    )
    diagram = map_diagram(found)
    assert [c.label for c in diagram.clusters] == list(found.stages)
    assert [lane.label for lane in diagram.clusters[5].members] == ["growth"]
    assert [(e.source, e.target, e.style) for e in diagram.edges][:2] == [
        ("s1", "s2", "invisible"),
        ("s2", "s3", "invisible"),
    ]
    table = map_table(found)
    assert table[0] == "| team | Onboarding | Account | Purchase | Fulfilment | Service | Retention | Loyalty |"
    assert table[4] == "| support |  |  |  |  | `service_recovery` |  |  |"


def test_journeys_without_a_stage_come_last_and_own_words_sort_after_the_usual_ones(constructs) -> None:
    found = journey_map(constructs)
    assert found.stages == ('Stage "A" # <b> | &', "no stage")
    assert [j.name for j in found.cell("no stage", "support")] == ["helpdesk"]
    assert map_table(found)[0] == '| team | Stage "A" # <b> \\| & | no stage |'


# ---------------------------------------------------------------- DOT
def dot_labels(text: str) -> dict[str, str]:
    graphs = pydot.graph_from_dot_data(text)
    assert graphs is not None and len(graphs) == 1, text
    found: dict[str, str] = {}
    pending = [graphs[0]]
    while pending:
        graph = pending.pop()
        for item in graph.get_nodes():
            if item.get("label") is not None:
                found[item.get_name()] = item.get("label")
        pending.extend(graph.get_subgraphs())
    return found


@pytest.mark.parametrize("folder", SHIPPED)
def test_every_shipped_chart_and_map_is_valid_dot(folder: str) -> None:
    project = check(REPO / folder).project
    diagrams = [map_diagram(journey_map(project))] + [journey_flowchart(project, j) for j in project.journeys.values()]
    for diagram in diagrams:
        labels = dot_labels(render_dot(diagram))
        assert set(labels) == {n.id for n in diagram.nodes}


def test_dot_labels_keep_hostile_text_as_text(constructs) -> None:
    diagram = journey_flowchart(constructs, constructs.journeys["every_step"])
    labels = dot_labels(render_dot(diagram, 'name "with" \\ quotes'))
    assert labels["n1"] == '"every_step: Every step\\ntrigger \\"Signed Up\\" where plan == \\"a `tick` --> b\\"\\n' + (
        'audience profile.email_opt_in\\nentry once"'
    )
    map_labels = dot_labels(render_dot(map_diagram(journey_map(constructs))))
    assert map_labels["j1"].startswith('"every_step\\ntrigger \\"Signed Up\\"')


# ---------------------------------------------------------------- the command line
def test_graph_prints_the_map_by_default_and_a_journey_on_request(snapshot) -> None:
    default = invoke_cleanly("graph", str(REPO / "journeys"))
    assert default.exit_code == 0
    assert default.output.startswith("flowchart LR\n")
    one = invoke_cleanly("graph", str(REPO / "journeys"), "--journey", "cart_recovery")
    assert one.exit_code == 0
    assert one.output == snapshot
    dot = invoke_cleanly("graph", str(REPO / "journeys"), "--journey", "winback", "--format", "dot")
    assert dot.output.startswith('digraph "winback" {')


def test_markdown_puts_each_chart_in_a_mermaid_block_under_a_heading() -> None:
    result = invoke_cleanly("graph", str(REPO / "journeys"), "--format", "markdown", "--journey", "winback",
                            "--journey", "cart_recovery")  # fmt: skip
    assert result.exit_code == 0
    sections = result.output.split("### ")[1:]
    assert [s.splitlines()[0] for s in sections] == ["`winback` (growth)", "`cart_recovery` (growth)"]
    assert all("\n```mermaid\nflowchart TD\n" in s and s.rstrip().endswith("```") for s in sections)
    assert "growth/winback.journey:39" in sections[0]
    whole = invoke_cleanly("graph", str(REPO / "journeys"), "--format", "markdown")
    assert whole.output.startswith("### Journey map\n\n| team | Onboarding |")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--journey", "cart_recovry"],
            'no journey named "cart_recovry" in this project (did you mean "cart_recovery"?)',
        ),
        (["--journey", "winback", "--journey", "cart_recovery"], "give one --journey, or use --format markdown"),
        (["--format", "svg"], "'svg' is not one of 'mermaid', 'dot', 'markdown'"),
    ],
)
def test_bad_requests_are_usage_errors(args: list[str], message: str) -> None:
    result = invoke_cleanly("graph", str(REPO / "journeys"), *args)
    assert result.exit_code == 2
    assert message in result.output


def test_a_project_with_errors_is_not_drawn(tmp_path: Path) -> None:
    broken = write_project(tmp_path, {"x.journey": 'journey j { owner nobody trigger "Nope" send nothing }'})
    result = invoke_cleanly("graph", str(broken))
    assert result.exit_code == 1
    assert "flowchart" not in result.output
    assert "error[" in result.output


@pytest.mark.slow
def test_the_output_is_the_same_bytes_whatever_the_hash_seed() -> None:
    outputs = set()
    for seed in ("0", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        for args in (["graph", "journeys"], ["graph", "journeys", "--format", "markdown", "--journey", "winback"]):
            run = subprocess.run([sys.executable, "-m", "journeyc", *args], cwd=REPO, env=env, capture_output=True,
                                 check=True)  # fmt: skip
            outputs.add((tuple(args), run.stdout))
    assert len(outputs) == 2


def test_graph_output_matches_what_the_command_prints(demo) -> None:
    result = invoke_cleanly("graph", str(REPO / "journeys"), "--format", "dot")
    assert result.output == graph_output(demo, (), "dot")
