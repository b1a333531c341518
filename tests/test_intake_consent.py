"""Consent by mail and delivery feedback, end to end on a real dev server: the unsubscribe link of a received email
(SMTP on loopback) withdraws that channel's consent at once, promotions are dropped for it while transactional
messages still go out; a signed bounce webhook makes the address undeliverable; a STOP reply withdraws SMS
consent; forged tokens and unsigned feedback change nothing."""

from __future__ import annotations

import asyncio
import json
import re
import time

import pytest
import requests
from intake_support import ENVIRON, FEEDBACK_SECRET, running_intake
from live_support import identify, live_project, reachable, track, wait_for
from receivers import SmtpReceiver, smtp_settings

from journeyc.runtime.delivery.webhook import sign
from journeyc.runtime.temporal.devserver import free_port

pytestmark = pytest.mark.slow  # (a real Temporal dev server and SMTP server, waits of seconds)


def _email_settings(smtp: SmtpReceiver, intake_port: int) -> str:
    return smtp_settings(
        smtp, f"http://127.0.0.1:{intake_port}/v1/unsubscribe/{{token}}", "JOURNEYC_UNSUBSCRIBE_SECRET"
    )


def _signed(body: dict) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body).encode()
    stamp = str(int(time.time()))
    return raw, {"X-Journeyc-Timestamp": stamp, "X-Journeyc-Signature": sign(FEEDBACK_SECRET, stamp, raw)}


def test_unsubscribe_link_bounce_and_stop_change_what_is_sent(dev_server, tmp_path, monkeypatch):
    for name, value in ENVIRON.items():
        monkeypatch.setenv(name, value)
    port = free_port()
    with SmtpReceiver() as smtp:
        base = (live_project.__globals__["LIVE_PROJECT"] / "journeyc.toml").read_text(encoding="utf-8")
        project = live_project(tmp_path, files={"journeyc.toml": base + _email_settings(smtp, port)})

        def decided(user: str) -> list[tuple[str, str, str | None]]:
            return [(r["message"], r["status"], r["reason"]) for r in project.logged() if r["user_id"] == user]

        async def scenario() -> None:
            async with running_intake(project, dev_server, "consent", port=port) as intake:
                now = time.time()
                calls = [identify(u, now, **reachable("UTC", email=f"{u}@example.com")) for u in ("ada", "bo", "cy")]
                calls += [track(u, now + 0.1, "Checkout Started", order_id=f"o-{u}") for u in ("ada", "bo", "cy")]
                assert (await intake.post("/v1/batch", {"batch": calls})).status_code == 200
                assert await wait_for(lambda: len(smtp.messages) >= 3, timeout=30)
                [email] = [m for m in smtp.messages if m["To"] == "ada@example.com"]
                link = re.fullmatch(r"<(.+)>", email["List-Unsubscribe"]).group(1)
                assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

                page = await asyncio.to_thread(requests.get, link, timeout=10)
                assert page.status_code == 200 and "<button" in page.text  # (a GET changes nothing)
                forged = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
                refused = await asyncio.to_thread(requests.post, forged, data="List-Unsubscribe=One-Click", timeout=10)
                assert refused.status_code == 400 and "nothing changed" in refused.text
                done = await asyncio.to_thread(
                    requests.post, link, data="List-Unsubscribe=One-Click",
                    headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=10,
                )  # fmt: skip
                assert done.status_code == 200 and "unsubscribed" in done.text

                bounce, headers = _signed({"type": "bounce", "bounceType": "hard", "userId": "bo",
                                           "channel": "email", "address": "bo@example.com"})  # fmt: skip
                unsigned = await intake.post("/v1/feedback/ses", None, raw=bounce, key=None)
                assert unsigned.status_code == 401
                answer = await intake.post("/v1/feedback/ses", None, raw=bounce, key=None, headers=headers)
                assert answer.status_code == 200, answer.text
                stop, headers = _signed({"type": "stop", "userId": "cy", "channel": "sms"})
                assert (await intake.post("/v1/feedback/twilio", None, raw=stop, key=None, headers=headers)).ok

                later = time.time()
                more = [track(u, later, "Product Viewed", product_id="p") for u in ("ada", "bo", "cy")]
                more += [track(u, later + 0.1, "OTP Requested", code="123456") for u in ("ada", "bo", "cy")]
                assert (await intake.post("/v1/batch", {"batch": more})).status_code == 200

                def settled() -> bool:
                    return all(any(m == "otp_by_email" for m, _, _ in decided(u)) for u in ("ada", "bo", "cy"))

                assert await wait_for(settled, timeout=40)
                await asyncio.sleep(1.0)
                for user, trait in (("ada", "email_opt_in"), ("cy", "sms_opt_in")):
                    handle = intake.client.get_workflow_handle(f"journeyc/{project.deployment.project}/{user}")
                    assert any(f"identify: {trait}=False" in line for line in await handle.query("timeline"))

        asyncio.run(scenario())
        ada, bo, cy = decided("ada"), decided("bo"), decided("cy")
        # ada unsubscribed from email: the promotion is dropped for consent, the transactional code still emailed.
        assert ("browse_offer", "dropped", "consent") in ada
        assert ("otp_by_email", "sent", None) in ada and ("otp", "sent", None) in ada
        assert sum(m["To"] == "ada@example.com" for m in smtp.messages) == 2  # (the cart offer, then the code)
        # bo's address bounced: nothing more goes to it, transactional or not.
        assert ("browse_offer", "dropped", "undeliverable") in bo
        assert ("otp_by_email", "dropped", "undeliverable") in bo
        # cy replied STOP (its SMS consent is withdrawn, above): email is untouched, the code still texted.
        assert ("otp", "sent", None) in cy and ("otp_by_email", "sent", None) in cy
