"""`journeyc diff --against GIT_REF`: what changes for customers, on real before/after edits of journeys/
committed in a temporary git repository (tests/review_pairs.py), as text, Markdown and JSON, and backtested."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import REPO, invoke_cleanly
from review_pairs import PAIRS, committed_pair, git


@pytest.fixture(scope="module")
def pairs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return {name: committed_pair(tmp_path_factory.mktemp(name), name) for name in PAIRS}


def diff(project: Path, *args: str):
    return invoke_cleanly("diff", str(project), "--against", "HEAD~1", *args)


def test_a_longer_wait_and_a_new_offer_read_as_what_customers_get(pairs: dict[str, Path]) -> None:
    result = diff(pairs["cart_sms_later_and_cart15"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("compared with HEAD~1 (")
    assert lines[2:] == [
        "journey cart_recovery (growth), growth/cart_recovery.journey:39",
        "  - `wait 1 day` is now `wait 2 days` (after `send email cart_reminder`)",
        "  - new branch `if trigger.value >= 150` (after `wait 2 days`)",
        "  - new step `send sms cart_discount with offer CART15` (CART15: 15% off), first in `if trigger.value >= 150`",
        "  - `send sms cart_discount with offer CART10` (CART10: 10% off) now goes out 49 hours after entry, not 25 "
        "hours after entry",
        "  - `send push cart_nudge` now goes out 49 hours after entry, not 25 hours after entry",
        "",
        "offers",
        '  - new offer `CART15`: code "CART15"; value 15% off; valid for 7 days',
    ]


@pytest.mark.parametrize(
    ("pair", "expected"),
    [
        ("cart_without_the_wait", ["  - `wait 1 day` is gone (it was after `send email cart_reminder`)"]),
        ("welcome_wait_moved", ["  - `wait 2 days` moved: now first in the steps, was after `send email welcome`",
                                "  - `send email welcome` now goes out 2 days after entry, not at once"]),
        ("cart10_worth_more", ["offers", "  - offer `CART10`: value 10% off is now 15% off"]),
        ("cart_trigger_key_entry", [
            '  - `trigger "Checkout Started" keyed by order_id` is now `trigger "Checkout Started" where value > 0`',
            "  - `entry at most once every 7 days` is now `entry at most once every 3 days`",
            "volume under the contact policy",
            "  - growth's promotional messages per customer within 7 days may rise from 6 to 10 (the policy allows 3: "
            "`limit 3 messages per 7 days for promotional`)",
        ]),
        ("return_event_removed", ['  - `exit on "Return Requested"` is gone', "tracking plan",
                                  '  - event "Return Requested" is gone']),
        ("vip_trait_removed", ["profile", "  - trait `vip` (true/false default false) is gone"]),
        ("winback_reminder_by_email", ["  - offer `COMEBACK15` is gone", "  - message `come_back` is gone"]),
    ],
)  # fmt: skip
def test_each_edit_reads_in_words(pairs: dict[str, Path], pair: str, expected: list[str]) -> None:
    result = diff(pairs[pair])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line for line in lines if line in expected] == expected, result.output


def test_markdown_is_a_pull_request_comment_with_the_new_flowchart(pairs: dict[str, Path]) -> None:
    result = diff(pairs["cart_sms_later_and_cart15"], "--output-format", "markdown")
    text = result.output
    assert text.startswith("### What changes for customers\n\nCompared with `HEAD~1 (")
    assert (
        "**journey `cart_recovery`** (growth, growth/cart_recovery.journey:39)\n\n- `wait 1 day` is now `wait 2 days`"
        in text
    )
    assert "**offers**\n\n- new offer `CART15`" in text
    folded = text[text.index("<details>") :]
    assert folded.startswith("<details><summary>Flowchart of <code>cart_recovery</code> after this change</summary>")
    assert '{"if trigger.value #gt;= 150"}' in folded and folded.rstrip().endswith("</details>")
    assert text == diff(pairs["cart_sms_later_and_cart15"], "--output-format", "markdown").output


def test_json_lists_journeys_sections_and_volume(pairs: dict[str, Path]) -> None:
    document = json.loads(diff(pairs["cart_trigger_key_entry"], "--output-format", "json").output)
    assert list(document) == ["version", "against", "notes", "journeys", "sections", "volume", "backtest"]
    (journey,) = document["journeys"]
    assert (journey["name"], journey["change"], journey["owner"], journey["line"]) == (
        "cart_recovery",
        "changed",
        "growth",
        39,
    )
    assert journey["changes"][1] == "`entry at most once every 7 days` is now `entry at most once every 3 days`"
    assert document["volume"][0].startswith(
        "growth's promotional messages per customer within 7 days may rise from 6 to 10"
    )


def test_no_change_and_a_project_new_in_this_commit(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    (root / "README").write_text("nothing yet\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "empty")
    shutil.copytree(REPO / "journeys", root / "journeys", ignore=shutil.ignore_patterns("build", "tests"))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "journeys")
    new = diff(root / "journeys", "--output-format", "json")
    document = json.loads(new.output)
    assert document["notes"][0].startswith("the project folder is not in HEAD~1 (")
    assert sorted(j["name"] for j in document["journeys"] if j["change"] == "added") == sorted(
        ["cart_recovery", "new_arrivals_dresses", "one_time_password", "order_delivered", "order_shipped",
         "review_request", "service_recovery", "welcome_series", "winback"]
    )  # fmt: skip
    same = invoke_cleanly("diff", str(root / "journeys"), "--against", "HEAD")
    assert same.exit_code == 0
    assert same.output.splitlines()[1] == "no change for customers"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--against", "no-such-branch"], '"no-such-branch" is not a commit of the repository at'),
        (["--against", "--output-format"], '"--output-format" is not a commit'),
        (["--against", "HEAD~1", "--events", str(REPO / "README.md")], "--events and --until go together"),
        (["--against", "HEAD~1", "--until", "2026-01-01T00:00:00Z"], "--events and --until go together"),
    ],
)
def test_bad_requests_are_usage_errors(pairs: dict[str, Path], args: list[str], message: str) -> None:
    result = invoke_cleanly("diff", str(pairs["cart10_worth_more"]), *args)
    assert result.exit_code == 2
    assert message in result.output


def test_outside_a_repository_is_a_usage_error(tmp_path: Path) -> None:
    project = tmp_path / "journeys"
    shutil.copytree(REPO / "journeys", project, ignore=shutil.ignore_patterns("build", "tests"))
    result = invoke_cleanly("diff", str(project), "--against", "HEAD")
    assert result.exit_code == 2
    assert "is not inside a git repository" in result.output


def test_a_new_version_with_errors_is_reported_not_compared(pairs: dict[str, Path], tmp_path: Path) -> None:
    project = tmp_path / "repo" / "journeys"
    shutil.copytree(pairs["cart10_worth_more"].parent, tmp_path / "repo")
    (project / "growth" / "cart_recovery.journey").write_text("journey broken {", encoding="utf-8")
    result = invoke_cleanly("diff", str(project), "--against", "HEAD~1")
    assert result.exit_code == 1
    assert "error[J0" in result.output and "compared with" not in result.output


# ---------------------------------------------------------------- the backtest
def _events(path: Path, carts: tuple[tuple[str, int], ...] = (("ann", 200), ("bob", 120), ("cat", 50))) -> Path:
    """Customers who start a checkout (by default worth $200, $120 and $50) on 2 March, with every consent."""
    lines = []
    for user, value in carts:
        traits = {"email": f"{user}@x.example", "phone": "+15555550100", "push_token": f"t-{user}", "first_name": user,
                  "email_opt_in": True, "sms_opt_in": True, "push_enabled": True}  # fmt: skip
        lines.append({"type": "identify", "userId": user, "traits": traits, "timestamp": "2026-03-02T14:00:00Z"})
        lines.append({"type": "track", "userId": user, "event": "Checkout Started", "timestamp": "2026-03-02T15:00:00Z",
                      "properties": {"order_id": f"o-{user}", "value": value}})  # fmt: skip
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


def test_the_backtest_runs_both_versions_on_the_same_history(pairs: dict[str, Path], tmp_path: Path) -> None:
    log = _events(tmp_path / "events.jsonl")
    result = diff(pairs["cart_sms_later_and_cart15"], "--events", str(log), "--until", "2026-03-09T00:00:00Z")
    assert result.exit_code == 0, result.output
    report = result.output[result.output.index("backtest:") :].splitlines()
    assert report[0] == "backtest: 6 events up to 2026-03-09T00:00:00Z, both versions on the same history"
    assert report[report.index("offers given:") + 1 :][:2] == ["  CART10: 2 -> 1 (-1)", "  CART15: 0 -> 1 (+1)"]
    examples = report[report.index("customers whose messages changed: 3; for example:") :]
    assert examples[1:4] == [
        "  ann:",
        "    - 2026-03-03T16:00:00Z cart_recovery: sms cart_discount with CART10 sent",
        "    + 2026-03-04T16:00:00Z cart_recovery: sms cart_discount with CART15 sent",
    ]
    assert "sends by journey and channel" not in result.output  # as many sends on each channel as before


def test_the_backtest_counts_sends_and_conversions_by_journey_and_channel(
    pairs: dict[str, Path], tmp_path: Path
) -> None:
    # The new trigger wants a cart with a value: dan's empty cart no longer starts the journey.
    log = _events(tmp_path / "events.jsonl", (("ann", 200), ("dan", 0)))
    result = diff(pairs["cart_trigger_key_entry"], "--events", str(log), "--until", "2026-03-09T00:00:00Z")
    assert result.exit_code == 0, result.output
    report = result.output[result.output.index("backtest:") :].splitlines()
    assert report[1:6] == [
        "this change would have tried 1 fewer email messages",
        "this change would have tried 1 fewer push messages",
        "sends by journey and channel (sent, dropped):",
        "  cart_recovery on email: sent 2 -> 1 (-1), dropped 0 -> 0 (+0)",
        "  cart_recovery on push: sent 1 -> 0 (-1), dropped 0 -> 0 (+0)",
    ]
    assert report[-3:] == ["  dan:", "    - 2026-03-02T16:00:00Z cart_recovery: email cart_reminder sent",
                           "    - 2026-03-03T16:00:00Z cart_recovery: push cart_nudge sent"]  # fmt: skip


def test_a_backtest_without_a_difference_says_so(pairs: dict[str, Path], tmp_path: Path) -> None:
    log = _events(tmp_path / "events.jsonl", (("ann", 200),))
    result = diff(pairs["cart_trigger_key_entry"], "--events", str(log), "--until", "2026-03-09T00:00:00Z")
    assert result.output.rstrip().endswith("no customer would have received anything different")


def test_a_lone_file_is_compared_with_that_file_alone(tmp_path: Path) -> None:
    journey = (
        'team growth\ncategory lifecycle\nevent "A" {}\nchannel email { kind email owner growth }\n'
        'message m on email { subject "s" text "t" }\njourney j { owner growth category lifecycle trigger "A" '
        "wait 1 day send m }\n"
    )
    (tmp_path / "x.journey").write_text(journey, encoding="utf-8")
    (tmp_path / "other.journey").write_text("team other\n", encoding="utf-8")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "x")
    (tmp_path / "x.journey").write_text(journey.replace("wait 1 day", "wait 2 days"), encoding="utf-8")
    result = invoke_cleanly("diff", str(tmp_path / "x.journey"), "--against", "HEAD")
    assert result.exit_code == 0, result.output
    # other.journey is not part of a lone file's check, at either version: its team is not reported as gone.
    assert result.output.splitlines()[2:] == [
        "journey j (growth), x.journey:6",
        "  - `wait 1 day` is now `wait 2 days` (first in the steps)",
        "  - `send email m` now goes out 2 days after entry, not 1 day after entry",
    ]
