"""The simulator: the generated code on a virtual clock, each semantic point with its exact outbox."""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import check

from journeyc.cli import main
from journeyc.runtime.eventlog import parse_time
from journeyc.simulate import outbox_line, simulate, simulate_to_outbox

BASE = Path(__file__).parent / "fixtures" / "rule_base"
MESSAGES = """
import "company.journey"

offer SAVE { code "SAVE10" value 10% off valid for 7 days }
message promo_sms on sms { text "Hi {{ profile.first_name | default('there') }}: {{ offer.code }}. Reply STOP to opt out" }
message life_sms on sms { text "Thanks for signing up. Reply STOP to opt out" }
message nudge on push { title "Still there?" body "Your basket is saved" }
message promo_email on email { subject "We miss you" text "Come back. Unsubscribe: https://x.example/u" }
"""
HEATHER = {"email": "h@example.com", "phone": "+15550001", "push_token": "t", "first_name": "Heather",
           "email_opt_in": True, "sms_opt_in": True, "push_enabled": True}  # fmt: skip


def identify(user: str, time: str, **traits) -> dict:
    return {"type": "identify", "userId": user, "traits": traits, "timestamp": time}


def track(user: str, time: str, event: str, **properties) -> dict:
    return {"type": "track", "userId": user, "event": event, "properties": properties, "timestamp": time}


def run(tmp_path: Path, journeys: str, events: list, until: str):
    root = tmp_path / "project"
    shutil.copytree(BASE, root)
    (root / "journeys.journey").write_text(MESSAGES + textwrap.dedent(journeys), encoding="utf-8")
    result = check(root)
    assert result.errors == 0, [d.message for d in result.diagnostics if d.severity == "error"]
    lines = [e if isinstance(e, str) else json.dumps(e) for e in events]
    return simulate(result, lines, parse_time(until))


def outbox(simulation, *fields: str) -> list[tuple]:
    keys = fields or ("time", "user_id", "journey", "message", "status", "reason")
    return [tuple(record[k] for k in keys) for record in simulation.simulator.outbox]


def test_sends_due_at_once_go_by_priority_and_the_cap_drops_the_rest(tmp_path):
    sim = run(
        tmp_path,
        """
        journey signup_promo { owner growth category promotional trigger "Signed Up" send sms promo_sms with offer SAVE }
        journey signup_thanks { owner growth category lifecycle trigger "Signed Up" send sms life_sms }
        """,
        [identify("h", "2026-03-02T14:00:00Z", **HEATHER), track("h", "2026-03-02T15:00:00Z", "Signed Up")],
        "2026-03-03T00:00:00Z",
    )
    # The cap allows 1 lifecycle-or-promotional text a day: lifecycle outranks promotional.
    assert outbox(sim) == [
        ("2026-03-02T15:00:00Z", "h", "signup_thanks", "life_sms", "sent", None),
        ("2026-03-02T15:00:00Z", "h", "signup_promo", "promo_sms", "dropped", "cap"),
    ]


def test_quiet_hours_defer_to_the_end_of_the_window_in_the_customers_time_zone(tmp_path):
    sim = run(
        tmp_path,
        'journey browse { owner product category lifecycle trigger "Product Viewed" send push nudge }',
        [identify("p", "2026-03-02T00:00:00Z", timezone="Europe/Paris", **HEATHER),
         track("p", "2026-03-02T21:30:00Z", "Product Viewed")],  # 22:30 in Paris (UTC+1 in early March)
        "2026-03-04T00:00:00Z",
    )  # fmt: skip
    [held, record] = sim.simulator.outbox
    assert (held["time"], held["status"], held["reason"], held["content"]) == (
        "2026-03-02T21:30:00Z",  # the decision to hold it, when it was due
        "deferred",
        "quiet_hours",
        None,
    )
    assert (record["time"], record["status"], record["deferred_from"]) == (
        "2026-03-03T07:00:00Z",  # 08:00 in Paris
        "sent",
        "2026-03-02T21:30:00Z",
    )
    assert record["content"] == {"body": "Your basket is saved", "image": None, "link": None, "title": "Still there?"}


def test_a_bad_review_suppresses_promotions(tmp_path):
    sim = run(
        tmp_path,
        """
        journey thanks { owner growth category promotional trigger "Order Completed" wait 1 day send email promo_email }
        """,
        [identify("h", "2026-03-01T00:00:00Z", **HEATHER), track("h", "2026-03-02T10:00:00Z", "Order Completed"),
         track("h", "2026-03-02T12:00:00Z", "Product Reviewed", rating=1),
         track("h", "2026-03-20T10:00:00Z", "Order Completed")],
        "2026-03-25T00:00:00Z",
    )  # fmt: skip
    assert outbox(sim) == [
        ("2026-03-03T10:00:00Z", "h", "thanks", "promo_email", "dropped", "suppressed"),
        ("2026-03-21T10:00:00Z", "h", "thanks", "promo_email", "sent", None),  # 14 days later: allowed again
    ]


CART = """
journey cart {
  owner growth
  category lifecycle
  trigger "Checkout Started" keyed by order_id
  goal "Order Completed" where order_id == trigger.order_id within 7 days
  wait 1 hour
  send push nudge
}
"""


def test_the_goal_cancels_a_pending_wait_and_counts_as_converted(tmp_path):
    sim = run(
        tmp_path,
        CART,
        [identify("h", "2026-03-02T10:00:00Z", **HEATHER),
         track("h", "2026-03-02T12:00:00Z", "Checkout Started", order_id="o1"),
         track("h", "2026-03-02T12:30:00Z", "Order Completed", order_id="o1")],
        "2026-03-05T00:00:00Z",
    )  # fmt: skip
    assert outbox(sim) == []
    assert (sim.simulator.stats["cart"].entered, sim.simulator.stats["cart"].converted) == (1, 1)


def test_a_keyed_wait_ignores_another_keys_event(tmp_path):
    sim = run(
        tmp_path,
        """
        journey cart_wait {
          owner growth
          category lifecycle
          trigger "Checkout Started" keyed by order_id
          wait up to 1 day for "Order Completed" where order_id == trigger.order_id then { exit } otherwise { send push nudge }
        }
        """,
        [identify("h", "2026-03-02T10:00:00Z", **HEATHER),
         track("h", "2026-03-02T16:00:00Z", "Checkout Started", order_id="o1"),
         track("h", "2026-03-02T17:00:00Z", "Order Completed", order_id="other")],
        "2026-03-05T00:00:00Z",
    )  # fmt: skip
    assert outbox(sim) == [("2026-03-03T16:00:00Z", "h", "cart_wait", "nudge", "sent", None)]  # 11:00 in New York


def test_a_customer_enters_a_segment_when_time_passes(tmp_path):
    sim = run(
        tmp_path,
        """
        segment lapsed { any "Order Completed" and no "Order Completed" in last 90 days }
        journey winback { owner growth category promotional trigger entering segment lapsed send email promo_email }
        """,
        [identify("h", "2026-01-01T00:00:00Z", **HEATHER), track("h", "2026-01-01T09:00:00Z", "Order Completed")],
        "2026-06-01T00:00:00Z",
    )
    assert outbox(sim) == [("2026-04-01T09:00:00Z", "h", "winback", "promo_email", "sent", None)]  # 90 days later


def test_a_segment_that_holds_without_events_takes_a_customer_in_when_first_seen(tmp_path):
    # An event re-evaluates only the segments that read it; a customer's first record evaluates them all.
    sim = run(
        tmp_path,
        """
        segment no_orders { no "Order Completed" in last 30 days }
        journey first_order { owner growth category promotional trigger entering segment no_orders
                              send email promo_email }
        """,
        [identify("h", "2026-03-02T14:00:00Z", **HEATHER), track("n", "2026-03-02T15:00:00Z", "Product Viewed")],
        "2026-03-03T00:00:00Z",
    )
    assert outbox(sim, "time", "user_id", "status", "reason") == [
        ("2026-03-02T14:00:00Z", "h", "sent", None),
        ("2026-03-02T15:00:00Z", "n", "dropped", "consent"),
    ]


def test_events_move_a_segment_only_through_what_it_reads_and_segments_that_refer_to_it_follow(tmp_path):
    sim = run(
        tmp_path,
        """
        segment dress_fans { at least 2 "Product Viewed" in last 7 days where category == "dresses" }
        segment golden_dress_fans { in segment dress_fans and profile.tier == "gold" }
        journey dresses { owner growth category promotional trigger entering segment golden_dress_fans
                          send email promo_email }
        """,
        [
            identify("h", "2026-03-02T08:00:00Z", **HEATHER),
            *(track("h", f"2026-03-02T0{n}:10:00Z", "Product Viewed", category="shoes") for n in (8, 9)),
            track("h", "2026-03-02T10:00:00Z", "Product Viewed", category="dresses"),
            track("h", "2026-03-02T11:00:00Z", "Product Viewed", category="dresses"),  # dress_fans, not gold yet
            identify("h", "2026-03-02T12:00:00Z", tier="gold"),  # a profile change: golden_dress_fans
            identify("h", "2026-03-02T13:00:00Z", tier="bronze"),
            identify("h", "2026-03-10T13:00:00Z", tier="gold"),  # the dresses dropped out of the 7 days
            *(track("h", f"2026-03-11T1{n}:00:00Z", "Product Viewed", category="dresses") for n in (4, 5)),
        ],
        "2026-03-12T00:00:00Z",
    )
    assert outbox(sim, "time", "status") == [("2026-03-02T12:00:00Z", "sent"), ("2026-03-11T15:00:00Z", "sent")]
    timeline = [what for _, _, what, _ in sim.simulator.log if "segment" in what]
    assert timeline == ['entered segment "dress_fans"', 'entered segment "golden_dress_fans"'] * 2


def test_consent_and_a_missing_address_drop_the_send(tmp_path):
    sim = run(
        tmp_path,
        """
        journey hello { owner growth category lifecycle trigger "Signed Up" send email promo_email send sms life_sms }
        """,
        [identify("n", "2026-03-02T10:00:00Z", email="n@example.com", email_opt_in=False, sms_opt_in=True),
         track("n", "2026-03-02T12:00:00Z", "Signed Up")],
        "2026-03-03T00:00:00Z",
    )  # fmt: skip
    assert outbox(sim) == [
        ("2026-03-02T12:00:00Z", "n", "hello", "promo_email", "dropped", "consent"),
        ("2026-03-02T12:00:00Z", "n", "hello", "life_sms", "dropped", "no_address"),
    ]


def test_rejected_events_are_counted_with_line_and_reason_and_the_run_goes_on(tmp_path):
    sim = run(
        tmp_path,
        'journey hello { owner growth category lifecycle trigger "Signed Up" send sms life_sms }',
        [identify("h", "2026-03-02T10:00:00Z", **HEATHER), "not json",
         track("h", "2026-03-02T11:00:00Z", "Made Up Event"),
         track("h", "2026-03-02T11:00:00Z", "Ticket Opened", subject="no id"),
         track("h", "2026-03-02T16:00:00Z", "Signed Up")],
        "2026-03-03T00:00:00Z",
    )  # fmt: skip
    assert [(r.line, r.reason) for r in sim.log.rejected] == [
        (2, "not JSON (Expecting value)"),
        (3, '"Made Up Event" is not in the tracking plan'),
        (4, '"Ticket Opened": properties.ticket_id: missing (the tracking plan requires it)'),
    ]
    assert outbox(sim) == [("2026-03-02T16:00:00Z", "h", "hello", "life_sms", "sent", None)]


def test_the_outbox_record_has_exactly_the_documented_fields(tmp_path):
    sim = run(
        tmp_path,
        'journey p { owner growth category promotional trigger "Signed Up" send sms promo_sms with offer SAVE }',
        [identify("h", "2026-03-02T10:00:00Z", **HEATHER), track("h", "2026-03-02T12:00:00Z", "Signed Up")],
        "2026-03-03T00:00:00Z",
    )
    *held, record = sim.simulator.outbox  # (a send quiet hours hold has a "deferred" record first)
    assert [r["status"] for r in held] in ([], ["deferred"])
    assert list(record) == ["time", "user_id", "anonymous_id", "journey", "run", "step", "channel", "message", "category", "status",
                            "reason", "offer", "arm", "deferred_from", "content"]  # fmt: skip
    assert record["content"] == {"text": "Hi Heather: SAVE10. Reply STOP to opt out"}
    assert (record["offer"], record["category"], record["step"]) == ("SAVE", "promotional", "1")


def test_simulate_command_writes_the_outbox_and_a_summary(tmp_path):
    events = tmp_path / "events.jsonl"
    events.write_text(
        json.dumps(identify("h", "2026-03-02T14:00:00Z", **HEATHER))
        + "\n"
        + json.dumps(track("h", "2026-03-02T15:00:00Z", "OTP Requested", code="123456"))
        + "\nnot json\n",
        encoding="utf-8",
    )
    out = tmp_path / "outbox.jsonl"
    repo = Path(__file__).resolve().parent.parent
    result = CliRunner().invoke(
        main, ["simulate", str(repo / "journeys"), "--events", str(events), "--until", "2026-03-03T00:00:00Z",
               "--outbox", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "events read: 3, accepted 2, rejected 1" in result.output
    assert "  line 3: not JSON (Expecting value)" in result.output
    [record] = [json.loads(line) for line in out.read_text().splitlines()]
    assert (record["journey"], record["status"], record["content"]["text"][:6]) == (
        "one_time_password",
        "sent",
        "123456",
    )


def test_the_outbox_file_is_written_as_sends_are_decided_and_only_replaced_by_a_complete_run(tmp_path):
    result = check(Path(__file__).resolve().parent.parent / "journeys")
    lines = [json.dumps(identify("h", "2026-03-02T14:00:00Z", **HEATHER)),
             json.dumps(track("h", "2026-03-02T15:00:00Z", "OTP Requested", code="123456")),
             json.dumps(track("h", "2026-03-02T16:00:00Z", "OTP Requested", code="654321"))]  # fmt: skip
    until = parse_time("2026-03-03T00:00:00Z")
    kept = simulate(result, lines, until).simulator.outbox
    out = tmp_path / "outbox.jsonl"
    streamed = simulate_to_outbox(result, lines, until, out)
    assert streamed.simulator.outbox == []  # nothing held in memory
    assert out.read_text(encoding="utf-8") == "".join(outbox_line(record) for record in kept)
    assert len(kept) == 2

    def failing():
        yield from lines
        raise RuntimeError("the log could not be read to the end")

    with pytest.raises(RuntimeError):
        simulate_to_outbox(result, failing(), until, out)
    assert out.read_text(encoding="utf-8") == "".join(outbox_line(record) for record in kept)  # as it was
    assert sorted(p.name for p in tmp_path.iterdir()) == ["outbox.jsonl"]  # no side file left


def test_an_outbox_in_a_missing_folder_is_a_usage_error(tmp_path):
    events = tmp_path / "events.jsonl"
    events.write_text(json.dumps(identify("h", "2026-03-02T14:00:00Z")) + "\n", encoding="utf-8")
    repo = Path(__file__).resolve().parent.parent
    result = CliRunner().invoke(
        main, ["simulate", str(repo / "journeys"), "--events", str(events), "--until", "2026-03-03T00:00:00Z",
               "--outbox", str(tmp_path / "missing" / "outbox.jsonl")],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "Invalid value for --outbox: cannot write" in result.output
    assert "Traceback" not in result.output


TOUR = """
journey tour {
  owner growth
  category lifecycle
  trigger "Checkout Started" keyed by order_id
  wait 1 hour
  send push nudge
  wait until 10:00
  wait up to 1 day for "Order Completed" where order_id == trigger.order_id then {
    experiment subject {
      arm a 100% { send sms life_sms }
    }
  } otherwise {
    exit
  }
}
"""


def test_a_customer_timeline_reads_in_order_with_waits_holds_and_sends(tmp_path):
    root = tmp_path / "project"
    shutil.copytree(BASE, root)
    (root / "journeys.journey").write_text(MESSAGES + TOUR, encoding="utf-8")
    events = tmp_path / "events.jsonl"
    log = [identify("h", "2026-03-02T14:00:00Z", **HEATHER),
           track("h", "2026-03-03T01:30:00Z", "Checkout Started", order_id="o1"),  # 20:30 in New York
           track("h", "2026-03-03T16:00:00Z", "Order Completed", order_id="o1"),
           identify("k", "2026-03-02T14:00:00Z", **HEATHER),
           track("k", "2026-03-03T01:30:00Z", "Checkout Started", order_id="o2")]  # fmt: skip
    events.write_text("".join(json.dumps(e) + "\n" for e in log), encoding="utf-8")

    def timeline(customer: str) -> list[str]:
        args = [
            "simulate",
            str(root),
            "--events",
            str(events),
            "--until",
            "2026-03-06T00:00:00Z",
            "--customer",
            customer,
        ]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        return result.output.splitlines()[1:]  # after the identify line

    shared = [  # UTC, then the customer's local time
        '2026-03-03T01:30:00Z  Mon 20:30 EST    event "Checkout Started"',
        '2026-03-03T01:30:00Z  Mon 20:30 EST    entered journey "tour"',
        '2026-03-03T01:30:00Z  Mon 20:30 EST    "tour" waits 1 hour (until 2026-03-03T02:30:00Z)',
        '2026-03-03T02:30:00Z  Mon 21:30 EST    held push "nudge" for quiet hours (until 2026-03-03T13:00:00Z)',
        '2026-03-03T02:30:00Z  Mon 21:30 EST    "tour" waits until 10:00 in America/New_York (2026-03-03T15:00:00Z)',
        '2026-03-03T13:00:00Z  Tue 08:00 EST    sent push "nudge": "Still there?"',  # with what the customer reads first
        '2026-03-03T15:00:00Z  Tue 10:00 EST    "tour" waits up to 1 day for "Order Completed" (until 2026-03-04T15:00:00Z)',
    ]
    assert timeline("h") == [
        *shared,
        '2026-03-03T16:00:00Z  Tue 11:00 EST    event "Order Completed"',
        '2026-03-03T16:00:00Z  Tue 11:00 EST    "tour" got "Order Completed"',
        '2026-03-03T16:00:00Z  Tue 11:00 EST    "tour" experiment "subject": arm "a"',
        '2026-03-03T16:00:00Z  Tue 11:00 EST    sent sms "life_sms": "Thanks for signing up. Reply STOP to opt out"',
        '2026-03-03T16:00:00Z  Tue 11:00 EST    completed journey "tour"',  # after its last send, not before
    ]
    assert timeline("k") == [
        *shared,
        '2026-03-04T15:00:00Z  Wed 10:00 EST    "tour" stopped waiting for "Order Completed" (timed out)',
        '2026-03-04T15:00:00Z  Wed 10:00 EST    exited journey "tour"',
    ]
    result = CliRunner().invoke(main, ["simulate", str(root), "--events", str(events), "--until",
                                       "2026-03-06T00:00:00Z", "--customer", "nobody"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output == (
        'nothing happened to customer "nobody" up to 2026-03-06T00:00:00Z: no call of that userId or anonymousId comes'
        " before then\n"
    )


@pytest.mark.slow
def test_output_cut_short_by_its_reader_is_not_an_internal_error(tmp_path):
    repo = Path(__file__).resolve().parent.parent
    events = tmp_path / "events.jsonl"
    views = (track("h", f"2026-03-02T12:{n // 60:02d}:{n % 60:02d}Z", "Product Viewed") for n in range(3000))
    events.write_text("".join(json.dumps(view) + "\n" for view in views), encoding="utf-8")  # more than a pipe holds
    command = [sys.executable, "-m", "journeyc", "simulate", str(repo / "journeys"), "--events", str(events),
               "--until", "2026-03-03T00:00:00Z", "--customer", "h"]  # fmt: skip
    reader = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=repo)
    assert reader.stdout is not None
    reader.stdout.readline()  # then stop reading, like `| head -1`
    reader.stdout.close()
    stderr = reader.stderr.read().decode() if reader.stderr else ""
    reader.wait(timeout=120)
    assert "internal error" not in stderr and "Traceback" not in stderr, stderr


# ---------------------------------------------------------------- goals after the last step


GOAL_AFTER = """
journey thanks {
  owner growth category lifecycle
  trigger "Signed Up"
  goal "Order Completed" within 14 days
  experiment first_message {
    holdout 50%
    arm sms 50% { send sms life_sms }
  }
}
"""


def test_a_conversion_after_the_last_step_counts_for_the_whole_goal_window(tmp_path):
    """The journey's steps are over at once; the order comes on day 5 of its 14-day window: a conversion, as
    Braze and Customer.io count it (it showed `converted 0`). One after the window does not count."""
    events = [identify(user, "2026-03-02T10:00:00Z", **HEATHER) for user in ("h", "k", "late")]
    events += [track(user, "2026-03-02T15:00:00Z", "Signed Up") for user in ("h", "k", "late")]
    events += [track("h", "2026-03-07T15:00:00Z", "Order Completed"), track("k", "2026-03-16T14:59:59Z", "Order Completed"),
               track("late", "2026-03-16T15:00:01Z", "Order Completed")]  # fmt: skip
    sim = run(tmp_path, GOAL_AFTER, events, "2026-04-01T00:00:00Z")
    stats = sim.simulator.stats["thanks"]
    assert (stats.entered, stats.converted, stats.exited) == (3, 2, 0)
    arms = {arm: tuple(counts) for arm, counts in stats.arms["first_message"].items()}
    # Every run counts in its arm, the holdout's too (they send nothing: they used to count no runs).
    assert sum(runs for runs, _ in arms.values()) == 3 and sum(converted for _, converted in arms.values()) == 2
    assert sim.simulator.runs == []  # every window is closed: nothing left listening


def test_a_conversion_is_counted_once_per_run(tmp_path):
    events = [identify("h", "2026-03-02T10:00:00Z", **HEATHER), track("h", "2026-03-02T15:00:00Z", "Signed Up"),
              track("h", "2026-03-03T15:00:00Z", "Order Completed"), track("h", "2026-03-04T15:00:00Z", "Order Completed")]  # fmt: skip
    sim = run(tmp_path, GOAL_AFTER, events, "2026-04-01T00:00:00Z")
    assert sim.simulator.stats["thanks"].converted == 1


# ---------------------------------------------------------------- wait until, at exactly that time

AT_TEN = """
journey ten {
  owner growth category lifecycle
  trigger "Signed Up"
  wait until 10:00
  send sms life_sms
}
"""


def test_wait_until_reached_at_exactly_that_time_goes_on_at_once(tmp_path):
    """15:00 UTC is 10:00 in New York: the customer is at 10:00 already, the text does not wait a day."""
    events = [identify("h", "2026-03-02T10:00:00Z", **HEATHER), track("h", "2026-03-02T15:00:00Z", "Signed Up"),
              identify("k", "2026-03-02T10:00:00Z", **HEATHER), track("k", "2026-03-02T15:00:01Z", "Signed Up")]  # fmt: skip
    sim = run(tmp_path, AT_TEN, events, "2026-03-05T00:00:00Z")
    assert outbox(sim, "user_id", "time") == [("h", "2026-03-02T15:00:00Z"), ("k", "2026-03-03T15:00:00Z")]


# ---------------------------------------------------------------- the command's edges


def write_log(path: Path, calls: list) -> Path:
    path.write_text("".join((c if isinstance(c, str) else json.dumps(c)) + "\n" for c in calls), encoding="utf-8")
    return path


def simulate_command(*args: str):
    repo = Path(__file__).resolve().parent.parent
    return CliRunner().invoke(main, ["simulate", str(repo / "journeys"), "--until", "2026-03-03T00:00:00Z", *args])


def test_an_outbox_that_is_the_event_log_is_a_usage_error_and_the_log_is_kept(tmp_path):
    events = write_log(tmp_path / "events.jsonl", [identify("h", "2026-03-02T14:00:00Z", **HEATHER)])
    before = events.read_bytes()
    (tmp_path / "link.jsonl").symlink_to(events)
    for outbox_path in (events, tmp_path / "." / "events.jsonl", tmp_path / "link.jsonl"):
        result = simulate_command("--events", str(events), "--outbox", str(outbox_path))
        assert result.exit_code == 2, result.output
        assert "is the event log (--events)" in result.output
    assert events.read_bytes() == before


def test_an_outbox_that_is_not_a_regular_file_is_a_usage_error_and_stays_what_it_was(tmp_path):
    """A device node (/dev/null) was replaced by a regular file; a named pipe stands in for one here."""
    events = write_log(tmp_path / "events.jsonl", [identify("h", "2026-03-02T14:00:00Z", **HEATHER)])
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    result = simulate_command("--events", str(events), "--outbox", str(pipe))
    assert result.exit_code == 2
    assert "is not a regular file" in result.output
    assert stat.S_ISFIFO(pipe.stat().st_mode)
    folder = simulate_command("--events", str(events), "--outbox", str(tmp_path))
    assert folder.exit_code == 2


def test_an_outbox_through_a_symbolic_link_keeps_the_link(tmp_path):
    events = write_log(tmp_path / "events.jsonl", [identify("h", "2026-03-02T14:00:00Z", **HEATHER),
                                                   track("h", "2026-03-02T15:00:00Z", "OTP Requested", code="1")])  # fmt: skip
    real = tmp_path / "real.jsonl"
    real.write_text("old\n", encoding="utf-8")
    (tmp_path / "outbox.jsonl").symlink_to(real)
    result = simulate_command("--events", str(events), "--outbox", str(tmp_path / "outbox.jsonl"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "outbox.jsonl").is_symlink()
    assert json.loads(real.read_text(encoding="utf-8"))["journey"] == "one_time_password"


@pytest.mark.slow
def test_sigterm_stops_the_run_without_leaving_a_side_file(tmp_path):
    """The side file (outbox.jsonl.partial) stayed behind when the run was stopped by SIGTERM."""
    repo = Path(__file__).resolve().parent.parent
    views = [track(f"u{n % 500}", f"2026-03-02T12:{n // 6000 % 60:02d}:{n // 100 % 60:02d}Z", "Product Viewed")
             for n in range(200_000)]  # fmt: skip
    events = write_log(tmp_path / "events.jsonl", views)
    out = tmp_path / "outbox.jsonl"
    command = [sys.executable, "-m", "journeyc", "simulate", str(repo / "journeys"), "--events", str(events),
               "--until", "2026-03-03T00:00:00Z", "--outbox", str(out)]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=repo)
    partial = out.with_name("outbox.jsonl.partial")
    while not partial.exists() and process.poll() is None:
        time.sleep(0.01)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=120)
    assert not partial.exists()
    assert not out.exists()  # stopped before the end: no outbox
    assert process.returncode == 128 + signal.SIGTERM, stderr.decode()
    assert b"Traceback" not in stderr and b"internal error" not in stderr


def test_the_report_shows_names_with_control_characters_escaped(tmp_path):
    """Line breaks and terminal escape codes in an event name reached the printed report as they were."""
    events = write_log(tmp_path / "events.jsonl", [
        {"type": "track", "userId": "h", "event": "Order\r\nCompleted \x1b[2J\x1b[31m", "timestamp": "2026-03-02T15:00:00Z"},
        '{"type": "track",\r"userId": "h", "event": "Signed In", "timestamp": "2026-03-02T15:00:00Z"}',
    ])  # fmt: skip
    result = simulate_command("--events", str(events))
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\r" not in result.output
    assert '  line 1: "Order\\u000d\\u000aCompleted \\u001b[2J\\u001b[31m" is not in the tracking plan' in result.output
    assert "events read: 2, accepted 1, rejected 1" in result.output  # a \r inside a line does not end it


def test_an_event_in_the_last_hours_of_9999_is_simulated_and_timelined(tmp_path):
    """A wait past 9999-12-31 made --customer an internal error (the date could not be written)."""
    events = write_log(tmp_path / "events.jsonl", [
        identify("h", "9999-12-31T20:00:00Z", **HEATHER),
        track("h", "9999-12-31T21:00:00Z", "Checkout Started", order_id="o1", value=120),
    ])  # fmt: skip
    repo = Path(__file__).resolve().parent.parent
    args = ["simulate", str(repo / "journeys"), "--events", str(events), "--until", "9999-12-31T23:59:59Z"]
    result = CliRunner().invoke(main, [*args, "--customer", "h"])
    assert result.exit_code == 0, result.output
    assert '"cart_recovery" waits 1 hour (until 9999-12-31T22:00:00Z)' in result.output
    assert '"cart_recovery" waits 1 day (until +10000-01-01T22:00:00Z)' in result.output


def test_a_customer_timeline_says_why_events_did_not_start_a_journey_and_shows_rejected_lines(tmp_path):
    events = write_log(tmp_path / "events.jsonl", [
        identify("h", "2026-03-02T14:00:00Z", **HEATHER),
        track("h", "2026-03-02T14:30:00Z", "Product Reviewed", rating=5),  # the trigger's filter: rating <= 2
        track("h", "2026-03-02T15:00:00Z", "Product Reviewed", rating="2"),  # "2": Segment's spec sends text
        track("h", "2026-03-02T16:00:00Z", "Product Reviewed", rating=1),  # at most once every 7 days
        track("h", "2026-03-02T17:00:00Z", "Order Completed", total="a lot"),
        identify("h", "2026-03-02T18:00:00Z", tier="platinum"),
        track("k", "2026-03-02T17:00:00Z", "Order Completed", total="a lot"),
    ])  # fmt: skip
    result = simulate_command("--events", str(events), "--customer", "h")
    assert result.exit_code == 0, result.output
    lines = [line.split("  ", 2)[2].strip() for line in result.output.splitlines()]
    assert lines == [
        "identify: email='h@example.com', email_opt_in=True, first_name='Heather', phone='+15550001', "
        "push_enabled=True, push_token='t', sms_opt_in=True",
        'event "Product Reviewed"',
        'did not enter journey "service_recovery": its trigger\'s where filter does not match this event',
        'event "Product Reviewed"',
        'entered journey "service_recovery"',
        'sent email "sorry": "We are sorry, and we want to make it right"',
        'completed journey "service_recovery"',
        'event "Product Reviewed"',
        'did not enter journey "service_recovery": entry at most once every 7 days (entered at 2026-03-02T15:00:00Z)',
        'rejected line 5: "Order Completed": properties.total: "a lot" is not a number',
        "identify: no trait kept",
        'line 6 accepted with problems: traits.tier: "platinum" is not one of "bronze", "silver", "gold" (left out)',
    ]


def test_the_readme_simulate_commands_run_verbatim_on_the_sample_log(tmp_path, monkeypatch):
    """The README's commands (run from the repository root) read journeys/events/sample.jsonl: Heather gets several
    messages and loses one to quiet hours; the log's planted mistakes are reported, nothing else."""
    repo = Path(__file__).resolve().parent.parent
    readme = (repo / "README.md").read_text(encoding="utf-8")
    commands = [line.split()[1:] for line in readme.splitlines() if line.startswith("journeyc simulate ")]
    assert len(commands) == 2
    (tmp_path / "journeys").symlink_to(repo / "journeys")  # the repository root, with the outbox written here
    monkeypatch.chdir(tmp_path)
    summary, timeline = (CliRunner().invoke(main, command) for command in commands)
    assert summary.exit_code == 0 and timeline.exit_code == 0, summary.output + timeline.output
    assert summary.output.startswith("events read: 20, accepted 18, rejected 1, duplicates 1")
    records = [json.loads(line) for line in (tmp_path / "outbox.jsonl").read_text(encoding="utf-8").splitlines()]
    heather = [(r["message"], r["status"], r["reason"]) for r in records if r["user_id"] == "heather"]
    assert [m for m, status, _ in heather if status == "sent"] == [
        "welcome", "cart_reminder", "shipped", "delivered", "review_request", "sorry"
    ]  # fmt: skip
    assert [(m, reason) for m, status, reason in heather if status == "dropped"] == [("cart_discount", "quiet_hours")]
    assert 'sent email "welcome": "Welcome to Loomwell, Heather"' in timeline.output
