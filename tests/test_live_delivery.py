"""Real delivery from the live runtime: emails over SMTP, texts as signed webhooks, each message exactly once,
even when the worker is killed in the middle of waits and of sends, and when a provider fails for a while.

Receivers are real servers on loopback (tests/receivers.py: aiosmtpd, an HTTP endpoint checking the HMAC); the
worker is `journeyc worker` in a process of its own, SIGKILLed and started again.
"""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

import pytest
from live_support import (
    identify,
    live_project,
    reachable,
    simulated,
    track,
    wait_for,
    worker_process,
    zone_at,
)
from receivers import SmtpReceiver, WebhookReceiver, smtp_settings

from journeyc.runtime.delivery import verify_signature
from journeyc.runtime.temporal.client import send_calls

SECRET = "sms-webhook-secret-0123456789abcdef"
UNSUBSCRIBE_SECRET = "unsubscribe-secret-0123456789abcdefghijkl"

pytestmark = pytest.mark.slow  # (a real Temporal dev server, waits of seconds)


def delivery_settings(smtp: SmtpReceiver, hook: WebhookReceiver) -> str:
    return (
        smtp_settings(smtp, "http://127.0.0.1:9/v1/unsubscribe/{token}", "TEST_UNSUBSCRIBE_SECRET")
        + f"""
[delivery.sms]
provider = "webhook"
url = "{hook.url("/sms")}"
secret-env = "TEST_SMS_SECRET"
"""
    )


@pytest.fixture
def receivers():
    with SmtpReceiver() as smtp, WebhookReceiver(SECRET) as hook:
        yield smtp, hook


@pytest.fixture
def secrets(monkeypatch):
    monkeypatch.setenv("TEST_SMS_SECRET", SECRET)
    monkeypatch.setenv("TEST_UNSUBSCRIBE_SECRET", UNSUBSCRIBE_SECRET)


def shop(tmp_path: Path, smtp: SmtpReceiver, hook: WebhookReceiver):
    toml = (Path(__file__).parent / "live_project" / "journeyc.toml").read_text(encoding="utf-8")
    return live_project(tmp_path, files={"journeyc.toml": toml + delivery_settings(smtp, hook)})


def calls_for(customers: list[str], t0: float) -> list[dict]:
    day = zone_at(14)
    calls = [identify(c, t0, **reachable(day, first_name=c.title(), email=f"{c}@example.com")) for c in customers]
    calls += [track(c, t0 + 0.3, "Signed Up") for c in customers]  # two emails each (one for the holdout)
    calls += [track(c, t0 + 0.3, "OTP Requested", code=f"{n:06d}") for n, c in enumerate(customers)]  # a text
    return calls


def expected_sends(project, calls, until) -> tuple[int, int]:
    sent = [r for r in simulated(project, calls, until) if r["status"] == "sent"]
    return sum(r["channel"] == "email" for r in sent), sum(r["channel"] == "sms" for r in sent)


def one_customer_served(dev_server, project, task_queue: str, customer: str, done_when) -> None:
    """A worker serves one customer's calls (calls_for) until `done_when(calls, t0)()` holds, and two seconds more
    (time for a wrong extra delivery to show); then it stops."""
    settings = project.settings(task_queue)

    async def scenario() -> None:
        from journeyc.runtime.temporal.worker import serve

        client = await dev_server.client()
        stop = asyncio.Event()
        worker = asyncio.create_task(serve(client, settings, stop))
        t0 = time.time()
        calls = calls_for([customer], t0)
        await send_calls(client, project.deployment.project, settings.task_queue, project.deployment.version,
                         project.entries(calls))  # fmt: skip
        await wait_for(done_when(calls, t0), timeout=40)
        await asyncio.sleep(2.0)
        stop.set()
        await worker

    asyncio.run(scenario())


def all_sent(project, smtp: SmtpReceiver, hook: WebhookReceiver):
    """Done when every email and text the simulator sends for the calls has arrived."""

    def done_when(calls, t0):
        emails, texts = expected_sends(project, calls, t0 + 30)
        return lambda: len(smtp.received) >= emails and len(hook.received) >= texts

    return done_when


def test_a_killed_worker_finishes_every_run_and_sends_each_message_once(
    dev_server,
    tmp_path,
    receivers,
    secrets,
):
    smtp, hook = receivers
    project = shop(tmp_path, smtp, hook)
    customers = [f"c{n}" for n in range(8)]
    smtp.hold_next(6, 3.0)  # the first emails are mid-send when the worker dies
    hook.hold_next(3, 3.0)  # and so are the first texts
    log = tmp_path / "worker.log"
    first = worker_process(project, dev_server, "crash", log)

    async def scenario() -> tuple[list[dict], float]:
        client = await dev_server.client()
        t0 = time.time() + 3.0  # (the worker process starts meanwhile)
        calls = calls_for(customers, t0)
        await asyncio.sleep(max(0.0, t0 - time.time()))
        await send_calls(client, project.deployment.project, "crash", project.deployment.version,
                         project.entries(calls))  # fmt: skip
        # Kill it while emails and texts are held at the receivers, and runs wait (the tips come 6 s in).
        assert await wait_for(lambda: smtp.holding > 0, timeout=20), (hook.received, smtp.received, log.read_text())
        first.send_signal(signal.SIGKILL)
        first.wait()
        return calls, t0

    calls, t0 = asyncio.run(scenario())
    emails, texts = expected_sends(project, calls, t0 + 30)
    second = worker_process(project, dev_server, "crash", log)
    try:
        assert smtp.wait_until(lambda: len(smtp.received) >= emails, timeout=60), (smtp.received, log.read_text())
        assert hook.wait_until(lambda: len(hook.received) >= texts, timeout=60), hook.received
        time.sleep(2.0)  # (no copy may follow)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(30)
    assert smtp.dropped > 0 or hook.dropped > 0, "a send was cut off by the kill"
    assert len(smtp.received) == emails and set(smtp.received.values()) == {1}, smtp.received
    assert len(hook.received) == texts and set(hook.received.values()) == {1}, hook.received
    assert second.returncode == 0, log.read_text()


def test_emails_and_texts_arrive_as_built_and_a_failing_provider_delivers_once(
    dev_server,
    tmp_path,
    receivers,
    secrets,
):
    smtp, hook = receivers
    project = shop(tmp_path, smtp, hook)
    hook.answer_next(500, 500)  # the SMS provider fails twice, then takes it
    one_customer_served(dev_server, project, "delivery", "ada", all_sent(project, smtp, hook))
    # The text: one delivery after two 500s, its body signed with the secret.
    assert list(hook.received.values()) == [1]
    [request] = [r for r in hook.requests if r.status == 200]
    assert verify_signature(SECRET, request.headers["x-journeyc-timestamp"], request.body,
                            request.headers["x-journeyc-signature"])  # fmt: skip
    assert request.json["content"]["text"].startswith("000000 is your code")
    assert request.headers["idempotency-key"].startswith(f"{project.deployment.project}/ada/one_time_password#")
    # The emails: personalised, a text and an HTML part, the headers of the build.
    by_subject = {m["Subject"]: m for m in smtp.messages}
    welcome = next(m for s, m in by_subject.items() if "Ada" in s)
    assert welcome["To"] == "ada@example.com" and welcome["From"] == "Shop <hello@shop.example>"
    assert welcome.get_content_type() == "multipart/alternative"
    parts = {part.get_content_type(): part.get_content() for part in welcome.iter_parts()}
    assert "Ada" in parts["text/plain"] and "Ada" in parts.get("text/html", parts["text/plain"])
    assert welcome["Message-ID"].endswith("@shop.example>")
    assert welcome["List-Unsubscribe"].startswith("<http://127.0.0.1:9/v1/unsubscribe/")
    assert welcome["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    code = next(m for s, m in by_subject.items() if s.startswith("Your code"))
    assert code["List-Unsubscribe"] is None, "a transactional email has no unsubscribe header"


def test_a_provider_that_refuses_for_good_gets_one_attempt_and_the_send_is_logged_failed(
    dev_server,
    tmp_path,
    receivers,
    secrets,
):
    smtp, hook = receivers
    project = shop(tmp_path, smtp, hook)
    hook.answer_next(400)  # the SMS provider refuses the text: no attempt will do better
    one_customer_served(dev_server, project, "refusal", "bea",
                        lambda calls, t0: lambda: any(r["status"] == "failed" for r in project.logged()))  # fmt: skip
    [failed] = [r for r in project.logged() if r["status"] == "failed"]
    assert failed["channel"] == "sms" and failed["journey"] == "one_time_password"
    assert "400" in failed["reason"]
    assert hook.received == {} and len(hook.requests) == 1, "one attempt, and nothing delivered"
    sent = [r for r in project.logged() if r["status"] == "sent" and r["channel"] == "sms"]
    assert len(sent) == 1, "the decision to send stays in the log, with the failure after it"
