"""Fuzzing of projects (issue 12): mutated copies of journeys/ and examples/ never crash journeyc.

Each case copies a project and changes it at random (lines deleted, duplicated, swapped; tokens replaced by other
tokens of the grammar; huge numbers, hostile names such as `__init__`, odd unicode and bidi controls, NUL and CR;
deep nesting, broken Jinja and MJML, imports of odd paths, links and folders where files were). Whatever it did:
- `journeyc check` exits 0 or 1 in every output format, the same code for all, never with a traceback or an
  internal error; JSON and SARIF are strict JSON, JUnit is XML, text prints no raw control character;
- `journeyc ir` and `journeyc build` fail exactly when check found errors; a build's every JSON file is strict
  JSON (no NaN, no Infinity) and every generated module imports in a fresh interpreter;
- a project that builds simulates the demo's event log (exit 0) and runs its journey tests (exit 0 or 1);
- for a sample, the real program in a subprocess answers the same, byte for byte.
Exit 2 is allowed only as a usage error when the case changed `journeyc.toml` or removed it.

The number of cases is JOURNEYC_FUZZ_EXAMPLES (default 40) from seed JOURNEYC_FUZZ_SEED; tests/fuzz_main.py runs
thousands and prints the counts.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import watchfiles
from conftest import BASE_FILES
from fuzz_cases import REPO, project_case
from fuzz_oracles import (
    SUBPROCESS_EVERY,
    OracleError,
    check_every_format,
    invoke,
    ir_and_build,
    no_raw_controls,
    strict_json,
    subprocess_agrees,
    verify_build,
)

from journeyc.build_folder import BuildFolderError, open_build_folder
from journeyc.watch import watch

pytestmark = pytest.mark.slow  # (hostile projects through every command, each a process of its own)

SAMPLE_LOG = REPO / "journeys" / "events" / "sample.jsonl"
EXAMPLES = int(os.environ.get("JOURNEYC_FUZZ_EXAMPLES", "40"))
FIRST_SEED = int(os.environ.get("JOURNEYC_FUZZ_SEED", "0"))


@dataclass
class ProjectOutcome:
    exit_code: int  # of `journeyc check`
    built: bool


def project_round(seed: int, work: Path, subprocess_every: int = SUBPROCESS_EVERY) -> ProjectOutcome:
    """One project case, every oracle; raises OracleError (naming the case) when one does not hold."""
    if work.exists():
        shutil.rmtree(work)
    case = project_case(seed, work / "project")
    out = work / "build"
    try:
        exit_code, errors = check_every_format(case.root, case.usage_possible)
        alone = invoke(["check", str(case.focus()), "--output-format", "json"], case.usage_possible)
        if alone.exit_code != 2:
            strict_json(alone.stdout, "check FILE --output-format json")
        built = exit_code != 2 and ir_and_build(case.root, out, errors, case.usage_possible)
        if exit_code != 2 and not errors:
            graph = invoke(["graph", str(case.root)])
            if graph.exit_code != 0 or not graph.stdout.startswith(("flowchart", "%%", "---")):
                raise OracleError(f"a project without errors has no journey map\n{graph.shown()}")
        if built and case.source.name == "journeys":
            simulated = invoke(["simulate", str(case.root), "--events", str(SAMPLE_LOG), "--until",
                                "2026-06-01T00:00:00Z"])  # fmt: skip
            if simulated.exit_code != 0:
                raise OracleError(f"a project that builds does not simulate\n{simulated.shown()}")
            no_raw_controls(simulated.stdout, "simulate")
        if built:
            tested = invoke(["test", str(case.root)])
            no_raw_controls(tested.stdout, "test")
        if subprocess_every and seed % subprocess_every == 0:
            subprocess_agrees(case.root, out if built else work / "nothing", case.usage_possible)
    except OracleError as finding:
        raise OracleError(f"{case.describe()}\n{finding}") from None
    return ProjectOutcome(exit_code, built)


@pytest.mark.parametrize("seed", range(FIRST_SEED, FIRST_SEED + EXAMPLES))
def test_a_mutated_project_never_crashes(seed, tmp_path):
    project_round(seed, tmp_path / "case")


# ---------------------------------------------------------------- what the fuzzer found, pinned down
SMS_WITH = """
    import "company.journey"
    import "events.journey"

    message ping on sms {{
      text "Your order {{{{ trigger.order_id }}}} is ready for pickup at the Main Street store{0} Reply STOP to opt out"
    }}

    journey ping_journey {{
      owner growth
      category transactional
      trigger "Order Completed"
      send sms ping
    }}
"""


def test_a_control_character_a_diagnostic_quotes_is_escaped(make_project):
    """Seed 5: an SMS text holding U+001A (SUB) made J501's note print it raw; seed 66: an import path holding
    a form feed made J111's message print it raw. A terminal acts on such characters: they are escaped."""
    root = make_project({"ping.journey": SMS_WITH.format("\x1a"), "odd.journey": 'import "events.jour\x0cney"\n'})
    full = invoke(["check", str(root), "--no-color"])
    assert full.exit_code == 1
    assert "\x1a" not in full.stdout and "\x0c" not in full.stdout
    assert '"\\u001a" (U+001A' in full.stdout  # the note names the character it means, visibly
    assert 'the imported file "events.jour\\u000cney" does not exist' in full.stdout
    concise = invoke(["check", str(root), "--output-format", "concise"])
    assert "\x0c" not in concise.stdout and "events.jour\\u000cney" in concise.stdout


def test_bidi_controls_in_a_name_a_diagnostic_quotes_are_escaped(make_project):
    root = make_project({"odd.journey": 'import "evil\u202egnp.journey"\n'})
    full = invoke(["check", str(root), "--no-color"])
    assert "\u202e" not in full.stdout
    assert 'the imported file "evil\\u202egnp.journey" does not exist' in full.stdout


def only_send(root: Path, tmp_path: Path) -> dict:
    """The outbox record of simulating the base project's one customer starting a checkout (a single send)."""
    log = tmp_path / "log.jsonl"
    log.write_text(
        '{"type": "identify", "userId": "u1", "traits": {"email": "u@example.com", "email_opt_in": true}, '
        '"timestamp": "2026-03-02T15:00:00Z"}\n'
        '{"type": "track", "userId": "u1", "event": "Checkout Started", "properties": {"order_id": "o-1"}, '
        '"timestamp": "2026-03-02T15:00:00Z"}\n',
        encoding="utf-8",
    )
    outbox = tmp_path / "outbox.jsonl"
    simulated = invoke(["simulate", str(root), "--events", str(log), "--until", "2026-03-03T00:00:00Z",
                        "--outbox", str(outbox)])  # fmt: skip
    assert simulated.exit_code == 0, simulated.output
    (record,) = [strict_json(line, "outbox") for line in outbox.read_text(encoding="utf-8").splitlines()]
    return record


def test_a_message_name_too_long_for_a_file_name_still_builds(make_project, tmp_path):
    """Seed 95: a message named with 4,096 letters made `build` stop with an internal error (its template file
    name was longer than the file system allows). Such names get a short path part with a hash, as long journey
    names get a short module name; data/messages.json says where the templates are, so the runtime finds them."""
    long_name = "reminder_" + "y" * 4096
    cart = BASE_FILES["cart.journey"].replace("cart_reminder", long_name)
    root = make_project({"cart.journey": cart})
    out = tmp_path / "build"
    built = invoke(["build", str(root), "--out", str(out)])
    assert built.exit_code == 0, built.output
    stem = f"reminder_{'y' * 31}_{hashlib.sha256(long_name.encode()).hexdigest()[:10]}"
    written = sorted(f"templates/email/{p.name}" for p in (out / "templates" / "email").iterdir())
    messages = json.loads((out / "data" / "messages.json").read_text(encoding="utf-8"))
    assert (
        written
        == messages[long_name]["templates"]
        == [f"templates/email/{stem}.{ext}" for ext in ("subject.txt", "txt")]
    )
    record = only_send(root, tmp_path)
    assert (record["message"], record["status"]) == (long_name, "sent")
    assert record["content"]["subject"] == "You left something behind, friend"
    assert verify_build(out) == 1


def test_a_build_file_the_file_system_refuses_is_a_clean_error(tmp_path):
    """The same case one level down: writing a file whose name the file system refuses was an OSError that
    escaped as an internal error; it is a BuildFolderError (a usage error naming the file and why)."""
    with open_build_folder(tmp_path / "out", "out", create=True) as folder:
        assert folder is not None
        name = "x" * 300 + ".txt"
        with pytest.raises(BuildFolderError, match=f"^cannot write out/{name}: its name is longer than the file"):
            folder.write(name, b"data")
        with pytest.raises(BuildFolderError, match=f"^cannot remove out/{name}: its name is longer than the file"):
            folder.remove(name)
        folder.remove("gone.txt")  # nothing there: nothing to remove, and no error
    assert not any((tmp_path / "out").iterdir())


def test_a_settings_file_with_a_number_of_thousands_of_digits_is_a_usage_error(make_project):
    """Found with the journey test files' case: tomllib's ValueError for an int of 5,000 digits escaped the
    settings reader as an internal error. It is a usage error naming the file, as any unreadable settings are."""
    root = make_project({"journeyc.toml": "sms-max-segments = " + "9" * 5000 + "\n"})
    run = invoke(["check", str(root)], usage_possible=True)
    assert run.exit_code == 2
    assert "Error: journeyc.toml holds a number of more than 4,300 digits, more than any setting takes" in run.stderr


def test_mjml_nested_thousands_deep_is_a_template_problem_not_a_dead_process(make_project, tmp_path):
    """Seed 174: an email template with 3,000 nested sections made the MJML compiler (Rust mrml, recursive)
    overflow its stack, and `journeyc build` died of SIGSEGV with no message. It is refused before compiling: the
    build reports the template and writes nothing (exit 1). Run as a subprocess, as the crash would kill pytest."""
    nested = "<mj-section><mj-column>" * 3000 + "<mj-text>x</mj-text>" + "</mj-column></mj-section>" * 3000
    cart = BASE_FILES["cart.journey"].replace('subject "You left', 'html file "deep.mjml"\n  subject "You left')
    root = make_project({"cart.journey": cart, "deep.mjml": f"<mjml><mj-body>{nested}</mj-body></mjml>"})
    process = subprocess.run(
        [sys.executable, "-m", "journeyc", "build", str(root), "--out", str(tmp_path / "build")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert process.returncode == 1, process
    assert process.stderr.splitlines() == [
        'error: message "cart_reminder": in the html file deep.mjml, the MJML nests elements 6003 levels deep; '
        "journeyc compiles at most 100, so templates/email/cart_reminder.html was not written",
        "nothing built: 1 template cannot be compiled",
    ]
    assert not (tmp_path / "build").exists()


DEEP_TEMPLATES = {
    "blocks": "{% if trigger.order_id %}" * 1000 + "x" + "{% endif %}" * 1000,
    "brackets": "{{ " + "(" * 1000 + "trigger.order_id" + ")" * 1000 + " }}",
    "lists": "{{ " + "[" * 200 + "1" + "]" * 200 + " }}",
    "filters": "{{ trigger.order_id" + " | upper" * 1000 + " }}",
    "signs": "{{ " + "-" * 1000 + "1 }}",
    "loops": "{% for i in trigger.order_id %}" * 21 + "x" + "{% endfor %}" * 21,
}


@pytest.mark.parametrize("shape", sorted(DEEP_TEMPLATES))
def test_a_template_nested_too_deeply_is_j006_not_an_internal_error(make_project, shape):
    """Found by probing the fuzzer's deep nesting inside templates: Jinja2 parses (and compiles, and renders)
    recursively, so a template nested a thousand levels deep made `check` and `build` stop with "internal error:
    the input is nested too deeply". It is J006 at the template; 21 nested loops too (Python compiles at most 20
    loops inside one another): they passed the check, and every send of the message was a render_error."""
    template = DEEP_TEMPLATES[shape]
    cart = (
        BASE_FILES["cart.journey"]
        .replace('text "Order', f'text """{template}Order')
        .replace('https://shop.example/u"', 'https://shop.example/u"""')
    )
    root = make_project({"cart.journey": cart})
    exit_code, errors = check_every_format(root, usage_possible=False)
    assert (exit_code, errors) == (1, 1)
    run = invoke(["check", str(root), "--output-format", "concise"])
    assert run.stdout.splitlines()[0] == "cart.journey:8:11: J006 error: this template is nested too deeply to process"
    assert invoke(["build", str(root), "--out", str(root / "build")]).exit_code == 1


def test_a_template_file_nested_too_deeply_is_j006_at_its_line(make_project):
    cart = BASE_FILES["cart.journey"].replace('text "Order', 'html file "deep.mjml"\n  text "Order')
    deep = "<mjml><mj-body>\n<mj-text>\n" + "{% if offer %}" * 5000 + "x" + "{% endif %}" * 5000 + "\n</mj-text>\n"
    root = make_project({"cart.journey": cart, "deep.mjml": deep + "</mj-body></mjml>\n"})
    run = invoke(["check", str(root), "--output-format", "concise"])
    assert run.exit_code == 1
    assert run.stdout.splitlines()[0] == "deep.mjml:1:1: J006 error: this template is nested too deeply to process"


def test_watch_keeps_no_garbage_of_its_rounds(monkeypatch):
    """Found by the fuzzers' own memory (a worker checking project after project grew by gigabytes): a check's
    cyclic garbage goes straight to the collector's oldest generation (collector_paused), whose automatic
    collection may never come, so `watch` and `docs --serve` kept every round's garbage: 1.8 MB per save of the
    demo. watch collects after each report. Counted here as the objects the collector tracks, round after round."""
    rounds = 12
    monkeypatch.setattr(
        watchfiles,
        "watch",
        lambda root, **_: ([(watchfiles.Change.modified, str(root / "offers.journey"))] for _ in range(rounds)),
    )
    tracked: list[int] = []
    watch(str(REPO / "journeys"), None, lambda round_: tracked.append(len(gc.get_objects())))
    assert len(tracked) == rounds + 1
    growth = tracked[-1] - tracked[2]
    assert growth < 2_000, tracked  # a round of this project left some 1,300 objects when nothing collected them


def test_twenty_nested_loops_still_check_clean_and_render(make_project, tmp_path):
    loops = "{% for i in [trigger.order_id] %}" * 20 + "{{ i }}" + "{% endfor %}" * 20
    cart = (
        BASE_FILES["cart.journey"]
        .replace('text "Order', f'text """{loops} Order')
        .replace('https://shop.example/u"', 'https://shop.example/u"""')
    )
    root = make_project({"cart.journey": cart})
    assert check_every_format(root, usage_possible=False) == (0, 0)
    record = only_send(root, tmp_path)
    assert record["status"] == "sent"
    assert record["content"]["text"].startswith("o-1 Order o-1 is waiting")


def test_a_file_name_holding_a_bidi_control_is_shown_escaped(make_project):
    """Seed 168 of the record run: a file renamed `é\\u202e.journey` was printed raw in the `-->` and `:::` lines
    of the text formats, where U+202E reverses what follows it on screen. File names are escaped like messages."""
    root = make_project({"é\u202e.journey": 'event "X" { nope }\n'})
    full = invoke(["check", str(root), "--no-color"])
    assert full.exit_code == 1
    assert "\u202e" not in full.output
    assert " --> é\\u202e.journey:1:" in full.stdout
    for output_format in ("concise", "github"):
        run = invoke(["check", str(root), "--output-format", output_format])
        assert "\u202e" not in run.stdout and "é\\u202e.journey" in run.stdout
    document = json.loads(invoke(["check", str(root), "--output-format", "json"]).stdout)
    assert document["diagnostics"][0]["location"]["file"] == "é\u202e.journey"  # data keeps the real name
