"""`journeyc breaking --against GIT_REF`: exit 1 when a change hurts customers already inside a journey, on real
before/after edits of journeys/ (tests/review_pairs.py) and on small projects for the rules the demo cannot show."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from conftest import BASE_FILES, invoke_cleanly, write_project
from review_pairs import PAIRS, committed_pair, git

from journeyc import ir
from journeyc.review.breaking import BREAKING_RULES
from journeyc.review.inflight import after_a_wait, longest_rest
from journeyc.syntax.parser import parse_source


@pytest.fixture(scope="module")
def pairs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return {name: committed_pair(tmp_path_factory.mktemp(name), name) for name in PAIRS}


def breaking(project: Path, *args: str):
    return invoke_cleanly("breaking", str(project), "--against", "HEAD~1", *args)


def codes(project: Path) -> list[str]:
    result = breaking(project, "--output-format", "json")
    document = json.loads(result.output)
    found = [finding["code"] for finding in document["breaking"]]
    assert result.exit_code == (1 if found else 0)
    return found


@pytest.mark.parametrize(
    ("pair", "expected"),
    [
        ("cart_sms_later_and_cart15", []),  # a wait made longer and a branch added: runs in flight are unharmed
        ("cart_without_the_wait", ["B001"]),
        ("welcome_wait_moved", ["B002"]),
        ("cart10_worth_more", ["B009"]),
        ("cart_trigger_key_entry", ["B003", "B004", "B005"]),
        ("return_event_removed", ["B006"]),
        ("winback_reminder_by_email", ["B010", "B012"]),
        ("vip_trait_removed", ["B008"]),
    ],
)
def test_each_edit_breaks_what_it_should(pairs: dict[str, Path], pair: str, expected: list[str]) -> None:
    assert codes(pairs[pair]) == expected


def test_a_removed_wait_names_the_wait_and_how_long_the_old_build_is_needed(pairs: dict[str, Path]) -> None:
    result = breaking(pairs["cart_without_the_wait"])
    assert result.exit_code == 1
    text = result.output
    assert text.startswith('error[B001]: journey "cart_recovery": a wait where runs can be waiting is gone\n')
    assert "  --> growth/cart_recovery.journey:39:9\n" in text
    assert "keep it deployed until they are done, up to 1 day after this change ships" in text
    assert "= note: `wait 1 day` (growth/cart_recovery.journey:53 in HEAD~1 (" in text
    assert text.splitlines()[-1].endswith(": 1 breaking change for customers inside a journey")


def test_github_annotations_name_the_repository_path_and_the_rule(pairs: dict[str, Path], monkeypatch) -> None:
    monkeypatch.chdir(pairs["cart10_worth_more"].parent)
    result = breaking(pairs["cart10_worth_more"], "--output-format", "github")
    first = result.output.splitlines()[0]
    assert first.startswith("::error file=journeys/offers.journey,line=13,col=3,endLine=13,endColumn=16,"
                            "title=B009 offer-code-reused::offer code \"CART10\" now means 15%25 off, not 10%25 off%0Ahelp: ")  # fmt: skip


def test_json_findings_carry_the_rule_name_and_location(pairs: dict[str, Path]) -> None:
    document = json.loads(breaking(pairs["return_event_removed"], "--output-format", "json").output)
    (finding,) = document["breaking"]
    assert (finding["code"], finding["name"], finding["severity"]) == ("B006", "removed-event", "error")
    assert (
        finding["message"] == 'event "Return Requested" is gone, but runs of "review_request" in flight still need it'
    )
    assert finding["location"]["file"] == "growth/review_request.journey"
    assert finding["notes"][0].startswith('needed by "review_request" at growth/review_request.journey:34 in HEAD~1')


def test_nothing_breaks_against_the_same_commit(pairs: dict[str, Path]) -> None:
    result = invoke_cleanly("breaking", str(pairs["cart10_worth_more"]), "--against", "HEAD")
    assert result.exit_code == 0
    assert result.output.endswith(": no change hurts customers inside a journey\n")


def test_a_bad_ref_is_a_usage_error(pairs: dict[str, Path]) -> None:
    result = invoke_cleanly("breaking", str(pairs["cart10_worth_more"]), "--against", "HEAD~9")
    assert result.exit_code == 2
    assert '"HEAD~9" is not a commit' in result.output


def test_every_rule_has_a_code_a_name_and_a_section_in_the_docs() -> None:
    docs = (Path(__file__).resolve().parent.parent / "docs" / "review.md").read_text(encoding="utf-8")
    assert list(BREAKING_RULES) == [f"B{n:03d}" for n in range(1, 13)]
    for code, rule in BREAKING_RULES.items():
        assert f"### {code} {rule.name}" in docs


# ---------------------------------------------------------------- small projects
def commit_versions(root: Path, before: dict[str, str], after: dict[str, str]) -> Path:
    """A repository whose HEAD~1 is the base project with `before` and HEAD with `after` (files replaced)."""
    project = root / "project"
    write_project(project, {**BASE_FILES, **before})
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "before")
    for name in set(before) - set(after):
        (project / name).unlink()
    write_project(project, {**BASE_FILES, **after})
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "after")
    return project


NESTED = """
    import "company.journey"
    import "events.journey"
    message hello on email { subject "Hi" text "Hi. Unsubscribe: https://shop.example/u" }
    journey nested {
      owner growth
      category lifecycle
      trigger "Signed Up"
      if profile.tier == "gold" {
        wait 2 days
        send hello
      }
      wait 3 days
      send hello
    }
"""


def test_a_removed_journey_keeps_its_build_as_long_as_its_longest_rest(tmp_path: Path) -> None:
    project = commit_versions(tmp_path, {"nested.journey": NESTED}, {})
    result = breaking(project)
    assert result.output.startswith('error[B001]: journey "nested" is gone, and runs can be waiting in it\n')
    # A run waiting 2 days in the branch still has the 3 days after it: the old build is needed 5 days.
    assert "up to 5 days after this change ships (a run can be waiting there up to 3 days)" in result.output


def test_a_removed_property_and_channel_that_waiting_runs_use(tmp_path: Path) -> None:
    journey = """
        import "company.journey"
        import "events.journey"
        message reminder on sms { text "Come back. Reply STOP to opt out" }
        journey reminders {
          owner growth
          category lifecycle
          trigger "Signed Up"
          wait up to 2 days for "Product Reviewed" where rating >= 4 then { exit }
          send sms reminder
        }
    """
    events = BASE_FILES["events.journey"].replace("rating     number optional\n", "")
    plain = textwrap.dedent(journey).replace("send sms reminder", "exit")
    plain = plain.replace(" where rating >= 4", "").replace(
        'message reminder on sms { text "Come back. Reply STOP to opt out" }\n', ""
    )
    company = BASE_FILES["company.journey"].replace(
        "        channel sms { kind sms owner growth address phone consent sms_opt_in }\n", ""
    )
    project = commit_versions(tmp_path, {"r.journey": journey},
                              {"r.journey": plain, "events.journey": events, "company.journey": company})  # fmt: skip
    assert codes(project) == ["B007", "B010", "B011"]


def test_what_runs_can_reach_after_a_wait_and_how_long_they_can_take() -> None:
    source, problems = parse_source(textwrap.dedent(NESTED), "n.journey")
    assert not [p for p in problems if p.severity == "error"]
    steps = source.journeys[0].steps
    later = [step.kind for step in after_a_wait(steps)]
    assert later == ["send", "wait", "send"]  # the branch's send (after its wait), then what follows the `if`
    rest = longest_rest(steps)
    assert [rest[id(step)] for step in steps] == [5 * 86400, 3 * 86400, 0]
    branch_wait = steps[0].branches[0].steps[0]
    assert isinstance(branch_wait, ir.WaitStep) and rest[id(branch_wait)] == 5 * 86400
