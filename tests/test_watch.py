"""`journeyc watch`, driven on a temporary project: rounds after each save, only changed files parsed again."""

from __future__ import annotations

import gc
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import watchfiles
from conftest import BASE_FILES, REPO, takes_ctrl_c, write_project

import journeyc.syntax.parser
from journeyc.collector import collector_paused, collector_paused_young
from journeyc.watch import Round, watch

pytestmark = pytest.mark.slow  # (`journeyc watch` end to end: processes and file-system events, about 10 s)

TIMEOUT = 30


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_project(tmp_path / "project", {**BASE_FILES, "journeyc.toml": ""})


class Driver:
    """Runs watch() in a thread and hands each round over."""

    def __init__(self, root: Path, out: Path | None) -> None:
        self.rounds: queue.Queue[Round] = queue.Queue()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=watch, args=(str(root), out, self.rounds.put, self.stop), daemon=True)

    def __enter__(self) -> Driver:
        self.thread.start()
        return self

    def next(self) -> Round:
        return self.rounds.get(timeout=TIMEOUT)

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=TIMEOUT)
        assert not self.thread.is_alive(), "watch did not stop"


def save(path: Path, text: str) -> None:
    time.sleep(0.05)  # let the watcher settle before the change
    path.write_text(text, encoding="utf-8")


def codes(round_: Round) -> list[str]:
    assert round_.result is not None, round_.problem
    return [d.code for d in round_.result.diagnostics]


def test_each_save_gives_a_round_and_a_mistake_is_not_fatal(project, tmp_path):
    out = tmp_path / "out"
    cart = project / "cart.journey"
    good = cart.read_text()
    with Driver(project, out) as driver:
        first = driver.next()
        assert codes(first) == [] and first.built and (out / "manifest.json").is_file()
        save(cart, good.replace('"Checkout Started"', '"Checkout Startd"'))
        broken = driver.next()
        assert broken.changed == ("cart.journey",)
        assert "J102" in codes(broken) and not broken.built
        save(cart, good)
        fixed = driver.next()
        assert codes(fixed) == [] and fixed.built


def test_only_the_changed_file_is_parsed_again(project, monkeypatch):
    parsed: list[str] = []
    real = journeyc.syntax.parser.parse_source

    def counting(text: str, path: str, is_stdlib: bool = False):
        parsed.append(path)
        return real(text, path, is_stdlib)

    monkeypatch.setattr(journeyc.syntax.parser, "parse_source", counting)  # the parse cache reads it there
    with Driver(project, None) as driver:
        driver.next()
        assert sorted(p for p in parsed if not p.startswith("stdlib/")) == [
            "cart.journey",
            "company.journey",
            "events.journey",
        ]
        parsed.clear()
        save(project / "events.journey", (project / "events.journey").read_text() + "\n# a comment\n")
        round_ = driver.next()
        assert codes(round_) == []
        assert parsed == ["events.journey"]


def test_a_file_that_breaks_another_is_reported_in_the_other(project):
    with Driver(project, None) as driver:
        driver.next()
        events = project / "events.journey"
        save(events, events.read_text().replace('event "Checkout Started"', 'event "Checkout Begun"'))
        round_ = driver.next()
        # cart.journey did not change, but the event it starts on is gone from the file it imports.
        problems = [d for d in round_.result.diagnostics if d.span.file == "cart.journey"]
        assert problems and all('"Checkout Started"' in d.message for d in problems)


def test_the_build_folder_does_not_trigger_rounds(project):
    out = project / "build"
    with Driver(project, out) as driver:
        assert driver.next().built
        with pytest.raises(queue.Empty):
            driver.rounds.get(timeout=1.0)  # writing build/ must not wake the watcher


def watch_command(*args: str) -> tuple[str, str, str, int]:
    """Run `journeyc watch ARGS` until it watches, then Ctrl-C: (output until then, the rest, stderr, exit code)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "journeyc", "watch", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=takes_ctrl_c,
    )
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + TIMEOUT
        seen = ""
        while "watching for changes" not in seen and time.monotonic() < deadline:
            seen += process.stdout.readline()
        time.sleep(0.3)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=TIMEOUT)
    finally:
        process.kill()
    return seen, out, err, process.returncode


def test_ctrl_c_stops_the_command_cleanly(project):
    seen, out, err, returncode = watch_command(str(project), "--no-build")
    assert "no problems found" in seen
    assert returncode == 0, err
    assert "stopped" in out and "Traceback" not in err


# ---------------------------------------------------------------- files that go bad while watching


def test_a_round_with_errors_says_the_build_was_skipped(project, tmp_path):
    out = tmp_path / "out"
    cart = project / "cart.journey"
    with Driver(project, out) as driver:
        assert driver.next().built
        save(cart, cart.read_text().replace('"Checkout Started"', '"Checkout Startd"'))
        broken = driver.next()
        assert not broken.built and broken.skipped == "the project has 1 error"


def test_an_unreadable_settings_file_is_reported_and_watching_goes_on(project, tmp_path):
    out = tmp_path / "out"
    config = project / "journeyc.toml"
    with Driver(project, out) as driver:
        assert driver.next().built
        time.sleep(0.05)
        config.unlink()
        config.mkdir()  # journeyc.toml is now a folder
        broken = driver.next()
        assert broken.result is None and f"cannot read {config}" in (broken.problem or "")
        time.sleep(0.05)
        config.rmdir()
        save(config, "")
        assert codes(driver.next()) == []


def test_a_build_file_that_became_a_folder_or_a_link_is_reported_and_watching_goes_on(project, tmp_path):
    out = tmp_path / "out"
    cart = project / "cart.journey"
    good = cart.read_text()
    outside = tmp_path / "outside.json"
    outside.write_text("keep")
    with Driver(project, out) as driver:
        assert driver.next().built
        channels = out / "data" / "channels.json"
        channels.unlink()
        channels.mkdir()
        save(cart, good.replace("wait 1 hour", "wait 2 hours"))
        folder = driver.next()
        assert not folder.built and "channels.json is a folder where journeyc writes a file" in (folder.problem or "")
        channels.rmdir()
        channels.symlink_to(outside)
        save(cart, good)
        link = driver.next()
        assert not link.built and "channels.json is a symbolic link" in (link.problem or "")
        assert outside.read_text() == "keep"
        channels.unlink()
        save(cart, good.replace("wait 1 hour", "wait 3 hours"))
        assert driver.next().built and (out / "data" / "channels.json").is_file()


def test_a_journey_file_that_cannot_be_read_does_not_delete_its_module(project, tmp_path):
    out = tmp_path / "out"
    cart = project / "cart.journey"
    with Driver(project, out) as driver:
        assert driver.next().built
        time.sleep(0.05)
        cart.unlink()
        os.mkfifo(cart)
        round_ = driver.next()
        while "J005" not in codes(round_):  # the removal and the new pipe may come as two rounds
            round_ = driver.next()
        assert not round_.built and (out / "journeys" / "cart_recovery.py").is_file()


def test_the_command_says_when_it_did_not_build(project):
    cart = project / "cart.journey"
    cart.write_text(cart.read_text().replace('"Checkout Started"', '"Checkout Startd"'))
    seen, _, err, returncode = watch_command(str(project))
    assert returncode == 0, err
    assert "not built: the project has 1 error" in seen
    assert not (project / "build").exists()


@pytest.mark.parametrize("small_rounds", [False, True], ids=["every round collected whole", "small rounds young"])
def test_the_command_line_s_rounds_keep_no_garbage(monkeypatch, small_rounds):
    """As the command line runs them: the collector paused during each round. Rounds after the first leave their
    objects young (collector_paused_young) and only the young generations are collected after an incremental one;
    their garbage must go all the same (the demo left some 1,300 objects a round when nothing collected it)."""
    rounds = 12
    edited = REPO / "journeys" / "offers.journey"
    monkeypatch.setattr(
        watchfiles, "watch", lambda root, **_: ([(watchfiles.Change.modified, str(edited))] for _ in range(rounds))
    )
    collections: list[int] = []
    real_collect = gc.collect
    monkeypatch.setattr(gc, "collect", lambda generation=2: collections.append(generation) or real_collect(generation))
    tracked: list[int] = []
    small = collector_paused_young if small_rounds else None
    watch(str(REPO / "journeys"), None, lambda round_: tracked.append(len(gc.get_objects())),
          around_round=collector_paused, around_small_round=small)  # fmt: skip
    assert len(tracked) == rounds + 1
    assert tracked[-1] - tracked[2] < 2_000, tracked
    assert collections == ([2] + [1] * rounds if small_rounds else [2] * (rounds + 1))
