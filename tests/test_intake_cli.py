"""The intake's commands as a newcomer runs them: `journeyc dev` starts the intake beside the dev server and the
worker and says where it is; `journeyc send-events` replays a JSONL log into it (found through .journeyc/dev.json),
lists what was refused by log line, and the calls reach the workflows; `journeyc intake` refuses to start without
write keys."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
from conftest import invoke_cleanly, takes_ctrl_c
from live_support import LIVE_PROJECT, wait_for

from journeyc.runtime.times import format_time

pytestmark = pytest.mark.slow  # (journeyc dev: a dev server, a worker and the intake in another process)


def test_dev_starts_the_intake_and_send_events_replays_a_log_into_it(tmp_path):
    root = tmp_path / "shop"
    shutil.copytree(LIVE_PROJECT, root)
    with (root / "journeyc.toml").open("a", encoding="utf-8") as toml:
        toml.write('\n[intake]\nlateness = "1 second"\n')  # (calls wait a minute by default)
    env = {k: v for k, v in os.environ.items() if k != "JOURNEYC_WRITE_KEYS"} | {"PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen([sys.executable, "-m", "journeyc", "dev", str(root)], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, env=env, preexec_fn=takes_ctrl_c)  # fmt: skip
    lines: list[str] = []
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not any("press Ctrl-C" in line for line in lines):
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
        [intake_line] = [line for line in lines if line.startswith("intake: http://127.0.0.1:")]
        assert any(line.strip().startswith("curl -u dev_") for line in lines), lines
        running = json.loads((root / ".journeyc" / "dev.json").read_text())
        assert intake_line.split()[1] == running["intake"] and running["write_key"].startswith("dev_")

        now = time.time()
        log = tmp_path / "events.jsonl"
        calls = [{"type": "identify", "userId": f"c{n}", "traits": {"email": f"c{n}@example.com"},
                  "timestamp": format_time(now)} for n in range(30)]  # fmt: skip
        calls.append({"type": "track", "userId": "c1", "event": "Not In The Plan", "timestamp": format_time(now)})
        log.write_text("\n".join(json.dumps(c) for c in calls) + "\n{broken\n", encoding="utf-8")
        result = invoke_cleanly("send-events", str(log), "--project", str(root), "--batch", "7")
        assert result.exit_code == 1, result.output
        assert f"{log}:31: event: " in result.output and "not in the tracking plan" in result.output
        assert f"{log}:32: not JSON" in result.output
        assert "30 calls accepted, 2 refused" in result.output

        requests_log = root / ".journeyc" / "intake.log"
        assert wait_for_lines(requests_log, 5)
        logged = [json.loads(line) for line in requests_log.read_text().splitlines()]
        assert sum(line.get("accepted", 0) for line in logged) == 30 and {line["status"] for line in logged} == {200}
        for _ in range(40):
            inspected = invoke_cleanly("inspect", str(root), "--customer", "c3")
            if "identify: email='c3@example.com'" in inspected.output:
                break
            time.sleep(0.5)
        assert inspected.exit_code == 0 and "identify: email='c3@example.com'" in inspected.output
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert process.returncode == 0
    assert not (root / ".journeyc" / "dev.json").exists()


def wait_for_lines(path, count: int) -> bool:
    import asyncio

    return asyncio.run(wait_for(lambda: path.is_file() and len(path.read_text().splitlines()) >= count, 20))


def test_intake_needs_write_keys(tmp_path, monkeypatch):
    monkeypatch.delenv("JOURNEYC_WRITE_KEYS", raising=False)
    shutil.copytree(LIVE_PROJECT, tmp_path / "shop")
    result = invoke_cleanly("intake", str(tmp_path / "shop"), "--port", "0")
    assert result.exit_code == 1 and 'set the environment variable "JOURNEYC_WRITE_KEYS"' in result.output


def test_intake_refuses_an_address_that_is_not_host_and_port(tmp_path, monkeypatch):
    monkeypatch.setenv("JOURNEYC_WRITE_KEYS", "k")
    shutil.copytree(LIVE_PROJECT, tmp_path / "shop")
    result = invoke_cleanly("intake", str(tmp_path / "shop"), "--address", "not an address", "--port", "0")
    assert result.exit_code == 2 and "'not an address' is not HOST:PORT" in result.output
