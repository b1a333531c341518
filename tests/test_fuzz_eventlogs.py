"""Fuzzing of event logs (issue 12): `journeyc simulate` over mutated copies of journeys/events/sample.jsonl.

Each case changes a few lines of the demo's log (see fuzz_log_cases.py) and simulates the demo project over it,
with a random `--until`, and sometimes `--outbox` and `--customer`. Whatever the log holds:
- the run completes: exit 0 (the project has no errors and the options are valid), no traceback, no internal
  error, and nothing printed raw that a terminal would act on (escape codes, CR, NUL from the log);
- no line vanishes: the summary's "events read" counts every line that is not blank (accepted, rejected or a
  duplicate), and each rejected line it lists is a line of the file;
- the outbox holds one strict JSON object per line (no NaN, no Infinity), each a send the run decided.

The number of cases is JOURNEYC_FUZZ_EXAMPLES (default 40) x 3 from seed JOURNEYC_FUZZ_SEED; tests/fuzz_main.py
runs thousands.
"""

from __future__ import annotations

import gc
import os
import re
import shutil
import weakref
from pathlib import Path

import pytest
from fuzz_cases import REPO
from fuzz_log_cases import log_case
from fuzz_oracles import SUBPROCESS_EVERY, OracleError, invoke, no_raw_controls, same_in_subprocess, strict_json

from journeyc.load import find_project
from journeyc.pipeline import check_project
from journeyc.runtime.eventlog import parse_time
from journeyc.simulate import simulate

JOURNEYS = REPO / "journeys"
EXAMPLES = 3 * int(os.environ.get("JOURNEYC_FUZZ_EXAMPLES", "40"))
FIRST_SEED = int(os.environ.get("JOURNEYC_FUZZ_SEED", "0"))
READ = re.compile(r"^events read: (\d+), accepted (\d+), rejected (\d+)(?:, duplicates (\d+))?")
OUTBOX_KEYS = {"time", "user_id", "anonymous_id", "journey", "step", "channel", "message", "status", "reason"}


def lines_to_read(log: Path) -> int:
    """The lines of the log that are not blank, split as `simulate` splits them (at LF only)."""
    with open(log, encoding="utf-8", errors="replace", newline="\n") as handle:
        return sum(1 for line in handle if line.removeprefix("\ufeff").strip())


def log_round(seed: int, work: Path) -> int:
    """One event-log case, every oracle; returns the number of outbox records. Raises OracleError naming the case."""
    if work.exists():
        shutil.rmtree(work)
    case = log_case(seed, work)
    try:
        run = invoke(["simulate", str(JOURNEYS), *case.args])
        if run.exit_code != 0:
            raise OracleError(f"exit {run.exit_code}\n{run.shown()}")
        no_raw_controls(run.stdout, "simulate")
        if "--customer" not in case.args:
            read = READ.match(run.stdout)
            if read is None or int(read.group(1)) != lines_to_read(case.log):
                raise OracleError(f"{lines_to_read(case.log)} lines to read, but\n{run.shown()}")
            listed = [int(n) for n in re.findall(r"(?m)^  line (\d+): ", run.stdout)]
            if any(n > case.log.read_bytes().count(b"\n") + 1 for n in listed):
                raise OracleError(f"a rejected line beyond the end of the log\n{run.shown()}")
        elif not run.stdout.strip():
            raise OracleError(f"--customer printed nothing\n{run.shown()}")
        records = _outbox_records(case.outbox)
        if seed % SUBPROCESS_EVERY == 0:
            same_in_subprocess(run)
        return records
    except OracleError as error:
        raise OracleError(f"{case.describe()}\n{error}") from None


def _outbox_records(outbox: Path | None) -> int:
    if outbox is None:
        return 0
    lines = outbox.read_text(encoding="utf-8").splitlines()
    for line in lines:
        record = strict_json(line, "an outbox line")
        if not set(record) >= OUTBOX_KEYS or record["status"] not in ("sent", "dropped", "deferred"):
            raise OracleError(f"an outbox record without its fields: {line[:500]}")
        parse_time(record["time"])
    if outbox.with_name(outbox.name + ".partial").exists():
        raise OracleError("a .partial outbox was left behind")
    return len(lines)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(FIRST_SEED, FIRST_SEED + EXAMPLES))
def test_a_mutated_event_log_never_crashes_simulate(seed, tmp_path):
    log_round(seed, tmp_path / "case")


# ---------------------------------------------------------------- what the fuzzer found, pinned down
def sample_with(old: str, new: str) -> str:
    text = (JOURNEYS / "events" / "sample.jsonl").read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new)


def test_a_lone_surrogate_in_a_rejected_value_is_shown_escaped(tmp_path):
    """Seed 124: a `timestamp` of "\\ud800" (a lone surrogate, which JSON can escape but UTF-8 cannot hold) made
    the summary's rejection line an internal error when printed. It is shown as its escape."""
    log = tmp_path / "events.jsonl"
    log.write_text(sample_with('"timestamp":"2026-03-04T12:40:00.000Z"', '"timestamp":"\\ud800"'), encoding="utf-8")
    run = invoke(["simulate", str(JOURNEYS), "--events", str(log), "--until", "2026-06-01T00:00:00Z"])
    assert run.exit_code == 0, run.output
    assert '  line 13: timestamp: "\\ud800" is not an ISO 8601 time' in run.stdout.splitlines()


def test_hostile_text_in_a_property_reaches_the_outbox_as_json_and_the_timeline_escaped(tmp_path):
    """Seeds 237 and 313: a property holding a lone surrogate reached a message's content, and writing it to the
    outbox (UTF-8) was an internal error; an escape code or a bidi override in it reached the `--customer`
    timeline raw, where a terminal acts on it. The outbox line is the JSON of the record (the surrogate as its
    JSON escape) and the timeline shows every such character escaped."""
    log = tmp_path / "events.jsonl"
    hostile = "LW\\ud800\\u001b[31m\\u202e"  # as JSON writes it
    log.write_text(sample_with('"order_id":"LW-1001"', f'"order_id":"{hostile}"'), encoding="utf-8")
    outbox = tmp_path / "outbox.jsonl"
    run = invoke(["simulate", str(JOURNEYS), "--events", str(log), "--until", "2026-06-01T00:00:00Z",
                  "--outbox", str(outbox)])  # fmt: skip
    assert run.exit_code == 0, run.output
    records = [strict_json(line, "an outbox line") for line in outbox.read_text(encoding="utf-8").splitlines()]
    shipped = next(r for r in records if r["message"] == "shipped")
    assert "your order LW\ud800\x1b[31m\u202e is on its way" in shipped["content"]["text"]
    timeline = invoke(["simulate", str(JOURNEYS), "--events", str(log), "--until", "2026-06-01T00:00:00Z",
                       "--customer", "heather"])  # fmt: skip
    assert timeline.exit_code == 0, timeline.output
    no_raw_controls(timeline.stdout, "the timeline")
    assert "\u202e" not in timeline.stdout
    assert 'sent sms "shipped": "Loomwell: your order LW\\ud800\\u001b[31m\\u202e is on its way' in timeline.stdout


def test_a_simulation_is_freed_when_its_caller_drops_it():
    """Found by the fuzzers' own memory: a worker running cases in one process grew to gigabytes. Every
    `simulate` froze the collector's view of everything alive (`gc.freeze`), so each simulation's cycles stayed in
    memory for good once dropped: journey tests (one simulation per file) and the site's server (one per rebuild)
    grew without end. Only the `simulate` command, whose simulation lives until it exits, freezes now."""
    result = check_project(find_project(str(JOURNEYS)))
    lines = (JOURNEYS / "events" / "sample.jsonl").read_text(encoding="utf-8").splitlines()
    frozen = gc.get_freeze_count()
    simulation = simulate(result, lines, parse_time("2026-06-01T00:00:00Z"))
    assert simulation.simulator.outbox  # it ran
    alive = weakref.ref(simulation.simulator)
    del simulation
    gc.collect()
    assert alive() is None
    assert gc.get_freeze_count() == frozen
