"""The file provider's outbox and the delivery ledger: each key delivered once, across threads, processes and kills."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
from dataclasses import replace
from pathlib import Path

import pytest
import receivers
from receivers import SmtpReceiver, WebhookReceiver, sample_delivery

from journeyc.runtime.delivery import (
    Delivery,
    DeliveryService,
    FileProvider,
    Ledger,
    PermanentDeliveryError,
    Receipt,
    Router,
    SmtpProvider,
    TransientDeliveryError,
    WebhookProvider,
    message_id,
)
from journeyc.runtime.delivery.settings import SmtpSettings, WebhookSettings
from journeyc.runtime.policy import Attempt, ContactPolicy, Decision

webhook_receiver = receivers.webhook_receiver  # (the fixture)
REPO = Path(__file__).resolve().parent.parent


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# ------------------------------------------------------------------ the file provider
def test_an_outbox_line_is_the_simulators_record_and_the_key(tmp_path: Path) -> None:
    delivery = sample_delivery(offer="WELCOME10", arm="a", deferred_from=1776168000.0)
    receipt = FileProvider(tmp_path / "outbox.jsonl").deliver(delivery)

    assert receipt == Receipt("file", str(tmp_path / "outbox.jsonl"))
    [record] = lines(tmp_path / "outbox.jsonl")
    attempt = Attempt(0, "u", "j", "1", "email", "m", None, None, None, None, {})
    simulator_fields = list(ContactPolicy.record(attempt, Decision("sent", "email", "lifecycle", None, {})))
    assert list(record) == [*simulator_fields, "key"]
    assert record == {
        "time": "2026-04-14T14:00:00Z",
        "user_id": "u-priya",
        "anonymous_id": None,
        "journey": "welcome_series",
        "run": None,
        "step": "2",
        "channel": "email",
        "message": "welcome",
        "category": "lifecycle",
        "status": "sent",
        "reason": None,
        "offer": "WELCOME10",
        "arm": "a",
        "deferred_from": "2026-04-14T12:00:00Z",
        "content": dict(delivery.content),
        "key": delivery.key,
    }


def test_the_file_provider_writes_each_key_once_even_from_another_provider_object(tmp_path: Path) -> None:
    outbox = tmp_path / "state" / "outbox.jsonl"
    first, second = FileProvider(outbox), FileProvider(outbox)  # two workers on one machine
    first.deliver(sample_delivery())
    assert second.deliver(sample_delivery()).detail == f"already in {outbox}"
    assert first.deliver(sample_delivery()).detail == f"already in {outbox}"
    second.deliver(sample_delivery(key="loomwell/u-priya/run-1/5"))
    first.deliver(sample_delivery(key="loomwell/u-priya/run-1/5"))  # learns the other's line before writing

    assert [r["key"] for r in lines(outbox)] == ["loomwell/u-priya/run-1/2", "loomwell/u-priya/run-1/5"]


def test_a_line_cut_short_by_a_crash_stays_apart_from_the_next_line(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox.jsonl"
    outbox.write_text('{"key": "a", "time": "2026-04-14T14:00:00Z"}\n{"key": "b", "ti', encoding="utf-8")
    FileProvider(outbox).deliver(sample_delivery(key="a"))  # in the file already
    FileProvider(outbox).deliver(sample_delivery(key="b"))  # its line is broken: it was never delivered whole

    text = outbox.read_text(encoding="utf-8").splitlines()
    assert text[:2] == ['{"key": "a", "time": "2026-04-14T14:00:00Z"}', '{"key": "b", "ti']
    assert [json.loads(line)["key"] for line in text[2:]] == ["b"]


def test_a_replaced_outbox_file_is_read_again(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox.jsonl"
    provider = FileProvider(outbox)
    provider.deliver(sample_delivery(key="a"))
    outbox.unlink()  # someone cleared the outbox
    provider.deliver(sample_delivery(key="a"))

    assert [r["key"] for r in lines(outbox)] == ["a"]


@pytest.mark.slow
def test_processes_and_threads_appending_the_same_keys_write_each_once(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox.jsonl"
    script = textwrap.dedent(f"""
        import sys, threading
        sys.path.insert(0, {str(REPO / "tests")!r})
        from pathlib import Path
        from receivers import sample_delivery
        from journeyc.runtime.delivery import FileProvider
        providers = [FileProvider(Path({str(outbox)!r})) for _ in range(3)]
        def send(provider):
            for n in range(40):
                provider.deliver(sample_delivery(key=f"k/{{n}}", content={{"text": "x" * 5000}}))
        threads = [threading.Thread(target=send, args=(p,)) for p in providers]
        [t.start() for t in threads]
        [t.join() for t in threads]
    """)
    workers = [subprocess.Popen([sys.executable, "-c", script], cwd=REPO) for _ in range(3)]
    assert [worker.wait(timeout=120) for worker in workers] == [0, 0, 0]

    keys = [record["key"] for record in lines(outbox)]  # every line whole JSON
    assert sorted(keys) == sorted(f"k/{n}" for n in range(40))


def test_an_outbox_that_cannot_be_written_is_a_transient_failure(tmp_path: Path) -> None:
    (tmp_path / "outbox.jsonl").mkdir()  # a folder where the file should be
    with pytest.raises(TransientDeliveryError, match=r"outbox .*outbox\.jsonl: Is a directory"):
        FileProvider(tmp_path / "outbox.jsonl").deliver(sample_delivery())


# ------------------------------------------------------------------ the ledger
def webhook_service(receiver: WebhookReceiver, ledger: Ledger) -> DeliveryService:
    provider = WebhookProvider(WebhookSettings("sms", receiver.url(), "S", timeout_seconds=5), "test-webhook-secret")
    return DeliveryService(Router({"sms": provider}, FileProvider(ledger.path.with_name("outbox.jsonl"))), ledger)


SMS = sample_delivery(channel="sms", kind="sms", to="+15550001", content={"text": "Hi Priya"})


class Answering:
    """A provider that answers at once (the ledger's tests are about the ledger, not the far side)."""

    name = "answering"

    def deliver(self, delivery: Delivery) -> Receipt:
        return Receipt(self.name, "ok")


def test_a_delivered_key_is_not_sent_again_and_gets_the_same_receipt(
    webhook_receiver: WebhookReceiver, tmp_path: Path
) -> None:
    ledger = Ledger(tmp_path / "deliveries.sqlite")
    service = webhook_service(webhook_receiver, ledger)
    first = service.deliver(SMS)
    again = webhook_service(webhook_receiver, Ledger(tmp_path / "deliveries.sqlite")).deliver(SMS)  # a new worker

    assert first == again == Receipt("webhook", "HTTP 200")
    assert len(webhook_receiver.requests) == 1
    entry = ledger.entry(SMS.key)
    assert entry is not None and (entry.status, entry.attempts) == ("delivered", 1)


def test_a_transient_failure_is_retried_and_a_permanent_one_stays_failed(
    webhook_receiver: WebhookReceiver, tmp_path: Path
) -> None:
    service = webhook_service(webhook_receiver, Ledger(tmp_path / "deliveries.sqlite"))
    webhook_receiver.answer_next(503, 404)
    with pytest.raises(TransientDeliveryError):
        service.deliver(SMS)
    assert service.ledger.entry(SMS.key).status == "retry"  # type: ignore[union-attr]
    with pytest.raises(PermanentDeliveryError) as failed:
        service.deliver(SMS)
    with pytest.raises(PermanentDeliveryError) as again:
        service.deliver(SMS)  # the record ended `failed`: it is not sent a third time

    assert str(again.value) == str(failed.value) == 'webhook answered HTTP 404: {"status": 404}'
    assert [r.status for r in webhook_receiver.requests] == [503, 404]
    entry = service.ledger.entry(SMS.key)
    assert entry is not None and (entry.status, entry.attempts) == ("failed", 2)


def test_an_attempt_still_sending_in_a_live_process_keeps_a_second_one_out(tmp_path: Path) -> None:
    release, started, calls = threading.Event(), threading.Event(), []

    class SlowProvider:  # a provider that is still sending until the test says
        name = "slow"

        def deliver(self, delivery: Delivery) -> Receipt:
            calls.append(delivery.key)
            started.set()
            release.wait(10)
            return Receipt("slow", "done")

    ledger = Ledger(tmp_path / "deliveries.sqlite")
    first = threading.Thread(target=ledger.deliver_once, args=(SlowProvider(), SMS))
    first.start()
    assert started.wait(10)
    with pytest.raises(TransientDeliveryError, match="still sending"):
        ledger.deliver_once(SlowProvider(), SMS)
    release.set()
    first.join()

    assert ledger.deliver_once(SlowProvider(), SMS) == Receipt("slow", "done")
    assert calls == [SMS.key]


def test_a_claim_whose_lease_ran_out_is_taken_over(tmp_path: Path) -> None:
    now = [1000.0]
    ledger = Ledger(tmp_path / "deliveries.sqlite", lease_seconds=60, clock=lambda: now[0])
    calls: list[str] = []

    class Hanging:  # the first attempt hangs; a retry comes inside its lease, and another one after it
        name = "p"

        def deliver(self, delivery: Delivery) -> Receipt:
            calls.append(delivery.key)
            if len(calls) == 1:
                with pytest.raises(TransientDeliveryError):
                    ledger.deliver_once(self, delivery)
                now[0] += 61
                assert ledger.deliver_once(self, delivery) == Receipt("p", "second")
                return Receipt("p", "first")
            return Receipt("p", "second")

    ledger.deliver_once(Hanging(), SMS)
    assert calls == [SMS.key, SMS.key]


KILLED_WORKER = """
import os, signal, sys
sys.path.insert(0, {tests!r})
from pathlib import Path
from receivers import sample_delivery
from journeyc.runtime.delivery import Ledger, Receipt

class DiesMidSend:
    name = "dies"
    def deliver(self, delivery):
        os.kill(os.getpid(), signal.SIGKILL)

Ledger(Path({ledger!r})).deliver_once(DiesMidSend(), sample_delivery(key={key!r}))
"""


@pytest.mark.slow
def test_a_send_whose_worker_was_killed_is_sent_by_the_next_attempt_at_once(tmp_path: Path) -> None:
    ledger_path = tmp_path / "deliveries.sqlite"
    script = KILLED_WORKER.format(tests=str(REPO / "tests"), ledger=str(ledger_path), key=SMS.key)
    worker = subprocess.run([sys.executable, "-c", script], cwd=REPO, check=False)
    assert worker.returncode == -signal.SIGKILL
    ledger = Ledger(ledger_path)
    assert ledger.entry(SMS.key).status == "delivering"  # type: ignore[union-attr]

    assert ledger.deliver_once(Answering(), SMS) == Receipt("answering", "ok")  # no wait for the dead one's lease
    entry = ledger.entry(SMS.key)
    assert entry is not None and (entry.status, entry.attempts) == ("delivered", 2)


def test_a_claim_left_by_an_earlier_process_with_this_pid_is_not_honoured(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "deliveries.sqlite", clock=lambda: 1000.0)
    with sqlite3.connect(ledger.path) as connection:  # what a container restarted with the same pid finds
        connection.execute(
            "INSERT INTO deliveries (key, status, attempts, owner_pid, owner_token, lease_until, updated_at)"
            " VALUES (?, 'delivering', 1, ?, 'a-token-of-the-process-before', 2000.0, 990.0)",
            (SMS.key, os.getpid()),
        )

    assert ledger.deliver_once(Answering(), SMS) == Receipt("answering", "ok")


SENDING_WORKER = """
from pathlib import Path
from journeyc.runtime.delivery import Delivery, Ledger, SmtpProvider, WebhookProvider
from journeyc.runtime.delivery.settings import SmtpSettings, WebhookSettings
Ledger(Path({ledger!r})).deliver_once({provider}, {delivery!r})
"""
SENDER = "Loomwell <hello@loomwell.example>"


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["email", "sms"])
def test_a_worker_killed_in_the_middle_of_a_send_leaves_exactly_one_message_after_the_retry(
    tmp_path: Path, kind: str
) -> None:
    ledger = tmp_path / "deliveries.sqlite"
    delivery = replace(sample_delivery() if kind == "email" else SMS, key="loomwell/u-priya/run-9/4")
    receiver = SmtpReceiver() if kind == "email" else WebhookReceiver("test-webhook-secret")
    with receiver:
        provider: SmtpProvider | WebhookProvider
        if kind == "email":
            provider = SmtpProvider(SmtpSettings("email", "127.0.0.1", receiver.port, SENDER, "none", 30))
            made, counted_as = f"SmtpProvider({provider.settings!r})", message_id(delivery.key, SENDER)
        else:
            provider = WebhookProvider(WebhookSettings("sms", receiver.url(), "S", 30), "test-webhook-secret")
            made, counted_as = f"WebhookProvider({provider.settings!r}, 'test-webhook-secret')", delivery.key
        receiver.hold_next(1, 30)  # the server takes its time, and the worker is killed while it waits
        script = SENDING_WORKER.format(ledger=str(ledger), provider=made, delivery=delivery)
        worker = subprocess.Popen([sys.executable, "-c", script], cwd=REPO)
        try:
            assert receiver.wait_until(lambda: receiver.holding == 1, 60)
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(30)
        assert receiver.wait_until(lambda: receiver.dropped == 1, 30)  # the killed send never arrived

        Ledger(ledger).deliver_once(provider, delivery)  # the activity's retry, in a new worker
        Ledger(ledger).deliver_once(provider, delivery)  # and one more, after it succeeded

        assert receiver.received == {counted_as: 1}


def test_a_batch_of_log_records_is_appended_once_each_in_one_write(tmp_path):
    """The live runtime logs a wake's decisions as one batch (one write, one flush): a key already in the file, or
    twice in the batch, is written once, and a line cut short by a crash stays a line of its own."""
    log = tmp_path / "decisions.jsonl"
    log.write_bytes(b'{"key": "a", "status": "sent"}\n{"key": "cut short')  # a crash mid-line
    provider = FileProvider(log)
    batch = [("a", {"status": "sent"}), ("b", {"status": "dropped"}), ("b", {"status": "dropped"}), ("c", {})]
    assert provider.append_all(batch) == 2
    assert provider.append_all(batch) == 0
    lines = log.read_text(encoding="utf-8").splitlines()
    assert lines[1] == '{"key": "cut short'
    assert [json.loads(line)["key"] for line in lines[2:]] == ["b", "c"]
    assert FileProvider(log).append_once("c", {}) is False  # another writer reads the keys from the file
