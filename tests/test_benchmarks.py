"""The benchmarks still run: each script at its smallest size prints its figures, and the project generator they
share writes a project that checks clean, the same one every time. (The figures themselves are not tested.)"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO, check

sys.path.insert(0, str(REPO / "benchmarks"))
from cleanup import children, running
from compare_outputs import differences  # (benchmarks/ is not a package: its scripts import each other so)
from project_gen import generate

pytestmark = pytest.mark.slow  # each runs a script in a process of its own

SECONDS = r"\d+\.\d+ s"


def run(script: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / script), *args], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


def test_the_generated_project_checks_clean_and_is_the_same_each_time(tmp_path: Path) -> None:
    texts = generate(tmp_path / "a", 12)
    assert generate(tmp_path / "b", 12) == texts
    assert len([name for name in texts if name.endswith(".journey")]) >= 12
    result = check(tmp_path / "a")
    assert result.errors == 0, [d.message for d in result.diagnostics if d.severity == "error"]
    assert result.project.journeys


def test_check_bench() -> None:
    out = run("check_bench.py", "--files", "10", "--repeat", "1", "--no-scaling", "--big-file", "0.01")
    for row in ("bare parse", "full check", "cross-journey", "clean", "error at its end"):
        assert re.search(rf"^  {row} +{SECONDS}", out, re.M), (row, out)
    assert re.search(r"^  check / parse +\d+\.\d+x", out, re.M), out


def test_parser_options() -> None:
    out = run("parser_options.py", "--files", "10", "--repeat", "1")
    for row in ("FastParse + IR", "Lark + IR", "Lark tree", "standalone tree"):
        assert re.search(rf"^  {re.escape(row)} +{SECONDS}", out, re.M), (row, out)


def test_watch_bench() -> None:
    out = run("watch_bench.py", "--files", "10", "--saves", "2")
    assert re.search(r"^  save to diagnostics over 2 saves: p50 \d+ ms, p90 \d+ ms, p99 \d+ ms", out, re.M), out
    assert re.search(r"^  of which checking: median \d+ ms", out, re.M), out


def test_lsp_bench() -> None:
    out = run("lsp_bench.py", "--files", "10", "--edits", "3")
    assert re.search(r"^  edit to diagnostics over 3 edits: p50 \d+ ms, p90 \d+ ms, p99 \d+ ms", out, re.M), out


def test_cache_bench() -> None:
    out = run("cache_bench.py", "--files", "10", "--repeat", "1")
    for how in ("in this process", "as a program"):
        assert re.search(rf"^  {how} +cold {SECONDS} / {SECONDS}, from the cache", out, re.M), (how, out)


def test_template_shortcuts() -> None:
    out = run("template_shortcuts.py", "--files", "10", "--events", "500", "--customers", "50", "--rounds", "1")
    rows = re.findall(rf"^  (check|simulate) +(on|render off|bound off) +best +{SECONDS}.*same output$", out, re.M)
    assert len(rows) == 6, out


def test_simulate_bench_at_its_smallest() -> None:
    out = run("simulate_bench.py", "--events", "2000", "--customers", "200")
    for workload in ("send_heavy", "segment_heavy", "waiting_runs", "few_events", "mixed"):
        # Its row in the summary: events/s (CPU, wall clock), the bare orjson read, the ratio, MB, B/run, verdict.
        row = rf"^  {workload} +[\d,]+ +[\d,]+ +[\d,]+ +\d+\.\dx +[\d,]+ +[\d,]+  (PASS|FAIL)$"
        assert re.search(row, out, re.M), (workload, out)
        assert re.search(rf"^{workload}: .*\n  log +[\d,]+ events +[\d,]+ customers", out, re.M), (workload, out)


@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed (apt install valgrind)")
def test_simulate_instructions_at_a_small_size() -> None:
    out = run("simulate_instructions.py", "--workload", "mixed", "--events", "300")
    row = re.search(r"^  mixed +([\d,]+) +([\d,]+) +([\d,]+)$", out, re.M)
    assert row, out
    reading, simulating, both = (int(figure.replace(",", "")) for figure in row.groups())
    assert reading > 0 and simulating > 0 and abs(reading + simulating - both) <= 1, out


def test_compare_outputs_against_the_last_commit() -> None:
    out = run("compare_outputs.py", "HEAD", "--projects", "examples/coffee_shop", "--files", "0")
    assert re.search(r"^before: HEAD \([0-9a-f]{10}\); after: this checkout", out, re.M), out
    found = re.search(r"^(\d+) of (\d+) outputs differ$", out, re.M)
    assert found is not None and int(found.group(2)) >= 18, out  # 6 commands, each with exit code, stdout, stderr


def test_compare_outputs_names_each_output_that_differs_with_a_diff() -> None:
    before = {"p | journeyc ir | stdout": b"a\nb\n", "p | journeyc ir | exit code": b"0", "gone": b"x"}
    after = {"p | journeyc ir | stdout": b"a\nc\n", "p | journeyc ir | exit code": b"0", "new": b"y"}
    found = dict(differences(before, after, lines=30))
    assert set(found) == {"p | journeyc ir | stdout", "gone", "new"}
    assert "-b" in found["p | journeyc ir | stdout"] and "+c" in found["p | journeyc ir | stdout"]
    assert found["gone"][0] == "only before" and found["new"][0] == "only after"
    assert differences(before, before, lines=30) == []
    cut = differences({"k": "\n".join(map(str, range(100))).encode()}, {"k": b""}, lines=5)
    assert cut[0][1][-1].startswith("... (") and len(cut[0][1]) == 6


def test_runtime_bench_at_a_small_size() -> None:
    out = run("runtime_bench.py", "--events", "20", "--concurrency", "5", "--seconds", "2")
    assert re.search(r"raw signal-with-start, empty workflow: +\d+\.\d processed/s", out), out
    assert re.search(r"journeyc, customers known: +\d+\.\d processed/s +\(\d+\.\d\dx raw", out), out
    assert re.search(r"journeyc, each event a new customer's: +\d+\.\d processed/s +\(\d+\.\d\dx raw", out), out
    assert re.search(r"OTP event -> email at the SMTP server, .*: p50 \d+ ms, p99 \d+ ms over \d+ emails", out), out


def test_intake_bench_at_a_small_size() -> None:
    out = run("intake_bench.py", "--events", "200", "--customers", "20", "--batch", "10")
    assert re.search(r"raw signal-with-start .*: [\d,]+ calls/s", out), out
    assert re.search(r"intake: \d+ calls \(\d+ duplicates\) accepted in \d+\.\d s", out), out
    assert re.search(r"request latency \(a batch of 10\): p50 \d+ ms", out), out
    assert "workflows' counts" in out, out


def test_a_benchmark_ended_by_sigterm_stops_the_dev_server_it_started() -> None:
    bench = subprocess.Popen([sys.executable, str(REPO / "benchmarks" / "runtime_bench.py"), "--events", "2000"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        servers: list[int] = []
        while not servers and time.monotonic() < deadline and bench.poll() is None:
            servers = [pid for pid in children(bench.pid) if b"start-dev" in _command(pid)]
            time.sleep(0.2)
        assert servers, "the benchmark started no dev server"
        time.sleep(2)  # (the server up and the benchmark at work)
        started = children(bench.pid)  # the dev server, the SMTP server and multiprocessing's resource tracker
        bench.send_signal(signal.SIGTERM)
        _, stderr = bench.communicate(timeout=30)
    finally:
        if bench.poll() is None:
            bench.kill()
    assert bench.returncode == 143
    assert b"Traceback" not in stderr
    deadline = time.monotonic() + 10  # (multiprocessing's resource tracker ends once its parent is gone)
    while any(map(running, started)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [_command(pid) for pid in started if running(pid)], "a process the benchmark started outlived it"


def _command(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""
